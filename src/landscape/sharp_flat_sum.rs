//! Sharp and flat sum: a finite sum with a sharp, non-uniform minimum and a flat, uniform one,
//! where minibatch SGD cannot stay at a minimum that gradient descent keeps.
//!
//! f(x, y) = (1/n) Σᵢ fᵢ(x, y) with fᵢ(x, y) = ½·(x − 1)²·tanh²((x + 1)/w)·κᵢ(x) + ½·y², where
//! κᵢ(x) = u + (αᵢ − u)·exp(−(x + 1)²/(2w²)) blends a per-sample weight αᵢ at x = −1 into a
//! common u = ½ away from it, and w = ½. The first `sharp_samples` of the n samples have
//! αᵢ = peak·w²/4, the others αᵢ = 0. Domain ℝ².
//!
//! Every fᵢ is ≥ 0 and vanishes exactly on x = ±1, y = 0, so (−1, 0) and (1, 0) minimize every
//! sample: the per-sample gradients all vanish there and SGD has no noise at a minimum, only the
//! linear instability below. The per-sample Hessians are diag(4αᵢ/w², 1) at (−1, 0) — peak for
//! the sharp samples, 0 for the others: non-uniform — and ≈ diag(u, 1) at (1, 0) for every sample
//! — uniform. The sharp minimum is a narrow pit (width about w) on the side of a wide bowl
//! ½u(x − 1)² that falls towards the flat one, so an iterate thrown a little to the right of it
//! rolls down to (1, 0). For the defaults (n = 8, 2 sharp samples, peak 16) the sharp minimum has
//! sharpness a = λmax(H) = 2·16/8 = 4 and non-uniformity s = √(2·16²/8 − 4²) = √48 ≈ 6.93 (see
//! `analysis::measure::linear_stability`), the flat one a = 1 (along y), s ≈ 0.
//!
//! SGD with lr η and batch size B is linearly stable at a minimum only if
//! (1 − ηa)² + η²s²(n − B)/(B(n − 1)) ≤ 1 (Wu, Ma & E 2018). At η = 0.3 gradient descent
//! (B = n) keeps the sharp minimum (ηa ≈ 1.2 < 2), batches of 1 or 2 do not (the left side is
//! ≈ 4.4 and 1.9), a batch of 4 does (≈ 0.66); the flat minimum is stable for all of them.
//!
//! Reference: L. Wu, C. Ma & W. E, "How SGD selects the global minima in over-parameterized
//! learning: a dynamical stability perspective", NeurIPS 2018.
//! Defaults: n = 8, sharp_samples = 2, peak = 16; view [−3, 3] × [−1.5, 1.5]; start (−1.1, 0.3).

use num_dual::DualNum;
use serde::{Deserialize, Serialize};

use super::autodiff::{self, DualFormula};
use super::{
    Landscape, LandscapeSpec, Minimizers, Minimum, Point, ViewWindow, symmetric_eigenvalues,
};
use crate::hyper::{Hypers, hyper_table};
use crate::validate::Checker;

/// Most samples.
const MAX_SAMPLES: usize = 64;
/// w, the width of the sharp pit.
const WIDTH: f64 = 0.5;
/// u, every sample's weight away from the pit (the flat minimum's curvature across the valley).
const FLAT_WEIGHT: f64 = 0.5;

/// A finite sum whose minimum at (−1, 0) is sharp and non-uniform and at (1, 0) flat and uniform.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SharpFlatSum {
    /// Number of samples n (2 to 64).
    pub n: usize,
    /// How many samples carry the sharp minimum's curvature (1 to n).
    pub sharp_samples: usize,
    /// The curvature those samples have at the sharp minimum (about; the rest have about 0).
    pub peak: f64,
}

impl Default for SharpFlatSum {
    fn default() -> Self {
        Self {
            n: 8,
            sharp_samples: 2,
            peak: 16.0,
        }
    }
}

/// One term fᵢ with weight `weight` (αᵢ) at the pit.
struct Term {
    weight: f64,
}

impl DualFormula for Term {
    fn eval<D: DualNum<Primitive = f64> + Copy>(&self, x: D, y: D) -> D {
        let offset = (x + 1.0) * (1.0 / WIDTH);
        let bump = (offset * offset * -0.5).exp();
        let kappa = bump * (self.weight - FLAT_WEIGHT) + FLAT_WEIGHT;
        let t = offset.tanh();
        let arm = x - 1.0;
        (arm * arm * t * t * kappa + y * y) * 0.5
    }
}

impl SharpFlatSum {
    /// n, clamped as the landscape is built.
    fn samples(&self) -> usize {
        self.n.clamp(2, MAX_SAMPLES)
    }

    /// Sample i: αᵢ = peak·w²/4 (its curvature at the pit is 4αᵢ/w² = peak) for the sharp ones.
    fn term(&self, i: usize) -> Term {
        let sharp = i < self.sharp_samples.clamp(1, self.samples());
        Term {
            weight: if sharp {
                self.peak.max(0.0) * WIDTH * WIDTH / 4.0
            } else {
                0.0
            },
        }
    }

