//! The colours runs are drawn in, one palette per theme, and the colour science that checks them.
//!
//! **Run palettes.** Six colours per theme, chosen by search so that on that theme's plot
//! background (egui's `extreme_bg_color`: grey 10 on dark, white on light) each has a WCAG
//! contrast ratio of at least 3:1, and every pair differs by a CIEDE2000 ΔE₀₀ of at least 20 in
//! normal vision and at least 10 under simulated deuteranopia and protanopia (a test computes
//! all three). Run k takes colour k mod 6; runs beyond six repeat the colours with another dash
//! pattern ([`run_dash`]), so no two of the first 24 runs look alike. A run's own `colour` in a
//! preset wins over the palette.
//!
//! **Other palettes.** Basin maps and the singular-value plot draw areas and curves that are not
//! runs, so they use colours of their own ([`BASIN_PALETTE`], [`sigma_colour`]), apart from the
//! run colours.
//!
//! **The measures.**
//! - Relative luminance and contrast ratio: WCAG 2.1, §1.4.11 (non-text contrast, 3:1),
//!   L = 0.2126 R + 0.7152 G + 0.0722 B on linearized sRGB; ratio (L₁ + 0.05)/(L₂ + 0.05).
//! - CIELAB from sRGB through CIE XYZ with the D65 white (IEC 61966-2-1; CIE 15:2004).
//! - CIEDE2000: G. Sharma, W. Wu & E. N. Dalal, "The CIEDE2000 color-difference formula:
//!   implementation notes, supplementary test data, and mathematical observations", Color
//!   Research & Application 30(1), 2005 (equations 1–22; their test pairs check it).
//! - Colour-vision deficiency: G. M. Machado, M. M. Oliveira & L. A. F. Fernandes, "A
//!   physiologically-based model for simulation of color vision deficiency", IEEE TVCG 15(6),
//!   2009: a 3×3 matrix on linear RGB, severity 1 (dichromacy).

use crate::scenario::RunConfig;

/// Distinct run colours per theme before the dash pattern changes.
pub const RUN_COLOURS: usize = 6;

/// Runs' colours on the dark theme (sRGB): sky, gold, rose, aqua, violet, green.
pub const RUN_PALETTE_DARK: [[u8; 3]; RUN_COLOURS] = [
    [0x40, 0xA0, 0xE0],
    [0xE0, 0xC0, 0x00],
    [0xEE, 0x66, 0x77],
    [0x00, 0xE0, 0xC0],
    [0x80, 0x40, 0xE0],
    [0x20, 0x80, 0x20],
];

/// Runs' colours on the light theme (sRGB): blue, ochre, wine, teal, olive, ultramarine.
pub const RUN_PALETTE_LIGHT: [[u8; 3]; RUN_COLOURS] = [
    [0x00, 0x80, 0xC0],
    [0xC0, 0x80, 0x00],
    [0xA0, 0x20, 0x60],
    [0x00, 0xA0, 0x80],
    [0x40, 0x60, 0x00],
    [0x00, 0x20, 0xE0],
];

/// The plot background each palette is checked against (egui's `extreme_bg_color`).
pub fn plot_background(dark: bool) -> [u8; 3] {
    if dark { [10, 10, 10] } else { [255, 255, 255] }
}

/// The run palette of a theme.
pub fn run_palette(dark: bool) -> &'static [[u8; 3]; RUN_COLOURS] {
    if dark {
        &RUN_PALETTE_DARK
    } else {
        &RUN_PALETTE_LIGHT
    }
}

/// The colour of run `index`: its own, else the theme's palette, cycling every six runs.
pub fn run_colour(config: &RunConfig, index: usize, dark: bool) -> [u8; 3] {
    config
        .colour
        .unwrap_or(run_palette(dark)[index % RUN_COLOURS])
}

/// How a run's line is stroked: runs 0–5 solid, 6–11 dashed, 12–17 dotted, 18–23 dash-dot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dash {
    /// A continuous line.
    Solid,
    /// Long dashes.
    Dashed,
    /// Dots.
    Dotted,
    /// Alternating dash and dot.
    DashDot,
}

impl Dash {
    /// Dash and gap lengths in line widths, alternating, starting with a dash (empty = solid).
    pub fn pattern(self) -> &'static [f32] {
        match self {
            Dash::Solid => &[],
            Dash::Dashed => &[4.0, 2.5],
            Dash::Dotted => &[1.0, 2.0],
            Dash::DashDot => &[4.0, 2.0, 1.0, 2.0],
        }
    }
}

/// The dash pattern of run `index`: the next pattern each time the colours repeat.
pub fn run_dash(index: usize) -> Dash {
    const DASHES: [Dash; 4] = [Dash::Solid, Dash::Dashed, Dash::Dotted, Dash::DashDot];
    DASHES[(index / RUN_COLOURS) % DASHES.len()]
}

