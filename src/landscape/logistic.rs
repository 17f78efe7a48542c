//! Logistic regression: the cross-entropy loss of a linear classifier on seeded noisy data, with a
//! small ridge term.
//!
//! f(x) = (1/n) Σᵢ fᵢ(x), fᵢ(x) = log(1 + exp(−yᵢ aᵢᵀx)) + 0.005‖x‖², on n samples aᵢ ~ N(0, I)
//! with labels yᵢ = sign(aᵢᵀ(1, −0.5)) ∈ {−1, +1}, each flipped with probability 0.1 (see the
//! `data` module). The ridge term is part of every fᵢ, so minibatch means estimate f itself.
//! Domain ℝ². With mᵢ = yᵢaᵢᵀx and σ the logistic sigmoid:
//!
//! ∇f = −(1/n) Σᵢ σ(−mᵢ) yᵢ aᵢ + 0.01 x,  ∇²f = (1/n) Σᵢ σ(mᵢ)σ(−mᵢ) aᵢaᵢᵀ + 0.01 I.
//!
//! The loss is evaluated as softplus(−m) = max(−m, 0) + log1p(exp(−|m|)) and σ without overflow,
//! so it is exact for any x. f is strongly convex (∇²f ⪰ 0.01 I): the unique minimizer x* is found
//! at construction by damped Newton's method to a gradient norm of about 1e-15 and reported with
//! f(x*) and the eigenvalues of ∇²f(x*). For the defaults x* ≈ (2.202, −0.504), on the side of
//! (1, −0.5) that made the labels, f* ≈ 0.3988 (log 2 ≈ 0.693 at the origin) and the curvature is
//! ≈ 0.058 and 0.127: a flat bowl where steps of order 1 to 10 are stable. Far from x* the loss grows
//! only linearly and the curvature fades to the ridge's 0.01, which is why Newton's method needs
//! damping here.
//!
//! `separable: true` keeps every label clean and drops the ridge: f(x) = (1/n) Σᵢ log(1 + exp(−yᵢaᵢᵀx))
//! on data that the line through the origin normal to (1, −0.5) separates. f is then convex but
//! has no minimizer: f → 0 = inf f as ‖x‖ → ∞ along any separating direction, gradient descent's
//! loss falls like 1/k, its norm grows like log k and its direction turns to the max-margin
//! separator's (Soudry et al., "The implicit bias of gradient descent on separable data", JMLR
//! 2018), computed at construction (see `max_margin`) and drawn as a ray. Its minimizers are
//! listed as the set at infinity with f = 0, so that f − f* is the loss itself.
//!
//! Reference: Bottou, Curtis & Nocedal, "Optimization methods for large-scale machine learning",
//! SIAM Review 60(2), 2018 (logistic regression as the model finite sum, §2 and §4). Defaults:
//! n = 64, seed 0; view: the half-unit window holding the origin, x* and the start with a margin of 1;
//! start (−2, 2), on the wrong side of the decision boundary ([−3, 3.5] × [−2, 3] for the defaults).

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::data::{Classification, dot, solve, window_around};
use super::max_margin::{MaxMargin, max_margin};
use super::{
    Landscape, LandscapeSpec, Matrix2, Minimizers, Minimum, Point, ToLandscape, ViewWindow,
    symmetric_eigenvalues,
};
use crate::hyper::hyper_table;
use crate::validate::Checker;

/// Fewest samples.
const MIN_SAMPLES: usize = 1;
/// Most samples.
const MAX_SAMPLES: usize = 100_000;
/// The ridge coefficient μ: every fᵢ includes (μ/2)‖x‖², and ∇²f ⪰ μI.
const RIDGE: f64 = 0.01;
/// Where runs start.
const START: Point = [-2.0, 2.0];
/// Bound on Newton iterations when locating the minimizer (a handful suffice).
const MAX_NEWTON_STEPS: usize = 100;
/// Bound on step halvings within one Newton iteration.
const MAX_HALVINGS: usize = 60;

/// f(x) = (1/n) Σᵢ log(1 + exp(−yᵢaᵢᵀx)) + 0.005‖x‖² on seeded noisy classification data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Logistic {
    /// Number of samples n (1 to 100 000).
    pub n: usize,
    /// Seed of the data.
    pub seed: u64,
    /// Clean labels and no ridge: separable data with no minimizer.
    pub separable: bool,
}

impl Default for Logistic {
    fn default() -> Self {
        Self {
            n: 64,
            seed: 0,
            separable: false,
        }
    }
}

