//! Seeded synthetic data sets behind the finite-sum landscapes, and the least-squares statistics
//! that [`LeastSquares`](super::LeastSquares) and [`Lasso`](super::Lasso) share.
//!
//! Every data set comes from `ChaCha8Rng::seed_from_u64(seed)`, whose stream is fixed across
//! versions of `rand_chacha`, and `rand_distr::StandardNormal`, so a seed names the same data on
//! every machine and in every release. The samples are drawn one after the other, every random
//! number of sample i before any of sample i + 1, so the first n samples of a larger set are the
//! set of size n.
//!
//! Regression: aᵢ = (z₁, 3 z₂) with z ~ N(0, I), so AᵀA/n ≈ diag(1, 9) (condition number ≈ 9),
//! and bᵢ = aᵢᵀ(1, 1) + noise·εᵢ with εᵢ ~ N(0, 1). The noise draw is made whatever the noise level,
//! so changing `noise` rescales the same εᵢ and leaves the features alone.
//!
//! Classification: aᵢ ~ N(0, I) and yᵢ = sign(aᵢᵀw*) ∈ {−1, +1} with w* = (1, −0.5), then each
//! label is flipped with probability 0.1: noisy, linearly separable but for the flips, so the
//! logistic loss has a finite minimizer even without its ridge term.
//!
//! Least-squares statistics: g(x) = (1/n) Σᵢ ½(aᵢᵀx − bᵢ)² = ½xᵀHx − cᵀx + ½s with H = AᵀA/n,
//! c = Aᵀb/n and s = bᵀb/n. The normal equations H x* = c give the minimizer; g is then evaluated
//! as g* + ½(x − x*)ᵀH(x − x*), which costs O(1) whatever n and keeps g − g* free of cancellation
//! down to the last bits (what a log-scale convergence plot shows).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use super::{Matrix2, Point, ViewWindow};

/// Standard deviations of the two regression features: the Hessian AᵀA/n ≈ diag(1, 9).
const FEATURE_SCALES: Point = [1.0, 3.0];
/// The weights the regression targets are made from (before noise).
const TRUE_WEIGHTS: Point = [1.0, 1.0];
/// The direction whose sign gives the classification labels.
const LABEL_DIRECTION: Point = [1.0, -0.5];
/// Fraction of classification labels flipped (in expectation).
const LABEL_FLIP_PROBABILITY: f64 = 0.1;

/// aᵀb for 2-vectors.
pub(crate) fn dot(a: Point, b: Point) -> f64 {
    a[0] * b[0] + a[1] * b[1]
}

/// M v for a 2×2 matrix.
pub(crate) fn mat_vec(m: Matrix2, v: Point) -> Point {
    [
        m[0][0] * v[0] + m[0][1] * v[1],
        m[1][0] * v[0] + m[1][1] * v[1],
    ]
}

/// Solves the 2×2 system M x = r by Cramer's rule (inf or NaN when M is singular, never a panic).
pub(crate) fn solve(m: Matrix2, r: Point) -> Point {
    let det = m[0][0] * m[1][1] - m[0][1] * m[1][0];
    [
        (m[1][1] * r[0] - m[0][1] * r[1]) / det,
        (m[0][0] * r[1] - m[1][0] * r[0]) / det,
    ]
}

/// The smallest window with edges on multiples of ½ that holds every point of `points` with at
/// least `margin` to spare on each side.
pub(crate) fn window_around(points: &[Point], margin: f64) -> ViewWindow {
    let (mut x_min, mut x_max) = (f64::INFINITY, f64::NEG_INFINITY);
    let (mut y_min, mut y_max) = (f64::INFINITY, f64::NEG_INFINITY);
    for p in points {
        x_min = x_min.min(p[0]);
        x_max = x_max.max(p[0]);
        y_min = y_min.min(p[1]);
        y_max = y_max.max(p[1]);
    }
    let down = |v: f64| (2.0 * (v - margin)).floor() / 2.0;
    let up = |v: f64| (2.0 * (v + margin)).ceil() / 2.0;
    ViewWindow {
        x_min: down(x_min),
        x_max: up(x_max),
        y_min: down(y_min),
        y_max: up(y_max),
    }
}

