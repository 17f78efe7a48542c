//! Schedule-free AdamW (Defazio et al. 2024): Adam's per-coordinate step on the base sequence z,
//! with the schedule-free average x and interpolation y of [`ScheduleFreeSgd`](super::ScheduleFreeSgd).
//!
//! Three points again: z, the base sequence; x, the weighted average of the z's (the point the
//! run reports, plots and measures: the reference's `eval()` point); y = (1 − β₁)·z + β₁·x, where
//! the gradient is taken. β₁ plays the role of Adam's first-moment decay: there is no first-moment
//! buffer, the interpolation is the momentum. From x₁ = z₁ = x₀ and v₀ = 0, step t = 1, 2, … is,
//! in the order of the reference implementation (`adamw_schedulefree_reference.py`):
//!
//! ```text
//! lrₜ    = lr · min(1, t/warmup_steps)
//! lr_max = max(lr_max, lrₜ)
//! wₜ     = tʳ · lr_max^weight_lr_power,  cₜ₊₁ = wₜ / Σᵢ≤ₜ wᵢ
//! yₜ     = (1 − β₁)·zₜ + β₁·xₜ
//! gₜ     = ∇f(yₜ)
//! vₜ     = β₂·vₜ₋₁ + (1 − β₂)·gₜ²
//! dₜ     = gₜ / (√(vₜ/(1 − β₂ᵗ)) + eps) + weight_decay·yₜ
//! zₜ₊₁   = zₜ − lrₜ·dₜ                                  (the decay is applied at y, decoupled)
//! xₜ₊₁   = (1 − cₜ₊₁)·xₜ + cₜ₊₁·zₜ₊₁
//! ```
//!
//! With a constant lr cₜ₊₁ = 1/t; during a warmup the weights grow like lr_max² (the paper's
//! c = lr²/Σ lr²), so the small warmup steps count little in the average. The reference
//! recommends a warmup for AdamW (its first steps are about lr long in every coordinate whatever
//! the gradient); optiviz keeps its default of none.
//!
//! optiviz draws x as the run's iterate and z as the second marker
//! ([`Optimizer::auxiliary_point`]); y lies on the segment from x to z, the fraction 1 − β₁ of the
//! way. The loss a step reports is f(yₜ).
//!
//! Defaults, as the reference: lr = 0.0025, betas = (0.9, 0.999), eps = 1e-8, weight_decay = 0,
//! warmup_steps = 0, r = 0, weight_lr_power = 2. Validation: lr > 0, 0 < β₁ < 1, 0 ≤ β₂ < 1,
//! eps ≥ 0, weight_decay ≥ 0. RON: `ScheduleFreeAdamW(lr: 0.01, warmup_steps: 20)`.
//!
//! Reference: A. Defazio, X. Yang, H. Mehta, K. Mishchenko, A. Khaled & A. Cutkosky, "The Road Less
//! Scheduled", NeurIPS 2024 (arXiv:2405.15682), and its reference implementation
//! facebookresearch/schedule_free (`schedulefree/adamw_schedulefree_reference.py`).

use nalgebra::DVector;
use serde::{Deserialize, Serialize};

use super::adam::check_betas;
use super::schedule_free_sgd::{AverageSettings, ScheduleFreeAverage, check_interpolation};
use super::{Optimizer, OptimizerSpec, Quantity, StepInfo, ensure_len};
use crate::hyper::{Hypers, hyper_table};
use crate::objective::Oracle;
use crate::validate::Checker;

/// Hyperparameters of schedule-free AdamW, with the reference implementation's names and
/// defaults.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ScheduleFreeAdamWConfig {
    /// Step size of the base sequence z.
    pub lr: f64,
    /// (β₁, β₂): β₁ places y = (1 − β₁)·z + β₁·x, β₂ is the decay of the squared gradients' mean.
    pub betas: (f64, f64),
    /// Added to the denominator √v̂ for numerical stability.
    pub eps: f64,
    /// Decoupled weight decay, applied at y: z ← z − lr·weight_decay·y.
    pub weight_decay: f64,
    /// Linear warmup of lr over this many steps (0: none).
    pub warmup_steps: u64,
    /// Power r of the polynomial weighting tʳ in the average (0: uniform).
    pub r: f64,
    /// The average's weights grow like lr_max^weight_lr_power during warmup.
    pub weight_lr_power: f64,
}

