//! BFGS: the full-memory quasi-Newton method with the inverse-Hessian update, Nocedal & Wright
//! Alg. 6.1, with the same line searches as L-BFGS.
//!
//! The method keeps an approximation H of the inverse Hessian, updated from each step's curvature
//! pair s = xₖ₊₁ − xₖ, y = ∇fₖ₊₁ − ∇fₖ so that the secant equation H y = s holds. One step is:
//!
//! ```text
//! g ← ∇f(x);  if max|g| ≤ tolerance_grad: stop
//! after the first step: y ← g − g_prev, s ← t·d (the last step)
//!     if yᵀs > 1e-10:
//!         before the first update: H ← (yᵀs / yᵀy)·I                     (N&W eq. 6.20)
//!         ρ = 1/yᵀs;  H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ           (N&W eq. 6.17)
//!     else keep H (the update would lose positive definiteness)
//! d ← −H g;  if gᵀd > −tolerance_change: stop
//! t₀ ← min(1, 1/‖g‖₁)·lr on the first step (H = I: a normalized gradient step), lr afterwards
//! t ← line search from t₀ along d;  x ← x + t·d
//! stop if max|∇f(x)| ≤ tolerance_grad, max|t·d| ≤ tolerance_change or |Δf| < tolerance_change
//! ```
//!
//! The inverse-Hessian form needs no linear solve: d = −H g is a matrix-vector product, and the
//! update is the rank-two correction
//! H ← H − ρ(s (Hy)ᵀ + (Hy) sᵀ) + (ρ² yᵀHy + ρ) s sᵀ, O(n²) per step. With a Wolfe line search
//! yᵀs > 0 always holds, so H stays positive definite and d is a descent direction; on a quadratic
//! with exact line searches BFGS terminates in n steps and H becomes the inverse Hessian.
//!
//! `line_search_fn` (the same choice as L-BFGS's):
//! - `StrongWolfe` (the default here: the method's theory assumes Wolfe steps, N&W §6.1): torch's
//!   strong-Wolfe search, c1 = 1e-4, c2 = 0.9, max_ls = 25 (up to 26 evaluations).
//! - `None`: no curvature condition — Armijo backtracking from t₀ (N&W Alg. 3.1, c1 = 1e-4, ρ = ½,
//!   up to 30 trials). A fixed unit step would leave the method without any globalization (its
//!   first step x − g overshoots on most landscapes); backtracking keeps it convergent while
//!   showing what the curvature condition buys: without it yᵀs ≤ 0 can happen on nonconvex
//!   landscapes and the update is skipped.
//!
//! Trial points are recorded as probes. As in the L-BFGS mapping, each step starts with one
//! evaluation at x (so steps do not depend on where a run was paused), then the line search's.
//! The stopping tests are L-BFGS's (torch's), ending the run as [`StepOutcome::Converged`].
//! H is a dim × dim matrix: dimensions above [`MAX_DIM`] fail with a message (use L-BFGS).
//!
//! Defaults: lr = 1 (the natural quasi-Newton step), tolerance_grad = 1e-7, tolerance_change = 1e-9,
//! line_search_fn = StrongWolfe. Validation: lr > 0, finite tolerances.
//!
//! References: Nocedal & Wright, *Numerical Optimization* (2nd ed., 2006), §6.1, Alg. 6.1,
//! eqs. 6.17 and 6.20; C. G. Broyden, R. Fletcher, D. Goldfarb & D. F. Shanno (1970).

use nalgebra::{DMatrix, DVector};
use serde::{Deserialize, Serialize};

use super::buffers::ensure_lens;
use super::linesearch::{
    ArmijoParams, DirectionalEvaluator, LINE_SEARCH_CHOICES, LineSearchFn, LineSearchResult,
    WolfeParams, add_scaled_in_place, backtracking, dot, max_abs, py_min, strong_wolfe, sum_abs,
};
use super::{Optimizer, OptimizerSpec, Quantity, StepInfo, StepOutcome};
use crate::hyper::hyper_table;
use crate::objective::Oracle;

/// Largest dimension BFGS accepts: H takes dim² numbers (2000² · 8 B = 32 MB).
pub const MAX_DIM: usize = 2000;

