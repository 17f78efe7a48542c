//! The classical methods (Newton, Nesterov, heavy ball, ISTA, FISTA, projected and subgradient
//! descent) together: through presets and the engine, against each other and against torch's
//! momentum form.

use std::sync::Arc;

use nalgebra::DVector;
use optiviz::engine::{RunStatus, Session};
use optiviz::landscape::{LandscapeObjective, Quadratic};
use optiviz::objective::{GradientModel, Oracle};
use optiviz::optim::{
    ConstraintSet, FistaConfig, HeavyBallConfig, NesterovAgdConfig, NewtonConfig, OptimizerConfig,
    ProjectedGdConfig, ProximalGdConfig, Safeguard, SgdConfig, SubgradientConfig,
};
use optiviz::scenario;

fn oracle(quadratic: Quadratic) -> Oracle {
    Oracle::new(
        Arc::new(LandscapeObjective::new(Arc::new(quadratic))),
        GradientModel::default(),
        0,
    )
}

/// Runs a scenario to its end and returns the final status and point of every run.
fn run_to_end(source: &str) -> Vec<(RunStatus, [f64; 2])> {
    let scenario = scenario::parse(source, "classical.ron")
        .unwrap_or_else(|e| panic!("{e:?}"))
        .scenario;
    let saved = scenario::to_ron(&scenario).expect("scenarios serialize");
    assert_eq!(
        scenario::parse(&saved, "saved.ron")
            .expect("saved scenarios load")
            .scenario,
        scenario,
        "{saved}"
    );
    let mut session = Session::new(scenario);
    while !session.is_finished() {
        session.advance(100);
    }
    session
        .runs()
        .iter()
        .map(|run| (run.status().clone(), run.last_sample().point))
        .collect()
}

#[test]
fn every_classical_method_reaches_the_minimum_of_a_quadratic() {
    let configs = [
        OptimizerConfig::Newton(NewtonConfig::default()),
        OptimizerConfig::Newton(NewtonConfig {
            lr: 0.5,
            safeguard: Safeguard::AbsEig,
        }),
        OptimizerConfig::Newton(NewtonConfig {
            lr: 1.0,
            safeguard: Safeguard::Shift { mu: 1.0 },
        }),
        OptimizerConfig::NesterovAgd(NesterovAgdConfig { lr: 0.09 }),
        OptimizerConfig::HeavyBall(HeavyBallConfig::optimal_for_quadratic(1.0, 10.0)),
        OptimizerConfig::ProximalGd(ProximalGdConfig { lr: 0.15 }),
        OptimizerConfig::Fista(FistaConfig { lr: 0.09 }),
        OptimizerConfig::ProjectedGd(ProjectedGdConfig {
            lr: 0.15,
            set: ConstraintSet::L1Ball { radius: 0.5 },
        }),
        OptimizerConfig::Subgradient(SubgradientConfig { lr: 0.15 }),
    ];
    for config in configs {
        let mut checker = optiviz::validate::Checker::new();
        config.validate(&mut checker);
        assert!(checker.found.is_empty(), "{config:?}: {:?}", checker.found);
        let mut optimizer = config.build(2);
        let mut oracle = oracle(Quadratic {
            lambda1: 1.0,
            lambda2: 10.0,
            angle_deg: 30.0,
        });
        let mut x = DVector::from_vec(vec![1.0, -1.0]);
        for _ in 0..1000 {
            optimizer.step(&mut x, &mut oracle);
        }
        assert!(x.norm() < 1e-8, "{}: {x:?}", config.display_name());
    }
}

#[test]
fn heavy_ball_matches_torch_sgd_momentum_at_a_constant_lr() {
    // torch's xₖ₊₁ = xₖ − lr·bₖ with bₖ = μbₖ₋₁ + ∇f is Polyak's form with beta = μ.
    let quadratic = Quadratic {
        lambda1: 1.0,
        lambda2: 50.0,
        angle_deg: 25.0,
    };
    let mut heavy_ball = OptimizerConfig::HeavyBall(HeavyBallConfig {
        lr: 0.03,
        beta: 0.8,
    })
    .build(2);
    let mut sgd = OptimizerConfig::Sgd(SgdConfig {
        lr: 0.03,
        momentum: 0.8,
        ..SgdConfig::default()
    })
    .build(2);
    let (mut oracle_a, mut oracle_b) = (oracle(quadratic.clone()), oracle(quadratic));
    let mut a = DVector::from_vec(vec![1.0, 1.0]);
    let mut b = a.clone();
    for step in 1..=200 {
        heavy_ball.step(&mut a, &mut oracle_a);
        sgd.step(&mut b, &mut oracle_b);
        assert!((&a - &b).amax() < 1e-14, "step {step}: {a:?} vs {b:?}");
    }
}

