//! The app with the browser's files (what the web shell installs), natively with a fake page:
//! Open… asks the page's picker instead of drawing the app's own dialog, a picked or dropped preset
//! opens (a broken one says where it is wrong and keeps the scenario), Save as… and the exports
//! offer a download under the typed name with no folder to choose, and the session restores from
//! the browser's storage, keeping an unreadable autosave under a new key.
#![cfg(feature = "gui")]

use std::cell::RefCell;
use std::rc::Rc;

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use optiviz::app::{AppState, BrowserFiles, PickedFile, Prefs, initial_scenario_stored};
use optiviz::scenario;

#[path = "classroom/harness.rs"]
mod harness;

/// What the fake page saw and what it hands the app.
#[derive(Default)]
struct Page {
    pickers_opened: usize,
    picked: Vec<PickedFile>,
    downloads: Vec<(String, Vec<u8>)>,
}

struct FakeFiles(Rc<RefCell<Page>>);

impl BrowserFiles for FakeFiles {
    fn pick_preset(&mut self) {
        self.0.borrow_mut().pickers_opened += 1;
    }

    fn take_picked(&mut self) -> Vec<PickedFile> {
        std::mem::take(&mut self.0.borrow_mut().picked)
    }

    fn download(&mut self, name: &str, bytes: &[u8]) -> Result<(), String> {
        self.0
            .borrow_mut()
            .downloads
            .push((name.to_owned(), bytes.to_vec()));
        Ok(())
    }
}

fn in_browser(name: &str) -> (Harness<'static, AppState>, Rc<RefCell<Page>>) {
    let mut harness =
        harness::harness_sized(harness::lesson(name), Prefs::default(), [1280.0, 820.0]);
    let page = Rc::new(RefCell::new(Page::default()));
    harness.state_mut().browser_files = Some(Box::new(FakeFiles(page.clone())));
    harness.run_steps(1);
    (harness, page)
}

