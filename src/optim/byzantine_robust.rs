//! Byzantine-robust distributed SGD: of K simulated workers, f are Byzantine and send corrupted
//! gradients; the server aggregates the K messages by the mean, the coordinate-wise median, the
//! trimmed mean or Krum, and one iterate moves by the aggregate. Not a torch.optim class.
//!
//! Workers 0..f − 1 are Byzantine, workers f..K − 1 honest. The n sample indices are split into
//! shards over the h = K − f honest workers (see `workers.rs`: interleaved, or contiguous blocks
//! when `heterogeneous`), so that the honest mean is an unbiased estimate of ∇f and every
//! departure from SGD is the attack's and the aggregator's doing (a Byzantine worker's data is
//! lost anyway). One step:
//!
//! ```text
//! gₖ ← (1/|Bₖ|) Σ_{i∈Bₖ} ∇fᵢ(x),  Bₖ ⊂ shard(k − f), |Bₖ| = min(b, |shard|)   honest k ≥ f
//! μ  ← (1/h) Σ_{k≥f} gₖ,   σⱼ ← √((1/h) Σ_{k≥f} (gₖⱼ − μⱼ)²)                 honest mean and spread
//! gₖ ← A(μ, σ)                                                              Byzantine k < f
//! x  ← x − lr · Agg(g₀, …, g_{K−1})
//! ```
//!
//! The attackers are omniscient (they see every honest gradient, the usual worst case) and all
//! send the same vector, except under Gaussian:
//!
//! ```text
//! SignFlip(scale)     A = −scale · μ
//! Gaussian(std)       A ~ N(0, std² I), drawn per worker from the run's generator
//! LittleIsEnough(z)   A = μ − z · σ                          (Baruch, Baruch & Goldberg 2019)
//! None                the f workers behave: all K are honest and share the data (the run is f = 0)
//! ```
//!
//! The aggregators, per coordinate j where they are coordinate-wise (v₍₁₎ ≤ … ≤ v₍K₎ the sorted
//! values g₀ⱼ, …, g_{K−1}ⱼ):
//!
//! ```text
//! Mean                 (1/K) Σₖ gₖ
//! Median               v₍(K+1)/2₎ for odd K, ½(v₍K/2₎ + v₍K/2+1₎) for even K
//! TrimmedMean(b)       (1/(K − 2b)) Σ_{i=b+1}^{K−b} v₍ᵢ₎: drop the b largest and b smallest
//! Krum                 g_{k*}, k* = argminₖ Σ_{j ∈ N(k)} ‖gₖ − gⱼ‖², N(k) the K − f − 2 workers
//!                      nearest to k (ties: the lowest index)
//! ```
//!
//! Why the median survives sign flipping and fails "a little is enough": with f < K/2 every
//! coordinate's median lies between two honest values, so one attacker's message can move it at
//! most across the honest values' range. Sign flipping sends −4μ, far outside that range while μ
//! is large: it lands at one end of the sorted column and shifts the median by one or two honest
//! order statistics (a bias of the order of the honest spread, which remains near x*), while it
//! drags the mean to (h − 4f)/K · μ — with f = 2 of 8 that is −μ/4, gradient ascent. "A little is enough" sends μ − zσ, inside the honest range, on the same side of μ in
//! every coordinate and every step: the median moves by a fraction of σ towards it each time.
//! That bias does not average out, and σ — the spread of minibatch gradients — does not vanish at
//! x*, so the run settles where ∇f(x) balances the shift, away from x*. The guarantee "within the
//! honest range" holds and is the very thing exploited. Krum, built on distances, is fooled the
//! same way (the attackers' identical messages sit close to the honest cluster and to each other).
//!
//! Caveat: robust aggregators are biased even without an attack when the honest gradients differ
//! systematically (heterogeneous shards, or large minibatch noise): the median of the shard
//! gradients at x* is not their mean, so the run stalls where the median vanishes, not at x*
//! (Karimireddy, He & Jaggi 2022; try `heterogeneous` with `attack: None`).
//!
//! Sampling and cost: each honest worker draws Bₖ with the run's seeded generator; Gaussian draws
//! from the same generator; the run's batch size is ignored. A step counts h·|Bₖ| gradients and
//! sample gradients. On problems that are not sums (n = 1) every honest worker takes the full
//! gradient. With f = 0 (or `attack: None`), Mean and K·b = n (K dividing n) the step is exactly
//! gradient descent. The returned loss is the mean of the honest workers' minibatch losses at x.
//!
//! Communication: all K workers send a dense gradient each step, K·32·d bits.
//!
//! Defaults (chosen here): lr = 0.01, workers = 8, byzantine = 2, attack = SignFlip(scale: 4),
//! aggregator = Median, heterogeneous = false, batch_size = 1. Validation: lr > 0,
//! 1 ≤ workers ≤ 64, byzantine ≤ workers − 1, 1 ≤ batch_size ≤ 100 000, scale, std, z ≥ 0,
//! TrimmedMean 2b < K, Krum K > 2f + 2.
//!
//! References: Yin, Chen, Ramchandran & Bartlett, "Byzantine-robust distributed learning: towards
//! optimal statistical rates", ICML 2018 (median, trimmed mean); Blanchard, El Mhamdi, Guerraoui &
//! Stainer, "Machine learning with adversaries: Byzantine tolerant gradient descent", NeurIPS 2017
//! (Krum); Baruch, Baruch & Goldberg, "A little is enough: circumventing defenses for distributed
//! learning", NeurIPS 2019; Karimireddy, He & Jaggi, "Byzantine-robust learning on heterogeneous
//! datasets via bucketing", ICLR 2022.

