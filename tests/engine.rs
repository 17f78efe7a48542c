//! The engine: sessions are deterministic, runs stop with the right status, and the solver thread
//! obeys play/pause/step/reset and drops stale generations.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use optiviz::engine::{
    Command, PanicAt, RunStatus, Sample, Session, SolverHandle, Speed, Update, UpdateKind,
};
use optiviz::landscape::{LandscapeConfig, Quadratic, Rosenbrock, Transform};
use optiviz::optim::{AdamConfig, OptimizerConfig, SgdConfig};
use optiviz::scenario::{self, Problem, RunConfig, Scenario};
use optiviz::schedule::Schedule;

fn zigzag() -> Scenario {
    scenario::parse(include_str!("../presets/zigzag.ron"), "zigzag.ron")
        .expect("the zigzag preset loads")
        .scenario
}

fn sgd(lr: f64) -> OptimizerConfig {
    OptimizerConfig::Sgd(SgdConfig {
        lr,
        ..SgdConfig::default()
    })
}

fn trajectories(session: &mut Session, chunk: u64) -> Vec<Vec<Sample>> {
    let mut all: Vec<Vec<Sample>> = session
        .runs()
        .iter()
        .map(|run| vec![run.last_sample()])
        .collect();
    while !session.is_finished() {
        for progress in session.advance(chunk) {
            all[progress.run].extend(progress.samples);
        }
    }
    all
}

#[test]
fn zigzag_momentum_ends_far_below_gradient_descent() {
    let mut session = Session::new(zigzag());
    let all = trajectories(&mut session, 50);
    let final_loss = |run: usize| all[run].last().map(|s| s.loss).unwrap_or(f64::NAN);
    assert_eq!(all[0].len(), 201);
    assert_eq!(all[1].len(), 201);
    assert!(
        final_loss(1) < 1e-6 * final_loss(0),
        "GD {} vs momentum {}",
        final_loss(0),
        final_loss(1)
    );
    assert!(
        session
            .runs()
            .iter()
            .all(|r| *r.status() == RunStatus::Finished)
    );
}

#[test]
fn sessions_are_bit_identical_however_they_are_stepped() {
    let mut scenario = zigzag();
    for run in &mut scenario.runs {
        run.noise_sigma = 0.5;
        run.schedule = Schedule::Cosine {
            t_max: 150,
            eta_min: 1e-4,
        };
    }
    let one_by_one = trajectories(&mut Session::new(scenario.clone()), 1);
    let in_bulk = trajectories(&mut Session::new(scenario.clone()), 1000);
    assert_eq!(one_by_one, in_bulk);

    // Another seed draws other noise.
    scenario.runs[0].seed += 1;
    let reseeded = trajectories(&mut Session::new(scenario), 1000);
    assert_ne!(reseeded[0], in_bulk[0]);
    assert_eq!(reseeded[1], in_bulk[1]);
}

#[test]
fn reset_replays_the_same_trajectory() {
    let mut scenario = zigzag();
    scenario.runs[1].noise_sigma = 1.0;
    let mut session = Session::new(scenario);
    let first = trajectories(&mut session, 7);
    session.reset();
    let second = trajectories(&mut session, 13);
    assert_eq!(first, second);
}

#[test]
fn divergence_is_a_status_with_a_reason_and_the_last_sample_is_finite() {
    let scenario = Scenario {
        problem: Problem::Landscape(LandscapeConfig::Quadratic(Quadratic {
            lambda1: 1.0,
            lambda2: 100.0,
            angle_deg: 0.0,
        })),
        steps: 100_000,
        runs: vec![RunConfig {
            optimizer: sgd(0.03),
            ..RunConfig::default()
        }],
        ..Scenario::default()
    };
    let mut session = Session::new(scenario);
    let all = trajectories(&mut session, 100_000);
    let run = &session.runs()[0];
    match run.status() {
        RunStatus::Diverged { step, reason } => {
            // |1 − lr·λ| = 2: the run leaves the view far behind long before it overflows.
            assert!(reason.contains("left the view far behind"), "{reason}");
            assert!(reason.contains("lr·λmax = 3"), "{reason}");
            assert_eq!(all[0].last().map(|s| s.step), Some(*step));
        }
        other => panic!("expected divergence, got {other:?}"),
    }
    assert!(
        all[0]
            .iter()
            .all(|s| s.loss.is_finite() && s.point.iter().all(|v| v.is_finite()))
    );
}

