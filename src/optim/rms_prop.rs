//! RMSprop: steps divided by a running root-mean-square of the gradients, exactly as
//! `torch.optim.RMSprop` (with the centered and momentum variants).
//!
//! With gₜ the (minibatch) gradient at xₜ₋₁, one step is, in torch's order
//! (`_single_tensor_rmsprop`; fused multiply-adds as in [`torch_ops`](super::torch_ops)):
//!
//! ```text
//! if maximize:          gₜ ← −gₜ
//! if weight_decay ≠ 0:  gₜ ← gₜ + weight_decay · xₜ₋₁
//! vₜ ← vₜ₋₁ · α + (1 − α) · gₜ · gₜ                    (square_avg)
//! if centered:
//!     ḡₜ ← ḡₜ₋₁ + (1 − α) · (gₜ − ḡₜ₋₁)               (grad_avg)
//!     avg = √(vₜ − ḡₜ · ḡₜ) + eps                      (a running standard deviation)
//! else:
//!     avg = √vₜ + eps
//! if momentum > 0:
//!     bₜ ← bₜ₋₁ · momentum + gₜ / avg
//!     xₜ ← xₜ₋₁ − lr · bₜ
//! else:
//!     xₜ ← xₜ₋₁ + (−lr · gₜ) / avg
//! ```
//!
//! There is no bias correction: v starts at 0, so the first steps are longer than lr by about
//! 1/√(1 − αᵗ) (10× at the first step with α = 0.99), a known trait of RMSprop that Adam fixes.
//!
//! Defaults (torch 2.x): lr = 1e-2, alpha = 0.99, eps = 1e-8, weight_decay = 0, momentum = 0,
//! centered = false, maximize = false. Validation as torch: eps ≥ 0, momentum ≥ 0,
//! weight_decay ≥ 0, alpha ≥ 0; optiviz also requires lr > 0. The single-tensor path is the
//! reference; `foreach`, `capturable` and `differentiable` are not modelled.
//!
//! References: PyTorch documentation and source of `torch.optim.RMSprop`; Tieleman & Hinton,
//! Lecture 6.5 of "Neural Networks for Machine Learning" (Coursera, 2012); Graves, "Generating
//! Sequences With Recurrent Neural Networks" (arXiv:1308.0850, 2013) for the centered variant.

use nalgebra::DVector;
use serde::{Deserialize, Serialize};

use super::family::LatestStep;
use super::torch_ops::{add_scaled, addcdiv, addcmul, lerp};
use super::weight_decay::{add_weight_decay, signed_gradient};
use super::{ArrowKind, Optimizer, OptimizerSpec, Quantity, StepInfo, ensure_len};
use crate::hyper::{Hypers, hyper_table};
use crate::objective::Oracle;
use crate::validate::Checker;

/// Hyperparameters of `torch.optim.RMSprop`, same names and defaults.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RmsPropConfig {
    /// Step size.
    pub lr: f64,
    /// Smoothing constant α of the running average of squared gradients.
    pub alpha: f64,
    /// Added to the root mean square for numerical stability.
    pub eps: f64,
    /// L2 penalty coefficient, added to the gradient as weight_decay · x.
    pub weight_decay: f64,
    /// Momentum factor on the normalized gradient (0 = none).
    pub momentum: f64,
    /// Normalize by the running standard deviation (subtracting the running mean's square).
    pub centered: bool,
    /// Ascend instead of descend.
    pub maximize: bool,
}

hyper_table! {
    RmsPropConfig, owner: Self::DISPLAY_NAME, defaults {};
    lr = 1e-2: log_float(1e-5, 1.0) where positive, "x ← x − lr·g/(√v + eps), v ← α·v + (1 − α)·g²";
    alpha = 0.99: float(0.0, 0.9999),
        "α: v ← α·v + (1 − α)·g², the running mean of squared gradients";
    eps = 1e-8: log_float(1e-12, 1.0) where non_negative, "added to √v in the denominator";
    weight_decay = 0.0: log_float(0.0, 1.0), "g ← g + weight_decay·x (an L2 penalty)";
    momentum = 0.0: float(0.0, 0.999) where non_negative,
        "b ← momentum·b + g/(√v + eps), x ← x − lr·b";
    centered = false: boolean,
        "divide by √(v − ḡ²), the running standard deviation, ḡ the running mean of g";
    maximize = false: boolean, "ascend: g ← −g";
}

