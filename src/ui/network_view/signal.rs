//! The lower row of the Layers view: how far the signal survives the depth (the RMS of each hidden
//! layer's activations over the training set, Glorot & Bengio 2010; He et al. 2015) and how far the
//! weights have moved from their start, ‖θ − θ₀‖/‖θ₀‖ (small in the lazy regime, Chizat, Oyallon &
//! Bach 2019).

use egui_plot::{Line, Plot, PlotPoints};

use super::{AppState, layer_colour, most_per_record, selected_records};
use crate::ui::plot_legend::{LegendEntry, beside_legend_ui};

/// Points (step, log₁₀ value) of the positive finite values.
fn log_curve(points: impl Iterator<Item = (u64, f64)>) -> Vec<[f64; 2]> {
    points
        .filter(|(_, v)| *v > 0.0 && v.is_finite())
        .map(|(step, v)| [step as f64, v.log10()])
        .collect()
}

/// Whether the selected run's records carry what this row draws.
pub(super) fn has_signal(state: &AppState) -> bool {
    selected_records(state)
        .iter()
        .any(|r| !r.activation_rms.is_empty() || r.relative_weight_change.is_finite())
}

/// Activation RMS per hidden layer and the relative weight change, side by side.
pub(super) fn signal_ui(state: &AppState, ui: &mut egui::Ui, width: f32, height: f32) {
    let records = selected_records(state);
    let hidden = most_per_record(records, |r| r.activation_rms.len());
    let scale = crate::ui::line_scale(state);
    ui.horizontal_top(|ui| {
        ui.allocate_ui(egui::vec2(width, height), |ui| {
            let title = "activation RMS per hidden layer";
            let entries: Vec<LegendEntry> = (0..hidden)
                .map(|i| LegendEntry::line(layer_colour(i, hidden), format!("hidden {}", i + 1)))
                .collect();
            beside_legend_ui(ui, title, &entries, |ui| {
                let plot = Plot::new(title).x_axis_label("step").y_axis_label(title);
                let plot = crate::ui::log_axis::with_linear_x_ticks(plot);
                crate::ui::log_axis::with_log_y_ticks(plot).show(ui, |plot_ui| {
                    for layer in 0..hidden {
                        let values = (records.iter())
                            .filter_map(|r| r.activation_rms.get(layer).map(|&v| (r.step, v)));
                        let points: PlotPoints = log_curve(values).into();
                        plot_ui.line(
                            Line::new(format!("hidden {}", layer + 1), points)
                                .color(layer_colour(layer, hidden))
                                .width(2.0 * scale),
                        );
                    }
                });
            });
        });
        ui.allocate_ui(egui::vec2(width, height), |ui| {
            let title = "‖θ − θ₀‖ / ‖θ₀‖";
            let colour = layer_colour(0, 1);
            let entries = [LegendEntry::line(colour, "weight change")];
            beside_legend_ui(ui, "relative_weight_change", &entries, |ui| {
                let plot =
                    crate::ui::log_axis::with_linear_x_ticks(Plot::new("relative_weight_change"))
                        .x_axis_label("step")
                        .y_axis_label(title);
                crate::ui::log_axis::with_log_y_ticks(plot).show(ui, |plot_ui| {
                    let values = (records.iter()).map(|r| (r.step, r.relative_weight_change));
                    let points: PlotPoints = log_curve(values).into();
                    plot_ui.line(
                        Line::new("weight change", points)
                            .color(colour)
                            .width(2.0 * scale),
                    );
                });
            });
        });
    });
}
