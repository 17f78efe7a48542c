//! What the tests of the deep linear network and of matrix factorization check alike: the exact
//! gradient and Hessian-vector product against central differences, at seeded random points.

use nalgebra::DVector;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use crate::objective::{Objective, central_difference_hvp};

/// `dim` standard normal draws from the generator seeded with `seed`.
pub(super) fn random_vector(dim: usize, seed: u64) -> DVector<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    DVector::from_fn(dim, |_, _| StandardNormal.sample(&mut rng))
}

/// Asserts that `value_and_grad` returns `value(x)`, and a gradient whose every coordinate gᵢ is
/// within `tolerance(gᵢ)` of the central difference of `value` (step 1e-6). `what` names the
/// case in a failure.
pub(super) fn assert_gradient_matches_central_differences(
    objective: &dyn Objective,
    x: &DVector<f64>,
    tolerance: impl Fn(f64) -> f64,
    what: &str,
) {
    let mut grad = DVector::zeros(objective.dim());
    let value = objective.value_and_grad(x, &mut grad);
    assert_eq!(value, objective.value(x), "{what}");
    let h = 1e-6;
    for i in 0..objective.dim() {
        let mut plus = x.clone();
        let mut minus = x.clone();
        plus[i] += h;
        minus[i] -= h;
        let numeric = (objective.value(&plus) - objective.value(&minus)) / (2.0 * h);
        assert!(
            (numeric - grad[i]).abs() < tolerance(grad[i]),
            "{what} coordinate {i}: {numeric} vs {}",
            grad[i]
        );
    }
}

/// Asserts that the exact product H·v is within 1e-6·(1 + ‖Hv‖) of the central difference of the
/// gradient, and that the dense Hessian times v is within `dense_tolerance`·(1 + ‖Hv‖) of it.
pub(super) fn assert_hvp_matches_central_differences_and_the_dense_hessian(
    objective: &dyn Objective,
    x: &DVector<f64>,
    v: &DVector<f64>,
    dense_tolerance: f64,
    what: &str,
) {
    let mut exact = DVector::zeros(objective.dim());
    let mut numeric = DVector::zeros(objective.dim());
    objective.hvp(x, v, &mut exact);
    central_difference_hvp(objective, x, v, &mut numeric);
    assert!(
        (&exact - &numeric).norm() < 1e-6 * (1.0 + exact.norm()),
        "{what}: {} vs {}",
        exact.norm(),
        numeric.norm()
    );
    let hessian = objective.hessian(x);
    assert!(
        hessian.is_some_and(|h| (&h * v - &exact).norm() < dense_tolerance * (1.0 + exact.norm())),
        "{what}: the dense Hessian"
    );
}
