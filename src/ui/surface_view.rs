//! The 3D surface view: the landscape over the 2D view's window as a shaded surface that turns
//! with the mouse, with every run's path lifted onto it. The geometry is
//! [`crate::analysis::geometry::surface`]; this file only paints it.

use std::sync::Arc;

use egui::{Color32, Pos2, Stroke};

use crate::analysis::geometry::colormap::Colormap;
use crate::analysis::geometry::contour::{self, ContourField, ContourRequest};
use crate::analysis::geometry::surface::{self, Camera, Surface};
use crate::app::AppState;
use crate::engine::{RunStatus, Trace};
use crate::landscape::{Landscape, Minimizers, ViewWindow};

use super::run_colour;

/// Vertices along each side of the surface grid: fine enough for Himmelblau's four bowls,
/// coarse enough to sort and paint every frame.
const GRID_SIDE: usize = 72;
/// Path points lifted per run at most.
const MAX_LIFTED_POINTS: usize = 2000;
/// Paths of at most this many points are draped over the surface…
const MAX_DRAPED_POINTS: usize = 400;
/// …in this many pieces per step.
const DRAPE_PIECES: usize = 12;
/// Degrees the camera turns as the mouse crosses the canvas's width (the same rate up and down).
pub const DEGREES_PER_CANVAS_WIDTH: f64 = 180.0;
/// How far the wheel may magnify or shrink the surface.
const ZOOM_RANGE: std::ops::RangeInclusive<f32> = 0.2..=20.0;

/// The 3D view's settings and its cached surface.
pub struct SurfaceState {
    /// Show the 3D surface in place of the 2D map.
    pub show: bool,
    /// Where the surface is seen from.
    pub camera: Camera,
    /// Magnification by the wheel (1 = the surface's bounding sphere fits the canvas).
    pub zoom: f32,
    /// Where the wheel's zoom moved the surface's centre, in points from the canvas's centre.
    pub offset: egui::Vec2,
    /// Where the canvas was drawn last frame.
    canvas: Option<egui::Rect>,
    cache: Option<SurfaceCache>,
}

struct SurfaceCache {
    landscape: Arc<dyn Landscape>,
    window: ViewWindow,
    field: ContourField,
    surface: Surface,
    /// The surface as last seen: sorting and shading are redone only when the camera or the
    /// colours change, not every frame.
    seen: Option<SeenSurface>,
}

struct SeenSurface {
    camera: Camera,
    colormap: Colormap,
    /// View coordinates of the vertices.
    viewed: Vec<[f64; 3]>,
    /// Triangles farthest first, with their shaded colours.
    triangles: Vec<([usize; 3], Color32)>,
}

impl SeenSurface {
    fn new(surface: &Surface, camera: Camera, colormap: Colormap) -> Self {
        let mut viewed = Vec::new();
        let triangles = surface::back_to_front(surface, &camera, &mut viewed)
            .into_iter()
            .map(|triangle| {
                let heights = triangle.vertices.map(|i| surface.heights[i]);
                let colour = match heights {
                    [Some(a), Some(b), Some(c)] => {
                        let [r, g, b] = colormap.rgb((a + b + c) / 3.0);
                        let lit = |channel: u8| (f64::from(channel) * triangle.shade).round() as u8;
                        Color32::from_rgb(lit(r), lit(g), lit(b))
                    }
                    _ => Color32::from_gray(110),
                };
                (triangle.vertices, colour)
            })
            .collect();
        Self {
            camera,
            colormap,
            viewed,
            triangles,
        }
    }
}

impl Default for SurfaceState {
    fn default() -> Self {
        Self {
            show: false,
            camera: Camera::default(),
            zoom: 1.0,
            offset: egui::Vec2::ZERO,
            canvas: None,
            cache: None,
        }
    }
}

impl SurfaceState {
    /// Back to the first camera, unzoomed (double click, Fit).
    pub fn reset_view(&mut self) {
        self.camera = Camera::default();
        self.zoom = 1.0;
        self.offset = egui::Vec2::ZERO;
    }

    /// Where the canvas was drawn last frame (for tests that drag on it).
    pub fn canvas_rect(&self) -> Option<egui::Rect> {
        self.canvas
    }

    /// Forgets the surface (the landscape changed).
    pub fn invalidate(&mut self) {
        self.cache = None;
    }

