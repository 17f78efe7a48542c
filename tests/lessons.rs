//! The bundled lessons' claims, verified headless: every claim of every lesson holds with a bound
//! that could fail, and each lesson's claims are sharp enough that scaling every run's learning
//! rate by 0.1 breaks at least one of them. Lessons without claims yet are listed and skipped.

use std::time::Instant;

use optiviz::analysis::study::verify::{LessonReport, verify_lesson};
use optiviz::hyper::HyperValue;
use optiviz::presets::EMBEDDED;
use optiviz::scenario::{self, Scenario};

/// The bundled lessons that state claims; the others are printed.
fn lessons_with_claims() -> Vec<(&'static str, Scenario)> {
    let mut with_claims = Vec::new();
    let mut without = Vec::new();
    for &(name, text) in EMBEDDED {
        let scenario = scenario::parse(text, name)
            .unwrap_or_else(|e| panic!("{e}"))
            .scenario;
        if scenario.claims().next().is_some() {
            with_claims.push((name, scenario));
        } else {
            without.push(name);
        }
    }
    if !without.is_empty() {
        println!(
            "lessons without claims yet (skipped): {}",
            without.join(", ")
        );
    }
    with_claims
}

fn describe(name: &str, report: &LessonReport) -> String {
    let lines: Vec<String> = report
        .claims
        .iter()
        .map(|claim| {
            let mark = if claim.passed() { "✓" } else { "✗" };
            format!("  {mark} {}: {}", claim.text, claim.finding())
        })
        .collect();
    format!("{name}:\n{}", lines.join("\n"))
}

#[test]
fn every_claim_of_every_bundled_lesson_holds() {
    for (name, lesson) in lessons_with_claims() {
        let started = Instant::now();
        assert!(
            lesson.notice.len() >= 2,
            "{name}: a lesson states at least 2 notices"
        );
        let report = verify_lesson(&lesson).unwrap_or_else(|e| panic!("{name}: {e}"));
        println!(
            "{} ({:.1} s)",
            describe(name, &report),
            started.elapsed().as_secs_f64()
        );
        assert!(report.passed(), "{}", describe(name, &report));
    }
}

/// Every run's `lr` (through its hyperparameter table) times `factor`; methods without one keep
/// their settings.
fn with_learning_rates_scaled(lesson: &Scenario, factor: f64) -> Scenario {
    let mut scaled = lesson.clone();
    for run in &mut scaled.runs {
        let lr = run
            .optimizer
            .hypers()
            .into_iter()
            .find(|hyper| hyper.name == "lr")
            .map(|hyper| hyper.value);
        if let Some(HyperValue::Float(lr)) = lr {
            run.optimizer
                .set_hyper("lr", HyperValue::Float(lr * factor))
                .expect("an lr the table lists can be set");
        }
    }
    scaled
}

#[test]
fn a_tenth_of_every_learning_rate_breaks_a_claim_of_every_lesson() {
    for (name, lesson) in lessons_with_claims() {
        let scaled = with_learning_rates_scaled(&lesson, 0.1);
        assert_ne!(scaled, lesson, "{name}: no run has an lr to scale");
        let report = verify_lesson(&scaled).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            report.claims.iter().any(|claim| !claim.verdict.holds()),
            "{name}: every claim still holds with lr × 0.1, so none tests the lesson's settings\n{}",
            describe(name, &report)
        );
    }
}
