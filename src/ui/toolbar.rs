//! The toolbar: transport (play, pause, step, reset, speed, budget), lessons, files, view settings.

use crate::app::AppState;
use crate::presets;
use crate::scenario::MAX_STEPS;
use crate::ui::hinted_button;

use super::file_dialog::{DialogMode, FileDialog};

/// Draws the toolbar. It wraps onto a second row when the window is too narrow for it (a
/// projector at a large scale), so no control falls off its end; in presentation mode the file
/// and view controls wait in a "More" menu.
pub fn toolbar_ui(state: &mut AppState, ui: &mut egui::Ui) {
    egui::MenuBar::new().ui(ui, |ui| {
        ui.horizontal_wrapped(|ui| {
            transport_ui(state, ui);
            ui.separator();
            lessons_ui(state, ui);
            ui.separator();
            if state.prefs.presenting {
                ui.menu_button("More", |ui| {
                    files_ui(state, ui);
                    ui.separator();
                    view_settings_ui(state, ui);
                })
                .response
                .on_hover_text("Files, theme, scale, the guide and help");
                if hinted_button(
                    ui,
                    "Leave presentation",
                    "Back to the full set of controls (P or Esc)",
                ) {
                    super::set_presenting(ui.ctx(), state, false);
                }
                return;
            }
            files_ui(state, ui);
            ui.separator();
            view_settings_ui(state, ui);
            if hinted_button(
                ui,
                "Present",
                "Presentation mode: full screen, large type, thick lines, and only the controls this lesson keeps (P)",
            ) {
                super::set_presenting(ui.ctx(), state, true);
            }
        });
    });
}

fn transport_ui(state: &mut AppState, ui: &mut egui::Ui) {
    let (label, tip) = if state.playing {
        ("❚❚ Pause", "Stop stepping (Space)")
    } else {
        ("▶ Play", "Step every run at the chosen speed (Space)")
    };
    if ui.button(label).on_hover_text(tip).clicked() {
        state.toggle_play();
    }
    if hinted_button(ui, "▶❚ Step", "Take exactly one step (→ or S)") {
        state.step_once();
    }
    if hinted_button(ui, "⟲ Reset", "Put every run back at its start (R)") {
        state.reset();
    }
    let mut as_fast = state.speed().is_none();
    let mut rate = state.speed().unwrap_or(60.0);
    let mut changed = false;
    // The control says the pace in force: a slider showing a rate that does not apply would not.
    if as_fast {
        ui.label("max speed")
            .on_hover_text("Steps as fast as the machine goes: untick Max to set a pace");
    } else {
        changed |= ui
            .add(
                egui::Slider::new(&mut rate, 1.0..=2000.0)
                    .logarithmic(true)
                    .integer()
                    .suffix(" steps/s"),
            )
            .on_hover_text("Steps per second for every run while playing")
            .changed();
    }
    changed |= ui
        .checkbox(&mut as_fast, "Max")
        .on_hover_text("Step as fast as the machine goes")
        .changed();
    if changed {
        state.set_speed((!as_fast).then_some(rate));
    }
    let mut budget = state.scenario.steps;
    let response = ui
        .add(
            egui::DragValue::new(&mut budget)
                .range(1..=MAX_STEPS)
                .speed(10.0)
                .prefix("budget "),
        )
        .on_hover_text("Steps each run takes at most");
    if response.changed() && budget != state.scenario.steps {
        state.set_step_budget(budget);
    }
}

fn lessons_ui(state: &mut AppState, ui: &mut egui::Ui) {
    let current = current_lesson(state);
    let selected = current.map_or("Lessons", |index| presets::lessons()[index].name);
    egui::ComboBox::from_id_salt("lessons")
        .selected_text(selected)
        .height(600.0)
        .show_ui(ui, |ui| {
            let mut topic = "";
            for (index, lesson) in presets::lessons().iter().enumerate() {
                if lesson.topic != topic {
                    topic = lesson.topic;
                    if index > 0 {
                        ui.separator();
                    }
                    ui.strong(topic);
                }
                if ui
                    .selectable_label(
                        current == Some(index),
                        format!("{}: {}", lesson.name, lesson.title),
                    )
                    .clicked()
                {
                    request_open(state, std::path::PathBuf::from(lesson.name));
                }
            }
        })
        .response
        .on_hover_text("Bundled lessons by topic (Page up / Page down)");
}

