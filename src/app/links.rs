//! Lessons as links in the app: opening one (the PRESET argument, which the web shell fills from
//! the page's `#fragment`, a paste, Open link…) and copying the scenario as one (Copy link). The
//! encoding itself is the core's [`crate::link`].

use super::state::{AppState, Notice};
use crate::link::{self, LinkError};
use crate::scenario::Scenario;

/// The app's links: where a copied link points and the Open link… dialog's text.
#[derive(Clone, Debug, Default)]
pub struct Links {
    /// The page a copied link opens (the web shell sets the page's own address). Empty on the
    /// desktop, which knows no page: the link is then the fragment alone (`#s=1.…`), which the
    /// desktop app and any page hosting optiviz both open.
    pub base: String,
    /// The text typed or pasted into the Open link… dialog while it is open.
    pub dialog: Option<String>,
}

/// The status bar's line for a link that does not open: the first problem, and how many more.
pub fn link_error_text(error: &LinkError) -> String {
    match error {
        LinkError::Scenario(load) if load.0.len() > 1 => {
            let first = load.0.first().map(ToString::to_string).unwrap_or_default();
            format!("{first} (and {} more)", load.0.len() - 1)
        }
        _ => error.to_string(),
    }
}

/// The scenario a link given at start opens, with what the status bar says; or, when it does not
/// open, the error to show over the default lesson.
pub(super) fn initial_from_link(preset: &str) -> Result<(Scenario, Option<Notice>), Notice> {
    match link::open(preset) {
        Ok(opened) => {
            let notice = opened.loaded.warnings.first().map(|warning| Notice {
                is_error: false,
                text: warning.to_string(),
            });
            Ok((opened.loaded.scenario, notice))
        }
        Err(error) => Err(Notice {
            is_error: true,
            text: link_error_text(&error),
        }),
    }
}

/// Whether the app starts playing: `preset` is a link that asks to (`&play`) and it opened (the
/// start's notice is no error).
pub(super) fn starts_playing(preset: Option<&str>, notice: Option<&Notice>) -> bool {
    preset.is_some_and(|preset| link::is_link(preset) && link::plays(preset))
        && !notice.is_some_and(|notice| notice.is_error)
}

impl AppState {
    /// Opens the lesson or scenario of a link (a whole address or its `#fragment`), playing it if
    /// the link says `&play`. A link that does not open leaves the current scenario as it is and
    /// shows why in the status bar.
    pub fn open_link(&mut self, text: &str) {
        let opened = match link::open(text) {
            Ok(opened) => opened,
            Err(error) => {
                self.error(link_error_text(&error));
                return;
            }
        };
        let link::OpenedLink {
            loaded,
            lesson,
            play,
        } = opened;
        let what = lesson.map_or_else(
            || format!("opened {} from the link", loaded.scenario.name),
            |lesson| format!("opened the lesson {lesson} from the link"),
        );
        self.open_loaded(loaded, None, what);
        if play {
            self.play();
        }
    }

    /// The link that opens the scenario as it is now: the page's address ([`Links::base`]) with
    /// the scenario in its fragment.
    pub fn scenario_link(&self) -> Result<String, LinkError> {
        let fragment = link::encode(&self.scenario)?;
        Ok(link::with_base(&self.links.base, &fragment))
    }

    /// Copies [`Self::scenario_link`] to the clipboard and says so; a scenario too large for a
    /// link is said to be, and nothing is copied.
    pub fn copy_link(&mut self, ctx: &egui::Context) {
        match self.scenario_link() {
            Ok(text) => {
                let length = text.chars().count();
                ctx.copy_text(text);
                self.inform(format!("Link copied ({length} characters)"));
            }
            Err(error) => self.error(link_error_text(&error)),
        }
    }
}
