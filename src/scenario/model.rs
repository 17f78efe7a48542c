//! The types a preset holds: the [`Scenario`], its [`Problem`] (declared from the network
//! registry), its runs, and the lesson's basin map and sweep settings with their axes.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::CURRENT_VERSION;
use super::claims::{Notice, Try};
use crate::hyper::{Hyper, Hypers};
use crate::landscape::{Landscape, LandscapeConfig, Transform, ViewWindow};
use crate::network::{Network, NetworkSpec};
use crate::optim::{HyperError, HyperValue, OptimizerConfig};
use crate::precision::{GradientPrecision, Precision};
use crate::schedule::Schedule;
use crate::validate::Checker;

/// A comparison scenario: one problem, several optimizer runs on it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Scenario {
    /// Format version of the file.
    pub version: u32,
    /// Title shown in the app.
    pub name: String,
    /// What to notice, what to change, the question to ask, as free text (version 1 lessons;
    /// kept and written back verbatim).
    pub notes: String,
    /// What the class should see, each with the claim that checks it (version 2; omitted from
    /// files when empty).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notice: Vec<Notice>,
    /// Suggestions to try, with their one-click edits and claims (version 2; written `try`).
    #[serde(rename = "try", skip_serializing_if = "Vec::is_empty")]
    pub tries: Vec<Try>,
    /// The question to put to the class (version 2).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub question: String,
    /// One or two lines of theory with the reference (version 2).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub theory: String,
    /// What is minimized.
    pub problem: Problem,
    /// A rotation and stretch of a 2D landscape's coordinates (omitted from files when none).
    #[serde(skip_serializing_if = "Transform::is_identity")]
    pub transform: Transform,
    /// Step budget of every run.
    pub steps: u64,
    /// A run stops as converged when its gradient norm falls below this (0 = never).
    pub tolerance: f64,
    /// Sharpness is measured every this many steps (0 = off).
    pub sharpness_every: u64,
    /// The lesson's own pace, in steps per second, at which the app plays it when it opens
    /// (`None`: the user's last choice; omitted from files when unset).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub speed: Option<f64>,
    /// The window to show first (`None` = the landscape's default).
    pub view: Option<ViewWindow>,
    /// What presentation mode hides for this lesson.
    pub presentation: Presentation,
    /// A basin map to compute when the lesson opens (`None` = none until asked for).
    pub basin: Option<BasinSettings>,
    /// A hyperparameter sweep to compute when the lesson opens.
    pub sweep: Option<SweepSettings>,
    /// Draw each run's sampled Clarke subdifferential where it sits on a kink, from the start
    /// (`None`: off until the view's checkbox; omitted from files when unset).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subdifferential: Option<SubdifferentialSettings>,
    /// Open SGD's linear-stability window (a finite sum's minima in the sharpness ×
    /// non-uniformity plane) when the lesson opens (omitted from files when false).
    #[serde(skip_serializing_if = "is_false")]
    pub stability_region: bool,
    /// The runs to compare.
    pub runs: Vec<RunConfig>,
    /// A rate bound the loss plot draws over each gradient-descent run (omitted when none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_bound: Option<super::RateBound>,
    /// The metrics plot counts steps on a log axis when the lesson opens (for power laws such
    /// as 1/k; omitted when false).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub log_steps: bool,
    /// The tuning study `Tuned` claims read and the Tune window opens with (omitted when none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tune: Option<super::TuneSettings>,
}

/// A basin map as a lesson asks for it: the optimizer of run `run` from `resolution`² starts over
/// the view, `steps` steps each.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BasinSettings {
    /// Which run's optimizer (index into `runs`).
    pub run: usize,
    /// Starts per side.
    pub resolution: usize,
    /// Steps from every start.
    pub steps: u64,
}

impl Default for BasinSettings {
    fn default() -> Self {
        Self {
            run: 0,
            resolution: 256,
            steps: 100,
        }
    }
}

