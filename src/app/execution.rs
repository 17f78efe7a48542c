//! Where the app's background work runs: the solver on its thread and a thread per job on the
//! desktop; in the browser, which has no threads, the solver stepped in the frame loop and the
//! jobs in slices of each frame. The UI's code is the same either way: this one switch decides.

use std::time::Duration;

use crate::engine::{FrameClock, JobRunner, SolverHandle, Wake};
use crate::scenario::Scenario;

/// Time per frame the frame-driven solver may step: a 60 Hz frame lasts 16.7 ms, and drawing
/// needs the rest.
pub const SOLVER_FRAME_BUDGET: Duration = Duration::from_millis(6);
/// Time per frame each background job may work in the frame loop.
pub const JOB_FRAME_BUDGET: Duration = Duration::from_millis(4);

/// How the app runs the solver and its background jobs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Execution {
    /// The solver on a thread of its own, a thread per job (the desktop).
    Threads,
    /// The solver stepped in the frame loop for up to `solver_budget` a frame and jobs in slices
    /// of `job_budget` (the browser; tests force it natively).
    Frames {
        /// Time per frame the solver may step.
        solver_budget: Duration,
        /// Time per frame each job may work.
        job_budget: Duration,
    },
}

impl Execution {
    /// Threads where the target has them; the frame loop on wasm32.
    pub fn default_for_target() -> Self {
        if cfg!(target_arch = "wasm32") {
            Self::frames()
        } else {
            Self::Threads
        }
    }

    /// The frame loop with the default budgets.
    pub fn frames() -> Self {
        Self::Frames {
            solver_budget: SOLVER_FRAME_BUDGET,
            job_budget: JOB_FRAME_BUDGET,
        }
    }

    /// Starts a solver on `scenario` that wakes the UI through `wake`.
    pub(super) fn start_solver(
        self,
        scenario: Scenario,
        wake: Wake,
    ) -> std::io::Result<SolverHandle> {
        match self {
            Self::Threads => SolverHandle::spawn(scenario, wake),
            Self::Frames { solver_budget, .. } => Ok(SolverHandle::in_frames(
                scenario,
                wake,
                solver_budget,
                FrameClock::System,
            )),
        }
    }

    /// Where background jobs run.
    pub(super) fn job_runner(self, wake: Wake) -> JobRunner {
        match self {
            Self::Threads => JobRunner::Threads { wake },
            Self::Frames { job_budget, .. } => JobRunner::Frames { budget: job_budget },
        }
    }
}
