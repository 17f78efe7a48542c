//! What the simulated-worker methods (LocalSgd, CompressedSgd, Decentralized, AsyncSgd,
//! ByzantineRobust) share: the split of a finite sum's samples into shards, a worker's minibatch
//! gradient on its shard, the mean of the workers' iterates, and how communication is counted.
//!
//! Shards: for f = (1/n) Σᵢ fᵢ the n sample indices are split into S = min(K, n) shards,
//! interleaved (shard s = {i : i mod S = s}) or, for heterogeneous data, contiguous blocks of the
//! sample order (shard s = {⌊ns/S⌋, …, ⌊n(s+1)/S⌋ − 1}); worker k works on shard k mod S. A
//! minibatch is drawn from a shard without replacement by a partial Fisher–Yates shuffle within the
//! shard, with the run's seeded generator; no draw is made when the minibatch is the whole shard.
//!
//! Communication: every real number a worker sends counts [`FLOAT_BITS`] = 32 bits, the fp32 in
//! which gradients and weights travel in practice (the simulation itself computes in f64). Each
//! method documents what it sends per step; the run's `bits` column accumulates it.

use nalgebra::DVector;
use rand::Rng;

use super::{Quantity, StepInfo, StepOutcome};
use crate::objective::Oracle;

/// Most simulated workers a method may have (each one holds buffers and works every step).
pub const MAX_WORKERS: u64 = 64;
/// Most samples per worker minibatch, and most steps of a method's schedules (local steps,
/// gossip periods).
pub const MAX_COUNT: u64 = 100_000;

/// The help of the `heterogeneous` switch every worker method offers.
pub const HETEROGENEOUS_HELP: &str =
    "shards are contiguous blocks of the samples instead of interleaved (i mod K)";

/// Bits counted for one real number sent between workers (fp32 on the wire).
pub const FLOAT_BITS: u64 = 32;

/// Bits of a dense message of `dim` real numbers.
pub fn dense_bits(dim: usize) -> u64 {
    FLOAT_BITS * dim as u64
}

/// K of a method's `workers`, clamped so that an unvalidated config still runs.
pub fn worker_count(workers: u64) -> usize {
    workers.clamp(1, MAX_WORKERS) as usize
}

/// The most samples a worker draws, of a method's `batch_size`, clamped so that an unvalidated
/// config still runs.
pub fn batch_len(batch_size: u64) -> usize {
    batch_size.clamp(1, MAX_COUNT) as usize
}

/// `impl Distributed` for a worker method that counts what its workers have sent in `self.bits`
/// and, with `points: field`, draws the workers of its [`LocalWorkers`] `field`. Four worker
/// methods wrote this block alike; each still answers `as_distributed` with `Some(self)`.
macro_rules! counts_bits {
    ($method:ty $(, points: $workers:ident)?) => {
        impl $crate::optim::Distributed for $method {
            fn bits_communicated(&self) -> u64 {
                self.bits
            }

            $(
                fn worker_points(&self) -> &[nalgebra::DVector<f64>] {
                    self.$workers.points()
                }
            )?
        }
    };
}
pub(crate) use counts_bits;

/// The step a worker method takes on a problem with no terms to share out: none, failed.
pub fn without_samples(method: &str) -> StepInfo {
    StepInfo {
        loss: f64::NAN,
        outcome: StepOutcome::Failed(format!("{method} needs a sum of at least one term")),
    }
}

/// The split of the sample indices into shards: shard s is `order[offsets[s]..offsets[s + 1]]`.
#[derive(Default)]
pub struct Shards {
    order: Vec<usize>,
    offsets: Vec<usize>,
    /// (n, shard count, heterogeneous) the layout was made for.
    made_for: Option<(usize, usize, bool)>,
}

