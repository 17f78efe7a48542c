//! Networks through the engine and the CLI: sharpness on its schedule, records for the views, the
//! CSV columns, and the edge of stability on the bundled preset.

use nalgebra::{DMatrix, DVector};
use optiviz::cli::{self, Exit};
use optiviz::engine::{ProblemInstance, Session};
use optiviz::network::{DatasetConfig, Mlp};
use optiviz::optim::{AdamConfig, OptimizerConfig, SgdConfig};
use optiviz::scenario::{self, Problem, RunConfig, Scenario};

fn tiny_mlp() -> Mlp {
    Mlp {
        widths: vec![2, 6, 1],
        data: DatasetConfig::Moons { n: 30, noise: 0.1 },
        seed: 3,
        ..Mlp::default()
    }
}

fn gd(lr: f64) -> OptimizerConfig {
    OptimizerConfig::Sgd(SgdConfig {
        lr,
        ..SgdConfig::default()
    })
}

fn scenario(problem: Problem, sharpness_every: u64, steps: u64, runs: Vec<RunConfig>) -> Scenario {
    Scenario {
        problem,
        steps,
        sharpness_every,
        runs,
        ..Scenario::default()
    }
}

fn run_with(optimizer: OptimizerConfig) -> RunConfig {
    RunConfig {
        label: "run".to_owned(),
        optimizer,
        ..RunConfig::default()
    }
}

/// The Hessian's largest eigenvalue from a dense Hessian built column by column from HVPs.
fn dense_sharpness(problem: &ProblemInstance, x: &DVector<f64>) -> f64 {
    let dim = x.len();
    let mut hessian = DMatrix::zeros(dim, dim);
    let mut column = DVector::zeros(dim);
    for j in 0..dim {
        let mut unit = DVector::zeros(dim);
        unit[j] = 1.0;
        problem.objective.hvp(x, &unit, &mut column);
        hessian.set_column(j, &column);
    }
    let symmetric = (&hessian + hessian.transpose()) * 0.5;
    symmetric
        .symmetric_eigen()
        .eigenvalues
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max)
}

#[test]
fn sharpness_is_measured_on_schedule_and_matches_the_dense_hessian() {
    let problem = Problem::Mlp(tiny_mlp());
    let instance = ProblemInstance::build(&problem);
    let mut session = Session::new(scenario(problem, 5, 20, vec![run_with(gd(0.1))]));
    let start = session.runs()[0].last_sample();
    let expected = dense_sharpness(&instance, &instance.default_start);
    let measured = start.sharpness.expect("step 0 is a sharpness step");
    assert!(
        (measured - expected).abs() <= 1e-6 * expected.abs().max(1.0),
        "Lanczos {measured} vs dense {expected}"
    );
    let progress = session.advance(20);
    let steps_with_sharpness: Vec<u64> = progress[0]
        .samples
        .iter()
        .filter(|s| s.sharpness.is_some())
        .map(|s| s.step)
        .collect();
    assert_eq!(steps_with_sharpness, [5, 10, 15, 20]);
    let last = session.runs()[0].x().clone();
    let dense = dense_sharpness(&instance, &last);
    let latest = progress[0]
        .samples
        .last()
        .and_then(|s| s.sharpness)
        .unwrap();
    assert!((latest - dense).abs() <= 1e-6 * dense.abs().max(1.0));
}

#[test]
fn records_carry_per_layer_norms_parameters_and_accuracy() {
    let problem = Problem::Mlp(Mlp {
        test_fraction: 0.25,
        ..tiny_mlp()
    });
    let instance = ProblemInstance::build(&problem);
    let network = instance.network.clone().unwrap();
    let mut session = Session::new(scenario(problem, 0, 30, vec![run_with(gd(0.5))]));
    let start = session.snapshot();
    assert_eq!(start[0].records.len(), 1, "the start is recorded");
    let progress = session.advance(30);
    let records = &progress[0].records;
    // Without sharpness, networks record every 10 steps.
    let steps: Vec<u64> = records.iter().map(|r| r.step).collect();
    assert_eq!(steps, [10, 20, 30]);
    for record in records {
        assert_eq!(record.weight_norms.len(), network.layers().len());
        assert_eq!(record.grad_norms.len(), network.layers().len());
        assert_eq!(record.parameters.len(), instance.default_start.len());
        assert!(record.top_eigenvalues.is_empty());
        assert!(
            record
                .test_accuracy
                .is_some_and(|a| (0.0..=1.0).contains(&a))
        );
    }
    let measured: Vec<_> = progress[0]
        .samples
        .iter()
        .filter(|s| s.accuracy.is_some())
        .collect();
    assert_eq!(measured.len(), 3);
    assert!(
        measured
            .iter()
            .all(|s| s.test_loss.is_some() && s.sharpness.is_none())
    );
    // The record's norms are those of the parameters it carries.
    let record = records.last().unwrap();
    let first_layer = &network.layers()[0];
    let norm = record.parameters[first_layer.range.clone()]
        .iter()
        .map(|v| v * v)
        .sum::<f64>()
        .sqrt();
    assert!((norm - record.weight_norms[0]).abs() < 1e-12);
}

