//! The preset model: a [`Scenario`] (a problem plus runs to compare), its RON format, loading with
//! `file:line:col` diagnostics, and atomic saving.
//!
//! Loading reports the first parse error ron finds (syntax, wrong type, unknown variant), or else
//! every semantic error (unknown fields, lr ≤ 0, NaN, steps out of range…), each located in the text.
//! An unknown field is an error, except in a file whose `version` is newer than this app's, where it
//! is a warning naming the field: newer files load as far as this version understands them.
//!
//! Hostile input is bounded, never attempted: nesting beyond [`RECURSION_LIMIT`], text beyond
//! [`MAX_TEXT`], counts (steps, grids, sweep axes, network sizes) beyond their limits are errors;
//! a file that is not UTF-8 is located at its first bad byte; at most [`MAX_DIAGNOSTICS`] lines are
//! reported, and words echoed from the file are cut short, so a report stays readable.
//!
//! The parts: `model` (the types presets hold, the problem registry, sweep axes), `parse` (text to a
//! scenario with located diagnostics), `validate` (semantic checks by field path, without building
//! the problem), `io` (files: load, atomic save, pretty text), `locate` (field paths to positions),
//! `claims` (a lesson's checked claims, version 2) with `validate_claims`.

mod claims;
mod io;
mod locate;
mod model;
mod parse;
mod rate_bound;
mod tune_settings;
mod validate;
mod validate_claims;

/// Kept here for the callers that name it so; it lives in the leaf [`crate::ron_format`].
pub use crate::ron_format::{RECURSION_LIMIT, ron_options};
pub use claims::{
    At, BasinOutcome, Bounds, Claim, Edit, ExpectedStatus, HullMeasure, LOOSENESS_LIMIT,
    MAX_NOTICES, Metric, Notice, RecordMetric, Try,
};
pub use io::{load, problem_to_ron, save, to_ron, write_atomically};
pub use locate::{Located, PathIndex, Position};
pub use model::{
    Axis, BATCH_SIZE, BasinSettings, BuiltProblem, MAX_AXIS_COUNT, Presentation, Problem,
    RunConfig, Scenario, SubdifferentialSettings, SweepSettings, set_axis_value,
};
pub use parse::{Diagnostic, LoadError, Loaded, MAX_DIAGNOSTICS, Severity, parse, parse_problem};
pub use rate_bound::RateBound;
pub use tune_settings::{Criterion, MAX_TRIALS, TuneSettings, TunedMeasure};
pub use validate::validate;

