//! SGD: (stochastic) gradient descent with optional heavy-ball or Nesterov momentum, exactly as
//! `torch.optim.SGD`.
//!
//! With gₜ the (minibatch) gradient at xₜ₋₁, one step is, in this order:
//!
//! ```text
//! if maximize:          gₜ ← −gₜ
//! if weight_decay ≠ 0:  gₜ ← gₜ + weight_decay · xₜ₋₁
//! if momentum ≠ 0:
//!     bₜ ← gₜ                                   (first step)
//!     bₜ ← momentum · bₜ₋₁ + (1 − dampening) · gₜ (later steps)
//!     gₜ ← gₜ + momentum · bₜ   if nesterov, else gₜ ← bₜ
//! xₜ ← xₜ₋₁ − lr · gₜ
//! ```
//!
//! Defaults (torch 2.x): lr = 1e-3, momentum = 0, dampening = 0, weight_decay = 0,
//! nesterov = false, maximize = false. Validation as torch: momentum ≥ 0, weight_decay ≥ 0, Nesterov
//! needs momentum > 0 and dampening = 0; optiviz also requires lr > 0.
//!
//! Rounding follows torch's single-tensor CPU path (`_single_tensor_sgd`; `foreach`, `fused` and
//! `differentiable` only change speed or autograd): `grad.add(param, alpha=weight_decay)`,
//! `buf.mul_(momentum).add_(grad, alpha=1 − dampening)`, `grad.add(buf, alpha=momentum)` and
//! `param.add_(grad, alpha=−lr)` each round once, as the fused multiply-add torch's AVX2 kernels
//! compute: fma(wd, x, g), fma(1 − d, g, μ·b), fma(μ, b, g), fma(−lr, g, x) (see
//! [`torch_ops`](super::torch_ops)). The iterates then match torch's to the last bit
//! (tests/golden_sgd.rs).
//!
//! Full-batch gradient descent is this optimizer on the full sum (no batch size). Note torch's
//! momentum form: the step is lr·b with b accumulating raw gradients, which matches the textbook
//! heavy ball xₜ = xₜ₋₁ − α∇f + β(xₜ₋₁ − xₜ₋₂) with α = lr(1 − dampening), β = momentum after the
//! first step; GD with momentum is stable on a quadratic with curvature λ for
//! lr·λ < 2(1 + momentum)/(1 − dampening).
//!
//! References: PyTorch documentation and source of `torch.optim.SGD` (`_single_tensor_sgd`);
//! Polyak, "Some methods of speeding up the convergence of iteration methods" (1964);
//! Sutskever, Martens, Dahl & Hinton, "On the importance of initialization and momentum in deep
//! learning" (ICML 2013) for the Nesterov form.

use nalgebra::DVector;
use serde::{Deserialize, Serialize};

use super::torch_ops::add_scaled;
use super::weight_decay::{add_weight_decay, signed_gradient};
use super::{ArrowKind, Optimizer, OptimizerSpec, Quantity, StepInfo, Threshold, ensure_len};
use crate::hyper::{Hypers, hyper_table};
use crate::objective::Oracle;
use crate::validate::Checker;

/// Hyperparameters of `torch.optim.SGD`, same names and defaults.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SgdConfig {
    /// Step size.
    pub lr: f64,
    /// Momentum factor μ (0 = plain SGD).
    pub momentum: f64,
    /// Dampening d of the gradient's contribution to the momentum buffer.
    pub dampening: f64,
    /// L2 penalty coefficient, added to the gradient as weight_decay · x.
    pub weight_decay: f64,
    /// Nesterov momentum (Sutskever et al.'s form, as torch).
    pub nesterov: bool,
    /// Ascend instead of descend.
    pub maximize: bool,
}

hyper_table! {
    SgdConfig, owner: Self::DISPLAY_NAME, defaults {};
    lr = 1e-3: log_float(1e-5, 10.0) where positive, "x ← x − lr·g";
    momentum = 0.0: float(0.0, 0.999) where non_negative, "b ← momentum·b + (1 − dampening)·g";
    dampening = 0.0: float(0.0, 1.0) where finite,
        "scales the gradient's share of the momentum buffer by (1 − dampening)";
    weight_decay = 0.0: log_float(0.0, 1.0) where non_negative,
        "g ← g + weight_decay·x (an L2 penalty)";
    nesterov = false: boolean,
        "step along g + momentum·b instead of b (needs momentum > 0, dampening = 0)";
    maximize = false: boolean, "ascend: g ← −g";
}

