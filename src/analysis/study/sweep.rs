//! Hyperparameter sweeps: a heatmap over two hyperparameters of the final loss (and the steps to a
//! tolerance) of real runs at an equal evaluation budget, with the theoretical stability boundary
//! on quadratics to draw over it.
//!
//! Each cell (i, j) is the base run with axis 0 set to its i-th value and axis 1 to its j-th, run
//! through the engine's [`Run`] until its oracle has used the budget B (the first step at which
//! the count reaches B ends it; a step costing several evaluations may overshoot by less than one
//! step's cost), or it stopped (diverged, converged by the method's own test, unbounded below).
//! Equal budgets make methods with different costs per step comparable (Schmidt, Schneider &
//! Hennig 2021 benchmark optimizers this way). Axis values are
//!   linear:  vᵢ = a + (b − a)·i/(n − 1),      log:  vᵢ = a·(b/a)^(i/(n − 1)),   i = 0..n−1.
//! Axes are named as the hyperparameter widgets name them (`lr`, `momentum`, `betas[1]`, …, see
//! [`OptimizerConfig::set_hyper`]), plus [`BATCH_SIZE`] for the run's minibatch size.
//!
//! A cell counts as diverged when its run stopped as diverged (non-finite loss or iterate, left
//! the view far behind, the method gave up) or when its final loss is above its starting loss.
//!
//! Stability on a quadratic with eigenvalues 0 ≤ λᵢ ≤ λmax ([`stability_boundary`]): gradient
//! descent is stable iff 0 < lr·λmax < 2. torch's SGD momentum v ← βv + g, x ← x − lr·v (dampening
//! 0) gives the same iterates as Polyak's heavy ball x' = x − lr·∇f + β(x − x₋) (see
//! [`crate::optim::HeavyBall`]), whose per-eigenvalue recurrence e' = (1 + β − lr·λ)e − βe₋ is stable
//! iff 0 < lr·λ < 2 + 2β (0 ≤ β < 1) for every λ: the boundary is lr = (2 + 2β)/λmax. The boundary
//! comes from [`crate::analysis::measure::stability::threshold`], so every method with a known
//! threshold (Nesterov's torch form, dampening, weight decay) gets its curve; it is the
//! full-batch, noise-free iteration's.
//!
//! References: B. T. Polyak, "Some methods of speeding up the convergence of iteration methods"
//! (1964); G. Goh, "Why Momentum Really Works", Distill 2017 (the stability region);
//! R. M. Schmidt, F. Schneider & P. Hennig, "Descending through a crowded valley —
//! benchmarking deep learning optimizers", ICML 2021 (budgets and tuning grids).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use serde::{Deserialize, Serialize};

use super::{TrialCheck, validate_trials};
use crate::analysis::measure::stability;
use crate::engine::{
    JobControl, Measurement, Pieces, ProblemInstance, Run, RunStatus, Sample, Slice,
};
use crate::landscape::{LandscapeConfig, Transform};
use crate::optim::{HyperValue, OptimizerConfig};
pub use crate::scenario::{Axis, BATCH_SIZE, MAX_AXIS_COUNT, set_axis_value};
use crate::scenario::{Problem, RunConfig};
use crate::validate::{Checker, Invalid};

/// Largest budget per cell.
pub const MAX_BUDGET: u64 = 100_000_000;
/// Points on a stability boundary curve.
const BOUNDARY_POINTS: usize = 64;
/// Steps between checks of the cancel flag within one cell.
const CANCEL_CHECK_STEPS: u64 = 1024;

/// What the budget counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum BudgetUnit {
    /// Oracle calls, as samples' `evals`: gradient evaluations plus loss-only evaluations.
    #[default]
    OracleCalls,
    /// Per-sample gradients (a full gradient of an n-sample sum counts n): equal work across batch
    /// sizes.
    SampleGradients,
}

