//! The basin map's plain gradient-descent fast path: a block of starts stepped together, structure
//! of arrays, with SIMD dispatched on the CPU's features at run time.
//!
//! Every start of a block takes the same steps the scalar loop would, in lockstep:
//!
//! ```text
//! (f, ∇f)(xₖ) for all unfinished starts     one Landscape::value_and_gradient_batch call
//! check(xₖ, f(xₖ), ∇f(xₖ), k)                 as the generic path checks
//! xₖ₊₁ = fma(−lr, ∇f(xₖ), xₖ)                 each coordinate, as Sgd rounds it (torch's add(alpha=))
//! ```
//!
//! The check runs in SIMD as a sufficient condition for "go on": with d = xₖ − centre,
//!
//! ```text
//! d·d ≤ R²  and  |f(xₖ)| < ∞  and  ‖∇f(xₖ)‖² ≥ tol²
//! ```
//!
//! (every comparison is false on NaN), which implies the exact check returns nothing: d·d ≤ R²
//! means xₖ is finite and has not escaped, and the gradient test is the negation of the
//! convergence test. A register of lanes that all pass takes its step in SIMD; any other register's
//! lanes go through the exact scalar check, so each start's outcome, loss and step count are those
//! of the scalar loop, bit for bit. Finished starts leave the block (swap-remove), so the
//! landscape is evaluated only where work remains.
//!
//! Reference: Nocedal & Wright, *Numerical Optimization* (2nd ed., 2006), §3.1 (steepest
//! descent); IEEE 754-2008 §5.4.1 (fusedMultiplyAdd rounds once).

use std::sync::atomic::Ordering;

use pulp::{Arch, Simd, WithSimd};

use super::{Outcome, Shared, StartResult, keep_finite_loss};
use crate::landscape::Point;

/// Starts per block: the block's seven arrays of 8-byte entries (16 KiB) stay in a core's L1 cache.
pub(super) const BLOCK: usize = 256;
/// Steps between looks at the cancel flag.
const CANCEL_EVERY: u64 = 64;

/// The unfinished starts of one block, structure of arrays: slot i holds start `ids[i]`.
pub(super) struct Block {
    arch: Arch,
    x: Vec<f64>,
    y: Vec<f64>,
    values: Vec<f64>,
    /// f at the previous step: a diverging start keeps its last finite loss.
    previous_values: Vec<f64>,
    gradient_x: Vec<f64>,
    gradient_y: Vec<f64>,
    ids: Vec<usize>,
    /// Slots the SIMD check could not clear this step, ascending.
    attention: Vec<usize>,
    /// Slots that finished this step, ascending.
    finished: Vec<usize>,
}

/// What the SIMD check compares against.
#[derive(Clone, Copy)]
struct Limits {
    neg_lr: f64,
    centre: Point,
    escape_distance_squared: f64,
    tolerance_squared: f64,
}

impl Limits {
    /// The sufficient condition for "the exact check finds nothing; take the step" (module docs).
    #[inline(always)]
    fn goes_on(&self, x: f64, y: f64, value: f64, gx: f64, gy: f64) -> bool {
        let (dx, dy) = (x - self.centre[0], y - self.centre[1]);
        dx * dx + dy * dy <= self.escape_distance_squared
            && value.abs() < f64::INFINITY
            && gx * gx + gy * gy >= self.tolerance_squared
    }
}

impl Block {
    /// A block with room for [`BLOCK`] starts; it allocates nothing afterwards.
    pub(super) fn new() -> Self {
        let column = || Vec::with_capacity(BLOCK);
        Self {
            arch: Arch::new(),
            x: column(),
            y: column(),
            values: column(),
            previous_values: column(),
            gradient_x: column(),
            gradient_y: column(),
            ids: Vec::with_capacity(BLOCK),
            attention: Vec::with_capacity(BLOCK),
            finished: Vec::with_capacity(BLOCK),
        }
    }

