//! One optimizer run: its iterate, optimizer state, oracle and status, stepped one accepted iterate
//! at a time.

use std::sync::Arc;

use nalgebra::DVector;

use crate::landscape::{Landscape, symmetric_eigenvalues};
use crate::objective::{GradientModel, Objective, Oracle};
use crate::optim::{Optimizer, StepOutcome};
use crate::scenario::RunConfig;

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
    /// λmax(P⁻¹∇²f) for adaptive methods with a diagonal preconditioner P (Adam, AdamW) on
    /// landscapes: the sharpness their stability depends on (Cohen et al. 2022).
    pub preconditioned_sharpness: Option<f64>,
    /// Seconds of computing this run had taken when it reached this sample (measured by the engine
    /// per batch of steps and spread evenly over the batch; 0 where not measured, as in the CLI).
    pub wall_time: f64,
    /// Oracle calls the optimizer has made so far: gradient evaluations (each also gives the loss)
    /// plus loss-only evaluations (zeroth-order methods, Armijo trials).
    pub evals: u64,
}

impl PartialEq for Sample {
    fn eq(&self, other: &Self) -> bool {
        self.step == other.step
            && self.point == other.point
            && self.loss.to_bits() == other.loss.to_bits()
            && self.grad_norm.to_bits() == other.grad_norm.to_bits()
            && self.preconditioned_sharpness.map(f64::to_bits)
                == other.preconditioned_sharpness.map(f64::to_bits)
            && self.evals == other.evals
    }
}

/// A run leaves the view "far behind" when it is this many view diagonals from the view's centre.
const ESCAPE_DIAGONALS: f64 = 1e6;

/// One optimizer run on a shared objective.
pub struct Run {
    config: RunConfig,
    objective: Arc<dyn Objective>,
    landscape: Option<Arc<dyn Landscape>>,
    optimizer: Box<dyn Optimizer>,
    oracle: Oracle,
    start: DVector<f64>,
    x: DVector<f64>,
    previous_x: DVector<f64>,
    grad: DVector<f64>,
    step: u64,
    status: RunStatus,
    tolerance: f64,
    last: Sample,
    compute_seconds: f64,
}

impl Run {
    /// A run from `start` (used when the config has none).
    pub fn new(
        config: RunConfig,
        objective: Arc<dyn Objective>,
        landscape: Option<Arc<dyn Landscape>>,
        default_start: &DVector<f64>,
        tolerance: f64,
    ) -> Self {
        let dim = objective.dim();
        let start = match config.start {
            Some(start) if dim == 2 => DVector::from_row_slice(&start),
            _ => default_start.clone(),
        };
        let oracle = Oracle::new(objective.clone(), gradient_model(&config), config.seed);
        let optimizer = config.optimizer.build(dim);
        let mut run = Self {
            optimizer,
            oracle,
            x: start.clone(),
            previous_x: start.clone(),
            grad: DVector::zeros(dim),
            start,
            step: 0,
            status: RunStatus::Running,
            tolerance,
            compute_seconds: 0.0,
            last: Sample {
                step: 0,
                point: [0.0; 2],
                loss: f64::NAN,
                grad_norm: f64::NAN,
                preconditioned_sharpness: None,
                wall_time: 0.0,
                evals: 0,
            },
            config,
            objective,
            landscape,
        };
        run.last = run.measure();
        run.check_start();
        run
    }

    /// The run's configuration.
    pub fn config(&self) -> &RunConfig {
        &self.config
    }

    /// The current iterate.
    pub fn x(&self) -> &DVector<f64> {
        &self.x
    }

    /// The start point.
    pub fn start(&self) -> &DVector<f64> {
        &self.start
    }

    /// Steps taken.
    pub fn steps_taken(&self) -> u64 {
        self.step
    }

    /// Where the run is in its life.
    pub fn status(&self) -> &RunStatus {
        &self.status
    }

    /// The latest sample (the start point's before any step).
    pub fn last_sample(&self) -> Sample {
        self.last
    }

    /// The oracle (evaluation counts, probes of the latest step).
    pub fn oracle(&self) -> &Oracle {
        &self.oracle
    }

    /// The optimizer's second point (ASGD's average, Nesterov's extrapolated point), if it has one.
    pub fn auxiliary_point(&self) -> Option<[f64; 2]> {
        self.optimizer
            .auxiliary_point()
            .filter(|p| p.len() >= 2)
            .map(|p| [p[0], p[1]])
    }

