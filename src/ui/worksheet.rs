//! The lesson as a worksheet in the side panel: "What to notice" as a live checklist of the
//! lesson's claims (pending, ✓ at the step it became true, or ✗ with what was measured), then the
//! suggestions to try (a button applies a suggestion's edit, Undo reverts the last one), the
//! question and the theory, folded until asked for.
//!
//! The claims are evaluated every frame on the runs as the window holds them
//! ([`Evidence::evaluate`] reads the traces and runs nothing), so editing a run re-evaluates them
//! at once.

use egui::Color32;

use crate::analysis::study::verify::{Evidence, RunHistory, Verdict};
use crate::app::AppState;
use crate::scenario::{Claim, Scenario};

/// What the worksheet keeps between frames.
#[derive(Default)]
pub struct WorksheetState {
    /// The lesson as it was before the last Try edit, for Undo.
    before_try: Option<Scenario>,
    /// The suggestion whose edit was applied last (its claim is checked from then on).
    applied: Option<usize>,
}

impl WorksheetState {
    /// Forgets the Undo step: a new lesson was opened.
    pub fn reset(&mut self) {
        *self = Self::default();
    }

    /// Whether Undo has an edit to revert.
    pub fn can_undo(&self) -> bool {
        self.before_try.is_some()
    }
}

/// The worksheet: nothing for a lesson without claims, suggestions, question or theory.
pub fn worksheet_ui(state: &mut AppState, ui: &mut egui::Ui) {
    let scenario = &state.scenario;
    if scenario.notice.is_empty()
        && scenario.tries.is_empty()
        && scenario.question.is_empty()
        && scenario.theory.is_empty()
    {
        return;
    }
    if !scenario.notice.is_empty() {
        ui.strong("What to notice");
        for index in 0..state.scenario.notice.len() {
            let notice = &state.scenario.notice[index];
            let verdict = evaluate_shown(state, &notice.claim);
            claim_line_ui(ui, &notice.text, &verdict);
        }
    }
    try_ui(state, ui);
    if !state.scenario.question.is_empty() {
        egui::CollapsingHeader::new("Question")
            .id_salt("worksheet_question")
            .show(ui, |ui| ui.label(&state.scenario.question));
    }
    if !state.scenario.theory.is_empty() {
        egui::CollapsingHeader::new("Theory")
            .id_salt("worksheet_theory")
            .show(ui, |ui| ui.label(&state.scenario.theory));
    }
}

/// The suggestions, each with its Try button when it has an edit, and Undo.
fn try_ui(state: &mut AppState, ui: &mut egui::Ui) {
    if state.scenario.tries.is_empty() && !state.views.worksheet.can_undo() {
        return;
    }
    let mut clicked = None;
    let mut undo = false;
    egui::CollapsingHeader::new("Try")
        .id_salt("worksheet_try")
        .show(ui, |ui| {
            for (index, suggestion) in state.scenario.tries.iter().enumerate() {
                ui.horizontal_wrapped(|ui| {
                    if suggestion.edit.is_some()
                        && ui
                            .button(format!("Try {}", index + 1))
                            .on_hover_text("Make this change to the lesson (Undo reverts it)")
                            .clicked()
                    {
                        clicked = Some(index);
                    }
                    ui.label(&suggestion.text);
                });
                let checked =
                    state.views.worksheet.applied == Some(index) || suggestion.edit.is_none();
                if let Some(claim) = suggestion.claim.as_ref().filter(|_| checked) {
                    let verdict = evaluate_shown(state, claim);
                    ui.indent(("try_claim", index), |ui| {
                        claim_line_ui(ui, "then", &verdict);
                    });
                }
            }
            if state.views.worksheet.can_undo()
                && ui
                    .button("Undo")
                    .on_hover_text("Put the lesson back as it was before the last Try")
                    .clicked()
            {
                undo = true;
            }
        });
    if let Some(index) = clicked {
        apply_try(state, index);
    } else if undo {
        undo_try(state);
    }
}

/// Applies suggestion `index`'s edit to the lesson, keeping the lesson as it was for Undo.
fn apply_try(state: &mut AppState, index: usize) {
    let Some(edit) = state
        .scenario
        .tries
        .get(index)
        .and_then(|suggestion| suggestion.edit.clone())
    else {
        return;
    };
    let before = state.scenario.clone();
    let mut edited = before.clone();
    match edit.apply(&mut edited) {
        Ok(()) => {
            state.replace_scenario(edited);
            state.views.worksheet.before_try = Some(before);
            state.views.worksheet.applied = Some(index);
        }
        Err(message) => state.error(format!("Try {}: {message}", index + 1)),
    }
}

