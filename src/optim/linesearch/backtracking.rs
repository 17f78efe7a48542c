//! Armijo backtracking line search, Nocedal & Wright Alg. 3.1.
//!
//! For φ(t) = f(x + t·d) with φ′(0) < 0, starting from the trial t₀:
//!
//! ```text
//! repeat: if φ(t) ≤ φ(0) + c1·t·φ′(0) accept t, else t ← ρ·t
//! ```
//!
//! at most `max_trials` times. Sufficient decrease alone does not rule out tiny steps, which is why
//! backtracking starts from the natural step (t₀ = 1 for Newton and quasi-Newton methods) and only
//! shrinks; it does not enforce the curvature condition, so a quasi-Newton method using it may see
//! yᵀs ≤ 0 and skip its update (N&W §6.1). When no trial is accepted the search returns t = 0 (the
//! start point), which callers report as a lack of progress. A NaN or infinite φ(t) counts as a
//! failed trial, so overflowing trials shrink the step instead of ending the run.
//!
//! Defaults: c1 = 1e-4 (as N&W and torch's strong-Wolfe search), ρ = ½, 30 trials (t shrinks to
//! about 1e-9·t₀).
//!
//! Reference: Nocedal & Wright, *Numerical Optimization* (2nd ed., 2006), §3.1, Alg. 3.1.

use super::{LineSearchResult, Slot};

/// Constants of the Armijo backtracking search.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ArmijoParams {
    /// Sufficient-decrease constant c1 ∈ (0, 1).
    pub c1: f64,
    /// Contraction factor ρ ∈ (0, 1).
    pub rho: f64,
    /// Trials allowed before giving up.
    pub max_trials: usize,
}

impl Default for ArmijoParams {
    fn default() -> Self {
        Self {
            c1: 1e-4,
            rho: 0.5,
            max_trials: 30,
        }
    }
}

/// Backtracks from `t0` until φ(t) ≤ `f` + c1·t·`gtd` (φ(0) = `f`, φ′(0) = `gtd`). `phi(t, k)`
/// evaluates (φ(t), φ′(t)) and stores the gradient at x + t·d in trial buffer `k`; every trial uses
/// buffer 0, since the accepted point is always the last one evaluated.
pub fn backtracking<F>(
    phi: &mut F,
    t0: f64,
    f: f64,
    gtd: f64,
    params: &ArmijoParams,
) -> LineSearchResult
where
    F: FnMut(f64, usize) -> (f64, f64),
{
    let mut t = t0;
    for trial in 1..=params.max_trials {
        let (f_new, gtd_new) = phi(t, 0);
        if f_new <= f + params.c1 * t * gtd {
            return LineSearchResult {
                t,
                f: f_new,
                gtd: gtd_new,
                slot: Slot::Trial(0),
                evals: trial,
            };
        }
        t *= params.rho;
    }
    LineSearchResult {
        t: 0.0,
        f,
        gtd,
        slot: Slot::Start,
        evals: params.max_trials,
    }
}

#[cfg(test)]
mod tests {
    use super::super::recorded_search as search;
    use super::*;

    #[test]
    fn halves_until_sufficient_decrease() {
        // φ(t) = (t − 0.3)², φ(0) = 0.09, φ′(0) = −0.6. t = 1: 0.49 > 0.09 − 6e-5; t = 0.5:
        // 0.04 ≤ 0.09 − 3e-5, accepted.
        let phi = |t: f64| ((t - 0.3).powi(2), 2.0 * (t - 0.3));
        let (result, trials) = search(phi, 1.0, &ArmijoParams::default());
        assert_eq!(trials, [1.0, 0.5]);
        assert_eq!(result.t, 0.5);
        assert_eq!(result.slot, Slot::Trial(0));
        assert_eq!(result.evals, 2);
        assert!((result.f - 0.04).abs() < 1e-15);
    }

    #[test]
    fn accepted_steps_satisfy_sufficient_decrease() {
        type Phi = fn(f64) -> (f64, f64);
        let cases: [Phi; 4] = [
            |t| ((t - 0.01).powi(2), 2.0 * (t - 0.01)),
            |t| {
                (
                    (t - 0.05).powi(4) - 0.05f64.powi(4),
                    4.0 * (t - 0.05).powi(3),
                )
            },
            |t| ((t + 0.5).cos(), -(t + 0.5).sin()),
            |t| {
                (
                    ((t - 1e-3) * 1e3).powi(2) + (30.0 * t).sin(),
                    2e6 * (t - 1e-3) + 30.0,
                )
            },
        ];
        for phi in cases {
            let (f0, g0) = phi(0.0);
            assert!(g0 < 0.0);
            let (result, _) = search(phi, 1.0, &ArmijoParams::default());
            assert!(result.t > 0.0);
            assert!(result.f <= f0 + 1e-4 * result.t * g0);
        }
    }

    #[test]
    fn treats_overflow_as_a_failed_trial() {
        let phi = |t: f64| {
            if t > 1e-3 {
                (f64::NAN, f64::NAN)
            } else {
                (-t, -1.0)
            }
        };
        let (result, _) = search(phi, 1.0, &ArmijoParams::default());
        assert!(result.t <= 1e-3 && result.t > 0.0);
    }

    #[test]
    fn returns_the_start_when_no_trial_decreases() {
        // φ′(0) < 0 is a lie here: every step increases φ.
        let phi = |t: f64| if t == 0.0 { (0.0, -1.0) } else { (t, 1.0) };
        let params = ArmijoParams {
            max_trials: 5,
            ..ArmijoParams::default()
        };
        let (result, trials) = search(phi, 1.0, &params);
        assert_eq!(trials, [1.0, 0.5, 0.25, 0.125, 0.0625]);
        assert_eq!((result.t, result.f, result.slot), (0.0, 0.0, Slot::Start));
        assert_eq!(result.evals, 5);
    }
}
