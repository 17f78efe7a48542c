//! The eframe app: persisted preferences plus runtime state. `logic` drains the worker's updates
//! within a time budget and handles shortcuts and autosave; `ui` draws the panels in `ui/`.
//!
//! The scenario the user edits lives here and is the source of truth: every edit changes it and
//! sends the worker the matching command. The worker's updates only ever fill the run traces.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::engine::{
    Command, DEFAULT_BUDGET, PATH_RESOLUTION, ProblemInstance, RunStatus, Speed, StepExplanation,
    Trace, UpdateKind, WorkerHandle,
};
use crate::landscape::{self, Landscape, Transform};
use crate::network::Network;
use crate::objective::Probe;
use crate::scenario::{self, Problem, RunConfig, Scenario};
use crate::ui;

/// Time the UI spends draining worker updates per frame at most.
const DRAIN_BUDGET: Duration = Duration::from_millis(4);
/// Quiet time after an edit before the scenario is autosaved.
const AUTOSAVE_DELAY: Duration = Duration::from_millis(800);

/// Whether a hyperparameter edit continues a run or starts it over.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum EditApplies {
    /// Keep the moments and go on from the current point.
    #[default]
    Live,
    /// Start the edited run over from its start point.
    Restart,
}

/// Where dragging a start handle moves the start to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum StartMode {
    /// Every run starts from the same point.
    #[default]
    Shared,
    /// Each run has its own start.
    PerRun,
}

/// Which curve the metrics plot shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Metric {
    /// f − f* (log scale) where f* is known, else f.
    #[default]
    Loss,
    /// ‖∇f‖ (log scale).
    GradNorm,
    /// Distance to the nearest known minimizer (log scale).
    Distance,
    /// λmax(∇²f) at the iterate, with the method's stability threshold.
    Sharpness,
    /// Loss on held-out data (networks with a test split).
    TestLoss,
    /// Training accuracy of a classifier.
    Accuracy,
    /// On quadratics: the error's components along the Hessian's eigenvectors (log scale).
    Eigencomponents,
}

/// What the metrics plot's x axis counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum XAxis {
    /// Optimizer steps.
    #[default]
    Steps,
    /// Oracle calls (fair across methods with different costs per step).
    Evaluations,
    /// Seconds of computing (fair when evaluations differ in cost: Hessians, line searches).
    WallTime,
    /// Bits the simulated workers have sent (distributed methods).
    Bits,
}

/// Preferences kept between sessions (eframe storage).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct Prefs {
    /// Dark theme (else light).
    pub dark: bool,
    /// UI zoom factor (1 = normal; larger for projectors).
    pub scale: f32,
    /// Steps per second while playing; `None` = as fast as possible.
    pub steps_per_second: Option<f64>,
    /// How hyperparameter edits apply.
    pub edit_applies: EditApplies,
    /// How dragging a start handle works.
    pub start_mode: StartMode,
    /// The curve in the metrics plot.
    pub metric: Metric,
    /// The metrics plot's x axis.
    pub x_axis: XAxis,
    /// Draw iso-lines over the filled contours.
    pub iso_lines: bool,
    /// Draw the field the iterates follow as arrows (always on for min-max games).
    pub field: bool,
    /// Draw the recent paths of simulated workers (distributed methods).
    pub worker_trails: bool,
    /// Draw theory's loss curves and bounds over the runs' (quadratics).
    pub theory: bool,
    /// Presentation mode: large type, thick lines, full screen, only the controls the lesson keeps.
    pub presenting: bool,
}

impl Default for Prefs {
    fn default() -> Self {
        Self {
            dark: true,
            scale: 1.0,
            steps_per_second: Some(30.0),
            edit_applies: EditApplies::Live,
            start_mode: StartMode::Shared,
            metric: Metric::Loss,
            x_axis: XAxis::Steps,
            iso_lines: true,
            field: false,
            worker_trails: true,
            presenting: false,
            theory: true,
        }
    }
}

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
    /// The run's simulated workers' recent paths (LocalSgd…), each ending at the worker.
    pub workers: Vec<Vec<[f64; 2]>>,
    /// Shown in the plots (legend toggles it).
    pub visible: bool,
}

