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

    /// A radius R such that f and ∇f are finite wherever |x|, |y| ≤ R (0: no such promise).
    /// Lets [`descend`] skip testing f's finiteness inside its escape box, and computing f at all.
    fn finite_within(self) -> f64 {
        0.0
    }
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

/// Where a lane of [`descend`] stands when the SIMD test cannot clear it.
#[derive(Clone, Copy, Debug)]
pub struct LaneState {
    /// The start's id, as `next_start` gave it.
    pub id: usize,
    /// The iterate xₖ.
    pub point: [f64; 2],
    /// f(xₖ).
    pub value: f64,
    /// ∇f(xₖ).
    pub gradient: [f64; 2],
    /// k, the steps taken from the start.
    pub step: u64,
    /// f(xₖ₋₁), NaN at the start, when f(xₖ) is not finite (what a diverged start reports);
    /// otherwise f(xₖ) itself, to spare recomputing a value nobody reads.
    pub previous_value: f64,
}

/// Plain gradient descent xₖ₊₁ = fma(−lr, ∇f(xₖ), xₖ) from many starts, with the whole loop in
/// SIMD registers (see [`descend`]).
pub struct Descent<'a> {
    /// −lr.
    pub neg_lr: f64,
    /// The step budget: a lane at step `steps` always goes to `settle`, which must finish it.
    pub steps: u64,
    /// The SIMD test's "go on" region: |xₖ − centre|² ≤ `escape_distance_squared`, f(xₖ) finite
    /// and ‖∇f(xₖ)‖² ≥ `tolerance_squared`. Lanes outside it go to `settle`.
    pub centre: [f64; 2],
    /// See `centre`.
    pub escape_distance_squared: f64,
    /// See `centre`.
    pub tolerance_squared: f64,
    /// The next start to take up, as (id, point), or `None` when there are no more.
    pub next_start: &'a mut dyn FnMut() -> Option<(usize, [f64; 2])>,
    /// The exact check of a lane the SIMD test could not clear: returns true when the start is
    /// finished (the callee records its result), false to take the step.
    pub settle: &'a mut dyn FnMut(LaneState) -> bool,
    /// Whether to give up (looked at every few thousand steps).
    pub cancelled: &'a dyn Fn() -> bool,
}

/// Runs `descent` to the end with `kernel`'s f and ∇f, dispatching on the CPU's features; returns
/// false if it was cancelled.
///
/// Every lane holds its own start at its own step count, so a lane that finishes takes up the next
/// start at once and no lane idles while others work, until the starts of the call run out.
///
/// Most steps run in *chunks* of up to [`CHUNK`] group steps with no test per step at all, only
/// four operations that keep the smallest and largest ‖∇f‖² any lane met. After a chunk one test
/// shows that no step of it could have ended a start: every ‖∇f(xₖ)‖² was above the tolerance, and
/// the steps, each at most lr·max‖∇f‖ (plus its rounding) per coordinate, cannot have carried a
/// lane out of the escape box from where the chunk began (a NaN or infinity never turns finite
/// again under x ← fma(−lr, g, x), so one that appeared shows at the chunk's end). A chunk that
/// fails the test is undone and replayed step by step: a register of lanes that all pass the
/// per-step SIMD test steps without leaving the registers; any other register is spilled, each lane
/// that failed the test is settled exactly (in the scalar code's order of operations), and
/// finished lanes are refilled. Either way the steps are the scalar loop's, bit for bit.
pub(crate) fn descend<K: PointKernel>(kernel: K, descent: &mut Descent<'_>) -> bool {
    Arch::new().dispatch(DescentPass { kernel, descent })
}

/// Most lanes of any SIMD register pulp dispatches to (AVX-512: 8 f64).
const MAX_LANES: usize = 8;
/// Registers stepped together: independent chains of the same operations, so that the core
/// overlaps their latencies (one register's step is a chain of about ten dependent operations).
const REGISTERS: usize = 8;
/// Most lanes in flight.
const MAX_GROUP: usize = MAX_LANES * REGISTERS;
/// Group steps between looks at the cancel flag.
const CANCEL_EVERY: u64 = 1024;
/// Most group steps of a chunk taken without a test per step: long enough that the test after it
/// costs little, short enough that replaying a failed chunk (once per start that converges or
/// diverges early) costs little too.
const CHUNK: u64 = 64;

