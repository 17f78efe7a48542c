//! ASGD: averaged stochastic gradient descent (Polyak–Ruppert averaging with decaying steps),
//! exactly as `torch.optim.ASGD`.
//!
//! The state is the step count t, the step size η (initially lr), the averaging weight μ
//! (initially 1) and the running average x̄ (`ax`, initially 0). With gₜ the (minibatch) gradient
//! at xₜ₋₁, one step is, in this order:
//!
//! ```text
//! if maximize:          gₜ ← −gₜ
//! t ← t + 1
//! if weight_decay ≠ 0:  gₜ ← gₜ + weight_decay · xₜ₋₁
//! xₜ ← xₜ₋₁ · (1 − lambd·η)                      (decay term)
//! xₜ ← xₜ − η · gₜ
//! x̄ ← x̄ + μ·(xₜ − x̄)  if μ ≠ 1,  else x̄ ← xₜ
//! η ← lr / (1 + lambd·lr·t)^alpha
//! μ ← 1 / max(1, t − t0)
//! ```
//!
//! So the iterate is plain SGD with steps decaying like t^(−alpha) (and shrunk by the decay term),
//! and x̄ equals the iterate up to step t0 + 2, then (for whole t0) is the mean of the iterates
//! since that step.
//! The iterate x is what optiviz moves and measures; the average x̄ — the point ASGD's theory is
//! about, and what one would evaluate (torch users swap it into the model by hand) — is drawn as a
//! second marker ([`Optimizer::auxiliary_point`]). With torch's default t0 = 1e6 the average equals
//! the iterate for any run shown here: lower t0 to see averaging.
//!
//! Defaults (torch 2.x): lr = 1e-2, lambd = 1e-4, alpha = 0.75, t0 = 1e6, weight_decay = 0,
//! maximize = false. Validation as torch: lambd ≥ 0, alpha ≥ 0, weight_decay ≥ 0; optiviz also
//! requires lr > 0 and a finite t0. As in torch, η is seeded with lr at the first step and later
//! recomputed from the lr in force, so a schedule acts one step late.
//!
//! Rounding follows torch's single-tensor CPU path (`_single_tensor_asgd`; `foreach`,
//! `capturable` and `differentiable` only change speed or autograd) with torch's default dtype set
//! to float64: torch keeps η, μ and t as tensors of the default dtype, which under the usual
//! float32 default rounds η to float32. `add(param, alpha=wd)` and `add_(grad, alpha=−η)` round
//! once, as the fused multiply-add their CPU kernels compute (checked against torch; see
//! [`torch_ops`](super::torch_ops)).
//!
//! References: PyTorch documentation and source of `torch.optim.ASGD`; B. T. Polyak &
//! A. B. Juditsky, "Acceleration of stochastic approximation by averaging", SIAM J. Control Optim.
//! 30(4), 1992; L. Bottou, "Stochastic gradient descent tricks" (2012), whose schedule
//! η = lr/(1 + lambd·lr·t)^0.75 torch uses.

use nalgebra::DVector;
use serde::{Deserialize, Serialize};

use super::torch_ops::add_scaled;
use super::{Optimizer, OptimizerSpec, Quantity, StepInfo, ensure_len};
use crate::hyper::hyper_table;
use crate::objective::Oracle;

/// Hyperparameters of `torch.optim.ASGD`, same names and defaults.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AsgdConfig {
    /// Initial step size η₀, and the lr of the decay schedule.
    pub lr: f64,
    /// Decay term: x is shrunk by (1 − lambd·η) each step, and η decays with lambd·lr·t.
    pub lambd: f64,
    /// Power of the step-size decay.
    pub alpha: f64,
    /// Step after which the average starts.
    pub t0: f64,
    /// L2 penalty coefficient, added to the gradient as weight_decay · x.
    pub weight_decay: f64,
    /// Ascend instead of descend.
    pub maximize: bool,
}

hyper_table! {
    AsgdConfig, owner: Self::DISPLAY_NAME, defaults {};
    lr = 1e-2: log_float(1e-5, 10.0) where positive,
        "x ← x − η·g with η = lr/(1 + lambd·lr·t)^alpha";
    lambd = 1e-4: log_float(0.0, 1.0) where non_negative,
        "decay: x ← x·(1 − lambd·η); η decays with lambd·lr·t";
    alpha = 0.75: float(0.0, 1.0) where non_negative,
        "power of the step-size decay η = lr/(1 + lambd·lr·t)^alpha";
    t0 = 1e6: log_float(0.0, 1e6) where finite,
        "x̄ ← x̄ + μ·(x − x̄), μ = 1/max(1, t − t0): x̄ averages the iterates from step t0 + 2 on";
    weight_decay = 0.0: log_float(0.0, 1.0) where non_negative,
        "g ← g + weight_decay·x (an L2 penalty)";
    maximize = false: boolean, "ascend: g ← −g";
}