/// The index of the bundled lesson that is open, if one is.
pub fn current_lesson(state: &AppState) -> Option<usize> {
    presets::lessons()
        .iter()
        .position(|lesson| lesson.title == state.scenario.name)
}

/// Opens the lesson `offset` places after the current one (wrapping around): the next preset in
/// the current file's folder when it was opened from a folder of presets, else the next bundled
/// lesson.
pub fn open_neighbour_lesson(state: &mut AppState, offset: isize) {
    if let Some(path) = state
        .file
        .as_deref()
        .and_then(|file| neighbour_in_folder(file, offset))
    {
        request_open(state, path);
        return;
    }
    let count = presets::lessons().len() as isize;
    if count == 0 {
        return;
    }
    let index = current_lesson(state).map_or(0, |i| (i as isize + offset).rem_euclid(count));
    request_open(
        state,
        std::path::PathBuf::from(presets::lessons()[index as usize].name),
    );
}

/// Whether the scenario has edits that opening another would throw away: changed runs or problem,
/// or a formula or network definition typed but not yet applied.
pub fn has_unsaved_edits(state: &AppState) -> bool {
    state.modified
        || state.views.landscape.formula_draft.is_some()
        || state.views.network.problem_draft.is_some()
}

/// Opens the lesson or preset at `path`, or, when that would discard unsaved edits, asks first
/// (see [`discard_changes_ui`]).
pub fn request_open(state: &mut AppState, path: std::path::PathBuf) {
    if has_unsaved_edits(state) {
        state.pending_open = Some(path);
    } else {
        state.open_path(&path);
    }
}

/// The question before another lesson replaces an edited one: switch (discarding the edits),
/// save them first, or stay.
pub fn discard_changes_ui(state: &mut AppState, ctx: &egui::Context) {
    let Some(path) = state.pending_open.clone() else {
        return;
    };
    let mut choice = None;
    let response = egui::Modal::new(egui::Id::unique("discard_changes")).show(ctx, |ui| {
        ui.set_max_width(420.0);
        ui.strong(format!("Discard your changes to {}?", state.scenario.name));
        // A bundled lesson by its title, a link as such, a file by its path.
        let target = presets::lessons()
            .iter()
            .find(|lesson| std::path::Path::new(lesson.name) == path)
            .map_or_else(
                || match path.to_str().filter(|text| crate::link::is_link(text)) {
                    Some(_) => "the lesson in the link".to_owned(),
                    None => path.display().to_string(),
                },
                |lesson| lesson.title.to_owned(),
            );
        ui.label(format!(
            "Opening {target} replaces the edited runs and problem"
        ));
        ui.add_space(8.0);
        ui.horizontal(|ui| {
            if hinted_button(ui, "Switch", "Open it and discard the changes") {
                choice = Some(Choice::Switch);
            }
            if hinted_button(
                ui,
                "Save as…",
                "Save the changes to a file first, then choose the lesson again",
            ) {
                choice = Some(Choice::SaveAs);
            }
            if ui.button("Cancel").on_hover_text("Keep editing").clicked() {
                choice = Some(Choice::Cancel);
            }
        });
    });
    if choice.is_none() && response.should_close() {
        choice = Some(Choice::Cancel);
    }
    match choice {
        Some(Choice::Switch) => {
            state.pending_open = None;
            state.views.landscape.formula_draft = None;
            state.views.network.problem_draft = None;
            state.open_path(&path);
        }
        Some(Choice::SaveAs) => {
            state.pending_open = None;
            state.file_dialog = Some(FileDialog::save(state.file.as_deref()));
        }
        Some(Choice::Cancel) => state.pending_open = None,
        None => {}
    }
}

/// The answers to [`discard_changes_ui`]'s question.
enum Choice {
    Switch,
    SaveAs,
    Cancel,
}