struct DescentPass<'a, 'b, K> {
    kernel: K,
    descent: &'a mut Descent<'b>,
}

/// The scalar side of a spilled group of registers: one entry per lane.
struct Lanes {
    x: [f64; MAX_GROUP],
    y: [f64; MAX_GROUP],
    /// Where each lane's start began, to replay it when a diverged start needs f(xₖ₋₁).
    start: [[f64; 2]; MAX_GROUP],
    step: [u64; MAX_GROUP],
    id: [usize; MAX_GROUP],
    /// 1.0 where the lane holds no start (it passes the SIMD test, and is never settled).
    idle: [f64; MAX_GROUP],
}

impl Lanes {
    /// Puts the next start into lane j, or idles it; returns whether it got one.
    fn refill(&mut self, j: usize, descent: &mut Descent<'_>) -> bool {
        match (descent.next_start)() {
            Some((id, point)) => {
                (self.x[j], self.y[j]) = (point[0], point[1]);
                self.start[j] = point;
                self.step[j] = 0;
                self.id[j] = id;
                self.idle[j] = 0.0;
                true
            }
            None => {
                // A harmless point: the centre, never stepped.
                (self.x[j], self.y[j]) = (descent.centre[0], descent.centre[1]);
                self.idle[j] = 1.0;
                false
            }
        }
    }

    /// Points every idle lane at a working lane's iterate, so that an idle lane passes or fails a
    /// chunk's test exactly when that lane does (idle lanes are never settled).
    fn mirror_idle(&mut self, group: usize) {
        let Some(working) = (0..group).find(|&j| self.idle[j] == 0.0) else {
            return;
        };
        for j in 0..group {
            if self.idle[j] != 0.0 {
                (self.x[j], self.y[j]) = (self.x[working], self.y[working]);
            }
        }
    }

    /// The fewest steps any working lane has left before its budget runs out.
    fn budget(&self, lanes: usize, steps: u64) -> u64 {
        (0..lanes)
            .filter(|&j| self.idle[j] == 0.0)
            .map(|j| steps.saturating_sub(self.step[j]))
            .min()
            .unwrap_or(0)
    }
}

/// The test after a chunk of steps taken without a test per step (see [`descend`]).
struct ChunkTest<S: Simd> {
    lr: f64,
    centre_x: S::f64s,
    centre_y: S::f64s,
    /// Half the side of the escape box (inside the escape circle even after rounding).
    half_width: f64,
    /// Bounds one coordinate's rounding error per step inside the box: 2⁻⁵² (|centre| + half
    /// width) ≥ |fl(z) − z| for the fma's exact result z.
    rounding: f64,
    /// ‖∇f‖² at least this (computed as fma(gy, gy, gx·gx)) implies the scalar test's
    /// gx·gx + gy·gy ≥ tol²: the two roundings differ by a few ulps, far less than the 10⁻⁶
    /// margin, and the floor keeps the squares out of the subnormal range where ulps are coarse.
    squared_threshold: S::f64s,
}

impl<S: Simd> ChunkTest<S> {
    fn new(simd: S, descent: &Descent<'_>) -> Self {
        let half_width = (descent.escape_distance_squared / 2.0).sqrt() * (1.0 - 1e-9);
        let tolerance_squared = descent.tolerance_squared;
        Self {
            // |−lr|: the bound below must grow with the step whatever sign a caller passes.
            lr: descent.neg_lr.abs(),
            centre_x: simd.splat_f64s(descent.centre[0]),
            centre_y: simd.splat_f64s(descent.centre[1]),
            half_width,
            rounding: (descent.centre[0].abs().max(descent.centre[1].abs()) + half_width)
                * f64::EPSILON,
            squared_threshold: simd.splat_f64s(if tolerance_squared > 0.0 {
                tolerance_squared.max(1e-290) * (1.0 + 1e-6)
            } else {
                0.0
            }),
        }
    }

