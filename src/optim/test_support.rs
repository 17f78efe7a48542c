//! What the optimizer tests share: oracles with exact gradients and a last-bits comparison.

use std::sync::Arc;

use crate::landscape::{
    Landscape, LandscapeObjective, LandscapeSpec, LeastSquares, Minimizers, Quadratic,
};
use nalgebra::DVector;

use crate::objective::{Composite, GradientModel, Objective, Oracle};
use crate::optim::{ArrowKind, Optimizer, OptimizerSpec, QuantityValue, SgdConfig};

/// What the helpers below step and validate: any method's config, also behind a `&dyn`, so that
/// one table can list many methods.
pub(crate) trait TestedConfig {
    /// The method's name, for messages.
    fn name(&self) -> &'static str;
    /// The optimizer with fresh state for `dim` parameters.
    fn build_optimizer(&self, dim: usize) -> Box<dyn Optimizer>;
    /// Reports the config's validation issues to `checker`.
    fn check(&self, checker: &mut crate::validate::Checker);
}

impl<C: OptimizerSpec> TestedConfig for C {
    fn name(&self) -> &'static str {
        C::DISPLAY_NAME
    }
    fn build_optimizer(&self, dim: usize) -> Box<dyn Optimizer> {
        self.build(dim)
    }
    fn check(&self, checker: &mut crate::validate::Checker) {
        self.validate(checker);
    }
}

/// An oracle with exact gradients (no minibatches, noise or clipping) on `landscape`.
pub(crate) fn oracle_on(landscape: impl Landscape + 'static) -> Oracle {
    oracle_for(Arc::new(landscape))
}

/// [`oracle_on`] for a built landscape.
pub(crate) fn oracle_for(landscape: Arc<dyn Landscape>) -> Oracle {
    Oracle::new(
        Arc::new(LandscapeObjective::new(landscape)),
        GradientModel::default(),
        0,
    )
}

/// f = ½(x² + λ₂y²), ∇f = (x, λ₂y) with exact gradients.
pub(crate) fn axis_quadratic(lambda2: f64) -> Oracle {
    oracle_on(Quadratic::axis_aligned(1.0, lambda2))
}

/// f = ½(x² + 4y²), ∇f = (x, 4y): the quadratic of the hand-computed steps.
pub(crate) fn quadratic() -> Oracle {
    axis_quadratic(4.0)
}

/// The iterate `start` and the [`quadratic`]'s oracle, for tests that step by hand.
pub(crate) fn on_quadratic(start: [f64; 2]) -> (DVector<f64>, Oracle) {
    (DVector::from_vec(start.to_vec()), quadratic())
}

/// The iterates of `steps` steps of `config`'s optimizer from `start` on [`quadratic`].
pub(crate) fn path_on_quadratic(
    config: &(impl TestedConfig + ?Sized),
    start: [f64; 2],
    steps: usize,
) -> Vec<[f64; 2]> {
    let mut optimizer = config.build_optimizer(2);
    let mut oracle = quadratic();
    let mut x = DVector::from_vec(start.to_vec());
    (0..steps)
        .map(|_| {
            optimizer.step(&mut x, &mut oracle);
            [x[0], x[1]]
        })
        .collect()
}

/// The iterate after `steps` steps of `config`'s optimizer from `start` on `oracle`.
pub(crate) fn iterate(
    config: &(impl TestedConfig + ?Sized),
    oracle: &mut Oracle,
    start: [f64; 2],
    steps: usize,
) -> DVector<f64> {
    let mut optimizer = config.build_optimizer(2);
    let mut x = DVector::from_vec(start.to_vec());
    for _ in 0..steps {
        optimizer.step(&mut x, oracle);
    }
    x
}

/// Asserts that each of `steps` steps of `config`'s optimizer from (0.7, −0.4) on [`quadratic`]
/// moves every coordinate by exactly `lr` (up to the rounding of x − lr): a sign method's steps.
pub(crate) fn assert_every_coordinate_moves_lr(
    config: &(impl TestedConfig + ?Sized),
    lr: f64,
    steps: usize,
) {
    let mut previous = [0.7, -0.4];
    for x in path_on_quadratic(config, previous, steps) {
        for k in 0..2 {
            assert!(((x[k] - previous[k]).abs() - lr).abs() < 1e-15, "{x:?}");
        }
        previous = x;
    }
}

/// Asserts that of `steps` steps of `config`'s optimizer from (1, −1) on [`quadratic`], every
/// iterate after the first `settling` lies within `radius` of the minimizer in each coordinate.
pub(crate) fn assert_settles_within(
    config: &(impl TestedConfig + ?Sized),
    radius: f64,
    steps: usize,
    settling: usize,
) {
    for x in &path_on_quadratic(config, [1.0, -1.0], steps)[settling..] {
        assert!(x[0].abs() < radius && x[1].abs() < radius, "{x:?}");
    }
}

