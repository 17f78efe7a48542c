//! Compressed SGD with optional error feedback: K simulated workers each send a compressed copy of
//! their minibatch gradient, and one iterate moves by the mean of what was sent. Not a
//! torch.optim class.
//!
//! For f = (1/n) Σᵢ fᵢ the n sample indices are split into S = min(K, n) shards, interleaved
//! (shard s = {i : i mod S = s}) or contiguous blocks of the sample order when `heterogeneous`
//! (see `workers.rs`); worker k works on shard k mod S. One step, for every worker k:
//!
//! ```text
//! Bₖ ⊂ shard(k), |Bₖ| = min(b, |shard|)          (without replacement)
//! gₖ ← (1/|Bₖ|) Σ_{i∈Bₖ} ∇fᵢ(x)
//! pₖ ← gₖ + eₖ   with error feedback, else pₖ ← gₖ
//! cₖ ← C(pₖ)
//! eₖ ← pₖ − cₖ   with error feedback (e₀ = 0)
//! ```
//!
//! then x ← x − lr · c̄ with c̄ = (1/K) Σₖ cₖ. The compressors C(p) for p ∈ ℝᵈ:
//!
//! ```text
//! TopK(k)       keeps the k coordinates of largest |pᵢ|, zeroes the rest       biased, ‖C(p)‖² ≥ (k/d)‖p‖²
//! RandomK(k)    keeps k coordinates drawn uniformly without replacement,
//!               scaled by d/k                                                   unbiased, E C(p) = p
//! Qsgd(s)       C(p)ᵢ = ‖p‖₂·sign(pᵢ)·ξᵢ/s, with ξᵢ = ⌊s|pᵢ|/‖p‖₂⌋ + 1 with
//!               probability s|pᵢ|/‖p‖₂ − ⌊s|pᵢ|/‖p‖₂⌋, else ⌊s|pᵢ|/‖p‖₂⌋       unbiased
//! ScaledSign    C(p) = (‖p‖₁/d)·sign(p)                                         biased, ‖C(p)‖₁ = ‖p‖₁
//! None          C(p) = p                                                        (minibatch SGD)
//! ```
//!
//! with sign(0) = 0 and sign(NaN) = NaN, so a NaN gradient shows as a diverged run. k > d keeps
//! every coordinate. A biased compressor can stall the method away from x*: at x* the workers'
//! shard gradients sum to zero but their scaled signs in general do not, so the fixed point of
//! x ← x − lr·c̄ moves. Error feedback keeps what compression dropped and adds it back later, so
//! that Σₜ cₜ tracks Σₜ gₜ up to the bounded memory e; the method then converges like SGD
//! (Karimireddy et al. 2019). Unbiased compressors need no feedback but add variance.
//!
//! Sampling and cost: each worker draws Bₖ with the run's seeded generator (a partial
//! Fisher–Yates shuffle within the shard; no draw when Bₖ is the whole shard); RandomK and Qsgd
//! draw from the same generator; the run's batch size is ignored. Each ∇fᵢ is one per-sample
//! evaluation of the oracle, so a step counts K·|Bₖ| gradients and sample gradients, and the
//! run's gradient noise and clipping apply to each per-sample gradient on its own. On problems
//! that are not sums (n = 1) every worker takes the full gradient. With C = None and K·b = n
//! (K dividing n) the step is exactly gradient descent. The returned loss is the mean over
//! workers of their minibatch losses at x.
//!
//! Communication: every worker sends one compressed message a step, whose size
//! [`Compressor::message_bits`] counts (a scaled sign of d coordinates is 32 + d bits against 32·d
//! for the full gradient).
//!
//! Defaults (chosen here): lr = 0.01, workers = 4, batch_size = 1, compressor = ScaledSign,
//! error_feedback = false, heterogeneous = false. Validation: lr > 0, 1 ≤ workers ≤ 64, 1 ≤ batch_size ≤ 100 000,
//! 1 ≤ k ≤ 100 000, 1 ≤ levels ≤ 65 536.
//!
//! References: Alistarh, Grubic, Li, Tomioka & Vojnovic, "QSGD: communication-efficient SGD via
//! gradient quantization and encoding", NeurIPS 2017; Stich, Cordonnier & Jaggi, "Sparsified SGD
//! with memory", NeurIPS 2018 (top-k, random-k); Karimireddy, Rebjock, Stich & Jaggi, "Error
//! feedback fixes SignSGD and other gradient compression schemes", ICML 2019.

