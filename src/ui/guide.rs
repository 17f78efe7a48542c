//! The guide window: every optimizer's update rule and hyperparameters, every landscape's formula
//! and minima, and a glossary of the words the lesson notes use — for a student working alone.

use crate::app::AppState;
use crate::landscape::{LandscapeConfig, Minimizers};
use crate::optim::OptimizerConfig;

use crate::docs::{DocBlock, DocSpan};

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
        "Clarke subdifferential",
        "At a kink, the convex hull of the gradients at nearby points: ∂|x|(0) = [−1, 1]. Tick Subdifferential (under the metrics) to draw it where a run sits on a kink, from gradients sampled in a small disc (Goldstein's ε-subdifferential). Unlike subgradients of convex functions it has no sum rule: ∂(|x| − |x|)(0) = {0}.",
    ),
    (
        "relu′(0)",
        "What backpropagation uses for relu's slope at exactly 0: 0 in PyTorch, or ½ or 1 (relu_grad_at_zero of Formula and Mlp). It changes no value, yet relu(x) − relu(−x) = x gets derivative 0, 1 or 2 at 0 (Bolte & Pauwels 2021).",
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
    (
        "Hessian spectrum",
        "The network view's Hessian spectrum tab: the top three Hessian eigenvalues over training (Lanczos) and the density of all eigenvalues at a chosen step, by stochastic Lanczos quadrature: random probes, Lanczos from each, Ritz values smoothed by a Gaussian and weighted by their squared first components (Ghorbani et al. 2019).",
    ),
    (
        "symmetry breaking",
        "Hidden units with equal weights compute the same function and get the same gradient, so gradient descent keeps them equal (init: Constant): random initialization or noise is what lets them learn different features.",
    ),
    (
        "activation RMS",
        "The root mean square of a hidden layer's outputs over the training set (Layers view): ReLU halves its square at every layer unless the weights' variance is 2/fan_in (He), twice Xavier's.",
    ),
    (
        "lazy training",
        "The model α·(h(θ) − h(θ₀)) trained on the loss over α² (lazy_alpha): as α grows the relative weight change ‖θ − θ₀‖/‖θ₀‖ (Layers view) falls like 1/α and GD follows the linearized model, the neural tangent kernel (Chizat, Oyallon & Bach 2019).",
    ),
    (
        "linear stability of SGD",
        "At a minimum of a finite sum, SGD with lr η and batch B stays only if (1 − ηa)² + η²s²(n − B)/(B(n − 1)) ≤ 1, a the sharpness and s the non-uniformity, the spread of the samples' Hessians (Wu, Ma & E 2018). Linear stability… (above the landscape, on finite sums) draws the minima in the (a, s) plane with the selected run's stable region.",
    ),
    (
        "label noise",
        "A fresh random perturbation of the labels at every SGD step. Its gradient noise is shaped by the model, and drives SGD along a valley of minimizers towards smaller Hessian trace (Blanc et al. 2020); isotropic noise only diffuses.",
    ),
    (
        "effective learning rate",
        "On a scale-invariant loss f(cw) = f(w) (the weights before a normalisation layer) the gradient is orthogonal to w, each gradient step lengthens w, and the step in angle is lr/‖w‖². The metrics' Norm and Effective step plot ‖w‖ and lr/‖w‖² (van Laarhoven 2017).",
    ),
    (
        "max-margin direction",
        "On linearly separable data the logistic loss has no minimizer; gradient descent's ‖w‖ grows like log k and its direction turns, slowly, to the hard-margin SVM's, drawn as a dashed ray (Soudry et al. 2018).",
    ),
    (
        "rate bound",
        "A lesson may draw a guarantee from theory over each gradient-descent run's loss, dashed: f(u) + ‖x₀ − u‖²/(2·lr·k) for convex f, or (1 − μ/L)ᵏ(f(x₀) − f*) under the Polyak–Łojasiewicz inequality ½‖∇f‖² ≥ μ(f − f*), which needs no convexity (Karimi et al. 2016). The 'log' box beside steps puts steps on a log axis, where 1/k is a straight line.",
    ),
    (
        "Pareto set",
        "With several task losses, the points where no move lowers every task at once: improving one costs another. The two-task landscape draws it dotted; a weighted sum's minimizer is one of its points, MGDA stops at the first it reaches (Désidéri 2012).",
    ),
    (
        "tuning at equal budget",
        "Tune… (beside Sweep…) tries every run at learning rates on a log grid around its own (10 per decade from 0.01× to 100× unless changed, or a seeded random search), each trial with the same number of oracle calls, scored by its final loss or its mean loss over the steps, averaged over seeds when the gradients are stochastic; diverged trials score ∞. Comparisons of optimizers mean little until each is tuned this way (Choi et al. 2019; Sivaprasad et al. 2020). Add tuned runs puts each run at its best lr beside the original; Replace runs with tuned sets it in place.",
    ),
    (
        "good lr range",
        "The Tune window's sensitivity plot draws each run's criterion against its lr, both on log axes, with the best trial as a diamond and, as a bar, the learning rates around it whose criterion is within 2× of the best. The bar's width in decades says how forgiving a method is: a wide range is found with few trials.",
    ),
    (
        "hypergradient",
        "The derivative of a loss with respect to a hyperparameter. Hypergradient descent (SGD-HD, Adam-HD) adapts the lr by ∂f(xₜ₋₁)/∂α = −gₜ·gₜ₋₁ every step; the metrics' Learning rate plots each run's lr over steps: the adapted αₜ, a schedule's lr or plain gradient descent's constant one (Baydin et al. 2018).",
    ),
    (
        "bilevel optimisation",
        "An outer problem whose value needs the solution of an inner one: the validation loss of the weights that minimise a regularised training loss. Its gradient comes from the implicit function theorem (one extra linear solve) or from differentiating through k unrolled inner steps, biased when k is small (BilevelRidge; Pedregosa 2016, Shaban et al. 2019).",
    ),
];

