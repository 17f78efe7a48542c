//! The runs table under the metric plot: every run's status, steps, evaluations, loss and distance
//! (or accuracy).

use crate::app::AppState;
use crate::engine::DEFAULT_BUDGET;

use super::{format_number, run_colour};

/// Draws the table of every run's status.
pub fn results_table_ui(state: &mut AppState, ui: &mut egui::Ui) {
    let landscape = state.landscape.clone();
    let network = state.network.is_some();
    egui::Grid::new("results")
        .striped(true)
        .num_columns(7)
        .show(ui, |ui| {
            for heading in [
                "",
                "run",
                "status",
                "steps",
                "evaluations",
                "loss",
                if network { "accuracy" } else { "distance" },
            ] {
                ui.strong(heading);
            }
            ui.end_row();
            for (index, run) in state.runs.iter_mut().enumerate() {
                let Some(config) = state.scenario.runs.get(index) else {
                    continue;
                };
                ui.checkbox(&mut run.visible, "")
                    .on_hover_text("Show this run's path");
                ui.colored_label(run_colour(config, index, state.prefs.dark), &config.label);
                let label = ui.label(run.trace.status.summary());
                if let Some(reason) = run.trace.status.explanation() {
                    label.on_hover_text(reason);
                }
                let latest = run.trace.latest().copied();
                let steps = latest.map(|s| s.step.to_string()).unwrap_or_default();
                if run.trace.is_thinned() {
                    // Memory stays bounded on long runs: say that older points were dropped.
                    ui.label(format!("{steps} (thinned)")).on_hover_text(format!(
                        "At most {DEFAULT_BUDGET} points are kept: the newest {} steps all, the older path at an even spacing that doubles as the run grows; the plots and exports show what is kept (optiviz run writes every step)",
                        DEFAULT_BUDGET / 2
                    ));
                } else {
                    ui.label(steps);
                }
                ui.label(latest.map(|s| s.evals.to_string()).unwrap_or_default());
                ui.label(latest.map(|s| format_number(s.loss)).unwrap_or_default());
                let last_column = if network {
                    run.trace
                        .measured()
                        .iter()
                        .rev()
                        .find_map(|s| s.accuracy)
                        .map(|accuracy| format!("{:.1} %", 100.0 * accuracy))
                } else {
                    latest
                        .zip(landscape.as_ref())
                        .and_then(|(s, l)| l.distance_to_minimizer(s.point))
                        .map(format_number)
                };
                ui.label(last_column.unwrap_or_else(|| "–".to_owned()));
                ui.end_row();
            }
        });
}
