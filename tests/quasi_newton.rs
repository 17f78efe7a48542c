//! Adadelta, Rprop, ASGD, L-BFGS, BFGS and the line searches through the public API: hand-computed
//! steps, convergence on Rosenbrock and quadratics, the strong Wolfe and Armijo conditions, probes,
//! tolerance stops seen by the engine, and presets naming these optimizers.

use std::sync::Arc;

use nalgebra::DVector;
use optiviz::engine::{RunStatus, Session};
use optiviz::landscape::{Landscape, LandscapeObjective, Quadratic, Rosenbrock};
use optiviz::objective::{GradientModel, Oracle};
use optiviz::optim::linesearch::{
    ArmijoParams, Slot, WolfeParams, backtracking, cubic_interpolate, strong_wolfe,
};
use optiviz::optim::{
    AdadeltaConfig, AsgdConfig, BfgsConfig, LbfgsConfig, LineSearchFn, OptimizerConfig,
    RpropConfig, StepOutcome,
};
use optiviz::scenario;

fn oracle(landscape: impl Landscape + 'static) -> Oracle {
    Oracle::new(
        Arc::new(LandscapeObjective::new(Arc::new(landscape))),
        GradientModel::default(),
        0,
    )
}

/// f = ½(x² + 4y²): ∇f = (x, 4y), f(1, 1) = 2.5.
fn diagonal() -> Quadratic {
    Quadratic {
        lambda1: 1.0,
        lambda2: 4.0,
        angle_deg: 0.0,
    }
}

/// Steps `config` from `start`, stopping at the first non-Continue outcome; returns the iterates
/// and the last outcome.
fn run(
    config: OptimizerConfig,
    landscape: impl Landscape + 'static,
    start: [f64; 2],
    max_steps: usize,
) -> (Vec<[f64; 2]>, StepOutcome, Oracle) {
    let mut optimizer = config.build(2);
    let mut oracle = oracle(landscape);
    let mut x = DVector::from_vec(start.to_vec());
    let mut points = Vec::new();
    let mut outcome = StepOutcome::Continue;
    for _ in 0..max_steps {
        oracle.begin_step();
        outcome = optimizer.step(&mut x, &mut oracle).outcome;
        points.push([x[0], x[1]]);
        if outcome != StepOutcome::Continue {
            break;
        }
    }
    (points, outcome, oracle)
}

fn assert_close(actual: [f64; 2], expected: [f64; 2], what: &str) {
    for k in 0..2 {
        assert!(
            (actual[k] - expected[k]).abs() < 1e-14,
            "{what}: {actual:?} vs {expected:?}"
        );
    }
}

#[test]
fn adadelta_first_step_by_hand() {
    // g = (1, 4), v = 0.1·g² = (0.1, 1.6), Δ = √(0 + 1e-6)/√(v + 1e-6)·g, x₁ = x₀ − 1·Δ.
    let (points, _, _) = run(
        OptimizerConfig::Adadelta(AdadeltaConfig::default()),
        diagonal(),
        [1.0, 1.0],
        1,
    );
    let expected = [
        1.0 - 1e-3 / 0.100001f64.sqrt(),
        1.0 - 4e-3 / 1.600001f64.sqrt(),
    ];
    assert_close(points[0], expected, "Adadelta");
}

#[test]
fn rprop_three_steps_by_hand() {
    // lr = 0.3 from (1, 0.2): Δ = (0.3, 0.3) → (0.7, −0.1); y's gradient flips sign: Δ_y = 0.15
    // and y waits → (0.7 − 0.36, −0.1) = (0.34, −0.1); then Δ = (0.432, 0.15) → (−0.092, 0.05).
    let (points, _, _) = run(
        OptimizerConfig::Rprop(RpropConfig {
            lr: 0.3,
            ..RpropConfig::default()
        }),
        diagonal(),
        [1.0, 0.2],
        3,
    );
    assert_close(points[0], [0.7, -0.1], "Rprop step 1");
    assert_close(points[1], [0.34, -0.1], "Rprop step 2");
    assert_close(points[2], [-0.092, 0.05], "Rprop step 3");
}

