//! The messages between the UI and the solver thread.

use super::sample::{NetworkRecord, RunStatus, Sample, StepExplanation};
use crate::objective::Probe;
use crate::scenario::{RunConfig, Scenario};

/// How fast the solver steps while playing.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Speed {
    /// This many steps per second for every run (a lecture pace: 1 to a few hundred).
    StepsPerSecond(f64),
    /// As fast as the machine goes.
    Max,
}

/// A request from the UI to the solver. Commands that restart runs (`Reset`, `ReplaceScenario`,
/// `MoveStart`, `EditRun` with `restart`, `AddRun`, `RemoveRun`) begin a new generation: updates
/// computed before them are dropped by the receiving handle.
#[derive(Clone, Debug)]
pub enum Command {
    /// Start or continue stepping at the current speed.
    Play,
    /// Stop stepping; state is kept.
    Pause,
    /// Take this many steps now, then pause.
    Step(u64),
    /// Put every run back at its start.
    Reset,
    /// Change the stepping speed.
    SetSpeed(Speed),
    /// Change the step budget.
    SetStepBudget(u64),
    /// Load another scenario (already validated), paused at step 0.
    ReplaceScenario(Box<Scenario>),
    /// Replace one run's configuration; `restart` starts it over, otherwise the edit applies live
    /// with the optimizer's moments kept.
    EditRun {
        /// Which run.
        run: usize,
        /// Its new configuration.
        config: Box<RunConfig>,
        /// Start over instead of continuing.
        restart: bool,
    },
    /// Add a run.
    AddRun(Box<RunConfig>),
    /// Remove a run.
    RemoveRun(usize),
    /// Move the start of one run (`Some`) or of all runs (`None`) and restart them.
    MoveStart {
        /// Which run, or all.
        run: Option<usize>,
        /// The new start.
        start: [f64; 2],
    },
    /// End the solver thread.
    Shutdown,
    /// Test hook, not for the UI: make the solver panic at `PanicAt`, to check that a panic is
    /// caught, reported and recovered from. No control sends it.
    #[doc(hidden)]
    Panic(PanicAt),
}

/// Where [`Command::Panic`] makes the solver panic (a test hook).
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PanicAt {
    /// While handling the command itself.
    Command,
    /// In the next batch of steps.
    Step,
    /// Outside every guard, so the thread ends (the app must notice and start another).
    Thread,
}

impl Command {
    /// Whether this command throws away the runs' progress, starting a new generation.
    pub fn starts_generation(&self) -> bool {
        match self {
            Command::Reset
            | Command::ReplaceScenario(_)
            | Command::MoveStart { .. }
            | Command::AddRun(_)
            | Command::RemoveRun(_) => true,
            Command::EditRun { restart, .. } => *restart,
            Command::Play
            | Command::Pause
            | Command::Step(_)
            | Command::SetSpeed(_)
            | Command::SetStepBudget(_)
            | Command::Shutdown
            | Command::Panic(_) => false,
        }
    }
}

impl Command {
    /// The command's name, for messages ("Step(5)", "EditRun"), without its payload.
    pub(super) fn name(&self) -> String {
        match self {
            Command::Play => "Play".to_owned(),
            Command::Pause => "Pause".to_owned(),
            Command::Step(n) => format!("Step({n})"),
            Command::Reset => "Reset".to_owned(),
            Command::SetSpeed(_) => "SetSpeed".to_owned(),
            Command::SetStepBudget(steps) => format!("SetStepBudget({steps})"),
            Command::ReplaceScenario(_) => "ReplaceScenario".to_owned(),
            Command::EditRun { run, .. } => format!("EditRun(run {run})"),
            Command::AddRun(_) => "AddRun".to_owned(),
            Command::RemoveRun(run) => format!("RemoveRun({run})"),
            Command::MoveStart { .. } => "MoveStart".to_owned(),
            Command::Shutdown => "Shutdown".to_owned(),
            Command::Panic(at) => format!("Panic({at:?})"),
        }
    }

    /// Whether the command changes the scenario the solver holds.
    pub(super) fn edits_scenario(&self) -> bool {
        match self {
            Command::SetStepBudget(_)
            | Command::ReplaceScenario(_)
            | Command::EditRun { .. }
            | Command::AddRun(_)
            | Command::RemoveRun(_)
            | Command::MoveStart { .. } => true,
            Command::Play
            | Command::Pause
            | Command::Step(_)
            | Command::Reset
            | Command::SetSpeed(_)
            | Command::Shutdown
            | Command::Panic(_) => false,
        }
    }
}

/// New samples and the status of one run.
#[derive(Clone, Debug, PartialEq)]
pub struct RunProgress {
    /// Which run (index into the scenario's runs).
    pub run: usize,
    /// Samples in step order.
    pub samples: Vec<Sample>,
    /// Network diagnostics made at the record steps among them, in step order.
    pub records: Vec<NetworkRecord>,
    /// The run's status after them.
    pub status: RunStatus,
    /// The points the latest step evaluated without accepting (line-search trials).
    pub probes: Vec<Probe>,
    /// The method's second point after the latest step (ASGD's average, Nesterov's extrapolation).
    pub auxiliary: Option<[f64; 2]>,
    /// The latest step taken apart (2D runs only), for the update arrows and step-by-step view;
    /// filled when the solver publishes, so `Session::advance` leaves it `None`.
    pub latest_step: Option<StepExplanation>,
    /// The simulated workers' recent paths (LocalSgd…), each ending where the worker is now; 2D
    /// runs only; filled when the solver publishes, like `latest_step`.
    pub workers: Vec<Vec<[f64; 2]>>,
}

impl RunProgress {
    /// Appends `newer`, progress of the same run made after this one: its samples and records
    /// follow ours, and its point-in-time fields (status, probes, the auxiliary point, the latest
    /// step taken apart, the workers' paths) replace ours. Every field is named here, so a field
    /// added to `RunProgress` cannot be dropped by a merge without the compiler saying so.
    pub fn absorb(&mut self, newer: RunProgress) {
        let RunProgress {
            run: _,
            samples,
            records,
            status,
            probes,
            auxiliary,
            latest_step,
            workers,
        } = newer;
        self.samples.extend(samples);
        self.records.extend(records);
        self.status = status;
        self.probes = probes;
        self.auxiliary = auxiliary;
        self.latest_step = latest_step;
        self.workers = workers;
    }
}

/// A message from the solver to the UI, tagged with the generation it belongs to.
#[derive(Clone, Debug)]
pub struct Update {
    /// The generation of the command stream this update follows.
    pub generation: u64,
    /// What happened.
    pub kind: UpdateKind,
}

/// What an [`Update`] reports.
#[derive(Clone, Debug)]
pub enum UpdateKind {
    /// A new generation began: every run's state from scratch (its start, or where it is after a
    /// live edit), with the scenario as the solver now holds it.
    Restarted {
        /// The scenario, including moved starts and edits.
        scenario: Box<Scenario>,
        /// Every run's current sample and status.
        runs: Vec<RunProgress>,
    },
    /// Runs moved on.
    Progress(Vec<RunProgress>),
    /// Stepping stopped: paused, out of budget, or every run stopped.
    Paused,
    /// A command could not be carried out (the solver keeps its previous state), or the solver
    /// panicked and was rebuilt from its scenario (a `Restarted` update follows, with every run
    /// back at its start).
    Error(String),
}
