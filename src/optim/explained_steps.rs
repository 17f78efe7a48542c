//! Each method's explanation adds up to its step: after every step, the arrows of the kinds a case
//! names, plus the vectors it names beside them, sum to xₜ − xₜ₋₁ (see
//! [`check_explained_steps`]). One table for all methods, each row with its update rule's split.

use std::sync::Arc;

use crate::landscape::{
    Bilinear, LandscapeObjective, LandscapeSpec, LeastSquares, QuadraticGame, Rosenbrock,
};
use crate::objective::{GradientModel, Oracle};
use crate::optim::test_support::{Shrink, check_explained_steps, oracle_on, quadratic, with_lr};
use crate::optim::*;

/// A method's explained steps: `steps` steps from `start` on `oracle`, whose `parts` arrows and
/// `also` vectors add up to each step.
struct Case {
    config: OptimizerConfig,
    oracle: fn() -> Oracle,
    start: [f64; 2],
    steps: usize,
    parts: &'static [ArrowKind],
    also: &'static [&'static str],
}

/// `steps` steps of `config` on [`quadratic`] from (1, −1), whose `parts` arrows add up to each.
fn case(config: OptimizerConfig, steps: usize, parts: &'static [ArrowKind]) -> Case {
    Case {
        config,
        oracle: quadratic,
        start: [1.0, -1.0],
        steps,
        parts,
        also: &[],
    }
}

impl Case {
    /// The same steps on `oracle` from `start`.
    fn on(self, oracle: fn() -> Oracle, start: [f64; 2]) -> Self {
        Self {
            oracle,
            start,
            ..self
        }
    }

    /// With the vectors named `also` counted besides the arrows.
    fn also(self, also: &'static [&'static str]) -> Self {
        Self { also, ..self }
    }
}

fn rosenbrock() -> Oracle {
    oracle_on(Rosenbrock::default())
}

fn shrink() -> Oracle {
    Oracle::new(Arc::new(Shrink), GradientModel::default(), 0)
}

fn least_squares() -> Oracle {
    let sum = LandscapeObjective::new(LeastSquares::default().build());
    Oracle::new(Arc::new(sum), GradientModel::default(), 0)
}

fn game() -> Oracle {
    oracle_on(QuadraticGame::default())
}

fn bilinear() -> Oracle {
    oracle_on(Bilinear::default())
}

