//! Asynchronous SGD with a fixed staleness: K simulated workers feed a parameter server gradients
//! computed at an iterate τ steps old. Not a torch.optim class.
//!
//! For f = (1/n) Σᵢ fᵢ the n sample indices are split into S = min(K, n) shards, interleaved or
//! contiguous when `heterogeneous` (see `workers.rs`); worker k works on shard k mod S. In the
//! parameter-server model the workers read x, compute a gradient and send it back while the server
//! keeps applying the others' gradients; with a fixed delay τ, one optiviz step is one server
//! update t → t + 1:
//!
//! ```text
//! k ← t mod K                                       (round robin)
//! B ⊂ shard(k), |B| = min(b, |shard|)               (without replacement)
//! g ← (1/|B|) Σ_{i∈B} ∇fᵢ(x_{t−τ})                  (x_{t−τ} = x₀ while t < τ)
//! x_{t+1} ← x_t − lr · g
//! ```
//!
//! with b = `batch_size`, τ = `staleness`. The first τ steps use the start x₀ (as if every worker
//! had read it when the run began) rather than being skipped, so every step moves. τ = 0 is
//! minibatch SGD on one shard at a time; with K = 1 and full batches, gradient descent. The last
//! τ + 1 iterates live in a ring buffer allocated when built or when τ changes.
//!
//! The classic lesson: a stale gradient makes a large lr unstable. On a quadratic with curvature λ
//! the method is the delayed recursion x_{t+1} = x_t − lr·λ·x_{t−τ}, whose characteristic
//! polynomial z^{τ+1} − z^τ + lr·λ has all roots inside the unit circle iff
//! 0 < lr·λ < 2·sin(π/(2(2τ + 1))) (Levin & May 1976): 2 for τ = 0 (gradient descent), 1 for
//! τ = 1, ≈ 0.347 for τ = 4, ≈ 0.0952 for τ = 16 — about π/(2τ + 1) for large τ, so the
//! admissible step size shrinks like 1/τ; near the bound the iterates oscillate with a period of
//! about 4τ + 2 steps (the roots on the unit circle at the bound are e^{±iπ/(2τ+1)}). The tests
//! check the bound numerically, on the recursion and on the optimizer.
//!
//! Sampling and cost: the worker draws B from its shard with the run's seeded generator; the
//! run's batch size is ignored. A step counts |B| gradients and sample gradients. On problems that
//! are not sums (n = 1) every worker takes the full gradient. The returned loss is the worker's
//! minibatch loss at the stale point x_{t−τ}. Communication: each step one worker sends its d
//! gradient coordinates, d·32 bits (the server's broadcast of x is not counted). The pipeline is
//! started at the run's iterate on the first step, and again (buffer refilled with x, t = 0)
//! whenever the iterate passed in is not the one this method left, or when τ or d change.
//!
//! Defaults (chosen here): lr = 0.01, workers = 4, staleness = 4, heterogeneous = false,
//! batch_size = 1. Validation: lr > 0, 1 ≤ workers ≤ 64, 0 ≤ staleness ≤ 1000,
//! 1 ≤ batch_size ≤ 100 000.
//!
//! References: Lian, Huang, Li & Liu, "Asynchronous parallel stochastic gradient for nonconvex
//! optimization", NeurIPS 2015; Levin & May, "A note on difference-delay equations", Theoretical
//! Population Biology 9, 1976 (the stability bound of x_{t+1} = x_t − a·x_{t−τ}).

use nalgebra::DVector;
use serde::{Deserialize, Serialize};

use super::workers::{
    HETEROGENEOUS_HELP, MAX_COUNT, MAX_WORKERS, Shards, batch_len, dense_bits, same_point,
    without_samples, worker_count,
};
use super::{Distributed, Optimizer, OptimizerSpec, Quantity, StepInfo, ensure_len};
use crate::hyper::hyper_table;
use crate::objective::Oracle;

/// Largest staleness (the buffer holds τ + 1 iterates).
const MAX_STALENESS: u64 = 1000;

/// Hyperparameters of asynchronous SGD with a fixed staleness.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AsyncSgdConfig {
    /// Step size of the server's update.
    pub lr: f64,
    /// Number K of simulated workers (taking turns).
    pub workers: u64,
    /// Delay τ: the gradient applied at step t was computed at x_{t−τ}.
    pub staleness: u64,
    /// Shards are contiguous blocks of the sample order instead of interleaved.
    pub heterogeneous: bool,
    /// Samples per gradient (the whole shard when it has fewer).
    pub batch_size: u64,
}

