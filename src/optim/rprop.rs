//! Rprop: resilient backpropagation, steps of a per-coordinate size adapted from the gradient's
//! sign alone, exactly as `torch.optim.Rprop`.
//!
//! Each coordinate i keeps a step size Δᵢ (initially lr) and the previous (possibly zeroed)
//! gradient pᵢ (initially 0). With gₜ the (minibatch) gradient at xₜ₋₁, one step is, in this order:
//!
//! ```text
//! if maximize: gₜ ← −gₜ
//! sᵢ ← sign(gₜ,ᵢ · pᵢ)                          (sign(0) = 0)
//! ηᵢ ← etas[1] if sᵢ > 0, etas[0] if sᵢ < 0, 1 if sᵢ = 0
//! Δᵢ ← clamp(Δᵢ · ηᵢ, step_sizes[0], step_sizes[1])
//! gₜ,ᵢ ← 0 where ηᵢ = etas[0]                   (the sign flipped: skip this coordinate once)
//! xₜ,ᵢ ← xₜ₋₁,ᵢ − sign(gₜ,ᵢ) · Δᵢ
//! pᵢ ← gₜ,ᵢ
//! ```
//!
//! Zeroing the gradient where its sign flipped (the "Rprop⁻"/iRprop⁻ variant torch implements) makes
//! the next step treat that coordinate as s = 0: its step size is kept, not shrunk twice. Only the
//! sign of the gradient matters, so Rprop is invariant to rescaling f; it is a full-batch method
//! (minibatch noise flips signs at random and shrinks every Δ).
//!
//! Defaults (torch 2.x): lr = 1e-2, etas = (0.5, 1.2), step_sizes = (1e-6, 50), maximize = false.
//! Validation as torch: 0 < etas[0] < 1 < etas[1]; optiviz also requires lr > 0 and finite step
//! sizes. As in torch, lr only seeds the step sizes at the first step: changing it later (live
//! edits, schedules) has no effect until the state is reset.
//!
//! Rounding follows torch's single-tensor CPU path (`_single_tensor_rprop`; `foreach`,
//! `capturable` and `differentiable` only change speed or autograd). `clamp` propagates NaN and,
//! for step_sizes[0] > step_sizes[1], gives step_sizes[1], as torch's clamp does.
//!
//! References: PyTorch documentation and source of `torch.optim.Rprop`; M. Riedmiller &
//! H. Braun, "A direct adaptive method for faster backpropagation learning: the RPROP algorithm",
//! IEEE ICNN 1993; C. Igel & M. Hüsken, "Improving the Rprop learning algorithm" (2000).

use nalgebra::DVector;
use serde::{Deserialize, Serialize};

use super::family::LatestStep;
use super::torch_ops::addcmul;
use super::{Optimizer, OptimizerSpec, Quantity, StepInfo, ensure_len};
use crate::hyper::{Hypers, hyper_table};
use crate::objective::Oracle;
use crate::validate::Checker;

/// Hyperparameters of `torch.optim.Rprop`, same names and defaults.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RpropConfig {
    /// Initial step size of every coordinate.
    pub lr: f64,
    /// (η⁻, η⁺): the step-size factors after a sign flip and after a sign agreement.
    pub etas: (f64, f64),
    /// (minimal, maximal) step size.
    pub step_sizes: (f64, f64),
    /// Ascend instead of descend.
    pub maximize: bool,
}

hyper_table! {
    RpropConfig, owner: Self::DISPLAY_NAME, defaults { etas: (0.5, 1.2), step_sizes: (1e-6, 50.0) };
    lr = 1e-2: log_float(1e-5, 1.0) where positive,
        "initial step size Δ of every coordinate (used at the first step only)";
    etas.0 as "etas[0]": float(0.05, 0.95),
        "η⁻: Δ ← η⁻·Δ when the gradient's sign flips (and that coordinate waits a step)";
    etas.1 as "etas[1]": float(1.05, 3.0), "η⁺: Δ ← η⁺·Δ when the gradient keeps its sign";
    step_sizes.0 as "step_sizes[0]": log_float(1e-9, 1e-2),
        "smallest step size: Δ ← max(Δ, step_sizes[0])";
    step_sizes.1 as "step_sizes[1]": log_float(1e-2, 100.0),
        "largest step size: Δ ← min(Δ, step_sizes[1])";
    maximize = false: boolean, "ascend: g ← −g";
}

impl OptimizerSpec for RpropConfig {
    crate::optim::spec_names! {
        "Rprop": "torch.optim.Rprop: sign-based steps, sizes ×1.2 on agreement, ×0.5 on a flip"
    }

