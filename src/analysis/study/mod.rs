//! Studies that drive the optimizers and the engine many times over: basin-of-attraction maps,
//! hyperparameter sweeps, tuning at an equal budget, and the verification of a lesson's claims.
//! They sit above the engine.

pub mod basin;
pub mod sweep;
pub mod tune;
pub mod verify;

use crate::scenario::RunConfig;
use crate::validate::Checker;

/// One trial of a study, to validate: where to report that its run could not be configured, where
/// to report what its optimizer's configuration gets wrong, and the run (or why there is none).
pub(crate) struct TrialCheck {
    /// Where a configuration error (`Err` of `run`) is reported.
    pub build_path: String,
    /// Where the optimizer's findings are reported.
    pub path: String,
    /// The trial's run.
    pub run: Result<RunConfig, String>,
}

/// Reports the first of a study's `trials` whose run cannot be configured or whose optimizer does
/// not validate, and stops there: the trials of a grid repeat one mistake, and one report of it
/// says enough (the trials after it are not even configured).
pub(crate) fn validate_trials(checker: &mut Checker, trials: impl IntoIterator<Item = TrialCheck>) {
    for trial in trials {
        let config = match trial.run {
            Ok(config) => config,
            Err(message) => {
                checker.report(&trial.build_path, message);
                return;
            }
        };
        let before = checker.found.len();
        checker.within(&trial.path, |c| config.optimizer.validate(c));
        if checker.found.len() > before {
            return;
        }
    }
}
