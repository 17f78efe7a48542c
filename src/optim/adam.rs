//! Adam: adaptive moment estimation, exactly as `torch.optim.Adam` (with the AMSGrad variant), and
//! the update core that [`AdamW`](super::AdamW) shares.
//!
//! With gₜ the (minibatch) gradient at xₜ₋₁ and t counting steps from 1, one step is, in torch's
//! order (`_single_tensor_adam`; fused multiply-adds as in [`torch_ops`](super::torch_ops)):
//!
//! ```text
//! if maximize:          gₜ ← −gₜ
//! if weight_decay ≠ 0:
//!     decoupled:        xₜ₋₁ ← xₜ₋₁ · (1 − lr · weight_decay)      (AdamW)
//!     otherwise:        gₜ ← gₜ + weight_decay · xₜ₋₁             (an L2 penalty)
//! mₜ ← mₜ₋₁ + (1 − β₁) · (gₜ − mₜ₋₁)                          (exp_avg.lerp_)
//! vₜ ← vₜ₋₁ · β₂ + (1 − β₂) · gₜ · gₜ                          (exp_avg_sq)
//! bias_correction1 = 1 − β₁ᵗ,  bias_correction2 = 1 − β₂ᵗ        (powers, not running products)
//! step_size = lr / bias_correction1
//! if amsgrad:  v̂ₜ ← max(v̂ₜ₋₁, vₜ), else v̂ₜ = vₜ
//! denom = √v̂ₜ / bias_correction2^0.5 + eps
//! xₜ ← xₜ₋₁ + (−step_size · mₜ) / denom
//! ```
//!
//! The first step moves every coordinate by almost exactly lr against the sign of its gradient
//! (m₁/√v₁ = g/|g| after bias correction), whatever the gradient's size: Adam's steps are
//! scale-free, about lr long while the gradient's sign is steady.
//!
//! Defaults (torch 2.x): lr = 1e-3, betas = (0.9, 0.999), eps = 1e-8, weight_decay = 0,
//! amsgrad = false, maximize = false, decoupled_weight_decay = false. Validation as torch:
//! 0 ≤ β₁, β₂ < 1, eps ≥ 0, weight_decay ≥ 0; optiviz also requires lr > 0. torch's `foreach`,
//! `fused`, `capturable` and `differentiable` flags choose other code paths for the same update; the
//! single-tensor path is the reference here.
//!
//! Switching amsgrad on during a run starts the running maximum v̂ from zero (torch itself fails
//! then, having never allocated the buffer); since max(0, v) = v this is AMSGrad from that step on.
//!
//! References: PyTorch documentation and source of `torch.optim.Adam`; Kingma & Ba, "Adam: A Method
//! for Stochastic Optimization" (ICLR 2015); Reddi, Kale & Kumar, "On the Convergence of Adam and
//! Beyond" (ICLR 2018) for AMSGrad; Loshchilov & Hutter, "Decoupled Weight Decay Regularization"
//! (ICLR 2019) for the decoupled weight decay.

use nalgebra::DVector;
use serde::{Deserialize, Serialize};

use super::torch_ops::{BiasCorrection, addcdiv, addcmul, bias_correction_sqrt, lerp, maximum};
use super::weight_decay::{WeightDecay, signed_gradient};
use super::{ArrowKind, FromRegistry, Optimizer, OptimizerSpec, Quantity, StepInfo, ensure_len};
use crate::objective::Oracle;
use crate::validate::Checker;

/// Hyperparameters of `torch.optim.Adam`, same names and defaults.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AdamConfig {
    /// Step size.
    pub lr: f64,
    /// Decay rates (β₁, β₂) of the running averages of the gradient and of its square.
    pub betas: (f64, f64),
    /// Added to the denominator √v̂ for numerical stability.
    pub eps: f64,
    /// Weight decay coefficient: an L2 penalty added to the gradient, or, decoupled, a shrinking
    /// of the parameters.
    pub weight_decay: f64,
    /// Use the running maximum of the second moment (AMSGrad).
    pub amsgrad: bool,
    /// Ascend instead of descend.
    pub maximize: bool,
    /// Shrink the parameters directly (AdamW) instead of adding weight_decay·x to the gradient.
    pub decoupled_weight_decay: bool,
}

