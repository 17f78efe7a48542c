//! The Tune window: every run's lr searched at an equal evaluation budget
//! (`analysis::study::tune`), shown as a sensitivity plot — each run's criterion against its lr,
//! both on log axes, the best trial marked and the good range (within the settings' factor of the
//! best) drawn as a bar whose width in decades can be read off the lr axis — with buttons that add
//! the tuned runs or put them in place of the runs.
//!
//! The study runs as a background [`Job`] in pieces (a trial each); the window shows progress and
//! can cancel it.

use std::time::Duration;

use egui_plot::{Line, MarkerShape, Plot, PlotPoints, Points};

use crate::analysis::study::tune::{TunePieces, TuneRequest, Tuning};
use crate::app::AppState;
use crate::engine::Job;
use crate::optim::HyperValue;
use crate::scenario::{Axis, Criterion, RunConfig, TuneSettings};
use crate::ui::hinted_button;
use crate::ui::job_poll::take_finished;
use crate::ui::study_controls::{JobClick, corner_window, job_controls_ui};

use super::log_axis::{with_log_x_ticks, with_log_y_ticks};
use super::{format_number, run_colour};

/// How often a running study's progress is redrawn while it works on a thread.
const PROGRESS_INTERVAL: Duration = Duration::from_millis(100);

/// The Tune window's state between frames.
#[derive(Default)]
pub struct TuneState {
    /// Whether the window is open.
    pub open: bool,
    /// The settings being edited.
    pub settings: TuneSettings,
    job: Option<Job<Tuning>>,
    /// The settings the job or the result was computed with.
    computed_with: Option<TuneSettings>,
    result: Option<Tuning>,
    error: Option<String>,
    /// Compute when the window next draws (a lesson with `tune:`).
    pending: bool,
}

impl TuneState {
    /// Opens the window with a lesson's settings and computes at once.
    pub fn request(&mut self, settings: &TuneSettings) {
        self.settings = settings.clone();
        self.open = true;
        self.result = None;
        self.error = None;
        self.pending = true;
    }

    /// Forgets results that belonged to the previous problem (dropping the job cancels it).
    pub fn invalidate(&mut self) {
        self.job = None;
        self.result = None;
    }

    /// The finished study, if one is shown.
    pub fn tuning(&self) -> Option<&Tuning> {
        self.result.as_ref()
    }

    /// The finished study when it is the lesson's: computed with the lesson's `tune:` settings on
    /// the runs as they are now, so the worksheet's `Tuned` claims can be read on it live.
    pub fn lesson_tuning(
        &self,
        lesson: Option<&TuneSettings>,
        runs: &[RunConfig],
    ) -> Option<&Tuning> {
        let tuning = self.result.as_ref()?;
        let same_settings = lesson.is_some() && self.computed_with.as_ref() == lesson;
        (same_settings && tuning.runs == runs).then_some(tuning)
    }

    /// Whether a study is being computed.
    pub fn is_computing(&self) -> bool {
        self.job.is_some()
    }
}

/// Draws the Tune window when it is open.
pub fn tune_window_ui(state: &mut AppState, ctx: &egui::Context) {
    collect(state, ctx);
    if !state.views.tune.open {
        return;
    }
    if std::mem::take(&mut state.views.tune.pending) {
        start(state);
    }
    let mut open = true;
    corner_window("Tune learning rates", ctx, &mut open, [480.0, 420.0])
        .show(ctx, |ui| tune_contents_ui(state, ui));
    state.views.tune.open = open;
}

fn tune_contents_ui(state: &mut AppState, ui: &mut egui::Ui) {
    if state.scenario.runs.is_empty() {
        ui.label("Add a run first: the study tunes every run");
        return;
    }
    settings_ui(state, ui);
    ui.horizontal(|ui| {
        let progress = state.views.tune.job.as_ref().map(|job| job.fraction());
        let hint = "Try every run at each lr of the range with the same budget";
        match job_controls_ui(ui, progress, 160.0, ("Start tuning", Some(hint))) {
            JobClick::Start => start(state),
            JobClick::Cancel => state.views.tune.invalidate(),
            JobClick::Nothing => {}
        }
    });
    if let Some(error) = &state.views.tune.error {
        ui.colored_label(ui.visuals().error_fg_color, error);
    }
    result_ui(state, ui);
}

