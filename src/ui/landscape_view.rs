//! The landscape view: filled contours and iso-lines of the problem, its known minima, and every
//! run's path with its current point and a draggable start handle.
//!
//! The plot (egui_plot) handles pan and zoom and holds the contour image; everything drawn on top
//! of it — iso-lines, paths, markers, handles — is painted with the plot's transform, so that the
//! layers stay in a fixed order and a path of any length costs a bounded number of points per frame.

use egui::{Color32, Pos2, Stroke};
use egui_plot::{Plot, PlotBounds, PlotImage, PlotPoint, PlotTransform};

use crate::analysis::contour::{self, Colormap, ContourRequest};
use crate::analysis::field::{self, FieldKind};
use crate::app::{AppState, StartMode};
use crate::engine::{Job, JobState, RunStatus};
use crate::landscape::{LandscapeConfig, Minimizers, Transform, ViewWindow};
use crate::scenario::Problem;

use super::run_colour;

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

/// A contour computation under way on its own thread.
struct ContourJob {
    key: ContourKey,
    job: Job<ContourImage>,
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

    /// The plot's frame on screen last frame.
    pub fn plot_rect(&self) -> Option<egui::Rect> {
        self.last_transform.as_ref().map(|t| *t.frame())
    }

    /// Forgets the contours and recentres on the problem's default view.
    pub fn invalidate(&mut self) {
        self.contour = None;
        self.contour_job = None;
        self.reset_bounds = true;
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
        state.view.pressed_handle = grabbed;
    }
    let holding_handle =
        state.view.pressed_handle.is_some() && ui.input(|input| input.pointer.primary_down());
    let initial_view = state.scenario.view.unwrap_or_else(|| landscape.view());
    let window_shown = state.view.last_transform.is_some() && !state.view.reset_bounds;
    let shown_window = match state.view.shown_window() {
        Some(window) if !state.view.reset_bounds => window,
        _ => initial_view,
    };
    super::basin_view::basin_controls_ui(state, shown_window, window_shown, ui);
    if state.surface.show {
        super::surface_view::surface_view_ui(state, ui, &landscape, shown_window);
        return;
    }
    let reset = std::mem::take(&mut state.view.reset_bounds);
    // With equal scales on both axes, show the whole default window: widen whichever side the
    // plot's shape leaves short (the axes take a little space; the margin covers it).
    let fitted_view = {
        let size = ui.available_size();
        let aspect = f64::from((size.x - 60.0).max(1.0) / (size.y - 40.0).max(1.0));
        let (width, height) = (
            initial_view.x_max - initial_view.x_min,
            initial_view.y_max - initial_view.y_min,
        );
        let (centre_x, centre_y) = (
            0.5 * (initial_view.x_min + initial_view.x_max),
            0.5 * (initial_view.y_min + initial_view.y_max),
        );
        let (half_width, half_height) = if width / height < aspect {
            (0.5 * height * aspect, 0.5 * height)
        } else {
            (0.5 * width, 0.5 * width / aspect)
        };
        [
            centre_x - 1.02 * half_width,
            centre_y - 1.02 * half_height,
            centre_x + 1.02 * half_width,
            centre_y + 1.02 * half_height,
        ]
    };
    let plot = Plot::new("landscape")
        .data_aspect(1.0)
        .allow_drag(grabbed.is_none() && !holding_handle && state.view.dragging.is_none())
        .allow_double_click_reset(false)
        .show_grid(false)
        .x_axis_label("x")
        .y_axis_label("y")
        .default_x_bounds(fitted_view[0], fitted_view[2])
        .default_y_bounds(fitted_view[1], fitted_view[3]);
    let texture = ensure_contours(state, ui, &landscape);
    let response = plot.show(ui, |plot_ui| {
        if reset {
            plot_ui.set_plot_bounds(PlotBounds::from_min_max(
                [fitted_view[0], fitted_view[1]],
                [fitted_view[2], fitted_view[3]],
            ));
        }
        if let Some((texture_id, [x_min, y_min, x_max, y_max])) = texture {
            plot_ui.image(PlotImage::new(
                "contours",
                texture_id,
                PlotPoint::new(0.5 * (x_min + x_max), 0.5 * (y_min + y_max)),
                [(x_max - x_min) as f32, (y_max - y_min) as f32],
            ));
        }
        super::basin_view::draw_basin(state, plot_ui);
        plot_ui.plot_bounds()
    });
    let transform = response.transform;
    state.view.last_transform = Some(transform);
    // Keep the contours matched to what is on screen (recomputed next frame if the view moved).
    let bounds = response.inner;
    if state
        .view
        .contour
        .as_ref()
        .is_none_or(|c| c.key.bounds != bounds_key(&bounds))
    {
        ui.ctx().request_repaint();
    }
    let painter = ui.painter_at(response.response.rect);
    paint_overlays(state, &painter, &transform, &landscape);
    handle_interaction(state, ui, &response.response, &transform, grabbed);
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
    let bounds = match (&state.view.last_transform, state.view.reset_bounds) {
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
        .view
        .contour
        .as_ref()
        .is_some_and(|cache| cache.key == key);
    if !up_to_date && state.view.contour_job.is_none() {
        // Zooming and panning ask for new contours every frame: one job at a time, the newest
        // request wins, and the previous image stays on screen (placed at its own bounds) meanwhile.
        let job_key = key.clone();
        let landscape = landscape.clone();
        let job = Job::run(&state.jobs, "the contours", 0, move |_| {
            Ok(compute_contour_image(&job_key, landscape.as_ref()))
        });
        state.view.contour_job = Some(ContourJob { key, job });
    }
    state
        .view
        .contour
        .as_ref()
        .map(|cache| (cache.texture.id(), cache.key.bounds))
}

/// Field, colours and iso-lines for `key` (pure; runs off the UI thread).
fn compute_contour_image(
    key: &ContourKey,
    landscape: &dyn crate::landscape::Landscape,
) -> ContourImage {
    let [x_min, y_min, x_max, y_max] = key.bounds;
    let request = ContourRequest {
        window: crate::landscape::ViewWindow {
            x_min,
            x_max,
            y_min,
            y_max,
        },
        width: key.width,
        height: key.height,
        levels: LEVELS,
    };
    let field = contour::compute_field(landscape, &request);
    let colormap = if key.dark {
        Colormap::Viridis
    } else {
        Colormap::Cividis
    };
    let rgba = field.to_rgba(colormap);
    let image = egui::ColorImage::from_rgba_unmultiplied([key.width, key.height], &rgba);
    let lines = field
        .iso_lines(&field.levels())
        .into_iter()
        .flat_map(|line| line.segments)
        .collect();
    ContourImage { image, lines }
}

/// Uploads a finished contour job's image (if one finished) as the current contours.
fn collect_finished_contours(state: &mut AppState, ctx: &egui::Context) {
    let Some(contour_job) = &mut state.view.contour_job else {
        return;
    };
    let finished = match contour_job.job.poll() {
        JobState::Running { .. } => return,
        JobState::Finished(image) => Some(image),
        JobState::Failed(message) => {
            state.error(message);
            None
        }
        JobState::Gone => None,
    };
    // Without a result the next frame asks again.
    let Some(job) = state.view.contour_job.take() else {
        return;
    };
    let Some(ContourImage { image, lines }) = finished else {
        return;
    };
    let texture = match state.view.contour.take() {
        Some(mut cache) => {
            cache.texture.set(image, egui::TextureOptions::LINEAR);
            cache.texture
        }
        None => ctx.load_texture("contours", image, egui::TextureOptions::LINEAR),
    };
    state.view.contour = Some(ContourCache {
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
    let transform = state.view.last_transform.as_ref()?;
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
        && let Some(run) = state.view.pressed_handle
    {
        state.view.dragging = Some(target(state, run));
    }
    if let Some(run) = state.view.dragging {
        if let Some(pointer) = response.interact_pointer_pos()
            && response.dragged()
        {
            let point = transform.value_from_position(pointer);
            state.move_start(run, [point.x, point.y]);
        }
        if response.drag_stopped() || !response.dragged() {
            state.view.dragging = None;
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
    if grabbed.is_some() || state.view.dragging.is_some() {
        ui.ctx().set_cursor_icon(egui::CursorIcon::Grab);
    }
}

fn paint_overlays(
    state: &AppState,
    painter: &egui::Painter,
    transform: &PlotTransform,
    landscape: &std::sync::Arc<dyn crate::landscape::Landscape>,
) {
    let screen =
        |point: [f64; 2]| transform.position_from_point(&PlotPoint::new(point[0], point[1]));
    let dark = state.prefs.dark;
    let ink = if dark { Color32::WHITE } else { Color32::BLACK };
    if state.prefs.iso_lines
        && let Some(cache) = &state.view.contour
    {
        let stroke = Stroke::new(1.0, ink.gamma_multiply(0.25));
        for [a, b] in &cache.lines {
            painter.line_segment([screen(*a), screen(*b)], stroke);
        }
    }
    paint_field(state, painter, transform, landscape.as_ref());
    paint_minima(painter, &screen, landscape.as_ref(), ink);
    let handles = start_handles(state);
    for (index, run) in state.runs.iter().enumerate() {
        let Some(config) = state.scenario.runs.get(index) else {
            continue;
        };
        if !run.visible {
            continue;
        }
        let colour = run_colour(config, index);
        let path: Vec<Pos2> = run.trace.path(MAX_PATH_POINTS).map(screen).collect();
        if path.len() >= 2 {
            let width = 2.0 * super::line_scale(state);
            painter.add(egui::Shape::line(
                path.clone(),
                Stroke::new(2.0 * width, Color32::BLACK.gamma_multiply(0.35)),
            ));
            painter.add(egui::Shape::line(path.clone(), Stroke::new(width, colour)));
        }
        for probe in &run.probes {
            painter.circle_filled(screen(probe.point), 2.5, colour.gamma_multiply(0.5));
        }
        if let Some(auxiliary) = run.auxiliary {
            painter.circle_stroke(screen(auxiliary), 4.0, Stroke::new(1.5, colour));
        }
        paint_worker_trails(state, painter, &screen, run, colour, path.last());
        if let Some(current) = path.last() {
            painter.circle_filled(*current, 5.0, colour);
            painter.circle_stroke(*current, 5.0, Stroke::new(1.0, Color32::BLACK));
        }
        if let RunStatus::Diverged { reason, .. } = &run.trace.status
            && let Some(last) = path.last()
        {
            painter.text(
                *last + egui::vec2(8.0, -8.0),
                egui::Align2::LEFT_BOTTOM,
                format!("{}: {}", config.label, short_reason(reason)),
                egui::FontId::proportional(13.0),
                state_error_colour(dark),
            );
        }
        if let Some(start) = handles.get(index) {
            let centre = screen(*start);
            painter.circle_stroke(
                centre,
                HANDLE_RADIUS - 2.0,
                Stroke::new(2.5, Color32::BLACK.gamma_multiply(0.6)),
            );
            painter.circle_stroke(centre, HANDLE_RADIUS - 2.0, Stroke::new(1.5, colour));
        }
    }
    // On top of the paths, so the parts of the latest step stay readable.
    super::step_view::paint_update_arrows(state, painter, &screen);
}

/// A cross at each known minimum.
fn paint_minima(
    painter: &egui::Painter,
    screen: &dyn Fn([f64; 2]) -> Pos2,
    landscape: &dyn crate::landscape::Landscape,
    ink: Color32,
) {
    if let Minimizers::Points(minima) = landscape.minimizers() {
        for minimum in minima {
            let centre = screen(minimum.point);
            let arm = 5.0;
            let stroke = Stroke::new(2.0, ink);
            painter.line_segment(
                [
                    centre + egui::vec2(-arm, -arm),
                    centre + egui::vec2(arm, arm),
                ],
                stroke,
            );
            painter.line_segment(
                [
                    centre + egui::vec2(-arm, arm),
                    centre + egui::vec2(arm, -arm),
                ],
                stroke,
            );
        }
    }
}

/// A run's simulated workers: faint trails ending in dots tied to the consensus (the run's own,
/// bold point `mean`).
fn paint_worker_trails(
    state: &AppState,
    painter: &egui::Painter,
    screen: &dyn Fn([f64; 2]) -> Pos2,
    run: &crate::app::RunView,
    colour: Color32,
    mean: Option<&Pos2>,
) {
    let Some(mean) = mean else {
        return;
    };
    let faint = colour.gamma_multiply(0.55);
    let trail_stroke = Stroke::new(1.0, colour.gamma_multiply(0.3));
    for trail in &run.workers {
        let Some(&worker) = trail.last() else {
            continue;
        };
        if state.prefs.worker_trails && trail.len() > 1 {
            let points = trail.iter().map(|p| screen(*p)).collect();
            painter.add(egui::Shape::line(points, trail_stroke));
        }
        let at = screen(worker);
        painter.line_segment([*mean, at], Stroke::new(1.0, faint));
        painter.circle_filled(at, 3.0, faint);
    }
}

/// Arrows across the view's wider side.
const FIELD_ARROWS: usize = 28;

/// Whether any run follows the descent–ascent field of a game.
fn plays_a_game(state: &AppState) -> bool {
    state
        .scenario
        .runs
        .iter()
        .any(|run| run.optimizer.plays_a_game())
}

/// The flow field as faint arrows on a grid over the visible window: direction exact, length
/// growing with the square root of the field's size so that weak regions still show a direction.
fn paint_field(
    state: &AppState,
    painter: &egui::Painter,
    transform: &PlotTransform,
    landscape: &dyn crate::landscape::Landscape,
) {
    let game = plays_a_game(state);
    if !(state.prefs.field || game) {
        return;
    }
    let bounds = transform.bounds();
    let [x_min, y_min] = bounds.min();
    let [x_max, y_max] = bounds.max();
    let window = ViewWindow {
        x_min,
        x_max,
        y_min,
        y_max,
    };
    let frame = transform.frame();
    let (columns, rows) = if frame.width() >= frame.height() {
        let rows = (FIELD_ARROWS as f32 * frame.height() / frame.width().max(1.0)).round();
        (FIELD_ARROWS, (rows as usize).max(2))
    } else {
        let columns = (FIELD_ARROWS as f32 * frame.width() / frame.height().max(1.0)).round();
        ((columns as usize).max(2), FIELD_ARROWS)
    };
    let kind = if game {
        FieldKind::DescentAscent
    } else {
        FieldKind::Descent
    };
    let arrows = field::sample(landscape, window, columns, rows, kind);
    let largest = arrows
        .iter()
        .map(|(_, d)| d[0].hypot(d[1]))
        .fold(0.0_f64, f64::max);
    if !(largest > 0.0 && largest.is_finite()) {
        return;
    }
    let cell = (frame.width() / columns as f32).min(frame.height() / rows as f32);
    let ink = if state.prefs.dark {
        Color32::WHITE
    } else {
        Color32::BLACK
    };
    let stroke = Stroke::new(1.2, ink.gamma_multiply(0.45));
    for (point, direction) in arrows {
        let size = direction[0].hypot(direction[1]);
        if size == 0.0 {
            continue;
        }
        let length = 0.8 * cell * (size / largest).sqrt() as f32;
        // Screen y points down: flip the field's y.
        let unit = egui::vec2((direction[0] / size) as f32, -(direction[1] / size) as f32);
        let centre = transform.position_from_point(&PlotPoint::new(point[0], point[1]));
        let from = centre - 0.5 * length * unit;
        let to = centre + 0.5 * length * unit;
        painter.line_segment([from, to], stroke);
        let head = (0.35 * length).min(6.0);
        let back = -unit * head;
        let rotation = egui::emath::Rot2::from_angle(0.5);
        painter.line_segment([to, to + rotation * back], stroke);
        painter.line_segment([to, to + rotation.inverse() * back], stroke);
    }
}

fn state_error_colour(dark: bool) -> Color32 {
    if dark {
        Color32::from_rgb(255, 120, 110)
    } else {
        Color32::from_rgb(180, 20, 20)
    }
}

/// The part of a divergence reason worth printing on the canvas ("lr·λmax = 2.4 …").
fn short_reason(reason: &str) -> &str {
    reason
        .split_once("; at the last finite point ")
        .map_or(reason, |(_, hint)| hint)
}
