//! SAM: sharpness-aware minimization, gradient descent with the gradient taken at the worst
//! nearby point (Foret et al. 2021). Not a torch.optim class.
//!
//! With gₜ the (minibatch) gradient at xₜ₋₁, one step is, in this order:
//!
//! ```text
//! gₜ  = ∇f(xₜ₋₁)
//! x̃ₜ  = xₜ₋₁ + ρ·gₜ/‖gₜ‖        (the ascent step to the worst point of the ρ-ball, to first order;
//!                               x̃ₜ = xₜ₋₁ where gₜ = 0)
//! g̃ₜ  = ∇f(x̃ₜ)                  (the same minibatch)
//! xₜ  = xₜ₋₁ − lr·g̃ₜ
//! ```
//!
//! The step descends max_{‖ε‖ ≤ ρ} f(x + ε) ≈ f(x) + ρ‖∇f(x)‖, so it prefers minima whose
//! neighbourhood is low too: on a curvature λ the look-ahead gradient is about (1 + ρλ/‖g‖) times
//! larger, and a sharp well throws SAM out where gradient descent at the same lr settles. Two
//! gradient evaluations per step, both counted (one where gₜ = 0: there is nothing to perturb and
//! g̃ₜ = gₜ); the perturbed point x̃ₜ is recorded as a probe and drawn as the second marker. The
//! reported loss is f at xₜ₋₁. With a constant ρ SAM does not converge to a minimizer: near one the
//! perturbation keeps its length ρ, and on a 1-D quadratic of curvature λ the iterates settle into
//! a 2-cycle at ±lr·λ·ρ/(2 − lr·λ) around it.
//!
//! Defaults: lr = 1e-3 (torch SGD's, the base step), rho = 0.05 (the paper's default radius).
//! Validation: lr > 0, rho ≥ 0 (rho = 0 is plain gradient descent with two evaluations per step).
//! RON: `Sam(lr: 0.05, rho: 0.3)`.
//!
//! Reference: P. Foret, A. Kleiner, H. Mobahi & B. Neyshabur, "Sharpness-aware minimization for
//! efficiently improving generalization", ICLR 2021 (Algorithm 1 with p = 2 and SGD as the base
//! step).

use nalgebra::DVector;
use serde::{Deserialize, Serialize};

use super::{ArrowKind, Optimizer, OptimizerSpec, Quantity, StepInfo, Threshold, ensure_len};
use crate::hyper::hyper_table;
use crate::objective::Oracle;

/// Hyperparameters of SAM with an SGD base step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SamConfig {
    /// Step size of the base (SGD) step.
    pub lr: f64,
    /// Radius ρ of the neighbourhood whose worst point the gradient is taken at.
    pub rho: f64,
}

hyper_table! {
    SamConfig, owner: Self::DISPLAY_NAME, defaults {};
    lr = 1e-3: log_float(1e-5, 10.0) where positive, "x ← x − lr·∇f(x + ρ·g/‖g‖)";
    rho = 0.05: float(0.0, 2.0) where non_negative,
        "the gradient is taken at x + ρ·g/‖g‖, the worst point of the ρ-ball to first order";
}

impl OptimizerSpec for SamConfig {
    crate::optim::spec_names! {
        "SAM": "sharpness-aware minimization (Foret et al. 2021): x ← x − lr·∇f(x + ρ·g/‖g‖)"
    }

    fn stability_threshold(&self) -> Option<Threshold> {
        // Not a fixed linear map of the error: the perturbation has length ρ whatever ‖g‖, so near
        // a minimizer SAM orbits (at ±lr·λ·ρ/(2 − lr·λ) on a 1-D quadratic) instead of converging,
        // and its effective curvature λ(1 + ρλ/‖g‖) grows as ‖g‖ shrinks.
        None
    }

    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        Box::new(Sam {
            config: self.clone(),
            grad: DVector::zeros(dim),
            perturbed: DVector::zeros(dim),
            perturbed_grad: DVector::zeros(dim),
            start: DVector::zeros(dim),
            steps: 0,
            explained_lr: 0.0,
        })
    }
}

/// SAM's state: buffers only, plus the latest perturbed point (the second marker).
pub struct Sam {
    config: SamConfig,
    /// gₜ = ∇f at the pre-step iterate.
    grad: DVector<f64>,
    /// x̃ₜ, the perturbed point of the latest step.
    perturbed: DVector<f64>,
    /// g̃ₜ = ∇f(x̃ₜ).
    perturbed_grad: DVector<f64>,
    /// The pre-step iterate of the latest step, for `explain`.
    start: DVector<f64>,
    steps: u64,
    /// The lr the latest step used (a schedule may change it afterwards).
    explained_lr: f64,
}

