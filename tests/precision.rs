//! Low precision in the engine: a bf16 iterate stalls where updates fall below half an ulp, while
//! stochastic rounding and Kahan compensation keep converging; samples report the stored iterate;
//! the setting round-trips through RON and is validated.

use optiviz::engine::{Sample, Session};
use optiviz::landscape::{LandscapeConfig, Quadratic};
use optiviz::optim::{OptimizerConfig, SgdConfig};
use optiviz::precision::{
    Compensation, Format, GradientPrecision, Precision, Rounded, Rounding, round_nearest_even,
};
use optiviz::scenario::{self, Problem, RunConfig, Scenario};

fn preset() -> Scenario {
    scenario::parse(
        include_str!("../presets/bf16_stagnation.ron"),
        "bf16_stagnation.ron",
    )
    .expect("the preset loads")
    .scenario
}

fn trajectories(mut session: Session) -> Vec<Vec<Sample>> {
    let mut all: Vec<Vec<Sample>> = session
        .runs()
        .iter()
        .map(|run| vec![run.last_sample()])
        .collect();
    while !session.is_finished() {
        for progress in session.advance(100) {
            all[progress.run].extend(progress.samples);
        }
    }
    all
}

fn distance_to_one(sample: &Sample) -> f64 {
    (sample.point[0] - 1.0).hypot(sample.point[1] - 1.0)
}

/// The step after which the point never changed again.
fn last_move(samples: &[Sample]) -> u64 {
    let end = samples.last().expect("samples").point;
    samples
        .iter()
        .rev()
        .find(|s| s.point != end)
        .map_or(0, |s| s.step + 1)
}

#[test]
fn bf16_stalls_at_the_measured_point_while_the_cures_converge() {
    let all = trajectories(Session::new(preset()));
    let labels: Vec<_> = preset().runs.iter().map(|r| r.label.clone()).collect();
    assert_eq!(labels[1], "bf16, nearest");
    let end = |run: usize| *all[run].last().expect("samples");

    // f64 converges geometrically (rate 0.99 per step).
    assert!(distance_to_one(&end(0)) < 1e-6, "{:?}", end(0));
    // bf16 to nearest: stuck from step 237 at the point the preset's notes quote.
    assert_eq!(end(1).point, [1.390625, 0.8046875]);
    assert_eq!(last_move(&all[1]), 237);
    assert!((distance_to_one(&end(1)) - 0.4367).abs() < 1e-4);
    // At the stall the update is half an ulp of each coordinate: a tie, which rounds to the even
    // neighbour, the coordinate itself.
    for (v, half_ulp) in [(1.390625, 2f64.powi(-8)), (0.8046875, 2f64.powi(-9))] {
        let update: f64 = 0.01 * (v - 1.0);
        assert!((update.abs() - half_ulp).abs() < 1e-15, "{update}");
    }
    // Stochastic rounding and Kahan land on the minimum exactly.
    assert_eq!(end(2).point, [1.0, 1.0]);
    assert_eq!(last_move(&all[2]), 942);
    assert_eq!(end(3).point, [1.0, 1.0]);
    assert_eq!(last_move(&all[3]), 704);
    // fp32 stalls too, three orders of magnitude closer than 2⁻⁸/lr.
    assert!((distance_to_one(&end(4)) - 6.664e-6).abs() < 1e-8);
    assert_eq!(last_move(&all[4]), 1345);
    // An f64 master with gradients at its bf16 copy: moves until the copy is the minimum, then
    // stops within half a bf16 ulp of it (2⁻⁸ above 1, 2⁻⁹ below), at a point that is not a bf16
    // value.
    assert_eq!(labels[5], "bf16 copy, f64 master");
    let master = end(5).point;
    assert_eq!(
        master.map(|v| round_nearest_even(v, Format::Bf16)),
        [1.0, 1.0]
    );
    assert!((master[0] - 1.00383).abs() < 1e-5 && (master[1] - 0.99806).abs() < 1e-5);
    assert_ne!(round_nearest_even(master[0], Format::Bf16), master[0]);
    assert_eq!(last_move(&all[5]), 701);
    // Samples report the stored iterate: every point is a bf16 (resp. fp32) value.
    for (run, format) in [
        (1, Format::Bf16),
        (2, Format::Bf16),
        (3, Format::Bf16),
        (4, Format::Fp32),
    ] {
        for s in &all[run] {
            for v in s.point {
                assert_eq!(
                    round_nearest_even(v, format),
                    v,
                    "run {run} step {}",
                    s.step
                );
            }
        }
    }
}

