//! `optiviz tune`: tuning every run's lr at an equal evaluation budget, as the binary prints it.

use std::process::{Command, Output};

use optiviz::analysis::study::tune::{TuneRequest, run_tune};
use optiviz::engine::JobControl;
use optiviz::scenario::{Criterion, TuneSettings, parse};

fn optiviz(arguments: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_optiviz"))
        .args(arguments)
        .output()
        .expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The issue's quadratic: λ = 1 and 100, turned 30°, GD from (1, 1) for 300 steps.
const QUADRATIC: &str = r#"Scenario(
    name: "GD on a quadratic",
    problem: Landscape(Quadratic(lambda1: 1.0, lambda2: 100.0, angle_deg: 30.0)),
    steps: 300,
    runs: [
        Run(label: "GD", optimizer: Sgd(lr: 0.019), start: (1.0, 1.0)),
        Run(label: "GD small lr", optimizer: Sgd(lr: 0.001), start: (1.0, 1.0)),
    ],
)"#;

/// One parsed CSV row: run, label, optimizer, lr, criterion, best.
struct Row {
    run: usize,
    lr: f64,
    criterion: f64,
    best: bool,
}

fn rows(csv: &str) -> Vec<Row> {
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("run,label,optimizer,lr,criterion,best"),
        "{csv}"
    );
    lines
        .map(|line| {
            let fields: Vec<&str> = line.split(',').collect();
            assert_eq!(fields.len(), 6, "{line}");
            let number = |i: usize| {
                fields[i]
                    .parse::<f64>()
                    .unwrap_or_else(|e| panic!("{e}: {line}"))
            };
            Row {
                run: fields[0].parse().unwrap_or_else(|e| panic!("{e}: {line}")),
                lr: number(3),
                criterion: number(4),
                best: fields[5] == "1",
            }
        })
        .collect()
}

/// ½·Σ λᵢ·cᵢ²·(1 − lr·λᵢ)^(2N): GD's loss after N steps on the quadratic, cᵢ the start's
/// components along the eigenvectors (u₁ = (cos 30°, sin 30°), u₂ = (−sin 30°, cos 30°)).
fn closed_form(lr: f64, steps: i32) -> f64 {
    let angle = 30f64.to_radians();
    let (c, s) = (angle.cos(), angle.sin());
    let components = [c + s, c - s];
    [1.0, 100.0]
        .iter()
        .zip(components)
        .map(|(lambda, ci)| 0.5 * lambda * ci * ci * (1.0 - lr * lambda).powi(2 * steps))
        .sum()
}