#[test]
fn asgd_first_steps_and_average_by_hand() {
    // lr = 0.1, lambd = 0.5: x₁ = (1, 1)·(1 − 0.05) − 0.1·(1, 4) = (0.85, 0.55);
    // η₂ = 0.1/1.05^0.75: x₂ = x₁·(1 − 0.5·η₂) − η₂·(0.85, 2.2).
    let config = OptimizerConfig::Asgd(AsgdConfig {
        lr: 0.1,
        lambd: 0.5,
        t0: 0.0,
        ..AsgdConfig::default()
    });
    let mut asgd = config.build(2);
    let mut oracle = oracle(diagonal());
    let mut x = DVector::from_vec(vec![1.0, 1.0]);
    asgd.step(&mut x, &mut oracle);
    assert_close([x[0], x[1]], [0.85, 0.55], "ASGD step 1");
    let x1 = x.clone();
    asgd.step(&mut x, &mut oracle);
    let eta = 0.1 / 1.05f64.powf(0.75);
    let x2 = [
        0.85 * (1.0 - 0.5 * eta) - eta * 0.85,
        0.55 * (1.0 - 0.5 * eta) - eta * 2.2,
    ];
    assert_close([x[0], x[1]], x2, "ASGD step 2");
    // With t0 = 0 the average restarts at step 2 (μ = 1/max(1, t − t0)): x̄ = x₂, then the mean.
    let average = asgd.auxiliary_point().expect("average");
    assert_close([average[0], average[1]], x2, "ASGD average");
    asgd.step(&mut x, &mut oracle);
    let average = asgd.auxiliary_point().expect("average");
    let mean = [(x2[0] + x[0]) / 2.0, (x2[1] + x[1]) / 2.0];
    assert_close([average[0], average[1]], mean, "ASGD average of x₂, x₃");
    assert_ne!(x1, x);
}

#[test]
fn lbfgs_first_iteration_by_hand_with_and_without_line_search() {
    // d = −g = (−1, −4), t = min(1, 1/‖g‖₁)·lr = 0.2. Along d, φ(t) = ½((1 − t)² + 4(1 − 4t)²),
    // φ′(0) = −17, φ′(0.2) = −0.8 − 3.2 = −4: |−4| ≤ 0.9·17, so the strong-Wolfe search accepts its
    // first trial. Both settings land on (0.8, 0.2); the line search evaluated once (one probe).
    for line_search_fn in [None, Some(LineSearchFn::StrongWolfe)] {
        let (points, outcome, oracle) = run(
            OptimizerConfig::Lbfgs(LbfgsConfig {
                line_search_fn,
                ..LbfgsConfig::default()
            }),
            diagonal(),
            [1.0, 1.0],
            1,
        );
        assert_eq!(outcome, StepOutcome::Continue);
        assert_close(points[0], [0.8, 0.2], "L-BFGS first iteration");
        let probes = usize::from(line_search_fn.is_some());
        assert_eq!(oracle.probes().len(), probes);
        assert_eq!(oracle.counts().gradients, 1 + probes as u64);
    }
}

#[test]
fn bfgs_and_lbfgs_with_strong_wolfe_solve_rosenbrock_from_minus_1_5_2() {
    // tolerance_change = 1e-15 so that only tolerance_grad ends the runs (torch's 1e-9 stops
    // L-BFGS's gᵀd test near f ≈ 2e-10).
    let configs = [
        OptimizerConfig::Lbfgs(LbfgsConfig {
            line_search_fn: Some(LineSearchFn::StrongWolfe),
            tolerance_change: 1e-15,
            ..LbfgsConfig::default()
        }),
        OptimizerConfig::Bfgs(BfgsConfig {
            tolerance_change: 1e-15,
            ..BfgsConfig::default()
        }),
    ];
    for config in configs {
        let name = config.display_name();
        let (points, outcome, _) = run(config, Rosenbrock::default(), [-1.5, 2.0], 60);
        let last = points[points.len() - 1];
        let f = Rosenbrock::default().value(last);
        assert!(f < 1e-10, "{name}: f = {f} after {} steps", points.len());
        assert!(points.len() < 60, "{name}: {} steps", points.len());
        assert!(
            matches!(outcome, StepOutcome::Converged(_)),
            "{name}: {outcome:?}"
        );
    }
}

