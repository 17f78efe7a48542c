//! Log₁₀ axes for the plots: the curves plot log₁₀ of a value, the ticks name the value itself.
//!
//! egui_plot's own spacer puts marks at tenths of a decade, so a one-digit formatter repeats
//! labels (3e-1, 3e-1, 2e-1…). Here the ticks are chosen in the values' own terms, few and with
//! unique labels: whole decades (every 1, 2, 5, 10… decades) over wide ranges, 1-2-5 or 1-3
//! mantissas over a decade or two, and evenly spaced values over less, labelled with as many
//! digits as their spacing needs.

use std::cell::RefCell;
use std::rc::Rc;

use egui_plot::{GridInput, GridMark, Plot};

use crate::number_format::short_number;

/// Ticks an axis shows at most.
pub const MAX_LOG_TICKS: usize = 6;

/// Vertical room a tick label needs, in points (egui_plot hides labels closer than 20).
const POINTS_PER_TICK: f64 = 36.0;

/// egui_plot's default smallest grid spacing in points, the unit of `GridInput::base_step_size`.
const GRID_SPACING_MIN: f64 = 8.0;

/// A tick of a log₁₀ axis.
#[derive(Clone, Debug, PartialEq)]
pub struct LogTick {
    /// Where it sits: log₁₀ of the value.
    pub position: f64,
    /// The value, in few characters.
    pub label: String,
}

/// Ticks for an axis showing log₁₀ values from `low` to `high`: at most `max_count` (and at least
/// two over any range a plot shows), each label unique. Empty for an empty or non-finite range.
pub fn log_ticks(low: f64, high: f64, max_count: usize) -> Vec<LogTick> {
    if !(low.is_finite() && high.is_finite() && high > low) || max_count < 2 {
        return Vec::new();
    }
    let mut best: Vec<LogTick> = Vec::new();
    let mut denser: Vec<LogTick> = Vec::new();
    // Whole decades, every `step` decades; then 1-2-5 or 1-3 within decades; then even values.
    for step in decade_steps() {
        let ticks = decade_ticks(low, high, step);
        if ticks.len() <= max_count {
            if ticks.len() >= 2 {
                return ticks;
            }
            // A short plot over many decades: one tick would be a lone, faded label, so keep the
            // two outermost of the last step that had more than fit (1e-40 and 1, not 1 alone).
            if let [first, .., last] = denser.as_slice() {
                return vec![first.clone(), last.clone()];
            }
            best = ticks;
            break;
        }
        denser = ticks;
    }
    for mantissas in [&[1.0, 2.0, 5.0][..], &[1.0, 3.0][..]] {
        let ticks = mantissa_ticks(low, high, mantissas);
        if (2..=max_count).contains(&ticks.len()) {
            return ticks;
        }
    }
    let linear = linear_ticks(low, high, max_count);
    if linear.len() >= 2 { linear } else { best }
}

/// 1, 2, 5, 10, 20, 50… decades.
fn decade_steps() -> impl Iterator<Item = i64> {
    (0..6).flat_map(|power| [1, 2, 5].map(|m| m * 10_i64.pow(power)))
}

/// Ticks at 10^(k·step) within [low, high].
fn decade_ticks(low: f64, high: f64, step: i64) -> Vec<LogTick> {
    let step_f = step as f64;
    let first = (low / step_f).ceil() as i64;
    let last = (high / step_f).floor() as i64;
    (first..=last)
        .take(64)
        .map(|k| {
            let exponent = k * step;
            LogTick {
                position: exponent as f64,
                label: decade_label(exponent),
            }
        })
        .collect()
}

/// 10^exponent: "0.01", "1", "1000", "1e-5", "1e12".
fn decade_label(exponent: i64) -> String {
    if (-2..=3).contains(&exponent) {
        short_number(10f64.powi(exponent as i32))
    } else {
        format!("1e{exponent}")
    }
}

/// Ticks at m·10^e for every mantissa m within [low, high] (at most 64 looked at).
fn mantissa_ticks(low: f64, high: f64, mantissas: &[f64]) -> Vec<LogTick> {
    let first = low.floor() as i64;
    let last = high.ceil() as i64;
    if last - first > 8 {
        return Vec::new();
    }
    let mut ticks = Vec::new();
    for exponent in first..=last {
        for &m in mantissas {
            let position = m.log10() + exponent as f64;
            if (low..=high).contains(&position) {
                ticks.push(LogTick {
                    position,
                    label: short_number(m * 10f64.powi(exponent as i32)),
                });
            }
        }
    }
    ticks
}

