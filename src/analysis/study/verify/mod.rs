//! Verifying a lesson's claims ([`crate::scenario::Claim`]) on its runs.
//!
//! Two halves, one vocabulary:
//!
//! - [`Evidence::evaluate`] reads what the runs have done so far — any [`RunHistory`], such as the
//!   engine's [`Trace`](crate::engine::Trace) the app keeps for each run — and answers each claim
//!   [`Verdict::Pending`] (the runs have not got far enough to tell), [`Verdict::Holds`] (with the
//!   step it became true) or [`Verdict::Fails`] (with what was measured). The app can call it
//!   every frame: it reads samples, it runs nothing. Claims that need more than the lesson's runs
//!   (a basin map, a sweep) read them from the evidence when given; `Seeds` needs re-runs and
//!   stays pending there.
//! - [`verify_lesson`] runs a lesson headless — every run to its budget through a
//!   [`Session`](crate::engine::Session), each Try's claim on a copy with the Try's edit made, each
//!   `Seeds` claim once per seed, the basin map, sweep and tuning study a claim names — then evaluates every
//!   claim and flags a one-sided bound looser than 10× the measured value
//!   ([`Bounds::is_loose`](crate::scenario::Bounds::is_loose)) as a defect of the lesson.
//!   `optiviz check --verify` and `cargo test` use it.
//!
//! When a claim holds is defined in [`crate::scenario::Claim`]'s module docs; how a run's reading
//! is found: `Step(n)` reads the sample at step n (a run that converged or finished earlier stays
//! where it stopped, so its last sample; one that diverged before n fails the claim); `End` reads
//! the last sample once the run has stopped (pending while it runs).

mod evaluate;
mod headless;
mod history;
mod tuned;

pub use evaluate::Evidence;
pub use headless::{ClaimReport, ClaimSource, LessonReport, verify_claim, verify_lesson};
pub use history::RunHistory;

use std::fmt;

/// What a claim comes to, so far.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    /// The runs have not got far enough to tell (or the claim needs a study not yet computed).
    Pending,
    /// The claim holds.
    Holds {
        /// The step at which it became true (`None` for claims about a basin map, a sweep or
        /// several seeds).
        step: Option<u64>,
        /// What was measured.
        measured: Measured,
    },
    /// The claim is false with these settings.
    Fails {
        /// What was measured instead.
        measured: Measured,
    },
}

impl Verdict {
    /// Whether the claim holds.
    pub fn holds(&self) -> bool {
        matches!(self, Verdict::Holds { .. })
    }

    /// What was measured, once decided.
    pub fn measured(&self) -> Option<&Measured> {
        match self {
            Verdict::Pending => None,
            Verdict::Holds { measured, .. } | Verdict::Fails { measured } => Some(measured),
        }
    }
}

/// What a claim measured: the number compared with its bounds, where there is one, and the
/// finding in words.
#[derive(Clone, Debug, PartialEq)]
pub struct Measured {
    /// The number compared with the bounds (a value, a ratio, a mean, a share, a distance); for
    /// a `Seeds` claim the seed's value nearest its bound.
    pub value: Option<f64>,
    /// The finding in words: "1.6e-32", "converged at step 112", "2 of 3 seeds hold".
    pub text: String,
}

impl Measured {
    /// A measured number, shown with four significant digits.
    pub fn number(value: f64) -> Self {
        Self {
            value: Some(value),
            text: significant(value),
        }
    }

    /// A finding in words, with no number to compare.
    pub fn words(text: impl Into<String>) -> Self {
        Self {
            value: None,
            text: text.into(),
        }
    }

    /// A number with words around it.
    pub fn described(value: f64, text: impl Into<String>) -> Self {
        Self {
            value: Some(value),
            text: text.into(),
        }
    }
}

impl fmt::Display for Measured {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// `value` with four significant digits: plain between 10⁻³ and 10⁵, in e-notation elsewhere
/// (`0.01598`, `1.6e-32`, `2.5e6`).
pub fn significant(value: f64) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    if value == 0.0 {
        return "0".to_owned();
    }
    let magnitude = value.abs();
    if (1e-3..1e5).contains(&magnitude) {
        let decimals = (3 - magnitude.log10().floor() as i32).max(0) as usize;
        let text = format!("{value:.decimals$}");
        if text.contains('.') {
            text.trim_end_matches('0').trim_end_matches('.').to_owned()
        } else {
            text
        }
    } else {
        crate::number_format::trim_mantissa(format!("{value:.3e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::significant;

    #[test]
    fn numbers_show_four_significant_digits() {
        assert_eq!(significant(0.015_984), "0.01598");
        assert_eq!(significant(1.6e-32), "1.6e-32");
        assert_eq!(significant(2_500_000.0), "2.5e6");
        assert_eq!(significant(650.0), "650");
        assert_eq!(significant(-3.25159), "-3.252");
        assert_eq!(significant(0.0), "0");
        assert_eq!(significant(f64::NAN), "NaN");
        assert_eq!(significant(12.0), "12");
    }
}
