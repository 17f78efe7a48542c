//! Label noise: a valley of minimizers whose flattest point SGD with label noise drifts to.
//!
//! A model h(x, y) = y·√(1 + x²) fitted with the square loss to n = 64 samples of label 0, each
//! carrying a fresh label noise ε ~ N(0, σ²) whenever it is drawn. A minibatch of b samples
//! (a run's `batch_size`) sees the mean label noise ε ~ N(0, σ²/b), drawn at every step from the
//! run's seed: its loss is ½(h − ε)², with gradient (h − ε)·∇h, ∇h = (y·x/√(1 + x²), √(1 + x²)).
//! The full objective, which runs without a batch size (gradient descent) step on, is the expected
//! loss ½h² + ½σ²; the landscape drawn, and the loss reported, is its noise-free part
//! f(x, y) = ½h² = ½y²(1 + x²), whose gradient (x·y², y·(1 + x²)) is the noisy gradient's mean.
//! Domain ℝ².
//!
//! The minimizers are the line y = 0 (f* = 0), with Hessian diag(0, 1 + x²) there: curvature 1 + x²
//! across the valley, 1 at the flattest point x = 0; the distance to the set is |y|. Gradient descent
//! from a point of the line stays where it is. With label noise, y fluctuates around 0 with
//! variance ≈ lr·σ²/(2b), and the x component −lr·h·∂h/∂x = −lr·x·y² of each step pulls x towards 0 on
//! average: x shrinks like exp(−lr²σ²t/(2b)), so the iterate drifts along the valley to the flattest
//! minimizer — SGD with label noise implicitly minimizes the trace of the Hessian (Blanc et al.
//! 2020, Damian et al. 2021). Isotropic gradient noise (`noise_sigma`) of the same size does not:
//! it kicks x both ways and x diffuses along the line.
//!
//! References: G. Blanc, N. Gupta, G. Valiant & P. Valiant, "Implicit regularization for deep neural
//! networks driven by an Ornstein-Uhlenbeck like process", COLT 2020; A. Damian, T. Ma & J. D.
//! Lee, "Label noise SGD provably prefers flat global minimizers", NeurIPS 2021.
//! Defaults: sigma = 0.5, n = 64 samples; view [−3, 3] × [−1.5, 1.5]; start (2, 0).

use num_dual::DualNum;
use serde::{Deserialize, Serialize};

use super::autodiff::{self, DualFormula};
use super::{Landscape, LandscapeSpec, Minimizers, Point, ViewWindow};
use crate::hyper::hyper_table;

/// Number of samples: every one is the same input, with its own fresh label noise.
const SAMPLES: usize = 64;

/// ½(y·√(1 + x²) − ε)² with a fresh label noise ε ~ N(0, σ²) every step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LabelNoise {
    /// Standard deviation σ of the label noise drawn at every step (0: plain GD on ½h²).
    pub sigma: f64,
}

impl Default for LabelNoise {
    fn default() -> Self {
        Self { sigma: 0.5 }
    }
}

impl DualFormula for LabelNoise {
    fn eval<D: DualNum<Primitive = f64> + Copy>(&self, x: D, y: D) -> D {
        y * y * (x * x + 1.0) * 0.5
    }
}

hyper_table! {
    LabelNoise, owner: "LabelNoise";
    sigma: float(0.0, 2.0) where non_negative,
        "Standard deviation σ of the label noise drawn at every step (0: plain GD on ½h²)";
}

impl LandscapeSpec for LabelNoise {
    const DESCRIPTION: &'static str = "½(y·√(1 + x²) − ε)², fresh label noise ε each step: SGD drifts to the flattest minimizer (sigma)";

    fn num_samples(&self) -> usize {
        SAMPLES
    }
}

impl Landscape for LabelNoise {
    autodiff::dual_formula_derivatives!();

    fn minimizers(&self) -> Minimizers {
        Minimizers::Set {
            description: "the line y = 0 (curvature 1 + x² across it)".to_owned(),
            value: 0.0,
            curvature: [0.0, 1.0],
        }
    }

    fn distance_to_minimizer(&self, p: Point) -> Option<f64> {
        Some(p[1].abs())
    }

    super::centred_view!(3.0, 1.5, start [2.0, 0.0]);

    fn num_samples(&self) -> usize {
        SAMPLES
    }

    fn label_noise_sigma(&self) -> f64 {
        self.sigma
    }

