use super::harness;
#[allow(unused_imports)]
use harness::*;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use optiviz::app::{AppState, EditApplies, Prefs, StartMode};
use optiviz::engine::{Command, RunStatus};
use optiviz::optim::OptimizerConfig;
use optiviz::scenario::{self, RunConfig, Scenario};

// --- item 1: editing one run keeps the others' history ---

/// Every kept sample of every run: (step, point, loss) in step order.
type History = Vec<Vec<(u64, [f64; 2], f64)>>;

fn history(state: &AppState) -> History {
    state
        .runs
        .iter()
        .map(|run| {
            run.trace
                .samples()
                .map(|s| (s.step, s.point, s.loss))
                .collect()
        })
        .collect()
}

fn latest_step(state: &AppState, run: usize) -> u64 {
    state.runs[run].trace.latest().map_or(0, |s| s.step)
}

fn all_stopped(state: &AppState) -> bool {
    state.runs.len() == state.scenario.runs.len()
        && state.runs.iter().all(|run| !run.trace.status.is_running())
}

/// The app on `lesson` with `prefs`, played at full speed until every run has stopped.
fn finished(name: &str, prefs: Prefs) -> Harness<'static, AppState> {
    let mut harness = harness_sized(lesson(name), prefs, [1600.0, 1000.0]);
    harness.state_mut().set_speed(None);
    harness.state_mut().play();
    run_until(&mut harness, all_stopped);
    harness.run_steps(2);
    assert!(latest_step(harness.state(), 0) > 0);
    harness
}

/// Runs `kept` of `before` (by their old indices) appear unchanged, sample for sample, at the
/// indices `now` in the state.
fn assert_kept(state: &AppState, before: &History, kept: &[(usize, usize)]) {
    let after = history(state);
    for &(old, now) in kept {
        assert_eq!(
            after[now],
            before[old],
            "run {old} (now {now}) lost or changed samples: {} before, {} after",
            before[old].len(),
            after[now].len()
        );
        assert!(before[old].len() > 2, "run {old} had a history to keep");
    }
}

/// Waits until run `index` has caught up: it stopped where the others stopped, or at its end.
fn caught_up(harness: &mut Harness<'static, AppState>, index: usize) {
    run_until(harness, |s| {
        s.runs.len() > index && !s.runs[index].trace.status.is_running()
    });
    harness.run_steps(2);
    let state = harness.state();
    let trace = &state.runs[index].trace;
    assert_eq!(
        trace.first().map(|s| s.step),
        Some(0),
        "it starts from its start"
    );
    let end = latest_step(state, index);
    assert!(
        end == state.scenario.steps
            || matches!(
                trace.status,
                RunStatus::Converged { .. } | RunStatus::Diverged { .. }
            ),
        "the run caught up to step {end} of {}: {:?}",
        state.scenario.steps,
        trace.status
    );
}

#[test]
fn add_run_keeps_every_other_run_and_the_new_run_catches_up_at_once() {
    let mut harness = finished("zigzag", Prefs::default());
    let before = history(harness.state());
    let n = before.len();
    harness.get_by_label("Add run").click();
    harness.run_steps(2);
    assert_eq!(harness.state().runs.len(), n + 1);
    // No Play pressed: the new run catches up by itself.
    caught_up(&mut harness, n);
    let pairs: Vec<(usize, usize)> = (0..n).map(|i| (i, i)).collect();
    assert_kept(harness.state(), &before, &pairs);
    assert!(harness.state().runs[n].trace.len() > 2);
}

#[test]
fn duplicate_keeps_every_other_run_and_the_copy_retraces_the_original() {
    let mut harness = finished("zigzag", Prefs::default());
    let before = history(harness.state());
    let n = before.len();
    harness
        .get_all_by_label("Duplicate")
        .next()
        .expect("a Duplicate button")
        .click();
    harness.run_steps(2);
    caught_up(&mut harness, n);
    let pairs: Vec<(usize, usize)> = (0..n).map(|i| (i, i)).collect();
    assert_kept(harness.state(), &before, &pairs);
    // The copy is the same method from the same start: the same path, computed again.
    let copy = &history(harness.state())[n];
    let first_points: Vec<[f64; 2]> = copy.iter().map(|s| s.1).collect();
    assert!(
        before
            .iter()
            .any(|run| run.iter().map(|s| s.1).collect::<Vec<_>>() == first_points),
        "the duplicate retraces one of the runs"
    );
}

