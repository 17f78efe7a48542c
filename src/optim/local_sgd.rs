//! Local SGD / FedAvg: K simulated workers, each with its own shard of a finite sum, take H local
//! SGD steps from a common point and are then replaced by their mean. Not a torch.optim class.
//!
//! For f = (1/n) Σᵢ fᵢ the n sample indices are split into S = min(K, n) shards: interleaved
//! (shard s = {i : i mod S = s}) by default, or contiguous blocks of the sample order when
//! `heterogeneous` (shard s = {⌊ns/S⌋, …, ⌊n(s+1)/S⌋ − 1}); worker k works on shard k mod S.
//! Each worker's local objective fₖ = mean of its shard's fᵢ has its own minimizer, so the local
//! iterates drift apart within a round ("client drift"). One optiviz step is one local step of
//! every worker:
//!
//! ```text
//! for every worker k:  Bₖ ⊂ shard(k), |Bₖ| = min(b, |shard|)   (without replacement)
//!                      gₖ ← (1/|Bₖ|) Σ_{i∈Bₖ} ∇fᵢ(xₖ)
//!                      xₖ ← xₖ − lr · gₖ
//! after every H local steps:  xₖ ← x̄ = (1/K) Σₖ xₖ   for every k     (communication round)
//! the run's iterate:  x ← x̄ after every step
//! ```
//!
//! with b = `batch_size`, H = `local_steps`, K = `workers`. Averaging keeps the mean, so every
//! step moves the run's iterate by x̄ₜ − x̄ₜ₋₁ = −lr·(1/K) Σₖ gₖ: with H = 1 all workers start each
//! step at x̄, and the step is minibatch SGD with the K·b samples of the union of the Bₖ (with
//! full shards, b ≥ n/K and K dividing n, exactly gradient descent). With H > 1 the gradients are
//! taken at the drifted xₖ, and on heterogeneous shards the fixed point of the rounds is no longer
//! the minimizer of f (Karimireddy et al. 2020): the run stalls at a biased point that moves
//! farther from x* as H or lr grow. How different the shards are depends on the sample order:
//! `LeastSquares(spread: s)` generates sample i with its own weights around a circle, so a
//! contiguous block has its own minimizer while an interleaved shard averages over the circle;
//! with s = 0 (and for `Logistic`) samples are drawn independently one after the other, a
//! contiguous block is as random a split as an interleaved one, and the shards differ only by
//! sampling variation (large when shards are small: n = 16 over K = 4).
//!
//! Sampling and cost: each worker draws Bₖ from its shard with the run's seeded generator (a
//! partial Fisher–Yates shuffle within the shard; no draw when Bₖ is the whole shard); the run's
//! batch size is ignored. Each ∇fᵢ is one per-sample evaluation of the oracle, so a step counts
//! K·|Bₖ| gradients and sample gradients, and the run's gradient noise and clipping apply to each
//! per-sample gradient on its own. On problems that are not sums (n = 1) every worker takes the
//! full gradient and all workers stay together: the method is gradient descent at K times the cost.
//! The returned loss is the mean over workers of their minibatch losses at their pre-step points.
//! Communication: at each averaging every worker sends its d coordinates, K·d·32 bits a round
//! (the server's broadcast back is not counted).
//! The workers are started at the run's iterate on the first step, and again whenever the iterate
//! passed in is not the mean this method left (a reset, a moved start point); that restart begins a
//! new round.
//!
//! Defaults (chosen here): lr = 0.01, workers = 4, local_steps = 8, heterogeneous = false,
//! batch_size = 1. Validation: lr > 0, 1 ≤ workers ≤ 64, 1 ≤ local_steps ≤ 100 000,
//! 1 ≤ batch_size ≤ 100 000.
//!
//! References: McMahan, Moore, Ramage, Hampson & Agüera y Arcas, "Communication-efficient learning
//! of deep networks from decentralized data", AISTATS 2017 (FedAvg); Stich, "Local SGD converges
//! fast and communicates little", ICLR 2019; Karimireddy et al., "SCAFFOLD: stochastic controlled
//! averaging for federated learning", ICML 2020 (client drift on heterogeneous data).

use nalgebra::DVector;
use serde::{Deserialize, Serialize};

