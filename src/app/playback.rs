//! Playback: commands to the solver thread, and its updates drained into the run views.

use std::time::Duration;

use super::state::{AppState, RunView};
use crate::clock::Instant;
use crate::engine::{Command, NextFrame, RunProgress, SolverHandle, Speed, UpdateKind};

impl AppState {
    /// Sends a command; if the solver thread has died, starts a new one on the scenario and sends
    /// the command to it.
    pub(super) fn send(&mut self, command: Command) {
        let Some(solver) = self.solver.as_mut() else {
            self.error("the solver thread is not running; the scenario is shown but cannot run");
            return;
        };
        let Err(command) = solver.try_send(command) else {
            return;
        };
        let reason = solver
            .take_stop_reason()
            .unwrap_or_else(|| "the solver thread has stopped".to_owned());
        if self.restart_solver(&reason)
            && let Some(solver) = self.solver.as_mut()
        {
            // Only fails if the new thread died at once; the next drain reports that.
            let _ = solver.try_send(command);
        }
    }

    /// Starts a new solver thread on the scenario after the old one ended for `reason`, and says
    /// so. `false` if it could not be started.
    pub(super) fn restart_solver(&mut self, reason: &str) -> bool {
        let Some(solver) = self.solver.as_mut() else {
            return false;
        };
        let restarted = solver.respawn(self.scenario.clone());
        self.playing = false;
        match restarted {
            Ok(()) => {
                self.error(format!(
                    "{reason}; a new one was started on the same scenario, every run back at its start"
                ));
                self.send_speed();
                true
            }
            Err(error) => {
                self.error(format!("{reason}; {error}"));
                false
            }
        }
    }

    /// Sends any command to the solver thread: a hook for tests (`Command::Panic`), not for the UI.
    #[doc(hidden)]
    pub fn send_command(&mut self, command: Command) {
        self.send(command);
    }

    /// Starts stepping.
    pub fn play(&mut self) {
        self.playing = true;
        self.send(Command::Play);
    }

    /// Stops stepping.
    pub fn pause(&mut self) {
        self.playing = false;
        self.send(Command::Pause);
    }

    /// Play if paused, pause if playing.
    pub fn toggle_play(&mut self) {
        if self.playing {
            self.pause()
        } else {
            self.play()
        }
    }

    /// Takes exactly one step, then pauses.
    pub fn step_once(&mut self) {
        self.playing = false;
        self.send(Command::Step(1));
    }

    /// Puts every run back at its start.
    pub fn reset(&mut self) {
        self.send(Command::Reset);
    }

    /// The pace of play in steps per second (`None`: as fast as possible): the lesson's own, until
    /// the user picks one, else the user's last choice.
    pub fn speed(&self) -> Option<f64> {
        self.lesson_speed.or(self.prefs.steps_per_second)
    }

    /// The user picks a pace (`None`: as fast as possible); it is kept for the next launch and
    /// replaces the lesson's.
    pub fn set_speed(&mut self, steps_per_second: Option<f64>) {
        self.prefs.steps_per_second = steps_per_second;
        self.lesson_speed = None;
        self.send_speed();
    }

    /// Takes the opened lesson's own pace, if it sets one, and tells the solver the pace of play;
    /// the lesson also says whether its steps are counted on a log axis. Returns what the status
    /// bar should say about the pace.
    pub(super) fn apply_lesson_speed(&mut self) -> Option<String> {
        self.lesson_speed = self.scenario.speed;
        self.prefs.log_steps = self.scenario.log_steps;
        self.send_speed();
        self.lesson_speed
            .map(|rate| format!("the lesson plays at {rate} steps/s"))
    }

    /// Tells the solver the pace of play ([`speed`](Self::speed)).
    pub fn send_speed(&mut self) {
        let speed = match self.speed() {
            Some(rate) => Speed::StepsPerSecond(rate),
            None => Speed::Max,
        };
        self.send(Command::SetSpeed(speed));
    }

    /// Changes the step budget.
    pub fn set_step_budget(&mut self, steps: u64) {
        self.scenario.steps = steps;
        self.send(Command::SetStepBudget(steps));
        self.edited();
    }

    /// Lets a frame-driven solver step (within its own budget), then applies the solver's
    /// updates for at most `budget`.
    pub fn drain_updates(&mut self, budget: Duration) {
        self.poll_export();
        self.solver_next_frame = self
            .solver
            .as_mut()
            .map_or(NextFrame::WhenWoken, SolverHandle::tick);
        let started = Instant::now();
        while started.elapsed() < budget {
            let Some(update) = self.solver.as_mut().and_then(SolverHandle::try_next) else {
                break;
            };
            match update.kind {
                UpdateKind::Restarted { scenario, runs } => {
                    let current = self
                        .solver
                        .as_ref()
                        .is_some_and(|solver| solver.generation() == update.generation);
                    self.restarted(current.then_some(scenario.runs.len()), runs);
                }
                UpdateKind::Progress(progress) => {
                    for progress in progress {
                        if let Some(view) = self.runs.get_mut(progress.run) {
                            view.absorb(progress);
                        }
                    }
                }
                UpdateKind::Paused => self.playing = false,
                UpdateKind::Error(message) => self.error(message),
            }
        }
        // A thread that ended (a panic escaped its guards) is replaced, with the scenario intact.
        if let Some(reason) = self
            .solver
            .as_mut()
            .and_then(SolverHandle::take_stop_reason)
        {
            self.restart_solver(&reason);
        }
    }

    /// The solver restarted the runs in `runs` (only those: the others keep their history).
    /// `solver_runs`, for the current generation, is how many runs the solver holds: fewer than
    /// the scenario has means it refused a run the app added, which is then taken away again.
    fn restarted(&mut self, solver_runs: Option<usize>, runs: Vec<RunProgress>) {
        if let Some(count) = solver_runs.filter(|&count| count < self.scenario.runs.len()) {
            self.scenario.runs.truncate(count);
            self.selected_run = self.selected_run.min(count.saturating_sub(1));
        }
        let landscape = self.landscape.clone();
        self.runs.resize_with(self.scenario.runs.len(), || {
            RunView::new(landscape.as_ref())
        });
        for progress in runs {
            if let Some(view) = self.runs.get_mut(progress.run) {
                view.restart(progress);
            }
        }
    }

    /// When the solver next wants a frame: a frame-driven solver cannot wake the UI, so the app
    /// asks for a repaint then ([`NextFrame::WhenWoken`] for the thread, which wakes it itself).
    pub fn solver_next_frame(&self) -> NextFrame {
        self.solver_next_frame
    }

    /// Whether anything is still to be drawn from the solver (for repaint scheduling).
    pub fn is_busy(&self) -> bool {
        self.playing || self.last_edit.is_some() || self.export_job.is_some()
    }
}
