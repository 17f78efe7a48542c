//! The basin map over the landscape view: one optimizer configuration run from every start of a
//! grid, each start coloured by where it ended (which minimum, a saddle or maximum, divergence), by
//! the log loss it reached, or by the steps it needed.
//!
//! The map is computed as a background [`Job`], with progress and a cancel button, and is kept
//! until the landscape, the window or the configuration change; it is drawn under the paths.

use std::time::Duration;

use egui::Color32;
use egui_plot::PlotUi;

use crate::analysis::basin::{self, BasinMap, BasinRequest, Outcome};
use crate::analysis::contour::Colormap;
use crate::app::AppState;
use crate::engine::{Job, JobState};
use crate::landscape::ViewWindow;
use crate::ui::hinted_button;
use crate::ui::study_controls::{JobClick, job_controls_ui};

use super::palette::scenario_run_colour;
use super::plot_image::image_over;

/// How often a running job's progress is redrawn while it works on a thread.
const PROGRESS_INTERVAL: Duration = Duration::from_millis(100);

/// Starts per side the picker offers.
const RESOLUTIONS: [usize; 3] = [128, 256, 512];

/// What a basin map's colours say.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum BasinColouring {
    /// Which minimum (or other outcome) each start reached.
    #[default]
    Outcome,
    /// log₁₀ of the loss reached.
    Loss,
    /// Steps until the gradient norm fell below the tolerance.
    Steps,
}

/// The basin map's settings and results between frames.
pub struct BasinState {
    /// Draw the map under the paths.
    pub show: bool,
    /// Starts per side.
    pub resolution: usize,
    /// Steps from every start.
    pub steps: u64,
    /// How the map is coloured.
    pub colouring: BasinColouring,
    map: Option<(BasinMap, egui::TextureHandle, BasinColouring)>,
    job: Option<Job<BasinMap>>,
    /// The label of the run the map was computed for.
    label: String,
    /// Compute as soon as the view is known (a lesson that opens with a map).
    pending: bool,
}

impl Default for BasinState {
    fn default() -> Self {
        Self {
            show: false,
            resolution: 256,
            steps: 200,
            colouring: BasinColouring::Outcome,
            map: None,
            job: None,
            label: String::new(),
            pending: false,
        }
    }
}

impl BasinState {
    /// Drops the map (a new landscape): it belonged to the old one.
    pub fn invalidate(&mut self) {
        // Dropping the job cancels it.
        self.job = None;
        self.map = None;
    }

    /// Takes a lesson's basin settings: shows the map and computes it on the next frame.
    pub fn request(&mut self, settings: &crate::scenario::BasinSettings) {
        self.show = true;
        self.resolution = settings.resolution;
        self.steps = settings.steps;
        self.pending = true;
    }

    /// The finished map, if one is held.
    pub fn map(&self) -> Option<&BasinMap> {
        self.map.as_ref().map(|(map, _, _)| map)
    }

    /// Whether a finished map is held.
    pub fn has_map(&self) -> bool {
        self.map.is_some()
    }

    /// Whether a map is being computed.
    pub fn is_computing(&self) -> bool {
        self.job.is_some()
    }
}

/// The row of basin-map controls above the landscape.
/// `window_shown` says whether `window` is what the plot showed (from the second frame on): a
/// lesson's map waits for it, so that it covers the whole canvas.
pub fn basin_controls_ui(
    state: &mut AppState,
    window: ViewWindow,
    window_shown: bool,
    ui: &mut egui::Ui,
) {
    collect(state, ui.ctx());
    if state.views.basin.pending && window_shown {
        state.views.basin.pending = false;
        start(state, window);
    } else if state.views.basin.pending {
        ui.ctx().request_repaint();
    }
    // Wraps on narrow windows rather than pushing Compute off the edge.
    ui.horizontal_wrapped(|ui| {
        let windows = [
            (
                "Sweep…",
                "A heatmap of the loss reached over two of the selected run's hyperparameters, with theory's stability boundary",
                &mut state.views.sweep.open,
            ),
            (
                "Tune…",
                "Search every run's lr at the same evaluation budget and plot each run's loss against its lr",
                &mut state.views.tune.open,
            ),
            (
                "Step by step…",
                "Take one step at a time and see each quantity of the update rule, with arrows for the gradient, momentum and preconditioned step",
                &mut state.views.step.open,
            ),
        ];
        for (label, hint, open) in windows {
            if hinted_button(ui, label, hint) {
                *open = true;
            }
        }
        if state.landscape.as_ref().is_some_and(|l| l.num_samples() > 1)
            && ui
                .button("Linear stability…")
                .on_hover_text("The finite sum's minima by sharpness and non-uniformity, with the region where the selected run's SGD can stay (Wu, Ma & E 2018)")
                .clicked()
        {
            state.views.stability.open = true;
        }
        ui.checkbox(&mut state.views.surface.show, "3D surface")
            .on_hover_text("The landscape over the same window as a shaded surface with the paths on it; drag to turn");
        ui.separator();
        ui.checkbox(&mut state.views.basin.show, "Basin map")
            .on_hover_text("Run the selected run's optimizer from every point of a grid over the view and colour each start by where it ends");
        if !state.views.basin.show {
            return;
        }
        basin_settings_ui(state, window, ui);
    });
    if state.views.basin.show
        && let Some((map, _, _)) = &state.views.basin.map
    {
        legend_ui(state, map, ui);
    }
}

