//! FISTA: proximal gradient descent from Nesterov-extrapolated points, O(1/k²) instead of ISTA's
//! O(1/k).
//!
//! For f = g + h (g smooth, h with a cheap prox), from x₀ with y₁ = x₀ and t₁ = 1, step k = 1, 2, …
//! is (Beck & Teboulle's indexing)
//!
//! ```text
//! xₖ   = prox_{lr·h}(yₖ − lr·∇g(yₖ))
//! tₖ₊₁ = (1 + √(1 + 4tₖ²)) / 2
//! yₖ₊₁ = xₖ + ((tₖ − 1)/tₖ₊₁) · (xₖ − xₖ₋₁)
//! ```
//!
//! so the first two steps are plain proximal gradient steps (t₁ = 1 makes the second
//! extrapolation vanish) and the momentum (tₖ − 1)/tₖ₊₁ then grows towards 1 like (k − 1)/(k + 2).
//! The drawn iterate is xₖ; the extrapolated point yₖ₊₁ where the next gradient is taken is
//! [`Optimizer::auxiliary_point`]. For convex g with L-Lipschitz gradient and lr ≤ 1/L,
//! f(xₖ) − f* ≤ 2‖x₀ − x*‖²/(lr·(k + 1)²). FISTA is not a descent method: its loss ripples, and on
//! strongly convex problems its momentum, which keeps growing towards 1, overshoots: there ISTA
//! converges linearly and eventually overtakes it (on the `Lasso` with λ = 0.5 and lr = 1/L, FISTA
//! is ahead for the first ~50 steps, behind after ~100). Adaptive restart (O'Donoghue & Candès
//! 2015) fixes both; it is not implemented here.
//!
//! On a problem that is not composite, h = 0 and FISTA is Nesterov's 1983 accelerated gradient
//! method with this tₖ sequence (compare [`super::NesterovAgd`]). On a composite problem the
//! gradient is that of g (full batch, with the run's noise and clipping); the loss a step reports
//! is g(yₖ) + h(yₖ), the value at the point it evaluates.
//!
//! Defaults: lr = 1e-3 (torch.optim.SGD's default; the theory asks for lr ≤ 1/L). Validation:
//! lr > 0. State: tₖ, the previous iterate and the step count, kept by live edits, cleared by
//! reset. RON: `Fista(lr: 0.1)`.
//!
//! Reference: A. Beck & M. Teboulle, "A fast iterative shrinkage-thresholding algorithm for linear
//! inverse problems", SIAM J. Imaging Sciences 2(1), 2009 (FISTA with constant step, §4).

use nalgebra::DVector;
use serde::{Deserialize, Serialize};

use super::proximal_gd::{ProxExplained, forward_backward};
use super::{Optimizer, OptimizerSpec, Quantity, StepInfo, Threshold, ensure_len};
use crate::hyper::hyper_table;
use crate::objective::Oracle;

/// Hyperparameters of FISTA.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FistaConfig {
    /// Step size of the proximal gradient step (≤ 1/L in theory).
    pub lr: f64,
}

hyper_table! {
    FistaConfig, owner: Self::DISPLAY_NAME, defaults {};
    lr = 1e-3: log_float(1e-5, 10.0) where positive,
        "x ← prox_{lr·h}(y − lr·∇g(y)); y ← x + ((t − 1)/t')·(x − x_prev) (lr ≤ 1/L)";
}

impl OptimizerSpec for FistaConfig {
    crate::optim::spec_names! {
        "FISTA": "FISTA (Beck & Teboulle 2009): proximal gradient from extrapolated points, O(1/k²)"
    }

    fn stability_threshold(&self) -> Option<Threshold> {
        Threshold::accelerated(self.lr)
    }

    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        Box::new(Fista {
            config: self.clone(),
            grad: DVector::zeros(dim),
            previous: DVector::zeros(dim),
            lookahead: DVector::zeros(dim),
            t: 1.0,
            steps: 0,
            explained: ProxExplained::new(dim),
            explained_coefficient: 0.0,
        })
    }
}

