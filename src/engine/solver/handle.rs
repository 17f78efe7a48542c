//! The UI's end of the solver: starts it (on a thread, or in the frame loop), sends commands,
//! drains the current generation's updates (and what older ones say of runs the commands since
//! kept, renumbered), and notices and replaces a solver that ended. The UI calls
//! [`SolverHandle::tick`] once a frame either way: it steps the frame-driven solver and does nothing
//! for the thread, so the UI's code does not depend on which one runs.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, TryRecvError};
use std::thread::JoinHandle;
use std::time::Duration;

use super::frames::{FrameClock, FrameDriver, NextFrame};
use super::{MAX_RESPAWNS, Solver, THREAD_SLICE, Wake, panic_message};
use crate::clock::Instant;
use crate::engine::messages::{Command, RunProgress, RunRemap, Update, UpdateKind};
use crate::scenario::Scenario;

/// The UI's end of the solver: sends commands, receives the current generation's updates.
pub struct SolverHandle {
    commands: Sender<(u64, Command)>,
    updates: Receiver<Update>,
    in_flight: Arc<AtomicUsize>,
    generation: u64,
    driver: Driver,
    wake: Wake,
    /// The solver has ended: a channel to it is closed.
    stopped: bool,
    /// Threads started by `respawn` since the last `Restarted` update.
    respawns: u32,
    /// For each generation begun by a command since the oldest update still to come: how it
    /// renumbers runs, to carry older updates over to the current generation.
    remaps: Vec<(u64, RunRemap)>,
}

/// What runs the solver.
enum Driver {
    /// Its own thread (`None` once joined).
    Thread(Option<JoinHandle<()>>),
    /// The caller's frame loop, `budget` of each frame read on `clock` (`driver` is `None` once
    /// its end was reported).
    Frames {
        driver: Option<Box<FrameDriver>>,
        budget: Duration,
        clock: FrameClock,
    },
}

/// The handle's ends of the channels to one solver, and what runs it.
struct Channels {
    commands: Sender<(u64, Command)>,
    updates: Receiver<Update>,
    in_flight: Arc<AtomicUsize>,
    driver: Driver,
}

/// Calls the wake callback when dropped: the solver thread holds one, so the UI looks at the
/// channel (and finds it closed) even when the thread ends by a panic.
struct WakeOnExit(Wake);

impl Drop for WakeOnExit {
    fn drop(&mut self) {
        (self.0)();
    }
}

impl SolverHandle {
    /// Starts a solver on `scenario` (validated), paused at step 0. Its first update is
    /// `Restarted` with the start points.
    pub fn spawn(scenario: Scenario, wake: Wake) -> std::io::Result<Self> {
        let channels = start_thread(scenario, wake.clone(), 0)?;
        Ok(Self::on(channels, wake))
    }

    /// A solver on `scenario` (validated), paused at step 0, that runs inside the caller's frame
    /// loop: each [`tick`](Self::tick) serves the queued commands and steps for up to `budget`,
    /// reading the time on `clock`. Its first update is `Restarted` with the start points. `wake`
    /// is called when a command is sent, so that a frame comes to carry it out.
    pub fn in_frames(scenario: Scenario, wake: Wake, budget: Duration, clock: FrameClock) -> Self {
        let channels = start_frames(scenario, 0, budget, clock);
        Self::on(channels, wake)
    }

    fn on(channels: Channels, wake: Wake) -> Self {
        Self {
            commands: channels.commands,
            updates: channels.updates,
            in_flight: channels.in_flight,
            generation: 0,
            driver: channels.driver,
            wake,
            stopped: false,
            respawns: 0,
            remaps: Vec::new(),
        }
    }

    /// Whether the solver runs in the frame loop (else on its own thread).
    pub fn runs_in_frames(&self) -> bool {
        matches!(self.driver, Driver::Frames { .. })
    }

    /// Once a frame, before draining updates: the frame-driven solver serves the queued commands
    /// and steps within its budget; the thread needs nothing (it returns
    /// [`NextFrame::WhenWoken`]: it wakes the UI itself). Says when the solver next wants a
    /// frame.
    pub fn tick(&mut self) -> NextFrame {
        match &mut self.driver {
            Driver::Thread(_) => NextFrame::WhenWoken,
            Driver::Frames { driver, .. } => driver
                .as_mut()
                .map_or(NextFrame::WhenWoken, |driver| driver.tick()),
        }
    }

    /// Whether the solver thread has ended (seen when a send fails or the update channel closes,
    /// after every update it sent has been received).
    pub fn has_stopped(&self) -> bool {
        self.stopped
    }

