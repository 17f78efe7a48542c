//! LASSO: least squares plus an ℓ₁ penalty, whose kinks on the axes make solutions sparse.
//!
//! f(x) = g(x) + h(x) with g(x) = (1/n) Σᵢ ½(aᵢᵀx − bᵢ)² the [`LeastSquares`] landscape on exactly
//! its data (same n and seed, noise 0.5) and h(x) = λ(|x| + |y|). As a finite sum,
//! fᵢ(x) = ½(aᵢᵀx − bᵢ)² + λ‖x‖₁, so the mean of the fᵢ is f. Domain ℝ². f is convex but not
//! differentiable where a coordinate is 0: `value_and_gradient` returns the subgradient
//! ∇g + λ·sign(x) with sign(0) = 0, what PyTorch's autograd gives for `abs`, so plain (sub)gradient
//! methods chatter across the axes instead of landing on them. The Hessian reported everywhere is
//! that of g, AᵀA/n (h is piecewise linear).
//!
//! Composite view for proximal methods: ∇g = AᵀA x/n − Aᵀb/n and prox_{t·h}(x) = soft-thresholding,
//! xⱼ ← sign(xⱼ)·max(|xⱼ| − tλ, 0), which sets small coordinates exactly to 0; proximal gradient
//! (ISTA) and its accelerated form (FISTA) reach the sparse solution exactly.
//!
//! The unique minimizer (g is strongly convex) is computed at construction, exactly: in 2D the
//! optimality conditions 0 ∈ ∇g(x) + λ∂‖x‖₁ are solved on each candidate support (none, x only,
//! y only, both with each sign pattern) in closed form and the candidate that satisfies them is
//! kept. Its curvature is reported as the eigenvalues of AᵀA/n (≈ 1 and 9), the smooth part's: on
//! the nonsmooth set the ℓ₁ term adds none. With the defaults (λ = 2) the weakly curved coordinate
//! is zeroed: x* = (0, 0.780), f* ≈ 2.646, while the least-squares solution is ≈ (1.14, 1.02); on
//! this data x becomes exactly 0 once λ exceeds ≈ 1.31, y only beyond ≈ 9.07.
//!
//! References: R. Tibshirani, "Regression shrinkage and selection via the lasso", J. Royal
//! Statistical Society B 58(1), 1996; A. Beck & M. Teboulle, "A fast iterative
//! shrinkage-thresholding algorithm for linear inverse problems", SIAM J. Imaging Sciences 2(1),
//! 2009 (the proximal gradient method and soft-thresholding). Defaults: λ = 2, n = 64, seed 0;
//! view: the half-unit window holding the origin, x*, the least-squares solution and the start with
//! a margin of 1 ([−2, 2.5] × [−1, 3] for the defaults); start (−1, 2).

use std::sync::Arc;

use nalgebra::DVector;
use serde::{Deserialize, Serialize};

use super::data::{Regression, solve, window_around};
use super::least_squares::{MAX_SAMPLES, MIN_SAMPLES, REGRESSION_START};
use super::{
    Landscape, LandscapeSpec, LeastSquares, Matrix2, Minimizers, Minimum, Point, ToLandscape,
    ViewWindow, point_of, symmetric_eigenvalues,
};
use crate::hyper::{Hypers, hyper_table};
use crate::objective::Composite;
use crate::validate::Checker;

/// f(x) = (1/n) Σᵢ ½(aᵢᵀx − bᵢ)² + λ‖x‖₁ on the [`LeastSquares`] data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Lasso {
    /// Weight λ of the ℓ₁ penalty.
    pub lambda: f64,
    /// Number of samples n (2 to 100 000).
    pub n: usize,
    /// Seed of the data.
    pub seed: u64,
}

impl Default for Lasso {
    fn default() -> Self {
        Self {
            lambda: 2.0,
            n: 64,
            seed: 0,
        }
    }
}

impl Lasso {
    /// The built landscape with its concrete type.
    fn problem(&self) -> LassoProblem {
        let data = LeastSquares {
            n: self.n,
            seed: self.seed,
            ..LeastSquares::default()
        }
        .regression();
        LassoProblem::new(data, self.lambda)
    }
}

hyper_table! {
    Lasso, owner: "Lasso";
    lambda: log_float(1e-3, 10.0) where non_negative, "Weight λ of the ℓ₁ penalty";
    n: int(2, 1000), "Number of samples n (2 to 100 000)";
    seed: int(0, 100), "Seed of the data";
}

