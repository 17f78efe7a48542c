//! The Pareto set of a multi-task landscape ([`Landscape::pareto_set`]): the points where no move
//! lowers every task loss at once, so that improving one task costs another. Of two tasks it is a
//! curve, kept as a polyline from task 1's minimizer to the last task's, which the landscape view
//! draws dotted and the `ParetoDistance` claim measures the distance to.

use super::{Landscape, Point};

/// Distance from `p` to the polyline through `points` (a single point: the distance to it).
pub fn distance_to_polyline(points: &[Point], p: Point) -> Option<f64> {
    let first = points.first()?;
    let mut nearest = (p[0] - first[0]).hypot(p[1] - first[1]);
    for pair in points.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
        let length_squared = dx * dx + dy * dy;
        let t = if length_squared > 0.0 {
            (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / length_squared).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let distance = (p[0] - a[0] - t * dx).hypot(p[1] - a[1] - t * dy);
        nearest = nearest.min(distance);
    }
    Some(nearest)
}

/// Distance from `p` to `landscape`'s Pareto set, when there is a landscape and it has one.
pub fn pareto_distance(landscape: Option<&dyn Landscape>, p: Point) -> Option<f64> {
    distance_to_polyline(&landscape?.pareto_set()?, p)
}
