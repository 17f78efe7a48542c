//! Items 8, 9, 10 (sliders, switching lessons) and the table part of item 6: the toolbar, the runs
//! table and Present mode on the lecture screens, the Guide's formatting, row clicks, log sliders
//! and the question before a lesson switch discards edits.

use super::harness;
#[allow(unused_imports)]
use harness::*;

use std::sync::Arc;

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable, by};
use optiviz::app::{AppState, Prefs};
use optiviz::optim::OptimizerConfig;
use optiviz::scenario::Scenario;

/// The app on a physical screen at `scale`, sized by the zoom the app itself applies
/// (`ui::zoom_factor`, which in Present mode no longer multiplies a projector scale again).
fn on_screen(
    scenario: Scenario,
    (width, height, scale): (f32, f32, f32),
    presenting: bool,
) -> (Harness<'static, AppState>, egui::Rect) {
    let prefs = Prefs {
        scale,
        presenting,
        ..Prefs::default()
    };
    let zoom = optiviz::ui::zoom_factor(&prefs);
    let size = egui::vec2(width / zoom, height / zoom);
    let mut harness = harness_sized(scenario, prefs, [size.x, size.y]);
    harness.run_steps(3);
    (harness, egui::Rect::from_min_size(egui::Pos2::ZERO, size))
}

/// The toolbar's controls at 1600×1000, scale 1.0, in normal mode, by label or value (the lesson
/// picker shows the lesson's name, the speed slider is labelled by its tooltip).
const TOOLBAR: &[&str] = &[
    "▶ Play",
    "▶❚ Step",
    "⟲ Reset",
    "Steps per second for every run while playing",
    "Max",
    "budget",
    "zigzag",
    "Open…",
    "Save",
    "Save as…",
    "Export…",
    "Light theme",
    "scale",
    "Guide",
    "Help",
];

/// Whether a node labelled (or valued) `name` lies wholly on `screen`.
fn visible(harness: &Harness<'static, AppState>, name: &str, screen: egui::Rect) -> bool {
    let mut nodes = harness.query_all(by().predicate(|node| {
        node.label().as_deref() == Some(name) || node.value().as_deref() == Some(name)
    }));
    nodes.any(|node| screen.expand(0.5).contains_rect(node.rect()))
}

#[test]
fn every_toolbar_control_is_reachable_on_every_screen() {
    for screen in SCREENS {
        for presenting in [false, true] {
            let (mut harness, rect) = on_screen(lesson("zigzag"), screen, presenting);
            let mode = if presenting {
                "Leave presentation"
            } else {
                "Present"
            };
            let mut missing: Vec<&str> = TOOLBAR
                .iter()
                .chain([&mode])
                .copied()
                .filter(|label| !visible(&harness, label, rect))
                .collect();
            if !missing.is_empty() && visible(&harness, "More", rect) {
                harness.get_by_label("More").click();
                harness.run_steps(3);
                missing.retain(|label| !visible(&harness, label, rect));
            }
            assert!(
                missing.is_empty(),
                "{screen:?} presenting {presenting}: out of reach: {missing:?}"
            );
        }
    }
}

#[test]
fn the_runs_table_shows_every_column_or_scrolls_to_it() {
    for screen in SCREENS {
        for presenting in [false, true] {
            let (mut harness, _) = on_screen(lesson("zigzag"), screen, presenting);
            for heading in optiviz::ui::results_table::headings(false)
                .into_iter()
                .skip(1)
            {
                // The heading on the table's first row (the plot has its own "Loss").
                let row_top = harness
                    .query_all_by_label("evaluations")
                    .map(|node| node.rect().top())
                    .fold(f32::MIN, f32::max);
                let shown = |harness: &Harness<'static, AppState>| {
                    let table = optiviz::ui::results_table::visible_rect(&harness.ctx)
                        .expect("the table was drawn");
                    harness.query_all_by_label(heading).any(|node| {
                        (node.rect().top() - row_top).abs() < 2.0
                            && table.expand(0.5).contains_rect(node.rect())
                    })
                };
                if !shown(&harness) {
                    harness
                        .query_all_by_label(heading)
                        .find(|node| (node.rect().top() - row_top).abs() < 2.0)
                        .expect("the heading exists")
                        .scroll_to_me();
                    harness.run_steps(3);
                }
                assert!(
                    shown(&harness),
                    "{screen:?} presenting {presenting}: column {heading} cannot be seen"
                );
            }
        }
    }
}

