//! Rosenbrock: a curved, narrow, flat-bottomed valley.
//!
//! f(x, y) = (a − x)² + b (y − x²)². Domain ℝ². The unique minimizer is (a, a²) with f* = 0; there
//! the Hessian is [[2 + 8ba², −4ba], [−4ba, 2b]], whose condition number (about 2500 for the
//! defaults) makes first-order methods crawl along the parabola y = x² while Newton-type methods
//! follow it.
//!
//! ∇f = (−2(a − x) − 4bx(y − x²), 2b(y − x²)),
//! ∇²f = [[2 − 4b(y − x²) + 8bx², −4bx], [−4bx, 2b]].
//!
//! Reference: H. H. Rosenbrock, "An automatic method for finding the greatest or least value of a
//! function", The Computer Journal 3(3), 1960. Defaults: a = 1, b = 100; view [−2, 2] × [−1, 3];
//! start (−1.2, 1), the classical one.

use serde::{Deserialize, Serialize};

use pulp::Simd;

use super::batch::{self, PointKernel, ValueKernel};
use super::{Landscape, Matrix2, Minimizers, Minimum, Point, ViewWindow, symmetric_eigenvalues};
use crate::hyper::hyper_table;

/// f(x, y) = (a − x)² + b (y − x²)².
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Rosenbrock {
    /// Position of the minimizer (a, a²).
    pub a: f64,
    /// Steepness of the valley walls.
    pub b: f64,
}

impl Default for Rosenbrock {
    fn default() -> Self {
        Self { a: 1.0, b: 100.0 }
    }
}

hyper_table! {
    Rosenbrock, owner: "Rosenbrock";
    a: float(-2.0, 2.0) where finite, "Position of the minimizer (a, a²)";
    b: log_float(0.1, 1000.0) where positive, "Steepness of the valley walls";
}

super::landscape_spec! {
    Rosenbrock: "(a − x)² + b(y − x²)²: a curved narrow valley, minimum at (a, a²) (a, b)"
}

impl Landscape for Rosenbrock {
    fn value(&self, p: Point) -> f64 {
        let [x, y] = p;
        (self.a - x).powi(2) + self.b * (y - x * x).powi(2)
    }

    fn value_and_gradient(&self, p: Point) -> (f64, Point) {
        let [x, y] = p;
        let (dx, valley) = (self.a - x, y - x * x);
        let value = dx * dx + self.b * valley * valley;
        let gradient = [-2.0 * dx - 4.0 * self.b * x * valley, 2.0 * self.b * valley];
        (value, gradient)
    }

    super::simd_point_kernel!(|landscape| landscape);

    fn value_batch(&self, xs: &[f64], ys: &[f64], values: &mut [f64]) {
        batch::run_values(self, xs, ys, values);
    }

    fn hessian(&self, p: Point) -> Matrix2 {
        let [x, y] = p;
        let b = self.b;
        let off_diagonal = -4.0 * b * x;
        [
            [2.0 - 4.0 * b * (y - x * x) + 8.0 * b * x * x, off_diagonal],
            [off_diagonal, 2.0 * b],
        ]
    }

    fn minimizers(&self) -> Minimizers {
        let point = [self.a, self.a * self.a];
        Minimizers::Points(vec![Minimum {
            point,
            value: 0.0,
            curvature: symmetric_eigenvalues(self.hessian(point)),
        }])
    }

    fn view(&self) -> ViewWindow {
        ViewWindow {
            x_min: -2.0,
            x_max: 2.0,
            y_min: -1.0,
            y_max: 3.0,
        }
    }

    fn default_start(&self) -> Point {
        [-1.2, 1.0]
    }
}

/// `value` over SIMD lanes, operation for operation (`powi(2)` is one product).
impl ValueKernel for &Rosenbrock {
    #[inline(always)]
    fn value_lanes<S: Simd>(self, simd: S, x: S::f64s, y: S::f64s) -> S::f64s {
        let dx = simd.sub_f64s(simd.splat_f64s(self.a), x);
        let valley = simd.sub_f64s(y, simd.mul_f64s(x, x));
        simd.add_f64s(
            simd.mul_f64s(dx, dx),
            simd.mul_f64s(simd.splat_f64s(self.b), simd.mul_f64s(valley, valley)),
        )
    }

    #[inline(always)]
    fn value_point(self, x: f64, y: f64) -> f64 {
        self.value([x, y])
    }
}

/// `value_and_gradient` over SIMD lanes, operation for operation.
impl PointKernel for &Rosenbrock {
    #[inline(always)]
    fn lanes<S: Simd>(self, simd: S, x: S::f64s, y: S::f64s) -> (S::f64s, S::f64s, S::f64s) {
        let dx = simd.sub_f64s(simd.splat_f64s(self.a), x);
        let valley = simd.sub_f64s(y, simd.mul_f64s(x, x));
        let value = simd.add_f64s(
            simd.mul_f64s(dx, dx),
            simd.mul_f64s(simd.mul_f64s(simd.splat_f64s(self.b), valley), valley),
        );
        let gradient_x = simd.sub_f64s(
            simd.mul_f64s(simd.splat_f64s(-2.0), dx),
            simd.mul_f64s(simd.mul_f64s(simd.splat_f64s(4.0 * self.b), x), valley),
        );
        let gradient_y = simd.mul_f64s(simd.splat_f64s(2.0 * self.b), valley);
        (value, gradient_x, gradient_y)
    }

    #[inline(always)]
    fn point(self, x: f64, y: f64) -> (f64, f64, f64) {
        let (value, [gx, gy]) = self.value_and_gradient([x, y]);
        (value, gx, gy)
    }

    /// With |a| ≤ 10³⁰, 0 < b ≤ 10¹⁰⁰ and |x|, |y| ≤ 10³⁰: |y − x²| ≤ 2·10⁶⁰, so b·(y − x²)² and
    /// 4b·x·(y − x²) stay below 10²⁶⁰.
    fn finite_within(self) -> f64 {
        if self.a.abs() <= 1e30 && self.b.abs() <= 1e100 {
            1e30
        } else {
            0.0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        let r = Rosenbrock::default();
        assert_eq!(r.value([1.0, 1.0]), 0.0);
        assert!((r.value([-1.2, 1.0]) - 24.2).abs() < 1e-12);
        let [low, high] = match r.minimizers() {
            Minimizers::Points(points) => points[0].curvature,
            _ => [f64::NAN; 2],
        };
        // Eigenvalues of [[802, −400], [−400, 200]].
        assert!((low * high - (802.0 * 200.0 - 160000.0)).abs() < 1e-6);
        assert!((low + high - 1002.0).abs() < 1e-9);
    }

    #[test]
    fn batch_matches_scalar_bit_for_bit() {
        batch::assert_batch_matches_scalar(&Rosenbrock::default());
        batch::assert_batch_matches_scalar(&Rosenbrock { a: -0.3, b: 7.5 });
        batch::assert_value_batch_matches_scalar(&Rosenbrock::default());
        batch::assert_value_batch_matches_scalar(&Rosenbrock { a: -0.3, b: 7.5 });
    }
}
