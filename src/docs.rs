//! The Guide's text of a registered item (an optimizer, a landscape): the `//!` documentation of
//! its source file, which the registries embed, so the docs and the app read one text.
//!
//! [`module_doc`] gives that documentation as the Markdown it is written in; [`blocks`] reads it
//! into what the Guide draws: paragraphs of plain text, code and links, list items, and code
//! blocks (the update rules) whose lines stay lines.

/// The `//!` module documentation of a source file, as Markdown (the `//!` and the one space
/// after it removed; every line kept).
pub fn module_doc(source: &str) -> String {
    let mut text = String::new();
    for line in source.lines().take_while(|line| line.starts_with("//!")) {
        let line = line.trim_start_matches("//!");
        text.push_str(line.strip_prefix(' ').unwrap_or(line));
        text.push('\n');
    }
    text
}

/// A piece of a paragraph.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DocSpan {
    /// Plain words (line breaks inside a paragraph become spaces).
    Text(String),
    /// Words set in bold (`**Mapping to torch's step().**`).
    Strong(String),
    /// An identifier or expression from code (`` `_single_tensor_adam` ``), ticks removed.
    Code(String),
    /// A rustdoc link: `text` shown, `target` the last segment of the item's path (`AdamW` for
    /// `super::AdamW`), for the Guide to open that entry when it has one.
    Link {
        /// What is shown (ticks and a leading `super::` or `crate::` removed).
        text: String,
        /// The linked item's name.
        target: String,
    },
}

/// A block of documentation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DocBlock {
    /// A paragraph.
    Paragraph(Vec<DocSpan>),
    /// One item of a bulleted list.
    Item(Vec<DocSpan>),
    /// A fenced code block: its lines, indentation kept.
    Code(Vec<String>),
}

/// Reads Markdown documentation (as [`module_doc`] gives it) into blocks.
pub fn blocks(markdown: &str) -> Vec<DocBlock> {
    let mut blocks = Vec::new();
    let mut paragraph = String::new();
    let mut is_item = false;
    let mut code: Option<Vec<String>> = None;
    let flush = |paragraph: &mut String, is_item: bool, blocks: &mut Vec<DocBlock>| {
        if !paragraph.trim().is_empty() {
            let spans = spans(paragraph.trim());
            blocks.push(if is_item {
                DocBlock::Item(spans)
            } else {
                DocBlock::Paragraph(spans)
            });
        }
        paragraph.clear();
    };
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            match code.take() {
                Some(lines) => blocks.push(DocBlock::Code(lines)),
                None => {
                    flush(&mut paragraph, is_item, &mut blocks);
                    code = Some(Vec::new());
                }
            }
            continue;
        }
        if let Some(lines) = code.as_mut() {
            lines.push(line.trim_end().to_owned());
            continue;
        }
        let trimmed = line.trim();
        if trimmed.is_empty() {
            flush(&mut paragraph, is_item, &mut blocks);
            continue;
        }
        if let Some(rest) = trimmed.strip_prefix("- ").or(trimmed.strip_prefix("* ")) {
            flush(&mut paragraph, is_item, &mut blocks);
            is_item = true;
            paragraph.push_str(rest);
            continue;
        }
        if paragraph.is_empty() {
            is_item = false;
        } else {
            paragraph.push(' ');
        }
        paragraph.push_str(trimmed);
    }
    if let Some(lines) = code {
        // An unclosed fence still shows its lines.
        blocks.push(DocBlock::Code(lines));
    }
    flush(&mut paragraph, is_item, &mut blocks);
    blocks
}

/// The spans of one paragraph's text: code in ticks, rustdoc links `[text](path)` and `[text]`.
fn spans(text: &str) -> Vec<DocSpan> {
    let mut spans = Vec::new();
    let mut plain = String::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c == '['
            && let Some((link, after)) = link(rest)
        {
            push_text(&mut spans, &mut plain);
            spans.push(link);
            rest = after;
        } else if rest.starts_with("**")
            && let Some(end) = rest[2..].find("**")
        {
            push_text(&mut spans, &mut plain);
            spans.push(DocSpan::Strong(rest[2..2 + end].replace('`', "")));
            rest = &rest[end + 4..];
        } else if c == '`'
            && let Some(end) = rest[1..].find('`')
        {
            push_text(&mut spans, &mut plain);
            spans.push(DocSpan::Code(rest[1..1 + end].to_owned()));
            rest = &rest[end + 2..];
        } else {
            plain.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    push_text(&mut spans, &mut plain);
    spans
}

fn push_text(spans: &mut Vec<DocSpan>, plain: &mut String) {
    if !plain.is_empty() {
        spans.push(DocSpan::Text(std::mem::take(plain)));
    }
}

/// A rustdoc link at the start of `text` (`[shown](path)` or `[`path`]`), and the text after it;
/// `None` for brackets that are not a link (an interval such as `[−1, 1]`).
fn link(text: &str) -> Option<(DocSpan, &str)> {
    let close = text.find(']')?;
    let shown = text[1..close].trim_matches('`');
    let after = &text[close + 1..];
    let (path, rest) = match after.strip_prefix('(') {
        Some(inner) => {
            let end = inner.find(')')?;
            (&inner[..end], &inner[end + 1..])
        }
        None => (shown, after),
    };
    let is_path = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
    };
    if !(is_path(path) && is_path(shown)) {
        return None;
    }
    let strip = |s: &str| {
        let s = s
            .trim_start_matches("super::")
            .trim_start_matches("crate::");
        s.to_owned()
    };
    let target = path.rsplit("::").next().unwrap_or(path).to_owned();
    Some((
        DocSpan::Link {
            text: strip(shown),
            target,
        },
        rest,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_code_and_code_blocks_are_read_apart() {
        let doc = module_doc(
            "//! **Bold `x`.** Adam, and [`AdamW`](super::AdamW) (`_single_tensor_adam`) in [−1, 1].\n//! more\n//!\n//! ```text\n//! a ← b\n//!     c ← d\n//! ```\n//! - one\n//! - two [`super::Sgd`]\nuse x;\n",
        );
        let blocks = blocks(&doc);
        assert_eq!(
            blocks,
            vec![
                DocBlock::Paragraph(vec![
                    DocSpan::Strong("Bold x.".into()),
                    DocSpan::Text(" Adam, and ".into()),
                    DocSpan::Link {
                        text: "AdamW".into(),
                        target: "AdamW".into()
                    },
                    DocSpan::Text(" (".into()),
                    DocSpan::Code("_single_tensor_adam".into()),
                    DocSpan::Text(") in [−1, 1]. more".into()),
                ]),
                DocBlock::Code(vec!["a ← b".into(), "    c ← d".into()]),
                DocBlock::Item(vec![DocSpan::Text("one".into())]),
                DocBlock::Item(vec![
                    DocSpan::Text("two ".into()),
                    DocSpan::Link {
                        text: "Sgd".into(),
                        target: "Sgd".into()
                    }
                ]),
            ]
        );
    }
}
