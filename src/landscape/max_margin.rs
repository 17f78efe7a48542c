//! The max-margin separator of 2D data through the origin: the hard-margin support vector machine
//! without bias, min ½‖w‖² subject to yᵢ·aᵢᵀw ≥ 1 for every sample i.
//!
//! Solved in the dual, max Σ αᵢ − ½‖Σ αᵢyᵢaᵢ‖² over α ≥ 0, by exact coordinate ascent (Hsieh et
//! al., "A dual coordinate descent method for large-scale linear SVM", ICML 2008): sample i's
//! αᵢ ← max(0, αᵢ + (1 − yᵢaᵢᵀw)/‖aᵢ‖²) with w = Σ αᵢyᵢaᵢ kept up to date, sweeping until the KKT
//! conditions hold to 1e-12 (every margin ≥ 1, every support vector's = 1). The direction
//! u = w/‖w‖ maximizes the smallest margin minᵢ yᵢaᵢᵀu over unit vectors, and that margin is
//! 1/‖w‖. Gradient descent on the unregularised logistic loss of separable data turns to u
//! (Soudry et al., "The implicit bias of gradient descent on separable data", JMLR 2018).

use super::Point;

/// Most sweeps over the samples (a 2D problem needs a few hundred at most).
const MAX_SWEEPS: usize = 100_000;
/// KKT tolerance on the margins yᵢaᵢᵀw.
const TOLERANCE: f64 = 1e-12;
/// ‖w‖ (or √Σαᵢ) beyond which the data are taken as not separable (the dual is unbounded then).
const NOT_SEPARABLE: f64 = 1e9;

/// The max-margin separator through the origin.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MaxMargin {
    /// The unit normal u of the separating line: every sample has yᵢaᵢᵀu ≥ `margin`.
    pub direction: Point,
    /// The largest smallest margin minᵢ yᵢaᵢᵀu over unit u.
    pub margin: f64,
}

/// The max-margin separator of (`features`, `labels` ±1), or `None` when the data are empty or not
/// separable through the origin.
pub fn max_margin(features: &[Point], labels: &[f64]) -> Option<MaxMargin> {
    let mut alpha = vec![0.0; features.len()];
    let mut w = [0.0, 0.0];
    for _ in 0..MAX_SWEEPS {
        let mut worst = 0.0_f64;
        for ((a, &y), alpha_i) in features.iter().zip(labels).zip(&mut alpha) {
            let squared = a[0] * a[0] + a[1] * a[1];
            if squared == 0.0 {
                continue;
            }
            let slack = 1.0 - y * (a[0] * w[0] + a[1] * w[1]);
            // Violations: a margin below 1, or a support vector's above it.
            if slack > 0.0 || *alpha_i > 0.0 {
                worst = worst.max(slack.abs());
            }
            let updated = (*alpha_i + slack / squared).max(0.0);
            let change = (updated - *alpha_i) * y;
            w = [w[0] + change * a[0], w[1] + change * a[1]];
            *alpha_i = updated;
        }
        let norm = w[0].hypot(w[1]);
        // At the optimum Σαᵢ = ‖w‖² = 1/margin²; on inseparable data the αᵢ grow without bound
        // while w may stay bounded.
        let total: f64 = alpha.iter().sum();
        if !(norm < NOT_SEPARABLE && total < NOT_SEPARABLE * NOT_SEPARABLE) {
            return None;
        }
        if worst <= TOLERANCE && norm > 0.0 {
            return Some(MaxMargin {
                direction: [w[0] / norm, w[1] / norm],
                margin: 1.0 / norm,
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn smallest_margin(features: &[Point], labels: &[f64], u: Point) -> f64 {
        features
            .iter()
            .zip(labels)
            .map(|(a, y)| y * (a[0] * u[0] + a[1] * u[1]))
            .fold(f64::INFINITY, f64::min)
    }

    #[test]
    fn two_points_give_the_bisector() {
        // (1, 0) labelled +1 and (0, −1) labelled −1: the best direction is (1, 1)/√2, margin 1/√2.
        let found = max_margin(&[[1.0, 0.0], [0.0, -1.0]], &[1.0, -1.0]);
        let Some(MaxMargin { direction, margin }) = found else {
            panic!("separable data");
        };
        let half = std::f64::consts::FRAC_1_SQRT_2;
        assert!((direction[0] - half).abs() < 1e-12 && (direction[1] - half).abs() < 1e-12);
        assert!((margin - half).abs() < 1e-12);
    }

    #[test]
    fn no_direction_does_better_than_the_one_found() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let truth = [0.6, 0.8];
        let mut features = Vec::new();
        let mut labels = Vec::new();
        while features.len() < 40 {
            let a = [rng.random_range(-2.0..2.0), rng.random_range(-2.0..2.0)];
            let side: f64 = a[0] * truth[0] + a[1] * truth[1];
            if side.abs() > 0.05 {
                features.push(a);
                labels.push(side.signum());
            }
        }
        let Some(found) = max_margin(&features, &labels) else {
            panic!("separable data");
        };
        let at_found = smallest_margin(&features, &labels, found.direction);
        assert!((at_found - found.margin).abs() < 1e-10);
        let mut best_scanned = f64::NEG_INFINITY;
        for k in 0..100_000 {
            let angle = std::f64::consts::TAU * k as f64 / 100_000.0;
            let u = [angle.cos(), angle.sin()];
            best_scanned = best_scanned.max(smallest_margin(&features, &labels, u));
        }
        assert!(
            best_scanned <= found.margin + 1e-12,
            "{best_scanned} > {}",
            found.margin
        );
        assert!(
            // A grid step of 2π/10⁵ moves a margin by at most max‖aᵢ‖·π/10⁵ < 1e-4.
            best_scanned > found.margin - 1e-4,
            "{best_scanned} is far below {}: the scan's grid is finer than that",
            found.margin
        );
    }

    #[test]
    fn inseparable_or_empty_data_have_none() {
        assert_eq!(max_margin(&[], &[]), None);
        // The same point with both labels.
        assert_eq!(max_margin(&[[1.0, 1.0], [1.0, 1.0]], &[1.0, -1.0]), None);
        // Opposite points with one label: no line through the origin separates them.
        assert_eq!(max_margin(&[[1.0, 0.0], [-1.0, 0.0]], &[1.0, 1.0]), None);
    }
}
