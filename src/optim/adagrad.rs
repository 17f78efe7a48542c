//! Adagrad: per-coordinate step sizes shrinking with the accumulated squared gradients, exactly as
//! `torch.optim.Adagrad`.
//!
//! With gₜ the (minibatch) gradient at xₜ₋₁ and t counting steps from 1, one step is, in torch's
//! order (`_single_tensor_adagrad`; fused multiply-adds as in [`torch_ops`](super::torch_ops)):
//!
//! ```text
//! if maximize:          gₜ ← −gₜ
//! if weight_decay ≠ 0:  gₜ ← gₜ + weight_decay · xₜ₋₁
//! clr = lr / (1 + (t − 1) · lr_decay)
//! sₜ ← sₜ₋₁ + gₜ · gₜ                         (s₀ = initial_accumulator_value)
//! xₜ ← xₜ₋₁ + (−clr · gₜ) / (√sₜ + eps)
//! ```
//!
//! The accumulator only grows, so each coordinate's step size lr/√sₜ never increases: steep
//! coordinates are tamed at once. While a coordinate's gradients stay bounded away from zero its
//! step size decays like 1/√t on long runs (Adagrad's regret bound for convex problems; its
//! weakness on non-convex ones, which RMSprop fixes by forgetting old gradients). Where the
//! gradients shrink fast, as on a linear approach to a minimum, their squares have a finite sum:
//! sₜ levels off and so does the step size.
//!
//! Defaults (torch 2.x): lr = 1e-2, lr_decay = 0, weight_decay = 0, initial_accumulator_value = 0,
//! eps = 1e-10, maximize = false. Validation as torch: lr_decay ≥ 0, weight_decay ≥ 0,
//! initial_accumulator_value ≥ 0, eps ≥ 0; optiviz also requires lr > 0. The single-tensor dense
//! path is the reference; `foreach`, `fused`, `differentiable` and sparse gradients are not
//! modelled. A live change of initial_accumulator_value takes effect at the next reset, as in torch
//! (it only seeds the state).
//!
//! References: PyTorch documentation and source of `torch.optim.Adagrad`; Duchi, Hazan & Singer,
//! "Adaptive Subgradient Methods for Online Learning and Stochastic Optimization" (JMLR 2011).

use nalgebra::DVector;
use serde::{Deserialize, Serialize};

use super::torch_ops::{addcdiv, addcmul};
use super::weight_decay::{add_weight_decay, signed_gradient};
use super::{ArrowKind, Optimizer, OptimizerSpec, Quantity, StepInfo, ensure_len};
use crate::hyper::hyper_table;
use crate::objective::Oracle;

/// Hyperparameters of `torch.optim.Adagrad`, same names and defaults.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AdagradConfig {
    /// Step size.
    pub lr: f64,
    /// Step-size decay: step t uses lr / (1 + (t − 1)·lr_decay).
    pub lr_decay: f64,
    /// L2 penalty coefficient, added to the gradient as weight_decay · x.
    pub weight_decay: f64,
    /// Starting value of the sum of squared gradients.
    pub initial_accumulator_value: f64,
    /// Added to √sum for numerical stability.
    pub eps: f64,
    /// Ascend instead of descend.
    pub maximize: bool,
}

hyper_table! {
    AdagradConfig, owner: Self::DISPLAY_NAME, defaults {};
    lr = 1e-2: log_float(1e-5, 10.0) where positive,
        "x ← x − clr·g/(√s + eps), s ← s + g², clr = lr/(1 + (t − 1)·lr_decay)";
    lr_decay = 0.0: log_float(0.0, 1.0) where non_negative, "step t uses lr/(1 + (t − 1)·lr_decay)";
    weight_decay = 0.0: log_float(0.0, 1.0) where non_negative,
        "g ← g + weight_decay·x (an L2 penalty)";
    initial_accumulator_value = 0.0: float(0.0, 10.0) where non_negative,
        "s₀: the sum of squared gradients starts here (takes effect at reset)";
    eps = 1e-10: log_float(1e-12, 1.0) where non_negative, "added to √s in the denominator";
    maximize = false: boolean, "ascend: g ← −g";
}

impl OptimizerSpec for AdagradConfig {
    crate::optim::spec_names! {
        "Adagrad": "torch.optim.Adagrad: per-coordinate steps lr/√(Σ g²), optional lr_decay"
    }

    crate::optim::no_stability_threshold!(PreconditionerHidden);

    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        Box::new(Adagrad::new(self.clone(), dim))
    }
}

/// Adagrad's state: the per-coordinate sum of squared gradients and the step count.
pub struct Adagrad {
    config: AdagradConfig,
    grad: DVector<f64>,
    sum: DVector<f64>,
    /// Steps taken, a float like torch's `state["step"]`.
    step: f64,
    /// lr and clr = lr/(1 + (t − 1)·lr_decay) of the latest step, for [`Optimizer::explain`].
    explained_lr: f64,
    explained_clr: f64,
    /// eps of the latest step.
    explained_eps: f64,
}

impl Adagrad {
    fn new(config: AdagradConfig, dim: usize) -> Self {
        let sum = DVector::from_element(dim, config.initial_accumulator_value);
        Self {
            config,
            grad: DVector::zeros(dim),
            sum,
            step: 0.0,
            explained_lr: 0.0,
            explained_clr: 0.0,
            explained_eps: 0.0,
        }
    }
}

