//! A multilayer perceptron on toy data: the training loss of a small fully connected network as an
//! [`Objective`] over its flat parameter vector, with exact gradients and exact Hessian-vector
//! products for sharpness.
//!
//! Network (widths d₀, d₁, …, d_L; L = number of weight layers): with the inputs of a batch of m
//! samples as the columns of A₀ (d₀ × m),
//!   Z_l = W_l A_{l−1} + b_l 1ᵀ,   A_l = σ(Z_l) for l < L,   output O = Z_L (no activation),
//! W_l of shape d_l × d_{l−1} (row-major, like torch's `nn.Linear.weight`). The parameter
//! vector holds, layer by layer, W_l row by row and then b_l; the layers are named "layer 1",
//! "layer 2", ….
//!
//! Activations σ (`Tanh` by default): Tanh (evaluated to a few ulps by Taylor series and
//! exp, twice as fast as libm's, see `tanh`); Relu = max(z, 0) with relu'(0) = 0 as in PyTorch's
//! autograd (and relu'' = 0), or ½ or 1 at exactly z = 0 with `relu_grad_at_zero` (Bolte &
//! Pauwels 2021: the choice changes backpropagation's answer on a null set, not the function); Sigmoid = 1/(1 + e^(−z)); Linear = z (a deep linear network);
//! Gelu = z·Φ(z) with the exact Gaussian CDF Φ(z) = ½(1 + erf(z/√2)) (torch's default
//! `approximate="none"`), Gelu' = Φ + zφ, Gelu'' = φ·(2 − z²), φ the standard normal density.
//!
//! Losses, means over the samples so that sharpness compares with 2/lr (Cohen et al. 2021):
//! - `Mse` (default): (1/n) Σᵢ ½‖oᵢ − yᵢ‖², with yᵢ = ±1 (class 1 ↦ +1) for two-class data and one
//!   output, one-hot for k ≥ 2 outputs, the target value for regression.
//! - `CrossEntropy`: one output, the logistic loss log(1 + exp(−yᵢ zᵢ)) with yᵢ = ±1 (torch's
//!   `BCEWithLogitsLoss`, computed stably as max(u, 0) + log1p(e^(−|u|)), u = −yz); k ≥ 2 outputs,
//!   softmax cross-entropy logsumexp(oᵢ) − oᵢ\[cᵢ\] (torch's `CrossEntropyLoss`). Regression data has
//!   no classes, so CrossEntropy on it is a validation error.
//!
//! Gradient by backpropagation, batched as matrix products: G_L = ∂f/∂O = ℓ'(O)/m, then for
//! l = L, …, 1: ∇W_l = G_l A_{l−1}ᵀ, ∇b_l = G_l 1, D_{l−1} = W_lᵀ G_l,
//! G_{l−1} = D_{l−1} ⊙ σ'(Z_{l−1}).
//!
//! Hessian-vector products are exact, by Pearlmutter's R-operator R{·} = d/dε (·)(θ + εv) at ε = 0,
//! with v = (V_l, c_l) in the parameter layout. Forward: R{A₀} = 0,
//! R{Z_l} = V_l A_{l−1} + W_l R{A_{l−1}} + c_l 1ᵀ, R{A_l} = σ'(Z_l) ⊙ R{Z_l}. Backward:
//! R{G_L} = ∇²ℓ(O)·R{O}/m (Mse: R{O}/m; logistic: s(1 − s)·R{O}/m with s = sigmoid(z); softmax:
//! (p ⊙ r − p (pᵀr))/m per sample with r = R{O}), then for l = L, …, 1:
//! (∇²f·v)_{W_l} = R{G_l} A_{l−1}ᵀ + G_l R{A_{l−1}}ᵀ, (∇²f·v)_{b_l} = R{G_l} 1,
//! R{D_{l−1}} = W_lᵀ R{G_l} + V_lᵀ G_l,
//! R{G_{l−1}} = R{D_{l−1}} ⊙ σ'(Z_{l−1}) + D_{l−1} ⊙ σ''(Z_{l−1}) ⊙ R{Z_{l−1}}.
//! The primal pass (forward, loss, deltas) is cached per parameter vector, so the ≈ 20 HVPs of one
//! Lanczos sharpness estimate pay for it once, and not at all right after a gradient at the same
//! point; a cached HVP then costs about one gradient (two without the cache).
//!
//! Defaults: `Mlp(widths: [2, 32, 32, 1], activation: Tanh, loss: Mse, data: Moons(n: 200,
//! noise: 0.1), init: TorchDefault, init_scale: 1.0, test_fraction: 0.0, seed: 0)`. The seed draws
//! the data, then the train/test split, then the weights (layer by layer) from one ChaCha8Rng, so a
//! seed names the same network everywhere. Limits: widths 1 to 512, at most 200 000 parameters.
//!
//! Products with every dimension ≥ 6 go through nalgebra's gemm, i.e. matrixmultiply's FMA/AVX
//! kernels (chosen at run time; the crate is built for baseline x86-64), the thin ones (the input
//! and output layers) through plain loops. Batch buffers live in workspaces taken from a pool
//! (`Objective` methods take `&self` and may run on several threads), so this file allocates
//! nothing per evaluation; matrixmultiply itself allocates a packing buffer per product. Batches
//! larger than a workspace (about 4 M floats) are processed in chunks.
//!
//! References: D. E. Rumelhart, G. E. Hinton & R. J. Williams, "Learning representations by
//! back-propagating errors", Nature 323, 1986; B. A. Pearlmutter, "Fast exact multiplication by the
//! Hessian", Neural Computation 6(1), 1994; D. Hendrycks & K. Gimpel, "Gaussian error linear units
//! (GELUs)", 2016; J. Cohen, S. Kaur, Y. Li, J. Z. Kolter & A. Talwalkar, "Gradient descent on
//! neural networks typically occurs at the edge of stability", ICLR 2021.

