use super::harness;
#[allow(unused_imports)]
use harness::*;

use egui::Pos2;
use egui_kittest::kittest::{NodeT, Queryable};
use optiviz::app::AppState;
use optiviz::engine::RunStatus;
use optiviz::landscape::{LandscapeConfig, StationaryKind, symmetric_eigenvalues};
use optiviz::render::palette::{
    self, BASIN_PALETTE, Dash, RUN_COLOURS, Vision, ciede2000, contrast_ratio, lab_seen,
    min_pairwise_difference,
};
use optiviz::scenario::RunConfig;
use optiviz::ui::palette::{Emphasis, run_colour, run_dash, run_emphasis};

/// The first six default colours of a theme, as the app draws them.
fn first_six(dark: bool) -> Vec<[u8; 3]> {
    let config = RunConfig::default();
    (0..RUN_COLOURS)
        .map(|index| {
            let [r, g, b, _] = run_colour(&config, index, dark).to_array();
            [r, g, b]
        })
        .collect()
}

/// egui's plot background of a theme (egui_plot fills the plot with `extreme_bg_color`).
fn plot_background(dark: bool) -> [u8; 3] {
    let visuals = if dark {
        egui::Visuals::dark()
    } else {
        egui::Visuals::light()
    };
    let [r, g, b, _] = visuals.extreme_bg_color.to_array();
    [r, g, b]
}

/// Item 6: every theme's first six run colours stand out from its plot background (WCAG 3:1) and
/// from each other (ΔE₀₀ ≥ 20 in normal vision, ≥ 10 for deuteranopes and protanopes).
#[test]
fn the_run_palettes_are_legible_and_distinct_for_every_eye() {
    for dark in [true, false] {
        let colours = first_six(dark);
        let background = plot_background(dark);
        assert_eq!(background, palette::plot_background(dark));
        for colour in &colours {
            let ratio = contrast_ratio(*colour, background);
            assert!(
                ratio >= 3.0,
                "dark {dark}: {colour:?} has contrast {ratio:.2}"
            );
        }
        for (vision, least) in [
            (Vision::Normal, 20.0),
            (Vision::Deuteranopia, 10.0),
            (Vision::Protanopia, 10.0),
        ] {
            let smallest = min_pairwise_difference(&colours, vision);
            assert!(
                smallest >= least,
                "dark {dark}, {vision:?}: two run colours differ by ΔE00 {smallest:.1} < {least}"
            );
        }
    }
}

/// Item 6: the colour difference itself is right — Sharma, Wu & Dalal (2005), Table 1.
#[test]
fn ciede2000_matches_sharmas_published_test_pairs() {
    let pairs: [([f64; 3], [f64; 3], f64); 8] = [
        ([50.0, 2.6772, -79.7751], [50.0, 0.0, -82.7485], 2.0425),
        ([50.0, 3.1571, -77.2803], [50.0, 0.0, -82.7485], 2.8615),
        ([50.0, 0.0, 0.0], [50.0, -1.0, 2.0], 2.3669),
        ([50.0, 2.49, -0.001], [50.0, -2.49, 0.0011], 7.2195),
        ([50.0, 2.5, 0.0], [73.0, 25.0, -18.0], 27.1492),
        ([50.0, 2.5, 0.0], [56.0, -27.0, -3.0], 31.9030),
        (
            [60.2574, -34.0099, 36.2677],
            [60.4626, -34.1751, 39.4387],
            1.2644,
        ),
        (
            [2.0776, 0.0795, -1.1350],
            [0.9033, -0.0636, -0.5514],
            0.9082,
        ),
    ];
    for (lab1, lab2, expected) in pairs {
        let forward = ciede2000(lab1, lab2);
        let backward = ciede2000(lab2, lab1);
        assert!(
            (forward - expected).abs() < 5e-5,
            "{lab1:?} {lab2:?}: {forward} ≠ {expected}"
        );
        assert!((backward - expected).abs() < 5e-5, "symmetric: {backward}");
    }
    // And the simulation is not the identity: red and green nearly merge for a deuteranope.
    let (red, green) = ([213, 94, 0], [0, 158, 115]);
    let normal = ciede2000(
        lab_seen(red, Vision::Normal),
        lab_seen(green, Vision::Normal),
    );
    let deutan = ciede2000(
        lab_seen(red, Vision::Deuteranopia),
        lab_seen(green, Vision::Deuteranopia),
    );
    assert!(deutan < 0.6 * normal, "{deutan} vs {normal}");
}

