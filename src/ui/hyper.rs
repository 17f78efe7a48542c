//! Widgets generated from hyperparameter descriptors: a slider (logarithmic for step sizes) with a
//! typed value beside it, a checkbox, or a choice — no code per optimizer.

use crate::optim::{Hyper, HyperValue, OptimizerConfig};

/// Draws one widget per hyperparameter of `config`; returns `true` when one changed.
pub fn hypers_ui(config: &mut OptimizerConfig, ui: &mut egui::Ui) -> bool {
    let mut changed = false;
    egui::Grid::new("hypers")
        .num_columns(2)
        .spacing([8.0, 4.0])
        .show(ui, |ui| {
            for hyper in config.clone().hypers() {
                ui.label(hyper.name).on_hover_text(hyper.help);
                let widget = ui.horizontal(|ui| hyper_ui(&hyper, ui));
                if let Some(value) = widget.inner {
                    // The descriptor's own kind always fits; an error here would be a bug in the
                    // optimizer's descriptor table, so it is shown rather than ignored.
                    if let Err(error) = config.set_hyper(hyper.name, value) {
                        ui.colored_label(ui.visuals().error_fg_color, error.to_string());
                    } else {
                        changed = true;
                    }
                }
                ui.end_row();
            }
        });
    changed
}

/// Decades of a step size the log slider spans per point of its width: 20 points change a value by
/// a factor of 10^(20/150) ≈ 1.36, fine enough to tune lr near a stability threshold.
const POINTS_PER_DECADE: f64 = 150.0;

/// A positive scale (lr, eps…): a logarithmic slider over the decades around the value (fixed
/// while it is dragged, recentred after), and beside it the value as typed, kept exact.
/// Returns whether the value changed.
fn log_slider_ui(hyper: &Hyper, value: &mut f64, ui: &mut egui::Ui) -> bool {
    // Wide enough for fine steps: the window spans width / POINTS_PER_DECADE decades.
    let width = ui.spacing().slider_width.max(150.0);
    ui.spacing_mut().slider_width = width;
    let window_id = ui.scope_id().with((hyper.name, "log_window"));
    let (low, high) = hyper.slider_range;
    let window = ui
        .data(|data| data.get_temp::<(f64, f64)>(window_id))
        .unwrap_or_else(|| {
            let half = 10f64.powf(0.5 * f64::from(width) / POINTS_PER_DECADE);
            let floor = if low > 0.0 { low.min(*value) } else { 0.0 };
            let lo = (*value / half).max(floor);
            let hi = (*value * half).min(high.max(*value));
            (lo, hi.max(lo * 1.01))
        });
    let mut slid = *value;
    let response = ui
        .add(
            egui::Slider::new(&mut slid, window.0..=window.1)
                .logarithmic(true)
                .show_value(false),
        )
        .on_hover_text(format!(
            "{} (logarithmic; drag again past an end to go further)",
            hyper.help
        ));
    ui.data_mut(|data| {
        if response.dragged() {
            data.insert_temp(window_id, window);
        } else {
            data.remove::<(f64, f64)>(window_id);
        }
    });
    let mut changed = false;
    if response.changed() && slid > 0.0 {
        *value = slid;
        changed = true;
    }
    let speed = *value * 0.005;
    let typed = ui
        .add(
            egui::DragValue::new(value)
                .speed(speed)
                .custom_formatter(|v, _| exact_number(v)),
        )
        .on_hover_text(format!("{}: type a value (kept as typed)", hyper.name));
    changed || typed.changed()
}

/// A real number on a linear slider (and the log slider at zero, which has no decades to span).
fn linear_slider_ui(hyper: &Hyper, value: &mut f64, ui: &mut egui::Ui) -> bool {
    let (low, high) = hyper.slider_range;
    let mut slider = egui::Slider::new(value, low..=high)
        .clamping(egui::SliderClamping::Never)
        .custom_formatter(|v, _| exact_number(v));
    if hyper.log_scale {
        slider = slider.logarithmic(true).smallest_positive(low.max(1e-12));
    }
    ui.add(slider).on_hover_text(hyper.help).changed()
}

/// `value` in the fewest characters that read back as exactly it (0.02, 1e-8, 0.0123456789), so
/// that editing a field without typing leaves its value unchanged.
pub fn exact_number(value: f64) -> String {
    let plain = format!("{value}");
    let scientific = format!("{value:e}");
    if scientific.len() < plain.len() {
        scientific
    } else {
        plain
    }
}

/// One widget; returns the new value when the user changed it.
fn hyper_ui(hyper: &Hyper, ui: &mut egui::Ui) -> Option<HyperValue> {
    match hyper.value {
        HyperValue::Float(mut value) => {
            let changed = if hyper.log_scale && value > 0.0 {
                log_slider_ui(hyper, &mut value, ui)
            } else {
                linear_slider_ui(hyper, &mut value, ui)
            };
            (changed && value.is_finite()).then_some(HyperValue::Float(value))
        }
        HyperValue::Bool(mut value) => {
            let response = ui.checkbox(&mut value, "").on_hover_text(hyper.help);
            response.changed().then_some(HyperValue::Bool(value))
        }
        HyperValue::Int(mut value) => {
            let (low, high) = hyper.slider_range;
            let response = ui
                .add(
                    egui::Slider::new(&mut value, low as u64..=high as u64)
                        .clamping(egui::SliderClamping::Never),
                )
                .on_hover_text(hyper.help);
            response.changed().then_some(HyperValue::Int(value))
        }
        HyperValue::Choice(current) => {
            let mut chosen = None;
            egui::ComboBox::from_id_salt(hyper.name)
                .selected_text(current)
                .show_ui(ui, |ui| {
                    for option in hyper.choices {
                        if ui.selectable_label(*option == current, *option).clicked()
                            && *option != current
                        {
                            chosen = Some(HyperValue::Choice(option));
                        }
                    }
                })
                .response
                .on_hover_text(hyper.help);
            chosen
        }
    }
}
