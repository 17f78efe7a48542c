//! Adamax: Adam with the infinity norm in place of the second moment, exactly as
//! `torch.optim.Adamax`.
//!
//! With gₜ the (minibatch) gradient at xₜ₋₁ and t counting steps from 1, one step is, in torch's
//! order (`_single_tensor_adamax`; fused multiply-adds as in [`torch_ops`](super::torch_ops)):
//!
//! ```text
//! if maximize:          gₜ ← −gₜ
//! if weight_decay ≠ 0:  gₜ ← gₜ + weight_decay · xₜ₋₁
//! mₜ ← mₜ₋₁ + (1 − β₁) · (gₜ − mₜ₋₁)                 (exp_avg.lerp_)
//! uₜ ← max(uₜ₋₁ · β₂, |gₜ| + eps)                   (exp_inf, NaN-propagating maximum)
//! clr = lr / (1 − β₁ᵗ)
//! xₜ ← xₜ₋₁ + (−clr · mₜ) / uₜ
//! ```
//!
//! uₜ is the exponentially weighted infinity norm max(β₂ᵗ⁻¹|g₁|, …, |gₜ|) (the limit p → ∞ of an
//! Adam with Lᵖ moments), which needs no bias correction; torch adds eps inside the maximum, so
//! the denominator is never below eps. There is no square root, so this one matches torch's MKL
//! builds bit for bit.
//!
//! Defaults (torch 2.x): lr = 2e-3, betas = (0.9, 0.999), eps = 1e-8, weight_decay = 0,
//! maximize = false. Validation as torch: 0 ≤ β₁, β₂ < 1, eps ≥ 0, weight_decay ≥ 0; optiviz also
//! requires lr > 0. The single-tensor path is the reference (its non-differentiable branch, which
//! takes `torch.maximum` where the differentiable one takes the `amax` of the stacked pair: the
//! same values); `foreach`, `capturable`, `differentiable` are not modelled.
//!
//! References: PyTorch documentation and source of `torch.optim.Adamax`; Kingma & Ba, "Adam: A
//! Method for Stochastic Optimization" (ICLR 2015), §7.1.

use nalgebra::DVector;
use serde::{Deserialize, Serialize};

use super::adam::check_betas;
use super::torch_ops::{addcdiv, lerp, maximum, py_pow};
use super::weight_decay::{add_weight_decay, signed_gradient};
use super::{ArrowKind, Optimizer, OptimizerSpec, Quantity, StepInfo, ensure_len};
use crate::hyper::{Hypers, hyper_table};
use crate::objective::Oracle;
use crate::validate::Checker;

/// Hyperparameters of `torch.optim.Adamax`, same names and defaults.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AdamaxConfig {
    /// Step size.
    pub lr: f64,
    /// Decay rates (β₁, β₂) of the running mean of gradients and of the infinity norm.
    pub betas: (f64, f64),
    /// Added to |g| inside the maximum, a floor for the denominator.
    pub eps: f64,
    /// L2 penalty coefficient, added to the gradient as weight_decay · x.
    pub weight_decay: f64,
    /// Ascend instead of descend.
    pub maximize: bool,
}

hyper_table! {
    AdamaxConfig, owner: Self::DISPLAY_NAME, defaults { betas: (0.9, 0.999) };
    lr = 2e-3: log_float(1e-5, 1.0) where positive,
        "x ← x − lr/(1 − β₁ᵗ) · m/u: each step is at most about lr long";
    betas.0 as "betas[0]": float(0.0, 0.999),
        "β₁: m ← m + (1 − β₁)·(g − m), the running mean of gradients";
    betas.1 as "betas[1]": float(0.0, 0.9999),
        "β₂: u ← max(β₂·u, |g| + eps), the decaying infinity norm";
    eps = 1e-8: log_float(1e-12, 1.0) where non_negative, "added to |g| inside the maximum";
    weight_decay = 0.0: log_float(0.0, 1.0), "g ← g + weight_decay·x (an L2 penalty)";
    maximize = false: boolean, "ascend: g ← −g";
}

