use super::harness;
#[allow(unused_imports)]
use harness::*;

use egui_kittest::kittest::Queryable;
use optiviz::app::{Metric, XAxis};
use optiviz::engine::RunStatus;
use optiviz::number_format::short_number;
use optiviz::ui::log_axis::log_ticks;
use optiviz::ui::metric_curves::{MetricSample, log_floor, log_series, metric_curves};
use optiviz::ui::metrics::last_metric_plot;

/// Item 4: exact zeros are drawn at a floor just below the smallest positive value, marked with
/// the step they were first reached at.
#[test]
fn exact_zeros_sit_on_a_floor_just_below_the_smallest_positive_value() {
    let values = [3.0, 0.4, 2e-7, 0.0, 5e-9, 0.0];
    let samples: Vec<MetricSample> = (values.iter().enumerate())
        .map(|(k, &value)| MetricSample {
            x: 10.0 * k as f64,
            step: k as u64,
            value,
        })
        .collect();
    let floor = log_floor(values);
    assert!(floor < 5e-9 && floor > 5e-10, "floor {floor:e}");
    let series = log_series(&samples, floor);
    assert_eq!(series.points.len(), values.len());
    assert_eq!(series.reached_zero, Some((30.0, 3)));
    let lowest = series
        .points
        .iter()
        .map(|p| p[1])
        .fold(f64::INFINITY, f64::min);
    assert_eq!(lowest, floor.log10(), "nothing is drawn below the floor");
    assert_eq!(series.points[3][1], floor.log10());
    assert!(
        series.points[4][1] > floor.log10(),
        "a positive value stays above the floor"
    );
    assert!(
        series.points[0][1] - lowest < 10.0,
        "the axis spans decades, not 300 of them"
    );
}

/// Item 4 on a lesson: the gradient-norm plot of a run whose gradient rounds to exactly 0 draws
/// it at the floor and says when in the legend.
#[test]
fn a_run_that_reaches_zero_is_marked_in_the_legend() {
    let mut scenario = lesson("zigzag");
    scenario.runs.truncate(1);
    scenario.runs[0].start = Some([0.0, 0.0]);
    let mut harness = harness_on_screen(scenario, SCREENS[0], false);
    harness.state_mut().prefs.metric = Metric::GradNorm;
    harness.state_mut().step_once();
    run_until(&mut harness, |s| {
        s.runs[0].trace.latest().is_some_and(|x| x.step >= 1)
    });
    harness.run_steps(2);
    let content = metric_curves(harness.state(), Metric::GradNorm);
    assert_eq!(content.zero_marks.len(), 1);
    assert!(content.zero_marks[0].name.ends_with("reached 0 at step 0"));
    assert!(
        harness
            .query_by_label_contains("reached 0 at step 0")
            .is_some()
    );
    assert!(harness.query_by_label("0, drawn at the floor").is_some());
}

/// Item 4 on the eigen-components plot: a start on the valley's axis has exactly 0 error along
/// the steep eigenvector; it is drawn at the floor, just below the other component, and marked.
#[test]
fn an_eigen_component_at_zero_is_drawn_at_the_floor_and_marked() {
    let mut scenario = lesson("zigzag");
    scenario.runs.truncate(1);
    scenario.runs[0].start = Some([1.0, 0.0]);
    let mut harness = harness_on_screen(scenario, SCREENS[0], false);
    harness.state_mut().prefs.metric = Metric::Eigencomponents;
    harness.state_mut().step_once();
    run_until(&mut harness, |s| {
        s.runs[0].trace.latest().is_some_and(|x| x.step >= 1)
    });
    harness.run_steps(2);
    let content = metric_curves(harness.state(), Metric::Eigencomponents);
    assert_eq!(content.zero_marks.len(), 1, "{:?}", content.zero_marks);
    assert!(content.zero_marks[0].name.contains("along e₂"));
    assert!(content.zero_marks[0].name.ends_with("reached 0 at step 0"));
    let floor = content.zero_marks[0].position[1];
    let lowest_positive = content
        .curves
        .iter()
        .filter(|curve| curve.name.contains("along e₁ (λ"))
        .flat_map(|curve| curve.points.iter().map(|p| p[1]))
        .fold(f64::INFINITY, f64::min);
    assert!(floor < lowest_positive && floor > lowest_positive - 1.0);
    let zero_curve = content
        .curves
        .iter()
        .find(|curve| curve.name.contains("along e₂ (λ"))
        .expect("the steep component is drawn");
    assert!(!zero_curve.points.is_empty());
    assert!(zero_curve.points.iter().all(|p| p[1] == floor));
}

