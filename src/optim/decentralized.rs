//! Decentralized SGD (gossip averaging): K simulated workers on shards of a finite sum, no server;
//! each takes local SGD steps and then averages with its neighbours on a graph through a mixing
//! matrix W. Not a torch.optim class.
//!
//! For f = (1/n) Σᵢ fᵢ the n sample indices are split into S = min(K, n) shards, interleaved or
//! contiguous when `heterogeneous` (see `workers.rs`); worker k works on shard k mod S and holds
//! its own iterate xₖ. One optiviz step is one local step of every worker, then (every G-th step)
//! one gossip, in the "adapt then combine" order:
//!
//! ```text
//! for every worker k:  Bₖ ⊂ shard(k), |Bₖ| = min(b, |shard|)   (without replacement)
//!                      gₖ ← (1/|Bₖ|) Σ_{i∈Bₖ} ∇fᵢ(xₖ)
//!                      xₖ ← xₖ − lr · gₖ                        (adapt)
//! every G steps:       xₖ ← Σⱼ Wₖⱼ xⱼ   for every k             (combine: gossip)
//! the run's iterate:   x ← x̄ = (1/K) Σₖ xₖ after every step
//! ```
//!
//! with b = `batch_size`, G = `gossip_every`, K = `workers`. Lian et al.'s D-PSGD takes the other
//! order, xₖ ← Σⱼ Wₖⱼ xⱼ − lr·gₖ(xₖ) (combine, with the gradient at the old point); both move the
//! mean the same way and differ only in where the gradients are taken. The mixing matrices:
//!
//! ```text
//! Ring      Metropolis weights: Wₖ,ₖ₋₁ = Wₖₖ = Wₖ,ₖ₊₁ = 1/3 (indices mod K), K ≥ 3;
//!           K = 2: Wₖⱼ = ½ everywhere; K = 1: W = 1
//! Complete  Wₖⱼ = 1/K everywhere: one gossip is exact averaging (LocalSgd's round)
//! ```
//!
//! W is symmetric and doubly stochastic, so a gossip keeps the mean x̄, and the mean moves every
//! step by −lr·ḡ with ḡ = (1/K) Σₖ gₖ(xₖ) exactly as in LocalSgd; the difference is the
//! disagreement xₖ − x̄, which each gossip multiplies by W. Its slowest component contracts by
//! |λ₂(W)|, the second largest eigenvalue magnitude: 0 on the complete graph, and on the ring
//! (eigenvalues 1/3 + 2/3·cos(2πj/K)) λ₂ = 1/3 + 2/3·cos(2π/K), so the spectral gap
//! 1 − λ₂ = 2/3·(1 − cos(2π/K)) ≈ 4π²/(3K²) shrinks like 1/K²: consensus on a big ring is slow,
//! and on heterogeneous shards the workers stay spread around x̄ (each pulled towards its own
//! shard's minimizer) at a distance that grows with lr and with 1/(1 − λ₂). With a constant lr
//! that spread also biases the mean a little: at the fixed point Σₖ gₖ(xₖ) = 0 at the workers'
//! own points, not ∇f(x̄) = 0 (the bias vanishes as lr → 0, and with exact averaging).
//!
//! Sampling and cost: as in LocalSgd (the same draws in the same order: with the complete graph
//! this method is LocalSgd with local_steps = G, draw for draw). A step counts K·|Bₖ| gradients and
//! sample gradients. On problems that are not sums (n = 1) every worker takes the full gradient
//! and all workers stay together. The returned loss is the mean over workers of their minibatch
//! losses at their pre-step points.
//! Communication: at each gossip every worker sends its d coordinates to each neighbour: the ring
//! has 2 neighbours (1 for K = 2, 0 for K = 1), the complete graph K − 1, so a gossip costs
//! K·deg·d·32 bits. The workers are started at the run's iterate on the first step, and again
//! whenever the iterate passed in is not the mean this method left (a reset, a moved start point).
//!
//! Defaults (chosen here): lr = 0.01, workers = 4, topology = Ring, gossip_every = 1,
//! heterogeneous = false, batch_size = 1. Validation: lr > 0, 1 ≤ workers ≤ 64,
//! 1 ≤ gossip_every ≤ 100 000, 1 ≤ batch_size ≤ 100 000.
//!
//! References: Lian, Zhang, Zhang, Hsieh, Zhang & Liu, "Can decentralized algorithms outperform
//! centralized algorithms? A case study for decentralized parallel stochastic gradient descent",
//! NeurIPS 2017 (D-PSGD); Koloskova, Loizou, Boreiri, Jaggi & Stich, "A unified theory of
//! decentralized SGD with changing topology and local updates", ICML 2020 (local steps between
//! gossips, rates in the spectral gap).

