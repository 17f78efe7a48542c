//! MGDA, the multiple-gradient descent algorithm (Désidéri 2012): descend along the shortest
//! vector of the convex hull of the task gradients, a direction that lowers every task at once.
//! Not a torch.optim class; it needs a problem with several task losses.
//!
//! With gₖ = ∇fₖ(xₜ₋₁) the gradient of task k (k = 1…K), one step is
//!
//! ```text
//! dₜ = argmin { ‖Σₖ αₖ·gₖ‖ : αₖ ≥ 0, Σₖ αₖ = 1 }     (the min-norm point of the hull)
//! xₜ ← xₜ₋₁ − lr·dₜ                                  (stop when ‖dₜ‖ ≤ tol)
//! ```
//!
//! For two tasks the minimum is in closed form (Sener & Koltun 2018, Algorithm 1):
//! α = clamp(((g₂ − g₁)·g₂)/‖g₁ − g₂‖², 0, 1), dₜ = α·g₁ + (1 − α)·g₂; α = 1 (dₜ = g₁) when g₁ is
//! itself the hull's shortest point (g₁·g₂ ≥ ‖g₁‖²), α = 0 when g₂ is. For more tasks it is found
//! by Frank–Wolfe on the Gram matrix Gᵢⱼ = gᵢ·gⱼ with exact line search, from the shortest gₖ
//! (Sener & Koltun's Algorithm 2; at most 100 iterations). Either way dₜ·gₖ ≥ ‖dₜ‖² for every k,
//! so a small enough step lowers every task: with lr < 2/L, L the largest curvature of any task,
//! fₖ(xₜ) ≤ fₖ(xₜ₋₁) − lr·(1 − lr·L/2)·‖dₜ‖² for each k. When 0 lies in the hull there is no common descent
//! direction: the point is Pareto-stationary (on the Pareto set, for convex tasks), dₜ = 0 and
//! the method stops there. It stops at the first such point it reaches, not at a chosen trade-off
//! between the tasks; and since the hull's shortest point leans toward the shortest gradient, a
//! task whose loss is on a much smaller scale steers the path.
//!
//! Each step evaluates K task gradients, counted as K gradient evaluations. The loss a step
//! reports is Σₖ fₖ(xₜ₋₁). On a problem with one task dₜ = g₁: gradient descent. No stability
//! threshold: the step follows a combination of task gradients whose weights change with x, not
//! ∇f of the landscape's weighted sum, so no bound on that sum's sharpness is derived.
//!
//! Defaults (chosen here; the papers have none): lr = 0.1, tol = 1e-6. Validation: lr > 0,
//! tol ≥ 0.
//!
//! Reference: J.-A. Désidéri, "Multiple-gradient descent algorithm (MGDA) for multiobjective
//! optimization", Comptes Rendus Mathématique 350 (2012); O. Sener & V. Koltun, "Multi-task
//! learning as multi-objective optimization", NeurIPS 2018 (the two-task closed form, Frank–Wolfe).

use nalgebra::DVector;
use serde::{Deserialize, Serialize};

use super::{ArrowKind, Optimizer, OptimizerSpec, Quantity, StepInfo, ensure_len};
use crate::hyper::hyper_table;
use crate::objective::Oracle;

/// Hyperparameters of MGDA.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MgdaConfig {
    /// Step size along the min-norm direction.
    pub lr: f64,
    /// Pareto-stationary (stop) when ‖d‖ ≤ tol.
    pub tol: f64,
}

hyper_table! {
    MgdaConfig, owner: Self::DISPLAY_NAME, defaults {};
    lr = 0.1: log_float(1e-4, 1.0) where positive, "x ← x − lr·d, d the min-norm point of the task gradients' hull";
    tol = 1e-6: log_float(1e-12, 1e-2) where non_negative, "stop (Pareto-stationary) when ‖d‖ ≤ tol";
}

impl OptimizerSpec for MgdaConfig {
    const DISPLAY_NAME: &'static str = "MGDA";
    const DESCRIPTION: &'static str =
        "MGDA (Désidéri 2012): x ← x − lr·d, d the min-norm point of the task gradients' hull";
    const NEEDS_TASK_GRADIENTS: bool = true;

    crate::optim::no_stability_threshold!(NotDerived);

    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        Box::new(Mgda {
            config: self.clone(),
            tasks: TaskGradients::new(dim),
            direction: DVector::zeros(dim),
            explained_steps: 0,
            explained_lr: 0.0,
        })
    }
}

