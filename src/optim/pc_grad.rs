//! PCGrad, projecting conflicting gradients (Yu et al. 2020): where two task gradients conflict,
//! each drops its component along the other before they are summed. Not a torch.optim class; it
//! needs a problem with several task losses.
//!
//! With gₖ = ∇fₖ(xₜ₋₁) the gradient of task k (k = 1…K), one step is
//!
//! ```text
//! gᵢ' ← gᵢ;  for every other task j:  if gᵢ'·gⱼ < 0:  gᵢ' ← gᵢ' − (gᵢ'·gⱼ/‖gⱼ‖²)·gⱼ
//! dₜ = Σᵢ gᵢ'
//! xₜ ← xₜ₋₁ − lr·dₜ
//! ```
//!
//! Each gᵢ' is projected onto the normal plane of every gⱼ it conflicts with (an obtuse angle),
//! always against the original gⱼ; then gᵢ'·gⱼ = 0, and a gradient that conflicts with none stays
//! as it is, so away from conflicts the step is gradient descent on the sum Σₖ fₖ. The paper takes
//! the other tasks in a random order per step; with two tasks there is one other task and the
//! order cannot matter, and with more this implementation takes them in task order, so that runs
//! repeat exactly. Two opposed gradients (gᵢ = −c·gⱼ) both project to 0: such points, the Pareto
//! set of two convex tasks, are where PCGrad stops moving, and where it reaches it depends on how
//! the sum's larger-scale task pulls the path until the gradients conflict.
//!
//! Each step evaluates K task gradients, counted as K gradient evaluations. The loss a step
//! reports is Σₖ fₖ(xₜ₋₁). On a problem with one task dₜ = g₁: gradient descent. No stability
//! threshold: the projections change with x, so the step is not gradient descent on a fixed
//! function near the Pareto set, and no bound on the landscape's sharpness is derived.
//!
//! Defaults (chosen here; the paper wraps PCGrad around Adam or SGD): lr = 0.01. Validation:
//! lr > 0.
//!
//! Reference: T. Yu, S. Kumar, A. Gupta, S. Levine, K. Hausman & C. Finn, "Gradient surgery for
//! multi-task learning", NeurIPS 2020 (Algorithm 1).

use nalgebra::DVector;
use serde::{Deserialize, Serialize};

use super::mgda::TaskGradients;
use super::{ArrowKind, Optimizer, OptimizerSpec, Quantity, StepInfo, ensure_len};
use crate::hyper::hyper_table;
use crate::objective::Oracle;

/// Hyperparameters of PCGrad.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PcGradConfig {
    /// Step size along the sum of the projected gradients.
    pub lr: f64,
}

hyper_table! {
    PcGradConfig, owner: Self::DISPLAY_NAME, defaults {};
    lr = 0.01: log_float(1e-4, 1.0) where positive, "x ← x − lr·Σᵢ gᵢ', each gᵢ' projected off the gⱼ it conflicts with";
}

impl OptimizerSpec for PcGradConfig {
    const DISPLAY_NAME: &'static str = "PCGrad";
    const DESCRIPTION: &'static str =
        "PCGrad (Yu et al. 2020): x ← x − lr·Σᵢ gᵢ', conflicting task gradients projected apart";
    const NEEDS_TASK_GRADIENTS: bool = true;

    crate::optim::no_stability_threshold!(NotDerived);

    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        Box::new(PcGrad {
            config: self.clone(),
            tasks: TaskGradients::new(dim),
            projected: vec![DVector::zeros(dim)],
            direction: DVector::zeros(dim),
            conflict: 0.0,
            explained_steps: 0,
            explained_lr: 0.0,
        })
    }
}

/// Writes gᵢ projected off every gⱼ (j ≠ i, in task order) it conflicts with into `projected`.
pub(crate) fn project_conflicts(grads: &[DVector<f64>], i: usize, projected: &mut DVector<f64>) {
    projected.copy_from(&grads[i]);
    for (j, other) in grads.iter().enumerate() {
        if j == i {
            continue;
        }
        let product = projected.dot(other);
        let norm2 = other.norm_squared();
        if product < 0.0 && norm2 > 0.0 {
            projected.axpy(-product / norm2, other, 1.0);
        }
    }
}

/// PCGrad's state: the latest step's task gradients, their projections and the direction.
pub struct PcGrad {
    config: PcGradConfig,
    tasks: TaskGradients,
    /// gᵢ', one buffer per task.
    projected: Vec<DVector<f64>>,
    direction: DVector<f64>,
    /// g₁·g₂ of the latest step (two tasks; negative when they conflict).
    conflict: f64,
    /// Steps since the last reset, and the lr the latest one used, for [`Optimizer::explain`].
    explained_steps: u64,
    explained_lr: f64,
}

impl Optimizer for PcGrad {
    fn step(&mut self, x: &mut DVector<f64>, oracle: &mut Oracle) -> StepInfo {
        let lr = self.config.lr;
        ensure_len(&mut self.direction, x.len());
        let loss = self.tasks.evaluate(x, oracle);
        let grads = &self.tasks.grads;
        if self.projected.len() != grads.len() {
            self.projected = vec![DVector::zeros(x.len()); grads.len()];
        }
        self.direction.fill(0.0);
        for (i, projected) in self.projected.iter_mut().enumerate() {
            ensure_len(projected, x.len());
            project_conflicts(grads, i, projected);
            self.direction += &*projected;
        }
        self.conflict = if grads.len() >= 2 {
            grads[0].dot(&grads[1])
        } else {
            0.0
        };
        self.explained_steps += 1;
        self.explained_lr = lr;
        x.axpy(-lr, &self.direction, 1.0);
        StepInfo::proceed(loss)
    }