use nalgebra::DVector;
use serde::{Deserialize, Serialize};

use super::workers::{
    HETEROGENEOUS_HELP, LocalWorkers, MAX_COUNT, MAX_WORKERS, counts_bits, dense_bits,
    without_samples, worker_count,
};
use super::{Distributed, HyperChoice, Optimizer, OptimizerSpec, Quantity, StepInfo};
use crate::hyper::hyper_table;
use crate::objective::Oracle;

/// The topology names, as the picker lists them.
const TOPOLOGY_CHOICES: &[&str] = &["Ring", "Complete"];

/// The communication graph of the workers, as presets name it: `topology: Ring`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Topology {
    /// Worker k talks to k − 1 and k + 1 (mod K), Metropolis weights 1/3.
    #[default]
    Ring,
    /// Every worker talks to every other, weights 1/K: exact averaging.
    Complete,
}

impl HyperChoice for Topology {
    fn choice_name(&self) -> &'static str {
        self.name()
    }

    fn with_choice(&self, name: &str) -> Option<Self> {
        match name {
            "Ring" => Some(Self::Ring),
            "Complete" => Some(Self::Complete),
            _ => None,
        }
    }
}

impl Topology {
    /// Its name in presets and in the picker.
    pub fn name(self) -> &'static str {
        match self {
            Self::Ring => "Ring",
            Self::Complete => "Complete",
        }
    }

    /// The neighbours each worker sends to per gossip, for `workers` workers.
    pub fn degree(self, workers: usize) -> usize {
        match self {
            Self::Ring => workers.saturating_sub(1).min(2),
            Self::Complete => workers.saturating_sub(1),
        }
    }

    /// The mixing weight Wₖⱼ for `workers` workers (0 outside the graph).
    pub fn weight(self, k: usize, j: usize, workers: usize) -> f64 {
        match (self, workers) {
            (_, 0) => 0.0,
            (Self::Complete, _) | (Self::Ring, 1 | 2) => 1.0 / workers as f64,
            (Self::Ring, _) => {
                let distance = k.abs_diff(j);
                if distance <= 1 || distance == workers - 1 {
                    1.0 / 3.0
                } else {
                    0.0
                }
            }
        }
    }

    /// |λ₂(W)|: the largest eigenvalue magnitude of W off the consensus direction, the factor by
    /// which one gossip shrinks the slowest disagreement (0 for exact averaging).
    pub fn contraction(self, workers: usize) -> f64 {
        match (self, workers) {
            (Self::Complete, _) | (Self::Ring, 0..=3) => 0.0,
            (Self::Ring, _) => (1..workers)
                .map(|j| {
                    let angle = 2.0 * std::f64::consts::PI * j as f64 / workers as f64;
                    (1.0 / 3.0 + 2.0 / 3.0 * angle.cos()).abs()
                })
                .fold(0.0, f64::max),
        }
    }

    /// Writes out[k] = Σⱼ Wₖⱼ points[j] for every k (both slices of the same length).
    fn mix(self, points: &[DVector<f64>], out: &mut [DVector<f64>]) {
        let workers = points.len();
        match (self, workers) {
            (_, 0) => {}
            (Self::Complete, _) | (Self::Ring, 1..=3) => {
                // Every row of W is (1/K, …, 1/K) (the ring of 3 is the complete graph): one sum,
                // in the order `mean_and_spread` adds, so the workers equal LocalSgd's average.
                let (first, rest) = out.split_at_mut(1);
                let mean = &mut first[0];
                mean.fill(0.0);
                for point in points {
                    *mean += point;
                }
                *mean /= workers as f64;
                for other in rest {
                    other.copy_from(mean);
                }
            }
            (Self::Ring, _) => {
                for (k, target) in out.iter_mut().enumerate() {
                    let before = &points[(k + workers - 1) % workers];
                    let after = &points[(k + 1) % workers];
                    target.copy_from(before);
                    *target += &points[k];
                    *target += after;
                    *target /= 3.0;
                }
            }
        }
    }
}

