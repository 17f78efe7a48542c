//! Numbers for people: the short form legends, thresholds, tooltips and messages print, three
//! significant digits with trailing zeros dropped (`2/lr = 20`, not `20.0000`; `λmax = 3.2e-5`,
//! not `0.0000`).

/// `value` in at most three significant digits (four for 1000…9999), trailing zeros dropped:
/// fixed for 0.001 ≤ |value| < 10 000 (`20`, `0.0198`, `5.33`, `1234`), scientific otherwise
/// (`1.2e-7`, `3.45e5`); `0`, `NaN`, `∞` and `-∞` for the rest.
pub fn short_number(value: f64) -> String {
    if value.is_nan() {
        return "NaN".to_owned();
    }
    if value.is_infinite() {
        return if value > 0.0 { "∞" } else { "-∞" }.to_owned();
    }
    if value == 0.0 {
        return "0".to_owned();
    }
    let rounded = round_significant(value, 3);
    let exponent = rounded.abs().log10().floor() as i32;
    if (-3..4).contains(&exponent) {
        let decimals = (2 - exponent).max(0) as usize;
        // 1000…9999 keep their units digit: rounding 1234 to 1230 would print a wrong integer.
        let shown = if exponent == 3 {
            value.round()
        } else {
            rounded
        };
        return trim_zeros(&format!("{shown:.decimals$}"));
    }
    let mantissa = rounded / 10f64.powi(exponent);
    format!("{}e{exponent}", trim_zeros(&format!("{mantissa:.2}")))
}

/// `text` in Rust's `{:e}` form with its mantissa's trailing zeros dropped: "1.600e-32" →
/// "1.6e-32", "2.000e6" → "2e6"; any other text as it is.
pub fn trim_mantissa(text: String) -> String {
    match text.split_once('e') {
        Some((mantissa, exponent)) if mantissa.contains('.') => {
            let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
            format!("{mantissa}e{exponent}")
        }
        _ => text,
    }
}

/// `value` rounded to `digits` significant digits.
fn round_significant(value: f64, digits: i32) -> f64 {
    let exponent = value.abs().log10().floor() as i32;
    let scale = 10f64.powi(digits - 1 - exponent);
    let rounded = (value * scale).round() / scale;
    if rounded.is_finite() { rounded } else { value }
}

/// "20.00" → "20", "0.0190" → "0.019", "-0" → "0".
fn trim_zeros(text: &str) -> String {
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        text
    };
    if text == "-0" { "0" } else { text }.to_owned()
}

#[cfg(test)]
mod tests {
    use super::short_number;

    #[test]
    fn numbers_are_short() {
        let cases = [
            (2.0 / 0.1, "20"),
            (38.0, "38"),
            (4.0 / 0.75, "5.33"),
            (0.0198, "0.0198"),
            (0.001, "0.001"),
            (0.000_999_96, "0.001"),
            (1.234e-7, "1.23e-7"),
            (1e-5, "1e-5"),
            (3.2e-5, "3.2e-5"),
            (1234.4, "1234"),
            (9999.6, "1e4"),
            (345_000.0, "3.45e5"),
            (-0.5, "-0.5"),
            (-2.0, "-2"),
            (0.0, "0"),
            (f64::INFINITY, "∞"),
            (f64::NAN, "NaN"),
        ];
        for (value, expected) in cases {
            assert_eq!(short_number(value), expected, "{value:e}");
        }
    }
}
