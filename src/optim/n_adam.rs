//! NAdam: Adam with Nesterov momentum, exactly as `torch.optim.NAdam` (Dozat's form with a
//! momentum schedule).
//!
//! With gₜ the (minibatch) gradient at xₜ₋₁ and t counting steps from 1, one step is, in torch's
//! order (`_single_tensor_nadam`; fused multiply-adds as in [`torch_ops`](super::torch_ops)):
//!
//! ```text
//! if maximize:          gₜ ← −gₜ
//! bias_correction2 = 1 − β₂ᵗ
//! if weight_decay ≠ 0:
//!     decoupled:        xₜ₋₁ ← xₜ₋₁ · (1 − lr · weight_decay)
//!     otherwise:        gₜ ← gₜ + weight_decay · xₜ₋₁
//! μₜ   = β₁ · (1 − 0.5 · 0.96^(t · momentum_decay))          (the momentum schedule)
//! μₜ₊₁ = β₁ · (1 − 0.5 · 0.96^((t + 1) · momentum_decay))
//! Πₜ ← Πₜ₋₁ · μₜ                                            (mu_product, Π₀ = 1)
//! mₜ ← mₜ₋₁ + (1 − β₁) · (gₜ − mₜ₋₁)
//! vₜ ← vₜ₋₁ · β₂ + (1 − β₂) · gₜ · gₜ
//! denom = √(vₜ / bias_correction2) + eps
//! xₜ ← xₜ₋₁ + (−lr · (1 − μₜ) / (1 − Πₜ) · gₜ) / denom
//! xₜ ← xₜ   + (−lr · μₜ₊₁ / (1 − Πₜ · μₜ₊₁) · mₜ) / denom
//! ```
//!
//! The two updates are Nesterov's look-ahead: the current gradient with this step's weight and the
//! momentum with next step's, each bias-corrected by the product of the momentum coefficients so
//! far. Note the order: the square root is taken after dividing by bias_correction2 (unlike Adam),
//! and μₜ₊₁ is computed before Πₜ is updated but used with it.
//!
//! torch keeps Πₜ (and the step) in a tensor of the default dtype: in float32 unless
//! `torch.set_default_dtype(torch.float64)`. Here Πₜ is a float64 throughout, which is torch with
//! float64 as its default dtype; with the float32 default, torch's step sizes differ in the 8th
//! digit.
//!
//! Defaults (torch 2.x): lr = 2e-3, betas = (0.9, 0.999), eps = 1e-8, weight_decay = 0,
//! momentum_decay = 4e-3, decoupled_weight_decay = false, maximize = false. Validation as torch:
//! 0 ≤ β₁, β₂ < 1, eps ≥ 0, weight_decay ≥ 0, momentum_decay ≥ 0; optiviz also requires lr > 0.
//! The single-tensor path is the reference; `foreach`, `capturable`, `differentiable` are not
//! modelled.
//!
//! References: PyTorch documentation and source of `torch.optim.NAdam`; Dozat, "Incorporating
//! Nesterov Momentum into Adam" (ICLR 2016 workshop); Loshchilov & Hutter, "Decoupled Weight Decay
//! Regularization" (ICLR 2019) for the decoupled variant (NAdamW).

use nalgebra::DVector;
use serde::{Deserialize, Serialize};

use super::adam::check_betas;
use super::torch_ops::{addcdiv, addcmul, lerp, py_pow};
use super::weight_decay::{WeightDecay, signed_gradient};
use super::{ArrowKind, Optimizer, OptimizerSpec, Quantity, StepInfo, ensure_len};
use crate::hyper::{Hypers, hyper_table};
use crate::objective::Oracle;
use crate::validate::Checker;

/// Hyperparameters of `torch.optim.NAdam`, same names and defaults.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NAdamConfig {
    /// Step size.
    pub lr: f64,
    /// Decay rates (β₁, β₂) of the running averages of the gradient and of its square.
    pub betas: (f64, f64),
    /// Added to the denominator for numerical stability.
    pub eps: f64,
    /// Weight decay coefficient: an L2 penalty, or, decoupled, a shrinking of the parameters.
    pub weight_decay: f64,
    /// ψ in the momentum schedule μₜ = β₁(1 − 0.5·0.96^(tψ)).
    pub momentum_decay: f64,
    /// Shrink the parameters directly (NAdamW) instead of adding weight_decay·x to the gradient.
    pub decoupled_weight_decay: bool,
    /// Ascend instead of descend.
    pub maximize: bool,
}