use nalgebra::DVector;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

use super::buffers::ensure_lens;
use super::robust_aggregation::{
    AGGREGATOR_CHOICES, Aggregator, coordinate_wise, krum, mean_into, median, trimmed_mean,
};
use super::workers::{
    HETEROGENEOUS_HELP, MAX_COUNT, MAX_WORKERS, Shards, batch_len, counts_bits, dense_bits,
    without_samples, worker_count,
};
use super::{
    Distributed, HyperChoice, HyperError, HyperValue, Optimizer, OptimizerSpec, Quantity, StepInfo,
    ensure_len,
};
use crate::hyper::{Hypers, hyper_table};
use crate::objective::Oracle;
use crate::validate::Checker;

/// The attack names, as the picker lists them.
const ATTACK_CHOICES: &[&str] = &["SignFlip", "Gaussian", "LittleIsEnough", "None"];

/// What the Byzantine workers send, as presets name it: `SignFlip(scale: 4.0)`,
/// `LittleIsEnough(z: 1.0)`, `None`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Attack {
    /// −scale × the honest mean.
    SignFlip {
        /// How many times the honest mean, reversed.
        scale: f64,
    },
    /// Pure noise N(0, std²I).
    Gaussian {
        /// Standard deviation of every coordinate.
        std: f64,
    },
    /// Honest mean − z × the coordinate-wise standard deviation of the honest gradients.
    LittleIsEnough {
        /// How many standard deviations below the mean.
        z: f64,
    },
    /// The Byzantine workers behave.
    None,
}

impl Default for Attack {
    fn default() -> Self {
        Self::SignFlip { scale: 4.0 }
    }
}

impl Attack {
    /// Its name in presets and in the picker.
    pub fn name(self) -> &'static str {
        match self {
            Self::SignFlip { .. } => "SignFlip",
            Self::Gaussian { .. } => "Gaussian",
            Self::LittleIsEnough { .. } => "LittleIsEnough",
            Self::None => "None",
        }
    }

    /// Its parameter must be finite and ≥ 0.
    fn validate(self, checker: &mut Checker) {
        match self {
            Self::SignFlip { scale } => checker.non_negative("scale", scale),
            Self::Gaussian { std } => checker.non_negative("std", std),
            Self::LittleIsEnough { z } => checker.non_negative("z", z),
            Self::None => {}
        }
    }
}

impl HyperChoice for Attack {
    fn choice_name(&self) -> &'static str {
        self.name()
    }

    /// The attack called `name` with its default parameter (this one kept when the name is
    /// unchanged); `None` (the `Option`) for an unknown name.
    fn with_choice(&self, name: &str) -> Option<Self> {
        let this = *self;
        if name == this.name() {
            return Some(this);
        }
        match name {
            "SignFlip" => Some(Self::SignFlip { scale: 4.0 }),
            "Gaussian" => Some(Self::Gaussian { std: 10.0 }),
            "LittleIsEnough" => Some(Self::LittleIsEnough { z: 1.0 }),
            "None" => Some(Self::None),
            _ => Option::None,
        }
    }
}