/// A sweep to compute.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SweepRequest {
    /// What the runs minimize.
    pub problem: Problem,
    /// The scenario's rotation and stretch of a landscape.
    pub transform: Transform,
    /// The base run every cell modifies.
    pub run: RunConfig,
    /// Axis 0 varies along a row (columns), axis 1 down the rows.
    pub axes: [Axis; 2],
    /// Evaluations each cell may use.
    pub budget_evals: u64,
    /// What `budget_evals` counts.
    pub budget_unit: BudgetUnit,
    /// Steps to tolerance count until ‖∇f‖ < tolerance, as a scenario's tolerance (0 = not tracked).
    pub tolerance: f64,
}

impl Default for SweepRequest {
    fn default() -> Self {
        Self {
            problem: Problem::default(),
            transform: Transform::IDENTITY,
            run: RunConfig::default(),
            axes: [Axis::default(), Axis::linear("momentum", (0.0, 0.99), 12)],
            budget_evals: 200,
            budget_unit: BudgetUnit::OracleCalls,
            tolerance: 1e-6,
        }
    }
}

impl SweepRequest {
    /// Number of cells.
    pub fn cells(&self) -> usize {
        self.axes[0].count * self.axes[1].count
    }

    /// The run of the cell in `column` (axis 0) and `row` (axis 1).
    pub fn cell_config(&self, column: usize, row: usize) -> Result<RunConfig, String> {
        let mut config = self.run.clone();
        set_axis_value(&mut config, &self.axes[0].name, self.axes[0].value(column))?;
        set_axis_value(&mut config, &self.axes[1].name, self.axes[1].value(row))?;
        Ok(config)
    }

    /// Everything wrong with the request, by field path (empty when it can run). Checks every
    /// cell's configuration as torch would.
    pub fn validate(&self) -> Vec<Invalid> {
        let mut checker = Checker::new();
        checker.within("problem", |c| self.problem.validate(c));
        for (index, axis) in self.axes.iter().enumerate() {
            checker.within(&format!("axes[{index}]"), |c| axis.validate(c));
        }
        if !(1..=MAX_BUDGET).contains(&self.budget_evals) {
            checker.report(
                "budget_evals",
                format!("budget_evals must be 1 to {MAX_BUDGET}"),
            );
        }
        if !(self.tolerance.is_finite() && self.tolerance >= 0.0) {
            checker.report("tolerance", "tolerance must be a finite number ≥ 0");
        }
        if checker.found.is_empty() {
            self.validate_cells(&mut checker);
        }
        checker.found
    }

    /// Reports the first cell whose configuration fails (further cells usually fail alike).
    fn validate_cells(&self, checker: &mut Checker) {
        let columns = self.axes[0].count;
        let cells = (0..self.axes[1].count).flat_map(|row| (0..columns).map(move |c| (c, row)));
        let trials = cells.map(|(column, row)| TrialCheck {
            build_path: "axes".to_owned(),
            path: format!("cell ({column}, {row}).optimizer"),
            run: self.cell_config(column, row),
        });
        validate_trials(checker, trials);
    }
}

/// Shared with a running sweep: cells done (of [`SweepRequest::cells`]) and the flag to stop it
/// (checked between cells and every 1024 steps within one). A sweep is a background job, so this
/// is the job's own control.
pub type SweepProgress = crate::engine::JobControl;

/// Why a sweep produced no result.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum SweepError {
    /// The request cannot run; each finding names its field.
    #[error("invalid sweep: {}", describe(.0))]
    Invalid(Vec<Invalid>),
    /// It was cancelled.
    #[error("the sweep was cancelled")]
    Cancelled,
    /// A worker thread failed (a bug).
    #[error("a sweep worker failed: {0}")]
    Worker(String),
}

fn describe(found: &[Invalid]) -> String {
    found
        .iter()
        .map(|i| format!("{}: {}", i.path, i.message))
        .collect::<Vec<_>>()
        .join("; ")
}

