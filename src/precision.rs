//! Low-precision arithmetic emulated exactly in f64: rounding to bf16, fp16, fp8 (OCP E4M3) and
//! fp32, to nearest-even or stochastically, and a run's iterate kept in such a format.
//!
//! A format with p fraction bits and minimum normal exponent e_min represents
//! x = ±m·2^(e−p), m an integer, e = max(⌊log₂|x|⌋, e_min), so below 2^e_min the spacing stops
//! shrinking (subnormals). Rounding x therefore scales |x| by the quantum q = 2^(e−p) (exact: q is a
//! power of two), rounds r = |x|/q to an integer and scales back; every step is exact in f64, so
//! the result is the correctly rounded value of x itself: bf16 is rounded from f64 in one step, not
//! via f32, which would round twice.
//!
//! - Round to nearest, ties to even (IEEE 754-2019 §4.3.1): m = ⌊r⌉ with halves going to the
//!   even integer.
//! - Stochastic rounding: m = ⌊r⌋ + [u < r − ⌊r⌋] for u uniform on [0, 1), so E[m·q] = |x|:
//!   unbiased, and an update far below half a unit in the last place still moves the iterate on
//!   average (Gupta et al., "Deep learning with limited numerical precision", ICML 2015).
//!
//! Stagnation: adding Δ to x rounds back to x whenever |Δ| < ½·ulp(x), so gradient descent on a
//! bf16 iterate stops where lr·|∇f| < ½·ulp(x) = 2^(⌊log₂|x|⌋−8). Kahan's compensated summation
//! carries the lost part c to the next step: y = fl(Δ + c), t = fl(x + y), c = fl(y − (t − x)),
//! x = t (Kahan 1965; for bf16 training, Zamirai et al., "Revisiting BFloat16 training", 2020).
//!
//! Overflow: bf16, fp16 and fp32 round to ±∞ as IEEE 754 does (a value rounds to ∞ when rounding
//! with an unbounded exponent would exceed the largest finite number). E4M3 has no infinities;
//! the OCP 8-bit Floating Point Specification (OFP8) rev. 1.0 (2023) leaves conversion overflow to
//! a saturating mode (clamp to ±448) or a non-saturating one (NaN). Here E4M3 is non-saturating,
//! as PyTorch's `float8_e4m3fn` cast: a value rounding beyond 448 (|x| > 464) and ±∞ become NaN,
//! so an overflow shows as a diverged run rather than a silently clamped one.

use nalgebra::DVector;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// A floating-point storage format, emulated in f64.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Format {
    /// bfloat16: 8 exponent bits, 7 fraction bits (the top 16 bits of an f32); max ≈ 3.39·10³⁸.
    #[default]
    Bf16,
    /// IEEE 754 binary16: 5 exponent bits, 10 fraction bits; max 65504.
    Fp16,
    /// OCP FP8 E4M3: 4 exponent bits (bias 7), 3 fraction bits, no infinities, NaN = S.1111.111;
    /// max 448.
    Fp8E4M3,
    /// IEEE 754 binary32 (f32): 8 exponent bits, 23 fraction bits.
    Fp32,
}

impl Format {
    /// Every format, for pickers.
    pub const ALL: [Format; 4] = [Format::Bf16, Format::Fp16, Format::Fp8E4M3, Format::Fp32];

    /// Explicit fraction (mantissa) bits p.
    pub fn fraction_bits(self) -> i32 {
        match self {
            Format::Bf16 => 7,
            Format::Fp16 => 10,
            Format::Fp8E4M3 => 3,
            Format::Fp32 => 23,
        }
    }

    /// The exponent of the smallest normal number, e_min (2^e_min is the smallest normal).
    pub fn min_exponent(self) -> i32 {
        match self {
            Format::Bf16 | Format::Fp32 => -126,
            Format::Fp16 => -14,
            Format::Fp8E4M3 => -6,
        }
    }

    /// The largest finite value.
    pub fn max_finite(self) -> f64 {
        match self {
            // (2 − 2⁻⁷)·2¹²⁷
            Format::Bf16 => (2.0 - 2f64.powi(-7)) * 2f64.powi(127),
            Format::Fp16 => 65504.0,
            // 1.110₂·2⁸: the code S.1111.111 above it is NaN.
            Format::Fp8E4M3 => 448.0,
            Format::Fp32 => f64::from(f32::MAX),
        }
    }

