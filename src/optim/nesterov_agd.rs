//! Nesterov's accelerated gradient method (1983) in its textbook form: a gradient step from an
//! extrapolated point, with the momentum schedule (k − 1)/(k + 2).
//!
//! From x₀ (with y₀ = x₀), step k = 0, 1, 2, … is
//!
//! ```text
//! yₖ   = xₖ + (k − 1)/(k + 2) · (xₖ − xₖ₋₁)     (yₖ = xₖ for k = 0 and 1)
//! xₖ₊₁ = yₖ − lr · ∇f(yₖ)
//! ```
//!
//! computed coordinate-wise in exactly this order. The drawn iterate is xₖ; the extrapolated
//! look-ahead point yₖ where the next gradient is taken is [`Optimizer::auxiliary_point`] (after
//! each step, the y the next step will use). The first two steps are plain gradient steps; the
//! momentum coefficient then grows towards 1, which is what makes the method fast on flat valleys
//! and makes its loss non-monotone (ripples) on strongly convex ones.
//!
//! For convex f with L-Lipschitz gradient and lr ≤ 1/L, f(xₖ) − f* ≤ 2‖x₀ − x*‖²/(lr·(k + 1)²):
//! O(1/k²), against gradient descent's O(1/k), the optimal rate for first-order methods. Su, Boyd &
//! Candès show that as lr → 0 the iterates follow the ODE Ẍ + (3/t)Ẋ + ∇f(X) = 0 with t ≈ k·√lr:
//! a heavy ball with friction decaying like 3/t, which explains the ripples and the "3" in
//! (k − 1)/(k + 2) = 1 − 3/(k + 2). The momentum schedule is tuned for convex problems, not strongly
//! convex ones: there gradient descent converges linearly and, with the same lr, eventually
//! overtakes it (on κ = 100 with lr = 1/L Nesterov is ahead by 10³ after 300 steps, behind after
//! ~1500); restarting the schedule (O'Donoghue & Candès 2015) or the constant momentum
//! (√κ − 1)/(√κ + 1) fixes that. This is the same iteration as [`super::Fista`] with h = 0 up
//! to the momentum sequence ((tₖ − 1)/tₖ₊₁ ≈ (k − 1)/(k + 2) for large k). torch.optim.SGD's
//! `nesterov=True` is a different, constant-momentum variant (Sutskever et al. 2013).
//!
//! The loss reported by a step is f(yₖ), the only value the step evaluates (yₖ = xₖ on the first
//! two steps), so no evaluation is spent on a loss the method does not use.
//!
//! Defaults: lr = 1e-3 (torch.optim.SGD's default, so switching a run's method keeps the scale;
//! the theory asks for lr ≤ 1/L). Validation: lr > 0. State: the previous iterate and the step
//! count k, kept by live edits, cleared by reset. RON: `NesterovAgd(lr: 0.01)`.
//!
//! References: Y. Nesterov, "A method of solving a convex programming problem with convergence
//! rate O(1/k²)", Soviet Mathematics Doklady 27, 1983; A. Beck & M. Teboulle, "A fast iterative
//! shrinkage-thresholding algorithm for linear inverse problems", SIAM J. Imaging Sciences 2(1),
//! 2009; W. Su, S. Boyd & E. J. Candès, "A differential equation for modeling Nesterov's
//! accelerated gradient method: theory and insights", JMLR 17(153), 2016 (this indexing and the
//! ODE).

use nalgebra::DVector;
use serde::{Deserialize, Serialize};

use super::{Optimizer, OptimizerSpec, Quantity, StepInfo, Threshold, ensure_len};
use crate::hyper::hyper_table;
use crate::objective::Oracle;

/// Hyperparameters of Nesterov's accelerated gradient method.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NesterovAgdConfig {
    /// Step size of the gradient step from the extrapolated point (≤ 1/L in theory).
    pub lr: f64,
}

hyper_table! {
    NesterovAgdConfig, owner: Self::DISPLAY_NAME, defaults {};
    lr = 1e-3: log_float(1e-5, 10.0) where positive,
        "y ← x + (k − 1)/(k + 2)·(x − x_prev); x ← y − lr·∇f(y) (lr ≤ 1/L)";
}

impl OptimizerSpec for NesterovAgdConfig {
    crate::optim::spec_names! {
        "Nesterov AGD":
        "Nesterov's accelerated gradient (1983): step from y = x + (k − 1)/(k + 2)·(x − x_prev), O(1/k²)"
    }