#[test]
fn remove_keeps_every_other_run_under_its_new_index() {
    let mut harness = finished("zigzag", Prefs::default());
    let before = history(harness.state());
    let n = before.len();
    assert!(n >= 2);
    harness
        .get_all_by_label("Remove")
        .next()
        .expect("a Remove button")
        .click();
    harness.run_steps(4);
    let removed = (0..n)
        .find(|&i| {
            harness.state().runs.len() == n - 1
                && harness
                    .state()
                    .scenario
                    .runs
                    .iter()
                    .all(|r| r.label != lesson("zigzag").runs[i].label)
        })
        .expect("one run was removed");
    let pairs: Vec<(usize, usize)> = (0..n)
        .filter(|&i| i != removed)
        .map(|i| (i, if i > removed { i - 1 } else { i }))
        .collect();
    assert_kept(harness.state(), &before, &pairs);
    // Nothing restarts later either.
    harness.run_steps(10);
    assert_kept(harness.state(), &before, &pairs);
}

#[test]
fn a_sweep_cell_added_as_a_run_keeps_the_others_and_catches_up() {
    let mut harness = finished("momentum_region", Prefs::default());
    run_until(&mut harness, |s| s.views.sweep.has_result());
    let before = history(harness.state());
    let n = before.len();
    optiviz::ui::sweep_view::add_cell_run(harness.state_mut(), 3, 2);
    harness.run_steps(2);
    assert_eq!(
        harness.state().runs.len(),
        n + 1,
        "{:?}",
        harness.state().notice
    );
    caught_up(&mut harness, n);
    let pairs: Vec<(usize, usize)> = (0..n).map(|i| (i, i)).collect();
    assert_kept(harness.state(), &before, &pairs);
}

#[test]
fn moving_one_runs_start_restarts_only_that_run_which_catches_up() {
    let prefs = Prefs {
        start_mode: StartMode::PerRun,
        ..Prefs::default()
    };
    let mut harness = finished("zigzag", prefs);
    let before = history(harness.state());
    let n = before.len();
    let start = before[1][0].1;
    let moved = [start[0] + 0.25, start[1] - 0.125];
    harness.state_mut().move_start(Some(1), moved);
    harness.run_steps(2);
    caught_up(&mut harness, 1);
    let pairs: Vec<(usize, usize)> = (0..n).filter(|&i| i != 1).map(|i| (i, i)).collect();
    assert_kept(harness.state(), &before, &pairs);
    assert_eq!(history(harness.state())[1][0].1, moved);
}

#[test]
fn an_edit_that_restarts_one_run_keeps_the_others_and_catches_it_up() {
    let prefs = Prefs {
        edit_applies: EditApplies::Restart,
        ..Prefs::default()
    };
    let mut harness = finished("zigzag", prefs);
    let before = history(harness.state());
    let n = before.len();
    let mut config = harness.state().scenario.runs[0].clone();
    scale_lr(&mut config, 0.5);
    harness.state_mut().edit_run(0, config);
    harness.run_steps(2);
    caught_up(&mut harness, 0);
    let pairs: Vec<(usize, usize)> = (1..n).map(|i| (i, i)).collect();
    assert_kept(harness.state(), &before, &pairs);
    assert_ne!(
        history(harness.state())[0],
        before[0],
        "run 0 ran again with half the lr"
    );
}