mod activation;
mod config;
mod dense;
mod evaluation;
mod passes;
#[cfg(test)]
mod tests;

pub use activation::Activation;
pub use config::{Loss, Mlp};

use std::sync::{Mutex, MutexGuard};

use nalgebra::{DMatrix, DVector};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::dataset::{Dataset, Targets};
use super::hessian_from_products;
use super::{Evaluation, Layer, MatrixLayout, Network, ParameterBlock};
use crate::objective::Objective;
use dense::{LayerShape, layer_shapes};

/// Floats the batch buffers of one workspace may hold (32 MB); bigger batches go in chunks.
const WORKSPACE_BUDGET: usize = 1 << 22;
/// Batch buffers per layer width in a workspace (pre, act, slope, curvature, delta, upstream and
/// the three R-pass buffers), plus one for the head.
const BUFFERS_PER_UNIT: usize = 10;

/// The targets of a set of samples in the form the loss uses.
#[derive(Clone, Debug, PartialEq)]
enum TargetTable {
    /// ±1 per sample (two classes, one output).
    Signs(Vec<f64>),
    /// Class index per sample (one output per class).
    Classes(Vec<usize>),
    /// Regression values.
    Values(Vec<f64>),
}

impl TargetTable {
    fn new(data: &Dataset, outputs: usize) -> Self {
        match &data.targets {
            Targets::Classes { labels, .. } if outputs == 1 => Self::Signs(
                labels
                    .iter()
                    .map(|&label| if label > 0 { 1.0 } else { -1.0 })
                    .collect(),
            ),
            Targets::Classes { labels, .. } => {
                Self::Classes(labels.iter().map(|&label| label.min(outputs - 1)).collect())
            }
            Targets::Values(values) => Self::Values(values.clone()),
        }
    }

    fn is_classification(&self) -> bool {
        !matches!(self, Self::Values(_))
    }
}

/// Which samples of a data set an evaluation covers.
#[derive(Clone, Copy, Debug)]
enum Batch<'a> {
    /// All n samples in order.
    All(usize),
    /// The listed samples.
    Indices(&'a [usize]),
}

impl Batch<'_> {
    fn len(&self) -> usize {
        match self {
            Self::All(n) => *n,
            Self::Indices(indices) => indices.len(),
        }
    }

    /// The sample at `position` in the batch.
    fn sample(&self, position: usize) -> usize {
        match self {
            Self::All(_) => position,
            Self::Indices(indices) => indices[position],
        }
    }
}

