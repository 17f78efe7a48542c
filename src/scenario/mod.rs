//! The preset model: a [`Scenario`] (a problem plus runs to compare), its RON format, loading with
//! `file:line:col` diagnostics, and atomic saving.
//!
//! Loading reports the first parse error ron finds (syntax, wrong type, unknown variant), or else
//! every semantic error (unknown fields, lr ≤ 0, NaN, steps out of range…), each located in the text.
//! An unknown field is an error, except in a file whose `version` is newer than this app's, where it
//! is a warning naming the field: newer files load as far as this version understands them.
//!
//! Hostile input is bounded, never attempted: nesting beyond [`RECURSION_LIMIT`], text beyond
//! [`MAX_TEXT`], counts (steps, grids, sweep axes, network sizes) beyond their limits are errors;
//! a file that is not UTF-8 is located at its first bad byte; at most [`MAX_DIAGNOSTICS`] lines are
//! reported, and words echoed from the file are cut short, so a report stays readable.

mod locate;

pub use locate::{Located, PathIndex, Position};

use std::fmt;
use std::path::Path;

use ron::extensions::Extensions;
use serde::{Deserialize, Serialize};

use crate::analysis::sweep::{Axis, MAX_AXIS_COUNT, set_axis_value};
use crate::landscape::{LandscapeConfig, Transform, ViewWindow};
use crate::network::{DeepLinear, MatrixFactorization, Mlp};
use crate::objective::Objective;
use crate::optim::OptimizerConfig;
use crate::precision::{GradientPrecision, Precision};
use crate::schedule::Schedule;
use crate::validate::{Checker, Invalid};

/// The preset format version this app writes and fully understands.
pub const CURRENT_VERSION: u32 = 1;
/// Most steps a scenario may ask for.
pub const MAX_STEPS: u64 = 100_000_000;
/// Most runs in one scenario.
pub const MAX_RUNS: usize = 64;
/// Longest name, label or notes text accepted, in bytes.
pub const MAX_TEXT: usize = 100_000;
/// Longest hyperparameter name of a sweep axis, in bytes (real ones are under 20).
const MAX_NAME: usize = 100;

/// A comparison scenario: one problem, several optimizer runs on it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Scenario {
    /// Format version of the file.
    pub version: u32,
    /// Title shown in the app.
    pub name: String,
    /// What to notice, what to change, the question to ask.
    pub notes: String,
    /// What is minimized.
    pub problem: Problem,
    /// A rotation and stretch of a 2D landscape's coordinates (omitted from files when none).
    #[serde(skip_serializing_if = "Transform::is_identity")]
    pub transform: Transform,
    /// Step budget of every run.
    pub steps: u64,
    /// A run stops as converged when its gradient norm falls below this (0 = never).
    pub tolerance: f64,
    /// Sharpness is measured every this many steps (0 = off).
    pub sharpness_every: u64,
    /// The window to show first (`None` = the landscape's default).
    pub view: Option<ViewWindow>,
    /// What presentation mode hides for this lesson.
    pub presentation: Presentation,
    /// A basin map to compute when the lesson opens (`None` = none until asked for).
    pub basin: Option<BasinSettings>,
    /// A hyperparameter sweep to compute when the lesson opens.
    pub sweep: Option<SweepSettings>,
    /// The runs to compare.
    pub runs: Vec<RunConfig>,
}

/// A basin map as a lesson asks for it: the optimizer of run `run` from `resolution`² starts over
/// the view, `steps` steps each.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BasinSettings {
    /// Which run's optimizer (index into `runs`).
    pub run: usize,
    /// Starts per side.
    pub resolution: usize,
    /// Steps from every start.
    pub steps: u64,
}

impl Default for BasinSettings {
    fn default() -> Self {
        Self {
            run: 0,
            resolution: 256,
            steps: 100,
        }
    }
}

/// A hyperparameter sweep as a lesson asks for it: run `run`'s configuration varied over two axes
/// at an equal evaluation budget.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SweepSettings {
    /// Which run is varied (index into `runs`).
    pub run: usize,
    /// The hyperparameters varied: axis 0 across, axis 1 up.
    pub axes: [crate::analysis::sweep::Axis; 2],
    /// Oracle calls each cell may use.
    pub budget_evals: u64,
}

