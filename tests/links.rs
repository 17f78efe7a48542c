//! Lessons as links (`optiviz::link`): every bundled lesson round-trips, lessons open by name,
//! `&play` is read, and links that are too long, malformed or hostile are refused with a clear
//! message; stored links of every encoding version keep opening. With the `gui` feature, the
//! window's Copy link, Ctrl+V, Open link… and the PRESET argument.

use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use optiviz::link::{self, LinkError, MAX_INFLATED, MAX_LINK};
use optiviz::presets;
use optiviz::scenario::{self, MAX_RUNS, MAX_STEPS, Scenario};

fn bundled(name: &str) -> Scenario {
    let text = presets::find(name).expect("a bundled lesson");
    scenario::parse(text, name)
        .expect("the bundled lesson loads")
        .scenario
}

/// The link fragment (`#s=1.…`) of zlib-compressed `bytes`, whatever they hold.
fn fragment_of_bytes(bytes: &[u8]) -> String {
    let compressed = miniz_oxide::deflate::compress_to_vec_zlib(bytes, 10);
    format!("#s=1.{}", URL_SAFE_NO_PAD.encode(compressed))
}

/// The message a link is refused with.
fn refusal(text: &str) -> String {
    match link::open(text) {
        Ok(opened) => panic!(
            "`{}` opened ({}) but should be refused",
            text.chars().take(80).collect::<String>(),
            opened.loaded.scenario.name
        ),
        Err(error) => error.to_string(),
    }
}

#[test]
fn every_bundled_lesson_round_trips_through_a_link_that_fits() {
    let mut longest = (0, "");
    for (name, _) in presets::EMBEDDED {
        let lesson = bundled(name);
        let fragment = link::encode(&lesson).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(fragment.starts_with("#s=1."), "{name}: {fragment}");
        let length = fragment.len() - 1;
        assert!(length <= MAX_LINK, "{name}: {length} bytes");
        // Only URL-safe characters: nothing a browser or a mail client would escape.
        assert!(
            fragment[1..]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.=".contains(c)),
            "{name}: {fragment}"
        );
        longest = longest.max((length, name));
        let opened = link::open(&fragment).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(opened.loaded.scenario, lesson, "{name}");
        assert!(opened.loaded.warnings.is_empty(), "{name}");
        assert_eq!(opened.lesson, None);
        assert!(!opened.play);
    }
    eprintln!(
        "the longest lesson link: {} ({} bytes)",
        longest.1, longest.0
    );
}

#[test]
fn every_bundled_lesson_opens_by_name() {
    for (name, _) in presets::EMBEDDED {
        let lesson = bundled(name);
        for (text, play) in [
            (format!("#lesson={name}"), false),
            (link::lesson_fragment(name, true), true),
            (
                format!("https://example.org/optiviz/#play&lesson={name}"),
                true,
            ),
            (format!("lesson={name}"), false),
        ] {
            let opened = link::open(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(opened.loaded.scenario, lesson, "{text}");
            assert_eq!(opened.lesson, Some(*name), "{text}");
            assert_eq!(opened.play, play, "{text}");
        }
    }
}

#[test]
fn play_is_read_before_or_after_the_scenario_and_in_a_whole_address() {
    let abs = bundled("abs");
    let fragment = link::encode(&abs).expect("abs fits in a link");
    let data = fragment.trim_start_matches('#');
    for (text, play) in [
        (fragment.clone(), false),
        (format!("{fragment}&play"), true),
        (format!("#play&{data}"), true),
        (format!("{data}&play"), true),
        (
            format!("https://example.org/o/index.html?x=1#{data}&play"),
            true,
        ),
        (format!("  {fragment}\n"), false),
    ] {
        let opened = link::open(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(opened.loaded.scenario, abs);
        assert_eq!(opened.play, play, "{text}");
        assert_eq!(link::plays(&text), play, "{text}");
    }
    let base = link::with_base("https://example.org/o/#lesson=zigzag", &fragment);
    assert_eq!(
        link::open(&base).expect("opens").loaded.scenario,
        abs,
        "a base's own fragment is replaced"
    );
}

/// Text that deflate cannot shrink much: letters from a fixed linear congruential generator.
fn incompressible_text(length: usize) -> String {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    (0..length)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            char::from(b'a' + ((state >> 33) % 26) as u8)
        })
        .collect()
}

