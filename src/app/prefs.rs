//! Preferences kept between sessions, and the choices they hold.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::persistence::{PREFS_KEY, kept_beside_text};
use super::state::Notice;

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
    /// ‖x‖ of a landscape's iterate (log scale).
    Norm,
    /// lr/‖x‖², the step in angle on a scale-invariant landscape (log scale).
    EffectiveStep,
    /// The step size of each step (log scale): hypergradient methods' adapted αₜ, schedules.
    LearningRate,
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
    /// Steps on a log₁₀ axis (when the x axis counts steps).
    pub log_steps: bool,
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
            log_steps: false,
            iso_lines: true,
            field: false,
            worker_trails: true,
            presenting: false,
            theory: true,
        }
    }
}

/// The file eframe keeps its storage in, the preferences among it (a RON map of storage keys to
/// RON text).
pub fn prefs_file() -> Option<PathBuf> {
    #[cfg(not(target_arch = "wasm32"))]
    return eframe::storage_dir("optiviz").map(|dir| dir.join("app.ron"));
    // In the browser eframe keeps its storage in the page's local storage, not in a file.
    #[cfg(target_arch = "wasm32")]
    None
}

/// The preferences stored in `file`, eframe's storage (defaults if it or the preferences in it do
/// not exist yet). A file that exists but cannot be read, or whose preferences cannot be, is kept
/// beside under a new name (eframe would overwrite it on the next save) and the defaults are
/// used; the notice says so and names the kept file.
pub fn load_prefs(file: &Path) -> (Prefs, Option<Notice>) {
    let read = match std::fs::read_to_string(file) {
        Ok(text) => stored_prefs(&text),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(error.to_string()),
    };
    match read {
        Ok(prefs) => (prefs.unwrap_or_default(), None),
        Err(reason) => {
            let text = format!(
                "could not read the preferences in {} ({reason}); {}; the defaults are used",
                file.display(),
                kept_beside_text(file)
            );
            (
                Prefs::default(),
                Some(Notice {
                    is_error: true,
                    text,
                }),
            )
        }
    }
}

/// The preferences in the text of eframe's storage file, `None` if it holds none.
fn stored_prefs(text: &str) -> Result<Option<Prefs>, String> {
    let stored: HashMap<String, String> =
        ron::from_str(text).map_err(|error| format!("the file: {error}"))?;
    stored
        .get(PREFS_KEY)
        .map(|value| ron::from_str(value).map_err(|error| format!("the preferences: {error}")))
        .transpose()
}
