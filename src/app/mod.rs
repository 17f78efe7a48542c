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
mod files;
mod links;
mod persistence;
mod playback;
mod prefs;
mod state;
// The browser's entry point and the page around the app: the only code that knows wasm-bindgen
// and web-sys.
#[cfg(target_arch = "wasm32")]
pub mod web;

use std::sync::Arc;
use std::time::Duration;

pub use execution::{Execution, JOB_FRAME_BUDGET, SOLVER_FRAME_BUDGET};
pub use files::{BrowserFiles, PickedFile};
pub use links::{Links, link_error_text};
pub use persistence::keep_beside;
pub use prefs::{EditApplies, Metric, Prefs, StartMode, XAxis, load_prefs, prefs_file};
pub use state::{AppState, HoverSource, Notice, RunView, Views};

use persistence::{AUTOSAVE_DELAY, PREFS_KEY};
pub use persistence::{StorageWrite, initial_scenario, initial_scenario_stored};

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
    /// The app for `cc`, opening `preset` (a path, a bundled name or a lesson link such as
    /// `#lesson=zigzag&play`, which starts playing) or else the autosaved scenario or else the
    /// default lesson. `autosave` enables autosave to the app's data directory.
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
        let ctx = cc.egui_ctx.clone();
        let wake: crate::engine::Wake = Arc::new(move || ctx.request_repaint());
        #[cfg(not(target_arch = "wasm32"))]
        let (mut state, notice) = {
            let autosave_path = autosave
                .then(|| eframe::storage_dir("optiviz").map(|dir| dir.join("autosave.ron")))
                .flatten();
            let (scenario, file, notice) = initial_scenario(preset, autosave_path.as_deref());
            let mut state = AppState::new(scenario, file, prefs, wake);
            state.autosave_path = autosave_path;
            (state, notice)
        };
        // In the browser the autosave lives in eframe's storage (the page's local storage).
        #[cfg(target_arch = "wasm32")]
        let (mut state, notice) = {
            let stored = cc
                .storage
                .filter(|_| autosave)
                .and_then(|storage| storage.get_string(persistence::AUTOSAVE_KEY));
            let seconds = crate::clock::SystemTime::now()
                .duration_since(crate::clock::UNIX_EPOCH)
                .map_or(0, |since| since.as_secs());
            let (scenario, notice, writes) =
                persistence::initial_scenario_stored(preset, stored.as_deref(), seconds);
            let mut state = AppState::new(scenario, None, prefs, wake);
            state.autosave_to_storage = autosave;
            state.storage_writes = writes;
            (state, notice)
        };
        let play = links::starts_playing(preset, notice.as_ref());
        // The preferences' notice wins: it names a file the user may want back.
        if let Some(notice) = prefs_notice.or(notice) {
            state.notice = Some(notice);
        }
        ui::apply_style(&cc.egui_ctx, &state.prefs);
        if play {
            state.play();
        }
        Self { state }
    }
}

impl eframe::App for OptivizApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.state.drain_updates(DRAIN_BUDGET);
        self.state.open_picked_files();
        // A preset dropped on the window opens like one chosen with Open… (in the browser the
        // web shell reads dropped files, whose bytes arrive later, and hands them over).
        #[cfg(not(target_arch = "wasm32"))]
        for dropped in ctx.input(|input| input.raw.dropped_files.clone()) {
            ui::toolbar::request_open(&mut self.state, dropped.path().to_path_buf());
        }
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
        for (key, value) in self.state.storage_writes.drain(..) {
            match value {
                Some(value) => storage.set_string(&key, value),
                None => storage.remove_string(&key),
            }
        }
    }

    /// In the browser the autosave is written at eframe's save: do that often (it is a few KB of
    /// text, and only after an edit); the desktop keeps eframe's pace for its preferences file.
    fn auto_save_interval(&self) -> std::time::Duration {
        if self.state.autosave_to_storage {
            Duration::from_secs(1)
        } else {
            Duration::from_secs(30)
        }
    }
}
