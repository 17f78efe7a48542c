//! Tuning at an equal budget: for every run of a scenario, its learning rate searched on a log
//! grid (or a seeded log-uniform random search) around its own lr, optionally with a second
//! hyperparameter on its own grid, each trial scored by a stated criterion; the best trial per
//! run, and the width of the range of good learning rates around it.
//!
//! The protocol (Choi et al. 2019, Sivaprasad et al. 2020, Schmidt et al. 2021: a comparison of
//! optimizers means little unless each is tuned with the same budget):
//! - lr values: the run's lr η₀ times the factors fᵢ = a·(b/a)^(i/(n−1)), i = 0..n−1, with
//!   (a, b) = `lr_factors` and n = `per_decade`·log₁₀(b/a) + 1 (the grid), or fᵢ = a·(b/a)^uᵢ with
//!   uᵢ drawn uniformly by ChaCha8 from `search_seed`, sorted (the random search). Every run gets
//!   the same factors.
//! - Budget: every trial of every run steps until its oracle has made B calls (B = `budget_evals`,
//!   or the lesson's `steps`), counted as sweeps count them ([`BudgetUnit::OracleCalls`](super::sweep::BudgetUnit)):
//!   a method with two gradients per step takes half the steps. A run that stops earlier
//!   (diverged, or its own convergence test) ends there.
//! - Criterion: `FinalLoss`, the loss of the last sample, or `AreaUnderLoss`, the mean of the
//!   loss over the trial's samples (the start and one per step, so per step, not per evaluation).
//!   A trial whose run diverged, or whose criterion is not finite, scores +∞.
//! - Seeds: a run with stochastic gradients (minibatches, gradient noise) is scored by the mean
//!   of the criterion over the settings' seeds (S ≥ 3 so that tuning does not fit one seed's
//!   noise); a run with exact gradients once, with its own seed.
//! - The best trial of a run: the lowest criterion (the first in trial order on a tie); none when
//!   every trial diverged. The good range: the contiguous lr values around the best (at the best
//!   trial's value of the second hyperparameter) whose criterion c satisfies c ≤ F·c* for the
//!   best c* > 0 (F = `good_factor`); its width log₁₀(hi/lo) in decades says how forgiving the
//!   method is (0 when only the best qualifies).
//!
//! Deterministic: the same request gives the same result, trial after trial on one thread (the
//! app runs it as a job in pieces, one trial per piece).
//!
//! References: D. Choi et al., "On empirical comparisons of optimizers for deep learning" (2019);
//! P. T. Sivaprasad et al., "Optimizer benchmarking needs to account for hyperparameter tuning",
//! ICML 2020; A. C. Wilson et al., "The marginal value of adaptive gradient methods" (2017).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{TrialCheck, validate_trials};
use crate::engine::{JobControl, Measurement, Pieces, ProblemInstance, Run, RunStatus, Slice};
use crate::landscape::Transform;
use crate::scenario::{Criterion, Problem, RunConfig, TuneSettings, set_axis_value};
use crate::validate::Checker;

/// Steps between checks of the cancel flag within one trial.
const CANCEL_CHECK_STEPS: u64 = 1024;

/// A tuning study to compute.
#[derive(Clone, Debug, PartialEq)]
pub struct TuneRequest {
    /// What the runs minimize.
    pub problem: Problem,
    /// The scenario's rotation and stretch of a landscape.
    pub transform: Transform,
    /// The runs to tune, each around its own lr.
    pub runs: Vec<RunConfig>,
    /// Range, search, seeds, criterion.
    pub settings: TuneSettings,
    /// Oracle calls per trial (the settings' budget, or the lesson's steps).
    pub budget_evals: u64,
}

impl TuneRequest {
    /// The study `settings` asks for on a scenario's problem and runs, `steps` standing in for a
    /// budget the settings leave out.
    pub fn new(scenario: &crate::scenario::Scenario, settings: TuneSettings) -> Self {
        Self {
            problem: scenario.problem.clone(),
            transform: scenario.transform,
            runs: scenario.runs.clone(),
            budget_evals: settings.budget_evals.unwrap_or(scenario.steps),
            settings,
        }
    }