#[test]
fn adam_on_a_network_reports_preconditioned_sharpness_on_sharpness_steps() {
    let problem = Problem::Mlp(tiny_mlp());
    let adam = OptimizerConfig::Adam(AdamConfig {
        lr: 0.01,
        ..AdamConfig::default()
    });
    let mut session = Session::new(scenario(problem, 4, 12, vec![run_with(adam)]));
    let progress = session.advance(12);
    for sample in &progress[0].samples {
        assert_eq!(
            sample.preconditioned_sharpness.is_some(),
            sample.step % 4 == 0,
            "step {}",
            sample.step
        );
    }
    let last = progress[0].samples.last().unwrap();
    // P is (1 − β₁ᵗ)(√v̂ + eps): small early in training, so the preconditioned sharpness is large.
    assert!(last.preconditioned_sharpness.unwrap() > last.sharpness.unwrap());
}

#[test]
fn the_cli_writes_network_columns_with_the_same_numbers_as_the_session() {
    let problem = Problem::Mlp(tiny_mlp());
    let scenario = scenario(problem, 3, 9, vec![run_with(gd(0.2))]);
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("net.ron");
    scenario::save(&path, &scenario).unwrap();
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    let exit = cli::run(path.to_str().unwrap(), None, None, &mut stdout, &mut stderr);
    assert_eq!(exit, Exit::Ok, "{}", String::from_utf8_lossy(&stderr));
    let text = String::from_utf8(stdout).unwrap();
    let mut lines = text.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("run,label,step,loss,sharpness,")
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 10, "steps 0 to 9");
    let mut session = Session::new(scenario);
    let mut samples = vec![session.runs()[0].last_sample()];
    samples.extend(session.advance(9).remove(0).samples);
    for (row, sample) in rows.iter().zip(&samples) {
        assert_eq!(row[2], sample.step.to_string());
        assert_eq!(row[3].parse::<f64>().unwrap(), sample.loss);
        match sample.sharpness {
            Some(sharpness) => assert_eq!(row[4].parse::<f64>().unwrap(), sharpness),
            None => assert_eq!(row[4], ""),
        }
    }
}

#[test]
fn network_runs_reject_a_start_point_with_its_position() {
    let text =
        "Scenario(\n  problem: Mlp(widths: [2, 4, 1]),\n  runs: [Run(start: (1.0, 2.0))],\n)";
    let error = scenario::parse(text, "net.ron").unwrap_err();
    assert_eq!(error.0.len(), 1, "{error}");
    assert!(
        error.0[0].to_string().starts_with("net.ron:3:21: start"),
        "{error}"
    );
}

#[test]
fn problems_parse_from_the_network_editor_and_report_bad_values() {
    let problem = Problem::Mlp(tiny_mlp());
    let text = scenario::problem_to_ron(&problem).unwrap();
    assert_eq!(scenario::parse_problem(&text).unwrap(), problem);
    let syntax = scenario::parse_problem("Mlp(widths: [2, 4, 1]").unwrap_err();
    assert!(syntax.starts_with("1:"), "{syntax}");
    let bad = scenario::parse_problem("Mlp(widths: [3, 4, 1])").unwrap_err();
    assert!(bad.contains("widths"), "{bad}");
}

/// The result the edge-of-stability lesson rests on (Cohen et al. 2021): full-batch GD with
/// lr = 0.3 drives the sharpness up to 2/lr and keeps it there. Deterministic by the preset's seed.
#[test]
fn gradient_descent_on_the_eos_preset_hovers_at_two_over_lr() {
    let text = optiviz::presets::find("eos_mlp").expect("bundled");
    let mut scenario = scenario::parse(text, "eos_mlp").unwrap().scenario;
    let lr = 0.3;
    scenario
        .runs
        .retain(|run| matches!(&run.optimizer, OptimizerConfig::Sgd(sgd) if sgd.lr == lr));
    assert_eq!(scenario.runs.len(), 1, "the preset has a GD run at lr 0.3");
    let steps = scenario.steps;
    assert_eq!((steps, scenario.sharpness_every), (2000, 10));
    let mut session = Session::new(scenario);
    let mut sharpness = Vec::new();
    session.advance_run(0, steps, |sample| {
        if let Some(value) = sample.sharpness {
            sharpness.push((sample.step, value));
        }
    });
    let late: Vec<f64> = sharpness
        .iter()
        .filter(|(step, _)| *step as f64 >= 0.7 * steps as f64)
        .map(|(_, value)| *value)
        .collect();
    let mean = late.iter().sum::<f64>() / late.len() as f64;
    let threshold = 2.0 / lr;
    assert!(
        (mean - threshold).abs() <= 0.15 * threshold,
        "mean sharpness over the last 30 % = {mean:.3}, 2/lr = {threshold:.3}"
    );
}

/// The implicit bias the matrix-completion lesson shows: from a tiny initialization, GD on a
/// full-rank factorization recovers the rank-2 matrix (low test loss, two dominant singular values).
#[test]
fn gradient_descent_completes_the_low_rank_matrix_from_small_init() {
    let text = optiviz::presets::find("matrix_completion").expect("bundled");
    let mut scenario = scenario::parse(text, "matrix_completion").unwrap().scenario;
    scenario.runs.truncate(1);
    let steps = scenario.steps;
    let problem = ProblemInstance::build(&scenario.problem);
    let network = problem.network.clone().unwrap();
    let mut session = Session::new(scenario);
    let mut test_loss = None;
    session.advance_run(0, steps, |sample| {
        test_loss = sample.test_loss.or(test_loss)
    });
    let x = session.runs()[0].x().clone();
    let test_loss = test_loss.unwrap();
    assert!(test_loss < 0.01, "test loss {test_loss}");
    let singular = network.singular_values(&x);
    let target = network.target_singular_values();
    assert!(
        (singular[0] - target[0]).abs() < 0.05 * target[0],
        "{singular:?} vs {target:?}"
    );
    assert!(singular[2] < 0.05 * singular[1], "{singular:?}");
}
