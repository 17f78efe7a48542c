//! The element-wise tensor operations torch.optim's update rules are written in, rounded as torch
//! 2.x rounds them on a CPU in float64, so that an optimizer transcribing `_single_tensor_<name>`
//! line by line reproduces torch's iterates to the last bit.
//!
//! torch compiles its CPU kernels once per instruction set and picks the best one at run time
//! (`torch.backends.cpu.get_cpu_capability()`); on x86-64 that is the AVX2 build on any CPU since
//! about 2013. Its vector loops call `fmadd` explicitly and its scalar loops (which handle tensors
//! shorter than two vectors, i.e. every 2D landscape) are compiled by GCC with its default
//! `-ffp-contract=fast`, so a product feeding a sum is fused into one rounding:
//!
//! ```text
//! a.add(b, alpha=α)           = fma(α, b, a)
//! a.addcmul(t1, t2, value=v)  = fma(v·t1, t2, a)        (v·t1 rounded first)
//! a.lerp(b, w)                = fma(w, b − a, a)        for |w| < 0.5
//!                             = fma(w − 1, b − a, b)    otherwise
//! a.addcdiv(t1, t2, value=v)  = a + (v·t1)/t2           (v multiplies t1 before the division)
//! a * s, a / s, a + s         one rounding each, as written
//! ```
//!
//! These were checked against torch 2.15.0 (AVX2, float64) on 20 000 random inputs each:
//! bit-identical. Under `ATEN_CPU_CAPABILITY=default` (no FMA) torch rounds the product and the sum
//! separately instead; the AVX2 behaviour is the one lecturers' machines show.
//!
//! Two places where torch cannot be matched bit for bit, or only with care:
//! - `tensor.sqrt()` in torch's MKL builds (the PyPI wheels for x86-64) calls MKL's `vdSqrt` in its
//!   high-accuracy mode, which is not correctly rounded: about 1.3% of results are 1 ulp away from
//!   the IEEE square root. We use the correctly rounded [`f64::sqrt`], as torch builds without MKL
//!   do, so methods taking square roots of tensors agree with the MKL wheel to the last bit or two,
//!   not exactly.
//! - Scalar arithmetic in the optimizer's Python code (`bias_correction2 ** 0.5`, `beta1 ** step`)
//!   runs in Python floats, i.e. C's `pow`, whose `pow(x, 0.5)` is not always the correctly
//!   rounded `sqrt(x)`: see [`py_pow`].
//!
//! References: PyTorch source, aten/src/ATen/native/cpu/PointwiseOpsKernel.cpp (addcmul, addcdiv),
//! aten/src/ATen/native/cpu/LerpKernel.cpp and Lerp.h (lerp), aten/src/ATen/native/ufunc/add.h
//! (add with alpha), aten/src/ATen/cpu/vml.h (sqrt through MKL VML).

/// torch's `a.add(b, alpha=alpha)`: fma(alpha, b, a).
#[inline]
pub(crate) fn add_scaled(a: f64, b: f64, alpha: f64) -> f64 {
    alpha.mul_add(b, a)
}

/// torch's `a.addcmul(t1, t2, value=value)`: fma(value·t1, t2, a).
#[inline]
pub(crate) fn addcmul(a: f64, t1: f64, t2: f64, value: f64) -> f64 {
    (value * t1).mul_add(t2, a)
}

/// torch's `a.addcdiv(t1, t2, value=value)`: a + (value·t1)/t2, three roundings.
#[inline]
pub(crate) fn addcdiv(a: f64, t1: f64, t2: f64, value: f64) -> f64 {
    a + value * t1 / t2
}

/// torch's `start.lerp(end, weight)`: the form chosen by |weight| < 0.5 keeps the result exact at
/// weight 0 and weight 1, each fused into one rounding.
#[inline]
pub(crate) fn lerp(start: f64, end: f64, weight: f64) -> f64 {
    let difference = end - start;
    if weight.abs() < 0.5 {
        weight.mul_add(difference, start)
    } else {
        (weight - 1.0).mul_add(difference, end)
    }
}

/// torch's `torch.maximum(a, b)`: NaN if either is NaN (unlike [`f64::max`], which drops a NaN and
/// would hide a diverged run).
#[inline]
pub(crate) fn maximum(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else {
        a.max(b)
    }
}

/// Python's `base ** exponent` on floats: C's `pow`. LLVM rewrites `pow(x, 0.5)` with a constant
/// exponent into `sqrt(x)`, which the platform's `pow` does not always equal (glibc's differs on
/// about 0.1% of inputs), and does so only in optimized builds; hiding the exponent from the
/// optimizer keeps debug and release builds calling `pow` like Python does.
#[inline]
pub(crate) fn py_pow(base: f64, exponent: f64) -> f64 {
    base.powf(std::hint::black_box(exponent))
}

/// Largest βᵗ after which 1 − βᵗ stays exactly 1 for every later t (see [`BiasCorrection`]):
/// 2⁻⁵⁵, half of the largest value that 1 − x rounds away.
const SATURATED_POWER: f64 = 2.775_557_561_562_891_4e-17;