    fn stability_threshold(&self) -> Option<Threshold> {
        Threshold::accelerated(self.lr)
    }

    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        Box::new(NesterovAgd {
            config: self.clone(),
            grad: DVector::zeros(dim),
            previous: DVector::zeros(dim),
            lookahead: DVector::zeros(dim),
            k: 0,
            explained_lr: 0.0,
            explained_lookahead: DVector::zeros(dim),
        })
    }
}

/// Nesterov's method's state: the previous iterate xₖ₋₁, the step count k and the extrapolated
/// point y.
pub struct NesterovAgd {
    config: NesterovAgdConfig,
    grad: DVector<f64>,
    /// xₖ₋₁ (meaningful once k ≥ 1).
    previous: DVector<f64>,
    /// yₖ: the extrapolated point the next gradient is taken at.
    lookahead: DVector<f64>,
    /// Steps taken: the current iterate is xₖ.
    k: u64,
    /// lr of the latest step, for [`Optimizer::explain`].
    explained_lr: f64,
    /// The yₖ the latest step took its gradient at (the step overwrites `lookahead`).
    explained_lookahead: DVector<f64>,
}

impl NesterovAgd {
    /// yₖ = xₖ + (k − 1)/(k + 2)·(xₖ − xₖ₋₁), and yₖ = xₖ before any step.
    fn extrapolate(&mut self, x: &DVector<f64>) {
        if self.k == 0 {
            self.lookahead.copy_from(x);
            return;
        }
        let k = self.k as f64;
        let beta = (k - 1.0) / (k + 2.0);
        for ((y, &p), &q) in self
            .lookahead
            .iter_mut()
            .zip(x.iter())
            .zip(self.previous.iter())
        {
            *y = p + beta * (p - q);
        }
    }
}

impl Optimizer for NesterovAgd {
    fn step(&mut self, x: &mut DVector<f64>, oracle: &mut Oracle) -> StepInfo {
        let lr = self.config.lr;
        for buffer in [&mut self.grad, &mut self.previous, &mut self.lookahead] {
            ensure_len(buffer, x.len());
        }
        // Recomputed from x (not reused from the last step) so that x is always authoritative.
        self.extrapolate(x);
        let loss = oracle.value_and_grad(&self.lookahead, &mut self.grad);
        self.previous.copy_from(x);
        for ((p, &y), &g) in x
            .iter_mut()
            .zip(self.lookahead.iter())
            .zip(self.grad.iter())
        {
            *p = y - lr * g;
        }
        ensure_len(&mut self.explained_lookahead, x.len());
        self.explained_lookahead.copy_from(&self.lookahead);
        self.explained_lr = lr;
        self.k += 1;
        // The next look-ahead point, for drawing.
        self.extrapolate(x);
        StepInfo::proceed(loss)
    }

    crate::optim::config_edits!();

    fn reset(&mut self) {
        self.k = 0;
        self.previous.fill(0.0);
        self.lookahead.fill(0.0);
    }

    fn auxiliary_point(&self) -> Option<&DVector<f64>> {
        (self.k > 0).then_some(&self.lookahead)
    }

