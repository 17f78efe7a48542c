//! Basins of attraction: run one optimizer from every point of a grid and map where each start ends.
//!
//! For a view window [x_min, x_max] × [y_min, y_max] and n starts per side, start (r, c) is the
//! centre of grid cell (r, c), row 0 at y_min:
//!
//! ```text
//! x₀ = x_min + (x_max − x_min)·(2c + 1)/(2n),   y₀ = y_min + (y_max − y_min)·(2r + 1)/(2n)
//! ```
//!
//! (with n odd and a window symmetric about a point, the middle start is exactly that point). From
//! each start the configured optimizer takes up to N steps, xₖ₊₁ = step(xₖ), and the start is
//! labelled by where it ends, checked after every step in this order:
//!
//! ```text
//! xₖ or f(xₖ) not finite, or ‖xₖ − centre‖ > 100 · diagonal   → Diverged
//! ‖∇f(xₖ)‖ < tol                                              → stationary: classified below
//! the method's step fails (Newton's singular system)          → Failed
//! k = N, or the method's own stopping test fired              → NotConverged
//! ```
//!
//! A stationary point x* (‖∇f(x*)‖ < tol) is classified, with d = view diagonal and r = 10⁻³·d:
//!
//! ```text
//! ‖x* − mᵢ‖ ≤ r for a listed isolated minimizer mᵢ (nearest)  → Minimum(i)
//! dist(x*, minimizer set) ≤ r                                 → MinimizerSet
//! eigenvalues λ₁ ≤ λ₂ of ∇²f(x*), ε = 10⁻⁶·(1 + max|λ|):
//!     λ₁ > ε                → OtherMinimum (a local minimum the landscape does not list)
//!     λ₁ < −ε < ε < λ₂      → Saddle
//!     λ₂ < −ε               → Maximum
//!     otherwise (degenerate: an eigenvalue within ε of 0) the sign pattern of f(x* + r·u) − f(x*)
//!     over 16 directions u on the unit circle decides: all ≥ 0 → OtherMinimum, all ≤ 0 →
//!     Maximum, mixed → Saddle (the monkey saddle x³ − 3xy², whose Hessian vanishes at 0)
//! ```
//!
//! Each start also records the loss where it ended (for "colour by log loss reached") and the
//! first k with ‖∇f(xₖ)‖ < tol (for "colour by steps to tolerance"); k = 0 when the start is
//! already stationary.
//!
//! Every method of the catalog runs through its real [`Optimizer`] and an exact-gradient
//! [`Oracle`] (no minibatches, no noise, seed 0, so randomized methods behave as a run with seed 0
//! would; fresh state for every start, so the map does not depend on how rows are shared among
//! threads). Plain gradient descent (SGD without momentum, weight decay or `maximize`) takes a fast
//! path (`plain_gd`) that reuses the gradient each step is taken with for the convergence test,
//! halving the evaluations. Where the landscape has a SIMD kernel ([`Landscape::descend`]) the
//! whole step loop of a row runs in SIMD registers, each lane a start at its own step count;
//! elsewhere blocks of starts step together through [`Landscape::value_and_gradient_batch`]. Both
//! round as `Sgd` does (x ← fma(−lr, g, x)) and check as the generic path does, so every path
//! gives the same map.
//!
//! Rows are shared among the machine's cores (scoped threads taking rows from a common counter),
//! or mapped one at a time on the caller's thread for a frame loop ([`BasinPieces`]);
//! the caller's `cancel` flag is checked before every start of the generic path, before every row
//! and every 1024 register steps of the fused path, and before every block and every 64 steps of
//! the block path; the `progress` counter gains one per finished row.
//!
//! Pure Newton is a root finder for ∇f = 0, so its basin map shows starts converging to saddles
//! and maxima as well as minima; the boundaries between basins of Newton's method are fractal
//! (Newton fractals), unlike the smooth boundaries of gradient descent on the same landscape.
//!
//! References: J. Nocedal & S. J. Wright, *Numerical Optimization* (2nd ed., 2006), §2.1
//! (stationary points and second-order conditions) and §3.3 (Newton's method); Y. N. Dauphin et
//! al., "Identifying and attacking the saddle point problem in high-dimensional non-convex
//! optimization", NeurIPS 2014 (Newton is attracted to saddles); J. H. Hubbard, D. Schleicher &
//! S. Sutherland, "How to find all roots of complex polynomials by Newton's method", Inventiones
//! Mathematicae 146 (2001) (basins of Newton's method).

use std::num::NonZeroUsize;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use nalgebra::DVector;