#[test]
fn presenting_gives_the_canvas_three_quarters_of_the_width_with_the_notes_folded() {
    for name in ["zigzag", "rosenbrock_valley", "saddle_escape"] {
        let Some(name) = lesson_names().into_iter().find(|n| n == name) else {
            continue;
        };
        for screen in SCREENS {
            let (mut harness, rect) = on_screen(lesson(&name), screen, true);
            let canvas = harness
                .state()
                .view_rect()
                .expect("the landscape was drawn");
            assert!(
                canvas.width() >= 0.75 * rect.width(),
                "{name} {screen:?}: canvas {} of {}",
                canvas.width(),
                rect.width()
            );
            // The notes are folded to a strip that opens on demand and folds again.
            assert!(harness.query_by_label("Fold the notes ▶").is_none());
            harness.get_by_label("◀ Notes").click();
            harness.run_steps(3);
            assert!(harness.state().notes_strip_open);
            harness.get_by_label("Fold the notes ▶").click();
            harness.run_steps(3);
            assert!(harness.query_by_label("◀ Notes").is_some());
        }
    }
}

/// A harness with the Guide window alone.
fn guide_harness() -> Harness<'static, AppState> {
    let mut state = AppState::new(lesson("zigzag"), None, Prefs::default(), Arc::new(|| {}));
    state.show_guide = true;
    let mut harness = Harness::builder()
        .with_size([900.0, 4000.0])
        .with_context_setup(optiviz::ui::install_fonts)
        .build_ui_state(
            |ui, state: &mut AppState| optiviz::ui::guide::guide_ui(state, ui.ctx()),
            state,
        );
    harness.run_steps(2);
    harness
}

/// Every label's text in the harness.
fn all_text(harness: &Harness<'static, AppState>) -> Vec<String> {
    harness
        .query_all(by().predicate(|_| true))
        .filter_map(|node| {
            let node = node.accesskit_node();
            node.label().or_else(|| node.value())
        })
        .collect()
}

/// The first two lines of the first ```text block of a documentation text.
fn first_rule_lines(markdown: &str) -> Option<(String, String)> {
    let mut lines = markdown.lines().skip_while(|l| !l.starts_with("```text"));
    lines.next()?;
    let first = lines.next()?.trim_end().to_owned();
    let second = lines.next()?.trim_end().to_owned();
    (!second.starts_with("```")).then_some((first, second))
}

#[test]
fn the_guide_formats_its_text_and_keeps_update_rules_line_by_line() {
    let mut harness = guide_harness();
    harness.get_by_label("Optimizers").click();
    harness.run_steps(2);
    let mut rules = 0;
    for config in OptimizerConfig::catalog() {
        let name = config.display_name();
        harness.get_by_label(name).scroll_to_me();
        harness.run_steps(2);
        harness.get_by_label(name).click();
        harness.run_steps(2);
        // The whole entry in view: its last part, the hyperparameters, scrolled to.
        harness.get_by_label("Hyperparameters").scroll_to_me();
        harness.run_steps(2);
        let text = all_text(&harness);
        for label in &text {
            for raw in ["](", "super::", "`", "**"] {
                assert!(!label.contains(raw), "{name}: raw {raw:?} in {label:?}");
            }
        }
        if let Some((first, second)) = first_rule_lines(&config.guide()) {
            let joined = format!("{first}\n{second}");
            assert!(
                text.iter().any(|label| label.contains(&joined)),
                "{name}: the update rule lost its line break after {first:?}"
            );
            rules += 1;
        }
        harness.get_by_label(name).scroll_to_me();
        harness.run_steps(2);
        harness.get_by_label(name).click();
        harness.run_steps(2);
    }
    assert!(rules >= 10, "only {rules} optimizers show an update rule");
    // A link opens the entry it names: Adam's text links to AdamW.
    harness.get_by_label("Adam").scroll_to_me();
    harness.run_steps(2);
    harness.get_by_label("Adam").click();
    harness.run_steps(2);
    let before = harness.query_all_by_label("Hyperparameters").count();
    harness
        .get_by_role_and_label(Role::Link, "AdamW")
        .scroll_to_me();
    harness.run_steps(2);
    harness.get_by_role_and_label(Role::Link, "AdamW").click();
    harness.run_steps(4);
    let after = harness.query_all_by_label("Hyperparameters").count();
    assert_eq!(after, before + 1, "the AdamW link did not open its entry");
}

