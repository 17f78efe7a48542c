//! Ring valley: a circle of minimizers around a local maximum.
//!
//! f(x, y) = (x² + y² − r²)². Domain ℝ². Every point of the circle x² + y² = r² is a global
//! minimizer with f* = 0; there the Hessian is 8ppᵀ, eigenvalues [0, 8r²]: flat along the circle,
//! curved across it. The origin is a local maximum (f = r⁴, Hessian −4r²·I). With s = x² + y²,
//! ∇f = 4(s − r²)p and ∇²f = 4(s − r²)I + 8ppᵀ.
//!
//! Where on the circle a run ends depends on the method and the start: gradient descent moves
//! radially (∇f ∥ p) and lands on the circle in the direction of its start, while per-coordinate
//! methods such as Adam take non-radial steps and land elsewhere on it. Started at the maximum the
//! gradient is zero and only noise moves a run.
//!
//! Reference: a standard example of a non-isolated set of minimizers, e.g. Nocedal & Wright,
//! *Numerical Optimization* (2nd ed., 2006), §2.1 on non-strict minimizers; the radial symmetry is
//! that of the "Mexican hat" potential of spontaneous symmetry breaking.
//! Defaults: r = 1; view [−2r, 2r]²; start (1.5r, 0.5r).

use serde::{Deserialize, Serialize};

use super::{Landscape, Matrix2, Minimizers, Point, ViewWindow};
use crate::hyper::hyper_table;

/// f(x, y) = (x² + y² − r²)².
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RingValley {
    /// Radius r of the circle of minimizers.
    pub radius: f64,
}

impl Default for RingValley {
    fn default() -> Self {
        Self { radius: 1.0 }
    }
}

hyper_table! {
    RingValley, owner: "RingValley";
    radius: log_float(0.1, 10.0) where positive, "Radius r of the circle of minimizers";
}

super::landscape_spec! {
    RingValley: "(x² + y² − r²)²: a circle of minimizers around a local maximum (radius)"
}

impl Landscape for RingValley {
    fn value(&self, p: Point) -> f64 {
        let excess = p[0] * p[0] + p[1] * p[1] - self.radius * self.radius;
        excess * excess
    }

    fn value_and_gradient(&self, p: Point) -> (f64, Point) {
        let excess = p[0] * p[0] + p[1] * p[1] - self.radius * self.radius;
        let gradient = [4.0 * excess * p[0], 4.0 * excess * p[1]];
        (excess * excess, gradient)
    }

    fn hessian(&self, p: Point) -> Matrix2 {
        let [x, y] = p;
        let diagonal = 4.0 * (x * x + y * y - self.radius * self.radius);
        let off_diagonal = 8.0 * x * y;
        [
            [diagonal + 8.0 * x * x, off_diagonal],
            [off_diagonal, diagonal + 8.0 * y * y],
        ]
    }

    fn minimizers(&self) -> Minimizers {
        let r = self.radius;
        Minimizers::Set {
            description: format!("the circle x² + y² = {} (radius {r})", r * r),
            value: 0.0,
            curvature: [0.0, 8.0 * r * r],
        }
    }

    fn distance_to_minimizer(&self, p: Point) -> Option<f64> {
        Some((p[0].hypot(p[1]) - self.radius).abs())
    }

    fn view(&self) -> ViewWindow {
        ViewWindow::centred(2.0 * self.radius, 2.0 * self.radius)
    }

    fn default_start(&self) -> Point {
        [1.5 * self.radius, 0.5 * self.radius]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::landscape::symmetric_eigenvalues;

    #[test]
    fn the_circle_is_flat_along_and_curved_across() {
        let f = RingValley { radius: 2.0 };
        let (s, c) = 0.7f64.sin_cos();
        let on_circle = [2.0 * c, 2.0 * s];
        let (value, g) = f.value_and_gradient(on_circle);
        assert!(value < 1e-28 && g[0].hypot(g[1]) < 1e-14);
        let [low, high] = symmetric_eigenvalues(f.hessian(on_circle));
        assert!(low.abs() < 1e-12 && (high - 32.0).abs() < 1e-12);
        assert!(f.distance_to_minimizer(on_circle).unwrap_or(f64::NAN) < 1e-15);
        assert_eq!(f.distance_to_minimizer([0.0, -3.0]), Some(1.0));
        // The maximum at 0: f = r⁴, Hessian −4r²·I.
        assert_eq!(f.value([0.0, 0.0]), 16.0);
        assert_eq!(f.hessian([0.0, 0.0]), [[-16.0, 0.0], [0.0, -16.0]]);
        // (3, 0): f = (9 − 4)², ∇f = 4·5·(3, 0).
        assert_eq!(f.value_and_gradient([3.0, 0.0]), (25.0, [60.0, 0.0]));
    }

    #[test]
    fn the_set_is_described_with_its_radius() {
        let Minimizers::Set { description, .. } = RingValley { radius: 1.5 }.minimizers() else {
            panic!("a set of minimizers expected");
        };
        assert_eq!(description, "the circle x² + y² = 2.25 (radius 1.5)");
    }
}
