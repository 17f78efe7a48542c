//! The views' side of a background [`Job`]: poll it once a frame, keep frames coming while it
//! works, and take its outcome when it ends.

use std::time::Duration;

use crate::engine::{Job, JobRunner, JobState};

/// Polls the job in `slot`. While it runs this schedules the next frame (at once in the frame
/// loop, where each poll works a slice; after `progress` on a thread, or when the thread wakes the
/// UI if `progress` is `None`) and returns `None`. When it has ended the slot is emptied and the
/// outcome returned: its result, or the message it failed with; `None` when it was dropped.
pub fn take_finished<T: Send + 'static>(
    slot: &mut Option<Job<T>>,
    jobs: &JobRunner,
    progress: Option<Duration>,
    ctx: &egui::Context,
) -> Option<Result<T, String>> {
    let job = slot.as_mut()?;
    let outcome = match job.poll() {
        JobState::Running { .. } => {
            if let Some(after) = jobs.next_poll(progress) {
                ctx.request_repaint_after(after);
            }
            return None;
        }
        JobState::Finished(result) => Some(Ok(result)),
        JobState::Failed(message) => Some(Err(message)),
        JobState::Gone => None,
    };
    *slot = None;
    outcome
}
