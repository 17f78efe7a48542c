//! The adaptive optimizers (Adagrad, RMSprop, Adam, AdamW, Adamax, NAdam, RAdam) side by side:
//! convergence with tuned settings on a rotated quadratic and on Rosenbrock, the size of their first
//! step and its (in)dependence on the gradient's scale, and maximize. Exactness against torch is in
//! golden_adaptive.rs; hand-computed steps are in each optimizer's unit tests.

use std::sync::Arc;

use nalgebra::DVector;
use optiviz::landscape::{Landscape, LandscapeObjective, Quadratic, Rosenbrock};
use optiviz::objective::{GradientModel, Oracle};
use optiviz::optim::OptimizerConfig;
use optiviz::scenario::ron_options;

fn config(ron: &str) -> OptimizerConfig {
    ron_options()
        .from_str(ron)
        .unwrap_or_else(|e| panic!("{ron}: {e}"))
}

/// Runs `steps` steps from `start` and returns the final iterate.
fn run(
    config: &OptimizerConfig,
    landscape: impl Landscape + 'static,
    start: [f64; 2],
    steps: usize,
) -> DVector<f64> {
    let mut oracle = Oracle::new(
        Arc::new(LandscapeObjective::new(Arc::new(landscape))),
        GradientModel::default(),
        0,
    );
    let mut optimizer = config.build(2);
    let mut x = DVector::from_vec(start.to_vec());
    for _ in 0..steps {
        optimizer.step(&mut x, &mut oracle);
    }
    x
}

/// f = ½ xᵀAx with eigenvalues 1 and 10, rotated by 30° so that the axes of the adaptive
/// per-coordinate scaling are not the eigenvectors.
fn rotated_quadratic() -> Quadratic {
    Quadratic {
        lambda1: 1.0,
        lambda2: 10.0,
        angle_deg: 30.0,
    }
}

#[test]
fn every_adaptive_optimizer_converges_with_tuned_settings() {
    // (config, steps and tolerance on the quadratic, steps and tolerance on Rosenbrock), tolerances
    // on the distance to the minimizer. Methods without a decaying step size (all but Adagrad) end
    // in a band whose width scales with lr: with a constant lr, Adam-type methods reach 1e-40 and
    // beyond on the quadratic and are then thrown out again whenever √v falls to the order of eps,
    // and RMSprop, lacking bias correction and with a short memory, hovers at about lr.
    // AdamW's decoupled decay shrinks x towards 0 at every step, which moves its limit on
    // Rosenbrock about 0.015 from the minimizer (1, 1) towards the origin.
    let table = [
        ("Adagrad(lr: 0.5)", 2000, 1e-12, 20_000, 1e-5),
        (
            "RmsProp(lr: 0.001, momentum: 0.5)",
            2000,
            1e-3,
            10_000,
            2e-3,
        ),
        (
            "RmsProp(lr: 0.003, momentum: 0.9, centered: true)",
            2000,
            1e-2,
            5000,
            1e-2,
        ),
        ("Adam(lr: 0.02)", 2000, 1e-12, 5000, 1e-6),
        ("Adam(lr: 0.02, amsgrad: true)", 2000, 1e-6, 10_000, 1e-2),
        ("AdamW(lr: 0.02)", 2000, 1e-12, 10_000, 5e-2),
        ("Adamax(lr: 0.05)", 2000, 1e-12, 20_000, 1e-3),
        ("NAdam(lr: 0.005)", 2000, 1e-12, 10_000, 5e-3),
        ("RAdam(lr: 0.005)", 2000, 1e-6, 10_000, 1e-3),
    ];
    for (ron, quadratic_steps, quadratic_tolerance, rosenbrock_steps, rosenbrock_tolerance) in table
    {
        let config = config(ron);
        let x = run(&config, rotated_quadratic(), [1.0, 1.0], quadratic_steps);
        assert!(
            x.norm() < quadratic_tolerance,
            "{ron} on the quadratic: {x:?}"
        );
        let x = run(
            &config,
            Rosenbrock::default(),
            [-1.2, 1.0],
            rosenbrock_steps,
        );
        let distance = (x[0] - 1.0).hypot(x[1] - 1.0);
        assert!(
            distance < rosenbrock_tolerance,
            "{ron} on Rosenbrock: {x:?}"
        );
    }
}

