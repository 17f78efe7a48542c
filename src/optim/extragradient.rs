//! Extragradient: gradient descent-ascent that first looks ahead, then steps with the gradient found
//! there (Korpelevich's method).
//!
//! For a min-max game the first ⌈n/2⌉ coordinates (x, the min player) descend and the rest (y, the
//! max player) ascend, as in [`super::Gda`]; ηₓ = lr, η_y = lr_y (= lr unless set). One step, in
//! this order:
//!
//! ```text
//! gₜ       = ∇f(xₜ₋₁, yₜ₋₁)
//! xₜ₋₁⁄₂   = xₜ₋₁ − ηₓ·∇ₓf(xₜ₋₁, yₜ₋₁),   yₜ₋₁⁄₂ = yₜ₋₁ + η_y·∇_yf(xₜ₋₁, yₜ₋₁)   (extrapolation)
//! gₜ₋₁⁄₂   = ∇f(xₜ₋₁⁄₂, yₜ₋₁⁄₂)
//! xₜ       = xₜ₋₁ − ηₓ·∇ₓf(xₜ₋₁⁄₂, yₜ₋₁⁄₂),   yₜ = yₜ₋₁ + η_y·∇_yf(xₜ₋₁⁄₂, yₜ₋₁⁄₂)
//! ```
//!
//! Two gradient evaluations per step (both counted); the extrapolated point is recorded as a probe
//! and drawn as the second marker. On the bilinear game f = x·y with one step size lr the step is
//! the linear map [[1 − lr², −lr], [lr, 1 − lr²]], a scaled rotation: the distance to the
//! equilibrium shrinks by exactly √(1 − lr² + lr⁴) per step, i.e. converges for 0 < lr < 1, where
//! simultaneous GDA spirals out. For monotone (convex-concave) games with L-Lipschitz gradient it
//! converges for lr < 1/L (Korpelevich 1976); its averaged iterates reach O(1/t) (Nemirovski's
//! mirror-prox).
//!
//! The reported loss is f at the pre-step iterate. Learning-rate schedules scale both step sizes,
//! keeping η_y/ηₓ. Defaults: lr = 0.1, lr_y = None (= lr). Validation: lr > 0, lr_y > 0 when set.
//! RON: `Extragradient(lr: 0.3)`, `Extragradient(lr: 0.3, lr_y: 0.1)`.
//!
//! References: G. M. Korpelevich, "The extragradient method for finding saddle points and other
//! problems", Ekonomika i Matematicheskie Metody 12, 1976; A. Nemirovski, "Prox-method with rate of
//! convergence O(1/t)…", SIAM Journal on Optimization 15(1), 2004; G. Gidel, H. Berard, G. Vignoud,
//! P. Vincent & S. Lacoste-Julien, "A variational inequality perspective on generative adversarial
//! networks", ICLR 2019.

use nalgebra::DVector;
use serde::{Deserialize, Serialize};

use super::buffers::ensure_lens;
use super::gda::{game_edits, game_hyper_table, game_spec, gda_step, player_lrs};
use super::{Optimizer, OptimizerSpec, Quantity, StepInfo};
use crate::objective::Oracle;

/// Hyperparameters of the extragradient method.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExtragradientConfig {
    /// Step size ηₓ of the min player (and of the max player unless `lr_y` is set), used for both
    /// the extrapolation and the update.
    pub lr: f64,
    /// Step size η_y of the max player; `None` means lr.
    pub lr_y: Option<f64>,
}

game_hyper_table! { ExtragradientConfig; }

impl OptimizerSpec for ExtragradientConfig {
    crate::optim::spec_names! {
        "Extragradient":
        "Korpelevich's extragradient for min-max games: a look-ahead GDA step, then the step with the gradient there"
    }
    game_spec!();

    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        Box::new(Extragradient {
            config: self.clone(),
            grad: DVector::zeros(dim),
            half_grad: DVector::zeros(dim),
            half_point: DVector::zeros(dim),
            start: DVector::zeros(dim),
            steps: 0,
        })
    }
}

/// Extragradient's state: buffers only, plus the latest extrapolated point (the second marker).
pub struct Extragradient {
    config: ExtragradientConfig,
    /// gₜ = ∇f at the pre-step iterate.
    grad: DVector<f64>,
    /// ∇f at the extrapolated point.
    half_grad: DVector<f64>,
    /// The extrapolated point of the latest step.
    half_point: DVector<f64>,
    /// The pre-step iterate of the latest step, for `explain`.
    start: DVector<f64>,
    steps: u64,
}

impl Optimizer for Extragradient {
    fn step(&mut self, x: &mut DVector<f64>, oracle: &mut Oracle) -> StepInfo {
        let lrs = player_lrs(self.config.lr, self.config.lr_y);
        ensure_lens(
            x.len(),
            [
                &mut self.grad,
                &mut self.half_grad,
                &mut self.half_point,
                &mut self.start,
            ],
        );
        let loss = oracle.value_and_grad(x, &mut self.grad);
        gda_step(&mut self.half_point, x, &self.grad, lrs);
        let half_loss = oracle.value_and_grad(&self.half_point, &mut self.half_grad);
        oracle.record_probe(&self.half_point, half_loss);
        self.start.copy_from(x);
        gda_step(x, &self.start, &self.half_grad, lrs);
        self.steps += 1;
        StepInfo::proceed(loss)
    }

    game_edits!();

    fn reset(&mut self) {
        self.steps = 0;
    }