#[test]
fn open_asks_the_page_picker_and_a_picked_preset_opens() {
    let (mut harness, page) = in_browser("zigzag");
    harness.get_by_label("Open…").click();
    harness.run_steps(2);
    assert_eq!(
        page.borrow().pickers_opened,
        1,
        "Open… opened the page's picker"
    );
    assert!(
        harness.state().file_dialog.is_none(),
        "no folder dialog in the browser"
    );

    let text = std::fs::read(format!(
        "{}/presets/rosenbrock.ron",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("the lesson reads");
    page.borrow_mut()
        .picked
        .push(("rosenbrock.ron".to_owned(), Ok(text)));
    harness.state_mut().open_picked_files();
    harness.run_steps(1);
    assert_eq!(harness.state().scenario, harness::lesson("rosenbrock"));
    let notice = harness.state().notice.as_ref().expect("a notice");
    assert!(
        !notice.is_error && notice.text.contains("rosenbrock.ron"),
        "{}",
        notice.text
    );
}

#[test]
fn a_broken_picked_preset_says_where_and_keeps_the_scenario() {
    let (mut harness, page) = in_browser("zigzag");
    let before = harness.state().scenario.clone();
    page.borrow_mut().picked.push((
        "broken.ron".to_owned(),
        Ok(b"(\n  name: \"x\",\n  problem: Nope(),\n)".to_vec()),
    ));
    page.borrow_mut().picked.push((
        "unreadable.ron".to_owned(),
        Err("permission denied".to_owned()),
    ));
    harness.state_mut().open_picked_files();
    harness.run_steps(1);
    assert_eq!(harness.state().scenario, before);
    let notice = harness.state().notice.as_ref().expect("a notice");
    assert!(notice.is_error, "{}", notice.text);
    assert!(
        notice.text.contains("unreadable.ron") && notice.text.contains("permission denied"),
        "the last file's error is shown: {}",
        notice.text
    );

    page.borrow_mut().picked.push((
        "broken.ron".to_owned(),
        Ok(b"(\n  name: \"x\",\n  problem: Nope(),\n)".to_vec()),
    ));
    harness.state_mut().open_picked_files();
    let notice = harness.state().notice.as_ref().expect("a notice");
    assert!(
        notice.is_error && notice.text.starts_with("broken.ron:3:"),
        "a parse error names file:line:col: {}",
        notice.text
    );
}

#[test]
fn save_as_downloads_the_scenario_under_the_typed_name() {
    let (mut harness, page) = in_browser("zigzag");
    harness.state_mut().move_start(Some(1), [0.3, -0.2]);
    harness.run_steps(1);
    harness.get_by_label("Save as…").click();
    harness.run_steps(2);
    assert!(
        harness.query_by_label("⬆ Up").is_none(),
        "no folders to browse in the browser"
    );
    harness.get_by_label("Download").click();
    harness.run_steps(2);
    let page = page.borrow();
    let (name, bytes) = page.downloads.first().expect("a download");
    assert_eq!(name, "scenario.ron");
    let text = String::from_utf8(bytes.clone()).expect("UTF-8");
    let saved = scenario::parse(&text, name)
        .expect("the download parses")
        .scenario;
    assert_eq!(saved, harness.state().scenario);
    assert!(!harness.state().modified);
}

#[test]
fn exports_download_their_bytes() {
    let (mut harness, page) = in_browser("zigzag");
    harness
        .state_mut()
        .send_command(optiviz::engine::Command::Step(5));
    harness::run_until(&mut harness, |state| {
        state.runs[0].trace.latest().map_or(0, |sample| sample.step) >= 5
    });
    harness
        .state_mut()
        .export_csv(std::path::Path::new("/no/such/folder/runs.csv"));
    harness
        .state_mut()
        .export_png(std::path::Path::new("view.png"), [64, 48]);
    let page = page.borrow();
    let names: Vec<&str> = page
        .downloads
        .iter()
        .map(|(name, _)| name.as_str())
        .collect();
    assert_eq!(
        names,
        ["runs.csv", "view.png"],
        "downloaded under the file names alone"
    );
    let csv = String::from_utf8(page.downloads[0].1.clone()).expect("UTF-8");
    assert!(
        csv.starts_with("run,label,step"),
        "{}",
        &csv[..40.min(csv.len())]
    );
    assert!(csv.lines().count() > 5, "every sample written");
    assert_eq!(&page.downloads[1].1[1..4], b"PNG");
    let notice = harness.state().notice.as_ref().expect("a notice");
    assert_eq!(notice.text, "downloaded view.png");
}

#[test]
fn the_session_restores_from_the_browser_storage() {
    let mut edited = harness::lesson("rosenbrock");
    edited.runs[0].start = Some([-1.0, 1.5]);
    let stored = scenario::to_ron(&edited).expect("serializes");
    let (scenario, notice, writes) = initial_scenario_stored(None, Some(&stored), 1_700_000_000);
    assert_eq!(scenario, edited);
    assert!(!notice.expect("a notice").is_error);
    assert!(writes.is_empty(), "nothing to keep");

    // A link or preset wins over the autosave.
    let (scenario, _, _) = initial_scenario_stored(Some("zigzag"), Some(&stored), 0);
    assert_eq!(scenario, harness::lesson("zigzag"));
}

#[test]
fn an_unreadable_autosave_is_kept_under_a_new_key_and_the_default_opens() {
    let broken = "(name: \"half a scenario\", problem: ";
    let (scenario, notice, writes) = initial_scenario_stored(None, Some(broken), 1_700_000_000);
    assert_eq!(scenario, harness::lesson("zigzag"));
    let notice = notice.expect("a notice");
    assert!(notice.is_error, "{}", notice.text);
    assert!(
        notice
            .text
            .contains("optiviz-autosave.unreadable-1700000000"),
        "the notice names the kept copy: {}",
        notice.text
    );
    assert_eq!(
        writes,
        vec![
            (
                "optiviz-autosave.unreadable-1700000000".to_owned(),
                Some(broken.to_owned())
            ),
            ("optiviz-autosave".to_owned(), None),
        ]
    );
}

#[test]
fn autosave_goes_to_the_browser_storage_after_an_edit() {
    let (mut harness, _page) = in_browser("zigzag");
    harness.state_mut().autosave_to_storage = true;
    harness.state_mut().move_start(None, [0.5, 0.5]);
    std::thread::sleep(std::time::Duration::from_millis(900));
    harness.state_mut().autosave_if_due();
    let writes = &harness.state().storage_writes;
    let (key, value) = writes.last().expect("an autosave write");
    assert_eq!(key, "optiviz-autosave");
    let text = value.as_deref().expect("a value");
    let saved = scenario::parse(text, "autosave").expect("parses").scenario;
    assert_eq!(saved, harness.state().scenario);
}