impl LandscapeSpec for Lasso {
    const DESCRIPTION: &'static str =
        "least squares + λ‖x‖₁: sparse solutions, subgradients vs the prox (λ, n, seed)";

    fn validate(&self, checker: &mut Checker) {
        self.validate_rows(checker);
        checker.count_in_range("n", self.n as u64, MIN_SAMPLES as u64, MAX_SAMPLES as u64);
    }

    /// n, clamped as the data are generated.
    fn num_samples(&self) -> usize {
        self.n.clamp(MIN_SAMPLES, MAX_SAMPLES)
    }
}

impl ToLandscape for Lasso {
    fn to_landscape(&self) -> Arc<dyn Landscape> {
        Arc::new(self.problem())
    }
}

/// sign(v) with sign(0) = 0 (and NaN for NaN), PyTorch's convention for the subgradient of |v|.
fn sign(v: f64) -> f64 {
    if v > 0.0 {
        1.0
    } else if v < 0.0 {
        -1.0
    } else {
        v * 0.0
    }
}

/// sign(v)·max(|v| − threshold, 0): the proximal operator of threshold·|·|.
fn soft_threshold(v: f64, threshold: f64) -> f64 {
    sign(v) * (v.abs() - threshold).max(0.0)
}

/// A built [`Lasso`] landscape: the least-squares data, λ and the exact minimizer.
#[derive(Clone, Debug, PartialEq)]
pub struct LassoProblem {
    data: Regression,
    lambda: f64,
    minimum: Minimum,
}

impl LassoProblem {
    /// The LASSO on `data` with penalty weight `lambda`, solving for its minimizer.
    fn new(data: Regression, lambda: f64) -> Self {
        let point = exact_minimizer(&data, lambda);
        let curvature = symmetric_eigenvalues(data.hessian());
        let mut problem = Self {
            data,
            lambda,
            minimum: Minimum {
                point,
                value: f64::NAN,
                curvature,
            },
        };
        problem.minimum.value = problem.value(point);
        problem
    }

    /// λ‖p‖₁ and its subgradient λ·sign(p).
    fn penalty(&self, p: Point) -> (f64, Point) {
        (
            self.lambda * (p[0].abs() + p[1].abs()),
            [self.lambda * sign(p[0]), self.lambda * sign(p[1])],
        )
    }
}

/// How far `x` is from satisfying 0 ∈ ∇g(x) + λ∂‖x‖₁: per coordinate |∂ⱼg + λ sign(xⱼ)| where
/// xⱼ ≠ 0 and max(|∂ⱼg| − λ, 0) where xⱼ = 0 (the norm of the minimum-norm subgradient).
fn optimality_violation(data: &Regression, lambda: f64, x: Point) -> f64 {
    let (_, gradient) = data.value_and_gradient(x);
    let violation = |j: usize| {
        if x[j] == 0.0 {
            (gradient[j].abs() - lambda).max(0.0)
        } else {
            (gradient[j] + lambda * sign(x[j])).abs()
        }
    };
    violation(0).hypot(violation(1))
}

/// The exact LASSO minimizer in 2D. On a support S with signs s, the optimality conditions are
/// linear: H_SS x_S = c_S − λ s_S with the other coordinates 0. Every support and sign pattern
/// gives one candidate (sparse ones first; a one-coordinate candidate takes its sign from the
/// soft-threshold); the true minimizer is among them and is the one that satisfies the
/// conditions, i.e. whose violation is least (the first, hence the sparsest, on a tie).
fn exact_minimizer(data: &Regression, lambda: f64) -> Point {
    let (h, c) = (data.hessian(), data.correlation());
    let full = |s: Point| solve(h, [c[0] - lambda * s[0], c[1] - lambda * s[1]]);
    let candidates = [
        [0.0, 0.0],
        [soft_threshold(c[0], lambda) / h[0][0], 0.0],
        [0.0, soft_threshold(c[1], lambda) / h[1][1]],
        full([1.0, 1.0]),
        full([1.0, -1.0]),
        full([-1.0, 1.0]),
        full([-1.0, -1.0]),
    ];
    candidates
        .into_iter()
        .map(|x| (optimality_violation(data, lambda, x), x))
        .filter(|(violation, _)| !violation.is_nan())
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .map_or([f64::NAN; 2], |(_, x)| x)
}

impl Landscape for LassoProblem {
    fn value(&self, p: Point) -> f64 {
        self.data.value(p) + self.penalty(p).0
    }

