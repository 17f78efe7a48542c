//! Optimizers, one per file, and the registry enum that presets name them by.
//!
//! An optimizer is explicit configuration plus explicit state (as in optax): the config is a serde
//! struct with torch.optim's field names and defaults, validated like torch validates it; the state
//! (moment buffers, history, counters) lives in the built [`Optimizer`], is never serialized and can
//! always be reset. An optimizer sees its problem only through the run's [`Oracle`], which lets it
//! evaluate as often as it needs (closures, line searches), take per-sample gradients and record
//! probes.

mod adadelta;
mod adagrad;
mod adam;
mod adam_w;
mod adamax;
mod asgd;
mod async_sgd;
mod bfgs;
mod buffers;
mod byzantine_robust;
mod compressed_sgd;
#[cfg(test)]
mod converges;
mod decentralized;
#[cfg(test)]
mod explained_steps;
mod extragradient;
mod family;
mod fista;
mod gda;
mod gradient_flow;
mod heavy_ball;
mod lbfgs;
pub mod linesearch;
mod lion;
mod local_sgd;
#[cfg(test)]
mod method_tests;
mod mgda;
mod muon;
mod n_adam;
mod nesterov_agd;
mod newton;
mod optimistic_gd;
mod pc_grad;
mod projected_gd;
mod proximal_gd;
mod r_adam;
mod rms_prop;
mod robust_aggregation;
mod rprop;
mod saga;
mod sam;
mod sgd;
mod sign_sgd;
mod stability;
mod stateless;
mod subgradient;
mod svrg;
#[cfg(test)]
mod test_support;
mod torch_ops;
mod weight_decay;
pub mod workers;
mod zeroth_order;
// Hypergradient descent (Baydin et al. 2018).
mod hypergradient_adam;
mod hypergradient_sgd;

mod schedule_free_adam_w;
mod schedule_free_sgd;

pub use crate::hyper::{
    Hyper, HyperChoice, HyperError, HyperField, HyperKind, HyperValue, Hypers, assign_bool,
    assign_float, assign_int,
};
pub use adadelta::Adadelta;
pub use adagrad::Adagrad;
pub use adam::Adam;
pub use adam_w::AdamW;
pub use adamax::Adamax;
pub use asgd::Asgd;
pub use async_sgd::AsyncSgd;
pub use bfgs::Bfgs;
pub use byzantine_robust::{Attack, ByzantineRobust};
pub use compressed_sgd::{CompressedSgd, Compressor};
pub use decentralized::{Decentralized, Topology};
pub use extragradient::Extragradient;
pub use fista::Fista;
pub use gda::Gda;
pub use gradient_flow::GradientFlow;
pub use heavy_ball::HeavyBall;
pub use lbfgs::Lbfgs;
pub use linesearch::LineSearchFn;
pub use lion::Lion;
pub use local_sgd::LocalSgd;
pub use mgda::Mgda;
pub use muon::{Muon, Orthogonalizer};
pub use n_adam::NAdam;
pub use nesterov_agd::NesterovAgd;
pub use newton::{DEFAULT_SHIFT_MU, Newton, Safeguard};
pub use optimistic_gd::OptimisticGd;
pub use pc_grad::PcGrad;
pub use projected_gd::{ConstraintSet, ProjectedGd, project_box, project_l1_ball, project_l2_ball};
pub use proximal_gd::ProximalGd;
pub use r_adam::RAdam;
pub use rms_prop::RmsProp;
pub use robust_aggregation::Aggregator;
pub use rprop::Rprop;
pub use saga::Saga;
pub use sam::Sam;
pub use sgd::Sgd;
pub use sign_sgd::SignSgd;
pub use stability::{NoThreshold, Threshold};
pub use subgradient::Subgradient;
pub use svrg::Svrg;
pub use zeroth_order::ZerothOrder;
// Hypergradient descent.
pub use hypergradient_adam::HypergradientAdam;
pub use hypergradient_sgd::HypergradientSgd;

pub use schedule_free_adam_w::ScheduleFreeAdamW;
pub use schedule_free_sgd::ScheduleFreeSgd;

use nalgebra::DVector;
use serde::{Deserialize, Serialize};

use crate::objective::Oracle;
use crate::validate::Checker;

