//! Adadelta: per-coordinate steps from running averages of squared gradients and squared updates,
//! exactly as `torch.optim.Adadelta`.
//!
//! With gₜ the (minibatch) gradient at xₜ₋₁, v the running average of g² and u the running average
//! of squared updates (both start at 0), one step is, in this order:
//!
//! ```text
//! if maximize:          gₜ ← −gₜ
//! if weight_decay ≠ 0:  gₜ ← gₜ + weight_decay · xₜ₋₁
//! vₜ ← ρ·vₜ₋₁ + (1 − ρ)·gₜ²
//! Δₜ ← √(uₜ₋₁ + eps) / √(vₜ + eps) · gₜ
//! uₜ ← ρ·uₜ₋₁ + (1 − ρ)·Δₜ²
//! xₜ ← xₜ₋₁ − lr · Δₜ
//! ```
//!
//! The ratio of root-mean-squares gives the update the units of x (Zeiler's motivation), so the
//! first steps have size about √eps/√(1 − ρ) whatever the gradient's scale and grow as u fills up.
//!
//! Defaults (torch 2.x): lr = 1.0, rho = 0.9, eps = 1e-6, weight_decay = 0, maximize = false.
//! Validation as torch: 0 ≤ rho ≤ 1, eps ≥ 0, weight_decay ≥ 0; optiviz also requires lr > 0.
//!
//! Rounding follows torch's single-tensor CPU path (`_single_tensor_adadelta`; `foreach`,
//! `capturable` and `differentiable` only change speed or autograd): `add(param, alpha=wd)`,
//! `addcmul_` and `add_(delta, alpha=−lr)` each round once, as the fused multiply-add their CPU
//! kernels compute (fma(wd, x, g), fma((1 − ρ)·g, g, ρ·v), fma(−lr, Δ, x); checked against torch),
//! written with the [`torch_ops`](super::torch_ops) helpers.
//!
//! References: PyTorch documentation and source of `torch.optim.Adadelta`; M. D. Zeiler,
//! "ADADELTA: An Adaptive Learning Rate Method", arXiv:1212.5701 (2012).

use nalgebra::DVector;
use serde::{Deserialize, Serialize};

use super::family::LatestStep;
use super::torch_ops::{add_scaled, addcmul};
use super::{Optimizer, OptimizerSpec, Quantity, StepInfo, ensure_len};
use crate::hyper::hyper_table;
use crate::objective::Oracle;

/// Hyperparameters of `torch.optim.Adadelta`, same names and defaults.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AdadeltaConfig {
    /// Scale of the update (torch's coefficient on Δ; Zeiler's method has lr = 1).
    pub lr: f64,
    /// Decay ρ of both running averages.
    pub rho: f64,
    /// Added inside both square roots; sets the size of the first steps.
    pub eps: f64,
    /// L2 penalty coefficient, added to the gradient as weight_decay · x.
    pub weight_decay: f64,
    /// Ascend instead of descend.
    pub maximize: bool,
}

hyper_table! {
    AdadeltaConfig, owner: Self::DISPLAY_NAME, defaults {};
    lr = 1.0: log_float(1e-3, 10.0) where positive, "x ← x − lr·Δ";
    rho = 0.9: float(0.0, 0.999) where in_range(0.0, 1.0),
        "v ← ρ·v + (1 − ρ)·g², u ← ρ·u + (1 − ρ)·Δ²";
    eps = 1e-6: log_float(1e-10, 1e-1) where non_negative,
        "Δ = √(u + eps)/√(v + eps)·g: sets the first steps' size";
    weight_decay = 0.0: log_float(0.0, 1.0) where non_negative,
        "g ← g + weight_decay·x (an L2 penalty)";
    maximize = false: boolean, "ascend: g ← −g";
}

impl OptimizerSpec for AdadeltaConfig {
    crate::optim::spec_names! {
        "Adadelta": "torch.optim.Adadelta: steps √(avg Δ² + eps)/√(avg g² + eps)·g"
    }

    crate::optim::no_stability_threshold!(NotDerived);

    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        Box::new(Adadelta {
            config: self.clone(),
            grad: DVector::zeros(dim),
            square_avg: DVector::zeros(dim),
            acc_delta: DVector::zeros(dim),
            explained: AdadeltaExplained::new(dim),
        })
    }
}

