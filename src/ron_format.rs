//! The RON dialect of presets, shared by every layer that reads or writes configuration text
//! (scenarios, landscape and network configs, their tests). A leaf: it imports nothing of the
//! crate, so configs below the scenario layer can use it without pointing up.

use ron::extensions::Extensions;

/// ron's nesting budget while loading a preset (each bracket level spends one or two; real presets
/// nest under 10 levels): deeper text is refused before it can exhaust the stack.
pub const RECURSION_LIMIT: usize = 128;

/// The ron options used to load and to save: newtype variants unwrap (`Sgd(lr: 0.1)`, `Himmelblau()`)
/// and options need no `Some(…)`.
pub fn ron_options() -> ron::Options {
    ron::Options::default()
        .with_default_extension(Extensions::UNWRAP_VARIANT_NEWTYPES | Extensions::IMPLICIT_SOME)
        .with_recursion_limit(RECURSION_LIMIT)
}