/// How a step ended.
#[derive(Clone, Debug, PartialEq)]
pub enum StepOutcome {
    /// An iterate was accepted; go on.
    Continue,
    /// The method's own stopping test fired (e.g. L-BFGS's tolerance_grad); the iterate is final.
    Converged(String),
    /// The method cannot go on (e.g. a singular Newton system); the reason is shown to the user.
    Failed(String),
}

/// What one step reports besides the new iterate.
#[derive(Clone, Debug, PartialEq)]
pub struct StepInfo {
    /// The (minibatch) loss at the iterate before the step, as torch's `step(closure)` returns it.
    pub loss: f64,
    /// Whether to go on.
    pub outcome: StepOutcome,
}

impl StepInfo {
    /// A step that accepted an iterate and wants to go on.
    pub fn proceed(loss: f64) -> Self {
        Self {
            loss,
            outcome: StepOutcome::Continue,
        }
    }

    /// A step after which the method's own stopping test fired, for `reason`.
    pub fn converged(loss: f64, reason: String) -> Self {
        Self {
            loss,
            outcome: StepOutcome::Converged(reason),
        }
    }
}

/// One named quantity of an update rule, as it was in the latest step: what the step-by-step view
/// lists and the update arrows draw.
#[derive(Clone, Debug, PartialEq)]
pub struct Quantity {
    /// Its symbol in the module doc's update rule: `gₜ`, `mₜ`, `v̂ₜ`, `step_size`.
    pub symbol: &'static str,
    /// How the step computed it, in the doc's notation (`β₁·mₜ₋₁ + (1 − β₁)·gₜ`); empty for inputs
    /// such as the gradient.
    pub formula: &'static str,
    /// Its value: one number, or one per coordinate.
    pub value: QuantityValue,
    /// Drawn as an arrow from the pre-step iterate when set; the value is then a displacement in
    /// parameter space (already multiplied by the step size), so arrows of different methods
    /// compare at the same scale.
    pub arrow: Option<ArrowKind>,
}

/// The value of a [`Quantity`].
#[derive(Clone, Debug, PartialEq)]
pub enum QuantityValue {
    /// One number (a step count, a bias correction, a step length).
    Scalar(f64),
    /// One number per coordinate.
    Vector(Vec<f64>),
}

/// What an update arrow shows; each kind has one colour whatever the method.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArrowKind {
    /// −lr·gₜ: where plain gradient descent with the same step size would have gone.
    Gradient,
    /// The momentum or first-moment part of the step (−lr·μ·bₜ₋₁ for heavy ball, −lr·mₜ…).
    Momentum,
    /// The step along the method's preconditioned or transformed direction (Newton's −H⁻¹g,
    /// Adam's −lr·m̂/(√v̂ + ε), sign-SGD's −lr·sign(g)), before projection or proximal maps.
    Preconditioned,
}

impl Quantity {
    /// A number.
    pub fn scalar(symbol: &'static str, formula: &'static str, value: f64) -> Self {
        Self {
            symbol,
            formula,
            value: QuantityValue::Scalar(value),
            arrow: None,
        }
    }

    /// One number per coordinate.
    pub fn vector(symbol: &'static str, formula: &'static str, value: &[f64]) -> Self {
        Self {
            symbol,
            formula,
            value: QuantityValue::Vector(value.to_vec()),
            arrow: None,
        }
    }

    /// −lr·gₜ drawn as the [`ArrowKind::Gradient`] arrow: where plain gradient descent with the
    /// same step size would have gone from the pre-step iterate.
    pub fn gradient_arrow(lr: f64, grad: &DVector<f64>) -> Self {
        Self::arrow(
            ArrowKind::Gradient,
            "−lr·gₜ",
            "where gradient descent with the same lr would go",
            grad.iter().map(|g| -lr * g),
        )
    }

    /// A displacement drawn as an arrow of `kind`.
    pub fn arrow(
        kind: ArrowKind,
        symbol: &'static str,
        formula: &'static str,
        displacement: impl IntoIterator<Item = f64>,
    ) -> Self {
        Self {
            symbol,
            formula,
            value: QuantityValue::Vector(displacement.into_iter().collect()),
            arrow: Some(kind),
        }
    }
}

/// An optimizer with its state, for one run.
pub trait Optimizer: Send {
    /// Takes exactly one accepted step from `x`, updating it in place. Line-search trials are
    /// recorded on the oracle as probes, not taken as steps.
    fn step(&mut self, x: &mut DVector<f64>, oracle: &mut Oracle) -> StepInfo;

