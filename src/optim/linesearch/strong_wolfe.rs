//! Strong-Wolfe line search: a line-by-line port of `torch.optim.lbfgs._strong_wolfe` and
//! `_cubic_interpolate` (themselves ports of torch7's `lswolfe.lua` and `polyinterp.lua`, after
//! M. Schmidt's minFunc).
//!
//! It looks for t with, for φ(t) = f(x + t·d),
//!
//! ```text
//! φ(t) ≤ φ(0) + c1·t·φ′(0)        (sufficient decrease, Armijo)
//! |φ′(t)| ≤ −c2·φ′(0)             (strong curvature condition)
//! ```
//!
//! in two phases, as Nocedal & Wright Alg. 3.5 (bracketing) and Alg. 3.6 (zoom):
//!
//! 1. Bracketing from the initial t: a point that fails sufficient decrease (or, after two trials,
//!    is no lower than the previous one) or has φ′ ≥ 0 closes a bracket [t_prev, t]; a point
//!    satisfying both conditions is accepted; otherwise t is extrapolated by cubic interpolation
//!    of (t_prev, φ, φ′) and (t, φ, φ′) clamped to [t + 0.01(t − t_prev), 10t].
//! 2. Zoom: cubic interpolation inside the bracket, moved 10 % of the bracket's width inwards when
//!    it falls too close to an end twice in a row (or outside it), shrinking the bracket by N&W's
//!    rules until the strong Wolfe conditions hold, the bracket is narrower than
//!    tolerance_change / max|d|, or max_ls trials beyond the first have been made in all (so at
//!    most max_ls + 1 evaluations, as in torch).
//!
//! It returns the lowest bracket end ("low"), which is the Wolfe point when one was found.
//! Constants as torch: c1 = 1e-4, c2 = 0.9, tolerance_change = 1e-9, max_ls = 25. Comparisons,
//! Python's `min`/`max` and the order of every floating-point operation follow torch's code so that
//! runs agree with torch bit for bit.
//!
//! References: Nocedal & Wright, *Numerical Optimization* (2nd ed.), §3.5, Alg. 3.5 and 3.6, and
//! eq. 3.59 (cubic interpolation); PyTorch source `torch/optim/lbfgs.py`.

use super::{LineSearchResult, Slot, free_slot, py_max, py_min};

/// The constants of torch's `_strong_wolfe`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WolfeParams {
    /// Sufficient-decrease constant (torch: 1e-4).
    pub c1: f64,
    /// Curvature constant (torch: 0.9).
    pub c2: f64,
    /// The zoom stops when |bracket|·max|d| falls below this (torch: 1e-9).
    pub tolerance_change: f64,
    /// Trials allowed after the first, so at most max_ls + 1 evaluations (torch: 25; L-BFGS
    /// passes max_eval − evaluations so far).
    pub max_ls: usize,
}

impl Default for WolfeParams {
    fn default() -> Self {
        Self {
            c1: 1e-4,
            c2: 0.9,
            tolerance_change: 1e-9,
            max_ls: 25,
        }
    }
}

/// The minimizer of the cubic through (x1, f1) and (x2, f2) with slopes g1, g2 (N&W eq. 3.59),
/// clamped to `bounds` (default: the interval between x1 and x2); the middle of the bounds when
/// the cubic has no minimizer. A port of torch's `_cubic_interpolate`.
pub fn cubic_interpolate(
    x1: f64,
    f1: f64,
    g1: f64,
    x2: f64,
    f2: f64,
    g2: f64,
    bounds: Option<(f64, f64)>,
) -> f64 {
    let (xmin_bound, xmax_bound) = match bounds {
        Some(bounds) => bounds,
        None if x1 <= x2 => (x1, x2),
        None => (x2, x1),
    };
    let d1 = g1 + g2 - 3.0 * (f1 - f2) / (x1 - x2);
    // torch's `d1**2` on a tensor is the product d1·d1.
    let d2_square = d1 * d1 - g1 * g2;
    if d2_square >= 0.0 {
        let d2 = d2_square.sqrt();
        let min_pos = if x1 <= x2 {
            x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2.0 * d2))
        } else {
            x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2.0 * d2))
        };
        py_min(py_max(min_pos, xmin_bound), xmax_bound)
    } else {
        (xmin_bound + xmax_bound) / 2.0
    }
}

