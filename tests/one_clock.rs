//! One clock (issue 18): `std::time::Instant::now()` compiles for wasm32 but panics in the
//! browser, so every file under `src/` takes its time from `crate::clock` (web-time), never from
//! `std::time::Instant` or `std::time::SystemTime`.
//!
//! The test reads every `.rs` file under `src/` (test code included: it is the same habit), blanks
//! comments and string and character literals, splits the rest into tokens and reads every path
//! that starts with `std` or `core` (in `use` trees, groups expanded, and in code) and every path
//! that starts with `time` (after `use std::time;`). A path to `time::Instant`, `time::SystemTime`,
//! `time::UNIX_EPOCH` or `time::*` is printed as `file:line: path`.

#[path = "common/source_text.rs"]
mod source_text;
use source_text::{blank_non_code, is_ident, rust_files};

use std::fmt::Write as _;
use std::path::Path;

/// The names in `std::time` that panic on wasm32 (or lead to one that does).
const FORBIDDEN: &[&str] = &["Instant", "SystemTime", "UNIX_EPOCH", "*"];

#[test]
fn no_std_instant_or_system_time_in_src() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut report = String::new();
    let files = rust_files(&root.join("src"));
    assert!(files.len() > 100, "only {} files under src/", files.len());
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{file:?}: {e}"));
        let shown = file
            .strip_prefix(root)
            .unwrap_or(&file)
            .display()
            .to_string();
        for (line, path) in forbidden_paths(&text) {
            let _ = writeln!(report, "{shown}:{line}: {path}");
        }
    }
    assert!(
        report.is_empty(),
        "use crate::clock::{{Instant, SystemTime, UNIX_EPOCH}} (web-time) instead:\n{report}"
    );
}

/// The checker itself finds every form, and nothing in comments, strings or other crates' paths.
#[test]
fn the_checker_finds_every_form() {
    let text = r##"
use std::time::Instant;
use std::time::{Duration, SystemTime};
use std::{
    sync::Arc,
    time::{self, UNIX_EPOCH},
};
fn f() { let t = std::time::Instant::now(); }
use std::time;
fn g() { time::Instant::now(); }
use core::time::*;
// std::time::Instant in a comment
/* use std::time::Instant; /* nested */ */
fn h() -> &'static str { let c = '"'; "std::time::Instant" }
use std::time::Duration;
use crate::clock::Instant;
use web_time::SystemTime;
fn i() { crate::clock::Instant::now(); my::time::Instant::now(); }
"##;
    let found: Vec<(usize, String)> = forbidden_paths(text);
    let expected = [
        (2, "std::time::Instant"),
        (3, "std::time::SystemTime"),
        (6, "std::time::UNIX_EPOCH"),
        (8, "std::time::Instant::now"),
        (10, "time::Instant::now"),
        (11, "core::time::*"),
    ]
    .map(|(line, path)| (line, path.to_string()));
    assert_eq!(found, expected);
}

/// Every forbidden path in `text`, with its line, as written (groups expanded).
fn forbidden_paths(text: &str) -> Vec<(usize, String)> {
    let tokens = tokens(&blank_non_code(text));
    let mut found = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let after_separator = i > 0 && tokens[i - 1].text == "::";
        let root = tokens[i].text.as_str();
        if after_separator || !matches!(root, "std" | "core" | "time") {
            i += 1;
            continue;
        }
        let (paths, end) = use_tree(&tokens, i, Vec::new());
        for (line, path) in paths {
            // `time::…` alone is std's module only after `use std::time;`: every path from there.
            let from_std = matches!(path.first().map(String::as_str), Some("std" | "core"));
            let module = if from_std { path.get(1) } else { path.first() };
            let item = if from_std { path.get(2) } else { path.get(1) };
            let in_time = module.is_some_and(|m| m == "time");
            if in_time && item.is_some_and(|name| FORBIDDEN.contains(&name.as_str())) {
                found.push((line, path.join("::")));
            }
        }
        i = end.max(i + 1);
    }
    found
}

/// The paths of the use tree (or plain path) starting at `tokens[start]`, below `prefix`, each
/// with the line of its last segment, and the index after the tree.
fn use_tree(
    tokens: &[Token],
    start: usize,
    prefix: Vec<String>,
) -> (Vec<(usize, Vec<String>)>, usize) {
    let mut paths = Vec::new();
    let mut path = prefix;
    let mut i = start;
    let mut line = tokens.get(start).map_or(0, |t| t.line);
    while let Some(token) = tokens.get(i) {
        if token.text == "{" {
            i += 1;
            while tokens.get(i).is_some_and(|t| t.text != "}") {
                if tokens[i].text == "," {
                    i += 1;
                    continue;
                }
                let (inner, end) = use_tree(tokens, i, path.clone());
                paths.extend(inner);
                i = end;
            }
            return (paths, i + 1);
        }
        let is_segment = token.text == "*" || token.text.chars().all(is_ident);
        if !is_segment {
            break;
        }
        path.push(token.text.clone());
        line = token.line;
        i += 1;
        if tokens.get(i).is_some_and(|t| t.text == "::") {
            i += 1;
        } else {
            break;
        }
    }
    paths.push((line, path));
    (paths, i)
}

/// A token of code: an identifier (or number), `::`, or one other character.
struct Token {
    text: String,
    line: usize,
}

/// The tokens of blanked code (whitespace dropped).
fn tokens(code: &str) -> Vec<Token> {
    let chars: Vec<char> = code.chars().collect();
    let mut tokens = Vec::new();
    let mut line = 1;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if is_ident(c) {
            let start = i;
            while i < chars.len() && is_ident(chars[i]) {
                i += 1;
            }
            let text = chars[start..i].iter().collect();
            tokens.push(Token { text, line });
        } else if c == ':' && chars.get(i + 1) == Some(&':') {
            tokens.push(Token {
                text: "::".into(),
                line,
            });
            i += 2;
        } else {
            tokens.push(Token {
                text: c.to_string(),
                line,
            });
            i += 1;
        }
    }
    tokens
}
