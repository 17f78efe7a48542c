//! L-BFGS: limited-memory BFGS with an optional strong-Wolfe line search, exactly as
//! `torch.optim.LBFGS`.
//!
//! The method keeps the last m = history_size curvature pairs sᵢ = xᵢ₊₁ − xᵢ, yᵢ = gᵢ₊₁ − gᵢ and
//! applies the implicit inverse-Hessian approximation Hₖ to the gradient by the two-loop recursion
//! (Nocedal & Wright Alg. 7.4) with initial matrix H⁰ = γI, γ = sᵀy/yᵀy of the newest pair
//! (N&W eq. 7.20). One optiviz step is one iteration of torch's loop, in torch's order:
//!
//! ```text
//! loss, g ← f(x), ∇f(x)                     (negated if maximize)
//! if max|g| ≤ tolerance_grad: stop          (torch returns without moving)
//! first iteration: d ← −g, history ← ∅, γ ← 1
//! later:  y ← g − g_prev,  s ← t·d,  ys ← yᵀs
//!         if ys > 1e-10: drop the oldest pair if m are stored, store (y, s, ρ = 1/ys), γ ← ys/yᵀy
//!         q ← −g;  for i newest → oldest: αᵢ ← ρᵢ·sᵢᵀq,  q ← q − αᵢ·yᵢ
//!         d ← γ·q; for i oldest → newest: βᵢ ← ρᵢ·yᵢᵀd,  d ← d + (αᵢ − βᵢ)·sᵢ
//! g_prev ← g, loss_prev ← loss
//! t ← min(1, 1/‖g‖₁)·lr on the first iteration, lr afterwards
//! if gᵀd > −tolerance_change: stop          (no descent along d)
//! line_search_fn = None:         x ← x + t·d
//! line_search_fn = StrongWolfe:  t, loss, g ← strong_wolfe(x, t, d) (N&W Alg. 3.5/3.6); x ← x + t·d
//! ```
//!
//! **Mapping to torch's `step()`.** torch runs up to `max_iter` (default 20) such iterations per
//! `step(closure)`. optiviz draws every iterate, so one optiviz step is torch's
//! `step()` with `max_iter = 1`, and with StrongWolfe `max_eval = 26`: the line search gets
//! `max_ls = max_eval − 1 = 25`, torch's own default, so up to 26 evaluations (torch's default
//! `max_eval = max_iter·5//4` would be 1 for max_iter = 1, leaving the line search no trial beyond
//! its first). Such a sequence of steps is exactly torch's trajectory, evaluation for
//! evaluation. torch's stopping tests end the run as [`StepOutcome::Converged`]:
//!
//! - max|g| ≤ tolerance_grad at the start of a step: torch's `step()` returns the loss without
//!   moving; so does optiviz.
//! - gᵀd > −tolerance_change: torch breaks before moving; so does optiviz.
//! - At the end of an iteration torch's loop (max_iter > 1) also breaks when max|g| ≤ tolerance_grad
//!   at the new point, when max|t·d| ≤ tolerance_change, or when |loss − loss_prev| <
//!   tolerance_change. optiviz takes the step and then reports Converged. With StrongWolfe the new
//!   loss and gradient come from the line search. Without a line search torch evaluates the new
//!   point only in its next iteration, so optiviz tests the loss change at the start of the next
//!   step, after evaluating there, and stops before moving (max|g| at the new point is the start
//!   test of that step). With max_iter = 1 torch itself never reaches these end-of-iteration tests
//!   and keeps calling step() — the iterates up to the stop are identical (checked bit for bit
//!   over 100 steps on Rosenbrock and a quadratic: tests/golden_quasinewton.rs).
//!
//! The line search's trial points are recorded as probes. The history and every buffer are
//! allocated when the optimizer is built (the history is a ring of history_size preallocated
//! vectors per side), never during a step.
//!
//! Defaults (torch 2.x): lr = 1, tolerance_grad = 1e-7, tolerance_change = 1e-9,
//! history_size = 100, line_search_fn = None, maximize = false (`maximize` is in recent torch 2.x
//! releases of LBFGS: loss and gradient are negated). Validation: torch only checks
//! lr ≥ 0; optiviz requires lr > 0, finite tolerances and 1 ≤ history_size ≤ 1000 (the ring is
//! preallocated).
//!
//! Rounding follows torch's CPU kernels: `add_(v, alpha=a)` is one fused multiply-add per coordinate
//! (x + t·d, q − αᵢ·yᵢ, d + (αᵢ − βᵢ)·sᵢ), dot products of 2-vectors are summed left to right, and
//! γ·q, t·d are plain products (checked against torch; the fused forms are
//! [`torch_ops`](super::torch_ops)'s). For more than two parameters torch's BLAS dot and vectorized
//! sums may differ in the last bits.
//!
//! References: PyTorch documentation and source of `torch.optim.LBFGS` (after M. Schmidt's minFunc);
//! D. C. Liu & J. Nocedal, "On the limited memory BFGS method for large scale optimization",
//! Math. Programming 45, 1989; Nocedal & Wright, *Numerical Optimization* (2nd ed., 2006), §7.2.

