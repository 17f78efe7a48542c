//! Analysis of landscapes and runs: contours for drawing, stability thresholds of methods.

pub mod contour;
pub mod projection;
pub mod sharpness;
pub mod stability;
