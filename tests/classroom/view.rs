//! Items 2 and 3 (and item 10's 3D drag rate): the wheel zooms about the cursor, a drag pans, a
//! double click and Fit bring the lesson's view back, "All paths" frames every path; every
//! landscape lesson's first view frames its starts, the minimizers and sets it names, and its
//! paths, on every lecture screen; the 3D view turns about half a turn per canvas width.

use super::harness;
use harness::*;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use optiviz::analysis::geometry::framing::{self, MARGIN};
use optiviz::app::AppState;
use optiviz::engine::{ProblemInstance, RunStatus, Session};
use optiviz::landscape::{Minimizers, ViewWindow};
use optiviz::optim::{ConstraintSet, OptimizerConfig};
use optiviz::scenario::{Claim, Problem, Scenario};

// ---------------------------------------------------------------------------------------------
// Helpers

/// The window the landscape view showed last frame.
fn shown(harness: &Harness<'static, AppState>) -> ViewWindow {
    harness
        .state()
        .views
        .landscape
        .shown_window()
        .expect("the landscape view is drawn")
}

fn plot_rect(harness: &Harness<'static, AppState>) -> egui::Rect {
    harness
        .state()
        .view_rect()
        .expect("the landscape view is drawn")
}

/// The landscape point at screen position `pos`, by the window shown last frame.
fn world_at(harness: &Harness<'static, AppState>, pos: egui::Pos2) -> [f64; 2] {
    let (window, rect) = (shown(harness), plot_rect(harness));
    let fx = f64::from((pos.x - rect.left()) / rect.width());
    let fy = f64::from((rect.bottom() - pos.y) / rect.height());
    [
        window.x_min + fx * (window.x_max - window.x_min),
        window.y_min + fy * (window.y_max - window.y_min),
    ]
}

/// Turns the mouse wheel `lines` notches (positive: away from the user) with the pointer at
/// `pos`, and lets egui's wheel smoothing finish.
fn wheel_at(harness: &mut Harness<'static, AppState>, pos: egui::Pos2, lines: f32) {
    harness.hover_at(pos);
    harness.run_steps(1);
    harness.event(egui::Event::MouseWheel {
        unit: egui::MouseWheelUnit::Line,
        delta: egui::vec2(0.0, lines),
        phase: egui::TouchPhase::Move,
        source: egui::MouseWheelSource::Unknown,
        modifiers: egui::Modifiers::NONE,
    });
    harness.run_steps(40);
}

/// Drags with the primary button from `from` to `to` in a few moves.
fn drag(harness: &mut Harness<'static, AppState>, from: egui::Pos2, to: egui::Pos2) {
    harness.hover_at(from);
    harness.run_steps(1);
    harness.drag_at(from);
    harness.run_steps(1);
    for k in 1..=8 {
        harness.hover_at(from + (to - from) * (k as f32 / 8.0));
        harness.run_steps(1);
    }
    harness.drop_at(to);
    harness.run_steps(2);
}

fn double_click(harness: &mut Harness<'static, AppState>, pos: egui::Pos2) {
    // kittest steps 0.25 s a frame, longer than egui's double-click delay (0.3 s) allows for
    // two clicks a frame apart each.
    harness
        .ctx
        .options_mut(|options| options.input_options.max_double_click_delay = 2.0);
    harness.hover_at(pos);
    harness.run_steps(1);
    for pressed in [true, false, true, false] {
        harness.event(egui::Event::PointerButton {
            pos,
            button: egui::PointerButton::Primary,
            pressed,
            modifiers: egui::Modifiers::NONE,
        });
        harness.run_steps(1);
    }
    harness.run_steps(2);
}

fn close(a: &ViewWindow, b: &ViewWindow, tolerance: f64) -> bool {
    let scale = (a.x_max - a.x_min).max(a.y_max - a.y_min);
    [
        (a.x_min, b.x_min),
        (a.x_max, b.x_max),
        (a.y_min, b.y_min),
        (a.y_max, b.y_max),
    ]
    .iter()
    .all(|(p, q)| (p - q).abs() <= tolerance * scale)
}

/// The lesson's view fitted to the plot's frame, as the view shows it first.
fn lesson_framing(harness: &Harness<'static, AppState>) -> ViewWindow {
    let state = harness.state();
    let landscape = state.landscape.as_ref().expect("a landscape lesson");
    let view = state.scenario.view.unwrap_or_else(|| landscape.view());
    let rect = plot_rect(harness);
    framing::fit_to_canvas(
        view,
        f64::from(rect.width()),
        f64::from(rect.height()),
        MARGIN,
    )
}