/// Draws the guide window when it is open.
pub fn guide_ui(state: &mut AppState, ctx: &egui::Context) {
    let mut open = state.show_guide;
    let target = link_target(ctx);
    let opens = |section: Section| target.as_ref().is_some_and(|(s, _)| *s == section);
    let mut followed = None;
    egui::Window::new("Guide")
        .open(&mut open)
        .default_size([640.0, (0.85 * ctx.content_rect().height()).max(400.0)])
        .show(ctx, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                let entry = target.as_ref().map(|(_, name)| name.as_str());
                egui::CollapsingHeader::new("Optimizers")
                    .open(opens(Section::Optimizers).then_some(true))
                    .show(ui, |ui| {
                        followed = optimizers_ui(ui, entry).or(followed.take())
                    });
                egui::CollapsingHeader::new("Landscapes")
                    .open(opens(Section::Landscapes).then_some(true))
                    .show(ui, |ui| {
                        followed = landscapes_ui(ui, entry).or(followed.take())
                    });
                egui::CollapsingHeader::new("Glossary").show(ui, glossary_ui);
                egui::CollapsingHeader::new("Moving around the views")
                    .show(ui, super::navigation_ui);
            });
        });
    state.show_guide = open;
    // A followed link opens its entry next frame; the entry scrolls into view once.
    match followed.and_then(|name| Some((section_of(&name)?, name))) {
        Some(target) => {
            ctx.data_mut(|data| data.insert_temp(link_id(), target));
            ctx.request_repaint();
        }
        None => ctx.data_mut(|data| data.remove::<(Section, String)>(link_id())),
    }
}

/// The Guide's sections that a link can open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Section {
    Optimizers,
    Landscapes,
}

fn link_id() -> egui::Id {
    egui::Id::unique("guide_link_target")
}

/// The entry a link asked to open last frame.
fn link_target(ctx: &egui::Context) -> Option<(Section, String)> {
    ctx.data(|data| data.get_temp(link_id()))
}

/// Which section holds the entry `name` (a registry name: `AdamW`, `Lasso`), if one does.
fn section_of(name: &str) -> Option<Section> {
    if OptimizerConfig::catalog().iter().any(|c| c.name() == name) {
        Some(Section::Optimizers)
    } else if LandscapeConfig::catalog().iter().any(|c| c.name() == name) {
        Some(Section::Landscapes)
    } else {
        None
    }
}