/// Item 6: two runs that share a colour (the palette repeats after six) never share a dash
/// pattern, over 24 runs, and a dashed run's stroke is drawn as dashes.
#[test]
fn runs_beyond_six_differ_by_dash() {
    let config = RunConfig::default();
    for dark in [true, false] {
        for a in 0..24 {
            for b in a + 1..24 {
                let same_colour = run_colour(&config, a, dark) == run_colour(&config, b, dark);
                assert!(
                    !(same_colour && run_dash(a) == run_dash(b)),
                    "runs {a} and {b} look alike"
                );
            }
        }
    }
    assert_eq!(run_dash(0), Dash::Solid);
    assert_ne!(run_dash(6), Dash::Solid);
    let line: Vec<Pos2> = (0..50).map(|i| Pos2::new(4.0 * i as f32, 0.0)).collect();
    let stroke = egui::Stroke::new(2.0, egui::Color32::RED);
    let clip = egui::Rect::from_min_size(Pos2::new(-10.0, -10.0), egui::vec2(400.0, 20.0));
    let solid = optiviz::ui::palette::dashed_path(&line, stroke, run_dash(0), clip);
    let dashed = optiviz::ui::palette::dashed_path(&line, stroke, run_dash(6), clip);
    assert_eq!(solid.len(), 1);
    assert!(dashed.len() > 5, "{} pieces", dashed.len());
    // A preset's own colour still wins over the palette.
    let own = RunConfig {
        colour: Some([1, 2, 3]),
        ..RunConfig::default()
    };
    assert_eq!(run_colour(&own, 0, true), egui::Color32::from_rgb(1, 2, 3));
}

/// Item 6: basin maps and singular values use colours apart from the runs'.
#[test]
fn basin_and_sigma_colours_are_not_run_colours() {
    let runs: Vec<[u8; 3]> = first_six(true)
        .into_iter()
        .chain(first_six(false))
        .collect();
    for basin in BASIN_PALETTE {
        for run in &runs {
            let difference = ciede2000(
                lab_seen(basin, Vision::Normal),
                lab_seen(*run, Vision::Normal),
            );
            assert!(
                difference >= 15.0,
                "basin {basin:?} vs run {run:?}: {difference:.1}"
            );
        }
    }
    for dark in [true, false] {
        for index in 0..4 {
            let [r, g, b] = palette::sigma_colour(index, 4, dark);
            assert!(r == g && g == b, "σ colours are greys");
            assert!(contrast_ratio([r, g, b], plot_background(dark)) >= 3.0);
        }
    }
}

/// The app on `name`, its solver run until `done`.
fn lesson_run_until(
    name: &str,
    screen: (f32, f32, f32),
    done: impl Fn(&AppState) -> bool,
) -> egui_kittest::Harness<'static, AppState> {
    let mut harness = harness_on_screen(lesson(name), screen, false);
    harness.state_mut().play();
    run_until(&mut harness, done);
    harness.run_steps(3);
    harness
}

fn steps_done(state: &AppState, at_least: u64) -> bool {
    state.runs.iter().all(|run| {
        !run.trace.status.is_running() || run.trace.latest().is_some_and(|s| s.step >= at_least)
    })
}