/// One layer's batch buffers, each holding `width × capacity` floats (column-major, a sample per
/// column). Output layers leave the activation buffers empty.
#[derive(Clone, Debug, Default)]
struct LayerBuffers {
    /// Z_l.
    pre: Vec<f64>,
    /// A_l = σ(Z_l).
    act: Vec<f64>,
    /// σ'(Z_l).
    slope: Vec<f64>,
    /// σ''(Z_l), filled for HVPs only.
    curvature: Vec<f64>,
    /// G_l = ∂f/∂Z_l.
    delta: Vec<f64>,
    /// D_l = ∂f/∂A_l (kept for the R-pass, which needs it where σ'(Z_l) = 0).
    upstream: Vec<f64>,
    /// R{Z_l}.
    r_pre: Vec<f64>,
    /// R{A_l}.
    r_act: Vec<f64>,
    /// R{G_l}.
    r_delta: Vec<f64>,
}

impl LayerBuffers {
    fn new(width: usize, columns: usize, hidden: bool) -> Self {
        let full = || vec![0.0; width * columns];
        let hidden_only = || if hidden { full() } else { Vec::new() };
        Self {
            pre: full(),
            act: hidden_only(),
            slope: hidden_only(),
            curvature: hidden_only(),
            delta: full(),
            upstream: hidden_only(),
            r_pre: full(),
            r_act: hidden_only(),
            r_delta: full(),
        }
    }
}

/// What a workspace's buffers hold from its last full-batch pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cache {
    /// Nothing reusable.
    Empty,
    /// Forward pass, loss and deltas of the whole training set at `cached_params`.
    Primal,
    /// As `Primal`, plus σ'' of every hidden layer.
    PrimalAndCurvature,
}

/// Buffers for one evaluation at a time, sized for `capacity` samples.
#[derive(Clone, Debug)]
struct Workspace {
    capacity: usize,
    /// Gathered minibatch inputs, d₀ × capacity.
    inputs: Vec<f64>,
    layers: Vec<LayerBuffers>,
    /// Loss curvature per output: s(1 − s) for the logistic loss, the probabilities for softmax.
    head_aux: Vec<f64>,
    cached_params: Vec<f64>,
    cached_loss: f64,
    cache: Cache,
}

/// A built [`Mlp`]: the training loss over the flat parameter vector, its data and its initial
/// weights.
#[derive(Debug)]
pub struct MlpNetwork {
    widths: Vec<usize>,
    activation: Activation,
    /// relu′(0), the slope Relu backpropagates at exactly 0.
    relu_grad_at_zero: f64,
    loss: Loss,
    shapes: Vec<LayerShape>,
    /// W_l as fan_out × fan_in row-major matrices (the biases are vector parameters).
    blocks: Vec<ParameterBlock>,
    dim: usize,
    train: Dataset,
    test: Option<Dataset>,
    train_targets: TargetTable,
    test_targets: Option<TargetTable>,
    initial: DVector<f64>,
    layers: Vec<Layer>,
    /// Samples a workspace holds at once.
    capacity: usize,
    pool: Mutex<Vec<Workspace>>,
    /// The centred, scaled model of lazy training, when the config asks for it.
    lazy: Option<LazyModel>,
}

/// Lazy training's centred model α·(h(θ; x) − h(θ₀; x)) on the loss over α² (Chizat, Oyallon &
/// Bach 2019): the network's outputs at θ₀, subtracted from every forward pass.
#[derive(Debug)]
struct LazyModel {
    /// α > 0.
    alpha: f64,
    /// h(θ₀; x) of every training sample, `outputs` numbers per sample.
    train_initial: Vec<f64>,
    /// h(θ₀; x) of every held-out sample (empty without a test split).
    test_initial: Vec<f64>,
}

