//! Lessons as links: a scenario in a URL's fragment, so that a lecturer can send a lesson as a
//! link that the browser build and the desktop app both open.
//!
//! A fragment is `&`-separated `key=value` parts:
//!
//! - `lesson=NAME` names a bundled lesson ([`crate::presets`]): only a bundled name, never a file.
//! - `s=VERSION.DATA` carries a whole scenario. The version says how DATA is encoded, so a later
//!   encoding can be added while every older link keeps opening. Version 1 ([`ENCODING`]): DATA is
//!   base64url without padding (RFC 4648 §5) of zlib (RFC 1950: deflate, RFC 1951, with an
//!   Adler-32 checksum, so a link cut or changed in transit is refused rather than misread) of the
//!   scenario's preset text as [`crate::scenario::to_ron`] writes it.
//! - `play`, beside either, starts playing when the link opens.
//!
//! `#lesson=zigzag&play`, `#s=1.eNq…`, and a whole URL such as
//! `https://example.org/optiviz/#s=1.eNq…` all open; so does a fragment without its `#`.
//!
//! A link is data and is bounded before it is read: a fragment longer than [`MAX_LINK`] bytes is
//! refused unread, the scenario may inflate to at most [`MAX_INFLATED`] bytes (a deflate bomb
//! stops there, it is never allocated in full), and the text is parsed and validated like any
//! preset ([`crate::scenario::parse`]), so a link holds nothing that runs and nothing the app
//! could not open from a file. Errors say what is wrong: `link: …`, or `link:LINE:COL: …` at the
//! place in the scenario's text, as for a bad preset file.

use std::fmt;

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use crate::scenario::{self, Diagnostic, LoadError, Loaded, Position, Scenario, Severity};

/// The most bytes a link's fragment (after the `#`) may hold: what every browser, chat program
/// and mail client keeps intact.
pub const MAX_LINK: usize = 8 * 1024;
/// The most bytes a link's scenario text may inflate to: ten times the largest bundled lesson's
/// text, and far below what a deflate bomb of [`MAX_LINK`] bytes would inflate to (about 6 MB).
pub const MAX_INFLATED: usize = 256 * 1024;
/// The encoding [`encode`] writes (see the module's doc); every version up to it opens.
pub const ENCODING: u32 = 1;
/// The name diagnostics give a link's scenario text, in the place of a file name.
pub const SOURCE: &str = "link";

/// How much of a word from a link an error quotes: a hostile link's long word stays short.
const QUOTED: usize = 40;
/// zlib's best compression level in miniz_oxide (the link's size matters, not the time).
const LEVEL: u8 = 10;

/// Base64url (RFC 4648 §5), written without padding; padding is accepted when a tool added it.
const BASE64URL: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// What a link opens.
#[derive(Clone, Debug)]
pub struct OpenedLink {
    /// The scenario, parsed and validated, with any warnings (fields a newer optiviz wrote).
    pub loaded: Loaded,
    /// The bundled lesson's name for a `lesson=` link; `None` for a scenario carried in the link.
    pub lesson: Option<&'static str>,
    /// Whether the link asks to start playing (`&play`).
    pub play: bool,
}

/// Why a link cannot be opened, or a scenario cannot be made into one.
#[derive(Clone, Debug, thiserror::Error)]
pub enum LinkError {
    /// The link itself is wrong (too long, an unknown key, data that does not decode…).
    #[error("{SOURCE}: {0}")]
    Malformed(String),
    /// The scenario's text does not parse or validate: located diagnostics (`link:LINE:COL: …`).
    #[error("{0}")]
    Scenario(#[from] LoadError),
    /// The scenario is too large for a link: its fragment would hold `length` bytes.
    #[error(
        "the scenario is too large for a link ({length} characters, at most {MAX_LINK}): save it as a file instead"
    )]
    TooLarge {
        /// The fragment's length in bytes, without the `#`.
        length: usize,
    },
    /// The scenario could not be written as preset text.
    #[error("cannot write the scenario as preset text: {0}")]
    Text(String),
}

/// What a fragment says, before anything in it is decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fragment<'a> {
    /// What it opens.
    pub target: Target<'a>,
    /// `&play`.
    pub play: bool,
}

