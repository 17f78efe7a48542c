//! Theory overlays on quadratics: the exact loss curve of gradient descent and labelled rate bounds
//! for gradient descent, heavy ball and Nesterov's method, to draw over measured loss curves.
//!
//! On f(x) = ½ xᵀ H x with H = R diag(λ₁, λ₂) Rᵀ (the [`Quadratic`] landscape, R the rotation by
//! `angle_deg`), write the start in the eigenbasis: cᵢ = eᵢᵀ x₀ with e₁ = (cos θ, sin θ) and
//! e₂ = (−sin θ, cos θ). Then f(x₀) = ½ Σᵢ λᵢ cᵢ², f* = 0 at x* = 0 (for λᵢ > 0), and
//!
//! - gradient descent xₖ₊₁ = xₖ − lr·H xₖ acts on each eigen-direction separately:
//!   eₖ,ᵢ = cᵢ (1 − lr·λᵢ)ᵏ (the error components), so exactly
//!   f(xₖ) = ½ Σᵢ λᵢ cᵢ² (1 − lr·λᵢ)²ᵏ ([`gd_exact_loss`]).
//!   Bound: f(xₖ)/f(x₀) ≤ maxᵢ |1 − lr·λᵢ|²ᵏ ([`gd_loss_ratio_bound`]); the distance
//!   ‖xₖ‖/‖x₀‖ ≤ maxᵢ |1 − lr·λᵢ|ᵏ. Best at lr = 2/(λmin + λmax): rate (κ − 1)/(κ + 1), κ = λmax/λmin.
//! - heavy ball xₖ₊₁ = xₖ − lr·∇f(xₖ) + β(xₖ − xₖ₋₁), x₋₁ = x₀ (also torch's SGD with momentum β,
//!   dampening 0, which gives the same iterates): each direction follows
//!   eₖ₊₁ = (1 + β − lr·λ)eₖ − β eₖ₋₁. With r₁, r₂ the roots of z² − (1 + β − lr·λ)z + β and
//!   ρ = max |rⱼ| (the direction's spectral radius), eₖ/e₀ = Uₖ − β Uₖ₋₁ with
//!   Uₖ = Σⱼ₌₀ᵏ r₁ʲ r₂ᵏ⁻ʲ, so |eₖ/e₀| ≤ (k + 1)ρᵏ + β·k·ρᵏ⁻¹, and
//!   f(xₖ)/f(x₀) ≤ maxᵢ ((k + 1)ρᵢᵏ + β·k·ρᵢᵏ⁻¹)² ([`heavy_ball_loss_ratio_bound`]). With Polyak's
//!   optimal parameters lr = 4/(√L + √μ)², β = ((√κ − 1)/(√κ + 1))² (L = λmax, μ = λmin) every
//!   ρᵢ = √β = (√κ − 1)/(√κ + 1) ([`heavy_ball_optimal`]): the error shrinks like
//!   ((√κ − 1)/(√κ + 1))ᵏ up to the factor 1 + (1 + ρ)k, linear in k, which comes from the
//!   iteration matrix being defective (a double root) at λ = μ and λ = L.
//! - Nesterov's constant-momentum method yₖ = xₖ + β(xₖ − xₖ₋₁), xₖ₊₁ = yₖ − ∇f(yₖ)/L with
//!   β = (√κ − 1)/(√κ + 1) and x₋₁ = x₀ satisfies, for any μ-strongly convex f with L-Lipschitz
//!   gradient, f(xₖ) − f* ≤ (1 − 1/√κ)ᵏ (f(x₀) − f* + μ/2 ‖x₀ − x*‖²) (Nesterov 2004, Thm 2.2.3,
//!   scheme 2.2.19). On a quadratic μ/2 ‖x₀‖² ≤ f(x₀), so f(xₖ)/f(x₀) ≤ 2(1 − 1/√κ)ᵏ
//!   ([`nesterov_loss_bound`] gives the sharper absolute form). The bound is on the xₖ sequence;
//!   torch's `SGD(nesterov=True)` iterates are the look-ahead points yₖ.
//!
//! Everything here is a bound unless called exact: bounds are labelled so in [`TheoryCurve`].
//!
//! References: B. T. Polyak, "Some methods of speeding up the convergence of iteration methods",
//! USSR Comput. Math. Math. Phys. 4(5), 1964; Y. Nesterov, "A method of solving a convex
//! programming problem with convergence rate O(1/k²)", Soviet Math. Doklady 27, 1983, and
//! *Introductory Lectures on Convex Optimization* (Kluwer, 2004), §2.2; G. Goh, "Why Momentum
//! Really Works", Distill, 2017.