    /// Seconds of computing spent on this run so far (as measured by the session).
    pub fn compute_seconds(&self) -> f64 {
        self.compute_seconds
    }

    /// Adds measured computing time.
    pub fn add_compute_seconds(&mut self, seconds: f64) {
        self.compute_seconds += seconds;
    }

    /// Marks a run that used its budget as finished.
    pub fn finish(&mut self) {
        if self.status.is_running() {
            self.status = RunStatus::Finished;
        }
    }

    /// Goes back to the start with fresh optimizer state and a reseeded oracle.
    pub fn restart(&mut self) {
        self.oracle = Oracle::new(
            self.objective.clone(),
            gradient_model(&self.config),
            self.config.seed,
        );
        self.optimizer = self.config.optimizer.build(self.objective.dim());
        self.x.copy_from(&self.start);
        self.previous_x.copy_from(&self.start);
        self.step = 0;
        self.compute_seconds = 0.0;
        self.status = RunStatus::Running;
        self.last = self.measure();
        self.check_start();
    }

    /// Moves the start point and restarts.
    pub fn set_start(&mut self, start: &DVector<f64>) {
        if start.len() == self.start.len() {
            self.start.copy_from(start);
            if self.start.len() == 2 {
                self.config.start = Some([start[0], start[1]]);
            }
        }
        self.restart();
    }

    /// Adopts an edited configuration. With `restart` the run starts over; without, the optimizer
    /// keeps its moments (when the optimizer kind is unchanged) and the run continues from here.
    pub fn edit(&mut self, config: RunConfig, restart: bool) {
        let rebuild_oracle = gradient_model(&config) != gradient_model(&self.config)
            || config.seed != self.config.seed;
        let start_moved = config.start != self.config.start;
        self.config = config;
        if let (Some(start), 2) = (self.config.start, self.start.len()) {
            self.start = DVector::from_row_slice(&start);
        }
        if restart || start_moved {
            self.restart();
            return;
        }
        if !self.optimizer.set_config(&self.config.optimizer) {
            self.optimizer = self.config.optimizer.build(self.objective.dim());
        }
        if rebuild_oracle {
            self.oracle = Oracle::new(
                self.objective.clone(),
                gradient_model(&self.config),
                self.config.seed,
            );
        }
        if matches!(
            self.status,
            RunStatus::Finished | RunStatus::Converged { .. }
        ) {
            self.status = RunStatus::Running;
        }
    }

    /// Takes one step. Returns the new sample, or `None` when the run is not running or the step
    /// diverged (the last finite sample then stays the run's last).
    pub fn step(&mut self) -> Option<Sample> {
        if !self.status.is_running() {
            return None;
        }
        if !self.config.schedule.is_constant() {
            let lr = self
                .config
                .schedule
                .lr_at(self.config.optimizer.lr(), self.step);
            self.optimizer.set_lr(lr);
        }
        self.previous_x.copy_from(&self.x);
        self.oracle.begin_step();
        let info = self.optimizer.step(&mut self.x, &mut self.oracle);
        self.step += 1;
        let sample = self.measure();
        if !(sample.loss.is_finite() && self.x.iter().all(|v| v.is_finite())) {
            let reason = self.divergence_reason(&sample);
            self.x.copy_from(&self.previous_x);
            self.status = RunStatus::Diverged {
                step: self.step,
                reason,
            };
            return None;
        }
        self.last = sample;
        match info.outcome {
            StepOutcome::Continue => {}
            StepOutcome::Converged(_) => {
                self.status = RunStatus::Converged { step: self.step };
            }
            StepOutcome::Failed(reason) => {
                self.status = RunStatus::Diverged {
                    step: self.step,
                    reason,
                };
            }
        }
        if self.status.is_running() {
            self.check_escape_and_convergence();
        }
        Some(sample)
    }

    fn measure(&mut self) -> Sample {
        let loss = self.objective.value_and_grad(&self.x, &mut self.grad);
        Sample {
            step: self.step,
            point: [self.x[0], if self.x.len() > 1 { self.x[1] } else { 0.0 }],
            loss,
            grad_norm: self.grad.norm(),
            preconditioned_sharpness: self.preconditioned_sharpness(),
            wall_time: self.compute_seconds,
            evals: {
                let counts = self.oracle.counts();
                counts.gradients + counts.values
            },
        }
    }

