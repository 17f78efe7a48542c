//! Bilevel ridge: the validation loss of a ridge regression as a function of its two penalties,
//! on a log scale — the outer problem of hyperparameter optimisation, drawn as a landscape.
//!
//! Inner problem: ridge regression on a small seeded training set (X_tr, y_tr) of n_tr samples
//! with six features in two groups, A (the first three, which carry the signal) and B (the last
//! three, nearly noise), each group with its own penalty:
//!
//! w*(λ) = argmin_w ‖X_tr w − y_tr‖²/n_tr + λ_A‖w_A‖² + λ_B‖w_B‖²,  so  (H + Λ) w* = c,
//!
//! with H = X_trᵀX_tr/n_tr, c = X_trᵀy_tr/n_tr and Λ = diag(λ_A, λ_A, λ_A, λ_B, λ_B, λ_B). Outer
//! problem: the mean squared error on a held-out validation set, f(x, y) = ‖X_val w*(λ) −
//! y_val‖²/n_val at (x, y) = (log₁₀ λ_A, log₁₀ λ_B). The gradient of f is the hypergradient, by
//! one of two methods (`hypergradient`):
//!
//! - `Implicit` (the implicit function theorem): differentiating (H + Λ)w* = c gives
//!   ∂w*/∂λ_A = −(H + Λ)⁻¹E_A w* (E_A keeps group A's coordinates), so with q = (H + Λ)⁻¹∇_w f
//!   (one more solve with the same matrix) ∂f/∂x = −λ_A·ln 10·Σ_{i∈A} qᵢ wᵢ*, and likewise for B.
//!   Exact, at the cost of two 6×6 solves.
//! - `Unrolled(k)`: k steps of gradient descent on the inner loss from w₀ = 0 with the fixed
//!   inner step `inner_lr`, wⱼ₊₁ = wⱼ − inner_lr·2((H + Λ)wⱼ − c), differentiated through in
//!   forward mode: tⱼ = ∂wⱼ/∂λ_A follows tⱼ₊₁ = tⱼ − inner_lr·2((H + Λ)tⱼ + E_A wⱼ), and ∂f/∂x =
//!   λ_A·ln 10·∇_w f(w_k)·t_k. The landscape's value is then the validation loss of the unrolled
//!   w_k, not of w*: its gradient is exact for that value, and both converge to the implicit ones
//!   as k grows (at the rate of the inner gradient descent, |1 − 2·inner_lr·μ|ᵏ with μ the
//!   smallest eigenvalue of H + Λ). With few steps w_k is still close to w₀ = 0 whatever λ: the
//!   penalties barely matter, the landscape flattens and its minimum moves (truncated unrolling
//!   is biased, Shaban et al. 2019). The inner step must stay below 1/λmax(H + Λ) over the view
//!   (λmax ≤ about 13 here, so inner_lr ≤ 0.07).
//!
//! The Hessian (for sharpness and Newton's method) is the central difference of the exact
//! gradient with step 1e-4, symmetrised. The minimizer is found at construction (the best point
//! of a 33 × 33 grid over the view, then Newton's method on that Hessian to a gradient norm below
//! 1e-10) and listed with its curvature; where Newton's method does not get there (an unrolled
//! landscape too flat to have a minimum in the view) none is listed.
//!
//! Data: features ~ N(0, I), y = xᵀw_true + ε with ε ~ N(0, 1) and w_true = (1, −0.9, 0.8, 0.25,
//! −0.2, 0.2), 20 training and 200 validation samples, drawn from ChaCha8 (stable across
//! versions). With 20 noisy samples for 6 weights, ridge pays: for the default seed 5 the best
//! pair is about (−0.96, −0.50), λ_A ≈ 0.11 on the signal and λ_B ≈ 0.32 on the near-noise, with
//! validation loss 1.18 (2.5 to 3.2 at λ_A = 10, where the signal is shrunk away). Other seeds
//! move it, and some put it on the view's edge; none is then listed.
//!
//! References: F. Pedregosa, "Hyperparameter optimization with approximate gradient", ICML 2016
//! (implicit differentiation); D. Maclaurin, D. Duvenaud & R. Adams, "Gradient-based
//! hyperparameter optimization through reversible learning", ICML 2015, and A. Shaban, C.-A.
//! Cheng, N. Hatch & B. Boots, "Truncated back-propagation for bilevel optimization", AISTATS 2019
//! (unrolled differentiation). Defaults: Implicit, inner_lr = 0.05, seed 5; view [−3, 1]²
//! (λ from 0.001 to 10 in each group); start (0.5, −2.5): a heavy penalty on the signal, almost
//! none on the noise.