/// What a fragment opens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target<'a> {
    /// `lesson=NAME`: a bundled lesson.
    Lesson(&'a str),
    /// `s=VERSION.DATA`: the scenario in the link, still encoded.
    Scenario(&'a str),
}

/// Whether `text` is meant as a link rather than a file or a lesson's name: a `#fragment`, a URL
/// (`scheme://…`), or a fragment without its `#` (`lesson=…`, `s=…`). Says nothing about whether
/// it opens.
pub fn looks_like_link(text: &str) -> bool {
    let text = text.trim();
    text.starts_with('#')
        || text.contains("://")
        || text.starts_with("lesson=")
        || text.starts_with("s=")
}

/// Whether `text`, given where a preset file may be, is a link: it looks like one
/// ([`looks_like_link`]) and no file has that name.
pub fn is_link(text: &str) -> bool {
    looks_like_link(text) && !std::path::Path::new(text).exists()
}

/// The fragment of `text` (a whole URL or just the fragment, with or without its `#`), without
/// the `#`.
fn fragment_of(text: &str) -> Result<&str, LinkError> {
    let text = text.trim();
    match text.split_once('#') {
        Some((_, fragment)) => Ok(fragment),
        None if text.contains("://") => Err(malformed(
            "the address has no #fragment: a lesson link ends in #lesson=NAME or #s=…",
        )),
        None => Ok(text),
    }
}

/// Reads a fragment's parts, checking its length first. Decodes nothing.
pub fn parse_fragment(text: &str) -> Result<Fragment<'_>, LinkError> {
    let fragment = fragment_of(text)?;
    if fragment.len() > MAX_LINK {
        return Err(malformed(format!(
            "the link is {} characters long, more than the {MAX_LINK} a link may hold",
            fragment.len()
        )));
    }
    let mut target = None;
    let mut play = false;
    for part in fragment.split('&').filter(|part| !part.is_empty()) {
        let (key, value) = match part.split_once('=') {
            Some((key, value)) => (key, Some(value)),
            None => (part, None),
        };
        let found = match (key, value) {
            ("lesson", Some(name)) => Target::Lesson(name),
            ("s", Some(data)) => Target::Scenario(data),
            ("play", None) if play => return Err(malformed("`play` is given twice")),
            ("play", None) => {
                play = true;
                continue;
            }
            ("play", Some(_)) => {
                return Err(malformed("`play` takes no value: write `&play`"));
            }
            ("lesson" | "s", None) => {
                return Err(malformed(format!("`{key}` needs a value: `{key}=…`")));
            }
            _ => {
                return Err(malformed(format!(
                    "unknown key `{}` (a lesson link holds lesson=NAME or s=…, and optionally play)",
                    quoted(key)
                )));
            }
        };
        if target.replace(found).is_some() {
            return Err(malformed(
                "the link names more than one scenario (lesson= or s= twice)",
            ));
        }
    }
    match target {
        Some(target) => Ok(Fragment { target, play }),
        None if fragment.trim().is_empty() => Err(malformed(
            "the link is empty: a lesson link ends in #lesson=NAME or #s=…",
        )),
        None => Err(malformed(
            "the link names no lesson (lesson=NAME) and holds no scenario (s=…)",
        )),
    }
}

/// Whether `text` is a well-formed link that asks to play (`&play`); decodes nothing.
pub fn plays(text: &str) -> bool {
    parse_fragment(text).is_ok_and(|fragment| fragment.play)
}

/// Opens a link: the bundled lesson it names or the scenario it carries, parsed and validated.
pub fn open(text: &str) -> Result<OpenedLink, LinkError> {
    let Fragment { target, play } = parse_fragment(text)?;
    match target {
        Target::Lesson(name) => {
            let Some((lesson, source)) = crate::presets::EMBEDDED
                .iter()
                .find(|(lesson, _)| *lesson == name)
            else {
                return Err(malformed(format!(
                    "no bundled lesson is named `{}` (`optiviz list presets` lists them)",
                    quoted(name)
                )));
            };
            let loaded = scenario::parse(source, &format!("{lesson} (bundled)"))?;
            Ok(OpenedLink {
                loaded,
                lesson: Some(lesson),
                play,
            })
        }
        Target::Scenario(data) => Ok(OpenedLink {
            loaded: decode_scenario(data)?,
            lesson: None,
            play,
        }),
    }
}

/// `VERSION.DATA` to a validated scenario.
fn decode_scenario(payload: &str) -> Result<Loaded, LinkError> {
    let Some((version, data)) = payload.split_once('.') else {
        return Err(malformed(
            "the scenario has no encoding version: expected s=VERSION.DATA",
        ));
    };
    let version: u32 = version.parse().map_err(|_| {
        malformed(format!(
            "the scenario's encoding version `{}` is not a whole number",
            quoted(version)
        ))
    })?;
    match version {
        1 => decode_version_1(data),
        _ => Err(malformed(format!(
            "the scenario is in encoding version {version}, which this optiviz does not know (it reads versions 1 to {ENCODING}): a newer optiviz made the link"
        ))),
    }
}

/// Version 1: base64url of zlib of the preset text.
fn decode_version_1(data: &str) -> Result<Loaded, LinkError> {
    let compressed = BASE64URL
        .decode(data)
        .map_err(|e| malformed(format!("the scenario does not decode as base64url: {e}")))?;
    let bytes = inflate(&compressed)?;
    let text = std::str::from_utf8(&bytes).map_err(|e| not_utf8(&bytes, &e))?;
    Ok(scenario::parse(text, SOURCE)?)
}

