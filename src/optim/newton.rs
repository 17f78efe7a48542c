//! Newton's method: step to the minimizer of the local quadratic model, with optional safeguards
//! for Hessians that are not positive definite.
//!
//! With g = ∇f(x) and H = ∇²f(x) = Q Λ Qᵀ (Λ = diag(λᵢ), Q orthogonal), one step is
//!
//! ```text
//! λ̃ᵢ ← λᵢ          safeguard None    (pure Newton)
//! λ̃ᵢ ← |λᵢ|        safeguard AbsEig  (saddle-free Newton)
//! λ̃ᵢ ← λᵢ + μ      safeguard Shift   (H + μI, Levenberg–Marquardt-style damping)
//! d ← Q diag(1/λ̃ᵢ) Qᵀ g
//! x ← x − lr · d
//! ```
//!
//! With lr = 1 and no safeguard this is x ← x − H⁻¹∇f: it minimizes a strictly convex quadratic in
//! one step and converges quadratically near a minimizer with a positive definite Hessian. But pure
//! Newton looks for a point where the gradient of the quadratic model vanishes, not for a minimum:
//! where H is indefinite or negative definite it steps *towards* saddle points and maxima just as
//! eagerly (on x² − y² it jumps onto the saddle in one step). That Newton's method is a root finder
//! for ∇f = 0, attracted to every stationary point, is a lesson in itself; it is why second-order
//! methods for deep learning need safeguards. `AbsEig` replaces each eigenvalue by its absolute
//! value, which keeps Newton's scaling but turns every negative-curvature direction into one of
//! descent, so the method flees saddles (the saddle-free Newton method of Dauphin et al. 2014).
//! `Shift(mu)` adds μ to every eigenvalue: for μ > −λmin the system is positive definite and the
//! step is a descent direction, and a large μ turns the step into gradient descent with step lr/μ;
//! if μ is too small to overcome the negative curvature, the damped step is still drawn to saddles.
//!
//! The eigen-decomposition is exact in closed form in 2D (a Jacobi rotation), with no allocation;
//! for other dimensions it is nalgebra's `SymmetricEigen`, which allocates its result each step,
//! as does the owned Hessian the objective returns. The step is taken with the (minibatch) gradient
//! and the full Hessian.
//!
//! A system that is numerically singular, where some |λ̃ᵢ| ≤ n·ε·maxⱼ|λ̃ⱼ| (the rank cutoff of
//! LAPACK and numpy), or a step that is not finite, ends the run with `StepOutcome::Failed`
//! naming the point and the offending eigenvalue (x is left unchanged); so does a problem that
//! provides no Hessian. On `LineOfMinima` (eigenvalues 0 and 5) and `Abs` (zero Hessian) pure
//! Newton fails at once; `Shift` with μ > 0 makes both solvable.
//!
//! Defaults: lr = 1 (the pure Newton step), safeguard = None. Validation: lr > 0, and for `Shift`
//! μ finite and ≥ 0. RON: `Newton(lr: 1.0, safeguard: None)`, `Newton(safeguard: AbsEig)`,
//! `Newton(safeguard: Shift(mu: 0.1))`. Choosing `Shift` from the UI starts at μ = 1.
//!
//! References: J. Nocedal & S. J. Wright, *Numerical Optimization* (2nd ed., 2006), §3.3 (Newton's
//! method and its quadratic convergence) and §3.4 (Newton's method with Hessian modification,
//! eigenvalue modification and shifts H + τI); S. Boyd & L. Vandenberghe, *Convex Optimization*
//! (2004), §9.5 (the Newton step, affine invariance); Y. N. Dauphin, R. Pascanu, C. Gulcehre,
//! K. Cho, S. Ganguli & Y. Bengio, "Identifying and attacking the saddle point problem in
//! high-dimensional non-convex optimization", NeurIPS 2014 (saddle-free Newton, |H|);
//! K. Levenberg (1944) and D. W. Marquardt (1963) for the damping H + μI.

use nalgebra::{DMatrix, DVector};
use serde::{Deserialize, Serialize};

use super::buffers::ensure_lens;
use super::{HyperChoice, Optimizer, OptimizerSpec, Quantity, StepInfo, StepOutcome, ensure_len};
use crate::hyper::{Hypers, hyper_table};
use crate::objective::Oracle;
use crate::validate::Checker;

