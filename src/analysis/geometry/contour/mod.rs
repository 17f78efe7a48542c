//! Contour fields of a landscape: the sampled grid, the colour image and the iso-lines that the
//! landscape view draws under the trajectories.
//!
//! **Sampling.** [`compute_field`] evaluates f once at the centre of every cell of a
//! `width × height` grid covering the view window, row-major with row 0 at the top of the window
//! (y = y_max), so the grid maps straight onto an image. Non-finite values (overflow far out) stay
//! in the grid but are left out of the range, drawn in a neutral colour and skipped by the
//! iso-lines.
//!
//! **Scale.** Landscapes such as Rosenbrock rise by thousands on the valley walls while what a
//! student should see (the curved valley floor) lies within a few units of the minimum: evenly
//! spaced levels would put every contour on the walls. So the field measures heights above f_low —
//! the known minimum value f* when it lies at or below the grid's minimum, else the grid's minimum —
//! and picks a [`LevelScale`]:
//! - `Log { floor }` when the spread of f − f_low over the grid spans more than two decades (its
//!   95th percentile exceeds 100 × its 5th): the position of a value is ln(f − f_low + floor), with
//!   `floor` the 5th percentile, so the bottom 5 % of the grid shares the lowest ln 2 of the scale
//!   instead of stretching it down to −∞ at the minimum;
//! - `Linear` otherwise. On a quadratic bowl the area below a height grows like the height, so the
//!   percentile ratio is about 19 and the scale stays linear; on a narrow valley the area grows like
//!   its square root and the ratio is in the hundreds.
//!
//! The levels are evenly spaced in that position between the grid's minimum and maximum (geometric
//! in f − f_low + floor for `Log`), and the colour image uses the same position, so bands and lines
//! agree.
//!
//! **Iso-lines.** Marching squares, the 2D case of marching cubes (W. E. Lorensen & H. E. Cline,
//! "Marching cubes: a high resolution 3D surface construction algorithm", SIGGRAPH 1987): every
//! square of four neighbouring samples is classified by which corners lie above the level; each
//! edge whose ends straddle the level gets a crossing at the linearly interpolated point, and the
//! crossings are joined in pairs into segments. The two ambiguous saddle squares (opposite corners
//! above) are resolved by the average of the four corners, the value at the square's centre of the
//! bilinear interpolant. Squares with a non-finite corner are skipped (`marching`). Grids and
//! iso-lines are split over the cores by rows (`parallel`), or computed a row at a time for a
//! frame loop ([`ContourPieces`]), with the same result.
//!
//! **Colours.** The image colours each cell's position on a [`Colormap`] (its own module).

use serde::{Deserialize, Serialize};

// Also here, where the views have always named it.
pub use super::colormap::Colormap;
use crate::landscape::{self, Landscape, Point, ViewWindow};
use marching::{Square, bands};
use parallel::{in_parallel, parts_for};

mod marching;
mod parallel;
mod pieces;

pub use pieces::{ContourPicture, ContourPieces};

/// Largest grid side [`compute_field`] samples; larger requests are clamped to it.
pub const MAX_GRID_SIDE: usize = 4096;

/// Colour of cells whose value is not finite (overflow far out, NaN): an opaque neutral grey.
pub const NON_FINITE_RGBA: [u8; 4] = [128, 128, 128, 255];

/// Spread of f − f_low (95th over 5th percentile) beyond which the levels are log-scaled.
const LOG_SCALE_SPREAD: f64 = 100.0;
/// Percentiles of f − f_low compared to choose the scale; the lower one is the log floor.
const LOW_PERCENTILE: f64 = 0.05;
const HIGH_PERCENTILE: f64 = 0.95;
/// At most this many cells are sampled to estimate the percentiles.
const PERCENTILE_SAMPLES: usize = 4096;

/// What to sample: the window, the grid size in cells and the number of iso-lines.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ContourRequest {
    /// The rectangle of the plane to cover.
    pub window: ViewWindow,
    /// Number of columns (cells along x), clamped to [`MAX_GRID_SIDE`].
    pub width: usize,
    /// Number of rows (cells along y), clamped to [`MAX_GRID_SIDE`].
    pub height: usize,
    /// Number of iso-values [`ContourField::levels`] returns.
    pub levels: usize,
}

/// How values are positioned on the colormap and the levels spaced.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum LevelScale {
    /// Position ∝ f: evenly spaced levels.
    Linear,
    /// Position ∝ ln(f − f_low + floor): geometrically spaced levels above the minimum.
    Log {
        /// Added to f − f_low before the logarithm, so the minimum maps to a finite position.
        floor: f64,
    },
}

