//! SAGA (Defazio, Bach & Lacoste-Julien 2014): single-sample steps corrected by a table of the
//! last gradient seen for every sample. Not a torch.optim class.
//!
//! For a finite sum f = (1/n) Σᵢ fᵢ, with a table of stored gradients φᵢ and their mean φ̄:
//!
//! ```text
//! first step:  φᵢ ← ∇fᵢ(x₀) for every i,  φ̄ ← (1/n) Σᵢ φᵢ                  (n sample gradients)
//! each step:   j ~ Uniform{0, …, n − 1},  g ← ∇fⱼ(x)                      (1 sample gradient)
//!              x ← x − lr · (g − φⱼ + φ̄)
//!              φ̄ ← φ̄ + (g − φⱼ) / n,  φⱼ ← g                              (O(dim))
//! ```
//!
//! g − φⱼ + φ̄ is an unbiased estimate of ∇f(x) (E[φⱼ] = φ̄) whose variance vanishes as the iterate
//! and every stored gradient approach x* — SVRG's idea without its periodic full gradients, at the
//! price of n·dim memory. With a constant lr SAGA converges linearly on strongly convex sums (the
//! paper's Theorem 1, lr = 1/(2(μn + L))), where constant-lr SGD stalls at a noise floor. The
//! estimate uses the table before the update, as in the paper. The very first step is a full
//! gradient step: just after the table is filled g = φⱼ (without gradient noise) and v = φ̄ =
//! ∇f(x₀).
//!
//! The table is allocated on the first step, when n becomes known from the oracle, and filled there
//! at the start point at the cost of n sample gradients (counted by the oracle); it is refilled if
//! n or the dimension changes. The run's batch size is ignored (single indices from the run's
//! seeded generator); gradient noise and clipping apply to every sample gradient, and a noisy
//! gradient stays in the table until its sample is drawn again. On plain functions, where
//! n = 1, the table holds the last gradient and v = g − φ + φ = g up to rounding: SAGA is gradient
//! descent. On the LASSO the sample gradients are subgradients of fᵢ = ½(aᵢᵀx − bᵢ)² + λ‖x‖₁ (no
//! proximal step; the paper's composite form would need the smooth part per sample, which the
//! oracle does not offer).
//!
//! Default (chosen here; the paper has none): lr = 0.01. The theory asks for lr ≤ 1/(3L), L the
//! largest smoothness constant of the fᵢ; the default `LeastSquares` has L = maxᵢ ‖aᵢ‖² ≈ 51, where
//! lr = 0.01 ≈ 1/(2L) converges linearly (tenfold per 10 epochs), lr = 0.02 still converges and
//! lr = 0.05 diverges. Validation: lr > 0.
//!
//! Reference: A. Defazio, F. Bach & S. Lacoste-Julien, "SAGA: a fast incremental gradient method
//! with support for non-strongly convex composite objectives", NeurIPS 2014 (Section 2).

use nalgebra::DVector;
use rand::Rng;
use serde::{Deserialize, Serialize};

use super::{Optimizer, OptimizerSpec, Quantity, StepInfo, StepOutcome, ensure_len};
use crate::hyper::hyper_table;
use crate::objective::Oracle;

/// Hyperparameters of SAGA.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SagaConfig {
    /// Step size γ.
    pub lr: f64,
}

hyper_table! {
    SagaConfig, owner: Self::DISPLAY_NAME, defaults {};
    lr = 0.01: log_float(1e-5, 1.0) where positive,
        "x ← x − lr·(∇fⱼ(x) − φⱼ + mean(φ)), then φⱼ ← ∇fⱼ(x)";
}

impl OptimizerSpec for SagaConfig {
    crate::optim::spec_names! {
        "SAGA": "SAGA (Defazio et al. 2014): SGD corrected by a table of per-sample gradients"
    }

    crate::optim::no_stability_threshold!(NotDerived);

    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        Box::new(Saga {
            config: self.clone(),
            table: Vec::new(),
            samples: 0,
            mean: DVector::zeros(dim),
            grad: DVector::zeros(dim),
            has_table: false,
            explained: SagaExplained {
                steps: 0,
                lr: 0.0,
                index: 0,
                stored: DVector::zeros(dim),
                mean: DVector::zeros(dim),
            },
        })
    }
}

/// SAGA's state: the gradient table (row i = φᵢ, row-major n × dim) and its mean.
pub struct Saga {
    config: SagaConfig,
    table: Vec<f64>,
    samples: usize,
    mean: DVector<f64>,
    grad: DVector<f64>,
    has_table: bool,
    explained: SagaExplained,
}

/// The latest step's inputs that the step overwrites, for [`Optimizer::explain`] (preallocated
/// copies: no allocation per step).
struct SagaExplained {
    steps: u64,
    lr: f64,
    /// The sample index j.
    index: usize,
    /// φⱼ before the step replaced it.
    stored: DVector<f64>,
    /// φ̄ before the step updated it.
    mean: DVector<f64>,
}

