//! The eigen-components plot: each run's error along the quadratic's two eigenvectors,
//! log₁₀|cᵢ| against the x axis, and with Theory (against steps) gradient descent's exact
//! components |cᵢ(0)|·|1 − lr·λᵢ|ᵏ. A component that reaches exactly 0 (a start on an axis, or
//! lr = 1/λᵢ) is drawn at the plot's floor and marked, as on every log plot (see
//! [`metric_curves`](super::metric_curves)).

use egui::Color32;
use egui_plot::LineStyle;

use crate::analysis::measure::theory;
use crate::app::{AppState, XAxis};
use crate::number_format::short_number;

use super::metric_curves::{
    Curve, MAX_CURVE_POINTS, MetricCurves, MetricSample, ZeroMark, log_floor, log_series,
    quadratic, x_value,
};
use super::{line_scale, run_colour};

/// One component's samples before the floor is known.
struct Component {
    name: String,
    colour: Color32,
    style: LineStyle,
    width: f32,
    samples: Vec<MetricSample>,
    /// Whether a first 0 is marked (the runs' curves, not theory's).
    marks_zero: bool,
}

/// Adds every visible run's eigen-components (and theory's exact ones) to `out`, on one floor.
pub(super) fn eigencomponent_curves(state: &AppState, out: &mut MetricCurves) {
    let Some(quadratic) = quadratic(state) else {
        return;
    };
    let lambdas = [quadratic.lambda1, quadratic.lambda2];
    let suffix = ["₁", "₂"];
    let mut components = Vec::new();
    for (index, (run, config)) in state.runs.iter().zip(&state.scenario.runs).enumerate() {
        if !run.visible {
            continue;
        }
        let colour = run_colour(config, index, state.prefs.dark);
        let mut samples = [Vec::new(), Vec::new()];
        for sample in run.trace.decimated(MAX_CURVE_POINTS) {
            let x = x_value(state.prefs.x_axis, sample);
            let (_, coords) = theory::eigenbasis(&quadratic, sample.point);
            for (series, c) in samples.iter_mut().zip(coords) {
                series.push(MetricSample {
                    x,
                    step: sample.step,
                    value: c.abs(),
                });
            }
        }
        for (i, samples) in samples.into_iter().enumerate() {
            components.push(Component {
                name: format!(
                    "{} along e{} (λ = {})",
                    config.label,
                    suffix[i],
                    short_number(lambdas[i])
                ),
                colour,
                style: if i == 0 {
                    LineStyle::Solid
                } else {
                    LineStyle::dashed_dense()
                },
                width: 2.0 * line_scale(state),
                samples,
                marks_zero: true,
            });
        }
        if !(state.prefs.theory && state.prefs.x_axis == XAxis::Steps) {
            continue;
        }
        let (Some(first), Some(latest)) = (run.trace.first(), run.trace.latest()) else {
            continue;
        };
        let Some(exact) = theory::gd_error_overlay(&quadratic, first.point, config, latest.step)
        else {
            continue;
        };
        let stride = exact.len().div_ceil(MAX_CURVE_POINTS).max(1);
        for i in 0..2 {
            components.push(Component {
                name: format!("{} along e{} (exact)", config.label, suffix[i]),
                colour: colour.gamma_multiply(0.8),
                style: LineStyle::dotted_dense(),
                width: 1.5 * line_scale(state),
                samples: (exact.iter().enumerate().step_by(stride))
                    .map(|(k, c)| MetricSample {
                        x: k as f64,
                        step: k as u64,
                        value: c[i].abs(),
                    })
                    .collect(),
                marks_zero: false,
            });
        }
    }
    let floor = log_floor(
        components
            .iter()
            .flat_map(|component| &component.samples)
            .map(|sample| sample.value),
    );
    for component in components {
        let log = log_series(&component.samples, floor);
        if component.marks_zero
            && let Some((x, step)) = log.reached_zero
        {
            out.zero_marks.push(ZeroMark {
                name: format!("{} reached 0 at step {step}", component.name),
                position: [x, floor.log10()],
                colour: component.colour,
            });
        }
        out.curves.push(Curve {
            name: component.name,
            points: log.points,
            colour: component.colour,
            style: component.style,
            width: component.width,
            overlay: false,
        });
    }
}
