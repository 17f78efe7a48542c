//! What the landscape view draws over the contours: iso-lines, the flow field, minima, the runs'
//! paths with their probes, auxiliary points and simulated workers, start handles, and a diverged
//! run's reason.

use egui::{Color32, Pos2, Stroke};
use egui_plot::{PlotPoint, PlotTransform};

use super::{HANDLE_RADIUS, MAX_PATH_POINTS, start_handles};
use crate::analysis::field::{self, FieldKind};
use crate::app::AppState;
use crate::engine::RunStatus;
use crate::landscape::{Minimizers, ViewWindow};
use crate::ui::run_colour;

pub(super) fn paint_overlays(
    state: &AppState,
    painter: &egui::Painter,
    transform: &PlotTransform,
    landscape: &std::sync::Arc<dyn crate::landscape::Landscape>,
) {
    let screen =
        |point: [f64; 2]| transform.position_from_point(&PlotPoint::new(point[0], point[1]));
    let dark = state.prefs.dark;
    let ink = if dark { Color32::WHITE } else { Color32::BLACK };
    if state.prefs.iso_lines
        && let Some(cache) = &state.views.landscape.contour
    {
        let stroke = Stroke::new(1.0, ink.gamma_multiply(0.25));
        for [a, b] in &cache.lines {
            painter.line_segment([screen(*a), screen(*b)], stroke);
        }
    }
    paint_field(state, painter, transform, landscape.as_ref());
    paint_minima(painter, &screen, landscape.as_ref(), ink);
    let handles = start_handles(state);
    for (index, run) in state.runs.iter().enumerate() {
        let Some(config) = state.scenario.runs.get(index) else {
            continue;
        };
        if !run.visible {
            continue;
        }
        let colour = run_colour(config, index);
        let path: Vec<Pos2> = run.trace.path(MAX_PATH_POINTS).map(screen).collect();
        if path.len() >= 2 {
            let width = 2.0 * crate::ui::line_scale(state);
            painter.add(egui::Shape::line(
                path.clone(),
                Stroke::new(2.0 * width, Color32::BLACK.gamma_multiply(0.35)),
            ));
            painter.add(egui::Shape::line(path.clone(), Stroke::new(width, colour)));
        }
        for probe in &run.probes {
            painter.circle_filled(screen(probe.point), 2.5, colour.gamma_multiply(0.5));
        }
        if let Some(auxiliary) = run.auxiliary {
            painter.circle_stroke(screen(auxiliary), 4.0, Stroke::new(1.5, colour));
        }
        paint_worker_trails(state, painter, &screen, run, colour, path.last());
        if let Some(current) = path.last() {
            painter.circle_filled(*current, 5.0, colour);
            painter.circle_stroke(*current, 5.0, Stroke::new(1.0, Color32::BLACK));
        }
        if let RunStatus::Diverged { reason, .. } = &run.trace.status
            && let Some(last) = path.last()
        {
            painter.text(
                *last + egui::vec2(8.0, -8.0),
                egui::Align2::LEFT_BOTTOM,
                format!("{}: {}", config.label, short_reason(reason)),
                egui::FontId::proportional(13.0),
                state_error_colour(dark),
            );
        }
        if let Some(start) = handles.get(index) {
            let centre = screen(*start);
            painter.circle_stroke(
                centre,
                HANDLE_RADIUS - 2.0,
                Stroke::new(2.5, Color32::BLACK.gamma_multiply(0.6)),
            );
            painter.circle_stroke(centre, HANDLE_RADIUS - 2.0, Stroke::new(1.5, colour));
        }
    }
    // On top of the paths, so the parts of the latest step stay readable.
    crate::ui::step_view::paint_update_arrows(state, painter, &screen);
}

/// A cross at each known minimum.
fn paint_minima(
    painter: &egui::Painter,
    screen: &dyn Fn([f64; 2]) -> Pos2,
    landscape: &dyn crate::landscape::Landscape,
    ink: Color32,
) {
    if let Minimizers::Points(minima) = landscape.minimizers() {
        for minimum in minima {
            let centre = screen(minimum.point);
            let arm = 5.0;
            let stroke = Stroke::new(2.0, ink);
            painter.line_segment(
                [
                    centre + egui::vec2(-arm, -arm),
                    centre + egui::vec2(arm, arm),
                ],
                stroke,
            );
            painter.line_segment(
                [
                    centre + egui::vec2(-arm, arm),
                    centre + egui::vec2(arm, -arm),
                ],
                stroke,
            );
        }
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