fn zigzag() -> Harness<'static, AppState> {
    harness_on_screen(lesson("zigzag"), SCREENS[0], false)
}

// ---------------------------------------------------------------------------------------------
// Item 2: zoom, pan, double-click, Fit

#[test]
fn the_wheel_zooms_in_about_the_cursor_and_the_point_under_it_stays_put() {
    let mut harness = zigzag();
    let before = shown(&harness);
    let rect = plot_rect(&harness);
    // Off centre, so that zooming about the centre would move the point.
    let cursor = rect.left_top() + egui::vec2(0.7 * rect.width(), 0.3 * rect.height());
    let under_before = world_at(&harness, cursor);
    wheel_at(&mut harness, cursor, 3.0);
    let after = shown(&harness);
    let width_ratio = (after.x_max - after.x_min) / (before.x_max - before.x_min);
    assert!(
        width_ratio < 0.8,
        "three notches away from the user zoom in: the width went ×{width_ratio:.3}"
    );
    // The axes' labels may change width as the numbers change: a few points at most.
    let now_at = harness
        .state()
        .screen_from_world(under_before)
        .expect("the view is drawn");
    assert!(
        now_at.distance(cursor) < 4.0,
        "the point under the cursor {under_before:?} moved from {cursor:?} to {now_at:?}"
    );
    wheel_at(&mut harness, cursor, -6.0);
    let out = shown(&harness);
    assert!(
        out.x_max - out.x_min > before.x_max - before.x_min,
        "notches toward the user zoom out"
    );
    assert!(
        !harness.state().views.landscape.shows_lesson_view(),
        "the wheel moved away from the lesson's view"
    );
}

#[test]
fn dragging_the_landscape_pans_it_with_the_pointer() {
    let mut harness = zigzag();
    let before = shown(&harness);
    let rect = plot_rect(&harness);
    // Away from the start handles at (1, 1) and the paths' points.
    let from = rect.left_top() + egui::vec2(0.15 * rect.width(), 0.8 * rect.height());
    let grabbed = world_at(&harness, from);
    let to = from + egui::vec2(120.0, -60.0);
    drag(&mut harness, from, to);
    let after = shown(&harness);
    let under = world_at(&harness, to);
    let tolerance = 0.02 * (before.x_max - before.x_min);
    assert!(
        (under[0] - grabbed[0]).abs() < tolerance && (under[1] - grabbed[1]).abs() < tolerance,
        "the grabbed point {grabbed:?} follows the pointer, found {under:?}"
    );
    assert!(
        after.x_min < before.x_min && after.y_min < before.y_min,
        "dragging right and up shows more of the left and bottom: {before:?} → {after:?}"
    );
    let width = |w: &ViewWindow| w.x_max - w.x_min;
    assert!(
        (width(&after) - width(&before)).abs() < 1e-9 * width(&before),
        "a pan keeps the scale"
    );
    assert_eq!(
        harness.state().scenario.runs[0].start,
        lesson("zigzag").runs[0].start,
        "panning moved no start"
    );
}

#[test]
fn dragging_a_start_handle_still_moves_the_start_and_not_the_view() {
    let mut harness = zigzag();
    let before = shown(&harness);
    let handle = harness
        .state()
        .screen_from_world([1.0, 1.0])
        .expect("the handle is drawn");
    drag(&mut harness, handle, handle + egui::vec2(-60.0, 40.0));
    let start = harness.state().scenario.runs[0].start.expect("a start");
    assert!(
        start[0] < 1.0 && start[1] < 1.0,
        "the start moved: {start:?}"
    );
    assert!(
        close(&shown(&harness), &before, 1e-9),
        "the view did not pan"
    );
}

#[test]
fn a_double_click_brings_back_the_lessons_view() {
    let mut harness = zigzag();
    let lesson_view = shown(&harness);
    assert!(close(&lesson_view, &lesson_framing(&harness), 1e-6));
    let rect = plot_rect(&harness);
    let cursor = rect.left_top() + egui::vec2(0.2 * rect.width(), 0.75 * rect.height());
    wheel_at(&mut harness, cursor, 4.0);
    drag(&mut harness, cursor, cursor + egui::vec2(80.0, 30.0));
    assert!(
        !close(&shown(&harness), &lesson_view, 1e-3),
        "zoomed and panned"
    );
    double_click(&mut harness, rect.center() + egui::vec2(-150.0, 90.0));
    assert!(
        close(&shown(&harness), &lesson_view, 1e-6),
        "{:?} is the lesson's view {lesson_view:?}",
        shown(&harness)
    );
    assert!(harness.state().views.landscape.shows_lesson_view());
}

