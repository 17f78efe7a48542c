//! A lesson's rate bound: a convergence guarantee from theory that the loss plot draws over each
//! gradient-descent run (`rate_bound:` in a preset), with the run's own lr and start.
//!
//! - `Convex(reference: (x, y))`: for convex f with L-Lipschitz gradient and lr ≤ 1/L, gradient
//!   descent has f(xₖ) ≤ f(u) + ‖x₀ − u‖²/(2·lr·k) for every point u, here the reference (Nesterov,
//!   *Introductory Lectures on Convex Optimization*, 2004, Thm 2.1.14). It falls like 1/k.
//! - `Pl(mu, smoothness, minimum)`: for L-smooth f (L = `smoothness`) that satisfies the
//!   Polyak–Łojasiewicz inequality ½‖∇f‖² ≥ μ(f − f*) (f* = `minimum`, 0 unless given), every step
//!   of gradient descent with lr < 2/L has f(xₖ₊₁) − f* ≤ (1 − 2μ·lr·(1 − L·lr/2))(f(xₖ) − f*), so
//!   f(xₖ) − f* ≤ (1 − 2μ·lr·(1 − L·lr/2))ᵏ (f(x₀) − f*): (1 − μ/L)ᵏ at lr = 1/L, with no
//!   convexity (Karimi, Nutini & Schmidt, ECML-PKDD 2016, Thm 1).
//!
//! The preset states the constants; the program does not check that f has them.

use serde::{Deserialize, Serialize};

use crate::validate::Checker;

/// A convergence bound to draw over gradient descent's loss curves.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum RateBound {
    /// Convex and L-smooth, lr ≤ 1/L: f(xₖ) ≤ f(u) + ‖x₀ − u‖²/(2·lr·k).
    Convex {
        /// The reference point u.
        reference: [f64; 2],
    },
    /// L-smooth with the PL constant μ: f(xₖ) − f* ≤ (1 − 2μ·lr·(1 − L·lr/2))ᵏ (f(x₀) − f*).
    Pl {
        /// The PL constant μ.
        mu: f64,
        /// The gradient's Lipschitz constant L.
        smoothness: f64,
        /// The minimum value f* (0 unless given).
        #[serde(default)]
        minimum: f64,
    },
}

impl RateBound {
    /// Finite reference point, positive constants.
    pub fn validate(&self, checker: &mut Checker) {
        match self {
            RateBound::Convex { reference } => {
                for value in reference {
                    checker.finite("reference", *value);
                }
            }
            RateBound::Pl {
                mu,
                smoothness,
                minimum,
            } => {
                checker.positive("mu", *mu);
                checker.positive("smoothness", *smoothness);
                checker.finite("minimum", *minimum);
            }
        }
    }

    /// The bound on f(xₖ) for k = 0, 1, …, `steps`, for gradient descent with step `lr` from
    /// `start`, where f(x₀) = `start_value` and `value_at` evaluates f (for the reference point).
    /// `None` where the bound does not apply: lr ≥ 2/L for PL (no decrease is guaranteed).
    pub fn loss_bound(
        &self,
        lr: f64,
        start: [f64; 2],
        start_value: f64,
        value_at: impl Fn([f64; 2]) -> f64,
        steps: u64,
    ) -> Option<Vec<f64>> {
        match *self {
            RateBound::Convex { reference } => {
                let reference_value = value_at(reference);
                let squared = (start[0] - reference[0]).powi(2) + (start[1] - reference[1]).powi(2);
                Some(
                    (0..=steps)
                        .map(|k| reference_value + squared / (2.0 * lr * k as f64))
                        .collect(),
                )
            }
            RateBound::Pl {
                mu,
                smoothness,
                minimum,
            } => {
                let factor = 1.0 - 2.0 * mu * lr * (1.0 - smoothness * lr / 2.0);
                // NaN too: no guarantee.
                if factor.is_nan() || factor >= 1.0 {
                    return None;
                }
                let factor = factor.max(0.0);
                let mut gap = start_value - minimum;
                Some(
                    (0..=steps)
                        .map(|k| {
                            if k > 0 {
                                gap *= factor;
                            }
                            minimum + gap
                        })
                        .collect(),
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pl_at_one_over_l_is_one_minus_mu_over_l_per_step() {
        let bound = RateBound::Pl {
            mu: 1.0 / 32.0,
            smoothness: 8.0,
            minimum: 0.5,
        };
        let curve = bound
            .loss_bound(0.125, [0.0, 0.0], 2.5, |_| f64::NAN, 3)
            .unwrap_or_default();
        assert_eq!(curve.len(), 4);
        assert_eq!(curve[0], 2.5);
        for (k, value) in curve.iter().enumerate() {
            let expected = 0.5 + 2.0 * (1.0 - 1.0 / 256.0_f64).powi(k as i32);
            assert!((value - expected).abs() < 1e-14, "{k}: {value}");
        }
        // Beyond 2/L nothing is guaranteed.
        assert_eq!(bound.loss_bound(0.25, [0.0, 0.0], 2.5, |_| 0.0, 3), None);
    }

    #[test]
    fn convex_falls_like_one_over_k_to_the_reference_value() {
        let bound = RateBound::Convex {
            reference: [3.0, 4.0],
        };
        let value_at = |p: [f64; 2]| p[0] + p[1];
        let curve = bound
            .loss_bound(0.5, [0.0, 0.0], 1.0, value_at, 100)
            .unwrap_or_default();
        // f(u) = 7, ‖x₀ − u‖² = 25: 7 + 25/k.
        assert_eq!(curve[0], f64::INFINITY);
        assert!((curve[1] - 32.0).abs() < 1e-12);
        assert!((curve[100] - 7.25).abs() < 1e-12);
    }
}
