//! signSGD and Signum: steps of fixed length lr along the sign of the gradient (or of its
//! momentum), after Bernstein, Wang, Azizzadenesheli & Anandkumar (2018). Not a torch.optim class.
//!
//! With gₜ the (minibatch) gradient at xₜ₋₁ and m₀ = 0, one step is, in this order:
//!
//! ```text
//! momentum = 0 (signSGD):  xₜ ← xₜ₋₁ − lr · sign(gₜ)
//! momentum > 0 (Signum):   mₜ ← momentum · mₜ₋₁ + (1 − momentum) · gₜ
//!                          xₜ ← xₜ₋₁ − lr · sign(mₜ)
//! ```
//!
//! with sign(0) = 0 (as `torch.sign`), so a coordinate whose gradient is exactly 0 does not move,
//! and sign(NaN) = NaN (torch gives 0), so that a NaN gradient shows as a diverged run instead of a
//! silently frozen one. Every coordinate of every step has length exactly lr (or 0): the method
//! ignores the gradient's magnitude, which is what makes it robust to badly scaled coordinates and
//! cheap to communicate (one bit per coordinate) — and what keeps it from converging with a
//! constant lr: near a minimizer it oscillates in a box of side ~lr around it.
//!
//! The (1 − momentum) factor does not change the direction (from m₀ = 0 at a fixed momentum, the
//! average without it is m/(1 − momentum), of the same sign); it is kept to follow the paper, where
//! m is an exponential average of gradients.
//!
//! Defaults (chosen here; the paper has none): lr = 1e-3 (torch's SGD default, so that the two
//! compare at equal settings), momentum = 0 (plain signSGD; Signum is typically run with momentum
//! ≈ 0.9). Validation: lr > 0, 0 ≤ momentum < 1 (at momentum = 1 the average would never
//! move away from m₀ = 0).
//!
//! Reference: J. Bernstein, Y.-X. Wang, K. Azizzadenesheli & A. Anandkumar, "signSGD: compressed
//! optimisation for non-convex problems", ICML 2018 (the SIGNSGD and SIGNUM algorithms).

use nalgebra::DVector;
use serde::{Deserialize, Serialize};

use super::family::LatestStep;
use super::{ArrowKind, Optimizer, OptimizerSpec, Quantity, StepInfo, ensure_len};
use crate::hyper::{Hypers, hyper_table};
use crate::objective::Oracle;
use crate::validate::Checker;

/// Hyperparameters of signSGD / Signum.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SignSgdConfig {
    /// Step length per coordinate.
    pub lr: f64,
    /// Momentum β of Signum's gradient average (0 = plain signSGD).
    pub momentum: f64,
}

hyper_table! {
    SignSgdConfig, owner: Self::DISPLAY_NAME, defaults {};
    lr = 1e-3: log_float(1e-5, 1.0) where positive, "x ← x − lr·sign(m)";
    momentum = 0.0: float(0.0, 0.999), "m ← momentum·m + (1 − momentum)·g (0 = plain signSGD)";
}

impl OptimizerSpec for SignSgdConfig {
    crate::optim::spec_names! {
        "signSGD": "signSGD / Signum (Bernstein et al. 2018): x ← x − lr·sign(m)"
    }

    fn validate(&self, checker: &mut Checker) {
        self.validate_rows(checker);
        check_unit_interval(checker, "momentum", self.momentum);
    }

    crate::optim::no_stability_threshold!(NotDerived);

    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        Box::new(SignSgd {
            config: self.clone(),
            grad: DVector::zeros(dim),
            momentum_buffer: DVector::zeros(dim),
            latest: LatestStep::default(),
            explained_momentum: 0.0,
        })
    }
}

/// Reports `value` unless 0 ≤ value < 1 (momentum and β coefficients).
pub(crate) fn check_unit_interval(checker: &mut Checker, field: &str, value: f64) {
    if checker.finite(field, value) && !(0.0..1.0).contains(&value) {
        checker.report(field, format!("{field} must be in [0, 1), got {value}"));
    }
}

