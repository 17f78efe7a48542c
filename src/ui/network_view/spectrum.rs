//! The Hessian spectrum view: the top Hessian eigenvalues of the selected run over training (the
//! Lanczos estimates recorded with its sharpness), and the spectral density of the Hessian at a
//! chosen record by stochastic Lanczos quadrature (Ghorbani et al. 2019), computed as a job.

use std::sync::Arc;
use std::time::Duration;

use egui::Color32;
use egui_plot::{Line, Plot, PlotPoints, VLine};
use nalgebra::DVector;

use super::{AppState, most_per_record, selected_records};
use crate::analysis::spectral_density::{SlqSettings, SpectralDensity, spectral_density};
use crate::engine::Job;
use crate::network::Network;
use crate::ui::job_poll::take_finished;
use crate::ui::plot_legend::{LegendEntry, beside_legend_ui};

/// How often a running job's progress is redrawn while it works on a thread.
const PROGRESS_INTERVAL: Duration = Duration::from_millis(100);
/// Densities below this are drawn at it (the plot's y axis is logarithmic).
const DENSITY_FLOOR: f64 = 1e-6;

/// A density computed for one record of one run.
pub(super) struct DensityResult {
    run: usize,
    step: u64,
    density: SpectralDensity,
}

/// The spectrum view's state between frames.
#[derive(Default)]
pub(super) struct SpectrumState {
    /// The record whose density is asked for (`None`: the latest).
    chosen_step: Option<u64>,
    density: Option<DensityResult>,
    job: Option<Job<DensityResult>>,
    error: Option<String>,
}

/// Colour of the i-th largest eigenvalue's curve.
fn eigenvalue_colour(index: usize, dark: bool) -> Color32 {
    crate::ui::palette::sigma_colour(index, 3, dark)
}

/// Draws the view.
pub(super) fn spectrum_ui(state: &mut AppState, ui: &mut egui::Ui, network: &Arc<dyn Network>) {
    collect_density(state, ui.ctx());
    let steps: Vec<u64> = selected_records(state).iter().map(|r| r.step).collect();
    let Some(&latest) = steps.last() else {
        ui.label("No records yet: press Play or Step");
        return;
    };
    let chosen = state.views.network.spectrum.chosen_step.unwrap_or(latest);
    let mut index = steps.partition_point(|&s| s < chosen).min(steps.len() - 1);
    ui.horizontal(|ui| {
        ui.label("Density at step");
        let max = steps.len() - 1;
        let shown = steps[index].to_string();
        let slider = egui::Slider::new(&mut index, 0..=max)
            .show_value(false)
            .text(shown);
        if ui.add(slider).changed() {
            state.views.network.spectrum.chosen_step = (index < max).then_some(steps[index]);
        }
        let busy = state.views.network.spectrum.job.is_some();
        let button = ui
            .add_enabled(!busy, egui::Button::new("Compute density"))
            .on_hover_text(
                "Stochastic Lanczos quadrature: 4 random probes, 40 Lanczos steps each, Ritz \
                 values broadened by a Gaussian and weighted by their squared first components",
            );
        if button.clicked() {
            start_density_job(state, network, steps[index]);
        }
        if busy {
            ui.spinner();
        }
        if let Some(error) = &state.views.network.spectrum.error {
            ui.colored_label(ui.visuals().error_fg_color, error);
        }
    });
    let chosen_step = steps[index];
    let measured = (selected_records(state).iter()).any(|r| !r.top_eigenvalues.is_empty());
    if !measured {
        ui.label("Top eigenvalues are measured with the sharpness: set sharpness_every (e.g. 10)");
    }
    let columns = if measured { 2.0 } else { 1.0 };
    let width = (ui.available_width() - 12.0).max(100.0) / columns;
    let height = ui.available_height().max(80.0);
    ui.horizontal_top(|ui| {
        if measured {
            ui.allocate_ui(egui::vec2(width, height), |ui| {
                top_eigenvalues_ui(state, ui, chosen_step);
            });
        }
        ui.allocate_ui(egui::vec2(width, height), |ui| {
            ui.vertical(|ui| density_ui(state, ui));
        });
    });
}