#[test]
fn tolerance_stops_a_run_as_converged() {
    let mut scenario = zigzag();
    scenario.tolerance = 1e-6;
    scenario.steps = 10_000;
    let mut session = Session::new(scenario);
    let all = trajectories(&mut session, 64);
    for (run, samples) in session.runs().iter().zip(&all) {
        let RunStatus::Converged { step } = run.status() else {
            panic!("expected convergence, got {:?}", run.status());
        };
        let last = samples.last().copied().expect("samples");
        assert_eq!(last.step, *step);
        assert!(last.grad_norm < 1e-6);
        assert!(samples[samples.len() - 2].grad_norm >= 1e-6);
    }
}

#[test]
fn live_edits_keep_momentum_and_restarts_do_not() {
    let mut scenario = zigzag();
    scenario.steps = 20;
    let mut session = Session::new(scenario.clone());
    session.advance(10);
    let mut edited = scenario.runs[1].clone();
    edited.label = "renamed".to_owned();
    session.edit_run(1, edited.clone(), false);
    assert_eq!(session.runs()[1].steps_taken(), 10);
    let live: Vec<Sample> = session.advance(10).remove(1).samples;

    // Unchanged hyperparameters applied live continue exactly as if nothing happened.
    let mut reference = Session::new(scenario);
    reference.advance(10);
    let continued: Vec<Sample> = reference.advance(10).remove(1).samples;
    assert_eq!(live, continued);

    session.edit_run(1, edited, true);
    assert_eq!(session.runs()[1].steps_taken(), 0);
}

#[test]
fn moving_the_start_restarts_from_there() {
    let mut session = Session::new(zigzag());
    session.advance(5);
    session.set_start(Some(0), [0.5, -0.25]);
    assert_eq!(session.runs()[0].steps_taken(), 0);
    assert_eq!(session.runs()[0].last_sample().point, [0.5, -0.25]);
    assert_eq!(session.runs()[1].steps_taken(), 5);
    session.set_start(None, [0.1, 0.1]);
    assert!(
        session
            .runs()
            .iter()
            .all(|r| r.last_sample().point == [0.1, 0.1])
    );
    assert_eq!(session.scenario().runs[1].start, Some([0.1, 0.1]));
}

#[test]
fn a_schedule_changes_the_step_size() {
    let mut scenario = Scenario {
        problem: Problem::Landscape(LandscapeConfig::Rosenbrock(Rosenbrock::default())),
        steps: 3,
        runs: vec![RunConfig {
            optimizer: sgd(1e-3),
            schedule: Schedule::Warmup {
                steps: 2,
                then: Box::new(Schedule::Constant),
            },
            ..RunConfig::default()
        }],
        ..Scenario::default()
    };
    let warm = trajectories(&mut Session::new(scenario.clone()), 10);
    scenario.runs[0].schedule = Schedule::Constant;
    let constant = trajectories(&mut Session::new(scenario), 10);
    // The first warmup step is half as long as the constant one (from the same start).
    let step_length = |samples: &[Sample]| {
        (samples[1].point[0] - samples[0].point[0]).hypot(samples[1].point[1] - samples[0].point[1])
    };
    let ratio = step_length(&warm[0]) / step_length(&constant[0]);
    assert!((ratio - 0.5).abs() < 1e-12, "{ratio}");
}

// --- the solver thread ---

fn spawn(scenario: Scenario) -> (SolverHandle, Arc<AtomicUsize>) {
    let wakes = Arc::new(AtomicUsize::new(0));
    let counter = wakes.clone();
    let handle = SolverHandle::spawn(
        scenario,
        Arc::new(move || {
            counter.fetch_add(1, Ordering::Relaxed);
        }),
    )
    .expect("the solver starts");
    (handle, wakes)
}

