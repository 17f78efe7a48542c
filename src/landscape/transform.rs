//! Rotating and stretching the coordinates of any landscape.
//!
//! With T = R(θ)·diag(sₓ, s_y) — first stretch the landscape by sₓ along x and s_y along y, then
//! rotate it by θ counter-clockwise about the origin — the transformed landscape is
//!
//! ```text
//! g(p) = f(T⁻¹p),   T⁻¹ = diag(1/sₓ, 1/s_y)·R(−θ)
//! ∇g(p) = T⁻ᵀ ∇f(T⁻¹p)
//! ∇²g(p) = T⁻ᵀ ∇²f(T⁻¹p) T⁻¹
//! ```
//!
//! so every minimizer q* of f becomes T·q*, with curvature the eigenvalues of T⁻ᵀ∇²f(q*)T⁻¹. A
//! rotation leaves gradient descent's path rotated with the landscape (GD is equivariant under
//! orthogonal maps: T⁻ᵀ = T), while coordinate-wise methods — Adam, RMSprop, AdaGrad, sign descent —
//! precondition along the axes and take different paths once the valley is no longer axis-aligned.
//! Stretching changes the condition number seen by every method.
//!
//! A proximal split g + h does not survive a general rotation (the prox of ‖T⁻¹p‖₁ has no closed
//! form), so a transformed composite landscape offers no prox: proximal methods report that rather
//! than solve the wrong problem. Minibatch gradients transform term by term.
//!
//! Reference: the rotation experiment follows the discussion of rotation (non-)invariance of
//! diagonal preconditioners in Goodfellow, Bengio & Courville, "Deep Learning" (MIT Press, 2016),
//! §8.5, and the course notes on adaptive methods.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::{
    Landscape, Matrix2, Minimizers, Minimum, Point, Quadratic, ViewWindow, symmetric_eigenvalues,
};
use crate::validate::Checker;

/// The largest stretch factor (and the inverse of the smallest) a preset may ask for.
pub const MAX_SCALE: f64 = 1e3;

/// A rotation and stretch of a landscape's coordinates; the identity by default.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Transform {
    /// θ in degrees, counter-clockwise.
    pub rotation_deg: f64,
    /// (sₓ, s_y): the landscape is stretched by these factors along x and y before rotating.
    pub scale: (f64, f64),
}

impl Default for Transform {
    fn default() -> Self {
        Self::IDENTITY
    }
}

impl Transform {
    /// No rotation, no stretch.
    pub const IDENTITY: Self = Self {
        rotation_deg: 0.0,
        scale: (1.0, 1.0),
    };

    /// Whether this leaves the landscape as it is (presets then omit it).
    pub fn is_identity(&self) -> bool {
        *self == Self::IDENTITY
    }

    /// Checks the angle is finite and the factors positive and within [1/MAX_SCALE, MAX_SCALE].
    pub fn validate(&self, checker: &mut Checker) {
        checker.finite("rotation_deg", self.rotation_deg);
        let (sx, sy) = self.scale;
        let bounds = 1.0 / MAX_SCALE..=MAX_SCALE;
        if !(bounds.contains(&sx) && bounds.contains(&sy)) {
            checker.report(
                "scale",
                format!(
                    "scale factors must be between {} and {MAX_SCALE}, got ({sx}, {sy})",
                    1.0 / MAX_SCALE
                ),
            );
        }
    }

    /// T = R(θ)·diag(sₓ, s_y).
    pub fn forward(&self) -> Matrix2 {
        let (sin, cos) = self.rotation_deg.to_radians().sin_cos();
        let (sx, sy) = self.scale;
        [[cos * sx, -sin * sy], [sin * sx, cos * sy]]
    }

    /// T⁻¹ = diag(1/sₓ, 1/s_y)·R(−θ).
    pub fn inverse(&self) -> Matrix2 {
        let (sin, cos) = self.rotation_deg.to_radians().sin_cos();
        let (sx, sy) = self.scale;
        [[cos / sx, sin / sx], [-sin / sy, cos / sy]]
    }