impl Saga {
    /// φᵢ ← ∇fᵢ(x) for all n samples, and their mean (allocates only when n·dim changes).
    fn fill_table(&mut self, x: &DVector<f64>, oracle: &mut Oracle, n: usize) {
        let dim = x.len();
        self.table.resize(n * dim, 0.0);
        self.samples = n;
        self.mean.fill(0.0);
        for (i, row) in self.table.chunks_exact_mut(dim).enumerate() {
            oracle.sample_value_and_grad(x, i, &mut self.grad);
            row.copy_from_slice(self.grad.as_slice());
            self.mean += &self.grad;
        }
        self.mean /= n as f64;
        self.has_table = true;
    }
}

impl Optimizer for Saga {
    fn step(&mut self, x: &mut DVector<f64>, oracle: &mut Oracle) -> StepInfo {
        let n = oracle.num_samples();
        let dim = x.len();
        if n == 0 || dim == 0 {
            return StepInfo {
                loss: f64::NAN,
                outcome: StepOutcome::Failed(
                    "SAGA needs a sum of at least one term in at least one dimension".to_owned(),
                ),
            };
        }
        ensure_len(&mut self.mean, dim);
        ensure_len(&mut self.grad, dim);
        if !self.has_table || self.samples != n || self.table.len() != n * dim {
            self.fill_table(x, oracle, n);
        }
        let j = oracle.rng().random_range(0..n);
        let loss = oracle.sample_value_and_grad(x, j, &mut self.grad);
        let lr = self.config.lr;
        let scale = 1.0 / n as f64;
        let row = &mut self.table[j * dim..(j + 1) * dim];
        let explained = &mut self.explained;
        ensure_len(&mut explained.stored, dim);
        ensure_len(&mut explained.mean, dim);
        explained.stored.as_mut_slice().copy_from_slice(row);
        explained.mean.copy_from(&self.mean);
        (explained.lr, explained.index) = (lr, j);
        explained.steps += 1;
        for (((p, stored), mean), &g) in x
            .iter_mut()
            .zip(row.iter_mut())
            .zip(self.mean.iter_mut())
            .zip(self.grad.iter())
        {
            *p -= lr * (g - *stored + *mean);
            *mean += (g - *stored) * scale;
            *stored = g;
        }
        StepInfo::proceed(loss)
    }

    crate::optim::config_edits!();

    fn reset(&mut self) {
        // Keeps the allocation; the next step refills the table at its iterate.
        self.has_table = false;
        self.explained.steps = 0;
    }

