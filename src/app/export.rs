//! Exports: the runs as CSV, the view as PNG, the shown paths growing as a GIF (a background job).

use super::state::AppState;
use crate::engine::{Job, JobState, Pieces, RunStatus};

impl AppState {
    /// Writes every run's kept samples to `path` as CSV (the columns of `optiviz run`), and says
    /// which runs were thinned to stay within memory.
    pub fn export_csv(&mut self, path: &std::path::Path) {
        let network = self.network.is_some();
        let labels: Vec<String> = self.scenario.runs.iter().map(|r| r.label.clone()).collect();
        let runs = self
            .runs
            .iter()
            .zip(&labels)
            .enumerate()
            .map(|(index, (run, label))| (index, label.as_str(), run.trace.samples()));
        let mut csv = Vec::new();
        let written = crate::samples_csv::write_samples_csv(&mut csv, network, runs)
            .map_err(|error| format!("could not export {}: {error}", path.display()))
            .and_then(|()| self.write_output(path, &csv));
        let thinned: Vec<&str> = self
            .runs
            .iter()
            .zip(&labels)
            .filter(|(run, _)| run.trace.is_thinned())
            .map(|(_, label)| label.as_str())
            .collect();
        match written {
            Ok(said) if thinned.is_empty() => self.inform(said),
            Ok(said) => self.inform(format!(
                "{said}; the older steps of {} were thinned to an even spacing to bound memory (optiviz run writes every step)",
                thinned.join(", ")
            )),
            Err(error) => self.error(error),
        }
    }

    /// Draws the landscape view as it is shown now (window, visible runs, legend) to a PNG of
    /// `size` pixels.
    pub fn export_png(&mut self, path: &std::path::Path, size: [u32; 2]) {
        let Some(landscape) = self.landscape.clone() else {
            self.error("images are drawn for 2D landscapes");
            return;
        };
        let view = self.shown_window(landscape.as_ref());
        let runs: Vec<crate::render::RunPath> = self
            .runs
            .iter()
            .zip(&self.scenario.runs)
            .enumerate()
            .filter(|(_, (run, _))| run.visible)
            .map(|(index, (run, config))| {
                let points = run.trace.path(crate::render::MAX_PATH_POINTS).collect();
                self.shown_run_path(index, run, config, points)
            })
            .collect();
        let options = self.image_options(size);
        let drawn = crate::render::draw_png(
            landscape.as_ref(),
            view,
            &self.scenario.name,
            &runs,
            &options,
        );
        self.finish_export(path, drawn);
    }

    /// The runs a GIF export animates: each shown run's recorded history as the window holds it
    /// (what was computed, with every live edit, not a fresh simulation), at most
    /// [`MAX_PATH_POINTS`](crate::render::MAX_PATH_POINTS) points a run, with their steps.
    pub fn gif_runs(&self) -> Vec<crate::render::TimedPath> {
        self.runs
            .iter()
            .zip(&self.scenario.runs)
            .enumerate()
            .filter(|(_, (run, _))| run.visible)
            .map(|(index, (run, config))| {
                let (steps, points) = run
                    .trace
                    .decimated(crate::render::MAX_PATH_POINTS)
                    .map(|sample| (sample.step, sample.point))
                    .unzip();
                crate::render::TimedPath {
                    path: self.shown_run_path(index, run, config, points),
                    steps,
                }
            })
            .collect()
    }

    /// The landscape window the view shows now (the lesson's before the view is first drawn).
    fn shown_window(
        &self,
        landscape: &dyn crate::landscape::Landscape,
    ) -> crate::landscape::ViewWindow {
        self.views
            .landscape
            .shown_window()
            .unwrap_or_else(|| self.scenario.view.unwrap_or_else(|| landscape.view()))
    }

    /// An image of `size` pixels in the current theme, with its legend.
    fn image_options(&self, size: [u32; 2]) -> crate::render::RenderOptions {
        crate::render::RenderOptions {
            width: size[0],
            height: size[1],
            dark: self.prefs.dark,
            legend: true,
        }
    }

    /// Run `index` as an image draws it: its label, its colour in the current theme, `points`,
    /// and how it ended when it did not simply use its budget.
    fn shown_run_path(
        &self,
        index: usize,
        run: &super::RunView,
        config: &crate::scenario::RunConfig,
        points: Vec<[f64; 2]>,
    ) -> crate::render::RunPath {
        crate::render::RunPath {
            label: config.label.clone(),
            colour: crate::render::run_colour(config, index, self.prefs.dark),
            points,
            note: (!run.trace.status.is_running() && run.trace.status != RunStatus::Finished)
                .then(|| run.trace.status.summary()),
        }
    }

    /// Writes the shown runs' paths growing, step by step as they were computed ([`gif_runs`](
    /// Self::gif_runs)), over the landscape view as it is shown now, as a GIF of `frames` frames:
    /// a background job (the status bar says when it is written).
    pub fn export_gif(&mut self, path: &std::path::Path, size: [u32; 2], frames: usize) {
        let Some(landscape) = self.landscape.clone() else {
            self.error("animations are drawn for 2D landscapes");
            return;
        };
        let view = self.shown_window(landscape.as_ref());
        let options = self.image_options(size);
        let runs = self.gif_runs();
        let title = self.scenario.name.clone();
        let path = path.to_owned();
        let pieces = crate::render::GifPieces::new(landscape, view, title, runs, frames, options)
            .map_output(move |drawn| {
                let bytes =
                    drawn.map_err(|error| format!("could not draw {}: {error}", path.display()))?;
                Ok((path, bytes))
            });
        let job = Job::start_pieces(&self.jobs, "the GIF export", pieces);
        self.export_job = Some(job);
    }

    /// Whether an export is being written in the background.
    pub fn is_exporting(&self) -> bool {
        self.export_job.is_some()
    }

    /// Reports a finished background export.
    pub(super) fn poll_export(&mut self) {
        let Some(job) = &mut self.export_job else {
            return;
        };
        match job.poll() {
            JobState::Running { .. } => {
                // In the frame loop every poll works a slice: ask for the next frame.
                if self.jobs.next_poll(None).is_some() {
                    (self.wake)();
                }
                return;
            }
            // Written here, where the app knows whether a file is a path or a download.
            JobState::Finished((path, bytes)) => match self.write_output(&path, &bytes) {
                Ok(said) => self.inform(said),
                Err(error) => self.error(error),
            },
            JobState::Failed(message) => self.error(message),
            JobState::Gone => {}
        }
        self.export_job = None;
    }

    pub(super) fn finish_export(
        &mut self,
        path: &std::path::Path,
        drawn: Result<Vec<u8>, crate::render::RenderError>,
    ) {
        let written = drawn
            .map_err(|error| format!("could not draw {}: {error}", path.display()))
            .and_then(|bytes| self.write_output(path, &bytes));
        match written {
            Ok(said) => self.inform(said),
            Err(error) => self.error(error),
        }
    }
}
