//! Classifying where a start ended: escaped the window, or which kind of stationary point (a listed
//! minimizer, the minimizer set, another minimum, a saddle or a maximum), as the basin module's
//! doc lays out.

use super::{ESCAPE_DIAGONALS, MATCH_FRACTION, Outcome};
use crate::landscape::{Landscape, Minimizers, Point, ViewWindow, symmetric_eigenvalues};

/// Relative size below which a Hessian eigenvalue counts as zero.
const EIGENVALUE_CUTOFF: f64 = 1e-6;
/// Directions probed around a degenerate stationary point.
const PROBE_DIRECTIONS: usize = 16;

/// Classifies points by the window's scale and the landscape's known minimizers.
pub(super) struct Classifier {
    minimizers: Minimizers,
    pub(super) centre: Point,
    pub(super) escape_distance_squared: f64,
    match_radius: f64,
}

impl Classifier {
    pub(super) fn new(landscape: &dyn Landscape, window: &ViewWindow) -> Self {
        let diagonal = window.diagonal();
        Self {
            // Computed once: some landscapes refine their minimizers numerically on every call.
            minimizers: landscape.minimizers(),
            centre: [
                0.5 * (window.x_min + window.x_max),
                0.5 * (window.y_min + window.y_max),
            ],
            escape_distance_squared: (ESCAPE_DIAGONALS * diagonal).powi(2),
            match_radius: MATCH_FRACTION * diagonal,
        }
    }

    pub(super) fn escaped(&self, p: Point) -> bool {
        let (dx, dy) = (p[0] - self.centre[0], p[1] - self.centre[1]);
        // An overflowing square is +∞, which counts as escaped, as it should.
        dx * dx + dy * dy > self.escape_distance_squared
    }

    /// What kind of stationary point `p` (with f(p) = `value`) is.
    pub(super) fn classify(&self, landscape: &dyn Landscape, p: Point, value: f64) -> Outcome {
        match &self.minimizers {
            Minimizers::Points(points) => {
                let nearest = points
                    .iter()
                    .enumerate()
                    .map(|(index, m)| (index, (p[0] - m.point[0]).hypot(p[1] - m.point[1])))
                    .min_by(|a, b| a.1.total_cmp(&b.1));
                if let Some((index, distance)) = nearest
                    && distance <= self.match_radius
                {
                    return Outcome::Minimum(index);
                }
            }
            Minimizers::Set { .. } => {
                if landscape
                    .distance_to_minimizer(p)
                    .is_some_and(|distance| distance <= self.match_radius)
                {
                    return Outcome::MinimizerSet;
                }
            }
            Minimizers::Unbounded => {}
        }
        let [low, high] = symmetric_eigenvalues(landscape.hessian(p));
        let cutoff = EIGENVALUE_CUTOFF * (1.0 + low.abs().max(high.abs()));
        if low > cutoff {
            Outcome::OtherMinimum
        } else if high < -cutoff {
            Outcome::Maximum
        } else if low < -cutoff && high > cutoff {
            Outcome::Saddle
        } else {
            self.classify_degenerate(landscape, p, value)
        }
    }

    /// Where the Hessian is singular its signs do not decide: compare f around a small circle.
    fn classify_degenerate(&self, landscape: &dyn Landscape, p: Point, value: f64) -> Outcome {
        // Differences this small are rounding, not shape (a flat direction along a minimizer set).
        let noise = 1e-12 * (1.0 + value.abs());
        let (mut lower, mut higher) = (false, false);
        for k in 0..PROBE_DIRECTIONS {
            let angle = std::f64::consts::TAU * k as f64 / PROBE_DIRECTIONS as f64;
            let (sin, cos) = angle.sin_cos();
            let probe = [
                p[0] + self.match_radius * cos,
                p[1] + self.match_radius * sin,
            ];
            let difference = landscape.value(probe) - value;
            lower |= difference < -noise;
            higher |= difference > noise;
        }
        match (lower, higher) {
            (true, true) => Outcome::Saddle,
            (true, false) => Outcome::Maximum,
            (false, _) => Outcome::OtherMinimum,
        }
    }
}
