//! Measurements a run makes besides its loss: sharpness by Lanczos (plain and preconditioned)
//! and the escape test of a landscape run.

use nalgebra::DVector;

use super::sample::Measurement;
use crate::analysis::sharpness::{self, Lanczos};
use crate::landscape::ViewWindow;
use crate::objective::Objective;

/// The buffers of sharpness estimation, allocated once per run.
pub(super) struct SharpnessMeter {
    lanczos: Lanczos,
    preconditioned: Lanczos,
    /// P^(−½)·v, for the preconditioned operator.
    scaled: DVector<f64>,
    top: [f64; Measurement::TOP_EIGENVALUES],
}

impl SharpnessMeter {
    pub(super) fn new(dim: usize) -> Self {
        let iterations = Measurement::LANCZOS_ITERATIONS.min(dim.max(1));
        Self {
            lanczos: Lanczos::new(dim, iterations),
            preconditioned: Lanczos::new(dim, iterations),
            scaled: DVector::zeros(dim),
            top: [f64::NAN; Measurement::TOP_EIGENVALUES],
        }
    }

    /// The top eigenvalues of ∇²f(x), descending (fewer when the dimension is small).
    pub(super) fn top_eigenvalues(
        &mut self,
        objective: &dyn Objective,
        x: &DVector<f64>,
    ) -> &[f64] {
        let k = self.top.len().min(x.len());
        let found = self
            .lanczos
            .top_eigenvalues(|v, out| objective.hvp(x, v, out), &mut self.top[..k]);
        &self.top[..found]
    }

    /// λmax(P^(−½)·∇²f(x)·P^(−½)) = λmax(P⁻¹∇²f(x)) for a positive diagonal preconditioner P.
    pub(super) fn preconditioned(
        &mut self,
        objective: &dyn Objective,
        x: &DVector<f64>,
        preconditioner: &DVector<f64>,
    ) -> Option<f64> {
        sharpness::preconditioned_sharpness(
            objective,
            x,
            preconditioner,
            &mut self.preconditioned,
            &mut self.scaled,
        )
        .filter(|value| value.is_finite())
    }
}

/// A run leaves the view "far behind" when it is this many view diagonals from the view's centre.
const ESCAPE_DIAGONALS: f64 = 1e6;

/// The escape test of a landscape run, worked out once (a landscape's view never changes).
#[derive(Clone, Copy, Debug)]
pub(super) struct EscapeLimit {
    pub(super) view: ViewWindow,
    centre: [f64; 2],
    /// ESCAPE_DIAGONALS view diagonals.
    distance: f64,
}

impl EscapeLimit {
    pub(super) fn new(view: ViewWindow) -> Self {
        Self {
            view,
            centre: [
                0.5 * (view.x_min + view.x_max),
                0.5 * (view.y_min + view.y_max),
            ],
            distance: ESCAPE_DIAGONALS * view.diagonal(),
        }
    }

    /// Whether `p` is farther than the limit from the view's centre. Points within half the limit
    /// along both axes are answered without the square root: their distance is below
    /// √2·(limit/2)·(1 + ε) < limit, so the answer is the full test's.
    pub(super) fn is_escaped(&self, p: [f64; 2]) -> bool {
        let (dx, dy) = (p[0] - self.centre[0], p[1] - self.centre[1]);
        if 2.0 * dx.abs() <= self.distance && 2.0 * dy.abs() <= self.distance {
            return false;
        }
        self.view.distance_from_centre(p) > self.distance
    }
}
