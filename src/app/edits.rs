//! Edits: every change to the scenario, sent on to the solver as the matching command; opening
//! and saving scenario files.

use std::path::PathBuf;

use super::prefs::EditApplies;
use super::state::{AppState, RunView};
use crate::clock::Instant;
use crate::engine::Command;
use crate::landscape::Transform;
use crate::scenario::{self, Problem, RunConfig, Scenario};

impl AppState {
    pub(super) fn edited(&mut self) {
        self.modified = true;
        self.last_edit = Some(Instant::now());
    }

    /// An edit can leave a lesson's claims naming what is gone (a relabelled or removed run, a
    /// minimum the new problem does not have). Such an edit goes through and the worksheet's
    /// claims are put away, with a word in the status bar, rather than the edit being refused or
    /// a file being saved that would not load. Returns whether it put them away.
    fn put_away_stale_claims(candidate: &mut Scenario) -> bool {
        if candidate.notice.is_empty() && candidate.tries.is_empty() {
            return false;
        }
        if scenario::validate(candidate).is_empty() {
            return false;
        }
        let mut without = candidate.clone();
        without.notice.clear();
        without.tries.clear();
        if !scenario::validate(&without).is_empty() {
            return false;
        }
        *candidate = without;
        true
    }

    fn say_claims_put_away(&mut self) {
        self.inform("the lesson's checklist no longer fits the edited scenario and was put away");
    }

    /// Replaces one run's configuration; applies live or restarts as the preferences say.
    pub fn edit_run(&mut self, index: usize, config: RunConfig) {
        let mut candidate = self.scenario.clone();
        let Some(slot) = candidate.runs.get_mut(index) else {
            return;
        };
        *slot = config.clone();
        let put_away = Self::put_away_stale_claims(&mut candidate);
        // An invalid value (say lr = 0 typed into a field) is refused here, with the reason, so the
        // scenario never holds a configuration the engine would reject.
        if let Some(problem) = scenario::validate(&candidate).first() {
            self.error(format!("{}: {}", problem.path, problem.message));
            return;
        }
        self.scenario = candidate;
        self.notice = None;
        if put_away {
            self.say_claims_put_away();
        }
        let restart = self.prefs.edit_applies == EditApplies::Restart;
        self.send(Command::EditRun {
            run: index,
            config: Box::new(config),
            restart,
        });
        self.edited();
    }

    /// Adds a run (a copy of `config`) at the end; it catches up with the others, whose history
    /// stays. A configuration the scenario would not validate with is refused with the reason.
    pub fn add_run(&mut self, config: RunConfig) {
        let mut candidate = self.scenario.clone();
        candidate.runs.push(config.clone());
        if let Some(problem) = scenario::validate(&candidate).first() {
            self.error(format!(
                "the run was not added: {}: {}",
                problem.path, problem.message
            ));
            return;
        }
        self.scenario.runs.push(config.clone());
        self.runs.push(RunView::new(self.landscape.as_ref()));
        self.select_run(self.scenario.runs.len() - 1);
        self.send(Command::AddRun(Box::new(config)));
        self.edited();
    }

