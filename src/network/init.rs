//! Weight initialization schemes for a fully connected layer y = W x + b with W of shape
//! fan_out × fan_in (row-major, like torch's `nn.Linear.weight`).
//!
//! - `TorchDefault` (the default): what `nn.Linear.reset_parameters` does, W and b both
//!   U(−1/√fan_in, 1/√fan_in) (kaiming_uniform_ with a = √5 gives exactly that bound for W).
//! - `Xavier`: Glorot uniform, W ~ U(−a, a) with a = √(6/(fan_in + fan_out)), so
//!   Var W = 2/(fan_in + fan_out); b = 0 (Glorot & Bengio 2010; torch.nn.init.xavier_uniform_).
//! - `He`: Kaiming normal, W ~ N(0, 2/fan_in), b = 0 (He et al. 2015; torch.nn.init.kaiming_normal_
//!   with its defaults mode = "fan_in", nonlinearity = "leaky_relu", a = 0).
//! - `Orthogonal`: torch.nn.init.orthogonal_ with gain 1: the Q factor of the QR decomposition of a
//!   standard Gaussian matrix (transposed first when fan_out < fan_in, so that QR runs on the tall
//!   shape), with each column of Q multiplied by the sign of the matching diagonal entry of R so
//!   that the result is uniformly (Haar) distributed; W has orthonormal rows or columns
//!   (WᵀW = I when fan_out ≥ fan_in); b = 0 (Saxe, McClelland & Ganguli 2014).
//! - `Normal { std }`: W ~ N(0, std²), b = 0 (default std 0.1).
//! - `Constant { value }`: every weight equals `value` and b = 0 (`Constant(value: 0.0)` is the
//!   zero init). All the hidden units of a layer then compute the same function and receive the
//!   same gradient, so gradient descent keeps them equal forever: the layer acts as one unit until
//!   something breaks the symmetry (random init, noise). Nothing is drawn from the generator.
//!
//! Every scheme is then multiplied by the network's `init_scale` (weights and biases alike), the
//! knob that moves a network between the lazy (large scale) and the feature-learning (small scale)
//! regimes.
//!
//! Random numbers are drawn in a fixed order, all weights row by row and then all biases, from the
//! generator handed in, so the problem's seed names the same network on every machine.
//!
//! References: PyTorch documentation, torch.nn.init and torch.nn.Linear; X. Glorot & Y. Bengio,
//! "Understanding the difficulty of training deep feedforward neural networks", AISTATS 2010;
//! K. He, X. Zhang, S. Ren & J. Sun, "Delving deep into rectifiers", ICCV 2015; A. M. Saxe,
//! J. L. McClelland & S. Ganguli, "Exact solutions to the nonlinear dynamics of learning in deep
//! linear neural networks", ICLR 2014.

use nalgebra::DMatrix;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

use crate::hyper::HyperChoice;
use crate::validate::Checker;

/// Standard deviation of [`Init::Normal`] when a preset leaves it out.
const DEFAULT_NORMAL_STD: f64 = 0.1;

fn default_normal_std() -> f64 {
    DEFAULT_NORMAL_STD
}

/// How a layer's weights and biases are drawn (see the module docs for the formulas).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub enum Init {
    /// torch's `nn.Linear` default: W, b ~ U(−1/√fan_in, 1/√fan_in).
    #[default]
    TorchDefault,
    /// Glorot uniform: W ~ U(±√(6/(fan_in + fan_out))), b = 0.
    Xavier,
    /// Kaiming normal: W ~ N(0, 2/fan_in), b = 0.
    He,
    /// Haar-random orthogonal W (QR of a Gaussian matrix, signs fixed by diag R), gain 1, b = 0.
    Orthogonal,
    /// W ~ N(0, std²), b = 0.
    Normal {
        /// Standard deviation of every weight (default 0.1).
        #[serde(default = "default_normal_std")]
        std: f64,
    },
    /// Every weight equal to `value`, b = 0 (no symmetry broken).
    Constant {
        /// The value of every weight (0 = the zero init).
        #[serde(default)]
        value: f64,
    },
}

impl Init {
    /// Checks the scheme's parameters (`Normal`'s std must be finite and > 0, `Constant`'s value
    /// finite).
    pub fn validate(&self, checker: &mut Checker) {
        match self {
            Self::Normal { std } => checker.positive("std", *std),
            Self::Constant { value } => {
                checker.finite("value", *value);
            }
            _ => {}
        }
    }