/// Hyperparameters of decentralized (gossip) SGD.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DecentralizedConfig {
    /// Step size of every local step.
    pub lr: f64,
    /// Number K of simulated workers.
    pub workers: u64,
    /// The graph the workers gossip on.
    pub topology: Topology,
    /// Local steps G between two gossips (G = 1 gossips after every step).
    pub gossip_every: u64,
    /// Shards are contiguous blocks of the sample order instead of interleaved.
    pub heterogeneous: bool,
    /// Samples per worker per local step (the whole shard when it has fewer).
    pub batch_size: u64,
}

hyper_table! {
    DecentralizedConfig, owner: Self::DISPLAY_NAME, defaults { topology: Topology::Ring };
    lr = 0.01: log_float(1e-5, 1.0) where positive, "xₖ ← xₖ − lr·gₖ(xₖ) on every worker";
    workers = 4: int(1, 16) where count_in_range(1, MAX_WORKERS),
        "K simulated workers, each on its own shard of the data";
    topology: choice(TOPOLOGY_CHOICES),
        "Ring: xₖ ← (xₖ₋₁ + xₖ + xₖ₊₁)/3; Complete: xₖ ← (1/K) Σⱼ xⱼ";
    gossip_every = 1: int(1, 100) where count_in_range(1, MAX_COUNT),
        "G local steps between gossips xₖ ← Σⱼ Wₖⱼ xⱼ";
    heterogeneous = false: boolean, HETEROGENEOUS_HELP;
    batch_size = 1: int(1, 64) where count_in_range(1, MAX_COUNT),
        "samples per worker per local step, drawn from its shard";
}

impl OptimizerSpec for DecentralizedConfig {
    const DISPLAY_NAME: &'static str = "Decentralized";
    const DESCRIPTION: &'static str = "Decentralized SGD: K = 4 simulated workers on a ring, each takes \
         a local SGD step, then averages with its neighbours (gossip)";
    const SIMULATES_WORKERS: bool = true;

    crate::optim::no_stability_threshold!(NotDerived);

    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        let workers = worker_count(self.workers);
        Box::new(Decentralized {
            config: self.clone(),
            workers: LocalWorkers::new(workers, dim),
            mixed: vec![DVector::zeros(dim); workers],
            since_gossip: 0,
            gossips: 0,
            bits: 0,
            explained: DecentralizedExplained::default(),
        })
    }
}

/// Decentralized SGD's state: the workers' iterates, the gossip scratch and the schedule.
pub struct Decentralized {
    config: DecentralizedConfig,
    workers: LocalWorkers,
    /// Σⱼ Wₖⱼ xⱼ while gossiping (swapped with the workers' iterates), so that a gossip
    /// allocates nothing.
    mixed: Vec<DVector<f64>>,
    /// Local steps taken since the latest gossip.
    since_gossip: u64,
    /// Gossips done.
    gossips: u64,
    /// Bits the workers have sent: K·deg·d·32 per gossip.
    bits: u64,
    explained: DecentralizedExplained,
}

/// The latest step's scalars, for [`Optimizer::explain`].
#[derive(Clone, Copy, Default)]
struct DecentralizedExplained {
    steps: u64,
    lr: f64,
    /// (1/K) Σₖ ‖xₖ − x̄‖ after the local steps, before any gossip.
    spread_before: f64,
    /// (1/K) Σₖ ‖xₖ − x̄‖ at the end of the step.
    spread: f64,
    /// Whether the step ended with a gossip.
    gossiped: bool,
    /// |λ₂(W)| of the step's graph.
    contraction: f64,
}

