//! The Guide's text of a registered item (an optimizer, a landscape): the `//!` documentation of
//! its source file, which the registries embed, so the docs and the app read one text.

/// The `//!` module documentation of a source file, as paragraphs (a line break inside a paragraph
/// becomes a space; list items keep their own lines; code ticks are dropped).
pub fn module_doc(source: &str) -> String {
    let mut text = String::new();
    for line in source.lines().take_while(|line| line.starts_with("//!")) {
        let line = line.trim_start_matches("//!").trim();
        if line.is_empty() {
            text.push_str("\n\n");
        } else {
            if !(text.is_empty() || text.ends_with('\n')) {
                text.push(if line.starts_with("- ") { '\n' } else { ' ' });
            }
            text.push_str(line);
        }
    }
    text.replace('`', "")
}
