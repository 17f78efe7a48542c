//! Background jobs: the long computations the UI starts and polls besides the solver (basin maps,
//! sweeps, the network views' analyses, contours, GIF export).
//!
//! A [`Job`] owns one computation. Its owner starts it through a [`JobRunner`], polls it once a
//! frame ([`Job::poll`]), reads its progress, and can cancel it; dropping the job cancels it too.
//! The work itself is a [`Task`]: something that can do part of the job within a time budget and
//! say when it is done. The runner decides where the slices run:
//!
//! - [`JobRunner::Threads`] (the desktop) gives the task a thread of its own, runs it to the end
//!   there and wakes the UI when the result is ready;
//! - [`JobRunner::Frames`] (a platform without threads, and tests) runs one slice of the task
//!   inside each [`Job::poll`], within the runner's per-frame budget, so the frame loop never
//!   freezes for long.
//!
//! Either way the owner sees the same [`JobState`]s, so UI code is the same on both. A task that
//! cannot be split ([`Job::run`] wraps a closure) simply does all its work in its first slice.
//! The app's jobs are [`Pieces`] ([`Job::start_pieces`]): resumable state next to its algorithm
//! that does the work whole where the budget is unlimited (a thread: over every core, at the
//! desktop's full speed) and piece by piece (a row, a cell, a frame) within a finite one, each
//! slice stopping after the piece during which its budget ran out, with the same result.
//! A thread that cannot be started is not an error of its own kind: the job reports it as
//! [`JobState::Failed`] at its first poll, and the owner shows it like any other failure.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::time::Duration;

use super::solver::Wake;

/// What a job and its owner share: progress as work units done out of a total, and the cancel
/// flag. Computations that take `&AtomicUsize` / `&AtomicBool` get [`done`](Self::done) and
/// [`cancel_flag`](Self::cancel_flag).
#[derive(Debug, Default)]
pub struct JobControl {
    done: AtomicUsize,
    total: AtomicUsize,
    cancelled: AtomicBool,
}

impl JobControl {
    /// A control for `total` units of work (0 when the total is not known yet).
    pub fn new(total: usize) -> Self {
        Self {
            total: AtomicUsize::new(total),
            ..Self::default()
        }
    }

    /// The counter of units done, for computations that count their own progress.
    pub fn done(&self) -> &AtomicUsize {
        &self.done
    }

    /// The cancel flag, for computations that check it themselves.
    pub fn cancel_flag(&self) -> &AtomicBool {
        &self.cancelled
    }

    /// Sets the number of work units, once the task knows it.
    pub fn set_total(&self, total: usize) {
        self.total.store(total, Ordering::Relaxed);
    }

    /// Counts `units` more as done.
    pub fn advance(&self, units: usize) {
        self.done.fetch_add(units, Ordering::Relaxed);
    }

    /// Whether the owner asked the job to stop.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }

    /// Asks the job to stop at its next check.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    /// The share of the work done, in [0, 1] (0 while the total is unknown).
    pub fn fraction(&self) -> f32 {
        let total = self.total.load(Ordering::Relaxed);
        if total == 0 {
            return 0.0;
        }
        (self.done.load(Ordering::Relaxed) as f32 / total as f32).clamp(0.0, 1.0)
    }
}

/// What a task says after a slice: not done yet, or its outcome.
pub type Slice<T> = Option<Result<T, String>>;

/// Work a [`Job`] does, a slice at a time.
pub trait Task: Send + 'static {
    /// What the finished work gives.
    type Output: Send + 'static;

    /// Does part of the work, for about `budget` (on a thread of its own the budget is
    /// `Duration::MAX`: all of it), counting progress and checking for cancellation through
    /// `control`. Returns `None` while work is left, then the outcome once; an `Err` is a message
    /// for the status bar. A cancelled task may return anything: its outcome is dropped.
    fn run_slice(&mut self, control: &JobControl, budget: Duration) -> Slice<Self::Output>;
}