#[test]
fn lbfgs_with_strong_wolfe_solves_a_2d_quadratic_in_three_iterations() {
    let quadratic = Quadratic {
        lambda1: 1.0,
        lambda2: 10.0,
        angle_deg: 30.0,
    };
    let config = OptimizerConfig::Lbfgs(LbfgsConfig {
        line_search_fn: Some(LineSearchFn::StrongWolfe),
        ..LbfgsConfig::default()
    });
    let (points, outcome, _) = run(config, quadratic, [1.0, 1.0], 3);
    let last = points[points.len() - 1];
    assert!(last[0].hypot(last[1]) < 1e-12, "{points:?}");
    assert!(matches!(outcome, StepOutcome::Converged(_)), "{outcome:?}");
}

type Phi = fn(f64) -> (f64, f64);

/// 1-D test functions φ(t) with φ′(0) < 0 and a first trial step.
fn line_functions() -> Vec<(&'static str, Phi, f64)> {
    vec![
        (
            "parabola, far minimum",
            |t| ((t - 20.0).powi(2), 2.0 * (t - 20.0)),
            0.1,
        ),
        (
            "parabola, overshoot",
            |t| ((t - 0.3).powi(2), 2.0 * (t - 0.3)),
            5.0,
        ),
        (
            "quartic",
            |t| ((t - 0.05).powi(4), 4.0 * (t - 0.05).powi(3)),
            1.0,
        ),
        ("cosine", |t| ((t + 0.5).cos(), -(t + 0.5).sin()), 4.0),
        (
            "wiggly parabola",
            |t| {
                (
                    (t - 0.3).powi(2) + 0.05 * (7.0 * t).sin(),
                    2.0 * (t - 0.3) + 0.35 * (7.0 * t).cos(),
                )
            },
            4.0,
        ),
        // N&W's Fig. 3.7-style slowly flattening function: many extrapolations.
        (
            "saturating",
            |t| (-(t / (1.0 + t)), -1.0 / (1.0 + t).powi(2)),
            1e-3,
        ),
    ]
}

#[test]
fn strong_wolfe_returns_points_satisfying_both_conditions() {
    let params = WolfeParams::default();
    for (name, phi, t0) in line_functions() {
        let (f0, g0) = phi(0.0);
        let mut evaluate = |t: f64, _slot: usize| phi(t);
        let result = strong_wolfe(&mut evaluate, t0, f0, g0, 1.0, &params);
        let (f, g) = phi(result.t);
        assert!(result.t > 0.0 && result.evals <= 26, "{name}: {result:?}");
        assert_eq!((result.f, result.gtd), (f, g), "{name}");
        assert!(
            f <= f0 + params.c1 * result.t * g0,
            "{name}: sufficient decrease"
        );
        assert!(g.abs() <= -params.c2 * g0, "{name}: curvature, φ′ = {g}");
        assert_ne!(result.slot, Slot::Start);
    }
    // The interpolation step itself: exact on a parabola.
    assert_eq!(
        cubic_interpolate(0.0, 4.0, -4.0, 1.0, 1.0, -2.0, Some((0.0, 10.0))),
        2.0
    );
}

#[test]
fn armijo_backtracking_satisfies_sufficient_decrease() {
    let params = ArmijoParams::default();
    for (name, phi, _) in line_functions() {
        let (f0, g0) = phi(0.0);
        let mut trials = Vec::new();
        let mut evaluate = |t: f64, _slot: usize| {
            trials.push(t);
            phi(t)
        };
        let result = backtracking(&mut evaluate, 1.0, f0, g0, &params);
        assert!(result.t > 0.0, "{name}");
        assert!(result.f <= f0 + params.c1 * result.t * g0, "{name}");
        // Each rejected trial was halved, and the accepted one is the last.
        for pair in trials.windows(2) {
            assert_eq!(pair[1], pair[0] * params.rho);
        }
        assert_eq!(trials.last(), Some(&result.t));
    }
}

#[test]
fn line_search_trials_are_recorded_as_probes() {
    for config in [
        OptimizerConfig::Lbfgs(LbfgsConfig {
            line_search_fn: Some(LineSearchFn::StrongWolfe),
            ..LbfgsConfig::default()
        }),
        OptimizerConfig::Bfgs(BfgsConfig::default()),
        OptimizerConfig::Bfgs(BfgsConfig {
            line_search_fn: None,
            ..BfgsConfig::default()
        }),
    ] {
        let mut optimizer = config.build(2);
        let mut oracle = oracle(Rosenbrock::default());
        let mut x = DVector::from_vec(vec![-1.2, 1.0]);
        let mut total_probes = 0;
        for _ in 0..10 {
            oracle.begin_step();
            let before = oracle.counts().gradients;
            optimizer.step(&mut x, &mut oracle);
            let probes = oracle.probes().len();
            // Every evaluation but the one at x is a trial, drawn as a probe.
            assert_eq!(oracle.counts().gradients - before, 1 + probes as u64);
            assert!(probes >= 1);
            // The accepted iterate is one of the trials.
            assert!(oracle.probes().iter().any(|p| p.point == [x[0], x[1]]));
            total_probes += probes;
        }
        assert!(total_probes >= 10, "{}", config.display_name());
    }
}

