//! Gradient descent-ascent (GDA) for min-max games, simultaneous or alternating, with optional
//! two-timescale step sizes.
//!
//! The problem is min over the first player, max over the second, of one f. For dimension n the
//! first ⌈n/2⌉ coordinates belong to the min player (they descend), the rest to the max player
//! (they ascend): on a 2D game landscape x (coordinate 0) minimizes and y (coordinate 1) maximizes.
//! Write x for the min player's block, y for the max player's, ηₓ = lr and η_y = lr_y (= lr unless
//! set: two timescales otherwise). One step updates both players once:
//!
//! ```text
//! simultaneous (default):       gₜ = ∇f(xₜ₋₁, yₜ₋₁)
//!                               xₜ = xₜ₋₁ − ηₓ·∇ₓf(xₜ₋₁, yₜ₋₁)
//!                               yₜ = yₜ₋₁ + η_y·∇_yf(xₜ₋₁, yₜ₋₁)
//! alternating (Gauss–Seidel):   xₜ = xₜ₋₁ − ηₓ·∇ₓf(xₜ₋₁, yₜ₋₁)
//!                               yₜ = yₜ₋₁ + η_y·∇_yf(xₜ, yₜ₋₁)      (a second gradient evaluation)
//! ```
//!
//! On the bilinear game f = x·y with ηₓ = η_y = lr, simultaneous GDA multiplies the distance to the
//! equilibrium by exactly √(1 + lr²) per step (it spirals out for every lr), while alternating GDA's
//! map has determinant 1 and trace 2 − lr², so for lr < 2 it circles on an ellipse forever (bounded,
//! not converging). On strongly-convex–strongly-concave games both converge for small lr; a smaller
//! η_y/ηₓ lets the max player lag (Jin, Netrapalli & Jordan's two-timescale GDA), a larger one makes
//! it close to best-responding.
//!
//! The reported loss is f at the pre-step iterate. Alternating GDA counts two gradient evaluations
//! per step. Learning-rate schedules scale both step sizes, keeping η_y/ηₓ.
//!
//! Defaults: lr = 0.1, lr_y = None (= lr), alternating = false. Validation: lr > 0, lr_y > 0 when
//! set. RON: `Gda(lr: 0.1)`, `Gda(lr: 0.1, lr_y: 0.05, alternating: true)`.
//!
//! References: K. J. Arrow, L. Hurwicz & H. Uzawa, *Studies in Linear and Non-linear Programming*
//! (Stanford University Press, 1958); C. Jin, P. Netrapalli & M. I. Jordan, "What is local
//! optimality in nonconvex-nonconcave minimax optimization?", ICML 2020; J. P. Bailey, G. Gidel &
//! G. Piliouras, "Finite regret and cycles with fixed step-size via alternating gradient
//! descent-ascent", COLT 2020.

use nalgebra::DVector;
use serde::{Deserialize, Serialize};

use super::buffers::ensure_lens;
use super::{
    ArrowKind, HyperError, HyperValue, Optimizer, OptimizerSpec, Quantity, StepInfo, assign_float,
};
use crate::objective::Oracle;
use crate::validate::Checker;

/// Number of coordinates of the min player in dimension `dim`: the first ⌈dim/2⌉.
pub(crate) fn min_player_len(dim: usize) -> usize {
    dim.div_ceil(2)
}

/// The players' step sizes (ηₓ, η_y) of a game method's `lr` and `lr_y`: η_y = lr unless set.
pub(crate) fn player_lrs(lr: f64, lr_y: Option<f64>) -> (f64, f64) {
    (lr, lr_y.unwrap_or(lr))
}

/// The signed step size of coordinate `i` of `dim`: −lr for the min player, +lr_y for the max one.
pub(crate) fn signed_lr(i: usize, dim: usize, lr: f64, lr_y: f64) -> f64 {
    if i < min_player_len(dim) { -lr } else { lr_y }
}

/// Writes `to = from + signed_lr·grad` coordinate-wise (the plain GDA step, no allocation).
pub(crate) fn gda_step(
    to: &mut DVector<f64>,
    from: &DVector<f64>,
    grad: &DVector<f64>,
    lrs: (f64, f64),
) {
    let dim = from.len();
    for (i, ((t, &f), &g)) in to.iter_mut().zip(from.iter()).zip(grad.iter()).enumerate() {
        *t = f + signed_lr(i, dim, lrs.0, lrs.1) * g;
    }
}

