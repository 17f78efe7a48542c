//! The frame-driven solver (the browser's, which has no threads), natively and on a fake clock:
//! the same commands, updates and generations as the solver thread (tests/engine.rs), stepped by
//! `SolverHandle::tick` once a frame within a time budget.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use optiviz::clock::Instant;
use optiviz::engine::{
    Command, FakeClock, FrameClock, NextFrame, Sample, Session, SolverHandle, Speed, Update,
    UpdateKind,
};
use optiviz::optim::{OptimizerConfig, SgdConfig};
use optiviz::scenario::{self, Scenario};

const BUDGET: Duration = Duration::from_millis(6);
/// Ticks a test allows before it decides the solver is stuck.
const MAX_TICKS: usize = 10_000;

fn preset(text: &str, name: &str) -> Scenario {
    scenario::parse(text, name)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .scenario
}

fn zigzag() -> Scenario {
    preset(include_str!("../presets/zigzag.ron"), "zigzag.ron")
}

/// A frame-driven solver on `scenario` and a fake clock that moves by `per_reading` at every
/// reading; the counter counts wake-ups (one per command sent).
fn in_frames(
    scenario: Scenario,
    per_reading: Duration,
) -> (SolverHandle, FakeClock, Arc<AtomicUsize>) {
    let clock = FakeClock::new(per_reading);
    let wakes = Arc::new(AtomicUsize::new(0));
    let counter = wakes.clone();
    let wake = Arc::new(move || {
        counter.fetch_add(1, Ordering::Relaxed);
    });
    let handle = SolverHandle::in_frames(scenario, wake, BUDGET, FrameClock::Fake(clock.clone()));
    (handle, clock, wakes)
}

/// Every update waiting, without ticking.
fn drain(handle: &mut SolverHandle) -> Vec<Update> {
    std::iter::from_fn(|| handle.try_next()).collect()
}

/// One tick, then the updates it produced.
fn tick(handle: &mut SolverHandle) -> (NextFrame, Vec<Update>) {
    let next = handle.tick();
    (next, drain(handle))
}

