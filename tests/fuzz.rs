//! Property tests of hostile input: arbitrary text and mutated real presets into the preset loader,
//! random formulas (from a small grammar) and random bytes into the formula parser. Nothing may
//! panic; every error must point inside the text; every formula that parses must evaluate (value,
//! gradient, Hessian) at any point without panicking. Whatever these find becomes a case in
//! tests/bad_presets.rs.
//!
//! Case counts keep the file under 20 s in a debug build.

use optiviz::landscape::expression::Expression;
use optiviz::scenario::{self, LoadError};
use proptest::prelude::*;

/// Real presets to mutate: a landscape, a formula, networks, a sweep-free comparison.
const PRESETS: [&str; 5] = [
    include_str!("../presets/zigzag.ron"),
    include_str!("../presets/formula_playground.ron"),
    include_str!("../presets/schedules.ron"),
    include_str!("../presets/matrix_completion.ron"),
    include_str!("../presets/newton_basins.ron"),
];

/// Pieces of RON (and of hostile RON) that mutations insert.
const TOKENS: [&str; 28] = [
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    "\"",
    "'",
    "NaN",
    "inf",
    "-inf",
    "-1",
    "0",
    "1e308",
    "1e400",
    "18446744073709551616",
    "true",
    "Some(",
    "None",
    "r#\"",
    "/*",
    "//",
    "#![enable(",
    "Sgd",
    "x",
    "\u{0}",
];

/// Each diagnostic of a failed load points at a line and column inside `source` (or just past its
/// end) and says something.
fn assert_located(source: &str, error: &LoadError) {
    assert!(!error.0.is_empty(), "an error with no diagnostic");
    let lines: Vec<&str> = source.split('\n').collect();
    for diagnostic in &error.0 {
        let position = diagnostic.position;
        assert!(position.line >= 1 && position.col >= 1, "{diagnostic}");
        assert!(
            position.line <= lines.len(),
            "{diagnostic} beyond {} lines",
            lines.len()
        );
        let width = lines[position.line - 1].chars().count();
        assert!(
            position.col <= width + 1,
            "{diagnostic} beyond a line of {width}"
        );
        assert!(!diagnostic.message.trim().is_empty(), "{diagnostic}");
        assert!(diagnostic.message.len() < 3000, "an overlong message");
    }
}

fn load(source: &str) {
    match scenario::parse(source, "fuzz.ron") {
        Ok(loaded) => {
            // What loads must also be valid by the loader's own checks.
            assert!(scenario::validate(&loaded.scenario).is_empty());
        }
        Err(error) => assert_located(source, &error),
    }
}

#[derive(Clone, Debug)]
enum Mutation {
    Flip { at: usize, bits: u8 },
    Delete { at: usize, len: usize },
    Insert { at: usize, token: usize },
    Duplicate { at: usize, len: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1u8..=255).prop_map(|(at, bits)| Mutation::Flip { at, bits }),
        (any::<usize>(), 1usize..40).prop_map(|(at, len)| Mutation::Delete { at, len }),
        (any::<usize>(), 0..TOKENS.len()).prop_map(|(at, token)| Mutation::Insert { at, token }),
        (any::<usize>(), 1usize..80).prop_map(|(at, len)| Mutation::Duplicate { at, len }),
    ]
}

fn mutate(source: &str, mutations: &[Mutation]) -> Vec<u8> {
    let mut bytes = source.as_bytes().to_vec();
    for m in mutations {
        let n = bytes.len().max(1);
        match *m {
            Mutation::Flip { at, bits } => {
                if let Some(b) = bytes.get_mut(at % n) {
                    *b ^= bits;
                }
            }
            Mutation::Delete { at, len } => {
                let start = (at % n).min(bytes.len());
                let end = (start + len).min(bytes.len());
                bytes.drain(start..end);
            }
            Mutation::Insert { at, token } => {
                let at = (at % n).min(bytes.len());
                bytes.splice(at..at, TOKENS[token].bytes());
            }
            Mutation::Duplicate { at, len } => {
                let start = (at % n).min(bytes.len());
                let end = (start + len).min(bytes.len());
                let copy = bytes[start..end].to_vec();
                bytes.splice(end..end, copy);
            }
        }
    }
    bytes
}

