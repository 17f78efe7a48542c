//! The legend box: the scenario's name, then one line per run (a stroke of its colour, its label,
//! and how it ended), set in DejaVu Sans rasterized by ab_glyph.
//!
//! Text is composited with the premultiplied "over" operator (T. Porter & T. Duff, "Compositing
//! digital images", SIGGRAPH 1984): with glyph coverage c ∈ [0, 1] and an opaque text colour s,
//! out = c·s + (1 − c)·dst on every premultiplied channel, alpha included. The box goes into the
//! image corner that hides the fewest path points.

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};
use tiny_skia::{Pixmap, PixmapPaint, PremultipliedColorU8, Rect, Transform};

use super::RenderError;
use super::canvas::{self, Backdrop, PathView};

/// The bundled font (Bitstream Vera / DejaVu licence, see assets/fonts/DejaVu-LICENSE.txt).
pub const FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Font size at the reference image size, in pixels.
const FONT_PX: f32 = 14.0;
/// Line height over font size.
const LINE_SPACING: f32 = 1.4;
/// Most of the image's width the box may take.
const MAX_WIDTH_FRACTION: f32 = 0.6;

/// A legend drawn once into its own pixmap and placed in a corner of the image.
pub(super) struct Legend {
    pixmap: Pixmap,
    left: i32,
    top: i32,
}

/// Text colours: (main, dimmed) for the theme.
fn text_colours(dark: bool) -> ([u8; 3], [u8; 3]) {
    if dark {
        ([235, 235, 235], [175, 175, 175])
    } else {
        ([20, 20, 20], [90, 90, 90])
    }
}

impl Legend {
    /// The colours the legend's text uses, for the theme.
    pub(super) fn colours(dark: bool) -> [[u8; 3]; 2] {
        let (main, dim) = text_colours(dark);
        [main, dim]
    }

    /// Lays the legend out for the backdrop's size and draws it.
    pub(super) fn new(
        backdrop: &Backdrop,
        title: &str,
        runs: &[PathView<'_>],
    ) -> Result<Self, RenderError> {
        let font = FontRef::try_from_slice(FONT)
            .map_err(|error| RenderError::Encode(format!("the bundled font: {error}")))?;
        let scale = backdrop.scale().max(0.75);
        let text = Text {
            font,
            px: FONT_PX * scale,
        };
        let (image_width, image_height) = backdrop.size();
        let em = text.px;
        let pad = 0.6 * em;
        let line = LINE_SPACING * em;
        let swatch = 1.8 * em;
        let gap = 0.5 * em;
        let max_text = (image_width as f32 * MAX_WIDTH_FRACTION - 2.0 * pad).max(em);
        let title = text.fit(title, max_text);
        let entries: Vec<(String, Option<String>)> = runs
            .iter()
            .map(|run| {
                let label = text.fit(run.label, max_text - swatch - gap);
                let room = max_text - swatch - 2.0 * gap - text.width(&label);
                let note = run.note.map(|note| text.fit(note, room));
                (label, note.filter(|note| !note.is_empty()))
            })
            .collect();
        let entry_width = |(label, note): &(String, Option<String>)| {
            swatch
                + gap
                + text.width(label)
                + note.as_ref().map_or(0.0, |note| gap + text.width(note))
        };
        let content = entries
            .iter()
            .map(entry_width)
            .fold(text.width(&title), f32::max);
        let box_width = (content + 2.0 * pad).ceil().min(image_width as f32) as u32;
        let box_height = (line * (1 + entries.len()) as f32 + 2.0 * pad)
            .ceil()
            .min(image_height as f32) as u32;
        let mut pixmap = canvas::new_pixmap(box_width.max(1), box_height.max(1))?;
        let dark = backdrop.dark();
        let background = if dark {
            canvas::solid(24, 24, 24, 200)
        } else {
            canvas::solid(255, 255, 255, 215)
        };
        if let Some(rect) = Rect::from_xywh(0.0, 0.0, box_width as f32, box_height as f32) {
            pixmap.fill_rect(rect, &background, Transform::identity(), None);
        }
        let (main, dim) = text_colours(dark);
        text.draw(&mut pixmap, &title, pad, pad, main);
        for (index, ((label, note), run)) in entries.iter().zip(runs).enumerate() {
            let top = pad + line * (index + 1) as f32;
            let middle = top + 0.55 * em;
            let [r, g, b] = run.colour;
            let mut builder = tiny_skia::PathBuilder::new();
            builder.move_to(pad + 0.2 * em, middle);
            builder.line_to(pad + swatch - 0.2 * em, middle);
            if let Some(path) = builder.finish() {
                let width = canvas::path_width(backdrop.scale());
                canvas::stroke(&mut pixmap, &path, canvas::solid(0, 0, 0, 89), 2.0 * width);
                canvas::stroke(&mut pixmap, &path, canvas::solid(r, g, b, 255), width);
            }
            let x = pad + swatch + gap;
            text.draw(&mut pixmap, label, x, top, main);
            if let Some(note) = note {
                text.draw(&mut pixmap, note, x + text.width(label) + gap, top, dim);
            }
        }
        let (left, top) = best_corner(backdrop, runs, (box_width, box_height));
        Ok(Self { pixmap, left, top })
    }

    /// Composites the legend onto `target`.
    pub(super) fn draw(&self, target: &mut Pixmap) {
        target.draw_pixmap(
            self.left,
            self.top,
            self.pixmap.as_ref(),
            &PixmapPaint::default(),
            Transform::identity(),
            None,
        );
    }
}

/// The corner (top left, top right, bottom left, bottom right, in that order of preference) whose
/// box would cover the fewest path points.
fn best_corner(
    backdrop: &Backdrop,
    runs: &[PathView<'_>],
    (width, height): (u32, u32),
) -> (i32, i32) {
    let (image_width, image_height) = backdrop.size();
    let margin = (8.0 * backdrop.scale()).round() as i64;
    let right = i64::from(image_width) - i64::from(width) - margin;
    let bottom = i64::from(image_height) - i64::from(height) - margin;
    let corners = [
        (margin, margin),
        (right, margin),
        (margin, bottom),
        (right, bottom),
    ]
    .map(|(x, y)| (x.max(0), y.max(0)));
    let screen = backdrop.screen();
    let covered = |(x, y): (i64, i64)| {
        let (x0, y0) = (x as f64, y as f64);
        let (x1, y1) = (x0 + f64::from(width), y0 + f64::from(height));
        runs.iter()
            .flat_map(|run| run.points.iter())
            .map(|p| screen.screen_from_plot(*p))
            .filter(|[u, v]| (x0..=x1).contains(u) && (y0..=y1).contains(v))
            .count()
    };
    let best = corners
        .iter()
        .copied()
        .min_by_key(|corner| covered(*corner))
        .unwrap_or((0, 0));
    // Both coordinates lie within 0..=8192 here.
    (best.0 as i32, best.1 as i32)
}

/// Text set in the bundled font at one size.
struct Text<'f> {
    font: FontRef<'f>,
    px: f32,
}

impl Text<'_> {
    /// Advance width of `text` in pixels, kerning included.
    fn width(&self, text: &str) -> f32 {
        let scaled = self.font.as_scaled(PxScale::from(self.px));
        let mut width = 0.0;
        let mut previous = None;
        for c in text.chars() {
            let id = scaled.glyph_id(c);
            if let Some(previous) = previous {
                width += scaled.kern(previous, id);
            }
            width += scaled.h_advance(id);
            previous = Some(id);
        }
        width
    }

