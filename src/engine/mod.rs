//! Stepping runs: the synchronous [`Session`], one [`Run`] per optimizer, and the background
//! [`SolverHandle`] the app talks to through messages.

mod job;
mod messages;
mod run;
mod session;
mod solver;
mod trace;
mod worker_trails;

pub use job::{Job, JobControl, JobRunner, JobState, Slice, Task};
pub use messages::{Command, PanicAt, RunProgress, Speed, Update, UpdateKind};
pub use run::{Measurement, NetworkRecord, Run, RunStatus, Sample, StepExplanation};
pub use session::{ProblemInstance, Session};
pub use solver::{SolverHandle, Wake};
pub use trace::{DEFAULT_BUDGET, PATH_RESOLUTION, Trace};
pub use worker_trails::{TRAIL_LENGTH, WorkerTrails};