impl AdamVariant for AdamConfig {
    fn as_adam(&self) -> AdamConfig {
        self.clone()
    }

    fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }
}

adam_variant_spec! {
    AdamConfig,
    "Adam":
    "torch.optim.Adam: bias-corrected moment estimates, AMSGrad, L2 or decoupled weight decay"
}

/// A config that runs the Adam update (Adam's own, and AdamW's, which is Adam with the decay
/// decoupled): what [`AdamFamily`] needs from it besides the registry.
pub trait AdamVariant: FromRegistry + Clone + Send + 'static {
    /// The Adam config with the same update.
    fn as_adam(&self) -> AdamConfig;
    /// Sets the step size (schedules).
    fn set_lr(&mut self, lr: f64);
}

/// The `OptimizerSpec` of an [`AdamVariant`]: torch's Adam checks, Adam's stability threshold
/// (a decoupled decay is left out of the bound) and an [`AdamFamily`] optimizer. A macro, not a
/// blanket impl, because every config implements `OptimizerSpec` for itself.
macro_rules! adam_variant_spec {
    ($config:ty, $display_name:literal: $description:literal) => {
        impl $crate::optim::OptimizerSpec for $config {
            $crate::optim::spec_names! { $display_name: $description }

            fn validate(&self, checker: &mut $crate::validate::Checker) {
                $crate::optim::adam::validate_adam(&self.as_adam(), checker);
            }

            fn stability_threshold(&self) -> Option<$crate::optim::Threshold> {
                $crate::optim::Threshold::adam(self.lr, self.betas.0)
            }

            fn build(&self, dim: usize) -> Box<dyn $crate::optim::Optimizer> {
                Box::new($crate::optim::adam::AdamFamily::new(self.clone(), dim))
            }
        }
    };
}
pub(crate) use adam_variant_spec;

/// Adam's state (or AdamW's): the config and the moment estimates and step count.
pub struct AdamFamily<C> {
    pub(super) config: C,
    pub(super) core: AdamCore,
}

/// Adam's optimizer.
pub type Adam = AdamFamily<AdamConfig>;

impl<C> AdamFamily<C> {
    /// Fresh state for `dim` parameters.
    pub(crate) fn new(config: C, dim: usize) -> Self {
        Self {
            config,
            core: AdamCore::new(dim),
        }
    }
}

impl<C: AdamVariant> Optimizer for AdamFamily<C> {
    fn step(&mut self, x: &mut DVector<f64>, oracle: &mut Oracle) -> StepInfo {
        self.core.step(&self.config.as_adam(), x, oracle)
    }

    crate::optim::config_edits!(set_config);

    fn set_lr(&mut self, lr: f64) {
        self.config.set_lr(lr);
    }

    fn reset(&mut self) {
        self.core.reset();
    }

    fn preconditioner(&self) -> Option<&DVector<f64>> {
        self.core.preconditioner()
    }

    fn explain(&self) -> Vec<Quantity> {
        self.core.explain()
    }
}

/// torch's checks of Adam's and AdamW's hyperparameters (lr > 0 is optiviz's).
pub(crate) fn validate_adam(hyper: &AdamConfig, checker: &mut Checker) {
    checker.positive("lr", hyper.lr);
    checker.non_negative("eps", hyper.eps);
    check_betas(hyper.betas, checker);
    checker.non_negative("weight_decay", hyper.weight_decay);
}

/// torch's check of a `betas` pair: each in [0, 1), reported with torch's message.
pub(crate) fn check_betas(betas: (f64, f64), checker: &mut Checker) {
    for (index, beta) in [betas.0, betas.1].into_iter().enumerate() {
        if !(0.0..1.0).contains(&beta) {
            checker.report(
                &format!("betas[{index}]"),
                format!("Invalid beta parameter at index {index}: {beta} (must be in [0, 1))"),
            );
        }
    }
}