    /// Live edit: adopts new hyperparameters and keeps moments and history (optax's
    /// `inject_hyperparams`). Returns `false` when `config` is a different optimizer, which the caller
    /// must build afresh.
    fn set_config(&mut self, config: &OptimizerConfig) -> bool;

    /// Sets the step size for the next steps (learning-rate schedules).
    fn set_lr(&mut self, lr: f64);

    /// Forgets all state, as if just built.
    fn reset(&mut self);

    /// A second point the method carries besides its iterate, drawn as a second marker: ASGD's
    /// running average, the extrapolated point of Nesterov's method. `None` for most methods.
    fn auxiliary_point(&self) -> Option<&DVector<f64>> {
        None
    }

    /// The diagonal preconditioner P of an adaptive method after its latest step, so that the step
    /// is lr·P⁻¹·(momentum) — Adam's (1 − β₁ᵗ)(√v̂ + eps) — for the preconditioned sharpness
    /// λmax(P⁻¹∇²f) (Cohen et al. 2022). `None` for methods without one, or before the first step.
    fn preconditioner(&self) -> Option<&DVector<f64>> {
        None
    }

    /// The method as one that simulates workers (its spec says `SIMULATES_WORKERS`); `None` for
    /// methods that run on one machine, which is most.
    fn as_distributed(&self) -> Option<&dyn Distributed> {
        None
    }

    /// The quantities of the latest step's update rule, in the order the module doc computes them,
    /// with the displacements worth drawing marked as arrows. Called on demand (a few times a
    /// second, never inside `step`), so it may allocate; empty before the first step and for
    /// methods that do not explain themselves.
    fn explain(&self) -> Vec<Quantity> {
        Vec::new()
    }

    /// The step size the method adapts for itself, as of its latest step (before the first, the
    /// one the first step takes): hypergradient descent's αₜ. `None` for methods whose step size
    /// is their configured `lr` (or a schedule's), which the engine knows without asking.
    fn current_lr(&self) -> Option<f64> {
        None
    }
}

/// How every [`Optimizer::explain`] answers: the latest step's `quantities()` once the method has
/// `stepped` (since it was built or last reset), and nothing before.
pub fn explain_once_stepped(
    stepped: bool,
    quantities: impl FnOnce() -> Vec<Quantity>,
) -> Vec<Quantity> {
    if stepped { quantities() } else { Vec::new() }
}

/// The quantities of an explained step as a typed record, one a line in the module doc's order:
/// `kind "symbol" = "formula" => value`, where kind is `scalar` (an `f64`), `vector` (a slice,
/// one value per coordinate) or `arrow Kind` (a displacement drawn as the [`ArrowKind`] `Kind`
/// arrow). Expands to the `Vec<Quantity>` of [`Quantity::scalar`], [`Quantity::vector`] and
/// [`Quantity::arrow`] calls.
macro_rules! quantities {
    ($($kind:ident $($arrow:ident)? $symbol:literal = $formula:expr => $value:expr),* $(,)?) => {
        vec![$($crate::optim::quantities!(@one $kind $($arrow)? $symbol, $formula, $value)),*]
    };
    (@one scalar $symbol:literal, $formula:expr, $value:expr) => {
        $crate::optim::Quantity::scalar($symbol, $formula, $value)
    };
    (@one vector $symbol:literal, $formula:expr, $value:expr) => {
        $crate::optim::Quantity::vector($symbol, $formula, $value)
    };
    (@one arrow $arrow:ident $symbol:literal, $formula:expr, $value:expr) => {
        $crate::optim::Quantity::arrow($crate::optim::ArrowKind::$arrow, $symbol, $formula, $value)
    };
}
pub(crate) use quantities;

/// What a method that simulates workers shows beyond its step: where the workers are and what
/// they have sent. Reached through [`Optimizer::as_distributed`], so the single-machine trait
/// stays lean.
pub trait Distributed {
    /// The iterates of the simulated workers, drawn faintly around the run's mean (empty for
    /// methods whose workers share the server's iterate).
    fn worker_points(&self) -> &[DVector<f64>] {
        &[]
    }

