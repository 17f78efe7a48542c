//! The learning rate over steps: what each run's samples report (a hypergradient method's adapted
//! αₜ, a schedule's lr, plain gradient descent's constant lr, nothing for other methods at a
//! constant lr), and the metrics plot that draws it, with a word for the runs that report none.

use optiviz::engine::{Sample, Session};
use optiviz::scenario::{self, Scenario};

const SCENARIO: &str = r#"Scenario(
    problem: Landscape(Quadratic(lambda1: 1.0, lambda2: 10.0, angle_deg: 30.0)),
    steps: 30,
    runs: [
        Run(label: "SGD-HD", optimizer: HypergradientSgd(lr: 0.001, hyper_lr: 0.001), start: (1.0, 1.0)),
        Run(label: "GD", optimizer: Sgd(lr: 0.05), start: (1.0, 1.0)),
        Run(label: "Adam, step decay", optimizer: Adam(lr: 0.1), start: (1.0, 1.0), schedule: Step(step_size: 10, gamma: 0.5)),
        Run(label: "Adam", optimizer: Adam(lr: 0.1), start: (1.0, 1.0)),
        Run(label: "momentum", optimizer: Sgd(lr: 0.05, momentum: 0.9), start: (1.0, 1.0)),
    ],
)"#;

fn scenario() -> Scenario {
    scenario::parse(SCENARIO, "learning_rate.ron")
        .unwrap_or_else(|e| panic!("{e}"))
        .scenario
}

/// Every run's samples, the start's included.
fn trajectories(scenario: Scenario) -> Vec<Vec<Sample>> {
    let mut session = Session::new(scenario);
    let mut all: Vec<Vec<Sample>> = (session.runs().iter())
        .map(|run| vec![run.last_sample()])
        .collect();
    while !session.is_finished() {
        for progress in session.advance(7) {
            all[progress.run].extend(progress.samples);
        }
    }
    all
}

fn lrs(samples: &[Sample]) -> Vec<Option<f64>> {
    samples.iter().map(|s| s.lr.map(f64::from)).collect()
}

#[test]
fn each_sample_reports_the_step_size_of_the_step_that_reached_it() {
    let all = trajectories(scenario());
    // SGD-HD: α₀ at the start and after the first step (h₁ = 0), then rising while successive
    // gradients agree; the samples follow the optimizer's own αₜ, step for step.
    let adapted = lrs(&all[0]);
    assert_eq!(adapted[0], Some(f64::from(0.001f32)));
    assert_eq!(adapted[1], Some(f64::from(0.001f32)));
    assert!(adapted[2].unwrap_or(0.0) > 0.001, "{adapted:?}");
    let config = scenario().runs[0].optimizer.clone();
    let mut optimizer = config.build(2);
    let mut oracle = optiviz::objective::Oracle::new(
        optiviz::engine::ProblemInstance::build(&scenario().problem).objective,
        optiviz::objective::GradientModel::default(),
        0,
    );
    let mut x = nalgebra::DVector::from_vec(vec![1.0, 1.0]);
    for (step, reported) in adapted.iter().enumerate().skip(1) {
        optimizer.step(&mut x, &mut oracle);
        let alpha = optimizer.current_lr().map(|a| f64::from(a as f32));
        assert_eq!(*reported, alpha, "step {step}");
    }
    // Plain GD: its constant lr at every sample.
    assert!(
        lrs(&all[1])
            .iter()
            .all(|lr| *lr == Some(f64::from(0.05f32)))
    );
    // A schedule: the lr of each step, halved every 10 steps (step 0 shows the first step's).
    let scheduled = lrs(&all[2]);
    for (step, lr) in scheduled.iter().enumerate() {
        let first_of_step = step.saturating_sub(1) as i32;
        let expected = 0.1 * 0.5f64.powi(first_of_step / 10);
        assert_eq!(*lr, Some(f64::from(expected as f32)), "step {step}");
    }
    // Adam and heavy ball at a constant lr report none: their step is not lr·∇f.
    assert!(lrs(&all[3]).iter().all(Option::is_none));
    assert!(lrs(&all[4]).iter().all(Option::is_none));
}

