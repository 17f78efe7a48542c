//! Adam-HD: Adam whose learning rate adapts itself by hypergradient descent, after Baydin,
//! Cornish, Martínez Rubio, Schmidt & Wood (2018). Not a torch.optim class.
//!
//! Adam steps xₜ = xₜ₋₁ − α·uₜ along its bias-corrected direction uₜ = m̂ₜ/(√v̂ₜ + eps), so the
//! loss after a step depends on α through it: ∂f(xₜ₋₁)/∂α = ∇f(xₜ₋₁)·(−uₜ₋₁). With gₜ the
//! (minibatch) gradient at xₜ₋₁, t counting steps from 1 and u₀ = 0, one step is the paper's
//! Algorithm (Adam-HD):
//!
//! ```text
//! hₜ ← gₜ · uₜ₋₁                      (minus the hypergradient ∂f/∂α; 0 on the first step)
//! αₜ ← αₜ₋₁ + hyper_lr · hₜ           (α₀ = lr)
//! mₜ ← β₁ · mₜ₋₁ + (1 − β₁) · gₜ
//! vₜ ← β₂ · vₜ₋₁ + (1 − β₂) · gₜ²
//! m̂ₜ = mₜ/(1 − β₁ᵗ),  v̂ₜ = vₜ/(1 − β₂ᵗ)
//! uₜ = m̂ₜ/(√v̂ₜ + eps)
//! xₜ ← xₜ₋₁ − αₜ · uₜ
//! ```
//!
//! This is the paper's update with eps added to √v̂ₜ, as torch's Adam does today; the authors'
//! reference code (`adam_hd.py`, written for torch's Adam of 2017) adds eps to √vₜ before the
//! bias correction, which is the same direction with eps scaled by 1/√(1 − β₂ᵗ): the two agree
//! once eps is small next to √v̂. Each coordinate of uₜ is about ±1 while the gradient's sign is
//! steady, so hₜ is about the ℓ₁ norm of the gradient and α grows as long as the steps keep the
//! same direction, and shrinks once they turn back. α is not clipped.
//!
//! A live edit of lr restarts α from it; a learning-rate schedule sets only α₀ (the method adapts
//! its step size itself). The runs' plot of the learning rate over steps shows αₜ.
//!
//! Defaults: lr = 1e-3, hyper_lr = 1e-7 (the paper's Adam-HD experiments), betas = (0.9, 0.999),
//! eps = 1e-8 (Adam's). Validation: lr > 0, hyper_lr ≥ 0, 0 ≤ β₁, β₂ < 1, eps ≥ 0.
//!
//! Reference: A. G. Baydin, R. Cornish, D. Martínez Rubio, M. Schmidt & F. Wood, "Online learning
//! rate adaptation with hypergradient descent", ICLR 2018 (Algorithm Adam-HD; reference code
//! `gbaydin/hypergradient-descent`, `adam_hd.py`); Kingma & Ba, "Adam: A Method for Stochastic
//! Optimization", ICLR 2015.

use nalgebra::DVector;
use serde::{Deserialize, Serialize};

use super::adam::check_betas;
use super::hypergradient_sgd::gradient_and_hypergradient;
use super::{ArrowKind, Optimizer, OptimizerSpec, Quantity, StepInfo, ensure_len};
use crate::hyper::{Hypers, hyper_table};
use crate::objective::Oracle;
use crate::validate::Checker;

/// Hyperparameters of Adam-HD.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HypergradientAdamConfig {
    /// The initial step size α₀.
    pub lr: f64,
    /// β, the step size of the gradient descent on α.
    pub hyper_lr: f64,
    /// Decay rates (β₁, β₂) of the running averages of the gradient and of its square.
    pub betas: (f64, f64),
    /// Added to √v̂ in the denominator.
    pub eps: f64,
}