/// The study's settings: budget, search, seeds, criterion, a second hyperparameter.
fn settings_ui(state: &mut AppState, ui: &mut egui::Ui) {
    let steps = state.scenario.steps;
    let also_names = common_hypers(state);
    let settings = &mut state.views.tune.settings;
    ui.horizontal_wrapped(|ui| budget_row_ui(settings, steps, ui));
    ui.horizontal_wrapped(|ui| search_row_ui(settings, ui));
    ui.horizontal_wrapped(|ui| criterion_row_ui(settings, &also_names, ui));
}

/// The evaluation budget of every trial and the lr range searched.
fn budget_row_ui(settings: &mut TuneSettings, steps: u64, ui: &mut egui::Ui) {
    let mut budget = settings.budget_evals.unwrap_or(steps);
    let label = ui.label("budget");
    let response = ui
        .add(
            egui::DragValue::new(&mut budget)
                .range(1..=1_000_000)
                .suffix(" evaluations"),
        )
        .labelled_by(label.id)
        .on_hover_text("Every trial of every run may use this many oracle calls");
    if response.changed() {
        settings.budget_evals = Some(budget);
    }
    let label = ui.label("lr from");
    ui.add(
        egui::DragValue::new(&mut settings.lr_factors.0)
            .speed(0.01)
            .range(1e-6..=1.0)
            .suffix("×"),
    )
    .labelled_by(label.id);
    let label = ui.label("to");
    ui.add(
        egui::DragValue::new(&mut settings.lr_factors.1)
            .speed(1.0)
            .range(1.0..=1e6)
            .suffix("×"),
    )
    .labelled_by(label.id)
    .on_hover_text("The range searched, as factors of each run's own lr");
}

/// Grid or random search, its density, and the seeds each trial is averaged over.
fn search_row_ui(settings: &mut TuneSettings, ui: &mut egui::Ui) {
    let mut random = settings.trials.is_some();
    ui.radio_value(&mut random, false, "grid");
    ui.radio_value(&mut random, true, "random");
    match (random, settings.trials) {
        (true, None) => settings.trials = Some(40),
        (false, Some(_)) => settings.trials = None,
        _ => {}
    }
    match &mut settings.trials {
        Some(trials) => {
            let label = ui.label("trials");
            ui.add(egui::DragValue::new(trials).range(2..=1000))
                .labelled_by(label.id);
        }
        None => {
            let label = ui.label("points per decade");
            ui.add(egui::DragValue::new(&mut settings.per_decade).range(1..=100))
                .labelled_by(label.id);
        }
    }
    let mut seeds = settings.seeds.len();
    let label = ui.label("seeds");
    let response = ui
        .add(egui::DragValue::new(&mut seeds).range(1..=16))
        .labelled_by(label.id)
        .on_hover_text(
            "Runs with stochastic gradients are scored by the mean over this many seeds",
        );
    if response.changed() {
        settings.seeds = (0..seeds as u64).collect();
    }
}

/// The criterion and the optional second hyperparameter with its range.
fn criterion_row_ui(settings: &mut TuneSettings, also_names: &[String], ui: &mut egui::Ui) {
    let label = ui.label("criterion");
    egui::ComboBox::from_id_salt("tune_criterion")
        .selected_text(criterion_text(settings.criterion))
        .show_ui(ui, |ui| {
            for criterion in [Criterion::FinalLoss, Criterion::AreaUnderLoss] {
                ui.selectable_value(
                    &mut settings.criterion,
                    criterion,
                    criterion_text(criterion),
                );
            }
        })
        .response
        .labelled_by(label.id);
    let label = ui.label("also tune");
    let current = settings
        .also
        .as_ref()
        .map_or("nothing else".to_owned(), |a| a.name.clone());
    egui::ComboBox::from_id_salt("tune_also")
        .selected_text(current)
        .show_ui(ui, |ui| {
            if ui
                .selectable_label(settings.also.is_none(), "nothing else")
                .clicked()
            {
                settings.also = None;
            }
            for name in also_names {
                let chosen = settings.also.as_ref().is_some_and(|a| &a.name == name);
                if ui.selectable_label(chosen, name).clicked() {
                    settings.also = Some(Axis::linear(name, (0.0, 0.99), 5));
                }
            }
        })
        .response
        .labelled_by(label.id);
    if let Some(axis) = &mut settings.also {
        let from = ui.label("from");
        ui.add(egui::DragValue::new(&mut axis.range.0).speed(0.01))
            .labelled_by(from.id);
        let to = ui.label("to");
        ui.add(egui::DragValue::new(&mut axis.range.1).speed(0.01))
            .labelled_by(to.id);
        let count = ui.label("values");
        ui.add(egui::DragValue::new(&mut axis.count).range(1..=20))
            .labelled_by(count.id);
    }
}

