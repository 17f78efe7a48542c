//! Semantic checks of a lesson's claims (version 2) by field path, as the rest of a preset is
//! checked: labels that name one run, steps within the budget, ranges that are not inverted,
//! bounds that are numbers, and what each claim needs of the lesson (a known minimum for `Gap`, a
//! basin map for `BasinShare`, a sweep for `SweepBest`, measured sharpness for `Sharpness`, a
//! network for `Records`). A Try's claim is checked against the lesson with the Try's edit made.
//!
//! Only a claim that needs the landscape's minimizers builds the landscape (cheap for a 2D
//! function; a data-driven landscape generates its data once).

use std::cell::OnceCell;
use std::sync::Arc;

use super::claims::{
    At, BasinOutcome, Bounds, Claim, ExpectedStatus, MAX_NOTICES, Metric, RecordMetric, Try,
};
use super::model::{Problem, Scenario};
use super::validate::validate;
use super::{BuiltProblem, CLAIMS_VERSION, DEFAULT_RECORD_EVERY, MAX_TEXT};
use crate::landscape::{Landscape, Minimizers, min_value};
use crate::validate::{Checker, Invalid};

/// Most seeds a `Seeds` claim may re-run.
pub const MAX_SEEDS: usize = 64;

/// Checks the lesson fields of `scenario`. `rest_is_valid` says whether everything else passed
/// (the problem can be built, an edited copy can be validated).
pub(super) fn validate_lesson(scenario: &Scenario, rest_is_valid: bool, checker: &mut Checker) {
    if !scenario.has_lesson_fields() {
        return;
    }
    if scenario.version < CLAIMS_VERSION {
        checker.report(
            "version",
            format!(
                "notice, try, question and theory are preset version {CLAIMS_VERSION} fields: write version: {CLAIMS_VERSION}"
            ),
        );
    }
    if scenario.notice.len() > MAX_NOTICES {
        checker.report(
            "notice",
            format!(
                "at most {MAX_NOTICES} notices, got {}: say less, or move one to try",
                scenario.notice.len()
            ),
        );
    }
    for (field, text) in [
        ("question", &scenario.question),
        ("theory", &scenario.theory),
    ] {
        check_text(field, text, checker);
    }
    let lesson = Lesson::new(scenario, rest_is_valid);
    for (index, notice) in scenario.notice.iter().enumerate() {
        checker.within("notice", |checker| {
            checker.within(&format!("[{index}]"), |checker| {
                check_text("text", &notice.text, checker);
                checker.within("claim", |checker| lesson.check(&notice.claim, checker));
            });
        });
    }
    for (index, attempt) in scenario.tries.iter().enumerate() {
        checker.within("try", |checker| {
            checker.within(&format!("[{index}]"), |checker| {
                check_try(&lesson, attempt, checker);
            });
        });
    }
}

fn check_text(field: &str, text: &str, checker: &mut Checker) {
    if text.len() > MAX_TEXT {
        checker.report(field, format!("{field} is longer than {MAX_TEXT} bytes"));
    }
}

/// A Try: its edit applies to the lesson and leaves it valid; its claim holds up on the edited
/// lesson.
fn check_try(lesson: &Lesson<'_>, attempt: &Try, checker: &mut Checker) {
    check_text("text", &attempt.text, checker);
    let Some(edit) = &attempt.edit else {
        if let Some(claim) = &attempt.claim {
            checker.within("claim", |checker| lesson.check(claim, checker));
        }
        return;
    };
    let mut edited = lesson.scenario.clone();
    if let Err(message) = edit.apply(&mut edited) {
        checker.report("edit", message);
        return;
    }
    if !lesson.rest_is_valid {
        return;
    }
    // Only the edit can have made the edited lesson invalid: report what it broke, at the edit.
    edited.notice.clear();
    edited.tries.clear();
    edited.question.clear();
    edited.theory.clear();
    let added_run = format!("runs[{}]", lesson.scenario.runs.len());
    let broken = validate(&edited);
    for Invalid { path, message } in &broken {
        match path.strip_prefix(&added_run) {
            Some(rest) => checker.report(&format!("edit{rest}"), message.clone()),
            None => checker.report("edit", format!("after this edit, {path}: {message}")),
        }
    }
    if let (true, Some(claim)) = (broken.is_empty(), &attempt.claim) {
        let edited_lesson = Lesson::new(&edited, true);
        checker.within("claim", |checker| edited_lesson.check(claim, checker));
    }
}

