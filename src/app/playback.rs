//! Playback: commands to the solver thread, and its updates drained into the run views.

use std::time::{Duration, Instant};

use super::state::{AppState, RunView};
use crate::engine::{Command, SolverHandle, Speed, UpdateKind};

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

    /// Tells the solver the speed in the preferences.
    pub fn send_speed(&mut self) {
        let speed = match self.prefs.steps_per_second {
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

    /// Applies the solver's updates for at most `budget`.
    pub fn drain_updates(&mut self, budget: Duration) {
        self.poll_export();
        let started = Instant::now();
        while started.elapsed() < budget {
            let Some(update) = self.solver.as_mut().and_then(SolverHandle::try_next) else {
                break;
            };
            match update.kind {
                UpdateKind::Restarted { runs, .. } => {
                    let landscape = self.landscape.clone();
                    self.runs
                        .resize_with(runs.len(), || RunView::new(landscape.as_ref()));
                    for progress in runs {
                        if let Some(view) = self.runs.get_mut(progress.run) {
                            view.restart(progress);
                        }
                    }
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

    /// Whether anything is still to be drawn from the solver (for repaint scheduling).
    pub fn is_busy(&self) -> bool {
        self.playing || self.last_edit.is_some() || self.export_job.is_some()
    }
}
