//! Gradient flow: the ODE dx/dt = −∇f(x), integrated accurately by the adaptive Dormand–Prince
//! 5(4) Runge–Kutta method and reported at t = k·dt. Not a torch.optim class: the continuous-time
//! limit that gradient descent discretizes.
//!
//! One optiviz step advances the flow by exactly dt:
//!
//! ```text
//! x(t + dt) = x(t) − ∫ₜ^{t+dt} ∇f(x(s)) ds      (to a relative accuracy of ~1e-10)
//! ```
//!
//! Gradient descent with lr = dt is the forward-Euler step of this ODE, xₖ₊₁ = xₖ − dt·∇f(xₖ); its
//! error after a fixed time is O(dt), so with dt = lr the two paths can be compared step by step
//! and the difference shows what a finite step size does: GD follows more closely the flow of a
//! modified loss f + (lr/4)‖∇f‖² (implicit gradient regularization), and it oscillates or diverges
//! beyond lr = 2/λmax where the flow just decays (the flow is stable on every convex function).
//! Along the flow f never increases: df/dt = −‖∇f‖².
//!
//! Integrator: DOPRI5 with the coefficients of Dormand & Prince (1980) as tabulated by Hairer,
//! Nørsett & Wanner (Table II.5.2): 7 stages, the last of which is the first of the next internal
//! step (FSAL), so an internal step costs 6 gradients. The local error estimate is the difference
//! of the embedded 5th- and 4th-order solutions, measured in the norm
//!
//! ```text
//! err = √((1/dim) Σᵢ (errᵢ / (atol + rtol·max(|xᵢ|, |x̂ᵢ|)))²),   rtol = 1e-10, atol = 1e-12
//! ```
//!
//! A step is accepted when err ≤ 1; the next step size is h·min(facmax, max(0.2, 0.9·err^(−1/5)))
//! with facmax = 5, or 1 right after a rejection (Hairer, Nørsett & Wanner, §II.4, the standard
//! controller). The first step size comes from their starting-step algorithm (one extra gradient),
//! each internal step is cut to land exactly on t = k·dt, and the step size carries over to the
//! next optiviz step. At most 10 000 internal steps are taken per optiviz step: beyond that (a very
//! stiff problem, a blow-up in finite time, noisy gradients) the step ends with `Failed` and the
//! iterate stays at the last accepted point of the flow.
//!
//! Every gradient goes through the oracle's `value_and_grad`, so the counts show the cost (6 per
//! internal step). The oracle is used as is: with gradient noise each evaluation is perturbed and
//! the step-size control mistakes the noise for error (the method then fails rather than pretend);
//! with a batch size each optiviz step integrates the flow of that step's minibatch loss. Neither
//! is a gradient flow of f: use exact gradients. The loss reported is f at the iterate before the
//! step.
//!
//! Default (chosen here): dt = 1e-2. Validation: dt > 0. Schedules set dt through `set_lr`.
//!
//! References: J. R. Dormand & P. J. Prince, "A family of embedded Runge–Kutta formulae", J.
//! Computational and Applied Mathematics 6(1), 1980; E. Hairer, S. P. Nørsett & G. Wanner, "Solving
//! Ordinary Differential Equations I: Nonstiff Problems", 2nd ed., Springer 1993 (§II.4 step-size
//! control and starting step, §II.5 DOPRI5); W. Su, S. Boyd & E. J. Candès, "A differential
//! equation for modeling Nesterov's accelerated gradient method", JMLR 17, 2016 (optimizers as ODE
//! discretizations); D. G. T. Barrett & B. Dherin, "Implicit gradient regularization", ICLR 2021
//! (GD follows the flow of f + (lr/4)‖∇f‖²).

use nalgebra::DVector;
use serde::{Deserialize, Serialize};

use super::{Optimizer, OptimizerSpec, Quantity, StepInfo, StepOutcome, ensure_len};
use crate::hyper::hyper_table;
use crate::objective::Oracle;

