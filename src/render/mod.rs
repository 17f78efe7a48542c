//! Headless rendering: a landscape scenario drawn to a PNG or an animated GIF on the CPU, with no
//! display and no GPU (`optiviz render`, and the app's image export at any resolution).
//!
//! **Plot to screen.** The view window [x_min, x_max] × [y_min, y_max] (the scenario's `view`, else
//! the landscape's default) is widened about its centre to the image's aspect ratio, so both axes
//! get the same scale, and then by 2 % on each side, as the app's landscape view does
//! ([`fitted_view`]). A point (x, y) of the plane lands on pixel
//!   u = (x − x_min) / (x_max − x_min) · W,   v = (y_max − y) / (y_max − y_min) · H,
//! row 0 at the top (y = y_max), the same row order as
//! [`crate::analysis::geometry::contour::compute_field`].
//!
//! **Layers**, bottom to top, as in the app: the colour field of f (viridis on dark, cividis on
//! light; sampled on at most [`MAX_FIELD_SIDE`] cells a side and scaled up bilinearly beyond), its
//! iso-lines (marching squares), the known minimizers (✕), every run's path (a dark halo under the
//! run's colour), its start ring and current point, then the legend: the scenario's name and each
//! run's colour, label and how it ended.
//!
//! **Paths.** Each run is stepped headless by the engine's [`Session`]. A run keeps the samples
//! whose step is a multiple of a stride s (s = 1 at first); when more than [`MAX_PATH_POINTS`]
//! are kept, s doubles and every other one goes. So memory is bounded whatever the step budget, the
//! kept points stay evenly spaced in steps, the start is always kept, and the latest sample is
//! held apart so the path always ends where the run is. Segments are clipped to a margin around the
//! image (Liang & Barsky's parametric clipping) before they reach the rasterizer, so a diverging run
//! at 10³⁰⁰ draws as a line leaving the image.
//!
//! **Animation.** Frame k of n shows every run up to step t_k = round(T · k / (n − 1)), T the most
//! steps any run took. The GIF has one global palette of 256 colours: the runs' and the markers'
//! exact colours, and the rest learned from the last frame by NeuQuant (A. Dekker, "Kohonen neural
//! networks for optimal colour quantization", Network: Computation in Neural Systems 5, 1994).
//! Each frame after the first stores only the rectangle that changed, drawn over the previous one.
//!
//! Colours of runs without their own: the theme's run palette ([`palette`]), as in the app.
//! Drawing: tiny-skia, a Rust port of a subset of Skia; text: DejaVu Sans through ab_glyph.

mod animation;
mod canvas;
mod gif_pieces;
mod legend;
pub mod palette;

use std::sync::Arc;

use crate::engine::{RunStatus, Session};
use crate::landscape::{Landscape, ViewWindow};
use crate::scenario::{self, MAX_STEPS, Scenario};

pub use canvas::fitted_view;
pub use gif_pieces::GifPieces;
pub use legend::FONT;
pub use palette::run_colour;

/// Smallest image side accepted, in pixels.
pub const MIN_SIDE: u32 = 16;
/// Largest image side accepted, in pixels.
pub const MAX_SIDE: u32 = 8192;
/// Fewest frames of an animation.
pub const MIN_FRAMES: usize = 2;
/// Most frames of an animation.
pub const MAX_FRAMES: usize = 600;
/// Most pixels an animation may hold over all its frames (frames × width × height).
pub const MAX_ANIMATION_PIXELS: u64 = 1 << 30;
/// Most points kept per run (between half this and this many once thinning has begun).
pub const MAX_PATH_POINTS: usize = 4096;
/// Most cells a side of the sampled field; larger images scale the field up bilinearly.
pub const MAX_FIELD_SIDE: u32 = 1024;

/// What to draw: the image size, the theme and whether to draw the legend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RenderOptions {
    /// Image width in pixels, [`MIN_SIDE`]..=[`MAX_SIDE`].
    pub width: u32,
    /// Image height in pixels, [`MIN_SIDE`]..=[`MAX_SIDE`].
    pub height: u32,
    /// Dark theme (viridis, white markings) or light (cividis, black markings).
    pub dark: bool,
    /// Draw the legend box (scenario name, each run's colour and label).
    pub legend: bool,
}