    /// ½(h − ε)² and (h − ε)·∇h with h = y·√(1 + x²).
    fn noisy_value_and_gradient(&self, p: Point, epsilon: f64) -> (f64, Point) {
        let [x, y] = p;
        let root = x.mul_add(x, 1.0).sqrt();
        let residual = y * root - epsilon;
        let gradient = [residual * y * x / root, residual * root];
        (0.5 * residual * residual, gradient)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use nalgebra::DVector;

    use super::*;
    use crate::landscape::LandscapeObjective;
    use crate::objective::{GradientModel, Objective, Oracle};

    #[test]
    fn without_noise_the_noisy_loss_is_the_plotted_one() {
        let f = LabelNoise::default();
        for p in [[2.0, 0.3], [-1.0, -0.7], [0.0, 1.0]] {
            let (value, gradient) = f.value_and_gradient(p);
            let (noisy, noisy_gradient) = f.noisy_value_and_gradient(p, 0.0);
            assert!((value - noisy).abs() < 1e-15, "{p:?}");
            for i in 0..2 {
                assert!((gradient[i] - noisy_gradient[i]).abs() < 1e-14, "{p:?}");
            }
        }
    }

    #[test]
    fn the_noisy_gradient_matches_finite_differences() {
        let f = LabelNoise::default();
        let (p, epsilon, h) = ([1.3, -0.4], 0.37, 1e-6);
        let (_, gradient) = f.noisy_value_and_gradient(p, epsilon);
        let loss = |q: Point| f.noisy_value_and_gradient(q, epsilon).0;
        let dx = (loss([p[0] + h, p[1]]) - loss([p[0] - h, p[1]])) / (2.0 * h);
        let dy = (loss([p[0], p[1] + h]) - loss([p[0], p[1] - h])) / (2.0 * h);
        assert!((gradient[0] - dx).abs() < 1e-8 && (gradient[1] - dy).abs() < 1e-8);
    }

    #[test]
    fn curvature_across_the_valley_is_one_plus_x_squared() {
        let f = LabelNoise::default();
        for x in [0.0, 1.0, 2.0] {
            let h = f.hessian([x, 0.0]);
            assert_eq!(h, [[0.0, 0.0], [0.0, 1.0 + x * x]]);
        }
    }

    #[test]
    fn the_oracle_draws_seeded_label_noise_once_per_step_for_minibatches() {
        let objective = Arc::new(LandscapeObjective::new(Arc::new(LabelNoise::default())));
        let minibatch = GradientModel {
            batch_size: Some(1),
            ..GradientModel::default()
        };
        let gradients = |seed: u64| {
            let mut oracle = Oracle::new(objective.clone(), minibatch, seed);
            assert!(oracle.is_stochastic());
            let (x, mut grad) = (DVector::from_vec(vec![2.0, 0.0]), DVector::zeros(2));
            (0..4)
                .map(|_| {
                    oracle.begin_step();
                    oracle.value_and_grad(&x, &mut grad);
                    let first = grad[1];
                    // Within a step every evaluation sees the same label.
                    oracle.value_and_grad(&x, &mut grad);
                    assert_eq!(grad[1], first);
                    first
                })
                .collect::<Vec<f64>>()
        };
        let (a, b, other) = (gradients(1), gradients(1), gradients(2));
        assert_eq!(a, b);
        assert_ne!(a, other);
        // At (2, 0) the gradient is −ε·(0, √5): nonzero and varying from step to step.
        assert!(a.iter().all(|g| *g != 0.0) && a[0] != a[1]);
        assert_eq!(objective.label_noise_sigma(), 0.5);
        // The full objective (no batch size) is the expected loss: no noise, zero gradient.
        let mut full = Oracle::new(objective.clone(), GradientModel::default(), 1);
        let (x, mut grad) = (DVector::from_vec(vec![2.0, 0.0]), DVector::zeros(2));
        full.begin_step();
        full.value_and_grad(&x, &mut grad);
        assert_eq!((grad[0], grad[1]), (0.0, 0.0));
        assert!(!full.is_stochastic());
    }

    #[test]
    fn a_batch_of_b_sees_label_noise_of_variance_sigma_squared_over_b() {
        let objective = Arc::new(LandscapeObjective::new(Arc::new(LabelNoise { sigma: 1.0 })));
        let (x, mut grad) = (DVector::from_vec(vec![0.0, 0.0]), DVector::zeros(2));
        for batch in [1, 16] {
            let model = GradientModel {
                batch_size: Some(batch),
                ..GradientModel::default()
            };
            let mut oracle = Oracle::new(objective.clone(), model, 7);
            let draws = 20_000;
            let mut sum_of_squares = 0.0;
            for _ in 0..draws {
                oracle.begin_step();
                // At the origin the gradient is −ε·(0, 1).
                oracle.value_and_grad(&x, &mut grad);
                sum_of_squares += grad[1] * grad[1];
            }
            let variance = sum_of_squares / draws as f64;
            let expected = 1.0 / batch as f64;
            assert!(
                (variance / expected - 1.0).abs() < 0.05,
                "b {batch}: {variance}"
            );
        }
    }
}