use crate::landscape::batch::{Descent, LaneState};
use crate::landscape::{Landscape, LandscapeObjective, Point, ViewWindow};
use crate::objective::{GradientModel, Objective, Oracle};
use crate::optim::{Optimizer, OptimizerConfig, StepOutcome};
use crate::validate::Checker;

mod classify;
mod pieces;
mod plain_gd;

use classify::Classifier;
pub use pieces::BasinPieces;

/// Distance from the window's centre, in window diagonals, beyond which a start counts as diverged.
pub const ESCAPE_DIAGONALS: f64 = 100.0;
/// Radius, as a fraction of the window's diagonal, within which a stationary point is taken to be a
/// known minimizer (and the radius of the circle probed around degenerate stationary points).
pub const MATCH_FRACTION: f64 = 1e-3;
/// Largest number of starts per side a request may ask for.
pub const MAX_RESOLUTION: usize = 2048;
/// Seed of every start's oracle: randomized methods behave as a run with this seed would.
const SEED: u64 = 0;

/// What to map: one optimizer run from every point of a grid over a window.
#[derive(Clone, Debug, PartialEq)]
pub struct BasinRequest {
    /// The window the starts cover.
    pub window: ViewWindow,
    /// Starts per side (the map has resolution² starts).
    pub resolution: usize,
    /// Steps per start at most.
    pub steps: u64,
    /// The method, with its hyperparameters.
    pub optimizer: OptimizerConfig,
    /// Gradient-norm tolerance: a start has converged once ‖∇f‖ < tolerance.
    pub tolerance: f64,
}

impl BasinRequest {
    /// Start (row, column): the centre of that grid cell, row 0 at `y_min`, column 0 at `x_min`.
    pub fn start(&self, row: usize, column: usize) -> Point {
        let cells = 2.0 * self.resolution as f64;
        let window = &self.window;
        [
            window.x_min + window.width() * (2 * column + 1) as f64 / cells,
            window.y_min + window.height() * (2 * row + 1) as f64 / cells,
        ]
    }

    /// Semantic checks: a non-empty finite window, 1 ≤ resolution ≤ [`MAX_RESOLUTION`], a
    /// positive tolerance and a valid optimizer.
    pub fn validate(&self, checker: &mut Checker) {
        let ViewWindow {
            x_min,
            x_max,
            y_min,
            y_max,
        } = self.window;
        let finite = [
            ("window.x_min", x_min),
            ("window.x_max", x_max),
            ("window.y_min", y_min),
            ("window.y_max", y_max),
        ]
        .into_iter()
        .fold(true, |all, (field, value)| {
            checker.finite(field, value) && all
        });
        if finite && x_max <= x_min {
            checker.report("window", "x_max must be greater than x_min");
        }
        if finite && y_max <= y_min {
            checker.report("window", "y_max must be greater than y_min");
        }
        checker.count_in_range(
            "resolution",
            self.resolution as u64,
            1,
            MAX_RESOLUTION as u64,
        );
        checker.positive("tolerance", self.tolerance);
        checker.within("optimizer", |checker| self.optimizer.validate(checker));
    }
}

/// Where one start ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// At the listed isolated minimizer with this index into `Minimizers::Points`.
    Minimum(usize),
    /// On the landscape's connected set of minimizers (`Minimizers::Set`).
    MinimizerSet,
    /// At a local minimum the landscape does not list (positive curvature, or no lower point
    /// nearby).
    OtherMinimum,
    /// At a saddle point: curvature of both signs, or lower and higher points nearby.
    Saddle,
    /// At a local maximum.
    Maximum,
    /// The iterate or loss became non-finite, or the iterate left the window far behind.
    Diverged,
    /// The method could not go on (e.g. pure Newton at a singular Hessian).
    Failed,
    /// The gradient norm stayed above the tolerance for all steps (or the method stopped itself
    /// before reaching it).
    NotConverged,
}

impl Outcome {
    /// Whether the start ended at a stationary point (‖∇f‖ < tolerance).
    pub fn is_stationary(&self) -> bool {
        matches!(
            self,
            Outcome::Minimum(_)
                | Outcome::MinimizerSet
                | Outcome::OtherMinimum
                | Outcome::Saddle
                | Outcome::Maximum
        )
    }
}

/// The result: one entry per start, row-major, row 0 at `y_min` (index = row · resolution + column).
#[derive(Clone, Debug, PartialEq)]
pub struct BasinMap {
    /// What was mapped.
    pub request: BasinRequest,
    /// Where each start ended.
    pub outcomes: Vec<Outcome>,
    /// The loss where each start ended (a diverged start: the last finite loss, NaN if none).
    pub final_loss: Vec<f64>,
    /// The first step at which ‖∇f‖ < tolerance (0: the start itself), if it was reached.
    pub steps_to_tolerance: Vec<Option<u32>>,
}

