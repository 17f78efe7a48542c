//! The network views, in the central panel when the problem is a network: sharpness against the
//! stability threshold, the decision surface (or the fitted curve) with the data, per-layer weight
//! and gradient norms, the singular values of the learned matrix, and the trajectory projected on
//! its top two principal directions over the loss in that plane (Li et al. 2018), and the Hessian's
//! top eigenvalues over training with its spectral density at a chosen step.
//!
//! Everything is drawn from the run traces' network records (parameters and norms every
//! `sharpness_every` or 10 steps); the decision surface is re-evaluated at most a few times a second
//! and the plane's loss surface is computed on its own thread, on request.

use std::time::Duration;

use egui::Color32;
use egui_plot::{Line, MarkerShape, Plot, PlotPoints, Points};
use nalgebra::DVector;

use crate::app::{AppState, Metric};
use crate::clock::Instant;
use crate::engine::{Job, NetworkRecord};
use crate::network::{Dataset, Network, Targets};

mod plane;
mod signal;
mod singular_values;
mod spectrum;
mod subdifferential;

use plane::{PlaneResult, plane_ui};
use spectrum::{SpectrumState, spectrum_ui};

use super::palette::scenario_run_colour;
use super::plot_image::image_over;
use super::plot_legend::LegendEntry;
use super::{metrics, run_colour};

/// Cells per side of the decision surface.
const SURFACE_RESOLUTION: usize = 56;
/// The decision surface is re-evaluated at most this often while a run moves.
const SURFACE_INTERVAL: Duration = Duration::from_millis(150);
/// Points of the fitted curve of a regression.
const CURVE_POINTS: usize = 200;

/// Which network view the central panel shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum NetworkTab {
    /// λmax(∇²f) against steps with each run's stability threshold.
    #[default]
    Sharpness,
    /// The decision surface (two inputs) or the fitted curve (one input), with the data.
    Data,
    /// Per-layer weight and gradient norms.
    Layers,
    /// Singular values of the learned matrix.
    SingularValues,
    /// The trajectory on its top two principal directions, over the loss in that plane.
    Plane,
    /// The distance from 0 to the sampled ε-subdifferential over training.
    Subdifferential,
    /// The top Hessian eigenvalues over training and the spectral density at a chosen step.
    Spectrum,
}

/// The decision surface as last evaluated.
struct SurfaceCache {
    run: usize,
    step: u64,
    bounds: [f64; 4],
    texture: egui::TextureHandle,
    evaluated: Instant,
}

/// The network views' state between frames.
#[derive(Default)]
pub struct NetworkViewState {
    /// The view shown.
    pub tab: NetworkTab,
    /// The problem text being edited in the side panel (`None` = not edited).
    pub problem_draft: Option<String>,
    surface: Option<SurfaceCache>,
    plane: Option<(PlaneResult, egui::TextureHandle)>,
    /// The plane being fitted (`None` inside: the path has no plane).
    plane_job: Option<Job<Option<PlaneResult>>>,
    /// Why the last plane could not be fitted.
    plane_error: Option<String>,
    /// The Hessian spectrum view's density and its job.
    spectrum: SpectrumState,
}

impl NetworkViewState {
    /// Whether a trajectory plane has been fitted and is shown.
    pub fn has_plane(&self) -> bool {
        self.plane.is_some()
    }

    /// Forgets everything computed for the previous problem and picks the view that suits the new
    /// one.
    pub fn reset_for(&mut self, network: Option<&dyn Network>, sharpness_every: u64) {
        // Dropping a plane job cancels it.
        *self = Self::default();
        self.tab = match network {
            Some(_) if sharpness_every > 0 => NetworkTab::Sharpness,
            Some(network) if network.data().is_some() => NetworkTab::Data,
            Some(network) if !network.target_singular_values().is_empty() => {
                NetworkTab::SingularValues
            }
            _ => NetworkTab::Layers,
        };
    }
}