/// The sampled Clarke subdifferential (Goldstein's ε-subdifferential, ε = `radius`): on a landscape,
/// drawn at each run's current point where it sits on a kink, from gradients sampled in the disc of
/// radius `radius`; on a network, the distance from 0 to the hull of `samples` gradients of the
/// full loss sampled in the ball of radius `radius` around the weights, recorded at every record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SubdifferentialSettings {
    /// ε, the radius of the ball the gradients are sampled in (> 0), in the problem's units.
    pub radius: f64,
    /// Gradients sampled per network record (1 to 64; landscapes always sample 64).
    pub samples: usize,
}

impl Default for SubdifferentialSettings {
    fn default() -> Self {
        Self {
            radius: 1e-3,
            samples: 16,
        }
    }
}

/// A hyperparameter sweep as a lesson asks for it: run `run`'s configuration varied over two axes
/// at an equal evaluation budget.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SweepSettings {
    /// Which run is varied (index into `runs`).
    pub run: usize,
    /// The hyperparameters varied: axis 0 across, axis 1 up.
    pub axes: [Axis; 2],
    /// Oracle calls each cell may use.
    pub budget_evals: u64,
}

impl Default for SweepSettings {
    fn default() -> Self {
        Self {
            run: 0,
            axes: [
                Axis::linear("lr", (0.001, 0.05), 40),
                Axis::linear("momentum", (0.0, 0.95), 20),
            ],
            budget_evals: 200,
        }
    }
}

/// The axis name for the run's minibatch size (not an optimizer hyperparameter).
pub const BATCH_SIZE: &str = "batch_size";
/// Most values on one axis.
pub const MAX_AXIS_COUNT: usize = 512;

/// One axis of a sweep: a hyperparameter and the values it takes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Axis {
    /// The hyperparameter's name (`lr`, `momentum`, `betas[1]`, …) or [`BATCH_SIZE`].
    pub name: String,
    /// First and last value (both included).
    pub range: (f64, f64),
    /// Number of values (1 = just the first).
    pub count: usize,
    /// Geometric spacing (both ends must be positive) instead of linear.
    pub log_scale: bool,
}

impl Default for Axis {
    fn default() -> Self {
        Self {
            name: "lr".to_owned(),
            range: (1e-3, 1.0),
            count: 16,
            log_scale: true,
        }
    }
}

impl Axis {
    /// A linear axis.
    pub fn linear(name: &str, range: (f64, f64), count: usize) -> Self {
        Self {
            name: name.to_owned(),
            range,
            count,
            log_scale: false,
        }
    }

    /// A logarithmic axis.
    pub fn log(name: &str, range: (f64, f64), count: usize) -> Self {
        Self {
            log_scale: true,
            ..Self::linear(name, range, count)
        }
    }

    /// The value at `index`: a + (b − a)·t or a·(b/a)^t with t = index/(count − 1).
    pub fn value(&self, index: usize) -> f64 {
        self.value_at(index as f64 / self.count.saturating_sub(1).max(1) as f64)
    }

    /// All values, in order.
    pub fn values(&self) -> Vec<f64> {
        (0..self.count).map(|i| self.value(i)).collect()
    }

    /// The value at fraction `t` ∈ [0, 1] of the axis, in its spacing.
    pub(crate) fn value_at(&self, t: f64) -> f64 {
        let (a, b) = self.range;
        if self.log_scale {
            a * (b / a).powf(t)
        } else {
            a + (b - a) * t
        }
    }

    pub(crate) fn validate(&self, checker: &mut Checker) {
        checker.finite("range.0", self.range.0);
        checker.finite("range.1", self.range.1);
        if self.count == 0 || self.count > MAX_AXIS_COUNT {
            checker.report(
                "count",
                format!("count must be 1 to {MAX_AXIS_COUNT}, not {}", self.count),
            );
        }
        if self.log_scale && !(self.range.0 > 0.0 && self.range.1 > 0.0) {
            checker.report("range", "a log axis needs positive ends");
        }
    }
}

/// Sets the hyperparameter `name` (or the batch size) of `config` to `value`; integer
/// hyperparameters take the nearest count.
pub fn set_axis_value(config: &mut RunConfig, name: &str, value: f64) -> Result<(), String> {
    if name == BATCH_SIZE {
        if !(value.is_finite() && value >= 1.0) {
            return Err(format!("batch_size must be 1 or more, not {value}"));
        }
        config.batch_size = Some(value.round() as usize);
        return Ok(());
    }
    let optimizer = &mut config.optimizer;
    match optimizer.set_hyper(name, HyperValue::Float(value)) {
        Ok(()) => Ok(()),
        Err(HyperError::WrongKind { .. }) if value.is_finite() && value >= 0.0 => optimizer
            .set_hyper(name, HyperValue::Int(value.round() as u64))
            .map_err(|e| e.to_string()),
        Err(error) => Err(error.to_string()),
    }
}