hyper_table! {
    Logistic, owner: "Logistic";
    n: int(1, 1000), "Number of samples n (1 to 100 000)";
    seed: int(0, 100), "Seed of the data";
    separable: boolean, "Clean labels and no ridge: separable data, no minimizer";
}

impl LandscapeSpec for Logistic {
    const DESCRIPTION: &'static str = "(1/n) Σ log(1 + e^(−yᵢaᵢᵀx)) + 0.005‖x‖²: logistic regression on noisy labels (n, seed); with separable: true, clean labels and no ridge, so no minimizer";

    fn validate(&self, checker: &mut Checker) {
        checker.count_in_range("n", self.n as u64, MIN_SAMPLES as u64, MAX_SAMPLES as u64);
    }

    /// n, clamped as the data are generated.
    fn num_samples(&self) -> usize {
        self.n.clamp(MIN_SAMPLES, MAX_SAMPLES)
    }
}

impl ToLandscape for Logistic {
    fn to_landscape(&self) -> Arc<dyn Landscape> {
        let data = Classification::generate_with_flips(
            self.n.clamp(MIN_SAMPLES, MAX_SAMPLES),
            self.seed,
            !self.separable,
        );
        if self.separable {
            Arc::new(LogisticProblem::separable(data))
        } else {
            Arc::new(LogisticProblem::new(data))
        }
    }
}

/// log(1 + eᶻ) without overflow or loss of precision for large |z|.
fn softplus(z: f64) -> f64 {
    z.max(0.0) + (-z.abs()).exp().ln_1p()
}

/// σ(z) = 1/(1 + e⁻ᶻ) without overflow.
fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// A built [`Logistic`] landscape: the data and the minimizer found at construction.
#[derive(Clone, Debug, PartialEq)]
pub struct LogisticProblem {
    data: Classification,
    /// The ridge coefficient: [`RIDGE`], or 0 on separable data.
    ridge: f64,
    /// The minimizer (`None` on separable data, which have none).
    minimum: Option<Minimum>,
    /// The max-margin separator of separable data.
    max_margin: Option<MaxMargin>,
}

impl LogisticProblem {
    /// The landscape of `data`, locating its minimizer by Newton's method.
    fn new(data: Classification) -> Self {
        let mut problem = Self {
            data,
            ridge: RIDGE,
            minimum: None,
            max_margin: None,
        };
        let point = problem.newton_minimizer();
        problem.minimum = Some(Minimum {
            point,
            value: problem.value(point),
            curvature: symmetric_eigenvalues(problem.hessian(point)),
        });
        problem
    }

    /// The unregularised landscape of separable `data`, with its max-margin separator.
    fn separable(data: Classification) -> Self {
        let max_margin = max_margin(&data.features, &data.labels);
        Self {
            data,
            ridge: 0.0,
            minimum: None,
            max_margin,
        }
    }

    /// Damped Newton's method from the origin: the Newton step, halved until the Armijo condition
    /// holds (or taken whole once the gradient is below 1e-8, where f is too flat to compare
    /// values and the full step converges quadratically). Bounded; never panics.
    fn newton_minimizer(&self) -> Point {
        let mut x = [0.0, 0.0];
        for _ in 0..MAX_NEWTON_STEPS {
            let (value, gradient) = self.value_and_gradient(x);
            let gradient_norm = gradient[0].hypot(gradient[1]);
            if gradient_norm <= 1e-15 {
                break;
            }
            let step = solve(self.hessian(x), gradient);
            let slope = -dot(gradient, step);
            if !(step[0].is_finite() && step[1].is_finite()) || slope >= 0.0 {
                break;
            }
            let mut t = 1.0;
            let mut next = None;
            for _ in 0..MAX_HALVINGS {
                let trial = [x[0] - t * step[0], x[1] - t * step[1]];
                if gradient_norm < 1e-8 || self.value(trial) <= value + 1e-4 * t * slope {
                    next = Some(trial);
                    break;
                }
                t *= 0.5;
            }
            match next {
                Some(trial) if trial != x => x = trial,
                _ => break,
            }
        }
        x
    }

    /// Mean of fᵢ and ∇fᵢ over the samples `indices` (`count` of them).
    fn mean_over(
        &self,
        p: Point,
        indices: impl Iterator<Item = usize>,
        count: usize,
    ) -> (f64, Point) {
        let mut loss = 0.0;
        let mut gradient = [0.0; 2];
        for i in indices {
            let (a, y) = (self.data.features[i], self.data.labels[i]);
            let margin = y * dot(a, p);
            loss += softplus(-margin);
            let weight = -y * sigmoid(-margin);
            gradient[0] += weight * a[0];
            gradient[1] += weight * a[1];
        }
        let scale = 1.0 / count as f64;
        let ridge = 0.5 * self.ridge * dot(p, p);
        (
            loss * scale + ridge,
            [
                gradient[0] * scale + self.ridge * p[0],
                gradient[1] * scale + self.ridge * p[1],
            ],
        )
    }
}

