//! What the landscape view draws over the contours: iso-lines, the flow field, constraint sets,
//! minima, saddles and maxima, the runs' paths with their probes, auxiliary points and simulated
//! workers, start handles, a diverged run's reason, and the name of a run that has left the view.
//!
//! **Telling runs apart.** Runs are drawn in the theme's palette (beyond six runs, with dash
//! patterns), the selected run over the others, wider and on a halo, and the hovered run (a path
//! under the pointer or a row of the runs table) last, with the others faded. Runs whose paths
//! share a route (saddle_escape's four runs along y = 0) would hide one another, so the runs
//! drawn in plain style are nested like the lines of a transit map: each is drawn a little wider
//! than the one drawn after it, so where n paths coincide each shows as a band around the next,
//! and a path drawn later is never covered by an earlier one (zigzag's momentum inside GD's
//! zig-zag).

use egui::{Color32, Pos2, Stroke};
use egui_plot::{PlotPoint, PlotTransform};

use super::markers::{
    paint_constraint_set, paint_diverged_label, paint_max_margin, paint_pareto_set,
    paint_stationary_names, paint_stationary_points,
};
use super::{DrawnOverlays, HANDLE_RADIUS, MAX_PATH_POINTS, start_handles};
use crate::analysis::field::{self, FieldKind};
use crate::app::AppState;
use crate::engine::RunStatus;
use crate::landscape::ViewWindow;
use crate::ui::palette::{Emphasis, dashed_path, halo_colour, run_dash, run_emphasis};
use crate::ui::run_colour;

/// Screen distance within which the pointer hovers a path.
const HOVER_RADIUS: f32 = 6.0;
/// How much wider, as a fraction of the line width, each plain run is than the plain run drawn
/// after it: where paths coincide each shows a band of half this on either side of the next.
const NESTED_WIDENING: f32 = 0.8;

/// One visible run as drawn this frame.
struct DrawnRun {
    index: usize,
    colour: Color32,
    emphasis: Emphasis,
    path: Vec<Pos2>,
}

pub(super) fn paint_overlays(
    state: &AppState,
    painter: &egui::Painter,
    transform: &PlotTransform,
    landscape: &std::sync::Arc<dyn crate::landscape::Landscape>,
) -> DrawnOverlays {
    let screen =
        |point: [f64; 2]| transform.position_from_point(&PlotPoint::new(point[0], point[1]));
    let dark = state.prefs.dark;
    let ink = if dark { Color32::WHITE } else { Color32::BLACK };
    let framed = painter.with_clip_rect(painter.clip_rect().intersect(*transform.frame()));
    if state.prefs.iso_lines
        && let Some(cache) = &state.views.landscape.contour
    {
        let stroke = Stroke::new(1.0, ink.gamma_multiply(0.25));
        for [a, b] in &cache.lines {
            painter.line_segment([screen(*a), screen(*b)], stroke);
        }
    }
    paint_field(state, painter, transform, landscape.as_ref());
    let mut drawn = DrawnOverlays::default();
    let width = 2.0 * crate::ui::line_scale(state);
    let mut runs = visible_runs(state, &screen);
    for run in &runs {
        if let Some(config) = state.scenario.runs.get(run.index)
            && let Some(outline) =
                paint_constraint_set(&framed, &screen, config, run.colour, 0.75 * width)
        {
            drawn.constraint_sets.push((run.index, outline));
        }
    }
    drawn.stationary_points = paint_stationary_points(&framed, &screen, landscape.as_ref(), ink);
    paint_max_margin(
        &framed,
        &screen,
        landscape.as_ref(),
        ink,
        plate_colour(dark),
    );
    paint_pareto_set(
        &framed,
        &screen,
        landscape.as_ref(),
        ink,
        plate_colour(dark),
    );
    runs.sort_by_key(|run| (run.emphasis.layer(), run.index));
    paint_paths(state, painter, &runs, width);
    let handles = start_handles(state);
    for run in &runs {
        paint_run_marks(state, painter, &screen, run, handles.get(run.index));
    }
    paint_stationary_names(&framed, &drawn.stationary_points, ink, plate_colour(dark));
    for run in &runs {
        if let Some(rect) = paint_diverged(state, &framed, run) {
            drawn.diverged_labels.push((run.index, rect));
        } else {
            paint_off_view(state, &framed, run);
        }
    }
    let colours: Vec<_> = runs.iter().map(|run| (run.index, run.colour)).collect();
    super::subdifferential::paint_subdifferentials(
        state,
        &framed,
        &screen,
        landscape.as_ref(),
        &colours,
    );
    // On top of the paths, so the parts of the latest step stay readable.
    crate::ui::step_view::paint_update_arrows(state, painter, &screen);
    let pointer = painter.ctx().input(|input| input.pointer.hover_pos());
    drawn.pointer_in_view = pointer.is_some_and(|p| transform.frame().contains(p));
    drawn.run_under_pointer = pointer
        .filter(|_| drawn.pointer_in_view)
        .and_then(|p| nearest_run(&runs, p));
    drawn
}

