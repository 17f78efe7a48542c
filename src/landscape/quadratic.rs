//! Quadratic: the ill-conditioned valley where gradient descent zig-zags.
//!
//! f(x) = ½ xᵀ A x with A = R diag(λ₁, λ₂) Rᵀ, R the rotation by `angle_deg`, so λ₁ and λ₂ are the
//! Hessian's eigenvalues and κ = λmax/λmin its condition number. Gradient A x, Hessian A everywhere.
//! Domain ℝ². With λ₁, λ₂ > 0 the unique minimizer is 0 with f* = 0; gradient descent is stable for
//! lr < 2/λmax and converges at rate max |1 − lr·λᵢ| per step, best (κ − 1)/(κ + 1) at
//! lr = 2/(λmin + λmax). A zero eigenvalue gives a line of minimizers, a negative one a saddle
//! (unbounded below).
//!
//! Reference: Nocedal & Wright, *Numerical Optimization* (2nd ed., 2006), §3.3 (steepest descent on
//! quadratics); Goh, "Why Momentum Really Works", Distill 2017.
//! Defaults: λ₁ = 1, λ₂ = 10, angle 0°; view [−1.5, 1.5]²; start (1, 1).

use serde::{Deserialize, Serialize};

use pulp::Simd;

use super::batch::PointKernel;
use super::{
    Landscape, Matrix2, Minimizers, Minimum, Point, StationaryKind, StationaryPoint, ViewWindow,
};
use crate::hyper::hyper_table;

/// f(x) = ½ xᵀ R diag(λ₁, λ₂) Rᵀ x.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Quadratic {
    /// First Hessian eigenvalue λ₁ (along the rotated x axis).
    pub lambda1: f64,
    /// Second Hessian eigenvalue λ₂ (along the rotated y axis).
    pub lambda2: f64,
    /// Rotation of the eigenbasis, in degrees counter-clockwise.
    pub angle_deg: f64,
}

impl Default for Quadratic {
    fn default() -> Self {
        Self {
            lambda1: 1.0,
            lambda2: 10.0,
            angle_deg: 0.0,
        }
    }
}

impl Quadratic {
    /// ½(λ₁x² + λ₂y²): the quadratic with its axes along the coordinates (angle 0).
    pub fn axis_aligned(lambda1: f64, lambda2: f64) -> Self {
        Self {
            lambda1,
            lambda2,
            angle_deg: 0.0,
        }
    }

    /// The Hessian A = R diag(λ₁, λ₂) Rᵀ.
    pub fn matrix(&self) -> Matrix2 {
        let (s, c) = self.angle_deg.to_radians().sin_cos();
        let (l1, l2) = (self.lambda1, self.lambda2);
        let off_diagonal = (l1 - l2) * c * s;
        [
            [l1 * c * c + l2 * s * s, off_diagonal],
            [off_diagonal, l1 * s * s + l2 * c * c],
        ]
    }

    fn eigenvalues(&self) -> [f64; 2] {
        [
            self.lambda1.min(self.lambda2),
            self.lambda1.max(self.lambda2),
        ]
    }
}

hyper_table! {
    Quadratic, owner: "Quadratic";
    lambda1: float(-10.0, 100.0) where finite,
        "First Hessian eigenvalue λ₁ (along the rotated x axis)";
    lambda2: float(-10.0, 100.0) where finite,
        "Second Hessian eigenvalue λ₂ (along the rotated y axis)";
    angle_deg: float(-180.0, 180.0) where finite,
        "Rotation of the eigenbasis, in degrees counter-clockwise";
}

super::landscape_spec! {
    Quadratic:
        "½ xᵀ R diag(λ1, λ2) Rᵀ x: the ill-conditioned valley where GD zig-zags (λ1, λ2, angle)"
}

impl Landscape for Quadratic {
    fn value(&self, p: Point) -> f64 {
        let a = self.matrix();
        0.5 * (p[0] * (a[0][0] * p[0] + a[0][1] * p[1]) + p[1] * (a[1][0] * p[0] + a[1][1] * p[1]))
    }

    fn value_and_gradient(&self, p: Point) -> (f64, Point) {
        value_and_gradient_with(self.matrix(), p)
    }

    super::simd_point_kernel!(|landscape| QuadraticKernel {
        a: landscape.matrix()
    });

    fn hessian(&self, _p: Point) -> Matrix2 {
        self.matrix()
    }

    fn minimizers(&self) -> Minimizers {
        let [low, high] = self.eigenvalues();
        if low > 0.0 {
            Minimizers::Points(vec![Minimum {
                point: [0.0, 0.0],
                value: 0.0,
                curvature: [low, high],
            }])
        } else if low == 0.0 && high >= 0.0 {
            Minimizers::Set {
                description: "the null space of A, a line through 0".to_owned(),
                value: 0.0,
                curvature: [low, high],
            }
        } else {
            Minimizers::Unbounded
        }
    }

