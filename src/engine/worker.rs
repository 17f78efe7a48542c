//! The background thread that steps a [`Session`] while the UI draws.
//!
//! The UI owns a [`WorkerHandle`]: it sends [`Command`]s and drains [`Update`]s, never blocking on
//! the worker and never sharing mutable state with it. Commands that throw progress away start a new
//! generation; the handle numbers them, the worker tags every update with the generation it belongs
//! to, and the handle drops updates from older generations, so nothing computed before a reset ever
//! reaches the screen. The worker wakes the UI through an injected callback (in the app, a wrapper of
//! `request_repaint`), at most about 60 times a second.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, TryRecvError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::messages::{Command, RunProgress, Speed, Update, UpdateKind};
use super::session::Session;
use crate::scenario::{self, MAX_STEPS, Scenario};
use crate::validate::Checker;

/// How the worker tells the UI that updates are waiting.
pub type Wake = Arc<dyn Fn() + Send + Sync>;

/// Shortest time between two progress messages (and wake-ups): about 60 per second.
const FLUSH_INTERVAL: Duration = Duration::from_millis(16);
/// Longest time spent stepping before looking at commands again.
const SLICE: Duration = Duration::from_millis(8);
/// Most steps taken at once in `Speed::StepsPerSecond` when the worker has fallen behind.
const MAX_CATCH_UP: u64 = 10_000;
/// Most steps per `advance` call at full speed, so one progress message stays a few MB at most.
const MAX_CHUNK: u64 = 1 << 15;
/// Progress messages the UI may have unread before the worker waits for it (backpressure: a UI
/// that drains slower than the worker computes never lets the queue, and memory, grow).
const MAX_IN_FLIGHT: usize = 4;

/// The UI's end of the worker: sends commands, receives the current generation's updates.
pub struct WorkerHandle {
    commands: Sender<(u64, Command)>,
    updates: Receiver<Update>,
    in_flight: Arc<AtomicUsize>,
    generation: u64,
    thread: Option<JoinHandle<()>>,
}

impl WorkerHandle {
    /// Starts a worker on `scenario` (validated), paused at step 0. Its first update is
    /// `Restarted` with the start points.
    pub fn spawn(scenario: Scenario, wake: Wake) -> std::io::Result<Self> {
        let (command_sender, command_receiver) = mpsc::channel();
        let (update_sender, update_receiver) = mpsc::channel();
        let in_flight = Arc::new(AtomicUsize::new(0));
        let worker_in_flight = in_flight.clone();
        let thread = std::thread::Builder::new()
            .name("optiviz-worker".to_owned())
            .spawn(move || {
                let mut worker = Worker::new(scenario, update_sender, wake, worker_in_flight);
                worker.run(&command_receiver);
            })?;
        Ok(Self {
            commands: command_sender,
            updates: update_receiver,
            in_flight,
            generation: 0,
            thread: Some(thread),
        })
    }

    /// Sends a command. Returns `false` if the worker has stopped.
    pub fn send(&mut self, command: Command) -> bool {
        if command.starts_generation() {
            self.generation += 1;
        }
        self.commands.send((self.generation, command)).is_ok()
    }

    /// The generation whose updates are accepted.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The next update of the current generation, if one is waiting; stale ones are dropped.
    pub fn try_next(&mut self) -> Option<Update> {
        loop {
            let update = self.updates.try_recv().ok()?;
            self.received(&update);
            if update.generation == self.generation {
                return Some(update);
            }
        }
    }

    /// Waits up to `timeout` for the next update of the current generation (for tests and the CLI;
    /// the UI uses [`try_next`](Self::try_next)).
    pub fn next_timeout(&mut self, timeout: Duration) -> Option<Update> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.checked_duration_since(Instant::now())?;
            let update = self.updates.recv_timeout(left).ok()?;
            self.received(&update);
            if update.generation == self.generation {
                return Some(update);
            }
        }
    }
}