use nalgebra::DVector;
use serde::{Deserialize, Serialize};

use super::bfgs::QuasiNewtonExplained;
use super::linesearch::{
    DirectionalEvaluator, LINE_SEARCH_CHOICES, LineSearchFn, WolfeParams, add_scaled_in_place, dot,
    max_abs, py_max_abs, py_min, strong_wolfe, sum_abs,
};
use super::torch_ops::add_scaled;
use super::{Optimizer, OptimizerConfig, OptimizerSpec, Quantity, StepInfo, ensure_len};
use crate::hyper::hyper_table;
use crate::objective::Oracle;

/// Largest history_size accepted: the history is preallocated (2·history_size vectors).
pub const MAX_HISTORY_SIZE: u64 = 1000;

/// torch's `max_eval` for one optiviz step with StrongWolfe: one evaluation at x, 25 in the line
/// search.
const MAX_EVAL: usize = 26;

/// torch only stores a curvature pair when yᵀs exceeds this.
const MIN_CURVATURE: f64 = 1e-10;

/// Hyperparameters of `torch.optim.LBFGS`, same names and defaults (`max_iter` and `max_eval` are
/// fixed by the step mapping, see the module documentation).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LbfgsConfig {
    /// Step length: the line search's first trial (and the fixed step without one).
    pub lr: f64,
    /// Stop when max|∇f| ≤ tolerance_grad.
    pub tolerance_grad: f64,
    /// Stop when the step, the loss change or the directional derivative falls below this.
    pub tolerance_change: f64,
    /// Number of curvature pairs (s, y) kept.
    pub history_size: u64,
    /// `None`: fixed step lr along d; `StrongWolfe`: torch's strong-Wolfe line search.
    pub line_search_fn: Option<LineSearchFn>,
    /// Ascend instead of descend.
    pub maximize: bool,
}

hyper_table! {
    LbfgsConfig, owner: Self::DISPLAY_NAME, defaults {};
    lr = 1.0: log_float(1e-3, 10.0) where positive,
        "x ← x + t·d with t = lr (first iteration: min(1, 1/‖g‖₁)·lr); the line search's first trial";
    tolerance_grad = 1e-7: log_float(1e-12, 1e-2) where finite,
        "stop when max|∇f| ≤ tolerance_grad";
    tolerance_change = 1e-9: log_float(1e-15, 1e-3) where finite,
        "stop when max|t·d|, |Δloss| or −gᵀd falls below tolerance_change";
    history_size = 100: int(1, 100) where count_in_range(1, MAX_HISTORY_SIZE),
        "pairs (s, y) kept; d = −H g by the two-loop recursion over them";
    line_search_fn = None: choice(LINE_SEARCH_CHOICES),
        "None: fixed step t; StrongWolfe: bracketing + zoom until φ(t) ≤ φ(0) + 1e-4·t·φ′(0) and |φ′(t)| ≤ 0.9|φ′(0)|";
    maximize = false: boolean, "ascend: f ← −f";
}

impl OptimizerSpec for LbfgsConfig {
    crate::optim::spec_names! {
        "LBFGS":
        "torch.optim.LBFGS: limited-memory BFGS, two-loop recursion, optional strong-Wolfe line search"
    }