hyper_table! {
    ScheduleFreeAdamWConfig, owner: Self::DISPLAY_NAME, defaults { betas: (0.9, 0.999) };
    lr = 0.0025: log_float(1e-5, 1.0) where positive,
        "z ← z − lr·g/(√v̂ + eps): each step of z is about lr long";
    betas.0 as "betas[0]": float(0.0, 0.999),
        "β₁: the gradient is taken at y = (1 − β₁)·z + β₁·x (0 < β₁ < 1)";
    betas.1 as "betas[1]": float(0.0, 0.9999),
        "β₂: v ← β₂·v + (1 − β₂)·g², the running mean of squared gradients";
    eps = 1e-8: log_float(1e-12, 1.0) where non_negative,
        "added to √v̂ in the denominator";
    weight_decay = 0.0: log_float(0.0, 1.0) where non_negative,
        "z ← z − lr·weight_decay·y (decoupled, at y)";
    warmup_steps = 0: int(0, 1000), "lrₜ = lr·min(1, t/warmup_steps): a linear warmup";
    r = 0.0: float(0.0, 4.0) where non_negative,
        "the average weights step t by tʳ (0: a plain average)";
    weight_lr_power = 2.0: float(0.0, 4.0) where non_negative,
        "the average weights step t by lr_max^weight_lr_power (warmup's small steps count less)";
}

impl OptimizerSpec for ScheduleFreeAdamWConfig {
    const DISPLAY_NAME: &'static str = "Schedule-free AdamW";
    const DESCRIPTION: &'static str = "schedule-free AdamW (Defazio et al. 2024): Adam's step on z, gradient at y, the average x reported";

    fn validate(&self, checker: &mut Checker) {
        self.validate_rows(checker);
        check_betas(self.betas, checker);
        check_interpolation("betas[0]", self.betas.0, checker);
    }

    // A time-varying average over an adaptive step: no fixed linear recurrence to bound.
    crate::optim::no_stability_threshold!(NotDerived);

    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        Box::new(ScheduleFreeAdamW {
            config: self.clone(),
            grad: DVector::zeros(dim),
            exp_avg_sq: DVector::zeros(dim),
            direction: DVector::zeros(dim),
            average: ScheduleFreeAverage::new(dim),
        })
    }
}

/// Schedule-free AdamW's state: the shared average, the squared gradients' mean v and buffers.
pub struct ScheduleFreeAdamW {
    config: ScheduleFreeAdamWConfig,
    grad: DVector<f64>,
    /// vₜ.
    exp_avg_sq: DVector<f64>,
    /// dₜ of the latest step: z moved by −lrₜ·dₜ.
    direction: DVector<f64>,
    average: ScheduleFreeAverage,
}

impl Optimizer for ScheduleFreeAdamW {
    fn step(&mut self, x: &mut DVector<f64>, oracle: &mut Oracle) -> StepInfo {
        let c = &self.config;
        let settings = AverageSettings {
            lr: c.lr,
            beta: c.betas.0,
            warmup_steps: c.warmup_steps,
            r: c.r,
            weight_lr_power: c.weight_lr_power,
        };
        let (beta2, eps, weight_decay) = (c.betas.1, c.eps, c.weight_decay);
        for buffer in [&mut self.grad, &mut self.exp_avg_sq, &mut self.direction] {
            ensure_len(buffer, x.len());
        }
        if self.average.steps == 0 {
            self.exp_avg_sq.fill(0.0);
        }
        let bias_correction2 = 1.0 - beta2.powf((self.average.steps + 1) as f64);
        let (lr, _) = self.average.begin(x, &settings);
        let average = &mut self.average;
        let loss = oracle.value_and_grad(&average.y, &mut self.grad);
        let coordinates = self
            .grad
            .iter()
            .zip(self.exp_avg_sq.iter_mut())
            .zip(average.y.iter())
            .zip(self.direction.iter_mut())
            .zip(average.z.iter_mut());
        for ((((&g, v), &y), d), z) in coordinates {
            *v = *v * beta2 + (1.0 - beta2) * g * g;
            let denom = (*v / bias_correction2).sqrt() + eps;
            // The reference decays z at y first, then takes the Adam step.
            *z -= lr * weight_decay * y;
            *z -= lr * (g / denom);
            *d = g / denom + weight_decay * y;
        }
        average.finish(x);
        StepInfo::proceed(loss)
    }

    crate::optim::config_edits!();

    fn reset(&mut self) {
        self.average.reset();
        self.exp_avg_sq.fill(0.0);
    }

