//! UI tests with egui_kittest: the real panels, driven by label, with the real solver behind them.
#![cfg(feature = "gui")]

use std::time::Duration;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use optiviz::app::{AppState, Prefs};
use optiviz::scenario;

/// The app in a kittest harness, shared with the classroom tests.
#[path = "classroom/harness.rs"]
mod harness;
use harness::{harness_sized, run_until};

fn zigzag() -> scenario::Scenario {
    scenario::parse(include_str!("../presets/zigzag.ron"), "zigzag.ron")
        .expect("zigzag loads")
        .scenario
}

fn harness_with(prefs: Prefs) -> Harness<'static, AppState> {
    harness_on(zigzag(), prefs)
}

fn harness_on(scenario: scenario::Scenario, prefs: Prefs) -> Harness<'static, AppState> {
    harness_sized(scenario, prefs, [1280.0, 820.0])
}

fn harness() -> Harness<'static, AppState> {
    harness_with(Prefs::default())
}

fn steps_taken(state: &AppState) -> Vec<u64> {
    state
        .runs
        .iter()
        .map(|r| r.trace.latest().map_or(0, |s| s.step))
        .collect()
}

#[test]
fn opens_on_the_default_lesson_with_its_notes() {
    let harness = harness();
    harness.get_by_label("▶ Play");
    assert!(harness.query_by_label_contains("What to notice").is_some());
    assert_eq!(harness.state().runs.len(), 2);
}

#[test]
fn play_then_pause_changes_what_the_engine_reports() {
    let mut harness = harness_with(Prefs {
        steps_per_second: Some(200.0),
        ..Prefs::default()
    });
    harness.get_by_label("▶ Play").click();
    harness.run_steps(1);
    assert!(harness.state().playing);
    run_until(&mut harness, |s| steps_taken(s).iter().all(|&n| n >= 3));
    harness.get_by_label("❚❚ Pause").click();
    run_until(&mut harness, |s| !s.playing);
    // Let the last in-flight updates land, then nothing moves.
    for _ in 0..5 {
        std::thread::sleep(Duration::from_millis(20));
        harness.run_steps(1);
    }
    let paused_at = steps_taken(harness.state());
    std::thread::sleep(Duration::from_millis(200));
    harness.run_steps(3);
    assert_eq!(steps_taken(harness.state()), paused_at);
    assert!(paused_at[0] < 200);
}

#[test]
fn the_bundled_font_covers_the_math_glyphs() {
    let harness = harness();
    let missing: Vec<char> = optiviz::ui::MATH_GLYPHS
        .chars()
        .filter(|c| {
            !harness
                .ctx
                .fonts_mut(|fonts| fonts.has_glyph(&egui::FontId::proportional(14.0), *c))
        })
        .collect();
    assert!(missing.is_empty(), "no glyph for {missing:?}");
}

#[test]
fn step_advances_exactly_one_step() {
    let mut harness = harness();
    harness.get_by_label("▶❚ Step").click();
    run_until(&mut harness, |s| steps_taken(s) == [1, 1]);
    for _ in 0..5 {
        std::thread::sleep(Duration::from_millis(20));
        harness.run_steps(1);
    }
    assert_eq!(steps_taken(harness.state()), [1, 1]);
    assert!(!harness.state().playing);
    // The keyboard does the same.
    harness.key_press(egui::Key::S);
    run_until(&mut harness, |s| steps_taken(s) == [2, 2]);
}

#[test]
fn a_hyperparameter_edit_reaches_the_engine() {
    let mut harness = harness();
    // The first run (GD) is selected: its lr field is the first "lr" value box.
    let lr_before = match &harness.state().scenario.runs[0].optimizer {
        optiviz::optim::OptimizerConfig::Sgd(sgd) => sgd.lr,
        _ => panic!("GD is SGD"),
    };
    assert_eq!(lr_before, 0.0198);
    // Type a new value into the lr field next to its slider, as a user would.
    let fields: Vec<_> = harness.get_all_by_value("0.0198").collect();
    let field = fields.last().expect("the lr value field");
    field.click();
    harness.run_steps(1);
    let fields: Vec<_> = harness.get_all_by_value("0.0198").collect();
    let field = fields.last().expect("the lr text field");
    field.focus();
    harness.key_combination_modifiers(egui::Modifiers::COMMAND, &[egui::Key::A]);
    harness.run_steps(1);
    let fields: Vec<_> = harness.get_all_by_value("0.0198").collect();
    fields
        .last()
        .expect("the lr text field")
        .type_text("0.0021");
    harness.key_press(egui::Key::Enter);
    harness.run_steps(2);
    let lr_after = match &harness.state().scenario.runs[0].optimizer {
        optiviz::optim::OptimizerConfig::Sgd(sgd) => sgd.lr,
        _ => panic!("GD is SGD"),
    };
    assert_eq!(lr_after, 0.0021);
    harness.get_by_label("▶❚ Step").click();
    run_until(&mut harness, |s| steps_taken(s)[0] == 1);
    // One GD step with lr = 0.0021 from (1, 1) on ½(x² + 100y²): x = 1 − 0.0021.
    let x = harness.state().runs[0].trace.latest().map(|s| s.point[0]);
    assert_eq!(x, Some(1.0 - 0.0021));
}

