//! The panels of the app, one per file, and what they share: fonts, style, colours, shortcuts.

pub mod basin_view;
pub mod colour_bar;
pub mod eigen_curves;
pub mod file_dialog;
// The frame cost of `optiviz bench` (e), measured with egui_kittest (not in the browser build).
#[cfg(not(target_arch = "wasm32"))]
pub mod frame_bench;
pub mod guide;
pub mod hyper;
pub mod job_poll;
pub mod landscape_view;
pub mod link_dialog;
pub mod log_axis;
pub mod metric_curves;
pub mod metrics;
pub mod network_view;
pub mod palette;
pub mod plot_image;
pub mod plot_legend;
pub mod rate_bound_curves;
pub mod results_table;
pub mod side_panel;
pub mod stability_region;
pub mod step_view;
pub mod study_controls;
pub mod surface_view;
pub mod sweep_cells;
pub mod sweep_view;
pub mod toolbar;
pub mod tune_view;
pub mod worksheet;

use std::sync::Arc;

use egui::{Color32, Key, KeyboardShortcut, Modifiers};

use crate::app::{AppState, Prefs};
use crate::scenario::RunConfig;

/// Math glyphs the UI shows, checked by a test against the installed fonts.
pub const MATH_GLYPHS: &str = "∇‖ᵀληβμκ∈→²√∞≤≥·−×½₁₂⁻¹←↑↓↗↖↘↙";

/// Adds the bundled font (`render::FONT`, DejaVu Sans, which covers the math glyphs the UI uses —
/// ∇ ‖ ᵀ λ η β ∈ → ² — that egui's default fonts lack) as a fallback to egui's default fonts.
pub fn install_fonts(ctx: &egui::Context) {
    let mut fonts = egui::FontDefinitions::default();
    fonts.font_data.insert(
        "dejavu-sans".to_owned(),
        Arc::new(egui::FontData::from_static(crate::render::FONT)),
    );
    for family in [egui::FontFamily::Proportional, egui::FontFamily::Monospace] {
        fonts
            .families
            .entry(family)
            .or_default()
            .push("dejavu-sans".to_owned());
    }
    // Update rules put combining marks on letters (m̂, v̂); a shaper keeps a mark only when the
    // letter's own font has it, so formulas are set in DejaVu Sans first.
    let proportional = egui::FontFamily::Proportional;
    insert_family_led_by(&mut fonts, MATH_FAMILY, "dejavu-sans", &proportional);
    // Update rules are aligned with spaces: a monospace font with the math glyphs and the
    // combining marks, then egui's monospace, then DejaVu Sans for anything else.
    fonts.font_data.insert(
        "dejavu-sans-mono".to_owned(),
        Arc::new(egui::FontData::from_static(MONO_FONT)),
    );
    let monospace = egui::FontFamily::Monospace;
    insert_family_led_by(&mut fonts, MATH_MONO_FAMILY, "dejavu-sans-mono", &monospace);
    ctx.set_fonts(fonts);
}

/// Adds the font family `name`: the font `lead` first, then `base`'s fonts but `lead` as its
/// fallbacks.
fn insert_family_led_by(
    fonts: &mut egui::FontDefinitions,
    name: &str,
    lead: &str,
    base: &egui::FontFamily,
) {
    let mut family = vec![lead.to_owned()];
    family.extend(
        (fonts.families.get(base).into_iter().flatten())
            .filter(|font| font.as_str() != lead)
            .cloned(),
    );
    fonts
        .families
        .insert(egui::FontFamily::Name(name.into()), family);
}

/// DejaVu Sans Mono (the Guide's update rules and code).
const MONO_FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSansMono.ttf");

/// The font family for update rules set as aligned blocks (see [`install_fonts`]).
pub const MATH_MONO_FAMILY: &str = "math-mono";

/// The font family for update rules and formulas (see [`install_fonts`]).
pub const MATH_FAMILY: &str = "math";

/// `text` set in the math family, so combining hats and bars (m̂, x̄) show.
pub fn math_text(text: impl Into<String>) -> egui::RichText {
    egui::RichText::new(text).family(egui::FontFamily::Name(MATH_FAMILY.into()))
}

/// Applies theme and scale from the preferences.
pub fn apply_style(ctx: &egui::Context, prefs: &Prefs) {
    // The app's own theme switch decides, not the system's (a browser in light mode would
    // otherwise show light panels around a dark-theme landscape).
    ctx.set_theme(if prefs.dark {
        egui::Theme::Dark
    } else {
        egui::Theme::Light
    });
    ctx.set_visuals(if prefs.dark {
        egui::Visuals::dark()
    } else {
        egui::Visuals::light()
    });
    ctx.set_zoom_factor(zoom_factor(prefs));
}

