//! Shared by the golden tests (golden_adaptive.rs, golden_quasinewton.rs, golden_sgd.rs): reading
//! the trajectories torch.optim recorded in tests/golden/*.csv and replaying them in optiviz.
//!
//! A golden CSV has the columns `optimizer,config,step,x,y` (lines starting with `#` are comments):
//! one row per recorded iterate, step 0 being the start. `config` is either optiviz's RON for the
//! optimizer (`Sgd(lr: 0.001, momentum: 0.9)`, written by generate_adaptive.py and
//! generate_sgd.py) or a label `<landscape> <settings>` whose config the test builds itself
//! (generate_quasinewton.py).

// Each test crate includes this module and uses only part of it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use nalgebra::DVector;
use optiviz::landscape::{Landscape, LandscapeObjective, Quadratic, Rosenbrock};
use optiviz::objective::{GradientModel, Oracle};
use optiviz::optim::{OptimizerConfig, StepOutcome};
use optiviz::scenario::ron_options;

/// An iterate of a 2D landscape.
pub type Point = [f64; 2];

/// One recorded run: (step, iterate) rows in step order.
pub type Trajectory = Vec<(usize, Point)>;

/// The runs of a golden file by their (optimizer, config) columns.
pub type Runs = BTreeMap<(String, String), Trajectory>;

/// Reads tests/golden/`file`.
pub fn read_golden(file: &str) -> Runs {
    let path = format!("{}/tests/golden/{file}", env!("CARGO_MANIFEST_DIR"));
    let mut reader = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .from_path(&path)
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut runs = Runs::new();
    for record in reader.records() {
        let record = record.unwrap_or_else(|e| panic!("{path}: {e}"));
        let field = |i: usize| record.get(i).expect("5 columns");
        let number = |i: usize| field(i).parse::<f64>().expect("a float");
        runs.entry((field(0).to_owned(), field(1).to_owned()))
            .or_default()
            .push((field(2).parse().expect("a step"), [number(3), number(4)]));
    }
    runs
}

/// The two problems the golden files were recorded on, with their starts: Rosenbrock
/// (1 − x)² + 100(y − x²)² from (−1.2, 1), and the quadratic ½(x² + 100y²) from (1, 1).
pub fn landscape(name: &str) -> (Arc<dyn Landscape>, Point) {
    match name {
        "rosenbrock" => (Arc::new(Rosenbrock::default()), [-1.2, 1.0]),
        "quadratic" => (
            Arc::new(Quadratic {
                lambda1: 1.0,
                lambda2: 100.0,
                angle_deg: 0.0,
            }),
            [1.0, 1.0],
        ),
        _ => panic!("unknown landscape {name}"),
    }
}

/// How far optiviz may be from torch, per coordinate: |optiviz − torch| / max(|torch|, floor)
/// at most `relative` (equal values, including zeros, differ by 0).
#[derive(Clone, Copy, Debug)]
pub struct Tolerance {
    /// The largest deviation allowed.
    pub relative: f64,
    /// The smallest |torch| the difference is measured against.
    pub floor: f64,
}

impl Tolerance {
    /// Bit for bit.
    pub const EXACT: Tolerance = Tolerance {
        relative: 0.0,
        floor: 1.0,
    };

    /// The deviation of `actual` from `expected` (NaN if either is NaN, which no tolerance passes).
    pub fn deviation(&self, actual: f64, expected: f64) -> f64 {
        if actual == expected {
            0.0
        } else {
            (actual - expected).abs() / expected.abs().max(self.floor)
        }
    }
}

/// What one replay found.
#[derive(Clone, Debug, Default)]
pub struct Replay {
    /// The last step compared.
    pub compared: usize,
    /// The largest deviation over all compared coordinates.
    pub max_deviation: f64,
    /// The step where it occurs.
    pub worst_step: usize,
    /// The first step at which optiviz reported Converged, and why.
    pub converged: Option<(usize, String)>,
}

impl fmt::Display for Replay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} steps compared, max deviation {:e}",
            self.compared, self.max_deviation
        )?;
        if self.max_deviation > 0.0 {
            write!(f, " (step {})", self.worst_step)?;
        }
        if let Some((step, reason)) = &self.converged {
            write!(f, "; Converged at step {step}: {reason}")?;
        }
        Ok(())
    }
}