impl OptimizerSpec for RmsPropConfig {
    const DISPLAY_NAME: &'static str = "RMSprop";
    const DESCRIPTION: &'static str = "torch.optim.RMSprop: steps divided by a running RMS of \
        gradients, momentum, centered";

    fn validate(&self, checker: &mut Checker) {
        self.validate_rows(checker);
        checker.non_negative("weight_decay", self.weight_decay);
        checker.non_negative("alpha", self.alpha);
    }

    crate::optim::no_stability_threshold!(PreconditionerHidden);

    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        Box::new(RmsProp::new(self.clone(), dim))
    }
}

/// RMSprop's state: the running averages of g² and (centered) of g, and the momentum buffer.
pub struct RmsProp {
    config: RmsPropConfig,
    grad: DVector<f64>,
    square_avg: DVector<f64>,
    grad_avg: DVector<f64>,
    momentum_buffer: DVector<f64>,
    explained: RmsPropExplained,
}

/// What the latest step used that [`Optimizer::explain`] cannot read back (preallocated copies:
/// no allocation per step).
struct RmsPropExplained {
    /// Whether a step was taken since the last reset, and its lr.
    latest: LatestStep,
    momentum: f64,
    centered: bool,
    /// avg = √vₜ + eps, or √(vₜ − ḡₜ²) + eps when centered.
    avg: DVector<f64>,
    /// bₜ₋₁.
    previous_buffer: DVector<f64>,
}

impl RmsProp {
    fn new(config: RmsPropConfig, dim: usize) -> Self {
        Self {
            config,
            grad: DVector::zeros(dim),
            square_avg: DVector::zeros(dim),
            grad_avg: DVector::zeros(dim),
            momentum_buffer: DVector::zeros(dim),
            explained: RmsPropExplained {
                latest: LatestStep::default(),
                momentum: 0.0,
                centered: false,
                avg: DVector::zeros(dim),
                previous_buffer: DVector::zeros(dim),
            },
        }
    }
}

impl Optimizer for RmsProp {
    fn step(&mut self, x: &mut DVector<f64>, oracle: &mut Oracle) -> StepInfo {
        let RmsPropConfig {
            lr,
            alpha,
            eps,
            weight_decay,
            momentum,
            centered,
            maximize,
        } = self.config;
        let dim = x.len();
        for buffer in [
            &mut self.grad,
            &mut self.square_avg,
            &mut self.grad_avg,
            &mut self.momentum_buffer,
        ] {
            ensure_len(buffer, dim);
        }
        let loss = signed_gradient(oracle, x, &mut self.grad, maximize);
        add_weight_decay(&mut self.grad, x, weight_decay);
        let explained = &mut self.explained;
        ensure_len(&mut explained.avg, dim);
        ensure_len(&mut explained.previous_buffer, dim);
        explained.previous_buffer.copy_from(&self.momentum_buffer);
        explained.latest.record(lr);
        (explained.momentum, explained.centered) = (momentum, centered);
        for i in 0..dim {
            let g = self.grad[i];
            let square_avg = addcmul(self.square_avg[i] * alpha, g, g, 1.0 - alpha);
            self.square_avg[i] = square_avg;
            let avg = if centered {
                let grad_avg = lerp(self.grad_avg[i], g, 1.0 - alpha);
                self.grad_avg[i] = grad_avg;
                addcmul(square_avg, grad_avg, grad_avg, -1.0).sqrt() + eps
            } else {
                square_avg.sqrt() + eps
            };
            explained.avg[i] = avg;
            if momentum > 0.0 {
                let buffer = addcdiv(self.momentum_buffer[i] * momentum, g, avg, 1.0);
                self.momentum_buffer[i] = buffer;
                x[i] = add_scaled(x[i], buffer, -lr);
            } else {
                x[i] = addcdiv(x[i], g, avg, -lr);
            }
        }
        StepInfo::proceed(loss)
    }