impl Decentralized {
    /// xₖ ← Σⱼ Wₖⱼ xⱼ for every k, counting what the workers send.
    fn gossip(&mut self) {
        let topology = self.config.topology;
        let iterates = &mut self.workers.iterates;
        if self.mixed.len() != iterates.len()
            || self
                .mixed
                .iter()
                .any(|m| m.len() != self.workers.mean.len())
        {
            self.mixed = vec![DVector::zeros(self.workers.mean.len()); iterates.len()];
        }
        topology.mix(iterates, &mut self.mixed);
        std::mem::swap(iterates, &mut self.mixed);
        let workers = iterates.len();
        let dim = self.workers.mean.len();
        self.bits += (workers * topology.degree(workers)) as u64 * dense_bits(dim);
        self.gossips += 1;
    }
}

impl Optimizer for Decentralized {
    fn step(&mut self, x: &mut DVector<f64>, oracle: &mut Oracle) -> StepInfo {
        let c = &self.config;
        let begun =
            (self.workers).begin_step(x, oracle, c.workers, c.heterogeneous, c.batch_size, c.lr);
        let Some((loss, restarted)) = begun else {
            return without_samples("decentralized SGD");
        };
        if restarted {
            self.since_gossip = 0;
        }
        self.since_gossip += 1;
        let spread_before = self.workers.average();
        // `>=` so that lowering gossip_every live gossips at once.
        let gossiped = self.since_gossip >= self.config.gossip_every.max(1);
        let spread = if gossiped {
            self.gossip();
            self.since_gossip = 0;
            self.workers.average()
        } else {
            spread_before
        };
        x.copy_from(&self.workers.mean);
        self.explained = DecentralizedExplained {
            steps: self.explained.steps + 1,
            lr: self.config.lr,
            spread_before,
            spread,
            gossiped,
            contraction: self
                .config
                .topology
                .contraction(self.workers.iterates.len()),
        };
        StepInfo::proceed(loss)
    }

    crate::optim::config_edits!();

    fn reset(&mut self) {
        self.workers.stop();
        self.since_gossip = 0;
        self.gossips = 0;
        self.bits = 0;
        self.explained = DecentralizedExplained::default();
    }

    fn explain(&self) -> Vec<Quantity> {
        let e = &self.explained;
        crate::optim::explain_once_stepped(e.steps > 0, || {
            let mut quantities = crate::optim::quantities![
                scalar "consensus before" =
                    "(1/K) Σₖ ‖xₖ − x̄‖ after the local steps, before any gossip"
                    => e.spread_before,
                scalar "gossiped" = "1 if the step ended with xₖ ← Σⱼ Wₖⱼ xⱼ, else 0"
                    => if e.gossiped { 1.0 } else { 0.0 },
                scalar "consensus" = "(1/K) Σₖ ‖xₖ − x̄‖ at the end of the step" => e.spread,
                scalar "|λ₂(W)|" = "how much one gossip shrinks the slowest disagreement"
                    => e.contraction,
            ];
            let moves = "how far the workers' mean moves (gossip keeps it)";
            quantities.extend(self.workers.mean_step_quantities(e.lr, moves));
            quantities
        })
    }

    fn as_distributed(&self) -> Option<&dyn Distributed> {
        Some(self)
    }
}