    /// Bits the simulated workers have sent since the last reset, counting every real number as
    /// 32 bits (see `workers.rs`).
    fn bits_communicated(&self) -> u64;
}

/// What every optimizer config provides to the registry: everything the rest of optiviz knows
/// about a method beyond its step, so that adding one is its file plus a registry line.
pub trait OptimizerSpec: Hypers + Sized {
    /// The name shown in the UI: torch.optim's class name where there is one (`SGD`, `Adam`).
    const DISPLAY_NAME: &'static str;
    /// One line for `optiviz list optimizers` and the picker.
    const DESCRIPTION: &'static str;
    /// Whether the method plays a min-max game: it follows the descent–ascent field
    /// (−∂f/∂x, +∂f/∂y) rather than −∇f.
    const PLAYS_A_GAME: bool = false;
    /// Whether the method needs one gradient per task (multi-task methods: MGDA, PCGrad), so
    /// that problems with a single task loss refuse it.
    const NEEDS_TASK_GRADIENTS: bool = false;
    /// Whether the method simulates workers that communicate (its optimizer reports worker points
    /// and bits), so its runs count bits.
    const SIMULATES_WORKERS: bool = false;
    /// Whether the method needs the problem's weight matrices (`Objective::parameter_blocks`):
    /// the scenario's validation refuses it on a problem without any.
    const NEEDS_PARAMETER_BLOCKS: bool = false;
    /// torch-style validation of the hyperparameters: the table's row checks, then (where a
    /// method overrides this) the checks that span fields or carry torch's own messages.
    fn validate(&self, checker: &mut Checker) {
        self.validate_rows(checker);
    }
    /// The largest sharpness the method is stable at with these hyperparameters, where one is
    /// known (`analysis::stability` derives each); `None` says why not in the method's file.
    fn stability_threshold(&self) -> Option<Threshold>;
    /// `Some(lr)` when the config is plain gradient descent x ← x − lr·∇f, step for step (the
    /// exact theory curves and the basin map's fused fast path rely on it); `None` for all else.
    fn plain_gd_lr(&self) -> Option<f64> {
        None
    }
    /// The set the iterates are kept in, for the views to draw (`None`: unconstrained).
    fn constraint_set(&self) -> Option<&ConstraintSet> {
        None
    }
    /// The optimizer with fresh state, for problems of dimension `dim`.
    fn build(&self, dim: usize) -> Box<dyn Optimizer>;
}

