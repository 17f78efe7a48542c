//! Two tasks: two quadratic task losses of very different scale over the same two parameters, and
//! their Pareto set (multi-task learning).
//!
//! f₁(x, y) = ½((x + 1.5)² + (y − 1)²), a round bowl with minimizer m₁ = (−1.5, 1);
//! f₂(x, y) = scale·½(¼(x − 1.5)² + (y + 1)²), a bowl stretched along x with minimizer
//! m₂ = (1.5, −1), `scale` times steeper. The landscape is their weighted sum
//! f = w·f₁ + (1 − w)·f₂ with w = `weight`; multi-task methods (MGDA, PCGrad) ask for ∇f₁ and ∇f₂
//! separately, unweighted. Domain ℝ².
//!
//! Writing fₖ = ½(p − mₖ)ᵀAₖ(p − mₖ), the **Pareto set** — the points where no move lowers both
//! losses, so that improving one task costs the other — is {argmin s·f₁ + (1 − s)·f₂/scale : s ∈ [0, 1]}
//! (rescaling a task does not change which points are Pareto optimal), for quadratics in closed
//! form: (s·A₁ + (1 − s)·A₂)·p = s·A₁m₁ + (1 − s)·A₂m₂, a curve from m₁ (s = 1) to m₂ (s = 0),
//! here x(s) = (0.375 − 1.875s)/(0.25 + 0.75s), y(s) = 2s − 1. It does not depend on `scale`. On
//! it the two task gradients point in opposite directions (there is no common descent direction:
//! the point is Pareto-stationary).
//!
//! The minimizer of the sum is the point of the Pareto set with s = w/(w + (1 − w)·scale): with
//! scale = 100 and w = ½, s ≈ 0.01, next to the steep task's minimizer m₂ — the weighted sum is
//! decided by the scales of the losses more than by the weight. Hessian
//! diag(w + (1 − w)·scale/4, w + (1 − w)·scale) everywhere.
//!
//! Reference: J.-A. Désidéri, "Multiple-gradient descent algorithm (MGDA) for multiobjective
//! optimization", Comptes Rendus Mathématique 350 (2012); O. Sener & V. Koltun, "Multi-task learning
//! as multi-objective optimization", NeurIPS 2018 (the Pareto set and scale of task losses);
//! K. Miettinen, *Nonlinear Multiobjective Optimization* (1999), §2.6 (weighted sums).
//! Defaults: weight = 0.5, scale = 100; view [−3.5, 3.5] × [−2.5, 2.5]; start (−2.5, −2).

use serde::{Deserialize, Serialize};

use super::{Landscape, LandscapeSpec, Matrix2, Minimizers, Minimum, Point, ViewWindow};
use crate::hyper::hyper_table;

/// f = w·f₁ + (1 − w)·f₂ with f₁, f₂ two quadratics, f₂ `scale` times steeper.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TwoTasks {
    /// w: the weight of task 1 in the sum (task 2 gets 1 − w).
    pub weight: f64,
    /// How many times steeper task 2's loss is than task 1's.
    pub scale: f64,
}

hyper_table! {
    TwoTasks, owner: "TwoTasks", defaults {};
    weight = 0.5: float(0.0, 1.0) where in_range(0.0, 1.0),
        "f = w·f₁ + (1 − w)·f₂: the weight w of task 1 in the sum";
    scale = 100.0: log_float(0.01, 1000.0) where positive,
        "f₂ = scale·½(¼(x − 1.5)² + (y + 1)²): how much steeper task 2 is";
}

/// Task 1's minimizer m₁ and Hessian diagonal A₁.
const MINIMIZER_1: Point = [-1.5, 1.0];
const DIAGONAL_1: Point = [1.0, 1.0];
/// Task 2's minimizer m₂ and Hessian diagonal A₂ (before `scale`).
const MINIMIZER_2: Point = [1.5, -1.0];
const DIAGONAL_2: Point = [0.25, 1.0];
/// Points of the drawn Pareto set (its chords stay within 6e-6 of the curve).
const PARETO_POINTS: usize = 513;