/// Replays `config` on `landscape` from the trajectory's start (its step-0 row), one optimizer step
/// per torch `step()`, and asserts that every recorded iterate (and, given `auxiliary` rows, the
/// optimizer's [`auxiliary_point`](optiviz::optim::Optimizer::auxiliary_point) at those steps, e.g.
/// ASGD's average) is within `tolerance` of torch's. `name` labels failures.
///
/// A step reporting Failed fails the test. After one reporting Converged the comparison goes on:
/// optiviz's tolerance tests only report, and an optimizer stepped past its Converged step continues
/// exactly like torch's step() with max_iter = 1 (which stays put after its start-of-step tests
/// fire). The one exception is L-BFGS's loss-change test without a line search, which optiviz makes
/// at the start of the next step and stops there without moving, where torch (max_iter = 1) never
/// makes it: where optiviz stays put on such a step and torch moves, the comparison ends.
pub fn replay(
    name: &str,
    config: &OptimizerConfig,
    landscape: Arc<dyn Landscape>,
    expected: &[(usize, Point)],
    auxiliary: Option<&[(usize, Point)]>,
    tolerance: Tolerance,
) -> Replay {
    let (first_step, start) = expected[0];
    assert_eq!(first_step, 0, "{name}: the first row is not the start");
    let mut oracle = Oracle::new(
        Arc::new(LandscapeObjective::new(landscape)),
        GradientModel::default(),
        0,
    );
    let mut optimizer = config.build(2);
    let mut x = DVector::from_vec(start.to_vec());
    let mut replay = Replay::default();
    let mut step = 0;
    for &(recorded_step, point) in &expected[1..] {
        while step < recorded_step {
            let previous = x.clone();
            oracle.begin_step();
            let info = optimizer.step(&mut x, &mut oracle);
            step += 1;
            match &info.outcome {
                StepOutcome::Continue => {}
                StepOutcome::Converged(reason) => {
                    replay.converged.get_or_insert((step, reason.clone()));
                    let stayed = x.as_slice() == previous.as_slice();
                    let torch_moved = step == recorded_step && point != [previous[0], previous[1]];
                    if stayed && torch_moved && reason.starts_with("|Δloss|") {
                        return replay;
                    }
                }
                StepOutcome::Failed(reason) => panic!("{name} step {step} failed: {reason}"),
            }
        }
        let mut compare = |what: &str, actual: &[f64], point: Point| {
            for k in 0..2 {
                let deviation = tolerance.deviation(actual[k], point[k]);
                assert!(
                    deviation <= tolerance.relative,
                    "{name}{what} step {step}: optiviz {actual:?} vs torch {point:?}"
                );
                if deviation > replay.max_deviation {
                    replay.max_deviation = deviation;
                    replay.worst_step = step;
                }
            }
        };
        compare("", x.as_slice(), point);
        if let Some(&(_, average)) = auxiliary.and_then(|rows| rows.iter().find(|r| r.0 == step)) {
            let point = optimizer
                .auxiliary_point()
                .unwrap_or_else(|| panic!("{name}: no auxiliary point"));
            compare(" [auxiliary]", point.as_slice(), average);
        }
        replay.compared = step;
    }
    replay
}

/// Replays every run of a golden file whose `config` column is optiviz's RON (checking that the
/// `optimizer` column names the same variant) on `landscape_name`, for all `steps`, prints one line
/// per run and returns the number of runs and the largest deviation.
pub fn replay_ron_file(
    file: &str,
    landscape_name: &str,
    steps: usize,
    tolerance: Tolerance,
) -> (usize, f64) {
    let (landscape, start) = landscape(landscape_name);
    let runs = read_golden(file);
    let mut worst: f64 = 0.0;
    for ((optimizer, config_ron), expected) in &runs {
        let config: OptimizerConfig = ron_options()
            .from_str(config_ron)
            .unwrap_or_else(|e| panic!("{file}: {config_ron}: {e}"));
        assert_eq!(config.name(), optimizer, "{file}: {config_ron}");
        assert_eq!(expected[0], (0, start), "{file}: {config_ron}");
        let name = format!("{file}: {config_ron}");
        let replay = replay(&name, &config, landscape.clone(), expected, None, tolerance);
        assert_eq!(replay.compared, steps, "{name}");
        println!("{name}: {replay}");
        worst = worst.max(replay.max_deviation);
    }
    (runs.len(), worst)
}