hyper_table! {
    AsyncSgdConfig, owner: Self::DISPLAY_NAME, defaults {};
    lr = 0.01: log_float(1e-5, 1.0) where positive, "x_{t+1} ← x_t − lr·g(x_{t−τ})";
    workers = 4: int(1, 16) where count_in_range(1, MAX_WORKERS),
        "K simulated workers, each on its own shard, taking turns k = t mod K";
    staleness = 4: int(0, 32) where count_in_range(0, MAX_STALENESS),
        "τ: the gradient is computed at x_{t−τ}; stable on λ iff lr·λ < 2·sin(π/(2(2τ+1)))";
    heterogeneous = false: boolean, HETEROGENEOUS_HELP;
    batch_size = 1: int(1, 64) where count_in_range(1, MAX_COUNT),
        "samples per gradient, drawn from the worker's shard";
}

impl OptimizerSpec for AsyncSgdConfig {
    const DISPLAY_NAME: &'static str = "AsyncSGD";
    const DESCRIPTION: &'static str = "Asynchronous SGD: K = 4 simulated workers take turns; each \
         gradient is applied τ = 4 steps after the iterate it was computed at";
    const SIMULATES_WORKERS: bool = true;

    crate::optim::no_stability_threshold!(NotDerived);

    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        Box::new(AsyncSgd {
            config: self.clone(),
            history: vec![DVector::zeros(dim); slot_count(self)],
            last: DVector::zeros(dim),
            grad: DVector::zeros(dim),
            sample_grad: DVector::zeros(dim),
            shards: Shards::default(),
            started: false,
            t: 0,
            bits: 0,
            explained: AsyncSgdExplained::default(),
        })
    }
}

/// τ + 1, with τ clamped so that an unvalidated config still runs.
fn slot_count(config: &AsyncSgdConfig) -> usize {
    config.staleness.min(MAX_STALENESS) as usize + 1
}

/// Asynchronous SGD's state: the last τ + 1 iterates and the server's step count.
pub struct AsyncSgd {
    config: AsyncSgdConfig,
    /// x_s lives in slot s mod (τ + 1); after step t the buffer holds x_{t−τ}, …, x_t (x₀ in the
    /// slots not yet reached).
    history: Vec<DVector<f64>>,
    /// The iterate this method last wrote into the run.
    last: DVector<f64>,
    grad: DVector<f64>,
    sample_grad: DVector<f64>,
    shards: Shards,
    /// Whether the buffer holds iterates (false before the first step and after a reset).
    started: bool,
    /// Server steps since the pipeline started.
    t: u64,
    /// Bits the workers have sent: d·32 per step.
    bits: u64,
    explained: AsyncSgdExplained,
}

/// The latest step's scalars, for [`Optimizer::explain`].
#[derive(Clone, Copy, Default)]
struct AsyncSgdExplained {
    steps: u64,
    lr: f64,
    /// The worker that sent the gradient.
    worker: usize,
    /// How many steps old the gradient's point was: min(t, τ).
    age: u64,
    /// ‖x_t − x_{t−τ}‖: how far the server moved while the gradient was in flight.
    drift: f64,
}

impl AsyncSgd {
    /// Sizes the buffers for `dim` parameters and the configured τ (allocates only on change).
    fn prepare_buffers(&mut self, dim: usize) {
        let slots = slot_count(&self.config);
        if self.history.len() != slots {
            self.history.resize(slots, DVector::zeros(dim));
            self.started = false;
        }
        for buffer in self.history.iter_mut() {
            if buffer.len() != dim {
                *buffer = DVector::zeros(dim);
                self.started = false;
            }
        }
        for buffer in [&mut self.last, &mut self.grad, &mut self.sample_grad] {
            ensure_len(buffer, dim);
        }
    }

    /// Fills the pipeline with `x` (every in-flight read is x₀ = x), unless it already runs from
    /// there.
    fn start_at(&mut self, x: &DVector<f64>) {
        if self.started && same_point(&self.last, x) {
            return;
        }
        for slot in self.history.iter_mut() {
            slot.copy_from(x);
        }
        self.last.copy_from(x);
        self.t = 0;
        self.started = true;
    }
}

