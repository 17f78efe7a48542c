//! Hyperparameter descriptors: what the UI generates its sliders, checkboxes and typed fields from.

/// The value of one hyperparameter.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum HyperValue {
    /// A real number (lr, momentum, β…).
    Float(f64),
    /// A switch (nesterov, maximize, amsgrad…).
    Bool(bool),
    /// A count (history size…).
    Int(u64),
    /// One of a few named options (`line_search_fn`: `None` or `StrongWolfe`); the options are in
    /// [`Hyper::choices`].
    Choice(&'static str),
}

/// One hyperparameter of an optimizer, as the UI shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct Hyper {
    /// torch.optim's name for it, e.g. `lr`.
    pub name: &'static str,
    /// Its current value.
    pub value: HyperValue,
    /// Slider range (typed values may go beyond it where validation allows).
    pub slider_range: (f64, f64),
    /// Whether the slider is logarithmic (step sizes, eps).
    pub log_scale: bool,
    /// Tooltip: what it does in the update rule.
    pub help: &'static str,
    /// The options of a [`HyperValue::Choice`] (empty otherwise).
    pub choices: &'static [&'static str],
}

impl Hyper {
    /// A real-valued hyperparameter with a linear slider over `range`.
    pub fn float(name: &'static str, value: f64, range: (f64, f64), help: &'static str) -> Self {
        Self {
            name,
            value: HyperValue::Float(value),
            slider_range: range,
            log_scale: false,
            help,
            choices: &[],
        }
    }

    /// A step size: log slider over `range`.
    pub fn log_float(
        name: &'static str,
        value: f64,
        range: (f64, f64),
        help: &'static str,
    ) -> Self {
        Self {
            log_scale: true,
            ..Self::float(name, value, range, help)
        }
    }

    /// A switch.
    pub fn boolean(name: &'static str, value: bool, help: &'static str) -> Self {
        Self {
            name,
            value: HyperValue::Bool(value),
            slider_range: (0.0, 1.0),
            log_scale: false,
            help,
            choices: &[],
        }
    }

    /// A count with a slider over `range`.
    pub fn int(name: &'static str, value: u64, range: (u64, u64), help: &'static str) -> Self {
        Self {
            name,
            value: HyperValue::Int(value),
            slider_range: (range.0 as f64, range.1 as f64),
            log_scale: false,
            help,
            choices: &[],
        }
    }

    /// One of `choices`, currently `value`.
    pub fn choice(
        name: &'static str,
        value: &'static str,
        choices: &'static [&'static str],
        help: &'static str,
    ) -> Self {
        Self {
            name,
            value: HyperValue::Choice(value),
            slider_range: (0.0, choices.len().saturating_sub(1) as f64),
            log_scale: false,
            help,
            choices,
        }
    }
}

/// Why a hyperparameter edit was refused.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum HyperError {
    /// The optimizer has no hyperparameter of that name.
    #[error("{optimizer} has no hyperparameter `{name}`")]
    Unknown {
        /// The optimizer's display name.
        optimizer: &'static str,
        /// The name asked for.
        name: String,
    },
    /// The value has the wrong kind (a bool for a float…).
    #[error("`{name}` cannot take the value {value:?}")]
    WrongKind {
        /// The hyperparameter.
        name: String,
        /// The value offered.
        value: HyperValue,
    },
}

/// Assigns `value` to `slot` if it is a float.
pub fn assign_float(slot: &mut f64, name: &str, value: HyperValue) -> Result<(), HyperError> {
    match value {
        HyperValue::Float(v) => {
            *slot = v;
            Ok(())
        }
        _ => Err(HyperError::WrongKind {
            name: name.to_owned(),
            value,
        }),
    }
}

/// Assigns `value` to `slot` if it is a count.
pub fn assign_int(slot: &mut u64, name: &str, value: HyperValue) -> Result<(), HyperError> {
    match value {
        HyperValue::Int(v) => {
            *slot = v;
            Ok(())
        }
        _ => Err(HyperError::WrongKind {
            name: name.to_owned(),
            value,
        }),
    }
}

/// Assigns `value` to `slot` if it is a bool.
pub fn assign_bool(slot: &mut bool, name: &str, value: HyperValue) -> Result<(), HyperError> {
    match value {
        HyperValue::Bool(v) => {
            *slot = v;
            Ok(())
        }
        _ => Err(HyperError::WrongKind {
            name: name.to_owned(),
            value,
        }),
    }
}
