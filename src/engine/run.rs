//! One optimizer run: its iterate, optimizer state, oracle and status, stepped one accepted iterate
//! at a time.

use std::sync::Arc;

use nalgebra::DVector;

use super::meter::{EscapeLimit, SharpnessMeter};
use super::problem::ProblemInstance;
use super::sample::{Measurement, NetworkRecord, RunStatus, Sample, StepExplanation};
use super::worker_trails::WorkerTrails;
use crate::analysis::measure::subdifferential;
use crate::landscape::{Landscape, symmetric_eigenvalues};
use crate::network::Network;
use crate::number_format::short_number;
use crate::objective::{GradientModel, Objective, Oracle};
use crate::optim::{Optimizer, StepOutcome};
use crate::precision::LowPrecisionIterate;
use crate::scenario::RunConfig;

/// One optimizer run on a shared objective.
pub struct Run {
    config: RunConfig,
    objective: Arc<dyn Objective>,
    landscape: Option<Arc<dyn Landscape>>,
    escape: Option<EscapeLimit>,
    network: Option<Arc<dyn Network>>,
    optimizer: Box<dyn Optimizer>,
    oracle: Oracle,
    start: DVector<f64>,
    x: DVector<f64>,
    previous_x: DVector<f64>,
    /// The simulated workers' recent positions (empty for single-iterate methods).
    worker_trails: WorkerTrails,
    grad: DVector<f64>,
    /// The iterate's storage format and rounding state, when the run is in low precision.
    low_precision: Option<LowPrecisionIterate>,
    step: u64,
    status: RunStatus,
    measurement: Measurement,
    sharpness: Option<SharpnessMeter>,
    /// Network records not yet taken by the session.
    records: Vec<NetworkRecord>,
    last: Sample,
    compute_seconds: f64,
    /// The step size of the latest step (of the first, before it), for the samples.
    step_lr: Option<f64>,
}