/// The per-task gradients of one step and their Gram matrix, in buffers kept across steps
/// (reallocated only when the number of tasks or the dimension changes).
pub(crate) struct TaskGradients {
    /// gₖ = ∇fₖ(x), one buffer per task.
    pub(crate) grads: Vec<DVector<f64>>,
    /// Gᵢⱼ = gᵢ·gⱼ, row-major K × K.
    gram: Vec<f64>,
    /// The hull weights αₖ of the latest min-norm point.
    pub(crate) weights: Vec<f64>,
    /// Σₖ αₖ·gⱼ·gₖ for each j (Frank–Wolfe's running products).
    products: Vec<f64>,
}

impl TaskGradients {
    pub(crate) fn new(dim: usize) -> Self {
        Self {
            grads: vec![DVector::zeros(dim)],
            gram: vec![0.0],
            weights: vec![1.0],
            products: vec![0.0],
        }
    }

    /// The first task gradients as explained quantities (g₁, g₂, …).
    pub(crate) fn gradient_quantities(&self) -> Vec<Quantity> {
        (self.grads.iter().zip(TASK_SYMBOLS))
            .map(|(grad, symbol)| Quantity::vector(symbol, "∇fₖ(xₜ₋₁)", grad.as_slice()))
            .collect()
    }

    /// Appends the arrow −lr·gₖ of each of the first tasks: where descent on that task alone goes.
    pub(crate) fn push_task_arrows(&self, lr: f64, quantities: &mut Vec<Quantity>) {
        for (grad, symbol) in self.grads.iter().zip(TASK_ARROWS) {
            quantities.push(Quantity::arrow(
                ArrowKind::Gradient,
                symbol,
                "where gradient descent on this task alone would go",
                grad.iter().map(|g| -lr * g),
            ));
        }
    }

    /// Evaluates every task's gradient at `x` through `oracle` (K gradient evaluations) and returns
    /// the sum of the task losses.
    pub(crate) fn evaluate(&mut self, x: &DVector<f64>, oracle: &mut Oracle) -> f64 {
        let tasks = oracle.num_tasks().max(1);
        if self.grads.len() != tasks {
            self.grads = vec![DVector::zeros(x.len()); tasks];
            self.gram = vec![0.0; tasks * tasks];
            self.weights = vec![0.0; tasks];
            self.products = vec![0.0; tasks];
        }
        let mut loss = 0.0;
        for (task, grad) in self.grads.iter_mut().enumerate() {
            ensure_len(grad, x.len());
            loss += oracle.task_value_and_grad(task, x, grad);
        }
        loss
    }

    /// The min-norm point of the hull of the gradients into `direction`, with its weights in
    /// `self.weights`.
    fn min_norm_point(&mut self, direction: &mut DVector<f64>) {
        let k = self.grads.len();
        for i in 0..k {
            for j in i..k {
                let product = self.grads[i].dot(&self.grads[j]);
                self.gram[i * k + j] = product;
                self.gram[j * k + i] = product;
            }
        }
        match k {
            1 => self.weights[0] = 1.0,
            2 => {
                let alpha = min_norm_weight(self.gram[0], self.gram[1], self.gram[3]);
                self.weights[0] = alpha;
                self.weights[1] = 1.0 - alpha;
            }
            _ => frank_wolfe(&self.gram, &mut self.weights, &mut self.products),
        }
        direction.fill(0.0);
        for (grad, &weight) in self.grads.iter().zip(&self.weights) {
            direction.axpy(weight, grad, 1.0);
        }
    }
}

/// The weight α of g₁ in the min-norm point α·g₁ + (1 − α)·g₂ of the segment between two vectors,
/// from g₁·g₁, g₁·g₂ and g₂·g₂: clamp((g₂ − g₁)·g₂ / ‖g₁ − g₂‖², 0, 1), and ½ when g₁ = g₂ (every
/// α gives the same point).
pub fn min_norm_weight(g1g1: f64, g1g2: f64, g2g2: f64) -> f64 {
    let gap = g1g1 - 2.0 * g1g2 + g2g2;
    if gap > 0.0 {
        ((g2g2 - g1g2) / gap).clamp(0.0, 1.0)
    } else {
        0.5
    }
}

/// Frank–Wolfe iterations for more than two tasks.
const FRANK_WOLFE_ITERATIONS: usize = 100;