use std::sync::Arc;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

use super::{
    Landscape, LandscapeSpec, Matrix2, Minimizers, Minimum, Point, ToLandscape, ViewWindow,
    symmetric_eigenvalues,
};
use crate::hyper::{HyperError, HyperField, HyperValue, Hypers, hyper_table};
use crate::validate::Checker;

/// Features in group A (the first ones); the rest are group B.
const GROUP_A: usize = 3;
/// Number of features.
const DIM: usize = 6;
/// The weights the targets are made from.
const TRUE_WEIGHTS: Vector = [1.0, -0.9, 0.8, 0.25, -0.2, 0.2];
/// Standard deviation of the targets' noise.
const NOISE: f64 = 1.0;
/// Training samples.
const TRAIN_SAMPLES: usize = 20;
/// Validation samples.
const VALIDATION_SAMPLES: usize = 200;
/// The view: log₁₀ λ from −3 to 1 in each group.
const VIEW: ViewWindow = ViewWindow {
    x_min: -3.0,
    x_max: 1.0,
    y_min: -3.0,
    y_max: 1.0,
};
/// Where runs start.
const START: Point = [0.5, -2.5];
/// Step of the central difference that gives the Hessian.
const HESSIAN_STEP: f64 = 1e-4;
/// Most unrolled inner steps.
const MAX_UNROLLED_STEPS: u64 = 100_000;

type Vector = [f64; DIM];
type Matrix = [[f64; DIM]; DIM];

/// How the landscape's gradient, the hypergradient, is computed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub enum Hypergradient {
    /// By the implicit function theorem at the exact inner solution w*.
    #[default]
    Implicit,
    /// Through this many unrolled inner gradient steps from w = 0 (forward mode); the value is
    /// then the validation loss of the unrolled weights.
    Unrolled(u64),
}

/// The validation loss of two-penalty ridge regression over (log₁₀ λ_A, log₁₀ λ_B).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BilevelRidge {
    /// Implicit differentiation, or `Unrolled(k)` inner steps.
    pub hypergradient: Hypergradient,
    /// The inner gradient descent's step size (unrolled hypergradients only).
    pub inner_lr: f64,
    /// Seed of the data.
    pub seed: u64,
}

impl Default for BilevelRidge {
    fn default() -> Self {
        Self {
            hypergradient: Hypergradient::Implicit,
            inner_lr: 0.05,
            seed: 5,
        }
    }
}

/// `unrolled_steps` reads and writes `hypergradient` as one count: 0 is `Implicit`, k > 0 is
/// `Unrolled(k)` (one slider, and one Try edit, for both).
fn set_unrolled_steps(
    config: &mut BilevelRidge,
    name: &str,
    value: HyperValue,
) -> Result<(), HyperError> {
    let mut steps = unrolled_steps(config);
    steps.assign_hyper(name, value)?;
    config.hypergradient = match steps {
        0 => Hypergradient::Implicit,
        k => Hypergradient::Unrolled(k),
    };
    Ok(())
}

/// The inner steps of an unrolled hypergradient, 0 for the implicit one.
fn unrolled_steps(config: &BilevelRidge) -> u64 {
    match config.hypergradient {
        Hypergradient::Implicit => 0,
        Hypergradient::Unrolled(k) => k,
    }
}

hyper_table! {
    BilevelRidge, owner: "BilevelRidge";
    { get: unrolled_steps, set: set_unrolled_steps } as "unrolled_steps": int(0, 1000),
        "Inner gradient steps the hypergradient differentiates through (0: implicit \
         differentiation at the exact inner solution)";
    inner_lr: log_float(1e-3, 0.07) where positive,
        "Step size of the unrolled inner gradient descent on the training loss";
    seed: int(0, 100), "Seed of the data";
}

impl LandscapeSpec for BilevelRidge {
    const DESCRIPTION: &'static str = "validation loss of ridge regression over its two log₁₀ \
        penalties (λ_A, λ_B); gradient: implicit or unrolled hypergradient";

