//! SVRG, stochastic variance-reduced gradient (Johnson & Zhang 2013): single-sample steps whose
//! noise is cancelled by a control variate built from a periodic full-gradient snapshot. Not a
//! torch.optim class.
//!
//! For a finite sum f = (1/n) Σᵢ fᵢ, one optiviz step is one inner iteration of the paper's
//! Procedure SVRG (Option I: the next snapshot is the last iterate):
//!
//! ```text
//! every m steps (and at the first):  x̃ ← x,  μ ← ∇f(x̃) = (1/n) Σᵢ ∇fᵢ(x̃)   (n sample gradients)
//! each step:  i ~ Uniform{0, …, n − 1}                                       (2 sample gradients)
//!             v ← ∇fᵢ(x) − ∇fᵢ(x̃) + μ
//!             x ← x − lr · v
//! ```
//!
//! with m = `inner_steps`, and m = 2n when `inner_steps` = 0 (the default, the paper's choice for
//! convex problems; n is only known once the problem is, hence the 0). v is an unbiased estimate
//! of ∇f(x) whose variance vanishes as x and x̃ approach the minimizer x* (there every
//! ∇fᵢ(x) − ∇fᵢ(x̃) → 0 and μ → ∇f(x*) = 0), whereas SGD's variance (1/n) Σᵢ ‖∇fᵢ(x*)‖² does not:
//! so SVRG converges linearly with a constant lr on strongly convex sums, while constant-lr SGD
//! stalls at a noise floor. The first step after a snapshot is a full gradient step (x = x̃).
//! The snapshot x̃ is drawn as the run's second marker ([`Optimizer::auxiliary_point`]).
//!
//! Cost: 2 sample gradients per step plus n per snapshot, so n + 2m per epoch (counted by the
//! oracle in `sample_gradients`). The snapshot's μ is the oracle's exact full gradient (no noise,
//! no clipping); the two sample gradients get the run's gradient noise and clipping, each on its
//! own. The run's batch size is ignored: the method draws its own single indices from the run's
//! seeded generator. On problems that are not sums (n = 1) v = ∇f(x) − ∇f(x̃) + ∇f(x̃) = ∇f(x) up
//! to rounding: gradient descent at three times the cost. On the LASSO the sample gradients are the
//! subgradients of fᵢ = ½(aᵢᵀx − bᵢ)² + λ‖x‖₁ (no proximal step), so the iterate chatters across
//! the axes like plain subgradient methods do.
//!
//! Defaults (chosen here; the paper has none): lr = 0.01, inner_steps = 0 (m = 2n). The theory asks
//! for lr < 1/(4L), L the largest smoothness constant of the fᵢ; the default `LeastSquares` has L =
//! maxᵢ ‖aᵢ‖² ≈ 51, where lr = 0.01 ≈ 1/(2L) converges linearly and, as usual in practice, even lr
//! = 0.05 ≈ 2.5/L still converges. Validation: lr > 0.
//!
//! Reference: R. Johnson & T. Zhang, "Accelerating stochastic gradient descent using predictive
//! variance reduction", NeurIPS 2013 (Figure 1, Procedure SVRG, Option I).

use nalgebra::DVector;
use rand::Rng;
use serde::{Deserialize, Serialize};

use super::buffers::ensure_lens;
use super::{Optimizer, OptimizerSpec, Quantity, StepInfo, StepOutcome};
use crate::hyper::hyper_table;
use crate::objective::Oracle;

/// Hyperparameters of SVRG.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SvrgConfig {
    /// Step size η.
    pub lr: f64,
    /// Inner iterations m between snapshots; 0 means 2n (n = number of samples).
    pub inner_steps: u64,
}

hyper_table! {
    SvrgConfig, owner: Self::DISPLAY_NAME, defaults {};
    lr = 0.01: log_float(1e-5, 1.0) where positive, "x ← x − lr·(∇fᵢ(x) − ∇fᵢ(x̃) + μ)";
    inner_steps = 0: int(0, 1000), "steps m between snapshots x̃ ← x, μ ← ∇f(x̃) (0 = 2n)";
}