/// A landscape sampled on a grid of cell centres, with its range, f_low and level scale.
#[derive(Clone, Debug, PartialEq)]
pub struct ContourField {
    window: ViewWindow,
    width: usize,
    height: usize,
    /// Row-major, row 0 at y_max.
    values: Vec<f64>,
    /// (min, max) of the finite values; `None` when there are none.
    range: Option<(f64, f64)>,
    /// The height the log scale measures from.
    low: f64,
    scale: LevelScale,
    level_count: usize,
}

/// The iso-line f = `level` as unordered segments in world coordinates.
#[derive(Clone, Debug, PartialEq)]
pub struct IsoLine {
    /// The iso-value.
    pub level: f64,
    /// Segments ((x, y), (x, y)), one or two per grid square the line crosses.
    pub segments: Vec<[Point; 2]>,
}

/// Samples f at the centres of the request's grid cells.
///
/// Row `r` holds y = y_max − (r + ½)·Δy and column `c` holds x = x_min + (c + ½)·Δx, with
/// Δx = (x_max − x_min)/width and Δy = (y_max − y_min)/height. f is evaluated once per cell, a row
/// at a time through [`Landscape::value_batch`], the rows split over the cores.
pub fn compute_field(landscape: &dyn Landscape, request: &ContourRequest) -> ContourField {
    let cells = request.width.min(MAX_GRID_SIDE) * request.height.min(MAX_GRID_SIDE);
    compute_field_in(landscape, request, parts_for(cells))
}

/// [`compute_field`] with the rows split into `parts` (tests compare splits).
fn compute_field_in(
    landscape: &dyn Landscape,
    request: &ContourRequest,
    parts: usize,
) -> ContourField {
    let width = request.width.min(MAX_GRID_SIDE);
    let height = request.height.min(MAX_GRID_SIDE);
    let window = request.window;
    let [dx, dy] = cell_size(&window, width, height);
    let mut values = vec![f64::NAN; width * height];
    let xs: Vec<f64> = (0..width)
        .map(|col| window.x_min + (col as f64 + 0.5) * dx)
        .collect();
    // One range per row, merged in row order afterwards, so the result does not depend on how the
    // rows were split.
    let mut row_ranges = vec![None; height];
    let rows_per_part = height.div_ceil(parts.max(1)).max(1);
    let parts = values
        .chunks_mut(rows_per_part * width.max(1))
        .zip(row_ranges.chunks_mut(rows_per_part))
        .enumerate()
        .map(|(part, (rows, ranges))| (part * rows_per_part, rows, ranges));
    in_parallel(parts, |(first_row, rows, ranges)| {
        let mut ys = vec![0.0; width];
        for (offset, (out, range)) in rows.chunks_mut(width.max(1)).zip(ranges).enumerate() {
            *range = sample_row(
                landscape,
                &xs,
                window.y_max,
                dy,
                first_row + offset,
                &mut ys,
                out,
            );
        }
    });
    ContourField::from_rows(landscape, request, values, row_ranges)
}

/// Samples row `row` (y = y_max − (row + ½)·Δy) at `xs` into `out`, using `ys` as scratch, and
/// returns the row's finite range.
fn sample_row(
    landscape: &dyn Landscape,
    xs: &[f64],
    y_max: f64,
    dy: f64,
    row: usize,
    ys: &mut [f64],
    out: &mut [f64],
) -> Option<(f64, f64)> {
    ys.fill(y_max - (row as f64 + 0.5) * dy);
    landscape.value_batch(xs, ys, out);
    finite_range(out)
}

/// The (min, max) of the finite values of `row`, merged left to right.
fn finite_range(row: &[f64]) -> Option<(f64, f64)> {
    let mut range = None;
    for &value in row {
        if value.is_finite() {
            range = merge_ranges(range, Some((value, value)));
        }
    }
    range
}

fn merge_ranges(a: Option<(f64, f64)>, b: Option<(f64, f64)>) -> Option<(f64, f64)> {
    match (a, b) {
        (Some((a_min, a_max)), Some((b_min, b_max))) => Some((a_min.min(b_min), a_max.max(b_max))),
        (a, None) => a,
        (None, b) => b,
    }
}

fn cell_size(window: &ViewWindow, width: usize, height: usize) -> [f64; 2] {
    [
        (window.x_max - window.x_min) / width.max(1) as f64,
        (window.y_max - window.y_min) / height.max(1) as f64,
    ]
}

/// f_low: the known minimum value when it is at or below the grid, else the grid minimum.
fn choose_low(known_min: Option<f64>, range: Option<(f64, f64)>) -> f64 {
    match (known_min, range) {
        (Some(known), Some((grid_min, _))) if known.is_finite() && known <= grid_min => known,
        (_, Some((grid_min, _))) => grid_min,
        (Some(known), None) if known.is_finite() => known,
        _ => 0.0,
    }
}

