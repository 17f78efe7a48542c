//! The drawing surface: the plot-to-screen map u = (x − x_min)/(x_max − x_min)·W,
//! v = (y_max − y)/(y_max − y_min)·H, the static backdrop (field, iso-lines, minimizers) and the
//! runs drawn over it, with segments clipped by Liang–Barsky (Y.-D. Liang & B. A. Barsky, "A new
//! concept and method for line clipping", ACM Transactions on Graphics 3(1), 1984).

use tiny_skia::{
    Color, FillRule, FilterQuality, IntSize, LineCap, LineJoin, Paint, PathBuilder, Pixmap,
    PixmapPaint, Stroke, Transform,
};

use super::legend::Legend;
use super::{MAX_FIELD_SIDE, RenderError, RenderOptions, RunPath};
use crate::analysis::geometry::colormap::Colormap;
use crate::analysis::geometry::contour::{self, ContourRequest};
use crate::landscape::{Landscape, Minimizers, ViewWindow};

/// Iso-lines drawn, as in the app.
const LEVELS: usize = 18;
/// Most cells a side of the grid the iso-lines are traced on.
const ISO_LINE_SIDE: u32 = 400;
/// Reference image side at which strokes have their nominal widths (about the app's canvas).
const REFERENCE_SIDE: f32 = 700.0;
/// Fraction added on each side of the fitted window, as in the app.
const VIEW_MARGIN: f64 = 1.02;

/// `view` widened about its centre to the aspect ratio width : height (equal scales on both axes)
/// and then by 2 % on each side, as the app's landscape view fits its default window.
pub fn fitted_view(view: ViewWindow, width: u32, height: u32) -> ViewWindow {
    let aspect = f64::from(width.max(1)) / f64::from(height.max(1));
    let (span_x, span_y) = (view.x_max - view.x_min, view.y_max - view.y_min);
    let centre = [
        0.5 * (view.x_min + view.x_max),
        0.5 * (view.y_min + view.y_max),
    ];
    let (half_x, half_y) = if span_x / span_y < aspect {
        (0.5 * span_y * aspect, 0.5 * span_y)
    } else {
        (0.5 * span_x, 0.5 * span_x / aspect)
    };
    ViewWindow {
        x_min: centre[0] - VIEW_MARGIN * half_x,
        x_max: centre[0] + VIEW_MARGIN * half_x,
        y_min: centre[1] - VIEW_MARGIN * half_y,
        y_max: centre[1] + VIEW_MARGIN * half_y,
    }
}

/// The map from plane coordinates to pixels.
#[derive(Clone, Copy, Debug)]
pub(super) struct Screen {
    window: ViewWindow,
    width: f64,
    height: f64,
}

impl Screen {
    /// Pixel coordinates (u, v) of the plane point `p`; row 0 at y_max.
    pub(super) fn screen_from_plot(&self, p: [f64; 2]) -> [f64; 2] {
        let w = &self.window;
        [
            (p[0] - w.x_min) / (w.x_max - w.x_min) * self.width,
            (w.y_max - p[1]) / (w.y_max - w.y_min) * self.height,
        ]
    }

    /// The rectangle [u_min, v_min, u_max, v_max] segments are clipped to: the image plus `pad`.
    fn clip_bounds(&self, pad: f64) -> [f64; 4] {
        [-pad, -pad, self.width + pad, self.height + pad]
    }
}

/// One run as the canvas draws it (borrowed, so animation frames can draw prefixes).
#[derive(Clone, Copy, Debug)]
pub(super) struct PathView<'a> {
    pub(super) label: &'a str,
    pub(super) colour: [u8; 3],
    pub(super) points: &'a [[f64; 2]],
    pub(super) note: Option<&'a str>,
}

impl<'a> From<&'a RunPath> for PathView<'a> {
    fn from(run: &'a RunPath) -> Self {
        Self {
            label: &run.label,
            colour: run.colour,
            points: &run.points,
            note: run.note.as_deref(),
        }
    }
}

/// What stays the same in every frame: the field, its iso-lines and the known minimizers.
pub(super) struct Backdrop {
    pixmap: Pixmap,
    screen: Screen,
    /// Stroke widths and marker sizes relative to the app's, for the image's size.
    scale: f32,
    dark: bool,
}