impl Default for RenderOptions {
    fn default() -> Self {
        Self {
            width: 1024,
            height: 768,
            dark: true,
            legend: true,
        }
    }
}

/// Why an image could not be drawn.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum RenderError {
    /// The scenario's problem is a network, which has no 2D landscape to draw.
    #[error("render draws 2D landscapes; this preset trains a network ({0})")]
    Network(&'static str),
    /// A side of the image is outside [`MIN_SIDE`]..=[`MAX_SIDE`].
    #[error(
        "image size {width}×{height} is out of range: each side must be {MIN_SIDE} to {MAX_SIDE} pixels"
    )]
    Size {
        /// The width asked for.
        width: u32,
        /// The height asked for.
        height: u32,
    },
    /// A `--size` text that is not `WIDTHxHEIGHT`.
    #[error("size {0:?} is not WIDTHxHEIGHT (e.g. 1024x768)")]
    SizeText(String),
    /// The frame count is outside [`MIN_FRAMES`]..=[`MAX_FRAMES`].
    #[error("{0} frames is out of range: an animation has {MIN_FRAMES} to {MAX_FRAMES} frames")]
    Frames(usize),
    /// frames × width × height exceeds [`MAX_ANIMATION_PIXELS`].
    #[error(
        "{frames} frames of {width}×{height} pixels exceed the animation limit of {MAX_ANIMATION_PIXELS} pixels in all: use fewer frames or a smaller size"
    )]
    AnimationTooLarge {
        /// The frame count asked for.
        frames: usize,
        /// The width asked for.
        width: u32,
        /// The height asked for.
        height: u32,
    },
    /// The step count exceeds the scenario limit.
    #[error("{0} steps is out of range: at most {MAX_STEPS}")]
    Steps(u64),
    /// The scenario failed validation; the findings, one per line.
    #[error("the scenario is not valid:\n{0}")]
    Invalid(String),
    /// The view window is empty or not finite.
    #[error(
        "the view window x ∈ [{x_min}, {x_max}], y ∈ [{y_min}, {y_max}] is empty or not finite"
    )]
    View {
        /// Smallest x.
        x_min: f64,
        /// Largest x.
        x_max: f64,
        /// Smallest y.
        y_min: f64,
        /// Largest y.
        y_max: f64,
    },
    /// The image could not be encoded (or, never expected, a drawing surface not allocated).
    #[error("could not encode the image: {0}")]
    Encode(String),
}

/// One run as drawn: what the app hands to [`draw_png`] to export what it shows.
#[derive(Clone, Debug, PartialEq)]
pub struct RunPath {
    /// Name in the legend.
    pub label: String,
    /// Line colour (sRGB).
    pub colour: [u8; 3],
    /// The path in plane coordinates, from the start to the current point (decimated as the
    /// caller likes; a few thousand points is plenty).
    pub points: Vec<[f64; 2]>,
    /// How the run ended, after the label in the legend ("converged at step 6"), if worth saying.
    pub note: Option<String>,
}

/// Reads `WIDTHxHEIGHT` (also `W×H`, `W*H`; spaces allowed), each side within
/// [`MIN_SIDE`]..=[`MAX_SIDE`]: the CLI's `--size`.
pub fn parse_size(text: &str) -> Result<(u32, u32), RenderError> {
    let bad = || RenderError::SizeText(text.to_owned());
    let (width, height) = text.split_once(['x', 'X', '×', '*']).ok_or_else(bad)?;
    let side = |v: &str| v.trim().parse::<u32>().map_err(|_| bad());
    let (width, height) = (side(width)?, side(height)?);
    check_size(&RenderOptions {
        width,
        height,
        ..RenderOptions::default()
    })?;
    Ok((width, height))
}

/// Runs the scenario headless for `steps` (or its own budget) and draws the view as a PNG (8-bit
/// RGB): filled contours, iso-lines, known minimizers, each run's path and current point, and
/// (with `options.legend`) the legend.
pub fn render_png(
    scenario: &Scenario,
    steps: Option<u64>,
    options: &RenderOptions,
) -> Result<Vec<u8>, RenderError> {
    check_size(options)?;
    let traced = trace_scenario(scenario, steps, options.dark)?;
    let runs: Vec<RunPath> = traced.runs.iter().map(Traced::full).collect();
    draw_png(
        traced.landscape.as_ref(),
        traced.view,
        &scenario.name,
        &runs,
        options,
    )
}