/// Item 4: a metric a problem cannot have says why, inside the plot.
#[test]
fn an_unavailable_metric_says_why_inside_the_plot() {
    let mut harness = harness_on_screen(lesson("formula_playground"), SCREENS[2], false);
    harness.state_mut().prefs.metric = Metric::Distance;
    harness.run_steps(3);
    let reason = harness.get_by_label_contains("no known minimizer");
    let frame = last_metric_plot(&harness.ctx, "metrics").expect("the metrics plot is drawn");
    assert!(
        frame.data_rect.contains_rect(reason.rect()),
        "{:?} outside {:?}",
        reason.rect(),
        frame.data_rect
    );
    // The loss, with f* unknown, is measured from the lowest f seen, and the axis says so.
    let content = metric_curves(harness.state(), Metric::Loss);
    assert!(content.log_scale);
    assert!(
        content.y_label.contains("lowest f seen"),
        "{}",
        content.y_label
    );
}

/// Item 4: log tick labels are few, unique and true to their positions over any span.
#[test]
fn log_tick_labels_are_unique_and_few_for_any_span() {
    let spans = [
        1e-4, 1e-3, 0.01, 0.05, 0.1, 0.2, 0.3, 0.5, 0.8, 1.0, 1.3, 1.7, 2.0, 3.0, 5.0, 8.0, 13.0,
        30.0, 100.0, 300.0, 600.0,
    ];
    let lows = [-300.0, -40.0, -7.3, -3.3, -0.7, 0.0, 0.4, 2.2, 17.0, 250.0];
    for span in spans {
        for low in lows {
            let high: f64 = low + span;
            if high > 305.0 {
                continue;
            }
            for max_count in [3, 6] {
                let ticks = log_ticks(low, high, max_count);
                let labels: Vec<&str> = ticks.iter().map(|t| t.label.as_str()).collect();
                let context = format!("[{low}, {high}] ≤{max_count}: {labels:?}");
                assert!((2..=max_count).contains(&ticks.len()), "{context}");
                let mut unique = labels.clone();
                unique.sort_unstable();
                unique.dedup();
                assert_eq!(unique.len(), labels.len(), "{context}");
                for tick in &ticks {
                    assert!((low..=high).contains(&tick.position), "{context}");
                    let value: f64 = tick.label.parse().expect(&context);
                    assert!((value.log10() - tick.position).abs() < 1e-6, "{context}");
                }
            }
        }
    }
}

/// Item 5: the legend (eight entries and more with Theory on) sits beside the data, never over it.
#[test]
fn the_legend_sits_beside_the_data_on_every_screen() {
    for screen in SCREENS {
        for presenting in [false, true] {
            let mut harness = harness_on_screen(lesson("zigzag"), screen, presenting);
            harness.state_mut().prefs.theory = true;
            harness.state_mut().step_once();
            run_until(&mut harness, |s| {
                s.runs
                    .iter()
                    .all(|r| r.trace.latest().is_some_and(|x| x.step >= 1))
            });
            harness.run_steps(2);
            let Some(frame) = last_metric_plot(&harness.ctx, "metrics") else {
                // A lesson may hide the metrics when presenting.
                assert!(presenting, "{screen:?}: no metrics plot");
                continue;
            };
            let legend = frame.legend_rect.expect("the loss plot has a legend");
            let context = format!("{screen:?} presenting {presenting}: {frame:?}");
            assert!(!legend.intersects(frame.data_rect), "{context}");
            let entries: Vec<_> = harness.query_all_by_label_contains("(exact)").collect();
            assert!(!entries.is_empty(), "{context}");
            for entry in entries {
                assert!(
                    !entry.rect().intersects(frame.data_rect),
                    "{context}: {:?}",
                    entry.rect()
                );
            }
        }
    }
}

