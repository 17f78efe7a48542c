//! The hyperparameter sweep window: a heatmap over two of the selected run's hyperparameters of
//! the loss reached at an equal evaluation budget, with the theoretical stability boundary drawn
//! on top where one is known (quadratics), and a click on a cell adding that configuration as a
//! run.
//!
//! The sweep itself (`analysis::sweep`) runs as a background [`Job`]; the window shows progress
//! and can cancel it.

use std::time::Duration;

use egui::Color32;
use egui_plot::{Line, MarkerShape, Plot, PlotImage, PlotPoint, PlotPoints, PlotTransform, Points};

use crate::analysis::contour::Colormap;
use crate::analysis::sweep::{self, Axis, BATCH_SIZE, BudgetUnit, Sweep, SweepRequest};
use crate::app::AppState;
use crate::engine::Job;
use crate::optim::HyperValue;
use crate::scenario::SweepSettings;
use crate::ui::job_poll::take_finished;
use crate::ui::study_controls::{JobClick, corner_window, job_controls_ui};

use super::metric_curves::log_floor;
use super::plot_legend::{self, LegendEntry, Swatch};
use super::sweep_cells::{cell_at, cell_text, extent};
use super::{format_number, run_colour};

/// How often a running job's progress is redrawn while it works on a thread.
const PROGRESS_INTERVAL: Duration = Duration::from_millis(100);

/// The colour of a diverged cell.
const DIVERGED: Color32 = Color32::from_rgb(110, 0, 20);

/// The finished sweep with what drawing it needs.
struct SweepResult {
    sweep: Sweep,
    texture: egui::TextureHandle,
    /// The stability boundary in plot coordinates, where theory knows it.
    boundary: Option<Vec<[f64; 2]>>,
    /// The run the sweep varied.
    run: usize,
    /// log₁₀ of the lowest and highest loss the colours span.
    log_range: (f64, f64),
}

/// The sweep window's state between frames.
#[derive(Default)]
pub struct SweepState {
    /// Whether the window is open.
    pub open: bool,
    /// The axes and budget being edited.
    pub settings: SweepSettings,
    job: Option<Job<Sweep>>,
    result: Option<SweepResult>,
    error: Option<String>,
    /// Compute when the window next draws (a lesson that opens with a sweep).
    pending: bool,
    /// Where the heatmap was drawn last frame.
    transform: Option<PlotTransform>,
}

impl SweepState {
    /// Opens the window with a lesson's settings and computes at once.
    pub fn request(&mut self, settings: &SweepSettings) {
        self.settings = settings.clone();
        self.open = true;
        self.result = None;
        self.error = None;
        self.pending = true;
    }

    /// Forgets results that belonged to the previous problem.
    pub fn invalidate(&mut self) {
        // Dropping the job cancels it.
        self.job = None;
        self.result = None;
    }

    /// The finished sweep, if one is shown.
    pub fn sweep(&self) -> Option<&Sweep> {
        self.result.as_ref().map(|result| &result.sweep)
    }

    /// Whether a finished sweep is shown.
    pub fn has_result(&self) -> bool {
        self.result.is_some()
    }

    /// Where the centre of cell (column, row) was drawn last frame (for tests that hover it).
    pub fn screen_from_cell(&self, column: usize, row: usize) -> Option<egui::Pos2> {
        let (result, transform) = (self.result.as_ref()?, self.transform.as_ref()?);
        let axes = &result.sweep.axes;
        let (x, y) = (axes[0].value(column), axes[1].value(row));
        let point = PlotPoint::new(plot_coordinate(&axes[0], x), plot_coordinate(&axes[1], y));
        Some(transform.position_from_point(&point))
    }
}

/// Position of an axis value on the plot (log₁₀ for log axes).
pub(super) fn plot_coordinate(axis: &Axis, value: f64) -> f64 {
    if axis.log_scale { value.log10() } else { value }
}

