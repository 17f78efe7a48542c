//! Constant initialization keeps hidden units identical under gradient descent, and lazy
//! training's centred model α·(h(θ) − h(θ₀)) on the loss over α² moves the weights like 1/α.

use nalgebra::DVector;
use optiviz::network::{Activation, DatasetConfig, Init, Mlp, Network};
use optiviz::objective::Objective;

/// Plain gradient descent on the full batch; returns the losses at the start and the end.
fn descend(network: &dyn Network, x: &mut DVector<f64>, lr: f64, steps: usize) -> (f64, f64) {
    let mut grad = DVector::zeros(x.len());
    let first = network.value_and_grad(x, &mut grad);
    for _ in 0..steps {
        x.axpy(-lr, &grad, 1.0);
        network.value_and_grad(x, &mut grad);
    }
    (first, network.value(x))
}

/// The incoming weights and bias of hidden unit `unit` of the first layer, and its outgoing
/// weights into a next layer of `next` units (parameter layout: W₁ row by row, b₁, W₂ row by row,
/// b₂, …).
fn unit_weights(x: &DVector<f64>, widths: &[usize], unit: usize) -> Vec<f64> {
    let (inputs, hidden, next) = (widths[0], widths[1], widths[2]);
    let mut weights: Vec<f64> = x.as_slice()[unit * inputs..(unit + 1) * inputs].to_vec();
    let bias_start = inputs * hidden;
    weights.push(x[bias_start + unit]);
    let second = bias_start + hidden;
    weights.extend((0..next).map(|row| x[second + row * hidden + unit]));
    weights
}

fn max_difference(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(p, q)| (p - q).abs())
        .fold(0.0, f64::max)
}

fn mlp(widths: Vec<usize>, init: Init) -> Mlp {
    Mlp {
        widths,
        activation: Activation::Tanh,
        data: DatasetConfig::Moons { n: 60, noise: 0.1 },
        init,
        seed: 2,
        ..Mlp::default()
    }
}

#[test]
fn constant_init_keeps_hidden_units_identical_under_gd() {
    // Narrow layers go through plain loops, wide ones (≥ 6) through gemm: both keep the symmetry.
    for widths in [vec![2, 4, 1], vec![2, 8, 8, 1]] {
        let network = mlp(widths.clone(), Init::Constant { value: 0.3 }).build();
        let mut x = network.initial_parameters();
        let before = unit_weights(&x, &widths, 0);
        let (start, end) = descend(network.as_ref(), &mut x, 0.2, 2000);
        assert!(
            end < 0.95 * start,
            "{widths:?}: the loss fell {start} → {end}"
        );
        let first = unit_weights(&x, &widths, 0);
        assert!(max_difference(&first, &before) > 1e-3, "the weights moved");
        for unit in 1..widths[1] {
            let other = unit_weights(&x, &widths, unit);
            let gap = max_difference(&first, &other);
            assert!(
                gap < 1e-12,
                "{widths:?}: unit {unit} differs from unit 0 by {gap}"
            );
        }
    }
    // Random weights break the symmetry: the same comparison then finds different units.
    let widths = vec![2, 4, 1];
    let network = mlp(widths.clone(), Init::He).build();
    let x = network.initial_parameters();
    let gap = max_difference(&unit_weights(&x, &widths, 0), &unit_weights(&x, &widths, 1));
    assert!(gap > 1e-3);
}

#[test]
fn zero_init_moves_only_the_output_bias() {
    // With every weight 0 the hidden units output tanh(0) = 0 and receive no error, so only the
    // output bias can move (towards the mean label).
    let widths = vec![2, 5, 1];
    let config = Mlp {
        data: DatasetConfig::Moons { n: 61, noise: 0.1 },
        ..mlp(widths, Init::Constant { value: 0.0 })
    };
    let network = config.build();
    let mut x = network.initial_parameters();
    descend(network.as_ref(), &mut x, 0.1, 200);
    let bias = x.len() - 1;
    assert!(x[bias].abs() > 1e-3, "the output bias moves: {}", x[bias]);
    assert!(
        x.rows(0, bias).iter().all(|&w| w == 0.0),
        "nothing else does"
    );
}

fn lazy(alpha: f64) -> Mlp {
    Mlp {
        widths: vec![2, 32, 1],
        data: DatasetConfig::Moons { n: 60, noise: 0.1 },
        init: Init::He,
        lazy_alpha: Some(alpha),
        seed: 4,
        ..Mlp::default()
    }
}