    /// The surface of `landscape` over `window`, sampled again only when either changed.
    fn surface_for(
        &mut self,
        landscape: &Arc<dyn Landscape>,
        window: ViewWindow,
    ) -> Option<&mut SurfaceCache> {
        let fresh = self
            .cache
            .as_ref()
            .is_some_and(|c| Arc::ptr_eq(&c.landscape, landscape) && c.window == window);
        if !fresh {
            let field = contour::compute_field(
                landscape.as_ref(),
                &ContourRequest {
                    window,
                    width: GRID_SIDE,
                    height: GRID_SIDE,
                    levels: 0,
                },
            );
            self.cache = Surface::from_field(&field).map(|surface| SurfaceCache {
                landscape: landscape.clone(),
                window,
                field,
                surface,
                seen: None,
            });
        }
        self.cache.as_mut()
    }
}

/// Draws the surface of `landscape` over `window` (the 2D view's window, so both show the same
/// part of the plane), handles turning and zooming it, and returns the canvas's rectangle.
pub fn surface_view_ui(
    state: &mut AppState,
    ui: &mut egui::Ui,
    landscape: &Arc<dyn Landscape>,
    window: ViewWindow,
) -> egui::Rect {
    let size = ui.available_size();
    let (response, painter) = ui.allocate_painter(size, egui::Sense::click_and_drag());
    move_camera_ui(&mut state.views.surface, ui, &response);
    let rect = response.rect;
    state.views.surface.canvas = Some(rect);
    let dark = state.prefs.dark;
    painter.rect_filled(
        rect,
        0.0,
        if dark {
            Color32::from_gray(18)
        } else {
            Color32::from_gray(245)
        },
    );
    let camera = state.views.surface.camera;
    let colormap = if dark {
        Colormap::Viridis
    } else {
        Colormap::Cividis
    };
    let centre = rect.center() + state.views.surface.offset;
    let zoom = state.views.surface.zoom;
    let line_scale = super::line_scale(state);
    if let Some(cache) = state.views.surface.surface_for(landscape, window) {
        if !cache
            .seen
            .as_ref()
            .is_some_and(|seen| seen.camera == camera && seen.colormap == colormap)
        {
            cache.seen = Some(SeenSurface::new(&cache.surface, camera, colormap));
        }
        let cache = &*cache;
        let screen = ScreenMap {
            cache,
            landscape: landscape.as_ref(),
            camera,
            centre,
            // Fit the surface's bounding sphere, so turning it never changes its size.
            scale: zoom * 0.48 * rect.width().min(rect.height())
                / cache.surface.bounding_radius() as f32,
            window,
        };
        if let Some(seen) = &cache.seen {
            painter.add(egui::Shape::mesh(surface_mesh(seen, &screen)));
        }
        let ink = if dark { Color32::WHITE } else { Color32::BLACK };
        if let Minimizers::Points(minima) = landscape.minimizers() {
            for minimum in minima.iter().filter(|m| screen.inside(m.point)) {
                painter.circle_stroke(screen.lift(minimum.point), 4.0, Stroke::new(2.0, ink));
            }
        }
        for (index, run) in state.runs.iter().enumerate() {
            let Some(config) = state.scenario.runs.get(index) else {
                continue;
            };
            if run.visible {
                let colour = run_colour(config, index, state.prefs.dark);
                lifted_path_ui(&painter, &screen, &run.trace, colour, line_scale);
                iterate_marker_ui(&painter, &screen, &run.trace, &config.label, colour);
            }
        }
    } else {
        painter.text(
            centre,
            egui::Align2::CENTER_CENTER,
            "Nothing to draw: the landscape has no finite value in this window",
            egui::FontId::proportional(14.0),
            Color32::GRAY,
        );
    }
    painter.text(
        rect.left_bottom() + egui::vec2(8.0, -8.0),
        egui::Align2::LEFT_BOTTOM,
        format!(
            "Drag to turn, scroll to zoom, double-click to reset\nHeight on the colour scale of the 2D map · turned {:.0}°, tilted {:.0}°",
            camera.yaw_deg, camera.pitch_deg
        ),
        egui::FontId::proportional(12.0 * line_scale),
        Color32::GRAY,
    );
    rect
}

/// Turns the camera as the mouse drags (half a turn across the canvas's width), zooms about the
/// cursor with the wheel; a double click resets both.
fn move_camera_ui(surface: &mut SurfaceState, ui: &egui::Ui, response: &egui::Response) {
    if response.dragged() {
        let delta = response.drag_delta();
        let degrees_per_point =
            DEGREES_PER_CANVAS_WIDTH / f64::from(response.rect.width().max(1.0));
        surface.camera = surface.camera.orbit(
            -f64::from(delta.x) * degrees_per_point,
            f64::from(delta.y) * degrees_per_point,
        );
    }
    if response.double_clicked() {
        surface.reset_view();
        return;
    }
    if !response.hovered() {
        return;
    }
    let Some(pointer) = response.hover_pos() else {
        return;
    };
    let factor = super::landscape_view::navigation::wheel_zoom_factor(ui) as f32;
    if factor != 1.0 {
        let zoom = (surface.zoom * factor).clamp(*ZOOM_RANGE.start(), *ZOOM_RANGE.end());
        // The screen point under the cursor stays put: p = c + o + z·v for the same v.
        let applied = zoom / surface.zoom;
        let from_centre = pointer - response.rect.center();
        surface.offset = from_centre - applied * (from_centre - surface.offset);
        surface.zoom = zoom;
        ui.ctx().request_repaint();
    }
}

