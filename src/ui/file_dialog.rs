//! A small file dialog drawn with egui itself, so it works everywhere: on any desktop, with no
//! portal, under Xvfb and in kittest tests. (egui-file-dialog would be the crate of choice, but its
//! releases target an older egui than the 0.37 this app is built on.)

use std::path::{Path, PathBuf};

use crate::app::AppState;

/// Opening or saving.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DialogMode {
    /// Choose a preset to open.
    Open,
    /// Choose where to save the scenario.
    Save,
    /// Choose where to write the runs' trajectories and metrics as CSV.
    ExportCsv,
    /// Choose where to write the view as a PNG image.
    ExportPng,
    /// Choose where to write the paths growing as an animated GIF.
    ExportGif,
}

impl DialogMode {
    /// The file extension this mode lists and adds.
    fn extension(self) -> &'static str {
        match self {
            DialogMode::Open | DialogMode::Save => ".ron",
            DialogMode::ExportCsv => ".csv",
            DialogMode::ExportPng => ".png",
            DialogMode::ExportGif => ".gif",
        }
    }

    /// Whether the dialog writes a file (and so adds the extension and warns before replacing).
    fn writes(self) -> bool {
        !matches!(self, DialogMode::Open)
    }
}

#[derive(Clone, Debug)]
struct Entry {
    name: String,
    is_directory: bool,
}

/// The dialog's state while it is open.
#[derive(Clone, Debug)]
pub struct FileDialog {
    mode: DialogMode,
    /// The directory shown.
    pub directory: PathBuf,
    /// The file name typed or picked.
    pub file_name: String,
    entries: Vec<Entry>,
    listing_error: Option<String>,
    /// Image size for PNG and GIF exports, in pixels.
    pub image_size: [u32; 2],
    /// Frames of a GIF export.
    pub frames: usize,
}

impl FileDialog {
    fn new(mode: DialogMode, current: Option<&Path>) -> Self {
        let directory = current
            .and_then(Path::parent)
            .filter(|p| p.is_dir())
            .map(Path::to_path_buf)
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_else(|| PathBuf::from("."));
        let file_name = current
            .and_then(Path::file_name)
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_else(|| match mode {
                DialogMode::Open => String::new(),
                DialogMode::Save => "scenario.ron".to_owned(),
                DialogMode::ExportCsv => "trajectories.csv".to_owned(),
                DialogMode::ExportPng => "view.png".to_owned(),
                DialogMode::ExportGif => "paths.gif".to_owned(),
            });
        let mut dialog = Self {
            mode,
            directory,
            file_name,
            entries: Vec::new(),
            listing_error: None,
            image_size: [1600, 1000],
            frames: 60,
        };
        dialog.refresh();
        dialog
    }

    /// A dialog to open a preset, starting next to `current`.
    pub fn open(current: Option<&Path>) -> Self {
        Self::new(DialogMode::Open, current)
    }

    /// A dialog to save, starting with `current`'s directory and name.
    pub fn save(current: Option<&Path>) -> Self {
        Self::new(DialogMode::Save, current)
    }

    /// A dialog to export (CSV, PNG or GIF: `mode`), starting in `current`'s directory with the
    /// scenario file's name.
    pub fn export(mode: DialogMode, current: Option<&Path>) -> Self {
        let mut dialog = Self::new(mode, current);
        if let Some(stem) = current.and_then(Path::file_stem) {
            dialog.file_name = format!("{}{}", stem.to_string_lossy(), mode.extension());
        }
        dialog
    }

    /// Opening or saving.
    pub fn mode(&self) -> DialogMode {
        self.mode
    }

    fn refresh(&mut self) {
        self.entries.clear();
        self.listing_error = None;
        match std::fs::read_dir(&self.directory) {
            Ok(listing) => {
                for entry in listing.flatten() {
                    let name = entry.file_name().to_string_lossy().into_owned();
                    let is_directory = entry.path().is_dir();
                    if name.starts_with('.')
                        || !(is_directory || name.ends_with(self.mode.extension()))
                    {
                        continue;
                    }
                    self.entries.push(Entry { name, is_directory });
                }
                self.entries.sort_by(|a, b| {
                    b.is_directory
                        .cmp(&a.is_directory)
                        .then(a.name.cmp(&b.name))
                });
            }
            Err(error) => self.listing_error = Some(error.to_string()),
        }
    }

    fn enter(&mut self, directory: PathBuf) {
        self.directory = directory;
        self.refresh();
    }

    /// The chosen path: the file name (with the extension added when writing) in the directory.
    pub fn chosen_path(&self) -> PathBuf {
        let mut name = self.file_name.trim().to_owned();
        let extension = self.mode.extension();
        if self.mode.writes() && !name.ends_with(extension) {
            name.push_str(extension);
        }
        self.directory.join(name)
    }
}