/// A regression data set with its least-squares statistics: everything needed to evaluate
/// g(x) = (1/n) Σᵢ ½(aᵢᵀx − bᵢ)² exactly, in O(1) for the full sum.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Regression {
    /// The features aᵢ.
    features: Vec<Point>,
    /// The targets bᵢ.
    targets: Vec<f64>,
    /// H = AᵀA/n, the (constant) Hessian of g.
    hessian: Matrix2,
    /// c = Aᵀb/n.
    correlation: Point,
    /// x* = H⁻¹c, the least-squares solution.
    solution: Point,
    /// g(x*), computed from the residuals.
    min_value: f64,
}

impl Regression {
    /// n samples with target noise of standard deviation `noise`, drawn from `seed`.
    pub(crate) fn generate(n: usize, noise: f64, seed: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut features = Vec::with_capacity(n);
        let mut targets = Vec::with_capacity(n);
        for _ in 0..n {
            let z0: f64 = StandardNormal.sample(&mut rng);
            let z1: f64 = StandardNormal.sample(&mut rng);
            let epsilon: f64 = StandardNormal.sample(&mut rng);
            let a = [FEATURE_SCALES[0] * z0, FEATURE_SCALES[1] * z1];
            features.push(a);
            targets.push(dot(a, TRUE_WEIGHTS) + noise * epsilon);
        }
        Self::from_samples(features, targets)
    }

    /// The statistics of given samples (`features` and `targets` of equal length).
    fn from_samples(features: Vec<Point>, targets: Vec<f64>) -> Self {
        let scale = 1.0 / features.len() as f64;
        let mut hessian = [[0.0; 2]; 2];
        let mut correlation = [0.0; 2];
        for (a, &b) in features.iter().zip(&targets) {
            for row in 0..2 {
                for col in 0..2 {
                    hessian[row][col] += a[row] * a[col];
                }
                correlation[row] += a[row] * b;
            }
        }
        for (h_row, c_entry) in hessian.iter_mut().zip(&mut correlation) {
            for entry in h_row {
                *entry *= scale;
            }
            *c_entry *= scale;
        }
        let solution = solve(hessian, correlation);
        // g(x*) from the residuals themselves, not from ½(s − cᵀx*), which would cancel.
        let min_value = features
            .iter()
            .zip(&targets)
            .map(|(&a, &b)| 0.5 * (dot(a, solution) - b).powi(2))
            .sum::<f64>()
            * scale;
        Self {
            features,
            targets,
            hessian,
            correlation,
            solution,
            min_value,
        }
    }

    /// Number of samples n.
    pub(crate) fn len(&self) -> usize {
        self.features.len()
    }

    /// The features aᵢ.
    #[cfg(test)]
    pub(crate) fn features(&self) -> &[Point] {
        &self.features
    }

    /// The targets bᵢ.
    #[cfg(test)]
    pub(crate) fn targets(&self) -> &[f64] {
        &self.targets
    }

    /// H = AᵀA/n.
    pub(crate) fn hessian(&self) -> Matrix2 {
        self.hessian
    }

    /// c = Aᵀb/n, the gradient of g is H x − c.
    pub(crate) fn correlation(&self) -> Point {
        self.correlation
    }

    /// The least-squares solution x* = H⁻¹c.
    pub(crate) fn solution(&self) -> Point {
        self.solution
    }

    /// g(x*), the least-squares minimum value.
    pub(crate) fn min_value(&self) -> f64 {
        self.min_value
    }

    /// g(p) = g* + ½(p − x*)ᵀH(p − x*), in O(1).
    pub(crate) fn value(&self, p: Point) -> f64 {
        self.value_and_gradient(p).0
    }

    /// (g(p), ∇g(p)) with ∇g(p) = H(p − x*) = H p − c, in O(1).
    pub(crate) fn value_and_gradient(&self, p: Point) -> (f64, Point) {
        let d = [p[0] - self.solution[0], p[1] - self.solution[1]];
        let gradient = mat_vec(self.hessian, d);
        (self.min_value + 0.5 * dot(d, gradient), gradient)
    }