/// Hyperparameters of Byzantine-robust SGD.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ByzantineRobustConfig {
    /// Step size.
    pub lr: f64,
    /// Number K of simulated workers, Byzantine ones included.
    pub workers: u64,
    /// Number f of Byzantine workers among them.
    pub byzantine: u64,
    /// What the Byzantine workers send.
    pub attack: Attack,
    /// How the server combines the K messages.
    pub aggregator: Aggregator,
    /// Shards are contiguous blocks of the sample order instead of interleaved.
    pub heterogeneous: bool,
    /// Samples per honest worker per step (the whole shard when it has fewer).
    pub batch_size: u64,
}

hyper_table! {
    ByzantineRobustConfig, owner: Self::DISPLAY_NAME,
        defaults { attack: Attack::default(), aggregator: Aggregator::default() };
    lr = 0.01: log_float(1e-5, 1.0) where positive, "x ← x − lr·Agg(g₀, …, g_{K−1})";
    workers = 8: int(1, 16) where count_in_range(1, MAX_WORKERS),
        "K simulated workers, the Byzantine ones included";
    byzantine = 2: int(0, 8), "f of the K workers send the attack instead of their gradient";
    attack: choice(ATTACK_CHOICES),
        "SignFlip: −scale·μ; Gaussian: N(0, std²I); LittleIsEnough: μ − z·σ; None: the f workers behave";
    scale if let Attack::SignFlip { scale } = attack: float(0.0, 10.0),
        "the attackers send −scale × the honest mean";
    std if let Attack::Gaussian { std } = attack: log_float(0.01, 100.0),
        "the attackers send N(0, std²I)";
    z if let Attack::LittleIsEnough { z } = attack: float(0.0, 5.0),
        "the attackers send μ − z·σ, σ the honest coordinate-wise standard deviation";
    {
        get: |config: &Self| config.aggregator.name(),
        set: |config: &mut Self, name: &str, value| {
            // Trimming f at each end is the natural choice (Yin et al. need β ≥ f/K).
            let chosen = match value {
                HyperValue::Choice(choice) => config.aggregator.renamed(choice, config.byzantine),
                _ => None,
            };
            config.aggregator = chosen.ok_or_else(|| HyperError::wrong_kind(name, value))?;
            Ok(())
        },
    } as "aggregator": choice(AGGREGATOR_CHOICES),
        "Mean; Median: coordinate-wise; TrimmedMean: drop the b largest and smallest per coordinate; Krum: the message closest to its K − f − 2 nearest";
    trim if let Aggregator::TrimmedMean { trim } = aggregator: int(0, 7),
        "b values dropped at each end of every coordinate (2b < K)";
    heterogeneous = false: boolean, HETEROGENEOUS_HELP;
    batch_size = 1: int(1, 64), "samples per honest worker per step, drawn from its shard";
}

impl OptimizerSpec for ByzantineRobustConfig {
    const DISPLAY_NAME: &'static str = "ByzantineRobust";
    const DESCRIPTION: &'static str = "Byzantine-robust SGD: f = 2 of K = 8 simulated workers send \
         corrupted gradients; mean, coordinate-wise median, trimmed mean or Krum aggregation";
    const SIMULATES_WORKERS: bool = true;

    fn validate(&self, checker: &mut Checker) {
        self.validate_rows(checker);
        checker.count_in_range(
            "byzantine",
            self.byzantine,
            0,
            self.workers.saturating_sub(1),
        );
        checker.within("attack", |checker| self.attack.validate(checker));
        match self.aggregator {
            Aggregator::TrimmedMean { trim } => checker.within("aggregator", |checker| {
                if trim.saturating_mul(2) >= self.workers {
                    checker.report(
                        "trim",
                        format!(
                            "trim must satisfy 2·trim < workers = {}, got {trim}",
                            self.workers
                        ),
                    );
                }
            }),
            Aggregator::Krum
                if self.workers <= self.byzantine.saturating_mul(2).saturating_add(2) =>
            {
                checker.report(
                    "aggregator",
                    format!(
                        "Krum needs workers > 2·byzantine + 2, got {} workers and {} Byzantine",
                        self.workers, self.byzantine
                    ),
                )
            }
            _ => {}
        }
        checker.count_in_range("batch_size", self.batch_size, 1, MAX_COUNT);
    }

    crate::optim::no_stability_threshold!(NotDerived);

    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        Box::new(self.state(dim))
    }
}