hyper_table! {
    NAdamConfig, owner: Self::DISPLAY_NAME, defaults { betas: (0.9, 0.999) };
    lr = 2e-3: log_float(1e-5, 1.0) where positive,
        "x ← x − lr·((1 − μₜ)/(1 − Πₜ)·g + μₜ₊₁/(1 − Πₜμₜ₊₁)·m)/(√(v/(1 − β₂ᵗ)) + eps)";
    betas.0 as "betas[0]": float(0.0, 0.999),
        "β₁: m ← m + (1 − β₁)·(g − m); the momentum schedule tends to β₁/2 → β₁";
    betas.1 as "betas[1]": float(0.0, 0.9999),
        "β₂: v ← β₂·v + (1 − β₂)·g², the running mean of squared gradients";
    eps = 1e-8: log_float(1e-12, 1.0) where non_negative,
        "added to √(v/(1 − β₂ᵗ)) in the denominator";
    weight_decay = 0.0: log_float(0.0, 1.0),
        "g ← g + weight_decay·x (L2), or x ← x·(1 − lr·weight_decay) if decoupled";
    momentum_decay = 4e-3: log_float(1e-4, 1.0),
        "ψ: μₜ = β₁·(1 − 0.5·0.96^(t·ψ)), the momentum warm-up";
    decoupled_weight_decay = false: boolean,
        "x ← x·(1 − lr·weight_decay) instead of adding weight_decay·x to g (NAdamW)";
    maximize = false: boolean, "ascend: g ← −g";
}

impl OptimizerSpec for NAdamConfig {
    const DISPLAY_NAME: &'static str = "NAdam";
    const DESCRIPTION: &'static str = "torch.optim.NAdam: Adam with Nesterov momentum and a \
        momentum schedule";

    fn validate(&self, checker: &mut Checker) {
        self.validate_rows(checker);
        check_betas(self.betas, checker);
        checker.non_negative("weight_decay", self.weight_decay);
        checker.non_negative("momentum_decay", self.momentum_decay);
    }

    crate::optim::no_stability_threshold!(PreconditionerHidden);

    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        Box::new(NAdam::new(self.clone(), dim))
    }
}

/// NAdam's state: the moments, the product of momentum coefficients and the step count.
pub struct NAdam {
    config: NAdamConfig,
    grad: DVector<f64>,
    exp_avg: DVector<f64>,
    exp_avg_sq: DVector<f64>,
    /// Πₜ = μ₁ ⋯ μₜ.
    mu_product: f64,
    /// Steps taken, a float like torch's `state["step"]`.
    step: f64,
    explained: NAdamExplained,
}

/// The latest step's scalars (and xₜ₋₁ before a decoupled decay), for [`Optimizer::explain`].
#[derive(Default)]
struct NAdamExplained {
    lr: f64,
    eps: f64,
    weight_decay: WeightDecay,
    bias_correction2: f64,
    mu: f64,
    mu_next: f64,
    grad_weight: f64,
    momentum_weight: f64,
}

impl NAdam {
    fn new(config: NAdamConfig, dim: usize) -> Self {
        Self {
            config,
            grad: DVector::zeros(dim),
            exp_avg: DVector::zeros(dim),
            exp_avg_sq: DVector::zeros(dim),
            mu_product: 1.0,
            step: 0.0,
            explained: NAdamExplained::default(),
        }
    }
}

impl Optimizer for NAdam {
    fn step(&mut self, x: &mut DVector<f64>, oracle: &mut Oracle) -> StepInfo {
        let NAdamConfig {
            lr,
            betas: (beta1, beta2),
            eps,
            weight_decay,
            momentum_decay,
            decoupled_weight_decay,
            maximize,
        } = self.config;
        let dim = x.len();
        for buffer in [&mut self.grad, &mut self.exp_avg, &mut self.exp_avg_sq] {
            ensure_len(buffer, dim);
        }
        let loss = signed_gradient(oracle, x, &mut self.grad, maximize);
        self.step += 1.0;
        let step = self.step;
        let bias_correction2 = 1.0 - py_pow(beta2, step);
        self.explained.weight_decay.apply(
            &mut self.grad,
            x,
            lr,
            weight_decay,
            decoupled_weight_decay,
        );
        let mu = beta1 * (1.0 - 0.5 * py_pow(0.96, step * momentum_decay));
        let mu_next = beta1 * (1.0 - 0.5 * py_pow(0.96, (step + 1.0) * momentum_decay));
        self.mu_product *= mu;
        let mu_product_next = self.mu_product * mu_next;
        let grad_weight = -lr * (1.0 - mu) / (1.0 - self.mu_product);
        let momentum_weight = -lr * mu_next / (1.0 - mu_product_next);
        let explained = &mut self.explained;
        (explained.lr, explained.eps) = (lr, eps);
        explained.bias_correction2 = bias_correction2;
        (explained.mu, explained.mu_next) = (mu, mu_next);
        (explained.grad_weight, explained.momentum_weight) = (grad_weight, momentum_weight);
        for i in 0..dim {
            let g = self.grad[i];
            let exp_avg = lerp(self.exp_avg[i], g, 1.0 - beta1);
            let exp_avg_sq = addcmul(self.exp_avg_sq[i] * beta2, g, g, 1.0 - beta2);
            let denom = (exp_avg_sq / bias_correction2).sqrt() + eps;
            let p = addcdiv(x[i], g, denom, grad_weight);
            x[i] = addcdiv(p, exp_avg, denom, momentum_weight);
            self.exp_avg[i] = exp_avg;
            self.exp_avg_sq[i] = exp_avg_sq;
        }
        StepInfo::proceed(loss)
    }

