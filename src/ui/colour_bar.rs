//! A vertical colour bar: the colormap from the lowest value (bottom) to the highest (top) on a
//! log scale, with a few value ticks, so that a heatmap's colours can be read as numbers.

use egui::{Align2, Color32, Rect, Stroke, Vec2};

use crate::analysis::contour::Colormap;

use super::log_axis::log_ticks;

/// Strips the gradient is painted with.
const STRIPS: usize = 64;

/// Draws a bar `height` points tall for log₁₀ values from `log_low` (bottom) to `log_high` (top)
/// under `title`; returns the rect it covers.
pub fn colour_bar_ui(
    ui: &mut egui::Ui,
    title: &str,
    colormap: Colormap,
    (log_low, log_high): (f64, f64),
    height: f32,
) -> Rect {
    ui.vertical(|ui| {
        ui.label(title);
        let font = egui::TextStyle::Small.resolve(ui.style());
        let (rect, _) =
            ui.allocate_exact_size(Vec2::new(90.0, height.max(60.0)), egui::Sense::hover());
        let bar = Rect::from_min_size(
            rect.min + Vec2::new(0.0, 6.0),
            Vec2::new(16.0, rect.height() - 12.0),
        );
        let painter = ui.painter();
        for strip in 0..STRIPS {
            let t = (strip as f64 + 0.5) / STRIPS as f64;
            let [r, g, b] = colormap.rgb(t);
            let bottom = bar.bottom() - bar.height() * strip as f32 / STRIPS as f32;
            let top = bar.bottom() - bar.height() * (strip + 1) as f32 / STRIPS as f32;
            painter.rect_filled(
                Rect::from_x_y_ranges(bar.x_range(), top..=bottom + 0.5),
                0.0,
                Color32::from_rgb(r, g, b),
            );
        }
        let text_colour = ui.visuals().text_color();
        painter.rect_stroke(
            bar,
            0.0,
            Stroke::new(1.0, text_colour),
            egui::StrokeKind::Outside,
        );
        let span = log_high - log_low;
        let ticks = if span > 1e-12 {
            log_ticks(log_low, log_high, 5)
        } else {
            Vec::new()
        };
        let y_of = |position: f64| {
            if span > 1e-12 {
                bar.bottom() - bar.height() * ((position - log_low) / span) as f32
            } else {
                bar.center().y
            }
        };
        let mut labelled: Vec<(f32, String)> = ticks
            .into_iter()
            .map(|t| (y_of(t.position), t.label))
            .collect();
        if labelled.is_empty() {
            labelled.push((
                bar.center().y,
                crate::number_format::short_number(10f64.powf(log_low)),
            ));
        }
        for (y, label) in labelled {
            painter.line_segment(
                [egui::pos2(bar.right(), y), egui::pos2(bar.right() + 4.0, y)],
                Stroke::new(1.0, text_colour),
            );
            painter.text(
                egui::pos2(bar.right() + 6.0, y),
                Align2::LEFT_CENTER,
                label,
                font.clone(),
                text_colour,
            );
        }
        rect
    })
    .inner
}