/// Draws the network views.
pub fn network_view_ui(state: &mut AppState, ui: &mut egui::Ui) {
    let Some(network) = state.network.clone() else {
        return;
    };
    let has_data = network.data().is_some();
    let has_singular_values = !network.target_singular_values().is_empty();
    ui.horizontal(|ui| {
        let tab = &mut state.views.network.tab;
        ui.selectable_value(tab, NetworkTab::Sharpness, "Sharpness vs threshold")
            .on_hover_text("λmax(∇²f) by Lanczos every `sharpness_every` steps, with each run's stability threshold (2/lr for gradient descent)");
        if has_data {
            ui.selectable_value(tab, NetworkTab::Data, "Data")
                .on_hover_text("The selected run's predictions over the input space, with the training data");
        }
        ui.selectable_value(tab, NetworkTab::Layers, "Layers")
            .on_hover_text("The selected run's weight and gradient norm per layer: vanishing and exploding gradients");
        if has_singular_values {
            ui.selectable_value(tab, NetworkTab::SingularValues, "Singular values")
                .on_hover_text("Singular values of the learned matrix, with the target's (dashed)");
        }
        ui.selectable_value(tab, NetworkTab::Plane, "Trajectory plane")
            .on_hover_text("The selected run's path on its top two principal directions, over the loss in that plane");
        if state.scenario.subdifferential.is_some() {
            ui.selectable_value(tab, NetworkTab::Subdifferential, "Subdifferential")
                .on_hover_text("Distance from 0 to the hull of gradients sampled in a small ball around the weights: how far each run is from a Clarke critical point");
        }
        ui.selectable_value(tab, NetworkTab::Spectrum, "Hessian spectrum")
            .on_hover_text("The top Hessian eigenvalues over training (Lanczos), and the spectral density at a chosen step (stochastic Lanczos quadrature)");
        ui.separator();
        selected_run_ui(state, ui);
    });
    match state.views.network.tab {
        NetworkTab::Sharpness => {
            if state.scenario.sharpness_every == 0 {
                ui.label(
                    "Sharpness is off: set sharpness_every in the preset (e.g. 10) to measure it.",
                );
            }
            metrics::metric_plot_ui(state, ui, Metric::Sharpness, "network_sharpness");
        }
        NetworkTab::Data => data_ui(state, ui, network.as_ref()),
        NetworkTab::Layers => layers_ui(state, ui, network.as_ref()),
        NetworkTab::SingularValues => {
            singular_values::singular_values_ui(state, ui, network.as_ref())
        }
        NetworkTab::Plane => plane_ui(state, ui, &network),
        NetworkTab::Subdifferential => subdifferential::subdifferential_ui(state, ui),
        NetworkTab::Spectrum => spectrum_ui(state, ui, &network),
    }
}

/// The run whose network the per-run views show.
fn selected_run_ui(state: &mut AppState, ui: &mut egui::Ui) {
    let count = state.scenario.runs.len();
    if count == 0 {
        return;
    }
    state.selected_run = state.selected_run.min(count - 1);
    let current = &state.scenario.runs[state.selected_run];
    let colour = run_colour(current, state.selected_run, state.prefs.dark);
    let label = ui.label("Run");
    egui::ComboBox::from_id_salt("network_run")
        .selected_text(egui::RichText::new(&current.label).color(colour))
        .show_ui(ui, |ui| {
            for (index, config) in state.scenario.runs.iter().enumerate() {
                ui.selectable_value(
                    &mut state.selected_run,
                    index,
                    egui::RichText::new(&config.label).color(run_colour(
                        config,
                        index,
                        state.prefs.dark,
                    )),
                );
            }
        })
        .response
        .labelled_by(label.id);
}

/// The selected run's records, if it has any.
fn selected_records(state: &AppState) -> &[NetworkRecord] {
    state
        .runs
        .get(state.selected_run)
        .map_or(&[], |run| run.trace.records())
}

/// The most entries any of `records` has in the list `entries` counts (layers, eigenvalues,
/// singular values): the number of curves to draw, 0 without records.
fn most_per_record(records: &[NetworkRecord], entries: impl Fn(&NetworkRecord) -> usize) -> usize {
    records.iter().map(entries).max().unwrap_or(0)
}

