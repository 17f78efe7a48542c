//! The guide window: every optimizer's update rule and hyperparameters, every landscape's formula
//! and minima, and a glossary of the words the lesson notes use — for a student working alone.

use crate::app::AppState;
use crate::landscape::{LandscapeConfig, Minimizers};
use crate::optim::OptimizerConfig;

use super::format_number;

/// The terms the notes use, with a short explanation each.
pub const GLOSSARY: &[(&str, &str)] = &[
    (
        "condition number κ",
        "λmax/λmin of the Hessian at a minimum: how elongated the valley is. Gradient descent needs about κ steps per digit of accuracy; momentum about √κ.",
    ),
    (
        "sharpness λmax",
        "The largest eigenvalue of the Hessian ∇²f: the curvature along the steepest direction. Measured by Lanczos on networks.",
    ),
    (
        "stability threshold",
        "The largest sharpness a method can settle at with a given lr: 2/lr for gradient descent, (2 + 2β)/lr with heavy-ball momentum β. Above it the iterates oscillate with growing amplitude.",
    ),
    (
        "edge of stability",
        "Full-batch gradient descent on a network raises the sharpness until it reaches 2/lr and then hovers there while the loss keeps falling, non-monotonically (Cohen et al. 2021).",
    ),
    (
        "preconditioned sharpness",
        "λmax(P⁻¹∇²f) for an adaptive method that divides its step by a diagonal P (Adam's √v̂ + eps): the curvature its own stability depends on.",
    ),
    (
        "bias correction",
        "Adam's moments start at zero, so early averages are too small; dividing by 1 − βᵗ undoes that shrinkage.",
    ),
    (
        "saddle point",
        "A stationary point (∇f = 0) that is a minimum along some directions and a maximum along others: the Hessian has eigenvalues of both signs.",
    ),
    (
        "subgradient",
        "A slope that stays below f everywhere: at a kink like |x| at 0 any value in [−1, 1]; optiviz, like PyTorch, uses sign(0) = 0.",
    ),
    (
        "proximal step",
        "For f = g + h with h simple (λ‖x‖₁): a gradient step on g, then x ← argmin_z h(z) + ‖z − x‖²/(2·lr), which for the ℓ₁ norm is soft-thresholding.",
    ),
    (
        "variance reduction",
        "SVRG and SAGA correct each stochastic gradient with stored full or per-sample gradients, so the noise vanishes at the minimum and a constant lr converges.",
    ),
    (
        "implicit bias",
        "Among many minimizers, the one an algorithm picks by itself: gradient descent from 0 finds the minimum-norm solution, small initialization favours low rank.",
    ),
    (
        "basin of attraction",
        "The set of starts from which a method reaches a given minimum; it depends on the method and its step size, not only on the landscape.",
    ),
    (
        "gradient flow",
        "The continuous path dx/dt = −∇f(x); gradient descent is its forward-Euler discretization with time step lr.",
    ),
];

/// Draws the guide window when it is open.
pub fn guide_ui(state: &mut AppState, ctx: &egui::Context) {
    let mut open = state.show_guide;
    egui::Window::new("Guide")
        .open(&mut open)
        .default_size([520.0, 560.0])
        .show(ctx, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                egui::CollapsingHeader::new("Optimizers").show(ui, optimizers_ui);
                egui::CollapsingHeader::new("Landscapes").show(ui, landscapes_ui);
                egui::CollapsingHeader::new("Glossary").show(ui, glossary_ui);
                egui::CollapsingHeader::new("Moving around the views")
                    .show(ui, super::navigation_ui);
            });
        });
    state.show_guide = open;
}

fn optimizers_ui(ui: &mut egui::Ui) {
    for config in OptimizerConfig::catalog() {
        egui::CollapsingHeader::new(config.display_name())
            .id_salt(("guide_optimizer", config.name()))
            .show(ui, |ui| {
                ui.label(super::math_text(config.guide()));
                ui.strong("Hyperparameters");
                for hyper in config.hypers() {
                    ui.horizontal_wrapped(|ui| {
                        ui.monospace(hyper.name);
                        ui.weak(hyper.help);
                    });
                }
            });
    }
}

fn landscapes_ui(ui: &mut egui::Ui) {
    for config in LandscapeConfig::catalog() {
        egui::CollapsingHeader::new(config.name())
            .id_salt(("guide_landscape", config.name()))
            .show(ui, |ui| {
                ui.label(super::math_text(config.guide()));
                ui.weak(minima_text(&config));
            });
    }
}

/// The known minimizers of a landscape with its default parameters, in words.
fn minima_text(config: &LandscapeConfig) -> String {
    match config.build().minimizers() {
        Minimizers::Points(points) if points.is_empty() => {
            "Minimizers: not known in closed form".to_owned()
        }
        Minimizers::Points(points) => {
            let listed: Vec<String> = points
                .iter()
                .map(|m| {
                    format!(
                        "({}, {}) with f = {}, Hessian eigenvalues {} and {}",
                        format_number(m.point[0]),
                        format_number(m.point[1]),
                        format_number(m.value),
                        format_number(m.curvature[0]),
                        format_number(m.curvature[1]),
                    )
                })
                .collect();
            format!("Minimizers: {}", listed.join("; "))
        }
        Minimizers::Set {
            description, value, ..
        } => format!("Minimizers: {description}, f = {}", format_number(value)),
        Minimizers::Unbounded => "No minimum: unbounded below".to_owned(),
    }
}

fn glossary_ui(ui: &mut egui::Ui) {
    for (term, meaning) in GLOSSARY {
        ui.horizontal_wrapped(|ui| {
            ui.strong(*term);
            ui.label(*meaning);
        });
        ui.add_space(4.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_optimizer_and_landscape_has_its_documentation_with_a_reference() {
        for config in OptimizerConfig::catalog() {
            let doc = config.guide();
            assert!(doc.contains("Reference"), "{}: {doc}", config.name());
        }
        for config in LandscapeConfig::catalog() {
            let doc = config.guide();
            assert!(doc.len() > 80, "{}: {doc}", config.name());
        }
    }

    #[test]
    fn the_bundled_font_has_every_glyph_the_documentation_uses() {
        use ab_glyph::Font;
        let font = ab_glyph::FontRef::try_from_slice(crate::render::FONT).unwrap();
        let mut missing = std::collections::BTreeSet::new();
        let optimizer_docs = OptimizerConfig::catalog().into_iter().map(|c| c.guide());
        let landscape_docs = LandscapeConfig::catalog().into_iter().map(|c| c.guide());
        for doc in optimizer_docs.chain(landscape_docs) {
            for c in doc.chars() {
                if !c.is_ascii() && font.glyph_id(c).0 == 0 {
                    missing.insert(c);
                }
            }
        }
        for (term, meaning) in GLOSSARY {
            for c in term.chars().chain(meaning.chars()) {
                if !c.is_ascii() && font.glyph_id(c).0 == 0 {
                    missing.insert(c);
                }
            }
        }
        assert!(missing.is_empty(), "{missing:?}");
    }
}