    /// Whether no step of a chunk of `length` group steps from `from` to `to` could have ended a
    /// start, given the smallest and largest ‖∇f‖² any lane met (and, where f is tested, whether it
    /// stayed finite). NaN fails every comparison, so it always fails the test.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn cleared(
        &self,
        simd: S,
        length: u64,
        from: [[S::f64s; REGISTERS]; 2],
        to: [[S::f64s; REGISTERS]; 2],
        finite: S::m64s,
        smallest: S::f64s,
        largest: S::f64s,
    ) -> bool {
        // One step moves a coordinate by at most lr·|gᵢ| + the rounding bound (the fma's product
        // is exact; only its sum rounds), and
        // |gᵢ| ≤ ‖g‖ ≤ √(computed ‖g‖²)·(1 + 10⁻⁹) wherever the larger square is a normal number
        // (else |gᵢ| < 10⁻¹⁵⁰, the floor added below).
        let gradient_bound = simd.reduce_max_f64s(largest).sqrt() * (1.0 + 1e-9) + 1e-150;
        let reach = length as f64 * (self.lr * gradient_bound + self.rounding) * (1.0 + 1e-9);
        // Negative or NaN when the chunk may have gone too far: the comparisons below then fail.
        let start_width = simd.splat_f64s(self.half_width - reach);
        let end_width = simd.splat_f64s(self.half_width);
        let inside = |x: S::f64s, y: S::f64s, width: S::f64s| {
            simd.and_m64s(
                simd.less_than_or_equal_f64s(simd.abs_f64s(simd.sub_f64s(x, self.centre_x)), width),
                simd.less_than_or_equal_f64s(simd.abs_f64s(simd.sub_f64s(y, self.centre_y)), width),
            )
        };
        let mut cleared = simd.and_m64s(
            finite,
            simd.greater_than_or_equal_f64s(smallest, self.squared_threshold),
        );
        for r in 0..REGISTERS {
            cleared = simd.and_m64s(cleared, inside(from[0][r], from[1][r], start_width));
            // A NaN or infinity met on the way is still there at the end.
            cleared = simd.and_m64s(cleared, inside(to[0][r], to[1][r], end_width));
        }
        simd.first_true_m64s(simd.not_m64s(cleared)) >= S::F64_LANES
    }
}

/// A spilled group's registers, lane by lane.
struct Spilled<'a> {
    x: &'a [f64; MAX_GROUP],
    y: &'a [f64; MAX_GROUP],
    /// f at the lanes' points, where the loop computed it.
    values: Option<&'a [f64; MAX_GROUP]>,
    gradient_x: &'a [f64; MAX_GROUP],
    gradient_y: &'a [f64; MAX_GROUP],
    /// 1.0 where the lane passed the SIMD test.
    passed: &'a [f64; MAX_GROUP],
}

impl Lanes {
    /// Catches every working lane up by the `run` group steps it took in registers, then settles
    /// each lane that failed the SIMD test or used up its budget (refilling it when finished) and
    /// steps the others in scalar code. Returns how many lanes found no start to take up.
    fn settle_spilled<K: PointKernel>(
        &mut self,
        kernel: K,
        descent: &mut Descent<'_>,
        spilled: &Spilled<'_>,
        run: u64,
        group: usize,
    ) -> usize {
        let mut stopped = 0;
        for j in 0..group {
            if self.idle[j] != 0.0 {
                continue;
            }
            self.step[j] += run;
            let step = self.step[j];
            let (x, y) = (spilled.x[j], spilled.y[j]);
            let (gx, gy) = (spilled.gradient_x[j], spilled.gradient_y[j]);
            let finished = (spilled.passed[j] == 0.0 || step >= descent.steps) && {
                let value = spilled
                    .values
                    .map_or_else(|| kernel.point(x, y).0, |values| values[j]);
                let previous_value = if value.is_finite() {
                    value
                } else {
                    replayed_value(kernel, self.start[j], step, descent.neg_lr)
                };
                (descent.settle)(LaneState {
                    id: self.id[j],
                    point: [x, y],
                    value,
                    gradient: [gx, gy],
                    step,
                    previous_value,
                })
            };
            if finished {
                if !self.refill(j, descent) {
                    stopped += 1;
                }
            } else {
                self.x[j] = descent.neg_lr.mul_add(gx, x);
                self.y[j] = descent.neg_lr.mul_add(gy, y);
                self.step[j] = step + 1;
            }
        }
        stopped
    }
}