use crate::landscape::Quadratic;
use crate::scenario::RunConfig;

/// What a theory curve is: the exact prediction or an upper bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CurveKind {
    /// The loss the method takes, exactly (up to rounding).
    Exact,
    /// An upper bound on the loss; the actual curve lies on or below it.
    Bound,
}

/// A loss curve from theory, one value per step k = 0, 1, …, steps, to draw over a run's.
#[derive(Clone, Debug, PartialEq)]
pub struct TheoryCurve {
    /// Legend text, saying "bound" for bounds, e.g. "GD bound max|1 − lr·λ|^(2k)·f₀".
    pub label: String,
    /// Exact or bound.
    pub kind: CurveKind,
    /// f at step k (absolute loss, f* = 0).
    pub loss: Vec<f64>,
}

/// The eigenvalues (λ₁, λ₂) of a [`Quadratic`] and the coordinates (c₁, c₂) of `point` along its
/// eigenvectors e₁ = (cos θ, sin θ), e₂ = (−sin θ, cos θ): point = c₁e₁ + c₂e₂.
pub fn eigenbasis(quadratic: &Quadratic, point: [f64; 2]) -> ([f64; 2], [f64; 2]) {
    let (s, c) = quadratic.angle_deg.to_radians().sin_cos();
    let coords = [c * point[0] + s * point[1], -s * point[0] + c * point[1]];
    ([quadratic.lambda1, quadratic.lambda2], coords)
}

/// ½ Σᵢ λᵢ cᵢ²: the loss at eigen-coordinates `coords`.
pub fn loss_at(lambdas: [f64; 2], coords: [f64; 2]) -> f64 {
    0.5 * (lambdas[0] * coords[0] * coords[0] + lambdas[1] * coords[1] * coords[1])
}

/// qᵏ for an integer k, with the sign of q kept (q < 0 alternates).
fn signed_power(q: f64, k: u64) -> f64 {
    let magnitude = q.abs().powf(k as f64);
    if q < 0.0 && k % 2 == 1 {
        -magnitude
    } else {
        magnitude
    }
}

/// Exact gradient-descent loss f(xₖ) = ½ Σᵢ λᵢ cᵢ² (1 − lr·λᵢ)²ᵏ for k = 0..=steps, from
/// eigen-coordinates `coords` of the start.
pub fn gd_exact_loss(lambdas: [f64; 2], coords: [f64; 2], lr: f64, steps: u64) -> Vec<f64> {
    let squared = [
        (1.0 - lr * lambdas[0]).powi(2),
        (1.0 - lr * lambdas[1]).powi(2),
    ];
    (0..=steps)
        .map(|k| {
            let k = k as f64;
            0.5 * (lambdas[0] * coords[0] * coords[0] * squared[0].powf(k)
                + lambdas[1] * coords[1] * coords[1] * squared[1].powf(k))
        })
        .collect()
}

/// [`gd_exact_loss`] for a [`Quadratic`] landscape and a start point in the plane.
pub fn gd_exact_loss_on(quadratic: &Quadratic, start: [f64; 2], lr: f64, steps: u64) -> Vec<f64> {
    let (lambdas, coords) = eigenbasis(quadratic, start);
    gd_exact_loss(lambdas, coords, lr, steps)
}