impl ByzantineRobustConfig {
    /// The optimizer with fresh state, for problems of dimension `dim`.
    fn state(&self, dim: usize) -> ByzantineRobust {
        let mut method = ByzantineRobust {
            config: self.clone(),
            received: Vec::new(),
            sample_grad: DVector::zeros(dim),
            honest_mean: DVector::zeros(dim),
            honest_std: DVector::zeros(dim),
            aggregate: DVector::zeros(dim),
            column: Vec::new(),
            distances: Vec::new(),
            shards: Shards::default(),
            bits: 0,
            explained: Explained::default(),
        };
        method.prepare_buffers(dim);
        method
    }

    /// The f the server assumes, clamped to K − 1.
    fn byzantine_count(&self) -> usize {
        (self.byzantine as usize).min(worker_count(self.workers) - 1)
    }

    /// How many workers actually attack: f, or 0 when the attack is `None`.
    fn attacker_count(&self) -> usize {
        match self.attack {
            Attack::None => 0,
            _ => self.byzantine_count(),
        }
    }
}

/// Byzantine-robust SGD's state: the K received messages, the shard layout and scratch.
pub struct ByzantineRobust {
    config: ByzantineRobustConfig,
    /// gₖ as the server received them (K × d).
    received: Vec<DVector<f64>>,
    sample_grad: DVector<f64>,
    /// μ, the honest workers' mean gradient.
    honest_mean: DVector<f64>,
    /// σ, their coordinate-wise standard deviation (LittleIsEnough only).
    honest_std: DVector<f64>,
    /// Agg(g₀, …, g_{K−1}) of the latest step.
    aggregate: DVector<f64>,
    /// One coordinate of all K messages, sorted (scratch of length K).
    column: Vec<f64>,
    /// Krum's squared distances ‖gᵢ − gⱼ‖² (K × K, row-major).
    distances: Vec<f64>,
    shards: Shards,
    /// Bits the workers have sent since the last reset.
    bits: u64,
    explained: Explained,
}

/// The latest step's scalars, for [`Optimizer::explain`].
#[derive(Clone, Copy, Default)]
struct Explained {
    steps: u64,
    lr: f64,
    /// Krum's choice k*.
    chosen: Option<usize>,
    /// Number of attackers in that step.
    attackers: usize,
}

impl ByzantineRobust {
    /// Sizes the buffers for `dim` parameters and the configured K (allocates only on change).
    fn prepare_buffers(&mut self, dim: usize) {
        let workers = worker_count(self.config.workers);
        if self.received.len() != workers {
            self.received.resize(workers, DVector::zeros(dim));
            self.column.resize(workers, 0.0);
            self.distances.resize(workers * workers, 0.0);
        }
        for buffer in self.received.iter_mut() {
            ensure_len(buffer, dim);
        }
        ensure_lens(
            dim,
            [
                &mut self.sample_grad,
                &mut self.honest_mean,
                &mut self.honest_std,
                &mut self.aggregate,
            ],
        );
    }

    /// The honest workers' gradients into `received[f..]`, their mean and spread; returns their
    /// mean loss.
    fn honest_gradients(&mut self, x: &DVector<f64>, attackers: usize, oracle: &mut Oracle) -> f64 {
        let batch = batch_len(self.config.batch_size);
        let honest = self.received.len() - attackers;
        self.honest_mean.fill(0.0);
        let mut loss = 0.0;
        for (shard, grad) in self.received[attackers..].iter_mut().enumerate() {
            loss +=
                self.shards
                    .minibatch_grad(shard, batch, x, oracle, grad, &mut self.sample_grad);
            self.honest_mean += &*grad;
        }
        let h = honest as f64;
        self.honest_mean /= h;
        if matches!(self.config.attack, Attack::LittleIsEnough { .. }) {
            self.honest_std.fill(0.0);
            for grad in &self.received[attackers..] {
                for ((s, g), m) in self
                    .honest_std
                    .iter_mut()
                    .zip(grad.iter())
                    .zip(self.honest_mean.iter())
                {
                    *s += (g - m) * (g - m);
                }
            }
            self.honest_std.apply(|s| *s = (*s / h).sqrt());
        }
        loss / h
    }

