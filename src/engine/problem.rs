//! A problem built from its configuration: the objective the runs minimize, with the landscape or
//! network behind it and the default start.

use std::sync::Arc;

use nalgebra::DVector;

use crate::landscape::{Landscape, LandscapeObjective, Transform, ViewWindow};
use crate::network::Network;
use crate::objective::Objective;
use crate::scenario::{BuiltProblem, Problem};

/// A problem built from its configuration, shared by all runs.
#[derive(Clone)]
pub struct ProblemInstance {
    /// What the optimizers minimize.
    pub objective: Arc<dyn Objective>,
    /// The 2D landscape behind it, for landscape problems.
    pub landscape: Option<Arc<dyn Landscape>>,
    /// The network behind it, for network problems.
    pub network: Option<Arc<dyn Network>>,
    /// Where runs start by default.
    pub default_start: DVector<f64>,
}

impl ProblemInstance {
    /// Builds the problem (generating its data, for data-driven problems).
    pub fn build(problem: &Problem) -> Self {
        Self::build_transformed(problem, &Transform::IDENTITY)
    }

    /// Builds the problem with a landscape seen through `transform` (networks ignore it; the
    /// scenario's validation refuses a transform on a network).
    pub fn build_transformed(problem: &Problem, transform: &Transform) -> Self {
        match problem.build() {
            BuiltProblem::Landscape(landscape) => {
                let landscape = transform.apply(landscape);
                let [x, y] = landscape.default_start();
                Self {
                    objective: Arc::new(LandscapeObjective::new(landscape.clone())),
                    landscape: Some(landscape),
                    network: None,
                    default_start: DVector::from_vec(vec![x, y]),
                }
            }
            BuiltProblem::Network(network) => Self::from_network(network),
        }
    }

    /// A network problem, starting from the network's initial parameters.
    pub fn from_network(network: Arc<dyn Network>) -> Self {
        Self {
            objective: network.clone(),
            default_start: network.initial_parameters(),
            landscape: None,
            network: Some(network),
        }
    }

    /// A problem with nothing but an objective (tests, custom objectives), starting at `start`.
    pub fn from_objective(objective: Arc<dyn Objective>, start: DVector<f64>) -> Self {
        Self {
            objective,
            landscape: None,
            network: None,
            default_start: start,
        }
    }

    /// The window to show first.
    pub fn view(&self) -> Option<ViewWindow> {
        self.landscape.as_ref().map(|l| l.view())
    }
}