/// Asserts that every iterate of `actual` equals `expected`'s to 1e-14 in each coordinate.
pub(crate) fn assert_path_close(actual: &[[f64; 2]], expected: &[[f64; 2]]) {
    for (k, (a, e)) in actual.iter().zip(expected).enumerate() {
        assert!(
            (a[0] - e[0]).abs() < 1e-14 && (a[1] - e[1]).abs() < 1e-14,
            "step {}: {a:?} vs {e:?}",
            k + 1
        );
    }
}

/// Asserts that the 2D iterate `x` equals `expected` to 1e-14 in each coordinate.
pub(crate) fn assert_point_close(x: &DVector<f64>, expected: [f64; 2]) {
    assert!(
        (x[0] - expected[0]).abs() < 1e-14 && (x[1] - expected[1]).abs() < 1e-14,
        "{x:?} vs {expected:?}"
    );
}

/// The default least squares (n = 64) with the run seed 7, exact full-batch gradients: the finite
/// sum the worker methods' tests shard.
pub(crate) fn least_squares() -> Oracle {
    Oracle::new(
        Arc::new(LandscapeObjective::new(LeastSquares::default().build())),
        GradientModel::default(),
        7,
    )
}

/// The minimizer x* of [`least_squares`]' problem.
pub(crate) fn least_squares_minimizer() -> [f64; 2] {
    let Minimizers::Points(points) = LeastSquares::default().build().minimizers() else {
        panic!("least squares has a unique minimizer");
    };
    points[0].point
}

/// Steps a worker `method` 60 times from (−1, 2) on [`least_squares`] beside gradient descent with
/// lr = 0.05 on its own copy, asserting that every iterate and loss agree to 1e-12; returns the
/// method's oracle, whose counts the caller checks.
pub(crate) fn assert_steps_like_gradient_descent(method: &mut dyn Optimizer) -> Oracle {
    let mut oracle = least_squares();
    let mut reference_oracle = least_squares();
    let mut gd = SgdConfig {
        lr: 0.05,
        ..SgdConfig::default()
    }
    .build(2);
    let mut x = DVector::from_vec(vec![-1.0, 2.0]);
    let mut reference = x.clone();
    for step in 1..=60 {
        let loss = method.step(&mut x, &mut oracle).loss;
        let reference_loss = gd.step(&mut reference, &mut reference_oracle).loss;
        assert!(
            (&x - &reference).amax() < 1e-12,
            "step {step}: {x:?} vs {reference:?}"
        );
        assert!((loss - reference_loss).abs() < 1e-12);
    }
    oracle
}

/// Equal to 1e-14, relative to max(|expected|, 1).
pub(crate) fn close(actual: f64, expected: f64) -> bool {
    (actual - expected).abs() <= 1e-14 * expected.abs().max(1.0)
}

/// f(x) = ½‖x − c‖² + λ‖x‖₁ with c = (2, −0.5), λ = 1: its minimizer is the soft-threshold of c,
/// (1, 0).
pub(crate) struct Shrink;

pub(crate) const C: [f64; 2] = [2.0, -0.5];
pub(crate) const LAMBDA: f64 = 1.0;

impl Objective for Shrink {
    fn dim(&self) -> usize {
        2
    }
    fn value(&self, x: &DVector<f64>) -> f64 {
        let mut grad = DVector::zeros(2);
        self.smooth_value_and_grad(x, &mut grad) + self.nonsmooth_value(x)
    }
    fn value_and_grad(&self, x: &DVector<f64>, grad: &mut DVector<f64>) -> f64 {
        let value = self.smooth_value_and_grad(x, grad) + self.nonsmooth_value(x);
        for (g, &p) in grad.iter_mut().zip(x.iter()) {
            *g += LAMBDA * if p == 0.0 { 0.0 } else { p.signum() };
        }
        value
    }
    fn composite(&self) -> Option<&dyn Composite> {
        Some(self)
    }
}

impl Composite for Shrink {
    fn smooth_value_and_grad(&self, x: &DVector<f64>, grad: &mut DVector<f64>) -> f64 {
        grad[0] = x[0] - C[0];
        grad[1] = x[1] - C[1];
        0.5 * (grad[0] * grad[0] + grad[1] * grad[1])
    }
    fn nonsmooth_value(&self, x: &DVector<f64>) -> f64 {
        LAMBDA * x.iter().map(|v| v.abs()).sum::<f64>()
    }
    fn prox(&self, x: &mut DVector<f64>, step: f64) {
        for v in x.iter_mut() {
            *v = v.signum() * (v.abs() - step * LAMBDA).max(0.0);
        }
    }
}