/// A bracket end: step, value, slope and where its gradient is.
#[derive(Clone, Copy, Debug)]
struct Point {
    t: f64,
    f: f64,
    gtd: f64,
    slot: Slot,
}

/// Strong-Wolfe line search from φ(0) = `f`, φ′(0) = `gtd` < 0 with first trial `t`; `d_norm` is
/// max|d| (for the bracket-width test). `phi(t, k)` evaluates (φ(t), φ′(t)) and stores the gradient
/// at x + t·d in trial buffer `k`. A port of torch's `_strong_wolfe`.
///
/// Longer than the house's 100 lines on purpose: it is a line-by-line transcription of the
/// reference algorithm, torch's `torch.optim.lbfgs._strong_wolfe` (bracketing, then zoom), kept in
/// torch's order so that every trial point, and so every L-BFGS iterate, matches torch's.
pub fn strong_wolfe<F>(
    phi: &mut F,
    t: f64,
    f: f64,
    gtd: f64,
    d_norm: f64,
    params: &WolfeParams,
) -> LineSearchResult
where
    F: FnMut(f64, usize) -> (f64, f64),
{
    let WolfeParams {
        c1,
        c2,
        tolerance_change,
        max_ls,
    } = *params;
    let start = Point {
        t: 0.0,
        f,
        gtd,
        slot: Slot::Start,
    };
    let mut t = t;
    let first_slot = free_slot(&[]);
    let (f_new, gtd_new) = phi(t, first_slot);
    let mut new = Point {
        t,
        f: f_new,
        gtd: gtd_new,
        slot: Slot::Trial(first_slot),
    };
    let mut evals = 1;

    // Bracket an interval containing a point satisfying the Wolfe criteria.
    let mut prev = start;
    let mut done = false;
    let mut ls_iter = 0;
    // torch's `bracket*` lists; a one-point bracket is stored twice.
    let mut bracket = [start, new];
    while ls_iter < max_ls {
        if new.f > (f + c1 * t * gtd) || (ls_iter > 1 && new.f >= prev.f) {
            bracket = [prev, new];
            break;
        }
        if new.gtd.abs() <= -c2 * gtd {
            bracket = [new, new];
            done = true;
            break;
        }
        if new.gtd >= 0.0 {
            bracket = [prev, new];
            break;
        }
        // Extrapolate.
        let min_step = t + 0.01 * (t - prev.t);
        let max_step = t * 10.0;
        t = cubic_interpolate(
            prev.t,
            prev.f,
            prev.gtd,
            t,
            new.f,
            new.gtd,
            Some((min_step, max_step)),
        );
        prev = new;
        let slot = free_slot(&[prev.slot]);
        let (f_new, gtd_new) = phi(t, slot);
        new = Point {
            t,
            f: f_new,
            gtd: gtd_new,
            slot: Slot::Trial(slot),
        };
        evals += 1;
        ls_iter += 1;
    }
    if ls_iter == max_ls {
        // Out of evaluations while extrapolating: torch falls back to [0, t].
        bracket = [start, new];
    }

    // Zoom: refine the bracket until a point satisfies the criteria.
    let mut insuf_progress = false;
    let (mut low, mut high) = if bracket[0].f <= bracket[1].f {
        (0, 1)
    } else {
        (1, 0)
    };
    while !done && ls_iter < max_ls {
        // The bracket is so small that the line search cannot make progress.
        if (bracket[1].t - bracket[0].t).abs() * d_norm < tolerance_change {
            break;
        }
        t = cubic_interpolate(
            bracket[0].t,
            bracket[0].f,
            bracket[0].gtd,
            bracket[1].t,
            bracket[1].f,
            bracket[1].gtd,
            None,
        );
        t = keep_away_from_ends(t, bracket[0].t, bracket[1].t, &mut insuf_progress);

        let slot = free_slot(&[bracket[0].slot, bracket[1].slot]);
        let (f_new, gtd_new) = phi(t, slot);
        let new = Point {
            t,
            f: f_new,
            gtd: gtd_new,
            slot: Slot::Trial(slot),
        };
        evals += 1;
        ls_iter += 1;

        if new.f > (f + c1 * t * gtd) || new.f >= bracket[low].f {
            // Armijo condition not satisfied or not lower than the lowest point.
            bracket[high] = new;
            (low, high) = if bracket[0].f <= bracket[1].f {
                (0, 1)
            } else {
                (1, 0)
            };
        } else {
            if new.gtd.abs() <= -c2 * gtd {
                // Wolfe conditions satisfied.
                done = true;
            } else if new.gtd * (bracket[high].t - bracket[low].t) >= 0.0 {
                // The old high becomes the new low.
                bracket[high] = bracket[low];
            }
            // The new point becomes the new low.
            bracket[low] = new;
        }
    }

    let best = bracket[low];
    LineSearchResult {
        t: best.t,
        f: best.f,
        gtd: best.gtd,
        slot: best.slot,
        evals,
    }
}