/// The lesson a claim is checked against, with its landscape built when first needed.
struct Lesson<'a> {
    scenario: &'a Scenario,
    rest_is_valid: bool,
    landscape: OnceCell<Option<Arc<dyn Landscape>>>,
}

impl<'a> Lesson<'a> {
    fn new(scenario: &'a Scenario, rest_is_valid: bool) -> Self {
        Self {
            scenario,
            rest_is_valid,
            landscape: OnceCell::new(),
        }
    }

    /// The landscape as the runs see it (through the transform); `None` for a network or a
    /// problem that did not validate.
    fn landscape(&self) -> Option<&Arc<dyn Landscape>> {
        self.landscape
            .get_or_init(|| {
                let scenario = self.scenario;
                if !self.rest_is_valid || scenario.problem.is_network() {
                    return None;
                }
                match scenario.problem.build() {
                    BuiltProblem::Landscape(landscape) => Some(scenario.transform.apply(landscape)),
                    BuiltProblem::Network(_) => None,
                }
            })
            .as_ref()
    }

    fn check(&self, claim: &Claim, checker: &mut Checker) {
        for (field, label) in claim.run_labels() {
            if let Err(message) = self.scenario.run_index(label) {
                checker.report(field, message);
            }
        }
        match claim {
            Claim::Status { is, from, to, .. } => self.check_status(*is, *from, *to, checker),
            Claim::Value { metric, at, .. } => self.check_reading(*metric, *at, checker),
            Claim::Ratio {
                run,
                over,
                metric,
                at,
                ..
            } => {
                if run == over {
                    checker.report("over", "a run over itself is always 1: name another run");
                }
                self.check_reading(*metric, *at, checker);
            }
            Claim::Rate {
                metric, from, to, ..
            } => {
                if from >= to {
                    checker.report("to", format!("to must be after from, got {from} and {to}"));
                }
                self.check_reading(*metric, At::Step(*from), checker);
                self.check_reading(*metric, At::Step(*to), checker);
            }
            Claim::EndNear { point, within, .. } => {
                self.needs_landscape("EndNear", checker);
                if !point.iter().all(|v| v.is_finite()) {
                    checker.report("point", "point must be finite");
                }
                checker.positive("within", *within);
            }
            Claim::Sharpness { run, from, to, .. } => {
                self.check_window(*from, *to, checker);
                self.check_sharpness(run, *from, *to, checker);
            }
            Claim::Records { last, .. } => self.check_records(*last, checker),
            Claim::RecordsRatio { span, metric, .. } => {
                self.check_records(*span, checker);
                let enough = records_in_budget(self.scenario) >= 2 * *span as u64;
                if !enough && self.scenario.problem.is_network() {
                    checker.report("span", "the first and last span records must not overlap");
                }
                if *metric == RecordMetric::SubdifferentialDistance
                    && self.scenario.subdifferential.is_none()
                {
                    checker.report("metric", "needs the lesson's `subdifferential:` settings");
                }
            }
            Claim::Subdifferential { at, radius, .. } => {
                self.needs_landscape("Subdifferential", checker);
                if let At::Step(step) = at {
                    self.check_step("at", *step, checker);
                }
                checker.positive("radius", *radius);
            }
            Claim::BasinShare { outcome, .. } => self.check_basin_share(*outcome, checker),
            Claim::SweepBest { x, y } => {
                if self.scenario.sweep.is_none() {
                    checker.report("", "SweepBest needs the lesson's sweep (`sweep:`)");
                }
                check_range("x", *x, checker);
                check_range("y", *y, checker);
            }
            Claim::Seeds {
                seeds,
                share,
                claim,
            } => self.check_seeds(seeds, *share, claim, checker),
            Claim::Tuned { run, measure, .. } => {
                if self.scenario.tune.is_none() {
                    checker.report("", "Tuned needs the lesson's tuning study (`tune:`)");
                }
                if matches!(measure, super::TunedMeasure::BestOver(over) if over == run) {
                    checker.report("measure", "a run over itself is always 1: name another run");
                }
            }
        }
        if let Some(bounds) = claim
            .bounds()
            .filter(|_| !matches!(claim, Claim::Seeds { .. }))
        {
            check_bounds(bounds, checker);
        }
    }

