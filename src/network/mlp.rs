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
//! autograd (and relu'' = 0); Sigmoid = 1/(1 + e^(−z)); Linear = z (a deep linear network);
//! Gelu = z·Φ(z) with the exact Gaussian CDF Φ(z) = ½(1 + erf(z/√2)) (torch's default
//! `approximate="none"`), Gelu' = Φ + zφ, Gelu'' = φ·(2 − z²), φ the standard normal density.
//!
//! Losses, means over the samples so that sharpness compares with 2/lr (Cohen et al. 2021):
//! - `Mse` (default): (1/n) Σᵢ ½‖oᵢ − yᵢ‖², with yᵢ = ±1 (class 1 ↦ +1) for two-class data and one
//!   output, one-hot for k ≥ 2 outputs, the target value for regression.
//! - `CrossEntropy`: one output, the logistic loss log(1 + exp(−yᵢ zᵢ)) with yᵢ = ±1 (torch's
//!   `BCEWithLogitsLoss`, computed stably as max(u, 0) + log1p(e^(−|u|)), u = −yz); k ≥ 2 outputs,
//!   softmax cross-entropy logsumexp(oᵢ) − oᵢ[cᵢ] (torch's `CrossEntropyLoss`). Regression data has
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

use std::f64::consts::{FRAC_1_SQRT_2, PI};
use std::ops::Range;
use std::sync::{Arc, Mutex, MutexGuard};

use nalgebra::{DMatrix, DMatrixView, DMatrixViewMut, DVector, Dyn};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::dataset::{Dataset, DatasetConfig, Targets};
use super::hessian_from_products;
use super::init::Init;
use super::{Evaluation, Layer, Network};
use crate::objective::Objective;
use crate::validate::Checker;

/// Widest layer allowed.
pub const MAX_WIDTH: usize = 512;
/// Most parameters a network may have.
pub const MAX_PARAMETERS: usize = 200_000;
/// Largest held-out fraction.
const MAX_TEST_FRACTION: f64 = 0.9;
/// Floats the batch buffers of one workspace may hold (32 MB); bigger batches go in chunks.
const WORKSPACE_BUDGET: usize = 1 << 22;
/// Batch buffers per layer width in a workspace (pre, act, slope, curvature, delta, upstream and
/// the three R-pass buffers), plus one for the head.
const BUFFERS_PER_UNIT: usize = 10;
/// Products with every dimension at least this go through matrixmultiply (nalgebra's gemm), the
/// rest through the plain loops below (nalgebra's own small-size path is a gemv per column).
const GEMM_MIN_DIM: usize = 6;

/// The nonlinearity σ of the hidden layers (the output layer has none).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Activation {
    /// tanh z.
    #[default]
    Tanh,
    /// max(z, 0), with relu'(0) = 0 as PyTorch's autograd has it.
    Relu,
    /// 1/(1 + e^(−z)).
    Sigmoid,
    /// z: a deep linear network.
    Linear,
    /// z·Φ(z), Φ the standard normal CDF (exact erf form, torch's default).
    Gelu,
}

impl Activation {
    /// (σ(z), σ'(z)).
    fn value_and_slope(self, z: f64) -> (f64, f64) {
        match self {
            Self::Tanh => {
                let t = tanh(z);
                (t, 1.0 - t * t)
            }
            Self::Relu => {
                if z > 0.0 {
                    (z, 1.0)
                } else {
                    (0.0, 0.0)
                }
            }
            Self::Sigmoid => {
                let s = sigmoid(z);
                (s, s * (1.0 - s))
            }
            Self::Linear => (z, 1.0),
            Self::Gelu => {
                let cdf = 0.5 * (1.0 + libm::erf(z * FRAC_1_SQRT_2));
                (z * cdf, cdf + z * normal_density(z))
            }
        }
    }

    /// σ''(z), given σ(z) and σ'(z) (which make it cheap for tanh and sigmoid).
    fn curvature(self, z: f64, value: f64, slope: f64) -> f64 {
        match self {
            Self::Tanh => -2.0 * value * slope,
            Self::Relu | Self::Linear => 0.0,
            Self::Sigmoid => slope * (1.0 - 2.0 * value),
            Self::Gelu => normal_density(z) * (2.0 - z * z),
        }
    }
}

/// The training loss (see the module docs).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Loss {
    /// (1/n) Σ ½‖out − y‖², y = ±1, one-hot or the regression value.
    #[default]
    Mse,
    /// Logistic loss (one output) or softmax cross-entropy (k ≥ 2 outputs).
    CrossEntropy,
}

/// A multilayer perceptron on a toy data set (the preset's `Mlp(…)`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Mlp {
    /// Layer sizes from the inputs to the outputs: d₀ = the data's input features (2, or 1 for
    /// regression), the last 1 or the number of classes (1 for regression).
    pub widths: Vec<usize>,
    /// Nonlinearity of the hidden layers.
    pub activation: Activation,
    /// Training loss.
    pub loss: Loss,
    /// The data set.
    pub data: DatasetConfig,
    /// How the weights are drawn.
    pub init: Init,
    /// Factor on every initial weight and bias (> 0).
    pub init_scale: f64,
    /// Fraction of the samples held out for the test loss and accuracy, in [0, 0.9].
    pub test_fraction: f64,
    /// Seed of the data, the split and the initial weights.
    pub seed: u64,
}

impl Default for Mlp {
    fn default() -> Self {
        Self {
            widths: vec![2, 32, 32, 1],
            activation: Activation::Tanh,
            loss: Loss::Mse,
            data: DatasetConfig::default(),
            init: Init::TorchDefault,
            init_scale: 1.0,
            test_fraction: 0.0,
            seed: 0,
        }
    }
}

impl Mlp {
    /// One line for the problem picker.
    pub const DESCRIPTION: &str = "Fully connected network on toy data (moons, circles, xor, \
        spiral, 1-D regression): widths, activation, Mse or cross-entropy, init";

    /// Checks the widths against the data and the loss, the parameter budget, init_scale,
    /// test_fraction, and the data set and init scheme (within `data` and `init`).
    pub fn validate(&self, checker: &mut Checker) {
        self.validate_widths(checker);
        if self.loss == Loss::CrossEntropy && self.data.class_count().is_none() {
            checker.report(
                "loss",
                format!(
                    "CrossEntropy needs class labels, but {} has real-valued targets: use Mse",
                    self.data.name()
                ),
            );
        }
        checker.positive("init_scale", self.init_scale);
        checker.in_range("test_fraction", self.test_fraction, 0.0, MAX_TEST_FRACTION);
        checker.within("data", |checker| self.data.validate(checker));
        checker.within("init", |checker| self.init.validate(checker));
    }