impl RunView {
    /// A run's view on `landscape` (its trace keeps the path at a fraction of the view).
    fn new(landscape: Option<&Arc<dyn Landscape>>) -> Self {
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
    /// Whether the worker is stepping.
    pub playing: bool,
    /// The latest message for the status bar.
    pub notice: Option<Notice>,
    /// The run whose settings are expanded in the side panel.
    pub selected_run: usize,
    /// The open/save dialog, when open.
    pub file_dialog: Option<ui::file_dialog::FileDialog>,
    /// The keyboard-shortcut window.
    pub show_help: bool,
    /// The guide window (update rules, landscapes, glossary).
    pub show_guide: bool,
    /// Where the scenario is autosaved (`None`: no autosave, as in tests).
    pub autosave_path: Option<PathBuf>,
    worker: Option<WorkerHandle>,
    last_edit: Option<Instant>,
    /// State of the landscape view (contour cache, drags).
    pub view: ui::landscape_view::ViewState,
    /// The basin map over the landscape view.
    pub basin: ui::basin_view::BasinState,
    /// The hyperparameter sweep window.
    pub sweep: ui::sweep_view::SweepState,
    /// The update arrows and the step-by-step window.
    pub step_view: ui::step_view::StepView,
    /// The 3D surface view.
    pub surface: ui::surface_view::SurfaceState,
    /// Wakes the UI from other threads (the worker's, the plane's).
    pub wake: crate::engine::Wake,
    /// State of the network views (tab, decision-surface cache, trajectory plane).
    pub network_view: ui::network_view::NetworkViewState,
}

impl AppState {
    /// The app on `scenario` (already validated), with a worker that wakes the UI through `wake`.
    pub fn new(
        scenario: Scenario,
        file: Option<PathBuf>,
        prefs: Prefs,
        wake: crate::engine::Wake,
    ) -> Self {
        // A failure to start the thread is shown in the status bar below.
        let worker = WorkerHandle::spawn(scenario.clone(), wake.clone()).ok();
        let mut state = Self {
            prefs,
            landscape: None,
            network: None,
            wake,
            runs: Vec::new(),
            playing: false,
            notice: None,
            selected_run: 0,
            file_dialog: None,
            show_help: false,
            show_guide: false,
            autosave_path: None,
            worker,
            last_edit: None,
            view: ui::landscape_view::ViewState::default(),
            network_view: ui::network_view::NetworkViewState::default(),
            basin: ui::basin_view::BasinState::default(),
            sweep: ui::sweep_view::SweepState::default(),
            step_view: ui::step_view::StepView::default(),
            surface: ui::surface_view::SurfaceState::default(),
            scenario,
            file,
            modified: false,
        };
        if state.worker.is_none() {
            state.error("could not start the solver thread; the scenario is shown but cannot run");
        }
        state.rebuild_problem();
        state.request_lesson_views();
        state.send_speed();
        state
    }

