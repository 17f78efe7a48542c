//! `#bench`: workload (a) of `optiviz bench` in the page, its figure shown before the app
//! starts and kept in the status element (`data-bench`), to compare with the native figure.

use std::fmt::Write as _;

use crate::bench::{BenchSize, Workload};

/// The id of the element the figure is written to (assets/index.html).
const BENCH_ID: &str = "optiviz_bench";

/// Runs workload (a) and writes its report to the page.
pub async fn run_and_show() {
    show("optiviz bench: running workload (a)…");
    // Let the page paint the message before the bench holds the thread for a few seconds.
    yield_to_browser().await;
    let mut report = Vec::new();
    let outcome = crate::bench::run(BenchSize::FULL, &[Workload::A], None, &mut report);
    let mut text = String::from_utf8_lossy(&report).into_owned();
    if let Err(error) = outcome {
        let _ = write!(text, "\nbench failed: {error}");
    }
    show(&text);
}

fn show(text: &str) {
    web_sys::console::log_1(&text.into());
    if let Some(element) = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.get_element_by_id(BENCH_ID))
    {
        element.set_text_content(Some(text));
        let _ = element.set_attribute("style", "display: block");
    }
}

/// Waits for the next macrotask, so the browser gets to paint.
async fn yield_to_browser() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 50);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}
