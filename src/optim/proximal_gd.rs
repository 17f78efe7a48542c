//! Proximal gradient descent (ISTA): a gradient step on the smooth part, then the proximal
//! operator of the nonsmooth part.
//!
//! For a composite problem f = g + h (g smooth, h with a cheap proximal operator, such as the
//! LASSO's h = λ‖x‖₁), one step is
//!
//! ```text
//! z ← x − lr·∇g(x)
//! x ← prox_{lr·h}(z) = argmin_u h(u) + ‖u − z‖²/(2·lr)
//! ```
//!
//! For h = λ‖·‖₁ the prox is soft-thresholding, zᵢ ↦ sign(zᵢ)·max(|zᵢ| − lr·λ, 0), which sets small
//! coordinates exactly to 0: unlike subgradient descent, which chatters across the kinks, ISTA lands
//! on the sparse solution and stays there. For convex g with L-Lipschitz gradient and lr ≤ 1/L,
//! f(xₖ) − f* ≤ ‖x₀ − x*‖²/(2·lr·k), and the error shrinks linearly when g is strongly convex;
//! [`super::Fista`] accelerates it to O(1/k²). The step is a majorization–minimization step: it
//! minimizes g's quadratic upper bound g(x) + ∇g(x)ᵀ(u − x) + ‖u − x‖²/(2·lr) plus h exactly.
//!
//! On a problem that is not composite (every landscape but `Lasso` today), h = 0, the prox is the
//! identity and the method is plain gradient descent x ← x − lr·∇f(x) on the full (minibatch,
//! noisy, clipped) gradient. On a composite problem the gradient of g is the full one (with the
//! run's noise and clipping), and the loss a step reports is g(x) + h(x) at the pre-step iterate.
//!
//! Defaults: lr = 1e-3 (torch.optim.SGD's default; the theory asks for lr ≤ 1/L, L the smooth
//! part's largest curvature). Validation: lr > 0. No state. RON: `ProximalGd(lr: 0.1)`.
//!
//! References: A. Beck & M. Teboulle, "A fast iterative shrinkage-thresholding algorithm for linear
//! inverse problems", SIAM J. Imaging Sciences 2(1), 2009 (ISTA and its O(1/k) rate);
//! N. Parikh & S. Boyd, "Proximal Algorithms", Foundations and Trends in Optimization 1(3), 2014
//! (§4.2, the proximal gradient method).

use nalgebra::DVector;
use serde::{Deserialize, Serialize};

use super::{ArrowKind, Optimizer, OptimizerSpec, Quantity, StepInfo, Threshold, ensure_len};
use crate::hyper::hyper_table;
use crate::objective::Oracle;

/// Hyperparameters of proximal gradient descent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProximalGdConfig {
    /// Step size of the gradient step and of the prox (≤ 1/L in theory).
    pub lr: f64,
}

hyper_table! {
    ProximalGdConfig, owner: Self::DISPLAY_NAME, defaults {};
    lr = 1e-3: log_float(1e-5, 10.0) where positive, "x ← prox_{lr·h}(x − lr·∇g(x)) (lr ≤ 1/L)";
}

impl OptimizerSpec for ProximalGdConfig {
    crate::optim::spec_names! {
        "Proximal GD (ISTA)":
        "proximal gradient (ISTA): x ← prox_{lr·h}(x − lr·∇g(x)) on f = g + h, plain GD elsewhere"
    }

    fn stability_threshold(&self) -> Option<Threshold> {
        // Gradient descent on the smooth part.
        Threshold::gradient_descent(self.lr)
    }

    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        Box::new(ProximalGd {
            config: self.clone(),
            grad: DVector::zeros(dim),
            explained: ProxExplained::new(dim),
        })
    }
}

/// Takes the forward–backward step x ← prox_{lr·h}(x − lr·∇g(x)) from `x` in place, `grad` being
/// scratch space, and returns f(x) = g(x) + h(x) before the step. Without a composite structure it
/// is the gradient step x ← x − lr·∇f(x) and returns f(x). Shared with [`super::Fista`].
pub(crate) fn forward_backward(
    x: &mut DVector<f64>,
    grad: &mut DVector<f64>,
    lr: f64,
    oracle: &mut Oracle,
) -> f64 {
    let loss = match oracle.smooth_value_and_grad(x, grad) {
        Some(smooth) => smooth + oracle.nonsmooth_value(x),
        None => oracle.value_and_grad(x, grad),
    };
    for (p, &g) in x.iter_mut().zip(grad.iter()) {
        *p -= lr * g;
    }
    // A no-op returning false on problems that are not composite.
    oracle.prox(x, lr);
    loss
}

