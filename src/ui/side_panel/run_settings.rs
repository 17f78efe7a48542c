//! One run's settings in the side panel: label, colour, optimizer, hyperparameters, gradient
//! noise and clipping, storage precision, its status, and duplicating or removing it.

use crate::app::AppState;
use crate::engine::RunStatus;
use crate::optim::OptimizerConfig;
use crate::precision::{Compensation, Format, Precision, Rounded, Rounding};
use crate::scenario::RunConfig;
use crate::ui::format_number;
use crate::ui::hinted_button;

/// The settings of run `index` (whose configuration is `config`), applied as an edit when changed.
pub(super) fn run_settings_ui(
    state: &mut AppState,
    index: usize,
    mut config: RunConfig,
    ui: &mut egui::Ui,
) {
    let mut changed = label_and_colour_ui(&mut config, index, ui);
    changed |= optimizer_choice_ui(&mut config, index, ui);
    ui.push_id(("hypers", index), |ui| {
        changed |= crate::ui::hyper::hypers_ui(&mut config.optimizer, ui);
    });
    egui::CollapsingHeader::new("Noise, batches, clipping")
        .id_salt(("extras", index))
        .show(ui, |ui| {
            egui::Grid::new(("extras_grid", index)).show(ui, |ui| {
                changed |= gradient_extras_ui(&mut config, index, ui);
            });
        });
    run_status_ui(state, index, ui);
    let mut removed = false;
    ui.horizontal(|ui| {
        if hinted_button(ui, "Duplicate", "Add a copy of this run") {
            let mut copy = config.clone();
            copy.label = format!("{} copy", config.label);
            copy.colour = None;
            state.add_run(copy);
        }
        if hinted_button(ui, "Remove", "Delete this run") {
            state.remove_run(index);
            removed = true;
        }
    });
    if changed && !removed {
        state.edit_run(index, config);
    }
}

/// The run's label and colour; true when either changed.
fn label_and_colour_ui(config: &mut RunConfig, index: usize, ui: &mut egui::Ui) -> bool {
    let mut changed = false;
    ui.horizontal(|ui| {
        let label = ui.label("Label");
        changed |= ui
            .text_edit_singleline(&mut config.label)
            .labelled_by(label.id)
            .changed();
    });
    ui.horizontal(|ui| {
        ui.label("Colour");
        let mut rgb = crate::ui::run_colour(config, index, ui.visuals().dark_mode).to_array();
        let mut srgb = [rgb[0], rgb[1], rgb[2]];
        if ui.color_edit_button_srgb(&mut srgb).changed() {
            rgb[..3].copy_from_slice(&srgb);
            config.colour = Some(srgb);
            changed = true;
        }
    });
    changed
}

/// The optimizer picker (the catalog, each with its description); true when another was chosen.
fn optimizer_choice_ui(config: &mut RunConfig, index: usize, ui: &mut egui::Ui) -> bool {
    let mut changed = false;
    ui.horizontal(|ui| {
        let label = ui.label("Optimizer");
        egui::ComboBox::from_id_salt(("optimizer", index))
            .selected_text(config.optimizer.display_name())
            .show_ui(ui, |ui| {
                for candidate in OptimizerConfig::catalog() {
                    let same = candidate.name() == config.optimizer.name();
                    if ui
                        .selectable_label(same, candidate.display_name())
                        .on_hover_text(candidate.description())
                        .clicked()
                        && !same
                    {
                        config.optimizer = candidate;
                        changed = true;
                    }
                }
            })
            .response
            .labelled_by(label.id);
    });
    changed
}

/// The rows of "Noise, batches, clipping": gradient noise, seed, clipping and precision; true when
/// any changed.
fn gradient_extras_ui(config: &mut RunConfig, index: usize, ui: &mut egui::Ui) -> bool {
    let mut changed = false;
    ui.label("noise_sigma")
        .on_hover_text("Gaussian noise added to each gradient coordinate");
    changed |= ui
        .add(
            egui::DragValue::new(&mut config.noise_sigma)
                .range(0.0..=100.0)
                .speed(0.01),
        )
        .changed();
    ui.end_row();
    ui.label("seed")
        .on_hover_text("Seed of this run's minibatches and noise");
    changed |= ui.add(egui::DragValue::new(&mut config.seed)).changed();
    ui.end_row();
    ui.label("clip")
        .on_hover_text("Rescale gradients longer than this norm (0 = off)");
    let mut clip = config.clip.unwrap_or(0.0);
    if ui
        .add(egui::DragValue::new(&mut clip).range(0.0..=1e6).speed(0.01))
        .changed()
    {
        config.clip = (clip > 0.0).then_some(clip);
        changed = true;
    }
    ui.end_row();
    ui.label("clip_value")
        .on_hover_text("Clamp each gradient coordinate to ±this value (0 = off)");
    let mut clip_value = config.clip_value.unwrap_or(0.0);
    if ui
        .add(
            egui::DragValue::new(&mut clip_value)
                .range(0.0..=1e6)
                .speed(0.01),
        )
        .changed()
    {
        config.clip_value = (clip_value > 0.0).then_some(clip_value);
        changed = true;
    }
    ui.end_row();
    let workers = config.optimizer.simulates_workers();
    changed |= precision_ui(&mut config.precision, workers, index, ui);
    changed
}