    fn check_step(&self, field: &str, step: u64, checker: &mut Checker) {
        let budget = self.scenario.steps;
        if step > budget {
            checker.report(
                field,
                format!("step {step} is beyond the lesson's budget of {budget} steps"),
            );
        }
    }

    /// A window of steps [from, to]: not inverted, within the budget.
    fn check_window(&self, from: u64, to: u64, checker: &mut Checker) {
        if from > to {
            checker.report(
                "to",
                format!("the window [{from}, {to}] is inverted: from must be ≤ to"),
            );
        }
        self.check_step("to", to, checker);
    }

    fn check_status(&self, is: ExpectedStatus, from: u64, to: u64, checker: &mut Checker) {
        self.check_window(from, to, checker);
        let budget = self.scenario.steps;
        if is == ExpectedStatus::Finished && to != budget {
            checker.report(
                "to",
                format!("a run finishes at the budget's last step: to must be {budget}"),
            );
        }
    }

    /// A metric read at a step: the step within the budget, the minimum or minimizer it needs.
    fn check_reading(&self, metric: Metric, at: At, checker: &mut Checker) {
        if let At::Step(step) = at {
            self.check_step("at", step, checker);
        }
        let needs = match metric {
            Metric::Gap => "Gap (f − f*) needs a landscape with a known minimum",
            Metric::Distance => "Distance needs a landscape with known minimizers",
            Metric::AbsX | Metric::AbsY => {
                if self.scenario.problem.is_network() {
                    checker.report(
                        "metric",
                        "AbsX and AbsY read a 2D landscape's point; a network has none",
                    );
                }
                return;
            }
            Metric::Norm | Metric::EffectiveStep => {
                self.needs_landscape("Norm and EffectiveStep", checker);
                return;
            }
            Metric::MarginAngle => "MarginAngle needs a landscape on separable data",
            Metric::SingularValue(_) => return self.check_singular_value(at, checker),
            Metric::ParetoDistance => "ParetoDistance needs a multi-task landscape",
            Metric::Loss | Metric::GradNorm | Metric::Evals | Metric::Bits => return,
            Metric::LearningRate => return,
        };
        if self.scenario.problem.is_network() {
            checker.report("metric", format!("{needs}; a network has none"));
        } else if let Some(landscape) = self.landscape() {
            let known = match metric {
                Metric::Gap => min_value(landscape.as_ref()).is_some(),
                Metric::MarginAngle => landscape.max_margin().is_some(),
                Metric::ParetoDistance => landscape.pareto_set().is_some(),
                _ => landscape
                    .distance_to_minimizer(landscape.default_start())
                    .is_some(),
            };
            if !known {
                checker.report(
                    "metric",
                    format!("{needs}; {} lists none", self.scenario.problem.name()),
                );
            }
        }
    }

    /// `SingularValue` reads a learned matrix's record: a DeepLinear or MatrixFactorization
    /// network, at a step that has a record.
    fn check_singular_value(&self, at: At, checker: &mut Checker) {
        let problem = &self.scenario.problem;
        if !matches!(
            problem,
            Problem::DeepLinear(_) | Problem::MatrixFactorization(_)
        ) {
            let name = problem.name();
            let text = format!(
                "SingularValue reads the learned matrix of a DeepLinear or MatrixFactorization network; {name} has none"
            );
            checker.report("metric", text);
        }
        let every = match self.scenario.sharpness_every {
            0 => DEFAULT_RECORD_EVERY,
            every => every,
        };
        if let At::Step(step) = at
            && !step.is_multiple_of(every)
        {
            let text = format!(
                "SingularValue is read from the network's records, every {every} steps: step {step} has none"
            );
            checker.report("at", text);
        }
    }

    fn needs_landscape(&self, claim: &str, checker: &mut Checker) {
        if self.scenario.problem.is_network() {
            checker.report("", format!("{claim} needs a 2D landscape, not a network"));
        }
    }

