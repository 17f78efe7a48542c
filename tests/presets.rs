//! Presets: the bundled ones load and round-trip; the foundation issue's example parses verbatim;
//! saving is atomic.

use optiviz::scenario::{self, Problem, Scenario};

/// The example from the foundation issue, verbatim.
const ISSUE_EXAMPLE: &str = r#"Scenario(
    version: 1,
    name: "Zig-zag: GD vs momentum",
    notes: "What to notice: GD bounces across the narrow valley and crawls along it; heavy-ball momentum with the optimal settings for κ = 100 damps the bounce and arrives long before.",
    problem: Landscape(Quadratic(lambda1: 1.0, lambda2: 100.0, angle_deg: 0.0)),
    steps: 200,
    runs: [
        Run(label: "GD", optimizer: Sgd(lr: 0.0198), start: (1.0, 1.0)),
        Run(label: "momentum", optimizer: Sgd(lr: 0.033, momentum: 0.67, nesterov: false), start: (1.0, 1.0), seed: 7),
    ],
)"#;

fn preset_files() -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/presets"))
        .expect("presets/ exists")
        .map(|entry| entry.expect("readable entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "ron"))
        .collect();
    files.sort();
    files
}

#[test]
fn the_issue_example_parses_with_torch_defaults_filled_in() {
    let scenario = scenario::parse(ISSUE_EXAMPLE, "example.ron")
        .unwrap()
        .scenario;
    assert_eq!(scenario.runs.len(), 2);
    assert_eq!(scenario.runs[1].seed, 7);
    assert_eq!(scenario.runs[0].start, Some([1.0, 1.0]));
    let optiviz::optim::OptimizerConfig::Sgd(gd) = &scenario.runs[0].optimizer else {
        panic!("the example's first run is SGD");
    };
    assert_eq!(
        (gd.lr, gd.momentum, gd.dampening, gd.nesterov),
        (0.0198, 0.0, 0.0, false)
    );
    assert_eq!(scenario.problem.name(), "Quadratic");
    // The bundled zigzag preset is this example turned into a version-2 lesson (issue 16): the
    // same problem, budget and GD run; its momentum run takes GD's lr with β 0.75, so that the
    // bounce visibly dies out (the example's optimal pair first swings far wider than GD).
    let bundled = scenario::parse(optiviz::presets::find("zigzag").unwrap(), "zigzag.ron")
        .unwrap()
        .scenario;
    assert_eq!(
        (&bundled.problem, bundled.steps, &bundled.runs[0]),
        (&scenario.problem, scenario.steps, &scenario.runs[0])
    );
    let optiviz::optim::OptimizerConfig::Sgd(momentum) = &bundled.runs[1].optimizer else {
        panic!("the bundled zigzag's second run is SGD");
    };
    assert_eq!((momentum.lr, momentum.momentum), (0.0198, 0.75));
    assert!(bundled.notice.len() >= 2);
}

#[test]
fn fieldless_variants_parse_with_empty_parentheses() {
    let text = "Scenario(problem: Landscape(Himmelblau()), runs: [Run(optimizer: Sgd())])";
    let scenario = scenario::parse(text, "x.ron").unwrap().scenario;
    assert_eq!(scenario.problem.name(), "Himmelblau");
    assert_eq!(
        scenario.runs[0].optimizer,
        optiviz::optim::OptimizerConfig::default()
    );
}

#[test]
fn every_preset_file_loads_without_warnings_and_round_trips() {
    let files = preset_files();
    assert!(files.len() >= 3);
    for file in files {
        let loaded = scenario::load(&file).unwrap_or_else(|e| panic!("{e}"));
        assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
        let scenario = loaded.scenario;
        // A version-1 lesson teaches in its notes; a version-2 one in its notices and theory.
        assert!(
            scenario.notes.len() > 80
                || (scenario.notice.len() >= 2 && !scenario.theory.is_empty()),
            "{} needs notes, or notices and theory, that teach",
            file.display()
        );
        let text = scenario::to_ron(&scenario).unwrap();
        let back = scenario::parse(&text, "saved.ron").unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(back.scenario, scenario, "{}", file.display());
    }
}

#[test]
fn every_landscape_and_optimizer_round_trips_through_ron() {
    for landscape in optiviz::landscape::LandscapeConfig::catalog() {
        for optimizer in optiviz::optim::OptimizerConfig::catalog() {
            // A method that needs weight matrices (Muon) is refused on a landscape (tests/muon.rs);
            // multi-task methods are refused on problems with one task loss.
            if optimizer.needs_parameter_blocks()
                || (optimizer.needs_task_gradients() && landscape.num_tasks() < 2)
            {
                continue;
            }
            let mut scenario = Scenario {
                problem: Problem::Landscape(landscape.clone()),
                ..Scenario::default()
            };
            scenario.runs[0].optimizer = optimizer.clone();
            scenario.runs[0].colour = Some([255, 128, 0]);
            scenario.runs[0].clip = Some(2.5);
            let text = scenario::to_ron(&scenario).unwrap();
            assert!(!text.contains("Some("), "implicit Some: {text}");
            let back = scenario::parse(&text, "x.ron").unwrap_or_else(|e| panic!("{e}\n{text}"));
            assert_eq!(back.scenario, scenario);
        }
    }
}

#[test]
fn saving_is_atomic_and_reads_back() {
    let directory = tempfile::tempdir().unwrap();
    let path = directory.path().join("saved.ron");
    let scenario = scenario::parse(ISSUE_EXAMPLE, "example.ron")
        .unwrap()
        .scenario;
    scenario::save(&path, &scenario).unwrap();
    // Saving again over an existing file replaces it whole.
    scenario::save(&path, &scenario).unwrap();
    let entries: Vec<_> = std::fs::read_dir(directory.path()).unwrap().collect();
    assert_eq!(entries.len(), 1, "no temporary file is left behind");
    assert_eq!(scenario::load(&path).unwrap().scenario, scenario);
}
