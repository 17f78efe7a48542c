//! Optimistic gradient descent-ascent (OGDA): GDA plus a correction by the change of the gradient,
//! which extrapolates with the previous gradient instead of an extra evaluation.
//!
//! For a min-max game the first ⌈n/2⌉ coordinates (x, the min player) descend and the rest (y, the
//! max player) ascend, as in [`super::Gda`]; ηₓ = lr, η_y = lr_y (= lr unless set). With
//! gₜ = ∇f(xₜ₋₁, yₜ₋₁) and gₜ₋₁ the previous step's gradient (g₀ on the first step, which is then
//! a plain GDA step), one step is
//!
//! ```text
//! xₜ = xₜ₋₁ − 2ηₓ·∇ₓgₜ + ηₓ·∇ₓgₜ₋₁       (min player: its part of the gradient)
//! yₜ = yₜ₋₁ + 2η_y·∇_ygₜ − η_y·∇_ygₜ₋₁   (max player)
//! ```
//!
//! i.e. the GDA step with the "optimistic" guess 2gₜ − gₜ₋₁ of the next gradient. One gradient
//! evaluation per step. It is extragradient with the look-ahead gradient recycled from the
//! previous step (Popov 1980). On the bilinear game f = x·y with one step size it converges for
//! 0 < lr < 1/√3 ≈ 0.577 (the characteristic roots of λ² − (1 + 2i·lr)λ + i·lr stay inside the
//! unit circle), fastest near lr = 0.5 (factor ≈ 0.707 per step); for larger lr it spirals out.
//!
//! State: the previous gradient, kept by live edits, cleared by reset. The reported loss is f at
//! the pre-step iterate. Learning-rate schedules scale both step sizes, keeping η_y/ηₓ.
//! Defaults: lr = 0.1, lr_y = None (= lr). Validation: lr > 0, lr_y > 0 when set.
//! RON: `OptimisticGd(lr: 0.2)`, `OptimisticGd(lr: 0.2, lr_y: 0.1)`.
//!
//! References: L. D. Popov, "A modification of the Arrow–Hurwicz method for search of saddle
//! points", Mathematical Notes 28, 1980; C. Daskalakis, A. Ilyas, V. Syrgkanis & H. Zeng, "Training
//! GANs with optimism", ICLR 2018; C. Daskalakis & I. Panageas, "The limit points of (optimistic)
//! gradient descent in min-max optimization", NeurIPS 2018.

use nalgebra::DVector;
use serde::{Deserialize, Serialize};

use super::gda::{game_edits, game_hyper_table, game_spec, player_lrs, signed_lr};
use super::{Optimizer, OptimizerSpec, Quantity, StepInfo, ensure_len};
use crate::objective::Oracle;

/// Hyperparameters of optimistic gradient descent-ascent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OptimisticGdConfig {
    /// Step size ηₓ of the min player (and of the max player unless `lr_y` is set).
    pub lr: f64,
    /// Step size η_y of the max player; `None` means lr.
    pub lr_y: Option<f64>,
}

game_hyper_table! { OptimisticGdConfig; }

impl OptimizerSpec for OptimisticGdConfig {
    crate::optim::spec_names! {
        "Optimistic GDA":
        "optimistic gradient descent-ascent for min-max games: steps along 2gₜ − gₜ₋₁ (Popov; Daskalakis et al.)"
    }
    game_spec!();

    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        Box::new(OptimisticGd {
            config: self.clone(),
            grad: DVector::zeros(dim),
            previous_grad: DVector::zeros(dim),
            explained_previous: DVector::zeros(dim),
            has_previous: false,
            steps: 0,
        })
    }
}

/// Optimistic GDA's state: the previous gradient (absent before the first step).
pub struct OptimisticGd {
    config: OptimisticGdConfig,
    grad: DVector<f64>,
    previous_grad: DVector<f64>,
    /// gₜ₋₁ as the latest step used it, for `explain` (`previous_grad` already holds gₜ).
    explained_previous: DVector<f64>,
    has_previous: bool,
    steps: u64,
}

impl Optimizer for OptimisticGd {
    fn step(&mut self, x: &mut DVector<f64>, oracle: &mut Oracle) -> StepInfo {
        let (lr, lr_y) = player_lrs(self.config.lr, self.config.lr_y);
        let dim = x.len();
        ensure_len(&mut self.grad, dim);
        ensure_len(&mut self.explained_previous, dim);
        if self.previous_grad.len() != dim {
            ensure_len(&mut self.previous_grad, dim);
            self.has_previous = false;
        }
        let loss = oracle.value_and_grad(x, &mut self.grad);
        if !self.has_previous {
            // g₋₁ = g₀: the first step is a plain GDA step.
            self.previous_grad.copy_from(&self.grad);
            self.has_previous = true;
        }
        self.explained_previous.copy_from(&self.previous_grad);
        for (i, ((p, &g), previous)) in x
            .iter_mut()
            .zip(self.grad.iter())
            .zip(self.previous_grad.iter_mut())
            .enumerate()
        {
            let signed = signed_lr(i, dim, lr, lr_y);
            // x − 2ηg + ηg₋₁ (and y + 2ηg − ηg₋₁) in this order.
            *p = (*p + 2.0 * signed * g) - signed * *previous;
            *previous = g;
        }
        self.steps += 1;
        StepInfo::proceed(loss)
    }