impl BasinMap {
    /// The index of start (row, column) in the per-start vectors.
    pub fn index(&self, row: usize, column: usize) -> usize {
        row * self.request.resolution + column
    }

    /// How many starts ended in each outcome, most frequent first (ties in outcome order).
    pub fn tally(&self) -> Vec<(Outcome, usize)> {
        let mut counts: Vec<(Outcome, usize)> = Vec::new();
        for &outcome in &self.outcomes {
            match counts.iter_mut().find(|(seen, _)| *seen == outcome) {
                Some((_, count)) => *count += 1,
                None => counts.push((outcome, 1)),
            }
        }
        counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| rank(a.0).cmp(&rank(b.0))));
        counts
    }
}

/// A total order of outcomes for stable tallies.
fn rank(outcome: Outcome) -> (usize, usize) {
    match outcome {
        Outcome::Minimum(index) => (0, index),
        Outcome::MinimizerSet => (1, 0),
        Outcome::OtherMinimum => (2, 0),
        Outcome::Saddle => (3, 0),
        Outcome::Maximum => (4, 0),
        Outcome::Diverged => (5, 0),
        Outcome::Failed => (6, 0),
        Outcome::NotConverged => (7, 0),
    }
}

/// Runs `request.optimizer` from every start of the grid and classifies each (see the module
/// docs). Uses every core. Adds one to `progress` per finished row (of `request.resolution`).
/// Returns `None` when `cancel` was set before the map was complete.
pub fn compute(
    landscape: &Arc<dyn Landscape>,
    request: &BasinRequest,
    progress: &AtomicUsize,
    cancel: &AtomicBool,
) -> Option<BasinMap> {
    compute_with(landscape, request, progress, cancel, true)
}

/// [`compute`], with the gradient-descent fast path allowed or not (tests compare the two).
fn compute_with(
    landscape: &Arc<dyn Landscape>,
    request: &BasinRequest,
    progress: &AtomicUsize,
    cancel: &AtomicBool,
    allow_fast_path: bool,
) -> Option<BasinMap> {
    let workers = std::thread::available_parallelism()
        .map_or(1, NonZeroUsize::get)
        .min(request.resolution)
        .max(1);
    compute_on(
        landscape,
        request,
        (progress, cancel),
        allow_fast_path,
        workers,
    )
}

/// [`compute_with`] on `workers` workers: this thread and `workers − 1` helpers (tests compare
/// counts). One worker, or a target without threads (wasm32), works here with no scope.
fn compute_on(
    landscape: &Arc<dyn Landscape>,
    request: &BasinRequest,
    (progress, cancel): (&AtomicUsize, &AtomicBool),
    allow_fast_path: bool,
    workers: usize,
) -> Option<BasinMap> {
    let classifier = Classifier::new(landscape.as_ref(), &request.window);
    let shared = Shared {
        landscape,
        objective: Arc::new(LandscapeObjective::new(landscape.clone())),
        request,
        classifier: &classifier,
        plain_gd_lr: request.optimizer.plain_gd_lr().filter(|_| allow_fast_path),
        tolerance_squared: request.tolerance * request.tolerance,
        next_row: AtomicUsize::new(0),
        end_row: request.resolution,
        progress,
        cancel,
    };
    let finished_rows = if workers <= 1 || cfg!(target_arch = "wasm32") {
        shared.work()
    } else {
        std::thread::scope(|scope| {
            let shared = &shared;
            // A thread the system refuses to start is simply one worker fewer: the rows are shared
            // through a counter, so the remaining workers (at least this thread) cover them all.
            let helpers: Vec<_> = (1..workers)
                .filter_map(|_| {
                    std::thread::Builder::new()
                        .name("basin".into())
                        .spawn_scoped(scope, move || shared.work())
                        .ok()
                })
                .collect();
            let mut rows = shared.work();
            for helper in helpers {
                rows.extend(helper.join().ok()?);
            }
            Some(rows)
        })?
    };
    if cancel.load(Ordering::Relaxed) {
        return None;
    }
    Some(assemble(request, finished_rows))
}

