//! A lesson verified headless: its runs stepped to the budget, each Try's claim on an edited copy,
//! `Seeds` claims once per seed, the basin map and the sweep computed when a claim names them.
//! Runs of the same lesson (the notices and the Tries without an edit, seeds repeated across
//! claims) are made once and shared.

use std::sync::atomic::{AtomicBool, AtomicUsize};

use super::tuned::{lesson_tuning, tuned_verdict};
use super::{Evidence, Measured, RunHistory, Verdict};
use crate::analysis::study::basin::{self, BasinMap, BasinRequest};
use crate::analysis::study::sweep::{self, BudgetUnit, Sweep, SweepError, SweepRequest};
use crate::analysis::study::tune::Tuning;
use crate::engine::{JobControl, ProblemInstance, Session, Trace};
use crate::scenario::{BATCH_SIZE, Bounds, Claim, Scenario};

/// Steps per call of [`Session::advance`]: large enough that the per-call bookkeeping vanishes.
const STEPS_PER_ADVANCE: u64 = 4096;
/// The gradient-norm tolerance of basin maps and sweeps on lessons that set none (as the app's).
const STUDY_TOLERANCE: f64 = 1e-6;

/// Where a claim sits in its lesson.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClaimSource {
    /// The notice with this index (from 0).
    Notice(usize),
    /// The Try with this index (from 0), checked after its edit.
    Try(usize),
}

/// One claim of a lesson, verified.
#[derive(Clone, Debug, PartialEq)]
pub struct ClaimReport {
    /// Where it sits.
    pub source: ClaimSource,
    /// The sentence it checks.
    pub text: String,
    /// The claim.
    pub claim: Claim,
    /// What it came to.
    pub verdict: Verdict,
    /// It holds, but its one-sided bound is looser than 10× the measured value (a claim that
    /// could hardly fail: a defect of the lesson).
    pub loose: bool,
}

impl ClaimReport {
    /// Whether the claim holds with a bound that could fail.
    pub fn passed(&self) -> bool {
        self.verdict.holds() && !self.loose
    }

    /// What was measured, with the looseness spelled out.
    pub fn finding(&self) -> String {
        let measured = self
            .verdict
            .measured()
            .map_or_else(|| "undecided".to_owned(), ToString::to_string);
        match (self.loose, self.claim.bounds()) {
            (true, Some(bounds)) => format!(
                "{measured}; the bound {bounds:?} is looser than 10× the measured value: tighten it"
            ),
            _ => measured,
        }
    }
}

/// Every claim of a lesson, verified.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LessonReport {
    /// The notices' claims, then the Tries', in order.
    pub claims: Vec<ClaimReport>,
}

impl LessonReport {
    /// Whether every claim passed.
    pub fn passed(&self) -> bool {
        self.claims.iter().all(ClaimReport::passed)
    }
}

/// Verifies every claim of `scenario` (a lesson that passed validation). An error is internal
/// (a study's worker failed), not a false claim.
pub fn verify_lesson(scenario: &Scenario) -> Result<LessonReport, String> {
    let mut verifier = Verifier::default();
    let mut claims = Vec::new();
    for (index, notice) in scenario.notice.iter().enumerate() {
        let verdict = verifier.verdict(scenario, &notice.claim)?;
        claims.push(report(
            ClaimSource::Notice(index),
            &notice.text,
            &notice.claim,
            verdict,
        ));
    }
    for (index, attempt) in scenario.tries.iter().enumerate() {
        let Some(claim) = &attempt.claim else {
            continue;
        };
        let mut edited = scenario.clone();
        let verdict = match attempt.edit.as_ref().map(|edit| edit.apply(&mut edited)) {
            Some(Err(message)) => Verdict::Fails {
                measured: Measured::words(format!("the edit cannot be made: {message}")),
            },
            _ => verifier.verdict(&edited, claim)?,
        };
        claims.push(report(
            ClaimSource::Try(index),
            &attempt.text,
            claim,
            verdict,
        ));
    }
    Ok(LessonReport { claims })
}

/// Verifies one claim on `scenario` headless (the app can run it as a job for the claims its live
/// evidence leaves pending: `Seeds`, and a basin map or sweep it has not computed).
pub fn verify_claim(scenario: &Scenario, claim: &Claim) -> Result<Verdict, String> {
    Verifier::default().verdict(scenario, claim)
}

fn report(source: ClaimSource, text: &str, claim: &Claim, verdict: Verdict) -> ClaimReport {
    let measured = verdict.measured().and_then(|measured| measured.value);
    let loose = verdict.holds()
        && matches!((claim.bounds(), measured), (Some(bounds), Some(value)) if bounds.is_loose(value));
    ClaimReport {
        source,
        text: text.to_owned(),
        claim: claim.clone(),
        verdict,
        loose,
    }
}

