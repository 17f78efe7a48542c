//! The solver that steps a [`Session`] while the UI draws: on a background thread (the desktop) or
//! inside the frame loop ([`frames`], the browser, which has no threads).
//!
//! The UI owns a [`SolverHandle`]: it sends [`Command`]s and drains [`Update`]s, never blocking on
//! the solver and never sharing mutable state with it. Commands that throw progress away start a new
//! generation; the handle numbers them, the solver tags every update with the generation it belongs
//! to, and the handle drops updates from older generations, so nothing computed before a reset ever
//! reaches the screen. The solver wakes the UI through an injected callback (in the app, a wrapper of
//! `request_repaint`), at most about 60 times a second.
//!
//! Both drivers run the same [`Solver`]: `serve` carries out a command, `work_guarded` does one
//! batch of steps and says what next; the thread blocks on its commands between them, the frame
//! driver calls them until the frame's budget is spent. Time is read on a [`FrameClock`].
//!
//! A panic never takes the app down. Each unit of work (one command's handling, one batch of steps)
//! runs under `catch_unwind`; after a panic the solver throws its `Session` away, builds a new one
//! from the scenario it holds (every run back at its start), says so in an `Error` update followed by
//! the usual `Restarted`, and goes on serving commands. A panic that escapes anyway ends the thread:
//! the handle sees the channel close ([`SolverHandle::take_stop_reason`]) and the app starts a new
//! thread on its scenario ([`SolverHandle::respawn`]). The default panic hook still prints the panic
//! to stderr: the hook is global to the process, and that line is what a bug report needs.

use std::any::Any;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, TryRecvError};
use std::time::Duration;

mod frames;
mod handle;

pub use frames::{FakeClock, FrameClock, MAX_WORK_PER_TICK, NextFrame};
pub use handle::SolverHandle;

use super::messages::{Command, PanicAt, RunProgress, RunRemap, Speed, Update, UpdateKind};
use super::session::Session;
use crate::clock::Instant;
use crate::scenario::{self, MAX_STEPS, Scenario};
use crate::validate::Checker;

/// How the solver tells the UI that updates are waiting.
pub type Wake = Arc<dyn Fn() + Send + Sync>;

/// Shortest time between two progress messages (and wake-ups): about 60 per second.
const FLUSH_INTERVAL: Duration = Duration::from_millis(16);
/// Longest time the thread steps before looking at commands again (frames: half the budget).
const THREAD_SLICE: Duration = Duration::from_millis(8);
/// Most steps taken at once in `Speed::StepsPerSecond` when the solver has fallen behind.
const MAX_CATCH_UP: u64 = 10_000;
/// Most steps per `advance` call at full speed, so one progress message stays a few MB at most.
const MAX_CHUNK: u64 = 1 << 15;
/// Progress messages the UI may have unread before the solver waits for it (backpressure: a UI
/// that drains slower than the solver computes never lets the queue, and memory, grow).
const MAX_IN_FLIGHT: usize = 4;
/// Threads started one after another by [`SolverHandle::respawn`] without one of them getting as
/// far as its first `Restarted` update: beyond this the scenario itself kills the thread, and
/// starting yet another would only loop.
const MAX_RESPAWNS: u32 = 3;

/// What the solver should do next.
#[derive(Clone, Copy, Debug)]
enum Next {
    /// Wait for a command, without time limit.
    Idle,
    /// Step again right away (after checking commands).
    Busy,
    /// Wait for a command until the next paced step is due.
    WaitFor(Duration),
    /// End the thread.
    Stop,
}