/// Declares the registry enum and its dispatch from one list of `module::Variant(Config)`, so
/// adding an optimizer is its file, its `mod` line and one line here. The module's
/// `//!` documentation is the method's Guide text. The base step size is the config's `lr`
/// field, or the field named after the config (`GradientFlowConfig.dt`).
macro_rules! optimizer_registry {
    (@lr $config:ident) => { $config.lr };
    (@lr $config:ident, $field:ident) => { $config.$field };
    ($($module:ident::$variant:ident($config:ident $(.$lr:ident)?)),* $(,)?) => {
        $(pub use $module::$config;)*

        /// An optimizer and its hyperparameters, as presets name it: `Sgd(lr: 0.1, momentum: 0.9)`.
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        pub enum OptimizerConfig {
            $(
                #[doc = concat!("See [`", stringify!($config), "`].")]
                $variant($config),
            )*
        }

        $(
            impl FromRegistry for $config {
                fn from_registry(config: &OptimizerConfig) -> Option<&Self> {
                    #[allow(unreachable_patterns)]
                    match config {
                        OptimizerConfig::$variant(inner) => Some(inner),
                        _ => None,
                    }
                }
            }
        )*

        impl OptimizerConfig {
            /// Every optimizer with torch's default hyperparameters, in catalog order.
            pub fn catalog() -> Vec<OptimizerConfig> {
                vec![$(OptimizerConfig::$variant($config::default())),*]
            }

            /// The name presets use (`Sgd`).
            pub fn name(&self) -> &'static str {
                match self { $(OptimizerConfig::$variant(_) => stringify!($variant)),* }
            }

            /// The name the UI shows (`SGD`).
            pub fn display_name(&self) -> &'static str {
                match self { $(OptimizerConfig::$variant(_) => <$config as OptimizerSpec>::DISPLAY_NAME),* }
            }

            /// One-line description.
            pub fn description(&self) -> &'static str {
                match self { $(OptimizerConfig::$variant(_) => <$config as OptimizerSpec>::DESCRIPTION),* }
            }

            /// The Guide's text: the `//!` documentation of the method's file (update rule,
            /// defaults, references), as paragraphs.
            pub fn guide(&self) -> String {
                match self {
                    $(OptimizerConfig::$variant(_) => {
                        crate::docs::module_doc(include_str!(concat!(stringify!($module), ".rs")))
                    }),*
                }
            }

            /// Whether the method plays a min-max game: it follows the descent–ascent field
            /// (−∂f/∂x, +∂f/∂y) rather than −∇f.
            pub fn plays_a_game(&self) -> bool {
                match self { $(OptimizerConfig::$variant(_) => <$config as OptimizerSpec>::PLAYS_A_GAME),* }
            }

            /// Whether the method needs one gradient per task (see
            /// [`OptimizerSpec::NEEDS_TASK_GRADIENTS`]).
            pub fn needs_task_gradients(&self) -> bool {
                match self { $(OptimizerConfig::$variant(_) => <$config as OptimizerSpec>::NEEDS_TASK_GRADIENTS),* }
            }

            /// Whether the method simulates workers that communicate, so its runs count bits.
            pub fn simulates_workers(&self) -> bool {
                match self { $(OptimizerConfig::$variant(_) => <$config as OptimizerSpec>::SIMULATES_WORKERS),* }
            }

            /// Whether the method needs the problem's weight matrices (see
            /// [`OptimizerSpec::NEEDS_PARAMETER_BLOCKS`]).
            pub fn needs_parameter_blocks(&self) -> bool {
                match self { $(OptimizerConfig::$variant(_) => <$config as OptimizerSpec>::NEEDS_PARAMETER_BLOCKS),* }
            }

            /// torch-style validation.
            pub fn validate(&self, checker: &mut Checker) {
                match self { $(OptimizerConfig::$variant(config) => config.validate(checker)),* }
            }

            /// The base step size.
            pub fn lr(&self) -> f64 {
                match self {
                    $(
                        OptimizerConfig::$variant(config) => {
                            optimizer_registry!(@lr config $(, $lr)?)
                        }
                    ),*
                }
            }

            /// The stability threshold, where one is known (see [`OptimizerSpec::stability_threshold`]).
            pub fn stability_threshold(&self) -> Option<Threshold> {
                match self { $(OptimizerConfig::$variant(config) => config.stability_threshold()),* }
            }

            /// The set the iterates are kept in, if any (see [`OptimizerSpec::constraint_set`]).
            pub fn constraint_set(&self) -> Option<&ConstraintSet> {
                match self { $(OptimizerConfig::$variant(config) => config.constraint_set()),* }
            }

            /// `Some(lr)` when this is plain gradient descent x ← x − lr·∇f (see
            /// [`OptimizerSpec::plain_gd_lr`]).
            pub fn plain_gd_lr(&self) -> Option<f64> {
                match self { $(OptimizerConfig::$variant(config) => config.plain_gd_lr()),* }
            }

            /// The hyperparameters, for generated widgets.
            pub fn hypers(&self) -> Vec<Hyper> {
                match self { $(OptimizerConfig::$variant(config) => config.hypers()),* }
            }

            /// Sets one hyperparameter by name.
            pub fn set_hyper(&mut self, name: &str, value: HyperValue) -> Result<(), HyperError> {
                match self { $(OptimizerConfig::$variant(config) => config.set_hyper(name, value)),* }
            }

            /// The optimizer with fresh state.
            pub fn build(&self, dim: usize) -> Box<dyn Optimizer> {
                match self { $(OptimizerConfig::$variant(config) => config.build(dim)),* }
            }
        }
    };
}