    /// Fills one layer: `weight` (fan_out × fan_in, row-major) and `bias` (fan_out) drawn from
    /// `rng` by this scheme, both multiplied by `init_scale`. Slices of other lengths than the
    /// shapes say are filled as far as they go (the caller sizes them from the same shapes).
    pub fn fill_layer(
        &self,
        fan_in: usize,
        fan_out: usize,
        init_scale: f64,
        weight: &mut [f64],
        bias: &mut [f64],
        rng: &mut ChaCha8Rng,
    ) {
        // max(1) keeps the bounds finite for a degenerate zero-width layer (nothing is drawn then).
        let fan_in_f = fan_in.max(1) as f64;
        let fan_out_f = fan_out.max(1) as f64;
        match *self {
            Self::TorchDefault => {
                let bound = 1.0 / fan_in_f.sqrt();
                fill_uniform(weight, bound, rng);
                fill_uniform(bias, bound, rng);
            }
            Self::Xavier => {
                fill_uniform(weight, (6.0 / (fan_in_f + fan_out_f)).sqrt(), rng);
                bias.fill(0.0);
            }
            Self::He => {
                fill_normal(weight, (2.0 / fan_in_f).sqrt(), rng);
                bias.fill(0.0);
            }
            Self::Orthogonal => {
                fill_orthogonal(weight, fan_in, fan_out, rng);
                bias.fill(0.0);
            }
            Self::Normal { std } => {
                fill_normal(weight, std, rng);
                bias.fill(0.0);
            }
            Self::Constant { value } => {
                weight.fill(value);
                bias.fill(0.0);
            }
        }
        for value in weight.iter_mut().chain(bias.iter_mut()) {
            *value *= init_scale;
        }
    }
}

/// The schemes' names, as presets write them.
pub const INIT_CHOICES: &[&str] = &[
    "TorchDefault",
    "Xavier",
    "He",
    "Orthogonal",
    "Normal",
    "Constant",
];

impl HyperChoice for Init {
    fn choice_name(&self) -> &'static str {
        match self {
            Self::TorchDefault => "TorchDefault",
            Self::Xavier => "Xavier",
            Self::He => "He",
            Self::Orthogonal => "Orthogonal",
            Self::Normal { .. } => "Normal",
            Self::Constant { .. } => "Constant",
        }
    }

    /// The scheme called `name`, keeping the current parameters when the name is unchanged
    /// (`Normal` otherwise gets std 0.1, `Constant` the value 0).
    fn with_choice(&self, name: &str) -> Option<Self> {
        if name == self.choice_name() {
            return Some(*self);
        }
        match name {
            "TorchDefault" => Some(Self::TorchDefault),
            "Xavier" => Some(Self::Xavier),
            "He" => Some(Self::He),
            "Orthogonal" => Some(Self::Orthogonal),
            "Normal" => Some(Self::Normal {
                std: DEFAULT_NORMAL_STD,
            }),
            "Constant" => Some(Self::Constant { value: 0.0 }),
            _ => None,
        }
    }
}

/// Every entry ~ U(−bound, bound).
fn fill_uniform(values: &mut [f64], bound: f64, rng: &mut ChaCha8Rng) {
    for value in values {
        *value = bound * (2.0 * rng.random::<f64>() - 1.0);
    }
}

/// Every entry ~ N(0, std²).
fn fill_normal(values: &mut [f64], std: f64, rng: &mut ChaCha8Rng) {
    for value in values {
        let z: f64 = StandardNormal.sample(rng);
        *value = std * z;
    }
}