    fn validate(&self, checker: &mut Checker) {
        self.validate_rows(checker);
        let (minus, plus) = self.etas;
        if !(0.0 < minus && minus < 1.0 && 1.0 < plus && plus.is_finite()) {
            checker.report(
                "etas",
                format!("etas must satisfy 0 < etas[0] < 1 < etas[1], got ({minus}, {plus})"),
            );
        }
        checker.finite("step_sizes[0]", self.step_sizes.0);
        checker.finite("step_sizes[1]", self.step_sizes.1);
    }

    crate::optim::no_stability_threshold!(NotDerived);

    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        Box::new(Rprop {
            config: self.clone(),
            grad: DVector::zeros(dim),
            prev: DVector::zeros(dim),
            step_size: DVector::zeros(dim),
            initialized: false,
            explained: RpropExplained {
                latest: LatestStep::default(),
                gradient: DVector::zeros(dim),
                eta: DVector::zeros(dim),
            },
        })
    }
}

/// Rprop's state: the previous (zeroed-where-flipped) gradient and the per-coordinate step sizes,
/// created at the first step as torch does.
pub struct Rprop {
    config: RpropConfig,
    grad: DVector<f64>,
    prev: DVector<f64>,
    step_size: DVector<f64>,
    initialized: bool,
    explained: RpropExplained,
}

/// The latest step's per-coordinate values that the step keeps only in locals, for
/// [`Optimizer::explain`] (preallocated: no allocation per step).
struct RpropExplained {
    /// Whether a step was taken since the last reset, and its lr.
    latest: LatestStep,
    /// gₜ after maximize, before the zeroing where the sign flipped.
    gradient: DVector<f64>,
    /// ηᵢ.
    eta: DVector<f64>,
}

/// torch.sign: −1, 0 or 1, NaN for NaN.
fn sign(v: f64) -> f64 {
    if v > 0.0 {
        1.0
    } else if v < 0.0 {
        -1.0
    } else if v == 0.0 {
        0.0
    } else {
        f64::NAN
    }
}

/// torch.clamp(v, low, high) = min(max(v, low), high) with NaN propagated (never panics, unlike
/// `f64::clamp` with low > high).
fn clamp(v: f64, low: f64, high: f64) -> f64 {
    if v.is_nan() {
        return v;
    }
    let raised = if v < low { low } else { v };
    if high < raised { high } else { raised }
}

impl Optimizer for Rprop {
    fn step(&mut self, x: &mut DVector<f64>, oracle: &mut Oracle) -> StepInfo {
        let RpropConfig {
            lr,
            etas: (etaminus, etaplus),
            step_sizes: (step_size_min, step_size_max),
            maximize,
        } = self.config;
        let dim = x.len();
        ensure_len(&mut self.grad, dim);
        if !self.initialized || self.prev.len() != dim || self.step_size.len() != dim {
            // torch: prev = zeros, step_size = full_like(grad, lr), at the first step.
            ensure_len(&mut self.prev, dim);
            ensure_len(&mut self.step_size, dim);
            self.prev.fill(0.0);
            self.step_size.fill(lr);
            self.initialized = true;
        }
        let loss = oracle.value_and_grad(x, &mut self.grad);
        let explained = &mut self.explained;
        ensure_len(&mut explained.gradient, dim);
        ensure_len(&mut explained.eta, dim);
        explained.latest.record(lr);
        let coordinates = x
            .iter_mut()
            .zip(self.grad.iter())
            .zip(self.prev.iter_mut().zip(self.step_size.iter_mut()));
        for (i, ((p, &g), (prev, step_size))) in coordinates.enumerate() {
            let mut g = if maximize { -g } else { g };
            let s = sign(g * *prev);
            // torch overwrites sign in place: > 0 → etaplus, then < 0 → etaminus, then 0 → 1.
            let eta = if s > 0.0 {
                etaplus
            } else if s < 0.0 {
                etaminus
            } else if s == 0.0 {
                1.0
            } else {
                s
            };
            explained.gradient[i] = g;
            explained.eta[i] = eta;
            *step_size = clamp(*step_size * eta, step_size_min, step_size_max);
            if eta == etaminus {
                g = 0.0;
            }
            // param.addcmul_(grad.sign(), step_size, value=-1)
            *p = addcmul(*p, sign(g), *step_size, -1.0);
            *prev = g;
        }
        StepInfo::proceed(loss)
    }

    crate::optim::config_edits!();

    fn reset(&mut self) {
        // The next step re-creates prev and the step sizes from the lr in force then.
        self.initialized = false;
        self.explained.latest.forget();
    }

