//! The app in a kittest harness at a given window size and scale, as a lecturer would open it.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use optiviz::app::{AppState, Prefs};
use optiviz::scenario::{self, Scenario};

/// The screens a lecture is checked on: (width, height, scale) in physical pixels.
pub const SCREENS: [(f32, f32, f32); 4] = [
    (1600.0, 1000.0, 1.0),
    (1600.0, 1000.0, 1.5),
    (1920.0, 1080.0, 1.0),
    (1920.0, 1080.0, 1.5),
];

/// A bundled lesson by name (`presets/NAME.ron`).
pub fn lesson(name: &str) -> Scenario {
    let path = format!("{}/presets/{name}.ron", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("the bundled lesson reads");
    scenario::parse(&text, &path)
        .expect("the bundled lesson loads")
        .scenario
}

/// Every bundled lesson's name, sorted.
pub fn lesson_names() -> Vec<String> {
    let dir = format!("{}/presets", env!("CARGO_MANIFEST_DIR"));
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("presets/ lists")
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            (path.extension()? == "ron").then(|| path.file_stem()?.to_str().map(String::from))?
        })
        .collect();
    names.sort();
    names
}

/// The app on `scenario` in a window of `size` logical points with the given preferences.
pub fn harness_sized(
    scenario: Scenario,
    prefs: Prefs,
    size: [f32; 2],
) -> Harness<'static, AppState> {
    let state = AppState::new(scenario, None, prefs, Arc::new(|| {}));
    // Missing glyphs panic in kittest: every label the UI draws is checked against the fonts.
    let mut harness = Harness::builder()
        .with_size(size)
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

/// The app on `scenario` on a physical screen of `width`×`height` pixels at `scale`
/// (egui's zoom factor), optionally presenting.
pub fn harness_on_screen(
    scenario: Scenario,
    (width, height, scale): (f32, f32, f32),
    presenting: bool,
) -> Harness<'static, AppState> {
    let prefs = Prefs {
        scale,
        presenting,
        ..Prefs::default()
    };
    let zoom = optiviz::ui::zoom_factor(&prefs);
    harness_sized(scenario, prefs, [width / zoom, height / zoom])
}

/// Steps frames until `done` holds (the solver runs on its own thread).
pub fn run_until(harness: &mut Harness<'static, AppState>, done: impl Fn(&AppState) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done(harness.state()) {
        assert!(
            Instant::now() < deadline,
            "timed out waiting for the solver"
        );
        std::thread::sleep(Duration::from_millis(10));
        harness.run_steps(1);
    }
}