    crate::optim::no_stability_threshold!(CurvatureScaled);

    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        let capacity = history_capacity(self.history_size);
        Box::new(Lbfgs {
            config: self.clone(),
            flat_grad: DVector::zeros(dim),
            prev_flat_grad: DVector::zeros(dim),
            d: DVector::zeros(dim),
            t: 0.0,
            history: History::new(capacity, dim),
            h_diag: 1.0,
            prev_loss: f64::NAN,
            n_iter: 0,
            func_evals: 0,
            evaluator: DirectionalEvaluator::new(dim),
            explained: QuasiNewtonExplained::default(),
        })
    }
}

/// The ring's capacity for a configured history size (validation keeps it in 1..=1000; clamped so
/// that an unvalidated config cannot allocate without bound).
fn history_capacity(history_size: u64) -> usize {
    history_size.clamp(1, MAX_HISTORY_SIZE) as usize
}

/// torch's `old_dirs` (y), `old_stps` (s), `ro` and `al` lists as a ring of preallocated vectors:
/// logical index 0 is the oldest pair, as in torch's lists.
struct History {
    old_dirs: Vec<DVector<f64>>,
    old_stps: Vec<DVector<f64>>,
    ro: Vec<f64>,
    al: Vec<f64>,
    start: usize,
    len: usize,
    /// Scratch y and s, swapped into the ring when the pair is kept.
    y: DVector<f64>,
    s: DVector<f64>,
}

impl History {
    fn new(capacity: usize, dim: usize) -> Self {
        Self {
            old_dirs: (0..capacity).map(|_| DVector::zeros(dim)).collect(),
            old_stps: (0..capacity).map(|_| DVector::zeros(dim)).collect(),
            ro: vec![0.0; capacity],
            al: vec![0.0; capacity],
            start: 0,
            len: 0,
            y: DVector::zeros(dim),
            s: DVector::zeros(dim),
        }
    }

    fn capacity(&self) -> usize {
        self.ro.len()
    }

    fn ensure_len(&mut self, dim: usize) {
        if self.y.len() != dim {
            *self = Self::new(self.capacity(), dim);
        }
    }

    fn clear(&mut self) {
        self.start = 0;
        self.len = 0;
    }

    /// Physical index of logical entry `i`.
    fn slot(&self, i: usize) -> usize {
        (self.start + i) % self.capacity()
    }

    /// Stores the scratch (y, s) with ρ = 1/ys, dropping the oldest pair when full (torch's
    /// `pop(0)` then `append`).
    fn push_scratch(&mut self, ys: f64) {
        let capacity = self.capacity();
        if self.len == capacity {
            self.start = (self.start + 1) % capacity;
            self.len -= 1;
        }
        let slot = (self.start + self.len) % capacity;
        std::mem::swap(&mut self.old_dirs[slot], &mut self.y);
        std::mem::swap(&mut self.old_stps[slot], &mut self.s);
        self.ro[slot] = 1.0 / ys;
        self.len += 1;
    }

    /// The newest y.
    fn newest_dir(&self) -> Option<&DVector<f64>> {
        self.len
            .checked_sub(1)
            .map(|last| &self.old_dirs[self.slot(last)])
    }

    /// A ring of a new capacity holding the newest pairs of this one (live history_size edits;
    /// allocates, but only on that edit).
    fn resized(&self, capacity: usize) -> Self {
        let dim = self.y.len();
        let mut resized = Self::new(capacity, dim);
        let keep = self.len.min(capacity);
        for (new, old) in (self.len - keep..self.len).enumerate() {
            let slot = self.slot(old);
            resized.old_dirs[new].copy_from(&self.old_dirs[slot]);
            resized.old_stps[new].copy_from(&self.old_stps[slot]);
            resized.ro[new] = self.ro[slot];
        }
        resized.len = keep;
        resized
    }
}

/// L-BFGS's state: torch's `d`, `t`, `old_dirs`, `old_stps`, `ro`, `H_diag`, `prev_flat_grad`,
/// `prev_loss`, `n_iter` and `func_evals`, plus the line search's buffers.
pub struct Lbfgs {
    config: LbfgsConfig,
    flat_grad: DVector<f64>,
    prev_flat_grad: DVector<f64>,
    d: DVector<f64>,
    t: f64,
    history: History,
    h_diag: f64,
    prev_loss: f64,
    n_iter: u64,
    func_evals: u64,
    evaluator: DirectionalEvaluator,
    explained: QuasiNewtonExplained,
}