impl OptimizerSpec for SvrgConfig {
    crate::optim::spec_names! {
        "SVRG": "SVRG (Johnson & Zhang 2013): SGD + full-gradient snapshots every 2n steps"
    }

    crate::optim::no_stability_threshold!(NotDerived);

    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        Box::new(Svrg {
            config: self.clone(),
            snapshot: DVector::zeros(dim),
            full_grad: DVector::zeros(dim),
            sample_grad: DVector::zeros(dim),
            snapshot_sample_grad: DVector::zeros(dim),
            has_snapshot: false,
            since_snapshot: 0,
            explained: SvrgExplained::default(),
        })
    }
}

/// SVRG's state: the snapshot x̃, its full gradient μ and the steps taken since.
pub struct Svrg {
    config: SvrgConfig,
    snapshot: DVector<f64>,
    full_grad: DVector<f64>,
    sample_grad: DVector<f64>,
    snapshot_sample_grad: DVector<f64>,
    has_snapshot: bool,
    since_snapshot: u64,
    explained: SvrgExplained,
}

/// The latest step's scalars, for [`Optimizer::explain`] (its vectors stay in the state).
#[derive(Clone, Copy, Default)]
struct SvrgExplained {
    steps: u64,
    lr: f64,
    /// The sample index i.
    index: usize,
    /// Whether the step took a new snapshot first.
    fresh_snapshot: bool,
}

impl Svrg {
    /// Steps between snapshots for a sum of `n` terms.
    fn period(&self, n: usize) -> u64 {
        match self.config.inner_steps {
            0 => 2 * n as u64,
            m => m,
        }
    }
}

impl Optimizer for Svrg {
    fn step(&mut self, x: &mut DVector<f64>, oracle: &mut Oracle) -> StepInfo {
        let n = oracle.num_samples();
        if n == 0 {
            return StepInfo {
                loss: f64::NAN,
                outcome: StepOutcome::Failed("SVRG needs a sum of at least one term".to_owned()),
            };
        }
        let dim = x.len();
        ensure_lens(
            dim,
            [
                &mut self.snapshot,
                &mut self.full_grad,
                &mut self.sample_grad,
                &mut self.snapshot_sample_grad,
            ],
        );
        // `>=` so that lowering inner_steps live takes effect at once.
        let fresh_snapshot = !self.has_snapshot || self.since_snapshot >= self.period(n);
        if fresh_snapshot {
            self.snapshot.copy_from(x);
            oracle.full_value_and_grad(&self.snapshot, &mut self.full_grad);
            self.has_snapshot = true;
            self.since_snapshot = 0;
        }
        let i = oracle.rng().random_range(0..n);
        let loss = oracle.sample_value_and_grad(x, i, &mut self.sample_grad);
        oracle.sample_value_and_grad(&self.snapshot, i, &mut self.snapshot_sample_grad);
        let lr = self.config.lr;
        self.explained = SvrgExplained {
            steps: self.explained.steps + 1,
            lr,
            index: i,
            fresh_snapshot,
        };
        for (((p, &g), &g_snapshot), &mu) in x
            .iter_mut()
            .zip(self.sample_grad.iter())
            .zip(self.snapshot_sample_grad.iter())
            .zip(self.full_grad.iter())
        {
            *p -= lr * (g - g_snapshot + mu);
        }
        self.since_snapshot += 1;
        StepInfo::proceed(loss)
    }

    crate::optim::config_edits!();

    fn reset(&mut self) {
        self.has_snapshot = false;
        self.since_snapshot = 0;
        self.explained.steps = 0;
    }

