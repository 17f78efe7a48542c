//! The app's state: the scenario being edited, the runs as the app shows them, the problem built
//! from the scenario, the views' state and the status bar's notice.

use std::path::PathBuf;
use std::sync::Arc;

use super::execution::Execution;
use super::prefs::Prefs;
use crate::clock::Instant;
use crate::engine::{
    DEFAULT_BUDGET, Job, JobRunner, NextFrame, PATH_RESOLUTION, ProblemInstance, RunProgress,
    RunStatus, SolverHandle, StepExplanation, Trace,
};
use crate::landscape::{self, Landscape};
use crate::network::Network;
use crate::objective::Probe;
use crate::scenario::Scenario;
use crate::ui;

/// A message shown in the status bar.
#[derive(Clone, Debug)]
pub struct Notice {
    /// Whether it is an error (red) or information.
    pub is_error: bool,
    /// The text.
    pub text: String,
}

/// One run as the app shows it.
pub struct RunView {
    /// Its samples and status.
    pub trace: Trace,
    /// The latest step's line-search probes.
    pub probes: Vec<Probe>,
    /// The method's second point (ASGD's average…).
    pub auxiliary: Option<[f64; 2]>,
    /// The latest step taken apart, for the update arrows and the step-by-step view.
    pub latest_step: Option<StepExplanation>,
    /// The run's simulated workers' recent paths (LocalSgd…), each ending at the solver.
    pub workers: Vec<Vec<[f64; 2]>>,
    /// Shown in the plots (legend toggles it).
    pub visible: bool,
}

impl RunView {
    /// A run's view on `landscape` (its trace keeps the path at a fraction of the view).
    pub(super) fn new(landscape: Option<&Arc<dyn Landscape>>) -> Self {
        let resolution = landscape.map_or(0.0, |l| l.view().diagonal() * PATH_RESOLUTION);
        Self {
            trace: Trace::new(DEFAULT_BUDGET).with_path_resolution(resolution),
            probes: Vec::new(),
            auxiliary: None,
            latest_step: None,
            workers: Vec::new(),
            visible: true,
        }
    }

    /// Starts the run afresh from `progress`, whose first sample is where it now is.
    pub(super) fn restart(&mut self, progress: RunProgress) {
        if let Some(&first) = progress.samples.first() {
            self.trace.restart(first, progress.status.clone());
            self.absorb(RunProgress {
                samples: Vec::new(),
                ..progress
            });
        }
    }

    /// Appends the solver's progress: every field of it, named so that none is forgotten.
    pub(super) fn absorb(&mut self, progress: RunProgress) {
        let RunProgress {
            run: _,
            samples,
            records,
            status,
            probes,
            auxiliary,
            latest_step,
            workers,
        } = progress;
        self.trace.extend(&samples);
        self.trace.extend_records(records);
        self.trace.status = status;
        self.probes = probes;
        self.auxiliary = auxiliary;
        self.latest_step = latest_step;
        self.workers = workers;
    }
}

/// A place whose pointer can set [`AppState::hovered_run`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HoverSource {
    /// A path on the landscape.
    Canvas,
    /// A row of the runs table.
    Table,
}