/// Checks a game method's step sizes: lr > 0 and lr_y > 0 when set.
pub(crate) fn validate_lrs(checker: &mut Checker, lr: f64, lr_y: Option<f64>) {
    checker.positive("lr", lr);
    if let Some(lr_y) = lr_y {
        checker.positive("lr_y", lr_y);
    }
}

/// Sets lr for a schedule, scaling a separate lr_y by the same factor so the timescales keep their
/// ratio.
pub(crate) fn schedule_lrs(lr: &mut f64, lr_y: &mut Option<f64>, new_lr: f64) {
    if let Some(lr_y) = lr_y.as_mut()
        && *lr > 0.0
    {
        *lr_y *= new_lr / *lr;
    }
    *lr = new_lr;
}

/// What every game method's spec says beyond its names, written inside `impl OptimizerSpec for …`:
/// it plays a game, validates lr and lr_y ([`validate_lrs`]) and has no sharpness threshold (the
/// Jacobian of the descent–ascent field is not symmetric). The three game methods wrote it alike.
macro_rules! game_spec {
    () => {
        const PLAYS_A_GAME: bool = true;

        fn validate(&self, checker: &mut $crate::validate::Checker) {
            $crate::optim::gda::validate_lrs(checker, self.lr, self.lr_y);
        }

        $crate::optim::no_stability_threshold!(Game);
    };
}
pub(crate) use game_spec;

/// The live edits of a game method, written inside `impl Optimizer for …`: `set_config` adopts a
/// config of the same method, and a schedule's `set_lr` scales both step sizes
/// ([`schedule_lrs`]).
macro_rules! game_edits {
    () => {
        $crate::optim::config_edits!(set_config);

        fn set_lr(&mut self, lr: f64) {
            $crate::optim::gda::schedule_lrs(&mut self.config.lr, &mut self.config.lr_y, lr);
        }
    };
}
pub(crate) use game_edits;

/// The hyperparameter table of a game method: lr and lr_y, which the game methods share, then the
/// config's own rows.
macro_rules! game_hyper_table {
    ($config:ty; $($rows:tt)*) => {
        $crate::hyper::hyper_table! {
            $config, owner: Self::DISPLAY_NAME, defaults { lr_y: None };
            lr = 0.1: log_float(1e-4, 10.0),
                "the min player's step: x ← x − lr·∇ₓf (also the max player's unless lr_y is set)";
            {
                get: |config: &Self| config.lr_y.unwrap_or(config.lr),
                set: |config: &mut Self, name: &str, value| {
                    $crate::optim::gda::assign_lr_y(&mut config.lr_y, config.lr, name, value)
                },
            } as "lr_y": log_float(1e-4, 10.0),
                "the max player's step: y ← y + lr_y·∇_yf (two timescales when ≠ lr)";
            $($rows)*
        }
    };
}
pub(crate) use game_hyper_table;

/// Sets lr_y (shown as lr while unset) to `value`.
pub(crate) fn assign_lr_y(
    lr_y: &mut Option<f64>,
    lr: f64,
    name: &str,
    value: HyperValue,
) -> Result<(), HyperError> {
    let mut slot = lr_y.unwrap_or(lr);
    assign_float(&mut slot, name, value)?;
    *lr_y = Some(slot);
    Ok(())
}

/// Hyperparameters of gradient descent-ascent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GdaConfig {
    /// Step size ηₓ of the min player (and of the max player unless `lr_y` is set).
    pub lr: f64,
    /// Step size η_y of the max player; `None` means lr (one timescale).
    pub lr_y: Option<f64>,
    /// Alternating (Gauss–Seidel) updates: the max player sees the min player's new iterate.
    pub alternating: bool,
}

game_hyper_table! {
    GdaConfig;
    alternating = false: boolean,
        "y ← y + lr_y·∇_yf(x_new, y): the max player answers the min player's new move";
}

impl OptimizerSpec for GdaConfig {
    crate::optim::spec_names! {
        "GDA":
        "gradient descent-ascent for min-max games (x descends, y ascends), simultaneous or alternating"
    }
    game_spec!();

    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        Box::new(Gda {
            config: self.clone(),
            grad: DVector::zeros(dim),
            second_grad: DVector::zeros(dim),
            simultaneous_step: DVector::zeros(dim),
            actual_step: DVector::zeros(dim),
            steps: 0,
        })
    }
}