/// Item 5: thresholds and messages print short numbers (2/lr with lr 0.1 is 20, not 20.0000).
#[test]
fn numbers_in_legends_and_messages_are_short() {
    assert_eq!(short_number(2.0 / 0.1), "20");
    assert_eq!(short_number(3.2e-5), "3.2e-5");
    let threshold = optiviz::optim::Threshold::gradient_descent(0.1).expect("a threshold");
    assert_eq!(threshold.formula, "2/lr = 20");
    let mut scenario = lesson("zigzag");
    for run in &mut scenario.runs {
        run.optimizer = optiviz::optim::OptimizerConfig::Sgd(optiviz::optim::SgdConfig {
            lr: 0.1,
            ..Default::default()
        });
    }
    let mut harness = harness_on_screen(scenario, SCREENS[2], false);
    harness.state_mut().prefs.metric = Metric::Sharpness;
    harness.run_steps(3);
    let names: Vec<String> = harness
        .state()
        .scenario
        .runs
        .iter()
        .map(|r| r.label.clone())
        .collect();
    for name in names {
        let entry = format!("{name} stability: 2/lr = 20");
        assert!(
            harness.query_by_label(&entry).is_some(),
            "no legend entry {entry}"
        );
    }
    // The engine's divergence reason: λmax = 100 and lr·λmax = 10, not 100.0000 and 10.0000.
    let mut scenario = lesson("zigzag");
    scenario.runs.truncate(1);
    scenario.runs[0].optimizer = optiviz::optim::OptimizerConfig::Sgd(optiviz::optim::SgdConfig {
        lr: 0.1,
        ..Default::default()
    });
    let mut session = optiviz::engine::Session::new(scenario);
    session.advance(2000);
    match session.runs()[0].status() {
        optiviz::engine::RunStatus::Diverged { reason, .. } => {
            assert!(reason.contains("λmax = 100, lr·λmax = 10 ("), "{reason}");
        }
        other => panic!("lr·λmax = 10 diverges, got {other:?}"),
    }
}

/// Item 2: the wheel over a metric plot zooms its x axis about the pointer and keeps y.
#[test]
fn the_wheel_zooms_a_metric_plot_along_x_about_the_pointer() {
    let mut harness = harness_on_screen(lesson("zigzag"), SCREENS[2], false);
    harness.state_mut().prefs.x_axis = XAxis::Steps;
    harness.state_mut().set_step_budget(40);
    harness.state_mut().play();
    run_until(&mut harness, |s| {
        s.runs
            .iter()
            .all(|r| r.trace.latest().is_some_and(|x| x.step >= 40))
    });
    harness.run_steps(3);
    let before = last_metric_plot(&harness.ctx, "metrics").expect("drawn");
    let pointer = before.data_rect.left_center() + egui::vec2(before.data_rect.width() * 0.25, 0.0);
    let x_at = |frame: &optiviz::ui::metrics::MetricPlotFrame| {
        let t = f64::from((pointer.x - frame.data_rect.left()) / frame.data_rect.width());
        frame.x_range[0] + t * (frame.x_range[1] - frame.x_range[0])
    };
    harness.event(egui::Event::PointerMoved(pointer));
    harness.run_steps(1);
    harness.event(egui::Event::MouseWheel {
        unit: egui::MouseWheelUnit::Point,
        delta: egui::vec2(0.0, 120.0),
        modifiers: egui::Modifiers::NONE,
        phase: egui::TouchPhase::Move,
        source: egui::MouseWheelSource::Unknown,
    });
    harness.run_steps(20);
    let after = last_metric_plot(&harness.ctx, "metrics").expect("drawn");
    let span = |r: [f64; 2]| r[1] - r[0];
    assert!(
        span(after.x_range) < 0.8 * span(before.x_range),
        "{before:?} → {after:?}"
    );
    assert!(
        (x_at(&after) - x_at(&before)).abs() < 0.02 * span(before.x_range),
        "{before:?} → {after:?}"
    );
    assert!(
        (span(after.y_range) - span(before.y_range)).abs()
            < 1e-9 * span(before.y_range).abs().max(1.0),
        "{before:?} → {after:?}"
    );
}