fn gd_on_quadratic(lr: f64, precision: Option<Precision>, seed: u64) -> Scenario {
    Scenario {
        problem: Problem::Landscape(LandscapeConfig::Quadratic(Quadratic {
            lambda1: 1.0,
            lambda2: 10.0,
            angle_deg: 0.0,
        })),
        steps: 6000,
        runs: vec![RunConfig {
            optimizer: OptimizerConfig::Sgd(SgdConfig {
                lr,
                ..SgdConfig::default()
            }),
            start: Some([1.0, 1.0]),
            seed,
            precision,
            ..RunConfig::default()
        }],
        ..Scenario::default()
    }
}

#[test]
fn a_relative_update_below_half_an_ulp_never_moves_the_iterate() {
    // Stagnation is relative: from x = 1 downwards the next bf16 value is 1 − 2⁻⁸, so every update
    // below 2⁻⁹·x rounds back, whatever the scale of x.
    let bf16 = |rounding, compensation| {
        Some(Precision {
            format: Format::Bf16,
            rounding,
            compensation,
            rounded: Rounded::Iterate,
            master_copy: false,
        })
    };
    let lr = 0.00015; // lr·λ = 1.5e-4 and 1.5e-3 < 2⁻⁹ ≈ 1.95e-3
    let runs = [
        None,
        bf16(Rounding::Nearest, Compensation::None),
        bf16(Rounding::Stochastic, Compensation::None),
        bf16(Rounding::Nearest, Compensation::Kahan),
    ]
    .map(|precision| {
        let all = trajectories(Session::new(gd_on_quadratic(lr, precision, 5)));
        *all[0].last().expect("samples")
    });
    assert_eq!(runs[1].point, [1.0, 1.0], "nearest never moves");
    // The f64 run: x = (1 − 1.5e-4)⁶⁰⁰⁰ ≈ 0.41, y = (1 − 1.5e-3)⁶⁰⁰⁰ ≈ 1.2e-4.
    let exact = runs[0].point;
    assert!((exact[0] - (1.0 - lr).powi(6000)).abs() < 1e-12);
    for cured in [runs[2], runs[3]] {
        // Within a few bf16 ulps of the f64 trajectory.
        assert!(
            (cured.point[0] - exact[0]).abs() < 0.02,
            "{cured:?} vs {exact:?}"
        );
        assert!(cured.point[1].abs() < 0.01, "{cured:?}");
    }
}

#[test]
fn stochastic_runs_are_reproducible_and_restart_identically() {
    let precision = Some(Precision {
        format: Format::Fp16,
        rounding: Rounding::Stochastic,
        compensation: Compensation::None,
        rounded: Rounded::Iterate,
        master_copy: false,
    });
    let first = trajectories(Session::new(gd_on_quadratic(0.001, precision, 9)));
    let again = trajectories(Session::new(gd_on_quadratic(0.001, precision, 9)));
    assert_eq!(first, again);
    let other = trajectories(Session::new(gd_on_quadratic(0.001, precision, 10)));
    assert_ne!(first, other);

    let mut session = Session::new(gd_on_quadratic(0.001, precision, 9));
    session.advance(500);
    session.reset();
    assert_eq!(trajectories(session), first);
}

#[test]
fn precision_round_trips_through_ron_and_is_omitted_when_off() {
    let scenario = preset();
    let text = scenario::to_ron(&scenario).expect("serializes");
    assert!(text.contains("format: Fp32"), "{text}");
    let back = scenario::parse(&text, "back.ron").expect("parses").scenario;
    assert_eq!(back, scenario);
    assert_eq!(back.runs[0].precision, None);
    assert!(
        !scenario::to_ron(&Scenario::default())
            .expect("serializes")
            .contains("precision")
    );

    // Missing fields take their defaults: bf16, nearest, no compensation.
    let short = "Scenario(runs: [Run(optimizer: Sgd(lr: 0.1), precision: (format: Fp8E4M3))])";
    let loaded = scenario::parse(short, "short.ron")
        .expect("parses")
        .scenario;
    let precision = loaded.runs[0].precision.expect("set");
    assert_eq!(precision.format, Format::Fp8E4M3);
    assert_eq!(precision.rounding, Rounding::Nearest);
    assert_eq!(precision.compensation, Compensation::None);
}

