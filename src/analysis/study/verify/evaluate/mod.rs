//! Claims evaluated on what the runs have recorded so far (see the parent module for the rules).

mod records;

use records::record_mean;

use super::history::singular_value;
use super::tuned::tuned_verdict;
use super::{Measured, RunHistory, Verdict, significant};
use crate::analysis::measure::subdifferential::{PLANE_SAMPLES, sample_plane};
use crate::analysis::study::basin::{BasinMap, Outcome};
use crate::analysis::study::sweep::Sweep;
use crate::analysis::study::tune::Tuning;
use crate::engine::{NetworkRecord, RunStatus, Sample};
use crate::landscape::{Landscape, min_value, pareto::pareto_distance};
use crate::scenario::Scenario;
use crate::scenario::{
    At, BasinOutcome, Bounds, Claim, ExpectedStatus, HullMeasure, Metric, RecordMetric,
};

/// What a lesson's claims are evaluated on: the lesson, its runs' histories (in the order of
/// `scenario.runs`), the landscape as the runs see it, and the studies computed for it.
pub struct Evidence<'a> {
    /// The lesson (run labels, step budget, the runs' methods for stability thresholds).
    pub scenario: &'a Scenario,
    /// One history per run of `scenario.runs`, in order.
    pub runs: Vec<&'a dyn RunHistory>,
    /// The landscape through the lesson's transform (`None` for networks): f* and the minimizers.
    pub landscape: Option<&'a dyn Landscape>,
    /// The lesson's basin map, once computed.
    pub basin: Option<&'a BasinMap>,
    /// The lesson's sweep, once computed.
    pub sweep: Option<&'a Sweep>,
    /// The lesson's tuning study (its `tune:` settings, on the lesson's runs), once computed.
    pub tuning: Option<&'a Tuning>,
}

/// A run's sample for a reading, or the verdict that stands in for it.
type Reading<'h> = Result<&'h Sample, Verdict>;

fn fails(text: impl Into<String>) -> Verdict {
    Verdict::Fails {
        measured: Measured::words(text),
    }
}

fn judge(value: f64, bounds: &Bounds, step: Option<u64>, measured: Measured) -> Verdict {
    if bounds.contains(value) {
        Verdict::Holds { step, measured }
    } else {
        Verdict::Fails { measured }
    }
}

/// [`judge`] of a ratio, described as "ratio (detail)": "0.1 (0.002 / 0.02)".
fn judge_ratio(ratio: f64, detail: String, bounds: &Bounds, step: Option<u64>) -> Verdict {
    let text = format!("{} ({detail})", significant(ratio));
    judge(ratio, bounds, step, Measured::described(ratio, text))
}

impl<'a> Evidence<'a> {
    /// Evaluates `claim` on the evidence as it stands.
    pub fn evaluate(&self, claim: &Claim) -> Verdict {
        match claim {
            Claim::Status { run, is, from, to } => match self.history(run) {
                Ok(history) => status_verdict(history, *is, *from, *to),
                Err(verdict) => verdict,
            },
            Claim::Value {
                run,
                metric,
                at,
                bounds,
            } => self.value_verdict(run, *metric, *at, bounds),
            Claim::Ratio {
                run,
                over,
                metric,
                at,
                bounds,
            } => self.ratio_verdict([run, over], *metric, *at, bounds),
            Claim::Rate {
                run,
                metric,
                from,
                to,
                bounds,
            } => self.rate_verdict(run, *metric, [*from, *to], bounds),
            Claim::EndNear { run, point, within } => self.end_near(run, *point, *within),
            Claim::Sharpness {
                run,
                from,
                to,
                bounds,
            } => self.sharpness_verdict(run, *from, *to, bounds),
            Claim::Records {
                run,
                metric,
                last,
                bounds,
            } => self.records_verdict(run, *metric, *last, bounds),
            Claim::RecordsRatio {
                run,
                metric,
                span,
                bounds,
            } => self.records_ratio_verdict(run, *metric, *span, bounds),
            Claim::Subdifferential {
                run,
                at,
                radius,
                measure,
                bounds,
            } => self.subdifferential_verdict(run, *at, *radius, *measure, bounds),
            Claim::BasinShare { outcome, bounds } => match self.basin {
                Some(map) => basin_share(map, *outcome, bounds),
                None => Verdict::Pending,
            },
            Claim::SweepBest { x, y } => match self.sweep {
                Some(sweep) => sweep_best(sweep, *x, *y),
                None => Verdict::Pending,
            },
            Claim::Tuned {
                run,
                measure,
                bounds,
            } => self.tuning.map_or(Verdict::Pending, |tuning| {
                tuned_verdict(self.scenario, tuning, run, measure, bounds)
            }),
            // Re-runs with other seeds: `verify_lesson` does them, the live evidence cannot.
            Claim::Seeds { .. } => Verdict::Pending,
        }
    }