    fn validate_widths(&self, checker: &mut Checker) {
        let widths = &self.widths;
        let name = self.data.name();
        if widths.len() < 2 {
            checker.report(
                "widths",
                format!(
                    "widths must list at least 2 sizes (the inputs, then the outputs), got {}",
                    widths.len()
                ),
            );
            return;
        }
        let last = widths.len() - 1;
        for (index, &width) in widths.iter().enumerate() {
            let field = format!("widths[{index}]");
            if index == 0 {
                let inputs = self.data.input_dim();
                if width != inputs {
                    checker.report(
                        &field,
                        format!(
                            "{field} must be {inputs}, the number of input features of {name}, \
                             got {width}"
                        ),
                    );
                }
            } else if index == last {
                if !output_width_fits(width, self.data.class_count()) {
                    let allowed = match self.data.class_count() {
                        Some(classes) => {
                            format!("1 (one score) or {classes} (one per class of {name})")
                        }
                        None => format!("1, the single output of {name}"),
                    };
                    checker.report(&field, format!("{field} must be {allowed}, got {width}"));
                }
            } else if !(1..=MAX_WIDTH).contains(&width) {
                checker.report(
                    &field,
                    format!("{field} must be between 1 and {MAX_WIDTH}, got {width}"),
                );
            }
        }
        let parameters = parameter_count(widths);
        if parameters > MAX_PARAMETERS {
            checker.report(
                "widths",
                format!(
                    "these widths give {parameters} parameters, more than the {MAX_PARAMETERS} \
                     allowed"
                ),
            );
        }
    }

    /// Builds the network: data, split and initial weights from `seed`. An unvalidated config still
    /// builds a well-formed network (widths forced to fit the data and clamped to 1..=512, a
    /// CrossEntropy loss on regression data taken as Mse, init_scale and test_fraction brought
    /// into range).
    pub fn build(&self) -> Arc<MlpNetwork> {
        Arc::new(MlpNetwork::new(self))
    }

    /// The widths the network is built with: the config's, made consistent with the data.
    fn built_widths(&self) -> Vec<usize> {
        let inputs = self.data.input_dim();
        let mut widths: Vec<usize> = self
            .widths
            .iter()
            .map(|width| (*width).clamp(1, MAX_WIDTH))
            .collect();
        if widths.len() < 2 {
            widths = vec![inputs, 1];
        }
        widths[0] = inputs;
        if let Some(output) = widths.last_mut()
            && !output_width_fits(*output, self.data.class_count())
        {
            *output = 1;
        }
        widths
    }
}

/// Whether a last layer of `width` units suits data with `classes` classes (`None`: regression).
fn output_width_fits(width: usize, classes: Option<usize>) -> bool {
    match classes {
        Some(classes) => width == 1 || width == classes,
        None => width == 1,
    }
}

/// Σ_l (d_{l−1} + 1)·d_l, saturating.
fn parameter_count(widths: &[usize]) -> usize {
    widths
        .windows(2)
        .map(|pair| pair[0].saturating_add(1).saturating_mul(pair[1]))
        .fold(0usize, usize::saturating_add)
}

