//! optiviz: see how optimizers move on loss landscapes.
//!
//! The core (everything but `app` and `ui`) is pure Rust with no GUI dependency: objectives and
//! landscapes, optimizers, scenarios (presets), the stepping engine and the CLI's commands. The GUI
//! is the `gui` cargo feature.

pub mod analysis;
#[cfg(feature = "gui")]
pub mod app;
pub mod bench;
pub mod cli;
pub mod engine;
pub mod landscape;
pub mod network;
pub mod objective;
pub mod optim;
pub mod precision;
pub mod presets;
pub mod render;
pub mod samples_csv;
pub mod scenario;
pub mod schedule;
#[cfg(feature = "gui")]
pub mod ui;
pub mod validate;
