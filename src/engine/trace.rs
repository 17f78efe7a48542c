//! A run's recorded samples, bounded in memory and cheap to draw.
//!
//! The newest half of the budget is exact: every sample, in a ring buffer. A sample that leaves it
//! joins the older part only if it falls on the older part's stride (every sample at first); when
//! the older part fills up it keeps every other sample and its stride doubles. So an hour of
//! running at full speed holds a bounded number of samples, the recent path exact and the older
//! path evenly spaced at a coarser and coarser stride, and recording a sample costs a copy or two
//! of it whatever the run's length, amortized (the only block move is the older part's halving,
//! once per `budget/4` kept older samples). Drawing never touches more than a fixed number of
//! points per run: [`Trace::decimated`] picks an evenly strided subset, always including the first
//! and the latest sample.
//!
//! Thinning by step loses the shape of a path that moved far early and little later (a long run's
//! first thousand steps become one chord). So a trace may also keep the *path* by geometry, on a
//! grid of cells a set resolution wide (a fraction of the view): a point joins it when it lies in
//! another cell than the path's last point, unless the move between the two cells is one of the
//! last few the path made (a run rattling between the walls of a valley retraces the same
//! segments, which the drawing already has). So the path grows with new ground covered, not with
//! steps, and keeps its early shape however long the run goes on.

use std::collections::VecDeque;

use super::sample::{NetworkRecord, RunStatus, Sample};

/// Samples kept per run (about 32 MB per run): half of them the newest, all kept.
pub const DEFAULT_BUDGET: usize = 250_000;
/// Measured samples (sharpness, test loss) kept per run before thinning.
const MEASURED_BUDGET: usize = 20_000;
/// Network records (each holds the parameters) kept per run before thinning: a few MB for the
/// networks optiviz trains.
const RECORD_BUDGET: usize = 400;
/// The path resolution to use, as a fraction of the landscape view's diagonal: under a pixel on a
/// 1000-pixel view.
pub const PATH_RESOLUTION: f64 = 5e-4;
/// Path points kept per run before every other one is dropped (1.6 MB).
const PATH_BUDGET: usize = 100_000;
/// Moves between cells remembered, so that retracing one adds nothing to the path.
const RECENT_MOVES: usize = 8;

/// One run's samples and status as the app knows them.
#[derive(Clone, Debug)]
pub struct Trace {
    /// Samples that left `recent`, every `older_stride`-th of them; the first is the start.
    older: Vec<Sample>,
    /// How many samples have left `recent` (the stride counts them).
    departed: u64,
    /// A power of two.
    older_stride: u64,
    older_budget: usize,
    /// The newest samples, every one of them.
    recent: VecDeque<Sample>,
    recent_budget: usize,
    thinned: bool,
    /// The samples that carry occasional measurements (sharpness, held-out metrics), kept apart so
    /// that thinning and decimation of the path never drop them all.
    measured: Vec<Sample>,
    records: Vec<NetworkRecord>,
    /// The path by geometry (see the module docs); empty when `path_resolution` is 0.
    path: Vec<[f64; 2]>,
    path_resolution: f64,
    /// The cell of the path's last point.
    path_cell: Option<[i64; 2]>,
    /// The latest moves between cells the path made, as (from, to), in a ring.
    path_moves: [[i64; 4]; RECENT_MOVES],
    path_moves_made: usize,
    /// The run's status after its latest samples.
    pub status: RunStatus,
}

/// Keeps the first item, every other item of the older half and the whole newer half.
fn thin_older_half<T>(items: &mut Vec<T>) {
    let half = items.len() / 2;
    // Even indices of the older half move to its front (index 0 stays), then one block move
    // closes the gap: cheaper than a per-item `retain`.
    let mut kept = 1;
    for index in (2..half).step_by(2) {
        items.swap(kept, index);
        kept += 1;
    }
    if kept < half {
        items.drain(kept..half);
    }
}

/// Keeps the items at even indices (the first among them).
fn keep_every_other<T>(items: &mut Vec<T>) {
    let mut kept = 1;
    for index in (2..items.len()).step_by(2) {
        items.swap(kept, index);
        kept += 1;
    }
    items.truncate(kept.min(items.len()));
}