impl Run {
    /// A run on `problem`, from the config's start or else the problem's default start.
    pub fn new(config: RunConfig, problem: &ProblemInstance, measurement: Measurement) -> Self {
        let objective = problem.objective.clone();
        let dim = objective.dim();
        let start = match config.start {
            Some(start) if dim == 2 => DVector::from_row_slice(&start),
            _ => problem.default_start.clone(),
        };
        let oracle = Oracle::new(objective.clone(), gradient_model(&config), config.seed);
        let optimizer = config.optimizer.build(dim);
        let mut run = Self {
            optimizer,
            oracle,
            x: start.clone(),
            previous_x: start.clone(),
            worker_trails: WorkerTrails::default(),
            grad: DVector::zeros(dim),
            low_precision: config
                .precision
                .filter(|precision| !precision.master_copy)
                .map(|precision| LowPrecisionIterate::new(precision, dim, config.seed)),
            start,
            step: 0,
            status: RunStatus::Running,
            sharpness: (measurement.sharpness_every > 0).then(|| SharpnessMeter::new(dim)),
            measurement,
            records: Vec::new(),
            compute_seconds: 0.0,
            step_lr: None,
            last: Sample {
                step: 0,
                point: [0.0; 2],
                loss: f64::NAN,
                grad_norm: f64::NAN,
                preconditioned_sharpness: None,
                sharpness: None,
                test_loss: None,
                accuracy: None,
                wall_time: 0.0,
                evals: 0,
                bits: 0,
                lr: None,
            },
            config,
            objective,
            landscape: problem.landscape.clone(),
            escape: problem
                .landscape
                .as_ref()
                .map(|l| EscapeLimit::new(l.view())),
            network: problem.network.clone(),
        };
        run.store_start();
        run.step_lr = run.reported_lr(run.scheduled_lr());
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

    /// Takes the network records made since the last call.
    pub fn take_records(&mut self) -> Vec<NetworkRecord> {
        std::mem::take(&mut self.records)
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

    /// The recent paths of the optimizer's simulated workers, each ending where the worker is now
    /// (2D problems; empty for single-iterate methods).
    pub fn worker_trails(&self) -> Vec<Vec<[f64; 2]>> {
        self.worker_trails.trails()
    }

    /// Adds the workers' current positions to their trails (2D problems with workers only).
    fn record_workers(&mut self) {
        // Single-iterate methods skip even the call: this runs every step.
        if self.x.len() == 2 && self.config.optimizer.simulates_workers() {
            let workers = self
                .optimizer
                .as_distributed()
                .map_or(&[][..], |distributed| distributed.worker_points());
            self.worker_trails
                .record(workers.iter().map(|p| [p[0], p[1]]));
        }
    }

    /// The latest step taken apart (its start and end and the quantities of the update rule), for
    /// the update arrows and the step-by-step view. Only for 2D problems, and `None` before the
    /// first step.
    pub fn latest_step(&self) -> Option<StepExplanation> {
        if self.step == 0 || self.x.len() != 2 {
            return None;
        }
        Some(StepExplanation {
            step: self.step,
            from: [self.previous_x[0], self.previous_x[1]],
            to: [self.x[0], self.x[1]],
            quantities: self.optimizer.explain(),
        })
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
        self.low_precision = (self.config.precision)
            .filter(|precision| !precision.master_copy)
            .map(|precision| {
                LowPrecisionIterate::new(precision, self.objective.dim(), self.config.seed)
            });
        self.store_start();
        self.step = 0;
        self.compute_seconds = 0.0;
        self.status = RunStatus::Running;
        self.records.clear();
        self.worker_trails.clear();
        self.step_lr = self.reported_lr(self.scheduled_lr());
        if self.sharpness.is_some() {
            // A fresh meter: its warm start belongs to the old trajectory.
            self.sharpness = Some(SharpnessMeter::new(self.objective.dim()));
        }
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
        // A new format or rounding starts over: the stored iterate and Kahan's buffer belong to the
        // old one.
        let start_moved =
            config.start != self.config.start || config.precision != self.config.precision;
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
            // Another method: its workers, if any, start afresh.
            self.worker_trails.clear();
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
        let scheduled = self.scheduled_lr();
        if let Some(lr) = scheduled {
            self.optimizer.set_lr(lr);
        }
        self.previous_x
            .as_mut_slice()
            .copy_from_slice(self.x.as_slice());
        self.oracle.begin_step();
        let info = self.optimizer.step(&mut self.x, &mut self.oracle);
        self.step_lr = self.reported_lr(scheduled);
        if let Some(low_precision) = &mut self.low_precision {
            low_precision.apply(&self.previous_x, &mut self.x);
        }
        self.step += 1;
        let sample = self.measure();
        if !(sample.loss.is_finite() && all_finite(&self.x)) {
            let reason = self.divergence_reason(&sample);
            self.x.copy_from(&self.previous_x);
            self.status = RunStatus::Diverged {
                step: self.step,
                reason,
            };
            return None;
        }
        self.last = sample;
        self.record_workers();
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

    /// The lr the schedule gives the next step, if the run has a schedule.
    fn scheduled_lr(&self) -> Option<f64> {
        let schedule = &self.config.schedule;
        (!schedule.is_constant()).then(|| schedule.lr_at(self.config.optimizer.lr(), self.step))
    }

    /// The step size a sample reports (see [`Sample::lr`]): the method's own adapted one, else
    /// the `scheduled` one, else plain gradient descent's lr.
    fn reported_lr(&self, scheduled: Option<f64>) -> Option<f64> {
        (self.optimizer.current_lr())
            .or(scheduled)
            .or_else(|| self.config.optimizer.plain_gd_lr())
    }

    /// Rounds the start into the run's storage format, if it has one, and makes it the previous
    /// iterate of the first step.
    fn store_start(&mut self) {
        if let Some(low_precision) = &mut self.low_precision {
            low_precision.store(&mut self.x);
        }
        self.previous_x.copy_from(&self.x);
    }

    fn measure(&mut self) -> Sample {
        // Through the oracle, which keeps it for the next step's gradient at this point.
        let loss = self.oracle.measure(&self.x, &mut self.grad);
        let mut sample = Sample {
            step: self.step,
            point: [self.x[0], if self.x.len() > 1 { self.x[1] } else { 0.0 }],
            loss,
            grad_norm: self.grad.norm(),
            preconditioned_sharpness: self.landscape_preconditioned_sharpness(),
            sharpness: None,
            test_loss: None,
            accuracy: None,
            wall_time: self.compute_seconds,
            evals: {
                let counts = self.oracle.counts();
                counts.gradients + counts.values
            },
            bits: self
                .optimizer
                .as_distributed()
                .map_or(0, |distributed| distributed.bits_communicated()),
            lr: self.step_lr.map(|lr| lr as f32),
        };
        let occasional = self.sharpness.is_some() || self.network.is_some();
        if occasional && loss.is_finite() && all_finite(&self.x) {
            self.measure_occasionally(&mut sample);
        }
        sample
    }

    /// On sharpness steps: the top Hessian eigenvalues (and the preconditioned sharpness of
    /// adaptive methods on networks); on network record steps: held-out metrics and a
    /// [`NetworkRecord`].
    fn measure_occasionally(&mut self, sample: &mut Sample) {
        let sharpness_every = self.measurement.sharpness_every;
        let mut top_eigenvalues = Vec::new();
        if let Some(meter) = &mut self.sharpness
            && self.step.is_multiple_of(sharpness_every)
        {
            let objective = self.objective.as_ref();
            top_eigenvalues = meter.top_eigenvalues(objective, &self.x).to_vec();
            sample.sharpness = top_eigenvalues.first().copied();
            if self.network.is_some()
                && let Some(p) = self.optimizer.preconditioner()
            {
                sample.preconditioned_sharpness = meter.preconditioned(objective, &self.x, p);
            }
        }
        let Some(network) = &self.network else {
            return;
        };
        let record_every = if sharpness_every > 0 {
            sharpness_every
        } else {
            Measurement::DEFAULT_RECORD_EVERY
        };
        if !self.step.is_multiple_of(record_every) {
            return;
        }
        let evaluation = network.evaluate(&self.x);
        sample.test_loss = evaluation.test_loss;
        sample.accuracy = evaluation.train_accuracy;
        let block_norms = |v: &DVector<f64>| -> Vec<f64> {
            network
                .layers()
                .iter()
                .map(|layer| v.rows_range(layer.range.clone()).norm())
                .collect()
        };
        self.records.push(NetworkRecord {
            step: self.step,
            weight_norms: block_norms(&self.x),
            grad_norms: block_norms(&self.grad),
            singular_values: network.singular_values(&self.x),
            top_eigenvalues,
            test_accuracy: evaluation.test_accuracy,
            parameters: self.x.as_slice().to_vec(),
            subdifferential_distance: self.subdifferential_distance(),
            activation_rms: network.activation_rms(&self.x),
            relative_weight_change: relative_change(&self.x, &self.start),
        });
    }

    /// Distance from 0 to the sampled ε-subdifferential of the full-batch loss at the iterate,
    /// when the scenario asks for it (seeded by the step, so a run is reproducible).
    fn subdifferential_distance(&self) -> Option<f64> {
        let (radius, samples) = self.measurement.subdifferential;
        if !(radius > 0.0 && samples > 0) {
            return None;
        }
        let objective = self.objective.as_ref();
        Some(subdifferential::sampled_distance(
            |x, g| {
                objective.value_and_grad(x, g);
            },
            &self.x,
            radius,
            samples,
            self.step,
        ))
    }

    /// λmax(P^(−½) H P^(−½)) = λmax(P⁻¹H) at the iterate of a landscape, for a diagonal
    /// preconditioner P: exact from the 2×2 Hessian, so it is measured every step.
    fn landscape_preconditioned_sharpness(&self) -> Option<f64> {
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
        if let (Some(landscape), Some(limit)) = (&self.landscape, &self.escape)
            && limit.is_escaped(self.last.point)
        {
            let distance = limit.view.distance_from_centre(self.last.point);
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
        let tolerance = self.measurement.tolerance;
        if tolerance > 0.0 && self.last.grad_norm < tolerance {
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
        if let Some(lr) = self.config.optimizer.plain_gd_lr() {
            return format!(
                "; at the last finite point λmax = {}, lr·λmax = {} (gradient descent needs < 2)",
                short_number(lambda_max),
                short_number(lr * lambda_max)
            );
        }
        match self.config.optimizer.stability_threshold() {
            Some(threshold) => format!(
                "; at the last finite point λmax = {}, while {} is stable only for λmax < {}",
                short_number(lambda_max),
                self.config.optimizer.display_name(),
                threshold.formula
            ),
            None => format!(
                "; λmax = {} at the last finite point",
                short_number(lambda_max)
            ),
        }
    }
}

/// ‖x − start‖/‖start‖ (NaN when the start is 0: no scale to compare with).
fn relative_change(x: &DVector<f64>, start: &DVector<f64>) -> f64 {
    let moved = x
        .iter()
        .zip(start.iter())
        .map(|(a, b)| (a - b) * (a - b))
        .sum::<f64>()
        .sqrt();
    let size = start.norm();
    if size > 0.0 { moved / size } else { f64::NAN }
}

fn all_finite(x: &DVector<f64>) -> bool {
    x.as_slice().iter().all(|v| v.is_finite())
}

fn gradient_model(config: &RunConfig) -> GradientModel {
    GradientModel {
        batch_size: config.batch_size,
        noise_sigma: config.noise_sigma,
        clip: config.clip,
        clip_value: config.clip_value,
        gradient_precision: config.gradient_precision,
        weights_format: config
            .precision
            .filter(|precision| precision.master_copy)
            .map(|precision| precision.format),
    }
}
