//! The headless commands behind `optiviz run`, `check`, `tune` and `list`, writing to injected streams so
//! that tests drive them exactly as the binary does.
//!
//! Exit codes: 0 ok (a diverged run is a result, still 0), 2 bad input, 1 internal error, 3 a lesson
//! claim that `check --verify` found false.

use std::io::{self, Write};
use std::path::Path;

use crate::analysis::study::tune::{TuneRequest, Tuning, run_tune};
use crate::analysis::study::verify::{ClaimSource, verify_lesson};
use crate::engine::{RunStatus, Session};
use crate::landscape::LandscapeConfig;
use crate::optim::{Hyper, HyperValue, OptimizerConfig};
use crate::presets;
use crate::samples_csv::{push_field, push_float, stream_session};
use crate::scenario::{MAX_STEPS, TuneSettings};

/// How a command ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// Success (including runs that diverged: that is a result).
    Ok = 0,
    /// Something went wrong inside optiviz.
    Internal = 1,
    /// The input (a preset, an argument) is wrong.
    BadInput = 2,
    /// A lesson claim is false (or its bound too loose to fail), as `check --verify` found.
    ClaimFails = 3,
}

/// What `optiviz list` lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Catalog {
    /// 2D test functions.
    Landscapes,
    /// Optimizers.
    Optimizers,
    /// Bundled presets.
    Presets,
}

/// Loads a preset from a file, or a bundled preset of that name (see [`presets::load`]).
pub use crate::presets::load as load_preset;

/// The columns `optiviz run` writes (see [`crate::samples_csv`]).
pub use crate::samples_csv::{LANDSCAPE_COLUMNS, NETWORK_COLUMNS};

/// A write failure on a closed pipe (`optiviz run … | head`) ends output quietly.
fn finish_output(result: io::Result<()>, errors: &mut dyn Write) -> Exit {
    match result {
        Ok(()) => Exit::Ok,
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Exit::Ok,
        Err(error) => {
            let _ = writeln!(errors, "optiviz: cannot write the output: {error}");
            Exit::Internal
        }
    }
}