use nalgebra::DVector;
use rand::Rng;
use serde::{Deserialize, Serialize};

use super::buffers::ensure_lens;
use super::workers::{
    FLOAT_BITS, HETEROGENEOUS_HELP, MAX_COUNT, MAX_WORKERS, Shards, batch_len, counts_bits,
    dense_bits, without_samples, worker_count,
};
use super::{Distributed, HyperChoice, Optimizer, OptimizerSpec, Quantity, StepInfo, ensure_len};
use crate::hyper::{Hypers, hyper_table};
use crate::objective::Oracle;
use crate::validate::Checker;

/// Most QSGD levels.
const MAX_LEVELS: u64 = 65_536;

/// The compressor names, as the picker lists them.
const COMPRESSOR_CHOICES: &[&str] = &["TopK", "RandomK", "Qsgd", "ScaledSign", "None"];

/// A gradient compressor C(p), as presets name it: `TopK(k: 1)`, `Qsgd(levels: 4)`, `ScaledSign`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Compressor {
    /// The k coordinates of largest magnitude (biased).
    TopK {
        /// Coordinates kept.
        k: u64,
    },
    /// k uniformly random coordinates, scaled by d/k (unbiased).
    RandomK {
        /// Coordinates kept.
        k: u64,
    },
    /// QSGD's stochastic quantization of |pᵢ|/‖p‖₂ to s levels (unbiased).
    Qsgd {
        /// Number s of quantization levels.
        levels: u64,
    },
    /// (‖p‖₁/d)·sign(p) (biased).
    #[default]
    ScaledSign,
    /// No compression: plain minibatch SGD.
    None,
}

impl Compressor {
    /// Its name in presets and in the picker.
    pub fn name(self) -> &'static str {
        match self {
            Self::TopK { .. } => "TopK",
            Self::RandomK { .. } => "RandomK",
            Self::Qsgd { .. } => "Qsgd",
            Self::ScaledSign => "ScaledSign",
            Self::None => "None",
        }
    }

    /// torch-style validation of k and levels.
    fn validate(self, checker: &mut Checker) {
        match self {
            Self::TopK { k } | Self::RandomK { k } => {
                checker.count_in_range("k", k, 1, MAX_COUNT);
            }
            Self::Qsgd { levels } => checker.count_in_range("levels", levels, 1, MAX_LEVELS),
            Self::ScaledSign | Self::None => {}
        }
    }

    /// Writes C(p) into `out`. `indices` is scratch of length d holding a permutation of 0..d
    /// (left permuted); randomness comes from `rng`. Allocates nothing.
    pub fn compress(
        self,
        p: &DVector<f64>,
        out: &mut DVector<f64>,
        indices: &mut [usize],
        rng: &mut impl Rng,
    ) {
        let d = p.len();
        match self {
            Self::TopK { k } => top_k(p, out, indices, clamp_k(k, d)),
            Self::RandomK { k } => random_k(p, out, indices, clamp_k(k, d), rng),
            Self::Qsgd { levels } => qsgd(p, out, levels.clamp(1, MAX_LEVELS) as f64, rng),
            Self::ScaledSign => {
                let scale = p.iter().map(|v| v.abs()).sum::<f64>() / d.max(1) as f64;
                for (o, v) in out.iter_mut().zip(p.iter()) {
                    *o = scale * sign(*v);
                }
            }
            Self::None => out.copy_from(p),
        }
    }
}