impl Landscape for LogisticProblem {
    fn value(&self, p: Point) -> f64 {
        let loss: f64 = self
            .data
            .features
            .iter()
            .zip(&self.data.labels)
            .map(|(&a, &y)| softplus(-y * dot(a, p)))
            .sum();
        loss / self.data.features.len() as f64 + 0.5 * self.ridge * dot(p, p)
    }

    fn value_and_gradient(&self, p: Point) -> (f64, Point) {
        let n = self.data.features.len();
        self.mean_over(p, 0..n, n)
    }

    fn hessian(&self, p: Point) -> Matrix2 {
        let mut h = [[0.0; 2]; 2];
        for a in &self.data.features {
            let z = dot(*a, p);
            // σ(m)σ(−m) is even in m, so the label drops out.
            let weight = sigmoid(z) * sigmoid(-z);
            for row in 0..2 {
                for col in 0..2 {
                    h[row][col] += weight * a[row] * a[col];
                }
            }
        }
        let scale = 1.0 / self.data.features.len() as f64;
        for (row, h_row) in h.iter_mut().enumerate() {
            for (col, entry) in h_row.iter_mut().enumerate() {
                *entry = *entry * scale + if row == col { self.ridge } else { 0.0 };
            }
        }
        h
    }

    fn minimizers(&self) -> Minimizers {
        match &self.minimum {
            Some(minimum) => Minimizers::Points(vec![minimum.clone()]),
            None => Minimizers::Set {
                description: "none: f → 0 as ‖x‖ → ∞ along every separating direction".to_owned(),
                value: 0.0,
                curvature: [0.0, 0.0],
            },
        }
    }

    /// The distance to the minimizer; on separable data, which have none, `None`.
    fn distance_to_minimizer(&self, p: Point) -> Option<f64> {
        let m = self.minimum.as_ref()?;
        Some((p[0] - m.point[0]).hypot(p[1] - m.point[1]))
    }

    fn max_margin(&self) -> Option<MaxMargin> {
        self.max_margin
    }

    fn view(&self) -> ViewWindow {
        match &self.minimum {
            Some(minimum) => window_around(&[[0.0, 0.0], minimum.point, START], 1.0),
            // Where gradient descent goes in a few thousand steps: ‖x‖ grows like log k.
            None => window_around(&[[0.0, 0.0], START], 4.0),
        }
    }

    fn default_start(&self) -> Point {
        START
    }

    fn num_samples(&self) -> usize {
        self.data.features.len()
    }

