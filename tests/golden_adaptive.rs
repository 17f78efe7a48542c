//! Adagrad, RMSprop, Adam, AdamW, Adamax, NAdam and RAdam against trajectories recorded from
//! torch.optim itself (tests/golden/generate_adaptive.py: torch 2.15, float64, single-tensor path,
//! 100 steps on Rosenbrock and an ill-conditioned quadratic, several settings per optimizer).
//!
//! optiviz follows torch's operations and roundings exactly, but torch's MKL build takes
//! tensor square roots with MKL's vdSqrt, which is one ulp off the correctly rounded root on about
//! 1% of inputs, so the comparison allows a few ulps: 1e-14 relative to max(|coordinate|, 1).
//! (With the script's `--exact-sqrt` the two agree bit for bit.)

mod common;

use common::{Tolerance, replay_ron_file};

const TOLERANCE: Tolerance = Tolerance {
    relative: 1e-14,
    floor: 1.0,
};

#[test]
fn adaptive_optimizers_follow_torch_on_rosenbrock() {
    let (runs, worst) = replay_ron_file("adaptive_rosenbrock.csv", "rosenbrock", 100, TOLERANCE);
    assert!(runs >= 19, "only {runs} runs");
    println!("Rosenbrock: largest deviation from torch {worst:e}");
}

#[test]
fn adaptive_optimizers_follow_torch_on_an_ill_conditioned_quadratic() {
    let (runs, worst) = replay_ron_file("adaptive_quadratic.csv", "quadratic", 100, TOLERANCE);
    assert!(runs >= 19, "only {runs} runs");
    println!("quadratic: largest deviation from torch {worst:e}");
}