/// Log when the 95th percentile of f − f_low is over 100 × the 5th, with the 5th as floor.
fn choose_scale(values: &[f64], low: f64, range: Option<(f64, f64)>) -> LevelScale {
    let Some((_, max)) = range else {
        return LevelScale::Linear;
    };
    let stride = (values.len() / PERCENTILE_SAMPLES).max(1);
    // Half the excess, so it stays finite when f − f_low overflows; the ratio test is unchanged.
    let mut half_excess: Vec<f64> = values
        .iter()
        .step_by(stride)
        .map(|&value| 0.5 * value - 0.5 * low)
        .filter(|excess| excess.is_finite())
        .collect();
    let (Some(q_low), Some(q_high)) = (
        percentile(&mut half_excess, LOW_PERCENTILE),
        percentile(&mut half_excess, HIGH_PERCENTILE),
    ) else {
        return LevelScale::Linear;
    };
    if q_high <= LOG_SCALE_SPREAD * q_low || q_high <= 0.0 {
        return LevelScale::Linear;
    }
    // The 5th percentile is 0 when many cells sit exactly at f_low: fall back to a millionth of
    // the spread, or to 1 when even that overflows.
    let (floor, spread) = (2.0 * q_low, max - low);
    let floor = if floor.is_finite() && floor > 0.0 {
        floor
    } else if spread.is_finite() && spread > 0.0 {
        spread * 1e-6
    } else {
        1.0
    };
    LevelScale::Log { floor }
}

/// The `fraction` percentile of `samples` (reordering them), `None` when empty.
fn percentile(samples: &mut [f64], fraction: f64) -> Option<f64> {
    let last = samples.len().checked_sub(1)?;
    let index = ((last as f64 * fraction).round() as usize).min(last);
    let (_, value, _) = samples.select_nth_unstable_by(index, f64::total_cmp);
    Some(*value)
}

impl ContourField {
    /// The field of sampled `values` (row-major, the request's clamped size) whose rows have the
    /// finite ranges `row_ranges`, merged in row order so the result does not depend on how the
    /// rows were computed.
    fn from_rows(
        landscape: &dyn Landscape,
        request: &ContourRequest,
        values: Vec<f64>,
        row_ranges: Vec<Option<(f64, f64)>>,
    ) -> Self {
        let range = row_ranges.into_iter().fold(None, merge_ranges);
        let low = choose_low(landscape::min_value(landscape), range);
        let scale = choose_scale(&values, low, range);
        ContourField {
            window: request.window,
            width: request.width.min(MAX_GRID_SIDE),
            height: request.height.min(MAX_GRID_SIDE),
            values,
            range,
            low,
            scale,
            level_count: request.levels,
        }
    }

    /// The window the grid covers.
    pub fn window(&self) -> ViewWindow {
        self.window
    }

    /// Number of columns.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Number of rows.
    pub fn height(&self) -> usize {
        self.height
    }

    /// The sampled values, row-major, row 0 at the top of the window (y_max).
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// f at the centre of cell (`col`, `row`); `None` outside the grid.
    pub fn value_at(&self, col: usize, row: usize) -> Option<f64> {
        if col < self.width && row < self.height {
            self.values.get(row * self.width + col).copied()
        } else {
            None
        }
    }

    /// World coordinates (x, y) of the centre of cell (`col`, `row`).
    pub fn cell_centre(&self, col: usize, row: usize) -> Point {
        [self.column_x(col), self.row_y(row)]
    }

    fn column_x(&self, col: usize) -> f64 {
        let [dx, _] = self.cell_size();
        self.window.x_min + (col as f64 + 0.5) * dx
    }

    fn row_y(&self, row: usize) -> f64 {
        let [_, dy] = self.cell_size();
        self.window.y_max - (row as f64 + 0.5) * dy
    }

    /// Width and height of a cell in world units, (Δx, Δy).
    pub fn cell_size(&self) -> [f64; 2] {
        cell_size(&self.window, self.width, self.height)
    }

    /// Smallest finite sampled value; `None` when no value is finite.
    pub fn min(&self) -> Option<f64> {
        self.range.map(|(min, _)| min)
    }

    /// Largest finite sampled value; `None` when no value is finite.
    pub fn max(&self) -> Option<f64> {
        self.range.map(|(_, max)| max)
    }

    /// f_low, the height the log scale measures from: f* when known and at or below the grid,
    /// else the grid's minimum.
    pub fn low(&self) -> f64 {
        self.low
    }

    /// The scale chosen for the levels and colours.
    pub fn scale(&self) -> LevelScale {
        self.scale
    }