    fn rebuild_problem(&mut self) {
        let problem =
            ProblemInstance::build_transformed(&self.scenario.problem, &self.scenario.transform);
        self.landscape = problem.landscape;
        self.network = problem.network;
        self.basin.invalidate();
        self.sweep.invalidate();
        self.surface.invalidate();
        self.network_view
            .reset_for(self.network.as_deref(), self.scenario.sharpness_every);
        let landscape = self.landscape.as_ref();
        self.runs = self
            .scenario
            .runs
            .iter()
            .map(|_| RunView::new(landscape))
            .collect();
        self.view.invalidate();
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

    /// Sends a command; if the solver thread has died, starts a new one on the scenario and sends
    /// the command to it.
    fn send(&mut self, command: Command) {
        let Some(worker) = self.worker.as_mut() else {
            self.error("the solver thread is not running; the scenario is shown but cannot run");
            return;
        };
        let Err(command) = worker.try_send(command) else {
            return;
        };
        let reason = worker
            .take_stop_reason()
            .unwrap_or_else(|| "the solver thread has stopped".to_owned());
        if self.restart_worker(&reason)
            && let Some(worker) = self.worker.as_mut()
        {
            // Only fails if the new thread died at once; the next drain reports that.
            let _ = worker.try_send(command);
        }
    }

    /// Starts a new solver thread on the scenario after the old one ended for `reason`, and says
    /// so. `false` if it could not be started.
    fn restart_worker(&mut self, reason: &str) -> bool {
        let Some(worker) = self.worker.as_mut() else {
            return false;
        };
        let restarted = worker.respawn(self.scenario.clone());
        self.playing = false;
        match restarted {
            Ok(()) => {
                self.error(format!(
                    "{reason}; a new one was started on the same scenario, every run back at its start"
                ));
                self.send_speed();
                true
            }
            Err(error) => {
                self.error(format!("{reason}; {error}"));
                false
            }
        }
    }

    /// Sends any command to the solver thread: a hook for tests (`Command::Panic`), not for the UI.
    #[doc(hidden)]
    pub fn send_command(&mut self, command: Command) {
        self.send(command);
    }

    fn edited(&mut self) {
        self.modified = true;
        self.last_edit = Some(Instant::now());
    }

    // --- transport ---

    /// Starts stepping.
    pub fn play(&mut self) {
        self.playing = true;
        self.send(Command::Play);
    }

    /// Stops stepping.
    pub fn pause(&mut self) {
        self.playing = false;
        self.send(Command::Pause);
    }

    /// Play if paused, pause if playing.
    pub fn toggle_play(&mut self) {
        if self.playing {
            self.pause()
        } else {
            self.play()
        }
    }

    /// Takes exactly one step, then pauses.
    pub fn step_once(&mut self) {
        self.playing = false;
        self.send(Command::Step(1));
    }

    /// Puts every run back at its start.
    pub fn reset(&mut self) {
        self.send(Command::Reset);
    }

    /// Tells the worker the speed in the preferences.
    pub fn send_speed(&mut self) {
        let speed = match self.prefs.steps_per_second {
            Some(rate) => Speed::StepsPerSecond(rate),
            None => Speed::Max,
        };
        self.send(Command::SetSpeed(speed));
    }

    /// Changes the step budget.
    pub fn set_step_budget(&mut self, steps: u64) {
        self.scenario.steps = steps;
        self.send(Command::SetStepBudget(steps));
        self.edited();
    }

    // --- edits ---

    /// Replaces one run's configuration; applies live or restarts as the preferences say.
    pub fn edit_run(&mut self, index: usize, config: RunConfig) {
        let mut candidate = self.scenario.clone();
        let Some(slot) = candidate.runs.get_mut(index) else {
            return;
        };
        *slot = config.clone();
        // An invalid value (say lr = 0 typed into a field) is refused here, with the reason, so the
        // scenario never holds a configuration the engine would reject.
        if let Some(problem) = scenario::validate(&candidate).first() {
            self.error(format!("{}: {}", problem.path, problem.message));
            return;
        }
        self.scenario = candidate;
        self.notice = None;
        let restart = self.prefs.edit_applies == EditApplies::Restart;
        self.send(Command::EditRun {
            run: index,
            config: Box::new(config),
            restart,
        });
        self.edited();
    }

    /// Adds a run (a copy of `config`) at the end.
    pub fn add_run(&mut self, config: RunConfig) {
        self.scenario.runs.push(config.clone());
        self.runs.push(RunView::new(self.landscape.as_ref()));
        self.selected_run = self.scenario.runs.len() - 1;
        self.send(Command::AddRun(Box::new(config)));
        self.edited();
    }

    /// Removes a run.
    pub fn remove_run(&mut self, index: usize) {
        if index < self.scenario.runs.len() {
            self.scenario.runs.remove(index);
            self.runs.remove(index);
            self.selected_run = self
                .selected_run
                .min(self.scenario.runs.len().saturating_sub(1));
            self.send(Command::RemoveRun(index));
            self.edited();
        }
    }

    /// Moves the start of one run (`Some`) or of every run and restarts them.
    pub fn move_start(&mut self, run: Option<usize>, start: [f64; 2]) {
        for (index, config) in self.scenario.runs.iter_mut().enumerate() {
            if run.is_none_or(|i| i == index) {
                config.start = Some(start);
            }
        }
        self.send(Command::MoveStart { run, start });
        self.edited();
    }

    /// Changes the problem (landscape or parameters); runs keep their settings and restart.
    pub fn set_problem(&mut self, problem: Problem) {
        let mut candidate = self.scenario.clone();
        let kind_changed = std::mem::discriminant(&candidate.problem)
            != std::mem::discriminant(&problem)
            || candidate.problem.name() != problem.name();
        candidate.problem = problem;
        if kind_changed {
            // Starts and views belong to the old landscape: use the new one's defaults.
            for run in &mut candidate.runs {
                run.start = None;
            }
            candidate.view = None;
            for run in &mut candidate.runs {
                run.batch_size = None;
            }
        }
        self.apply_scenario(candidate, true);
    }

    /// Rotates and stretches the landscape. Explicit starts turn with it (so a run keeps its place
    /// relative to the valley) and the view goes back to the transformed landscape's own.
    pub fn set_transform(&mut self, transform: Transform) {
        let mut candidate = self.scenario.clone();
        let old = candidate.transform;
        for run in &mut candidate.runs {
            run.start = run
                .start
                .map(|p| transform.forward_point(old.inverse_point(p)));
        }
        candidate.transform = transform;
        candidate.view = None;
        self.apply_scenario(candidate, true);
    }

    /// Opens a new scenario in place of the current one (after validation).
    pub fn open_scenario(&mut self, scenario: Scenario, file: Option<PathBuf>) {
        self.file = file;
        self.apply_scenario(scenario, false);
        self.request_lesson_views();
        self.modified = false;
        self.playing = false;
    }

    fn apply_scenario(&mut self, scenario: Scenario, is_edit: bool) {
        let problems = scenario::validate(&scenario);
        if let Some(first) = problems.first() {
            self.error(format!("{}: {}", first.path, first.message));
            return;
        }
        let was_playing = self.playing;
        self.scenario = scenario.clone();
        self.rebuild_problem();
        self.send(Command::ReplaceScenario(Box::new(scenario)));
        if is_edit {
            self.edited();
            if was_playing {
                self.play();
            }
        }
    }

    /// Loads a preset file (or bundled name) and opens it; a broken file leaves the current
    /// scenario as it is and shows the first diagnostic.
    pub fn open_path(&mut self, path: &std::path::Path) {
        match crate::presets::load(&path.to_string_lossy()) {
            Ok(loaded) => {
                let file = path.exists().then(|| path.to_path_buf());
                self.open_scenario(loaded.scenario, file);
                match loaded.warnings.first() {
                    Some(warning) => self.inform(warning.to_string()),
                    None => self.inform(format!("opened {}", path.display())),
                }
            }
            Err(error) => {
                let first = error.0.first().map(ToString::to_string).unwrap_or_default();
                let more = error.0.len().saturating_sub(1);
                let suffix = if more > 0 {
                    format!(" (and {more} more)")
                } else {
                    String::new()
                };
                self.error(format!("{first}{suffix}"));
            }
        }
    }

    /// Saves the scenario to `path` (atomically).
    pub fn save_to(&mut self, path: PathBuf) {
        match scenario::save(&path, &self.scenario) {
            Ok(()) => {
                self.inform(format!("saved {}", path.display()));
                self.file = Some(path);
                self.modified = false;
            }
            Err(error) => self.error(format!("could not save {}: {error}", path.display())),
        }
    }

    /// Opens the basin map and the sweep the lesson asks for, if any.
    fn request_lesson_views(&mut self) {
        if let Some(basin) = self.scenario.basin.clone() {
            self.selected_run = basin.run;
            self.basin.request(&basin);
        }
        if let Some(sweep) = self.scenario.sweep.clone() {
            self.selected_run = sweep.run;
            self.sweep.request(&sweep);
        }
    }

    /// Writes every run's kept samples to `path` as CSV (the columns of `optiviz run`), and says
    /// which runs were thinned to stay within memory.
    pub fn export_csv(&mut self, path: &std::path::Path) {
        let network = self.network.is_some();
        let labels: Vec<String> = self.scenario.runs.iter().map(|r| r.label.clone()).collect();
        let runs = self
            .runs
            .iter()
            .zip(&labels)
            .enumerate()
            .map(|(index, (run, label))| (index, label.as_str(), run.trace.samples()));
        let written = std::fs::File::create(path).and_then(|file| {
            crate::samples_csv::write_samples_csv(std::io::BufWriter::new(file), network, runs)
        });
        let thinned: Vec<&str> = self
            .runs
            .iter()
            .zip(&labels)
            .filter(|(run, _)| run.trace.is_thinned())
            .map(|(_, label)| label.as_str())
            .collect();
        match written {
            Ok(()) if thinned.is_empty() => self.inform(format!("exported {}", path.display())),
            Ok(()) => self.inform(format!(
                "exported {}; the older steps of {} were thinned to an even spacing to bound memory (optiviz run writes every step)",
                path.display(),
                thinned.join(", ")
            )),
            Err(error) => self.error(format!("could not export {}: {error}", path.display())),
        }
    }

    /// Draws the landscape view as it is shown now (window, visible runs, legend) to a PNG of
    /// `size` pixels.
    pub fn export_png(&mut self, path: &std::path::Path, size: [u32; 2]) {
        let Some(landscape) = self.landscape.clone() else {
            self.error("images are drawn for 2D landscapes");
            return;
        };
        let view = self
            .view
            .shown_window()
            .unwrap_or_else(|| self.scenario.view.unwrap_or_else(|| landscape.view()));
        let runs: Vec<crate::render::RunPath> = self
            .runs
            .iter()
            .zip(&self.scenario.runs)
            .enumerate()
            .filter(|(_, (run, _))| run.visible)
            .map(|(index, (run, config))| crate::render::RunPath {
                label: config.label.clone(),
                colour: crate::render::run_colour(config, index),
                points: run.trace.path(crate::render::MAX_PATH_POINTS).collect(),
                note: (!run.trace.status.is_running() && run.trace.status != RunStatus::Finished)
                    .then(|| run.trace.status.summary()),
            })
            .collect();
        let options = crate::render::RenderOptions {
            width: size[0],
            height: size[1],
            dark: self.prefs.dark,
            legend: true,
        };
        let drawn = crate::render::draw_png(
            landscape.as_ref(),
            view,
            &self.scenario.name,
            &runs,
            &options,
        );
        self.finish_export(path, drawn);
    }

    /// Re-runs the scenario headless up to the furthest step any run has reached and writes the
    /// paths growing as a GIF of `frames` frames.
    pub fn export_gif(&mut self, path: &std::path::Path, size: [u32; 2], frames: usize) {
        let steps = self
            .runs
            .iter()
            .filter_map(|run| run.trace.latest().map(|s| s.step))
            .max()
            .filter(|&steps| steps > 0);
        let options = crate::render::RenderOptions {
            width: size[0],
            height: size[1],
            dark: self.prefs.dark,
            legend: true,
        };
        let drawn = crate::render::render_gif(&self.scenario, steps, frames, &options);
        self.finish_export(path, drawn);
    }

    fn finish_export(
        &mut self,
        path: &std::path::Path,
        drawn: Result<Vec<u8>, crate::render::RenderError>,
    ) {
        match drawn.map(|bytes| scenario::write_atomically(path, &bytes)) {
            Ok(Ok(())) => self.inform(format!("exported {}", path.display())),
            Ok(Err(error)) => self.error(format!("could not write {}: {error}", path.display())),
            Err(error) => self.error(format!("could not draw {}: {error}", path.display())),
        }
    }

    // --- updates ---

    /// Applies the worker's updates for at most `budget`.
    pub fn drain_updates(&mut self, budget: Duration) {
        let started = Instant::now();
        while started.elapsed() < budget {
            let Some(update) = self.worker.as_mut().and_then(WorkerHandle::try_next) else {
                break;
            };
            match update.kind {
                UpdateKind::Restarted { runs, .. } => {
                    let landscape = self.landscape.clone();
                    self.runs
                        .resize_with(runs.len(), || RunView::new(landscape.as_ref()));
                    for progress in runs {
                        if let (Some(view), Some(sample)) =
                            (self.runs.get_mut(progress.run), progress.samples.first())
                        {
                            view.trace.restart(*sample, progress.status);
                            view.trace.extend_records(progress.records);
                            view.probes = progress.probes;
                            view.auxiliary = progress.auxiliary;
                            view.latest_step = progress.latest_step;
                            view.workers = progress.workers;
                        }
                    }
                }
                UpdateKind::Progress(progress) => {
                    for progress in progress {
                        if let Some(view) = self.runs.get_mut(progress.run) {
                            view.trace.extend(&progress.samples);
                            view.trace.extend_records(progress.records);
                            view.trace.status = progress.status;
                            view.probes = progress.probes;
                            view.auxiliary = progress.auxiliary;
                            view.latest_step = progress.latest_step;
                            view.workers = progress.workers;
                        }
                    }
                }
                UpdateKind::Paused => self.playing = false,
                UpdateKind::Error(message) => self.error(message),
            }
        }
        // A thread that ended (a panic escaped its guards) is replaced, with the scenario intact.
        if let Some(reason) = self
            .worker
            .as_mut()
            .and_then(WorkerHandle::take_stop_reason)
        {
            self.restart_worker(&reason);
        }
    }

    /// Writes the autosave file once edits have been quiet for a moment.
    pub fn autosave_if_due(&mut self) {
        let due = self
            .last_edit
            .is_some_and(|t| t.elapsed() >= AUTOSAVE_DELAY);
        if !due {
            return;
        }
        self.last_edit = None;
        if let Some(path) = self.autosave_path.clone() {
            if let Some(parent) = path.parent() {
                let _ = std::fs::create_dir_all(parent);
            }
            if let Err(error) = scenario::save(&path, &self.scenario) {
                self.error(format!("autosave failed: {error}"));
            }
        }
    }

    /// Whether anything is still to be drawn from the worker (for repaint scheduling).
    pub fn is_busy(&self) -> bool {
        self.playing || self.last_edit.is_some()
    }

    /// Where the landscape point `point` was drawn last frame (for tests that drag on the view).
    pub fn screen_from_world(&self, point: [f64; 2]) -> Option<egui::Pos2> {
        self.view.screen_from_world(point)
    }

    /// Where the landscape view was drawn last frame (for tests that click on it).
    pub fn view_rect(&self) -> Option<egui::Rect> {
        self.view.plot_rect()
    }

    /// Status of each run, for tests and the results table.
    pub fn statuses(&self) -> Vec<&RunStatus> {
        self.runs.iter().map(|run| &run.trace.status).collect()
    }
}

/// Storage key of the preferences.
const PREFS_KEY: &str = "optiviz-prefs";

/// The eframe application.
pub struct OptivizApp {
    /// All state; public so that UI tests can inspect it.
    pub state: AppState,
}

impl OptivizApp {
    /// The app for `cc`, opening `preset` (a path or bundled name) or else the autosaved scenario
    /// or else the default lesson. `autosave` enables autosave to the app's data directory.
    pub fn new(cc: &eframe::CreationContext<'_>, preset: Option<&str>, autosave: bool) -> Self {
        let prefs: Prefs = cc
            .storage
            .and_then(|storage| eframe::get_value(storage, PREFS_KEY))
            .unwrap_or_default();
        ui::install_fonts(&cc.egui_ctx);
        let autosave_path = autosave
            .then(|| eframe::storage_dir("optiviz").map(|dir| dir.join("autosave.ron")))
            .flatten();
        let (scenario, file, notice) = initial_scenario(preset, autosave_path.as_deref());
        let ctx = cc.egui_ctx.clone();
        let wake: crate::engine::Wake = Arc::new(move || ctx.request_repaint());
        let mut state = AppState::new(scenario, file, prefs, wake);
        state.autosave_path = autosave_path;
        if let Some(notice) = notice {
            state.notice = Some(notice);
        }
        ui::apply_style(&cc.egui_ctx, &state.prefs);
        Self { state }
    }
}

/// The scenario to start with: the given preset, else the autosave, else the default lesson.
fn initial_scenario(
    preset: Option<&str>,
    autosave: Option<&std::path::Path>,
) -> (Scenario, Option<PathBuf>, Option<Notice>) {
    let fallback = |notice: Option<Notice>| {
        let scenario = crate::presets::find(crate::presets::DEFAULT)
            .and_then(|text| scenario::parse(text, crate::presets::DEFAULT).ok())
            .map(|loaded| loaded.scenario)
            .unwrap_or_default();
        (scenario, None, notice)
    };
    if let Some(preset) = preset {
        return match crate::presets::load(preset) {
            Ok(loaded) => {
                let path = PathBuf::from(preset);
                let file = path.exists().then_some(path);
                (loaded.scenario, file, None)
            }
            Err(error) => fallback(Some(Notice {
                is_error: true,
                text: error.to_string(),
            })),
        };
    }
    if let Some(path) = autosave.filter(|p| p.exists()) {
        return match scenario::load(path) {
            Ok(loaded) => (
                loaded.scenario,
                None,
                Some(Notice {
                    is_error: false,
                    text: "restored the scenario from your last session".to_owned(),
                }),
            ),
            Err(error) => fallback(Some(Notice {
                is_error: true,
                text: format!(
                    "could not restore the last session ({error}); opened the default lesson"
                ),
            })),
        };
    }
    fallback(None)
}

impl eframe::App for OptivizApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.state.drain_updates(DRAIN_BUDGET);
        ui::shortcuts(ctx, &mut self.state);
        self.state.autosave_if_due();
        if self.state.last_edit.is_some() {
            ctx.request_repaint_after(AUTOSAVE_DELAY);
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        ui::app_ui(&mut self.state, ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, PREFS_KEY, &self.state.prefs);
    }
}