/// `combine` over all registers as a balanced tree: a chain of ⌈log₂ REGISTERS⌉ operations.
#[inline(always)]
fn pairwise<V: Copy>(mut values: [V; REGISTERS], combine: impl Fn(V, V) -> V) -> V {
    let mut width = REGISTERS;
    while width > 1 {
        let half = width / 2;
        for i in 0..half {
            values[i] = combine(values[i], values[width - 1 - i]);
        }
        width -= half;
    }
    values[0]
}

/// `values[r·lanes..(r + 1)·lanes]` as register r, for every r.
#[inline(always)]
fn load_group<S: Simd>(values: &[f64; MAX_GROUP], lanes: usize) -> [S::f64s; REGISTERS] {
    std::array::from_fn(|r| S::as_simd_f64s(&values[r * lanes..(r + 1) * lanes]).0[0])
}

/// Register r into `values[r·lanes..(r + 1)·lanes]`, for every r.
#[inline(always)]
fn store_group<S: Simd>(registers: [S::f64s; REGISTERS], lanes: usize) -> [f64; MAX_GROUP] {
    let mut values = [0.0; MAX_GROUP];
    for (r, register) in registers.into_iter().enumerate() {
        S::as_mut_simd_f64s(&mut values[r * lanes..(r + 1) * lanes]).0[0] = register;
    }
    values
}

/// f(xₖ₋₁) of the run from `start` at step k (NaN for k = 0), by replaying its steps with the
/// scalar code: the same values the lanes computed, bit for bit, without keeping them in the hot
/// loop. Only diverged starts need it, once.
fn replayed_value<K: PointKernel>(kernel: K, start: [f64; 2], step: u64, neg_lr: f64) -> f64 {
    if step == 0 {
        return f64::NAN;
    }
    let [mut x, mut y] = start;
    for _ in 1..step {
        let (_, gx, gy) = kernel.point(x, y);
        x = neg_lr.mul_add(gx, x);
        y = neg_lr.mul_add(gy, y);
    }
    kernel.point(x, y).0
}

impl<K: PointKernel> WithSimd for DescentPass<'_, '_, K> {
    type Output = bool;

    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) -> bool {
        let DescentPass { kernel, descent } = self;
        let box_reach = (descent.escape_distance_squared / 2.0).sqrt()
            + descent.centre[0].abs().max(descent.centre[1].abs());
        if box_reach <= kernel.finite_within() {
            descend_lanes::<S, K, false>(simd, kernel, descent)
        } else {
            descend_lanes::<S, K, true>(simd, kernel, descent)
        }
    }
}