    fn history(&self, label: &str) -> Result<&'a dyn RunHistory, Verdict> {
        let index = self.scenario.run_index(label).map_err(fails)?;
        self.runs
            .get(index)
            .copied()
            .ok_or_else(|| fails(format!("run {index} has no history")))
    }

    /// Run `label`'s history and network records once it has stopped (`Pending` until then).
    fn finished_records(
        &self,
        label: &str,
    ) -> Result<(&'a dyn RunHistory, &'a [NetworkRecord]), Verdict> {
        let history = self.history(label)?;
        if history.status().is_running() {
            return Err(Verdict::Pending);
        }
        Ok((history, history.records()))
    }

    /// The sample `at` names of run `label` (see the parent module for the rules).
    fn reading(&self, label: &str, at: At) -> Reading<'a> {
        let history = self.history(label)?;
        let status = history.status();
        let latest = history
            .latest()
            .ok_or_else(|| fails("nothing recorded yet"))?;
        match at {
            At::End if status.is_running() => Err(Verdict::Pending),
            At::End => Ok(latest),
            At::Step(step) if latest.step >= step => history
                .sample_at(step)
                .ok_or_else(|| fails(format!("step {step} was not recorded"))),
            At::Step(_) if status.is_running() => Err(Verdict::Pending),
            At::Step(step) => match status {
                RunStatus::Diverged { step: stopped, .. } => Err(fails(format!(
                    "diverged at step {stopped}, before step {step}"
                ))),
                // A run that stopped earlier stays where it stopped.
                _ => Ok(latest),
            },
        }
    }

    /// The metric at a sample, or why it has none.
    fn metric_at(&self, metric: Metric, run: &str, sample: &Sample) -> Result<f64, Verdict> {
        let no_landscape = || fails("the problem lists no minimizer");
        Ok(match metric {
            Metric::Loss => sample.loss,
            Metric::Gap => {
                let landscape = self.landscape.ok_or_else(no_landscape)?;
                sample.loss - min_value(landscape).ok_or_else(no_landscape)?
            }
            Metric::Distance => {
                let landscape = self.landscape.ok_or_else(no_landscape)?;
                landscape
                    .distance_to_minimizer(sample.point)
                    .ok_or_else(no_landscape)?
            }
            Metric::GradNorm => sample.grad_norm,
            Metric::Evals => sample.evals as f64,
            Metric::Bits => sample.bits as f64,
            Metric::AbsX if self.landscape.is_some() => sample.point[0].abs(),
            Metric::AbsY if self.landscape.is_some() => sample.point[1].abs(),
            Metric::AbsX | Metric::AbsY => return Err(fails("a network has no (x, y) point")),
            Metric::Norm => sample.point[0].hypot(sample.point[1]),
            Metric::EffectiveStep => {
                let index = self.scenario.run_index(run).map_err(fails)?;
                let lr = self.scenario.runs[index].optimizer.lr();
                let [x, y] = sample.point;
                lr / (x * x + y * y)
            }
            Metric::SingularValue(k) => singular_value(self.history(run)?, sample.step, k)?,
            Metric::LearningRate => sample.lr.map(f64::from).ok_or_else(|| {
                fails("the run reports no learning rate (a method at its constant lr)")
            })?,
            Metric::MarginAngle => {
                let no_margin = || fails("the problem has no max-margin direction");
                let landscape = self.landscape.ok_or_else(no_margin)?;
                let u = landscape.max_margin().ok_or_else(no_margin)?.direction;
                let [x, y] = sample.point;
                // atan2 of the cross and dot products: accurate at small angles too.
                (x * u[1] - y * u[0])
                    .atan2(x * u[0] + y * u[1])
                    .abs()
                    .to_degrees()
            }
            Metric::ParetoDistance => pareto_distance(self.landscape, sample.point)
                .ok_or_else(|| fails("the problem has no Pareto set"))?,
        })
    }

    fn value_verdict(&self, run: &str, metric: Metric, at: At, bounds: &Bounds) -> Verdict {
        let sample = match self.reading(run, at) {
            Ok(sample) => sample,
            Err(verdict) => return verdict,
        };
        match self.metric_at(metric, run, sample) {
            Ok(value) => judge(value, bounds, Some(sample.step), Measured::number(value)),
            Err(verdict) => verdict,
        }
    }

    fn ratio_verdict(&self, runs: [&str; 2], metric: Metric, at: At, bounds: &Bounds) -> Verdict {
        let mut values = [0.0; 2];
        let mut step = 0;
        let mut pending = false;
        for (slot, run) in values.iter_mut().zip(runs) {
            let reading = self
                .reading(run, at)
                .and_then(|sample| Ok((sample.step, self.metric_at(metric, run, sample)?)));
            match reading {
                Ok((at_step, value)) => {
                    *slot = value;
                    step = step.max(at_step);
                }
                Err(Verdict::Pending) => pending = true,
                Err(verdict) => return verdict,
            }
        }
        if pending {
            return Verdict::Pending;
        }
        let [numerator, denominator] = values;
        let detail = format!("{} / {}", significant(numerator), significant(denominator));
        judge_ratio(numerator / denominator, detail, bounds, Some(step))
    }

    /// m(run, to) / m(run, from), as "0.1 (0.002 at step 1000 / 0.02 at step 100)".
    fn rate_verdict(&self, run: &str, metric: Metric, steps: [u64; 2], bounds: &Bounds) -> Verdict {
        let mut values = [0.0; 2];
        for (slot, step) in values.iter_mut().zip(steps) {
            let reading = self
                .reading(run, At::Step(step))
                .and_then(|sample| self.metric_at(metric, run, sample));
            match reading {
                Ok(value) => *slot = value,
                Err(verdict) => return verdict,
            }
        }
        let [before, after] = values;
        let detail = format!(
            "{} at step {} / {} at step {}",
            significant(after),
            steps[1],
            significant(before),
            steps[0]
        );
        judge_ratio(after / before, detail, bounds, Some(steps[1]))
    }

    fn end_near(&self, run: &str, point: [f64; 2], within: f64) -> Verdict {
        let sample = match self.reading(run, At::End) {
            Ok(sample) => sample,
            Err(verdict) => return verdict,
        };
        let [x, y] = sample.point;
        let distance = (x - point[0]).hypot(y - point[1]);
        let text = format!(
            "ends at ({}, {}), {} away",
            significant(x),
            significant(y),
            significant(distance)
        );
        let measured = Measured::described(distance, text);
        if distance <= within {
            Verdict::Holds {
                step: Some(sample.step),
                measured,
            }
        } else {
            Verdict::Fails { measured }
        }
    }

    /// The mean of λmax/λ_stable over the measured steps in [from, to].
    fn sharpness_verdict(&self, run: &str, from: u64, to: u64, bounds: &Bounds) -> Verdict {
        let history = match self.history(run) {
            Ok(history) => history,
            Err(verdict) => return verdict,
        };
        let reached = history.latest().map_or(0, |sample| sample.step);
        if history.status().is_running() && reached < to {
            return Verdict::Pending;
        }
        let threshold = self
            .scenario
            .run_index(run)
            .ok()
            .and_then(|index| self.scenario.runs.get(index))
            .and_then(|config| config.optimizer.stability_threshold());
        let Some(threshold) = threshold else {
            return fails("the method has no stability threshold");
        };
        let sharpness_of = |sample: &Sample| {
            if threshold.preconditioned {
                sample.preconditioned_sharpness
            } else {
                sample.sharpness
            }
        };
        let in_window = |sample: &&Sample| (from..=to).contains(&sample.step);
        // Landscapes give the preconditioned sharpness at every step, not only measured ones.
        let samples: Box<dyn Iterator<Item = &Sample>> = if threshold.preconditioned {
            history.samples()
        } else {
            Box::new(history.measured().iter())
        };
        let (mut sum, mut count, mut last_step) = (0.0, 0_u64, from);
        for sample in samples.filter(in_window) {
            if let Some(sharpness) = sharpness_of(sample) {
                sum += sharpness / threshold.sharpness;
                count += 1;
                last_step = sample.step;
            }
        }
        if count == 0 {
            return fails(format!("no sharpness measured in [{from}, {to}]"));
        }
        let mean = sum / count as f64;
        let text = format!(
            "{} × {} over {count} measurements",
            significant(mean),
            threshold.formula
        );
        judge(
            mean,
            bounds,
            Some(last_step),
            Measured::described(mean, text),
        )
    }

    /// The mean of a network's metric over its last `last` records.
    fn records_verdict(
        &self,
        run: &str,
        metric: RecordMetric,
        last: usize,
        bounds: &Bounds,
    ) -> Verdict {
        let (history, records) = match self.finished_records(run) {
            Ok(found) => found,
            Err(verdict) => return verdict,
        };
        if records.len() < last {
            return fails(format!("only {} records", records.len()));
        }
        let (mean, last_step) = match record_mean(history, &records[records.len() - last..], metric)
        {
            Ok(found) => found,
            Err(verdict) => return verdict,
        };
        let text = format!("{} (mean of the last {last} records)", significant(mean));
        judge(
            mean,
            bounds,
            Some(last_step),
            Measured::described(mean, text),
        )
    }
}

