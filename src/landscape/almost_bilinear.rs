//! AlmostBilinear: a nonconcave game whose only stationary point repels every method, which then
//! circles a limit cycle that contains no stationary point (a "spurious attractor").
//!
//! f(x, y) = x·y + ε·φ(y) with φ(y) = y²/2 − y⁴/4, min over x, max over y: the min player is x
//! (coordinate 0), the max player y (coordinate 1). Domain ℝ². ∇f = (y, x + ε·(y − y³)), Hessian
//! [[0, 1], [1, ε·(1 − 3y²)]]. f is linear in x and, for ε > 0, not concave in y (∂²f/∂y² = ε > 0
//! near y = 0): a nonconvex-nonconcave problem in the min-max sense, the "almost bilinear" example
//! of Hsieh, Mertikopoulos & Cevher.
//!
//! The unique stationary point is the origin (∂f/∂x = 0 forces y = 0, then x = 0), and it is not an
//! equilibrium the max player would accept: f(0, y) = ε·φ(y) > 0 for small y ≠ 0. The
//! gradient descent-ascent flow ẋ = −y, ẏ = x + ε·(y − y³) is Van der Pol's oscillator: the origin
//! is an unstable spiral (trace ε > 0) and all other orbits approach a limit cycle, for small ε
//! near the circle of radius 2/√3 ≈ 1.155 (averaging ε·(y² − y⁴) over y = r·cos θ gives
//! r²/2 = 3r⁴/8). Discrete GDA, alternating GDA, extragradient and optimistic GD with small steps
//! all end up circling near it: none converges, whatever its step (for ε = 0.5, lr = 0.1, from
//! (1, 1); with ε → 0 and a larger lr, extragradient's own contraction wins and it reaches the
//! origin again).
//!
//! f is unbounded below (f(x, 1) → −∞), so `Minimizers::Unbounded`; but
//! [`Landscape::distance_to_minimizer`] is overridden to return the distance to the stationary point
//! (0, 0) the players seek, so the app's "distance" metric shows that no method gets there.
//!
//! Reference: Y.-P. Hsieh, P. Mertikopoulos & V. Cevher, "The limits of min-max optimization
//! algorithms: convergence to spurious non-critical sets", ICML 2021 (the almost bilinear example);
//! B. van der Pol, "On relaxation-oscillations", Philosophical Magazine 2(11), 1926.
//! Parameter epsilon (default 0.5, finite, ≥ 0); view [−2, 2]²; start (1, 1).

use serde::{Deserialize, Serialize};

use super::{Landscape, Matrix2, Minimizers, Point, ViewWindow};
use crate::hyper::hyper_table;

/// f(x, y) = x·y + epsilon·(y²/2 − y⁴/4), min over x, max over y: `AlmostBilinear(epsilon: 0.5)`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AlmostBilinear {
    /// Weight ε of the max player's nonconcave term φ(y) = y²/2 − y⁴/4 (0: the bilinear game).
    pub epsilon: f64,
}

impl Default for AlmostBilinear {
    fn default() -> Self {
        Self { epsilon: 0.5 }
    }
}

hyper_table! {
    AlmostBilinear, owner: "AlmostBilinear";
    epsilon: float(0.0, 2.0) where non_negative,
        "Weight ε of the max player's nonconcave term φ(y) = y²/2 − y⁴/4 (0: the bilinear game)";
}

super::landscape_spec! {
    AlmostBilinear:
        "x·y + ε(y²/2 − y⁴/4), min over x, max over y: every method circles a limit cycle"
}

impl Landscape for AlmostBilinear {
    fn value(&self, p: Point) -> f64 {
        let [x, y] = p;
        let y2 = y * y;
        x * y + self.epsilon * (0.5 * y2 - 0.25 * y2 * y2)
    }

    fn value_and_gradient(&self, p: Point) -> (f64, Point) {
        let [x, y] = p;
        (self.value(p), [y, x + self.epsilon * (y - y * y * y)])
    }

    fn hessian(&self, p: Point) -> Matrix2 {
        let y = p[1];
        [[0.0, 1.0], [1.0, self.epsilon * (1.0 - 3.0 * y * y)]]
    }

    fn minimizers(&self) -> Minimizers {
        Minimizers::Unbounded
    }

    // Distance to the game's only stationary point (0, 0), although f has no minimizer.
    super::game_at_origin!();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::landscape::LandscapeConfig;
    use crate::landscape::LandscapeSpec;
    use crate::validate::Checker;

    #[test]
    fn known_values() {
        let f = AlmostBilinear { epsilon: 0.5 };
        // 1·2 + 0.5·(2 − 4) = 1; ∇ = (2, 1 + 0.5·(2 − 8)); ∂²f/∂y² = 0.5·(1 − 12).
        assert_eq!(f.value_and_gradient([1.0, 2.0]), (1.0, [2.0, -2.0]));
        assert_eq!(f.hessian([1.0, 2.0]), [[0.0, 1.0], [1.0, -5.5]]);
        assert_eq!(f.value_and_gradient([0.0, 0.0]), (0.0, [0.0, 0.0]));
        assert_eq!(f.distance_to_minimizer([0.6, 0.8]), Some(1.0));
        let mut checker = Checker::new();
        AlmostBilinear { epsilon: -1.0 }.validate(&mut checker);
        assert_eq!(checker.found.len(), 1);
    }

    #[test]
    fn round_trips_through_ron() {
        let options = crate::scenario::ron_options();
        let config: LandscapeConfig = options.from_str("AlmostBilinear()").expect("parses");
        assert_eq!(
            config,
            LandscapeConfig::AlmostBilinear(AlmostBilinear::default())
        );
        let written = options.to_string(&config).expect("serializes");
        let reread: LandscapeConfig = options.from_str(&written).expect("parses back");
        assert_eq!(reread, config);
    }
}