    fn explain(&self) -> Vec<Quantity> {
        let e = &self.explained;
        crate::optim::explain_once_stepped(e.steps > 0, || {
            let correction: Vec<f64> = self
                .full_grad
                .iter()
                .zip(self.snapshot_sample_grad.iter())
                .map(|(mu, g)| mu - g)
                .collect();
            crate::optim::quantities![
                scalar "new snapshot" = "1 if this step set x̃ ← x and μ ← ∇f(x̃) first, else 0"
                    => if e.fresh_snapshot { 1.0 } else { 0.0 },
                vector "x̃" = "the snapshot" => self.snapshot.as_slice(),
                vector "μ" = "∇f(x̃) = (1/n) Σᵢ ∇fᵢ(x̃)" => self.full_grad.as_slice(),
                scalar "i" = "the sample drawn, uniform in {0, …, n − 1}" => e.index as f64,
                vector "∇fᵢ(x)" = "the sample gradient" => self.sample_grad.as_slice(),
                vector "∇fᵢ(x̃)" = "the same sample's gradient at the snapshot"
                    => self.snapshot_sample_grad.as_slice(),
                vector "v" =
                    "∇fᵢ(x) − ∇fᵢ(x̃) + μ: unbiased, low variance near x*"
                    => &self
                        .sample_grad
                        .iter()
                        .zip(&correction)
                        .map(|(g, c)| g + c)
                        .collect::<Vec<_>>(),
                arrow Gradient "−lr·∇fᵢ(x)" = "the plain SGD step with this sample"
                    => self.sample_grad.iter().map(|g| -e.lr * g),
                arrow Momentum "−lr·(μ − ∇fᵢ(x̃))" =
                    "the control variate, from the snapshot (past information, like momentum)"
                    => correction.iter().map(|c| -e.lr * c),
            ]
        })
    }

    fn auxiliary_point(&self) -> Option<&DVector<f64>> {
        self.has_snapshot.then_some(&self.snapshot)
    }
}

#[cfg(test)]
mod tests {
    use crate::optim::OptimizerConfig;
    use std::sync::Arc;

    use super::*;

    use crate::landscape::{
        Landscape, LandscapeObjective, LandscapeSpec, LeastSquares, Minimizers, Quadratic,
    };
    use crate::objective::GradientModel;
    use crate::optim::SgdConfig;

    fn oracle_for(landscape: Arc<dyn Landscape>, model: GradientModel) -> Oracle {
        Oracle::new(Arc::new(LandscapeObjective::new(landscape)), model, 0)
    }

    fn least_squares() -> (Arc<dyn Landscape>, DVector<f64>) {
        let landscape = LeastSquares::default().build();
        let Minimizers::Points(points) = landscape.minimizers() else {
            panic!("least squares has a unique minimizer");
        };
        let optimum = DVector::from_row_slice(&points[0].point);
        (landscape, optimum)
    }

    #[test]
    fn first_step_is_a_full_gradient_step_then_the_control_variate_by_hand() {
        // On a plain quadratic (n = 1) f = ½(x² + 4y²), lr = 0.1, from (1, 1):
        // step 1: x̃ = (1, 1), μ = (1, 4), i = 0: v = μ → x₁ = (0.9, 0.6)
        // step 2: v = ∇f(x₁) − ∇f(x̃) + μ = (0.9, 2.4) − (1, 4) + (1, 4) = (0.9, 2.4)
        //         → x₂ = (0.81, 0.36), which is gradient descent.
        let mut optimizer = SvrgConfig {
            lr: 0.1,
            inner_steps: 5,
        }
        .build(2);
        let quadratic = Quadratic::axis_aligned(1.0, 4.0);
        let mut oracle = oracle_for(Arc::new(quadratic), GradientModel::default());
        let mut x = DVector::from_vec(vec![1.0, 1.0]);
        let info = optimizer.step(&mut x, &mut oracle);
        assert_eq!(info.loss, 2.5);
        assert!((x[0] - 0.9).abs() < 1e-14 && (x[1] - 0.6).abs() < 1e-14);
        assert_eq!(
            optimizer.auxiliary_point().map(|p| [p[0], p[1]]),
            Some([1.0, 1.0])
        );
        optimizer.step(&mut x, &mut oracle);
        assert!((x[0] - 0.81).abs() < 1e-14 && (x[1] - 0.36).abs() < 1e-14);
        // One full gradient (n = 1 sample) and two sample gradients per step.
        assert_eq!(oracle.counts().gradients, 5);
        assert_eq!(oracle.counts().sample_gradients, 5);
    }