/// The basin map's settings (starts, steps, colouring) and its Compute / progress / Cancel.
fn basin_settings_ui(state: &mut AppState, window: ViewWindow, ui: &mut egui::Ui) {
    let run_label = state
        .scenario
        .runs
        .get(state.selected_run)
        .map(|run| run.label.clone())
        .unwrap_or_default();
    ui.colored_label(selected_colour(state), format!("for {run_label}"))
        .on_hover_text("The run selected in the side panel");
    let label = ui.label("starts");
    egui::ComboBox::from_id_salt("basin_resolution")
        .selected_text(format!("{0}²", state.views.basin.resolution))
        .show_ui(ui, |ui| {
            for resolution in RESOLUTIONS {
                ui.selectable_value(
                    &mut state.views.basin.resolution,
                    resolution,
                    format!("{resolution}²"),
                );
            }
        })
        .response
        .labelled_by(label.id);
    let label = ui.label("steps");
    ui.add(
        egui::DragValue::new(&mut state.views.basin.steps)
            .range(1..=100_000)
            .speed(5.0),
    )
    .labelled_by(label.id);
    let label = ui.label("colour by");
    egui::ComboBox::from_id_salt("basin_colouring")
        .selected_text(colouring_name(state.views.basin.colouring))
        .show_ui(ui, |ui| {
            for colouring in [
                BasinColouring::Outcome,
                BasinColouring::Loss,
                BasinColouring::Steps,
            ] {
                ui.selectable_value(
                    &mut state.views.basin.colouring,
                    colouring,
                    colouring_name(colouring),
                );
            }
        })
        .response
        .labelled_by(label.id);
    let progress = state.views.basin.job.as_ref().map(|job| job.fraction());
    let hint = "Compute the map for the selected run's optimizer over the current view";
    match job_controls_ui(ui, progress, 120.0, ("Compute", Some(hint))) {
        JobClick::Start => start(state, window),
        JobClick::Cancel => state.views.basin.invalidate(),
        JobClick::Nothing => {}
    }
}

fn colouring_name(colouring: BasinColouring) -> &'static str {
    match colouring {
        BasinColouring::Outcome => "outcome",
        BasinColouring::Loss => "loss reached",
        BasinColouring::Steps => "steps to tolerance",
    }
}

/// The colour of each outcome: minima in the basin palette's order, the rest in neutral tones.
fn outcome_colour(outcome: &Outcome) -> Color32 {
    match outcome {
        // Pale tones of their own, so a basin is never mistaken for a run drawn over it.
        Outcome::Minimum(index) => super::palette::basin_colour(*index),
        Outcome::MinimizerSet => Color32::from_rgb(40, 160, 90),
        Outcome::OtherMinimum => Color32::from_rgb(200, 170, 60),
        Outcome::Failed => Color32::from_rgb(200, 90, 0),
        Outcome::Saddle => Color32::from_rgb(150, 150, 150),
        Outcome::Maximum => Color32::from_rgb(110, 60, 150),
        Outcome::Diverged => Color32::from_rgb(120, 0, 20),
        Outcome::NotConverged => Color32::from_rgb(235, 235, 235),
    }
}

/// A square of the outcome's colour, then its name in the text colour (pale basin tones would
/// be unreadable as text on the light theme).
fn swatch_label_ui(ui: &mut egui::Ui, colour: Color32, text: String) {
    ui.spacing_mut().item_spacing.x = 3.0;
    ui.colored_label(colour, "■");
    ui.label(text);
    ui.add_space(6.0);
}

fn legend_ui(state: &AppState, map: &BasinMap, ui: &mut egui::Ui) {
    let total = map.outcomes.len().max(1) as f64;
    let share = |predicate: &dyn Fn(&Outcome) -> bool| {
        100.0 * map.outcomes.iter().filter(|o| predicate(o)).count() as f64 / total
    };
    ui.horizontal_wrapped(|ui| {
        ui.weak(format!("{}:", state.views.basin.label));
        let minima = map
            .outcomes
            .iter()
            .filter_map(|o| match o {
                Outcome::Minimum(index) => Some(*index),
                _ => None,
            })
            .max()
            .map_or(0, |m| m + 1);
        for index in 0..minima {
            let percent = share(&|o| matches!(o, Outcome::Minimum(i) if *i == index));
            swatch_label_ui(
                ui,
                outcome_colour(&Outcome::Minimum(index)),
                format!("minimum {} {percent:.0} %", index + 1),
            );
        }
        for (outcome, name) in [
            (Outcome::MinimizerSet, "minimizer set"),
            (Outcome::OtherMinimum, "other local minimum"),
            (Outcome::Saddle, "saddle"),
            (Outcome::Maximum, "maximum"),
            (Outcome::Diverged, "diverged"),
            (Outcome::NotConverged, "not converged"),
            (Outcome::Failed, "method failed"),
        ] {
            let percent = share(&|o| std::mem::discriminant(o) == std::mem::discriminant(&outcome));
            if percent > 0.0 {
                swatch_label_ui(
                    ui,
                    outcome_colour(&outcome),
                    format!("{name} {percent:.0} %"),
                );
            }
        }
    });
}