struct Solver {
    session: Session,
    generation: u64,
    playing: bool,
    speed: Speed,
    /// Steps still to take for `Command::Step`.
    pending_steps: u64,
    /// Pacing: when play began at the current speed, and how many steps were taken since.
    paced_since: Instant,
    paced_steps: u64,
    /// Steps per `advance` call at full speed, tuned to fill a time slice.
    chunk: u64,
    /// The time a batch of steps should take.
    slice: Duration,
    /// Where the time is read: the system's clock, or a test's.
    clock: FrameClock,
    outbox: Vec<RunProgress>,
    last_flush: Instant,
    updates: Sender<Update>,
    wake: Wake,
    /// Progress messages sent and not yet received by the UI.
    in_flight: Arc<AtomicUsize>,
    /// The steps of the batch being taken, first and last, to say where a panic struck.
    stepping: Option<(u64, u64)>,
    /// Test hook ([`PanicAt::Step`]): panic in the next batch of steps.
    panic_in_next_step: bool,
}

impl Solver {
    /// A solver on `scenario`, or `None` (after saying why) if building its session panics.
    /// `slice` is the time a batch of steps should take; `clock` is where the time is read.
    fn new(
        scenario: Scenario,
        updates: Sender<Update>,
        wake: Wake,
        in_flight: Arc<AtomicUsize>,
        generation: u64,
        (slice, clock): (Duration, FrameClock),
    ) -> Option<Self> {
        let built = panic::catch_unwind(AssertUnwindSafe(|| Session::new(scenario)));
        let session = match built {
            Ok(session) => session,
            Err(payload) => {
                let message = format!(
                    "the solver panicked while building the scenario: {}",
                    panic_message(&*payload)
                );
                let update = Update {
                    generation,
                    kind: UpdateKind::Error(message),
                };
                if updates.send(update).is_ok() {
                    wake();
                }
                return None;
            }
        };
        Some(Self {
            session,
            generation,
            playing: false,
            speed: Speed::StepsPerSecond(60.0),
            pending_steps: 0,
            paced_since: clock.now(),
            paced_steps: 0,
            chunk: 1,
            slice,
            outbox: Vec::new(),
            last_flush: clock.now(),
            clock,
            updates,
            wake,
            in_flight,
            stepping: None,
            panic_in_next_step: false,
        })
    }

    fn run(&mut self, commands: &Receiver<(u64, Command)>) {
        self.send_restarted();
        let mut next = Next::Idle;
        loop {
            let received = match next {
                Next::Stop => return,
                Next::Busy => match commands.try_recv() {
                    Ok(message) => Some(message),
                    Err(TryRecvError::Empty) => None,
                    Err(TryRecvError::Disconnected) => return,
                },
                Next::Idle => {
                    self.flush();
                    match commands.recv() {
                        Ok(message) => Some(message),
                        Err(_) => return,
                    }
                }
                Next::WaitFor(wait) => {
                    self.flush_if_due();
                    match commands.recv_timeout(wait) {
                        Ok(message) => Some(message),
                        Err(RecvTimeoutError::Timeout) => None,
                        Err(RecvTimeoutError::Disconnected) => return,
                    }
                }
            };
            if let Some((generation, command)) = received
                && !self.serve(generation, command)
            {
                return;
            }
            next = self.work_guarded();
        }
    }

    /// Carries out a command as both drivers hand it over; `false` ends the solver.
    fn serve(&mut self, generation: u64, command: Command) -> bool {
        if matches!(command, Command::Panic(PanicAt::Thread)) {
            panic!("a test asked the solver thread to panic outside its guards");
        }
        self.handle_guarded(generation, command)
    }

    /// Handles a command under `catch_unwind`; after a panic the session is rebuilt. `false`
    /// ends the thread.
    fn handle_guarded(&mut self, generation: u64, command: Command) -> bool {
        let during = match &command {
            // Building the new session is what panics; the old one is still in place.
            Command::ReplaceScenario(_) => {
                "while loading a new scenario, which was not loaded".to_owned()
            }
            other => format!("while handling {}", other.name()),
        };
        // The scenario as it was, should the command's own change be what makes building panic.
        let before = (command.edits_scenario() && !matches!(command, Command::ReplaceScenario(_)))
            .then(|| self.session.scenario().clone());
        match panic::catch_unwind(AssertUnwindSafe(|| self.handle(generation, command))) {
            Ok(keep_going) => keep_going,
            Err(payload) => self.recover(&during, &*payload, before),
        }
    }