optimizer_registry!(
    sgd::Sgd(SgdConfig),
    adagrad::Adagrad(AdagradConfig),
    rms_prop::RmsProp(RmsPropConfig),
    adam::Adam(AdamConfig),
    adam_w::AdamW(AdamWConfig),
    adamax::Adamax(AdamaxConfig),
    n_adam::NAdam(NAdamConfig),
    r_adam::RAdam(RAdamConfig),
    adadelta::Adadelta(AdadeltaConfig),
    rprop::Rprop(RpropConfig),
    asgd::Asgd(AsgdConfig),
    lbfgs::Lbfgs(LbfgsConfig),
    heavy_ball::HeavyBall(HeavyBallConfig),
    nesterov_agd::NesterovAgd(NesterovAgdConfig),
    newton::Newton(NewtonConfig),
    bfgs::Bfgs(BfgsConfig),
    subgradient::Subgradient(SubgradientConfig),
    proximal_gd::ProximalGd(ProximalGdConfig),
    fista::Fista(FistaConfig),
    projected_gd::ProjectedGd(ProjectedGdConfig),
    sign_sgd::SignSgd(SignSgdConfig),
    lion::Lion(LionConfig),
    svrg::Svrg(SvrgConfig),
    saga::Saga(SagaConfig),
    zeroth_order::ZerothOrder(ZerothOrderConfig),
    gradient_flow::GradientFlow(GradientFlowConfig.dt),
    gda::Gda(GdaConfig),
    extragradient::Extragradient(ExtragradientConfig),
    optimistic_gd::OptimisticGd(OptimisticGdConfig),
    local_sgd::LocalSgd(LocalSgdConfig),
    compressed_sgd::CompressedSgd(CompressedSgdConfig),
    decentralized::Decentralized(DecentralizedConfig),
    async_sgd::AsyncSgd(AsyncSgdConfig),
    byzantine_robust::ByzantineRobust(ByzantineRobustConfig),
    sam::Sam(SamConfig),
    muon::Muon(MuonConfig),
    schedule_free_sgd::ScheduleFreeSgd(ScheduleFreeSgdConfig),
    schedule_free_adam_w::ScheduleFreeAdamW(ScheduleFreeAdamWConfig),
    mgda::Mgda(MgdaConfig),
    pc_grad::PcGrad(PcGradConfig),
    hypergradient_sgd::HypergradientSgd(HypergradientSgdConfig),
    hypergradient_adam::HypergradientAdam(HypergradientAdamConfig),
);

impl Default for OptimizerConfig {
    fn default() -> Self {
        OptimizerConfig::Sgd(SgdConfig::default())
    }
}

/// Finds a config struct inside the registry enum (generated for every optimizer).
pub trait FromRegistry: Sized {
    /// The config if `config` is this optimizer's variant.
    fn from_registry(config: &OptimizerConfig) -> Option<&Self>;
}

/// The usual `Optimizer::set_config`: adopt `config` when it is this optimizer's (state kept),
/// else report `false` so that the caller builds the other optimizer.
pub fn adopt<C: FromRegistry + Clone>(slot: &mut C, config: &OptimizerConfig) -> bool {
    match C::from_registry(config) {
        Some(config) => {
            slot.clone_from(config);
            true
        }
        None => false,
    }
}

/// The live edits of an optimizer whose state keeps its config in `self.config`, written inside
/// `impl Optimizer for …`: `set_config` [`adopt`]s a config of the same method (false for another
/// method), and `set_lr` sets `config.lr` (a schedule's step size). `config_edits!(set_config)`
/// writes only `set_config`, for methods whose step size is named otherwise.
macro_rules! config_edits {
    () => {
        $crate::optim::config_edits!(set_config);

        fn set_lr(&mut self, lr: f64) {
            self.config.lr = lr;
        }
    };
    (set_config) => {
        fn set_config(&mut self, config: &$crate::optim::OptimizerConfig) -> bool {
            $crate::optim::adopt(&mut self.config, config)
        }
    };
}
pub(crate) use config_edits;

/// `OptimizerSpec::stability_threshold` of a method that has none, naming the [`NoThreshold`]
/// reason: `no_stability_threshold!(NotDerived);` inside `impl OptimizerSpec for …`.
macro_rules! no_stability_threshold {
    ($why:ident) => {
        fn stability_threshold(&self) -> Option<$crate::optim::Threshold> {
            $crate::optim::Threshold::none($crate::optim::NoThreshold::$why)
        }
    };
}
pub(crate) use no_stability_threshold;

/// A method's names, written inside `impl OptimizerSpec for …`: `spec_names! { "SGD": "…" }` sets
/// `DISPLAY_NAME` (the name the UI shows) and `DESCRIPTION` (the picker's one line).
macro_rules! spec_names {
    ($display_name:literal: $description:literal) => {
        const DISPLAY_NAME: &'static str = $display_name;
        const DESCRIPTION: &'static str = $description;
    };
}
pub(crate) use spec_names;