/// The hyperparameter table of Adam or AdamW: the rows they share, with `weight_decay_help`
/// saying how each applies weight decay, then the config's own rows.
macro_rules! adam_hyper_table {
    ($config:ty, weight_decay_help: $weight_decay_help:expr, weight_decay = $weight_decay:tt;
        $($rows:tt)*) => {
        $crate::hyper::hyper_table! {
            $config, owner: Self::DISPLAY_NAME, defaults { betas: (0.9, 0.999) };
            lr = 1e-3: log_float(1e-5, 1.0),
                "x ← x − lr/(1 − β₁ᵗ) · m / (√v/√(1 − β₂ᵗ) + eps): each step is about lr long";
            betas.0 as "betas[0]": float(0.0, 0.999),
                "β₁: m ← m + (1 − β₁)·(g − m), the running mean of gradients";
            betas.1 as "betas[1]": float(0.0, 0.9999),
                "β₂: v ← β₂·v + (1 − β₂)·g², the running mean of squared gradients";
            eps = 1e-8: log_float(1e-12, 1.0), "added to √v/√(1 − β₂ᵗ) in the denominator";
            weight_decay = $weight_decay: log_float(0.0, 1.0), $weight_decay_help;
            amsgrad = false: boolean, "AMSGrad: divide by the running maximum of v instead of v";
            maximize = false: boolean, "ascend: g ← −g";
            $($rows)*
        }
    };
}
pub(crate) use adam_hyper_table;

adam_hyper_table! {
    AdamConfig,
    weight_decay_help: "g ← g + weight_decay·x (L2), or x ← x·(1 − lr·weight_decay) if decoupled",
    weight_decay = 0.0;
    decoupled_weight_decay = false: boolean,
        "x ← x·(1 − lr·weight_decay) before the step instead of adding weight_decay·x to g \
         (= AdamW)";
}

/// The state and update of Adam and AdamW: gradient scratch, the moments and the step count.
pub(crate) struct AdamCore {
    grad: DVector<f64>,
    exp_avg: DVector<f64>,
    exp_avg_sq: DVector<f64>,
    max_exp_avg_sq: DVector<f64>,
    /// (1 − β₁ᵗ)·(√v̂ + eps) after the latest step: the diagonal preconditioner P with which the
    /// step is lr·P⁻¹·m (for the preconditioned sharpness of Cohen et al. 2022).
    preconditioner: DVector<f64>,
    /// Steps taken, as a float like torch's `state["step"]`, so that β^step is `pow` of two floats
    /// as in torch.
    step: f64,
    /// 1 − β₁ᵗ and 1 − β₂ᵗ, which stop calling `pow` once they are exactly 1.
    bias_corrections: (BiasCorrection, BiasCorrection),
    explained: AdamExplained,
}

/// What the latest step used that [`AdamCore::explain`] cannot read back from the moments.
struct AdamExplained {
    /// The hyperparameters in force during the latest step (live edits may change them later).
    hyper: AdamConfig,
    bias_correction1: f64,
    bias_correction2: f64,
    bias_correction2_sqrt: f64,
    step_size: f64,
    /// The decoupled decay's xₜ₋₁ (or the L2 decay).
    weight_decay: WeightDecay,
}

impl AdamCore {
    /// Fresh state for `dim` parameters.
    pub(crate) fn new(dim: usize) -> Self {
        Self {
            grad: DVector::zeros(dim),
            exp_avg: DVector::zeros(dim),
            exp_avg_sq: DVector::zeros(dim),
            max_exp_avg_sq: DVector::zeros(dim),
            preconditioner: DVector::zeros(dim),
            step: 0.0,
            bias_corrections: Default::default(),
            explained: AdamExplained {
                hyper: AdamConfig::default(),
                bias_correction1: 1.0,
                bias_correction2: 1.0,
                bias_correction2_sqrt: 1.0,
                step_size: 0.0,
                weight_decay: WeightDecay::default(),
            },
        }
    }