    /// The same field with another scale (a user's override of the automatic choice). A `Log`
    /// floor that is not finite and positive is replaced by 1.
    pub fn with_scale(mut self, scale: LevelScale) -> Self {
        self.scale = match scale {
            LevelScale::Log { floor } if !(floor.is_finite() && floor > 0.0) => {
                LevelScale::Log { floor: 1.0 }
            }
            scale => scale,
        };
        self
    }

    /// The requested number of iso-values, increasing, strictly between the grid's minimum and
    /// maximum and evenly spaced in the scale's position: level k of n sits at position
    /// (k + 1)/(n + 1). Empty when the field is constant or has no finite value.
    pub fn levels(&self) -> Vec<f64> {
        let Some(scaling) = self.scaling() else {
            return Vec::new();
        };
        let n = self.level_count;
        let mut levels: Vec<f64> = (0..n)
            .map(|k| scaling.value_at_position((k + 1) as f64 / (n + 1) as f64))
            .collect();
        // Rounding in exp/ln can break the order on a range a few ulps wide: keep it strict.
        levels.dedup_by(|later, earlier| later <= earlier);
        levels
    }

    /// Position of `value` on the colormap, in [0, 1] (0 at the grid's minimum, 1 at its maximum);
    /// `None` for a non-finite value or a field that is constant or has no finite value.
    pub fn position(&self, value: f64) -> Option<f64> {
        self.scaling()?.position(value)
    }

    /// The image: width × height × 4 bytes of sRGB + alpha (opaque), row 0 at the top of the
    /// window, each value coloured at its [`position`](Self::position) on `colormap`, non-finite
    /// cells [`NON_FINITE_RGBA`].
    pub fn to_rgba(&self, colormap: Colormap) -> Vec<u8> {
        let mut rgba = Vec::with_capacity(self.values.len() * 4);
        self.push_rgba_rows(colormap, 0..self.height, &mut rgba);
        rgba
    }

    /// One [`IsoLine`] per level, traced by marching squares over the grid (see the module doc).
    ///
    /// Increasing levels (as [`levels`](Self::levels) gives) are traced together: each sample
    /// gets its band, the number of levels below it, and only the squares whose corners lie in
    /// different bands are marched, for the levels between; row blocks go to the cores. The
    /// segments are the same, in the same order, as tracing each level over every square.
    pub fn iso_lines(&self, levels: &[f64]) -> Vec<IsoLine> {
        self.iso_lines_in(levels, parts_for(self.values.len()))
    }

    /// [`iso_lines`](Self::iso_lines) with the rows split into `parts` (tests compare splits).
    fn iso_lines_in(&self, levels: &[f64], parts: usize) -> Vec<IsoLine> {
        let increasing = levels.windows(2).all(|pair| pair[0] < pair[1])
            && levels.iter().all(|level| !level.is_nan());
        if !increasing || self.width < 2 || self.height < 2 {
            return levels
                .iter()
                .map(|&level| IsoLine {
                    level,
                    segments: self.iso_segments(level),
                })
                .collect();
        }
        let squares = self.height - 1;
        let rows_per_part = squares.div_ceil(parts.max(1)).max(1);
        let starts = (0..squares).step_by(rows_per_part);
        let parts = starts.map(|first| first..(first + rows_per_part).min(squares));
        let mut blocks = in_parallel(parts, |rows| self.band_segments(levels, rows)).into_iter();
        let mut lines: Vec<IsoLine> = match blocks.next() {
            Some(first) => levels
                .iter()
                .zip(first)
                .map(|(&level, segments)| IsoLine { level, segments })
                .collect(),
            None => Vec::new(),
        };
        for block in blocks {
            for (line, segments) in lines.iter_mut().zip(block) {
                line.segments.extend(segments);
            }
        }
        lines
    }

    /// The segments of every level (increasing, not NaN) in the squares whose top rows are
    /// `rows`, one list per level, in row-major order.
    fn band_segments(&self, levels: &[f64], rows: std::ops::Range<usize>) -> Vec<Vec<[Point; 2]>> {
        let mut segments = vec![Vec::new(); levels.len()];
        let traced: Vec<bool> = levels
            .iter()
            .map(|level| {
                self.range
                    .is_some_and(|(min, max)| (min..=max).contains(level))
            })
            .collect();
        let width = self.width;
        let [dx, _] = self.cell_size();
        let column_x = |col: usize| self.window.x_min + (col as f64 + 0.5) * dx;
        let mut upper = vec![0u32; width];
        let mut lower = vec![0u32; width];
        let row_values = |row: usize| &self.values[row * width..(row + 1) * width];
        bands(levels, row_values(rows.start), &mut upper);
        for row in rows {
            bands(levels, row_values(row + 1), &mut lower);
            let y = [self.row_y(row), self.row_y(row + 1)];
            let (top, bottom) = (row_values(row), row_values(row + 1));
            for col in 0..width - 1 {
                let corners = [upper[col], upper[col + 1], lower[col + 1], lower[col]];
                let [a, b, c, d] = corners;
                let (low, high) = (a.min(b).min(c).min(d), a.max(b).max(c).max(d));
                // Levels outside [low band, high band) have every corner on one side.
                if low == high {
                    continue;
                }
                let square = Square {
                    corners: [top[col], top[col + 1], bottom[col + 1], bottom[col]],
                    x: [column_x(col), column_x(col + 1)],
                    y,
                };
                for k in low as usize..high as usize {
                    if let (Some(&level), Some(true), Some(out)) =
                        (levels.get(k), traced.get(k), segments.get_mut(k))
                    {
                        square.march(level, out);
                    }
                }
            }
            std::mem::swap(&mut upper, &mut lower);
        }
        segments
    }