#[test]
fn only_the_extrapolating_methods_draw_a_second_point() {
    for config in OptimizerConfig::catalog() {
        let mut optimizer = config.build(2);
        let mut oracle = oracle(Quadratic::default());
        let mut x = DVector::from_vec(vec![1.0, 1.0]);
        optimizer.step(&mut x, &mut oracle);
        let expected = matches!(
            config,
            OptimizerConfig::NesterovAgd(_) | OptimizerConfig::Fista(_)
        );
        if matches!(
            config,
            OptimizerConfig::Sgd(_)
                | OptimizerConfig::HeavyBall(_)
                | OptimizerConfig::NesterovAgd(_)
                | OptimizerConfig::Newton(_)
                | OptimizerConfig::Subgradient(_)
                | OptimizerConfig::ProximalGd(_)
                | OptimizerConfig::Fista(_)
                | OptimizerConfig::ProjectedGd(_)
        ) {
            assert_eq!(
                optimizer.auxiliary_point().is_some(),
                expected,
                "{}",
                config.name()
            );
        }
    }
}

#[test]
fn newton_preset_shows_the_saddle_lesson() {
    // From the same start pure Newton jumps onto the saddle (and stays: ∇f = 0 there), the
    // saddle-free variant leaves along −y… towards −∞.
    let results = run_to_end(
        "Scenario(
            problem: Landscape(Saddle()),
            steps: 40,
            runs: [
                Run(label: \"Newton\", optimizer: Newton(), start: (1.5, 0.01)),
                Run(label: \"saddle-free\", optimizer: Newton(safeguard: AbsEig), start: (1.5, 0.01)),
                Run(label: \"damped\", optimizer: Newton(lr: 0.5, safeguard: Shift(mu: 3.0)), start: (1.5, 0.01)),
            ],
        )",
    );
    assert_eq!(results[0].0, RunStatus::Finished);
    assert_eq!(results[0].1, [0.0, 0.0]);
    assert!(
        matches!(results[1].0, RunStatus::Unbounded { .. }),
        "{:?}",
        results[1]
    );
    assert!(
        matches!(results[2].0, RunStatus::Unbounded { .. }),
        "{:?}",
        results[2]
    );
}

#[test]
fn a_singular_newton_system_stops_the_run_with_a_reason() {
    let results = run_to_end(
        "Scenario(
            problem: Landscape(LineOfMinima()),
            steps: 10,
            runs: [
                Run(label: \"Newton\", optimizer: Newton(), start: (0.0, 0.0)),
                Run(label: \"damped\", optimizer: Newton(safeguard: Shift(mu: 0.01)), start: (0.0, 0.0)),
            ],
        )",
    );
    let RunStatus::Diverged { step, reason } = &results[0].0 else {
        panic!("{:?}", results[0]);
    };
    assert_eq!(*step, 1);
    assert!(
        reason.starts_with("singular Hessian at (0.0000, 0.0000)"),
        "{reason}"
    );
    assert_eq!(results[0].1, [0.0, 0.0]);
    // H + μI is invertible; the step along a = (1, 2) lands (almost) on the minimum-norm
    // solution (0.4, 0.8).
    assert_eq!(results[1].0, RunStatus::Finished);
    let [x, y] = results[1].1;
    assert!((x - 0.4).abs() < 1e-9 && (y - 0.8).abs() < 1e-9, "{x}, {y}");
}

#[test]
fn lasso_preset_separates_subgradient_from_proximal_methods() {
    let results = run_to_end(
        "Scenario(
            problem: Landscape(Lasso()),
            steps: 300,
            runs: [
                Run(label: \"subgradient\", optimizer: Subgradient(lr: 0.05)),
                Run(label: \"ISTA\", optimizer: ProximalGd(lr: 0.1)),
                Run(label: \"FISTA\", optimizer: Fista(lr: 0.1)),
                Run(label: \"box\", optimizer: ProjectedGd(lr: 0.1, set: Box(lo: (0.5, 0.0), hi: (1.0, 0.5)))),
            ],
        )",
    );
    // The subgradient method chatters across x = 0; the proximal ones land on it exactly.
    assert!(
        results[0].1[0] != 0.0 && results[0].1[0].abs() < 0.2,
        "{:?}",
        results[0]
    );
    assert_eq!(results[1].1[0], 0.0);
    assert_eq!(results[2].1[0], 0.0);
    assert!((results[1].1[1] - results[2].1[1]).abs() < 1e-12);
    // Projected (sub)gradient descent on the box [0.5, 1] × [0, 0.5] ends in its corner
    // (0.5, 0.5), where −∂f points out of the box: ∂f/∂x ≥ 0 against x ≥ 0.5, ∂f/∂y ≤ 0 against
    // y ≤ 0.5 (the unconstrained solution (0, 0.78) is up and to the left).
    assert_eq!(results[3].1, [0.5, 0.5]);
    assert!(
        results
            .iter()
            .all(|(status, _)| *status == RunStatus::Finished)
    );
}

#[test]
fn subgradient_with_a_decaying_schedule_converges_on_abs() {
    let results = run_to_end(
        "Scenario(
            problem: Landscape(Abs()),
            steps: 2000,
            runs: [
                Run(optimizer: Subgradient(lr: 0.1), start: (1.53, 0.97)),
                Run(optimizer: Subgradient(lr: 0.1), start: (1.53, 0.97), schedule: InverseTime(t0: 10.0, power: 1.0)),
            ],
        )",
    );
    let distance = |i: usize| results[i].1[0].hypot(results[i].1[1]);
    assert!(distance(0) > 0.02, "{:?}", results[0]);
    assert!(distance(1) < 1e-3, "{:?}", results[1]);
}
