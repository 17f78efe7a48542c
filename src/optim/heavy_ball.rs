//! Polyak's heavy-ball method: gradient descent plus a fraction of the last displacement.
//!
//! From x₀ (with x₋₁ = x₀, so the first step is a plain gradient step), one step is
//!
//! ```text
//! xₖ₊₁ = (xₖ − lr·∇f(xₖ)) + beta·(xₖ − xₖ₋₁)
//! ```
//!
//! computed coordinate-wise in exactly this order.
//!
//! Relation to torch.optim.SGD(momentum=μ, dampening=0): torch keeps a buffer bₖ = μ·bₖ₋₁ + ∇f and
//! steps xₖ₊₁ = xₖ − lr·bₖ, so xₖ − xₖ₋₁ = −lr·bₖ₋₁ and xₖ₊₁ = xₖ − lr·∇f + μ·(xₖ − xₖ₋₁): with a
//! constant lr the two forms give the same iterates (up to rounding) for beta = μ, including the
//! first step. They differ under a learning-rate schedule: torch's step lr·b rescales the whole
//! accumulated velocity by the current lr, while here only the new gradient takes the new lr and
//! the momentum term keeps the displacement actually taken.
//!
//! On a quadratic with Hessian eigenvalues in [μ, L] (κ = L/μ) the method is stable iff
//! 0 ≤ beta < 1 and 0 < lr·λ < 2 + 2·beta for every eigenvalue λ, and the best parameters are
//! lr = 4/(√L + √μ)² and beta = ((√κ − 1)/(√κ + 1))², which give the rate (√κ − 1)/(√κ + 1) per
//! step (the error shrinks like that, up to a factor growing linearly in k since the iteration
//! matrix is defective there) against gradient descent's best (κ − 1)/(κ + 1): √κ steps instead of
//! κ. For κ = 100: lr = 4/121 (L = 100, μ = 1), beta = (9/11)² ≈ 0.669, rate 9/11 ≈ 0.818 vs
//! 99/101 ≈ 0.980. Beyond quadratics heavy ball has no such acceleration guarantee (and can cycle
//! on some strongly convex functions), unlike [`super::NesterovAgd`].
//!
//! Defaults: lr = 1e-3 (torch.optim.SGD's default), beta = 0.9 (the usual momentum). Validation:
//! lr > 0, 0 ≤ beta < 1. State: the previous iterate, kept by live edits, cleared by reset.
//! RON: `HeavyBall(lr: 0.033, beta: 0.67)`.
//!
//! References: B. T. Polyak, "Some methods of speeding up the convergence of iteration methods",
//! USSR Computational Mathematics and Mathematical Physics 4(5), 1964; G. Goh, "Why Momentum
//! Really Works", Distill, 2017 (the quadratic analysis, the optimal parameters and the stability
//! region); PyTorch documentation of `torch.optim.SGD` for the buffer form.

use nalgebra::DVector;
use serde::{Deserialize, Serialize};

use super::{Optimizer, OptimizerSpec, Quantity, StepInfo, Threshold, ensure_len};
use crate::hyper::{Hypers, hyper_table};
use crate::objective::Oracle;
use crate::validate::Checker;

/// Hyperparameters of the heavy-ball method.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HeavyBallConfig {
    /// Step size α of the gradient term.
    pub lr: f64,
    /// Momentum β: the fraction of the last displacement added to the step.
    pub beta: f64,
}

impl HeavyBallConfig {
    /// The optimal parameters for a quadratic with Hessian eigenvalues in [`mu`, `l`]:
    /// lr = 4/(√L + √μ)², beta = ((√κ − 1)/(√κ + 1))².
    pub fn optimal_for_quadratic(mu: f64, l: f64) -> Self {
        let (sqrt_mu, sqrt_l) = (mu.sqrt(), l.sqrt());
        let rate = (sqrt_l - sqrt_mu) / (sqrt_l + sqrt_mu);
        Self {
            lr: 4.0 / (sqrt_l + sqrt_mu).powi(2),
            beta: rate * rate,
        }
    }
}

