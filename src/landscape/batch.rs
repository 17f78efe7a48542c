//! Values (and gradients) at many points at once, for landscapes cheap enough that the loop around
//! them costs as much as the function.
//!
//! Points come as a structure of arrays (xᵢ in one slice, yᵢ in another) and results go to three
//! slices, so that
//!
//! ```text
//! (valuesᵢ, [gradient_xᵢ, gradient_yᵢ]) = value_and_gradient([xsᵢ, ysᵢ])   for every i, bit for bit
//! ```
//!
//! A [`PointKernel`] writes a landscape's formula once over SIMD lanes (a [`ValueKernel`] its value
//! alone, for contour grids, with the scalar `value`'s operations: (valuesᵢ = value([xsᵢ, ysᵢ]))); [`run`] picks the widest
//! instruction set the CPU has at run time (pulp's dispatch: AVX2 + FMA, else SSE4.2, else
//! scalar; the release build itself targets baseline x86-64) and finishes the last few points
//! with the landscape's own scalar code. A kernel must perform exactly the scalar code's
//! operations in its order (IEEE 754 +, −, × round the same in every lane; Rust never fuses a
//! product into a sum unless told to), which the landscapes' tests check on random points.
//!
//! Reference: J. L. Hennessy & D. A. Patterson, *Computer Architecture: A Quantitative Approach*
//! (6th ed., 2017), §4.3 (SIMD extensions, structure of arrays).

use pulp::{Arch, Simd, WithSimd};

/// A landscape's value and gradient written once for a whole SIMD register of points.
pub(crate) trait PointKernel: Copy {
    /// (f, ∂f/∂x, ∂f/∂y) at the lanes' points, with the scalar code's operations in its order.
    fn lanes<S: Simd>(self, simd: S, x: S::f64s, y: S::f64s) -> (S::f64s, S::f64s, S::f64s);

    /// (f, ∂f/∂x, ∂f/∂y) at one point: the landscape's own `value_and_gradient`.
    fn point(self, x: f64, y: f64) -> (f64, f64, f64);
}

/// Runs `kernel` over every point (up to the shortest slice), dispatching on the CPU's features.
pub(crate) fn run<K: PointKernel>(
    kernel: K,
    xs: &[f64],
    ys: &[f64],
    values: &mut [f64],
    gradient_x: &mut [f64],
    gradient_y: &mut [f64],
) {
    let n = xs
        .len()
        .min(ys.len())
        .min(values.len())
        .min(gradient_x.len())
        .min(gradient_y.len());
    Arch::new().dispatch(Batch {
        kernel,
        xs: &xs[..n],
        ys: &ys[..n],
        values: &mut values[..n],
        gradient_x: &mut gradient_x[..n],
        gradient_y: &mut gradient_y[..n],
    });
}

/// A landscape's value alone written once for a whole SIMD register of points.
pub(crate) trait ValueKernel: Copy {
    /// f at the lanes' points, with the scalar `value`'s operations in its order.
    fn value_lanes<S: Simd>(self, simd: S, x: S::f64s, y: S::f64s) -> S::f64s;

    /// f at one point: the landscape's own `value`.
    fn value_point(self, x: f64, y: f64) -> f64;
}

/// Runs `kernel`'s values over every point (up to the shortest slice), dispatching on the CPU's
/// features.
pub(crate) fn run_values<K: ValueKernel>(kernel: K, xs: &[f64], ys: &[f64], values: &mut [f64]) {
    let n = xs.len().min(ys.len()).min(values.len());
    Arch::new().dispatch(ValueBatch {
        kernel,
        xs: &xs[..n],
        ys: &ys[..n],
        values: &mut values[..n],
    });
}

/// One value-only call's slices, all of one length.
struct ValueBatch<'a, K> {
    kernel: K,
    xs: &'a [f64],
    ys: &'a [f64],
    values: &'a mut [f64],
}

impl<K: ValueKernel> WithSimd for ValueBatch<'_, K> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) {
        let ValueBatch {
            kernel,
            xs,
            ys,
            values,
        } = self;
        let (xs_head, xs_tail) = S::as_simd_f64s(xs);
        let (ys_head, ys_tail) = S::as_simd_f64s(ys);
        let (values_head, values_tail) = S::as_mut_simd_f64s(values);
        for ((&x, &y), value) in xs_head.iter().zip(ys_head).zip(values_head) {
            *value = kernel.value_lanes(simd, x, y);
        }
        for ((&x, &y), value) in xs_tail.iter().zip(ys_tail).zip(values_tail) {
            *value = kernel.value_point(x, y);
        }
    }
}