/// A lesson's runs, stepped to the budget, with the studies computed on it so far.
struct Ran {
    scenario: Scenario,
    problem: ProblemInstance,
    traces: Vec<Trace>,
    basin: Option<Result<BasinMap, String>>,
    sweep: Option<Result<Sweep, String>>,
    tune: Option<Result<Tuning, String>>,
}

/// Runs lessons on demand and keeps them for the claims that read the same lesson.
#[derive(Default)]
struct Verifier {
    ran: Vec<Ran>,
}

impl Verifier {
    fn verdict(&mut self, scenario: &Scenario, claim: &Claim) -> Result<Verdict, String> {
        if let Claim::Seeds {
            seeds,
            share,
            claim,
        } = claim
        {
            return self.seeds_verdict(scenario, seeds, *share, claim);
        }
        let ran = self.ran(scenario);
        if let Claim::Tuned {
            run,
            measure,
            bounds,
        } = claim
        {
            let tuning = ran.tune.get_or_insert_with(|| lesson_tuning(&ran.scenario));
            return Ok(match tuning {
                Ok(tuning) => tuned_verdict(&ran.scenario, tuning, run, measure, bounds),
                Err(message) => Verdict::Fails {
                    measured: Measured::words(format!(
                        "the tuning study cannot be computed: {message}"
                    )),
                },
            });
        }
        if matches!(claim, Claim::BasinShare { .. }) && ran.basin.is_none() {
            ran.basin = Some(basin_map(&ran.scenario, &ran.problem));
        }
        if matches!(claim, Claim::SweepBest { .. }) && ran.sweep.is_none() {
            ran.sweep = Some(run_lesson_sweep(&ran.scenario)?);
        }
        let study_error = match claim {
            Claim::BasinShare { .. } => ran
                .basin
                .as_ref()
                .map(|map| ("basin map", map.as_ref().err())),
            Claim::SweepBest { .. } => ran
                .sweep
                .as_ref()
                .map(|sweep| ("sweep", sweep.as_ref().err())),
            _ => None,
        };
        if let Some((study, Some(message))) = study_error {
            return Ok(Verdict::Fails {
                measured: Measured::words(format!("the {study} cannot be computed: {message}")),
            });
        }
        let evidence = Evidence {
            scenario: &ran.scenario,
            runs: ran.traces.iter().map(|t| t as &dyn RunHistory).collect(),
            landscape: ran.problem.landscape.as_deref(),
            basin: ran.basin.as_ref().and_then(|map| map.as_ref().ok()),
            sweep: ran.sweep.as_ref().and_then(|sweep| sweep.as_ref().ok()),
            tuning: None,
        };
        Ok(match evidence.evaluate(claim) {
            Verdict::Pending => Verdict::Fails {
                measured: Measured::words("undecided when every run had stopped"),
            },
            decided => decided,
        })
    }

    /// `claim` once per seed; holds when at least ⌈share·n⌉ of the n seeds hold.
    fn seeds_verdict(
        &mut self,
        scenario: &Scenario,
        seeds: &[u64],
        share: f64,
        claim: &Claim,
    ) -> Result<Verdict, String> {
        let mut verdicts = Vec::with_capacity(seeds.len());
        for &seed in seeds {
            let mut reseeded = scenario.clone();
            for run in &mut reseeded.runs {
                run.seed = seed;
            }
            verdicts.push(self.verdict(&reseeded, claim)?);
        }
        let held = verdicts.iter().filter(|verdict| verdict.holds()).count();
        let needed = (share * seeds.len() as f64 - 1e-9).ceil().max(1.0) as usize;
        let findings: Vec<String> = seeds
            .iter()
            .zip(&verdicts)
            .map(|(seed, verdict)| {
                let mark = if verdict.holds() { "✓" } else { "✗" };
                let measured = verdict
                    .measured()
                    .map_or("undecided".into(), |m| m.text.clone());
                format!("seed {seed} {mark} {measured}")
            })
            .collect();
        let values: Vec<f64> = verdicts
            .iter()
            .filter(|verdict| verdict.holds())
            .filter_map(|verdict| verdict.measured().and_then(|measured| measured.value))
            .collect();
        let measured = Measured {
            value: claim
                .bounds()
                .and_then(|bounds| nearest_to_bound(bounds, &values)),
            text: format!(
                "{held} of {} seeds hold (need {needed}): {}",
                seeds.len(),
                findings.join("; ")
            ),
        };
        Ok(if held >= needed {
            Verdict::Holds {
                step: None,
                measured,
            }
        } else {
            Verdict::Fails { measured }
        })
    }