hyper_table! {
    HeavyBallConfig, owner: Self::DISPLAY_NAME, defaults {};
    lr = 1e-3: log_float(1e-5, 10.0) where positive,
        "x ← x − lr·∇f(x) + beta·(x − x_prev); stable on a quadratic iff lr·λ < 2 + 2·beta";
    beta = 0.9: float(0.0, 0.999),
        "fraction of the last displacement x − x_prev added to each step";
}

impl OptimizerSpec for HeavyBallConfig {
    crate::optim::spec_names! {
        "Heavy ball": "Polyak's heavy ball: x ← x − lr·∇f(x) + beta·(x − x_prev)"
    }

    fn validate(&self, checker: &mut Checker) {
        self.validate_rows(checker);
        if checker.finite("beta", self.beta) && !(0.0..1.0).contains(&self.beta) {
            checker.report("beta", format!("beta must be in [0, 1), got {}", self.beta));
        }
    }

    fn stability_threshold(&self) -> Option<Threshold> {
        // Polyak 1964: the heavy-ball recurrence is stable iff lr·λ < 2 + 2β.
        Threshold::known((2.0 + 2.0 * self.beta) / self.lr, "(2 + 2β)/lr")
    }

    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        Box::new(HeavyBall {
            config: self.clone(),
            grad: DVector::zeros(dim),
            previous: DVector::zeros(dim),
            has_previous: false,
            explained_lr: 0.0,
            explained_momentum: DVector::zeros(dim),
        })
    }
}

/// The heavy ball's state: the previous iterate (absent before the first step).
pub struct HeavyBall {
    config: HeavyBallConfig,
    grad: DVector<f64>,
    previous: DVector<f64>,
    has_previous: bool,
    /// lr of the latest step, for [`Optimizer::explain`].
    explained_lr: f64,
    /// beta·(xₖ − xₖ₋₁) of the latest step (preallocated: no allocation per step).
    explained_momentum: DVector<f64>,
}

impl Optimizer for HeavyBall {
    fn step(&mut self, x: &mut DVector<f64>, oracle: &mut Oracle) -> StepInfo {
        let HeavyBallConfig { lr, beta } = self.config;
        ensure_len(&mut self.grad, x.len());
        if self.previous.len() != x.len() {
            ensure_len(&mut self.previous, x.len());
            self.has_previous = false;
        }
        let loss = oracle.value_and_grad(x, &mut self.grad);
        if !self.has_previous {
            // x₋₁ = x₀: no momentum on the first step.
            self.previous.copy_from(x);
            self.has_previous = true;
        }
        ensure_len(&mut self.explained_momentum, x.len());
        self.explained_lr = lr;
        for (((p, q), &g), momentum) in x
            .iter_mut()
            .zip(self.previous.iter_mut())
            .zip(self.grad.iter())
            .zip(self.explained_momentum.iter_mut())
        {
            let current = *p;
            *momentum = beta * (current - *q);
            *p = (current - lr * g) + *momentum;
            *q = current;
        }
        StepInfo::proceed(loss)
    }

    crate::optim::config_edits!();

    fn reset(&mut self) {
        self.has_previous = false;
        self.previous.fill(0.0);
    }

