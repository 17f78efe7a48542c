//! The metrics panel: a plot of loss, gradient norm, distance to the nearest minimizer or sharpness
//! against steps or evaluations, and a results table with every run's status.

use egui_plot::{HLine, Legend, Line, Plot, PlotPoints};

use crate::analysis::measure::stability;
use crate::analysis::measure::theory::{self, CurveKind};
use crate::app::{AppState, Metric, XAxis};
use crate::engine::{Sample, TRAIL_LENGTH};
use crate::landscape::LandscapeConfig;
use crate::landscape::Quadratic;
use crate::landscape::{Landscape, symmetric_eigenvalues};
use crate::scenario::Problem;

use super::{format_number, run_colour};

/// Points per run curve at most.
const MAX_CURVE_POINTS: usize = 2000;

/// Draws the metrics panel.
pub fn metrics_ui(state: &mut AppState, ui: &mut egui::Ui) {
    ui.horizontal_wrapped(|ui| {
        let network = state.network.is_some();
        let quadratic = quadratic(state).is_some();
        let metric = &mut state.prefs.metric;
        if network && *metric == Metric::Distance
            || !network && is_network_metric(*metric)
            || !quadratic && *metric == Metric::Eigencomponents
        {
            *metric = Metric::Loss;
        }
        ui.selectable_value(metric, Metric::Loss, "Loss")
            .on_hover_text(
                "f − f* on a log scale where the minimum value f* is known (the training loss of a network), f otherwise",
            );
        ui.selectable_value(metric, Metric::GradNorm, "Gradient norm")
            .on_hover_text("‖∇f‖ at the iterate, log scale");
        if network {
            ui.selectable_value(metric, Metric::TestLoss, "Test loss")
                .on_hover_text("Loss on the held-out data (a test split, unobserved entries), log scale");
            ui.selectable_value(metric, Metric::Accuracy, "Accuracy")
                .on_hover_text("Fraction of training samples classified correctly");
        } else {
            ui.selectable_value(metric, Metric::Distance, "Distance")
                .on_hover_text("Distance to the nearest known minimizer, log scale");
        }
        ui.selectable_value(metric, Metric::Sharpness, "Sharpness")
            .on_hover_text(
                "λmax(∇²f) at the iterate, with each run's stability threshold (dashed); on networks measured every `sharpness_every` steps by Lanczos",
            );
        if quadratic {
            ui.selectable_value(metric, Metric::Eigencomponents, "Eigen-components")
                .on_hover_text(
                    "The error x − x* split along the Hessian's eigenvectors: |c₁| (solid, the flat direction λ₁) and |c₂| (dashed), log scale; with Theory, gradient descent's |cᵢ(0)|·|1 − lr·λᵢ|ᵏ (dotted)",
                );
        }
        ui.separator();
        ui.label("x axis");
        ui.selectable_value(&mut state.prefs.x_axis, XAxis::Steps, "steps")
            .on_hover_text("Optimizer steps");
        ui.selectable_value(&mut state.prefs.x_axis, XAxis::Evaluations, "evaluations")
            .on_hover_text("Oracle calls: compares methods that cost different amounts per step");
        ui.selectable_value(&mut state.prefs.x_axis, XAxis::WallTime, "time")
            .on_hover_text("Seconds of computing on the solver thread, per run");
        let distributed = (state.scenario.runs.iter())
            .any(|run| run.optimizer.simulates_workers());
        if distributed {
            ui.selectable_value(&mut state.prefs.x_axis, XAxis::Bits, "bits")
                .on_hover_text(
                    "Bits the simulated workers have sent, every number counted as 32 bits: compares communication costs",
                );
        } else if state.prefs.x_axis == XAxis::Bits {
            state.prefs.x_axis = XAxis::Steps;
        }
        if !network {
            ui.separator();
            ui.checkbox(&mut state.prefs.iso_lines, "Iso-lines")
                .on_hover_text("Draw contour lines over the coloured landscape");
            if state.scenario.runs.iter().any(|run| run.optimizer.plays_a_game()) {
                // In a game the field is always drawn: a live checkbox would do nothing.
                ui.add_enabled(false, egui::Checkbox::new(&mut true, "Field"))
                    .on_disabled_hover_text(
                        "Always shown in a min-max game: the arrows of (−∂f/∂x, +∂f/∂y), the flow the players follow",
                    );
            } else {
                ui.checkbox(&mut state.prefs.field, "Field").on_hover_text(
                    "Arrows of the flow the iterates follow: −∇f",
                );
            }
            if distributed {
                ui.checkbox(&mut state.prefs.worker_trails, "Worker trails")
                    .on_hover_text(format!(
                        "The last {TRAIL_LENGTH} positions of every simulated worker, faint, behind the workers' mean"
                    ));
            }
        }
        if quadratic {
            ui.checkbox(&mut state.prefs.theory, "Theory").on_hover_text(
                "On the loss plot against steps: gradient descent's exact loss ½ Σ λᵢ cᵢ² (1 − lr·λᵢ)^(2k) (dotted) and the classical rate bounds (dashed), including optimal heavy ball and Nesterov for reference",
            );
        }
    });
    // The plot takes the panel's height; the results table sits to its right.
    let height = ui.available_height().max(80.0);
    let table_width = 430.0_f32.min(ui.available_width() * 0.45);
    let plot_width = (ui.available_width() - table_width - 12.0).max(120.0);
    ui.horizontal_top(|ui| {
        ui.allocate_ui(egui::vec2(plot_width, height), |ui| {
            let metric = state.prefs.metric;
            metric_plot_ui(state, ui, metric, "metrics");
        });
        ui.separator();
        ui.allocate_ui(egui::vec2(table_width, height), |ui| {
            egui::ScrollArea::vertical()
                .id_salt("results")
                .show(ui, |ui| super::results_table::results_table_ui(state, ui));
        });
    });
}

