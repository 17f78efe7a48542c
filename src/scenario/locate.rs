//! Finds where a field path (`runs[1].optimizer.lr`) sits in RON source text, so semantic errors
//! found after parsing can still be reported as `file:line:col`.
//!
//! serde hands a `Deserialize` impl no source positions, so ron can only point at the first error it
//! hits itself. To report *every* semantic error, the loader validates the parsed value by field path
//! and this scanner maps each path back to the text: it tokenizes the RON (strings, comments and raw
//! strings included) and tracks nesting, recording for every `name: value` the position of the name
//! and of the value, and for every element of a `[…]` list or `(…)` tuple the position of the
//! element (`start[1]`, `sweep.axes[0]`). Enum variant and struct names (`Sgd(…)`,
//! `Landscape(Quadratic(…))`) do not add path segments.

use std::collections::HashMap;

/// A 1-based line and column (in characters), as ron reports positions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    /// Line, from 1.
    pub line: usize,
    /// Column in characters, from 1.
    pub col: usize,
}

/// Where a field's name and its value start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Located {
    /// The field name (or, for a list element, the element itself).
    pub name: Position,
    /// The value.
    pub value: Position,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum FrameKind {
    Struct,
    List,
}

struct Frame {
    kind: FrameKind,
    base: String,
    element: usize,
}

/// Positions of every field path in a RON document.
pub struct PathIndex {
    paths: HashMap<String, Located>,
}

fn join(base: &str, field: &str) -> String {
    if base.is_empty() {
        field.to_owned()
    } else {
        format!("{base}.{field}")
    }
}

struct Scanner<'a> {
    chars: std::iter::Peekable<std::str::CharIndices<'a>>,
    position: Position,
}

impl Scanner<'_> {
    fn bump(&mut self) -> Option<char> {
        let (_, c) = self.chars.next()?;
        if c == '\n' {
            self.position.line += 1;
            self.position.col = 1;
        } else {
            self.position.col += 1;
        }
        Some(c)
    }

    /// Skips an attribute such as `#![enable(…)]` whole (after its `#`).
    fn skip_attribute(&mut self) {
        while let Some(c) = self.bump() {
            if c == ']' {
                break;
            }
        }
    }

    fn peek(&mut self) -> Option<char> {
        self.chars.peek().map(|&(_, c)| c)
    }

    /// Skips whitespace and comments (`//…`, nested `/* … */`).
    fn skip_trivia(&mut self) {
        loop {
            match self.peek() {
                Some(c) if c.is_whitespace() => {
                    self.bump();
                }
                Some('/') => {
                    let mut ahead = self.chars.clone();
                    ahead.next();
                    match ahead.peek().map(|&(_, c)| c) {
                        Some('/') => {
                            while let Some(c) = self.bump() {
                                if c == '\n' {
                                    break;
                                }
                            }
                        }
                        Some('*') => {
                            self.bump();
                            self.bump();
                            let mut depth = 1usize;
                            while depth > 0 {
                                match self.bump() {
                                    Some('*') if self.peek() == Some('/') => {
                                        self.bump();
                                        depth -= 1;
                                    }
                                    Some('/') if self.peek() == Some('*') => {
                                        self.bump();
                                        depth += 1;
                                    }
                                    Some(_) => {}
                                    None => return,
                                }
                            }
                        }
                        _ => return,
                    }
                }
                _ => return,
            }
        }
    }

    fn skip_string(&mut self, quote: char) {
        while let Some(c) = self.bump() {
            if c == '\\' {
                self.bump();
            } else if c == quote {
                return;
            }
        }
    }

    /// After `r`: a raw string `r#"…"#` if one starts here.
    fn skip_raw_string(&mut self) {
        let mut hashes = 0usize;
        while self.peek() == Some('#') {
            self.bump();
            hashes += 1;
        }
        if self.peek() != Some('"') {
            return;
        }
        self.bump();
        'outer: while let Some(c) = self.bump() {
            if c == '"' {
                for _ in 0..hashes {
                    if self.peek() != Some('#') {
                        continue 'outer;
                    }
                    self.bump();
                }
                return;
            }
        }
    }

    fn identifier(&mut self, first: char) -> String {
        let mut word = String::from(first);
        while let Some(c) = self.peek() {
            if c.is_alphanumeric() || c == '_' {
                word.push(c);
                self.bump();
            } else {
                break;
            }
        }
        word
    }
}

impl PathIndex {
    /// Scans `source`. Malformed text is scanned as far as it goes; nothing here fails.
    pub fn new(source: &str) -> Self {
        let mut indexer = Indexer {
            scanner: Scanner {
                chars: source.char_indices().peekable(),
                position: Position { line: 1, col: 1 },
            },
            paths: HashMap::new(),
            stack: vec![Frame {
                kind: FrameKind::Struct,
                base: String::new(),
                element: 0,
            }],
            pending: None,
            element_start: false,
        };
        loop {
            indexer.scanner.skip_trivia();
            let start = indexer.scanner.position;
            let Some(c) = indexer.scanner.bump() else {
                break;
            };
            if indexer.element_start && !matches!(c, ']' | ')' | '}' | ',') {
                indexer.element(start, c);
            }
            match c {
                '#' => indexer.scanner.skip_attribute(),
                '"' | '\'' => {
                    indexer.scanner.skip_string(c);
                    indexer.pending = None;
                }
                '(' | '{' | '[' => indexer.open(start, c),
                ')' | '}' | ']' => {
                    if indexer.stack.len() > 1 {
                        indexer.stack.pop();
                    }
                    indexer.pending = None;
                }
                ',' => {
                    if let Some(frame) = indexer.stack.last_mut() {
                        frame.element += 1;
                        indexer.element_start = true;
                    }
                    indexer.pending = None;
                }
                c if c.is_alphabetic() || c == '_' => indexer.word(start, c),
                _ => {
                    // Numbers, signs and other punctuation: a scalar value ends any pending path.
                    if !(c.is_ascii_digit() || matches!(c, '-' | '+' | '.')) {
                        indexer.pending = None;
                    }
                }
            }
        }
        Self {
            paths: indexer.paths,
        }
    }

