//! Schedule-free SGD (Defazio et al. 2024): momentum by interpolation and an average of the SGD
//! iterates, with no learning-rate schedule and no stopping time to choose.
//!
//! The method carries three points: z, the plain SGD sequence; x, a running average of the z's
//! (the point the run reports, plots and measures: the reference implementation's `eval()`
//! point); and y, between them, where the gradient is taken. From x₁ = z₁ = x₀, step t = 1, 2, …
//! is, in the order of the reference implementation (`sgd_schedulefree_reference.py`):
//!
//! ```text
//! lrₜ    = lr · min(1, t/warmup_steps)                  (linear warmup; lr when warmup_steps = 0)
//! lr_max = max(lr_max, lrₜ)
//! wₜ     = tʳ · lr_max^weight_lr_power,  cₜ₊₁ = wₜ / Σᵢ≤ₜ wᵢ
//! yₜ     = (1 − β)·zₜ + β·xₜ
//! gₜ     = ∇f(yₜ) + weight_decay·yₜ
//! zₜ₊₁   = zₜ − lrₜ·gₜ
//! xₜ₊₁   = (1 − cₜ₊₁)·xₜ + cₜ₊₁·zₜ₊₁
//! ```
//!
//! With a constant lr (no warmup, r = 0) every weight is equal and cₜ₊₁ = 1/t: x is the plain
//! average of z₂ … zₜ₊₁ (and the start), Polyak–Ruppert averaging. During a warmup the weights
//! grow like lr_max², so the average forgets the small early steps (c = lr²/Σ lr² in the paper).
//! β interpolates between the two extremes: β = 0 takes the gradient at z (SGD with its iterates
//! averaged, which converges but slowly), β = 1 at x (primal averaging, a form of momentum). The
//! method then needs no schedule: in the paper it matches or beats SGD with a tuned cosine
//! schedule at every stopping time, for a cost of one extra vector of memory.
//!
//! optiviz draws x as the run's iterate and z as the second marker
//! ([`Optimizer::auxiliary_point`]); y lies on the segment from x to z, the fraction 1 − β of the
//! way (a tenth for β = 0.9). The loss a step reports is f(yₜ), the only value it evaluates. An
//! lr schedule set on the run scales lr like any other method's (the paper's point is that none is
//! needed).
//!
//! Defaults, as the reference: lr = 1.0 (the reference's, which its authors tune per problem),
//! momentum β = 0.9, weight_decay = 0, warmup_steps = 0, r = 0, weight_lr_power = 2. Validation as
//! the reference: lr ≥ 0 (optiviz: > 0), weight_decay ≥ 0, 0 < momentum < 1. State: z, the step
//! count, Σ w and lr_max, kept by live edits and cleared by reset. RON:
//! `ScheduleFreeSgd(lr: 0.1, momentum: 0.9)`.
//!
//! Reference: A. Defazio, X. Yang, H. Mehta, K. Mishchenko, A. Khaled & A. Cutkosky, "The Road Less
//! Scheduled", NeurIPS 2024 (arXiv:2405.15682), and its reference implementation
//! facebookresearch/schedule_free (`schedulefree/sgd_schedulefree_reference.py`).

use nalgebra::DVector;
use serde::{Deserialize, Serialize};

use super::{ArrowKind, Optimizer, OptimizerSpec, Quantity, StepInfo, ensure_len};
use crate::hyper::{Hypers, hyper_table};
use crate::objective::Oracle;
use crate::validate::Checker;

/// Hyperparameters of schedule-free SGD, with the reference implementation's names and defaults.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ScheduleFreeSgdConfig {
    /// Step size of the SGD sequence z.
    pub lr: f64,
    /// β: the gradient is taken at y = (1 − β)·z + β·x.
    pub momentum: f64,
    /// L2 penalty: g ← ∇f(y) + weight_decay·y.
    pub weight_decay: f64,
    /// Linear warmup of lr over this many steps (0: none).
    pub warmup_steps: u64,
    /// Power r of the polynomial weighting tʳ in the average (0: uniform).
    pub r: f64,
    /// The average's weights grow like lr_max^weight_lr_power during warmup.
    pub weight_lr_power: f64,
}

