//! What a metric plot shows, computed before it is drawn so that the plot and its legend list the
//! same items: each run's curve, theory's overlays, stability thresholds, and on log axes the
//! floor that exact zeros are drawn at.
//!
//! A log axis cannot show 0. Lasso's distance and bf16's gradient norm reach exactly 0; drawn at
//! 1e-300 they would squash every other curve into a sliver. Instead every value at or below
//! the floor, half a decade below the smallest positive value shown, is drawn at the floor, the
//! floor is a dotted line in the legend, and each run's first 0 is marked "reached 0 at step k".
//! The loss of a landscape whose minimum value f* is unknown is drawn as f − (lowest f seen) on
//! the same log axis: a linear f puts every curve on one line once a run starts far up.

use egui::Color32;
use egui_plot::LineStyle;

use crate::analysis::measure::stability;
use crate::analysis::measure::theory::{self, CurveKind};
use crate::app::{AppState, Metric, XAxis};
use crate::engine::Sample;
use crate::landscape::{LandscapeConfig, Minimizers, Quadratic, symmetric_eigenvalues};
use crate::number_format::short_number;
use crate::scenario::Problem;

use super::{line_scale, run_colour};

/// Points per curve at most.
pub(super) const MAX_CURVE_POINTS: usize = 2000;

/// How far below the smallest positive value the floor sits, in decades.
pub const FLOOR_DECADES: f64 = 0.5;

/// The floor when no value is positive.
const FLOOR_WITHOUT_VALUES: f64 = 1e-16;

/// A curve of the plot.
#[derive(Clone, Debug)]
pub struct Curve {
    /// The legend's and the hover label's name.
    pub name: String,
    /// (x, y) with y already log₁₀ on a log axis.
    pub points: Vec<[f64; 2]>,
    /// Line colour.
    pub colour: Color32,
    /// Solid for runs, dotted for exact theory, dashed for bounds.
    pub style: LineStyle,
    /// Line width in points.
    pub width: f32,
    /// Theory's curve or a bound, not a run's (the legend lists it after the runs).
    pub overlay: bool,
}

/// A horizontal line: a stability threshold, or the floor.
#[derive(Clone, Debug)]
pub struct Level {
    /// The legend's name, e.g. "GD stability: 2/lr = 20".
    pub name: String,
    /// Height in plot coordinates.
    pub y: f64,
    /// Line colour.
    pub colour: Color32,
    /// Line style.
    pub style: LineStyle,
}

/// Where a run first reached 0, drawn as a marker on the floor.
#[derive(Clone, Debug)]
pub struct ZeroMark {
    /// "GD reached 0 at step 12".
    pub name: String,
    /// Plot coordinates on the floor.
    pub position: [f64; 2],
    /// The run's colour.
    pub colour: Color32,
}

/// Everything a metric plot draws.
#[derive(Clone, Debug, Default)]
pub struct MetricCurves {
    /// The curves, runs last (drawn on top).
    pub curves: Vec<Curve>,
    /// Horizontal lines.
    pub levels: Vec<Level>,
    /// First zeros on the floor.
    pub zero_marks: Vec<ZeroMark>,
    /// Whether y is log₁₀ of the value.
    pub log_scale: bool,
    /// Whether x is log₁₀ of the step.
    pub log_steps: bool,
    /// The y axis's title, saying what is plotted.
    pub y_label: String,
    /// Why the plot is empty, when it is.
    pub unavailable: Option<String>,
}

/// One sample of a metric, before any log.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MetricSample {
    /// Position along the x axis.
    pub x: f64,
    /// The optimizer step it was taken at.
    pub step: u64,
    /// The metric (≤ 0 means 0 on a log axis; NaN and ∞ are not drawn).
    pub value: f64,
}

/// A curve on a log axis.
#[derive(Clone, Debug, PartialEq)]
pub struct LogSeries {
    /// (x, log₁₀ value), values at or below the floor drawn at the floor.
    pub points: Vec<[f64; 2]>,
    /// (x, step) where the value first was 0.
    pub reached_zero: Option<(f64, u64)>,
}

/// The floor of a log axis: [`FLOOR_DECADES`] below the smallest positive finite value.
pub fn log_floor(values: impl IntoIterator<Item = f64>) -> f64 {
    let smallest = values
        .into_iter()
        .filter(|v| *v > 0.0 && v.is_finite())
        .fold(f64::INFINITY, f64::min);
    if smallest.is_finite() {
        smallest * 10f64.powf(-FLOOR_DECADES)
    } else {
        FLOOR_WITHOUT_VALUES
    }
}