/// The start's error along each eigenvector under gradient descent, cᵢ(1 − lr·λᵢ)ᵏ, for
/// k = 0..=steps (the sign shows the zig-zag when lr·λᵢ > 1).
pub fn gd_error_components(
    lambdas: [f64; 2],
    coords: [f64; 2],
    lr: f64,
    steps: u64,
) -> Vec<[f64; 2]> {
    let factors = [1.0 - lr * lambdas[0], 1.0 - lr * lambdas[1]];
    (0..=steps)
        .map(|k| {
            [
                coords[0] * signed_power(factors[0], k),
                coords[1] * signed_power(factors[1], k),
            ]
        })
        .collect()
}

/// Bound on the gradient-descent loss ratio f(xₖ)/f(x₀) ≤ maxᵢ |1 − lr·λᵢ|²ᵏ, for k = 0..=steps
/// (λᵢ ≥ 0; the distance ratio ‖xₖ‖/‖x₀‖ is bounded by its square root).
pub fn gd_loss_ratio_bound(lambdas: [f64; 2], lr: f64, steps: u64) -> Vec<f64> {
    let rate = lambdas
        .iter()
        .map(|l| (1.0 - lr * l).abs())
        .fold(0.0, f64::max);
    (0..=steps).map(|k| rate.powf(2.0 * k as f64)).collect()
}

/// Spectral radius of heavy ball on one eigen-direction: the largest |r| over the roots of
/// z² − (1 + β − lr·λ)z + β. Below 1 exactly when 0 < lr·λ < 2 + 2β (for 0 ≤ β < 1).
pub fn heavy_ball_spectral_radius(lr: f64, beta: f64, lambda: f64) -> f64 {
    let trace = 1.0 + beta - lr * lambda;
    let discriminant = trace * trace - 4.0 * beta;
    if discriminant < 0.0 {
        // Complex pair: |r|² = r₁r₂ = β.
        beta.sqrt()
    } else {
        let root = discriminant.sqrt();
        (0.5 * (trace.abs() + root)).max((0.5 * (trace.abs() - root)).abs())
    }
}

/// Bound on heavy ball's loss ratio f(xₖ)/f(x₀) ≤ maxᵢ ((k + 1)ρᵢᵏ + β·k·ρᵢᵏ⁻¹)², ρᵢ the spectral
/// radius of direction i, for k = 0..=steps. Holds for heavy ball with x₋₁ = x₀ and for torch's
/// SGD with momentum β and dampening 0 (the same iterates).
pub fn heavy_ball_loss_ratio_bound(lambdas: [f64; 2], lr: f64, beta: f64, steps: u64) -> Vec<f64> {
    let radii = lambdas.map(|l| heavy_ball_spectral_radius(lr, beta, l));
    (0..=steps)
        .map(|k| {
            radii
                .iter()
                .map(|&rho| {
                    let kf = k as f64;
                    let previous = if k == 0 {
                        0.0
                    } else {
                        beta * kf * rho.powf(kf - 1.0)
                    };
                    ((kf + 1.0) * rho.powf(kf) + previous).powi(2)
                })
                .fold(0.0, f64::max)
        })
        .collect()
}

/// Polyak's optimal heavy-ball parameters for eigenvalues in [μ, L].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HeavyBallOptimal {
    /// lr = 4/(√L + √μ)².
    pub lr: f64,
    /// β = ((√κ − 1)/(√κ + 1))².
    pub beta: f64,
    /// The per-step rate ρ = (√κ − 1)/(√κ + 1) (up to a factor linear in k).
    pub rate: f64,
}