impl Lbfgs {
    /// Evaluations of f and ∇f so far (torch's `state["func_evals"]`).
    pub fn func_evals(&self) -> u64 {
        self.func_evals
    }

    /// Iterations so far (torch's `state["n_iter"]`).
    pub fn n_iter(&self) -> u64 {
        self.n_iter
    }

    fn ensure_buffers(&mut self, dim: usize) {
        ensure_len(&mut self.flat_grad, dim);
        ensure_len(&mut self.prev_flat_grad, dim);
        ensure_len(&mut self.d, dim);
        self.history.ensure_len(dim);
        self.evaluator.ensure_len(dim);
    }

    /// torch's tests before an iteration: max|g| ≤ tolerance_grad (torch returns without moving)
    /// and, without a line search, the loss-change test of the previous iteration, which needs the
    /// loss at the new point that only this step evaluates.
    fn start_tests(&self, loss: f64) -> Option<String> {
        let LbfgsConfig {
            tolerance_grad,
            tolerance_change,
            line_search_fn,
            ..
        } = self.config;
        let grad_max = max_abs(&self.flat_grad);
        if grad_max <= tolerance_grad {
            return Some(format!(
                "max|∇f| = {grad_max:.3e} ≤ tolerance_grad = {tolerance_grad:e}"
            ));
        }
        let change = (loss - self.prev_loss).abs();
        (line_search_fn.is_none() && self.n_iter > 0 && change < tolerance_change)
            .then(|| format!("|Δloss| = {change:.3e} < tolerance_change = {tolerance_change:e}"))
    }

    /// torch's strong-Wolfe search from x along d with first trial `self.t`; leaves the accepted
    /// step in `self.t` and the gradient there in `flat_grad`, and returns the loss there.
    fn line_search(&mut self, x: &DVector<f64>, oracle: &mut Oracle, loss: f64, gtd: f64) -> f64 {
        let params = WolfeParams {
            tolerance_change: self.config.tolerance_change,
            max_ls: MAX_EVAL - 1,
            ..WolfeParams::default()
        };
        let maximize = self.config.maximize;
        let d_norm = max_abs(&self.d);
        let (evaluator, d) = (&mut self.evaluator, &self.d);
        let mut phi = |t: f64, slot: usize| evaluator.evaluate(oracle, x, d, t, slot, maximize);
        let result = strong_wolfe(&mut phi, self.t, loss, gtd, d_norm, &params);
        if let Some(grad) = self.evaluator.gradient(result.slot) {
            self.flat_grad.copy_from(grad);
        }
        self.t = result.t;
        self.func_evals += result.evals as u64;
        result.f
    }

    /// torch's tests at the end of an iteration (its loop breaks on them when max_iter > 1): the
    /// gradient at the new point (known only after a line search), the step length and the loss
    /// change (with a line search; without one it is a start test of the next step).
    fn end_tests(&self, loss: f64, new_grad_max: Option<f64>) -> Option<String> {
        let LbfgsConfig {
            tolerance_grad,
            tolerance_change,
            line_search_fn,
            ..
        } = self.config;
        if let Some(grad_max) = new_grad_max.filter(|&max| max <= tolerance_grad) {
            return Some(format!(
                "max|∇f| = {grad_max:.3e} ≤ tolerance_grad = {tolerance_grad:e}"
            ));
        }
        let t = self.t;
        let step_max = self
            .d
            .iter()
            .fold(0.0, |max: f64, &d| py_max_abs(max, d * t));
        if step_max <= tolerance_change {
            return Some(format!(
                "max|t·d| = {step_max:.3e} ≤ tolerance_change = {tolerance_change:e}"
            ));
        }
        let change = (loss - self.prev_loss).abs();
        (line_search_fn.is_some() && change < tolerance_change)
            .then(|| format!("|Δloss| = {change:.3e} < tolerance_change = {tolerance_change:e}"))
    }