#[test]
fn typing_an_invalid_value_is_refused_with_the_reason() {
    let mut harness = harness();
    let mut config = harness.state().scenario.runs[0].clone();
    config
        .optimizer
        .set_hyper("lr", optiviz::optim::HyperValue::Float(-1.0))
        .expect("lr exists");
    harness.state_mut().edit_run(0, config);
    harness.run_steps(1);
    let notice = harness.state().notice.clone().expect("an error is shown");
    assert!(
        notice.is_error && notice.text.contains("lr must be > 0"),
        "{}",
        notice.text
    );
    assert!(harness.query_by_label_contains("lr must be > 0").is_some());
    let optiviz::optim::OptimizerConfig::Sgd(sgd) = &harness.state().scenario.runs[0].optimizer
    else {
        panic!("GD is SGD");
    };
    assert_eq!(sgd.lr, 0.0198, "the scenario keeps the valid value");
}

#[test]
fn moving_the_start_restarts_the_runs_from_there() {
    let mut harness = harness();
    harness.get_by_label("▶❚ Step").click();
    run_until(&mut harness, |s| steps_taken(s) == [1, 1]);
    harness.state_mut().move_start(None, [-0.5, 0.25]);
    run_until(&mut harness, |s| {
        s.runs
            .iter()
            .all(|r| r.trace.first().is_some_and(|f| f.point == [-0.5, 0.25]) && r.trace.len() == 1)
    });
    assert!(harness.state().modified);
    assert_eq!(harness.state().scenario.runs[1].start, Some([-0.5, 0.25]));
}

#[test]
fn ctrl_click_on_the_landscape_sets_the_start() {
    let mut harness = harness();
    let plot = harness
        .state()
        .view_rect()
        .expect("the landscape view is drawn");
    let target = plot.center() + egui::vec2(40.0, -30.0);
    harness.event_modifiers(
        egui::Event::PointerButton {
            pos: target,
            button: egui::PointerButton::Primary,
            pressed: true,
            modifiers: egui::Modifiers::COMMAND,
        },
        egui::Modifiers::COMMAND,
    );
    harness.event_modifiers(
        egui::Event::PointerButton {
            pos: target,
            button: egui::PointerButton::Primary,
            pressed: false,
            modifiers: egui::Modifiers::COMMAND,
        },
        egui::Modifiers::COMMAND,
    );
    run_until(&mut harness, |s| {
        s.scenario.runs.iter().all(|r| r.start != Some([1.0, 1.0]))
    });
    let start = harness.state().scenario.runs[0].start.expect("a start");
    // Right of and above the centre of the view.
    assert!(start[0] > 0.0 && start[1] > 0.0, "{start:?}");
}

#[test]
fn a_broken_preset_shows_an_error_and_keeps_the_scenario() {
    let mut harness = harness();
    let directory = tempfile::tempdir().expect("temp dir");
    let path = directory.path().join("broken.ron");
    std::fs::write(&path, "Scenario(runs: [Run(optimizer: Sgd(lr: -3.0))])").expect("written");
    harness.state_mut().open_path(&path);
    harness.run_steps(1);
    let notice = harness.state().notice.clone().expect("an error is shown");
    assert!(notice.is_error);
    assert!(
        notice.text.contains("broken.ron:1:40: lr must be > 0"),
        "{}",
        notice.text
    );
    assert_eq!(harness.state().scenario.name, "Zig-zag: GD vs momentum");
}

#[test]
fn save_then_open_round_trips_the_scenario() {
    let mut harness = harness();
    let directory = tempfile::tempdir().expect("temp dir");
    let path = directory.path().join("saved.ron");
    harness.state_mut().move_start(Some(1), [0.3, -0.2]);
    harness.state_mut().save_to(path.clone());
    assert!(!harness.state().modified);
    let saved = harness.state().scenario.clone();
    harness
        .state_mut()
        .open_path(std::path::Path::new("rosenbrock"));
    harness.run_steps(1);
    assert_ne!(harness.state().scenario, saved);
    harness.state_mut().open_path(&path);
    harness.run_steps(1);
    assert_eq!(harness.state().scenario, saved);
}

