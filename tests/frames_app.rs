//! The app as the browser runs it, natively: the solver stepped in the frame loop and background
//! jobs in slices of frames (`Execution::Frames`), with the same panels as the desktop.
#![cfg(feature = "gui")]

use std::sync::Arc;
use std::time::Duration;

use egui::epaint::{Color32, ColorMode, Pos2, Shape};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use optiviz::app::{AppState, Execution, Prefs};
use optiviz::engine::JobRunner;
use optiviz::scenario::{self, Scenario};

fn zigzag() -> Scenario {
    scenario::parse(include_str!("../presets/zigzag.ron"), "zigzag.ron")
        .expect("zigzag loads")
        .scenario
}

/// The app on `scenario` in the frame loop, drawn as `tests/classroom/harness.rs` draws it.
fn frames_harness(scenario: Scenario, prefs: Prefs) -> Harness<'static, AppState> {
    let state =
        AppState::with_execution(scenario, None, prefs, Arc::new(|| {}), Execution::frames());
    Harness::builder()
        .with_size([1280.0, 820.0])
        .with_context_setup(optiviz::ui::install_fonts)
        .build_ui_state(
            |ui, state: &mut AppState| {
                state.drain_updates(Duration::from_millis(50));
                optiviz::ui::shortcuts(ui.ctx(), state);
                optiviz::ui::app_ui(state, ui);
            },
            state,
        )
}

fn steps_taken(state: &AppState) -> Vec<u64> {
    state
        .runs
        .iter()
        .map(|r| r.trace.latest().map_or(0, |s| s.step))
        .collect()
}

/// Runs frames, `pause` apart (paced play needs time to pass), until `done` holds; at most
/// `frames` of them.
fn run_frames_until(
    harness: &mut Harness<'static, AppState>,
    frames: usize,
    pause: Duration,
    done: impl Fn(&AppState) -> bool,
) -> bool {
    for _ in 0..frames {
        if done(harness.state()) {
            return true;
        }
        std::thread::sleep(pause);
        harness.run_steps(1);
    }
    done(harness.state())
}

/// Every vertex of a line the last frame painted (paths and segments), with its colour.
fn painted_points(harness: &Harness<'static, AppState>) -> Vec<(Color32, Pos2)> {
    fn walk(shape: &Shape, out: &mut Vec<(Color32, Pos2)>) {
        match shape {
            Shape::Vec(shapes) => shapes.iter().for_each(|s| walk(s, out)),
            Shape::Path(path) => {
                if let ColorMode::Solid(colour) = path.stroke.color {
                    out.extend(path.points.iter().map(|&p| (colour, p)));
                }
            }
            Shape::LineSegment { points, stroke } => {
                out.extend(points.iter().map(|&p| (stroke.color, p)));
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for clipped in &harness.output().shapes {
        walk(&clipped.shape, &mut out);
    }
    out
}

#[test]
fn zigzag_plays_in_the_frame_loop_and_pause_stops_it() {
    let mut harness = frames_harness(
        zigzag(),
        Prefs {
            steps_per_second: Some(200.0),
            ..Prefs::default()
        },
    );
    harness.run_steps(2);
    assert!(matches!(harness.state().jobs, JobRunner::Frames { .. }));
    assert_eq!(steps_taken(harness.state()), [0, 0]);
    harness.get_by_label("▶ Play").click();
    harness.run_steps(1);
    assert!(harness.state().playing);
    let advanced = run_frames_until(&mut harness, 2_000, Duration::from_millis(5), |s| {
        steps_taken(s).iter().all(|&n| n >= 20)
    });
    assert!(
        advanced,
        "every run advances in the frame loop: {:?}",
        steps_taken(harness.state())
    );

    // Each run's path is drawn, in the run's colour, up to where it now is.
    harness.run_steps(1);
    let painted = painted_points(&harness);
    for (index, run) in harness.state().runs.iter().enumerate() {
        let latest = run.trace.latest().expect("samples").point;
        let screen = harness
            .state()
            .screen_from_world(latest)
            .expect("the landscape view is drawn");
        let config = &harness.state().scenario.runs[index];
        let colour = optiviz::ui::run_colour(config, index, harness.state().prefs.dark);
        assert!(
            painted
                .iter()
                .any(|&(c, p)| c == colour && p.distance(screen) < 1.5),
            "run {index}: no line of its colour {colour:?} at its latest point {latest:?} \
             ({screen:?})"
        );
    }

    harness.get_by_label("❚❚ Pause").click();
    harness.run_steps(2);
    assert!(!harness.state().playing);
    let paused_at = steps_taken(harness.state());
    for _ in 0..20 {
        std::thread::sleep(Duration::from_millis(5));
        harness.run_steps(1);
    }
    assert_eq!(steps_taken(harness.state()), paused_at);
    assert!(paused_at.iter().all(|&n| n < 200), "{paused_at:?}");
}

#[test]
fn contours_arrive_in_the_frame_loop() {
    let mut harness = frames_harness(zigzag(), Prefs::default());
    assert!(matches!(harness.state().jobs, JobRunner::Frames { .. }));
    // No thread computes them: only the frames' polls can, and a few frames suffice.
    let arrived = run_frames_until(&mut harness, 50, Duration::ZERO, |s| {
        s.views.landscape.has_contours()
    });
    assert!(arrived, "no contours after 50 frames");
    assert!(harness.query_by_label_contains("could not").is_none());
}
