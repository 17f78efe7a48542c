//! The Singular values view: the singular values σᵢ of the learned matrix of a deep linear network
//! or a factorization over training, each against its target's dashed line, named at its end (the
//! greys of σ's are close on a projector).

use egui_plot::{HLine, Line, Plot, PlotPoints};

use super::{AppState, most_per_record, selected_records};
use crate::network::Network;
use crate::ui::plot_legend::LegendEntry;

pub(super) fn singular_values_ui(state: &mut AppState, ui: &mut egui::Ui, network: &dyn Network) {
    let records = selected_records(state);
    let target: Vec<f64> = network
        .target_singular_values()
        .into_iter()
        .filter(|&s| s > 0.0)
        .collect();
    // The target's singular values and two more, which should stay near zero.
    let count = most_per_record(records, |r| r.singular_values.len()).min(target.len() + 2);
    let mut entries = Vec::new();
    for index in 0..count {
        let colour = crate::ui::palette::sigma_colour(index, count, state.prefs.dark);
        entries.push(LegendEntry::line(colour, format!("σ{}", index + 1)));
        if index < target.len() {
            entries.push(LegendEntry::dashed(
                colour,
                format!("target σ{}", index + 1),
            ));
        }
    }
    crate::ui::plot_legend::beside_legend_ui(ui, "singular_values", &entries, |ui| {
        crate::ui::log_axis::with_linear_x_ticks(Plot::new("singular_values"))
            .x_axis_label("step")
            .y_axis_label("σᵢ of the learned matrix")
            .show(ui, |plot_ui| {
                for index in 0..count {
                    let points: Vec<[f64; 2]> = records
                        .iter()
                        .filter_map(|r| r.singular_values.get(index).map(|&s| [r.step as f64, s]))
                        .collect();
                    // Greys in order, apart from the run colours; close greys are told apart
                    // by the name written at each curve's end.
                    let colour = crate::ui::palette::sigma_colour(index, count, state.prefs.dark);
                    // Only the target's σ's are named: the others stay near 0, under the last name.
                    if let Some(&[step, value]) = points.last().filter(|_| index < target.len()) {
                        plot_ui.text(
                            egui_plot::Text::new(
                                format!("σ{} name", index + 1),
                                egui_plot::PlotPoint::new(step, value),
                                egui::RichText::new(format!("σ{} ", index + 1))
                                    .size(16.0)
                                    .strong(),
                            )
                            .color(colour)
                            .anchor(egui::Align2::RIGHT_BOTTOM),
                        );
                    }
                    plot_ui.line(
                        Line::new(format!("σ{}", index + 1), PlotPoints::new(points))
                            .color(colour)
                            .width(2.0 * crate::ui::line_scale(state)),
                    );
                    if let Some(&value) = target.get(index) {
                        plot_ui.hline(
                            HLine::new(format!("target σ{}", index + 1), value)
                                .color(colour)
                                .style(egui_plot::LineStyle::dashed_loose()),
                        );
                    }
                }
            });
    });
}
