//! Moving around the landscape: the wheel zooms about the cursor (as map tools do), a drag pans,
//! a double click or **Fit** brings back the lesson's view, and Fit's other choice frames every
//! path. The window is the view's own (not egui_plot's), so it is framed by
//! [`framing::fit_to_canvas`] — the same pure function the framing tests call — and never cropped
//! when the canvas changes shape.

use egui_plot::PlotTransform;

use crate::analysis::geometry::framing;
use crate::app::AppState;
use crate::engine::RunStatus;
use crate::landscape::ViewWindow;

/// How much one point of wheel scrolling magnifies: e^(1/200), as egui's own Ctrl+wheel zoom.
const ZOOM_PER_SCROLL_POINT: f64 = 1.0 / 200.0;
/// The plot's frame is this much smaller than the space it is given (its axes), before the first
/// frame tells the real size.
const AXES_ALLOWANCE: egui::Vec2 = egui::vec2(60.0, 40.0);

/// What the landscape view shows.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub enum Framing {
    /// The lesson's view, fitted to the canvas with a margin.
    #[default]
    Lesson,
    /// A window set by the wheel, a drag or "All paths" (refitted only to the canvas's shape).
    Window(ViewWindow),
}

/// What Fit frames.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FitTarget {
    /// The lesson's view.
    #[default]
    LessonView,
    /// Every path of a visible run that did not diverge, with its start.
    AllPaths,
}

impl FitTarget {
    /// The name the Fit menu shows.
    pub fn label(self) -> &'static str {
        match self {
            FitTarget::LessonView => "Lesson's view",
            FitTarget::AllPaths => "All paths",
        }
    }
}

/// The lesson's view box (the preset's `view`, else the landscape's default window).
pub fn lesson_view(state: &AppState) -> Option<ViewWindow> {
    let landscape = state.landscape.as_ref()?;
    Some(state.scenario.view.unwrap_or_else(|| landscape.view()))
}

/// The window shown on a canvas of `size` points.
pub(super) fn displayed_window(
    framing: Framing,
    lesson_view: ViewWindow,
    size: egui::Vec2,
) -> ViewWindow {
    let (width, height) = (f64::from(size.x), f64::from(size.y));
    match framing {
        Framing::Lesson => framing::fit_to_canvas(lesson_view, width, height, framing::MARGIN),
        Framing::Window(window) => framing::fit_to_canvas(window, width, height, 0.0),
    }
}

/// The plot's frame size: last frame's, or an estimate from the space available.
pub(super) fn canvas_size(state: &AppState, available: egui::Vec2) -> egui::Vec2 {
    state.views.landscape.plot_rect().map_or_else(
        || (available - AXES_ALLOWANCE).max(egui::Vec2::splat(1.0)),
        |rect| rect.size(),
    )
}

/// Applies `target`: the lesson's view, or a window around every path.
pub fn fit(state: &mut AppState, target: FitTarget) {
    state.views.landscape.framing = match target {
        FitTarget::LessonView => Framing::Lesson,
        FitTarget::AllPaths => match all_paths_window(state) {
            Some(window) => Framing::Window(window),
            None => Framing::Lesson,
        },
    };
    state.views.surface.reset_view();
}

/// The window around every visible run's path and start, with a margin; runs that diverged or
/// left for −∞ are left out (their last points are astronomically far).
fn all_paths_window(state: &AppState) -> Option<ViewWindow> {
    let points = state
        .runs
        .iter()
        .filter(|run| run.visible)
        .filter(|run| {
            !matches!(
                run.trace.status,
                RunStatus::Diverged { .. } | RunStatus::Unbounded { .. }
            )
        })
        .flat_map(|run| run.trace.path(usize::MAX));
    let window = framing::bounding_window(points)?;
    let (width, height) = (window.x_max - window.x_min, window.y_max - window.y_min);
    Some(framing::fit_to_canvas(
        window,
        width,
        height,
        framing::MARGIN,
    ))
}

