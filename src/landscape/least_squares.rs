//! Least squares: linear regression on seeded synthetic data, the simplest finite sum.
//!
//! f(x) = (1/n) Σᵢ fᵢ(x) with fᵢ(x) = ½(aᵢᵀx − bᵢ)², on n samples aᵢ = (z₁, 3z₂), z ~ N(0, I),
//! bᵢ = aᵢᵀ(1, 1) + noise·εᵢ, εᵢ ~ N(0, 1) (see the `data` module). Domain ℝ². With H = AᵀA/n and
//! c = Aᵀb/n, f(x) = ½xᵀHx − cᵀx + ½bᵀb/n: ∇f = Hx − c, ∇²f = H everywhere. The unique minimizer
//! is the least-squares solution x* = H⁻¹c (the normal equations), near (1, 1); f* is half the mean
//! squared residual there (≈ ½noise²) and the curvature is the pair of eigenvalues of H, ≈ 1 and 9,
//! so gradient descent is stable for lr < 2/λmax ≈ 0.22 and zig-zags across the valley near that.
//! For the defaults x* ≈ (1.139, 1.019), f* ≈ 0.1108, curvature ≈ 1.164 and 9.073.
//!
//! The full value and gradient cost O(1) from the precomputed statistics; a minibatch costs O(|B|).
//! This is the landscape on which SGD's noise floor and variance-reduced methods (SVRG, SAGA) are
//! seen: at x* the full gradient vanishes but the per-sample gradients (aᵢᵀx* − bᵢ)aᵢ do not.
//!
//! Reference: Bottou, Curtis & Nocedal, "Optimization methods for large-scale machine learning",
//! SIAM Review 60(2), 2018 (finite sums and stochastic gradients). Defaults: n = 64, noise 0.5,
//! seed 0; view: the half-unit window holding the origin, x* and the start with a margin of 1
//! ([−2, 2.5] × [−1, 3] for the defaults); start (−1, 2).

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::data::{Regression, window_around};
use super::{
    Landscape, LandscapeSpec, Matrix2, Minimizers, Minimum, Point, ViewWindow,
    symmetric_eigenvalues,
};
use crate::validate::Checker;

/// Fewest samples: with one, AᵀA/n is singular and the minimizer is a line, not a point.
pub(crate) const MIN_SAMPLES: usize = 2;
/// Most samples.
pub(crate) const MAX_SAMPLES: usize = 100_000;
/// Start of runs on the least-squares landscapes (also the LASSO's).
pub(crate) const REGRESSION_START: Point = [-1.0, 2.0];

/// f(x) = (1/n) Σᵢ ½(aᵢᵀx − bᵢ)² on seeded synthetic regression data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LeastSquares {
    /// Number of samples n (2 to 100 000).
    pub n: usize,
    /// Standard deviation of the target noise.
    pub noise: f64,
    /// Seed of the data.
    pub seed: u64,
}

impl Default for LeastSquares {
    fn default() -> Self {
        Self {
            n: 64,
            noise: 0.5,
            seed: 0,
        }
    }
}

impl LeastSquares {
    /// The data set and its statistics (n is clamped into 2..=100 000, so an unvalidated config
    /// still builds a well-posed problem).
    pub(crate) fn regression(&self) -> Regression {
        Regression::generate(
            self.n.clamp(MIN_SAMPLES, MAX_SAMPLES),
            self.noise,
            self.seed,
        )
    }
}

impl LandscapeSpec for LeastSquares {
    const DESCRIPTION: &'static str =
        "(1/n) Σ ½(aᵢᵀx − bᵢ)²: linear regression, a finite sum for SGD, κ ≈ 9 (n, noise, seed)";

    fn validate(&self, checker: &mut Checker) {
        checker.count_in_range("n", self.n as u64, MIN_SAMPLES as u64, MAX_SAMPLES as u64);
        checker.non_negative("noise", self.noise);
    }

    fn build(&self) -> Arc<dyn Landscape> {
        Arc::new(LeastSquaresProblem {
            data: self.regression(),
        })
    }
}