    /// The quadratic ½ pᵀ T⁻ᵀ A T⁻¹ p that `quadratic` (½ qᵀ A q) becomes, in the same
    /// eigenvalue-and-angle form, so closed-form theory (exact GD loss curves, stability regions)
    /// applies to the transformed landscape. A pure rotation adds θ to the angle.
    pub fn quadratic(&self, quadratic: &Quadratic) -> Quadratic {
        if self.scale == (1.0, 1.0) {
            return Quadratic {
                angle_deg: quadratic.angle_deg + self.rotation_deg,
                ..quadratic.clone()
            };
        }
        let [[a, b], [_, c]] = congruence(&self.inverse(), quadratic.matrix());
        // The eigenvector of the larger eigenvalue of [[a, b], [b, c]] lies at ½·atan2(2b, a − c).
        let mean = 0.5 * (a + c);
        let radius = (0.5 * (a - c)).hypot(b);
        Quadratic {
            lambda1: mean + radius,
            lambda2: mean - radius,
            angle_deg: (0.5 * (2.0 * b).atan2(a - c)).to_degrees(),
        }
    }

    /// T·q: where the point q of the original landscape lands.
    pub fn forward_point(&self, q: Point) -> Point {
        apply(&self.forward(), q)
    }

    /// T⁻¹·p: the point of the original landscape shown at p.
    pub fn inverse_point(&self, p: Point) -> Point {
        apply(&self.inverse(), p)
    }

    /// Wraps `landscape`, or returns it unchanged for the identity.
    pub fn apply(&self, landscape: Arc<dyn Landscape>) -> Arc<dyn Landscape> {
        if self.is_identity() {
            landscape
        } else {
            Arc::new(Transformed::new(landscape, *self))
        }
    }
}

fn apply(m: &Matrix2, p: Point) -> Point {
    [
        m[0][0] * p[0] + m[0][1] * p[1],
        m[1][0] * p[0] + m[1][1] * p[1],
    ]
}

/// Mᵀv.
fn apply_transposed(m: &Matrix2, v: Point) -> Point {
    [
        m[0][0] * v[0] + m[1][0] * v[1],
        m[0][1] * v[0] + m[1][1] * v[1],
    ]
}

/// A landscape seen through a [`Transform`].
pub struct Transformed {
    inner: Arc<dyn Landscape>,
    transform: Transform,
    forward: Matrix2,
    inverse: Matrix2,
}

impl Transformed {
    /// g(p) = f(T⁻¹p) for `inner` = f.
    pub fn new(inner: Arc<dyn Landscape>, transform: Transform) -> Self {
        Self {
            forward: transform.forward(),
            inverse: transform.inverse(),
            inner,
            transform,
        }
    }

    /// The transform.
    pub fn transform(&self) -> Transform {
        self.transform
    }

    fn pull_back(&self, p: Point) -> Point {
        apply(&self.inverse, p)
    }

    fn push_gradient(&self, gradient: Point) -> Point {
        apply_transposed(&self.inverse, gradient)
    }

    /// T⁻ᵀ H T⁻¹.
    fn push_hessian(&self, h: Matrix2) -> Matrix2 {
        congruence(&self.inverse, h)
    }
}

/// MᵀHM, exactly symmetric.
fn congruence(m: &Matrix2, h: Matrix2) -> Matrix2 {
    let mut out = [[0.0; 2]; 2];
    for (i, row) in out.iter_mut().enumerate() {
        for (j, entry) in row.iter_mut().enumerate() {
            let mut sum = 0.0;
            for k in 0..2 {
                for l in 0..2 {
                    sum += m[k][i] * h[k][l] * m[l][j];
                }
            }
            *entry = sum;
        }
    }
    // Exact symmetry, so eigenvalue routines see a symmetric matrix.
    let off = 0.5 * (out[0][1] + out[1][0]);
    out[0][1] = off;
    out[1][0] = off;
    out
}

impl Landscape for Transformed {
    fn value(&self, p: Point) -> f64 {
        self.inner.value(self.pull_back(p))
    }

    fn value_and_gradient(&self, p: Point) -> (f64, Point) {
        let (value, gradient) = self.inner.value_and_gradient(self.pull_back(p));
        (value, self.push_gradient(gradient))
    }

    fn hessian(&self, p: Point) -> Matrix2 {
        self.push_hessian(self.inner.hessian(self.pull_back(p)))
    }

