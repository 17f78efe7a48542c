//! SGD-HD: gradient descent that adapts its own learning rate by hypergradient descent, after
//! Baydin, Cornish, Martínez Rubio, Schmidt & Wood (2018). Not a torch.optim class.
//!
//! The loss after a step, f(xₜ₋₁) with xₜ₋₁ = xₜ₋₂ − α·gₜ₋₁, depends on the step size α through
//! that step: ∂f(xₜ₋₁)/∂α = ∇f(xₜ₋₁)·(−gₜ₋₁). Gradient descent on α with step β (the hypergradient
//! learning rate) then gives, with gₜ the (minibatch) gradient at xₜ₋₁ and g₀ = 0:
//!
//! ```text
//! hₜ ← gₜ · gₜ₋₁                     (minus the hypergradient ∂f/∂α; 0 on the first step)
//! αₜ ← αₜ₋₁ + hyper_lr · hₜ          (α₀ = lr, so the first step uses lr)
//! xₜ ← xₜ₋₁ − αₜ · gₜ
//! ```
//!
//! While successive gradients point the same way (hₜ > 0, the steps are too short) α grows; when
//! they point against each other (hₜ < 0, the iterate overshoots and zig-zags) α shrinks. On a
//! quadratic α settles where successive gradients are orthogonal. α is not clipped: a hyper_lr
//! too large for the gradients' size can drive it through zero (the steps then climb), so hyper_lr
//! is scaled to the problem as lr is.
//!
//! A live edit of lr restarts α from the new lr; a learning-rate schedule, which sets lr every
//! step, sets only α₀ here, because the method adapts its step size itself. The runs' plot of the
//! learning rate over steps shows αₜ.
//!
//! Defaults: lr = 1e-3 and hyper_lr = 1e-3, the values of the paper's SGD-HD experiments (its
//! reference code defaults to hyper_lr = 1e-6 for networks with millions of weights, whose
//! gradient dot products are larger). Validation: lr > 0, hyper_lr ≥ 0 (hyper_lr = 0 is plain
//! gradient descent at lr).
//!
//! Reference: A. G. Baydin, R. Cornish, D. Martínez Rubio, M. Schmidt & F. Wood, "Online learning
//! rate adaptation with hypergradient descent", ICLR 2018 (Algorithm SGD-HD; reference code
//! `gbaydin/hypergradient-descent`, `sgd_hd.py`).

use nalgebra::DVector;
use serde::{Deserialize, Serialize};

use super::{ArrowKind, Optimizer, OptimizerSpec, Quantity, StepInfo, ensure_len};
use crate::hyper::{Hypers, hyper_table};
use crate::objective::Oracle;
use crate::validate::Checker;

/// Hyperparameters of SGD-HD.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HypergradientSgdConfig {
    /// The initial step size α₀.
    pub lr: f64,
    /// β, the step size of the gradient descent on α.
    pub hyper_lr: f64,
}

hyper_table! {
    HypergradientSgdConfig, owner: Self::DISPLAY_NAME, defaults {};
    lr = 1e-3: log_float(1e-5, 10.0) where positive, "α₀: the first step size; then α adapts";
    hyper_lr = 1e-3: log_float(0.0, 1.0) where non_negative,
        "β: α ← α + β·gₜ·gₜ₋₁, gradient descent on the step size";
}

impl OptimizerSpec for HypergradientSgdConfig {
    const DISPLAY_NAME: &'static str = "SGD-HD";
    const DESCRIPTION: &'static str =
        "hypergradient descent (Baydin et al. 2018): α ← α + β·gₜ·gₜ₋₁, x ← x − α·gₜ";

    fn validate(&self, checker: &mut Checker) {
        self.validate_rows(checker);
    }

    // The step size changes every step with the gradients: no fixed lr to bound the curvature by.
    crate::optim::no_stability_threshold!(NotDerived);

    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        Box::new(HypergradientSgd {
            config: self.clone(),
            grad: DVector::zeros(dim),
            previous_grad: DVector::zeros(dim),
            alpha: self.lr,
            steps: 0,
            explained_hypergradient: 0.0,
            explained_previous_alpha: self.lr,
        })
    }
}

/// SGD-HD's state: the previous gradient and the adapted step size α.
pub struct HypergradientSgd {
    config: HypergradientSgdConfig,
    grad: DVector<f64>,
    /// gₜ₋₁ (zero before the first step).
    previous_grad: DVector<f64>,
    /// αₜ, the step size of the latest step (α₀ = lr before the first).
    alpha: f64,
    /// Steps since built or reset.
    steps: u64,
    /// hₜ and αₜ₋₁ of the latest step, for [`Optimizer::explain`].
    explained_hypergradient: f64,
    explained_previous_alpha: f64,
}

