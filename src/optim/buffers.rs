//! Sizing several state buffers at once, which most methods of this folder do at the start of a
//! step (the dimension can change between steps: a new problem keeps the optimizer).

use nalgebra::DVector;

use super::ensure_len;

/// [`ensure_len`] for every buffer of `buffers`: each one `dim` long, allocating only the ones
/// whose length changes.
pub fn ensure_lens<const N: usize>(dim: usize, buffers: [&mut DVector<f64>; N]) {
    for buffer in buffers {
        ensure_len(buffer, dim);
    }
}