    fn minimizers(&self) -> Minimizers {
        match self.inner.minimizers() {
            Minimizers::Points(points) => Minimizers::Points(
                points
                    .into_iter()
                    .map(|m| Minimum {
                        point: apply(&self.forward, m.point),
                        value: m.value,
                        curvature: symmetric_eigenvalues(
                            self.push_hessian(self.inner.hessian(m.point)),
                        ),
                    })
                    .collect(),
            ),
            Minimizers::Set {
                description,
                value,
                curvature,
            } => {
                // Stretching scales curvature by 1/s² along each axis; along the set it may vary,
                // so report the largest it can be (what stability thresholds need).
                let (sx, sy) = self.transform.scale;
                let shrink = sx.min(sy);
                Minimizers::Set {
                    description: format!("{description}, transformed"),
                    value,
                    curvature: [
                        curvature[0] / sx.max(sy).powi(2),
                        curvature[1] / (shrink * shrink),
                    ],
                }
            }
            Minimizers::Unbounded => Minimizers::Unbounded,
        }
    }

    fn saddles_and_maxima(&self) -> Vec<super::StationaryPoint> {
        let mut points = self.inner.saddles_and_maxima();
        for stationary in &mut points {
            stationary.point = apply(&self.forward, stationary.point);
        }
        points
    }

    // `distance_to_minimizer` stays the trait's default, over the mapped minimizers: the inner
    // landscape's own (a line's, a game's) would measure in the unmapped coordinates.

    /// The bounding box of the inner view's corners, mapped by T.
    fn view(&self) -> ViewWindow {
        let inner = self.inner.view();
        let corners = [
            [inner.x_min, inner.y_min],
            [inner.x_max, inner.y_min],
            [inner.x_min, inner.y_max],
            [inner.x_max, inner.y_max],
        ]
        .map(|c| apply(&self.forward, c));
        let fold = |pick: fn(&Point) -> f64, max: bool| {
            corners.iter().map(pick).fold(
                if max {
                    f64::NEG_INFINITY
                } else {
                    f64::INFINITY
                },
                |a, b| if max { a.max(b) } else { a.min(b) },
            )
        };
        ViewWindow {
            x_min: fold(|c| c[0], false),
            x_max: fold(|c| c[0], true),
            y_min: fold(|c| c[1], false),
            y_max: fold(|c| c[1], true),
        }
    }

    fn default_start(&self) -> Point {
        apply(&self.forward, self.inner.default_start())
    }

    fn num_samples(&self) -> usize {
        self.inner.num_samples()
    }

    fn sample_value_and_gradient(&self, p: Point, batch: &[usize]) -> (f64, Point) {
        let (value, gradient) = self
            .inner
            .sample_value_and_gradient(self.pull_back(p), batch);
        (value, self.push_gradient(gradient))
    }

    fn label_noise_sigma(&self) -> f64 {
        self.inner.label_noise_sigma()
    }

    fn noisy_value_and_gradient(&self, p: Point, epsilon: f64) -> (f64, Point) {
        let (value, gradient) = self
            .inner
            .noisy_value_and_gradient(self.pull_back(p), epsilon);
        (value, self.push_gradient(gradient))
    }

    fn num_tasks(&self) -> usize {
        self.inner.num_tasks()
    }

    fn task_value_and_gradient(&self, task: usize, p: Point) -> (f64, Point) {
        let (value, gradient) = self.inner.task_value_and_gradient(task, self.pull_back(p));
        (value, self.push_gradient(gradient))
    }