const WAIT: Duration = Duration::from_secs(10);

/// Collects samples per run until the solver reports `Paused`.
fn collect_until_paused(handle: &mut SolverHandle, runs: usize) -> Vec<Vec<Sample>> {
    let mut all = vec![Vec::new(); runs];
    loop {
        let update = handle.next_timeout(WAIT).expect("the solver answers");
        match update.kind {
            UpdateKind::Progress(progress) => {
                for p in progress {
                    all[p.run].extend(p.samples);
                }
            }
            UpdateKind::Paused => return all,
            other => panic!("unexpected update {other:?}"),
        }
    }
}

#[test]
fn worker_steps_on_request_and_pauses() {
    let (mut handle, wakes) = spawn(zigzag());
    let first = handle.next_timeout(WAIT).expect("a first update");
    let UpdateKind::Restarted { runs, .. } = first.kind else {
        panic!("the first update restarts");
    };
    assert_eq!(runs.len(), 2);
    assert!(runs.iter().all(|r| r.samples[0].step == 0));

    assert!(handle.send(Command::Step(5)));
    let all = collect_until_paused(&mut handle, 2);
    for samples in &all {
        let steps: Vec<u64> = samples.iter().map(|s| s.step).collect();
        assert_eq!(steps, [1, 2, 3, 4, 5]);
    }
    // Same numbers as the synchronous session.
    let mut session = Session::new(zigzag());
    let expected = session.advance(5);
    assert_eq!(all[0], expected[0].samples);
    assert!(wakes.load(Ordering::Relaxed) >= 2);

    // Play to the end of the budget at full speed: the solver pauses by itself.
    handle.send(Command::SetSpeed(Speed::Max));
    handle.send(Command::Play);
    let rest = collect_until_paused(&mut handle, 2);
    assert_eq!(rest[0].last().map(|s| s.step), Some(200));
    assert_eq!(rest[0].first().map(|s| s.step), Some(6));
}