/// Puts the rows the workers finished, in whatever order, into one row-major map.
fn assemble(request: &BasinRequest, mut rows: Vec<(usize, Vec<StartResult>)>) -> BasinMap {
    rows.sort_by_key(|(row, _)| *row);
    let starts = request.resolution * request.resolution;
    let mut map = BasinMap {
        request: request.clone(),
        outcomes: Vec::with_capacity(starts),
        final_loss: Vec::with_capacity(starts),
        steps_to_tolerance: Vec::with_capacity(starts),
    };
    for result in rows.into_iter().flat_map(|(_, results)| results) {
        map.outcomes.push(result.outcome);
        map.final_loss.push(result.final_loss);
        map.steps_to_tolerance.push(result.steps_to_tolerance);
    }
    map
}

/// What one start produced.
#[derive(Clone, Copy, Debug, PartialEq)]
struct StartResult {
    outcome: Outcome,
    final_loss: f64,
    steps_to_tolerance: Option<u32>,
}

/// What every worker reads.
struct Shared<'a> {
    landscape: &'a Arc<dyn Landscape>,
    objective: Arc<dyn Objective>,
    request: &'a BasinRequest,
    classifier: &'a Classifier,
    plain_gd_lr: Option<f64>,
    tolerance_squared: f64,
    next_row: AtomicUsize,
    /// The row after the last to map (the resolution, or fewer when mapping a piece of it).
    end_row: usize,
    progress: &'a AtomicUsize,
    cancel: &'a AtomicBool,
}

impl Shared<'_> {
    /// Takes rows until none is left or the map is cancelled; returns the rows it finished.
    fn work(&self) -> Vec<(usize, Vec<StartResult>)> {
        match self.plain_gd_lr {
            Some(lr) => self.work_plain_gd(lr),
            None => self.work_generic(),
        }
    }

    /// The next row to map, or `None` when every row is taken.
    fn take_row(&self) -> Option<usize> {
        let row = self.next_row.fetch_add(1, Ordering::Relaxed);
        (row < self.end_row.min(self.request.resolution)).then_some(row)
    }

    /// Rows through the real optimizer, one start at a time; `cancel` is checked before each.
    fn work_generic(&self) -> Vec<(usize, Vec<StartResult>)> {
        let resolution = self.request.resolution;
        let mut optimizer = self.request.optimizer.build(2);
        let mut x = DVector::zeros(2);
        let mut finished = Vec::new();
        while let Some(row) = self.take_row() {
            let mut results = Vec::with_capacity(resolution);
            for column in 0..resolution {
                if self.cancel.load(Ordering::Relaxed) {
                    return finished;
                }
                let start = self.request.start(row, column);
                results.push(run_generic(self, optimizer.as_mut(), &mut x, start));
            }
            finished.push((row, results));
            self.progress.fetch_add(1, Ordering::Relaxed);
        }
        finished
    }

    /// Rows of plain GD with the step loop fused in SIMD registers, where the landscape has a
    /// kernel for it ([`Landscape::descend`]); else in blocks of [`plain_gd::BLOCK`] starts.
    fn work_plain_gd(&self, lr: f64) -> Vec<(usize, Vec<StartResult>)> {
        if !has_descent_kernel(self.landscape.as_ref()) {
            return self.work_plain_gd_blocks(lr);
        }
        let mut finished = Vec::new();
        let steps = self.request.steps;
        while let Some(row) = self.take_row() {
            if self.cancel.load(Ordering::Relaxed) {
                return finished;
            }
            let resolution = self.request.resolution;
            let unfinished = StartResult {
                outcome: Outcome::NotConverged,
                final_loss: f64::NAN,
                steps_to_tolerance: None,
            };
            let mut results = vec![unfinished; resolution];
            let mut columns = 0..resolution;
            let mut next_start = || {
                let column = columns.next()?;
                Some((column, self.request.start(row, column)))
            };
            let mut settle = |lane: LaneState| {
                let result = match self.check(lane.point, lane.value, lane.gradient, lane.step) {
                    Some(result) => keep_finite_loss(result, lane.previous_value),
                    None if lane.step >= steps => StartResult {
                        outcome: Outcome::NotConverged,
                        final_loss: lane.value,
                        steps_to_tolerance: None,
                    },
                    None => return false,
                };
                if let Some(out) = results.get_mut(lane.id) {
                    *out = result;
                }
                true
            };
            let cancelled = || self.cancel.load(Ordering::Relaxed);
            let mut descent = Descent {
                neg_lr: -lr,
                steps,
                centre: self.classifier.centre,
                escape_distance_squared: self.classifier.escape_distance_squared,
                tolerance_squared: self.tolerance_squared,
                next_start: &mut next_start,
                settle: &mut settle,
                cancelled: &cancelled,
            };
            if self.landscape.descend(&mut descent) != Some(true) {
                return finished;
            }
            finished.push((row, results));
            self.progress.fetch_add(1, Ordering::Relaxed);
        }
        finished
    }

    /// Rows of plain GD in blocks of [`plain_gd::BLOCK`] starts stepped together.
    fn work_plain_gd_blocks(&self, lr: f64) -> Vec<(usize, Vec<StartResult>)> {
        let mut finished = Vec::new();
        let resolution = self.request.resolution;
        let mut block = plain_gd::Block::new();
        let mut starts = Vec::with_capacity(plain_gd::BLOCK);
        while let Some(row) = self.take_row() {
            let unfinished = StartResult {
                outcome: Outcome::NotConverged,
                final_loss: f64::NAN,
                steps_to_tolerance: None,
            };
            let mut results = vec![unfinished; resolution];
            for (first, chunk) in (0..resolution)
                .step_by(plain_gd::BLOCK)
                .zip(results.chunks_mut(plain_gd::BLOCK))
            {
                starts.clear();
                starts.extend((first..first + chunk.len()).map(|c| self.request.start(row, c)));
                if self.cancel.load(Ordering::Relaxed) || !block.run(self, lr, &starts, chunk) {
                    return finished;
                }
            }
            finished.push((row, results));
            self.progress.fetch_add(1, Ordering::Relaxed);
        }
        finished
    }

    /// Checks the iterate after a step: diverged, converged (then classified) or neither.
    fn check(&self, p: Point, loss: f64, gradient: Point, step: u64) -> Option<StartResult> {
        let finite = p[0].is_finite() && p[1].is_finite() && loss.is_finite();
        if !finite || self.classifier.escaped(p) {
            return Some(StartResult {
                outcome: Outcome::Diverged,
                final_loss: loss,
                steps_to_tolerance: None,
            });
        }
        // Squared norms: `hypot` would cost more than a whole step of a cheap landscape.
        let gradient_norm_squared = gradient[0] * gradient[0] + gradient[1] * gradient[1];
        (gradient_norm_squared < self.tolerance_squared).then(|| StartResult {
            outcome: self.classifier.classify(self.landscape.as_ref(), p, loss),
            final_loss: loss,
            steps_to_tolerance: Some(u32::try_from(step).unwrap_or(u32::MAX)),
        })
    }
}

