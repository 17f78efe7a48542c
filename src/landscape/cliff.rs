//! Cliff: a gently sloped plateau that ends at a steep, oblique wall above the valley with the
//! minimum, the exploding-gradient picture of recurrent networks.
//!
//! f(x, y) = (h/2)·(1 − tanh(u/w)) + (a/2)·r² + (q/4)·r⁴, with u = x + m·y the coordinate across
//! the wall and r² = (x − 2.5)² + y² the squared distance from the bowl's centre (2.5, 0); a = 0.2
//! and q = 0.03 are fixed. Domain ℝ². Where u ≪ −w the tanh term is h (the plateau, on the side of
//! the default start), where u ≫ w it is 0 (the valley); across the band |u| ≲ w it drops by h.
//!
//! ∇f = −(h/(2w))·sech²(u/w)·(1, m) + (a + q·r²)·(x − 2.5, y). On the wall the first term
//! dominates: a gradient of length up to (h/(2w))·√(1 + m²) (about 104 for the defaults) whose two
//! coordinates have the very different sizes 1 : m, against a bowl gradient of about 5 at the
//! default start. The Hessian (exact, through hyper-dual numbers) adds
//! (h/w²)·sech²(u/w)·tanh(u/w)·(1, m)(1, m)ᵀ to the bowl's.
//!
//! The one minimizer lies in the valley, a hair from the bowl's centre (the wall's tail still
//! slopes there): found by Newton's method, ≈ (2.568, 0.020) with f ≈ 0.004 and curvature
//! ≈ [0.200, 0.259] for the defaults. Gradient descent at lr = 0.5 from the plateau steps onto the wall, where one
//! gradient step throws it some 45 units into the valley, so far out that the quartic bowl is too
//! steep for that lr (lr·(a + 3q·r²) > 2) and it diverges. Clipping the gradient's norm
//! (`clip`, torch's `clip_grad_norm_`) caps every step at lr·clip along the same direction, so the
//! run walks down the wall and converges; clipping each coordinate (`clip_value`) caps both
//! coordinates of the wall's gradient at the same value, turning the step from the wall's normal
//! (1, m) towards (1, 1): the run crosses the wall on a slant.
//!
//! Reference: R. Pascanu, T. Mikolov & Y. Bengio, "On the difficulty of training recurrent neural
//! networks", ICML 2013 (§3, the cliff and gradient clipping); I. Goodfellow, Y. Bengio &
//! A. Courville, "Deep Learning", MIT Press 2016, §8.2.4 and §10.11.1. Defaults: height = 100,
//! width = 0.5, tilt = 0.3; view [−4, 4.5] × [−3, 3]; start (−2.5, −1).

use num_dual::DualNum;
use serde::{Deserialize, Serialize};

use super::autodiff::{self, DualFormula};
use super::refine::strict_minimum_near;
use super::{Landscape, LandscapeSpec, Minimizers, Point, ViewWindow};
use crate::hyper::hyper_table;

/// A plateau of height `height` above a valley, separated by a wall of half-width `width` across
/// the line x + tilt·y = 0, over the bowl (a/2)·r² + (q/4)·r⁴ centred at (2.5, 0).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Cliff {
    /// How far the plateau lies above the valley: the drop across the wall.
    pub height: f64,
    /// Half-width w of the wall (tanh(u/w)); the wall's slope is up to height/(2·width).
    pub width: f64,
    /// m in u = x + m·y: the wall's normal is (1, m), so its gradient is oblique.
    pub tilt: f64,
}

impl Default for Cliff {
    fn default() -> Self {
        Self {
            height: 100.0,
            width: 0.5,
            tilt: 0.3,
        }
    }
}

/// Centre of the bowl, in the valley.
const CENTRE: Point = [2.5, 0.0];
/// Curvature a of the bowl's quadratic part: the curvature at the minimum.
const QUADRATIC: f64 = 0.2;
/// Coefficient q of the bowl's quartic part, which makes it steep far away.
const QUARTIC: f64 = 0.03;

impl DualFormula for Cliff {
    fn eval<D: DualNum<Primitive = f64> + Copy>(&self, x: D, y: D) -> D {
        let across = (x + y * self.tilt) / self.width;
        let (dx, dy) = (x - CENTRE[0], y - CENTRE[1]);
        let r2 = dx * dx + dy * dy;
        (-across.tanh() + 1.0) * (0.5 * self.height)
            + r2 * (0.5 * QUADRATIC)
            + r2 * r2 * (0.25 * QUARTIC)
    }
}

hyper_table! {
    Cliff, owner: "Cliff";
    height: log_float(0.1, 1000.0) where positive,
        "How far the plateau lies above the valley: the drop across the wall";
    width: log_float(0.01, 5.0) where positive,
        "Half-width w of the wall (tanh(u/w)); its slope is up to height/(2·width)";
    tilt: float(-2.0, 2.0) where finite,
        "m in u = x + m·y: the wall's normal (1, m), so its gradient is oblique";
}

impl LandscapeSpec for Cliff {
    const DESCRIPTION: &'static str =
        "a plateau, a steep oblique wall, a valley: exploding gradients (height, width, tilt)";
}

impl Landscape for Cliff {
    autodiff::dual_formula_derivatives!();

    fn minimizers(&self) -> Minimizers {
        Minimizers::Points(strict_minimum_near(self, CENTRE).into_iter().collect())
    }

    fn view(&self) -> ViewWindow {
        ViewWindow {
            x_min: -4.0,
            x_max: 4.5,
            y_min: -3.0,
            y_max: 3.0,
        }
    }

    fn default_start(&self) -> Point {
        [-2.5, -1.0]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wall_gradient_is_large_and_oblique() {
        let f = Cliff::default();
        // On the wall's centre line u = 0 at y = 0: sech² = 1, so the wall's part of ∇f is
        // −(h/(2w))·(1, m) = −(100, 30), plus the bowl's (a + q·r²)·(x − 2.5, y) at (0, 0).
        let (value, [gx, gy]) = f.value_and_gradient([0.0, 0.0]);
        let bowl = QUADRATIC + QUARTIC * 6.25;
        assert!((gx - (-100.0 - bowl * 2.5)).abs() < 1e-12, "{gx}");
        assert!((gy - (-30.0)).abs() < 1e-12, "{gy}");
        assert!((value - (50.0 + 0.5 * QUADRATIC * 6.25 + 0.25 * QUARTIC * 39.0625)).abs() < 1e-12);
        // On the plateau the wall is nearly flat: the gradient is the bowl's, about 5 long.
        let (_, plateau) = f.value_and_gradient([-2.5, -1.0]);
        assert!((plateau[0].hypot(plateau[1]) - 5.0).abs() < 0.1);
    }

    #[test]
    fn one_minimum_in_the_valley() {
        let f = Cliff::default();
        let Minimizers::Points(points) = f.minimizers() else {
            panic!("points expected");
        };
        assert_eq!(points.len(), 1);
        let m = &points[0];
        // The wall's tail pushes it a little past the bowl's centre (2.5, 0), along (1, m).
        assert!((m.point[0] - 2.568).abs() < 1e-3, "{m:?}");
        assert!((m.point[1] - 0.0203).abs() < 1e-3, "{m:?}");
        assert!((m.value - 0.0039).abs() < 1e-4, "{m:?}");
        let (_, g) = f.value_and_gradient(m.point);
        assert!(g[0].hypot(g[1]) < 1e-12);
        assert!((m.curvature[0] - 0.2001).abs() < 1e-3, "{m:?}");
        assert!((m.curvature[1] - 0.2594).abs() < 1e-3, "{m:?}");
    }
}
