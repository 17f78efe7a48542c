//! The solver inside the frame loop, for a platform without threads (the browser).
//!
//! The same [`Solver`] the thread runs, with the same commands, updates and generations, is stepped
//! by [`FrameDriver::tick`], which the app calls once a frame: it takes the queued commands and
//! works between them exactly as the thread's loop does (one command, then one unit of work), until
//! the solver has nothing to do, waits for its next paced step, or has used the frame's time budget.
//! What it computed is flushed at the end of the tick, so the app drains it in the same frame. The
//! tick says when the solver next wants a frame ([`NextFrame`]): the thread wakes the UI itself,
//! the frame driver cannot.
//!
//! The driver reads the time from a [`FrameClock`]: the system's, or a [`FakeClock`] that a test
//! moves by hand. A fake clock also advances by a fixed amount at every reading, so that a tick at
//! full speed ends after a known number of readings; and a tick never does more than
//! [`MAX_WORK_PER_TICK`] units of work, so even a clock that stands still cannot hold a frame
//! forever.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, TryRecvError};
use std::time::Duration;

use super::{Next, Solver};
use crate::clock::Instant;
use crate::engine::messages::Command;

/// Units of work (a command, a batch of steps) one tick does at most, whatever the clock says.
pub const MAX_WORK_PER_TICK: usize = 4096;

/// When the solver next wants a frame, as a tick leaves it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NextFrame {
    /// Work is left (the budget ran out): as soon as possible.
    Now,
    /// A paced step is due (or the UI is behind on progress) after this long.
    After(Duration),
    /// Nothing to do until a command arrives (or, for the thread, until it wakes the UI).
    WhenWoken,
}

/// Where the frame driver reads the time.
#[derive(Clone, Debug, Default)]
pub enum FrameClock {
    /// The system's clock (web-time's `Instant`: `performance.now()` in the browser).
    #[default]
    System,
    /// A clock a test moves by hand.
    Fake(FakeClock),
}

impl FrameClock {
    /// The time now.
    pub fn now(&self) -> Instant {
        match self {
            Self::System => Instant::now(),
            Self::Fake(fake) => fake.now(),
        }
    }

    /// Time since `earlier` (zero if `earlier` is later).
    pub fn since(&self, earlier: Instant) -> Duration {
        self.now().saturating_duration_since(earlier)
    }
}

/// A clock for tests: it stands still except when [`advance`](Self::advance)d and, by
/// `per_reading`, each time it is read. Clones share the time.
#[derive(Clone, Debug)]
pub struct FakeClock {
    origin: Instant,
    /// Time since `origin`, in nanoseconds.
    elapsed_nanos: Arc<AtomicU64>,
    per_reading_nanos: u64,
}

impl FakeClock {
    /// A clock at an arbitrary origin that moves by `per_reading` at every reading (zero: only
    /// when advanced).
    pub fn new(per_reading: Duration) -> Self {
        Self {
            origin: Instant::now(),
            elapsed_nanos: Arc::new(AtomicU64::new(0)),
            per_reading_nanos: nanos(per_reading),
        }
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        self.elapsed_nanos.fetch_add(nanos(by), Ordering::Relaxed);
    }

    /// Time since the clock was made (readings included), without reading it.
    pub fn elapsed(&self) -> Duration {
        Duration::from_nanos(self.elapsed_nanos.load(Ordering::Relaxed))
    }

    /// The time, then moves on by the per-reading amount.
    fn now(&self) -> Instant {
        let elapsed = self
            .elapsed_nanos
            .fetch_add(self.per_reading_nanos, Ordering::Relaxed);
        self.origin + Duration::from_nanos(elapsed)
    }
}

fn nanos(duration: Duration) -> u64 {
    u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX)
}

/// A solver stepped in the frame loop, and its end of the command queue.
pub(super) struct FrameDriver {
    /// `None` once the solver has stopped (shut down, or it could not be rebuilt after a panic):
    /// dropping it closes both channels, as the end of the thread does.
    running: Option<(Solver, Receiver<(u64, Command)>)>,
    budget: Duration,
}

impl FrameDriver {
    /// A driver for `solver` (`None`: it could not be built, and said so), which has sent
    /// nothing else yet: like the thread, it first says where every run starts.
    pub(super) fn new(
        solver: Option<Solver>,
        commands: Receiver<(u64, Command)>,
        budget: Duration,
    ) -> Self {
        let running = solver.map(|mut solver| {
            solver.send_restarted();
            (solver, commands)
        });
        Self { running, budget }
    }

    /// Serves the queued commands and steps for up to the budget, flushes what was computed, and
    /// says when to come back.
    pub(super) fn tick(&mut self) -> NextFrame {
        let Some((solver, commands)) = self.running.as_mut() else {
            return NextFrame::WhenWoken;
        };
        match serve_and_work(solver, commands, self.budget) {
            Some(next) => {
                solver.flush();
                next
            }
            None => {
                self.running = None;
                NextFrame::WhenWoken
            }
        }
    }
}

/// The thread's loop (`Solver::run`) for one frame: a command if one is queued, then a unit of
/// work, until the solver waits or idles with no command queued, or `budget` is spent. `None`
/// when the solver stopped.
fn serve_and_work(
    solver: &mut Solver,
    commands: &Receiver<(u64, Command)>,
    budget: Duration,
) -> Option<NextFrame> {
    let started = solver.clock.now();
    // At the start of a frame, work if any is due: after a wait the thread's receive times out
    // and it works; with nothing to do, `work` says so and changes nothing.
    let mut next = Next::Busy;
    for _ in 0..MAX_WORK_PER_TICK {
        let received = match commands.try_recv() {
            Ok(message) => Some(message),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => return None,
        };
        match (received, next) {
            (Some((generation, command)), _) => {
                if !solver.serve(generation, command) {
                    return None;
                }
            }
            (None, Next::Idle) => return Some(NextFrame::WhenWoken),
            (None, Next::WaitFor(wait)) => return Some(NextFrame::After(wait)),
            (None, Next::Busy) if solver.clock.since(started) >= budget => {
                return Some(NextFrame::Now);
            }
            (None, Next::Busy | Next::Stop) => {}
        }
        next = solver.work_guarded();
        if matches!(next, Next::Stop) {
            return None;
        }
    }
    Some(NextFrame::Now)
}