/// torch's safeguard against interpolating too close to a bracket end: when t lies within 10 % of
/// the bracket's width of an end and the previous trial did too (or t is at or beyond an end), t
/// moves to 10 % inside the nearest end.
fn keep_away_from_ends(t: f64, a: f64, b: f64, insuf_progress: &mut bool) -> f64 {
    let (high_end, low_end) = (py_max(a, b), py_min(a, b));
    let eps = 0.1 * (high_end - low_end);
    if py_min(high_end - t, t - low_end) < eps {
        if *insuf_progress || t >= high_end || t <= low_end {
            *insuf_progress = false;
            if (t - high_end).abs() < (t - low_end).abs() {
                high_end - eps
            } else {
                low_end + eps
            }
        } else {
            *insuf_progress = true;
            t
        }
    } else {
        *insuf_progress = false;
        t
    }
}

#[cfg(test)]
mod tests {
    use super::super::recorded_search as search;
    use super::*;

    fn assert_strong_wolfe(phi: impl Fn(f64) -> (f64, f64), result: &LineSearchResult) {
        let (f0, g0) = phi(0.0);
        let (f, g) = phi(result.t);
        assert_eq!((result.f, result.gtd), (f, g));
        assert!(result.t > 0.0);
        assert!(
            f <= f0 + 1e-4 * result.t * g0,
            "sufficient decrease at {}",
            result.t
        );
        assert!(
            g.abs() <= -0.9 * g0,
            "curvature at t = {}: φ′ = {g}",
            result.t
        );
    }

    #[test]
    fn cubic_interpolation_is_exact_on_a_quadratic_and_clamps() {
        // φ(t) = (t − 2)²: through (0, 4, −4) and (1, 1, −2) the cubic is the parabola itself:
        // d1 = −4 − 2 − 3·(4 − 1)/(0 − 1) = 3, d2 = √(9 − 8) = 1,
        // min_pos = 1 − (1 − 0)·((−2 + 1 − 3)/(−2 + 4 + 2)) = 2.
        assert_eq!(cubic_interpolate(0.0, 4.0, -4.0, 1.0, 1.0, -2.0, None), 1.0);
        assert_eq!(
            cubic_interpolate(0.0, 4.0, -4.0, 1.0, 1.0, -2.0, Some((1.01, 10.0))),
            2.0
        );
        // Same points given in the other order.
        assert_eq!(
            cubic_interpolate(1.0, 1.0, -2.0, 0.0, 4.0, -4.0, Some((0.0, 10.0))),
            2.0
        );
        // No real minimizer: d1 = 1 + 1 − 3·(0 − 0.5)/(0 − 1) = 0.5, d2² = 0.25 − 1 < 0, so the
        // middle of the bounds.
        assert_eq!(cubic_interpolate(0.0, 0.0, 1.0, 1.0, 0.5, 1.0, None), 0.5);
        assert_eq!(
            cubic_interpolate(0.0, 0.0, 1.0, 1.0, 0.5, 1.0, Some((2.0, 5.0))),
            3.5
        );
    }

    #[test]
    fn accepts_the_first_trial_when_it_satisfies_both_conditions() {
        let phi = |t: f64| ((t - 1.0).powi(2), 2.0 * (t - 1.0));
        let (result, trials) = search(phi, 1.0, &WolfeParams::default());
        assert_eq!(trials, [1.0]);
        assert_eq!(
            (result.t, result.slot, result.evals),
            (1.0, Slot::Trial(0), 1)
        );
    }

    #[test]
    fn extrapolates_then_finds_a_wolfe_point_on_a_quadratic() {
        // φ(t) = (t − 20)², φ′(0) = −40: the cubic through two points of a parabola is the
        // parabola, whose minimizer 20 is clamped to 10·t twice; at t = 10, |φ′| = 20 ≤ 0.9·40.
        let phi = |t: f64| ((t - 20.0).powi(2), 2.0 * (t - 20.0));
        let (result, trials) = search(phi, 0.1, &WolfeParams::default());
        assert_eq!(trials, [0.1, 1.0, 10.0]);
        assert_strong_wolfe(phi, &result);
        assert_eq!(result.evals, 3);
    }

