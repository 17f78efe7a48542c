//! What a run reports: its status, a sample per step, network records and the latest step taken
//! apart. Plain data shared by the run, the session, the messages and the app.

use crate::optim::Quantity;

/// Where a run is in its life.
#[derive(Clone, Debug, PartialEq)]
pub enum RunStatus {
    /// Still stepping.
    Running,
    /// Used its step budget.
    Finished,
    /// Stopped at `step` because the gradient norm fell below the tolerance, or the method's own
    /// convergence test fired.
    Converged {
        /// The last step taken.
        step: u64,
    },
    /// Stopped at `step` because the iterate or loss stopped being finite, or the method could not
    /// go on; `reason` says why in the user's terms.
    Diverged {
        /// The step that failed (the last recorded sample is the step before).
        step: u64,
        /// What happened.
        reason: String,
    },
    /// Stopped at `step` after leaving the view far behind on a landscape with no minimum: it is
    /// heading to −∞ as it should.
    Unbounded {
        /// The last step taken.
        step: u64,
    },
}

impl RunStatus {
    /// Whether the run will take more steps.
    pub fn is_running(&self) -> bool {
        matches!(self, RunStatus::Running)
    }

    /// A few words for lists and tables: "converged at step 12".
    pub fn summary(&self) -> String {
        match self {
            RunStatus::Running => "running".to_owned(),
            RunStatus::Finished => "finished".to_owned(),
            RunStatus::Converged { step } => format!("converged at step {step}"),
            RunStatus::Diverged { step, .. } => format!("diverged at step {step}"),
            RunStatus::Unbounded { step } => format!("unbounded below at step {step}"),
        }
    }

    /// Why the run stopped, where there is more to say than the summary.
    pub fn explanation(&self) -> Option<String> {
        match self {
            RunStatus::Diverged { reason, .. } => Some(reason.clone()),
            RunStatus::Unbounded { .. } => {
                Some("left the view far behind: the landscape has no minimum".to_owned())
            }
            RunStatus::Running | RunStatus::Finished | RunStatus::Converged { .. } => None,
        }
    }
}

/// The state of a run after a step, as recorded for plots and CSV.
///
/// Equality compares the trajectory (everything but `wall_time`, a measurement that differs from
/// one machine and one run to the next).
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    /// Steps taken (0 = the start point).
    pub step: u64,
    /// The first two coordinates of the iterate.
    pub point: [f64; 2],
    /// f at the iterate (the full objective, not a minibatch).
    pub loss: f64,
    /// ‖∇f‖ at the iterate.
    pub grad_norm: f64,
    /// λmax(P⁻¹∇²f) for adaptive methods with a diagonal preconditioner P (Adam, AdamW): the
    /// sharpness their stability depends on (Cohen et al. 2022). Every step on landscapes, on
    /// sharpness steps on networks.
    pub preconditioned_sharpness: Option<f64>,
    /// λmax(∇²f), the sharpness, on the steps where it is measured (every `sharpness_every`).
    pub sharpness: Option<f64>,
    /// Loss on held-out data, on networks with some, on record steps.
    pub test_loss: Option<f64>,
    /// Training accuracy of a classifier, on record steps.
    pub accuracy: Option<f64>,
    /// Seconds of computing this run had taken when it reached this sample (measured by the engine
    /// per batch of steps and spread evenly over the batch; 0 where not measured, as in the CLI).
    pub wall_time: f64,
    /// Oracle calls the optimizer has made so far: gradient evaluations (each also gives the loss)
    /// plus loss-only evaluations (zeroth-order methods, Armijo trials).
    pub evals: u64,
    /// Bits the run's simulated workers have sent so far (0 for single-machine methods).
    pub bits: u64,
    /// The step size of the step that reached this sample (at step 0, of the first step): the
    /// one a hypergradient method adapted, else the scheduled lr, else plain gradient descent's
    /// constant lr; `None` for other methods at a constant lr. Kept in f32 (a plotted and claimed
    /// record, seven digits are plenty) so that the sample stays small.
    pub lr: Option<f32>,
}

impl PartialEq for Sample {
    fn eq(&self, other: &Self) -> bool {
        self.step == other.step
            && self.point == other.point
            && self.loss.to_bits() == other.loss.to_bits()
            && self.grad_norm.to_bits() == other.grad_norm.to_bits()
            && self.preconditioned_sharpness.map(f64::to_bits)
                == other.preconditioned_sharpness.map(f64::to_bits)
            && self.sharpness.map(f64::to_bits) == other.sharpness.map(f64::to_bits)
            && self.test_loss.map(f64::to_bits) == other.test_loss.map(f64::to_bits)
            && self.accuracy.map(f64::to_bits) == other.accuracy.map(f64::to_bits)
            && self.evals == other.evals
            && self.bits == other.bits
            && self.lr.map(f32::to_bits) == other.lr.map(f32::to_bits)
    }
}

/// What a network run looked like at a record step, for the network views (per-layer norms,
/// singular values, the decision surface and the trajectory's projection).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NetworkRecord {
    /// The step.
    pub step: u64,
    /// ‖θ_l‖ of each layer's parameters (weights and biases), in the network's layer order.
    pub weight_norms: Vec<f64>,
    /// ‖∇_l f‖ of each layer's block of the full-batch gradient.
    pub grad_norms: Vec<f64>,
    /// Singular values of the learned matrix (deep linear, factorization), descending.
    pub singular_values: Vec<f64>,
    /// The top Hessian eigenvalues, descending, where sharpness was measured.
    pub top_eigenvalues: Vec<f64>,
    /// Held-out accuracy of a classifier with a test split.
    pub test_accuracy: Option<f64>,
    /// The parameters.
    pub parameters: Vec<f64>,
    /// Distance from 0 to the sampled ε-subdifferential of the full loss at the parameters
    /// (`analysis::measure::subdifferential`), where the scenario asks for it.
    pub subdifferential_distance: Option<f64>,
    /// The root mean square of each hidden layer's activations over the training set (MLPs).
    pub activation_rms: Vec<f64>,
    /// ‖θ − θ₀‖/‖θ₀‖, how far the weights have moved from the start relative to their size (NaN
    /// when θ₀ = 0).
    pub relative_weight_change: f64,
}

/// How a run measures itself beyond loss and gradient norm.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Measurement {
    /// A run stops as converged when its gradient norm falls below this (0 = never).
    pub tolerance: f64,
    /// Measure sharpness every this many steps (0 = never).
    pub sharpness_every: u64,
    /// Radius ε of the ball in which a network's record samples gradients for the distance from 0
    /// to its ε-subdifferential (0 = not measured), and how many gradients it samples.
    pub subdifferential: (f64, usize),
}

impl Measurement {
    /// Network runs record their diagnostics this often when sharpness is off.
    pub const DEFAULT_RECORD_EVERY: u64 = crate::scenario::DEFAULT_RECORD_EVERY;

    /// Lanczos iterations per sharpness estimate (warm-started, so few are needed).
    pub(super) const LANCZOS_ITERATIONS: usize = 20;
    /// Top eigenvalues kept per estimate.
    pub(super) const TOP_EIGENVALUES: usize = 3;
}

/// The latest step of a 2D run taken apart.
#[derive(Clone, Debug, PartialEq)]
pub struct StepExplanation {
    /// Which step (1 for the first).
    pub step: u64,
    /// The iterate before the step.
    pub from: [f64; 2],
    /// The iterate after it (equal to `from` when the step diverged and was undone).
    pub to: [f64; 2],
    /// The optimizer's own account of the step.
    pub quantities: Vec<Quantity>,
}
