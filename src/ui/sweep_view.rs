//! The hyperparameter sweep window: a heatmap over two of the selected run's hyperparameters of
//! the loss reached at an equal evaluation budget, with the theoretical stability boundary drawn
//! on top where one is known (quadratics), and a click on a cell adding that configuration as a
//! run.
//!
//! The sweep itself (`analysis::sweep`) runs as a background [`Job`]; the window shows progress
//! and can cancel it.

use std::time::Duration;

use egui::Color32;
use egui_plot::{Legend, Line, MarkerShape, Plot, PlotImage, PlotPoint, PlotPoints, Points};

use crate::analysis::contour::Colormap;
use crate::analysis::sweep::{self, Axis, BATCH_SIZE, BudgetUnit, Sweep, SweepRequest};
use crate::app::AppState;
use crate::engine::{Job, JobState};
use crate::optim::HyperValue;
use crate::scenario::SweepSettings;

use super::{format_number, run_colour};

/// The finished sweep with what drawing it needs.
struct SweepResult {
    sweep: Sweep,
    texture: egui::TextureHandle,
    /// The stability boundary in plot coordinates, where theory knows it.
    boundary: Option<Vec<[f64; 2]>>,
    /// The run the sweep varied.
    run: usize,
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
}

/// Position of an axis value on the plot (log₁₀ for log axes).
fn plot_coordinate(axis: &Axis, value: f64) -> f64 {
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
        let from = ui.label("from");
        ui.add(
            egui::DragValue::new(&mut axis.range.0)
                .speed(0.001)
                .max_decimals(6),
        )
        .labelled_by(from.id);
        let to = ui.label("to");
        ui.add(
            egui::DragValue::new(&mut axis.range.1)
                .speed(0.001)
                .max_decimals(6),
        )
        .labelled_by(to.id);
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
    egui::Window::new("Hyperparameter sweep")
        .open(&mut open)
        .default_size([560.0, 560.0])
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
        if let Some(job) = &state.views.sweep.job {
            ui.add(
                egui::ProgressBar::new(job.fraction())
                    .desired_width(140.0)
                    .show_percentage(),
            );
            if ui.button("Cancel").clicked() {
                state.views.sweep.invalidate();
            }
        } else if ui.button("Compute").clicked() {
            start(state, state.selected_run);
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
    let cells = request.cells();
    state.views.sweep.job = Some(Job::run(&state.jobs, "the sweep", cells, move |control| {
        sweep::run_sweep(&request, control).map_err(|error| error.to_string())
    }));
    state.views.sweep.settings.run = run_index;
}

/// Takes a finished sweep.
fn collect(state: &mut AppState, ctx: &egui::Context) {
    let Some(job) = &mut state.views.sweep.job else {
        return;
    };
    let outcome = match job.poll() {
        JobState::Running { .. } => {
            ctx.request_repaint_after(Duration::from_millis(100));
            return;
        }
        JobState::Finished(sweep) => Ok(sweep),
        JobState::Failed(message) => Err(message),
        JobState::Gone => {
            state.views.sweep.job = None;
            return;
        }
    };
    state.views.sweep.job = None;
    match outcome {
        Ok(result) => {
            let image = heatmap_image(&result);
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
            });
        }
        Err(message) => state.views.sweep.error = Some(message),
    }
}

/// log₁₀ of the final loss per cell; diverged cells dark red. Image row 0 is the top (last row).
fn heatmap_image(result: &Sweep) -> egui::ColorImage {
    let (columns, rows) = (result.columns(), result.rows());
    let logs: Vec<f64> = result
        .values
        .iter()
        .map(|v| v.abs().max(1e-300).log10())
        .collect();
    let (low, high) = logs
        .iter()
        .zip(&result.diverged)
        .filter(|(v, diverged)| v.is_finite() && !**diverged)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), (&v, _)| {
            (lo.min(v), hi.max(v))
        });
    let mut pixels = Vec::with_capacity(columns * rows);
    for image_row in 0..rows {
        let row = rows - 1 - image_row;
        for column in 0..columns {
            let index = result.index(column, row);
            if result.diverged[index] {
                pixels.push(Color32::from_rgb(110, 0, 20));
            } else {
                let t = (logs[index] - low) / (high - low).max(1e-12);
                let [r, g, b] = Colormap::Magma.rgb(t);
                pixels.push(Color32::from_rgb(r, g, b));
            }
        }
    }
    egui::ColorImage::new([columns, rows], pixels)
}

/// The heatmap, the boundary, the run's own setting, and a click adding a cell's configuration.
fn heatmap_ui(state: &mut AppState, ui: &mut egui::Ui) {
    let Some(result) = &state.views.sweep.result else {
        ui.weak("Compute to see the loss reached over the two hyperparameters; then click a cell to add it as a run.");
        return;
    };
    let axes = result.sweep.axes.clone();
    let centre_of = |axis: &Axis, index: usize| plot_coordinate(axis, axis.value(index));
    let half_cell = |axis: &Axis| {
        if axis.count < 2 {
            0.5
        } else {
            0.5 * (centre_of(axis, axis.count - 1) - centre_of(axis, 0)) / (axis.count - 1) as f64
        }
    };
    let x_range = (
        centre_of(&axes[0], 0) - half_cell(&axes[0]),
        centre_of(&axes[0], axes[0].count - 1) + half_cell(&axes[0]),
    );
    let y_range = (
        centre_of(&axes[1], 0) - half_cell(&axes[1]),
        centre_of(&axes[1], axes[1].count - 1) + half_cell(&axes[1]),
    );
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
    let run_marker = state
        .scenario
        .runs
        .get(result.run)
        .map(|config| run_values(config, &axes));
    let texture = result.texture.id();
    let boundary = result.boundary.clone();
    let label = |axis: &Axis| {
        if axis.log_scale {
            format!("log₁₀ {}", axis.name)
        } else {
            axis.name.clone()
        }
    };
    let response = Plot::new("sweep_heatmap")
        .legend(Legend::default())
        .x_axis_label(label(&axes[0]))
        .y_axis_label(label(&axes[1]))
        .allow_drag(false)
        .show(ui, |plot_ui| {
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
                    Line::new("stability boundary", PlotPoints::new(boundary))
                        .color(Color32::WHITE)
                        .style(egui_plot::LineStyle::dashed_loose())
                        .width(2.0),
                );
            }
            if let Some((Some(x), Some(y))) = run_marker {
                plot_ui.points(
                    Points::new(
                        "the run",
                        PlotPoints::new(vec![[
                            plot_coordinate(&axes[0], x),
                            plot_coordinate(&axes[1], y),
                        ]]),
                    )
                    .shape(MarkerShape::Diamond)
                    .radius(6.0)
                    .color(Color32::WHITE),
                );
            }
            plot_ui.pointer_coordinate()
        });
    if response.response.clicked()
        && let Some(pointer) = response.inner
    {
        add_nearest_cell_run(state, &axes, pointer);
    }
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