/// tₖ₊₁ = (1 + √(1 + 4tₖ²))/2.
fn next_t(t: f64) -> f64 {
    (1.0 + (1.0 + 4.0 * t * t).sqrt()) / 2.0
}

/// FISTA's state: tₖ, the previous iterate and the extrapolated point.
pub struct Fista {
    config: FistaConfig,
    grad: DVector<f64>,
    /// xₖ₋₁ (meaningful once a step has been taken).
    previous: DVector<f64>,
    /// The extrapolated point y: where the gradient is taken, then (for drawing) the next one.
    lookahead: DVector<f64>,
    /// tₖ for the current iterate xₖ (t = 1 before the first step and after it).
    t: f64,
    /// Steps taken k.
    steps: u64,
    /// The latest step's yₖ and xₖ, for [`Optimizer::explain`].
    explained: ProxExplained,
    /// The momentum coefficient (tₖ₋₁ − 1)/tₖ that made the latest yₖ.
    explained_coefficient: f64,
}

impl Fista {
    /// y = x + coefficient·(x − x_prev) into `lookahead`.
    fn extrapolate(&mut self, x: &DVector<f64>, coefficient: f64) {
        for ((y, &p), &q) in self
            .lookahead
            .iter_mut()
            .zip(x.iter())
            .zip(self.previous.iter())
        {
            *y = p + coefficient * (p - q);
        }
    }
}

impl Optimizer for Fista {
    fn step(&mut self, x: &mut DVector<f64>, oracle: &mut Oracle) -> StepInfo {
        for buffer in [&mut self.grad, &mut self.previous, &mut self.lookahead] {
            ensure_len(buffer, x.len());
        }
        if self.steps == 0 {
            // y₁ = x₀.
            self.lookahead.copy_from(x);
            self.explained_coefficient = 0.0;
        } else {
            // yₖ₊₁ = xₖ + ((tₖ − 1)/tₖ₊₁)(xₖ − xₖ₋₁), recomputed from x so that x is authoritative.
            let t_next = next_t(self.t);
            self.explained_coefficient = (self.t - 1.0) / t_next;
            self.extrapolate(x, (self.t - 1.0) / t_next);
            self.t = t_next;
        }
        self.previous.copy_from(x);
        x.copy_from(&self.lookahead);
        self.explained.record_from(x, self.config.lr);
        let loss = forward_backward(x, &mut self.grad, self.config.lr, oracle);
        self.explained.record_to(x);
        self.steps += 1;
        // The next extrapolated point, for drawing (the same arithmetic the next step does).
        self.extrapolate(x, (self.t - 1.0) / next_t(self.t));
        StepInfo::proceed(loss)
    }

    crate::optim::config_edits!();

    fn reset(&mut self) {
        self.t = 1.0;
        self.steps = 0;
        self.previous.fill(0.0);
        self.lookahead.fill(0.0);
    }

    fn auxiliary_point(&self) -> Option<&DVector<f64>> {
        (self.steps > 0).then_some(&self.lookahead)
    }