impl Trace {
    /// An empty trace that keeps at most `budget` samples (at least 16).
    pub fn new(budget: usize) -> Self {
        let budget = budget.max(16);
        let recent_budget = budget / 2;
        Self {
            older: Vec::new(),
            departed: 0,
            older_stride: 1,
            older_budget: budget - recent_budget,
            recent: VecDeque::new(),
            recent_budget,
            thinned: false,
            measured: Vec::new(),
            records: Vec::new(),
            path: Vec::new(),
            path_resolution: 0.0,
            path_cell: None,
            path_moves: [[i64::MIN; 4]; RECENT_MOVES],
            path_moves_made: 0,
            status: RunStatus::Running,
        }
    }

    /// Also keeps the path by geometry, on cells `resolution` wide (see the module docs; 0 keeps
    /// no path, and [`Trace::path`] then draws from the samples).
    pub fn with_path_resolution(mut self, resolution: f64) -> Self {
        self.path_resolution = if resolution.is_finite() && resolution > 0.0 {
            resolution
        } else {
            0.0
        };
        self
    }

    /// Forgets everything and starts again from `start`.
    pub fn restart(&mut self, start: Sample, status: RunStatus) {
        self.older.clear();
        self.departed = 0;
        self.older_stride = 1;
        self.recent.clear();
        self.measured.clear();
        self.records.clear();
        self.path.clear();
        self.path_cell = None;
        self.path_moves = [[i64::MIN; 4]; RECENT_MOVES];
        self.path_moves_made = 0;
        self.thinned = false;
        self.status = status;
        self.extend(&[start]);
    }

    /// Appends network records in step order, thinning the older half when over budget.
    pub fn extend_records(&mut self, records: Vec<NetworkRecord>) {
        for record in records {
            if self.records.len() >= RECORD_BUDGET {
                thin_older_half(&mut self.records);
            }
            self.records.push(record);
        }
    }

    /// The kept network records, in step order.
    pub fn records(&self) -> &[NetworkRecord] {
        &self.records
    }

    /// The kept samples with sharpness, test loss or accuracy, in step order.
    pub fn measured(&self) -> &[Sample] {
        &self.measured
    }

    /// Appends samples in step order, within the budget.
    pub fn extend(&mut self, samples: &[Sample]) {
        for sample in samples {
            if self.recent.len() >= self.recent_budget
                && let Some(leaving) = self.recent.pop_front()
            {
                self.keep_older(leaving);
            }
            if self.recent.capacity() == 0 {
                // Once, so that the ring never grows by copying itself (16 MB of address space
                // at the default budget; pages that are never touched take no memory).
                self.recent.reserve_exact(self.recent_budget);
            }
            self.recent.push_back(*sample);
            if self.path_resolution > 0.0 {
                self.extend_path(sample.point);
            }
            if sample.sharpness.is_some() || sample.test_loss.is_some() || sample.accuracy.is_some()
            {
                if self.measured.len() >= MEASURED_BUDGET {
                    thin_older_half(&mut self.measured);
                }
                self.measured.push(*sample);
            }
        }
    }

    /// Adds `point` to the path if it enters another cell by a move the path has not just made.
    fn extend_path(&mut self, point: [f64; 2]) {
        // `as` saturates (and maps NaN to 0), so far-off points still get a cell.
        let cell = point.map(|v| (v / self.path_resolution).floor() as i64);
        if let Some(last) = self.path_cell {
            if last == cell {
                return;
            }
            let path_move = [last[0], last[1], cell[0], cell[1]];
            if self.path_moves.contains(&path_move) {
                return;
            }
            self.path_moves[self.path_moves_made % RECENT_MOVES] = path_move;
            self.path_moves_made += 1;
        }
        if self.path.len() >= PATH_BUDGET {
            // Evenly, so that the early path keeps its share.
            keep_every_other(&mut self.path);
        }
        self.path.push(point);
        self.path_cell = Some(cell);
    }

