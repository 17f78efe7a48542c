//! Hand-written reference loops for the bench's figures.
//!
//! A shared virtual machine runs at very different speeds from one minute to the next (the same
//! binary measured here at 1.5 and at 3 GHz within an hour). These loops do the bare arithmetic of
//! workloads (a) and (c) with nothing else, the way the performance issue states its reference
//! figures (about 30 M steps/s for a hand-written 2D Adam loop that records its path, about 27 ms
//! for an AVX2 basin loop without checks), so each engine figure can be read against a reference
//! measured at the same moment on the same machine. They are calibration, not features: the
//! engine never calls them.

use pulp::{Arch, Simd, WithSimd};

/// 2D Adam with torch's default betas and eps on Rosenbrock (a = 1, b = 100) from (−1.2, 1),
/// recording (step, x, y, f) every step: the arithmetic of workload (a) without the engine.
pub(super) fn adam_loop(steps: u64, lr: f64) -> Vec<[f64; 4]> {
    let (beta1, beta2, eps) = (0.9f64, 0.999f64, 1e-8);
    let (mut x, mut y) = (-1.2f64, 1.0f64);
    let (mut m, mut v) = ([0.0f64; 2], [0.0f64; 2]);
    // βᵗ by running products, as a hand-written loop would (torch calls pow).
    let (mut power1, mut power2) = (1.0f64, 1.0f64);
    let mut path = Vec::with_capacity(usize::try_from(steps).unwrap_or(0).saturating_add(1));
    for step in 1..=steps {
        let (dx, valley) = (1.0 - x, y - x * x);
        let loss = dx * dx + 100.0 * valley * valley;
        let gradient = [-2.0 * dx - 400.0 * x * valley, 200.0 * valley];
        path.push([step as f64 - 1.0, x, y, loss]);
        (power1, power2) = (power1 * beta1, power2 * beta2);
        let (correction1, correction2) = (1.0 - power1, 1.0 - power2);
        for (i, coordinate) in [&mut x, &mut y].into_iter().enumerate() {
            m[i] = beta1 * m[i] + (1.0 - beta1) * gradient[i];
            v[i] = beta2 * v[i] + (1.0 - beta2) * gradient[i] * gradient[i];
            let denom = v[i].sqrt() / correction2.sqrt() + eps;
            *coordinate -= lr / correction1 * m[i] / denom;
        }
    }
    path
}

/// One row of starts stepped `steps` times by plain GD on Rosenbrock, in SIMD registers, with no
/// test of any kind: the arithmetic of workload (c) without its checks.
struct BasinRow<'a> {
    xs: &'a mut [f64],
    ys: &'a mut [f64],
    steps: usize,
    lr: f64,
}

impl WithSimd for BasinRow<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) {
        let (xs, _) = S::as_mut_simd_f64s(self.xs);
        let (ys, _) = S::as_mut_simd_f64s(self.ys);
        let one = simd.splat_f64s(1.0);
        let minus_two = simd.splat_f64s(-2.0);
        let four_b = simd.splat_f64s(400.0);
        let two_b = simd.splat_f64s(200.0);
        let neg_lr = simd.splat_f64s(-self.lr);
        for _ in 0..self.steps {
            for (x, y) in xs.iter_mut().zip(ys.iter_mut()) {
                let dx = simd.sub_f64s(one, *x);
                let valley = simd.sub_f64s(*y, simd.mul_f64s(*x, *x));
                let gx = simd.sub_f64s(
                    simd.mul_f64s(minus_two, dx),
                    simd.mul_f64s(simd.mul_f64s(four_b, *x), valley),
                );
                let gy = simd.mul_f64s(two_b, valley);
                *x = simd.mul_add_f64s(neg_lr, gx, *x);
                *y = simd.mul_add_f64s(neg_lr, gy, *y);
            }
        }
    }
}

/// side² starts over Rosenbrock's view, `steps` GD steps each, rows split between the cores, in
/// blocks of 64 starts (L1-resident); returns the sum of the final x (so the work is not dropped).
pub(super) fn basin_loop(side: usize, steps: usize, lr: f64) -> f64 {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let rows: Vec<usize> = (0..side).collect();
    std::thread::scope(|scope| {
        let workers: Vec<_> = rows
            .chunks(side.div_ceil(cores).max(1))
            .map(|chunk| {
                scope.spawn(move || {
                    let arch = Arch::new();
                    let (mut xs, mut ys) = (vec![0.0; side], vec![0.0; side]);
                    let mut sum = 0.0;
                    for &row in chunk {
                        for (column, (x, y)) in xs.iter_mut().zip(ys.iter_mut()).enumerate() {
                            *x = -2.0 + 4.0 * (column as f64 + 0.5) / side as f64;
                            *y = -1.0 + 4.0 * (row as f64 + 0.5) / side as f64;
                        }
                        for (xs, ys) in xs.chunks_mut(64).zip(ys.chunks_mut(64)) {
                            arch.dispatch(BasinRow { xs, ys, steps, lr });
                        }
                        sum += xs.iter().sum::<f64>();
                    }
                    sum
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|worker| worker.join().unwrap_or(f64::NAN))
            .sum()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_adam_loop_descends_rosenbrock() {
        let path = adam_loop(3000, 0.05);
        assert_eq!(path.len(), 3000);
        assert_eq!(path[0][..3], [0.0, -1.2, 1.0]);
        assert!((path[0][3] - 24.2).abs() < 1e-12);
        let last = path[2999];
        assert!(last[3] < 1e-2, "{last:?}");
    }

    #[test]
    fn the_reference_basin_loop_moves_every_start() {
        // One step from the cell centres of a 4 × 4 grid, against the same step written out.
        let moved = basin_loop(4, 1, 1e-3);
        let mut expected = 0.0;
        for row in 0..4 {
            for column in 0..4 {
                let x: f64 = -2.0 + 4.0 * (column as f64 + 0.5) / 4.0;
                let y: f64 = -1.0 + 4.0 * (row as f64 + 0.5) / 4.0;
                let (dx, valley) = (1.0 - x, y - x * x);
                let gx = -2.0 * dx - 400.0 * x * valley;
                expected += (-1e-3f64).mul_add(gx, x);
            }
        }
        assert!((moved - expected).abs() < 1e-12, "{moved} vs {expected}");
    }
}
