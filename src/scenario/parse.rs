//! Preset text to a [`Scenario`]: ron's first syntax error in the user's terms, else every unknown
//! field and every semantic error, each located at `file:line:col`.

use std::fmt;

use super::locate::{PathIndex, Position};
use super::model::{Problem, Scenario};
use super::validate::validate;
use super::{CURRENT_VERSION, MAX_TEXT};
use crate::ron_format::ron_options;
use crate::validate::{Checker, Invalid};

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// The file cannot be used.
    Error,
    /// The file loads, but something in it was ignored.
    Warning,
}

/// A message about a preset file at a place in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The file's name as given.
    pub file: String,
    /// Where (1-based line and column).
    pub position: Position,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Position { line, col } = self.position;
        let prefix = match self.severity {
            Severity::Error => "",
            Severity::Warning => "warning: ",
        };
        write!(f, "{}:{line}:{col}: {prefix}{}", self.file, self.message)
    }
}

/// A scenario that loaded, with any warnings.
#[derive(Clone, Debug)]
pub struct Loaded {
    /// The scenario.
    pub scenario: Scenario,
    /// Things that were ignored (fields from a newer version).
    pub warnings: Vec<Diagnostic>,
}

/// Why a preset could not be loaded: the diagnostics, errors first.
#[derive(Clone, Debug, thiserror::Error)]
#[error("{}", render(.0))]
pub struct LoadError(pub Vec<Diagnostic>);

