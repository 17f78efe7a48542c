//! The app's views with their background jobs in the frame loop (`JobRunner::Frames`, as in a
//! browser without threads): with a zero budget every frame works one piece, so a job spans many
//! frames, and each view ends with what it shows when its jobs run on threads.
#![cfg(feature = "gui")]

use std::time::Duration;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use optiviz::app::{AppState, Prefs};
use optiviz::engine::JobRunner;

#[path = "classroom/harness.rs"]
mod harness;
use harness::{harness_sized, lesson, run_until};

fn harness() -> Harness<'static, AppState> {
    harness_sized(lesson("zigzag"), Prefs::default(), [1280.0, 820.0])
}

fn in_frames(harness: &mut Harness<'static, AppState>) {
    harness.state_mut().jobs = JobRunner::Frames {
        budget: Duration::ZERO,
    };
}

/// Runs frames until `done` holds, with no sleeping (the frames do the work), and counts them.
fn frames_until(
    harness: &mut Harness<'static, AppState>,
    done: impl Fn(&AppState) -> bool,
) -> usize {
    let mut frames = 0;
    while !done(harness.state()) {
        harness.run_steps(1);
        frames += 1;
        assert!(frames < 20_000, "the job never finished in the frame loop");
    }
    frames
}

/// Opens the basin map of 128² starts × 30 steps and presses Compute.
fn compute_basin_map(harness: &mut Harness<'static, AppState>) {
    harness.get_by_label("Basin map").click();
    harness.run_steps(1);
    harness.state_mut().views.basin.resolution = 128;
    harness.state_mut().views.basin.steps = 30;
    harness.get_by_label("Compute").click();
}

#[test]
fn a_basin_map_computed_over_many_frames_is_the_one_computed_on_threads() {
    let mut threaded = harness();
    compute_basin_map(&mut threaded);
    run_until(&mut threaded, |s| s.views.basin.has_map());

    let mut sliced = harness();
    in_frames(&mut sliced);
    compute_basin_map(&mut sliced);
    sliced.run_steps(1);
    assert!(sliced.state().views.basin.is_computing());
    // A row per frame: 128 rows.
    let frames = frames_until(&mut sliced, |s| s.views.basin.has_map());
    assert!(frames >= 100, "{frames} frames");
    sliced.run_steps(1);
    assert!(
        sliced
            .query_by_label_contains("from 128² starts, 30 steps")
            .is_some()
    );
    assert_eq!(
        sliced.state().views.basin.map(),
        threaded.state().views.basin.map()
    );
}

/// Opens the sweep window on 8 × 4 cells of 50 evaluations and presses Compute.
fn compute_sweep(harness: &mut Harness<'static, AppState>) {
    harness.get_by_label("Sweep…").click();
    harness.run_steps(2);
    {
        let settings = &mut harness.state_mut().views.sweep.settings;
        settings.axes[0] = optiviz::analysis::sweep::Axis::linear("lr", (0.001, 0.03), 8);
        settings.axes[1] = optiviz::analysis::sweep::Axis::linear("momentum", (0.0, 0.9), 4);
        settings.budget_evals = 50;
    }
    harness.run_steps(1);
    harness.get_by_label("Compute").click();
}

#[test]
fn a_sweep_computed_over_many_frames_is_the_one_computed_on_threads() {
    let mut threaded = harness();
    compute_sweep(&mut threaded);
    run_until(&mut threaded, |s| s.views.sweep.has_result());

    let mut sliced = harness();
    in_frames(&mut sliced);
    compute_sweep(&mut sliced);
    // A cell per frame: 32 cells.
    let frames = frames_until(&mut sliced, |s| s.views.sweep.has_result());
    assert!(frames >= 30, "{frames} frames");
    sliced.run_steps(1);
    assert!(sliced.query_by_label_contains("cells diverged").is_some());
    assert_eq!(
        sliced.state().views.sweep.sweep(),
        threaded.state().views.sweep.sweep()
    );
}

#[test]
fn contours_come_back_over_many_frames_and_a_gif_export_writes_the_threaded_file() {
    let mut harness = harness();
    harness.get_by_label("▶❚ Step").click();
    run_until(&mut harness, |s| {
        s.runs
            .iter()
            .all(|r| r.trace.latest().is_some_and(|l| l.step == 1))
    });
    run_until(&mut harness, |s| s.views.landscape.has_contours());
    let folder = tempfile::tempdir().expect("a temporary folder");
    let threaded_path = folder.path().join("threaded.gif");
    harness.state_mut().export_gif(&threaded_path, [96, 72], 6);
    run_until(&mut harness, |s| !s.is_exporting());

    in_frames(&mut harness);
    harness.state_mut().views.landscape.invalidate();
    // The field's rows and then the iso-lines' rows, one per frame (at least 32 rows a side).
    let frames = frames_until(&mut harness, |s| s.views.landscape.has_contours());
    assert!(frames >= 60, "{frames} frames");

    let sliced_path = folder.path().join("sliced.gif");
    harness.state_mut().export_gif(&sliced_path, [96, 72], 6);
    let frames = frames_until(&mut harness, |s| !s.is_exporting());
    assert!(frames >= 6, "{frames} frames");
    let notice = harness
        .state()
        .notice
        .as_ref()
        .expect("the export is reported");
    assert!(!notice.is_error, "{}", notice.text);
    let read = |path: &std::path::Path| std::fs::read(path).expect("the GIF was written");
    assert_eq!(read(&sliced_path), read(&threaded_path));
}