/// Steps `optimizer` `steps` times from `start` on `oracle` and checks its explanations: empty
/// before the first step and after a reset; after every step all values finite, at least one arrow,
/// every arrow as long as x, and — when `parts` or `also` name any — the arrows of the kinds in
/// `parts` plus the vectors named in `also` adding up to the step xₜ − xₜ₋₁ to 1e-12.
pub(crate) fn check_explained_steps(
    optimizer: &mut dyn Optimizer,
    oracle: &mut Oracle,
    start: &[f64],
    steps: usize,
    parts: &[ArrowKind],
    also: &[&str],
) {
    assert!(optimizer.explain().is_empty(), "explained before a step");
    let mut x = DVector::from_row_slice(start);
    for step in 1..=steps {
        let before = x.clone();
        optimizer.step(&mut x, oracle);
        let quantities = optimizer.explain();
        assert!(
            quantities.iter().any(|q| q.arrow.is_some()),
            "no arrow: {quantities:?}"
        );
        let mut sum = vec![0.0; x.len()];
        for quantity in &quantities {
            match &quantity.value {
                QuantityValue::Scalar(v) => assert!(v.is_finite(), "{quantity:?}"),
                QuantityValue::Vector(values) => {
                    assert!(values.iter().all(|v| v.is_finite()), "{quantity:?}");
                    let counted = quantity.arrow.is_some_and(|kind| parts.contains(&kind))
                        || also.contains(&quantity.symbol);
                    if quantity.arrow.is_some() || counted {
                        assert_eq!(values.len(), x.len(), "{quantity:?}");
                    }
                    if counted {
                        for (s, v) in sum.iter_mut().zip(values) {
                            *s += v;
                        }
                    }
                }
            }
        }
        if !parts.is_empty() || !also.is_empty() {
            for i in 0..x.len() {
                let step_i = x[i] - before[i];
                assert!(
                    (step_i - sum[i]).abs() < 1e-12,
                    "step {step}, coordinate {i}: Δx = {step_i}, parts add up to {}",
                    sum[i]
                );
            }
        }
    }
    optimizer.reset();
    assert!(optimizer.explain().is_empty(), "explained after reset");
}

/// Tests' shorthand for the distributed view of a built worker method:
/// `method.worker_points()` for `method.as_distributed()…worker_points()`.
pub(crate) trait WorkerView {
    /// The workers' iterates (the method must simulate workers).
    fn worker_points(&self) -> &[DVector<f64>];
    /// The bits they have sent.
    fn bits_communicated(&self) -> u64;
}

impl WorkerView for Box<dyn Optimizer> {
    fn worker_points(&self) -> &[DVector<f64>] {
        self.as_distributed()
            .expect("a worker method")
            .worker_points()
    }

    fn bits_communicated(&self) -> u64 {
        self.as_distributed()
            .expect("a worker method")
            .bits_communicated()
    }
}

/// The paths (`lr`, `betas[0]`…) that `config`'s validation reports, in its order.
pub(crate) fn validation_paths(config: &(impl TestedConfig + ?Sized)) -> Vec<String> {
    let mut checker = crate::validate::Checker::new();
    config.check(&mut checker);
    checker.found.into_iter().map(|issue| issue.path).collect()
}

/// Asserts that `steps` steps of `config`'s optimizer from `start` on the Rosenbrock function end
/// within `tolerance` (per coordinate) of its minimizer (1, 1).
pub(crate) fn assert_solves_rosenbrock(
    config: &(impl TestedConfig + ?Sized),
    start: [f64; 2],
    steps: usize,
    tolerance: [f64; 2],
) {
    let mut oracle = oracle_on(crate::landscape::Rosenbrock::default());
    let x = iterate(config, &mut oracle, start, steps);
    assert!(
        (x[0] - 1.0).abs() < tolerance[0] && (x[1] - 1.0).abs() < tolerance[1],
        "{x:?}"
    );
}

/// Asserts that `steps` steps of `config`'s optimizer from `start` on the Rosenbrock function bring
/// its value below `factor` times the value at `start`.
pub(crate) fn assert_reduces_rosenbrock(
    config: &(impl TestedConfig + ?Sized),
    start: [f64; 2],
    steps: usize,
    factor: f64,
) {
    let mut oracle = oracle_on(crate::landscape::Rosenbrock::default());
    let x = iterate(config, &mut oracle, start, steps);
    let rosenbrock = oracle.objective();
    let (end, start) = (
        rosenbrock.value(&x),
        rosenbrock.value(&DVector::from_row_slice(&start)),
    );
    assert!(end < factor * start, "{x:?}");
}

/// `C`'s defaults with step size `lr`.
pub(crate) fn with_lr<C: OptimizerSpec + Default>(lr: f64) -> C {
    let mut config = C::default();
    config
        .set_hyper("lr", crate::hyper::HyperValue::Float(lr))
        .expect("every optimizer has an lr");
    config
}

/// The optimizer a preset's run gets from `text`, its `optimizer:` value, after asserting that the
/// scenario saves and reloads unchanged.
pub(crate) fn parsed_optimizer(text: &str) -> crate::optim::OptimizerConfig {
    let source = format!("Scenario(runs: [Run(optimizer: {text})])");
    let scenario = crate::scenario::parse(&source, "optimizer.ron")
        .unwrap_or_else(|e| panic!("{text}: {e:?}"))
        .scenario;
    let saved = crate::scenario::to_ron(&scenario).unwrap();
    let reloaded = crate::scenario::parse(&saved, "saved.ron")
        .unwrap()
        .scenario;
    assert_eq!(reloaded, scenario, "{saved}");
    scenario.runs[0].optimizer.clone()
}