/// Evenly spaced values between 10^low and 10^high, labelled to the step's digit: the largest
/// 1-2-5 step that gives two ticks, every second or third of them if that is too many.
fn linear_ticks(low: f64, high: f64, max_count: usize) -> Vec<LogTick> {
    let (from, to) = (10f64.powf(low), 10f64.powf(high));
    if !(from > 0.0 && to.is_finite() && to > from) {
        return Vec::new();
    }
    // A hair of slack: 10^log₁₀(0.5) / 0.01 is 50.000…1, and 0.5 is a tick.
    let multiples = |step: f64| ((from / step - 1e-9).ceil(), (to / step + 1e-9).floor());
    let top = (to - from).log10().floor() as i32;
    let Some(step) = (top - 2..=top)
        .rev()
        .flat_map(|power| [5.0, 2.0, 1.0].map(|m| m * 10f64.powi(power)))
        .find(|&step| {
            let (first, last) = multiples(step);
            last - first >= 1.0
        })
    else {
        return Vec::new();
    };
    let (first, last) = multiples(step);
    let count = (last - first) as usize + 1;
    if count > 64 {
        return Vec::new();
    }
    let every = count.div_ceil(max_count);
    (0..count)
        .step_by(every)
        .map(|k| {
            let value = (first + k as f64) * step;
            LogTick {
                position: value.log10(),
                label: value_label(value, step * every as f64),
            }
        })
        .collect()
}

/// `value` with the digits a spacing of `step` needs: fixed for moderate sizes, else scientific.
fn value_label(value: f64, step: f64) -> String {
    // 0 has no exponent (log₁₀ 0 = −∞ would overflow the subtraction below).
    if value == 0.0 {
        return "0".to_owned();
    }
    let step_exponent = step.log10().floor() as i32;
    let value_exponent = value.abs().log10().floor() as i32;
    if (1e-3..1e5).contains(&value.abs()) {
        let decimals = (-step_exponent).max(0) as usize;
        format!("{value:.decimals$}")
    } else {
        let digits = (value_exponent - step_exponent).max(0) as usize;
        crate::number_format::trim_mantissa(format!("{value:.digits$e}"))
    }
}