impl HyperChoice for Compressor {
    fn choice_name(&self) -> &'static str {
        self.name()
    }

    /// The compressor called `name`, keeping this one's k when both have one; `None` (the
    /// `Option`) for an unknown name.
    fn with_choice(&self, name: &str) -> Option<Self> {
        let this = *self;
        let k = match this {
            Self::TopK { k } | Self::RandomK { k } => k,
            _ => 1,
        };
        match name {
            "TopK" => Some(Self::TopK { k }),
            "RandomK" => Some(Self::RandomK { k }),
            "Qsgd" => Some(match this {
                Self::Qsgd { levels } => Self::Qsgd { levels },
                _ => Self::Qsgd { levels: 4 },
            }),
            "ScaledSign" => Some(Self::ScaledSign),
            "None" => Some(Self::None),
            _ => Option::None,
        }
    }
}

impl Compressor {
    /// Bits of one compressed message of a d-dimensional vector, counting real numbers as 32 bits:
    /// TopK k·(32 + ⌈log₂ d⌉) (values and indices), RandomK k·32 (the indices follow from a seed
    /// the server shares), Qsgd 32 + d·(1 + ⌈log₂(s + 1)⌉) (the norm, then a sign and a level per
    /// coordinate, without Elias coding), ScaledSign 32 + d (a sign bit per coordinate; the rare
    /// exact zero would need a third symbol), None 32·d.
    pub fn message_bits(self, d: usize) -> u64 {
        let d64 = d as u64;
        let bits_for = |count: u64| u64::from(count.max(1).next_power_of_two().trailing_zeros());
        match self {
            Self::TopK { k } => clamp_k(k, d) as u64 * (FLOAT_BITS + bits_for(d64)),
            Self::RandomK { k } => clamp_k(k, d) as u64 * FLOAT_BITS,
            Self::Qsgd { levels } => {
                let levels = levels.clamp(1, MAX_LEVELS);
                FLOAT_BITS + d64 * (1 + bits_for(levels + 1))
            }
            Self::ScaledSign => FLOAT_BITS + d64,
            Self::None => dense_bits(d),
        }
    }
}

/// k clamped to 1..=d (k > d keeps everything).
fn clamp_k(k: u64, d: usize) -> usize {
    (k.clamp(1, MAX_COUNT) as usize).min(d)
}

/// sign with sign(0) = 0 and sign(NaN) = NaN (f64::signum gives ±1 at ±0).
fn sign(v: f64) -> f64 {
    if v == 0.0 { 0.0 } else { v.signum() }
}

/// Keeps the k entries of largest magnitude (NaN counts as largest, so it propagates).
fn top_k(p: &DVector<f64>, out: &mut DVector<f64>, indices: &mut [usize], k: usize) {
    out.fill(0.0);
    if k == 0 {
        return;
    }
    // Descending by |pᵢ|: the first k after selection are the largest.
    indices.select_nth_unstable_by(k - 1, |&a, &b| p[b].abs().total_cmp(&p[a].abs()));
    for &i in &indices[..k] {
        out[i] = p[i];
    }
}

/// Keeps k uniformly random entries, scaled by d/k so that E C(p) = p.
fn random_k(
    p: &DVector<f64>,
    out: &mut DVector<f64>,
    indices: &mut [usize],
    k: usize,
    rng: &mut impl Rng,
) {
    out.fill(0.0);
    let d = indices.len();
    let scale = d as f64 / k.max(1) as f64;
    // Partial Fisher–Yates: uniform k-subset whatever permutation `indices` holds.
    for i in 0..k {
        let j = rng.random_range(i..d);
        indices.swap(i, j);
        let chosen = indices[i];
        out[chosen] = scale * p[chosen];
    }
}