/// Proximal gradient descent. It has no state between steps.
pub struct ProximalGd {
    config: ProximalGdConfig,
    grad: DVector<f64>,
    explained: ProxExplained,
}

/// A forward–backward step taken apart, for [`Optimizer::explain`] of ISTA, FISTA and projected
/// gradient descent: the point the gradient was taken at and the step's result, copied into
/// preallocated buffers (no allocation per step).
pub(crate) struct ProxExplained {
    /// Steps recorded since the last reset (0: nothing to explain).
    pub(crate) steps: u64,
    /// The step size of the latest step.
    pub(crate) lr: f64,
    /// Where the gradient was taken (xₜ₋₁, or FISTA's yₖ).
    pub(crate) from: DVector<f64>,
    /// The prox (or projection) output.
    pub(crate) to: DVector<f64>,
}

impl ProxExplained {
    /// Empty buffers for `dim` parameters.
    pub(crate) fn new(dim: usize) -> Self {
        Self {
            steps: 0,
            lr: 0.0,
            from: DVector::zeros(dim),
            to: DVector::zeros(dim),
        }
    }

    /// Records the point the step starts its gradient step from (before the step moves it).
    pub(crate) fn record_from(&mut self, from: &DVector<f64>, lr: f64) {
        ensure_len(&mut self.from, from.len());
        self.from.copy_from(from);
        self.lr = lr;
        self.steps += 1;
    }

    /// Records the step's result.
    pub(crate) fn record_to(&mut self, to: &DVector<f64>) {
        ensure_len(&mut self.to, to.len());
        self.to.copy_from(to);
    }

    /// z = from − lr·∇g(from), the prox input, by the step's own arithmetic.
    pub(crate) fn prox_input(&self, grad: &DVector<f64>) -> Vec<f64> {
        self.from
            .iter()
            .zip(grad.iter())
            .map(|(p, g)| p - self.lr * g)
            .collect()
    }

