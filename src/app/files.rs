//! Where files come from and go to. On the desktop: the disk, through the app's own file dialog.
//! In the browser there is no file system: the web shell installs a [`BrowserFiles`], and Open…
//! asks the browser's file picker, while Save as… and the exports download the file under the name
//! typed in the dialog. The app itself never knows which page or API is behind it.

use std::path::Path;

use super::state::AppState;
use crate::scenario;

/// A file the user picked or dropped, read by the browser: its name and its bytes (or why it
/// could not be read).
pub type PickedFile = (String, Result<Vec<u8>, String>);

/// The browser's side of files, installed by the web shell (and by tests, with a fake).
pub trait BrowserFiles {
    /// Opens the browser's file picker for a preset; what the user picks arrives later through
    /// [`take_picked`](Self::take_picked).
    fn pick_preset(&mut self);

    /// Files picked or dropped since the last call.
    fn take_picked(&mut self) -> Vec<PickedFile>;

    /// Offers `bytes` as a download named `name`.
    fn download(&mut self, name: &str, bytes: &[u8]) -> Result<(), String>;
}

impl AppState {
    /// Open…: the browser's picker where there is one, else the app's file dialog.
    pub fn show_open_dialog(&mut self) {
        match self.browser_files.as_mut() {
            Some(files) => files.pick_preset(),
            None => {
                self.file_dialog = Some(crate::ui::file_dialog::FileDialog::open(
                    self.file.as_deref(),
                ));
            }
        }
    }

    /// Whether files are downloads (in the browser) rather than paths on a disk.
    pub fn files_are_downloads(&self) -> bool {
        self.browser_files.is_some()
    }

    /// Writes `bytes` to `path` (atomically), or in the browser offers them as a download named as
    /// the path's file name. Returns what to tell the user, or why it failed.
    pub fn write_output(&mut self, path: &Path, bytes: &[u8]) -> Result<String, String> {
        match self.browser_files.as_mut() {
            Some(files) => {
                let name = path
                    .file_name()
                    .map(|name| name.to_string_lossy().into_owned())
                    .unwrap_or_else(|| path.display().to_string());
                files
                    .download(&name, bytes)
                    .map(|()| format!("downloaded {name}"))
                    .map_err(|error| format!("could not download {name}: {error}"))
            }
            None => scenario::write_atomically(path, bytes)
                .map(|()| format!("exported {}", path.display()))
                .map_err(|error| format!("could not write {}: {error}", path.display())),
        }
    }

    /// Opens the presets the browser read since the last frame (picked or dropped); a file that
    /// cannot be read or parsed leaves the scenario as it is and says why, with its position.
    pub fn open_picked_files(&mut self) {
        let Some(files) = self.browser_files.as_mut() else {
            return;
        };
        for (name, read) in files.take_picked() {
            self.open_bytes(&name, read);
        }
    }

    /// Opens a preset given as the bytes of a file named `name`.
    pub fn open_bytes(&mut self, name: &str, read: Result<Vec<u8>, String>) {
        let text = match read {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => text,
                Err(_) => {
                    self.error(format!("{name}: the file is not UTF-8 text"));
                    return;
                }
            },
            Err(error) => {
                self.error(format!("could not read {name}: {error}"));
                return;
            }
        };
        match scenario::parse(&text, name) {
            Ok(loaded) => self.open_loaded(loaded, None, format!("opened {name}")),
            Err(error) => {
                let first = error.0.first().map(ToString::to_string).unwrap_or_default();
                self.error(first);
            }
        }
    }
}
