//! The bundled lessons' claims, verified in the wasm build: the browser's math functions come from
//! another library than the desktop's (and `f64::mul_add` is a software call there), so the same
//! lessons must still prove their notes when compiled to wasm32. Run under Node by
//! wasm-bindgen-test (the runner is set in .cargo/config.toml):
//!
//! ```sh
//! cargo test --target wasm32-unknown-unknown --no-default-features --test wasm_claims
//! ```
//!
//! On the desktop this file compiles to nothing: tests/lessons.rs checks the same claims natively.
#![cfg(target_arch = "wasm32")]

use optiviz::analysis::study::verify::verify_lesson;
use optiviz::presets::EMBEDDED;
use optiviz::scenario;
use wasm_bindgen_test::wasm_bindgen_test;

#[wasm_bindgen_test]
fn every_claim_of_every_bundled_lesson_holds_in_wasm() {
    let mut failed = Vec::new();
    let mut verified = 0;
    for &(name, text) in EMBEDDED {
        let lesson = scenario::parse(text, name)
            .unwrap_or_else(|error| panic!("{error}"))
            .scenario;
        if lesson.claims().next().is_none() {
            continue;
        }
        let report = verify_lesson(&lesson).unwrap_or_else(|error| panic!("{name}: {error}"));
        for claim in &report.claims {
            if !claim.passed() {
                failed.push(format!("{name}: ✗ {}: {}", claim.text, claim.finding()));
            }
        }
        verified += 1;
    }
    assert!(verified >= 30, "only {verified} lessons state claims");
    assert!(
        failed.is_empty(),
        "claims that fail in the wasm build:\n{}",
        failed.join("\n")
    );
}
