//! The MLP's configuration (what presets write as `Mlp(…)`): its fields, defaults and checks.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::MlpNetwork;
use super::activation::{ACTIVATION_CHOICES, Activation};
use crate::hyper::{HyperChoice, Hypers, hyper_table};
use crate::landscape::expression::RELU_GRAD_AT_ZERO_CHOICES;
use crate::network::dataset::{DatasetConfig, held_out_len};
use crate::network::init::{INIT_CHOICES, Init};
use crate::network::{Network, NetworkSpec};
use crate::validate::Checker;

/// Widest layer allowed.
pub const MAX_WIDTH: usize = 512;
/// Most parameters a network may have.
pub const MAX_PARAMETERS: usize = 200_000;
/// Largest held-out fraction.
pub(super) const MAX_TEST_FRACTION: f64 = 0.9;

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
    /// relu′(0), the slope Relu backpropagates at exactly 0: 0 (PyTorch), 0.5 or 1.
    pub relu_grad_at_zero: f64,
    /// Trains the centred, scaled model α·(h(θ; x) − h(θ₀; x)) on the loss divided by α²
    /// (Chizat, Oyallon & Bach 2019) instead of h itself (`None`: the plain network).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lazy_alpha: Option<f64>,
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
            relu_grad_at_zero: 0.0,
            lazy_alpha: None,
        }
    }
}

/// The losses' names, as presets write them.
pub const LOSS_CHOICES: &[&str] = &["Mse", "CrossEntropy"];

impl HyperChoice for Loss {
    fn choice_name(&self) -> &'static str {
        match self {
            Loss::Mse => "Mse",
            Loss::CrossEntropy => "CrossEntropy",
        }
    }

    fn with_choice(&self, name: &str) -> Option<Self> {
        match name {
            "Mse" => Some(Loss::Mse),
            "CrossEntropy" => Some(Loss::CrossEntropy),
            _ => None,
        }
    }
}

hyper_table! {
    Mlp, owner: "Mlp";
    activation: choice(ACTIVATION_CHOICES), "Nonlinearity σ of the hidden layers";
    loss: choice(LOSS_CHOICES), "Mse, or logistic / softmax cross-entropy (class labels only)";
    { get: |c: &Self| c.data.len(), set: |c: &mut Self, name: &str, value| {
        c.data.samples_mut().assign_hyper(name, value)
    } } as "n": int(4, 2000), "Number of samples (4 to 100 000)";
    { get: |c: &Self| c.data.noise(), set: |c: &mut Self, name: &str, value| {
        c.data.noise_mut().assign_hyper(name, value)
    } } as "noise": float(0.0, 1.0), "Standard deviation of the data's noise";
    init_scale: log_float(1e-3, 10.0) where positive, "Factor on every initial weight and bias (> 0)";
    test_fraction: float(0.0, 0.9) where in_range(0.0, MAX_TEST_FRACTION),
        "Fraction of the samples held out for the test loss";
    seed: int(0, 100), "Seed of the data, the split and the initial weights";
    relu_grad_at_zero: float(0.0, 1.0) where one_of(&RELU_GRAD_AT_ZERO_CHOICES),
        "relu′(0) backpropagation uses at exactly 0: 0 (PyTorch), 0.5 or 1";
    init: choice(INIT_CHOICES), "How the weights are drawn (Constant: every weight equal)";
    value as "init_value" if let Init::Constant { value } = init: float(-1.0, 1.0),
        "The value of every weight of a Constant init";
    alpha as "lazy_alpha" if let Some(alpha) = lazy_alpha: log_float(0.1, 1000.0),
        "α of the lazy model α·(h(θ) − h(θ₀)), trained on the loss over α²";
}

impl NetworkSpec for Mlp {
    const DESCRIPTION: &str = "Fully connected network on toy data (moons, circles, xor, \
        spiral, 1-D regression): widths, activation, Mse or cross-entropy, init";

    /// Checks the widths against the data and the loss, the parameter budget, init_scale,
    /// test_fraction, and the data set and init scheme (within `data` and `init`).
    fn validate(&self, checker: &mut Checker) {
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
        // The table's own checks (init_scale > 0, test_fraction in [0, 0.9]) in their old place.
        self.validate_rows(checker);
        checker.within("data", |checker| self.data.validate(checker));
        checker.within("init", |checker| self.init.validate(checker));
        if let Some(alpha) = self.lazy_alpha {
            checker.positive("lazy_alpha", alpha);
        }
    }

    /// The training split's size: n (clamped to the data set's limits) less round(n·test_fraction)
    /// held out, as [`Mlp::build`] splits.
    fn num_samples(&self) -> usize {
        let n = self.data.generated_len();
        n - held_out_len(n, self.built_test_fraction())
    }

    fn build_network(&self) -> Arc<dyn Network> {
        self.build()
    }

    /// Every layer's W_l, fan_out × fan_in row-major (the biases are vectors).
    const HAS_PARAMETER_BLOCKS: bool = true;
}

impl Mlp {
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

    /// The held-out fraction the network is built with (out of range: clamped; not finite: 0).
    pub(super) fn built_test_fraction(&self) -> f64 {
        if self.test_fraction.is_finite() {
            self.test_fraction.clamp(0.0, MAX_TEST_FRACTION)
        } else {
            0.0
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
    pub(super) fn built_widths(&self) -> Vec<usize> {
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
pub(super) fn output_width_fits(width: usize, classes: Option<usize>) -> bool {
    match classes {
        Some(classes) => width == 1 || width == classes,
        None => width == 1,
    }
}

/// Σ_l (d_{l−1} + 1)·d_l, saturating.
pub(super) fn parameter_count(widths: &[usize]) -> usize {
    widths
        .windows(2)
        .map(|pair| pair[0].saturating_add(1).saturating_mul(pair[1]))
        .fold(0usize, usize::saturating_add)
}