    fn value_and_gradient(&self, p: Point) -> (f64, Point) {
        let (value, gradient) = self.data.value_and_gradient(p);
        let (penalty, subgradient) = self.penalty(p);
        (
            value + penalty,
            [gradient[0] + subgradient[0], gradient[1] + subgradient[1]],
        )
    }

    fn hessian(&self, _p: Point) -> Matrix2 {
        self.data.hessian()
    }

    fn minimizers(&self) -> Minimizers {
        Minimizers::Points(vec![self.minimum.clone()])
    }

    fn view(&self) -> ViewWindow {
        window_around(
            &[
                [0.0, 0.0],
                self.minimum.point,
                self.data.solution(),
                REGRESSION_START,
            ],
            1.0,
        )
    }

    fn default_start(&self) -> Point {
        REGRESSION_START
    }

    fn num_samples(&self) -> usize {
        self.data.len()
    }

    /// The mean of fᵢ = ½(aᵢᵀp − bᵢ)² + λ‖p‖₁ over `batch` (indices below n; an empty batch gives
    /// the full mean), with the subgradient convention sign(0) = 0.
    fn sample_value_and_gradient(&self, p: Point, batch: &[usize]) -> (f64, Point) {
        let (value, gradient) = self.data.sample_value_and_gradient(p, batch);
        let (penalty, subgradient) = self.penalty(p);
        (
            value + penalty,
            [gradient[0] + subgradient[0], gradient[1] + subgradient[1]],
        )
    }

    fn composite(&self) -> Option<&dyn Composite> {
        Some(self)
    }
}

impl Composite for LassoProblem {
    fn smooth_value_and_grad(&self, x: &DVector<f64>, grad: &mut DVector<f64>) -> f64 {
        let (value, gradient) = self.data.value_and_gradient(point_of(x));
        grad[0] = gradient[0];
        grad[1] = gradient[1];
        value
    }

    fn nonsmooth_value(&self, x: &DVector<f64>) -> f64 {
        self.lambda * x.iter().map(|v| v.abs()).sum::<f64>()
    }

