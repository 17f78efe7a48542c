//! Line of minima: infinitely many minimizers, and which one each method picks (implicit bias).
//!
//! f(x, y) = ½(x + 2y − 2)², a least-squares problem ½(aᵀp − b)² with a single equation,
//! a = (1, 2), b = 2. Domain ℝ². Every point of the line x + 2y = 2 is a global minimizer with
//! f* = 0. The Hessian is aaᵀ = [[1, 2], [2, 4]] everywhere, eigenvalues [0, 5]: flat along the
//! line, curved across it; the distance to the line is |x + 2y − 2|/√5.
//!
//! The gradient (aᵀp − b)·a always points along a, so gradient descent, heavy-ball momentum,
//! Nesterov and L-BFGS (whose directions are combinations of past gradients and steps) only ever
//! move within start + span{a}. From the default start 0 they stay in the row space span{(1, 2)}
//! and end at the minimum-norm solution a·b/‖a‖² = (0.4, 0.8). Adam, RMSProp and sign-based methods
//! rescale the coordinates separately, leave the row space at their first step and end elsewhere
//! on the line.
//!
//! Reference: S. Gunasekar, J. Lee, D. Soudry & N. Srebro, "Characterizing implicit bias in terms
//! of optimization geometry", ICML 2018; A. C. Wilson, R. Roelofs, M. Stern, N. Srebro & B. Recht,
//! "The marginal value of adaptive gradient methods in machine learning", NeurIPS 2017.
//! No parameters; view [−1, 3] × [−1, 2]; start (0, 0).

use serde::{Deserialize, Serialize};

use super::{Landscape, Matrix2, Minimizers, Point, ViewWindow};
use crate::hyper::hyper_table;

/// f(x, y) = ½(x + 2y − 2)². No parameters: `LineOfMinima()`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LineOfMinima {}

/// The residual x + 2y − 2.
fn residual(p: Point) -> f64 {
    p[0] + 2.0 * p[1] - 2.0
}

hyper_table! { LineOfMinima, owner: "LineOfMinima"; }

super::landscape_spec! {
    LineOfMinima:
        "½(x + 2y − 2)²: a line of minimizers; GD from 0 finds the minimum-norm one, Adam does not"
}

impl Landscape for LineOfMinima {
    fn value(&self, p: Point) -> f64 {
        let r = residual(p);
        0.5 * r * r
    }

    fn value_and_gradient(&self, p: Point) -> (f64, Point) {
        let r = residual(p);
        (0.5 * r * r, [r, 2.0 * r])
    }

    fn hessian(&self, _p: Point) -> Matrix2 {
        [[1.0, 2.0], [2.0, 4.0]]
    }

    fn minimizers(&self) -> Minimizers {
        Minimizers::Set {
            description: "the line x + 2y = 2".to_owned(),
            value: 0.0,
            curvature: [0.0, 5.0],
        }
    }

    fn distance_to_minimizer(&self, p: Point) -> Option<f64> {
        Some(residual(p).abs() / 5f64.sqrt())
    }

    fn view(&self) -> ViewWindow {
        ViewWindow {
            x_min: -1.0,
            x_max: 3.0,
            y_min: -1.0,
            y_max: 2.0,
        }
    }

    fn default_start(&self) -> Point {
        [0.0, 0.0]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::landscape::symmetric_eigenvalues;

    #[test]
    fn known_values() {
        let f = LineOfMinima {};
        assert_eq!(f.value_and_gradient([0.0, 0.0]), (2.0, [-2.0, -4.0]));
        assert_eq!(f.value_and_gradient([0.4, 0.8]), (0.0, [0.0, 0.0]));
        assert_eq!(symmetric_eigenvalues(f.hessian([0.0, 0.0])), [0.0, 5.0]);
        assert_eq!(f.distance_to_minimizer([2.0, 0.0]), Some(0.0));
        assert!(
            (f.distance_to_minimizer([0.0, 0.0]).unwrap_or(f64::NAN) - 0.8f64.hypot(0.4)).abs()
                < 1e-15
        );
    }

    #[test]
    fn gradient_descent_from_zero_finds_the_minimum_norm_solution() {
        let f = LineOfMinima {};
        let mut p = f.default_start();
        for _ in 0..200 {
            let (_, g) = f.value_and_gradient(p);
            p = [p[0] - 0.3 * g[0], p[1] - 0.3 * g[1]];
        }
        assert!(
            (p[0] - 0.4).abs() < 1e-12 && (p[1] - 0.8).abs() < 1e-12,
            "{p:?}"
        );
    }
}
