//! The messages between the UI and the worker thread.

use super::run::{NetworkRecord, RunStatus, Sample, StepExplanation};
use crate::objective::Probe;
use crate::scenario::{RunConfig, Scenario};

/// How fast the worker steps while playing.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Speed {
    /// This many steps per second for every run (a lecture pace: 1 to a few hundred).
    StepsPerSecond(f64),
    /// As fast as the machine goes.
    Max,
}

/// A request from the UI to the worker. Commands that restart runs (`Reset`, `ReplaceScenario`,
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
    /// End the worker thread.
    Shutdown,
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
            | Command::Shutdown => false,
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
    /// The latest step taken apart (2D runs only), for the update arrows and step-by-step view.
    pub latest_step: Option<StepExplanation>,
}

/// A message from the worker to the UI, tagged with the generation it belongs to.
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
    /// live edit), with the scenario as the worker now holds it.
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
    /// A command could not be carried out; the worker keeps its previous state.
    Error(String),
}