    /// Updates the history with the last step's pair and sets d = −H·g by the two-loop recursion.
    fn lbfgs_direction(&mut self) {
        let history = &mut self.history;
        for (((y, s), (&g, &g_prev)), &d) in history
            .y
            .iter_mut()
            .zip(history.s.iter_mut())
            .zip(self.flat_grad.iter().zip(self.prev_flat_grad.iter()))
            .zip(self.d.iter())
        {
            *y = g - g_prev;
            *s = d * self.t;
        }
        let ys = dot(&history.y, &history.s);
        if ys > MIN_CURVATURE {
            history.push_scratch(ys);
            if let Some(y) = history.newest_dir() {
                self.h_diag = ys / dot(y, y);
            }
        }

        // q ← −g; newest → oldest: αᵢ = ρᵢ sᵢᵀq, q ← q − αᵢ yᵢ (torch's `q.add_(y, alpha=-al)`).
        let d = &mut self.d;
        for (q, &g) in d.iter_mut().zip(self.flat_grad.iter()) {
            *q = -g;
        }
        for i in (0..history.len).rev() {
            let slot = history.slot(i);
            let al = dot(&history.old_stps[slot], d) * history.ro[slot];
            history.al[i] = al;
            for (q, &y) in d.iter_mut().zip(history.old_dirs[slot].iter()) {
                *q = add_scaled(*q, y, -al);
            }
        }
        // d ← γ q; oldest → newest: βᵢ = ρᵢ yᵢᵀd, d ← d + (αᵢ − βᵢ) sᵢ.
        *d *= self.h_diag;
        for i in 0..history.len {
            let slot = history.slot(i);
            let be = dot(&history.old_dirs[slot], d) * history.ro[slot];
            let alpha = history.al[i] - be;
            for (r, &s) in d.iter_mut().zip(history.old_stps[slot].iter()) {
                *r = add_scaled(*r, s, alpha);
            }
        }
    }
}

impl Optimizer for Lbfgs {
    fn step(&mut self, x: &mut DVector<f64>, oracle: &mut Oracle) -> StepInfo {
        let LbfgsConfig {
            lr,
            tolerance_change,
            line_search_fn,
            maximize,
            ..
        } = self.config;
        self.ensure_buffers(x.len());
        self.explained.moved = false;

        let orig_loss = oracle.value_and_grad(x, &mut self.flat_grad);
        let mut loss = if maximize { -orig_loss } else { orig_loss };
        if maximize {
            self.flat_grad.neg_mut();
        }
        self.func_evals += 1;
        if let Some(reason) = self.start_tests(loss) {
            return StepInfo::converged(orig_loss, reason);
        }

        self.n_iter += 1;
        if self.n_iter == 1 {
            self.d.copy_from(&self.flat_grad);
            self.d.neg_mut();
            self.history.clear();
            self.h_diag = 1.0;
        } else {
            self.lbfgs_direction();
        }
        self.prev_flat_grad.copy_from(&self.flat_grad);
        self.prev_loss = loss;

        self.t = if self.n_iter == 1 {
            py_min(1.0, 1.0 / sum_abs(&self.flat_grad)) * lr
        } else {
            lr
        };
        let gtd = dot(&self.flat_grad, &self.d);
        if gtd > -tolerance_change {
            return StepInfo::converged(
                orig_loss,
                format!("gᵀd = {gtd:.3e} > −tolerance_change: no descent along d"),
            );
        }
        let t0 = self.t;
        let mut new_grad_max = None;
        if line_search_fn == Some(LineSearchFn::StrongWolfe) {
            loss = self.line_search(x, oracle, loss, gtd);
            new_grad_max = Some(max_abs(&self.flat_grad));
        }
        add_scaled_in_place(x, self.t, &self.d);
        self.explained = QuasiNewtonExplained {
            moved: true,
            t0,
            t: self.t,
            gtd,
        };
        match self.end_tests(loss, new_grad_max) {
            Some(reason) => StepInfo::converged(orig_loss, reason),
            None => StepInfo::proceed(orig_loss),
        }
    }

    fn set_config(&mut self, config: &OptimizerConfig) -> bool {
        let adopted = super::adopt(&mut self.config, config);
        let capacity = history_capacity(self.config.history_size);
        if adopted && capacity != self.history.capacity() {
            self.history = self.history.resized(capacity);
        }
        adopted
    }

