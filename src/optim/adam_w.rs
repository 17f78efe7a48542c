//! AdamW: Adam with decoupled weight decay, exactly as `torch.optim.AdamW`.
//!
//! torch's AdamW is Adam with `decoupled_weight_decay=True`, and so is this one: it runs the same
//! update core as [`Adam`](super::Adam). With gₜ the (minibatch) gradient at xₜ₋₁, in torch's order:
//!
//! ```text
//! if maximize:          gₜ ← −gₜ
//! xₜ₋₁ ← xₜ₋₁ · (1 − lr · weight_decay)                    (decay first, outside the moments)
//! mₜ ← mₜ₋₁ + (1 − β₁) · (gₜ − mₜ₋₁)
//! vₜ ← vₜ₋₁ · β₂ + (1 − β₂) · gₜ · gₜ
//! v̂ₜ ← max(v̂ₜ₋₁, vₜ) if amsgrad, else vₜ
//! xₜ ← xₜ₋₁ + (−lr/(1 − β₁ᵗ) · mₜ) / (√v̂ₜ / (1 − β₂ᵗ)^0.5 + eps)
//! ```
//!
//! Unlike Adam's L2 penalty, whose gradient weight_decay·x is divided by √v like any other
//! gradient (so heavily-updated coordinates are barely regularized), the decoupled decay shrinks
//! every coordinate by the same factor: the minimizer of f + (weight_decay/2)‖x‖² is no longer a
//! fixed point, the iterates settle where lr·(adaptive step) balances lr·weight_decay·x.
//!
//! Defaults (torch 2.x): lr = 1e-3, betas = (0.9, 0.999), eps = 1e-8, weight_decay = 1e-2,
//! amsgrad = false, maximize = false. Validation as torch: 0 ≤ β₁, β₂ < 1, eps ≥ 0,
//! weight_decay ≥ 0; optiviz also requires lr > 0. The single-tensor path (`_single_tensor_adam`)
//! is the reference; `foreach`, `fused`, `capturable`, `differentiable` are not modelled.
//!
//! References: PyTorch documentation and source of `torch.optim.AdamW`; Loshchilov & Hutter,
//! "Decoupled Weight Decay Regularization" (ICLR 2019).

use serde::{Deserialize, Serialize};

use super::adam::{AdamFamily, AdamVariant, adam_hyper_table, adam_variant_spec};
use super::{AdamConfig, OptimizerSpec};

/// Hyperparameters of `torch.optim.AdamW`, same names and defaults.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AdamWConfig {
    /// Step size.
    pub lr: f64,
    /// Decay rates (β₁, β₂) of the running averages of the gradient and of its square.
    pub betas: (f64, f64),
    /// Added to the denominator √v̂ for numerical stability.
    pub eps: f64,
    /// Decoupled weight decay: x ← x·(1 − lr·weight_decay) before each step.
    pub weight_decay: f64,
    /// Use the running maximum of the second moment (AMSGrad).
    pub amsgrad: bool,
    /// Ascend instead of descend.
    pub maximize: bool,
}

impl AdamVariant for AdamWConfig {
    fn as_adam(&self) -> AdamConfig {
        AdamConfig {
            lr: self.lr,
            betas: self.betas,
            eps: self.eps,
            weight_decay: self.weight_decay,
            amsgrad: self.amsgrad,
            maximize: self.maximize,
            decoupled_weight_decay: true,
        }
    }

    fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }
}

adam_hyper_table! {
    AdamWConfig,
    weight_decay_help:
        "x ← x·(1 − lr·weight_decay) before the Adam step (decoupled from the moments)",
    weight_decay = 1e-2;
}

adam_variant_spec! {
    AdamWConfig,
    "AdamW": "torch.optim.AdamW: Adam with decoupled weight decay"
}

/// AdamW's optimizer: Adam's moment estimates and step count.
pub type AdamW = AdamFamily<AdamWConfig>;

#[cfg(test)]
mod tests {
    use nalgebra::DVector;