#[test]
fn a_scenario_too_large_for_a_link_is_refused_not_cut() {
    let mut large = bundled("zigzag");
    large.notes = incompressible_text(12_000);
    assert!(
        scenario::validate(&large).is_empty(),
        "the large one is valid"
    );
    match link::encode(&large) {
        Err(LinkError::TooLarge { length }) => {
            assert!(length > MAX_LINK, "{length}");
            let message = LinkError::TooLarge { length }.to_string();
            assert!(message.contains("too large for a link"), "{message}");
            assert!(message.contains(&length.to_string()), "{message}");
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
    // Just under the limit it is a link, and it opens.
    large.notes = incompressible_text(5_000);
    let fragment = link::encode(&large).expect("5000 letters fit");
    assert_eq!(link::open(&fragment).expect("opens").loaded.scenario, large);
}

#[test]
fn a_link_longer_than_the_limit_is_refused_unread() {
    // Well-formed base64 of nothing that inflates: the length alone refuses it.
    let long = format!("#s=1.{}", "A".repeat(MAX_LINK));
    let message = refusal(&long);
    assert!(
        message.starts_with("link: ") && message.contains(&format!("{MAX_LINK}")),
        "{message}"
    );
    assert!(message.contains("characters long"), "{message}");
    // At the limit it is read (and refused for what it holds, not for its length).
    let at_limit = format!("#s=1.{}", "A".repeat(MAX_LINK - 4));
    assert_eq!(at_limit.len() - 1, MAX_LINK);
    assert!(!refusal(&at_limit).contains("characters long"));
}

#[test]
fn malformed_links_are_refused_with_what_is_wrong() {
    let zigzag = link::encode(&bundled("zigzag")).expect("zigzag fits");
    let compressed = URL_SAFE_NO_PAD
        .decode(zigzag.trim_start_matches("#s=1."))
        .expect("its own encoding decodes");
    let truncated = format!(
        "#s=1.{}",
        URL_SAFE_NO_PAD.encode(&compressed[..compressed.len() / 2])
    );
    let mut changed = compressed.clone();
    if let Some(last) = changed.last_mut() {
        *last ^= 0x5a;
    }
    let checksum = format!("#s=1.{}", URL_SAFE_NO_PAD.encode(&changed));
    let cases: &[(&str, &str)] = &[
        ("#s=1.ab!cd", "does not decode as base64url"),
        ("#s=1.A", "does not decode as base64url"),
        (&truncated, "cut short"),
        (&checksum, "checksum does not match"),
        ("#s=1.AAAA", "not zlib-compressed"),
        ("#s=2.eNqrrgUAAXUA-Q", "encoding version 2"),
        ("#s=99999999999.AAAA", "not a whole number"),
        ("#s=v1.AAAA", "not a whole number"),
        ("#s=AAAA", "no encoding version"),
        ("#s", "`s` needs a value"),
        ("#lesson", "`lesson` needs a value"),
        ("#play=yes&lesson=zigzag", "`play` takes no value"),
        ("#lesson=zigzag&play&play", "`play` is given twice"),
        ("#lesson=zigzag&lesson=abs", "more than one scenario"),
        ("#lesson=zigzag&s=1.AAAA", "more than one scenario"),
        ("#foo=1", "unknown key `foo`"),
        ("#lesson=zigzag&autorun", "unknown key `autorun`"),
        ("#bench", "unknown key `bench`"),
        ("", "the link is empty"),
        ("#", "the link is empty"),
        ("  #  ", "the link is empty"),
        ("#play", "names no lesson"),
        (
            "#lesson=no_such_lesson",
            "no bundled lesson is named `no_such_lesson`",
        ),
        // A lesson is a bundled name only, never a file.
        (
            "#lesson=../presets/zigzag.ron",
            "no bundled lesson is named",
        ),
        ("#lesson=/etc/passwd", "no bundled lesson is named"),
        ("https://example.org/optiviz/", "has no #fragment"),
    ];
    for (text, expected) in cases {
        let message = refusal(text);
        assert!(
            message.starts_with("link: "),
            "`{text}` gave `{message}`, not a link's message"
        );
        assert!(
            message.contains(expected),
            "`{text}` gave `{message}`, expected it to say `{expected}`"
        );
    }
    // A hostile key is quoted short.
    let message = refusal(&format!("#{}=1", "k".repeat(10_000)));
    assert!(message.len() < 200, "{message}");
}

#[test]
fn scenario_text_that_does_not_parse_is_refused_at_its_line_and_column() {
    // Not UTF-8: the position of the first bad byte, as for a preset file.
    let message = refusal(&fragment_of_bytes(b"Scenario(\n  name: \"caf\xe9\",\n)"));
    assert!(message.starts_with("link:2:"), "{message}");
    assert!(message.contains("not UTF-8"), "{message}");
    // A syntax error: ron's position, as for a preset file.
    let text = "Scenario(\n    name: \"broken\",\n    steps: ,\n)\n";
    let message = refusal(&fragment_of_bytes(text.as_bytes()));
    let file = scenario::parse(text, "link").expect_err("the text does not parse");
    assert_eq!(message, file.to_string(), "the same words as a preset file");
    assert!(message.starts_with("link:3:12: "), "{message}");
    // Deep nesting stops at the parser's recursion limit, with a position, without a crash.
    let deep = format!("Scenario(name: {}", "[".repeat(100_000));
    let message = refusal(&fragment_of_bytes(deep.as_bytes()));
    assert!(message.starts_with("link:1:"), "{message}");
}

#[test]
fn an_invalid_scenario_is_refused_with_the_validation_message() {
    let text = presets::find("zigzag")
        .expect("zigzag")
        .replace("steps: 200,", "steps: 0,")
        .replace("Sgd(lr: 0.0198)", "Sgd(lr: -1.0)");
    let message = refusal(&fragment_of_bytes(text.as_bytes()));
    let file = scenario::parse(&text, "link").expect_err("the text does not validate");
    assert_eq!(message, file.to_string());
    let steps_line = text
        .lines()
        .position(|line| line.contains("steps: 0"))
        .expect("the line")
        + 1;
    assert!(
        message.contains(&format!(
            "link:{steps_line}:12: steps must be between 1 and"
        )),
        "{message}"
    );
    assert!(message.contains("lr"), "{message}");
    // An unknown field is an error in a current version's text, as in a file.
    let unknown =
        presets::find("abs")
            .expect("abs")
            .replacen("steps:", "autorun: true,\n    steps:", 1);
    let message = refusal(&fragment_of_bytes(unknown.as_bytes()));
    assert!(message.contains("unknown field `autorun`"), "{message}");
}

#[test]
fn a_deflate_bomb_is_refused_at_the_inflate_limit_quickly() {
    // Six million spaces inside a valid start: a link of under 8 KiB that would inflate to 6 MB.
    let mut bomb = b"Scenario(name: \"".to_vec();
    bomb.resize(bomb.len() + 6_000_000, b' ');
    let fragment = fragment_of_bytes(&bomb);
    assert!(
        fragment.len() - 1 <= MAX_LINK,
        "the bomb must pass the length check to test the inflate limit: {} bytes",
        fragment.len() - 1
    );
    let start = Instant::now();
    let message = refusal(&fragment);
    let elapsed = start.elapsed();
    assert!(
        message.contains(&format!(
            "inflates to more than {} KiB",
            MAX_INFLATED / 1024
        )),
        "{message}"
    );
    assert!(elapsed < Duration::from_secs(1), "took {elapsed:?}");
    eprintln!(
        "a {}-byte bomb of 6 MB refused in {elapsed:?}",
        fragment.len()
    );
}

/// The heaviest scenarios validation allows: every count at its limit.
fn heaviest_scenarios() -> Vec<(&'static str, String)> {
    let runs = |optimizer: &str| -> String {
        (0..MAX_RUNS)
            .map(|i| {
                format!("        Run(label: \"run {i}\", optimizer: {optimizer}, seed: {i}),\n")
            })
            .collect()
    };
    // 2·512 + 512 + 512·384 + 384 + 384 + 1 = 198 913 parameters of the 200 000 allowed.
    let network = format!(
        "Scenario(\n    version: 2,\n    name: \"heaviest network\",\n    problem: Mlp(\n        widths: [2, 512, 384, 1],\n        activation: Tanh,\n        loss: Mse,\n        data: Moons(n: 100000, noise: 0.1),\n        seed: 0,\n    ),\n    steps: {MAX_STEPS},\n    sharpness_every: 1,\n    runs: [\n{}    ],\n)\n",
        runs("Adam(lr: 0.001)")
    );
    let landscape = format!(
        "Scenario(\n    version: 2,\n    name: \"heaviest landscape\",\n    problem: Landscape(Rastrigin()),\n    steps: {MAX_STEPS},\n    basin: (run: 0, resolution: 1024, steps: 100000),\n    sweep: (run: 0, axes: ((name: \"lr\", range: (0.0001, 1.0), count: 512, log_scale: true), (name: \"momentum\", range: (0.0, 0.99), count: 512, log_scale: false)), budget_evals: 1000000),\n    runs: [\n{}    ],\n)\n",
        runs("Sgd(lr: 0.001, momentum: 0.9)")
    );
    vec![("network", network), ("landscape", landscape)]
}

#[test]
fn the_heaviest_valid_scenarios_load_quickly_and_one_more_is_refused() {
    for (name, text) in heaviest_scenarios() {
        let expected = scenario::parse(&text, name)
            .unwrap_or_else(|e| panic!("the heaviest {name} scenario must validate: {e}"))
            .scenario;
        let fragment = fragment_of_bytes(text.as_bytes());
        assert!(fragment.len() - 1 <= MAX_LINK, "{name}: {}", fragment.len());
        let start = Instant::now();
        let opened = link::open(&fragment).unwrap_or_else(|e| panic!("{name}: {e}"));
        let elapsed = start.elapsed();
        assert_eq!(opened.loaded.scenario, expected);
        assert_eq!(opened.loaded.scenario.runs.len(), MAX_RUNS);
        // Opening reads and checks; it builds and runs nothing (100 000 samples, 10⁸ steps).
        assert!(elapsed < Duration::from_millis(500), "{name}: {elapsed:?}");
        eprintln!(
            "the heaviest {name} scenario: a {}-byte link, opened in {elapsed:?}",
            fragment.len()
        );
        // One step or one run past the limits is refused with the validation message.
        let more_steps = text.replace(
            &format!("steps: {MAX_STEPS},"),
            &format!("steps: {},", MAX_STEPS + 1),
        );
        let message = refusal(&fragment_of_bytes(more_steps.as_bytes()));
        assert!(message.contains("steps must be between"), "{message}");
        let more_runs = text.replace(
            "        Run(label: \"run 0\"",
            "        Run(label: \"one too many\"),\n        Run(label: \"run 0\"",
        );
        let message = refusal(&fragment_of_bytes(more_runs.as_bytes()));
        assert!(
            message.contains(&format!("at most {MAX_RUNS} runs")),
            "{message}"
        );
    }
}

#[test]
fn stored_links_of_every_encoding_version_keep_opening() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/links");
    let index = std::fs::read_to_string(format!("{dir}/stored.txt")).expect("stored.txt reads");
    let mut versions = std::collections::BTreeSet::new();
    let mut count = 0;
    for line in index
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let mut fields = line.split(' ');
        let (Some(expected), Some(play), Some(text), None) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            panic!("a stored link's line is EXPECTED PLAY LINK: {line}");
        };
        let opened = link::open(text).unwrap_or_else(|e| panic!("{expected}: {e}"));
        assert_eq!(opened.play, play == "play", "{expected}");
        if let Some(lesson) = expected.strip_prefix("lesson:") {
            assert_eq!(opened.lesson, Some(lesson));
            assert_eq!(opened.loaded.scenario, bundled(lesson));
        } else {
            let file = std::path::Path::new(dir).join(expected);
            let stored = scenario::load(&file)
                .unwrap_or_else(|e| panic!("{e}"))
                .scenario;
            assert_eq!(opened.loaded.scenario, stored, "{expected}");
            let version = text
                .split_once("s=")
                .and_then(|(_, payload)| payload.split_once('.'))
                .map(|(version, _)| version.to_owned())
                .expect("a stored scenario link has a version");
            versions.insert(version);
        }
        count += 1;
    }
    assert!(count >= 7, "{count} stored links");
    let expected: std::collections::BTreeSet<String> =
        (1..=link::ENCODING).map(|v| v.to_string()).collect();
    assert_eq!(
        versions, expected,
        "a stored link of every encoding version"
    );
}