    /// The inner Pareto set mapped by T (a change of variables keeps which points are Pareto
    /// optimal).
    fn pareto_set(&self) -> Option<Vec<Point>> {
        let mut points = self.inner.pareto_set()?;
        for point in &mut points {
            *point = apply(&self.forward, *point);
        }
        Some(points)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::landscape::{Quadratic, Rosenbrock};

    fn rotated(angle: f64, scale: (f64, f64)) -> Transform {
        Transform {
            rotation_deg: angle,
            scale,
        }
    }

    #[test]
    fn forward_and_inverse_are_inverse() {
        let t = rotated(37.0, (2.0, 0.5));
        let p = [0.3, -1.7];
        let back = apply(&t.inverse(), apply(&t.forward(), p));
        assert!((back[0] - p[0]).abs() < 1e-14 && (back[1] - p[1]).abs() < 1e-14);
    }

    #[test]
    fn gradient_and_hessian_match_finite_differences() {
        let landscape =
            Transformed::new(Arc::new(Rosenbrock::default()), rotated(30.0, (1.5, 0.8)));
        let p = [0.4, 0.9];
        let (_, gradient) = landscape.value_and_gradient(p);
        let h = 1e-6;
        for i in 0..2 {
            let mut plus = p;
            let mut minus = p;
            plus[i] += h;
            minus[i] -= h;
            let numeric = (landscape.value(plus) - landscape.value(minus)) / (2.0 * h);
            assert!((numeric - gradient[i]).abs() < 1e-5 * (1.0 + gradient[i].abs()));
            let (_, gp) = landscape.value_and_gradient(plus);
            let (_, gm) = landscape.value_and_gradient(minus);
            let hessian = landscape.hessian(p);
            for j in 0..2 {
                let numeric = (gp[j] - gm[j]) / (2.0 * h);
                assert!((numeric - hessian[j][i]).abs() < 1e-4 * (1.0 + hessian[j][i].abs()));
            }
        }
    }

    #[test]
    fn minimizers_move_with_the_landscape_and_rotation_keeps_curvature() {
        let inner = Arc::new(Rosenbrock::default());
        let landscape = Transformed::new(inner.clone(), rotated(90.0, (1.0, 1.0)));
        let Minimizers::Points(points) = landscape.minimizers() else {
            panic!("Rosenbrock has one minimizer");
        };
        // (1, 1) rotated by 90° is (−1, 1).
        assert!(
            (points[0].point[0] + 1.0).abs() < 1e-12 && (points[0].point[1] - 1.0).abs() < 1e-12
        );
        let (value, gradient) = landscape.value_and_gradient(points[0].point);
        assert!(value.abs() < 1e-20 && gradient[0].abs() < 1e-10 && gradient[1].abs() < 1e-10);
        let Minimizers::Points(original) = inner.minimizers() else {
            panic!("Rosenbrock has one minimizer");
        };
        for k in 0..2 {
            let relative = (points[0].curvature[k] - original[0].curvature[k]).abs()
                / original[0].curvature[k];
            assert!(relative < 1e-12);
        }
    }

    #[test]
    fn stretching_a_quadratic_changes_its_curvature_by_one_over_scale_squared() {
        let quadratic = Quadratic::axis_aligned(1.0, 10.0);
        let landscape = Transformed::new(Arc::new(quadratic), rotated(0.0, (2.0, 0.5)));
        let Minimizers::Points(points) = landscape.minimizers() else {
            panic!("a quadratic has one minimizer");
        };
        // λ₁/sₓ² = 0.25, λ₂/s_y² = 40.
        assert!((points[0].curvature[0] - 0.25).abs() < 1e-12);
        assert!((points[0].curvature[1] - 40.0).abs() < 1e-12);
    }

    #[test]
    fn a_transformed_quadratic_is_the_quadratic_of_the_transformed_hessian() {
        let quadratic = Quadratic {
            lambda1: 1.0,
            lambda2: 10.0,
            angle_deg: 20.0,
        };
        for transform in [rotated(35.0, (1.0, 1.0)), rotated(-50.0, (3.0, 0.7))] {
            let expected =
                Transformed::new(Arc::new(quadratic.clone()), transform).hessian([0.0; 2]);
            let actual = transform.quadratic(&quadratic).matrix();
            for i in 0..2 {
                for j in 0..2 {
                    assert!(
                        (expected[i][j] - actual[i][j]).abs() < 1e-12,
                        "{transform:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_view_contains_the_transformed_default_start() {
        let landscape =
            Transformed::new(Arc::new(Rosenbrock::default()), rotated(45.0, (1.0, 2.0)));
        let view = landscape.view();
        let start = landscape.default_start();
        assert!(view.x_min <= start[0] && start[0] <= view.x_max);
        assert!(view.y_min <= start[1] && start[1] <= view.y_max);
    }

    #[test]
    fn identity_returns_the_landscape_itself() {
        let inner: Arc<dyn Landscape> = Arc::new(Rosenbrock::default());
        let same = Transform::IDENTITY.apply(inner.clone());
        assert!(Arc::ptr_eq(&inner, &same));
    }

    #[test]
    fn validation_refuses_non_positive_and_extreme_scales() {
        for (scale, ok) in [((1.0, 1.0), true), ((0.0, 1.0), false), ((1.0, 1e6), false)] {
            let mut checker = Checker::default();
            rotated(10.0, scale).validate(&mut checker);
            assert_eq!(checker.found.is_empty(), ok, "{scale:?}");
        }
    }
}
