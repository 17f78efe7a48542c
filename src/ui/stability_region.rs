//! The linear stability window: a finite sum's minima in the plane of sharpness a and
//! non-uniformity s, with the region where the selected run's SGD (its lr and batch size) can stay
//! at a minimum (`analysis::measure::linear_stability`, Wu, Ma & E 2018).

use std::sync::Arc;

use egui::{Align2, Color32, RichText};
use egui_plot::{Line, LineStyle, MarkerShape, Plot, PlotPoint, PlotPoints, Points, Text, VLine};

use super::plot_legend::{self, LegendEntry, Swatch};

use crate::analysis::measure::linear_stability::{self, LinearStability};
use crate::app::AppState;
use crate::landscape::{Landscape, Minimizers, Point};
use crate::number_format::short_number;
use crate::ui::study_controls::corner_window;

/// Whether the window is open, and the minima measured for the landscape last shown.
#[derive(Default)]
pub struct StabilityRegionState {
    /// The window is open.
    pub open: bool,
    /// The landscape measured (its address) and each minimum with its (a, s): the measure costs
    /// four gradients per sample and minimum, too much to repeat every frame for large sums.
    measured: Option<(usize, Vec<(Point, LinearStability)>)>,
}

/// Points drawn along each boundary curve.
const CURVE_POINTS: usize = 200;

/// The window, when open.
pub fn stability_region_window_ui(state: &mut AppState, ctx: &egui::Context) {
    if !state.views.stability.open {
        return;
    }
    let mut open = true;
    // Small, so the region's minima stay in sight beside it.
    corner_window("Linear stability", ctx, &mut open, [380.0, 330.0])
        .show(ctx, |ui| stability_contents_ui(state, ui));
    state.views.stability.open = open;
}

/// Each listed minimum of the landscape with its sharpness and non-uniformity (cached).
fn measured_minima(state: &mut AppState) -> Vec<(Point, LinearStability)> {
    let Some(landscape) = state.landscape.clone() else {
        return Vec::new();
    };
    let key = Arc::as_ptr(&landscape) as *const () as usize;
    if let Some((cached, minima)) = &state.views.stability.measured
        && *cached == key
    {
        return minima.clone();
    }
    let minima = measure(landscape.as_ref());
    state.views.stability.measured = Some((key, minima.clone()));
    minima
}

fn measure(landscape: &dyn Landscape) -> Vec<(Point, LinearStability)> {
    let Minimizers::Points(points) = landscape.minimizers() else {
        return Vec::new();
    };
    points
        .iter()
        .filter_map(|m| linear_stability::at_point(landscape, m.point).map(|s| (m.point, s)))
        .collect()
}

fn stability_contents_ui(state: &mut AppState, ui: &mut egui::Ui) {
    let samples = state.landscape.as_ref().map_or(1, |l| l.num_samples());
    if samples < 2 {
        ui.label("Linear stability is measured at the minima of a finite sum (SharpFlatSum, LeastSquares…); this problem has none");
        return;
    }
    let selected = state
        .selected_run
        .min(state.scenario.runs.len().saturating_sub(1));
    let Some(run) = state.scenario.runs.get(selected) else {
        return;
    };
    let lr = run.optimizer.lr();
    let batch = run.batch_size.unwrap_or(samples).clamp(1, samples);
    let label = run.label.clone();
    let minima = measured_minima(state);
    ui.label(format!(
        "{label}: lr η = {}, batch B = {batch} of n = {samples}. Stable where (1 − ηa)² + η²s²(n − B)/(B(n − 1)) ≤ 1",
        short_number(lr)
    ));
    if minima.is_empty() {
        ui.label("This problem lists no isolated minimum to measure; the region is drawn alone");
    }
    let sgd = SgdSetting { lr, batch, samples };
    region_plot_ui(ui, &minima, sgd);
    minima_table_ui(ui, &minima, lr, batch);
}

/// The boundary s_max(a) for batch `batch`, over 0 ≤ a ≤ 2/η.
fn boundary_points(lr: f64, batch: usize, samples: usize) -> Vec<[f64; 2]> {
    let a_max = 2.0 / lr;
    (0..=CURVE_POINTS)
        .filter_map(|k| {
            let a = a_max * k as f64 / CURVE_POINTS as f64;
            linear_stability::boundary(a, lr, batch, samples).map(|s| [a, s])
        })
        .collect()
}

/// The selected run's SGD as the region depends on it: step η, batch B of the n samples.
#[derive(Clone, Copy)]
struct SgdSetting {
    lr: f64,
    batch: usize,
    samples: usize,
}

