//! Newton's method on ∇f = 0, for minimizers known only approximately or depending on parameters.
//!
//! From a guess inside a minimizer's basin a handful of Newton steps p ← p − (∇²f)⁻¹ ∇f reach it to
//! machine precision, so the listed minimizers have a zero gradient and their values and curvature
//! come from f itself rather than from rounded constants.

use super::{Landscape, Minimum, Point, symmetric_eigenvalues};

/// Newton steps at most; from a good guess the iteration settles after five or six.
const MAX_ITERATIONS: usize = 50;

/// Newton's method on ∇f = 0 from `p`. Returns the iterate with the smallest gradient norm, so a
/// step that diverges (singular or indefinite Hessian far from the guess) cannot make things worse.
pub(crate) fn newton_refine(f: &impl Landscape, p: Point) -> Point {
    let mut current = p;
    let mut best = (p, f64::INFINITY);
    for _ in 0..MAX_ITERATIONS {
        let (_, g) = f.value_and_gradient(current);
        let norm = g[0].hypot(g[1]);
        if !norm.is_finite() {
            break;
        }
        if norm < best.1 {
            best = (current, norm);
        }
        if norm == 0.0 {
            break;
        }
        let h = f.hessian(current);
        let det = h[0][0] * h[1][1] - h[0][1] * h[1][0];
        if det == 0.0 || !det.is_finite() {
            break;
        }
        let step = [
            (h[1][1] * g[0] - h[0][1] * g[1]) / det,
            (h[0][0] * g[1] - h[1][0] * g[0]) / det,
        ];
        current = [current[0] - step[0], current[1] - step[1]];
        if step[0].hypot(step[1]) <= 4.0 * f64::EPSILON * (1.0 + current[0].hypot(current[1])) {
            let (_, g) = f.value_and_gradient(current);
            let norm = g[0].hypot(g[1]);
            if norm < best.1 {
                best = (current, norm);
            }
            break;
        }
    }
    best.0
}

/// The stationary point Newton's method reaches from `guess`, with f and the Hessian's eigenvalues
/// there.
pub(crate) fn refined_minimum(f: &impl Landscape, guess: Point) -> Minimum {
    let point = newton_refine(f, guess);
    Minimum {
        point,
        value: f.value(point),
        curvature: symmetric_eigenvalues(f.hessian(point)),
    }
}

/// Like [`refined_minimum`], but only if Newton's method converged (gradient ≈ 0) to a strict local
/// minimum (both curvatures > 0): for parameter-dependent landscapes whose wells may merge.
pub(crate) fn strict_minimum_near(f: &impl Landscape, guess: Point) -> Option<Minimum> {
    let minimum = refined_minimum(f, guess);
    let (_, g) = f.value_and_gradient(minimum.point);
    let converged = g[0].hypot(g[1]) <= 1e-10 * (1.0 + minimum.value.abs());
    (converged && minimum.curvature[0] > 0.0).then_some(minimum)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::landscape::{Matrix2, Minimizers, ViewWindow};

    /// f = (x² − 2)² + (y − 1)²: minimizers (±√2, 1), a saddle at (0, 1).
    struct Quartic;

    impl Landscape for Quartic {
        fn value(&self, p: Point) -> f64 {
            (p[0] * p[0] - 2.0).powi(2) + (p[1] - 1.0).powi(2)
        }
        fn value_and_gradient(&self, p: Point) -> (f64, Point) {
            let gradient = [4.0 * p[0] * (p[0] * p[0] - 2.0), 2.0 * (p[1] - 1.0)];
            (self.value(p), gradient)
        }
        fn hessian(&self, p: Point) -> Matrix2 {
            [[12.0 * p[0] * p[0] - 8.0, 0.0], [0.0, 2.0]]
        }
        fn minimizers(&self) -> Minimizers {
            Minimizers::Unbounded
        }
        fn view(&self) -> ViewWindow {
            ViewWindow::centred(2.0, 2.0)
        }
        fn default_start(&self) -> Point {
            [1.0, 0.0]
        }
    }

    #[test]
    fn newton_reaches_the_minimizer_to_machine_precision() {
        let m = refined_minimum(&Quartic, [1.3, 0.7]);
        assert!((m.point[0] - 2f64.sqrt()).abs() < 1e-15 && (m.point[1] - 1.0).abs() < 1e-15);
        assert!(m.value.abs() < 1e-28);
        // ∇² = diag(12·2 − 8, 2) = diag(16, 2).
        assert!((m.curvature[0] - 2.0).abs() < 1e-12 && (m.curvature[1] - 16.0).abs() < 1e-12);
    }

    #[test]
    fn saddles_are_not_strict_minima() {
        assert!(strict_minimum_near(&Quartic, [0.1, 0.5]).is_none());
        assert!(strict_minimum_near(&Quartic, [-1.5, 3.0]).is_some());
    }
}