    /// The run's path for drawing: at most `max_points` + 1 points, from the start to the latest
    /// sample. With a path resolution, the path kept by geometry (evenly strided when longer than
    /// `max_points`); without, the decimated samples.
    pub fn path(&self, max_points: usize) -> Box<dyn Iterator<Item = [f64; 2]> + '_> {
        if self.path_resolution == 0.0 {
            return Box::new(self.decimated(max_points).map(|sample| sample.point));
        }
        let stride = if max_points < 2 || self.path.len() <= max_points {
            1
        } else {
            self.path.len().div_ceil(max_points - 1)
        };
        // The path's last point even when the stride passes it, then the latest sample (which
        // may lie within the resolution of it).
        let last = self.path.len().saturating_sub(1);
        let off_stride = (!last.is_multiple_of(stride))
            .then(|| self.path.get(last))
            .flatten();
        let latest = self
            .latest()
            .map(|sample| sample.point)
            .filter(|point| self.path.last() != Some(point));
        Box::new(
            self.path
                .iter()
                .step_by(stride)
                .chain(off_stride)
                .copied()
                .chain(latest),
        )
    }

    /// Takes in a sample leaving the exact part if it falls on the older part's stride.
    fn keep_older(&mut self, leaving: Sample) {
        // The stride is a power of two: a mask, not a division, on this per-sample path.
        let on_stride = self.departed & (self.older_stride - 1) == 0;
        self.departed += 1;
        if !on_stride {
            self.thinned = true;
            return;
        }
        if self.older.len() >= self.older_budget {
            // Every other kept sample goes; the first stays, and so does the spacing: the kept ones
            // are now 2·stride apart, as the ones to come will be.
            keep_every_other(&mut self.older);
            self.older_stride *= 2;
            self.thinned = true;
            if (self.departed - 1) & (self.older_stride - 1) != 0 {
                return;
            }
        }
        self.older.push(leaving);
    }

    /// How many samples are kept.
    pub fn len(&self) -> usize {
        self.older.len() + self.recent.len()
    }

    /// Whether no sample is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The kept sample at `index` (0 = the first), in step order.
    fn get(&self, index: usize) -> Option<&Sample> {
        match index.checked_sub(self.older.len()) {
            None => self.older.get(index),
            Some(recent) => self.recent.get(recent),
        }
    }

    /// All kept samples, in step order.
    pub fn samples(&self) -> impl Iterator<Item = &Sample> {
        self.older.iter().chain(self.recent.iter())
    }

    /// The kept sample at `step`, or else the latest kept one before it (when thinning dropped
    /// it, or the run stopped earlier); `None` before the first.
    pub fn sample_at(&self, step: u64) -> Option<&Sample> {
        let in_recent = self.recent.partition_point(|sample| sample.step <= step);
        if in_recent > 0 {
            return self.recent.get(in_recent - 1);
        }
        let in_older = self.older.partition_point(|sample| sample.step <= step);
        in_older
            .checked_sub(1)
            .and_then(|index| self.older.get(index))
    }

    /// The latest sample.
    pub fn latest(&self) -> Option<&Sample> {
        self.recent.back().or_else(|| self.older.last())
    }

    /// The first sample (the start).
    pub fn first(&self) -> Option<&Sample> {
        self.older.first().or_else(|| self.recent.front())
    }

    /// Whether samples were dropped to stay within the budget.
    pub fn is_thinned(&self) -> bool {
        self.thinned
    }

    /// At most `max_points` samples, evenly strided, always with the first and the latest; the
    /// cost is the number of points returned, not the number kept.
    pub fn decimated(&self, max_points: usize) -> impl Iterator<Item = &Sample> {
        let len = self.len();
        let stride = if max_points < 2 || len <= max_points {
            1
        } else {
            len.div_ceil(max_points - 1)
        };
        let last = len.saturating_sub(1);
        // The strided indices, then the last one unless the stride landed on it.
        let ends_on_stride = last.is_multiple_of(stride);
        (0..len)
            .step_by(stride)
            .chain((len > 0 && !ends_on_stride).then_some(last))
            .filter_map(|index| self.get(index))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(step: u64) -> Sample {
        Sample {
            step,
            point: [step as f64, 0.0],
            loss: 1.0,
            grad_norm: 1.0,
            preconditioned_sharpness: None,
            sharpness: step.is_multiple_of(10).then_some(1.0),
            test_loss: None,
            accuracy: None,
            wall_time: 0.0,
            evals: step,
            bits: 0,
            lr: None,
        }
    }

    /// A running trace of `budget` samples that has been given steps 0 to `last`, the first
    /// restarting it and the rest in one batch.
    fn running_trace(budget: usize, last: u64) -> Trace {
        let mut trace = Trace::new(budget);
        trace.restart(sample(0), RunStatus::Running);
        let batch: Vec<Sample> = (1..=last).map(sample).collect();
        trace.extend(&batch);
        trace
    }

    #[test]
    fn thinning_keeps_the_even_older_half_and_all_the_newer_half() {
        for len in 0..40usize {
            let mut items: Vec<usize> = (0..len).collect();
            thin_older_half(&mut items);
            let half = len / 2;
            let expected: Vec<usize> = (0..len).filter(|&i| i >= half || i % 2 == 0).collect();
            assert_eq!(items, expected, "len {len}");
        }
    }

    #[test]
    fn stays_within_budget_keeps_order_and_the_recent_path() {
        let trace = running_trace(100, 10_000);
        assert!(trace.len() <= 100);
        assert!(trace.is_thinned());
        assert_eq!(trace.first().map(|s| s.step), Some(0));
        assert_eq!(trace.latest().map(|s| s.step), Some(10_000));
        let kept: Vec<u64> = trace.samples().map(|s| s.step).collect();
        assert_eq!(kept.len(), trace.len());
        assert!(kept.windows(2).all(|w| w[0] < w[1]));
        // The newest half of the budget is every step.
        assert_eq!(
            kept[kept.len() - 50..],
            (9_951..=10_000).collect::<Vec<_>>()
        );
        // The older samples are evenly spaced, from the start on.
        let older = &kept[..kept.len() - 50];
        let spacing = older[1] - older[0];
        assert!(spacing.is_power_of_two() && spacing > 1, "{older:?}");
        assert!(
            older
                .iter()
                .enumerate()
                .all(|(i, &step)| step == i as u64 * spacing)
        );
        assert!(older.len() > 25, "{older:?}");
    }

    #[test]
    fn a_trace_under_budget_keeps_everything() {
        let mut trace = running_trace(100, 99);
        assert!(!trace.is_thinned());
        let kept: Vec<u64> = trace.samples().map(|s| s.step).collect();
        assert_eq!(kept, (0..100).collect::<Vec<_>>());
        trace.extend(&[sample(100)]);
        assert!(trace.is_thinned() && trace.len() <= 100);
    }

    #[test]
    fn measured_samples_and_records_survive_thinning_of_the_path() {
        let mut trace = running_trace(100, 10_000);
        // Every tenth sample carries a sharpness: all 1001 are kept though the path was thinned.
        let measured: Vec<u64> = trace.measured().iter().map(|s| s.step).collect();
        assert_eq!(measured, (0..=10_000).step_by(10).collect::<Vec<_>>());

        let record = |step| NetworkRecord {
            step,
            weight_norms: vec![1.0],
            grad_norms: vec![1.0],
            singular_values: Vec::new(),
            top_eigenvalues: Vec::new(),
            test_accuracy: None,
            parameters: vec![0.0; 4],
            ..NetworkRecord::default()
        };
        trace.extend_records((0..5_000).map(record).collect());
        let steps: Vec<u64> = trace.records().iter().map(|r| r.step).collect();
        assert!(steps.len() <= RECORD_BUDGET);
        assert_eq!((steps[0], steps[steps.len() - 1]), (0, 4_999));
        assert!(steps.windows(2).all(|w| w[0] < w[1]));
        trace.restart(sample(0), RunStatus::Running);
        assert!(trace.records().is_empty());
        assert_eq!(trace.measured().len(), 1);
    }

    #[test]
    fn the_path_keeps_its_shape_when_the_samples_are_thinned() {
        // 1000 steps along a quarter circle of radius 10, then 100,000 steps wobbling within
        // 10⁻⁴ of its end: thinning by step leaves the arc a few points, the path keeps it.
        let arc = |step: u64| {
            let angle = std::f64::consts::FRAC_PI_2 * step.min(1000) as f64 / 1000.0;
            let wobble = if step > 1000 {
                1e-4 * (step % 2) as f64
            } else {
                0.0
            };
            [10.0 * angle.cos() + wobble, 10.0 * angle.sin()]
        };
        let at = |step| Sample {
            point: arc(step),
            ..sample(step)
        };
        let mut trace = Trace::new(1000).with_path_resolution(0.005);
        trace.restart(at(0), RunStatus::Running);
        trace.extend(&(1..=101_000).map(at).collect::<Vec<_>>());
        assert!(trace.is_thinned());
        let on_arc = |points: &[[f64; 2]]| {
            points
                .iter()
                .filter(|p| p[0] > 1.0 && p[1] > 1.0 && (p[0].hypot(p[1]) - 10.0).abs() < 1e-9)
                .count()
        };
        let kept: Vec<[f64; 2]> = trace.decimated(500).map(|s| s.point).collect();
        let path: Vec<[f64; 2]> = trace.path(500).collect();
        assert!(on_arc(&kept) < 20, "{}", on_arc(&kept));
        assert!(on_arc(&path) > 250, "{}", on_arc(&path));
        assert!(path.len() <= 501);
        assert_eq!(path.first(), Some(&arc(0)));
        assert_eq!(path.last(), Some(&arc(101_000)));
        // The wobble within a cell (or across one cell boundary, back and forth) adds nothing.
        assert!(trace.path.len() < 1010, "{}", trace.path.len());
        // Nor does rattling between two far-apart points for 100,000 steps.
        let rattle = |step: u64| Sample {
            point: if step.is_multiple_of(2) {
                [0.0, 10.0]
            } else {
                [0.5, 9.5]
            },
            ..sample(step)
        };
        trace.extend(&(101_001..=201_000).map(rattle).collect::<Vec<_>>());
        assert!(trace.path.len() < 1015, "{}", trace.path.len());
        assert!(on_arc(&trace.path(500).collect::<Vec<_>>()) > 250);
        // Without a resolution the path is the decimated samples.
        let mut plain = Trace::new(1000);
        plain.restart(at(0), RunStatus::Running);
        plain.extend(&(1..=5000).map(at).collect::<Vec<_>>());
        let drawn: Vec<[f64; 2]> = plain.path(100).collect();
        let decimated: Vec<[f64; 2]> = plain.decimated(100).map(|s| s.point).collect();
        assert_eq!(drawn, decimated);
        trace.restart(at(0), RunStatus::Running);
        assert_eq!(trace.path(10).collect::<Vec<_>>(), vec![arc(0)]);
    }

    #[test]
    fn decimation_is_bounded_and_keeps_the_ends() {
        let mut trace = Trace::new(1_000_000);
        trace.restart(sample(0), RunStatus::Running);
        let batch: Vec<Sample> = (1..=99_999).map(sample).collect();
        trace.extend(&batch);
        for max_points in [2, 3, 999, 1000, 1001] {
            let drawn: Vec<u64> = trace.decimated(max_points).map(|s| s.step).collect();
            assert!(drawn.len() <= max_points, "{max_points}: {}", drawn.len());
            assert!(
                drawn.len() >= max_points / 2,
                "{max_points}: {}",
                drawn.len()
            );
            assert_eq!(drawn.first(), Some(&0));
            assert_eq!(drawn.last(), Some(&99_999));
            assert!(drawn.windows(2).all(|w| w[0] < w[1]));
        }
        let short: Vec<u64> = {
            let t = running_trace(100, 2);
            t.decimated(1000).map(|s| s.step).collect()
        };
        assert_eq!(short, [0, 1, 2]);
        assert_eq!(Trace::new(100).decimated(10).count(), 0);
        // Across the older and the recent part of a thinned trace.
        let thinned = running_trace(64, 5000);
        let all: Vec<u64> = thinned.samples().map(|s| s.step).collect();
        let drawn: Vec<u64> = thinned.decimated(10).map(|s| s.step).collect();
        assert_eq!(drawn.first(), Some(&0));
        assert_eq!(drawn.last(), Some(&5000));
        assert!(drawn.len() <= 10 && drawn.iter().all(|step| all.contains(step)));
    }
}