/// Basin-map outcome colours: pale tones for areas, chosen by search so that any two differ by
/// ΔE₀₀ ≥ 19 and each differs from every run colour of both themes by ΔE₀₀ ≥ 16, so a basin is
/// never taken for a run drawn over it.
pub const BASIN_PALETTE: [[u8; 3]; 8] = [
    [0x44, 0xDD, 0xEE],
    [0xFF, 0x88, 0x44],
    [0x77, 0xDD, 0x44],
    [0xFF, 0xBB, 0xFF],
    [0xAA, 0xBB, 0xEE],
    [0xAA, 0xAA, 0x66],
    [0xDD, 0xAA, 0xAA],
    [0xCC, 0xEE, 0xCC],
];

/// The colour of singular value σ₍ᵢ₊₁₎ of `count`: a ramp of greys from the theme's ink (σ₁)
/// towards the background, so the curves read in order and never look like a run.
pub fn sigma_colour(index: usize, count: usize, dark: bool) -> [u8; 3] {
    let t = if count > 1 {
        index as f64 / (count - 1) as f64
    } else {
        0.0
    };
    // Grey levels that keep ≥ 3:1 contrast with the plot background at both ends.
    let (first, last) = if dark { (240.0, 125.0) } else { (20.0, 120.0) };
    let level = (first + t * (last - first)).round().clamp(0.0, 255.0) as u8;
    [level; 3]
}

/// sRGB channel (0–255) to linear light (0–1).
pub fn linear_from_srgb(channel: u8) -> f64 {
    let c = f64::from(channel) / 255.0;
    if c <= 0.04045 {
        c / 12.92
    } else {
        ((c + 0.055) / 1.055).powf(2.4)
    }
}

/// WCAG relative luminance of an sRGB colour.
pub fn relative_luminance(rgb: [u8; 3]) -> f64 {
    let [r, g, b] = rgb.map(linear_from_srgb);
    0.2126 * r + 0.7152 * g + 0.0722 * b
}

/// WCAG contrast ratio of two colours, 1 to 21.
pub fn contrast_ratio(a: [u8; 3], b: [u8; 3]) -> f64 {
    let (la, lb) = (relative_luminance(a), relative_luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// Whose eyes a colour is seen with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Vision {
    /// Normal trichromatic vision.
    Normal,
    /// No M cones (the commonest red–green deficiency).
    Deuteranopia,
    /// No L cones.
    Protanopia,
}

/// Machado et al. 2009, severity 1.0, on linear RGB.
const PROTANOPIA: [[f64; 3]; 3] = [
    [0.152286, 1.052583, -0.204868],
    [0.114503, 0.786281, 0.099216],
    [-0.003882, -0.048116, 1.051998],
];
/// Machado et al. 2009, severity 1.0, on linear RGB.
const DEUTERANOPIA: [[f64; 3]; 3] = [
    [0.367322, 0.860646, -0.227968],
    [0.280085, 0.672501, 0.047413],
    [-0.011820, 0.042940, 0.968881],
];

/// The linear RGB an sRGB colour is seen as under `vision` (clamped to the gamut).
pub fn simulate(rgb: [u8; 3], vision: Vision) -> [f64; 3] {
    let linear = rgb.map(linear_from_srgb);
    let matrix = match vision {
        Vision::Normal => return linear,
        Vision::Deuteranopia => &DEUTERANOPIA,
        Vision::Protanopia => &PROTANOPIA,
    };
    matrix.map(|row| (row[0] * linear[0] + row[1] * linear[1] + row[2] * linear[2]).clamp(0.0, 1.0))
}

/// CIELAB (D65) of a linear RGB colour (sRGB primaries).
pub fn lab_from_linear([r, g, b]: [f64; 3]) -> [f64; 3] {
    let x = 0.4124564 * r + 0.3575761 * g + 0.1804375 * b;
    let y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b;
    let z = 0.0193339 * r + 0.1191920 * g + 0.9503041 * b;
    let (xn, yn, zn) = (0.95047, 1.0, 1.08883);
    let f = |t: f64| {
        let delta: f64 = 6.0 / 29.0;
        if t > delta.powi(3) {
            t.cbrt()
        } else {
            t / (3.0 * delta * delta) + 4.0 / 29.0
        }
    };
    let (fx, fy, fz) = (f(x / xn), f(y / yn), f(z / zn));
    [116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)]
}

/// CIELAB of an sRGB colour as seen under `vision`.
pub fn lab_seen(rgb: [u8; 3], vision: Vision) -> [f64; 3] {
    lab_from_linear(simulate(rgb, vision))
}