/// The axis names the selected run can sweep: its real-valued hyperparameters, and the batch size
/// on finite sums.
fn axis_names(state: &AppState) -> Vec<String> {
    let Some(run) = state.scenario.runs.get(state.selected_run) else {
        return Vec::new();
    };
    let mut names: Vec<String> = run
        .optimizer
        .hypers()
        .into_iter()
        .filter(|hyper| matches!(hyper.value, HyperValue::Float(_)))
        .map(|hyper| hyper.name.to_owned())
        .collect();
    // The built landscape answers without rebuilding the problem (and its data) every frame.
    if state
        .landscape
        .as_ref()
        .is_some_and(|l| l.num_samples() > 1)
    {
        names.push(BATCH_SIZE.to_owned());
    }
    names
}

fn axis_ui(ui: &mut egui::Ui, id: &str, axis: &mut Axis, names: &[String]) {
    ui.horizontal(|ui| {
        let label = ui.label(id);
        egui::ComboBox::from_id_salt(id)
            .selected_text(axis.name.clone())
            .show_ui(ui, |ui| {
                for name in names {
                    ui.selectable_value(&mut axis.name, name.clone(), name);
                }
            })
            .response
            .labelled_by(label.id);
        for (name, end) in [("from", &mut axis.range.0), ("to", &mut axis.range.1)] {
            let label = ui.label(name);
            ui.add(egui::DragValue::new(end).speed(0.001).max_decimals(6))
                .labelled_by(label.id);
        }
        let count = ui.label("cells");
        ui.add(egui::DragValue::new(&mut axis.count).range(1..=128))
            .labelled_by(count.id);
        ui.checkbox(&mut axis.log_scale, "log");
    });
}

/// Draws the sweep window when it is open.
pub fn sweep_window_ui(state: &mut AppState, ctx: &egui::Context) {
    collect(state, ctx);
    if !state.views.sweep.open {
        return;
    }
    if std::mem::take(&mut state.views.sweep.pending) {
        start(state, state.views.sweep.settings.run);
    }
    let mut open = true;
    corner_window("Hyperparameter sweep", ctx, &mut open, [560.0, 560.0])
        .show(ctx, |ui| sweep_contents_ui(state, ui));
    state.views.sweep.open = open;
}

fn sweep_contents_ui(state: &mut AppState, ui: &mut egui::Ui) {
    let Some(run) = state.scenario.runs.get(state.selected_run).cloned() else {
        ui.label("Add a run first: the sweep varies the selected run.");
        return;
    };
    ui.horizontal(|ui| {
        ui.label("Varies");
        ui.colored_label(
            run_colour(&run, state.selected_run, state.prefs.dark),
            &run.label,
        );
        ui.weak("(the run selected in the side panel); the colour is log₁₀ of the loss reached");
    });
    let names = axis_names(state);
    let settings = &mut state.views.sweep.settings;
    axis_ui(ui, "x axis", &mut settings.axes[0], &names);
    axis_ui(ui, "y axis", &mut settings.axes[1], &names);
    ui.horizontal(|ui| {
        let label = ui.label("budget");
        ui.add(
            egui::DragValue::new(&mut state.views.sweep.settings.budget_evals)
                .range(1..=1_000_000)
                .suffix(" evaluations"),
        )
        .labelled_by(label.id)
        .on_hover_text(
            "Every cell may use this many oracle calls: a fair comparison of costs per step",
        );
        let progress = state.views.sweep.job.as_ref().map(|job| job.fraction());
        match job_controls_ui(ui, progress, 140.0, ("Compute", None)) {
            JobClick::Start => start(state, state.selected_run),
            JobClick::Cancel => state.views.sweep.invalidate(),
            JobClick::Nothing => {}
        }
    });
    if let Some(error) = &state.views.sweep.error {
        ui.colored_label(ui.visuals().error_fg_color, error);
    }
    heatmap_ui(state, ui);
}