    fn prox(&self, x: &mut DVector<f64>, step: f64) {
        let threshold = step * self.lambda;
        for v in x.iter_mut() {
            *v = soft_threshold(*v, threshold);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::data::mat_vec;
    use super::*;

    fn minimum(problem: &LassoProblem) -> Minimum {
        match problem.minimizers() {
            Minimizers::Points(points) => points[0].clone(),
            other => panic!("the LASSO has a unique minimizer, got {other:?}"),
        }
    }

    /// One proximal gradient step x ← prox_{t·h}(x − t∇g(x)), through the [`Composite`] view.
    fn prox_gradient_step(problem: &LassoProblem, x: Point, t: f64) -> Point {
        let composite = problem
            .composite()
            .unwrap_or_else(|| panic!("the LASSO is composite"));
        let mut v = DVector::from_row_slice(&x);
        let mut grad = DVector::zeros(2);
        composite.smooth_value_and_grad(&v, &mut grad);
        v.axpy(-t, &grad, 1.0);
        composite.prox(&mut v, t);
        [v[0], v[1]]
    }

    #[test]
    fn same_seed_same_landscape_on_the_least_squares_data() {
        let lasso = Lasso::default().problem();
        assert_eq!(lasso, Lasso::default().problem());
        let least_squares = LeastSquares::default().regression();
        assert_eq!(lasso.data, least_squares);
        let other = Lasso {
            seed: 5,
            ..Lasso::default()
        };
        assert_ne!(other.problem().data, least_squares);
    }

    #[test]
    fn full_batch_mean_is_the_full_value() {
        let lasso = Lasso::default().problem();
        let all: Vec<usize> = (0..lasso.num_samples()).collect();
        for p in [[-1.0, 2.0], [0.0, 0.5], [1.5, -0.25]] {
            let (value, gradient) = lasso.value_and_gradient(p);
            let (batch_value, batch_gradient) = lasso.sample_value_and_gradient(p, &all);
            assert!((value - batch_value).abs() < 1e-12);
            assert!((gradient[0] - batch_gradient[0]).abs() < 1e-12);
            assert!((gradient[1] - batch_gradient[1]).abs() < 1e-12);
            assert_eq!(value, lasso.value(p));
            // Composite pieces add up to f.
            let composite = lasso
                .composite()
                .unwrap_or_else(|| panic!("the LASSO is composite"));
            let v = DVector::from_row_slice(&p);
            let mut grad = DVector::zeros(2);
            let g = composite.smooth_value_and_grad(&v, &mut grad);
            assert!((g + composite.nonsmooth_value(&v) - value).abs() < 1e-12);
        }
    }

    #[test]
    fn subgradient_uses_sign_zero_is_zero() {
        let lasso = Lasso::default().problem();
        let (_, smooth) = lasso.data.value_and_gradient([0.0, 0.5]);
        let (_, gradient) = lasso.value_and_gradient([0.0, 0.5]);
        assert_eq!(gradient[0], smooth[0]);
        assert_eq!(gradient[1], smooth[1] + lasso.lambda);
        assert_eq!(sign(-0.0), 0.0);
    }

    #[test]
    fn prox_is_soft_thresholding() {
        let lasso = LassoProblem::new(LeastSquares::default().regression(), 0.5);
        let mut x = DVector::from_row_slice(&[3.0, -0.2]);
        lasso.prox(&mut x, 2.0); // threshold 1
        assert_eq!((x[0], x[1]), (2.0, 0.0));
        let mut x = DVector::from_row_slice(&[-1.5, 1.0]);
        lasso.prox(&mut x, 2.0);
        assert_eq!((x[0], x[1]), (-0.5, 0.0));
        let mut x = DVector::from_row_slice(&[0.25, -4.0]);
        lasso.prox(&mut x, 0.0);
        assert_eq!((x[0], x[1]), (0.25, -4.0));
    }

    #[test]
    fn minimizer_is_a_fixed_point_of_the_prox_gradient_map() {
        for lambda in [0.0, 0.3, 1.0, 2.0, 5.0, 20.0] {
            let lasso = LassoProblem::new(LeastSquares::default().regression(), lambda);
            let m = minimum(&lasso);
            let lipschitz = m.curvature[1];
            for t in [0.1 / lipschitz, 1.0 / lipschitz, 1.9 / lipschitz] {
                let next = prox_gradient_step(&lasso, m.point, t);
                assert!(
                    (next[0] - m.point[0]).abs() < 1e-12 && (next[1] - m.point[1]).abs() < 1e-12,
                    "λ = {lambda}, t = {t}: {:?} → {next:?}",
                    m.point
                );
            }
            // ISTA from the start converges to the same point.
            let mut x = REGRESSION_START;
            for _ in 0..5_000 {
                x = prox_gradient_step(&lasso, x, 1.0 / lipschitz);
            }
            assert!((x[0] - m.point[0]).abs() < 1e-10 && (x[1] - m.point[1]).abs() < 1e-10);
            assert!((lasso.value(m.point) - m.value).abs() < 1e-15);
            assert!(lasso.value(x) >= m.value - 1e-14);
        }
        // λ = 0 is least squares; λ beyond both thresholds gives 0.
        let least_squares = LeastSquares::default().regression();
        let m = minimum(&LassoProblem::new(least_squares.clone(), 0.0));
        let solution = least_squares.solution();
        assert!((m.point[0] - solution[0]).abs() < 1e-12);
        assert!((m.point[1] - solution[1]).abs() < 1e-12);
        assert_eq!(
            minimum(&LassoProblem::new(least_squares, 20.0)).point,
            [0.0, 0.0]
        );
    }

    #[test]
    fn default_lambda_zeroes_the_weakly_curved_coordinate() {
        let lasso = Lasso::default().problem();
        let m = minimum(&lasso);
        assert_eq!(m.point[0], 0.0);
        assert!(m.point[1] > 0.5);
        // Optimality on the axis: |∂g/∂x| ≤ λ there, with room to spare.
        let (_, gradient) = lasso.data.value_and_gradient(m.point);
        assert!(gradient[0].abs() < 0.8 * lasso.lambda);
        assert!((gradient[1] + lasso.lambda).abs() < 1e-12);
        let hx = mat_vec(lasso.data.hessian(), m.point);
        assert!((hx[1] - lasso.data.correlation()[1] + lasso.lambda).abs() < 1e-12);
        let w = lasso.view();
        for p in [m.point, lasso.data.solution(), lasso.default_start()] {
            assert!(w.x_min < p[0] && p[0] < w.x_max && w.y_min < p[1] && p[1] < w.y_max);
        }
    }

    #[test]
    fn validation() {
        let mut checker = Checker::new();
        Lasso::default().validate(&mut checker);
        assert!(checker.found.is_empty());
        Lasso {
            lambda: f64::NAN,
            n: 0,
            seed: 0,
        }
        .validate(&mut checker);
        let paths: Vec<_> = checker.found.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["lambda", "n"]);
    }
}
