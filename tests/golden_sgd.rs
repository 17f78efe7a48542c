//! torch.optim.SGD against trajectories recorded from torch itself (tests/golden/generate_sgd.py:
//! torch 2.15, float64, single-tensor path, all 100 iterates on Rosenbrock and an ill-conditioned
//! quadratic; plain, momentum, dampening, Nesterov and weight decay).
//!
//! SGD takes no square roots, so nothing stands between optiviz and torch but the order and
//! rounding of the operations, which optiviz reproduces (fused multiply-adds as torch's AVX2 kernels
//! compute them, src/optim/torch_ops.rs): the comparison is bit for bit.

mod common;

use common::{Tolerance, replay_ron_file};

#[test]
fn sgd_follows_torch_bit_for_bit_on_rosenbrock() {
    let (runs, worst) = replay_ron_file("sgd_rosenbrock.csv", "rosenbrock", 100, Tolerance::EXACT);
    assert_eq!(runs, 6);
    assert_eq!(worst, 0.0);
}

#[test]
fn sgd_follows_torch_bit_for_bit_on_an_ill_conditioned_quadratic() {
    let (runs, worst) = replay_ron_file("sgd_quadratic.csv", "quadratic", 100, Tolerance::EXACT);
    assert_eq!(runs, 6);
    assert_eq!(worst, 0.0);
}