/// Ticks (draining each frame, as the app does) and collects samples per run until `Paused`.
fn tick_until_paused(handle: &mut SolverHandle, runs: usize) -> Vec<Vec<Sample>> {
    let mut all = vec![Vec::new(); runs];
    for _ in 0..MAX_TICKS {
        for update in tick(handle).1 {
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
    panic!("no Paused after {MAX_TICKS} ticks");
}

/// The first update of a new solver: every run at step 0.
fn expect_restarted(handle: &mut SolverHandle) -> Box<Scenario> {
    let (_, updates) = tick(handle);
    let Some(Update {
        kind: UpdateKind::Restarted { scenario, runs },
        ..
    }) = updates.into_iter().next()
    else {
        panic!("the first update restarts");
    };
    assert!(runs.iter().all(|r| r.samples[0].step == 0));
    scenario
}

#[test]
fn frames_step_on_request_and_pause() {
    let (mut handle, _, wakes) = in_frames(zigzag(), Duration::from_millis(1));
    assert!(handle.runs_in_frames());
    expect_restarted(&mut handle);

    assert!(handle.send(Command::Step(5)));
    assert!(
        wakes.load(Ordering::Relaxed) >= 1,
        "a command asks for a frame"
    );
    let all = tick_until_paused(&mut handle, 2);
    for samples in &all {
        let steps: Vec<u64> = samples.iter().map(|s| s.step).collect();
        assert_eq!(steps, [1, 2, 3, 4, 5]);
    }
    let expected = Session::new(zigzag()).advance(5);
    assert_eq!(all[0], expected[0].samples);
    assert_eq!(all[1], expected[1].samples);
    // Paused with nothing queued: no frame wanted, and none produces anything.
    for _ in 0..5 {
        let (next, updates) = tick(&mut handle);
        assert_eq!(next, NextFrame::WhenWoken);
        assert!(updates.is_empty(), "{updates:?}");
    }

    handle.send(Command::SetSpeed(Speed::Max));
    handle.send(Command::Play);
    let rest = tick_until_paused(&mut handle, 2);
    assert_eq!(rest[0].first().map(|s| s.step), Some(6));
    assert_eq!(rest[0].last().map(|s| s.step), Some(200));
}

#[test]
fn frames_drop_updates_from_before_a_reset() {
    let mut scenario = zigzag();
    scenario.steps = 50_000_000;
    let (mut handle, _, _) = in_frames(scenario, Duration::from_millis(1));
    expect_restarted(&mut handle);
    handle.send(Command::SetSpeed(Speed::Max));
    handle.send(Command::Play);
    // Frames pass and progress piles up unread, then a reset without draining.
    for _ in 0..10 {
        handle.tick();
    }
    handle.send(Command::Reset);
    assert_eq!(handle.generation(), 1);
    let (_, updates) = tick(&mut handle);
    let first = updates.first().expect("an update after the reset");
    assert_eq!(first.generation, 1);
    let UpdateKind::Restarted { runs, .. } = &first.kind else {
        panic!("stale progress leaked past the reset: {:?}", first.kind);
    };
    assert!(runs.iter().all(|r| r.samples[0].step == 0));
    assert!(updates.iter().all(|u| u.generation == 1));
    // Still playing after the reset: progress continues from step 1 (in the next frame, once
    // the stale messages the UI had not read are off the queue).
    let (_, updates) = tick(&mut handle);
    let UpdateKind::Progress(progress) = &updates[0].kind else {
        panic!("expected progress, got {:?}", updates[0].kind);
    };
    assert_eq!(progress[0].samples[0].step, 1);
    assert!(updates.iter().all(|u| u.generation == 1));

    handle.send(Command::Pause);
    let (_, updates) = tick(&mut handle);
    assert!(matches!(
        updates.last().map(|u| &u.kind),
        Some(UpdateKind::Paused)
    ));
    // Paused means quiet.
    for _ in 0..5 {
        let (next, updates) = tick(&mut handle);
        assert_eq!(next, NextFrame::WhenWoken);
        assert!(updates.is_empty(), "{updates:?}");
    }
}

#[test]
fn frames_pace_steps_per_second_exactly_by_the_clock() {
    // A clock that moves only when the test moves it.
    let (mut handle, clock, _) = in_frames(zigzag(), Duration::ZERO);
    expect_restarted(&mut handle);
    handle.send(Command::SetSpeed(Speed::StepsPerSecond(60.0)));
    handle.send(Command::Play);
    let mut steps = 0;
    let mut count = |updates: Vec<Update>| {
        for update in updates {
            if let UpdateKind::Progress(progress) = update.kind {
                steps += progress[0].samples.len();
            }
        }
    };
    // No time has passed: no step, and the next one is wanted a 60th of a second from now.
    let (next, updates) = tick(&mut handle);
    count(updates);
    let NextFrame::After(wait) = next else {
        panic!("paced play waits for its next step, got {next:?}");
    };
    assert!(
        wait > Duration::ZERO && wait <= Duration::from_secs_f64(1.0 / 60.0),
        "{wait:?}"
    );
    // One second in ten frames of 100 ms, with extra frames in between that find nothing due.
    for _ in 0..10 {
        clock.advance(Duration::from_millis(100));
        for _ in 0..3 {
            let (next, updates) = tick(&mut handle);
            count(updates);
            assert!(matches!(next, NextFrame::After(_)), "{next:?}");
        }
    }
    handle.send(Command::Pause);
    let (_, updates) = tick(&mut handle);
    count(updates);
    assert_eq!(steps, 60, "60 steps/s for 1 s of the clock");
}

#[test]
fn frames_reject_an_invalid_scenario_and_keep_the_old_one() {
    let (mut handle, _, _) = in_frames(zigzag(), Duration::from_millis(1));
    expect_restarted(&mut handle);
    let mut bad = zigzag();
    bad.runs[0].optimizer = OptimizerConfig::Sgd(SgdConfig {
        lr: -1.0,
        ..SgdConfig::default()
    });
    handle.send(Command::ReplaceScenario(Box::new(bad)));
    let (_, updates) = tick(&mut handle);
    let [error, restarted] = &updates[..] else {
        panic!("expected an error and a restart, got {updates:?}");
    };
    let UpdateKind::Error(message) = &error.kind else {
        panic!("expected an error");
    };
    assert!(message.contains("lr"), "{message}");
    let UpdateKind::Restarted { scenario, .. } = &restarted.kind else {
        panic!("expected a restart");
    };
    assert_eq!(scenario.runs[0].optimizer, zigzag().runs[0].optimizer);
    // The old scenario still steps.
    handle.send(Command::Step(3));
    let all = tick_until_paused(&mut handle, 2);
    assert_eq!(all[0].last().map(|s| s.step), Some(3));
}

#[test]
fn frames_catch_a_restarted_run_up_with_the_others() {
    let (mut handle, _, _) = in_frames(zigzag(), Duration::from_millis(1));
    expect_restarted(&mut handle);
    handle.send(Command::Step(50));
    tick_until_paused(&mut handle, 2);
    let start = [-1.0, 0.5];
    handle.send(Command::MoveStart {
        run: Some(1),
        start,
    });
    // Paused: the moved run alone is stepped back level with the other, over as many frames as
    // its budget needs.
    let mut moved: Vec<Sample> = Vec::new();
    for _ in 0..MAX_TICKS {
        let (next, updates) = tick(&mut handle);
        for update in updates {
            match update.kind {
                UpdateKind::Restarted { runs, .. } => {
                    assert_eq!(runs.iter().map(|r| r.run).collect::<Vec<_>>(), [1]);
                    moved.extend(runs[0].samples.iter().copied());
                }
                UpdateKind::Progress(progress) => {
                    for p in progress {
                        assert_eq!(p.run, 1, "the run left alone is not stepped");
                        moved.extend(p.samples);
                    }
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        if next == NextFrame::WhenWoken {
            break;
        }
    }
    let steps: Vec<u64> = moved.iter().map(|s| s.step).collect();
    assert_eq!(steps, (0..=50).collect::<Vec<u64>>());
    // The same path as a session started there.
    let mut scenario = zigzag();
    scenario.runs[1].start = Some(start);
    let mut session = Session::new(scenario);
    let mut expected = vec![session.runs()[1].last_sample()];
    expected.extend(session.advance(50).swap_remove(1).samples);
    assert_eq!(moved, expected);
}

/// The bits of a trajectory: points and losses, exactly.
fn bits(samples: &[Sample]) -> Vec<(u64, [u64; 2], u64)> {
    samples
        .iter()
        .map(|s| {
            (
                s.step,
                [s.point[0].to_bits(), s.point[1].to_bits()],
                s.loss.to_bits(),
            )
        })
        .collect()
}

#[test]
fn frames_thread_and_session_give_the_same_trajectory_bit_for_bit() {
    let mut scenario = preset(
        include_str!("../presets/rosenbrock_race.ron"),
        "rosenbrock_race.ron",
    );
    scenario.steps = 500;
    let runs = scenario.runs.len();

    let mut session = Session::new(scenario.clone());
    let mut direct: Vec<Vec<Sample>> = vec![Vec::new(); runs];
    while !session.is_finished() {
        for progress in session.advance(7) {
            direct[progress.run].extend(progress.samples);
        }
    }

    let play = |handle: &mut SolverHandle| {
        handle
            .next_timeout(Duration::from_secs(10))
            .expect("restarted");
        handle.send(Command::SetSpeed(Speed::Max));
        handle.send(Command::Play);
    };
    let mut thread = SolverHandle::spawn(scenario.clone(), Arc::new(|| {})).expect("a thread");
    play(&mut thread);
    let mut threaded = vec![Vec::new(); runs];
    loop {
        let update = thread
            .next_timeout(Duration::from_secs(10))
            .expect("progress");
        match update.kind {
            UpdateKind::Progress(progress) => {
                for p in progress {
                    threaded[p.run].extend(p.samples);
                }
            }
            UpdateKind::Paused => break,
            other => panic!("unexpected {other:?}"),
        }
    }

    let (mut frames, _, _) = in_frames(scenario, Duration::from_micros(500));
    play(&mut frames);
    let framed = tick_until_paused(&mut frames, runs);

    assert_eq!(direct[0].len(), 500, "GD runs the whole budget");
    for run in 0..runs {
        assert!(!direct[run].is_empty(), "run {run}");
        assert_eq!(
            bits(&threaded[run]),
            bits(&direct[run]),
            "thread, run {run}"
        );
        assert_eq!(bits(&framed[run]), bits(&direct[run]), "frames, run {run}");
    }
}

#[test]
fn frames_at_max_speed_keep_each_tick_within_its_budget() {
    // On the fake clock every reading costs 1 ms: a tick stops once 6 ms have gone, after at most
    // one more unit of work (a few readings), and every tick makes progress.
    let mut scenario = zigzag();
    scenario.steps = 50_000_000;
    let (mut handle, clock, _) = in_frames(scenario.clone(), Duration::from_millis(1));
    expect_restarted(&mut handle);
    handle.send(Command::SetSpeed(Speed::Max));
    handle.send(Command::Play);
    for _ in 0..50 {
        let before = clock.elapsed();
        let (next, updates) = tick(&mut handle);
        let spent = clock.elapsed() - before;
        assert_eq!(next, NextFrame::Now);
        assert!(spent >= BUDGET, "the tick stopped early: {spent:?}");
        assert!(
            spent <= BUDGET + Duration::from_millis(6),
            "the tick ran past its budget: {spent:?}"
        );
        assert!(
            updates
                .iter()
                .any(|u| matches!(u.kind, UpdateKind::Progress(_))),
            "no progress in a tick"
        );
    }

    // On the system clock, with a network lesson whose steps cost real time: the ticks' wall
    // times stay near the budget (bounds generous for a loaded machine; a tick that ignored its
    // budget would run for seconds).
    let mut network = preset(include_str!("../presets/eos_mlp.ron"), "eos_mlp.ron");
    network.steps = 1_000_000;
    let mut handle = SolverHandle::in_frames(network, Arc::new(|| {}), BUDGET, FrameClock::System);
    handle.send(Command::SetSpeed(Speed::Max));
    handle.send(Command::Play);
    let mut walls = Vec::new();
    let mut steps = 0;
    for _ in 0..40 {
        let started = Instant::now();
        handle.tick();
        walls.push(started.elapsed());
        for update in drain(&mut handle) {
            if let UpdateKind::Progress(progress) = update.kind {
                steps += progress[0].samples.len();
            }
        }
    }
    walls.sort();
    let median = walls[walls.len() / 2];
    assert!(steps > 0);
    assert!(median <= BUDGET * 4, "median tick {median:?}: {walls:?}");
    assert!(
        walls[walls.len() - 1] <= Duration::from_millis(500),
        "{walls:?}"
    );
}