    /// The origin, when an eigenvalue is negative: a saddle, or a maximum if both are.
    fn saddles_and_maxima(&self) -> Vec<StationaryPoint> {
        let [low, high] = self.eigenvalues();
        let kind = if high < 0.0 {
            StationaryKind::Maximum
        } else if low < 0.0 {
            StationaryKind::Saddle
        } else {
            return Vec::new();
        };
        vec![StationaryPoint {
            point: [0.0, 0.0],
            kind,
        }]
    }

    fn distance_to_minimizer(&self, p: Point) -> Option<f64> {
        match self.minimizers() {
            Minimizers::Points(_) => Some(p[0].hypot(p[1])),
            Minimizers::Set { .. } => {
                // Distance to the null space = length of the component along the eigenvector of
                // the nonzero eigenvalue.
                let (s, c) = self.angle_deg.to_radians().sin_cos();
                let (along_first, along_second) = (c * p[0] + s * p[1], -s * p[0] + c * p[1]);
                Some(if self.lambda1 == 0.0 {
                    along_second.abs()
                } else {
                    along_first.abs()
                })
            }
            Minimizers::Unbounded => None,
        }
    }

    super::centred_view!(1.5, 1.5, start [1.0, 1.0]);
}

/// (½ pᵀ A p, A p), the gradient first so the value reuses it.
fn value_and_gradient_with(a: Matrix2, p: Point) -> (f64, Point) {
    let gradient = [
        a[0][0] * p[0] + a[0][1] * p[1],
        a[1][0] * p[0] + a[1][1] * p[1],
    ];
    (0.5 * (p[0] * gradient[0] + p[1] * gradient[1]), gradient)
}

/// [`value_and_gradient_with`] over SIMD lanes, with A computed once per batch (not per point:
/// the rotation's sine and cosine cost more than the function).
#[derive(Clone, Copy)]
struct QuadraticKernel {
    a: Matrix2,
}

impl PointKernel for QuadraticKernel {
    #[inline(always)]
    fn lanes<S: Simd>(self, simd: S, x: S::f64s, y: S::f64s) -> (S::f64s, S::f64s, S::f64s) {
        let a = self.a.map(|row| row.map(|entry| simd.splat_f64s(entry)));
        let row = |[first, second]: [S::f64s; 2]| {
            simd.add_f64s(simd.mul_f64s(first, x), simd.mul_f64s(second, y))
        };
        let (gradient_x, gradient_y) = (row(a[0]), row(a[1]));
        let value = simd.mul_f64s(
            simd.splat_f64s(0.5),
            simd.add_f64s(simd.mul_f64s(x, gradient_x), simd.mul_f64s(y, gradient_y)),
        );
        (value, gradient_x, gradient_y)
    }

    #[inline(always)]
    fn point(self, x: f64, y: f64) -> (f64, f64, f64) {
        let (value, [gx, gy]) = value_and_gradient_with(self.a, [x, y]);
        (value, gx, gy)
    }

    /// With every |Aᵢⱼ| ≤ 10¹⁰⁰ and |x|, |y| ≤ 10¹⁰⁰, every product and sum stays below 10³⁰⁵.
    fn finite_within(self) -> f64 {
        let largest = self.a.iter().flatten().fold(0.0_f64, |m, v| m.max(v.abs()));
        if largest <= 1e100 { 1e100 } else { 0.0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eigenvalues_survive_rotation() {
        let q = Quadratic {
            lambda1: 2.0,
            lambda2: 50.0,
            angle_deg: 30.0,
        };
        let [low, high] = super::super::symmetric_eigenvalues(q.matrix());
        assert!((low - 2.0).abs() < 1e-12 && (high - 50.0).abs() < 1e-12);
        // The first eigenvector is (cos 30°, sin 30°): f there is ½ λ₁.
        let (s, c) = 30f64.to_radians().sin_cos();
        assert!((q.value([c, s]) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn batch_matches_scalar_bit_for_bit() {
        crate::landscape::batch::assert_batch_matches_scalar(&Quadratic::default());
        crate::landscape::batch::assert_batch_matches_scalar(&Quadratic {
            lambda1: 0.3,
            lambda2: 42.0,
            angle_deg: 17.0,
        });
    }

    #[test]
    fn zero_and_negative_eigenvalues() {
        let line = Quadratic {
            lambda1: 0.0,
            lambda2: 1.0,
            angle_deg: 90.0,
        };
        assert!(matches!(line.minimizers(), Minimizers::Set { .. }));
        // First eigenvector is (0, 1): the null space is the y axis.
        assert!((line.distance_to_minimizer([0.5, 7.0]).unwrap_or(f64::NAN) - 0.5).abs() < 1e-12);
        let saddle = Quadratic {
            lambda1: -1.0,
            lambda2: 1.0,
            angle_deg: 0.0,
        };
        assert_eq!(saddle.minimizers(), Minimizers::Unbounded);
    }
}