#[test]
fn fit_restores_the_lessons_view_after_zoom_and_pan() {
    let mut harness = harness_on_screen(lesson("rosenbrock"), SCREENS[2], false);
    let lesson_view = lesson_framing(&harness);
    assert!(close(&shown(&harness), &lesson_view, 1e-6));
    let rect = plot_rect(&harness);
    let cursor = rect.left_top() + egui::vec2(0.3 * rect.width(), 0.6 * rect.height());
    wheel_at(&mut harness, cursor, -3.0);
    drag(&mut harness, cursor, cursor + egui::vec2(-100.0, 50.0));
    assert!(!close(&shown(&harness), &lesson_view, 1e-3));
    harness.get_by_label("Fit").click();
    harness.run_steps(3);
    assert!(
        close(&shown(&harness), &lesson_view, 1e-6),
        "{:?} is the lesson's view {lesson_view:?}",
        shown(&harness)
    );
}

#[test]
fn all_paths_frames_every_path_and_fills_the_view_with_them() {
    let mut harness = harness_on_screen(lesson("second_order"), SCREENS[2], false);
    harness.get_by_label("Max").click();
    harness.get_by_label("▶ Play").click();
    run_until(&mut harness, |state| {
        state.statuses().iter().all(|status| !status.is_running())
    });
    // Zoom far in, so that most of every path is off screen before framing them.
    let rect = plot_rect(&harness);
    wheel_at(&mut harness, rect.left_top() + egui::vec2(10.0, 10.0), 15.0);
    harness.get_by_label("What Fit frames").click();
    harness.run_steps(2);
    harness.get_by_label("All paths").click();
    harness.run_steps(3);
    let window = shown(&harness);
    let mut all = Vec::new();
    for run in &harness.state().runs {
        let points: Vec<[f64; 2]> = run.trace.path(usize::MAX).collect();
        for point in &points {
            assert!(
                framing::contains(&window, *point),
                "{point:?} outside {window:?}"
            );
        }
        all.extend(points);
    }
    let paths = framing::bounding_window(all).expect("paths");
    let spans = (
        (paths.x_max - paths.x_min) / (window.x_max - window.x_min),
        (paths.y_max - paths.y_min) / (window.y_max - window.y_min),
    );
    assert!(
        spans.0.max(spans.1) > 0.85,
        "the paths fill the view along one side: {spans:?}"
    );
    // Fit now means "All paths"; the menu brings back the lesson's view.
    harness.get_by_label("What Fit frames").click();
    harness.run_steps(2);
    harness.get_by_label("Lesson's view").click();
    harness.run_steps(3);
    assert!(close(&shown(&harness), &lesson_framing(&harness), 1e-6));
}

// ---------------------------------------------------------------------------------------------
// Item 10 (part): the 3D view turns in proportion to the drag, and zooms about the cursor

#[test]
fn the_3d_view_turns_about_half_a_turn_per_canvas_width() {
    let mut harness = zigzag();
    harness.get_by_label("3D surface").click();
    harness.run_steps(3);
    let canvas = harness
        .state()
        .views
        .surface
        .canvas_rect()
        .expect("the 3D view is drawn");
    let before = harness.state().views.surface.camera;
    let from = canvas.center();
    drag(&mut harness, from, from + egui::vec2(150.0, 0.0));
    let after = harness.state().views.surface.camera;
    let turned = (after.yaw_deg - before.yaw_deg).rem_euclid(360.0);
    let turned = turned.min(360.0 - turned);
    let per_point = turned / 150.0;
    let expected = 180.0 / f64::from(canvas.width());
    assert!(
        per_point <= 1.05 * expected && per_point >= 0.6 * expected,
        "{turned:.1}° for 150 points on a {:.0}-point canvas: {per_point:.3}°/pt, about {expected:.3}",
        canvas.width()
    );
    assert!(
        per_point < 0.25,
        "at most a quarter degree per point: {per_point:.3}"
    );
    // The wheel zooms the surface about the cursor; a double click resets turn and zoom.
    let cursor = canvas.center() + egui::vec2(100.0, 40.0);
    wheel_at(&mut harness, cursor, 3.0);
    let surface = &harness.state().views.surface;
    assert!(surface.zoom > 1.2, "zoomed in: {}", surface.zoom);
    let moved = cursor - canvas.center();
    let kept = (moved - surface.offset) / surface.zoom;
    assert!(
        (kept - moved).length() < 1.0,
        "the point under the cursor stays: {kept:?} vs {moved:?}"
    );
    double_click(&mut harness, canvas.center() + egui::vec2(-120.0, 60.0));
    let surface = &harness.state().views.surface;
    assert_eq!(surface.zoom, 1.0);
    assert_eq!(
        surface.camera,
        optiviz::analysis::geometry::surface::Camera::default()
    );
}