impl OptimizerSpec for AsgdConfig {
    crate::optim::spec_names! {
        "ASGD":
        "torch.optim.ASGD: SGD with η = lr/(1 + lambd·lr·t)^alpha, iterates averaged after t0"
    }

    crate::optim::no_stability_threshold!(NotDerived);

    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        Box::new(Asgd {
            config: self.clone(),
            grad: DVector::zeros(dim),
            ax: DVector::zeros(dim),
            step: 0.0,
            eta: self.lr,
            mu: 1.0,
            explained: AsgdExplained {
                eta: 0.0,
                mu: 0.0,
                lambd: 0.0,
                gradient: DVector::zeros(dim),
                previous_x: DVector::zeros(dim),
            },
        })
    }
}

/// ASGD's state: step count, current step size η, averaging weight μ and the average x̄.
pub struct Asgd {
    config: AsgdConfig,
    grad: DVector<f64>,
    ax: DVector<f64>,
    step: f64,
    eta: f64,
    mu: f64,
    explained: AsgdExplained,
}

/// The latest step's inputs that the step overwrites, for [`Optimizer::explain`] (preallocated
/// copies: no allocation per step).
struct AsgdExplained {
    /// η, μ and lambd as the latest step used them.
    eta: f64,
    mu: f64,
    lambd: f64,
    /// gₜ after maximize and weight decay.
    gradient: DVector<f64>,
    /// xₜ₋₁.
    previous_x: DVector<f64>,
}

impl Optimizer for Asgd {
    fn step(&mut self, x: &mut DVector<f64>, oracle: &mut Oracle) -> StepInfo {
        let AsgdConfig {
            lr,
            lambd,
            alpha,
            t0,
            weight_decay,
            maximize,
        } = self.config;
        let dim = x.len();
        ensure_len(&mut self.grad, dim);
        if self.step == 0.0 || self.ax.len() != dim {
            // torch creates the state at the first step: eta = lr, mu = 1, ax = 0.
            ensure_len(&mut self.ax, dim);
            self.ax.fill(0.0);
            self.eta = lr;
            self.mu = 1.0;
        }
        let loss = oracle.value_and_grad(x, &mut self.grad);
        self.step += 1.0;
        let (eta, mu) = (self.eta, self.mu);
        let decay = 1.0 - lambd * eta;
        let explained = &mut self.explained;
        ensure_len(&mut explained.gradient, dim);
        ensure_len(&mut explained.previous_x, dim);
        explained.previous_x.copy_from(x);
        (explained.eta, explained.mu, explained.lambd) = (eta, mu, lambd);
        let coordinates = x.iter_mut().zip(self.grad.iter()).zip(self.ax.iter_mut());
        for (i, ((p, &g), ax)) in coordinates.enumerate() {
            let mut g = if maximize { -g } else { g };
            if weight_decay != 0.0 {
                g = add_scaled(g, *p, weight_decay);
            }
            explained.gradient[i] = g;
            *p *= decay;
            *p = add_scaled(*p, g, -eta);
            if mu != 1.0 {
                *ax += (*p - *ax) * mu;
            } else {
                *ax = *p;
            }
        }
        let step = self.step;
        self.eta = lr / (1.0 + lambd * lr * step).powf(alpha);
        // Python's max(1, step − t0).
        self.mu = 1.0 / if step - t0 > 1.0 { step - t0 } else { 1.0 };
        StepInfo::proceed(loss)
    }

    crate::optim::config_edits!();

    fn reset(&mut self) {
        self.step = 0.0;
        self.eta = self.config.lr;
        self.mu = 1.0;
        self.ax.fill(0.0);
    }

    /// The running average x̄ (none before the first step, where torch's `ax` is still 0).
    fn auxiliary_point(&self) -> Option<&DVector<f64>> {
        (self.step > 0.0).then_some(&self.ax)
    }