/// The preset format version this app writes and fully understands: 2 added the lesson's claims
/// (`notice`, `try`, `question`, `theory`); a file without them is also a valid version 1 file.
pub const CURRENT_VERSION: u32 = 2;
/// The first version with lesson claims.
pub const CLAIMS_VERSION: u32 = 2;
/// A network run records its diagnostics every this many steps when `sharpness_every` is 0.
pub const DEFAULT_RECORD_EVERY: u64 = 10;
/// Most steps a scenario may ask for.
pub const MAX_STEPS: u64 = 100_000_000;
/// Most runs in one scenario.
pub const MAX_RUNS: usize = 64;
/// Slowest pace a lesson may set, in steps per second (the app's speed control's range).
pub const MIN_SPEED: f64 = 1.0;
/// Fastest pace a lesson may set, in steps per second.
pub const MAX_SPEED: f64 = 2000.0;
/// Longest name, label or notes text accepted, in bytes.
pub const MAX_TEXT: usize = 100_000;
/// Longest hyperparameter name of a sweep axis, in bytes (real ones are under 20).
const MAX_NAME: usize = 100;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::landscape::LandscapeConfig;
    use crate::network::{DatasetConfig, MatrixFactorization, Mlp};

    #[test]
    fn network_sample_counts_come_from_the_config_as_the_built_network_has_them() {
        let mut problems: Vec<Problem> = Problem::catalog()
            .into_iter()
            .filter(Problem::is_network)
            .collect();
        assert_eq!(problems.len(), 3);
        let mlp = |data, test_fraction| {
            Problem::Mlp(Mlp {
                widths: vec![2, 1],
                data,
                test_fraction,
                ..Mlp::default()
            })
        };
        problems.extend([
            mlp(DatasetConfig::Moons { n: 201, noise: 0.1 }, 0.25),
            mlp(DatasetConfig::Moons { n: 7, noise: 0.1 }, 0.99),
            mlp(DatasetConfig::Xor { n: 1, noise: 0.0 }, f64::NAN),
            mlp(
                DatasetConfig::Spiral {
                    n: 500_000,
                    noise: 0.0,
                },
                -1.0,
            ),
            Problem::MatrixFactorization(MatrixFactorization {
                n: 500,
                observed_fraction: 0.013,
                ..MatrixFactorization::default()
            }),
            Problem::MatrixFactorization(MatrixFactorization {
                observed_fraction: f64::NAN,
                ..MatrixFactorization::default()
            }),
        ]);
        for problem in &problems {
            let BuiltProblem::Network(network) = problem.build() else {
                panic!("{} built as a landscape", problem.name());
            };
            assert_eq!(problem.num_samples(), network.num_samples(), "{problem:?}");
        }
    }

    #[test]
    fn every_parameter_a_problem_lists_can_be_set_by_its_name() {
        for problem in Problem::catalog() {
            let hypers = problem.hypers();
            if problem.is_network() {
                assert!(!hypers.is_empty(), "{}", problem.name());
            }
            for hyper in hypers {
                let mut edited = problem.clone();
                edited.set_hyper(hyper.name, hyper.value).unwrap();
                assert_eq!(edited, problem, "{}.{}", problem.name(), hyper.name);
            }
            let mut edited = problem.clone();
            assert!(
                edited
                    .set_hyper("warp", crate::hyper::HyperValue::Float(1.0))
                    .is_err()
            );
        }
    }

    #[test]
    fn landscape_sample_counts_come_from_the_config_as_the_built_landscape_has_them() {
        use crate::landscape::{Lasso, LeastSquares, Logistic};
        let mut problems: Vec<Problem> = Problem::catalog()
            .into_iter()
            .filter(|problem| !problem.is_network())
            .collect();
        for n in [0, 1, 2, 37, 1_000_000] {
            problems.extend([
                Problem::Landscape(LandscapeConfig::LeastSquares(LeastSquares {
                    n,
                    ..LeastSquares::default()
                })),
                Problem::Landscape(LandscapeConfig::Logistic(Logistic {
                    n,
                    ..Logistic::default()
                })),
                Problem::Landscape(LandscapeConfig::Lasso(Lasso {
                    n,
                    ..Lasso::default()
                })),
            ]);
        }
        for problem in &problems {
            let BuiltProblem::Landscape(landscape) = problem.build() else {
                panic!("{} built as a network", problem.name());
            };
            assert_eq!(
                problem.num_samples(),
                landscape.num_samples(),
                "{problem:?}"
            );
        }
    }

    #[test]
    fn the_problem_catalog_names_each_problem_once_with_a_description() {
        let catalog = Problem::catalog();
        let mut names: Vec<&str> = catalog.iter().map(Problem::name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), catalog.len());
        for problem in &catalog {
            assert!(!problem.description().is_empty(), "{}", problem.name());
            let text = problem_to_ron(problem).unwrap();
            assert_eq!(&parse_problem(&text).unwrap(), problem, "{text}");
        }
    }

    /// A version-1 lesson saves exactly as before claims existed: no lesson field is written, and
    /// `notes` comes back verbatim.
    #[test]
    fn version_one_files_save_as_they_did() {
        let source =
            "Scenario(version: 1, name: \"Old\", notes: \"Look: \\\"quoted\\\" ∇f\", steps: 5)";
        let scenario = parse(source, "old.ron").unwrap().scenario;
        assert_eq!(scenario.version, 1);
        assert!(!scenario.has_lesson_fields());
        let text = to_ron(&scenario).unwrap();
        let head = "Scenario(\n    version: 1,\n    name: \"Old\",\n    notes: \"Look: \\\"quoted\\\" ∇f\",\n    problem: Landscape(";
        assert!(text.starts_with(head), "{text}");
        for field in ["notice", "try:", "question", "theory"] {
            assert!(!text.contains(field), "{field} in {text}");
        }
        assert_eq!(parse(&text, "saved.ron").unwrap().scenario, scenario);
    }

    #[test]
    fn defaults_round_trip() {
        let scenario = Scenario::default();
        let text = to_ron(&scenario).unwrap();
        assert!(!text.contains("#!"), "{text}");
        let back = parse(&text, "x.ron").unwrap().scenario;
        assert_eq!(back, scenario);
    }

    #[test]
    fn semantic_errors_are_all_reported_with_positions() {
        let source =
            "Scenario(\n  steps: 0,\n  runs: [Run(optimizer: Sgd(lr: -1.0, momentum: -2.0))],\n)";
        let error = parse(source, "bad.ron").unwrap_err();
        let lines: Vec<String> = error.0.iter().map(ToString::to_string).collect();
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert!(lines[0].starts_with("bad.ron:2:10: steps"), "{lines:?}");
        assert!(
            lines[1].starts_with("bad.ron:3:33: lr must be > 0"),
            "{lines:?}"
        );
        assert!(lines[2].starts_with("bad.ron:3:49: momentum"), "{lines:?}");
    }

    #[test]
    fn basin_and_presentation_settings_round_trip_and_are_checked() {
        let source = "Scenario(\n  basin: (run: 3, resolution: 8),\n  presentation: (hide_metrics: true),\n)";
        let error = parse(source, "b.ron").unwrap_err();
        let lines: Vec<String> = error.0.iter().map(ToString::to_string).collect();
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(
            lines[0].starts_with("b.ron:2:16: run 3 does not exist"),
            "{lines:?}"
        );
        assert!(lines[1].starts_with("b.ron:2:31: resolution"), "{lines:?}");
        let fine = Scenario {
            basin: Some(BasinSettings::default()),
            presentation: Presentation {
                hide_runs: true,
                ..Presentation::default()
            },
            ..Scenario::default()
        };
        let back = parse(&to_ron(&fine).unwrap(), "f.ron").unwrap().scenario;
        assert_eq!(back, fine);
    }

    #[test]
    fn unknown_fields_error_now_and_warn_from_newer_versions() {
        let current = "Scenario(runs: [Run(optimizer: Sgd(lr: 0.1, warp: 2.0))])";
        let error = parse(current, "a.ron").unwrap_err();
        assert_eq!(error.0.len(), 1);
        assert_eq!(error.0[0].position, Position { line: 1, col: 45 });
        assert!(error.0[0].message.contains("unknown field `warp`"));

        let newer =
            "Scenario(version: 9, hologram: true, runs: [Run(optimizer: Sgd(lr: 0.1, warp: 2.0))])";
        let loaded = parse(newer, "b.ron").unwrap();
        let fields: Vec<_> = loaded.warnings.iter().map(|w| w.message.clone()).collect();
        assert_eq!(loaded.warnings.len(), 2, "{fields:?}");
        assert!(fields[0].contains("`hologram`") && fields[1].contains("`warp`"));
        assert_eq!(loaded.warnings[0].severity, Severity::Warning);
    }
}
