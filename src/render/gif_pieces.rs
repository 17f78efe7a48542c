//! The app's GIF export drawn a frame at a time, for a frame loop without threads: the first piece
//! samples the backdrop, the second lays out the legend and fits the palette to the last frame;
//! each later piece draws and encodes one frame ([`draw_gif`](super::draw_gif) runs the same steps in one go,
//! so the file is the same either way).

use std::sync::Arc;

use tiny_skia::Pixmap;

use super::animation::GifWriter;
use super::canvas::{Backdrop, PathView};
use super::legend::Legend;
use super::{
    RenderError, RenderOptions, TimedPath, check_frames, check_size, frame_step, legend_for,
};
use crate::engine::{JobControl, Pieces, Slice};
use crate::landscape::{Landscape, ViewWindow};

/// What every frame of an animation shares, and the file being written.
pub(super) struct Animation {
    backdrop: Backdrop,
    legend: Option<Legend>,
    last_frame: Pixmap,
    writer: GifWriter,
    /// The most steps any run took: the last frame's step.
    horizon: u64,
}

impl Animation {
    /// Checks the size and frame count, samples the backdrop, lays out the legend and fits the
    /// palette to the last frame (the runs' and markings' colours kept exact).
    pub(super) fn new(
        landscape: &dyn Landscape,
        view: ViewWindow,
        title: &str,
        runs: &[TimedPath],
        frames: usize,
        options: &RenderOptions,
    ) -> Result<Self, RenderError> {
        let backdrop = Self::backdrop(landscape, view, frames, options)?;
        Self::with_backdrop(backdrop, title, runs, options)
    }

    /// Checks the size and frame count, and samples and draws the static layers.
    fn backdrop(
        landscape: &dyn Landscape,
        view: ViewWindow,
        frames: usize,
        options: &RenderOptions,
    ) -> Result<Backdrop, RenderError> {
        check_size(options)?;
        check_frames(frames, options)?;
        Backdrop::new(landscape, view, options)
    }

    /// Lays out the legend over `backdrop`, draws the last frame and fits the palette to it.
    fn with_backdrop(
        backdrop: Backdrop,
        title: &str,
        runs: &[TimedPath],
        options: &RenderOptions,
    ) -> Result<Self, RenderError> {
        let final_views: Vec<PathView<'_>> =
            runs.iter().map(|run| PathView::from(&run.path)).collect();
        let legend = legend_for(&backdrop, title, &final_views, options)?;
        let last_frame = backdrop.frame(&final_views, legend.as_ref());
        let mut reserved: Vec<[u8; 3]> = runs.iter().map(|run| run.path.colour).collect();
        reserved.extend(backdrop.marking_colours());
        let writer = GifWriter::new(&last_frame, &reserved)?;
        let horizon = runs
            .iter()
            .filter_map(|run| run.steps.last().copied())
            .max()
            .unwrap_or(0);
        Ok(Self {
            backdrop,
            legend,
            last_frame,
            writer,
            horizon,
        })
    }

    /// Draws and encodes frame `k` of `frames`: every run up to step t_k.
    pub(super) fn push_frame(
        &mut self,
        runs: &[TimedPath],
        k: usize,
        frames: usize,
    ) -> Result<(), RenderError> {
        let step = frame_step(self.horizon, k, frames);
        let views: Vec<PathView<'_>> = runs
            .iter()
            .map(|run| PathView {
                points: &run.path.points[..run.points_through(step).min(run.path.points.len())],
                ..PathView::from(&run.path)
            })
            .collect();
        let last = k + 1 == frames;
        let frame = if last {
            self.last_frame.clone()
        } else {
            self.backdrop.frame(&views, self.legend.as_ref())
        };
        let delay = if last { 200 } else { 4 };
        self.writer.push(&frame, delay)
    }

    /// The finished file.
    pub(super) fn finish(self) -> Result<Vec<u8>, RenderError> {
        self.writer.finish()
    }
}

/// Given paths animated over a landscape, as [`draw_gif`](super::draw_gif) draws them, a piece
/// at a time. Its output is the drawing's own outcome, so the caller can word a failure.
pub struct GifPieces {
    landscape: Arc<dyn Landscape>,
    view: ViewWindow,
    title: String,
    runs: Vec<TimedPath>,
    frames: usize,
    options: RenderOptions,
    /// The static layers, between the first piece and the second.
    backdrop: Option<Backdrop>,
    animation: Option<Animation>,
    next_frame: usize,
}

impl GifPieces {
    /// `frames` frames of `runs` growing over `landscape` in `view`, titled `title`.
    pub fn new(
        landscape: Arc<dyn Landscape>,
        view: ViewWindow,
        title: String,
        runs: Vec<TimedPath>,
        frames: usize,
        options: RenderOptions,
    ) -> Self {
        Self {
            landscape,
            view,
            title,
            runs,
            frames,
            options,
            backdrop: None,
            animation: None,
            next_frame: 0,
        }
    }

    /// The backdrop, the palette or the next frame; the file (or why there is none) after the
    /// last.
    fn next_piece(&mut self) -> Option<Result<Vec<u8>, RenderError>> {
        let Some(animation) = &mut self.animation else {
            let (frames, options) = (self.frames, &self.options);
            let made = match self.backdrop.take() {
                None => Animation::backdrop(self.landscape.as_ref(), self.view, frames, options)
                    .map(|backdrop| self.backdrop = Some(backdrop)),
                Some(backdrop) => {
                    Animation::with_backdrop(backdrop, &self.title, &self.runs, options)
                        .map(|animation| self.animation = Some(animation))
                }
            };
            return made.err().map(Err);
        };
        if self.next_frame < self.frames {
            if let Err(error) = animation.push_frame(&self.runs, self.next_frame, self.frames) {
                return Some(Err(error));
            }
            self.next_frame += 1;
        }
        if self.next_frame < self.frames {
            return None;
        }
        self.animation.take().map(Animation::finish)
    }
}

impl Pieces for GifPieces {
    type Output = Result<Vec<u8>, RenderError>;

    /// The backdrop, the palette and every frame but the last.
    fn total(&self) -> usize {
        self.frames + 1
    }

    fn run_piece(&mut self, _control: &JobControl) -> Slice<Self::Output> {
        self.next_piece().map(Ok)
    }
}