/// Whether `landscape` runs [`Landscape::descend`]: asked with no starts, which costs nothing.
fn has_descent_kernel(landscape: &dyn Landscape) -> bool {
    let mut descent = Descent {
        neg_lr: 0.0,
        steps: 0,
        centre: [0.0, 0.0],
        escape_distance_squared: 0.0,
        tolerance_squared: 0.0,
        next_start: &mut || None,
        settle: &mut |_| true,
        cancelled: &|| false,
    };
    landscape.descend(&mut descent).is_some()
}

/// A diverged start keeps the last finite loss it had, like a run's last finite sample.
fn keep_finite_loss(mut result: StartResult, last_finite_loss: f64) -> StartResult {
    if !result.final_loss.is_finite() {
        result.final_loss = last_finite_loss;
    }
    result
}

fn run_generic(
    shared: &Shared,
    optimizer: &mut dyn Optimizer,
    x: &mut DVector<f64>,
    start: Point,
) -> StartResult {
    let landscape = shared.landscape.as_ref();
    optimizer.reset();
    let mut oracle = Oracle::new(shared.objective.clone(), GradientModel::default(), SEED);
    oracle.set_record_probes(false);
    x[0] = start[0];
    x[1] = start[1];
    let mut p = start;
    let (mut loss, mut gradient) = landscape.value_and_gradient(p);
    let mut last_finite_loss = f64::NAN;
    let mut stopped = false;
    for step in 0..=shared.request.steps {
        if let Some(result) = shared.check(p, loss, gradient, step) {
            return keep_finite_loss(result, last_finite_loss);
        }
        last_finite_loss = loss;
        if stopped || step == shared.request.steps {
            break;
        }
        oracle.begin_step();
        let info = optimizer.step(x, &mut oracle);
        p = [x[0], x[1]];
        (loss, gradient) = landscape.value_and_gradient(p);
        match info.outcome {
            StepOutcome::Continue => {}
            // Still checked: the method may have stopped exactly at a stationary point.
            StepOutcome::Converged(_) => stopped = true,
            StepOutcome::Failed(_) => {
                return StartResult {
                    outcome: Outcome::Failed,
                    final_loss: if loss.is_finite() {
                        loss
                    } else {
                        last_finite_loss
                    },
                    steps_to_tolerance: None,
                };
            }
        }
    }
    StartResult {
        outcome: Outcome::NotConverged,
        final_loss: loss,
        steps_to_tolerance: None,
    }
}