fn start(state: &mut AppState, run_index: usize) {
    let Some(run) = state.scenario.runs.get(run_index).cloned() else {
        return;
    };
    state.views.sweep.invalidate();
    state.views.sweep.error = None;
    let request = SweepRequest {
        problem: state.scenario.problem.clone(),
        transform: state.scenario.transform,
        run,
        axes: state.views.sweep.settings.axes.clone(),
        budget_evals: state.views.sweep.settings.budget_evals,
        budget_unit: if state
            .views
            .sweep
            .settings
            .axes
            .iter()
            .any(|a| a.name == BATCH_SIZE)
        {
            BudgetUnit::SampleGradients
        } else {
            BudgetUnit::OracleCalls
        },
        tolerance: if state.scenario.tolerance > 0.0 {
            state.scenario.tolerance
        } else {
            1e-6
        },
    };
    if let Some(first) = request.validate().first() {
        state.views.sweep.error = Some(format!("{}: {}", first.path, first.message));
        return;
    }
    let pieces = sweep::SweepPieces::new(request);
    state.views.sweep.job = Some(Job::start_pieces(&state.jobs, "the sweep", pieces));
    state.views.sweep.settings.run = run_index;
}

/// Takes a finished sweep.
fn collect(state: &mut AppState, ctx: &egui::Context) {
    let slot = &mut state.views.sweep.job;
    let Some(outcome) = take_finished(slot, &state.jobs, Some(PROGRESS_INTERVAL), ctx) else {
        return;
    };
    match outcome {
        Ok(result) => {
            let (logs, log_range) = cell_logs(&result);
            let image = heatmap_image(&result, &logs, log_range);
            let texture = ctx.load_texture("sweep", image, egui::TextureOptions::NEAREST);
            let run = state.views.sweep.settings.run;
            let boundary = state.scenario.runs.get(run).and_then(|config| {
                let lambdas = sweep::quadratic_eigenvalues(
                    &state.scenario.problem,
                    &state.scenario.transform,
                )?;
                let points = sweep::stability_boundary(&config.optimizer, &result.axes, lambdas)?;
                Some(
                    points
                        .into_iter()
                        .map(|[x, y]| {
                            [
                                plot_coordinate(&result.axes[0], x),
                                plot_coordinate(&result.axes[1], y),
                            ]
                        })
                        .collect(),
                )
            });
            state.views.sweep.result = Some(SweepResult {
                sweep: result,
                texture,
                boundary,
                run,
                log_range,
            });
        }
        Err(message) => state.views.sweep.error = Some(message),
    }
}

/// log₁₀ of each cell's final |loss|, exact zeros at the floor half a decade below the smallest
/// positive one (as the metric plots draw them), and the range of the cells that did not diverge.
fn cell_logs(result: &Sweep) -> (Vec<f64>, (f64, f64)) {
    let kept = || (result.values.iter().zip(&result.diverged)).filter(|(_, d)| !**d);
    let floor = log_floor(kept().map(|(v, _)| v.abs()));
    let logs: Vec<f64> = (result.values.iter())
        .map(|v| v.abs().max(floor).log10())
        .collect();
    let range = (logs.iter().zip(&result.diverged))
        .filter(|(v, diverged)| v.is_finite() && !**diverged)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), (&v, _)| {
            (lo.min(v), hi.max(v))
        });
    (logs, range)
}

/// log₁₀ of the final loss per cell, coloured over `log_range`; diverged cells dark red. Image
/// row 0 is the top (last row).
fn heatmap_image(result: &Sweep, logs: &[f64], (low, high): (f64, f64)) -> egui::ColorImage {
    let (columns, rows) = (result.columns(), result.rows());
    let mut pixels = Vec::with_capacity(columns * rows);
    for image_row in 0..rows {
        let row = rows - 1 - image_row;
        for column in 0..columns {
            let index = result.index(column, row);
            if result.diverged[index] {
                pixels.push(DIVERGED);
            } else {
                let t = (logs[index] - low) / (high - low).max(1e-12);
                let [r, g, b] = Colormap::Magma.rgb(t);
                pixels.push(Color32::from_rgb(r, g, b));
            }
        }
    }
    egui::ColorImage::new([columns, rows], pixels)
}

