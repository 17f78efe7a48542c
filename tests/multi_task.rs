//! Multi-task problems: MGDA and PCGrad are refused on problems with one task loss (located, named),
//! task gradients are counted and seen through transforms, and the Pareto set moves with them.

use std::sync::Arc;

use nalgebra::DVector;
use optiviz::landscape::{
    Landscape, LandscapeConfig, LandscapeObjective, Transform, TwoTasks,
    pareto::distance_to_polyline,
};
use optiviz::objective::{GradientModel, Objective, Oracle};
use optiviz::scenario;

fn preset(problem: &str, optimizer: &str) -> String {
    format!(
        "Scenario(\n    problem: Landscape({problem}),\n    steps: 10,\n    runs: [\n        Run(label: \"a\", optimizer: Sgd(lr: 0.01)),\n        Run(label: \"b\", optimizer: {optimizer}),\n    ],\n)\n"
    )
}

#[test]
fn a_multi_task_method_on_a_one_task_problem_is_refused_where_it_is_written() {
    for (optimizer, name) in [("Mgda(lr: 0.1)", "MGDA"), ("PcGrad()", "PCGrad")] {
        let source = preset("Quadratic()", optimizer);
        let error = match scenario::parse(&source, "bad.ron") {
            Ok(_) => panic!("{optimizer} on Quadratic loaded"),
            Err(error) => error,
        };
        let expected =
            format!("{name} needs a problem with several task losses; Quadratic has one");
        // Line 6 is the second run; the optimizer field's value starts after "optimizer: ".
        let column = source
            .lines()
            .nth(5)
            .and_then(|l| l.find(optimizer))
            .unwrap_or(0)
            + 1;
        let found = error
            .0
            .iter()
            .any(|d| d.message == expected && d.position.line == 6 && d.position.col == column);
        assert!(found, "{optimizer}: {error}");
        // On the two-task landscape the same run loads.
        let fine = preset("TwoTasks()", optimizer);
        assert!(scenario::parse(&fine, "fine.ron").is_ok(), "{optimizer}");
    }
}

#[test]
fn the_problem_counts_its_tasks_without_building_and_the_built_one_agrees() {
    for config in LandscapeConfig::catalog() {
        let problem = scenario::Problem::Landscape(config.clone());
        let built = LandscapeObjective::new(config.build());
        assert_eq!(problem.num_tasks(), built.num_tasks(), "{}", config.name());
        assert_eq!(
            problem.num_tasks() == 2,
            matches!(config, LandscapeConfig::TwoTasks(_))
        );
    }
}

#[test]
fn every_task_gradient_is_one_counted_gradient_evaluation() {
    let objective = LandscapeObjective::new(Arc::new(TwoTasks::default()));
    let mut oracle = Oracle::new(Arc::new(objective), GradientModel::default(), 0);
    let x = DVector::from_vec(vec![0.5, 0.5]);
    let mut grad = DVector::zeros(2);
    let f1 = oracle.task_value_and_grad(0, &x, &mut grad);
    // f₁ = ½(2² + 0.5²), ∇f₁ = (2, −0.5).
    assert_eq!((f1, grad[0], grad[1]), (2.125, 2.0, -0.5));
    let f2 = oracle.task_value_and_grad(1, &x, &mut grad);
    // f₂ = 100·½(¼·1 + 1.5²), ∇f₂ = 100·(−0.25, 1.5).
    assert!((f2 - 125.0).abs() < 1e-12 && (grad[0] + 25.0).abs() < 1e-12);
    assert_eq!(oracle.counts().gradients, 2);
    // Clipping applies to each task's gradient as to any gradient.
    let model = GradientModel {
        clip: Some(1.0),
        ..GradientModel::default()
    };
    let objective = LandscapeObjective::new(Arc::new(TwoTasks::default()));
    let mut clipped = Oracle::new(Arc::new(objective), model, 0);
    clipped.task_value_and_grad(1, &x, &mut grad);
    assert!((grad.norm() - 1.0).abs() < 1e-5, "{grad}");
}

#[test]
fn a_transformed_two_task_landscape_keeps_its_tasks_and_moves_its_pareto_set() {
    let transform = Transform {
        rotation_deg: 30.0,
        scale: (2.0, 0.5),
    };
    let inner: Arc<dyn Landscape> = Arc::new(TwoTasks::default());
    let moved = transform.apply(inner.clone());
    assert_eq!(moved.num_tasks(), 2);
    let set = moved.pareto_set().unwrap_or_default();
    assert_eq!(set.len(), inner.pareto_set().unwrap_or_default().len());
    // On the moved set the two task gradients are still opposed, and the sum's minimizer is on it.
    for &p in set.iter().skip(7).step_by(100) {
        let (_, g1) = moved.task_value_and_gradient(0, p);
        let (_, g2) = moved.task_value_and_gradient(1, p);
        let cosine = (g1[0] * g2[0] + g1[1] * g2[1]) / (g1[0].hypot(g1[1]) * g2[0].hypot(g2[1]));
        assert!((cosine + 1.0).abs() < 1e-9, "{p:?}: {cosine}");
    }
    let optiviz::landscape::Minimizers::Points(minima) = moved.minimizers() else {
        panic!("one minimizer")
    };
    assert!(distance_to_polyline(&set, minima[0].point).unwrap_or(1.0) < 1e-4);
}

#[test]
fn distance_to_a_polyline() {
    let line = [[0.0, 0.0], [2.0, 0.0], [2.0, 2.0]];
    assert_eq!(distance_to_polyline(&line, [1.0, 1.0]), Some(1.0));
    assert_eq!(distance_to_polyline(&line, [3.0, 3.0]), Some(2f64.sqrt()));
    assert_eq!(distance_to_polyline(&line, [-3.0, 4.0]), Some(5.0));
    assert_eq!(distance_to_polyline(&[[1.0, 1.0]], [4.0, 5.0]), Some(5.0));
    assert_eq!(distance_to_polyline(&[], [0.0, 0.0]), None);
}