/// `plot` with a log₁₀ y axis: its grid lines and labels are [`log_ticks`] of the shown range,
/// as many as fit the plot's height.
pub fn with_log_y_ticks(plot: Plot<'_>) -> Plot<'_> {
    with_log_ticks(plot, Axis::Y)
}

/// `plot` with log₁₀ ticks on the x axis, as [`with_log_y_ticks`] puts them on y.
pub fn with_log_x_ticks(plot: Plot<'_>) -> Plot<'_> {
    with_log_ticks(plot, Axis::X)
}

/// Which axis of a plot.
#[derive(Clone, Copy)]
enum Axis {
    X,
    Y,
}

fn with_log_ticks(plot: Plot<'_>, axis: Axis) -> Plot<'_> {
    // The spacer runs before the formatter each frame, on the same range: it leaves its ticks
    // for the formatter to name.
    let shared: Rc<RefCell<Vec<LogTick>>> = Rc::default();
    let for_labels = Rc::clone(&shared);
    let spacer = move |input: GridInput| {
        let ticks = log_ticks(input.bounds.0, input.bounds.1, fitting_count(&input));
        let step_size = smallest_gap(&ticks);
        let marks = ticks
            .iter()
            .map(|tick| GridMark {
                value: tick.position,
                step_size,
            })
            .collect();
        *shared.borrow_mut() = ticks;
        marks
    };
    let formatter = move |mark: GridMark, _range: &std::ops::RangeInclusive<f64>| {
        for_labels
            .borrow()
            .iter()
            .find(|tick| (tick.position - mark.value).abs() < 1e-9)
            .map(|tick| tick.label.clone())
            .unwrap_or_default()
    };
    match axis {
        Axis::X => plot.x_grid_spacer(spacer).x_axis_formatter(formatter),
        Axis::Y => plot.y_grid_spacer(spacer).y_axis_formatter(formatter),
    }
}

/// How many ticks the axis has room for.
fn fitting_count(input: &GridInput) -> usize {
    let span = input.bounds.1 - input.bounds.0;
    let points = span / input.base_step_size.max(f64::MIN_POSITIVE) * GRID_SPACING_MIN;
    ((points / POINTS_PER_TICK).floor() as usize).clamp(2, MAX_LOG_TICKS)
}

/// The closest two ticks' distance (egui_plot fades a label by it), 1 for fewer than two.
fn smallest_gap(ticks: &[LogTick]) -> f64 {
    let gap = ticks
        .windows(2)
        .map(|pair| pair[1].position - pair[0].position)
        .fold(f64::INFINITY, f64::min);
    if gap.is_finite() { gap } else { 1.0 }
}

/// Horizontal room an x tick label needs, in points: egui_plot hides x labels closer than 60 and
/// fades them in up to 80.
const POINTS_PER_X_LABEL: f64 = 80.0;

/// The step between labelled ticks of a linear axis: the smallest 1, 2 or 5 × 10ᵏ that is at
/// least `min_step` (1 for a step that is not a positive number).
pub fn nice_step(min_step: f64) -> f64 {
    if !(min_step.is_finite() && min_step > 0.0) {
        return 1.0;
    }
    let decade = 10f64.powf(min_step.log10().floor());
    [1.0, 2.0, 5.0]
        .into_iter()
        .map(|mantissa| mantissa * decade)
        .find(|step| *step >= min_step * (1.0 - 1e-12))
        .unwrap_or(10.0 * decade)
}

/// The three grid steps of a linear x axis: fine lines, labelled ticks (a 1-2-5 step at least
/// [`POINTS_PER_X_LABEL`] apart) and thick lines ten labels apart.
pub fn linear_x_steps(input: &GridInput) -> [f64; 3] {
    let points_per_unit = GRID_SPACING_MIN / input.base_step_size.max(f64::MIN_POSITIVE);
    let labelled = nice_step(POINTS_PER_X_LABEL / points_per_unit);
    let mantissa = (labelled / 10f64.powf(labelled.log10().floor())).round();
    let fine = if mantissa == 2.0 {
        labelled / 4.0
    } else {
        labelled / 5.0
    };
    [fine, labelled, 10.0 * labelled]
}

/// `plot` with its x axis ticked at 1, 2 or 5 × 10ᵏ, labelled as densely as labels fit. egui_plot's
/// own spacer labels only powers of ten, so a plot of 1,200 steps narrower than about 600 points
/// named only 0 and 1000.
pub fn with_linear_x_ticks(plot: Plot<'_>) -> Plot<'_> {
    plot.x_grid_spacer(egui_plot::uniform_grid_spacer(|input| {
        linear_x_steps(&input)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_ranges_tick_whole_decades() {
        let labels: Vec<String> = log_ticks(-12.3, 0.4, 6)
            .into_iter()
            .map(|t| t.label)
            .collect();
        assert_eq!(labels, ["1e-10", "1e-5", "1"]);
    }

    #[test]
    fn a_short_axis_over_many_decades_keeps_two_labels() {
        // 53 decades with room for two ticks: every 20 decades gives three, every 50 only one.
        let ticks = log_ticks(-45.0, 8.0, 2);
        let labels: Vec<&str> = ticks.iter().map(|tick| tick.label.as_str()).collect();
        assert_eq!(labels, ["1e-40", "1"]);
    }

    #[test]
    fn a_tick_at_zero_is_labelled_0() {
        assert_eq!(value_label(0.0, 1e-7), "0");
        assert_eq!(value_label(0.0, 0.5), "0");
    }

    #[test]
    fn narrow_ranges_tick_values() {
        let labels: Vec<String> = log_ticks(0.5f64.log10(), 0.53f64.log10(), 6)
            .into_iter()
            .map(|t| t.label)
            .collect();
        assert_eq!(labels, ["0.50", "0.52"]);
    }

    #[test]
    fn nice_steps_are_one_two_or_five_times_a_power_of_ten_and_no_smaller() {
        for (min_step, step) in [
            (1.0, 1.0),
            (1.1, 2.0),
            (2.0, 2.0),
            (2.5, 5.0),
            (7.0, 10.0),
            (130.0, 200.0),
            (0.003, 0.005),
            (0.0, 1.0),
            (f64::NAN, 1.0),
        ] {
            assert_eq!(nice_step(min_step), step, "{min_step}");
        }
    }

    #[test]
    fn labelled_x_steps_sit_at_least_a_label_apart_and_no_more_than_two_and_a_half() {
        // 1,250 steps over 390 points: egui_plot labelled only 0 and 1000.
        let points = 390.0;
        let input = GridInput {
            bounds: (0.0, 1250.0),
            base_step_size: 1250.0 / points * GRID_SPACING_MIN,
        };
        let [fine, labelled, thick] = linear_x_steps(&input);
        assert_eq!(labelled, 500.0);
        assert_eq!((fine, thick), (100.0, 5000.0));
        let spacing = labelled / 1250.0 * points;
        assert!((POINTS_PER_X_LABEL..2.5 * POINTS_PER_X_LABEL).contains(&spacing));
        let [fine, labelled, _] = linear_x_steps(&GridInput {
            bounds: (0.0, 200.0),
            base_step_size: 200.0 / 540.0 * GRID_SPACING_MIN,
        });
        assert_eq!((fine, labelled), (10.0, 50.0));
    }
}
