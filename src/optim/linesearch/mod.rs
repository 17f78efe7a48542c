//! Line searches along a descent direction d from x: one-dimensional routines over
//! φ(t) = f(x + t·d), with φ′(t) = ∇f(x + t·d)ᵀd.
//!
//! - [`backtracking`]: Armijo backtracking, Nocedal & Wright Alg. 3.1 (sufficient decrease only).
//! - [`strong_wolfe`]: bracketing and zoom with cubic interpolation, Nocedal & Wright Alg. 3.5/3.6,
//!   as `torch.optim.lbfgs._strong_wolfe` implements it (a port of minFunc / torch7's `lswolfe.lua`).
//!
//! The routines never see x or d. They call an evaluator `phi(t, slot) -> (φ(t), φ′(t))` and tell
//! it which of [`TRIAL_SLOTS`] gradient buffers to write the full gradient at x + t·d into. torch's
//! `_strong_wolfe` clones the gradient of every point its bracket refers to; here those clones are
//! slot indices, so the caller keeps the gradient of the accepted point without copying or
//! allocating, and [`DirectionalEvaluator`] is the evaluator both L-BFGS and BFGS use: it evaluates
//! through the run's [`Oracle`] and records every trial as a probe.
//!
//! The module also holds the few reductions whose floating-point order must match torch's CPU
//! kernels ([`dot`], [`max_abs`], [`sum_abs`]) and the `line_search_fn` choice ([`LineSearchFn`]).
//!
//! Reference: J. Nocedal & S. J. Wright, *Numerical Optimization* (2nd ed., 2006), §3.1 and §3.5;
//! PyTorch source `torch/optim/lbfgs.py`.

mod backtracking;
mod strong_wolfe;

pub use backtracking::{ArmijoParams, backtracking};
pub use strong_wolfe::{WolfeParams, cubic_interpolate, strong_wolfe};

use nalgebra::DVector;
use serde::{Deserialize, Serialize};

use super::{HyperChoice, ensure_len, torch_ops};
use crate::objective::Oracle;

/// `line_search_fn` of L-BFGS and BFGS, as in `torch.optim.LBFGS(line_search_fn="strong_wolfe")`.
/// Configs hold an `Option<LineSearchFn>`: `None` is torch's `None`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum LineSearchFn {
    /// torch's `"strong_wolfe"`: bracketing + zoom with cubic interpolation (N&W Alg. 3.5/3.6).
    StrongWolfe,
}

/// The choices the UI offers for `line_search_fn`.
pub const LINE_SEARCH_CHOICES: &[&str] = &["None", "StrongWolfe"];

/// `line_search_fn` in the UI: `None` or `StrongWolfe`.
impl HyperChoice for Option<LineSearchFn> {
    fn choice_name(&self) -> &'static str {
        match self {
            None => "None",
            Some(LineSearchFn::StrongWolfe) => "StrongWolfe",
        }
    }

    fn with_choice(&self, name: &str) -> Option<Self> {
        match name {
            "None" => Some(None),
            "StrongWolfe" => Some(Some(LineSearchFn::StrongWolfe)),
            _ => None,
        }
    }
}

/// Number of trial gradient buffers a line search may ask its evaluator to fill: torch's zoom holds
/// the two bracket ends while it evaluates a third point.
pub const TRIAL_SLOTS: usize = 3;

/// Which gradient a line-search point refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    /// The start point t = 0, whose gradient the caller already holds.
    Start,
    /// The gradient the evaluator wrote into trial buffer `k` (k < [`TRIAL_SLOTS`]).
    Trial(usize),
}

/// What a line search returns: the accepted step, its value and where its gradient is.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LineSearchResult {
    /// The accepted step length t (0 when the search found nothing better than the start).
    pub t: f64,
    /// φ(t).
    pub f: f64,
    /// φ′(t) = ∇f(x + t·d)ᵀd.
    pub gtd: f64,
    /// The buffer holding ∇f(x + t·d).
    pub slot: Slot,
    /// Number of evaluations the search made (torch's `ls_func_evals`).
    pub evals: usize,
}

/// A trial buffer not referred to by any of `used`.
fn free_slot(used: &[Slot]) -> usize {
    (0..TRIAL_SLOTS)
        .find(|k| !used.contains(&Slot::Trial(*k)))
        .unwrap_or(0)
}

/// Evaluates φ(t) = f(x + t·d) and ∇f(x + t·d) through the run's oracle, like torch's
/// `LBFGS._directional_evaluate`: the trial point is x + t·d formed as torch's `p.add_(d, alpha=t)`
/// forms it, the loss is negated under `maximize`, and every trial is recorded as a probe. All
/// buffers are allocated once.
pub struct DirectionalEvaluator {
    trial: DVector<f64>,
    grads: [DVector<f64>; TRIAL_SLOTS],
}