/// The folder shown, its parent and its entries (on a disk, not in the browser).
fn folder_ui(dialog: &mut FileDialog, ui: &mut egui::Ui, outcome: &mut Option<Outcome>) {
    ui.horizontal(|ui| {
        if ui.button("⬆ Up").on_hover_text("Parent folder").clicked()
            && let Some(parent) = dialog.directory.parent()
        {
            let parent = parent.to_path_buf();
            dialog.enter(parent);
        }
        ui.label(dialog.directory.display().to_string());
    });
    if let Some(error) = &dialog.listing_error {
        ui.colored_label(ui.visuals().error_fg_color, error);
    }
    let mut enter = None;
    egui::ScrollArea::vertical()
        .max_height(260.0)
        .show(ui, |ui| {
            for entry in &dialog.entries {
                let label = if entry.is_directory {
                    format!("▸ {}/", entry.name)
                } else {
                    entry.name.clone()
                };
                let response = ui.selectable_label(dialog.file_name == entry.name, label);
                if entry.is_directory {
                    if response.clicked() {
                        enter = Some(dialog.directory.join(&entry.name));
                    }
                } else if response.double_clicked() {
                    dialog.file_name = entry.name.clone();
                    *outcome = Some(Outcome::Confirm);
                } else if response.clicked() {
                    dialog.file_name = entry.name.clone();
                }
            }
        });
    if let Some(directory) = enter {
        dialog.enter(directory);
    }
}

enum Outcome {
    Confirm,
    Cancel,
}

/// Draws the dialog if one is open, and opens or saves when the user confirms.
pub fn file_dialog_ui(state: &mut AppState, ui: &mut egui::Ui) {
    // In the browser a written file is a download: no folders to show, only its name.
    let downloads = state.files_are_downloads();
    let Some(dialog) = state.file_dialog.as_mut() else {
        return;
    };
    let title = match dialog.mode {
        DialogMode::Open => "Open preset",
        DialogMode::Save => "Save scenario",
        DialogMode::ExportCsv => "Export trajectories as CSV",
        DialogMode::ExportPng => "Export the view as PNG",
        DialogMode::ExportGif => "Export the paths as an animated GIF",
    };
    let mut outcome = None;
    egui::Window::new(title)
        .collapsible(false)
        .default_width(460.0)
        .show(ui.ctx(), |ui| {
            outcome = dialog_contents_ui(dialog, downloads, ui)
        });
    match outcome {
        Some(Outcome::Confirm) => {
            let path = dialog.chosen_path();
            let mode = dialog.mode;
            let (size, frames) = (dialog.image_size, dialog.frames);
            state.file_dialog = None;
            match mode {
                DialogMode::Open => super::toolbar::request_open(state, path),
                DialogMode::Save => state.save_to(path),
                DialogMode::ExportCsv => state.export_csv(&path),
                DialogMode::ExportPng => state.export_png(&path, size),
                DialogMode::ExportGif => state.export_gif(&path, size, frames),
            }
        }
        Some(Outcome::Cancel) => state.file_dialog = None,
        None => {}
    }
}

fn dialog_contents_ui(
    dialog: &mut FileDialog,
    downloads: bool,
    ui: &mut egui::Ui,
) -> Option<Outcome> {
    let mut outcome = None;
    if !downloads {
        folder_ui(dialog, ui, &mut outcome);
    }
    if matches!(dialog.mode, DialogMode::ExportPng | DialogMode::ExportGif) {
        ui.horizontal(|ui| {
            let label = ui.label("Size");
            ui.add(
                egui::DragValue::new(&mut dialog.image_size[0])
                    .range(16..=8192)
                    .suffix(" px"),
            )
            .labelled_by(label.id);
            ui.label("×");
            ui.add(
                egui::DragValue::new(&mut dialog.image_size[1])
                    .range(16..=8192)
                    .suffix(" px"),
            );
            if dialog.mode == DialogMode::ExportGif {
                let label = ui.label("frames");
                ui.add(egui::DragValue::new(&mut dialog.frames).range(2..=600))
                    .labelled_by(label.id);
            }
        });
    }
    ui.horizontal(|ui| {
        ui.label("File name");
        let response = ui.text_edit_singleline(&mut dialog.file_name);
        if response.lost_focus() && ui.input(|input| input.key_pressed(egui::Key::Enter)) {
            outcome = Some(Outcome::Confirm);
        }
    });
    ui.horizontal(|ui| {
        let action = match dialog.mode {
            DialogMode::Open => "Open",
            _ if downloads => "Download",
            DialogMode::Save => "Save",
            DialogMode::ExportCsv | DialogMode::ExportPng | DialogMode::ExportGif => "Export",
        };
        let ready = !dialog.file_name.trim().is_empty();
        if ui.add_enabled(ready, egui::Button::new(action)).clicked() {
            outcome = Some(Outcome::Confirm);
        }
        if ui.button("Cancel").clicked() {
            outcome = Some(Outcome::Cancel);
        }
        if !downloads && dialog.mode.writes() && dialog.chosen_path().exists() {
            ui.weak("replaces the existing file");
        }
    });
    outcome
}