/// min ‖Σₖ αₖgₖ‖ over the simplex from the Gram matrix `gram` (K × K, row-major), by Frank–Wolfe
/// with exact line search from the shortest gₖ; `weights` ends holding α, `products` is scratch
/// (both of length K). (`analysis::measure::subdifferential` has the same search with away steps,
/// but a layer above the optimizers and allocating per call.)
fn frank_wolfe(gram: &[f64], weights: &mut [f64], products: &mut [f64]) {
    let k = weights.len();
    let shortest = (0..k)
        .min_by(|&a, &b| gram[a * k + a].total_cmp(&gram[b * k + b]))
        .unwrap_or(0);
    weights.fill(0.0);
    weights[shortest] = 1.0;
    products.copy_from_slice(&gram[shortest * k..(shortest + 1) * k]);
    let mut norm2 = gram[shortest * k + shortest];
    for _ in 0..FRANK_WOLFE_ITERATIONS {
        // The vertex g_t most opposed to the current point p, and the segment [p, g_t]'s
        // min-norm point: p + γ(g_t − p) with γ = (‖p‖² − p·g_t)/‖g_t − p‖².
        let Some(toward) = (0..k).min_by(|&a, &b| products[a].total_cmp(&products[b])) else {
            return;
        };
        let gap = norm2 - products[toward];
        let distance2 = gram[toward * k + toward] - 2.0 * products[toward] + norm2;
        if gap <= 1e-15 * norm2.max(1e-300) || distance2 <= 0.0 {
            return;
        }
        let gamma = (gap / distance2).min(1.0);
        for (j, (weight, product)) in weights.iter_mut().zip(products.iter_mut()).enumerate() {
            *weight *= 1.0 - gamma;
            *product = (1.0 - gamma) * *product + gamma * gram[toward * k + j];
        }
        weights[toward] += gamma;
        norm2 = weights
            .iter()
            .zip(products.iter())
            .map(|(w, p)| w * p)
            .sum();
    }
}

/// MGDA's state: the latest step's task gradients and direction.
pub struct Mgda {
    config: MgdaConfig,
    tasks: TaskGradients,
    direction: DVector<f64>,
    /// Steps since the last reset, and the lr the latest one used, for [`Optimizer::explain`].
    explained_steps: u64,
    explained_lr: f64,
}

/// Names of the first task gradients and their arrows in explanations.
const TASK_SYMBOLS: [&str; 4] = ["g₁", "g₂", "g₃", "g₄"];
const TASK_ARROWS: [&str; 4] = ["−lr·g₁", "−lr·g₂", "−lr·g₃", "−lr·g₄"];

impl Optimizer for Mgda {
    fn step(&mut self, x: &mut DVector<f64>, oracle: &mut Oracle) -> StepInfo {
        let MgdaConfig { lr, tol } = self.config;
        ensure_len(&mut self.direction, x.len());
        let loss = self.tasks.evaluate(x, oracle);
        self.tasks.min_norm_point(&mut self.direction);
        self.explained_steps += 1;
        self.explained_lr = lr;
        let norm = self.direction.norm();
        if norm <= tol {
            // Pareto-stationary: no common descent direction, so the iterate stays.
            self.explained_lr = 0.0;
            return StepInfo::converged(loss, format!("Pareto-stationary: ‖d‖ = {norm:.1e} ≤ tol"));
        }
        x.axpy(-lr, &self.direction, 1.0);
        StepInfo::proceed(loss)
    }

    crate::optim::stateless::stateless_edits!(explained_steps);