/// The zoom the preferences ask for: the user's scale, and in presentation mode at least 1.5.
/// A scale already chosen for the projector is not multiplied again: 1.5 × 1.5 on a 1600-pixel
/// screen would leave 711 points for the whole window.
pub fn zoom_factor(prefs: &Prefs) -> f32 {
    let scale = if prefs.presenting {
        prefs.scale.max(1.5)
    } else {
        prefs.scale
    };
    scale.clamp(0.5, 6.0)
}

/// Enters or leaves presentation mode: large type, full screen, thick lines, and only the
/// controls the lesson keeps (its `presentation` settings).
pub fn set_presenting(ctx: &egui::Context, state: &mut AppState, presenting: bool) {
    state.prefs.presenting = presenting;
    apply_style(ctx, &state.prefs);
    ctx.send_viewport_cmd(egui::ViewportCommand::Fullscreen(presenting));
}

/// What the lesson hides right now: its presentation settings in presentation mode, else nothing.
pub fn presentation_hides(state: &AppState) -> crate::scenario::Presentation {
    if state.prefs.presenting {
        state.scenario.presentation.clone()
    } else {
        crate::scenario::Presentation::default()
    }
}

/// A button `label` that says what it does (`hint`) on hover, as every toolbar and study button
/// does: whether it was clicked.
pub fn hinted_button<'a>(
    ui: &mut egui::Ui,
    label: impl egui::IntoAtoms<'a>,
    hint: impl Into<egui::WidgetText>,
) -> bool {
    ui.button(label).on_hover_text(hint).clicked()
}

/// How much thicker lines are drawn: more in presentation mode, for the back of the room.
pub fn line_scale(state: &AppState) -> f32 {
    if state.prefs.presenting { 2.0 } else { 1.0 }
}

/// The colour of run `index` on the theme (`dark`): its own, else the theme's run palette
/// (one palette per theme for the app and the rendered images; see [`palette`]).
pub fn run_colour(config: &RunConfig, index: usize, dark: bool) -> Color32 {
    palette::run_colour(config, index, dark)
}

/// A number in few characters: 0.0198, 1.2e-7, 3.4e5.
pub fn format_number(value: f64) -> String {
    if value == 0.0 || !value.is_finite() {
        return format!("{value}");
    }
    let magnitude = value.abs();
    if (1e-3..1e4).contains(&magnitude) {
        let text = format!("{value:.4}");
        let text = text.trim_end_matches('0').trim_end_matches('.');
        text.to_owned()
    } else {
        format!("{value:.2e}")
    }
}

/// How the mouse moves each view, as Help and the Guide say it: (view, what the mouse does).
pub const NAVIGATION: &[(&str, &str)] = &[
    (
        "Landscape",
        "the wheel zooms about the cursor, drag pans, double-click brings back the lesson's view; Fit does the same, or with its menu set to All paths frames every path",
    ),
    (
        "Start points",
        "drag a start handle (a ring) to move the start; Ctrl+click sets it where you click",
    ),
    (
        "3D surface",
        "drag turns it (half a turn across the view's width), the wheel zooms about the cursor, double-click or Fit resets",
    ),
    (
        "Metric plots",
        "the wheel zooms the x axis about the cursor, drag pans, double-click resets",
    ),
];

/// Lays out [`NAVIGATION`] as a two-column grid.
pub fn navigation_ui(ui: &mut egui::Ui) {
    egui::Grid::new("navigation")
        .num_columns(2)
        .striped(true)
        .show(ui, |ui| {
            for (view, action) in NAVIGATION {
                ui.strong(*view);
                ui.label(*action);
                ui.end_row();
            }
        });
}

/// Keyboard shortcuts (ignored while a text field has focus).
pub const SHORTCUTS: &[(&str, &str)] = &[
    ("Space", "play / pause"),
    ("→ or S", "one step"),
    ("R", "reset every run to its start"),
    (
        "Page up / Page down",
        "previous / next lesson (in the open file's folder, or bundled)",
    ),
    ("Ctrl+O", "open a preset…"),
    ("Ctrl+S", "save the scenario"),
    ("Ctrl+V", "open the lesson link on the clipboard"),
    ("F11", "full screen"),
    ("P", "presentation mode (Esc leaves)"),
    ("F2", "the guide: update rules, landscapes, glossary"),
    ("F1", "this help"),
];

