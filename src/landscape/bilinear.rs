//! Bilinear: the simplest min-max game, on which simultaneous gradient descent-ascent spirals out.
//!
//! f(x, y) = scale·x·y, min over x, max over y: the min player is x (coordinate 0), the max player
//! y (coordinate 1). Domain ℝ²; unbounded below (and above), no minimizer. The unique equilibrium
//! (saddle point) is the origin: f(0, y) = f(x, 0) = 0, so neither player gains by moving alone.
//! Its Hessian [[0, s], [s, 0]] (s = scale) has eigenvalues ±s.
//!
//! With s = 1 and step lr, one step of each method maps (x, y) linearly, and the distance to the
//! equilibrium changes by a fixed factor per step:
//! - simultaneous GDA, (x, y) ↦ (x − lr·y, y + lr·x): grows by exactly √(1 + lr²) (a rotation
//!   scaled outwards: it spirals out for every lr > 0);
//! - alternating GDA (y moves after seeing the new x): the map has determinant 1 and trace 2 − lr²,
//!   so for lr < 2 the iterates stay on an ellipse (bounded, never converging);
//! - extragradient, (x, y) ↦ ((1 − lr²)x − lr·y, (1 − lr²)y + lr·x): shrinks by exactly
//!   √(1 − lr² + lr⁴), i.e. converges for 0 < lr < 1;
//! - optimistic GD converges for small lr (0 < lr < 1/√3 ≈ 0.577 by its characteristic roots; for
//!   larger lr it ends up spiralling out).
//!
//! [`Landscape::distance_to_minimizer`] is overridden to return the distance to the equilibrium
//! (0, 0), so the app's "distance" metric means "distance to the saddle the players seek".
//!
//! Reference: C. Daskalakis, A. Ilyas, V. Syrgkanis & H. Zeng, "Training GANs with optimism",
//! ICLR 2018; G. Gidel, H. Berard, G. Vignoud, P. Vincent & S. Lacoste-Julien, "A variational
//! inequality perspective on generative adversarial networks", ICLR 2019.
//! Parameter scale (default 1, must be finite and ≠ 0); view [−2, 2]²; start (1, 1).

use serde::{Deserialize, Serialize};

use super::{Landscape, LandscapeSpec, Matrix2, Minimizers, Point, StationaryPoint, ViewWindow};
use crate::hyper::hyper_table;
use crate::validate::Checker;

/// f(x, y) = scale·x·y, min over x, max over y: `Bilinear(scale: 1.0)`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Bilinear {
    /// The coupling s; the game's "rotation speed" (GDA's factor is √(1 + lr²·s²)).
    pub scale: f64,
}

impl Default for Bilinear {
    fn default() -> Self {
        Self { scale: 1.0 }
    }
}

hyper_table! {
    Bilinear, owner: "Bilinear";
    scale: float(-5.0, 5.0),
        "The coupling s; the game's \"rotation speed\" (GDA's factor is √(1 + lr²·s²))";
}

impl LandscapeSpec for Bilinear {
    const DESCRIPTION: &'static str =
        "scale·x·y, min over x, max over y: simultaneous GDA spirals out of the saddle";

    fn validate(&self, checker: &mut Checker) {
        if checker.finite("scale", self.scale) && self.scale == 0.0 {
            checker.report("scale", "scale must be ≠ 0 (0 is a constant, not a game)");
        }
    }
}

impl Landscape for Bilinear {
    fn value(&self, p: Point) -> f64 {
        self.scale * p[0] * p[1]
    }

    fn value_and_gradient(&self, p: Point) -> (f64, Point) {
        (self.value(p), [self.scale * p[1], self.scale * p[0]])
    }

    fn hessian(&self, _p: Point) -> Matrix2 {
        [[0.0, self.scale], [self.scale, 0.0]]
    }

    super::saddle_at_origin!();

    // Distance to the game's equilibrium, the saddle (0, 0), although f has no minimizer.
    super::game_at_origin!();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::landscape::LandscapeConfig;

    #[test]
    fn known_values_and_the_equilibrium_distance() {
        let f = Bilinear { scale: 2.0 };
        assert_eq!(f.value_and_gradient([1.5, 0.5]), (1.5, [1.0, 3.0]));
        assert_eq!(f.hessian([3.0, -1.0]), [[0.0, 2.0], [2.0, 0.0]]);
        assert_eq!(f.minimizers(), Minimizers::Unbounded);
        assert_eq!(f.distance_to_minimizer([3.0, 4.0]), Some(5.0));
        let mut checker = Checker::new();
        Bilinear { scale: 0.0 }.validate(&mut checker);
        Bilinear { scale: f64::NAN }.validate(&mut checker);
        assert_eq!(checker.found.len(), 2);
    }

    #[test]
    fn parses_with_and_without_the_scale() {
        let options = crate::scenario::ron_options();
        let config: LandscapeConfig = options.from_str("Bilinear()").expect("parses");
        assert_eq!(config, LandscapeConfig::Bilinear(Bilinear::default()));
        let config: LandscapeConfig = options.from_str("Bilinear(scale: 0.5)").expect("parses");
        let written = options.to_string(&config).expect("serializes");
        let reread: LandscapeConfig = options.from_str(&written).expect("parses back");
        assert_eq!(reread, config);
    }
}
