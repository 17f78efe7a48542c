//! Opening lesson links in the window: the Open link… dialog, and a link pasted (Ctrl+V) while
//! no text field has focus.

use crate::app::AppState;
use crate::link;

/// Opens a link pasted into the window: a paste whose text is a lesson link is taken (a paste of
/// anything else is left for whoever wants it). Call it only when no text field has focus.
pub fn paste_link(ctx: &egui::Context, state: &mut AppState) {
    let pasted = ctx.input_mut(|input| {
        let index = input.events.iter().position(
            |event| matches!(event, egui::Event::Paste(text) if link::looks_like_link(text)),
        )?;
        match input.events.remove(index) {
            egui::Event::Paste(text) => Some(text),
            _ => None,
        }
    });
    if let Some(text) = pasted {
        request_open_link(state, text.trim());
    }
}

/// Opens the link `text`, or, when that would discard unsaved edits, asks first (the question
/// of [`super::toolbar::discard_changes_ui`]). A link that does not open is said to at once, with
/// nothing asked and nothing discarded.
pub fn request_open_link(state: &mut AppState, text: &str) {
    if let Err(error) = link::open(text) {
        state.error(crate::app::link_error_text(&error));
        return;
    }
    if link::is_link(text) && super::toolbar::has_unsaved_edits(state) {
        state.pending_open = Some(std::path::PathBuf::from(text));
    } else {
        state.open_link(text);
    }
}

/// The Open link… dialog: a field to paste a link into, Open and Cancel.
pub fn open_link_dialog_ui(state: &mut AppState, ctx: &egui::Context) {
    let Some(mut text) = state.links.dialog.take() else {
        return;
    };
    let mut open = false;
    let mut cancel = false;
    let response = egui::Modal::new(egui::Id::unique("open_link")).show(ctx, |ui| {
        ui.set_max_width(480.0);
        ui.strong("Open a lesson link");
        ui.label("Paste a link someone sent you: it ends in #lesson=… or #s=…");
        let field = ui.add(
            egui::TextEdit::singleline(&mut text)
                .hint_text("https://…/#s=1.…")
                .desired_width(f32::INFINITY),
        );
        if !field.has_focus() && text.is_empty() {
            field.request_focus();
        }
        let entered = field.lost_focus() && ui.input(|input| input.key_pressed(egui::Key::Enter));
        ui.add_space(8.0);
        ui.horizontal(|ui| {
            let has_text = !text.trim().is_empty();
            open |= ui
                .add_enabled(has_text, egui::Button::new("Open"))
                .on_hover_text("Open the lesson in the link")
                .clicked()
                || (entered && has_text);
            cancel |= ui.button("Cancel").clicked();
        });
    });
    if open {
        request_open_link(state, text.trim());
    } else if !cancel && !response.should_close() {
        state.links.dialog = Some(text);
    }
}