    #[test]
    fn one_step_on_least_squares_matches_the_estimator_for_the_drawn_index() {
        // Replays the oracle's draw: the step must be x − lr·(∇fᵢ(x) − ∇fᵢ(x̃) + ∇f(x̃)) for the
        // i the run's generator gives, at x ≠ x̃ (the second step of an epoch).
        let (landscape, _) = least_squares();
        let mut optimizer = SvrgConfig::default().build(2);
        let mut oracle = oracle_for(landscape.clone(), GradientModel::default());
        let mut replay = oracle_for(landscape.clone(), GradientModel::default());
        let start = [-1.0, 2.0];
        let mut x = DVector::from_row_slice(&start);
        optimizer.step(&mut x, &mut oracle);
        let first = replay.rng().random_range(0..64);
        let second = replay.rng().random_range(0..64);
        let x1 = [x[0], x[1]];
        optimizer.step(&mut x, &mut oracle);
        let (_, mu) = landscape.value_and_gradient(start);
        let (_, g) = landscape.sample_value_and_gradient(x1, &[second]);
        let (_, g_snapshot) = landscape.sample_value_and_gradient(start, &[second]);
        for k in 0..2 {
            let expected = x1[k] - 0.01 * (g[k] - g_snapshot[k] + mu[k]);
            assert!((x[k] - expected).abs() < 1e-14);
        }
        // And the first step was the full gradient step, whatever index it drew.
        assert!((x1[0] - (start[0] - 0.01 * mu[0])).abs() < 1e-14, "{first}");
    }

    #[test]
    fn estimator_variance_vanishes_at_the_optimum_but_sgds_does_not() {
        let (landscape, optimum) = least_squares();
        let at = [optimum[0], optimum[1]];
        let n = landscape.num_samples();
        let (_, mu) = landscape.value_and_gradient(at);
        let mut svrg_variance = 0.0;
        let mut sgd_variance = 0.0;
        for i in 0..n {
            let (_, g) = landscape.sample_value_and_gradient(at, &[i]);
            // SVRG with x = x̃ = x*: v = ∇fᵢ(x*) − ∇fᵢ(x*) + ∇f(x*); the mean is ∇f(x*) = μ.
            for k in 0..2 {
                let v = g[k] - g[k] + mu[k];
                svrg_variance += (v - mu[k]).powi(2) / n as f64;
                sgd_variance += (g[k] - mu[k]).powi(2) / n as f64;
            }
        }
        assert_eq!(svrg_variance, 0.0);
        assert!(sgd_variance > 0.5, "{sgd_variance}");
    }

    fn distance_after(config: OptimizerConfig, model: GradientModel, steps: usize) -> f64 {
        let (landscape, optimum) = least_squares();
        let mut optimizer = config.build(2);
        let mut oracle = oracle_for(landscape, model);
        let mut x = DVector::from_vec(vec![-1.0, 2.0]);
        for _ in 0..steps {
            oracle.begin_step();
            optimizer.step(&mut x, &mut oracle);
        }
        (x - optimum).norm()
    }