    /// Runs plain GD with step `lr` from each of `starts` (at most [`BLOCK`]) and writes start i's
    /// result to `results[i]`. Returns false if the map was cancelled meanwhile.
    pub(super) fn run(
        &mut self,
        shared: &Shared,
        lr: f64,
        starts: &[Point],
        results: &mut [StartResult],
    ) -> bool {
        self.load(starts);
        let limits = Limits {
            neg_lr: -lr,
            centre: shared.classifier.centre,
            escape_distance_squared: shared.classifier.escape_distance_squared,
            tolerance_squared: shared.tolerance_squared,
        };
        let steps = shared.request.steps;
        self.evaluate(shared);
        for step in 0..steps {
            if self.ids.is_empty() {
                return true;
            }
            if step % CANCEL_EVERY == 0 && shared.cancel.load(Ordering::Relaxed) {
                return false;
            }
            self.attention.clear();
            self.arch.dispatch(StepPass {
                limits,
                x: &mut self.x,
                y: &mut self.y,
                values: &self.values,
                gradient_x: &self.gradient_x,
                gradient_y: &self.gradient_y,
                attention: &mut self.attention,
            });
            self.settle(shared, limits.neg_lr, step, results);
            self.remove_finished();
            std::mem::swap(&mut self.values, &mut self.previous_values);
            self.evaluate(shared);
        }
        self.finish(shared, steps, results);
        true
    }

    fn load(&mut self, starts: &[Point]) {
        let starts = &starts[..starts.len().min(BLOCK)];
        self.x.clear();
        self.x.extend(starts.iter().map(|p| p[0]));
        self.y.clear();
        self.y.extend(starts.iter().map(|p| p[1]));
        for column in [
            &mut self.values,
            &mut self.previous_values,
            &mut self.gradient_x,
            &mut self.gradient_y,
        ] {
            column.clear();
            column.resize(starts.len(), f64::NAN);
        }
        self.ids.clear();
        self.ids.extend(0..starts.len());
    }

    /// f and ∇f at every unfinished start.
    fn evaluate(&mut self, shared: &Shared) {
        shared.landscape.value_and_gradient_batch(
            &self.x,
            &self.y,
            &mut self.values,
            &mut self.gradient_x,
            &mut self.gradient_y,
        );
    }

    /// The exact check for the slots the SIMD check left: record the finished, step the others.
    fn settle(&mut self, shared: &Shared, neg_lr: f64, step: u64, results: &mut [StartResult]) {
        self.finished.clear();
        for &slot in &self.attention {
            let p = [self.x[slot], self.y[slot]];
            let gradient = [self.gradient_x[slot], self.gradient_y[slot]];
            match shared.check(p, self.values[slot], gradient, step) {
                Some(result) => {
                    let last_finite_loss = self.last_finite_loss(slot, step);
                    if let Some(out) = results.get_mut(self.ids[slot]) {
                        *out = keep_finite_loss(result, last_finite_loss);
                    }
                    self.finished.push(slot);
                }
                None => {
                    self.x[slot] = neg_lr.mul_add(gradient[0], p[0]);
                    self.y[slot] = neg_lr.mul_add(gradient[1], p[1]);
                }
            }
        }
    }

    /// The loss at the previous step, which was finite since that step's check passed.
    fn last_finite_loss(&self, slot: usize, step: u64) -> f64 {
        if step == 0 {
            f64::NAN
        } else {
            self.previous_values[slot]
        }
    }

    /// Swap-removes the finished slots, highest first, so every slot moved is still unfinished.
    fn remove_finished(&mut self) {
        for &slot in self.finished.iter().rev() {
            for column in [
                &mut self.x,
                &mut self.y,
                &mut self.values,
                &mut self.previous_values,
                &mut self.gradient_x,
                &mut self.gradient_y,
            ] {
                column.swap_remove(slot);
            }
            self.ids.swap_remove(slot);
        }
    }

