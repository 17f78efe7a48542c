//! The landscape view: filled contours and iso-lines of the problem, its known minima, and every
//! run's path with its current point and a draggable start handle.
//!
//! The plot (egui_plot) holds the contour image and draws the axes; the window it shows is the
//! view's own ([`navigation`]: wheel zoom about the cursor, drag to pan, double-click or Fit to
//! reset). Everything drawn on top of it — iso-lines, paths, markers, handles — is painted with the
//! plot's transform, so that the layers stay in a fixed order and a path of any length costs a
//! bounded number of points per frame.

use egui_plot::{Plot, PlotBounds, PlotPoint, PlotTransform};

use crate::analysis::contour::{Colormap, ContourPicture, ContourPieces, ContourRequest};
use crate::app::{AppState, StartMode};
use crate::engine::{Job, JobState, Pieces};
use crate::landscape::{LandscapeConfig, Transform, ViewWindow};
use crate::scenario::Problem;
use crate::ui::plot_image::image_over;

mod markers;
pub mod navigation;
mod overlays;
mod subdifferential;

pub use markers::label_rect;
use navigation::{FitTarget, Framing};
use overlays::paint_overlays;

/// Points drawn per run path at most, whatever its length.
const MAX_PATH_POINTS: usize = 4000;
/// Iso-lines drawn.
const LEVELS: usize = 18;
/// Screen distance within which the pointer grabs a start handle.
const HANDLE_RADIUS: f32 = 9.0;

/// What the contour image was computed for.
#[derive(Clone, Debug, PartialEq)]
struct ContourKey {
    problem: LandscapeConfig,
    transform: Transform,
    bounds: [f64; 4],
    width: usize,
    height: usize,
    dark: bool,
}

struct ContourCache {
    key: ContourKey,
    texture: egui::TextureHandle,
    lines: Vec<[[f64; 2]; 2]>,
}

/// Contours computed away from the UI thread: the image and the iso-line segments.
struct ContourImage {
    image: egui::ColorImage,
    lines: Vec<[[f64; 2]; 2]>,
}

/// A contour computation under way (on its own thread, or in slices in the frame loop).
struct ContourJob {
    key: ContourKey,
    job: Job<ContourImage>,
}

/// What the overlays drew last frame, in screen points: for hovering, and for tests to check
/// what a lesson shows.
#[derive(Clone, Debug, Default)]
pub struct DrawnOverlays {
    /// Each drawn constraint set: the run it belongs to and its outline.
    pub constraint_sets: Vec<(usize, Vec<egui::Pos2>)>,
    /// Each saddle and maximum marked inside the view.
    pub stationary_points: Vec<(crate::landscape::StationaryKind, egui::Pos2)>,
    /// Each diverged run's label: the run and where its text went.
    pub diverged_labels: Vec<(usize, egui::Rect)>,
    /// Whether the pointer was over the plot.
    pub pointer_in_view: bool,
    /// The run whose path was under the pointer.
    pub run_under_pointer: Option<usize>,
}

/// The landscape view's state between frames.
#[derive(Default)]
pub struct ViewState {
    contour: Option<ContourCache>,
    /// The contours being computed; the view keeps showing the previous ones meanwhile.
    contour_job: Option<ContourJob>,
    /// The plot needs its bounds set to the problem's view (after a new problem).
    reset_bounds: bool,
    /// The start handle under the pointer when the primary button was pressed.
    pressed_handle: Option<usize>,
    /// The run whose start handle is being dragged (`None` inside = all runs).
    dragging: Option<Option<usize>>,
    last_transform: Option<PlotTransform>,
    /// What the overlays drew last frame.
    drawn: DrawnOverlays,
    /// The window shown: the lesson's until the wheel, a drag or Fit changes it.
    framing: Framing,
    /// What Fit frames (its menu's choice).
    fit_target: FitTarget,
    /// The formula being typed in the side panel (`None` = not edited).
    pub formula_draft: Option<String>,
}

impl ViewState {
    /// Whether a contour image is on screen (bench (e) waits for it).
    pub fn has_contours(&self) -> bool {
        self.contour.is_some()
    }