    /// The mean over `batch` (indices below n); an empty batch gives the full mean.
    fn sample_value_and_gradient(&self, p: Point, batch: &[usize]) -> (f64, Point) {
        if batch.is_empty() {
            return self.value_and_gradient(p);
        }
        self.mean_over(p, batch.iter().copied(), batch.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem() -> LogisticProblem {
        LogisticProblem::new(Classification::generate(64, 0))
    }

    #[test]
    fn same_seed_same_landscape() {
        assert_eq!(problem(), problem());
        assert_ne!(
            problem().data,
            LogisticProblem::new(Classification::generate(64, 1)).data
        );
    }

    #[test]
    fn stable_softplus_and_sigmoid() {
        assert_eq!(softplus(-800.0), 0.0);
        assert_eq!(softplus(800.0), 800.0);
        assert!((softplus(0.0) - 2f64.ln()).abs() < 1e-16);
        assert!((softplus(-40.0) - (-40f64).exp()).abs() < 1e-30);
        assert_eq!(sigmoid(-800.0), 0.0);
        assert_eq!(sigmoid(800.0), 1.0);
        assert!((sigmoid(1.5) + sigmoid(-1.5) - 1.0).abs() < 1e-16);
        let far = problem().value_and_gradient([1e3, -1e3]);
        assert!(far.0.is_finite() && far.1[0].is_finite() && far.1[1].is_finite());
    }

    #[test]
    fn full_batch_mean_is_the_full_value() {
        let lr = problem();
        let all: Vec<usize> = (0..lr.num_samples()).collect();
        for p in [[-2.0, 2.0], [0.0, 0.0], [3.0, -1.5]] {
            let (value, gradient) = lr.value_and_gradient(p);
            let (batch_value, batch_gradient) = lr.sample_value_and_gradient(p, &all);
            assert!((value - batch_value).abs() < 1e-12);
            assert!((value - lr.value(p)).abs() < 1e-12);
            assert!((gradient[0] - batch_gradient[0]).abs() < 1e-12);
            assert!((gradient[1] - batch_gradient[1]).abs() < 1e-12);
        }
    }

    #[test]
    fn gradient_and_hessian_match_finite_differences() {
        let lr = problem();
        let p = [0.7, -0.3];
        let h = 1e-6;
        let (_, gradient) = lr.value_and_gradient(p);
        let hessian = lr.hessian(p);
        for k in 0..2 {
            let (mut plus, mut minus) = (p, p);
            plus[k] += h;
            minus[k] -= h;
            let difference = (lr.value(plus) - lr.value(minus)) / (2.0 * h);
            assert!((difference - gradient[k]).abs() < 1e-8);
            let (g_plus, g_minus) = (
                lr.value_and_gradient(plus).1,
                lr.value_and_gradient(minus).1,
            );
            for row in 0..2 {
                let column = (g_plus[row] - g_minus[row]) / (2.0 * h);
                assert!((column - hessian[row][k]).abs() < 1e-8);
            }
        }
    }

    #[test]
    fn minimizer_has_zero_gradient() {
        for (n, seed) in [(64, 0), (1, 3), (500, 9)] {
            let lr = LogisticProblem::new(Classification::generate(n, seed));
            let Minimizers::Points(points) = lr.minimizers() else {
                panic!("logistic regression has a unique minimizer");
            };
            let m = &points[0];
            assert_eq!(lr.distance_to_minimizer(m.point), Some(0.0));
            let (value, gradient) = lr.value_and_gradient(m.point);
            assert!(
                gradient[0].hypot(gradient[1]) < 1e-13,
                "n = {n}: {gradient:?}"
            );
            assert!((value - m.value).abs() < 1e-15);
            assert!(m.curvature[0] >= RIDGE && m.curvature[0] <= m.curvature[1]);
        }
        // Defaults: the minimizer points along (1, −0.5), the direction that made the labels.
        let Minimizers::Points(points) = problem().minimizers() else {
            panic!("logistic regression has a unique minimizer");
        };
        let x = points[0].point;
        assert!(x[0] > 0.0 && x[1] < 0.0);
        let w = problem().view();
        for p in [x, START] {
            assert!(w.x_min < p[0] && p[0] < w.x_max && w.y_min < p[1] && p[1] < w.y_max);
        }
    }

    #[test]
    fn separable_data_have_no_minimizer_and_a_max_margin_direction() {
        let config = Logistic {
            separable: true,
            ..Logistic::default()
        };
        let data = Classification::generate_with_flips(64, 0, false);
        let lr = LogisticProblem::separable(data.clone());
        assert_eq!(
            config.to_landscape().value([0.7, 0.1]),
            lr.value([0.7, 0.1])
        );
        let Some(MaxMargin { direction, margin }) = lr.max_margin() else {
            panic!("clean labels are separable");
        };
        // Every sample on its side with at least the margin; (1, −0.5) separates too.
        for (a, y) in data.features.iter().zip(&data.labels) {
            assert!(y * dot(*a, direction) >= margin * (1.0 - 1e-9));
            assert!(y * dot(*a, [1.0, -0.5]) >= 0.0);
        }
        assert!(dot(direction, [1.0, -0.5]) > 0.0);
        // No minimizer: the loss keeps falling along the separator, towards 0.
        let far = [100.0 * direction[0], 100.0 * direction[1]];
        assert!(lr.value(far) < lr.value([direction[0], direction[1]]));
        assert!(lr.value(far) < 1e-3 && lr.value(far) > 0.0);
        assert!(matches!(
            lr.minimizers(),
            Minimizers::Set { value: 0.0, .. }
        ));
        assert_eq!(lr.distance_to_minimizer(far), None);
        // The features are those of the noisy set: only labels differ.
        assert_eq!(data.features, Classification::generate(64, 0).features);
        assert_eq!(
            LogisticProblem::new(Classification::generate(64, 0)).max_margin(),
            None
        );
    }

    #[test]
    fn validation() {
        let mut checker = Checker::new();
        Logistic::default().validate(&mut checker);
        assert!(checker.found.is_empty());
        Logistic {
            n: 0,
            ..Logistic::default()
        }
        .validate(&mut checker);
        assert_eq!(checker.found.len(), 1);
        assert_eq!(checker.found[0].path, "n");
    }
}