/// Work that can be done in short pieces, one after another, or whole at once (faster where the
/// whole job can use every core). Both ways must give exactly the same result: [`Pieced`] runs
/// the whole job where the budget is unlimited (a thread of its own) and the pieces within a
/// finite budget (the frame loop).
pub trait Pieces: Send + 'static {
    /// What the finished work gives.
    type Output: Send + 'static;

    /// Work units: about the number of pieces. [`Pieced`] counts one unit per piece that leaves
    /// work to do, so the fraction done rises piece by piece (the last piece gives the outcome).
    fn total(&self) -> usize;

    /// Does all the work at once, counting its progress in `control` and honouring its cancel
    /// flag; called only before any piece. By default the pieces one after another: override it
    /// where the whole job can be done faster (over every core) with the same result.
    fn run_whole(&mut self, control: &JobControl) -> Result<Self::Output, String> {
        loop {
            if control.is_cancelled() {
                return Err("cancelled".to_owned());
            }
            if let Some(outcome) = self.run_piece(control) {
                return outcome;
            }
            control.advance(1);
        }
    }

    /// Does the next piece: `None` while work is left, then the outcome once. `control` is for
    /// its cancel flag; progress is counted by the caller.
    fn run_piece(&mut self, control: &JobControl) -> Slice<Self::Output>;

    /// The same work with its outcome passed through `map` (which runs inside the job).
    fn map_output<U, F>(self, map: F) -> MapOutput<Self, F>
    where
        Self: Sized,
        U: Send + 'static,
        F: FnOnce(Self::Output) -> Result<U, String> + Send + 'static,
    {
        MapOutput {
            pieces: self,
            map: Some(map),
        }
    }
}

/// [`Pieces`] whose outcome goes through a function (see [`Pieces::map_output`]).
pub struct MapOutput<P, F> {
    pieces: P,
    map: Option<F>,
}

impl<P, F> MapOutput<P, F> {
    fn apply<T, U>(&mut self, outcome: Result<T, String>) -> Result<U, String>
    where
        F: FnOnce(T) -> Result<U, String>,
    {
        let map = self
            .map
            .take()
            .ok_or_else(|| "the result was already taken".to_owned())?;
        map(outcome?)
    }
}

impl<P, U, F> Pieces for MapOutput<P, F>
where
    P: Pieces,
    U: Send + 'static,
    F: FnOnce(P::Output) -> Result<U, String> + Send + 'static,
{
    type Output = U;

    fn total(&self) -> usize {
        self.pieces.total()
    }

    fn run_whole(&mut self, control: &JobControl) -> Result<U, String> {
        let outcome = self.pieces.run_whole(control);
        self.apply(outcome)
    }

    fn run_piece(&mut self, control: &JobControl) -> Slice<U> {
        let outcome = self.pieces.run_piece(control)?;
        Some(self.apply(outcome))
    }
}

/// The time one slice may take, measured from its start. The one place jobs read a clock.
#[derive(Clone, Copy, Debug)]
pub struct SliceTimer {
    /// `None` when the budget is unlimited (or too long to add to now): never spent.
    deadline: Option<crate::clock::Instant>,
}

impl SliceTimer {
    /// A timer for `budget` from now; `Duration::MAX` never runs out (and reads no clock).
    pub fn start(budget: Duration) -> Self {
        let deadline = if budget == Duration::MAX {
            None
        } else {
            crate::clock::Instant::now().checked_add(budget)
        };
        Self { deadline }
    }

    /// Whether the budget has run out (always at once for a zero budget).
    pub fn is_spent(&self) -> bool {
        self.deadline
            .is_some_and(|deadline| crate::clock::Instant::now() >= deadline)
    }
}

/// [`Pieces`] as a [`Task`]: with an unlimited budget (a thread of its own) the whole work at
/// once, else piece after piece until the piece during which the budget ran out, one unit of
/// progress per piece, the cancel flag checked before each.
pub struct Pieced<P> {
    pieces: P,
    started: bool,
}

impl<P: Pieces> Pieced<P> {
    /// `pieces` to run as a task.
    pub fn new(pieces: P) -> Self {
        Self {
            pieces,
            started: false,
        }
    }
}

impl<P: Pieces> Task for Pieced<P> {
    type Output = P::Output;

    fn run_slice(&mut self, control: &JobControl, budget: Duration) -> Slice<P::Output> {
        if !self.started {
            self.started = true;
            control.set_total(self.pieces.total());
            if budget == Duration::MAX {
                return Some(self.pieces.run_whole(control));
            }
        }
        let timer = SliceTimer::start(budget);
        loop {
            if control.is_cancelled() {
                return Some(Err("cancelled".to_owned()));
            }
            if let Some(outcome) = self.pieces.run_piece(control) {
                return Some(outcome);
            }
            control.advance(1);
            if timer.is_spent() {
                return None;
            }
        }
    }
}

/// A closure as a task that does all its work in one slice.
struct Whole<F>(Option<F>);

impl<T, F> Task for Whole<F>
where
    T: Send + 'static,
    F: FnOnce(&JobControl) -> Result<T, String> + Send + 'static,
{
    type Output = T;

    fn run_slice(&mut self, control: &JobControl, _budget: Duration) -> Slice<T> {
        let work = self.0.take()?;
        Some(work(control))
    }
}