#[test]
fn first_steps_are_scale_free_except_radam_warm_up() {
    // At the first step m = (1 − β₁)g and v = (1 − β₂)g², so the bias-corrected methods move each
    // coordinate by a fixed multiple of lr, whatever the gradient: Adam, AdamW (no decay here),
    // Adamax and Adagrad by lr, NAdam by lr·(1 + 0.1·μ₂/(1 − μ₁μ₂)) ≈ 1.056·lr, RMSprop (no bias
    // correction) by lr/√(1 − α) = 10·lr. RAdam's first steps are momentum SGD: lr·|g|.
    let lr = 1e-3;
    let mu = |t: f64| 0.9 * (1.0 - 0.5 * 0.96f64.powf(t * 4e-3));
    let nadam = 1.0 + 0.1 * mu(2.0) / (1.0 - mu(1.0) * mu(2.0));
    let table = [
        ("Adagrad(lr: 0.001)", Some(1.0)),
        ("RmsProp(lr: 0.001)", Some(10.0)),
        ("Adam(lr: 0.001)", Some(1.0)),
        ("AdamW(lr: 0.001, weight_decay: 0.0)", Some(1.0)),
        ("Adamax(lr: 0.001)", Some(1.0)),
        ("NAdam(lr: 0.001)", Some(nadam)),
        ("RAdam(lr: 0.001)", None),
    ];
    for (ron, multiple) in table {
        for scale in [1.0, 1000.0] {
            // f = ½·scale·(x² + 4y²): gradient scale·(1, 4) at (1, 1).
            let quadratic = Quadratic {
                lambda1: scale,
                lambda2: 4.0 * scale,
                angle_deg: 0.0,
            };
            let x = run(&config(ron), quadratic, [1.0, 1.0], 1);
            let moved = [1.0 - x[0], 1.0 - x[1]];
            let expected = match multiple {
                Some(multiple) => [multiple * lr; 2],
                None => [lr * scale, 4.0 * lr * scale],
            };
            for k in 0..2 {
                assert!(
                    (moved[k] - expected[k]).abs() < 1e-6 * expected[k],
                    "{ron}, scale {scale}: moved {moved:?}, expected {expected:?}"
                );
            }
        }
    }
}

#[test]
fn maximize_ascends_for_every_adaptive_optimizer() {
    for ron in [
        "Adagrad(lr: 0.01, maximize: true)",
        "RmsProp(lr: 0.01, maximize: true)",
        "Adam(lr: 0.01, maximize: true)",
        "AdamW(lr: 0.01, maximize: true)",
        "Adamax(lr: 0.01, maximize: true)",
        "NAdam(lr: 0.01, maximize: true)",
        "RAdam(lr: 0.01, maximize: true)",
    ] {
        let x = run(&config(ron), rotated_quadratic(), [0.5, -0.5], 20);
        assert!(x.norm() > 0.5_f64.hypot(0.5) + 0.05, "{ron}: {x:?}");
    }
}

#[test]
fn live_edits_to_another_optimizer_are_refused() {
    let adam = config("Adam()");
    for other in [
        "Adagrad()",
        "RmsProp()",
        "AdamW()",
        "Adamax()",
        "NAdam()",
        "RAdam()",
    ] {
        let mut optimizer = config(other).build(2);
        assert!(
            !optimizer.set_config(&adam),
            "{other} accepted Adam's config"
        );
        assert!(optimizer.set_config(&config(other)));
    }
}