    use super::*;
    use crate::optim::test_support::quadratic;
    use crate::optim::{Optimizer, OptimizerConfig};

    fn run(config: &OptimizerConfig, steps: usize, start: [f64; 2]) -> DVector<f64> {
        let mut optimizer = config.build(2);
        let mut oracle = quadratic();
        let mut x = DVector::from_vec(start.to_vec());
        for _ in 0..steps {
            optimizer.step(&mut x, &mut oracle);
        }
        x
    }

    #[test]
    fn two_steps_match_hand_computation() {
        // lr = 0.1, weight_decay = 0.5, betas = (0.5, 0.75), eps = 0 on ½(x² + 4y²) from (1, 1).
        // t = 1: x ← (1, 1)·(1 − 0.05) = (0.95, 0.95); g = (1, 4) was taken at (1, 1);
        //        m̂ = g, v̂ = g², x = 0.95 − 0.1 = (0.85, 0.85).
        // t = 2: x ← 0.85·0.95 = 0.8075; g = (0.85, 3.4); m = 0.5·(0.5, 2) + 0.5·g = (0.675, 2.7);
        //        v = 0.75·(0.25, 4) + 0.25·g² = (0.368125, 5.89); bias corrections 0.75, 0.4375;
        //        x = 0.8075 − 0.1·(m/0.75)/√(v/0.4375).
        let config = OptimizerConfig::AdamW(AdamWConfig {
            lr: 0.1,
            weight_decay: 0.5,
            betas: (0.5, 0.75),
            eps: 0.0,
            ..AdamWConfig::default()
        });
        let x1 = run(&config, 1, [1.0, 1.0]);
        assert!((x1[0] - 0.85).abs() < 1e-14 && (x1[1] - 0.85).abs() < 1e-14);
        let x2 = run(&config, 2, [1.0, 1.0]);
        let (m, v) = ([0.675, 2.7], [0.368125, 5.89]);
        for i in 0..2 {
            let expected = 0.8075 - 0.1 * (m[i] / 0.75) / (v[i] / 0.4375f64).sqrt();
            assert!((x2[i] - expected).abs() < 1e-14, "{x2:?}");
        }
    }

    #[test]
    fn equals_adam_with_decoupled_weight_decay_bit_for_bit() {
        let adam_w = OptimizerConfig::AdamW(AdamWConfig {
            lr: 0.05,
            weight_decay: 0.1,
            amsgrad: true,
            ..AdamWConfig::default()
        });
        let adam = OptimizerConfig::Adam(AdamConfig {
            lr: 0.05,
            weight_decay: 0.1,
            amsgrad: true,
            decoupled_weight_decay: true,
            ..AdamConfig::default()
        });
        assert_eq!(run(&adam_w, 300, [1.0, -1.0]), run(&adam, 300, [1.0, -1.0]));
    }

    #[test]
    fn live_config_keeps_moments_and_reset_clears_them() {
        let config = crate::optim::test_support::with_lr::<AdamWConfig>(0.1);
        let mut optimizer = AdamW::new(config.clone(), 2);
        let (mut x, mut oracle) = crate::optim::test_support::on_quadratic([1.0, 1.0]);
        optimizer.step(&mut x, &mut oracle);
        let new = OptimizerConfig::AdamW(AdamWConfig {
            weight_decay: 0.0,
            ..config
        });
        assert!(optimizer.set_config(&new));
        assert!(!optimizer.set_config(&OptimizerConfig::Adam(AdamConfig::default())));
        assert_eq!(optimizer.config.weight_decay, 0.0);
        // A second step with kept moments is not a first step: it moves by less than lr.
        let before = x.clone();
        optimizer.step(&mut x, &mut oracle);
        assert!((x[0] - before[0]).abs() < 0.1 - 1e-4);
        optimizer.reset();
        let before = x.clone();
        optimizer.step(&mut x, &mut oracle);
        assert!(((x[0] - before[0]).abs() - 0.1).abs() < 1e-7);
    }
}