/// A formula from a small grammar: numbers (including extreme ones), x, y, constants, the
/// operators and every function, nested a few levels.
fn formula() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("x".to_owned()),
        Just("y".to_owned()),
        Just("pi".to_owned()),
        Just("e".to_owned()),
        Just("0".to_owned()),
        Just("1e308".to_owned()),
        Just("1e-308".to_owned()),
        (-1000i32..1000).prop_map(|n| n.to_string()),
        (0.0f64..100.0).prop_map(|v| format!("{v}")),
    ];
    leaf.prop_recursive(6, 64, 2, |inner| {
        let function = prop_oneof![
            Just("sin"),
            Just("cos"),
            Just("tan"),
            Just("exp"),
            Just("log"),
            Just("ln"),
            Just("sqrt"),
            Just("abs"),
            Just("tanh"),
            Just("sigmoid"),
            Just("relu"),
            Just("softplus"),
        ];
        let operator = prop_oneof![
            Just("+"),
            Just("-"),
            Just("*"),
            Just("/"),
            Just("^"),
            Just("**"),
            Just("−"),
            Just("·"),
        ];
        prop_oneof![
            (inner.clone(), operator, inner.clone()).prop_map(|(a, op, b)| format!("{a} {op} {b}")),
            inner.clone().prop_map(|a| format!("({a})")),
            inner.clone().prop_map(|a| format!("-{a}")),
            (function, inner.clone()).prop_map(|(f, a)| format!("{f}({a})")),
            (prop_oneof![Just("max"), Just("min")], inner.clone(), inner)
                .prop_map(|(f, a, b)| format!("{f}({a}, {b})")),
        ]
    })
}

/// Points to evaluate at: ordinary, on the kinks, huge, tiny and non-finite.
fn point() -> impl Strategy<Value = [f64; 2]> {
    let coordinate = prop_oneof![
        4 => -5.0f64..5.0,
        1 => Just(0.0),
        1 => Just(-0.0),
        1 => Just(1e300),
        1 => Just(-1e300),
        1 => Just(1e-300),
        1 => Just(f64::INFINITY),
        1 => Just(f64::NAN),
        1 => any::<f64>(),
    ];
    (coordinate.clone(), coordinate).prop_map(|(x, y)| [x, y])
}

fn evaluate(expression: &Expression, points: &[[f64; 2]]) {
    for &p in points {
        let value = expression.value(p);
        let (with_gradient, _) = expression.value_and_gradient(p);
        let _ = expression.hessian(p);
        // Both evaluations compute the same real part operation by operation.
        assert!(
            value.to_bits() == with_gradient.to_bits()
                || (value.is_nan() && with_gradient.is_nan()),
            "f = {value} but {with_gradient} with the gradient at {p:?}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn arbitrary_text_never_panics_the_loader(source in any::<String>()) {
        load(&source);
    }

    #[test]
    fn ron_like_text_never_panics_the_loader(
        source in "(Scenario|Run|Sgd|Adam|Landscape|Mlp|[a-z_]{1,8}|[(),:\\[\\]\"{}]|-?[0-9]{1,25}(\\.[0-9]*)?(e-?[0-9]{1,4})?|NaN|inf| |\n){0,60}"
    ) {
        load(&source);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    #[test]
    fn mutated_presets_never_panic_and_what_loads_runs(
        which in 0..PRESETS.len(),
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let bytes = mutate(PRESETS[which], &mutations);
        let source = String::from_utf8_lossy(&bytes);
        if let Ok(loaded) = scenario::parse(&source, "mutated.ron") {
            // A mutation that still loads must still run.
            let mut session = optiviz::engine::Session::new(loaded.scenario);
            session.advance(3);
        } else if let Err(error) = scenario::parse(&source, "mutated.ron") {
            assert_located(&source, &error);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn grammar_formulas_parse_and_evaluate_anywhere(
        text in formula(),
        points in prop::collection::vec(point(), 1..4),
    ) {
        match Expression::parse(&text) {
            Ok(expression) => evaluate(&expression, &points),
            // Only the bounds may refuse a formula of the grammar.
            Err(error) => prop_assert!(
                error.message.contains("too long") || error.message.contains("deeply")
                    || error.message.contains("too complex") || error.message.contains("too large"),
                "{text}: {error}"
            ),
        }
    }

    #[test]
    fn formula_alphabet_soup_never_panics(
        text in "[xy0-9.eE+\\-*/^(),πé ·×−a-z]{0,120}",
        point in point(),
    ) {
        check_formula(&text, point);
    }

    #[test]
    fn random_bytes_never_panic_the_formula_parser(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        check_formula(&String::from_utf8_lossy(&bytes), [0.5, -0.5]);
    }
}

/// Parses; on success evaluates at `point`, on failure checks the error points inside the text.
fn check_formula(text: &str, point: [f64; 2]) {
    match Expression::parse(text) {
        Ok(expression) => evaluate(&expression, &[point]),
        Err(error) => {
            let length = text.chars().count();
            assert!(
                error.position <= length,
                "{text:?}: {error} beyond {length} characters"
            );
            assert!(!error.message.is_empty());
        }
    }
}