/// Relative tolerance of the local error.
const RTOL: f64 = 1e-10;
/// Absolute tolerance of the local error.
const ATOL: f64 = 1e-12;
/// Internal Runge–Kutta steps (accepted or rejected) allowed per optiviz step.
const MAX_INTERNAL_STEPS: usize = 10_000;
/// Safety factor of the step-size controller.
const SAFETY: f64 = 0.9;
/// Smallest factor by which one decision may shrink the step size.
const FAC_MIN: f64 = 0.2;
/// Largest factor by which one decision may grow the step size.
const FAC_MAX: f64 = 5.0;

/// Dormand–Prince stage coefficients aᵢⱼ, row i for stage i + 2 (Hairer, Nørsett & Wanner, Table
/// II.5.2). The last row equals the 5th-order weights b: stage 7 is evaluated at the new point.
const A: [&[f64]; 6] = [
    &[1.0 / 5.0],
    &[3.0 / 40.0, 9.0 / 40.0],
    &[44.0 / 45.0, -56.0 / 15.0, 32.0 / 9.0],
    &[
        19372.0 / 6561.0,
        -25360.0 / 2187.0,
        64448.0 / 6561.0,
        -212.0 / 729.0,
    ],
    &[
        9017.0 / 3168.0,
        -355.0 / 33.0,
        46732.0 / 5247.0,
        49.0 / 176.0,
        -5103.0 / 18656.0,
    ],
    &[
        35.0 / 384.0,
        0.0,
        500.0 / 1113.0,
        125.0 / 192.0,
        -2187.0 / 6784.0,
        11.0 / 84.0,
    ],
];

/// Error weights e = b − b̂ (5th- minus embedded 4th-order weights), over the 7 stages.
const E: [f64; 7] = [
    71.0 / 57600.0,
    0.0,
    -71.0 / 16695.0,
    71.0 / 1920.0,
    -17253.0 / 339200.0,
    22.0 / 525.0,
    -1.0 / 40.0,
];

/// Hyperparameters of the gradient flow.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GradientFlowConfig {
    /// Time between reported points (compare with gradient descent at lr = dt).
    pub dt: f64,
}

hyper_table! {
    GradientFlowConfig, owner: Self::DISPLAY_NAME, defaults {};
    dt = 1e-2: log_float(1e-4, 10.0) where positive,
        "report x(t) every dt of dx/dt = −∇f(x) (GD with lr = dt is its Euler step)";
}

impl OptimizerSpec for GradientFlowConfig {
    crate::optim::spec_names! {
        "Gradient flow": "Gradient flow dx/dt = −∇f(x), adaptive Dormand–Prince 5(4)"
    }

    crate::optim::no_stability_threshold!(NotDerived);

    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        Box::new(GradientFlow {
            config: self.clone(),
            stages: std::array::from_fn(|_| DVector::zeros(dim)),
            point: DVector::zeros(dim),
            next: DVector::zeros(dim),
            h: 0.0,
            cached_at: DVector::zeros(dim),
            cached_loss: f64::NAN,
            has_cache: false,
            explained: GradientFlowExplained {
                moved: false,
                dt: 0.0,
                attempts: 0,
                gradient: DVector::zeros(dim),
                start: DVector::zeros(dim),
            },
        })
    }
}

/// The integrator's state: the 7 stage derivatives kᵢ = −∇f(·), the proposed internal step size,
/// and the derivative at the last reported point (reused as the next step's first stage).
pub struct GradientFlow {
    config: GradientFlowConfig,
    stages: [DVector<f64>; 7],
    point: DVector<f64>,
    next: DVector<f64>,
    /// Proposed size of the next internal step (0 = to be chosen by the starting-step rule).
    h: f64,
    cached_at: DVector<f64>,
    cached_loss: f64,
    has_cache: bool,
    explained: GradientFlowExplained,
}

