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

/// `(name, include_str!("../presets/name.ron"))` for each name: every preset's file is named
/// after it, so the table names each once.
macro_rules! embedded {
    ($($name:ident),* $(,)?) => {
        &[$((
            stringify!($name),
            include_str!(concat!("../presets/", stringify!($name), ".ron")),
        )),*]
    };
}

/// (name, RON text) of every bundled preset, in lesson order (topic by topic).
pub const EMBEDDED: &[(&str, &str)] = embedded![
    zigzag,
    step_size,
    gradient_flow,
    schedules,
    warmup,
    gradient_clipping,
    schedule_free,
    rosenbrock,
    nesterov_vs_heavy_ball,
    momentum_region,
    adaptive_rotation,
    rotation_equivariance,
    sign_methods,
    tuned_ranking,
    lr_sensitivity,
    second_order,
    rosenbrock_race,
    newton_basins,
    abs,
    lasso,
    projected,
    artificial_critical_points,
    clarke_sum_rule,
    relu_subgradient,
    robbins_monro,
    variance_reduction,
    zeroth_order,
    saddle_escape,
    flat_sharp,
    flat_sharp_basins,
    rastrigin_basins,
    line_of_minima,
    formula_playground,
    label_noise,
    sam_flat,
    sgd_linear_stability,
    scale_invariance,
    sublinear_rates,
    max_margin,
    pl_nonconvex,
    multi_task,
    hypergradient_descent,
    bilevel_ridge,
    bf16_stagnation,
    fp16_loss_scaling,
    games,
    workers,
    fedavg_drift,
    gossip_ring,
    async_staleness,
    sign_error_feedback,
    byzantine_median,
    eos_mlp,
    sgd_vs_gd_moons,
    init_scales,
    symmetry_breaking,
    he_vs_xavier,
    lazy_training,
    deep_linear_saddles,
    muon_staircase,
    matrix_completion,
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