// ---------------------------------------------------------------------------------------------
// Item 3: default views frame the action, on every screen

/// What a lesson's first view must show, found by running it headless for its budget.
struct Action {
    /// The lesson's view box.
    view: ViewWindow,
    /// Starts, named minimizers and constraint sets' corners, each with what it is.
    must_show: Vec<(String, [f64; 2])>,
    /// The bounding box of the paths of runs that neither diverged nor left for −∞.
    paths: ViewWindow,
    /// The lesson opens with a basin map over its view.
    has_basin_map: bool,
}

fn set_corners(set: &ConstraintSet) -> Vec<[f64; 2]> {
    match set {
        ConstraintSet::Box { lo, hi } => vec![[lo.0, lo.1], [hi.0, hi.1]],
        ConstraintSet::L2Ball { center, radius } => vec![
            [center.0 - radius, center.1 - radius],
            [center.0 + radius, center.1 + radius],
        ],
        ConstraintSet::L1Ball { radius } => vec![[-radius, -radius], [*radius, *radius]],
    }
}

/// The points the lesson's notices name as where a run ends (a Try's claims are about the
/// lesson after its edit, which Fit's "All paths" frames).
fn end_near_points(scenario: &Scenario) -> Vec<[f64; 2]> {
    scenario
        .notice
        .iter()
        .filter_map(|notice| match &notice.claim {
            Claim::EndNear { point, .. } => Some(*point),
            _ => None,
        })
        .collect()
}

/// `None` for a network lesson (no landscape view).
fn action(scenario: &Scenario) -> Option<Action> {
    if !matches!(scenario.problem, Problem::Landscape(_)) {
        return None;
    }
    let problem = ProblemInstance::build_transformed(&scenario.problem, &scenario.transform);
    let landscape = problem.landscape.clone()?;
    let view = scenario.view.unwrap_or_else(|| landscape.view());
    let mut session = Session::new(scenario.clone());
    let mut must_show = Vec::new();
    let mut path_points = Vec::new();
    let mut ends = Vec::new();
    for (index, run) in scenario.runs.iter().enumerate() {
        let start = session.runs()[index].start().clone();
        must_show.push((format!("{}'s start", run.label), [start[0], start[1]]));
        let mut points = vec![[start[0], start[1]]];
        session.advance_run(index, scenario.steps, |sample| points.push(sample.point));
        let bounded = !matches!(
            session.runs()[index].status(),
            RunStatus::Diverged { .. } | RunStatus::Unbounded { .. }
        );
        if bounded {
            ends.extend(points.last().copied());
            path_points.extend(points);
        }
        if let OptimizerConfig::ProjectedGd(config) = &run.optimizer {
            for corner in set_corners(&config.set) {
                must_show.push((format!("{}'s set", run.label), corner));
            }
        }
    }
    for point in end_near_points(scenario) {
        must_show.push(("a point an EndNear claim names".to_owned(), point));
    }
    // The landscape's minimizers the lesson is about: its only one, or those a run ends at.
    if let Minimizers::Points(minima) = landscape.minimizers() {
        let near = 0.02 * view.diagonal();
        for minimum in &minima {
            let reached = ends
                .iter()
                .any(|end| (end[0] - minimum.point[0]).hypot(end[1] - minimum.point[1]) < near);
            if minima.len() == 1 || reached {
                must_show.push(("a minimizer".to_owned(), minimum.point));
            }
        }
    }
    Some(Action {
        view,
        must_show,
        paths: framing::bounding_window(path_points)?,
        has_basin_map: scenario.basin.is_some(),
    })
}