    /// The smallest positive (subnormal) value, 2^(e_min − p).
    pub fn min_positive(self) -> f64 {
        2f64.powi(self.min_exponent() - self.fraction_bits())
    }

    /// Unit in the last place of `x` in this format: the spacing 2^(e − p) of the values around x
    /// (the subnormal spacing below 2^e_min).
    pub fn ulp(self, x: f64) -> f64 {
        quantum(x.abs(), self)
    }

    /// A short name for labels: "bf16".
    pub fn name(self) -> &'static str {
        match self {
            Format::Bf16 => "bf16",
            Format::Fp16 => "fp16",
            Format::Fp8E4M3 => "fp8 E4M3",
            Format::Fp32 => "fp32",
        }
    }
}

/// The spacing q = 2^(e − p) of the format's values around a ≥ 0, e = max(⌊log₂ a⌋, e_min).
fn quantum(a: f64, format: Format) -> f64 {
    // The biased exponent field gives ⌊log₂ a⌋ exactly for normal f64; f64 subnormals lie far below
    // every format's e_min.
    let biased = ((a.to_bits() >> 52) & 0x7ff) as i32;
    let exponent = (biased - 1023).max(format.min_exponent());
    2f64.powi(exponent - format.fraction_bits())
}

/// What a value that rounded beyond the largest finite number becomes.
fn overflow(sign: f64, format: Format) -> f64 {
    match format {
        Format::Fp8E4M3 => f64::NAN,
        Format::Bf16 | Format::Fp16 | Format::Fp32 => f64::INFINITY.copysign(sign),
    }
}

/// Rounds `x` to the nearest value of `format`, ties to even. Subnormals are exact, the sign of
/// zero is kept, NaN stays NaN; overflow gives ±∞ (E4M3: NaN, see the module doc).
pub fn round_nearest_even(x: f64, format: Format) -> f64 {
    round_with(x, format, f64::round_ties_even)
}

/// Rounds `x` to one of the two values of `format` around it, up with probability equal to the
/// fraction of the spacing it lies above the lower one, so E[result] = x. `u` is a uniform draw
/// from [0, 1); values of `format` are returned unchanged for every `u`.
pub fn round_stochastic(x: f64, format: Format, u: f64) -> f64 {
    round_with(x, format, |r| {
        let floor = r.floor();
        if u < r - floor { floor + 1.0 } else { floor }
    })
}

/// Rounds |x| / q to an integer with `to_integer`, scales back and restores the sign.
fn round_with(x: f64, format: Format, to_integer: impl Fn(f64) -> f64) -> f64 {
    if x.is_nan() || x == 0.0 {
        return x;
    }
    if x.is_infinite() {
        return overflow(x, format);
    }
    let a = x.abs();
    let q = quantum(a, format);
    // a/q < 2^(p+1) and n·q are exact: q is a power of two within f64's normal range.
    let rounded = to_integer(a / q) * q;
    if rounded > format.max_finite() {
        return overflow(x, format);
    }
    rounded.copysign(x)
}

/// How values are rounded to the format.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Rounding {
    /// Round to nearest, ties to even (IEEE 754's default).
    #[default]
    Nearest,
    /// Stochastic rounding: unbiased, one uniform draw per coordinate and step from the run's seed.
    Stochastic,
}

/// What is kept in the narrow format after every step.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Rounded {
    /// The iterate: x ← fl(x_new), where updates below half an ulp of x are lost.
    #[default]
    Iterate,
    /// The update alone, as when an optimizer's arithmetic runs in the format but the weights
    /// are kept wider: x ← x + fl(Δ) with x in f64. A small update keeps its leading bits, so
    /// nothing stagnates; each step just carries the format's relative error.
    Update,
    /// Both: x ← fl(x + fl(Δ)).
    IterateAndUpdate,
}

/// How an update is added to the stored iterate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Compensation {
    /// x ← fl(x + Δ): updates below half an ulp of x are lost.
    #[default]
    None,
    /// Kahan summation: the rounding error of each addition is kept in a compensation buffer
    /// (stored in the same format) and added to the next update.
    Kahan,
}