/// Where one layer's parameters lie in the flat vector.
#[derive(Clone, Debug, PartialEq)]
struct LayerShape {
    fan_in: usize,
    fan_out: usize,
    /// W_l, fan_out × fan_in row-major.
    weight: Range<usize>,
    /// b_l.
    bias: Range<usize>,
    /// Whether σ follows (every layer but the last).
    hidden: bool,
}

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
    loss: Loss,
    shapes: Vec<LayerShape>,
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
        let test_fraction = if config.test_fraction.is_finite() {
            config.test_fraction.clamp(0.0, MAX_TEST_FRACTION)
        } else {
            0.0
        };
        let (train, test) = data.split(test_fraction, &mut rng);
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
        Self {
            activation: config.activation,
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
        }
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

    /// Mean loss over `batch` of the training set, with its gradient into `grad` when given.
    fn batch_loss(
        &self,
        workspace: &mut Workspace,
        params: &[f64],
        batch: Batch<'_>,
        mut grad: Option<&mut [f64]>,
    ) -> f64 {
        let total = batch.len();
        let scale = 1.0 / total as f64;
        if let Some(grad) = grad.as_deref_mut() {
            grad.fill(0.0);
        }
        let Workspace {
            capacity,
            inputs,
            layers,
            head_aux,
            ..
        } = workspace;
        let mut loss_sum = 0.0;
        let mut start = 0;
        while start < total {
            let m = (total - start).min(*capacity);
            let input = chunk_input(&self.train, batch, start, m, inputs);
            self.forward(params, input, m, layers);
            let want_grad = grad.is_some();
            loss_sum += self.head(
                &self.train_targets,
                batch,
                start,
                m,
                layers,
                want_grad.then_some((scale, head_aux.as_mut_slice())),
            );
            if want_grad {
                self.backward(params, input, m, layers, grad.as_deref_mut());
            }
            start += m;
        }
        let whole_set = matches!(batch, Batch::All(_)) && total <= *capacity;
        if whole_set && grad.is_some() {
            workspace.cached_params.copy_from_slice(params);
            workspace.cached_loss = loss_sum * scale;
            workspace.cache = Cache::Primal;
        } else {
            workspace.cache = Cache::Empty;
        }
        loss_sum * scale
    }

    /// Whether `workspace` holds the primal pass of the whole training set at `params`.
    fn cached_at(&self, workspace: &Workspace, params: &[f64]) -> bool {
        workspace.cache != Cache::Empty
            && self.train.len() <= workspace.capacity
            && workspace.cached_params == params
    }

    /// ∇²f(params)·direction into `out`, over the whole training set.
    fn hessian_product(
        &self,
        workspace: &mut Workspace,
        params: &[f64],
        direction: &[f64],
        out: &mut [f64],
    ) {
        out.fill(0.0);
        let total = self.train.len();
        let scale = 1.0 / total as f64;
        let batch = Batch::All(total);
        let reuse = self.cached_at(workspace, params);
        let curvature_ready = reuse && workspace.cache == Cache::PrimalAndCurvature;
        let Workspace {
            capacity,
            inputs,
            layers,
            head_aux,
            ..
        } = workspace;
        let mut loss_sum = 0.0;
        let mut start = 0;
        while start < total {
            let m = (total - start).min(*capacity);
            let input = chunk_input(&self.train, batch, start, m, inputs);
            if !reuse {
                self.forward(params, input, m, layers);
                let head = Some((scale, head_aux.as_mut_slice()));
                loss_sum += self.head(&self.train_targets, batch, start, m, layers, head);
                self.backward(params, input, m, layers, None);
            }
            if !curvature_ready {
                self.fill_curvature(m, layers);
            }
            self.r_forward(params, direction, input, m, layers);
            self.r_head(m, scale, head_aux, layers);
            self.r_backward(params, direction, input, m, layers, out);
            start += m;
        }
        if total <= workspace.capacity {
            if !reuse {
                workspace.cached_params.copy_from_slice(params);
                workspace.cached_loss = loss_sum * scale;
            }
            workspace.cache = Cache::PrimalAndCurvature;
        } else {
            workspace.cache = Cache::Empty;
        }
    }

    /// Z_l and A_l for every layer on `m` samples whose inputs are the columns of `input`.
    fn forward(&self, params: &[f64], input: &[f64], m: usize, layers: &mut [LayerBuffers]) {
        for (index, shape) in self.shapes.iter().enumerate() {
            let (done, rest) = layers.split_at_mut(index);
            let Some(current) = rest.first_mut() else {
                return;
            };
            let previous = done.last().map_or(input, |layer| layer.act.as_slice());
            let pre = &mut current.pre[..shape.fan_out * m];
            broadcast_columns(pre, &params[shape.bias.clone()]);
            forward_product(pre, &params[shape.weight.clone()], previous, shape, m);
            if shape.hidden {
                let activation = self.activation;
                for ((z, value), slope) in pre
                    .iter()
                    .zip(current.act.iter_mut())
                    .zip(current.slope.iter_mut())
                {
                    (*value, *slope) = activation.value_and_slope(*z);
                }
            }
        }
    }

    /// Backpropagation from the output deltas (written by the head): the deltas of every layer and,
    /// when `grad` is given, the parameter gradient added into it.
    fn backward(
        &self,
        params: &[f64],
        input: &[f64],
        m: usize,
        layers: &mut [LayerBuffers],
        mut grad: Option<&mut [f64]>,
    ) {
        for (index, shape) in self.shapes.iter().enumerate().rev() {
            let (done, rest) = layers.split_at_mut(index);
            let Some(current) = rest.first() else {
                return;
            };
            let delta = &current.delta[..shape.fan_out * m];
            if let Some(grad) = grad.as_deref_mut() {
                let previous = done.last().map_or(input, |layer| layer.act.as_slice());
                weight_product(&mut grad[shape.weight.clone()], delta, previous, shape, m);
                add_row_sums(&mut grad[shape.bias.clone()], delta, m);
            }
            if let Some(previous) = done.last_mut() {
                let weight = &params[shape.weight.clone()];
                backward_product(&mut previous.upstream, weight, delta, shape, m, false);
                let size = shape.fan_in * m;
                for ((delta, upstream), slope) in previous.delta[..size]
                    .iter_mut()
                    .zip(&previous.upstream)
                    .zip(&previous.slope)
                {
                    *delta = upstream * slope;
                }
            }
        }
    }

    /// σ''(Z_l) of every hidden layer.
    fn fill_curvature(&self, m: usize, layers: &mut [LayerBuffers]) {
        let activation = self.activation;
        for (shape, layer) in self.shapes.iter().zip(layers.iter_mut()) {
            if !shape.hidden {
                continue;
            }
            let size = shape.fan_out * m;
            for (((curvature, z), value), slope) in layer.curvature[..size]
                .iter_mut()
                .zip(&layer.pre)
                .zip(&layer.act)
                .zip(&layer.slope)
            {
                *curvature = activation.curvature(*z, *value, *slope);
            }
        }
    }

    /// R{Z_l} and R{A_l} along `direction`.
    fn r_forward(
        &self,
        params: &[f64],
        direction: &[f64],
        input: &[f64],
        m: usize,
        layers: &mut [LayerBuffers],
    ) {
        for (index, shape) in self.shapes.iter().enumerate() {
            let (done, rest) = layers.split_at_mut(index);
            let Some(current) = rest.first_mut() else {
                return;
            };
            let r_pre = &mut current.r_pre[..shape.fan_out * m];
            broadcast_columns(r_pre, &direction[shape.bias.clone()]);
            let previous_act = done.last().map_or(input, |layer| layer.act.as_slice());
            forward_product(
                r_pre,
                &direction[shape.weight.clone()],
                previous_act,
                shape,
                m,
            );
            if let Some(previous) = done.last() {
                forward_product(
                    r_pre,
                    &params[shape.weight.clone()],
                    &previous.r_act,
                    shape,
                    m,
                );
            }
            if shape.hidden {
                for ((r_act, r_pre), slope) in current
                    .r_act
                    .iter_mut()
                    .zip(r_pre.iter())
                    .zip(&current.slope)
                {
                    *r_act = slope * r_pre;
                }
            }
        }
    }

    /// R{G_L} = ∇²ℓ(O)·R{O}·scale.
    fn r_head(&self, m: usize, scale: f64, head_aux: &[f64], layers: &mut [LayerBuffers]) {
        let outputs = self.outputs();
        let Some(last) = layers.last_mut() else {
            return;
        };
        let size = outputs * m;
        let (r_out, r_delta) = (&last.r_pre[..size], &mut last.r_delta[..size]);
        match (self.loss, &self.train_targets) {
            (Loss::CrossEntropy, TargetTable::Signs(_)) => {
                for ((r_delta, r_out), weight) in r_delta.iter_mut().zip(r_out).zip(head_aux) {
                    *r_delta = scale * weight * r_out;
                }
            }
            (Loss::CrossEntropy, TargetTable::Classes(_)) => {
                for ((r_delta, r_out), probabilities) in r_delta
                    .chunks_exact_mut(outputs)
                    .zip(r_out.chunks_exact(outputs))
                    .zip(head_aux.chunks_exact(outputs))
                {
                    let mean = dot(probabilities, r_out);
                    for ((r_delta, r_out), p) in r_delta.iter_mut().zip(r_out).zip(probabilities) {
                        *r_delta = scale * p * (r_out - mean);
                    }
                }
            }
            _ => {
                for (r_delta, r_out) in r_delta.iter_mut().zip(r_out) {
                    *r_delta = scale * r_out;
                }
            }
        }
    }

    /// Backward R-pass: the Hessian-vector product added into `out`.
    fn r_backward(
        &self,
        params: &[f64],
        direction: &[f64],
        input: &[f64],
        m: usize,
        layers: &mut [LayerBuffers],
        out: &mut [f64],
    ) {
        for (index, shape) in self.shapes.iter().enumerate().rev() {
            let (done, rest) = layers.split_at_mut(index);
            let Some(current) = rest.first() else {
                return;
            };
            let size = shape.fan_out * m;
            let (delta, r_delta) = (&current.delta[..size], &current.r_delta[..size]);
            let weight_out = &mut out[shape.weight.clone()];
            let previous_act = done.last().map_or(input, |layer| layer.act.as_slice());
            weight_product(weight_out, r_delta, previous_act, shape, m);
            if let Some(previous) = done.last() {
                weight_product(weight_out, delta, &previous.r_act, shape, m);
            }
            add_row_sums(&mut out[shape.bias.clone()], r_delta, m);
            if let Some(previous) = done.last_mut() {
                let LayerBuffers {
                    r_delta: previous_r_delta,
                    slope,
                    curvature,
                    upstream,
                    r_pre,
                    ..
                } = previous;
                let weight = &params[shape.weight.clone()];
                let weight_direction = &direction[shape.weight.clone()];
                backward_product(previous_r_delta, weight, r_delta, shape, m, false);
                backward_product(previous_r_delta, weight_direction, delta, shape, m, true);
                let size = shape.fan_in * m;
                for ((((r_delta, slope), curvature), upstream), r_pre) in previous_r_delta[..size]
                    .iter_mut()
                    .zip(slope.iter())
                    .zip(curvature.iter())
                    .zip(upstream.iter())
                    .zip(r_pre.iter())
                {
                    *r_delta = *r_delta * slope + upstream * curvature * r_pre;
                }
            }
        }
    }

    /// Sum over the chunk's `m` samples of the loss of the outputs in the last layer's `pre`. With
    /// `derivatives = Some((scale, aux))`, also writes the output deltas ℓ'·scale into the last
    /// layer's `delta` and the loss curvature into `aux`.
    fn head(
        &self,
        targets: &TargetTable,
        batch: Batch<'_>,
        start: usize,
        m: usize,
        layers: &mut [LayerBuffers],
        derivatives: Option<(f64, &mut [f64])>,
    ) -> f64 {
        let outputs = self.outputs();
        let Some(last) = layers.last_mut() else {
            return f64::NAN;
        };
        let columns = last.pre[..outputs * m].chunks_exact(outputs).enumerate();
        let mut loss_sum = 0.0;
        match derivatives {
            None => {
                for (j, out) in columns {
                    loss_sum += self.sample_loss(targets, batch.sample(start + j), out, None);
                }
            }
            Some((scale, aux)) => {
                let deltas = last.delta.chunks_exact_mut(outputs);
                for (((j, out), delta), aux) in
                    columns.zip(deltas).zip(aux.chunks_exact_mut(outputs))
                {
                    let sample = batch.sample(start + j);
                    loss_sum += self.sample_loss(targets, sample, out, Some((&mut *delta, aux)));
                    for value in delta {
                        *value *= scale;
                    }
                }
            }
        }
        loss_sum
    }

    /// ℓ(out, y) of one sample. With `derivatives`, ∂ℓ/∂out goes into the first slice and what the
    /// R-pass needs of ∇²ℓ into the second: s(1 − s) for the logistic loss, the softmax
    /// probabilities for cross-entropy (Mse needs nothing, its ∇²ℓ is I).
    fn sample_loss(
        &self,
        targets: &TargetTable,
        sample: usize,
        out: &[f64],
        derivatives: Option<(&mut [f64], &mut [f64])>,
    ) -> f64 {
        let indicator = |k: usize, label: usize| if k == label { 1.0 } else { 0.0 };
        match (self.loss, targets) {
            (Loss::CrossEntropy, TargetTable::Signs(signs)) => {
                let y = signs[sample];
                let margin = -y * out[0];
                if let Some((grad, curvature)) = derivatives {
                    let s = sigmoid(margin);
                    grad[0] = -y * s;
                    curvature[0] = s * (1.0 - s);
                }
                softplus(margin)
            }
            (Loss::CrossEntropy, TargetTable::Classes(labels)) => {
                let label = labels[sample];
                let log_sum = log_sum_exp(out);
                if let Some((grad, probabilities)) = derivatives {
                    for (k, ((grad, p), o)) in
                        grad.iter_mut().zip(probabilities).zip(out).enumerate()
                    {
                        *p = (o - log_sum).exp();
                        *grad = *p - indicator(k, label);
                    }
                }
                log_sum - out[label]
            }
            (_, TargetTable::Classes(labels)) => {
                let label = labels[sample];
                let mut loss = 0.0;
                let mut grad = derivatives.map(|(grad, _)| grad);
                for (k, o) in out.iter().enumerate() {
                    let residual = o - indicator(k, label);
                    loss += 0.5 * residual * residual;
                    if let Some(grad) = grad.as_deref_mut() {
                        grad[k] = residual;
                    }
                }
                loss
            }
            (_, TargetTable::Signs(values) | TargetTable::Values(values)) => {
                let residual = out[0] - values[sample];
                if let Some((grad, _)) = derivatives {
                    // One output by construction; any others would not enter the loss.
                    grad.fill(0.0);
                    grad[0] = residual;
                }
                0.5 * residual * residual
            }
        }
    }

    /// Number of the chunk's samples classified correctly (outputs in the last layer's `pre`).
    fn correct(
        &self,
        targets: &TargetTable,
        start: usize,
        m: usize,
        layers: &[LayerBuffers],
    ) -> usize {
        let outputs = self.outputs();
        let Some(last) = layers.last() else {
            return 0;
        };
        let columns = last.pre[..outputs * m].chunks_exact(outputs).enumerate();
        match targets {
            TargetTable::Signs(signs) => columns
                .filter(|(j, out)| (out[0] > 0.0) == (signs[start + j] > 0.0))
                .count(),
            TargetTable::Classes(labels) => columns
                .filter(|(j, out)| argmax(out) == labels[start + j])
                .count(),
            TargetTable::Values(_) => 0,
        }
    }

    /// Mean loss and fraction classified correctly over a whole data set.
    fn scan(
        &self,
        workspace: &mut Workspace,
        params: &[f64],
        data: &Dataset,
        targets: &TargetTable,
    ) -> (f64, f64) {
        workspace.cache = Cache::Empty;
        let Workspace {
            capacity,
            inputs,
            layers,
            ..
        } = workspace;
        let total = data.len();
        let batch = Batch::All(total);
        let (mut loss_sum, mut correct) = (0.0, 0);
        let mut start = 0;
        while start < total {
            let m = (total - start).min(*capacity);
            let input = chunk_input(data, batch, start, m, inputs);
            self.forward(params, input, m, layers);
            loss_sum += self.head(targets, batch, start, m, layers, None);
            correct += self.correct(targets, start, m, layers);
            start += m;
        }
        let n = total.max(1) as f64;
        (loss_sum / n, correct as f64 / n)
    }

    /// The two-class score in [−1, 1] (or the regression output) of one output column.
    fn score(&self, out: &[f64]) -> f64 {
        match (&self.train_targets, self.loss, out) {
            (TargetTable::Values(_), _, [value, ..]) => *value,
            (_, Loss::Mse, [value]) => value.clamp(-1.0, 1.0),
            (_, Loss::CrossEntropy, [logit]) => 2.0 * sigmoid(*logit) - 1.0,
            // p₁ − p₀ = tanh((o₁ − o₀)/2) for softmax; for Mse the one-hot outputs' difference.
            (_, Loss::CrossEntropy, [first, second, ..]) => ((second - first) / 2.0).tanh(),
            (_, Loss::Mse, [first, second, ..]) => (second - first).clamp(-1.0, 1.0),
            _ => f64::NAN,
        }
    }

    fn has_dim(&self, x: &DVector<f64>) -> bool {
        x.len() == self.dim
    }
}