/// `optiviz run PRESET [--steps N] [--out F.csv]`: runs headless and streams CSV rows, run after
/// run, keeping nothing in memory: [`LANDSCAPE_COLUMNS`] or, for networks, [`NETWORK_COLUMNS`].
pub fn run(
    preset: &str,
    steps: Option<u64>,
    out: Option<&Path>,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Exit {
    run_every(preset, steps, out, 1, stdout, stderr)
}

/// `optiviz run PRESET [--steps N] [--out F.csv] [--every N]`: as [`run`], writing only every
/// `every`-th step (and each run's first and last).
pub fn run_every(
    preset: &str,
    steps: Option<u64>,
    out: Option<&Path>,
    every: u64,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> Exit {
    if every == 0 {
        let _ = writeln!(stderr, "optiviz: --every must be at least 1");
        return Exit::BadInput;
    }
    let Some(loaded) = load_reporting(preset, stderr) else {
        return Exit::BadInput;
    };
    let mut scenario = loaded.scenario;
    if let Some(steps) = steps {
        if !(1..=MAX_STEPS).contains(&steps) {
            let _ = writeln!(
                stderr,
                "optiviz: --steps must be between 1 and {MAX_STEPS}, got {steps}"
            );
            return Exit::BadInput;
        }
        scenario.steps = steps;
    }
    let mut session = Session::new(scenario);
    let mut report = |index: usize, label: &str, status: &RunStatus| {
        report_status(index, label, status, stderr);
    };
    // The writer gathers rows in large blocks itself: no BufWriter in between.
    let result = match out {
        Some(path) => match std::fs::File::create(path) {
            Ok(file) => stream_session(&mut session, file, every, &mut report).map(drop),
            Err(error) => {
                let _ = writeln!(stderr, "optiviz: cannot create {}: {error}", path.display());
                return Exit::BadInput;
            }
        },
        None => stream_session(&mut session, stdout, every, &mut report).map(drop),
    };
    finish_output(result, stderr)
}

fn report_status(index: usize, label: &str, status: &RunStatus, stderr: &mut dyn Write) {
    let message = match status {
        RunStatus::Diverged { step, reason } => {
            format!("run {index} ({label:?}) diverged at step {step}: {reason}")
        }
        RunStatus::Unbounded { step } => format!(
            "run {index} ({label:?}) left the view far behind at step {step}: the landscape is unbounded below"
        ),
        RunStatus::Converged { step } => {
            format!("run {index} ({label:?}) converged at step {step}")
        }
        RunStatus::Running | RunStatus::Finished => return,
    };
    let _ = writeln!(stderr, "{message}");
}

/// What `optiviz tune` was asked to do; `None` fields keep the preset's `tune:` settings (or the
/// defaults: a grid of 10 points per decade over ×10⁻² … ×10² of each run's lr, seeds 0, 1, 2,
/// final loss, a budget of the preset's steps in oracle calls).
#[derive(Clone, Debug, Default)]
pub struct TuneCommand<'a> {
    /// The preset file or bundled name.
    pub preset: &'a str,
    /// Oracle calls per trial.
    pub budget_evals: Option<u64>,
    /// Random search with this many trials (implies `random`).
    pub trials: Option<usize>,
    /// Grid points per decade.
    pub per_decade: Option<usize>,
    /// Seeds 0..S for stochastic runs.
    pub seeds: Option<usize>,
    /// What a trial is scored by.
    pub criterion: Option<crate::scenario::Criterion>,
    /// A second hyperparameter, `NAME` or `NAME=LO:HI:COUNT` (bare: 5 values from 0 to 0.99).
    pub also: Option<&'a str>,
    /// Random search (40 trials unless `trials` says).
    pub random: bool,
    /// Grid search even if the preset's settings ask for a random one.
    pub grid: bool,
}

/// Trials of a random search when `--random` gives no count.
const DEFAULT_RANDOM_TRIALS: usize = 40;

/// `optiviz tune PRESET […]`: every run's lr searched at an equal evaluation budget (see
/// [`crate::analysis::study::tune`]); CSV to `stdout`, one row per trial: `run`, `label`,
/// `optimizer`, `lr` (and the second hyperparameter's name), `criterion` (`inf`: diverged),
/// `best` (1 on each run's best trial).
pub fn tune(command: &TuneCommand<'_>, stdout: &mut dyn Write, stderr: &mut dyn Write) -> Exit {
    let Some(loaded) = load_reporting(command.preset, stderr) else {
        return Exit::BadInput;
    };
    let settings = match tune_settings(command, loaded.scenario.tune.clone().unwrap_or_default()) {
        Ok(settings) => settings,
        Err(message) => {
            let _ = writeln!(stderr, "optiviz: {message}");
            return Exit::BadInput;
        }
    };
    let request = TuneRequest::new(&loaded.scenario, settings);
    if let Some(problem) = request.validate().first() {
        let _ = writeln!(stderr, "optiviz: cannot tune {}: {problem}", command.preset);
        return Exit::BadInput;
    }
    let tuning = match run_tune(&request, &crate::engine::JobControl::new(0)) {
        Ok(tuning) => tuning,
        Err(message) => {
            let _ = writeln!(stderr, "optiviz: the tuning study failed: {message}");
            return Exit::Internal;
        }
    };
    finish_output(stdout.write_all(&tuning_csv(&tuning)), stderr)
}

/// The preset's settings with the command's overrides.
fn tune_settings(
    command: &TuneCommand<'_>,
    mut settings: TuneSettings,
) -> Result<TuneSettings, String> {
    if let Some(budget) = command.budget_evals {
        settings.budget_evals = Some(budget);
    }
    if let Some(per_decade) = command.per_decade {
        settings.per_decade = per_decade;
    }
    if command.grid {
        settings.trials = None;
    }
    if command.random || command.trials.is_some() {
        settings.trials = Some(command.trials.unwrap_or(DEFAULT_RANDOM_TRIALS));
    }
    if let Some(seeds) = command.seeds {
        settings.seeds = (0..seeds as u64).collect();
    }
    if let Some(criterion) = command.criterion {
        settings.criterion = criterion;
    }
    if let Some(also) = command.also {
        settings.also = Some(parse_also(also)?);
    }
    Ok(settings)
}

/// `NAME` or `NAME=LO:HI:COUNT` as a linear axis.
fn parse_also(text: &str) -> Result<crate::scenario::Axis, String> {
    let Some((name, grid)) = text.split_once('=') else {
        return Ok(crate::scenario::Axis::linear(text, (0.0, 0.99), 5));
    };
    let parts: Vec<&str> = grid.split(':').collect();
    let wrong =
        || format!("--also takes NAME or NAME=LO:HI:COUNT (e.g. momentum=0:0.9:4), not {text:?}");
    let [lo, hi, count] = parts[..] else {
        return Err(wrong());
    };
    let (Ok(lo), Ok(hi), Ok(count)) = (lo.parse(), hi.parse(), count.parse()) else {
        return Err(wrong());
    };
    Ok(crate::scenario::Axis::linear(name, (lo, hi), count))
}

/// The trials as CSV rows (floats as `optiviz run` writes them).
pub fn tuning_csv(tuning: &Tuning) -> Vec<u8> {
    let mut out = b"run,label,optimizer,lr".to_vec();
    if let Some(name) = &tuning.also_name {
        out.push(b',');
        push_field(&mut out, name);
    }
    out.extend_from_slice(b",criterion,best\n");
    let mut floats = zmij::Buffer::new();
    for trial in &tuning.trials {
        let Some(run) = tuning.runs.get(trial.run) else {
            continue;
        };
        out.extend_from_slice(format!("{},", trial.run).as_bytes());
        push_field(&mut out, &run.label);
        out.push(b',');
        out.extend_from_slice(run.optimizer.name().as_bytes());
        out.push(b',');
        push_float(&mut out, &mut floats, trial.lr);
        if let Some(value) = trial.also {
            out.push(b',');
            push_float(&mut out, &mut floats, value);
        }
        out.push(b',');
        push_float(&mut out, &mut floats, trial.criterion);
        out.extend_from_slice(if trial.best { b",1\n" } else { b",0\n" });
    }
    out
}

/// What `optiviz render` was asked to draw.
#[derive(Clone, Copy, Debug)]
pub struct RenderCommand<'a> {
    /// The preset file or bundled name.
    pub preset: &'a str,
    /// Where to write the image.
    pub out: &'a Path,
    /// Override of the step budget.
    pub steps: Option<u64>,
    /// `WIDTHxHEIGHT`.
    pub size: &'a str,
    /// Frames of an animated GIF; `None` = a PNG.
    pub gif_frames: Option<usize>,
    /// Dark theme.
    pub dark: bool,
    /// Draw the legend.
    pub legend: bool,
}

