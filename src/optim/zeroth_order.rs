//! Zeroth-order (derivative-free) gradient descent with the two-point random-direction estimate of
//! Nesterov & Spokoiny (2017) and Duchi et al. (2015): the method sees loss values only, never
//! gradients. Not a torch.optim class.
//!
//! With D = `directions` Gaussian directions uₖ ~ N(0, I) per step, from the run's generator:
//!
//! ```text
//! ĝ ← (1/D) · Σₖ [(f(x + mu·uₖ) − f(x − mu·uₖ)) / (2·mu)] · uₖ        (2·D loss evaluations)
//! x ← x − lr · ĝ
//! ```
//!
//! ĝ is an unbiased estimate of ∇f_mu(x), the gradient of the Gaussian smoothing
//! f_mu(x) = E f(x + mu·u), which is within O(mu) of ∇f for smooth f; for a quadratic the central
//! difference is exact, so E ĝ = E[u uᵀ]∇f = ∇f. Its noise grows with the dimension: on a
//! quadratic, E‖ĝ‖² = (dim + 2)·‖∇f‖² for one direction and ‖∇f‖²·(1 + (dim + 1)/D) for D.
//! So with few directions zeroth-order descent needs an lr about dim + 2 times smaller than
//! gradient descent's, and that many more steps (Nesterov & Spokoiny's bounds; Duchi et al. show
//! that the dimension factor is unavoidable for methods that see two values per step). Averaging
//! over more directions lowers the variance at a proportional cost. The noise vanishes where ∇f
//! does, so on smooth problems a constant lr converges, up to the O(mu) smoothing bias (no noise
//! floor).
//!
//! Every evaluation goes through the oracle's `value` (counted as loss evaluations; no gradient is
//! ever taken), on the step's minibatch when the run has a batch size, so both points of a pair see
//! the same batch. The evaluation points are not drawn as probes: they are not trials of the step
//! but samples of the landscape around x. The loss reported for the step is the mean of the 2·D
//! evaluations, f(x) + O(mu²) for smooth f, so that no extra evaluation at x is spent on it.
//!
//! Defaults (chosen here): lr = 1e-3 (torch's SGD default), mu = 1e-3 (small enough that the
//! smoothing bias is negligible on the landscapes, large enough that the difference quotient keeps
//! ~10 significant digits), directions = 1 (the cheapest, noisiest estimate). Validation: lr > 0,
//! mu > 0, 1 ≤ directions ≤ 10 000.
//!
//! References: Y. Nesterov & V. Spokoiny, "Random gradient-free minimization of convex functions",
//! Foundations of Computational Mathematics 17(2), 2017 (the Gaussian smoothing and the two-point
//! estimates); J. C. Duchi, M. I. Jordan, M. J. Wainwright & A. Wibisono, "Optimal rates for
//! zero-order convex optimization: the power of two function evaluations", IEEE Transactions on
//! Information Theory 61(5), 2015.

use nalgebra::DVector;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

use super::{Optimizer, OptimizerSpec, Quantity, StepInfo, ensure_len};
use crate::hyper::hyper_table;
use crate::objective::Oracle;

/// Most directions per step.
const MAX_DIRECTIONS: u64 = 10_000;

/// Hyperparameters of zeroth-order gradient descent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ZerothOrderConfig {
    /// Step size along the estimated gradient.
    pub lr: f64,
    /// Smoothing radius: the distance of the two evaluation points from x along u.
    pub mu: f64,
    /// Random directions averaged per step (2 loss evaluations each).
    pub directions: u64,
}

hyper_table! {
    ZerothOrderConfig, owner: Self::DISPLAY_NAME, defaults {};
    lr = 1e-3: log_float(1e-5, 1.0) where positive, "x ← x − lr·ĝ";
    mu = 1e-3: log_float(1e-8, 1.0) where positive,
        "ĝ ← mean over u ~ N(0, I) of (f(x + mu·u) − f(x − mu·u))/(2·mu)·u";
    directions = 1: int(1, 100) where count_in_range(1, MAX_DIRECTIONS),
        "random directions u averaged per step (2 loss evaluations each)";
}

impl OptimizerSpec for ZerothOrderConfig {
    crate::optim::spec_names! {
        "Zeroth-order":
        "Zeroth-order (Nesterov & Spokoiny 2017): two-point random-direction estimates"
    }

    crate::optim::no_stability_threshold!(NotDerived);

    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        Box::new(ZerothOrder {
            config: self.clone(),
            direction: DVector::zeros(dim),
            point: DVector::zeros(dim),
            estimate: DVector::zeros(dim),
            explained: ZerothOrderExplained::default(),
        })
    }
}

