//! Deep linear networks and matrix factorization with the sharpness estimator and the oracle.

use std::sync::Arc;

use nalgebra::{DMatrix, DVector};
use optiviz::analysis::sharpness::{Lanczos, preconditioned_sharpness, sharpness};
use optiviz::network::{DeepLinear, MatrixFactorization, Network};
use optiviz::objective::{GradientModel, Objective, Oracle};

/// At the balanced global minimum W₁ = S^(1/L)·Vᵀ, W_l = S^(1/L), W_L = U·S^(1/L) of
/// ½‖W_L⋯W₁ − U·S·Vᵀ‖², the sharpness is L·s₁^(2 − 2/L): the threshold 2/lr that gradient descent
/// must respect to settle there.
#[test]
fn sharpness_at_the_balanced_minimum_of_a_deep_linear_network() {
    for depth in [2_usize, 3, 4] {
        let network = DeepLinear {
            depth,
            ..DeepLinear::default()
        }
        .build();
        let svd = network.target().svd(true, true);
        let (Some(u), Some(v_t)) = (svd.u, svd.v_t) else {
            panic!("the SVD was asked for its vectors");
        };
        let root = DMatrix::from_diagonal(&svd.singular_values.map(|s| s.powf(1.0 / depth as f64)));
        let mut layers = vec![root.clone(); depth];
        layers[0] = &root * &v_t;
        layers[depth - 1] = &u * &layers[depth - 1];
        if depth == 1 {
            layers[0] = network.target();
        }
        let x = DVector::from_iterator(
            network.dim(),
            layers.iter().flat_map(|w| w.as_slice().to_vec()),
        );
        assert!(network.value(&x) < 1e-20, "{}", network.value(&x));
        let top = network.target_singular_values()[0];
        let expected = depth as f64 * top.powf(2.0 - 2.0 / depth as f64);
        let mut lanczos = Lanczos::new(network.dim(), 30);
        let estimate = sharpness(network.as_ref(), &x, &mut lanczos);
        assert!(
            estimate.is_some_and(|s| (s - expected).abs() < 1e-8 * expected),
            "depth {depth}: {estimate:?} vs {expected}"
        );
        // With P = I the preconditioned sharpness is the sharpness.
        let identity = DVector::from_element(network.dim(), 1.0);
        let mut scaled = DVector::zeros(network.dim());
        let mut other = Lanczos::new(network.dim(), 30);
        let plain =
            preconditioned_sharpness(network.as_ref(), &x, &identity, &mut other, &mut scaled);
        assert!(plain.is_some_and(|s| (s - expected).abs() < 1e-8 * expected));
    }
}

/// The Lanczos estimate agrees with the dense Hessian of both problems at their initializations.
#[test]
fn lanczos_agrees_with_the_dense_hessian() {
    let deep = DeepLinear::default().build();
    let factorization = MatrixFactorization::default().build();
    let problems: [(Arc<dyn Objective>, DVector<f64>); 2] = [
        (deep.clone(), deep.initial_parameters() * 20.0),
        (factorization.clone(), factorization.initial_parameters()),
    ];
    for (objective, x) in problems {
        let Some(hessian) = objective.hessian(&x) else {
            panic!("small problems have a dense Hessian");
        };
        let exact = hessian.symmetric_eigenvalues().max();
        let mut lanczos = Lanczos::new(objective.dim(), 60);
        let estimate = sharpness(objective.as_ref(), &x, &mut lanczos);
        assert!(
            estimate.is_some_and(|s| (s - exact).abs() < 1e-6 * exact.abs()),
            "{estimate:?} vs {exact}"
        );
    }
}

/// SGD on entries through the oracle: minibatches of observed entries fit the observed set.
#[test]
fn sgd_on_entries_through_the_oracle() {
    let problem = MatrixFactorization::default().build();
    let model = GradientModel {
        batch_size: Some(8),
        ..GradientModel::default()
    };
    let mut oracle = Oracle::new(problem.clone(), model, 7);
    assert_eq!(oracle.num_samples(), 120);
    assert!(oracle.is_stochastic());
    let mut x = problem.initial_parameters();
    let mut grad = DVector::zeros(problem.dim());
    let start = problem.value(&x);
    for step in 0..20_000 {
        oracle.begin_step();
        oracle.value_and_grad(&x, &mut grad);
        // A decaying step: SGD's noise floor shrinks with it. One entry's curvature is about
        // ‖u_i‖² + ‖v_j‖² ≈ 3, far above the mean's 0.1, so the step is far below full-batch GD's.
        let lr = if step < 10_000 { 0.5 } else { 0.1 };
        x.axpy(-lr, &grad, 1.0);
    }
    let end = problem.value(&x);
    assert!(end < 1e-3 * start, "{start} → {end}");
    assert_eq!(oracle.counts().sample_gradients, 8 * 20_000);
}