/// A run's low-precision setting: the iterate is stored in `format` after every step, or, with
/// `master_copy`, kept in f64 and rounded to `format` wherever the optimizer evaluates it. Presets
/// write it as
/// `precision: (format: Bf16, rounding: Nearest, compensation: None)` or
/// `precision: (format: Bf16, master_copy: true)`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Precision {
    /// The storage format of the iterate.
    pub format: Format,
    /// How the sum x + Δ is rounded.
    pub rounding: Rounding,
    /// Whether lost low-order bits are carried to the next step (with `rounded: Iterate` only).
    pub compensation: Compensation,
    /// What is rounded: the iterate (default), the update, or both.
    pub rounded: Rounded,
    /// Keep the iterate in f64 (the master copy, which the optimizer updates) and round only the
    /// copy the gradients are evaluated at, as mixed-precision training does: no update is lost,
    /// but every gradient is taken at a point of the narrow format. Rounding and compensation
    /// then do not apply (the copy is rounded to nearest). What the run reports (its point, loss,
    /// gradient norm, sharpness and the convergence test) is measured at the f64 master, the
    /// iterate the optimizer holds: a master that has stopped moving half an ulp from a minimum
    /// therefore shows a small nonzero gradient and does not count as converged.
    pub master_copy: bool,
}

impl Precision {
    /// "bf16, nearest" / "fp16, stochastic, Kahan", for legends and tooltips.
    pub fn summary(&self) -> String {
        let rounding = match self.rounding {
            Rounding::Nearest => "nearest",
            Rounding::Stochastic => "stochastic",
        };
        if self.master_copy {
            return format!("{} copy of an f64 master", self.format.name());
        }
        match self.rounded {
            Rounded::Iterate => {}
            Rounded::Update => return format!("{} updates, {rounding}", self.format.name()),
            Rounded::IterateAndUpdate => {
                return format!("{} iterate and updates, {rounding}", self.format.name());
            }
        }
        match self.compensation {
            Compensation::None => format!("{}, {rounding}", self.format.name()),
            Compensation::Kahan => format!("{}, {rounding}, Kahan", self.format.name()),
        }
    }
}

/// Stream of the rounding draws within the run's seed: apart from the oracle's stream, so a run's
/// minibatches and noise are the same with and without stochastic rounding.
const ROUNDING_STREAM: u64 = 0x5052_4543; // "PREC"

/// A run's iterate kept in a low-precision format: the rounding state (Kahan's compensation, the
/// stochastic-rounding generator), allocated once per run.
#[derive(Clone, Debug)]
pub struct LowPrecisionIterate {
    precision: Precision,
    /// Kahan's c: what earlier additions lost, per coordinate, in the format.
    compensation: DVector<f64>,
    rng: ChaCha8Rng,
}

impl LowPrecisionIterate {
    /// The state for an iterate of `dim` coordinates; `seed` is the run's seed.
    pub fn new(precision: Precision, dim: usize, seed: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(ROUNDING_STREAM);
        Self {
            precision,
            compensation: DVector::zeros(dim),
            rng,
        }
    }

    /// The setting.
    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// Rounds a start point into the format (to nearest: a start is data, not an update), unless
    /// only updates are rounded.
    pub fn store(&mut self, x: &mut DVector<f64>) {
        let format = self.precision.format;
        if self.precision.rounded == Rounded::Update {
            return;
        }
        for v in x.iter_mut() {
            *v = round_nearest_even(*v, format);
        }
        self.compensation.fill(0.0);
    }

    /// Replaces the optimizer's new iterate `x` by what a low-precision store would hold: the
    /// stored `previous` iterate plus the update Δ = x − previous, added in the format.
    pub fn apply(&mut self, previous: &DVector<f64>, x: &mut DVector<f64>) {
        let Precision {
            format,
            rounding,
            compensation,
            rounded,
            ..
        } = self.precision;
        let rng = &mut self.rng;
        let mut round = |value: f64| match rounding {
            Rounding::Nearest => round_nearest_even(value, format),
            Rounding::Stochastic => round_stochastic(value, format, rng.random::<f64>()),
        };
        if rounded != Rounded::Iterate {
            // Δ = x − previous rounded first; then the sum kept in f64 or rounded too. Kahan's
            // buffer has nothing to carry when the iterate itself is wide.
            for (v, &old) in x.iter_mut().zip(previous.iter()) {
                let sum = old + round(*v - old);
                *v = if rounded == Rounded::Update {
                    sum
                } else {
                    round(sum)
                };
            }
            return;
        }
        match compensation {
            Compensation::None => {
                for v in x.iter_mut() {
                    *v = round(*v);
                }
            }
            Compensation::Kahan => {
                let coordinates = x.iter_mut().zip(previous.iter());
                for ((v, &old), c) in coordinates.zip(self.compensation.iter_mut()) {
                    let y = round_nearest_even(*v - old + *c, format);
                    let t = round(old + y);
                    // t − old is exact in f64 (both are values of a narrower format): c is exactly
                    // what the addition lost of y, rounded once into the buffer's format.
                    *c = round_nearest_even(y - (t - old), format);
                    *v = t;
                }
            }
        }
    }
}