/// Reverts the last Try edit.
fn undo_try(state: &mut AppState) {
    if let Some(before) = state.views.worksheet.before_try.take() {
        state.views.worksheet.applied = None;
        state.replace_scenario(before);
    }
}

/// Evaluates `claim` on the runs as the window holds them.
fn evaluate(state: &AppState, claim: &Claim) -> Verdict {
    let evidence = Evidence {
        scenario: &state.scenario,
        runs: state
            .runs
            .iter()
            .map(|run| &run.trace as &dyn RunHistory)
            .collect(),
        landscape: state.landscape.as_deref(),
        basin: state.views.basin.map(),
        sweep: state.views.sweep.sweep(),
        tuning: state
            .views
            .tune
            .lesson_tuning(state.scenario.tune.as_ref(), &state.scenario.runs),
    };
    evidence.evaluate(claim)
}

/// One claim: a mark, its sentence, and when it became true or what was measured instead.
fn claim_line_ui(ui: &mut egui::Ui, text: &str, verdict: &Shown) {
    let (mark, colour) = verdict_mark(ui, verdict);
    // One line per claim where it fits, so the panel's other sections stay in view.
    ui.horizontal_wrapped(|ui| {
        ui.colored_label(colour, mark);
        ui.label(text);
        if let Some(detail) = verdict_detail(verdict) {
            ui.weak(detail);
        }
    });
}

/// The checklist as the folded notes strip shows it in presentation mode: a large mark and the
/// notice's number per claim, its sentence on hover, so the class sees the claims tick while the
/// canvas keeps the width.
pub fn checklist_strip_ui(state: &AppState, ui: &mut egui::Ui) {
    for (index, notice) in state.scenario.notice.iter().enumerate() {
        let verdict = evaluate_shown(state, &notice.claim);
        let (mark, colour) = verdict_mark(ui, &verdict);
        let hover = match verdict_detail(&verdict) {
            Some(detail) => format!("{} {detail}", notice.text),
            None => notice.text.clone(),
        };
        ui.label(
            egui::RichText::new(format!("{mark} {}", index + 1))
                .color(colour)
                .size(1.4 * egui::TextStyle::Body.resolve(ui.style()).size),
        )
        .on_hover_text(hover);
    }
}

/// A claim as the window shows it: its verdict on the runs as they are. A claim over several seeds
/// needs runs the window does not make, so it shows the verdict of its inner claim on the runs'
/// own seed, marked as one seed's: the share over the seeds is `optiviz check --verify`'s.
struct Shown {
    verdict: Verdict,
    one_seed: bool,
}

fn evaluate_shown(state: &AppState, claim: &Claim) -> Shown {
    match claim {
        // The window's evidence leaves every `Seeds` claim pending: judge the one seed it has.
        Claim::Seeds { claim: inner, .. } => Shown {
            verdict: evaluate(state, inner),
            one_seed: true,
        },
        _ => Shown {
            verdict: evaluate(state, claim),
            one_seed: false,
        },
    }
}

/// A claim's mark and its colour: ○ pending, ✓ holds, ✗ fails; for one seed of a claim over
/// several, ◇ where that seed misses (the claim asks only a share of the seeds to hold).
fn verdict_mark(ui: &egui::Ui, shown: &Shown) -> (&'static str, Color32) {
    match shown.verdict {
        Verdict::Pending => ("○", ui.visuals().weak_text_color()),
        Verdict::Holds { .. } => ("✓", holds_colour(ui)),
        Verdict::Fails { .. } if shown.one_seed => ("◇", ui.visuals().weak_text_color()),
        Verdict::Fails { .. } => ("✗", ui.visuals().error_fg_color),
    }
}

/// When a claim became true, or what was measured instead; nothing while it is pending.
fn verdict_detail(shown: &Shown) -> Option<String> {
    let detail = match &shown.verdict {
        Verdict::Pending => return None,
        Verdict::Holds {
            step: Some(step), ..
        } => format!("at step {step}"),
        Verdict::Holds { measured, .. } => measured.text.clone(),
        Verdict::Fails { measured } if shown.one_seed => format!("measured {measured}"),
        Verdict::Fails { measured } => {
            return Some(format!("not with your settings: measured {measured}"));
        }
    };
    Some(if shown.one_seed {
        format!("(this seed, {detail}; the other seeds: optiviz check --verify)")
    } else {
        format!("({detail})")
    })
}

fn holds_colour(ui: &egui::Ui) -> Color32 {
    if ui.visuals().dark_mode {
        Color32::from_rgb(110, 200, 120)
    } else {
        Color32::from_rgb(20, 120, 40)
    }
}