/// Adadelta's state: the running averages of g² (`square_avg`) and of Δ² (`acc_delta`).
pub struct Adadelta {
    config: AdadeltaConfig,
    grad: DVector<f64>,
    square_avg: DVector<f64>,
    acc_delta: DVector<f64>,
    explained: AdadeltaExplained,
}

/// The latest step's per-coordinate values that the step keeps only in locals, for
/// [`Optimizer::explain`] (preallocated: no allocation per step).
struct AdadeltaExplained {
    /// Whether a step was taken since the last reset, and its lr.
    latest: LatestStep,
    /// gₜ after maximize and weight decay.
    gradient: DVector<f64>,
    /// √(uₜ₋₁ + eps) / √(vₜ + eps).
    ratio: DVector<f64>,
    /// Δₜ.
    delta: DVector<f64>,
}

impl AdadeltaExplained {
    fn new(dim: usize) -> Self {
        Self {
            latest: LatestStep::default(),
            gradient: DVector::zeros(dim),
            ratio: DVector::zeros(dim),
            delta: DVector::zeros(dim),
        }
    }
}

impl Optimizer for Adadelta {
    fn step(&mut self, x: &mut DVector<f64>, oracle: &mut Oracle) -> StepInfo {
        let AdadeltaConfig {
            lr,
            rho,
            eps,
            weight_decay,
            maximize,
        } = self.config;
        let dim = x.len();
        ensure_len(&mut self.grad, dim);
        ensure_len(&mut self.square_avg, dim);
        ensure_len(&mut self.acc_delta, dim);
        let loss = oracle.value_and_grad(x, &mut self.grad);
        let explained = &mut self.explained;
        for buffer in [
            &mut explained.gradient,
            &mut explained.ratio,
            &mut explained.delta,
        ] {
            ensure_len(buffer, dim);
        }
        explained.latest.record(lr);
        let coordinates = x
            .iter_mut()
            .zip(self.grad.iter())
            .zip(self.square_avg.iter_mut().zip(self.acc_delta.iter_mut()));
        for (i, ((p, &g), (square_avg, acc_delta))) in coordinates.enumerate() {
            let mut g = if maximize { -g } else { g };
            if weight_decay != 0.0 {
                g = add_scaled(g, *p, weight_decay);
            }
            *square_avg = addcmul(*square_avg * rho, g, g, 1.0 - rho);
            let std = (*square_avg + eps).sqrt();
            let ratio = (*acc_delta + eps).sqrt() / std;
            let delta = ratio * g;
            explained.gradient[i] = g;
            explained.ratio[i] = ratio;
            explained.delta[i] = delta;
            *acc_delta = addcmul(*acc_delta * rho, delta, delta, 1.0 - rho);
            *p = add_scaled(*p, delta, -lr);
        }
        StepInfo::proceed(loss)
    }

    crate::optim::config_edits!();

    fn reset(&mut self) {
        self.square_avg.fill(0.0);
        self.acc_delta.fill(0.0);
        self.explained.latest.forget();
    }