    /// Where a landscape point was on screen last frame.
    pub fn screen_from_world(&self, point: [f64; 2]) -> Option<egui::Pos2> {
        self.last_transform
            .as_ref()
            .map(|t| t.position_from_point(&PlotPoint::new(point[0], point[1])))
    }

    /// The landscape window the plot showed last frame.
    pub fn shown_window(&self) -> Option<ViewWindow> {
        let [x_min, y_min, x_max, y_max] = bounds_key(self.last_transform.as_ref()?.bounds());
        Some(ViewWindow {
            x_min,
            x_max,
            y_min,
            y_max,
        })
    }

    /// What the overlays drew last frame (constraint sets, saddles and maxima, diverged labels).
    pub fn drawn(&self) -> &DrawnOverlays {
        &self.drawn
    }

    /// The plot's frame on screen last frame.
    pub fn plot_rect(&self) -> Option<egui::Rect> {
        self.last_transform.as_ref().map(|t| *t.frame())
    }

    /// Whether the view shows the lesson's view (not moved by the wheel, a drag or Fit).
    pub fn shows_lesson_view(&self) -> bool {
        self.framing == Framing::Lesson
    }

    /// Forgets the contours and recentres on the problem's default view.
    pub fn invalidate(&mut self) {
        self.contour = None;
        self.contour_job = None;
        self.reset_bounds = true;
        self.framing = Framing::Lesson;
        self.dragging = None;
        self.formula_draft = None;
    }
}

/// Draws the landscape view.
pub fn landscape_view_ui(state: &mut AppState, ui: &mut egui::Ui) {
    let Some(landscape) = state.landscape.clone() else {
        ui.label("This problem has no 2D landscape to show.");
        return;
    };
    let handles = start_handles(state);
    let grabbed = hovered_handle(state, ui, &handles);
    // The handle under the pointer when the button went down: a drag only starts once the pointer
    // has moved a few pixels, by when it may have left the small handle.
    if ui.input(|input| input.pointer.primary_pressed()) {
        state.views.landscape.pressed_handle = grabbed;
    }
    let lesson_view = state.scenario.view.unwrap_or_else(|| landscape.view());
    let window_shown =
        state.views.landscape.last_transform.is_some() && !state.views.landscape.reset_bounds;
    let canvas = navigation::canvas_size(state, ui.available_size());
    let shown_window =
        navigation::displayed_window(state.views.landscape.framing, lesson_view, canvas);
    // A basin map covers the lesson's own window while the view shows it, as the lesson's claims
    // measure it; a wider canvas shows contours around it.
    let basin_window = if state.views.landscape.shows_lesson_view() {
        lesson_view
    } else {
        shown_window
    };
    super::basin_view::basin_controls_ui(state, basin_window, window_shown, ui);
    if state.views.surface.show {
        // The paths are not on screen here: let go of a hover this view set.
        hover_paths(state, ui, &DrawnOverlays::default());
        let rect = super::surface_view::surface_view_ui(state, ui, &landscape, shown_window);
        navigation::fit_controls_ui(state, ui, rect);
        return;
    }
    let plot = Plot::new("landscape")
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .allow_boxed_zoom(false)
        .allow_double_click_reset(false)
        .show_grid(false)
        .x_axis_label("x")
        .y_axis_label("y");
    let texture = ensure_contours(state, ui, &landscape);
    state.views.landscape.reset_bounds = false;
    let framing = state.views.landscape.framing;
    let response = plot.show(ui, |plot_ui| {
        // Framed on this frame's canvas, so that the shape never crops what the window holds.
        let window =
            navigation::displayed_window(framing, lesson_view, plot_ui.response().rect.size());
        plot_ui.set_plot_bounds(PlotBounds::from_min_max(
            [window.x_min, window.y_min],
            [window.x_max, window.y_max],
        ));
        if let Some((texture_id, bounds)) = texture {
            plot_ui.image(image_over("contours", texture_id, bounds));
        }
        super::basin_view::draw_basin(state, plot_ui);
    });
    let transform = response.transform;
    state.views.landscape.last_transform = Some(transform);
    // Keep the contours matched to what is on screen (recomputed next frame if the view moved).
    if state
        .views
        .landscape
        .contour
        .as_ref()
        .is_none_or(|c| c.key.bounds != bounds_key(transform.bounds()))
    {
        ui.ctx().request_repaint();
    }
    let painter = ui.painter_at(response.response.rect);
    let drawn = paint_overlays(state, &painter, &transform, &landscape);
    hover_paths(state, ui, &drawn);
    state.views.landscape.drawn = drawn;
    handle_interaction(state, ui, &response.response, &transform, grabbed);
    navigation::navigate_ui(state, ui, &response.response, &transform);
    navigation::fit_controls_ui(state, ui, response.response.rect);
}

