//! What the study windows and rows (basin map, sweep, tune, linear stability) draw alike: the
//! controls of a background job, and a window kept in the bottom right corner.

/// What the user asked of a study's job this frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JobClick {
    /// Nothing.
    Nothing,
    /// Start a job (its button was clicked).
    Start,
    /// Cancel the running job.
    Cancel,
}

/// The end of a study's controls: while its job runs (`progress` is its fraction done), a progress
/// bar `bar_width` points wide and Cancel; otherwise the button `start`, with `start_hint` on
/// hover.
pub fn job_controls_ui(
    ui: &mut egui::Ui,
    progress: Option<f32>,
    bar_width: f32,
    (start, start_hint): (&str, Option<&str>),
) -> JobClick {
    if let Some(fraction) = progress {
        ui.add(
            egui::ProgressBar::new(fraction)
                .desired_width(bar_width)
                .show_percentage(),
        );
        return if ui.button("Cancel").clicked() {
            JobClick::Cancel
        } else {
            JobClick::Nothing
        };
    }
    let mut button = ui.button(start);
    if let Some(hint) = start_hint {
        button = button.on_hover_text(hint);
    }
    if button.clicked() {
        JobClick::Start
    } else {
        JobClick::Nothing
    }
}

/// A resizable window `title` of `[width, height]` points, in the bottom right corner of `ctx`'s
/// screen, over the runs table and above the status bar: the landscape's minima and the runs'
/// paths stay in sight, at projector scale too. `open` is cleared when it is closed.
pub fn corner_window<'open>(
    title: &str,
    ctx: &egui::Context,
    open: &'open mut bool,
    [width, height]: [f32; 2],
) -> egui::Window<'open> {
    let screen = ctx.content_rect();
    egui::Window::new(title)
        .open(open)
        .pivot(egui::Align2::RIGHT_BOTTOM)
        .default_pos(screen.right_bottom() - egui::vec2(8.0, 36.0))
        .default_width(width)
        .default_height(height)
        .resizable(true)
}