/// `set_config`, `set_lr`, `current_lr` and `reset` of a hypergradient method (fields `config.lr`,
/// `alpha`, `steps`): a new lr is a new starting step size α₀, a schedule names α₀ only, the step
/// size the run reports is the adapted α, and a reset zeroes the named state buffers and starts α
/// over from lr: `hypergradient_lr_edits!(reset: previous_grad)`.
macro_rules! hypergradient_lr_edits {
    (reset: $($buffer:ident),+) => {
        fn reset(&mut self) {
            $(self.$buffer.fill(0.0);)+
            self.alpha = self.config.lr;
            self.steps = 0;
        }

        fn set_config(&mut self, config: &$crate::optim::OptimizerConfig) -> bool {
            let lr = self.config.lr;
            if !$crate::optim::adopt(&mut self.config, config) {
                return false;
            }
            if self.config.lr != lr {
                // A new starting step size, typed or slid: α starts over from it.
                self.alpha = self.config.lr;
            }
            true
        }

        fn set_lr(&mut self, lr: f64) {
            // A schedule names α₀ only (see the module doc); α adapts by itself.
            self.config.lr = lr;
            if self.steps == 0 {
                self.alpha = lr;
            }
        }

        fn current_lr(&self) -> Option<f64> {
            Some(self.alpha)
        }
    };
}
pub(crate) use hypergradient_lr_edits;

impl Optimizer for HypergradientSgd {
    fn step(&mut self, x: &mut DVector<f64>, oracle: &mut Oracle) -> StepInfo {
        ensure_len(&mut self.grad, x.len());
        ensure_len(&mut self.previous_grad, x.len());
        let loss = oracle.value_and_grad(x, &mut self.grad);
        // g₀ = 0: the first step's hypergradient is 0 and it uses α₀.
        let hypergradient = self.grad.dot(&self.previous_grad);
        self.explained_previous_alpha = self.alpha;
        self.explained_hypergradient = hypergradient;
        self.alpha += self.config.hyper_lr * hypergradient;
        let alpha = self.alpha;
        for (p, &g) in x.iter_mut().zip(self.grad.iter()) {
            *p -= alpha * g;
        }
        self.previous_grad.copy_from(&self.grad);
        self.steps += 1;
        StepInfo::proceed(loss)
    }

    hypergradient_lr_edits!(reset: previous_grad);

    fn explain(&self) -> Vec<Quantity> {
        crate::optim::explain_once_stepped(self.steps > 0, || {
            let (alpha, lr) = (self.alpha, self.config.lr);
            let mut quantities = gradient_and_hypergradient(
                &self.grad,
                self.explained_hypergradient,
                "gₜ·gₜ₋₁ = −∂f(xₜ₋₁)/∂α (0 on the first step)",
            );
            quantities.extend([
                Quantity::scalar("αₜ₋₁", "the step size before this step", {
                    self.explained_previous_alpha
                }),
                Quantity::scalar("αₜ", "αₜ₋₁ + hyper_lr·hₜ", alpha),
                Quantity::gradient_arrow(lr, &self.grad),
                Quantity::arrow(
                    ArrowKind::Preconditioned,
                    "−αₜ·gₜ",
                    "the step at the adapted step size",
                    self.grad.iter().map(|g| -alpha * g),
                ),
            ]);
            quantities
        })
    }
}

