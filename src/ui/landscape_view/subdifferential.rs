//! Each run's sampled Clarke subdifferential, drawn where its current point sits on a kink: the
//! convex hull of gradients sampled in a small disc around the point
//! (`analysis::measure::subdifferential`), as a polygon in gradient space anchored at the point, so
//! that the point itself stands for the zero subgradient: the polygon covers the point exactly
//! when 0 ∈ ∂f, i.e. the point is (ε-)Clarke stationary.

use egui::{Align2, Color32, FontId, Pos2, Shape, Stroke, Vec2};

use crate::analysis::measure::subdifferential::{PLANE_SAMPLES, sample_plane};
use crate::app::AppState;
use crate::landscape::Landscape;

/// Screen length, in points, of the longest sampled gradient.
const LONGEST_ARROW: f32 = 90.0;

/// Draws the hull of each visible run whose current point sits on a kink (when the lesson or the
/// view's checkbox asks for it).
pub(super) fn paint_subdifferentials(
    state: &AppState,
    painter: &egui::Painter,
    screen: &dyn Fn([f64; 2]) -> Pos2,
    landscape: &dyn Landscape,
    colours: &[(usize, Color32)],
) {
    let Some(settings) = &state.scenario.subdifferential else {
        return;
    };
    let scale = crate::ui::line_scale(state);
    for &(index, colour) in colours {
        let Some(sample) = state.runs.get(index).and_then(|run| run.trace.latest()) else {
            continue;
        };
        let hull = sample_plane(
            |p| landscape.value_and_gradient(p).1,
            sample.point,
            settings.radius,
            PLANE_SAMPLES,
            sample.step,
        );
        if !hull.is_kink() || hull.scale <= 0.0 {
            continue;
        }
        let anchor = screen(sample.point);
        // At most a third of the view's shorter side, so it stays on screen in presentation mode.
        let longest = (scale * LONGEST_ARROW).min(painter.clip_rect().size().min_elem() / 3.0);
        let per_unit = longest / hull.scale as f32;
        // Gradient space drawn with y up, as the landscape.
        let at = |g: [f64; 2]| anchor + Vec2::new(g[0] as f32, -(g[1] as f32)) * per_unit;
        let vertices: Vec<Pos2> = hull.hull.iter().map(|&g| at(g)).collect();
        // A dark halo under the hull, so it stands out from the run's own path.
        let halo = Stroke::new(5.0 * scale, Color32::BLACK.gamma_multiply(0.7));
        let stroke = Stroke::new(2.0 * scale, colour);
        match vertices.as_slice() {
            [] | [_] => {}
            [a, b] => {
                painter.line_segment([*a, *b], halo);
                painter.line_segment([*a, *b], stroke);
            }
            _ => {
                let mut ring = vertices.clone();
                ring.push(vertices[0]);
                painter.add(Shape::line(ring, halo));
                painter.add(Shape::convex_polygon(
                    vertices.clone(),
                    colour.gamma_multiply(0.3),
                    stroke,
                ));
            }
        }
        for vertex in &vertices {
            painter.circle(
                *vertex,
                3.5 * scale,
                colour,
                Stroke::new(1.0, Color32::BLACK),
            );
        }
        // The min-norm element, from the point: its negative is the steepest descent direction.
        let nearest = at(hull.min_norm);
        painter.line_segment([anchor, nearest], Stroke::new(1.0 * scale, colour));
        painter.circle_filled(nearest, 2.5 * scale, colour);
        let top = vertices
            .iter()
            .fold(f32::INFINITY, |top, v| top.min(v.y))
            .min(anchor.y);
        let label = format!(
            "∂f  (ε = {}, dist(0, ∂f) = {})",
            crate::ui::format_number(settings.radius),
            crate::ui::format_number(hull.distance())
        );
        painter.text(
            Pos2::new(anchor.x, top - 4.0 * scale),
            Align2::CENTER_BOTTOM,
            label,
            FontId::proportional(13.0),
            colour,
        );
    }
}