/// Where jobs run.
#[derive(Clone)]
pub enum JobRunner {
    /// A thread per job; `wake` (the UI's repaint request) is called when a result is ready.
    Threads {
        /// Called from the job's thread once its outcome is sent.
        wake: Wake,
    },
    /// In the caller's frame loop: each poll runs one slice of about `budget`.
    Frames {
        /// Time one poll may spend on the task.
        budget: Duration,
    },
}

impl JobRunner {
    /// When the owner of a running job should poll it again: in the frame loop at the next frame
    /// (each poll works a slice, so a job polled only on input would stall), on a thread after
    /// `progress`, the interval at which the owner shows progress (`None`: it shows none; the
    /// thread wakes the UI when the result is ready).
    pub fn next_poll(&self, progress: Option<Duration>) -> Option<Duration> {
        match self {
            JobRunner::Frames { .. } => Some(Duration::ZERO),
            JobRunner::Threads { .. } => progress,
        }
    }
}

/// A job as its owner sees it after a poll.
#[derive(Debug, PartialEq)]
pub enum JobState<T> {
    /// Still working; `fraction` of it done.
    Running {
        /// Share of the work done, in [0, 1].
        fraction: f32,
    },
    /// Finished with this result (reported once; later polls say `Gone`).
    Finished(T),
    /// Failed with this message, or could not start (reported once).
    Failed(String),
    /// Cancelled before it finished, or its result was already taken.
    Gone,
}

/// A running (or finished) background computation. Dropping it cancels it.
pub struct Job<T> {
    name: &'static str,
    control: Arc<JobControl>,
    inner: Inner<T>,
}

enum Inner<T> {
    /// On its own thread; the outcome arrives on the channel.
    Thread(Receiver<Result<T, String>>),
    /// Run a slice per poll.
    Sliced(Box<dyn Task<Output = T>>, Duration),
    /// The thread could not start: the message, reported at the first poll.
    NotStarted(String),
    /// The outcome was taken.
    Done,
}

impl<T: Send + 'static> Job<T> {
    /// Starts `task` on `runner`. `name` says what it computes in messages ("the basin map");
    /// `total` is its number of work units if known (0 otherwise).
    pub fn start(
        runner: &JobRunner,
        name: &'static str,
        total: usize,
        task: impl Task<Output = T>,
    ) -> Self {
        let control = Arc::new(JobControl::new(total));
        let inner = match runner {
            JobRunner::Frames { budget } => Inner::Sliced(Box::new(task), *budget),
            JobRunner::Threads { wake } => spawn(name, task, control.clone(), wake.clone()),
        };
        Self {
            name,
            control,
            inner,
        }
    }

    /// Starts `work`, a computation that cannot be split, on `runner` (in the frame loop it runs
    /// whole in the first poll).
    pub fn run(
        runner: &JobRunner,
        name: &'static str,
        total: usize,
        work: impl FnOnce(&JobControl) -> Result<T, String> + Send + 'static,
    ) -> Self {
        Self::start(runner, name, total, Whole(Some(work)))
    }

    /// Starts `pieces` on `runner` (see [`Pieced`]), with their [`total`](Pieces::total) as the
    /// number of work units.
    pub fn start_pieces(
        runner: &JobRunner,
        name: &'static str,
        pieces: impl Pieces<Output = T>,
    ) -> Self {
        let total = pieces.total();
        Self::start(runner, name, total, Pieced::new(pieces))
    }

    /// What the job computes, for messages.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The share of the work done, in [0, 1].
    pub fn fraction(&self) -> f32 {
        self.control.fraction()
    }

    /// Asks the job to stop; its outcome, if any arrives, is dropped.
    pub fn cancel(&mut self) {
        self.control.cancel();
        self.inner = Inner::Done;
    }

    /// Whether the outcome is still to come.
    pub fn is_running(&self) -> bool {
        matches!(self.inner, Inner::Thread(_) | Inner::Sliced(..))
    }

    /// Looks for the outcome (in the frame loop: works one slice first). The outcome is reported
    /// once; a failure's message starts with what the job computes.
    pub fn poll(&mut self) -> JobState<T> {
        let outcome = match &mut self.inner {
            Inner::Done => return JobState::Gone,
            Inner::NotStarted(message) => Err(std::mem::take(message)),
            Inner::Thread(receiver) => match receiver.try_recv() {
                Ok(outcome) => outcome,
                Err(TryRecvError::Empty) => return self.running(),
                Err(TryRecvError::Disconnected) => {
                    Err("its thread ended without a result".to_owned())
                }
            },
            Inner::Sliced(task, budget) => match task.run_slice(&self.control, *budget) {
                Some(outcome) => outcome,
                None => return self.running(),
            },
        };
        self.inner = Inner::Done;
        if self.control.is_cancelled() {
            return JobState::Gone;
        }
        match outcome {
            Ok(result) => JobState::Finished(result),
            Err(message) => JobState::Failed(format!("{}: {message}", self.name)),
        }
    }

    fn running(&self) -> JobState<T> {
        JobState::Running {
            fraction: self.fraction(),
        }
    }
}

