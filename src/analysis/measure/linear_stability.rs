//! SGD's linear stability at a minimum of a finite sum: its sharpness and non-uniformity, and
//! the region of the (a, s) plane where SGD with a given lr and batch size can stay.
//!
//! At a minimizer x* of f = (1/n) Σᵢ fᵢ that minimizes every fᵢ too (an interpolating minimum),
//! SGD linearized around x* is xₜ₊₁ − x* = (I − η·H_B)(xₜ − x*), with H_B the mean Hessian of the
//! minibatch B drawn. Its mean square stays bounded only if the minimum is flat and uniform
//! enough. With H = (1/n) Σᵢ Hᵢ the full Hessian, the sharpness a = λmax(H) and the
//! non-uniformity s = √λmax((1/n) Σᵢ Hᵢ² − H²) (the spread of the per-sample Hessians), the
//! condition Wu, Ma & E (2018) derive is
//!
//! ```text
//! (1 − η·a)² + η²·s²·(n − B)/(B·(n − 1)) ≤ 1
//! ```
//!
//! for batches of B drawn without replacement (the oracle's). It is exact in one dimension, and
//! for commuting Hessians along their common top eigenvector; in general it is their necessary
//! condition along the top directions. Gradient descent (B = n) keeps only a ≤ 2/η; a batch of B
//! also needs s ≤ s_max(a) = √((1 − (1 − ηa)²)·B(n − 1)/(n − B)) / η, which shrinks with B: the
//! non-uniformity bound tightens as the batch shrinks.
//!
//! The per-sample Hessians are central differences of the per-sample gradients
//! ([`Landscape::sample_value_and_gradient`] with a batch of one), so every finite-sum landscape
//! is measured the same way.
//!
//! Reference: L. Wu, C. Ma & W. E, "How SGD selects the global minima in over-parameterized
//! learning: a dynamical stability perspective", NeurIPS 2018.

use crate::landscape::{Landscape, Matrix2, Point, symmetric_eigenvalues};

/// A minimum's sharpness and non-uniformity, the coordinates of the stability plane.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LinearStability {
    /// a = λmax(H), H the mean of the per-sample Hessians.
    pub sharpness: f64,
    /// s = √λmax((1/n) Σᵢ Hᵢ² − H²).
    pub non_uniformity: f64,
    /// n, the number of samples.
    pub samples: usize,
}

/// Step of the central differences, relative to 1 + ‖p‖ (balances truncation and rounding).
const STEP: f64 = 1e-5;

/// The sharpness and non-uniformity of a finite-sum landscape at `point` (a minimum), or `None`
/// for a landscape that is not a finite sum (n < 2).
pub fn at_point(landscape: &dyn Landscape, point: Point) -> Option<LinearStability> {
    let n = landscape.num_samples();
    if n < 2 {
        return None;
    }
    let h = STEP * (1.0 + point[0].hypot(point[1]));
    let (mut mean, mut mean_square) = ([[0.0; 2]; 2], [[0.0; 2]; 2]);
    for i in 0..n {
        let mut hessian = [[0.0; 2]; 2];
        for (j, column) in [[h, 0.0], [0.0, h]].into_iter().enumerate() {
            let plus = [point[0] + column[0], point[1] + column[1]];
            let minus = [point[0] - column[0], point[1] - column[1]];
            let (_, g_plus) = landscape.sample_value_and_gradient(plus, &[i]);
            let (_, g_minus) = landscape.sample_value_and_gradient(minus, &[i]);
            for (row, entry) in hessian.iter_mut().enumerate() {
                entry[j] = (g_plus[row] - g_minus[row]) / (2.0 * h);
            }
        }
        let off = 0.5 * (hessian[0][1] + hessian[1][0]);
        hessian[0][1] = off;
        hessian[1][0] = off;
        let square = product(hessian, hessian);
        for r in 0..2 {
            for c in 0..2 {
                mean[r][c] += hessian[r][c] / n as f64;
                mean_square[r][c] += square[r][c] / n as f64;
            }
        }
    }
    let mean_squared = product(mean, mean);
    let mut spread = [[0.0; 2]; 2];
    for r in 0..2 {
        for c in 0..2 {
            spread[r][c] = mean_square[r][c] - mean_squared[r][c];
        }
    }
    Some(LinearStability {
        sharpness: symmetric_eigenvalues(mean)[1],
        // The spread is positive semi-definite; rounding may leave a tiny negative eigenvalue.
        non_uniformity: symmetric_eigenvalues(spread)[1].max(0.0).sqrt(),
        samples: n,
    })
}

fn product(a: Matrix2, b: Matrix2) -> Matrix2 {
    let mut out = [[0.0; 2]; 2];
    for (r, row) in out.iter_mut().enumerate() {
        for (c, entry) in row.iter_mut().enumerate() {
            *entry = a[r][0] * b[0][c] + a[r][1] * b[1][c];
        }
    }
    out
}

/// (n − B)/(B(n − 1)): the variance of a mean of B of n values drawn without replacement, over
/// the variance of one (0 for the full batch).
fn batch_factor(batch: usize, samples: usize) -> f64 {
    let (b, n) = (batch.clamp(1, samples.max(1)) as f64, samples as f64);
    if n <= 1.0 {
        0.0
    } else {
        (n - b) / (b * (n - 1.0))
    }
}

impl LinearStability {
    /// The left side (1 − ηa)² + η²s²(n − B)/(B(n − 1)) of the condition: at most 1 when SGD
    /// with lr `lr` and batch size `batch` is linearly stable here.
    pub fn criterion(&self, lr: f64, batch: usize) -> f64 {
        let contraction = 1.0 - lr * self.sharpness;
        let spread = lr * self.non_uniformity;
        contraction * contraction + spread * spread * batch_factor(batch, self.samples)
    }