    /// Steps under `catch_unwind`; after a panic the session is rebuilt and stepping stops.
    fn work_guarded(&mut self) -> Next {
        match panic::catch_unwind(AssertUnwindSafe(|| self.work())) {
            Ok(next) => next,
            Err(payload) => {
                let during = match self.stepping.take() {
                    Some((first, last)) if first == last => format!("in step {first}"),
                    Some((first, last)) => format!("in steps {first} to {last}"),
                    None => "between steps".to_owned(),
                };
                if self.recover(&during, &*payload, None) {
                    Next::Idle
                } else {
                    Next::Stop
                }
            }
        }
    }

    /// After a panic: drops the session, builds a new one from the scenario (or from `fallback`,
    /// the scenario before the command that panicked, if the current one no longer validates or
    /// builds), and tells the UI. `false` if neither builds: the thread then ends.
    fn recover(
        &mut self,
        during: &str,
        payload: &(dyn Any + Send),
        fallback: Option<Scenario>,
    ) -> bool {
        let message = panic_message(payload);
        self.playing = false;
        self.pending_steps = 0;
        self.chunk = 1;
        self.stepping = None;
        self.panic_in_next_step = false;
        // Samples computed before the panic belong to the session thrown away.
        self.outbox.clear();
        let current = self.session.scenario().clone();
        let rebuilt = [Some(current), fallback]
            .into_iter()
            .enumerate()
            .filter_map(|(index, scenario)| Some((index, scenario?)))
            .filter(|(_, scenario)| scenario::validate(scenario).is_empty())
            .find_map(|(index, scenario)| {
                let session = panic::catch_unwind(AssertUnwindSafe(|| Session::new(scenario)));
                Some((index, session.ok()?))
            });
        let Some((used, session)) = rebuilt else {
            self.send(UpdateKind::Error(format!(
                "the solver panicked {during} ({message}) and could not rebuild the scenario; \
                 the solver thread stops"
            )));
            return false;
        };
        self.session = session;
        let which = if used == 0 {
            "the same scenario"
        } else {
            "the scenario as it was before that command"
        };
        self.send(UpdateKind::Error(format!(
            "the solver panicked {during} ({message}); it was rebuilt on {which} and every run is \
             back at its start"
        )));
        self.send_restarted();
        self.send(UpdateKind::Paused);
        true
    }

    /// Carries out a command; `false` ends the thread.
    fn handle(&mut self, generation: u64, command: Command) -> bool {
        if let Some(remap) = command.remap() {
            if remap == RunRemap::All {
                self.outbox.clear();
            } else {
                // The runs the command leaves alone keep this progress: it goes out under the
                // old generation, whose run numbers the handle translates.
                self.flush();
            }
            self.generation = generation;
        }
        match command {
            Command::Play => {
                self.playing = true;
                self.restart_pacing();
            }
            Command::Pause => {
                self.playing = false;
                self.pending_steps = 0;
                self.flush();
                self.send(UpdateKind::Paused);
            }
            Command::Step(n) => {
                self.playing = false;
                self.pending_steps = self.pending_steps.saturating_add(n);
            }
            Command::Reset => {
                self.session.reset();
                self.send_restarted();
            }
            Command::SetSpeed(speed) => {
                self.speed = speed;
                self.restart_pacing();
            }
            Command::SetStepBudget(steps) => {
                if (1..=MAX_STEPS).contains(&steps) {
                    self.session.set_step_budget(steps);
                } else {
                    self.send(UpdateKind::Error(format!(
                        "the step budget must be between 1 and {MAX_STEPS}, got {steps}"
                    )));
                }
            }
            Command::ReplaceScenario(scenario) => {
                let problems = scenario::validate(&scenario);
                if problems.is_empty() {
                    self.session = Session::new(*scenario);
                    self.playing = false;
                    self.pending_steps = 0;
                } else {
                    self.send(UpdateKind::Error(describe(&problems)));
                }
                self.send_restarted();
            }
            Command::EditRun { .. }
            | Command::AddRun(_)
            | Command::RemoveRun(_)
            | Command::MoveStart { .. } => self.edit_runs(command),
            Command::Shutdown => return false,
            Command::Panic(PanicAt::Command) => {
                panic!("a test asked the solver to panic while handling a command")
            }
            Command::Panic(PanicAt::Step) => self.panic_in_next_step = true,
            // Handled in `run`, outside the guards.
            Command::Panic(PanicAt::Thread) => {}
        }
        true
    }

