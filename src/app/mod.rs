//! The eframe app, split by concern: [`prefs`] (what is kept between sessions), [`state`] (the
//! scenario, the run views and the views' state), [`playback`] (commands to the solver thread and
//! its updates), [`edits`] (changes to the scenario, opening and saving), [`export`] (CSV, PNG, GIF)
//! and [`persistence`] (autosave and restore). `logic` drains the solver's updates within a time
//! budget and handles shortcuts and autosave; `ui` draws the panels in `ui/`.
//!
//! The scenario the user edits lives in [`AppState`] and is the source of truth: every edit changes
//! it and sends the solver the matching command. The solver's updates only ever fill the run traces.

mod edits;
mod execution;
mod export;
mod persistence;
mod playback;
mod prefs;
mod state;

use std::sync::Arc;
use std::time::Duration;

pub use execution::{Execution, JOB_FRAME_BUDGET, SOLVER_FRAME_BUDGET};
pub use persistence::keep_beside;
pub use prefs::{EditApplies, Metric, Prefs, StartMode, XAxis, load_prefs, prefs_file};
pub use state::{AppState, HoverSource, Notice, RunView, Views};

pub use persistence::initial_scenario;
use persistence::{AUTOSAVE_DELAY, PREFS_KEY};

use crate::engine::NextFrame;
use crate::ui;

/// Time the UI spends draining solver updates per frame at most.
const DRAIN_BUDGET: Duration = Duration::from_millis(4);

/// The eframe application.
pub struct OptivizApp {
    /// All state; public so that UI tests can inspect it.
    pub state: AppState,
}

impl OptivizApp {
    /// The app for `cc`, opening `preset` (a path or bundled name) or else the autosaved scenario
    /// or else the default lesson. `autosave` enables autosave to the app's data directory.
    pub fn new(cc: &eframe::CreationContext<'_>, preset: Option<&str>, autosave: bool) -> Self {
        // Read from the file itself, so that preferences eframe could not read are kept, not
        // replaced without a word.
        let (prefs, prefs_notice) = match (cc.storage, prefs::prefs_file()) {
            (Some(_), Some(file)) => prefs::load_prefs(&file),
            (storage, _) => (
                storage
                    .and_then(|storage| eframe::get_value(storage, PREFS_KEY))
                    .unwrap_or_default(),
                None,
            ),
        };
        ui::install_fonts(&cc.egui_ctx);
        let autosave_path = autosave
            .then(|| eframe::storage_dir("optiviz").map(|dir| dir.join("autosave.ron")))
            .flatten();
        let (scenario, file, notice) = initial_scenario(preset, autosave_path.as_deref());
        let ctx = cc.egui_ctx.clone();
        let wake: crate::engine::Wake = Arc::new(move || ctx.request_repaint());
        let mut state = AppState::new(scenario, file, prefs, wake);
        state.autosave_path = autosave_path;
        // The preferences' notice wins: it names a file the user may want back.
        if let Some(notice) = prefs_notice.or(notice) {
            state.notice = Some(notice);
        }
        ui::apply_style(&cc.egui_ctx, &state.prefs);
        Self { state }
    }
}

impl eframe::App for OptivizApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.state.drain_updates(DRAIN_BUDGET);
        ui::shortcuts(ctx, &mut self.state);
        self.state.autosave_if_due();
        // The frame-driven solver cannot wake the UI: it says when it next wants a frame.
        match self.state.solver_next_frame() {
            NextFrame::Now => ctx.request_repaint(),
            NextFrame::After(wait) => ctx.request_repaint_after(wait),
            NextFrame::WhenWoken => {}
        }
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