    fn explain(&self) -> Vec<Quantity> {
        crate::optim::explain_once_stepped(self.explained_steps > 0, || {
            let lr = self.explained_lr;
            let grads = &self.tasks.grads;
            let mut quantities = self.tasks.gradient_quantities();
            if grads.len() == 2 {
                quantities.push(Quantity::scalar(
                    "α",
                    "clamp(((g₂ − g₁)·g₂)/‖g₁ − g₂‖², 0, 1)",
                    self.tasks.weights[0],
                ));
            } else {
                quantities.push(Quantity::vector(
                    "α",
                    "the hull weights (Frank–Wolfe)",
                    &self.tasks.weights,
                ));
            }
            quantities.push(Quantity::vector(
                "dₜ",
                "Σₖ αₖ·gₖ, the shortest point of the hull",
                self.direction.as_slice(),
            ));
            quantities.push(Quantity::scalar("‖dₜ‖", "0 when Pareto-stationary", {
                self.direction.norm()
            }));
            self.tasks.push_task_arrows(lr, &mut quantities);
            quantities.push(Quantity::arrow(
                ArrowKind::Preconditioned,
                "−lr·dₜ",
                "the step: down every task at once",
                self.direction.iter().map(|d| -lr * d),
            ));
            quantities
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::landscape::pareto::distance_to_polyline;
    use crate::landscape::{Landscape, TwoTasks};
    use crate::objective::{GradientModel, Objective};
    use crate::optim::StepOutcome;
    use crate::optim::test_support::{check_explained_steps, oracle_on};

    /// ‖α·g₁ + (1 − α)·g₂‖ over a fine grid of α: the brute-force minimum and where it is.
    fn brute_force(g1: [f64; 2], g2: [f64; 2]) -> (f64, f64) {
        (0..=100_000)
            .map(|i| {
                let alpha = i as f64 / 100_000.0;
                let d = [
                    alpha * g1[0] + (1.0 - alpha) * g2[0],
                    alpha * g1[1] + (1.0 - alpha) * g2[1],
                ];
                (d[0].hypot(d[1]), alpha)
            })
            .min_by(|a, b| a.0.total_cmp(&b.0))
            .unwrap_or((f64::NAN, f64::NAN))
    }

    fn closed_form(g1: [f64; 2], g2: [f64; 2]) -> (f64, f64) {
        let dot = |a: [f64; 2], b: [f64; 2]| a[0] * b[0] + a[1] * b[1];
        let alpha = min_norm_weight(dot(g1, g1), dot(g1, g2), dot(g2, g2));
        let d = [
            alpha * g1[0] + (1.0 - alpha) * g2[0],
            alpha * g1[1] + (1.0 - alpha) * g2[1],
        ];
        (d[0].hypot(d[1]), alpha)
    }

    #[test]
    fn the_direction_is_the_min_norm_point_of_the_hull() {
        let cases = [
            // Conflicting: the minimum is inside the segment.
            ([1.0, 0.2], [-3.0, 1.0]),
            ([2.0, -1.0], [-1.0, 3.0]),
            // Clamped at α = 1: g₁ is the hull's shortest point (g₁·g₂ ≥ ‖g₁‖²).
            ([0.5, 0.1], [4.0, 3.0]),
            // Clamped at α = 0: g₂ is.
            ([-3.0, 5.0], [0.0, 0.4]),
            // Opposite: 0 is in the hull.
            ([1.0, 2.0], [-2.0, -4.0]),
        ];
        let mut clamped = [false, false];
        for (g1, g2) in cases {
            let (norm, alpha) = closed_form(g1, g2);
            let (best, best_alpha) = brute_force(g1, g2);
            assert!(norm <= best + 1e-12, "{g1:?} {g2:?}: {norm} > {best}");
            assert!((alpha - best_alpha).abs() < 2e-5, "{alpha} vs {best_alpha}");
            clamped[0] |= alpha == 1.0;
            clamped[1] |= alpha == 0.0;
        }
        assert_eq!(clamped, [true, true]);
    }

    /// Three tasks with constant gradients: fₖ = cₖ·x.
    struct Linear3;
    const SLOPES: [[f64; 2]; 3] = [[2.0, 1.0], [-1.0, 2.0], [0.5, -2.5]];
    impl Objective for Linear3 {
        fn dim(&self) -> usize {
            2
        }
        fn value(&self, x: &DVector<f64>) -> f64 {
            SLOPES.iter().map(|c| c[0] * x[0] + c[1] * x[1]).sum()
        }
        fn value_and_grad(&self, x: &DVector<f64>, grad: &mut DVector<f64>) -> f64 {
            grad[0] = SLOPES.iter().map(|c| c[0]).sum();
            grad[1] = SLOPES.iter().map(|c| c[1]).sum();
            self.value(x)
        }
        fn num_tasks(&self) -> usize {
            3
        }
        fn task_value_and_grad(&self, task: usize, x: &DVector<f64>, g: &mut DVector<f64>) -> f64 {
            let c = SLOPES[task];
            (g[0], g[1]) = (c[0], c[1]);
            c[0] * x[0] + c[1] * x[1]
        }
    }

    #[test]
    fn three_tasks_take_the_min_norm_point_by_frank_wolfe_and_count_three_gradients() {
        let mut oracle = Oracle::new(Arc::new(Linear3), GradientModel::default(), 0);
        let mut optimizer = MgdaConfig { lr: 1.0, tol: 0.0 }.build(2);
        let mut x = DVector::zeros(2);
        optimizer.step(&mut x, &mut oracle);
        assert_eq!(oracle.counts().gradients, 3);
        // Brute force over the simplex on a grid of 1/400.
        let n = 400;
        let mut best = f64::INFINITY;
        for i in 0..=n {
            for j in 0..=(n - i) {
                let (a, b) = (i as f64 / n as f64, j as f64 / n as f64);
                let c = 1.0 - a - b;
                let d = [0, 1].map(|k| a * SLOPES[0][k] + b * SLOPES[1][k] + c * SLOPES[2][k]);
                best = best.min(d[0].hypot(d[1]));
            }
        }
        // x = −d after one step of lr 1 from 0.
        let found = x.norm();
        assert!(
            found <= best + 1e-9 && found > best - 0.02,
            "{found} vs {best}"
        );
    }

    #[test]
    fn one_step_by_hand_on_two_tasks() {
        // From (−2.5, −2): g₁ = (−1, −3), g₂ = 100·(¼·(−4), −1) = (−100, −100).
        // g₁·g₁ = 10, g₁·g₂ = 400, g₂·g₂ = 20000: g₁·g₂ ≥ ‖g₁‖², so α = 1 and d = g₁.
        let mut oracle = oracle_on(TwoTasks::default());
        let mut optimizer = MgdaConfig { lr: 0.1, tol: 0.0 }.build(2);
        let mut x = DVector::from_vec(vec![-2.5, -2.0]);
        let info = optimizer.step(&mut x, &mut oracle);
        assert!(
            (x[0] + 2.4).abs() < 1e-15 && (x[1] + 1.7).abs() < 1e-15,
            "{x}"
        );
        // The reported loss is f₁ + f₂ = ½(1 + 9) + 100·½(¼·16 + 1).
        assert!((info.loss - 255.0).abs() < 1e-12);
        assert_eq!(oracle.counts().gradients, 2);
    }

    #[test]
    fn stops_on_the_pareto_set_with_every_task_lowered_on_the_way() {
        let landscape = TwoTasks::default();
        let mut oracle = oracle_on(landscape.clone());
        // lr below 2/L, L = 100 the steeper task's largest curvature: every task goes down.
        let mut optimizer = MgdaConfig {
            lr: 0.015,
            ..MgdaConfig::default()
        }
        .build(2);
        let mut x = DVector::from_vec(landscape.default_start().to_vec());
        let task = |x: &DVector<f64>, k| landscape.task_value_and_gradient(k, [x[0], x[1]]).0;
        let mut stopped = None;
        for step in 0..2000 {
            let before = [task(&x, 0), task(&x, 1)];
            let info = optimizer.step(&mut x, &mut oracle);
            assert!(task(&x, 0) <= before[0] + 1e-12 && task(&x, 1) <= before[1] + 1e-12);
            if matches!(info.outcome, StepOutcome::Converged(_)) {
                stopped = Some(step);
                break;
            }
        }
        assert!(stopped.is_some(), "never Pareto-stationary: {x}");
        let set = landscape.pareto_set().unwrap_or_default();
        let distance = distance_to_polyline(&set, [x[0], x[1]]).unwrap_or(1.0);
        assert!(distance < 1e-4, "{x}: {distance}");
        // Not at the weighted sum's minimizer near (1.4, −1): the first Pareto point reached.
        assert!(x[0] < 0.0, "{x}");
    }

    #[test]
    fn explained_parts_add_up_to_the_step() {
        let mut optimizer = MgdaConfig::default().build(2);
        let mut oracle = oracle_on(TwoTasks::default());
        check_explained_steps(
            optimizer.as_mut(),
            &mut oracle,
            &[-2.5, -2.0],
            6,
            &[ArrowKind::Preconditioned],
            &[],
        );
    }

    #[test]
    fn one_task_is_gradient_descent() {
        let mut oracle = crate::optim::test_support::quadratic();
        let mut optimizer = MgdaConfig { lr: 0.1, tol: 0.0 }.build(2);
        let mut x = DVector::from_vec(vec![1.0, -1.0]);
        optimizer.step(&mut x, &mut oracle);
        // ∇f = (1, −4).
        assert!((x[0] - 0.9).abs() < 1e-15 && (x[1] + 0.6).abs() < 1e-15);
        assert_eq!(
            crate::hyper::Hypers::hypers(&MgdaConfig::default()).len(),
            2
        );
    }
}
