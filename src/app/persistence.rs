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
        if self.autosave_to_storage {
            // Written at eframe's next save (`OptivizApp::save`), within a second or so.
            match scenario::to_ron(&self.scenario) {
                Ok(text) => self
                    .storage_writes
                    .push((AUTOSAVE_KEY.to_owned(), Some(text))),
                Err(error) => self.error(format!("autosave failed: {error}")),
            }
        }
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

/// The scenario to start with: the given preset (a file, a bundled name or a lesson link), else
/// the autosave, else the default lesson; with the file it came from and what the status bar
/// should say (an unreadable autosave is kept beside, a link that does not open is said to).
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
    if let Some(preset) = preset.filter(|preset| crate::link::is_link(preset)) {
        return match super::links::initial_from_link(preset) {
            Ok((scenario, notice)) => (scenario, None, notice),
            Err(notice) => fallback(Some(notice)),
        };
    }
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

/// Storage key of the autosaved scenario in the browser (eframe's storage: the page's local
/// storage), where the desktop uses a file.
pub(super) const AUTOSAVE_KEY: &str = "optiviz-autosave";

/// A write to eframe's storage: the key, and its new value (`None` removes it).
pub type StorageWrite = (String, Option<String>);

/// The scenario to start with in the browser: the given preset (or link), else the scenario
/// autosaved in the page's storage (`stored`), else the default lesson; with what the status bar
/// should say, and the storage writes that keep an unreadable autosave under a new key (as the
/// desktop keeps an unreadable file beside), to apply at eframe's next save.
pub fn initial_scenario_stored(
    preset: Option<&str>,
    stored: Option<&str>,
    seconds_since_epoch: u64,
) -> (Scenario, Option<Notice>, Vec<StorageWrite>) {
    if preset.is_some() || stored.is_none() {
        let (scenario, _, notice) = initial_scenario(preset, None);
        return (scenario, notice, Vec::new());
    }
    let text = stored.unwrap_or_default();
    match scenario::parse(text, "the autosaved scenario") {
        Ok(loaded) => (
            loaded.scenario,
            Some(Notice {
                is_error: false,
                text: "restored the scenario from your last session".to_owned(),
            }),
            Vec::new(),
        ),
        Err(error) => {
            let kept = format!("{AUTOSAVE_KEY}.unreadable-{seconds_since_epoch}");
            let (scenario, _, _) = initial_scenario(None, None);
            let notice = Notice {
                is_error: true,
                text: format!(
                    "could not restore the last session ({error}); it was kept in the browser's \
                     storage as {kept}; opened the default lesson"
                ),
            };
            let writes = vec![
                (kept, Some(text.to_owned())),
                (AUTOSAVE_KEY.to_owned(), None),
            ];
            (scenario, Some(notice), writes)
        }
    }
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