    crate::optim::config_edits!();

    fn reset(&mut self) {
        self.square_avg.fill(0.0);
        self.grad_avg.fill(0.0);
        self.momentum_buffer.fill(0.0);
        self.explained.latest.forget();
    }

    fn explain(&self) -> Vec<Quantity> {
        let e = &self.explained;
        e.latest.explain(|lr| {
            let mut quantities = crate::optim::quantities![
                vector "gₜ" = "∇f(xₜ₋₁) (negated if maximize; + weight_decay·xₜ₋₁)"
                    => self.grad.as_slice(),
                vector "vₜ" = "vₜ₋₁·α + (1 − α)·gₜ·gₜ" => self.square_avg.as_slice(),
            ];
            if e.centered {
                quantities.extend(crate::optim::quantities![
                    vector "ḡₜ" = "ḡₜ₋₁ + (1 − α)·(gₜ − ḡₜ₋₁)" => self.grad_avg.as_slice(),
                    vector "avg" = "√(vₜ − ḡₜ·ḡₜ) + eps" => e.avg.as_slice(),
                ]);
            } else {
                quantities.push(Quantity::vector("avg", "√vₜ + eps", e.avg.as_slice()));
            }
            quantities.extend([
                Quantity::vector(
                    "effective lr",
                    "lr / avg per coordinate (multiplies gₜ)",
                    &e.avg.iter().map(|a| lr / a).collect::<Vec<_>>(),
                ),
                Quantity::gradient_arrow(lr, &self.grad),
            ]);
            if e.momentum > 0.0 {
                quantities.extend(crate::optim::quantities![
                    vector "bₜ" = "bₜ₋₁·momentum + gₜ / avg" => self.momentum_buffer.as_slice(),
                    arrow Preconditioned "−lr·gₜ / avg" =
                        "the current gradient's part of the step, RMS-scaled"
                        => self.grad.iter().zip(e.avg.iter()).map(|(g, a)| -lr * (g / a)),
                    arrow Momentum "−lr·momentum·bₜ₋₁" =
                        "the velocity carried over from the previous steps"
                        => e.previous_buffer.iter().map(|b| -lr * (e.momentum * b)),
                ]);
            } else {
                quantities.push(Quantity::arrow(
                    ArrowKind::Preconditioned,
                    "(−lr·gₜ) / avg",
                    "the RMSprop step",
                    self.grad.iter().zip(e.avg.iter()).map(|(g, a)| -lr * g / a),
                ));
            }
            quantities
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::optim::OptimizerConfig;

    use super::*;

    use crate::optim::test_support::{close, iterate, quadratic};

    fn rms_prop(config: RmsPropConfig) -> RmsProp {
        RmsProp::new(config, 2)
    }

    #[test]
    fn three_plain_steps_match_hand_computation() {
        // lr = 0.1, alpha = 0.5, eps = 0 from (1, 1):
        // t = 1: g = (1, 4), v = 0.5·g² = (0.5, 8): x = 1 − 0.1/√0.5, y = 1 − 0.4/√8, both
        //        1 − 0.1·√2 (the missing bias correction: a step of √2·lr, not lr).
        // t ≥ 2: g = (x, 4y), v ← 0.5·v + 0.5·g², x ← x − 0.1·g/√v.
        let mut optimizer = rms_prop(RmsPropConfig {
            lr: 0.1,
            alpha: 0.5,
            eps: 0.0,
            ..RmsPropConfig::default()
        });
        let (mut x, mut oracle) = crate::optim::test_support::on_quadratic([1.0, 1.0]);
        optimizer.step(&mut x, &mut oracle);
        let mut expected = [1.0 - 0.1 * 2f64.sqrt(); 2];
        let mut v = [0.5, 8.0];
        assert!(
            close(x[0], expected[0]) && close(x[1], expected[1]),
            "{x:?}"
        );
        for _ in 0..2 {
            optimizer.step(&mut x, &mut oracle);
            let g = [expected[0], 4.0 * expected[1]];
            for i in 0..2 {
                v[i] = 0.5 * v[i] + 0.5 * g[i] * g[i];
                expected[i] -= 0.1 * g[i] / v[i].sqrt();
            }
            assert!(
                close(x[0], expected[0]) && close(x[1], expected[1]),
                "{x:?}"
            );
        }
    }

    #[test]
    fn centered_momentum_steps_match_hand_computation() {
        // lr = 0.1, alpha = 0.5, eps = 0, momentum = 0.9, centered, from (1, 1):
        // t = 1: g = (1, 4); v = 0.5·g²; ḡ = 0.5·g; √(v − ḡ²) = 0.5·|g|; b = g/(0.5|g|) = (2, 2);
        //        x = 1 − 0.1·2 = (0.8, 0.8).
        // t = 2: g = (0.8, 3.2); v = 0.5·(0.5, 8) + 0.5·(0.64, 10.24) = (0.57, 9.12);
        //        ḡ = 0.5·(0.5, 2) + 0.5·(0.8, 3.2) = (0.65, 2.6); v − ḡ² = (0.1475, 2.36);
        //        b = 0.9·2 + g/√(v − ḡ²); x = 0.8 − 0.1·b.
        let mut optimizer = rms_prop(RmsPropConfig {
            lr: 0.1,
            alpha: 0.5,
            eps: 0.0,
            momentum: 0.9,
            centered: true,
            ..RmsPropConfig::default()
        });
        let (mut x, mut oracle) = crate::optim::test_support::on_quadratic([1.0, 1.0]);
        optimizer.step(&mut x, &mut oracle);
        assert!(close(x[0], 0.8) && close(x[1], 0.8), "{x:?}");
        optimizer.step(&mut x, &mut oracle);
        let (g, variance) = ([0.8, 3.2], [0.1475, 2.36]);
        for i in 0..2 {
            let buffer = 1.8 + g[i] / f64::sqrt(variance[i]);
            assert!(close(optimizer.grad_avg[i], [0.65, 2.6][i]));
            assert!(close(x[i], 0.8 - 0.1 * buffer), "{x:?}");
        }
    }

    #[test]
    fn weight_decay_and_maximize_follow_torch_order() {
        // g = (1, 4) → maximize (−1, −4) → + 0.5·x = (−0.5, −3.5); with alpha = 0 v = g²:
        // x ← x + 0.1·g/|g| in ascent: (1.1, 1.1).
        let config = RmsPropConfig {
            lr: 0.1,
            alpha: 0.0,
            eps: 0.0,
            weight_decay: 0.5,
            maximize: true,
            ..RmsPropConfig::default()
        };
        let x = iterate(&config, &mut quadratic(), [1.0, 1.0], 1);
        assert!(close(x[0], 1.1) && close(x[1], 1.1), "{x:?}");
    }

    #[test]
    fn live_config_keeps_averages_and_reset_clears_them() {
        let mut optimizer = rms_prop(RmsPropConfig {
            momentum: 0.9,
            centered: true,
            ..RmsPropConfig::default()
        });
        let (mut x, mut oracle) = crate::optim::test_support::on_quadratic([1.0, 1.0]);
        optimizer.step(&mut x, &mut oracle);
        let kept = (
            optimizer.square_avg.clone(),
            optimizer.grad_avg.clone(),
            optimizer.momentum_buffer.clone(),
        );
        let new = crate::optim::test_support::with_lr::<RmsPropConfig>(0.001);
        assert!(optimizer.set_config(&OptimizerConfig::RmsProp(new)));
        assert_eq!(optimizer.config.lr, 0.001);
        assert_eq!(optimizer.square_avg, kept.0);
        assert_eq!(optimizer.grad_avg, kept.1);
        assert_eq!(optimizer.momentum_buffer, kept.2);
        optimizer.reset();
        for buffer in [
            &optimizer.square_avg,
            &optimizer.grad_avg,
            &optimizer.momentum_buffer,
        ] {
            assert!(buffer.iter().all(|&b| b == 0.0));
        }
    }
}