impl OptimizerSpec for SgdConfig {
    crate::optim::spec_names! {
        "SGD": "torch.optim.SGD: gradient descent, heavy-ball or Nesterov momentum, weight decay"
    }

    fn validate(&self, checker: &mut Checker) {
        self.validate_rows(checker);
        if self.nesterov && (self.momentum <= 0.0 || self.dampening != 0.0) {
            checker.report(
                "nesterov",
                "Nesterov momentum requires a momentum and zero dampening",
            );
        }
    }

    /// λ < 2/lr for plain GD; heavy-ball momentum μ with dampening d: λ < 2(1 + μ)/(lr(1 − d));
    /// Nesterov: λ < 2(1 + μ)/((1 + 2μ)·lr); weight decay wd shifts every curvature by wd.
    fn stability_threshold(&self) -> Option<Threshold> {
        let (lr, mu, d, wd) = (self.lr, self.momentum, self.dampening, self.weight_decay);
        let (bound, formula) = if mu == 0.0 {
            (2.0 / lr, "2/lr")
        } else if self.nesterov {
            (
                2.0 * (1.0 + mu) / ((1.0 + 2.0 * mu) * lr),
                "2(1 + μ)/((1 + 2μ)·lr)",
            )
        } else {
            (2.0 * (1.0 + mu) / (lr * (1.0 - d)), "2(1 + μ)/(lr(1 − d))")
        };
        if wd != 0.0 {
            Threshold::known(bound - wd, &format!("{formula} − wd"))
        } else {
            Threshold::known(bound, formula)
        }
    }

    /// Plain gradient descent is SGD without momentum, weight decay, Nesterov or maximizing (the
    /// dampening then has nothing to damp).
    fn plain_gd_lr(&self) -> Option<f64> {
        let plain =
            self.momentum == 0.0 && self.weight_decay == 0.0 && !self.nesterov && !self.maximize;
        plain.then_some(self.lr)
    }

    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        Box::new(Sgd {
            config: self.clone(),
            grad: DVector::zeros(dim),
            momentum_buffer: DVector::zeros(dim),
            has_momentum_buffer: false,
            explained: SgdExplained {
                steps: 0,
                gradient: DVector::zeros(dim),
                previous_buffer: DVector::zeros(dim),
            },
        })
    }
}

/// SGD's state: the momentum buffer (absent until the first step, as in torch).
pub struct Sgd {
    config: SgdConfig,
    grad: DVector<f64>,
    momentum_buffer: DVector<f64>,
    has_momentum_buffer: bool,
    explained: SgdExplained,
}

/// Copies of the latest step's inputs that the step itself overwrites, kept for
/// [`Optimizer::explain`] (copies into preallocated buffers: no allocation per step).
struct SgdExplained {
    steps: u64,
    /// gₜ after maximize and weight decay, before momentum.
    gradient: DVector<f64>,
    /// bₜ₋₁ (zero before the buffer exists).
    previous_buffer: DVector<f64>,
}

impl Optimizer for Sgd {
    fn step(&mut self, x: &mut DVector<f64>, oracle: &mut Oracle) -> StepInfo {
        let SgdConfig {
            lr,
            momentum,
            dampening,
            weight_decay,
            nesterov,
            maximize,
        } = self.config;
        ensure_len(&mut self.grad, x.len());
        let loss = signed_gradient(oracle, x, &mut self.grad, maximize);
        add_weight_decay(&mut self.grad, x, weight_decay);
        let grad = &mut self.grad;
        let explained = &mut self.explained;
        ensure_len(&mut explained.gradient, grad.len());
        ensure_len(&mut explained.previous_buffer, grad.len());
        explained.gradient.copy_from(grad);
        explained.steps += 1;
        if self.has_momentum_buffer && self.momentum_buffer.len() == grad.len() {
            explained.previous_buffer.copy_from(&self.momentum_buffer);
        } else {
            explained.previous_buffer.fill(0.0);
        }
        if momentum != 0.0 {
            let buffer = &mut self.momentum_buffer;
            if self.has_momentum_buffer && buffer.len() == grad.len() {
                // buf.mul_(momentum).add_(grad, alpha=1 - dampening)
                for (b, &g) in buffer.iter_mut().zip(grad.iter()) {
                    *b = add_scaled(*b * momentum, g, 1.0 - dampening);
                }
            } else {
                // buf = grad.detach().clone()
                buffer.clone_from(grad);
                self.has_momentum_buffer = true;
            }
            if nesterov {
                // grad = grad.add(buf, alpha=momentum)
                for (g, &b) in grad.iter_mut().zip(buffer.iter()) {
                    *g = add_scaled(*g, b, momentum);
                }
            } else {
                grad.copy_from(buffer);
            }
        }
        // param.add_(grad, alpha=-lr)
        for (p, &g) in x.iter_mut().zip(grad.iter()) {
            *p = add_scaled(*p, g, -lr);
        }
        StepInfo::proceed(loss)
    }