/// Inflates zlib data to at most [`MAX_INFLATED`] bytes.
fn inflate(compressed: &[u8]) -> Result<Vec<u8>, LinkError> {
    use miniz_oxide::inflate::TINFLStatus;
    miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(compressed, MAX_INFLATED).map_err(
        |error| {
            malformed(match error.status {
                TINFLStatus::HasMoreOutput => format!(
                    "the scenario inflates to more than {} KiB, more than any lesson needs; it was not read further",
                    MAX_INFLATED / 1024
                ),
                TINFLStatus::FailedCannotMakeProgress | TINFLStatus::NeedsMoreInput => {
                    "the scenario's compressed data is cut short: was the link copied whole?"
                        .to_owned()
                }
                TINFLStatus::Adler32Mismatch => {
                    "the scenario's checksum does not match: the link was changed or cut".to_owned()
                }
                _ => "the scenario's data is not zlib-compressed text".to_owned(),
            })
        },
    )
}

/// The located diagnostic for scenario text that is not UTF-8 (as a preset file's).
fn not_utf8(bytes: &[u8], error: &std::str::Utf8Error) -> LinkError {
    let valid = bytes.get(..error.valid_up_to()).unwrap_or_default();
    // The valid prefix decodes, so the position counts characters as ron's do.
    let prefix = String::from_utf8_lossy(valid);
    let line = prefix.matches('\n').count() + 1;
    let col = prefix.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    let byte = bytes.get(error.valid_up_to()).copied().unwrap_or_default();
    LinkError::Scenario(LoadError(vec![Diagnostic {
        severity: Severity::Error,
        file: SOURCE.to_owned(),
        position: Position { line, col },
        message: format!(
            "the scenario text is not UTF-8: byte 0x{byte:02x} at byte offset {} cannot start a character here",
            error.valid_up_to()
        ),
    }]))
}

/// The fragment that carries `scenario` (`#s=1.…`), in the current [`ENCODING`]; refused when it
/// would be longer than [`MAX_LINK`].
pub fn encode(scenario: &Scenario) -> Result<String, LinkError> {
    let text = scenario::to_ron(scenario).map_err(|e| LinkError::Text(e.to_string()))?;
    let compressed = miniz_oxide::deflate::compress_to_vec_zlib(text.as_bytes(), LEVEL);
    let fragment = format!("#s={ENCODING}.{}", BASE64URL.encode(compressed));
    let length = fragment.len() - 1;
    if length > MAX_LINK {
        return Err(LinkError::TooLarge { length });
    }
    Ok(fragment)
}

/// The fragment that opens the bundled lesson `name` (`#lesson=NAME`, with `&play` if `play`).
pub fn lesson_fragment(name: &str, play: bool) -> String {
    let play = if play { "&play" } else { "" };
    format!("#lesson={name}{play}")
}

/// `fragment` (`#…`) on the page at `base` (whose own fragment, if any, it replaces); the
/// fragment alone when no base is known (the desktop), which every optiviz opens.
pub fn with_base(base: &str, fragment: &str) -> String {
    let base = base.split_once('#').map_or(base, |(page, _)| page);
    format!("{base}{fragment}")
}

fn malformed(message: impl fmt::Display) -> LinkError {
    LinkError::Malformed(message.to_string())
}

/// `word` cut to [`QUOTED`] characters.
fn quoted(word: &str) -> String {
    match word.char_indices().nth(QUOTED) {
        Some((end, _)) => format!("{}…", word.get(..end).unwrap_or_default()),
        None => word.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fragment_is_found_in_a_url_or_alone() {
        let expected = Fragment {
            target: Target::Lesson("zigzag"),
            play: true,
        };
        for text in [
            "#lesson=zigzag&play",
            "lesson=zigzag&play",
            "#play&lesson=zigzag",
            "  https://example.org/optiviz/index.html#lesson=zigzag&play\n",
        ] {
            assert!(looks_like_link(text), "{text}");
            assert_eq!(parse_fragment(text).ok(), Some(expected.clone()), "{text}");
        }
        assert!(!looks_like_link("presets/zigzag.ron"));
        assert!(!looks_like_link("zigzag"));
    }

    #[test]
    fn quoted_words_are_cut_at_a_character_boundary() {
        let long = "é".repeat(100);
        let cut = quoted(&long);
        assert_eq!(cut.chars().count(), QUOTED + 1);
        assert!(cut.ends_with('…'));
        assert_eq!(quoted("short"), "short");
    }

    #[test]
    fn a_base_loses_its_own_fragment() {
        assert_eq!(with_base("", "#s=1.x"), "#s=1.x");
        assert_eq!(
            with_base("https://e.org/o/#lesson=zigzag", "#s=1.x"),
            "https://e.org/o/#s=1.x"
        );
    }
}
