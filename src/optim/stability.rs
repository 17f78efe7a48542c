//! The stability threshold a method reports from its spec ([`OptimizerSpec::stability_threshold`](super::OptimizerSpec::stability_threshold)),
//! and the bounds several methods share. The derivations, and why the other methods have none,
//! are in `analysis::stability`.

use crate::number_format::short_number;

/// The curvature a run can take before its iteration becomes unstable.
#[derive(Clone, Debug, PartialEq)]
pub struct Threshold {
    /// The largest stable sharpness λmax(∇²f).
    pub sharpness: f64,
    /// The formula with the run's numbers, e.g. "2(1 + μ)/lr = 38".
    pub formula: String,
    /// Whether the bound is on the preconditioned sharpness λmax(P⁻¹∇²f) (adaptive methods) rather
    /// than on λmax(∇²f).
    pub preconditioned: bool,
}

/// Why a method has no threshold. A method without one states its reason in its spec with
/// `no_stability_threshold!(Reason)`, so that leaving the question out stays a compile error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoThreshold {
    /// Not derived: sign-based, time-varying or stochastic steps.
    NotDerived,
    /// The preconditioner is not exposed (or a momentum schedule changes the recurrence).
    PreconditionerHidden,
    /// Curvature-scaled steps: stable on a quadratic whatever its curvature.
    CurvatureScaled,
    /// Games follow the non-symmetric Jacobian of (∇ₓf, −∇_yf), not the sharpness.
    Game,
}

impl Threshold {
    /// No threshold, for the reason `why`.
    pub fn none(why: NoThreshold) -> Option<Self> {
        let _ = why;
        None
    }

    /// The threshold `sharpness` given by `formula`, if it is a positive number.
    pub fn known(sharpness: f64, formula: &str) -> Option<Self> {
        (sharpness.is_finite() && sharpness > 0.0).then(|| Self {
            sharpness,
            formula: format!("{formula} = {}", short_number(sharpness)),
            preconditioned: false,
        })
    }

    /// Gradient descent's λ < 2/lr: the error along an eigenvector of curvature λ is multiplied
    /// by 1 − lr·λ each step.
    pub fn gradient_descent(lr: f64) -> Option<Self> {
        Self::known(2.0 / lr, "2/lr")
    }

    /// Nesterov's momentum (k − 1)/(k + 2) → 1 (NesterovAgd, FISTA): λ < 4/(3·lr) for long runs.
    pub fn accelerated(lr: f64) -> Option<Self> {
        Self::known(4.0 / (3.0 * lr), "4/(3·lr)")
    }

    /// Adam with its preconditioner P frozen: λmax(P⁻¹∇²f) < (2 + 2β₁)/((1 − β₁)·lr).
    pub fn adam(lr: f64, beta1: f64) -> Option<Self> {
        let bound = (2.0 + 2.0 * beta1) / ((1.0 - beta1) * lr);
        Self::known(bound, "(2 + 2β₁)/((1 − β₁)·lr)").map(|threshold| Self {
            preconditioned: true,
            ..threshold
        })
    }
}