    fn explain(&self) -> Vec<Quantity> {
        let e = &self.explained;
        e.latest.explain(|lr| {
            crate::optim::quantities![
                vector "gₜ" = "∇f(xₜ₋₁) (negated if maximize; + weight_decay·xₜ₋₁)"
                    => e.gradient.as_slice(),
                vector "vₜ" = "ρ·vₜ₋₁ + (1 − ρ)·gₜ²" => self.square_avg.as_slice(),
                vector "√(uₜ₋₁ + eps) / √(vₜ + eps)" =
                    "the ratio of root-mean-squares: update RMS over gradient RMS"
                    => e.ratio.as_slice(),
                vector "Δₜ" = "√(uₜ₋₁ + eps) / √(vₜ + eps) · gₜ" => e.delta.as_slice(),
                vector "uₜ" = "ρ·uₜ₋₁ + (1 − ρ)·Δₜ²" => self.acc_delta.as_slice(),
                vector "effective lr" =
                    "lr·√(uₜ₋₁ + eps) / √(vₜ + eps) per coordinate (multiplies gₜ)"
                    => &e.ratio.iter().map(|r| lr * r).collect::<Vec<_>>(),
                arrow Gradient "−lr·gₜ" = "where gradient descent with the same lr would go"
                    => e.gradient.iter().map(|g| -lr * g),
                arrow Preconditioned "−lr·Δₜ" = "the Adadelta step"
                    => e.delta.iter().map(|d| -lr * d),
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::optim::OptimizerConfig;

    use super::*;

    #[test]
    fn two_steps_match_the_hand_computation() {
        // From (1, 1), ρ = 0.9, eps = 1e-6, lr = 1: g₁ = (1, 4), v₁ = 0.1·g₁² = (0.1, 1.6),
        // Δ₁ = √(0 + 1e-6)/√(v₁ + 1e-6)·g₁, u₁ = 0.1·Δ₁², x₁ = x₀ − Δ₁.
        // Step 2: g₂ = (x₁, 4y₁), v₂ = 0.9·v₁ + 0.1·g₂², Δ₂ = √(u₁ + 1e-6)/√(v₂ + 1e-6)·g₂.
        let mut adadelta = AdadeltaConfig::default().build(2);
        let (mut x, mut oracle) = crate::optim::test_support::on_quadratic([1.0, 1.0]);
        let info = adadelta.step(&mut x, &mut oracle);
        assert_eq!(info.loss, 2.5);
        let delta1 = [1e-3 / 0.100001f64.sqrt(), 4e-3 / 1.600001f64.sqrt()];
        let x1 = [1.0 - delta1[0], 1.0 - delta1[1]];
        assert!((x[0] - x1[0]).abs() < 1e-14 && (x[1] - x1[1]).abs() < 1e-14);
        adadelta.step(&mut x, &mut oracle);
        let g2 = [x1[0], 4.0 * x1[1]];
        for k in 0..2 {
            let v2 = 0.9 * [0.1, 1.6][k] + 0.1 * g2[k] * g2[k];
            let u1 = 0.1 * delta1[k] * delta1[k];
            let delta2 = (u1 + 1e-6).sqrt() / (v2 + 1e-6).sqrt() * g2[k];
            assert!((x[k] - (x1[k] - delta2)).abs() < 1e-14, "coordinate {k}");
        }
    }

    #[test]
    fn weight_decay_maximize_and_lr_follow_torch_order() {
        // g = (1, 4) → maximize (−1, −4) → + 0.5·x = (−0.5, −3.5); v = 0.1·g²;
        // x ← x − 2·1e-3/√(v + 1e-6)·g.
        let mut adadelta = AdadeltaConfig {
            lr: 2.0,
            weight_decay: 0.5,
            maximize: true,
            ..AdadeltaConfig::default()
        }
        .build(2);
        let (mut x, mut oracle) = crate::optim::test_support::on_quadratic([1.0, 1.0]);
        adadelta.step(&mut x, &mut oracle);
        for (k, g) in [-0.5f64, -3.5].into_iter().enumerate() {
            let expected = 1.0 - 2.0 * 1e-3 / (0.1 * g * g + 1e-6).sqrt() * g;
            assert!((x[k] - expected).abs() < 1e-14);
        }
    }

    #[test]
    fn live_config_keeps_state_and_reset_clears_it() {
        let mut adadelta = AdadeltaConfig::default().build(2);
        let (mut x, mut oracle) = crate::optim::test_support::on_quadratic([1.0, 1.0]);
        adadelta.step(&mut x, &mut oracle);
        let config =
            OptimizerConfig::Adadelta(crate::optim::test_support::with_lr::<AdadeltaConfig>(0.5));
        assert!(adadelta.set_config(&config));
        // With u₁ kept, the second step is not a first step at half the size.
        let mut fresh = config.build(2);
        let (mut a, mut b) = (x.clone(), x.clone());
        adadelta.step(&mut a, &mut oracle);
        fresh.step(&mut b, &mut oracle);
        assert!((a[0] - b[0]).abs() > 1e-6);
        adadelta.reset();
        let mut c = x.clone();
        adadelta.step(&mut c, &mut oracle);
        assert_eq!(c, b);
    }
}