    #[test]
    fn zooms_into_a_bracket_when_the_first_trial_overshoots() {
        let phi = |t: f64| ((t - 0.3).powi(2), 2.0 * (t - 0.3));
        let (result, trials) = search(phi, 5.0, &WolfeParams::default());
        assert!(trials.len() >= 2 && trials[1] < 5.0);
        assert_strong_wolfe(phi, &result);
    }

    #[test]
    fn satisfies_strong_wolfe_on_nonquadratic_functions() {
        type Phi = fn(f64) -> (f64, f64);
        let cases: [(Phi, f64); 5] = [
            // A quartic with a sharp minimum at t = 0.05 (overshoot by a factor 20).
            (|t| ((t - 0.05).powi(4), 4.0 * (t - 0.05).powi(3)), 1.0),
            // A cosine well: minimum at t = π − 0.5, from below and from beyond it.
            (|t| ((t + 0.5).cos(), -(t + 0.5).sin()), 0.1),
            (|t| ((t + 0.5).cos(), -(t + 0.5).sin()), 4.0),
            // Rosenbrock along the steepest-descent direction from (−1.2, 1), normalized.
            (
                |t| {
                    let (dx, dy) = (0.926, 0.378);
                    let (x, y) = (-1.2 + t * dx, 1.0 + t * dy);
                    let f = (1.0 - x).powi(2) + 100.0 * (y - x * x).powi(2);
                    let gx = -2.0 * (1.0 - x) - 400.0 * x * (y - x * x);
                    let gy = 200.0 * (y - x * x);
                    (f, gx * dx + gy * dy)
                },
                1.0,
            ),
            // A slowly decreasing function: many extrapolations.
            (|t| (-(t / (1.0 + t)), -1.0 / (1.0 + t).powi(2)), 1e-3),
        ];
        for (phi, t0) in cases {
            let (result, trials) = search(phi, t0, &WolfeParams::default());
            assert!(trials.len() <= 26);
            assert_strong_wolfe(phi, &result);
        }
    }

    #[test]
    fn gives_up_after_max_ls_further_trials_and_keeps_the_lowest_point() {
        // φ decreases forever at a constant slope: extrapolation never closes a bracket.
        let phi = |t: f64| (-t, -1.0);
        let params = WolfeParams {
            max_ls: 4,
            ..WolfeParams::default()
        };
        let (result, trials) = search(phi, 1.0, &params);
        // Four extrapolations after the first trial, each clamped to 10·t.
        assert_eq!(trials, [1.0, 10.0, 100.0, 1000.0, 10000.0]);
        assert_eq!((result.t, result.evals), (10000.0, 5));
    }

    #[test]
    fn returns_the_start_when_the_bracket_is_below_tolerance() {
        // Every trial is worse than φ(0) and the bracket [0, 1e-12] is below tolerance_change.
        let phi = |t: f64| (t, 1.0);
        let (result, trials) = search(
            |t| if t == 0.0 { (0.0, -1.0) } else { phi(t) },
            1e-12,
            &WolfeParams::default(),
        );
        assert_eq!(trials, [1e-12]);
        assert_eq!((result.t, result.f, result.slot), (0.0, 0.0, Slot::Start));
    }

    #[test]
    fn never_overwrites_a_gradient_the_bracket_still_refers_to() {
        let phi = |t: f64| {
            (
                (t - 0.3).powi(2) + 0.05 * (7.0 * t).sin(),
                2.0 * (t - 0.3) + 0.35 * (7.0 * t).cos(),
            )
        };
        let (f, gtd) = phi(0.0);
        // Each slot remembers which t it holds; the result's slot must hold the result's t.
        let mut held = [f64::NAN; 3];
        let mut eval = |t: f64, slot: usize| {
            held[slot] = t;
            phi(t)
        };
        let result = strong_wolfe(&mut eval, 4.0, f, gtd, 1.0, &WolfeParams::default());
        match result.slot {
            Slot::Trial(k) => assert_eq!(held[k], result.t),
            Slot::Start => assert_eq!(result.t, 0.0),
        }
    }
}