/// Largest loss scale a preset may ask for (2⁴⁰; fp16 overflows long before).
pub const MAX_LOSS_SCALE: f64 = 1_099_511_627_776.0;

/// A gradient computed in a narrow format, as in mixed-precision training: the loss is multiplied
/// by `loss_scale` before backpropagation, every gradient coordinate is rounded to `format`, and
/// the result is divided by the scale again in full precision (see [`round_scaled_gradient`]).
/// Presets write it as `gradient_precision: (format: Fp16, loss_scale: 1024.0)`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GradientPrecision {
    /// The format the gradient is computed in.
    pub format: Format,
    /// The factor the loss is scaled by (1 = no scaling).
    pub loss_scale: f64,
}

impl Default for GradientPrecision {
    fn default() -> Self {
        Self {
            format: Format::Fp16,
            loss_scale: 1.0,
        }
    }
}

impl GradientPrecision {
    /// The scale must be finite, positive and at most [`MAX_LOSS_SCALE`].
    pub fn validate(&self, checker: &mut crate::validate::Checker) {
        checker.in_range(
            "loss_scale",
            self.loss_scale,
            f64::MIN_POSITIVE,
            MAX_LOSS_SCALE,
        );
    }

    /// Rounds `grad` as this format and scale would compute it.
    pub fn apply(&self, grad: &mut DVector<f64>) {
        round_scaled_gradient(grad, self.format, self.loss_scale);
    }
}