/// Zooms, pans and resets from this frame's input on the plot (`response`, drawn with
/// `transform`); start-handle drags are left to the caller.
pub(super) fn navigate_ui(
    state: &mut AppState,
    ui: &egui::Ui,
    response: &egui::Response,
    transform: &PlotTransform,
) {
    let view = &mut state.views.landscape;
    let shown = window_of(transform);
    if response.double_clicked() {
        view.framing = Framing::Lesson;
        return;
    }
    let on_handle = view.pressed_handle.is_some() || view.dragging.is_some();
    if response.dragged_by(egui::PointerButton::Primary)
        && !on_handle
        && let Some(pointer) = response.interact_pointer_pos()
    {
        let delta = response.drag_delta();
        if delta != egui::Vec2::ZERO {
            let now = transform.value_from_position(pointer);
            let before = transform.value_from_position(pointer - delta);
            view.framing = Framing::Window(framing::translated(
                shown,
                [before.x - now.x, before.y - now.y],
            ));
            ui.ctx().set_cursor_icon(egui::CursorIcon::Grabbing);
        }
    }
    if !response.hovered() {
        return;
    }
    let Some(pointer) = ui.input(|input| input.pointer.hover_pos()) else {
        return;
    };
    let factor = wheel_zoom_factor(ui);
    if factor != 1.0 {
        let anchor = transform.value_from_position(pointer);
        let current = match view.framing {
            Framing::Window(window) => window,
            Framing::Lesson => shown,
        };
        view.framing = Framing::Window(framing::zoom_about(current, [anchor.x, anchor.y], factor));
        ui.ctx().request_repaint();
    }
}

/// The magnification this frame's wheel (and pinch or Ctrl+wheel) asks for, taken from the input
/// so that no scroll area around the view scrolls too.
pub(crate) fn wheel_zoom_factor(ui: &egui::Ui) -> f64 {
    let (scroll, zoom) = ui.input(|input| (input.smooth_scroll_delta.y, input.zoom_delta()));
    if scroll != 0.0 {
        ui.ctx()
            .input_mut(|input| input.smooth_scroll_delta = egui::Vec2::ZERO);
    }
    (f64::from(scroll) * ZOOM_PER_SCROLL_POINT).exp() * f64::from(zoom)
}

fn window_of(transform: &PlotTransform) -> ViewWindow {
    let bounds = transform.bounds();
    let ([x_min, y_min], [x_max, y_max]) = (bounds.min(), bounds.max());
    ViewWindow {
        x_min,
        x_max,
        y_min,
        y_max,
    }
}

/// The band along the top of the view that the Fit controls take: labels kept inside the view
/// stay below it.
pub(super) const FIT_CONTROLS_HEIGHT: f32 = 40.0;

/// Fit and its menu, in the top right corner of the canvas `rect`.
pub(super) fn fit_controls_ui(state: &mut AppState, ui: &mut egui::Ui, rect: egui::Rect) {
    let area = egui::Rect::from_min_max(
        rect.left_top() + egui::vec2(8.0, 6.0),
        rect.right_top() + egui::vec2(-8.0, FIT_CONTROLS_HEIGHT),
    );
    let builder = egui::UiBuilder::new()
        .max_rect(area)
        .layout(egui::Layout::right_to_left(egui::Align::Min));
    ui.scope_builder(builder, |ui| {
        let mut target = state.views.landscape.fit_target;
        let menu = egui::ComboBox::from_id_salt("fit_target")
            .selected_text(target.label())
            .show_ui(ui, |ui| {
                let mut changed = false;
                for choice in [FitTarget::LessonView, FitTarget::AllPaths] {
                    changed |= ui
                        .selectable_value(&mut target, choice, choice.label())
                        .clicked();
                }
                changed
            });
        let chosen = menu.inner.unwrap_or(false);
        let fit_button = ui.button("Fit");
        menu.response.widget_info(|| {
            egui::WidgetInfo::labeled(egui::Role::ComboBox, true, "What Fit frames")
        });
        let fit_clicked = fit_button
            .on_hover_text(match target {
                FitTarget::LessonView => {
                    "Show the lesson's view again (double-click on the view does the same)"
                }
                FitTarget::AllPaths => "Frame every path (runs that diverged are left out)",
            })
            .clicked();
        state.views.landscape.fit_target = target;
        if chosen || fit_clicked {
            fit(state, target);
        }
    });
}