impl DirectionalEvaluator {
    /// Buffers for problems of dimension `dim`.
    pub fn new(dim: usize) -> Self {
        Self {
            trial: DVector::zeros(dim),
            grads: std::array::from_fn(|_| DVector::zeros(dim)),
        }
    }

    /// Resizes the buffers if the dimension changed (allocates only then).
    pub fn ensure_len(&mut self, dim: usize) {
        ensure_len(&mut self.trial, dim);
        for grad in &mut self.grads {
            ensure_len(grad, dim);
        }
    }

    /// Evaluates at x + t·d, writing the (sign-adjusted) gradient into trial buffer `slot`; returns
    /// (φ(t), φ′(t)).
    pub fn evaluate(
        &mut self,
        oracle: &mut Oracle,
        x: &DVector<f64>,
        d: &DVector<f64>,
        t: f64,
        slot: usize,
        maximize: bool,
    ) -> (f64, f64) {
        let slot = slot.min(TRIAL_SLOTS - 1);
        add_scaled(&mut self.trial, x, t, d);
        let grad = &mut self.grads[slot];
        let raw = oracle.value_and_grad(&self.trial, grad);
        oracle.record_probe(&self.trial, raw);
        let loss = if maximize {
            grad.neg_mut();
            -raw
        } else {
            raw
        };
        (loss, dot(grad, d))
    }

    /// The gradient a line search result refers to, `None` for [`Slot::Start`].
    pub fn gradient(&self, slot: Slot) -> Option<&DVector<f64>> {
        match slot {
            Slot::Start => None,
            Slot::Trial(k) => self.grads.get(k),
        }
    }
}

/// out ← x + t·d, rounded like torch's `x.add_(d, alpha=t)`: its CPU kernel computes each
/// coordinate as one fused multiply-add, fma(t, dᵢ, xᵢ) (`torch_ops::add_scaled`).
pub fn add_scaled(out: &mut DVector<f64>, x: &DVector<f64>, t: f64, d: &DVector<f64>) {
    for ((o, &xi), &di) in out.iter_mut().zip(x.iter()).zip(d.iter()) {
        *o = torch_ops::add_scaled(xi, di, t);
    }
}

/// x ← x + t·d in place, as torch's `x.add_(d, alpha=t)` (one fused multiply-add per coordinate,
/// `torch_ops::add_scaled`).
pub fn add_scaled_in_place(x: &mut DVector<f64>, t: f64, d: &DVector<f64>) {
    for (xi, &di) in x.iter_mut().zip(d.iter()) {
        *xi = torch_ops::add_scaled(*xi, di, t);
    }
}

/// aᵀb summed left to right, as torch's `a.dot(b)` on 2-vectors (checked); for longer vectors
/// torch's BLAS may block the sum differently, which changes only the last bits.
pub fn dot(a: &DVector<f64>, b: &DVector<f64>) -> f64 {
    a.iter()
        .zip(b.iter())
        .fold(0.0, |sum, (&ai, &bi)| sum + ai * bi)
}

/// maxᵢ |vᵢ|, NaN if any coordinate is NaN (torch's `v.abs().max()` propagates NaN, so a NaN
/// gradient never passes a tolerance test).
pub fn max_abs(v: &DVector<f64>) -> f64 {
    v.iter().fold(0.0, |max, &vi| py_max_abs(max, vi))
}

/// One step of torch's `v.abs().max()` fold: max(`max`, |`v`|), NaN when either is NaN.
pub fn py_max_abs(max: f64, v: f64) -> f64 {
    let a = v.abs();
    if a.is_nan() || max.is_nan() {
        f64::NAN
    } else if a > max {
        a
    } else {
        max
    }
}

/// Σᵢ |vᵢ| left to right (torch's `v.abs().sum()`).
pub fn sum_abs(v: &DVector<f64>) -> f64 {
    v.iter().fold(0.0, |sum, &vi| sum + vi.abs())
}

/// Python's `min(a, b)`: `b` only if `b < a` (so NaN handling matches torch's Python code).
pub fn py_min(a: f64, b: f64) -> f64 {
    if b < a { b } else { a }
}

/// Python's `max(a, b)`: `b` only if `b > a`.
pub fn py_max(a: f64, b: f64) -> f64 {
    if b > a { b } else { a }
}

/// The evaluator a line search calls, `(t, slot) ↦ (φ(t), φ′(t))`, as its tests hand it over.
#[cfg(test)]
type TestEval<'a> = dyn FnMut(f64, usize) -> (f64, f64) + 'a;