#[cfg(test)]
mod tests {
    use crate::clock::Instant;

    use super::*;
    use crate::landscape::{
        Himmelblau, LandscapeSpec, LineOfMinima, MonkeySaddle, Quadratic, Rosenbrock,
    };
    use crate::optim::SgdConfig;
    use crate::optim::{NewtonConfig, Safeguard};

    fn sgd(lr: f64) -> OptimizerConfig {
        OptimizerConfig::Sgd(SgdConfig {
            lr,
            ..SgdConfig::default()
        })
    }

    fn request(
        window: ViewWindow,
        resolution: usize,
        steps: u64,
        optimizer: OptimizerConfig,
    ) -> BasinRequest {
        BasinRequest {
            window,
            resolution,
            steps,
            optimizer,
            tolerance: 1e-6,
        }
    }

    fn basin_map(landscape: &Arc<dyn Landscape>, request: &BasinRequest) -> BasinMap {
        compute(
            landscape,
            request,
            &AtomicUsize::new(0),
            &AtomicBool::new(false),
        )
        .expect("not cancelled")
    }

    fn quadratic() -> Arc<dyn Landscape> {
        Quadratic {
            lambda1: 1.0,
            lambda2: 10.0,
            angle_deg: 30.0,
        }
        .build()
    }

    #[test]
    fn starts_are_cell_centres_with_row_zero_at_the_bottom() {
        let request = request(ViewWindow::centred(1.0, 2.0), 5, 1, sgd(0.1));
        assert_eq!(request.start(0, 0), [-0.8, -1.6]);
        assert_eq!(request.start(2, 2), [0.0, 0.0]);
        assert_eq!(request.start(4, 1), [-0.4, 1.6]);
    }

    #[test]
    fn gradient_descent_on_a_convex_quadratic_maps_every_start_to_the_minimum() {
        let landscape = quadratic();
        let request = request(ViewWindow::centred(3.0, 3.0), 24, 500, sgd(0.1));
        let map = basin_map(&landscape, &request);
        assert_eq!(map.outcomes.len(), 24 * 24);
        assert!(map.outcomes.iter().all(|&o| o == Outcome::Minimum(0)));
        assert!(
            map.final_loss
                .iter()
                .all(|&loss| (0.0..1e-10).contains(&loss))
        );
        assert!(
            map.steps_to_tolerance
                .iter()
                .all(|steps| steps.is_some_and(|k| k > 0))
        );
        assert_eq!(map.tally(), vec![(Outcome::Minimum(0), 24 * 24)]);
        // Farther starts need more steps: the corner takes longer than the cell next to the centre.
        let corner = map.steps_to_tolerance[map.index(0, 0)];
        let inner = map.steps_to_tolerance[map.index(11, 11)];
        assert!(corner > inner, "{corner:?} vs {inner:?}");
    }

    #[test]
    fn too_large_a_step_diverges_everywhere_but_at_the_minimizer() {
        let landscape = quadratic();
        // lr·λmax = 0.25 · 10 = 2.5 > 2.
        let request = request(ViewWindow::centred(2.0, 2.0), 15, 2000, sgd(0.25));
        let map = basin_map(&landscape, &request);
        let centre = map.index(7, 7);
        assert_eq!(map.outcomes[centre], Outcome::Minimum(0));
        assert_eq!(map.steps_to_tolerance[centre], Some(0));
        for (index, outcome) in map.outcomes.iter().enumerate() {
            if index != centre {
                assert_eq!(*outcome, Outcome::Diverged, "start {index}");
                assert!(map.final_loss[index].is_finite());
                assert_eq!(map.steps_to_tolerance[index], None);
            }
        }
    }

    #[test]
    fn pure_newton_on_himmelblau_finds_all_minima_saddles_and_the_maximum() {
        let landscape = Himmelblau::default().build();
        let newton = OptimizerConfig::Newton(NewtonConfig {
            lr: 1.0,
            safeguard: Safeguard::None,
        });
        let request = request(ViewWindow::centred(5.0, 5.0), 64, 100, newton);
        let map = basin_map(&landscape, &request);
        let tally = map.tally();
        let count = |outcome: Outcome| {
            tally
                .iter()
                .find(|(o, _)| *o == outcome)
                .map_or(0, |(_, n)| *n)
        };
        for index in 0..4 {
            assert!(
                count(Outcome::Minimum(index)) > 0,
                "minimum {index}: {tally:?}"
            );
        }
        assert!(count(Outcome::Saddle) > 0, "{tally:?}");
        assert!(count(Outcome::Maximum) > 0, "{tally:?}");
        // Newton converges fast wherever it converges.
        let slowest = map.steps_to_tolerance.iter().flatten().max();
        assert!(slowest.is_some_and(|&k| k < 60), "{slowest:?}");
        // A start next to the maximum goes to it.
        let near_maximum = BasinRequest {
            window: ViewWindow {
                x_min: -0.28,
                x_max: -0.26,
                y_min: -0.93,
                y_max: -0.91,
            },
            resolution: 3,
            ..request.clone()
        };
        let map = basin_map(&landscape, &near_maximum);
        assert!(
            map.outcomes.iter().all(|&o| o == Outcome::Maximum),
            "{:?}",
            map.outcomes
        );
    }