/// `optiviz render PRESET --out F.png [--steps N] [--size WxH] [--gif [FRAMES]]`: the view drawn by
/// the CPU rasterizer, for figures in scripts with no display and no GPU.
pub fn render(command: &RenderCommand<'_>, stderr: &mut dyn Write) -> Exit {
    let Some(loaded) = load_reporting(command.preset, stderr) else {
        return Exit::BadInput;
    };
    let drawn = crate::render::parse_size(command.size).and_then(|(width, height)| {
        let options = crate::render::RenderOptions {
            width,
            height,
            dark: command.dark,
            legend: command.legend,
        };
        match command.gif_frames {
            Some(frames) => {
                crate::render::render_gif(&loaded.scenario, command.steps, frames, &options)
            }
            None => crate::render::render_png(&loaded.scenario, command.steps, &options),
        }
    });
    let bytes = match drawn {
        Ok(bytes) => bytes,
        Err(error) => {
            let _ = writeln!(stderr, "optiviz: {error}");
            return Exit::BadInput;
        }
    };
    match crate::scenario::write_atomically(command.out, &bytes) {
        Ok(()) => Exit::Ok,
        Err(error) => {
            let _ = writeln!(
                stderr,
                "optiviz: cannot write {}: {error}",
                command.out.display()
            );
            Exit::BadInput
        }
    }
}

/// Loads a preset (a path, or a bundled lesson's name), printing its warnings, or its error and
/// `None`: the commands then exit with `Exit::BadInput`.
fn load_reporting(preset: &str, stderr: &mut dyn Write) -> Option<crate::scenario::Loaded> {
    match load_preset(preset) {
        Ok(loaded) => {
            for warning in &loaded.warnings {
                let _ = writeln!(stderr, "{warning}");
            }
            Some(loaded)
        }
        Err(error) => {
            let _ = writeln!(stderr, "{error}");
            None
        }
    }
}

/// `optiviz check PRESET...`: validates every file, printing `FILE: ok` or its diagnostics.
pub fn check(presets: &[String], stdout: &mut dyn Write, stderr: &mut dyn Write) -> Exit {
    let mut exit = Exit::Ok;
    for preset in presets {
        match load_reporting(preset, stderr) {
            Some(loaded) => {
                let _ = writeln!(
                    stdout,
                    "{preset}: ok ({} runs, {} steps)",
                    loaded.scenario.runs.len(),
                    loaded.scenario.steps
                );
            }
            None => exit = Exit::BadInput,
        }
    }
    exit
}

