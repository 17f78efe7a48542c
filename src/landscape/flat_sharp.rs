//! Flat and sharp: two wells of equal depth but different width, the implicit bias of large steps.
//!
//! f(p) = −exp(−‖p − c_s‖² / (2w_s²)) − exp(−‖p − c_f‖² / (2w_f²)) + 0.02‖p‖²: a sharp Gaussian
//! well of width w_s centred at c_s = (−1, 0) and a flat one of width w_f centred at c_f = (1, 0),
//! both of depth 1, in a shallow bowl that keeps f bounded below. Domain ℝ².
//!
//! The minimizers are not exactly at the centres (each well sits on the other's tail and on the
//! bowl): they lie on the x axis and are found by Newton's method from the centres. For the
//! defaults the sharp one is at ≈ (−0.987, 0) with f ≈ −1.117 and curvature ≈ [24.5, 25.1]
//! (≈ 1/w_s²), the flat one at ≈ (0.962, 0) with f ≈ −0.981 and curvature ≈ [1.04, 1.04]
//! (≈ 1/w_f²). The sharp minimum is even slightly deeper, yet gradient descent cannot settle in it
//! with a step lr > 2/λmax ≈ 0.08 (lr·λmax > 2 makes the minimizer unstable), while the flat one
//! is stable for any lr < 2/1.04 ≈ 1.9: large steps (and SGD noise) select flat minima. From the
//! default start (−1.3, 0.3), inside the sharp well's basin, GD converges to the sharp minimizer
//! for lr < 0.08, bounces across the sharp well without converging for 0.08 < lr ≲ 0.2 (the
//! curvature on the well's walls is lower, so a period-2 orbit there is stable) and is thrown out
//! into the flat well for lr ≳ 0.25. Which minimizers are listed follows the parameters: wells that
//! merge into one are listed once.
//!
//! Reference: N. S. Keskar, D. Mudigere, J. Nocedal, M. Smelyanskiy & P. T. P. Tang, "On
//! large-batch training for deep learning: generalization gap and sharp minima", ICLR 2017;
//! S. Hochreiter & J. Schmidhuber, "Flat minima", Neural Computation 9(1), 1997; J. Cohen et al.,
//! "Gradient descent on neural networks typically occurs at the edge of stability", ICLR 2021.
//! Defaults: sharp_width = 0.2, flat_width = 1; view [−2.5, 2.5] × [−2, 2]; start (−1.3, 0.3).

use num_dual::DualNum;
use serde::{Deserialize, Serialize};

use super::autodiff::{self, DualFormula};
use super::refine::strict_minimum_near;
use super::{Landscape, Minimizers, Minimum, Point, ViewWindow};
use crate::hyper::hyper_table;

/// Two Gaussian wells of depth 1, sharp at (−1, 0) and flat at (1, 0), in a 0.02‖p‖² bowl.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FlatSharp {
    /// Width (standard deviation) of the sharp well at (−1, 0); its curvature is about 1/width².
    pub sharp_width: f64,
    /// Width (standard deviation) of the flat well at (1, 0); its curvature is about 1/width².
    pub flat_width: f64,
}

impl Default for FlatSharp {
    fn default() -> Self {
        Self {
            sharp_width: 0.2,
            flat_width: 1.0,
        }
    }
}

/// Centre of the sharp well.
const SHARP_CENTRE: Point = [-1.0, 0.0];
/// Centre of the flat well.
const FLAT_CENTRE: Point = [1.0, 0.0];
/// Curvature/2 of the bowl 0.02‖p‖² that keeps f bounded below.
const BOWL: f64 = 0.02;

/// −exp(−‖p − centre‖² / (2 width²)).
fn well<D: DualNum<Primitive = f64> + Copy>(x: D, y: D, centre: Point, width: f64) -> D {
    let (dx, dy) = (x - centre[0], y - centre[1]);
    -((dx * dx + dy * dy) * (-0.5 / (width * width))).exp()
}

impl DualFormula for FlatSharp {
    fn eval<D: DualNum<Primitive = f64> + Copy>(&self, x: D, y: D) -> D {
        well(x, y, SHARP_CENTRE, self.sharp_width)
            + well(x, y, FLAT_CENTRE, self.flat_width)
            + (x * x + y * y) * BOWL
    }
}