/// The damping μ a `Shift` safeguard starts with when it is chosen from the UI.
pub const DEFAULT_SHIFT_MU: f64 = 1.0;

/// How Newton's method treats a Hessian that is not positive definite.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub enum Safeguard {
    /// Pure Newton, H⁻¹∇f: attracted to every stationary point, saddles and maxima included.
    #[default]
    None,
    /// Saddle-free Newton, |H|⁻¹∇f: every eigenvalue replaced by its absolute value.
    AbsEig,
    /// Damped Newton, (H + μI)⁻¹∇f: every eigenvalue shifted by μ.
    Shift {
        /// The shift μ ≥ 0 (large μ: gradient descent with step lr/μ).
        mu: f64,
    },
}

impl HyperChoice for Safeguard {
    fn choice_name(&self) -> &'static str {
        self.name()
    }

    fn with_choice(&self, name: &str) -> Option<Self> {
        match (name, *self) {
            ("None", _) => Some(Safeguard::None),
            ("AbsEig", _) => Some(Safeguard::AbsEig),
            // Re-choosing Shift keeps the current μ.
            ("Shift", Safeguard::Shift { mu }) => Some(Safeguard::Shift { mu }),
            ("Shift", _) => Some(Safeguard::Shift {
                mu: DEFAULT_SHIFT_MU,
            }),
            _ => None,
        }
    }
}

impl Safeguard {
    /// The names the UI's choice widget shows, one per variant.
    pub const NAMES: &'static [&'static str] = &["None", "AbsEig", "Shift"];

    /// This variant's name, as in [`Safeguard::NAMES`] and RON.
    pub fn name(&self) -> &'static str {
        match self {
            Safeguard::None => "None",
            Safeguard::AbsEig => "AbsEig",
            Safeguard::Shift { .. } => "Shift",
        }
    }

    /// The eigenvalue λ̃ the safeguard puts in place of the Hessian's eigenvalue λ.
    pub fn modify(&self, lambda: f64) -> f64 {
        match *self {
            Safeguard::None => lambda,
            Safeguard::AbsEig => lambda.abs(),
            Safeguard::Shift { mu } => lambda + mu,
        }
    }

    /// The matrix whose inverse the step applies, for messages.
    fn system(&self) -> &'static str {
        match self {
            Safeguard::None => "Hessian",
            Safeguard::AbsEig => "|Hessian|",
            Safeguard::Shift { .. } => "H + μI",
        }
    }
}

/// Hyperparameters of Newton's method.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NewtonConfig {
    /// Step length along the Newton direction (1 = the pure Newton step).
    pub lr: f64,
    /// What to do with negative or zero curvature.
    pub safeguard: Safeguard,
}

hyper_table! {
    NewtonConfig, owner: Self::DISPLAY_NAME, defaults { safeguard: Safeguard::None };
    lr = 1.0: log_float(1e-3, 2.0) where positive,
        "x ← x − lr·H⁻¹∇f (lr = 1: the pure Newton step)";
    safeguard: choice(Safeguard::NAMES),
        "None: H⁻¹∇f, drawn to saddles and maxima; AbsEig: |H|⁻¹∇f, saddle-free; \
         Shift: (H + μI)⁻¹∇f, damped";
    mu as "safeguard.mu" if let Safeguard::Shift { mu } = safeguard: log_float(1e-4, 100.0),
        "x ← x − lr·(H + μI)⁻¹∇f: large μ gives gradient descent with step lr/μ";
}

impl OptimizerSpec for NewtonConfig {
    crate::optim::spec_names! {
        "Newton":
        "Newton's method x ← x − lr·H⁻¹∇f, pure (drawn to saddles), saddle-free |H| or damped H + μI"
    }

    fn validate(&self, checker: &mut Checker) {
        self.validate_rows(checker);
        if let Safeguard::Shift { mu } = self.safeguard {
            checker.non_negative("safeguard.mu", mu);
        }
    }

    crate::optim::no_stability_threshold!(CurvatureScaled);

    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        Box::new(Newton {
            config: self.clone(),
            grad: DVector::zeros(dim),
            eigenvalues: DVector::zeros(dim),
            eigenvectors: DMatrix::zeros(dim, dim),
            coefficients: DVector::zeros(dim),
            direction: DVector::zeros(dim),
            explained: false,
            explained_lr: 0.0,
            explained_hessian: DMatrix::zeros(dim, dim),
            explained_eigenvalues: DVector::zeros(dim),
        })
    }
}

