//! Lion (EvoLved Sign Momentum): a sign step along an interpolation of the momentum and the
//! gradient, with decoupled weight decay, after Chen et al. (2023). Not a torch.optim class.
//!
//! With gₜ the (minibatch) gradient at xₜ₋₁, m₀ = 0 and β1, β2 = `betas`, the paper's Algorithm 2
//! reads xₜ ← xₜ₋₁ − lr·(sign(cₜ) + weight_decay·xₜ₋₁). This file follows the order of operations
//! of the authors' PyTorch code (google/automl, `lion/lion_pytorch.py`), which applies the decay
//! first:
//!
//! ```text
//! xₜ ← xₜ₋₁ · (1 − lr · weight_decay)           decoupled weight decay, as in AdamW
//! cₜ ← β1 · mₜ₋₁ + (1 − β1) · gₜ               the update direction interpolates m and g …
//! xₜ ← xₜ + (−lr) · sign(cₜ)                    … and only its sign is used
//! mₜ ← β2 · mₜ₋₁ + (1 − β2) · gₜ               the momentum is tracked with the slower β2
//! ```
//!
//! The two orders are the same update in exact arithmetic (both shrink xₜ₋₁, the gradient having
//! been taken there); they can differ in the last bit. sign(0) = 0 as `torch.sign`; sign(NaN) = NaN
//! here (torch gives 0) so that a NaN gradient shows as a diverged run. Without weight decay every
//! coordinate of every step has length exactly lr (or 0). With weight decay λ > 0 the fixed points
//! satisfy ‖x‖∞ ≤ 1/λ: Lion then minimizes f within that box (L. Chen, B. Liu, K. Liang & Q. Liu,
//! "Lion secretly solves constrained optimization", ICLR 2024).
//!
//! Defaults (the paper's and the authors' code): lr = 1e-4, betas = (0.9, 0.99),
//! weight_decay = 0 (the authors recommend an lr 3–10× smaller than AdamW's and a weight decay
//! 3–10× larger). Validation as the authors' code (0 ≤ β < 1 for both betas), plus lr > 0 and
//! weight_decay ≥ 0.
//!
//! Reference: X. Chen, C. Liang, D. Huang, E. Real, K. Wang, Y. Liu, H. Pham, X. Dong, T. Luong,
//! C.-J. Hsieh, Y. Lu & Q. V. Le, "Symbolic discovery of optimization algorithms", NeurIPS 2023
//! (arXiv:2302.06675), Algorithm 2 and Program 1.

use nalgebra::DVector;
use serde::{Deserialize, Serialize};

use super::family::LatestStep;
use super::sign_sgd::{check_unit_interval, sign};
use super::{ArrowKind, Optimizer, OptimizerSpec, Quantity, StepInfo, ensure_len};
use crate::hyper::{Hypers, hyper_table};
use crate::objective::Oracle;
use crate::validate::Checker;

/// Hyperparameters of Lion, with the names and defaults of the authors' PyTorch code.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LionConfig {
    /// Step length per coordinate.
    pub lr: f64,
    /// (β1, β2): β1 interpolates the update direction, β2 averages the momentum.
    pub betas: (f64, f64),
    /// Decoupled weight decay λ: x ← x·(1 − lr·λ) each step.
    pub weight_decay: f64,
}

hyper_table! {
    LionConfig, owner: Self::DISPLAY_NAME, defaults { betas: (0.9, 0.99) };
    lr = 1e-4: log_float(1e-5, 1.0) where positive, "x ← x·(1 − lr·weight_decay) − lr·sign(c)";
    betas.0 as "betas[0]": float(0.0, 0.999),
        "c ← β1·m + (1 − β1)·g: the direction whose sign is taken";
    betas.1 as "betas[1]": float(0.0, 0.999),
        "m ← β2·m + (1 − β2)·g: the momentum, updated after the step";
    weight_decay = 0.0: log_float(0.0, 10.0),
        "decoupled decay x ← x·(1 − lr·weight_decay); keeps ‖x‖∞ ≤ 1/weight_decay";
}

impl OptimizerSpec for LionConfig {
    crate::optim::spec_names! {
        "Lion": "Lion (Chen et al. 2023): sign of a momentum–gradient blend"
    }

    fn validate(&self, checker: &mut Checker) {
        self.validate_rows(checker);
        check_unit_interval(checker, "betas[0]", self.betas.0);
        check_unit_interval(checker, "betas[1]", self.betas.1);
        checker.non_negative("weight_decay", self.weight_decay);
    }

    crate::optim::no_stability_threshold!(NotDerived);

    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        Box::new(Lion {
            config: self.clone(),
            grad: DVector::zeros(dim),
            exp_avg: DVector::zeros(dim),
            explained: LionExplained {
                latest: LatestStep::default(),
                weight_decay: 0.0,
                update: DVector::zeros(dim),
                previous_x: DVector::zeros(dim),
            },
        })
    }
}