/// A computed sweep. Cell (column, row) — axis 0's value `column`, axis 1's value `row` — is at
/// index row·columns + column of every vector (row-major).
#[derive(Clone, Debug, PartialEq)]
pub struct Sweep {
    /// The axes, as requested.
    pub axes: [Axis; 2],
    /// Final loss: the loss of the last finite sample (of a diverged run, the last before it broke).
    pub values: Vec<f64>,
    /// The first step with ‖∇f‖ < tolerance (`None`: never, or tolerance 0).
    pub steps_to_tolerance: Vec<Option<u64>>,
    /// The budget used when the tolerance was first reached.
    pub evals_to_tolerance: Vec<Option<u64>>,
    /// Whether the run diverged (see the module documentation).
    pub diverged: Vec<bool>,
    /// Budget used, in the request's unit.
    pub evals_used: Vec<u64>,
    /// Steps taken.
    pub steps: Vec<u64>,
}

impl Sweep {
    /// Number of columns (axis 0's count).
    pub fn columns(&self) -> usize {
        self.axes[0].count
    }

    /// Number of rows (axis 1's count).
    pub fn rows(&self) -> usize {
        self.axes[1].count
    }

    /// Index of cell (column, row) in the vectors.
    pub fn index(&self, column: usize, row: usize) -> usize {
        row * self.columns() + column
    }

    /// The axes' values at cell (column, row).
    pub fn coordinates(&self, column: usize, row: usize) -> [f64; 2] {
        [self.axes[0].value(column), self.axes[1].value(row)]
    }
}

/// The cells one worker computed (with their indices), or why it stopped.
type WorkerOutcome = Result<Vec<(usize, CellResult)>, String>;

/// What one cell's run gave.
#[derive(Clone, Copy, Debug, PartialEq)]
struct CellResult {
    final_loss: f64,
    to_tolerance: Option<(u64, u64)>,
    diverged: bool,
    evals_used: u64,
    steps: u64,
}

/// Runs the sweep on all available cores. Blocks until done; call it on a worker thread and
/// watch `progress`.
pub fn run_sweep(request: &SweepRequest, progress: &SweepProgress) -> Result<Sweep, SweepError> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    run_sweep_with_threads(request, progress, threads)
}

/// [`run_sweep`] on `threads` threads (at least one). Results do not depend on the count.
pub fn run_sweep_with_threads(
    request: &SweepRequest,
    progress: &SweepProgress,
    threads: usize,
) -> Result<Sweep, SweepError> {
    let found = request.validate();
    if !found.is_empty() {
        return Err(SweepError::Invalid(found));
    }
    let problem = ProblemInstance::build_transformed(&request.problem, &request.transform);
    let total = request.cells();
    let next = AtomicUsize::new(0);
    let worker = || -> WorkerOutcome {
        let mut results = Vec::new();
        loop {
            let index = next.fetch_add(1, Ordering::Relaxed);
            if index >= total || progress.is_cancelled() {
                return Ok(results);
            }
            let columns = request.axes[0].count;
            let config = request.cell_config(index % columns, index / columns)?;
            match run_cell(config, &problem, request, progress.cancel_flag()) {
                Some(result) => results.push((index, result)),
                None => return Ok(results),
            }
            progress.advance(1);
        }
    };
    let workers = threads.clamp(1, total.max(1));
    // One worker, or a target without threads (wasm32, where spawning panics): this thread
    // works alone, with no scope.
    let outcomes: Vec<std::thread::Result<WorkerOutcome>> =
        if workers == 1 || cfg!(target_arch = "wasm32") {
            vec![Ok(worker())]
        } else {
            std::thread::scope(|scope| {
                let handles: Vec<_> = (0..workers).map(|_| scope.spawn(worker)).collect();
                handles.into_iter().map(|h| h.join()).collect()
            })
        };
    let mut cells: Vec<Option<CellResult>> = vec![None; total];
    for outcome in outcomes {
        let results = outcome
            .map_err(|_| SweepError::Worker("a worker thread panicked".to_owned()))?
            .map_err(SweepError::Worker)?;
        for (index, result) in results {
            cells[index] = Some(result);
        }
    }
    if progress.is_cancelled() {
        return Err(SweepError::Cancelled);
    }
    let cells: Option<Vec<CellResult>> = cells.into_iter().collect();
    let cells = cells.ok_or_else(|| SweepError::Worker("a cell was not computed".to_owned()))?;
    Ok(assemble(request, &cells))
}

