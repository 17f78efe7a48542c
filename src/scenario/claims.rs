//! Lesson claims (preset version 2): what a lesson says the class will see, as typed checks the
//! program runs on the lesson's own runs.
//!
//! A lesson's `notice` holds up to [`MAX_NOTICES`] [`Notice`]s, each a sentence with a [`Claim`];
//! its `try` holds [`Try`] suggestions, each optionally with an [`Edit`] a button applies and a
//! claim checked after it. Runs are named by label. A claim holds or fails on the runs' recorded
//! samples (`analysis::study::verify` evaluates them, headless or on the app's traces):
//!
//! | claim | holds when |
//! | --- | --- |
//! | `Status(run, is, from, to)` | the run stopped as `is` at a step s with from ≤ s ≤ to (`Finished`: used the whole budget, s = steps; `Running`: had not stopped by step `to`) |
//! | `Value(run, metric, at, bounds)` | m(run, at) ∈ bounds |
//! | `Ratio(run, over, metric, at, bounds)` | m(run, at) / m(over, at) ∈ bounds (`End`: each run's own end) |
//! | `Rate(run, metric, from, to, bounds)` | m(run, to) / m(run, from) ∈ bounds: how much a metric shrinks or grows over a window (1/k decay gives from/to) |
//! | `EndNear(run, point, within)` | ‖x_end − point‖₂ ≤ within |
//! | `Sharpness(run, from, to, bounds)` | (1/\|S\|) Σ_{s∈S} λmax(s)/λ_stable ∈ bounds, S the measured steps in [from, to], λ_stable the method's stability threshold (2/lr for GD) |
//! | `Records(run, metric, last, bounds)` | the mean of a network's metric over its last `last` records ∈ bounds |
//! | `RecordsRatio(run, metric, span, bounds)` | (mean of the metric over the last `span` records) / (mean over the first `span`) ∈ bounds: a record metric that shrinks or grows |
//! | `Subdifferential(run, at, radius, measure, bounds)` | a measure (distance from 0, diameter, width along x or y) of the sampled Clarke subdifferential at the run's point — the hull of 64 gradients sampled in the disc of radius `radius` — ∈ bounds |
//! | `BasinShare(outcome, bounds)` | (starts of the lesson's basin map ending in `outcome`) / (all starts) ∈ bounds |
//! | `SweepBest(x, y)` | the lesson's sweep's best cell (lowest final loss of the cells that did not diverge) has axis values in x × y |
//! | `Tuned(run, measure, bounds)` | a measure of the run in the lesson's tuning study (`tune:`, every run's lr searched at an equal budget) ∈ bounds: `BestLr`, `BestCriterion`, `GoodDecades` (width of the lr range within `good_factor` of the best), `BestOver(label)` (best criterion / the other run's best) |
//! | `Seeds(seeds, share, claim)` | `claim` holds, with every run's seed replaced by s, for at least share·\|seeds\| of the seeds s |
//!
//! Metrics at a step: the loss f(x), the gap f(x) − f* (f* the landscape's lowest known minimum),
//! the distance to the nearest known minimizer, ‖∇f(x)‖, the oracle calls and the bits sent so far,
//! a network's k-th singular value σₖ of its learned matrix (`SingularValue(k)`, at record steps),
//! and on landscapes the iterate's distances |x| and |y| from the axes (`AbsX`, `AbsY`: where along
//! a valley of minimizers a run ends), its norm ‖x‖, the effective step lr/‖x‖² (lr the run's base
//! lr), and the angle in degrees between x and the max-margin direction of a landscape on
//! separable data; on a multi-task landscape the distance to its Pareto set (`ParetoDistance`);
//! `LearningRate`, the step size of the step that reached the sample (a hypergradient method's
//! adapted αₜ, a schedule's lr, plain gradient descent's lr).
//!
//! A claim must be able to fail: `optiviz check --verify` reports a one-sided bound looser than
//! 10× the measured value m > 0 (`Below(b)` with b > 10·m, `Above(b)` with b < m/10) as a defect
//! of the lesson ([`Bounds::is_loose`]).

