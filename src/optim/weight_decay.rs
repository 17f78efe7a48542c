//! How torch.optim's first-order methods prepare the gradient they step with, written once:
//!
//! ```text
//! gₜ ← ∇f(xₜ₋₁)                                  (−∇f(xₜ₋₁) if maximize)
//! if weight_decay ≠ 0:
//!     decoupled (AdamW):  xₜ₋₁ ← xₜ₋₁ · (1 − lr · weight_decay)
//!     otherwise (L2):     gₜ ← gₜ + weight_decay · xₜ₋₁      (fused, as torch's `add(alpha)`)
//! ```
//!
//! Reference: PyTorch source, `torch/optim/*.py` (`_single_tensor_sgd`, `_single_tensor_adam`…):
//! each negates the gradient for `maximize` before weight decay, and skips the decay when
//! `weight_decay == 0`.

use nalgebra::DVector;

use super::torch_ops::add_scaled;
use super::{Quantity, ensure_len};
use crate::objective::Oracle;

/// gₜ = ∇f(x) written into `grad`, negated when `maximize`; returns f(x), the loss the step
/// reports.
pub(crate) fn signed_gradient(
    oracle: &mut Oracle,
    x: &DVector<f64>,
    grad: &mut DVector<f64>,
    maximize: bool,
) -> f64 {
    let loss = oracle.value_and_grad(x, grad);
    if maximize {
        grad.neg_mut();
    }
    loss
}

/// torch's L2 weight decay `grad.add(param, alpha=weight_decay)`: gₜ ← gₜ + weight_decay·x, skipped
/// when weight_decay is 0 (as torch skips it, so −0.0 gradients stay −0.0).
pub(crate) fn add_weight_decay(grad: &mut DVector<f64>, x: &DVector<f64>, weight_decay: f64) {
    if weight_decay != 0.0 {
        for (g, &p) in grad.iter_mut().zip(x.iter()) {
            *g = add_scaled(*g, p, weight_decay);
        }
    }
}

/// The weight decay of a method that offers both kinds (the Adam family), and what the latest
/// decoupled decay did, for [`Optimizer::explain`](super::Optimizer::explain).
#[derive(Default)]
pub(crate) struct WeightDecay {
    /// xₜ₋₁ before the decoupled decay shrank it (copied only when that decay is on).
    previous_x: DVector<f64>,
    /// lr·weight_decay when the latest step shrank the parameters, else 0.
    decoupled_decay: f64,
}

impl WeightDecay {
    /// Applies `weight_decay` at step size `lr`: to the parameters `x` when `decoupled`, else to
    /// the gradient.
    pub(crate) fn apply(
        &mut self,
        grad: &mut DVector<f64>,
        x: &mut DVector<f64>,
        lr: f64,
        weight_decay: f64,
        decoupled: bool,
    ) {
        self.decoupled_decay = 0.0;
        if weight_decay == 0.0 {
            return;
        }
        if decoupled {
            ensure_len(&mut self.previous_x, x.len());
            self.previous_x.copy_from(x);
            self.decoupled_decay = lr * weight_decay;
            let shrink = 1.0 - lr * weight_decay;
            for p in x.iter_mut() {
                *p *= shrink;
            }
        } else {
            add_weight_decay(grad, x, weight_decay);
        }
    }

    /// The latest step's decoupled decay −lr·weight_decay·xₜ₋₁ as the quantity `formula`
    /// describes; `None` when that step had none.
    pub(crate) fn explained(&self, formula: &'static str) -> Option<Quantity> {
        (self.decoupled_decay != 0.0).then(|| {
            Quantity::vector(
                "−lr·weight_decay·xₜ₋₁",
                formula,
                &self
                    .previous_x
                    .iter()
                    .map(|p| -self.decoupled_decay * p)
                    .collect::<Vec<_>>(),
            )
        })
    }
}