impl Optimizer for AsyncSgd {
    fn step(&mut self, x: &mut DVector<f64>, oracle: &mut Oracle) -> StepInfo {
        let n = oracle.num_samples();
        if n == 0 {
            return without_samples("asynchronous SGD");
        }
        self.prepare_buffers(x.len());
        let workers = worker_count(self.config.workers);
        self.shards.prepare(n, workers, self.config.heterogeneous);
        self.start_at(x);
        let slots = self.history.len() as u64;
        self.history[(self.t % slots) as usize].copy_from(x);
        // x_{t−τ} sits in slot (t − τ) mod (τ + 1) = (t + 1) mod (τ + 1); before step τ that slot
        // still holds x₀.
        let stale = ((self.t + 1) % slots) as usize;
        let worker = (self.t % workers as u64) as usize;
        let batch = batch_len(self.config.batch_size);
        let loss = self.shards.minibatch_grad(
            worker,
            batch,
            &self.history[stale],
            oracle,
            &mut self.grad,
            &mut self.sample_grad,
        );
        let drift = x
            .iter()
            .zip(self.history[stale].iter())
            .map(|(a, b)| (a - b) * (a - b))
            .sum::<f64>()
            .sqrt();
        x.axpy(-self.config.lr, &self.grad, 1.0);
        self.last.copy_from(x);
        self.explained = AsyncSgdExplained {
            steps: self.explained.steps + 1,
            lr: self.config.lr,
            worker,
            age: self.t.min(slots - 1),
            drift,
        };
        self.t += 1;
        self.bits += dense_bits(x.len());
        StepInfo::proceed(loss)
    }

    crate::optim::config_edits!();

    fn reset(&mut self) {
        self.started = false;
        self.shards.reset();
        self.t = 0;
        self.bits = 0;
        self.explained = AsyncSgdExplained::default();
    }

    fn explain(&self) -> Vec<Quantity> {
        let e = &self.explained;
        crate::optim::explain_once_stepped(e.steps > 0, || {
            crate::optim::quantities![
                scalar "k" = "t mod K: the worker whose gradient arrived" => e.worker as f64,
                scalar "age" = "min(t, τ): steps between the read and the update" => e.age as f64,
                scalar "‖x_t − x_{t−τ}‖" =
                    "how far the server moved while the gradient was in flight"
                    => e.drift,
                vector "g" = "∇f_B(x_{t−τ})" => self.grad.as_slice(),
                arrow Gradient "−lr·g" = "the server's step with the stale gradient"
                    => self.grad.iter().map(|g| -e.lr * g),
                scalar "lr" = "step size" => e.lr,
            ]
        })
    }

    fn as_distributed(&self) -> Option<&dyn Distributed> {
        Some(self)
    }
}

impl Distributed for AsyncSgd {
    fn bits_communicated(&self) -> u64 {
        self.bits
    }