/// The visible runs with their colour, emphasis and path on screen.
fn visible_runs(state: &AppState, screen: &dyn Fn([f64; 2]) -> Pos2) -> Vec<DrawnRun> {
    state
        .runs
        .iter()
        .enumerate()
        .filter(|(index, run)| run.visible && *index < state.scenario.runs.len())
        .map(|(index, run)| DrawnRun {
            index,
            colour: run_colour(&state.scenario.runs[index], index, state.prefs.dark),
            emphasis: run_emphasis(state, index),
            path: run.trace.path(MAX_PATH_POINTS).map(screen).collect(),
        })
        .collect()
}

/// Every path: shadows and colours in drawing order, highlighted ones wider on a halo, plain
/// ones nested (each a little wider than the plain run drawn after it).
fn paint_paths(state: &AppState, painter: &egui::Painter, runs: &[DrawnRun], width: f32) {
    let clip = painter.clip_rect().expand(4.0 * width);
    let drawable = |run: &&DrawnRun| run.path.len() >= 2;
    let plain = runs
        .iter()
        .filter(drawable)
        .filter(|run| !run.emphasis.is_highlighted())
        .count();
    let mut plain_rank = 0;
    for run in runs.iter().filter(drawable) {
        let drawn_width = if run.emphasis.is_highlighted() {
            run.emphasis.width(width)
        } else {
            let later = plain.saturating_sub(plain_rank + 1);
            plain_rank += 1;
            width * (1.0 + NESTED_WIDENING * later as f32)
        };
        let under = if run.emphasis.is_highlighted() {
            Stroke::new(drawn_width + 2.0 * width, halo_colour(state.prefs.dark))
        } else {
            Stroke::new(drawn_width + width, Color32::BLACK.gamma_multiply(0.35))
        };
        painter.add(egui::Shape::line(run.path.clone(), under));
        let stroke = Stroke::new(drawn_width, run.emphasis.colour(run.colour));
        painter.extend(dashed_path(&run.path, stroke, run_dash(run.index), clip));
    }
}

/// A run's probes, auxiliary point, workers, current point and start handle.
fn paint_run_marks(
    state: &AppState,
    painter: &egui::Painter,
    screen: &dyn Fn([f64; 2]) -> Pos2,
    drawn: &DrawnRun,
    handle: Option<&[f64; 2]>,
) {
    let Some(run) = state.runs.get(drawn.index) else {
        return;
    };
    let colour = drawn.emphasis.colour(drawn.colour);
    for probe in &run.probes {
        painter.circle_filled(screen(probe.point), 2.5, colour.gamma_multiply(0.5));
    }
    if let Some(auxiliary) = run.auxiliary {
        painter.circle_stroke(screen(auxiliary), 4.0, Stroke::new(1.5, colour));
    }
    paint_worker_trails(state, painter, screen, run, colour, drawn.path.last());
    if let Some(current) = drawn.path.last() {
        let radius = if drawn.emphasis.is_highlighted() {
            6.5
        } else {
            5.0
        };
        painter.circle_filled(*current, radius, colour);
        painter.circle_stroke(*current, radius, Stroke::new(1.0, Color32::BLACK));
    }
    if let Some(start) = handle {
        let centre = screen(*start);
        painter.circle_stroke(
            centre,
            HANDLE_RADIUS - 2.0,
            Stroke::new(2.5, Color32::BLACK.gamma_multiply(0.6)),
        );
        painter.circle_stroke(centre, HANDLE_RADIUS - 2.0, Stroke::new(1.5, colour));
    }
}