#[test]
fn worker_drops_updates_from_before_a_reset() {
    let mut scenario = zigzag();
    scenario.steps = 50_000_000;
    let (mut handle, _) = spawn(scenario);
    handle.next_timeout(WAIT).expect("restarted");
    handle.send(Command::SetSpeed(Speed::Max));
    handle.send(Command::Play);
    // Let progress pile up unread, then reset without draining.
    std::thread::sleep(Duration::from_millis(200));
    handle.send(Command::Reset);
    assert_eq!(handle.generation(), 1);
    let update = handle
        .next_timeout(WAIT)
        .expect("an update after the reset");
    assert_eq!(update.generation, 1);
    let UpdateKind::Restarted { runs, .. } = update.kind else {
        panic!("stale progress leaked past the reset: {:?}", update.kind);
    };
    assert!(runs.iter().all(|r| r.samples[0].step == 0));
    // Still playing after the reset: progress continues from step 1.
    loop {
        let update = handle.next_timeout(WAIT).expect("progress");
        if let UpdateKind::Progress(progress) = update.kind {
            assert_eq!(progress[0].samples[0].step, 1);
            break;
        }
    }
    handle.send(Command::Pause);
    loop {
        match handle.next_timeout(WAIT).expect("paused").kind {
            UpdateKind::Paused => break,
            UpdateKind::Progress(_) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    // Paused means quiet.
    assert!(handle.next_timeout(Duration::from_millis(200)).is_none());
}

#[test]
fn worker_paces_steps_per_second() {
    let (mut handle, _) = spawn(zigzag());
    handle.next_timeout(WAIT).expect("restarted");
    handle.send(Command::SetSpeed(Speed::StepsPerSecond(20.0)));
    handle.send(Command::Play);
    std::thread::sleep(Duration::from_millis(500));
    handle.send(Command::Pause);
    let all = collect_until_paused(&mut handle, 2);
    // About 10 steps in half a second; generous bounds for a loaded machine.
    let taken = all[0].len();
    assert!((2..=40).contains(&taken), "{taken} steps");
}

#[test]
fn worker_rejects_an_invalid_scenario_and_keeps_the_old_one() {
    let (mut handle, _) = spawn(zigzag());
    handle.next_timeout(WAIT).expect("restarted");
    let mut bad = zigzag();
    bad.runs[0].optimizer = sgd(-1.0);
    handle.send(Command::ReplaceScenario(Box::new(bad)));
    let error = handle.next_timeout(WAIT).expect("an error");
    let UpdateKind::Error(message) = error.kind else {
        panic!("expected an error");
    };
    assert!(message.contains("lr"), "{message}");
    let restarted = handle.next_timeout(WAIT).expect("the old scenario again");
    let UpdateKind::Restarted { scenario, .. } = restarted.kind else {
        panic!("expected a restart");
    };
    assert_eq!(scenario.runs[0].optimizer, zigzag().runs[0].optimizer);
}

/// x² on the line, but NaN beyond |x| > 3: a stand-in for a network whose loss blows up.
struct Fragile;

impl optiviz::objective::Objective for Fragile {
    fn dim(&self) -> usize {
        1
    }
    fn value(&self, x: &nalgebra::DVector<f64>) -> f64 {
        if x[0].abs() > 3.0 {
            f64::NAN
        } else {
            x[0] * x[0]
        }
    }
    fn value_and_grad(&self, x: &nalgebra::DVector<f64>, grad: &mut nalgebra::DVector<f64>) -> f64 {
        grad[0] = 2.0 * x[0];
        self.value(x)
    }
}

#[test]
fn a_nan_loss_stops_the_run_at_its_last_finite_point() {
    use optiviz::engine::{Measurement, ProblemInstance, Run};
    let start = nalgebra::DVector::from_element(1, 1.0);
    let config = RunConfig {
        optimizer: sgd(1.5),
        ..RunConfig::default()
    };
    let problem = ProblemInstance::from_objective(Arc::new(Fragile), start);
    let mut run = Run::new(config, &problem, Measurement::default());
    // x: 1 → −2 → 4 (NaN loss).
    assert_eq!(run.step().map(|s| s.point[0]), Some(-2.0));
    assert_eq!(run.step(), None);
    assert_eq!(
        run.status(),
        &RunStatus::Diverged {
            step: 2,
            reason: "the loss became NaN at step 2".to_owned()
        }
    );
    assert_eq!(run.x()[0], -2.0);
    assert_eq!(run.last_sample().step, 1);
    assert_eq!(run.step(), None);
}

#[test]
fn adam_runs_report_their_preconditioned_sharpness() {
    use optiviz::optim::AdamConfig;
    let scenario = Scenario {
        problem: Problem::Landscape(LandscapeConfig::Quadratic(Quadratic {
            lambda1: 1.0,
            lambda2: 100.0,
            angle_deg: 0.0,
        })),
        steps: 50,
        runs: vec![
            RunConfig {
                optimizer: OptimizerConfig::Adam(AdamConfig {
                    lr: 0.01,
                    ..AdamConfig::default()
                }),
                ..RunConfig::default()
            },
            RunConfig {
                optimizer: sgd(0.01),
                ..RunConfig::default()
            },
        ],
        ..Scenario::default()
    };
    let mut session = Session::new(scenario);
    let all = trajectories(&mut session, 50);
    assert_eq!(
        all[0][0].preconditioned_sharpness, None,
        "no preconditioner before a step"
    );
    for sample in &all[0][1..] {
        let value = sample
            .preconditioned_sharpness
            .expect("Adam has a preconditioner");
        assert!(value.is_finite() && value > 0.0);
    }
    // After one step from (1, 1): v̂ = g², so P = (1 − β₁)(|g| + eps) and P⁻¹H is diagonal with
    // λᵢ/Pᵢ; g = (1, 100) at the start.
    let first = all[0][1].preconditioned_sharpness.expect("after one step");
    let expected = f64::max(1.0 / (0.1 * (1.0 + 1e-8)), 100.0 / (0.1 * (100.0 + 1e-8)));
    assert!(
        (first - expected).abs() < 1e-9 * expected,
        "{first} vs {expected}"
    );
    assert!(all[1].iter().all(|s| s.preconditioned_sharpness.is_none()));
}

#[test]
fn wall_time_grows_along_a_run_and_is_not_part_of_equality() {
    let mut session = Session::new(zigzag());
    let all = trajectories(&mut session, 20);
    for samples in &all {
        assert!(samples.windows(2).all(|w| w[1].wall_time >= w[0].wall_time));
        assert!(samples.last().is_some_and(|s| s.wall_time > 0.0));
    }
    let mut shifted = all[0][5];
    shifted.wall_time += 1.0;
    assert_eq!(shifted, all[0][5]);
}

#[test]
fn a_worker_waits_for_a_slow_ui_instead_of_queueing_without_bound() {
    let mut scenario = zigzag();
    scenario.steps = 50_000_000;
    let (mut handle, _) = spawn(scenario);
    handle.next_timeout(WAIT).expect("restarted");
    handle.send(Command::SetSpeed(Speed::Max));
    handle.send(Command::Play);
    // The UI reads nothing for a while: the solver stops after a few unread progress messages.
    std::thread::sleep(Duration::from_millis(400));
    let mut progress_messages = 0;
    let mut last_step = 0;
    while let Some(update) = handle.try_next() {
        if let UpdateKind::Progress(progress) = update.kind {
            progress_messages += 1;
            last_step = progress[0].samples.last().map_or(last_step, |s| s.step);
        }
    }
    assert!(
        (1..=4).contains(&progress_messages),
        "{progress_messages} messages queued"
    );
    // Once the UI has read them, stepping resumes.
    let resumed = loop {
        let update = handle.next_timeout(WAIT).expect("more progress");
        if let UpdateKind::Progress(progress) = update.kind {
            break progress[0].samples[0].step;
        }
    };
    assert_eq!(resumed, last_step + 1);
    handle.send(Command::Pause);
}

/// Rotating the landscape rotates gradient descent's path with it (GD is equivariant under
/// orthogonal maps), but not Adam's: its per-coordinate scaling sees different coordinates.
#[test]
fn a_rotated_landscape_rotates_gd_but_not_adam() {
    let start = [-1.0, 1.5];
    let transform = Transform {
        rotation_deg: 30.0,
        scale: (1.0, 1.0),
    };
    let rotate = |p: [f64; 2]| transform.forward_point(p);
    let scenario = |transform: Transform, start: [f64; 2]| Scenario {
        problem: Problem::Landscape(LandscapeConfig::Rosenbrock(Rosenbrock::default())),
        transform,
        steps: 300,
        runs: vec![
            RunConfig {
                label: "GD".into(),
                optimizer: sgd(1e-3),
                start: Some(start),
                ..RunConfig::default()
            },
            RunConfig {
                label: "Adam".into(),
                optimizer: OptimizerConfig::Adam(AdamConfig {
                    lr: 0.05,
                    ..AdamConfig::default()
                }),
                start: Some(start),
                ..RunConfig::default()
            },
        ],
        ..Scenario::default()
    };
    let mut plain = Session::new(scenario(Transform::IDENTITY, start));
    let mut rotated = Session::new(scenario(transform, rotate(start)));
    let plain = trajectories(&mut plain, 300);
    let rotated = trajectories(&mut rotated, 300);
    let distance = |run: usize| {
        let p = rotate(plain[run].last().expect("samples").point);
        let q = rotated[run].last().expect("samples").point;
        (p[0] - q[0]).hypot(p[1] - q[1])
    };
    assert!(distance(0) < 1e-9, "GD: {}", distance(0));
    assert!(distance(1) > 1e-2, "Adam: {}", distance(1));
    // The loss along the way is the same for GD.
    let last_loss = |t: &Vec<Vec<Sample>>| t[0].last().expect("samples").loss;
    assert!((last_loss(&plain) - last_loss(&rotated)).abs() < 1e-9);
}

// --- panics and divergence never take the app down ---

/// The updates after a caught panic: the report, the rebuilt runs at their starts, paused.
fn expect_recovery(handle: &mut SolverHandle) -> (String, Scenario) {
    let mut next = || -> Update { handle.next_timeout(WAIT).expect("the solver answers") };
    let report = loop {
        match next().kind {
            UpdateKind::Error(message) => break message,
            // Progress sent before the panic may still be queued.
            UpdateKind::Progress(_) => {}
            other => panic!("expected the panic report, got {other:?}"),
        }
    };
    let UpdateKind::Restarted { scenario, runs } = next().kind else {
        panic!("expected the rebuilt session");
    };
    assert!(runs.iter().all(|r| r.samples[0].step == 0));
    assert!(runs.iter().all(|r| r.status == RunStatus::Running));
    assert!(matches!(next().kind, UpdateKind::Paused));
    (report, *scenario)
}

#[test]
fn a_worker_that_panics_mid_run_reports_it_and_still_answers_with_the_scenario_intact() {
    let (mut handle, _) = spawn(zigzag());
    handle.next_timeout(WAIT).expect("restarted");
    handle.send(Command::Step(10));
    collect_until_paused(&mut handle, 2);

    // A panic in the 11th step.
    assert!(handle.send(Command::Panic(PanicAt::Step)));
    assert!(handle.send(Command::Step(5)));
    let (report, scenario) = expect_recovery(&mut handle);
    assert!(
        report.contains("the solver panicked in step 11")
            && report.contains("a test asked the solver to panic in a step")
            && report.contains("back at its start"),
        "{report}"
    );
    assert_eq!(scenario, zigzag());

    // A panic while handling a command.
    assert!(handle.send(Command::Panic(PanicAt::Command)));
    let (report, scenario) = expect_recovery(&mut handle);
    assert!(
        report.contains("while handling Panic(Command)") && report.contains("same scenario"),
        "{report}"
    );
    assert_eq!(scenario, zigzag());

    // Step and Play go on from the start, with the same numbers as a fresh session.
    assert!(handle.send(Command::Step(3)));
    let all = collect_until_paused(&mut handle, 2);
    let expected = Session::new(zigzag()).advance(3);
    assert_eq!(all[0], expected[0].samples);
    assert_eq!(all[1], expected[1].samples);
    handle.send(Command::SetSpeed(Speed::Max));
    handle.send(Command::Play);
    let rest = collect_until_paused(&mut handle, 2);
    assert_eq!(rest[0].last().map(|s| s.step), Some(200));
    assert!(!handle.has_stopped());
}

#[test]
fn a_panic_that_ends_the_worker_thread_is_noticed_and_a_new_thread_takes_over() {
    let (mut handle, _) = spawn(zigzag());
    handle.next_timeout(WAIT).expect("restarted");
    assert!(handle.take_stop_reason().is_none());
    assert!(handle.send(Command::Panic(PanicAt::Thread)));
    assert!(
        handle.next_timeout(WAIT).is_none(),
        "a dead thread sends nothing"
    );
    assert!(handle.has_stopped());
    assert!(!handle.send(Command::Step(1)));
    let reason = handle.take_stop_reason().expect("why it stopped");
    assert!(
        reason.contains("panicked") && reason.contains("outside its guards"),
        "{reason}"
    );
    assert!(handle.take_stop_reason().is_none(), "reported once");

    let before = handle.generation();
    handle.respawn(zigzag()).expect("a new thread");
    assert!(handle.generation() > before);
    let restarted = handle.next_timeout(WAIT).expect("the new thread starts");
    let UpdateKind::Restarted { scenario, .. } = restarted.kind else {
        panic!("expected a restart");
    };
    assert_eq!(*scenario, zigzag());
    assert!(handle.send(Command::Step(2)));
    let all = collect_until_paused(&mut handle, 2);
    assert_eq!(all[0].iter().map(|s| s.step).collect::<Vec<_>>(), [1, 2]);
    assert!(!handle.has_stopped());
}

/// Runs that blow up (overflow, NaN, a singular Newton system) end in a labelled status, and no
/// non-finite number reaches the samples the plots draw.
#[test]
fn diverging_runs_are_labelled_and_never_poison_the_samples() {
    let cases = [
        ("Rosenbrock()", "Sgd(lr: 10.0)", "(-1.0, 1.5)"),
        ("Rosenbrock()", "Adam(lr: 1000.0)", "(-1.0, 1.5)"),
        (
            "Rosenbrock()",
            "Sgd(lr: 0.01, momentum: 0.99)",
            "(-1.0, 1.5)",
        ),
        ("MonkeySaddle()", "Newton()", "(0.0, 0.0)"),
        ("Saddle()", "Newton()", "(0.0, 0.0)"),
        (
            "Quadratic(lambda1: 1.0, lambda2: 100.0)",
            "Sgd(lr: 1.0)",
            "(1.0, 1.0)",
        ),
    ];
    for (landscape, optimizer, start) in cases {
        let source = format!(
            "Scenario(problem: Landscape({landscape}), steps: 5000, sharpness_every: 1, \
             runs: [Run(optimizer: {optimizer}, start: {start})])"
        );
        let scenario = scenario::parse(&source, "diverge.ron")
            .unwrap_or_else(|e| panic!("{source}: {e:?}"))
            .scenario;
        let mut session = Session::new(scenario);
        let all = trajectories(&mut session, 1000);
        let finite = |v: f64| v.is_finite();
        for sample in &all[0] {
            assert!(
                sample.point.iter().all(|v| v.is_finite())
                    && sample.loss.is_finite()
                    && sample.grad_norm.is_finite()
                    && sample.sharpness.is_none_or(finite)
                    && sample.preconditioned_sharpness.is_none_or(finite),
                "{landscape} {optimizer}: {sample:?}"
            );
        }
        let status = session.runs()[0].status();
        assert!(!status.is_running(), "{landscape} {optimizer}");
        if !matches!(status, RunStatus::Finished | RunStatus::Converged { .. }) {
            let why = status.explanation().unwrap_or_default();
            assert!(!why.is_empty(), "{landscape} {optimizer}: {status:?}");
        }
    }
}

/// Played at full speed, the solver merges many batches of steps into each progress message: the
/// network records of every batch must arrive, the same as the synchronous session makes them.
#[test]
fn a_network_lesson_played_at_max_delivers_every_record() {
    let lesson = scenario::parse(
        include_str!("../presets/deep_linear_saddles.ron"),
        "deep_linear_saddles.ron",
    )
    .expect("the lesson loads")
    .scenario;
    let runs = lesson.runs.len();
    let steps = lesson.steps;
    let (mut handle, _) = spawn(lesson.clone());
    let mut records = vec![Vec::new(); runs];
    let mut last_step = vec![0; runs];
    handle.send(Command::SetSpeed(Speed::Max));
    handle.send(Command::Play);
    loop {
        let update = handle.next_timeout(WAIT).expect("the solver answers");
        match update.kind {
            UpdateKind::Restarted { runs, .. } => {
                for p in runs {
                    records[p.run].extend(p.records);
                }
            }
            UpdateKind::Progress(progress) => {
                for p in progress {
                    records[p.run].extend(p.records);
                    if let Some(sample) = p.samples.last() {
                        last_step[p.run] = sample.step;
                    }
                }
            }
            UpdateKind::Paused => break,
            UpdateKind::Error(message) => panic!("{message}"),
        }
    }
    assert!(last_step.iter().all(|&s| s == steps), "{last_step:?}");

    let mut session = Session::new(lesson);
    let mut expected = vec![Vec::new(); runs];
    for p in session.snapshot() {
        expected[p.run].extend(p.records);
    }
    while !session.is_finished() {
        for p in session.advance(97) {
            expected[p.run].extend(p.records);
        }
    }
    for (run, (got, want)) in records.iter().zip(&expected).enumerate() {
        let got_steps: Vec<u64> = got.iter().map(|r| r.step).collect();
        let want_steps: Vec<u64> = want.iter().map(|r| r.step).collect();
        assert_eq!(got_steps, want_steps, "run {run}");
        assert!(
            want_steps.len() > 100,
            "records every 10 steps: {}",
            want_steps.len()
        );
        assert_eq!(got, want, "run {run}: the records themselves");
    }
}