    /// `text` cut to at most `max_width` pixels, with an ellipsis where it was cut; control
    /// characters (line breaks) become spaces.
    fn fit(&self, text: &str, max_width: f32) -> String {
        let clean: String = text
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        if self.width(&clean) <= max_width {
            return clean;
        }
        let mut cut = String::new();
        for c in clean.chars() {
            cut.push(c);
            if self.width(&cut) + self.width("…") > max_width {
                cut.pop();
                break;
            }
        }
        let cut = cut.trim_end();
        if cut.is_empty() {
            String::new()
        } else {
            format!("{cut}…")
        }
    }

    /// Draws `text` with its top-left corner (of the line box) at (x, top).
    fn draw(&self, pixmap: &mut Pixmap, text: &str, x: f32, top: f32, colour: [u8; 3]) {
        let scaled = self.font.as_scaled(PxScale::from(self.px));
        let baseline = top + scaled.ascent();
        let mut caret = x;
        let mut previous = None;
        for c in text.chars() {
            let id = scaled.glyph_id(c);
            if let Some(previous) = previous {
                caret += scaled.kern(previous, id);
            }
            let glyph = id.with_scale_and_position(self.px, point(caret, baseline));
            caret += scaled.h_advance(id);
            previous = Some(id);
            if let Some(outline) = scaled.outline_glyph(glyph) {
                let bounds = outline.px_bounds();
                let (left, top) = (bounds.min.x as i64, bounds.min.y as i64);
                outline.draw(|gx, gy, coverage| {
                    blend(
                        pixmap,
                        left + i64::from(gx),
                        top + i64::from(gy),
                        colour,
                        coverage,
                    );
                });
            }
        }
    }
}

/// out = c·s + (1 − c)·dst on premultiplied channels (s opaque); pixels outside are skipped.
fn blend(pixmap: &mut Pixmap, x: i64, y: i64, colour: [u8; 3], coverage: f32) {
    let (width, height) = (i64::from(pixmap.width()), i64::from(pixmap.height()));
    if !(0..width).contains(&x) || !(0..height).contains(&y) {
        return;
    }
    let c = coverage.clamp(0.0, 1.0);
    let index = (y * width + x) as usize;
    let Some(pixel) = pixmap.pixels_mut().get_mut(index) else {
        return;
    };
    let mix = |src: u8, dst: u8| (c * f32::from(src) + (1.0 - c) * f32::from(dst)).round() as u8;
    let alpha = mix(255, pixel.alpha());
    // Rounding each channel on its own may put one a unit above alpha: clamp to stay premultiplied.
    let channel = |src: u8, dst: u8| mix(src, dst).min(alpha);
    let [r, g, b] = colour;
    if let Some(out) = PremultipliedColorU8::from_rgba(
        channel(r, pixel.red()),
        channel(g, pixel.green()),
        channel(b, pixel.blue()),
        alpha,
    ) {
        *pixel = out;
    }
}