/// The update is skipped unless yᵀs exceeds this (torch's L-BFGS threshold).
const MIN_CURVATURE: f64 = 1e-10;

/// BFGS hyperparameters (L-BFGS's names where they mean the same).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BfgsConfig {
    /// First trial step of the line search (after the first step, whose trial is min(1, 1/‖g‖₁)·lr).
    pub lr: f64,
    /// Stop when max|∇f| ≤ tolerance_grad.
    pub tolerance_grad: f64,
    /// Stop when the step, the loss change or the directional derivative falls below this.
    pub tolerance_change: f64,
    /// `StrongWolfe` (default): strong-Wolfe line search; `None`: Armijo backtracking.
    pub line_search_fn: Option<LineSearchFn>,
}

hyper_table! {
    BfgsConfig, owner: Self::DISPLAY_NAME,
        defaults { line_search_fn: Some(LineSearchFn::StrongWolfe) };
    lr = 1.0: log_float(1e-3, 10.0) where positive,
        "first trial step t₀ of the line search along d = −H g (first step: min(1, 1/‖g‖₁)·lr)";
    tolerance_grad = 1e-7: log_float(1e-12, 1e-2) where finite,
        "stop when max|∇f| ≤ tolerance_grad";
    tolerance_change = 1e-9: log_float(1e-15, 1e-3) where finite,
        "stop when max|t·d|, |Δf| or −gᵀd falls below tolerance_change";
    line_search_fn: choice(LINE_SEARCH_CHOICES),
        "StrongWolfe: φ(t) ≤ φ(0) + 1e-4·t·φ′(0) and |φ′(t)| ≤ 0.9|φ′(0)|; None: Armijo backtracking t ← t/2 (no curvature condition)";
}

impl OptimizerSpec for BfgsConfig {
    crate::optim::spec_names! {
        "BFGS":
        "BFGS (Nocedal & Wright Alg. 6.1): full inverse-Hessian quasi-Newton, strong-Wolfe line search by default"
    }

    crate::optim::no_stability_threshold!(CurvatureScaled);

    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        Box::new(self.state(dim))
    }
}

impl BfgsConfig {
    /// The optimizer with fresh state (H = I), for problems of dimension `dim`.
    fn state(&self, dim: usize) -> Bfgs {
        let h_dim = if dim <= MAX_DIM { dim } else { 0 };
        Bfgs {
            config: self.clone(),
            h: DMatrix::identity(h_dim, h_dim),
            grad: DVector::zeros(dim),
            prev_grad: DVector::zeros(dim),
            d: DVector::zeros(dim),
            s: DVector::zeros(dim),
            y: DVector::zeros(dim),
            hy: DVector::zeros(dim),
            n_iter: 0,
            scaled: false,
            skipped_updates: 0,
            evaluator: DirectionalEvaluator::new(dim),
            explained: QuasiNewtonExplained::default(),
        }
    }
}

/// BFGS's state: the inverse-Hessian approximation H, the last step s and gradient, counters.
pub struct Bfgs {
    config: BfgsConfig,
    h: DMatrix<f64>,
    grad: DVector<f64>,
    prev_grad: DVector<f64>,
    d: DVector<f64>,
    s: DVector<f64>,
    y: DVector<f64>,
    hy: DVector<f64>,
    n_iter: u64,
    /// Whether H₀ has been rescaled by eq. 6.20 (done before the first update).
    scaled: bool,
    skipped_updates: u64,
    evaluator: DirectionalEvaluator,
    explained: QuasiNewtonExplained,
}

/// The latest step's scalars, for [`Optimizer::explain`] (L-BFGS keeps the same); `moved` is false before the first step,
/// after a reset and after a step that stopped without moving.
#[derive(Clone, Copy, Default)]
pub(super) struct QuasiNewtonExplained {
    pub(super) moved: bool,
    pub(super) t0: f64,
    pub(super) t: f64,
    pub(super) gtd: f64,
}

impl Bfgs {
    /// The current inverse-Hessian approximation.
    pub fn inverse_hessian(&self) -> &DMatrix<f64> {
        &self.h
    }