/// A line search as its tests run it: from `t0` with φ(0) = `f` and φ′(0) = `gtd`, the
/// parameters being the search's own.
#[cfg(test)]
trait SearchUnderTest {
    fn run(&self, eval: &mut TestEval, t0: f64, f: f64, gtd: f64) -> LineSearchResult;
}

#[cfg(test)]
impl SearchUnderTest for ArmijoParams {
    fn run(&self, mut eval: &mut TestEval, t0: f64, f: f64, gtd: f64) -> LineSearchResult {
        backtracking(&mut eval, t0, f, gtd, self)
    }
}

#[cfg(test)]
impl SearchUnderTest for WolfeParams {
    fn run(&self, mut eval: &mut TestEval, t0: f64, f: f64, gtd: f64) -> LineSearchResult {
        // max|d| = 1: the bracket-width test measures t itself.
        strong_wolfe(&mut eval, t0, f, gtd, 1.0, self)
    }
}

/// Runs the search of `params` from `t0` on a 1-D function of t given as (φ, φ′), returning the
/// result and the trial steps: how the tests of both searches drive them.
#[cfg(test)]
fn recorded_search(
    phi: impl Fn(f64) -> (f64, f64),
    t0: f64,
    params: &impl SearchUnderTest,
) -> (LineSearchResult, Vec<f64>) {
    let (f, gtd) = phi(0.0);
    let mut trials = Vec::new();
    let mut eval = |t: f64, _slot: usize| {
        trials.push(t);
        phi(t)
    };
    let result = params.run(&mut eval, t0, f, gtd);
    (result, trials)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::landscape::{LandscapeObjective, Quadratic};
    use crate::objective::GradientModel;

    #[test]
    fn evaluator_forms_the_trial_point_records_a_probe_and_returns_the_slope() {
        // f = ½(x² + 4y²) at (1, 1) + 0.5·(−1, −2) = (0.5, 0): f = 0.125, ∇f = (0.5, 0),
        // φ′ = (0.5, 0)·(−1, −2) = −0.5.
        let quadratic = Quadratic::axis_aligned(1.0, 4.0);
        let mut oracle = Oracle::new(
            Arc::new(LandscapeObjective::new(Arc::new(quadratic))),
            GradientModel::default(),
            0,
        );
        let mut evaluator = DirectionalEvaluator::new(2);
        let x = DVector::from_vec(vec![1.0, 1.0]);
        let d = DVector::from_vec(vec![-1.0, -2.0]);
        let (f, gtd) = evaluator.evaluate(&mut oracle, &x, &d, 0.5, 1, false);
        assert_eq!((f, gtd), (0.125, -0.5));
        assert_eq!(oracle.probes().len(), 1);
        assert_eq!(oracle.probes()[0].point, [0.5, 0.0]);
        let grad = evaluator.gradient(Slot::Trial(1)).expect("slot 1");
        assert_eq!(grad.as_slice(), &[0.5, 0.0]);
        assert!(evaluator.gradient(Slot::Start).is_none());
        let (f, gtd) = evaluator.evaluate(&mut oracle, &x, &d, 0.5, 0, true);
        assert_eq!((f, gtd), (-0.125, 0.5));
    }

    #[test]
    fn reductions_follow_torch() {
        let v = DVector::from_vec(vec![-3.0, 2.0]);
        assert_eq!(max_abs(&v), 3.0);
        assert_eq!(sum_abs(&v), 5.0);
        assert!(max_abs(&DVector::from_vec(vec![1.0, f64::NAN])).is_nan());
        assert!(max_abs(&DVector::from_vec(vec![f64::NAN, 1.0])).is_nan());
        assert_eq!(dot(&v, &v), 13.0);
        assert_eq!(py_min(1.0, f64::NAN), 1.0);
        assert!(py_min(f64::NAN, 1.0).is_nan());
        assert_eq!(free_slot(&[Slot::Trial(0), Slot::Start]), 1);
        assert_eq!(free_slot(&[Slot::Trial(0), Slot::Trial(1)]), 2);
    }

    #[test]
    fn line_search_choice_round_trips() {
        use crate::hyper::{HyperField, HyperValue};
        let mut choice: Option<LineSearchFn> = None;
        for &name in LINE_SEARCH_CHOICES {
            choice
                .assign_hyper("line_search_fn", HyperValue::Choice(name))
                .expect("valid choice");
            assert_eq!(choice.choice_name(), name);
        }
        assert!(
            choice
                .assign_hyper("line_search_fn", HyperValue::Choice("Armijo"))
                .is_err()
        );
    }
}