/// Emulates a gradient computed in a low-precision format with loss scaling: every coordinate is
/// multiplied by `loss_scale`, rounded to `format` (to nearest) and divided back. Coordinates
/// below half the smallest subnormal underflow to zero unless the scale lifts them; too large a
/// scale overflows (±∞, or NaN in E4M3). Micikevicius et al., "Mixed precision training", ICLR 2018.
pub fn round_scaled_gradient(grad: &mut DVector<f64>, format: Format, loss_scale: f64) {
    for g in grad.iter_mut() {
        *g = round_nearest_even(*g * loss_scale, format) / loss_scale;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value of a code of the format by its definition (IEEE 754 §3.4; OCP OFP8 §4 for E4M3),
    /// independent of the rounding code: an oracle for the tests.
    fn decode(format: Format, code: u32) -> f64 {
        let (exponent_bits, bias) = match format {
            Format::Bf16 | Format::Fp32 => (8, 127),
            Format::Fp16 => (5, 15),
            Format::Fp8E4M3 => (4, 7),
        };
        let p = format.fraction_bits();
        let fraction = code & ((1 << p) - 1);
        let biased = (code >> p) & ((1 << exponent_bits) - 1);
        let sign = if (code >> (p + exponent_bits)) & 1 == 1 {
            -1.0
        } else {
            1.0
        };
        let all_ones = (1 << exponent_bits) - 1;
        let m = f64::from(fraction) / 2f64.powi(p);
        let value = match format {
            Format::Fp8E4M3 if biased == all_ones && fraction == (1 << p) - 1 => f64::NAN,
            Format::Bf16 | Format::Fp16 | Format::Fp32 if biased == all_ones => {
                if fraction == 0 {
                    f64::INFINITY
                } else {
                    f64::NAN
                }
            }
            _ if biased == 0 => m * 2f64.powi(1 - bias),
            _ => (1.0 + m) * 2f64.powi(biased as i32 - bias),
        };
        sign * value
    }

    fn codes(format: Format) -> u32 {
        match format {
            Format::Fp8E4M3 => 1 << 7,
            Format::Bf16 | Format::Fp16 => 1 << 15,
            Format::Fp32 => unreachable!("not enumerated"),
        }
    }

    #[test]
    fn every_code_is_a_fixed_point_and_every_midpoint_ties_to_the_even_code() {
        for format in [Format::Bf16, Format::Fp16, Format::Fp8E4M3] {
            // Positive finite codes in increasing order; negative ones mirror them.
            let values: Vec<f64> = (0..codes(format))
                .map(|code| decode(format, code))
                .take_while(|v| v.is_finite())
                .collect();
            assert_eq!(
                values.last().copied(),
                Some(format.max_finite()),
                "{format:?}"
            );
            for (code, pair) in values.windows(2).enumerate() {
                let (low, high) = (pair[0], pair[1]);
                for v in [low, -low, high, -high] {
                    assert_eq!(round_nearest_even(v, format).to_bits(), v.to_bits());
                }
                let mid = 0.5 * (low + high);
                let even = if code % 2 == 0 { low } else { high };
                assert_eq!(round_nearest_even(mid, format), even, "{format:?} {mid:e}");
                assert_eq!(round_nearest_even(-mid, format), -even, "{format:?}");
                let nudge = (high - low) * 1e-6;
                assert_eq!(round_nearest_even(mid - nudge, format), low);
                assert_eq!(round_nearest_even(mid + nudge, format), high);
                assert_eq!(round_stochastic(mid, format, 0.0), high);
                assert_eq!(round_stochastic(mid, format, 0.999), low);
            }
        }
    }

    #[test]
    fn hand_picked_values() {
        let two = |e: i32| 2f64.powi(e);
        let cases: &[(Format, f64, f64)] = &[
            // Ties to even in the normal range.
            (Format::Bf16, 1.0 + two(-8), 1.0),
            (Format::Bf16, 1.0 + 3.0 * two(-8), 1.0 + two(-6)),
            (Format::Fp16, 1.0 + two(-11), 1.0),
            (Format::Fp16, 2049.0, 2048.0),
            (Format::Fp16, 2051.0, 2052.0),
            (Format::Fp8E4M3, 1.0625, 1.0),
            (Format::Fp8E4M3, 1.1875, 1.25),
            // bf16 straight from f64: via f32 this rounds twice, to 1.
            (Format::Bf16, 1.0 + two(-8) + two(-30), 1.0 + two(-7)),
            // Largest normal, and just past it.
            (Format::Fp16, 65504.0, 65504.0),
            (Format::Fp16, 65519.99, 65504.0),
            (Format::Fp16, 65520.0, f64::INFINITY),
            (Format::Fp16, -1e6, f64::NEG_INFINITY),
            (
                Format::Bf16,
                3.389_531_389_251_535_5e38,
                3.389_531_389_251_535_5e38,
            ),
            (Format::Bf16, 1e39, f64::INFINITY),
            (Format::Fp8E4M3, 448.0, 448.0),
            (Format::Fp8E4M3, 464.0, 448.0),
            (Format::Fp8E4M3, -460.0, -448.0),
            // Smallest subnormals and halfway below them (a tie with 0, which is even).
            (Format::Fp16, two(-24), two(-24)),
            (Format::Fp16, two(-25), 0.0),
            (Format::Fp16, two(-25) * 1.0001, two(-24)),
            (Format::Fp16, 3.0 * two(-25), two(-23)),
            (Format::Fp16, two(-14) - two(-24), two(-14) - two(-24)),
            (Format::Bf16, two(-133), two(-133)),
            (Format::Bf16, two(-134), 0.0),
            (Format::Fp8E4M3, two(-9), two(-9)),
            (Format::Fp8E4M3, two(-10), 0.0),
            (Format::Fp8E4M3, 7.0 * two(-9), 7.0 * two(-9)),
            (Format::Fp8E4M3, 15.0 * two(-10), two(-6)),
            (Format::Fp32, two(-149), two(-149)),
            (Format::Fp32, two(-150), 0.0),
        ];
        for &(format, x, expected) in cases {
            let got = round_nearest_even(x, format);
            assert_eq!(
                got.to_bits(),
                expected.to_bits(),
                "{format:?} {x:e}: {got:e}"
            );
        }
    }

    #[test]
    fn zeros_nan_and_e4m3_overflow() {
        for format in Format::ALL {
            assert!(round_nearest_even(-0.0, format).is_sign_negative());
            assert_eq!(round_nearest_even(-0.0, format), 0.0);
            // A tiny negative number rounds to −0, as in IEEE 754.
            let tiny = round_nearest_even(-1e-300, format);
            assert!(tiny == 0.0 && tiny.is_sign_negative(), "{format:?}");
            assert!(round_nearest_even(f64::NAN, format).is_nan());
            assert!(round_stochastic(f64::NAN, format, 0.5).is_nan());
        }
        for x in [
            464.0001,
            480.0,
            1e9,
            f64::INFINITY,
            -500.0,
            f64::NEG_INFINITY,
        ] {
            assert!(round_nearest_even(x, Format::Fp8E4M3).is_nan(), "{x}");
        }
        assert_eq!(
            round_nearest_even(f64::INFINITY, Format::Bf16),
            f64::INFINITY
        );
        assert!(round_stochastic(65530.0, Format::Fp16, 0.0).is_infinite());
        assert_eq!(round_stochastic(65530.0, Format::Fp16, 0.9), 65504.0);
    }

    #[test]
    fn fp32_matches_the_hardware_cast() {
        let mut x = 0.1_f64;
        for _ in 0..2000 {
            x = (x * 7.3 + 1e-3).rem_euclid(1e6) - 3e5;
            let tiny = x * 1e-42;
            for v in [x, tiny, x * 1e33] {
                let cast = f64::from(v as f32);
                assert_eq!(
                    round_nearest_even(v, Format::Fp32).to_bits(),
                    cast.to_bits()
                );
            }
        }
    }

    #[test]
    fn bf16_matches_its_f32_prefix_where_no_double_rounding_occurs() {
        // f32 values round to bf16 by their top 16 bits with ties to even.
        for bits in (0u32..u32::MAX).step_by(65_521) {
            let f = f32::from_bits(bits);
            if !f.is_finite() {
                continue;
            }
            let lower = bits & 0xffff_0000;
            let rest = bits & 0xffff;
            let round_up = rest > 0x8000 || (rest == 0x8000 && lower & 0x1_0000 != 0);
            let expected = f32::from_bits(lower.wrapping_add(if round_up { 0x1_0000 } else { 0 }));
            let got = round_nearest_even(f64::from(f), Format::Bf16);
            assert_eq!(got, f64::from(expected), "{f:e}");
        }
    }

    #[test]
    fn stochastic_rounding_is_unbiased() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for (format, x) in [
            (Format::Bf16, 1.0 + 0.3 * 2f64.powi(-7)),
            (Format::Fp16, -3.3e-6),
            (Format::Fp8E4M3, 0.1),
        ] {
            let n = 200_000;
            let mean = (0..n)
                .map(|_| round_stochastic(x, format, rng.random::<f64>()))
                .sum::<f64>()
                / f64::from(n);
            let ulp = format.ulp(x);
            // Standard error ≤ ulp/(2√n) ≈ 1.1e-3 ulp.
            assert!((mean - x).abs() < 5e-3 * ulp, "{format:?}: {mean} vs {x}");
            // And each draw is one of the two neighbours.
            let low = round_stochastic(x, format, 0.999_999);
            let high = round_stochastic(x, format, 0.0);
            assert!(
                (high - low).abs() == ulp && low.abs() < x.abs(),
                "{low} {high}"
            );
        }
    }

    #[test]
    fn small_updates_stagnate_and_kahan_keeps_them() {
        let previous = DVector::from_vec(vec![1.0]);
        let delta = 0.3 * 2f64.powi(-8); // below ½ ulp(1) = 2⁻⁸ in bf16
        let precision = |compensation| Precision {
            compensation,
            ..Precision::default()
        };
        let mut plain = LowPrecisionIterate::new(precision(Compensation::None), 1, 0);
        let mut kahan = LowPrecisionIterate::new(precision(Compensation::Kahan), 1, 0);
        let (mut x_plain, mut x_kahan) = (previous.clone(), previous.clone());
        for _ in 0..100 {
            for (state, x) in [(&mut plain, &mut x_plain), (&mut kahan, &mut x_kahan)] {
                let old = x.clone();
                x[0] += delta;
                state.apply(&old, x);
            }
        }
        assert_eq!(x_plain[0], 1.0);
        let exact = 1.0 + 100.0 * delta;
        assert!(
            (x_kahan[0] - exact).abs() <= Format::Bf16.ulp(exact),
            "{}",
            x_kahan[0]
        );
    }

    #[test]
    fn loss_scaling_rescues_underflowing_gradients() {
        let mut grad = DVector::from_vec(vec![1e-8, -3e-6]);
        let original = grad.clone();
        round_scaled_gradient(&mut grad, Format::Fp16, 1.0);
        assert_eq!(grad[0], 0.0);
        grad.copy_from(&original);
        round_scaled_gradient(&mut grad, Format::Fp16, 65536.0);
        for (g, o) in grad.iter().zip(original.iter()) {
            assert!((g - o).abs() < 1e-3 * o.abs(), "{g} vs {o}");
        }
        grad.copy_from(&original);
        round_scaled_gradient(&mut grad, Format::Fp16, 1e11);
        assert!(grad[1].is_infinite());
    }
}