#[test]
fn a_run_added_while_paused_mid_lesson_catches_up_to_the_others_step() {
    let mut harness = harness_sized(lesson("zigzag"), Prefs::default(), [1600.0, 1000.0]);
    harness.state_mut().send_command(Command::Step(25));
    run_until(&mut harness, |s| latest_step(s, 0) == 25);
    let before = history(harness.state());
    let n = before.len();
    let mut config = harness.state().scenario.runs[0].clone();
    config.label = "GD again".to_owned();
    harness.state_mut().add_run(config);
    run_until(&mut harness, |s| {
        s.runs.len() == n + 1 && latest_step(s, n) == 25
    });
    harness.run_steps(5);
    assert_eq!(
        latest_step(harness.state(), n),
        25,
        "it stops level with the others"
    );
    let pairs: Vec<(usize, usize)> = (0..n).map(|i| (i, i)).collect();
    assert_kept(harness.state(), &before, &pairs);
    // Then it goes on with them.
    harness.state_mut().send_command(Command::Step(5));
    run_until(&mut harness, |s| (0..=n).all(|i| latest_step(s, i) == 30));
}

#[test]
fn an_add_run_the_worker_rejects_keeps_every_run() {
    let mut harness = finished("zigzag", Prefs::default());
    let before = history(harness.state());
    let n = before.len();
    let mut bad = harness.state().scenario.runs[0].clone();
    scale_lr(&mut bad, -1.0);
    // Sent past the app's own check, as a command the solver refuses.
    harness
        .state_mut()
        .send_command(Command::AddRun(Box::new(bad.clone())));
    run_until(&mut harness, |s| {
        s.notice.as_ref().is_some_and(|n| n.is_error)
    });
    harness.run_steps(5);
    let pairs: Vec<(usize, usize)> = (0..n).map(|i| (i, i)).collect();
    assert_kept(harness.state(), &before, &pairs);
    assert_eq!(harness.state().runs.len(), n);
    // The app's own Add run refuses it with the reason, and nothing changes either.
    harness.state_mut().notice = None;
    harness.state_mut().add_run(bad);
    harness.run_steps(5);
    assert!(harness.state().notice.as_ref().is_some_and(|n| n.is_error));
    assert_eq!(harness.state().scenario.runs.len(), n);
    assert_kept(harness.state(), &before, &pairs);
}

fn scale_lr(config: &mut RunConfig, factor: f64) {
    let OptimizerConfig::Sgd(sgd) = &mut config.optimizer else {
        panic!("zigzag's runs are SGD: {:?}", config.optimizer);
    };
    sgd.lr *= factor;
}

// --- item 11: unreadable files are kept beside ---

/// The files in `dir` whose name starts with `prefix` and holds "unreadable".
fn kept_copies(dir: &std::path::Path, prefix: &str) -> Vec<std::path::PathBuf> {
    let mut kept: Vec<_> = std::fs::read_dir(dir)
        .expect("lists")
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
            name.is_some_and(|n| n.starts_with(prefix) && n.contains("unreadable"))
        })
        .collect();
    kept.sort();
    kept
}

#[test]
fn an_unreadable_preferences_file_is_kept_beside_and_named() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let file = dir.path().join("app.ron");
    // A storage file whose preferences no longer parse (a field of the wrong type).
    let first = "{\"optiviz-prefs\": \"(dark: 7, scale: \\\"big\\\")\"}";
    std::fs::write(&file, first).expect("writes");
    let (prefs, notice) = optiviz::app::load_prefs(&file);
    let notice = notice.expect("the status bar says so");
    assert!(notice.is_error);
    assert_eq!(prefs.scale, Prefs::default().scale);
    let kept = kept_copies(dir.path(), "app.ron.");
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert!(
        notice.text.contains(&kept[0].display().to_string()),
        "{}",
        notice.text
    );
    assert_eq!(std::fs::read_to_string(&kept[0]).expect("reads"), first);
    assert!(
        !file.exists(),
        "eframe writes a fresh file; the old one is kept"
    );
    // A second unreadable file (not RON at all) never overwrites the first kept copy.
    std::fs::write(&file, "not ron {").expect("writes");
    let (_, notice) = optiviz::app::load_prefs(&file);
    let kept = kept_copies(dir.path(), "app.ron.");
    assert_eq!(kept.len(), 2, "{kept:?}");
    assert!(notice.is_some_and(|n| {
        kept.iter()
            .any(|k| n.text.contains(&k.display().to_string()))
    }));
    let contents: Vec<String> = kept
        .iter()
        .map(|k| std::fs::read_to_string(k).expect("reads"))
        .collect();
    assert!(contents.contains(&first.to_owned()) && contents.contains(&"not ron {".to_owned()));
    // A readable file is read, and nothing is kept.
    std::fs::write(&file, "{\"optiviz-prefs\": \"(scale: 1.5)\"}").expect("writes");
    let (prefs, notice) = optiviz::app::load_prefs(&file);
    assert!(notice.is_none());
    assert_eq!(prefs.scale, 1.5);
    assert_eq!(kept_copies(dir.path(), "app.ron.").len(), 2);
}