    /// How many updates were skipped because yᵀs ≤ 1e-10.
    pub fn skipped_updates(&self) -> u64 {
        self.skipped_updates
    }

    fn ensure_buffers(&mut self, dim: usize) {
        ensure_lens(
            dim,
            [
                &mut self.grad,
                &mut self.prev_grad,
                &mut self.d,
                &mut self.s,
                &mut self.y,
                &mut self.hy,
            ],
        );
        self.evaluator.ensure_len(dim);
        if self.h.nrows() != dim && dim <= MAX_DIM {
            self.h = DMatrix::identity(dim, dim);
            self.n_iter = 0;
            self.scaled = false;
        }
    }

    /// The configured line search from x along d (first trial `t0`), evaluating through the
    /// oracle and recording probes.
    fn line_search(
        &mut self,
        x: &DVector<f64>,
        oracle: &mut Oracle,
        t0: f64,
        loss: f64,
        gtd: f64,
    ) -> LineSearchResult {
        let (evaluator, d) = (&mut self.evaluator, &self.d);
        let mut phi = |t: f64, slot: usize| evaluator.evaluate(oracle, x, d, t, slot, false);
        match self.config.line_search_fn {
            Some(LineSearchFn::StrongWolfe) => {
                let params = WolfeParams {
                    tolerance_change: self.config.tolerance_change,
                    ..WolfeParams::default()
                };
                strong_wolfe(&mut phi, t0, loss, gtd, max_abs(d), &params)
            }
            None => backtracking(&mut phi, t0, loss, gtd, &ArmijoParams::default()),
        }
    }

    /// The stopping tests after a step (L-BFGS's, i.e. torch's end-of-iteration tests): the
    /// gradient at the new point, the step length and the change of f.
    fn end_tests(&self, loss: f64, result: &LineSearchResult) -> Option<String> {
        let BfgsConfig {
            tolerance_grad,
            tolerance_change,
            ..
        } = self.config;
        if result.t == 0.0 {
            return Some("the line search found no decrease along d".to_owned());
        }
        let grad_max = match self.evaluator.gradient(result.slot) {
            Some(grad) => max_abs(grad),
            None => max_abs(&self.grad),
        };
        if grad_max <= tolerance_grad {
            return Some(format!(
                "max|∇f| = {grad_max:.3e} ≤ tolerance_grad = {tolerance_grad:e}"
            ));
        }
        let step_max = max_abs(&self.s);
        if step_max <= tolerance_change {
            return Some(format!(
                "max|t·d| = {step_max:.3e} ≤ tolerance_change = {tolerance_change:e}"
            ));
        }
        let change = (result.f - loss).abs();
        (change < tolerance_change)
            .then(|| format!("|Δf| = {change:.3e} < tolerance_change = {tolerance_change:e}"))
    }

    /// The BFGS update of H with the last pair (s, y = g − g_prev), N&W eqs. 6.17 and 6.20.
    fn update(&mut self) {
        for ((y, &g), &g_prev) in self
            .y
            .iter_mut()
            .zip(self.grad.iter())
            .zip(self.prev_grad.iter())
        {
            *y = g - g_prev;
        }
        let ys = dot(&self.y, &self.s);
        if ys <= MIN_CURVATURE || ys.is_nan() {
            self.skipped_updates += 1;
            return;
        }
        if !self.scaled {
            let gamma = ys / dot(&self.y, &self.y);
            self.h.fill_with_identity();
            self.h *= gamma;
            self.scaled = true;
        }
        let rho = 1.0 / ys;
        self.h.mul_to(&self.y, &mut self.hy);
        let yhy = dot(&self.y, &self.hy);
        let ss_coefficient = rho * rho * yhy + rho;
        let n = self.s.len();
        for j in 0..n {
            let (s_j, hy_j) = (self.s[j], self.hy[j]);
            for i in 0..n {
                let (s_i, hy_i) = (self.s[i], self.hy[i]);
                self.h[(i, j)] += ss_coefficient * s_i * s_j - rho * (s_i * hy_j + hy_i * s_j);
            }
        }
    }
}