/// `samples` on a log axis with everything at or below `floor` drawn at it.
pub fn log_series(samples: &[MetricSample], floor: f64) -> LogSeries {
    let mut reached_zero = None;
    let points = samples
        .iter()
        .filter(|s| !s.value.is_nan() && s.value < f64::INFINITY)
        .map(|s| {
            if s.value <= 0.0 {
                reached_zero.get_or_insert((s.x, s.step));
            }
            [s.x, s.value.max(floor).log10()]
        })
        .collect();
    LogSeries {
        points,
        reached_zero,
    }
}

/// Whether `metric` is drawn on a log axis.
pub fn is_log_scale(metric: Metric) -> bool {
    !matches!(metric, Metric::Sharpness | Metric::Accuracy)
}

/// A sample's position along the x axis.
pub fn x_value(x_axis: XAxis, sample: &Sample) -> f64 {
    match x_axis {
        XAxis::Steps => sample.step as f64,
        XAxis::Evaluations => sample.evals as f64,
        XAxis::WallTime => sample.wall_time,
        XAxis::Bits => sample.bits as f64,
    }
}

/// The quadratic being minimized, where theory has closed forms.
pub fn quadratic(state: &AppState) -> Option<Quadratic> {
    match &state.scenario.problem {
        Problem::Landscape(LandscapeConfig::Quadratic(quadratic)) => {
            Some(state.scenario.transform.quadratic(quadratic))
        }
        _ => None,
    }
}

/// Metrics only networks have.
pub fn is_network_metric(metric: Metric) -> bool {
    matches!(metric, Metric::TestLoss | Metric::Accuracy)
}

/// Metrics measured only on some steps, drawn from the trace's measured samples.
fn is_occasional(metric: Metric, network: bool) -> bool {
    is_network_metric(metric) || network && metric == Metric::Sharpness
}

/// What the loss is measured from.
#[derive(Clone, Copy, Debug, PartialEq)]
enum LossReference {
    /// The known minimum value f* (0 for a network's loss).
    Known(f64),
    /// f* unknown: the lowest f any run has reached.
    LowestSeen(f64),
}

/// A visible run's samples of a metric.
struct RunSeries {
    name: String,
    colour: Color32,
    /// Solid for the first six runs, then dashed (see [`super::palette::run_line_style`]).
    style: LineStyle,
    samples: Vec<MetricSample>,
}

/// Everything the plot of `metric` draws, for the runs shown.
pub fn metric_curves(state: &AppState, metric: Metric) -> MetricCurves {
    let mut out = MetricCurves {
        log_scale: is_log_scale(metric),
        ..MetricCurves::default()
    };
    if metric == Metric::Eigencomponents {
        out.y_label = "|error along eigenvector|".to_owned();
        super::eigen_curves::eigencomponent_curves(state, &mut out);
    } else {
        let series = run_series(state, metric);
        let reference = (metric == Metric::Loss).then(|| loss_reference(state, &series));
        out.y_label = y_axis_label(metric, state.network.is_some(), reference);
        if out.log_scale {
            log_curves(state, metric, reference, series, &mut out);
        } else {
            out.curves.extend(series.into_iter().map(|run| Curve {
                points: run.samples.iter().map(|s| [s.x, s.value]).collect(),
                name: run.name,
                colour: run.colour,
                style: run.style,
                width: 2.0 * line_scale(state),
                overlay: false,
            }));
        }
        if metric == Metric::Sharpness {
            out.levels.extend(threshold_levels(state));
        }
    }
    if state.prefs.log_steps && state.prefs.x_axis == XAxis::Steps {
        steps_on_log_axis(&mut out);
    }
    if out.curves.iter().all(|curve| curve.points.is_empty()) {
        out.unavailable = Some(unavailable_reason(state, metric));
    }
    out
}

/// Puts log₁₀ of the step on the x axis of every curve and mark; step 0 has no place there.
fn steps_on_log_axis(out: &mut MetricCurves) {
    out.log_steps = true;
    for curve in &mut out.curves {
        curve.points.retain(|p| p[0] > 0.0);
        for point in &mut curve.points {
            point[0] = point[0].log10();
        }
    }
    out.zero_marks.retain(|mark| mark.position[0] > 0.0);
    for mark in &mut out.zero_marks {
        mark.position[0] = mark.position[0].log10();
    }
}

