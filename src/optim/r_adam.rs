//! RAdam: rectified Adam, exactly as `torch.optim.RAdam`.
//!
//! With gₜ the (minibatch) gradient at xₜ₋₁ and t counting steps from 1, one step is, in torch's
//! order (`_single_tensor_radam`; fused multiply-adds as in [`torch_ops`](super::torch_ops)):
//!
//! ```text
//! if maximize:          gₜ ← −gₜ
//! if weight_decay ≠ 0:
//!     decoupled:        xₜ₋₁ ← xₜ₋₁ · (1 − lr · weight_decay)
//!     otherwise:        gₜ ← gₜ + weight_decay · xₜ₋₁
//! mₜ ← mₜ₋₁ + (1 − β₁) · (gₜ − mₜ₋₁)
//! vₜ ← vₜ₋₁ · β₂ + (1 − β₂) · gₜ · gₜ
//! m̂ₜ = mₜ / (1 − β₁ᵗ)
//! ρ∞ = 2 / (1 − β₂) − 1                                  (the SMA length's limit)
//! ρₜ = ρ∞ − 2t · β₂ᵗ / (1 − β₂ᵗ)
//! if ρₜ > 5:
//!     r = ((ρₜ − 4)(ρₜ − 2)ρ∞ / ((ρ∞ − 4)(ρ∞ − 2)ρₜ))^0.5   (variance rectification)
//!     a = (1 / (√vₜ + eps)) · (1 − β₂ᵗ)^0.5                 (adaptive step)
//!     xₜ ← xₜ₋₁ − ((m̂ₜ · lr) · a) · r
//! else:
//!     xₜ ← xₜ₋₁ − m̂ₜ · lr                                   (SGD with momentum, unadapted)
//! ```
//!
//! While few gradients have been seen, the variance of Adam's adaptive step is large (infinite for
//! ρₜ ≤ 4): RAdam then takes plain momentum steps of length lr·|m̂|, which, unlike Adam's, scale
//! with the gradient. With β₂ = 0.999 that is the first 5 steps (ρ₅ ≈ 4.996, ρ₆ ≈ 5.994); from
//! then on the step is Adam's (without eps's bias correction) times r, which starts at r₆ ≈ 0.026
//! and grows towards 1.
//!
//! Defaults (torch 2.x): lr = 1e-3, betas = (0.9, 0.999), eps = 1e-8, weight_decay = 0,
//! decoupled_weight_decay = false, maximize = false. Validation as torch: 0 ≤ β₁, β₂ < 1, eps ≥ 0,
//! weight_decay ≥ 0; optiviz also requires lr > 0. The single-tensor non-capturable path is the
//! reference; `foreach`, `capturable`, `differentiable` are not modelled.
//!
//! References: PyTorch documentation and source of `torch.optim.RAdam`; Liu, Jiang, He, Chen, Liu,
//! Gao & Han, "On the Variance of the Adaptive Learning Rate and Beyond" (ICLR 2020).

use nalgebra::DVector;
use serde::{Deserialize, Serialize};

use super::adam::check_betas;
use super::torch_ops::{add_scaled, addcmul, lerp, py_pow};
use super::weight_decay::{WeightDecay, signed_gradient};
use super::{Optimizer, OptimizerSpec, Quantity, StepInfo, ensure_len};
use crate::hyper::{Hypers, hyper_table};
use crate::objective::Oracle;
use crate::validate::Checker;

/// Hyperparameters of `torch.optim.RAdam`, same names and defaults.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RAdamConfig {
    /// Step size.
    pub lr: f64,
    /// Decay rates (β₁, β₂) of the running averages of the gradient and of its square.
    pub betas: (f64, f64),
    /// Added to √v for numerical stability.
    pub eps: f64,
    /// Weight decay coefficient: an L2 penalty, or, decoupled, a shrinking of the parameters.
    pub weight_decay: f64,
    /// Shrink the parameters directly (RAdamW) instead of adding weight_decay·x to the gradient.
    pub decoupled_weight_decay: bool,
    /// Ascend instead of descend.
    pub maximize: bool,
}