/// What is wrong with `action` shown in `window` (empty: framed).
fn framing_faults(action: &Action, window: &ViewWindow) -> Vec<String> {
    let mut faults: Vec<String> = action
        .must_show
        .iter()
        .filter(|(_, point)| !framing::contains(window, *point))
        .map(|(what, point)| format!("{what} {point:?} is off screen"))
        .collect();
    if action.has_basin_map {
        // A basin-map lesson's action is its map, computed over the lesson's own view (which the
        // view shows whole, checked below): its paths may be a small part of it.
        let view = &action.view;
        let inside = [[view.x_min, view.y_min], [view.x_max, view.y_max]];
        if !inside
            .iter()
            .all(|corner| framing::contains(window, *corner))
        {
            faults.push("the basin map's window is cropped".to_owned());
        }
        return faults;
    }
    let paths = &action.paths;
    let span_x = paths.x_max.min(window.x_max) - paths.x_min.max(window.x_min);
    let span_y = paths.y_max.min(window.y_max) - paths.y_min.max(window.y_min);
    let share_x = span_x / (window.x_max - window.x_min);
    let share_y = span_y / (window.y_max - window.y_min);
    if share_x.max(share_y) < 0.5 {
        faults.push(format!(
            "the paths span {:.0} % of the width and {:.0} % of the height",
            100.0 * share_x,
            100.0 * share_y
        ));
    }
    faults
}

#[test]
fn every_landscape_lesson_frames_its_action_on_every_screen() {
    let mut faults = Vec::new();
    let mut checked = 0;
    for name in lesson_names() {
        let scenario = lesson(&name);
        // Network lessons draw no landscape: their views are plots, framed by the plots' axes.
        let Some(action) = action(&scenario) else {
            continue;
        };
        for screen in SCREENS {
            for presenting in [false, true] {
                let harness = harness_on_screen(scenario.clone(), screen, presenting);
                let rect = plot_rect(&harness);
                let window = framing::fit_to_canvas(
                    action.view,
                    f64::from(rect.width()),
                    f64::from(rect.height()),
                    MARGIN,
                );
                assert!(
                    close(&shown(&harness), &window, 1e-6),
                    "{name}: the app shows the pure function's framing"
                );
                for fault in framing_faults(&action, &window) {
                    faults.push(format!(
                        "{name} on {screen:?}{}: {fault}",
                        if presenting { " presenting" } else { "" }
                    ));
                }
                checked += 1;
            }
        }
    }
    assert!(checked >= 8 * 30, "only {checked} lesson × screen cases");
    assert!(
        faults.is_empty(),
        "{} faults:\n{}",
        faults.len(),
        faults.join("\n")
    );
    eprintln!("{checked} lesson × screen cases framed");
}

#[test]
fn the_framing_rule_fails_where_the_issue_says_it_did() {
    // zigzag's start (1, 1) off a 1920×1080 canvas cropped to y ∈ [−0.6, 0.6], and second_order's
    // five paths in a corner of a ±4.5 window: the rule catches both.
    let zigzag = action(&lesson("zigzag")).expect("a landscape lesson");
    let cropped = ViewWindow {
        x_min: -1.5,
        x_max: 1.5,
        y_min: -0.6,
        y_max: 0.6,
    };
    assert!(!framing_faults(&zigzag, &cropped).is_empty());
    let second_order = action(&lesson("second_order")).expect("a landscape lesson");
    let old = framing::fit_to_canvas(ViewWindow::centred(4.5, 4.5), 1480.0, 690.0, MARGIN);
    assert!(!framing_faults(&second_order, &old).is_empty());
}

#[test]
fn help_and_the_guide_say_what_the_mouse_does() {
    let mut harness = zigzag();
    harness.get_by_label("Help").click();
    harness.run_steps(2);
    for words in [
        "the wheel zooms about the cursor, drag pans, double-click brings back the lesson's view; Fit does the same, or with its menu set to All paths frames every path",
        "the wheel zooms the x axis about the cursor, drag pans, double-click resets",
    ] {
        harness.get_by_label(words);
    }
    harness.get_by_label("Guide").click();
    harness.run_steps(2);
    harness.get_by_label("Moving around the views").click();
    harness.run_steps(2);
    assert!(
        harness
            .query_all_by_label("drag turns it (half a turn across the view's width), the wheel zooms about the cursor, double-click or Fit resets")
            .count()
            >= 2,
        "Help and the Guide both say how the 3D view moves"
    );
    let readme = std::fs::read_to_string(format!("{}/README.md", env!("CARGO_MANIFEST_DIR")))
        .expect("the README reads");
    let readme = readme.split_whitespace().collect::<Vec<_>>().join(" ");
    for words in [
        "The mouse wheel zooms about the cursor",
        "a double-click brings back the lesson's view",
        "**Fit**",
        "the wheel zooms the x axis about the cursor",
    ] {
        assert!(readme.contains(words), "the README says {words:?}");
    }
    assert!(
        !readme.contains("Scroll to zoom and drag to pan"),
        "the old words are gone"
    );
}
