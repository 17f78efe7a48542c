//! The sweep heatmap's cells: where each sits on the plot, which one is under the pointer, and
//! what its tooltip says.

use egui_plot::PlotPoint;

use crate::analysis::sweep::{Axis, Sweep};
use crate::number_format::short_number;

use super::sweep_view::plot_coordinate;

/// The plot extent of an axis: its first cell's lower edge to its last cell's upper edge.
pub(super) fn extent(axis: &Axis) -> (f64, f64) {
    let centre_of = |index: usize| plot_coordinate(axis, axis.value(index));
    let last = axis.count.saturating_sub(1);
    let half_cell = if axis.count < 2 {
        0.5
    } else {
        0.5 * (centre_of(last) - centre_of(0)) / last as f64
    };
    (centre_of(0) - half_cell, centre_of(last) + half_cell)
}

/// The cell under `pointer` (plot coordinates), `None` outside the heatmap.
pub(super) fn cell_at(axes: &[Axis; 2], pointer: PlotPoint) -> Option<(usize, usize)> {
    let index = |axis: &Axis, coordinate: f64| {
        let (low, high) = extent(axis);
        let t = (coordinate - low) / (high - low);
        ((0.0..1.0).contains(&t)).then(|| ((t * axis.count as f64) as usize).min(axis.count - 1))
    };
    Some((index(&axes[0], pointer.x)?, index(&axes[1], pointer.y)?))
}

/// A cell's tooltip: its two hyperparameters and the loss it reached (or that it diverged).
pub(super) fn cell_text(sweep: &Sweep, column: usize, row: usize) -> String {
    let axes = &sweep.axes;
    let index = sweep.index(column, row);
    let outcome = if sweep.diverged.get(index).copied().unwrap_or(false) {
        "diverged".to_owned()
    } else {
        let loss = sweep.values.get(index).copied().unwrap_or(f64::NAN);
        format!("loss {}", short_number(loss))
    };
    format!(
        "{} = {}\n{} = {}\n{outcome}",
        axes[0].name,
        short_number(axes[0].value(column)),
        axes[1].name,
        short_number(axes[1].value(row)),
    )
}