#[test]
fn gd_on_a_quadratic_picks_the_grid_point_nearest_the_exact_minimiser() {
    let directory = tempfile::tempdir().expect("a temp dir");
    let path = directory.path().join("quadratic.ron");
    std::fs::write(&path, QUADRATIC).expect("written");
    let path = path.to_string_lossy().into_owned();
    let output = optiviz(&["tune", &path, "--criterion", "final"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let csv = text(&output.stdout);
    let rows = rows(&csv);
    // The exact minimiser of the closed form, by a fine search over [1e-3, 0.02] (GD is stable
    // below 2/100).
    let fine = (0..=200_000).map(|k| 1e-3 * 20f64.powf(k as f64 / 200_000.0));
    let exact = fine
        .min_by(|a, b| closed_form(*a, 300).total_cmp(&closed_form(*b, 300)))
        .unwrap_or(f64::NAN);
    assert!((0.0195..0.0198).contains(&exact), "{exact}");
    let first: Vec<&Row> = rows.iter().filter(|row| row.run == 0).collect();
    assert_eq!(first.len(), 41, "10 points per decade over 4 decades");
    let nearest = first
        .iter()
        .min_by(|a, b| {
            (a.lr / exact)
                .ln()
                .abs()
                .total_cmp(&(b.lr / exact).ln().abs())
        })
        .map_or(f64::NAN, |row| row.lr);
    let best: Vec<&&Row> = first.iter().filter(|row| row.best).collect();
    assert_eq!(best.len(), 1);
    assert_eq!(best[0].lr, nearest, "{csv}");
    // Every stable grid point's final loss is the closed form's; unstable ones diverged (inf) or
    // grew.
    for row in &first {
        let expected = closed_form(row.lr, 300);
        if row.lr < 0.02 {
            assert!(
                (row.criterion - expected).abs() <= 1e-9 * expected.max(1e-300),
                "lr {}: {} vs {expected}",
                row.lr,
                row.criterion
            );
        } else {
            assert!(row.criterion > 1.0, "lr {}: {}", row.lr, row.criterion);
        }
    }
    // The second run is tuned around its own lr (10⁻⁵ … 10⁻¹) at the same budget and finds the
    // same region: the best of its grid is the closed form's best on that grid.
    let second: Vec<&Row> = rows.iter().filter(|row| row.run == 1).collect();
    let closed_best = second
        .iter()
        .filter(|row| row.lr < 0.02)
        .min_by(|a, b| closed_form(a.lr, 300).total_cmp(&closed_form(b.lr, 300)))
        .map_or(f64::NAN, |row| row.lr);
    let engine_best: Vec<f64> = second.iter().filter(|r| r.best).map(|r| r.lr).collect();
    assert_eq!(engine_best, [closed_best]);
}

#[test]
fn the_same_command_twice_prints_the_same_bytes() {
    let arguments = [
        "tune",
        "tuned_ranking",
        "--random",
        "--trials",
        "12",
        "--seeds",
        "3",
        "--criterion",
        "area",
        "--budget-evals",
        "150",
    ];
    let once = optiviz(&arguments);
    let twice = optiviz(&arguments);
    assert_eq!(once.status.code(), Some(0), "{}", text(&once.stderr));
    assert!(once.stdout.len() > 100);
    assert_eq!(once.stdout, twice.stdout);
    // Another search seed gives other lrs: the bytes do depend on the input.
    let grid = optiviz(&["tune", "tuned_ranking", "--per-decade", "3"]);
    assert_ne!(once.stdout, grid.stdout);
}

#[test]
fn a_second_hyperparameter_gets_its_own_column_and_bad_input_exits_2() {
    let output = optiviz(&[
        "tune",
        "zigzag",
        "--per-decade",
        "2",
        "--also",
        "momentum=0:0.9:3",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let csv = text(&output.stdout);
    assert!(
        csv.starts_with("run,label,optimizer,lr,momentum,criterion,best\n"),
        "{csv}"
    );
    let unknown = optiviz(&["tune", "zigzag", "--also", "gamma"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        text(&unknown.stderr).contains("gamma"),
        "{}",
        text(&unknown.stderr)
    );
    let malformed = optiviz(&["tune", "zigzag", "--also", "momentum=0:1"]);
    assert_eq!(malformed.status.code(), Some(2));
    let missing = optiviz(&["tune", "no_such_lesson"]);
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn stochastic_trials_average_the_seeds_and_diverged_ones_score_infinity() {
    let scenario = parse(
        r#"Scenario(
    problem: Landscape(Quadratic(lambda1: 1.0, lambda2: 10.0, angle_deg: 0.0)),
    steps: 100,
    runs: [Run(label: "noisy", optimizer: Sgd(lr: 0.05), start: (1.0, 1.0), noise_sigma: 0.5)],
)"#,
        "noisy.ron",
    )
    .unwrap_or_else(|e| panic!("{e}"))
    .scenario;
    let settings = |seeds: Vec<u64>| TuneSettings {
        per_decade: 2,
        seeds,
        criterion: Criterion::AreaUnderLoss,
        ..TuneSettings::default()
    };
    let tune = |seeds: Vec<u64>| {
        run_tune(
            &TuneRequest::new(&scenario, settings(seeds)),
            &JobControl::new(0),
        )
        .unwrap_or_else(|e| panic!("{e}"))
    };
    let (a, b, both) = (tune(vec![4]), tune(vec![5]), tune(vec![4, 5]));
    assert_eq!(a.trials.len(), 9);
    for ((a, b), both) in a.trials.iter().zip(&b.trials).zip(&both.trials) {
        if a.criterion.is_finite() {
            assert_ne!(a.criterion, b.criterion, "noise changes with the seed");
            let mean = 0.5 * (a.criterion + b.criterion);
            assert!((both.criterion - mean).abs() <= 1e-12 * mean, "{both:?}");
        } else {
            assert_eq!(both.criterion, f64::INFINITY);
        }
    }
    // lr = 5 (×10²) on λ = 10 diverges.
    assert_eq!(a.trials.last().map(|t| t.criterion), Some(f64::INFINITY));
    assert!(a.best(0).is_some_and(|best| best.lr < 0.2));
}

#[test]
fn bad_tuning_claims_and_settings_are_located_in_the_file() {
    let directory = tempfile::tempdir().expect("a temp dir");
    let path = directory.path().join("bad.ron");
    let text = r#"Scenario(
    version: 2,
    notice: [
        Notice(text: "a", claim: Tuned(run: "Adam", measure: BestLr, bounds: Within(0.1, 1.0))),
        Notice(text: "b", claim: Tuned(run: "GD", measure: BestOver("GD"), bounds: Below(1.0))),
        Notice(text: "c", claim: Seeds(seeds: [1, 2], claim: Tuned(run: "GD", measure: GoodDecades, bounds: Above(0.5)))),
    ],
    problem: Landscape(Quadratic(lambda1: 1.0, lambda2: 10.0, angle_deg: 0.0)),
    tune: (lr_factors: (1.0, 1.0), seeds: []),
    runs: [Run(label: "GD", optimizer: Sgd(lr: 0.01))],
)"#;
    std::fs::write(&path, text).expect("written");
    let output = optiviz(&["check", &path.to_string_lossy()]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text_of(&output);
    for (line, needle) in [
        (4, "no run is labelled \"Adam\""),
        (5, "a run over itself"),
        (6, "Tuned does not depend on the runs' seeds"),
        (9, "is empty"),
        (9, "seeds must list"),
    ] {
        assert!(
            stderr
                .lines()
                .any(|l| l.contains(&format!("bad.ron:{line}:")) && l.contains(needle)),
            "line {line}, {needle:?}:\n{stderr}"
        );
    }
    // A Tuned claim needs the lesson's tune: settings.
    let without = text.replace("    tune: (lr_factors: (1.0, 1.0), seeds: []),\n", "");
    std::fs::write(&path, without).expect("written");
    let stderr = text_of(&optiviz(&["check", &path.to_string_lossy()]));
    assert!(
        stderr.contains("Tuned needs the lesson's tuning study"),
        "{stderr}"
    );
}

fn text_of(output: &Output) -> String {
    format!("{}{}", text(&output.stdout), text(&output.stderr))
}