/// One call's slices, all of one length.
struct Batch<'a, K> {
    kernel: K,
    xs: &'a [f64],
    ys: &'a [f64],
    values: &'a mut [f64],
    gradient_x: &'a mut [f64],
    gradient_y: &'a mut [f64],
}

impl<K: PointKernel> WithSimd for Batch<'_, K> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) {
        let Batch {
            kernel,
            xs,
            ys,
            values,
            gradient_x,
            gradient_y,
        } = self;
        let (xs_head, xs_tail) = S::as_simd_f64s(xs);
        let (ys_head, ys_tail) = S::as_simd_f64s(ys);
        let (values_head, values_tail) = S::as_mut_simd_f64s(values);
        let (gx_head, gx_tail) = S::as_mut_simd_f64s(gradient_x);
        let (gy_head, gy_tail) = S::as_mut_simd_f64s(gradient_y);
        let heads = xs_head
            .iter()
            .zip(ys_head)
            .zip(values_head.iter_mut().zip(gx_head).zip(gy_head));
        for ((&x, &y), ((value, gx), gy)) in heads {
            (*value, *gx, *gy) = kernel.lanes(simd, x, y);
        }
        let tails = xs_tail
            .iter()
            .zip(ys_tail)
            .zip(values_tail.iter_mut().zip(gx_tail).zip(gy_tail));
        for ((&x, &y), ((value, gx), gy)) in tails {
            (*value, *gx, *gy) = kernel.point(x, y);
        }
    }
}

/// Every NaN is the same NaN here: only finiteness matters downstream.
#[cfg(test)]
fn canonical_bits(v: f64) -> u64 {
    if v.is_nan() {
        f64::NAN.to_bits()
    } else {
        v.to_bits()
    }
}

/// Checks a landscape's value batch against its scalar `value`, bit for bit, on points of every
/// scale (and non-finite ones) and on lengths that leave every possible tail.
#[cfg(test)]
pub(crate) fn assert_value_batch_matches_scalar(landscape: &dyn super::Landscape) {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
    let coordinate = |rng: &mut rand_chacha::ChaCha8Rng| match rng.random_range(0..20) {
        0 => f64::NAN,
        1 => f64::NEG_INFINITY,
        2 => 1e200,
        3 => -1e160,
        _ => rng.random_range(-4.0..4.0) * 10f64.powi(rng.random_range(-3..4)),
    };
    for n in [0, 1, 3, 4, 5, 7, 8, 9, 64, 257] {
        let xs: Vec<f64> = (0..n).map(|_| coordinate(&mut rng)).collect();
        let ys: Vec<f64> = (0..n).map(|_| coordinate(&mut rng)).collect();
        let mut values = vec![0.0; n];
        landscape.value_batch(&xs, &ys, &mut values);
        for i in 0..n {
            let expected = canonical_bits(landscape.value([xs[i], ys[i]]));
            let got = canonical_bits(values[i]);
            assert_eq!(got, expected, "n = {n}, point {i}: ({}, {})", xs[i], ys[i]);
        }
    }
}

/// Checks a landscape's batch against its scalar `value_and_gradient`, bit for bit, on points of
/// every scale (and non-finite ones) and on lengths that leave every possible tail.
#[cfg(test)]
pub(crate) fn assert_batch_matches_scalar(landscape: &dyn super::Landscape) {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let coordinate = |rng: &mut rand_chacha::ChaCha8Rng| match rng.random_range(0..20) {
        0 => f64::NAN,
        1 => f64::INFINITY,
        2 => 1e200,
        3 => -1e160,
        _ => rng.random_range(-4.0..4.0) * 10f64.powi(rng.random_range(-3..4)),
    };
    for n in [0, 1, 3, 4, 5, 7, 8, 9, 64, 257] {
        let xs: Vec<f64> = (0..n).map(|_| coordinate(&mut rng)).collect();
        let ys: Vec<f64> = (0..n).map(|_| coordinate(&mut rng)).collect();
        let (mut values, mut gx, mut gy) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
        landscape.value_and_gradient_batch(&xs, &ys, &mut values, &mut gx, &mut gy);
        for i in 0..n {
            let (value, gradient) = landscape.value_and_gradient([xs[i], ys[i]]);
            let expected = [value, gradient[0], gradient[1]].map(canonical_bits);
            let got = [values[i], gx[i], gy[i]].map(canonical_bits);
            assert_eq!(got, expected, "n = {n}, point {i}: ({}, {})", xs[i], ys[i]);
        }
    }
}