/// The quadratic being minimized, where theory has closed forms.
fn quadratic(state: &AppState) -> Option<Quadratic> {
    match &state.scenario.problem {
        Problem::Landscape(LandscapeConfig::Quadratic(quadratic)) => {
            Some(state.scenario.transform.quadratic(quadratic))
        }
        _ => None,
    }
}

/// Points of a theory curve (log₁₀ of f) at most `MAX_CURVE_POINTS`, against steps.
fn theory_points(loss: &[f64]) -> Vec<[f64; 2]> {
    let stride = loss.len().div_ceil(MAX_CURVE_POINTS).max(1);
    loss.iter()
        .enumerate()
        .step_by(stride)
        .filter(|(_, f)| **f > 0.0 && f.is_finite())
        .map(|(k, f)| [k as f64, f.log10()])
        .collect()
}

/// Theory's curves over the loss plot: each run's exact curve or bound (in its colour), and the
/// optimal heavy-ball and Nesterov references (grey).
fn theory_overlays_ui(state: &AppState, plot_ui: &mut egui_plot::PlotUi<'_>) {
    let Some(quadratic) = quadratic(state) else {
        return;
    };
    let mut reference_start = None;
    for (index, run) in state.runs.iter().enumerate() {
        let (Some(config), Some(first), Some(latest)) = (
            state.scenario.runs.get(index),
            run.trace.first(),
            run.trace.latest(),
        ) else {
            continue;
        };
        if !run.visible {
            continue;
        }
        reference_start.get_or_insert((first.point, latest.step));
        let colour = run_colour(config, index, state.prefs.dark);
        for curve in theory::loss_overlays(&quadratic, first.point, config, latest.step) {
            // Short legend names; the formulas are in the Theory checkbox's tooltip.
            let (style, kind) = match curve.kind {
                CurveKind::Exact => (egui_plot::LineStyle::dotted_dense(), "exact"),
                CurveKind::Bound => (egui_plot::LineStyle::dashed_loose(), "bound"),
            };
            plot_ui.line(
                Line::new(
                    format!("{} ({kind})", config.label),
                    PlotPoints::new(theory_points(&curve.loss)),
                )
                .color(colour.gamma_multiply(0.8))
                .style(style)
                .width(1.5 * super::line_scale(state)),
            );
        }
    }
    if let Some((start, steps)) = reference_start {
        for curve in theory::accelerated_references(&quadratic, start, steps) {
            let name = if curve.label.starts_with("Nesterov") {
                "Nesterov (bound)"
            } else {
                "optimal heavy ball (bound)"
            };
            plot_ui.line(
                Line::new(name, PlotPoints::new(theory_points(&curve.loss)))
                    .color(egui::Color32::GRAY)
                    .style(egui_plot::LineStyle::dashed_dense())
                    .width(1.0 * super::line_scale(state)),
            );
        }
    }
}

