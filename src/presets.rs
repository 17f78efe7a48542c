//! The presets shipped in `presets/`, embedded in the binary so that it runs from any directory.

/// (name, RON text) of every bundled preset, in lesson order.
pub const EMBEDDED: &[(&str, &str)] = &[
    ("zigzag", include_str!("../presets/zigzag.ron")),
    ("rosenbrock", include_str!("../presets/rosenbrock.ron")),
    ("abs", include_str!("../presets/abs.ron")),
];

/// The preset the app opens when none is given.
pub const DEFAULT: &str = "zigzag";

/// (name, title) of every bundled preset, parsed once.
pub fn lessons() -> &'static [(&'static str, String)] {
    static LESSONS: std::sync::OnceLock<Vec<(&'static str, String)>> = std::sync::OnceLock::new();
    LESSONS.get_or_init(|| {
        EMBEDDED
            .iter()
            .map(|(name, text)| {
                let title = crate::scenario::parse(text, name)
                    .map(|loaded| loaded.scenario.name)
                    .unwrap_or_else(|_| (*name).to_owned());
                (*name, title)
            })
            .collect()
    })
}

/// The text of a bundled preset by name (`zigzag` or `zigzag.ron`).
pub fn find(name: &str) -> Option<&'static str> {
    let name = name.strip_suffix(".ron").unwrap_or(name);
    EMBEDDED
        .iter()
        .find(|(preset, _)| *preset == name)
        .map(|(_, text)| *text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_preset_loads_cleanly() {
        for (name, text) in EMBEDDED {
            let loaded =
                crate::scenario::parse(text, name).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(loaded.warnings.is_empty(), "{name}: {:?}", loaded.warnings);
            assert!(!loaded.scenario.notes.is_empty(), "{name} has no notes");
        }
        assert!(find(DEFAULT).is_some());
        assert!(find("zigzag.ron").is_some());
    }
}