    /// The preconditioner after the latest step (none before the first).
    pub(crate) fn preconditioner(&self) -> Option<&DVector<f64>> {
        (self.step > 0.0).then_some(&self.preconditioner)
    }

    /// One step of `_single_tensor_adam`.
    pub(crate) fn step(
        &mut self,
        hyper: &AdamConfig,
        x: &mut DVector<f64>,
        oracle: &mut Oracle,
    ) -> StepInfo {
        let dim = x.len();
        // One test for all five buffers, which only ever change length together.
        if self.grad.len() != dim || self.preconditioner.len() != dim {
            for buffer in [
                &mut self.grad,
                &mut self.exp_avg,
                &mut self.exp_avg_sq,
                &mut self.max_exp_avg_sq,
                &mut self.preconditioner,
            ] {
                ensure_len(buffer, dim);
            }
        }
        let AdamConfig {
            lr,
            betas: (beta1, beta2),
            eps,
            weight_decay,
            amsgrad,
            maximize,
            decoupled_weight_decay,
        } = *hyper;
        let loss = signed_gradient(oracle, x, &mut self.grad, maximize);
        self.step += 1.0;
        self.explained.weight_decay.apply(
            &mut self.grad,
            x,
            lr,
            weight_decay,
            decoupled_weight_decay,
        );
        let bias_correction1 = self.bias_corrections.0.at(beta1, self.step);
        let bias_correction2 = self.bias_corrections.1.at(beta2, self.step);
        let step_size = lr / bias_correction1;
        let bias_correction2_sqrt = bias_correction_sqrt(bias_correction2);
        self.explained.hyper.clone_from(hyper);
        self.explained.bias_correction1 = bias_correction1;
        self.explained.bias_correction2 = bias_correction2;
        self.explained.bias_correction2_sqrt = bias_correction2_sqrt;
        self.explained.step_size = step_size;
        // Zipped slices of one length: no bounds test per coordinate (and slice iterators, not
        // nalgebra's strided ones).
        let coordinates = x
            .as_mut_slice()
            .iter_mut()
            .zip(self.grad.as_slice())
            .zip(
                self.exp_avg
                    .as_mut_slice()
                    .iter_mut()
                    .zip(self.exp_avg_sq.as_mut_slice()),
            )
            .zip(
                self.max_exp_avg_sq
                    .as_mut_slice()
                    .iter_mut()
                    .zip(self.preconditioner.as_mut_slice()),
            );
        for (((x, &g), (exp_avg, exp_avg_sq)), (max_exp_avg_sq, preconditioner)) in coordinates {
            *exp_avg = lerp(*exp_avg, g, 1.0 - beta1);
            *exp_avg_sq = addcmul(*exp_avg_sq * beta2, g, g, 1.0 - beta2);
            let second_moment = if amsgrad {
                *max_exp_avg_sq = maximum(*max_exp_avg_sq, *exp_avg_sq);
                *max_exp_avg_sq
            } else {
                *exp_avg_sq
            };
            let denom = second_moment.sqrt() / bias_correction2_sqrt + eps;
            *x = addcdiv(*x, *exp_avg, denom, -step_size);
            *preconditioner = bias_correction1 * denom;
        }
        StepInfo::proceed(loss)
    }