/// Each run's error along the quadratic's two eigenvectors, log₁₀|cᵢ| against the x axis, and
/// with Theory (against steps) gradient descent's exact components.
fn eigencomponent_lines(state: &AppState, plot_ui: &mut egui_plot::PlotUi<'_>) {
    let Some(quadratic) = quadratic(state) else {
        return;
    };
    let log = |v: f64| {
        let v = v.abs();
        (v > 0.0 && v.is_finite()).then(|| v.log10())
    };
    let lambdas = [quadratic.lambda1, quadratic.lambda2];
    let width = 2.0 * super::line_scale(state);
    for (index, run) in state.runs.iter().enumerate() {
        let Some(config) = state.scenario.runs.get(index) else {
            continue;
        };
        if !run.visible {
            continue;
        }
        let colour = run_colour(config, index, state.prefs.dark);
        let mut components = [Vec::new(), Vec::new()];
        for sample in run.trace.decimated(MAX_CURVE_POINTS) {
            let x = match state.prefs.x_axis {
                XAxis::Steps => sample.step as f64,
                XAxis::Evaluations => sample.evals as f64,
                XAxis::WallTime => sample.wall_time,
                XAxis::Bits => sample.bits as f64,
            };
            let (_, coords) = theory::eigenbasis(&quadratic, sample.point);
            for (curve, c) in components.iter_mut().zip(coords) {
                if let Some(y) = log(c) {
                    curve.push([x, y]);
                }
            }
        }
        for (i, points) in components.into_iter().enumerate() {
            let line = Line::new(
                format!(
                    "{} along e{} (λ = {})",
                    config.label,
                    ["₁", "₂"][i],
                    format_number(lambdas[i])
                ),
                PlotPoints::new(points),
            )
            .color(colour)
            .width(width);
            plot_ui.line(if i == 0 {
                line
            } else {
                line.style(egui_plot::LineStyle::dashed_dense())
            });
        }
        if !(state.prefs.theory && state.prefs.x_axis == XAxis::Steps) {
            continue;
        }
        let (Some(first), Some(latest)) = (run.trace.first(), run.trace.latest()) else {
            continue;
        };
        if let Some(exact) = theory::gd_error_overlay(&quadratic, first.point, config, latest.step)
        {
            let stride = exact.len().div_ceil(MAX_CURVE_POINTS).max(1);
            for i in 0..2 {
                let points: Vec<[f64; 2]> = exact
                    .iter()
                    .enumerate()
                    .step_by(stride)
                    .filter_map(|(k, c)| log(c[i]).map(|y| [k as f64, y]))
                    .collect();
                plot_ui.line(
                    Line::new(format!("{} (exact)", config.label), PlotPoints::new(points))
                        .color(colour.gamma_multiply(0.8))
                        .style(egui_plot::LineStyle::dotted_dense())
                        .width(1.5 * super::line_scale(state)),
                );
            }
        }
    }
}

/// Metrics only networks have.
fn is_network_metric(metric: Metric) -> bool {
    matches!(metric, Metric::TestLoss | Metric::Accuracy)
}

/// Metrics measured only on some steps, drawn from the trace's measured samples.
fn is_occasional(metric: Metric, network: bool) -> bool {
    is_network_metric(metric) || network && metric == Metric::Sharpness
}

/// The plotted value of a sample, `None` where it cannot be drawn (log of 0…).
fn metric_value(
    metric: Metric,
    sample: &Sample,
    f_star: Option<f64>,
    landscape: Option<&dyn Landscape>,
) -> Option<f64> {
    let log = |v: f64| (v > 0.0 && v.is_finite()).then(|| v.log10());
    match metric {
        Metric::Loss => match f_star {
            // Below ε·|f*| the difference is rounding, not progress: floor it there so a run that
            // lands exactly on f* does not stretch the axis to 1e-300.
            Some(f_star) => log((sample.loss - f_star)
                .max(f64::EPSILON * f_star.abs())
                .max(1e-300)),
            None => sample.loss.is_finite().then_some(sample.loss),
        },
        Metric::GradNorm => log(sample.grad_norm.max(1e-300)),
        Metric::Distance => landscape
            .and_then(|l| l.distance_to_minimizer(sample.point))
            .and_then(|d| log(d.max(1e-300))),
        Metric::Sharpness => sample.sharpness.or_else(|| {
            landscape
                .map(|l| symmetric_eigenvalues(l.hessian(sample.point))[1])
                .filter(|v| v.is_finite())
        }),
        Metric::TestLoss => sample.test_loss.and_then(|v| log(v.max(1e-300))),
        Metric::Accuracy => sample.accuracy,
        // Two values per sample: drawn by `eigencomponent_lines`.
        Metric::Eigencomponents => None,
    }
}

fn is_log_scale(metric: Metric, f_star: Option<f64>) -> bool {
    match metric {
        Metric::Loss => f_star.is_some(),
        Metric::GradNorm | Metric::Distance | Metric::TestLoss | Metric::Eigencomponents => true,
        Metric::Sharpness | Metric::Accuracy => false,
    }
}