/// GDA's state: only buffers (the method is memoryless) and what `explain` shows.
pub struct Gda {
    config: GdaConfig,
    /// ∇f at the pre-step iterate.
    grad: DVector<f64>,
    /// ∇f after the min player's move (alternating only).
    second_grad: DVector<f64>,
    /// ±lr·gₜ of the latest step: the simultaneous GDA step.
    simultaneous_step: DVector<f64>,
    /// xₜ − xₜ₋₁ of the latest step.
    actual_step: DVector<f64>,
    steps: u64,
}

impl Optimizer for Gda {
    fn step(&mut self, x: &mut DVector<f64>, oracle: &mut Oracle) -> StepInfo {
        let lrs = player_lrs(self.config.lr, self.config.lr_y);
        let dim = x.len();
        ensure_lens(
            dim,
            [
                &mut self.grad,
                &mut self.second_grad,
                &mut self.simultaneous_step,
                &mut self.actual_step,
            ],
        );
        let loss = oracle.value_and_grad(x, &mut self.grad);
        for (i, (s, &g)) in self
            .simultaneous_step
            .iter_mut()
            .zip(self.grad.iter())
            .enumerate()
        {
            *s = signed_lr(i, dim, lrs.0, lrs.1) * g;
        }
        let players = min_player_len(dim);
        if self.config.alternating {
            for i in 0..players {
                x[i] += self.simultaneous_step[i];
            }
            oracle.value_and_grad(x, &mut self.second_grad);
            for i in players..dim {
                self.actual_step[i] = lrs.1 * self.second_grad[i];
                x[i] += self.actual_step[i];
            }
            self.actual_step
                .rows_mut(0, players)
                .copy_from(&self.simultaneous_step.rows(0, players));
        } else {
            *x += &self.simultaneous_step;
            self.actual_step.copy_from(&self.simultaneous_step);
        }
        self.steps += 1;
        StepInfo::proceed(loss)
    }

    game_edits!();

    fn reset(&mut self) {
        self.steps = 0;
    }