/// Makes a state buffer the right length, allocating only when the dimension changes.
pub fn ensure_len(buffer: &mut DVector<f64>, dim: usize) {
    if buffer.len() != dim {
        *buffer = DVector::zeros(dim);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_hyper_round_trips_through_set_hyper() {
        for mut config in OptimizerConfig::catalog() {
            for hyper in config.clone().hypers() {
                config
                    .set_hyper(hyper.name, hyper.value)
                    .unwrap_or_else(|e| panic!("{}: {e}", config.name()));
                assert!(hyper.slider_range.0 <= hyper.slider_range.1);
                assert!(!hyper.help.is_empty());
            }
            assert!(config.set_hyper("no_such", HyperValue::Float(1.0)).is_err());
            let mut checker = Checker::new();
            config.validate(&mut checker);
            assert!(checker.found.is_empty(), "{:?}", checker.found);
        }
    }

    /// `steps` steps of `config` from `start` on `landscape`; the optimizer afterwards.
    fn stepped(
        config: &OptimizerConfig,
        landscape: crate::landscape::LandscapeConfig,
        start: [f64; 2],
        steps: usize,
    ) -> (DVector<f64>, Box<dyn Optimizer>) {
        use crate::landscape::LandscapeObjective;
        use crate::objective::GradientModel;
        let objective = LandscapeObjective::new(landscape.build());
        let mut oracle = Oracle::new(std::sync::Arc::new(objective), GradientModel::default(), 0);
        let mut optimizer = config.build(2);
        let mut x = DVector::from_vec(start.to_vec());
        for _ in 0..steps {
            optimizer.step(&mut x, &mut oracle);
        }
        (x, optimizer)
    }

    /// What the rest of optiviz asks of a method beyond its step is on its spec: a new optimizer
    /// that leaves any of it out fails here (its stability threshold is a required method, so it
    /// cannot be left out at all).
    #[test]
    fn every_registered_optimizer_answers_what_the_app_asks_of_it() {
        use crate::landscape::{Bilinear, LandscapeConfig, LeastSquares};
        let catalog = OptimizerConfig::catalog();
        let mut names: Vec<_> = catalog.iter().map(|c| c.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), catalog.len(), "registry names are unique");
        for config in catalog {
            let name = config.name();
            assert!(!config.display_name().is_empty() && !config.description().is_empty());
            // The Guide shows the module's //! doc: the update rule and a reference.
            let guide = config.guide();
            assert!(
                guide.len() > 200 && guide.contains("Reference"),
                "{name}: {guide}"
            );
            assert!(
                !config.hypers().is_empty(),
                "{name} has no hyperparameter table"
            );
            assert!(config.lr() > 0.0, "{name}");
            // Workers: the method says it simulates them exactly when its optimizer is distributed,
            // and then its runs have worker points or count bits.
            let finite_sum = LandscapeConfig::LeastSquares(LeastSquares::default());
            let (_, optimizer) = stepped(&config, finite_sum, [0.5, -0.5], 10);
            let distributed = optimizer.as_distributed();
            assert_eq!(config.simulates_workers(), distributed.is_some(), "{name}");
            if let Some(workers) = distributed {
                let shown = !workers.worker_points().is_empty() || workers.bits_communicated() > 0;
                assert!(shown, "{name} simulates workers but shows none");
            }
            // Games: a method that plays one ascends in y on f = x·y from (1, 1), and has no
            // threshold on the sharpness (its Jacobian is not symmetric).
            if config.plays_a_game() {
                let game = LandscapeConfig::Bilinear(Bilinear::default());
                let (x, _) = stepped(&config, game, [1.0, 1.0], 1);
                assert!(x[1] > 1.0, "{name} should ascend in y: {x}");
                assert!(config.stability_threshold().is_none(), "{name}");
            }
            // Plain gradient descent is only SGD without momentum, decay or maximizing.
            assert_eq!(
                config.plain_gd_lr().is_some(),
                matches!(config, OptimizerConfig::Sgd(_)),
                "{name}"
            );
        }
        let heavy = SgdConfig {
            momentum: 0.9,
            ..SgdConfig::default()
        };
        assert_eq!(OptimizerConfig::Sgd(heavy).plain_gd_lr(), None);
    }
}