/// A sweep computed a cell at a time, in row-major order, for a frame loop without threads; on a
/// thread of its own it runs whole through [`run_sweep`]. Every cell is an independent run, so
/// either way the sweep is the same.
pub struct SweepPieces {
    request: SweepRequest,
    /// Built by the first piece, after the request is validated.
    problem: Option<ProblemInstance>,
    cells: Vec<CellResult>,
}

impl SweepPieces {
    /// The sweep `request` asks for.
    pub fn new(request: SweepRequest) -> Self {
        Self {
            request,
            problem: None,
            cells: Vec::new(),
        }
    }
}

impl Pieces for SweepPieces {
    type Output = Sweep;

    fn total(&self) -> usize {
        self.request.cells()
    }

    fn run_whole(&mut self, control: &JobControl) -> Result<Sweep, String> {
        run_sweep(&self.request, control).map_err(|error| error.to_string())
    }

    /// The next cell (the first piece validates the request and builds the problem first).
    fn run_piece(&mut self, control: &JobControl) -> Slice<Sweep> {
        let request = &self.request;
        if self.problem.is_none() {
            let found = request.validate();
            if !found.is_empty() {
                return Some(Err(SweepError::Invalid(found).to_string()));
            }
            self.problem = Some(ProblemInstance::build_transformed(
                &request.problem,
                &request.transform,
            ));
        }
        let (problem, total) = (self.problem.as_ref()?, request.cells());
        let index = self.cells.len();
        if index < total {
            let columns = request.axes[0].count;
            let config = match request.cell_config(index % columns, index / columns) {
                Ok(config) => config,
                Err(message) => return Some(Err(SweepError::Worker(message).to_string())),
            };
            match run_cell(config, problem, request, control.cancel_flag()) {
                Some(result) => self.cells.push(result),
                None => return Some(Err(SweepError::Cancelled.to_string())),
            }
        }
        (self.cells.len() >= total).then(|| Ok(assemble(request, &self.cells)))
    }
}

fn assemble(request: &SweepRequest, cells: &[CellResult]) -> Sweep {
    Sweep {
        axes: request.axes.clone(),
        values: cells.iter().map(|c| c.final_loss).collect(),
        steps_to_tolerance: cells.iter().map(|c| c.to_tolerance.map(|t| t.0)).collect(),
        evals_to_tolerance: cells.iter().map(|c| c.to_tolerance.map(|t| t.1)).collect(),
        diverged: cells.iter().map(|c| c.diverged).collect(),
        evals_used: cells.iter().map(|c| c.evals_used).collect(),
        steps: cells.iter().map(|c| c.steps).collect(),
    }
}

/// Runs one cell to its budget. `None` when cancelled.
fn run_cell(
    config: RunConfig,
    problem: &ProblemInstance,
    request: &SweepRequest,
    cancel: &AtomicBool,
) -> Option<CellResult> {
    // No tolerance stop and no sharpness: every cell spends the same budget on steps alone.
    let mut run = Run::new(config, problem, Measurement::default());
    let start = run.last_sample();
    let budget = request.budget_evals;
    let used = |run: &Run| match request.budget_unit {
        BudgetUnit::OracleCalls => run.last_sample().evals,
        BudgetUnit::SampleGradients => run.oracle().counts().sample_gradients,
    };
    let reached = |sample: &Sample| request.tolerance > 0.0 && sample.grad_norm < request.tolerance;
    let mut to_tolerance = reached(&start).then_some((0, 0));
    // Every step costs at least one evaluation, so `budget` steps also bound a method whose count
    // does not move (none should).
    while run.status().is_running() && used(&run) < budget && run.steps_taken() < budget {
        if run.steps_taken().is_multiple_of(CANCEL_CHECK_STEPS) && cancel.load(Ordering::Relaxed) {
            return None;
        }
        let Some(sample) = run.step() else {
            break;
        };
        if to_tolerance.is_none() && reached(&sample) {
            to_tolerance = Some((sample.step, used(&run)));
        }
    }
    let last = run.last_sample();
    let diverged = matches!(run.status(), RunStatus::Diverged { .. })
        || !last.loss.is_finite()
        || last.loss > start.loss;
    Some(CellResult {
        final_loss: last.loss,
        to_tolerance,
        diverged,
        evals_used: used(&run),
        steps: run.steps_taken(),
    })
}