/// Layer shapes and parameter ranges for `widths`.
fn layer_shapes(widths: &[usize]) -> Vec<LayerShape> {
    let count = widths.len().saturating_sub(1);
    let mut offset = 0;
    widths
        .windows(2)
        .enumerate()
        .map(|(index, pair)| {
            let (fan_in, fan_out) = (pair[0], pair[1]);
            let weight = offset..offset + fan_in * fan_out;
            let bias = weight.end..weight.end + fan_out;
            offset = bias.end;
            LayerShape {
                fan_in,
                fan_out,
                weight,
                bias,
                hidden: index + 1 < count,
            }
        })
        .collect()
}

/// The inputs of batch positions start..start + m, column-major d × m: a slice of the data set
/// itself for a whole-set batch, else gathered into `gathered`.
fn chunk_input<'a>(
    data: &'a Dataset,
    batch: Batch<'_>,
    start: usize,
    m: usize,
    gathered: &'a mut [f64],
) -> &'a [f64] {
    let d = data.input_dim;
    match batch {
        Batch::All(_) => &data.inputs[start * d..(start + m) * d],
        Batch::Indices(indices) => {
            for (column, &sample) in gathered.chunks_exact_mut(d).zip(&indices[start..start + m]) {
                column.copy_from_slice(data.input(sample));
            }
            &gathered[..m * d]
        }
    }
}

/// Every column of `matrix` (column-major, `column.len()` rows) set to `column`.
fn broadcast_columns(matrix: &mut [f64], column: &[f64]) {
    for target in matrix.chunks_exact_mut(column.len()) {
        target.copy_from_slice(column);
    }
}

/// `sums` += the row sums of the first m columns of `matrix` (`sums.len()` rows).
fn add_row_sums(sums: &mut [f64], matrix: &[f64], m: usize) {
    for column in matrix.chunks_exact(sums.len()).take(m) {
        for (sum, value) in sums.iter_mut().zip(column) {
            *sum += value;
        }
    }
}

type View<'a> = DMatrixView<'a, f64, Dyn, Dyn>;
type ViewMut<'a> = DMatrixViewMut<'a, f64, Dyn, Dyn>;

