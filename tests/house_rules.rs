//! The house's size rules, checked on the source so that they stay true as lessons and methods are
//! added: no file under `src/` longer than 600 lines before its first `#[cfg(test)]` (doc comments
//! count), and no function longer than 100 lines unless its doc says it transcribes a reference
//! algorithm line by line.

use std::fmt::Write as _;
use std::path::Path;

#[path = "common/source_text.rs"]
mod source_text;
use source_text::{blank_non_code, is_ident, rust_files};

const MAX_FILE_LINES: usize = 600;
const MAX_FUNCTION_LINES: usize = 100;

/// `path` relative to the crate, for messages.
fn shown(path: &Path) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// The text of a file up to its first `#[cfg(test)]` (the tests after it do not count).
fn before_tests(text: &str) -> &str {
    text.find("#[cfg(test)]").map_or(text, |at| &text[..at])
}

#[test]
fn no_file_is_longer_than_600_lines_before_its_tests() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = String::new();
    for file in rust_files(&src) {
        let text = std::fs::read_to_string(&file).unwrap();
        let lines = before_tests(&text).lines().count();
        if lines > MAX_FILE_LINES {
            let _ = writeln!(found, "{}: {lines} lines", shown(&file));
        }
    }
    assert!(
        found.is_empty(),
        "split these files by what they do:\n{found}"
    );
}

/// (name, first line, line count) of every function with a body in `code` (comments and literals
/// already blanked).
fn functions(code: &str) -> Vec<(String, usize, usize)> {
    let chars: Vec<char> = code.chars().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i + 2 < chars.len() {
        let is_fn = chars[i] == 'f'
            && chars[i + 1] == 'n'
            && chars[i + 2].is_whitespace()
            && (i == 0 || !is_ident(chars[i - 1]));
        if !is_fn {
            i += 1;
            continue;
        }
        let name: String = chars[i + 2..]
            .iter()
            .skip_while(|c| c.is_whitespace())
            .take_while(|&&c| is_ident(c))
            .collect();
        // The body opens at the first `{` before any `;` (a declaration has none).
        let Some(open) = (i..chars.len()).find(|&j| chars[j] == '{' || chars[j] == ';') else {
            break;
        };
        if chars[open] == ';' {
            i = open + 1;
            continue;
        }
        let mut depth = 0usize;
        let mut close = open;
        for (j, &c) in chars.iter().enumerate().skip(open) {
            if c == '{' {
                depth += 1;
            } else if c == '}' {
                depth -= 1;
                if depth == 0 {
                    close = j;
                    break;
                }
            }
        }
        let first_line = chars[..i].iter().filter(|&&c| c == '\n').count() + 1;
        let lines = chars[i..=close].iter().filter(|&&c| c == '\n').count() + 1;
        found.push((name, first_line, lines));
        // Nested functions are counted within their parent and on their own.
        i = open + 1;
    }
    found
}

/// Whether `file` is a module its parent declares only for tests (`#[cfg(test)] mod name;`): test
/// tables may be long.
fn is_test_only_module(file: &Path) -> bool {
    let (stem, folder) = match file.file_stem().and_then(|stem| stem.to_str()) {
        Some("mod") => match (file.parent(), file.parent().and_then(Path::parent)) {
            (Some(own), Some(folder)) => (own.file_name().and_then(|n| n.to_str()), folder),
            _ => return false,
        },
        Some(stem) => match file.parent() {
            Some(folder) => (Some(stem), folder),
            None => return false,
        },
        None => return false,
    };
    let Some(stem) = stem else {
        return false;
    };
    let declaration = format!("mod {stem};");
    ["mod.rs", "lib.rs"].iter().any(|parent| {
        let text = std::fs::read_to_string(folder.join(parent)).unwrap_or_default();
        let lines: Vec<&str> = text.lines().map(str::trim).collect();
        lines
            .windows(2)
            .any(|pair| pair[0] == "#[cfg(test)]" && pair[1].ends_with(&declaration))
    })
}

#[test]
fn no_function_is_longer_than_100_lines_unless_it_transcribes_a_reference() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut found = String::new();
    for file in rust_files(&src)
        .into_iter()
        .filter(|file| !is_test_only_module(file))
    {
        let text = std::fs::read_to_string(&file).unwrap();
        let text = before_tests(&text);
        let raw_lines: Vec<&str> = text.lines().collect();
        for (name, first_line, lines) in functions(&blank_non_code(text)) {
            if lines <= MAX_FUNCTION_LINES {
                continue;
            }
            // The doc comment above the function must say why it is long.
            let doc: String = raw_lines[..first_line - 1]
                .iter()
                .rev()
                .take_while(|line| {
                    let line = line.trim_start();
                    line.starts_with("///") || line.starts_with("#[") || line.starts_with("//")
                })
                .map(|line| line.to_lowercase())
                .collect();
            if !doc.contains("transcription") {
                let _ = writeln!(
                    found,
                    "{}:{first_line}: fn {name}, {lines} lines",
                    shown(&file)
                );
            }
        }
    }
    assert!(
        found.is_empty(),
        "name the parts of these functions (or say in the doc which reference algorithm one transcribes):\n{found}"
    );
}

#[test]
fn test_only_modules_are_told_apart() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    assert!(is_test_only_module(&src.join("optim/explained_steps.rs")));
    assert!(!is_test_only_module(&src.join("optim/sgd.rs")));
}

#[test]
fn the_function_reader_measures_bodies() {
    let code = "fn short() { 1 }\nfn declared();\nfn long() {\n    if x { y }\n}\n";
    let found = functions(code);
    assert_eq!(
        found,
        vec![("short".to_owned(), 1, 1), ("long".to_owned(), 3, 3)]
    );
}