    game_edits!();

    fn reset(&mut self) {
        self.has_previous = false;
        self.previous_grad.fill(0.0);
        self.steps = 0;
    }

    fn explain(&self) -> Vec<Quantity> {
        crate::optim::explain_once_stepped(self.steps > 0, || {
            let (lr, lr_y) = player_lrs(self.config.lr, self.config.lr_y);
            let dim = self.grad.len();
            let signed = |i: usize| signed_lr(i, dim, lr, lr_y);
            crate::optim::quantities![
                vector "gₜ" = "∇f(xₜ₋₁, yₜ₋₁)" => self.grad.as_slice(),
                vector "gₜ₋₁" = "the previous step's gradient (gₜ on the first step)"
                    => self.explained_previous.as_slice(),
                arrow Gradient "(−lr·∇ₓgₜ, +lr_y·∇_ygₜ)" = "the plain simultaneous GDA step"
                    => self.grad.iter().enumerate().map(|(i, g)| signed(i) * g),
                arrow Preconditioned "(−lr, +lr_y)·(2gₜ − gₜ₋₁)" =
                    "the optimistic step: GDA along the extrapolated gradient 2gₜ − gₜ₋₁"
                    => self.grad
                        .iter()
                        .zip(self.explained_previous.iter())
                        .enumerate()
                        .map(|(i, (g, p))| 2.0 * signed(i) * g - signed(i) * p),
                scalar "lr" = "the min player's step" => lr,
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::landscape::{Bilinear, QuadraticGame};
    use crate::optim::OptimizerConfig;
    use crate::optim::test_support::{close, oracle_on};
    use crate::validate::Checker;

    #[test]
    fn two_steps_by_hand() {
        // f = x·y from (1, 2), lr = 0.1. Step 1 (g₋₁ = g₀ = (2, 1)): (0.8, 2.1).
        // Step 2: g₁ = (2.1, 0.8); x = 0.8 − 0.2·2.1 + 0.1·2 = 0.58, y = 2.1 + 0.2·0.8 − 0.1·1 = 2.16.
        let mut ogd = OptimisticGdConfig {
            lr: 0.1,
            lr_y: None,
        }
        .build(2);
        let mut oracle = oracle_on(Bilinear::default());
        let mut x = DVector::from_vec(vec![1.0, 2.0]);
        assert_eq!(ogd.step(&mut x, &mut oracle).loss, 2.0);
        assert!(close(x[0], 0.8) && close(x[1], 2.1), "{x:?}");
        ogd.step(&mut x, &mut oracle);
        assert!(close(x[0], 0.58) && close(x[1], 2.16), "{x:?}");
        assert_eq!(oracle.counts().gradients, 2);
        // Live edits keep gₜ₋₁; reset forgets it (the next step is plain GDA again).
        assert!(ogd.set_config(&OptimizerConfig::OptimisticGd(OptimisticGdConfig::default())));
        ogd.reset();
        let mut x = DVector::from_vec(vec![1.0, 2.0]);
        ogd.step(&mut x, &mut oracle);
        assert!(close(x[0], 0.8) && close(x[1], 2.1), "{x:?}");
    }

    #[test]
    fn converges_on_the_bilinear_game_below_one_over_sqrt_three() {
        for (lr, converges) in [(0.1, true), (0.3, true), (0.5, true), (0.65, false)] {
            let mut ogd = OptimisticGdConfig { lr, lr_y: None }.build(2);
            let mut oracle = oracle_on(Bilinear::default());
            let mut x = DVector::from_vec(vec![1.0, 1.0]);
            for _ in 0..2000 {
                ogd.step(&mut x, &mut oracle);
            }
            assert_eq!(x.norm() < 1e-3, converges, "lr {lr}: {x:?}");
        }
    }

    #[test]
    fn converges_on_a_quadratic_game_with_two_timescales() {
        let x = crate::optim::test_support::iterate(
            &OptimisticGdConfig {
                lr: 0.2,
                lr_y: Some(0.1),
            },
            &mut oracle_on(QuadraticGame::default()),
            [1.0, 1.0],
            500,
        );
        assert!(x.norm() < 1e-12, "{x:?}");
    }

    #[test]
    fn validation_and_ron() {
        let mut checker = Checker::new();
        OptimisticGdConfig {
            lr: 0.0,
            lr_y: None,
        }
        .validate(&mut checker);
        assert_eq!(checker.found.len(), 1);
        let options = crate::scenario::ron_options();
        let config: OptimizerConfig = options
            .from_str("OptimisticGd(lr: 0.2, lr_y: 0.1)")
            .expect("parses");
        let written = options.to_string(&config).expect("serializes");
        assert_eq!(
            options
                .from_str::<OptimizerConfig>(&written)
                .expect("parses back"),
            config
        );
    }
}