use serde::{Deserialize, Serialize};

use super::model::{RunConfig, Scenario, set_axis_value};
use super::parse::shorten;
use crate::hyper::{HyperError, HyperValue};

/// Most notices a lesson may have.
pub const MAX_NOTICES: usize = 4;
/// How much looser than the measured value a one-sided bound may be.
pub const LOOSENESS_LIMIT: f64 = 10.0;

/// A statement of what the class should see, with the claim that checks it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Notice {
    /// The sentence shown.
    pub text: String,
    /// What makes it true.
    pub claim: Claim,
}

/// A suggestion to try: optionally an edit the app applies in one click, and optionally the claim
/// checked after it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Try {
    /// The suggestion shown.
    pub text: String,
    /// What a click changes (`None`: the class does it by hand).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edit: Option<Edit>,
    /// What then happens, checked on the edited lesson.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim: Option<Claim>,
}

/// A check on a lesson's runs (see the module docs for when each holds).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Claim {
    /// The run stopped as `is` at a step in [from, to].
    Status {
        /// The run's label.
        run: String,
        /// How it stopped.
        is: ExpectedStatus,
        /// First step of the window.
        from: u64,
        /// Last step of the window.
        to: u64,
    },
    /// A metric of the run at a step is within bounds.
    Value {
        /// The run's label.
        run: String,
        /// What is measured.
        metric: Metric,
        /// When.
        at: At,
        /// The accepted values.
        bounds: Bounds,
    },
    /// A metric of one run over the same metric of another, each at `at`.
    Ratio {
        /// The run in the numerator.
        run: String,
        /// The run in the denominator.
        over: String,
        /// What is measured.
        metric: Metric,
        /// When (`End`: each run's own last sample).
        at: At,
        /// The accepted ratios.
        bounds: Bounds,
    },
    /// A metric of one run at step `to` over the same metric at step `from`.
    Rate {
        /// The run's label.
        run: String,
        /// What is measured.
        metric: Metric,
        /// The step in the denominator.
        from: u64,
        /// The step in the numerator.
        to: u64,
        /// The accepted ratios.
        bounds: Bounds,
    },
    /// The run's last point lies within `within` (Euclidean) of `point`.
    EndNear {
        /// The run's label.
        run: String,
        /// The point, (x, y).
        point: [f64; 2],
        /// The radius.
        within: f64,
    },
    /// The mean of sharpness / stability threshold over the measured steps in [from, to].
    Sharpness {
        /// The run's label.
        run: String,
        /// First step of the window.
        from: u64,
        /// Last step of the window.
        to: u64,
        /// The accepted means.
        bounds: Bounds,
    },
    /// The mean of a network's metric over its last `last` records.
    Records {
        /// The run's label.
        run: String,
        /// What is averaged.
        metric: RecordMetric,
        /// How many of the last records.
        last: usize,
        /// The accepted means.
        bounds: Bounds,
    },
    /// The mean of a network's record metric over its last `span` records over its mean over the
    /// first `span`.
    RecordsRatio {
        /// The run's label.
        run: String,
        /// What is compared.
        metric: RecordMetric,
        /// How many records at each end.
        span: usize,
        /// The accepted ratios (late / early).
        bounds: Bounds,
    },
    /// A measure of the sampled Clarke subdifferential at the run's point (landscapes only).
    Subdifferential {
        /// The run's label.
        run: String,
        /// When.
        at: At,
        /// ε: gradients are sampled in the disc of this radius around the point.
        radius: f64,
        /// What is measured of the hull.
        measure: HullMeasure,
        /// The accepted values.
        bounds: Bounds,
    },
    /// The share (0–1) of the lesson's basin map ending in `outcome`.
    BasinShare {
        /// Where the starts end.
        outcome: BasinOutcome,
        /// The accepted shares.
        bounds: Bounds,
    },
    /// The lesson's sweep's best cell has its axis values in these ranges.
    SweepBest {
        /// Range of axis 0's value, (lo, hi).
        x: (f64, f64),
        /// Range of axis 1's value, (lo, hi).
        y: (f64, f64),
    },
    /// `claim` re-run with every run's seed replaced by each of `seeds`; holds when at least
    /// `share` of them hold.
    Seeds {
        /// The seeds.
        seeds: Vec<u64>,
        /// The share of seeds that must hold, in (0, 1] (1 when omitted).
        #[serde(default = "all_seeds")]
        share: f64,
        /// The claim checked for each seed.
        claim: Box<Claim>,
    },
    /// A measure of the run in the lesson's tuning study (`tune:`).
    Tuned {
        /// The run's label.
        run: String,
        /// What is measured.
        measure: super::TunedMeasure,
        /// The accepted values.
        bounds: Bounds,
    },
}

