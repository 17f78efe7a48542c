//! A lesson's tuning study (`tune:`) as its preset states it, and what a `Tuned` claim reads of
//! the result. The study itself (`analysis::study::tune`) searches every run's learning rate at an
//! equal evaluation budget; see there for the protocol.

use serde::{Deserialize, Serialize};

use super::model::{Axis, RunConfig};
use crate::validate::Checker;

/// Most grid points per decade of lr.
pub const MAX_PER_DECADE: usize = 100;
/// Most trials (lr values × values of the second hyperparameter) per run.
pub const MAX_TRIALS: usize = 10_000;
/// Most seeds a trial of a stochastic run is averaged over.
pub const MAX_TUNE_SEEDS: usize = 64;
/// Largest evaluation budget per trial.
pub const MAX_TUNE_BUDGET: u64 = 10_000_000;

/// What a trial is scored by (lower is better).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Criterion {
    /// The loss at the trial's last step.
    #[default]
    FinalLoss,
    /// The mean of the loss over the trial's samples (its start and every step): the area under
    /// the loss curve per step, which also rewards being fast early.
    AreaUnderLoss,
}

/// A tuning study: every run's lr searched over a log range around its own lr, every trial with
/// the same evaluation budget, scored by `criterion` averaged over `seeds`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TuneSettings {
    /// Oracle calls every trial may use (`None`: the lesson's `steps`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget_evals: Option<u64>,
    /// The lr range searched, as factors of each run's own lr: (0.01, 100) is ×10⁻² … ×10².
    pub lr_factors: (f64, f64),
    /// Grid points per decade of lr (the grid includes both ends).
    pub per_decade: usize,
    /// A seeded random search of this many log-uniform lr values instead of the grid.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trials: Option<usize>,
    /// The random search's seed.
    pub search_seed: u64,
    /// The seeds each trial of a stochastic run (minibatches, gradient noise) is averaged over; a
    /// run with exact gradients is scored once, with its own seed.
    pub seeds: Vec<u64>,
    /// What a trial is scored by.
    pub criterion: Criterion,
    /// A second hyperparameter searched on its own grid: every lr with every value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub also: Option<Axis>,
    /// The good range: the lr values around the best whose criterion is within this factor of the
    /// best one.
    pub good_factor: f64,
}

impl Default for TuneSettings {
    fn default() -> Self {
        Self {
            budget_evals: None,
            lr_factors: (1e-2, 1e2),
            per_decade: 10,
            trials: None,
            search_seed: 0,
            seeds: vec![0, 1, 2],
            criterion: Criterion::FinalLoss,
            also: None,
            good_factor: 2.0,
        }
    }
}

impl TuneSettings {
    /// The number of lr values per run.
    pub fn lr_count(&self) -> usize {
        match self.trials {
            Some(trials) => trials,
            None => {
                let decades = (self.lr_factors.1 / self.lr_factors.0).log10();
                (self.per_decade as f64 * decades).round().max(0.0) as usize + 1
            }
        }
    }

    /// Trials per run: lr values times the second hyperparameter's values.
    pub fn trials_per_run(&self) -> usize {
        self.lr_count()
            .saturating_mul(self.also.as_ref().map_or(1, |axis| axis.count))
    }

    /// Semantic checks; `runs` are the runs the study tunes (each needs an `lr`, and the second
    /// hyperparameter if one is named).
    pub fn validate(&self, runs: &[RunConfig], checker: &mut Checker) {
        if let Some(budget) = self.budget_evals {
            checker.count_in_range("budget_evals", budget, 1, MAX_TUNE_BUDGET);
        }
        let (lo, hi) = self.lr_factors;
        if checker.finite("lr_factors", lo)
            && checker.finite("lr_factors", hi)
            && !(0.0 < lo && lo < hi)
        {
            checker.report(
                "lr_factors",
                format!("the lr range ({lo}, {hi}) is empty: it needs 0 < lo < hi"),
            );
        }
        match self.trials {
            Some(trials) => checker.count_in_range("trials", trials as u64, 2, MAX_TRIALS as u64),
            None => checker.count_in_range(
                "per_decade",
                self.per_decade as u64,
                1,
                MAX_PER_DECADE as u64,
            ),
        }
        if checker.found.is_empty() && self.trials_per_run() > MAX_TRIALS {
            checker.report(
                "per_decade",
                format!(
                    "at most {MAX_TRIALS} trials per run, got {}",
                    self.trials_per_run()
                ),
            );
        }
        if self.seeds.is_empty() || self.seeds.len() > MAX_TUNE_SEEDS {
            checker.report(
                "seeds",
                format!(
                    "seeds must list 1 to {MAX_TUNE_SEEDS} seeds, got {}",
                    self.seeds.len()
                ),
            );
        }
        if checker.finite("good_factor", self.good_factor) && self.good_factor <= 1.0 {
            checker.report("good_factor", "good_factor must be above 1");
        }
        if let Some(axis) = &self.also {
            checker.within("also", |checker| axis.validate(checker));
            if axis.name == "lr" {
                checker.report(
                    "also.name",
                    "lr is always searched: name another hyperparameter",
                );
            }
        }
        for (index, run) in runs.iter().enumerate() {
            let names: Vec<&str> = run.optimizer.hypers().iter().map(|h| h.name).collect();
            let wanted = std::iter::once("lr").chain(self.also.as_ref().map(|a| a.name.as_str()));
            for name in wanted.filter(|name| !names.contains(name)) {
                checker.report(
                    "",
                    format!(
                        "run {index} (\"{}\", {}) has no `{name}` to tune",
                        run.label,
                        run.optimizer.name()
                    ),
                );
            }
        }
    }
}

/// What a `Tuned` claim measures of a run in the lesson's tuning study.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum TunedMeasure {
    /// The best trial's lr.
    BestLr,
    /// The best trial's criterion.
    BestCriterion,
    /// The width in decades, log₁₀(hi/lo), of the good range: the lrs around the best whose
    /// criterion is within `good_factor` of the best.
    GoodDecades,
    /// The run's best criterion over the best criterion of the run with this label (tuned
    /// against tuned: `Ratio` on the untuned runs says the same at default settings).
    BestOver(String),
}