    fn set_lr(&mut self, lr: f64) {
        self.config.lr = lr;
    }

    fn reset(&mut self) {
        self.history.clear();
        self.d.fill(0.0);
        self.prev_flat_grad.fill(0.0);
        self.t = 0.0;
        self.h_diag = 1.0;
        self.prev_loss = f64::NAN;
        self.n_iter = 0;
        self.func_evals = 0;
        self.explained.moved = false;
    }

    fn explain(&self) -> Vec<Quantity> {
        let QuasiNewtonExplained { moved, t0, t, gtd } = self.explained;
        crate::optim::explain_once_stepped(moved, || {
            // The step's gradient gₜ: flat_grad may already hold the line search's new one.
            let g = &self.prev_flat_grad;
            crate::optim::quantities![
                vector "g" = "∇f(x) (negated if maximize)" => g.as_slice(),
                scalar "pairs" = "curvature pairs (s, y) in the history (at most history_size)"
                    => self.history.len as f64,
                scalar "γ" = "sᵀy / yᵀy of the newest pair: H⁰ = γI" => self.h_diag,
                vector "d" = "−H g by the two-loop recursion (−g on the first step)"
                    => self.d.as_slice(),
                scalar "gᵀd" = "< 0: d is a descent direction" => gtd,
                scalar "t₀" = "min(1, 1/‖g‖₁)·lr on the first step, lr afterwards" => t0,
                scalar "t" = "the step length (the line search's, or t₀ without one)" => t,
                arrow Gradient "−t·g" = "gradient descent with the step length t the method used"
                    => g.iter().map(|g| -t * g),
                arrow Preconditioned "t·d" = "the L-BFGS step" => self.d.iter().map(|d| t * d),
            ]
        })
    }
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::optim::StepOutcome;
    use crate::validate::Checker;

    use crate::landscape::{Quadratic, Rosenbrock};
    use crate::optim::test_support::oracle_on;

    fn strong_wolfe_config() -> LbfgsConfig {
        LbfgsConfig {
            line_search_fn: Some(LineSearchFn::StrongWolfe),
            ..LbfgsConfig::default()
        }
    }

    #[test]
    fn first_two_iterations_match_the_hand_computation() {
        // No line search, lr = 1, f = ½(x² + 4y²) from (1, 1):
        // 1: g = (1, 4), d = −g, t = min(1, 1/‖g‖₁) = 0.2: x₁ = (1, 1) − 0.2·(1, 4) = (0.8, 0.2).
        // 2: g = (0.8, 0.8), y = (−0.2, −3.2), s = 0.2·(−1, −4) = (−0.2, −0.8),
        //    ys = 0.04 + 2.56 = 2.6, ρ = 1/2.6, yᵀy = 0.04 + 10.24 = 10.28, γ = 2.6/10.28.
        //    q = −g = (−0.8, −0.8); α = ρ·sᵀq = (0.16 + 0.64)/2.6 = 0.8/2.6;
        //    q ← q − α·y = (−0.8 + 0.16/2.6, −0.8 + 2.56/2.6);
        //    d ← γ·q; β = ρ·yᵀd; d ← d + (α − β)·s; t = lr = 1: x₂ = x₁ + d.
        let mut lbfgs = LbfgsConfig::default().build(2);
        let (mut x, mut oracle) = crate::optim::test_support::on_quadratic([1.0, 1.0]);
        let info = lbfgs.step(&mut x, &mut oracle);
        assert_eq!(info, StepInfo::proceed(2.5));
        assert!((x[0] - 0.8).abs() < 1e-15 && (x[1] - 0.2).abs() < 1e-15);

        lbfgs.step(&mut x, &mut oracle);
        let rho = 1.0 / 2.6;
        let gamma = 2.6 / 10.28;
        let alpha = 0.8 * rho;
        let q = [-0.8 + alpha * 0.2, -0.8 + alpha * 3.2];
        let mut d = [gamma * q[0], gamma * q[1]];
        let beta = rho * (-0.2 * d[0] - 3.2 * d[1]);
        d = [d[0] + (alpha - beta) * -0.2, d[1] + (alpha - beta) * -0.8];
        assert!((x[0] - (0.8 + d[0])).abs() < 1e-14, "{x:?}");
        assert!((x[1] - (0.2 + d[1])).abs() < 1e-14, "{x:?}");
    }

