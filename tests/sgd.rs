//! torch.optim.SGD, checked against hand-computed steps and GD's closed form on quadratics.

use std::sync::Arc;

use nalgebra::{DVector, Matrix2, Vector2};
use optiviz::landscape::{Landscape, LandscapeObjective, Quadratic};
use optiviz::objective::{GradientModel, Oracle};
use optiviz::optim::{OptimizerConfig, SgdConfig};

fn oracle(quadratic: Quadratic) -> Oracle {
    Oracle::new(
        Arc::new(LandscapeObjective::new(Arc::new(quadratic))),
        GradientModel::default(),
        0,
    )
}

/// f = ½(x² + 4y²): ∇f = (x, 4y).
fn diagonal() -> Quadratic {
    Quadratic {
        lambda1: 1.0,
        lambda2: 4.0,
        angle_deg: 0.0,
    }
}

fn three_steps(config: SgdConfig) -> Vec<[f64; 2]> {
    let mut optimizer = OptimizerConfig::Sgd(config).build(2);
    let mut oracle = oracle(diagonal());
    let mut x = DVector::from_vec(vec![1.0, 1.0]);
    (0..3)
        .map(|_| {
            optimizer.step(&mut x, &mut oracle);
            [x[0], x[1]]
        })
        .collect()
}

fn assert_steps(actual: &[[f64; 2]], expected: &[[f64; 2]]) {
    for (step, (a, e)) in actual.iter().zip(expected).enumerate() {
        for k in 0..2 {
            assert!(
                (a[k] - e[k]).abs() < 1e-14,
                "step {}: got {a:?}, expected {e:?}",
                step + 1
            );
        }
    }
}

#[test]
fn heavy_ball_momentum_matches_three_hand_computed_steps() {
    // b₁ = g₁ = (1, 4), x₁ = (0.9, 0.6)
    // g₂ = (0.9, 2.4), b₂ = 0.9·(1, 4) + g₂ = (1.8, 6.0), x₂ = (0.72, 0)
    // g₃ = (0.72, 0), b₃ = 0.9·b₂ + g₃ = (2.34, 5.4), x₃ = (0.486, −0.54)
    let steps = three_steps(SgdConfig {
        lr: 0.1,
        momentum: 0.9,
        ..SgdConfig::default()
    });
    assert_steps(&steps, &[[0.9, 0.6], [0.72, 0.0], [0.486, -0.54]]);
}

#[test]
fn nesterov_momentum_matches_three_hand_computed_steps() {
    // d = g + μ·b:
    // b₁ = (1, 4), d₁ = (1.9, 7.6), x₁ = (0.81, 0.24)
    // g₂ = (0.81, 0.96), b₂ = (1.71, 4.56), d₂ = (2.349, 5.064), x₂ = (0.5751, −0.2664)
    // g₃ = (0.5751, −1.0656), b₃ = (2.1141, 3.0384), d₃ = (2.47779, 1.66896),
    // x₃ = (0.327321, −0.433296)
    let steps = three_steps(SgdConfig {
        lr: 0.1,
        momentum: 0.9,
        nesterov: true,
        ..SgdConfig::default()
    });
    assert_steps(
        &steps,
        &[[0.81, 0.24], [0.5751, -0.2664], [0.327321, -0.433296]],
    );
}

#[test]
fn dampening_scales_only_later_gradients() {
    // torch seeds the buffer with the undamped first gradient.
    // b₂ = 0.9·(1, 4) + 0.5·(0.9, 2.4) = (1.35, 4.8), x₂ = (0.765, 0.12)
    // b₃ = 0.9·b₂ + 0.5·(0.765, 0.48) = (1.5975, 4.56), x₃ = (0.60525, −0.336)
    let steps = three_steps(SgdConfig {
        lr: 0.1,
        momentum: 0.9,
        dampening: 0.5,
        ..SgdConfig::default()
    });
    assert_steps(&steps, &[[0.9, 0.6], [0.765, 0.12], [0.60525, -0.336]]);
}

#[test]
fn gradient_descent_equals_the_closed_form_for_100_steps() {
    // x_k = (I − lr·A)^k x₀ on a rotated, ill-conditioned quadratic.
    let quadratic = Quadratic {
        lambda1: 1.0,
        lambda2: 10.0,
        angle_deg: 30.0,
    };
    let lr = 0.15;
    let a = quadratic.hessian([0.0, 0.0]);
    let iteration = Matrix2::identity() - lr * Matrix2::new(a[0][0], a[0][1], a[1][0], a[1][1]);
    let mut optimizer = OptimizerConfig::Sgd(SgdConfig {
        lr,
        ..SgdConfig::default()
    })
    .build(2);
    let mut oracle = oracle(quadratic);
    let start = Vector2::new(1.0, -0.5);
    let mut x = DVector::from_vec(vec![start[0], start[1]]);
    let mut power = Matrix2::identity();
    for k in 1..=100 {
        optimizer.step(&mut x, &mut oracle);
        power = iteration * power;
        let expected = power * start;
        assert!(
            (x[0] - expected[0]).abs() < 1e-12 && (x[1] - expected[1]).abs() < 1e-12,
            "step {k}: {x:?} vs {expected:?}"
        );
    }
}

#[test]
fn gradient_descent_diverges_exactly_above_two_over_lambda_max() {
    for (lr, grows) in [(0.199, false), (0.201, true)] {
        let mut optimizer = OptimizerConfig::Sgd(SgdConfig {
            lr,
            ..SgdConfig::default()
        })
        .build(2);
        let mut oracle = oracle(Quadratic {
            lambda1: 1.0,
            lambda2: 10.0,
            angle_deg: 0.0,
        });
        let mut x = DVector::from_vec(vec![0.0, 1.0]);
        for _ in 0..2000 {
            optimizer.step(&mut x, &mut oracle);
        }
        assert_eq!(x[1].abs() > 1.0, grows, "lr = {lr}: y = {}", x[1]);
    }
}
