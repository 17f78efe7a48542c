//! What the optimizer tests share: oracles with exact gradients and a last-bits comparison.

use std::sync::Arc;

use crate::landscape::{Landscape, LandscapeObjective, Quadratic};
use crate::objective::{GradientModel, Oracle};

/// An oracle with exact gradients (no minibatches, noise or clipping) on `landscape`.
pub(crate) fn oracle_on(landscape: impl Landscape + 'static) -> Oracle {
    Oracle::new(
        Arc::new(LandscapeObjective::new(Arc::new(landscape))),
        GradientModel::default(),
        0,
    )
}

/// f = ½(x² + 4y²), ∇f = (x, 4y): the quadratic of the hand-computed steps.
pub(crate) fn quadratic() -> Oracle {
    oracle_on(Quadratic {
        lambda1: 1.0,
        lambda2: 4.0,
        angle_deg: 0.0,
    })
}

/// Equal to 1e-14, relative to max(|expected|, 1).
pub(crate) fn close(actual: f64, expected: f64) -> bool {
    (actual - expected).abs() <= 1e-14 * expected.abs().max(1.0)
}