    /// Where `path` is, or its nearest ancestor that is (`runs[1].optimizer.lr` falls back to
    /// `runs[1].optimizer`, then `runs[1]`, then `runs`).
    pub fn find(&self, path: &str) -> Option<Located> {
        let mut path = path;
        loop {
            if let Some(found) = self.paths.get(path) {
                return Some(*found);
            }
            let cut = path.rfind(['.', '['])?;
            path = &path[..cut];
        }
    }
}

/// The state of one pass of [`PathIndex::new`] over the text.
struct Indexer<'a> {
    scanner: Scanner<'a>,
    paths: HashMap<String, Located>,
    stack: Vec<Frame>,
    /// The path the next value belongs to, and where its name was.
    pending: Option<(String, Position)>,
    /// Whether the next token starts a list element that has not been recorded yet.
    element_start: bool,
}

impl Indexer<'_> {
    /// Records the list element starting with `c` at `start`.
    fn element(&mut self, start: Position, c: char) {
        self.element_start = false;
        if let Some(frame) = self.stack.last() {
            let path = format!("{}[{}]", frame.base, frame.element);
            self.paths.entry(path.clone()).or_insert(Located {
                name: start,
                value: start,
            });
            // In `( … )` an element is a tuple member only if it is not `name: value` (nor
            // a variant name, which passes the field's path on to its `(`); only a
            // bracket opens a tuple member's own frame.
            if frame.kind == FrameKind::List || matches!(c, '(' | '[' | '{') {
                self.pending = Some((path, start));
            }
        }
    }

    /// Opens the frame of bracket `c` at `start`, for the pending path or else its parent's.
    fn open(&mut self, start: Position, c: char) {
        let base = match &self.pending {
            Some((path, name)) => {
                self.paths.entry(path.clone()).or_insert(Located {
                    name: *name,
                    value: start,
                });
                path.clone()
            }
            None => self
                .stack
                .last()
                .map(|f| f.base.clone())
                .unwrap_or_default(),
        };
        let kind = if c == '[' {
            FrameKind::List
        } else {
            FrameKind::Struct
        };
        self.stack.push(Frame {
            kind,
            base,
            element: 0,
        });
        self.pending = None;
        self.element_start = true;
    }

    /// A word starting with `c` at `start`: a field name when a `:` follows in a struct, a raw
    /// string when it is `r#"…` or `r"…`.
    fn word(&mut self, start: Position, c: char) {
        if c == 'r' && matches!(self.scanner.peek(), Some('#' | '"')) {
            self.scanner.skip_raw_string();
            self.pending = None;
            return;
        }
        let word = self.scanner.identifier(c);
        self.scanner.skip_trivia();
        let in_struct = self
            .stack
            .last()
            .is_some_and(|f| f.kind == FrameKind::Struct);
        if in_struct && self.scanner.peek() == Some(':') {
            self.scanner.bump();
            self.scanner.skip_trivia();
            let base = self
                .stack
                .last()
                .map(|f| f.base.as_str())
                .unwrap_or_default();
            let path = join(base, &word);
            self.paths.entry(path.clone()).or_insert(Located {
                name: start,
                value: self.scanner.position,
            });
            self.pending = Some((path, start));
        }
        // Otherwise a variant or struct name, or a bare value such as `true`: the
        // pending path (if any) carries over to a following `(`.
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = r##"#![enable(implicit_some)]
Scenario(
    // a comment with runs: [ and ( in it
    name: "a (tricky) name, with: colons",
    problem: Landscape(Quadratic(lambda1: 1.0, lambda2: -2.0)),
    runs: [
        Run(label: r#"raw "x""#, optimizer: Sgd(lr: -0.1), start: (1.0, 2.0)),
        /* block /* nested */ */ Run(optimizer: Sgd(momentum: 0.9)),
    ],
)"##;

    #[test]
    fn finds_fields_list_elements_and_values() {
        let index = PathIndex::new(SOURCE);
        let at = |path: &str| index.find(path).map(|l| (l.value.line, l.value.col));
        assert_eq!(at("name"), Some((4, 11)));
        assert_eq!(at("problem.lambda2"), Some((5, 57)));
        assert_eq!(at("runs[0].optimizer.lr"), Some((7, 53)));
        assert_eq!(at("runs[1].optimizer.momentum"), Some((8, 63)));
        assert_eq!(at("runs[1]"), Some((8, 34)));
        let name = index
            .find("runs[0].start")
            .map(|l| (l.name.line, l.name.col));
        assert_eq!(name, Some((7, 60)));
        // Tuple members are numbered like list elements.
        assert_eq!(at("runs[0].start[1]"), Some((7, 73)));
        let tuple = PathIndex::new("Scenario(sweep: (axes: ((name: \"lr\"), (count: 9))))");
        let count = tuple.find("sweep.axes[1].count").map(|l| l.value.col);
        assert_eq!(count, Some(47));
        // Unknown paths fall back to their nearest known ancestor.
        assert_eq!(at("runs[1].optimizer.nope"), at("runs[1].optimizer"));
    }

    #[test]
    fn survives_garbage() {
        for source in [
            "",
            "(((",
            "\"unterminated",
            "r#\"x",
            "/* open",
            "a: : :",
            "]]])",
        ] {
            let index = PathIndex::new(source);
            let _ = index.find("runs[0].optimizer.lr");
        }
    }
}