/// Where the plane and the view space land on the screen: points of the plane are lifted onto
/// the surface and seen by the camera.
struct ScreenMap<'a> {
    cache: &'a SurfaceCache,
    landscape: &'a dyn Landscape,
    camera: Camera,
    /// Screen position of the view's origin.
    centre: Pos2,
    /// Screen points per view unit.
    scale: f32,
    window: ViewWindow,
}

impl ScreenMap<'_> {
    /// Screen position of a point in view coordinates (depth dropped).
    fn to_screen(&self, [x, y, _]: [f64; 3]) -> Pos2 {
        self.centre + egui::vec2(x as f32 * self.scale, -(y as f32) * self.scale)
    }

    /// Screen position of the plane's point `p` lifted to its height on the surface.
    fn lift(&self, p: [f64; 2]) -> Pos2 {
        let height = self
            .cache
            .field
            .position(self.landscape.value(p))
            .unwrap_or(1.0);
        self.to_screen(self.camera.view(self.cache.surface.lift(p, height)))
    }

    /// Whether `p` lies in the window the surface covers.
    fn inside(&self, p: [f64; 2]) -> bool {
        (self.window.x_min..=self.window.x_max).contains(&p[0])
            && (self.window.y_min..=self.window.y_max).contains(&p[1])
    }
}

/// The surface's triangles, farthest first, as one mesh.
fn surface_mesh(seen: &SeenSurface, screen: &ScreenMap<'_>) -> egui::Mesh {
    let mut mesh = egui::Mesh::default();
    mesh.reserve_triangles(seen.triangles.len());
    mesh.reserve_vertices(3 * seen.triangles.len());
    for &(vertices, colour) in &seen.triangles {
        let base = mesh.vertices.len() as u32;
        for index in vertices {
            mesh.colored_vertex(screen.to_screen(seen.viewed[index]), colour);
        }
        mesh.add_triangle(base, base + 1, base + 2);
    }
    mesh
}

/// A run's path, lifted onto the surface, in its colour over a dark halo.
fn lifted_path_ui(
    painter: &egui::Painter,
    screen: &ScreenMap<'_>,
    trace: &Trace,
    colour: Color32,
    line_scale: f32,
) {
    let points: Vec<[f64; 2]> = trace
        .path(MAX_LIFTED_POINTS)
        .filter(|&p| screen.inside(p))
        .collect();
    // A long step drawn as a chord would cut through the surface (GD's zig-zag across a
    // valley): drape it over the surface through points lifted in between.
    let pieces = if points.len() <= MAX_DRAPED_POINTS {
        DRAPE_PIECES
    } else {
        1
    };
    let mut path: Vec<Pos2> = Vec::with_capacity(points.len() * pieces);
    for pair in points.windows(2) {
        for k in 0..pieces {
            let t = k as f64 / pieces as f64;
            path.push(screen.lift([
                pair[0][0] + t * (pair[1][0] - pair[0][0]),
                pair[0][1] + t * (pair[1][1] - pair[0][1]),
            ]));
        }
    }
    if let Some(&last) = points.last() {
        path.push(screen.lift(last));
    }
    if path.len() >= 2 {
        let width = 2.0 * line_scale;
        painter.add(egui::Shape::line(
            path.clone(),
            Stroke::new(2.0 * width, Color32::BLACK.gamma_multiply(0.45)),
        ));
        painter.add(egui::Shape::line(path.clone(), Stroke::new(width, colour)));
    }
}

/// A run's current iterate on the surface, labelled when the run diverged.
fn iterate_marker_ui(
    painter: &egui::Painter,
    screen: &ScreenMap<'_>,
    trace: &Trace,
    label: &str,
    colour: Color32,
) {
    if let Some(current) = trace.latest().filter(|s| screen.inside(s.point)) {
        let at = screen.lift(current.point);
        painter.circle_filled(at, 5.0, colour);
        painter.circle_stroke(at, 5.0, Stroke::new(1.0, Color32::BLACK));
        if let RunStatus::Diverged { .. } = trace.status {
            painter.text(
                at + egui::vec2(8.0, -8.0),
                egui::Align2::LEFT_BOTTOM,
                format!("{label}: diverged"),
                egui::FontId::proportional(13.0),
                colour,
            );
        }
    }
}