impl Optimizer for Adagrad {
    fn step(&mut self, x: &mut DVector<f64>, oracle: &mut Oracle) -> StepInfo {
        let AdagradConfig {
            lr,
            lr_decay,
            weight_decay,
            initial_accumulator_value,
            eps,
            maximize,
        } = self.config;
        let dim = x.len();
        ensure_len(&mut self.grad, dim);
        if self.sum.len() != dim {
            self.sum = DVector::from_element(dim, initial_accumulator_value);
        }
        let loss = signed_gradient(oracle, x, &mut self.grad, maximize);
        self.step += 1.0;
        add_weight_decay(&mut self.grad, x, weight_decay);
        let clr = lr / (1.0 + (self.step - 1.0) * lr_decay);
        (self.explained_lr, self.explained_clr) = (lr, clr);
        self.explained_eps = eps;
        for ((p, s), &g) in x.iter_mut().zip(self.sum.iter_mut()).zip(self.grad.iter()) {
            *s = addcmul(*s, g, g, 1.0);
            let std = s.sqrt() + eps;
            *p = addcdiv(*p, g, std, -clr);
        }
        StepInfo::proceed(loss)
    }

    crate::optim::config_edits!();

    fn reset(&mut self) {
        self.sum.fill(self.config.initial_accumulator_value);
        self.step = 0.0;
    }

    fn explain(&self) -> Vec<Quantity> {
        crate::optim::explain_once_stepped(self.step > 0.0, || {
            let (lr, clr) = (self.explained_lr, self.explained_clr);
            let std: Vec<f64> = self
                .sum
                .iter()
                .map(|s| s.sqrt() + self.explained_eps)
                .collect();
            vec![
                Quantity::vector(
                    "gₜ",
                    "∇f(xₜ₋₁) (negated if maximize; + weight_decay·xₜ₋₁)",
                    self.grad.as_slice(),
                ),
                Quantity::scalar("clr", "lr / (1 + (t − 1)·lr_decay)", clr),
                Quantity::vector("sₜ", "sₜ₋₁ + gₜ·gₜ", self.sum.as_slice()),
                Quantity::vector(
                    "effective lr",
                    "clr / (√sₜ + eps) per coordinate (multiplies gₜ)",
                    &std.iter().map(|s| clr / s).collect::<Vec<_>>(),
                ),
                Quantity::gradient_arrow(lr, &self.grad),
                Quantity::arrow(
                    ArrowKind::Preconditioned,
                    "(−clr·gₜ) / (√sₜ + eps)",
                    "the Adagrad step",
                    self.grad.iter().zip(&std).map(|(g, s)| -clr * g / s),
                ),
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::optim::OptimizerConfig;

    use super::*;

    use crate::optim::test_support::{close, iterate, quadratic};

    #[test]
    fn three_steps_match_hand_computation() {
        // lr = 0.1, lr_decay = 0.5, initial_accumulator_value = 1, eps = 0, from (1, 1):
        // t = 1: g = (1, 4), s = (2, 17), clr = 0.1: x = 1 − 0.1/√2, y = 1 − 0.4/√17.
        // t = 2: clr = 0.1/1.5; g = (x, 4y); s += g²; x ← x − clr·g/√s.
        // t = 3: clr = 0.1/2.
        let mut optimizer = Adagrad::new(
            AdagradConfig {
                lr: 0.1,
                lr_decay: 0.5,
                initial_accumulator_value: 1.0,
                eps: 0.0,
                ..AdagradConfig::default()
            },
            2,
        );
        let (mut x, mut oracle) = crate::optim::test_support::on_quadratic([1.0, 1.0]);
        let mut expected = [1.0 - 0.1 / 2f64.sqrt(), 1.0 - 0.4 / 17f64.sqrt()];
        let mut sum = [2.0, 17.0];
        let info = optimizer.step(&mut x, &mut oracle);
        assert_eq!(info.loss, 2.5);
        assert!(close(x[0], expected[0]) && close(x[1], expected[1]));
        for clr in [0.1 / 1.5, 0.1 / 2.0] {
            optimizer.step(&mut x, &mut oracle);
            let g = [expected[0], 4.0 * expected[1]];
            for i in 0..2 {
                sum[i] += g[i] * g[i];
                expected[i] -= clr * g[i] / sum[i].sqrt();
            }
            assert!(close(x[0], expected[0]) && close(x[1], expected[1]));
            assert!(close(optimizer.sum[0], sum[0]) && close(optimizer.sum[1], sum[1]));
        }
    }

    #[test]
    fn weight_decay_and_maximize_follow_torch_order() {
        // g = (1, 4) → maximize (−1, −4) → + 0.5·x = (−0.5, −3.5); s = g²; x ← x − 0.1·g/|g|.
        let config = AdagradConfig {
            lr: 0.1,
            weight_decay: 0.5,
            maximize: true,
            eps: 0.0,
            ..AdagradConfig::default()
        };
        let x = iterate(&config, &mut quadratic(), [1.0, 1.0], 1);
        assert!(close(x[0], 1.1) && close(x[1], 1.1), "{x:?}");
    }

    #[test]
    fn live_config_keeps_the_accumulator_and_reset_restores_it() {
        let mut optimizer = Adagrad::new(AdagradConfig::default(), 2);
        let (mut x, mut oracle) = crate::optim::test_support::on_quadratic([1.0, 1.0]);
        optimizer.step(&mut x, &mut oracle);
        assert_eq!(optimizer.sum.as_slice(), [1.0, 16.0]);
        let new = AdagradConfig {
            lr: 0.3,
            initial_accumulator_value: 0.5,
            ..AdagradConfig::default()
        };
        assert!(optimizer.set_config(&OptimizerConfig::Adagrad(new)));
        assert_eq!(optimizer.config.lr, 0.3);
        assert_eq!(optimizer.sum.as_slice(), [1.0, 16.0]);
        assert_eq!(optimizer.step, 1.0);
        optimizer.reset();
        assert_eq!(optimizer.sum.as_slice(), [0.5, 0.5]);
        assert_eq!(optimizer.step, 0.0);
    }
}