hyper_table! {
    ScheduleFreeSgdConfig, owner: Self::DISPLAY_NAME, defaults {};
    lr = 1.0: log_float(1e-5, 10.0) where positive, "z ← z − lr·∇f(y): the SGD sequence's step";
    momentum = 0.9: float(0.0, 0.999),
        "β: the gradient is taken at y = (1 − β)·z + β·x (0 < β < 1)";
    weight_decay = 0.0: log_float(0.0, 1.0) where non_negative,
        "g ← ∇f(y) + weight_decay·y (an L2 penalty)";
    warmup_steps = 0: int(0, 1000), "lrₜ = lr·min(1, t/warmup_steps): a linear warmup";
    r = 0.0: float(0.0, 4.0) where non_negative,
        "the average weights step t by tʳ (0: a plain average)";
    weight_lr_power = 2.0: float(0.0, 4.0) where non_negative,
        "the average weights step t by lr_max^weight_lr_power (warmup's small steps count less)";
}

/// The reference's check of β: strictly between 0 and 1, with its message.
pub(super) fn check_interpolation(field: &str, beta: f64, checker: &mut Checker) {
    if !(beta > 0.0 && beta < 1.0) {
        checker.report(
            field,
            format!("{field} must be between 0 and 1 exclusive, got {beta}"),
        );
    }
}

impl OptimizerSpec for ScheduleFreeSgdConfig {
    const DISPLAY_NAME: &'static str = "Schedule-free SGD";
    const DESCRIPTION: &'static str = "schedule-free SGD (Defazio et al. 2024): gradient at y between the SGD iterate z and its average x";

    fn validate(&self, checker: &mut Checker) {
        self.validate_rows(checker);
        check_interpolation("momentum", self.momentum, checker);
    }

    // The averaging weight cₜ₊₁ changes every step: the recurrence is not a fixed linear map.
    crate::optim::no_stability_threshold!(NotDerived);

    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        Box::new(ScheduleFreeSgd {
            config: self.clone(),
            grad: DVector::zeros(dim),
            average: ScheduleFreeAverage::new(dim),
        })
    }
}

/// The warmup and averaging settings shared by the schedule-free methods.
#[derive(Clone, Copy, Debug)]
pub(super) struct AverageSettings {
    /// The configured lr (before warmup).
    pub lr: f64,
    /// β of y = (1 − β)·z + β·x.
    pub beta: f64,
    /// Warmup length in steps.
    pub warmup_steps: u64,
    /// Power r of tʳ.
    pub r: f64,
    /// Power of lr_max in the weights.
    pub weight_lr_power: f64,
}

/// What schedule-free SGD and AdamW share: the SGD sequence z, the gradient point y, the weights
/// of the average, and copies of the latest step's inputs for [`Optimizer::explain`] (buffers
/// allocated once: no allocation per step).
pub(super) struct ScheduleFreeAverage {
    /// z, the base sequence (meaningful once `steps` > 0).
    pub z: DVector<f64>,
    /// y, where the latest gradient was taken.
    pub y: DVector<f64>,
    /// Steps taken.
    pub steps: u64,
    weight_sum: f64,
    lr_max: f64,
    /// lrₜ of the latest step (after warmup).
    pub lr: f64,
    /// cₜ₊₁ of the latest step.
    pub c: f64,
    /// xₜ, before the latest step.
    pub x_before: DVector<f64>,
    /// zₜ, before the latest step.
    pub z_before: DVector<f64>,
}