/// The preset `offset` places after `file` among the `.ron` files of its folder, by name; `None`
/// when the folder holds no other preset.
pub fn neighbour_in_folder(file: &std::path::Path, offset: isize) -> Option<std::path::PathBuf> {
    let folder = file.parent()?;
    let folder = if folder.as_os_str().is_empty() {
        std::path::Path::new(".")
    } else {
        folder
    };
    let mut presets: Vec<std::path::PathBuf> = std::fs::read_dir(folder)
        .ok()?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "ron"))
        .collect();
    if presets.len() < 2 {
        return None;
    }
    presets.sort();
    let name = file.file_name()?;
    let current = presets.iter().position(|p| p.file_name() == Some(name))?;
    let count = presets.len() as isize;
    Some(presets[(current as isize + offset).rem_euclid(count) as usize].clone())
}

/// Saves to the scenario's file, or asks where.
pub fn save(state: &mut AppState) {
    match state.file.clone() {
        Some(path) => state.save_to(path),
        None => state.file_dialog = Some(FileDialog::save(None)),
    }
}

fn files_ui(state: &mut AppState, ui: &mut egui::Ui) {
    if hinted_button(ui, "Open…", "Open a preset file (Ctrl+O)") {
        state.show_open_dialog();
    }
    if hinted_button(
        ui,
        "Open link…",
        "Open a lesson link someone sent you (or press Ctrl+V with it copied)",
    ) {
        state.links.dialog = Some(String::new());
    }
    if hinted_button(ui, "Save", "Save the scenario to its file (Ctrl+S)") {
        save(state);
    }
    if hinted_button(ui, "Save as…", "Save the scenario to a new file") {
        state.file_dialog = Some(FileDialog::save(state.file.as_deref()));
    }
    if hinted_button(
        ui,
        "Copy link",
        "Copy a link that opens this scenario, in the browser or the desktop app",
    ) {
        state.copy_link(ui.ctx());
    }
    ui.menu_button("Export…", |ui| {
        let file = state.file.clone();
        let landscape = state.landscape.is_some();
        let mut choose = |ui: &mut egui::Ui, enabled: bool, label: &str, hover: &str, mode| {
            if ui
                .add_enabled(enabled, egui::Button::new(label))
                .on_hover_text(hover)
                .on_disabled_hover_text("Images are drawn for 2D landscapes")
                .clicked()
            {
                state.file_dialog = Some(FileDialog::export(mode, file.as_deref()));
                ui.close();
            }
        };
        choose(
            ui,
            true,
            "CSV of every run…",
            "Every run's steps and metrics, with the columns of optiviz run",
            DialogMode::ExportCsv,
        );
        choose(
            ui,
            landscape,
            "PNG of the view…",
            "The landscape as shown now, with the paths and a legend, at a size you choose",
            DialogMode::ExportPng,
        );
        choose(
            ui,
            landscape,
            "GIF of the paths growing…",
            "An animation of the runs from their starts to where they are now",
            DialogMode::ExportGif,
        );
    });
}

fn view_settings_ui(state: &mut AppState, ui: &mut egui::Ui) {
    let theme = if state.prefs.dark {
        "Light theme"
    } else {
        "Dark theme"
    };
    let mut restyle = false;
    if hinted_button(ui, theme, "Switch the colour theme") {
        state.prefs.dark = !state.prefs.dark;
        restyle = true;
    }
    restyle |= ui
        .add(
            egui::DragValue::new(&mut state.prefs.scale)
                .range(0.5..=4.0)
                .speed(0.01)
                .prefix("scale ")
                .fixed_decimals(2),
        )
        .on_hover_text("Size of everything: larger for a projector")
        .changed();
    if restyle {
        super::apply_style(ui.ctx(), &state.prefs);
    }
    if hinted_button(
        ui,
        "Guide",
        "Every optimizer's update rule, every landscape's formula and minima, and a glossary (F2)",
    ) {
        state.show_guide = true;
    }
    if hinted_button(ui, "Help", "Keyboard shortcuts (F1)") {
        state.show_help = true;
    }
}
