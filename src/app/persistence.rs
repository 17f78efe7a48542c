//! Persistence: the scenario autosaved after edits and restored at the next start, and the
//! preferences' storage key. A file that cannot be read back (autosave or preferences) is kept
//! beside under a new name, never overwritten, and the status bar names it.

use std::path::{Path, PathBuf};
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

/// The scenario to start with: the given preset, else the autosave, else the default lesson; with
/// the file it came from and what the status bar should say (an unreadable autosave is kept beside).
pub fn initial_scenario(
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
                    "could not restore the last session ({error}); {}; opened the default lesson",
                    kept_beside_text(path)
                ),
            })),
        };
    }
    fallback(None)
}

/// Renames `path`, a file that could not be read, to a new name beside it
/// (`NAME.unreadable-SECONDS`, with `-2`, `-3`… if that is taken), so that nothing overwrites
/// it. Returns the new path.
pub fn keep_beside(path: &Path) -> std::io::Result<PathBuf> {
    let stamp = crate::clock::SystemTime::now()
        .duration_since(crate::clock::UNIX_EPOCH)
        .map_or(0, |since| since.as_secs());
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    for n in 1..=1000 {
        let suffix = if n == 1 {
            String::new()
        } else {
            format!("-{n}")
        };
        let kept = path.with_file_name(format!("{name}.unreadable-{stamp}{suffix}"));
        if kept.try_exists()? {
            continue;
        }
        std::fs::rename(path, &kept)?;
        return Ok(kept);
    }
    Err(std::io::Error::other(
        "a thousand kept copies of it already exist",
    ))
}

/// Keeps `path` beside ([`keep_beside`]) and says where, or why it could not be kept.
pub(super) fn kept_beside_text(path: &Path) -> String {
    match keep_beside(path) {
        Ok(kept) => format!("the file was kept as {}", kept.display()),
        Err(error) => format!(
            "the file {} could not be kept under another name ({error}) and may be overwritten",
            path.display()
        ),
    }
}
