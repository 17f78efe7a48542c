//! Stability thresholds: the largest curvature each method can take with its step size.
//!
//! On a quadratic with Hessian eigenvalue λ, a first-order method's iteration on that eigen-direction
//! is a fixed linear recurrence; it is stable (does not blow up) exactly when λ is below a threshold
//! set by the hyperparameters. Drawn against the local sharpness λmax(∇²f) of a run's iterate, the
//! threshold shows when a run is at, or beyond, the edge of stability (Cohen et al. 2021, "Gradient
//! descent on neural networks typically occurs at the edge of stability").
//!
//! | method | stable while |
//! | --- | --- |
//! | gradient descent (also Subgradient, ProximalGd, ProjectedGd on their smooth part) | λ < 2/lr |
//! | torch SGD, momentum μ, dampening d | λ < 2(1 + μ)/(lr(1 − d)) |
//! | torch SGD, Nesterov momentum μ | λ < 2(1 + μ)/((1 + 2μ)·lr) |
//! | any of these SGD forms with weight decay wd | λ + wd below the same bound |
//! | HeavyBall, momentum β | λ < (2 + 2β)/lr |
//! | NesterovAgd, FISTA (momentum (k − 1)/(k + 2) → 1) | λ < 4/(3·lr) |
//! | Adam, AdamW (on the preconditioned sharpness λmax(P⁻¹∇²f)) | λ < (2 + 2β₁)/((1 − β₁)·lr) |
//!
//! Derivations: gradient descent multiplies the error by 1 − lr·λ; heavy ball's recurrence
//! e' = (1 + μ − α λ)e − μ e₋₁ (α = lr(1 − d) after the first step for torch's SGD, α = lr for
//! [`HeavyBall`](crate::optim::HeavyBall)) has both roots inside the unit circle iff
//! 0 < αλ < 2(1 + μ) (Polyak 1964; Goh 2017, "Why momentum really works"); torch's Nesterov form
//! gives e' = (1 + μ)(1 − lr λ)e − μ(1 − lr λ)e₋₁, stable iff lr·λ < 2(1 + μ)/(1 + 2μ).
//!
//! Nesterov's accelerated gradient y = x + β(x − x_prev), x' = y − lr·∇f(y) is that last recurrence
//! with a momentum βₖ = (k − 1)/(k + 2) that grows towards 1 (FISTA's (tₖ − 1)/tₖ₊₁ likewise): each
//! frozen βₖ tolerates lr·λ < (2 + 2βₖ)/(1 + 2βₖ), which decreases to 4/3 as βₖ → 1, so 4/(3·lr) is
//! the threshold of a long run. Early steps tolerate more: a run with lr·λ slightly above 4/3 first
//! converges and blows up once βₖ passes (2 − lr·λ)/(2·lr·λ − 2) (at 1.02 × 4/3, after about 25
//! steps). Numerically (bisection on lr·λ for bounded iterates) the largest stable lr·λ is
//! 1.027 × 4/3 over 100 steps, 1.004 × over 1000 and 1.0005 × over 10 000, for both sequences.
//!
//! Adam and AdamW divide each coordinate's step by a running gradient scale, so the plain
//! sharpness says nothing by itself. With the preconditioner P = (1 − β₁ᵗ)(√v̂ + eps) frozen (it
//! changes slowly once β₂ is near 1), Adam is heavy ball in exponential-average form on the
//! preconditioned problem: m' = β₁m + (1 − β₁)g, x' = x − lr·P⁻¹m', whose recurrence
//! e' = (1 + β₁ − (1 − β₁)·lr·λ)e − β₁e₋₁ is stable iff lr·λ < (2 + 2β₁)/(1 − β₁) for each eigenvalue
//! λ of P⁻¹∇²f (Cohen et al. 2022, "Adaptive gradient methods at the edge of stability"). Runs report
//! λmax(P⁻¹∇²f) as `preconditioned_sharpness`; [`Threshold::preconditioned`] says to compare with it.
//! AdamW's decoupled decay is left out of the bound.
//!
//! Each method's spec gives its bound (`OptimizerSpec::stability_threshold`, which a new method
//! must answer); this module derives them and tests that each one separates stable from unstable
//! runs. Methods without a threshold ([`threshold`] returns `None`):
//! - The other adaptive methods (NAdam, RAdam, Adamax, RMSprop, Adagrad, …): their preconditioners
//!   are not exposed yet, and NAdam's and RAdam's momentum schedules change the recurrence.
//! - Newton, L-BFGS and BFGS scale the step by (an approximation of) the inverse Hessian, which
//!   cancels the sharpness: on a quadratic they are stable whatever its curvature.
//! - The others (Adadelta, Rprop, ASGD, signSGD, Lion, SVRG, SAGA, zeroth-order, gradient flow) have
//!   steps that are not a fixed linear map of the error or whose step size varies over the run;
//!   no threshold is derived yet.
//! - The min-max methods (Gda, Extragradient, OptimisticGd) follow the vector field (∇ₓf, −∇_yf),
//!   whose Jacobian [[∇²ₓₓf, ∇²ₓᵧf], [−∇²ᵧₓf, −∇²ᵧᵧf]] is not symmetric: stability depends on its
//!   complex eigenvalues μ (simultaneous GDA needs |1 − lr·μ| < 1 for each), not on λmax(∇²f).

