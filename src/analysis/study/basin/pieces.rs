//! A basin map computed a row at a time, for a frame loop without threads. Each start is run
//! with fresh state and rows are independent (see the module doc), so mapping the rows one after
//! another on the caller's thread gives the same map as sharing them among the cores.

use std::sync::Arc;
use std::sync::atomic::AtomicUsize;

use super::{BasinMap, BasinRequest, Classifier, Shared, StartResult, assemble, compute};
use crate::engine::{JobControl, Pieces, Slice};
use crate::landscape::{Landscape, LandscapeObjective};
use crate::objective::Objective;

/// A basin map being computed: the request, and the rows mapped so far.
pub struct BasinPieces {
    landscape: Arc<dyn Landscape>,
    objective: Arc<dyn Objective>,
    request: BasinRequest,
    /// Made by the first piece: some landscapes refine their minimizers numerically.
    classifier: Option<Classifier>,
    rows: Vec<(usize, Vec<StartResult>)>,
}

impl BasinPieces {
    /// The map `request` asks for on `landscape`.
    pub fn new(landscape: Arc<dyn Landscape>, request: BasinRequest) -> Self {
        Self {
            objective: Arc::new(LandscapeObjective::new(landscape.clone())),
            landscape,
            request,
            classifier: None,
            rows: Vec::new(),
        }
    }
}

impl Pieces for BasinPieces {
    type Output = BasinMap;

    fn total(&self) -> usize {
        self.request.resolution
    }

    /// Every row, shared among the cores ([`compute`]).
    fn run_whole(&mut self, control: &JobControl) -> Result<BasinMap, String> {
        compute(
            &self.landscape,
            &self.request,
            control.done(),
            control.cancel_flag(),
        )
        .ok_or_else(|| "cancelled".to_owned())
    }

    /// The next row, as a worker of [`compute`] maps it.
    fn run_piece(&mut self, control: &JobControl) -> Slice<BasinMap> {
        let request = &self.request;
        let row = self.rows.len();
        if row < request.resolution {
            let classifier = self
                .classifier
                .get_or_insert_with(|| Classifier::new(self.landscape.as_ref(), &request.window));
            // The job counts a unit per piece itself.
            let rows_done = AtomicUsize::new(0);
            let shared = Shared {
                landscape: &self.landscape,
                objective: self.objective.clone(),
                request,
                classifier,
                plain_gd_lr: request.optimizer.plain_gd_lr(),
                tolerance_squared: request.tolerance * request.tolerance,
                next_row: AtomicUsize::new(row),
                end_row: row + 1,
                progress: &rows_done,
                cancel: control.cancel_flag(),
            };
            let finished = shared.work();
            if finished.is_empty() {
                return Some(Err("cancelled".to_owned()));
            }
            self.rows.extend(finished);
        }
        (self.rows.len() >= request.resolution)
            .then(|| Ok(assemble(request, std::mem::take(&mut self.rows))))
    }
}
