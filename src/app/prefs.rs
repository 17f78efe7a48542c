//! Preferences kept between sessions, and the choices they hold.

use serde::{Deserialize, Serialize};

/// Whether a hyperparameter edit continues a run or starts it over.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum EditApplies {
    /// Keep the moments and go on from the current point.
    #[default]
    Live,
    /// Start the edited run over from its start point.
    Restart,
}

/// Where dragging a start handle moves the start to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum StartMode {
    /// Every run starts from the same point.
    #[default]
    Shared,
    /// Each run has its own start.
    PerRun,
}

/// Which curve the metrics plot shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Metric {
    /// f − f* (log scale) where f* is known, else f.
    #[default]
    Loss,
    /// ‖∇f‖ (log scale).
    GradNorm,
    /// Distance to the nearest known minimizer (log scale).
    Distance,
    /// λmax(∇²f) at the iterate, with the method's stability threshold.
    Sharpness,
    /// Loss on held-out data (networks with a test split).
    TestLoss,
    /// Training accuracy of a classifier.
    Accuracy,
    /// On quadratics: the error's components along the Hessian's eigenvectors (log scale).
    Eigencomponents,
}

/// What the metrics plot's x axis counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum XAxis {
    /// Optimizer steps.
    #[default]
    Steps,
    /// Oracle calls (fair across methods with different costs per step).
    Evaluations,
    /// Seconds of computing (fair when evaluations differ in cost: Hessians, line searches).
    WallTime,
    /// Bits the simulated workers have sent (distributed methods).
    Bits,
}

/// Preferences kept between sessions (eframe storage).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct Prefs {
    /// Dark theme (else light).
    pub dark: bool,
    /// UI zoom factor (1 = normal; larger for projectors).
    pub scale: f32,
    /// Steps per second while playing; `None` = as fast as possible.
    pub steps_per_second: Option<f64>,
    /// How hyperparameter edits apply.
    pub edit_applies: EditApplies,
    /// How dragging a start handle works.
    pub start_mode: StartMode,
    /// The curve in the metrics plot.
    pub metric: Metric,
    /// The metrics plot's x axis.
    pub x_axis: XAxis,
    /// Draw iso-lines over the filled contours.
    pub iso_lines: bool,
    /// Draw the field the iterates follow as arrows (always on for min-max games).
    pub field: bool,
    /// Draw the recent paths of simulated workers (distributed methods).
    pub worker_trails: bool,
    /// Draw theory's loss curves and bounds over the runs' (quadratics).
    pub theory: bool,
    /// Presentation mode: large type, thick lines, full screen, only the controls the lesson keeps.
    pub presenting: bool,
}

impl Default for Prefs {
    fn default() -> Self {
        Self {
            dark: true,
            scale: 1.0,
            steps_per_second: Some(30.0),
            edit_applies: EditApplies::Live,
            start_mode: StartMode::Shared,
            metric: Metric::Loss,
            x_axis: XAxis::Steps,
            iso_lines: true,
            field: false,
            worker_trails: true,
            presenting: false,
            theory: true,
        }
    }
}