    fn validate(&self, checker: &mut Checker) {
        self.validate_rows(checker);
        if let Hypergradient::Unrolled(k) = self.hypergradient {
            checker.count_in_range("hypergradient", k, 1, MAX_UNROLLED_STEPS);
        }
    }
}

impl ToLandscape for BilevelRidge {
    fn to_landscape(&self) -> Arc<dyn Landscape> {
        let mut problem = BilevelRidgeProblem {
            data: RidgeData::generate(self.seed),
            hypergradient: match self.hypergradient {
                Hypergradient::Unrolled(k) => Hypergradient::Unrolled(k.min(MAX_UNROLLED_STEPS)),
                implicit => implicit,
            },
            inner_lr: self.inner_lr,
            minimum: None,
        };
        problem.minimum = problem.find_minimum();
        Arc::new(problem)
    }
}

/// The sufficient statistics of the two data sets: everything the losses need, O(1) in n.
#[derive(Clone, Debug, PartialEq)]
struct RidgeData {
    /// H = X_trᵀX_tr/n_tr.
    train_gram: Matrix,
    /// c = X_trᵀy_tr/n_tr.
    train_moment: Vector,
    /// X_valᵀX_val/n_val.
    validation_gram: Matrix,
    /// X_valᵀy_val/n_val.
    validation_moment: Vector,
    /// y_valᵀy_val/n_val.
    validation_mean_square: f64,
}

impl RidgeData {
    /// The training set's samples, then the validation set's, each sample's features before its
    /// noise, from `ChaCha8Rng::seed_from_u64(seed)`.
    fn generate(seed: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut statistics = |n: usize| {
            let (mut gram, mut moment, mut mean_square) = ([[0.0; DIM]; DIM], [0.0; DIM], 0.0);
            for _ in 0..n {
                let features: Vector = std::array::from_fn(|_| StandardNormal.sample(&mut rng));
                let noise: f64 = StandardNormal.sample(&mut rng);
                let target = dot(&features, &TRUE_WEIGHTS) + NOISE * noise;
                for (row, &a) in gram.iter_mut().zip(&features) {
                    for (entry, &b) in row.iter_mut().zip(&features) {
                        *entry += a * b / n as f64;
                    }
                }
                for (m, &a) in moment.iter_mut().zip(&features) {
                    *m += a * target / n as f64;
                }
                mean_square += target * target / n as f64;
            }
            (gram, moment, mean_square)
        };
        let (train_gram, train_moment, _) = statistics(TRAIN_SAMPLES);
        let (validation_gram, validation_moment, validation_mean_square) =
            statistics(VALIDATION_SAMPLES);
        Self {
            train_gram,
            train_moment,
            validation_gram,
            validation_moment,
            validation_mean_square,
        }
    }

    /// The validation loss at `w` and its gradient in w: wᵀH_val w − 2c_valᵀw + s_val and
    /// 2(H_val w − c_val).
    fn validation(&self, w: &Vector) -> (f64, Vector) {
        let hw = mat_vec(&self.validation_gram, w);
        let value =
            dot(w, &hw) - 2.0 * dot(&self.validation_moment, w) + self.validation_mean_square;
        let gradient = std::array::from_fn(|i| 2.0 * (hw[i] - self.validation_moment[i]));
        (value, gradient)
    }

    /// H + Λ for the penalties `lambda` = (λ_A, λ_B).
    fn regularised_gram(&self, lambda: Point) -> Matrix {
        let mut m = self.train_gram;
        for (i, row) in m.iter_mut().enumerate() {
            row[i] += lambda[group(i)];
        }
        m
    }
}

/// The group (0: A, 1: B) of feature `i`.
fn group(i: usize) -> usize {
    usize::from(i >= GROUP_A)
}

/// (λ_A, λ_B) = 10^(x, y).
fn penalties(p: Point) -> Point {
    [10f64.powf(p[0]), 10f64.powf(p[1])]
}

fn dot(a: &Vector, b: &Vector) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn mat_vec(m: &Matrix, v: &Vector) -> Vector {
    std::array::from_fn(|i| dot(&m[i], v))
}