/// Newton's method. It has no state between steps; the buffers are scratch space allocated once.
pub struct Newton {
    config: NewtonConfig,
    grad: DVector<f64>,
    /// The modified eigenvalues λ̃ (after [`Newton::decompose`], the Hessian's own).
    eigenvalues: DVector<f64>,
    /// Q, the Hessian's orthonormal eigenvectors as columns.
    eigenvectors: DMatrix<f64>,
    /// Qᵀg, then diag(1/λ̃) Qᵀg.
    coefficients: DVector<f64>,
    /// The Newton direction d = Q diag(1/λ̃) Qᵀ g.
    direction: DVector<f64>,
    /// Whether the latest step moved (a failed step explains nothing), and its lr.
    explained: bool,
    explained_lr: f64,
    /// The latest step's Hessian and its eigenvalues before the safeguard, copied for
    /// [`Optimizer::explain`] (preallocated: no allocation per step).
    explained_hessian: DMatrix<f64>,
    explained_eigenvalues: DVector<f64>,
}

impl Newton {
    /// Fills `eigenvalues` and `eigenvectors` with the decomposition of the symmetric `hessian`:
    /// in closed form for 2×2 (no allocation), by nalgebra's `SymmetricEigen` otherwise.
    fn decompose(&mut self, hessian: DMatrix<f64>) {
        if hessian.nrows() == 2 {
            let (a, c) = (hessian[(0, 0)], hessian[(1, 1)]);
            let b = 0.5 * (hessian[(0, 1)] + hessian[(1, 0)]);
            // The Jacobi rotation by θ with tan 2θ = 2b/(a − c) diagonalizes [[a, b], [b, c]];
            // b = 0 gives θ = 0 (or π/2 when a < c, which only swaps the axes), exactly.
            let theta = 0.5 * (2.0 * b).atan2(a - c);
            let (s, co) = if b == 0.0 {
                (0.0, 1.0)
            } else {
                theta.sin_cos()
            };
            self.eigenvalues[0] = a * co * co + 2.0 * b * s * co + c * s * s;
            self.eigenvalues[1] = a * s * s - 2.0 * b * s * co + c * co * co;
            self.eigenvectors[(0, 0)] = co;
            self.eigenvectors[(1, 0)] = s;
            self.eigenvectors[(0, 1)] = -s;
            self.eigenvectors[(1, 1)] = co;
        } else {
            let eigen = hessian.symmetric_eigen();
            self.eigenvalues.copy_from(&eigen.eigenvalues);
            self.eigenvectors.copy_from(&eigen.eigenvectors);
        }
    }
}

/// "(x₀, x₁)" or "(x₀, x₁, …)": where a step failed, for the message.
fn describe_point(x: &DVector<f64>) -> String {
    let shown: Vec<String> = x.iter().take(2).map(|v| format!("{v:.4}")).collect();
    let more = if x.len() > 2 { ", …" } else { "" };
    format!("({}{more})", shown.join(", "))
}

/// A step that leaves x where it is and ends the run.
fn failed(loss: f64, reason: String) -> StepInfo {
    StepInfo {
        loss,
        outcome: StepOutcome::Failed(reason),
    }
}