/// Every optimizer's entry; `open` is the entry a link asked for. Returns a link clicked.
fn optimizers_ui(ui: &mut egui::Ui, open: Option<&str>) -> Option<String> {
    let mut followed = None;
    for config in OptimizerConfig::catalog() {
        let wanted = open == Some(config.name());
        let response = egui::CollapsingHeader::new(config.display_name())
            .id_salt(("guide_optimizer", config.name()))
            .open(wanted.then_some(true))
            .show(ui, |ui| {
                followed = doc_ui(ui, &config.guide()).or(followed.take());
                ui.strong("Hyperparameters");
                for hyper in config.hypers() {
                    ui.horizontal_wrapped(|ui| {
                        ui.monospace(hyper.name);
                        ui.weak(hyper.help);
                    });
                }
            });
        if wanted {
            response
                .header_response
                .scroll_to_me(Some(egui::Align::TOP));
        }
    }
    followed
}

/// Every landscape's entry; `open` is the entry a link asked for. Returns a link clicked.
fn landscapes_ui(ui: &mut egui::Ui, open: Option<&str>) -> Option<String> {
    let mut followed = None;
    for config in LandscapeConfig::catalog() {
        let wanted = open == Some(config.name());
        let response = egui::CollapsingHeader::new(config.name())
            .id_salt(("guide_landscape", config.name()))
            .open(wanted.then_some(true))
            .show(ui, |ui| {
                followed = doc_ui(ui, &config.guide()).or(followed.take());
                ui.weak(minima_text(&config));
            });
        if wanted {
            response
                .header_response
                .scroll_to_me(Some(egui::Align::TOP));
        }
    }
    followed
}

/// Documentation as the Guide sets it: paragraphs that wrap, code in monospace, links that open
/// the named entry, and update rules as blocks whose lines stay lines. Returns a link clicked.
fn doc_ui(ui: &mut egui::Ui, markdown: &str) -> Option<String> {
    let mut followed = None;
    for block in crate::docs::blocks(markdown) {
        match block {
            DocBlock::Paragraph(spans) => {
                followed = spans_ui(ui, &spans, None).or(followed);
            }
            DocBlock::Item(spans) => {
                followed = spans_ui(ui, &spans, Some("•  ")).or(followed);
            }
            DocBlock::Code(lines) => code_block_ui(ui, &lines),
        }
        ui.add_space(4.0);
    }
    followed
}

/// One paragraph (or list item, after `bullet`) of text, code and links, wrapped to the width.
fn spans_ui(ui: &mut egui::Ui, spans: &[DocSpan], bullet: Option<&str>) -> Option<String> {
    let mut followed = None;
    ui.horizontal_wrapped(|ui| {
        ui.spacing_mut().item_spacing.x = 0.0;
        if let Some(bullet) = bullet {
            ui.label(bullet);
        }
        for span in spans {
            match span {
                DocSpan::Text(text) => {
                    ui.label(super::math_text(text));
                }
                DocSpan::Strong(text) => {
                    ui.label(super::math_text(text).strong());
                }
                DocSpan::Code(code) => {
                    ui.label(code_text(code));
                }
                DocSpan::Link { text, target } => {
                    if section_of(target).is_some() {
                        if ui
                            .link(code_text(text))
                            .on_hover_text(format!("Open {text} in the guide"))
                            .clicked()
                        {
                            followed = Some(target.clone());
                        }
                    } else {
                        ui.label(code_text(text));
                    }
                }
            }
        }
    });
    followed
}

/// Code inside a sentence: monospace, in the math font's glyphs where monospace has none.
fn code_text(code: &str) -> egui::RichText {
    egui::RichText::new(code).family(egui::FontFamily::Name(super::MATH_MONO_FAMILY.into()))
}

/// An update rule: its lines one under the other in a monospace math font, on a faint ground,
/// scrolling sideways rather than wrapping when the window is narrow.
fn code_block_ui(ui: &mut egui::Ui, lines: &[String]) {
    egui::Frame::new()
        .fill(ui.visuals().faint_bg_color)
        .inner_margin(6.0)
        .corner_radius(4.0)
        .show(ui, |ui| {
            egui::ScrollArea::horizontal()
                .id_salt(lines.first())
                .show(ui, |ui| {
                    ui.add(egui::Label::new(code_text(&lines.join("\n"))).extend());
                });
        });
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
