//! Persistence: the scenario autosaved after edits and restored at the next start, and the
//! preferences' storage key.

use std::path::PathBuf;
use std::time::Duration;

use super::state::{AppState, Notice};
use crate::scenario::{self, Scenario};

/// Quiet time after an edit before the scenario is autosaved.
pub(super) const AUTOSAVE_DELAY: Duration = Duration::from_millis(800);

/// Storage key of the preferences.
pub(super) const PREFS_KEY: &str = "optiviz-prefs";

impl AppState {
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
}

/// The scenario to start with: the given preset, else the autosave, else the default lesson.
pub(super) fn initial_scenario(
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