fn all_seeds() -> f64 {
    1.0
}

/// How a run stopped, as a `Status` claim expects it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExpectedStatus {
    /// The gradient norm fell below the tolerance, or the method's own test fired.
    Converged,
    /// The iterate or loss stopped being finite, or the method could not go on.
    Diverged,
    /// Used the whole step budget.
    Finished,
    /// Had not stopped by the window's last step.
    Running,
}

/// What a `Value` or `Ratio` claim measures at a sample.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Metric {
    /// f(x).
    Loss,
    /// f(x) − f*, f* the lowest known minimum (needs a landscape that lists one).
    Gap,
    /// Distance from x to the nearest known minimizer.
    Distance,
    /// ‖∇f(x)‖.
    GradNorm,
    /// Oracle calls so far.
    Evals,
    /// Bits the simulated workers have sent so far.
    Bits,
    /// |x|, the iterate's first coordinate's magnitude (2D landscapes only).
    AbsX,
    /// |y|, the iterate's second coordinate's magnitude (2D landscapes only).
    AbsY,
    /// ‖x‖, the Euclidean norm of a landscape's iterate.
    Norm,
    /// lr/‖x‖², the run's (base) lr over the squared norm: the step in angle on a scale-invariant
    /// landscape.
    EffectiveStep,
    /// The angle in degrees between x and the landscape's max-margin direction (separable
    /// logistic regression).
    MarginAngle,
    /// The k-th largest singular value (k from 0) of a network's learned matrix (a deep linear
    /// network's product W_L⋯W₁, a factorization's U·Vᵀ), read from its record at the step (the
    /// step must be a record step: a multiple of `sharpness_every`, else of 10).
    SingularValue(usize),
    /// Distance from x to the landscape's Pareto set (multi-task landscapes).
    ParetoDistance,
    /// The step size of the step that reached the sample: a hypergradient method's adapted αₜ,
    /// else the scheduled lr, else plain gradient descent's lr (other runs report none).
    LearningRate,
}

/// What a `Records` claim averages over a network's records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum RecordMetric {
    /// The loss on held-out data.
    TestLoss,
    /// The accuracy on held-out data.
    TestAccuracy,
    /// The training loss.
    Loss,
    /// Distance from 0 to the sampled ε-subdifferential of the loss (the lesson's
    /// `subdifferential:` settings).
    SubdifferentialDistance,
    /// ‖θ − θ₀‖/‖θ₀‖: how far the weights moved from the start, relative to their size.
    RelativeWeightChange,
    /// The root mean square of the last hidden layer's activations over the first's: below 1
    /// the signal shrinks with depth, above 1 it grows (networks with hidden layers).
    ActivationRatio,
}

/// What a `Subdifferential` claim measures of the sampled hull of gradients.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum HullMeasure {
    /// Distance from 0 to the hull (0: the point is ε-Clarke stationary).
    Distance,
    /// The largest distance between two sampled gradients.
    Diameter,
    /// The hull's extent along x.
    WidthX,
    /// The hull's extent along y.
    WidthY,
}

/// When a metric is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum At {
    /// At this step.
    Step(u64),
    /// At the run's last sample.
    End,
}