#[test]
fn choosing_a_landscape_restarts_the_runs_on_it() {
    let mut harness = harness();
    harness
        .state_mut()
        .set_problem(optiviz::scenario::Problem::Landscape(
            optiviz::landscape::LandscapeConfig::Rosenbrock(
                optiviz::landscape::Rosenbrock::default(),
            ),
        ));
    run_until(&mut harness, |s| {
        s.runs
            .iter()
            .all(|r| r.trace.first().is_some_and(|f| f.point == [-1.2, 1.0]))
    });
    assert!(harness.query_by_label("a").is_some() && harness.query_by_label("b").is_some());
}

#[test]
fn dragging_a_start_handle_moves_every_start_and_restarts_the_runs() {
    let mut harness = harness();
    harness.get_by_label("▶❚ Step").click();
    run_until(&mut harness, |s| steps_taken(s) == [1, 1]);
    let handle = harness
        .state()
        .screen_from_world([1.0, 1.0])
        .expect("the handle is drawn");
    let target = handle + egui::vec2(-60.0, 40.0);
    harness.hover_at(handle);
    harness.run_steps(1);
    harness.drag_at(handle);
    harness.run_steps(1);
    for k in 1..=6 {
        harness.hover_at(handle + (target - handle) * (k as f32 / 6.0));
        harness.run_steps(1);
    }
    harness.drop_at(target);
    harness.run_steps(1);
    let starts: Vec<_> = harness
        .state()
        .scenario
        .runs
        .iter()
        .map(|r| r.start)
        .collect();
    let moved = starts[0].expect("a start");
    assert_eq!(starts[0], starts[1], "the start is shared");
    assert!(
        moved[0] < 1.0 && moved[1] < 1.0,
        "dragged left and down: {moved:?}"
    );
    run_until(&mut harness, |s| {
        s.runs
            .iter()
            .all(|r| r.trace.len() == 1 && r.trace.first().is_some_and(|f| f.point == moved))
    });
}

fn network_harness(problem: &str, sharpness_every: u64) -> Harness<'static, AppState> {
    let text = format!(
        "Scenario(problem: {problem}, steps: 40, sharpness_every: {sharpness_every}, runs: [Run(label: \"GD\", optimizer: Sgd(lr: 0.1)), Run(label: \"Adam\", optimizer: Adam(lr: 0.01))])"
    );
    let scenario = scenario::parse(&text, "net.ron").expect("loads").scenario;
    harness_on(scenario, Prefs::default())
}

#[test]
fn a_network_trains_and_every_network_view_draws() {
    let mut harness = network_harness("Mlp(widths: [2, 8, 1], data: Moons(n: 40, noise: 0.1))", 5);
    assert!(harness.state().network.is_some());
    harness.get_by_label("▶ Play").click();
    run_until(&mut harness, |s| {
        s.runs.iter().all(|r| !r.trace.status.is_running())
    });
    for run in &harness.state().runs {
        assert_eq!(run.trace.latest().map(|s| s.step), Some(40));
        // Sharpness every 5 steps from step 0, and a record with each.
        let measured: Vec<u64> = run.trace.measured().iter().map(|s| s.step).collect();
        let recorded: Vec<u64> = run.trace.records().iter().map(|r| r.step).collect();
        assert_eq!(
            measured,
            (0..=40).step_by(5).collect::<Vec<u64>>(),
            "{recorded:?}"
        );
        assert_eq!(recorded, measured, "a record arrives with each measurement");
    }
    for tab in [
        "Data",
        "Layers",
        "Trajectory plane",
        "Sharpness vs threshold",
    ] {
        harness.get_by_label(tab).click();
        harness.run_steps(2);
    }
    harness.get_by_label("Trajectory plane").click();
    harness.run_steps(1);
    harness.get_by_label("Fit plane to the path").click();
    run_until(&mut harness, |s| s.views.network.has_plane());
    harness.run_steps(1);
    assert!(
        harness
            .query_by_label_contains("of the path's variance")
            .is_some()
    );
}