    crate::optim::config_edits!();

    fn reset(&mut self) {
        self.has_momentum_buffer = false;
        self.momentum_buffer.fill(0.0);
        self.explained.steps = 0;
    }

    fn explain(&self) -> Vec<Quantity> {
        let SgdConfig {
            lr,
            momentum,
            nesterov,
            ..
        } = self.config;
        crate::optim::explain_once_stepped(self.explained.steps > 0, || {
            let gradient = &self.explained.gradient;
            let mut quantities = crate::optim::quantities![
                vector "gₜ" = "∇f(xₜ₋₁) (+ weight_decay·xₜ₋₁)" => gradient.as_slice(),
                arrow Gradient "−lr·gₜ" = "" => gradient.iter().map(|g| -lr * g),
            ];
            if momentum != 0.0 {
                let buffer = &self.momentum_buffer;
                quantities.push(Quantity::vector(
                    "bₜ",
                    "momentum·bₜ₋₁ + (1 − dampening)·gₜ (bₜ = gₜ on the first step)",
                    buffer.as_slice(),
                ));
                // The part of the step that the current gradient did not cause.
                if nesterov {
                    quantities.push(Quantity::arrow(
                        ArrowKind::Momentum,
                        "−lr·momentum·bₜ",
                        "Nesterov looks ahead along the updated buffer",
                        buffer.iter().map(|b| -lr * momentum * b),
                    ));
                } else {
                    let previous = &self.explained.previous_buffer;
                    quantities.push(Quantity::arrow(
                        ArrowKind::Momentum,
                        "−lr·momentum·bₜ₋₁",
                        "the velocity carried over from the previous steps",
                        previous.iter().map(|b| -lr * momentum * b),
                    ));
                }
            }
            quantities.push(Quantity::scalar("lr", "step size", lr));
            quantities
        })
    }
}

#[cfg(test)]
mod tests {

    use super::*;

    use crate::optim::QuantityValue;

    #[test]
    fn weight_decay_and_maximize_follow_torch_order() {
        // On f = ½(x² + 4y²) from (1, 1): g = (1, 4); maximize → (−1, −4); + 0.5·x → (−0.5, −3.5).
        let config = SgdConfig {
            lr: 0.1,
            weight_decay: 0.5,
            maximize: true,
            ..SgdConfig::default()
        };
        let mut sgd = config.build(2);
        let mut oracle = crate::optim::test_support::quadratic();
        let mut x = DVector::from_vec(vec![1.0, 1.0]);
        let info = sgd.step(&mut x, &mut oracle);
        assert_eq!(info.loss, 2.5);
        assert!((x[0] - 1.05).abs() < 1e-15 && (x[1] - 1.35).abs() < 1e-15);
    }

    #[test]
    fn explained_arrows_add_up_to_the_step() {
        // Heavy ball without dampening: Δx = −lr·gₜ − lr·momentum·bₜ₋₁.
        let mut sgd = SgdConfig {
            lr: 0.1,
            momentum: 0.9,
            ..SgdConfig::default()
        }
        .build(2);
        assert!(sgd.explain().is_empty());
        let mut oracle = crate::optim::test_support::quadratic();
        let mut x = DVector::from_vec(vec![1.0, -1.0]);
        for _ in 0..3 {
            let before = x.clone();
            sgd.step(&mut x, &mut oracle);
            let mut sum = [0.0; 2];
            for quantity in sgd.explain() {
                if let (Some(_), QuantityValue::Vector(v)) = (quantity.arrow, &quantity.value) {
                    sum[0] += v[0];
                    sum[1] += v[1];
                }
            }
            for i in 0..2 {
                assert!((x[i] - before[i] - sum[i]).abs() < 1e-12);
            }
        }
    }
}
