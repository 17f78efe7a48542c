//! signSGD, Lion, SVRG, SAGA, zeroth-order descent and gradient flow through presets and sessions:
//! their RON forms parse with the paper defaults filled in, validation errors point at the text,
//! variance reduction beats constant-lr SGD on a finite sum, and gradient flow is GD's lr → 0
//! limit.

use optiviz::engine::{RunStatus, Session};
use optiviz::landscape::{LandscapeSpec, LeastSquares, Minimizers};
use optiviz::optim::{
    GradientFlowConfig, LionConfig, OptimizerConfig, SagaConfig, SignSgdConfig, SvrgConfig,
    ZerothOrderConfig,
};
use optiviz::scenario;

const ALL_SIX: &str = r#"Scenario(
    version: 1,
    name: "Stochastic and sign methods",
    problem: Landscape(LeastSquares()),
    steps: 2560,
    runs: [
        Run(label: "SGD", optimizer: Sgd(lr: 0.01), batch_size: 1),
        Run(label: "SVRG", optimizer: Svrg(lr: 0.01)),
        Run(label: "SAGA", optimizer: Saga(lr: 0.01)),
        Run(label: "signSGD", optimizer: SignSgd(lr: 1e-3)),
        Run(label: "Lion", optimizer: Lion(lr: 1e-3, betas: (0.95, 0.98))),
        Run(label: "ZO", optimizer: ZerothOrder(lr: 0.01, directions: 2)),
        Run(label: "flow", optimizer: GradientFlow(dt: 0.01)),
    ],
)"#;

fn optimum() -> [f64; 2] {
    let Minimizers::Points(points) = LeastSquares::default().build().minimizers() else {
        panic!("least squares has a unique minimizer");
    };
    points[0].point
}

#[test]
fn presets_name_them_with_paper_defaults_filled_in() {
    let loaded = scenario::parse(ALL_SIX, "six.ron")
        .expect("parses")
        .scenario;
    let optimizers: Vec<_> = loaded.runs.iter().map(|r| r.optimizer.clone()).collect();
    assert_eq!(
        optimizers[1..],
        [
            OptimizerConfig::Svrg(SvrgConfig {
                lr: 0.01,
                inner_steps: 0
            }),
            OptimizerConfig::Saga(SagaConfig { lr: 0.01 }),
            OptimizerConfig::SignSgd(SignSgdConfig {
                lr: 1e-3,
                momentum: 0.0
            }),
            OptimizerConfig::Lion(LionConfig {
                lr: 1e-3,
                betas: (0.95, 0.98),
                weight_decay: 0.0
            }),
            OptimizerConfig::ZerothOrder(ZerothOrderConfig {
                lr: 0.01,
                mu: 1e-3,
                directions: 2
            }),
            OptimizerConfig::GradientFlow(GradientFlowConfig { dt: 0.01 }),
        ]
    );
    // Saved and reloaded unchanged.
    let saved = scenario::to_ron(&loaded).expect("serializes");
    let reloaded = scenario::parse(&saved, "saved.ron")
        .expect("reparses")
        .scenario;
    assert_eq!(reloaded, loaded);
}

#[test]
fn an_invalid_beta_is_reported_at_its_value() {
    let source =
        "Scenario(\n    runs: [\n        Run(optimizer: Lion(betas: (1.5, 0.99))),\n    ],\n)";
    let error = scenario::parse(source, "bad.ron").expect_err("β1 = 1.5 is invalid");
    let text = error.to_string();
    assert!(
        text.contains("betas[0] must be in [0, 1), got 1.5"),
        "{text}"
    );
    assert!(text.contains("bad.ron:3:"), "{text}");
}