/// QSGD: unbiased stochastic rounding of s|pᵢ|/‖p‖₂ to a neighbouring integer.
fn qsgd(p: &DVector<f64>, out: &mut DVector<f64>, levels: f64, rng: &mut impl Rng) {
    let norm = p.norm();
    if norm == 0.0 {
        out.fill(0.0);
        return;
    }
    for (o, v) in out.iter_mut().zip(p.iter()) {
        let r = levels * v.abs() / norm;
        let low = r.floor();
        let level = if rng.random::<f64>() < r - low {
            low + 1.0
        } else {
            low
        };
        // NaN stays NaN through sign(v).
        *o = norm * sign(*v) * level / levels;
    }
}

/// Hyperparameters of compressed SGD.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CompressedSgdConfig {
    /// Step size.
    pub lr: f64,
    /// Number K of simulated workers.
    pub workers: u64,
    /// Samples per worker per step (the whole shard when it has fewer).
    pub batch_size: u64,
    /// What each worker sends instead of its gradient.
    pub compressor: Compressor,
    /// Keep each worker's compression error and add it to its next gradient.
    pub error_feedback: bool,
    /// Shards are contiguous blocks of the sample order instead of interleaved.
    pub heterogeneous: bool,
}

hyper_table! {
    CompressedSgdConfig, owner: Self::DISPLAY_NAME, defaults { compressor: Compressor::ScaledSign };
    lr = 0.01: log_float(1e-5, 1.0) where positive, "x ← x − lr·(1/K) Σₖ cₖ";
    workers = 4: int(1, 16) where count_in_range(1, MAX_WORKERS),
        "K simulated workers, each on its own shard of the data (i mod K)";
    batch_size = 1: int(1, 64) where count_in_range(1, MAX_COUNT),
        "samples per worker per step, drawn from its shard";
    compressor: choice(COMPRESSOR_CHOICES),
        "TopK: k largest |pᵢ|; RandomK: k random pᵢ·d/k; Qsgd: stochastic rounding to s levels of ‖p‖; ScaledSign: (‖p‖₁/d)·sign(p); None: p";
    k if let Compressor::TopK { k } | Compressor::RandomK { k } = compressor: int(1, 16),
        "coordinates each worker sends";
    levels if let Compressor::Qsgd { levels } = compressor: int(1, 64),
        "s quantization levels of |pᵢ|/‖p‖₂";
    error_feedback = false: boolean, "p = g + e; c = C(p); e ← p − c on every worker";
    heterogeneous = false: boolean, HETEROGENEOUS_HELP;
}

impl OptimizerSpec for CompressedSgdConfig {
    const DISPLAY_NAME: &'static str = "CompressedSGD";
    const DESCRIPTION: &'static str = "Compressed SGD: K = 4 simulated workers send top-k, random-k, \
         QSGD or scaled-sign gradients, with or without error feedback";
    const SIMULATES_WORKERS: bool = true;

    fn validate(&self, checker: &mut Checker) {
        self.validate_rows(checker);
        checker.within("compressor", |checker| self.compressor.validate(checker));
    }

    crate::optim::no_stability_threshold!(NotDerived);

    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        Box::new(self.state(dim))
    }
}

impl CompressedSgdConfig {
    /// The optimizer with fresh state (e = 0), for problems of dimension `dim`.
    fn state(&self, dim: usize) -> CompressedSgd {
        CompressedSgd {
            config: self.clone(),
            memory: vec![DVector::zeros(dim); worker_count(self.workers)],
            grad: DVector::zeros(dim),
            sample_grad: DVector::zeros(dim),
            sent: DVector::zeros(dim),
            mean_sent: DVector::zeros(dim),
            mean_grad: DVector::zeros(dim),
            indices: (0..dim).collect(),
            shards: Shards::default(),
            bits: 0,
            explained: CompressedSgdExplained::default(),
        }
    }
}

