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

/// A request from the UI to the solver. Commands that restart or renumber runs (`Reset`,
/// `ReplaceScenario`, `MoveStart`, `EditRun` with `restart`, `AddRun`, `RemoveRun`) begin a new
/// generation: the receiving handle drops what was computed before them for the runs they restart
/// and renumbers the rest ([`RunRemap`]), so runs an edit did not concern keep their history.
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

/// How a command that begins a generation changes the runs that updates computed before it
/// speak of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunRemap {
    /// Every run restarted: nothing computed before is kept.
    All,
    /// Run `0` restarted on its own: its earlier progress is dropped, the others' kept.
    Restarted(usize),
    /// Run `0` removed: its earlier progress is dropped and later runs move down one place.
    Removed(usize),
    /// A run added at the end: earlier progress is kept as it is.
    Added,
}

impl RunRemap {
    /// Where run `index` of the generation before is now, or `None` if its earlier progress is
    /// void.
    pub fn map(self, index: usize) -> Option<usize> {
        match self {
            RunRemap::All => None,
            RunRemap::Restarted(run) => (index != run).then_some(index),
            RunRemap::Removed(run) if index == run => None,
            RunRemap::Removed(run) if index > run => Some(index - 1),
            RunRemap::Removed(_) | RunRemap::Added => Some(index),
        }
    }
}

impl Command {
    /// Whether this command throws away runs' progress or renumbers runs, starting a new
    /// generation.
    pub fn starts_generation(&self) -> bool {
        self.remap().is_some()
    }

    /// For a command that starts a generation, how it changes the runs earlier updates speak of.
    pub fn remap(&self) -> Option<RunRemap> {
        match self {
            Command::Reset | Command::ReplaceScenario(_) | Command::MoveStart { run: None, .. } => {
                Some(RunRemap::All)
            }
            Command::MoveStart { run: Some(run), .. } => Some(RunRemap::Restarted(*run)),
            Command::EditRun {
                run, restart: true, ..
            } => Some(RunRemap::Restarted(*run)),
            Command::AddRun(_) => Some(RunRemap::Added),
            Command::RemoveRun(run) => Some(RunRemap::Removed(*run)),
            Command::EditRun { restart: false, .. }
            | Command::Play
            | Command::Pause
            | Command::Step(_)
            | Command::SetSpeed(_)
            | Command::SetStepBudget(_)
            | Command::Shutdown
            | Command::Panic(_) => None,
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
    /// A new generation began: the runs listed start from scratch (at their start), with the
    /// scenario as the solver now holds it. Every run is listed after a reset, a new scenario, a
    /// moved shared start or a rebuild after a panic; only the run concerned after an edit that
    /// restarts one run or an added run; none after a removal or a refused command. A run not
    /// listed keeps its history; a listed run that the others are ahead of catches up with them
    /// in the `Progress` that follows.
    Restarted {
        /// The scenario, including moved starts and edits.
        scenario: Box<Scenario>,
        /// The restarted runs' current sample and status.
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