#[test]
fn variance_reduction_reaches_the_optimum_where_sgd_stalls() {
    let mut session = Session::new(
        scenario::parse(ALL_SIX, "six.ron")
            .expect("parses")
            .scenario,
    );
    while !session.is_finished() {
        session.advance(10_000);
    }
    let optimum = optimum();
    let distance = |label: &str| {
        let run = session
            .runs()
            .iter()
            .find(|r| r.config().label == label)
            .expect("run");
        assert_eq!(*run.status(), RunStatus::Finished, "{label}");
        let p = run.last_sample().point;
        (p[0] - optimum[0]).hypot(p[1] - optimum[1])
    };
    // 40 epochs of n = 64 steps each.
    assert!(distance("SVRG") < 1e-9, "SVRG {}", distance("SVRG"));
    assert!(distance("SAGA") < 1e-7, "SAGA {}", distance("SAGA"));
    assert!(distance("SGD") > 1e-3, "SGD {}", distance("SGD"));
    // Sign methods end within a few lr of x* (they move lr per coordinate per step).
    assert!(
        distance("signSGD") < 4e-3,
        "signSGD {}",
        distance("signSGD")
    );
    assert!(distance("Lion") < 4e-3, "Lion {}", distance("Lion"));
    assert!(distance("ZO") < 1e-3, "ZO {}", distance("ZO"));
    assert!(distance("flow") < 1e-9, "flow {}", distance("flow"));
    // Evaluation counts show the cost: zeroth order never takes a gradient.
    let run = |label: &str| {
        session
            .runs()
            .iter()
            .find(|r| r.config().label == label)
            .expect("run")
    };
    let zo = run("ZO").oracle().counts();
    assert_eq!((zo.gradients, zo.values), (0, 2 * 2 * 2560));
    let svrg = run("SVRG").oracle().counts();
    // 2560 steps with a snapshot every 128: 20 full gradients of 64 samples, 2 samples per step.
    assert_eq!(svrg.sample_gradients, 20 * 64 + 2 * 2560);
    let saga = run("SAGA").oracle().counts();
    assert_eq!(saga.sample_gradients, 64 + 2560);
}

#[test]
fn gradient_descent_tracks_the_flow_ever_closer_as_lr_shrinks() {
    // GD with lr = dt against the flow reported every dt, over the same time T = 2 (GD is stable:
    // lr·λmax < 2 along the path).
    let mut gaps = Vec::new();
    for (lr, steps) in [(1e-3, 2000), (1e-4, 20_000)] {
        let source = format!(
            "Scenario(problem: Landscape(Rosenbrock()), steps: {steps}, runs: [\
             Run(label: \"GD\", optimizer: Sgd(lr: {lr}), start: (-1.0, 1.0)),\
             Run(label: \"flow\", optimizer: GradientFlow(dt: {lr}), start: (-1.0, 1.0))])"
        );
        let mut session =
            Session::new(scenario::parse(&source, "gd.ron").expect("parses").scenario);
        while !session.is_finished() {
            session.advance(100_000);
        }
        assert!(
            session
                .runs()
                .iter()
                .all(|r| *r.status() == RunStatus::Finished)
        );
        let [gd, flow] = [0, 1].map(|i| session.runs()[i].last_sample().point);
        gaps.push((gd[0] - flow[0]).hypot(gd[1] - flow[1]));
    }
    // Euler's global error is O(lr): tenfold smaller steps, about tenfold smaller gap.
    assert!(gaps[0] < 1e-3, "{gaps:?}");
    assert!((7.0..13.0).contains(&(gaps[0] / gaps[1])), "{gaps:?}");
}

#[test]
fn a_flow_that_blows_up_stops_the_run() {
    // On the saddle x² − y², y(t) = e^{2t} overflows within one huge dt: the integrator gives up or
    // the loss overflows, and the run stops as diverged at step 1 instead of hanging.
    let source = "Scenario(problem: Landscape(Saddle()), \
                  runs: [Run(optimizer: GradientFlow(dt: 1e6), start: (1.0, 1.0))])";
    let mut session = Session::new(
        scenario::parse(source, "blowup.ron")
            .expect("parses")
            .scenario,
    );
    session.advance(5);
    let status = session.runs()[0].status().clone();
    assert!(
        matches!(status, RunStatus::Diverged { step: 1, .. }),
        "{status:?}"
    );
}