/// A rows × cols column-major view.
fn column_major(data: &[f64], rows: usize, cols: usize) -> View<'_> {
    View::from_slice_with_strides(&data[..rows * cols], rows, cols, 1, rows)
}

/// A rows × cols row-major view.
fn row_major(data: &[f64], rows: usize, cols: usize) -> View<'_> {
    View::from_slice_with_strides(&data[..rows * cols], rows, cols, cols, 1)
}

fn uses_gemm(shape: &LayerShape, m: usize) -> bool {
    shape.fan_in >= GEMM_MIN_DIM && shape.fan_out >= GEMM_MIN_DIM && m >= GEMM_MIN_DIM
}

/// out (fan_out × m, column-major) += W·input, W fan_out × fan_in row-major, input fan_in × m.
fn forward_product(out: &mut [f64], weight: &[f64], input: &[f64], shape: &LayerShape, m: usize) {
    let (fan_in, fan_out) = (shape.fan_in, shape.fan_out);
    if uses_gemm(shape, m) {
        let mut target =
            ViewMut::from_slice_with_strides_mut(&mut out[..fan_out * m], fan_out, m, 1, fan_out);
        target.gemm(
            1.0,
            &row_major(weight, fan_out, fan_in),
            &column_major(input, fan_in, m),
            1.0,
        );
        return;
    }
    let out = &mut out[..fan_out * m];
    match fan_in {
        1 => forward_narrow::<1>(out, weight, input, fan_out),
        2 => forward_narrow::<2>(out, weight, input, fan_out),
        3 => forward_narrow::<3>(out, weight, input, fan_out),
        4 => forward_narrow::<4>(out, weight, input, fan_out),
        5 => forward_narrow::<5>(out, weight, input, fan_out),
        _ => {
            for (out_column, input_column) in out
                .chunks_exact_mut(fan_out)
                .zip(input.chunks_exact(fan_in))
            {
                for (out, weight_row) in out_column.iter_mut().zip(weight.chunks_exact(fan_in)) {
                    *out += dot(weight_row, input_column);
                }
            }
        }
    }
}

/// [`forward_product`] for a fan_in of K, known at compile time so the inner sum unrolls.
fn forward_narrow<const K: usize>(out: &mut [f64], weight: &[f64], input: &[f64], fan_out: usize) {
    let (weight_rows, _) = weight.as_chunks::<K>();
    let (input_columns, _) = input.as_chunks::<K>();
    for (out_column, input_column) in out.chunks_exact_mut(fan_out).zip(input_columns) {
        for (out, weight_row) in out_column.iter_mut().zip(weight_rows) {
            let mut sum = 0.0;
            for (w, x) in weight_row.iter().zip(input_column) {
                sum += w * x;
            }
            *out += sum;
        }
    }
}

/// grad_w (fan_out × fan_in, row-major) += delta·inputᵀ over m samples.
fn weight_product(grad_w: &mut [f64], delta: &[f64], input: &[f64], shape: &LayerShape, m: usize) {
    let (fan_in, fan_out) = (shape.fan_in, shape.fan_out);
    if uses_gemm(shape, m) {
        let mut target = ViewMut::from_slice_with_strides_mut(grad_w, fan_out, fan_in, fan_in, 1);
        target.gemm(
            1.0,
            &column_major(delta, fan_out, m),
            &row_major(input, m, fan_in),
            1.0,
        );
        return;
    }
    let delta = &delta[..fan_out * m];
    match fan_in {
        1 => weight_narrow::<1>(grad_w, delta, input, fan_out),
        2 => weight_narrow::<2>(grad_w, delta, input, fan_out),
        3 => weight_narrow::<3>(grad_w, delta, input, fan_out),
        4 => weight_narrow::<4>(grad_w, delta, input, fan_out),
        5 => weight_narrow::<5>(grad_w, delta, input, fan_out),
        _ => {
            for (delta_column, input_column) in
                delta.chunks_exact(fan_out).zip(input.chunks_exact(fan_in))
            {
                for (grad_row, &d) in grad_w.chunks_exact_mut(fan_in).zip(delta_column) {
                    axpy(d, input_column, grad_row);
                }
            }
        }
    }
}

/// [`weight_product`] for a fan_in of K, known at compile time so the inner update unrolls.
fn weight_narrow<const K: usize>(grad_w: &mut [f64], delta: &[f64], input: &[f64], fan_out: usize) {
    let (grad_rows, _) = grad_w.as_chunks_mut::<K>();
    let (input_columns, _) = input.as_chunks::<K>();
    for (delta_column, input_column) in delta.chunks_exact(fan_out).zip(input_columns) {
        for (grad_row, &d) in grad_rows.iter_mut().zip(delta_column) {
            for (grad, x) in grad_row.iter_mut().zip(input_column) {
                *grad += d * x;
            }
        }
    }
}

/// upstream (fan_in × m, column-major) (+)= Wᵀ·delta.
fn backward_product(
    upstream: &mut [f64],
    weight: &[f64],
    delta: &[f64],
    shape: &LayerShape,
    m: usize,
    accumulate: bool,
) {
    let (fan_in, fan_out) = (shape.fan_in, shape.fan_out);
    if uses_gemm(shape, m) {
        let mut target =
            ViewMut::from_slice_with_strides_mut(&mut upstream[..fan_in * m], fan_in, m, 1, fan_in);
        target.gemm(
            1.0,
            &column_major(weight, fan_in, fan_out),
            &column_major(delta, fan_out, m),
            if accumulate { 1.0 } else { 0.0 },
        );
        return;
    }
    for (upstream_column, delta_column) in upstream[..fan_in * m]
        .chunks_exact_mut(fan_in)
        .zip(delta.chunks_exact(fan_out))
    {
        if !accumulate {
            upstream_column.fill(0.0);
        }
        for (weight_row, &d) in weight.chunks_exact(fan_in).zip(delta_column) {
            axpy(d, weight_row, upstream_column);
        }
    }
}

/// aᵀb over the shorter length, in four interleaved partial sums (which lets the loop vectorize).
fn dot(a: &[f64], b: &[f64]) -> f64 {
    let (a_quads, a_rest) = a.as_chunks::<4>();
    let (b_quads, b_rest) = b.as_chunks::<4>();
    let mut partial = [0.0; 4];
    for (x, y) in a_quads.iter().zip(b_quads) {
        for lane in 0..4 {
            partial[lane] += x[lane] * y[lane];
        }
    }
    let mut sum = (partial[0] + partial[1]) + (partial[2] + partial[3]);
    if a_quads.len() == b_quads.len() {
        for (x, y) in a_rest.iter().zip(b_rest) {
            sum += x * y;
        }
    } else {
        let done = 4 * a_quads.len().min(b_quads.len());
        for (x, y) in a[done..].iter().zip(&b[done..]) {
            sum += x * y;
        }
    }
    sum
}

/// y += alpha·x.
fn axpy(alpha: f64, x: &[f64], y: &mut [f64]) {
    for (y, x) in y.iter_mut().zip(x) {
        *y += alpha * x;
    }
}

fn argmax(values: &[f64]) -> usize {
    let mut best = 0;
    for (index, value) in values.iter().enumerate() {
        if *value > values[best] {
            best = index;
        }
    }
    best
}