/// The node of run `index`'s label cell in the runs table.
fn table_cell_rect(harness: &Harness<'static, AppState>, index: usize) -> egui::Rect {
    let label = harness.state().scenario.runs[index].label.clone();
    let table = optiviz::ui::results_table::visible_rect(&harness.ctx).expect("table drawn");
    harness
        .query_all_by_label(&label)
        .map(|node| node.rect())
        .find(|rect| table.contains_rect(*rect))
        .expect("the run's row is in the table")
}

#[test]
fn clicking_a_table_row_selects_its_run_and_hovering_it_sets_the_hovered_run() {
    let (mut harness, _) = on_screen(lesson("zigzag"), (1600.0, 1000.0, 1.0), false);
    assert!(harness.state().scenario.runs.len() >= 2);
    assert_eq!(harness.state().selected_run, 0);
    let second = table_cell_rect(&harness, 1);
    harness.hover_at(second.center());
    harness.run_steps(2);
    assert_eq!(harness.state().hovered_run, Some(1));
    harness.drag_at(second.center());
    harness.drop_at(second.center());
    harness.run_steps(2);
    assert_eq!(harness.state().selected_run, 1);
    let first = table_cell_rect(&harness, 0);
    harness.hover_at(first.center());
    harness.run_steps(2);
    assert_eq!(harness.state().hovered_run, Some(0));
    // Off the table, the table lets go of the hover.
    harness.hover_at(egui::pos2(5.0, 300.0));
    harness.run_steps(2);
    assert_eq!(harness.state().hovered_run, None);
}

/// The zigzag lesson with run 0's lr at `lr`.
fn zigzag_with_lr(lr: f64) -> Scenario {
    let mut scenario = lesson("zigzag");
    scenario.runs[0]
        .optimizer
        .set_hyper("lr", optiviz::optim::HyperValue::Float(lr))
        .expect("every optimizer has an lr");
    scenario
}

fn lr(harness: &Harness<'static, AppState>) -> f64 {
    harness.state().scenario.runs[0].optimizer.lr()
}