    fn explain(&self) -> Vec<Quantity> {
        crate::optim::explain_once_stepped(self.steps > 0, || {
            let mut quantities = crate::optim::quantities![
                vector "gₜ" = "∇f(xₜ₋₁, yₜ₋₁)" => self.grad.as_slice(),
                arrow Gradient "(−lr·∇ₓf, +lr_y·∇_yf)" =
                    "the simultaneous GDA step: the min player descends, the max player ascends"
                    => self.simultaneous_step.iter().copied(),
            ];
            if self.config.alternating {
                quantities.push(Quantity::vector(
                    "∇f(xₜ, yₜ₋₁)",
                    "the gradient after the min player's move",
                    self.second_grad.as_slice(),
                ));
                quantities.push(Quantity::arrow(
                    ArrowKind::Preconditioned,
                    "(−lr·∇ₓf(xₜ₋₁, yₜ₋₁), +lr_y·∇_yf(xₜ, yₜ₋₁))",
                    "the alternating step: y answers the new x",
                    self.actual_step.iter().copied(),
                ));
            }
            quantities.push(Quantity::scalar(
                "lr",
                "the min player's step",
                self.config.lr,
            ));
            quantities.push(Quantity::scalar(
                "lr_y",
                "the max player's step",
                player_lrs(self.config.lr, self.config.lr_y).1,
            ));
            quantities
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hyper::{HyperValue, Hypers};
    use crate::landscape::{Bilinear, QuadraticGame};
    use crate::optim::OptimizerConfig;
    use crate::optim::test_support::{close, oracle_on};

    fn bilinear() -> Oracle {
        oracle_on(Bilinear::default())
    }

    #[test]
    fn one_simultaneous_and_one_alternating_step_by_hand() {
        // f = x·y from (1, 2), lr = 0.1, lr_y = 0.5: ∇f = (2, 1).
        // simultaneous: (1 − 0.1·2, 2 + 0.5·1) = (0.8, 2.5);
        // alternating: x = 0.8, then ∇_yf(0.8, 2) = 0.8, y = 2 + 0.5·0.8 = 2.4.
        for (alternating, expected, gradients) in [(false, [0.8, 2.5], 1), (true, [0.8, 2.4], 2)] {
            let mut gda = GdaConfig {
                lr: 0.1,
                lr_y: Some(0.5),
                alternating,
            }
            .build(2);
            let mut oracle = bilinear();
            let mut x = DVector::from_vec(vec![1.0, 2.0]);
            let info = gda.step(&mut x, &mut oracle);
            assert_eq!(info.loss, 2.0);
            assert!(
                close(x[0], expected[0]) && close(x[1], expected[1]),
                "{x:?}"
            );
            assert_eq!(oracle.counts().gradients, gradients);
        }
    }

    #[test]
    fn simultaneous_gda_spirals_out_by_exactly_sqrt_one_plus_lr_squared() {
        for lr in [0.01, 0.1, 0.5, 1.0, 2.0] {
            let mut gda = GdaConfig {
                lr,
                ..GdaConfig::default()
            }
            .build(2);
            let mut oracle = bilinear();
            let mut x = DVector::from_vec(vec![1.0, 1.0]);
            let start = x.norm();
            for step in 1..=50 {
                gda.step(&mut x, &mut oracle);
                let expected = start * (1.0 + lr * lr).sqrt().powi(step);
                assert!(
                    (x.norm() - expected).abs() <= 1e-12 * expected,
                    "lr {lr}, step {step}: {} vs {expected}",
                    x.norm()
                );
            }
        }
    }

    #[test]
    fn alternating_gda_stays_bounded_below_lr_two() {
        // The map (x, y) ↦ (x − lr·y, y + lr·(x − lr·y)) keeps xᵀ[[1, −lr/2], [−lr/2, 1]]… fixed:
        // Bailey et al.'s invariant x² − lr·x·y + y² is exactly conserved (up to rounding).
        for lr in [0.1, 0.5, 1.0, 1.5, 1.9] {
            let mut gda = GdaConfig {
                lr,
                alternating: true,
                ..GdaConfig::default()
            }
            .build(2);
            let mut oracle = bilinear();
            let mut x = DVector::from_vec(vec![1.0, 1.0]);
            let invariant = |x: &DVector<f64>| x[0] * x[0] - lr * x[0] * x[1] + x[1] * x[1];
            let start = invariant(&x);
            for _ in 0..1000 {
                gda.step(&mut x, &mut oracle);
                assert!((invariant(&x) - start).abs() < 1e-9, "lr {lr}: {x:?}");
            }
            // Bounded on the ellipse: |z|² ≤ invariant/(1 − lr/2).
            assert!(x.norm_squared() <= start / (1.0 - lr / 2.0) * (1.0 + 1e-9));
        }
        // lr = 2.5 > 2: trace 2 − lr² < −2, a real eigenvalue beyond −1, it blows up.
        let mut gda = GdaConfig {
            lr: 2.5,
            alternating: true,
            ..GdaConfig::default()
        }
        .build(2);
        let mut oracle = bilinear();
        let mut x = DVector::from_vec(vec![1.0, 1.0]);
        for _ in 0..50 {
            gda.step(&mut x, &mut oracle);
        }
        assert!(x.norm() > 1e6, "{x:?}");
    }

    #[test]
    fn converges_on_a_convex_concave_quadratic_game() {
        // a = c = 1, b = 2: the GDA map is I − lr·[[1, 2], [−2, 1]], eigenvalues 1 − lr ± 2i·lr,
        // modulus² (1 − lr)² + 4lr² < 1 iff lr < 0.4; at lr = 0.2 the modulus is √0.8.
        for alternating in [false, true] {
            let x = crate::optim::test_support::iterate(
                &GdaConfig {
                    lr: 0.2,
                    alternating,
                    ..GdaConfig::default()
                },
                &mut oracle_on(QuadraticGame::default()),
                [1.0, 1.0],
                300,
            );
            assert!(x.norm() < 1e-12, "alternating {alternating}: {x:?}");
        }
        // Above 2m/(m² + b²) = 0.4 simultaneous GDA diverges.
        let mut gda = crate::optim::test_support::with_lr::<GdaConfig>(0.45).build(2);
        let mut oracle = oracle_on(QuadraticGame::default());
        let mut x = DVector::from_vec(vec![1.0, 1.0]);
        for _ in 0..300 {
            gda.step(&mut x, &mut oracle);
        }
        assert!(x.norm() > 10.0, "{x:?}");
    }

    /// Runs GDA `steps` times from `start` on `oracle`.
    fn run_from(
        config: &GdaConfig,
        mut oracle: Oracle,
        start: [f64; 2],
        steps: usize,
    ) -> DVector<f64> {
        let mut gda = config.build(2);
        let mut x = DVector::from_row_slice(&start);
        for _ in 0..steps {
            gda.step(&mut x, &mut oracle);
        }
        x
    }

    #[test]
    fn two_timescales_follow_the_linear_map() {
        // On f = x·y the simultaneous map is M = [[1, −lr], [lr_y, 1]] with det M = 1 + lr·lr_y:
        // the parallelogram spanned by the iterates from (1, 0) and (0, 1) grows by exactly that.
        // Alternating: M = [[1, −lr], [lr_y, 1 − lr·lr_y]], det M = 1 (area kept).
        for (lr, lr_y) in [(0.1, 0.02), (0.3, 0.9), (1.0, 0.5)] {
            for alternating in [false, true] {
                let config = GdaConfig {
                    lr,
                    lr_y: Some(lr_y),
                    alternating,
                };
                for steps in [1, 10, 50] {
                    let u = run_from(&config, bilinear(), [1.0, 0.0], steps);
                    let v = run_from(&config, bilinear(), [0.0, 1.0], steps);
                    let area = u[0] * v[1] - u[1] * v[0];
                    let factor = if alternating { 1.0 } else { 1.0 + lr * lr_y };
                    let expected = factor.powi(steps as i32);
                    assert!(
                        (area - expected).abs() <= 1e-12 * expected,
                        "{config:?}, {steps} steps: {area} vs {expected}"
                    );
                }
            }
        }
        // On a·x²/2 + b·x·y − c·y²/2 (a = c = 1, b = 2) the iterates are (I − D·J)ᵗ z₀ with
        // D = diag(lr, lr_y), J = [[a, b], [−b, c]]: compare with the matrix power.
        let (lr, lr_y) = (0.2, 0.02);
        let m = nalgebra::Matrix2::new(1.0 - lr, -2.0 * lr, 2.0 * lr_y, 1.0 - lr_y);
        let config = GdaConfig {
            lr,
            lr_y: Some(lr_y),
            alternating: false,
        };
        let mut expected = nalgebra::Vector2::new(1.0, 1.0);
        for steps in 1..=60 {
            expected = m * expected;
            let x = run_from(
                &config,
                oracle_on(QuadraticGame::default()),
                [1.0, 1.0],
                steps,
            );
            assert!(
                (x[0] - expected[0]).abs() < 1e-12 && (x[1] - expected[1]).abs() < 1e-12,
                "step {steps}: {x:?} vs {expected:?}"
            );
        }
        // A slow max player still converges: |eigenvalues of M|² = det M = 0.8 here.
        let x = run_from(
            &config,
            oracle_on(QuadraticGame::default()),
            [1.0, 1.0],
            300,
        );
        assert!(x.norm() < 1e-12, "{x:?}");
    }

    #[test]
    fn schedules_keep_the_timescale_ratio_and_dimension_splits_round_up() {
        let mut gda = GdaConfig {
            lr: 0.1,
            lr_y: Some(0.3),
            alternating: false,
        }
        .build(3);
        gda.set_lr(0.05);
        // f = x·y on the first two coordinates; in dimension 3 coordinates 0 and 1 descend.
        assert_eq!(min_player_len(3), 2);
        assert_eq!(min_player_len(2), 1);
        assert_eq!(signed_lr(2, 3, 0.05, 0.15), 0.15);
        assert!(gda.set_config(&OptimizerConfig::Gda(GdaConfig::default())));
        assert!(!gda.set_config(&OptimizerConfig::Sgd(Default::default())));
    }

    #[test]
    fn validation_and_hypers() {
        let paths = crate::optim::test_support::validation_paths(&GdaConfig {
            lr: 0.0,
            lr_y: Some(-1.0),
            alternating: false,
        });
        assert_eq!(paths, ["lr", "lr_y"]);
        let mut config = GdaConfig::default();
        config.set_hyper("lr_y", HyperValue::Float(0.02)).unwrap();
        config
            .set_hyper("alternating", HyperValue::Bool(true))
            .unwrap();
        assert_eq!(config.lr_y, Some(0.02));
        assert!(config.alternating);
        assert!(config.set_hyper("lr_y", HyperValue::Bool(true)).is_err());
    }

    #[test]
    fn round_trips_through_ron() {
        let options = crate::scenario::ron_options();
        for text in ["Gda()", "Gda(lr: 0.2, lr_y: 0.05, alternating: true)"] {
            let config: OptimizerConfig = options.from_str(text).expect("parses");
            let written = options.to_string(&config).expect("serializes");
            assert!(!written.contains("Some("), "{written}");
            let reread: OptimizerConfig = options.from_str(&written).expect("parses back");
            assert_eq!(reread, config, "{written}");
        }
        let config: OptimizerConfig = options.from_str("Gda(lr_y: 0.05)").expect("parses");
        assert_eq!(
            config,
            OptimizerConfig::Gda(GdaConfig {
                lr_y: Some(0.05),
                ..GdaConfig::default()
            })
        );
    }
}
