//! The lesson's rate bound (`rate_bound:` in a preset, see [`crate::scenario::RateBound`]) drawn
//! over the loss plot: one dashed curve per plain gradient-descent run, in the run's colour, from
//! the run's own start, lr and step count.

use egui_plot::LineStyle;

use super::metric_curves::{Curve, MAX_CURVE_POINTS, MetricCurves};
use super::{line_scale, run_colour};
use crate::app::AppState;

/// Adds the bound of every visible plain-GD run (exact gradients) to `out`, as log₁₀(bound − f_ref)
/// against steps, nothing below the floor `log_floor`.
pub fn rate_bound_curves(state: &AppState, f_ref: f64, log_floor: f64, out: &mut MetricCurves) {
    let (Some(bound), Some(landscape)) = (&state.scenario.rate_bound, state.landscape.as_deref())
    else {
        return;
    };
    for (index, (run, config)) in state.runs.iter().zip(&state.scenario.runs).enumerate() {
        let (Some(first), Some(latest), true) =
            (run.trace.first(), run.trace.latest(), run.visible)
        else {
            continue;
        };
        let Some(lr) = config.optimizer.plain_gd_lr() else {
            continue;
        };
        if config.noise_sigma > 0.0 || config.batch_size.is_some() {
            continue;
        }
        let value_at = |p: [f64; 2]| landscape.value(p);
        let Some(loss) = bound.loss_bound(lr, first.point, first.loss, value_at, latest.step)
        else {
            continue;
        };
        let points = drawn_steps(loss.len(), state.prefs.log_steps)
            .map(|k| (k, loss[k] - f_ref))
            .filter(|(_, gap)| *gap > 0.0 && gap.is_finite() && gap.log10() >= log_floor)
            .map(|(k, gap)| [k as f64, gap.log10()])
            .collect();
        out.curves.push(Curve {
            name: format!("{} (bound)", config.label),
            points,
            colour: run_colour(config, index, state.prefs.dark).gamma_multiply(0.8),
            style: LineStyle::dashed_loose(),
            width: 1.5 * line_scale(state),
            overlay: true,
        });
    }
}

/// At most [`MAX_CURVE_POINTS`] of the steps 0..len, evenly spread, or spread evenly in log k
/// for a log axis (where even steps would leave the first decades empty).
fn drawn_steps(len: usize, log_steps: bool) -> Box<dyn Iterator<Item = usize>> {
    if log_steps && len > MAX_CURVE_POINTS {
        let top = ((len - 1) as f64).log10();
        let mut previous = None;
        Box::new((0..MAX_CURVE_POINTS).filter_map(move |i| {
            let k = 10f64
                .powf(top * i as f64 / (MAX_CURVE_POINTS - 1) as f64)
                .round() as usize;
            let k = k.min(len - 1);
            (previous != Some(k)).then(|| {
                previous = Some(k);
                k
            })
        }))
    } else {
        Box::new((0..len).step_by(len.div_ceil(MAX_CURVE_POINTS).max(1)))
    }
}
