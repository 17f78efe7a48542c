//! The problem side of optimization: an [`Objective`] to minimize and the [`Oracle`] through which one
//! run queries it.
//!
//! An objective is pure: value, gradient, Hessian, Hessian-vector products, a finite-sum view
//! f = (1/n) Σᵢ fᵢ for stochastic methods and a composite view f = g + h for proximal methods.
//! The oracle is the per-run wrapper that an optimizer sees. It counts every evaluation (so runs can
//! be compared at equal budgets), draws the run's minibatches from the run's seeded generator, adds
//! the run's gradient noise and clipping, and records the probe points a method evaluates without
//! accepting them (line-search trials), so that the UI can draw them. It also keeps the engine's
//! latest measurement (f, ∇f) of the iterate xₜ, so that the next step's full-batch gradient at the
//! same xₜ is copied rather than computed twice (f is pure: same numbers, same counts).

use nalgebra::{DMatrix, DVector};

use crate::network::ParameterBlock;
use crate::precision::{Format, GradientPrecision};

/// A differentiable problem: a 2D landscape or a network's training loss.
///
/// Nonsmooth objectives return a subgradient with the conventions of PyTorch's autograd
/// (sign(0) = 0, relu'(0) = 0).
pub trait Objective: Send + Sync {
    /// Number of parameters.
    fn dim(&self) -> usize;

    /// f(x).
    fn value(&self, x: &DVector<f64>) -> f64;

    /// Writes ∇f(x) into `grad` (no allocation) and returns f(x).
    fn value_and_grad(&self, x: &DVector<f64>, grad: &mut DVector<f64>) -> f64;

    /// The Hessian ∇²f(x), where the problem provides one.
    fn hessian(&self, _x: &DVector<f64>) -> Option<DMatrix<f64>> {
        None
    }

    /// Writes ∇²f(x)·v into `out`: exact from the Hessian where there is one, else a central difference
    /// of gradients, (∇f(x + hv) − ∇f(x − hv)) / 2h.
    fn hvp(&self, x: &DVector<f64>, v: &DVector<f64>, out: &mut DVector<f64>) {
        match self.hessian(x) {
            Some(hessian) => hessian.mul_to(v, out),
            None => central_difference_hvp(self, x, v, out),
        }
    }

    /// Finite-sum view: f = (1/n) Σᵢ fᵢ. Problems that are not sums have n = 1.
    fn num_samples(&self) -> usize {
        1
    }

    /// Writes the gradient of the minibatch mean (1/|B|) Σ_{i∈B} ∇fᵢ(x) into `grad` and returns the
    /// minibatch mean loss. The default (n = 1) ignores the batch.
    fn sample_value_and_grad(
        &self,
        x: &DVector<f64>,
        _batch: &[usize],
        grad: &mut DVector<f64>,
    ) -> f64 {
        self.value_and_grad(x, grad)
    }

    /// Composite view for proximal methods, `None` for problems that are not composite.
    fn composite(&self) -> Option<&dyn Composite> {
        None
    }

    /// Label noise: the standard deviation σ of the fresh label noise each sample's label carries
    /// whenever it is drawn (Blanc et al. 2020), 0 for problems without. The full objective is
    /// the expected loss; a minibatch of b samples sees the mean of b fresh labels, so the oracle
    /// draws one ε ~ N(0, σ²/b) per step from the run's seeded generator, with the minibatch, and
    /// evaluates [`Objective::noisy_value_and_grad`] with it. Runs without a batch size see none.
    fn label_noise_sigma(&self) -> f64 {
        0.0
    }

    /// Writes the gradient of the loss whose label is perturbed by `epsilon` into `grad` and
    /// returns that loss. The default (no label noise) ignores `epsilon`.
    fn noisy_value_and_grad(
        &self,
        x: &DVector<f64>,
        _epsilon: f64,
        grad: &mut DVector<f64>,
    ) -> f64 {
        self.value_and_grad(x, grad)
    }

    /// The parameters that are matrices (a network's weights), each a [`ParameterBlock`]: where
    /// it lies in the flat vector, its rows × cols and its layout. Methods that treat a matrix as
    /// a matrix (Muon orthogonalizes each block's update) read them through
    /// [`Oracle::parameter_blocks`] at their first step; the coordinates outside every block
    /// (biases) are vector parameters. Blocks lie inside 0..dim and do not overlap. Empty (the
    /// default) for problems without matrices, such as the 2D landscapes: the scenario's
    /// validation refuses a method that needs blocks there (`OptimizerSpec::NEEDS_PARAMETER_BLOCKS`).
    fn parameter_blocks(&self) -> &[ParameterBlock] {
        &[]
    }