/// sign(v) with sign(±0) = 0 (as `torch.sign`; Rust's `signum` gives ±1) and sign(NaN) = NaN.
pub(crate) fn sign(v: f64) -> f64 {
    if v > 0.0 {
        1.0
    } else if v < 0.0 {
        -1.0
    } else {
        // ±0 → 0, NaN → NaN.
        v * 0.0
    }
}

/// signSGD's state: Signum's momentum m (zero when built, as m₀ = 0 in the paper).
pub struct SignSgd {
    config: SignSgdConfig,
    grad: DVector<f64>,
    momentum_buffer: DVector<f64>,
    /// Whether a step was taken since the last reset, and the lr and momentum the latest one
    /// used, for [`Optimizer::explain`].
    latest: LatestStep,
    explained_momentum: f64,
}

impl Optimizer for SignSgd {
    fn step(&mut self, x: &mut DVector<f64>, oracle: &mut Oracle) -> StepInfo {
        let SignSgdConfig { lr, momentum } = self.config;
        ensure_len(&mut self.grad, x.len());
        ensure_len(&mut self.momentum_buffer, x.len());
        let loss = oracle.value_and_grad(x, &mut self.grad);
        self.latest.record(lr);
        self.explained_momentum = momentum;
        if momentum == 0.0 {
            // Plain signSGD directly, so that an earlier Signum average cannot leak in through 0·m.
            for (p, &g) in x.iter_mut().zip(self.grad.iter()) {
                *p -= lr * sign(g);
            }
        } else {
            for ((p, m), &g) in x
                .iter_mut()
                .zip(self.momentum_buffer.iter_mut())
                .zip(self.grad.iter())
            {
                *m = momentum * *m + (1.0 - momentum) * g;
                *p -= lr * sign(*m);
            }
        }
        StepInfo::proceed(loss)
    }

    crate::optim::config_edits!();

    fn reset(&mut self) {
        self.momentum_buffer.fill(0.0);
        self.latest.forget();
    }