    /// The latest step's quantities, in the module doc's order (see [`Optimizer::explain`]).
    pub(crate) fn explain(&self) -> Vec<Quantity> {
        if self.step == 0.0 {
            return Vec::new();
        }
        let AdamExplained {
            ref hyper,
            bias_correction1,
            bias_correction2,
            bias_correction2_sqrt,
            step_size,
            ref weight_decay,
        } = self.explained;
        let second_moment = if hyper.amsgrad {
            &self.max_exp_avg_sq
        } else {
            &self.exp_avg_sq
        };
        // The same arithmetic as the step, so the arrow is the step to the last bit or so.
        let denom: Vec<f64> = second_moment
            .iter()
            .map(|v| v.sqrt() / bias_correction2_sqrt + hyper.eps)
            .collect();
        let lr = hyper.lr;
        let mut quantities = crate::optim::quantities![
            vector "gₜ" = "∇f(xₜ₋₁) (negated if maximize; + weight_decay·xₜ₋₁ unless decoupled)"
                => self.grad.as_slice(),
        ];
        quantities.extend(weight_decay.explained(
            "the decoupled decay xₜ₋₁·(1 − lr·weight_decay) − xₜ₋₁, outside the moments",
        ));
        quantities.extend(crate::optim::quantities![
            vector "mₜ" = "mₜ₋₁ + (1 − β₁)·(gₜ − mₜ₋₁)" => self.exp_avg.as_slice(),
            vector "vₜ" = "vₜ₋₁·β₂ + (1 − β₂)·gₜ·gₜ" => self.exp_avg_sq.as_slice(),
            scalar "bias_correction1" = "1 − β₁ᵗ" => bias_correction1,
            scalar "bias_correction2" = "1 − β₂ᵗ" => bias_correction2,
            scalar "step_size" = "lr / bias_correction1" => step_size,
        ]);
        if hyper.amsgrad {
            quantities.push(Quantity::vector(
                "v̂ₜ",
                "max(v̂ₜ₋₁, vₜ) (AMSGrad)",
                self.max_exp_avg_sq.as_slice(),
            ));
        }
        quantities.extend([
            Quantity::vector(
                "m̂ₜ",
                "mₜ / bias_correction1",
                &self
                    .exp_avg
                    .iter()
                    .map(|m| m / bias_correction1)
                    .collect::<Vec<_>>(),
            ),
            Quantity::vector("denom", "√v̂ₜ / bias_correction2^0.5 + eps", &denom),
            Quantity::vector(
                "effective lr",
                "lr / (bias_correction1 · (√v̂ₜ / √bias_correction2 + eps)) per coordinate",
                &denom.iter().map(|d| step_size / d).collect::<Vec<_>>(),
            ),
            Quantity::gradient_arrow(lr, &self.grad),
            Quantity::arrow(
                ArrowKind::Preconditioned,
                "(−step_size·mₜ) / denom",
                "= −lr·m̂ₜ/(√v̂ₜ/√bias_correction2 + eps): the Adam step",
                self.exp_avg
                    .iter()
                    .zip(&denom)
                    .map(|(m, d)| -step_size * m / d),
            ),
        ]);
        quantities
    }

    /// Forgets the moments and the step count.
    pub(crate) fn reset(&mut self) {
        self.exp_avg.fill(0.0);
        self.exp_avg_sq.fill(0.0);
        self.max_exp_avg_sq.fill(0.0);
        self.step = 0.0;
        self.bias_corrections.0.reset();
        self.bias_corrections.1.reset();
    }
}

#[cfg(test)]
mod tests {
    use crate::optim::OptimizerConfig;

    use super::*;
    use crate::landscape::{Quadratic, Rosenbrock};
    use crate::optim::test_support::{close, oracle_on};

    fn adam(config: AdamConfig) -> Adam {
        Adam::new(config, 2)
    }

    #[test]
    fn first_step_moves_each_coordinate_by_lr_against_the_gradient_sign() {
        // m₁ = 0.1·g, v₁ = 0.001·g², m₁/(1 − 0.9) = g, √v₁/√(1 − 0.999) = |g|:
        // x₁ = x₀ − lr·g/(|g| + eps) ≈ x₀ − lr·sign(g), whatever |g| is.
        let mut optimizer = adam(crate::optim::test_support::with_lr::<AdamConfig>(0.1));
        let mut oracle = oracle_on(Rosenbrock::default());
        let mut x = DVector::from_vec(vec![-1.2, 1.0]);
        // ∇f(−1.2, 1) = (−215.6, −88): both coordinates increase by lr.
        let info = optimizer.step(&mut x, &mut oracle);
        assert!((info.loss - 24.2).abs() < 1e-12);
        assert!(
            (x[0] - (-1.1)).abs() < 1e-9 && (x[1] - 1.1).abs() < 1e-9,
            "{x:?}"
        );
    }