/// argmin s·f₁ + (1 − s)·f₂ for the diagonal quadratics with diagonals `a1`, `a2`: coordinate by
/// coordinate (s·a₁mₖ₁ + (1 − s)·a₂mₖ₂)/(s·a₁ + (1 − s)·a₂).
fn weighted_minimizer(s: f64, a1: Point, a2: Point) -> Point {
    let coordinate = |k: usize| {
        let (w1, w2) = (s * a1[k], (1.0 - s) * a2[k]);
        (w1 * MINIMIZER_1[k] + w2 * MINIMIZER_2[k]) / (w1 + w2)
    };
    [coordinate(0), coordinate(1)]
}

/// ½(p − m)ᵀdiag(a)(p − m) and its gradient.
fn bowl(p: Point, m: Point, a: Point) -> (f64, Point) {
    let (dx, dy) = (p[0] - m[0], p[1] - m[1]);
    (
        0.5 * (a[0] * dx * dx + a[1] * dy * dy),
        [a[0] * dx, a[1] * dy],
    )
}

impl TwoTasks {
    /// Task 2's Hessian diagonal, scale·A₂.
    fn diagonal_2(&self) -> Point {
        [self.scale * DIAGONAL_2[0], self.scale * DIAGONAL_2[1]]
    }

    /// The Hessian diagonal of the sum, w·A₁ + (1 − w)·scale·A₂.
    fn sum_diagonal(&self) -> Point {
        let (w, a2) = (self.weight, self.diagonal_2());
        [
            w * DIAGONAL_1[0] + (1.0 - w) * a2[0],
            w * DIAGONAL_1[1] + (1.0 - w) * a2[1],
        ]
    }
}

impl LandscapeSpec for TwoTasks {
    const DESCRIPTION: &'static str =
        "w·f₁ + (1 − w)·f₂: two quadratic tasks of very different scale and their Pareto set";

    fn num_tasks(&self) -> usize {
        2
    }
}

impl Landscape for TwoTasks {
    fn value(&self, p: Point) -> f64 {
        self.value_and_gradient(p).0
    }

    fn value_and_gradient(&self, p: Point) -> (f64, Point) {
        let w = self.weight;
        let (f1, g1) = self.task_value_and_gradient(0, p);
        let (f2, g2) = self.task_value_and_gradient(1, p);
        (
            w * f1 + (1.0 - w) * f2,
            [w * g1[0] + (1.0 - w) * g2[0], w * g1[1] + (1.0 - w) * g2[1]],
        )
    }

    fn hessian(&self, _p: Point) -> Matrix2 {
        let d = self.sum_diagonal();
        [[d[0], 0.0], [0.0, d[1]]]
    }

    fn minimizers(&self) -> Minimizers {
        let d = self.sum_diagonal();
        let point = weighted_minimizer(self.weight, DIAGONAL_1, self.diagonal_2());
        Minimizers::Points(vec![Minimum {
            point,
            value: self.value(point),
            curvature: [d[0].min(d[1]), d[0].max(d[1])],
        }])
    }

    fn view(&self) -> ViewWindow {
        ViewWindow::centred(3.5, 2.5)
    }

    fn default_start(&self) -> Point {
        [-2.5, -2.0]
    }

    fn num_tasks(&self) -> usize {
        2
    }

    /// Task 0 is f₁, task 1 (and any other index) f₂.
    fn task_value_and_gradient(&self, task: usize, p: Point) -> (f64, Point) {
        if task == 0 {
            bowl(p, MINIMIZER_1, DIAGONAL_1)
        } else {
            bowl(p, MINIMIZER_2, self.diagonal_2())
        }
    }

