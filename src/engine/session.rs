//! The synchronous, deterministic engine: every run of a scenario stepped on one shared problem.
//!
//! Each run owns its optimizer state and its oracle (seeded by the run's seed), so runs never
//! influence each other and the same scenario gives bit-identical trajectories however the steps are
//! batched. Tests and the CLI drive a `Session` directly; the app drives one through the solver thread.

use nalgebra::DVector;

use super::messages::RunProgress;
use super::problem::ProblemInstance;
use super::run::Run;
use super::sample::{Measurement, RunStatus, Sample};
use crate::scenario::{RunConfig, Scenario};

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
            .map(|(index, run)| {
                let sample = run.last_sample();
                let mut progress = progress_of(index, run, vec![sample]);
                progress.latest_step = run.latest_step();
                progress.workers = run.worker_trails();
                progress
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
            progress.push(progress_of(index, &mut self.runs[index], samples));
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

/// Run `index`'s progress: `samples`, the network records made since the last call, and its
/// current status, probes and auxiliary point. Taking the latest step apart and copying the
/// workers' paths allocate, so they are left empty here: the solver fills them once per published
/// update (`Solver::flush`), not once per batch of steps.
fn progress_of(index: usize, run: &mut Run, samples: Vec<Sample>) -> RunProgress {
    RunProgress {
        run: index,
        samples,
        records: run.take_records(),
        status: run.status().clone(),
        probes: run.oracle().probes().to_vec(),
        auxiliary: run.auxiliary_point(),
        latest_step: None,
        workers: Vec::new(),
    }
}
