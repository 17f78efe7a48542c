//! Learning-rate schedules: the step size used at step t as a function of the base lr.
//!
//! Closed forms of torch.optim.lr_scheduler's schedulers, with one scheduler step per optimizer step
//! (t = 0 for the first step):
//!
//! - `Constant`: lr.
//! - `Step(step_size, gamma)` (StepLR): lr · gamma^⌊t / step_size⌋.
//! - `Exponential(gamma)` (ExponentialLR): lr · gammaᵗ.
//! - `Cosine(t_max, eta_min)` (CosineAnnealingLR): eta_min + (lr − eta_min)(1 + cos(π t / t_max))/2,
//!   held at eta_min after t_max.
//! - `InverseTime(t0, power)`: lr / (1 + t/t0)^power — with power in (½, 1] the Robbins–Monro
//!   conditions Σ lrₜ = ∞, Σ lrₜ² < ∞ hold, which SGD with noisy gradients needs to converge
//!   (Robbins & Monro, "A stochastic approximation method", 1951).
//! - `Warmup(steps, then)`: lr · (t + 1)/steps for the first `steps` steps (linear warmup, as in
//!   Goyal et al. 2017, "Accurate, large minibatch SGD"), then the schedule `then` from t = 0.

use serde::{Deserialize, Serialize};

use crate::validate::Checker;

/// A learning-rate schedule.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub enum Schedule {
    /// The base lr throughout.
    #[default]
    Constant,
    /// Multiply by `gamma` every `step_size` steps (StepLR).
    Step {
        /// Steps between decays.
        step_size: u64,
        /// Decay factor.
        gamma: f64,
    },
    /// Multiply by `gamma` every step (ExponentialLR).
    Exponential {
        /// Decay factor per step.
        gamma: f64,
    },
    /// Half a cosine from lr down to `eta_min` over `t_max` steps (CosineAnnealingLR).
    Cosine {
        /// Length of the decay in steps.
        t_max: u64,
        /// Final step size.
        eta_min: f64,
    },
    /// lr / (1 + t/t0)^power: Robbins–Monro decay for noisy gradients.
    InverseTime {
        /// Time scale of the decay in steps.
        t0: f64,
        /// Decay exponent (Robbins–Monro needs ½ < power ≤ 1).
        power: f64,
    },
    /// Linear warmup over `steps` steps, then `then`.
    Warmup {
        /// Warmup length in steps.
        steps: u64,
        /// The schedule after warmup.
        then: Box<Schedule>,
    },
}

impl Schedule {
    /// The step size for step `t` (0-based) given the base `lr`.
    pub fn lr_at(&self, lr: f64, t: u64) -> f64 {
        match self {
            Schedule::Constant => lr,
            Schedule::Step { step_size, gamma } => {
                let exponent = t / (*step_size).max(1);
                lr * gamma.powi(i32::try_from(exponent).unwrap_or(i32::MAX))
            }
            Schedule::Exponential { gamma } => {
                lr * gamma.powi(i32::try_from(t).unwrap_or(i32::MAX))
            }
            Schedule::Cosine { t_max, eta_min } => {
                let progress = (t as f64 / (*t_max).max(1) as f64).min(1.0);
                eta_min + (lr - eta_min) * 0.5 * (1.0 + (std::f64::consts::PI * progress).cos())
            }
            Schedule::InverseTime { t0, power } => lr / (1.0 + t as f64 / t0).powf(*power),
            Schedule::Warmup { steps, then } => {
                if t < *steps {
                    lr * (t + 1) as f64 / *steps as f64
                } else {
                    then.lr_at(lr, t - steps)
                }
            }
        }
    }

    /// Whether the step size never changes (so runs need not update it).
    pub fn is_constant(&self) -> bool {
        matches!(self, Schedule::Constant)
    }

    /// Semantic checks.
    pub fn validate(&self, checker: &mut Checker) {
        match self {
            Schedule::Constant => {}
            Schedule::Step { step_size, gamma } => {
                checker.count_in_range("step_size", *step_size, 1, u64::MAX);
                checker.positive("gamma", *gamma);
            }
            Schedule::Exponential { gamma } => checker.positive("gamma", *gamma),
            Schedule::Cosine { t_max, eta_min } => {
                checker.count_in_range("t_max", *t_max, 1, u64::MAX);
                checker.non_negative("eta_min", *eta_min);
            }
            Schedule::InverseTime { t0, power } => {
                checker.positive("t0", *t0);
                checker.non_negative("power", *power);
            }
            Schedule::Warmup { steps, then } => {
                checker.count_in_range("steps", *steps, 1, u64::MAX);
                checker.within("then", |checker| then.validate(checker));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closed_forms() {
        let step = Schedule::Step {
            step_size: 10,
            gamma: 0.5,
        };
        assert_eq!(step.lr_at(1.0, 9), 1.0);
        assert_eq!(step.lr_at(1.0, 10), 0.5);
        let cosine = Schedule::Cosine {
            t_max: 100,
            eta_min: 0.0,
        };
        assert!((cosine.lr_at(1.0, 50) - 0.5).abs() < 1e-15);
        assert_eq!(cosine.lr_at(1.0, 500), 0.0);
        let warmup = Schedule::Warmup {
            steps: 4,
            then: Box::new(Schedule::Exponential { gamma: 0.5 }),
        };
        let lrs: Vec<f64> = (0..6).map(|t| warmup.lr_at(1.0, t)).collect();
        assert_eq!(lrs, [0.25, 0.5, 0.75, 1.0, 1.0, 0.5]);
        let robbins_monro = Schedule::InverseTime {
            t0: 1.0,
            power: 1.0,
        };
        assert_eq!(robbins_monro.lr_at(1.0, 3), 0.25);
    }
}