impl Shards {
    /// Lays the shards out for `n` samples over `workers` workers (S = min(K, n) shards) unless
    /// already laid out so; allocates only when the layout changes.
    pub fn prepare(&mut self, n: usize, workers: usize, heterogeneous: bool) {
        let count = workers.min(n).max(1);
        if self.made_for == Some((n, count, heterogeneous)) {
            return;
        }
        self.order.clear();
        self.offsets.clear();
        self.offsets.push(0);
        for s in 0..count {
            if heterogeneous {
                self.order.extend(n * s / count..n * (s + 1) / count);
            } else {
                self.order.extend((s..n).step_by(count));
            }
            self.offsets.push(self.order.len());
        }
        self.made_for = Some((n, count, heterogeneous));
    }

    /// Forgets the layout, and with it the order the minibatch draws have shuffled each shard
    /// into, so that a reset optimizer draws exactly as a freshly built one.
    pub fn reset(&mut self) {
        self.made_for = None;
    }

    /// Number of shards.
    pub fn count(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// The sample indices of shard `s`, in their current (shuffled) order.
    pub fn shard(&self, s: usize) -> &[usize] {
        &self.order[self.offsets[s]..self.offsets[s + 1]]
    }

    /// Draws a minibatch of at most `batch` indices of shard `s` (the whole shard when it has no
    /// more) and returns its range in `order`.
    fn draw(&mut self, s: usize, batch: usize, rng: &mut impl Rng) -> std::ops::Range<usize> {
        let (start, end) = (self.offsets[s], self.offsets[s + 1]);
        let len = batch.min(end - start);
        if len < end - start {
            // Partial Fisher–Yates within the shard: uniform without replacement, no allocation.
            for i in start..start + len {
                let j = rng.random_range(i..end);
                self.order.swap(i, j);
            }
        }
        start..start + len
    }

    /// Worker `k`'s minibatch gradient at `x`: draws at most `batch` samples of its shard
    /// (k mod S), writes their mean gradient into `grad` and returns their mean loss.
    /// `sample_grad` is scratch of x's length. Each sample is one per-sample oracle evaluation.
    pub fn minibatch_grad(
        &mut self,
        k: usize,
        batch: usize,
        x: &DVector<f64>,
        oracle: &mut Oracle,
        grad: &mut DVector<f64>,
        sample_grad: &mut DVector<f64>,
    ) -> f64 {
        let shard = k % self.count().max(1);
        let range = self.draw(shard, batch.max(1), oracle.rng());
        let count = range.len().max(1) as f64;
        grad.fill(0.0);
        let mut loss = 0.0;
        for &i in &self.order[range] {
            loss += oracle.sample_value_and_grad(x, i, sample_grad);
            *grad += &*sample_grad;
        }
        *grad /= count;
        loss / count
    }
}

/// K workers that each hold an iterate and take local SGD steps on their own shard, the state
/// LocalSgd and Decentralized share: xₖ ← xₖ − lr·gₖ(xₖ) for every k, then the method averages
/// (all of them, or with neighbours) on its own schedule.
pub struct LocalWorkers {
    /// xₖ for every worker.
    pub iterates: Vec<DVector<f64>>,
    /// x̄ = (1/K) Σₖ xₖ as last computed: what the method wrote into the run's iterate.
    pub mean: DVector<f64>,
    /// (1/K) Σₖ gₖ of the latest local steps.
    pub mean_grad: DVector<f64>,
    shards: Shards,
    grad: DVector<f64>,
    sample_grad: DVector<f64>,
    /// Whether the workers hold iterates (false before the first step and after a reset).
    started: bool,
}

impl LocalWorkers {
    /// `workers` workers on `dim` parameters, not started.
    pub fn new(workers: usize, dim: usize) -> Self {
        Self {
            iterates: vec![DVector::zeros(dim); workers],
            mean: DVector::zeros(dim),
            mean_grad: DVector::zeros(dim),
            shards: Shards::default(),
            grad: DVector::zeros(dim),
            sample_grad: DVector::zeros(dim),
            started: false,
        }
    }