/// The Cholesky factor L (M = LLᵀ, lower) of a symmetric positive definite M; NaN entries where
/// M is not positive definite, so that the values built on it are NaN rather than a panic.
fn cholesky(m: &Matrix) -> Matrix {
    let mut l = [[0.0; DIM]; DIM];
    for i in 0..DIM {
        for j in 0..=i {
            let sum: f64 = (0..j).map(|k| l[i][k] * l[j][k]).sum();
            l[i][j] = if i == j {
                let pivot = m[i][i] - sum;
                if pivot > 0.0 { pivot.sqrt() } else { f64::NAN }
            } else {
                (m[i][j] - sum) / l[j][j]
            };
        }
    }
    l
}

/// Solves LLᵀx = b.
fn cholesky_solve(l: &Matrix, b: &Vector) -> Vector {
    let mut y = [0.0; DIM];
    for i in 0..DIM {
        let sum: f64 = (0..i).map(|k| l[i][k] * y[k]).sum();
        y[i] = (b[i] - sum) / l[i][i];
    }
    let mut x = [0.0; DIM];
    for i in (0..DIM).rev() {
        let sum: f64 = (i + 1..DIM).map(|k| l[k][i] * x[k]).sum();
        x[i] = (y[i] - sum) / l[i][i];
    }
    x
}

/// A built [`BilevelRidge`]: the data's statistics and the minimizer found at construction.
#[derive(Clone, Debug, PartialEq)]
pub struct BilevelRidgeProblem {
    data: RidgeData,
    hypergradient: Hypergradient,
    inner_lr: f64,
    minimum: Option<Minimum>,
}

impl BilevelRidgeProblem {
    /// The exact inner solution w*(λ) at `p`, with the Cholesky factor of H + Λ.
    fn inner_solution(&self, p: Point) -> (Vector, Matrix, Point) {
        let lambda = penalties(p);
        let factor = cholesky(&self.data.regularised_gram(lambda));
        (
            cholesky_solve(&factor, &self.data.train_moment),
            factor,
            lambda,
        )
    }

    /// The validation loss at the exact inner solution and its implicit hypergradient.
    fn implicit(&self, p: Point) -> (f64, Point) {
        let (w, factor, lambda) = self.inner_solution(p);
        let (value, validation_gradient) = self.data.validation(&w);
        // q = (H + Λ)⁻¹∇_w f; ∂f/∂λ_g = −Σ_{i∈g} qᵢwᵢ.
        let q = cholesky_solve(&factor, &validation_gradient);
        let mut gradient = [0.0; 2];
        for i in 0..DIM {
            gradient[group(i)] -= q[i] * w[i];
        }
        let chain = std::f64::consts::LN_10;
        (
            value,
            [
                gradient[0] * lambda[0] * chain,
                gradient[1] * lambda[1] * chain,
            ],
        )
    }

    /// The validation loss after `steps` inner gradient steps from 0 and its hypergradient
    /// through them (forward mode: the tangents ∂wⱼ/∂λ_A and ∂wⱼ/∂λ_B ride along).
    fn unrolled(&self, p: Point, steps: u64, with_gradient: bool) -> (f64, Point) {
        let lambda = penalties(p);
        let m = self.data.regularised_gram(lambda);
        let c = &self.data.train_moment;
        let step = 2.0 * self.inner_lr;
        let (mut w, mut tangents) = ([0.0; DIM], [[0.0; DIM]; 2]);
        for _ in 0..steps {
            if with_gradient {
                for (g, tangent) in tangents.iter_mut().enumerate() {
                    let mt = mat_vec(&m, tangent);
                    for i in 0..DIM {
                        let own = if group(i) == g { w[i] } else { 0.0 };
                        tangent[i] -= step * (mt[i] + own);
                    }
                }
            }
            let mw = mat_vec(&m, &w);
            for i in 0..DIM {
                w[i] -= step * (mw[i] - c[i]);
            }
        }
        let (value, validation_gradient) = self.data.validation(&w);
        let chain = std::f64::consts::LN_10;
        let gradient =
            std::array::from_fn(|g| dot(&validation_gradient, &tangents[g]) * lambda[g] * chain);
        (value, gradient)
    }

    /// The implicit hypergradient at `p`, whatever the landscape's own method (for comparisons).
    pub fn implicit_hypergradient(&self, p: Point) -> Point {
        self.implicit(p).1
    }