/// Compressed SGD's state: the workers' error memories, the shard layout and scratch buffers.
pub struct CompressedSgd {
    config: CompressedSgdConfig,
    /// eₖ for every worker.
    memory: Vec<DVector<f64>>,
    /// gₖ, then pₖ = gₖ + eₖ, of the worker being stepped.
    grad: DVector<f64>,
    sample_grad: DVector<f64>,
    /// cₖ of the worker being stepped.
    sent: DVector<f64>,
    /// c̄ = (1/K) Σₖ cₖ of the latest step.
    mean_sent: DVector<f64>,
    /// ḡ = (1/K) Σₖ gₖ of the latest step.
    mean_grad: DVector<f64>,
    /// A permutation of 0..d, scratch for TopK and RandomK.
    indices: Vec<usize>,
    shards: Shards,
    /// Bits the workers have sent since the last reset.
    bits: u64,
    explained: CompressedSgdExplained,
}

/// The latest step's scalars, for [`Optimizer::explain`].
#[derive(Clone, Copy, Default)]
struct CompressedSgdExplained {
    steps: u64,
    lr: f64,
    /// (1/K) Σₖ ‖eₖ‖ after the step.
    memory_norm: f64,
}

impl CompressedSgd {
    /// Sizes the buffers for `dim` parameters and the configured K (allocates only on change).
    fn prepare_buffers(&mut self, dim: usize) {
        let workers = worker_count(self.config.workers);
        if self.memory.len() != workers {
            self.memory.resize(workers, DVector::zeros(dim));
        }
        for buffer in self.memory.iter_mut() {
            ensure_len(buffer, dim);
        }
        ensure_lens(
            dim,
            [
                &mut self.grad,
                &mut self.sample_grad,
                &mut self.sent,
                &mut self.mean_sent,
                &mut self.mean_grad,
            ],
        );
        if self.indices.len() != dim {
            self.indices = (0..dim).collect();
        }
    }

    /// Worker `k`'s minibatch gradient at `x` into `self.grad`; returns its loss.
    fn worker_grad(&mut self, x: &DVector<f64>, k: usize, oracle: &mut Oracle) -> f64 {
        let batch = batch_len(self.config.batch_size);
        self.shards
            .minibatch_grad(k, batch, x, oracle, &mut self.grad, &mut self.sample_grad)
    }

    /// Compresses worker `k`'s gradient in `self.grad` (with its memory when feeding back) and
    /// adds what it sends to `self.mean_sent`.
    fn send(&mut self, k: usize, oracle: &mut Oracle) {
        self.mean_grad += &self.grad;
        let feedback = self.config.error_feedback;
        if feedback {
            self.grad += &self.memory[k];
        }
        self.config.compressor.compress(
            &self.grad,
            &mut self.sent,
            &mut self.indices,
            oracle.rng(),
        );
        if feedback {
            self.memory[k].copy_from(&self.grad);
            self.memory[k] -= &self.sent;
        }
        self.mean_sent += &self.sent;
    }
}

impl Optimizer for CompressedSgd {
    fn step(&mut self, x: &mut DVector<f64>, oracle: &mut Oracle) -> StepInfo {
        let n = oracle.num_samples();
        if n == 0 {
            return without_samples("compressed SGD");
        }
        self.prepare_buffers(x.len());
        let workers = self.memory.len();
        self.shards.prepare(n, workers, self.config.heterogeneous);
        self.mean_sent.fill(0.0);
        self.mean_grad.fill(0.0);
        let mut loss = 0.0;
        for k in 0..workers {
            loss += self.worker_grad(x, k, oracle);
            self.send(k, oracle);
        }
        let k = workers as f64;
        self.mean_sent /= k;
        self.mean_grad /= k;
        x.axpy(-self.config.lr, &self.mean_sent, 1.0);
        self.bits += workers as u64 * self.config.compressor.message_bits(x.len());
        self.explained = CompressedSgdExplained {
            steps: self.explained.steps + 1,
            lr: self.config.lr,
            memory_norm: self.memory_norm(),
        };
        StepInfo::proceed(loss / k)
    }

    crate::optim::config_edits!();

    fn reset(&mut self) {
        for memory in self.memory.iter_mut() {
            memory.fill(0.0);
        }
        self.shards.reset();
        self.bits = 0;
        self.explained = CompressedSgdExplained::default();
    }