/// The fused loop of [`descend`]. With `CHECK_VALUE` false the kernel promised finite values
/// inside the escape box, so f is neither tested nor (the compiler drops it) computed in the hot
/// loop; the few lanes that are settled get theirs from the scalar code, which is the same number.
#[inline(always)]
fn descend_lanes<S: Simd, K: PointKernel, const CHECK_VALUE: bool>(
    simd: S,
    kernel: K,
    descent: &mut Descent<'_>,
) -> bool {
    let lanes = S::F64_LANES.min(MAX_LANES);
    let group = lanes * REGISTERS;
    let mut state = Lanes {
        x: [0.0; MAX_GROUP],
        y: [0.0; MAX_GROUP],
        start: [[0.0; 2]; MAX_GROUP],
        step: [0; MAX_GROUP],
        id: [0; MAX_GROUP],
        idle: [1.0; MAX_GROUP],
    };
    let mut working = 0;
    for j in 0..group {
        working += usize::from(state.refill(j, descent));
    }
    let neg_lr = simd.splat_f64s(descent.neg_lr);
    let centre_x = simd.splat_f64s(descent.centre[0]);
    let centre_y = simd.splat_f64s(descent.centre[1]);
    // The SIMD test in its cheap form, without products: the box |dx|, |dy| ≤ h lies inside
    // the escape circle even after rounding dx² + dy², and |gᵢ| ≥ t > √tol² makes the
    // rounded gᵢ² alone at least tol², so either implies the exact comparison.
    let chunk = ChunkTest::new(simd, descent);
    let half_width = simd.splat_f64s(chunk.half_width);
    let infinity = simd.splat_f64s(f64::INFINITY);
    let threshold = simd.splat_f64s(descent.tolerance_squared.sqrt() * (1.0 + 1e-9));
    let zero = simd.splat_f64s(0.0);
    let one = simd.splat_f64s(1.0);
    let all_true = simd.less_than_f64s(zero, one);
    let idle_mask = |idle: &[f64; MAX_GROUP]| {
        load_group::<S>(idle, lanes).map(|v| simd.greater_than_f64s(v, zero))
    };
    state.mirror_idle(group);
    let mut x = load_group::<S>(&state.x, lanes);
    let mut y = load_group::<S>(&state.y, lanes);
    let mut idle = idle_mask(&state.idle);
    let mut budget = state.budget(group, descent.steps);
    // Group steps since the last spill: every working lane took them.
    let mut run: u64 = 0;
    let mut until_cancel_check = CANCEL_EVERY;
    // Group steps still to take one by one, replaying a chunk that failed its test.
    let mut replay: u64 = 0;
    while working > 0 {
        if replay == 0 && run < budget {
            let length = (budget - run).min(CHUNK);
            if until_cancel_check <= length {
                until_cancel_check = CANCEL_EVERY;
                if (descent.cancelled)() {
                    return false;
                }
            } else {
                until_cancel_check -= length;
            }
            let (chunk_x, chunk_y) = (x, y);
            let mut smallest = infinity;
            let mut largest = zero;
            let mut finite = all_true;
            for _ in 0..length {
                let mut squared = [zero; REGISTERS];
                for r in 0..REGISTERS {
                    let (f, gx, gy) = kernel.lanes(simd, x[r], y[r]);
                    if CHECK_VALUE {
                        finite =
                            simd.and_m64s(finite, simd.less_than_f64s(simd.abs_f64s(f), infinity));
                    }
                    squared[r] = simd.mul_add_f64s(gy, gy, simd.mul_f64s(gx, gx));
                    x[r] = simd.mul_add_f64s(neg_lr, gx, x[r]);
                    y[r] = simd.mul_add_f64s(neg_lr, gy, y[r]);
                }
                // Pairwise, so that the accumulators add one operation to their chains per group
                // step rather than one per register.
                smallest = simd.min_f64s(smallest, pairwise(squared, |a, b| simd.min_f64s(a, b)));
                largest = simd.max_f64s(largest, pairwise(squared, |a, b| simd.max_f64s(a, b)));
            }
            if chunk.cleared(
                simd,
                length,
                [chunk_x, chunk_y],
                [x, y],
                finite,
                smallest,
                largest,
            ) {
                run += length;
            } else {
                (x, y) = (chunk_x, chunk_y);
                replay = length;
            }
            continue;
        }
        replay = replay.saturating_sub(1);
        until_cancel_check -= 1;
        if until_cancel_check == 0 {
            until_cancel_check = CANCEL_EVERY;
            if (descent.cancelled)() {
                return false;
            }
        }
        let mut value = [zero; REGISTERS];
        let mut gx = [zero; REGISTERS];
        let mut gy = [zero; REGISTERS];
        let mut goes_on = [all_true; REGISTERS];
        let mut all_clear = all_true;
        for r in 0..REGISTERS {
            let (f, gx_r, gy_r) = kernel.lanes(simd, x[r], y[r]);
            (gx[r], gy[r]) = (gx_r, gy_r);
            if CHECK_VALUE {
                value[r] = f;
            }
            let dx = simd.abs_f64s(simd.sub_f64s(x[r], centre_x));
            let dy = simd.abs_f64s(simd.sub_f64s(y[r], centre_y));
            // Two comparisons, not one of max(|dx|, |dy|): max would hide a NaN.
            let inside = simd.and_m64s(
                simd.less_than_or_equal_f64s(dx, half_width),
                simd.less_than_or_equal_f64s(dy, half_width),
            );
            let finite = if CHECK_VALUE {
                simd.less_than_f64s(simd.abs_f64s(value[r]), infinity)
            } else {
                all_true
            };
            // max may drop a NaN here: the exact test then finds no convergence either.
            let largest = simd.max_f64s(simd.abs_f64s(gx[r]), simd.abs_f64s(gy[r]));
            let moving = simd.greater_than_or_equal_f64s(largest, threshold);
            goes_on[r] = simd.and_m64s(simd.and_m64s(inside, finite), moving);
            all_clear = simd.and_m64s(all_clear, simd.or_m64s(goes_on[r], idle[r]));
        }
        if run < budget && simd.first_true_m64s(simd.not_m64s(all_clear)) >= lanes {
            for r in 0..REGISTERS {
                x[r] = simd.mul_add_f64s(neg_lr, gx[r], x[r]);
                y[r] = simd.mul_add_f64s(neg_lr, gy[r], y[r]);
            }
            run += 1;
            continue;
        }
        // Spill: settle the lanes the test could not clear (or out of budget), one by one.
        let xs = store_group::<S>(x, lanes);
        let ys = store_group::<S>(y, lanes);
        let values = if CHECK_VALUE {
            store_group::<S>(value, lanes)
        } else {
            [f64::NAN; MAX_GROUP]
        };
        let gxs = store_group::<S>(gx, lanes);
        let gys = store_group::<S>(gy, lanes);
        let passed = store_group::<S>(goes_on.map(|m| simd.select_f64s(m, one, zero)), lanes);
        let spilled = Spilled {
            x: &xs,
            y: &ys,
            values: CHECK_VALUE.then_some(&values),
            gradient_x: &gxs,
            gradient_y: &gys,
            passed: &passed,
        };
        working -= state.settle_spilled(kernel, descent, &spilled, run, group);
        state.mirror_idle(group);
        x = load_group::<S>(&state.x, lanes);
        y = load_group::<S>(&state.y, lanes);
        idle = idle_mask(&state.idle);
        budget = state.budget(group, descent.steps);
        run = 0;
        // The lanes that failed are settled: the next chunk is tested afresh.
        replay = 0;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A chunk test over the scalar "SIMD" type, for a descent with lr 0.1, an escape circle of
    /// radius 10·√2 (box half-width 10) around the origin and tolerance 10⁻⁶.
    fn chunk_test(simd: pulp::Scalar) -> ChunkTest<pulp::Scalar> {
        let descent = Descent {
            neg_lr: -0.1,
            steps: 100,
            centre: [0.0, 0.0],
            escape_distance_squared: 200.0,
            tolerance_squared: 1e-12,
            next_start: &mut || None,
            settle: &mut |_| true,
            cancelled: &|| false,
        };
        ChunkTest::new(simd, &descent)
    }

    #[test]
    fn the_chunk_test_clears_only_chunks_that_cannot_have_ended_a_start() {
        let simd = pulp::Scalar;
        let test = chunk_test(simd);
        let at = |x: f64, y: f64| [[x; REGISTERS], [y; REGISTERS]];
        let (from, to) = (at(1.0, -2.0), at(1.5, -1.0));
        // Gradients between 10⁻³ and 1: 20 steps move a coordinate at most 20·0.1·1 = 2.
        assert!(test.cleared(simd, 20, from, to, true, 1e-6, 1.0));
        // A gradient as large as 10 could have carried the start 20·0.1·10 = 20 away and back,
        // out of the box, though both ends are inside.
        assert!(!test.cleared(simd, 20, from, to, true, 1e-6, 100.0));
        // ‖∇f‖ fell below the tolerance at some step.
        assert!(!test.cleared(simd, 20, from, to, true, 1e-13, 1.0));
        // f stopped being finite at some step.
        assert!(!test.cleared(simd, 20, from, to, false, 1e-6, 1.0));
        // The end is outside the box, or not a number.
        assert!(!test.cleared(simd, 20, from, at(10.5, 0.0), true, 1e-6, 1.0));
        assert!(!test.cleared(simd, 20, from, at(f64::NAN, 0.0), true, 1e-6, 1.0));
        assert!(!test.cleared(simd, 20, from, to, true, 1e-6, f64::NAN));
        assert!(!test.cleared(simd, 20, from, to, true, f64::NAN, 1.0));
    }
}