    /// Carries out a command that edits runs: validated first (a refused edit is an `Error`
    /// update and changes nothing), then the solver says which runs restarted; a run restarted or
    /// added on its own then catches up with the others (`work`).
    fn edit_runs(&mut self, command: Command) {
        let restarted: Vec<usize> = match command {
            Command::EditRun {
                run,
                config,
                restart,
            } => {
                let mut candidate = self.session.scenario().clone();
                if let Some(slot) = candidate.runs.get_mut(run) {
                    *slot = (*config).clone();
                }
                let problems = scenario::validate(&candidate);
                if !problems.is_empty() {
                    self.send(UpdateKind::Error(describe(&problems)));
                } else {
                    self.session.edit_run(run, *config, restart);
                }
                if !restart {
                    return;
                }
                if problems.is_empty() {
                    vec![run]
                } else {
                    Vec::new()
                }
            }
            Command::AddRun(config) => {
                let mut checker = Checker::new();
                config.optimizer.validate(&mut checker);
                if checker.found.is_empty() {
                    self.session.add_run(*config);
                    vec![self.session.runs().len() - 1]
                } else {
                    self.send(UpdateKind::Error(describe(&checker.found)));
                    Vec::new()
                }
            }
            Command::RemoveRun(run) => {
                self.session.remove_run(run);
                Vec::new()
            }
            Command::MoveStart { run, start } => {
                if start.iter().all(|v| v.is_finite()) {
                    self.session.set_start(run, start);
                    match run {
                        Some(run) => vec![run],
                        None => (0..self.session.runs().len()).collect(),
                    }
                } else {
                    self.send(UpdateKind::Error(
                        "the start point must be finite".to_owned(),
                    ));
                    Vec::new()
                }
            }
            // The other commands are `handle`'s own.
            _ => return,
        };
        self.send_restarted_runs(&restarted);
    }

    /// Steps the runs still catching up, a time slice's worth, and says what to do next.
    fn catch_up(&mut self) -> Next {
        if self.in_flight.load(Ordering::Acquire) >= MAX_IN_FLIGHT {
            return Next::WaitFor(FLUSH_INTERVAL);
        }
        let started = self.clock.now();
        self.stepping = None;
        let progress = self.session.catch_up(self.chunk);
        self.collect(progress);
        self.tune_chunk(self.clock.since(started));
        // The others wait for it: paced play resumes from here, not with a leap.
        self.restart_pacing();
        self.flush_if_due();
        Next::Busy
    }

    /// Steps as the current mode asks and says what to do next.
    fn work(&mut self) -> Next {
        if self.session.is_catching_up() {
            return self.catch_up();
        }
        if self.session.is_finished() {
            if self.playing || self.pending_steps > 0 {
                self.playing = false;
                self.pending_steps = 0;
                self.flush();
                self.send(UpdateKind::Paused);
            }
            return Next::Idle;
        }
        if self.in_flight.load(Ordering::Acquire) >= MAX_IN_FLIGHT {
            // The UI is behind: wait for it (commands still get through).
            return Next::WaitFor(FLUSH_INTERVAL);
        }
        if self.pending_steps > 0 {
            let n = self.pending_steps.min(self.chunk.max(1));
            self.advance(n);
            self.pending_steps -= n;
            if self.pending_steps == 0 {
                self.flush();
                self.send(UpdateKind::Paused);
                return Next::Idle;
            }
            return Next::Busy;
        }
        if !self.playing {
            return Next::Idle;
        }
        match self.speed {
            Speed::Max => {
                let started = self.clock.now();
                self.advance(self.chunk);
                self.tune_chunk(self.clock.since(started));
                self.flush_if_due();
                Next::Busy
            }
            Speed::StepsPerSecond(rate) => {
                let rate = rate.max(1e-3);
                let due = (self.clock.since(self.paced_since).as_secs_f64() * rate) as u64;
                if due > self.paced_steps {
                    let n = (due - self.paced_steps).min(MAX_CATCH_UP);
                    self.advance(n);
                    self.paced_steps = due;
                }
                self.flush_if_due();
                let next_due = (self.paced_steps + 1) as f64 / rate;
                let wait = next_due - self.clock.since(self.paced_since).as_secs_f64();
                Next::WaitFor(Duration::from_secs_f64(wait.clamp(0.0, 0.1)))
            }
        }
    }