/// Item 6: hovering a path highlights its run (drawn last, the others faded); moving away clears
/// it; the selected run is drawn over the unselected ones.
#[test]
fn hovering_a_path_highlights_that_run() {
    let mut harness = lesson_run_until("zigzag", SCREENS[0], |state| steps_done(state, 30));
    let state = harness.state();
    let target = 1;
    // The point of run 1's path farthest from every other run's path, inside the view.
    let view = &state.views.landscape;
    let frame = view.plot_rect().expect("drawn");
    let screen_path = |run: usize| -> Vec<Pos2> {
        state.runs[run]
            .trace
            .path(4000)
            .filter_map(|p| view.screen_from_world(p))
            .collect()
    };
    let others: Vec<Pos2> = (0..state.runs.len())
        .filter(|&run| run != target)
        .flat_map(screen_path)
        .collect();
    let at = screen_path(target)
        .into_iter()
        .filter(|p| frame.shrink(10.0).contains(*p))
        .max_by(|a, b| {
            let clearance = |p: &Pos2| {
                others
                    .iter()
                    .map(|o| o.distance(*p))
                    .fold(f32::INFINITY, f32::min)
            };
            clearance(a).total_cmp(&clearance(b))
        })
        .expect("run 1 is on screen");
    assert!(frame.contains(at));
    assert_eq!(state.hovered_run, None);
    // A lesson opens with no run emphasised, so its own drawing order shows every path.
    assert_eq!(run_emphasis(state, state.selected_run), Emphasis::Normal);
    harness.hover_at(at);
    harness.run_steps(3);
    let state = harness.state();
    assert_eq!(state.hovered_run, Some(target));
    assert_eq!(run_emphasis(state, target), Emphasis::Hovered);
    let other = (0..state.runs.len()).find(|&i| i != target && i != state.selected_run);
    if let Some(other) = other {
        assert_eq!(run_emphasis(state, other), Emphasis::Faded);
        assert!(Emphasis::Hovered.layer() > Emphasis::Faded.layer());
    }
    assert!(Emphasis::Selected.layer() > Emphasis::Normal.layer());
    // Off the plot, the canvas lets go of the hover.
    harness.hover_at(Pos2::new(2.0, 2.0));
    harness.run_steps(3);
    assert_eq!(harness.state().hovered_run, None);
    // A run the user picks is drawn on top and highlighted.
    harness.state_mut().select_run(target);
    harness.run_steps(2);
    assert_eq!(run_emphasis(harness.state(), target), Emphasis::Selected);
    assert_eq!(run_emphasis(harness.state(), 0), Emphasis::Normal);
}

/// Item 7: `projected` draws its box, ℓ₂ ball and ℓ₁ ball where the sets are.
#[test]
fn the_constraint_sets_are_drawn_on_projected() {
    for screen in [SCREENS[0], SCREENS[3]] {
        let harness = lesson_run_until("projected", screen, |state| steps_done(state, 5));
        let state = harness.state();
        let view = &state.views.landscape;
        let to_screen = |p: [f64; 2]| view.screen_from_world(p).expect("drawn");
        let sets = &view.drawn().constraint_sets;
        let runs: Vec<usize> = sets.iter().map(|(run, _)| *run).collect();
        assert_eq!(runs, vec![1, 2, 3], "the plain GD run has no set");
        // The box: lo (−1, −1), hi (2, 0.5).
        let corners = &sets[0].1;
        assert_eq!(corners.len(), 4);
        for (drawn, world) in
            corners
                .iter()
                .zip([[-1.0, -1.0], [2.0, -1.0], [2.0, 0.5], [-1.0, 0.5]])
        {
            assert!(
                drawn.distance(to_screen(world)) < 0.5,
                "{drawn:?} vs {world:?}"
            );
        }
        // The ℓ₂ ball of radius 1 about 0: every outline point one unit from the centre.
        let centre = to_screen([0.0, 0.0]);
        let unit = to_screen([1.0, 0.0]).distance(centre);
        assert!(sets[1].1.len() >= 32);
        for point in &sets[1].1 {
            assert!((point.distance(centre) - unit).abs() < 0.5);
        }
        // The ℓ₁ ball of radius 0.78: its corners on the axes.
        let tip = to_screen([0.0, 0.78]);
        assert!(sets[2].1.iter().any(|p| p.distance(tip) < 0.5));
    }
}

