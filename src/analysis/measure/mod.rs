//! Measurement primitives below the engine: the sharpness of a loss (Lanczos), the stability
//! thresholds of methods, SGD's linear stability at a finite sum's minimum, and the theory
//! overlays on quadratics (exact loss curves, rate bounds).
//! They import nothing above the scenario layer, so the engine can use them.

pub mod linear_stability;
pub mod sharpness;
pub mod stability;
pub mod theory;
