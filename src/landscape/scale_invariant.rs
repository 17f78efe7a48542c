//! Scale invariant: a loss that depends only on the direction of w, as a network's loss does on the
//! weights in front of a batch or layer normalisation.
//!
//! f(w) = g(θ), θ the angle of w = (x, y) = r(cos θ, sin θ), with
//! g(θ) = (1 − cos kθ) + b·(1 − cos θ): k wells around the circle, the one at θ = 0 the deepest
//! (g = 0) and the others raised by the tilt b. Domain ℝ² ∖ {0}. With ∇θ = (−y, x)/r²:
//!
//! ∇f = g′(θ)·(−y, x)/r²,  ‖∇f‖ = |g′(θ)|/r,
//! ∇²f = g″(θ)·∇θ∇θᵀ + g′(θ)·∇²θ,  ∇²θ = [[2xy, y² − x²], [y² − x², −2xy]]/r⁴,
//!
//! with g′ = k·sin kθ + b·sin θ and g″ = k²·cos kθ + b·cos θ. The gradient is orthogonal to w
//! (w·∇f = 0: f is constant along rays), so a gradient step only ever lengthens w:
//! ‖w − lr·∇f‖² = ‖w‖² + lr²·‖∇f‖². The angle moves by about lr·|g′(θ)|/r², so the step in θ is
//! that of gradient descent on g with the effective learning rate lr/‖w‖², which shrinks as ‖w‖
//! grows. Weight decay pulls ‖w‖ back; with gradient noise the two balance at a finite norm, and
//! without noise decay drives ‖w‖ towards 0 once the angle has converged (∇f = 0 there).
//!
//! Minimizers: the ray θ = 0 (x > 0, y = 0), f* = 0, listed as a set whose curvature across it,
//! g″(0)/r² = (k² + b)/r², is given at r = 1; the other wells are local minima along rays. Every
//! direction's curvature vanishes along the ray and grows without bound as r → 0.
//!
//! f is undefined at w = 0. There θ is taken as atan2's 0 (so f(0) = g(0) = 0) and the gradient and
//! Hessian as 0, finite rather than NaN; any |w|² that underflows to 0 is treated so too. A run
//! started off the origin never reaches it under gradient steps, which only lengthen w.
//!
//! Reference: van Laarhoven, "L2 regularization versus batch and weight normalization",
//! arXiv:1706.05350, 2017; Li & Arora, "An exponential learning rate schedule for deep learning",
//! ICLR 2020. Defaults: k = 3, b = 0.5; view [−2, 2]²; start (−0.15, 0.35), in the deepest well's basin.

use serde::{Deserialize, Serialize};

use super::{Landscape, Matrix2, Minimizers, Point, ViewWindow};
use crate::hyper::hyper_table;

/// f(w) = (1 − cos kθ) + b·(1 − cos θ), θ the angle of w.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ScaleInvariant {
    /// Number k of wells around the circle.
    pub waves: u64,
    /// Tilt b that raises every well but the one at θ = 0.
    pub tilt: f64,
}

hyper_table! {
    ScaleInvariant, owner: "ScaleInvariant", defaults {};
    waves = 3: int(1, 8) where count_in_range(1, 64), "Number k of wells around the circle";
    tilt = 0.5: float(0.0, 2.0) where non_negative, "Tilt b that raises every well but the one at θ = 0";
}

super::landscape_spec! {
    ScaleInvariant:
        "(1 − cos kθ) + b(1 − cos θ), θ the angle of w: f(cw) = f(w), a normalised network's loss (waves, tilt)"
}

/// The angular profile: g(θ), g′(θ), g″(θ).
struct Profile {
    value: f64,
    slope: f64,
    curvature: f64,
}

impl ScaleInvariant {
    /// g and its first two derivatives at θ.
    fn profile(&self, theta: f64) -> Profile {
        let k = self.waves as f64;
        let (sin_k, cos_k) = (k * theta).sin_cos();
        let (sin_1, cos_1) = theta.sin_cos();
        Profile {
            value: (1.0 - cos_k) + self.tilt * (1.0 - cos_1),
            slope: k * sin_k + self.tilt * sin_1,
            curvature: k * k * cos_k + self.tilt * cos_1,
        }
    }

    /// ‖w‖², or `None` at the origin (where it is 0 or has underflowed to 0).
    fn squared_norm(p: Point) -> Option<f64> {
        let r2 = p[0] * p[0] + p[1] * p[1];
        (r2 >= f64::MIN_POSITIVE).then_some(r2)
    }
}

impl Landscape for ScaleInvariant {
    fn value(&self, p: Point) -> f64 {
        self.profile(p[1].atan2(p[0])).value
    }

    fn value_and_gradient(&self, p: Point) -> (f64, Point) {
        let g = self.profile(p[1].atan2(p[0]));
        let Some(r2) = Self::squared_norm(p) else {
            return (g.value, [0.0, 0.0]);
        };
        let scale = g.slope / r2;
        (g.value, [-p[1] * scale, p[0] * scale])
    }