    /// The prox input, the output and the correction output − input, with `symbols` for the three
    /// (the correction listed so the parts of the step can be added up).
    pub(crate) fn prox_quantities(
        &self,
        grad: &DVector<f64>,
        symbols: [&'static str; 3],
        formulas: [&'static str; 3],
    ) -> [Quantity; 3] {
        let z = self.prox_input(grad);
        let correction: Vec<f64> = self.to.iter().zip(&z).map(|(x, z)| x - z).collect();
        [
            Quantity::vector(symbols[0], formulas[0], &z),
            Quantity::vector(symbols[1], formulas[1], self.to.as_slice()),
            Quantity::vector(symbols[2], formulas[2], &correction),
        ]
    }
}

impl Optimizer for ProximalGd {
    fn step(&mut self, x: &mut DVector<f64>, oracle: &mut Oracle) -> StepInfo {
        ensure_len(&mut self.grad, x.len());
        self.explained.record_from(x, self.config.lr);
        let loss = forward_backward(x, &mut self.grad, self.config.lr, oracle);
        self.explained.record_to(x);
        StepInfo::proceed(loss)
    }

    crate::optim::stateless::stateless_edits!(explained.steps);

    fn explain(&self) -> Vec<Quantity> {
        let e = &self.explained;
        crate::optim::explain_once_stepped(e.steps > 0, || {
            let mut quantities = crate::optim::quantities![
                vector "∇g(x)" = "the smooth part's gradient (∇f when the problem is not composite)"
                    => self.grad.as_slice(),
            ];
            quantities.extend(e.prox_quantities(
                &self.grad,
                ["z", "prox_{lr·h}(z)", "prox_{lr·h}(z) − z"],
                [
                    "x − lr·∇g(x): the prox input",
                    "argmin_u h(u) + ‖u − z‖²/(2·lr): the new x",
                    "what the prox changed (soft-thresholding for λ‖x‖₁; 0 when h = 0)",
                ],
            ));
            quantities.push(Quantity::arrow(
                ArrowKind::Gradient,
                "−lr·∇g(x)",
                "the gradient step on the smooth part, before the prox",
                self.grad.iter().map(|g| -e.lr * g),
            ));
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
    use crate::optim::test_support::Shrink;

    #[test]
    fn three_hand_computed_steps() {
        // lr = 0.5, threshold lr·λ = 0.5, from (0, 0):
        // ∇g = (−2, 0.5), z = (1, −0.25), x₁ = (0.5, 0); f(x₀) = ½(4 + 0.25) = 2.125
        // ∇g = (−1.5, 0.5), z = (1.25, −0.25), x₂ = (0.75, 0)
        // ∇g = (−1.25, 0.5), z = (1.375, −0.25), x₃ = (0.875, 0)
        let mut optimizer = ProximalGdConfig { lr: 0.5 }.build(2);
        let mut oracle = Oracle::new(Arc::new(Shrink), GradientModel::default(), 0);
        let mut x = DVector::from_vec(vec![0.0, 0.0]);
        let info = optimizer.step(&mut x, &mut oracle);
        assert_eq!(info.loss, 2.125);
        assert_point_close(&x, [0.5, 0.0]);
        let info = optimizer.step(&mut x, &mut oracle);
        // f(x₁) = ½(1.5² + 0.5²) + 0.5 = 1.75
        assert_eq!(info.loss, 1.75);
        assert_point_close(&x, [0.75, 0.0]);
        optimizer.step(&mut x, &mut oracle);
        assert_point_close(&x, [0.875, 0.0]);
        // The zero coordinate is exactly zero, not chattering.
        assert_eq!(x[1], 0.0);
        assert_eq!(oracle.counts().gradients, 3);
    }

    #[test]
    fn reaches_the_exact_sparse_lasso_solution() {
        let lasso = Lasso::default().build();
        let Minimizers::Points(minima) = lasso.minimizers() else {
            panic!("the LASSO has a unique minimizer");
        };
        let (solution, curvature) = (minima[0].point, minima[0].curvature);
        assert_eq!(solution[0], 0.0);
        let mut optimizer = ProximalGdConfig {
            lr: 1.0 / curvature[1],
        }
        .build(2);
        let mut oracle = Oracle::new(
            Arc::new(LandscapeObjective::new(lasso.clone())),
            GradientModel::default(),
            0,
        );
        let start = lasso.default_start();
        let mut x = DVector::from_vec(start.to_vec());
        for _ in 0..300 {
            optimizer.step(&mut x, &mut oracle);
        }
        assert_eq!(x[0], 0.0);
        assert!((x[1] - solution[1]).abs() < 1e-12, "{x:?} vs {solution:?}");
    }

    #[test]
    fn is_gradient_descent_on_a_problem_that_is_not_composite() {
        // f = ½(x² + 4y²), lr = 0.1: x₁ = (1, 1) − 0.1·(1, 4) = (0.9, 0.6).
        let mut oracle = Oracle::new(
            Arc::new(LandscapeObjective::new(Arc::new(Quadratic::axis_aligned(
                1.0, 4.0,
            )))),
            GradientModel::default(),
            0,
        );
        let mut optimizer = ProximalGdConfig { lr: 0.1 }.build(2);
        let mut x = DVector::from_vec(vec![1.0, 1.0]);
        let info = optimizer.step(&mut x, &mut oracle);
        assert_eq!(info.loss, 2.5);
        assert_point_close(&x, [0.9, 0.6]);
        for _ in 0..300 {
            optimizer.step(&mut x, &mut oracle);
        }
        assert!(x.norm() < 1e-12);
    }

    #[test]
    fn live_edits_and_validation() {
        let mut optimizer = ProximalGdConfig { lr: 0.5 }.build(2);
        assert!(optimizer.set_config(&OptimizerConfig::ProximalGd(ProximalGdConfig { lr: 0.25 })));
        let mut oracle = Oracle::new(Arc::new(Shrink), GradientModel::default(), 0);
        let mut x = DVector::from_vec(vec![0.0, 0.0]);
        // z = 0.25·(2, −0.5) = (0.5, −0.125), threshold 0.25: x₁ = (0.25, 0).
        optimizer.step(&mut x, &mut oracle);
        assert_point_close(&x, [0.25, 0.0]);
        optimizer.reset();
        let mut checker = Checker::new();
        ProximalGdConfig { lr: f64::NAN }.validate(&mut checker);
        assert_eq!(checker.found.len(), 1);
        assert_eq!(checker.found[0].path, "lr");
    }
}
