//! Measurement primitives below the engine: the sharpness of a loss (Lanczos), its Hessian's
//! spectral density (stochastic Lanczos quadrature), the stability thresholds of methods, SGD's
//! linear stability at a finite sum's minimum, the theory overlays on quadratics (exact loss
//! curves, rate bounds) and the sampled Clarke subdifferential of a nonsmooth loss.
//! They import nothing above the scenario layer, so the engine can use them.

pub mod linear_stability;
pub mod sharpness;
pub mod spectral_density;
pub mod stability;
pub mod subdifferential;
pub mod theory;
