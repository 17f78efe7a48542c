//! The metrics panel: a plot of loss, gradient norm, distance to the nearest minimizer or sharpness
//! against steps or evaluations, and a results table with every run's status.

use egui::{Rect, Vec2, Vec2b};
use egui_plot::{HLine, Line, MarkerShape, Plot, PlotPoints, Points};

use crate::app::{AppState, Metric, XAxis};
use crate::engine::TRAIL_LENGTH;
use crate::number_format::short_number;

use super::metric_curves::{Curve, MetricCurves, is_network_metric, metric_curves, quadratic};
use super::plot_legend::{self, LegendEntry, Swatch};

/// Draws the metrics panel.
pub fn metrics_ui(state: &mut AppState, ui: &mut egui::Ui) {
    ui.horizontal_wrapped(|ui| {
        metric_choice_ui(state, ui);
        ui.separator();
        let distributed = x_axis_ui(state, ui);
        view_options_ui(state, ui, distributed);
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
            // Solid scroll bars take room of their own: floating ones crossed the last row shown
            // and hid that more rows lie below.
            ui.spacing_mut().scroll = egui::style::ScrollStyle::solid();
            super::results_table::results_table_ui(state, ui);
        });
    });
}

/// The metric the plot shows: only those the problem has.
fn metric_choice_ui(state: &mut AppState, ui: &mut egui::Ui) {
    let network = state.network.is_some();
    let quadratic = quadratic(state).is_some();
    let metric = &mut state.prefs.metric;
    if network
        && matches!(
            *metric,
            Metric::Distance | Metric::Norm | Metric::EffectiveStep
        )
        || !network && is_network_metric(*metric)
        || !quadratic && *metric == Metric::Eigencomponents
    {
        *metric = Metric::Loss;
    }
    ui.selectable_value(metric, Metric::Loss, "Loss")
        .on_hover_text(
            "f − f* on a log scale where the minimum value f* is known (the training loss of a network), f − the lowest f seen otherwise",
        );
    ui.selectable_value(metric, Metric::GradNorm, "Gradient norm")
        .on_hover_text("‖∇f‖ at the iterate, log scale");
    if network {
        ui.selectable_value(metric, Metric::TestLoss, "Test loss")
            .on_hover_text(
                "Loss on the held-out data (a test split, unobserved entries), log scale",
            );
        ui.selectable_value(metric, Metric::Accuracy, "Accuracy")
            .on_hover_text("Fraction of training samples classified correctly");
    } else {
        ui.selectable_value(metric, Metric::Distance, "Distance")
            .on_hover_text("Distance to the nearest known minimizer, log scale");
        ui.selectable_value(metric, Metric::Norm, "Norm")
            .on_hover_text("‖x‖, the iterate's length, log scale: it only grows under gradient descent on a scale-invariant loss");
        ui.selectable_value(metric, Metric::EffectiveStep, "Effective step")
            .on_hover_text("lr/‖x‖², log scale: the step in angle on a scale-invariant loss f(cx) = f(x), the effective learning rate of a normalised layer");
    }
    ui.selectable_value(metric, Metric::LearningRate, "Learning rate")
        .on_hover_text("The step size of each step, log scale: the αₜ a hypergradient method adapts, a schedule's lr, plain gradient descent's constant lr");
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
}

/// What the plot's x axis counts; returns whether the runs simulate workers.
fn x_axis_ui(state: &mut AppState, ui: &mut egui::Ui) -> bool {
    ui.label("x axis");
    ui.selectable_value(&mut state.prefs.x_axis, XAxis::Steps, "steps")
        .on_hover_text("Optimizer steps");
    ui.selectable_value(&mut state.prefs.x_axis, XAxis::Evaluations, "evaluations")
        .on_hover_text("Oracle calls: compares methods that cost different amounts per step");
    ui.selectable_value(&mut state.prefs.x_axis, XAxis::WallTime, "time")
        .on_hover_text("Seconds of computing on the solver thread, per run");
    if state.prefs.x_axis == XAxis::Steps {
        ui.checkbox(&mut state.prefs.log_steps, "log")
            .on_hover_text("Steps on a log scale: a power law such as 1/k is a straight line (step 0 is left out)");
    }
    let distributed = (state.scenario.runs.iter()).any(|run| run.optimizer.simulates_workers());
    if distributed {
        ui.selectable_value(&mut state.prefs.x_axis, XAxis::Bits, "bits")
            .on_hover_text(
                "Bits the simulated workers have sent, every number counted as 32 bits: compares communication costs",
            );
    } else if state.prefs.x_axis == XAxis::Bits {
        state.prefs.x_axis = XAxis::Steps;
    }
    distributed
}

