//! The landscape view's contour picture (colour image and iso-lines) computed a piece at a time,
//! for a frame loop that may spend only a few milliseconds at once (the browser has no threads).
//!
//! The pieces are the field's rows (sampled as [`compute_field`](super::compute_field) samples
//! them, one `value_batch` per row), then the colours, then the iso-lines one row of squares at a
//! time (as [`ContourField::iso_lines`] traces a block of rows). Rows' ranges are merged in row
//! order and the segments appended in row order, so the picture is the same, bit for bit, as the
//! one [`ContourPieces::compute_whole`] computes over all cores.

use std::ops::Range;
use std::sync::Arc;

use super::{
    Colormap, ContourField, ContourRequest, IsoLine, MAX_GRID_SIDE, NON_FINITE_RGBA, cell_size,
    sample_row,
};
use crate::analysis::geometry::colormap::lookup_index;
use crate::landscape::Landscape;

/// What the landscape view draws under the trajectories.
#[derive(Clone, Debug, PartialEq)]
pub struct ContourPicture {
    /// Columns of the image.
    pub width: usize,
    /// Rows of the image (row 0 at the top of the window).
    pub height: usize,
    /// `width × height × 4` bytes of sRGB + alpha, as [`ContourField::to_rgba`] gives.
    pub rgba: Vec<u8>,
    /// One line per level of [`ContourField::levels`].
    pub lines: Vec<IsoLine>,
}

/// A contour picture being computed: the request and how far it has come.
pub struct ContourPieces {
    landscape: Arc<dyn Landscape>,
    request: ContourRequest,
    colormap: Colormap,
    stage: Stage,
}

/// Where the computation stands.
enum Stage {
    /// Sampling row `next` of the field.
    Field {
        xs: Vec<f64>,
        ys: Vec<f64>,
        values: Vec<f64>,
        row_ranges: Vec<Option<(f64, f64)>>,
        next: usize,
    },
    /// Colouring row `next` of the sampled field.
    Colours {
        field: ContourField,
        rgba: Vec<u8>,
        next: usize,
    },
    /// Tracing the iso-lines through the squares whose top row is `next`.
    Lines {
        field: ContourField,
        rgba: Vec<u8>,
        levels: Vec<f64>,
        lines: Vec<IsoLine>,
        next: usize,
    },
    /// The picture was given out.
    Done,
}

impl ContourPieces {
    /// The picture of `landscape` for `request`, coloured on `colormap`.
    pub fn new(landscape: Arc<dyn Landscape>, request: ContourRequest, colormap: Colormap) -> Self {
        let (width, height) = (
            request.width.min(MAX_GRID_SIDE),
            request.height.min(MAX_GRID_SIDE),
        );
        let [dx, _] = cell_size(&request.window, width, height);
        let x_min = request.window.x_min;
        let stage = Stage::Field {
            xs: (0..width)
                .map(|col| x_min + (col as f64 + 0.5) * dx)
                .collect(),
            ys: vec![0.0; width],
            values: vec![f64::NAN; width * height],
            row_ranges: vec![None; height],
            next: 0,
        };
        Self {
            landscape,
            request,
            colormap,
            stage,
        }
    }

    /// The grid's (width, height) as sampled (clamped to [`MAX_GRID_SIDE`]).
    fn size(&self) -> (usize, usize) {
        (
            self.request.width.min(MAX_GRID_SIDE),
            self.request.height.min(MAX_GRID_SIDE),
        )
    }

    /// Pieces before the last: the field's rows, the colours' rows, and the rows of squares but
    /// one.
    pub fn pieces(&self) -> usize {
        let (_, height) = self.size();
        (3 * height).saturating_sub(2)
    }

    /// The whole picture at once, the field and the iso-lines split over the cores.
    pub fn compute_whole(&mut self) -> ContourPicture {
        self.stage = Stage::Done;
        let field = super::compute_field(self.landscape.as_ref(), &self.request);
        let rgba = field.to_rgba(self.colormap);
        let lines = field.iso_lines(&field.levels());
        ContourPicture {
            width: field.width(),
            height: field.height(),
            rgba,
            lines,
        }
    }