/// A diverged run's label with the reason, inside the view.
fn paint_diverged(state: &AppState, painter: &egui::Painter, run: &DrawnRun) -> Option<egui::Rect> {
    let RunStatus::Diverged { reason, .. } = &state.runs.get(run.index)?.trace.status else {
        return None;
    };
    let config = state.scenario.runs.get(run.index)?;
    let last = run.path.last()?;
    Some(paint_diverged_label(
        painter,
        format!("{}: {}", config.label, short_reason(reason)),
        *last,
        state_error_colour(state.prefs.dark),
        plate_colour(state.prefs.dark),
    ))
}

/// A run that has not diverged but whose current point has left the view (games' spirals, a heavy
/// ball's wide swings): its label at the view's edge, with an arrow the way it went, so the class
/// knows where it is without zooming out.
fn paint_off_view(state: &AppState, painter: &egui::Painter, run: &DrawnRun) {
    let (Some(last), Some(config)) = (run.path.last(), state.scenario.runs.get(run.index)) else {
        return;
    };
    let finite = last.x.is_finite() && last.y.is_finite();
    if !finite || painter.clip_rect().contains(*last) {
        return;
    }
    paint_diverged_label(
        painter,
        format!("{} (off view)", config.label),
        *last,
        run.colour,
        plate_colour(state.prefs.dark),
    );
}

/// The run whose path passes within [`HOVER_RADIUS`] of `pointer`, the topmost if several.
fn nearest_run(runs: &[DrawnRun], pointer: Pos2) -> Option<usize> {
    runs.iter()
        .rev()
        .map(|run| (run.index, distance_to_path(&run.path, pointer)))
        .filter(|(_, distance)| *distance <= HOVER_RADIUS)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(index, _)| index)
}

/// Screen distance from `point` to a polyline (∞ for an empty one).
fn distance_to_path(path: &[Pos2], point: Pos2) -> f32 {
    match path {
        [] => f32::INFINITY,
        [only] => only.distance(point),
        _ => path
            .windows(2)
            .map(|pair| {
                let (a, b) = (pair[0], pair[1]);
                let along = b - a;
                let length_sq = along.length_sq();
                let t = if length_sq > 0.0 {
                    ((point - a).dot(along) / length_sq).clamp(0.0, 1.0)
                } else {
                    0.0
                };
                (a + t * along).distance(point)
            })
            .filter(|d| d.is_finite())
            .fold(f32::INFINITY, f32::min),
    }
}

/// A run's simulated workers: faint trails ending in dots tied to the consensus (the run's own,
/// bold point `mean`).
fn paint_worker_trails(
    state: &AppState,
    painter: &egui::Painter,
    screen: &dyn Fn([f64; 2]) -> Pos2,
    run: &crate::app::RunView,
    colour: Color32,
    mean: Option<&Pos2>,
) {
    let Some(mean) = mean else {
        return;
    };
    let faint = colour.gamma_multiply(0.55);
    let trail_stroke = Stroke::new(1.0, colour.gamma_multiply(0.3));
    for trail in &run.workers {
        let Some(&worker) = trail.last() else {
            continue;
        };
        if state.prefs.worker_trails && trail.len() > 1 {
            let points = trail.iter().map(|p| screen(*p)).collect();
            painter.add(egui::Shape::line(points, trail_stroke));
        }
        let at = screen(worker);
        painter.line_segment([*mean, at], Stroke::new(1.0, faint));
        painter.circle_filled(at, 3.0, faint);
    }
}

