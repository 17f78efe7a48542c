//! GIF encoding of rendered frames: one global palette of 256 colours, and every frame after the
//! first stored as the smallest rectangle that changed.
//!
//! The palette holds the given exact colours (runs, markings) first and fills the rest with
//! NeuQuant's colours for a sample frame (A. Dekker, "Kohonen neural networks for optimal colour
//! quantization", 1994). A pixel maps to the palette entry nearest in squared RGB distance,
//! memoised per colour quantised to 6 bits a channel (2¹⁸ entries), so each distinct colour is
//! searched once.

use std::borrow::Cow;

use gif::{DisposalMethod, Encoder, Frame, Repeat};
use tiny_skia::Pixmap;

use super::RenderError;

/// Colours in the palette.
const PALETTE_SIZE: usize = 256;
/// Most exact colours kept before NeuQuant's (the rest of the 256 are learned).
const MAX_RESERVED: usize = 64;
/// Bits per channel of the nearest-colour memo's key.
const KEY_BITS: u32 = 6;
/// A memo slot not searched yet.
const UNKNOWN: u16 = u16::MAX;

/// Writes frames of one size into a looping GIF in memory.
pub(super) struct GifWriter {
    encoder: Encoder<Vec<u8>>,
    palette: Palette,
    width: u32,
    height: u32,
    /// The previous frame's palette indices, to find what changed.
    previous: Option<Vec<u8>>,
}

impl GifWriter {
    /// A writer for frames the size of `sample`, with a palette fitted to it that keeps `exact`.
    pub(super) fn new(sample: &Pixmap, exact: &[[u8; 3]]) -> Result<Self, RenderError> {
        let palette = Palette::new(sample, exact);
        let (width, height) = (sample.width(), sample.height());
        let side = |v: u32| u16::try_from(v).map_err(|_| encode_error("a side over 65535"));
        let mut encoder = Encoder::new(Vec::new(), side(width)?, side(height)?, &palette.flat())
            .map_err(gif_error)?;
        encoder.set_repeat(Repeat::Infinite).map_err(gif_error)?;
        Ok(Self {
            encoder,
            palette,
            width,
            height,
            previous: None,
        })
    }

    /// Appends a frame shown for `delay` hundredths of a second.
    pub(super) fn push(&mut self, pixmap: &Pixmap, delay: u16) -> Result<(), RenderError> {
        if (pixmap.width(), pixmap.height()) != (self.width, self.height) {
            return Err(encode_error("frames of different sizes"));
        }
        let indices: Vec<u8> = pixmap
            .pixels()
            .iter()
            .map(|pixel| {
                let colour = pixel.demultiply();
                self.palette
                    .index_of([colour.red(), colour.green(), colour.blue()])
            })
            .collect();
        let [left, top, right, bottom] = match &self.previous {
            None => [0, 0, self.width, self.height],
            Some(previous) => changed_rect(previous, &indices, self.width, self.height),
        };
        let width = self.width as usize;
        let mut buffer = Vec::with_capacity(((right - left) * (bottom - top)) as usize);
        for row in top..bottom {
            let start = row as usize * width;
            buffer.extend_from_slice(&indices[start + left as usize..start + right as usize]);
        }
        // Every coordinate is within the image, whose sides fit u16 (checked in `new`).
        let frame = Frame {
            delay,
            dispose: DisposalMethod::Keep,
            left: left as u16,
            top: top as u16,
            width: (right - left) as u16,
            height: (bottom - top) as u16,
            buffer: Cow::Owned(buffer),
            ..Frame::default()
        };
        self.encoder.write_frame(&frame).map_err(gif_error)?;
        self.previous = Some(indices);
        Ok(())
    }

    /// The finished file.
    pub(super) fn finish(self) -> Result<Vec<u8>, RenderError> {
        self.encoder.into_inner().map_err(gif_error)
    }
}