impl Optimizer for Bfgs {
    fn step(&mut self, x: &mut DVector<f64>, oracle: &mut Oracle) -> StepInfo {
        let BfgsConfig {
            lr,
            tolerance_grad,
            tolerance_change,
            ..
        } = self.config;
        let dim = x.len();
        if dim > MAX_DIM {
            return StepInfo {
                loss: f64::NAN,
                outcome: StepOutcome::Failed(format!(
                    "BFGS stores a {dim}×{dim} matrix; use L-BFGS above {MAX_DIM} parameters"
                )),
            };
        }
        self.ensure_buffers(dim);
        self.explained.moved = false;

        let loss = oracle.value_and_grad(x, &mut self.grad);
        let grad_max = max_abs(&self.grad);
        if grad_max <= tolerance_grad {
            return StepInfo::converged(
                loss,
                format!("max|∇f| = {grad_max:.3e} ≤ tolerance_grad = {tolerance_grad:e}"),
            );
        }
        if self.n_iter > 0 {
            self.update();
        }
        self.n_iter += 1;

        self.h.mul_to(&self.grad, &mut self.d);
        self.d.neg_mut();
        let gtd = dot(&self.grad, &self.d);
        if gtd > -tolerance_change {
            return StepInfo::converged(
                loss,
                format!("gᵀd = {gtd:.3e} > −tolerance_change: no descent along d"),
            );
        }
        let t0 = if self.n_iter == 1 {
            py_min(1.0, 1.0 / sum_abs(&self.grad)) * lr
        } else {
            lr
        };

        let result = self.line_search(x, oracle, t0, loss, gtd);
        add_scaled_in_place(x, result.t, &self.d);
        self.explained = QuasiNewtonExplained {
            moved: true,
            t0,
            t: result.t,
            gtd,
        };
        for (s, &d) in self.s.iter_mut().zip(self.d.iter()) {
            *s = d * result.t;
        }
        self.prev_grad.copy_from(&self.grad);
        match self.end_tests(loss, &result) {
            Some(reason) => StepInfo::converged(loss, reason),
            None => StepInfo::proceed(loss),
        }
    }

    crate::optim::config_edits!();

    fn reset(&mut self) {
        self.h.fill_with_identity();
        self.n_iter = 0;
        self.scaled = false;
        self.skipped_updates = 0;
        self.s.fill(0.0);
        self.prev_grad.fill(0.0);
        self.explained.moved = false;
    }