impl Optimizer for Newton {
    fn step(&mut self, x: &mut DVector<f64>, oracle: &mut Oracle) -> StepInfo {
        let NewtonConfig { lr, safeguard } = self.config;
        let dim = x.len();
        ensure_lens(
            dim,
            [
                &mut self.grad,
                &mut self.eigenvalues,
                &mut self.coefficients,
                &mut self.direction,
            ],
        );
        if self.eigenvectors.shape() != (dim, dim) {
            self.eigenvectors = DMatrix::zeros(dim, dim);
        }
        self.explained = false;
        let loss = oracle.value_and_grad(x, &mut self.grad);
        let Some(hessian) = oracle.hessian(x) else {
            return failed(
                loss,
                "Newton's method needs the Hessian ∇²f, which this problem does not provide"
                    .to_owned(),
            );
        };
        if hessian.shape() != (dim, dim) {
            return failed(
                loss,
                format!(
                    "the Hessian is {}×{} but the problem has {dim} parameters",
                    hessian.nrows(),
                    hessian.ncols()
                ),
            );
        }
        if !hessian.iter().all(|h| h.is_finite()) {
            return failed(
                loss,
                format!("the Hessian at {} is not finite", describe_point(x)),
            );
        }
        if self.explained_hessian.shape() != (dim, dim) {
            self.explained_hessian = DMatrix::zeros(dim, dim);
        }
        self.explained_hessian.copy_from(&hessian);
        self.decompose(hessian);
        ensure_len(&mut self.explained_eigenvalues, dim);
        self.explained_eigenvalues.copy_from(&self.eigenvalues);
        for lambda in self.eigenvalues.iter_mut() {
            *lambda = safeguard.modify(*lambda);
        }
        // numpy's / LAPACK's rank cutoff: eigenvalues this small relative to the largest carry no
        // information, and dividing by them would send x far along an arbitrary direction.
        let scale = self.eigenvalues.iter().fold(0.0_f64, |m, l| m.max(l.abs()));
        let cutoff = dim as f64 * f64::EPSILON * scale;
        let smallest = self
            .eigenvalues
            .iter()
            .copied()
            .min_by(|a, b| a.abs().total_cmp(&b.abs()));
        if let Some(lambda) = smallest.filter(|l| l.abs() <= cutoff || l.is_nan()) {
            return failed(
                loss,
                format!(
                    "singular {} at {}: λ = {lambda:.3e}",
                    safeguard.system(),
                    describe_point(x)
                ),
            );
        }
        self.eigenvectors
            .tr_mul_to(&self.grad, &mut self.coefficients);
        self.coefficients.component_div_assign(&self.eigenvalues);
        self.eigenvectors
            .mul_to(&self.coefficients, &mut self.direction);
        if !self.direction.iter().all(|d| d.is_finite()) {
            return failed(
                loss,
                format!("the Newton step at {} is not finite", describe_point(x)),
            );
        }
        x.axpy(-lr, &self.direction, 1.0);
        self.explained = true;
        self.explained_lr = lr;
        StepInfo::proceed(loss)
    }

    crate::optim::config_edits!();

    fn reset(&mut self) {
        // Nothing carries over between steps: the buffers are overwritten before they are read.
        self.explained = false;
    }

