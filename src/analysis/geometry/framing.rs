//! Framing a landscape window on a canvas: what the view shows first, after Fit, and while the
//! wheel zooms and a drag pans.
//!
//! A window is shown with equal scales on both axes. [`fit_to_canvas`] widens the window along
//! whichever side the canvas's shape leaves short and adds a margin, so nothing the window holds
//! is ever cropped, whatever the window's shape ([`fit_to_canvas`]'s result always contains its
//! input). [`zoom_about`] keeps the point under the cursor where it is, as map tools do.

use crate::landscape::{Point, ViewWindow};

/// The margin added on each side of a framed window, as a fraction of its width or height.
pub const MARGIN: f64 = 0.04;

/// Smallest side of a window framed around points, as a fraction of the larger side (a straight
/// path along one axis still gets a window with some height).
const MIN_SIDE_FRACTION: f64 = 0.05;

/// `window` with `margin` (a fraction of its size, e.g. [`MARGIN`]) added on each side, widened
/// along its short side to the shape of a canvas `canvas_width` × `canvas_height` (any unit),
/// centred where `window` is.
///
/// The result contains `window`. A canvas with no area or a window that is not finite and
/// positive gives `window` back unchanged.
pub fn fit_to_canvas(
    window: ViewWindow,
    canvas_width: f64,
    canvas_height: f64,
    margin: f64,
) -> ViewWindow {
    let (width, height) = (window.x_max - window.x_min, window.y_max - window.y_min);
    let canvas_ok = canvas_width > 0.0
        && canvas_height > 0.0
        && canvas_width.is_finite()
        && canvas_height.is_finite();
    if !(canvas_ok && width > 0.0 && height > 0.0) {
        return window;
    }
    let aspect = canvas_width / canvas_height;
    let (mut half_width, mut half_height) = (0.5 * width, 0.5 * height);
    if width / height < aspect {
        half_width = half_height * aspect;
    } else {
        half_height = half_width / aspect;
    }
    let grow = 1.0 + 2.0 * margin.max(0.0);
    centred_at(centre(&window), grow * half_width, grow * half_height)
}

/// The smallest window holding every finite point of `points`, its short side at least
/// a twentieth of its long side (`None` when no point is finite).
///
/// A single point, or points that all coincide, get a window of side 1 around them.
pub fn bounding_window(points: impl IntoIterator<Item = Point>) -> Option<ViewWindow> {
    let mut window: Option<ViewWindow> = None;
    for [x, y] in points {
        if !(x.is_finite() && y.is_finite()) {
            continue;
        }
        let grown = window.map_or(
            ViewWindow {
                x_min: x,
                x_max: x,
                y_min: y,
                y_max: y,
            },
            |w| ViewWindow {
                x_min: w.x_min.min(x),
                x_max: w.x_max.max(x),
                y_min: w.y_min.min(y),
                y_max: w.y_max.max(y),
            },
        );
        window = Some(grown);
    }
    let window = window?;
    let (width, height) = (window.x_max - window.x_min, window.y_max - window.y_min);
    let longest = width.max(height);
    let (width, height) = if longest > 0.0 {
        let least = MIN_SIDE_FRACTION * longest;
        (width.max(least), height.max(least))
    } else {
        (1.0, 1.0)
    };
    Some(centred_at(centre(&window), 0.5 * width, 0.5 * height))
}

/// The smallest window holding both `a` and `b`.
pub fn union(a: ViewWindow, b: ViewWindow) -> ViewWindow {
    ViewWindow {
        x_min: a.x_min.min(b.x_min),
        x_max: a.x_max.max(b.x_max),
        y_min: a.y_min.min(b.y_min),
        y_max: a.y_max.max(b.y_max),
    }
}

/// `window` magnified `factor` times (> 1 zooms in, < 1 out) about `anchor`: the point `anchor`
/// keeps its place on the canvas. A factor that is not finite and positive changes nothing.
pub fn zoom_about(window: ViewWindow, anchor: Point, factor: f64) -> ViewWindow {
    if !(factor.is_finite() && factor > 0.0) {
        return window;
    }
    let scale = 1.0 / factor;
    ViewWindow {
        x_min: anchor[0] + (window.x_min - anchor[0]) * scale,
        x_max: anchor[0] + (window.x_max - anchor[0]) * scale,
        y_min: anchor[1] + (window.y_min - anchor[1]) * scale,
        y_max: anchor[1] + (window.y_max - anchor[1]) * scale,
    }
}