/// λ₁, λ₂, λ₃ of the selected run against steps, with the chosen step marked.
fn top_eigenvalues_ui(state: &AppState, ui: &mut egui::Ui, chosen_step: u64) {
    let records = selected_records(state);
    let count = most_per_record(records, |r| r.top_eigenvalues.len());
    let dark = state.prefs.dark;
    let entries: Vec<LegendEntry> = (0..count)
        .map(|i| LegendEntry::line(eigenvalue_colour(i, dark), format!("λ{}", i + 1)))
        .collect();
    beside_legend_ui(ui, "top_eigenvalues", &entries, |ui| {
        crate::ui::log_axis::with_linear_x_ticks(Plot::new("top_eigenvalues"))
            .x_axis_label("step")
            .y_axis_label("top Hessian eigenvalues")
            .show(ui, |plot_ui| {
                for i in 0..count {
                    let points: Vec<[f64; 2]> = (records.iter())
                        .filter_map(|r| r.top_eigenvalues.get(i).map(|&l| [r.step as f64, l]))
                        .collect();
                    plot_ui.line(
                        Line::new(format!("λ{}", i + 1), PlotPoints::new(points))
                            .color(eigenvalue_colour(i, dark))
                            .width(2.0 * crate::ui::line_scale(state)),
                    );
                }
                plot_ui.vline(
                    VLine::new("chosen step", chosen_step as f64)
                        .color(Color32::GRAY)
                        .style(egui_plot::LineStyle::dashed_loose()),
                );
            });
    });
}

/// The density φ(λ) on a log scale, with its caption.
fn density_ui(state: &AppState, ui: &mut egui::Ui) {
    let spectrum = &state.views.network.spectrum;
    let Some(result) = spectrum
        .density
        .as_ref()
        .filter(|r| r.run == state.selected_run)
    else {
        ui.label("Choose a step and press Compute density");
        return;
    };
    let density = &result.density;
    let (lowest, highest) = (
        density.nodes.first().map_or(f64::NAN, |n| n.0),
        density.nodes.last().map_or(f64::NAN, |n| n.0),
    );
    ui.weak(format!(
        "Hessian spectral density at step {}: λ from {} to {}, σ = {}",
        result.step,
        crate::number_format::short_number(lowest),
        crate::number_format::short_number(highest),
        crate::number_format::short_number(density.sigma),
    ));
    let points: Vec<[f64; 2]> = (density.grid.iter().zip(&density.density))
        .map(|(&t, &phi)| [t, phi.max(DENSITY_FLOOR).log10()])
        .collect();
    let colour = (state.scenario.runs.get(result.run)).map_or(Color32::GRAY, |run| {
        crate::ui::run_colour(run, result.run, state.prefs.dark)
    });
    let plot = Plot::new("spectral_density")
        .x_axis_label("eigenvalue λ")
        .y_axis_label("density φ(λ)");
    crate::ui::log_axis::with_log_y_ticks(plot).show(ui, |plot_ui| {
        plot_ui.line(
            Line::new("density", PlotPoints::new(points))
                .color(colour)
                .width(2.0 * crate::ui::line_scale(state)),
        );
        plot_ui.vline(
            VLine::new("λ = 0", 0.0)
                .color(Color32::GRAY)
                .style(egui_plot::LineStyle::dashed_loose()),
        );
    });
}

/// Starts the density of the selected run's record at `step` as a job.
fn start_density_job(state: &mut AppState, network: &Arc<dyn Network>, step: u64) {
    let run = state.selected_run;
    let Some(record) = selected_records(state).iter().find(|r| r.step == step) else {
        return;
    };
    let x = DVector::from_column_slice(&record.parameters);
    let network = network.clone();
    let job = Job::run(&state.jobs, "the spectral density", 1, move |_control| {
        let dim = network.dim();
        let density = spectral_density(
            dim,
            |v, out| network.hvp(&x, v, out),
            &SlqSettings::default(),
        )
        .ok_or("a Hessian-vector product was not finite")?;
        Ok(DensityResult { run, step, density })
    });
    state.views.network.spectrum.error = None;
    state.views.network.spectrum.job = Some(job);
}

/// Takes a finished density job's result.
fn collect_density(state: &mut AppState, ctx: &egui::Context) {
    let spectrum = &mut state.views.network.spectrum;
    match take_finished(&mut spectrum.job, &state.jobs, Some(PROGRESS_INTERVAL), ctx) {
        Some(Ok(result)) => spectrum.density = Some(result),
        Some(Err(message)) => spectrum.error = Some(message),
        None => {}
    }
}