/// Zeroth-order descent's scratch buffers (the method keeps no state between steps; its
/// randomness is the run's generator).
pub struct ZerothOrder {
    config: ZerothOrderConfig,
    direction: DVector<f64>,
    point: DVector<f64>,
    estimate: DVector<f64>,
    explained: ZerothOrderExplained,
}

/// The latest step's scalars, for [`Optimizer::explain`] (the last direction and ĝ stay in the
/// state).
#[derive(Clone, Copy, Default)]
struct ZerothOrderExplained {
    steps: u64,
    lr: f64,
    mu: f64,
    directions: u64,
    /// (f(x + mu·u) − f(x − mu·u)) / (2·mu) for the last direction u.
    last_slope: f64,
}

impl ZerothOrder {
    /// Writes the two-point estimate ĝ at `x` into `self.estimate`; returns the mean loss of the
    /// evaluations.
    fn estimate_gradient(&mut self, x: &DVector<f64>, oracle: &mut Oracle) -> f64 {
        let ZerothOrderConfig { mu, directions, .. } = self.config;
        // An unvalidated 0 still takes one direction rather than dividing by zero.
        let directions = directions.clamp(1, MAX_DIRECTIONS);
        self.estimate.fill(0.0);
        let mut loss_sum = 0.0;
        for _ in 0..directions {
            for u in self.direction.iter_mut() {
                *u = StandardNormal.sample(oracle.rng());
            }
            self.point.copy_from(x);
            self.point.axpy(mu, &self.direction, 1.0);
            let plus = oracle.value(&self.point);
            self.point.copy_from(x);
            self.point.axpy(-mu, &self.direction, 1.0);
            let minus = oracle.value(&self.point);
            let slope = (plus - minus) / (2.0 * mu);
            self.explained.last_slope = slope;
            self.estimate.axpy(slope, &self.direction, 1.0);
            loss_sum += plus + minus;
        }
        self.estimate /= directions as f64;
        self.explained.steps += 1;
        (self.explained.mu, self.explained.directions) = (mu, directions);
        loss_sum / (2 * directions) as f64
    }
}

impl Optimizer for ZerothOrder {
    fn step(&mut self, x: &mut DVector<f64>, oracle: &mut Oracle) -> StepInfo {
        ensure_len(&mut self.direction, x.len());
        ensure_len(&mut self.point, x.len());
        ensure_len(&mut self.estimate, x.len());
        let loss = self.estimate_gradient(x, oracle);
        self.explained.lr = self.config.lr;
        x.axpy(-self.config.lr, &self.estimate, 1.0);
        StepInfo::proceed(loss)
    }

    crate::optim::stateless::stateless_edits!(explained.steps);

