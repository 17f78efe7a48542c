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
mod byzantine_robust;
mod compressed_sgd;
mod decentralized;
mod extragradient;
mod fista;
mod gda;
mod gradient_flow;
mod heavy_ball;
mod hyper;
mod lbfgs;
pub mod linesearch;
mod lion;
mod local_sgd;
mod n_adam;
mod nesterov_agd;
mod newton;
mod optimistic_gd;
mod projected_gd;
mod proximal_gd;
mod r_adam;
mod rms_prop;
mod robust_aggregation;
mod rprop;
mod saga;
mod sgd;
mod sign_sgd;
mod subgradient;
mod svrg;
#[cfg(test)]
mod test_support;
mod torch_ops;
pub mod workers;
mod zeroth_order;

pub use adadelta::{Adadelta, AdadeltaConfig};
pub use adagrad::{Adagrad, AdagradConfig};
pub use adam::{Adam, AdamConfig};
pub use adam_w::{AdamW, AdamWConfig};
pub use adamax::{Adamax, AdamaxConfig};
pub use asgd::{Asgd, AsgdConfig};
pub use async_sgd::{AsyncSgd, AsyncSgdConfig};
pub use bfgs::{Bfgs, BfgsConfig};
pub use byzantine_robust::{Aggregator, Attack, ByzantineRobust, ByzantineRobustConfig};
pub use compressed_sgd::{CompressedSgd, CompressedSgdConfig, Compressor};
pub use decentralized::{Decentralized, DecentralizedConfig, Topology};
pub use extragradient::{Extragradient, ExtragradientConfig};
pub use fista::{Fista, FistaConfig};
pub use gda::{Gda, GdaConfig};
pub use gradient_flow::{GradientFlow, GradientFlowConfig};
pub use heavy_ball::{HeavyBall, HeavyBallConfig};
pub use hyper::{Hyper, HyperError, HyperValue, assign_bool, assign_float, assign_int};
pub use lbfgs::{Lbfgs, LbfgsConfig};
pub use linesearch::LineSearchFn;
pub use lion::{Lion, LionConfig};
pub use local_sgd::{LocalSgd, LocalSgdConfig};
pub use n_adam::{NAdam, NAdamConfig};
pub use nesterov_agd::{NesterovAgd, NesterovAgdConfig};
pub use newton::{DEFAULT_SHIFT_MU, Newton, NewtonConfig, Safeguard};
pub use optimistic_gd::{OptimisticGd, OptimisticGdConfig};
pub use projected_gd::{
    ConstraintSet, ProjectedGd, ProjectedGdConfig, project_box, project_l1_ball, project_l2_ball,
};
pub use proximal_gd::{ProximalGd, ProximalGdConfig};
pub use r_adam::{RAdam, RAdamConfig};
pub use rms_prop::{RmsProp, RmsPropConfig};
pub use rprop::{Rprop, RpropConfig};
pub use saga::{Saga, SagaConfig};
pub use sgd::{Sgd, SgdConfig};
pub use sign_sgd::{SignSgd, SignSgdConfig};
pub use subgradient::{Subgradient, SubgradientConfig};
pub use svrg::{Svrg, SvrgConfig};
pub use zeroth_order::{ZerothOrder, ZerothOrderConfig};

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

    /// The iterates of simulated workers, drawn faintly around the run's mean.
    fn worker_points(&self) -> &[DVector<f64>] {
        &[]
    }

    /// Bits the simulated workers have sent since the last reset, counting every real number as
    /// 32 bits (see `workers.rs`); 0 for methods that run on one machine.
    fn bits_communicated(&self) -> u64 {
        0
    }

    /// The quantities of the latest step's update rule, in the order the module doc computes them,
    /// with the displacements worth drawing marked as arrows. Called on demand (a few times a
    /// second, never inside `step`), so it may allocate; empty before the first step and for
    /// methods that do not explain themselves.
    fn explain(&self) -> Vec<Quantity> {
        Vec::new()
    }
}

/// What every optimizer config provides to the registry.
pub trait OptimizerSpec: Sized {
    /// The name shown in the UI: torch.optim's class name where there is one (`SGD`, `Adam`).
    const DISPLAY_NAME: &'static str;
    /// One line for `optiviz list optimizers` and the picker.
    const DESCRIPTION: &'static str;
    /// torch-style validation of the hyperparameters.
    fn validate(&self, checker: &mut Checker);
    /// The base step size.
    fn lr(&self) -> f64;
    /// The hyperparameters, for generated widgets.
    fn hypers(&self) -> Vec<Hyper>;
    /// Sets one hyperparameter by name.
    fn set_hyper(&mut self, name: &str, value: HyperValue) -> Result<(), HyperError>;
    /// The optimizer with fresh state, for problems of dimension `dim`.
    fn build(&self, dim: usize) -> Box<dyn Optimizer>;
}

/// Declares the registry enum and its dispatch from one list, so adding an optimizer is one file
/// plus one line here.
macro_rules! optimizer_registry {
    ($($variant:ident($config:ident)),* $(,)?) => {
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

            /// torch-style validation.
            pub fn validate(&self, checker: &mut Checker) {
                match self { $(OptimizerConfig::$variant(config) => config.validate(checker)),* }
            }

            /// The base step size.
            pub fn lr(&self) -> f64 {
                match self { $(OptimizerConfig::$variant(config) => config.lr()),* }
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
    Sgd(SgdConfig),
    Adagrad(AdagradConfig),
    RmsProp(RmsPropConfig),
    Adam(AdamConfig),
    AdamW(AdamWConfig),
    Adamax(AdamaxConfig),
    NAdam(NAdamConfig),
    RAdam(RAdamConfig),
    Adadelta(AdadeltaConfig),
    Rprop(RpropConfig),
    Asgd(AsgdConfig),
    Lbfgs(LbfgsConfig),
    HeavyBall(HeavyBallConfig),
    NesterovAgd(NesterovAgdConfig),
    Newton(NewtonConfig),
    Bfgs(BfgsConfig),
    Subgradient(SubgradientConfig),
    ProximalGd(ProximalGdConfig),
    Fista(FistaConfig),
    ProjectedGd(ProjectedGdConfig),
    SignSgd(SignSgdConfig),
    Lion(LionConfig),
    Svrg(SvrgConfig),
    Saga(SagaConfig),
    ZerothOrder(ZerothOrderConfig),
    GradientFlow(GradientFlowConfig),
    Gda(GdaConfig),
    Extragradient(ExtragradientConfig),
    OptimisticGd(OptimisticGdConfig),
    LocalSgd(LocalSgdConfig),
    CompressedSgd(CompressedSgdConfig),
    Decentralized(DecentralizedConfig),
    AsyncSgd(AsyncSgdConfig),
    ByzantineRobust(ByzantineRobustConfig),
);

impl Default for OptimizerConfig {
    fn default() -> Self {
        OptimizerConfig::Sgd(SgdConfig::default())
    }
}

impl OptimizerConfig {
    /// Whether the method plays a min-max game: it follows the descent–ascent field
    /// (−∂f/∂x, +∂f/∂y) rather than −∇f.
    pub fn plays_a_game(&self) -> bool {
        matches!(
            self,
            Self::Gda(_) | Self::Extragradient(_) | Self::OptimisticGd(_)
        )
    }

    /// Whether the method simulates workers that communicate, so its runs count bits.
    pub fn simulates_workers(&self) -> bool {
        matches!(
            self,
            Self::LocalSgd(_)
                | Self::CompressedSgd(_)
                | Self::Decentralized(_)
                | Self::AsyncSgd(_)
                | Self::ByzantineRobust(_)
        )
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
}