/// Lion's state: the momentum m (`exp_avg` in the authors' code), zero when built.
pub struct Lion {
    config: LionConfig,
    grad: DVector<f64>,
    exp_avg: DVector<f64>,
    explained: LionExplained,
}

/// What the latest step computed or overwrote, for [`Optimizer::explain`] (preallocated copies:
/// no allocation per step).
struct LionExplained {
    /// Whether a step was taken since the last reset, and its lr.
    latest: LatestStep,
    weight_decay: f64,
    /// cₜ.
    update: DVector<f64>,
    /// xₜ₋₁ before the decay.
    previous_x: DVector<f64>,
}

impl Optimizer for Lion {
    fn step(&mut self, x: &mut DVector<f64>, oracle: &mut Oracle) -> StepInfo {
        let LionConfig {
            lr,
            betas: (beta1, beta2),
            weight_decay,
        } = self.config;
        ensure_len(&mut self.grad, x.len());
        ensure_len(&mut self.exp_avg, x.len());
        let loss = oracle.value_and_grad(x, &mut self.grad);
        // p.data.mul_(1 − lr·weight_decay): a factor of exactly 1 without decay.
        let decay = 1.0 - lr * weight_decay;
        let explained = &mut self.explained;
        ensure_len(&mut explained.update, x.len());
        ensure_len(&mut explained.previous_x, x.len());
        explained.previous_x.copy_from(x);
        explained.latest.record(lr);
        explained.weight_decay = weight_decay;
        for (((p, m), &g), c) in x
            .iter_mut()
            .zip(self.exp_avg.iter_mut())
            .zip(self.grad.iter())
            .zip(explained.update.iter_mut())
        {
            *p *= decay;
            let update = *m * beta1 + g * (1.0 - beta1);
            *c = update;
            *p += -lr * sign(update);
            *m = *m * beta2 + (1.0 - beta2) * g;
        }
        StepInfo::proceed(loss)
    }

    crate::optim::config_edits!();

    fn reset(&mut self) {
        self.exp_avg.fill(0.0);
        self.explained.latest.forget();
    }