impl Default for SweepSettings {
    fn default() -> Self {
        use crate::analysis::sweep::Axis;
        Self {
            run: 0,
            axes: [
                Axis::linear("lr", (0.001, 0.05), 40),
                Axis::linear("momentum", (0.0, 0.95), 20),
            ],
            budget_evals: 200,
        }
    }
}

/// What presentation mode (a projector in class) hides, per lesson: the canvas and the notes stay,
/// the controls a lecturer does not want to explain today go. Everything shows outside
/// presentation mode.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Presentation {
    /// Hide the lesson's notes.
    pub hide_notes: bool,
    /// Hide the problem picker and its parameters.
    pub hide_problem: bool,
    /// Hide the runs' optimizer settings (the run list with its hyperparameters).
    pub hide_runs: bool,
    /// Hide the metrics panel (loss curves and the results table).
    pub hide_metrics: bool,
}

impl Default for Scenario {
    fn default() -> Self {
        Self {
            version: CURRENT_VERSION,
            name: "Untitled".to_owned(),
            notes: String::new(),
            problem: Problem::default(),
            transform: Transform::IDENTITY,
            steps: 200,
            tolerance: 0.0,
            sharpness_every: 0,
            view: None,
            presentation: Presentation::default(),
            basin: None,
            sweep: None,
            runs: vec![RunConfig::default()],
        }
    }
}

/// What a scenario minimizes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Problem {
    /// A 2D test function.
    Landscape(LandscapeConfig),
    /// A fully connected network on toy data.
    Mlp(Mlp),
    /// A deep linear network fit to a low-rank target.
    DeepLinear(DeepLinear),
    /// Matrix completion by a factorization UVᵀ.
    MatrixFactorization(MatrixFactorization),
}

impl Problem {
    /// The name presets use: the landscape's (`Rosenbrock`) or the network's (`Mlp`).
    pub fn name(&self) -> &'static str {
        match self {
            Problem::Landscape(landscape) => landscape.name(),
            Problem::Mlp(_) => "Mlp",
            Problem::DeepLinear(_) => "DeepLinear",
            Problem::MatrixFactorization(_) => "MatrixFactorization",
        }
    }

    /// Whether this is a network (many parameters, no contour view).
    pub fn is_network(&self) -> bool {
        !matches!(self, Problem::Landscape(_))
    }

    /// Semantic checks of the problem's parameters.
    pub fn validate(&self, checker: &mut Checker) {
        match self {
            Problem::Landscape(config) => config.validate(checker),
            Problem::Mlp(config) => config.validate(checker),
            Problem::DeepLinear(config) => config.validate(checker),
            Problem::MatrixFactorization(config) => config.validate(checker),
        }
    }

    /// Number of terms of the finite sum (for batch sizes). Builds the problem: validate first.
    pub fn num_samples(&self) -> usize {
        match self {
            Problem::Landscape(config) => config.build().num_samples(),
            Problem::Mlp(config) => config.build().num_samples(),
            Problem::DeepLinear(config) => config.build().num_samples(),
            Problem::MatrixFactorization(config) => config.build().num_samples(),
        }
    }
}

impl Default for Problem {
    fn default() -> Self {
        Problem::Landscape(LandscapeConfig::default())
    }
}

/// One optimizer run: torch's hyperparameters plus what torch has no field for. Presets write it
/// as `Run(…)`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, rename = "Run")]
pub struct RunConfig {
    /// Name in legends and CSV.
    pub label: String,
    /// The optimizer and its hyperparameters.
    pub optimizer: OptimizerConfig,
    /// Start point (`None` = the landscape's default start).
    pub start: Option<[f64; 2]>,
    /// Seed of the run's minibatches and noise.
    pub seed: u64,
    /// Colour as sRGB (`None` = from the palette).
    pub colour: Option<[u8; 3]>,
    /// Minibatch size on finite sums (`None` = full batch: gradient descent).
    pub batch_size: Option<usize>,
    /// Standard deviation of Gaussian noise added to every gradient coordinate.
    pub noise_sigma: f64,
    /// Learning-rate schedule.
    pub schedule: Schedule,
    /// Clip the gradient to this norm (`None` = no clipping), as torch's `clip_grad_norm_`.
    pub clip: Option<f64>,
    /// Clamp each gradient coordinate to [−v, v] (`None` = no clamping), as torch's
    /// `clip_grad_value_`; applied before `clip`.
    pub clip_value: Option<f64>,
    /// Keep the iterate in a low-precision format after every step (`None` = f64 throughout);
    /// omitted from files when `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub precision: Option<Precision>,
    /// Compute gradients in a narrow format with loss scaling (mixed precision; `None` = f64);
    /// omitted from files when `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gradient_precision: Option<GradientPrecision>,
}