    /// The attackers' messages into `received[..attackers]`.
    fn attack(&mut self, attackers: usize, oracle: &mut Oracle) {
        let (byzantine, _) = self.received.split_at_mut(attackers);
        for sent in byzantine.iter_mut() {
            match self.config.attack {
                Attack::SignFlip { scale } => {
                    sent.copy_from(&self.honest_mean);
                    *sent *= -scale;
                }
                Attack::Gaussian { std } => {
                    for v in sent.iter_mut() {
                        let draw: f64 = StandardNormal.sample(oracle.rng());
                        *v = std * draw;
                    }
                }
                Attack::LittleIsEnough { z } => {
                    sent.copy_from(&self.honest_mean);
                    sent.axpy(-z, &self.honest_std, 1.0);
                }
                Attack::None => {}
            }
        }
    }

    /// Agg(received) into `aggregate`; Krum's choice when Krum.
    fn aggregate(&mut self) -> Option<usize> {
        let assumed = self.config.byzantine_count();
        match self.config.aggregator {
            Aggregator::Mean => {
                mean_into(&self.received, &mut self.aggregate);
                None
            }
            Aggregator::Median => {
                coordinate_wise(
                    &self.received,
                    &mut self.column,
                    &mut self.aggregate,
                    median,
                );
                None
            }
            Aggregator::TrimmedMean { trim } => {
                let trim = (trim as usize).min((self.received.len() - 1) / 2);
                coordinate_wise(
                    &self.received,
                    &mut self.column,
                    &mut self.aggregate,
                    |sorted| trimmed_mean(sorted, trim),
                );
                None
            }
            Aggregator::Krum => {
                let chosen = krum(
                    &self.received,
                    assumed,
                    &mut self.distances,
                    &mut self.column,
                );
                match chosen {
                    Some(chosen) => self.aggregate.copy_from(&self.received[chosen]),
                    // No finite score to choose by: the median, which the attackers cannot
                    // carry alone, rather than worker 0, which is always theirs.
                    None => coordinate_wise(
                        &self.received,
                        &mut self.column,
                        &mut self.aggregate,
                        median,
                    ),
                }
                chosen
            }
        }
    }
}

impl Optimizer for ByzantineRobust {
    fn step(&mut self, x: &mut DVector<f64>, oracle: &mut Oracle) -> StepInfo {
        let n = oracle.num_samples();
        if n == 0 {
            return without_samples("Byzantine-robust SGD");
        }
        self.prepare_buffers(x.len());
        let workers = self.received.len();
        let attackers = self.config.attacker_count();
        self.shards
            .prepare(n, workers - attackers, self.config.heterogeneous);
        let loss = self.honest_gradients(x, attackers, oracle);
        self.attack(attackers, oracle);
        let chosen = self.aggregate();
        x.axpy(-self.config.lr, &self.aggregate, 1.0);
        self.bits += workers as u64 * dense_bits(x.len());
        self.explained = Explained {
            steps: self.explained.steps + 1,
            lr: self.config.lr,
            chosen,
            attackers,
        };
        StepInfo::proceed(loss)
    }

    crate::optim::config_edits!();

    fn reset(&mut self) {
        self.shards.reset();
        self.bits = 0;
        self.explained = Explained::default();
    }

    fn explain(&self) -> Vec<Quantity> {
        let e = &self.explained;
        crate::optim::explain_once_stepped(e.steps > 0, || {
            let mut quantities = crate::optim::quantities![
                vector "μ" = "(1/h) Σ_{k≥f} gₖ, the honest mean" => self.honest_mean.as_slice(),
                vector "Agg" = "Agg(g₀, …, g_{K−1}), the aggregate" => self.aggregate.as_slice(),
                scalar "f" = "workers that attacked (0 under attack None)" => e.attackers as f64,
            ];
            if let Some(chosen) = e.chosen {
                quantities.push(Quantity::scalar(
                    "k*",
                    "Krum's choice argminₖ score(k); workers 0..f − 1 are Byzantine",
                    chosen as f64,
                ));
            }
            quantities.extend(crate::optim::quantities![
                arrow Preconditioned "−lr·Agg" = "the step taken, along the aggregate"
                    => self.aggregate.iter().map(|a| -e.lr * a),
                arrow Gradient "−lr·μ" = "the step the honest workers alone would take"
                    => self.honest_mean.iter().map(|g| -e.lr * g),
                scalar "lr" = "step size" => e.lr,
            ]);
            quantities
        })
    }

    fn as_distributed(&self) -> Option<&dyn Distributed> {
        Some(self)
    }
}