    fn explain(&self) -> Vec<Quantity> {
        let e = &self.explained;
        crate::optim::explain_once_stepped(e.steps > 0, || {
            let lr = e.lr;
            let correction: Vec<f64> = e
                .mean
                .iter()
                .zip(e.stored.iter())
                .map(|(mean, stored)| mean - stored)
                .collect();
            crate::optim::quantities![
                scalar "j" = "the sample drawn, uniform in {0, …, n − 1}" => e.index as f64,
                vector "g" = "∇fⱼ(x), the sample gradient" => self.grad.as_slice(),
                vector "φⱼ" = "the gradient stored for sample j" => e.stored.as_slice(),
                vector "φ̄" = "(1/n) Σᵢ φᵢ, the table's mean" => e.mean.as_slice(),
                vector "v" =
                    "g − φⱼ + φ̄: unbiased, low variance near x*"
                    => &self.grad.iter().zip(&correction).map(|(g, c)| g + c).collect::<Vec<_>>(),
                arrow Gradient "−lr·g" = "the plain SGD step with this sample"
                    => self.grad.iter().map(|g| -lr * g),
                arrow Momentum "−lr·(φ̄ − φⱼ)" =
                    "the correction from the stored gradients (past information, like momentum)"
                    => correction.iter().map(|c| -lr * c),
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::optim::OptimizerConfig;
    use crate::optim::test_support::oracle_for;
    use std::sync::Arc;

    use super::*;
    use crate::validate::Checker;

    use crate::landscape::{
        Landscape, LandscapeObjective, LandscapeSpec, LeastSquares, Minimizers, Quadratic,
    };
    use crate::objective::GradientModel;
    use crate::optim::SgdConfig;

    fn least_squares() -> (Arc<dyn Landscape>, DVector<f64>) {
        let landscape = LeastSquares::default().build();
        let Minimizers::Points(points) = landscape.minimizers() else {
            panic!("least squares has a unique minimizer");
        };
        let optimum = DVector::from_row_slice(&points[0].point);
        (landscape, optimum)
    }

    #[test]
    fn two_steps_on_least_squares_match_the_table_update() {
        // Replays the draws: step 1 is the full gradient step (the table was just filled at x₀);
        // step 2 uses φⱼ = ∇fⱼ(x₀) for the drawn j, unless j was drawn at step 1 too, in which
        // case φⱼ = ∇fⱼ(x₀) still (step 1 stored the gradient at x₀).
        let (landscape, _) = least_squares();
        let mut optimizer = SagaConfig { lr: 0.01 }.build(2);
        let mut oracle = oracle_for(landscape.clone());
        let mut replay = oracle_for(landscape.clone());
        let x0 = [-1.0, 2.0];
        let mut x = DVector::from_row_slice(&x0);
        optimizer.step(&mut x, &mut oracle);
        let (_, full) = landscape.value_and_gradient(x0);
        let x1 = [x[0], x[1]];
        for k in 0..2 {
            assert!((x1[k] - (x0[k] - 0.01 * full[k])).abs() < 1e-14);
        }
        let _first = replay.rng().random_range(0..64usize);
        let second = replay.rng().random_range(0..64usize);
        optimizer.step(&mut x, &mut oracle);
        let (_, g) = landscape.sample_value_and_gradient(x1, &[second]);
        let (_, stored) = landscape.sample_value_and_gradient(x0, &[second]);
        for k in 0..2 {
            let expected = x1[k] - 0.01 * (g[k] - stored[k] + full[k]);
            assert!((x[k] - expected).abs() < 1e-14);
        }
        // n gradients to fill the table, then one per step.
        assert_eq!(oracle.counts().sample_gradients, 64 + 2);
    }

    #[test]
    fn on_a_plain_function_it_is_gradient_descent() {
        let quadratic = Quadratic {
            lambda1: 1.0,
            lambda2: 4.0,
            angle_deg: 30.0,
        };
        let lr = 0.15;
        let mut saga = SagaConfig { lr }.build(2);
        let mut gd = OptimizerConfig::Sgd(SgdConfig {
            lr,
            ..SgdConfig::default()
        })
        .build(2);
        let mut saga_oracle = oracle_for(Arc::new(quadratic.clone()));
        let mut gd_oracle = oracle_for(Arc::new(quadratic));
        let mut x = DVector::from_vec(vec![1.0, -0.5]);
        let mut y = x.clone();
        for _ in 0..50 {
            saga.step(&mut x, &mut saga_oracle);
            gd.step(&mut y, &mut gd_oracle);
            assert!((&x - &y).amax() < 1e-14, "{x:?} vs {y:?}");
        }
    }

    #[test]
    fn converges_linearly_on_least_squares() {
        let (landscape, optimum) = least_squares();
        let n = landscape.num_samples();
        let mut optimizer = SagaConfig { lr: 0.01 }.build(2);
        let mut oracle = oracle_for(landscape);
        let mut x = DVector::from_vec(vec![-1.0, 2.0]);
        let mut errors = vec![(&x - &optimum).norm()];
        for _ in 0..60 {
            for _ in 0..n {
                optimizer.step(&mut x, &mut oracle);
            }
            errors.push((&x - &optimum).norm());
        }
        // Linear convergence: every 10 epochs (640 steps) the distance to x* shrinks at least
        // tenfold, down to rounding (the distance itself is not monotone: SAGA's Lyapunov function
        // decreases in expectation, not ‖x − x*‖ at every step).
        for k in (0..50).step_by(10) {
            if errors[k] > 1e-12 {
                assert!(errors[k + 10] < 0.1 * errors[k], "epoch {k}: {errors:?}");
            }
        }
        assert!(errors[60] < 1e-12, "{errors:?}");
    }

    #[test]
    fn sgd_with_the_same_lr_stalls_where_saga_does_not() {
        let (landscape, optimum) = least_squares();
        let mut sgd =
            OptimizerConfig::Sgd(crate::optim::test_support::with_lr::<SgdConfig>(0.01)).build(2);
        let mut oracle = Oracle::new(
            Arc::new(LandscapeObjective::new(landscape)),
            GradientModel {
                batch_size: Some(1),
                ..GradientModel::default()
            },
            0,
        );
        let mut x = DVector::from_vec(vec![-1.0, 2.0]);
        for _ in 0..64 * 30 {
            oracle.begin_step();
            sgd.step(&mut x, &mut oracle);
        }
        assert!((&x - &optimum).norm() > 1e-3);
    }

    #[test]
    fn converges_on_rosenbrock_as_gradient_descent() {
        crate::optim::test_support::assert_solves_rosenbrock(
            &SagaConfig { lr: 1e-3 },
            [-1.0, 1.0],
            50_000,
            [1e-3, 2e-3],
        );
    }

    #[test]
    fn validation_and_live_edits() {
        let mut checker = Checker::new();
        SagaConfig { lr: -0.1 }.validate(&mut checker);
        assert_eq!(checker.found.len(), 1);
        assert_eq!(checker.found[0].path, "lr");

        let (landscape, _) = least_squares();
        let mut optimizer = SagaConfig { lr: 0.01 }.build(2);
        let mut oracle = oracle_for(landscape);
        let mut x = DVector::from_vec(vec![-1.0, 2.0]);
        optimizer.step(&mut x, &mut oracle);
        // A live edit keeps the table: one more sample gradient only.
        assert!(optimizer.set_config(&OptimizerConfig::Saga(SagaConfig { lr: 0.02 })));
        optimizer.step(&mut x, &mut oracle);
        assert_eq!(oracle.counts().sample_gradients, 64 + 2);
        // Reset refills it at the current iterate.
        optimizer.reset();
        optimizer.step(&mut x, &mut oracle);
        assert_eq!(oracle.counts().sample_gradients, 2 * 64 + 3);
        assert!(!optimizer.set_config(&OptimizerConfig::default()));
    }
}