fn status_verdict(history: &dyn RunHistory, is: ExpectedStatus, from: u64, to: u64) -> Verdict {
    let status = history.status();
    let reached = history.latest().map_or(0, |sample| sample.step);
    let summary = match status {
        RunStatus::Running => format!("running at step {reached}"),
        other => other.summary(),
    };
    let stopped_at = match status {
        RunStatus::Running => None,
        RunStatus::Finished => Some(reached),
        RunStatus::Converged { step }
        | RunStatus::Diverged { step, .. }
        | RunStatus::Unbounded { step } => Some(*step),
    };
    let became = match (is, status) {
        (ExpectedStatus::Running, RunStatus::Running | RunStatus::Finished) => {
            // Still going at step `to` once it got there.
            (reached >= to).then_some(to)
        }
        (ExpectedStatus::Running, _) => stopped_at.filter(|&step| step > to).map(|_| to),
        (ExpectedStatus::Converged, RunStatus::Converged { .. })
        | (ExpectedStatus::Diverged, RunStatus::Diverged { .. })
        | (ExpectedStatus::Finished, RunStatus::Finished) => {
            stopped_at.filter(|step| (from..=to).contains(step))
        }
        _ => None,
    };
    match became {
        Some(step) => Verdict::Holds {
            step: Some(step),
            measured: Measured::words(summary),
        },
        None if status.is_running() && reached < to => Verdict::Pending,
        None => fails(summary),
    }
}