    /// The lr factors every run is tried at, ascending (see the module documentation).
    pub fn lr_factors(&self) -> Vec<f64> {
        let (a, b) = self.settings.lr_factors;
        let n = self.settings.lr_count();
        let at = |t: f64| a * (b / a).powf(t);
        match self.settings.trials {
            Some(_) => {
                let mut rng = ChaCha8Rng::seed_from_u64(self.settings.search_seed);
                let mut factors: Vec<f64> = (0..n).map(|_| at(rng.random::<f64>())).collect();
                factors.sort_by(f64::total_cmp);
                factors
            }
            None => (0..n)
                .map(|i| at(i as f64 / (n.saturating_sub(1)).max(1) as f64))
                .collect(),
        }
    }

    /// The second hyperparameter's values (one `None` when there is none).
    fn also_values(&self) -> Vec<Option<f64>> {
        match &self.settings.also {
            Some(axis) => axis.values().into_iter().map(Some).collect(),
            None => vec![None],
        }
    }

    /// Every trial, in order: run by run, then the second hyperparameter's value, then lr.
    fn plan(&self) -> Vec<(usize, f64, Option<f64>)> {
        let factors = self.lr_factors();
        let also = self.also_values();
        let mut plan = Vec::with_capacity(self.runs.len() * factors.len() * also.len());
        for (index, run) in self.runs.iter().enumerate() {
            for value in &also {
                plan.extend(
                    factors
                        .iter()
                        .map(|f| (index, run.optimizer.lr() * f, *value)),
                );
            }
        }
        plan
    }

    /// The configuration of a trial.
    fn trial_config(&self, run: usize, lr: f64, also: Option<f64>) -> Result<RunConfig, String> {
        let mut config = self
            .runs
            .get(run)
            .ok_or_else(|| format!("run {run} does not exist"))?
            .clone();
        set_axis_value(&mut config, "lr", lr)?;
        if let (Some(axis), Some(value)) = (&self.settings.also, also) {
            set_axis_value(&mut config, &axis.name, value)?;
        }
        Ok(config)
    }

    /// Everything wrong with the request, as "field: message" lines (empty when it can run).
    /// Checks every trial's configuration as torch would.
    pub fn validate(&self) -> Vec<String> {
        let mut checker = Checker::new();
        checker.within("problem", |c| self.problem.validate(c));
        self.settings.validate(&self.runs, &mut checker);
        checker.count_in_range(
            "budget_evals",
            self.budget_evals,
            1,
            crate::scenario::MAX_STEPS,
        );
        if self.runs.is_empty() {
            checker.report("runs", "there is no run to tune");
        }
        if checker.found.is_empty() {
            let trials = self.plan().into_iter().map(|(run, lr, also)| TrialCheck {
                build_path: format!("run {run}"),
                path: format!("run {run} at lr {lr}"),
                run: self.trial_config(run, lr, also),
            });
            validate_trials(&mut checker, trials);
        }
        (checker.found.iter())
            .map(|found| format!("{}: {}", found.path, found.message))
            .collect()
    }
}

/// One trial: a run at one lr (and one value of the second hyperparameter), scored.
#[derive(Clone, Debug, PartialEq)]
pub struct Trial {
    /// The run's index in the request.
    pub run: usize,
    /// The lr tried.
    pub lr: f64,
    /// The second hyperparameter's value, if one is searched.
    pub also: Option<f64>,
    /// The criterion, averaged over seeds (+∞: diverged).
    pub criterion: f64,
    /// Whether this is its run's best trial.
    pub best: bool,
}

/// A computed tuning study.
#[derive(Clone, Debug, PartialEq)]
pub struct Tuning {
    /// The runs as tuned from (labels, optimizers, the other settings).
    pub runs: Vec<RunConfig>,
    /// The second hyperparameter's name, if one was searched.
    pub also_name: Option<String>,
    /// The criterion the trials were scored by.
    pub criterion: Criterion,
    /// The good range's factor F.
    pub good_factor: f64,
    /// Every trial, run by run (in the request's order).
    pub trials: Vec<Trial>,
}

impl Tuning {
    /// The trials of run `run`, in order.
    pub fn run_trials(&self, run: usize) -> impl Iterator<Item = &Trial> {
        self.trials.iter().filter(move |trial| trial.run == run)
    }

    /// Run `run`'s best trial (`None`: every trial diverged).
    pub fn best(&self, run: usize) -> Option<&Trial> {
        self.run_trials(run).find(|trial| trial.best)
    }

