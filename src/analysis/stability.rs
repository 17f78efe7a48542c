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
//! | gradient descent | λ < 2/lr |
//! | torch SGD, momentum μ, dampening d | λ < 2(1 + μ)/(lr(1 − d)) |
//! | torch SGD, Nesterov momentum μ | λ < 2(1 + μ)/((1 + 2μ)·lr) |
//! | any of these with weight decay wd | λ + wd below the same bound |
//!
//! Derivations: gradient descent multiplies the error by 1 − lr·λ; heavy ball's recurrence
//! e' = (1 + μ − α λ)e − μ e₋₁ (α = lr(1 − d) after the first step) has both roots inside the unit
//! circle iff 0 < αλ < 2(1 + μ) (Polyak 1964; Goh 2017, "Why momentum really works"); torch's Nesterov
//! form gives e' = (1 + μ)(1 − lr λ)e − μ(1 − lr λ)e₋₁, stable iff lr·λ < 2(1 + μ)/(1 + 2μ).

use crate::optim::OptimizerConfig;

/// The curvature a run can take before its iteration becomes unstable.
#[derive(Clone, Debug, PartialEq)]
pub struct Threshold {
    /// The largest stable sharpness λmax(∇²f).
    pub sharpness: f64,
    /// The formula with the run's numbers, e.g. "2(1 + μ)/lr = 38".
    pub formula: String,
}

/// The threshold for a method, where one is known.
pub fn threshold(config: &OptimizerConfig) -> Option<Threshold> {
    #[allow(unreachable_patterns)]
    match config {
        OptimizerConfig::Sgd(sgd) => {
            let (lr, mu, d, wd) = (sgd.lr, sgd.momentum, sgd.dampening, sgd.weight_decay);
            let (bound, formula) = if mu == 0.0 {
                (2.0 / lr, "2/lr".to_owned())
            } else if sgd.nesterov {
                (
                    2.0 * (1.0 + mu) / ((1.0 + 2.0 * mu) * lr),
                    "2(1 + μ)/((1 + 2μ)·lr)".to_owned(),
                )
            } else {
                (
                    2.0 * (1.0 + mu) / (lr * (1.0 - d)),
                    "2(1 + μ)/(lr(1 − d))".to_owned(),
                )
            };
            let sharpness = bound - wd;
            let shift = if wd != 0.0 { " − wd" } else { "" };
            (sharpness.is_finite() && sharpness > 0.0).then(|| Threshold {
                sharpness,
                formula: format!("{formula}{shift} = {sharpness:.4}"),
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::SgdConfig;

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

    #[test]
    fn each_threshold_separates_stable_from_unstable_on_a_quadratic() {
        let configs = [
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
        for sgd in configs {
            let config = OptimizerConfig::Sgd(sgd.clone());
            let limit = threshold(&config).expect("SGD has a threshold").sharpness;
            assert!(
                stable_on(&config, 0.98 * limit),
                "{sgd:?} should be stable below {limit}"
            );
            assert!(
                !stable_on(&config, 1.02 * limit),
                "{sgd:?} should be unstable above {limit}"
            );
        }
    }
}
