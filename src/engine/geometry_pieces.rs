//! The drawing geometry's resumable computations as job [`Pieces`]: the geometry sits below the
//! engine (it cannot name the job types), so their job faces live here.

use super::job::{JobControl, Pieces, Slice};
use crate::analysis::geometry::contour::{ContourPicture, ContourPieces};
use crate::analysis::geometry::trajectory_plane::{TrajectoryPlane, TrajectoryPlanePieces};

impl Pieces for ContourPieces {
    type Output = ContourPicture;

    fn total(&self) -> usize {
        self.pieces()
    }

    /// The field and iso-lines over every core; the picture is not split, so progress jumps.
    fn run_whole(&mut self, control: &JobControl) -> Result<ContourPicture, String> {
        let picture = self.compute_whole();
        control.advance(self.pieces());
        Ok(picture)
    }

    fn run_piece(&mut self, _control: &JobControl) -> Slice<ContourPicture> {
        self.next_piece().map(Ok)
    }
}

impl Pieces for TrajectoryPlanePieces {
    type Output = Option<TrajectoryPlane>;

    fn total(&self) -> usize {
        self.pieces()
    }

    fn run_piece(&mut self, control: &JobControl) -> Slice<Option<TrajectoryPlane>> {
        self.next_piece(control.cancel_flag()).map(Ok)
    }
}