    /// Does the next piece; the picture once the last is done (and `None` after that too, when
    /// it was already given out).
    pub fn next_piece(&mut self) -> Option<ContourPicture> {
        match std::mem::replace(&mut self.stage, Stage::Done) {
            Stage::Field {
                xs,
                mut ys,
                mut values,
                mut row_ranges,
                next,
            } => {
                let (width, height) = self.size();
                let [_, dy] = cell_size(&self.request.window, width, height);
                if let (Some(out), Some(range)) = (
                    values.get_mut(next * width..(next + 1) * width),
                    row_ranges.get_mut(next),
                ) {
                    let y_max = self.request.window.y_max;
                    *range =
                        sample_row(self.landscape.as_ref(), &xs, y_max, dy, next, &mut ys, out);
                }
                self.stage = if next + 1 < height {
                    Stage::Field {
                        xs,
                        ys,
                        values,
                        row_ranges,
                        next: next + 1,
                    }
                } else {
                    let landscape = self.landscape.as_ref();
                    let field =
                        ContourField::from_rows(landscape, &self.request, values, row_ranges);
                    Stage::Colours {
                        rgba: Vec::with_capacity(field.values().len() * 4),
                        field,
                        next: 0,
                    }
                };
                None
            }
            Stage::Colours {
                field,
                mut rgba,
                next,
            } => {
                field.push_rgba_rows(self.colormap, next..next + 1, &mut rgba);
                if next + 1 < field.height() {
                    self.stage = Stage::Colours {
                        field,
                        rgba,
                        next: next + 1,
                    };
                    return None;
                }
                let levels = field.levels();
                self.lines_from(field, rgba, levels)
            }
            Stage::Lines {
                field,
                rgba,
                levels,
                mut lines,
                next,
            } => {
                let segments = field.band_segments(&levels, next..next + 1);
                for (line, segments) in lines.iter_mut().zip(segments) {
                    line.segments.extend(segments);
                }
                if next + 2 < field.height() {
                    self.stage = Stage::Lines {
                        field,
                        rgba,
                        levels,
                        lines,
                        next: next + 1,
                    };
                    return None;
                }
                Some(picture(&field, rgba, lines))
            }
            Stage::Done => None,
        }
    }

    /// Starts the iso-lines: by rows of squares where [`ContourField::iso_lines`] traces blocks
    /// of rows, else (a grid too small, levels out of order) all of them now.
    fn lines_from(
        &mut self,
        field: ContourField,
        rgba: Vec<u8>,
        levels: Vec<f64>,
    ) -> Option<ContourPicture> {
        let by_rows = levels.windows(2).all(|pair| pair[0] < pair[1])
            && levels.iter().all(|level| !level.is_nan())
            && field.width() >= 2
            && field.height() >= 2;
        if !by_rows {
            let lines = field.iso_lines(&levels);
            return Some(picture(&field, rgba, lines));
        }
        let lines = levels
            .iter()
            .map(|&level| IsoLine {
                level,
                segments: Vec::new(),
            })
            .collect();
        self.stage = Stage::Lines {
            field,
            rgba,
            levels,
            lines,
            next: 0,
        };
        None
    }
}

impl ContourField {
    /// Appends the colours of `rows` (those within the grid) to `rgba`: 4 bytes of sRGB + alpha
    /// per cell, each value coloured at its position on `colormap`, non-finite cells
    /// [`NON_FINITE_RGBA`] ([`ContourField::to_rgba`] colours every row this way).
    pub(super) fn push_rgba_rows(
        &self,
        colormap: Colormap,
        rows: Range<usize>,
        rgba: &mut Vec<u8>,
    ) {
        let cells =
            rows.start.min(self.height) * self.width..rows.end.min(self.height) * self.width;
        let Some(values) = self.values.get(cells) else {
            return;
        };
        let lookup = colormap.lookup_table();
        let scaling = self.scaling();
        for &value in values {
            match scaling.and_then(|s| s.position(value)) {
                Some(t) => {
                    let [r, g, b] = lookup[lookup_index(t)];
                    rgba.extend_from_slice(&[r, g, b, 255]);
                }
                None => rgba.extend_from_slice(&NON_FINITE_RGBA),
            }
        }
    }
}

fn picture(field: &ContourField, rgba: Vec<u8>, lines: Vec<IsoLine>) -> ContourPicture {
    ContourPicture {
        width: field.width(),
        height: field.height(),
        rgba,
        lines,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::landscape::{Rosenbrock, ViewWindow};

    fn rosenbrock_pieces(width: usize, height: usize) -> ContourPieces {
        let landscape: Arc<dyn Landscape> = Arc::new(Rosenbrock::default());
        let request = ContourRequest {
            window: ViewWindow {
                x_min: -2.0,
                x_max: 2.0,
                y_min: -1.0,
                y_max: 3.0,
            },
            width,
            height,
            levels: 12,
        };
        ContourPieces::new(landscape, request, Colormap::Viridis)
    }

    #[test]
    fn piece_by_piece_the_picture_is_the_one_computed_whole() {
        for (width, height) in [(37, 23), (2, 2), (1, 5), (64, 1)] {
            let whole = rosenbrock_pieces(width, height).compute_whole();
            let mut pieces = rosenbrock_pieces(width, height);
            let mut count = 0;
            let pieced = loop {
                if let Some(picture) = pieces.next_piece() {
                    break picture;
                }
                count += 1;
                assert!(count <= 10_000, "never finished");
            };
            assert_eq!(pieced, whole, "{width}×{height}");
            assert!(whole.lines.iter().any(|l| !l.segments.is_empty()) || width < 2 || height < 2);
            if width >= 2 && height >= 2 {
                assert_eq!(count, pieces.pieces(), "{width}×{height}");
            }
            assert_eq!(pieces.next_piece(), None);
        }
    }
}
