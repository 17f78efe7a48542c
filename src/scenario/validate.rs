//! Semantic checks of a parsed scenario by field path (`runs[1].optimizer.lr`), which the loader
//! then locates in the text. Nothing is built: a network's sample count comes from its config
//! (a lesson claim about the landscape's minima builds the landscape: see `validate_claims`).

use super::model::MAX_AXIS_COUNT;
use super::model::{Axis, Problem, RunConfig, Scenario, set_axis_value};
use super::validate_claims::validate_lesson;
use super::{MAX_NAME, MAX_RUNS, MAX_SPEED, MAX_STEPS, MAX_TEXT, MIN_SPEED};
use crate::landscape::ViewWindow;
use crate::validate::{Checker, Invalid};

/// The scenario's own fields: version, texts, budget, tolerance and speed.
fn validate_header(scenario: &Scenario, checker: &mut Checker) {
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
    if let Some(speed) = scenario.speed
        && !(MIN_SPEED..=MAX_SPEED).contains(&speed)
    {
        checker.report(
            "speed",
            format!("speed must be {MIN_SPEED} to {MAX_SPEED} steps per second, got {speed}"),
        );
    }
}

/// Every semantic problem with a parsed scenario, by field path.
pub fn validate(scenario: &Scenario) -> Vec<Invalid> {
    let mut checker = Checker::new();
    validate_header(scenario, &mut checker);
    if let Some(view) = &scenario.view {
        checker.within("view", |checker| validate_view(view, checker));
    }
    if let Some(bound) = &scenario.rate_bound {
        checker.within("rate_bound", |checker| bound.validate(checker));
    }
    if let Some(sweep) = &scenario.sweep {
        checker.within("sweep", |checker| {
            check_run_exists(sweep.run, scenario.runs.len(), checker);
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
    if let Some(tune) = &scenario.tune {
        checker.within("tune", |checker| tune.validate(&scenario.runs, checker));
    }
    if let Some(subdifferential) = &scenario.subdifferential {
        checker.within("subdifferential", |checker| {
            checker.positive("radius", subdifferential.radius);
            checker.count_in_range("samples", subdifferential.samples as u64, 1, 64);
        });
    }
    if let Some(basin) = &scenario.basin {
        checker.within("basin", |checker| {
            check_run_exists(basin.run, scenario.runs.len(), checker);
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
    // Only a valid configuration is counted (an invalid one would give its clamped count).
    let samples = (checker.found.len() == before).then(|| scenario.problem.num_samples());
    let tasks = (checker.found.len() == before).then(|| scenario.problem.num_tasks());
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
                needs_parameter_blocks(run, &scenario.problem, checker);
                validate_task_gradients(run, tasks, scenario.problem.name(), checker);
                if network && run.start.is_some() {
                    checker.report(
                        "start",
                        "start is a point of a 2D landscape; network runs start from the problem's initial weights (set by its seed)",
                    );
                }
            });
        });
    }
    let rest_is_valid = checker.found.is_empty();
    validate_lesson(scenario, rest_is_valid, &mut checker);
    checker.found
}

/// A method that orthogonalizes weight matrices (Muon) needs a problem that has some.
fn needs_parameter_blocks(run: &RunConfig, problem: &Problem, checker: &mut Checker) {
    if run.optimizer.needs_parameter_blocks() && !problem.has_parameter_blocks() {
        let with_matrices: Vec<&str> = (Problem::catalog().iter())
            .filter(|candidate| candidate.has_parameter_blocks())
            .map(Problem::name)
            .collect();
        checker.report(
            "optimizer",
            format!(
                "{} needs a problem whose parameters are matrices ({}); {} has none",
                run.optimizer.name(),
                with_matrices.join(", "),
                problem.name()
            ),
        );
    }
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

/// Reports `run` (a study's run index) unless the scenario's `run_count` runs include it.
fn check_run_exists(run: usize, run_count: usize, checker: &mut Checker) {
    if run >= run_count {
        checker.report(
            "run",
            format!("run {run} does not exist: the scenario has {run_count} runs, counted from 0"),
        );
    }
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

/// A multi-task method (MGDA, PCGrad) needs a problem with several task losses.
fn validate_task_gradients(
    run: &RunConfig,
    tasks: Option<usize>,
    problem: &str,
    checker: &mut Checker,
) {
    if let Some(tasks @ 0..=1) = tasks
        && run.optimizer.needs_task_gradients()
    {
        let has = if tasks == 1 { "one" } else { "none" };
        checker.report(
            "optimizer",
            format!(
                "{} needs a problem with several task losses; {problem} has {has}",
                run.optimizer.display_name()
            ),
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