    fn explain(&self) -> Vec<Quantity> {
        crate::optim::explain_once_stepped(self.has_previous, || {
            let lr = self.explained_lr;
            crate::optim::quantities![
                vector "∇f(xₖ)" = "" => self.grad.as_slice(),
                arrow Gradient "−lr·∇f(xₖ)" = "where gradient descent with the same lr would go"
                    => self.grad.iter().map(|g| -lr * g),
                arrow Momentum "beta·(xₖ − xₖ₋₁)" =
                    "the last displacement, carried over (0 on the first step)"
                    => self.explained_momentum.iter().copied(),
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::optim::OptimizerConfig;
    use crate::optim::test_support::assert_point_close;

    use super::*;

    use crate::landscape::Quadratic;
    use crate::optim::test_support::oracle_on as oracle;

    #[test]
    fn three_hand_computed_steps() {
        // lr = 0.1, beta = 0.9 from (1, 1):
        // x₁ = (1, 1) − 0.1·(1, 4) = (0.9, 0.6)
        // x₂ = (0.9, 0.6) − 0.1·(0.9, 2.4) + 0.9·(−0.1, −0.4) = (0.72, 0)
        // x₃ = (0.72, 0) − 0.1·(0.72, 0) + 0.9·(−0.18, −0.6) = (0.486, −0.54)
        // (the same iterates as torch's SGD(lr=0.1, momentum=0.9)).
        let mut optimizer = HeavyBallConfig { lr: 0.1, beta: 0.9 }.build(2);
        let (mut x, mut oracle) = crate::optim::test_support::on_quadratic([1.0, 1.0]);
        let info = optimizer.step(&mut x, &mut oracle);
        assert_eq!(info.loss, 2.5);
        assert_point_close(&x, [0.9, 0.6]);
        optimizer.step(&mut x, &mut oracle);
        assert_point_close(&x, [0.72, 0.0]);
        let info = optimizer.step(&mut x, &mut oracle);
        assert!((info.loss - 0.5 * 0.72 * 0.72).abs() < 1e-15);
        assert_point_close(&x, [0.486, -0.54]);
    }

    #[test]
    fn optimal_parameters_reach_the_predicted_rate_on_kappa_100() {
        let config = HeavyBallConfig::optimal_for_quadratic(1.0, 100.0);
        assert!((config.lr - 4.0 / 121.0).abs() < 1e-17);
        assert!((config.beta - 81.0 / 121.0).abs() < 1e-15);
        let mut optimizer = config.build(2);
        let mut oracle = oracle(Quadratic {
            lambda1: 1.0,
            lambda2: 100.0,
            angle_deg: 30.0,
        });
        let mut x = DVector::from_vec(vec![1.0, 1.0]);
        let mut norms = Vec::new();
        for _ in 0..200 {
            optimizer.step(&mut x, &mut oracle);
            norms.push(x.norm());
        }
        // Between steps 100 and 200 the error shrinks at (9/11)¹⁰⁰ times the Jordan factor
        // (200/100), i.e. ≈ 9/11 per step; gradient descent could do no better than 99/101.
        let rate = (norms[199] / norms[99]).powf(1.0 / 100.0);
        assert!((rate - 9.0 / 11.0).abs() < 0.01, "rate {rate}");
        assert!(norms[199] < 1e-12, "{}", norms[199]);
    }

    #[test]
    fn stability_edge_is_two_plus_two_beta() {
        // λ = 100, beta = 0.5: stable iff lr < 3/100.
        for (lr, grows) in [(0.0299, false), (0.0301, true)] {
            let x = crate::optim::test_support::iterate(
                &HeavyBallConfig { lr, beta: 0.5 },
                &mut oracle(Quadratic::axis_aligned(1.0, 100.0)),
                [0.0, 1.0],
                3000,
            );
            assert_eq!(x[1].abs() > 1.0, grows, "lr = {lr}: y = {}", x[1]);
        }
    }

    #[test]
    fn live_edits_keep_the_momentum_and_reset_clears_it() {
        let mut oracle = crate::optim::test_support::quadratic();
        let mut optimizer = HeavyBallConfig { lr: 0.1, beta: 0.9 }.build(2);
        let mut x = DVector::from_vec(vec![1.0, 1.0]);
        optimizer.step(&mut x, &mut oracle);
        assert!(
            optimizer.set_config(&OptimizerConfig::HeavyBall(HeavyBallConfig {
                lr: 0.1,
                beta: 0.9,
            }))
        );
        optimizer.step(&mut x, &mut oracle);
        assert_point_close(&x, [0.72, 0.0]);
        optimizer.reset();
        optimizer.set_lr(0.2);
        let mut x = DVector::from_vec(vec![1.0, 1.0]);
        optimizer.step(&mut x, &mut oracle);
        assert_point_close(&x, [0.8, 0.2]);
    }

    #[test]
    fn validation() {
        let mut checker = Checker::new();
        HeavyBallConfig { lr: 0.0, beta: 1.0 }.validate(&mut checker);
        HeavyBallConfig {
            lr: 1.0,
            beta: -0.1,
        }
        .validate(&mut checker);
        HeavyBallConfig::default().validate(&mut checker);
        let messages: Vec<_> = checker.found.iter().map(|i| i.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "lr must be > 0, got 0",
                "beta must be in [0, 1), got 1",
                "beta must be in [0, 1), got -0.1"
            ]
        );
    }
}