/// What presentation mode (a projector in class) hides, per lesson: the canvas and the notes stay,
/// the controls a lecturer does not want to explain today go. Everything shows outside
/// presentation mode.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Presentation {
    /// Hide the lesson's notes.
    pub hide_notes: bool,
    /// Hide the problem picker and its parameters.
    pub hide_problem: bool,
    /// Hide the runs' optimizer settings (the run list with its hyperparameters).
    pub hide_runs: bool,
    /// Hide the metrics panel (loss curves and the results table).
    pub hide_metrics: bool,
}

/// For `skip_serializing_if`: a flag that is off is left out of saved files.
fn is_false(flag: &bool) -> bool {
    !*flag
}

impl Default for Scenario {
    fn default() -> Self {
        Self {
            version: CURRENT_VERSION,
            name: "Untitled".to_owned(),
            notes: String::new(),
            notice: Vec::new(),
            tries: Vec::new(),
            question: String::new(),
            theory: String::new(),
            problem: Problem::default(),
            transform: Transform::IDENTITY,
            steps: 200,
            tolerance: 0.0,
            sharpness_every: 0,
            speed: None,
            view: None,
            presentation: Presentation::default(),
            basin: None,
            sweep: None,
            subdifferential: None,
            stability_region: false,
            runs: vec![RunConfig::default()],
            rate_bound: None,
            log_steps: false,
            tune: None,
        }
    }
}

/// What a scenario minimizes, built: a 2D landscape or a network, with its data generated and its
/// initial weights drawn.
pub enum BuiltProblem {
    /// A 2D test function (not yet seen through the scenario's transform).
    Landscape(Arc<dyn Landscape>),
    /// A network's training loss with what the network views need.
    Network(Arc<dyn Network>),
}

/// Declares [`Problem`] and its dispatch from the network registry's list
/// ([`crate::network::network_registry`]): a landscape, or one variant per registered network,
/// named as presets write it (`Landscape(Rosenbrock())`, `Mlp(…)`).
macro_rules! declare_problem {
    ($($network:ident),* $(,)?) => {
        /// What a scenario minimizes.
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        pub enum Problem {
            /// A 2D test function.
            Landscape(LandscapeConfig),
            $(
                #[doc = concat!(
                    "A network: see [`", stringify!($network), "`](crate::network::",
                    stringify!($network), ")."
                )]
                $network(crate::network::$network),
            )*
        }

        impl Problem {
            /// Every problem with its default parameters, in picker order: the landscapes, then
            /// the networks.
            pub fn catalog() -> Vec<Problem> {
                let mut catalog: Vec<Problem> = LandscapeConfig::catalog()
                    .into_iter()
                    .map(Problem::Landscape)
                    .collect();
                catalog.extend([$(Problem::$network(crate::network::$network::default())),*]);
                catalog
            }

            /// The name presets use: the landscape's (`Rosenbrock`) or the network's (`Mlp`).
            pub fn name(&self) -> &'static str {
                match self {
                    Problem::Landscape(landscape) => landscape.name(),
                    $(Problem::$network(_) => stringify!($network),)*
                }
            }

            /// One line for the picker.
            pub fn description(&self) -> &'static str {
                match self {
                    Problem::Landscape(landscape) => landscape.description(),
                    $(Problem::$network(_) => <crate::network::$network as NetworkSpec>::DESCRIPTION,)*
                }
            }

            /// The problem's parameters, for generated widgets (a network's scalar ones; its
            /// widths, data set and init scheme are edited as text).
            pub fn hypers(&self) -> Vec<Hyper> {
                match self {
                    Problem::Landscape(config) => config.hypers(),
                    $(Problem::$network(config) => config.hypers(),)*
                }
            }

            /// Sets one parameter by name.
            pub fn set_hyper(&mut self, name: &str, value: HyperValue) -> Result<(), HyperError> {
                match self {
                    Problem::Landscape(config) => config.set_hyper(name, value),
                    $(Problem::$network(config) => config.set_hyper(name, value),)*
                }
            }

            /// Semantic checks of the problem's parameters.
            pub fn validate(&self, checker: &mut Checker) {
                match self {
                    Problem::Landscape(config) => config.validate(checker),
                    $(Problem::$network(config) => config.validate(checker),)*
                }
            }

            /// Number of terms of the finite sum (for batch sizes), counted from the config
            /// without building anything. Validate first: an invalid config gives the clamped
            /// count.
            pub fn num_samples(&self) -> usize {
                match self {
                    Problem::Landscape(config) => config.num_samples(),
                    $(Problem::$network(config) => config.num_samples(),)*
                }
            }

            /// Number of task losses (multi-task landscapes; 1 for every other problem), counted
            /// from the config without building anything.
            pub fn num_tasks(&self) -> usize {
                match self {
                    Problem::Landscape(config) => config.num_tasks(),
                    $(Problem::$network(_) => 1,)*
                }
            }

            /// Builds the problem (generating its data, drawing its initial weights).
            pub fn build(&self) -> BuiltProblem {
                match self {
                    Problem::Landscape(config) => BuiltProblem::Landscape(config.build()),
                    $(Problem::$network(config) => BuiltProblem::Network(config.build_network()),)*
                }
            }

            /// Whether the built problem has weight matrices (`Objective::parameter_blocks`),
            /// known without building it: the networks say so, the 2D landscapes have none.
            pub fn has_parameter_blocks(&self) -> bool {
                match self {
                    Problem::Landscape(_) => false,
                    $(Problem::$network(_) => <crate::network::$network as NetworkSpec>::HAS_PARAMETER_BLOCKS,)*
                }
            }
        }
    };
}

