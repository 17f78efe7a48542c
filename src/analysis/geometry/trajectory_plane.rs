//! The trajectory plane the network view draws: the plane of a run's principal directions
//! ([`projection::pca_plane`]), the path projected onto it, and the loss over a square window
//! around the path ([`projection::window_around`] with a quarter of the path's extent as margin),
//! computed a piece at a time so a frame loop without threads stays responsive.
//!
//! The first piece fits the plane and projects the path; each later piece evaluates one row of
//! the loss grid ([`LossGrid::push_row`], as [`projection::loss_grid`] fills it), so the result is
//! the same whether it is computed whole or in pieces.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use nalgebra::DVector;

use super::projection::{self, LossGrid, Plane};
use crate::objective::Objective;

/// Margin around the path's bounding box, as a fraction of its larger side.
const PATH_MARGIN: f64 = 0.25;

/// A fitted plane, the path on it and the loss over it.
#[derive(Clone, Debug, PartialEq)]
pub struct TrajectoryPlane {
    /// The plane through the last snapshot.
    pub plane: Plane,
    /// Every snapshot projected onto the plane, in order.
    pub path: Vec<[f64; 2]>,
    /// The loss over the window around the path.
    pub grid: LossGrid,
}

/// A fitted plane whose loss grid is being filled.
struct Filling {
    plane: Plane,
    path: Vec<[f64; 2]>,
    grid: LossGrid,
    /// The buffer each grid point is lifted into.
    parameters: DVector<f64>,
}

/// A trajectory plane being computed.
pub struct TrajectoryPlanePieces {
    objective: Arc<dyn Objective>,
    snapshots: Vec<Vec<f64>>,
    max_snapshots: usize,
    resolution: usize,
    /// The plane and path once fitted, with the grid being filled.
    fitted: Option<Filling>,
    /// Whether the first piece has run.
    started: bool,
}

impl TrajectoryPlanePieces {
    /// The plane of `snapshots` (fitted to at most `max_snapshots` of them) with the loss of
    /// `objective` on a `resolution`² grid.
    pub fn new(
        objective: Arc<dyn Objective>,
        snapshots: Vec<Vec<f64>>,
        max_snapshots: usize,
        resolution: usize,
    ) -> Self {
        Self {
            objective,
            snapshots,
            max_snapshots,
            resolution: resolution.clamp(2, projection::MAX_RESOLUTION),
            fitted: None,
            started: false,
        }
    }

    /// Pieces before the last: the fit, then the grid's rows but one.
    pub fn pieces(&self) -> usize {
        self.resolution
    }

    /// Does the next piece. `Some(None)` when there is no plane (fewer than three distinct
    /// snapshots, or parameters of another dimension than the objective's); `Some(Some(_))`
    /// with the finished plane; `None` while rows are left or once `cancel` is set.
    pub fn next_piece(&mut self, cancel: &AtomicBool) -> Option<Option<TrajectoryPlane>> {
        if !self.started {
            self.started = true;
            self.fitted = self.fit();
            return self.fitted.is_none().then_some(None);
        }
        let filling = self.fitted.as_mut()?;
        let objective = self.objective.as_ref();
        let (plane, parameters) = (&filling.plane, &mut filling.parameters);
        if !filling.grid.push_row(objective, plane, parameters, cancel) {
            return None;
        }
        if !filling.grid.is_complete() {
            return None;
        }
        let Filling {
            plane, path, grid, ..
        } = self.fitted.take()?;
        Some(Some(TrajectoryPlane { plane, path, grid }))
    }

    /// Fits the plane, projects the path and sets up an empty grid around it.
    fn fit(&self) -> Option<Filling> {
        let slices: Vec<&[f64]> = self.snapshots.iter().map(Vec::as_slice).collect();
        let plane = projection::pca_plane(&slices, self.max_snapshots)?;
        let path: Vec<[f64; 2]> = slices
            .iter()
            .map(|point| projection::project(&plane, point))
            .collect();
        let (x_range, y_range) = projection::window_around(&path, PATH_MARGIN);
        let grid = LossGrid::empty(
            self.objective.as_ref(),
            &plane,
            x_range,
            y_range,
            self.resolution,
        )?;
        let parameters = DVector::zeros(plane.dim());
        Some(Filling {
            plane,
            path,
            grid,
            parameters,
        })
    }
}