/// Why the run diverged, if it did, and where it is now.
fn run_status_ui(state: &AppState, index: usize, ui: &mut egui::Ui) {
    if let Some(run) = state.runs.get(index)
        && let RunStatus::Diverged { reason, .. } = &run.trace.status
    {
        ui.colored_label(ui.visuals().error_fg_color, format!("Diverged: {reason}"));
    }
    if let Some(latest) = state.runs.get(index).and_then(|run| run.trace.latest()) {
        ui.weak(format!(
            "step {} · loss {} · ‖∇f‖ {}",
            latest.step,
            format_number(latest.loss),
            format_number(latest.grad_norm)
        ));
    }
}

/// The run's storage precision: f64 (none), or an iterate rounded to a narrow format after every
/// step, with its rounding and compensation. Returns whether it changed.
/// `workers`: the run's method keeps its own worker iterates, so only a master copy can apply.
fn precision_ui(
    precision: &mut Option<Precision>,
    workers: bool,
    index: usize,
    ui: &mut egui::Ui,
) -> bool {
    let before = *precision;
    let label = ui
        .label("precision")
        .on_hover_text("Store the iterate in a narrow float format after every step; updates smaller than half a unit in the last place are lost unless rounding is stochastic or Kahan-compensated");
    ui.horizontal(|ui| {
        let selected = precision.map_or("f64", |p| p.format.name());
        egui::ComboBox::from_id_salt(("precision_format", index))
            .selected_text(selected)
            .show_ui(ui, |ui| {
                ui.selectable_value(precision, None, "f64");
                for format in Format::ALL {
                    let mut setting = Precision {
                        format,
                        ..precision.unwrap_or_default()
                    };
                    setting.master_copy |= workers;
                    let chosen = Some(setting);
                    ui.selectable_value(precision, chosen, format.name());
                }
            })
            .response
            .labelled_by(label.id);
        if let Some(setting) = precision.as_mut() {
            ui.add_enabled(
                !workers,
                egui::Checkbox::new(&mut setting.master_copy, "f64 master"),
            )
            .on_hover_text("Keep the iterate in f64 and evaluate gradients at its copy in the format, as mixed-precision training does: no update is lost")
            .on_disabled_hover_text("Simulated workers keep their own iterates: only their evaluations can be rounded, through an f64 master");
            if setting.master_copy {
                return;
            }
            egui::ComboBox::from_id_salt(("precision_rounded", index))
                .selected_text(match setting.rounded {
                    Rounded::Iterate => "iterate",
                    Rounded::Update => "update",
                    Rounded::IterateAndUpdate => "both",
                })
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut setting.rounded, Rounded::Iterate, "iterate")
                        .on_hover_text("x ← fl(x + Δ): the stored iterate is rounded");
                    ui.selectable_value(&mut setting.rounded, Rounded::Update, "update")
                        .on_hover_text("x ← x + fl(Δ): only the update is rounded, the iterate stays f64");
                    ui.selectable_value(&mut setting.rounded, Rounded::IterateAndUpdate, "both")
                        .on_hover_text("x ← fl(x + fl(Δ))");
                })
                .response
                .on_hover_text("What is rounded to the format after every step");
            switch_ui(
                ui,
                &mut setting.rounding,
                [Rounding::Nearest, Rounding::Stochastic],
                ("stochastic", "Round up or down at random, in proportion to the distance: unbiased on average"),
            );
            switch_ui(
                ui,
                &mut setting.compensation,
                [Compensation::None, Compensation::Kahan],
                ("Kahan", "Carry each addition's rounding error into the next update"),
            );
        }
    });
    ui.end_row();
    *precision != before
}

/// A checkbox `label` (with `hint` on hover) that switches `value` between `[off, on]`: ticked
/// when `value` is `on`.
fn switch_ui<T: PartialEq>(
    ui: &mut egui::Ui,
    value: &mut T,
    [off, on]: [T; 2],
    (label, hint): (&str, &str),
) {
    let mut ticked = *value == on;
    if ui
        .checkbox(&mut ticked, label)
        .on_hover_text(hint)
        .changed()
    {
        *value = if ticked { on } else { off };
    }
}