impl Backdrop {
    /// Samples the landscape over the fitted view and draws the static layers.
    pub(super) fn new(
        landscape: &dyn Landscape,
        view: ViewWindow,
        options: &RenderOptions,
    ) -> Result<Self, RenderError> {
        let finite = [view.x_min, view.x_max, view.y_min, view.y_max]
            .iter()
            .all(|v| v.is_finite());
        if !finite || view.x_max <= view.x_min || view.y_max <= view.y_min {
            return Err(RenderError::View {
                x_min: view.x_min,
                x_max: view.x_max,
                y_min: view.y_min,
                y_max: view.y_max,
            });
        }
        let window = fitted_view(view, options.width, options.height);
        let screen = Screen {
            window,
            width: f64::from(options.width),
            height: f64::from(options.height),
        };
        let scale = (options.width.min(options.height) as f32 / REFERENCE_SIDE).clamp(0.5, 12.0);
        let mut backdrop = Self {
            pixmap: new_pixmap(options.width, options.height)?,
            screen,
            scale,
            dark: options.dark,
        };
        backdrop.draw_field(landscape)?;
        backdrop.draw_minimizers(landscape);
        Ok(backdrop)
    }

    pub(super) fn screen(&self) -> &Screen {
        &self.screen
    }

    pub(super) fn scale(&self) -> f32 {
        self.scale
    }

    pub(super) fn dark(&self) -> bool {
        self.dark
    }

    pub(super) fn size(&self) -> (u32, u32) {
        (self.pixmap.width(), self.pixmap.height())
    }

    /// Colours of the markings every frame uses exactly (kept exact in a GIF's palette).
    pub(super) fn marking_colours(&self) -> Vec<[u8; 3]> {
        let mut colours = vec![ink(self.dark), [0, 0, 0]];
        colours.extend(Legend::colours(self.dark));
        colours
    }