/// [left, top, right, bottom) of the pixels that differ; a 1×1 rectangle at the origin when none
/// do (a GIF frame cannot be empty, and redrawing one unchanged pixel changes nothing).
fn changed_rect(previous: &[u8], current: &[u8], width: u32, height: u32) -> [u32; 4] {
    let (mut left, mut top, mut right, mut bottom) = (width, height, 0, 0);
    let width_usize = width.max(1) as usize;
    for (row, (old, new)) in previous
        .chunks(width_usize)
        .zip(current.chunks(width_usize))
        .enumerate()
    {
        let Some(first) = old.iter().zip(new).position(|(a, b)| a != b) else {
            continue;
        };
        let last = old
            .iter()
            .zip(new)
            .rposition(|(a, b)| a != b)
            .unwrap_or(first);
        let row = row as u32;
        left = left.min(first as u32);
        right = right.max(last as u32 + 1);
        top = top.min(row);
        bottom = bottom.max(row + 1);
    }
    if right <= left || bottom <= top {
        [0, 0, 1, 1]
    } else {
        [left, top, right, bottom]
    }
}

/// 256 colours and a memo of the nearest one per quantised colour.
struct Palette {
    colours: Vec<[u8; 3]>,
    nearest: Vec<u16>,
}

impl Palette {
    fn new(sample: &Pixmap, exact: &[[u8; 3]]) -> Self {
        let mut colours: Vec<[u8; 3]> = Vec::with_capacity(PALETTE_SIZE);
        for colour in exact {
            if colours.len() < MAX_RESERVED && !colours.contains(colour) {
                colours.push(*colour);
            }
        }
        let rgba: Vec<u8> = sample
            .pixels()
            .iter()
            .flat_map(|pixel| {
                let c = pixel.demultiply();
                [c.red(), c.green(), c.blue(), 255]
            })
            .collect();
        // NeuQuant learns from every n-th pixel: sample about 100 000 of them whatever the size.
        let pixels = rgba.len() / 4;
        let sample_factor = (pixels / 100_000).clamp(1, 30) as i32;
        let learned =
            color_quant::NeuQuant::new(sample_factor, PALETTE_SIZE - colours.len(), &rgba);
        for rgb in learned.color_map_rgb().chunks_exact(3) {
            if colours.len() < PALETTE_SIZE {
                colours.push([rgb[0], rgb[1], rgb[2]]);
            }
        }
        Self {
            colours,
            nearest: vec![UNKNOWN; 1 << (3 * KEY_BITS)],
        }
    }

    /// r, g, b, r, g, b, … as the encoder takes it.
    fn flat(&self) -> Vec<u8> {
        self.colours.iter().flatten().copied().collect()
    }

    fn index_of(&mut self, rgb: [u8; 3]) -> u8 {
        let shift = 8 - KEY_BITS;
        let key = rgb.iter().fold(0_usize, |key, c| {
            (key << KEY_BITS) | usize::from(c >> shift)
        });
        let Some(slot) = self.nearest.get_mut(key) else {
            return 0;
        };
        if *slot == UNKNOWN {
            *slot = nearest_index(&self.colours, rgb);
        }
        // The palette has at most 256 colours, so every index fits a byte.
        *slot as u8
    }
}

fn nearest_index(colours: &[[u8; 3]], rgb: [u8; 3]) -> u16 {
    let distance = |c: &[u8; 3]| -> i32 {
        c.iter()
            .zip(rgb)
            .map(|(a, b)| (i32::from(*a) - i32::from(b)).pow(2))
            .sum()
    };
    colours
        .iter()
        .enumerate()
        .min_by_key(|(_, c)| distance(c))
        .map_or(0, |(index, _)| index as u16)
}

fn gif_error(error: gif::EncodingError) -> RenderError {
    RenderError::Encode(error.to_string())
}

fn encode_error(what: &str) -> RenderError {
    RenderError::Encode(what.to_owned())
}
