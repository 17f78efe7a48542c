//! Stepping runs: the synchronous [`Session`], one [`Run`] per optimizer, and the background
//! [`WorkerHandle`] the app talks to through messages.

mod messages;
mod run;
mod session;
mod trace;
mod worker;
mod worker_trails;

pub use messages::{Command, PanicAt, RunProgress, Speed, Update, UpdateKind};
pub use run::{Measurement, NetworkRecord, Run, RunStatus, Sample, StepExplanation};
pub use session::{ProblemInstance, Session};
pub use trace::{DEFAULT_BUDGET, PATH_RESOLUTION, Trace};
pub use worker::{Wake, WorkerHandle};
pub use worker_trails::{TRAIL_LENGTH, WorkerTrails};