    #[test]
    fn strong_wolfe_solves_a_rotated_2d_quadratic_in_three_iterations() {
        // Here the first trial fails the Wolfe test and the zoom's cubic, exact on a quadratic,
        // lands on the line minimum; with exact line searches L-BFGS generates conjugate
        // directions and the third iteration ends at the minimizer (to rounding).
        let mut lbfgs = strong_wolfe_config().build(2);
        let mut oracle = oracle_on(Quadratic {
            lambda1: 1.0,
            lambda2: 10.0,
            angle_deg: 30.0,
        });
        let mut x = DVector::from_vec(vec![1.0, 1.0]);
        let mut outcomes = Vec::new();
        for _ in 0..3 {
            oracle.begin_step();
            outcomes.push(lbfgs.step(&mut x, &mut oracle).outcome);
            if outcomes.last() != Some(&StepOutcome::Continue) {
                break;
            }
        }
        assert!(x.norm() < 1e-8, "{x:?} after {outcomes:?}");
        assert!(matches!(outcomes.last(), Some(StepOutcome::Converged(_))));
    }

    #[test]
    fn strong_wolfe_records_probes_and_counts_evaluations() {
        let mut lbfgs = strong_wolfe_config().build(2);
        let mut oracle = oracle_on(Rosenbrock::default());
        let mut x = DVector::from_vec(vec![-1.2, 1.0]);
        oracle.begin_step();
        lbfgs.step(&mut x, &mut oracle);
        let probes = oracle.probes().len() as u64;
        assert!(probes >= 1);
        // One evaluation at x, one per line-search trial.
        assert_eq!(oracle.counts().gradients, 1 + probes);
        // The accepted point is the last probe at that t … and x moved there.
        assert!(oracle.probes().iter().any(|p| p.point == [x[0], x[1]]));
    }

    #[test]
    fn tolerance_grad_stops_without_moving() {
        let mut lbfgs = LbfgsConfig {
            tolerance_grad: 10.0,
            ..LbfgsConfig::default()
        }
        .build(2);
        let (mut x, mut oracle) = crate::optim::test_support::on_quadratic([1.0, 1.0]);
        let info = lbfgs.step(&mut x, &mut oracle);
        assert!(
            matches!(info.outcome, StepOutcome::Converged(ref r) if r.contains("tolerance_grad"))
        );
        assert_eq!(x.as_slice(), &[1.0, 1.0]);
        assert_eq!(info.loss, 2.5);
    }

    #[test]
    fn tolerance_change_stops_the_run() {
        for line_search_fn in [None, Some(LineSearchFn::StrongWolfe)] {
            let mut lbfgs = LbfgsConfig {
                line_search_fn,
                tolerance_grad: 0.0,
                ..LbfgsConfig::default()
            }
            .build(2);
            let (mut x, mut oracle) = crate::optim::test_support::on_quadratic([1.0, 1.0]);
            let mut outcome = StepOutcome::Continue;
            for _ in 0..200 {
                outcome = lbfgs.step(&mut x, &mut oracle).outcome;
                if outcome != StepOutcome::Continue {
                    break;
                }
            }
            assert!(
                matches!(outcome, StepOutcome::Converged(ref r) if r.contains("tolerance_change")),
                "{line_search_fn:?}: {outcome:?}"
            );
        }
    }

    #[test]
    fn history_is_a_ring_of_the_newest_pairs() {
        // Capacity 2, three pairs pushed: torch's lists would hold the last two, oldest first.
        let mut history = History::new(2, 1);
        for (k, ys) in [1.0, 2.0, 4.0].into_iter().enumerate() {
            history.y[0] = k as f64;
            history.s[0] = 10.0 + k as f64;
            history.push_scratch(ys);
        }
        assert_eq!(history.len, 2);
        let kept: Vec<_> = (0..2)
            .map(|i| {
                let slot = history.slot(i);
                (
                    history.old_dirs[slot][0],
                    history.old_stps[slot][0],
                    history.ro[slot],
                )
            })
            .collect();
        assert_eq!(kept, [(1.0, 11.0, 0.5), (2.0, 12.0, 0.25)]);
        let resized = history.resized(1);
        assert_eq!(resized.len, 1);
        assert_eq!(resized.old_dirs[0][0], 2.0);
        let grown = history.resized(5);
        assert_eq!((grown.len, grown.old_stps[1][0]), (2, 12.0));
    }