hyper_table! {
    HypergradientAdamConfig, owner: Self::DISPLAY_NAME, defaults { betas: (0.9, 0.999) };
    lr = 1e-3: log_float(1e-5, 1.0) where positive, "α₀: the first step size; then α adapts";
    hyper_lr = 1e-7: log_float(0.0, 1.0) where non_negative,
        "β: α ← α + β·gₜ·uₜ₋₁, gradient descent on the step size (u: Adam's direction)";
    betas.0 as "betas[0]": float(0.0, 0.999),
        "β₁: m ← β₁·m + (1 − β₁)·g, the running mean of gradients";
    betas.1 as "betas[1]": float(0.0, 0.9999),
        "β₂: v ← β₂·v + (1 − β₂)·g², the running mean of squared gradients";
    eps = 1e-8: log_float(1e-12, 1.0) where non_negative, "u = m̂/(√v̂ + eps)";
}

impl OptimizerSpec for HypergradientAdamConfig {
    const DISPLAY_NAME: &'static str = "Adam-HD";
    const DESCRIPTION: &'static str =
        "Adam with hypergradient descent on its lr (Baydin et al. 2018): α ← α + β·gₜ·uₜ₋₁";

    fn validate(&self, checker: &mut Checker) {
        self.validate_rows(checker);
        check_betas(self.betas, checker);
    }

    // The step size changes every step with the gradients, and so does the preconditioner.
    crate::optim::no_stability_threshold!(NotDerived);

    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        Box::new(HypergradientAdam {
            config: self.clone(),
            grad: DVector::zeros(dim),
            exp_avg: DVector::zeros(dim),
            exp_avg_sq: DVector::zeros(dim),
            direction: DVector::zeros(dim),
            alpha: self.lr,
            steps: 0,
            explained_hypergradient: 0.0,
        })
    }
}

/// Adam-HD's state: Adam's moments, the latest direction u and the adapted step size α.
pub struct HypergradientAdam {
    config: HypergradientAdamConfig,
    grad: DVector<f64>,
    exp_avg: DVector<f64>,
    exp_avg_sq: DVector<f64>,
    /// uₜ of the latest step (zero before the first): the next step's hypergradient needs it.
    direction: DVector<f64>,
    /// αₜ, the step size of the latest step (α₀ = lr before the first).
    alpha: f64,
    /// Steps since built or reset.
    steps: u64,
    /// hₜ of the latest step, for [`Optimizer::explain`].
    explained_hypergradient: f64,
}

impl Optimizer for HypergradientAdam {
    fn step(&mut self, x: &mut DVector<f64>, oracle: &mut Oracle) -> StepInfo {
        let dim = x.len();
        for buffer in [
            &mut self.grad,
            &mut self.exp_avg,
            &mut self.exp_avg_sq,
            &mut self.direction,
        ] {
            ensure_len(buffer, dim);
        }
        let HypergradientAdamConfig {
            hyper_lr,
            betas: (beta1, beta2),
            eps,
            ..
        } = self.config;
        let loss = oracle.value_and_grad(x, &mut self.grad);
        // u₀ = 0: the first step's hypergradient is 0 and it uses α₀.
        let hypergradient = self.grad.dot(&self.direction);
        self.explained_hypergradient = hypergradient;
        self.alpha += hyper_lr * hypergradient;
        self.steps += 1;
        let t = self.steps as f64;
        let bias_correction1 = 1.0 - beta1.powf(t);
        let bias_correction2 = 1.0 - beta2.powf(t);
        let alpha = self.alpha;
        let coordinates = x.iter_mut().zip(self.grad.iter()).zip(
            (self.exp_avg.iter_mut())
                .zip(self.exp_avg_sq.iter_mut())
                .zip(self.direction.iter_mut()),
        );
        for ((p, &g), ((m, v), u)) in coordinates {
            *m = beta1 * *m + (1.0 - beta1) * g;
            *v = beta2 * *v + (1.0 - beta2) * g * g;
            *u = (*m / bias_correction1) / ((*v / bias_correction2).sqrt() + eps);
            *p -= alpha * *u;
        }
        StepInfo::proceed(loss)
    }