/// Polyak's optimal parameters for the eigenvalues `lambdas`; `None` unless both are positive and
/// finite.
pub fn heavy_ball_optimal(lambdas: [f64; 2]) -> Option<HeavyBallOptimal> {
    let (mu, l) = positive_range(lambdas)?;
    let (sqrt_mu, sqrt_l) = (mu.sqrt(), l.sqrt());
    let rate = (sqrt_l - sqrt_mu) / (sqrt_l + sqrt_mu);
    Some(HeavyBallOptimal {
        lr: 4.0 / (sqrt_l + sqrt_mu).powi(2),
        beta: rate * rate,
        rate,
    })
}

/// (μ, L) = (λmin, λmax) when both are positive and finite.
fn positive_range(lambdas: [f64; 2]) -> Option<(f64, f64)> {
    let (mu, l) = (lambdas[0].min(lambdas[1]), lambdas[0].max(lambdas[1]));
    (mu > 0.0 && l.is_finite()).then_some((mu, l))
}

/// Nesterov's bound f(xₖ) ≤ (1 − 1/√κ)ᵏ (f(x₀) + μ/2 ‖x₀‖²) for k = 0..=steps, for the
/// constant-momentum method with lr = 1/L and β = (√κ − 1)/(√κ + 1) (the x sequence). `None`
/// unless both eigenvalues are positive.
pub fn nesterov_loss_bound(lambdas: [f64; 2], coords: [f64; 2], steps: u64) -> Option<Vec<f64>> {
    let (mu, l) = positive_range(lambdas)?;
    let rate = 1.0 - (mu / l).sqrt();
    let scale =
        loss_at(lambdas, coords) + 0.5 * mu * (coords[0] * coords[0] + coords[1] * coords[1]);
    Some((0..=steps).map(|k| scale * rate.powf(k as f64)).collect())
}

/// The parameters of Nesterov's constant-momentum method the bound is for: (lr, β) =
/// (1/L, (√κ − 1)/(√κ + 1)).
pub fn nesterov_parameters(lambdas: [f64; 2]) -> Option<(f64, f64)> {
    let (mu, l) = positive_range(lambdas)?;
    let sqrt_kappa = (l / mu).sqrt();
    Some((1.0 / l, (sqrt_kappa - 1.0) / (sqrt_kappa + 1.0)))
}

/// The theory curves that apply to `run` on `quadratic` from `start`, for k = 0..=steps: the exact
/// loss and the bound for plain gradient descent (torch SGD with momentum 0), the heavy-ball bound
/// for SGD with momentum (dampening 0, not Nesterov) and for `HeavyBall`. Empty for other methods,
/// for stochastic or clipped gradients, low-precision iterates, schedules, weight decay or maximizing, and for quadratics
/// that are not positive definite.
pub fn loss_overlays(
    quadratic: &Quadratic,
    start: [f64; 2],
    run: &RunConfig,
    steps: u64,
) -> Vec<TheoryCurve> {
    use crate::optim::OptimizerConfig as C;
    let (lambdas, coords) = eigenbasis(quadratic, start);
    let deterministic = run.noise_sigma == 0.0
        && run.clip.is_none()
        && run.clip_value.is_none()
        && run.precision.is_none()
        && run.gradient_precision.is_none()
        && run.schedule.is_constant();
    if !deterministic || positive_range(lambdas).is_none() {
        return Vec::new();
    }
    let initial = loss_at(lambdas, coords);
    let scaled = |ratios: Vec<f64>| ratios.into_iter().map(|r| r * initial).collect();
    if let Some(lr) = run.optimizer.plain_gd_lr() {
        return vec![
            TheoryCurve {
                label: "GD exact ½Σλᵢcᵢ²(1 − lr·λᵢ)^(2k)".to_owned(),
                kind: CurveKind::Exact,
                loss: gd_exact_loss(lambdas, coords, lr, steps),
            },
            TheoryCurve {
                label: "GD bound max|1 − lr·λ|^(2k)·f₀".to_owned(),
                kind: CurveKind::Bound,
                loss: scaled(gd_loss_ratio_bound(lambdas, lr, steps)),
            },
        ];
    }
    match &run.optimizer {
        C::Sgd(sgd) if sgd.weight_decay != 0.0 || sgd.maximize || sgd.nesterov => Vec::new(),
        C::Sgd(sgd) if sgd.dampening == 0.0 => vec![heavy_ball_curve(
            lambdas,
            sgd.lr,
            sgd.momentum,
            steps,
            initial,
        )],
        C::HeavyBall(hb) => vec![heavy_ball_curve(lambdas, hb.lr, hb.beta, steps, initial)],
        _ => Vec::new(),
    }
}