    fn explain(&self) -> Vec<Quantity> {
        let e = &self.explained;
        crate::optim::explain_once_stepped(e.steps > 0, || {
            crate::optim::quantities![
                vector "ḡ" = "(1/K) Σₖ gₖ" => self.mean_grad.as_slice(),
                vector "c̄" = "(1/K) Σₖ C(pₖ)" => self.mean_sent.as_slice(),
                scalar "‖e‖" = "(1/K) Σₖ ‖eₖ‖ after the step (0 without error feedback)"
                    => e.memory_norm,
                arrow Preconditioned "−lr·c̄" = "the step taken, along the mean compressed gradient"
                    => self.mean_sent.iter().map(|c| -e.lr * c),
                arrow Gradient "−lr·ḡ" = "the step without compression"
                    => self.mean_grad.iter().map(|g| -e.lr * g),
                scalar "lr" = "step size" => e.lr,
            ]
        })
    }

    fn as_distributed(&self) -> Option<&dyn Distributed> {
        Some(self)
    }
}

counts_bits!(CompressedSgd);

impl CompressedSgd {
    /// (1/K) Σₖ ‖eₖ‖.
    fn memory_norm(&self) -> f64 {
        self.memory.iter().map(|e| e.norm()).sum::<f64>() / self.memory.len().max(1) as f64
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;
    use crate::hyper::{HyperValue, Hypers};
    use crate::optim::method_tests::{assert_reset_forgets, first_step_on_quadratic, quantity};
    use crate::optim::test_support::WorkerView;
    use crate::optim::test_support::{assert_steps_like_gradient_descent, least_squares};
    use crate::optim::{ArrowKind, QuantityValue};

    fn config(
        compressor: Compressor,
        error_feedback: bool,
        batch_size: u64,
    ) -> CompressedSgdConfig {
        CompressedSgdConfig {
            lr: 0.05,
            workers: 4,
            batch_size,
            compressor,
            error_feedback,
            heterogeneous: false,
        }
    }

    const G: [f64; 5] = [0.3, -1.2, 0.0, 2.5, -0.7];

    /// Mean and standard error per coordinate of `draws` compressions of G.
    fn empirical_mean(compressor: Compressor, draws: usize) -> (Vec<f64>, Vec<f64>) {
        let g = DVector::from_column_slice(&G);
        let mut out = DVector::zeros(5);
        let mut indices: Vec<usize> = (0..5).collect();
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let (mut sum, mut sum_sq) = (vec![0.0; 5], vec![0.0; 5]);
        for _ in 0..draws {
            compressor.compress(&g, &mut out, &mut indices, &mut rng);
            for i in 0..5 {
                sum[i] += out[i];
                sum_sq[i] += out[i] * out[i];
            }
        }
        let n = draws as f64;
        let mean: Vec<f64> = sum.iter().map(|s| s / n).collect();
        let stderr = (0..5)
            .map(|i| ((sum_sq[i] / n - mean[i] * mean[i]).max(0.0) / n).sqrt())
            .collect();
        (mean, stderr)
    }

    #[test]
    fn random_k_and_qsgd_are_unbiased() {
        for compressor in [
            Compressor::RandomK { k: 1 },
            Compressor::RandomK { k: 3 },
            Compressor::Qsgd { levels: 1 },
            Compressor::Qsgd { levels: 4 },
        ] {
            let (mean, stderr) = empirical_mean(compressor, 20_000);
            for i in 0..5 {
                assert!(
                    (mean[i] - G[i]).abs() <= 4.0 * stderr[i] + 1e-12,
                    "{compressor:?} coordinate {i}: {} vs {} (stderr {})",
                    mean[i],
                    G[i],
                    stderr[i]
                );
            }
            // Not trivially exact: the compressor does add variance.
            assert!(stderr.iter().any(|s| *s > 1e-3), "{compressor:?}");
        }
    }

    #[test]
    fn top_k_and_scaled_sign_keep_their_stated_norms() {
        let g = DVector::from_column_slice(&G);
        let mut out = DVector::zeros(5);
        let mut indices: Vec<usize> = (0..5).collect();
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        Compressor::TopK { k: 2 }.compress(&g, &mut out, &mut indices, &mut rng);
        assert_eq!(out.as_slice(), [0.0, -1.2, 0.0, 2.5, 0.0]);
        assert!(out.norm_squared() >= 2.0 / 5.0 * g.norm_squared());
        Compressor::TopK { k: 9 }.compress(&g, &mut out, &mut indices, &mut rng);
        assert_eq!(out, g);
        Compressor::ScaledSign.compress(&g, &mut out, &mut indices, &mut rng);
        // ‖g‖₁/d = 4.7/5; the zero coordinate stays 0.
        let scale = 4.7 / 5.0;
        let expected = [scale, -scale, 0.0, scale, -scale];
        assert!(out.iter().zip(expected).all(|(o, e)| (o - e).abs() < 1e-15));
        let dense = DVector::from_column_slice(&[0.3, -1.2, 2.5, -0.7]);
        let mut out = DVector::zeros(4);
        let mut indices: Vec<usize> = (0..4).collect();
        Compressor::ScaledSign.compress(&dense, &mut out, &mut indices, &mut rng);
        assert!((out.lp_norm(1) - dense.lp_norm(1)).abs() < 1e-14);
        assert!((out.norm() - dense.lp_norm(1) / 2.0).abs() < 1e-14);
    }

    #[test]
    fn nan_propagates_through_every_compressor() {
        let g = DVector::from_column_slice(&[1.0, f64::NAN]);
        let mut out = DVector::zeros(2);
        let mut indices = vec![0, 1];
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        for compressor in [
            Compressor::TopK { k: 1 },
            Compressor::RandomK { k: 2 },
            Compressor::Qsgd { levels: 2 },
            Compressor::ScaledSign,
            Compressor::None,
        ] {
            compressor.compress(&g, &mut out, &mut indices, &mut rng);
            assert!(out.iter().any(|v| v.is_nan()), "{compressor:?}");
        }
    }

    #[test]
    fn uncompressed_with_full_shards_is_gradient_descent() {
        // n = 64, K = 4: each shard has 16 samples, b = 16 takes the whole shard.
        let mut compressed = config(Compressor::None, true, 16).build(2);
        let oracle = assert_steps_like_gradient_descent(&mut *compressed);
        assert_eq!(oracle.counts().sample_gradients, 60 * 64);
    }

    #[test]
    fn error_feedback_memory_stays_bounded() {
        for compressor in [
            Compressor::ScaledSign,
            Compressor::TopK { k: 1 },
            Compressor::Qsgd { levels: 1 },
        ] {
            let mut oracle = least_squares();
            let mut method = config(compressor, true, 1).state(2);
            let mut x = DVector::from_vec(vec![-1.0, 2.0]);
            let (mut first_half, mut second_half) = (0.0_f64, 0.0_f64);
            for step in 0..2000 {
                method.step(&mut x, &mut oracle);
                let worst = method.memory.iter().map(|e| e.norm()).fold(0.0, f64::max);
                assert!(worst.is_finite(), "{compressor:?} step {step}");
                if step < 1000 {
                    first_half = first_half.max(worst);
                } else {
                    second_half = second_half.max(worst);
                }
            }
            assert!(first_half > 0.0, "{compressor:?}");
            // Bounded: no growth in the second half, and small against the gradients (‖g‖ ~ 1-10).
            assert!(
                second_half <= 2.0 * first_half && second_half < 50.0,
                "{compressor:?}: {first_half} then {second_half}"
            );
            assert!(x.iter().all(|v| v.is_finite()));
        }
    }

    #[test]
    fn error_feedback_removes_the_scaled_sign_bias_on_full_shards() {
        // Exact shard gradients: without feedback the fixed point of the mean of scaled signs is
        // not x*; with it, the run cycles around x* (averaged over the last 1000 steps).
        let run = |compressor, error_feedback| {
            let mut oracle = least_squares();
            let mut method = config(compressor, error_feedback, 16).build(2);
            let mut x = DVector::from_vec(vec![-1.0, 2.0]);
            let mut average = DVector::zeros(2);
            for step in 0..4000 {
                method.step(&mut x, &mut oracle);
                if step >= 3000 {
                    average += &x / 1000.0;
                }
            }
            average
        };
        let minimizer = run(Compressor::None, false);
        let biased = (run(Compressor::ScaledSign, false) - &minimizer).norm();
        let fixed = (run(Compressor::ScaledSign, true) - &minimizer).norm();
        // Measured: 0.045 vs 3.6e-6.
        assert!(fixed < 1e-4 && biased > 0.01, "{biased} vs {fixed}");
    }

    #[test]
    fn one_hand_computed_scaled_sign_step() {
        // f = ½(x² + 4y²) from (1, 1): g = (1, 4), C(g) = (5/2)·(1, 1) on every worker,
        // x ← (1, 1) − 0.1·(2.5, 2.5) = (0.75, 0.75).
        let (mut method, _, _) = first_step_on_quadratic::<CompressedSgdConfig>([0.75, 0.75], 4);
        let quantities = method.explain();
        let find = |symbol: &str| quantity(&quantities, symbol);
        assert_eq!(
            find("−lr·c̄"),
            Some((
                QuantityValue::Vector(vec![-0.25, -0.25]),
                Some(ArrowKind::Preconditioned)
            ))
        );
        let Some((QuantityValue::Vector(gradient), Some(ArrowKind::Gradient))) = find("−lr·ḡ")
        else {
            panic!("no gradient arrow");
        };
        assert!((gradient[0] + 0.1).abs() < 1e-15 && (gradient[1] + 0.4).abs() < 1e-15);
        assert_eq!(find("‖e‖").map(|f| f.0), Some(QuantityValue::Scalar(0.0)));
        // Four workers each sent a scaled sign of 2 coordinates: 4·(32 + 2) bits.
        assert_eq!(method.bits_communicated(), 136);
        assert_reset_forgets(&mut method);
    }

    #[test]
    fn message_sizes() {
        assert_eq!(Compressor::None.message_bits(1000), 32_000);
        assert_eq!(Compressor::ScaledSign.message_bits(1000), 1032);
        // 10 values and 10 indices of ⌈log₂ 1000⌉ = 10 bits.
        assert_eq!(Compressor::TopK { k: 10 }.message_bits(1000), 420);
        assert_eq!(Compressor::RandomK { k: 10 }.message_bits(1000), 320);
        // The norm, then a sign and one of 5 levels (3 bits) per coordinate.
        assert_eq!(Compressor::Qsgd { levels: 4 }.message_bits(1000), 32 + 4000);
        assert_eq!(Compressor::TopK { k: 5 }.message_bits(2), 2 * 33);
    }

    #[test]
    fn compressor_choice_keeps_k_and_validation_reports_fields() {
        let mut config = CompressedSgdConfig {
            compressor: Compressor::TopK { k: 3 },
            ..CompressedSgdConfig::default()
        };
        config
            .set_hyper("compressor", HyperValue::Choice("RandomK"))
            .unwrap();
        assert_eq!(config.compressor, Compressor::RandomK { k: 3 });
        config.set_hyper("k", HyperValue::Int(2)).unwrap();
        assert_eq!(config.compressor, Compressor::RandomK { k: 2 });
        assert!(config.set_hyper("levels", HyperValue::Int(2)).is_err());
        let paths = crate::optim::test_support::validation_paths(&CompressedSgdConfig {
            lr: 0.0,
            workers: 0,
            batch_size: 0,
            compressor: Compressor::Qsgd { levels: 0 },
            error_feedback: false,
            heterogeneous: false,
        });
        assert_eq!(paths, ["lr", "workers", "batch_size", "compressor.levels"]);
    }
}