/// The Hessian eigenvalues (λ₁, λ₂) of a quadratic problem seen through `transform`, for
/// [`stability_boundary`].
pub fn quadratic_eigenvalues(problem: &Problem, transform: &Transform) -> Option<[f64; 2]> {
    match problem {
        Problem::Landscape(LandscapeConfig::Quadratic(q)) => {
            let q = transform.quadratic(q);
            Some([q.lambda1, q.lambda2])
        }
        _ => None,
    }
}

/// The theoretical stability boundary on a quadratic with eigenvalues `lambdas`, as points in the
/// axes' coordinates ([axis 0 value, axis 1 value]) along the other axis: for one axis `lr`, the
/// largest stable lr at each value of the other axis (lr = 2/λmax for gradient descent,
/// (2 + 2β)/λmax across a `momentum` axis, a vertical line when the other axis does not change
/// the threshold). Cells with a smaller lr are stable. `None` without an `lr` axis, for methods
/// with no known plain-sharpness threshold (see [`stability::threshold`]; adaptive methods'
/// thresholds are on the preconditioned sharpness), or unless 0 ≤ λmin and 0 < λmax.
pub fn stability_boundary(
    base: &OptimizerConfig,
    axes: &[Axis; 2],
    lambdas: [f64; 2],
) -> Option<Vec<[f64; 2]>> {
    let lambda_max = lambdas[0].max(lambdas[1]);
    if !(lambdas[0].min(lambdas[1]) >= 0.0 && lambda_max > 0.0 && lambda_max.is_finite()) {
        return None;
    }
    let lr_axis = axes.iter().position(|a| a.name == "lr")?;
    let other = &axes[1 - lr_axis];
    if other.name == "lr" {
        return None;
    }
    let samples = if other.count <= 1 { 1 } else { BOUNDARY_POINTS };
    let mut points = Vec::with_capacity(samples);
    for k in 0..samples {
        let value = other.value_at(k as f64 / (samples - 1).max(1) as f64);
        let mut config = RunConfig {
            optimizer: base.clone(),
            ..RunConfig::default()
        };
        set_axis_value(&mut config, &other.name, value).ok()?;
        let Some(lr) = largest_stable_lr(&config.optimizer, lambda_max)? else {
            continue;
        };
        let mut point = [0.0; 2];
        point[lr_axis] = lr;
        point[1 - lr_axis] = value;
        points.push(point);
    }
    Some(points)
}

