//! A texture laid over a rectangle of plot coordinates: the landscape's contours, the basin map,
//! a network's decision surface and the loss over a trajectory's plane are each drawn this way.

use egui::TextureId;
use egui_plot::{PlotImage, PlotPoint};

/// `texture` stretched over `[x_min, y_min, x_max, y_max]` of the plot, named `name` (egui_plot
/// places an image by its centre and size).
pub fn image_over(
    name: &str,
    texture: impl Into<TextureId>,
    [x_min, y_min, x_max, y_max]: [f64; 4],
) -> PlotImage {
    PlotImage::new(
        name,
        texture,
        PlotPoint::new(0.5 * (x_min + x_max), 0.5 * (y_min + y_max)),
        [(x_max - x_min) as f32, (y_max - y_min) as f32],
    )
}
