//! The runs table under the metric plot: every run's status, steps, evaluations, loss and distance
//! (or accuracy).

use crate::app::AppState;
use crate::engine::DEFAULT_BUDGET;

use super::{format_number, run_colour};

/// Draws the table of every run's status. It scrolls sideways when its panel is narrower than its
/// columns (a projector at a large scale) and down when it has more rows than fit, in one scroll
/// area so both bars stay at the edges of what is shown; clicking a row selects that run, and the
/// row under the pointer is the hovered run every view highlights.
pub fn results_table_ui(state: &mut AppState, ui: &mut egui::Ui) {
    // Not wider than what the panel shows, so that the last column scrolls fully into view.
    let shown_width = ui.clip_rect().right() - ui.cursor().left();
    egui::ScrollArea::both()
        .id_salt("results_columns")
        .max_width(ui.available_width().min(shown_width))
        .show(ui, |ui| {
            let clip = ui.clip_rect();
            ui.ctx()
                .data_mut(|data| data.insert_temp(visible_rect_id(), clip));
            let hovered = table_ui(state, ui);
            state.hover_from(crate::app::HoverSource::Table, hovered);
        });
}

fn visible_rect_id() -> egui::Id {
    egui::Id::unique("results_table_visible")
}

/// Where the runs table was visible last frame (its scroll area's clip), for tests that check
/// every column can be seen.
pub fn visible_rect(ctx: &egui::Context) -> Option<egui::Rect> {
    ctx.data(|data| data.get_temp(visible_rect_id()))
}

/// The column headings, the last one's name depending on the problem.
pub fn headings(network: bool) -> [&'static str; 7] {
    [
        "",
        "run",
        "status",
        "steps",
        "evaluations",
        "loss",
        if network { "accuracy" } else { "distance" },
    ]
}

/// The grid of rows; returns the row under the pointer.
fn table_ui(state: &mut AppState, ui: &mut egui::Ui) -> Option<usize> {
    let landscape = state.landscape.clone();
    let network = state.network.is_some();
    let mut hovered = None;
    let mut clicked = None;
    egui::Grid::new("results")
        .striped(true)
        .num_columns(7)
        .show(ui, |ui| {
            for heading in headings(network) {
                ui.strong(heading);
            }
            ui.end_row();
            for (index, run) in state.runs.iter_mut().enumerate() {
                let Some(config) = state.scenario.runs.get(index) else {
                    continue;
                };
                // The row's ground is drawn under its cells once their extent is known.
                let ground = ui.painter().add(egui::Shape::Noop);
                let mut row = ui
                    .checkbox(&mut run.visible, "")
                    .on_hover_text("Show this run's path")
                    .rect;
                let mut row_clicked = false;
                let mut cell = |ui: &mut egui::Ui, text: egui::RichText| {
                    let response = ui.add(egui::Label::new(text).sense(egui::Sense::click()));
                    row = row.union(response.rect);
                    row_clicked |= response.clicked();
                    response
                };
                cell(
                    ui,
                    egui::RichText::new(&config.label).color(run_colour(config, index, state.prefs.dark)),
                );
                let status = cell(ui, run.trace.status.summary().into());
                if let Some(reason) = run.trace.status.explanation() {
                    status.on_hover_text(reason);
                }
                let latest = run.trace.latest().copied();
                let steps = latest.map(|s| s.step.to_string()).unwrap_or_default();
                if run.trace.is_thinned() {
                    // Memory stays bounded on long runs: say that older points were dropped.
                    cell(ui, format!("{steps} (thinned)").into()).on_hover_text(format!(
                        "At most {DEFAULT_BUDGET} points are kept: the newest {} steps all, the older path at an even spacing that doubles as the run grows; the plots and exports show what is kept (optiviz run writes every step)",
                        DEFAULT_BUDGET / 2
                    ));
                } else {
                    cell(ui, steps.into());
                }
                cell(ui, latest.map(|s| s.evals.to_string()).unwrap_or_default().into());
                cell(ui, latest.map(|s| format_number(s.loss)).unwrap_or_default().into());
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
                cell(ui, last_column.unwrap_or_else(|| "–".to_owned()).into());
                ui.end_row();
                let rect = row.expand2(egui::vec2(2.0, 1.0));
                if row_clicked {
                    clicked = Some(index);
                }
                let pointed = ui.rect_contains_pointer(rect);
                if pointed {
                    hovered = Some(index);
                }
                let fill = if state.selected_run == index {
                    ui.visuals().selection.bg_fill.gamma_multiply(0.35)
                } else if pointed {
                    ui.visuals().widgets.hovered.weak_bg_fill
                } else {
                    continue;
                };
                ui.painter()
                    .set(ground, egui::Shape::rect_filled(rect, 2.0, fill));
            }
        });
    if let Some(index) = clicked {
        state.select_run(index);
    }
    hovered
}