fn data_ui(state: &mut AppState, ui: &mut egui::Ui, network: &dyn Network) {
    let Some((train, test)) = network.data() else {
        return;
    };
    match train.input_dim {
        1 => regression_ui(state, ui, network, train, test),
        2 => decision_surface_ui(state, ui, network, train, test),
        _ => {
            ui.label("This network's inputs have more than two features: no picture of them.");
        }
    }
}

/// The rectangle around the data's two input features, with a margin.
fn data_bounds(data: &Dataset) -> [f64; 4] {
    let mut bounds = [
        f64::INFINITY,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NEG_INFINITY,
    ];
    for point in data.inputs.chunks_exact(2) {
        bounds[0] = bounds[0].min(point[0]);
        bounds[1] = bounds[1].min(point[1]);
        bounds[2] = bounds[2].max(point[0]);
        bounds[3] = bounds[3].max(point[1]);
    }
    let margin = 0.15 * (bounds[2] - bounds[0]).max(bounds[3] - bounds[1]).max(1e-9);
    [
        bounds[0] - margin,
        bounds[1] - margin,
        bounds[2] + margin,
        bounds[3] + margin,
    ]
}

/// The two classes' colours: the ends of the diverging map the surface uses.
fn class_colour(class: usize) -> Color32 {
    let [r, g, b] = colorous::RED_BLUE
        .eval_continuous(if class == 0 { 0.1 } else { 0.9 })
        .into_array();
    Color32::from_rgb(r, g, b)
}

/// Evaluates the prediction score on a grid and paints it: red for class 0, blue for class 1,
/// pale where the network is unsure.
fn surface_image(network: &dyn Network, parameters: &[f64], bounds: [f64; 4]) -> egui::ColorImage {
    let n = SURFACE_RESOLUTION;
    let mut inputs = Vec::with_capacity(2 * n * n);
    // Row 0 is the top of the image: the largest y.
    for row in 0..n {
        let y = bounds[3] - (row as f64 + 0.5) / n as f64 * (bounds[3] - bounds[1]);
        for col in 0..n {
            let x = bounds[0] + (col as f64 + 0.5) / n as f64 * (bounds[2] - bounds[0]);
            inputs.extend([x, y]);
        }
    }
    let mut scores = vec![0.0; n * n];
    let x = DVector::from_column_slice(parameters);
    network.predict(&x, &inputs, &mut scores);
    let mut rgba = Vec::with_capacity(4 * n * n);
    for score in scores {
        let t = if score.is_finite() {
            0.5 + 0.4 * score.clamp(-1.0, 1.0)
        } else {
            0.5
        };
        let [r, g, b] = colorous::RED_BLUE.eval_continuous(t).into_array();
        rgba.extend([r, g, b, 255]);
    }
    egui::ColorImage::from_rgba_unmultiplied([n, n], &rgba)
}

