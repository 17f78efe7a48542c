//! The Tune window, driven as a user would: open it, start the study, wait for the sensitivity
//! plot, add the tuned runs.
#![cfg(feature = "gui")]

use egui_kittest::kittest::Queryable;
use optiviz::analysis::study::tune::{TuneRequest, run_tune};
use optiviz::app::Prefs;
use optiviz::engine::JobControl;

#[path = "classroom/harness.rs"]
mod harness;
use harness::{harness_sized, lesson, run_until};

#[test]
fn the_tune_window_adds_each_run_at_its_best_lr() {
    let scenario = lesson("zigzag");
    let runs = scenario.runs.len();
    let mut harness = harness_sized(scenario.clone(), Prefs::default(), [1600.0, 1000.0]);
    harness.get_by_label("Tune…").click();
    harness.run_steps(2);
    assert!(harness.state().views.tune.open);
    harness.state_mut().views.tune.settings.per_decade = 4;
    harness.run_steps(1);
    harness.get_by_label("Start tuning").click();
    run_until(&mut harness, |s| s.views.tune.tuning().is_some());
    harness.run_steps(2);
    // The plot's legend names the good range, and each run has its line of text.
    assert!(
        harness
            .query_by_label_contains("within 2× of its best")
            .is_some()
    );
    assert!(harness.query_by_label_contains("GD: best lr").is_some());
    // The same study computed headless, for the lrs the runs must get.
    let settings = harness.state().views.tune.settings.clone();
    let expected = run_tune(&TuneRequest::new(&scenario, settings), &JobControl::new(0))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(harness.state().views.tune.tuning(), Some(&expected));
    harness.get_by_label("Add tuned runs").click();
    harness.run_steps(2);
    let state = harness.state();
    assert_eq!(state.scenario.runs.len(), 2 * runs);
    for (index, original) in scenario.runs.iter().enumerate() {
        let added = &state.scenario.runs[runs + index];
        assert_eq!(added.label, format!("{} (tuned)", original.label));
        let best = expected.best(index).map(|t| t.lr);
        assert_eq!(Some(added.optimizer.lr()), best, "{}", added.label);
        // Every other trial of the run scored no better.
        let best_score = expected.best(index).map_or(f64::NAN, |t| t.criterion);
        assert!(
            expected
                .run_trials(index)
                .all(|t| t.criterion >= best_score)
        );
    }
    assert_eq!(
        state.runs.len(),
        2 * runs,
        "the engine has the new runs too"
    );
    assert!(harness.query_all_by_label_contains("(tuned)").count() >= runs);
}

#[test]
fn a_lesson_with_a_tuning_study_opens_it_computed() {
    let mut harness = harness_sized(lesson("lr_sensitivity"), Prefs::default(), [1600.0, 1000.0]);
    run_until(&mut harness, |s| s.views.tune.tuning().is_some());
    harness.run_steps(2);
    assert!(harness.query_by_label_contains("(1.5 decades)").is_some());
    // The worksheet reads the lesson's Tuned claims on this study live…
    let lesson_study = |state: &optiviz::app::AppState| {
        (state.views.tune)
            .lesson_tuning(state.scenario.tune.as_ref(), &state.scenario.runs)
            .is_some()
    };
    assert!(lesson_study(harness.state()));
    harness.get_by_label("Replace runs with tuned").click();
    harness.run_steps(2);
    // …but not once the runs it tuned are gone.
    assert!(!lesson_study(harness.state()));
    let labels: Vec<String> = (harness.state().scenario.runs.iter())
        .map(|r| r.label.clone())
        .collect();
    assert_eq!(labels, ["GD (tuned)", "Adam (tuned)"]);
    let lrs: Vec<f64> = (harness.state().scenario.runs.iter())
        .map(|r| r.optimizer.lr())
        .collect();
    assert!(
        (lrs[0] - 0.01259).abs() < 1e-4 && (lrs[1] - 0.3981).abs() < 1e-3,
        "{lrs:?}"
    );
}