/// The heatmap with its colour bar and legend beside it, the boundary, the run's own setting, a
/// tooltip per cell, and a click adding a cell's configuration.
fn heatmap_ui(state: &mut AppState, ui: &mut egui::Ui) {
    let Some(result) = &state.views.sweep.result else {
        ui.weak("Compute to see the loss reached over the two hyperparameters; then click a cell to add it as a run.");
        return;
    };
    let axes = result.sweep.axes.clone();
    let diverged = result.sweep.diverged.iter().filter(|d| **d).count();
    ui.weak(format!(
        "{} of {} cells diverged (dark red){}",
        diverged,
        result.sweep.diverged.len(),
        if result.boundary.is_some() {
            "; the dashed line is theory's stability boundary"
        } else {
            ""
        }
    ));
    let run_marker =
        state
            .scenario
            .runs
            .get(result.run)
            .and_then(|config| match run_values(config, &axes) {
                (Some(x), Some(y)) => {
                    Some([plot_coordinate(&axes[0], x), plot_coordinate(&axes[1], y)])
                }
                _ => None,
            });
    let side_width = 130.0;
    let size = ui.available_size();
    let gap = ui.spacing().item_spacing.x;
    let log_range = result.log_range;
    let entries = heatmap_legend(result.boundary.is_some(), run_marker.is_some());
    let response = ui
        .horizontal_top(|ui| {
            let plot_size = egui::vec2((size.x - side_width - gap).max(120.0), size.y);
            let response = ui
                .allocate_ui(plot_size, |ui| heatmap_plot_ui(result, ui, run_marker))
                .inner;
            ui.allocate_ui(egui::vec2(side_width, size.y), |ui| {
                ui.vertical(|ui| {
                    let bar_height = (response.response.rect.height() * 0.6).clamp(60.0, 400.0);
                    let range = (log_range.0, log_range.1);
                    super::colour_bar::colour_bar_ui(
                        ui,
                        "loss reached",
                        Colormap::Magma,
                        range,
                        bar_height,
                    );
                    plot_legend::legend_ui(ui, "sweep", &entries);
                });
            });
            response
        })
        .inner;
    let hovered = (response.response.contains_pointer())
        .then_some(response.inner)
        .flatten()
        .and_then(|pointer| cell_at(&axes, pointer));
    if let Some((column, row)) = hovered {
        let text = cell_text(&result.sweep, column, row);
        egui::containers::Tooltip::for_widget(&response.response)
            .at_pointer()
            .gap(12.0)
            .show(|ui| ui.label(text));
    }
    state.views.sweep.transform = Some(response.transform);
    if response.response.clicked()
        && let Some(pointer) = response.inner
    {
        add_nearest_cell_run(state, &axes, pointer);
    }
}

/// The legend beside the heatmap: diverged cells, the boundary, the run.
fn heatmap_legend(boundary: bool, run: bool) -> Vec<LegendEntry> {
    let mut entries = vec![LegendEntry {
        swatch: Swatch::Patch(DIVERGED),
        text: "diverged".to_owned(),
    }];
    if boundary {
        entries.push(LegendEntry {
            swatch: Swatch::Line {
                colour: BOUNDARY,
                style: egui_plot::LineStyle::dashed_loose(),
            },
            text: "stability boundary".to_owned(),
        });
    }
    if run {
        entries.push(LegendEntry {
            swatch: Swatch::Marker {
                colour: Color32::WHITE,
                shape: MarkerShape::Diamond,
            },
            text: "the run".to_owned(),
        });
    }
    entries
}

/// The boundary's dark line, drawn over a light halo so that it shows over any colour.
const BOUNDARY: Color32 = Color32::from_rgb(20, 20, 30);