    /// The hypergradient through `steps` unrolled inner steps at `p`, whatever the landscape's
    /// own method (for comparisons).
    pub fn unrolled_hypergradient(&self, p: Point, steps: u64) -> Point {
        self.unrolled(p, steps, true).1
    }

    /// The best point of a grid over the view, polished by Newton's method; `None` when Newton's
    /// method does not reach a gradient norm of 1e-10 inside the view.
    fn find_minimum(&self) -> Option<Minimum> {
        const GRID: usize = 33;
        let at = |i: usize, lo: f64, hi: f64| lo + (hi - lo) * i as f64 / (GRID - 1) as f64;
        let mut best = (f64::INFINITY, START);
        for i in 0..GRID {
            for j in 0..GRID {
                let p = [at(i, VIEW.x_min, VIEW.x_max), at(j, VIEW.y_min, VIEW.y_max)];
                let value = self.value(p);
                if value < best.0 {
                    best = (value, p);
                }
            }
        }
        let mut p = best.1;
        for _ in 0..50 {
            let (_, g) = self.value_and_gradient(p);
            if g[0].hypot(g[1]) < 1e-10 {
                let inside = VIEW.x_min <= p[0] && p[0] <= VIEW.x_max;
                let inside = inside && VIEW.y_min <= p[1] && p[1] <= VIEW.y_max;
                let curvature = symmetric_eigenvalues(self.hessian(p));
                return (inside && curvature[0] > 0.0).then(|| Minimum {
                    point: p,
                    value: self.value(p),
                    curvature,
                });
            }
            let h = self.hessian(p);
            let det = h[0][0] * h[1][1] - h[0][1] * h[1][0];
            if !(det > 0.0 && h[0][0] > 0.0) {
                return None;
            }
            let step = [
                (h[1][1] * g[0] - h[0][1] * g[1]) / det,
                (h[0][0] * g[1] - h[1][0] * g[0]) / det,
            ];
            p = [p[0] - step[0], p[1] - step[1]];
        }
        None
    }
}

impl Landscape for BilevelRidgeProblem {
    fn value(&self, p: Point) -> f64 {
        match self.hypergradient {
            Hypergradient::Implicit => self.data.validation(&self.inner_solution(p).0).0,
            Hypergradient::Unrolled(k) => self.unrolled(p, k, false).0,
        }
    }

    fn value_and_gradient(&self, p: Point) -> (f64, Point) {
        match self.hypergradient {
            Hypergradient::Implicit => self.implicit(p),
            Hypergradient::Unrolled(k) => self.unrolled(p, k, true),
        }
    }

    fn hessian(&self, p: Point) -> Matrix2 {
        let column = |axis: usize| {
            let mut plus = p;
            let mut minus = p;
            plus[axis] += HESSIAN_STEP;
            minus[axis] -= HESSIAN_STEP;
            let (g_plus, g_minus) = (
                self.value_and_gradient(plus).1,
                self.value_and_gradient(minus).1,
            );
            [0, 1].map(|row| (g_plus[row] - g_minus[row]) / (2.0 * HESSIAN_STEP))
        };
        let (first, second) = (column(0), column(1));
        let off_diagonal = 0.5 * (first[1] + second[0]);
        [[first[0], off_diagonal], [off_diagonal, second[1]]]
    }

    fn minimizers(&self) -> Minimizers {
        Minimizers::Points(self.minimum.iter().cloned().collect())
    }

    fn view(&self) -> ViewWindow {
        VIEW
    }