    /// The sharp samples' term and the others', with their counts.
    fn groups(&self) -> [(f64, Term); 2] {
        let n = self.samples();
        let sharp = self.sharp_samples.clamp(1, n);
        [
            (sharp as f64 / n as f64, self.term(0)),
            ((n - sharp) as f64 / n as f64, self.term(n - 1)),
        ]
    }
}

impl DualFormula for SharpFlatSum {
    fn eval<D: DualNum<Primitive = f64> + Copy>(&self, x: D, y: D) -> D {
        // The mean over samples, summed per group of equal terms.
        let [(w_sharp, sharp), (w_rest, rest)] = self.groups();
        sharp.eval(x, y) * w_sharp + rest.eval(x, y) * w_rest
    }
}

hyper_table! {
    SharpFlatSum, owner: "SharpFlatSum";
    n: int(2, 64), "Number of samples n (2 to 64)";
    sharp_samples: int(1, 64),
        "How many samples carry the sharp minimum's curvature (1 to n)";
    peak: log_float(0.1, 100.0) where positive,
        "The curvature those samples have at the sharp minimum (about; the rest have about 0)";
}

impl LandscapeSpec for SharpFlatSum {
    const DESCRIPTION: &'static str = "a finite sum with a sharp, non-uniform minimum SGD cannot keep and a flat, uniform one (n, sharp_samples, peak)";

    fn validate(&self, checker: &mut Checker) {
        self.validate_rows(checker);
        checker.count_in_range("n", self.n as u64, 2, MAX_SAMPLES as u64);
        checker.count_in_range("sharp_samples", self.sharp_samples as u64, 1, self.n as u64);
    }

    fn num_samples(&self) -> usize {
        self.samples()
    }
}

impl Landscape for SharpFlatSum {
    autodiff::dual_formula_derivatives!();

    fn minimizers(&self) -> Minimizers {
        let minimum = |point: Point| Minimum {
            point,
            value: 0.0,
            curvature: symmetric_eigenvalues(self.hessian(point)),
        };
        Minimizers::Points(vec![minimum([-1.0, 0.0]), minimum([1.0, 0.0])])
    }

    super::centred_view!(3.0, 1.5, start [-1.1, 0.3]);

    fn num_samples(&self) -> usize {
        self.samples()
    }

    fn sample_value_and_gradient(&self, p: Point, batch: &[usize]) -> (f64, Point) {
        if batch.is_empty() {
            return self.value_and_gradient(p);
        }
        let (mut value, mut gradient) = (0.0, [0.0; 2]);
        for &i in batch {
            let (v, g) = autodiff::value_and_gradient(&self.term(i), p);
            value += v;
            gradient = [gradient[0] + g[0], gradient[1] + g[1]];
        }
        let m = batch.len() as f64;
        (value / m, [gradient[0] / m, gradient[1] / m])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_minimizers_are_minimizers_of_every_sample() {
        let f = SharpFlatSum::default();
        for point in [[-1.0, 0.0], [1.0, 0.0]] {
            for i in 0..f.samples() {
                let (value, gradient) = f.sample_value_and_gradient(point, &[i]);
                assert!(
                    value == 0.0 && gradient[0] == 0.0,
                    "{i} {value} {gradient:?}"
                );
                assert_eq!(gradient[1], 0.0);
            }
        }
    }

    #[test]
    fn the_full_sum_is_the_mean_of_the_samples() {
        let f = SharpFlatSum::default();
        let all: Vec<usize> = (0..f.samples()).collect();
        for p in [[-1.3, 0.2], [0.4, -0.7], [2.5, 1.0]] {
            let (value, gradient) = f.value_and_gradient(p);
            let (mean, mean_gradient) = f.sample_value_and_gradient(p, &all);
            assert!((value - mean).abs() < 1e-13 * (1.0 + value.abs()), "{p:?}");
            for i in 0..2 {
                assert!((gradient[i] - mean_gradient[i]).abs() < 1e-12, "{p:?}");
            }
        }
    }

    #[test]
    fn the_sharp_minimum_is_sharp_and_the_flat_one_flat() {
        let Minimizers::Points(minima) = SharpFlatSum::default().minimizers() else {
            panic!("two minima expected");
        };
        // 2·16/8 = 4 across the pit; u·tanh²(4) ≈ 0.4987 across the flat valley; 1 along y.
        assert!((minima[0].curvature[1] - 4.0).abs() < 1e-9, "{minima:?}");
        assert!((minima[1].curvature[0] - 0.4987).abs() < 1e-3, "{minima:?}");
        assert!((minima[1].curvature[1] - 1.0).abs() < 1e-12, "{minima:?}");
    }

    #[test]
    fn validation() {
        let mut checker = Checker::new();
        SharpFlatSum::default().validate(&mut checker);
        assert!(checker.found.is_empty(), "{:?}", checker.found);
        SharpFlatSum {
            n: 4,
            sharp_samples: 5,
            peak: -1.0,
        }
        .validate(&mut checker);
        let paths: Vec<_> = checker.found.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["peak", "sharp_samples"]);
    }
}