/// torch's bias correction `1 - beta ** step` (Python floats, C's `pow`), with `pow` skipped once
/// the result has become exactly 1 for good: bit for bit the same numbers, much cheaper in long
/// runs (1 − 0.9ᵗ is 1 from t = 356 and `pow` is skipped from t = 362; for β₂ = 0.999 from
/// t = 37,412 and 38,105).
///
/// Why skipping is exact: for 0 ≤ β < 1 the true βᵗ decreases with t, and `pow` errs by less than
/// an ulp. Once `pow(β, t)` ≤ 2⁻⁵⁵, every later true βᵗ' is below 2⁻⁵⁵·(1 + 2⁻⁵²), every later
/// `pow(β, t')` below 2⁻⁵⁴, and 1 − x rounds to exactly 1 for every x ≤ 2⁻⁵⁴ (ties to even).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct BiasCorrection {
    /// β (as bits) and the step from which 1 − βᵗ is exactly 1.
    saturated: Option<(u64, f64)>,
}

impl BiasCorrection {
    /// 1 − βᵗ as torch computes it.
    pub(crate) fn at(&mut self, beta: f64, step: f64) -> f64 {
        if let Some((bits, from)) = self.saturated
            && bits == beta.to_bits()
            && step >= from
        {
            return 1.0;
        }
        let power = py_pow(beta, step);
        if (0.0..1.0).contains(&beta) && step >= 1.0 && (0.0..=SATURATED_POWER).contains(&power) {
            self.saturated = Some((beta.to_bits(), step));
        }
        1.0 - power
    }

    /// Forgets the saturation (a reset: the steps start again from 1).
    pub(crate) fn reset(&mut self) {
        self.saturated = None;
    }
}

/// `bias_correction2 ** 0.5` as torch computes it: C's `pow`, except that pow(1, y) is exactly 1
/// by the C standard (Annex F), so a saturated correction needs no call.
pub(crate) fn bias_correction_sqrt(bias_correction: f64) -> f64 {
    if bias_correction == 1.0 {
        1.0
    } else {
        py_pow(bias_correction, 0.5)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saturated_bias_corrections_are_the_pow_results_bit_for_bit() {
        assert_eq!(SATURATED_POWER, 2f64.powi(-55));
        for beta in [0.0, 0.5, 0.9, 0.99, 0.999, 0.9999] {
            let mut correction = BiasCorrection::default();
            let mut saturated_at = None;
            for t in 1..=400_000u32 {
                let step = f64::from(t);
                let expected = 1.0 - py_pow(beta, step);
                let got = correction.at(beta, step);
                assert_eq!(got.to_bits(), expected.to_bits(), "β = {beta}, t = {t}");
                assert_eq!(
                    bias_correction_sqrt(got).to_bits(),
                    py_pow(expected, 0.5).to_bits()
                );
                if saturated_at.is_none() && correction.saturated.is_some() {
                    saturated_at = Some(t);
                }
            }
            if beta < 0.9999 {
                assert!(saturated_at.is_some(), "β = {beta} never saturated");
            }
        }
        // Another β (a live edit) is computed afresh; a reset forgets.
        let mut correction = BiasCorrection::default();
        assert_eq!(correction.at(0.5, 100.0), 1.0);
        assert_eq!(
            correction.at(0.9, 1.0).to_bits(),
            (1.0 - py_pow(0.9, 1.0)).to_bits()
        );
        correction.reset();
        assert!(correction.saturated.is_none());
    }

    #[test]
    fn fused_forms_round_once() {
        // 1 + 2⁻³⁰ squared is 1 + 2⁻²⁹ + 2⁻⁶⁰: the unfused product drops 2⁻⁶⁰, the fused sum keeps it.
        let a = 1.0 + 2f64.powi(-30);
        let minus_rounded_square = -(a * a);
        assert_eq!(addcmul(minus_rounded_square, a, a, 1.0), 2f64.powi(-60));
        assert_eq!(add_scaled(minus_rounded_square, a, a), 2f64.powi(-60));
        assert_eq!(addcdiv(1.0, 3.0, 4.0, 2.0), 2.5);
    }

    #[test]
    fn lerp_is_exact_at_its_ends_and_propagates_nan() {
        assert_eq!(lerp(0.3, 7.1, 0.0), 0.3);
        assert_eq!(lerp(0.3, 7.1, 1.0), 7.1);
        assert_eq!(lerp(1.0, 3.0, 0.25), 1.5);
        assert_eq!(lerp(1.0, 3.0, 0.75), 2.5);
        assert!(maximum(f64::NAN, 1.0).is_nan() && maximum(1.0, f64::NAN).is_nan());
        assert_eq!(maximum(-1.0, 2.0), 2.0);
    }

    #[test]
    fn py_pow_calls_pow() {
        assert_eq!(py_pow(0.25, 0.5), 0.5);
        assert_eq!(py_pow(0.9, 2.0), 0.9f64.powf(2.0));
    }
}