use super::workers::{
    HETEROGENEOUS_HELP, LocalWorkers, MAX_COUNT, MAX_WORKERS, counts_bits, dense_bits,
    without_samples, worker_count,
};
use super::{Distributed, Optimizer, OptimizerSpec, Quantity, StepInfo};
use crate::hyper::hyper_table;
use crate::objective::Oracle;

/// Hyperparameters of local SGD / FedAvg.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LocalSgdConfig {
    /// Step size of every local step.
    pub lr: f64,
    /// Number K of simulated workers.
    pub workers: u64,
    /// Local steps H between two averagings (H = 1 averages after every step).
    pub local_steps: u64,
    /// Shards are contiguous blocks of the sample order instead of interleaved.
    pub heterogeneous: bool,
    /// Samples per worker per local step (the whole shard when it has fewer).
    pub batch_size: u64,
}

hyper_table! {
    LocalSgdConfig, owner: Self::DISPLAY_NAME, defaults {};
    lr = 0.01: log_float(1e-5, 1.0) where positive, "xₖ ← xₖ − lr·gₖ on every worker";
    workers = 4: int(1, 16) where count_in_range(1, MAX_WORKERS),
        "K simulated workers, each on its own shard of the data";
    local_steps = 8: int(1, 100) where count_in_range(1, MAX_COUNT),
        "H local steps per round; then xₖ ← (1/K) Σₖ xₖ";
    heterogeneous = false: boolean, HETEROGENEOUS_HELP;
    batch_size = 1: int(1, 64) where count_in_range(1, MAX_COUNT),
        "samples per worker per local step, drawn from its shard";
}

impl OptimizerSpec for LocalSgdConfig {
    const DISPLAY_NAME: &'static str = "LocalSGD";
    const DESCRIPTION: &'static str = "Local SGD / FedAvg: K = 4 simulated workers on shards of the data, \
         H = 8 local SGD steps, then average";
    const SIMULATES_WORKERS: bool = true;

    crate::optim::no_stability_threshold!(NotDerived);

    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        Box::new(LocalSgd {
            config: self.clone(),
            workers: LocalWorkers::new(worker_count(self.workers), dim),
            local_step: 0,
            rounds: 0,
            bits: 0,
            explained: LocalSgdExplained::default(),
        })
    }
}

/// Local SGD's state: the workers' iterates, the shard layout and the position in the round.
pub struct LocalSgd {
    config: LocalSgdConfig,
    workers: LocalWorkers,
    /// Local steps taken in the current round.
    local_step: u64,
    /// Rounds completed (averagings done).
    rounds: u64,
    /// Bits the workers have sent: K·d·32 per averaging.
    bits: u64,
    explained: LocalSgdExplained,
}

/// The latest step's scalars, for [`Optimizer::explain`].
#[derive(Clone, Copy, Default)]
struct LocalSgdExplained {
    steps: u64,
    lr: f64,
    /// The round the step belonged to, from 1.
    round: u64,
    /// The local step within that round, from 1 to H.
    local_step: u64,
    /// (1/K) Σₖ ‖xₖ − x̄‖ after the local steps, before any averaging.
    spread: f64,
    /// Whether the step ended its round with an averaging.
    averaged: bool,
}

impl Optimizer for LocalSgd {
    fn step(&mut self, x: &mut DVector<f64>, oracle: &mut Oracle) -> StepInfo {
        let c = &self.config;
        let begun =
            (self.workers).begin_step(x, oracle, c.workers, c.heterogeneous, c.batch_size, c.lr);
        let Some((loss, restarted)) = begun else {
            return without_samples("local SGD");
        };
        if restarted {
            self.local_step = 0;
        }
        self.local_step += 1;
        let spread = self.workers.average();
        let round = self.rounds + 1;
        let local_step = self.local_step;
        // `>=` so that lowering local_steps live ends the round at once.
        let averaged = self.local_step >= self.config.local_steps.max(1);
        if averaged {
            self.workers.synchronize();
            self.local_step = 0;
            self.rounds += 1;
            self.bits += self.workers.iterates.len() as u64 * dense_bits(x.len());
        }
        x.copy_from(&self.workers.mean);
        self.explained = LocalSgdExplained {
            steps: self.explained.steps + 1,
            lr: self.config.lr,
            round,
            local_step,
            spread,
            averaged,
        };
        StepInfo::proceed(loss)
    }