/// Every visible run's samples of `metric` (at most [`MAX_CURVE_POINTS`] each).
fn run_series(state: &AppState, metric: Metric) -> Vec<RunSeries> {
    let network = state.network.is_some();
    let landscape = state.landscape.as_deref();
    let mut all = Vec::new();
    for (index, (run, config)) in state.runs.iter().zip(&state.scenario.runs).enumerate() {
        if !run.visible {
            continue;
        }
        // Adaptive methods are compared on the preconditioned sharpness their bound is about.
        let preconditioned = metric == Metric::Sharpness
            && stability::threshold(&config.optimizer).is_some_and(|t| t.preconditioned);
        let samples: Box<dyn Iterator<Item = &Sample>> = if is_occasional(metric, network) {
            let measured = run.trace.measured();
            let stride = measured.len().div_ceil(MAX_CURVE_POINTS).max(1);
            Box::new(measured.iter().step_by(stride))
        } else {
            Box::new(run.trace.decimated(MAX_CURVE_POINTS))
        };
        let samples: Vec<MetricSample> = samples
            .filter_map(|sample| {
                let value = if preconditioned {
                    sample.preconditioned_sharpness
                } else if metric == Metric::EffectiveStep {
                    let [x, y] = sample.point;
                    Some(config.optimizer.lr() / (x * x + y * y))
                } else {
                    raw_value(metric, sample, landscape)
                }?;
                Some(MetricSample {
                    x: x_value(state.prefs.x_axis, sample),
                    step: sample.step,
                    value,
                })
            })
            .collect();
        all.push(RunSeries {
            name: if preconditioned {
                format!("{} (λmax(P⁻¹∇²f))", config.label)
            } else if metric == Metric::LearningRate && samples.is_empty() {
                // Said in the legend, beside the runs that have a curve.
                format!("{} (no lr to report)", config.label)
            } else {
                config.label.clone()
            },
            colour: run_colour(config, index, state.prefs.dark),
            style: super::palette::run_line_style(index),
            samples,
        });
    }
    all
}

/// The metric of a sample, before any reference is taken off or log taken.
fn raw_value(
    metric: Metric,
    sample: &Sample,
    landscape: Option<&dyn crate::landscape::Landscape>,
) -> Option<f64> {
    match metric {
        Metric::Loss => Some(sample.loss),
        Metric::GradNorm => Some(sample.grad_norm),
        Metric::Distance => landscape.and_then(|l| l.distance_to_minimizer(sample.point)),
        Metric::Sharpness => sample.sharpness.or_else(|| {
            landscape
                .map(|l| symmetric_eigenvalues(l.hessian(sample.point))[1])
                .filter(|v| v.is_finite())
        }),
        Metric::TestLoss => sample.test_loss,
        Metric::Accuracy => sample.accuracy,
        Metric::Norm => Some(sample.point[0].hypot(sample.point[1])),
        Metric::LearningRate => sample.lr.map(f64::from),
        // Two values per sample: drawn by `eigencomponent_curves`; the run's lr: `run_series`.
        Metric::Eigencomponents | Metric::EffectiveStep => None,
    }
}

/// f* where it is known (a network's loss: 0), else the lowest finite f of the runs shown.
fn loss_reference(state: &AppState, series: &[RunSeries]) -> LossReference {
    let known = if state.network.is_some() {
        Some(0.0)
    } else {
        state.f_star()
    };
    known.map_or_else(
        || {
            let lowest = (series.iter().flat_map(|run| &run.samples))
                .map(|s| s.value)
                .filter(|v| v.is_finite())
                .fold(f64::INFINITY, f64::min);
            LossReference::LowestSeen(if lowest.is_finite() { lowest } else { 0.0 })
        },
        LossReference::Known,
    )
}

/// The plot's y-axis title for `metric`.
fn y_axis_label(metric: Metric, network: bool, reference: Option<LossReference>) -> String {
    match metric {
        Metric::Loss if network => "training loss",
        Metric::Loss => match reference {
            Some(LossReference::LowestSeen(_)) => "f − lowest f seen",
            _ => "f − f*",
        },
        Metric::GradNorm => "‖∇f‖",
        Metric::Distance => "distance to a minimizer",
        Metric::Sharpness => "λmax(∇²f)",
        Metric::TestLoss => "test loss",
        Metric::Accuracy => "training accuracy",
        Metric::Eigencomponents => "|error along eigenvector|",
        Metric::Norm => "‖x‖",
        Metric::EffectiveStep => "lr/‖x‖²",
        Metric::LearningRate => "learning rate",
    }
    .to_owned()
}