hyper_table! {
    RAdamConfig, owner: Self::DISPLAY_NAME, defaults { betas: (0.9, 0.999) };
    lr = 1e-3: log_float(1e-5, 1.0) where positive,
        "x ← x − lr·m̂·r·√(1 − β₂ᵗ)/(√v + eps) once ρₜ > 5, x ← x − lr·m̂ before";
    betas.0 as "betas[0]": float(0.0, 0.999),
        "β₁: m ← m + (1 − β₁)·(g − m), the running mean of gradients";
    betas.1 as "betas[1]": float(0.0, 0.9999),
        "β₂: v ← β₂·v + (1 − β₂)·g²; sets ρ∞ = 2/(1 − β₂) − 1 and the warm-up length";
    eps = 1e-8: log_float(1e-12, 1.0) where non_negative, "added to √v in the denominator";
    weight_decay = 0.0: log_float(0.0, 1.0),
        "g ← g + weight_decay·x (L2), or x ← x·(1 − lr·weight_decay) if decoupled";
    decoupled_weight_decay = false: boolean,
        "x ← x·(1 − lr·weight_decay) instead of adding weight_decay·x to g";
    maximize = false: boolean, "ascend: g ← −g";
}

impl OptimizerSpec for RAdamConfig {
    const DISPLAY_NAME: &'static str = "RAdam";
    const DESCRIPTION: &'static str = "torch.optim.RAdam: Adam with a variance rectification, \
        momentum SGD while ρₜ ≤ 5";

    fn validate(&self, checker: &mut Checker) {
        self.validate_rows(checker);
        check_betas(self.betas, checker);
        checker.non_negative("weight_decay", self.weight_decay);
    }

    crate::optim::no_stability_threshold!(PreconditionerHidden);

    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        Box::new(RAdam::new(self.clone(), dim))
    }
}

/// RAdam's state: the moments and the step count.
pub struct RAdam {
    config: RAdamConfig,
    grad: DVector<f64>,
    exp_avg: DVector<f64>,
    exp_avg_sq: DVector<f64>,
    /// Steps taken, a float like torch's `state["step"]`.
    step: f64,
    explained: RAdamExplained,
}

/// The latest step's scalars (and xₜ₋₁ before a decoupled decay), for [`Optimizer::explain`].
#[derive(Default)]
struct RAdamExplained {
    lr: f64,
    eps: f64,
    weight_decay: WeightDecay,
    bias_correction1: f64,
    bias_correction2: f64,
    bias_correction2_sqrt: f64,
    rho_inf: f64,
    rho_t: f64,
    rect: Option<f64>,
}

impl RAdam {
    fn new(config: RAdamConfig, dim: usize) -> Self {
        Self {
            config,
            grad: DVector::zeros(dim),
            exp_avg: DVector::zeros(dim),
            exp_avg_sq: DVector::zeros(dim),
            step: 0.0,
            explained: RAdamExplained::default(),
        }
    }
}

/// The rectification term r and whether it applies (ρₜ > 5), from torch's scalar formulas.
fn rectification(beta2: f64, step: f64, bias_correction2: f64) -> Option<f64> {
    let (rho_inf, rho_t) = sma_lengths(beta2, step, bias_correction2);
    (rho_t > 5.0).then(|| {
        py_pow(
            (rho_t - 4.0) * (rho_t - 2.0) * rho_inf / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t),
            0.5,
        )
    })
}

/// ρ∞ and ρₜ: the SMA length's limit and its value at this step.
fn sma_lengths(beta2: f64, step: f64, bias_correction2: f64) -> (f64, f64) {
    let rho_inf = 2.0 / (1.0 - beta2) - 1.0;
    let rho_t = rho_inf - 2.0 * step * py_pow(beta2, step) / bias_correction2;
    (rho_inf, rho_t)
}