    fn explain(&self) -> Vec<Quantity> {
        let e = &self.explained;
        e.latest.explain(|lr| {
            let mut quantities = crate::optim::quantities![
                vector "gₜ" = "∇f(xₜ₋₁)" => self.grad.as_slice(),
            ];
            if e.weight_decay != 0.0 {
                quantities.push(Quantity::vector(
                    "−lr·weight_decay·xₜ₋₁",
                    "the decoupled decay xₜ₋₁·(1 − lr·weight_decay) − xₜ₋₁",
                    &e.previous_x
                        .iter()
                        .map(|p| -lr * e.weight_decay * p)
                        .collect::<Vec<_>>(),
                ));
            }
            quantities.extend([
                Quantity::vector("cₜ", "β1·mₜ₋₁ + (1 − β1)·gₜ", e.update.as_slice()),
                Quantity::vector("mₜ", "β2·mₜ₋₁ + (1 − β2)·gₜ", self.exp_avg.as_slice()),
                Quantity::gradient_arrow(lr, &self.grad),
                Quantity::arrow(
                    ArrowKind::Preconditioned,
                    "−lr·sign(cₜ)",
                    "the Lion step: exactly lr per coordinate",
                    e.update.iter().map(|&c| -lr * sign(c)),
                ),
            ]);
            quantities
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::optim::OptimizerConfig;
    use crate::optim::test_support::oracle_for;
    use crate::optim::test_support::{
        assert_every_coordinate_moves_lr, assert_path_close, assert_settles_within,
        path_on_quadratic, with_lr,
    };
    use std::sync::Arc;

    use super::*;
    use crate::hyper::{HyperValue, Hypers};

    use crate::landscape::Rosenbrock;

    #[test]
    fn three_steps_by_hand_where_the_momentum_outvotes_the_gradient() {
        // lr = 0.1, betas = (0.9, 0.5), no decay, from (0.05, 1):
        // g₁ = (0.05, 4):   c₁ = 0.1·g₁ > 0,                          x₁ = (−0.05, 0.9)
        //                   m₁ = 0.5·g₁ = (0.025, 2)
        // g₂ = (−0.05, 3.6): c₂ = (0.0225 − 0.005, 1.8 + 0.36) = (0.0175, 2.16) > 0,
        //                   x₂ = (−0.15, 0.8)  (x keeps going against its gradient)
        //                   m₂ = (0.0125 − 0.025, 1 + 1.8) = (−0.0125, 2.8)
        // g₃ = (−0.15, 3.2): c₃ = (−0.01125 − 0.015, 2.52 + 0.32) = (−0.02625, 2.84),
        //                   x₃ = (−0.05, 0.7)
        let steps = path_on_quadratic(
            &LionConfig {
                lr: 0.1,
                betas: (0.9, 0.5),
                weight_decay: 0.0,
            },
            [0.05, 1.0],
            3,
        );
        assert_path_close(&steps, &[[-0.05, 0.9], [-0.15, 0.8], [-0.05, 0.7]]);
    }

    #[test]
    fn three_steps_by_hand_with_decoupled_weight_decay() {
        // lr = 0.1, weight_decay = 0.5 → decay factor 0.95, default betas, from (1, −1):
        // g₁ = (1, −4):        x ← 0.95·(1, −1) = (0.95, −0.95); c₁ = 0.1·g₁ → (0.85, −0.85)
        //                      m₁ = 0.01·g₁ = (0.01, −0.04)
        // g₂ = (0.85, −3.4):   x ← (0.8075, −0.8075); c₂ = (0.094, −0.376) → (0.7075, −0.7075)
        //                      m₂ = 0.99·m₁ + 0.01·g₂ = (0.0184, −0.0736)
        // g₃ = (0.7075, −2.83): x ← (0.672125, −0.672125); c₃ = (0.08731, −0.34924)
        //                      → (0.572125, −0.572125)
        let steps = path_on_quadratic(
            &LionConfig {
                lr: 0.1,
                weight_decay: 0.5,
                ..LionConfig::default()
            },
            [1.0, -1.0],
            3,
        );
        assert_path_close(
            &steps,
            &[[0.85, -0.85], [0.7075, -0.7075], [0.572125, -0.572125]],
        );
    }

    #[test]
    fn without_decay_every_coordinate_moves_exactly_lr() {
        assert_every_coordinate_moves_lr(&with_lr::<LionConfig>(0.0123), 0.0123, 100);
    }

    #[test]
    fn settles_near_the_minimum_of_a_quadratic() {
        // A sign method with a constant lr ends in a small limit cycle around the minimizer.
        assert_settles_within(&with_lr::<LionConfig>(0.01), 5.0 * 0.01, 1000, 500);
    }

    #[test]
    fn weight_decay_confines_the_iterate_to_a_box() {
        // Rosenbrock's minimizer (1, 1) lies outside the box ‖x‖∞ ≤ 1/λ = 0.5; along the valley
        // f = (1 − x)² falls with x, so the constrained minimizer is (0.5, 0.25). While the
        // x-gradient stays negative, x ← x·(1 − lr·λ) + lr has its fixed point exactly at 1/λ.
        let x = crate::optim::test_support::iterate(
            &LionConfig {
                lr: 1e-3,
                weight_decay: 2.0,
                ..LionConfig::default()
            },
            &mut oracle_for(Arc::new(Rosenbrock::default())),
            [-1.0, 1.0],
            20_000,
        );
        assert!(
            (x[0] - 0.5).abs() < 0.01 && (x[1] - 0.25).abs() < 0.01,
            "{x:?}"
        );
        assert!(x[0] <= 0.5 + 1e-12, "{x:?}");
    }

    #[test]
    fn validation() {
        let mut checker = Checker::new();
        LionConfig {
            lr: -1.0,
            betas: (1.0, -0.1),
            weight_decay: -1.0,
        }
        .validate(&mut checker);
        let paths: Vec<_> = checker.found.iter().map(|i| i.path.as_str()).collect();
        assert_eq!(paths, ["lr", "betas[0]", "betas[1]", "weight_decay"]);
        assert_eq!(
            checker.found[1].message,
            "betas[0] must be in [0, 1), got 1"
        );
    }

    #[test]
    fn set_hyper_reaches_both_betas() {
        let mut config = LionConfig::default();
        config
            .set_hyper("betas[0]", HyperValue::Float(0.95))
            .expect("betas[0]");
        config
            .set_hyper("betas[1]", HyperValue::Float(0.98))
            .expect("betas[1]");
        assert_eq!(config.betas, (0.95, 0.98));
        assert!(config.set_hyper("betas", HyperValue::Float(0.5)).is_err());
    }

    #[test]
    fn live_config_keeps_momentum_and_reset_clears_it() {
        let config = LionConfig {
            lr: 0.1,
            betas: (0.9, 0.5),
            weight_decay: 0.0,
        };
        let mut optimizer = config.build(2);
        let mut oracle = crate::optim::test_support::quadratic();
        let mut x = DVector::from_vec(vec![1.0, 1.0]);
        optimizer.step(&mut x, &mut oracle); // m = 0.5·(1, 4)
        x[0] = -0.1; // g = −0.1, c = 0.9·0.5 − 0.01 > 0: the kept momentum wins
        let edited = OptimizerConfig::Lion(LionConfig { lr: 0.2, ..config });
        assert!(optimizer.set_config(&edited));
        optimizer.step(&mut x, &mut oracle);
        assert!((x[0] - (-0.3)).abs() < 1e-15);
        optimizer.reset();
        x[0] = -0.1; // fresh m = 0: c = 0.1·(−0.1) < 0
        optimizer.step(&mut x, &mut oracle);
        assert!((x[0] - 0.1).abs() < 1e-15);
        assert!(!optimizer.set_config(&OptimizerConfig::default()));
    }
}