    fn hessian(&self, p: Point) -> Matrix2 {
        let Some(r2) = Self::squared_norm(p) else {
            return [[0.0; 2]; 2];
        };
        let [x, y] = p;
        let g = self.profile(y.atan2(x));
        let grad_theta = [-y / r2, x / r2];
        let r4 = r2 * r2;
        let (diagonal, off_diagonal) = (2.0 * x * y / r4, (y * y - x * x) / r4);
        let outer = |i: usize, j: usize| g.curvature * grad_theta[i] * grad_theta[j];
        [
            [
                outer(0, 0) + g.slope * diagonal,
                outer(0, 1) + g.slope * off_diagonal,
            ],
            [
                outer(1, 0) + g.slope * off_diagonal,
                outer(1, 1) - g.slope * diagonal,
            ],
        ]
    }

    fn minimizers(&self) -> Minimizers {
        Minimizers::Set {
            description: "the ray y = 0, x > 0 (the other wells are local minima along rays)"
                .to_owned(),
            value: 0.0,
            curvature: [0.0, self.profile(0.0).curvature],
        }
    }

    /// Distance to the ray {(t, 0) : t > 0}: |y| on its side, ‖w‖ behind the origin.
    fn distance_to_minimizer(&self, p: Point) -> Option<f64> {
        Some(if p[0] > 0.0 {
            p[1].abs()
        } else {
            p[0].hypot(p[1])
        })
    }

    super::centred_view!(2.0, 2.0, start [-0.15, 0.35]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gradient_descent_lengthens_w_exactly() {
        // ‖w_{k+1}‖² = ‖w_k‖² + lr²‖∇f(w_k)‖², to 1e-12 relative, step by step and summed.
        for (lr, start) in [
            (0.05, [-0.15, 0.35]),
            (0.5, [1.0, 2.0]),
            (2.0, [-3.0, -0.2]),
        ] {
            let f = ScaleInvariant::default();
            let mut w: Point = start;
            let mut predicted = w[0] * w[0] + w[1] * w[1];
            let mut grew = false;
            for step in 0..1000 {
                let (_, g) = f.value_and_gradient(w);
                let before = w[0] * w[0] + w[1] * w[1];
                let increment = lr * lr * (g[0] * g[0] + g[1] * g[1]);
                w = [w[0] - lr * g[0], w[1] - lr * g[1]];
                let after = w[0] * w[0] + w[1] * w[1];
                let expected = before + increment;
                assert!(
                    (after - expected).abs() <= 1e-12 * expected,
                    "lr {lr}, step {step}: {after} vs {expected}"
                );
                predicted += increment;
                grew |= increment > 1e-6 * before;
            }
            let last = w[0] * w[0] + w[1] * w[1];
            assert!(
                (last - predicted).abs() <= 1e-12 * predicted,
                "{last} vs {predicted}"
            );
            assert!(grew, "lr {lr}: the norm never grew measurably");
        }
    }

    #[test]
    fn f_is_constant_along_rays_and_the_gradient_shrinks_like_one_over_r() {
        let f = ScaleInvariant::default();
        let p = [0.3, -0.7];
        let (value, g) = f.value_and_gradient(p);
        let (far_value, far_g) = f.value_and_gradient([3.0, -7.0]);
        assert!((value - far_value).abs() < 1e-15);
        assert!((g[0] - 10.0 * far_g[0]).abs() < 1e-12 && (g[1] - 10.0 * far_g[1]).abs() < 1e-12);
        let theta = p[1].atan2(p[0]);
        let r = p[0].hypot(p[1]);
        assert!((g[0].hypot(g[1]) - f.profile(theta).slope.abs() / r).abs() < 1e-14);
    }

    #[test]
    fn the_wells_are_where_the_doc_says() {
        let f = ScaleInvariant::default();
        assert_eq!(f.value([2.0, 0.0]), 0.0);
        // The other two wells lie near θ = ±2π/3, raised by the tilt: b·(1 − cos θ) ≈ 1.5·b there.
        for sign in [1.0, -1.0] {
            let mut theta = sign * 2.0 * std::f64::consts::FRAC_PI_3;
            for _ in 0..50 {
                let g = f.profile(theta);
                theta -= g.slope / g.curvature;
            }
            let g = f.profile(theta);
            assert!(g.slope.abs() < 1e-12 && g.curvature > 0.0);
            assert!(g.value > 0.5 && g.value < 0.75, "{}", g.value);
        }
    }

    #[test]
    fn the_origin_is_finite() {
        let f = ScaleInvariant::default();
        for p in [[0.0, 0.0], [1e-170, -1e-170], [-0.0, 0.0]] {
            let (value, g) = f.value_and_gradient(p);
            assert!(value.is_finite() && g == [0.0, 0.0], "{p:?}");
            assert!(f.hessian(p).iter().flatten().all(|h| *h == 0.0));
        }
        let (_, g) = f.value_and_gradient([1e-150, 1e-150]);
        assert!(g[0].is_finite() && g[1].is_finite());
    }
}
