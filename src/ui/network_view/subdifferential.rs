//! The distance from 0 to the sampled ε-subdifferential of a network's loss over training, one
//! curve per run on a log scale (Davis et al. 2020: the stochastic subgradient method drives it to
//! 0 on ReLU networks). Drawn from the runs' records, where the lesson's `subdifferential:`
//! settings have them measured.

use egui_plot::{Line, Plot, PlotPoints};

use crate::app::AppState;
use crate::ui::plot_legend::LegendEntry;

/// The curves of every visible run.
pub(super) fn subdifferential_ui(state: &AppState, ui: &mut egui::Ui) {
    let Some(settings) = &state.scenario.subdifferential else {
        ui.label(
            "Not measured: add subdifferential: (radius: 0.01, samples: 8) to the preset to record it.",
        );
        return;
    };
    let title = format!(
        "dist(0, ∂ε f), ε = {}, {} sampled gradients",
        crate::ui::format_number(settings.radius),
        settings.samples
    );
    let mut entries = Vec::new();
    let mut curves = Vec::new();
    for (index, run) in state.runs.iter().enumerate() {
        let Some(config) = state.scenario.runs.get(index) else {
            continue;
        };
        if !run.visible {
            continue;
        }
        let colour = crate::ui::run_colour(config, index, state.prefs.dark);
        let points: Vec<[f64; 2]> = run
            .trace
            .records()
            .iter()
            .filter_map(|record| {
                record
                    .subdifferential_distance
                    .filter(|d| *d > 0.0)
                    .map(|d| [record.step as f64, d.log10()])
            })
            .collect();
        entries.push(LegendEntry::line(colour, config.label.clone()));
        curves.push((config.label.clone(), colour, points));
    }
    let width = 2.0 * crate::ui::line_scale(state);
    crate::ui::plot_legend::beside_legend_ui(ui, &title, &entries, |ui| {
        let plot = crate::ui::log_axis::with_linear_x_ticks(Plot::new("network_subdifferential"))
            .x_axis_label("step")
            .y_axis_label("dist(0, ∂ε f)");
        crate::ui::log_axis::with_log_y_ticks(plot).show(ui, |plot_ui| {
            for (label, colour, points) in curves {
                plot_ui.line(
                    Line::new(label, PlotPoints::new(points))
                        .color(colour)
                        .width(width),
                );
            }
        });
    });
}