impl ScheduleFreeAverage {
    /// Fresh state for dimension `dim`.
    pub fn new(dim: usize) -> Self {
        Self {
            z: DVector::zeros(dim),
            y: DVector::zeros(dim),
            steps: 0,
            weight_sum: 0.0,
            lr_max: -1.0,
            lr: 0.0,
            c: 0.0,
            x_before: DVector::zeros(dim),
            z_before: DVector::zeros(dim),
        }
    }

    /// Forgets everything, as if just built.
    pub fn reset(&mut self) {
        self.steps = 0;
        self.weight_sum = 0.0;
        self.lr_max = -1.0;
        self.lr = 0.0;
        self.c = 0.0;
    }

    /// Starts step t = steps + 1 from x: lrₜ after warmup, the weight cₜ₊₁, and yₜ; z = x on the
    /// first step. Returns (lrₜ, cₜ₊₁).
    pub fn begin(&mut self, x: &DVector<f64>, settings: &AverageSettings) -> (f64, f64) {
        for buffer in [
            &mut self.z,
            &mut self.y,
            &mut self.x_before,
            &mut self.z_before,
        ] {
            ensure_len(buffer, x.len());
        }
        if self.steps == 0 {
            self.z.copy_from(x);
        }
        let k = self.steps;
        let schedule = if k < settings.warmup_steps {
            (k + 1) as f64 / settings.warmup_steps as f64
        } else {
            1.0
        };
        let lr = settings.lr * schedule;
        self.lr_max = self.lr_max.max(lr);
        let weight = ((k + 1) as f64).powf(settings.r) * self.lr_max.powf(settings.weight_lr_power);
        self.weight_sum += weight;
        let c = if self.weight_sum == 0.0 {
            0.0
        } else {
            weight / self.weight_sum
        };
        let beta = settings.beta;
        for ((y, &xi), &zi) in self.y.iter_mut().zip(x.iter()).zip(self.z.iter()) {
            *y = xi * beta + zi * (1.0 - beta);
        }
        self.x_before.copy_from(x);
        self.z_before.copy_from(&self.z);
        (self.lr, self.c) = (lr, c);
        (lr, c)
    }

    /// Ends the step once z holds zₜ₊₁: xₜ₊₁ = (1 − c)·xₜ + c·zₜ₊₁.
    pub fn finish(&mut self, x: &mut DVector<f64>) {
        let c = self.c;
        for (xi, &zi) in x.iter_mut().zip(self.z.iter()) {
            *xi = *xi * (1.0 - c) + zi * c;
        }
        self.steps += 1;
    }

