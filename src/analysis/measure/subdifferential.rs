//! The sampled Clarke subdifferential: Goldstein's ε-subdifferential built from gradients sampled
//! at random points near x.
//!
//! For a locally Lipschitz f, the Clarke subdifferential is the convex hull of the limits of
//! gradients taken at points where f is differentiable and that tend to x,
//!   ∂f(x) = conv { lim ∇f(xᵢ) : xᵢ → x, f differentiable at xᵢ },
//! and Goldstein's ε-subdifferential is the hull of every Clarke subgradient in the ball of radius
//! ε around x, ∂_ε f(x) = conv ∪_{‖y − x‖ ≤ ε} ∂f(y) ⊇ ∂f(x). By Rademacher's theorem f is
//! differentiable almost everywhere, so gradients at points drawn uniformly (and seeded) in that
//! ball are almost surely true gradients, and the convex hull of many of them approaches
//! ∂_ε f(x) from inside (Burke, Lewis & Overton 2005, gradient sampling).
//!
//! Sampling gets calculus right where rules on the formula do not: the sum rule
//! ∂(f + g) ⊆ ∂f + ∂g is only an inclusion, and |x| − |x| (which is 0) has ∂ = {0} at 0, while
//! ∂|x|(0) + ∂(−|x|)(0) = [−1, 1] + [−1, 1] = [−2, 2]. Sampled gradients of |x| − |x| are all 0.
//!
//! In the plane the hull is a polygon (Andrew's monotone chain) and the distance from 0 to it, the
//! norm of its min-norm element, is exact (0 inside, else the nearest edge). In high dimension (a
//! network's weights) the min-norm point of the sampled gradients' hull is found by Frank–Wolfe with
//! away steps on the simplex of their weights, using their Gram matrix only. A distance
//! near 0 says x is nearly ε-stationary: Davis, Drusvyatskiy, Kakade & Lee (2020) prove that the
//! stochastic subgradient method on such functions (ReLU networks included) drives it to 0.
//!
//! References: A. A. Goldstein, "Optimization of Lipschitz continuous functions", Math.
//! Programming 13, 1977; F. H. Clarke, *Optimization and Nonsmooth Analysis* (1983); J. V. Burke,
//! A. S. Lewis & M. L. Overton, "A robust gradient sampling algorithm for nonsmooth, nonconvex
//! optimization", SIAM J. Optim. 15(3), 2005; D. Davis, D. Drusvyatskiy, S. Kakade & J. D. Lee,
//! "Stochastic subgradient method converges on tame functions", Found. Comput. Math. 20, 2020;
//! S. Lacoste-Julien & M. Jaggi, "On the global linear convergence of Frank–Wolfe optimization
//! variants", NeurIPS 2015;
//! J. Bolte & E. Pauwels, "Conservative set valued fields, automatic differentiation, stochastic
//! gradient methods and deep learning", Math. Programming 188, 2021.

use nalgebra::DVector;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// A point or vector of the plane.
pub type Point = [f64; 2];

/// Gradients sampled per point in the plane: enough that each quadrant of a corner like
/// |x| + |y| is hit (a miss has probability 4·(3/4)⁶⁴ ≈ 4·10⁻⁸, and the draws are seeded).
pub const PLANE_SAMPLES: usize = 64;
/// A hull whose diameter exceeds this (relative to 1 + the largest sampled gradient) marks a
/// kink: across a ball of radius ε a smooth function's gradients vary by about 2·L·ε only.
pub const KINK_TOLERANCE: f64 = 1e-3;
/// Frank–Wolfe iterations for the min-norm point in high dimension.
const FRANK_WOLFE_ITERATIONS: usize = 500;

/// The sampled ε-subdifferential of a function of the plane at a point.
#[derive(Clone, Debug, PartialEq)]
pub struct PlaneSubdifferential {
    /// The hull's vertices, counter-clockwise (one vertex: a single gradient; two: a segment).
    pub hull: Vec<Point>,
    /// The hull's element nearest 0 (its min-norm element).
    pub min_norm: Point,
    /// The largest sampled gradient norm, the scale the kink test compares with.
    pub scale: f64,
}

