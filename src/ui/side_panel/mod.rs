//! The side panel: the lesson's notes, the problem and its parameters, and the runs with their
//! optimizers and hyperparameters.

use crate::app::{AppState, EditApplies, StartMode};
use crate::landscape::expression::{Expression, RELU_GRAD_AT_ZERO_CHOICES};
use crate::landscape::{Formula, LandscapeConfig, Transform};
use crate::scenario::{Problem, RunConfig};
use crate::ui::hinted_button;

use super::run_colour;
use run_settings::run_settings_ui;

mod run_settings;

/// The side panel at the window's right edge; in presentation mode folded to a narrow strip that
/// opens it on demand, so the canvas keeps the width of the screen.
pub fn side_panel_or_strip_ui(state: &mut AppState, ui: &mut egui::Ui) {
    if state.prefs.presenting && !state.notes_strip_open {
        egui::Panel::right("notes_strip")
            .resizable(false)
            .exact_size(NOTES_STRIP_WIDTH)
            .show(ui, |ui| {
                ui.vertical_centered_justified(|ui| {
                    if hinted_button(
                        ui,
                        "◀ Notes",
                        "Open the lesson's notes, the problem and the runs",
                    ) {
                        state.notes_strip_open = true;
                    }
                    if !super::presentation_hides(state).hide_notes {
                        super::worksheet::checklist_strip_ui(state, ui);
                    }
                });
            });
        return;
    }
    egui::Panel::right("side_panel")
        .resizable(true)
        .default_size(360.0)
        .show(ui, |ui| {
            if state.prefs.presenting
                && ui
                    .button("Fold the notes ▶")
                    .on_hover_text("Give the canvas the width again")
                    .clicked()
            {
                state.notes_strip_open = false;
            }
            side_panel_ui(state, ui);
        });
}

/// The width of the folded notes in presentation mode, in points.
pub const NOTES_STRIP_WIDTH: f32 = 84.0;

/// Draws the side panel.
pub fn side_panel_ui(state: &mut AppState, ui: &mut egui::Ui) {
    // In presentation mode the lesson decides which sections stay.
    let hidden = super::presentation_hides(state);
    egui::ScrollArea::vertical().show(ui, |ui| {
        ui.heading(&state.scenario.name);
        if !hidden.hide_notes {
            super::worksheet::worksheet_ui(state, ui);
        }
        if !state.scenario.notes.is_empty() && !hidden.hide_notes {
            // A lesson with a worksheet keeps its free notes folded.
            egui::CollapsingHeader::new("Notes")
                .default_open(state.scenario.notice.is_empty())
                .show(ui, |ui| ui.label(&state.scenario.notes));
        }
        if !hidden.hide_problem {
            ui.separator();
            problem_ui(state, ui);
        }
        if !hidden.hide_runs {
            ui.separator();
            runs_ui(state, ui);
        }
    });
}

/// Every problem the picker offers, with its default parameters and a description.
fn problem_catalog() -> Vec<(Problem, &'static str)> {
    Problem::catalog()
        .into_iter()
        .map(|problem| {
            let description = problem.description();
            (problem, description)
        })
        .collect()
}

fn problem_ui(state: &mut AppState, ui: &mut egui::Ui) {
    ui.strong("Problem");
    let current_name = state.scenario.problem.name();
    let catalog = problem_catalog();
    let description = catalog
        .iter()
        .find(|(problem, _)| problem.name() == current_name)
        .map_or("", |(_, description)| *description);
    let mut chosen = None;
    egui::ComboBox::from_id_salt("landscape")
        .selected_text(current_name)
        .width(200.0)
        .show_ui(ui, |ui| {
            for (candidate, description) in catalog.iter() {
                if candidate.is_network() && !catalog_has_network_before(&catalog, candidate) {
                    ui.separator();
                    ui.weak("Networks");
                }
                let selected = candidate.name() == current_name;
                if ui
                    .selectable_label(selected, candidate.name())
                    .on_hover_text(*description)
                    .clicked()
                    && !selected
                {
                    chosen = Some(candidate.clone());
                }
            }
        })
        .response
        .on_hover_text(description);
    ui.weak(description);
    if let Some(candidate) = chosen {
        state.set_problem(candidate);
        return;
    }
    match state.scenario.problem.clone() {
        Problem::Landscape(current) => landscape_parameters_ui(state, &current, ui),
        _ => network_definition_ui(state, ui),
    }
}