/// The CIEDE2000 colour difference ΔE₀₀ of two CIELAB colours (kL = kC = kH = 1), following
/// Sharma, Wu & Dalal 2005.
pub fn ciede2000(lab1: [f64; 3], lab2: [f64; 3]) -> f64 {
    let [l1, a1, b1] = lab1;
    let [l2, a2, b2] = lab2;
    let pow25_7 = 25.0_f64.powi(7);
    let c_bar = 0.5 * (a1.hypot(b1) + a2.hypot(b2));
    let g = 0.5 * (1.0 - (c_bar.powi(7) / (c_bar.powi(7) + pow25_7)).sqrt());
    let (a1p, a2p) = ((1.0 + g) * a1, (1.0 + g) * a2);
    let (c1p, c2p) = (a1p.hypot(b1), a2p.hypot(b2));
    let hue = |b: f64, a: f64| {
        if a == 0.0 && b == 0.0 {
            0.0
        } else {
            b.atan2(a).to_degrees().rem_euclid(360.0)
        }
    };
    let (h1p, h2p) = (hue(b1, a1p), hue(b2, a2p));
    let chroma_product = c1p * c2p;
    let dh = if chroma_product == 0.0 {
        0.0
    } else if (h2p - h1p).abs() <= 180.0 {
        h2p - h1p
    } else if h2p - h1p > 180.0 {
        h2p - h1p - 360.0
    } else {
        h2p - h1p + 360.0
    };
    let (dl, dc) = (l2 - l1, c2p - c1p);
    let dhh = 2.0 * chroma_product.sqrt() * (0.5 * dh).to_radians().sin();
    let l_bar = 0.5 * (l1 + l2);
    let c_bar_p = 0.5 * (c1p + c2p);
    let h_bar = if chroma_product == 0.0 {
        h1p + h2p
    } else if (h1p - h2p).abs() <= 180.0 {
        0.5 * (h1p + h2p)
    } else if h1p + h2p < 360.0 {
        0.5 * (h1p + h2p + 360.0)
    } else {
        0.5 * (h1p + h2p - 360.0)
    };
    let cos = |degrees: f64| degrees.to_radians().cos();
    let t =
        1.0 - 0.17 * cos(h_bar - 30.0) + 0.24 * cos(2.0 * h_bar) + 0.32 * cos(3.0 * h_bar + 6.0)
            - 0.20 * cos(4.0 * h_bar - 63.0);
    let d_theta = 30.0 * (-((h_bar - 275.0) / 25.0).powi(2)).exp();
    let r_c = 2.0 * (c_bar_p.powi(7) / (c_bar_p.powi(7) + pow25_7)).sqrt();
    let s_l = 1.0 + 0.015 * (l_bar - 50.0).powi(2) / (20.0 + (l_bar - 50.0).powi(2)).sqrt();
    let s_c = 1.0 + 0.045 * c_bar_p;
    let s_h = 1.0 + 0.015 * c_bar_p * t;
    let r_t = -(2.0 * d_theta).to_radians().sin() * r_c;
    let (l_term, c_term, h_term) = (dl / s_l, dc / s_c, dhh / s_h);
    (l_term * l_term + c_term * c_term + h_term * h_term + r_t * c_term * h_term).sqrt()
}

/// The smallest ΔE₀₀ between any two of `colours` as seen under `vision` (∞ for fewer than two).
pub fn min_pairwise_difference(colours: &[[u8; 3]], vision: Vision) -> f64 {
    let mut smallest = f64::INFINITY;
    for (i, &a) in colours.iter().enumerate() {
        for &b in &colours[i + 1..] {
            smallest = smallest.min(ciede2000(lab_seen(a, vision), lab_seen(b, vision)));
        }
    }
    smallest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn white_on_black_is_21_to_1() {
        let ratio = contrast_ratio([255; 3], [0; 3]);
        assert!((ratio - 21.0).abs() < 1e-9, "{ratio}");
    }

    #[test]
    fn white_is_l_100_and_black_l_0() {
        let white = lab_seen([255; 3], Vision::Normal);
        assert!((white[0] - 100.0).abs() < 1e-3 && white[1].abs() < 1e-2 && white[2].abs() < 1e-2);
        assert_eq!(lab_seen([0; 3], Vision::Normal), [0.0, 0.0, 0.0]);
    }

    #[test]
    fn greys_look_the_same_to_every_eye() {
        for vision in [Vision::Deuteranopia, Vision::Protanopia] {
            let seen = lab_seen([128; 3], vision);
            let normal = lab_seen([128; 3], Vision::Normal);
            assert!(ciede2000(seen, normal) < 0.5, "{vision:?}");
        }
    }

    #[test]
    fn red_and_green_collapse_for_a_deuteranope() {
        let (red, green) = ([200, 60, 40], [90, 140, 40]);
        let normal = ciede2000(
            lab_seen(red, Vision::Normal),
            lab_seen(green, Vision::Normal),
        );
        let deutan = ciede2000(
            lab_seen(red, Vision::Deuteranopia),
            lab_seen(green, Vision::Deuteranopia),
        );
        assert!(deutan < 0.5 * normal, "{deutan} vs {normal}");
    }

    #[test]
    fn dashes_change_every_six_runs() {
        assert_eq!(run_dash(0), Dash::Solid);
        assert_eq!(run_dash(5), Dash::Solid);
        assert_eq!(run_dash(6), Dash::Dashed);
        assert_eq!(run_dash(12), Dash::Dotted);
        assert_eq!(run_dash(18), Dash::DashDot);
    }
}