/// The app in a kittest harness, shared with the classroom tests.
#[cfg(feature = "gui")]
#[path = "classroom/harness.rs"]
mod harness;

/// The window: Copy link, a pasted link, Open link… and the PRESET argument.
#[cfg(feature = "gui")]
mod window {
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable;
    use optiviz::app::{AppState, OptivizApp, Prefs};
    use optiviz::link;

    use super::{bundled, harness};

    fn window_on(name: &str) -> Harness<'static, AppState> {
        harness::harness_sized(bundled(name), Prefs::default(), [1600.0, 900.0])
    }

    /// The text the frames copied to the clipboard, stepping until one does.
    fn copied_text(harness: &mut Harness<'static, AppState>) -> Option<String> {
        for _ in 0..5 {
            harness.step();
            let copied =
                harness.output().platform_output.commands.iter().find_map(
                    |command| match command {
                        egui::OutputCommand::CopyText(text) => Some(text.clone()),
                        _ => None,
                    },
                );
            if copied.is_some() {
                return copied;
            }
        }
        None
    }

    #[test]
    fn copy_link_puts_a_link_that_opens_the_same_scenario_on_the_clipboard() {
        let mut harness = window_on("rosenbrock");
        // An edit the lesson does not have, so the link carries the scenario, not a name.
        harness.state_mut().set_step_budget(321);
        harness.run_steps(1);
        harness.get_by_label("Copy link").click();
        let copied = copied_text(&mut harness).expect("Copy link copies");
        assert!(copied.starts_with("#s=1."), "{copied}");
        let opened = link::open(&copied).expect("the copied link opens");
        assert_eq!(opened.loaded.scenario, harness.state().scenario);
        assert_eq!(opened.loaded.scenario.steps, 321);
        let notice = harness.state().notice.clone().expect("a notice");
        assert!(!notice.is_error);
        assert_eq!(
            notice.text,
            format!("Link copied ({} characters)", copied.chars().count())
        );
    }

    #[test]
    fn copy_link_uses_the_page_address_when_one_is_known() {
        let mut harness = window_on("abs");
        harness.state_mut().links.base = "https://example.org/optiviz/#lesson=zigzag".to_owned();
        harness.get_by_label("Copy link").click();
        let copied = copied_text(&mut harness).expect("Copy link copies");
        assert!(
            copied.starts_with("https://example.org/optiviz/#s=1."),
            "{copied}"
        );
        assert_eq!(
            link::open(&copied).expect("opens").loaded.scenario,
            bundled("abs")
        );
    }

    #[test]
    fn copy_link_says_when_the_scenario_is_too_large_and_copies_nothing() {
        let mut large = bundled("zigzag");
        large.notes = super::incompressible_text(12_000);
        let mut harness = harness::harness_sized(large, Prefs::default(), [1600.0, 900.0]);
        harness.get_by_label("Copy link").click();
        assert_eq!(copied_text(&mut harness), None);
        let notice = harness.state().notice.clone().expect("a notice");
        assert!(notice.is_error);
        assert!(
            notice.text.contains("too large for a link"),
            "{}",
            notice.text
        );
    }

    #[test]
    fn a_pasted_link_opens_and_plays_and_a_bad_one_keeps_the_lesson() {
        let mut harness = window_on("zigzag");
        let fragment = link::encode(&bundled("lasso")).expect("lasso fits");
        harness.event(egui::Event::Paste(format!(
            "https://example.org/optiviz/{fragment}&play\n"
        )));
        harness.run_steps(2);
        assert_eq!(harness.state().scenario, bundled("lasso"));
        assert!(harness.state().playing, "&play plays");
        harness.state_mut().pause();
        // A bad link: the lesson stays, the status bar says what is wrong.
        harness.event(egui::Event::Paste("#lesson=nope".to_owned()));
        harness.run_steps(2);
        assert_eq!(harness.state().scenario, bundled("lasso"));
        let notice = harness.state().notice.clone().expect("a notice");
        assert!(notice.is_error);
        assert!(
            notice.text.starts_with("link: no bundled lesson"),
            "{}",
            notice.text
        );
        // Pasted text that is no link is left alone.
        harness.event(egui::Event::Paste("hello".to_owned()));
        harness.run_steps(2);
        assert_eq!(harness.state().scenario, bundled("lasso"));
    }

    #[test]
    fn a_pasted_link_asks_before_discarding_edits() {
        let mut harness = window_on("zigzag");
        harness.state_mut().set_step_budget(77);
        harness.run_steps(1);
        harness.event(egui::Event::Paste("#lesson=abs".to_owned()));
        harness.run_steps(2);
        assert!(
            harness
                .query_by_label_contains("Discard your changes")
                .is_some()
        );
        assert!(
            harness
                .query_by_label_contains("the lesson in the link")
                .is_some()
        );
        harness.get_by_label("Switch").click();
        harness.run_steps(2);
        assert_eq!(harness.state().scenario, bundled("abs"));
    }

    #[test]
    fn open_link_takes_a_pasted_link() {
        let mut harness = window_on("zigzag");
        harness.get_by_label("Open link…").click();
        harness.run_steps(2);
        let fragment = link::encode(&bundled("projected")).expect("projected fits");
        // Ctrl+V into the dialog's field, which has the focus: the field takes the paste.
        harness.event(egui::Event::Paste(fragment));
        harness.run_steps(1);
        assert_eq!(
            harness.state().scenario,
            bundled("zigzag"),
            "not yet opened"
        );
        harness.get_by_label("Open").click();
        harness.run_steps(2);
        assert_eq!(harness.state().scenario, bundled("projected"));
        assert!(harness.state().links.dialog.is_none(), "the dialog closes");
        assert!(!harness.state().playing);
    }

    fn app_opening(preset: &str) -> OptivizApp {
        let cc = eframe::CreationContext::_new_kittest(egui::Context::default());
        OptivizApp::new(&cc, Some(preset), false)
    }

    #[test]
    fn the_preset_argument_opens_a_link_and_plays_when_it_says_so() {
        let app = app_opening("#lesson=newton_basins&play");
        assert_eq!(app.state.scenario, bundled("newton_basins"));
        assert!(app.state.playing);
        assert!(app.state.file.is_none());
        let fragment = link::encode(&bundled("warmup")).expect("warmup fits");
        let app = app_opening(&format!("https://example.org/optiviz/{fragment}"));
        assert_eq!(app.state.scenario, bundled("warmup"));
        assert!(!app.state.playing);
        // A bad link opens the default lesson, says why, and does not play.
        let app = app_opening("#s=1.AAAA&play");
        assert_eq!(app.state.scenario, bundled(optiviz::presets::DEFAULT));
        assert!(!app.state.playing);
        let notice = app.state.notice.clone().expect("a notice");
        assert!(notice.is_error);
        assert!(notice.text.starts_with("link: "), "{}", notice.text);
        // The same through the start's own function, which the web shell shares.
        let (scenario, file, notice) = optiviz::app::initial_scenario(Some("#lesson=abs"), None);
        assert_eq!(scenario, bundled("abs"));
        assert!(file.is_none() && notice.is_none());
    }
}