/// The heatmap plot; its inner value is the pointer in plot coordinates.
fn heatmap_plot_ui(
    result: &SweepResult,
    ui: &mut egui::Ui,
    run_marker: Option<[f64; 2]>,
) -> egui_plot::PlotResponse<Option<PlotPoint>> {
    let axes = &result.sweep.axes;
    let (x_range, y_range) = (extent(&axes[0]), extent(&axes[1]));
    let texture = result.texture.id();
    let boundary = result.boundary.clone();
    let label = |axis: &Axis| {
        if axis.log_scale {
            format!("log₁₀ {}", axis.name)
        } else {
            axis.name.clone()
        }
    };
    Plot::new("sweep_heatmap")
        .x_axis_label(label(&axes[0]))
        .y_axis_label(label(&axes[1]))
        .allow_drag(false)
        // The cell tooltip says where the pointer is, in the hyperparameters' own terms.
        .show_x(false)
        .show_y(false)
        .show(ui, move |plot_ui| {
            plot_ui.image(PlotImage::new(
                "log₁₀ loss reached",
                texture,
                PlotPoint::new(0.5 * (x_range.0 + x_range.1), 0.5 * (y_range.0 + y_range.1)),
                [
                    (x_range.1 - x_range.0) as f32,
                    (y_range.1 - y_range.0) as f32,
                ],
            ));
            if let Some(boundary) = boundary {
                plot_ui.line(
                    Line::new("stability boundary", PlotPoints::new(boundary.clone()))
                        .color(Color32::from_white_alpha(200))
                        .width(6.0),
                );
                plot_ui.line(
                    Line::new("stability boundary", PlotPoints::new(boundary))
                        .color(BOUNDARY)
                        .style(egui_plot::LineStyle::dashed_loose())
                        .width(2.5),
                );
            }
            if let Some(position) = run_marker {
                for (radius, colour) in [(8.0, BOUNDARY), (6.0, Color32::WHITE)] {
                    plot_ui.points(
                        Points::new("the run", PlotPoints::new(vec![position]))
                            .shape(MarkerShape::Diamond)
                            .radius(radius)
                            .filled(true)
                            .color(colour),
                    );
                }
            }
            plot_ui.pointer_coordinate()
        })
}

/// Adds the cell nearest to `pointer` (in plot coordinates) as a new run.
fn add_nearest_cell_run(state: &mut AppState, axes: &[Axis], pointer: PlotPoint) {
    let centre_of = |axis: &Axis, index: usize| plot_coordinate(axis, axis.value(index));
    let nearest = |axis: &Axis, coordinate: f64| {
        (0..axis.count).min_by(|&a, &b| {
            (centre_of(axis, a) - coordinate)
                .abs()
                .total_cmp(&(centre_of(axis, b) - coordinate).abs())
        })
    };
    if let (Some(column), Some(row)) = (nearest(&axes[0], pointer.x), nearest(&axes[1], pointer.y))
    {
        add_cell_run(state, column, row);
    }
}

/// A run's current values of the two swept hyperparameters, read by name through its
/// descriptors (`None` for one the run does not have as a number).
fn run_values(config: &crate::scenario::RunConfig, axes: &[Axis]) -> (Option<f64>, Option<f64>) {
    let value = |axis: &Axis| -> Option<f64> {
        if axis.name == BATCH_SIZE {
            return config.batch_size.map(|b| b as f64);
        }
        config
            .optimizer
            .hypers()
            .into_iter()
            .find(|h| h.name == axis.name)
            .and_then(|h| match h.value {
                HyperValue::Float(v) => Some(v),
                _ => None,
            })
    };
    (value(&axes[0]), value(&axes[1]))
}

/// Adds the configuration of cell (column, row) as a new run.
pub fn add_cell_run(state: &mut AppState, column: usize, row: usize) {
    let Some(result) = &state.views.sweep.result else {
        return;
    };
    let Some(base) = state.scenario.runs.get(result.run).cloned() else {
        return;
    };
    let axes = &result.sweep.axes;
    let mut config = base.clone();
    let mut parts = Vec::new();
    for (axis, index) in axes.iter().zip([column, row]) {
        let value = axis.value(index);
        if let Err(error) = sweep::set_axis_value(&mut config, &axis.name, value) {
            state.error(error);
            return;
        }
        parts.push(format!("{} {}", axis.name, format_number(value)));
    }
    config.label = format!("{} ({})", base.label, parts.join(", "));
    config.colour = None;
    state.add_run(config);
}