/// Whether a network problem comes before `candidate` in the catalog (to head the group once).
fn catalog_has_network_before(catalog: &[(Problem, &'static str)], candidate: &Problem) -> bool {
    catalog
        .iter()
        .take_while(|(problem, _)| problem.name() != candidate.name())
        .any(|(problem, _)| problem.is_network())
}

/// A network's definition as editable preset text: widths, activation, data, initialization… are
/// nested values that one generic text field covers better than a widget per field.
fn network_definition_ui(state: &mut AppState, ui: &mut egui::Ui) {
    let current = crate::scenario::problem_to_ron(&state.scenario.problem).unwrap_or_default();
    let mut draft = state
        .views
        .network
        .problem_draft
        .clone()
        .unwrap_or_else(|| current.clone());
    let response = ui.add(
        egui::TextEdit::multiline(&mut draft)
            .code_editor()
            .desired_rows(6)
            .desired_width(f32::INFINITY),
    );
    response.on_hover_text(
        "The problem as in a preset: change widths, activation, loss, data, init, init_scale or seed, then Apply",
    );
    let changed = draft != current;
    state.views.network.problem_draft = changed.then(|| draft.clone());
    ui.horizontal(|ui| {
        if ui
            .add_enabled(changed, egui::Button::new("Apply"))
            .on_hover_text("Rebuild the network and restart every run")
            .clicked()
        {
            match crate::scenario::parse_problem(&draft) {
                Ok(problem) => {
                    state.views.network.problem_draft = None;
                    state.set_problem(problem);
                }
                Err(error) => state.error(error),
            }
        }
        if ui
            .add_enabled(changed, egui::Button::new("Revert"))
            .on_hover_text("Go back to the problem as it runs now")
            .clicked()
        {
            state.views.network.problem_draft = None;
        }
    });
}

/// The formula of a `Formula` landscape, checked as it is typed: the error points at its character,
/// and the landscape changes when the formula parses and the field loses focus (or Enter).
fn formula_ui(state: &mut AppState, current: &Formula, ui: &mut egui::Ui) {
    let mut draft = state
        .views
        .landscape
        .formula_draft
        .clone()
        .unwrap_or_else(|| current.expr.clone());
    let label = ui.label("f(x, y) =");
    let response = ui
        .add(
            egui::TextEdit::singleline(&mut draft)
                .code_editor()
                .desired_width(f32::INFINITY),
        )
        .labelled_by(label.id)
        .on_hover_text(
            "x, y, numbers, pi, e; + − * / ^; sin cos tan exp log sqrt abs tanh sigmoid relu softplus max(a, b) min(a, b)",
        );
    let parsed = Expression::parse(&draft);
    if let Err(error) = &parsed {
        // A caret under the offending character (the field is monospace).
        let caret = format!("{}^", " ".repeat(error.position));
        ui.label(
            egui::RichText::new(caret)
                .monospace()
                .color(ui.visuals().error_fg_color),
        );
        ui.colored_label(
            ui.visuals().error_fg_color,
            format!("at character {}: {}", error.position + 1, error.message),
        );
    }
    let commit = response.lost_focus() && draft != current.expr;
    if commit && parsed.is_ok() {
        state.views.landscape.formula_draft = None;
        state.set_problem(Problem::Landscape(LandscapeConfig::Formula(Formula {
            expr: draft,
            ..current.clone()
        })));
    } else {
        state.views.landscape.formula_draft = (draft != current.expr).then_some(draft);
    }
    relu_grad_at_zero_ui(state, current, ui);
}

/// relu′(0), the slope backpropagation gives relu at exactly 0 (the value does not change).
fn relu_grad_at_zero_ui(state: &mut AppState, current: &Formula, ui: &mut egui::Ui) {
    let mut slope = current.relu_grad_at_zero;
    ui.horizontal(|ui| {
        let label = ui.label("relu′(0)");
        egui::ComboBox::from_id_salt("relu_grad_at_zero")
            .selected_text(format!("{slope}"))
            .show_ui(ui, |ui| {
                for choice in RELU_GRAD_AT_ZERO_CHOICES {
                    ui.selectable_value(&mut slope, choice, format!("{choice}"));
                }
            })
            .response
            .labelled_by(label.id)
            .on_hover_text(
                "The derivative backpropagation uses for relu at exactly 0: 0 as PyTorch, or ½ or 1",
            );
    });
    if slope != current.relu_grad_at_zero {
        state.set_problem(Problem::Landscape(LandscapeConfig::Formula(Formula {
            relu_grad_at_zero: slope,
            ..current.clone()
        })));
    }
}

fn landscape_parameters_ui(state: &mut AppState, current: &LandscapeConfig, ui: &mut egui::Ui) {
    if let LandscapeConfig::Formula(formula) = current {
        formula_ui(state, formula, ui);
        return;
    }
    let mut edited = None;
    egui::Grid::new("landscape_parameters")
        .num_columns(2)
        .show(ui, |ui| {
            for field in current.numeric_fields() {
                let label = ui.label(&field.name).on_hover_text(field.help);
                let mut value = field.value;
                let speed = if field.is_integer {
                    1.0
                } else {
                    (field.value.abs() * 0.01).max(1e-3)
                };
                let response = ui
                    .add(
                        egui::DragValue::new(&mut value)
                            .speed(speed)
                            .max_decimals(6),
                    )
                    .labelled_by(label.id);
                if response.changed() {
                    edited = Some((field.name.clone(), value));
                }
                ui.end_row();
            }
        });
    if let Some((name, value)) = edited {
        match current.with_numeric_field(&name, value) {
            Ok(config) => state.set_problem(Problem::Landscape(config)),
            Err(error) => state.error(error),
        }
    }
    transform_ui(state, ui);
}

/// Rotation and stretch of the landscape's coordinates: rotating a valley away from the axes is
/// what separates coordinate-wise methods (Adam, RMSprop, sign descent) from GD.
fn transform_ui(state: &mut AppState, ui: &mut egui::Ui) {
    let mut transform = state.scenario.transform;
    let title = if transform.is_identity() {
        "Rotate and stretch".to_owned()
    } else {
        format!(
            "Rotate and stretch ({:.0}°, ×{:.2}, ×{:.2})",
            transform.rotation_deg, transform.scale.0, transform.scale.1
        )
    };
    egui::CollapsingHeader::new(title)
        .id_salt("transform")
        .show(ui, |ui| {
            egui::Grid::new("transform_grid")
                .num_columns(2)
                .show(ui, |ui| {
                    let label = ui.label("Rotation");
                    ui.add(egui::Slider::new(&mut transform.rotation_deg, -180.0..=180.0).suffix("°"))
                        .labelled_by(label.id)
                        .on_hover_text("Turn the landscape counter-clockwise about the origin");
                    ui.end_row();
                    for (name, value) in [
                        ("Stretch x", &mut transform.scale.0),
                        ("Stretch y", &mut transform.scale.1),
                    ] {
                        let label = ui.label(name);
                        ui.add(egui::Slider::new(value, 0.1..=10.0).logarithmic(true))
                            .labelled_by(label.id)
                            .on_hover_text("Stretch the landscape along this axis before turning it (curvature ÷ factor²)");
                        ui.end_row();
                    }
                });
            if ui
                .add_enabled(!transform.is_identity(), egui::Button::new("Undo transform"))
                .clicked()
            {
                transform = Transform::IDENTITY;
            }
        });
    if transform != state.scenario.transform {
        state.set_transform(transform);
    }
}

fn runs_ui(state: &mut AppState, ui: &mut egui::Ui) {
    ui.horizontal(|ui| {
        ui.strong("Runs");
        if hinted_button(ui, "Add run", "Add a plain SGD run") {
            let mut config = RunConfig::default();
            if let Some(first) = state.scenario.runs.first() {
                config.start = first.start;
            }
            config.label = format!("run {}", state.scenario.runs.len() + 1);
            state.add_run(config);
        }
    });
    ui.horizontal(|ui| {
        ui.label("Edits")
            .on_hover_text("Whether a changed hyperparameter continues the run or starts it over");
        ui.selectable_value(
            &mut state.prefs.edit_applies,
            EditApplies::Live,
            "apply live",
        )
        .on_hover_text("Keep the optimizer's moments and go on from where the run is");
        ui.selectable_value(
            &mut state.prefs.edit_applies,
            EditApplies::Restart,
            "restart",
        )
        .on_hover_text("Start the edited run over from its start point");
    });
    // Network runs all start from the problem's initial weights: there is no start to drag.
    if state.landscape.is_some() {
        ui.horizontal(|ui| {
            ui.label("Start")
                .on_hover_text("What dragging a start handle moves");
            ui.selectable_value(&mut state.prefs.start_mode, StartMode::Shared, "shared")
                .on_hover_text("All runs start from the same point");
            ui.selectable_value(&mut state.prefs.start_mode, StartMode::PerRun, "per run")
                .on_hover_text("Each run has its own start point");
        });
    }
    for index in 0..state.scenario.runs.len() {
        // A row's Remove button shortens the list under this loop.
        if index < state.scenario.runs.len() {
            run_row_ui(state, index, ui);
        }
    }
}

fn run_row_ui(state: &mut AppState, index: usize, ui: &mut egui::Ui) {
    let config = state.scenario.runs[index].clone();
    let colour = run_colour(&config, index, state.prefs.dark);
    let status = state
        .runs
        .get(index)
        .map(|run| run.trace.status.summary())
        .unwrap_or_default();
    let selected = state.selected_run == index;
    ui.horizontal(|ui| {
        let (rect, _) = ui.allocate_exact_size(egui::vec2(12.0, 12.0), egui::Sense::hover());
        ui.painter().circle_filled(rect.center(), 6.0, colour);
        if ui
            .selectable_label(
                selected,
                format!("{} · {}", config.label, config.optimizer.display_name()),
            )
            .on_hover_text("Show this run's settings")
            .clicked()
        {
            state.select_run(index);
        }
        ui.weak(status);
    });
    if selected {
        egui::Frame::group(ui.style()).show(ui, |ui| run_settings_ui(state, index, config, ui));
    }
}