/// Everything the UI reads and changes.
pub struct AppState {
    /// Persisted preferences.
    pub prefs: Prefs,
    /// The scenario being shown and edited.
    pub scenario: Scenario,
    /// The file it was opened from or saved to.
    pub file: Option<PathBuf>,
    /// Edited since it was opened or saved.
    pub modified: bool,
    /// The built landscape of the current problem, for landscape problems.
    pub landscape: Option<Arc<dyn Landscape>>,
    /// The built network of the current problem, for network problems.
    pub network: Option<Arc<dyn Network>>,
    /// One view per run, in scenario order.
    pub runs: Vec<RunView>,
    /// Whether the solver is stepping.
    pub playing: bool,
    /// The latest message for the status bar.
    pub notice: Option<Notice>,
    /// The run whose settings are expanded in the side panel.
    pub selected_run: usize,
    /// The run under the pointer (a path on a canvas or a row of the runs table), drawn
    /// highlighted in every view this frame.
    pub hovered_run: Option<usize>,
    /// Where the pointer that set `hovered_run` is: only that place clears it again.
    pub(super) hover_source: Option<HoverSource>,
    /// Whether the user picked the selected run (its row, its header, a run they added): only
    /// then do the canvases draw it on top and highlighted. A lesson opens with no run
    /// emphasised, so its own drawing order shows every path (zigzag's momentum path lies
    /// inside GD's zig-zag and would vanish under a highlighted GD).
    pub run_picked: bool,
    /// The open/save dialog, when open.
    pub file_dialog: Option<ui::file_dialog::FileDialog>,
    /// The keyboard-shortcut window.
    pub show_help: bool,
    /// The guide window (update rules, landscapes, glossary).
    pub show_guide: bool,
    /// A lesson or preset to open once the user agrees to discard the unsaved edits.
    pub pending_open: Option<PathBuf>,
    /// In presentation mode, whether the side panel is open (else folded to a strip).
    pub notes_strip_open: bool,
    /// Where the scenario is autosaved (`None`: no autosave, as in tests).
    pub autosave_path: Option<PathBuf>,
    /// In the browser: files are picked and downloaded there (`None`: the disk).
    pub browser_files: Option<Box<dyn super::files::BrowserFiles>>,
    /// In the browser: storage entries to write at eframe's next save (key, new value or `None`
    /// to remove it), the autosave and a kept copy of an unreadable one among them.
    pub storage_writes: Vec<super::persistence::StorageWrite>,
    /// In the browser: autosave to eframe's storage (the page's local storage).
    pub autosave_to_storage: bool,
    pub(super) solver: Option<SolverHandle>,
    /// When the solver next wants a frame, as its latest tick said (threads wake the UI
    /// themselves).
    pub(super) solver_next_frame: NextFrame,
    pub(super) last_edit: Option<Instant>,
    /// The views' own state between frames.
    pub views: Views,
    /// Wakes the UI from other threads (the solver's, the plane's).
    pub wake: crate::engine::Wake,
    /// Where background jobs (basin maps, sweeps, the plane, contours, GIF export) run.
    pub jobs: JobRunner,
    /// A GIF being written.
    pub(super) export_job: Option<Job<(PathBuf, Vec<u8>)>>,
    /// The pace the open lesson set (steps per second), until the user picks one.
    pub(super) lesson_speed: Option<f64>,
    /// Lessons as links: the page a copied link opens, the Open link… dialog.
    pub links: super::Links,
}

/// The state each view keeps between frames (caches, jobs, drags, open windows), apart from the
/// scenario and the runs they all draw.
#[derive(Default)]
pub struct Views {
    /// The landscape view (contour cache, drags).
    pub landscape: ui::landscape_view::ViewState,
    /// The basin map over the landscape view.
    pub basin: ui::basin_view::BasinState,
    /// The hyperparameter sweep window.
    pub sweep: ui::sweep_view::SweepState,
    /// The update arrows and the step-by-step window.
    pub step: ui::step_view::StepView,
    /// The 3D surface view.
    pub surface: ui::surface_view::SurfaceState,
    /// The network views (tab, decision-surface cache, trajectory plane).
    pub network: ui::network_view::NetworkViewState,
    /// The lesson's worksheet (the Try edit Undo reverts).
    pub worksheet: ui::worksheet::WorksheetState,
    /// SGD's linear stability window.
    pub stability: ui::stability_region::StabilityRegionState,
    /// The Tune window (every run's lr at an equal budget).
    pub tune: ui::tune_view::TuneState,
}