    fn iso_segments(&self, level: f64) -> Vec<[Point; 2]> {
        let mut segments = Vec::new();
        let outside = self
            .range
            .is_none_or(|(min, max)| !(min..=max).contains(&level));
        if outside || self.width < 2 || self.height < 2 {
            return segments;
        }
        let [dx, _] = self.cell_size();
        let column_x = |col: usize| self.window.x_min + (col as f64 + 0.5) * dx;
        for (row, pair) in self
            .values
            .windows(2 * self.width)
            .step_by(self.width)
            .enumerate()
        {
            let (upper, lower) = pair.split_at(self.width);
            let y = [self.row_y(row), self.row_y(row + 1)];
            for col in 0..self.width - 1 {
                let square = Square {
                    corners: [upper[col], upper[col + 1], lower[col + 1], lower[col]],
                    x: [column_x(col), column_x(col + 1)],
                    y,
                };
                square.march(level, &mut segments);
            }
        }
        segments
    }

    fn scaling(&self) -> Option<Scaling> {
        let (min, max) = self.range.filter(|(min, max)| min < max)?;
        let (s_min, s_max) = match self.scale {
            LevelScale::Linear => (0.0, 0.0),
            LevelScale::Log { floor } => (
                log_excess(min, self.low, floor),
                log_excess(max, self.low, floor),
            ),
        };
        Some(Scaling {
            scale: self.scale,
            low: self.low,
            min,
            max,
            s_min,
            s_max,
        })
    }
}

/// ln(value − low + floor), computed without overflow when value − low exceeds f64::MAX.
fn log_excess(value: f64, low: f64, floor: f64) -> f64 {
    let excess = value - low;
    if excess.is_finite() {
        (excess + floor).ln()
    } else {
        (0.5 * value - 0.5 * low).ln() + std::f64::consts::LN_2
    }
}

/// A field's map between values and colormap positions.
#[derive(Clone, Copy)]
struct Scaling {
    scale: LevelScale,
    low: f64,
    min: f64,
    max: f64,
    /// Log positions of min and max (unused for Linear).
    s_min: f64,
    s_max: f64,
}