/// How many decades above the highest starting value a log plot shows: a run that blows up
/// (warmup's constant lr reaches 1e241 in three steps) ends at this ceiling instead of pressing
/// every other curve flat at the bottom of the axis.
const CEILING_DECADES: f64 = 10.0;

/// log₁₀ of the ceiling: [`CEILING_DECADES`] above the largest first positive finite value of the
/// runs (`None` without one).
fn log_ceiling(series: &[RunSeries]) -> Option<f64> {
    let starts = series.iter().filter_map(|run| {
        (run.samples.iter().map(|sample| sample.value))
            .find(|value| value.is_finite() && *value > 0.0)
    });
    starts
        .reduce(f64::max)
        .map(|highest| highest.log10() + CEILING_DECADES)
}

/// The runs' curves on a log axis with the floor, the first zeros and theory's overlays.
fn log_curves(
    state: &AppState,
    metric: Metric,
    reference: Option<LossReference>,
    mut series: Vec<RunSeries>,
    out: &mut MetricCurves,
) {
    if let Some(reference) = reference {
        let (f_ref, tolerance) = match reference {
            // Below ε·|f*| the difference is rounding, not progress.
            LossReference::Known(f) => (f, f64::EPSILON * f.abs()),
            LossReference::LowestSeen(f) => (f, 0.0),
        };
        for sample in series.iter_mut().flat_map(|run| &mut run.samples) {
            let gap = sample.value - f_ref;
            sample.value = if gap <= tolerance { 0.0 } else { gap };
        }
    }
    let floor = log_floor(series.iter().flat_map(|r| &r.samples).map(|s| s.value));
    let log_ceiling = log_ceiling(&series);
    let mut clipped = false;
    let mut runs = Vec::new();
    for run in series {
        let mut log = log_series(&run.samples, floor);
        // A run that passes the ceiling ends there: a capped tail would read as a plateau.
        if let Some(log_ceiling) = log_ceiling
            && let Some(above) = log.points.iter().position(|p| p[1] > log_ceiling)
        {
            log.points.truncate(above + 1);
            log.points[above][1] = log_ceiling;
        }
        clipped |= log.points.iter().any(|p| p[1] <= floor.log10());
        // The lowest f seen is 0 by definition: no news, no mark.
        if let (Some((x, step)), false) = (
            log.reached_zero,
            matches!(reference, Some(LossReference::LowestSeen(_))),
        ) {
            out.zero_marks.push(ZeroMark {
                name: format!("{} reached 0 at step {step}", run.name),
                position: [x, floor.log10()],
                colour: run.colour,
            });
        }
        runs.push(Curve {
            name: run.name,
            points: log.points,
            colour: run.colour,
            style: run.style,
            width: 2.0 * line_scale(state),
            overlay: false,
        });
    }
    let show_theory =
        state.prefs.theory && metric == Metric::Loss && state.prefs.x_axis == XAxis::Steps;
    if show_theory {
        theory_curves(state, floor.log10(), out);
    }
    if metric == Metric::Loss && state.prefs.x_axis == XAxis::Steps {
        let f_ref = match reference {
            Some(LossReference::Known(f) | LossReference::LowestSeen(f)) => f,
            None => 0.0,
        };
        super::rate_bound_curves::rate_bound_curves(state, f_ref, floor.log10(), out);
    }
    out.curves.extend(runs);
    if clipped {
        let name = match reference {
            Some(LossReference::LowestSeen(f)) => {
                format!("lowest f seen ({}), drawn at the floor", short_number(f))
            }
            _ => "0, drawn at the floor".to_owned(),
        };
        out.levels.push(Level {
            name,
            y: floor.log10(),
            colour: Color32::GRAY,
            style: LineStyle::dotted_dense(),
        });
    }
}

/// Each run's stability threshold, in its colour.
fn threshold_levels(state: &AppState) -> impl Iterator<Item = Level> + '_ {
    (state.runs.iter().zip(&state.scenario.runs).enumerate())
        .filter(|(_, (run, _))| run.visible)
        .filter_map(|(index, (_, config))| {
            let threshold = stability::threshold(&config.optimizer)?;
            Some(Level {
                name: format!("{} stability: {}", config.label, threshold.formula),
                y: threshold.sharpness,
                colour: run_colour(config, index, state.prefs.dark),
                style: LineStyle::dashed_loose(),
            })
        })
}