fn criterion_text(criterion: Criterion) -> &'static str {
    match criterion {
        Criterion::FinalLoss => "final loss",
        Criterion::AreaUnderLoss => "mean loss over the steps",
    }
}

/// The real-valued hyperparameters every run has, but lr: the second hyperparameter's choices.
fn common_hypers(state: &AppState) -> Vec<String> {
    let names = |run: &crate::scenario::RunConfig| -> Vec<String> {
        (run.optimizer.hypers().into_iter())
            .filter(|h| matches!(h.value, HyperValue::Float(_)) && h.name != "lr")
            .map(|h| h.name.to_owned())
            .collect()
    };
    let mut runs = state.scenario.runs.iter();
    let Some(first) = runs.next() else {
        return Vec::new();
    };
    let mut common = names(first);
    for run in runs {
        let theirs = names(run);
        common.retain(|name| theirs.contains(name));
    }
    common
}

fn start(state: &mut AppState) {
    state.views.tune.invalidate();
    state.views.tune.error = None;
    let request = TuneRequest::new(&state.scenario, state.views.tune.settings.clone());
    if let Some(first) = request.validate().first() {
        state.views.tune.error = Some(first.clone());
        return;
    }
    state.views.tune.computed_with = Some(request.settings.clone());
    let pieces = TunePieces::new(request);
    state.views.tune.job = Some(Job::start_pieces(&state.jobs, "the tuning study", pieces));
}

/// Takes a finished study.
fn collect(state: &mut AppState, ctx: &egui::Context) {
    let slot = &mut state.views.tune.job;
    let Some(outcome) = take_finished(slot, &state.jobs, Some(PROGRESS_INTERVAL), ctx) else {
        return;
    };
    match outcome {
        Ok(tuning) => state.views.tune.result = Some(tuning),
        Err(message) => {
            state.views.tune.error = Some(message.clone());
            state.error(message);
        }
    }
}

/// The sensitivity plot, a line per run, and the buttons that use the tuned settings.
fn result_ui(state: &mut AppState, ui: &mut egui::Ui) {
    let Some(tuning) = state.views.tune.result.clone() else {
        ui.weak("Start tuning to see each run's criterion against its lr, with the range of good learning rates");
        return;
    };
    ui.horizontal_wrapped(|ui| {
        if hinted_button(
            ui,
            "Add tuned runs",
            "Add each run at its best lr, labelled \"… (tuned)\"",
        ) {
            add_tuned_runs(state, &tuning);
        }
        if hinted_button(ui, "Replace runs with tuned", "Set each run to its best lr") {
            replace_runs_with_tuned(state, &tuning);
        }
    });
    let dark = ui.visuals().dark_mode;
    // The plot first and at least half of the window: it is what a class reads from afar.
    sensitivity_plot_ui(&tuning, dark, ui);
    ui.weak(format!(
        "Diamond: each run's best trial; bar: the lrs around it within {}× of its best",
        tuning.good_factor
    ));
    for (index, run) in tuning.runs.iter().enumerate() {
        let colour = run_colour(run, index, dark);
        ui.colored_label(colour, run_summary(&tuning, index));
    }
}

/// "SGD: best lr 0.0032, final loss 0.1465; within 2× from 0.0032 to 0.0032 (0.0 decades);
/// diverges from lr 0.0063".
fn run_summary(tuning: &Tuning, run: usize) -> String {
    let label = tuning.runs.get(run).map_or("", |r| r.label.as_str());
    let Some(best) = tuning.best(run) else {
        return format!("{label}: every trial diverged");
    };
    let mut text = format!(
        "{label}: best lr {}, {} {}",
        format_number(best.lr),
        criterion_text(tuning.criterion),
        format_number(best.criterion)
    );
    if let (Some(name), Some(value)) = (&tuning.also_name, best.also) {
        text.push_str(&format!(" at {name} {}", format_number(value)));
    }
    if let Some((lo, hi)) = tuning.good_range(run) {
        text.push_str(&format!(
            "; within {}× from {} to {} ({:.1} decades)",
            tuning.good_factor,
            format_number(lo),
            format_number(hi),
            (hi / lo).log10()
        ));
    }
    let diverged = (tuning.run_trials(run))
        .find(|t| t.lr > best.lr && t.also == best.also && t.criterion == f64::INFINITY);
    if let Some(trial) = diverged {
        text.push_str(&format!("; diverges from lr {}", format_number(trial.lr)));
    }
    text
}

