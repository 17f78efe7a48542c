//! UI tests with egui_kittest: the real panels, driven by label, with the real worker behind them.
#![cfg(feature = "gui")]

use std::sync::Arc;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use optiviz::app::{AppState, Prefs};
use optiviz::scenario;

fn zigzag() -> scenario::Scenario {
    scenario::parse(include_str!("../presets/zigzag.ron"), "zigzag.ron")
        .expect("zigzag loads")
        .scenario
}

fn harness_with(prefs: Prefs) -> Harness<'static, AppState> {
    let state = AppState::new(zigzag(), None, prefs, Arc::new(|| {}));
    // Missing glyphs panic in kittest: every label the UI draws is checked against the fonts.
    let mut harness = Harness::builder()
        .with_size([1280.0, 820.0])
        .with_context_setup(optiviz::ui::install_fonts)
        .build_ui_state(
            |ui, state: &mut AppState| {
                state.drain_updates(Duration::from_millis(50));
                optiviz::ui::shortcuts(ui.ctx(), state);
                optiviz::ui::app_ui(state, ui);
            },
            state,
        );
    harness.run_steps(2);
    harness
}

fn harness() -> Harness<'static, AppState> {
    harness_with(Prefs::default())
}

/// Steps frames until `done` holds (the worker runs on its own thread).
fn run_until(harness: &mut Harness<'static, AppState>, done: impl Fn(&AppState) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done(harness.state()) {
        assert!(
            Instant::now() < deadline,
            "timed out waiting for the worker"
        );
        std::thread::sleep(Duration::from_millis(10));
        harness.run_steps(1);
    }
}

fn steps_taken(state: &AppState) -> Vec<u64> {
    state
        .runs
        .iter()
        .map(|r| r.trace.latest().map_or(0, |s| s.step))
        .collect()
}

#[test]
fn opens_on_the_default_lesson_with_its_notes() {
    let harness = harness();
    harness.get_by_label("▶ Play");
    assert!(harness.query_by_label_contains("What to notice").is_some());
    assert_eq!(harness.state().runs.len(), 2);
}

#[test]
fn play_then_pause_changes_what_the_engine_reports() {
    let mut harness = harness_with(Prefs {
        steps_per_second: Some(200.0),
        ..Prefs::default()
    });
    harness.get_by_label("▶ Play").click();
    harness.run_steps(1);
    assert!(harness.state().playing);
    run_until(&mut harness, |s| steps_taken(s).iter().all(|&n| n >= 3));
    harness.get_by_label("❚❚ Pause").click();
    run_until(&mut harness, |s| !s.playing);
    // Let the last in-flight updates land, then nothing moves.
    for _ in 0..5 {
        std::thread::sleep(Duration::from_millis(20));
        harness.run_steps(1);
    }
    let paused_at = steps_taken(harness.state());
    std::thread::sleep(Duration::from_millis(200));
    harness.run_steps(3);
    assert_eq!(steps_taken(harness.state()), paused_at);
    assert!(paused_at[0] < 200);
}

#[test]
fn the_bundled_font_covers_the_math_glyphs() {
    let harness = harness();
    let missing: Vec<char> = optiviz::ui::MATH_GLYPHS
        .chars()
        .filter(|c| {
            !harness
                .ctx
                .fonts_mut(|fonts| fonts.has_glyph(&egui::FontId::proportional(14.0), *c))
        })
        .collect();
    assert!(missing.is_empty(), "no glyph for {missing:?}");
}
