//! The recursive-descent parser: tokens to the syntax tree, following the grammar in the module doc,
//! with the length and nesting bounds.

use std::f64::consts::{E, PI};

use super::functions::{Extremum, FUNCTIONS, Function};
use super::lexer::{Token, TokenKind, tokenize};
use super::{ExprError, MAX_DEPTH, MAX_LENGTH, error};

/// + or − in a sum.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum AddOp {
    Add,
    Subtract,
}

/// * or / in a product.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum MulOp {
    Multiply,
    Divide,
}

/// The parsed formula. Sums and products are n-ary (left to right), so the tree's depth is bounded
/// by the nesting depth, not by the formula's length.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Node {
    Number(f64),
    X,
    Y,
    Negate(Box<Node>),
    Sum(Box<Node>, Vec<(AddOp, Node)>),
    Product(Box<Node>, Vec<(MulOp, Node)>),
    Power(Box<Node>, Box<Node>),
    Call(Function, Box<Node>),
    Extremum(Extremum, Box<Node>, Box<Node>),
}

struct Parser {
    tokens: Vec<Token>,
    next: usize,
    depth: usize,
    end: Token,
}

impl Parser {
    fn peek(&self) -> &Token {
        self.tokens.get(self.next).unwrap_or(&self.end)
    }

    fn advance(&mut self) -> Token {
        let token = self.peek().clone();
        if self.next < self.tokens.len() {
            self.next += 1;
        }
        token
    }

    fn sum(&mut self) -> Result<Node, ExprError> {
        let first = self.product()?;
        let mut rest = Vec::new();
        loop {
            let op = match self.peek().kind {
                TokenKind::Plus => AddOp::Add,
                TokenKind::Minus => AddOp::Subtract,
                _ => break,
            };
            self.advance();
            rest.push((op, self.product()?));
        }
        Ok(if rest.is_empty() {
            first
        } else {
            Node::Sum(Box::new(first), rest)
        })
    }

    fn product(&mut self) -> Result<Node, ExprError> {
        let first = self.signed()?;
        let mut rest = Vec::new();
        loop {
            let op = match self.peek().kind {
                TokenKind::Star => MulOp::Multiply,
                TokenKind::Slash => MulOp::Divide,
                _ => break,
            };
            self.advance();
            rest.push((op, self.signed()?));
        }
        Ok(if rest.is_empty() {
            first
        } else {
            Node::Product(Box::new(first), rest)
        })
    }

    /// Every cycle of the recursion passes here, so counting depth here bounds all of it.
    fn signed(&mut self) -> Result<Node, ExprError> {
        self.depth += 1;
        // The top-level call is level 0.
        if self.depth > MAX_DEPTH + 1 {
            return error(
                self.peek().position,
                format!(
                    "formula nested too deeply: at most {MAX_DEPTH} levels of parentheses, \
                     functions, signs and powers"
                ),
            );
        }
        let node = match self.peek().kind {
            TokenKind::Minus => {
                self.advance();
                Node::Negate(Box::new(self.signed()?))
            }
            TokenKind::Plus => {
                self.advance();
                self.signed()?
            }
            _ => self.power()?,
        };
        self.depth -= 1;
        Ok(node)
    }

    fn power(&mut self) -> Result<Node, ExprError> {
        let base = self.atom()?;
        if self.peek().kind == TokenKind::Caret {
            self.advance();
            let exponent = self.signed()?;
            return Ok(Node::Power(Box::new(base), Box::new(exponent)));
        }
        Ok(base)
    }

    fn atom(&mut self) -> Result<Node, ExprError> {
        let token = self.advance();
        match token.kind {
            TokenKind::Number(n) => Ok(Node::Number(n)),
            TokenKind::Open => {
                let inner = self.sum()?;
                self.expect_close(token.position, None)?;
                Ok(inner)
            }
            TokenKind::Name(name) => self.named(&name, token.position),
            TokenKind::End => error(token.position, "unexpected end of formula"),
            other => error(
                token.position,
                format!(
                    "expected a number, x, y, a function or `(`, found {}",
                    other.describe()
                ),
            ),
        }
    }