#[test]
fn an_unreadable_autosave_is_kept_beside_and_named() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let file = dir.path().join("autosave.ron");
    let text = "Scenario(steps: \"many\")";
    std::fs::write(&file, text).expect("writes");
    let (scenario, _, notice) = optiviz::app::initial_scenario(None, Some(&file));
    let notice = notice.expect("the status bar says so");
    assert!(notice.is_error);
    let kept = kept_copies(dir.path(), "autosave.ron.");
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert!(
        notice.text.contains(&kept[0].display().to_string()),
        "{}",
        notice.text
    );
    assert_eq!(std::fs::read_to_string(&kept[0]).expect("reads"), text);
    // The default lesson opens, and the next autosave cannot overwrite what the user had.
    assert!(!scenario.runs.is_empty());
    scenario::save(&file, &scenario).expect("the next autosave writes");
    assert_eq!(std::fs::read_to_string(&kept[0]).expect("reads"), text);
}

// --- item 10: the GIF animates the history shown; a lesson's own speed ---

#[test]
fn the_gif_animates_the_history_shown_not_a_fresh_simulation() {
    let mut harness = harness_sized(lesson("zigzag"), Prefs::default(), [1600.0, 1000.0]);
    harness.state_mut().send_command(Command::Step(30));
    run_until(&mut harness, |s| latest_step(s, 0) == 30);
    // A live edit: run 0 goes on from where it is with a smaller lr.
    let mut config = harness.state().scenario.runs[0].clone();
    scale_lr(&mut config, 0.25);
    harness.state_mut().edit_run(0, config);
    harness.state_mut().send_command(Command::Step(30));
    run_until(&mut harness, |s| latest_step(s, 0) == 60);
    harness.run_steps(2);
    let state = harness.state();
    let runs = state.gif_runs();
    for (index, run) in runs.iter().enumerate() {
        let trace: Vec<(u64, [f64; 2])> = state.runs[index]
            .trace
            .samples()
            .map(|s| (s.step, s.point))
            .collect();
        let animated: Vec<(u64, [f64; 2])> = run
            .steps
            .iter()
            .copied()
            .zip(run.path.points.iter().copied())
            .collect();
        assert_eq!(animated, trace, "run {index}'s frames follow its trace");
    }
    let landscape = state.landscape.clone().expect("a 2D lesson");
    let view = state
        .views
        .landscape
        .shown_window()
        .expect("the view was drawn");
    let options = optiviz::render::RenderOptions {
        width: 96,
        height: 72,
        dark: state.prefs.dark,
        legend: true,
    };
    let name = state.scenario.name.clone();
    let shown = optiviz::render::draw_gif(landscape.as_ref(), view, &name, &runs, 6, &options)
        .expect("draws");
    let mut resimulated_scenario = state.scenario.clone();
    resimulated_scenario.view = Some(view);
    let resimulated =
        optiviz::render::render_gif(&resimulated_scenario, Some(60), 6, &options).expect("draws");
    assert_ne!(
        shown, resimulated,
        "the edit shows: the current settings from step 0 differ"
    );
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("shown.gif");
    harness.state_mut().export_gif(&path, [96, 72], 6);
    run_until(&mut harness, |s| !s.is_exporting());
    let written = std::fs::read(&path).expect("the GIF was written");
    assert_eq!(written, shown, "the export draws the shown history");
}