    fn explain(&self) -> Vec<Quantity> {
        crate::optim::explain_once_stepped(self.k > 0, || {
            let lr = self.explained_lr;
            // The step just taken was step k − 1 in the doc's indexing.
            let k = (self.k - 1) as f64;
            let coefficient = if k < 1.0 { 0.0 } else { (k - 1.0) / (k + 2.0) };
            let y = &self.explained_lookahead;
            crate::optim::quantities![
                scalar "(k − 1)/(k + 2)" = "the momentum coefficient (0 for k = 0, 1)"
                    => coefficient,
                vector "yₖ" = "xₖ + (k − 1)/(k + 2)·(xₖ − xₖ₋₁)" => y.as_slice(),
                vector "∇f(yₖ)" = "the gradient at the look-ahead point" => self.grad.as_slice(),
                arrow Momentum "yₖ − xₖ" = "the extrapolation along the last displacement"
                    => y.iter().zip(self.previous.iter()).map(|(y, p)| y - p),
                arrow Gradient "−lr·∇f(yₖ)" = "the gradient step, taken from yₖ"
                    => self.grad.iter().map(|g| -lr * g),
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::optim::OptimizerConfig;
    use crate::optim::test_support::assert_point_close;

    use super::*;
    use crate::validate::Checker;

    use crate::landscape::{Landscape, Quadratic};
    use crate::optim::test_support::oracle_on as oracle;

    #[test]
    fn four_hand_computed_steps() {
        // lr = 0.1 from x₀ = (1, 1):
        // k = 0: y₀ = x₀, ∇f = (1, 4), x₁ = (0.9, 0.6)
        // k = 1: β = 0, y₁ = x₁, ∇f = (0.9, 2.4), x₂ = (0.81, 0.36)
        // k = 2: β = 1/4, y₂ = (0.81 − 0.0225, 0.36 − 0.06) = (0.7875, 0.3), ∇f = (0.7875, 1.2),
        //        x₃ = (0.70875, 0.18)
        // k = 3: β = 2/5, y₃ = (0.70875 − 0.0405, 0.18 − 0.072) = (0.66825, 0.108),
        //        x₄ = (0.601425, 0.0648)
        let mut optimizer = NesterovAgdConfig { lr: 0.1 }.build(2);
        let (mut x, mut oracle) = crate::optim::test_support::on_quadratic([1.0, 1.0]);
        assert!(optimizer.auxiliary_point().is_none());
        let info = optimizer.step(&mut x, &mut oracle);
        assert_eq!(info.loss, 2.5);
        assert_point_close(&x, [0.9, 0.6]);
        assert_point_close(optimizer.auxiliary_point().unwrap(), [0.9, 0.6]);
        optimizer.step(&mut x, &mut oracle);
        assert_point_close(&x, [0.81, 0.36]);
        assert_point_close(optimizer.auxiliary_point().unwrap(), [0.7875, 0.3]);
        let info = optimizer.step(&mut x, &mut oracle);
        // The loss is f(y₂) = ½(0.7875² + 4·0.09).
        assert!((info.loss - 0.5 * (0.7875f64.powi(2) + 0.36)).abs() < 1e-15);
        assert_point_close(&x, [0.70875, 0.18]);
        assert_point_close(optimizer.auxiliary_point().unwrap(), [0.66825, 0.108]);
        optimizer.step(&mut x, &mut oracle);
        assert_point_close(&x, [0.601425, 0.0648]);
        assert_eq!(oracle.counts().gradients, 4);
    }

    #[test]
    fn beats_gradient_descent_on_an_ill_conditioned_quadratic() {
        // κ = 100, lr = 1/L: GD's slow mode shrinks by 0.99 per step.
        let quadratic = Quadratic {
            lambda1: 1.0,
            lambda2: 100.0,
            angle_deg: 20.0,
        };
        let lr = 0.01;
        let mut nesterov = NesterovAgdConfig { lr }.build(2);
        let mut nesterov_oracle = oracle(quadratic.clone());
        let mut x = DVector::from_vec(vec![1.0, 1.0]);
        let mut gd = DVector::from_vec(vec![1.0, 1.0]);
        for _ in 0..300 {
            nesterov.step(&mut x, &mut nesterov_oracle);
            let (_, g) = quadratic.value_and_gradient([gd[0], gd[1]]);
            gd[0] -= lr * g[0];
            gd[1] -= lr * g[1];
        }
        let f_nesterov = quadratic.value([x[0], x[1]]);
        let f_gd = quadratic.value([gd[0], gd[1]]);
        assert!(f_nesterov < 1e-2 * f_gd, "{f_nesterov} vs {f_gd}");
        for _ in 0..2000 {
            nesterov.step(&mut x, &mut nesterov_oracle);
        }
        assert!(x.norm() < 1e-6, "{x:?}");
    }

    #[test]
    fn live_edits_keep_the_momentum_and_reset_clears_it() {
        let mut oracle = crate::optim::test_support::quadratic();
        let mut optimizer = NesterovAgdConfig { lr: 0.1 }.build(2);
        let mut x = DVector::from_vec(vec![1.0, 1.0]);
        optimizer.step(&mut x, &mut oracle);
        optimizer.step(&mut x, &mut oracle);
        assert!(optimizer.set_config(&OptimizerConfig::NesterovAgd(NesterovAgdConfig { lr: 0.1 })));
        optimizer.step(&mut x, &mut oracle);
        assert_point_close(&x, [0.70875, 0.18]);
        // After a reset the next step is a plain gradient step again.
        optimizer.reset();
        assert!(optimizer.auxiliary_point().is_none());
        let mut x = DVector::from_vec(vec![1.0, 1.0]);
        optimizer.set_lr(0.2);
        optimizer.step(&mut x, &mut oracle);
        assert_point_close(&x, [0.8, 0.2]);
    }

    #[test]
    fn validation() {
        let mut checker = Checker::new();
        NesterovAgdConfig { lr: -1.0 }.validate(&mut checker);
        NesterovAgdConfig::default().validate(&mut checker);
        assert_eq!(checker.found.len(), 1);
        assert_eq!(checker.found[0].message, "lr must be > 0, got -1");
    }
}