    fn pareto_set(&self) -> Option<Vec<Point>> {
        let last = (PARETO_POINTS - 1) as f64;
        Some(
            (0..PARETO_POINTS)
                .map(|i| weighted_minimizer(1.0 - i as f64 / last, DIAGONAL_1, DIAGONAL_2))
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::landscape::pareto::distance_to_polyline;

    fn dot(a: Point, b: Point) -> f64 {
        a[0] * b[0] + a[1] * b[1]
    }

    #[test]
    fn gradients_match_finite_differences() {
        let f = TwoTasks {
            weight: 0.3,
            scale: 7.0,
        };
        let h = 1e-6;
        for p in [[0.3, -0.7], [-2.0, 1.5]] {
            for task in 0..2 {
                let (_, g) = f.task_value_and_gradient(task, p);
                for k in 0..2 {
                    let (mut up, mut down) = (p, p);
                    up[k] += h;
                    down[k] -= h;
                    let difference = (f.task_value_and_gradient(task, up).0
                        - f.task_value_and_gradient(task, down).0)
                        / (2.0 * h);
                    assert!((difference - g[k]).abs() < 1e-6, "{task} {k}");
                }
            }
            // The sum's gradient is the weighted sum of the tasks'.
            let (value, g) = f.value_and_gradient(p);
            let (f1, g1) = f.task_value_and_gradient(0, p);
            let (f2, g2) = f.task_value_and_gradient(1, p);
            assert!((value - (0.3 * f1 + 0.7 * f2)).abs() < 1e-12);
            assert!((g[1] - (0.3 * g1[1] + 0.7 * g2[1])).abs() < 1e-12);
        }
    }

    #[test]
    fn the_sum_is_minimized_next_to_the_steep_tasks_minimizer() {
        let f = TwoTasks::default();
        let Minimizers::Points(points) = f.minimizers() else {
            panic!("one minimizer")
        };
        let m = points[0].point;
        // x = (0.5·(−1.5) + 0.5·25·1.5)/(0.5 + 12.5), y = (0.5 − 50)/(0.5 + 50).
        assert!((m[0] - 18.0 / 13.0).abs() < 1e-12 && (m[1] + 49.5 / 50.5).abs() < 1e-12);
        let (_, g) = f.value_and_gradient(m);
        assert!(g[0].abs() < 1e-12 && g[1].abs() < 1e-12);
        assert_eq!(points[0].curvature, [13.0, 50.5]);
        // It lies on the Pareto set, which runs from m₁ to m₂.
        let set = f.pareto_set().unwrap_or_default();
        assert_eq!((set[0], set[set.len() - 1]), (MINIMIZER_1, MINIMIZER_2));
        assert!(distance_to_polyline(&set, m).unwrap_or(1.0) < 1e-5);
    }

    #[test]
    fn on_the_pareto_set_the_task_gradients_are_opposed_and_off_it_they_are_not() {
        let f = TwoTasks::default();
        let set = f.pareto_set().unwrap_or_default();
        for &p in set.iter().skip(1).step_by(64) {
            let (_, g1) = f.task_value_and_gradient(0, p);
            let (_, g2) = f.task_value_and_gradient(1, p);
            let cosine = dot(g1, g2) / (dot(g1, g1) * dot(g2, g2)).sqrt();
            assert!((cosine + 1.0).abs() < 1e-9, "{p:?}: {cosine}");
        }
        // Off the set (the default start) both tasks have a common descent direction.
        let p = f.default_start();
        let (_, g1) = f.task_value_and_gradient(0, p);
        let (_, g2) = f.task_value_and_gradient(1, p);
        assert!(dot(g1, g2) > 0.0);
        assert!(distance_to_polyline(&set, p).unwrap_or(0.0) > 1.0);
        // The set does not depend on the scale of the tasks.
        let flat = TwoTasks {
            scale: 1.0,
            ..TwoTasks::default()
        };
        assert_eq!(flat.pareto_set(), f.pareto_set());
    }
}
