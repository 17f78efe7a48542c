//! Adagrad, RMSprop, Adam, AdamW, Adamax, NAdam and RAdam against trajectories recorded from
//! torch.optim itself (tests/golden/generate_adaptive.py: torch 2.15, float64, single-tensor path,
//! 100 steps on Rosenbrock and an ill-conditioned quadratic, several settings per optimizer).
//!
//! optiviz follows torch's operations and roundings exactly, but torch's MKL build takes
//! tensor square roots with MKL's vdSqrt, which is one ulp off the correctly rounded root on about
//! 1% of inputs, so the comparison allows a few ulps: 1e-14 relative to max(|coordinate|, 1).
//! (With the script's `--exact-sqrt` the two agree bit for bit.)

use std::collections::BTreeMap;
use std::sync::Arc;

use nalgebra::DVector;
use optiviz::landscape::{Landscape, LandscapeObjective, Quadratic, Rosenbrock};
use optiviz::objective::{GradientModel, Oracle};
use optiviz::optim::OptimizerConfig;
use optiviz::scenario::ron_options;

const TOLERANCE: f64 = 1e-14;

/// One recorded run: its RON config and the iterates by step (step 0 is the start).
struct Recorded {
    optimizer: String,
    points: Vec<(usize, [f64; 2])>,
}

fn read_golden(file: &str) -> BTreeMap<String, Recorded> {
    let path = format!("{}/tests/golden/{file}", env!("CARGO_MANIFEST_DIR"));
    let mut reader = csv::Reader::from_path(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut runs: BTreeMap<String, Recorded> = BTreeMap::new();
    for record in reader.records() {
        let record = record.expect("a CSV row");
        let number = |i: usize| record[i].parse::<f64>().expect("a float");
        runs.entry(record[1].to_owned())
            .or_insert_with(|| Recorded {
                optimizer: record[0].to_owned(),
                points: Vec::new(),
            })
            .points
            .push((record[2].parse().expect("a step"), [number(3), number(4)]));
    }
    assert!(runs.len() >= 19, "{path}: only {} runs", runs.len());
    runs
}

/// Replays every recorded run in optiviz and returns the largest deviation, relative to
/// max(|coordinate|, 1), with the run and step where it occurs.
fn largest_deviation(file: &str, landscape: impl Landscape + 'static) -> (f64, String, usize) {
    let objective = Arc::new(LandscapeObjective::new(Arc::new(landscape)));
    let mut worst = (0.0, String::new(), 0);
    for (config_ron, recorded) in read_golden(file) {
        let config: OptimizerConfig = ron_options()
            .from_str(&config_ron)
            .unwrap_or_else(|e| panic!("{config_ron}: {e}"));
        assert_eq!(config.name(), recorded.optimizer);
        let mut oracle = Oracle::new(objective.clone(), GradientModel::default(), 0);
        let mut optimizer = config.build(2);
        let (first_step, start) = recorded.points[0];
        assert_eq!(first_step, 0);
        let mut x = DVector::from_vec(start.to_vec());
        let mut step = 0;
        for &(at, expected) in &recorded.points[1..] {
            while step < at {
                optimizer.step(&mut x, &mut oracle);
                step += 1;
            }
            for k in 0..2 {
                assert!(expected[k].is_finite(), "{file}: {config_ron} step {at}");
                let deviation = (x[k] - expected[k]).abs() / expected[k].abs().max(1.0);
                assert!(
                    deviation <= TOLERANCE,
                    "{file}: {config_ron} step {at}: optiviz {x:?}, torch {expected:?}"
                );
                if deviation > worst.0 {
                    worst = (deviation, config_ron.clone(), at);
                }
            }
        }
        assert_eq!(step, 100, "{config_ron}");
    }
    worst
}

#[test]
fn adaptive_optimizers_follow_torch_on_rosenbrock() {
    let worst = largest_deviation("adaptive_rosenbrock.csv", Rosenbrock::default());
    println!("Rosenbrock: largest relative deviation from torch {worst:?}");
}

#[test]
fn adaptive_optimizers_follow_torch_on_an_ill_conditioned_quadratic() {
    let quadratic = Quadratic {
        lambda1: 1.0,
        lambda2: 100.0,
        angle_deg: 0.0,
    };
    let worst = largest_deviation("adaptive_quadratic.csv", quadratic);
    println!("quadratic: largest relative deviation from torch {worst:?}");
}