    fn auxiliary_point(&self) -> Option<&DVector<f64>> {
        (self.steps > 0).then_some(&self.half_point)
    }

    fn explain(&self) -> Vec<Quantity> {
        crate::optim::explain_once_stepped(self.steps > 0, || {
            let displacement = |to: &DVector<f64>| {
                to.iter()
                    .zip(self.start.iter())
                    .map(|(t, s)| t - s)
                    .collect::<Vec<f64>>()
            };
            let step: Vec<f64> = {
                let (lr, lr_y) = player_lrs(self.config.lr, self.config.lr_y);
                let dim = self.half_grad.len();
                self.half_grad
                    .iter()
                    .enumerate()
                    .map(|(i, g)| super::gda::signed_lr(i, dim, lr, lr_y) * g)
                    .collect()
            };
            crate::optim::quantities![
                vector "gₜ" = "∇f(xₜ₋₁, yₜ₋₁)" => self.grad.as_slice(),
                arrow Gradient "(−lr·∇ₓf, +lr_y·∇_yf)" =
                    "the look-ahead: the plain simultaneous GDA step to the extrapolated point"
                    => displacement(&self.half_point),
                vector "gₜ₋₁⁄₂" = "∇f at the extrapolated point" => self.half_grad.as_slice(),
                arrow Preconditioned "(−lr·∇ₓf, +lr_y·∇_yf) at the extrapolated point" =
                    "the step taken from xₜ₋₁ with the look-ahead gradient"
                    => step,
                scalar "lr" = "the min player's step" => self.config.lr,
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
    fn one_step_by_hand() {
        // f = x·y from (1, 2), lr = 0.1: ∇f = (2, 1), extrapolated (0.8, 2.1), ∇f there (2.1, 0.8),
        // step (1 − 0.21, 2 + 0.08) = (0.79, 2.08).
        let mut eg = ExtragradientConfig {
            lr: 0.1,
            lr_y: None,
        }
        .build(2);
        let mut oracle = oracle_on(Bilinear::default());
        let mut x = DVector::from_vec(vec![1.0, 2.0]);
        let info = eg.step(&mut x, &mut oracle);
        assert_eq!(info.loss, 2.0);
        assert!(close(x[0], 0.79) && close(x[1], 2.08), "{x:?}");
        assert_eq!(oracle.counts().gradients, 2);
        let half = eg.auxiliary_point().expect("extrapolated point");
        assert!(close(half[0], 0.8) && close(half[1], 2.1), "{half:?}");
        eg.reset();
        assert!(eg.auxiliary_point().is_none());
    }

    #[test]
    fn shrinks_by_exactly_sqrt_one_minus_lr_squared_plus_lr_fourth_on_x_times_y() {
        for lr in [0.01, 0.1, 0.5, 0.9, 0.99] {
            let mut eg = ExtragradientConfig { lr, lr_y: None }.build(2);
            let mut oracle = oracle_on(Bilinear::default());
            let mut x = DVector::from_vec(vec![1.0, 1.0]);
            let start = x.norm();
            let factor = (1.0 - lr * lr + lr.powi(4)).sqrt();
            for step in 1..=50 {
                eg.step(&mut x, &mut oracle);
                let expected = start * factor.powi(step);
                assert!(
                    (x.norm() - expected).abs() <= 1e-12 * expected,
                    "lr {lr}, step {step}: {} vs {expected}",
                    x.norm()
                );
            }
        }
    }

    #[test]
    fn converges_where_gda_diverges_on_a_quadratic_game() {
        // a = c = 1, b = 2: simultaneous GDA needs lr < 0.4; extragradient converges at lr = 0.45.
        let x = crate::optim::test_support::iterate(
            &ExtragradientConfig {
                lr: 0.45,
                lr_y: None,
            },
            &mut oracle_on(QuadraticGame::default()),
            [1.0, 1.0],
            300,
        );
        assert!(x.norm() < 1e-12, "{x:?}");
    }

    #[test]
    fn two_timescales_and_schedules() {
        // lr = 0.1, lr_y = 0.5 on x·y from (1, 2): extrapolated (0.8, 2.5), ∇f there (2.5, 0.8),
        // step (1 − 0.25, 2 + 0.4).
        let mut eg = ExtragradientConfig {
            lr: 0.1,
            lr_y: Some(0.5),
        }
        .build(2);
        let mut oracle = oracle_on(Bilinear::default());
        let mut x = DVector::from_vec(vec![1.0, 2.0]);
        eg.step(&mut x, &mut oracle);
        assert!(close(x[0], 0.75) && close(x[1], 2.4), "{x:?}");
        // Halving lr halves lr_y: from (1, 2) again, extrapolated (0.9, 2.25), ∇ (2.25, 0.9),
        // step (1 − 0.1125, 2 + 0.225).
        eg.set_lr(0.05);
        let mut x = DVector::from_vec(vec![1.0, 2.0]);
        eg.step(&mut x, &mut oracle);
        assert!(close(x[0], 0.8875) && close(x[1], 2.225), "{x:?}");
    }

    #[test]
    fn validation_and_ron() {
        let mut checker = Checker::new();
        ExtragradientConfig {
            lr: -1.0,
            lr_y: Some(0.0),
        }
        .validate(&mut checker);
        assert_eq!(checker.found.len(), 2);
        let options = crate::scenario::ron_options();
        let config: OptimizerConfig = options
            .from_str("Extragradient(lr: 0.3, lr_y: 0.1)")
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