    crate::optim::config_edits!();

    fn reset(&mut self) {
        self.exp_avg.fill(0.0);
        self.exp_avg_sq.fill(0.0);
        self.mu_product = 1.0;
        self.step = 0.0;
    }

    fn explain(&self) -> Vec<Quantity> {
        crate::optim::explain_once_stepped(self.step > 0.0, || {
            let e = &self.explained;
            let denom: Vec<f64> = self
                .exp_avg_sq
                .iter()
                .map(|v| (v / e.bias_correction2).sqrt() + e.eps)
                .collect();
            let mut quantities = crate::optim::quantities![
                vector "gₜ" = "∇f(xₜ₋₁) (negated if maximize; + weight_decay·xₜ₋₁ unless decoupled)"
                    => self.grad.as_slice(),
                scalar "bias_correction2" = "1 − β₂ᵗ" => e.bias_correction2,
            ];
            quantities.extend(
                e.weight_decay
                    .explained("the decoupled decay xₜ₋₁·(1 − lr·weight_decay) − xₜ₋₁"),
            );
            quantities.extend([
                Quantity::scalar("μₜ", "β₁·(1 − 0.5·0.96^(t·momentum_decay))", e.mu),
                Quantity::scalar(
                    "μₜ₊₁",
                    "β₁·(1 − 0.5·0.96^((t + 1)·momentum_decay))",
                    e.mu_next,
                ),
                Quantity::scalar("Πₜ", "Πₜ₋₁·μₜ", self.mu_product),
                Quantity::vector("mₜ", "mₜ₋₁ + (1 − β₁)·(gₜ − mₜ₋₁)", self.exp_avg.as_slice()),
                Quantity::vector("vₜ", "vₜ₋₁·β₂ + (1 − β₂)·gₜ·gₜ", self.exp_avg_sq.as_slice()),
                Quantity::vector("denom", "√(vₜ / bias_correction2) + eps", &denom),
                Quantity::vector(
                    "effective lr (gₜ)",
                    "lr·(1 − μₜ)/(1 − Πₜ) / denom per coordinate (multiplies gₜ)",
                    &denom.iter().map(|d| -e.grad_weight / d).collect::<Vec<_>>(),
                ),
                Quantity::vector(
                    "effective lr",
                    "lr·μₜ₊₁/(1 − Πₜ·μₜ₊₁) / denom per coordinate (multiplies mₜ)",
                    &denom
                        .iter()
                        .map(|d| -e.momentum_weight / d)
                        .collect::<Vec<_>>(),
                ),
                Quantity::gradient_arrow(e.lr, &self.grad),
                Quantity::arrow(
                    ArrowKind::Preconditioned,
                    "(−lr·(1 − μₜ)/(1 − Πₜ)·gₜ) / denom",
                    "the current gradient's part of the step, Adam-scaled",
                    self.grad
                        .iter()
                        .zip(&denom)
                        .map(|(g, d)| e.grad_weight * g / d),
                ),
                Quantity::arrow(
                    ArrowKind::Momentum,
                    "(−lr·μₜ₊₁/(1 − Πₜ·μₜ₊₁)·mₜ) / denom",
                    "the momentum's part, with next step's weight (Nesterov's look-ahead)",
                    self.exp_avg
                        .iter()
                        .zip(&denom)
                        .map(|(m, d)| e.momentum_weight * m / d),
                ),
            ]);
            quantities
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::optim::OptimizerConfig;

    use super::*;

    use crate::optim::test_support::{close, iterate, quadratic};

    /// lr = 0.1, betas = (0.5, 0.75), eps = 0 and momentum_decay = 0, so that μₜ = β₁/2 = 0.25
    /// for all t and Πₜ = 0.25ᵗ: the steps of the hand computations.
    fn constant_momentum() -> NAdamConfig {
        NAdamConfig {
            lr: 0.1,
            betas: (0.5, 0.75),
            eps: 0.0,
            momentum_decay: 0.0,
            ..NAdamConfig::default()
        }
    }

    #[test]
    fn two_steps_match_hand_computation() {
        // lr = 0.1, betas = (0.5, 0.75), eps = 0, momentum_decay = 0 (so μₜ = β₁/2 = 0.25 for all
        // t and Πₜ = 0.25ᵗ), from (1, 1):
        // t = 1: g = (1, 4), m = 0.5·g, v = 0.25·g², bias_correction2 = 0.25, denom = |g|;
        //        x = 1 − 0.1·(0.75/0.75)·1 − 0.1·(0.25/(1 − 0.0625))·0.5 = 0.9 − 1/75.
        // t = 2: g = (x, 4y); m = 0.5·m + 0.5·g; v = 0.75·v + 0.25·g²; denom = √(v/0.4375);
        //        x ← x − 0.1·(0.75/0.9375)·g/denom − 0.1·(0.25/0.984375)·m/denom.
        let mut optimizer = NAdam::new(constant_momentum(), 2);
        let (mut x, mut oracle) = crate::optim::test_support::on_quadratic([1.0, 1.0]);
        optimizer.step(&mut x, &mut oracle);
        let x1 = 0.9 - 1.0 / 75.0;
        assert!(close(x[0], x1) && close(x[1], x1), "{x:?}");
        optimizer.step(&mut x, &mut oracle);
        assert!(close(optimizer.mu_product, 0.0625));
        let g = [x1, 4.0 * x1];
        let g1 = [1.0, 4.0];
        for i in 0..2 {
            let m = 0.25 * g1[i] + 0.5 * g[i];
            let v = 0.1875 * g1[i] * g1[i] + 0.25 * g[i] * g[i];
            let denom = (v / 0.4375).sqrt();
            let expected =
                x1 - 0.1 * (0.75 / 0.9375) * g[i] / denom - 0.1 * (0.25 / 0.984375) * m / denom;
            assert!(close(x[i], expected), "{x:?}");
        }
    }

    #[test]
    fn the_momentum_schedule_and_its_product() {
        // μₜ = 0.9·(1 − 0.5·0.96^(0.004·t)): μ₁ ≈ 0.4500735, rising towards 0.9.
        let mut optimizer = NAdam::new(NAdamConfig::default(), 2);
        let (mut x, mut oracle) = crate::optim::test_support::on_quadratic([1.0, 1.0]);
        let mu = |t: f64| 0.9 * (1.0 - 0.5 * 0.96f64.powf(0.004 * t));
        optimizer.step(&mut x, &mut oracle);
        optimizer.step(&mut x, &mut oracle);
        optimizer.step(&mut x, &mut oracle);
        assert!(close(optimizer.mu_product, mu(1.0) * mu(2.0) * mu(3.0)));
        assert!((mu(1.0) - 0.4500735).abs() < 1e-7);
        optimizer.reset();
        assert_eq!((optimizer.mu_product, optimizer.step), (1.0, 0.0));
    }

    #[test]
    fn weight_decay_forms() {
        // With betas = (0.5, 0.75), momentum_decay = 0, eps = 0 the first step is
        // x − lr·(1 + 1/7.5)·sign(g) (see above) on whatever gradient it sees.
        // L2: g = (1, 4) + 0.5·(1, 1) keeps its sign: x = 1 − 0.1·(1 + 1/7.5).
        // Decoupled: x = 1·(1 − 0.05) − 0.1·(1 + 1/7.5).
        for (decoupled, start) in [(false, 1.0), (true, 0.95)] {
            let config = NAdamConfig {
                weight_decay: 0.5,
                decoupled_weight_decay: decoupled,
                ..constant_momentum()
            };
            let x = iterate(&config, &mut quadratic(), [1.0, 1.0], 1);
            let expected = start - 0.1 * (1.0 + 1.0 / 7.5);
            assert!(close(x[0], expected) && close(x[1], expected), "{x:?}");
        }
    }

    #[test]
    fn live_config_keeps_state() {
        let mut optimizer = NAdam::new(NAdamConfig::default(), 2);
        let (mut x, mut oracle) = crate::optim::test_support::on_quadratic([1.0, 1.0]);
        optimizer.step(&mut x, &mut oracle);
        let kept = (
            optimizer.exp_avg.clone(),
            optimizer.exp_avg_sq.clone(),
            optimizer.mu_product,
        );
        let new = NAdamConfig {
            lr: 0.1,
            momentum_decay: 0.01,
            ..NAdamConfig::default()
        };
        assert!(optimizer.set_config(&OptimizerConfig::NAdam(new)));
        assert_eq!(optimizer.config.momentum_decay, 0.01);
        let now = (
            optimizer.exp_avg.clone(),
            optimizer.exp_avg_sq.clone(),
            optimizer.mu_product,
        );
        assert_eq!(now, kept);
        assert_eq!(optimizer.step, 1.0);
        optimizer.reset();
        assert!(optimizer.exp_avg.iter().all(|&m| m == 0.0));
        assert!(optimizer.exp_avg_sq.iter().all(|&v| v == 0.0));
    }
}