impl OptimizerSpec for AdamaxConfig {
    const DISPLAY_NAME: &'static str = "Adamax";
    const DESCRIPTION: &'static str = "torch.optim.Adamax: Adam with an exponentially weighted \
        infinity norm";

    fn validate(&self, checker: &mut Checker) {
        self.validate_rows(checker);
        check_betas(self.betas, checker);
        checker.non_negative("weight_decay", self.weight_decay);
    }

    crate::optim::no_stability_threshold!(PreconditionerHidden);

    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        Box::new(Adamax::new(self.clone(), dim))
    }
}

/// Adamax's state: the running mean of gradients, the infinity norm and the step count.
pub struct Adamax {
    config: AdamaxConfig,
    grad: DVector<f64>,
    exp_avg: DVector<f64>,
    exp_inf: DVector<f64>,
    /// Steps taken, a float like torch's `state["step"]`.
    step: f64,
    /// lr and clr = lr/(1 − β₁ᵗ) of the latest step, for [`Optimizer::explain`].
    explained_lr: f64,
    explained_clr: f64,
}

impl Adamax {
    fn new(config: AdamaxConfig, dim: usize) -> Self {
        Self {
            config,
            grad: DVector::zeros(dim),
            exp_avg: DVector::zeros(dim),
            exp_inf: DVector::zeros(dim),
            step: 0.0,
            explained_lr: 0.0,
            explained_clr: 0.0,
        }
    }
}

impl Optimizer for Adamax {
    fn step(&mut self, x: &mut DVector<f64>, oracle: &mut Oracle) -> StepInfo {
        let AdamaxConfig {
            lr,
            betas: (beta1, beta2),
            eps,
            weight_decay,
            maximize,
        } = self.config;
        let dim = x.len();
        for buffer in [&mut self.grad, &mut self.exp_avg, &mut self.exp_inf] {
            ensure_len(buffer, dim);
        }
        let loss = signed_gradient(oracle, x, &mut self.grad, maximize);
        self.step += 1.0;
        add_weight_decay(&mut self.grad, x, weight_decay);
        let clr = lr / (1.0 - py_pow(beta1, self.step));
        self.explained_lr = lr;
        self.explained_clr = clr;
        for i in 0..dim {
            let g = self.grad[i];
            self.exp_avg[i] = lerp(self.exp_avg[i], g, 1.0 - beta1);
            self.exp_inf[i] = maximum(self.exp_inf[i] * beta2, g.abs() + eps);
            x[i] = addcdiv(x[i], self.exp_avg[i], self.exp_inf[i], -clr);
        }
        StepInfo::proceed(loss)
    }

    crate::optim::config_edits!();

    fn reset(&mut self) {
        self.exp_avg.fill(0.0);
        self.exp_inf.fill(0.0);
        self.step = 0.0;
    }