    #[test]
    fn converges_on_rosenbrock_with_both_settings() {
        // tolerance_change = 1e-15: with torch's 1e-9 the test gᵀd > −tolerance_change stops the
        // run near f ≈ 1e-10.
        for (line_search_fn, steps) in [(Some(LineSearchFn::StrongWolfe), 60), (None, 100)] {
            let mut lbfgs = LbfgsConfig {
                line_search_fn,
                tolerance_change: 1e-15,
                ..LbfgsConfig::default()
            }
            .build(2);
            let mut oracle = oracle_on(Rosenbrock::default());
            let mut x = DVector::from_vec(vec![-1.2, 1.0]);
            for _ in 0..steps {
                oracle.begin_step();
                if lbfgs.step(&mut x, &mut oracle).outcome != StepOutcome::Continue {
                    break;
                }
            }
            let f = oracle.objective().value(&x);
            assert!(f < 1e-10, "{line_search_fn:?}: f = {f}");
        }
    }

    #[test]
    fn maximizing_minus_f_retraces_minimizing_f() {
        // Negation is exact, so maximizing −½(x² + 4y²) must follow the minimization bit for bit.
        let trajectory = |landscape: Quadratic, maximize: bool| {
            let mut lbfgs = LbfgsConfig {
                maximize,
                ..strong_wolfe_config()
            }
            .build(2);
            let mut oracle = oracle_on(landscape);
            let mut x = DVector::from_vec(vec![1.0, 1.0]);
            let mut points = Vec::new();
            for _ in 0..20 {
                let info = lbfgs.step(&mut x, &mut oracle);
                points.push((x.clone(), info.outcome.clone()));
                if info.outcome != StepOutcome::Continue {
                    break;
                }
            }
            points
        };
        let convex = Quadratic::axis_aligned(1.0, 4.0);
        let concave = Quadratic {
            lambda1: -1.0,
            lambda2: -4.0,
            angle_deg: 0.0,
        };
        let minimized = trajectory(convex, false);
        assert_eq!(trajectory(concave, true), minimized);
        let (last, outcome) = minimized.last().expect("steps");
        assert!(last.norm() < 1e-5 && matches!(outcome, StepOutcome::Converged(_)));
    }

    #[test]
    fn live_config_keeps_history_and_reset_clears_it() {
        let mut lbfgs = LbfgsConfig::default().build(2);
        let (mut x, mut oracle) = crate::optim::test_support::on_quadratic([1.0, 1.0]);
        lbfgs.step(&mut x, &mut oracle);
        lbfgs.step(&mut x, &mut oracle);
        let config = LbfgsConfig {
            history_size: 5,
            ..LbfgsConfig::default()
        };
        assert!(lbfgs.set_config(&OptimizerConfig::Lbfgs(config)));
        // A kept history means the next step is not a first (scaled steepest-descent) step.
        let (mut a, mut b) = (x.clone(), x.clone());
        lbfgs.step(&mut a, &mut oracle);
        LbfgsConfig::default().build(2).step(&mut b, &mut oracle);
        assert_ne!(a, b);
        lbfgs.reset();
        let mut c = x.clone();
        lbfgs.step(&mut c, &mut oracle);
        assert_eq!(c, b);
    }

    #[test]
    fn validation() {
        let mut checker = Checker::new();
        LbfgsConfig {
            lr: 0.0,
            tolerance_grad: f64::NAN,
            history_size: 0,
            ..LbfgsConfig::default()
        }
        .validate(&mut checker);
        let paths: Vec<_> = checker.found.iter().map(|i| i.path.as_str()).collect();
        assert_eq!(paths, ["lr", "tolerance_grad", "history_size"]);
        let mut checker = Checker::new();
        LbfgsConfig {
            history_size: 1001,
            ..LbfgsConfig::default()
        }
        .validate(&mut checker);
        assert_eq!(checker.found.len(), 1);
    }
}