fn render(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Renders a serde path (from serde_ignored) in the loader's notation: `runs[1].optimizer.foo`.
fn path_string(path: &serde_ignored::Path<'_>) -> String {
    use serde_ignored::Path;
    match path {
        Path::Root => String::new(),
        Path::Seq { parent, index } => format!("{}[{index}]", path_string(parent)),
        Path::Map { parent, key } => {
            let parent = path_string(parent);
            if parent.is_empty() {
                key.clone()
            } else {
                format!("{parent}.{key}")
            }
        }
        Path::Some { parent }
        | Path::NewtypeStruct { parent }
        | Path::NewtypeVariant { parent } => path_string(parent),
    }
}

/// Parses preset text. `file` names the source in diagnostics.
pub fn parse(source: &str, file: &str) -> Result<Loaded, LoadError> {
    let diagnostic = |severity, position, message: String| Diagnostic {
        severity,
        file: file.to_owned(),
        position,
        message,
    };
    let (scenario, ignored) = match deserialize(source) {
        Ok(parsed) => parsed,
        Err(error) => {
            let (position, message) = syntax_error(source, &error);
            return Err(LoadError(vec![diagnostic(
                Severity::Error,
                position,
                message,
            )]));
        }
    };

    let index = PathIndex::new(source);
    let locate_name = |path: &str| {
        index
            .find(path)
            .map_or(Position { line: 1, col: 1 }, |l| l.name)
    };
    let locate_value = |path: &str| {
        index
            .find(path)
            .map_or(Position { line: 1, col: 1 }, |l| l.value)
    };
    let newer = scenario.version > CURRENT_VERSION;
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    for path in ignored {
        let field = shorten(path.rsplit(['.', '[']).next().unwrap_or(&path));
        let shown_path = shorten(&path);
        if newer {
            warnings.push(diagnostic(
                Severity::Warning,
                locate_name(&path),
                format!(
                    "ignored field `{field}` (at {shown_path}) from preset version {}; this app reads version {CURRENT_VERSION}",
                    scenario.version
                ),
            ));
        } else {
            errors.push(diagnostic(
                Severity::Error,
                locate_name(&path),
                format!("unknown field `{field}` (at {shown_path})"),
            ));
        }
    }
    for Invalid { path, message } in validate(&scenario) {
        errors.push(diagnostic(Severity::Error, locate_value(&path), message));
    }
    if errors.is_empty() {
        Ok(Loaded {
            scenario,
            warnings: capped(warnings),
        })
    } else {
        errors.sort_by_key(|d| (d.position.line, d.position.col));
        Err(LoadError(capped(errors)))
    }
}

/// The scenario in `source` with the paths of the fields it ignored (unknown to this version), or
/// ron's first error.
fn deserialize(source: &str) -> Result<(Scenario, Vec<String>), ron::error::SpannedError> {
    let mut ignored = Vec::new();
    let mut deserializer = ron::Deserializer::from_str_with_options(source, &ron_options())?;
    let scenario: Scenario = serde_ignored::deserialize(&mut deserializer, |path| {
        ignored.push(path_string(&path));
    })
    .map_err(|e| deserializer.span_error(e))?;
    deserializer.end().map_err(|e| deserializer.span_error(e))?;
    Ok((scenario, ignored))
}

/// Where ron's syntax or type error lies in the user's terms, and what it says.
fn syntax_error(source: &str, error: &ron::error::SpannedError) -> (Position, String) {
    let position = Position {
        line: error.span.start.line,
        col: error.span.start.col,
    };
    if cut_short(source, position, &error.code) {
        (
            end_of(source),
            "unexpected end of file: the preset is cut short".to_owned(),
        )
    } else if let Some(number) = fraction_for_integer(source, position, &error.code) {
        (
            number,
            "expected a whole number, found a number with a fraction".to_owned(),
        )
    } else if matches!(error.code, ron::Error::UnclosedBlockComment) {
        // ron points just past the `/*`; the opener is what to look for.
        let opener = Position {
            line: position.line,
            col: position.col.saturating_sub(2).max(1),
        };
        let at_opener = source
            .get(offset_of(source, opener)..)
            .is_some_and(|rest| rest.starts_with("/*"));
        let position = if at_opener { opener } else { position };
        (position, syntax_message(&error.code))
    } else {
        // ron places a wrong value's error on the space after the `:`; the user needs the
        // value itself.
        (skip_spaces(source, position), syntax_message(&error.code))
    }
}

/// The position just past the last character of `source`.
fn end_of(source: &str) -> Position {
    let line = source.matches('\n').count() + 1;
    let col = source.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    Position { line, col }
}

/// The byte offset of `position` in `source` (the end if it lies beyond).
fn offset_of(source: &str, position: Position) -> usize {
    let line_start = source
        .split_inclusive('\n')
        .take(position.line.saturating_sub(1))
        .map(str::len)
        .sum::<usize>();
    let rest = source.get(line_start..).unwrap_or_default();
    rest.char_indices()
        .nth(position.col.saturating_sub(1))
        .map_or(source.len(), |(i, _)| line_start + i)
}

/// The position of the first non-blank character at or after `position` on its line.
fn skip_spaces(source: &str, position: Position) -> Position {
    let offset = offset_of(source, position);
    let blanks = source
        .get(offset..)
        .unwrap_or_default()
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .count();
    let at_value = source
        .get(offset..)
        .unwrap_or_default()
        .chars()
        .nth(blanks)
        .is_some_and(|c| c != '\n' && c != '\r');
    if at_value {
        Position {
            line: position.line,
            col: position.col + blanks,
        }
    } else {
        position
    }
}

/// Where the number starts if ron's "expected comma" is at the `.` of `2.5` given for a whole
/// number: ron read `2` as the integer and then stumbled on the fraction.
fn fraction_for_integer(source: &str, position: Position, code: &ron::Error) -> Option<Position> {
    if !matches!(code, ron::Error::ExpectedComma) {
        return None;
    }
    let offset = offset_of(source, position);
    let before = source.get(..offset)?;
    let after = source.get(offset..)?;
    let digits = before
        .chars()
        .rev()
        .take_while(char::is_ascii_digit)
        .count();
    let fraction = after.starts_with('.') || after.starts_with(['e', 'E']);
    (digits > 0 && fraction).then(|| Position {
        line: position.line,
        col: position.col - digits,
    })
}

/// Whether ron's `code` at `position` means the text stops too early: ron blames the last value of
/// a truncated file ("expected comma" at `0.` of `lr: 0.`), where the user needs to hear that the
/// file is cut short.
fn cut_short(source: &str, position: Position, code: &ron::Error) -> bool {
    use ron::Error as E;
    if matches!(code, E::Eof) {
        return true;
    }
    if !matches!(
        code,
        E::ExpectedComma
            | E::ExpectedArrayEnd
            | E::ExpectedStructLikeEnd
            | E::ExpectedOptionEnd
            | E::ExpectedMapEnd
            | E::ExpectedMapColon
    ) {
        return false;
    }
    let offset = offset_of(source, position);
    // Nothing but one last word or number follows.
    source
        .get(offset..)
        .unwrap_or_default()
        .trim_end()
        .chars()
        .all(|c| !c.is_whitespace() && !"()[]{},:\"'".contains(c))
}

/// Most diagnostics of one kind reported for a file: a hostile file with a million bad entries
/// gets the first ones and a count, not a million lines.
pub const MAX_DIAGNOSTICS: usize = 50;

/// Keeps the first [`MAX_DIAGNOSTICS`] and replaces the rest by one line counting them, placed
/// where the first omitted one was.
fn capped(mut diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
    if diagnostics.len() > MAX_DIAGNOSTICS {
        let omitted = diagnostics.len() - MAX_DIAGNOSTICS;
        diagnostics.truncate(MAX_DIAGNOSTICS + 1);
        if let Some(last) = diagnostics.last_mut() {
            let kind = match last.severity {
                Severity::Error => "errors",
                Severity::Warning => "warnings",
            };
            last.message =
                format!("… and {omitted} more {kind} (the first {MAX_DIAGNOSTICS} are shown)");
        }
    }
    diagnostics
}

/// Longest piece of the file (a name, a string) quoted in a message, in characters.
const MAX_QUOTED: usize = 60;
/// Longest message, in characters.
const MAX_MESSAGE: usize = 2000;

/// `text` cut to [`MAX_QUOTED`] characters with an ellipsis, so that a message about a 1 MB name
/// stays one readable line.
pub(super) fn shorten(text: &str) -> String {
    match text.char_indices().nth(MAX_QUOTED) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// ron's message in the user's terms, with long words from the file cut short.
fn syntax_message(code: &ron::Error) -> String {
    let message = match code {
        ron::Error::ExceededRecursionLimit => {
            "nested too deeply: more brackets inside brackets than a preset may have (presets need \
             under 10 levels)"
                .to_owned()
        }
        ron::Error::Eof => "unexpected end of file: the preset is cut short".to_owned(),
        other => other.to_string(),
    };
    // Words longer than a name can be are pieces of the file echoed back: shorten each.
    let mut short = String::with_capacity(message.len().min(MAX_MESSAGE));
    for (i, word) in message.split(' ').enumerate() {
        if i > 0 {
            short.push(' ');
        }
        short.push_str(&shorten(word));
    }
    match short.char_indices().nth(MAX_MESSAGE) {
        Some((cut, _)) => format!("{}…", &short[..cut]),
        None => short,
    }
}

/// Parses and validates a problem written as in a preset (`Mlp(widths: [2, 16, 1])`). The error
/// says where: `line:col: message` for syntax, `field: message` for values.
pub fn parse_problem(text: &str) -> Result<Problem, String> {
    if text.len() > MAX_TEXT {
        return Err(format!("the problem is longer than {MAX_TEXT} bytes"));
    }
    let problem: Problem = ron_options().from_str(text).map_err(|error| {
        format!(
            "{}:{}: {}",
            error.span.start.line, error.span.start.col, error.code
        )
    })?;
    let mut checker = Checker::new();
    problem.validate(&mut checker);
    match checker.found.first() {
        Some(Invalid { path, message }) if path.is_empty() => Err(message.clone()),
        Some(Invalid { path, message }) => Err(format!("{path}: {message}")),
        None => Ok(problem),
    }
}
