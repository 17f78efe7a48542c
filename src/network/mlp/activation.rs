//! The hidden layers' nonlinearities σ with σ' and σ'', and the scalar functions of the losses,
//! each evaluated without overflow (see the module docs of [`super`] for the formulas).

use std::f64::consts::{FRAC_1_SQRT_2, PI};

use serde::{Deserialize, Serialize};

use crate::hyper::HyperChoice;

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

/// The activations' names, as presets write them.
pub const ACTIVATION_CHOICES: &[&str] = &["Tanh", "Relu", "Sigmoid", "Linear", "Gelu"];

impl HyperChoice for Activation {
    fn choice_name(&self) -> &'static str {
        match self {
            Self::Tanh => "Tanh",
            Self::Relu => "Relu",
            Self::Sigmoid => "Sigmoid",
            Self::Linear => "Linear",
            Self::Gelu => "Gelu",
        }
    }

    fn with_choice(&self, name: &str) -> Option<Self> {
        ACTIVATION_CHOICES
            .iter()
            .position(|choice| *choice == name)
            .and_then(|index| {
                [
                    Self::Tanh,
                    Self::Relu,
                    Self::Sigmoid,
                    Self::Linear,
                    Self::Gelu,
                ]
                .get(index)
                .copied()
            })
    }
}

impl Activation {
    /// (σ(z), σ'(z)); `relu_at_zero` is the slope Relu backpropagates at exactly z = 0.
    pub(super) fn value_and_slope(self, z: f64, relu_at_zero: f64) -> (f64, f64) {
        match self {
            Self::Tanh => {
                let t = tanh(z);
                (t, 1.0 - t * t)
            }
            Self::Relu => {
                if z > 0.0 {
                    (z, 1.0)
                } else if z == 0.0 {
                    (0.0, relu_at_zero)
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
    pub(super) fn curvature(self, z: f64, value: f64, slope: f64) -> f64 {
        match self {
            Self::Tanh => -2.0 * value * slope,
            Self::Relu | Self::Linear => 0.0,
            Self::Sigmoid => slope * (1.0 - 2.0 * value),
            Self::Gelu => normal_density(z) * (2.0 - z * z),
        }
    }
}

/// Taylor coefficients 1/(2k+1)! of sinh x = x Σₖ x^(2k)/(2k+1)!, k = 7 down to 0 (Horner order).
pub(super) const SINH_SERIES: [f64; 8] = [
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
pub(super) const COSH_SERIES: [f64; 8] = [
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
pub(super) fn tanh(z: f64) -> f64 {
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
pub(super) fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// log(1 + e^u) without overflow or loss of precision for large |u|.
pub(super) fn softplus(u: f64) -> f64 {
    u.max(0.0) + (-u.abs()).exp().ln_1p()
}

/// log Σ e^(oₖ), shifted by the maximum.
pub(super) fn log_sum_exp(values: &[f64]) -> f64 {
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !max.is_finite() {
        return max;
    }
    max + values.iter().map(|v| (v - max).exp()).sum::<f64>().ln()
}

/// The standard normal density φ(z).
pub(super) fn normal_density(z: f64) -> f64 {
    (-0.5 * z * z).exp() / (2.0 * PI).sqrt()
}
