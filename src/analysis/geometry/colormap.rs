//! Colormaps for landscape images and heatmaps.
//!
//! Perceptually uniform colormaps from the `colorous` crate (viridis and magma:
//! S. van der Walt & N. Smith for matplotlib, 2015; cividis: J. R. Nuñez, C. R. Anderton &
//! R. S. Renslow, PLoS ONE 2018), darkest at the minimum.

use serde::{Deserialize, Serialize};

/// A perceptually uniform colormap for the landscape image, darkest at the minimum.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Colormap {
    /// Dark blue → green → yellow; the default.
    #[default]
    Viridis,
    /// Blue → grey → yellow, readable with colour-vision deficiency.
    Cividis,
    /// Black → purple → orange → pale yellow.
    Magma,
    /// Viridis faded halfway to white, for a light theme: dark lines stay readable on it.
    ViridisLight,
}

/// Entries of a colormap's lookup table: one per 8-bit step, the resolution of the output.
pub(super) const LOOKUP_SIZE: usize = 256;

/// The table entry for position `t` in [0, 1].
pub(super) fn lookup_index(t: f64) -> usize {
    ((t * (LOOKUP_SIZE - 1) as f64).round() as usize).min(LOOKUP_SIZE - 1)
}

impl Colormap {
    /// Every colormap, in the order a picker lists them.
    pub const ALL: [Colormap; 4] = [
        Colormap::Viridis,
        Colormap::Cividis,
        Colormap::Magma,
        Colormap::ViridisLight,
    ];

    /// Name shown in the picker.
    pub fn name(self) -> &'static str {
        match self {
            Colormap::Viridis => "viridis",
            Colormap::Cividis => "cividis",
            Colormap::Magma => "magma",
            Colormap::ViridisLight => "viridis (light)",
        }
    }

    /// sRGB colour at position `t` in [0, 1] (clamped); 0 is the darkest end.
    pub fn rgb(self, t: f64) -> [u8; 3] {
        let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
        match self {
            Colormap::Viridis => colorous::VIRIDIS.eval_continuous(t).into_array(),
            Colormap::Cividis => colorous::CIVIDIS.eval_continuous(t).into_array(),
            Colormap::Magma => colorous::MAGMA.eval_continuous(t).into_array(),
            Colormap::ViridisLight => colorous::VIRIDIS
                .eval_continuous(t)
                .into_array()
                .map(|c| c / 2 + 128),
        }
    }

    /// The colormap sampled at 256 positions, so an image costs one table look-up per cell.
    pub(super) fn lookup_table(self) -> [[u8; 3]; LOOKUP_SIZE] {
        std::array::from_fn(|i| self.rgb(i as f64 / (LOOKUP_SIZE - 1) as f64))
    }
}