impl Scaling {
    fn position(&self, value: f64) -> Option<f64> {
        if !value.is_finite() {
            return None;
        }
        // Halves keep max − min finite even when the range spans ±f64::MAX.
        let (offset, span) = match self.scale {
            LevelScale::Linear => (
                0.5 * value - 0.5 * self.min,
                0.5 * self.max - 0.5 * self.min,
            ),
            LevelScale::Log { floor } => (
                log_excess(value, self.low, floor) - self.s_min,
                self.s_max - self.s_min,
            ),
        };
        let t = if span > 0.0 { offset / span } else { 0.0 };
        Some(if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) })
    }

    /// The value at position `t` in (0, 1), clamped into [min, max].
    fn value_at_position(&self, t: f64) -> f64 {
        let value = match self.scale {
            LevelScale::Linear => self.min * (1.0 - t) + self.max * t,
            LevelScale::Log { floor } => {
                let s = self.s_min * (1.0 - t) + self.s_max * t;
                s.exp() - floor + self.low
            }
        };
        value.clamp(self.min, self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::landscape::{LandscapeConfig, Quadratic, Rosenbrock, Saddle};

    /// `landscape`'s own view in `width` × `height` cells with `levels` levels.
    fn view_request(
        landscape: &dyn Landscape,
        [width, height]: [usize; 2],
        levels: usize,
    ) -> ContourRequest {
        ContourRequest {
            window: landscape.view(),
            width,
            height,
            levels,
        }
    }

    fn field_of(landscape: &dyn Landscape, size: usize, levels: usize) -> ContourField {
        compute_field(landscape, &view_request(landscape, [size, size], levels))
    }

    fn isotropic() -> Quadratic {
        Quadratic {
            lambda1: 1.0,
            lambda2: 1.0,
            angle_deg: 0.0,
        }
    }

    /// One part (what a target without threads computes, on the calling thread) gives exactly
    /// what the rows split over threads give.
    #[test]
    fn one_part_on_this_thread_matches_the_rows_split_over_threads() {
        let landscape = Rosenbrock::default();
        let request = view_request(&landscape, [301, 257], 12);
        let alone = compute_field_in(&landscape, &request, 1);
        let split = compute_field_in(&landscape, &request, 5);
        let bits =
            |field: &ContourField| field.values.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&alone), bits(&split));
        assert_eq!((alone.range, alone.low), (split.range, split.low));
        let levels = alone.levels();
        let (one, five) = (
            alone.iso_lines_in(&levels, 1),
            alone.iso_lines_in(&levels, 5),
        );
        assert!(one.iter().map(|line| line.segments.len()).sum::<usize>() > 100);
        assert_eq!(one.len(), five.len());
        for (a, b) in one.iter().zip(&five) {
            assert_eq!(a.level.to_bits(), b.level.to_bits());
            assert_eq!(a.segments, b.segments);
        }
    }

    #[test]
    fn isotropic_quadratic_iso_lines_are_circles_of_the_right_radius() {
        let field = field_of(&isotropic(), 128, 10);
        let [dx, dy] = field.cell_size();
        let cell = dx.hypot(dy);
        let levels = field.levels();
        let lines = field.iso_lines(&levels);
        assert_eq!(lines.len(), 10);
        for line in &lines {
            // f = ½ r², so f = L on the circle r = √(2L).
            let radius = (2.0 * line.level).sqrt();
            assert!(
                !line.segments.is_empty(),
                "level {} has no segment",
                line.level
            );
            for point in line.segments.iter().flatten() {
                let distance = point[0].hypot(point[1]);
                assert!(
                    (distance - radius).abs() < cell,
                    "level {}: point at {distance}, circle radius {radius}",
                    line.level
                );
            }
        }
    }

    #[test]
    fn a_circle_inside_the_window_is_closed() {
        let field = field_of(&isotropic(), 64, 1);
        let lines = field.iso_lines(&[0.5]);
        // Every endpoint of a closed curve is shared by exactly two segments.
        let mut endpoints: Vec<[u64; 2]> = lines[0]
            .segments
            .iter()
            .flatten()
            .map(|p| p.map(f64::to_bits))
            .collect();
        endpoints.sort_unstable();
        for pair in endpoints.chunks(2) {
            assert_eq!(pair[0], pair[1]);
        }
    }

    #[test]
    fn rosenbrock_picks_log_and_quadratics_pick_linear() {
        let rosenbrock = field_of(&Rosenbrock::default(), 256, 20);
        assert!(matches!(rosenbrock.scale(), LevelScale::Log { floor } if floor > 0.0));
        assert_eq!(rosenbrock.low(), 0.0);
        for quadratic in [Quadratic::default(), isotropic()] {
            assert_eq!(field_of(&quadratic, 256, 20).scale(), LevelScale::Linear);
        }
    }

    #[test]
    fn levels_increase_inside_the_range_for_every_landscape() {
        for config in LandscapeConfig::catalog() {
            let landscape = config.build();
            for size in [2, 3, 64] {
                let field = field_of(landscape.as_ref(), size, 20);
                let levels = field.levels();
                let (min, max) = (field.min().unwrap(), field.max().unwrap());
                assert!(size < 64 || levels.len() == 20, "{}", config.name());
                assert!(levels.windows(2).all(|w| w[0] < w[1]), "{}", config.name());
                assert!(
                    levels.iter().all(|l| (min..=max).contains(l)),
                    "{}: {levels:?} outside [{min}, {max}]",
                    config.name()
                );
            }
        }
    }

    #[test]
    fn log_levels_are_geometric_above_the_floor() {
        let field = field_of(&Rosenbrock::default(), 128, 8);
        let LevelScale::Log { floor } = field.scale() else {
            panic!("Rosenbrock should be log-scaled");
        };
        let shifted: Vec<f64> = field
            .levels()
            .iter()
            .map(|l| l - field.low() + floor)
            .collect();
        let ratios: Vec<f64> = shifted.windows(2).map(|w| w[1] / w[0]).collect();
        assert!(
            ratios
                .iter()
                .all(|r| (r - ratios[0]).abs() < 1e-9 * ratios[0])
        );
        assert!(ratios[0] > 1.0);
    }

    #[test]
    fn linear_levels_are_evenly_spaced() {
        let field = field_of(&isotropic(), 64, 4);
        let (min, max) = (field.min().unwrap(), field.max().unwrap());
        let step = (max - min) / 5.0;
        for (k, level) in field.levels().iter().enumerate() {
            assert!((level - (min + (k + 1) as f64 * step)).abs() < 1e-12);
        }
    }

    #[test]
    fn rgba_has_the_right_size_and_the_minimum_is_darkest() {
        let landscape = Rosenbrock::default();
        let request = view_request(&landscape, [120, 80], 10);
        let field = compute_field(&landscape, &request);
        for colormap in Colormap::ALL {
            let rgba = field.to_rgba(colormap);
            assert_eq!(rgba.len(), 120 * 80 * 4);
            let lowest = field
                .values()
                .iter()
                .enumerate()
                .min_by(|a, b| a.1.total_cmp(b.1))
                .unwrap()
                .0;
            assert_eq!(field.position(field.values()[lowest]), Some(0.0));
            let luminance = |i: usize| {
                let p = &rgba[4 * i..4 * i + 3];
                0.2126 * f64::from(p[0]) + 0.7152 * f64::from(p[1]) + 0.0722 * f64::from(p[2])
            };
            let darkest = (0..120 * 80).map(luminance).fold(f64::INFINITY, f64::min);
            assert_eq!(luminance(lowest), darkest, "{}", colormap.name());
            assert_eq!(&rgba[4 * lowest..4 * lowest + 3], &colormap.rgb(0.0));
        }
    }

    #[test]
    fn row_zero_is_the_top_of_the_window() {
        // f = ½(x² + y²) on a window above the origin grows towards the top.
        let request = ContourRequest {
            window: ViewWindow {
                x_min: -1.0,
                x_max: 1.0,
                y_min: 1.0,
                y_max: 3.0,
            },
            width: 10,
            height: 20,
            levels: 5,
        };
        let field = compute_field(&isotropic(), &request);
        let [x, y] = field.cell_centre(5, 0);
        assert!((x - 0.1).abs() < 1e-12 && (y - 2.95).abs() < 1e-12);
        assert_eq!(field.value_at(5, 0), Some(isotropic().value([x, y])));
        assert_eq!(field.value_at(10, 0), None);
        let rgba = field.to_rgba(Colormap::Viridis);
        let top = field.position(field.value_at(5, 0).unwrap()).unwrap();
        let bottom = field.position(field.value_at(5, 19).unwrap()).unwrap();
        assert!(top > bottom);
        // The image quantizes positions to the 256 entries of the colormap's table.
        let quantized = (top * 255.0).round() / 255.0;
        assert_eq!(&rgba[4 * 5..4 * 5 + 3], &Colormap::Viridis.rgb(quantized));
    }

    #[test]
    fn non_finite_values_poison_nothing() {
        let huge = ViewWindow::centred(1e200, 1e200);
        for landscape in [
            &Saddle {} as &dyn Landscape,
            &Rosenbrock::default(),
            &isotropic(),
        ] {
            let request = ContourRequest {
                window: huge,
                width: 33,
                height: 17,
                levels: 12,
            };
            let field = compute_field(landscape, &request);
            assert!(field.values().iter().any(|v| !v.is_finite()));
            if let (Some(min), Some(max)) = (field.min(), field.max()) {
                assert!(min.is_finite() && max.is_finite());
            }
            let levels = field.levels();
            assert!(levels.iter().all(|l| l.is_finite()));
            let rgba = field.to_rgba(Colormap::Magma);
            assert_eq!(rgba.len(), 33 * 17 * 4);
            for line in field.iso_lines(&levels) {
                assert!(
                    line.segments
                        .iter()
                        .flatten()
                        .flatten()
                        .all(|c| c.is_finite())
                );
            }
        }
    }

    #[test]
    fn overflowing_ranges_stay_finite() {
        // x² − y² reaches ±1e308 here: max − min overflows, positions and levels must not.
        let request = ContourRequest {
            window: ViewWindow::centred(1e154, 1e154),
            width: 16,
            height: 16,
            levels: 5,
        };
        let field = compute_field(&Saddle {}, &request);
        let levels = field.levels();
        assert_eq!(levels.len(), 5);
        assert!(levels.iter().all(|l| l.is_finite()));
        let positions: Vec<f64> = field
            .values()
            .iter()
            .filter_map(|&v| field.position(v))
            .collect();
        assert!(positions.iter().all(|t| (0.0..=1.0).contains(t)));
        assert!(!field.iso_lines(&levels)[2].segments.is_empty());
    }

    #[test]
    fn degenerate_requests_do_not_panic() {
        let landscape = Rosenbrock::default();
        for (width, height) in [(0, 0), (1, 1), (0, 5), (1, 7)] {
            let request = view_request(&landscape, [width, height], 3);
            let field = compute_field(&landscape, &request);
            assert_eq!(field.to_rgba(Colormap::Cividis).len(), width * height * 4);
            assert!(
                field
                    .iso_lines(&[1.0])
                    .iter()
                    .all(|l| l.segments.is_empty())
            );
        }
        let nan_window = ViewWindow::centred(f64::NAN, 1.0);
        let request = ContourRequest {
            window: nan_window,
            width: 4,
            height: 4,
            levels: 3,
        };
        let field = compute_field(&landscape, &request);
        assert!(field.levels().is_empty());
        assert!(
            field
                .to_rgba(Colormap::Viridis)
                .chunks(4)
                .all(|p| p == NON_FINITE_RGBA)
        );
    }

    #[test]
    fn saddle_squares_follow_the_centre_average() {
        // A checkerboard: tl and br at 1, tr and bl at 0; the centre average is 0.5.
        let square = Square {
            corners: [1.0, 0.0, 1.0, 0.0],
            x: [0.0, 1.0],
            y: [1.0, 0.0],
        };
        let mut connected = Vec::new();
        square.march(0.4, &mut connected); // centre 0.5 above: tl–br joined, tr and bl cut off
        let mut separated = Vec::new();
        square.march(0.6, &mut separated); // centre below: tl and br cut off
        let near = |p: Point, q: Point| (p[0] - q[0]).hypot(p[1] - q[1]) < 1e-12;
        assert_eq!(connected.len(), 2);
        assert!(near(connected[0][0], [0.6, 1.0]) && near(connected[0][1], [1.0, 0.6]));
        assert_eq!(separated.len(), 2);
        assert!(near(separated[0][0], [0.4, 1.0]) && near(separated[0][1], [0.0, 0.6]));
    }

    /// The field and iso-lines of the straightforward code: one `value` per cell, one pass over
    /// every square per level.
    fn reference_lines(field: &ContourField, levels: &[f64]) -> Vec<IsoLine> {
        levels
            .iter()
            .map(|&level| IsoLine {
                level,
                segments: field.iso_segments(level),
            })
            .collect()
    }

    #[test]
    fn batched_sampling_and_banded_tracing_match_the_plain_algorithm() {
        let rastrigin = LandscapeConfig::Rastrigin(crate::landscape::Rastrigin::default()).build();
        let landscapes: [&dyn Landscape; 4] = [
            &Rosenbrock::default(),
            &isotropic(),
            &Saddle::default(),
            rastrigin.as_ref(),
        ];
        for landscape in landscapes {
            // 300² is split over threads; 37 × 23 is not.
            for (width, height) in [(300, 300), (37, 23)] {
                let request = view_request(landscape, [width, height], 12);
                let field = compute_field(landscape, &request);
                let [dx, dy] = field.cell_size();
                for (index, &value) in field.values().iter().enumerate() {
                    let (row, col) = (index / width, index % width);
                    let x = request.window.x_min + (col as f64 + 0.5) * dx;
                    let y = request.window.y_max - (row as f64 + 0.5) * dy;
                    assert_eq!(value.to_bits(), landscape.value([x, y]).to_bits());
                }
                let mut levels = field.levels();
                assert_eq!(field.iso_lines(&levels), reference_lines(&field, &levels));
                // Levels at sample values, outside the range and infinite ones, and an unsorted
                // list (the per-level path).
                levels.extend([field.values()[width + 3], 1e300, f64::INFINITY]);
                levels.insert(0, f64::NEG_INFINITY);
                levels.sort_by(f64::total_cmp);
                levels.dedup();
                assert_eq!(field.iso_lines(&levels), reference_lines(&field, &levels));
                levels.reverse();
                assert_eq!(field.iso_lines(&levels), reference_lines(&field, &levels));
            }
        }
    }

    #[test]
    fn banded_tracing_skips_non_finite_corners_like_the_plain_algorithm() {
        let mut field = field_of(&isotropic(), 40, 6);
        for (index, value) in field.values.iter_mut().enumerate() {
            match index % 97 {
                0 => *value = f64::NAN,
                1 => *value = f64::INFINITY,
                _ => {}
            }
        }
        let levels = field.levels();
        assert!(!levels.is_empty());
        assert_eq!(field.iso_lines(&levels), reference_lines(&field, &levels));
    }

    #[test]
    fn a_forced_scale_is_used() {
        let field = field_of(&Rosenbrock::default(), 32, 4).with_scale(LevelScale::Linear);
        assert_eq!(field.scale(), LevelScale::Linear);
        let bad = field.with_scale(LevelScale::Log { floor: -1.0 });
        assert_eq!(bad.scale(), LevelScale::Log { floor: 1.0 });
    }
}
