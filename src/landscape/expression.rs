//! Formulas f(x, y) typed by the user: tokenizer, recursive-descent parser to an AST, and a
//! postfix stack machine compiled from it that evaluates f on plain numbers or, for exact first
//! and second derivatives, on hyper-dual numbers.
//!
//! Grammar, loosest binding first:
//!
//! ```text
//! sum     = product (("+" | "-") product)*
//! product = signed (("*" | "/") signed)*
//! signed  = ("-" | "+") signed | power
//! power   = atom ("^" signed)?
//! atom    = number | "x" | "y" | "pi" | "e" | "(" sum ")"
//!         | function "(" sum ")" | ("max" | "min") "(" sum "," sum ")"
//! ```
//!
//! so `^` binds tighter than a sign and is right-associative, as in mathematics: −x^2 = −(x²),
//! 2^3^2 = 2⁹, x^−1 = 1/x. Numbers are `1`, `2.5`, `.5`, `1e-3`; the functions are sin cos tan exp
//! log (natural; `ln` too) sqrt abs tanh sigmoid relu softplus, and max(a, b), min(a, b). `**` is
//! accepted for `^`, and the typographic − · × π as − * * pi, so formulas copied from the
//! documentation work. There is no implicit multiplication (`2x` is "expected an operator").
//! Errors carry the 0-based character index where they were found. Input is bounded: at most
//! [`MAX_LENGTH`] characters and [`MAX_DEPTH`] nested levels (parentheses, function arguments,
//! signs, exponents), so that parsing recursion is bounded and never overflows the stack; sums and
//! products are n-ary in the AST, so long chains such as x + x + … stay shallow.
//!
//! Derivatives. A hyper-dual number a + a₁ε₁ + a₂ε₂ + a₁₂ε₁ε₂ (ε₁² = ε₂² = 0) goes through a
//! function g by g(a) + g′(a)a₁ε₁ + g′(a)a₂ε₂ + (g′(a)a₁₂ + g″(a)a₁a₂)ε₁ε₂, so seeding x ↦ x + ε₁,
//! y ↦ y + ε₂ gives f, ∂f/∂x, ∂f/∂y and ∂²f/∂x∂y exactly, and seeding both ε on one variable its
//! pure second derivative (Fike & Alonso 2011, as in [`super::autodiff`]). Every elementary
//! function supplies (g, g′, g″) in closed form (sigmoid and softplus in overflow-safe forms).
//! x^c with a constant exponent c uses c·x^(c−1) and c(c−1)·x^(c−2) (integer c by repeated
//! multiplication, so (−2)^2 = 4 with derivative −4); a^b with a variable exponent is exp(b·ln a).
//!
//! Kinks follow PyTorch's autograd, like the built-in landscapes: abs′(0) = sign(0) = 0,
//! relu′(0) = 0, and max(a, b), min(a, b) at a tie a = b pass half the derivative to each argument
//! (what `torch.maximum`/`torch.minimum` do), so max(x, y) on the diagonal has gradient (½, ½).
//! Second derivatives at a kink are those of the smooth pieces (0 for abs and relu).
//!
//! Domain: log of a negative number, sqrt of a negative number, x^c with non-integer c and x < 0,
//! and a^b with variable b and a ≤ 0 are NaN; log(0) is −∞ and division by 0 gives ±∞ or NaN. The
//! engine reports a NaN or infinite loss as divergence, so a run that leaves the domain stops with a
//! reason rather than a crash.
//!
//! References: J. A. Fike & J. J. Alonso, "The development of hyper-dual numbers for exact
//! second-derivative calculations", AIAA 2011-886; A. V. Aho, M. S. Lam, R. Sethi & J. D. Ullman,
//! *Compilers: Principles, Techniques, and Tools* (2nd ed., 2006), §4.4 (recursive descent) and
//! §2.8 (postfix code for a stack machine); PyTorch's derivatives.yaml for the kink conventions.

use std::f64::consts::{E, PI};
use std::ops::{Add, Div, Mul, Neg, Sub};

use num_dual::HyperDual64;

use super::{Matrix2, Point};

/// Longest formula accepted, in characters.
pub const MAX_LENGTH: usize = 1000;
/// Most nested levels (parentheses, function arguments, signs, exponents) accepted.
pub const MAX_DEPTH: usize = 64;
/// Most values the stack machine holds at once; the depth bound keeps real formulas far below.
const STACK_CAPACITY: usize = 256;