    /// Sizes the buffers for `workers` workers on `dim` parameters (allocating only on a change,
    /// which also stops the workers) and lays out the shards of `n` samples.
    pub fn prepare(&mut self, workers: usize, dim: usize, n: usize, heterogeneous: bool) {
        if self.iterates.len() != workers || self.iterates.iter().any(|x| x.len() != dim) {
            self.iterates = vec![DVector::zeros(dim); workers];
            self.started = false;
        }
        for buffer in [
            &mut self.mean,
            &mut self.mean_grad,
            &mut self.grad,
            &mut self.sample_grad,
        ] {
            if buffer.len() != dim {
                *buffer = DVector::zeros(dim);
            }
        }
        self.shards.prepare(n, workers, heterogeneous);
    }

    /// Puts every worker at `x` unless they already run from there (x is bit for bit the mean
    /// they left); returns whether they were restarted, which begins a new round.
    pub fn start_at(&mut self, x: &DVector<f64>) -> bool {
        if self.started && same_point(&self.mean, x) {
            return false;
        }
        for worker in self.iterates.iter_mut() {
            worker.copy_from(x);
        }
        self.mean.copy_from(x);
        self.started = true;
        true
    }

    /// How every step of LocalSgd and Decentralized begins: sizes the buffers for K = `workers`
    /// workers (clamped) on x's dimension, lays out the shards of the run's samples
    /// (`heterogeneous`), (re)starts the workers at `x` when needed and takes one
    /// [`Self::local_steps`] with at most `batch_size` samples. Returns the workers' mean
    /// minibatch loss and whether they were restarted (a new round), or `None` on a problem with
    /// no samples.
    pub fn begin_step(
        &mut self,
        x: &DVector<f64>,
        oracle: &mut Oracle,
        workers: u64,
        heterogeneous: bool,
        batch_size: u64,
        lr: f64,
    ) -> Option<(f64, bool)> {
        let n = oracle.num_samples();
        if n == 0 {
            return None;
        }
        self.prepare(worker_count(workers), x.len(), n, heterogeneous);
        let restarted = self.start_at(x);
        Some((
            self.local_steps(lr, batch_len(batch_size), oracle),
            restarted,
        ))
    }

    /// The quantities of the workers' mean step that LocalSgd and Decentralized explain alike:
    /// ḡ of the latest local steps, −lr·ḡ drawn as the gradient arrow (`moves` says why it is how
    /// far the mean moves), and lr.
    pub fn mean_step_quantities(&self, lr: f64, moves: &'static str) -> [Quantity; 3] {
        [
            Quantity::vector("ḡ", "(1/K) Σₖ gₖ(xₖ)", self.mean_grad.as_slice()),
            Quantity::arrow(
                super::ArrowKind::Gradient,
                "−lr·ḡ",
                moves,
                self.mean_grad.iter().map(|g| -lr * g),
            ),
            Quantity::scalar("lr", "step size", lr),
        ]
    }

    /// One local SGD step of every worker on a minibatch of at most `batch` samples of its
    /// shard; sets `mean_grad` and returns the workers' mean minibatch loss at their pre-step
    /// points. Does not average.
    pub fn local_steps(&mut self, lr: f64, batch: usize, oracle: &mut Oracle) -> f64 {
        self.mean_grad.fill(0.0);
        let mut loss = 0.0;
        for k in 0..self.iterates.len() {
            loss += self.shards.minibatch_grad(
                k,
                batch,
                &self.iterates[k],
                oracle,
                &mut self.grad,
                &mut self.sample_grad,
            );
            self.iterates[k].axpy(-lr, &self.grad, 1.0);
            self.mean_grad += &self.grad;
        }
        let workers = self.iterates.len().max(1) as f64;
        self.mean_grad /= workers;
        loss / workers
    }

    /// Recomputes `mean` and returns the spread (1/K) Σₖ ‖xₖ − x̄‖.
    pub fn average(&mut self) -> f64 {
        mean_and_spread(&self.iterates, &mut self.mean)
    }

    /// xₖ ← x̄ for every worker (call [`Self::average`] first).
    pub fn synchronize(&mut self) {
        for worker in self.iterates.iter_mut() {
            worker.copy_from(&self.mean);
        }
    }

