//! The synchronous, deterministic engine: every run of a scenario stepped on one shared problem.
//!
//! Each run owns its optimizer state and its oracle (seeded by the run's seed), so runs never
//! influence each other and the same scenario gives bit-identical trajectories however the steps are
//! batched. Tests and the CLI drive a `Session` directly; the app drives one through the worker thread.

use std::sync::Arc;

use nalgebra::DVector;

use super::messages::RunProgress;
use super::run::{Measurement, Run, RunStatus, Sample};
use crate::landscape::{Landscape, LandscapeObjective, Transform, ViewWindow};
use crate::network::Network;
use crate::objective::Objective;
use crate::scenario::{BuiltProblem, Problem, RunConfig, Scenario};

/// A problem built from its configuration, shared by all runs.
#[derive(Clone)]
pub struct ProblemInstance {
    /// What the optimizers minimize.
    pub objective: Arc<dyn Objective>,
    /// The 2D landscape behind it, for landscape problems.
    pub landscape: Option<Arc<dyn Landscape>>,
    /// The network behind it, for network problems.
    pub network: Option<Arc<dyn Network>>,
    /// Where runs start by default.
    pub default_start: DVector<f64>,
}

impl ProblemInstance {
    /// Builds the problem (generating its data, for data-driven problems).
    pub fn build(problem: &Problem) -> Self {
        Self::build_transformed(problem, &Transform::IDENTITY)
    }

    /// Builds the problem with a landscape seen through `transform` (networks ignore it; the
    /// scenario's validation refuses a transform on a network).
    pub fn build_transformed(problem: &Problem, transform: &Transform) -> Self {
        match problem.build() {
            BuiltProblem::Landscape(landscape) => {
                let landscape = transform.apply(landscape);
                let [x, y] = landscape.default_start();
                Self {
                    objective: Arc::new(LandscapeObjective::new(landscape.clone())),
                    landscape: Some(landscape),
                    network: None,
                    default_start: DVector::from_vec(vec![x, y]),
                }
            }
            BuiltProblem::Network(network) => Self::from_network(network),
        }
    }

    /// A network problem, starting from the network's initial parameters.
    pub fn from_network(network: Arc<dyn Network>) -> Self {
        Self {
            objective: network.clone(),
            default_start: network.initial_parameters(),
            landscape: None,
            network: Some(network),
        }
    }

    /// A problem with nothing but an objective (tests, custom objectives), starting at `start`.
    pub fn from_objective(objective: Arc<dyn Objective>, start: DVector<f64>) -> Self {
        Self {
            objective,
            landscape: None,
            network: None,
            default_start: start,
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
        let problem = ProblemInstance::build_transformed(&scenario.problem, &scenario.transform);
        let runs = scenario
            .runs
            .iter()
            .map(|config| Run::new(config.clone(), &problem, measurement(&scenario)))
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
    /// Network records made since the last advance (the start's) go with it.
    pub fn snapshot(&mut self) -> Vec<RunProgress> {
        self.runs
            .iter_mut()
            .enumerate()
            .map(|(run, r)| RunProgress {
                run,
                samples: vec![r.last_sample()],
                records: r.take_records(),
                status: r.status().clone(),
                probes: r.oracle().probes().to_vec(),
                auxiliary: r.auxiliary_point(),
                latest_step: r.latest_step(),
                workers: r.worker_trails(),
            })
            .collect()
    }

    /// Steps run `index` up to `n` times within the budget, handing each new sample to `sink`.
    /// This is the streaming path: nothing is kept, network records included.
    pub fn advance_run(&mut self, index: usize, n: u64, sink: impl FnMut(&Sample)) {
        self.advance_run_recording(index, n, false, sink);
    }

    fn advance_run_recording(
        &mut self,
        index: usize,
        n: u64,
        keep_records: bool,
        mut sink: impl FnMut(&Sample),
    ) {
        let budget = self.scenario.steps;
        let Some(run) = self.runs.get_mut(index) else {
            return;
        };
        for _ in 0..n {
            if run.steps_taken() >= budget {
                run.finish();
            }
            let stepped = run.step();
            if !keep_records {
                run.take_records();
            }
            match stepped {
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
            self.advance_run_recording(index, n, true, |sample| samples.push(*sample));
            // Timing each step would cost as much as a 2D step itself: time the batch and spread it.
            let seconds = started.elapsed().as_secs_f64();
            let count = samples.len().max(1) as f64;
            for (k, sample) in samples.iter_mut().enumerate() {
                sample.wall_time = before + seconds * (k + 1) as f64 / count;
            }
            self.runs[index].add_compute_seconds(seconds);
            let run = &mut self.runs[index];
            progress.push(RunProgress {
                run: index,
                samples,
                records: run.take_records(),
                status: run.status().clone(),
                probes: run.oracle().probes().to_vec(),
                auxiliary: run.auxiliary_point(),
                // Taking the latest step apart allocates: the worker does it once per published
                // update (`Worker::flush`), not once per batch of steps.
                latest_step: None,
                workers: Vec::new(),
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
        self.runs.push(Run::new(
            config.clone(),
            &self.problem,
            measurement(&self.scenario),
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

fn measurement(scenario: &Scenario) -> Measurement {
    Measurement {
        tolerance: scenario.tolerance,
        sharpness_every: scenario.sharpness_every,
    }
}