/// Each run's criterion against lr (log₁₀ both), at the best trial's value of the second
/// hyperparameter; the best marked; the good range as a bar at F × the best.
fn sensitivity_plot_ui(tuning: &Tuning, dark: bool, ui: &mut egui::Ui) {
    let factor = tuning.good_factor;
    let criterion = criterion_text(tuning.criterion);
    // Room below for the caption and one summary line per run.
    let summaries =
        (tuning.runs.len() + 1) as f32 * 2.2 * ui.text_style_height(&egui::TextStyle::Body);
    let height = (ui.available_height() - summaries)
        .max(0.5 * ui.available_height())
        .max(140.0);
    tuned_plot(Plot::new("tune_sensitivity"))
        .height(height)
        .x_axis_label("lr")
        .y_axis_label(criterion)
        .allow_drag(false)
        .allow_scroll(false)
        .show(ui, |plot_ui| {
            for (index, run) in tuning.runs.iter().enumerate() {
                let colour = run_colour(run, index, dark);
                let best = tuning.best(index);
                let points: Vec<[f64; 2]> = (tuning.run_trials(index))
                    .filter(|t| best.is_none_or(|b| t.also == b.also))
                    .filter(|t| t.criterion.is_finite() && t.criterion > 0.0)
                    .map(|t| [t.lr.log10(), t.criterion.log10()])
                    .collect();
                plot_ui.line(
                    Line::new(run.label.clone(), PlotPoints::new(points))
                        .color(colour)
                        .width(2.0),
                );
                let Some(best) = best.filter(|b| b.criterion > 0.0) else {
                    continue;
                };
                let at = [best.lr.log10(), best.criterion.log10()];
                plot_ui.points(
                    Points::new(format!("{} best", run.label), PlotPoints::new(vec![at]))
                        .shape(MarkerShape::Diamond)
                        .radius(7.0)
                        .filled(true)
                        .color(colour),
                );
                if let Some((lo, hi)) = tuning.good_range(index) {
                    let level = (factor * best.criterion).log10();
                    let bar = vec![[lo.log10(), level], [hi.log10(), level]];
                    let name = format!("within {factor}× of the best");
                    // End marks, so that a range of one grid point still shows.
                    plot_ui.points(
                        Points::new(name.clone(), PlotPoints::new(bar.clone()))
                            .shape(MarkerShape::Square)
                            .radius(4.0)
                            .filled(true)
                            .color(colour.gamma_multiply(0.6)),
                    );
                    plot_ui.line(
                        Line::new(name, PlotPoints::new(bar))
                            .color(colour.gamma_multiply(0.6))
                            .width(7.0),
                    );
                }
            }
        });
}

/// Log₁₀ ticks on both axes, labelled with the values themselves.
fn tuned_plot(plot: Plot<'_>) -> Plot<'_> {
    with_log_y_ticks(with_log_x_ticks(plot))
}

/// Adds each run at its best trial's settings, labelled "label (tuned)".
pub fn add_tuned_runs(state: &mut AppState, tuning: &Tuning) {
    for index in 0..tuning.runs.len() {
        if let Some(config) = tuning.tuned_config(index) {
            state.add_run(config);
        }
    }
}

/// Puts each run at its best trial's settings in its place, labelled "label (tuned)".
pub fn replace_runs_with_tuned(state: &mut AppState, tuning: &Tuning) {
    for index in 0..tuning.runs.len() {
        let unchanged = state.scenario.runs.get(index) == tuning.runs.get(index);
        if let (true, Some(config)) = (unchanged, tuning.tuned_config(index)) {
            state.edit_run(index, config);
        }
    }
    // The study's runs are gone: a new study starts from the tuned ones.
    state.views.tune.result = None;
}