/// Draws given paths over a landscape as a PNG (8-bit RGB), the view fitted to the image as in
/// [`render_png`]: the app's export of what it shows, at any resolution.
pub fn draw_png(
    landscape: &dyn Landscape,
    view: ViewWindow,
    title: &str,
    runs: &[RunPath],
    options: &RenderOptions,
) -> Result<Vec<u8>, RenderError> {
    check_size(options)?;
    let backdrop = canvas::Backdrop::new(landscape, view, options)?;
    let views: Vec<canvas::PathView<'_>> = runs.iter().map(canvas::PathView::from).collect();
    let legend = legend_for(&backdrop, title, &views, options)?;
    let pixmap = backdrop.frame(&views, legend.as_ref());
    canvas::encode_png(&pixmap)
}

/// The animation: `frames` frames of the trajectories growing to `steps` (or the scenario's
/// budget), as a looping GIF (25 frames a second, the last held for two seconds).
pub fn render_gif(
    scenario: &Scenario,
    steps: Option<u64>,
    frames: usize,
    options: &RenderOptions,
) -> Result<Vec<u8>, RenderError> {
    check_size(options)?;
    check_frames(frames, options)?;
    let traced = trace_scenario(scenario, steps, options.dark)?;
    let runs: Vec<TimedPath> = traced.runs.iter().map(Traced::timed).collect();
    draw_gif(
        traced.landscape.as_ref(),
        traced.view,
        &scenario.name,
        &runs,
        frames,
        options,
    )
}

/// One run as animated: its path and the step of each of its points.
#[derive(Clone, Debug, PartialEq)]
pub struct TimedPath {
    /// The whole path as the last frame draws it.
    pub path: RunPath,
    /// The step of each point of `path.points`, non-decreasing.
    pub steps: Vec<u64>,
}

impl TimedPath {
    /// How many of the points have a step at or before `step` (at least 1).
    fn points_through(&self, step: u64) -> usize {
        self.steps
            .partition_point(|&s| s <= step)
            .clamp(1, self.path.points.len().max(1))
    }
}

/// Animates given paths over a landscape as [`render_gif`] does, the view fitted to the image:
/// the app's export of the history it shows, with no stepping of its own.
pub fn draw_gif(
    landscape: &dyn Landscape,
    view: ViewWindow,
    title: &str,
    runs: &[TimedPath],
    frames: usize,
    options: &RenderOptions,
) -> Result<Vec<u8>, RenderError> {
    let mut animation = gif_pieces::Animation::new(landscape, view, title, runs, frames, options)?;
    for k in 0..frames {
        animation.push_frame(runs, k, frames)?;
    }
    animation.finish()
}

/// t_k = round(T · k / (n − 1)), computed without overflow.
fn frame_step(horizon: u64, k: usize, frames: usize) -> u64 {
    let last = frames.saturating_sub(1).max(1) as u128;
    ((u128::from(horizon) * k as u128 + last / 2) / last) as u64
}