    /// Once the thread has ended: why, with its panic message if it panicked. `None` while it runs
    /// and after the first call.
    pub fn take_stop_reason(&mut self) -> Option<String> {
        if !self.stopped {
            return None;
        }
        match &mut self.driver {
            Driver::Thread(thread) => Some(match thread.take()?.join() {
                Ok(()) => "the solver thread stopped".to_owned(),
                Err(payload) => {
                    format!("the solver thread panicked: {}", panic_message(&*payload))
                }
            }),
            Driver::Frames { driver, .. } => {
                driver.take()?;
                Some("the solver stopped".to_owned())
            }
        }
    }

    /// Replaces an ended solver thread by a new one on `scenario` (validated), paused at step 0.
    /// A new generation begins, so the first update is the new thread's `Restarted`. Refuses
    /// after a few threads in a row died before their first `Restarted`.
    pub fn respawn(&mut self, scenario: Scenario) -> std::io::Result<()> {
        if self.respawns >= MAX_RESPAWNS {
            return Err(std::io::Error::other(
                "the solver thread keeps stopping on this scenario; save it and restart optiviz",
            ));
        }
        self.shut_down();
        self.generation += 1;
        let channels = match &self.driver {
            Driver::Thread(_) => start_thread(scenario, self.wake.clone(), self.generation)?,
            Driver::Frames { budget, clock, .. } => {
                start_frames(scenario, self.generation, *budget, clock.clone())
            }
        };
        self.commands = channels.commands;
        self.updates = channels.updates;
        self.in_flight = channels.in_flight;
        self.driver = channels.driver;
        self.stopped = false;
        self.respawns += 1;
        // The old thread's updates never arrive: nothing is left to carry over.
        self.remaps.clear();
        Ok(())
    }

    /// Sends a command. Returns `false` if the solver has stopped.
    pub fn send(&mut self, command: Command) -> bool {
        self.try_send(command).is_ok()
    }

    /// Sends a command, or gives it back if the solver has stopped (to send it again after
    /// [`respawn`](Self::respawn)).
    pub fn try_send(&mut self, command: Command) -> Result<(), Command> {
        // Once the thread is known to have ended, refuse at once: its command channel may still
        // be open for a moment while the dying thread drops its fields.
        if self.stopped {
            return Err(command);
        }
        if let Some(remap) = command.remap() {
            self.generation += 1;
            self.remaps.push((self.generation, remap));
        }
        self.commands
            .send((self.generation, command))
            .map_err(|returned| {
                self.stopped = true;
                returned.0.1
            })?;
        if self.runs_in_frames() {
            // No thread is waiting for it: a frame must come to carry it out.
            (self.wake)();
        }
        Ok(())
    }

    /// The generation whose updates are accepted.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The next update of the current generation, if one is waiting; stale ones are dropped.
    pub fn try_next(&mut self) -> Option<Update> {
        loop {
            let received = self.updates.try_recv();
            let gone = matches!(received, Err(TryRecvError::Disconnected));
            if let Some(update) = self.accept_received(received.map_err(|_| gone))? {
                return Some(update);
            }
        }
    }

    /// Waits up to `timeout` for the next update of the current generation (for tests and the CLI;
    /// the UI uses [`try_next`](Self::try_next)). A frame-driven solver is ticked meanwhile.
    pub fn next_timeout(&mut self, timeout: Duration) -> Option<Update> {
        let deadline = Instant::now() + timeout;
        if self.runs_in_frames() {
            return self.next_ticking(deadline);
        }
        loop {
            let left = deadline.checked_duration_since(Instant::now())?;
            let received = self.updates.recv_timeout(left);
            let gone = matches!(received, Err(RecvTimeoutError::Disconnected));
            if let Some(update) = self.accept_received(received.map_err(|_| gone))? {
                return Some(update);
            }
        }
    }

    /// What a wait for the next update received: `Some(Some(update))` for one of the current
    /// generation, `Some(None)` for a stale one (wait again), `None` when nothing came (`Err`),
    /// and the solver gone (`Err(true)`) stops the handle.
    fn accept_received(&mut self, received: Result<Update, bool>) -> Option<Option<Update>> {
        match received {
            Ok(update) => Some(self.accept(update)),
            Err(gone) => {
                self.stopped |= gone;
                None
            }
        }
    }
}

impl SolverHandle {
    /// [`next_timeout`](Self::next_timeout) for the frame-driven solver: ticks until an update
    /// comes or `deadline` passes (a solver waiting on a fake clock waits until then).
    fn next_ticking(&mut self, deadline: Instant) -> Option<Update> {
        loop {
            if let Some(update) = self.try_next() {
                return Some(update);
            }
            if self.stopped || Instant::now() >= deadline {
                return None;
            }
            self.tick();
        }
    }