/// The lr at which the method's threshold equals `lambda_max`: `Some(None)` when no lr is (the
/// threshold never reaches it), `None` when the method has no plain-sharpness threshold.
fn largest_stable_lr(config: &OptimizerConfig, lambda_max: f64) -> Option<Option<f64>> {
    // Every threshold has the form a/lr − b (b = weight decay or 0): two evaluations give a, b.
    let at = |lr: f64| -> Option<f64> {
        let mut c = config.clone();
        c.set_hyper("lr", HyperValue::Float(lr)).ok()?;
        stability::threshold(&c)
            .filter(|t| !t.preconditioned)
            .map(|t| t.sharpness)
    };
    let (one, two) = (at(1.0)?, at(2.0)?);
    let a = 2.0 * (one - two);
    let b = a - one;
    let lr = a / (lambda_max + b);
    Some((a > 0.0 && lr.is_finite() && lr > 0.0).then_some(lr))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::landscape::{LeastSquares, Quadratic};
    use crate::optim::SgdConfig;

    fn quadratic_request(axes: [Axis; 2], budget: u64) -> SweepRequest {
        SweepRequest {
            problem: Problem::Landscape(LandscapeConfig::Quadratic(Quadratic {
                lambda1: 1.0,
                lambda2: 10.0,
                angle_deg: 30.0,
            })),
            transform: Transform::IDENTITY,
            run: RunConfig {
                optimizer: OptimizerConfig::Sgd(SgdConfig::default()),
                ..RunConfig::default()
            },
            axes,
            budget_evals: budget,
            budget_unit: BudgetUnit::OracleCalls,
            tolerance: 1e-6,
        }
    }

    fn sweep(request: &SweepRequest) -> Sweep {
        run_sweep_with_threads(request, &SweepProgress::new(0), 2).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn axis_values_are_spaced_as_asked() {
        assert_eq!(
            Axis::linear("lr", (0.0, 1.0), 5).values(),
            [0.0, 0.25, 0.5, 0.75, 1.0]
        );
        let log = Axis::log("lr", (1e-3, 1e-1), 3).values();
        assert!((log[1] - 1e-2).abs() < 1e-15 && (log[2] - 1e-1).abs() < 1e-15);
        assert_eq!(Axis::linear("lr", (0.3, 0.9), 1).values(), [0.3]);
    }

    #[test]
    fn gd_diverges_beyond_two_over_lambda_max() {
        let lr = Axis::linear("lr", (0.01, 0.4), 40);
        let spacing = 0.01;
        let request = quadratic_request([lr, Axis::linear("momentum", (0.0, 0.0), 1)], 200);
        let result = sweep(&request);
        for column in 0..40 {
            let [lr, _] = result.coordinates(column, 0);
            let diverged = result.diverged[result.index(column, 0)];
            if lr < 0.2 - spacing {
                assert!(!diverged, "lr {lr}");
            } else if lr > 0.2 + spacing {
                assert!(diverged, "lr {lr}");
            }
        }
        let Some(boundary) = stability_boundary(&request.run.optimizer, &request.axes, [1.0, 10.0])
        else {
            panic!("GD has a boundary");
        };
        assert_eq!(boundary.len(), 1);
        assert!((boundary[0][0] - 0.2).abs() < 1e-12);
    }

    #[test]
    fn heavy_ball_diverges_beyond_two_plus_two_beta_over_lambda_max() {
        let request = quadratic_request(
            [
                Axis::linear("lr", (0.02, 0.4), 39),
                Axis::linear("momentum", (0.0, 0.9), 10),
            ],
            300,
        );
        let spacing = 0.01;
        let result = sweep(&request);
        let mut checked = 0;
        for row in 0..result.rows() {
            for column in 0..result.columns() {
                let [lr, beta] = result.coordinates(column, row);
                let edge = (2.0 + 2.0 * beta) / 10.0;
                if (lr - edge).abs() > spacing {
                    let diverged = result.diverged[result.index(column, row)];
                    assert_eq!(diverged, lr > edge, "lr {lr}, β {beta}");
                    checked += 1;
                }
            }
        }
        assert!(checked > 300);
        let Some(boundary) = stability_boundary(&request.run.optimizer, &request.axes, [1.0, 10.0])
        else {
            panic!("SGD with momentum has a boundary");
        };
        assert_eq!(boundary.len(), BOUNDARY_POINTS);
        for [lr, beta] in boundary {
            assert!((lr - (2.0 + 2.0 * beta) / 10.0).abs() < 1e-12);
        }
        // The axes swapped: points swap too.
        let swapped = [request.axes[1].clone(), request.axes[0].clone()];
        let Some(boundary) = stability_boundary(&request.run.optimizer, &swapped, [1.0, 10.0])
        else {
            panic!("swapped axes");
        };
        assert!((boundary[0][1] - 0.2).abs() < 1e-12 && boundary[0][0] == 0.0);
    }

    #[test]
    fn cells_use_equal_budgets() {
        let request = quadratic_request(
            [
                Axis::log("lr", (1e-3, 0.1), 5),
                Axis::linear("momentum", (0.0, 0.5), 3),
            ],
            50,
        );
        let result = sweep(&request);
        assert!(result.evals_used.iter().all(|&e| e == 50));
        assert!(result.steps.iter().all(|&s| s == 50));
        // Minibatches at an equal number of per-sample gradients: smaller batches take more steps.
        let request = SweepRequest {
            problem: Problem::Landscape(LandscapeConfig::LeastSquares(LeastSquares::default())),
            axes: [
                Axis::log(BATCH_SIZE, (1.0, 64.0), 4),
                Axis::linear("lr", (0.01, 0.01), 1),
            ],
            budget_evals: 640,
            budget_unit: BudgetUnit::SampleGradients,
            ..quadratic_request([Axis::default(), Axis::default()], 640)
        };
        let result = sweep(&request);
        for column in 0..4 {
            let batch = request.axes[0].value(column).round() as u64;
            let index = result.index(column, 0);
            assert_eq!(result.evals_used[index], 640, "batch {batch}");
            assert_eq!(result.steps[index], 640 / batch, "batch {batch}");
        }
    }

    #[test]
    fn results_do_not_depend_on_threads_and_tolerance_is_tracked() {
        let request = quadratic_request(
            [
                Axis::log("lr", (1e-2, 0.3), 6),
                Axis::linear("momentum", (0.0, 0.8), 3),
            ],
            400,
        );
        let one = run_sweep_with_threads(&request, &SweepProgress::new(0), 1);
        let three = run_sweep_with_threads(&request, &SweepProgress::new(0), 3);
        assert_eq!(one, three);
        let Ok(result) = one else {
            panic!("valid");
        };
        // lr = 0.1, β = 0: GD at rate 0.9 per step reaches ‖∇f‖ < 1e-6 in well under 400 steps.
        let reached = result
            .steps_to_tolerance
            .iter()
            .zip(&result.evals_to_tolerance)
            .filter(|(s, e)| s.is_some() && s == e)
            .count();
        assert!(reached > 0);
    }

    #[test]
    fn cancel_stops_the_sweep() {
        let request = quadratic_request(
            [
                Axis::log("lr", (1e-4, 1e-3), 16),
                Axis::linear("momentum", (0.0, 0.5), 8),
            ],
            200_000,
        );
        let progress = SweepProgress::new(0);
        progress.cancel();
        assert_eq!(
            run_sweep_with_threads(&request, &progress, 2),
            Err(SweepError::Cancelled)
        );
        let progress = SweepProgress::new(0);
        let result = std::thread::scope(|scope| {
            scope.spawn(|| {
                while progress.done().load(Ordering::Relaxed) == 0 {
                    std::thread::yield_now();
                }
                progress.cancel();
            });
            run_sweep_with_threads(&request, &progress, 2)
        });
        assert_eq!(result, Err(SweepError::Cancelled));
        assert!(progress.done().load(Ordering::Relaxed) < request.cells());
    }

    #[test]
    fn bad_requests_are_refused_by_field() {
        let mut request = quadratic_request(
            [
                Axis::log("lr", (0.0, 1.0), 4),
                Axis::linear("gamma", (0.0, 1.0), 2),
            ],
            10,
        );
        let Err(SweepError::Invalid(found)) =
            run_sweep_with_threads(&request, &SweepProgress::new(0), 1)
        else {
            panic!("a log axis from 0");
        };
        assert_eq!(found[0].path, "axes[0].range");
        request.axes[0] = Axis::log("lr", (0.1, 1.0), 4);
        let found = request.validate();
        assert!(found[0].message.contains("gamma"), "{found:?}");
        request.axes[1] = Axis::linear("momentum", (-1.0, 0.0), 2);
        let found = request.validate();
        assert!(found[0].path.starts_with("cell (0, 0)"), "{found:?}");
    }

    #[test]
    fn request_round_trips_through_ron() {
        let request = quadratic_request(
            [
                Axis::log("lr", (1e-3, 1.0), 8),
                Axis::linear("betas[1]", (0.9, 0.999), 4),
            ],
            100,
        );
        let text = ron::to_string(&request).unwrap_or_default();
        let back: SweepRequest = ron::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
        assert_eq!(back, request);
    }
}