crate::network::network_registry!(declare_problem);

impl Problem {
    /// Whether this is a network (many parameters, no contour view).
    pub fn is_network(&self) -> bool {
        !matches!(self, Problem::Landscape(_))
    }
}

impl Default for Problem {
    fn default() -> Self {
        Problem::Landscape(LandscapeConfig::default())
    }
}

/// One optimizer run: torch's hyperparameters plus what torch has no field for. Presets write it
/// as `Run(…)`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, rename = "Run")]
pub struct RunConfig {
    /// Name in legends and CSV.
    pub label: String,
    /// The optimizer and its hyperparameters.
    pub optimizer: OptimizerConfig,
    /// Start point (`None` = the landscape's default start).
    pub start: Option<[f64; 2]>,
    /// Seed of the run's minibatches and noise.
    pub seed: u64,
    /// Colour as sRGB (`None` = from the palette).
    pub colour: Option<[u8; 3]>,
    /// Minibatch size on finite sums (`None` = full batch: gradient descent).
    pub batch_size: Option<usize>,
    /// Standard deviation of Gaussian noise added to every gradient coordinate.
    pub noise_sigma: f64,
    /// Learning-rate schedule.
    pub schedule: Schedule,
    /// Clip the gradient to this norm (`None` = no clipping), as torch's `clip_grad_norm_`.
    pub clip: Option<f64>,
    /// Clamp each gradient coordinate to [−v, v] (`None` = no clamping), as torch's
    /// `clip_grad_value_`; applied before `clip`.
    pub clip_value: Option<f64>,
    /// Keep the iterate in a low-precision format after every step (`None` = f64 throughout);
    /// omitted from files when `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub precision: Option<Precision>,
    /// Compute gradients in a narrow format with loss scaling (mixed precision; `None` = f64);
    /// omitted from files when `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gradient_precision: Option<GradientPrecision>,
}

impl Default for RunConfig {
    fn default() -> Self {
        Self {
            label: "SGD".to_owned(),
            optimizer: OptimizerConfig::default(),
            start: None,
            seed: 0,
            colour: None,
            batch_size: None,
            noise_sigma: 0.0,
            schedule: Schedule::Constant,
            clip: None,
            clip_value: None,
            precision: None,
            gradient_precision: None,
        }
    }
}