/// Item 7: hovering a heatmap cell shows its hyperparameters and the loss it reached.
#[test]
fn a_heatmap_cell_tooltip_shows_its_lr_and_loss() {
    let mut harness = harness_on_screen(lesson("zigzag"), SCREENS[2], false);
    harness.state_mut().selected_run = 0;
    {
        let sweep = &mut harness.state_mut().views.sweep;
        sweep.settings.axes[0] = optiviz::analysis::sweep::Axis::linear("lr", (0.001, 0.03), 6);
        sweep.settings.axes[1] = optiviz::analysis::sweep::Axis::linear("momentum", (0.0, 0.9), 4);
        sweep.settings.budget_evals = 50;
        let settings = sweep.settings.clone();
        sweep.request(&settings);
    }
    run_until(&mut harness, |s| s.views.sweep.has_result());
    harness.run_steps(2);
    for (column, row) in [(1, 2), (5, 3)] {
        let position = harness
            .state()
            .views
            .sweep
            .screen_from_cell(column, row)
            .expect("the heatmap is drawn");
        harness.event(egui::Event::PointerMoved(position));
        harness.run_steps(2);
        let sweep = harness
            .state()
            .views
            .sweep
            .sweep()
            .expect("a sweep")
            .clone();
        let index = sweep.index(column, row);
        let lr = format!("lr = {}", short_number(sweep.axes[0].value(column)));
        let outcome = if sweep.diverged[index] {
            "diverged".to_owned()
        } else {
            format!("loss {}", short_number(sweep.values[index]))
        };
        let momentum = format!("momentum = {}", short_number(sweep.axes[1].value(row)));
        let tooltip = format!("{lr}\n{momentum}\n{outcome}");
        assert!(
            harness.query_by_label(&tooltip).is_some(),
            "no tooltip {tooltip:?}"
        );
    }
}

/// Item 5, every plot: no view uses egui_plot's legend, which sits inside the data area; every
/// legend is a column beside its plot (`ui::plot_legend`).
#[test]
fn no_plot_draws_its_legend_over_its_data() {
    fn sources(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("src/ui lists") {
            let path = entry.expect("entry reads").path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    sources(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ui"),
        &mut files,
    );
    assert!(files.len() > 10, "the UI sources are found");
    let offenders: Vec<String> = files
        .iter()
        .filter(|path| {
            let text = std::fs::read_to_string(path).expect("source reads");
            text.contains(".legend(Legend") || text.contains("egui_plot::Legend")
        })
        .map(|path| path.display().to_string())
        .collect();
    assert!(
        offenders.is_empty(),
        "plots with a legend inside the data area: {offenders:?}"
    );
}

/// Item 4 with a run that blows up: warmup's constant lr 0.03 reaches about 1e241 in three steps;
/// on the log loss plot it runs along a ceiling ten decades above the highest start, so the other
/// runs keep the axis instead of lying flat along its bottom.
#[test]
fn a_run_that_blows_up_runs_along_a_ceiling_above_the_starts() {
    let mut harness = harness_on_screen(lesson("warmup"), SCREENS[0], false);
    harness.state_mut().play();
    // The first run diverges at step 3; the others are well past it at step 20.
    run_until(&mut harness, |s| {
        matches!(s.runs[0].trace.status, RunStatus::Diverged { .. })
            && (s.runs.iter().skip(1)).all(|run| run.trace.latest().is_some_and(|x| x.step >= 20))
    });
    let content = metric_curves(harness.state(), Metric::Loss);
    assert!(content.log_scale);
    let starts: Vec<f64> = content
        .curves
        .iter()
        .filter(|curve| !curve.overlay)
        .filter_map(|curve| curve.points.first().map(|p| p[1]))
        .collect();
    let highest_start = starts.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let highest = content
        .curves
        .iter()
        .flat_map(|curve| &curve.points)
        .map(|p| p[1])
        .fold(f64::NEG_INFINITY, f64::max);
    assert!(
        highest <= highest_start + 10.0 + 1e-9,
        "the plot reaches 1e{highest:.0}, ten decades above the highest start is 1e{:.0}",
        highest_start + 10.0
    );
    assert!(
        highest > highest_start + 9.0,
        "the run that blew up still climbs to the ceiling: 1e{highest:.0}"
    );
}