    fn explain(&self) -> Vec<Quantity> {
        crate::optim::explain_once_stepped(self.step > 0.0, || {
            let AsgdExplained {
                eta,
                mu,
                lambd,
                ref gradient,
                ref previous_x,
            } = self.explained;
            crate::optim::quantities![
                vector "gₜ" = "∇f(xₜ₋₁) (negated if maximize; + weight_decay·xₜ₋₁)"
                    => gradient.as_slice(),
                scalar "η" = "lr / (1 + lambd·lr·(t − 1))^alpha (lr at the first step)" => eta,
                vector "−lambd·η·xₜ₋₁" = "the decay term xₜ₋₁·(1 − lambd·η) − xₜ₋₁"
                    => &previous_x.iter().map(|p| -lambd * eta * p).collect::<Vec<_>>(),
                arrow Gradient "−η·gₜ" = "the SGD step with this step's size η"
                    => gradient.iter().map(|g| -eta * g),
                scalar "μ" = "1 / max(1, t − 1 − t0): the averaging weight used" => mu,
                vector "x̄" = "x̄ + μ·(xₜ − x̄) (x̄ = xₜ while μ = 1)" => self.ax.as_slice(),
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::optim::OptimizerConfig;

    use super::*;

    #[test]
    fn two_steps_match_the_hand_computation() {
        // lr = 0.1, lambd = 0.5, alpha = 0.75, from (1, 1):
        // 1: η = 0.1, g = (1, 4): x = (1, 1)·(1 − 0.05) − 0.1·(1, 4) = (0.85, 0.55);
        //    x̄ = x (μ = 1); η ← 0.1/(1 + 0.5·0.1·1)^0.75 = 0.1/1.05^0.75, μ ← 1.
        // 2: g = (0.85, 2.2): x = (0.85, 0.55)·(1 − 0.5·η) − η·(0.85, 2.2).
        let mut asgd = AsgdConfig {
            lr: 0.1,
            lambd: 0.5,
            ..AsgdConfig::default()
        }
        .build(2);
        let (mut x, mut oracle) = crate::optim::test_support::on_quadratic([1.0, 1.0]);
        assert!(asgd.auxiliary_point().is_none());
        let info = asgd.step(&mut x, &mut oracle);
        assert_eq!(info.loss, 2.5);
        assert!((x[0] - 0.85).abs() < 1e-14 && (x[1] - 0.55).abs() < 1e-14);
        assert_eq!(asgd.auxiliary_point(), Some(&x));
        asgd.step(&mut x, &mut oracle);
        let eta = 0.1 / 1.05f64.powf(0.75);
        let expected = [
            0.85 * (1.0 - 0.5 * eta) - eta * 0.85,
            0.55 * (1.0 - 0.5 * eta) - eta * 2.2,
        ];
        assert!((x[0] - expected[0]).abs() < 1e-14 && (x[1] - expected[1]).abs() < 1e-14);
    }

    #[test]
    fn the_average_starts_after_t0() {
        // lambd = 0 makes η = lr: gradient descent x_k = (0.9ᵏ, 0.6ᵏ) with lr = 0.1. With t0 = 0,
        // μ = 1/max(1, t) after step t, so after step 4 x̄ = mean(x₂, x₃, x₄).
        let mut asgd = AsgdConfig {
            lr: 0.1,
            lambd: 0.0,
            t0: 0.0,
            ..AsgdConfig::default()
        }
        .build(2);
        let (mut x, mut oracle) = crate::optim::test_support::on_quadratic([1.0, 1.0]);
        for _ in 0..4 {
            asgd.step(&mut x, &mut oracle);
        }
        let ax = asgd.auxiliary_point().expect("average");
        let mean = |r: f64| (r.powi(2) + r.powi(3) + r.powi(4)) / 3.0;
        assert!((ax[0] - mean(0.9)).abs() < 1e-14 && (ax[1] - mean(0.6)).abs() < 1e-14);
        assert!((x[0] - 0.9f64.powi(4)).abs() < 1e-14);
    }

    #[test]
    fn weight_decay_and_maximize_follow_torch_order() {
        // g = (1, 4) → maximize (−1, −4) → + 0.5·x = (−0.5, −3.5); lambd = 0:
        // x = (1, 1) − 0.1·g = (1.05, 1.35).
        let mut asgd = AsgdConfig {
            lr: 0.1,
            lambd: 0.0,
            weight_decay: 0.5,
            maximize: true,
            ..AsgdConfig::default()
        }
        .build(2);
        let (mut x, mut oracle) = crate::optim::test_support::on_quadratic([1.0, 1.0]);
        asgd.step(&mut x, &mut oracle);
        assert!((x[0] - 1.05).abs() < 1e-15 && (x[1] - 1.35).abs() < 1e-15);
    }

    #[test]
    fn live_config_keeps_state_and_reset_clears_it() {
        let config = AsgdConfig {
            lr: 0.1,
            lambd: 0.5,
            ..AsgdConfig::default()
        };
        let mut asgd = config.build(2);
        let (mut x, mut oracle) = crate::optim::test_support::on_quadratic([1.0, 1.0]);
        asgd.step(&mut x, &mut oracle);
        // The decayed η = 0.1/1.05^0.75 is kept: the second step is not a first step.
        assert!(asgd.set_config(&OptimizerConfig::Asgd(config.clone())));
        let (mut a, mut b) = (x.clone(), x.clone());
        asgd.step(&mut a, &mut oracle);
        config.build(2).step(&mut b, &mut oracle);
        assert_ne!(a, b);
        asgd.reset();
        assert!(asgd.auxiliary_point().is_none());
        let mut c = x.clone();
        asgd.step(&mut c, &mut oracle);
        assert_eq!(c, b);
    }
}