/// A formula that does not parse: where (0-based character index) and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("at character {}: {message}", position + 1)]
pub struct ExprError {
    /// Index of the offending character, counting characters (not bytes) from 0.
    pub position: usize,
    /// What is wrong, in the user's terms, e.g. "unknown function `sine`".
    pub message: String,
}

fn error<T>(position: usize, message: impl Into<String>) -> Result<T, ExprError> {
    Err(ExprError {
        position,
        message: message.into(),
    })
}

/// A one-argument function of the formula language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Function {
    Sin,
    Cos,
    Tan,
    Exp,
    Log,
    Sqrt,
    Abs,
    Tanh,
    Sigmoid,
    Relu,
    Softplus,
}

/// Names of the functions, for lookup and for the "unknown function" message.
const FUNCTIONS: [(&str, Function); 11] = [
    ("sin", Function::Sin),
    ("cos", Function::Cos),
    ("tan", Function::Tan),
    ("exp", Function::Exp),
    ("log", Function::Log),
    ("sqrt", Function::Sqrt),
    ("abs", Function::Abs),
    ("tanh", Function::Tanh),
    ("sigmoid", Function::Sigmoid),
    ("relu", Function::Relu),
    ("softplus", Function::Softplus),
];

/// max or min of two arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Extremum {
    Max,
    Min,
}

/// sign(v) with sign(0) = 0, as `torch.sign`; NaN stays NaN.
fn sign(v: f64) -> f64 {
    if v == 0.0 { 0.0 } else { v.signum() }
}

/// The logistic function 1/(1 + e^(−a)), without overflow for large |a|.
fn logistic(a: f64) -> f64 {
    if a >= 0.0 {
        1.0 / (1.0 + (-a).exp())
    } else {
        let e = a.exp();
        e / (1.0 + e)
    }
}

impl Function {
    fn lookup(name: &str) -> Option<Function> {
        match name {
            "ln" => Some(Function::Log),
            _ => FUNCTIONS.iter().find(|(n, _)| *n == name).map(|&(_, f)| f),
        }
    }

    /// g(a).
    fn value(self, a: f64) -> f64 {
        match self {
            Function::Sin => a.sin(),
            Function::Cos => a.cos(),
            Function::Tan => a.tan(),
            Function::Exp => a.exp(),
            Function::Log => a.ln(),
            Function::Sqrt => a.sqrt(),
            Function::Abs => a.abs(),
            Function::Tanh => a.tanh(),
            Function::Sigmoid => logistic(a),
            // `f64::max` would turn NaN into 0.
            Function::Relu => {
                if a > 0.0 || a.is_nan() {
                    a
                } else {
                    0.0
                }
            }
            // log(1 + eᵃ) = max(a, 0) + log(1 + e^(−|a|)), finite for every finite a.
            Function::Softplus => a.max(0.0) + (-a.abs()).exp().ln_1p(),
        }
    }

    /// (g(a), g′(a), g″(a)); the value is exactly [`Function::value`].
    fn derivatives(self, a: f64) -> (f64, f64, f64) {
        let g = self.value(a);
        match self {
            Function::Sin => (g, a.cos(), -g),
            Function::Cos => (g, -a.sin(), -g),
            Function::Tan => (g, 1.0 + g * g, 2.0 * g * (1.0 + g * g)),
            Function::Exp => (g, g, g),
            Function::Log => (g, 1.0 / a, -1.0 / (a * a)),
            Function::Sqrt => (g, 0.5 / g, -0.25 / (g * a)),
            // The kinks: sign(0) = 0 and relu′(0) = 0, as torch; g″ is that of the pieces.
            Function::Abs => (g, sign(a), 0.0),
            Function::Relu => {
                let slope = if a > 0.0 {
                    1.0
                } else if a.is_nan() {
                    f64::NAN
                } else {
                    0.0
                };
                (g, slope, 0.0)
            }
            Function::Tanh => (g, 1.0 - g * g, -2.0 * g * (1.0 - g * g)),
            Function::Sigmoid => {
                let slope = g * (1.0 - g);
                (g, slope, slope * (1.0 - 2.0 * g))
            }
            Function::Softplus => {
                let s = logistic(a);
                (g, s, s * (1.0 - s))
            }
        }
    }
}

/// A number the formula can be evaluated on: f64 for values, hyper-duals for derivatives.
trait Scalar:
    Copy
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
{
    /// Whether derivative parts are carried (false: skip computing g′ and g″).
    const CARRIES_DERIVATIVES: bool;
    /// A constant (zero derivative parts).
    fn constant(value: f64) -> Self;
    /// The real part.
    fn real(self) -> f64;
    /// g(self) from g, g′ and g″ at the real part.
    fn chain(self, value: f64, first: f64, second: f64) -> Self;
    /// The real part of `self` with the derivative parts of `self` and `other` averaged: max and
    /// min at a tie.
    fn tie(self, other: Self) -> Self;
    /// self / other, with the real part exactly the f64 quotient, so that f is the same number
    /// whichever way it is evaluated.
    fn divide(self, other: Self) -> Self {
        self / other
    }
}