#[test]
fn a_start_beyond_the_format_is_reported_where_it_is() {
    let source = "Scenario(\n  runs: [Run(start: (500.0, 1.0), precision: (format: Fp8E4M3))],\n)";
    let error = scenario::parse(source, "big.ron").expect_err("rejected");
    let line = error.0[0].to_string();
    assert!(
        line.starts_with("big.ron:2:21: start (500, 1) lies beyond fp8 E4M3's largest value ±448"),
        "{line}"
    );
    let unknown = "Scenario(runs: [Run(precision: (format: Fp64))])";
    assert!(scenario::parse(unknown, "u.ron").is_err());
}

/// Gradients of a very flat bowl, f = 5·10⁻⁷(x² + y²), computed in fp16: once they fall below
/// half fp16's smallest subnormal (2⁻²⁵ ≈ 3·10⁻⁸) they underflow to zero and GD stops; scaling
/// the loss by 1024 before rounding (and unscaling after) lifts them back into range.
#[test]
fn fp16_gradients_underflow_and_loss_scaling_cures_it() {
    let run = |label: &str, gradient_precision: Option<GradientPrecision>| RunConfig {
        label: label.into(),
        optimizer: OptimizerConfig::Sgd(SgdConfig {
            lr: 1e5,
            ..SgdConfig::default()
        }),
        start: Some([1.0, 1.0]),
        gradient_precision,
        ..RunConfig::default()
    };
    let scenario = Scenario {
        problem: Problem::Landscape(LandscapeConfig::Formula(optiviz::landscape::Formula {
            expr: "5e-7*(x^2 + y^2)".into(),
            ..Default::default()
        })),
        steps: 300,
        runs: vec![
            run("f64", None),
            run(
                "fp16",
                Some(GradientPrecision {
                    format: Format::Fp16,
                    loss_scale: 1.0,
                }),
            ),
            run(
                "fp16 × 1024",
                Some(GradientPrecision {
                    format: Format::Fp16,
                    loss_scale: 1024.0,
                }),
            ),
        ],
        ..Scenario::default()
    };
    let all = trajectories(Session::new(scenario));
    let distance = |run: usize| {
        let p = all[run].last().expect("samples").point;
        p[0].hypot(p[1])
    };
    // f64: 0.9³⁰⁰·√2 ≈ 3e-14.
    assert!(distance(0) < 1e-12, "f64 {}", distance(0));
    // fp16: stuck where 10⁻⁶·|x| < 2⁻²⁵, |x| ≈ 0.03, and it never moves again.
    assert!(
        (0.01..0.1).contains(&distance(1)),
        "fp16 stalls: {}",
        distance(1)
    );
    assert!(
        last_move(&all[1]) < 100,
        "stalled at step {}",
        last_move(&all[1])
    );
    // Scaled by 1024 the gradients stay representable a thousand times further down.
    assert!(
        distance(2) < distance(1) / 500.0,
        "loss scaling: {} vs {}",
        distance(2),
        distance(1)
    );
}

#[test]
fn rounding_only_the_update_does_not_stagnate() {
    // The stagnating bf16 setting of the preset, with the update rounded instead of the iterate:
    // the iterate stays f64, every update keeps its leading 8 bits, and GD converges as in f64
    // up to a relative error of 2⁻⁹ per step.
    let mut scenario = preset();
    let bf16 = |rounded| {
        Some(Precision {
            format: Format::Bf16,
            rounded,
            ..Precision::default()
        })
    };
    scenario.runs.truncate(1);
    let mut both = scenario.runs[0].clone();
    scenario.runs[0].precision = bf16(Rounded::Update);
    both.precision = bf16(Rounded::IterateAndUpdate);
    scenario.runs.push(both);
    let all = trajectories(Session::new(scenario));
    let end = |run: usize| *all[run].last().expect("samples");
    assert!(distance_to_one(&end(0)) < 1e-5, "{:?}", end(0));
    // Some iterate is not a bf16 value: only updates were rounded.
    assert!(
        all[0]
            .iter()
            .any(|s| round_nearest_even(s.point[0], Format::Bf16) != s.point[0])
    );
    // Rounding the sum as well stagnates again, as the iterate-only run does.
    assert!(distance_to_one(&end(1)) > 0.1, "{:?}", end(1));
}