impl WorkerHandle {
    /// Tells the worker a progress message was taken off the queue.
    fn received(&self, update: &Update) {
        if matches!(update.kind, UpdateKind::Progress(_)) {
            self.in_flight.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

impl Drop for WorkerHandle {
    fn drop(&mut self) {
        let _ = self.commands.send((self.generation, Command::Shutdown));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// What the worker should do next.
enum Next {
    /// Wait for a command, without time limit.
    Idle,
    /// Step again right away (after checking commands).
    Busy,
    /// Wait for a command until the next paced step is due.
    WaitFor(Duration),
}

struct Worker {
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
    outbox: Vec<RunProgress>,
    last_flush: Instant,
    updates: Sender<Update>,
    wake: Wake,
    /// Progress messages sent and not yet received by the UI.
    in_flight: Arc<AtomicUsize>,
}

impl Worker {
    fn new(
        scenario: Scenario,
        updates: Sender<Update>,
        wake: Wake,
        in_flight: Arc<AtomicUsize>,
    ) -> Self {
        Self {
            session: Session::new(scenario),
            generation: 0,
            playing: false,
            speed: Speed::StepsPerSecond(60.0),
            pending_steps: 0,
            paced_since: Instant::now(),
            paced_steps: 0,
            chunk: 1,
            outbox: Vec::new(),
            last_flush: Instant::now(),
            updates,
            wake,
            in_flight,
        }
    }

    fn run(&mut self, commands: &Receiver<(u64, Command)>) {
        self.send_restarted();
        let mut next = Next::Idle;
        loop {
            let received = match next {
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
                && !self.handle(generation, command)
            {
                return;
            }
            next = self.work();
        }
    }

    /// Carries out a command; `false` ends the thread.
    fn handle(&mut self, generation: u64, command: Command) -> bool {
        if command.starts_generation() {
            self.generation = generation;
            self.outbox.clear();
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
                if problems.is_empty() {
                    self.session.edit_run(run, *config, restart);
                } else {
                    self.send(UpdateKind::Error(describe(&problems)));
                }
                if restart {
                    self.send_restarted();
                }
            }
            Command::AddRun(config) => {
                let mut checker = Checker::new();
                config.optimizer.validate(&mut checker);
                if checker.found.is_empty() {
                    self.session.add_run(*config);
                } else {
                    self.send(UpdateKind::Error(describe(&checker.found)));
                }
                self.send_restarted();
            }
            Command::RemoveRun(run) => {
                self.session.remove_run(run);
                self.send_restarted();
            }
            Command::MoveStart { run, start } => {
                if start.iter().all(|v| v.is_finite()) {
                    self.session.set_start(run, start);
                } else {
                    self.send(UpdateKind::Error(
                        "the start point must be finite".to_owned(),
                    ));
                }
                self.send_restarted();
            }
            Command::Shutdown => return false,
        }
        true
    }

    /// Steps as the current mode asks and says what to do next.
    fn work(&mut self) -> Next {
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
                let started = Instant::now();
                self.advance(self.chunk);
                // Grow or shrink the chunk so that one call fills about one time slice.
                if started.elapsed() < SLICE / 2 {
                    self.chunk = (self.chunk * 2).min(MAX_CHUNK);
                } else if started.elapsed() > SLICE * 2 {
                    self.chunk = (self.chunk / 2).max(1);
                }
                self.flush_if_due();
                Next::Busy
            }
            Speed::StepsPerSecond(rate) => {
                let rate = rate.max(1e-3);
                let due = (self.paced_since.elapsed().as_secs_f64() * rate) as u64;
                if due > self.paced_steps {
                    let n = (due - self.paced_steps).min(MAX_CATCH_UP);
                    self.advance(n);
                    self.paced_steps = due;
                }
                self.flush_if_due();
                let next_due = (self.paced_steps + 1) as f64 / rate;
                let wait = next_due - self.paced_since.elapsed().as_secs_f64();
                Next::WaitFor(Duration::from_secs_f64(wait.clamp(0.0, 0.1)))
            }
        }
    }

    fn advance(&mut self, n: u64) {
        for progress in self.session.advance(n) {
            match self.outbox.iter_mut().find(|p| p.run == progress.run) {
                Some(pending) => {
                    pending.samples.extend(progress.samples);
                    pending.status = progress.status;
                    pending.probes = progress.probes;
                    pending.auxiliary = progress.auxiliary;
                    pending.latest_step = progress.latest_step;
                }
                None => self.outbox.push(progress),
            }
        }
    }

    fn restart_pacing(&mut self) {
        self.paced_since = Instant::now();
        self.paced_steps = 0;
    }

    fn flush_if_due(&mut self) {
        if self.last_flush.elapsed() >= FLUSH_INTERVAL {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if !self.outbox.is_empty() {
            let progress = std::mem::take(&mut self.outbox);
            self.send(UpdateKind::Progress(progress));
        }
        self.last_flush = Instant::now();
    }

    fn send_restarted(&mut self) {
        let kind = UpdateKind::Restarted {
            scenario: Box::new(self.session.scenario().clone()),
            runs: self.session.snapshot(),
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