    /// The quantities every schedule-free step shows: yₜ, the gradient gₜ (as `gradient`, its
    /// formula `gradient_formula`), zₜ₊₁ (moved by −lrₜ·`direction`), cₜ₊₁, lrₜ, and the arrows. The step Δx = c·(zₜ − xₜ) + c·(−lr·d)
    /// with d the direction z moved along: the Momentum arrow is the first part (the average
    /// pulled towards the earlier z), the Preconditioned arrow the second; the Gradient arrow is
    /// −lr·∇f(yₜ), plain GD's step, for comparison.
    pub fn quantities(
        &self,
        (gradient, gradient_formula): (&DVector<f64>, &'static str),
        direction: &DVector<f64>,
        direction_formula: &'static str,
    ) -> Vec<Quantity> {
        let (lr, c) = (self.lr, self.c);
        vec![
            Quantity::vector(
                "yₜ",
                "(1 − β)·zₜ + β·xₜ, where the gradient is taken",
                self.y.as_slice(),
            ),
            Quantity::vector("gₜ", gradient_formula, gradient.as_slice()),
            Quantity::vector(
                "zₜ",
                "the SGD sequence before the step",
                self.z_before.as_slice(),
            ),
            Quantity::vector("zₜ₊₁", direction_formula, self.z.as_slice()),
            Quantity::scalar("cₜ₊₁", "wₜ/Σᵢ≤ₜ wᵢ (1/t for a constant lr)", c),
            Quantity::scalar("lrₜ", "lr·min(1, t/warmup_steps)", lr),
            Quantity::gradient_arrow(lr, gradient),
            Quantity::arrow(
                ArrowKind::Momentum,
                "cₜ₊₁·(zₜ − xₜ)",
                "the average pulled towards the earlier z",
                self.z_before
                    .iter()
                    .zip(self.x_before.iter())
                    .map(|(z, x)| c * (z - x)),
            ),
            Quantity::arrow(
                ArrowKind::Preconditioned,
                "cₜ₊₁·(zₜ₊₁ − zₜ)",
                "the share of z's step that reaches the average",
                direction.iter().map(|d| -c * lr * d),
            ),
        ]
    }
}

/// Schedule-free SGD's state: the shared average and a gradient buffer.
pub struct ScheduleFreeSgd {
    config: ScheduleFreeSgdConfig,
    grad: DVector<f64>,
    average: ScheduleFreeAverage,
}

impl ScheduleFreeSgd {
    fn settings(&self) -> AverageSettings {
        let c = &self.config;
        AverageSettings {
            lr: c.lr,
            beta: c.momentum,
            warmup_steps: c.warmup_steps,
            r: c.r,
            weight_lr_power: c.weight_lr_power,
        }
    }
}

impl Optimizer for ScheduleFreeSgd {
    fn step(&mut self, x: &mut DVector<f64>, oracle: &mut Oracle) -> StepInfo {
        let settings = self.settings();
        let weight_decay = self.config.weight_decay;
        ensure_len(&mut self.grad, x.len());
        let (lr, _) = self.average.begin(x, &settings);
        let average = &mut self.average;
        let loss = oracle.value_and_grad(&average.y, &mut self.grad);
        if weight_decay != 0.0 {
            for (g, &y) in self.grad.iter_mut().zip(average.y.iter()) {
                *g += weight_decay * y;
            }
        }
        for (z, &g) in average.z.iter_mut().zip(self.grad.iter()) {
            *z -= lr * g;
        }
        average.finish(x);
        StepInfo::proceed(loss)
    }

    crate::optim::config_edits!();

    fn reset(&mut self) {
        self.average.reset();
    }

    fn auxiliary_point(&self) -> Option<&DVector<f64>> {
        (self.average.steps > 0).then_some(&self.average.z)
    }