    fn explain(&self) -> Vec<Quantity> {
        let e = &self.explained;
        crate::optim::explain_once_stepped(e.steps > 0, || {
            crate::optim::quantities![
                scalar "D" = "random directions averaged (2·D loss evaluations)"
                    => e.directions as f64,
                scalar "mu" = "the difference step" => e.mu,
                vector "u_D" = "the last direction, ~ N(0, I)" => self.direction.as_slice(),
                scalar "slope_D" =
                    "(f(x + mu·u_D) − f(x − mu·u_D)) / (2·mu): a directional derivative"
                    => e.last_slope,
                vector "ĝ" = "(1/D)·Σₖ slopeₖ·uₖ: an unbiased estimate of ∇f_mu(x)"
                    => self.estimate.as_slice(),
                arrow Gradient "−lr·ĝ" =
                    "the whole step, along the estimated gradient (the method never sees ∇f)"
                    => self.estimate.iter().map(|g| -e.lr * g),
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::optim::OptimizerConfig;
    use crate::optim::test_support::oracle_for;
    use std::sync::Arc;

    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;

    use crate::landscape::{Quadratic, Rosenbrock};

    fn quadratic() -> Quadratic {
        Quadratic::axis_aligned(1.0, 4.0)
    }

    #[test]
    fn one_step_replays_the_run_generator() {
        // f = ½(x² + 4y²) at (1, 1), ∇f = (1, 4). On a quadratic the central difference is exact:
        // (f(x + mu·u) − f(x − mu·u))/(2mu) = ∇f·u, so x₁ = x₀ − lr·(∇f·u)·u for the u the oracle's
        // generator (seed 0) draws, up to the rounding of the difference quotient.
        let mut optimizer = ZerothOrderConfig {
            lr: 0.1,
            mu: 1e-3,
            directions: 1,
        }
        .build(2);
        let mut oracle = oracle_for(Arc::new(quadratic()));
        let mut x = DVector::from_vec(vec![1.0, 1.0]);
        let info = optimizer.step(&mut x, &mut oracle);
        let mut rng = ChaCha8Rng::seed_from_u64(0);
        let u: [f64; 2] = [
            StandardNormal.sample(&mut rng),
            StandardNormal.sample(&mut rng),
        ];
        let slope = u[0] + 4.0 * u[1];
        assert!((x[0] - (1.0 - 0.1 * slope * u[0])).abs() < 1e-10);
        assert!((x[1] - (1.0 - 0.1 * slope * u[1])).abs() < 1e-10);
        // Mean of f(x ± mu·u) = f(x) + ½mu²·uᵀAu.
        let bias = 0.5 * 1e-6 * (u[0] * u[0] + 4.0 * u[1] * u[1]);
        assert!((info.loss - (2.5 + bias)).abs() < 1e-12);
        let counts = oracle.counts();
        assert_eq!((counts.values, counts.gradients), (2, 0));
    }

    #[test]
    fn the_estimate_averaged_over_many_directions_approaches_the_gradient() {
        let directions = 100_000;
        let mut optimizer = ZerothOrder {
            config: ZerothOrderConfig {
                lr: 1.0,
                mu: 1e-4,
                directions: 10_000,
            },
            direction: DVector::zeros(2),
            point: DVector::zeros(2),
            estimate: DVector::zeros(2),
            explained: ZerothOrderExplained::default(),
        };
        let mut oracle = oracle_for(Arc::new(Rosenbrock::default()));
        let x = DVector::from_vec(vec![-0.5, 0.5]);
        let mut mean = DVector::zeros(2);
        for _ in 0..directions / 10_000 {
            optimizer.estimate_gradient(&x, &mut oracle);
            mean += &optimizer.estimate / 10.0;
        }
        let mut exact = DVector::zeros(2);
        oracle.value_and_grad(&x, &mut exact);
        // The per-coordinate standard deviation of one direction's term is
        // √(‖∇f‖² + ∇fᵢ²) ≤ √2·‖∇f‖; over 10⁵ directions that is ≤ 0.45 % of ‖∇f‖.
        let error = (&mean - &exact).norm() / exact.norm();
        assert!(
            error < 0.02,
            "{mean:?} vs {exact:?}: relative error {error}"
        );
        assert_eq!(oracle.counts().values, 2 * directions);
    }

    #[test]
    fn converges_on_a_quadratic_from_values_alone() {
        let mut optimizer = ZerothOrderConfig {
            lr: 0.05,
            mu: 1e-3,
            directions: 2,
        }
        .build(2);
        let mut oracle = oracle_for(Arc::new(Quadratic {
            angle_deg: 30.0,
            ..quadratic()
        }));
        let mut x = DVector::from_vec(vec![1.0, -1.0]);
        for _ in 0..2000 {
            optimizer.step(&mut x, &mut oracle);
        }
        assert!(x.norm() < 1e-6, "{x:?}");
        assert_eq!(oracle.counts().gradients, 0);
        assert_eq!(oracle.counts().values, 2 * 2 * 2000);
    }

    #[test]
    fn makes_progress_on_rosenbrock() {
        let zeroth_order = ZerothOrderConfig {
            lr: 1e-3,
            mu: 1e-4,
            directions: 4,
        };
        crate::optim::test_support::assert_reduces_rosenbrock(
            &zeroth_order,
            [-1.0, 1.0],
            20_000,
            0.01,
        );
    }

    #[test]
    fn validation_and_live_edits() {
        let paths = crate::optim::test_support::validation_paths(&ZerothOrderConfig {
            lr: 0.0,
            mu: -1.0,
            directions: 0,
        });
        assert_eq!(paths, ["lr", "mu", "directions"]);

        let mut optimizer = ZerothOrderConfig::default().build(2);
        let mut oracle = oracle_for(Arc::new(quadratic()));
        let mut x = DVector::from_vec(vec![1.0, 1.0]);
        optimizer.step(&mut x, &mut oracle);
        let edited = OptimizerConfig::ZerothOrder(ZerothOrderConfig {
            directions: 3,
            ..ZerothOrderConfig::default()
        });
        assert!(optimizer.set_config(&edited));
        optimizer.step(&mut x, &mut oracle);
        optimizer.reset();
        optimizer.step(&mut x, &mut oracle);
        assert_eq!(oracle.counts().values, 2 + 6 + 6);
        assert!(!optimizer.set_config(&OptimizerConfig::default()));
    }
}
