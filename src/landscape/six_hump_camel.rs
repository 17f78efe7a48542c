//! Six-hump camel: two global and four local minima, to see where each method gets stuck.
//!
//! f(x, y) = (4 − 2.1x² + x⁴/3)x² + xy + (−4 + 4y²)y². Usually studied on x ∈ [−3, 3], y ∈ [−2, 2].
//! f is symmetric under (x, y) ↦ (−x, −y), so its minimizers come in pairs (listed to machine
//! precision by refining the approximations below with Newton's method):
//!
//! - global: ≈ (0.089842, −0.712656) and (−0.089842, 0.712656), f* ≈ −1.031628, Hessian
//!   eigenvalues ≈ [7.68, 16.49];
//! - local: ≈ (−1.703607, 0.796084) and (1.703607, −0.796084), f ≈ −0.215464, eigenvalues
//!   ≈ [18.82, 22.70];
//! - local: ≈ (−1.607105, −0.568651) and (1.607105, 0.568651), f ≈ 2.104250, eigenvalues
//!   ≈ [7.12, 10.02].
//!
//! The origin is a saddle (Hessian [[8, 1], [1, −8]]). From the default start (−1.5, −1) plain
//! gradient descent stops in the poor local minimum near (−1.607, −0.569) while heavy-ball momentum
//! (β = 0.9) carries over the ridge into the basin of (−1.704, 0.796).
//!
//! Reference: L. C. W. Dixon & G. P. Szegő, "The global optimisation problem: an introduction", in
//! *Towards Global Optimisation 2* (North-Holland, 1978); details in S. Surjanovic & D. Bingham,
//! *Virtual Library of Simulation Experiments: Test Functions and Datasets*. No parameters; view
//! [−2, 2] × [−1.1, 1.1]; start (−1.5, −1).

use num_dual::DualNum;
use serde::{Deserialize, Serialize};

use super::autodiff::{self, DualFormula};
use super::refine::refined_minimum;
use super::{Landscape, Minimizers, Point, StationaryPoint, ViewWindow};
use crate::hyper::hyper_table;

/// f(x, y) = (4 − 2.1x² + x⁴/3)x² + xy + (−4 + 4y²)y². No parameters: `SixHumpCamel()`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SixHumpCamel {}

/// The six minimizers to about 1e-10, global pair first (refined further by Newton).
const MINIMIZER_GUESSES: [Point; 6] = [
    [0.089_842_013_1, -0.712_656_403_0],
    [-0.089_842_013_1, 0.712_656_403_0],
    [-1.703_606_715_0, 0.796_083_568_7],
    [1.703_606_715_0, -0.796_083_568_7],
    [-1.607_104_752_9, -0.568_651_454_9],
    [1.607_104_752_9, 0.568_651_454_9],
];

impl DualFormula for SixHumpCamel {
    fn eval<D: DualNum<Primitive = f64> + Copy>(&self, x: D, y: D) -> D {
        let (x2, y2) = (x * x, y * y);
        (x2 * x2 / 3.0 - x2 * 2.1 + 4.0) * x2 + x * y + (y2 * 4.0 - 4.0) * y2
    }
}

hyper_table! { SixHumpCamel, owner: "SixHumpCamel"; }

super::landscape_spec! {
    SixHumpCamel:
        "six-hump camel: two global and four local minima; where does each method get stuck?"
}

impl Landscape for SixHumpCamel {
    autodiff::dual_formula_derivatives!();

    fn minimizers(&self) -> Minimizers {
        Minimizers::Points(
            MINIMIZER_GUESSES
                .iter()
                .map(|&guess| refined_minimum(self, guess))
                .collect(),
        )
    }

    fn saddles_and_maxima(&self) -> Vec<StationaryPoint> {
        // The one its documentation names; the others are left unmarked.
        vec![StationaryPoint::saddle([0.0, 0.0])]
    }

    super::centred_view!(2.0, 1.1, start [-1.5, -1.0]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn six_minima_in_symmetric_pairs() {
        let f = SixHumpCamel {};
        let Minimizers::Points(minima) = f.minimizers() else {
            panic!("the camel has isolated minimizers");
        };
        assert_eq!(minima.len(), 6);
        for m in &minima {
            let (_, g) = f.value_and_gradient(m.point);
            assert!(g[0].hypot(g[1]) < 1e-12, "{m:?}");
            assert!(m.curvature[0] > 7.0, "{m:?}");
        }
        for pair in minima.chunks(2) {
            assert!((pair[0].point[0] + pair[1].point[0]).abs() < 1e-14);
            assert!((pair[0].value - pair[1].value).abs() < 1e-14);
        }
        assert!((minima[0].value + 1.031_628_453_489_877).abs() < 1e-14);
        assert!((minima[2].value + 0.215_463_824_383_7).abs() < 1e-12);
        assert!((minima[4].value - 2.104_250_310_311_3).abs() < 1e-12);
    }

    #[test]
    fn known_values() {
        let f = SixHumpCamel {};
        // f(1, 1) = (4 − 2.1 + 1/3) + 1 + 0.
        assert!((f.value([1.0, 1.0]) - (1.9 + 1.0 / 3.0 + 1.0)).abs() < 1e-14);
        // The origin is a saddle.
        assert_eq!(f.value_and_gradient([0.0, 0.0]), (0.0, [0.0, 0.0]));
        assert_eq!(f.hessian([0.0, 0.0]), [[8.0, 1.0], [1.0, -8.0]]);
    }
}