/// Arrows across the view's wider side.
const FIELD_ARROWS: usize = 28;

/// Whether any run follows the descent–ascent field of a game.
fn plays_a_game(state: &AppState) -> bool {
    state
        .scenario
        .runs
        .iter()
        .any(|run| run.optimizer.plays_a_game())
}

/// The flow field as faint arrows on a grid over the visible window: direction exact, length
/// growing with the square root of the field's size so that weak regions still show a direction.
fn paint_field(
    state: &AppState,
    painter: &egui::Painter,
    transform: &PlotTransform,
    landscape: &dyn crate::landscape::Landscape,
) {
    let game = plays_a_game(state);
    if !(state.prefs.field || game) {
        return;
    }
    let bounds = transform.bounds();
    let [x_min, y_min] = bounds.min();
    let [x_max, y_max] = bounds.max();
    let window = ViewWindow {
        x_min,
        x_max,
        y_min,
        y_max,
    };
    let frame = transform.frame();
    let (columns, rows) = if frame.width() >= frame.height() {
        let rows = (FIELD_ARROWS as f32 * frame.height() / frame.width().max(1.0)).round();
        (FIELD_ARROWS, (rows as usize).max(2))
    } else {
        let columns = (FIELD_ARROWS as f32 * frame.width() / frame.height().max(1.0)).round();
        ((columns as usize).max(2), FIELD_ARROWS)
    };
    let kind = if game {
        FieldKind::DescentAscent
    } else {
        FieldKind::Descent
    };
    let arrows = field::sample(landscape, window, columns, rows, kind);
    let largest = arrows
        .iter()
        .map(|(_, d)| d[0].hypot(d[1]))
        .fold(0.0_f64, f64::max);
    if !(largest > 0.0 && largest.is_finite()) {
        return;
    }
    let cell = (frame.width() / columns as f32).min(frame.height() / rows as f32);
    let ink = if state.prefs.dark {
        Color32::WHITE
    } else {
        Color32::BLACK
    };
    let stroke = Stroke::new(1.2, ink.gamma_multiply(0.45));
    for (point, direction) in arrows {
        let size = direction[0].hypot(direction[1]);
        if size == 0.0 {
            continue;
        }
        let length = 0.8 * cell * (size / largest).sqrt() as f32;
        // Screen y points down: flip the field's y.
        let unit = egui::vec2((direction[0] / size) as f32, -(direction[1] / size) as f32);
        let centre = transform.position_from_point(&PlotPoint::new(point[0], point[1]));
        let from = centre - 0.5 * length * unit;
        let to = centre + 0.5 * length * unit;
        painter.line_segment([from, to], stroke);
        let head = (0.35 * length).min(6.0);
        let back = -unit * head;
        let rotation = egui::emath::Rot2::from_angle(0.5);
        painter.line_segment([to, to + rotation * back], stroke);
        painter.line_segment([to, to + rotation.inverse() * back], stroke);
    }
}

/// The plate under text drawn on the landscape (labels of saddles, diverged runs).
fn plate_colour(dark: bool) -> Color32 {
    if dark {
        Color32::from_gray(20)
    } else {
        Color32::from_gray(245)
    }
}

fn state_error_colour(dark: bool) -> Color32 {
    if dark {
        Color32::from_rgb(255, 120, 110)
    } else {
        Color32::from_rgb(180, 20, 20)
    }
}

/// The part of a divergence reason worth printing on the canvas ("lr·λmax = 2.4 …").
fn short_reason(reason: &str) -> &str {
    reason
        .split_once("; at the last finite point ")
        .map_or(reason, |(_, hint)| hint)
}