/// Sets `state.hovered_run` from the path under the pointer, and lets go of it when the pointer
/// is on no path (a table row may set it otherwise).
fn hover_paths(state: &mut AppState, ui: &egui::Ui, drawn: &DrawnOverlays) {
    let under = drawn.run_under_pointer.filter(|_| drawn.pointer_in_view);
    if state.hover_from(crate::app::HoverSource::Canvas, under) {
        ui.ctx().request_repaint();
    }
}

fn bounds_key(bounds: &PlotBounds) -> [f64; 4] {
    let [x_min, y_min] = bounds.min();
    let [x_max, y_max] = bounds.max();
    [x_min, y_min, x_max, y_max]
}

/// Computes the contour texture for the bounds the plot showed last frame (or the default view).
fn ensure_contours(
    state: &mut AppState,
    ui: &egui::Ui,
    landscape: &std::sync::Arc<dyn crate::landscape::Landscape>,
) -> Option<(egui::TextureId, [f64; 4])> {
    let Problem::Landscape(problem) = &state.scenario.problem else {
        return None;
    };
    let bounds = match (
        &state.views.landscape.last_transform,
        state.views.landscape.reset_bounds,
    ) {
        (Some(transform), false) => bounds_key(transform.bounds()),
        _ => {
            let view = state.scenario.view.unwrap_or_else(|| landscape.view());
            [view.x_min, view.y_min, view.x_max, view.y_max]
        }
    };
    if !bounds.iter().all(|v| v.is_finite()) || bounds[2] <= bounds[0] || bounds[3] <= bounds[1] {
        return None;
    }
    let pixels = ui.available_size();
    let width = ((pixels.x / 2.0) as usize).clamp(32, 320);
    let height = ((width as f64 * (bounds[3] - bounds[1]) / (bounds[2] - bounds[0])) as usize)
        .clamp(32, 320);
    let key = ContourKey {
        problem: problem.clone(),
        transform: state.scenario.transform,
        bounds,
        width,
        height,
        dark: state.prefs.dark,
    };
    collect_finished_contours(state, ui.ctx());
    let up_to_date = state
        .views
        .landscape
        .contour
        .as_ref()
        .is_some_and(|cache| cache.key == key);
    if !up_to_date && state.views.landscape.contour_job.is_none() {
        // Zooming and panning ask for new contours every frame: one job at a time, the newest
        // request wins, and the previous image stays on screen (placed at its own bounds) meanwhile.
        let colormap = if key.dark {
            Colormap::Viridis
        } else {
            Colormap::Cividis
        };
        let pieces = ContourPieces::new(landscape.clone(), contour_request(&key), colormap)
            .map_output(|picture| Ok(contour_image(picture)));
        let job = Job::start_pieces(&state.jobs, "the contours", pieces);
        state.views.landscape.contour_job = Some(ContourJob { key, job });
    }
    state
        .views
        .landscape
        .contour
        .as_ref()
        .map(|cache| (cache.texture.id(), cache.key.bounds))
}

/// The grid and levels sampled for `key`.
fn contour_request(key: &ContourKey) -> ContourRequest {
    let [x_min, y_min, x_max, y_max] = key.bounds;
    ContourRequest {
        window: crate::landscape::ViewWindow {
            x_min,
            x_max,
            y_min,
            y_max,
        },
        width: key.width,
        height: key.height,
        levels: LEVELS,
    }
}