#[test]
fn a_fresh_run_reports_its_starting_lr_again() {
    let mut session = Session::new(scenario());
    session.advance(20);
    let adapted = session.runs()[0].last_sample().lr.map(f64::from);
    assert!(adapted.unwrap_or(0.0) > 0.01, "{adapted:?}");
    let mut fresh = Session::new(scenario());
    fresh.advance(0);
    assert_eq!(
        fresh.runs()[0].last_sample().lr,
        Some(0.001f32),
        "a new run starts from α₀"
    );
}

#[test]
fn the_sample_stays_small() {
    assert!(std::mem::size_of::<Sample>() <= 136);
}

#[cfg(feature = "gui")]
mod plot {
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable;
    use optiviz::app::{AppState, Metric, Prefs};
    use optiviz::ui::metric_curves::metric_curves;

    /// The app on the scenario with the Learning rate plot chosen, run to the end.
    fn finished_harness() -> Harness<'static, AppState> {
        let prefs = Prefs {
            metric: Metric::LearningRate,
            ..Prefs::default()
        };
        let state = AppState::new(super::scenario(), None, prefs, Arc::new(|| {}));
        let mut harness = Harness::builder()
            .with_size([1600.0, 1000.0])
            .with_context_setup(optiviz::ui::install_fonts)
            .build_ui_state(
                |ui, state: &mut AppState| {
                    state.drain_updates(Duration::from_millis(50));
                    optiviz::ui::app_ui(state, ui);
                },
                state,
            );
        harness.state_mut().play();
        let deadline = Instant::now() + Duration::from_secs(30);
        while !(harness.state().runs.iter())
            .all(|run| run.trace.latest().is_some_and(|s| s.step >= 30))
        {
            assert!(
                Instant::now() < deadline,
                "timed out waiting for the solver"
            );
            std::thread::sleep(Duration::from_millis(10));
            harness.run_steps(1);
        }
        harness.run_steps(2);
        harness
    }

    #[test]
    fn the_learning_rate_plot_draws_the_runs_that_report_one_and_names_the_others() {
        let harness = finished_harness();
        let content = metric_curves(harness.state(), Metric::LearningRate);
        assert!(content.log_scale);
        assert_eq!(content.y_label, "learning rate");
        assert_eq!(content.unavailable, None);
        let drawn: Vec<(&str, usize)> = (content.curves.iter())
            .map(|curve| (curve.name.as_str(), curve.points.len()))
            .collect();
        for (name, points) in &drawn[..3] {
            assert!(*points > 10, "{name}: {points} points");
        }
        assert_eq!(drawn[3], ("Adam (no lr to report)", 0));
        assert_eq!(drawn[4], ("momentum (no lr to report)", 0));
        // On a log axis: the schedule's last lr is 0.1/4 (two halvings by step 30).
        let last = content.curves[2].points.last().map(|p| p[1]);
        let expected = f64::from(0.025f32).log10();
        assert!(
            last.is_some_and(|y| (y - expected).abs() < 1e-6),
            "{last:?}"
        );
        assert!(
            harness
                .query_by_label_contains("Adam (no lr to report)")
                .is_some()
        );
    }

    #[test]
    fn with_no_run_to_report_the_plot_says_why() {
        let mut harness = finished_harness();
        let state = harness.state_mut();
        for (index, run) in state.runs.iter_mut().enumerate() {
            run.visible = index >= 3;
        }
        let content = metric_curves(harness.state(), Metric::LearningRate);
        let reason = content.unavailable.unwrap_or_default();
        assert!(reason.starts_with("No learning rate"), "{reason}");
    }
}