impl Scalar for f64 {
    const CARRIES_DERIVATIVES: bool = false;

    fn constant(value: f64) -> Self {
        value
    }

    fn real(self) -> f64 {
        self
    }

    fn chain(self, value: f64, _first: f64, _second: f64) -> Self {
        value
    }

    fn tie(self, _other: Self) -> Self {
        self
    }
}

/// t·factor, but 0 when t is exactly 0: a part that does not depend on a variable stays 0 even
/// where g′ is infinite (sqrt(y) at y = 0 has ∂/∂x = 0, as in torch, not 0·∞ = NaN).
fn scaled(t: f64, factor: f64) -> f64 {
    if t == 0.0 { 0.0 } else { t * factor }
}

impl Scalar for HyperDual64 {
    const CARRIES_DERIVATIVES: bool = true;

    fn constant(value: f64) -> Self {
        HyperDual64::from_re(value)
    }

    fn real(self) -> f64 {
        self.re
    }

    fn chain(self, value: f64, first: f64, second: f64) -> Self {
        HyperDual64::new(
            value,
            scaled(self.eps1, first),
            scaled(self.eps2, first),
            scaled(self.eps1eps2, first) + scaled(self.eps1 * self.eps2, second),
        )
    }

    fn divide(self, other: Self) -> Self {
        // num-dual divides by multiplying with 1/b, which can round differently from a/b, or
        // overflow where a/b does not (b subnormal): value() and value_and_gradient() disagreed.
        let mut quotient = self / other;
        quotient.re = self.re / other.re;
        quotient
    }

    fn tie(self, other: Self) -> Self {
        HyperDual64::new(
            self.re,
            0.5 * (self.eps1 + other.eps1),
            0.5 * (self.eps2 + other.eps2),
            0.5 * (self.eps1eps2 + other.eps1eps2),
        )
    }
}

fn apply<S: Scalar>(function: Function, a: S) -> S {
    if S::CARRIES_DERIVATIVES {
        let (g, first, second) = function.derivatives(a.real());
        a.chain(g, first, second)
    } else {
        S::constant(function.value(a.real()))
    }
}

/// rᶜ, by repeated multiplication for whole c (exact for negative r too).
fn power_of(r: f64, c: f64) -> f64 {
    if c.fract() == 0.0 && c.abs() <= f64::from(i32::MAX) {
        r.powi(c as i32)
    } else {
        r.powf(c)
    }
}

/// a^c for a constant c: derivatives c·a^(c−1) and c(c−1)·a^(c−2), exactly 0 where the factor is.
fn power_constant<S: Scalar>(a: S, c: f64) -> S {
    let r = a.real();
    // The common square, without the general power's calls.
    if c == 2.0 {
        return if S::CARRIES_DERIVATIVES {
            a.chain(r * r, 2.0 * r, 2.0)
        } else {
            S::constant(r * r)
        };
    }
    if !S::CARRIES_DERIVATIVES {
        return S::constant(power_of(r, c));
    }
    let first = if c == 0.0 {
        0.0
    } else {
        c * power_of(r, c - 1.0)
    };
    let second = if c == 0.0 || c == 1.0 {
        0.0
    } else {
        c * (c - 1.0) * power_of(r, c - 2.0)
    };
    a.chain(power_of(r, c), first, second)
}

/// a^b for a variable exponent: exp(b·ln a), defined for a > 0.
fn power<S: Scalar>(a: S, b: S) -> S {
    apply(Function::Exp, b * apply(Function::Log, a))
}

/// max or min; at a tie half the derivative to each (torch.maximum); NaN propagates.
fn extremum<S: Scalar>(which: Extremum, a: S, b: S) -> S {
    let (ra, rb) = (a.real(), b.real());
    if ra == rb {
        return a.tie(b);
    }
    if ra.is_nan() || rb.is_nan() {
        return S::constant(f64::NAN);
    }
    match (which, ra > rb) {
        (Extremum::Max, true) | (Extremum::Min, false) => a,
        (Extremum::Max, false) | (Extremum::Min, true) => b,
    }
}

// ---------------------------------------------------------------------------------------------
// Tokens

