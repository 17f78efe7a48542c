//! The Hessian spectrum view and the Layers view's signal row, driven through the real UI.
#![cfg(feature = "gui")]

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use optiviz::app::{AppState, Prefs};
use optiviz::scenario;

#[path = "classroom/harness.rs"]
mod harness;
use harness::{harness_sized, run_until};

fn trained(problem: &str) -> Harness<'static, AppState> {
    let text = format!(
        "Scenario(problem: {problem}, steps: 40, sharpness_every: 5, runs: [Run(label: \"GD\", optimizer: Sgd(lr: 0.1))])"
    );
    let scenario = scenario::parse(&text, "net.ron").expect("loads").scenario;
    let mut harness = harness_sized(scenario, Prefs::default(), [1280.0, 820.0]);
    harness.get_by_label("▶ Play").click();
    run_until(&mut harness, |s| {
        s.runs.iter().all(|r| !r.trace.status.is_running())
    });
    harness
}

/// Steps the UI until a label containing `text` shows (the density job runs on a thread).
fn wait_for_label(harness: &mut Harness<'static, AppState>, text: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while harness.query_by_label_contains(text).is_none() {
        assert!(Instant::now() < deadline, "no label with {text:?}");
        std::thread::sleep(Duration::from_millis(20));
        harness.run_steps(1);
    }
}

#[test]
fn the_spectrum_view_draws_top_eigenvalues_and_computes_a_density() {
    let mut harness = trained("Mlp(widths: [2, 8, 1], data: Moons(n: 40, noise: 0.1))");
    let records = harness.state().runs[0].trace.records().to_vec();
    // Three top eigenvalues with each record, descending, the first the run's sharpness.
    assert!(records.iter().all(|r| r.top_eigenvalues.len() == 3));
    assert!(
        records
            .iter()
            .all(|r| r.top_eigenvalues.windows(2).all(|w| w[0] >= w[1]))
    );
    harness.get_by_label("Hessian spectrum").click();
    harness.run_steps(2);
    assert!(harness.query_by_label_contains("Choose a step").is_some());
    harness.get_by_label("Compute density").click();
    wait_for_label(&mut harness, "Hessian spectral density at step 40");
    // The caption's top of the spectrum is the recorded λ₁ at that step (to its printed digits).
    let top = records.last().expect("records").top_eigenvalues[0];
    let node = harness
        .query_by_label_contains("Hessian spectral density at step 40")
        .expect("caption")
        .accesskit_node();
    let caption = node.label().or_else(|| node.value()).unwrap_or_default();
    let highest: f64 = caption
        .split(" to ")
        .nth(1)
        .and_then(|rest| rest.split(',').next())
        .and_then(|number| number.trim().replace('−', "-").parse().ok())
        .unwrap_or_else(|| panic!("the caption names the largest eigenvalue: {caption}"));
    assert!(
        (highest - top).abs() < 0.02 * top.abs().max(1e-3),
        "{caption}: λ₁ = {top}"
    );
}

#[test]
fn the_layers_view_shows_activation_rms_and_weight_change() {
    let mut harness = trained("Mlp(widths: [2, 6, 6, 1], data: Moons(n: 40, noise: 0.1))");
    let records = harness.state().runs[0].trace.records().to_vec();
    let last = records.last().expect("records");
    assert_eq!(last.activation_rms.len(), 2, "one RMS per hidden layer");
    assert!(
        last.activation_rms
            .iter()
            .all(|v| *v > 0.0 && v.is_finite())
    );
    assert_eq!(records[0].relative_weight_change, 0.0);
    assert!(last.relative_weight_change > 0.0);
    harness.get_by_label("Layers").click();
    harness.run_steps(2);
    assert!(harness.query_by_label_contains("hidden 2").is_some());
    assert!(harness.query_by_label_contains("weight change").is_some());
}
