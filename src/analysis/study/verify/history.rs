//! What the evaluator reads of one run, whoever recorded it: the app's traces and a headless run
//! both are [`Trace`]s.

use super::{Measured, Verdict};
use crate::engine::{NetworkRecord, RunStatus, Sample, Trace};

/// One run as recorded so far: its status, its samples by step, its occasional measurements and
/// its network records.
pub trait RunHistory {
    /// The run's status after its latest sample.
    fn status(&self) -> &RunStatus;
    /// The latest sample.
    fn latest(&self) -> Option<&Sample>;
    /// The sample at `step`, or the latest recorded before it (a thinned history).
    fn sample_at(&self, step: u64) -> Option<&Sample>;
    /// Every recorded sample, in step order.
    fn samples(&self) -> Box<dyn Iterator<Item = &Sample> + '_>;
    /// The samples with sharpness, test loss or accuracy, in step order.
    fn measured(&self) -> &[Sample];
    /// The network records, in step order.
    fn records(&self) -> &[NetworkRecord];
}

/// The `k`-th largest singular value (from 0) of the learned matrix in the run's network record
/// at exactly `step` (the `SingularValue(k)` metric), or why there is none.
pub(super) fn singular_value(
    history: &dyn RunHistory,
    step: u64,
    k: usize,
) -> Result<f64, Verdict> {
    let fails = |text: String| Verdict::Fails {
        measured: Measured::words(text),
    };
    let records = history.records();
    let Ok(index) = records.binary_search_by_key(&step, |record| record.step) else {
        return Err(fails(format!("no network record at step {step}")));
    };
    let values = &records[index].singular_values;
    (values.get(k).copied()).ok_or_else(|| {
        fails(format!(
            "the learned matrix has {} singular values",
            values.len()
        ))
    })
}

impl RunHistory for Trace {
    fn status(&self) -> &RunStatus {
        &self.status
    }

    fn latest(&self) -> Option<&Sample> {
        Trace::latest(self)
    }

    fn sample_at(&self, step: u64) -> Option<&Sample> {
        Trace::sample_at(self, step)
    }

    fn samples(&self) -> Box<dyn Iterator<Item = &Sample> + '_> {
        Box::new(Trace::samples(self))
    }

    fn measured(&self) -> &[Sample] {
        Trace::measured(self)
    }

    fn records(&self) -> &[NetworkRecord] {
        Trace::records(self)
    }
}
