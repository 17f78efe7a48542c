//! The presets shipped in `presets/`, embedded in the binary so that it runs from any directory.

/// The lessons grouped by topic, in the order the browser lists them and Page up / Page down
/// walk through them.
pub const TOPICS: &[(&str, &[&str])] = &[
    (
        "Gradient descent and step size",
        &[
            "zigzag",
            "step_size",
            "gradient_flow",
            "schedules",
            "warmup",
            "gradient_clipping",
            "schedule_free",
        ],
    ),
    (
        "Momentum and acceleration",
        &["rosenbrock", "nesterov_vs_heavy_ball", "momentum_region"],
    ),
    (
        "Adaptive and sign methods",
        &["adaptive_rotation", "rotation_equivariance", "sign_methods"],
    ),
    (
        "Tuning and fair comparison",
        &["tuned_ranking", "lr_sensitivity"],
    ),
    (
        "Second-order methods",
        &["second_order", "rosenbrock_race", "newton_basins"],
    ),
    (
        "Nonsmooth and constrained",
        &[
            "abs",
            "lasso",
            "projected",
            "artificial_critical_points",
            "clarke_sum_rule",
            "relu_subgradient",
        ],
    ),
    (
        "Stochastic and derivative-free",
        &["robbins_monro", "variance_reduction", "zeroth_order"],
    ),
    (
        "Landscapes and implicit bias",
        &[
            "saddle_escape",
            "flat_sharp",
            "flat_sharp_basins",
            "rastrigin_basins",
            "line_of_minima",
            "formula_playground",
            "label_noise",
            "sam_flat",
            "sgd_linear_stability",
        ],
    ),
    (
        "Rates and implicit bias",
        &[
            "scale_invariance",
            "sublinear_rates",
            "max_margin",
            "pl_nonconvex",
        ],
    ),
    ("Multi-task learning", &["multi_task"]),
    (
        "Bilevel optimisation",
        &["hypergradient_descent", "bilevel_ridge"],
    ),
    (
        "Numerics and low precision",
        &["bf16_stagnation", "fp16_loss_scaling"],
    ),
    ("Games and min-max", &["games"]),
    (
        "Distributed training",
        &[
            "workers",
            "fedavg_drift",
            "gossip_ring",
            "async_staleness",
            "sign_error_feedback",
            "byzantine_median",
        ],
    ),
    (
        "Networks",
        &[
            "eos_mlp",
            "sgd_vs_gd_moons",
            "init_scales",
            "symmetry_breaking",
            "he_vs_xavier",
            "lazy_training",
            "deep_linear_saddles",
            "muon_staircase",
            "matrix_completion",
        ],
    ),
];

