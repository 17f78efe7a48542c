//! Formulas f(x, y) typed by the user: tokenizer, recursive-descent parser to an AST, and a
//! postfix stack machine compiled from it that evaluates f on plain numbers or, for exact first
//! and second derivatives, on hyper-dual numbers. Each stage has its file: `lexer` (characters to
//! tokens), `parser` (tokens to the tree), `machine` (the tree to postfix code, and running it) and
//! `functions` (the elementary functions and the arithmetic on both number types).
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
//! Second derivatives at a kink are those of the smooth pieces (0 for abs and relu). relu′(0) may
//! be chosen among [`RELU_GRAD_AT_ZERO_CHOICES`] (0, ½, 1) with
//! [`Expression::with_relu_grad_at_zero`]; the value relu(0) = 0 does not change, only what
//! backpropagation says at exactly 0 (Bolte & Pauwels 2021: relu(x) − relu(−x) = x, yet its
//! backpropagated derivative at 0 is 2·relu′(0)).
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

use functions::Scalar;
use machine::{Op, Stack, compile, seeded, stack_size, step};
use parser::parse_tree;

use super::{Matrix2, Point};

mod functions;
mod lexer;
mod machine;
mod parser;

/// Longest formula accepted, in characters.
pub const MAX_LENGTH: usize = 1000;
/// Most nested levels (parentheses, function arguments, signs, exponents) accepted.
pub const MAX_DEPTH: usize = 64;
/// The slopes relu′(0) a formula or a network may use at exactly 0: 0 (PyTorch), ½ or 1.
pub const RELU_GRAD_AT_ZERO_CHOICES: [f64; 3] = [0.0, 0.5, 1.0];
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

/// An [`ExprError`] at `position`, as the `Err` of any result.
fn error<T>(position: usize, message: impl Into<String>) -> Result<T, ExprError> {
    Err(ExprError {
        position,
        message: message.into(),
    })
}

/// A parsed formula f(x, y), compiled once to postfix code; evaluating it allocates nothing.
#[derive(Clone, Debug, PartialEq)]
pub struct Expression {
    code: Vec<Op>,
    /// Most values on the stack at once while running `code`.
    stack_size: usize,
    /// relu′(0): the derivative backpropagation gives relu at exactly 0.
    relu_grad_at_zero: f64,
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
        Ok(Self {
            code,
            stack_size,
            relu_grad_at_zero: 0.0,
        })
    }

    /// The same formula with relu′(0) = `slope` (one of [`RELU_GRAD_AT_ZERO_CHOICES`]; the value
    /// of relu does not change, only its derivative at exactly 0).
    pub fn with_relu_grad_at_zero(mut self, slope: f64) -> Self {
        self.relu_grad_at_zero = slope;
        self
    }

    /// The constant function `value` (NaN marks a formula that could not be built).
    pub fn constant(value: f64) -> Self {
        Self {
            code: vec![Op::Constant(value)],
            stack_size: 1,
            relu_grad_at_zero: 0.0,
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
            step(&mut stack, op, x, y, self.relu_grad_at_zero);
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
    use std::f64::consts::{E, PI};

    use super::functions::logistic;
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

    /// relu(x) − relu(−x) = x, but backpropagation gives 2·relu′(0) at 0: 0, 1, 2 for the three
    /// choices (Bolte & Pauwels 2021), while the value stays 0 and away from 0 nothing changes.
    #[test]
    fn relu_grad_at_zero_is_a_choice() {
        let expected = [0.0, 1.0, 2.0];
        for (slope, want) in RELU_GRAD_AT_ZERO_CHOICES.into_iter().zip(expected) {
            let e = parse("relu(x) - relu(-x)").with_relu_grad_at_zero(slope);
            let (f, g) = e.value_and_gradient([0.0, 0.0]);
            assert_eq!((f, g), (0.0, [want, 0.0]), "relu′(0) = {slope}");
            assert_eq!(e.value([0.0, 0.0]), 0.0);
            for x in [-0.5, 1e-12, 2.0] {
                assert_eq!(e.value_and_gradient([x, 0.0]), (x, [1.0, 0.0]), "at {x}");
            }
            let relu = parse("relu(y)").with_relu_grad_at_zero(slope);
            assert_eq!(relu.value_and_gradient([3.0, 0.0]).1, [0.0, slope]);
            assert_eq!(relu.hessian([3.0, 0.0]), [[0.0; 2]; 2]);
        }
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