    /// Sharpness over its threshold: the method has a threshold, and some step of the window is
    /// measured.
    fn check_sharpness(&self, run: &str, from: u64, to: u64, checker: &mut Checker) {
        let Ok(index) = self.scenario.run_index(run) else {
            return;
        };
        let config = &self.scenario.runs[index];
        let Some(threshold) = config.optimizer.stability_threshold() else {
            checker.report(
                "run",
                format!(
                    "{} has no known stability threshold to compare its sharpness with",
                    config.optimizer.name()
                ),
            );
            return;
        };
        // Landscapes measure the preconditioned sharpness at every step.
        let every_step = threshold.preconditioned && !self.scenario.problem.is_network();
        let every = self.scenario.sharpness_every;
        if every_step {
            return;
        }
        if every == 0 {
            checker.report(
                "",
                "Sharpness needs the sharpness measured: set sharpness_every",
            );
        } else if from.div_ceil(every) * every > to {
            checker.report(
                "to",
                format!("no step of [{from}, {to}] is measured (sharpness_every: {every})"),
            );
        }
    }

    fn check_records(&self, last: usize, checker: &mut Checker) {
        if !self.scenario.problem.is_network() {
            checker.report("", "Records needs a network's records");
            return;
        }
        let available = records_in_budget(self.scenario);
        if last == 0 || last as u64 > available {
            checker.report(
                "last",
                format!("last must be 1 to the {available} records the budget makes, got {last}"),
            );
        }
    }

    fn check_basin_share(&self, outcome: BasinOutcome, checker: &mut Checker) {
        if self.scenario.basin.is_none() {
            checker.report("", "BasinShare needs the lesson's basin map (`basin:`)");
            return;
        }
        if let (BasinOutcome::Minimum(index), Some(landscape)) = (outcome, self.landscape()) {
            let listed = match landscape.minimizers() {
                Minimizers::Points(points) => points.len(),
                Minimizers::Set { .. } | Minimizers::Unbounded => 0,
            };
            if index >= listed {
                checker.report(
                    "outcome",
                    format!(
                        "Minimum({index}) does not exist: {} lists {listed} minimizers, counted from 0",
                        self.scenario.problem.name()
                    ),
                );
            }
        }
    }

    fn check_seeds(&self, seeds: &[u64], share: f64, claim: &Claim, checker: &mut Checker) {
        if seeds.is_empty() || seeds.len() > MAX_SEEDS {
            checker.report(
                "seeds",
                format!(
                    "seeds must list 1 to {MAX_SEEDS} seeds, got {}",
                    seeds.len()
                ),
            );
        }
        if !(share > 0.0 && share <= 1.0) {
            checker.report("share", format!("share must be in (0, 1], got {share}"));
        }
        let inner = match claim {
            Claim::Seeds { .. } => Some("Seeds"),
            Claim::BasinShare { .. } => Some("BasinShare"),
            Claim::SweepBest { .. } => Some("SweepBest"),
            Claim::Tuned { .. } => Some("Tuned"),
            _ => None,
        };
        match inner {
            Some(name) => checker.report(
                "claim",
                format!("{name} does not depend on the runs' seeds: state it without Seeds"),
            ),
            None => checker.within("claim", |checker| self.check(claim, checker)),
        }
    }
}

fn check_range(field: &str, (lo, hi): (f64, f64), checker: &mut Checker) {
    if checker.finite(field, lo) && checker.finite(field, hi) && lo > hi {
        checker.report(
            field,
            format!("the range ({lo}, {hi}) is inverted: lo must be ≤ hi"),
        );
    }
}

fn check_bounds(bounds: &Bounds, checker: &mut Checker) {
    match *bounds {
        Bounds::Within(lo, hi) => check_range("bounds", (lo, hi), checker),
        Bounds::Below(x) | Bounds::Above(x) => {
            checker.finite("bounds", x);
        }
    }
}

/// How many network records a run of the whole budget makes: one at step 0 and one every
/// `sharpness_every` steps (every [`DEFAULT_RECORD_EVERY`] when sharpness is off).
fn records_in_budget(scenario: &Scenario) -> u64 {
    let every = match scenario.sharpness_every {
        0 => DEFAULT_RECORD_EVERY,
        every => every,
    };
    scenario.steps / every + 1
}