/// Handles the keyboard shortcuts.
pub fn shortcuts(ctx: &egui::Context, state: &mut AppState) {
    if ctx.egui_wants_keyboard_input() {
        return;
    }
    link_dialog::paste_link(ctx, state);
    let pressed = |key| ctx.input_mut(|input| input.consume_key(Modifiers::NONE, key));
    if pressed(Key::Space) {
        state.toggle_play();
    }
    if pressed(Key::ArrowRight) || pressed(Key::S) {
        state.step_once();
    }
    if pressed(Key::R) {
        state.reset();
    }
    if pressed(Key::PageDown) {
        toolbar::open_neighbour_lesson(state, 1);
    }
    if pressed(Key::PageUp) {
        toolbar::open_neighbour_lesson(state, -1);
    }
    if pressed(Key::P) {
        set_presenting(ctx, state, !state.prefs.presenting);
    }
    if state.prefs.presenting && pressed(Key::Escape) {
        set_presenting(ctx, state, false);
    }
    if pressed(Key::F2) {
        state.show_guide = !state.show_guide;
    }
    if pressed(Key::F1) {
        state.show_help = !state.show_help;
    }
    if pressed(Key::F11) {
        let fullscreen = ctx.input(|input| input.viewport().fullscreen.unwrap_or(false));
        ctx.send_viewport_cmd(egui::ViewportCommand::Fullscreen(!fullscreen));
    }
    let open = KeyboardShortcut::new(Modifiers::COMMAND, Key::O);
    if ctx.input_mut(|input| input.consume_shortcut(&open)) {
        state.show_open_dialog();
    }
    let save = KeyboardShortcut::new(Modifiers::COMMAND, Key::S);
    if ctx.input_mut(|input| input.consume_shortcut(&save)) {
        toolbar::save(state);
    }
}

/// The whole window.
pub fn app_ui(state: &mut AppState, ui: &mut egui::Ui) {
    egui::Panel::top("toolbar").show(ui, |ui| toolbar::toolbar_ui(state, ui));
    egui::Panel::bottom("status").show(ui, |ui| status_ui(state, ui));
    let hidden = presentation_hides(state);
    if !(hidden.hide_notes && hidden.hide_problem && hidden.hide_runs) {
        side_panel::side_panel_or_strip_ui(state, ui);
    }
    if !hidden.hide_metrics {
        // Presenting, the plot takes less height so the landscape stays large. The bound keeps
        // the landscape on screen whatever size the panel remembers (eframe's first frame can
        // report a window far taller than the one that opens).
        let height = ui.available_height();
        let (id, size, largest) = if state.prefs.presenting {
            ("metrics_presenting", 0.28 * height, 0.4 * height)
        } else {
            ("metrics", 250.0, 0.6 * height)
        };
        egui::Panel::bottom(id)
            .resizable(true)
            .default_size(size.min(largest))
            .max_size(largest.max(80.0))
            .show(ui, |ui| metrics::metrics_ui(state, ui));
    }
    egui::CentralPanel::default().show(ui, |ui| {
        if state.network.is_some() {
            network_view::network_view_ui(state, ui);
        } else {
            landscape_view::landscape_view_ui(state, ui);
        }
    });
    sweep_view::sweep_window_ui(state, ui.ctx());
    tune_view::tune_window_ui(state, ui.ctx());
    guide::guide_ui(state, ui.ctx());
    step_view::step_window_ui(state, ui.ctx());
    stability_region::stability_region_window_ui(state, ui.ctx());
    file_dialog::file_dialog_ui(state, ui);
    link_dialog::open_link_dialog_ui(state, ui.ctx());
    help_ui(state, ui);
    toolbar::discard_changes_ui(state, ui.ctx());
}

fn status_ui(state: &mut AppState, ui: &mut egui::Ui) {
    ui.horizontal(|ui| {
        let title = if state.modified {
            format!("{} (modified)", state.scenario.name)
        } else {
            state.scenario.name.clone()
        };
        ui.label(title);
        if let Some(file) = &state.file {
            ui.weak(file.display().to_string());
        }
        ui.separator();
        if state.is_exporting() {
            ui.spinner();
            ui.label("exporting the GIF…");
        }
        if let Some(notice) = &state.notice {
            let colour = if notice.is_error {
                ui.visuals().error_fg_color
            } else {
                ui.visuals().text_color()
            };
            ui.colored_label(colour, &notice.text);
        }
    });
}

fn help_ui(state: &mut AppState, ui: &mut egui::Ui) {
    let mut open = state.show_help;
    egui::Window::new("Keyboard shortcuts")
        .open(&mut open)
        .resizable(false)
        .collapsible(false)
        .show(ui.ctx(), |ui| {
            egui::Grid::new("shortcuts").striped(true).show(ui, |ui| {
                for (keys, action) in SHORTCUTS {
                    ui.strong(*keys);
                    ui.label(*action);
                    ui.end_row();
                }
            });
            ui.separator();
            navigation_ui(ui);
        });
    state.show_help = open;
}