use crate::optim::OptimizerConfig;
pub use crate::optim::Threshold;

/// The threshold for a method, where one is known: each method's spec answers
/// ([`crate::optim::OptimizerSpec::stability_threshold`]) with the bound derived above.
pub fn threshold(config: &OptimizerConfig) -> Option<Threshold> {
    config.stability_threshold()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Adam with its preconditioner frozen at P on the 1-D quadratic ½λx² (exponential-average
    /// momentum, as torch's lerp): true if the iterate stayed bounded over many steps.
    fn frozen_adam_stable(lr: f64, beta1: f64, p: f64, lambda: f64) -> bool {
        let (mut x, mut m) = (1.0_f64, 0.0_f64);
        for _ in 0..5000 {
            m = beta1 * m + (1.0 - beta1) * lambda * x;
            x -= lr * m / p;
        }
        x.abs() < 1.0
    }

    #[test]
    fn the_adam_threshold_bounds_the_preconditioned_sharpness() {
        for (lr, beta1, p) in [(0.01, 0.9, 1.0), (0.05, 0.5, 0.2), (0.001, 0.99, 3.0)] {
            let config = OptimizerConfig::Adam(crate::optim::AdamConfig {
                lr,
                betas: (beta1, 0.999),
                ..crate::optim::AdamConfig::default()
            });
            let threshold = threshold(&config).expect("Adam has a threshold");
            assert!(threshold.preconditioned);
            // λmax(P⁻¹H) = λ/p: the threshold on it maps to λ < p·threshold.
            let limit = p * threshold.sharpness;
            assert!(
                frozen_adam_stable(lr, beta1, p, 0.98 * limit),
                "{lr} {beta1}"
            );
            assert!(
                !frozen_adam_stable(lr, beta1, p, 1.02 * limit),
                "{lr} {beta1}"
            );
        }
    }
    use crate::optim::{
        ConstraintSet, FistaConfig, HeavyBallConfig, NesterovAgdConfig, ProjectedGdConfig,
        ProximalGdConfig, SgdConfig, SubgradientConfig,
    };

    /// Runs `config` on the 1-D quadratic ½λx² for 2000 steps; true if it stayed bounded.
    fn stable_on(config: &OptimizerConfig, lambda: f64) -> bool {
        use crate::landscape::{LandscapeObjective, Quadratic};
        use crate::objective::{GradientModel, Oracle};
        let quadratic = Quadratic {
            lambda1: lambda,
            lambda2: lambda,
            angle_deg: 0.0,
        };
        let objective = LandscapeObjective::new(std::sync::Arc::new(quadratic));
        let mut oracle = Oracle::new(std::sync::Arc::new(objective), GradientModel::default(), 0);
        let mut optimizer = config.build(2);
        let mut x = nalgebra::DVector::from_vec(vec![1.0, 0.0]);
        for _ in 0..2000 {
            optimizer.step(&mut x, &mut oracle);
        }
        x.norm() < 1.0
    }

    /// 0.98 × the threshold must stay bounded over 2000 steps, 1.02 × must blow up.
    fn assert_threshold_separates(config: OptimizerConfig) {
        let limit = threshold(&config)
            .unwrap_or_else(|| panic!("{config:?} has a threshold"))
            .sharpness;
        assert!(
            stable_on(&config, 0.98 * limit),
            "{config:?} should be stable below {limit}"
        );
        assert!(
            !stable_on(&config, 1.02 * limit),
            "{config:?} should be unstable above {limit}"
        );
    }

    #[test]
    fn each_threshold_separates_stable_from_unstable_on_a_quadratic() {
        let sgd = [
            SgdConfig {
                lr: 0.1,
                ..SgdConfig::default()
            },
            SgdConfig {
                lr: 0.1,
                momentum: 0.9,
                ..SgdConfig::default()
            },
            SgdConfig {
                lr: 0.1,
                momentum: 0.5,
                dampening: 0.5,
                ..SgdConfig::default()
            },
            SgdConfig {
                lr: 0.1,
                momentum: 0.9,
                nesterov: true,
                ..SgdConfig::default()
            },
            SgdConfig {
                lr: 0.1,
                momentum: 0.9,
                weight_decay: 1.0,
                ..SgdConfig::default()
            },
        ];
        // The constraint set far away, so that the projection does not act.
        let wide = ConstraintSet::Box {
            lo: (-1e6, -1e6),
            hi: (1e6, 1e6),
        };
        let others = [
            OptimizerConfig::HeavyBall(HeavyBallConfig { lr: 0.1, beta: 0.9 }),
            OptimizerConfig::HeavyBall(HeavyBallConfig { lr: 0.1, beta: 0.3 }),
            OptimizerConfig::Subgradient(SubgradientConfig { lr: 0.1 }),
            OptimizerConfig::ProximalGd(ProximalGdConfig { lr: 0.1 }),
            OptimizerConfig::ProjectedGd(ProjectedGdConfig { lr: 0.1, set: wide }),
            // The momentum (k − 1)/(k + 2) only tends to 1, so the 4/(3·lr) limit is sharp only for
            // long runs: 1.02 × it blows up after about 25 steps, whereas over 100 steps even
            // 1.027 × stays bounded (see the module documentation). 2000 steps put the largest
            // stable lr·λ within 0.2% of 4/3, well inside the ±2% band.
            OptimizerConfig::NesterovAgd(NesterovAgdConfig { lr: 0.1 }),
            OptimizerConfig::Fista(FistaConfig { lr: 0.1 }),
        ];
        for config in sgd.into_iter().map(OptimizerConfig::Sgd).chain(others) {
            assert_threshold_separates(config);
        }
    }

    #[test]
    fn preconditioned_and_curvature_scaled_methods_have_no_plain_threshold() {
        for config in OptimizerConfig::catalog() {
            let expected = matches!(
                config,
                OptimizerConfig::Sgd(_)
                    | OptimizerConfig::HeavyBall(_)
                    | OptimizerConfig::Subgradient(_)
                    | OptimizerConfig::ProximalGd(_)
                    | OptimizerConfig::ProjectedGd(_)
                    | OptimizerConfig::NesterovAgd(_)
                    | OptimizerConfig::Fista(_)
                    | OptimizerConfig::Adam(_)
                    | OptimizerConfig::AdamW(_)
            );
            assert_eq!(threshold(&config).is_some(), expected, "{}", config.name());
        }
    }

    #[test]
    fn formulas_show_the_numbers() {
        let heavy_ball = OptimizerConfig::HeavyBall(HeavyBallConfig { lr: 0.1, beta: 0.9 });
        assert_eq!(
            threshold(&heavy_ball).expect("a threshold").formula,
            "(2 + 2β)/lr = 38"
        );
        let nesterov = OptimizerConfig::NesterovAgd(NesterovAgdConfig { lr: 0.25 });
        assert_eq!(
            threshold(&nesterov).expect("a threshold").formula,
            "4/(3·lr) = 5.33"
        );
    }
}