    fn named(&mut self, name: &str, position: usize) -> Result<Node, ExprError> {
        match name {
            "x" => return Ok(Node::X),
            "y" => return Ok(Node::Y),
            "pi" => return Ok(Node::Number(PI)),
            "e" => return Ok(Node::Number(E)),
            _ => {}
        }
        let extremum = match name {
            "max" => Some(Extremum::Max),
            "min" => Some(Extremum::Min),
            _ => None,
        };
        let function = Function::lookup(name);
        let is_call = self.peek().kind == TokenKind::Open;
        if function.is_none() && extremum.is_none() {
            return if is_call {
                let known: Vec<&str> = FUNCTIONS.iter().map(|(n, _)| *n).collect();
                error(
                    position,
                    format!(
                        "unknown function `{name}`: use {}, max or min",
                        known.join(", ")
                    ),
                )
            } else {
                error(position, format!("unknown variable `{name}`: use x and y"))
            };
        }
        if !is_call {
            return error(self.peek().position, format!("expected `(` after `{name}`"));
        }
        self.advance();
        let first = self.sum()?;
        if let Some(which) = extremum {
            let next = self.peek().clone();
            if next.kind != TokenKind::Comma {
                return if next.kind.starts_operand() {
                    error(next.position, "expected an operator")
                } else if next.kind == TokenKind::End {
                    error(next.position, format!("expected `,`: {name}(a, b)"))
                } else {
                    error(
                        next.position,
                        format!("expected `,`: `{name}` takes two arguments, {name}(a, b)"),
                    )
                };
            }
            self.advance();
            let second = self.sum()?;
            self.expect_close(position + name.chars().count(), Some(name))?;
            return Ok(Node::Extremum(which, Box::new(first), Box::new(second)));
        }
        self.expect_close(position + name.chars().count(), Some(name))?;
        match function {
            Some(function) => Ok(Node::Call(function, Box::new(first))),
            None => error(position, format!("unknown function `{name}`")),
        }
    }

    /// Consumes the `)` matching the `(` at `open`; `function` names the call it closes.
    fn expect_close(&mut self, open: usize, function: Option<&str>) -> Result<(), ExprError> {
        let next = self.advance();
        match next.kind {
            TokenKind::Close => Ok(()),
            TokenKind::Comma => match function {
                Some(name) if name == "max" || name == "min" => error(
                    next.position,
                    format!("expected `)`: `{name}` takes two arguments"),
                ),
                Some(name) => error(
                    next.position,
                    format!("expected `)`: `{name}` takes one argument"),
                ),
                None => error(
                    next.position,
                    "unexpected `,`: only max and min take two arguments",
                ),
            },
            kind if kind.starts_operand() => error(next.position, "expected an operator"),
            _ => error(
                next.position,
                format!("expected `)` to match the `(` at character {}", open + 1),
            ),
        }
    }
}

pub(super) fn parse_tree(text: &str) -> Result<Node, ExprError> {
    // Counted before collecting, so a 1 MB string costs no 4 MB copy.
    let length = text.chars().count();
    if length > MAX_LENGTH {
        return error(
            MAX_LENGTH,
            format!("formula too long: {length} characters, at most {MAX_LENGTH}"),
        );
    }
    let chars: Vec<char> = text.chars().collect();
    let tokens = tokenize(&chars)?;
    let end = Token {
        kind: TokenKind::End,
        position: chars.len(),
    };
    if tokens.first().is_none_or(|t| t.kind == TokenKind::End) {
        return error(0, "empty formula: write f(x, y), e.g. x^2 + 10*y^2");
    }
    let mut parser = Parser {
        tokens,
        next: 0,
        depth: 0,
        end,
    };
    let tree = parser.sum()?;
    let rest = parser.peek().clone();
    match rest.kind {
        TokenKind::End => Ok(tree),
        TokenKind::Close => error(rest.position, "unmatched `)`"),
        TokenKind::Comma => error(
            rest.position,
            "unexpected `,`: only max and min take two arguments",
        ),
        _ => error(rest.position, "expected an operator"),
    }
}