impl<T> Drop for Job<T> {
    fn drop(&mut self) {
        self.control.cancel();
    }
}

/// Runs `task` whole on a new thread, sending its outcome and waking the UI.
fn spawn<T: Send + 'static>(
    name: &'static str,
    mut task: impl Task<Output = T>,
    control: Arc<JobControl>,
    wake: Wake,
) -> Inner<T> {
    let (sender, receiver) = mpsc::channel();
    let thread_name = format!("optiviz-{}", name.replace(' ', "-"));
    let spawned = std::thread::Builder::new()
        .name(thread_name)
        .spawn(move || {
            let outcome = loop {
                if let Some(outcome) = task.run_slice(&control, Duration::MAX) {
                    break outcome;
                }
                if control.is_cancelled() {
                    return;
                }
            };
            // The receiver is gone when the owner moved on: nothing to deliver then.
            if sender.send(outcome).is_ok() {
                wake();
            }
        });
    match spawned {
        Ok(_) => Inner::Thread(receiver),
        Err(error) => Inner::NotStarted(format!("could not start a thread: {error}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts to `target` in steps of one unit, at most `per_slice` units per slice.
    struct Count {
        next: usize,
        target: usize,
        per_slice: usize,
    }

    impl Task for Count {
        type Output = usize;

        fn run_slice(&mut self, control: &JobControl, _budget: Duration) -> Slice<usize> {
            for _ in 0..self.per_slice {
                if control.is_cancelled() {
                    return Some(Err("cancelled".to_owned()));
                }
                if self.next == self.target {
                    return Some(Ok(self.next));
                }
                self.next += 1;
                control.advance(1);
            }
            None
        }
    }

    /// `pieces` pieces; the outcome says whether they ran whole (true) or piece by piece.
    struct Steps {
        done: usize,
        pieces: usize,
    }

    impl Pieces for Steps {
        type Output = (usize, bool);

        fn total(&self) -> usize {
            self.pieces
        }

        fn run_whole(&mut self, control: &JobControl) -> Result<(usize, bool), String> {
            control.advance(self.pieces);
            Ok((self.pieces, true))
        }

        fn run_piece(&mut self, _control: &JobControl) -> Slice<(usize, bool)> {
            self.done += 1;
            (self.done == self.pieces).then_some(Ok((self.done, false)))
        }
    }

    fn steps(pieces: usize) -> Steps {
        Steps { done: 0, pieces }
    }

    #[test]
    fn pieces_run_whole_without_a_limit_and_one_at_a_time_within_a_zero_budget() {
        let control = JobControl::new(0);
        let mut unlimited = Pieced::new(steps(5));
        assert_eq!(
            unlimited.run_slice(&control, Duration::MAX),
            Some(Ok((5, true)))
        );
        assert_eq!(control.fraction(), 1.0);

        let control = JobControl::new(0);
        let mut sliced = Pieced::new(steps(5));
        let mut fractions = Vec::new();
        let outcome = loop {
            match sliced.run_slice(&control, Duration::ZERO) {
                None => fractions.push(control.fraction()),
                Some(outcome) => break outcome,
            }
        };
        assert_eq!(outcome, Ok((5, false)));
        assert_eq!(fractions, [0.2, 0.4, 0.6, 0.8]);

        // A budget far longer than the work does it all in one slice, piece by piece.
        let control = JobControl::new(0);
        let mut long = Pieced::new(steps(1000));
        let hour = Duration::from_secs(3600);
        assert_eq!(long.run_slice(&control, hour), Some(Ok((1000, false))));
    }

    #[test]
    fn pieces_stop_when_cancelled_and_their_output_can_be_mapped() {
        let control = JobControl::new(0);
        let mut task = Pieced::new(steps(10));
        assert_eq!(task.run_slice(&control, Duration::ZERO), None);
        control.cancel();
        assert_eq!(
            task.run_slice(&control, Duration::from_secs(3600)),
            Some(Err("cancelled".to_owned()))
        );

        let mapped = steps(3).map_output(|(n, _)| Ok(n * 10));
        let mut job = Job::start_pieces(&frames(), "steps", mapped);
        assert_eq!(wait(&mut job), JobState::Finished(30));
        let failing = steps(3).map_output(|_| Err::<(), _>("the disk is full".to_owned()));
        let mut job = Job::start_pieces(&threads().0, "the GIF export", failing);
        assert_eq!(
            wait(&mut job),
            JobState::Failed("the GIF export: the disk is full".to_owned())
        );
    }

    #[test]
    fn in_the_frame_loop_a_running_job_is_polled_again_at_the_next_frame() {
        let progress = Some(Duration::from_millis(100));
        assert_eq!(frames().next_poll(None), Some(Duration::ZERO));
        assert_eq!(frames().next_poll(progress), Some(Duration::ZERO));
        assert_eq!(threads().0.next_poll(progress), progress);
        assert_eq!(threads().0.next_poll(None), None);
    }

    #[test]
    fn a_zero_budget_is_spent_at_once_and_an_unlimited_one_never() {
        assert!(SliceTimer::start(Duration::ZERO).is_spent());
        assert!(!SliceTimer::start(Duration::MAX).is_spent());
        assert!(!SliceTimer::start(Duration::from_secs(3600)).is_spent());
    }

    fn frames() -> JobRunner {
        JobRunner::Frames {
            budget: Duration::from_millis(2),
        }
    }

    fn threads() -> (JobRunner, Arc<AtomicUsize>) {
        let wakes = Arc::new(AtomicUsize::new(0));
        let counter = wakes.clone();
        let wake: Wake = Arc::new(move || {
            counter.fetch_add(1, Ordering::Relaxed);
        });
        (JobRunner::Threads { wake }, wakes)
    }

    fn wait<T: Send + 'static>(job: &mut Job<T>) -> JobState<T> {
        let deadline = crate::clock::Instant::now() + Duration::from_secs(10);
        loop {
            match job.poll() {
                JobState::Running { .. } if crate::clock::Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(1));
                }
                other => return other,
            }
        }
    }

    #[test]
    fn in_the_frame_loop_a_task_advances_one_slice_per_poll() {
        let task = Count {
            next: 0,
            target: 10,
            per_slice: 3,
        };
        let mut job = Job::start(&frames(), "count", 10, task);
        let mut fractions = Vec::new();
        let result = loop {
            match job.poll() {
                JobState::Running { fraction } => fractions.push(fraction),
                JobState::Finished(n) => break n,
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(result, 10);
        assert_eq!(fractions, [0.3, 0.6, 0.9]);
        assert_eq!(job.poll(), JobState::Gone);
        assert!(!job.is_running());
    }

    #[test]
    fn on_a_thread_the_same_task_finishes_and_wakes_the_ui() {
        let (runner, wakes) = threads();
        let task = Count {
            next: 0,
            target: 1000,
            per_slice: 7,
        };
        let mut job = Job::start(&runner, "count", 1000, task);
        assert_eq!(wait(&mut job), JobState::Finished(1000));
        assert_eq!(wakes.load(Ordering::Relaxed), 1);
        assert_eq!(job.fraction(), 1.0);
    }

    #[test]
    fn failures_name_the_job_and_cancelled_outcomes_are_dropped() {
        for runner in [frames(), threads().0] {
            let mut failing: Job<()> = Job::run(&runner, "the basin map", 1, |_| {
                Err("the landscape has no gradient".to_owned())
            });
            assert_eq!(
                wait(&mut failing),
                JobState::Failed("the basin map: the landscape has no gradient".to_owned())
            );
            let task = Count {
                next: 0,
                target: usize::MAX,
                per_slice: 1 << 20,
            };
            let mut endless = Job::start(&runner, "count", 0, task);
            assert_eq!(endless.fraction(), 0.0);
            endless.cancel();
            assert_eq!(endless.poll(), JobState::Gone);
        }
    }

    #[test]
    fn dropping_a_job_stops_its_thread() {
        let (runner, _) = threads();
        let control_seen = Arc::new(std::sync::Mutex::new(None));
        let seen = control_seen.clone();
        let job: Job<()> = Job::run(&runner, "wait", 0, move |control| {
            // Wait until cancelled, proving the flag reaches the thread.
            while !control.is_cancelled() {
                std::thread::sleep(Duration::from_millis(1));
            }
            *seen.lock().map_err(|e| e.to_string())? = Some(true);
            Ok(())
        });
        drop(job);
        let deadline = crate::clock::Instant::now() + Duration::from_secs(10);
        while control_seen.lock().map(|s| s.is_none()).unwrap_or(false)
            && crate::clock::Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(*control_seen.lock().unwrap(), Some(true));
    }
}