    fn explain(&self) -> Vec<Quantity> {
        crate::optim::explain_once_stepped(self.average.steps > 0, || {
            self.average.quantities(
                (&self.grad, "∇f(yₜ) + weight_decay·yₜ"),
                &self.grad,
                "zₜ − lrₜ·gₜ",
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::test_support::{axis_quadratic, quadratic};

    fn config(lr: f64, momentum: f64) -> ScheduleFreeSgdConfig {
        ScheduleFreeSgdConfig {
            lr,
            momentum,
            ..ScheduleFreeSgdConfig::default()
        }
    }

    #[test]
    fn two_steps_match_hand_computation() {
        // f = ½(x² + 4y²), ∇f = (x, 4y); lr = 0.1, β = 0.5, from (1, 1).
        // t = 1: y = z = x = (1, 1); g = (1, 4); z = (0.9, 0.6); c = 1: x = z = (0.9, 0.6).
        // t = 2: y = ½z + ½x = (0.9, 0.6); g = (0.9, 2.4); z = (0.81, 0.36); c = ½:
        //        x = ½(0.9, 0.6) + ½(0.81, 0.36) = (0.855, 0.48).
        let mut optimizer = config(0.1, 0.5).build(2);
        let mut oracle = quadratic();
        let mut x = DVector::from_vec(vec![1.0, 1.0]);
        optimizer.step(&mut x, &mut oracle);
        assert!(
            (x[0] - 0.9).abs() < 1e-15 && (x[1] - 0.6).abs() < 1e-15,
            "{x}"
        );
        let info = optimizer.step(&mut x, &mut oracle);
        // The loss reported is f(y₂) = ½(0.81 + 4·0.36).
        assert!((info.loss - 0.5 * (0.81 + 1.44)).abs() < 1e-15);
        assert!(
            (x[0] - 0.855).abs() < 1e-15 && (x[1] - 0.48).abs() < 1e-15,
            "{x}"
        );
        let z = optimizer.auxiliary_point().expect("z after a step");
        assert!(
            (z[0] - 0.81).abs() < 1e-15 && (z[1] - 0.36).abs() < 1e-15,
            "{z}"
        );
    }

    /// The reference loop (`sgd_schedulefree_reference.py`, one parameter, constant lr, no
    /// weight decay) transcribed on f(x) = ½λx².
    fn reference_path(lambda: f64, x0: f64, lr: f64, momentum: f64, steps: usize) -> Vec<f64> {
        let (mut z, mut x, mut y) = (x0, x0, x0);
        let (mut weight_sum, mut lr_max) = (0.0, -1.0f64);
        let mut path = Vec::new();
        for k in 0..steps {
            let grad = lambda * y;
            lr_max = lr_max.max(lr);
            let weight = ((k + 1) as f64).powf(0.0) * lr_max.powf(2.0);
            weight_sum += weight;
            let ckp1 = weight / weight_sum;
            z -= lr * grad;
            x = x * (1.0 - ckp1) + z * ckp1;
            y = x * momentum + z * (1.0 - momentum);
            path.push(x);
        }
        path
    }

    #[test]
    fn constant_lr_matches_the_reference_loop_on_a_quadratic() {
        // Both coordinates of ½(x² + 9y²) are one-dimensional quadratics, λ = 1 and 9.
        let (lr, momentum) = (0.15, 0.9);
        let mut optimizer = config(lr, momentum).build(2);
        let mut oracle = axis_quadratic(9.0);
        let mut x = DVector::from_vec(vec![2.0, -1.0]);
        let along_x = reference_path(1.0, 2.0, lr, momentum, 200);
        let along_y = reference_path(9.0, -1.0, lr, momentum, 200);
        for (step, (&want_x, &want_y)) in along_x.iter().zip(&along_y).enumerate() {
            optimizer.step(&mut x, &mut oracle);
            for (i, want) in [want_x, want_y].into_iter().enumerate() {
                assert!(
                    (x[i] - want).abs() <= 1e-14 * (1.0 + want.abs()),
                    "step {step}, coordinate {i}: {} vs {want}",
                    x[i]
                );
            }
        }
        // And the average converges: 1/t averaging of a converging z.
        assert!(x.norm() < 0.05, "{x}");
    }

    #[test]
    fn warmup_weights_the_average_by_lr_squared() {
        // warmup_steps = 2: lr₁ = lr/2, lr₂ = lr; weights lr²/4 then lr²: c₂ = 1, c₃ = 0.8.
        let mut optimizer = ScheduleFreeSgd {
            config: ScheduleFreeSgdConfig {
                lr: 0.2,
                warmup_steps: 2,
                ..ScheduleFreeSgdConfig::default()
            },
            grad: DVector::zeros(2),
            average: ScheduleFreeAverage::new(2),
        };
        let mut oracle = quadratic();
        let mut x = DVector::from_vec(vec![1.0, 1.0]);
        optimizer.step(&mut x, &mut oracle);
        assert_eq!((optimizer.average.lr, optimizer.average.c), (0.1, 1.0));
        optimizer.step(&mut x, &mut oracle);
        assert!((optimizer.average.lr - 0.2).abs() < 1e-15);
        assert!((optimizer.average.c - 0.04 / 0.05).abs() < 1e-15);
        // A reset forgets the base sequence z along with the average.
        optimizer.reset();
        assert!(optimizer.auxiliary_point().is_none());
    }
}
