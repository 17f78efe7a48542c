//! Monkey saddle: a degenerate saddle, where the gradient vanishes to second order.
//!
//! f(x, y) = x³ − 3xy² = r³ cos 3θ in polar coordinates. Domain ℝ²; unbounded below, no
//! minimizer. The origin is the only stationary point and a degenerate saddle: ∇f = (3x² − 3y²,
//! −6xy) and ∇²f = [[6x, −6y], [−6y, −6x]] both vanish there, so neither the gradient nor the
//! curvature tells a second-order method which way is down. Three valleys (θ = 60°, 180°, 300°)
//! descend between three ridges (θ = 0°, 120°, 240°): room for the legs and the tail of a monkey.
//!
//! On the ridge y = 0 with x > 0, f = x³ and gradient descent creeps toward the saddle at a
//! sublinear rate (the gradient shrinks like x²); any y ≠ 0 grows along the way (∂f/∂y = −6xy) and
//! eventually turns the path into the valley at 60°, where f → −∞. The default start (1, 0.1)
//! shows both phases.
//!
//! Reference: R. Ge, F. Huang, C. Jin & Y. Yuan, "Escaping from saddle points: online stochastic
//! gradient for tensor decomposition", COLT 2015 (higher-order saddles such as this one are where
//! their guarantees stop); A. Anandkumar & R. Ge, "Efficient approaches for escaping higher order
//! saddle points in non-convex optimization", COLT 2016. No parameters; view [−1.5, 1.5]²; start
//! (1, 0.1).

use serde::{Deserialize, Serialize};

use super::{Landscape, Matrix2, Minimizers, Point, StationaryPoint, ViewWindow};
use crate::hyper::hyper_table;

/// f(x, y) = x³ − 3xy². No parameters: `MonkeySaddle()`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MonkeySaddle {}

hyper_table! { MonkeySaddle, owner: "MonkeySaddle"; }

super::landscape_spec! {
    MonkeySaddle:
        "x³ − 3xy²: a degenerate saddle where gradient and curvature vanish; unbounded below"
}

impl Landscape for MonkeySaddle {
    fn value(&self, p: Point) -> f64 {
        let [x, y] = p;
        x * (x * x - 3.0 * y * y)
    }

    fn value_and_gradient(&self, p: Point) -> (f64, Point) {
        let [x, y] = p;
        let gradient = [3.0 * (x * x - y * y), -6.0 * x * y];
        (self.value(p), gradient)
    }

    fn hessian(&self, p: Point) -> Matrix2 {
        let [x, y] = p;
        [[6.0 * x, -6.0 * y], [-6.0 * y, -6.0 * x]]
    }

    super::saddle_at_origin!();

    super::centred_view!(1.5, 1.5, start [1.0, 0.1]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        let f = MonkeySaddle {};
        assert_eq!(f.value_and_gradient([0.0, 0.0]), (0.0, [0.0, 0.0]));
        assert_eq!(f.hessian([0.0, 0.0]), [[0.0; 2]; 2]);
        assert_eq!(f.value_and_gradient([1.0, 2.0]), (-11.0, [-9.0, -12.0]));
        // r³ cos 3θ: −r³ along the valley at 60°.
        let (s, c) = 60f64.to_radians().sin_cos();
        assert!((f.value([2.0 * c, 2.0 * s]) + 8.0).abs() < 1e-12);
    }
}