    /// The backdrop with the runs (and the legend) drawn over it.
    pub(super) fn frame(&self, runs: &[PathView<'_>], legend: Option<&Legend>) -> Pixmap {
        let mut pixmap = self.pixmap.clone();
        for run in runs {
            self.draw_run(&mut pixmap, run);
        }
        if let Some(legend) = legend {
            legend.draw(&mut pixmap);
        }
        pixmap
    }

    /// The colour field (scaled up bilinearly when the image is larger than the grid) and the
    /// iso-lines, both from one sampling of f.
    fn draw_field(&mut self, landscape: &dyn Landscape) -> Result<(), RenderError> {
        let (width, height) = self.size();
        let (grid_width, grid_height) = grid_size(width, height, MAX_FIELD_SIDE);
        let request = ContourRequest {
            window: self.screen.window,
            width: grid_width as usize,
            height: grid_height as usize,
            levels: LEVELS,
        };
        let field = contour::compute_field(landscape, &request);
        let colormap = if self.dark {
            Colormap::Viridis
        } else {
            Colormap::Cividis
        };
        // Every colour of `to_rgba` is opaque, so its straight RGBA is also premultiplied.
        let size = IntSize::from_wh(grid_width, grid_height).ok_or_else(surface_error)?;
        let image = Pixmap::from_vec(field.to_rgba(colormap), size).ok_or_else(surface_error)?;
        if (grid_width, grid_height) == (width, height) {
            self.pixmap = image;
        } else {
            // Under the scaled image, so that no edge pixel is left partly transparent.
            let [r, g, b] = ink(!self.dark);
            self.pixmap.fill(Color::from_rgba8(r, g, b, 255));
            let paint = PixmapPaint {
                quality: FilterQuality::Bilinear,
                ..PixmapPaint::default()
            };
            let transform = Transform::from_scale(
                width as f32 / grid_width as f32,
                height as f32 / grid_height as f32,
            );
            self.pixmap
                .draw_pixmap(0, 0, image.as_ref(), &paint, transform, None);
        }
        // Marching squares costs far more per cell than sampling: trace the lines on a coarser
        // grid (segments of a few pixels still look smooth), at the fine field's levels.
        let coarse = grid_size(width, height, ISO_LINE_SIDE);
        let lines = if coarse == (grid_width, grid_height) {
            field.iso_lines(&field.levels())
        } else {
            let request = ContourRequest {
                width: coarse.0 as usize,
                height: coarse.1 as usize,
                ..request
            };
            contour::compute_field(landscape, &request).iso_lines(&field.levels())
        };
        let mut builder = PathBuilder::new();
        let bounds = self.screen.clip_bounds(0.0);
        for line in lines {
            for [a, b] in line.segments {
                let (a, b) = (
                    self.screen.screen_from_plot(a),
                    self.screen.screen_from_plot(b),
                );
                if let Some((a, b)) = clip_segment(a, b, bounds) {
                    builder.move_to(a[0] as f32, a[1] as f32);
                    builder.line_to(b[0] as f32, b[1] as f32);
                }
            }
        }
        if let Some(path) = builder.finish() {
            let [r, g, b] = ink(self.dark);
            let stroke = Stroke {
                width: self.scale.max(0.75),
                ..Stroke::default()
            };
            let paint = solid(r, g, b, 64);
            self.pixmap
                .stroke_path(&path, &paint, &stroke, Transform::identity(), None);
        }
        Ok(())
    }

    /// A ✕ at every isolated minimizer in the image.
    fn draw_minimizers(&mut self, landscape: &dyn Landscape) {
        let Minimizers::Points(minima) = landscape.minimizers() else {
            return;
        };
        let arm = f64::from(5.0 * self.scale);
        let bounds = self.screen.clip_bounds(2.0 * arm);
        let mut builder = PathBuilder::new();
        for minimum in minima {
            let [u, v] = self.screen.screen_from_plot(minimum.point);
            if !inside([u, v], bounds) {
                continue;
            }
            for (du, dv) in [(arm, arm), (arm, -arm)] {
                builder.move_to((u - du) as f32, (v - dv) as f32);
                builder.line_to((u + du) as f32, (v + dv) as f32);
            }
        }
        if let Some(path) = builder.finish() {
            let [r, g, b] = ink(self.dark);
            let stroke = Stroke {
                width: 2.0 * self.scale,
                ..Stroke::default()
            };
            self.pixmap.stroke_path(
                &path,
                &solid(r, g, b, 255),
                &stroke,
                Transform::identity(),
                None,
            );
        }
    }

    /// A run's path (a dark halo under its colour), its start ring and its current point.
    fn draw_run(&self, pixmap: &mut Pixmap, run: &PathView<'_>) {
        let s = self.scale;
        let [r, g, b] = run.colour;
        let screen: Vec<[f64; 2]> = run
            .points
            .iter()
            .map(|p| self.screen.screen_from_plot(*p))
            .collect();
        let bounds = self.screen.clip_bounds(f64::from(50.0 * s));
        if let Some(path) = polyline(&screen, bounds) {
            let width = path_width(s);
            stroke(pixmap, &path, solid(0, 0, 0, 89), 2.0 * width);
            stroke(pixmap, &path, solid(r, g, b, 255), width);
        }
        if let Some(start) = screen.first().filter(|p| inside(**p, bounds))
            && let Some(ring) = PathBuilder::from_circle(start[0] as f32, start[1] as f32, 7.0 * s)
        {
            stroke(pixmap, &ring, solid(0, 0, 0, 153), 2.5 * s);
            stroke(pixmap, &ring, solid(r, g, b, 255), 1.5 * s);
        }
        if let Some(current) = screen.last().filter(|p| inside(**p, bounds))
            && let Some(dot) =
                PathBuilder::from_circle(current[0] as f32, current[1] as f32, 5.0 * s)
        {
            pixmap.fill_path(
                &dot,
                &solid(r, g, b, 255),
                FillRule::Winding,
                Transform::identity(),
                None,
            );
            stroke(pixmap, &dot, solid(0, 0, 0, 255), s);
        }
    }
}

/// The image size shrunk (never grown) so its longer side is at most `max_side`; at least 2 × 2.
fn grid_size(width: u32, height: u32, max_side: u32) -> (u32, u32) {
    let shrink = (f64::from(max_side) / f64::from(width.max(height))).min(1.0);
    let side = |v: u32| ((f64::from(v) * shrink).round() as u32).max(2);
    (side(width), side(height))
}

/// Width of a run's line: the app's 2 px at the reference size, never thinner than 1.5 px.
pub(super) fn path_width(scale: f32) -> f32 {
    (2.0 * scale).max(1.5)
}

/// White on the dark theme, black on the light one: iso-lines, minimizers.
fn ink(dark: bool) -> [u8; 3] {
    if dark { [255, 255, 255] } else { [0, 0, 0] }
}

/// An anti-aliased solid paint.
pub(super) fn solid(r: u8, g: u8, b: u8, a: u8) -> Paint<'static> {
    let mut paint = Paint::default();
    paint.set_color(Color::from_rgba8(r, g, b, a));
    paint.anti_alias = true;
    paint
}

