//! Small networks on toy data: their training losses are [`Objective`]s over a flat parameter
//! vector, so the whole optimizer catalog trains them.
//!
//! Each problem is a config (serde, validated, what presets name: `Mlp(…)`, `DeepLinear(…)`,
//! `MatrixFactorization(…)`) that builds a [`Network`]: the objective plus what the views need —
//! the shared initial parameters, the layer blocks for per-layer norms, held-out loss and
//! accuracy, singular values of the learned matrix and, for low-dimensional inputs, predictions for
//! the decision surface. The problem's `seed` fixes the data and the initial weights, so every run
//! of a scenario starts from the same network; a run's own seed only drives its minibatches and
//! noise.
//!
//! Losses are means over samples (Mse = (1/n) Σ ½‖out − y‖²), so sharpness compares directly with
//! 2/lr (Cohen et al. 2021).

pub mod dataset;
pub mod init;

mod deep_linear;
mod matrix_factorization;
mod mlp;
mod parameter_block;
#[cfg(test)]
mod test_support;

pub use dataset::{Dataset, DatasetConfig, RegressionFunction, Targets};
pub use deep_linear::{DeepLinear, DeepLinearNetwork, LinearTarget};
pub use init::Init;
pub use matrix_factorization::{MatrixFactorization, MatrixFactorizationProblem};
pub use mlp::{Activation, Loss, Mlp, MlpNetwork};
pub use parameter_block::{MatrixLayout, ParameterBlock};

use std::ops::Range;
use std::sync::Arc;

use nalgebra::{DMatrix, DVector};

use crate::hyper::Hypers;
use crate::objective::Objective;
use crate::validate::Checker;

/// What every network config provides to the registry (as [`crate::landscape::LandscapeSpec`] does
/// for landscapes).
pub trait NetworkSpec: Hypers {
    /// One line for the problem picker and `optiviz list`.
    const DESCRIPTION: &'static str;

    /// Semantic checks of the parameters (sizes against their limits, ranges, the data set).
    fn validate(&self, checker: &mut Checker);

    /// Number of terms of the training loss's finite sum (what minibatches draw from), computed
    /// from the config alone: no data generated, no weights drawn. Equals the built network's
    /// [`Objective::num_samples`], for unvalidated configs too (both clamp the same way).
    fn num_samples(&self) -> usize;

    /// The network: data and initial weights drawn from the config's seed.
    fn build_network(&self) -> Arc<dyn Network>;

    /// Whether the built network lists weight matrices ([`Objective::parameter_blocks`]), known
    /// from the config alone so that validation can refuse a method that needs them (Muon)
    /// without building anything.
    const HAS_PARAMETER_BLOCKS: bool = false;
}

/// The registered networks, in picker order: calls `$declare!(Mlp, DeepLinear, …)` with every
/// network config, so that the scenario's `Problem` enum (whose variants presets name) and its
/// dispatch are declared from this one list. Adding a network is its file plus its name here.
macro_rules! network_registry {
    ($declare:ident) => {
        $declare!(Mlp, DeepLinear, MatrixFactorization);
    };
}
pub(crate) use network_registry;

/// A block of parameters drawn as one layer in the per-layer norm plots.
#[derive(Clone, Debug, PartialEq)]
pub struct Layer {
    /// Name in legends: "layer 1", "W₂", "U".
    pub name: String,
    /// Where the block lies in the flat parameter vector.
    pub range: Range<usize>,
}

/// Metrics of a network beyond its training loss.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Evaluation {
    /// Loss on held-out data (test split, unobserved entries), where there is any.
    pub test_loss: Option<f64>,
    /// Fraction of training samples classified correctly (classification only).
    pub train_accuracy: Option<f64>,
    /// Fraction of held-out samples classified correctly (classification with a test split).
    pub test_accuracy: Option<f64>,
}

/// A network's training loss with what the network views need.
pub trait Network: Objective {
    /// The parameters every run starts from (fixed by the problem's seed).
    fn initial_parameters(&self) -> DVector<f64>;

    /// The parameter blocks, in order, covering the whole vector.
    fn layers(&self) -> &[Layer];

    /// Held-out loss and accuracies at `x`.
    fn evaluate(&self, x: &DVector<f64>) -> Evaluation;

    /// Singular values of the learned matrix (the end-to-end product of a deep linear network, UVᵀ
    /// of a factorization), descending; empty for networks without one.
    fn singular_values(&self, _x: &DVector<f64>) -> Vec<f64> {
        Vec::new()
    }

    /// The singular values the learned matrix should reach (the target's), descending.
    fn target_singular_values(&self) -> Vec<f64> {
        Vec::new()
    }

    /// The training and test data, for problems with inputs to draw (1 or 2 input features).
    fn data(&self) -> Option<(&Dataset, Option<&Dataset>)> {
        None
    }

    /// The root mean square of each hidden layer's activations over the training set at `x`, first
    /// hidden layer first (how far the signal survives the depth); empty for networks without
    /// hidden activations to show.
    fn activation_rms(&self, _x: &DVector<f64>) -> Vec<f64> {
        Vec::new()
    }

    /// Predictions at `inputs` (row-major, `data().0.input_dim` numbers per point) written into
    /// `out` (one per point): for two-class problems a score in [−1, 1], positive meaning class 1;
    /// for regression the output. Returns false for problems without inputs.
    fn predict(&self, _x: &DVector<f64>, _inputs: &[f64], _out: &mut [f64]) -> bool {
        false
    }
}

/// Largest dimension for which the networks' [`Objective::hessian`] returns a dense Hessian.
pub(crate) const MAX_DENSE_HESSIAN_DIM: usize = 400;

/// The dense Hessian of `objective` at `x` from dim Hessian-vector products (one per column),
/// symmetrized; `None` above [`MAX_DENSE_HESSIAN_DIM`].
pub(crate) fn hessian_from_products<O: Objective + ?Sized>(
    objective: &O,
    x: &DVector<f64>,
) -> Option<DMatrix<f64>> {
    let dim = objective.dim();
    if dim > MAX_DENSE_HESSIAN_DIM || x.len() != dim {
        return None;
    }
    let mut hessian = DMatrix::zeros(dim, dim);
    let mut unit = DVector::zeros(dim);
    let mut column = DVector::zeros(dim);
    for j in 0..dim {
        unit[j] = 1.0;
        objective.hvp(x, &unit, &mut column);
        hessian.set_column(j, &column);
        unit[j] = 0.0;
    }
    let symmetric = (&hessian + hessian.transpose()) * 0.5;
    Some(symmetric)
}

/// Whether any of `vectors` is not of length `dim`: evaluations then return NaN (which the engine
/// reports as divergence) rather than index out of bounds.
pub(crate) fn mismatched(dim: usize, vectors: &[&DVector<f64>]) -> bool {
    vectors.iter().any(|v| v.len() != dim)
}

/// Singular values of a matrix, descending (nalgebra leaves them unordered); all NaN when an entry
/// is not finite (a diverged run), where the SVD iteration would not terminate.
pub(crate) fn descending_singular_values(matrix: DMatrix<f64>) -> Vec<f64> {
    if matrix.iter().any(|v| !v.is_finite()) {
        return vec![f64::NAN; matrix.nrows().min(matrix.ncols())];
    }
    let mut values: Vec<f64> = matrix.singular_values().iter().copied().collect();
    values.sort_by(|a, b| b.total_cmp(a));
    values
}