/// The latest step's start, its gradient and its cost, for [`Optimizer::explain`] (preallocated
/// copies: no allocation per step); its end is `cached_at`.
struct GradientFlowExplained {
    /// Whether the latest step reached t + dt.
    moved: bool,
    dt: f64,
    /// Runge–Kutta steps tried (accepted or rejected) within dt.
    attempts: u64,
    /// gₜ = ∇f(xₜ₋₁).
    gradient: DVector<f64>,
    /// xₜ₋₁.
    start: DVector<f64>,
}

/// Writes the flow's velocity −∇f(x) into `velocity`; returns f(x).
fn velocity(oracle: &mut Oracle, x: &DVector<f64>, velocity: &mut DVector<f64>) -> f64 {
    let loss = oracle.value_and_grad(x, velocity);
    velocity.neg_mut();
    loss
}

/// The weighted RMS norm of Hairer, Nørsett & Wanner (II.4.11) with scale atol + rtol·|xᵢ|.
fn scaled_norm(v: &DVector<f64>, x: &DVector<f64>) -> f64 {
    let sum: f64 = v
        .iter()
        .zip(x.iter())
        .map(|(&vi, &xi)| (vi / (ATOL + RTOL * xi.abs())).powi(2))
        .sum();
    (sum / v.len().max(1) as f64).sqrt()
}

impl GradientFlow {
    /// Hairer, Nørsett & Wanner's starting step size (§II.4, "Starting step size"), from
    /// k₁ = f(x₀) in `stages[0]` and one Euler probe (one gradient).
    fn starting_step(&mut self, x: &DVector<f64>, oracle: &mut Oracle) -> f64 {
        let d0 = scaled_norm(x, x);
        let d1 = scaled_norm(&self.stages[0], x);
        let h0 = if d0 < 1e-5 || d1 < 1e-5 {
            1e-6
        } else {
            0.01 * d0 / d1
        };
        self.point.copy_from(x);
        self.point.axpy(h0, &self.stages[0], 1.0);
        let [k1, k2, ..] = &mut self.stages;
        velocity(oracle, &self.point, k2);
        *k2 -= &*k1;
        let d2 = scaled_norm(k2, x) / h0;
        let largest = d1.max(d2);
        let h1 = if largest <= 1e-15 {
            (h0 * 1e-3).max(1e-6)
        } else {
            // (0.01 / max(d1, d2))^(1/(p + 1)) with order p = 5.
            (0.01 / largest).powf(0.2)
        };
        let h = (100.0 * h0).min(h1);
        if h.is_finite() && h > 0.0 { h } else { h0 }
    }

    /// One Dormand–Prince step of size `h` from `x` (with k₁ in `stages[0]`): writes the 5th-order
    /// solution into `self.next`, k₇ = f(next) into `stages[6]`, and returns (err, f(next)).
    fn try_step(&mut self, x: &DVector<f64>, h: f64, oracle: &mut Oracle) -> (f64, f64) {
        let mut loss = f64::NAN;
        for (stage, row) in A.iter().enumerate() {
            let (done, rest) = self.stages.split_at_mut(stage + 1);
            let target = if stage + 1 == 6 {
                &mut self.next
            } else {
                &mut self.point
            };
            target.copy_from(x);
            for (a, k) in row.iter().zip(done.iter()) {
                if *a != 0.0 {
                    target.axpy(h * a, k, 1.0);
                }
            }
            loss = velocity(oracle, target, &mut rest[0]);
        }
        // err = h·Σ eⱼkⱼ, scaled by atol + rtol·max(|x|, |next|).
        let mut sum = 0.0;
        for i in 0..x.len() {
            let local: f64 = E
                .iter()
                .zip(self.stages.iter())
                .map(|(e, k)| e * k[i])
                .sum();
            let scale = ATOL + RTOL * x[i].abs().max(self.next[i].abs());
            sum += (h * local / scale).powi(2);
        }
        ((sum / x.len().max(1) as f64).sqrt(), loss)
    }

