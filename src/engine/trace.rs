//! A run's recorded samples, bounded in memory and cheap to draw.
//!
//! The app keeps every sample of a run until the store reaches its budget; then it thins the older
//! half (keeping every other sample) and remembers that it did, so an hour of running at full speed
//! holds a bounded number of samples whose density falls off with age while the recent path stays
//! exact. Drawing never touches more than a fixed number of points per run: [`Trace::decimated`]
//! picks an evenly strided subset, always including the first and the latest sample.

use super::run::{RunStatus, Sample};

/// Samples kept per run before thinning (about 10 MB per run).
pub const DEFAULT_BUDGET: usize = 250_000;

/// One run's samples and status as the app knows them.
#[derive(Clone, Debug)]
pub struct Trace {
    samples: Vec<Sample>,
    budget: usize,
    thinned: bool,
    /// The run's status after its latest samples.
    pub status: RunStatus,
}

impl Trace {
    /// An empty trace that thins beyond `budget` samples (at least 16).
    pub fn new(budget: usize) -> Self {
        Self {
            samples: Vec::new(),
            budget: budget.max(16),
            thinned: false,
            status: RunStatus::Running,
        }
    }

    /// Forgets everything and starts again from `start`.
    pub fn restart(&mut self, start: Sample, status: RunStatus) {
        self.samples.clear();
        self.samples.push(start);
        self.thinned = false;
        self.status = status;
    }

    /// Appends samples in step order, thinning the older half when over budget.
    pub fn extend(&mut self, samples: &[Sample]) {
        for sample in samples {
            if self.samples.len() >= self.budget {
                self.thin();
            }
            self.samples.push(*sample);
        }
    }

    /// Keeps the first sample, every other sample of the older half and the whole newer half.
    fn thin(&mut self) {
        let half = self.samples.len() / 2;
        let mut kept = 1;
        for index in 1..self.samples.len() {
            if index >= half || index % 2 == 0 {
                self.samples[kept] = self.samples[index];
                kept += 1;
            }
        }
        self.samples.truncate(kept);
        self.thinned = true;
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
            wall_time: 0.0,
            evals: step,
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
