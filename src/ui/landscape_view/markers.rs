//! What a lesson is about, drawn on the landscape: the known minima (✕), saddles (◇) and maxima
//! (△), the constraint sets of projected methods, and a diverged run's label kept inside the view.

use egui::{Color32, Pos2, Rect, Shape, Stroke, vec2};

use crate::landscape::{Landscape, Minimizers, StationaryKind};
use crate::scenario::RunConfig;

/// Sides of the polygon an ℓ₂ ball is drawn as.
const CIRCLE_SIDES: usize = 96;
/// Half the size of a marker, in points.
const ARM: f32 = 5.0;

/// A cross at each known minimum; a diamond at each saddle and a triangle at each maximum, each
/// named by [`paint_stationary_names`]. Returns the saddles and maxima drawn (inside the view) with their screen points.
pub(super) fn paint_stationary_points(
    painter: &egui::Painter,
    screen: &dyn Fn([f64; 2]) -> Pos2,
    landscape: &dyn Landscape,
    ink: Color32,
) -> Vec<(StationaryKind, Pos2)> {
    let stroke = Stroke::new(2.0, ink);
    if let Minimizers::Points(minima) = landscape.minimizers() {
        for minimum in minima {
            let centre = screen(minimum.point);
            painter.line_segment([centre + vec2(-ARM, -ARM), centre + vec2(ARM, ARM)], stroke);
            painter.line_segment([centre + vec2(-ARM, ARM), centre + vec2(ARM, -ARM)], stroke);
        }
    }
    let frame = painter.clip_rect();
    let mut drawn = Vec::new();
    for stationary in landscape.saddles_and_maxima() {
        let centre = screen(stationary.point);
        if !frame.contains(centre) {
            continue;
        }
        let arm = ARM + 1.0;
        let corners = match stationary.kind {
            StationaryKind::Saddle => vec![
                centre + vec2(0.0, -arm),
                centre + vec2(arm, 0.0),
                centre + vec2(0.0, arm),
                centre + vec2(-arm, 0.0),
            ],
            StationaryKind::Maximum => vec![
                centre + vec2(0.0, -arm),
                centre + vec2(arm, 0.8 * arm),
                centre + vec2(-arm, 0.8 * arm),
            ],
        };
        painter.add(Shape::closed_line(corners, stroke));
        drawn.push((stationary.kind, centre));
    }
    drawn
}

/// The names of the marked saddles and maxima, below and right of each marker on a faint
/// plate, drawn over the paths so that a run resting on a saddle does not hide the word.
pub(super) fn paint_stationary_names(
    painter: &egui::Painter,
    marked: &[(StationaryKind, Pos2)],
    ink: Color32,
    plate: Color32,
) {
    for (kind, centre) in marked {
        let name = match kind {
            StationaryKind::Saddle => "saddle",
            StationaryKind::Maximum => "maximum",
        };
        let at = *centre + vec2(ARM + 4.0, ARM + 2.0);
        plated_label(painter, name.to_owned(), [ink, plate], |size| {
            Rect::from_min_size(at, size)
        });
    }
}

/// `text` in 12-point `ink` on a translucent `plate`, in the rectangle `place` gives a label of
/// its size: the marks' names, readable over any colour of the contours.
fn plated_label(
    painter: &egui::Painter,
    text: String,
    [ink, plate]: [Color32; 2],
    place: impl FnOnce(egui::Vec2) -> Rect,
) {
    let galley = painter.layout_no_wrap(text, egui::FontId::proportional(12.0), ink);
    let rect = place(galley.size());
    painter.rect_filled(rect.expand(1.5), 2.0, plate.gamma_multiply(0.7));
    painter.galley(rect.min, galley, ink);
}

/// The set a projected method keeps its iterates in, filled faintly and outlined with dashes in
/// the run's colour. Returns the outline on screen (`None` for a method without a set).
pub(super) fn paint_constraint_set(
    painter: &egui::Painter,
    screen: &dyn Fn([f64; 2]) -> Pos2,
    config: &RunConfig,
    colour: Color32,
    width: f32,
) -> Option<Vec<Pos2>> {
    let set = config.optimizer.constraint_set()?;
    let outline: Vec<Pos2> = set.boundary(CIRCLE_SIDES).into_iter().map(screen).collect();
    if outline.iter().any(|p| !p.x.is_finite() || !p.y.is_finite()) {
        return None;
    }
    painter.add(Shape::convex_polygon(
        outline.clone(),
        colour.gamma_multiply(0.12),
        Stroke::NONE,
    ));
    let mut closed = outline.clone();
    closed.extend(outline.first().copied());
    painter.extend(Shape::dashed_line(
        &closed,
        Stroke::new(width, colour),
        3.0 * width,
        2.0 * width,
    ));
    Some(outline)
}