impl PlaneSubdifferential {
    /// Distance from 0 to the hull: 0 where x is (ε-)Clarke stationary.
    pub fn distance(&self) -> f64 {
        self.min_norm[0].hypot(self.min_norm[1])
    }

    /// The largest distance between two vertices.
    pub fn diameter(&self) -> f64 {
        let mut widest = 0.0f64;
        for (i, a) in self.hull.iter().enumerate() {
            for b in &self.hull[i + 1..] {
                widest = widest.max((a[0] - b[0]).hypot(a[1] - b[1]));
            }
        }
        widest
    }

    /// The hull's extent along coordinate `axis` (0: x, 1: y).
    pub fn width(&self, axis: usize) -> f64 {
        let values = self.hull.iter().map(|v| v[axis.min(1)]);
        let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
        if hi >= lo { hi - lo } else { 0.0 }
    }

    /// Whether the point sits on a kink: the sampled gradients differ by more than
    /// [`KINK_TOLERANCE`]·(1 + the largest of them).
    pub fn is_kink(&self) -> bool {
        self.diameter() > KINK_TOLERANCE * (1.0 + self.scale)
    }
}

/// Samples `samples` gradients at points drawn uniformly (seeded by `seed`) in the disc of radius
/// `radius` around `at` and returns their convex hull. Non-finite gradients are skipped; with none
/// left the hull is empty and the distance NaN.
pub fn sample_plane(
    mut gradient: impl FnMut(Point) -> Point,
    at: Point,
    radius: f64,
    samples: usize,
    seed: u64,
) -> PlaneSubdifferential {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut gradients = Vec::with_capacity(samples);
    for _ in 0..samples {
        // Uniform in the disc: radius √u, angle uniform.
        let r = radius * rng.random::<f64>().sqrt();
        let angle = std::f64::consts::TAU * rng.random::<f64>();
        let g = gradient([at[0] + r * angle.cos(), at[1] + r * angle.sin()]);
        if g[0].is_finite() && g[1].is_finite() {
            gradients.push(g);
        }
    }
    let scale = gradients
        .iter()
        .fold(0.0f64, |m, g| m.max(g[0].hypot(g[1])));
    let hull = convex_hull(gradients);
    let min_norm = min_norm_in_polygon(&hull);
    PlaneSubdifferential {
        hull,
        min_norm,
        scale,
    }
}

/// The convex hull of `points`, counter-clockwise from the lowest-leftmost, collinear and repeated
/// points dropped (Andrew's monotone chain, O(n log n)).
pub fn convex_hull(mut points: Vec<Point>) -> Vec<Point> {
    points.sort_by(|a, b| a[0].total_cmp(&b[0]).then(a[1].total_cmp(&b[1])));
    points.dedup();
    if points.len() < 3 {
        return points;
    }
    let cross = |o: Point, a: Point, b: Point| {
        (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])
    };
    let mut hull: Vec<Point> = Vec::with_capacity(2 * points.len());
    for pass in 0..2 {
        let start = hull.len();
        let ordered: Box<dyn Iterator<Item = &Point>> = if pass == 0 {
            Box::new(points.iter())
        } else {
            Box::new(points.iter().rev())
        };
        for &p in ordered {
            while hull.len() >= start + 2
                && cross(hull[hull.len() - 2], hull[hull.len() - 1], p) <= 0.0
            {
                hull.pop();
            }
            hull.push(p);
        }
        // Each chain's last point is the other's first.
        hull.pop();
    }
    hull
}

/// The point of segment [a, b] nearest 0.
fn nearest_on_segment(a: Point, b: Point) -> Point {
    let d = [b[0] - a[0], b[1] - a[1]];
    let length2 = d[0] * d[0] + d[1] * d[1];
    if length2 == 0.0 {
        return a;
    }
    let t = (-(a[0] * d[0] + a[1] * d[1]) / length2).clamp(0.0, 1.0);
    [a[0] + t * d[0], a[1] + t * d[1]]
}