impl MlpNetwork {
    fn new(config: &Mlp) -> Self {
        let widths = config.built_widths();
        let loss = match config.data.class_count() {
            None => Loss::Mse,
            Some(_) => config.loss,
        };
        let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
        let data = config.data.generate(&mut rng);
        let (train, test) = data.split(config.built_test_fraction(), &mut rng);
        let shapes = layer_shapes(&widths);
        let dim = shapes.last().map_or(0, |shape| shape.bias.end);
        let init_scale = if config.init_scale.is_finite() && config.init_scale > 0.0 {
            config.init_scale
        } else {
            1.0
        };
        let mut initial = DVector::zeros(dim);
        for shape in &shapes {
            let block = &mut initial.as_mut_slice()[shape.weight.start..shape.bias.end];
            let (weight, bias) = block.split_at_mut(shape.weight.len());
            config.init.fill_layer(
                shape.fan_in,
                shape.fan_out,
                init_scale,
                weight,
                bias,
                &mut rng,
            );
        }
        let outputs = widths.last().copied().unwrap_or(1);
        let layers = shapes
            .iter()
            .enumerate()
            .map(|(index, shape)| Layer {
                name: format!("layer {}", index + 1),
                range: shape.weight.start..shape.bias.end,
            })
            .collect();
        let per_sample = widths.iter().sum::<usize>() * BUFFERS_PER_UNIT;
        let capacity = (WORKSPACE_BUDGET / per_sample.max(1)).clamp(1, train.len().max(1));
        let blocks = (shapes.iter())
            .map(|shape| {
                let (rows, cols, at) = (shape.fan_out, shape.fan_in, shape.weight.start);
                ParameterBlock::new(at, rows, cols, MatrixLayout::RowMajor)
            })
            .collect();
        let mut network = Self {
            blocks,
            activation: config.activation,
            relu_grad_at_zero: config.relu_grad_at_zero,
            loss,
            shapes,
            dim,
            train_targets: TargetTable::new(&train, outputs),
            test_targets: test.as_ref().map(|test| TargetTable::new(test, outputs)),
            train,
            test,
            initial,
            layers,
            capacity,
            pool: Mutex::new(Vec::new()),
            widths,
            lazy: None,
        };
        if let Some(alpha) = config.lazy_alpha.filter(|a| a.is_finite() && *a > 0.0) {
            let initial = network.initial.clone();
            let train_initial = network.outputs_at(initial.as_slice(), &network.train);
            let test_initial = network.test.as_ref().map_or_else(Vec::new, |test| {
                network.outputs_at(initial.as_slice(), test)
            });
            network.lazy = Some(LazyModel {
                alpha,
                train_initial,
                test_initial,
            });
        }
        network
    }

    /// α of the lazy model, if the network is trained as one.
    pub fn lazy_alpha(&self) -> Option<f64> {
        self.lazy.as_ref().map(|lazy| lazy.alpha)
    }

    /// The layer sizes the network was built with.
    pub fn widths(&self) -> &[usize] {
        &self.widths
    }

    /// The hidden layers' nonlinearity.
    pub fn activation(&self) -> Activation {
        self.activation
    }

    /// The training loss (Mse for regression data whatever the config said).
    pub fn loss(&self) -> Loss {
        self.loss
    }

    fn outputs(&self) -> usize {
        self.shapes.last().map_or(1, |shape| shape.fan_out)
    }

    fn new_workspace(&self) -> Workspace {
        let capacity = self.capacity;
        let last = self.shapes.len().saturating_sub(1);
        Workspace {
            capacity,
            inputs: vec![0.0; self.widths[0] * capacity],
            layers: self
                .shapes
                .iter()
                .enumerate()
                .map(|(index, shape)| LayerBuffers::new(shape.fan_out, capacity, index < last))
                .collect(),
            head_aux: vec![0.0; self.outputs() * capacity],
            cached_params: vec![0.0; self.dim],
            cached_loss: f64::NAN,
            cache: Cache::Empty,
        }
    }

    fn lock_pool(&self) -> MutexGuard<'_, Vec<Workspace>> {
        // A panic elsewhere cannot leave a workspace half-written in the pool (workspaces are out
        // of the pool while in use), so a poisoned lock is safe to keep using.
        self.pool
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `work` with a workspace from the pool (a new one only when all are in use).
    fn with_workspace<R>(&self, work: impl FnOnce(&mut Workspace) -> R) -> R {
        let pooled = self.lock_pool().pop();
        let mut workspace = pooled.unwrap_or_else(|| self.new_workspace());
        let result = work(&mut workspace);
        self.lock_pool().push(workspace);
        result
    }
}

impl Objective for MlpNetwork {
    fn dim(&self) -> usize {
        self.dim
    }

    fn value(&self, x: &DVector<f64>) -> f64 {
        if !self.has_dim(x) {
            return f64::NAN;
        }
        let params = x.as_slice();
        self.with_workspace(|workspace| {
            if self.cached_at(workspace, params) {
                workspace.cached_loss
            } else {
                self.batch_loss(workspace, params, Batch::All(self.train.len()), None)
            }
        })
    }

    fn value_and_grad(&self, x: &DVector<f64>, grad: &mut DVector<f64>) -> f64 {
        if !self.has_dim(x) || grad.len() != self.dim {
            grad.fill(f64::NAN);
            return f64::NAN;
        }
        let batch = Batch::All(self.train.len());
        self.with_workspace(|workspace| {
            self.batch_loss(workspace, x.as_slice(), batch, Some(grad.as_mut_slice()))
        })
    }

