//! Saddle: the simplest strict saddle, and why starting exactly on its stable manifold is special.
//!
//! f(x, y) = x² − y². Domain ℝ²; unbounded below, no minimizer. The origin is a strict saddle with
//! ∇f = 0 and Hessian diag(2, −2): a minimum along x, a maximum along y. Gradient descent with step
//! η maps (x, y) ↦ ((1 − 2η)x, (1 + 2η)y): the x-component shrinks, the y-component grows
//! geometrically. Started exactly on the stable manifold y = 0 it converges to the saddle; started
//! anywhere else it escapes, but the smaller |y₀| the longer it lingers near the saddle (about
//! log(1/|y₀|)/log(1 + 2η) steps). Hence the default start (1.5, 0.01), just off the manifold.
//! Noise (SGD, perturbed GD) escapes even from y₀ = 0.
//!
//! Reference: Y. Dauphin, R. Pascanu, Ç. Gülçehre, K. Cho, S. Ganguli & Y. Bengio, "Identifying and
//! attacking the saddle point problem in high-dimensional non-convex optimization", NeurIPS 2014;
//! R. Ge, F. Huang, C. Jin & Y. Yuan, "Escaping from saddle points", COLT 2015.
//! No parameters; view [−2, 2]²; start (1.5, 0.01).

use serde::{Deserialize, Serialize};

use super::{Landscape, Matrix2, Minimizers, Point, StationaryPoint, ViewWindow};
use crate::hyper::hyper_table;

/// f(x, y) = x² − y². No parameters: `Saddle()`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Saddle {}

hyper_table! { Saddle, owner: "Saddle"; }

super::landscape_spec! {
    Saddle: "x² − y²: a strict saddle; GD escapes unless it starts exactly on y = 0"
}

impl Landscape for Saddle {
    fn value(&self, p: Point) -> f64 {
        p[0] * p[0] - p[1] * p[1]
    }

    fn value_and_gradient(&self, p: Point) -> (f64, Point) {
        (self.value(p), [2.0 * p[0], -2.0 * p[1]])
    }

    fn hessian(&self, _p: Point) -> Matrix2 {
        [[2.0, 0.0], [0.0, -2.0]]
    }

    super::saddle_at_origin!();

    super::centred_view!(2.0, 2.0, start [1.5, 0.01]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        let f = Saddle {};
        assert_eq!(f.value_and_gradient([1.5, 0.5]), (2.0, [3.0, -1.0]));
        assert_eq!(f.value_and_gradient([0.0, 0.0]), (0.0, [0.0, 0.0]));
        assert_eq!(f.minimizers(), Minimizers::Unbounded);
        assert_eq!(f.distance_to_minimizer([1.0, 1.0]), None);
    }
}