    /// Mean of ½(aᵢᵀp − bᵢ)² and of its gradient (aᵢᵀp − bᵢ) aᵢ over the samples in `batch`
    /// (indices below n); an empty batch gives the full mean.
    pub(crate) fn sample_value_and_gradient(&self, p: Point, batch: &[usize]) -> (f64, Point) {
        if batch.is_empty() {
            return self.value_and_gradient(p);
        }
        let mut value = 0.0;
        let mut gradient = [0.0; 2];
        for &i in batch {
            let a = self.features[i];
            let residual = dot(a, p) - self.targets[i];
            value += 0.5 * residual * residual;
            gradient[0] += residual * a[0];
            gradient[1] += residual * a[1];
        }
        let scale = 1.0 / batch.len() as f64;
        (value * scale, [gradient[0] * scale, gradient[1] * scale])
    }
}

/// A binary classification data set: features aᵢ and labels yᵢ ∈ {−1, +1}.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Classification {
    /// The features aᵢ.
    pub(crate) features: Vec<Point>,
    /// The labels yᵢ, each −1 or +1.
    pub(crate) labels: Vec<f64>,
}

impl Classification {
    /// n noisy, linearly separable samples drawn from `seed`.
    pub(crate) fn generate(n: usize, seed: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut features = Vec::with_capacity(n);
        let mut labels = Vec::with_capacity(n);
        for _ in 0..n {
            let a: Point = [
                StandardNormal.sample(&mut rng),
                StandardNormal.sample(&mut rng),
            ];
            let clean = if dot(a, LABEL_DIRECTION) >= 0.0 {
                1.0
            } else {
                -1.0
            };
            let flipped = rng.random::<f64>() < LABEL_FLIP_PROBABILITY;
            features.push(a);
            labels.push(if flipped { -clean } else { clean });
        }
        Self { features, labels }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_data_and_prefixes_agree() {
        let a = Regression::generate(32, 0.5, 7);
        assert_eq!(a, Regression::generate(32, 0.5, 7));
        assert_ne!(a.features(), Regression::generate(32, 0.5, 8).features());
        let longer = Regression::generate(40, 0.5, 7);
        assert_eq!(a.features(), &longer.features()[..32]);
        let c = Classification::generate(50, 3);
        assert_eq!(c, Classification::generate(50, 3));
        assert!(c.labels.iter().all(|&y| y == 1.0 || y == -1.0));
    }

    #[test]
    fn noise_only_rescales_the_targets() {
        let clean = Regression::generate(16, 0.0, 1);
        let noisy = Regression::generate(16, 0.5, 1);
        assert_eq!(clean.features(), noisy.features());
        for (a, &b) in clean.features().iter().zip(clean.targets()) {
            assert_eq!(b, dot(*a, TRUE_WEIGHTS));
        }
        // Noise-free targets are fitted exactly by the true weights.
        let x = clean.solution();
        assert!((x[0] - 1.0).abs() < 1e-12 && (x[1] - 1.0).abs() < 1e-12);
    }

    #[test]
    fn statistics_match_the_sum() {
        let data = Regression::generate(64, 0.5, 0);
        let all: Vec<usize> = (0..data.len()).collect();
        for p in [[0.3, -1.7], [-1.0, 2.0], [4.0, 0.5]] {
            let (value, gradient) = data.value_and_gradient(p);
            let (sample_value, sample_gradient) = data.sample_value_and_gradient(p, &all);
            assert!((value - sample_value).abs() < 1e-12 * (1.0 + value));
            for k in 0..2 {
                assert!((gradient[k] - sample_gradient[k]).abs() < 1e-12 * (1.0 + value));
            }
            // ∇g = H p − c as well.
            let hp = mat_vec(data.hessian(), p);
            for k in 0..2 {
                let other = hp[k] - data.correlation()[k];
                assert!((gradient[k] - other).abs() < 1e-12 * (1.0 + value));
            }
        }
    }

    #[test]
    fn window_edges_are_half_units() {
        let w = window_around(&[[0.1, -0.2], [1.2, 2.3]], 0.5);
        assert_eq!(
            w,
            ViewWindow {
                x_min: -0.5,
                x_max: 2.0,
                y_min: -1.0,
                y_max: 3.0,
            }
        );
    }
}
