//! The app's state machine without drawing: commands reach the solver and updates come back.
#![cfg(feature = "gui")]

use std::sync::Arc;
use std::time::{Duration, Instant};

use optiviz::app::{AppState, Prefs};
use optiviz::scenario;

fn zigzag() -> scenario::Scenario {
    scenario::parse(include_str!("../presets/zigzag.ron"), "zigzag.ron")
        .expect("zigzag loads")
        .scenario
}

fn pump_until(state: &mut AppState, done: impl Fn(&AppState) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done(state) {
        assert!(Instant::now() < deadline, "timed out");
        state.drain_updates(Duration::from_millis(5));
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn play_runs_until_the_budget_and_then_pauses() {
    let prefs = Prefs {
        steps_per_second: None,
        ..Prefs::default()
    };
    let mut state = AppState::new(zigzag(), None, prefs, Arc::new(|| {}));
    state.play();
    assert!(state.playing);
    pump_until(&mut state, |s| {
        s.runs
            .iter()
            .all(|r| r.trace.latest().is_some_and(|l| l.step == 200))
    });
    pump_until(&mut state, |s| !s.playing);
}

#[test]
fn edits_are_autosaved_shortly_after_and_read_back() {
    let directory = tempfile::tempdir().expect("temp dir");
    let path = directory.path().join("autosave.ron");
    let mut state = AppState::new(zigzag(), None, Prefs::default(), Arc::new(|| {}));
    state.autosave_path = Some(path.clone());
    state.move_start(Some(0), [0.25, -0.75]);
    state.autosave_if_due();
    assert!(!path.exists(), "autosave waits for the edits to settle");
    std::thread::sleep(Duration::from_millis(900));
    state.autosave_if_due();
    let saved = scenario::load(&path).expect("the autosave loads").scenario;
    assert_eq!(saved, state.scenario);
    assert_eq!(saved.runs[0].start, Some([0.25, -0.75]));
}
