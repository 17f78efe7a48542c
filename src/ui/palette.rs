//! How runs look on the canvases: the theme's run colour, the dash pattern of runs beyond six,
//! the highlight of the selected and hovered runs, and the colours of things that are not runs
//! (basin maps, singular values). The colours themselves and the colour science that checks them
//! live in [`crate::render::palette`], shared with the rendered images.

use egui::{Color32, Pos2, Rect, Shape, Stroke};

use crate::app::AppState;
use crate::render::palette::{self as colours, Dash};
use crate::scenario::RunConfig;

/// The colour of run `index` on the theme (`dark`): its own colour, else the theme's palette.
pub fn run_colour(config: &RunConfig, index: usize, dark: bool) -> Color32 {
    let [r, g, b] = colours::run_colour(config, index, dark);
    Color32::from_rgb(r, g, b)
}

/// The colour of the scenario's run `index` on the app's theme, `missing` when there is no such
/// run.
pub fn scenario_run_colour(state: &AppState, index: usize, missing: Color32) -> Color32 {
    state
        .scenario
        .runs
        .get(index)
        .map_or(missing, |run| run_colour(run, index, state.prefs.dark))
}

/// The dash pattern of run `index` (solid for the first six, then dashed, dotted, dash-dot).
pub fn run_dash(index: usize) -> Dash {
    colours::run_dash(index)
}

/// The same dash pattern for egui_plot's lines (metric plots).
pub fn run_line_style(index: usize) -> egui_plot::LineStyle {
    match run_dash(index) {
        Dash::Solid => egui_plot::LineStyle::Solid,
        Dash::Dashed => egui_plot::LineStyle::Dashed { length: 10.0 },
        Dash::Dotted | Dash::DashDot => egui_plot::LineStyle::Dotted { spacing: 6.0 },
    }
}

/// The shapes of a polyline stroked with `dash` (pattern lengths in multiples of the width),
/// clipped to `clip` first: dashes are counted along the path, and a diverged run's path can be
/// 10³⁰ points long.
pub fn dashed_path(points: &[Pos2], stroke: Stroke, dash: Dash, clip: Rect) -> Vec<Shape> {
    let pattern = dash.pattern();
    if pattern.is_empty() || points.len() < 2 {
        return vec![Shape::line(points.to_vec(), stroke)];
    }
    let unit = stroke.width.max(1.0);
    let dashes: Vec<f32> = pattern.iter().step_by(2).map(|d| d * unit).collect();
    let gaps: Vec<f32> = pattern
        .iter()
        .skip(1)
        .step_by(2)
        .map(|g| g * unit)
        .collect();
    let mut shapes = Vec::new();
    for (piece, _) in clip_path(points, clip) {
        Shape::dashed_line_many_with_offset(&piece, stroke, &dashes, &gaps, 0.0, &mut shapes);
    }
    shapes
}

/// The parts of a polyline inside `rect`, each with the length of the path before it (so a
/// dash pattern can continue in phase). Segments with a non-finite end are dropped.
pub fn clip_path(points: &[Pos2], rect: Rect) -> Vec<(Vec<Pos2>, f32)> {
    let mut pieces: Vec<(Vec<Pos2>, f32)> = Vec::new();
    let mut current: Vec<Pos2> = Vec::new();
    let mut travelled = 0.0_f32;
    let mut piece_start = 0.0_f32;
    for pair in points.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let finite = a.x.is_finite() && a.y.is_finite() && b.x.is_finite() && b.y.is_finite();
        let clipped = if finite {
            clip_segment(a, b, rect)
        } else {
            None
        };
        match clipped {
            Some((from, to)) => {
                if current.last() != Some(&from) {
                    if current.len() >= 2 {
                        pieces.push((std::mem::take(&mut current), piece_start));
                    }
                    current.clear();
                    current.push(from);
                    piece_start = travelled + a.distance(from);
                }
                current.push(to);
            }
            None => {
                if current.len() >= 2 {
                    pieces.push((std::mem::take(&mut current), piece_start));
                }
                current.clear();
            }
        }
        if finite {
            travelled += a.distance(b);
        }
    }
    if current.len() >= 2 {
        pieces.push((current, piece_start));
    }
    pieces
}

/// The part of segment ab inside `rect` (Liang & Barsky's parametric clipping).
fn clip_segment(a: Pos2, b: Pos2, rect: Rect) -> Option<(Pos2, Pos2)> {
    let d = b - a;
    let (mut t0, mut t1) = (0.0_f32, 1.0_f32);
    for (p, q) in [
        (-d.x, a.x - rect.min.x),
        (d.x, rect.max.x - a.x),
        (-d.y, a.y - rect.min.y),
        (d.y, rect.max.y - a.y),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let r = q / p;
            if p < 0.0 {
                t0 = t0.max(r);
            } else {
                t1 = t1.min(r);
            }
        }
    }
    (t0 <= t1).then(|| (a + t0 * d, a + t1 * d))
}

/// How a run is emphasised on a canvas.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Emphasis {
    /// Drawn as usual.
    Normal,
    /// Another run is hovered: drawn faded.
    Faded,
    /// The selected run: drawn over the others, wider, with a halo.
    Selected,
    /// The run under the pointer (or a table row): drawn last, wider, with a halo.
    Hovered,
}

/// How run `index` is emphasised now.
pub fn run_emphasis(state: &AppState, index: usize) -> Emphasis {
    let picked = state.run_picked && state.selected_run == index;
    match state.hovered_run {
        Some(hovered) if hovered == index => Emphasis::Hovered,
        Some(_) if picked => Emphasis::Selected,
        Some(_) => Emphasis::Faded,
        None if picked => Emphasis::Selected,
        None => Emphasis::Normal,
    }
}

impl Emphasis {
    /// Drawing order: higher is drawn later (on top).
    pub fn layer(self) -> u8 {
        match self {
            Emphasis::Faded => 0,
            Emphasis::Normal => 1,
            Emphasis::Selected => 2,
            Emphasis::Hovered => 3,
        }
    }

    /// Whether the run is drawn wider, over a halo.
    pub fn is_highlighted(self) -> bool {
        matches!(self, Emphasis::Selected | Emphasis::Hovered)
    }

    /// The run's colour as drawn.
    pub fn colour(self, colour: Color32) -> Color32 {
        if self == Emphasis::Faded {
            colour.gamma_multiply(0.4)
        } else {
            colour
        }
    }

    /// The line width as drawn, from the normal width.
    pub fn width(self, width: f32) -> f32 {
        if self.is_highlighted() {
            1.6 * width
        } else {
            width
        }
    }
}

/// The halo under a highlighted run: the theme's ink, so it stands out on any contour colour.
pub fn halo_colour(dark: bool) -> Color32 {
    if dark {
        Color32::WHITE.gamma_multiply(0.85)
    } else {
        Color32::BLACK.gamma_multiply(0.85)
    }
}

/// The colour of basin-map outcome `index` (a minimum), from a palette apart from the runs'.
pub fn basin_colour(index: usize) -> Color32 {
    let [r, g, b] = colours::BASIN_PALETTE[index % colours::BASIN_PALETTE.len()];
    Color32::from_rgb(r, g, b)
}

/// The colour of singular value σ₍ᵢ₊₁₎ of `count` on the theme: greys, apart from the runs'.
pub fn sigma_colour(index: usize, count: usize, dark: bool) -> Color32 {
    let [r, g, b] = colours::sigma_colour(index, count, dark);
    Color32::from_rgb(r, g, b)
}
