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
/// screen, over the runs table and above the status bar: the toolbar, the landscape's minima and
/// the runs' paths stay in sight. At projector scale it opens smaller (at most 35 % of the
/// screen's width and 55 % of its height), so it never covers the middle of the canvas until the
/// user makes it larger. When the app's window changes size (a lesson opened before the window
/// was maximized, or moved to the projector) it goes back to the new corner; otherwise it stays
/// where the user drags it. `open` is cleared when it is closed.
pub fn corner_window<'open>(
    title: &str,
    ctx: &egui::Context,
    open: &'open mut bool,
    [width, height]: [f32; 2],
) -> egui::Window<'open> {
    let screen = ctx.content_rect();
    // A new screen size starts a new window (egui keeps a dragged window's place, and keeps it
    // over `current_pos` too): it opens in the new corner at the new screen's default size.
    let placement_id = egui::Id::unique(("corner_window_placement", title));
    let (placed_on, placements) = ctx
        .data_mut(|data| data.get_temp::<(egui::Rect, u32)>(placement_id))
        .unwrap_or((screen, 0));
    let placements = placements + u32::from(placed_on != screen);
    ctx.data_mut(|data| data.insert_temp(placement_id, (screen, placements)));
    egui::Window::new(title)
        .id(egui::Id::unique(("corner_window", title, placements)))
        .open(open)
        .pivot(egui::Align2::RIGHT_BOTTOM)
        .default_pos(screen.right_bottom() - egui::vec2(8.0, 36.0))
        .default_width(width.min(0.35 * screen.width()))
        .default_height(height.min(0.55 * screen.height()))
        .resizable(true)
}