#[test]
fn deep_linear_shows_singular_values_and_the_problem_editor_applies_edits() {
    let mut harness = network_harness("DeepLinear()", 0);
    harness.get_by_label("Singular values").click();
    harness.get_by_label("▶❚ Step").click();
    run_until(&mut harness, |s| steps_taken(s) == [1, 1]);
    // Records every 10 steps: the start's is there, with the end-to-end singular values.
    let record = &harness.state().runs[0].trace.records()[0];
    assert_eq!(record.step, 0);
    assert_eq!(record.singular_values.len(), 5);
    // Edit the problem as text: another network restarts every run on it.
    assert!(harness.state().views.network.problem_draft.is_none());
    harness.state_mut().views.network.problem_draft = Some(
        "DeepLinear(depth: 2, width: 4, data: Whitened(singular_values: [3.0, 1.0]))".to_owned(),
    );
    harness.run_steps(1);
    harness.get_by_label("Apply").click();
    harness.run_steps(2);
    match &harness.state().scenario.problem {
        scenario::Problem::DeepLinear(config) => assert_eq!((config.depth, config.width), (2, 4)),
        other => panic!("expected DeepLinear, got {other:?}"),
    }
    assert!(harness.state().views.network.problem_draft.is_none());
}

#[test]
fn switching_from_a_landscape_to_a_network_and_back() {
    let mut harness = harness();
    harness
        .state_mut()
        .set_problem(scenario::Problem::Mlp(optiviz::network::Mlp::default()));
    harness.run_steps(2);
    assert!(harness.state().network.is_some());
    assert!(harness.state().landscape.is_none());
    assert!(harness.query_by_label("Layers").is_some());
    harness
        .state_mut()
        .set_problem(scenario::Problem::Landscape(
            optiviz::landscape::LandscapeConfig::Rosenbrock(
                optiviz::landscape::Rosenbrock::default(),
            ),
        ));
    harness.run_steps(2);
    assert!(harness.state().landscape.is_some());
    assert!(harness.state().network.is_none());
}

#[test]
fn a_basin_map_is_computed_for_the_selected_run_and_drawn_with_its_legend() {
    let mut harness = harness();
    harness.get_by_label("Basin map").click();
    harness.run_steps(1);
    assert!(harness.state().views.basin.show);
    harness.state_mut().views.basin.resolution = 128;
    harness.state_mut().views.basin.steps = 30;
    harness.get_by_label("Compute").click();
    run_until(&mut harness, |s| s.views.basin.has_map());
    harness.run_steps(1);
    assert!(!harness.state().views.basin.is_computing());
    assert!(
        harness
            .query_by_label_contains("from 128² starts, 30 steps")
            .is_some()
    );
    assert!(harness.query_by_label_contains(" %").is_some());
}

#[test]
fn presentation_mode_hides_what_the_lesson_asks_and_comes_back() {
    let mut scenario = zigzag();
    scenario.presentation = scenario::Presentation {
        hide_problem: true,
        hide_runs: true,
        hide_metrics: true,
        ..scenario::Presentation::default()
    };
    // The settings are part of the preset.
    let text = scenario::to_ron(&scenario).unwrap();
    assert_eq!(scenario::parse(&text, "p.ron").unwrap().scenario, scenario);
    let mut harness = harness_on(scenario, Prefs::default());
    assert!(harness.query_by_label("Add run").is_some());
    assert!(harness.query_by_label("Gradient norm").is_some());
    harness.get_by_label("Present").click();
    harness.run_steps(2);
    assert!(harness.state().prefs.presenting);
    assert!(harness.query_by_label("Add run").is_none(), "runs hidden");
    assert!(
        harness.query_by_label("Gradient norm").is_none(),
        "metrics hidden"
    );
    // The notes are folded to a strip that opens them.
    assert!(harness.query_by_label_contains("What to notice").is_none());
    harness.get_by_label("◀ Notes").click();
    harness.run_steps(2);
    assert!(
        harness.query_by_label_contains("What to notice").is_some(),
        "notes stay"
    );
    assert!(harness.query_by_label("Save as…").is_none());
    harness.get_by_label("Leave presentation").click();
    harness.run_steps(2);
    assert!(!harness.state().prefs.presenting);
    assert!(harness.query_by_label("Add run").is_some());
}

#[test]
fn page_down_walks_the_presets_of_the_open_files_folder() {
    let folder = tempfile::tempdir().unwrap();
    let mut first = zigzag();
    first.name = "First lesson".to_owned();
    let mut second = zigzag();
    second.name = "Second lesson".to_owned();
    scenario::save(&folder.path().join("a.ron"), &first).unwrap();
    scenario::save(&folder.path().join("b.ron"), &second).unwrap();
    std::fs::write(folder.path().join("notes.txt"), "not a preset").unwrap();
    let mut harness = harness();
    harness.state_mut().open_path(&folder.path().join("a.ron"));
    harness.run_steps(1);
    assert_eq!(harness.state().scenario.name, "First lesson");
    harness.key_press(egui::Key::PageDown);
    harness.run_steps(1);
    assert_eq!(harness.state().scenario.name, "Second lesson");
    harness.key_press(egui::Key::PageDown);
    harness.run_steps(1);
    assert_eq!(
        harness.state().scenario.name,
        "First lesson",
        "wraps around"
    );
}