#[test]
fn each_methods_explained_parts_add_up_to_its_steps() {
    use ArrowKind::{Gradient, Momentum, Preconditioned};
    use OptimizerConfig as C;
    let decay = &["−lr·weight_decay·xₜ₋₁"];
    let prox = &["prox_{lr·h}(z) − z"];
    let cases = [
        // Δx = −lr·Δₜ, the Preconditioned arrow alone.
        case(
            C::Adadelta(AdadeltaConfig {
                eps: 1e-3,
                ..AdadeltaConfig::default()
            }),
            4,
            &[Preconditioned],
        ),
        // Δx = (−clr·gₜ)/(√sₜ + eps), the Preconditioned arrow alone.
        case(
            C::Adagrad(AdagradConfig {
                lr: 0.1,
                lr_decay: 0.1,
                ..AdagradConfig::default()
            }),
            4,
            &[Preconditioned],
        ),
        // No weight decay: Δx = (−step_size·mₜ)/denom, the Preconditioned arrow alone.
        case(
            C::Adam(AdamConfig {
                lr: 0.1,
                amsgrad: true,
                ..AdamConfig::default()
            }),
            4,
            &[Preconditioned],
        ),
        // Δx = −lr·weight_decay·xₜ₋₁ (the decoupled decay) + (−step_size·mₜ)/denom.
        case(
            C::AdamW(AdamWConfig {
                lr: 0.1,
                weight_decay: 0.5,
                ..AdamWConfig::default()
            }),
            4,
            &[Preconditioned],
        )
        .also(decay),
        // Δx = (−clr·mₜ)/uₜ, the Preconditioned arrow alone.
        case(C::Adamax(with_lr(0.1)), 4, &[Preconditioned]),
        // Δx = −η·gₜ (the Gradient arrow) + the decay term −lambd·η·xₜ₋₁.
        case(
            C::Asgd(AsgdConfig {
                lr: 0.1,
                lambd: 0.1,
                ..AsgdConfig::default()
            }),
            4,
            &[Gradient],
        )
        .also(&["−lambd·η·xₜ₋₁"]),
        // On Rosenbrock: Δx = t·d, the Preconditioned arrow alone.
        case(C::Bfgs(BfgsConfig::default()), 5, &[Preconditioned]).on(rosenbrock, [-1.2, 1.0]),
        // The extrapolated gradient's step.
        case(
            C::Extragradient(ExtragradientConfig {
                lr: 0.3,
                lr_y: Some(0.2),
            }),
            4,
            &[Preconditioned],
        )
        .on(game, [1.0, 1.0]),
        // On ½‖x − c‖² + λ‖x‖₁: Δx = (yₖ − xₖ₋₁) + (−lr·∇g(yₖ)) + (prox_{lr·h}(z) − z): the Momentum
        // and Gradient arrows plus the prox correction.
        case(C::Fista(FistaConfig { lr: 0.3 }), 5, &[Gradient, Momentum])
            .on(shrink, [1.0, -1.0])
            .also(prox),
        // Simultaneous GDA: the Gradient arrow; alternating: the Preconditioned one.
        case(C::Gda(GdaConfig::default()), 4, &[Gradient]).on(bilinear, [1.0, 1.0]),
        case(
            C::Gda(GdaConfig {
                lr_y: Some(0.3),
                alternating: true,
                ..GdaConfig::default()
            }),
            4,
            &[Preconditioned],
        )
        .on(bilinear, [1.0, 1.0]),
        // Δx = x(t + dt) − x(t), the Preconditioned arrow alone.
        case(
            C::GradientFlow(GradientFlowConfig { dt: 0.1 }),
            4,
            &[Preconditioned],
        ),
        // Δx = −lr·∇f(xₖ) + beta·(xₖ − xₖ₋₁): the Gradient and Momentum arrows.
        case(
            C::HeavyBall(HeavyBallConfig { lr: 0.1, beta: 0.9 }),
            4,
            &[Gradient, Momentum],
        ),
        // On Rosenbrock with strong Wolfe: Δx = t·d, the Preconditioned arrow alone.
        case(
            C::Lbfgs(LbfgsConfig {
                line_search_fn: Some(LineSearchFn::StrongWolfe),
                ..LbfgsConfig::default()
            }),
            5,
            &[Preconditioned],
        )
        .on(rosenbrock, [-1.2, 1.0]),
        // Δx = −lr·weight_decay·xₜ₋₁ + (−lr·sign(cₜ)): the decay and the Preconditioned arrow.
        case(
            C::Lion(LionConfig {
                lr: 0.1,
                weight_decay: 0.5,
                ..LionConfig::default()
            }),
            4,
            &[Preconditioned],
        )
        .also(decay),
        // Δx = (−lr·(1 − μₜ)/(1 − Πₜ)·gₜ)/denom + (−lr·μₜ₊₁/(1 − Πₜμₜ₊₁)·mₜ)/denom: the
        // Preconditioned and Momentum arrows, plus the decoupled decay −lr·weight_decay·xₜ₋₁.
        case(
            C::NAdam(NAdamConfig {
                lr: 0.1,
                weight_decay: 0.1,
                decoupled_weight_decay: true,
                ..NAdamConfig::default()
            }),
            4,
            &[Preconditioned, Momentum],
        )
        .also(decay),
        // Δx = (yₖ − xₖ) − lr·∇f(yₖ): the Momentum and Gradient arrows.
        case(
            C::NesterovAgd(NesterovAgdConfig { lr: 0.1 }),
            5,
            &[Gradient, Momentum],
        ),
        // On Rosenbrock, damped: Δx = −lr·H̃⁻¹g, the Preconditioned arrow alone.
        case(
            C::Newton(NewtonConfig {
                lr: 0.5,
                safeguard: Safeguard::AbsEig,
            }),
            4,
            &[Preconditioned],
        )
        .on(rosenbrock, [-1.2, 1.0]),
        // The optimistic step, with its look back at the previous gradient.
        case(
            C::OptimisticGd(OptimisticGdConfig {
                lr: 0.2,
                lr_y: Some(0.1),
            }),
            4,
            &[Preconditioned],
        )
        .on(game, [1.0, 1.0]),
        // Δx = −lr·∇f(x) (the Gradient arrow) + (Π_C(z) − z), on a box that binds:
        // from y = −1 the first gradient step reaches z = −0.6, projected to y = −0.5.
        case(
            C::ProjectedGd(ProjectedGdConfig {
                lr: 0.1,
                set: ConstraintSet::Box {
                    lo: (-2.0, -0.5),
                    hi: (2.0, 2.0),
                },
            }),
            4,
            &[Gradient],
        )
        .also(&["Π_C(z) − z"]),
        // On ½‖x − c‖² + λ‖x‖₁: Δx = −lr·∇g(x) (the Gradient arrow) + (prox_{lr·h}(z) − z).
        case(C::ProximalGd(ProximalGdConfig { lr: 0.3 }), 4, &[Gradient])
            .on(shrink, [1.0, -1.0])
            .also(prox),
        // Steps 1–5 (ρₜ ≤ 5): Δx = −m̂ₜ·lr, the Momentum arrow; from step 6: Δx = −((m̂ₜ·lr)·a)·r,
        // the Preconditioned arrow (only one of the two is present at each step).
        case(C::RAdam(with_lr(0.1)), 8, &[Preconditioned, Momentum]),
        // With momentum: Δx = −lr·gₜ/avg − lr·momentum·bₜ₋₁, the Preconditioned and Momentum arrows.
        case(
            C::RmsProp(RmsPropConfig {
                lr: 0.01,
                momentum: 0.9,
                centered: true,
                ..RmsPropConfig::default()
            }),
            4,
            &[Preconditioned, Momentum],
        ),
        // Δx = −sign(gₜ)·Δ per coordinate, the Preconditioned arrow alone.
        case(C::Rprop(with_lr(0.3)), 6, &[Preconditioned]),
        // On a least-squares sum: Δx = −lr·g − lr·(φ̄ − φⱼ), the Gradient and Momentum arrows.
        case(C::Saga(SagaConfig { lr: 0.01 }), 6, &[Gradient, Momentum])
            .on(least_squares, [1.0, -1.0]),
        // Δx = −lr·g̃ₜ, the gradient at the perturbed point: the Preconditioned arrow alone.
        case(
            C::Sam(SamConfig { lr: 0.1, rho: 0.3 }),
            4,
            &[Preconditioned],
        )
        .on(quadratic, [1.0, 1.0]),
        // Schedule-free: Δx = c·(zₜ − xₜ) + c·(−lr·d), the Momentum and Preconditioned arrows.
        case(
            C::ScheduleFreeAdamW(ScheduleFreeAdamWConfig {
                lr: 0.05,
                weight_decay: 0.2,
                warmup_steps: 3,
                ..ScheduleFreeAdamWConfig::default()
            }),
            6,
            &[Momentum, Preconditioned],
        ),
        case(
            C::ScheduleFreeSgd(ScheduleFreeSgdConfig {
                lr: 0.1,
                weight_decay: 0.3,
                ..ScheduleFreeSgdConfig::default()
            }),
            5,
            &[Momentum, Preconditioned],
        ),
        // Δx = −lr·sign(mₜ), the Preconditioned arrow alone.
        case(
            C::SignSgd(SignSgdConfig {
                lr: 0.1,
                momentum: 0.9,
            }),
            4,
            &[Preconditioned],
        ),
        // Δx = −lr·g, the Gradient arrow alone.
        case(
            C::Subgradient(SubgradientConfig { lr: 0.1 }),
            4,
            &[Gradient],
        ),
        // On a least-squares sum: Δx = −lr·∇fᵢ(x) − lr·(μ − ∇fᵢ(x̃)), the Gradient and Momentum
        // arrows.
        case(
            C::Svrg(SvrgConfig {
                lr: 0.01,
                inner_steps: 3,
            }),
            7,
            &[Gradient, Momentum],
        )
        .on(least_squares, [1.0, -1.0]),
        // Δx = −lr·ĝ, the Gradient arrow (of the estimate) alone.
        case(
            C::ZerothOrder(ZerothOrderConfig {
                lr: 0.05,
                directions: 3,
                ..ZerothOrderConfig::default()
            }),
            4,
            &[Gradient],
        ),
    ];
    for case in cases {
        let mut optimizer = case.config.build(2);
        let name = case.config.name();
        eprintln!("{name}: {} steps", case.steps);
        check_explained_steps(
            optimizer.as_mut(),
            &mut (case.oracle)(),
            &case.start,
            case.steps,
            case.parts,
            case.also,
        );
    }
}