impl Optimizer for Sam {
    fn step(&mut self, x: &mut DVector<f64>, oracle: &mut Oracle) -> StepInfo {
        let SamConfig { lr, rho } = self.config;
        for buffer in [
            &mut self.grad,
            &mut self.perturbed,
            &mut self.perturbed_grad,
            &mut self.start,
        ] {
            ensure_len(buffer, x.len());
        }
        let loss = oracle.value_and_grad(x, &mut self.grad);
        self.start.copy_from(x);
        let norm = self.grad.norm();
        if norm > 0.0 {
            let scale = rho / norm;
            for ((p, &s), &g) in self.perturbed.iter_mut().zip(x.iter()).zip(&self.grad) {
                *p = scale.mul_add(g, s);
            }
            let perturbed_loss = oracle.value_and_grad(&self.perturbed, &mut self.perturbed_grad);
            oracle.record_probe(&self.perturbed, perturbed_loss);
        } else {
            // No direction to perturb along (or a NaN gradient, which then diverges visibly).
            self.perturbed.copy_from(x);
            self.perturbed_grad.copy_from(&self.grad);
        }
        for (p, &g) in x.iter_mut().zip(&self.perturbed_grad) {
            *p = (-lr).mul_add(g, *p);
        }
        self.steps += 1;
        self.explained_lr = lr;
        StepInfo::proceed(loss)
    }

    crate::optim::config_edits!();

    fn reset(&mut self) {
        self.steps = 0;
    }

    fn auxiliary_point(&self) -> Option<&DVector<f64>> {
        (self.steps > 0).then_some(&self.perturbed)
    }

    fn explain(&self) -> Vec<Quantity> {
        if self.steps == 0 {
            return Vec::new();
        }
        let lr = self.explained_lr;
        let perturbation: Vec<f64> = self
            .perturbed
            .iter()
            .zip(self.start.iter())
            .map(|(p, s)| p - s)
            .collect();
        vec![
            Quantity::vector("gₜ", "∇f(xₜ₋₁)", self.grad.as_slice()),
            Quantity::gradient_arrow(lr, &self.grad),
            Quantity::vector("ρ·gₜ/‖gₜ‖", "x̃ₜ − xₜ₋₁", &perturbation),
            Quantity::vector("g̃ₜ", "∇f(x̃ₜ)", self.perturbed_grad.as_slice()),
            Quantity::arrow(
                ArrowKind::Preconditioned,
                "−lr·g̃ₜ",
                "the step taken: the gradient at the perturbed point",
                self.perturbed_grad.iter().map(|g| -lr * g),
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::OptimizerConfig;
    use crate::optim::test_support::close;
    use crate::validate::Checker;

    #[test]
    fn one_step_by_hand() {
        // f = ½(x² + 4y²) from (3, 1): g = (3, 4), ‖g‖ = 5; with ρ = 0.5 the perturbed point is
        // (3, 1) + 0.1·(3, 4) = (3.3, 1.4), where ∇f = (3.3, 5.6); with lr = 0.1 the step ends at
        // (3 − 0.33, 1 − 0.56) = (2.67, 0.44).
        let mut sam = SamConfig { lr: 0.1, rho: 0.5 }.build(2);
        let (mut x, mut oracle) = crate::optim::test_support::on_quadratic([3.0, 1.0]);
        let info = sam.step(&mut x, &mut oracle);
        assert_eq!(info.loss, 0.5 * (9.0 + 4.0));
        assert!(close(x[0], 2.67) && close(x[1], 0.44), "{x:?}");
        assert_eq!(oracle.counts().gradients, 2);
        let perturbed = sam.auxiliary_point().expect("perturbed point");
        assert!(close(perturbed[0], 3.3) && close(perturbed[1], 1.4));
        assert_eq!(oracle.probes().len(), 1);
        sam.reset();
        assert!(sam.auxiliary_point().is_none());
    }

    #[test]
    fn a_zero_gradient_is_not_perturbed() {
        let mut sam = SamConfig { lr: 0.1, rho: 0.5 }.build(2);
        let (mut x, mut oracle) = crate::optim::test_support::on_quadratic([0.0, 0.0]);
        sam.step(&mut x, &mut oracle);
        assert_eq!((x[0], x[1]), (0.0, 0.0));
        assert_eq!(
            sam.auxiliary_point().map(|p| (p[0], p[1])),
            Some((0.0, 0.0))
        );
        // Nothing to perturb: the one gradient serves both roles and is the only one counted.
        assert_eq!(oracle.counts().gradients, 1);
    }

    #[test]
    fn orbits_a_one_dimensional_minimum_at_the_predicted_two_cycle() {
        // Along x (λ = 1), lr = 0.5, ρ = 0.1: the 2-cycle is at ±lr·λ·ρ/(2 − lr·λ) = ±1/30.
        let mut sam = SamConfig { lr: 0.5, rho: 0.1 }.build(2);
        let (mut x, mut oracle) = crate::optim::test_support::on_quadratic([1.0, 0.0]);
        for _ in 0..200 {
            sam.step(&mut x, &mut oracle);
        }
        assert!(
            (x[0].abs() - 1.0 / 30.0).abs() < 1e-12 && x[1] == 0.0,
            "{x:?}"
        );
    }

    #[test]
    fn validation_and_ron() {
        let mut checker = Checker::new();
        SamConfig { lr: 0.0, rho: -1.0 }.validate(&mut checker);
        assert_eq!(checker.found.len(), 2);
        let options = crate::scenario::ron_options();
        let config: OptimizerConfig = options.from_str("Sam(lr: 0.05, rho: 0.3)").expect("parses");
        assert_eq!(
            config,
            OptimizerConfig::Sam(SamConfig { lr: 0.05, rho: 0.3 })
        );
    }
}
