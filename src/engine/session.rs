//! The synchronous, deterministic engine: every run of a scenario stepped on one shared problem.
//!
//! Each run owns its optimizer state and its oracle (seeded by the run's seed), so runs never
//! influence each other and the same scenario gives bit-identical trajectories however the steps are
//! batched. Tests and the CLI drive a `Session` directly; the app drives one through the worker thread.

use std::sync::Arc;

use nalgebra::DVector;

use super::messages::RunProgress;
use super::run::{Run, RunStatus, Sample};
use crate::landscape::{Landscape, LandscapeObjective, ViewWindow};
use crate::objective::Objective;
use crate::scenario::{Problem, RunConfig, Scenario};

/// A problem built from its configuration, shared by all runs.
#[derive(Clone)]
pub struct ProblemInstance {
    /// What the optimizers minimize.
    pub objective: Arc<dyn Objective>,
    /// The 2D landscape behind it, for landscape problems.
    pub landscape: Option<Arc<dyn Landscape>>,
    /// Where runs start by default.
    pub default_start: DVector<f64>,
}

impl ProblemInstance {
    /// Builds the problem (generating its data, for data-driven problems).
    pub fn build(problem: &Problem) -> Self {
        match problem {
            Problem::Landscape(config) => {
                let landscape = config.build();
                let [x, y] = landscape.default_start();
                Self {
                    objective: Arc::new(LandscapeObjective::new(landscape.clone())),
                    landscape: Some(landscape),
                    default_start: DVector::from_vec(vec![x, y]),
                }
            }
        }
    }

    /// The window to show first.
    pub fn view(&self) -> Option<ViewWindow> {
        self.landscape.as_ref().map(|l| l.view())
    }
}

/// All runs of a scenario, stepped together.
pub struct Session {
    scenario: Scenario,
    problem: ProblemInstance,
    runs: Vec<Run>,
}

impl Session {
    /// A session at step 0. The scenario should have passed validation.
    pub fn new(scenario: Scenario) -> Self {
        let problem = ProblemInstance::build(&scenario.problem);
        let runs = scenario
            .runs
            .iter()
            .map(|config| make_run(config.clone(), &problem, scenario.tolerance))
            .collect();
        Self {
            scenario,
            problem,
            runs,
        }
    }

    /// The scenario, with any edits made since (moved starts, edited runs).
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// The problem.
    pub fn problem(&self) -> &ProblemInstance {
        &self.problem
    }

    /// The runs.
    pub fn runs(&self) -> &[Run] {
        &self.runs
    }

    /// Whether no run will take another step.
    pub fn is_finished(&self) -> bool {
        self.runs.iter().all(|run| !run.status().is_running())
    }

    /// The step budget.
    pub fn step_budget(&self) -> u64 {
        self.scenario.steps
    }

    /// Changes the step budget; runs that had used the old one go on.
    pub fn set_step_budget(&mut self, steps: u64) {
        self.scenario.steps = steps;
        for run in &mut self.runs {
            if run.steps_taken() < steps && matches!(run.status(), RunStatus::Finished) {
                let config = run.config().clone();
                run.edit(config, false);
            }
        }
    }

    /// Every run's current sample (the start points at step 0).
    pub fn snapshot(&self) -> Vec<RunProgress> {
        self.runs
            .iter()
            .enumerate()
            .map(|(run, r)| RunProgress {
                run,
                samples: vec![r.last_sample()],
                status: r.status().clone(),
                probes: r.oracle().probes().to_vec(),
                auxiliary: r.auxiliary_point(),
            })
            .collect()
    }

    /// Steps run `index` up to `n` times within the budget, handing each new sample to `sink`.
    /// This is the streaming path: nothing is kept.
    pub fn advance_run(&mut self, index: usize, n: u64, mut sink: impl FnMut(&Sample)) {
        let budget = self.scenario.steps;
        let Some(run) = self.runs.get_mut(index) else {
            return;
        };
        for _ in 0..n {
            if run.steps_taken() >= budget {
                run.finish();
            }
            match run.step() {
                Some(sample) => sink(&sample),
                None => break,
            }
        }
        if run.steps_taken() >= budget {
            run.finish();
        }
    }

    /// Steps every live run up to `n` times and returns what happened to each run that moved or
    /// changed status.
    pub fn advance(&mut self, n: u64) -> Vec<RunProgress> {
        let mut progress = Vec::new();
        for index in 0..self.runs.len() {
            if !self.runs[index].status().is_running() {
                continue;
            }
            let mut samples = Vec::new();
            let started = std::time::Instant::now();
            let before = self.runs[index].compute_seconds();
            self.advance_run(index, n, |sample| samples.push(*sample));
            // Timing each step would cost as much as a 2D step itself: time the batch and spread it.
            let seconds = started.elapsed().as_secs_f64();
            let count = samples.len().max(1) as f64;
            for (k, sample) in samples.iter_mut().enumerate() {
                sample.wall_time = before + seconds * (k + 1) as f64 / count;
            }
            self.runs[index].add_compute_seconds(seconds);
            let run = &self.runs[index];
            progress.push(RunProgress {
                run: index,
                samples,
                status: run.status().clone(),
                probes: run.oracle().probes().to_vec(),
                auxiliary: run.auxiliary_point(),
            });
        }
        progress
    }

    /// Puts every run back at its start with fresh state.
    pub fn reset(&mut self) {
        for run in &mut self.runs {
            run.restart();
        }
    }

    /// Moves the start of one run (`Some(index)`) or of all runs, and restarts them.
    pub fn set_start(&mut self, run: Option<usize>, start: [f64; 2]) {
        let start = DVector::from_vec(start.to_vec());
        for (index, r) in self.runs.iter_mut().enumerate() {
            if run.is_none_or(|i| i == index) {
                r.set_start(&start);
                self.scenario.runs[index] = r.config().clone();
            }
        }
    }

    /// Replaces one run's configuration, live (moments kept) or restarting it.
    pub fn edit_run(&mut self, index: usize, config: RunConfig, restart: bool) {
        if let (Some(run), Some(slot)) =
            (self.runs.get_mut(index), self.scenario.runs.get_mut(index))
        {
            *slot = config.clone();
            run.edit(config, restart);
        }
    }

    /// Adds a run at the end, at step 0.
    pub fn add_run(&mut self, config: RunConfig) {
        self.runs.push(make_run(
            config.clone(),
            &self.problem,
            self.scenario.tolerance,
        ));
        self.scenario.runs.push(config);
    }

    /// Removes a run.
    pub fn remove_run(&mut self, index: usize) {
        if index < self.runs.len() {
            self.runs.remove(index);
            self.scenario.runs.remove(index);
        }
    }
}

fn make_run(config: RunConfig, problem: &ProblemInstance, tolerance: f64) -> Run {
    Run::new(
        config,
        problem.objective.clone(),
        problem.landscape.clone(),
        &problem.default_start,
        tolerance,
    )
}
