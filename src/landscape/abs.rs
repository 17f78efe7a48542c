//! Abs: a nonsmooth kink, where gradient descent with a fixed step never settles.
//!
//! f(x, y) = |x| + a·|y|. Domain ℝ². The unique minimizer is (0, 0) with f* = 0.
//!
//! f is not differentiable on the axes. The gradient returned is the subgradient
//! (sign x, a·sign y) with sign(0) = 0, exactly what PyTorch's autograd gives for `abs`; its norm
//! stays 1 (or a) however close a point is to the minimizer, so fixed-step (sub)gradient descent
//! ends up oscillating across the kink with an amplitude set by the step size, and only decaying
//! steps, Polyak-type steps or proximal methods converge. The Hessian returned is the zero matrix:
//! the Hessian wherever f is differentiable (everywhere off the axes). The curvature listed at the
//! minimizer, [0, 0], is that of the smooth pieces; at the kink itself curvature is not defined.
//!
//! Reference: N. Z. Shor, *Minimization Methods for Non-Differentiable Functions* (1985);
//! S. Boyd, "Subgradient methods", Stanford EE364b lecture notes (2003–2014).
//! Defaults: a = 1; view [−2, 2]²; start (1.5, 1).

use serde::{Deserialize, Serialize};

use super::{Landscape, Matrix2, Minimizers, Minimum, Point, ViewWindow};
use crate::hyper::hyper_table;

/// f(x, y) = |x| + a·|y|.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Abs {
    /// Weight of |y|: the slope of the walls along y.
    pub a: f64,
}

impl Default for Abs {
    fn default() -> Self {
        Self { a: 1.0 }
    }
}

/// sign(v) with sign(0) = 0, as `torch.sign` (and so the autograd of `abs`); NaN stays NaN.
fn sign(v: f64) -> f64 {
    if v == 0.0 { 0.0 } else { v.signum() }
}

hyper_table! {
    Abs, owner: "Abs";
    a: log_float(0.01, 100.0) where positive, "Weight of |y|: the slope of the walls along y";
}

super::landscape_spec! {
    Abs: "|x| + a|y|: a nonsmooth kink where fixed-step subgradient descent oscillates (a)"
}

impl Landscape for Abs {
    fn value(&self, p: Point) -> f64 {
        p[0].abs() + self.a * p[1].abs()
    }

    fn value_and_gradient(&self, p: Point) -> (f64, Point) {
        (self.value(p), [sign(p[0]), self.a * sign(p[1])])
    }

    fn hessian(&self, _p: Point) -> Matrix2 {
        [[0.0, 0.0], [0.0, 0.0]]
    }

    fn minimizers(&self) -> Minimizers {
        Minimizers::Points(vec![Minimum {
            point: [0.0, 0.0],
            value: 0.0,
            curvature: [0.0, 0.0],
        }])
    }

    super::centred_view!(2.0, 2.0, start [1.5, 1.0]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::landscape::LandscapeSpec;
    use crate::validate::Checker;

    #[test]
    fn subgradient_follows_torch_sign() {
        let f = Abs { a: 2.0 };
        assert_eq!(f.value_and_gradient([-0.5, 0.25]), (1.0, [-1.0, 2.0]));
        // On the kinks the zero subgradient is chosen, also for −0.
        assert_eq!(f.value_and_gradient([0.0, -3.0]), (6.0, [0.0, -2.0]));
        assert_eq!(f.value_and_gradient([-0.0, 0.0]), (0.0, [0.0, 0.0]));
    }

    #[test]
    fn validation_rejects_non_positive_weights() {
        let mut checker = Checker::new();
        Abs { a: 0.0 }.validate(&mut checker);
        Abs { a: f64::NAN }.validate(&mut checker);
        Abs::default().validate(&mut checker);
        assert_eq!(checker.found.len(), 2);
    }
}