    /// Forgets the iterates and the shards' shuffled order: the next step starts every worker at
    /// the run's iterate, drawing as if just built.
    pub fn stop(&mut self) {
        self.started = false;
        self.shards.reset();
    }

    /// The workers' iterates, for drawing (none before the first step).
    pub fn points(&self) -> &[DVector<f64>] {
        if self.started { &self.iterates } else { &[] }
    }
}

/// Writes (1/K) Σₖ xₖ into `mean` and returns the spread (1/K) Σₖ ‖xₖ − x̄‖.
pub fn mean_and_spread(points: &[DVector<f64>], mean: &mut DVector<f64>) -> f64 {
    let k = points.len().max(1) as f64;
    mean.fill(0.0);
    for point in points {
        *mean += point;
    }
    *mean /= k;
    let spread: f64 = points
        .iter()
        .map(|point| {
            point
                .iter()
                .zip(mean.iter())
                .map(|(p, m)| (p - m) * (p - m))
                .sum::<f64>()
                .sqrt()
        })
        .sum();
    spread / k
}

/// Whether `x` is bit for bit the point a worker method last wrote into the run's iterate: if
/// not, the run was reset or its start moved, and the workers restart from `x`.
pub fn same_point(last: &DVector<f64>, x: &DVector<f64>) -> bool {
    last.len() == x.len()
        && last
            .iter()
            .zip(x.iter())
            .all(|(a, b)| a.to_bits() == b.to_bits())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interleaved_and_contiguous_shards_partition_the_samples() {
        let mut shards = Shards::default();
        shards.prepare(10, 3, false);
        assert_eq!(shards.count(), 3);
        assert_eq!(shards.shard(0), &[0, 3, 6, 9]);
        assert_eq!(shards.shard(1), &[1, 4, 7]);
        assert_eq!(shards.shard(2), &[2, 5, 8]);
        shards.prepare(10, 3, true);
        assert_eq!(shards.shard(0), &[0, 1, 2]);
        assert_eq!(shards.shard(1), &[3, 4, 5]);
        assert_eq!(shards.shard(2), &[6, 7, 8, 9]);
        // More workers than samples: one shard per sample.
        shards.prepare(2, 5, false);
        assert_eq!(shards.count(), 2);
    }

    #[test]
    fn mean_and_spread_of_two_points() {
        let points = [
            DVector::from_vec(vec![0.0, 0.0]),
            DVector::from_vec(vec![2.0, 0.0]),
        ];
        let mut mean = DVector::zeros(2);
        let spread = mean_and_spread(&points, &mut mean);
        assert_eq!(mean.as_slice(), &[1.0, 0.0]);
        assert_eq!(spread, 1.0);
    }

    #[test]
    fn a_reset_worker_method_draws_as_a_fresh_one() {
        use std::sync::Arc;

        use crate::landscape::{LandscapeObjective, LandscapeSpec, LeastSquares};
        use crate::objective::GradientModel;
        use crate::optim::{Optimizer, OptimizerConfig};

        let problem = LeastSquares::default().build();
        let run = |method: &mut dyn Optimizer| {
            let objective = Arc::new(LandscapeObjective::new(problem.clone()));
            let mut oracle = Oracle::new(objective, GradientModel::default(), 3);
            let mut x = DVector::from_vec(vec![-1.0, 2.0]);
            for _ in 0..20 {
                method.step(&mut x, &mut oracle);
            }
            x
        };
        let catalog = OptimizerConfig::catalog();
        let methods: Vec<_> = catalog.iter().filter(|c| c.simulates_workers()).collect();
        assert_eq!(methods.len(), 5);
        for config in methods {
            let mut method = config.build(2);
            let first = run(method.as_mut());
            method.reset();
            let second = run(method.as_mut());
            assert_eq!(first, second, "{}", config.name());
        }
    }

    #[test]
    fn dense_messages_count_fp32() {
        assert_eq!(dense_bits(2), 64);
    }
}