/// torch.nn.init.orthogonal_ (gain 1) into a fan_out × fan_in row-major `weight`.
fn fill_orthogonal(weight: &mut [f64], fan_in: usize, fan_out: usize, rng: &mut ChaCha8Rng) {
    if fan_in == 0 || fan_out == 0 {
        return;
    }
    // torch draws the fan_out × fan_in Gaussian row-major, transposes it when it is wide, and takes
    // QR of the tall result: tall = (rows ≥ cols).
    let wide = fan_out < fan_in;
    let tall_cols = fan_in.min(fan_out);
    let mut gaussian = DMatrix::zeros(fan_out, fan_in);
    // Row-major draw order, as torch's `normal_` fills a contiguous tensor.
    for row in 0..fan_out {
        for col in 0..fan_in {
            gaussian[(row, col)] = StandardNormal.sample(rng);
        }
    }
    let tall = if wide { gaussian.transpose() } else { gaussian };
    let qr = tall.qr();
    let mut q = qr.q();
    let r = qr.r();
    for col in 0..tall_cols {
        // torch multiplies by d.sign(); a zero diagonal has probability zero, and +1 keeps Q
        // orthogonal should it happen.
        if r[(col, col)] < 0.0 {
            q.column_mut(col).neg_mut();
        }
    }
    for (index, value) in weight.iter_mut().take(fan_out * fan_in).enumerate() {
        let (row, col) = (index / fan_in, index % fan_in);
        *value = if wide { q[(col, row)] } else { q[(row, col)] };
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    fn draw(init: Init, fan_in: usize, fan_out: usize) -> (Vec<f64>, Vec<f64>) {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut weight = vec![0.0; fan_in * fan_out];
        let mut bias = vec![0.0; fan_out];
        init.fill_layer(fan_in, fan_out, 1.0, &mut weight, &mut bias, &mut rng);
        (weight, bias)
    }

    fn mean_and_variance(values: &[f64]) -> (f64, f64) {
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
        (mean, variance)
    }

    #[test]
    fn statistics_match_each_scheme() {
        let (fan_in, fan_out) = (256, 128);
        let (n_in, n_out) = (fan_in as f64, fan_out as f64);
        let cases = [
            (Init::TorchDefault, 1.0 / (3.0 * n_in)),
            (Init::Xavier, 2.0 / (n_in + n_out)),
            (Init::He, 2.0 / n_in),
            (Init::Normal { std: 0.1 }, 0.01),
        ];
        for (init, expected_variance) in cases {
            let (weight, bias) = draw(init, fan_in, fan_out);
            let (mean, variance) = mean_and_variance(&weight);
            let std = expected_variance.sqrt();
            assert!(mean.abs() < 0.02 * std, "{init:?}: mean {mean}");
            assert!(
                (variance / expected_variance - 1.0).abs() < 0.03,
                "{init:?}: variance {variance}, expected {expected_variance}"
            );
            match init {
                Init::TorchDefault => {
                    let bound = 1.0 / n_in.sqrt();
                    assert!(weight.iter().chain(&bias).all(|v| v.abs() <= bound));
                    assert!(bias.iter().any(|&b| b != 0.0));
                }
                _ => assert!(bias.iter().all(|&b| b == 0.0)),
            }
        }
    }

    #[test]
    fn orthogonal_has_orthonormal_columns_or_rows() {
        for (fan_in, fan_out) in [(64, 256), (256, 64), (100, 100)] {
            let (weight, bias) = draw(Init::Orthogonal, fan_in, fan_out);
            let w = DMatrix::from_row_slice(fan_out, fan_in, &weight);
            let gram = if fan_out >= fan_in {
                w.transpose() * &w
            } else {
                &w * w.transpose()
            };
            let identity = DMatrix::identity(gram.nrows(), gram.ncols());
            assert!((gram - identity).amax() < 1e-12, "{fan_in}×{fan_out}");
            assert!(bias.iter().all(|&b| b == 0.0));
            // Entries of a Haar-random orthogonal matrix have variance 1/max(fan_in, fan_out).
            let (mean, variance) = mean_and_variance(&weight);
            let expected = 1.0 / fan_in.max(fan_out) as f64;
            assert!(mean.abs() < 0.05 * expected.sqrt());
            assert!((variance / expected - 1.0).abs() < 0.05);
        }
    }

    #[test]
    fn init_scale_multiplies_weights_and_biases() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let (mut w1, mut b1) = (vec![0.0; 6], vec![0.0; 3]);
        Init::TorchDefault.fill_layer(2, 3, 1.0, &mut w1, &mut b1, &mut rng);
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let (mut w2, mut b2) = (vec![0.0; 6], vec![0.0; 3]);
        Init::TorchDefault.fill_layer(2, 3, 0.5, &mut w2, &mut b2, &mut rng);
        for (a, b) in w1.iter().chain(&b1).zip(w2.iter().chain(&b2)) {
            assert_eq!(0.5 * a, *b);
        }
    }

    #[test]
    fn validation_and_ron() {
        let mut checker = Checker::new();
        Init::Normal { std: 0.0 }.validate(&mut checker);
        Init::Normal { std: f64::NAN }.validate(&mut checker);
        Init::He.validate(&mut checker);
        assert_eq!(checker.found.len(), 2);
        assert_eq!(checker.found[0].path, "std");
        let options = crate::ron_format::ron_options();
        for init in [
            Init::TorchDefault,
            Init::Orthogonal,
            Init::Normal { std: 0.3 },
        ] {
            let text = options.to_string(&init).expect("serializes");
            assert_eq!(options.from_str::<Init>(&text).expect("parses"), init);
        }
        let parsed: Init = options.from_str("Normal()").expect("parses");
        assert_eq!(parsed, Init::Normal { std: 0.1 });
        let parsed: Init = options.from_str("Xavier").expect("parses");
        assert_eq!(parsed, Init::Xavier);
    }
}
