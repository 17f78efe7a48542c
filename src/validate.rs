//! Semantic checks of configuration values, reported by field path so that the preset loader can
//! point at the offending text (`file:line:col`).

/// One thing wrong with a configuration value.
#[derive(Clone, Debug, PartialEq)]
pub struct Invalid {
    /// Dotted path of the field from the config being checked, e.g. `lr` or `runs[1].optimizer.lr`.
    pub path: String,
    /// What is wrong, in the user's terms.
    pub message: String,
}

/// Collects [`Invalid`] findings while a configuration is checked.
#[derive(Debug, Default)]
pub struct Checker {
    prefix: String,
    /// Everything found so far.
    pub found: Vec<Invalid>,
}

impl Checker {
    /// An empty checker.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a finding about `field` (relative to the current prefix).
    pub fn report(&mut self, field: &str, message: impl Into<String>) {
        let path = match (self.prefix.is_empty(), field.is_empty()) {
            (true, _) => field.to_owned(),
            (false, true) => self.prefix.clone(),
            (false, false) => format!("{}.{field}", self.prefix),
        };
        self.found.push(Invalid {
            path,
            message: message.into(),
        });
    }

    /// Runs `check` with `segment` appended to the path prefix (e.g. `runs[2]`, `optimizer`).
    pub fn within(&mut self, segment: &str, check: impl FnOnce(&mut Checker)) {
        let saved = self.prefix.clone();
        if !self.prefix.is_empty() && !segment.starts_with('[') {
            self.prefix.push('.');
        }
        self.prefix.push_str(segment);
        check(self);
        self.prefix = saved;
    }

    /// The value must be a finite number.
    pub fn finite(&mut self, field: &str, value: f64) -> bool {
        if value.is_finite() {
            true
        } else {
            self.report(
                field,
                format!("{field} must be a finite number, not {value}"),
            );
            false
        }
    }

    /// The value must be finite and > 0.
    pub fn positive(&mut self, field: &str, value: f64) {
        if self.finite(field, value) && value <= 0.0 {
            self.report(field, format!("{field} must be > 0, got {value}"));
        }
    }

    /// The value must be finite and ≥ 0.
    pub fn non_negative(&mut self, field: &str, value: f64) {
        if self.finite(field, value) && value < 0.0 {
            self.report(field, format!("{field} must be ≥ 0, got {value}"));
        }
    }

    /// The value must lie in [low, high].
    pub fn in_range(&mut self, field: &str, value: f64, low: f64, high: f64) {
        if self.finite(field, value) && !(low..=high).contains(&value) {
            self.report(
                field,
                format!("{field} must be between {low} and {high}, got {value}"),
            );
        }
    }

    /// The value must be one of `allowed` (a setting with a few meaningful values, e.g. relu′(0)).
    pub fn one_of(&mut self, field: &str, value: f64, allowed: &[f64]) {
        if self.finite(field, value) && !allowed.contains(&value) {
            let names: Vec<String> = allowed.iter().map(|v| v.to_string()).collect();
            self.report(
                field,
                format!("{field} must be one of {}, got {value}", names.join(", ")),
            );
        }
    }

    /// A whole-number setting must lie in [low, high].
    pub fn count_in_range(&mut self, field: &str, value: u64, low: u64, high: u64) {
        if !(low..=high).contains(&value) {
            self.report(
                field,
                format!("{field} must be between {low} and {high}, got {value}"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_nest() {
        let mut checker = Checker::new();
        checker.within("runs", |c| {
            c.within("[1]", |c| c.within("optimizer", |c| c.positive("lr", -1.0)))
        });
        checker.positive("steps", f64::NAN);
        assert_eq!(checker.found[0].path, "runs[1].optimizer.lr");
        assert_eq!(checker.found[1].path, "steps");
        assert!(checker.found[1].message.contains("finite"));
    }
}