    fn default_start(&self) -> Point {
        START
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(hypergradient: Hypergradient) -> BilevelRidgeProblem {
        problem_seeded(hypergradient, 5)
    }

    fn problem_seeded(hypergradient: Hypergradient, seed: u64) -> BilevelRidgeProblem {
        let mut problem = BilevelRidgeProblem {
            data: RidgeData::generate(seed),
            hypergradient,
            inner_lr: 0.05,
            minimum: None,
        };
        problem.minimum = problem.find_minimum();
        problem
    }

    /// Points spread over the view, the start and the minimizer among them.
    fn points() -> Vec<Point> {
        let mut points = vec![START, [-2.5, 0.5], [-1.0, -1.0], [0.8, 0.8], [-2.9, -2.9]];
        points.extend(problem(Hypergradient::Implicit).minimum.map(|m| m.point));
        points
    }

    #[test]
    fn implicit_and_unrolled_hypergradients_agree_at_many_steps_and_differ_at_few() {
        // The inner descent contracts by |1 − 2·inner_lr·μ| ≤ 0.985 a step (μ ≥ 0.15 here), so
        // 1000 steps leave an error of about 1e-7 of the start's: they agree to 1e-6 relative
        // (and 1e-12 absolute at the minimizer, where both vanish).
        let implicit = problem(Hypergradient::Implicit);
        for p in points() {
            let exact = implicit.implicit_hypergradient(p);
            let scale = exact[0].hypot(exact[1]);
            let many = implicit.unrolled_hypergradient(p, 1000);
            let error = (many[0] - exact[0]).hypot(many[1] - exact[1]);
            assert!(
                error <= 1e-6 * scale + 1e-12,
                "{p:?}: {many:?} vs {exact:?}"
            );
            // Ten steps from w = 0 are far from w* wherever a penalty is below 1 (H + Λ then has
            // an eigenvalue below about 1.5, contracting by at least 0.85 a step): more than 5 %
            // off. With both penalties large, ten steps suffice (at (0.8, 0.8), 1e-4 off).
            if p[0].min(p[1]) < 0.0 {
                let few = implicit.unrolled_hypergradient(p, 10);
                let error = (few[0] - exact[0]).hypot(few[1] - exact[1]);
                assert!(error > 0.05 * scale, "{p:?}: {few:?} vs {exact:?}");
            }
        }
        // The unrolled landscape's own gradient is the unrolled hypergradient.
        let unrolled = problem(Hypergradient::Unrolled(10));
        assert_eq!(
            unrolled.value_and_gradient(START).1,
            unrolled.unrolled_hypergradient(START, 10)
        );
    }

    #[test]
    fn the_implicit_hypergradient_is_the_derivative_of_the_validation_loss() {
        // Central differences of the exact validation loss f(w*(λ)), step 1e-5: truncation
        // O(h²·f‴) and rounding O(ε·f/h) are both below 1e-8 here.
        let implicit = problem(Hypergradient::Implicit);
        let h = 1e-5;
        for p in points() {
            let gradient = implicit.implicit_hypergradient(p);
            for axis in 0..2 {
                let (mut plus, mut minus) = (p, p);
                plus[axis] += h;
                minus[axis] -= h;
                let difference = (implicit.value(plus) - implicit.value(minus)) / (2.0 * h);
                assert!(
                    (gradient[axis] - difference).abs() <= 1e-7 * (1.0 + difference.abs()),
                    "{p:?} axis {axis}: {} vs {difference}",
                    gradient[axis]
                );
            }
        }
    }

    #[test]
    fn the_best_penalties_are_found_and_unrolling_moves_them() {
        let implicit = problem(Hypergradient::Implicit);
        let best = implicit.minimum.clone().map(|m| m.point);
        let best = best.unwrap_or([f64::NAN; 2]);
        // Group A (the signal) wants a smaller penalty than group B (nearly noise).
        assert!(best[0] < best[1], "{best:?}");
        let grid_best = (0..=40)
            .flat_map(|i| (0..=40).map(move |j| [-3.0 + 0.1 * i as f64, -3.0 + 0.1 * j as f64]))
            .map(|p| implicit.value(p))
            .fold(f64::INFINITY, f64::min);
        assert!(implicit.value(best) <= grid_best);
        let far = problem(Hypergradient::Unrolled(50))
            .minimum
            .map(|m| m.point);
        let far = far.unwrap_or([f64::NAN; 2]);
        assert!((far[0] - best[0]).hypot(far[1] - best[1]) > 0.1, "{far:?}");
        // The unrolled-steps slider: 0 is implicit, k is Unrolled(k).
        let mut config = BilevelRidge::default();
        set_unrolled_steps(&mut config, "unrolled_steps", HyperValue::Int(20)).unwrap();
        assert_eq!(config.hypergradient, Hypergradient::Unrolled(20));
        set_unrolled_steps(&mut config, "unrolled_steps", HyperValue::Int(0)).unwrap();
        assert_eq!(config.hypergradient, Hypergradient::Implicit);
    }
}
