//! Analysis of landscapes and runs: contours for drawing, stability thresholds of methods.

pub mod basin;
pub mod contour;
pub mod field;
pub mod projection;
pub mod sharpness;
pub mod stability;
pub mod surface;
pub mod sweep;
pub mod theory;