/// Strokes `path` with round caps and joins.
pub(super) fn stroke(pixmap: &mut Pixmap, path: &tiny_skia::Path, paint: Paint<'_>, width: f32) {
    let stroke = Stroke {
        width,
        line_cap: LineCap::Round,
        line_join: LineJoin::Round,
        ..Stroke::default()
    };
    pixmap.stroke_path(path, &paint, &stroke, Transform::identity(), None);
}

/// A transparent pixmap; fails only if the size is zero or too large, which the size checks
/// exclude.
pub(super) fn new_pixmap(width: u32, height: u32) -> Result<Pixmap, RenderError> {
    Pixmap::new(width, height).ok_or_else(surface_error)
}

fn surface_error() -> RenderError {
    RenderError::Encode("could not allocate the drawing surface".to_owned())
}

fn inside(p: [f64; 2], [u_min, v_min, u_max, v_max]: [f64; 4]) -> bool {
    (u_min..=u_max).contains(&p[0]) && (v_min..=v_max).contains(&p[1])
}

/// The polyline through `points` (pixels) clipped to `bounds`: one subpath per visible stretch;
/// non-finite points break it.
fn polyline(points: &[[f64; 2]], bounds: [f64; 4]) -> Option<tiny_skia::Path> {
    let mut builder = PathBuilder::new();
    let mut pen: Option<[f64; 2]> = None;
    for pair in points.windows(2) {
        let [a, b] = [pair[0], pair[1]];
        let Some((from, to)) = clip_segment(a, b, bounds) else {
            pen = None;
            continue;
        };
        if pen != Some(from) {
            builder.move_to(from[0] as f32, from[1] as f32);
        }
        builder.line_to(to[0] as f32, to[1] as f32);
        pen = Some(to);
    }
    builder.finish()
}

/// The part of segment a→b inside `bounds` [u_min, v_min, u_max, v_max] (Liang–Barsky): with
/// d = b − a, the segment a + t·d is inside for t in [t₀, t₁], each side bounding t from one
/// side. An end that needs no clipping is returned bit for bit, so consecutive segments join.
pub(super) fn clip_segment(
    a: [f64; 2],
    b: [f64; 2],
    [u_min, v_min, u_max, v_max]: [f64; 4],
) -> Option<([f64; 2], [f64; 2])> {
    let d = [b[0] - a[0], b[1] - a[1]];
    if !(a.iter().chain(&b).chain(&d).all(|v| v.is_finite())) {
        return None;
    }
    let (mut t0, mut t1) = (0.0_f64, 1.0_f64);
    for (p, q) in [
        (-d[0], a[0] - u_min),
        (d[0], u_max - a[0]),
        (-d[1], a[1] - v_min),
        (d[1], v_max - a[1]),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
            continue;
        }
        let t = q / p;
        if p < 0.0 {
            t0 = t0.max(t);
        } else {
            t1 = t1.min(t);
        }
        if t0 > t1 {
            return None;
        }
    }
    let at = |t: f64| [a[0] + t * d[0], a[1] + t * d[1]];
    let from = if t0 == 0.0 { a } else { at(t0) };
    let to = if t1 == 1.0 { b } else { at(t1) };
    Some((from, to))
}

/// Encodes an opaque pixmap as an 8-bit RGB PNG.
pub(super) fn encode_png(pixmap: &Pixmap) -> Result<Vec<u8>, RenderError> {
    let encode_error = |error: png::EncodingError| RenderError::Encode(error.to_string());
    let rgb: Vec<u8> = pixmap
        .pixels()
        .iter()
        .flat_map(|pixel| {
            let colour = pixel.demultiply();
            [colour.red(), colour.green(), colour.blue()]
        })
        .collect();
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, pixmap.width(), pixmap.height());
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(encode_error)?;
    writer.write_image_data(&rgb).map_err(encode_error)?;
    writer.finish().map_err(encode_error)?;
    Ok(out)
}
