//! Update vectors and the step-by-step window: the latest step of a 2D run taken apart.
//!
//! Each optimizer reports its own account of its latest step ([`crate::optim::Optimizer::explain`]):
//! the quantities of its update rule with their values, and the displacements worth drawing
//! (−lr·g, the momentum part, the preconditioned step). The canvas draws those as arrows from the
//! pre-step iterate next to the actual step; the window lists every quantity, and its Step button
//! advances all runs by one step so a student can follow the rule line by line.

use egui::{Color32, Pos2, Stroke};

use super::run_colour;
use crate::app::AppState;
use crate::engine::StepExplanation;
use crate::optim::{ArrowKind, QuantityValue};
use crate::ui::hinted_button;

/// Shortest an actual step is drawn on screen, in points: shorter steps are magnified by a power
/// of ten (all arrows of the run alike, so their proportions stay true) and labelled with it.
const MIN_STEP_PIXELS: f32 = 40.0;
/// Largest magnification; a run that has stopped moving shows its arrows at this scale at most.
const MAX_MAGNIFICATION: f64 = 1e6;

/// Whether the arrows are drawn and the window is open.
#[derive(Debug, Default)]
pub struct StepView {
    /// The step-by-step window is open.
    pub open: bool,
    /// Draw each run's latest step and its parts as arrows on the landscape.
    pub arrows: bool,
}

/// One colour per arrow kind, whatever the method.
pub fn arrow_colour(kind: ArrowKind, dark: bool) -> Color32 {
    match (kind, dark) {
        (ArrowKind::Gradient, true) => Color32::from_rgb(255, 90, 90),
        (ArrowKind::Gradient, false) => Color32::from_rgb(200, 30, 30),
        (ArrowKind::Momentum, true) => Color32::from_rgb(120, 200, 255),
        (ArrowKind::Momentum, false) => Color32::from_rgb(20, 90, 200),
        (ArrowKind::Preconditioned, true) => Color32::from_rgb(255, 215, 90),
        (ArrowKind::Preconditioned, false) => Color32::from_rgb(170, 110, 0),
    }
}

/// What each kind means, for the legend.
pub fn arrow_meaning(kind: ArrowKind) -> &'static str {
    match kind {
        ArrowKind::Gradient => "−lr·gradient: where plain GD would go",
        ArrowKind::Momentum => "momentum: carried over from past steps",
        ArrowKind::Preconditioned => "the method's own direction (preconditioned, sign…)",
    }
}

/// The power of ten (≥ 1) that makes a step of `pixels` on screen at least [`MIN_STEP_PIXELS`].
pub fn magnification(pixels: f32) -> f64 {
    if !(pixels.is_finite() && pixels > 0.0) {
        return 1.0;
    }
    let mut factor = 1.0;
    while (pixels as f64) * factor < MIN_STEP_PIXELS as f64 && factor < MAX_MAGNIFICATION {
        factor *= 10.0;
    }
    factor
}

