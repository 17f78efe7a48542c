//! The page around the canvas: its title and a small status element mirror the app ("optiviz ·
//! zigzag · step 42"), so that people see where they are in the tab bar and a browser test can
//! read the lesson, the first run's step and status and the last error from the DOM; and a panic
//! is shown on the page instead of freezing the canvas.

use crate::app::AppState;

/// The id of the status element (assets/index.html).
const STATUS_ID: &str = "optiviz_status";
/// The id of the loading message, removed once the app runs.
const LOADING_ID: &str = "optiviz_loading";
/// The id of the message shown when the app stopped.
const FATAL_ID: &str = "optiviz_fatal";

/// What the page shows, to write the DOM only when it changes.
#[derive(Default)]
pub struct Mirror {
    shown: Option<Shown>,
}

#[derive(Clone, PartialEq)]
struct Shown {
    lesson: String,
    step: u64,
    status: String,
    error: String,
}

impl Mirror {
    /// Writes the app's lesson, first run and last error to the page if they changed.
    pub fn update(&mut self, state: &AppState) {
        let first = state.runs.first();
        let shown = Shown {
            lesson: lesson_name(state),
            step: first
                .and_then(|run| run.trace.latest())
                .map_or(0, |sample| sample.step),
            status: first.map_or_else(String::new, |run| run.trace.status.summary()),
            error: state
                .notice
                .as_ref()
                .filter(|notice| notice.is_error)
                .map(|notice| notice.text.clone())
                .unwrap_or_default(),
        };
        if self.shown.as_ref() == Some(&shown) {
            return;
        }
        write(&shown);
        self.shown = Some(shown);
    }
}

/// The bundled lesson's file name if a bundled lesson is open, else the scenario's name.
fn lesson_name(state: &AppState) -> String {
    crate::ui::toolbar::current_lesson(state)
        .and_then(|index| crate::presets::lessons().get(index))
        .map_or_else(
            || state.scenario.name.clone(),
            |lesson| lesson.name.to_owned(),
        )
}

fn write(shown: &Shown) {
    let Some(document) = web_sys::window().and_then(|window| window.document()) else {
        return;
    };
    let title = format!("optiviz · {} · step {}", shown.lesson, shown.step);
    document.set_title(&title);
    if let Some(element) = document.get_element_by_id(STATUS_ID) {
        let text = if shown.error.is_empty() {
            format!("{title} · {}", shown.status)
        } else {
            format!("{title} · {} · error: {}", shown.status, shown.error)
        };
        element.set_text_content(Some(&text));
        let _ = element.set_attribute("data-lesson", &shown.lesson);
        let _ = element.set_attribute("data-step", &shown.step.to_string());
        let _ = element.set_attribute("data-status", &shown.status);
        let _ = element.set_attribute("data-error", &shown.error);
    }
}

/// Removes the loading message.
pub fn loaded() {
    if let Some(loading) = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.get_element_by_id(LOADING_ID))
    {
        loading.remove();
    }
}

/// Shows `message` over the page (the app has stopped), in the title and the status element.
pub fn show_fatal(message: &str) {
    web_sys::console::error_1(&message.into());
    let Some(document) = web_sys::window().and_then(|window| window.document()) else {
        return;
    };
    document.set_title("optiviz · stopped");
    if let Some(element) = document.get_element_by_id(STATUS_ID) {
        let _ = element.set_attribute("data-error", message);
        let _ = element.set_attribute("data-status", "stopped");
        element.set_text_content(Some(message));
    }
    if let Some(element) = document.get_element_by_id(FATAL_ID) {
        element.set_text_content(Some(message));
        let _ = element.set_attribute("style", "display: block");
    }
    loaded();
}

/// On a panic: the message on the page ("optiviz stopped: … — reload the page"), then the
/// default hook's report in the console.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let what = match (
            info.payload().downcast_ref::<&str>(),
            info.payload().downcast_ref::<String>(),
        ) {
            (Some(text), _) => (*text).to_owned(),
            (_, Some(text)) => text.clone(),
            _ => "a panic".to_owned(),
        };
        let place = info
            .location()
            .map(|at| format!(" at {}:{}", at.file(), at.line()))
            .unwrap_or_default();
        show_fatal(&format!("optiviz stopped: {what}{place} — reload the page"));
    }));
}