    #[test]
    fn three_steps_match_hand_computation() {
        // lr = 0.1, betas = (0.5, 0.75), eps = 0 on ½(x² + 4y²) from (1, 1); per coordinate
        // x ← x − lr·(m/(1 − β₁ᵗ)) / (√v/√(1 − β₂ᵗ)).
        // t = 1: g = (1, 4); m = (0.5, 2); v = (0.25, 4); m̂ = (1, 4); v̂ = (1, 16);
        //        x = (1 − 0.1, 1 − 0.1) = (0.9, 0.9).
        // t = 2: g = (0.9, 3.6); m = 0.5·m + 0.5·g = (0.7, 2.8);
        //        v = 0.75·v + 0.25·g² = (0.1875 + 0.2025, 3 + 3.24) = (0.39, 6.24);
        //        m̂ = m/0.75 = (0.9333…, 3.7333…); v̂ = v/0.4375 = (0.891428…, 14.262857…);
        //        x = 0.9 − 0.1·m̂/√v̂.
        let mut optimizer = adam(AdamConfig {
            lr: 0.1,
            betas: (0.5, 0.75),
            eps: 0.0,
            ..AdamConfig::default()
        });
        let (mut x, mut oracle) = crate::optim::test_support::on_quadratic([1.0, 1.0]);
        optimizer.step(&mut x, &mut oracle);
        assert!(close(x[0], 0.9) && close(x[1], 0.9), "{x:?}");
        optimizer.step(&mut x, &mut oracle);
        let m2 = [0.7, 2.8];
        let v2: [f64; 2] = [0.39, 6.24];
        let x2: Vec<f64> = (0..2)
            .map(|i| 0.9 - 0.1 * (m2[i] / 0.75) / (v2[i] / 0.4375).sqrt())
            .collect();
        assert!(close(x[0], x2[0]) && close(x[1], x2[1]), "{x:?} vs {x2:?}");
        // t = 3: g = (x, 4y); m = 0.5·m + 0.5·g; v = 0.75·v + 0.25·g²;
        //        bias corrections 1 − 0.5³ = 0.875 and 1 − 0.75³ = 0.578125.
        optimizer.step(&mut x, &mut oracle);
        let g3 = [x2[0], 4.0 * x2[1]];
        let x3: Vec<f64> = (0..2)
            .map(|i| {
                let m = 0.5 * m2[i] + 0.5 * g3[i];
                let v = 0.75 * v2[i] + 0.25 * g3[i] * g3[i];
                x2[i] - 0.1 * (m / 0.875) / (v / 0.578125).sqrt()
            })
            .collect();
        assert!(close(x[0], x3[0]) && close(x[1], x3[1]), "{x:?} vs {x3:?}");
    }

    #[test]
    fn amsgrad_keeps_the_running_maximum_of_the_second_moment() {
        // On f = ½(x² + y²) from (1, 1) (both coordinates alike) with lr = 0.5, betas = (0, 0.5):
        // g₁ = 1, v₁ = 0.5, x₁ = 0.5;
        // g₂ = 0.5, v₂ = 0.25 + 0.125 = 0.375, max v̂ = 0.5 (not 0.375);
        // x₂ = 0.5 − 0.5·(0.5/1)/(√0.5/√0.75) = 0.5 − 0.25·√1.5.
        let mut optimizer = adam(AdamConfig {
            lr: 0.5,
            betas: (0.0, 0.5),
            eps: 0.0,
            amsgrad: true,
            ..AdamConfig::default()
        });
        let mut oracle = oracle_on(Quadratic::axis_aligned(1.0, 1.0));
        let mut x = DVector::from_vec(vec![1.0, 1.0]);
        optimizer.step(&mut x, &mut oracle);
        assert!(close(x[0], 0.5));
        optimizer.step(&mut x, &mut oracle);
        assert!(close(optimizer.core.exp_avg_sq[0], 0.375));
        assert!(close(optimizer.core.max_exp_avg_sq[0], 0.5));
        let expected = 0.5 - 0.25 * 1.5f64.sqrt();
        assert!(close(x[0], expected) && close(x[1], expected), "{x:?}");
    }

