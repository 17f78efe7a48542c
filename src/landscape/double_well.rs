//! Double well: a saddle between two minima, the saddle-escape lesson with somewhere to land.
//!
//! f(x, y) = x²/2 + y⁴/4 − y²/2. Domain ℝ². ∇f = (x, y³ − y), ∇²f = diag(1, 3y² − 1).
//! Stationary points: the saddle (0, 0) with f = 0 and Hessian diag(1, −1), and the two global
//! minimizers (0, ±1) with f* = −1/4 and Hessian diag(1, 2), so curvature [1, 2].
//!
//! Started at (1, 10⁻³), next to the saddle's stable manifold y = 0, gradient descent first
//! slides to the saddle along x, then lingers while y grows by a factor of about 1 + η per step,
//! and finally drops into the well at (0, 1): the loss curve shows the long plateau typical of
//! saddles in neural-network training.
//!
//! Reference: R. Ge, F. Huang, C. Jin & Y. Yuan, "Escaping from saddle points: online stochastic
//! gradient for tensor decomposition", COLT 2015; Y. Dauphin et al., "Identifying and attacking the
//! saddle point problem in high-dimensional non-convex optimization", NeurIPS 2014.
//! No parameters; view [−2, 2]²; start (1, 0.001).

use serde::{Deserialize, Serialize};

use super::{Landscape, Matrix2, Minimizers, Minimum, Point, StationaryPoint, ViewWindow};
use crate::hyper::hyper_table;

/// f(x, y) = x²/2 + y⁴/4 − y²/2. No parameters: `DoubleWell()`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DoubleWell {}

hyper_table! { DoubleWell, owner: "DoubleWell"; }

super::landscape_spec! {
    DoubleWell: "x²/2 + y⁴/4 − y²/2: escaping the saddle at 0 into the minima (0, ±1)"
}

impl Landscape for DoubleWell {
    fn value(&self, p: Point) -> f64 {
        let [x, y] = p;
        let y2 = y * y;
        0.5 * x * x + y2 * (0.25 * y2 - 0.5)
    }

    fn value_and_gradient(&self, p: Point) -> (f64, Point) {
        let [x, y] = p;
        (self.value(p), [x, y * (y * y - 1.0)])
    }

    fn hessian(&self, p: Point) -> Matrix2 {
        [[1.0, 0.0], [0.0, 3.0 * p[1] * p[1] - 1.0]]
    }

    fn minimizers(&self) -> Minimizers {
        let minimum = |y| Minimum {
            point: [0.0, y],
            value: -0.25,
            curvature: [1.0, 2.0],
        };
        Minimizers::Points(vec![minimum(1.0), minimum(-1.0)])
    }

    fn saddles_and_maxima(&self) -> Vec<StationaryPoint> {
        vec![StationaryPoint::saddle([0.0, 0.0])]
    }

    super::centred_view!(2.0, 2.0, start [1.0, 1e-3]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saddle_between_two_minima() {
        let f = DoubleWell {};
        for y in [1.0, -1.0] {
            assert_eq!(f.value_and_gradient([0.0, y]), (-0.25, [0.0, 0.0]));
            assert_eq!(f.hessian([0.0, y]), [[1.0, 0.0], [0.0, 2.0]]);
        }
        assert_eq!(f.value_and_gradient([0.0, 0.0]), (0.0, [0.0, 0.0]));
        assert_eq!(f.hessian([0.0, 0.0]), [[1.0, 0.0], [0.0, -1.0]]);
        // f(2, 2) = 2 + 4 − 2, ∇f = (2, 8 − 2).
        assert_eq!(f.value_and_gradient([2.0, 2.0]), (4.0, [2.0, 6.0]));
    }
}