impl Default for RunConfig {
    fn default() -> Self {
        Self {
            label: "SGD".to_owned(),
            optimizer: OptimizerConfig::default(),
            start: None,
            seed: 0,
            colour: None,
            batch_size: None,
            noise_sigma: 0.0,
            schedule: Schedule::Constant,
            clip: None,
            clip_value: None,
            precision: None,
            gradient_precision: None,
        }
    }
}

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

/// The ron options used to load and to save: newtype variants unwrap (`Sgd(lr: 0.1)`, `Himmelblau()`)
/// and options need no `Some(…)`.
pub fn ron_options() -> ron::Options {
    ron::Options::default()
        .with_default_extension(Extensions::UNWRAP_VARIANT_NEWTYPES | Extensions::IMPLICIT_SOME)
        .with_recursion_limit(RECURSION_LIMIT)
}

/// ron's nesting budget while loading a preset (each bracket level spends one or two; real presets
/// nest under 10 levels): deeper text is refused before it can exhaust the stack.
pub const RECURSION_LIMIT: usize = 128;

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
    let mut ignored = Vec::new();
    let parsed = ron::Deserializer::from_str_with_options(source, &ron_options()).and_then(
        |mut deserializer| {
            let value: Scenario = serde_ignored::deserialize(&mut deserializer, |path| {
                ignored.push(path_string(&path));
            })
            .map_err(|e| deserializer.span_error(e))?;
            deserializer.end().map_err(|e| deserializer.span_error(e))?;
            Ok(value)
        },
    );
    let scenario = match parsed {
        Ok(scenario) => scenario,
        Err(error) => {
            let position = Position {
                line: error.span.start.line,
                col: error.span.start.col,
            };
            let (position, message) = if cut_short(source, position, &error.code) {
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
            };
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
fn shorten(text: &str) -> String {
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

/// Every semantic problem with a parsed scenario, by field path.
pub fn validate(scenario: &Scenario) -> Vec<Invalid> {
    let mut checker = Checker::new();
    if scenario.version == 0 {
        checker.report("version", "version must be 1 or more");
    }
    for (field, text) in [("name", &scenario.name), ("notes", &scenario.notes)] {
        if text.len() > MAX_TEXT {
            checker.report(field, format!("{field} is longer than {MAX_TEXT} bytes"));
        }
    }
    checker.count_in_range("steps", scenario.steps, 1, MAX_STEPS);
    checker.non_negative("tolerance", scenario.tolerance);
    if let Some(view) = &scenario.view {
        checker.within("view", |checker| validate_view(view, checker));
    }
    if let Some(sweep) = &scenario.sweep {
        checker.within("sweep", |checker| {
            if sweep.run >= scenario.runs.len() {
                checker.report(
                    "run",
                    format!(
                        "run {} does not exist: the scenario has {} runs, counted from 0",
                        sweep.run,
                        scenario.runs.len()
                    ),
                );
            }
            checker.count_in_range("budget_evals", sweep.budget_evals, 1, 1_000_000);
            let run = scenario.runs.get(sweep.run);
            for (i, axis) in sweep.axes.iter().enumerate() {
                checker.within("axes", |checker| {
                    checker.within(&format!("[{i}]"), |checker| {
                        validate_axis(axis, run, checker);
                    });
                });
            }
        });
    }
    if let Some(basin) = &scenario.basin {
        checker.within("basin", |checker| {
            if basin.run >= scenario.runs.len() {
                checker.report(
                    "run",
                    format!(
                        "run {} does not exist: the scenario has {} runs, counted from 0",
                        basin.run,
                        scenario.runs.len()
                    ),
                );
            }
            checker.count_in_range("resolution", basin.resolution as u64, 16, 1024);
            checker.count_in_range("steps", basin.steps, 1, 100_000);
            if scenario.problem.is_network() {
                checker.report("", "basin maps need a 2D landscape");
            }
        });
    }
    if !scenario.transform.is_identity() {
        checker.within("transform", |checker| {
            scenario.transform.validate(checker);
            if scenario.problem.is_network() {
                checker.report("", "a transform rotates a 2D landscape; networks have none");
            }
        });
    }
    let before = checker.found.len();
    checker.within("problem", |checker| scenario.problem.validate(checker));
    // Only a valid configuration is built (to learn its number of samples).
    let samples = (checker.found.len() == before).then(|| scenario.problem.num_samples());
    let network = scenario.problem.is_network();
    if scenario.runs.len() > MAX_RUNS {
        checker.report(
            "runs",
            format!("at most {MAX_RUNS} runs, got {}", scenario.runs.len()),
        );
    }
    for (i, run) in scenario.runs.iter().enumerate() {
        checker.within("runs", |checker| {
            checker.within(&format!("[{i}]"), |checker| {
                validate_run(run, samples, checker);
                if network && run.start.is_some() {
                    checker.report(
                        "start",
                        "start is a point of a 2D landscape; network runs start from the problem's initial weights (set by its seed)",
                    );
                }
            });
        });
    }
    checker.found
}

/// A sweep axis: a hyperparameter `run` has, a finite range, and a grid that fits in memory.
fn validate_axis(axis: &Axis, run: Option<&RunConfig>, checker: &mut Checker) {
    if axis.name.len() > MAX_NAME {
        checker.report("name", format!("name is longer than {MAX_NAME} bytes"));
    } else if let Some(run) = run {
        let mut varied = run.clone();
        if let Err(message) = set_axis_value(&mut varied, &axis.name, axis.range.0) {
            checker.report("name", message);
        }
    }
    let (low, high) = axis.range;
    if checker.finite("range", low)
        && checker.finite("range", high)
        && axis.log_scale
        && !(low > 0.0 && high > 0.0)
    {
        checker.report(
            "range",
            format!("a log_scale axis needs both ends > 0, got ({low}, {high})"),
        );
    }
    checker.count_in_range("count", axis.count as u64, 1, MAX_AXIS_COUNT as u64);
}

fn validate_view(view: &ViewWindow, checker: &mut Checker) {
    let ViewWindow {
        x_min,
        x_max,
        y_min,
        y_max,
    } = *view;
    let all_finite = [
        ("x_min", x_min),
        ("x_max", x_max),
        ("y_min", y_min),
        ("y_max", y_max),
    ]
    .iter()
    .all(|&(field, value)| checker.finite(field, value));
    if all_finite && (x_min >= x_max || y_min >= y_max) {
        checker.report("", "the view needs x_min < x_max and y_min < y_max");
    } else if all_finite && !((x_max - x_min).is_finite() && (y_max - y_min).is_finite()) {
        // Widths of ∞ turn every grid step of the contour and basin maps into NaN.
        checker.report(
            "",
            "the view is too wide: x_max − x_min and y_max − y_min must be finite",
        );
    }
}

fn validate_run(run: &RunConfig, samples: Option<usize>, checker: &mut Checker) {
    if run.label.len() > MAX_TEXT {
        checker.report("label", format!("label is longer than {MAX_TEXT} bytes"));
    }
    checker.within("optimizer", |checker| run.optimizer.validate(checker));
    if let Some(start) = run.start
        && !start.iter().all(|v| v.is_finite())
    {
        checker.report(
            "start",
            format!("start must be finite, got ({}, {})", start[0], start[1]),
        );
    }
    checker.non_negative("noise_sigma", run.noise_sigma);
    if let Some(clip) = run.clip {
        checker.positive("clip", clip);
    }
    if let Some(clip_value) = run.clip_value {
        checker.positive("clip_value", clip_value);
    }
    if let (Some(batch_size), Some(samples)) = (run.batch_size, samples) {
        if samples == 1 {
            checker.report(
                "batch_size",
                "batch_size needs a finite-sum problem (LeastSquares, Logistic, Lasso, Mlp, MatrixFactorization); use noise_sigma for noisy gradients here",
            );
        } else if batch_size == 0 || batch_size > samples {
            checker.report(
                "batch_size",
                format!("batch_size must be between 1 and the problem's {samples} samples, got {batch_size}"),
            );
        }
    }
    checker.within("schedule", |checker| run.schedule.validate(checker));
    if let Some(gradient_precision) = &run.gradient_precision {
        checker.within("gradient_precision", |checker| {
            gradient_precision.validate(checker);
        });
    }
    if let Some(precision) = run.precision
        && !precision.master_copy
        && run.optimizer.simulates_workers()
    {
        // The workers keep their own iterates; rounding the mean the run reports would look like
        // a moved start to them every step.
        checker.report(
            "precision",
            format!(
                "{} keeps its workers' iterates itself, so its mean cannot be stored in {}: use master_copy: true",
                run.optimizer.name(),
                precision.format.name()
            ),
        );
    }
    if let (Some(precision), Some(start)) = (run.precision, run.start) {
        let max = precision.format.max_finite();
        if start.iter().any(|v| v.abs() > max) {
            checker.report(
                "start",
                format!(
                    "start ({}, {}) lies beyond {}'s largest value ±{max}: the stored start would not be finite",
                    start[0],
                    start[1],
                    precision.format.name()
                ),
            );
        }
    }
}

/// The scenario as preset text: pretty RON with the loader's extensions, so it reads back equal.
pub fn to_ron(scenario: &Scenario) -> Result<String, ron::Error> {
    let pretty = ron::ser::PrettyConfig::new()
        .depth_limit(4)
        .separate_tuple_members(false)
        .struct_names(true);
    ron_options().to_string_pretty(scenario, pretty)
}

/// A problem alone as pretty preset text (the app's network editor shows it).
pub fn problem_to_ron(problem: &Problem) -> Result<String, ron::Error> {
    // One field per line; nested values (widths, data, init) stay on their field's line.
    let pretty = ron::ser::PrettyConfig::new()
        .depth_limit(1)
        .separate_tuple_members(false)
        .struct_names(true);
    ron_options().to_string_pretty(problem, pretty)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_round_trip() {
        let scenario = Scenario::default();
        let text = to_ron(&scenario).unwrap();
        assert!(!text.contains("#!"), "{text}");
        let back = parse(&text, "x.ron").unwrap().scenario;
        assert_eq!(back, scenario);
    }

    #[test]
    fn semantic_errors_are_all_reported_with_positions() {
        let source =
            "Scenario(\n  steps: 0,\n  runs: [Run(optimizer: Sgd(lr: -1.0, momentum: -2.0))],\n)";
        let error = parse(source, "bad.ron").unwrap_err();
        let lines: Vec<String> = error.0.iter().map(ToString::to_string).collect();
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert!(lines[0].starts_with("bad.ron:2:10: steps"), "{lines:?}");
        assert!(
            lines[1].starts_with("bad.ron:3:33: lr must be > 0"),
            "{lines:?}"
        );
        assert!(lines[2].starts_with("bad.ron:3:49: momentum"), "{lines:?}");
    }

    #[test]
    fn basin_and_presentation_settings_round_trip_and_are_checked() {
        let source = "Scenario(\n  basin: (run: 3, resolution: 8),\n  presentation: (hide_metrics: true),\n)";
        let error = parse(source, "b.ron").unwrap_err();
        let lines: Vec<String> = error.0.iter().map(ToString::to_string).collect();
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(
            lines[0].starts_with("b.ron:2:16: run 3 does not exist"),
            "{lines:?}"
        );
        assert!(lines[1].starts_with("b.ron:2:31: resolution"), "{lines:?}");
        let fine = Scenario {
            basin: Some(BasinSettings::default()),
            presentation: Presentation {
                hide_runs: true,
                ..Presentation::default()
            },
            ..Scenario::default()
        };
        let back = parse(&to_ron(&fine).unwrap(), "f.ron").unwrap().scenario;
        assert_eq!(back, fine);
    }

    #[test]
    fn unknown_fields_error_now_and_warn_from_newer_versions() {
        let current = "Scenario(runs: [Run(optimizer: Sgd(lr: 0.1, warp: 2.0))])";
        let error = parse(current, "a.ron").unwrap_err();
        assert_eq!(error.0.len(), 1);
        assert_eq!(error.0[0].position, Position { line: 1, col: 45 });
        assert!(error.0[0].message.contains("unknown field `warp`"));

        let newer =
            "Scenario(version: 9, hologram: true, runs: [Run(optimizer: Sgd(lr: 0.1, warp: 2.0))])";
        let loaded = parse(newer, "b.ron").unwrap();
        let fields: Vec<_> = loaded.warnings.iter().map(|w| w.message.clone()).collect();
        assert_eq!(loaded.warnings.len(), 2, "{fields:?}");
        assert!(fields[0].contains("`hologram`") && fields[1].contains("`warp`"));
        assert_eq!(loaded.warnings[0].severity, Severity::Warning);
    }
}