    // Multi-task view (MGDA, PCGrad).

    /// Number of task losses f₁, …, f_K that share the parameters (multi-task learning): the
    /// objective f is one scalarisation of them (a weighted sum), and multi-objective methods
    /// look at every task's gradient instead of ∇f. Problems that are not multi-task have K = 1.
    fn num_tasks(&self) -> usize {
        1
    }

    /// Writes ∇fₖ(x) of task `task` (counted from 0) into `grad` and returns fₖ(x): the task's own
    /// loss, without the weight the objective's sum gives it. The default (one task) is the whole
    /// objective for task 0.
    fn task_value_and_grad(&self, _task: usize, x: &DVector<f64>, grad: &mut DVector<f64>) -> f64 {
        self.value_and_grad(x, grad)
    }
}

/// f = g + h with g smooth and h simple enough to have a closed-form proximal operator
/// (LASSO: h = λ‖x‖₁, whose prox is soft-thresholding).
pub trait Composite: Send + Sync {
    /// Writes ∇g(x) into `grad` and returns g(x).
    fn smooth_value_and_grad(&self, x: &DVector<f64>, grad: &mut DVector<f64>) -> f64;
    /// h(x).
    fn nonsmooth_value(&self, x: &DVector<f64>) -> f64;
    /// In place: x ← prox_{step·h}(x) = argmin_z h(z) + ‖z − x‖² / (2·step).
    fn prox(&self, x: &mut DVector<f64>, step: f64);
}

/// Hessian-vector product by a central difference of gradients. The step is scaled to x and v so
/// that the truncation and the rounding error stay balanced (h ≈ ε^(1/3)·(1 + ‖x‖)/‖v‖).
pub fn central_difference_hvp<O: Objective + ?Sized>(
    objective: &O,
    x: &DVector<f64>,
    v: &DVector<f64>,
    out: &mut DVector<f64>,
) {
    let v_norm = v.norm();
    if v_norm == 0.0 {
        out.fill(0.0);
        return;
    }
    let h = f64::EPSILON.cbrt() * (1.0 + x.norm()) / v_norm;
    let mut shifted = x.clone();
    let mut grad_minus = DVector::zeros(x.len());
    shifted.axpy(h, v, 1.0);
    objective.value_and_grad(&shifted, out);
    shifted.copy_from(x);
    shifted.axpy(-h, v, 1.0);
    objective.value_and_grad(&shifted, &mut grad_minus);
    *out -= &grad_minus;
    *out /= 2.0 * h;
}

/// How often a run has queried its objective.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EvalCounts {
    /// Loss-only evaluations.
    pub values: u64,
    /// Gradient evaluations (each also gives the loss), full-batch or minibatch.
    pub gradients: u64,
    /// Per-sample gradients ∇fᵢ computed, summed over all gradient calls: a full gradient of a sum of
    /// n terms counts n, a minibatch of b counts b. Compares SGD, SVRG and SAGA fairly.
    pub sample_gradients: u64,
    /// Hessian evaluations.
    pub hessians: u64,
    /// Hessian-vector products.
    pub hvps: u64,
}

/// A point a method evaluated without accepting it, such as a line-search trial.
#[derive(Clone, Debug, PartialEq)]
pub struct Probe {
    /// Where it evaluated (only the first two coordinates are kept: probes are drawn on 2D views).
    pub point: [f64; 2],
    /// The loss there.
    pub loss: f64,
}

/// How a run's gradients are perturbed before its optimizer sees them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GradientModel {
    /// Minibatch size for finite sums; `None` = the full sum.
    pub batch_size: Option<usize>,
    /// Standard deviation of Gaussian noise added to each gradient coordinate (0 = exact).
    pub noise_sigma: f64,
    /// Rescale the gradient to this norm when it is longer (torch's `clip_grad_norm_`).
    pub clip: Option<f64>,
    /// Clamp every gradient coordinate to [−v, v] (torch's `clip_grad_value_`), before any norm
    /// clipping.
    pub clip_value: Option<f64>,
    /// Compute the gradient in a narrow format with loss scaling, before noise and clipping.
    pub gradient_precision: Option<GradientPrecision>,
    /// Evaluate at the point rounded to nearest in this format: the low-precision copy of an f64
    /// master iterate (mixed-precision training). `None` = at the point itself.
    pub weights_format: Option<Format>,
}

impl Default for GradientModel {
    fn default() -> Self {
        Self {
            batch_size: None,
            noise_sigma: 0.0,
            clip: None,
            clip_value: None,
            gradient_precision: None,
            weights_format: None,
        }
    }
}

mod oracle;

pub use oracle::Oracle;