fn legend_for(
    backdrop: &canvas::Backdrop,
    title: &str,
    runs: &[canvas::PathView<'_>],
    options: &RenderOptions,
) -> Result<Option<legend::Legend>, RenderError> {
    if !options.legend {
        return Ok(None);
    }
    legend::Legend::new(backdrop, title, runs).map(Some)
}

fn check_size(options: &RenderOptions) -> Result<(), RenderError> {
    let side = MIN_SIDE..=MAX_SIDE;
    if side.contains(&options.width) && side.contains(&options.height) {
        Ok(())
    } else {
        Err(RenderError::Size {
            width: options.width,
            height: options.height,
        })
    }
}

fn check_frames(frames: usize, options: &RenderOptions) -> Result<(), RenderError> {
    if !(MIN_FRAMES..=MAX_FRAMES).contains(&frames) {
        return Err(RenderError::Frames(frames));
    }
    let pixels = frames as u64 * u64::from(options.width) * u64::from(options.height);
    if pixels > MAX_ANIMATION_PIXELS {
        return Err(RenderError::AnimationTooLarge {
            frames,
            width: options.width,
            height: options.height,
        });
    }
    Ok(())
}

/// A scenario stepped headless: its landscape, view window and every run's kept points.
struct TracedScenario {
    landscape: Arc<dyn Landscape>,
    view: ViewWindow,
    runs: Vec<Traced>,
}

/// One run's kept samples (see the module doc), its label, colour and final status.
struct Traced {
    label: String,
    colour: [u8; 3],
    status: RunStatus,
    recorder: PathRecorder,
}

impl Traced {
    /// The whole kept path, to the latest point.
    fn full(&self) -> RunPath {
        RunPath {
            label: self.label.clone(),
            colour: self.colour,
            points: self.recorder.points().map(|(_, point)| point).collect(),
            note: status_note(&self.status),
        }
    }

    /// The whole kept path with the step of each point.
    fn timed(&self) -> TimedPath {
        TimedPath {
            path: self.full(),
            steps: self.recorder.points().map(|(step, _)| step).collect(),
        }
    }
}

/// Words after the label in the legend: how the run ended, if it did not simply use its budget.
fn status_note(status: &RunStatus) -> Option<String> {
    match status {
        RunStatus::Running | RunStatus::Finished => None,
        RunStatus::Converged { .. } | RunStatus::Diverged { .. } | RunStatus::Unbounded { .. } => {
            Some(status.summary())
        }
    }
}

/// Keeps the samples whose step is a multiple of a stride that doubles when too many are kept.
struct PathRecorder {
    stride: u64,
    kept: Vec<(u64, [f64; 2])>,
    latest: Option<(u64, [f64; 2])>,
}

impl PathRecorder {
    fn new() -> Self {
        Self {
            stride: 1,
            kept: Vec::new(),
            latest: None,
        }
    }

    fn push(&mut self, step: u64, point: [f64; 2]) {
        self.latest = Some((step, point));
        if !step.is_multiple_of(self.stride) {
            return;
        }
        self.kept.push((step, point));
        if self.kept.len() > MAX_PATH_POINTS {
            self.stride = self.stride.saturating_mul(2);
            let stride = self.stride;
            self.kept.retain(|(s, _)| s.is_multiple_of(stride));
        }
    }

    /// The kept samples in step order, ending with the latest.
    fn points(&self) -> impl Iterator<Item = (u64, [f64; 2])> + '_ {
        let tail = self
            .latest
            .filter(|latest| self.kept.last().is_none_or(|kept| kept.0 != latest.0));
        self.kept.iter().copied().chain(tail)
    }
}

/// Checks the scenario, steps every run and keeps its decimated path.
fn trace_scenario(
    scenario: &Scenario,
    steps: Option<u64>,
    dark: bool,
) -> Result<TracedScenario, RenderError> {
    if scenario.problem.is_network() {
        return Err(RenderError::Network(scenario.problem.name()));
    }
    let invalid = scenario::validate(scenario);
    if !invalid.is_empty() {
        let lines: Vec<String> = invalid
            .iter()
            .map(|found| format!("{}: {}", found.path, found.message))
            .collect();
        return Err(RenderError::Invalid(lines.join("\n")));
    }
    let budget = steps.unwrap_or(scenario.steps);
    if budget > MAX_STEPS {
        return Err(RenderError::Steps(budget));
    }
    let mut session = Session::new(scenario.clone());
    session.set_step_budget(budget);
    let Some(landscape) = session.problem().landscape.clone() else {
        return Err(RenderError::Network(scenario.problem.name()));
    };
    let view = scenario.view.unwrap_or_else(|| landscape.view());
    let mut runs = Vec::with_capacity(session.runs().len());
    for index in 0..session.runs().len() {
        let mut recorder = PathRecorder::new();
        let start = session.runs()[index].last_sample();
        recorder.push(start.step, start.point);
        session.advance_run(index, budget, |sample| {
            recorder.push(sample.step, sample.point)
        });
        let run = &session.runs()[index];
        runs.push(Traced {
            label: run.config().label.clone(),
            colour: run_colour(run.config(), index, dark),
            status: run.status().clone(),
            recorder,
        });
    }
    Ok(TracedScenario {
        landscape,
        view,
        runs,
    })
}

#[cfg(test)]
mod tests;