    fn explain(&self) -> Vec<Quantity> {
        let QuasiNewtonExplained { moved, t0, t, gtd } = self.explained;
        crate::optim::explain_once_stepped(moved, || {
            let mut quantities = crate::optim::quantities![
                vector "g" = "∇f(x)" => self.grad.as_slice(),
            ];
            if self.n_iter > 1 {
                quantities.push(Quantity::vector(
                    "y",
                    "g − g_prev (the curvature pair's gradient change)",
                    self.y.as_slice(),
                ));
            }
            let h = &self.h;
            if h.shape() == (2, 2) {
                quantities.extend(crate::optim::quantities![
                    scalar "H₁₁" = "the inverse-Hessian approximation after the update"
                        => h[(0, 0)],
                    scalar "H₁₂" = "(H ≈ ∇²f⁻¹, kept positive definite)" => h[(0, 1)],
                    scalar "H₂₂" = "" => h[(1, 1)],
                ]);
            } else {
                quantities.push(Quantity::vector(
                    "diag H",
                    "the inverse-Hessian approximation's diagonal",
                    h.diagonal().as_slice(),
                ));
            }
            quantities.extend(crate::optim::quantities![
                vector "d" = "−H g: the search direction" => self.d.as_slice(),
                scalar "gᵀd" = "< 0: d is a descent direction" => gtd,
                scalar "t₀" = "min(1, 1/‖g‖₁)·lr on the first step, lr afterwards" => t0,
                scalar "t" = "the line search's step length" => t,
                arrow Gradient "−t·g" =
                    "gradient descent with the step length t the line search chose"
                    => self.grad.iter().map(|g| -t * g),
                arrow Preconditioned "t·d" = "the BFGS step s = −t·H g" => self.s.iter().copied(),
            ]);
            quantities
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::optim::OptimizerConfig;

    use super::*;

    use crate::landscape::{Quadratic, Rosenbrock, Saddle};
    use crate::optim::test_support::oracle_on;

    fn run(
        config: BfgsConfig,
        oracle: &mut Oracle,
        start: [f64; 2],
        steps: usize,
    ) -> (DVector<f64>, Vec<StepOutcome>) {
        let mut bfgs = config.build(2);
        let mut x = DVector::from_vec(start.to_vec());
        let mut outcomes = Vec::new();
        for _ in 0..steps {
            oracle.begin_step();
            let outcome = bfgs.step(&mut x, oracle).outcome;
            let done = outcome != StepOutcome::Continue;
            outcomes.push(outcome);
            if done {
                break;
            }
        }
        (x, outcomes)
    }

    #[test]
    fn update_satisfies_the_secant_equation_and_matches_the_hand_computation() {
        // f = ½(x² + 4y²) from (1, 1) with Armijo backtracking:
        // 1: g = (1, 4), H = I, d = −g, t₀ = min(1, 1/5) = 0.2 → x₁ = (0.8, 0.2),
        //    f = ½(0.64 + 0.16) = 0.4 ≤ 2.5 − 1e-4·0.2·17: accepted.
        // 2: g = (0.8, 0.8), s = (−0.2, −0.8), y = (−0.2, −3.2), yᵀs = 2.6, yᵀy = 10.28,
        //    H₀ = (2.6/10.28)·I, then H = (I − ρ s yᵀ) H₀ (I − ρ y sᵀ) + ρ s sᵀ with ρ = 1/2.6.
        let config = BfgsConfig {
            line_search_fn: None,
            ..BfgsConfig::default()
        };
        let mut bfgs = config.state(2);
        let mut oracle = oracle_on(Quadratic::axis_aligned(1.0, 4.0));
        let mut x = DVector::from_vec(vec![1.0, 1.0]);
        bfgs.step(&mut x, &mut oracle);
        assert!((x[0] - 0.8).abs() < 1e-15 && (x[1] - 0.2).abs() < 1e-15);
        bfgs.step(&mut x, &mut oracle);
        let s = nalgebra::Vector2::new(-0.2, -0.8);
        let y = nalgebra::Vector2::new(-0.2, -3.2);
        let rho = 1.0 / 2.6;
        let h0 = nalgebra::Matrix2::identity() * (2.6 / 10.28);
        let left: nalgebra::Matrix2<f64> = nalgebra::Matrix2::identity() - rho * s * y.transpose();
        let expected: nalgebra::Matrix2<f64> =
            left * h0 * left.transpose() + rho * s * s.transpose();
        let h = bfgs.inverse_hessian();
        for i in 0..2 {
            for j in 0..2 {
                assert!(
                    (h[(i, j)] - expected[(i, j)]).abs() < 1e-14,
                    "{h} vs {expected}"
                );
            }
        }
        // Secant equation H y = s.
        let hy = expected * y;
        assert!((hy - s).norm() < 1e-14);
    }

    #[test]
    fn strong_wolfe_learns_the_inverse_hessian_of_a_quadratic() {
        let quadratic = Quadratic {
            lambda1: 1.0,
            lambda2: 10.0,
            angle_deg: 30.0,
        };
        let mut oracle = oracle_on(quadratic.clone());
        let (x, outcomes) = run(BfgsConfig::default(), &mut oracle, [1.0, 1.0], 10);
        assert!(x.norm() < 1e-8, "{x:?} after {outcomes:?}");
        assert!(outcomes.len() <= 4, "{outcomes:?}");
        assert!(matches!(outcomes.last(), Some(StepOutcome::Converged(_))));
    }

    #[test]
    fn reaches_rosenbrock_minimum_with_both_line_searches() {
        // tolerance_change = 1e-15: with 1e-9 the loss-change test stops the run near f ≈ 1e-12.
        for (line_search_fn, steps) in [(Some(LineSearchFn::StrongWolfe), 60), (None, 60)] {
            let mut oracle = oracle_on(Rosenbrock::default());
            let config = BfgsConfig {
                line_search_fn,
                tolerance_change: 1e-15,
                ..BfgsConfig::default()
            };
            let (x, outcomes) = run(config, &mut oracle, [-1.5, 2.0], steps);
            let f = oracle.objective().value(&x);
            assert!(
                f < 1e-10,
                "{line_search_fn:?}: f = {f} after {} steps",
                outcomes.len()
            );
        }
    }

    #[test]
    fn probes_are_recorded() {
        let mut oracle = oracle_on(Rosenbrock::default());
        let mut bfgs = BfgsConfig::default().build(2);
        let mut x = DVector::from_vec(vec![-1.2, 1.0]);
        oracle.begin_step();
        bfgs.step(&mut x, &mut oracle);
        assert!(!oracle.probes().is_empty());
        assert_eq!(oracle.counts().gradients, 1 + oracle.probes().len() as u64);
    }

    #[test]
    fn tolerances_end_the_run() {
        let run_with = |mut oracle: Oracle, tolerance_grad: f64, start: [f64; 2], steps: usize| {
            let config = BfgsConfig {
                tolerance_grad,
                ..BfgsConfig::default()
            };
            run(config, &mut oracle, start, steps)
        };
        let (x, outcomes) = run_with(oracle_on(Rosenbrock::default()), 1e3, [-1.2, 1.0], 5);
        assert_eq!(x.as_slice(), &[-1.2, 1.0]);
        assert!(
            matches!(&outcomes[..], [StepOutcome::Converged(r)] if r.contains("tolerance_grad"))
        );

        let (_, outcomes) = run_with(oracle_on(Quadratic::default()), 0.0, [1.0, 1.0], 100);
        assert!(
            matches!(outcomes.last(), Some(StepOutcome::Converged(r)) if r.contains("tolerance")),
            "{outcomes:?}"
        );
    }

    #[test]
    fn escapes_a_saddle_with_armijo_and_skips_bad_updates() {
        // On a saddle the curvature along the escape direction is negative: yᵀs < 0 there, so
        // the update must be skipped for H to stay positive definite.
        let mut oracle = oracle_on(Saddle {});
        let mut bfgs = BfgsConfig {
            line_search_fn: None,
            ..BfgsConfig::default()
        }
        .state(2);
        let mut x = DVector::from_vec(vec![1.0, 0.1]);
        for _ in 0..5 {
            bfgs.step(&mut x, &mut oracle);
        }
        assert!(x[1].abs() > 0.1);
        let h = bfgs.inverse_hessian();
        assert!(h[(0, 0)] > 0.0 && h[(0, 0)] * h[(1, 1)] - h[(0, 1)] * h[(1, 0)] > 0.0);
    }

    #[test]
    fn live_config_keeps_h_and_reset_clears_it() {
        let mut oracle = oracle_on(Quadratic::default());
        let mut bfgs = BfgsConfig::default().build(2);
        let mut x = DVector::from_vec(vec![1.0, 1.0]);
        bfgs.step(&mut x, &mut oracle);
        assert!(bfgs.set_config(&OptimizerConfig::Bfgs(BfgsConfig {
            line_search_fn: None,
            ..BfgsConfig::default()
        })));
        let (mut a, mut b) = (x.clone(), x.clone());
        bfgs.step(&mut a, &mut oracle);
        let mut fresh = BfgsConfig {
            line_search_fn: None,
            ..BfgsConfig::default()
        }
        .build(2);
        fresh.step(&mut b, &mut oracle);
        assert_ne!(a, b);
        bfgs.reset();
        let mut c = x.clone();
        bfgs.step(&mut c, &mut oracle);
        assert_eq!(c, b);
    }

    #[test]
    fn validation_and_large_dimensions() {
        let paths = crate::optim::test_support::validation_paths(&BfgsConfig {
            lr: -1.0,
            tolerance_change: f64::INFINITY,
            ..BfgsConfig::default()
        });
        assert_eq!(paths, ["lr", "tolerance_change"]);

        let mut bfgs = BfgsConfig::default().build(MAX_DIM + 1);
        let mut oracle = oracle_on(Quadratic::default());
        let mut x = DVector::zeros(MAX_DIM + 1);
        assert!(matches!(
            bfgs.step(&mut x, &mut oracle).outcome,
            StepOutcome::Failed(_)
        ));
    }
}
