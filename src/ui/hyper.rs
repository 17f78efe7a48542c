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
                if let Some(value) = hyper_ui(&hyper, ui) {
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

/// One widget; returns the new value when the user changed it.
fn hyper_ui(hyper: &Hyper, ui: &mut egui::Ui) -> Option<HyperValue> {
    match hyper.value {
        HyperValue::Float(mut value) => {
            let (low, high) = hyper.slider_range;
            let mut slider = egui::Slider::new(&mut value, low..=high)
                .clamping(egui::SliderClamping::Never)
                .custom_formatter(|v, _| super::format_number(v));
            if hyper.log_scale {
                slider = slider.logarithmic(true).smallest_positive(low.max(1e-12));
            }
            let response = ui.add(slider).on_hover_text(hyper.help);
            (response.changed() && value.is_finite()).then_some(HyperValue::Float(value))
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