/// Taylor coefficients 1/(2k+1)! of sinh x = x Σₖ x^(2k)/(2k+1)!, k = 7 down to 0 (Horner order).
const SINH_SERIES: [f64; 8] = [
    1.0 / 1_307_674_368_000.0,
    1.0 / 6_227_020_800.0,
    1.0 / 39_916_800.0,
    1.0 / 362_880.0,
    1.0 / 5_040.0,
    1.0 / 120.0,
    1.0 / 6.0,
    1.0,
];
/// Taylor coefficients 1/(2k)! of cosh x = Σₖ x^(2k)/(2k)!, k = 7 down to 0.
const COSH_SERIES: [f64; 8] = [
    1.0 / 87_178_291_200.0,
    1.0 / 479_001_600.0,
    1.0 / 3_628_800.0,
    1.0 / 40_320.0,
    1.0 / 720.0,
    1.0 / 24.0,
    1.0 / 2.0,
    1.0,
];

/// tanh z to within a few ulps, about twice as fast as libm's (which goes through expm1), since the
/// tanh of every hidden unit of every forward pass is most of the headline preset's time.
/// |z| ≤ ½: sinh z / cosh z from their Taylor series (the first omitted terms are below 1e-19
/// relative); beyond: 1 − 2/(e^(2|z|) + 1), where tanh ≥ 0.46 keeps the subtraction from
/// cancelling. ±0, ±∞ and NaN come out as tanh's.
fn tanh(z: f64) -> f64 {
    let magnitude = z.abs();
    if magnitude > 0.5 {
        (1.0 - 2.0 / ((2.0 * magnitude).exp() + 1.0)).copysign(z)
    } else {
        let square = z * z;
        let sinh_over_z = SINH_SERIES.iter().fold(0.0, |sum, c| sum * square + c);
        let cosh = COSH_SERIES.iter().fold(0.0, |sum, c| sum * square + c);
        z * sinh_over_z / cosh
    }
}

/// 1/(1 + e^(−z)) without overflow.
fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// log(1 + e^u) without overflow or loss of precision for large |u|.
fn softplus(u: f64) -> f64 {
    u.max(0.0) + (-u.abs()).exp().ln_1p()
}

/// log Σ e^(oₖ), shifted by the maximum.
fn log_sum_exp(values: &[f64]) -> f64 {
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !max.is_finite() {
        return max;
    }
    max + values.iter().map(|v| (v - max).exp()).sum::<f64>().ln()
}