    /// Whether SGD with lr `lr` and batch size `batch` can stay at this minimum.
    pub fn is_stable(&self, lr: f64, batch: usize) -> bool {
        self.criterion(lr, batch) <= 1.0
    }
}

/// The largest non-uniformity s_max(a) SGD with lr `lr` and batch `batch` of `samples` tolerates
/// at sharpness `a`: √((1 − (1 − ηa)²)·B(n − 1)/(n − B)) / η, infinite for the full batch while
/// a ≤ 2/η, and `None` outside 0 ≤ a ≤ 2/η (no s is stable there).
pub fn boundary(a: f64, lr: f64, batch: usize, samples: usize) -> Option<f64> {
    let room = 1.0 - (1.0 - lr * a).powi(2);
    // NaN (a NaN lr or a) is outside too.
    if room.is_nan() || room < 0.0 {
        return None;
    }
    let factor = batch_factor(batch, samples);
    Some(if factor == 0.0 {
        f64::INFINITY
    } else {
        (room / factor).sqrt() / lr
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::landscape::SharpFlatSum;

    #[test]
    fn the_defaults_of_sharp_flat_sum_match_the_hand_computation() {
        let f = SharpFlatSum::default();
        let sharp = at_point(&f, [-1.0, 0.0]).expect("a finite sum");
        // Hᵢ,xx = 16 for 2 samples and 0 for 6: a = 4, s² = mean(Hᵢ²) − a² = 64 − 16 = 48.
        assert!((sharp.sharpness - 4.0).abs() < 1e-6, "{sharp:?}");
        assert!(
            (sharp.non_uniformity - 48f64.sqrt()).abs() < 1e-5,
            "{sharp:?}"
        );
        let flat = at_point(&f, [1.0, 0.0]).expect("a finite sum");
        assert!((flat.sharpness - 1.0).abs() < 1e-6 && flat.non_uniformity < 0.01);
        // η = 0.3: GD keeps the sharp minimum, batches of 1 and 2 do not, 4 does.
        assert!(sharp.is_stable(0.3, 8));
        assert!(!sharp.is_stable(0.3, 1) && !sharp.is_stable(0.3, 2));
        assert!(sharp.is_stable(0.3, 4));
        assert!(flat.is_stable(0.3, 1));
    }

    #[test]
    fn the_boundary_is_where_the_criterion_is_one() {
        let (lr, n) = (0.3, 8);
        for batch in [1, 2, 4, 7] {
            for a in [0.5, 3.0, 6.0] {
                let s = boundary(a, lr, batch, n).expect("inside 0 ≤ a ≤ 2/η");
                let point = LinearStability {
                    sharpness: a,
                    non_uniformity: s,
                    samples: n,
                };
                assert!((point.criterion(lr, batch) - 1.0).abs() < 1e-12);
            }
        }
        assert_eq!(boundary(3.0, lr, n, n), Some(f64::INFINITY));
        assert_eq!(boundary(7.0, lr, 1, n), None);
        // Smaller batches tolerate less non-uniformity.
        assert!(boundary(3.0, lr, 1, n) < boundary(3.0, lr, 2, n));
    }

    /// fᵢ = ½(cᵢx² + dᵢy²): Hᵢ = diag(cᵢ, dᵢ), so a = max(mean c, mean d) and
    /// s² = max(var c, var d).
    struct Diagonal;
    const C: [f64; 4] = [1.0, 3.0, 0.0, 8.0];
    const D: [f64; 4] = [2.0, 2.0, 2.0, 2.5];

    impl Landscape for Diagonal {
        fn value(&self, p: Point) -> f64 {
            self.value_and_gradient(p).0
        }
        fn value_and_gradient(&self, p: Point) -> (f64, Point) {
            self.sample_value_and_gradient(p, &[0, 1, 2, 3])
        }
        fn hessian(&self, _p: Point) -> Matrix2 {
            [[3.0, 0.0], [0.0, 2.125]]
        }
        fn minimizers(&self) -> crate::landscape::Minimizers {
            crate::landscape::Minimizers::Unbounded
        }
        fn view(&self) -> crate::landscape::ViewWindow {
            crate::landscape::ViewWindow::centred(1.0, 1.0)
        }
        fn default_start(&self) -> Point {
            [0.0, 0.0]
        }
        fn num_samples(&self) -> usize {
            4
        }
        fn sample_value_and_gradient(&self, p: Point, batch: &[usize]) -> (f64, Point) {
            let m = batch.len() as f64;
            let (mut value, mut gradient) = (0.0, [0.0; 2]);
            for &i in batch {
                value += 0.5 * (C[i] * p[0] * p[0] + D[i] * p[1] * p[1]) / m;
                gradient[0] += C[i] * p[0] / m;
                gradient[1] += D[i] * p[1] / m;
            }
            (value, gradient)
        }
    }

    #[test]
    fn per_sample_hessians_give_the_mean_and_the_spread() {
        let measured = at_point(&Diagonal, [0.4, -0.7]).expect("a finite sum");
        // mean c = 3, var c = (4 + 0 + 9 + 25)/4 = 9.5; mean d = 2.125, var d ≈ 0.047.
        assert!((measured.sharpness - 3.0).abs() < 1e-8, "{measured:?}");
        assert!(
            (measured.non_uniformity - 9.5f64.sqrt()).abs() < 1e-7,
            "{measured:?}"
        );
        assert_eq!(measured.samples, 4);
    }

    #[test]
    fn plain_landscapes_are_not_finite_sums() {
        assert!(at_point(&crate::landscape::Quadratic::default(), [0.0, 0.0]).is_none());
    }
}