    /// The lr range (lo, hi) around run `run`'s best whose criterion is within the good factor
    /// of the best (`None`: no best, or a best criterion ≤ 0, where a factor means nothing).
    pub fn good_range(&self, run: usize) -> Option<(f64, f64)> {
        let best = self.best(run)?;
        if best.criterion <= 0.0 {
            return None;
        }
        let line: Vec<&Trial> = (self.run_trials(run))
            .filter(|trial| trial.also == best.also)
            .collect();
        let centre = line.iter().position(|trial| trial.best)?;
        let good = |trial: &&Trial| trial.criterion <= self.good_factor * best.criterion;
        let lo = centre - line[..centre].iter().rev().take_while(|t| good(t)).count();
        let hi = centre + line[centre + 1..].iter().take_while(|t| good(t)).count();
        Some((line[lo].lr, line[hi].lr))
    }

    /// The good range's width in decades, log₁₀(hi/lo).
    pub fn good_decades(&self, run: usize) -> Option<f64> {
        self.good_range(run).map(|(lo, hi)| (hi / lo).log10())
    }

    /// Run `run` at its best trial's settings, labelled "label (tuned)" (`None`: no best).
    pub fn tuned_config(&self, run: usize) -> Option<RunConfig> {
        let best = self.best(run)?;
        let mut config = self.runs.get(run)?.clone();
        set_axis_value(&mut config, "lr", best.lr).ok()?;
        if let (Some(name), Some(value)) = (&self.also_name, best.also) {
            set_axis_value(&mut config, name, value).ok()?;
        }
        config.label = format!("{} (tuned)", config.label);
        config.colour = None;
        Some(config)
    }
}

/// A tuning study computed a trial at a time (see [`Pieces`]): the same result whole or in pieces.
pub struct TunePieces {
    request: TuneRequest,
    /// Built by the first piece, after the request is validated.
    problem: Option<ProblemInstance>,
    plan: Vec<(usize, f64, Option<f64>)>,
    criteria: Vec<f64>,
}

impl TunePieces {
    /// The study `request` asks for.
    pub fn new(request: TuneRequest) -> Self {
        let plan = request.plan();
        Self {
            request,
            problem: None,
            plan,
            criteria: Vec::new(),
        }
    }
}

impl Pieces for TunePieces {
    type Output = Tuning;

    fn total(&self) -> usize {
        self.plan.len()
    }

    /// The next trial (the first piece validates the request and builds the problem first).
    fn run_piece(&mut self, control: &JobControl) -> Slice<Tuning> {
        if self.problem.is_none() {
            if let Some(first) = self.request.validate().first() {
                return Some(Err(format!("invalid tuning study: {first}")));
            }
            let request = &self.request;
            let problem = ProblemInstance::build_transformed(&request.problem, &request.transform);
            self.problem = Some(problem);
        }
        let problem = self.problem.as_ref()?;
        if let Some(&(run, lr, also)) = self.plan.get(self.criteria.len()) {
            let config = match self.request.trial_config(run, lr, also) {
                Ok(config) => config,
                Err(message) => return Some(Err(message)),
            };
            let seeds = &self.request.settings.seeds;
            match score_trial(config, problem, &self.request, seeds, control) {
                Some(criterion) => self.criteria.push(criterion),
                None => return Some(Err("cancelled".to_owned())),
            }
        }
        (self.criteria.len() >= self.plan.len()).then(|| Ok(self.assemble()))
    }
}

impl TunePieces {
    fn assemble(&self) -> Tuning {
        let mut trials: Vec<Trial> = (self.plan.iter().zip(&self.criteria))
            .map(|(&(run, lr, also), &criterion)| Trial {
                run,
                lr,
                also,
                criterion,
                best: false,
            })
            .collect();
        for run in 0..self.request.runs.len() {
            let best = (trials.iter().enumerate())
                .filter(|(_, trial)| trial.run == run && trial.criterion < f64::INFINITY)
                .min_by(|a, b| a.1.criterion.total_cmp(&b.1.criterion))
                .map(|(index, _)| index);
            if let Some(index) = best {
                trials[index].best = true;
            }
        }
        let settings = &self.request.settings;
        Tuning {
            runs: self.request.runs.clone(),
            also_name: settings.also.as_ref().map(|axis| axis.name.clone()),
            criterion: settings.criterion,
            good_factor: settings.good_factor,
            trials,
        }
    }
}