    fn auxiliary_point(&self) -> Option<&DVector<f64>> {
        (self.average.steps > 0).then_some(&self.average.z)
    }

    fn explain(&self) -> Vec<Quantity> {
        crate::optim::explain_once_stepped(self.average.steps > 0, || {
            let mut quantities = self.average.quantities(
                (&self.grad, "∇f(yₜ)"),
                &self.direction,
                "zₜ − lrₜ·dₜ, dₜ = gₜ/(√(vₜ/(1 − β₂ᵗ)) + eps) + weight_decay·yₜ",
            );
            quantities.push(Quantity::vector(
                "vₜ",
                "β₂·vₜ₋₁ + (1 − β₂)·gₜ²",
                self.exp_avg_sq.as_slice(),
            ));
            quantities
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::test_support::{iterate, quadratic};

    #[test]
    fn two_steps_match_hand_computation() {
        // f = ½(x² + 4y²), ∇f = (x, 4y); lr = 0.1, betas = (0.5, 0.75), eps = 0, from (1, 1).
        // t = 1: y = (1, 1), g = (1, 4), v = 0.25·g² = (0.25, 4), √(v/0.25) = (1, 4) = |g|:
        //        z = (1, 1) − 0.1·(1, 1) = (0.9, 0.9); c = 1: x = (0.9, 0.9).
        // t = 2: y = ½z + ½x = (0.9, 0.9), g = (0.9, 3.6),
        //        v = 0.75·(0.25, 4) + 0.25·(0.81, 12.96) = (0.39, 6.24), 1 − β₂² = 0.4375;
        //        z = 0.9 − 0.1·g/√(v/0.4375); c = ½: x = ½·0.9 + ½·z.
        let mut optimizer = ScheduleFreeAdamWConfig {
            lr: 0.1,
            betas: (0.5, 0.75),
            eps: 0.0,
            ..ScheduleFreeAdamWConfig::default()
        }
        .build(2);
        let mut oracle = quadratic();
        let mut x = DVector::from_vec(vec![1.0, 1.0]);
        optimizer.step(&mut x, &mut oracle);
        assert!(
            (x[0] - 0.9).abs() < 1e-15 && (x[1] - 0.9).abs() < 1e-15,
            "{x}"
        );
        optimizer.step(&mut x, &mut oracle);
        let (g, v) = ([0.9, 3.6], [0.39, 6.24]);
        for i in 0..2 {
            let z: f64 = 0.9 - 0.1 * g[i] / (v[i] / 0.4375f64).sqrt();
            let expected = 0.5 * 0.9 + 0.5 * z;
            assert!((x[i] - expected).abs() < 1e-14, "{x} vs {expected}");
            let drawn = optimizer.auxiliary_point().expect("z");
            assert!((drawn[i] - z).abs() < 1e-14);
        }
    }

    #[test]
    fn decoupled_decay_is_taken_at_y() {
        // One step from (1, 1) with weight_decay 0.5, lr 0.1: z = 1 − 0.1·0.5·1 − 0.1·sign(g) =
        // 0.85 in both coordinates (the first Adam step is lr·g/|g|), and c = 1 so x = z.
        let config = ScheduleFreeAdamWConfig {
            lr: 0.1,
            weight_decay: 0.5,
            eps: 0.0,
            ..ScheduleFreeAdamWConfig::default()
        };
        let x = iterate(&config, &mut quadratic(), [1.0, 1.0], 1);
        assert!(
            (x[0] - 0.85).abs() < 1e-12 && (x[1] - 0.85).abs() < 1e-12,
            "{x}"
        );
    }

    #[test]
    fn reset_forgets_the_run() {
        let mut optimizer = ScheduleFreeAdamWConfig {
            lr: 0.05,
            weight_decay: 0.2,
            warmup_steps: 3,
            ..ScheduleFreeAdamWConfig::default()
        }
        .build(2);
        let mut x = DVector::from_vec(vec![1.0, -1.0]);
        for _ in 0..6 {
            optimizer.step(&mut x, &mut quadratic());
        }
        optimizer.reset();
        // After the reset the first step is a fresh one: about lr/3 (warmup) in each coordinate.
        let mut x = DVector::from_vec(vec![1.0, -1.0]);
        optimizer.step(&mut x, &mut quadratic());
        let expected = 0.05 / 3.0 * (1.0 + 0.2);
        assert!((1.0 - x[0] - expected).abs() < 1e-9, "{x}");
    }
}