    #[test]
    fn l2_and_decoupled_weight_decay_follow_torch_order() {
        // L2: g = (1, 4) + 0.5·(1, 1) = (1.5, 4.5): the first step still moves by lr·sign.
        // Decoupled: x ← (1, 1)·(1 − 0.1·0.5) = (0.95, 0.95) first, then −lr·sign(g).
        for (decoupled, expected) in [(false, 0.9), (true, 0.85)] {
            let mut optimizer = adam(AdamConfig {
                lr: 0.1,
                weight_decay: 0.5,
                decoupled_weight_decay: decoupled,
                ..AdamConfig::default()
            });
            let (mut x, mut oracle) = crate::optim::test_support::on_quadratic([1.0, 1.0]);
            optimizer.step(&mut x, &mut oracle);
            assert!((x[0] - expected).abs() < 1e-9 && (x[1] - expected).abs() < 1e-9);
        }
    }

    #[test]
    fn maximize_ascends() {
        let mut optimizer = adam(AdamConfig {
            lr: 0.1,
            maximize: true,
            ..AdamConfig::default()
        });
        let (mut x, mut oracle) = crate::optim::test_support::on_quadratic([1.0, -1.0]);
        optimizer.step(&mut x, &mut oracle);
        assert!((x[0] - 1.1).abs() < 1e-7 && (x[1] + 1.1).abs() < 1e-7);
    }

    #[test]
    fn live_config_keeps_moments_and_reset_clears_them() {
        let mut optimizer = adam(AdamConfig::default());
        let (mut x, mut oracle) = crate::optim::test_support::on_quadratic([1.0, 1.0]);
        optimizer.step(&mut x, &mut oracle);
        let moments = optimizer.core.exp_avg.clone();
        let new = OptimizerConfig::Adam(AdamConfig {
            lr: 0.5,
            amsgrad: true,
            ..AdamConfig::default()
        });
        assert!(optimizer.set_config(&new));
        assert_eq!(optimizer.config.lr, 0.5);
        assert_eq!(optimizer.core.exp_avg, moments);
        assert_eq!(optimizer.core.step, 1.0);
        optimizer.set_lr(0.25);
        assert_eq!(optimizer.config.lr, 0.25);
        optimizer.reset();
        assert_eq!(optimizer.core.step, 0.0);
        assert!(optimizer.core.exp_avg.iter().all(|&m| m == 0.0));
        assert!(optimizer.core.exp_avg_sq.iter().all(|&v| v == 0.0));
        // After a reset the next step is a first step again: lr·sign(g).
        let mut x = DVector::from_vec(vec![1.0, 1.0]);
        optimizer.step(&mut x, &mut oracle);
        assert!(
            (x[0] - 0.75).abs() < 1e-7 && (x[1] - 0.75).abs() < 1e-7,
            "{x:?}"
        );
    }

    #[test]
    fn torch_validation() {
        let mut checker = Checker::new();
        AdamConfig {
            lr: 0.0,
            betas: (1.0, -0.1),
            eps: -1e-8,
            weight_decay: -1.0,
            ..AdamConfig::default()
        }
        .validate(&mut checker);
        let paths: Vec<_> = checker.found.iter().map(|i| i.path.as_str()).collect();
        assert_eq!(paths, ["lr", "eps", "betas[0]", "betas[1]", "weight_decay"]);
        assert!(
            checker.found[2]
                .message
                .starts_with("Invalid beta parameter at index 0: 1")
        );
    }
}