/// A built [`LeastSquares`] landscape: the data and its least-squares statistics.
#[derive(Clone, Debug, PartialEq)]
pub struct LeastSquaresProblem {
    data: Regression,
}

impl Landscape for LeastSquaresProblem {
    fn value(&self, p: Point) -> f64 {
        self.data.value(p)
    }

    fn value_and_gradient(&self, p: Point) -> (f64, Point) {
        self.data.value_and_gradient(p)
    }

    fn hessian(&self, _p: Point) -> Matrix2 {
        self.data.hessian()
    }

    fn minimizers(&self) -> Minimizers {
        Minimizers::Points(vec![Minimum {
            point: self.data.solution(),
            value: self.data.min_value(),
            curvature: symmetric_eigenvalues(self.data.hessian()),
        }])
    }

    fn view(&self) -> ViewWindow {
        window_around(&[[0.0, 0.0], self.data.solution(), REGRESSION_START], 1.0)
    }

    fn default_start(&self) -> Point {
        REGRESSION_START
    }

    fn num_samples(&self) -> usize {
        self.data.len()
    }

    fn sample_value_and_gradient(&self, p: Point, batch: &[usize]) -> (f64, Point) {
        self.data.sample_value_and_gradient(p, batch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem() -> LeastSquaresProblem {
        LeastSquaresProblem {
            data: LeastSquares::default().regression(),
        }
    }

    #[test]
    fn same_seed_same_landscape() {
        let config = LeastSquares::default();
        assert_eq!(config.regression(), config.regression());
        let other = LeastSquares {
            seed: 1,
            ..LeastSquares::default()
        };
        assert_ne!(config.regression(), other.regression());
    }

    #[test]
    fn full_batch_mean_is_the_full_value() {
        let ls = problem();
        let all: Vec<usize> = (0..ls.num_samples()).collect();
        for p in [[-1.0, 2.0], [0.0, 0.0], [2.5, -0.75]] {
            let (value, gradient) = ls.value_and_gradient(p);
            let (batch_value, batch_gradient) = ls.sample_value_and_gradient(p, &all);
            assert!((value - batch_value).abs() < 1e-12);
            assert!((gradient[0] - batch_gradient[0]).abs() < 1e-12);
            assert!((gradient[1] - batch_gradient[1]).abs() < 1e-12);
            assert_eq!(value, ls.value(p));
        }
    }

    #[test]
    fn minimizer_has_zero_gradient_and_the_expected_shape() {
        let ls = problem();
        let Minimizers::Points(points) = ls.minimizers() else {
            panic!("least squares has a unique minimizer");
        };
        let m = &points[0];
        let (value, gradient) = ls.value_and_gradient(m.point);
        assert_eq!(value, m.value);
        assert!(gradient[0].hypot(gradient[1]) < 1e-12);
        // The per-sample mean at x* agrees and its gradient vanishes too.
        let all: Vec<usize> = (0..ls.num_samples()).collect();
        let (batch_value, batch_gradient) = ls.sample_value_and_gradient(m.point, &all);
        assert!((batch_value - m.value).abs() < 1e-14);
        assert!(batch_gradient[0].hypot(batch_gradient[1]) < 1e-12);
        // Near the true weights (1, 1), curvature near 1 and 9.
        assert!((m.point[0] - 1.0).abs() < 0.3 && (m.point[1] - 1.0).abs() < 0.3);
        assert!((0.5..2.0).contains(&m.curvature[0]) && (5.0..13.0).contains(&m.curvature[1]));
        // The view holds the start and the minimizer.
        let w = ls.view();
        for p in [m.point, ls.default_start()] {
            assert!(w.x_min < p[0] && p[0] < w.x_max && w.y_min < p[1] && p[1] < w.y_max);
        }
    }

    #[test]
    fn validation() {
        let mut checker = Checker::new();
        LeastSquares::default().validate(&mut checker);
        assert!(checker.found.is_empty());
        LeastSquares {
            n: 1,
            noise: -1.0,
            seed: 0,
        }
        .validate(&mut checker);
        let paths: Vec<_> = checker.found.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["n", "noise"]);
    }
}