hyper_table! {
    FlatSharp, owner: "FlatSharp";
    sharp_width: log_float(0.01, 2.0) where positive,
        "Width (standard deviation) of the sharp well at (−1, 0); its curvature is about 1/width²";
    flat_width: log_float(0.01, 2.0) where positive,
        "Width (standard deviation) of the flat well at (1, 0); its curvature is about 1/width²";
}

super::landscape_spec! {
    FlatSharp: "a sharp and a flat well: large-lr GD leaves the sharp one (sharp_width, flat_width)"
}

impl Landscape for FlatSharp {
    autodiff::dual_formula_derivatives!();

    fn minimizers(&self) -> Minimizers {
        let mut minima: Vec<Minimum> = Vec::with_capacity(2);
        for centre in [SHARP_CENTRE, FLAT_CENTRE] {
            if let Some(m) = strict_minimum_near(self, centre) {
                let seen = minima.iter().any(|other| {
                    (other.point[0] - m.point[0]).hypot(other.point[1] - m.point[1]) < 1e-6
                });
                if !seen {
                    minima.push(m);
                }
            }
        }
        Minimizers::Points(minima)
    }

    super::centred_view!(2.5, 2.0, start [-1.3, 0.3]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minima(f: &FlatSharp) -> Vec<Minimum> {
        match f.minimizers() {
            Minimizers::Points(points) => points,
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn a_sharp_and_a_flat_minimum() {
        let f = FlatSharp::default();
        let [sharp, flat] = &minima(&f)[..] else {
            panic!("two minima expected");
        };
        for m in [sharp, flat] {
            let (value, g) = f.value_and_gradient(m.point);
            assert!(g[0].hypot(g[1]) < 1e-12 && value == m.value, "{m:?}");
            assert_eq!(m.point[1], 0.0);
        }
        assert!((sharp.point[0] + 1.0).abs() < 0.02 && (flat.point[0] - 1.0).abs() < 0.06);
        assert!(
            sharp.curvature[0] > 24.0 && sharp.curvature[1] < 26.0,
            "{sharp:?}"
        );
        assert!(
            flat.curvature[0] > 0.9 && flat.curvature[1] < 1.1,
            "{flat:?}"
        );
        assert!(sharp.value < flat.value);
    }

    #[test]
    fn the_centres_are_near_but_not_at_the_minimizers() {
        let f = FlatSharp::default();
        // At c_f the sharp well is negligible (e^−50); left are the bowl and the flat well, flat
        // at its centre: f = −1 + 0.02, ∇f = 0.04·c_f.
        let (value, g) = f.value_and_gradient(FLAT_CENTRE);
        assert!((value - (-1.0 - (-50.0f64).exp() + 0.02)).abs() < 1e-15);
        assert!((g[0] - 0.04).abs() < 1e-15 && g[1] == 0.0);
    }

    #[test]
    fn small_steps_stay_sharp_large_steps_go_flat() {
        let f = FlatSharp::default();
        let run = |lr: f64| {
            let mut p = f.default_start();
            for _ in 0..2000 {
                let (_, g) = f.value_and_gradient(p);
                p = [p[0] - lr * g[0], p[1] - lr * g[1]];
            }
            p
        };
        let [sharp, flat] = &minima(&f)[..] else {
            panic!("two minima expected");
        };
        let distance = |p: Point, m: &Minimum| (p[0] - m.point[0]).hypot(p[1] - m.point[1]);
        assert!(distance(run(0.05), sharp) < 1e-9);
        assert!(distance(run(0.5), flat) < 1e-9);
        // Just above 2/λmax: neither converged nor escaped.
        let bouncing = run(0.1);
        assert!(distance(bouncing, sharp) > 1e-3 && distance(bouncing, sharp) < 0.5);
    }

    #[test]
    fn merged_wells_are_listed_once() {
        let f = FlatSharp {
            sharp_width: 3.0,
            flat_width: 3.0,
        };
        assert_eq!(minima(&f).len(), 1);
    }
}
