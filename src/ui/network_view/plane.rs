//! The trajectory plane: the principal directions of a run's recorded parameters, the path
//! projected onto them and the training loss over that plane, fitted as a background job.

use std::sync::Arc;
use std::time::Duration;

use egui::Color32;
use egui_plot::{Line, Plot, PlotPoints, Points};

use super::{AppState, selected_records};
use crate::analysis::contour::Colormap;
use crate::analysis::geometry::trajectory_plane::{TrajectoryPlane, TrajectoryPlanePieces};
use crate::analysis::projection::{LossGrid, Plane};
use crate::engine::{Job, Pieces};
use crate::network::Network;
use crate::objective::Objective;
use crate::ui::job_poll::take_finished;
use crate::ui::palette::scenario_run_colour;
use crate::ui::plot_image::image_over;
use crate::ui::plot_legend::LegendEntry;

/// How often a running job's progress is redrawn while it works on a thread.
const PROGRESS_INTERVAL: Duration = Duration::from_millis(100);

/// Snapshots the principal directions are fitted to at most.
const PLANE_SNAPSHOTS: usize = 200;
/// Cells per side of the loss surface over the plane.
const PLANE_RESOLUTION: usize = 48;

/// A fitted plane with the path on it and the loss over it.
pub(super) struct PlaneResult {
    run: usize,
    last_step: u64,
    plane: Plane,
    path: Vec<[f64; 2]>,
    grid: LossGrid,
}

/// Fits the plane to the selected run's snapshots and computes the loss over it, as a job.
fn start_plane_job(state: &mut AppState, network: &Arc<dyn Network>) {
    let records = selected_records(state);
    let run = state.selected_run;
    let Some(last_step) = records.last().map(|r| r.step) else {
        state.views.network.plane_error = Some("the run has no recorded steps yet".to_owned());
        return;
    };
    let snapshots: Vec<Vec<f64>> = records.iter().map(|r| r.parameters.clone()).collect();
    let objective: Arc<dyn Objective> = network.clone();
    let pieces =
        TrajectoryPlanePieces::new(objective, snapshots, PLANE_SNAPSHOTS, PLANE_RESOLUTION)
            .map_output(move |fitted| {
                Ok(
                    fitted.map(|TrajectoryPlane { plane, path, grid }| PlaneResult {
                        run,
                        last_step,
                        plane,
                        path,
                        grid,
                    }),
                )
            });
    let job = Job::start_pieces(&state.jobs, "the trajectory plane", pieces);
    state.views.network.plane_error = None;
    state.views.network.plane_job = Some(job);
}

/// Takes a finished plane job's result.
fn collect_plane(state: &mut AppState, ctx: &egui::Context) {
    let slot = &mut state.views.network.plane_job;
    let result = match take_finished(slot, &state.jobs, Some(PROGRESS_INTERVAL), ctx) {
        Some(Ok(result)) => result,
        Some(Err(message)) => {
            state.views.network.plane_error = Some(message);
            return;
        }
        None => return,
    };
    match result {
        Some(result) => {
            let image = plane_image(&result.grid);
            let texture = ctx.load_texture("loss_plane", image, egui::TextureOptions::LINEAR);
            state.views.network.plane = Some((result, texture));
        }
        None => {
            state.views.network.plane_error = Some(
                "no plane: the path needs at least three recorded points that do not all coincide"
                    .to_owned(),
            );
        }
    }
}

/// log₁₀ of the loss over the plane, coloured like the landscape contours.
fn plane_image(grid: &LossGrid) -> egui::ColorImage {
    let n = grid.resolution;
    let logs: Vec<f64> = grid
        .values
        .iter()
        .map(|v| {
            if *v > 0.0 && v.is_finite() {
                v.log10()
            } else {
                f64::NAN
            }
        })
        .collect();
    let (low, high) = logs
        .iter()
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    let span = (high - low).max(1e-12);
    let mut rgba = vec![0; 4 * n * n];
    // Grid rows run from y_min up; image rows from the top down.
    for row in 0..n {
        for col in 0..n {
            let value = logs[row * n + col];
            let [r, g, b] = Colormap::Viridis.rgb((value - low) / span);
            let pixel = 4 * ((n - 1 - row) * n + col);
            rgba[pixel..pixel + 4].copy_from_slice(&[r, g, b, 255]);
        }
    }
    egui::ColorImage::from_rgba_unmultiplied([n, n], &rgba)
}

pub(super) fn plane_ui(state: &mut AppState, ui: &mut egui::Ui, network: &Arc<dyn Network>) {
    collect_plane(state, ui.ctx());
    let busy = state.views.network.plane_job.is_some();
    ui.horizontal(|ui| {
        if ui
            .add_enabled(!busy, egui::Button::new("Fit plane to the path"))
            .on_hover_text("Principal directions of the selected run's recorded parameters, and the training loss over their plane")
            .clicked()
        {
            start_plane_job(state, network);
        }
        if busy {
            ui.spinner();
            if ui.button("Cancel").clicked() {
                state.views.network.plane_job = None;
            }
        }
        if let Some(error) = &state.views.network.plane_error {
            ui.colored_label(ui.visuals().error_fg_color, error);
        }
    });
    ui.weak(
        "The plane is fitted to this path, so the path seems to lie in it; the loss over the plane \
         is one slice of a landscape with as many dimensions as the network has weights.",
    );
    let Some((result, texture)) = &state.views.network.plane else {
        ui.label("Run the network for a while, then fit a plane to its path.");
        return;
    };
    ui.weak(format!(
        "Run {} up to step {}: the two directions hold {:.0} % and {:.0} % of the path's variance",
        result.run + 1,
        result.last_step,
        100.0 * result.plane.explained[0],
        100.0 * result.plane.explained[1],
    ));
    let colour = scenario_run_colour(state, result.run, Color32::WHITE);
    let (x_min, x_max) = result.grid.x_range;
    let (y_min, y_max) = result.grid.y_range;
    let texture_id = texture.id();
    let entries = [
        LegendEntry::line(colour, "path"),
        LegendEntry::marker(colour, "start (ring), end (dot)"),
    ];
    crate::ui::plot_legend::beside_legend_ui(ui, "trajectory_plane", &entries, |ui| {
        Plot::new("trajectory_plane")
            .data_aspect(1.0)
            .x_axis_label("first direction")
            .y_axis_label("second direction")
            .show(ui, |plot_ui| {
                let bounds = [x_min, y_min, x_max, y_max];
                plot_ui.image(image_over("log₁₀ loss", texture_id, bounds));
                plot_ui.line(
                    Line::new("path", PlotPoints::new(result.path.clone()))
                        .color(colour)
                        .width(2.0 * crate::ui::line_scale(state)),
                );
                if let (Some(first), Some(last)) = (result.path.first(), result.path.last()) {
                    plot_ui.points(
                        Points::new("start", PlotPoints::new(vec![*first]))
                            .radius(5.0)
                            .filled(false)
                            .color(colour),
                    );
                    plot_ui.points(
                        Points::new("end", PlotPoints::new(vec![*last]))
                            .radius(5.0)
                            .color(colour),
                    );
                }
            });
    });
}