/// The values a claim accepts.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Bounds {
    /// lo ≤ v ≤ hi.
    Within(f64, f64),
    /// v ≤ x.
    Below(f64),
    /// v ≥ x.
    Above(f64),
}

impl Bounds {
    /// Whether `value` lies within the bounds (a NaN never does).
    pub fn contains(&self, value: f64) -> bool {
        match *self {
            Bounds::Within(lo, hi) => lo <= value && value <= hi,
            Bounds::Below(x) => value <= x,
            Bounds::Above(x) => value >= x,
        }
    }

    /// Whether a one-sided bound is looser than [`LOOSENESS_LIMIT`] times the measured value
    /// m > 0: `Below(b)` with b > 10·m, `Above(b)` with b < m/10. Such a claim could hardly fail.
    pub fn is_loose(&self, measured: f64) -> bool {
        if !(measured > 0.0 && measured.is_finite()) {
            return false;
        }
        match *self {
            Bounds::Within(..) => false,
            Bounds::Below(x) => x > LOOSENESS_LIMIT * measured,
            Bounds::Above(x) => x < measured / LOOSENESS_LIMIT,
        }
    }
}

/// Where a basin map's start ends, as a `BasinShare` claim names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BasinOutcome {
    /// At the landscape's listed minimizer with this index (from 0).
    Minimum(usize),
    /// Diverged.
    Diverged,
    /// Still not stationary after the map's steps.
    NotConverged,
    /// At a saddle point.
    Saddle,
    /// At a local maximum.
    Maximum,
}

/// A change a Try button makes to the lesson (Undo reverts the last one).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Edit {
    /// Sets a run's hyperparameter by its table name (`lr`, `momentum`, `betas[1]`, …) or its
    /// `batch_size`.
    SetHyper {
        /// The run's label.
        run: String,
        /// The hyperparameter's name.
        name: String,
        /// Its new value (whole-number ones take the nearest count).
        value: f64,
    },
    /// Moves the start of one run (or of every run, `None`).
    SetStart {
        /// The run's label (`None`: every run).
        #[serde(default)]
        run: Option<String>,
        /// The new start, (x, y).
        point: [f64; 2],
    },
    /// Sets a parameter of the problem by its table name.
    SetProblem {
        /// The parameter's name.
        name: String,
        /// Its new value (whole-number ones take the nearest count).
        value: f64,
    },
    /// Adds a run, written `AddRun(Run(…))` as the runs are.
    AddRun(#[serde(with = "written_as_run")] RunConfig),
    /// Sets the steps of the lesson's basin map.
    SetBasinSteps(u64),
    /// Sets a parameter of the problem that is one of a few named options (a network's `init`).
    SetProblemChoice {
        /// The parameter's name.
        name: String,
        /// The option's name.
        choice: String,
    },
}

/// An added run is written `Run(label: …)` inside `AddRun(…)`, as in `runs`. ron's unwrapped
/// newtype variants (the loader's extension, `Sgd(lr: 0.1)`) would write and read `AddRun(label:
/// …)`; a one-variant enum named `Run` puts the name back.
mod written_as_run {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::RunConfig;

    #[derive(Serialize)]
    enum Written<'a> {
        Run(&'a RunConfig),
    }

    #[derive(Deserialize)]
    enum Read {
        Run(RunConfig),
    }