#[test]
fn the_lr_slider_is_logarithmic_and_a_typed_lr_stays_exact() {
    for screen in [(1600.0, 1000.0, 1.0), (1600.0, 1000.0, 1.5)] {
        let (mut harness, _) = on_screen(zigzag_with_lr(0.02), screen, false);
        harness
            .query_all_by_role(Role::Slider)
            .find(|node| node.accesskit_node().numeric_value() == Some(0.02))
            .expect("the lr slider shows 0.02")
            .scroll_to_me();
        harness.run_steps(3);
        let slider = harness
            .query_all_by_role(Role::Slider)
            .find(|node| node.accesskit_node().numeric_value() == Some(0.02))
            .expect("the lr slider shows 0.02")
            .rect();
        // Drag the handle (at the value) 20 points to the right, in small moves as a hand does.
        let value_x = {
            let node = harness
                .query_all_by_role(Role::Slider)
                .find(|node| node.accesskit_node().numeric_value() == Some(0.02))
                .expect("slider");
            let (low, high) = (
                node.accesskit_node().min_numeric_value().unwrap_or(0.0),
                node.accesskit_node().max_numeric_value().unwrap_or(1.0),
            );
            let t = ((0.02f64).ln() - low.ln()) / (high.ln() - low.ln());
            slider.left() + 6.0 + (slider.width() - 12.0) * t as f32
        };
        let start = egui::pos2(value_x, slider.center().y);
        harness.hover_at(start);
        harness.run_steps(1);
        harness.drag_at(start);
        harness.run_steps(1);
        for dx in 1..=20 {
            harness.hover_at(start + egui::vec2(dx as f32, 0.0));
            harness.run_steps(1);
        }
        harness.drop_at(start + egui::vec2(20.0, 0.0));
        harness.run_steps(2);
        let dragged = lr(&harness);
        assert!(
            dragged > 0.02 && dragged / 0.02 < 1.5,
            "{screen:?}: 20 points moved lr from 0.02 to {dragged}"
        );
        // A typed value is kept as typed, and focusing the field without typing changes nothing.
        let typed = 0.012_345_678_9;
        let field = harness
            .query_all_by_role(Role::SpinButton)
            .find(|node| node.value().as_deref() == Some(&format!("{dragged}")[..]))
            .expect("the lr field shows the dragged value exactly");
        field.focus();
        harness.run_steps(1);
        harness.key_press(egui::Key::Enter);
        harness.run_steps(2);
        assert_eq!(lr(&harness), dragged, "focusing the field changed lr");
        let field = harness
            .query_all_by_role(Role::SpinButton)
            .find(|node| node.value().as_deref() == Some(&format!("{dragged}")[..]))
            .expect("the lr field");
        field.focus();
        harness.run_steps(1);
        harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
        harness
            .get_all_by_role(Role::TextInput)
            .next()
            .expect("the field is being edited")
            .type_text(&typed.to_string());
        harness.run_steps(1);
        harness.key_press(egui::Key::Enter);
        harness.run_steps(2);
        assert_eq!(lr(&harness), typed, "{screen:?}: the typed lr was changed");
    }
}

#[test]
fn switching_lesson_with_edits_asks_first_and_cancel_keeps_them() {
    let (mut harness, _) = on_screen(lesson("zigzag"), (1600.0, 1000.0, 1.0), false);
    let name = harness.state().scenario.name.clone();
    // No edits: Page down switches at once.
    harness.key_press(egui::Key::PageDown);
    harness.run_steps(2);
    assert_ne!(harness.state().scenario.name, name);
    assert!(
        harness
            .query_by_label_contains("Discard your changes")
            .is_none()
    );
    harness.key_press(egui::Key::PageUp);
    harness.run_steps(2);
    assert_eq!(harness.state().scenario.name, name);
    // An edited run: the switch asks, and Cancel keeps the lesson and the edit.
    let mut edited = harness.state().scenario.runs[0].clone();
    edited.label = "my edited run".to_owned();
    harness.state_mut().edit_run(0, edited);
    harness.run_steps(2);
    harness.key_press(egui::Key::PageDown);
    harness.run_steps(2);
    assert!(
        harness
            .query_by_label_contains(&format!("Discard your changes to {name}?"))
            .is_some(),
        "no question before discarding the edits"
    );
    assert_eq!(harness.state().scenario.name, name);
    harness.get_by_label("Cancel").click();
    harness.run_steps(2);
    assert!(
        harness
            .query_by_label_contains("Discard your changes")
            .is_none()
    );
    assert_eq!(harness.state().scenario.name, name);
    assert_eq!(harness.state().scenario.runs[0].label, "my edited run");
    // Switch discards them.
    harness.key_press(egui::Key::PageDown);
    harness.run_steps(2);
    harness.get_by_label("Switch").click();
    harness.run_steps(2);
    assert_ne!(harness.state().scenario.name, name);
}
