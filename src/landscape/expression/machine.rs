//! The compiled form: the syntax tree to postfix code for a stack machine (folding constants), and
//! the machine that runs it on plain or hyper-dual numbers without allocating.

use num_dual::HyperDual64;

use super::functions::{Extremum, Function, Scalar, apply, extremum, power, power_constant};
use super::parser::{AddOp, MulOp, Node};

/// One instruction of the postfix stack machine.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Op {
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
        step(&mut stack, op, 0.0, 0.0, 0.0);
        code.push(Op::Constant(stack.pop()));
        return;
    }
    code.push(op);
}

pub(super) fn compile(node: &Node, code: &mut Vec<Op>) {
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
pub(super) fn stack_size(code: &[Op]) -> usize {
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
pub(super) struct Stack<S, const N: usize> {
    slots: [S; N],
    pub(super) len: usize,
    pub(super) broken: bool,
}

impl<S: Scalar, const N: usize> Stack<S, N> {
    pub(super) fn new() -> Self {
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

    pub(super) fn pop(&mut self) -> S {
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

/// Executes one instruction (`relu_at_zero`: the slope relu′(0) derivatives use at exactly 0).
pub(super) fn step<S: Scalar, const N: usize>(
    stack: &mut Stack<S, N>,
    op: Op,
    x: S,
    y: S,
    relu_at_zero: f64,
) {
    let value = match op {
        Op::Constant(c) => S::constant(c),
        Op::X => x,
        Op::Y => y,
        Op::Negate => -stack.pop(),
        Op::PowerConstant(c) => power_constant(stack.pop(), c),
        Op::Call(function) => apply(function, stack.pop(), relu_at_zero),
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
pub(super) fn seeded(value: f64, along_first: bool, along_second: bool) -> HyperDual64 {
    HyperDual64::new(
        value,
        if along_first { 1.0 } else { 0.0 },
        if along_second { 1.0 } else { 0.0 },
        0.0,
    )
}