/// The quantities a hypergradient step's explanation starts with: gₜ and its hypergradient hₜ =
/// −∂f(xₜ₋₁)/∂α, with the `formula` of the product it is.
pub(crate) fn gradient_and_hypergradient(
    grad: &DVector<f64>,
    hypergradient: f64,
    formula: &'static str,
) -> Vec<Quantity> {
    crate::optim::quantities![
        vector "gₜ" = "∇f(xₜ₋₁)" => grad.as_slice(),
        scalar "hₜ" = formula => hypergradient,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::optim::test_support::quadratic;
    use crate::optim::{OptimizerConfig, QuantityValue};

    fn config(lr: f64, hyper_lr: f64) -> HypergradientSgdConfig {
        HypergradientSgdConfig { lr, hyper_lr }
    }

    #[test]
    fn learning_rate_after_two_and_three_steps_by_hand() {
        // f = ½(x² + 4y²), ∇f = (x, 4y), α₀ = 0.1, β = 0.01, from (1, 1):
        // step 1: g₁ = (1, 4), h₁ = 0, α₁ = 0.1, x₁ = (0.9, 0.6)
        // step 2: g₂ = (0.9, 2.4), h₂ = 0.9 + 9.6 = 10.5, α₂ = 0.1 + 0.105 = 0.205,
        //         x₂ = (0.9 − 0.1845, 0.6 − 0.492) = (0.7155, 0.108)
        // step 3: g₃ = (0.7155, 0.432), h₃ = 0.9·0.7155 + 2.4·0.432 = 0.64395 + 1.0368 = 1.68075,
        //         α₃ = 0.205 + 0.0168075 = 0.2218075
        let mut optimizer = config(0.1, 0.01).build(2);
        let mut oracle = quadratic();
        let mut x = DVector::from_vec(vec![1.0, 1.0]);
        assert_eq!(optimizer.current_lr(), Some(0.1));
        optimizer.step(&mut x, &mut oracle);
        assert_eq!(optimizer.current_lr(), Some(0.1));
        assert!((x[0] - 0.9).abs() < 1e-15 && (x[1] - 0.6).abs() < 1e-15);
        optimizer.step(&mut x, &mut oracle);
        let alpha2 = optimizer.current_lr().unwrap_or(f64::NAN);
        assert!((alpha2 - 0.205).abs() < 1e-15, "{alpha2}");
        assert!((x[0] - 0.7155).abs() < 1e-15 && (x[1] - 0.108).abs() < 1e-15);
        optimizer.step(&mut x, &mut oracle);
        let alpha3 = optimizer.current_lr().unwrap_or(f64::NAN);
        assert!((alpha3 - 0.2218075).abs() < 1e-15, "{alpha3}");
        // The explanation's αₜ and arrow: the step −α₃·g₃.
        let explained = optimizer.explain();
        let alpha = explained.iter().find(|q| q.symbol == "αₜ");
        assert_eq!(
            alpha.map(|q| &q.value),
            Some(&QuantityValue::Scalar(alpha3))
        );
        optimizer.reset();
        assert_eq!(optimizer.current_lr(), Some(0.1));
    }

    #[test]
    fn the_step_size_rises_from_too_small_and_falls_from_too_large() {
        // On curvatures 1 and 4, GD is stable below lr = 0.5.
        for (lr, rises) in [(0.01, true), (0.45, false)] {
            let mut optimizer = config(lr, 0.01).build(2);
            let mut oracle = quadratic();
            let mut x = DVector::from_vec(vec![1.0, 1.0]);
            for _ in 0..5 {
                optimizer.step(&mut x, &mut oracle);
            }
            let alpha = optimizer.current_lr().unwrap_or(f64::NAN);
            assert_eq!(alpha > lr, rises, "from {lr}: α = {alpha}");
        }
    }

    #[test]
    fn without_hyper_lr_it_is_gradient_descent() {
        let mut optimizer = config(0.2, 0.0).build(2);
        let mut oracle = quadratic();
        let mut x = DVector::from_vec(vec![1.0, -1.0]);
        for _ in 0..10 {
            optimizer.step(&mut x, &mut oracle);
        }
        // x ← (1 − 0.2λ)x: 0.8¹⁰ and (−0.2)¹⁰·(−1).
        assert!((x[0] - 0.8f64.powi(10)).abs() < 1e-15);
        assert!((x[1] + 0.2f64.powi(10)).abs() < 1e-15);
        assert_eq!(optimizer.current_lr(), Some(0.2));
    }

    #[test]
    fn a_live_lr_edit_restarts_alpha_and_validation_reports_fields() {
        let mut optimizer = config(0.1, 0.01).build(2);
        let mut oracle = quadratic();
        let mut x = DVector::from_vec(vec![1.0, 1.0]);
        optimizer.step(&mut x, &mut oracle);
        optimizer.step(&mut x, &mut oracle);
        assert_ne!(optimizer.current_lr(), Some(0.1));
        assert!(optimizer.set_config(&OptimizerConfig::HypergradientSgd(config(0.1, 0.02))));
        assert_ne!(optimizer.current_lr(), Some(0.1), "a β edit keeps α");
        assert!(optimizer.set_config(&OptimizerConfig::HypergradientSgd(config(0.3, 0.02))));
        assert_eq!(optimizer.current_lr(), Some(0.3));
        let paths = crate::optim::test_support::validation_paths(&config(0.0, -1.0));
        assert_eq!(paths, ["lr", "hyper_lr"]);
    }
}