/// Gradient descent's error along each eigenvector, |cᵢ(1 − lr·λᵢ)ᵏ| for k = 0..=steps, when `run`
/// is plain deterministic gradient descent (the runs [`loss_overlays`] gives an exact curve for);
/// `None` otherwise.
pub fn gd_error_overlay(
    quadratic: &Quadratic,
    start: [f64; 2],
    run: &RunConfig,
    steps: u64,
) -> Option<Vec<[f64; 2]>> {
    let has_exact = loss_overlays(quadratic, start, run, steps)
        .iter()
        .any(|curve| curve.kind == CurveKind::Exact);
    let lr = run.optimizer.plain_gd_lr().filter(|_| has_exact)?;
    let (lambdas, coords) = eigenbasis(quadratic, start);
    Some(gd_error_components(lambdas, coords, lr, steps))
}

fn heavy_ball_curve(
    lambdas: [f64; 2],
    lr: f64,
    beta: f64,
    steps: u64,
    initial: f64,
) -> TheoryCurve {
    TheoryCurve {
        label: "heavy-ball bound ((k + 1)ρᵏ + β·k·ρᵏ⁻¹)²·f₀".to_owned(),
        kind: CurveKind::Bound,
        loss: heavy_ball_loss_ratio_bound(lambdas, lr, beta, steps)
            .into_iter()
            .map(|r| r * initial)
            .collect(),
    }
}