    pub(super) fn serialize<S: Serializer>(
        run: &RunConfig,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        Written::Run(run).serialize(serializer)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<RunConfig, D::Error> {
        let Read::Run(run) = Read::deserialize(deserializer)?;
        Ok(run)
    }
}

impl Edit {
    /// Applies the edit to `scenario`, or says why it cannot (an unknown label or name, a value
    /// out of range, no basin map).
    pub fn apply(&self, scenario: &mut Scenario) -> Result<(), String> {
        match self {
            Edit::SetHyper { run, name, value } => {
                let index = scenario.run_index(run)?;
                set_axis_value(&mut scenario.runs[index], name, *value)
            }
            Edit::SetStart { run, point } => {
                let only = run.as_deref().map(|label| scenario.run_index(label));
                let only = only.transpose()?;
                for (index, config) in scenario.runs.iter_mut().enumerate() {
                    if only.is_none_or(|i| i == index) {
                        config.start = Some(*point);
                    }
                }
                Ok(())
            }
            Edit::SetProblem { name, value } => {
                let problem = &mut scenario.problem;
                match problem.set_hyper(name, HyperValue::Float(*value)) {
                    Err(HyperError::WrongKind { .. }) if value.is_finite() && *value >= 0.0 => {
                        problem.set_hyper(name, HyperValue::Int(value.round() as u64))
                    }
                    other => other,
                }
                .map_err(|error| error.to_string())
            }
            Edit::AddRun(config) => {
                scenario.runs.push(config.clone());
                Ok(())
            }
            Edit::SetProblemChoice { name, choice } => {
                let problem = &mut scenario.problem;
                let options = (problem.hypers().into_iter())
                    .find(|hyper| hyper.name == name.as_str())
                    .map_or(&[][..], |hyper| hyper.choices);
                let Some(option) = options.iter().find(|option| **option == choice.as_str()) else {
                    return Err(format!("`{name}` has no option `{choice}`"));
                };
                (problem.set_hyper(name, HyperValue::Choice(option))).map_err(|e| e.to_string())
            }
            Edit::SetBasinSteps(steps) => match &mut scenario.basin {
                Some(basin) => {
                    basin.steps = *steps;
                    Ok(())
                }
                None => Err("the lesson has no basin map (`basin:`) to set the steps of".into()),
            },
        }
    }
}

impl Claim {
    /// The labels of the runs the claim reads, with their field names.
    pub fn run_labels(&self) -> Vec<(&'static str, &str)> {
        match self {
            Claim::Status { run, .. }
            | Claim::Value { run, .. }
            | Claim::Rate { run, .. }
            | Claim::EndNear { run, .. }
            | Claim::Sharpness { run, .. }
            | Claim::Records { run, .. }
            | Claim::RecordsRatio { run, .. }
            | Claim::Subdifferential { run, .. } => vec![("run", run)],
            Claim::Ratio { run, over, .. } => vec![("run", run), ("over", over)],
            Claim::BasinShare { .. } | Claim::SweepBest { .. } => Vec::new(),
            Claim::Seeds { claim, .. } => claim.run_labels(),
            Claim::Tuned { run, measure, .. } => match measure {
                super::TunedMeasure::BestOver(over) => vec![("run", run), ("measure", over)],
                _ => vec![("run", run)],
            },
        }
    }

    /// The bounds the claim compares its measured value with, if it has any.
    pub fn bounds(&self) -> Option<&Bounds> {
        match self {
            Claim::Value { bounds, .. }
            | Claim::Ratio { bounds, .. }
            | Claim::Rate { bounds, .. }
            | Claim::Sharpness { bounds, .. }
            | Claim::Records { bounds, .. }
            | Claim::RecordsRatio { bounds, .. }
            | Claim::Subdifferential { bounds, .. }
            | Claim::BasinShare { bounds, .. }
            | Claim::Tuned { bounds, .. } => Some(bounds),
            Claim::Seeds { claim, .. } => claim.bounds(),
            Claim::Status { .. } | Claim::EndNear { .. } | Claim::SweepBest { .. } => None,
        }
    }
}

impl Scenario {
    /// Whether the lesson uses any of version 2's fields (notice, try, question, theory).
    pub fn has_lesson_fields(&self) -> bool {
        !(self.notice.is_empty()
            && self.tries.is_empty()
            && self.question.is_empty()
            && self.theory.is_empty())
    }

    /// Every claim of the lesson: the notices' and the tries' (with the try's index), in order.
    pub fn claims(&self) -> impl Iterator<Item = (Option<usize>, &Claim)> {
        let notices = self.notice.iter().map(|notice| (None, &notice.claim));
        let tries = self
            .tries
            .iter()
            .enumerate()
            .filter_map(|(index, attempt)| {
                attempt.claim.as_ref().map(|claim| (Some(index), claim))
            });
        notices.chain(tries)
    }