    /// Integrates from `x` over time dt (with k₁ = f(x) in `stages[0]`); returns f at the end, or
    /// why it could not get there (x is then the last accepted point).
    fn advance(&mut self, x: &mut DVector<f64>, oracle: &mut Oracle) -> Result<f64, String> {
        let dt = self.config.dt;
        let mut t = 0.0;
        let mut last_rejected = false;
        for _ in 0..MAX_INTERNAL_STEPS {
            let remaining = dt - t;
            let lands = self.h >= remaining;
            let h = if lands { remaining } else { self.h };
            if h <= f64::EPSILON * dt {
                return Err(format!(
                    "gradient flow: the Runge–Kutta step underflowed ({h:.1e}) within dt = {dt}"
                ));
            }
            let (err, next_loss) = self.try_step(x, h, oracle);
            self.explained.attempts += 1;
            // err is NaN or ∞ when a stage overflowed: reject with the largest cut.
            let shrink = if err.is_finite() {
                (SAFETY * err.powf(-0.2)).max(FAC_MIN)
            } else {
                FAC_MIN
            };
            // An overflowed point is never accepted, whatever its error estimate.
            if err <= 1.0 && self.next.iter().all(|v| v.is_finite()) {
                x.copy_from(&self.next);
                self.stages.swap(0, 6);
                let grow = shrink.min(if last_rejected { 1.0 } else { FAC_MAX });
                // A step cut short to land on dt keeps the controller's untruncated proposal.
                self.h = if lands {
                    self.h.max(h * grow)
                } else {
                    h * grow
                };
                last_rejected = false;
                if lands {
                    return Ok(next_loss);
                }
                t += h;
            } else {
                self.h = h * shrink.min(1.0);
                last_rejected = true;
            }
        }
        Err(format!(
            "gradient flow needed more than {MAX_INTERNAL_STEPS} Runge–Kutta steps for one \
             dt = {dt} (a stiff or blowing-up flow, or noisy gradients)"
        ))
    }
}

impl Optimizer for GradientFlow {
    fn step(&mut self, x: &mut DVector<f64>, oracle: &mut Oracle) -> StepInfo {
        let dim = x.len();
        for buffer in
            self.stages
                .iter_mut()
                .chain([&mut self.point, &mut self.next, &mut self.cached_at])
        {
            ensure_len(buffer, dim);
        }
        // FSAL across optiviz steps: k₇ of the last step is −∇f at this x, unless the iterate was
        // moved from outside or the oracle's gradients change from step to step.
        let loss = if self.has_cache && !oracle.is_stochastic() && self.cached_at == *x {
            self.cached_loss
        } else {
            velocity(oracle, x, &mut self.stages[0])
        };
        self.has_cache = false;
        self.explained.moved = false;
        if !self.stages[0].iter().all(|v| v.is_finite()) {
            return StepInfo {
                loss,
                outcome: StepOutcome::Failed(
                    "gradient flow: the gradient is not finite at the iterate".to_owned(),
                ),
            };
        }
        if !(self.h > 0.0 && self.h.is_finite()) {
            self.h = self.starting_step(x, oracle);
        }
        let explained = &mut self.explained;
        ensure_len(&mut explained.gradient, dim);
        ensure_len(&mut explained.start, dim);
        explained.gradient.copy_from(&self.stages[0]);
        explained.gradient.neg_mut();
        explained.start.copy_from(x);
        (explained.moved, explained.dt, explained.attempts) = (false, self.config.dt, 0);
        match self.advance(x, oracle) {
            Ok(end_loss) => {
                self.explained.moved = true;
                self.cached_at.copy_from(x);
                self.cached_loss = end_loss;
                self.has_cache = !oracle.is_stochastic();
                StepInfo::proceed(loss)
            }
            Err(reason) => StepInfo {
                loss,
                outcome: StepOutcome::Failed(reason),
            },
        }
    }

    crate::optim::config_edits!(set_config);

    fn set_lr(&mut self, lr: f64) {
        self.config.dt = lr;
    }