    /// The dense Hessian from one exact HVP per column, for small networks only (see
    /// `hessian_from_products`): Newton's method on a tiny net, exact spectra in tests.
    fn hessian(&self, x: &DVector<f64>) -> Option<DMatrix<f64>> {
        hessian_from_products(self, x)
    }

    fn hvp(&self, x: &DVector<f64>, v: &DVector<f64>, out: &mut DVector<f64>) {
        if !self.has_dim(x) || v.len() != self.dim || out.len() != self.dim {
            out.fill(f64::NAN);
            return;
        }
        self.with_workspace(|workspace| {
            self.hessian_product(workspace, x.as_slice(), v.as_slice(), out.as_mut_slice());
        });
    }

    fn num_samples(&self) -> usize {
        self.train.len()
    }

    fn parameter_blocks(&self) -> &[ParameterBlock] {
        &self.blocks
    }

    fn sample_value_and_grad(
        &self,
        x: &DVector<f64>,
        batch: &[usize],
        grad: &mut DVector<f64>,
    ) -> f64 {
        let n = self.train.len();
        if batch.is_empty() {
            return self.value_and_grad(x, grad);
        }
        if !self.has_dim(x) || grad.len() != self.dim || batch.iter().any(|&i| i >= n) {
            grad.fill(f64::NAN);
            return f64::NAN;
        }
        self.with_workspace(|workspace| {
            self.batch_loss(
                workspace,
                x.as_slice(),
                Batch::Indices(batch),
                Some(grad.as_mut_slice()),
            )
        })
    }
}

impl Network for MlpNetwork {
    fn initial_parameters(&self) -> DVector<f64> {
        self.initial.clone()
    }

    fn layers(&self) -> &[Layer] {
        &self.layers
    }

    fn evaluate(&self, x: &DVector<f64>) -> Evaluation {
        if !self.has_dim(x) {
            return Evaluation::default();
        }
        let params = x.as_slice();
        let classification = self.train_targets.is_classification();
        self.with_workspace(|workspace| {
            let train_accuracy = classification.then(|| {
                self.scan(workspace, params, &self.train, &self.train_targets, false)
                    .1
            });
            let test = match (&self.test, &self.test_targets) {
                (Some(test), Some(targets)) => {
                    Some(self.scan(workspace, params, test, targets, true))
                }
                _ => None,
            };
            Evaluation {
                test_loss: test.map(|(loss, _)| loss),
                train_accuracy,
                test_accuracy: test
                    .filter(|_| classification)
                    .map(|(_, accuracy)| accuracy),
            }
        })
    }

    fn data(&self) -> Option<(&Dataset, Option<&Dataset>)> {
        Some((&self.train, self.test.as_ref()))
    }

    fn activation_rms(&self, x: &DVector<f64>) -> Vec<f64> {
        if !self.has_dim(x) {
            return Vec::new();
        }
        self.hidden_activation_rms(x.as_slice())
    }

    fn predict(&self, x: &DVector<f64>, inputs: &[f64], out: &mut [f64]) -> bool {
        if !self.has_dim(x) {
            return false;
        }
        let d = self.widths[0];
        let points = (inputs.len() / d).min(out.len());
        let outputs = self.outputs();
        self.with_workspace(|workspace| {
            workspace.cache = Cache::Empty;
            let capacity = workspace.capacity;
            let mut start = 0;
            while start < points {
                let m = (points - start).min(capacity);
                let input = &inputs[start * d..(start + m) * d];
                let initial = self.lazy.as_ref().map(|_| {
                    self.forward(self.initial.as_slice(), input, m, &mut workspace.layers);
                    workspace
                        .layers
                        .last()
                        .map_or_else(Vec::new, |last| last.pre[..outputs * m].to_vec())
                });
                self.forward(x.as_slice(), input, m, &mut workspace.layers);
                if let Some(initial) = &initial {
                    self.centre_outputs(initial, Batch::All(m), 0, m, &mut workspace.layers);
                }
                if let Some(last) = workspace.layers.last() {
                    for (score, column) in out[start..start + m]
                        .iter_mut()
                        .zip(last.pre.chunks_exact(outputs))
                    {
                        *score = self.score(column);
                    }
                }
                start += m;
            }
        });
        true
    }
}