    fn explain(&self) -> Vec<Quantity> {
        let e = &self.explained;
        crate::optim::explain_once_stepped(self.steps > 0 && e.steps > 0, || {
            let mut quantities = crate::optim::quantities![
                scalar "tₖ" = "(1 + √(1 + 4tₖ₋₁²)) / 2 (t₁ = 1)" => self.t,
                scalar "(tₖ₋₁ − 1)/tₖ" = "the momentum coefficient that made yₖ"
                    => self.explained_coefficient,
                vector "yₖ" = "xₖ₋₁ + ((tₖ₋₁ − 1)/tₖ)·(xₖ₋₁ − xₖ₋₂)" => e.from.as_slice(),
                vector "∇g(yₖ)" = "the smooth part's gradient at yₖ (∇f when not composite)"
                    => self.grad.as_slice(),
            ];
            quantities.extend(e.prox_quantities(
                &self.grad,
                ["z", "xₖ", "prox_{lr·h}(z) − z"],
                [
                    "yₖ − lr·∇g(yₖ): the prox input",
                    "prox_{lr·h}(z)",
                    "what the prox changed (0 when h = 0)",
                ],
            ));
            quantities.extend(crate::optim::quantities![
                arrow Momentum "yₖ − xₖ₋₁" = "the extrapolation along the last displacement"
                    => e.from.iter().zip(self.previous.iter()).map(|(y, p)| y - p),
                arrow Gradient "−lr·∇g(yₖ)" = "the gradient step from yₖ, before the prox"
                    => self.grad.iter().map(|g| -e.lr * g),
            ]);
            quantities
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::optim::OptimizerConfig;
    use crate::optim::test_support::assert_point_close;
    use std::sync::Arc;

    use super::*;
    use crate::validate::Checker;

    use crate::landscape::{LandscapeObjective, LandscapeSpec, Lasso, Minimizers, Quadratic};
    use crate::objective::GradientModel;
    use crate::optim::ProximalGdConfig;
    use crate::optim::test_support::Shrink;

    #[test]
    fn four_hand_computed_steps() {
        // lr = 0.5 (threshold 0.5); a prox-gradient step from y is
        // p(y) = soft(y − 0.5(y − c), 0.5) = soft(0.5y + (1, −0.25), 0.5); from y with y₂ = 0 it
        // gives (0.5y₁ + 0.5, 0).
        // k = 1: y₁ = x₀ = 0, x₁ = (0.5, 0)
        // k = 2: t₂ = (1 + √5)/2, y₂ = x₁ + 0·(x₁ − x₀) = x₁, x₂ = (0.75, 0)
        // k = 3: t₃ = (1 + √(1 + 4t₂²))/2, β₃ = (t₂ − 1)/t₃ ≈ 0.2818,
        //        y₃ = (0.75 + 0.25β₃, 0), x₃ = (0.875 + 0.125β₃, 0)
        // k = 4: t₄ = (1 + √(1 + 4t₃²))/2, β₄ = (t₃ − 1)/t₄,
        //        y₄ = x₃ + β₄(x₃ − x₂), x₄ = (0.5y₄ + 0.5, 0)
        let mut optimizer = FistaConfig { lr: 0.5 }.build(2);
        let mut oracle = Oracle::new(Arc::new(Shrink), GradientModel::default(), 0);
        let mut x = DVector::from_vec(vec![0.0, 0.0]);
        assert!(optimizer.auxiliary_point().is_none());
        let info = optimizer.step(&mut x, &mut oracle);
        assert_eq!(info.loss, 2.125);
        assert_point_close(&x, [0.5, 0.0]);
        assert_point_close(optimizer.auxiliary_point().unwrap(), [0.5, 0.0]);
        optimizer.step(&mut x, &mut oracle);
        assert_point_close(&x, [0.75, 0.0]);
        let t2 = (1.0 + 5f64.sqrt()) / 2.0;
        let t3 = (1.0 + (1.0 + 4.0 * t2 * t2).sqrt()) / 2.0;
        let beta3 = (t2 - 1.0) / t3;
        assert!((beta3 - 0.2818).abs() < 1e-4);
        let y3 = 0.75 + 0.25 * beta3;
        assert_point_close(optimizer.auxiliary_point().unwrap(), [y3, 0.0]);
        optimizer.step(&mut x, &mut oracle);
        let x3 = 0.5 * y3 + 0.5;
        assert_point_close(&x, [x3, 0.0]);
        let t4 = (1.0 + (1.0 + 4.0 * t3 * t3).sqrt()) / 2.0;
        let y4 = x3 + (t3 - 1.0) / t4 * (x3 - 0.75);
        let info = optimizer.step(&mut x, &mut oracle);
        // The loss is f(y₄) = ½((y₄ − 2)² + 0.25) + y₄.
        assert!((info.loss - (0.5 * ((y4 - 2.0).powi(2) + 0.25) + y4)).abs() < 1e-14);
        assert_point_close(&x, [0.5 * y4 + 0.5, 0.0]);
    }

    #[test]
    fn beats_ista_on_the_lasso() {
        // λ = 1 keeps both coordinates nonzero at x* ≈ (0.267, 0.894) (with the default λ = 2 the
        // prox zeroes x at once and both methods are exact within a few steps).
        let lasso = Lasso {
            lambda: 1.0,
            ..Lasso::default()
        }
        .build();
        let Minimizers::Points(minima) = lasso.minimizers() else {
            panic!("the LASSO has a unique minimizer");
        };
        let (f_star, lr) = (minima[0].value, 1.0 / minima[0].curvature[1]);
        let gap_after = |optimizer: &mut Box<dyn Optimizer>, steps: usize| {
            let mut oracle = Oracle::new(
                Arc::new(LandscapeObjective::new(lasso.clone())),
                GradientModel::default(),
                0,
            );
            let mut x = DVector::from_vec(lasso.default_start().to_vec());
            for _ in 0..steps {
                optimizer.step(&mut x, &mut oracle);
            }
            lasso.value([x[0], x[1]]) - f_star
        };
        for steps in [20, 50] {
            let ista = gap_after(&mut ProximalGdConfig { lr }.build(2), steps);
            let fista = gap_after(&mut FistaConfig { lr }.build(2), steps);
            assert!(
                fista >= -1e-14 && fista < 0.1 * ista,
                "{steps} steps: FISTA {fista:e} vs ISTA {ista:e}"
            );
        }
        let fista = gap_after(&mut FistaConfig { lr }.build(2), 300);
        assert!(fista.abs() < 1e-13, "{fista}");
    }

    #[test]
    fn is_accelerated_gradient_on_a_problem_that_is_not_composite() {
        let quadratic = Quadratic {
            lambda1: 1.0,
            lambda2: 100.0,
            angle_deg: 20.0,
        };
        let mut oracle = Oracle::new(
            Arc::new(LandscapeObjective::new(Arc::new(quadratic))),
            GradientModel::default(),
            0,
        );
        let mut optimizer = FistaConfig { lr: 0.01 }.build(2);
        let mut x = DVector::from_vec(vec![1.0, 1.0]);
        for _ in 0..2000 {
            optimizer.step(&mut x, &mut oracle);
        }
        assert!(x.norm() < 1e-6, "{x:?}");
    }

    #[test]
    fn live_edits_keep_the_momentum_and_reset_clears_it() {
        let mut oracle = Oracle::new(Arc::new(Shrink), GradientModel::default(), 0);
        let mut optimizer = FistaConfig { lr: 0.5 }.build(2);
        let mut x = DVector::from_vec(vec![0.0, 0.0]);
        optimizer.step(&mut x, &mut oracle);
        optimizer.step(&mut x, &mut oracle);
        assert!(optimizer.set_config(&OptimizerConfig::Fista(FistaConfig { lr: 0.5 })));
        optimizer.step(&mut x, &mut oracle);
        let t2 = (1.0 + 5f64.sqrt()) / 2.0;
        let t3 = (1.0 + (1.0 + 4.0 * t2 * t2).sqrt()) / 2.0;
        assert_point_close(&x, [0.875 + 0.125 * (t2 - 1.0) / t3, 0.0]);
        optimizer.reset();
        assert!(optimizer.auxiliary_point().is_none());
        optimizer.set_lr(0.25);
        let mut x = DVector::from_vec(vec![0.0, 0.0]);
        optimizer.step(&mut x, &mut oracle);
        assert_point_close(&x, [0.25, 0.0]);
        let mut checker = Checker::new();
        FistaConfig { lr: 0.0 }.validate(&mut checker);
        assert_eq!(checker.found[0].message, "lr must be > 0, got 0");
    }
}