/// Reference bounds of the accelerated methods with their best parameters on `quadratic` from
/// `start`, for comparison with any run: heavy ball with Polyak's optimal (lr, β) and Nesterov with
/// lr = 1/L. Empty unless the quadratic is positive definite.
pub fn accelerated_references(
    quadratic: &Quadratic,
    start: [f64; 2],
    steps: u64,
) -> Vec<TheoryCurve> {
    let (lambdas, coords) = eigenbasis(quadratic, start);
    let initial = loss_at(lambdas, coords);
    let mut curves = Vec::new();
    if let Some(best) = heavy_ball_optimal(lambdas) {
        let mut curve = heavy_ball_curve(lambdas, best.lr, best.beta, steps, initial);
        curve.label = format!(
            "heavy-ball bound, optimal lr = {:.4}, β = {:.4} (rate {:.4}ᵏ up to a factor linear in k)",
            best.lr, best.beta, best.rate
        );
        curves.push(curve);
    }
    if let Some(loss) = nesterov_loss_bound(lambdas, coords, steps) {
        curves.push(TheoryCurve {
            label: "Nesterov bound (1 − 1/√κ)ᵏ(f₀ + μ/2‖x₀‖²), lr = 1/L".to_owned(),
            kind: CurveKind::Bound,
            loss,
        });
    }
    curves
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Session;
    use crate::landscape::LandscapeConfig;
    use crate::optim::{OptimizerConfig, SgdConfig};
    use crate::scenario::{Problem, Scenario};

    /// A session of `steps` steps of one run of `optimizer` from `start` on `quadratic`.
    fn quadratic_session(
        quadratic: &Quadratic,
        start: [f64; 2],
        optimizer: OptimizerConfig,
        steps: u64,
    ) -> Session {
        Session::new(Scenario {
            problem: Problem::Landscape(LandscapeConfig::Quadratic(quadratic.clone())),
            steps,
            runs: vec![RunConfig {
                optimizer,
                start: Some(start),
                ..RunConfig::default()
            }],
            ..Scenario::default()
        })
    }

    fn measured_losses(
        quadratic: &Quadratic,
        start: [f64; 2],
        optimizer: OptimizerConfig,
    ) -> Vec<f64> {
        let mut session = quadratic_session(quadratic, start, optimizer, 200);
        let mut losses = vec![session.runs()[0].last_sample().loss];
        session.advance_run(0, 200, |sample| losses.push(sample.loss));
        losses
    }

    fn sgd(lr: f64, momentum: f64) -> OptimizerConfig {
        OptimizerConfig::Sgd(SgdConfig {
            lr,
            momentum,
            ..SgdConfig::default()
        })
    }

    #[test]
    fn exact_gd_error_components_match_a_real_run() {
        let quadratic = Quadratic {
            lambda1: 2.0,
            lambda2: 30.0,
            angle_deg: 35.0,
        };
        let (start, lr) = ([1.3, -0.7], 0.06);
        let mut session = quadratic_session(&quadratic, start, sgd(lr, 0.0), 100);
        let mut points = vec![session.runs()[0].last_sample().point];
        session.advance_run(0, 100, |sample| points.push(sample.point));
        let run = session.scenario().runs[0].clone();
        let exact = gd_error_overlay(&quadratic, start, &run, 100).expect("plain GD");
        for (k, (point, c)) in points.iter().zip(&exact).enumerate() {
            let (_, measured) = eigenbasis(&quadratic, *point);
            for i in 0..2 {
                let relative = (measured[i] - c[i]).abs() / c[i].abs();
                assert!(
                    relative < 1e-10,
                    "step {k}, component {i}: {measured:?} vs {c:?}"
                );
            }
        }
        // lr·λ₂ = 1.8 > 1: the steep component flips sign every step (the zig-zag).
        assert!(exact[1][1] * exact[2][1] < 0.0);
        // Momentum has no exact component curve here.
        let momentum = RunConfig {
            optimizer: sgd(lr, 0.5),
            ..run
        };
        assert!(gd_error_overlay(&quadratic, start, &momentum, 10).is_none());
    }

    #[test]
    fn exact_gd_loss_matches_a_real_run() {
        for (quadratic, lr) in [
            (Quadratic::default(), 0.15),
            (
                Quadratic {
                    lambda1: 2.0,
                    lambda2: 30.0,
                    angle_deg: 35.0,
                },
                0.06,
            ),
            (
                Quadratic {
                    lambda1: 0.5,
                    lambda2: 4.0,
                    angle_deg: -70.0,
                },
                0.3,
            ),
        ] {
            let start = [1.3, -0.7];
            let measured = measured_losses(&quadratic, start, sgd(lr, 0.0));
            let exact = gd_exact_loss_on(&quadratic, start, lr, 200);
            assert_eq!(measured.len(), 201);
            for (k, (m, e)) in measured.iter().zip(&exact).enumerate() {
                let relative = (m - e).abs() / e.abs();
                assert!(relative < 1e-10, "{quadratic:?} step {k}: {m} vs {e}");
            }
        }
    }

    #[test]
    fn error_components_rebuild_the_loss() {
        let (lambdas, coords) = ([1.0, 10.0], [0.8, -0.4]);
        let components = gd_error_components(lambdas, coords, 0.17, 30);
        let exact = gd_exact_loss(lambdas, coords, 0.17, 30);
        for (c, e) in components.iter().zip(&exact) {
            assert!((loss_at(lambdas, *c) - e).abs() <= 1e-14 * e);
        }
        // lr·λ₂ = 1.7 > 1: the second component alternates in sign.
        assert!(components[1][1] > 0.0 && components[2][1] < 0.0);
    }

    #[test]
    fn gd_bound_is_above_the_actual_ratio() {
        let quadratic = Quadratic {
            lambda1: 1.0,
            lambda2: 20.0,
            angle_deg: 20.0,
        };
        let start = [1.0, 1.0];
        for lr in [0.01, 0.05, 2.0 / 21.0, 0.099] {
            let measured = measured_losses(&quadratic, start, sgd(lr, 0.0));
            let bound = gd_loss_ratio_bound([1.0, 20.0], lr, 200);
            for (m, b) in measured.iter().zip(&bound) {
                assert!(m / measured[0] <= b * (1.0 + 1e-12), "lr {lr}: {m} > {b}");
            }
        }
    }

    #[test]
    fn heavy_ball_bound_is_above_the_actual_ratio() {
        let quadratic = Quadratic {
            lambda1: 1.0,
            lambda2: 100.0,
            angle_deg: 30.0,
        };
        let lambdas = [1.0, 100.0];
        let Some(best) = heavy_ball_optimal(lambdas) else {
            panic!("positive definite");
        };
        assert!((best.rate - 9.0 / 11.0).abs() < 1e-15);
        let start = [1.0, -0.5];
        for (lr, beta) in [
            (best.lr, best.beta),
            (0.01, 0.9),
            (0.03, 0.5),
            (0.038, 0.95),
        ] {
            let measured = measured_losses(&quadratic, start, sgd(lr, beta));
            let bound = heavy_ball_loss_ratio_bound(lambdas, lr, beta, 200);
            for (k, (m, b)) in measured.iter().zip(&bound).enumerate() {
                assert!(
                    m / measured[0] <= b * (1.0 + 1e-9),
                    "({lr}, {beta}) step {k}"
                );
            }
        }
        // With the optimal parameters every direction's spectral radius is the rate.
        for lambda in [1.0, 7.0, 50.0, 100.0] {
            let rho = heavy_ball_spectral_radius(best.lr, best.beta, lambda);
            assert!((rho - best.rate).abs() < 1e-6, "λ = {lambda}: {rho}");
        }
    }

    #[test]
    fn nesterov_bound_is_above_the_constant_momentum_method() {
        let lambdas = [1.0, 50.0];
        let coords = [1.0, 1.0];
        let Some((lr, beta)) = nesterov_parameters(lambdas) else {
            panic!("positive definite");
        };
        let Some(bound) = nesterov_loss_bound(lambdas, coords, 300) else {
            panic!("positive definite");
        };
        let (mut x, mut previous) = (coords, coords);
        for (k, b) in bound.iter().enumerate() {
            assert!(loss_at(lambdas, x) <= *b, "step {k}");
            let mut next = [0.0; 2];
            for i in 0..2 {
                let y = x[i] + beta * (x[i] - previous[i]);
                next[i] = y - lr * lambdas[i] * y;
            }
            previous = x;
            x = next;
        }
        assert!(bound[0] <= 2.0 * loss_at(lambdas, coords));
    }

    #[test]
    fn overlays_pick_the_curves_that_apply() {
        let quadratic = Quadratic::default();
        let run = |optimizer| RunConfig {
            optimizer,
            ..RunConfig::default()
        };
        let gd = loss_overlays(&quadratic, [1.0, 1.0], &run(sgd(0.1, 0.0)), 10);
        assert_eq!(gd.len(), 2);
        assert_eq!(gd[0].kind, CurveKind::Exact);
        assert!(gd[1].label.contains("bound") && gd[1].loss.len() == 11);
        let momentum = loss_overlays(&quadratic, [1.0, 1.0], &run(sgd(0.1, 0.9)), 10);
        assert_eq!(momentum.len(), 1);
        let adam = OptimizerConfig::Adam(crate::optim::AdamConfig::default());
        assert!(loss_overlays(&quadratic, [1.0, 1.0], &run(adam), 10).is_empty());
        assert_eq!(accelerated_references(&quadratic, [1.0, 1.0], 10).len(), 2);
    }
}