    /// Removes a run.
    pub fn remove_run(&mut self, index: usize) {
        if index < self.scenario.runs.len() {
            self.scenario.runs.remove(index);
            if Self::put_away_stale_claims(&mut self.scenario) {
                self.say_claims_put_away();
            }
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

    /// The run under the pointer in `source` (`None`: the pointer is on none of its runs there).
    /// A place clears only a hover it set, so the table never clears a path's hover or the
    /// reverse. Returns whether the hovered run changed.
    pub fn hover_from(&mut self, source: super::HoverSource, run: Option<usize>) -> bool {
        let before = self.hovered_run;
        if run.is_some() {
            self.hovered_run = run;
            self.hover_source = Some(source);
        } else if self.hover_source == Some(source) {
            self.hovered_run = None;
            self.hover_source = None;
        }
        self.hovered_run != before
    }

    /// Selects run `index` as the user's pick: its settings open and the canvases emphasise it.
    pub fn select_run(&mut self, index: usize) {
        self.selected_run = index;
        self.run_picked = true;
    }

    /// Opens a new scenario in place of the current one (after validation).
    pub fn open_scenario(&mut self, scenario: Scenario, file: Option<PathBuf>) {
        self.file = file;
        self.run_picked = false;
        self.views.worksheet.reset();
        self.apply_scenario(scenario, false);
        self.request_lesson_views();
        self.modified = false;
        self.playing = false;
        if let Some(note) = self.apply_lesson_speed() {
            self.inform(note);
        }
    }

    /// Replaces the scenario by an edited one (a lesson's Try edit, or its Undo), as an edit.
    pub fn replace_scenario(&mut self, scenario: Scenario) {
        self.apply_scenario(scenario, true);
        self.request_lesson_views();
    }

    pub(super) fn apply_scenario(&mut self, mut scenario: Scenario, is_edit: bool) {
        let put_away = is_edit && Self::put_away_stale_claims(&mut scenario);
        let problems = scenario::validate(&scenario);
        if let Some(first) = problems.first() {
            self.error(format!("{}: {}", first.path, first.message));
            return;
        }
        let was_playing = self.playing;
        self.scenario = scenario.clone();
        self.rebuild_problem();
        self.send(Command::ReplaceScenario(Box::new(scenario)));
        if put_away {
            self.say_claims_put_away();
        }
        if is_edit {
            self.edited();
            if was_playing {
                self.play();
            }
        }
    }

    /// Loads a preset file (or bundled name, or lesson link) and opens it; a broken file leaves
    /// the current scenario as it is and shows the first diagnostic.
    pub fn open_path(&mut self, path: &std::path::Path) {
        if let Some(link) = path.to_str().filter(|text| crate::link::is_link(text)) {
            self.open_link(link);
            return;
        }
        match crate::presets::load(&path.to_string_lossy()) {
            Ok(loaded) => {
                let file = path.exists().then(|| path.to_path_buf());
                self.open_loaded(loaded, file, format!("opened {}", path.display()));
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

    /// Opens a loaded preset (from `file`, if it has one) and says so: its first warning, else
    /// `what`, with the lesson's own pace when it sets one.
    pub(super) fn open_loaded(
        &mut self,
        loaded: scenario::Loaded,
        file: Option<PathBuf>,
        what: String,
    ) {
        self.open_scenario(loaded.scenario, file);
        let pace = self
            .lesson_speed
            .map(|rate| format!("; the lesson plays at {rate} steps/s"))
            .unwrap_or_default();
        match loaded.warnings.first() {
            Some(warning) => self.inform(format!("{warning}{pace}")),
            None => self.inform(format!("{what}{pace}")),
        }
    }

    /// Saves the scenario to `path` (atomically).
    pub fn save_to(&mut self, path: PathBuf) {
        if self.files_are_downloads() {
            let written = scenario::to_ron(&self.scenario)
                .map_err(|error| format!("could not write the scenario: {error}"))
                .and_then(|text| self.write_output(&path, text.as_bytes()));
            match written {
                Ok(said) => {
                    self.inform(said);
                    self.modified = false;
                }
                Err(error) => self.error(error),
            }
            return;
        }
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
    pub(super) fn request_lesson_views(&mut self) {
        if let Some(basin) = self.scenario.basin.clone() {
            self.selected_run = basin.run;
            self.views.basin.request(&basin);
        }
        if let Some(sweep) = self.scenario.sweep.clone() {
            self.selected_run = sweep.run;
            self.views.sweep.request(&sweep);
        }
        if self.scenario.stability_region {
            self.views.stability.open = true;
        }
        if let Some(tune) = self.scenario.tune.clone() {
            self.views.tune.request(&tune);
        }
    }
}