/// Starts computing the map for the selected run's optimizer over `window`.
fn start(state: &mut AppState, window: ViewWindow) {
    let Some(landscape) = state.landscape.clone() else {
        return;
    };
    let Some(run) = state.scenario.runs.get(state.selected_run) else {
        return;
    };
    state.views.basin.invalidate();
    state.views.basin.label = format!(
        "{} from {}² starts, {} steps",
        run.label, state.views.basin.resolution, state.views.basin.steps
    );
    let request = BasinRequest {
        window,
        resolution: state.views.basin.resolution,
        steps: state.views.basin.steps,
        optimizer: run.optimizer.clone(),
        tolerance: if state.scenario.tolerance > 0.0 {
            state.scenario.tolerance
        } else {
            1e-6
        },
    };
    let pieces = basin::BasinPieces::new(landscape, request);
    state.views.basin.job = Some(Job::start_pieces(&state.jobs, "the basin map", pieces));
}

/// Takes a finished map, and recolours the held one when the colouring changed.
fn collect(state: &mut AppState, ctx: &egui::Context) {
    if let Some(job) = &mut state.views.basin.job {
        match job.poll() {
            JobState::Finished(map) => {
                let image = basin_image(&map, state.views.basin.colouring);
                let texture = ctx.load_texture("basin_map", image, egui::TextureOptions::NEAREST);
                state.views.basin.map = Some((map, texture, state.views.basin.colouring));
                state.views.basin.job = None;
            }
            JobState::Failed(message) => {
                state.views.basin.job = None;
                state.error(message);
            }
            JobState::Gone => state.views.basin.job = None,
            JobState::Running { .. } => {
                if let Some(after) = state.jobs.next_poll(Some(PROGRESS_INTERVAL)) {
                    ctx.request_repaint_after(after);
                }
            }
        }
    }
    let colouring = state.views.basin.colouring;
    if let Some((map, texture, drawn)) = &mut state.views.basin.map
        && *drawn != colouring
    {
        texture.set(basin_image(map, colouring), egui::TextureOptions::NEAREST);
        *drawn = colouring;
    }
}

/// The map as an image: row 0 of the image is the top of the window (largest y).
fn basin_image(map: &BasinMap, colouring: BasinColouring) -> egui::ColorImage {
    let n = map.request.resolution;
    let scale = |values: &mut dyn Iterator<Item = f64>| {
        values
            .filter(|v| v.is_finite())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                (lo.min(v), hi.max(v))
            })
    };
    // A NaN loss stays NaN (drawn as the scale's low end) rather than stretching the scale.
    let log_loss = |i: usize| {
        let loss = map.final_loss[i].abs();
        if loss.is_nan() {
            f64::NAN
        } else {
            loss.max(1e-300).log10()
        }
    };
    let (loss_low, loss_high) = scale(&mut (0..n * n).map(log_loss));
    let steps = |i: usize| map.steps_to_tolerance[i].map(f64::from);
    let (_, steps_high) = scale(&mut (0..n * n).filter_map(steps));
    let mut pixels = Vec::with_capacity(n * n);
    for image_row in 0..n {
        let row = n - 1 - image_row;
        for col in 0..n {
            let i = row * n + col;
            let colour = match colouring {
                BasinColouring::Outcome => outcome_colour(&map.outcomes[i]),
                BasinColouring::Loss => {
                    let t = (log_loss(i) - loss_low) / (loss_high - loss_low).max(1e-12);
                    let [r, g, b] = Colormap::Magma.rgb(t);
                    Color32::from_rgb(r, g, b)
                }
                BasinColouring::Steps => match steps(i) {
                    Some(s) => {
                        let [r, g, b] = Colormap::Viridis.rgb(s / steps_high.max(1.0));
                        Color32::from_rgb(r, g, b)
                    }
                    None => Color32::from_rgb(235, 235, 235),
                },
            };
            pixels.push(colour.gamma_multiply(0.85));
        }
    }
    egui::ColorImage::new([n, n], pixels)
}

/// Draws the held map in the landscape plot (under the paths, over the contours).
pub fn draw_basin(state: &AppState, plot_ui: &mut PlotUi<'_>) {
    if !state.views.basin.show {
        return;
    }
    let Some((map, texture, _)) = &state.views.basin.map else {
        return;
    };
    let window = &map.request.window;
    let bounds = [window.x_min, window.y_min, window.x_max, window.y_max];
    plot_ui.image(image_over("basin map", texture.id(), bounds));
}

/// The colour of the run the map follows (for the controls' label).
fn selected_colour(state: &AppState) -> Color32 {
    scenario_run_colour(state, state.selected_run, Color32::GRAY)
}
