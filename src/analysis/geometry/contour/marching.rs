//! Marching squares: the segments of an iso-line through one square of four samples, and the
//! bands that let many levels be traced in one pass (see the contour module's doc).

use crate::landscape::Point;

/// Writes the band of every value of `row`: the number of `levels` (increasing) it lies above, so
/// that `value > levels[k]` exactly when k < band (0 for NaN, like the marching test).
pub(super) fn bands(levels: &[f64], row: &[f64], out: &mut [u32]) {
    let mut band = 0;
    for (&value, out) in row.iter().zip(out) {
        // Neighbouring samples usually share a band: check the last one before searching.
        let above_lower = band == 0 || levels.get(band - 1).is_some_and(|&l| value > l);
        let not_above_upper = !levels.get(band).is_some_and(|&l| value > l);
        if !(above_lower && not_above_upper) {
            band = levels.partition_point(|&l| value > l);
        }
        *out = u32::try_from(band).unwrap_or(u32::MAX);
    }
}

/// One marching-squares cell: the four samples around it, clockwise from the top left.
pub(super) struct Square {
    /// Values at top left, top right, bottom right, bottom left.
    pub(super) corners: [f64; 4],
    /// x of the left and right samples.
    pub(super) x: [f64; 2],
    /// y of the top and bottom samples.
    pub(super) y: [f64; 2],
}

/// A side of a square, named by where it lies.
#[derive(Clone, Copy)]
enum Side {
    Top,
    Right,
    Bottom,
    Left,
}

impl Square {
    /// Appends the segments of the iso-line f = `level` through this square.
    pub(super) fn march(&self, level: f64, segments: &mut Vec<[Point; 2]>) {
        let [tl, tr, br, bl] = self.corners.map(|v| v > level);
        let case = (tl as u8) << 3 | (tr as u8) << 2 | (br as u8) << 1 | bl as u8;
        if case == 0 || case == 15 || !self.corners.iter().all(|v| v.is_finite()) {
            return;
        }
        let centre_above = self.corners.iter().sum::<f64>() * 0.25 > level;
        let mut push = |a: Side, b: Side| {
            segments.push([self.crossing(a, level), self.crossing(b, level)]);
        };
        use Side::{Bottom, Left, Right, Top};
        match case {
            1 | 14 => push(Left, Bottom),
            2 | 13 => push(Bottom, Right),
            3 | 12 => push(Left, Right),
            4 | 11 => push(Top, Right),
            6 | 9 => push(Top, Bottom),
            7 | 8 => push(Top, Left),
            // Saddles: the corners that agree with the centre are connected through it, so the
            // line cuts off the other two.
            5 | 10 if centre_above == tl => {
                push(Top, Right);
                push(Left, Bottom);
            }
            _ => {
                push(Top, Left);
                push(Bottom, Right);
            }
        }
    }

    /// Where the level crosses `side`, linearly interpolated between its two samples.
    fn crossing(&self, side: Side, level: f64) -> Point {
        let [tl, tr, br, bl] = self.corners;
        let ([left, right], [top, bottom]) = (self.x, self.y);
        // Neighbouring squares compute a shared side from the same samples and coordinates, so
        // its crossing is bitwise the same in both and segments can be joined by exact equality.
        let along = |from: f64, to: f64, start: f64, end: f64| {
            start + (level - from) / (to - from) * (end - start)
        };
        match side {
            Side::Top => [along(tl, tr, left, right), top],
            Side::Bottom => [along(bl, br, left, right), bottom],
            Side::Left => [left, along(tl, bl, top, bottom)],
            Side::Right => [right, along(tr, br, top, bottom)],
        }
    }
}