    /// The lesson's runs, stepped to the budget (made once per distinct lesson).
    fn ran(&mut self, scenario: &Scenario) -> &mut Ran {
        let index = match self.ran.iter().position(|ran| ran.scenario == *scenario) {
            Some(index) => index,
            None => {
                self.ran.push(run_to_budget(scenario));
                self.ran.len() - 1
            }
        };
        &mut self.ran[index]
    }
}

/// Of the values a bound held for, the one nearest the bound (the largest under `Below`, the
/// smallest over `Above`): the one that says how loose the bound is.
fn nearest_to_bound(bounds: &Bounds, values: &[f64]) -> Option<f64> {
    let values = values.iter().copied();
    match bounds {
        Bounds::Below(_) => values.max_by(f64::total_cmp),
        Bounds::Above(_) => values.min_by(f64::total_cmp),
        Bounds::Within(..) => values.into_iter().next(),
    }
}

/// Steps every run of `scenario` until all have stopped (at the budget at the latest), keeping
/// every sample.
fn run_to_budget(scenario: &Scenario) -> Ran {
    let mut session = Session::new(scenario.clone());
    let samples = usize::try_from(scenario.steps)
        .unwrap_or(usize::MAX)
        .saturating_add(1);
    let mut traces: Vec<Trace> = session
        .snapshot()
        .into_iter()
        .map(|progress| {
            let mut trace = Trace::new(samples);
            if let Some(start) = progress.samples.first() {
                trace.restart(*start, progress.status);
            }
            trace.extend_records(progress.records);
            trace
        })
        .collect();
    while !session.is_finished() {
        for progress in session.advance(STEPS_PER_ADVANCE) {
            if let Some(trace) = traces.get_mut(progress.run) {
                trace.extend(&progress.samples);
                trace.extend_records(progress.records);
                trace.status = progress.status;
            }
        }
    }
    Ran {
        scenario: scenario.clone(),
        problem: session.problem().clone(),
        traces,
        basin: None,
        sweep: None,
        tune: None,
    }
}

fn study_tolerance(scenario: &Scenario) -> f64 {
    if scenario.tolerance > 0.0 {
        scenario.tolerance
    } else {
        STUDY_TOLERANCE
    }
}

/// The lesson's basin map (`basin:`) over its view (the app maps the window it shows, which a
/// canvas of another shape widens).
fn basin_map(scenario: &Scenario, problem: &ProblemInstance) -> Result<BasinMap, String> {
    let settings = scenario
        .basin
        .as_ref()
        .ok_or("the lesson has no basin map (`basin:`)")?;
    let landscape = problem
        .landscape
        .as_ref()
        .ok_or("basin maps need a 2D landscape")?;
    let run = scenario
        .runs
        .get(settings.run)
        .ok_or_else(|| format!("run {} does not exist", settings.run))?;
    let request = BasinRequest {
        window: scenario.view.unwrap_or_else(|| landscape.view()),
        resolution: settings.resolution,
        steps: settings.steps,
        optimizer: run.optimizer.clone(),
        tolerance: study_tolerance(scenario),
    };
    let never = AtomicBool::new(false);
    basin::compute(landscape, &request, &AtomicUsize::new(0), &never)
        .ok_or_else(|| "the basin map was cancelled".to_owned())
}

/// The lesson's sweep (`sweep:`), as the app computes it. Outer error: internal (a worker
/// failed); inner: the sweep cannot run.
fn run_lesson_sweep(scenario: &Scenario) -> Result<Result<Sweep, String>, String> {
    let Some(settings) = &scenario.sweep else {
        return Ok(Err("the lesson has no sweep (`sweep:`)".to_owned()));
    };
    let Some(run) = scenario.runs.get(settings.run) else {
        return Ok(Err(format!("run {} does not exist", settings.run)));
    };
    let batch_axis = settings.axes.iter().any(|axis| axis.name == BATCH_SIZE);
    let request = SweepRequest {
        problem: scenario.problem.clone(),
        transform: scenario.transform,
        run: run.clone(),
        axes: settings.axes.clone(),
        budget_evals: settings.budget_evals,
        budget_unit: if batch_axis {
            BudgetUnit::SampleGradients
        } else {
            BudgetUnit::OracleCalls
        },
        tolerance: study_tolerance(scenario),
    };
    match sweep::run_sweep(&request, &JobControl::new(request.cells())) {
        Ok(sweep) => Ok(Ok(sweep)),
        Err(SweepError::Worker(message)) => Err(format!("a sweep worker failed: {message}")),
        Err(other) => Ok(Err(other.to_string())),
    }
}