    /// The last check, after the last step: what has not finished by then did not converge.
    fn finish(&mut self, shared: &Shared, steps: u64, results: &mut [StartResult]) {
        for slot in 0..self.ids.len() {
            let p = [self.x[slot], self.y[slot]];
            let gradient = [self.gradient_x[slot], self.gradient_y[slot]];
            let loss = self.values[slot];
            let result = match shared.check(p, loss, gradient, steps) {
                Some(result) => keep_finite_loss(result, self.last_finite_loss(slot, steps)),
                None => StartResult {
                    outcome: Outcome::NotConverged,
                    final_loss: loss,
                    steps_to_tolerance: None,
                },
            };
            if let Some(out) = results.get_mut(self.ids[slot]) {
                *out = result;
            }
        }
        self.ids.clear();
    }
}

/// One step of every slot whose check SIMD can clear; the others are listed in `attention`.
struct StepPass<'a> {
    limits: Limits,
    x: &'a mut [f64],
    y: &'a mut [f64],
    values: &'a [f64],
    gradient_x: &'a [f64],
    gradient_y: &'a [f64],
    attention: &'a mut Vec<usize>,
}

impl WithSimd for StepPass<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) {
        let StepPass {
            limits,
            x,
            y,
            values,
            gradient_x,
            gradient_y,
            attention,
        } = self;
        let lanes = S::F64_LANES;
        let (x_head, x_tail) = S::as_mut_simd_f64s(x);
        let (y_head, y_tail) = S::as_mut_simd_f64s(y);
        let (values_head, values_tail) = S::as_simd_f64s(values);
        let (gx_head, gx_tail) = S::as_simd_f64s(gradient_x);
        let (gy_head, gy_tail) = S::as_simd_f64s(gradient_y);
        let neg_lr = simd.splat_f64s(limits.neg_lr);
        let centre_x = simd.splat_f64s(limits.centre[0]);
        let centre_y = simd.splat_f64s(limits.centre[1]);
        let escape = simd.splat_f64s(limits.escape_distance_squared);
        let infinity = simd.splat_f64s(f64::INFINITY);
        let tolerance = simd.splat_f64s(limits.tolerance_squared);
        let head_len = x_head.len();
        let heads = x_head
            .iter_mut()
            .zip(y_head.iter_mut())
            .zip(values_head.iter().zip(gx_head).zip(gy_head));
        for (register, ((x, y), ((&value, &gx), &gy))) in heads.enumerate() {
            let dx = simd.sub_f64s(*x, centre_x);
            let dy = simd.sub_f64s(*y, centre_y);
            let distance = simd.add_f64s(simd.mul_f64s(dx, dx), simd.mul_f64s(dy, dy));
            let inside = simd.less_than_or_equal_f64s(distance, escape);
            let finite = simd.less_than_f64s(simd.abs_f64s(value), infinity);
            let norm = simd.add_f64s(simd.mul_f64s(gx, gx), simd.mul_f64s(gy, gy));
            let moving = simd.greater_than_or_equal_f64s(norm, tolerance);
            let goes_on = simd.and_m64s(simd.and_m64s(inside, finite), moving);
            if simd.first_true_m64s(simd.not_m64s(goes_on)) < lanes {
                attention.extend(register * lanes..(register + 1) * lanes);
            } else {
                *x = simd.mul_add_f64s(neg_lr, gx, *x);
                *y = simd.mul_add_f64s(neg_lr, gy, *y);
            }
        }
        let tails = x_tail
            .iter_mut()
            .zip(y_tail.iter_mut())
            .zip(values_tail.iter().zip(gx_tail).zip(gy_tail));
        for (index, ((x, y), ((&value, &gx), &gy))) in tails.enumerate() {
            if limits.goes_on(*x, *y, value, gx, gy) {
                *x = limits.neg_lr.mul_add(gx, *x);
                *y = limits.neg_lr.mul_add(gy, *y);
            } else {
                attention.push(head_len * lanes + index);
            }
        }
    }
}
