//! optiviz: see how optimizers move on loss landscapes.
//!
//! The core (everything but `app` and `ui`) is pure Rust with no GUI dependency: objectives and
//! landscapes, optimizers, scenarios (presets), the stepping engine and the CLI's commands. The GUI
//! is the `gui` cargo feature.
//!
//! # Layers
//!
//! The modules stand in layers. A module imports from its own layer and the layers below it, never
//! from one above, so each layer can be read, tested and reused knowing only what lies beneath it;
//! `tests/layers.rs` reads every non-test `use crate::…` under `src/` and fails on one that points
//! up. Bottom up:
//!
//! 1. `validate`, `precision`, `schedule`, `hyper`, `docs`, `ron_format`, `number_format`,
//!    `clock`: the checker every config reports to, low-precision arithmetic, learning-rate
//!    schedules, the hyperparameter tables every config declares, Guide text from a module's doc,
//!    the RON options of every saved file, numbers in few characters for people, the clock that
//!    works in the browser too.
//! 2. `objective`, `landscape`, `network`: the problems, an [`objective::Objective`] each.
//! 3. `optim`: the optimizers, which step on an objective.
//! 4. `scenario` (with `presets`, the lessons it parses, and `link`, lessons as links): a problem,
//!    runs and settings, as saved.
//! 5. Analysis primitives: `analysis::measure` (sharpness, stability thresholds, theory overlays),
//!    which the engine uses, and `analysis::geometry` (contours, colormaps, surface, projection,
//!    vector fields), which the drawing uses.
//! 6. `engine`: the deterministic session that steps a scenario's runs, the solver thread, and
//!    background jobs.
//! 7. Analysis studies, `analysis::study` (basin maps, sweeps, the verification of lesson claims):
//!    many runs of the optimizers and the engine.
//! 8. `render`, `bench`, `cli`: the core's front ends (images, speed figures, commands).
//! 9. `app`, `ui`: the GUI shell, which know each other as egui apps do (`app::web` is the
//!    browser's entry point, wasm32 only).

pub mod analysis;
#[cfg(feature = "gui")]
pub mod app;
pub mod bench;
pub mod cli;
pub mod clock;
pub mod docs;
pub mod engine;
pub mod hyper;
pub mod landscape;
pub mod link;
pub mod network;
pub mod number_format;
pub mod objective;
pub mod optim;
pub mod precision;
pub mod presets;
pub mod render;
pub mod ron_format;
pub mod samples_csv;
pub mod scenario;
pub mod schedule;
#[cfg(feature = "gui")]
pub mod ui;
pub mod validate;