/// The standard normal density φ(z).
fn normal_density(z: f64) -> f64 {
    (-0.5 * z * z).exp() / (2.0 * PI).sqrt()
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
                self.scan(workspace, params, &self.train, &self.train_targets)
                    .1
            });
            let test = match (&self.test, &self.test_targets) {
                (Some(test), Some(targets)) => Some(self.scan(workspace, params, test, targets)),
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
                self.forward(x.as_slice(), input, m, &mut workspace.layers);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objective::central_difference_hvp;

    const ACTIVATIONS: [Activation; 5] = [
        Activation::Tanh,
        Activation::Relu,
        Activation::Sigmoid,
        Activation::Linear,
        Activation::Gelu,
    ];

    /// Small nets covering every activation × loss × output kind.
    fn small_configs() -> Vec<Mlp> {
        let moons = DatasetConfig::Moons { n: 13, noise: 0.2 };
        let regression = DatasetConfig::Regression {
            n: 11,
            function: super::super::RegressionFunction::Sine,
            noise: 0.1,
        };
        let mut configs = Vec::new();
        for activation in ACTIVATIONS {
            for (loss, data, widths) in [
                (Loss::Mse, moons, vec![2, 4, 3, 1]),
                (Loss::Mse, moons, vec![2, 5, 2]),
                (Loss::CrossEntropy, moons, vec![2, 4, 3, 1]),
                (Loss::CrossEntropy, moons, vec![2, 3, 4, 2]),
                (Loss::Mse, regression, vec![1, 6, 1]),
                // Wide enough that every product goes through gemm.
                (Loss::CrossEntropy, moons, vec![2, 7, 8, 2]),
            ] {
                configs.push(Mlp {
                    widths,
                    activation,
                    loss,
                    data,
                    init_scale: 1.5,
                    seed: 3,
                    ..Mlp::default()
                });
            }
        }
        configs
    }

    fn point(network: &MlpNetwork, seed: u64) -> DVector<f64> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let noise = DVector::from_fn(network.dim(), |_, _| {
            rand_distr::Distribution::<f64>::sample(&rand_distr::StandardNormal, &mut rng)
        });
        network.initial_parameters() + 0.3 * noise
    }

    fn central_difference_grad(network: &MlpNetwork, x: &DVector<f64>) -> DVector<f64> {
        let h = 1e-6;
        DVector::from_fn(x.len(), |k, _| {
            let (mut plus, mut minus) = (x.clone(), x.clone());
            plus[k] += h;
            minus[k] -= h;
            (network.value(&plus) - network.value(&minus)) / (2.0 * h)
        })
    }

    /// The Hessian from central differences of the exact gradient, column by column.
    fn dense_hessian(network: &MlpNetwork, x: &DVector<f64>) -> DMatrix<f64> {
        let n = x.len();
        let h = 1e-5;
        let mut hessian = DMatrix::zeros(n, n);
        let (mut g_plus, mut g_minus) = (DVector::zeros(n), DVector::zeros(n));
        for k in 0..n {
            let (mut plus, mut minus) = (x.clone(), x.clone());
            plus[k] += h;
            minus[k] -= h;
            network.value_and_grad(&plus, &mut g_plus);
            network.value_and_grad(&minus, &mut g_minus);
            hessian.set_column(k, &((&g_plus - &g_minus) / (2.0 * h)));
        }
        hessian
    }

    fn assert_close(actual: &DVector<f64>, expected: &DVector<f64>, tolerance: f64, what: &str) {
        let error = (actual - expected).amax();
        let scale = 1.0 + expected.amax();
        assert!(
            error <= tolerance * scale,
            "{what}: max error {error:e} (scale {scale})\n{actual}\n{expected}"
        );
    }

    #[test]
    fn fast_tanh_agrees_with_libm() {
        for i in -400_000..=400_000 {
            let z = f64::from(i) * 2.5e-5 + 1e-11;
            let (fast, reference) = (tanh(z), z.tanh());
            assert!(
                (fast - reference).abs() <= 8e-16 * reference.abs(),
                "tanh({z}) = {fast}, libm {reference}"
            );
        }
        for z in [1e-300, 1e-8, 0.4999999, 0.5, 0.5000001, 19.0, 40.0, 1e300] {
            assert!((tanh(z) - z.tanh()).abs() <= 8e-16 * z.tanh());
            assert_eq!(tanh(-z), -tanh(z));
        }
        assert_eq!(tanh(0.0).to_bits(), 0.0f64.to_bits());
        assert_eq!(tanh(-0.0).to_bits(), (-0.0f64).to_bits());
        assert_eq!((tanh(f64::INFINITY), tanh(f64::NEG_INFINITY)), (1.0, -1.0));
        assert!(tanh(f64::NAN).is_nan());
    }

    #[test]
    fn gradient_matches_finite_differences() {
        for config in small_configs() {
            let network = config.build();
            let x = point(&network, 1);
            let mut grad = DVector::zeros(network.dim());
            let value = network.value_and_grad(&x, &mut grad);
            assert_eq!(value, network.value(&x));
            let what = format!(
                "{:?} {:?} {:?}",
                config.activation, config.loss, config.widths
            );
            assert_close(&grad, &central_difference_grad(&network, &x), 1e-6, &what);
        }
    }

    #[test]
    fn minibatch_over_all_samples_is_the_full_gradient() {
        for config in small_configs() {
            let network = config.build();
            let x = point(&network, 2);
            let n = network.num_samples();
            let mut full = DVector::zeros(network.dim());
            let mut batched = DVector::zeros(network.dim());
            let value = network.value_and_grad(&x, &mut full);
            let all: Vec<usize> = (0..n).rev().collect();
            let batch_value = network.sample_value_and_grad(&x, &all, &mut batched);
            assert!((value - batch_value).abs() < 1e-13 * (1.0 + value));
            assert_close(&batched, &full, 1e-13, "reversed batch");
            // A minibatch mean is the mean of single-sample gradients.
            let mut single = DVector::zeros(network.dim());
            let mut mean = DVector::zeros(network.dim());
            let mut mean_value = 0.0;
            for i in [0, 3, 5] {
                mean_value += network.sample_value_and_grad(&x, &[i], &mut single) / 3.0;
                mean += &single / 3.0;
            }
            let value = network.sample_value_and_grad(&x, &[0, 3, 5], &mut batched);
            assert!((value - mean_value).abs() < 1e-13 * (1.0 + value));
            assert_close(&batched, &mean, 1e-13, "minibatch");
        }
    }

    #[test]
    fn hvp_is_exact() {
        for config in small_configs() {
            let network = config.build();
            let what = format!(
                "{:?} {:?} {:?}",
                config.activation, config.loss, config.widths
            );
            let x = point(&network, 4);
            let v = point(&network, 5) - network.initial_parameters();
            let mut exact = DVector::zeros(network.dim());
            network.hvp(&x, &v, &mut exact);
            let mut difference = DVector::zeros(network.dim());
            central_difference_hvp(network.as_ref(), &x, &v, &mut difference);
            assert_close(&exact, &difference, 1e-6, &what);
            let hessian = dense_hessian(&network, &x);
            assert_close(&exact, &(&hessian * &v), 1e-6, &what);
            let from_products = network.hessian(&x).expect("a small network");
            assert_close(&(&from_products * &v), &exact, 1e-12, &what);
            // Cached primal pass (hvp right after a gradient at x) and a fresh one agree exactly.
            let mut grad = DVector::zeros(network.dim());
            network.value_and_grad(&x, &mut grad);
            let mut after_grad = DVector::zeros(network.dim());
            network.hvp(&x, &v, &mut after_grad);
            assert_eq!(after_grad, exact, "{what}");
        }
    }

    #[test]
    fn chunked_batches_agree_with_one_chunk() {
        let config = Mlp {
            widths: vec![2, 8, 7, 2],
            loss: Loss::CrossEntropy,
            activation: Activation::Gelu,
            data: DatasetConfig::Spiral { n: 50, noise: 0.1 },
            test_fraction: 0.2,
            ..Mlp::default()
        };
        let whole = config.build();
        let mut chunked = MlpNetwork::new(&config);
        chunked.capacity = 7;
        let x = point(&whole, 1);
        let v = point(&whole, 2) - whole.initial_parameters();
        let (mut a, mut b) = (DVector::zeros(whole.dim()), DVector::zeros(whole.dim()));
        let value = whole.value_and_grad(&x, &mut a);
        assert!((value - chunked.value_and_grad(&x, &mut b)).abs() < 1e-14);
        assert_close(&b, &a, 1e-13, "gradient");
        whole.hvp(&x, &v, &mut a);
        chunked.hvp(&x, &v, &mut b);
        assert_close(&b, &a, 1e-13, "hvp");
        assert_eq!(
            whole.evaluate(&x).test_accuracy,
            chunked.evaluate(&x).test_accuracy
        );
    }

    #[test]
    fn same_seed_same_network() {
        let config = Mlp {
            test_fraction: 0.25,
            ..Mlp::default()
        };
        let (a, b) = (config.build(), config.build());
        assert_eq!(a.initial_parameters(), b.initial_parameters());
        assert_eq!(a.data(), b.data());
        let other = Mlp {
            seed: 1,
            ..config.clone()
        }
        .build();
        assert_ne!(a.initial_parameters(), other.initial_parameters());
        // Layout: 2·32 + 32 + 32·32 + 32 + 32 + 1 parameters in three named layers.
        assert_eq!(a.dim(), 1185);
        let names: Vec<_> = a.layers().iter().map(|layer| layer.name.as_str()).collect();
        assert_eq!(names, ["layer 1", "layer 2", "layer 3"]);
        assert_eq!(a.layers()[1].range, 96..1152);
        let (train, test) = a.data().expect("an MLP has data");
        assert_eq!((train.len(), test.map(Dataset::len)), (150, Some(50)));
        assert_eq!(a.num_samples(), 150);
        // Too big for a dense Hessian.
        assert!(a.hessian(&a.initial_parameters()).is_none());
    }

    #[test]
    fn evaluation_and_predictions() {
        let config = Mlp {
            test_fraction: 0.25,
            loss: Loss::CrossEntropy,
            ..Mlp::default()
        };
        let network = config.build();
        let mut x = network.initial_parameters();
        // A few hundred GD steps on moons classify nearly everything.
        let mut grad = DVector::zeros(network.dim());
        for _ in 0..500 {
            network.value_and_grad(&x, &mut grad);
            x.axpy(-1.0, &grad, 1.0);
        }
        let evaluation = network.evaluate(&x);
        assert!(evaluation.train_accuracy.expect("classification") > 0.95);
        assert!(evaluation.test_accuracy.expect("a test set") > 0.9);
        assert!(evaluation.test_loss.expect("a test set") < 0.3);
        let (train, _) = network.data().expect("data");
        let mut scores = vec![0.0; train.len()];
        assert!(network.predict(&x, &train.inputs, &mut scores));
        let Targets::Classes { labels, .. } = &train.targets else {
            panic!("moons are labelled");
        };
        let agree = scores
            .iter()
            .zip(labels)
            .filter(|(score, label)| (**score > 0.0) == (**label == 1))
            .count();
        assert_eq!(
            agree as f64 / train.len() as f64,
            evaluation.train_accuracy.unwrap_or(0.0)
        );
        assert!(scores.iter().all(|s| (-1.0..=1.0).contains(s)));
        // Regression: raw outputs, no accuracy.
        let regression = Mlp {
            widths: vec![1, 8, 1],
            data: DatasetConfig::Regression {
                n: 20,
                function: super::super::RegressionFunction::Abs,
                noise: 0.0,
            },
            ..Mlp::default()
        }
        .build();
        let x = regression.initial_parameters();
        assert_eq!(regression.evaluate(&x), Evaluation::default());
        let mut out = [0.0; 2];
        assert!(regression.predict(&x, &[0.5, -1.0], &mut out));
        let mut grad = DVector::zeros(regression.dim());
        regression.sample_value_and_grad(&x, &[0], &mut grad);
        let (train, _) = regression.data().expect("data");
        let mut single = [0.0];
        regression.predict(&x, train.input(0), &mut single);
        let Targets::Values(values) = &train.targets else {
            panic!("regression has values");
        };
        let loss = regression.sample_value_and_grad(&x, &[0], &mut grad);
        assert!((loss - 0.5 * (single[0] - values[0]).powi(2)).abs() < 1e-14);
    }

    #[test]
    fn ron_round_trip() {
        let options = crate::scenario::ron_options();
        let text = "Mlp(widths: [2, 32, 32, 1], activation: Tanh, loss: Mse, \
                    data: Moons(n: 200, noise: 0.1), init: TorchDefault, init_scale: 1.0, \
                    test_fraction: 0.0, seed: 0)";
        let parsed: Mlp = options.from_str(text).expect("parses");
        assert_eq!(parsed, Mlp::default());
        assert_eq!(
            options.from_str::<Mlp>("Mlp()").expect("parses"),
            Mlp::default()
        );
        let config = Mlp {
            widths: vec![2, 16, 2],
            activation: Activation::Gelu,
            loss: Loss::CrossEntropy,
            data: DatasetConfig::Circles {
                n: 300,
                noise: 0.1,
                factor: 0.4,
            },
            init: Init::Normal { std: 0.2 },
            init_scale: 0.5,
            test_fraction: 0.3,
            seed: 7,
        };
        let text = options.to_string(&config).expect("serializes");
        assert_eq!(options.from_str::<Mlp>(&text).expect("parses"), config);
        let text = options
            .to_string_pretty(&config, ron::ser::PrettyConfig::default())
            .expect("serializes");
        assert_eq!(options.from_str::<Mlp>(&text).expect("parses"), config);
    }

    fn findings(config: &Mlp) -> Vec<(String, String)> {
        let mut checker = Checker::new();
        config.validate(&mut checker);
        checker
            .found
            .into_iter()
            .map(|found| (found.path, found.message))
            .collect()
    }

    #[test]
    fn validation_messages() {
        assert!(findings(&Mlp::default()).is_empty());
        let bad_input = Mlp {
            widths: vec![3, 32, 1],
            ..Mlp::default()
        };
        assert_eq!(
            findings(&bad_input),
            [(
                "widths[0]".to_owned(),
                "widths[0] must be 2, the number of input features of Moons, got 3".to_owned()
            )]
        );
        let bad = Mlp {
            widths: vec![2, 0, 600, 3],
            loss: Loss::CrossEntropy,
            init_scale: 0.0,
            test_fraction: 0.95,
            data: DatasetConfig::Xor { n: 2, noise: -1.0 },
            init: Init::Normal { std: -0.1 },
            ..Mlp::default()
        };
        let paths: Vec<String> = findings(&bad).into_iter().map(|(path, _)| path).collect();
        assert_eq!(
            paths,
            [
                "widths[1]",
                "widths[2]",
                "widths[3]",
                "init_scale",
                "test_fraction",
                "data.n",
                "data.noise",
                "init.std"
            ]
        );
        assert!(
            findings(&bad)[2]
                .1
                .contains("1 (one score) or 2 (one per class of Xor)")
        );
        let regression = Mlp {
            widths: vec![1, 8, 2],
            loss: Loss::CrossEntropy,
            data: DatasetConfig::Regression {
                n: 50,
                function: super::super::RegressionFunction::Step,
                noise: 0.0,
            },
            ..Mlp::default()
        };
        let found = findings(&regression);
        assert_eq!(
            found[0].1,
            "widths[2] must be 1, the single output of Regression, got 2"
        );
        assert_eq!(found[1].0, "loss");
        let huge = Mlp {
            widths: vec![2, 512, 512, 1],
            ..Mlp::default()
        };
        assert!(findings(&huge)[0].1.contains("264705 parameters"));
        let short = Mlp {
            widths: vec![2],
            ..Mlp::default()
        };
        assert_eq!(findings(&short)[0].0, "widths");
    }

    #[test]
    fn unvalidated_configs_still_build() {
        for config in [
            Mlp {
                widths: vec![],
                ..Mlp::default()
            },
            Mlp {
                widths: vec![5, 0, 3],
                loss: Loss::CrossEntropy,
                data: DatasetConfig::Regression {
                    n: 0,
                    function: super::super::RegressionFunction::Cubic,
                    noise: f64::NAN,
                },
                init_scale: f64::NAN,
                test_fraction: 5.0,
                ..Mlp::default()
            },
        ] {
            let network = config.build();
            let x = network.initial_parameters();
            let mut grad = DVector::zeros(network.dim());
            assert!(network.value_and_grad(&x, &mut grad).is_finite());
            assert!(grad.iter().all(|g| g.is_finite()));
        }
        // Wrong lengths give NaN, not a panic.
        let network = Mlp::default().build();
        let mut grad = DVector::zeros(3);
        assert!(
            network
                .value_and_grad(&DVector::zeros(3), &mut grad)
                .is_nan()
        );
        let x = network.initial_parameters();
        let mut grad = DVector::zeros(network.dim());
        assert!(
            network
                .sample_value_and_grad(&x, &[10_000], &mut grad)
                .is_nan()
        );
    }

    #[test]
    fn workspace_pool_is_reused() {
        let network = Mlp::default().build();
        let x = network.initial_parameters();
        let mut grad = DVector::zeros(network.dim());
        for _ in 0..5 {
            network.value_and_grad(&x, &mut grad);
            network.hvp(&x, &grad.clone(), &mut grad);
        }
        assert_eq!(network.lock_pool().len(), 1);
        fn is_send_sync<T: Send + Sync>() {}
        is_send_sync::<MlpNetwork>();
    }

    /// `cargo test --release --no-default-features --lib network::mlp -- --ignored --nocapture`
    /// (the machine is shared, so each figure is the best of several blocks).
    #[test]
    #[ignore = "timing, run in release"]
    fn speed_of_the_headline_preset() {
        fn best_of<F: FnMut()>(blocks: usize, mut block: F) -> f64 {
            (0..blocks)
                .map(|_| {
                    let start = std::time::Instant::now();
                    block();
                    start.elapsed().as_secs_f64()
                })
                .fold(f64::INFINITY, f64::min)
        }
        let network = Mlp::default().build();
        let mut x = network.initial_parameters();
        let mut grad = DVector::zeros(network.dim());
        let mut v = DVector::from_element(network.dim(), 1.0 / (network.dim() as f64).sqrt());
        let mut hv = DVector::zeros(network.dim());
        let gradient = best_of(10, || {
            for _ in 0..200 {
                network.value_and_grad(&x, &mut grad);
                x.axpy(-0.1, &grad, 1.0);
            }
        }) / 200.0;
        let cached_hvp = best_of(10, || {
            for _ in 0..200 {
                network.hvp(&x, &v, &mut hv);
                let norm = hv.norm();
                v.copy_from(&hv);
                v /= norm;
            }
        }) / 200.0;
        let x2 = &x * 1.0001;
        let fresh_hvp = best_of(10, || {
            for k in 0..200 {
                let y = if k % 2 == 0 { &x } else { &x2 };
                network.hvp(y, &v, &mut hv);
            }
        }) / 200.0;
        let whole = best_of(3, || {
            for step in 0..2000 {
                network.value_and_grad(&x, &mut grad);
                x.axpy(-0.1, &grad, 1.0);
                if step % 10 == 0 {
                    for _ in 0..20 {
                        network.hvp(&x, &v, &mut hv);
                        let norm = hv.norm();
                        v.copy_from(&hv);
                        v /= norm;
                    }
                }
            }
        });
        assert!(x.iter().all(|v| v.is_finite()));
        println!(
            "gradient {:.1} µs, HVP (cached primal) {:.1} µs, HVP (fresh) {:.1} µs, \
             2000 GD steps + 200 × 20 HVPs {:.0} ms",
            gradient * 1e6,
            cached_hvp * 1e6,
            fresh_hvp * 1e6,
            whole * 1e3
        );
    }
}
