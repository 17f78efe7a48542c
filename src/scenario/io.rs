//! Presets as files: reading one (with the loader's diagnostics), writing one atomically, and the
//! pretty text both the files and the app's network editor show.

use std::path::Path;

use super::locate::Position;
use super::model::{Problem, Scenario};
use super::parse::{Diagnostic, LoadError, Loaded, Severity, parse};
use crate::ron_format::ron_options;

/// Reads and parses a preset file.
pub fn load(path: &Path) -> Result<Loaded, LoadError> {
    let file = path.display().to_string();
    let error = |position, message| {
        Err(LoadError(vec![Diagnostic {
            severity: Severity::Error,
            file: file.clone(),
            position,
            message,
        }]))
    };
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) => {
            return error(
                Position { line: 1, col: 1 },
                format!("cannot read the file: {e}"),
            );
        }
    };
    match std::str::from_utf8(&bytes) {
        Ok(source) => parse(source, &file),
        Err(e) => {
            let valid = bytes.get(..e.valid_up_to()).unwrap_or_default();
            // The valid prefix decodes, so the position counts characters as ron's do.
            let prefix = String::from_utf8_lossy(valid);
            let line = prefix.matches('\n').count() + 1;
            let col = prefix.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            let byte = bytes.get(e.valid_up_to()).copied().unwrap_or_default();
            error(
                Position { line, col },
                format!(
                    "the file is not UTF-8 text: byte 0x{byte:02x} at byte offset {} cannot start a character here",
                    e.valid_up_to()
                ),
            )
        }
    }
}

/// The scenario as preset text: pretty RON with the loader's extensions, so it reads back equal.
pub fn to_ron(scenario: &Scenario) -> Result<String, ron::Error> {
    pretty_ron(scenario, 4)
}

/// A problem alone as pretty preset text (the app's network editor shows it).
pub fn problem_to_ron(problem: &Problem) -> Result<String, ron::Error> {
    // One field per line; nested values (widths, data, init) stay on their field's line.
    pretty_ron(problem, 1)
}

/// `value` as pretty RON with the loader's options, structures nested deeper than `depth` kept on
/// one line.
fn pretty_ron(value: &impl serde::Serialize, depth: usize) -> Result<String, ron::Error> {
    let pretty = ron::ser::PrettyConfig::new()
        .depth_limit(depth)
        .separate_tuple_members(false)
        .struct_names(true);
    ron_options().to_string_pretty(value, pretty)
}

/// Saves atomically: writes a temporary file beside `path`, then renames it over `path`, so a crash
/// mid-save never leaves a half-written preset.
pub fn save(path: &Path, scenario: &Scenario) -> std::io::Result<()> {
    let mut text = to_ron(scenario).map_err(std::io::Error::other)?;
    text.push('\n');
    write_atomically(path, text.as_bytes())
}

/// Writes `bytes` to a temporary file beside `path`, then renames it over `path`: readers see the
/// old file or the new one, never half of one.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".tmp");
    let temporary = std::path::PathBuf::from(temporary);
    {
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
    }
    std::fs::rename(&temporary, path)
}