/// Computes the study on this thread, trial after trial, counting trials in `control`.
pub fn run_tune(request: &TuneRequest, control: &JobControl) -> Result<Tuning, String> {
    TunePieces::new(request.clone()).run_whole(control)
}

/// The trial's criterion averaged over `seeds` (once, with the run's own seed, when its
/// gradients are exact). `None` when cancelled.
fn score_trial(
    config: RunConfig,
    problem: &ProblemInstance,
    request: &TuneRequest,
    seeds: &[u64],
    control: &JobControl,
) -> Option<f64> {
    let mut total = 0.0;
    for (count, &seed) in (1..).zip(seeds) {
        let mut run = Run::new(config.clone(), problem, Measurement::default());
        if run.oracle().is_stochastic() {
            run = Run::new(
                RunConfig {
                    seed,
                    ..config.clone()
                },
                problem,
                Measurement::default(),
            );
        } else if count == 1 {
            return score_run(run, request, control);
        }
        total += score_run(run, request, control)?;
        if count == seeds.len() {
            return Some(total / count as f64);
        }
    }
    Some(f64::INFINITY)
}

/// Steps `run` to the request's budget and scores it.
fn score_run(mut run: Run, request: &TuneRequest, control: &JobControl) -> Option<f64> {
    let budget = request.budget_evals;
    let (mut sum, mut samples) = (run.last_sample().loss, 1_u64);
    while run.status().is_running()
        && run.last_sample().evals < budget
        && run.steps_taken() < budget
    {
        if run.steps_taken().is_multiple_of(CANCEL_CHECK_STEPS) && control.is_cancelled() {
            return None;
        }
        let Some(sample) = run.step() else {
            break;
        };
        sum += sample.loss;
        samples += 1;
    }
    if matches!(run.status(), RunStatus::Diverged { .. }) {
        return Some(f64::INFINITY);
    }
    let criterion = match request.settings.criterion {
        Criterion::FinalLoss => run.last_sample().loss,
        Criterion::AreaUnderLoss => sum / samples as f64,
    };
    Some(if criterion.is_finite() {
        criterion
    } else {
        f64::INFINITY
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Axis, Scenario, parse};

    fn scenario(runs: &str) -> Scenario {
        let text = format!(
            "Scenario(problem: Landscape(Quadratic(lambda1: 1.0, lambda2: 10.0, angle_deg: 0.0)), steps: 100, runs: [{runs}])"
        );
        parse(&text, "test.ron")
            .unwrap_or_else(|e| panic!("{e}"))
            .scenario
    }

    fn tuning_with(criteria: &[f64]) -> Tuning {
        let mut trials: Vec<Trial> = (criteria.iter().enumerate())
            .map(|(i, &criterion)| Trial {
                run: 0,
                lr: 10f64.powi(i as i32),
                also: None,
                criterion,
                best: false,
            })
            .collect();
        let best = (0..trials.len()).min_by(|&a, &b| criteria[a].total_cmp(&criteria[b]));
        if let Some(best) = best {
            trials[best].best = true;
        }
        Tuning {
            runs: vec![RunConfig::default()],
            also_name: None,
            criterion: Criterion::FinalLoss,
            good_factor: 2.0,
            trials,
        }
    }

    #[test]
    fn the_good_range_is_the_contiguous_run_of_trials_within_the_factor() {
        let tuning = tuning_with(&[8.0, 1.5, 3.0, 1.9, 1.0, 2.0, 2.1, 1.2]);
        // Best 1.0 at 10⁴; 1.9 and 2.0 qualify, 3.0 breaks the run on the left, 2.1 on the right
        // (1.2 beyond it does not count).
        assert_eq!(tuning.good_range(0), Some((1e3, 1e5)));
        assert_eq!(tuning.good_decades(0), Some(2.0));
        let alone = tuning_with(&[5.0, 1.0, f64::INFINITY]);
        assert_eq!(alone.good_decades(0), Some(0.0));
        assert_eq!(tuning_with(&[-1.0, 0.5]).good_range(0), None);
        let diverged = tuning_with(&[f64::INFINITY, f64::INFINITY]);
        let mut diverged = diverged;
        diverged.trials.iter_mut().for_each(|t| t.best = false);
        assert_eq!(diverged.best(0), None);
        assert!(diverged.tuned_config(0).is_none());
        let tuned = tuning.tuned_config(0).unwrap_or_default();
        assert_eq!(
            (tuned.label.as_str(), tuned.optimizer.lr()),
            ("SGD (tuned)", 1e4)
        );
    }

    #[test]
    fn a_method_with_two_evaluations_per_step_gets_half_the_steps() {
        let scenario = scenario(
            r#"Run(label: "ZO", optimizer: ZerothOrder(lr: 0.01), start: (1.0, 1.0)), Run(label: "GD", optimizer: Sgd(lr: 0.01), start: (1.0, 1.0))"#,
        );
        let settings = TuneSettings {
            lr_factors: (1.0, 10.0),
            per_decade: 1,
            budget_evals: Some(100),
            ..TuneSettings::default()
        };
        let tuning = run_tune(&TuneRequest::new(&scenario, settings), &JobControl::new(0))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(tuning.trials.len(), 4);
        let problem = ProblemInstance::build_transformed(&scenario.problem, &scenario.transform);
        let loss_after = |config: &RunConfig, steps: u64| {
            let mut run = Run::new(config.clone(), &problem, Measurement::default());
            for _ in 0..steps {
                run.step();
            }
            (run.last_sample().loss, run.last_sample().evals)
        };
        let (zo_loss, zo_evals) = loss_after(&scenario.runs[0], 50);
        assert_eq!(zo_evals, 100, "two loss evaluations per step");
        assert_eq!(tuning.trials[0].criterion, zo_loss);
        assert_ne!(loss_after(&scenario.runs[0], 100).0, zo_loss);
        let (gd_loss, gd_evals) = loss_after(&scenario.runs[1], 100);
        assert_eq!((tuning.trials[2].criterion, gd_evals), (gd_loss, 100));
    }

    #[test]
    fn the_random_search_is_seeded_sorted_and_within_the_range() {
        let scenario = scenario(r#"Run(label: "GD", optimizer: Sgd(lr: 0.01))"#);
        let request = |seed| {
            let settings = TuneSettings {
                trials: Some(20),
                search_seed: seed,
                ..TuneSettings::default()
            };
            TuneRequest::new(&scenario, settings)
        };
        let factors = request(3).lr_factors();
        assert_eq!(factors.len(), 20);
        assert!(factors.windows(2).all(|w| w[0] <= w[1]));
        assert!(factors.iter().all(|f| (1e-2..=1e2).contains(f)));
        // Log-uniform: about half below the centre.
        let below = factors.iter().filter(|f| **f < 1.0).count();
        assert!((5..=15).contains(&below), "{factors:?}");
        assert_eq!(factors, request(3).lr_factors());
        assert_ne!(factors, request(4).lr_factors());
        let grid = TuneRequest::new(&scenario, TuneSettings::default()).lr_factors();
        assert_eq!(grid.len(), 41);
        assert!((grid[10] - 0.1).abs() < 1e-15 && (grid[40] - 100.0).abs() < 1e-12);
    }

    #[test]
    fn bad_requests_say_what_is_wrong() {
        let scenario = scenario(
            r#"Run(label: "GD", optimizer: Sgd(lr: 0.01)), Run(label: "flow", optimizer: GradientFlow())"#,
        );
        let found = TuneRequest::new(&scenario, TuneSettings::default()).validate();
        assert!(
            found
                .iter()
                .any(|f| f.contains("\"flow\"") && f.contains("`lr`")),
            "{found:?}"
        );
        let scenario = self::scenario(r#"Run(label: "GD", optimizer: Sgd(lr: 0.01))"#);
        let empty = TuneSettings {
            lr_factors: (10.0, 1.0),
            ..TuneSettings::default()
        };
        let found = TuneRequest::new(&scenario, empty).validate();
        assert!(found.iter().any(|f| f.contains("is empty")), "{found:?}");
        let also = TuneSettings {
            also: Some(Axis::linear("betas[0]", (0.0, 0.9), 3)),
            ..TuneSettings::default()
        };
        let found = TuneRequest::new(&scenario, also).validate();
        assert!(found.iter().any(|f| f.contains("`betas[0]`")), "{found:?}");
        let control = JobControl::new(0);
        control.cancel();
        let request = TuneRequest::new(&scenario, TuneSettings::default());
        assert_eq!(run_tune(&request, &control), Err("cancelled".to_owned()));
    }
}