/// `optiviz check --verify PRESET...`: validates every lesson, runs it headless and prints each
/// claim with ✓ or ✗ and what was measured. Exit: 0 every claim holds, 3 a claim fails (or its
/// bound is looser than 10× the measured value), 2 a preset is bad, 1 an internal error; the
/// first of 1, 2, 3 that occurred wins in that order.
pub fn verify(presets: &[String], stdout: &mut dyn Write, stderr: &mut dyn Write) -> Exit {
    let mut exits = Vec::new();
    for preset in presets {
        let Some(loaded) = load_reporting(preset, stderr) else {
            exits.push(Exit::BadInput);
            continue;
        };
        let report = match verify_lesson(&loaded.scenario) {
            Ok(report) => report,
            Err(error) => {
                let _ = writeln!(stderr, "optiviz: {preset}: internal error: {error}");
                exits.push(Exit::Internal);
                continue;
            }
        };
        let failed = report.claims.iter().filter(|claim| !claim.passed()).count();
        let _ = match (report.claims.len(), failed) {
            (0, _) => writeln!(stdout, "{preset}: no claims to verify"),
            (total, 0) => writeln!(stdout, "{preset}: all {total} claims hold"),
            (total, failed) => writeln!(stdout, "{preset}: {failed} of {total} claims fail"),
        };
        for claim in &report.claims {
            let mark = if claim.passed() { "✓" } else { "✗" };
            let source = match claim.source {
                ClaimSource::Notice(index) => format!("notice {}", index + 1),
                ClaimSource::Try(index) => format!("try {}", index + 1),
            };
            let _ = writeln!(
                stdout,
                "  {mark} {source}: {}\n      measured {}",
                claim.text,
                claim.finding()
            );
        }
        if failed > 0 {
            exits.push(Exit::ClaimFails);
        }
    }
    [Exit::Internal, Exit::BadInput, Exit::ClaimFails]
        .into_iter()
        .find(|worst| exits.contains(worst))
        .unwrap_or(Exit::Ok)
}

/// `optiviz list [WHAT]`: one line per item with a short description.
pub fn list(what: Option<Catalog>, stdout: &mut dyn Write) -> Exit {
    let sections = match what {
        Some(catalog) => vec![catalog],
        None => vec![Catalog::Landscapes, Catalog::Optimizers, Catalog::Presets],
    };
    // Wide enough for the longest bundled preset name (`nesterov_vs_heavy_ball`).
    const PRESET_COLUMN: usize = 24;
    let mut lines = Vec::new();
    for section in &sections {
        if sections.len() > 1 {
            lines.push(format!("{section:?}:").to_lowercase());
        }
        let indent = if sections.len() > 1 { "  " } else { "" };
        match section {
            Catalog::Landscapes => {
                for config in LandscapeConfig::catalog() {
                    lines.push(format!(
                        "{indent}{:<18} {}",
                        config.name(),
                        config.description()
                    ));
                }
            }
            Catalog::Optimizers => {
                for config in OptimizerConfig::catalog() {
                    lines.push(format!(
                        "{indent}{:<18} {} ({})",
                        config.name(),
                        config.description(),
                        hypers_text(&config.hypers())
                    ));
                }
            }
            Catalog::Presets => {
                let mut topic = "";
                for lesson in presets::lessons() {
                    if lesson.topic != topic {
                        topic = lesson.topic;
                        lines.push(format!("{indent}{topic}:"));
                    }
                    let name = lesson.name;
                    lines.push(format!("{indent}  {name:<PRESET_COLUMN$} {}", lesson.title));
                }
            }
        }
    }
    let mut result = Ok(());
    for line in lines {
        result = writeln!(stdout, "{line}");
        if result.is_err() {
            break;
        }
    }
    finish_output(result, &mut io::sink())
}

/// Hyperparameters as `lr=0.001, betas=(0.9, 0.999), amsgrad=false`, in their widget order; the
/// elements `name[0]`, `name[1]`, … of a tuple hyperparameter are joined into `name=(…, …)`, as
/// torch and the presets write them.
fn hypers_text(hypers: &[Hyper]) -> String {
    // (name, values, whether it is a tuple)
    let mut items: Vec<(&str, Vec<String>, bool)> = Vec::new();
    for hyper in hypers {
        let value = hyper_value_text(hyper.value);
        let tuple_name = hyper
            .name
            .strip_suffix(']')
            .and_then(|name| name.rsplit_once('['))
            .map(|(name, _)| name);
        match (tuple_name, items.last_mut()) {
            (Some(name), Some((last, values, true))) if *last == name => values.push(value),
            (Some(name), _) => items.push((name, vec![value], true)),
            (None, _) => items.push((hyper.name, vec![value], false)),
        }
    }
    let items: Vec<String> = items
        .into_iter()
        .map(|(name, values, tuple)| {
            if tuple {
                format!("{name}=({})", values.join(", "))
            } else {
                format!("{name}={}", values.join(""))
            }
        })
        .collect();
    items.join(", ")
}

fn hyper_value_text(value: HyperValue) -> String {
    match value {
        HyperValue::Float(value) => float_text(value),
        HyperValue::Bool(value) => value.to_string(),
        HyperValue::Int(value) => value.to_string(),
        HyperValue::Choice(name) => name.to_owned(),
    }
}

/// The shortest text that reads back as `value`, without a trailing `.0` (`0`, `0.9`, `1e-8`);
/// large round numbers in exponent form (`1e6`, as torch's docs write ASGD's t0).
fn float_text(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() >= 1e5 {
        return format!("{value:e}");
    }
    let text = format!("{value:?}");
    match text.strip_suffix(".0") {
        Some(integer) => integer.to_owned(),
        None => text,
    }
}