/// log₁₀ of a theory curve at most [`MAX_CURVE_POINTS`] points, against steps, nothing below
/// the floor.
fn theory_points(loss: &[f64], log_floor: f64) -> Vec<[f64; 2]> {
    let stride = loss.len().div_ceil(MAX_CURVE_POINTS).max(1);
    (loss.iter().enumerate().step_by(stride))
        .filter(|(_, f)| **f > 0.0 && f.is_finite() && f.log10() >= log_floor)
        .map(|(k, f)| [k as f64, f.log10()])
        .collect()
}

/// Theory's curves over the loss plot: each run's exact curve or bound (in its colour), and the
/// optimal heavy-ball and Nesterov references (grey).
fn theory_curves(state: &AppState, log_floor: f64, out: &mut MetricCurves) {
    let Some(quadratic) = quadratic(state) else {
        return;
    };
    let mut reference_start = None;
    for (index, (run, config)) in state.runs.iter().zip(&state.scenario.runs).enumerate() {
        let (Some(first), Some(latest), true) =
            (run.trace.first(), run.trace.latest(), run.visible)
        else {
            continue;
        };
        reference_start.get_or_insert((first.point, latest.step));
        let colour = run_colour(config, index, state.prefs.dark);
        for curve in theory::loss_overlays(&quadratic, first.point, config, latest.step) {
            // Short names; the formulas are in the Theory checkbox's tooltip.
            let (style, kind) = match curve.kind {
                CurveKind::Exact => (LineStyle::dotted_dense(), "exact"),
                CurveKind::Bound => (LineStyle::dashed_loose(), "bound"),
            };
            out.curves.push(Curve {
                name: format!("{} ({kind})", config.label),
                points: theory_points(&curve.loss, log_floor),
                colour: colour.gamma_multiply(0.8),
                style,
                width: 1.5 * line_scale(state),
                overlay: true,
            });
        }
    }
    if let Some((start, steps)) = reference_start {
        for curve in theory::accelerated_references(&quadratic, start, steps) {
            let name = if curve.label.starts_with("Nesterov") {
                "Nesterov (bound)"
            } else {
                "optimal heavy ball (bound)"
            };
            out.curves.push(Curve {
                name: name.to_owned(),
                points: theory_points(&curve.loss, log_floor),
                colour: Color32::GRAY,
                style: LineStyle::dashed_dense(),
                width: line_scale(state),
                overlay: true,
            });
        }
    }
}

/// Why the plot of `metric` has nothing to draw.
fn unavailable_reason(state: &AppState, metric: Metric) -> String {
    if state.runs.is_empty() {
        return "No runs: add one in the side panel".to_owned();
    }
    if state.runs.iter().all(|run| !run.visible) {
        return "Every run is hidden: tick one in the runs table".to_owned();
    }
    let network = state.network.is_some();
    let measured_any = state
        .runs
        .iter()
        .any(|run| !run.trace.measured().is_empty());
    let every = state.scenario.sharpness_every;
    match metric {
        Metric::Distance => match state.landscape.as_deref().map(|l| l.minimizers()) {
            Some(Minimizers::Unbounded) => {
                "No distance: this landscape is unbounded below, it has no minimizer".to_owned()
            }
            Some(Minimizers::Points(points)) if points.is_empty() => {
                "No distance: this landscape has no known minimizer to measure it to".to_owned()
            }
            Some(Minimizers::Set { description, .. }) => {
                format!("No distance: the minimizers form a set ({description})")
            }
            _ => no_values_yet(state),
        },
        Metric::Sharpness if network && every == 0 => {
            "Sharpness is not measured in this lesson (sharpness_every is 0)".to_owned()
        }
        Metric::Sharpness if network => {
            format!("Sharpness is measured every {every} steps: none yet")
        }
        Metric::LearningRate => "No learning rate: the runs shown keep a constant lr that is not plain gradient descent's step (hypergradient methods, schedules and gradient descent report one)".to_owned(),
        Metric::TestLoss if measured_any => {
            "No test loss: this problem keeps no held-out data".to_owned()
        }
        Metric::Accuracy if measured_any => {
            "No accuracy: it is measured only for classifiers, and this network fits values"
                .to_owned()
        }
        _ => no_values_yet(state),
    }
}

/// The reason when the runs have simply not produced a value yet.
fn no_values_yet(state: &AppState) -> String {
    let stepped = state
        .runs
        .iter()
        .any(|run| run.trace.latest().is_some_and(|s| s.step > 0));
    if stepped {
        "No finite value to plot: every run shown diverged".to_owned()
    } else {
        "No values yet: press play or step".to_owned()
    }
}
