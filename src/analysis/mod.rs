//! Analysis of landscapes and runs, in three folders that sit at different layers (see the layer
//! order in the crate's doc):
//!
//! - [`measure`]: measurement primitives the engine uses (sharpness, stability thresholds, theory
//!   overlays on quadratics); below the engine.
//! - [`geometry`]: drawing geometry (contours, colormaps, the 3D surface, trajectory projections,
//!   vector fields); at the same layer as the primitives: it needs neither the engine nor them.
//! - [`study`]: studies that run the optimizers many times (basin maps, sweeps); above the engine,
//!   whose runs they drive.
//!
//! The modules are also re-exported here under their old paths (`analysis::contour`, …), so code
//! that names them that way keeps compiling; the layer test reads these aliases.

pub mod geometry;
pub mod measure;
pub mod study;

pub use geometry::{colormap, contour, field, projection, surface};
pub use measure::{sharpness, spectral_density, stability, theory};
pub use study::{basin, sweep};