/// Draws every visible run's latest step: the actual step in the run's colour and the method's
/// arrows from the pre-step iterate.
pub fn paint_update_arrows(
    state: &AppState,
    painter: &egui::Painter,
    screen: &dyn Fn([f64; 2]) -> Pos2,
) {
    if !(state.views.step.arrows || state.views.step.open) {
        return;
    }
    let dark = state.prefs.dark;
    let width = 2.0 * super::line_scale(state);
    for (index, run) in state.runs.iter().enumerate() {
        let (Some(config), Some(step)) = (state.scenario.runs.get(index), &run.latest_step) else {
            continue;
        };
        if !run.visible {
            continue;
        }
        let origin = screen(step.from);
        let step_pixels = (screen(step.to) - origin).length();
        let longest_arrow = arrows(step)
            .map(|(_, d)| (screen([step.from[0] + d[0], step.from[1] + d[1]]) - origin).length())
            .fold(0.0_f32, f32::max);
        let factor = magnification(if step_pixels > 0.0 {
            step_pixels
        } else {
            longest_arrow
        });
        let tip =
            |d: [f64; 2]| screen([step.from[0] + factor * d[0], step.from[1] + factor * d[1]]);
        // The actual step wide and underneath, the method's parts narrower on top: where a part is
        // the whole step (plain GD's −lr·g) both stay visible.
        let actual = [step.to[0] - step.from[0], step.to[1] - step.from[1]];
        let colour = run_colour(config, index, state.prefs.dark);
        let end = tip(actual);
        let shadow = Color32::BLACK.gamma_multiply(0.5);
        arrow(painter, origin, end, Stroke::new(2.0 * width + 2.0, shadow));
        arrow(painter, origin, end, Stroke::new(2.0 * width, colour));
        for (kind, displacement) in arrows(step) {
            let colour = arrow_colour(kind, dark);
            arrow(
                painter,
                origin,
                tip(displacement),
                Stroke::new(0.75 * width, colour),
            );
        }
        if factor > 1.0 {
            painter.text(
                end + egui::vec2(6.0, 6.0),
                egui::Align2::LEFT_TOP,
                format!("arrows ×{factor:.0e}"),
                egui::FontId::proportional(12.0 * super::line_scale(state)),
                colour,
            );
        }
    }
}

/// A line from `from` to `to` with a head of fixed size (egui's own arrow scales its head with the
/// length, which swamps long arrows).
fn arrow(painter: &egui::Painter, from: Pos2, to: Pos2, stroke: Stroke) {
    let along = to - from;
    let length = along.length();
    if !(length.is_finite() && length > 0.5) {
        return;
    }
    painter.line_segment([from, to], stroke);
    let head = (4.0 * stroke.width + 4.0).min(0.5 * length);
    let back = -along / length * head;
    let rotation = egui::emath::Rot2::from_angle(0.45);
    painter.line_segment([to, to + rotation * back], stroke);
    painter.line_segment([to, to + rotation.inverse() * back], stroke);
}

/// The arrow quantities of a step with their 2D displacements.
fn arrows(step: &StepExplanation) -> impl Iterator<Item = (ArrowKind, [f64; 2])> + '_ {
    step.quantities
        .iter()
        .filter_map(|quantity| match (quantity.arrow, &quantity.value) {
            (Some(kind), QuantityValue::Vector(v))
                if v.len() == 2 && v.iter().all(|c| c.is_finite()) =>
            {
                Some((kind, [v[0], v[1]]))
            }
            _ => None,
        })
}

/// A number as the table shows it: fixed for ordinary sizes, scientific otherwise.
pub fn format_number(value: f64) -> String {
    let size = value.abs();
    if value == 0.0 || (1e-3..1e5).contains(&size) {
        let text = format!("{value:.6}");
        let text = text.trim_end_matches('0').trim_end_matches('.');
        if text == "-0" {
            "0".to_owned()
        } else {
            text.to_owned()
        }
    } else {
        format!("{value:.4e}")
    }
}

fn format_value(value: &QuantityValue) -> String {
    match value {
        QuantityValue::Scalar(v) => format_number(*v),
        QuantityValue::Vector(v) => {
            let parts: Vec<String> = v.iter().map(|c| format_number(*c)).collect();
            format!("({})", parts.join(", "))
        }
    }
}

/// The step-by-step window.
pub fn step_window_ui(state: &mut AppState, ctx: &egui::Context) {
    if !state.views.step.open {
        return;
    }
    let mut open = true;
    // Beside the canvas's right edge, clear of the start handle and the paths that begin top left.
    let screen = ctx.content_rect();
    egui::Window::new("Step by step")
        .open(&mut open)
        .default_pos(egui::pos2(
            (screen.right() - 880.0).max(screen.left()),
            screen.top() + 300.0,
        ))
        .default_width(460.0)
        .resizable(true)
        .show(ctx, |ui| step_contents_ui(state, ui));
    state.views.step.open = open;
}