impl Optimizer for RAdam {
    fn step(&mut self, x: &mut DVector<f64>, oracle: &mut Oracle) -> StepInfo {
        let RAdamConfig {
            lr,
            betas: (beta1, beta2),
            eps,
            weight_decay,
            decoupled_weight_decay,
            maximize,
        } = self.config;
        let dim = x.len();
        for buffer in [&mut self.grad, &mut self.exp_avg, &mut self.exp_avg_sq] {
            ensure_len(buffer, dim);
        }
        let loss = signed_gradient(oracle, x, &mut self.grad, maximize);
        self.step += 1.0;
        self.explained.weight_decay.apply(
            &mut self.grad,
            x,
            lr,
            weight_decay,
            decoupled_weight_decay,
        );
        let bias_correction1 = 1.0 - py_pow(beta1, self.step);
        let bias_correction2 = 1.0 - py_pow(beta2, self.step);
        let rect = rectification(beta2, self.step, bias_correction2);
        let bias_correction2_sqrt = py_pow(bias_correction2, 0.5);
        let explained = &mut self.explained;
        (explained.lr, explained.eps) = (lr, eps);
        explained.bias_correction1 = bias_correction1;
        explained.bias_correction2 = bias_correction2;
        explained.bias_correction2_sqrt = bias_correction2_sqrt;
        (explained.rho_inf, explained.rho_t) = sma_lengths(beta2, self.step, bias_correction2);
        explained.rect = rect;
        for i in 0..dim {
            let g = self.grad[i];
            let exp_avg = lerp(self.exp_avg[i], g, 1.0 - beta1);
            let exp_avg_sq = addcmul(self.exp_avg_sq[i] * beta2, g, g, 1.0 - beta2);
            let bias_corrected_exp_avg = exp_avg / bias_correction1;
            let update = match rect {
                Some(rect) => {
                    // torch computes `bias_correction2**0.5 / tensor` as reciprocal × scalar.
                    let adaptive_lr = (1.0 / (exp_avg_sq.sqrt() + eps)) * bias_correction2_sqrt;
                    bias_corrected_exp_avg * lr * adaptive_lr * rect
                }
                None => bias_corrected_exp_avg * lr,
            };
            x[i] = add_scaled(x[i], update, -1.0);
            self.exp_avg[i] = exp_avg;
            self.exp_avg_sq[i] = exp_avg_sq;
        }
        StepInfo::proceed(loss)
    }

    crate::optim::config_edits!();

    fn reset(&mut self) {
        self.exp_avg.fill(0.0);
        self.exp_avg_sq.fill(0.0);
        self.step = 0.0;
    }

