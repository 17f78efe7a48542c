//! Issue 17, "a lecture without surprises": one module per group of numbered items, each with a
//! test per item. UI behaviour is driven with egui_kittest on the real panels and the real solver;
//! the rest (palette contrast, view framing over every lesson, unreadable files) are plain tests.
#![cfg(feature = "gui")]

#[path = "classroom/harness.rs"]
mod harness;

/// Item 1 (editing one run keeps the others' history) and item 11 (unreadable files kept beside).
#[path = "classroom/history.rs"]
mod history;

/// Items 2 and 3: zoom, pan, Fit, and default views that frame the action.
#[path = "classroom/view.rs"]
mod view;

/// Items 4 and 5: log plots and legends.
#[path = "classroom/plots.rs"]
mod plots;

/// Items 6 and 7: telling runs apart, and drawing what a lesson is about.
#[path = "classroom/drawing.rs"]
mod drawing;

/// Items 8, 9, 10 and 12: projector scale, Present mode, the Guide, controls, the README screenshot.
#[path = "classroom/layout.rs"]
mod layout;