    super::hypergradient_sgd::hypergradient_lr_edits!(reset: exp_avg, exp_avg_sq, direction);

    fn explain(&self) -> Vec<Quantity> {
        crate::optim::explain_once_stepped(self.steps > 0, || {
            let (alpha, lr) = (self.alpha, self.config.lr);
            let mut quantities = gradient_and_hypergradient(
                &self.grad,
                self.explained_hypergradient,
                "gₜ·uₜ₋₁ = −∂f(xₜ₋₁)/∂α (0 on the first step)",
            );
            quantities.extend([
                Quantity::scalar("αₜ", "αₜ₋₁ + hyper_lr·hₜ", alpha),
                Quantity::vector("mₜ", "β₁·mₜ₋₁ + (1 − β₁)·gₜ", self.exp_avg.as_slice()),
                Quantity::vector("vₜ", "β₂·vₜ₋₁ + (1 − β₂)·gₜ²", self.exp_avg_sq.as_slice()),
                Quantity::vector("uₜ", "m̂ₜ/(√v̂ₜ + eps)", self.direction.as_slice()),
                Quantity::gradient_arrow(lr, &self.grad),
                Quantity::arrow(
                    ArrowKind::Preconditioned,
                    "−αₜ·uₜ",
                    "Adam's direction at the adapted step size",
                    self.direction.iter().map(|u| -alpha * u),
                ),
            ]);
            quantities
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::optim::test_support::quadratic;

    #[test]
    fn one_step_and_the_next_learning_rate_by_hand() {
        // f = ½(x² + 4y²), ∇f = (x, 4y), α₀ = 0.1, β = 0.01, eps = 0, from (1, 1).
        let config = HypergradientAdamConfig {
            lr: 0.1,
            hyper_lr: 0.01,
            eps: 0.0,
            ..HypergradientAdamConfig::default()
        };
        let mut optimizer = config.build(2);
        let mut oracle = quadratic();
        let mut x = DVector::from_vec(vec![1.0, 1.0]);
        // Step 1: h₁ = 0, α₁ = 0.1; m̂₁ = g₁, v̂₁ = g₁², u₁ = sign(g₁) = (1, 1): x₁ = (0.9, 0.9).
        optimizer.step(&mut x, &mut oracle);
        assert_eq!(optimizer.current_lr(), Some(0.1));
        assert!(
            (x[0] - 0.9).abs() < 1e-15 && (x[1] - 0.9).abs() < 1e-15,
            "{x}"
        );
        // Step 2: g₂ = (0.9, 3.6), h₂ = g₂·u₁ = 4.5, α₂ = 0.1 + 0.045 = 0.145.
        optimizer.step(&mut x, &mut oracle);
        let alpha2 = optimizer.current_lr().unwrap_or(f64::NAN);
        assert!((alpha2 - 0.145).abs() < 1e-15, "{alpha2}");
        // m₂ = 0.9·0.1·g₁ + 0.1·g₂, v₂ = 0.999·0.001·g₁² + 0.001·g₂², then the corrections.
        let (g1, g2) = ([1.0, 4.0], [0.9, 3.6]);
        for i in 0..2 {
            let m: f64 = 0.9 * 0.1 * g1[i] + 0.1 * g2[i];
            let v: f64 = 0.999 * 0.001 * g1[i] * g1[i] + 0.001 * g2[i] * g2[i];
            let u = (m / (1.0 - 0.81)) / (v / (1.0 - 0.999f64 * 0.999)).sqrt();
            let expected = 0.9 - 0.145 * u;
            assert!(
                (x[i] - expected).abs() < 1e-14,
                "{i}: {} vs {expected}",
                x[i]
            );
        }
        optimizer.reset();
        assert_eq!(optimizer.current_lr(), Some(0.1));
        assert!(optimizer.explain().is_empty());
    }
}