fn basin_share(map: &BasinMap, outcome: BasinOutcome, bounds: &Bounds) -> Verdict {
    let wanted = match outcome {
        BasinOutcome::Minimum(index) => Outcome::Minimum(index),
        BasinOutcome::Diverged => Outcome::Diverged,
        BasinOutcome::NotConverged => Outcome::NotConverged,
        BasinOutcome::Saddle => Outcome::Saddle,
        BasinOutcome::Maximum => Outcome::Maximum,
    };
    let total = map.outcomes.len().max(1);
    let count = map.outcomes.iter().filter(|&&o| o == wanted).count();
    let share = count as f64 / total as f64;
    let text = format!("{} ({count} of {total} starts)", significant(share));
    judge(share, bounds, None, Measured::described(share, text))
}

/// The best cell: the lowest final loss among the cells that did not diverge (the first such cell
/// in row-major order on a tie).
fn sweep_best(sweep: &Sweep, x: (f64, f64), y: (f64, f64)) -> Verdict {
    let mut best: Option<(usize, usize, f64)> = None;
    for row in 0..sweep.rows() {
        for column in 0..sweep.columns() {
            let index = sweep.index(column, row);
            let loss = sweep.values.get(index).copied().unwrap_or(f64::NAN);
            let usable = !sweep.diverged.get(index).copied().unwrap_or(true) && loss.is_finite();
            if usable && best.is_none_or(|(_, _, lowest)| loss < lowest) {
                best = Some((column, row, loss));
            }
        }
    }
    let Some((column, row, loss)) = best else {
        return fails("every cell of the sweep diverged");
    };
    let [value_x, value_y] = sweep.coordinates(column, row);
    let text = format!(
        "best cell {} = {}, {} = {} (loss {})",
        sweep.axes[0].name,
        significant(value_x),
        sweep.axes[1].name,
        significant(value_y),
        significant(loss)
    );
    let inside = |(lo, hi): (f64, f64), value: f64| lo <= value && value <= hi;
    if inside(x, value_x) && inside(y, value_y) {
        Verdict::Holds {
            step: None,
            measured: Measured::words(text),
        }
    } else {
        fails(text)
    }
}