    crate::optim::stateless::stateless_edits!(explained_steps);

    fn explain(&self) -> Vec<Quantity> {
        crate::optim::explain_once_stepped(self.explained_steps > 0, || {
            let lr = self.explained_lr;
            let grads = &self.tasks.grads;
            let mut quantities = self.tasks.gradient_quantities();
            if grads.len() >= 2 {
                quantities.push(Quantity::scalar(
                    "g₁·g₂",
                    "< 0: the tasks conflict and are projected",
                    self.conflict,
                ));
            }
            const PROJECTED: [&str; 4] = ["g₁'", "g₂'", "g₃'", "g₄'"];
            for (symbol, projected) in PROJECTED.into_iter().zip(&self.projected) {
                quantities.push(Quantity::vector(
                    symbol,
                    "gₖ − (gₖ·gⱼ/‖gⱼ‖²)·gⱼ for each gⱼ it conflicts with",
                    projected.as_slice(),
                ));
            }
            quantities.push(Quantity::vector("dₜ", "Σₖ gₖ'", self.direction.as_slice()));
            self.tasks.push_task_arrows(lr, &mut quantities);
            quantities.push(Quantity::arrow(
                ArrowKind::Preconditioned,
                "−lr·dₜ",
                "the step along the projected gradients' sum",
                self.direction.iter().map(|d| -lr * d),
            ));
            quantities
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::landscape::pareto::distance_to_polyline;
    use crate::landscape::{Landscape, TwoTasks};
    use crate::optim::test_support::{check_explained_steps, oracle_on};

    fn vector(v: [f64; 2]) -> DVector<f64> {
        DVector::from_vec(v.to_vec())
    }

    #[test]
    fn a_conflicting_component_is_removed_exactly_and_nothing_else() {
        let cases = [
            ([1.0, 0.2], [-3.0, 1.0]),
            ([2.0, -1.0], [-1.0, 3.0]),
            ([0.5, 0.1], [4.0, 3.0]),
            ([-3.0, 5.0], [0.0, 0.4]),
            ([1.0, 2.0], [-2.0, -4.0]),
        ];
        for (a, b) in cases {
            let grads = [vector(a), vector(b)];
            let conflict = grads[0].dot(&grads[1]) < 0.0;
            for i in 0..2 {
                let (own, other) = (&grads[i], &grads[1 - i]);
                let mut projected = DVector::zeros(2);
                project_conflicts(&grads, i, &mut projected);
                if conflict {
                    // Orthogonal to the other gradient…
                    let scale = own.norm() * other.norm();
                    assert!(projected.dot(other).abs() < 1e-14 * scale, "{a:?} {b:?}");
                    // …and only the component along it removed: the rest is unchanged.
                    let removed = own - &projected;
                    let cross = removed[0] * other[1] - removed[1] * other[0];
                    assert!(cross.abs() < 1e-12 * scale, "{removed}");
                    let expected = own.dot(other).abs() / other.norm();
                    assert!((removed.norm() - expected).abs() < 1e-12 * own.norm());
                } else {
                    assert_eq!(&projected, own, "no conflict: untouched");
                }
            }
        }
    }

    #[test]
    fn one_step_by_hand_with_a_conflict() {
        // Task gradients at (0, −0.5) on TwoTasks: g₁ = (1.5, −1.5), g₂ = 100·(¼·(−1.5), 0.5)
        // = (−37.5, 50). g₁·g₂ = −56.25 − 75 = −131.25 < 0: they conflict.
        // g₁' = g₁ + (131.25/3906.25)·g₂ = (1.5 − 1.26, −1.5 + 1.68) = (0.24, 0.18).
        // g₂' = g₂ + (131.25/4.5)·g₁ = (−37.5 + 43.75, 50 − 43.75) = (6.25, 6.25).
        // d = (6.49, 6.43); x ← (0, −0.5) − 0.01·d.
        let mut oracle = oracle_on(TwoTasks::default());
        let mut optimizer = PcGradConfig { lr: 0.01 }.build(2);
        let mut x = vector([0.0, -0.5]);
        optimizer.step(&mut x, &mut oracle);
        assert!(
            (x[0] + 0.0649).abs() < 1e-14 && (x[1] + 0.5643).abs() < 1e-14,
            "{x}"
        );
        assert_eq!(oracle.counts().gradients, 2);
    }

    #[test]
    fn settles_on_the_pareto_set() {
        let landscape = TwoTasks::default();
        let mut oracle = oracle_on(landscape.clone());
        let mut optimizer = PcGradConfig { lr: 0.015 }.build(2);
        let mut x = vector(landscape.default_start());
        for _ in 0..400 {
            optimizer.step(&mut x, &mut oracle);
        }
        let set = landscape.pareto_set().unwrap_or_default();
        let distance = distance_to_polyline(&set, [x[0], x[1]]).unwrap_or(1.0);
        assert!(distance < 1e-4, "{x}: {distance}");
    }

    #[test]
    fn explained_parts_add_up_to_the_step() {
        let mut optimizer = PcGradConfig::default().build(2);
        let mut oracle = oracle_on(TwoTasks::default());
        check_explained_steps(
            optimizer.as_mut(),
            &mut oracle,
            &[0.0, -0.5],
            6,
            &[ArrowKind::Preconditioned],
            &[],
        );
    }
}