    #[test]
    fn constant_lr_converges_to_the_optimum_where_sgd_stalls() {
        let lr = 0.02;
        let svrg = distance_after(
            OptimizerConfig::Svrg(SvrgConfig {
                lr,
                ..SvrgConfig::default()
            }),
            GradientModel::default(),
            64 * 40,
        );
        let sgd = distance_after(
            OptimizerConfig::Sgd(SgdConfig {
                lr,
                ..SgdConfig::default()
            }),
            GradientModel {
                batch_size: Some(1),
                ..GradientModel::default()
            },
            64 * 40,
        );
        assert!(svrg < 1e-10, "SVRG ended {svrg} from x*");
        assert!(sgd > 1e-3, "SGD ended {sgd} from x*");
    }

    #[test]
    fn the_snapshot_is_refreshed_every_inner_steps() {
        let (landscape, _) = least_squares();
        let mut optimizer = SvrgConfig {
            lr: 0.01,
            inner_steps: 3,
        }
        .build(2);
        let mut oracle = oracle_for(landscape, GradientModel::default());
        let mut x = DVector::from_vec(vec![-1.0, 2.0]);
        for _ in 0..7 {
            optimizer.step(&mut x, &mut oracle);
        }
        // Snapshots at steps 1, 4, 7: 3 full gradients of 64 samples, 14 sample gradients.
        assert_eq!(oracle.counts().gradients, 3 + 14);
        assert_eq!(oracle.counts().sample_gradients, 3 * 64 + 14);
        // The last snapshot is the iterate before step 7.
        let before = optimizer.auxiliary_point().expect("snapshot").clone();
        optimizer.step(&mut x, &mut oracle);
        assert_eq!(optimizer.auxiliary_point(), Some(&before));
    }

    #[test]
    fn default_period_is_twice_the_sample_count() {
        let (landscape, _) = least_squares();
        let mut optimizer = SvrgConfig::default().build(2);
        let mut oracle = oracle_for(landscape, GradientModel::default());
        let mut x = DVector::from_vec(vec![-1.0, 2.0]);
        for _ in 0..(2 * 64 + 1) {
            optimizer.step(&mut x, &mut oracle);
        }
        assert_eq!(oracle.counts().sample_gradients, 2 * 64 + 2 * (2 * 64 + 1));
    }

    #[test]
    fn converges_on_a_quadratic() {
        let mut optimizer = crate::optim::test_support::with_lr::<SvrgConfig>(0.2).build(2);
        let quadratic = Quadratic {
            lambda1: 1.0,
            lambda2: 4.0,
            angle_deg: 30.0,
        };
        let mut oracle = oracle_for(Arc::new(quadratic), GradientModel::default());
        let mut x = DVector::from_vec(vec![1.0, -1.0]);
        for _ in 0..200 {
            optimizer.step(&mut x, &mut oracle);
        }
        assert!(x.norm() < 1e-12);
    }

    #[test]
    fn validation_and_live_edits() {
        let paths = crate::optim::test_support::validation_paths(&SvrgConfig {
            lr: f64::NAN,
            inner_steps: 3,
        });
        assert_eq!(paths, ["lr"]);

        let (landscape, _) = least_squares();
        let mut optimizer = SvrgConfig {
            lr: 0.01,
            inner_steps: 100,
        }
        .build(2);
        let mut oracle = oracle_for(landscape, GradientModel::default());
        let mut x = DVector::from_vec(vec![-1.0, 2.0]);
        optimizer.step(&mut x, &mut oracle);
        optimizer.step(&mut x, &mut oracle);
        // Keeping the snapshot: no new full gradient on the next step.
        let edited = OptimizerConfig::Svrg(SvrgConfig {
            lr: 0.02,
            inner_steps: 100,
        });
        assert!(optimizer.set_config(&edited));
        optimizer.step(&mut x, &mut oracle);
        assert_eq!(oracle.counts().gradients, 1 + 6);
        // Reset forgets it: the next step takes a snapshot at the current iterate.
        optimizer.reset();
        assert!(optimizer.auxiliary_point().is_none());
        optimizer.step(&mut x, &mut oracle);
        assert_eq!(oracle.counts().gradients, 2 + 8);
        assert!(!optimizer.set_config(&OptimizerConfig::default()));
    }
}