/// The min-norm element of a convex polygon given counter-clockwise (also a point or segment):
/// 0 when 0 lies inside, else the nearest point of its boundary.
pub fn min_norm_in_polygon(hull: &[Point]) -> Point {
    match hull {
        [] => [f64::NAN, f64::NAN],
        [only] => *only,
        [a, b] => nearest_on_segment(*a, *b),
        _ => {
            let n = hull.len();
            let inside = (0..n).all(|i| {
                let (a, b) = (hull[i], hull[(i + 1) % n]);
                // 0 left of (or on) every counter-clockwise edge.
                a[0] * b[1] - a[1] * b[0] >= 0.0
            });
            if inside {
                return [0.0, 0.0];
            }
            (0..n)
                .map(|i| nearest_on_segment(hull[i], hull[(i + 1) % n]))
                .fold([f64::INFINITY, f64::INFINITY], |best, p| {
                    if p[0].hypot(p[1]) < best[0].hypot(best[1]) {
                        p
                    } else {
                        best
                    }
                })
        }
    }
}

/// min ‖Σᵢ λᵢ gᵢ‖ over the simplex, from the Gram matrix `gram` (k × k, row-major, Gᵢⱼ = gᵢ·gⱼ),
/// by Frank–Wolfe with away steps and exact line search from the shortest gᵢ (linearly convergent
/// on a polytope; Lacoste-Julien & Jaggi 2015): the distance from 0 to the convex hull of the gᵢ.
/// Returns the distance; `weights` (length k) ends holding the λ.
pub fn min_norm_from_gram(gram: &[f64], weights: &mut [f64]) -> f64 {
    let k = weights.len();
    if k == 0 || gram.len() != k * k {
        return f64::NAN;
    }
    let shortest = (0..k)
        .min_by(|&a, &b| gram[a * k + a].total_cmp(&gram[b * k + b]))
        .unwrap_or(0);
    weights.fill(0.0);
    weights[shortest] = 1.0;
    // p·gⱼ = Σᵢ λᵢ Gᵢⱼ, kept up to date; ‖p‖² = Σⱼ λⱼ (p·gⱼ).
    let mut products: Vec<f64> = (0..k).map(|j| gram[shortest * k + j]).collect();
    let mut norm2 = gram[shortest * k + shortest];
    for _ in 0..FRANK_WOLFE_ITERATIONS {
        let by_product = |a: &usize, b: &usize| products[*a].total_cmp(&products[*b]);
        let Some(toward) = (0..k).min_by(by_product) else {
            break;
        };
        let Some(away) = (0..k).filter(|&j| weights[j] > 0.0).max_by(by_product) else {
            break;
        };
        // Toward g_t: d = g_t − p, gap ‖p‖² − p·g_t. Away from g_a: d = p − g_a, gap p·g_a − ‖p‖².
        let toward_gap = norm2 - products[toward];
        let away_gap = products[away] - norm2;
        if toward_gap.max(away_gap) <= 1e-14 * norm2.max(1e-300) {
            break;
        }
        let (vertex, gap, sign, largest) = if toward_gap >= away_gap {
            (toward, toward_gap, 1.0, 1.0)
        } else {
            let lambda = weights[away];
            let largest = if lambda < 1.0 {
                lambda / (1.0 - lambda)
            } else {
                f64::INFINITY
            };
            (away, away_gap, -1.0, largest)
        };
        let d2 = gram[vertex * k + vertex] - 2.0 * products[vertex] + norm2;
        if d2 <= 0.0 {
            break;
        }
        let step = (gap / d2).clamp(0.0, largest);
        // λ ← (1 − s·γ)λ + s·γ·e_v, s = +1 toward, −1 away.
        let t = sign * step;
        for (j, weight) in weights.iter_mut().enumerate() {
            *weight *= 1.0 - t;
            if j == vertex {
                *weight += t;
            }
            if *weight < 1e-15 {
                *weight = 0.0;
            }
        }
        for (j, product) in products.iter_mut().enumerate() {
            *product = (1.0 - t) * *product + t * gram[vertex * k + j];
        }
        norm2 = weights.iter().zip(&products).map(|(w, p)| w * p).sum();
    }
    norm2.max(0.0).sqrt()
}

