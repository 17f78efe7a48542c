//! QuadraticGame: a quadratic min-max game, where each player's own curvature decides whether
//! gradient descent-ascent converges.
//!
//! f(x, y) = a·x²/2 + b·x·y − c·y²/2, min over x, max over y: the min player is x (coordinate 0),
//! the max player y (coordinate 1). Domain ℝ². ∇f = (a·x + b·y, b·x − c·y), Hessian
//! [[a, b], [b, −c]]. With a·c + b² ≠ 0 (required) the origin is the unique stationary point; for
//! a, c ≥ 0 it is the game's equilibrium (convex in x, concave in y).
//!
//! Gradient descent-ascent follows the vector field v = (∂f/∂x, −∂f/∂y), whose Jacobian is
//! J = [[a, b], [−b, c]] (not symmetric: the game's "rotation"). Simultaneous GDA with step lr maps
//! z ↦ (I − lr·J)z, so it converges iff every eigenvalue μ of J has |1 − lr·μ| < 1. For a = c = m > 0
//! the eigenvalues are m ± i·b and GDA converges iff lr < 2m/(m² + b²); with a = c = 0 (the bilinear
//! game) it never does. Extragradient and optimistic GD converge on a wider range.
//!
//! As a function f is bounded below only when [[a, b], [b, −c]] is positive definite (a > 0, c < 0,
//! −a·c − b² > 0): then the origin is its minimizer; otherwise `Minimizers::Unbounded`. Either way
//! [`Landscape::distance_to_minimizer`] is overridden to return the distance to the equilibrium
//! (0, 0), so the app's "distance" metric measures how far the players are from it.
//!
//! Reference: T. Lin, C. Jin & M. I. Jordan, "On gradient descent ascent for nonconvex-concave
//! minimax problems", ICML 2020; G. Zhang, Y. Wang, L. Lessard & R. Grosse, "Near-optimal local
//! convergence of alternating gradient descent-ascent for minimax optimization", AISTATS 2022.
//! Defaults a = 1, b = 2, c = 1; view [−2, 2]²; start (1, 1).

use serde::{Deserialize, Serialize};

use super::{
    Landscape, LandscapeSpec, Matrix2, Minimizers, Minimum, Point, ViewWindow,
    symmetric_eigenvalues,
};
use crate::hyper::hyper_table;
use crate::validate::Checker;

/// f(x, y) = a·x²/2 + b·x·y − c·y²/2, min over x, max over y:
/// `QuadraticGame(a: 1.0, b: 2.0, c: 1.0)`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct QuadraticGame {
    /// Curvature of the min player's own term a·x²/2 (a > 0: convex in x).
    pub a: f64,
    /// Coupling b·x·y between the players.
    pub b: f64,
    /// Curvature of the max player's own term −c·y²/2 (c > 0: concave in y).
    pub c: f64,
}

impl Default for QuadraticGame {
    fn default() -> Self {
        Self {
            a: 1.0,
            b: 2.0,
            c: 1.0,
        }
    }
}

hyper_table! {
    QuadraticGame, owner: "QuadraticGame";
    a: float(-5.0, 5.0), "Curvature of the min player's own term a·x²/2 (a > 0: convex in x)";
    b: float(-5.0, 5.0), "Coupling b·x·y between the players";
    c: float(-5.0, 5.0), "Curvature of the max player's own term −c·y²/2 (c > 0: concave in y)";
}

impl LandscapeSpec for QuadraticGame {
    const DESCRIPTION: &'static str = "a·x²/2 + b·x·y − c·y²/2, min over x, max over y: GDA converges when a, c > 0 and lr is small";

    fn validate(&self, checker: &mut Checker) {
        let finite = [("a", self.a), ("b", self.b), ("c", self.c)]
            .into_iter()
            .fold(true, |all, (name, value)| {
                checker.finite(name, value) && all
            });
        if finite && self.a * self.c + self.b * self.b == 0.0 {
            checker.report(
                "b",
                "a·c + b² must be ≠ 0, else the equilibrium is not unique",
            );
        }
    }
}

impl Landscape for QuadraticGame {
    fn value(&self, p: Point) -> f64 {
        let [x, y] = p;
        0.5 * self.a * x * x + self.b * x * y - 0.5 * self.c * y * y
    }

    fn value_and_gradient(&self, p: Point) -> (f64, Point) {
        let [x, y] = p;
        (
            self.value(p),
            [self.a * x + self.b * y, self.b * x - self.c * y],
        )
    }

    fn hessian(&self, _p: Point) -> Matrix2 {
        [[self.a, self.b], [self.b, -self.c]]
    }

    fn minimizers(&self) -> Minimizers {
        let curvature = symmetric_eigenvalues(self.hessian([0.0, 0.0]));
        if curvature[0] > 0.0 {
            Minimizers::Points(vec![Minimum {
                point: [0.0, 0.0],
                value: 0.0,
                curvature,
            }])
        } else {
            Minimizers::Unbounded
        }
    }

    // Distance to the game's equilibrium (0, 0), whether or not f has a minimizer.
    super::game_at_origin!();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::landscape::LandscapeConfig;

    #[test]
    fn known_values() {
        let f = QuadraticGame::default();
        // ½·1·1 + 2·1·(−2) − ½·1·4 = 0.5 − 4 − 2; ∇ = (1 − 4, 2 + 2).
        assert_eq!(f.value_and_gradient([1.0, -2.0]), (-5.5, [-3.0, 4.0]));
        assert_eq!(f.hessian([5.0, 5.0]), [[1.0, 2.0], [2.0, -1.0]]);
        assert_eq!(f.minimizers(), Minimizers::Unbounded);
        assert_eq!(f.distance_to_minimizer([-3.0, 4.0]), Some(5.0));
    }

    #[test]
    fn a_positive_definite_game_is_a_minimization() {
        // a = 2, c = −3, b = 1: Hessian [[2, 1], [1, 3]], positive definite.
        let f = QuadraticGame {
            a: 2.0,
            b: 1.0,
            c: -3.0,
        };
        let Minimizers::Points(minima) = f.minimizers() else {
            panic!("bounded below");
        };
        assert_eq!(minima[0].point, [0.0, 0.0]);
        assert!((minima[0].curvature[0] * minima[0].curvature[1] - 5.0).abs() < 1e-12);
    }

    #[test]
    fn degenerate_games_are_refused() {
        let mut checker = Checker::new();
        QuadraticGame {
            a: 0.0,
            b: 0.0,
            c: 1.0,
        }
        .validate(&mut checker);
        QuadraticGame {
            a: f64::INFINITY,
            ..QuadraticGame::default()
        }
        .validate(&mut checker);
        QuadraticGame::default().validate(&mut checker);
        let paths: Vec<_> = checker.found.iter().map(|i| i.path.as_str()).collect();
        assert_eq!(paths, ["b", "a"]);
    }

    #[test]
    fn round_trips_through_ron() {
        let options = crate::scenario::ron_options();
        let config: LandscapeConfig = options
            .from_str("QuadraticGame(a: 0.5, c: 0.25)")
            .expect("parses");
        assert_eq!(
            config,
            LandscapeConfig::QuadraticGame(QuadraticGame {
                a: 0.5,
                b: 2.0,
                c: 0.25
            })
        );
        let written = options.to_string(&config).expect("serializes");
        let reread: LandscapeConfig = options.from_str(&written).expect("parses back");
        assert_eq!(reread, config);
    }
}