    crate::optim::config_edits!();

    fn reset(&mut self) {
        self.workers.stop();
        self.local_step = 0;
        self.rounds = 0;
        self.bits = 0;
        self.explained = LocalSgdExplained::default();
    }

    fn explain(&self) -> Vec<Quantity> {
        let e = &self.explained;
        crate::optim::explain_once_stepped(e.steps > 0, || {
            let mut quantities = crate::optim::quantities![
                scalar "round" = "communication rounds so far, this one included" => e.round as f64,
                scalar "local step" = "h = 1, …, H within the round" => e.local_step as f64,
                scalar "spread" = "(1/K) Σₖ ‖xₖ − x̄‖ after the local steps, before averaging"
                    => e.spread,
                scalar "averaged" = "1 if the round ended with xₖ ← x̄, else 0"
                    => if e.averaged { 1.0 } else { 0.0 },
            ];
            let moves = "how far the workers' mean moves (averaging keeps it)";
            quantities.extend(self.workers.mean_step_quantities(e.lr, moves));
            quantities
        })
    }

    fn as_distributed(&self) -> Option<&dyn Distributed> {
        Some(self)
    }
}

counts_bits!(LocalSgd, points: workers);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::QuantityValue;
    use crate::optim::method_tests::{
        assert_every_worker_takes_the_full_gradient, quantity, scalar, step_after_a_moved_iterate,
    };
    use crate::optim::test_support::WorkerView;
    use crate::optim::test_support::{
        assert_steps_like_gradient_descent, least_squares, least_squares_minimizer,
    };
    use crate::optim::workers::Shards;

    /// The default least squares (n = 64) with the run seed 7, and its minimizer x*.
    fn config(
        workers: u64,
        local_steps: u64,
        heterogeneous: bool,
        batch_size: u64,
    ) -> LocalSgdConfig {
        LocalSgdConfig {
            lr: 0.05,
            workers,
            local_steps,
            heterogeneous,
            batch_size,
        }
    }

    #[test]
    fn one_local_step_per_round_on_full_shards_is_gradient_descent() {
        // n = 64, K = 4: each interleaved shard has 16 samples, so b = 16 takes the whole shard and
        // the mean of the four shard gradients is the full gradient.
        let mut local = config(4, 1, false, 16).build(2);
        let oracle = assert_steps_like_gradient_descent(&mut *local);
        assert_eq!(oracle.counts().sample_gradients, 60 * 64);
        assert_eq!(oracle.counts().gradients, 60 * 64);
    }

    #[test]
    fn one_local_step_per_round_is_minibatch_sgd_on_the_union_of_the_minibatches() {
        // K = 4 workers drawing b = 3 of their 16 samples: with H = 1 every worker steps from the
        // mean, so the mean moves by −lr times the mean of the four minibatch gradients, which is
        // minibatch SGD on the 12 samples drawn. The reference draws the same minibatches (same
        // seed, same shards, same order) but takes one step from x with their mean gradient.
        let mut oracle = least_squares();
        let mut reference_oracle = least_squares();
        let mut local = config(4, 1, false, 3).build(2);
        let mut shards = Shards::default();
        shards.prepare(64, 4, false);
        let (mut grad, mut sample_grad, mut mean_grad) =
            (DVector::zeros(2), DVector::zeros(2), DVector::zeros(2));
        let mut x = DVector::from_vec(vec![-1.0, 2.0]);
        let mut reference = x.clone();
        for step in 1..=200 {
            local.step(&mut x, &mut oracle);
            mean_grad.fill(0.0);
            for k in 0..4 {
                shards.minibatch_grad(
                    k,
                    3,
                    &reference,
                    &mut reference_oracle,
                    &mut grad,
                    &mut sample_grad,
                );
                mean_grad += &grad / 4.0;
            }
            reference.axpy(-0.05, &mean_grad, 1.0);
            assert!(
                (&x - &reference).amax() < 1e-12,
                "step {step}: {x:?} vs {reference:?}"
            );
        }
        assert_eq!(oracle.counts().sample_gradients, 200 * 12);
    }

    #[test]
    fn heterogeneous_shards_drift_with_long_rounds() {
        let distance_after = |local_steps: u64| {
            let (mut oracle, minimizer) = (least_squares(), least_squares_minimizer());
            let mut local = config(4, local_steps, true, 16).build(2);
            let mut x = DVector::from_vec(vec![-1.0, 2.0]);
            for _ in 0..1600 {
                local.step(&mut x, &mut oracle);
            }
            ((x[0] - minimizer[0]).powi(2) + (x[1] - minimizer[1]).powi(2)).sqrt()
        };
        let (synced, drifting) = (distance_after(1), distance_after(16));
        assert!(synced < 1e-10, "{synced}");
        assert!(drifting > 1e-3, "{drifting}");
    }

    #[test]
    fn the_run_iterate_is_the_workers_mean_and_counts_are_honest() {
        let mut oracle = least_squares();
        let mut local = config(3, 4, false, 2).build(2);
        assert!(local.worker_points().is_empty());
        let mut x = DVector::from_vec(vec![-1.0, 2.0]);
        for step in 1..=10u64 {
            local.step(&mut x, &mut oracle);
            let points = local.worker_points();
            assert_eq!(points.len(), 3);
            let mean = points.iter().fold(DVector::zeros(2), |sum, p| sum + p) / 3.0;
            assert!((&mean - &x).amax() < 1e-15);
            let spread = points.iter().map(|p| (p - &x).norm()).sum::<f64>();
            // Stochastic local steps separate the workers; averaging every 4th step joins them.
            assert_eq!(spread == 0.0, step % 4 == 0, "step {step}");
            assert_eq!(oracle.counts().sample_gradients, step * 3 * 2);
        }
        crate::optim::method_tests::assert_reset_forgets(&mut local);
    }

    #[test]
    fn without_a_sum_every_worker_takes_the_full_gradient() {
        assert_every_worker_takes_the_full_gradient::<LocalSgdConfig>();
    }

    #[test]
    fn explains_round_local_step_and_spread() {
        let mut oracle = least_squares();
        let mut local = config(4, 3, true, 1).build(2);
        let mut x = DVector::from_vec(vec![-1.0, 2.0]);
        for _ in 0..5 {
            let before = x.clone();
            local.step(&mut x, &mut oracle);
            let quantities = local.explain();
            let arrow = quantities
                .iter()
                .find(|q| q.arrow.is_some())
                .expect("an arrow");
            let QuantityValue::Vector(step) = &arrow.value else {
                panic!("arrow is a vector")
            };
            assert!((x[0] - before[0] - step[0]).abs() < 1e-12);
            assert!((x[1] - before[1] - step[1]).abs() < 1e-12);
            assert!(scalar(&quantities, "spread") > 0.0);
            assert!(scalar(&quantities, "lr") == 0.05);
            let _ = scalar(&quantities, "round");
        }
        // Step 5 is the second local step of round 2.
        let quantities = local.explain();
        assert_eq!(scalar(&quantities, "round"), 2.0);
        assert_eq!(scalar(&quantities, "local step"), 2.0);
    }

    #[test]
    fn a_moved_iterate_restarts_the_workers_there() {
        let (local, moved) = step_after_a_moved_iterate(&config(4, 8, false, 1), 4);
        // The step was taken from (0.5, 0.5), in a new round.
        let quantities = local.explain();
        let Some((QuantityValue::Vector(step), _)) = quantity(&quantities, "−lr·ḡ") else {
            panic!("no arrow");
        };
        assert!((moved[0] - 0.5 - step[0]).abs() < 1e-15);
        assert!((moved[1] - 0.5 - step[1]).abs() < 1e-15);
        assert_eq!(scalar(&quantities, "local step"), 1.0);
    }

    #[test]
    fn validation() {
        let paths = crate::optim::test_support::validation_paths(&LocalSgdConfig {
            lr: 0.0,
            workers: 0,
            local_steps: 0,
            heterogeneous: false,
            batch_size: 0,
        });
        assert_eq!(paths, ["lr", "workers", "local_steps", "batch_size"]);
    }
}