/// A plot of `metric` for every run against the chosen x axis (`id` keeps plots apart).
pub fn metric_plot_ui(state: &mut AppState, ui: &mut egui::Ui, metric: Metric, id: &str) {
    let network = state.network.is_some();
    // A network's loss is ≥ 0 and falls over orders of magnitude: log scale, as if f* = 0.
    let f_star = if network { Some(0.0) } else { state.f_star() };
    let mut plot = Plot::new(id)
        .legend(Legend::default())
        .x_axis_label(x_axis_label(state.prefs.x_axis))
        .y_axis_label(y_axis_label(metric, network, f_star))
        .auto_bounds(egui::Vec2b::TRUE);
    if is_log_scale(metric, f_star) {
        plot = with_log_y_axis(plot);
    }
    let show_theory =
        state.prefs.theory && metric == Metric::Loss && state.prefs.x_axis == XAxis::Steps;
    plot.show(ui, |plot_ui| {
        if metric == Metric::Eigencomponents {
            eigencomponent_lines(state, plot_ui);
            return;
        }
        if show_theory {
            theory_overlays_ui(state, plot_ui);
        }
        for index in 0..state.runs.len() {
            run_curve_ui(state, plot_ui, index, metric, f_star);
        }
    });
}

/// The plot's y-axis title for `metric`.
fn y_axis_label(metric: Metric, network: bool, f_star: Option<f64>) -> &'static str {
    match metric {
        Metric::Loss if network => "training loss",
        Metric::Loss if f_star.is_some() => "f − f*",
        Metric::Loss => "f",
        Metric::GradNorm => "‖∇f‖",
        Metric::Distance => "distance to a minimizer",
        Metric::Sharpness => "λmax(∇²f)",
        Metric::TestLoss => "test loss",
        Metric::Accuracy => "training accuracy",
        Metric::Eigencomponents => "|error along eigenvector|",
    }
}

/// The plot's x-axis title.
fn x_axis_label(x_axis: XAxis) -> &'static str {
    match x_axis {
        XAxis::Steps => "step",
        XAxis::Evaluations => "evaluations",
        XAxis::WallTime => "seconds of computing",
        XAxis::Bits => "bits communicated",
    }
}

/// A sample's position along the x axis.
fn x_value(x_axis: XAxis, sample: &Sample) -> f64 {
    match x_axis {
        XAxis::Steps => sample.step as f64,
        XAxis::Evaluations => sample.evals as f64,
        XAxis::WallTime => sample.wall_time,
        XAxis::Bits => sample.bits as f64,
    }
}

/// `plot` with a log10 y axis: the curves plot log10 of the metric, the ticks and the hover label
/// show the value itself.
fn with_log_y_axis(plot: Plot<'_>) -> Plot<'_> {
    plot.y_axis_formatter(super::network_view::log_axis)
        .label_formatter(|hover| {
            let (name, position) = match hover {
                egui_plot::HoverPosition::NearDataPoint {
                    plot_name,
                    position,
                    ..
                } => (*plot_name, position),
                egui_plot::HoverPosition::Elsewhere { position } => ("", position),
            };
            Some(format!(
                "{name}\nx = {}, y = {}",
                format_number(position.x),
                format_number(10f64.powf(position.y))
            ))
        })
}

/// Run `index`'s curve of `metric` and, on the sharpness plot, its method's stability threshold.
fn run_curve_ui(
    state: &AppState,
    plot_ui: &mut egui_plot::PlotUi<'_>,
    index: usize,
    metric: Metric,
    f_star: Option<f64>,
) {
    let (Some(run), Some(config)) = (state.runs.get(index), state.scenario.runs.get(index)) else {
        return;
    };
    let network = state.network.is_some();
    let landscape = state.landscape.as_deref();
    let colour = run_colour(config, index, state.prefs.dark);
    let threshold = stability::threshold(&config.optimizer);
    // Adaptive methods are compared on the preconditioned sharpness their bound is about.
    let preconditioned =
        metric == Metric::Sharpness && threshold.as_ref().is_some_and(|t| t.preconditioned);
    let samples: Box<dyn Iterator<Item = &Sample>> = if is_occasional(metric, network) {
        let measured = run.trace.measured();
        let stride = measured.len().div_ceil(MAX_CURVE_POINTS).max(1);
        Box::new(measured.iter().step_by(stride))
    } else {
        Box::new(run.trace.decimated(MAX_CURVE_POINTS))
    };
    let points: Vec<[f64; 2]> = samples
        .filter_map(|sample| {
            let y = if preconditioned {
                sample.preconditioned_sharpness
            } else {
                metric_value(metric, sample, f_star, landscape)
            };
            y.map(|y| [x_value(state.prefs.x_axis, sample), y])
        })
        .collect();
    let name = if preconditioned {
        format!("{} (λmax(P⁻¹∇²f))", config.label)
    } else {
        config.label.clone()
    };
    plot_ui.line(
        Line::new(name, PlotPoints::new(points))
            .color(colour)
            .style(super::palette::run_line_style(index))
            .width(2.0 * super::line_scale(state)),
    );
    if metric == Metric::Sharpness
        && let Some(threshold) = threshold
    {
        plot_ui.hline(
            HLine::new(
                format!("{} stability: {}", config.label, threshold.formula),
                threshold.sharpness,
            )
            .color(colour)
            .style(egui_plot::LineStyle::dashed_loose()),
        );
    }
}