/// Where a label of `size` goes: beside `anchor` (its last finite point), moved inside `frame`
/// (less a margin) when that point is off view or near an edge.
pub fn label_rect(frame: Rect, anchor: Pos2, size: egui::Vec2) -> Rect {
    let margin = 4.0;
    let inner = frame.shrink(margin);
    let anchor = if anchor.x.is_finite() && anchor.y.is_finite() {
        anchor
    } else {
        frame.center()
    };
    let wanted = Rect::from_min_size(anchor + vec2(8.0, -8.0 - size.y), size);
    let max_x = (inner.max.x - size.x).max(inner.min.x);
    let max_y = (inner.max.y - size.y).max(inner.min.y);
    let min = Pos2::new(
        wanted.min.x.clamp(inner.min.x, max_x),
        wanted.min.y.clamp(inner.min.y, max_y),
    );
    Rect::from_min_size(min, size)
}

/// A run's label kept inside the view (a diverged run's with its reason, or the name of a run that
/// left the view); when the run's last point is off view the text starts with an arrow the way it
/// went. Returns where the label was drawn.
pub(super) fn paint_diverged_label(
    painter: &egui::Painter,
    text: String,
    last: Pos2,
    colour: Color32,
    background: Color32,
) -> Rect {
    // Below the Fit controls, which are drawn over the view's top right afterwards.
    let mut frame = painter.clip_rect();
    frame.min.y = (frame.min.y + super::navigation::FIT_CONTROLS_HEIGHT).min(frame.max.y);
    let finite = last.x.is_finite() && last.y.is_finite();
    let text = if finite && frame.contains(last) {
        text
    } else {
        format!(
            "{} {text}",
            direction_arrow(if finite {
                last - frame.center()
            } else {
                vec2(1.0, 0.0)
            })
        )
    };
    let galley = painter.layout_no_wrap(text, egui::FontId::proportional(13.0), colour);
    let rect = label_rect(frame, last, galley.size());
    painter.rect_filled(rect.expand(2.0), 3.0, background.gamma_multiply(0.8));
    painter.galley(rect.min, galley, colour);
    rect
}

/// The arrow among the eight that points most nearly along `direction` (screen y down).
fn direction_arrow(direction: egui::Vec2) -> char {
    const ARROWS: [char; 8] = ['→', '↘', '↓', '↙', '←', '↖', '↑', '↗'];
    let angle = direction.y.atan2(direction.x);
    let sector = (angle / std::f32::consts::FRAC_PI_4).round() as i32;
    ARROWS[sector.rem_euclid(8) as usize]
}

/// On separable data: the max-margin separator's direction as a dashed ray from the origin (where
/// gradient descent's direction w/‖w‖ goes), named with its margin γ near the view's edge.
pub(super) fn paint_max_margin(
    painter: &egui::Painter,
    screen: &dyn Fn([f64; 2]) -> Pos2,
    landscape: &dyn Landscape,
    ink: Color32,
    plate: Color32,
) {
    let Some(separator) = landscape.max_margin() else {
        return;
    };
    let frame = painter.clip_rect();
    let origin = screen([0.0, 0.0]);
    let unit = screen(separator.direction) - origin;
    if !(unit.length() > 0.0 && origin.x.is_finite() && origin.y.is_finite()) {
        return;
    }
    // Far enough to leave the view from anywhere on screen.
    let reach = (frame.width() + frame.height() + origin.distance(frame.center())) / unit.length();
    let end = origin + unit * reach;
    let stroke = Stroke::new(1.5, ink.gamma_multiply(0.8));
    painter.extend(Shape::dashed_line(&[origin, end], stroke, 8.0, 5.0));
    // The name where the ray is last on screen, a little inside the frame.
    let inner = frame.shrink(24.0);
    let steps = 64;
    let mut anchor = None;
    for i in (1..=steps).rev() {
        let p = origin + (end - origin) * (i as f32 / steps as f32);
        if inner.contains(p) {
            anchor = Some(p);
            break;
        }
    }
    let Some(anchor) = anchor else {
        return;
    };
    let text = format!(
        "max-margin direction (γ = {})",
        crate::number_format::short_number(separator.margin)
    );
    plated_label(painter, text, [ink, plate], |size| {
        label_rect(frame, anchor - vec2(size.x + 16.0, 0.0), size)
    });
}

/// On a multi-task landscape: its Pareto set (the trade-offs between the tasks) as a dotted curve,
/// named where it is first on screen.
pub(super) fn paint_pareto_set(
    painter: &egui::Painter,
    screen: &dyn Fn([f64; 2]) -> Pos2,
    landscape: &dyn Landscape,
    ink: Color32,
    plate: Color32,
) {
    let Some(set) = landscape.pareto_set() else {
        return;
    };
    let points: Vec<Pos2> = set
        .into_iter()
        .map(screen)
        .filter(|p| p.x.is_finite() && p.y.is_finite())
        .collect();
    if points.len() < 2 {
        return;
    }
    painter.extend(Shape::dotted_line(
        &points,
        ink.gamma_multiply(0.9),
        7.0,
        2.2,
    ));
    let frame = painter.clip_rect().shrink(24.0);
    let Some(&anchor) = points.iter().find(|p| frame.contains(**p)) else {
        return;
    };
    plated_label(painter, "Pareto set".to_owned(), [ink, plate], |size| {
        label_rect(painter.clip_rect(), anchor, size)
    });
}