    fn explain(&self) -> Vec<Quantity> {
        crate::optim::explain_once_stepped(self.step > 0.0, || {
            let (lr, clr) = (self.explained_lr, self.explained_clr);
            vec![
                Quantity::vector(
                    "gₜ",
                    "∇f(xₜ₋₁) (negated if maximize; + weight_decay·xₜ₋₁)",
                    self.grad.as_slice(),
                ),
                Quantity::vector("mₜ", "mₜ₋₁ + (1 − β₁)·(gₜ − mₜ₋₁)", self.exp_avg.as_slice()),
                Quantity::vector("uₜ", "max(uₜ₋₁·β₂, |gₜ| + eps)", self.exp_inf.as_slice()),
                Quantity::scalar("clr", "lr / (1 − β₁ᵗ)", clr),
                Quantity::vector(
                    "effective lr",
                    "clr / uₜ per coordinate (multiplies mₜ)",
                    &self.exp_inf.iter().map(|u| clr / u).collect::<Vec<_>>(),
                ),
                Quantity::gradient_arrow(lr, &self.grad),
                Quantity::arrow(
                    ArrowKind::Preconditioned,
                    "(−clr·mₜ) / uₜ",
                    "the Adamax step: at most about lr per coordinate",
                    self.exp_avg
                        .iter()
                        .zip(self.exp_inf.iter())
                        .map(|(m, u)| -clr * m / u),
                ),
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::optim::OptimizerConfig;
    use crate::optim::test_support::axis_quadratic;

    use super::*;

    use crate::optim::test_support::close;

    #[test]
    fn three_steps_match_hand_computation() {
        // f = ½(x² + y²) from (1, 1), lr = 0.9, betas = (0.5, 0.75), eps = 0 (both coordinates
        // alike):
        // t = 1: g = 1, m = 0.5, u = max(0, 1) = 1, clr = 0.9/0.5 = 1.8: x = 1 − 1.8·0.5 = 0.1.
        // t = 2: g = 0.1, m = 0.5·0.5 + 0.5·0.1 = 0.3, u = max(0.75·1, 0.1) = 0.75 (the decayed
        //        norm wins), clr = 0.9/0.75 = 1.2: x = 0.1 − 1.2·0.3/0.75 = −0.38.
        // t = 3: g = −0.38, m = 0.15 − 0.19 = −0.04, u = max(0.5625, 0.38) = 0.5625,
        //        clr = 0.9/0.875: x = −0.38 + (0.9/0.875)·0.04/0.5625.
        let mut optimizer = Adamax::new(
            AdamaxConfig {
                lr: 0.9,
                betas: (0.5, 0.75),
                eps: 0.0,
                ..AdamaxConfig::default()
            },
            2,
        );
        let mut oracle = axis_quadratic(1.0);
        let mut x = DVector::from_vec(vec![1.0, 1.0]);
        let expected = [0.1, -0.38, -0.38 + (0.9 / 0.875) * 0.04 / 0.5625];
        let norms = [1.0, 0.75, 0.5625];
        for (t, (&expected, &norm)) in expected.iter().zip(&norms).enumerate() {
            optimizer.step(&mut x, &mut oracle);
            assert!(close(optimizer.exp_inf[0], norm), "t = {}", t + 1);
            assert!(
                close(x[0], expected) && close(x[1], expected),
                "t = {}: {x:?}",
                t + 1
            );
        }
    }

    #[test]
    fn eps_floors_the_norm_and_weight_decay_and_maximize_follow_torch_order() {
        // f = ½(x² + 4y²) at (1, 1): g = (1, 4) → maximize (−1, −4) → + 0.5·x = (−0.5, −3.5);
        // u = |g| + eps; x ← x + 0.1·(0.5/(0.5 + eps), 3.5/(3.5 + eps)).
        let eps = 0.25;
        let mut optimizer = Adamax::new(
            AdamaxConfig {
                lr: 0.1,
                eps,
                weight_decay: 0.5,
                maximize: true,
                ..AdamaxConfig::default()
            },
            2,
        );
        let mut oracle = axis_quadratic(4.0);
        let mut x = DVector::from_vec(vec![1.0, 1.0]);
        optimizer.step(&mut x, &mut oracle);
        assert!(close(optimizer.exp_inf[1], 3.75));
        assert!(close(x[0], 1.0 + 0.1 * 0.5 / 0.75) && close(x[1], 1.0 + 0.1 * 3.5 / 3.75));
    }

    #[test]
    fn live_config_keeps_moments_and_reset_clears_them() {
        let mut optimizer = Adamax::new(AdamaxConfig::default(), 2);
        let mut oracle = axis_quadratic(4.0);
        let mut x = DVector::from_vec(vec![1.0, 1.0]);
        optimizer.step(&mut x, &mut oracle);
        let kept = (optimizer.exp_avg.clone(), optimizer.exp_inf.clone());
        let new = crate::optim::test_support::with_lr::<AdamaxConfig>(0.1);
        assert!(optimizer.set_config(&OptimizerConfig::Adamax(new)));
        assert_eq!(optimizer.config.lr, 0.1);
        assert_eq!((optimizer.exp_avg.clone(), optimizer.exp_inf.clone()), kept);
        assert_eq!(optimizer.step, 1.0);
        optimizer.reset();
        assert!(
            optimizer
                .exp_avg
                .iter()
                .chain(optimizer.exp_inf.iter())
                .all(|&v| v == 0.0)
        );
        assert_eq!(optimizer.step, 0.0);
    }
}