fn step_contents_ui(state: &mut AppState, ui: &mut egui::Ui) {
    if state.landscape.is_none() {
        ui.label("Update vectors are drawn for 2D landscapes; networks have too many coordinates to list");
        return;
    }
    ui.horizontal(|ui| {
        let label = ui.label("Run");
        let selected = state
            .selected_run
            .min(state.scenario.runs.len().saturating_sub(1));
        let current = state
            .scenario
            .runs
            .get(selected)
            .map(|r| r.label.clone())
            .unwrap_or_default();
        egui::ComboBox::from_id_salt("step_run")
            .selected_text(current)
            .show_ui(ui, |ui| {
                for (index, run) in state.scenario.runs.iter().enumerate() {
                    ui.selectable_value(&mut state.selected_run, index, &run.label);
                }
            })
            .response
            .labelled_by(label.id);
        if hinted_button(
            ui,
            "Take one step",
            "Advance every run by exactly one step (→ or S)",
        ) {
            state.step_once();
        }
        if hinted_button(
            ui,
            "Back to the start",
            "Put every run back at its start (R)",
        ) {
            state.reset();
        }
    });
    ui.checkbox(&mut state.views.step.arrows, "Keep arrows on the landscape")
        .on_hover_text("Draw every run's latest step and its parts even with this window closed");
    ui.separator();
    let Some(run) = state.runs.get(state.selected_run) else {
        return;
    };
    let Some(step) = run.latest_step.clone() else {
        ui.label("No step yet: take one step to see how the update is made");
        return;
    };
    ui.label(format!(
        "Step {}: ({}, {}) → ({}, {})",
        step.step,
        format_number(step.from[0]),
        format_number(step.from[1]),
        format_number(step.to[0]),
        format_number(step.to[1]),
    ));
    let dark = state.prefs.dark;
    if step.quantities.is_empty() {
        ui.label("This method does not take its step apart; the arrow shows the actual step");
        return;
    }
    egui::ScrollArea::vertical()
        .max_height(360.0)
        .show(ui, |ui| {
            egui::Grid::new("step_quantities")
                .num_columns(3)
                .striped(true)
                .show(ui, |ui| {
                    ui.strong("Quantity");
                    ui.strong("Value");
                    ui.strong("How it is computed");
                    ui.end_row();
                    for quantity in &step.quantities {
                        match quantity.arrow {
                            Some(kind) => ui
                                .label(
                                    super::math_text(format!("→ {}", quantity.symbol))
                                        .color(arrow_colour(kind, dark)),
                                )
                                .on_hover_text(arrow_meaning(kind)),
                            None => ui.label(super::math_text(quantity.symbol)),
                        };
                        ui.monospace(format_value(&quantity.value));
                        ui.label(super::math_text(quantity.formula));
                        ui.end_row();
                    }
                    let actual = [step.to[0] - step.from[0], step.to[1] - step.from[1]];
                    ui.strong("Δx = xₜ − xₜ₋₁");
                    ui.monospace(format_value(&QuantityValue::Vector(actual.to_vec())));
                    ui.label("the step actually taken (the run's colour)");
                    ui.end_row();
                });
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_steps_are_magnified_by_powers_of_ten() {
        assert_eq!(magnification(100.0), 1.0);
        assert_eq!(magnification(5.0), 10.0);
        assert_eq!(magnification(0.05), 1000.0);
        assert_eq!(magnification(0.0), 1.0);
        assert_eq!(magnification(1e-30), MAX_MAGNIFICATION);
    }

    #[test]
    fn numbers_are_short_and_exact_enough() {
        assert_eq!(format_number(0.5), "0.5");
        assert_eq!(format_number(-2.0), "-2");
        assert_eq!(format_number(1.234e-7), "1.2340e-7");
        assert_eq!(format_number(0.0), "0");
    }
}