fn decision_surface_ui(
    state: &mut AppState,
    ui: &mut egui::Ui,
    network: &dyn Network,
    train: &Dataset,
    test: Option<&Dataset>,
) {
    let bounds = data_bounds(train);
    refresh_surface(state, ui, network, bounds);
    let caption = state
        .views
        .network
        .surface
        .as_ref()
        .map(|c| format!("Predictions of run {} at step {}", c.run + 1, c.step));
    if let Some(caption) = caption {
        ui.weak(caption);
    }
    let surface = state
        .views
        .network
        .surface
        .as_ref()
        .map(|c| (c.texture.id(), c.bounds));
    let mut entries = Vec::new();
    for (data, name) in [(Some(train), "train"), (test, "test")] {
        if let Some(Targets::Classes { count, .. }) = data.map(|d| &d.targets) {
            entries.extend((0..*count).map(|class| {
                LegendEntry::marker(class_colour(class), format!("class {class} ({name})"))
            }));
        }
    }
    super::plot_legend::beside_legend_ui(ui, "decision_surface", &entries, |ui| {
        Plot::new("decision_surface")
            .data_aspect(1.0)
            .show(ui, |plot_ui| {
                if let Some((texture, bounds)) = surface {
                    plot_ui.image(image_over("predictions", texture, bounds));
                }
                for (data, name, filled) in [(Some(train), "train", true), (test, "test", false)] {
                    let Some(data) = data else { continue };
                    let Targets::Classes { labels, count } = &data.targets else {
                        continue;
                    };
                    for class in 0..*count {
                        let points: Vec<[f64; 2]> = data
                            .inputs
                            .chunks_exact(2)
                            .zip(labels)
                            .filter(|(_, label)| **label == class)
                            .map(|(p, _)| [p[0], p[1]])
                            .collect();
                        if filled {
                            // A dark rim under each point: a red point on the red side of the
                            // surface (or blue on blue) still stands out.
                            plot_ui.points(
                                Points::new(
                                    format!("class {class} ({name}) rim"),
                                    PlotPoints::new(points.clone()),
                                )
                                .shape(MarkerShape::Circle)
                                .filled(true)
                                .radius(4.8)
                                .color(Color32::from_black_alpha(200))
                                .allow_hover(false),
                            );
                        }
                        plot_ui.points(
                            Points::new(format!("class {class} ({name})"), PlotPoints::new(points))
                                .shape(MarkerShape::Circle)
                                .filled(filled)
                                .radius(3.5)
                                .color(class_colour(class).gamma_multiply(if filled {
                                    1.0
                                } else {
                                    0.9
                                })),
                        );
                    }
                }
            });
    });
}

/// Redraws the cached decision surface when the selected run has a newer record (at most every
/// `SURFACE_INTERVAL`, as evaluating the network over the grid is the expensive part).
fn refresh_surface(state: &mut AppState, ui: &egui::Ui, network: &dyn Network, bounds: [f64; 4]) {
    let run = state.selected_run;
    // Only the step is read every frame; the parameters are read when the surface is redrawn.
    let latest_step = selected_records(state).last().map(|r| r.step);
    if let Some(step) = latest_step {
        let cache = &state.views.network.surface;
        let stale = cache
            .as_ref()
            .is_none_or(|c| c.run != run || c.step != step || c.bounds != bounds);
        let due = cache
            .as_ref()
            .is_none_or(|c| c.run != run || c.evaluated.elapsed() >= SURFACE_INTERVAL);
        let redraw = stale && due;
        if let Some(record) = selected_records(state).last().filter(|_| redraw) {
            let image = surface_image(network, &record.parameters, bounds);
            match &mut state.views.network.surface {
                Some(cache) => {
                    cache.texture.set(image, egui::TextureOptions::LINEAR);
                    cache.run = run;
                    cache.step = step;
                    cache.bounds = bounds;
                    cache.evaluated = Instant::now();
                }
                None => {
                    let texture = ui.ctx().load_texture(
                        "decision_surface",
                        image,
                        egui::TextureOptions::LINEAR,
                    );
                    state.views.network.surface = Some(SurfaceCache {
                        run,
                        step,
                        bounds,
                        texture,
                        evaluated: Instant::now(),
                    });
                }
            }
        } else if stale {
            ui.ctx().request_repaint_after(SURFACE_INTERVAL);
        }
    }
}

