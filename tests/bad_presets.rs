//! Hostile presets: truncated files, wrong types, unknown names, NaN/∞/negative hyperparameters,
//! huge step counts and grids, networks that would exhaust memory, 1 MB strings, 10 000-deep
//! nesting, non-UTF-8 bytes, formulas that blow up. Each gives a clear `file:line:col` error that
//! points at the offending text (the CLI exits with code 2), or, for a formula that overflows,
//! loads and then diverges with a reason. Nothing panics. (tests/cli.rs holds the first malformed
//! presets; these extend them.)

use std::path::Path;
use std::process::{Command, Output};

use optiviz::engine::{RunStatus, Session};
use optiviz::scenario::{self, MAX_DIAGNOSTICS};

/// Where a diagnostic must point.
#[derive(Clone, Copy)]
enum At {
    /// The first occurrence of this text in the source.
    Text(&'static str),
    /// The n-th (from 0) occurrence of this text.
    Nth(&'static str, usize),
    /// Just past the end of the source.
    End,
}

struct Case {
    name: &'static str,
    source: String,
    at: At,
    says: &'static str,
}

fn case(name: &'static str, source: impl Into<String>, at: At, says: &'static str) -> Case {
    Case {
        name,
        source: source.into(),
        at,
        says,
    }
}

/// The 1-based line and column (in characters) of byte offset `offset` of `source`.
fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let before = &source[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

fn expected_position(source: &str, at: At) -> (usize, usize) {
    let offset = match at {
        At::Text(text) => source.find(text),
        At::Nth(text, n) => source.match_indices(text).nth(n).map(|(i, _)| i),
        At::End => Some(source.len()),
    };
    line_col(source, offset.expect("the anchor occurs in the source"))
}

const MB: usize = 1 << 20;

fn cases() -> Vec<Case> {
    let big = "a".repeat(MB);
    let run = |inner: &str| format!("Scenario(\n  runs: [\n    Run({inner}),\n  ],\n)");
    let sweep = |axis0: &str| {
        format!(
            "Scenario(\n  sweep: (\n    axes: (\n      {axis0},\n      (name: \"momentum\", range: (0.0, 0.9), count: 4),\n    ),\n  ),\n)"
        )
    };
    vec![
        // Truncated and malformed text.
        case(
            "truncated inside a number",
            "Scenario(\n  steps: 10,\n  runs: [Run(optimizer: Sgd(lr: 0.",
            At::End,
            "end of file",
        ),
        case(
            "truncated after a comma",
            "Scenario(\n  name: \"x\",\n",
            At::End,
            "end of file",
        ),
        case(
            "unclosed string",
            "Scenario(\n  name: \"half a name,\n  steps: 5,\n)",
            At::Text("\"half"),
            "string",
        ),
        case(
            "unclosed comment",
            "Scenario(steps: 5) /* to be continued",
            At::Text("/*"),
            "comment",
        ),
        case(
            "two scenarios",
            "Scenario(steps: 5)\nScenario(steps: 6)",
            At::Text("\nScenario"),
            "trailing",
        ),
        case("not a scenario", "[1, 2, 3]", At::Text("["), "`(`"),
        case(
            "duplicate field",
            "Scenario(\n  steps: 5,\n  steps: 6,\n)",
            At::Nth("steps", 1),
            "steps",
        ),
        // Wrong types.
        case(
            "float steps",
            "Scenario(\n  steps: 2.5,\n)",
            At::Text("2.5"),
            "whole number",
        ),
        case(
            "string lr",
            run("optimizer: Adam(lr: \"fast\")"),
            At::Text("\"fast\""),
            "float",
        ),
        case(
            "boolean name",
            "Scenario(name: true)",
            At::Text("true"),
            "string",
        ),
        case(
            "colour out of a byte",
            run("colour: (300, 0, 0)"),
            At::Text("300"),
            "",
        ),
        case(
            "negative steps",
            "Scenario(steps: -5)",
            At::Text("5)"),
            "out of bounds",
        ),
        case(
            "steps beyond u64",
            "Scenario(steps: 18446744073709551616)",
            At::Text("18446"),
            "",
        ),
        // Unknown names.
        case(
            "unknown optimizer",
            run("optimizer: AdamW2(lr: 0.1)"),
            At::Text("AdamW2"),
            "AdamW2",
        ),
        case(
            "unknown landscape",
            "Scenario(\n  problem: Landscape(Rosenbrok()),\n)",
            At::Text("Rosenbrok"),
            "Rosenbrok",
        ),
        case(
            "unknown problem kind",
            "Scenario(\n  problem: Cnn(layers: 3),\n)",
            At::Text("Cnn"),
            "Cnn",
        ),
        case(
            "unknown schedule",
            run("schedule: Wobble(period: 3)"),
            At::Text("Wobble"),
            "Wobble",
        ),
        case(
            "unknown field in a run",
            run("optimizer: Sgd(lr: 0.1), seeed: 3"),
            At::Text("seeed"),
            "unknown field `seeed`",
        ),
        case(
            "a low-precision mean for simulated workers",
            run("optimizer: LocalSgd(lr: 0.1), precision: (format: Bf16)"),
            At::Text("(format: Bf16)"),
            "use master_copy: true",
        ),
        // Non-finite and negative hyperparameters.
        case(
            "NaN lr",
            run("optimizer: Adam(lr: NaN)"),
            At::Text("NaN"),
            "lr must be a finite number",
        ),
        case(
            "infinite lr",
            run("optimizer: Adam(lr: inf)"),
            At::Text("inf"),
            "lr must be a finite number",
        ),
        case(
            "lr that overflows to infinity",
            run("optimizer: RmsProp(lr: 1e400)"),
            At::Text("1e400"),
            "finite",
        ),
        case(
            "negative lr",
            run("optimizer: Adam(lr: -0.001)"),
            At::Text("-0.001"),
            "lr must be > 0",
        ),
        case(
            "negative infinite tolerance",
            "Scenario(\n  tolerance: -inf,\n)",
            At::Text("-inf"),
            "tolerance must be a finite number",
        ),
        case(
            "NaN noise",
            run("noise_sigma: NaN"),
            At::Text("NaN"),
            "noise_sigma must be a finite number",
        ),
        case(
            "negative clip",
            run("clip: -1.0"),
            At::Text("-1.0"),
            "clip must be > 0",
        ),
        // Huge counts: refused by a limit, never attempted.
        case(
            "huge steps",
            "Scenario(\n  steps: 18446744073709551615,\n)",
            At::Text("18446"),
            "steps must be between 1 and 100000000",
        ),
        case(
            "huge basin resolution",
            "Scenario(\n  basin: (resolution: 1000000000),\n)",
            At::Text("1000000000"),
            "resolution must be between 16 and 1024",
        ),
        case(
            "basin resolution of usize::MAX",
            "Scenario(\n  basin: (resolution: 18446744073709551615),\n)",
            At::Text("18446"),
            "resolution must be between",
        ),
        case(
            "huge basin steps",
            "Scenario(\n  basin: (steps: 99999999999),\n)",
            At::Text("99999999999"),
            "steps must be between",
        ),
        case(
            "huge sweep axis",
            sweep("(name: \"lr\", range: (0.01, 0.1), count: 4000000000)"),
            At::Text("4000000000"),
            "count must be between 1 and 512",
        ),
        case(
            "huge sweep budget",
            "Scenario(\n  sweep: (budget_evals: 10000000000000),\n)",
            At::Text("10000000000000"),
            "budget_evals must be between",
        ),
        case(
            "sweep over a hyperparameter the optimizer lacks",
            sweep("(name: \"warp\", range: (0.01, 0.1), count: 4)"),
            At::Text("\"warp\""),
            "warp",
        ),
        case(
            "sweep axis with a NaN end",
            sweep("(name: \"lr\", range: (NaN, 0.1), count: 4)"),
            At::Text("(NaN"),
            "range must be a finite number",
        ),
        case(
            "log sweep axis through zero",
            sweep("(name: \"lr\", range: (0.0, 0.1), count: 4, log_scale: true)"),
            At::Text("(0.0, 0.1)"),
            "log_scale",
        ),
        case(
            "view wider than a float",
            "Scenario(\n  view: (x_min: -1e308, x_max: 1e308, y_min: -1.0, y_max: 1.0),\n)",
            At::Text("(x_min"),
            "too wide",
        ),
        case(
            "infinite rotation",
            "Scenario(\n  transform: (rotation_deg: inf, scale: (1.0, 1.0)),\n)",
            At::Text("inf"),
            "rotation_deg must be a finite number",
        ),
        case(
            "stretch by 10³⁰⁰",
            "Scenario(\n  transform: (scale: (1e300, 1.0)),\n)",
            At::Text("(1e300"),
            "scale factors must be between",
        ),
        case(
            "MLP layer of 10¹¹ units",
            "Scenario(\n  problem: Mlp(widths: [2, 100000000000, 1]),\n)",
            At::Text("100000000000"),
            "widths[1] must be between 1 and 512",
        ),
        case(
            "MLP with 200 000 layers",
            format!(
                "Scenario(\n  problem: Mlp(widths: [2, {}1]),\n)",
                "64, ".repeat(200_000)
            ),
            At::Text("[2"),
            "parameters",
        ),
        case(
            "MLP on 10¹⁰ samples",
            "Scenario(\n  problem: Mlp(data: Moons(n: 10000000000)),\n)",
            At::Text("10000000000"),
            "n must be between 4 and 100000",
        ),
        case(
            "least squares on 10¹¹ samples",
            "Scenario(\n  problem: Landscape(LeastSquares(n: 100000000000)),\n)",
            At::Text("100000000000"),
            "n",
        ),
        case(
            "million-by-million matrix completion",
            "Scenario(\n  problem: MatrixFactorization(n: 1000000),\n)",
            At::Text("1000000"),
            "n must be between 2 and 200",
        ),
        case(
            "deep linear network of width 10⁶",
            "Scenario(\n  problem: DeepLinear(width: 1000000),\n)",
            At::Text("1000000"),
            "width must be between 1 and 64",
        ),
        case(
            "batch size of usize::MAX",
            "Scenario(\n  problem: Landscape(LeastSquares(n: 8)),\n  runs: [Run(batch_size: 18446744073709551615)],\n)",
            At::Text("18446"),
            "batch_size must be between 1 and",
        ),
        // Huge text.
        case(
            "1 MB name",
            format!("Scenario(\n  name: \"{big}\",\n)"),
            At::Text("\"aaa"),
            "name is longer than 100000 bytes",
        ),
        case(
            "1 MB label",
            run(&format!("label: \"{big}\"")),
            At::Text("\"aaa"),
            "label is longer than",
        ),
        case(
            "1 MB formula",
            format!(
                "Scenario(\n  problem: Landscape(Formula(expr: \"{}\")),\n)",
                "x+".repeat(MB / 2) + "x"
            ),
            At::Text("\"x+"),
            "formula too long",
        ),
        case(
            "1 MB optimizer name",
            run(&format!("optimizer: {big}()")),
            At::Text("aaa"),
            "Unexpected",
        ),
        case(
            "1 MB field name",
            format!("Scenario(\n  {big}: 1,\n)"),
            At::Text("aaa"),
            "unknown field",
        ),
        case(
            "1 MB string where a number goes",
            format!("Scenario(\n  steps: \"{big}\",\n)"),
            At::Text("\"aaa"),
            "integer",
        ),
        // Deep nesting.
        case(
            "10 000 nested lists",
            format!(
                "Scenario(\n  hologram: {}{},\n)",
                "[".repeat(10_000),
                "]".repeat(10_000)
            ),
            At::Nth("[", 63),
            "nested too deeply",
        ),
        case(
            "10 000 nested tuples in a field a newer version would know",
            format!(
                "Scenario(\n  version: 2,\n  hologram: {}{},\n)",
                "(".repeat(10_000),
                ")".repeat(10_000)
            ),
            At::Nth("(", 64),
            "nested too deeply",
        ),
        // Formulas that do not parse.
        case(
            "formula nested 10 000 deep",
            format!(
                "Scenario(\n  problem: Landscape(Formula(expr: \"{}x{}\")),\n)",
                "(".repeat(10_000),
                ")".repeat(10_000)
            ),
            At::Text("\"(("),
            "formula too long",
        ),
        case(
            "formula cut short",
            "Scenario(\n  problem: Landscape(Formula(expr: \"exp(x\")),\n)",
            At::Text("\"exp"),
            "expected `)`",
        ),
        // Many errors: the first ones and a count, not a million lines.
        case(
            "10 000 bad runs",
            format!(
                "Scenario(\n  runs: [\n{}  ],\n)",
                "    Run(optimizer: Sgd(lr: -1.0)),\n".repeat(10_000)
            ),
            At::Text("[\n"),
            "at most 64 runs",
        ),
        case(
            "version 0",
            "Scenario(\n  version: 0,\n)",
            At::Text("0,"),
            "version must be 1 or more",
        ),
    ]
    .into_iter()
    .chain(claim_cases())
    .collect()
}

/// Malformed lesson claims (version 2): each refused at the offending text.
fn claim_cases() -> Vec<Case> {
    let lesson = |claims: &str| {
        format!(
            "Scenario(\n  version: 2,\n  steps: 200,\n  notice: [\n    {claims}\n  ],\n  runs: [\n    Run(label: \"GD\", optimizer: Sgd(lr: 0.01)),\n    Run(label: \"HB\", optimizer: Sgd(lr: 0.01, momentum: 0.9)),\n  ],\n)"
        )
    };
    let notice = |claim: &str| lesson(&format!("Notice(text: \"x\", claim: {claim}),"));
    let attempt = |attempt: &str| {
        format!(
            "Scenario(\n  version: 2,\n  try: [\n    {attempt},\n  ],\n  runs: [Run(label: \"GD\", optimizer: Sgd(lr: 0.01))],\n)"
        )
    };
    vec![
        case(
            "claim on an unknown run",
            notice("Value(run: \"Adam\", metric: Loss, at: End, bounds: Below(1.0))"),
            At::Text("\"Adam\""),
            "no run is labelled \"Adam\"",
        ),
        case(
            "claim beyond the budget",
            notice("Value(run: \"GD\", metric: Loss, at: Step(500), bounds: Below(1.0))"),
            At::Text("Step(500)"),
            "beyond the lesson's budget of 200 steps",
        ),
        case(
            "inverted step window",
            notice("Status(run: \"GD\", is: Converged, from: 50, to: 10)"),
            At::Text("10)"),
            "inverted",
        ),
        case(
            "inverted bounds",
            notice("Ratio(run: \"GD\", over: \"HB\", metric: Loss, at: End, bounds: Within(2.0, 1.0))"),
            At::Text("Within"),
            "inverted",
        ),
        case(
            "NaN bound",
            notice("Value(run: \"GD\", metric: GradNorm, at: End, bounds: Above(NaN))"),
            At::Text("Above"),
            "finite",
        ),
        case(
            "five notices",
            lesson(&"Notice(text: \"x\", claim: EndNear(run: \"GD\", point: (0.0, 0.0), within: 1.0)), ".repeat(5)),
            At::Text("[\n    Notice"),
            "at most 4 notices",
        ),
        case(
            "gap on a network",
            "Scenario(\n  version: 2,\n  problem: Mlp(),\n  notice: [Notice(text: \"x\", claim: Value(run: \"SGD\", metric: Gap, at: End, bounds: Below(1.0)))],\n)",
            At::Text("Gap"),
            "known minimum",
        ),
        case(
            "basin share without a basin map",
            notice("BasinShare(outcome: Minimum(0), bounds: Above(0.5))"),
            At::Text("BasinShare"),
            "basin:",
        ),
        case(
            "sweep best without a sweep",
            notice("SweepBest(x: (0.0, 1.0), y: (0.0, 1.0))"),
            At::Text("SweepBest"),
            "sweep:",
        ),
        case(
            "share above one",
            notice("Seeds(seeds: [1, 2], share: 1.5, claim: Status(run: \"GD\", is: Finished, from: 200, to: 200))"),
            At::Text("1.5"),
            "share must be in (0, 1]",
        ),
        case(
            "no seeds",
            notice("Seeds(seeds: [], claim: Status(run: \"GD\", is: Finished, from: 200, to: 200))"),
            At::Text("[]"),
            "seeds must list",
        ),
        case(
            "claims in a version 1 file",
            notice("Status(run: \"GD\", is: Finished, from: 200, to: 200)").replace("version: 2", "version: 1"),
            At::Text("1,"),
            "version: 2",
        ),
        case(
            "try edit of an unknown hyperparameter",
            attempt("Try(text: \"x\", edit: Some(SetHyper(run: \"GD\", name: \"warp\", value: 1.0)))"),
            At::Text("Some(SetHyper"),
            "warp",
        ),
        case(
            "try claim on a run the edit does not add",
            attempt("Try(text: \"x\", edit: SetStart(point: (1.0, 1.0)), claim: EndNear(run: \"Adam\", point: (0.0, 0.0), within: 1.0))"),
            At::Text("\"Adam\""),
            "no run is labelled",
        ),
        case(
            "unknown claim",
            notice("Vibes(run: \"GD\")"),
            At::Text("Vibes"),
            "Vibes",
        ),
    ]
}

#[test]
fn every_hostile_preset_is_refused_with_a_located_message() {
    let cases = cases();
    assert!(cases.len() >= 30);
    let mut failures = Vec::new();
    for Case {
        name,
        source,
        at,
        says,
    } in cases
    {
        let error = match scenario::parse(&source, "bad.ron") {
            Ok(_) => {
                failures.push(format!("{name}: loaded"));
                continue;
            }
            Err(error) => error,
        };
        let (line, col) = expected_position(&source, at);
        let text = error.to_string();
        let shown: String = text.chars().take(600).collect();
        if text.len() > 10_000 {
            failures.push(format!("{name}: a {} byte message: {shown}", text.len()));
        }
        if error.0.len() > MAX_DIAGNOSTICS + 1 {
            failures.push(format!("{name}: {} diagnostics", error.0.len()));
        }
        let expected = format!("bad.ron:{line}:{col}: ");
        let found = error
            .0
            .iter()
            .any(|d| d.to_string().starts_with(&expected) && d.message.contains(says));
        if !found {
            failures.push(format!("{name}: expected {expected}…{says}…, got\n{shown}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn a_million_bad_entries_give_a_bounded_report() {
    let source = format!(
        "Scenario(\n  problem: DeepLinear(width: 4, data: Whitened(singular_values: [{}])),\n)",
        "-1.0, ".repeat(100_000)
    );
    let error = scenario::parse(&source, "many.ron").err().map(|e| e.0);
    let diagnostics = error.unwrap_or_default();
    assert_eq!(diagnostics.len(), MAX_DIAGNOSTICS + 1);
    let last = diagnostics
        .last()
        .map(|d| d.message.clone())
        .unwrap_or_default();
    assert!(last.contains("more errors"), "{last}");
}

/// Every 10th-byte prefix of real presets fails to load with a position inside the prefix, and
/// never panics.
#[test]
fn truncation_at_every_tenth_byte_is_located() {
    let directory = tempfile::tempdir().expect("a temporary directory");
    for preset in [
        "zigzag",
        "formula_playground",
        "matrix_completion",
        "schedules",
    ] {
        let full = std::fs::read(format!(
            "{}/presets/{preset}.ron",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("the preset exists");
        let last = String::from_utf8_lossy(&full).trim_end().len();
        for cut in (0..last).step_by(10) {
            let bytes = &full[..cut];
            match std::str::from_utf8(bytes) {
                Ok(source) => {
                    let error = match scenario::parse(source, "cut.ron") {
                        Ok(_) => panic!("{preset} cut at {cut} loaded"),
                        Err(error) => error,
                    };
                    let (line, col) = line_col(source, source.len());
                    for diagnostic in &error.0 {
                        let p = diagnostic.position;
                        assert!(
                            (p.line, p.col) <= (line, col),
                            "{preset} cut at {cut}: {diagnostic} is past the end {line}:{col}"
                        );
                    }
                }
                Err(utf8) => {
                    // Cut inside a character: the loader names the place.
                    let path = directory.path().join("cut.ron");
                    std::fs::write(&path, bytes).expect("written");
                    let error = scenario::load(&path).err().map(|e| e.to_string());
                    let text = error.unwrap_or_default();
                    let valid = std::str::from_utf8(&bytes[..utf8.valid_up_to()]).unwrap_or("");
                    let (line, col) = line_col(valid, valid.len());
                    assert!(
                        text.contains(&format!(":{line}:{col}: ")) && text.contains("UTF-8"),
                        "{preset} cut at {cut}: {text}"
                    );
                }
            }
        }
    }
}

#[test]
fn non_utf8_bytes_are_located() {
    let directory = tempfile::tempdir().expect("a temporary directory");
    let path = directory.path().join("latin1.ron");
    let mut bytes = b"Scenario(\n  name: \"caf".to_vec();
    bytes.push(0xe9); // é in Latin-1
    bytes.extend_from_slice(b"\",\n)");
    std::fs::write(&path, &bytes).expect("written");
    let text = scenario::load(&path)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    let expected = format!("{}:2:13: ", path.display());
    assert!(text.starts_with(&expected), "{text}");
    assert!(text.contains("UTF-8") && text.contains("0xe9"), "{text}");
}

/// Steps `text`'s session a few times; every run must stop as diverged, with a reason.
fn diverges(text: &str) -> Vec<String> {
    let loaded = scenario::parse(text, "blowup.ron").unwrap_or_else(|e| panic!("{e}"));
    let mut session = Session::new(loaded.scenario);
    for _ in 0..5 {
        session.advance(20);
    }
    session
        .runs()
        .iter()
        .map(|run| match run.status() {
            RunStatus::Diverged { reason, .. } => reason.clone(),
            other => panic!("{text}: {other:?}"),
        })
        .collect()
}

#[test]
fn formulas_that_overflow_load_and_diverge_with_a_reason() {
    // Each is ±∞ or NaN at the start (3, 3), or becomes so within a few steps.
    for expr in [
        "exp(exp(exp(x)))",
        "1e308*x^2 + 1e308*y^2",
        "x^1000 + y^1000",
        "exp(1000*x)",
        "1/(x*y - 9)",
        "log(x - 3) + y^2",
        "sqrt(x - 4)",
    ] {
        let text = format!(
            "Scenario(\n  problem: Landscape(Formula(expr: \"{expr}\")),\n  steps: 100,\n  runs: [\n    Run(optimizer: Sgd(lr: 0.1), start: (3.0, 3.0)),\n    Run(optimizer: Adam(lr: 0.5), start: (3.0, 3.0)),\n    Run(optimizer: Newton(), start: (3.0, 3.0)),\n  ],\n)"
        );
        for reason in diverges(&text) {
            assert!(!reason.is_empty(), "{expr}");
        }
    }
}

fn optiviz(arguments: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_optiviz"))
        .args(arguments)
        .output()
        .expect("the binary runs")
}

fn check_file(path: &Path) -> (Option<i32>, String) {
    let output = optiviz(&["check", path.to_str().expect("a UTF-8 path")]);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(output.stdout.is_empty());
    (output.status.code(), stderr)
}

#[test]
fn the_cli_refuses_hostile_files_with_exit_code_2() {
    let directory = tempfile::tempdir().expect("a temporary directory");
    let wanted = [
        "1 MB name",
        "1 MB optimizer name",
        "10 000 nested lists",
        "MLP layer of 10¹¹ units",
        "huge sweep axis",
        "10 000 bad runs",
        "truncated inside a number",
    ];
    for Case {
        name,
        source,
        at,
        says,
    } in cases().into_iter().filter(|c| wanted.contains(&c.name))
    {
        let path = directory.path().join("hostile.ron");
        std::fs::write(&path, &source).expect("written");
        let (code, stderr) = check_file(&path);
        assert_eq!(code, Some(2), "{name}: {stderr}");
        let (line, col) = expected_position(&source, at);
        let expected = format!("{}:{line}:{col}: ", path.display());
        assert!(
            stderr
                .lines()
                .any(|l| l.starts_with(&expected) && l.contains(says)),
            "{name}: expected {expected}…{says}, got {}",
            stderr.chars().take(1000).collect::<String>()
        );
        assert!(
            stderr.len() < 10_000,
            "{name}: {} bytes on stderr",
            stderr.len()
        );
    }
    let path = directory.path().join("binary.ron");
    std::fs::write(&path, b"Scenario(\n  steps: 5,\xff\xfe\n)").expect("written");
    let (code, stderr) = check_file(&path);
    assert_eq!(code, Some(2));
    assert!(
        stderr.starts_with(&format!("{}:2:12: ", path.display())),
        "{stderr}"
    );
}
