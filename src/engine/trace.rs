//! A run's recorded samples, bounded in memory and cheap to draw.
//!
//! The app keeps every sample of a run until the store reaches its budget; then it thins the older
//! half (keeping every other sample) and remembers that it did, so an hour of running at full speed
//! holds a bounded number of samples whose density falls off with age while the recent path stays
//! exact. Drawing never touches more than a fixed number of points per run: [`Trace::decimated`]
//! picks an evenly strided subset, always including the first and the latest sample.

use super::run::{NetworkRecord, RunStatus, Sample};

/// Samples kept per run before thinning (about 10 MB per run).
pub const DEFAULT_BUDGET: usize = 250_000;
/// Measured samples (sharpness, test loss) kept per run before thinning.
const MEASURED_BUDGET: usize = 20_000;
/// Network records (each holds the parameters) kept per run before thinning: a few MB for the
/// networks optiviz trains.
const RECORD_BUDGET: usize = 400;

/// One run's samples and status as the app knows them.
#[derive(Clone, Debug)]
pub struct Trace {
    samples: Vec<Sample>,
    budget: usize,
    thinned: bool,
    /// The samples that carry occasional measurements (sharpness, held-out metrics), kept apart so
    /// that thinning and decimation of the path never drop them all.
    measured: Vec<Sample>,
    records: Vec<NetworkRecord>,
    /// The run's status after its latest samples.
    pub status: RunStatus,
}

/// Keeps the first item, every other item of the older half and the whole newer half.
fn thin_older_half<T>(items: &mut Vec<T>) {
    let half = items.len() / 2;
    // Even indices of the older half move to its front (index 0 stays), then one block move
    // closes the gap: cheaper than a per-item `retain`, and this runs on traces of 250,000 samples.
    let mut kept = 1;
    for index in (2..half).step_by(2) {
        items.swap(kept, index);
        kept += 1;
    }
    if kept < half {
        items.drain(kept..half);
    }
}

impl Trace {
    /// An empty trace that thins beyond `budget` samples (at least 16).
    pub fn new(budget: usize) -> Self {
        Self {
            samples: Vec::new(),
            budget: budget.max(16),
            thinned: false,
            measured: Vec::new(),
            records: Vec::new(),
            status: RunStatus::Running,
        }
    }

    /// Forgets everything and starts again from `start`.
    pub fn restart(&mut self, start: Sample, status: RunStatus) {
        self.samples.clear();
        self.measured.clear();
        self.records.clear();
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

    /// Appends samples in step order, thinning the older half when over budget.
    pub fn extend(&mut self, samples: &[Sample]) {
        for sample in samples {
            if self.samples.len() >= self.budget {
                thin_older_half(&mut self.samples);
                self.thinned = true;
            }
            self.samples.push(*sample);
            if sample.sharpness.is_some() || sample.test_loss.is_some() || sample.accuracy.is_some()
            {
                if self.measured.len() >= MEASURED_BUDGET {
                    thin_older_half(&mut self.measured);
                }
                self.measured.push(*sample);
            }
        }
    }

    /// All kept samples, in step order.
    pub fn samples(&self) -> &[Sample] {
        &self.samples
    }

    /// The latest sample.
    pub fn latest(&self) -> Option<&Sample> {
        self.samples.last()
    }

    /// The first sample (the start).
    pub fn first(&self) -> Option<&Sample> {
        self.samples.first()
    }

    /// Whether older samples were dropped to stay within the budget.
    pub fn is_thinned(&self) -> bool {
        self.thinned
    }

    /// At most `max_points` samples, evenly strided, always with the first and the latest.
    pub fn decimated(&self, max_points: usize) -> impl Iterator<Item = &Sample> {
        let len = self.samples.len();
        let stride = if max_points < 2 || len <= max_points {
            1
        } else {
            len.div_ceil(max_points - 1)
        };
        let last = len.saturating_sub(1);
        self.samples
            .iter()
            .enumerate()
            .filter(move |(index, _)| index % stride == 0 || *index == last)
            .map(|(_, sample)| sample)
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
        }
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
        let mut trace = Trace::new(100);
        trace.restart(sample(0), RunStatus::Running);
        let batch: Vec<Sample> = (1..=10_000).map(sample).collect();
        trace.extend(&batch);
        assert!(trace.samples().len() <= 100);
        assert!(trace.is_thinned());
        assert_eq!(trace.first().map(|s| s.step), Some(0));
        assert_eq!(trace.latest().map(|s| s.step), Some(10_000));
        assert!(trace.samples().windows(2).all(|w| w[0].step < w[1].step));
        // The newest samples are consecutive.
        let kept = trace.samples();
        let tail: Vec<u64> = kept[kept.len() - 10..].iter().map(|s| s.step).collect();
        assert_eq!(tail, (9_991..=10_000).collect::<Vec<_>>());
    }

    #[test]
    fn measured_samples_and_records_survive_thinning_of_the_path() {
        let mut trace = Trace::new(100);
        trace.restart(sample(0), RunStatus::Running);
        let batch: Vec<Sample> = (1..=10_000).map(sample).collect();
        trace.extend(&batch);
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
    fn decimation_is_bounded_and_keeps_the_ends() {
        let mut trace = Trace::new(1_000_000);
        trace.restart(sample(0), RunStatus::Running);
        let batch: Vec<Sample> = (1..=99_999).map(sample).collect();
        trace.extend(&batch);
        let drawn: Vec<u64> = trace.decimated(1000).map(|s| s.step).collect();
        assert!(drawn.len() <= 1000);
        assert_eq!(drawn.first(), Some(&0));
        assert_eq!(drawn.last(), Some(&99_999));
        let short: Vec<u64> = {
            let mut t = Trace::new(100);
            t.restart(sample(0), RunStatus::Running);
            t.extend(&[sample(1), sample(2)]);
            t.decimated(1000).map(|s| s.step).collect()
        };
        assert_eq!(short, [0, 1, 2]);
    }
}
