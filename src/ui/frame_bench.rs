//! Bench (e): the cost of one UI frame for the heaviest kind of lesson — 8 runs of 100,000 points
//! each on Rosenbrock, with contours, iso-lines and the metrics plot — measured headless by running
//! the real `app_ui` in an egui_kittest harness (layout, painting and tessellation; no GPU).
//!
//! The traces are filled directly from a synchronous session rather than through the solver
//! thread, so the frames measure drawing alone, with nothing else competing for the cores.

use std::sync::Arc;
use std::time::Duration;

use egui_kittest::Harness;

use crate::app::{AppState, Prefs};
use crate::clock::Instant;
use crate::engine::{Sample, Session};
use crate::landscape::{LandscapeConfig, Rosenbrock};
use crate::optim::{AdamConfig, OptimizerConfig, RmsPropConfig, SgdConfig};
use crate::scenario::{Problem, RunConfig, Scenario};

/// The heavy lesson: 8 runs of `points` steps on Rosenbrock.
fn heavy_scenario(points: u64) -> Scenario {
    let sgd = |lr: f64, momentum: f64| {
        OptimizerConfig::Sgd(SgdConfig {
            lr,
            momentum,
            ..SgdConfig::default()
        })
    };
    let adam = |lr: f64| {
        OptimizerConfig::Adam(AdamConfig {
            lr,
            ..AdamConfig::default()
        })
    };
    let optimizers = [
        sgd(1e-3, 0.0),
        sgd(5e-4, 0.0),
        sgd(1e-3, 0.9),
        sgd(2e-4, 0.99),
        adam(0.01),
        adam(0.05),
        OptimizerConfig::RmsProp(RmsPropConfig {
            lr: 1e-3,
            ..RmsPropConfig::default()
        }),
        adam(0.002),
    ];
    Scenario {
        name: "UI frame bench".to_owned(),
        problem: Problem::Landscape(LandscapeConfig::Rosenbrock(Rosenbrock::default())),
        steps: points,
        runs: optimizers
            .into_iter()
            .enumerate()
            .map(|(i, optimizer)| RunConfig {
                label: format!("run {}", i + 1),
                optimizer,
                start: Some([-1.5, 2.0]),
                ..RunConfig::default()
            })
            .collect(),
        ..Scenario::default()
    }
}

/// The median time of `frames` UI frames with 8 runs × `points` points on screen, after the
/// contours have been computed.
pub fn frame_cost(points: u64, frames: usize) -> Duration {
    let scenario = heavy_scenario(points);
    let mut session = Session::new(scenario.clone());
    let mut state = AppState::new(scenario, None, Prefs::default(), Arc::new(|| {}));
    // Every run's trajectory, straight into the views' traces.
    let mut traces: Vec<Vec<Sample>> = session
        .runs()
        .iter()
        .map(|run| vec![run.last_sample()])
        .collect();
    while !session.is_finished() {
        for progress in session.advance(10_000) {
            traces[progress.run].extend(progress.samples);
        }
    }
    for (view, samples) in state.runs.iter_mut().zip(&traces) {
        if let Some((first, rest)) = samples.split_first() {
            view.trace
                .restart(*first, crate::engine::RunStatus::Running);
            view.trace.extend(rest);
        }
    }
    let mut harness = Harness::builder()
        .with_size([1600.0, 1000.0])
        .with_context_setup(super::install_fonts)
        .build_ui_state(|ui, state: &mut AppState| super::app_ui(state, ui), state);
    // Let the contour thread deliver its image (and the plots settle) before timing.
    let deadline = Instant::now() + Duration::from_secs(10);
    harness.run_steps(3);
    while !harness.state().views.landscape.has_contours() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
        harness.run_steps(1);
    }
    harness.run_steps(3);
    let mut times: Vec<Duration> = (0..frames.max(1))
        .map(|_| {
            let started = Instant::now();
            harness.step();
            started.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}