/// The landscape's overlays and the theory curves.
fn view_options_ui(state: &mut AppState, ui: &mut egui::Ui, distributed: bool) {
    let network = state.network.is_some();
    let quadratic = quadratic(state).is_some();
    if !network {
        ui.separator();
        ui.checkbox(&mut state.prefs.iso_lines, "Iso-lines")
            .on_hover_text("Draw contour lines over the coloured landscape");
        if state
            .scenario
            .runs
            .iter()
            .any(|run| run.optimizer.plays_a_game())
        {
            // In a game the field is always drawn: a live checkbox would do nothing.
            ui.add_enabled(false, egui::Checkbox::new(&mut true, "Field"))
                .on_disabled_hover_text(
                    "Always shown in a min-max game: the arrows of (−∂f/∂x, +∂f/∂y), the flow the players follow",
                );
        } else {
            ui.checkbox(&mut state.prefs.field, "Field")
                .on_hover_text("Arrows of the flow the iterates follow: −∇f");
        }
        subdifferential_checkbox_ui(state, ui);
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
}

/// Where a metric plot was drawn last frame and what it showed (for tests and the help text).
#[derive(Clone, Debug, PartialEq)]
pub struct MetricPlotFrame {
    /// The data area (axes excluded).
    pub data_rect: Rect,
    /// The legend beside it, if it has one.
    pub legend_rect: Option<Rect>,
    /// The x range shown.
    pub x_range: [f64; 2],
    /// The y range shown (log₁₀ on a log axis).
    pub y_range: [f64; 2],
}

fn frame_id(id: &str) -> egui::Id {
    egui::Id::unique(("metric plot frame", id))
}

/// The metric plot `id` ("metrics" for the panel's) as drawn last frame.
pub fn last_metric_plot(ctx: &egui::Context, id: &str) -> Option<MetricPlotFrame> {
    ctx.data(|data| data.get_temp(frame_id(id)))
}

/// A plot of `metric` for every run against the chosen x axis with its legend beside it
/// (`id` keeps plots apart). The wheel zooms the x axis about the pointer, a drag pans, a
/// double click fits the data again.
pub fn metric_plot_ui(state: &mut AppState, ui: &mut egui::Ui, metric: Metric, id: &str) {
    let content = metric_curves(state, metric);
    let entries = legend_entries(&content);
    let (plot, legend_rect) =
        plot_legend::beside_legend_ui(ui, id, &entries, |ui| plot_ui(state, ui, &content, id));
    let frame = MetricPlotFrame {
        legend_rect,
        ..plot
    };
    ui.ctx()
        .data_mut(|data| data.insert_temp(frame_id(id), frame));
}

/// The plot itself, with the reason it is empty written inside it.
fn plot_ui(
    state: &AppState,
    ui: &mut egui::Ui,
    content: &MetricCurves,
    id: &str,
) -> MetricPlotFrame {
    let mut plot = Plot::new(id)
        .x_axis_label(x_axis_label(state.prefs.x_axis))
        .y_axis_label(content.y_label.as_str())
        .auto_bounds(Vec2b::TRUE)
        // The wheel zooms x (below) instead of panning; a pinch zooms x too.
        .allow_scroll(false)
        .allow_zoom(Vec2b::new(true, false));
    plot = if content.log_steps {
        super::log_axis::with_log_x_ticks(plot)
    } else {
        super::log_axis::with_linear_x_ticks(plot)
    };
    if content.log_scale {
        plot = with_log_y_axis(plot, content.log_steps);
    }
    let response = plot.show(ui, |plot_ui| {
        wheel_zoom_x(plot_ui);
        for curve in &content.curves {
            plot_ui.line(
                Line::new(curve.name.as_str(), PlotPoints::new(curve.points.clone()))
                    .color(curve.colour)
                    .style(curve.style)
                    .width(curve.width),
            );
        }
        for level in &content.levels {
            plot_ui.hline(
                HLine::new(level.name.as_str(), level.y)
                    .color(level.colour)
                    .style(level.style),
            );
        }
        for mark in &content.zero_marks {
            plot_ui.points(
                Points::new(mark.name.as_str(), PlotPoints::new(vec![mark.position]))
                    .shape(MarkerShape::Down)
                    .radius(5.0 * super::line_scale(state))
                    .filled(true)
                    .color(mark.colour),
            );
        }
    });
    let data_rect = response.response.rect;
    if let Some(reason) = &content.unavailable {
        let mut inside = ui.new_child(
            egui::UiBuilder::new()
                .max_rect(data_rect.shrink(8.0))
                .layout(egui::Layout::centered_and_justified(
                    egui::Direction::TopDown,
                )),
        );
        inside.label(egui::RichText::new(reason).weak());
    }
    let bounds = response.transform.bounds();
    MetricPlotFrame {
        data_rect,
        legend_rect: None,
        x_range: [bounds.min()[0], bounds.max()[0]],
        y_range: [bounds.min()[1], bounds.max()[1]],
    }
}

/// The wheel zooms the x axis about the pointer (y keeps fitting the data if it did), a
/// sideways scroll pans x; the wheel does not also scroll the panel behind.
fn wheel_zoom_x(plot_ui: &mut egui_plot::PlotUi<'_>) {
    if !plot_ui.response().contains_pointer() {
        return;
    }
    let scroll = plot_ui.ctx().input(|input| input.smooth_scroll_delta);
    // The smoothed wheel trails off in ever smaller steps: those must not keep the x axis from
    // fitting the data again after a double click.
    if scroll.length() < 0.1 {
        return;
    }
    let auto_y = plot_ui.auto_bounds().y;
    if scroll.y != 0.0 {
        // As egui zooms with Ctrl + wheel: a factor e per 200 points of scrolling.
        plot_ui.zoom_bounds_around_hovered(Vec2::new((scroll.y / 200.0).exp(), 1.0));
    }
    if scroll.x != 0.0 {
        let dx = -f64::from(scroll.x) * plot_ui.transform().dvalue_dpos()[0];
        plot_ui.translate_bounds(Vec2::new(dx as f32, 0.0));
    }
    plot_ui.set_auto_bounds(Vec2b::new(false, auto_y));
    plot_ui
        .ctx()
        .input_mut(|input| input.smooth_scroll_delta = Vec2::ZERO);
}

/// The legend's lines: the runs' curves first (theory's are drawn under them but listed after, so
/// a short legend that scrolls still names every run at its top), then the levels and zero marks.
fn legend_entries(content: &MetricCurves) -> Vec<LegendEntry> {
    let (theory, runs): (Vec<&Curve>, Vec<&Curve>) =
        content.curves.iter().partition(|curve| curve.overlay);
    let curves = runs.into_iter().chain(theory).map(|curve| LegendEntry {
        swatch: Swatch::Line {
            colour: curve.colour,
            style: curve.style,
        },
        text: curve.name.clone(),
    });
    let levels = content.levels.iter().map(|level| LegendEntry {
        swatch: Swatch::Line {
            colour: level.colour,
            style: level.style,
        },
        text: level.name.clone(),
    });
    let marks = content.zero_marks.iter().map(|mark| LegendEntry {
        swatch: Swatch::Marker {
            colour: mark.colour,
            shape: MarkerShape::Down,
        },
        text: mark.name.clone(),
    });
    curves.chain(levels).chain(marks).collect()
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

/// `plot` with a log₁₀ y axis: the curves plot log₁₀ of the metric, the ticks and the hover
/// label show the value itself.
fn with_log_y_axis(plot: Plot<'_>, log_x: bool) -> Plot<'_> {
    super::log_axis::with_log_y_ticks(plot).label_formatter(move |hover| {
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
            short_number(if log_x {
                10f64.powf(position.x)
            } else {
                position.x
            }),
            short_number(10f64.powf(position.y))
        ))
    })
}

/// Draw each run's sampled Clarke subdifferential where it sits on a kink (the lesson's
/// `subdifferential:` setting, which this turns on and off).
fn subdifferential_checkbox_ui(state: &mut AppState, ui: &mut egui::Ui) {
    let mut shown = state.scenario.subdifferential.is_some();
    let response = ui.checkbox(&mut shown, "Subdifferential").on_hover_text(
        "Where a run sits on a kink: the convex hull of the gradients sampled in a small disc around its point (the Clarke subdifferential), drawn from the point",
    );
    if response.changed() {
        state.scenario.subdifferential =
            shown.then(crate::scenario::SubdifferentialSettings::default);
    }
}
