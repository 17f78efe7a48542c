//! `Tuned` claims: read on the lesson's tuning study (`tune:`), computed headless once per lesson.

use super::{Measured, Verdict, significant};
use crate::analysis::study::tune::{TuneRequest, Tuning, run_tune};
use crate::engine::JobControl;
use crate::scenario::{Bounds, Scenario, TunedMeasure};

/// The lesson's tuning study, as the app's Tune window computes it with the lesson's settings.
pub(super) fn lesson_tuning(scenario: &Scenario) -> Result<Tuning, String> {
    let settings = (scenario.tune.clone()).ok_or("the lesson has no tuning study (`tune:`)")?;
    let request = TuneRequest::new(scenario, settings);
    run_tune(&request, &JobControl::new(0))
}

/// The verdict of `Tuned(run, measure, bounds)` on `tuning`.
pub(super) fn tuned_verdict(
    scenario: &Scenario,
    tuning: &Tuning,
    label: &str,
    measure: &TunedMeasure,
    bounds: &Bounds,
) -> Verdict {
    match measured(scenario, tuning, label, measure) {
        Ok(measured) => match measured.value {
            Some(value) if bounds.contains(value) => Verdict::Holds {
                step: None,
                measured,
            },
            _ => Verdict::Fails { measured },
        },
        Err(message) => fails(message),
    }
}

fn fails(text: impl Into<String>) -> Verdict {
    Verdict::Fails {
        measured: Measured::words(text),
    }
}

fn measured(
    scenario: &Scenario,
    tuning: &Tuning,
    label: &str,
    measure: &TunedMeasure,
) -> Result<Measured, String> {
    let run = scenario.run_index(label)?;
    let best = |run: usize| {
        let label = &scenario.runs[run].label;
        tuning
            .best(run)
            .ok_or_else(|| format!("every trial of \"{label}\" diverged"))
    };
    let trial = best(run)?;
    Ok(match measure {
        TunedMeasure::BestLr => Measured::described(
            trial.lr,
            format!(
                "best lr {} (criterion {})",
                significant(trial.lr),
                significant(trial.criterion)
            ),
        ),
        TunedMeasure::BestCriterion => Measured::described(
            trial.criterion,
            format!(
                "{} at lr {}",
                significant(trial.criterion),
                significant(trial.lr)
            ),
        ),
        TunedMeasure::GoodDecades => {
            let (lo, hi) = tuning
                .good_range(run)
                .ok_or("the best criterion is not positive: no good range")?;
            let decades = (hi / lo).log10();
            Measured::described(
                decades,
                format!(
                    "{} decades (lr {} to {} within {}× of the best)",
                    significant(decades),
                    significant(lo),
                    significant(hi),
                    tuning.good_factor
                ),
            )
        }
        TunedMeasure::BestOver(over) => {
            let other = best(scenario.run_index(over)?)?;
            let ratio = trial.criterion / other.criterion;
            Measured::described(
                ratio,
                format!(
                    "{} (best {} at lr {} over best {} at lr {})",
                    significant(ratio),
                    significant(trial.criterion),
                    significant(trial.lr),
                    significant(other.criterion),
                    significant(other.lr)
                ),
            )
        }
    })
}