#[test]
fn export_csv_writes_every_kept_step_with_the_cli_columns() {
    let mut harness = harness();
    harness.get_by_label("▶❚ Step").click();
    run_until(&mut harness, |s| steps_taken(s) == [1, 1]);
    harness.get_by_label("▶❚ Step").click();
    run_until(&mut harness, |s| steps_taken(s) == [2, 2]);
    let folder = tempfile::tempdir().unwrap();
    harness.get_by_label("Export…").click();
    harness.run_steps(2);
    harness.get_by_label("CSV of every run…").click();
    harness.run_steps(1);
    let dialog = harness
        .state_mut()
        .file_dialog
        .as_mut()
        .expect("dialog open");
    dialog.directory = folder.path().to_path_buf();
    dialog.file_name = "runs".to_owned();
    harness.run_steps(2);
    harness.get_by_label("Export").click();
    harness.run_steps(1);
    let text = std::fs::read_to_string(folder.path().join("runs.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        optiviz::cli::LANDSCAPE_COLUMNS
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 6, "two runs × steps 0, 1, 2");
    let state = harness.state();
    let last = state.runs[1].trace.latest().unwrap();
    assert_eq!(&rows[5][2], "2");
    assert_eq!(rows[5][3].parse::<f64>().unwrap(), last.point[0]);
    let notice = state.notice.as_ref().expect("a notice");
    assert!(
        !notice.is_error && notice.text.starts_with("exported"),
        "{}",
        notice.text
    );
}

#[test]
fn a_typed_formula_shows_its_error_at_the_character_then_becomes_the_landscape() {
    let mut harness = harness();
    harness
        .state_mut()
        .set_problem(scenario::Problem::Landscape(
            optiviz::landscape::LandscapeConfig::Formula(optiviz::landscape::Formula::default()),
        ));
    harness.run_steps(2);
    harness.state_mut().views.landscape.formula_draft = Some("x^2 + sine(y)".to_owned());
    harness.run_steps(2);
    assert!(
        harness
            .query_by_label_contains("at character 7: unknown function `sine`")
            .is_some()
    );
    // Still the old formula: a formula that does not parse never replaces the landscape.
    let expr = |state: &AppState| match &state.scenario.problem {
        scenario::Problem::Landscape(optiviz::landscape::LandscapeConfig::Formula(f)) => {
            f.expr.clone()
        }
        other => panic!("expected a formula, got {other:?}"),
    };
    assert_eq!(expr(harness.state()), "x^2 + 10*y^2");
    harness.state_mut().views.landscape.formula_draft = Some("abs(x) + 3*y^2".to_owned());
    harness.run_steps(1);
    harness.get_by_label("f(x, y) =").focus();
    harness.run_steps(1);
    harness.key_press(egui::Key::Enter);
    harness.run_steps(2);
    assert_eq!(expr(harness.state()), "abs(x) + 3*y^2");
    assert!(harness.state().landscape.is_some());
}

#[test]
fn a_sweep_shows_the_stability_region_and_a_cell_becomes_a_run() {
    let mut harness = harness();
    harness.get_by_label("Sweep…").click();
    harness.run_steps(2);
    assert!(harness.state().views.sweep.open);
    {
        let settings = &mut harness.state_mut().views.sweep.settings;
        settings.axes[0] = optiviz::analysis::sweep::Axis::linear("lr", (0.001, 0.03), 8);
        settings.axes[1] = optiviz::analysis::sweep::Axis::linear("momentum", (0.0, 0.9), 4);
        settings.budget_evals = 50;
    }
    harness.run_steps(1);
    harness.get_by_label("Compute").click();
    run_until(&mut harness, |s| s.views.sweep.has_result());
    harness.run_steps(1);
    // zigzag's λmax = 100: GD needs lr < 0.02, momentum 0.9 allows lr < 0.038.
    assert!(harness.query_by_label_contains("cells diverged").is_some());
    assert!(
        harness
            .query_by_label_contains("theory's stability boundary")
            .is_some()
    );
    let runs = harness.state().scenario.runs.len();
    optiviz::ui::sweep_view::add_cell_run(harness.state_mut(), 7, 3);
    harness.run_steps(1);
    let added = harness.state().scenario.runs.last().unwrap().clone();
    assert_eq!(harness.state().scenario.runs.len(), runs + 1);
    assert!(
        added.label.contains("lr 0.03") && added.label.contains("momentum 0.9"),
        "{}",
        added.label
    );
    match added.optimizer {
        optiviz::optim::OptimizerConfig::Sgd(sgd) => {
            assert!((sgd.lr - 0.03).abs() < 1e-12 && (sgd.momentum - 0.9).abs() < 1e-12);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn export_png_draws_the_view_at_the_chosen_size() {
    let mut harness = harness();
    harness.get_by_label("▶❚ Step").click();
    run_until(&mut harness, |s| steps_taken(s) == [1, 1]);
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("view.png");
    harness.state_mut().export_png(&path, [400, 300]);
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&path).unwrap()));
    let reader = decoder.read_info().unwrap();
    assert_eq!((reader.info().width, reader.info().height), (400, 300));
    let gif_path = folder.path().join("paths.gif");
    harness.state_mut().export_gif(&gif_path, [80, 60], 4);
    run_until(&mut harness, |s| !s.is_exporting());
    assert!(std::fs::metadata(&gif_path).unwrap().len() > 100);
    let notice = harness.state().notice.as_ref().unwrap();
    assert!(!notice.is_error, "{}", notice.text);
}

#[test]
fn the_guide_explains_optimizers_landscapes_and_terms() {
    let mut harness = harness();
    harness.get_by_label("Guide").click();
    harness.run_steps(2);
    assert!(harness.state().show_guide);
    harness.get_by_label("Optimizers").click();
    harness.run_steps(2);
    harness.get_by_label("Adam").click();
    harness.run_steps(2);
    assert!(harness.query_all_by_label_contains("betas").count() >= 2);
    // The update rule and the references come from the optimizer's own documentation.
    assert!(harness.query_by_label_contains("Kingma & Ba").is_some());
    harness.get_by_label("Optimizers").click();
    harness.run_steps(2);
    harness.get_by_label("Landscapes").click();
    harness.run_steps(2);
    harness.get_by_label("Himmelblau").click();
    harness.run_steps(2);
    assert!(
        harness
            .query_by_label_contains("Minimizers: (3, 2)")
            .is_some()
    );
    harness.get_by_label("Landscapes").click();
    harness.run_steps(2);
    harness.get_by_label("Glossary").click();
    harness.run_steps(2);
    assert!(harness.query_by_label("edge of stability").is_some());
}

#[test]
fn step_by_step_lists_the_update_rule_of_the_latest_step() {
    let mut harness = harness();
    harness.get_by_label("Step by step…").click();
    harness.run_steps(2);
    assert!(harness.state().views.step.open);
    harness.get_by_label_contains("No step yet").hover();
    harness.get_by_label("Take one step").click();
    run_until(&mut harness, |state| steps_taken(state) == vec![1, 1]);
    harness.run_steps(2);
    // zigzag's first run is plain GD: its gradient and the −lr·g arrow are listed with values.
    let step = harness.state().runs[0]
        .latest_step
        .clone()
        .expect("a 2D run reports its latest step");
    assert_eq!(step.step, 1);
    assert!(!step.quantities.is_empty());
    harness.get_by_label("gₜ");
    harness.get_by_label("→ −lr·gₜ");
    harness.get_by_label_contains("Step 1:");
    harness.get_by_label("Take one step").click();
    run_until(&mut harness, |state| steps_taken(state) == vec![2, 2]);
    harness.run_steps(2);
    harness.get_by_label_contains("Step 2:");
}

#[test]
fn rotating_the_landscape_turns_the_minimizer_and_is_saved() {
    let mut harness = harness();
    harness.get_by_label_contains("Rotate and stretch").click();
    harness.run_steps(2);
    harness
        .state_mut()
        .set_transform(optiviz::landscape::Transform {
            rotation_deg: 90.0,
            scale: (1.0, 1.0),
        });
    harness.run_steps(2);
    harness.get_by_label_contains("Rotate and stretch (90°");
    let state = harness.state();
    let text = scenario::to_ron(&state.scenario).expect("serializes");
    assert!(text.contains("transform:"), "{text}");
    let back = scenario::parse(&text, "rotated.ron")
        .expect("reads back")
        .scenario;
    assert_eq!(back.transform, state.scenario.transform);
    harness.get_by_label("Undo transform").click();
    harness.run_steps(2);
    assert!(harness.state().scenario.transform.is_identity());
    let text = scenario::to_ron(&harness.state().scenario).expect("serializes");
    assert!(
        !text.contains("transform:"),
        "an identity transform is left out of the file"
    );
}

#[test]
fn the_3d_surface_turns_when_dragged_and_goes_back_to_the_map() {
    let mut harness = harness();
    harness.get_by_label("3D surface").click();
    harness.run_steps(2);
    assert!(harness.state().views.surface.show);
    let before = harness.state().views.surface.camera;
    let centre = egui::pos2(400.0, 300.0);
    let target = centre + egui::vec2(60.0, 20.0);
    harness.hover_at(centre);
    harness.run_steps(1);
    harness.drag_at(centre);
    harness.run_steps(1);
    for k in 1..=6 {
        harness.hover_at(centre + (target - centre) * (k as f32 / 6.0));
        harness.run_steps(1);
    }
    harness.drop_at(target);
    harness.run_steps(2);
    assert_ne!(harness.state().views.surface.camera, before);
    harness.get_by_label("3D surface").click();
    harness.run_steps(2);
    assert!(!harness.state().views.surface.show);
}

#[test]
fn a_solver_panic_is_shown_and_the_scenario_keeps_running() {
    use optiviz::engine::{Command, PanicAt};
    let mut harness = harness();
    let name = harness.state().scenario.name.clone();
    harness.get_by_label("▶❚ Step").click();
    run_until(&mut harness, |s| steps_taken(s) == [1, 1]);

    // A panic inside a step: caught by the solver, reported, runs rebuilt at their starts.
    harness
        .state_mut()
        .send_command(Command::Panic(PanicAt::Step));
    harness.get_by_label("▶❚ Step").click();
    run_until(&mut harness, |s| s.notice.is_some());
    let notice = harness
        .state()
        .notice
        .clone()
        .expect("the panic is reported");
    assert!(
        notice.is_error && notice.text.contains("the solver panicked in step 2"),
        "{}",
        notice.text
    );
    harness.get_by_label_contains("the solver panicked in step 2");
    run_until(&mut harness, |s| steps_taken(s) == [0, 0]);
    assert_eq!(harness.state().scenario.name, name);
    harness.get_by_label("▶❚ Step").click();
    run_until(&mut harness, |s| steps_taken(s) == [1, 1]);

    // A panic that ends the thread: the app starts another on the same scenario.
    harness
        .state_mut()
        .send_command(Command::Panic(PanicAt::Thread));
    run_until(&mut harness, |s| {
        s.notice
            .as_ref()
            .is_some_and(|n| n.text.contains("the solver thread panicked"))
    });
    harness.get_by_label_contains("a new one was started on the same scenario");
    run_until(&mut harness, |s| steps_taken(s) == [0, 0]);
    assert_eq!(harness.state().scenario.name, name);
    harness.get_by_label("▶❚ Step").click();
    run_until(&mut harness, |s| steps_taken(s) == [1, 1]);
    assert!(!harness.state().playing);
}

#[test]
fn the_field_checkbox_draws_the_flow_and_is_remembered() {
    let mut harness = harness();
    assert!(!harness.state().prefs.field);
    harness.get_by_label("Field").click();
    harness.run_steps(2);
    assert!(harness.state().prefs.field);
    harness.get_by_label("Field").click();
    harness.run_steps(2);
    assert!(!harness.state().prefs.field);
}

#[test]
fn a_run_can_be_switched_to_bf16_with_stochastic_rounding() {
    // Tall enough that the precision menu, below the lesson's worksheet, opens on screen.
    let mut harness = harness_sized(zigzag(), Prefs::default(), [1280.0, 1200.0]);
    harness.get_by_label("Noise, batches, clipping").click();
    harness.run_steps(2);
    harness.get_by_label("precision").click();
    harness.run_steps(2);
    harness.get_by_label("bf16").click();
    harness.run_steps(2);
    let precision = harness.state().scenario.runs[0]
        .precision
        .expect("the run is now in bf16");
    assert_eq!(precision.format, optiviz::precision::Format::Bf16);
    harness.get_by_label("stochastic").click();
    harness.run_steps(2);
    assert_eq!(
        harness.state().scenario.runs[0]
            .precision
            .map(|p| p.rounding),
        Some(optiviz::precision::Rounding::Stochastic)
    );
}

#[test]
fn worker_runs_draw_trails_and_offer_bits_as_the_x_axis() {
    // Single-machine lessons have no bits to plot.
    assert!(harness().query_by_label("bits").is_none());
    let workers = scenario::parse(include_str!("../presets/workers.ron"), "workers.ron")
        .expect("workers loads")
        .scenario;
    let mut harness = harness_on(workers, Prefs::default());
    for step in 1..=3 {
        harness.get_by_label("▶❚ Step").click();
        run_until(&mut harness, |state| {
            steps_taken(state).iter().all(|&s| s >= step) && state.runs[1].workers.len() == 4
        });
    }
    // FedAvg's four workers, each with a trail of where it was after every step.
    let trails = &harness.state().runs[1].workers;
    assert!(trails.iter().all(|trail| trail.len() == 3), "{trails:?}");
    harness.get_by_label("bits").click();
    harness.run_steps(2);
    assert_eq!(harness.state().prefs.x_axis, optiviz::app::XAxis::Bits);
    assert!(harness.query_by_label("Worker trails").is_some());
    // Averaging every step: 4 workers × 2 numbers × 32 bits, per step.
    let latest = harness.state().runs[0].trace.latest().expect("samples");
    assert_eq!(latest.bits, 256 * latest.step);
}

/// A version-2 lesson shows its claims as a checklist that ticks as the runs go, a Try button that
/// applies its edit (after which the claim fails with what was measured), and Undo.
#[test]
fn the_worksheet_ticks_claims_applies_a_try_and_undoes_it() {
    let text = r#"Scenario(
        version: 2,
        name: "Worksheet",
        notice: [
            Notice(text: "GD converges within 200 steps", claim: Status(run: "GD", is: Converged, from: 1, to: 200)),
        ],
        try: [
            Try(
                text: "A step ten times smaller",
                edit: Some(SetHyper(run: "GD", name: "lr", value: 0.015)),
                claim: Some(Status(run: "GD", is: Finished, from: 200, to: 200)),
            ),
        ],
        question: "Why does a smaller step take longer here?",
        theory: "GD on a quadratic contracts by max |1 − lr·λ| per step.",
        problem: Landscape(Quadratic(lambda1: 1.0, lambda2: 10.0, angle_deg: 0.0)),
        tolerance: 1e-6,
        steps: 200,
        runs: [Run(label: "GD", optimizer: Sgd(lr: 0.15), start: (1.0, 1.0))],
    )"#;
    let scenario = scenario::parse(text, "worksheet.ron")
        .expect("loads")
        .scenario;
    let mut harness = harness_on(scenario, Prefs::default());
    assert!(harness.query_by_label("What to notice").is_some());
    assert!(
        harness.query_by_label("○").is_some(),
        "pending before the run"
    );
    harness.get_by_label("▶ Play").click();
    run_until(&mut harness, |s| {
        s.runs.iter().all(|r| !r.trace.status.is_running())
    });
    harness.run_steps(2);
    assert!(
        harness.query_by_label("✓").is_some(),
        "ticked once GD converged"
    );
    assert!(harness.query_by_label_contains("(at step").is_some());
    // The solver says it paused once the runs stopped; a Try made while playing plays on.
    run_until(&mut harness, |s| !s.playing);

    harness.get_by_label("Try").click();
    harness.run_steps(2);
    harness.get_by_label("Try 1").click();
    harness.run_steps(2);
    let lr = |s: &AppState| s.scenario.runs[0].optimizer.lr();
    assert!((lr(harness.state()) - 0.015).abs() < 1e-15);
    harness.get_by_label("▶ Play").click();
    run_until(&mut harness, |s| {
        s.runs.iter().all(|r| !r.trace.status.is_running())
    });
    harness.run_steps(2);
    assert!(
        harness
            .query_by_label_contains("not with your settings: measured")
            .is_some(),
        "the notice fails with the smaller step"
    );
    assert!(
        harness.query_by_label("✓").is_some(),
        "the Try's own claim holds"
    );

    // Presenting, the folded notes strip shows the checklist's marks: notice 1 fails.
    harness.state_mut().prefs.presenting = true;
    harness.run_steps(2);
    assert!(harness.query_by_label("◀ Notes").is_some());
    assert!(
        harness.query_by_label("✗ 1").is_some(),
        "the strip marks notice 1 failed"
    );
    harness.state_mut().prefs.presenting = false;
    harness.run_steps(2);

    harness.get_by_label("Undo").click();
    harness.run_steps(2);
    assert!((lr(harness.state()) - 0.15).abs() < 1e-15);
    assert!(harness.query_by_label("Undo").is_none());

    // Present mode keeps the checklist (behind the notes strip).
    harness.state_mut().prefs.presenting = true;
    harness.run_steps(2);
    harness.get_by_label("◀ Notes").click();
    harness.run_steps(2);
    assert!(harness.query_by_label("What to notice").is_some());
}

/// An edit that leaves a claim naming what is gone (here a removed run) goes through; the
/// worksheet's claims are put away with a word, so a saved file still loads.
#[test]
fn an_edit_that_breaks_a_claim_puts_the_checklist_away() {
    let mut harness = harness();
    assert!(
        !harness.state().scenario.notice.is_empty(),
        "zigzag has claims"
    );
    harness.state_mut().remove_run(0);
    harness.run_steps(2);
    let state = harness.state();
    assert!(state.scenario.notice.is_empty() && state.scenario.tries.is_empty());
    assert!(scenario::validate(&state.scenario).is_empty());
    let notice = state.notice.as_ref().expect("a word in the status bar");
    assert!(notice.text.contains("put away"), "{}", notice.text);
}