    fn reset(&mut self) {
        self.h = 0.0;
        self.has_cache = false;
        self.explained.moved = false;
    }

    fn explain(&self) -> Vec<Quantity> {
        let e = &self.explained;
        crate::optim::explain_once_stepped(e.moved, || {
            let dt = e.dt;
            let flow: Vec<f64> = self
                .cached_at
                .iter()
                .zip(e.start.iter())
                .map(|(end, start)| end - start)
                .collect();
            crate::optim::quantities![
                vector "gₜ" = "∇f(xₜ₋₁), the flow's initial velocity −gₜ" => e.gradient.as_slice(),
                scalar "dt" = "the time advanced per step" => dt,
                scalar "RK steps" = "Dormand–Prince steps tried within dt (6 gradients each)"
                    => e.attempts as f64,
                vector "flow − Euler" =
                    "x(t + dt) − (xₜ₋₁ − dt·gₜ): what one gradient step of size dt misses"
                    => &flow
                        .iter()
                        .zip(e.gradient.iter())
                        .map(|(f, g)| f + dt * g)
                        .collect::<Vec<_>>(),
                arrow Gradient "−dt·gₜ" =
                    "gradient descent with lr = dt: the flow's forward-Euler step"
                    => e.gradient.iter().map(|g| -dt * g),
                arrow Preconditioned "−∫ₜ^{t+dt} ∇f(x(s)) ds" =
                    "the flow's own displacement over dt"
                    => flow,
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::optim::OptimizerConfig;
    use crate::optim::test_support::oracle_for;
    use std::sync::Arc;

    use nalgebra::{Matrix2, Vector2};

    use super::*;
    use crate::validate::Checker;

    use crate::landscape::{Landscape, LandscapeObjective, Quadratic, Rosenbrock};
    use crate::objective::GradientModel;
    use crate::optim::SgdConfig;

    fn rotated() -> Quadratic {
        Quadratic {
            lambda1: 1.0,
            lambda2: 10.0,
            angle_deg: 30.0,
        }
    }

    /// x(t) = exp(−At)x₀ = R diag(e^{−λ₁t}, e^{−λ₂t}) Rᵀ x₀.
    fn exact_flow(quadratic: &Quadratic, start: Vector2<f64>, t: f64) -> Vector2<f64> {
        let (s, c) = quadratic.angle_deg.to_radians().sin_cos();
        let r = Matrix2::new(c, -s, s, c);
        let decay = Matrix2::new(
            (-quadratic.lambda1 * t).exp(),
            0.0,
            0.0,
            (-quadratic.lambda2 * t).exp(),
        );
        r * decay * r.transpose() * start
    }

    #[test]
    fn the_tableau_is_consistent() {
        let c = [1.0 / 5.0, 3.0 / 10.0, 4.0 / 5.0, 8.0 / 9.0, 1.0, 1.0];
        for (row, ci) in A.iter().zip(c) {
            assert!((row.iter().sum::<f64>() - ci).abs() < 1e-14);
        }
        assert!((A[5].iter().sum::<f64>() - 1.0).abs() < 1e-14);
        assert!(E.iter().sum::<f64>().abs() < 1e-16);
    }

    #[test]
    fn matches_the_exact_flow_on_a_rotated_quadratic() {
        let quadratic = rotated();
        // The rotation the landscape uses must be the one the exact solution assumes.
        let a = quadratic.hessian([0.0, 0.0]);
        let start = Vector2::new(1.0, -0.5);
        let dt = 0.05;
        let mut optimizer = GradientFlowConfig { dt }.build(2);
        let mut oracle = oracle_for(Arc::new(quadratic.clone()));
        let mut x = DVector::from_vec(vec![start[0], start[1]]);
        for k in 1..=100 {
            let info = optimizer.step(&mut x, &mut oracle);
            assert_eq!(info.outcome, StepOutcome::Continue);
            let expected = exact_flow(&quadratic, start, k as f64 * dt);
            assert!(
                (x[0] - expected[0]).abs() < 1e-9 && (x[1] - expected[1]).abs() < 1e-9,
                "t = {}: {x:?} vs {expected:?}",
                k as f64 * dt
            );
        }
        // Sanity of the closed form against the Hessian: Ax₀ is −dx/dt at t = 0.
        let h = 1e-6;
        let velocity = (exact_flow(&quadratic, start, h) - start) / h;
        let a_start = Vector2::new(
            a[0][0] * start[0] + a[0][1] * start[1],
            a[1][0] * start[0] + a[1][1] * start[1],
        );
        assert!((velocity + a_start).norm() < 1e-4);
    }

    #[test]
    fn gradient_descent_approaches_the_flow_as_lr_shrinks() {
        // At T = 1 the GD error is O(lr): it falls about tenfold with each tenfold smaller lr.
        let quadratic = rotated();
        let start = Vector2::new(1.0, -0.5);
        let exact = exact_flow(&quadratic, start, 1.0);
        let mut errors = Vec::new();
        for (lr, steps) in [(0.1, 10), (0.01, 100), (0.001, 1000)] {
            let mut gd = OptimizerConfig::Sgd(SgdConfig {
                lr,
                ..SgdConfig::default()
            })
            .build(2);
            let mut flow = GradientFlowConfig { dt: lr }.build(2);
            let mut gd_oracle = oracle_for(Arc::new(quadratic.clone()));
            let mut flow_oracle = oracle_for(Arc::new(quadratic.clone()));
            let mut x = DVector::from_vec(vec![start[0], start[1]]);
            let mut y = x.clone();
            for _ in 0..steps {
                gd.step(&mut x, &mut gd_oracle);
                flow.step(&mut y, &mut flow_oracle);
            }
            assert!((y[0] - exact[0]).abs() < 1e-9 && (y[1] - exact[1]).abs() < 1e-9);
            errors.push((&x - &y).norm());
        }
        for w in errors.windows(2) {
            let ratio = w[0] / w[1];
            assert!((7.0..13.0).contains(&ratio), "{errors:?}");
        }
    }

    #[test]
    fn the_loss_never_increases_along_the_flow_on_rosenbrock() {
        let mut optimizer = GradientFlowConfig { dt: 0.05 }.build(2);
        let mut oracle = oracle_for(Arc::new(Rosenbrock::default()));
        let mut x = DVector::from_vec(vec![-1.5, 2.0]);
        let mut previous = f64::INFINITY;
        for _ in 0..400 {
            let info = optimizer.step(&mut x, &mut oracle);
            assert_eq!(info.outcome, StepOutcome::Continue);
            assert!(info.loss <= previous, "{} > {previous}", info.loss);
            previous = info.loss;
        }
        assert!(oracle.value(&x) < 1e-2, "{x:?}");
    }

    #[test]
    fn stiffness_costs_evaluations_not_accuracy() {
        // λ₂ = 1000: an explicit method needs h ≲ 3.3/λ₂ for stability, so each dt = 0.1 takes
        // dozens of internal steps, while GD with lr = 0.1 would diverge (lr·λ₂ = 100 > 2).
        let quadratic = Quadratic::axis_aligned(1.0, 1000.0);
        let start = Vector2::new(1.0, 1.0);
        let mut optimizer = GradientFlowConfig { dt: 0.1 }.build(2);
        let mut oracle = oracle_for(Arc::new(quadratic.clone()));
        let mut x = DVector::from_vec(vec![1.0, 1.0]);
        for _ in 0..10 {
            optimizer.step(&mut x, &mut oracle);
        }
        let expected = exact_flow(&quadratic, start, 1.0);
        assert!(
            (x[0] - expected[0]).abs() < 1e-9 && x[1].abs() < 1e-9,
            "{x:?}"
        );
        assert!(oracle.counts().gradients > 6 * 100);
    }

    #[test]
    fn a_flow_that_blows_up_fails_instead_of_hanging() {
        // f = ½(x² − 4y²) has dx/dt = (−x, 4y): y grows like e^{4t}, x(t) stays finite; the flow
        // only fails when the iterate overflows, so use a huge dt.
        let saddle = Quadratic {
            lambda1: 1.0,
            lambda2: -4.0,
            angle_deg: 0.0,
        };
        let mut optimizer = GradientFlowConfig { dt: 1e6 }.build(2);
        let mut oracle = oracle_for(Arc::new(saddle));
        let mut x = DVector::from_vec(vec![1.0, 1.0]);
        let info = optimizer.step(&mut x, &mut oracle);
        assert!(
            matches!(info.outcome, StepOutcome::Failed(_)),
            "{:?}",
            info.outcome
        );
        assert!(x.iter().all(|v| v.is_finite()));
    }

    #[test]
    fn noisy_gradients_make_it_fail_rather_than_pretend() {
        let mut optimizer = GradientFlowConfig::default().build(2);
        let mut oracle = Oracle::new(
            Arc::new(LandscapeObjective::new(Arc::new(rotated()))),
            GradientModel {
                noise_sigma: 0.1,
                ..GradientModel::default()
            },
            0,
        );
        let mut x = DVector::from_vec(vec![1.0, -0.5]);
        let info = optimizer.step(&mut x, &mut oracle);
        let StepOutcome::Failed(reason) = info.outcome else {
            panic!("{:?}", info.outcome);
        };
        assert!(reason.contains("noisy gradients"), "{reason}");
        assert!(x.iter().all(|v| v.is_finite()));
    }

    #[test]
    fn counts_six_gradients_per_internal_step_and_reuses_the_last_stage() {
        let mut optimizer = GradientFlowConfig { dt: 0.01 }.build(2);
        let mut oracle = oracle_for(Arc::new(rotated()));
        let mut x = DVector::from_vec(vec![1.0, -0.5]);
        optimizer.step(&mut x, &mut oracle);
        let first = oracle.counts().gradients;
        // k₁ at x₀ and the starting-step probe, then 6 per internal step.
        assert_eq!((first - 2) % 6, 0, "{first}");
        optimizer.step(&mut x, &mut oracle);
        let second = oracle.counts().gradients - first;
        assert_eq!(second % 6, 0, "{second}");
    }

    #[test]
    fn validation_and_live_edits() {
        let mut checker = Checker::new();
        GradientFlowConfig { dt: 0.0 }.validate(&mut checker);
        assert_eq!(checker.found.len(), 1);
        assert_eq!(checker.found[0].path, "dt");

        // Changing dt live continues the same flow: x(0.05) then x(0.05 + 0.1).
        let quadratic = rotated();
        let start = Vector2::new(1.0, -0.5);
        let mut optimizer = GradientFlowConfig { dt: 0.05 }.build(2);
        let mut oracle = oracle_for(Arc::new(quadratic.clone()));
        let mut x = DVector::from_vec(vec![start[0], start[1]]);
        optimizer.step(&mut x, &mut oracle);
        assert!(
            optimizer.set_config(&OptimizerConfig::GradientFlow(GradientFlowConfig {
                dt: 0.1
            }))
        );
        optimizer.step(&mut x, &mut oracle);
        let expected = exact_flow(&quadratic, start, 0.15);
        assert!((x[0] - expected[0]).abs() < 1e-9 && (x[1] - expected[1]).abs() < 1e-9);
        // set_lr is dt; reset forgets the cached stage (one more gradient at x).
        optimizer.set_lr(0.05);
        optimizer.reset();
        let before = oracle.counts().gradients;
        optimizer.step(&mut x, &mut oracle);
        assert_eq!((oracle.counts().gradients - before - 2) % 6, 0);
        let expected = exact_flow(&quadratic, start, 0.2);
        assert!((x[0] - expected[0]).abs() < 1e-9 && (x[1] - expected[1]).abs() < 1e-9);
        assert!(!optimizer.set_config(&OptimizerConfig::default()));
    }
}