    /// The stale point x_{t−τ} the latest gradient was computed at: one faint point trailing the
    /// iterate by τ steps, with the line between them showing how far the server moved meanwhile.
    fn worker_points(&self) -> &[DVector<f64>] {
        let slots = self.history.len() as u64;
        if !self.started || slots == 0 || self.t == 0 {
            return &[];
        }
        // The latest step read slot (t − 1 + 1) mod (τ + 1), t counted after it.
        std::slice::from_ref(&self.history[(self.t % slots) as usize])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::landscape::Quadratic;
    use crate::optim::test_support::WorkerView;
    use crate::optim::test_support::{
        assert_steps_like_gradient_descent, least_squares, oracle_on,
    };

    /// f = ½(λ₁x² + λ₂y²) with exact gradients.
    fn diagonal(lambda1: f64, lambda2: f64) -> Oracle {
        oracle_on(Quadratic {
            lambda1,
            lambda2,
            angle_deg: 0.0,
        })
    }

    fn config(lr: f64, workers: u64, staleness: u64, batch_size: u64) -> AsyncSgdConfig {
        AsyncSgdConfig {
            lr,
            workers,
            staleness,
            heterogeneous: false,
            batch_size,
        }
    }

    /// 2·sin(π/(2(2τ + 1))), the bound the module doc states.
    fn bound(staleness: u64) -> f64 {
        2.0 * (std::f64::consts::PI / (2.0 * (2 * staleness + 1) as f64)).sin()
    }

    /// |x_T| of x_{t+1} = x_t − a·x_{t−τ} from x₀ = 1 (x_s = x₀ for s < 0).
    fn delayed_recursion(a: f64, staleness: usize, steps: usize) -> Vec<f64> {
        let mut xs = vec![1.0];
        for t in 0..steps {
            let stale = xs[t.saturating_sub(staleness)];
            xs.push(xs[t] - a * stale);
        }
        xs
    }

    #[test]
    fn no_staleness_on_one_full_shard_is_gradient_descent() {
        let mut method = config(0.05, 1, 0, 64).build(2);
        let oracle = assert_steps_like_gradient_descent(&mut *method);
        assert_eq!(oracle.counts().sample_gradients, 60 * 64);
        assert_eq!(method.bits_communicated(), 60 * 64);
    }

    #[test]
    fn reproduces_the_delayed_recursion_on_a_quadratic() {
        // f = ½(x² + 4y²) from (1, 1): each coordinate follows x_{t+1} = x_t − lr·λ·x_{t−τ}.
        for staleness in [0usize, 1, 3, 7] {
            let mut oracle = diagonal(1.0, 4.0);
            let mut method = config(0.05, 3, staleness as u64, 1).build(2);
            let lr = 0.05;
            let xs = delayed_recursion(lr, staleness, 80);
            let ys = delayed_recursion(4.0 * lr, staleness, 80);
            let mut point = DVector::from_vec(vec![1.0, 1.0]);
            for t in 1..=80 {
                method.step(&mut point, &mut oracle);
                assert!((point[0] - xs[t]).abs() < 1e-12, "τ={staleness} t={t}");
                assert!((point[1] - ys[t]).abs() < 1e-12, "τ={staleness} t={t}");
            }
            // The one point shown is the one the latest gradient was taken at: x_{80−1−τ}.
            let stale = method.worker_points();
            assert_eq!(stale.len(), 1);
            assert_eq!(stale[0][0], xs[79 - staleness]);
        }
    }

    #[test]
    fn the_stability_bound_holds_just_below_and_fails_just_above() {
        // The bound, checked on the scalar recursion (growth of the tail) …
        for staleness in [0u64, 1, 2, 4, 16] {
            let steps = 4000 * (staleness as usize + 1);
            let tail = |a: f64| {
                let xs = delayed_recursion(a, staleness as usize, steps);
                xs[steps - 200..].iter().fold(0.0f64, |m, v| m.max(v.abs()))
            };
            let limit = bound(staleness);
            assert!(tail(0.97 * limit) < 1e-3, "τ={staleness} below");
            assert!(tail(1.03 * limit) > 1e3, "τ={staleness} above");
        }
        // … and on the optimizer: λ = 2, τ = 4.
        let run = |lr: f64| {
            let mut oracle = diagonal(2.0, 2.0);
            let mut method = config(lr, 4, 4, 1).build(2);
            let mut x = DVector::from_vec(vec![1.0, -1.0]);
            for _ in 0..20_000 {
                method.step(&mut x, &mut oracle);
            }
            x.norm()
        };
        assert!(run(0.97 * bound(4) / 2.0) < 1e-3);
        assert!(run(1.03 * bound(4) / 2.0) > 1e3);
    }

    #[test]
    fn workers_take_turns_and_the_pipeline_restarts_at_a_moved_iterate() {
        let mut oracle = least_squares();
        let mut method = config(0.05, 3, 2, 1).build(2);
        assert!(method.worker_points().is_empty());
        let mut x = DVector::from_vec(vec![-1.0, 2.0]);
        let worker = |method: &dyn Optimizer| match method.explain().first() {
            Some(Quantity {
                value: crate::optim::QuantityValue::Scalar(k),
                ..
            }) => *k,
            _ => panic!("no worker"),
        };
        for step in 0..7u64 {
            method.step(&mut x, &mut oracle);
            assert_eq!(worker(method.as_ref()), (step % 3) as f64);
        }
        let mut moved = DVector::from_vec(vec![0.5, 0.5]);
        method.step(&mut moved, &mut oracle);
        assert_eq!(worker(method.as_ref()), 0.0);
        // The first step after a restart read the new start.
        assert_eq!(method.worker_points()[0].as_slice(), &[0.5, 0.5]);
        assert_eq!(method.bits_communicated(), 8 * 64);
        crate::optim::method_tests::assert_reset_forgets(&mut method);
    }

    #[test]
    fn validation() {
        let paths = crate::optim::test_support::validation_paths(&AsyncSgdConfig {
            lr: 0.0,
            workers: 0,
            staleness: 1001,
            heterogeneous: false,
            batch_size: 0,
        });
        assert_eq!(paths, ["lr", "workers", "staleness", "batch_size"]);
    }
}