counts_bits!(Decentralized, points: workers);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hyper::{HyperValue, Hypers};
    use crate::optim::method_tests::{
        assert_every_worker_takes_the_full_gradient, assert_reset_forgets, quantity, scalar,
        step_after_a_moved_iterate,
    };
    use crate::optim::test_support::WorkerView;
    use crate::optim::test_support::{least_squares, least_squares_minimizer};
    use crate::optim::workers::mean_and_spread;
    use crate::optim::{LocalSgdConfig, QuantityValue};

    /// The default least squares (n = 64) with the run seed 7, and its minimizer x*.
    fn config(workers: u64, topology: Topology, gossip_every: u64) -> DecentralizedConfig {
        DecentralizedConfig {
            lr: 0.05,
            workers,
            topology,
            gossip_every,
            heterogeneous: true,
            batch_size: 1,
        }
    }

    #[test]
    fn gossip_on_a_complete_graph_is_exact_averaging() {
        // Same seed, same shards, same draw order: the complete graph's gossip is LocalSgd's
        // averaging, so the runs agree step for step, and every worker sits at x̄ after a gossip.
        for gossip_every in [1, 3] {
            let mut oracle = least_squares();
            let mut reference_oracle = least_squares();
            let mut gossip = config(5, Topology::Complete, gossip_every).build(2);
            let mut local = LocalSgdConfig {
                lr: 0.05,
                workers: 5,
                local_steps: gossip_every,
                heterogeneous: true,
                batch_size: 1,
            }
            .build(2);
            let mut x = DVector::from_vec(vec![-1.0, 2.0]);
            let mut reference = x.clone();
            for step in 1..=60u64 {
                let before = x.clone();
                let loss = gossip.step(&mut x, &mut oracle).loss;
                let reference_loss = local.step(&mut reference, &mut reference_oracle).loss;
                assert!((&x - &reference).amax() < 1e-12, "step {step}");
                assert!((loss - reference_loss).abs() < 1e-12);
                let points = gossip.worker_points();
                let quantities = gossip.explain();
                if step % gossip_every == 0 {
                    for point in points {
                        assert!((point - &x).amax() < 1e-12, "step {step}");
                    }
                    assert!(scalar(&quantities, "consensus") < 1e-12);
                }
                // x̄ moved by exactly −lr·ḡ.
                let Some((QuantityValue::Vector(g), _)) = quantity(&quantities, "ḡ") else {
                    panic!("no ḡ");
                };
                for i in 0..2 {
                    assert!((x[i] - (before[i] - 0.05 * g[i])).abs() < 1e-12);
                }
            }
        }
    }

    #[test]
    fn ring_weights_are_doubly_stochastic_and_gossip_keeps_the_mean() {
        for workers in 1..=9 {
            for topology in [Topology::Ring, Topology::Complete] {
                for k in 0..workers {
                    let row: f64 = (0..workers).map(|j| topology.weight(k, j, workers)).sum();
                    let column: f64 = (0..workers).map(|j| topology.weight(j, k, workers)).sum();
                    assert!((row - 1.0).abs() < 1e-12 && (column - 1.0).abs() < 1e-12);
                    let neighbours = (0..workers)
                        .filter(|&j| j != k && topology.weight(k, j, workers) > 0.0)
                        .count();
                    assert_eq!(
                        neighbours,
                        topology.degree(workers),
                        "{topology:?} K={workers}"
                    );
                }
                // `mix` is Σⱼ Wₖⱼ xⱼ and keeps the mean.
                let points: Vec<_> = (0..workers)
                    .map(|k| DVector::from_vec(vec![(k * k) as f64 - 3.0, (k as f64).sin()]))
                    .collect();
                let mut mixed = vec![DVector::zeros(2); workers];
                topology.mix(&points, &mut mixed);
                for (k, out) in mixed.iter().enumerate() {
                    let expected = (0..workers).fold(DVector::zeros(2), |sum, j| {
                        sum + &points[j] * topology.weight(k, j, workers)
                    });
                    assert!((out - expected).amax() < 1e-12);
                }
                let (mut before, mut after) = (DVector::zeros(2), DVector::zeros(2));
                mean_and_spread(&points, &mut before);
                mean_and_spread(&mixed, &mut after);
                assert!((before - after).amax() < 1e-12);
            }
        }
    }

    #[test]
    fn ring_consensus_contracts_by_the_second_eigenvalue() {
        // A disagreement along the second eigenvector vₖ = cos(2πk/K) of the ring's circulant W
        // shrinks by exactly λ₂ = 1/3 + 2/3·cos(2π/K) per gossip.
        for workers in [4usize, 8, 16] {
            let lambda2 =
                1.0 / 3.0 + 2.0 / 3.0 * (2.0 * std::f64::consts::PI / workers as f64).cos();
            assert!((Topology::Ring.contraction(workers) - lambda2).abs() < 1e-15);
            let mut points: Vec<_> = (0..workers)
                .map(|k| {
                    let v = (2.0 * std::f64::consts::PI * k as f64 / workers as f64).cos();
                    DVector::from_vec(vec![0.5 + v, -1.0 - 2.0 * v])
                })
                .collect();
            let mut mixed = points.clone();
            let mut mean = DVector::zeros(2);
            let mut spread = mean_and_spread(&points, &mut mean);
            for _ in 0..10 {
                Topology::Ring.mix(&points, &mut mixed);
                std::mem::swap(&mut points, &mut mixed);
                let next = mean_and_spread(&points, &mut mean);
                assert!((next / spread - lambda2).abs() < 1e-9, "K={workers}");
                assert!((mean[0] - 0.5).abs() < 1e-12 && (mean[1] + 1.0).abs() < 1e-12);
                spread = next;
            }
        }
        assert_eq!(Topology::Ring.contraction(3), 0.0);
        assert_eq!(Topology::Complete.contraction(8), 0.0);
    }

    #[test]
    fn a_ring_on_heterogeneous_shards_stays_apart_with_a_small_bias_the_complete_graph_does_not() {
        // Full shards (b = 8 of n/K = 8): deterministic steps. At the ring's fixed point
        // Σₖ gₖ(xₖ) = 0 at the workers' own points, which are spread around x̄, so x̄ ≠ x* by a
        // little; exact averaging takes every gradient at x̄ and is gradient descent.
        let run = |topology: Topology, lr: f64| {
            let (mut oracle, minimizer) = (least_squares(), least_squares_minimizer());
            let mut method = DecentralizedConfig {
                lr,
                batch_size: 8,
                ..config(8, topology, 1)
            }
            .build(2);
            let mut x = DVector::from_vec(vec![-1.0, 2.0]);
            for _ in 0..(150.0 / lr) as usize {
                method.step(&mut x, &mut oracle);
            }
            let bias = ((x[0] - minimizer[0]).powi(2) + (x[1] - minimizer[1]).powi(2)).sqrt();
            (bias, scalar(&method.explain(), "consensus"))
        };
        let (exact_bias, exact_spread) = run(Topology::Complete, 0.05);
        assert!(exact_bias < 1e-9 && exact_spread < 1e-12, "{exact_bias}");
        let (ring_bias, ring_spread) = run(Topology::Ring, 0.05);
        assert!(ring_spread > 1e-2, "{ring_spread}");
        assert!(ring_bias > 1e-4 && ring_bias < 1e-2, "{ring_bias}");
        let (small_bias, small_spread) = run(Topology::Ring, 0.0125);
        assert!(
            small_spread < ring_spread / 2.0,
            "{small_spread} vs {ring_spread}"
        );
        assert!(small_bias < ring_bias / 2.0, "{small_bias} vs {ring_bias}");
    }

    #[test]
    fn bits_count_every_message_to_every_neighbour() {
        let cases = [
            (Topology::Ring, 1, 0),
            (Topology::Ring, 2, 2),
            (Topology::Ring, 8, 16),
            (Topology::Complete, 8, 56),
        ];
        for (topology, workers, messages) in cases {
            let mut oracle = least_squares();
            let mut method = config(workers, topology, 2).build(2);
            let mut x = DVector::from_vec(vec![-1.0, 2.0]);
            for _ in 0..5 {
                method.step(&mut x, &mut oracle);
            }
            // Steps 2 and 4 gossiped; each message is 2 fp32 numbers.
            assert_eq!(
                method.bits_communicated(),
                2 * messages * 64,
                "{topology:?} K={workers}"
            );
            assert_reset_forgets(&mut method);
        }
    }

    #[test]
    fn without_a_sum_every_worker_takes_the_full_gradient() {
        assert_every_worker_takes_the_full_gradient::<DecentralizedConfig>();
    }

    #[test]
    fn a_moved_iterate_restarts_the_workers_there() {
        let (method, _) = step_after_a_moved_iterate(&config(6, Topology::Ring, 4), 6);
        // The schedule restarted: the step after the move is the first of a new period.
        let quantities = method.explain();
        assert_eq!(scalar(&quantities, "gossiped"), 0.0);
    }

    #[test]
    fn topology_choice_and_validation() {
        let mut config = DecentralizedConfig::default();
        config
            .set_hyper("topology", HyperValue::Choice("Complete"))
            .expect("a topology");
        assert_eq!(config.topology, Topology::Complete);
        assert!(
            config
                .set_hyper("topology", HyperValue::Choice("Star"))
                .is_err()
        );
        let paths = crate::optim::test_support::validation_paths(&DecentralizedConfig {
            lr: 0.0,
            workers: 0,
            topology: Topology::Ring,
            gossip_every: 0,
            heterogeneous: false,
            batch_size: 0,
        });
        assert_eq!(paths, ["lr", "workers", "gossip_every", "batch_size"]);
    }
}