    /// Grows or shrinks the chunk so that one batch of steps, which took `took`, fills about one
    /// time slice.
    fn tune_chunk(&mut self, took: Duration) {
        if took < self.slice / 2 {
            self.chunk = (self.chunk * 2).min(MAX_CHUNK);
        } else if took > self.slice * 2 {
            self.chunk = (self.chunk / 2).max(1);
        }
    }

    fn advance(&mut self, n: u64) {
        let first = self
            .session
            .runs()
            .iter()
            .filter(|run| run.status().is_running())
            .map(|run| run.steps_taken() + 1)
            .min();
        self.stepping = first.map(|first| (first, first + n.saturating_sub(1)));
        if std::mem::take(&mut self.panic_in_next_step) {
            panic!("a test asked the solver to panic in a step");
        }
        let progress = self.session.advance(n);
        self.stepping = None;
        self.collect(progress);
    }

    /// Adds progress to the outbox, merged with what is waiting for each run.
    fn collect(&mut self, progress: Vec<RunProgress>) {
        for progress in progress {
            match self.outbox.iter_mut().find(|p| p.run == progress.run) {
                Some(pending) => pending.absorb(progress),
                None => self.outbox.push(progress),
            }
        }
    }

    fn restart_pacing(&mut self) {
        self.paced_since = self.clock.now();
        self.paced_steps = 0;
    }

    fn flush_if_due(&mut self) {
        if self.clock.since(self.last_flush) >= FLUSH_INTERVAL {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if !self.outbox.is_empty() {
            let mut progress = std::mem::take(&mut self.outbox);
            for update in &mut progress {
                if let Some(run) = self.session.runs().get(update.run) {
                    update.latest_step = run.latest_step();
                    update.workers = run.worker_trails();
                }
            }
            self.send(UpdateKind::Progress(progress));
        }
        self.last_flush = self.clock.now();
    }

    /// Says that every run restarted.
    fn send_restarted(&mut self) {
        let all: Vec<usize> = (0..self.session.runs().len()).collect();
        self.send_restarted_runs(&all);
    }

    /// Says that the runs `which` restarted (the others keep their history).
    fn send_restarted_runs(&mut self, which: &[usize]) {
        let kind = UpdateKind::Restarted {
            scenario: Box::new(self.session.scenario().clone()),
            runs: self.session.snapshot_of(which),
        };
        self.send(kind);
    }

    fn send(&mut self, kind: UpdateKind) {
        if matches!(kind, UpdateKind::Progress(_)) {
            self.in_flight.fetch_add(1, Ordering::AcqRel);
        }
        let update = Update {
            generation: self.generation,
            kind,
        };
        // A closed channel means the UI is gone; the next command receive ends the thread.
        if self.updates.send(update).is_ok() {
            (self.wake)();
        }
    }
}

fn describe(problems: &[crate::validate::Invalid]) -> String {
    problems
        .iter()
        .map(|p| format!("{}: {}", p.path, p.message))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The text a panic was raised with (`panic!` gives a `&str` or a `String`).
fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "no message".to_owned()
    }
}