    fn explain(&self) -> Vec<Quantity> {
        let e = &self.explained;
        e.latest.explain(|lr| {
            crate::optim::quantities![
                vector "gₜ" = "∇f(xₜ₋₁) (negated if maximize)" => e.gradient.as_slice(),
                vector "ηᵢ" = "etas[1] if gₜ,ᵢ·pᵢ > 0, etas[0] if < 0 (then gₜ,ᵢ ← 0), else 1"
                    => e.eta.as_slice(),
                vector "Δᵢ" = "clamp(Δᵢ·ηᵢ, step_sizes[0], step_sizes[1])"
                    => self.step_size.as_slice(),
                arrow Gradient "−lr·gₜ" =
                    "where gradient descent with lr (the initial step size) would go"
                    => e.gradient.iter().map(|g| -lr * g),
                arrow Preconditioned "−sign(gₜ,ᵢ)·Δᵢ" =
                    "the Rprop step: only the gradient's sign, each coordinate its own step size"
                    => self.prev.iter().zip(self.step_size.iter()).map(|(&g, &d)| -sign(g) * d),
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::optim::OptimizerConfig;

    use super::*;

    use crate::optim::test_support::{assert_path_close, path_on_quadratic, with_lr};

    #[test]
    fn four_steps_match_the_hand_computation() {
        // lr = 0.3 from (1, 0.2), ∇f = (x, 4y):
        // 1: g = (1, 0.8), prev = 0 → s = 0, η = 1, Δ = (0.3, 0.3), x = (0.7, −0.1), prev = g.
        // 2: g = (0.7, −0.4): s = (+, −) → Δ = (0.36, 0.15); g_y zeroed → x = (0.34, −0.1),
        //    prev = (0.7, 0).
        // 3: g = (0.34, −0.4): s = (+, 0) → Δ = (0.432, 0.15), x = (−0.092, 0.05), prev = g.
        // 4: g = (−0.092, 0.2): s = (−, −) → Δ = (0.216, 0.075), both zeroed → x unchanged.
        let got = path_on_quadratic(&with_lr::<RpropConfig>(0.3), [1.0, 0.2], 4);
        let expected = [[0.7, -0.1], [0.34, -0.1], [-0.092, 0.05], [-0.092, 0.05]];
        assert_path_close(&got, &expected);
    }

    #[test]
    fn step_sizes_are_clamped_and_sign_zero_does_not_move() {
        // From (1, 0): g_y = 0 so y never moves; Δ_x grows 0.01·1.2ᵏ but is capped at 0.015.
        let got = path_on_quadratic(
            &RpropConfig {
                step_sizes: (1e-6, 0.015),
                ..RpropConfig::default()
            },
            [1.0, 0.0],
            4,
        );
        // Δ: 0.01, 0.012, 0.0144, 0.015 (capped).
        let expected_x = [0.99, 0.978, 0.9636, 0.9486];
        for (a, e) in got.iter().zip(expected_x) {
            assert!((a[0] - e).abs() < 1e-14 && a[1] == 0.0, "{a:?} vs {e}");
        }
    }

    #[test]
    fn maximize_ascends() {
        let got = path_on_quadratic(
            &RpropConfig {
                maximize: true,
                ..RpropConfig::default()
            },
            [1.0, -1.0],
            1,
        );
        assert_eq!(got[0], [1.01, -1.01]);
    }

    #[test]
    fn live_config_keeps_step_sizes_and_reset_reseeds_them() {
        let mut rprop = RpropConfig::default().build(2);
        let (mut x, mut oracle) = crate::optim::test_support::on_quadratic([1.0, 1.0]);
        for _ in 0..3 {
            rprop.step(&mut x, &mut oracle);
        }
        // Δ = 0.01·1.2² = 0.0144 after three agreeing steps; a new lr does not touch it.
        let config = crate::optim::test_support::with_lr::<RpropConfig>(0.5);
        assert!(rprop.set_config(&OptimizerConfig::Rprop(config)));
        let before = x.clone();
        rprop.step(&mut x, &mut oracle);
        assert!((before[0] - x[0] - 0.01 * 1.2f64.powi(3)).abs() < 1e-15);
        rprop.reset();
        let before = x.clone();
        rprop.step(&mut x, &mut oracle);
        assert!((before[0] - x[0] - 0.5).abs() < 1e-15);
    }

    #[test]
    fn torch_validation() {
        for etas in [(0.0, 1.2), (0.5, 1.0), (1.0, 1.2), (0.5, f64::NAN)] {
            let mut checker = Checker::new();
            RpropConfig {
                etas,
                ..RpropConfig::default()
            }
            .validate(&mut checker);
            assert_eq!(checker.found.len(), 1, "{etas:?}");
            assert_eq!(checker.found[0].path, "etas");
        }
    }
}