    fn explain(&self) -> Vec<Quantity> {
        self.latest.explain(|lr| {
            let momentum = self.explained_momentum;
            let mut quantities = crate::optim::quantities![
                vector "gₜ" = "∇f(xₜ₋₁)" => self.grad.as_slice(),
            ];
            let direction = if momentum == 0.0 {
                &self.grad
            } else {
                quantities.push(Quantity::vector(
                    "mₜ",
                    "momentum·mₜ₋₁ + (1 − momentum)·gₜ",
                    self.momentum_buffer.as_slice(),
                ));
                &self.momentum_buffer
            };
            quantities.extend([
                Quantity::gradient_arrow(lr, &self.grad),
                Quantity::arrow(
                    ArrowKind::Preconditioned,
                    if momentum == 0.0 {
                        "−lr·sign(gₜ)"
                    } else {
                        "−lr·sign(mₜ)"
                    },
                    "exactly lr per coordinate, whatever the gradient's size",
                    direction.iter().map(|&d| -lr * sign(d)),
                ),
            ]);
            quantities
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::optim::OptimizerConfig;
    use crate::optim::test_support::{
        assert_every_coordinate_moves_lr, assert_path_close, assert_settles_within,
        path_on_quadratic,
    };

    use super::*;

    #[test]
    fn sign_of_zero_is_zero_and_nan_propagates() {
        assert_eq!(sign(0.0), 0.0);
        assert_eq!(sign(-0.0), 0.0);
        assert_eq!(sign(3.0), 1.0);
        assert_eq!(sign(-1e-300), -1.0);
        assert!(sign(f64::NAN).is_nan());
    }

    #[test]
    fn plain_sign_steps_by_hand() {
        // f = ½(x² + 4y²), ∇f = (x, 4y), lr = 0.3 from (0.5, −1):
        // g₁ = (0.5, −4) → x₁ = (0.5 − 0.3, −1 + 0.3) = (0.2, −0.7)
        // g₂ = (0.2, −2.8) → x₂ = (−0.1, −0.4)
        // g₃ = (−0.1, −1.6) → x₃ = (0.2, −0.1)
        let steps = path_on_quadratic(
            &SignSgdConfig {
                lr: 0.3,
                momentum: 0.0,
            },
            [0.5, -1.0],
            3,
        );
        assert_path_close(&steps, &[[0.2, -0.7], [-0.1, -0.4], [0.2, -0.1]]);
    }

    #[test]
    fn signum_steps_by_hand() {
        // momentum 0.5, lr 0.25, from (0.3, 1):
        // g₁ = (0.3, 4),    m₁ = 0.5·(0.3, 4) = (0.15, 2),         x₁ = (0.05, 0.75)
        // g₂ = (0.05, 3),   m₂ = (0.075 + 0.025, 1 + 1.5) = (0.1, 2.5),  x₂ = (−0.2, 0.5)
        // g₃ = (−0.2, 2),   m₃ = (0.05 − 0.1, 1.25 + 1) = (−0.05, 2.25), x₃ = (0.05, 0.25)
        // In step 3 the x-gradient is negative but the average only just turns negative.
        let steps = path_on_quadratic(
            &SignSgdConfig {
                lr: 0.25,
                momentum: 0.5,
            },
            [0.3, 1.0],
            3,
        );
        assert_path_close(&steps, &[[0.05, 0.75], [-0.2, 0.5], [0.05, 0.25]]);
    }

    #[test]
    fn every_coordinate_moves_exactly_lr() {
        for momentum in [0.0, 0.9] {
            let lr = 0.0123;
            assert_every_coordinate_moves_lr(&SignSgdConfig { lr, momentum }, lr, 50);
        }
    }

    #[test]
    fn a_zero_gradient_coordinate_stays_put() {
        let steps = path_on_quadratic(&SignSgdConfig::default(), [1.0, 0.0], 5);
        assert!(steps.iter().all(|x| x[1] == 0.0));
    }

    #[test]
    fn settles_within_lr_of_the_minimum_of_a_quadratic() {
        // Each coordinate walks to 0 in steps of lr, then hops across it: |xᵢ| < lr for good.
        let lr = 0.01;
        assert_settles_within(&SignSgdConfig { lr, momentum: 0.0 }, lr, 300, 150);
    }

    #[test]
    fn validation() {
        let mut checker = Checker::new();
        SignSgdConfig {
            lr: 0.0,
            momentum: 1.0,
        }
        .validate(&mut checker);
        let paths: Vec<_> = checker.found.iter().map(|i| i.path.as_str()).collect();
        assert_eq!(paths, ["lr", "momentum"]);
        assert_eq!(
            checker.found[1].message,
            "momentum must be in [0, 1), got 1"
        );
    }

    #[test]
    fn live_config_keeps_momentum_and_reset_clears_it() {
        let config = SignSgdConfig {
            lr: 0.1,
            momentum: 0.9,
        };
        let mut optimizer = config.build(2);
        let mut oracle = crate::optim::test_support::quadratic();
        let mut x = DVector::from_vec(vec![1.0, 1.0]);
        optimizer.step(&mut x, &mut oracle); // m = 0.1·(1, 4) = (0.1, 0.4)
        // Move to where the gradient's x-part is negative but small: the kept average wins.
        x[0] = -0.05;
        let edited = OptimizerConfig::SignSgd(SignSgdConfig { lr: 0.2, ..config });
        assert!(optimizer.set_config(&edited));
        let before = x[0];
        optimizer.step(&mut x, &mut oracle); // m₀ = 0.09 − 0.005 > 0: still steps left
        assert!((x[0] - (before - 0.2)).abs() < 1e-15);
        optimizer.reset();
        x[0] = -0.05;
        optimizer.step(&mut x, &mut oracle); // fresh m = 0.1·(−0.05) < 0: steps right
        assert!((x[0] - (-0.05 + 0.2)).abs() < 1e-15);
        assert!(!optimizer.set_config(&OptimizerConfig::default()));
    }
}
