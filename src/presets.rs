//! The presets shipped in `presets/`, embedded in the binary so that it runs from any directory.

/// (name, RON text) of every bundled preset, in lesson order.
pub const EMBEDDED: &[(&str, &str)] = &[
    ("zigzag", include_str!("../presets/zigzag.ron")),
    ("step_size", include_str!("../presets/step_size.ron")),
    (
        "gradient_flow",
        include_str!("../presets/gradient_flow.ron"),
    ),
    ("rosenbrock", include_str!("../presets/rosenbrock.ron")),
    (
        "nesterov_vs_heavy_ball",
        include_str!("../presets/nesterov_vs_heavy_ball.ron"),
    ),
    (
        "rosenbrock_race",
        include_str!("../presets/rosenbrock_race.ron"),
    ),
    ("second_order", include_str!("../presets/second_order.ron")),
    (
        "adaptive_rotation",
        include_str!("../presets/adaptive_rotation.ron"),
    ),
    ("sign_methods", include_str!("../presets/sign_methods.ron")),
    ("abs", include_str!("../presets/abs.ron")),
    ("lasso", include_str!("../presets/lasso.ron")),
    ("projected", include_str!("../presets/projected.ron")),
    ("zeroth_order", include_str!("../presets/zeroth_order.ron")),
    (
        "robbins_monro",
        include_str!("../presets/robbins_monro.ron"),
    ),
    ("schedules", include_str!("../presets/schedules.ron")),
    (
        "variance_reduction",
        include_str!("../presets/variance_reduction.ron"),
    ),
    (
        "saddle_escape",
        include_str!("../presets/saddle_escape.ron"),
    ),
    ("warmup", include_str!("../presets/warmup.ron")),
    ("flat_sharp", include_str!("../presets/flat_sharp.ron")),
    (
        "line_of_minima",
        include_str!("../presets/line_of_minima.ron"),
    ),
    ("eos_mlp", include_str!("../presets/eos_mlp.ron")),
    (
        "sgd_vs_gd_moons",
        include_str!("../presets/sgd_vs_gd_moons.ron"),
    ),
    ("init_scales", include_str!("../presets/init_scales.ron")),
    (
        "deep_linear_saddles",
        include_str!("../presets/deep_linear_saddles.ron"),
    ),
    (
        "matrix_completion",
        include_str!("../presets/matrix_completion.ron"),
    ),
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