/// The picture as the view holds it: an egui image and every level's segments together (made
/// inside the job, off the UI thread where there are threads).
fn contour_image(picture: ContourPicture) -> ContourImage {
    let image =
        egui::ColorImage::from_rgba_unmultiplied([picture.width, picture.height], &picture.rgba);
    let lines = picture
        .lines
        .into_iter()
        .flat_map(|line| line.segments)
        .collect();
    ContourImage { image, lines }
}

/// Uploads a finished contour job's image (if one finished) as the current contours.
fn collect_finished_contours(state: &mut AppState, ctx: &egui::Context) {
    let Some(contour_job) = &mut state.views.landscape.contour_job else {
        return;
    };
    let finished = match contour_job.job.poll() {
        JobState::Running { .. } => {
            // On a thread the job wakes the UI when done; in the frame loop the next frame works on.
            if let Some(after) = state.jobs.next_poll(None) {
                ctx.request_repaint_after(after);
            }
            return;
        }
        JobState::Finished(image) => Some(image),
        JobState::Failed(message) => {
            state.error(message);
            None
        }
        JobState::Gone => None,
    };
    // Without a result the next frame asks again.
    let Some(job) = state.views.landscape.contour_job.take() else {
        return;
    };
    let Some(ContourImage { image, lines }) = finished else {
        return;
    };
    let texture = match state.views.landscape.contour.take() {
        Some(mut cache) => {
            cache.texture.set(image, egui::TextureOptions::LINEAR);
            cache.texture
        }
        None => ctx.load_texture("contours", image, egui::TextureOptions::LINEAR),
    };
    state.views.landscape.contour = Some(ContourCache {
        key: job.key,
        texture,
        lines,
    });
}

/// Each run's start point (from its trace, else its config, else the landscape's default).
fn start_handles(state: &AppState) -> Vec<[f64; 2]> {
    let default = state
        .landscape
        .as_ref()
        .map_or([0.0, 0.0], |l| l.default_start());
    state
        .scenario
        .runs
        .iter()
        .enumerate()
        .map(|(index, config)| {
            state
                .runs
                .get(index)
                .and_then(|run| run.trace.first())
                .map(|sample| sample.point)
                .or(config.start)
                .unwrap_or(default)
        })
        .collect()
}

/// The run whose start handle is under the pointer (by last frame's transform).
fn hovered_handle(state: &AppState, ui: &egui::Ui, handles: &[[f64; 2]]) -> Option<usize> {
    let transform = state.views.landscape.last_transform.as_ref()?;
    let pointer = ui.input(|input| input.pointer.hover_pos())?;
    if !transform.frame().contains(pointer) {
        return None;
    }
    handles.iter().position(|point| {
        let screen = transform.position_from_point(&PlotPoint::new(point[0], point[1]));
        screen.distance(pointer) <= HANDLE_RADIUS
    })
}

fn handle_interaction(
    state: &mut AppState,
    ui: &egui::Ui,
    response: &egui::Response,
    transform: &PlotTransform,
    grabbed: Option<usize>,
) {
    let target = |state: &AppState, run: usize| match state.prefs.start_mode {
        StartMode::Shared => None,
        StartMode::PerRun => Some(run),
    };
    if response.drag_started()
        && let Some(run) = state.views.landscape.pressed_handle
    {
        state.views.landscape.dragging = Some(target(state, run));
    }
    if let Some(run) = state.views.landscape.dragging {
        if let Some(pointer) = response.interact_pointer_pos()
            && response.dragged()
        {
            let point = transform.value_from_position(pointer);
            state.move_start(run, [point.x, point.y]);
        }
        if response.drag_stopped() || !response.dragged() {
            state.views.landscape.dragging = None;
        }
    }
    let modifier = ui.input(|input| input.modifiers.command || input.modifiers.ctrl);
    if response.clicked()
        && modifier
        && let Some(pointer) = response.interact_pointer_pos()
    {
        let point = transform.value_from_position(pointer);
        let run = target(state, state.selected_run);
        state.move_start(run, [point.x, point.y]);
    }
    if grabbed.is_some() || state.views.landscape.dragging.is_some() {
        ui.ctx().set_cursor_icon(egui::CursorIcon::Grab);
    }
}
