//! The subgradient method: step against any subgradient, for convex functions that are not
//! differentiable.
//!
//! ```text
//! x ← x − lr·g,   g ∈ ∂f(x)
//! ```
//!
//! where g is the (minibatch, noisy, clipped) gradient the oracle returns; at a kink it is the
//! subgradient PyTorch's autograd picks, with sign(0) = 0 (so at the minimizer of |x| the step is
//! 0). Where f is differentiable this is gradient descent; the method differs in what can be
//! expected of it where f is not:
//!
//! - It is not a descent method: a fixed step overshoots every kink it comes near (on |x| + 2|y|
//!   at (1, ε), g = (1, 2) and every step longer than 4ε/3 raises f, however small ε), and at a
//!   kink −g need not be a descent direction at all, so the loss goes up and down; the method's
//!   guarantees are on the best iterate so far, f_best(k) = min_{i ≤ k} f(xᵢ), which is what to
//!   watch.
//! - Subgradients do not vanish near a kink (on |x| they have length 1 however close x is to 0), so
//!   with a constant lr the iterates never settle: for convex f with subgradients bounded by G and
//!   ‖x₀ − x*‖ ≤ R, f_best(k) − f* ≤ (R² + G²·lr²·k)/(2·lr·k) → G²·lr/2, a band of width
//!   O(lr·G²) around f* (and the iterates hop across the kink within about lr of it).
//! - Decaying steps converge: with Σ lrₖ = ∞ and lrₖ → 0 (e.g. the run's `schedule:
//!   InverseTime(t0: 10.0, power: 1.0)`, lr/(1 + t/t0)), f_best(k) → f*; lrₖ ∝ 1/√k gives the
//!   optimal O(RG/√k).
//!
//! A known variant, not implemented here, is Polyak's step lrₖ = (f(xₖ) − f*)/‖gₖ‖², which needs f*
//! and converges without a schedule. The proximal methods ([`super::ProximalGd`],
//! [`super::Fista`]) avoid the band altogether where the kink is in a simple term (LASSO).
//!
//! Defaults: lr = 1e-3 (torch.optim.SGD's default). Validation: lr > 0. No state.
//! RON: `Subgradient(lr: 0.1)`, with a decaying `schedule` on the run.
//!
//! References: N. Z. Shor, *Minimization Methods for Non-Differentiable Functions*, Springer, 1985;
//! S. Boyd, J. Duchi, M. Pilanci & L. Vandenberghe, "Subgradient methods", Stanford EE364b lecture
//! notes (2003–2022), §3 (the constant-step band, the best-iterate bound and Polyak's step);
//! B. T. Polyak, *Introduction to Optimization*, 1987, §5.3.

use nalgebra::DVector;
use serde::{Deserialize, Serialize};

use super::{Optimizer, OptimizerSpec, Quantity, StepInfo, Threshold, ensure_len};
use crate::hyper::hyper_table;
use crate::objective::Oracle;

/// Hyperparameters of the subgradient method.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SubgradientConfig {
    /// Step size (constant unless the run has a schedule; decaying steps are needed to converge).
    pub lr: f64,
}

hyper_table! {
    SubgradientConfig, owner: Self::DISPLAY_NAME, defaults {};
    lr = 1e-3: log_float(1e-5, 10.0) where positive,
        "x ← x − lr·g with g a subgradient (sign(0) = 0); a constant lr leaves a band ∝ lr";
}

impl OptimizerSpec for SubgradientConfig {
    crate::optim::spec_names! {
        "Subgradient":
        "subgradient method x ← x − lr·g, g ∈ ∂f(x): not a descent method, needs decaying steps"
    }

    fn stability_threshold(&self) -> Option<Threshold> {
        // Gradient descent on the smooth part.
        Threshold::gradient_descent(self.lr)
    }

    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        Box::new(Subgradient {
            config: self.clone(),
            grad: DVector::zeros(dim),
            explained_steps: 0,
            explained_lr: 0.0,
        })
    }
}

/// The subgradient method. It has no state between steps.
pub struct Subgradient {
    config: SubgradientConfig,
    grad: DVector<f64>,
    /// Steps since the last reset and the latest one's lr, for [`Optimizer::explain`].
    explained_steps: u64,
    explained_lr: f64,
}

impl Optimizer for Subgradient {
    fn step(&mut self, x: &mut DVector<f64>, oracle: &mut Oracle) -> StepInfo {
        let lr = self.config.lr;
        ensure_len(&mut self.grad, x.len());
        let loss = oracle.value_and_grad(x, &mut self.grad);
        self.explained_steps += 1;
        self.explained_lr = lr;
        for (p, &g) in x.iter_mut().zip(self.grad.iter()) {
            *p -= lr * g;
        }
        StepInfo::proceed(loss)
    }

    crate::optim::stateless::stateless_edits!(explained_steps);