    /// The index of the run labelled `label`, or why there is none (or more than one).
    pub fn run_index(&self, label: &str) -> Result<usize, String> {
        let mut matching = self
            .runs
            .iter()
            .enumerate()
            .filter(|(_, run)| run.label == label)
            .map(|(index, _)| index);
        match (matching.next(), matching.next()) {
            (Some(index), None) => Ok(index),
            (Some(_), Some(_)) => Err(format!(
                "several runs are labelled \"{}\": a claim needs a label that names one run",
                shorten(label)
            )),
            (None, _) => {
                let labels: Vec<String> = self
                    .runs
                    .iter()
                    .map(|run| format!("\"{}\"", shorten(&run.label)))
                    .collect();
                Err(format!(
                    "no run is labelled \"{}\"; the runs are {}",
                    shorten(label),
                    labels.join(", ")
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{parse, to_ron};
    use super::*;

    /// The example of the agreed format (CLAIMS_FORMAT.md), with the problem and runs filled in.
    const EXAMPLE: &str = r#"Scenario(
    version: 2,
    name: "Zig-zag: GD vs momentum",
    notice: [
        Notice(
            text: "GD zig-zags across the valley and is still far from the minimum at step 200",
            claim: Value(run: "GD", metric: Gap, at: Step(200), bounds: Above(1e-3)),
        ),
        Notice(
            text: "Momentum ends far below GD",
            claim: Ratio(run: "momentum", over: "GD", metric: Gap, at: End, bounds: Below(1e-6)),
        ),
    ],
    try: [
        Try(
            text: "Give GD the optimal step 2/(λmin + λmax)",
            edit: Some(SetHyper(run: "GD", name: "lr", value: 0.0198)),
            claim: Some(Status(run: "GD", is: Converged, from: 1, to: 200)),
        ),
        Try(text: "Add a run", edit: AddRun(Run(label: "Adam", optimizer: Adam(lr: 0.1)))),
        Try(text: "Move", edit: SetStart(point: (2.0, 1.0)), claim: Seeds(seeds: [1, 2], claim: EndNear(run: "GD", point: (0.0, 0.0), within: 0.5))),
    ],
    question: "Why does the zig-zag get worse as the valley gets narrower?",
    theory: "GD's rate is (κ − 1)/(κ + 1) per step (Polyak 1964).",
    problem: Landscape(Quadratic(lambda1: 1.0, lambda2: 100.0, angle_deg: 0.0)),
    tolerance: 1e-6,
    steps: 200,
    runs: [
        Run(label: "GD", optimizer: Sgd(lr: 0.01), start: (1.0, 1.0)),
        Run(label: "momentum", optimizer: Sgd(lr: 0.0198, momentum: 0.67), start: (1.0, 1.0)),
    ],
)"#;

    #[test]
    fn the_agreed_example_parses_and_round_trips() {
        let scenario = parse(EXAMPLE, "example.ron")
            .unwrap_or_else(|e| panic!("{e}"))
            .scenario;
        assert_eq!(scenario.notice.len(), 2);
        assert_eq!(scenario.tries.len(), 3);
        assert_eq!(
            scenario.tries[0].edit,
            Some(Edit::SetHyper {
                run: "GD".into(),
                name: "lr".into(),
                value: 0.0198
            })
        );
        let Some(Edit::AddRun(added)) = &scenario.tries[1].edit else {
            panic!("{:?}", scenario.tries[1]);
        };
        assert_eq!(added.label, "Adam");
        let Some(Claim::Seeds { share, .. }) = &scenario.tries[2].claim else {
            panic!("{:?}", scenario.tries[2]);
        };
        assert_eq!(*share, 1.0);
        let text = to_ron(&scenario).unwrap();
        let back = parse(&text, "saved.ron").unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(back.scenario, scenario, "{text}");
        println!("{text}");
    }
}
