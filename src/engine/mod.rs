//! Stepping runs: the synchronous [`Session`], one [`Run`] per optimizer, and the [`SolverHandle`]
//! the app talks to through messages (the solver on a thread, or stepped in the frame loop).

mod geometry_pieces;
mod job;
mod messages;
mod meter;
mod problem;
mod run;
mod sample;
mod session;
mod solver;
mod trace;
mod worker_trails;

pub use job::{
    Job, JobControl, JobRunner, JobState, MapOutput, Pieced, Pieces, Slice, SliceTimer, Task,
};
pub use messages::{Command, PanicAt, RunProgress, RunRemap, Speed, Update, UpdateKind};
pub use problem::ProblemInstance;
pub use run::Run;
pub use sample::{Measurement, NetworkRecord, RunStatus, Sample, StepExplanation};
pub use session::Session;
pub use solver::{FakeClock, FrameClock, MAX_WORK_PER_TICK, NextFrame, SolverHandle, Wake};
pub use trace::{DEFAULT_BUDGET, PATH_RESOLUTION, Trace};
pub use worker_trails::{TRAIL_LENGTH, WorkerTrails};