    #[test]
    fn gradient_descent_on_himmelblau_finds_only_minima() {
        let landscape = Himmelblau::default().build();
        let request = request(ViewWindow::centred(5.0, 5.0), 32, 5000, sgd(0.002));
        let map = basin_map(&landscape, &request);
        for outcome in &map.outcomes {
            assert!(matches!(outcome, Outcome::Minimum(_)), "{outcome:?}");
        }
        assert_eq!(map.tally().len(), 4);
    }

    /// One worker on this thread (what a target without threads computes) gives exactly the map
    /// that several threads give, with and without the fast path.
    #[test]
    fn one_worker_on_this_thread_matches_several_threads() {
        let landscape = Himmelblau::default().build();
        let request = request(ViewWindow::centred(5.0, 5.0), 24, 2000, sgd(0.002));
        for fast_path in [true, false] {
            let flags = (AtomicUsize::new(0), AtomicBool::new(false));
            let alone = compute_on(&landscape, &request, (&flags.0, &flags.1), fast_path, 1);
            let threads = compute_on(&landscape, &request, (&flags.0, &flags.1), fast_path, 4);
            let alone = alone.expect("not cancelled");
            assert_eq!(Some(&alone), threads.as_ref());
            assert_eq!(alone.outcomes.len(), 24 * 24);
            assert_eq!(
                alone.tally().len(),
                4,
                "every minimum's basin is in the map"
            );
        }
    }

    #[test]
    fn fast_path_matches_the_optimizer_exactly() {
        let landscape = Rosenbrock::default().build();
        let request = BasinRequest {
            tolerance: 1e-3,
            ..request(landscape.view(), 16, 3000, sgd(1e-3))
        };
        let (progress, cancel) = (AtomicUsize::new(0), AtomicBool::new(false));
        let fast = compute_with(&landscape, &request, &progress, &cancel, true);
        let generic = compute_with(&landscape, &request, &progress, &cancel, false);
        assert_eq!(fast, generic);
        let fast = fast.expect("not cancelled");
        assert!(fast.outcomes.contains(&Outcome::Minimum(0)));
        assert!(fast.outcomes.contains(&Outcome::NotConverged));
    }

    #[test]
    fn fast_path_matches_on_split_rows_divergence_and_convergence() {
        let (progress, cancel) = (AtomicUsize::new(0), AtomicBool::new(false));
        let himmelblau = Himmelblau::default().build();
        // 259 starts per row: a full block of 256 and one of 3, which SIMD registers cannot fill.
        let cases = [
            (
                quadratic(),
                request(ViewWindow::centred(2.0, 2.0), 259, 25, sgd(0.25)),
            ),
            (
                quadratic(),
                request(ViewWindow::centred(2.0, 2.0), 37, 100, sgd(0.1)),
            ),
            (
                himmelblau.clone(),
                request(himmelblau.view(), 33, 200, sgd(0.01)),
            ),
            // lr·λmax = 2.005: each start grows by 1.005 per step and leaves the escape circle,
            // still finite, at its own step, in the middle of the fused loop's chunks.
            (
                quadratic(),
                request(ViewWindow::centred(2.0, 2.0), 23, 2000, sgd(0.2005)),
            ),
        ];
        // A Rosenbrock too steep for the kernel's finiteness promise: the fused loop then computes
        // and tests f in every lane.
        let steep = Rosenbrock { a: 1.0, b: 1e150 }.build();
        let steep_request = request(steep.view(), 21, 40, sgd(3e-151));
        let cases = cases
            .into_iter()
            .chain(std::iter::once((steep, steep_request)));
        for (landscape, request) in cases {
            let fast = compute_with(&landscape, &request, &progress, &cancel, true);
            let generic = compute_with(&landscape, &request, &progress, &cancel, false);
            assert_eq!(fast, generic, "{request:?}");
            let tally = fast.map(|map| map.tally()).unwrap_or_default();
            assert!(tally.len() > 1, "{tally:?}");
        }
    }