    /// λmax(P^(−½) H P^(−½)) = λmax(P⁻¹H) at the iterate, for a diagonal preconditioner P.
    fn preconditioned_sharpness(&self) -> Option<f64> {
        let landscape = self.landscape.as_ref()?;
        let p = self.optimizer.preconditioner()?;
        if p.len() < 2 || !(p[0] > 0.0 && p[1] > 0.0) {
            return None;
        }
        let h = landscape.hessian([self.x[0], self.x[1]]);
        let off_diagonal = h[0][1] / (p[0] * p[1]).sqrt();
        let scaled = [
            [h[0][0] / p[0], off_diagonal],
            [off_diagonal, h[1][1] / p[1]],
        ];
        Some(symmetric_eigenvalues(scaled)[1]).filter(|v| v.is_finite())
    }

    fn check_start(&mut self) {
        if !(self.last.loss.is_finite() && self.x.iter().all(|v| v.is_finite())) {
            self.status = RunStatus::Diverged {
                step: 0,
                reason: "the loss is not finite at the start point".to_owned(),
            };
        } else {
            self.check_escape_and_convergence();
        }
    }

    fn check_escape_and_convergence(&mut self) {
        if let Some(landscape) = &self.landscape {
            let view = landscape.view();
            let distance = view.distance_from_centre(self.last.point);
            if distance > ESCAPE_DIAGONALS * view.diagonal() {
                self.status = if matches!(
                    landscape.minimizers(),
                    crate::landscape::Minimizers::Unbounded
                ) {
                    RunStatus::Unbounded { step: self.step }
                } else {
                    RunStatus::Diverged {
                        step: self.step,
                        reason: format!(
                            "left the view far behind (‖x‖ ≈ {distance:.3e}) at step {}{}",
                            self.step,
                            self.curvature_hint()
                        ),
                    }
                };
                return;
            }
        }
        if self.tolerance > 0.0 && self.last.grad_norm < self.tolerance {
            self.status = RunStatus::Converged { step: self.step };
        }
    }

    /// Says what went non-finite and, where the curvature at the last finite point is known, how
    /// the step size compares with it (gradient descent needs lr·λmax < 2 to be stable).
    fn divergence_reason(&self, sample: &Sample) -> String {
        let what = if self.x.iter().any(|v| v.is_nan()) {
            "the iterate became NaN"
        } else if self.x.iter().any(|v| v.is_infinite()) {
            "the iterate overflowed to infinity"
        } else if sample.loss.is_nan() {
            "the loss became NaN"
        } else {
            "the loss overflowed to infinity"
        };
        format!("{what} at step {}{}", self.step, self.curvature_hint())
    }

    /// "; at the last finite point λmax = …, lr·λmax = …" where the landscape's curvature is known.
    fn curvature_hint(&self) -> String {
        let Some(landscape) = &self.landscape else {
            return String::new();
        };
        let last = [self.previous_x[0], self.previous_x[1]];
        let [_, lambda_max] = symmetric_eigenvalues(landscape.hessian(last));
        if !(lambda_max.is_finite() && lambda_max > 0.0) {
            return String::new();
        }
        let plain_gradient_descent = matches!(
            &self.config.optimizer,
            crate::optim::OptimizerConfig::Sgd(sgd) if sgd.momentum == 0.0 && sgd.weight_decay == 0.0
        );
        if plain_gradient_descent {
            let lr = self.config.optimizer.lr();
            return format!(
                "; at the last finite point λmax = {lambda_max:.4}, lr·λmax = {:.4} (gradient descent needs < 2)",
                lr * lambda_max
            );
        }
        match crate::analysis::stability::threshold(&self.config.optimizer) {
            Some(threshold) => format!(
                "; at the last finite point λmax = {lambda_max:.4}, while {} is stable only for λmax < {}",
                self.config.optimizer.display_name(),
                threshold.formula
            ),
            None => format!("; λmax = {lambda_max:.4} at the last finite point"),
        }
    }
}

fn gradient_model(config: &RunConfig) -> GradientModel {
    GradientModel {
        batch_size: config.batch_size,
        noise_sigma: config.noise_sigma,
        clip: config.clip,
        clip_value: config.clip_value,
    }
}