fn regression_ui(
    state: &mut AppState,
    ui: &mut egui::Ui,
    network: &dyn Network,
    train: &Dataset,
    test: Option<&Dataset>,
) {
    let targets = |data: &Dataset| -> Vec<[f64; 2]> {
        match &data.targets {
            Targets::Values(values) => data
                .inputs
                .iter()
                .zip(values)
                .map(|(&x, &y)| [x, y])
                .collect(),
            Targets::Classes { .. } => Vec::new(),
        }
    };
    let (low, high) = train
        .inputs
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
            (lo.min(x), hi.max(x))
        });
    let curve: Option<Vec<[f64; 2]>> = selected_records(state).last().map(|record| {
        let inputs: Vec<f64> = (0..CURVE_POINTS)
            .map(|i| low + (high - low) * i as f64 / (CURVE_POINTS - 1) as f64)
            .collect();
        let mut outputs = vec![0.0; CURVE_POINTS];
        network.predict(
            &DVector::from_column_slice(&record.parameters),
            &inputs,
            &mut outputs,
        );
        inputs
            .into_iter()
            .zip(outputs)
            .map(|(x, y)| [x, y])
            .collect()
    });
    let colour = scenario_run_colour(state, state.selected_run, Color32::WHITE);
    let mut entries = vec![LegendEntry::marker(Color32::GRAY, "train")];
    if test.is_some() {
        entries.push(LegendEntry::marker(Color32::LIGHT_GRAY, "test"));
    }
    if curve.is_some() {
        entries.push(LegendEntry::line(colour, "network"));
    }
    super::plot_legend::beside_legend_ui(ui, "regression", &entries, |ui| {
        Plot::new("regression").show(ui, |plot_ui| {
            plot_ui.points(
                Points::new("train", PlotPoints::new(targets(train)))
                    .radius(2.5)
                    .color(Color32::GRAY),
            );
            if let Some(test) = test {
                plot_ui.points(
                    Points::new("test", PlotPoints::new(targets(test)))
                        .radius(2.5)
                        .filled(false)
                        .color(Color32::LIGHT_GRAY),
                );
            }
            if let Some(curve) = curve {
                plot_ui.line(
                    Line::new("network", PlotPoints::new(curve))
                        .color(colour)
                        .width(2.5),
                );
            }
        });
    });
}

/// One curve per layer: `value` of each record against its step.
fn per_layer_curves(
    records: &[NetworkRecord],
    layer: usize,
    value: impl Fn(&NetworkRecord) -> Option<f64>,
) -> Vec<[f64; 2]> {
    records
        .iter()
        .filter(|r| layer < r.weight_norms.len())
        .filter_map(|r| {
            value(r)
                .filter(|v| *v > 0.0)
                .map(|v| [r.step as f64, v.log10()])
        })
        .collect()
}

/// Distinct colours for layers, light to dark along depth.
fn layer_colour(layer: usize, layers: usize) -> Color32 {
    let t = if layers <= 1 {
        0.5
    } else {
        0.15 + 0.7 * layer as f64 / (layers - 1) as f64
    };
    let [r, g, b] = colorous::PLASMA.eval_continuous(t).into_array();
    Color32::from_rgb(r, g, b)
}

fn layers_ui(state: &mut AppState, ui: &mut egui::Ui, network: &dyn Network) {
    let records = selected_records(state);
    let layers = network.layers();
    let width = (ui.available_width() - 12.0).max(100.0) / 2.0;
    let signal = signal::has_signal(state);
    let rows = if signal { 2.0 } else { 1.0 };
    let height = (ui.available_height() / rows - 6.0).max(80.0);
    ui.horizontal_top(|ui| {
        for (title, grad) in [("‖∇ per layer‖", true), ("‖weights per layer‖", false)] {
            ui.allocate_ui(egui::vec2(width, height), |ui| {
                let entries: Vec<LegendEntry> = layers
                    .iter()
                    .enumerate()
                    .map(|(index, layer)| {
                        LegendEntry::line(layer_colour(index, layers.len()), layer.name.clone())
                    })
                    .collect();
                super::plot_legend::beside_legend_ui(ui, title, &entries, |ui| {
                    let plot = Plot::new(title).x_axis_label("step").y_axis_label(title);
                    let plot = super::log_axis::with_linear_x_ticks(plot);
                    super::log_axis::with_log_y_ticks(plot).show(ui, |plot_ui| {
                        for (index, layer) in layers.iter().enumerate() {
                            let points = per_layer_curves(records, index, |r| {
                                let norms = if grad { &r.grad_norms } else { &r.weight_norms };
                                norms.get(index).copied()
                            });
                            plot_ui.line(
                                Line::new(layer.name.clone(), PlotPoints::new(points))
                                    .color(layer_colour(index, layers.len()))
                                    .width(2.0 * super::line_scale(state)),
                            );
                        }
                    });
                });
            });
        }
    });
    if signal {
        signal::signal_ui(state, ui, width, height);
    }
}