/// (name, RON text) of every bundled preset, in lesson order (topic by topic).
pub const EMBEDDED: &[(&str, &str)] = &[
    ("zigzag", include_str!("../presets/zigzag.ron")),
    ("step_size", include_str!("../presets/step_size.ron")),
    (
        "gradient_flow",
        include_str!("../presets/gradient_flow.ron"),
    ),
    ("schedules", include_str!("../presets/schedules.ron")),
    ("warmup", include_str!("../presets/warmup.ron")),
    (
        "gradient_clipping",
        include_str!("../presets/gradient_clipping.ron"),
    ),
    (
        "schedule_free",
        include_str!("../presets/schedule_free.ron"),
    ),
    ("rosenbrock", include_str!("../presets/rosenbrock.ron")),
    (
        "nesterov_vs_heavy_ball",
        include_str!("../presets/nesterov_vs_heavy_ball.ron"),
    ),
    (
        "momentum_region",
        include_str!("../presets/momentum_region.ron"),
    ),
    (
        "adaptive_rotation",
        include_str!("../presets/adaptive_rotation.ron"),
    ),
    (
        "rotation_equivariance",
        include_str!("../presets/rotation_equivariance.ron"),
    ),
    ("sign_methods", include_str!("../presets/sign_methods.ron")),
    (
        "tuned_ranking",
        include_str!("../presets/tuned_ranking.ron"),
    ),
    (
        "lr_sensitivity",
        include_str!("../presets/lr_sensitivity.ron"),
    ),
    ("second_order", include_str!("../presets/second_order.ron")),
    (
        "rosenbrock_race",
        include_str!("../presets/rosenbrock_race.ron"),
    ),
    (
        "newton_basins",
        include_str!("../presets/newton_basins.ron"),
    ),
    ("abs", include_str!("../presets/abs.ron")),
    ("lasso", include_str!("../presets/lasso.ron")),
    ("projected", include_str!("../presets/projected.ron")),
    (
        "artificial_critical_points",
        include_str!("../presets/artificial_critical_points.ron"),
    ),
    (
        "clarke_sum_rule",
        include_str!("../presets/clarke_sum_rule.ron"),
    ),
    (
        "relu_subgradient",
        include_str!("../presets/relu_subgradient.ron"),
    ),
    (
        "robbins_monro",
        include_str!("../presets/robbins_monro.ron"),
    ),
    (
        "variance_reduction",
        include_str!("../presets/variance_reduction.ron"),
    ),
    ("zeroth_order", include_str!("../presets/zeroth_order.ron")),
    (
        "saddle_escape",
        include_str!("../presets/saddle_escape.ron"),
    ),
    ("flat_sharp", include_str!("../presets/flat_sharp.ron")),
    (
        "flat_sharp_basins",
        include_str!("../presets/flat_sharp_basins.ron"),
    ),
    (
        "rastrigin_basins",
        include_str!("../presets/rastrigin_basins.ron"),
    ),
    (
        "line_of_minima",
        include_str!("../presets/line_of_minima.ron"),
    ),
    (
        "formula_playground",
        include_str!("../presets/formula_playground.ron"),
    ),
    ("label_noise", include_str!("../presets/label_noise.ron")),
    ("sam_flat", include_str!("../presets/sam_flat.ron")),
    (
        "sgd_linear_stability",
        include_str!("../presets/sgd_linear_stability.ron"),
    ),
    (
        "scale_invariance",
        include_str!("../presets/scale_invariance.ron"),
    ),
    (
        "sublinear_rates",
        include_str!("../presets/sublinear_rates.ron"),
    ),
    ("max_margin", include_str!("../presets/max_margin.ron")),
    ("pl_nonconvex", include_str!("../presets/pl_nonconvex.ron")),
    ("multi_task", include_str!("../presets/multi_task.ron")),
    (
        "hypergradient_descent",
        include_str!("../presets/hypergradient_descent.ron"),
    ),
    (
        "bilevel_ridge",
        include_str!("../presets/bilevel_ridge.ron"),
    ),
    (
        "bf16_stagnation",
        include_str!("../presets/bf16_stagnation.ron"),
    ),
    (
        "fp16_loss_scaling",
        include_str!("../presets/fp16_loss_scaling.ron"),
    ),
    ("games", include_str!("../presets/games.ron")),
    ("workers", include_str!("../presets/workers.ron")),
    ("fedavg_drift", include_str!("../presets/fedavg_drift.ron")),
    ("gossip_ring", include_str!("../presets/gossip_ring.ron")),
    (
        "async_staleness",
        include_str!("../presets/async_staleness.ron"),
    ),
    (
        "sign_error_feedback",
        include_str!("../presets/sign_error_feedback.ron"),
    ),
    (
        "byzantine_median",
        include_str!("../presets/byzantine_median.ron"),
    ),
    ("eos_mlp", include_str!("../presets/eos_mlp.ron")),
    (
        "sgd_vs_gd_moons",
        include_str!("../presets/sgd_vs_gd_moons.ron"),
    ),
    ("init_scales", include_str!("../presets/init_scales.ron")),
    (
        "symmetry_breaking",
        include_str!("../presets/symmetry_breaking.ron"),
    ),
    ("he_vs_xavier", include_str!("../presets/he_vs_xavier.ron")),
    (
        "lazy_training",
        include_str!("../presets/lazy_training.ron"),
    ),
    (
        "deep_linear_saddles",
        include_str!("../presets/deep_linear_saddles.ron"),
    ),
    (
        "muon_staircase",
        include_str!("../presets/muon_staircase.ron"),
    ),
    (
        "matrix_completion",
        include_str!("../presets/matrix_completion.ron"),
    ),
];

/// The preset the app opens when none is given.
pub const DEFAULT: &str = "zigzag";

/// A bundled lesson as the browser lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct Lesson {
    /// The preset's name (`zigzag`).
    pub name: &'static str,
    /// Its title (the scenario's name).
    pub title: String,
    /// The topic it is listed under.
    pub topic: &'static str,
}

/// Every bundled lesson, in lesson order, parsed once.
pub fn lessons() -> &'static [Lesson] {
    static LESSONS: std::sync::OnceLock<Vec<Lesson>> = std::sync::OnceLock::new();
    LESSONS.get_or_init(|| {
        EMBEDDED
            .iter()
            .map(|(name, text)| Lesson {
                name,
                title: crate::scenario::parse(text, name)
                    .map(|loaded| loaded.scenario.name)
                    .unwrap_or_else(|_| (*name).to_owned()),
                topic: TOPICS
                    .iter()
                    .find(|(_, names)| names.contains(name))
                    .map_or("Other", |(topic, _)| topic),
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

/// Loads a preset from a file, or, when no such file exists, a bundled preset of that name
/// (`zigzag`): what the CLI and the app open.
pub fn load(name: &str) -> Result<crate::scenario::Loaded, crate::scenario::LoadError> {
    let path = std::path::Path::new(name);
    if !path.exists()
        && let Some(text) = find(name)
    {
        return crate::scenario::parse(text, &format!("{name} (bundled)"));
    }
    crate::scenario::load(path)
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
            // A version-1 lesson teaches in its notes, a version-2 one in its notices.
            let scenario = &loaded.scenario;
            assert!(
                !scenario.notes.is_empty() || scenario.notice.len() >= 2,
                "{name} has neither notes nor notices"
            );
        }
        assert!(find(DEFAULT).is_some());
        // Every preset is under exactly one topic, and the topics list them in lesson order.
        let listed: Vec<&str> = TOPICS
            .iter()
            .flat_map(|(_, names)| names.iter().copied())
            .collect();
        let embedded: Vec<&str> = EMBEDDED.iter().map(|(name, _)| *name).collect();
        assert_eq!(listed, embedded);
        assert!(find("zigzag.ron").is_some());
    }
}