impl AppState {
    /// The app on `scenario` (already validated), with a solver that wakes the UI through `wake`,
    /// run as the target allows ([`Execution::default_for_target`]).
    pub fn new(
        scenario: Scenario,
        file: Option<PathBuf>,
        prefs: Prefs,
        wake: crate::engine::Wake,
    ) -> Self {
        Self::with_execution(scenario, file, prefs, wake, Execution::default_for_target())
    }

    /// [`new`](Self::new), with the solver and jobs run as `execution` says (tests force the
    /// browser's frame loop natively).
    pub fn with_execution(
        scenario: Scenario,
        file: Option<PathBuf>,
        prefs: Prefs,
        wake: crate::engine::Wake,
        execution: Execution,
    ) -> Self {
        // A failure to start the thread is shown in the status bar below.
        let solver = execution.start_solver(scenario.clone(), wake.clone()).ok();
        let mut state = Self {
            prefs,
            landscape: None,
            network: None,
            jobs: execution.job_runner(wake.clone()),
            export_job: None,
            lesson_speed: None,
            links: super::Links::default(),
            wake,
            runs: Vec::new(),
            playing: false,
            notice: None,
            selected_run: 0,
            hovered_run: None,
            hover_source: None,
            run_picked: false,
            file_dialog: None,
            show_help: false,
            show_guide: false,
            pending_open: None,
            notes_strip_open: false,
            autosave_path: None,
            browser_files: None,
            storage_writes: Vec::new(),
            autosave_to_storage: false,
            solver,
            solver_next_frame: NextFrame::WhenWoken,
            last_edit: None,
            views: Views::default(),
            scenario,
            file,
            modified: false,
        };
        if state.solver.is_none() {
            state.error("could not start the solver thread; the scenario is shown but cannot run");
        }
        state.rebuild_problem();
        state.request_lesson_views();
        if let Some(note) = state.apply_lesson_speed()
            && state.notice.is_none()
        {
            state.inform(note);
        }
        state
    }

    pub(super) fn rebuild_problem(&mut self) {
        let problem =
            ProblemInstance::build_transformed(&self.scenario.problem, &self.scenario.transform);
        self.landscape = problem.landscape;
        self.network = problem.network;
        self.views.basin.invalidate();
        self.views.sweep.invalidate();
        self.views.tune.invalidate();
        self.views.surface.invalidate();
        self.views
            .network
            .reset_for(self.network.as_deref(), self.scenario.sharpness_every);
        if self.network.is_some() && self.scenario.subdifferential.is_some() {
            self.views.network.tab = ui::network_view::NetworkTab::Subdifferential;
        }
        let landscape = self.landscape.as_ref();
        self.runs = self
            .scenario
            .runs
            .iter()
            .map(|_| RunView::new(landscape))
            .collect();
        self.views.landscape.invalidate();
    }

    /// The minimum value f* of the landscape, if known.
    pub fn f_star(&self) -> Option<f64> {
        self.landscape.as_deref().and_then(landscape::min_value)
    }

    /// Shows an error in the status bar.
    pub fn error(&mut self, text: impl Into<String>) {
        self.notice = Some(Notice {
            is_error: true,
            text: text.into(),
        });
    }

    /// Shows information in the status bar.
    pub fn inform(&mut self, text: impl Into<String>) {
        self.notice = Some(Notice {
            is_error: false,
            text: text.into(),
        });
    }

    /// Where the landscape point `point` was drawn last frame (for tests that drag on the view).
    pub fn screen_from_world(&self, point: [f64; 2]) -> Option<egui::Pos2> {
        self.views.landscape.screen_from_world(point)
    }

    /// Where the landscape view was drawn last frame (for tests that click on it).
    pub fn view_rect(&self) -> Option<egui::Rect> {
        self.views.landscape.plot_rect()
    }

    /// Status of each run, for tests and the results table.
    pub fn statuses(&self) -> Vec<&RunStatus> {
        self.runs.iter().map(|run| &run.trace.status).collect()
    }
}
