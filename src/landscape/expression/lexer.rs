//! The tokenizer: characters to tokens (numbers, names, operators, parentheses), with the
//! typographic aliases the module doc lists.

use super::{ExprError, error};

#[derive(Clone, Debug, PartialEq)]
pub(super) enum TokenKind {
    Number(f64),
    Name(String),
    Plus,
    Minus,
    Star,
    Slash,
    Caret,
    Open,
    Close,
    Comma,
    End,
}

#[derive(Clone, Debug, PartialEq)]
pub(super) struct Token {
    pub(super) kind: TokenKind,
    /// Character index of the token's first character.
    pub(super) position: usize,
}

impl TokenKind {
    /// How the token reads in a message.
    pub(super) fn describe(&self) -> String {
        match self {
            TokenKind::Number(n) => format!("the number {n}"),
            TokenKind::Name(name) => format!("`{name}`"),
            TokenKind::Plus => "`+`".to_owned(),
            TokenKind::Minus => "`-`".to_owned(),
            TokenKind::Star => "`*`".to_owned(),
            TokenKind::Slash => "`/`".to_owned(),
            TokenKind::Caret => "`^`".to_owned(),
            TokenKind::Open => "`(`".to_owned(),
            TokenKind::Close => "`)`".to_owned(),
            TokenKind::Comma => "`,`".to_owned(),
            TokenKind::End => "the end of the formula".to_owned(),
        }
    }

    /// Whether an operand can start here (so that a missing operator, not a missing operand, is
    /// the mistake: `2x`, `x y`, `x(y)`).
    pub(super) fn starts_operand(&self) -> bool {
        matches!(
            self,
            TokenKind::Number(_) | TokenKind::Name(_) | TokenKind::Open
        )
    }
}

pub(super) fn tokenize(chars: &[char]) -> Result<Vec<Token>, ExprError> {
    let mut tokens = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        let start = i;
        let next = chars.get(i + 1).copied();
        let kind = if c.is_whitespace() {
            i += 1;
            continue;
        } else if c.is_ascii_digit() || (c == '.' && next.is_some_and(|n| n.is_ascii_digit())) {
            let (number, end) = scan_number(chars, start)?;
            i = end;
            tokens.push(Token {
                kind: TokenKind::Number(number),
                position: start,
            });
            continue;
        } else if c.is_ascii_alphabetic() || c == '_' {
            while chars
                .get(i)
                .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_')
            {
                i += 1;
            }
            tokens.push(Token {
                kind: TokenKind::Name(chars[start..i].iter().collect()),
                position: start,
            });
            continue;
        } else {
            match c {
                '+' => TokenKind::Plus,
                '-' | '−' => TokenKind::Minus,
                '*' if next == Some('*') => {
                    i += 1;
                    TokenKind::Caret
                }
                '*' | '·' | '×' => TokenKind::Star,
                '/' => TokenKind::Slash,
                '^' => TokenKind::Caret,
                '(' => TokenKind::Open,
                ')' => TokenKind::Close,
                ',' => TokenKind::Comma,
                'π' => TokenKind::Name("pi".to_owned()),
                _ => return error(start, format!("unexpected character `{c}`")),
            }
        };
        i += 1;
        tokens.push(Token {
            kind,
            position: start,
        });
    }
    tokens.push(Token {
        kind: TokenKind::End,
        position: chars.len(),
    });
    Ok(tokens)
}

/// Reads `digits[.digits][e[±]digits]` from `start`; returns the number and the index after it. An
/// `e` not followed by digits is left alone (`2e` is 2 then the constant e).
fn scan_number(chars: &[char], start: usize) -> Result<(f64, usize), ExprError> {
    let mut i = start;
    while chars
        .get(i)
        .is_some_and(|c| c.is_ascii_digit() || *c == '.')
    {
        i += 1;
    }
    if chars.get(i).is_some_and(|c| *c == 'e' || *c == 'E') {
        let mut j = i + 1;
        if chars.get(j).is_some_and(|c| *c == '+' || *c == '-') {
            j += 1;
        }
        if chars.get(j).is_some_and(char::is_ascii_digit) {
            i = j;
            while chars.get(i).is_some_and(char::is_ascii_digit) {
                i += 1;
            }
        }
    }
    let text: String = chars[start..i].iter().collect();
    let dots = text.chars().filter(|c| *c == '.').count();
    match text.parse::<f64>() {
        Ok(number) if dots <= 1 && number.is_finite() => Ok((number, i)),
        Ok(_) if dots <= 1 => error(start, format!("the number `{text}` is too large")),
        _ => error(start, format!("malformed number `{text}`")),
    }
}
