//! A plot's legend as a column of its own beside the plot, never over the curves: egui_plot's
//! legend sits inside the data area, and with Theory on it covered a third of the loss plot.
//! Long names are cut with "…" (the full name shows on hover) and the column scrolls when the
//! entries outnumber its height.

use egui::{Color32, Rect, Shape, Stroke, Vec2};
use egui_plot::{LineStyle, MarkerShape};

/// How an entry is drawn in front of its name.
#[derive(Clone, Debug)]
pub enum Swatch {
    /// A short stretch of line in the item's colour and style.
    Line {
        /// Line colour.
        colour: Color32,
        /// Solid, dashed or dotted.
        style: LineStyle,
    },
    /// A marker (points, zero marks).
    Marker {
        /// Marker colour.
        colour: Color32,
        /// Its shape (diamond and downward triangle are drawn as such, others as a dot).
        shape: MarkerShape,
    },
    /// A filled square (a colour in an image, e.g. a diverged cell).
    Patch(Color32),
}

/// One line of a legend.
#[derive(Clone, Debug)]
pub struct LegendEntry {
    /// What it looks like in the plot.
    pub swatch: Swatch,
    /// Its name.
    pub text: String,
}

impl LegendEntry {
    /// A solid line of `colour` named `text`.
    pub fn line(colour: Color32, text: impl Into<String>) -> Self {
        Self {
            swatch: Swatch::Line {
                colour,
                style: LineStyle::Solid,
            },
            text: text.into(),
        }
    }

    /// A dashed line of `colour` named `text` (a reference level).
    pub fn dashed(colour: Color32, text: impl Into<String>) -> Self {
        Self {
            swatch: Swatch::Line {
                colour,
                style: LineStyle::dashed_loose(),
            },
            text: text.into(),
        }
    }

    /// A marker of `colour` named `text`.
    pub fn marker(colour: Color32, text: impl Into<String>) -> Self {
        Self {
            swatch: Swatch::Marker {
                colour,
                shape: MarkerShape::Circle,
            },
            text: text.into(),
        }
    }
}

/// A plot drawn by `draw` with `entries` in a column beside it (no column when there are none):
/// returns what `draw` returned and the rect the legend covers.
pub fn beside_legend_ui<R>(
    ui: &mut egui::Ui,
    id_salt: &str,
    entries: &[LegendEntry],
    draw: impl FnOnce(&mut egui::Ui) -> R,
) -> (R, Option<Rect>) {
    let size = ui.available_size();
    let width = if entries.is_empty() {
        0.0
    } else {
        legend_width(size.x)
    };
    let gap = ui.spacing().item_spacing.x;
    ui.horizontal_top(|ui| {
        let plot_size = egui::vec2((size.x - width - gap).max(60.0), size.y);
        let drawn = ui.allocate_ui(plot_size, draw).inner;
        let legend = (!entries.is_empty()).then(|| {
            ui.allocate_ui(egui::vec2(width, size.y), |ui| {
                legend_ui(ui, id_salt, entries)
            })
            .inner
        });
        (drawn, legend)
    })
    .inner
}

/// The width a legend takes beside a plot in `available` points.
pub fn legend_width(available: f32) -> f32 {
    (available * 0.24).clamp(110.0, 240.0)
}

/// Draws `entries` as a column filling `ui`'s width; returns the rect the legend covers.
pub fn legend_ui(ui: &mut egui::Ui, id_salt: &str, entries: &[LegendEntry]) -> Rect {
    // A column even inside a horizontal layout (the plot's row).
    ui.vertical(|ui| legend_entries_ui(ui, id_salt, entries))
        .response
        .rect
}

fn legend_entries_ui(ui: &mut egui::Ui, id_salt: &str, entries: &[LegendEntry]) {
    // A legend longer than its plot scrolls; a solid bar (set before the area reads its style)
    // says there is more below.
    ui.spacing_mut().scroll = egui::style::ScrollStyle::solid();
    egui::ScrollArea::vertical()
        .id_salt(("legend", id_salt))
        .auto_shrink([false, true])
        .show(ui, |ui| {
            ui.spacing_mut().item_spacing.y = 2.0;
            for entry in entries {
                ui.horizontal(|ui| {
                    let height = ui.text_style_height(&egui::TextStyle::Body);
                    let (rect, _) =
                        ui.allocate_exact_size(Vec2::new(22.0, height), egui::Sense::hover());
                    paint_swatch(ui, rect, &entry.swatch);
                    ui.add(egui::Label::new(entry.text.as_str()).truncate());
                });
            }
        });
}

fn paint_swatch(ui: &egui::Ui, rect: Rect, swatch: &Swatch) {
    let painter = ui.painter();
    let (left, right) = (rect.left_center(), rect.right_center());
    match *swatch {
        Swatch::Line { colour, style } => {
            let stroke = Stroke::new(2.0, colour);
            match style {
                LineStyle::Solid => {
                    painter.line_segment([left, right], stroke);
                }
                LineStyle::Dashed { length } => {
                    let dash = length.min(6.0);
                    painter.extend(Shape::dashed_line(&[left, right], stroke, dash, dash * 0.6));
                }
                LineStyle::Dotted { spacing } => {
                    painter.extend(Shape::dotted_line(
                        &[left, right],
                        colour,
                        spacing.min(5.0),
                        1.2,
                    ));
                }
            }
        }
        Swatch::Marker { colour, shape } => {
            let c = rect.center();
            let r = 5.0;
            let points = match shape {
                MarkerShape::Diamond => vec![
                    c + Vec2::new(0.0, -r),
                    c + Vec2::new(r, 0.0),
                    c + Vec2::new(0.0, r),
                    c + Vec2::new(-r, 0.0),
                ],
                MarkerShape::Down => vec![
                    c + Vec2::new(-r, -r * 0.6),
                    c + Vec2::new(r, -r * 0.6),
                    c + Vec2::new(0.0, r * 0.8),
                ],
                _ => {
                    painter.circle_filled(c, r * 0.8, colour);
                    return;
                }
            };
            painter.add(Shape::convex_polygon(
                points,
                colour,
                Stroke::new(1.0, ui.visuals().text_color()),
            ));
        }
        Swatch::Patch(colour) => {
            painter.rect_filled(
                Rect::from_center_size(rect.center(), Vec2::splat(10.0)),
                1.0,
                colour,
            );
        }
    }
}
