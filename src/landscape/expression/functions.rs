//! The functions of the formula language and the arithmetic both number types share: each
//! function's value and first and second derivatives in closed form, the [`Scalar`] trait over f64
//! and hyper-dual numbers, powers and max/min with torch's kink conventions.

use std::ops::{Add, Div, Mul, Neg, Sub};

use num_dual::HyperDual64;

/// A one-argument function of the formula language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Function {
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
pub(super) const FUNCTIONS: [(&str, Function); 11] = [
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
pub(super) enum Extremum {
    Max,
    Min,
}

/// sign(v) with sign(0) = 0, as `torch.sign`; NaN stays NaN.
fn sign(v: f64) -> f64 {
    if v == 0.0 { 0.0 } else { v.signum() }
}

/// The logistic function 1/(1 + e^(−a)), without overflow for large |a|.
pub(super) fn logistic(a: f64) -> f64 {
    if a >= 0.0 {
        1.0 / (1.0 + (-a).exp())
    } else {
        let e = a.exp();
        e / (1.0 + e)
    }
}

impl Function {
    pub(super) fn lookup(name: &str) -> Option<Function> {
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

    /// (g(a), g′(a), g″(a)); the value is exactly [`Function::value`]. `relu_at_zero` is the
    /// slope relu′(0) backpropagation uses at exactly 0 (0 as torch; ½ or 1 by choice).
    fn derivatives(self, a: f64, relu_at_zero: f64) -> (f64, f64, f64) {
        let g = self.value(a);
        match self {
            Function::Sin => (g, a.cos(), -g),
            Function::Cos => (g, -a.sin(), -g),
            Function::Tan => (g, 1.0 + g * g, 2.0 * g * (1.0 + g * g)),
            Function::Exp => (g, g, g),
            Function::Log => (g, 1.0 / a, -1.0 / (a * a)),
            Function::Sqrt => (g, 0.5 / g, -0.25 / (g * a)),
            // The kinks: sign(0) = 0 and relu′(0) = 0 (as torch, unless chosen otherwise); g″ is
            // that of the pieces.
            Function::Abs => (g, sign(a), 0.0),
            Function::Relu => {
                let slope = if a > 0.0 {
                    1.0
                } else if a.is_nan() {
                    f64::NAN
                } else if a == 0.0 {
                    relu_at_zero
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
pub(super) trait Scalar:
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

/// g(a), with relu′(0) = `relu_at_zero` where derivatives are carried.
pub(super) fn apply<S: Scalar>(function: Function, a: S, relu_at_zero: f64) -> S {
    if S::CARRIES_DERIVATIVES {
        let (g, first, second) = function.derivatives(a.real(), relu_at_zero);
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
pub(super) fn power_constant<S: Scalar>(a: S, c: f64) -> S {
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
pub(super) fn power<S: Scalar>(a: S, b: S) -> S {
    apply(Function::Exp, b * apply(Function::Log, a, 0.0), 0.0)
}

/// max or min; at a tie half the derivative to each (torch.maximum); NaN propagates.
pub(super) fn extremum<S: Scalar>(which: Extremum, a: S, b: S) -> S {
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