fn relative_change(x: &DVector<f64>, start: &DVector<f64>) -> f64 {
    (x - start).norm() / start.norm()
}

#[test]
fn lazy_weight_change_falls_like_one_over_alpha() {
    // The same lr at every α: the model moves alike in function space while the weights move
    // 1/α as far. Between α = 10 and 100 the ratio is 10 within 15%.
    let mut changes = Vec::new();
    for alpha in [10.0, 100.0] {
        let network = lazy(alpha).build();
        let start = network.initial_parameters();
        let mut x = start.clone();
        let (first, last) = descend(network.as_ref(), &mut x, 0.1, 300);
        // The loss over α² starts at mean ½y² / α² = 0.5/α² (the centred model outputs 0) and
        // falls to well under half of it.
        assert!((first * alpha * alpha - 0.5).abs() < 1e-12, "start {first}");
        assert!(last < 0.5 * first, "α = {alpha}: {first} → {last}");
        changes.push(relative_change(&x, &start));
    }
    let ratio = changes[0] / changes[1];
    assert!((ratio - 10.0).abs() < 1.5, "{changes:?}: ratio {ratio}");
}

#[test]
fn lazy_gradient_and_hessian_products_match_finite_differences() {
    let network = lazy(7.0).build();
    let dim = network.dim();
    let x0 = network.initial_parameters();
    let x = DVector::from_fn(dim, |i, _| {
        x0[i] + 0.05 * ((i * 37 % 11) as f64 - 5.0) / 5.0
    });
    let v = DVector::from_fn(dim, |i, _| ((i * 17 % 13) as f64 - 6.0) / 6.0);
    let mut grad = DVector::zeros(dim);
    network.value_and_grad(&x, &mut grad);
    let h = 1e-6;
    let directional = (network.value(&(&x + &v * h)) - network.value(&(&x - &v * h))) / (2.0 * h);
    assert!(
        (directional - grad.dot(&v)).abs() < 1e-6 * grad.dot(&v).abs().max(1e-8),
        "{directional} vs {}",
        grad.dot(&v)
    );
    let mut hv = DVector::zeros(dim);
    network.hvp(&x, &v, &mut hv);
    let (mut plus, mut minus) = (DVector::zeros(dim), DVector::zeros(dim));
    network.value_and_grad(&(&x + &v * h), &mut plus);
    network.value_and_grad(&(&x - &v * h), &mut minus);
    let difference = (plus - minus) / (2.0 * h);
    assert!(
        (&difference - &hv).norm() < 1e-5 * hv.norm(),
        "{} vs {}",
        difference.norm(),
        hv.norm()
    );
}

#[test]
fn lazy_model_predicts_zero_at_the_start() {
    let network = lazy(50.0).build();
    let x = network.initial_parameters();
    let inputs = [0.3, -0.2, 1.5, 0.7];
    let mut out = [1.0; 2];
    assert!(network.predict(&x, &inputs, &mut out));
    assert!(out.iter().all(|o| o.abs() < 1e-12), "{out:?}");
    let plain = Mlp {
        lazy_alpha: None,
        ..lazy(50.0)
    }
    .build();
    plain.predict(&x, &inputs, &mut out);
    assert!(out.iter().any(|o| o.abs() > 1e-3), "{out:?}");
}

#[test]
fn a_try_switches_the_init_by_name_and_refuses_unknown_ones() {
    use optiviz::scenario::{Edit, Problem, Scenario};
    let mut scenario = Scenario {
        problem: Problem::Mlp(mlp(vec![2, 4, 1], Init::Constant { value: 0.5 })),
        ..Scenario::default()
    };
    let edit = |choice: &str| Edit::SetProblemChoice {
        name: "init".to_owned(),
        choice: choice.to_owned(),
    };
    edit("He").apply(&mut scenario).expect("He is an init");
    assert!(matches!(&scenario.problem, Problem::Mlp(config) if config.init == Init::He));
    let error = edit("Glorot")
        .apply(&mut scenario)
        .expect_err("no such init");
    assert!(error.contains("Glorot"), "{error}");
    // init_value exists only while the init is Constant.
    let value = Edit::SetProblem {
        name: "init_value".to_owned(),
        value: 0.0,
    };
    assert!(value.apply(&mut scenario).is_err());
    edit("Constant")
        .apply(&mut scenario)
        .expect("Constant is an init");
    value.apply(&mut scenario).expect("now it has a value");
}