#[test]
fn tolerances_end_runs_as_converged_in_the_engine() {
    let source = r#"Scenario(
        version: 1,
        name: "quasi-Newton",
        problem: Landscape(Rosenbrock()),
        steps: 500,
        runs: [
            Run(label: "L-BFGS", optimizer: Lbfgs(line_search_fn: StrongWolfe), start: (-1.2, 1.0)),
            Run(label: "L-BFGS fixed step", optimizer: Lbfgs(history_size: 10), start: (-1.2, 1.0)),
            Run(label: "BFGS", optimizer: Bfgs(), start: (-1.2, 1.0)),
            Run(label: "BFGS Armijo", optimizer: Bfgs(line_search_fn: None), start: (-1.2, 1.0)),
        ],
    )"#;
    let loaded = scenario::parse(source, "quasi_newton.ron").expect("the scenario loads");
    let mut session = Session::new(loaded.scenario);
    while !session.is_finished() {
        session.advance(100);
    }
    for run in session.runs() {
        let sample = run.last_sample();
        assert!(
            matches!(run.status(), RunStatus::Converged { step } if *step < 100),
            "{:?}",
            run.status()
        );
        assert!(sample.loss < 1e-8, "{}", sample.loss);
    }
}

#[test]
fn presets_name_these_optimizers_and_round_trip() {
    let source = r#"Scenario(
        version: 1,
        name: "round trip",
        problem: Landscape(Quadratic(lambda1: 1.0, lambda2: 10.0, angle_deg: 0.0)),
        steps: 10,
        runs: [
            Run(label: "a", optimizer: Adadelta(rho: 0.95), start: (1.0, 1.0)),
            Run(label: "b", optimizer: Rprop(etas: (0.4, 1.3), step_sizes: (1e-5, 10.0)), start: (1.0, 1.0)),
            Run(label: "c", optimizer: Asgd(t0: 10.0), start: (1.0, 1.0)),
            Run(label: "d", optimizer: Lbfgs(line_search_fn: StrongWolfe, history_size: 7), start: (1.0, 1.0)),
            Run(label: "e", optimizer: Bfgs(line_search_fn: None), start: (1.0, 1.0)),
            Run(label: "f", optimizer: Lbfgs(), start: (1.0, 1.0)),
        ],
    )"#;
    let loaded = scenario::parse(source, "round_trip.ron").expect("loads");
    let optimizers: Vec<_> = loaded
        .scenario
        .runs
        .iter()
        .map(|run| run.optimizer.clone())
        .collect();
    assert_eq!(
        optimizers[1],
        OptimizerConfig::Rprop(RpropConfig {
            etas: (0.4, 1.3),
            step_sizes: (1e-5, 10.0),
            ..RpropConfig::default()
        })
    );
    assert_eq!(
        optimizers[3],
        OptimizerConfig::Lbfgs(LbfgsConfig {
            line_search_fn: Some(LineSearchFn::StrongWolfe),
            history_size: 7,
            ..LbfgsConfig::default()
        })
    );
    assert_eq!(
        optimizers[4],
        OptimizerConfig::Bfgs(BfgsConfig {
            line_search_fn: None,
            ..BfgsConfig::default()
        })
    );
    assert_eq!(
        optimizers[5],
        OptimizerConfig::Lbfgs(LbfgsConfig::default())
    );
    let names: Vec<_> = optimizers.iter().map(|o| o.display_name()).collect();
    assert_eq!(
        names,
        ["Adadelta", "Rprop", "ASGD", "LBFGS", "BFGS", "LBFGS"]
    );
    let text = scenario::to_ron(&loaded.scenario).expect("saves");
    let reloaded = scenario::parse(&text, "saved.ron").expect("reloads");
    assert_eq!(reloaded.scenario, loaded.scenario, "{text}");
}