    fn explain(&self) -> Vec<Quantity> {
        crate::optim::explain_once_stepped(self.explained_steps > 0, || {
            let lr = self.explained_lr;
            crate::optim::quantities![
                vector "g" = "a subgradient in ∂f(x) (sign(0) = 0 at kinks)"
                    => self.grad.as_slice(),
                arrow Gradient "−lr·g" =
                    "the whole step: not necessarily a descent direction at a kink"
                    => self.grad.iter().map(|g| -lr * g),
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::optim::OptimizerConfig;

    use super::*;
    use crate::validate::Checker;

    use crate::landscape::{Abs, Quadratic};
    use crate::optim::test_support::oracle_on as oracle;

    #[test]
    fn three_hand_computed_steps_across_a_kink() {
        // f = |x| + 2|y|, lr = 0.25 from (0.3, 0): g = (1, 0) (sign(0) = 0), x₁ = (0.05, 0);
        // g = (1, 0), x₂ = (−0.2, 0); g = (−1, 0), x₃ = (0.05, 0): it hops across the kink.
        let mut optimizer = SubgradientConfig { lr: 0.25 }.build(2);
        let mut oracle = oracle(Abs { a: 2.0 });
        let mut x = DVector::from_vec(vec![0.3, 0.0]);
        let info = optimizer.step(&mut x, &mut oracle);
        assert_eq!(info.loss, 0.3);
        assert!((x[0] - 0.05).abs() < 1e-15 && x[1] == 0.0, "{x:?}");
        optimizer.step(&mut x, &mut oracle);
        assert!((x[0] + 0.2).abs() < 1e-15 && x[1] == 0.0, "{x:?}");
        optimizer.step(&mut x, &mut oracle);
        assert!((x[0] - 0.05).abs() < 1e-15 && x[1] == 0.0, "{x:?}");
    }

    /// The subgradient method on |x| + |y| from (1.53, 0.97) with lr(t) = lr_at(t); returns the
    /// last iterate and the best loss.
    fn run_on_abs(steps: u64, lr_at: impl Fn(u64) -> f64) -> (DVector<f64>, f64) {
        let mut optimizer = SubgradientConfig { lr: lr_at(0) }.build(2);
        let mut oracle = oracle(Abs::default());
        let mut x = DVector::from_vec(vec![1.53, 0.97]);
        let mut best = f64::INFINITY;
        for t in 0..steps {
            optimizer.set_lr(lr_at(t));
            best = best.min(optimizer.step(&mut x, &mut oracle).loss);
        }
        (x, best)
    }

    #[test]
    fn constant_steps_stall_in_a_band_and_decaying_steps_converge() {
        // Constant lr = 0.1: x ends hopping between ≈ 0.03 and ≈ −0.07 and y between ≈ 0.07 and
        // ≈ −0.03, out of phase, so f stays ≈ 0.1 = G²·lr/2 (G = √2) above f* = 0 for good.
        let (x, best) = run_on_abs(1000, |_| 0.1);
        assert!(x[0].abs() <= 0.1 && x[1].abs() <= 0.1, "{x:?}");
        assert!((0.1 - best).abs() < 1e-9, "{best}");
        // A ten times smaller constant lr: a band at most ten times narrower.
        let (_, best_small) = run_on_abs(10_000, |_| 0.01);
        assert!(best_small <= 0.01 + 1e-9, "{best_small}");
        // lr/(1 + t/10): once at the kink, every coordinate stays within the current step of 0.
        let (x, best) = run_on_abs(10_000, |t| 0.1 / (1.0 + t as f64 / 10.0));
        assert!(x[0].abs() < 2e-4 && x[1].abs() < 2e-4, "{x:?}");
        assert!(best < 3e-4, "{best}");
    }

    #[test]
    fn is_gradient_descent_on_smooth_problems() {
        let mut optimizer = SubgradientConfig { lr: 0.15 }.build(2);
        let mut oracle = oracle(Quadratic::default());
        let mut x = DVector::from_vec(vec![1.0, 1.0]);
        // ∇f = (1, 10): x₁ = (0.85, −0.5).
        optimizer.step(&mut x, &mut oracle);
        assert!((x[0] - 0.85).abs() < 1e-15 && (x[1] + 0.5).abs() < 1e-15);
        for _ in 0..300 {
            optimizer.step(&mut x, &mut oracle);
        }
        assert!(x.norm() < 1e-12);
    }

    #[test]
    fn live_edits_and_validation() {
        let mut optimizer = SubgradientConfig { lr: 0.1 }.build(2);
        assert!(optimizer.set_config(&OptimizerConfig::Subgradient(SubgradientConfig { lr: 0.5 })));
        let mut oracle = oracle(Abs::default());
        let mut x = DVector::from_vec(vec![1.0, -1.0]);
        optimizer.step(&mut x, &mut oracle);
        assert_eq!(x.as_slice(), [0.5, -0.5]);
        optimizer.reset();
        let mut checker = Checker::new();
        SubgradientConfig { lr: f64::INFINITY }.validate(&mut checker);
        assert_eq!(checker.found.len(), 1);
    }
}