fn region_plot_ui(ui: &mut egui::Ui, minima: &[(Point, LinearStability)], sgd: SgdSetting) {
    let SgdSetting { lr, batch, samples } = sgd;
    let dark = ui.visuals().dark_mode;
    let region = if dark {
        Color32::from_rgb(90, 200, 140)
    } else {
        Color32::from_rgb(20, 140, 80)
    };
    let text_colour = ui.visuals().text_color();
    let s_top = minima.iter().map(|(_, m)| m.non_uniformity).fold(
        linear_stability::boundary(1.0 / lr, lr, 1, samples).unwrap_or(1.0),
        f64::max,
    );
    let a_right = minima
        .iter()
        .map(|(_, m)| m.sharpness)
        .fold(2.0 / lr, f64::max);
    let mut entries = Vec::new();
    if batch < samples {
        entries.push(LegendEntry::line(region, format!("stable for B = {batch}")));
    }
    if batch != 1 {
        entries.push(LegendEntry::dashed(region.gamma_multiply(0.6), "B = 1"));
    }
    entries.push(LegendEntry {
        swatch: Swatch::Line {
            colour: region,
            style: LineStyle::dashed_dense(),
        },
        text: "a = 2/η (GD)".to_owned(),
    });
    entries.push(LegendEntry::marker(text_colour, "minima"));
    let height = ui.available_height().clamp(170.0, 360.0);
    let size = egui::vec2(ui.available_width(), height);
    ui.allocate_ui(size, |ui| {
        plot_legend::beside_legend_ui(ui, "stability_region", &entries, |ui| {
            region_ui(ui, minima, sgd, [a_right, s_top], [region, text_colour]);
        })
    });
}

/// The plot itself: the stable region's boundary, the references and the minima.
fn region_ui(
    ui: &mut egui::Ui,
    minima: &[(Point, LinearStability)],
    sgd: SgdSetting,
    [a_right, s_top]: [f64; 2],
    [region, text_colour]: [Color32; 2],
) {
    let SgdSetting { lr, batch, samples } = sgd;
    Plot::new("stability_region")
        .x_axis_label("sharpness a = λmax(H)")
        .y_axis_label("non-uniformity s")
        .include_x(0.0)
        .include_x(1.1 * a_right)
        .include_y(0.0)
        .include_y(1.3 * s_top)
        .show(ui, |plot_ui| {
            if batch < samples {
                plot_ui.line(
                    Line::new(
                        format!("stable for B = {batch}"),
                        PlotPoints::new(boundary_points(lr, batch, samples)),
                    )
                    .color(region)
                    .width(2.5)
                    .fill(0.0)
                    .fill_alpha(0.25),
                );
            }
            if batch != 1 {
                plot_ui.line(
                    Line::new("B = 1", PlotPoints::new(boundary_points(lr, 1, samples)))
                        .color(region.gamma_multiply(0.6))
                        .style(LineStyle::dashed_loose()),
                );
            }
            plot_ui.vline(
                VLine::new("gradient descent: a = 2/η", 2.0 / lr)
                    .color(region)
                    .style(LineStyle::dashed_dense()),
            );
            for (point, m) in minima {
                let position = [m.sharpness, m.non_uniformity];
                plot_ui.points(
                    Points::new("minima", PlotPoints::new(vec![position]))
                        .shape(MarkerShape::Circle)
                        .radius(6.0)
                        .filled(true)
                        .color(text_colour),
                );
                // An unnamed item stays out of the legend.
                plot_ui.text(
                    Text::new(
                        "",
                        PlotPoint::new(position[0], position[1]),
                        format!("  ({}, {})", short_number(point[0]), short_number(point[1])),
                    )
                    .anchor(Align2::LEFT_BOTTOM)
                    .color(text_colour),
                );
            }
        });
}

fn minima_table_ui(ui: &mut egui::Ui, minima: &[(Point, LinearStability)], lr: f64, batch: usize) {
    egui::Grid::new("stability_minima")
        .striped(true)
        .show(ui, |ui| {
            for header in ["minimum", "a", "s", "criterion", ""] {
                ui.strong(header);
            }
            ui.end_row();
            for (point, m) in minima {
                ui.label(format!(
                    "({}, {})",
                    short_number(point[0]),
                    short_number(point[1])
                ));
                ui.label(short_number(m.sharpness));
                ui.label(short_number(m.non_uniformity));
                let criterion = m.criterion(lr, batch);
                ui.label(short_number(criterion));
                let (verdict, colour) = if m.is_stable(lr, batch) {
                    ("stable", ui.visuals().text_color())
                } else {
                    ("unstable", ui.visuals().error_fg_color)
                };
                ui.label(RichText::new(verdict).color(colour));
                ui.end_row();
            }
        });
}