    fn explain(&self) -> Vec<Quantity> {
        crate::optim::explain_once_stepped(self.step > 0.0, || {
            let e = &self.explained;
            let lr = e.lr;
            let m_hat: Vec<f64> = self
                .exp_avg
                .iter()
                .map(|m| m / e.bias_correction1)
                .collect();
            let mut quantities = crate::optim::quantities![
                vector "gₜ" = "∇f(xₜ₋₁) (negated if maximize; + weight_decay·xₜ₋₁ unless decoupled)"
                    => self.grad.as_slice(),
            ];
            quantities.extend(
                e.weight_decay
                    .explained("the decoupled decay xₜ₋₁·(1 − lr·weight_decay) − xₜ₋₁"),
            );
            quantities.extend([
                Quantity::vector("mₜ", "mₜ₋₁ + (1 − β₁)·(gₜ − mₜ₋₁)", self.exp_avg.as_slice()),
                Quantity::vector("vₜ", "vₜ₋₁·β₂ + (1 − β₂)·gₜ·gₜ", self.exp_avg_sq.as_slice()),
                Quantity::scalar("bias_correction1", "1 − β₁ᵗ", e.bias_correction1),
                Quantity::scalar("bias_correction2", "1 − β₂ᵗ", e.bias_correction2),
                Quantity::vector("m̂ₜ", "mₜ / (1 − β₁ᵗ)", &m_hat),
                Quantity::scalar("ρ∞", "2 / (1 − β₂) − 1", e.rho_inf),
                Quantity::scalar(
                    "ρₜ",
                    "ρ∞ − 2t·β₂ᵗ / (1 − β₂ᵗ); adaptive once ρₜ > 5",
                    e.rho_t,
                ),
                Quantity::gradient_arrow(lr, &self.grad),
            ]);
            match e.rect {
                Some(rect) => {
                    // The step's own arithmetic: a = (1/(√vₜ + eps))·√bias_correction2.
                    let adaptive: Vec<f64> = self
                        .exp_avg_sq
                        .iter()
                        .map(|v| (1.0 / (v.sqrt() + e.eps)) * e.bias_correction2_sqrt)
                        .collect();
                    quantities.extend(crate::optim::quantities![
                        scalar "r" = "√((ρₜ − 4)(ρₜ − 2)ρ∞ / ((ρ∞ − 4)(ρ∞ − 2)ρₜ))" => rect,
                        vector "a" = "(1 / (√vₜ + eps))·(1 − β₂ᵗ)^0.5" => &adaptive,
                        vector "effective lr" =
                            "lr·a·r / (1 − β₁ᵗ) per coordinate (multiplies mₜ)"
                            => &adaptive
                                .iter()
                                .map(|a| lr * a * rect / e.bias_correction1)
                                .collect::<Vec<_>>(),
                        arrow Preconditioned "−((m̂ₜ·lr)·a)·r" = "the rectified adaptive step"
                            => m_hat.iter().zip(&adaptive).map(|(m, a)| -(m * lr * a * rect)),
                    ]);
                }
                None => quantities.extend(crate::optim::quantities![
                    vector "effective lr" =
                        "lr / (1 − β₁ᵗ) per coordinate while ρₜ ≤ 5 (multiplies mₜ)"
                        => &vec![lr / e.bias_correction1; m_hat.len()],
                    arrow Momentum "−m̂ₜ·lr" = "ρₜ ≤ 5: a plain momentum step, not adapted"
                        => m_hat.iter().map(|m| -(m * lr)),
                ]),
            }
            quantities
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::optim::OptimizerConfig;

    use super::*;

    use crate::optim::test_support::close;

    #[test]
    fn warm_up_is_momentum_sgd_until_rho_exceeds_five() {
        // β₂ = 0.999: ρ∞ = 1999, ρₜ = 1999 − 2t·0.999ᵗ/(1 − 0.999ᵗ): ρ₁ = 1, ρ₅ ≈ 4.996, ρ₆ ≈ 5.994.
        assert_eq!(rectification(0.999, 1.0, 1.0 - 0.999), None);
        assert_eq!(rectification(0.999, 5.0, 1.0 - 0.999f64.powi(5)), None);
        let r6 = rectification(0.999, 6.0, 1.0 - 0.999f64.powi(6)).expect("ρ₆ > 5");
        // r = √((ρ−4)(ρ−2)ρ∞/((ρ∞−4)(ρ∞−2)ρ)) with ρ₆ = 1999 − 12·0.999⁶/(1 − 0.999⁶).
        let rho = 1999.0 - 12.0 * 0.999f64.powi(6) / (1.0 - 0.999f64.powi(6));
        let expected = ((rho - 4.0) * (rho - 2.0) * 1999.0 / (1995.0 * 1997.0 * rho)).sqrt();
        assert!(
            (r6 - expected).abs() < 1e-12 && (r6 - 0.0258).abs() < 1e-4,
            "{r6}"
        );

        // Step 1 with β₁ = 0.5: m̂ = g, x = (1, 1) − lr·(1, 4) = (0.9, 0.6) for lr = 0.1.
        // Step 2: g = (0.9, 2.4), m = 0.5·(0.5, 2) + 0.5·g = (0.7, 2.2), m̂ = m/0.75.
        let mut optimizer = RAdam::new(
            RAdamConfig {
                lr: 0.1,
                betas: (0.5, 0.999),
                ..RAdamConfig::default()
            },
            2,
        );
        let (mut x, mut oracle) = crate::optim::test_support::on_quadratic([1.0, 1.0]);
        optimizer.step(&mut x, &mut oracle);
        assert!(close(x[0], 0.9) && close(x[1], 0.6), "{x:?}");
        optimizer.step(&mut x, &mut oracle);
        let expected = [0.9 - 0.1 * 0.7 / 0.75, 0.6 - 0.1 * 2.2 / 0.75];
        assert!(
            close(x[0], expected[0]) && close(x[1], expected[1]),
            "{x:?}"
        );
    }

    #[test]
    fn rectified_steps_match_hand_computation() {
        // β₂ = 0.5: ρ∞ = 3 ≤ 5, never rectified. β₂ = 0.9: ρ∞ = 19; ρ₁ = 19 − 2·0.9/0.1 = 1,
        // ρ₂ = 19 − 4·0.81/0.19 = 1.947…, ρ₃ = 19 − 6·0.729/0.271 = 2.86…, ρ₄ ≈ 3.74, ρ₅ ≈ 4.58,
        // ρ₆ ≈ 5.39: the 6th step is the first rectified one. Check it from the moments after
        // five SGD-like steps: m₆ = 0.9·m₅ + 0.1·g, v₆ = 0.9·v₅ + 0.1·g²,
        // x₆ = x₅ − lr·(m₆/(1 − 0.9⁶))·√(1 − 0.9⁶)/√v₆·r.
        let mut optimizer = RAdam::new(
            RAdamConfig {
                lr: 0.01,
                betas: (0.9, 0.9),
                eps: 0.0,
                ..RAdamConfig::default()
            },
            2,
        );
        let (mut x, mut oracle) = crate::optim::test_support::on_quadratic([1.0, 1.0]);
        for _ in 0..5 {
            optimizer.step(&mut x, &mut oracle);
        }
        assert_eq!(rectification(0.5, 100.0, 1.0), None);
        let (m, v, before) = (
            optimizer.exp_avg.clone(),
            optimizer.exp_avg_sq.clone(),
            x.clone(),
        );
        optimizer.step(&mut x, &mut oracle);
        let rho_inf = 19.0;
        let (b1, b2) = (1.0 - 0.9f64.powi(6), 1.0 - 0.9f64.powi(6));
        let rho = rho_inf - 12.0 * 0.9f64.powi(6) / b2;
        assert!((rho - 5.39).abs() < 0.01, "{rho}");
        let r = ((rho - 4.0) * (rho - 2.0) * rho_inf / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho))
            .sqrt();
        let g = [before[0], 4.0 * before[1]];
        for i in 0..2 {
            let m6 = 0.9 * m[i] + 0.1 * g[i];
            let v6 = 0.9 * v[i] + 0.1 * g[i] * g[i];
            let expected = before[i] - 0.01 * (m6 / b1) * b2.sqrt() / v6.sqrt() * r;
            assert!(close(x[i], expected), "{x:?}");
        }
    }

    #[test]
    fn weight_decay_forms_and_maximize() {
        // Step 1 with β₁ = 0.5 is x − lr·g (no adaptation yet).
        // L2 + maximize: g = −(1, 4) + 0.5·(1, 1) = (−0.5, −3.5): x = (1.05, 1.35).
        // Decoupled + maximize: x = 0.95·(1, 1) + 0.1·(1, 4) = (1.05, 1.35) as well.
        for decoupled in [false, true] {
            let mut optimizer = RAdam::new(
                RAdamConfig {
                    lr: 0.1,
                    betas: (0.5, 0.999),
                    weight_decay: 0.5,
                    decoupled_weight_decay: decoupled,
                    maximize: true,
                    ..RAdamConfig::default()
                },
                2,
            );
            let (mut x, mut oracle) = crate::optim::test_support::on_quadratic([1.0, 1.0]);
            optimizer.step(&mut x, &mut oracle);
            assert!(close(x[0], 1.05) && close(x[1], 1.35), "{decoupled}: {x:?}");
        }
    }

    #[test]
    fn live_config_keeps_moments_and_reset_clears_them() {
        let mut optimizer = RAdam::new(RAdamConfig::default(), 2);
        let (mut x, mut oracle) = crate::optim::test_support::on_quadratic([1.0, 1.0]);
        optimizer.step(&mut x, &mut oracle);
        let kept = (optimizer.exp_avg.clone(), optimizer.exp_avg_sq.clone());
        let new = crate::optim::test_support::with_lr::<RAdamConfig>(0.1);
        assert!(optimizer.set_config(&OptimizerConfig::RAdam(new)));
        assert_eq!(optimizer.config.lr, 0.1);
        assert_eq!(
            (optimizer.exp_avg.clone(), optimizer.exp_avg_sq.clone()),
            kept
        );
        assert_eq!(optimizer.step, 1.0);
        optimizer.reset();
        assert!(optimizer.exp_avg.iter().all(|&m| m == 0.0));
        assert!(optimizer.exp_avg_sq.iter().all(|&v| v == 0.0));
        assert_eq!(optimizer.step, 0.0);
    }
}