/// `window` moved by `delta` (landscape units).
pub fn translated(window: ViewWindow, delta: Point) -> ViewWindow {
    ViewWindow {
        x_min: window.x_min + delta[0],
        x_max: window.x_max + delta[0],
        y_min: window.y_min + delta[1],
        y_max: window.y_max + delta[1],
    }
}

/// Whether `point` lies in `window` (edges included).
pub fn contains(window: &ViewWindow, point: Point) -> bool {
    (window.x_min..=window.x_max).contains(&point[0])
        && (window.y_min..=window.y_max).contains(&point[1])
}

fn centre(window: &ViewWindow) -> Point {
    [
        0.5 * (window.x_min + window.x_max),
        0.5 * (window.y_min + window.y_max),
    ]
}

fn centred_at([x, y]: Point, half_width: f64, half_height: f64) -> ViewWindow {
    ViewWindow {
        x_min: x - half_width,
        x_max: x + half_width,
        y_min: y - half_height,
        y_max: y + half_height,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(x_min: f64, x_max: f64, y_min: f64, y_max: f64) -> ViewWindow {
        ViewWindow {
            x_min,
            x_max,
            y_min,
            y_max,
        }
    }

    #[test]
    fn a_wide_canvas_widens_a_square_window_and_keeps_its_height_with_the_margin() {
        let fitted = fit_to_canvas(window(-1.0, 1.0, -1.0, 1.0), 300.0, 100.0, MARGIN);
        let grow = 1.0 + 2.0 * MARGIN;
        assert!((fitted.y_max - grow).abs() < 1e-12 && (fitted.y_min + grow).abs() < 1e-12);
        assert!((fitted.x_max - 3.0 * grow).abs() < 1e-12);
    }

    #[test]
    fn a_tall_canvas_heightens_a_wide_window() {
        let fitted = fit_to_canvas(window(0.0, 4.0, 0.0, 1.0), 100.0, 100.0, MARGIN);
        assert!((fitted.x_max - fitted.x_min - fitted.y_max + fitted.y_min).abs() < 1e-12);
        assert!(fitted.x_min < 0.0 && fitted.x_max > 4.0);
        assert!((0.5 * (fitted.y_min + fitted.y_max) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn fitting_never_crops_whatever_the_shapes() {
        for (w, h) in [(0.1, 5.0), (5.0, 0.1), (1.0, 1.0), (3.0, 2.0)] {
            for (cw, ch) in [(1000.0, 300.0), (300.0, 1000.0), (640.0, 480.0)] {
                let view = window(-w, w, 1.0 - h, 1.0 + h);
                let fitted = fit_to_canvas(view, cw, ch, MARGIN);
                assert!(fitted.x_min < view.x_min && fitted.x_max > view.x_max);
                assert!(fitted.y_min < view.y_min && fitted.y_max > view.y_max);
                let aspect = (fitted.x_max - fitted.x_min) / (fitted.y_max - fitted.y_min);
                assert!((aspect - cw / ch).abs() < 1e-9);
            }
        }
    }

    #[test]
    fn zooming_keeps_the_anchor_at_its_fraction_of_the_window() {
        let view = window(-2.0, 6.0, -1.0, 3.0);
        let anchor = [0.0, 2.0];
        let zoomed = zoom_about(view, anchor, 2.0);
        assert!((zoomed.x_max - zoomed.x_min - 4.0).abs() < 1e-12);
        let fraction = |w: &ViewWindow| {
            (
                (anchor[0] - w.x_min) / (w.x_max - w.x_min),
                (anchor[1] - w.y_min) / (w.y_max - w.y_min),
            )
        };
        let (before, after) = (fraction(&view), fraction(&zoomed));
        assert!((before.0 - after.0).abs() < 1e-12 && (before.1 - after.1).abs() < 1e-12);
        assert_eq!(zoom_about(view, anchor, f64::NAN), view);
    }

    #[test]
    fn a_bounding_window_holds_every_finite_point_and_has_some_height() {
        let framed = bounding_window([[0.0, 0.0], [2.0, 0.0], [f64::NAN, 9.0]]).unwrap();
        assert_eq!((framed.x_min, framed.x_max), (0.0, 2.0));
        assert!((framed.y_max - framed.y_min - 0.1).abs() < 1e-12);
        let single = bounding_window([[3.0, 4.0]]).unwrap();
        assert!(contains(&single, [3.0, 4.0]) && (single.x_max - single.x_min - 1.0).abs() < 1e-12);
        assert!(bounding_window([[f64::INFINITY, 0.0]]).is_none());
    }
}