/// Distance from 0 to the convex hull of `samples` gradients of a function of many variables (a
/// network's loss) taken at points drawn uniformly (seeded) in the ball of radius `radius` around
/// `at`: the sampled ε-subdifferential's min-norm element. `gradient(x, g)` writes ∇f(x) into g.
pub fn sampled_distance(
    mut gradient: impl FnMut(&DVector<f64>, &mut DVector<f64>),
    at: &DVector<f64>,
    radius: f64,
    samples: usize,
    seed: u64,
) -> f64 {
    let n = at.len();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut point = DVector::zeros(n);
    let mut grads: Vec<DVector<f64>> = Vec::with_capacity(samples);
    for _ in 0..samples {
        // Uniform in the ball: a Gaussian direction, radius·u^(1/n).
        for v in point.iter_mut() {
            *v = StandardNormal.sample(&mut rng);
        }
        let length = point.norm();
        let r = radius * rng.random::<f64>().powf(1.0 / n.max(1) as f64);
        let factor = if length > 0.0 { r / length } else { 0.0 };
        point
            .iter_mut()
            .zip(at.iter())
            .for_each(|(p, a)| *p = a + *p * factor);
        let mut g = DVector::zeros(n);
        gradient(&point, &mut g);
        if g.iter().all(|v| v.is_finite()) {
            grads.push(g);
        }
    }
    let k = grads.len();
    let mut gram = vec![0.0; k * k];
    for i in 0..k {
        for j in i..k {
            let product = grads[i].dot(&grads[j]);
            gram[i * k + j] = product;
            gram[j * k + i] = product;
        }
    }
    let mut weights = vec![0.0; k];
    min_norm_from_gram(&gram, &mut weights)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(v: f64) -> f64 {
        if v == 0.0 { 0.0 } else { v.signum() }
    }

    #[test]
    fn abs_x_plus_abs_y_at_the_origin_is_the_square() {
        let sub = sample_plane(
            |p| [sign(p[0]), sign(p[1])],
            [0.0, 0.0],
            1e-3,
            PLANE_SAMPLES,
            7,
        );
        let mut corners = sub.hull.clone();
        corners.sort_by(|a, b| a[0].total_cmp(&b[0]).then(a[1].total_cmp(&b[1])));
        let square = [[-1.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [1.0, 1.0]];
        assert_eq!(corners.len(), 4, "{:?}", sub.hull);
        for (c, s) in corners.iter().zip(&square) {
            assert!(
                (c[0] - s[0]).abs() <= 1e-9 && (c[1] - s[1]).abs() <= 1e-9,
                "{c:?}"
            );
        }
        assert_eq!(sub.distance(), 0.0);
        assert!((sub.diameter() - 8f64.sqrt()).abs() < 1e-12);
        assert_eq!((sub.width(0), sub.width(1)), (2.0, 2.0));
        assert!(sub.is_kink());
        // Away from the kink (farther than ε), a single gradient: no kink, distance √2.
        let off = sample_plane(|p| [sign(p[0]), sign(p[1])], [0.5, -0.5], 1e-3, 64, 7);
        assert_eq!(off.hull, vec![[1.0, -1.0]]);
        assert!(!off.is_kink());
        assert!((off.distance() - 2f64.sqrt()).abs() < 1e-15);
    }

    /// |x| − |x| is 0: its sampled subdifferential at 0 is {0}, while the sum of the sampled
    /// subdifferentials of |x| and −|x| (the sum rule's answer) is [−2, 2].
    #[test]
    fn the_sum_rule_fails_for_abs_minus_abs() {
        let difference = sample_plane(
            |p| [sign(p[0]) - sign(p[0]), 0.0],
            [0.0, 0.0],
            1e-3,
            PLANE_SAMPLES,
            3,
        );
        assert_eq!(difference.hull, vec![[0.0, 0.0]]);
        assert!(!difference.is_kink());
        let abs = sample_plane(|p| [sign(p[0]), 0.0], [0.0, 0.0], 1e-3, 64, 3);
        let minus_abs = sample_plane(|p| [-sign(p[0]), 0.0], [0.0, 0.0], 1e-3, 64, 4);
        // Minkowski sum of two segments on the x axis: its extent is the sum of the extents.
        let mut sums = Vec::new();
        for a in &abs.hull {
            for b in &minus_abs.hull {
                sums.push([a[0] + b[0], a[1] + b[1]]);
            }
        }
        let sum_rule = convex_hull(sums);
        assert_eq!(sum_rule, vec![[-2.0, 0.0], [2.0, 0.0]]);
        assert_eq!(sum_rule.len(), 2);
    }

    #[test]
    fn a_smooth_function_has_no_kink_and_its_gradient_as_distance() {
        // f = x² + 3y at (1, 2): ∇f = (2x, 3) varies by 4ε across the ball.
        let sub = sample_plane(|p| [2.0 * p[0], 3.0], [1.0, 2.0], 1e-4, 64, 1);
        assert!(!sub.is_kink(), "{}", sub.diameter());
        assert!((sub.distance() - 13f64.sqrt()).abs() < 1e-3);
    }

    #[test]
    fn polygon_min_norm_is_the_nearest_edge_point() {
        let hull = convex_hull(vec![
            [1.0, -1.0],
            [3.0, -1.0],
            [3.0, 1.0],
            [1.0, 1.0],
            [2.0, 0.0],
        ]);
        assert_eq!(hull.len(), 4);
        assert_eq!(min_norm_in_polygon(&hull), [1.0, 0.0]);
        assert_eq!(min_norm_in_polygon(&[[1.0, 1.0], [-1.0, 1.0]]), [0.0, 1.0]);
    }

    #[test]
    fn frank_wolfe_finds_the_min_norm_point() {
        // g₁ = (1, 1, 0), g₂ = (−1, 1, 0), g₃ = (0, 2, 1): nearest point of the hull is (0, 1, 0).
        let g = [[1.0, 1.0, 0.0], [-1.0, 1.0, 0.0], [0.0, 2.0, 1.0]];
        let mut gram = [0.0; 9];
        for i in 0..3 {
            for j in 0..3 {
                gram[i * 3 + j] = (0..3).map(|c| g[i][c] * g[j][c]).sum();
            }
        }
        let mut weights = [0.0; 3];
        let distance = min_norm_from_gram(&gram, &mut weights);
        assert!((distance - 1.0).abs() < 1e-3, "{distance}");
        assert!((weights[0] - weights[1]).abs() < 1e-2, "{weights:?}");
        // 0 inside the hull: distance near 0.
        let gram = [1.0, -1.0, -1.0, 1.0];
        let mut weights = [0.0; 2];
        assert!(min_norm_from_gram(&gram, &mut weights) < 1e-9);
    }

    #[test]
    fn high_dimensional_distance_matches_the_plane_on_abs() {
        // f = |x₁| + |x₂| + x₃ in ℝ³: at (0, 0, 5) the hull is the square × {1}: distance 1.
        let gradient = |x: &DVector<f64>, g: &mut DVector<f64>| {
            g[0] = sign(x[0]);
            g[1] = sign(x[1]);
            g[2] = 1.0;
        };
        let at = DVector::from_vec(vec![0.0, 0.0, 5.0]);
        let distance = sampled_distance(gradient, &at, 1e-3, 32, 2);
        assert!((distance - 1.0).abs() < 1e-3, "{distance}");
        let at = DVector::from_vec(vec![1.0, 1.0, 5.0]);
        let distance = sampled_distance(gradient, &at, 1e-3, 8, 2);
        assert!((distance - 3f64.sqrt()).abs() < 1e-12, "{distance}");
    }
}