    fn explain(&self) -> Vec<Quantity> {
        crate::optim::explain_once_stepped(self.explained, || {
            let lr = self.explained_lr;
            let h = &self.explained_hessian;
            let mut quantities = crate::optim::quantities![
                vector "g" = "∇f(x)" => self.grad.as_slice(),
            ];
            if h.shape() == (2, 2) {
                quantities.extend(crate::optim::quantities![
                    scalar "H₁₁" = "∂²f/∂x₁²" => h[(0, 0)],
                    scalar "H₁₂" = "∂²f/∂x₁∂x₂" => h[(0, 1)],
                    scalar "H₂₂" = "∂²f/∂x₂²" => h[(1, 1)],
                ]);
            } else {
                quantities.push(Quantity::vector(
                    "diag H",
                    "the Hessian's diagonal ∂²f/∂xᵢ²",
                    h.diagonal().as_slice(),
                ));
            }
            quantities.extend(crate::optim::quantities![
                vector "λᵢ" = "the eigenvalues of H" => self.explained_eigenvalues.as_slice(),
                vector "λ̃ᵢ" = "λᵢ (None), |λᵢ| (AbsEig) or λᵢ + μ (Shift)"
                    => self.eigenvalues.as_slice(),
                vector "d" = "Q diag(1/λ̃ᵢ) Qᵀ g = H̃⁻¹g" => self.direction.as_slice(),
                scalar "lr" = "step size (1 = the pure Newton step)" => lr,
                arrow Gradient "−lr·g" = "where gradient descent with the same lr would go"
                    => self.grad.iter().map(|g| -lr * g),
                arrow Preconditioned "−lr·H̃⁻¹g" =
                    "the Newton step: to the quadratic model's stationary point when lr = 1"
                    => self.direction.iter().map(|d| -lr * d),
            ]);
            quantities
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::optim::OptimizerConfig;
    use std::sync::Arc;

    use super::*;
    use crate::hyper::{HyperValue, Hypers};

    use crate::landscape::{
        Abs, Landscape, LandscapeObjective, LineOfMinima, Quadratic, Rosenbrock, Saddle,
    };
    use crate::objective::GradientModel;
    use crate::optim::test_support::oracle_on as oracle;

    fn newton(lr: f64, safeguard: Safeguard) -> Box<dyn Optimizer> {
        NewtonConfig { lr, safeguard }.build(2)
    }

    #[test]
    fn reaches_the_minimum_of_a_quadratic_in_one_step() {
        for angle_deg in [0.0, 30.0, 75.0] {
            let mut oracle = oracle(Quadratic {
                lambda1: 1.0,
                lambda2: 100.0,
                angle_deg,
            });
            let mut x = DVector::from_vec(vec![1.0, -0.7]);
            let info = newton(1.0, Safeguard::None).step(&mut x, &mut oracle);
            assert_eq!(info.outcome, StepOutcome::Continue);
            assert!(x.norm() < 1e-14, "angle {angle_deg}: {x:?}");
            assert_eq!(oracle.counts().hessians, 1);
        }
    }

    #[test]
    fn one_hand_computed_step_on_rosenbrock() {
        // At (−1.2, 1): g = (−2·2.2 − 4·100·(−1.2)·(1 − 1.44), 200·(1 − 1.44)) = (−215.6, −88),
        // H = [[2 − 400·(−0.44) + 800·1.44, 480], [480, 200]] = [[1330, 480], [480, 200]],
        // det H = 266000 − 230400 = 35600,
        // H⁻¹g = [[200, −480], [−480, 1330]]·(−215.6, −88)/35600 = (−880, −13552)/35600
        //      = (−11/445, −847/2225), so x₁ = (−1.2 + 11/445, 1 + 847/2225) = (−523/445, 3072/2225).
        let mut oracle = oracle(Rosenbrock::default());
        let mut x = DVector::from_vec(vec![-1.2, 1.0]);
        let info = newton(1.0, Safeguard::None).step(&mut x, &mut oracle);
        assert!((info.loss - 24.2).abs() < 1e-12);
        assert!((x[0] - -523.0 / 445.0).abs() < 1e-14, "{}", x[0]);
        assert!((x[1] - 3072.0 / 2225.0).abs() < 1e-14, "{}", x[1]);
    }

    #[test]
    fn pure_newton_solves_rosenbrock_from_the_classical_start() {
        let mut oracle = oracle(Rosenbrock::default());
        let mut optimizer = newton(1.0, Safeguard::None);
        let mut x = DVector::from_vec(vec![-1.2, 1.0]);
        for _ in 0..8 {
            assert_eq!(
                optimizer.step(&mut x, &mut oracle).outcome,
                StepOutcome::Continue
            );
        }
        assert!(
            (x[0] - 1.0).abs() < 1e-12 && (x[1] - 1.0).abs() < 1e-12,
            "{x:?}"
        );
    }

    #[test]
    fn pure_newton_jumps_onto_the_saddle_and_saddle_free_newton_flees_it() {
        // f = x² − y², H = diag(2, −2): H⁻¹∇f = (x, y), so x₁ = 0 exactly.
        let mut oracle = oracle(Saddle {});
        let mut x = DVector::from_vec(vec![1.5, 0.01]);
        newton(1.0, Safeguard::None).step(&mut x, &mut oracle);
        assert_eq!((x[0], x[1]), (0.0, 0.0));
        // |H| = diag(2, 2): |H|⁻¹∇f = (x, −y), so x → 0 and y doubles every step.
        let mut optimizer = newton(1.0, Safeguard::AbsEig);
        let mut x = DVector::from_vec(vec![1.5, 0.01]);
        for k in 1..=5 {
            optimizer.step(&mut x, &mut oracle);
            assert_eq!(x[0], 0.0);
            assert!(
                (x[1] - 0.01 * 2f64.powi(k)).abs() < 1e-15,
                "step {k}: {x:?}"
            );
        }
        // A shift too small to overcome λ = −2 is still drawn to the saddle, a large one is not:
        // y ← y − (−2y)/(−2 + μ) = y·μ/(μ − 2).
        for (mu, factor) in [(1.0, -1.0), (4.0, 2.0)] {
            let mut x = DVector::from_vec(vec![0.0, 0.01]);
            newton(1.0, Safeguard::Shift { mu }).step(&mut x, &mut oracle);
            assert!((x[1] - 0.01 * factor).abs() < 1e-15, "μ = {mu}: {x:?}");
        }
    }

    #[test]
    fn the_shift_damps_the_step_by_mu_over_lambda_plus_mu() {
        // f = ½(x² + 4y²): (H + μI)⁻¹∇f = (x/(1 + μ), 4y/(4 + μ)), so with μ = 1 and lr = 0.5 from
        // (1, 1): x₁ = (1 − 0.5·0.5, 1 − 0.5·0.8) = (0.75, 0.6).
        let mut oracle = oracle(Quadratic::axis_aligned(1.0, 4.0));
        let mut x = DVector::from_vec(vec![1.0, 1.0]);
        let mut optimizer = newton(0.5, Safeguard::Shift { mu: 1.0 });
        optimizer.step(&mut x, &mut oracle);
        assert!(
            (x[0] - 0.75).abs() < 1e-15 && (x[1] - 0.6).abs() < 1e-15,
            "{x:?}"
        );
        // A second step: x₂ = (0.75·0.75, 0.6·0.6).
        optimizer.step(&mut x, &mut oracle);
        assert!((x[0] - 0.5625).abs() < 1e-15 && (x[1] - 0.36).abs() < 1e-15);
        // Large μ: gradient descent with step lr/μ.
        let mut x = DVector::from_vec(vec![1.0, 1.0]);
        newton(1.0, Safeguard::Shift { mu: 1e8 }).step(&mut x, &mut oracle);
        assert!((x[0] - (1.0 - 1e-8)).abs() < 1e-14 && (x[1] - (1.0 - 4e-8)).abs() < 1e-14);
    }

    #[test]
    fn a_singular_hessian_fails_without_moving() {
        for (landscape, safeguard) in [
            (
                Box::new(LineOfMinima {}) as Box<dyn Landscape>,
                Safeguard::None,
            ),
            (Box::new(LineOfMinima {}), Safeguard::AbsEig),
            (Box::new(Abs::default()), Safeguard::None),
            (Box::new(Abs::default()), Safeguard::Shift { mu: 0.0 }),
        ] {
            let mut oracle = Oracle::new(
                Arc::new(LandscapeObjective::new(Arc::from(landscape))),
                GradientModel::default(),
                0,
            );
            let mut x = DVector::from_vec(vec![0.5, 0.25]);
            let info = newton(1.0, safeguard).step(&mut x, &mut oracle);
            let StepOutcome::Failed(reason) = info.outcome else {
                panic!("{safeguard:?}: expected a failure");
            };
            assert!(reason.starts_with("singular"), "{reason}");
            assert!(reason.contains("(0.5000, 0.2500)"), "{reason}");
            assert_eq!((x[0], x[1]), (0.5, 0.25));
        }
        // Damping makes the line of minima solvable: the step lands on the line.
        let mut oracle = oracle(LineOfMinima {});
        let mut x = DVector::from_vec(vec![0.0, 0.0]);
        let mut optimizer = newton(1.0, Safeguard::Shift { mu: 1e-3 });
        for _ in 0..5 {
            optimizer.step(&mut x, &mut oracle);
        }
        assert!((x[0] + 2.0 * x[1] - 2.0).abs() < 1e-12, "{x:?}");
    }

    #[test]
    fn no_hessian_is_a_failure_with_a_reason() {
        struct NoHessian;
        impl crate::objective::Objective for NoHessian {
            fn dim(&self) -> usize {
                2
            }
            fn value(&self, x: &DVector<f64>) -> f64 {
                x.norm_squared()
            }
            fn value_and_grad(&self, x: &DVector<f64>, grad: &mut DVector<f64>) -> f64 {
                grad.copy_from(&(2.0 * x));
                x.norm_squared()
            }
        }
        let mut oracle = Oracle::new(Arc::new(NoHessian), GradientModel::default(), 0);
        let mut x = DVector::from_vec(vec![1.0, 1.0]);
        let info = newton(1.0, Safeguard::None).step(&mut x, &mut oracle);
        assert_eq!(info.loss, 2.0);
        assert!(matches!(info.outcome, StepOutcome::Failed(r) if r.contains("needs the Hessian")));
    }

    #[test]
    fn other_dimensions_use_the_general_eigensolver() {
        // f = ½ Σ cᵢ xᵢ² + small couplings in 3D: one Newton step lands on 0.
        struct Quadratic3;
        impl crate::objective::Objective for Quadratic3 {
            fn dim(&self) -> usize {
                3
            }
            fn value(&self, x: &DVector<f64>) -> f64 {
                0.5 * x.dot(&(Self::matrix() * x))
            }
            fn value_and_grad(&self, x: &DVector<f64>, grad: &mut DVector<f64>) -> f64 {
                grad.copy_from(&(Self::matrix() * x));
                self.value(x)
            }
            fn hessian(&self, _x: &DVector<f64>) -> Option<DMatrix<f64>> {
                Some(Self::matrix())
            }
        }
        impl Quadratic3 {
            fn matrix() -> DMatrix<f64> {
                DMatrix::from_row_slice(3, 3, &[4.0, 1.0, 0.0, 1.0, 3.0, 0.5, 0.0, 0.5, -2.0])
            }
        }
        let mut oracle = Oracle::new(Arc::new(Quadratic3), GradientModel::default(), 0);
        let mut x = DVector::from_vec(vec![1.0, -2.0, 0.5]);
        let info = NewtonConfig::default().build(3).step(&mut x, &mut oracle);
        assert_eq!(info.outcome, StepOutcome::Continue);
        assert!(x.norm() < 1e-14, "{x:?}");
    }

    #[test]
    fn validation_and_hypers() {
        let paths = crate::optim::test_support::validation_paths(&NewtonConfig {
            lr: 0.0,
            safeguard: Safeguard::Shift { mu: -1.0 },
        });
        assert_eq!(paths, ["lr", "safeguard.mu"]);

        let mut config = NewtonConfig::default();
        assert_eq!(config.hypers().len(), 2);
        assert!(
            config
                .set_hyper("safeguard.mu", HyperValue::Float(2.0))
                .is_err()
        );
        config
            .set_hyper("safeguard", HyperValue::Choice("Shift"))
            .unwrap();
        assert_eq!(
            config.safeguard,
            Safeguard::Shift {
                mu: DEFAULT_SHIFT_MU
            }
        );
        config
            .set_hyper("safeguard.mu", HyperValue::Float(2.0))
            .unwrap();
        config
            .set_hyper("safeguard", HyperValue::Choice("Shift"))
            .unwrap();
        assert_eq!(config.safeguard, Safeguard::Shift { mu: 2.0 });
        assert_eq!(config.hypers()[2].name, "safeguard.mu");
        config
            .set_hyper("safeguard", HyperValue::Choice("AbsEig"))
            .unwrap();
        assert_eq!(config.safeguard, Safeguard::AbsEig);
        assert!(
            config
                .set_hyper("safeguard", HyperValue::Choice("Cubic"))
                .is_err()
        );
        assert!(
            config
                .set_hyper("safeguard", HyperValue::Float(1.0))
                .is_err()
        );
    }

    #[test]
    fn safeguards_round_trip_through_ron() {
        for (text, safeguard) in [
            ("Newton(safeguard: None)", Safeguard::None),
            ("Newton(safeguard: AbsEig)", Safeguard::AbsEig),
            (
                "Newton(lr: 0.5, safeguard: Shift(mu: 0.1))",
                Safeguard::Shift { mu: 0.1 },
            ),
            ("Newton()", Safeguard::None),
        ] {
            let OptimizerConfig::Newton(config) =
                crate::optim::test_support::parsed_optimizer(text)
            else {
                panic!("{text}: not Newton");
            };
            assert_eq!(config.safeguard, safeguard, "{text}");
        }
    }

    #[test]
    fn live_edits_take_effect() {
        let mut oracle = oracle(Saddle {});
        let mut optimizer = newton(1.0, Safeguard::None);
        assert!(optimizer.set_config(&OptimizerConfig::Newton(NewtonConfig {
            lr: 0.5,
            safeguard: Safeguard::AbsEig,
        })));
        let mut x = DVector::from_vec(vec![1.0, 1.0]);
        optimizer.step(&mut x, &mut oracle);
        assert_eq!((x[0], x[1]), (0.5, 1.5));
        optimizer.set_lr(1.0);
        optimizer.reset();
        optimizer.step(&mut x, &mut oracle);
        assert_eq!((x[0], x[1]), (0.0, 3.0));
    }
}