/// Item 7: saddle_escape marks its saddle at the origin; every landscape's listed saddles and
/// maxima are stationary points of that kind.
#[test]
fn saddles_and_maxima_are_marked() {
    let harness = lesson_run_until("saddle_escape", SCREENS[2], |state| steps_done(state, 2));
    let view = &harness.state().views.landscape;
    let origin = view.screen_from_world([0.0, 0.0]).expect("drawn");
    let marks = &view.drawn().stationary_points;
    assert!(
        marks
            .iter()
            .any(|(kind, at)| *kind == StationaryKind::Saddle && at.distance(origin) < 0.5),
        "{marks:?}"
    );
    let mut maxima = 0;
    for config in LandscapeConfig::catalog() {
        let landscape = config.build();
        for stationary in landscape.saddles_and_maxima() {
            let (_, gradient) = landscape.value_and_gradient(stationary.point);
            assert!(gradient[0].hypot(gradient[1]) < 1e-8, "{}", config.name());
            let [low, high] = symmetric_eigenvalues(landscape.hessian(stationary.point));
            match stationary.kind {
                StationaryKind::Saddle => assert!(low <= 0.0 && high >= 0.0, "{}", config.name()),
                StationaryKind::Maximum => {
                    maxima += 1;
                    assert!(high < 0.0, "{}", config.name());
                }
            }
        }
    }
    assert!(maxima >= 1, "Himmelblau's maximum is listed");
}

/// Item 7: a run that diverged far off the view keeps its label and reason inside the view.
#[test]
fn a_diverged_runs_label_lies_inside_the_view() {
    let run = 2; // "lr 0.21 (just above 2/λmax)", which diverges by step 170.
    for screen in [SCREENS[0], SCREENS[3]] {
        let harness = lesson_run_until("step_size", screen, |state| {
            matches!(state.runs[run].trace.status, RunStatus::Diverged { .. })
        });
        let state = harness.state();
        let view = &state.views.landscape;
        let frame = view.plot_rect().expect("drawn");
        let last = state.runs[run]
            .trace
            .path(4000)
            .last()
            .expect("a finite point");
        let last_on_screen = view.screen_from_world(last).expect("drawn");
        assert!(!frame.contains(last_on_screen), "the run left the view");
        let labels = &view.drawn().diverged_labels;
        let (_, rect) = labels
            .iter()
            .find(|(index, _)| *index == run)
            .expect("the diverged run is labelled");
        assert!(frame.contains_rect(*rect), "{rect:?} not inside {frame:?}");
        assert!(rect.width() > 20.0);
    }
    // The placement itself: far off to the right and above, the label sits in the corner.
    let frame = egui::Rect::from_min_size(Pos2::ZERO, egui::vec2(400.0, 300.0));
    let rect = optiviz::ui::landscape_view::label_rect(
        frame,
        Pos2::new(1e9, -1e9),
        egui::vec2(120.0, 16.0),
    );
    assert!(frame.contains_rect(rect));
    assert!(rect.max.x > 390.0 && rect.min.y < 10.0, "{rect:?}");
}

/// Item 7: on a game the Field checkbox, which could not turn the field off, is disabled and
/// says why; elsewhere it works.
#[test]
fn field_on_a_game_is_explained_not_dead() {
    let harness = harness_on_screen(lesson("games"), SCREENS[0], false);
    let field = harness.get_by_label("Field");
    assert!(
        field.accesskit_node().is_disabled(),
        "Field on a game is disabled"
    );
    let mut harness = harness_on_screen(lesson("zigzag"), SCREENS[0], false);
    let before = harness.state().prefs.field;
    assert!(!harness.get_by_label("Field").accesskit_node().is_disabled());
    harness.get_by_label("Field").click();
    harness.run_steps(2);
    assert_ne!(harness.state().prefs.field, before);
}

/// A claim over several seeds cannot be settled live (the window runs one seed): once the runs are
/// done it shows its inner claim's verdict on the runs' own seed and says so, instead of a ○ that
/// never ticks (saddle_escape's noisy escape, "whatever the seed").
#[test]
fn a_claim_over_seeds_shows_this_seeds_verdict_once_the_runs_are_done() {
    let mut harness = lesson_run_until("saddle_escape", SCREENS[0], |state| {
        state.runs.iter().all(|run| !run.trace.status.is_running())
    });
    harness.run_steps(2);
    // The detail beside the sentence: when it held on this seed, and who checks the others.
    harness.get_by_label_contains("(this seed, at step");
    harness.get_by_label_contains("the other seeds: optiviz check --verify)");
}