counts_bits!(ByzantineRobust);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hyper::{HyperValue, Hypers};
    use crate::optim::method_tests::{
        assert_reset_forgets, first_step_on_quadratic, quantity, scalar,
    };
    use crate::optim::test_support::WorkerView;
    use crate::optim::test_support::{assert_steps_like_gradient_descent, least_squares};
    use crate::optim::{ArrowKind, QuantityValue};

    fn vectors(values: &[[f64; 2]]) -> Vec<DVector<f64>> {
        values
            .iter()
            .map(|v| DVector::from_column_slice(v))
            .collect()
    }

    fn aggregate_of(
        values: &[[f64; 2]],
        aggregator: Aggregator,
        byzantine: u64,
    ) -> (Vec<f64>, Option<usize>) {
        let mut method = ByzantineRobustConfig {
            workers: values.len() as u64,
            byzantine,
            aggregator,
            ..ByzantineRobustConfig::default()
        }
        .state(2);
        method.received = vectors(values);
        let chosen = method.aggregate();
        (method.aggregate.as_slice().to_vec(), chosen)
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        let odd = [[3.0, -1.0], [1.0, 5.0], [100.0, 0.0]];
        assert_eq!(aggregate_of(&odd, Aggregator::Median, 1).0, [3.0, 0.0]);
        let even = [[3.0, -1.0], [1.0, 5.0], [100.0, 0.0], [2.0, 7.0]];
        assert_eq!(aggregate_of(&even, Aggregator::Median, 1).0, [2.5, 2.5]);
        assert_eq!(aggregate_of(&even, Aggregator::Mean, 1).0, [26.5, 2.75]);
    }

    #[test]
    fn trimmed_mean_drops_the_extremes() {
        let values = [
            [-50.0, 1.0],
            [1.0, 2.0],
            [2.0, 3.0],
            [3.0, 4.0],
            [90.0, -70.0],
        ];
        assert_eq!(
            aggregate_of(&values, Aggregator::TrimmedMean { trim: 1 }, 1).0,
            [2.0, 2.0]
        );
        // trim 0 is the mean.
        assert_eq!(
            aggregate_of(&values, Aggregator::TrimmedMean { trim: 0 }, 1).0,
            [9.2, -12.0]
        );
    }

    #[test]
    fn krum_picks_a_member_of_the_honest_cluster() {
        // Two attackers far apart from a tight honest cluster of five; the cluster's centre
        // (1, 1) has the smallest sum of distances to its K − f − 2 = 3 nearest.
        let values = [
            [-8.0, -8.0],
            [9.0, -9.0],
            [1.1, 1.0],
            [0.9, 1.0],
            [1.0, 1.0],
            [1.0, 1.1],
            [1.0, 0.8],
        ];
        let (aggregate, chosen) = aggregate_of(&values, Aggregator::Krum, 2);
        assert_eq!(chosen, Some(4));
        assert_eq!(aggregate, [1.0, 1.0]);
    }

    #[test]
    fn honest_mean_with_full_shards_is_gradient_descent() {
        // n = 64, K = 8: each shard has 8 samples, b = 8 takes the whole shard. f = 0, or f = 2
        // that behave (the data then goes to all 8).
        for (byzantine, attack) in [(0, Attack::default()), (2, Attack::None)] {
            let mut method = ByzantineRobustConfig {
                lr: 0.05,
                byzantine,
                attack,
                aggregator: Aggregator::Mean,
                batch_size: 8,
                ..ByzantineRobustConfig::default()
            }
            .build(2);
            let oracle = assert_steps_like_gradient_descent(&mut *method);
            assert_eq!(oracle.counts().sample_gradients, 60 * 64);
        }
    }

    /// Distance from x* after `steps` steps under `attack` with `aggregator`, f = 2 of K = 8.
    fn final_distance(attack: Attack, aggregator: Aggregator, steps: usize) -> f64 {
        let run = |attack, aggregator| {
            let mut oracle = least_squares();
            let mut method = ByzantineRobustConfig {
                lr: 0.05,
                attack,
                aggregator,
                batch_size: 4,
                ..ByzantineRobustConfig::default()
            }
            .build(2);
            let mut x = DVector::from_vec(vec![-1.0, 2.0]);
            for _ in 0..steps {
                method.step(&mut x, &mut oracle);
            }
            x
        };
        let minimizer = run(Attack::None, Aggregator::Mean);
        (run(attack, aggregator) - minimizer).norm()
    }

    #[test]
    fn sign_flipping_defeats_the_mean_but_not_the_median() {
        let attack = Attack::SignFlip { scale: 4.0 };
        let mean = final_distance(attack, Aggregator::Mean, 500);
        let median = final_distance(attack, Aggregator::Median, 500);
        let trimmed = final_distance(attack, Aggregator::TrimmedMean { trim: 2 }, 500);
        let krum = final_distance(attack, Aggregator::Krum, 500);
        assert!(mean.is_nan() || mean >= 10.0, "mean {mean}");
        assert!(median < 0.2, "median {median}");
        assert!(trimmed < 0.2, "trimmed {trimmed}");
        assert!(krum < 0.5, "krum {krum}");
    }

    #[test]
    fn validation_reports_trim_and_krum_limits() {
        let mut checker = Checker::new();
        ByzantineRobustConfig {
            lr: 0.0,
            workers: 4,
            byzantine: 4,
            attack: Attack::LittleIsEnough { z: -1.0 },
            aggregator: Aggregator::TrimmedMean { trim: 2 },
            heterogeneous: false,
            batch_size: 0,
        }
        .validate(&mut checker);
        let paths: Vec<_> = checker.found.iter().map(|i| i.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "lr",
                "byzantine",
                "attack.z",
                "aggregator.trim",
                "batch_size"
            ]
        );
        let mut checker = Checker::new();
        ByzantineRobustConfig {
            workers: 6,
            aggregator: Aggregator::Krum,
            ..ByzantineRobustConfig::default()
        }
        .validate(&mut checker);
        assert_eq!(checker.found.len(), 1);
        assert_eq!(checker.found[0].path, "aggregator");
    }

    #[test]
    fn choices_rename_and_sub_parameters_follow() {
        let mut config = ByzantineRobustConfig::default();
        config
            .set_hyper("aggregator", HyperValue::Choice("TrimmedMean"))
            .unwrap();
        assert_eq!(config.aggregator, Aggregator::TrimmedMean { trim: 2 });
        config.set_hyper("trim", HyperValue::Int(3)).unwrap();
        assert_eq!(config.aggregator, Aggregator::TrimmedMean { trim: 3 });
        config
            .set_hyper("attack", HyperValue::Choice("LittleIsEnough"))
            .unwrap();
        config.set_hyper("z", HyperValue::Float(0.5)).unwrap();
        assert_eq!(config.attack, Attack::LittleIsEnough { z: 0.5 });
        assert!(config.set_hyper("scale", HyperValue::Float(1.0)).is_err());
        assert!(
            config
                .set_hyper("attack", HyperValue::Choice("Bogus"))
                .is_err()
        );
    }

    #[test]
    fn one_hand_computed_step_and_explain() {
        // f = ½(x² + 4y²) from (1, 1), not a sum: the 6 honest workers all send g = (1, 4), the
        // 2 attackers −4g. Median of [−4, −4, 1 ×6] = 1 per coordinate: the step is GD's,
        // x ← (1, 1) − 0.1·(1, 4) = (0.9, 0.6).
        let (mut method, mut x, mut oracle) =
            first_step_on_quadratic::<ByzantineRobustConfig>([0.9, 0.6], 6);
        // Eight dense messages of 2 coordinates.
        assert_eq!(method.bits_communicated(), 8 * 64);
        let quantities = method.explain();
        let find = |symbol: &str| quantity(&quantities, symbol);
        let Some((QuantityValue::Vector(step), Some(ArrowKind::Preconditioned))) = find("−lr·Agg")
        else {
            panic!("no step arrow");
        };
        assert!((step[0] + 0.1).abs() < 1e-15 && (step[1] + 0.4).abs() < 1e-15);
        assert!(matches!(
            find("−lr·μ"),
            Some((QuantityValue::Vector(_), Some(ArrowKind::Gradient)))
        ));
        assert_eq!(find("k*"), None);
        // Under Krum the chosen worker is an honest one (index ≥ f = 2).
        let mut krum = ByzantineRobustConfig {
            aggregator: Aggregator::Krum,
            ..ByzantineRobustConfig::default()
        }
        .build(2);
        krum.step(&mut x, &mut oracle);
        assert!(scalar(&krum.explain(), "k*") >= 2.0);
        assert_reset_forgets(&mut method);
    }
}
