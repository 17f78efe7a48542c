//! Beale: a flat floor between steep walls, the classic test of step-size robustness.
//!
//! f(x, y) = (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)². Usually studied on
//! [−4.5, 4.5]². The unique global minimizer is (3, 0.5) with f* = 0; there all three residuals
//! vanish and ∇²f = 2 Σ ∇rᵢ ∇rᵢᵀ = [[3.15625, −11.4375], [−11.4375, 46.125]], eigenvalues
//! ≈ [0.3015, 48.98] (condition number ≈ 162). The y³ terms make the walls at |y| > 1 very steep
//! (f reaches ≈ 1.7·10⁵ in the corners of the window) while the floor along y ≈ 1 is almost flat
//! (f = 14.203125 on the whole line y = 1), so a step size that is safe on the walls crawls on the
//! floor. From starts such as (−1, 1.5) gradient descent slides off along that floor toward
//! x → −∞ instead of reaching the minimum.
//!
//! Reference: E. M. L. Beale, "On an iterative method for finding a local minimum of a function of
//! more than one variable", Technical Report 25, Statistical Techniques Research Group, Princeton
//! University, 1958; details in S. Surjanovic & D. Bingham, *Virtual Library of Simulation
//! Experiments*. No parameters; view [−4.5, 4.5]²; start (1, 1.5).

use num_dual::DualNum;
use serde::{Deserialize, Serialize};

use super::autodiff::{self, DualFormula};
use super::{Landscape, Minimizers, Minimum, Point, ViewWindow, symmetric_eigenvalues};
use crate::hyper::hyper_table;

/// f(x, y) = (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)². No parameters: `Beale()`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Beale {}

impl DualFormula for Beale {
    fn eval<D: DualNum<Primitive = f64> + Copy>(&self, x: D, y: D) -> D {
        let y2 = y * y;
        let first = x * (y - 1.0) + 1.5;
        let second = x * (y2 - 1.0) + 2.25;
        let third = x * (y2 * y - 1.0) + 2.625;
        first * first + second * second + third * third
    }
}

hyper_table! { Beale, owner: "Beale"; }

super::landscape_spec! {
    Beale: "Beale: steep y³ walls around a flat floor, minimum (3, 0.5); tests step-size robustness"
}

impl Landscape for Beale {
    autodiff::dual_formula_derivatives!();

    fn minimizers(&self) -> Minimizers {
        let point = [3.0, 0.5];
        Minimizers::Points(vec![Minimum {
            point,
            value: 0.0,
            curvature: symmetric_eigenvalues(self.hessian(point)),
        }])
    }

    super::centred_view!(4.5, 4.5, start [1.0, 1.5]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        let f = Beale {};
        assert_eq!(f.value_and_gradient([3.0, 0.5]), (0.0, [0.0, 0.0]));
        let h = f.hessian([3.0, 0.5]);
        let expected = [[3.15625, -11.4375], [-11.4375, 46.125]];
        for (row, expected_row) in h.iter().zip(&expected) {
            for (v, e) in row.iter().zip(expected_row) {
                assert!((v - e).abs() < 1e-12, "{h:?}");
            }
        }
        // At the start the residuals are 2, 3.5 and 5.
        assert_eq!(f.value([1.0, 1.5]), 41.25);
        // At the origin they are the constants: 1.5² + 2.25² + 2.625².
        assert_eq!(f.value([0.0, 0.0]), 14.203125);
    }
}