    #[test]
    fn every_optimizer_maps_without_trouble() {
        let landscape = Himmelblau::default().build();
        for optimizer in OptimizerConfig::catalog() {
            let request = request(landscape.view(), 4, 50, optimizer);
            let map = basin_map(&landscape, &request);
            assert_eq!(map.outcomes.len(), 16, "{}", request.optimizer.name());
            assert_eq!(map.final_loss.len(), 16);
            assert_eq!(map.steps_to_tolerance.len(), 16);
        }
    }

    #[test]
    fn progress_counts_rows_and_cancel_returns_none() {
        let landscape = quadratic();
        let request = request(ViewWindow::centred(1.0, 1.0), 9, 10, sgd(0.1));
        let progress = AtomicUsize::new(0);
        let done = compute(&landscape, &request, &progress, &AtomicBool::new(false));
        assert!(done.is_some());
        assert_eq!(progress.load(Ordering::Relaxed), 9);
        let cancelled = compute(
            &landscape,
            &request,
            &AtomicUsize::new(0),
            &AtomicBool::new(true),
        );
        assert_eq!(cancelled, None);
    }

    #[test]
    fn degenerate_stationary_points_are_classified_by_their_neighbourhood() {
        let window = ViewWindow::centred(2.0, 2.0);
        let monkey = MonkeySaddle::default();
        let classifier = Classifier::new(&monkey, &window);
        assert_eq!(
            classifier.classify(&monkey, [0.0, 0.0], 0.0),
            Outcome::Saddle
        );
        let line = LineOfMinima::default();
        let classifier = Classifier::new(&line, &window);
        assert_eq!(
            classifier.classify(&line, [0.0, 1.0], 0.0),
            Outcome::MinimizerSet
        );
    }

    #[test]
    fn invalid_requests_are_reported() {
        let mut bad = request(ViewWindow::centred(1.0, 1.0), 0, 10, sgd(-1.0));
        bad.window.x_max = -2.0;
        bad.tolerance = 0.0;
        let mut checker = Checker::new();
        bad.validate(&mut checker);
        let paths: Vec<_> = checker.found.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["window", "resolution", "tolerance", "optimizer.lr"]);
        let mut checker = Checker::new();
        request(ViewWindow::centred(1.0, 1.0), 8, 10, sgd(0.1)).validate(&mut checker);
        assert!(checker.found.is_empty(), "{:?}", checker.found);
    }

    /// `cargo test --release --no-default-features basin_fast_path_speed -- --ignored --nocapture`:
    /// the bench's map (c), median of five.
    #[test]
    #[ignore = "timing, release build"]
    fn basin_fast_path_speed() {
        let landscape = Rosenbrock::default().build();
        let gd = request(landscape.view(), 512, 500, sgd(2e-4));
        let mut seconds: Vec<f64> = (0..5)
            .map(|_| {
                let began = Instant::now();
                let map = basin_map(&landscape, &gd);
                std::hint::black_box(map.outcomes.len());
                began.elapsed().as_secs_f64()
            })
            .collect();
        seconds.sort_by(f64::total_cmp);
        println!(
            "GD fast path, 512² × 500: {seconds:.4?} s, median {:.4} s",
            seconds[2]
        );
    }

    /// `cargo test --release --no-default-features basin_speed -- --ignored --nocapture`
    #[test]
    #[ignore = "timing, release build"]
    fn basin_speed() {
        let landscape = Rosenbrock::default().build();
        let gd = request(landscape.view(), 512, 500, sgd(2e-4));
        for (label, request, fast) in [
            ("GD fast path, 512² × 500", gd.clone(), true),
            ("GD via Sgd optimizer, 512² × 500", gd.clone(), false),
            (
                "Adam, 512² × 500",
                BasinRequest {
                    optimizer: OptimizerConfig::Adam(crate::optim::AdamConfig::default()),
                    ..gd.clone()
                },
                false,
            ),
        ] {
            let began = Instant::now();
            let map = compute_with(
                &landscape,
                &request,
                &AtomicUsize::new(0),
                &AtomicBool::new(false),
                fast,
            );
            let seconds = began.elapsed().as_secs_f64();
            let steps = 512.0 * 512.0 * 500.0;
            println!(
                "{label}: {seconds:.3} s, {:.1} ns per start-step; {:?}",
                seconds * 1e9 / steps,
                map.map(|m| m.tally())
            );
        }
    }
}
