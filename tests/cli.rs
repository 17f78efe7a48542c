//! The `optiviz` binary: CSV format, exit codes, diagnostics for malformed presets, listing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn optiviz(arguments: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_optiviz"))
        .args(arguments)
        .output()
        .expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn preset(name: &str) -> String {
    format!("{}/presets/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn write(directory: &Path, name: &str, contents: &str) -> PathBuf {
    let path = directory.join(name);
    std::fs::write(&path, contents).expect("temp file written");
    path
}

fn assert_no_panic(output: &Output) {
    let stderr = text(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn run_streams_csv_with_a_header_and_full_precision() {
    let output = optiviz(&["run", &preset("zigzag.ron")]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    let mut reader = csv::Reader::from_reader(stdout.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(&header[..6], ["run", "label", "step", "x", "y", "loss"]);
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 2 * 201);
    // Step 0 is the start point, then one row per step; runs in order.
    assert_eq!(
        &rows[0].iter().take(6).collect::<Vec<_>>(),
        &["0", "GD", "0", "1.0", "1.0", "50.5"]
    );
    assert_eq!(&rows[201][0], "1");
    assert_eq!(&rows[201][1], "momentum");
    // Floats are shortest round-trip: parsing and printing again gives the same text.
    for row in &rows {
        for field in [&row[3], &row[4], &row[5]] {
            let value: f64 = field.parse().unwrap();
            assert_eq!(format!("{value:?}"), field);
        }
    }
    // The library's session produces exactly these numbers.
    let scenario = optiviz::presets::load(&preset("zigzag.ron"))
        .unwrap()
        .scenario;
    let mut session = optiviz::engine::Session::new(scenario);
    let progress = session.advance(200);
    let last = progress[1].samples.last().unwrap();
    assert_eq!(rows[401][5].parse::<f64>().unwrap(), last.loss);
}

#[test]
fn run_honours_steps_and_out() {
    let directory = tempfile::tempdir().unwrap();
    let out = directory.path().join("trajectories.csv");
    let output = optiviz(&[
        "run",
        "zigzag",
        "--steps",
        "3",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0));
    assert!(output.stdout.is_empty());
    let csv = std::fs::read_to_string(&out).unwrap();
    assert_eq!(csv.lines().count(), 1 + 2 * 4);
    assert_eq!(
        optiviz(&["run", "zigzag", "--steps", "0"]).status.code(),
        Some(2)
    );
}

fn golden(name: &str) -> String {
    format!("{}/tests/golden/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// The stored CSVs were written by `optiviz run` before its writer was rewritten for speed (with
/// `tests/golden/csv_landscape.ron`, `workers --steps 12` and `eos_mlp --steps 12`): the output
/// stays the same to the byte, floats, quoting and empty fields included.
#[test]
fn run_writes_the_stored_csv_byte_for_byte() {
    let landscape = golden("csv_landscape.ron");
    for (arguments, stored) in [
        (vec!["run", landscape.as_str()], "csv_landscape.csv"),
        (vec!["run", "workers", "--steps", "12"], "csv_workers.csv"),
        (vec!["run", "eos_mlp", "--steps", "12"], "csv_network.csv"),
    ] {
        let output = optiviz(&arguments);
        assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
        let expected = std::fs::read(golden(stored)).unwrap();
        assert!(output.stdout == expected, "{stored} differs");
    }
    // And to a file.
    let directory = tempfile::tempdir().unwrap();
    let out = directory.path().join("golden.csv");
    let output = optiviz(&["run", &landscape, "--out", out.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(std::fs::read(&out).unwrap() == std::fs::read(golden("csv_landscape.csv")).unwrap());
}

#[test]
fn every_writes_each_nth_step_and_each_runs_first_and_last() {
    let records = |bytes: &[u8]| -> Vec<csv::StringRecord> {
        csv::Reader::from_reader(bytes)
            .records()
            .map(|r| r.unwrap())
            .collect()
    };
    let all = records(&std::fs::read(golden("csv_landscape.csv")).unwrap());
    let output = optiviz(&["run", &golden("csv_landscape.ron"), "--every", "7"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let is_run_boundary = |index: usize| {
        index == 0
            || index + 1 == all.len()
            || all[index - 1][0] != all[index][0]
            || all[index + 1][0] != all[index][0]
    };
    let expected: Vec<csv::StringRecord> = all
        .iter()
        .enumerate()
        .filter(|(index, row)| row[2].parse::<u64>().unwrap() % 7 == 0 || is_run_boundary(*index))
        .map(|(_, row)| row.clone())
        .collect();
    let written = records(&output.stdout);
    assert_eq!(written, expected);
    // The diverged run (run 2) ends at its last step, 32, not a multiple of 7.
    let last_of_run_2 = written.iter().rfind(|row| &row[0] == "2").unwrap();
    assert_eq!(&last_of_run_2[2], "32");
    assert_eq!(
        optiviz(&["run", "zigzag", "--every", "0"]).status.code(),
        Some(2)
    );
}

#[test]
fn labels_are_quoted_as_rfc_4180_needs() {
    let directory = tempfile::tempdir().unwrap();
    let path = write(
        directory.path(),
        "quoted.ron",
        r#"Scenario(steps: 1, runs: [Run(label: "GD, \"fast\"", optimizer: Sgd(lr: 0.1))])"#,
    );
    let output = optiviz(&["run", path.to_str().unwrap()]);
    let stdout = text(&output.stdout);
    assert!(
        stdout
            .lines()
            .nth(1)
            .unwrap()
            .starts_with(r#"0,"GD, ""fast""",0,"#),
        "{stdout}"
    );
}

#[test]
fn a_diverged_run_ends_at_its_last_finite_row_and_says_why() {
    let directory = tempfile::tempdir().unwrap();
    let path = write(
        directory.path(),
        "diverge.ron",
        "Scenario(problem: Landscape(Quadratic(lambda1: 1.0, lambda2: 100.0)), steps: 1000,
          runs: [Run(label: \"too fast\", optimizer: Sgd(lr: 0.025)), Run(label: \"fine\", optimizer: Sgd(lr: 0.01))])",
    );
    let output = optiviz(&["run", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("run 0 (\"too fast\") diverged"), "{stderr}");
    assert!(stderr.contains("lr·λmax = 2.5"), "{stderr}");
    assert!(!stderr.contains("run 1"), "{stderr}");
    let stdout = text(&output.stdout);
    let mut reader = csv::Reader::from_reader(stdout.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    let diverged: Vec<_> = rows.iter().filter(|r| &r[0] == "0").collect();
    assert!(diverged.len() < 1001);
    assert!(
        diverged
            .iter()
            .all(|r| r[5].parse::<f64>().unwrap().is_finite())
    );
    assert_eq!(rows.iter().filter(|r| &r[0] == "1").count(), 1001);
}

#[test]
fn an_unbounded_landscape_is_reported_not_crashed() {
    let directory = tempfile::tempdir().unwrap();
    let path = write(
        directory.path(),
        "saddle.ron",
        "Scenario(problem: Landscape(Saddle()), steps: 100000, runs: [Run(optimizer: Sgd(lr: 0.1))])",
    );
    let output = optiviz(&["run", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0));
    assert!(
        text(&output.stderr).contains("unbounded below"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn check_accepts_every_bundled_preset() {
    let mut files: Vec<String> = std::fs::read_dir(preset(""))
        .unwrap()
        .map(|e| e.unwrap().path().to_string_lossy().into_owned())
        .filter(|p| p.ends_with(".ron"))
        .collect();
    files.sort();
    let mut arguments = vec!["check"];
    arguments.extend(files.iter().map(String::as_str));
    let output = optiviz(&arguments);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout).lines().count(), files.len());
}

/// (name, preset text, expected `LINE:COL: ` and a word of the message)
const MALFORMED: &[(&str, &str, &str, &str)] = &[
    (
        "truncated",
        "Scenario(\n  name: \"x\",\n  runs: [Run(",
        "3:14",
        "end",
    ),
    ("empty", "", "1:1", ""),
    (
        "unknown optimizer",
        "Scenario(runs: [Run(optimizer: Adamm(lr: 0.1))])",
        "1:32",
        "Adamm",
    ),
    (
        "unknown landscape",
        "Scenario(problem: Landscape(Himmelbrau()))",
        "1:29",
        "Himmelbrau",
    ),
    (
        "unknown field",
        "Scenario(runs: [Run(optimizer: Sgd(lr: 0.1,\n    momentun: 0.9))])",
        "2:5",
        "momentun",
    ),
    ("wrong type", "Scenario(steps: \"many\")", "1:17", "integer"),
    (
        "lr zero",
        "Scenario(runs: [Run(optimizer: Sgd(lr: 0.0))])",
        "1:40",
        "lr must be > 0",
    ),
    (
        "lr NaN",
        "Scenario(runs: [Run(optimizer: Sgd(lr: NaN))])",
        "1:40",
        "finite",
    ),
    (
        "steps out of range",
        "Scenario(\n steps: 1000000000000)",
        "2:9",
        "steps must be between",
    ),
    (
        "start dimension",
        "Scenario(runs: [Run(start: (1.0, 2.0, 3.0))])",
        "1:39",
        "closing",
    ),
    (
        "nesterov without momentum",
        "Scenario(runs: [Run(optimizer: Sgd(lr: 0.1, nesterov: true))])",
        "1:55",
        "Nesterov",
    ),
    (
        "negative momentum",
        "Scenario(runs: [Run(optimizer: Sgd(lr: 0.1, momentum: -0.5))])",
        "1:55",
        "momentum",
    ),
    (
        "batch on a plain landscape",
        "Scenario(runs: [Run(batch_size: 4)])",
        "1:33",
        "finite-sum",
    ),
    (
        "batch too large",
        "Scenario(problem: Landscape(LeastSquares(n: 8)), runs: [Run(batch_size: 9)])",
        "1:73",
        "between 1 and",
    ),
    (
        "bad landscape parameter",
        "Scenario(problem: Landscape(FlatSharp(sharp_width: -0.2)))",
        "1:52",
        "sharp_width",
    ),
    (
        "infinite start",
        "Scenario(runs: [Run(start: (inf, 0.0))])",
        "1:28",
        "finite",
    ),
];

#[test]
fn malformed_presets_give_file_line_col_and_exit_2() {
    let directory = tempfile::tempdir().unwrap();
    for (name, contents, position, word) in MALFORMED {
        let path = write(directory.path(), "bad.ron", contents);
        let output = optiviz(&["check", path.to_str().unwrap()]);
        assert_no_panic(&output);
        assert_eq!(output.status.code(), Some(2), "{name}");
        let stderr = text(&output.stderr);
        let expected = format!("{}:{position}", path.display());
        assert!(
            stderr.starts_with(&expected),
            "{name}: expected {expected}…, got {stderr}"
        );
        assert!(stderr.contains(word), "{name}: {stderr}");
        // `run` refuses the same file the same way.
        let run = optiviz(&["run", path.to_str().unwrap()]);
        assert_eq!(run.status.code(), Some(2), "{name}");
        assert!(run.stdout.is_empty());
    }
}

#[test]
fn every_semantic_error_is_reported_not_just_the_first() {
    let directory = tempfile::tempdir().unwrap();
    let path = write(
        directory.path(),
        "many.ron",
        "Scenario(\n  steps: 0,\n  tolerance: -1.0,\n  runs: [\n    Run(optimizer: Sgd(lr: -1.0)),\n    Run(noise_sigma: -2.0),\n  ],\n)",
    );
    let output = optiviz(&["check", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    let positions: Vec<&str> = stderr
        .lines()
        .map(|line| line.trim_start_matches(path.to_str().unwrap()))
        .map(|rest| rest.split(": ").next().unwrap())
        .collect();
    assert_eq!(positions, [":2:10", ":3:14", ":5:28", ":6:22"], "{stderr}");
}

#[test]
fn a_newer_version_warns_about_unknown_fields_and_still_runs() {
    let directory = tempfile::tempdir().unwrap();
    let path = write(
        directory.path(),
        "future.ron",
        "Scenario(version: 3, steps: 2, hologram: true, runs: [Run(optimizer: Sgd(lr: 0.1))])",
    );
    let output = optiviz(&["run", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains(":1:32: warning: ignored field `hologram`"),
        "{stderr}"
    );
    assert_eq!(text(&output.stdout).lines().count(), 4);
}

#[test]
fn missing_files_and_bad_arguments_are_bad_input() {
    let output = optiviz(&["check", "no/such/file.ron"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).starts_with("no/such/file.ron:1:1: cannot read"));
    assert_eq!(optiviz(&["run"]).status.code(), Some(2));
    assert_eq!(optiviz(&["frobnicate", "x"]).status.code(), Some(2));
    let not_utf8 = tempfile::tempdir().unwrap();
    let path = not_utf8.path().join("binary.ron");
    std::fs::write(&path, [0xff, 0xfe, 0x00, 0x28]).unwrap();
    let output = optiviz(&["check", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert_no_panic(&output);
}

#[test]
fn list_names_everything_with_a_description() {
    let landscapes = text(&optiviz(&["list", "landscapes"]).stdout);
    assert_eq!(
        landscapes.lines().count(),
        optiviz::landscape::LandscapeConfig::catalog().len()
    );
    assert!(landscapes.lines().any(|l| l.starts_with("Rosenbrock ")));
    let optimizers = text(&optiviz(&["list", "optimizers"]).stdout);
    let catalog = optiviz::optim::OptimizerConfig::catalog();
    assert_eq!(optimizers.lines().count(), catalog.len());
    // Every optimizer: name, description, then `(name=default, …)` with every hyperparameter, the
    // elements of a tuple (`betas[0]`, `betas[1]`) joined into `betas=(…, …)`.
    for (line, config) in optimizers.lines().zip(&catalog) {
        assert!(line.starts_with(&format!("{} ", config.name())), "{line}");
        assert!(line.contains(config.description()), "{line}");
        assert!(line.ends_with(')'), "{line}");
        for hyper in config.hypers() {
            let name = hyper.name.split('[').next().unwrap();
            assert!(
                line.contains(&format!(" ({name}=")) || line.contains(&format!(", {name}=")),
                "{line} lacks {name}"
            );
        }
    }
    let line = |name: &str| {
        optimizers
            .lines()
            .find(|l| l.starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("no {name} in\n{optimizers}"))
            .to_owned()
    };
    assert_eq!(
        line("Sgd"),
        "Sgd                torch.optim.SGD: gradient descent, heavy-ball or Nesterov momentum, weight \
         decay (lr=0.001, momentum=0, dampening=0, weight_decay=0, nesterov=false, maximize=false)"
    );
    assert!(line("Adam").ends_with(
        " (lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=false, maximize=false, \
         decoupled_weight_decay=false)"
    ));
    assert!(line("Rprop").contains("etas=(0.5, 1.2), step_sizes=(1e-6, 50)"));
    assert!(line("Asgd").contains("t0=1e6"));
    let presets = text(&optiviz(&["list", "presets"]).stdout);
    assert!(
        presets
            .lines()
            .any(|l| l.trim_start().starts_with("zigzag ") && l.contains("Zig-zag"))
    );
    // Grouped by topic, networks last.
    assert!(
        presets.starts_with("Gradient descent and step size:"),
        "{presets}"
    );
    assert!(presets.contains("Networks:\n  eos_mlp "), "{presets}");
    let all = optiviz(&["list"]);
    assert_eq!(all.status.code(), Some(0));
    assert!(text(&all.stdout).contains("optimizers:"));
}

#[test]
fn bench_prints_its_figures() {
    let output = optiviz(&["bench", "--quick"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("(a) 10000 Adam steps") && l.contains("M steps/s")),
        "{stdout}"
    );
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("(b) Rosenbrock grid 128²") && l.contains(" ms")),
        "{stdout}"
    );
    for prefix in [
        "(c) basin map of GD on Rosenbrock, 64²",
        "(d) eos_mlp preset, 4 runs × 100",
        "(f) 10000 Adam steps on Rosenbrock written as CSV",
    ] {
        assert!(stdout.lines().any(|l| l.starts_with(prefix)), "{stdout}");
    }
    // (f) is printed beside (a), alone with it on request.
    let output = optiviz(&["bench", "--quick", "--only", "a,f"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    let letters: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.get(..3).filter(|start| start.starts_with('(')))
        .collect();
    assert_eq!(letters, ["(a)", "(f)"], "{stdout}");
}

#[test]
fn help_is_available_everywhere() {
    for arguments in [
        &["--help"][..],
        &["run", "--help"],
        &["check", "--help"],
        &["list", "--help"],
    ] {
        let output = optiviz(arguments);
        assert_eq!(output.status.code(), Some(0));
        assert!(text(&output.stdout).contains("Usage"));
    }
}

#[test]
fn render_draws_png_and_gif_with_no_display_and_refuses_networks() {
    let folder = tempfile::tempdir().unwrap();
    let png_path = folder.path().join("view.png");
    let output = optiviz(&[
        "render",
        "zigzag",
        "--out",
        png_path.to_str().unwrap(),
        "--size",
        "320x200",
        "--steps",
        "50",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(&png_path).unwrap(),
    ));
    let reader = decoder.read_info().unwrap();
    assert_eq!((reader.info().width, reader.info().height), (320, 200));

    let gif_path = folder.path().join("paths.gif");
    let output = optiviz(&[
        "render",
        "zigzag",
        "--out",
        gif_path.to_str().unwrap(),
        "--size",
        "96x64",
        "--gif",
        "5",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let mut options = gif::DecodeOptions::new();
    options.set_color_output(gif::ColorOutput::RGBA);
    let mut decoder = options
        .read_info(std::fs::File::open(&gif_path).unwrap())
        .unwrap();
    assert_eq!((decoder.width(), decoder.height()), (96, 64));
    let mut frames = 0;
    while decoder.read_next_frame().unwrap().is_some() {
        frames += 1;
    }
    assert_eq!(frames, 5);

    let refused = optiviz(&["render", "eos_mlp", "--out", png_path.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        text(&refused.stderr).contains("network"),
        "{}",
        text(&refused.stderr)
    );
    let bad_size = optiviz(&[
        "render",
        "zigzag",
        "--out",
        png_path.to_str().unwrap(),
        "--size",
        "5x5",
    ]);
    assert_eq!(bad_size.status.code(), Some(2));
}

#[test]
fn check_verify_prints_every_claim_and_exits_3_when_one_fails() {
    let holds = optiviz(&["check", "--verify", "zigzag"]);
    assert_eq!(holds.status.code(), Some(0), "{}", text(&holds.stderr));
    let stdout = text(&holds.stdout);
    assert!(stdout.contains("zigzag: all 5 claims hold"), "{stdout}");
    assert_eq!(stdout.matches("  ✓ ").count(), 5, "{stdout}");
    assert!(stdout.contains("measured "), "{stdout}");

    let directory = tempfile::tempdir().unwrap();
    let lesson = |bounds: &str| {
        format!(
            "Scenario(\n  version: 2,\n  steps: 50,\n  notice: [\n    Notice(text: \"GD gets close\", claim: Value(run: \"GD\", metric: Loss, at: End, bounds: {bounds})),\n  ],\n  runs: [Run(label: \"GD\", optimizer: Sgd(lr: 0.01))],\n)"
        )
    };
    let false_claim = write(directory.path(), "false.ron", &lesson("Below(1e-300)"));
    let loose_claim = write(directory.path(), "loose.ron", &lesson("Below(1e300)"));
    for file in [&false_claim, &loose_claim] {
        let fails = optiviz(&["check", "--verify", file.to_str().unwrap()]);
        assert_no_panic(&fails);
        assert_eq!(fails.status.code(), Some(3), "{}", text(&fails.stdout));
        assert!(text(&fails.stdout).contains("  ✗ notice 1: GD gets close"));
    }
    assert!(
        text(&optiviz(&["check", "--verify", loose_claim.to_str().unwrap()]).stdout)
            .contains("looser than 10×")
    );

    let bad = write(directory.path(), "bad.ron", &lesson("Within(2.0, 1.0)"));
    let refused = optiviz(&[
        "check",
        "--verify",
        bad.to_str().unwrap(),
        false_claim.to_str().unwrap(),
    ]);
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused.stderr));
    assert!(
        text(&refused.stderr).contains("bad.ron:5:"),
        "{}",
        text(&refused.stderr)
    );
}
