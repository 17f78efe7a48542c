//! Rastrigin: a bowl covered in a regular grid of local minima that traps gradient descent.
//!
//! f(x, y) = 2a + Σᵢ (xᵢ² − a cos(2π xᵢ)), summed over the two coordinates. Usually studied on
//! [−5.12, 5.12]². The global minimizer is the origin with f* = 0 and Hessian
//! (2 + 4π²a)·I (≈ 396.8·I for a = 10). There are many local minima, one near each integer point
//! (slightly pulled toward the origin), with f roughly the squared distance to it; only the global
//! one is listed. Small steps stop in the nearest local minimum; only large steps, noise or
//! momentum hop between them.
//!
//! Reference: L. A. Rastrigin, *Systems of Extremal Control* (Nauka, 1974); generalized by
//! H. Mühlenbein, M. Schomisch & J. Born, "The parallel genetic algorithm as function optimizer",
//! Parallel Computing 17, 1991; details in S. Surjanovic & D. Bingham, *Virtual Library of
//! Simulation Experiments*. Defaults: a = 10; view [−5.12, 5.12]²; start (3.2, 2.1).

use std::f64::consts::TAU;

use num_dual::DualNum;
use serde::{Deserialize, Serialize};

use super::autodiff::{self, DualFormula};
use super::{Landscape, Minimizers, Minimum, Point, ViewWindow};
use crate::hyper::hyper_table;

/// f(x, y) = 2a + x² − a cos(2πx) + y² − a cos(2πy).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Rastrigin {
    /// Amplitude of the cosine ripples (0 leaves the bowl x² + y²).
    pub a: f64,
}

impl Default for Rastrigin {
    fn default() -> Self {
        Self { a: 10.0 }
    }
}

impl DualFormula for Rastrigin {
    fn eval<D: DualNum<Primitive = f64> + Copy>(&self, x: D, y: D) -> D {
        x * x + y * y - ((x * TAU).cos() + (y * TAU).cos()) * self.a + 2.0 * self.a
    }
}

hyper_table! {
    Rastrigin, owner: "Rastrigin";
    a: float(0.0, 20.0) where non_negative,
        "Amplitude of the cosine ripples (0 leaves the bowl x² + y²)";
}

super::landscape_spec! {
    Rastrigin: "2a + Σ(xᵢ² − a cos 2πxᵢ): a grid of local minima that traps small steps (a)"
}

impl Landscape for Rastrigin {
    autodiff::dual_formula_derivatives!();

    fn minimizers(&self) -> Minimizers {
        let curvature = 2.0 + TAU * TAU * self.a;
        Minimizers::Points(vec![Minimum {
            point: [0.0, 0.0],
            value: 0.0,
            curvature: [curvature, curvature],
        }])
    }

    super::centred_view!(5.12, 5.12, start [3.2, 2.1]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::landscape::LandscapeSpec;
    use crate::validate::Checker;

    #[test]
    fn known_values() {
        let f = Rastrigin::default();
        assert_eq!(f.value_and_gradient([0.0, 0.0]), (0.0, [0.0, 0.0]));
        // At integer points the cosines are 1: f = x² + y².
        assert!((f.value([1.0, -2.0]) - 5.0).abs() < 1e-12);
        // At half-integers they are −1: f = 2a + x² + y² + 2a.
        assert!((f.value([0.5, 0.5]) - 40.5).abs() < 1e-12);
        let h = f.hessian([0.0, 0.0]);
        let expected = 2.0 + 4.0 * std::f64::consts::PI.powi(2) * 10.0;
        assert!((h[0][0] - expected).abs() < 1e-10 && h[0][1] == 0.0);
        match f.minimizers() {
            Minimizers::Points(m) => assert!((m[0].curvature[1] - expected).abs() < 1e-10),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn validation_allows_a_plain_bowl() {
        let mut checker = Checker::new();
        Rastrigin { a: 0.0 }.validate(&mut checker);
        assert!(checker.found.is_empty());
        Rastrigin { a: -1.0 }.validate(&mut checker);
        assert_eq!(checker.found.len(), 1);
    }
}