    /// Tells a thread to end and waits for it; a frame-driven solver is simply dropped.
    fn shut_down(&mut self) {
        let _ = self.commands.send((self.generation, Command::Shutdown));
        if let Driver::Thread(thread) = &mut self.driver
            && let Some(thread) = thread.take()
        {
            let _ = thread.join();
        }
    }

    /// An update as the UI should see it: the current generation's as it is; an older one carried
    /// over the commands sent since (dropping what they restarted, renumbering the rest), or
    /// `None` if nothing in it still holds.
    fn accept(&mut self, update: Update) -> Option<Update> {
        self.received(&update);
        let from = update.generation;
        // Updates arrive in generation order: none older than this one is still to come.
        self.remaps.retain(|&(generation, _)| generation > from);
        if from == self.generation {
            return Some(update);
        }
        let since: Vec<RunRemap> = self
            .remaps
            .iter()
            .filter(|&&(generation, _)| generation <= self.generation)
            .map(|&(_, remap)| remap)
            .collect();
        let complete = since.len() as u64 == self.generation.saturating_sub(from);
        if !complete || since.contains(&RunRemap::All) {
            return None;
        }
        let carry = |runs: Vec<RunProgress>| -> Vec<RunProgress> {
            runs.into_iter()
                .filter_map(|mut progress| {
                    progress.run = since
                        .iter()
                        .try_fold(progress.run, |run, remap| remap.map(run))?;
                    Some(progress)
                })
                .collect()
        };
        let kind = match update.kind {
            UpdateKind::Progress(runs) => {
                let runs = carry(runs);
                if runs.is_empty() {
                    return None;
                }
                UpdateKind::Progress(runs)
            }
            UpdateKind::Restarted { scenario, runs } => UpdateKind::Restarted {
                scenario,
                runs: carry(runs),
            },
            kind @ (UpdateKind::Paused | UpdateKind::Error(_)) => kind,
        };
        Some(Update { kind, ..update })
    }

    /// Tells the solver a progress message was taken off the queue; a `Restarted` shows the
    /// thread got going, so respawning it is worth trying again.
    fn received(&mut self, update: &Update) {
        match update.kind {
            UpdateKind::Progress(_) => {
                self.in_flight.fetch_sub(1, Ordering::AcqRel);
            }
            UpdateKind::Restarted { .. } => self.respawns = 0,
            UpdateKind::Paused | UpdateKind::Error(_) => {}
        }
    }
}

impl Drop for SolverHandle {
    fn drop(&mut self) {
        self.shut_down();
    }
}

/// Starts a solver thread on `scenario` whose updates begin at `generation`.
fn start_thread(scenario: Scenario, wake: Wake, generation: u64) -> std::io::Result<Channels> {
    let (command_sender, command_receiver) = mpsc::channel();
    let (update_sender, update_receiver) = mpsc::channel();
    let in_flight = Arc::new(AtomicUsize::new(0));
    let solver_in_flight = in_flight.clone();
    let thread = std::thread::Builder::new()
        .name("optiviz-solver".to_owned())
        .spawn(move || {
            // Locals drop in reverse order, on a panic too: the command receiver first (so once
            // the UI sees the update channel close, sending fails as well), then the solver with
            // the update sender, and the wake-up last.
            let _wake_on_exit = WakeOnExit(wake.clone());
            let timing = (THREAD_SLICE, FrameClock::System);
            let started = Solver::new(
                scenario,
                update_sender,
                wake,
                solver_in_flight,
                generation,
                timing,
            );
            let commands = command_receiver;
            if let Some(mut solver) = started {
                solver.run(&commands);
            }
        })?;
    Ok(Channels {
        commands: command_sender,
        updates: update_receiver,
        in_flight,
        driver: Driver::Thread(Some(thread)),
    })
}

/// Builds a frame-driven solver on `scenario` whose updates begin at `generation`. Batches of
/// steps aim at half the frame's budget, so that one more never takes the frame far past it.
fn start_frames(
    scenario: Scenario,
    generation: u64,
    budget: Duration,
    clock: FrameClock,
) -> Channels {
    let (command_sender, command_receiver) = mpsc::channel();
    let (update_sender, update_receiver) = mpsc::channel();
    let in_flight = Arc::new(AtomicUsize::new(0));
    // The tick's caller drains the updates in the same frame: nothing to wake.
    let no_wake: Wake = Arc::new(|| {});
    let timing = (budget / 2, clock.clone());
    let solver = Solver::new(
        scenario,
        update_sender,
        no_wake,
        in_flight.clone(),
        generation,
        timing,
    );
    Channels {
        commands: command_sender,
        updates: update_receiver,
        in_flight,
        driver: Driver::Frames {
            driver: Some(Box::new(FrameDriver::new(solver, command_receiver, budget))),
            budget,
            clock,
        },
    }
}