fn with_speed(name: &str, speed: &str) -> Result<Scenario, String> {
    let path = format!("{}/presets/{name}.ron", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("reads");
    let text = text.replacen("    steps:", &format!("    speed: {speed},\n    steps:"), 1);
    scenario::parse(&text, "speedy.ron")
        .map(|loaded| loaded.scenario)
        .map_err(|error| error.to_string())
}

#[test]
fn a_lesson_opens_at_its_own_speed_and_says_so() {
    let fast = with_speed("zigzag", "250.0").expect("loads");
    assert_eq!(fast.speed, Some(250.0));
    // The user's last choice was Max.
    let prefs = Prefs {
        steps_per_second: None,
        ..Prefs::default()
    };
    let mut harness = harness_sized(fast, prefs.clone(), [1600.0, 1000.0]);
    harness.run_steps(2);
    assert_eq!(harness.state().speed(), Some(250.0));
    let notice = harness
        .state()
        .notice
        .clone()
        .expect("the status bar says so");
    assert!(notice.text.contains("250 steps/s"), "{}", notice.text);
    assert!(harness.query_by_label("max speed").is_none());
    // A lesson without a speed opens at the user's last choice, shown on the control.
    harness.state_mut().open_scenario(lesson("zigzag"), None);
    harness.run_steps(2);
    assert_eq!(harness.state().speed(), None);
    assert!(harness.query_by_label("max speed").is_some());
    // A bad speed is refused with where it is.
    let error = with_speed("zigzag", "0.0").expect_err("refused");
    assert!(error.starts_with("speedy.ron:"), "{error}");
    assert!(error.contains("speed"), "{error}");
}

#[test]
fn lessons_without_a_speed_save_as_before_and_long_lessons_set_one() {
    for name in lesson_names() {
        let text =
            std::fs::read_to_string(format!("{}/presets/{name}.ron", env!("CARGO_MANIFEST_DIR")))
                .expect("reads");
        let scenario = lesson(&name);
        let saved = scenario::to_ron(&scenario).expect("saves");
        let sets_speed = |text: &str| {
            text.lines()
                .any(|line| line.trim_start().starts_with("speed:"))
        };
        assert_eq!(sets_speed(&saved), scenario.speed.is_some(), "{name}");
        assert_eq!(sets_speed(&text), scenario.speed.is_some(), "{name}");
        if scenario.steps >= 1500 {
            let speed = scenario
                .speed
                .unwrap_or(Prefs::default().steps_per_second.unwrap_or(30.0));
            let seconds = scenario.steps as f64 / speed;
            assert!(
                seconds <= 30.0,
                "{name}: {} steps take {seconds} s",
                scenario.steps
            );
        }
    }
}

#[test]
fn a_headless_session_catches_an_added_run_up_deterministically() {
    use optiviz::engine::Session;
    let scenario = lesson("zigzag");
    let mut extra = scenario.runs[0].clone();
    extra.label = "GD again".to_owned();
    let mut reference_scenario = scenario.clone();
    reference_scenario.runs.push(extra.clone());
    let mut reference = Session::new(reference_scenario);
    let expected: Vec<Vec<[f64; 2]>> = reference
        .advance(40)
        .into_iter()
        .map(|p| p.samples.iter().map(|s| s.point).collect())
        .collect();
    // The same runs, the last added after the others took 25 steps.
    let mut session = Session::new(scenario);
    let mut got: Vec<Vec<[f64; 2]>> = session
        .advance(25)
        .into_iter()
        .map(|p| p.samples.iter().map(|s| s.point).collect())
        .collect();
    session.add_run(extra);
    assert!(session.is_catching_up());
    got.push(Vec::new());
    for progress in session.catch_up(10).into_iter().chain(session.advance(15)) {
        got[progress.run].extend(progress.samples.iter().map(|s| s.point));
    }
    assert!(!session.is_catching_up());
    assert_eq!(
        got, expected,
        "every run's points are those of a session that had them all"
    );
    assert!(session.runs().iter().all(|run| run.steps_taken() == 40));
}