#[derive(Clone, Debug, PartialEq)]
enum TokenKind {
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
struct Token {
    kind: TokenKind,
    /// Character index of the token's first character.
    position: usize,
}

impl TokenKind {
    /// How the token reads in a message.
    fn describe(&self) -> String {
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
    fn starts_operand(&self) -> bool {
        matches!(
            self,
            TokenKind::Number(_) | TokenKind::Name(_) | TokenKind::Open
        )
    }
}

fn tokenize(chars: &[char]) -> Result<Vec<Token>, ExprError> {
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

// ---------------------------------------------------------------------------------------------
// Syntax tree

/// + or − in a sum.
#[derive(Clone, Copy, Debug, PartialEq)]
enum AddOp {
    Add,
    Subtract,
}

/// * or / in a product.
#[derive(Clone, Copy, Debug, PartialEq)]
enum MulOp {
    Multiply,
    Divide,
}

/// The parsed formula. Sums and products are n-ary (left to right), so the tree's depth is bounded
/// by the nesting depth, not by the formula's length.
#[derive(Clone, Debug, PartialEq)]
enum Node {
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

fn parse_tree(text: &str) -> Result<Node, ExprError> {
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

// ---------------------------------------------------------------------------------------------
// Compiled form

/// One instruction of the postfix stack machine.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Op {
    Constant(f64),
    X,
    Y,
    Negate,
    Add,
    Subtract,
    Multiply,
    Divide,
    /// a^b, b variable.
    Power,
    /// a^c, c constant.
    PowerConstant(f64),
    Call(Function),
    Extremum(Extremum),
}

/// A parsed formula f(x, y), compiled once to postfix code; evaluating it allocates nothing.
#[derive(Clone, Debug, PartialEq)]
pub struct Expression {
    code: Vec<Op>,
    /// Most values on the stack at once while running `code`.
    stack_size: usize,
}

/// Appends `op`, folding it into a constant when all its operands are constants (so `2*pi`,
/// `-1` and `10^-3` cost nothing per evaluation and an exponent like `1/2` is seen as constant).
fn emit(code: &mut Vec<Op>, op: Op) {
    // A constant exponent: the exact power rule, defined for negative bases with whole exponents
    // ((−2)^3 = −8, where exp(3·ln(−2)) would be NaN).
    if let (Op::Power, Some(&Op::Constant(c))) = (op, code.last()) {
        code.pop();
        emit(code, Op::PowerConstant(c));
        return;
    }
    let arity = match op {
        Op::Constant(_) | Op::X | Op::Y => 0,
        Op::Negate | Op::PowerConstant(_) | Op::Call(_) => 1,
        _ => 2,
    };
    let n = code.len();
    let operands: Option<Vec<f64>> = code
        .get(n.saturating_sub(arity)..)
        .filter(|tail| arity > 0 && tail.len() == arity)
        .and_then(|tail| {
            tail.iter()
                .map(|op| match op {
                    Op::Constant(c) => Some(*c),
                    _ => None,
                })
                .collect()
        });
    if let Some(values) = operands {
        code.truncate(n - arity);
        let mut stack = Stack::<f64, 2>::new();
        for v in values {
            stack.push(v);
        }
        step(&mut stack, op, 0.0, 0.0);
        code.push(Op::Constant(stack.pop()));
        return;
    }
    code.push(op);
}

fn compile(node: &Node, code: &mut Vec<Op>) {
    match node {
        Node::Number(n) => emit(code, Op::Constant(*n)),
        Node::X => emit(code, Op::X),
        Node::Y => emit(code, Op::Y),
        Node::Negate(a) => {
            compile(a, code);
            emit(code, Op::Negate);
        }
        Node::Sum(first, rest) => {
            compile(first, code);
            for (op, term) in rest {
                compile(term, code);
                emit(
                    code,
                    match op {
                        AddOp::Add => Op::Add,
                        AddOp::Subtract => Op::Subtract,
                    },
                );
            }
        }
        Node::Product(first, rest) => {
            compile(first, code);
            for (op, factor) in rest {
                compile(factor, code);
                emit(
                    code,
                    match op {
                        MulOp::Multiply => Op::Multiply,
                        MulOp::Divide => Op::Divide,
                    },
                );
            }
        }
        Node::Power(base, exponent) => {
            compile(base, code);
            compile(exponent, code);
            emit(code, Op::Power);
        }
        Node::Call(function, a) => {
            compile(a, code);
            emit(code, Op::Call(*function));
        }
        Node::Extremum(which, a, b) => {
            compile(a, code);
            compile(b, code);
            emit(code, Op::Extremum(*which));
        }
    }
}

/// The deepest the stack gets running `code`.
fn stack_size(code: &[Op]) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    for op in code {
        match op {
            Op::Constant(_) | Op::X | Op::Y => depth += 1,
            Op::Negate | Op::PowerConstant(_) | Op::Call(_) => {}
            _ => depth = depth.saturating_sub(1),
        }
        deepest = deepest.max(depth);
    }
    deepest
}

/// A fixed-size value stack; misuse (impossible for compiled code) yields NaN, never a panic.
struct Stack<S, const N: usize> {
    slots: [S; N],
    len: usize,
    broken: bool,
}

impl<S: Scalar, const N: usize> Stack<S, N> {
    fn new() -> Self {
        Self {
            slots: [S::constant(0.0); N],
            len: 0,
            broken: false,
        }
    }

    fn push(&mut self, value: S) {
        match self.slots.get_mut(self.len) {
            Some(slot) => {
                *slot = value;
                self.len += 1;
            }
            None => self.broken = true,
        }
    }

    /// The two top values, deeper first: the operands (a, b) of a binary operation.
    fn pop_two(&mut self) -> (S, S) {
        let b = self.pop();
        (self.pop(), b)
    }

    fn pop(&mut self) -> S {
        match self.len.checked_sub(1).and_then(|top| self.slots.get(top)) {
            Some(&value) => {
                self.len -= 1;
                value
            }
            None => {
                self.broken = true;
                S::constant(f64::NAN)
            }
        }
    }
}

/// Executes one instruction.
fn step<S: Scalar, const N: usize>(stack: &mut Stack<S, N>, op: Op, x: S, y: S) {
    let value = match op {
        Op::Constant(c) => S::constant(c),
        Op::X => x,
        Op::Y => y,
        Op::Negate => -stack.pop(),
        Op::PowerConstant(c) => power_constant(stack.pop(), c),
        Op::Call(function) => apply(function, stack.pop()),
        Op::Add => {
            let (a, b) = stack.pop_two();
            a + b
        }
        Op::Subtract => {
            let (a, b) = stack.pop_two();
            a - b
        }
        Op::Multiply => {
            let (a, b) = stack.pop_two();
            a * b
        }
        Op::Divide => {
            let (a, b) = stack.pop_two();
            a.divide(b)
        }
        Op::Power => {
            let (a, b) = stack.pop_two();
            power(a, b)
        }
        Op::Extremum(which) => {
            let (a, b) = stack.pop_two();
            extremum(which, a, b)
        }
    };
    stack.push(value);
}

/// x seeded along ε₁ and/or ε₂.
fn seeded(value: f64, along_first: bool, along_second: bool) -> HyperDual64 {
    HyperDual64::new(
        value,
        if along_first { 1.0 } else { 0.0 },
        if along_second { 1.0 } else { 0.0 },
        0.0,
    )
}

impl Expression {
    /// Parses and compiles `text`; the error says where (character index) and what is wrong.
    pub fn parse(text: &str) -> Result<Self, ExprError> {
        let tree = parse_tree(text)?;
        let mut code = Vec::new();
        compile(&tree, &mut code);
        let stack_size = stack_size(&code);
        if stack_size > STACK_CAPACITY {
            return error(0, "formula too complex to evaluate");
        }
        Ok(Self { code, stack_size })
    }

    /// The constant function `value` (NaN marks a formula that could not be built).
    pub fn constant(value: f64) -> Self {
        Self {
            code: vec![Op::Constant(value)],
            stack_size: 1,
        }
    }

    /// Number of stack-machine instructions (after constant folding): the cost of one evaluation.
    pub fn len(&self) -> usize {
        self.code.len()
    }

    /// Whether there is no code (never true for a parsed formula).
    pub fn is_empty(&self) -> bool {
        self.code.is_empty()
    }

    fn run_on<S: Scalar, const N: usize>(&self, x: S, y: S) -> S {
        let mut stack = Stack::<S, N>::new();
        for &op in &self.code {
            step(&mut stack, op, x, y);
        }
        let result = stack.pop();
        if stack.broken || stack.len != 0 {
            S::constant(f64::NAN)
        } else {
            result
        }
    }

    /// Runs on a stack just large enough, so small formulas do not pay for clearing a large one.
    fn eval<S: Scalar>(&self, x: S, y: S) -> S {
        match self.stack_size {
            0..=8 => self.run_on::<S, 8>(x, y),
            9..=32 => self.run_on::<S, 32>(x, y),
            _ => self.run_on::<S, STACK_CAPACITY>(x, y),
        }
    }

    /// f(p).
    pub fn value(&self, p: Point) -> f64 {
        self.eval(p[0], p[1])
    }

    /// f(p) and ∇f(p), exact (one hyper-dual evaluation).
    pub fn value_and_gradient(&self, p: Point) -> (f64, Point) {
        let r = self.eval(seeded(p[0], true, false), seeded(p[1], false, true));
        (r.re, [r.eps1, r.eps2])
    }

    /// ∇²f(p), exact (three hyper-dual evaluations).
    pub fn hessian(&self, p: Point) -> Matrix2 {
        let mixed = self.eval(seeded(p[0], true, false), seeded(p[1], false, true));
        let xx = self.eval(seeded(p[0], true, true), seeded(p[1], false, false));
        let yy = self.eval(seeded(p[0], false, false), seeded(p[1], true, true));
        [[xx.eps1eps2, mixed.eps1eps2], [mixed.eps1eps2, yy.eps1eps2]]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Expression {
        Expression::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    fn value(text: &str, p: Point) -> f64 {
        parse(text).value(p)
    }

    #[test]
    fn precedence_and_associativity_follow_mathematics() {
        let p = [3.0, 2.0];
        let cases = [
            ("-x^2", -9.0),
            ("2^3^2", 512.0),
            ("x^-1", 1.0 / 3.0),
            ("2*x^2", 18.0),
            ("x - y - 1", 0.0),
            ("x / y / 2", 0.75),
            ("-x*y", -6.0),
            ("--x", 3.0),
            ("+x", 3.0),
            ("(x + y)^2", 25.0),
            ("2 ** 3", 8.0),
            ("x − y · 2 × 1", -1.0),
            ("1e-3 * 1000 + .5 + 2.", 3.5),
            ("pi + e", PI + E),
            ("π", PI),
            ("max(x, y) + min(x, y)", 5.0),
            ("ln(exp(x))", 3.0),
            ("(-2)^2 + (-2)^3", -4.0),
            ("2^x", 8.0),
            ("x^(1/2)", 3f64.sqrt()),
        ];
        for (text, expected) in cases {
            let got = value(text, p);
            assert!(
                (got - expected).abs() <= 1e-15 * expected.abs().max(1.0),
                "{text} = {got}, expected {expected}"
            );
        }
    }

    #[test]
    fn constants_are_folded() {
        assert_eq!(parse("2*pi*x").len(), 3);
        assert_eq!(parse("x^(1/2)").code, [Op::X, Op::PowerConstant(0.5)]);
        assert_eq!(parse("-3").code, [Op::Constant(-3.0)]);
    }

    /// f, ∇f, ∇²f of every function at a point, against closed forms.
    #[test]
    fn derivatives_of_each_function() {
        let a = 0.7;
        let s = logistic(a);
        let cases: [(&str, f64, f64, f64); 12] = [
            ("sin(x)", a.sin(), a.cos(), -a.sin()),
            ("cos(x)", a.cos(), -a.sin(), -a.cos()),
            (
                "tan(x)",
                a.tan(),
                1.0 / a.cos().powi(2),
                2.0 * a.tan() / a.cos().powi(2),
            ),
            ("exp(x)", a.exp(), a.exp(), a.exp()),
            ("log(x)", a.ln(), 1.0 / a, -1.0 / (a * a)),
            ("sqrt(x)", a.sqrt(), 0.5 / a.sqrt(), -0.25 * a.powf(-1.5)),
            ("abs(-x)", a, 1.0, 0.0),
            (
                "tanh(x)",
                a.tanh(),
                1.0 - a.tanh().powi(2),
                -2.0 * a.tanh() * (1.0 - a.tanh().powi(2)),
            ),
            (
                "sigmoid(x)",
                s,
                s * (1.0 - s),
                s * (1.0 - s) * (1.0 - 2.0 * s),
            ),
            ("relu(x)", a, 1.0, 0.0),
            ("softplus(x)", (1.0 + a.exp()).ln(), s, s * (1.0 - s)),
            ("x^2.5", a.powf(2.5), 2.5 * a.powf(1.5), 3.75 * a.sqrt()),
        ];
        for (text, f, df, d2f) in cases {
            let e = parse(text);
            let (value, g) = e.value_and_gradient([a, 0.3]);
            let h = e.hessian([a, 0.3]);
            let close = |u: f64, v: f64| (u - v).abs() <= 1e-14 * v.abs().max(1.0);
            assert!(
                close(value, f) && close(e.value([a, 0.3]), f),
                "{text}: {value} vs {f}"
            );
            assert!(close(g[0], df) && g[1] == 0.0, "{text}: {g:?} vs {df}");
            assert!(close(h[0][0], d2f), "{text}: {h:?} vs {d2f}");
            assert!(
                h[0][1] == 0.0 && h[1][0] == 0.0 && h[1][1] == 0.0,
                "{text}: {h:?}"
            );
        }
    }

    #[test]
    fn mixed_and_variable_exponent_derivatives() {
        // f = x^y: fx = y x^(y−1), fy = x^y ln x, fxy = x^(y−1)(1 + y ln x).
        let (x, y) = (1.5, 2.5);
        let e = parse("x^y");
        let (f, g) = e.value_and_gradient([x, y]);
        let h = e.hessian([x, y]);
        let close = |u: f64, v: f64| (u - v).abs() <= 1e-14 * v.abs().max(1.0);
        assert!(close(f, x.powf(y)));
        assert!(close(g[0], y * x.powf(y - 1.0)) && close(g[1], x.powf(y) * x.ln()));
        assert!(close(h[0][1], x.powf(y - 1.0) * (1.0 + y * x.ln())) && h[0][1] == h[1][0]);
        assert!(close(h[0][0], y * (y - 1.0) * x.powf(y - 2.0)));
        assert!(close(h[1][1], x.powf(y) * x.ln().powi(2)));
    }

    #[test]
    fn kinks_follow_torch() {
        let zero = [0.0, 0.0];
        assert_eq!(parse("abs(x)").value_and_gradient(zero), (0.0, [0.0, 0.0]));
        assert_eq!(
            parse("abs(x)").value_and_gradient([-0.0, 1.0]),
            (0.0, [0.0, 0.0])
        );
        assert_eq!(parse("relu(x)").value_and_gradient(zero), (0.0, [0.0, 0.0]));
        assert_eq!(
            parse("relu(x)").value_and_gradient([-1.0, 0.0]),
            (0.0, [0.0, 0.0])
        );
        assert_eq!(
            parse("relu(x)").value_and_gradient([2.0, 0.0]),
            (2.0, [1.0, 0.0])
        );
        // torch.maximum/minimum split the gradient at a tie.
        assert_eq!(
            parse("max(x, y)").value_and_gradient([1.0, 1.0]),
            (1.0, [0.5, 0.5])
        );
        assert_eq!(
            parse("min(x, y)").value_and_gradient([1.0, 1.0]),
            (1.0, [0.5, 0.5])
        );
        assert_eq!(
            parse("max(x, y)").value_and_gradient([2.0, 1.0]),
            (2.0, [1.0, 0.0])
        );
        assert_eq!(
            parse("min(x, y)").value_and_gradient([2.0, 1.0]),
            (1.0, [0.0, 1.0])
        );
        assert_eq!(
            parse("max(x, 0)").value_and_gradient(zero),
            (0.0, [0.5, 0.0])
        );
        assert_eq!(parse("abs(x) + 2*abs(y)").hessian(zero), [[0.0; 2]; 2]);
        // A variable that does not occur has derivative 0 even where g′ is infinite.
        let (f, g) = parse("sqrt(y)").value_and_gradient([1.0, 0.0]);
        assert_eq!((f, g[0]), (0.0, 0.0));
        assert!(g[1].is_infinite());
    }

    /// Found by tests/fuzz.rs: the hyper-dual path divided by multiplying with 1/b, so f differed
    /// between value() and value_and_gradient() in the last digit, or entirely where 1/b overflows.
    #[test]
    fn division_gives_the_same_value_on_every_path() {
        let cases = [
            ("(1e-308 − y) / (e)", [0.0, 1e300]),
            ("x / 1e-310", [1e-10, 0.0]),
            ("x / y", [1.0, 3.0]),
        ];
        for (text, p) in cases {
            let e = parse(text);
            let value = e.value(p);
            assert_eq!(
                value.to_bits(),
                e.value_and_gradient(p).0.to_bits(),
                "{text}"
            );
        }
        assert_eq!(value("x / 1e-310", [1e-10, 0.0]), 1e-10 / 1e-310);
        let (_, g) = parse("x / y").value_and_gradient([1.0, 2.0]);
        assert_eq!(g, [0.5, -0.25]);
    }

    #[test]
    fn outside_the_domain_is_nan() {
        for text in ["log(x)", "sqrt(x)", "x^0.5", "x^y", "max(log(x), y)"] {
            let e = parse(text);
            assert!(e.value([-1.0, 2.0]).is_nan(), "{text}");
            assert!(e.value_and_gradient([-1.0, 2.0]).0.is_nan(), "{text}");
        }
        assert_eq!(value("log(x)", [0.0, 0.0]), f64::NEG_INFINITY);
        // Large arguments stay finite where the function is.
        assert_eq!(value("sigmoid(x)", [-1000.0, 0.0]), 0.0);
        assert_eq!(value("softplus(x)", [1000.0, 0.0]), 1000.0);
        let (_, g) = parse("sigmoid(x) + softplus(y)").value_and_gradient([-800.0, -800.0]);
        assert!(g[0] == 0.0 && g[1] == 0.0);
    }

    #[test]
    fn malformed_formulas_report_where() {
        let cases: [(&str, usize, &str); 22] = [
            ("sine(x)", 0, "unknown function `sine`"),
            ("x^2 + 10*z", 9, "unknown variable `z`: use x and y"),
            ("(x + y", 6, "expected `)`"),
            ("x +", 3, "unexpected end of formula"),
            ("2x", 1, "expected an operator"),
            ("x y", 2, "expected an operator"),
            ("x(y)", 1, "expected an operator"),
            ("sin(2x)", 5, "expected an operator"),
            ("x)", 1, "unmatched `)`"),
            ("x # y", 2, "unexpected character `#`"),
            ("max(x)", 5, "takes two arguments"),
            ("max(x, y, 1)", 8, "takes two arguments"),
            ("sin(x, y)", 5, "takes one argument"),
            ("sin x", 4, "expected `(` after `sin`"),
            ("1.2.3 + x", 0, "malformed number `1.2.3`"),
            ("1e999", 0, "too large"),
            ("*x", 0, "found `*`"),
            ("()", 1, "found `)`"),
            ("max(x,)", 6, "found `)`"),
            ("x, y", 1, "unexpected `,`"),
            ("   ", 0, "empty formula"),
            (
                "x + (y * (2 + x)",
                16,
                "expected `)` to match the `(` at character 5",
            ),
        ];
        for (text, position, message) in cases {
            match Expression::parse(text) {
                Ok(_) => panic!("{text} parsed"),
                Err(e) => {
                    assert_eq!(e.position, position, "{text}: {e}");
                    assert!(e.message.contains(message), "{text}: {e}");
                }
            }
        }
        let e = Expression::parse("é + sine(x)").err();
        assert_eq!(
            e.map(|e| e.to_string()),
            Some("at character 1: unexpected character `é`".to_owned())
        );
        // Positions count characters, not bytes.
        let e = Expression::parse("x − y · sine(x)").err();
        assert_eq!(e.map(|e| e.position), Some(8));
    }

    #[test]
    fn length_and_depth_are_bounded() {
        let nested = |n: usize| format!("{}x{}", "(".repeat(n), ")".repeat(n));
        assert!(Expression::parse(&nested(MAX_DEPTH)).is_ok());
        let e = Expression::parse(&nested(MAX_DEPTH + 1)).err();
        // The first token beyond the limit is blamed: the `x` at level 65.
        assert!(e.is_some_and(|e| e.position == MAX_DEPTH + 1 && e.message.contains("deeply")));
        for deep in [
            "-".repeat(500) + "x",
            "x^".repeat(400) + "x",
            "sin(".repeat(150) + "x" + &")".repeat(150),
            "(".repeat(999),
        ] {
            let e = Expression::parse(&deep).err();
            assert!(e.is_some_and(|e| e.message.contains("deeply")), "{deep}");
        }
        // Long flat chains are fine: the tree stays shallow.
        let long = vec!["x"; 499].join("+");
        assert!(long.chars().count() <= MAX_LENGTH);
        assert_eq!(value(&long, [1.0, 0.0]), 499.0);
        let products = vec!["x*y"; 250].join("-");
        assert_eq!(
            parse(&products).value_and_gradient([1.0, 1.0]).1,
            [-248.0, -248.0]
        );
        let too_long = "x+".repeat(500) + "x";
        let e = Expression::parse(&too_long).err();
        assert!(e.is_some_and(|e| e.position == MAX_LENGTH && e.message.contains("too long")));
        // The deepest accepted exponent tower still fits the stack.
        let tower = "x^".repeat(MAX_DEPTH) + "x";
        assert!(parse(&tower).value([1.0, 1.0]) == 1.0);
        let right_heavy = "x+(".repeat(MAX_DEPTH) + "x" + &")".repeat(MAX_DEPTH);
        assert_eq!(value(&right_heavy, [1.0, 0.0]), (MAX_DEPTH + 1) as f64);
    }
}
