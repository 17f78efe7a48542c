//! What the per-coordinate methods' files share beyond torch's arithmetic (which is in
//! [`torch_ops`](super::torch_ops) and [`weight_decay`](super::weight_decay)).

use super::{Quantity, explain_once_stepped};

/// The latest step as [`Optimizer::explain`](super::Optimizer::explain) needs it in methods whose
/// other quantities sit in their buffers: whether a step was taken since the last reset, and the
/// lr it took (which a live edit or a schedule may have changed since).
#[derive(Default)]
pub(crate) struct LatestStep {
    steps: u64,
    lr: f64,
}

impl LatestStep {
    /// Records a step taken with step size `lr`.
    pub(crate) fn record(&mut self, lr: f64) {
        self.steps += 1;
        self.lr = lr;
    }

    /// Forgets the steps taken, as a reset does.
    pub(crate) fn forget(&mut self) {
        self.steps = 0;
    }

    /// The latest step's `quantities(lr)` once a step was taken since the last reset, and nothing
    /// before (see [`explain_once_stepped`]).
    pub(crate) fn explain(&self, quantities: impl FnOnce(f64) -> Vec<Quantity>) -> Vec<Quantity> {
        explain_once_stepped(self.steps > 0, || quantities(self.lr))
    }
}
