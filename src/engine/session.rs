//! The synchronous, deterministic engine: every run of a scenario stepped on one shared problem.
//!
//! Each run owns its optimizer state and its oracle (seeded by the run's seed), so runs never
//! influence each other and the same scenario gives bit-identical trajectories however the steps are
//! batched. Tests and the CLI drive a `Session` directly; the app drives one through the solver thread.
//!
//! A run added, or restarted on its own (an edit that restarts it, a moved start), after the others
//! have moved on is *catching up*: [`Session::catch_up`] (or the next [`Session::advance`]) steps it
//! to the step the others have reached, or to its end when they have all stopped, so it then goes on
//! with them. The runs that were not edited are never touched by this.

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
    /// Per run: added or restarted after the others moved on, and not level with them yet.
    catching_up: Vec<bool>,
}

impl Session {
    /// A session at step 0. The scenario should have passed validation.
    pub fn new(scenario: Scenario) -> Self {
        let problem = ProblemInstance::build_transformed(&scenario.problem, &scenario.transform);
        let runs = scenario
            .runs
            .iter()
            .map(|config| Run::new(config.clone(), &problem, measurement(&scenario)))
            .collect::<Vec<_>>();
        let catching_up = vec![false; runs.len()];
        Self {
            scenario,
            problem,
            runs,
            catching_up,
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
        let all: Vec<usize> = (0..self.runs.len()).collect();
        self.snapshot_of(&all)
    }

    /// The current sample of each run in `which` (indices past the end are skipped), as
    /// [`snapshot`](Self::snapshot) gives it.
    pub fn snapshot_of(&mut self, which: &[usize]) -> Vec<RunProgress> {
        which
            .iter()
            .filter_map(|&index| {
                let run = self.runs.get_mut(index)?;
                let sample = run.last_sample();
                let mut progress = progress_of(index, run, vec![sample]);
                progress.latest_step = run.latest_step();
                progress.workers = run.worker_trails();
                Some(progress)
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
    /// changed status. Runs still catching up are first brought level with the others.
    pub fn advance(&mut self, n: u64) -> Vec<RunProgress> {
        let mut progress = self.catch_up(u64::MAX);
        for index in 0..self.runs.len() {
            if !self.runs[index].status().is_running() {
                continue;
            }
            let stepped = self.step_timed(index, n);
            match progress.iter_mut().find(|p| p.run == index) {
                Some(earlier) => earlier.absorb(stepped),
                None => progress.push(stepped),
            }
        }
        progress.sort_by_key(|p| p.run);
        progress
    }

    /// Whether a run added or restarted on its own is still behind the others.
    pub fn is_catching_up(&self) -> bool {
        self.catching_up.iter().any(|&behind| behind)
    }

    /// Steps each run that is catching up at most `n` times toward the step the others have
    /// reached (to its end when they have all stopped), and returns what happened to those runs.
    pub fn catch_up(&mut self, n: u64) -> Vec<RunProgress> {
        let mut progress = Vec::new();
        if !self.is_catching_up() {
            return progress;
        }
        let target = self.catch_up_target();
        for index in 0..self.runs.len() {
            if !self.catching_up[index] {
                continue;
            }
            let taken = self.runs[index].steps_taken();
            let steps = target.saturating_sub(taken).min(n);
            if steps > 0 && self.runs[index].status().is_running() {
                progress.push(self.step_timed(index, steps));
            }
            let run = &self.runs[index];
            if run.steps_taken() >= target || !run.status().is_running() {
                self.catching_up[index] = false;
            }
        }
        progress
    }

    /// The step a run catching up is brought to: the furthest step of the others still running,
    /// or the budget when every other run has stopped after taking steps (0 if none has).
    fn catch_up_target(&self) -> u64 {
        let others = || {
            self.runs
                .iter()
                .zip(&self.catching_up)
                .filter(|(_, behind)| !**behind)
                .map(|(run, _)| run)
        };
        let running = others()
            .filter(|run| run.status().is_running())
            .map(Run::steps_taken)
            .max();
        match running {
            Some(step) => step,
            None if others().any(|run| run.steps_taken() > 0) => self.scenario.steps,
            None => 0,
        }
    }

    /// Steps run `index` up to `n` times, keeping its records, with the batch's time spread over
    /// its samples.
    fn step_timed(&mut self, index: usize, n: u64) -> RunProgress {
        let mut samples = Vec::new();
        let started = crate::clock::Instant::now();
        let before = self.runs[index].compute_seconds();
        self.advance_run_recording(index, n, true, |sample| samples.push(*sample));
        // Timing each step would cost as much as a 2D step itself: time the batch and spread it.
        let seconds = started.elapsed().as_secs_f64();
        let count = samples.len().max(1) as f64;
        for (k, sample) in samples.iter_mut().enumerate() {
            sample.wall_time = before + seconds * (k + 1) as f64 / count;
        }
        self.runs[index].add_compute_seconds(seconds);
        progress_of(index, &mut self.runs[index], samples)
    }

    /// Puts every run back at its start with fresh state.
    pub fn reset(&mut self) {
        for run in &mut self.runs {
            run.restart();
        }
        self.catching_up.fill(false);
    }

    /// Moves the start of one run (`Some(index)`) or of all runs, and restarts them. A single
    /// run moved then catches up with the others.
    pub fn set_start(&mut self, run: Option<usize>, start: [f64; 2]) {
        let start = DVector::from_vec(start.to_vec());
        for (index, r) in self.runs.iter_mut().enumerate() {
            if run.is_none_or(|i| i == index) {
                r.set_start(&start);
                self.scenario.runs[index] = r.config().clone();
            }
        }
        match run {
            Some(index) => self.start_catching_up(index),
            None => self.catching_up.fill(false),
        }
    }

    /// Marks run `index`, just put back at its start, as catching up with the others.
    fn start_catching_up(&mut self, index: usize) {
        if let Some(behind) = self.catching_up.get_mut(index) {
            *behind = true;
        }
    }

    /// Replaces one run's configuration, live (moments kept) or restarting it (it then catches up
    /// with the others).
    pub fn edit_run(&mut self, index: usize, config: RunConfig, restart: bool) {
        if let (Some(run), Some(slot)) =
            (self.runs.get_mut(index), self.scenario.runs.get_mut(index))
        {
            *slot = config.clone();
            run.edit(config, restart);
            if restart {
                self.start_catching_up(index);
            }
        }
    }

    /// Adds a run at the end, at step 0; it catches up with the others.
    pub fn add_run(&mut self, config: RunConfig) {
        self.runs.push(Run::new(
            config.clone(),
            &self.problem,
            measurement(&self.scenario),
        ));
        self.scenario.runs.push(config);
        self.catching_up.push(true);
    }

    /// Removes a run; the later runs' indices shift down by one.
    pub fn remove_run(&mut self, index: usize) {
        if index < self.runs.len() {
            self.runs.remove(index);
            self.scenario.runs.remove(index);
            self.catching_up.remove(index);
        }
    }
}

fn measurement(scenario: &Scenario) -> Measurement {
    Measurement {
        tolerance: scenario.tolerance,
        sharpness_every: scenario.sharpness_every,
        subdifferential: scenario
            .subdifferential
            .as_ref()
            .map_or((0.0, 0), |settings| (settings.radius, settings.samples)),
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
