//! Checks that the tests of several methods (the simulated-worker ones above all) made alike:
//! reading a quantity out of an explanation, the hand-computed first step on the quadratic, what a
//! reset forgets and where moved workers restart. Each method's test module calls them with its
//! own numbers; the tolerances are the ones those tests had.

use nalgebra::DVector;

use crate::objective::Oracle;
use crate::optim::test_support::{WorkerView, least_squares, quadratic, with_lr};
use crate::optim::{ArrowKind, Optimizer, OptimizerSpec, Quantity, QuantityValue};

/// The value and arrow of the quantity called `symbol` in `quantities`, if it is listed.
pub(crate) fn quantity(
    quantities: &[Quantity],
    symbol: &str,
) -> Option<(QuantityValue, Option<ArrowKind>)> {
    quantities
        .iter()
        .find(|q| q.symbol == symbol)
        .map(|q| (q.value.clone(), q.arrow))
}

/// The scalar called `symbol` in `quantities`; panics when it is missing or not a scalar.
pub(crate) fn scalar(quantities: &[Quantity], symbol: &str) -> f64 {
    match quantity(quantities, symbol) {
        Some((QuantityValue::Scalar(v), _)) => v,
        _ => panic!("no {symbol}"),
    }
}

/// One step of `C`'s defaults at lr = 0.1 on f = ½(x² + 4y²) from (1, 1), asserting its loss 2.5,
/// its end at `expected` (to 1e-15 per coordinate) and the `gradients` it counted; the method, the
/// iterate and the oracle after it.
pub(crate) fn first_step_on_quadratic<C: OptimizerSpec + Default>(
    expected: [f64; 2],
    gradients: u64,
) -> (Box<dyn Optimizer>, DVector<f64>, Oracle) {
    let mut oracle = quadratic();
    let mut method = with_lr::<C>(0.1).build(2);
    let mut x = DVector::from_vec(vec![1.0, 1.0]);
    let info = method.step(&mut x, &mut oracle);
    assert_eq!(info.loss, 2.5);
    assert!(
        (x[0] - expected[0]).abs() < 1e-15 && (x[1] - expected[1]).abs() < 1e-15,
        "{x:?} vs {expected:?}"
    );
    assert_eq!(oracle.counts().gradients, gradients);
    (method, x, oracle)
}

/// On a problem that is not a sum, each of the 4 default workers of `C` takes the full gradient:
/// the first step is gradient descent's, g = (1, 4), x ← (1, 1) − 0.1·(1, 4) = (0.9, 0.6), and 300
/// more reach the minimum (‖x‖ < 1e-12).
pub(crate) fn assert_every_worker_takes_the_full_gradient<C: OptimizerSpec + Default>() {
    let (mut method, mut x, mut oracle) = first_step_on_quadratic::<C>([0.9, 0.6], 4);
    for _ in 0..300 {
        method.step(&mut x, &mut oracle);
    }
    assert!(x.norm() < 1e-12);
}

/// After `reset` a worker method explains nothing, has sent nothing and shows no workers.
pub(crate) fn assert_reset_forgets(method: &mut Box<dyn Optimizer>) {
    method.reset();
    assert!(method.explain().is_empty());
    assert_eq!(method.bits_communicated(), 0);
    assert!(method.worker_points().is_empty());
}

/// One step of `config`'s method (with `workers` workers that keep iterates) from (−1, 2) on the
/// least squares, then one from the moved iterate (0.5, 0.5): asserts that the workers restarted
/// there (their mean is the moved iterate, to 1e-15) and returns the method and that iterate.
pub(crate) fn step_after_a_moved_iterate(
    config: &impl OptimizerSpec,
    workers: usize,
) -> (Box<dyn Optimizer>, DVector<f64>) {
    let mut oracle = least_squares();
    let mut method = config.build(2);
    let mut x = DVector::from_vec(vec![-1.0, 2.0]);
    method.step(&mut x, &mut oracle);
    let mut moved = DVector::from_vec(vec![0.5, 0.5]);
    method.step(&mut moved, &mut oracle);
    let mean = method
        .worker_points()
        .iter()
        .fold(DVector::zeros(2), |sum, p| sum + p)
        / workers as f64;
    assert!((&mean - &moved).amax() < 1e-15);
    (method, moved)
}
