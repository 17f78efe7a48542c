//! Hyperparameter tables: each config (optimizer, landscape, network) declares its tunable fields
//! once, in one [`hyper_table!`], and gets from it the [`Hypers`] the UI generates its sliders,
//! checkboxes and choices from, the CLI lists and sweeps set by name.
//!
//! A table row names a field, its kind (with the slider range), and its help text:
//!
//! ```ignore
//! hyper_table! {
//!     SgdConfig, owner: "SGD", defaults { betas: (0.9, 0.999) };
//!     lr = 1e-3: log_float(1e-5, 10.0) where positive, "x ← x − lr·g";
//!     betas.0 as "betas[0]": float(0.0, 0.999), "β₁: the running mean's decay";
//!     history_size = 100: int(1, 100), "pairs (s, y) kept";
//!     nesterov = false: boolean, "step along g + momentum·b";
//!     line_search_fn: choice(LINE_SEARCH_CHOICES), "None or StrongWolfe";
//!     mu as "safeguard.mu" if let Safeguard::Shift { mu } = safeguard: log_float(1e-4, 100.0), "…";
//!     { get: |c: &Self| c.lr_y.unwrap_or(c.lr), set: set_lr_y } as "lr_y": log_float(1e-4, 10.0), "…";
//! }
//! ```
//!
//! - The place is a field path of the config (`lr`, `betas.0`); the name defaults to it and `as`
//!   gives another (`betas[0]`, as torch indexes a tuple).
//! - The kind is `float(lo, hi)`, `log_float(lo, hi)` (a logarithmic slider: step sizes, eps),
//!   `int(lo, hi)`, `boolean` or `choice(NAMES)`; the field's type must be `f64`, `u64` or `usize`,
//!   `bool` or a [`HyperChoice`] respectively. The range is the slider's; typed values may go beyond it
//!   where validation allows.
//! - `if let PATTERN = field` makes a row that exists only while an enum field is that variant (a
//!   Newton shift's μ, a box's bounds); the place is then a binding of the pattern. Two rows may
//!   share a name under different patterns (with different help).
//! - `where CHECK(args)` after the kind validates the row with `Checker::CHECK(name, value, args)`
//!   (`positive`, `non_negative`, `finite`, `in_range(lo, hi)`, `count_in_range(lo, hi)`): the
//!   generated [`Hypers::validate_rows`] runs them in table order, and the config's `validate`
//!   calls it before the checks that span fields or have messages of their own (torch's).
//! - `defaults { field: value, … }` after the owner makes the table write the config's `impl
//!   Default` too: a row's `= value` after its place (a literal, `None`, or a parenthesized
//!   expression) is its field's default, and the header's list gives the fields no row holds whole
//!   (a tuple shown as two rows, an enum with conditional rows). A field left out of both is a
//!   compile error ("missing field"), so each default is written once, beside its row.
//! - `{ get: …, set: … }` is the place of a field that is not stored as shown: `get` maps the config
//!   to a [`HyperField`] value, `set` is `fn(&mut Config, &str, HyperValue) -> Result<(), HyperError>`.
//!
//! Rows appear in the UI in table order. A name that no row (or no present row) has is
//! [`HyperError::Unknown`], a value of the wrong kind [`HyperError::WrongKind`].

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

/// One hyperparameter, as the UI shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct Hyper {
    /// Its name, torch.optim's for optimizers (e.g. `lr`) and the preset's field name elsewhere.
    pub name: &'static str,
    /// Its current value.
    pub value: HyperValue,
    /// Slider range (typed values may go beyond it where validation allows).
    pub slider_range: (f64, f64),
    /// Whether the slider is logarithmic (step sizes, eps).
    pub log_scale: bool,
    /// Tooltip: what it does in the update rule or the formula.
    pub help: &'static str,
    /// The options of a [`HyperValue::Choice`] (empty otherwise).
    pub choices: &'static [&'static str],
}

/// How a table row is shown: its slider range, scale and options (everything but name, value and
/// help). Built by the kind words of [`hyper_table!`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HyperKind {
    /// Slider range.
    pub slider_range: (f64, f64),
    /// Logarithmic slider.
    pub log_scale: bool,
    /// A choice's options.
    pub choices: &'static [&'static str],
}

impl HyperKind {
    /// A real number with a linear slider over [lo, hi].
    pub const fn float(lo: f64, hi: f64) -> Self {
        Self {
            slider_range: (lo, hi),
            log_scale: false,
            choices: &[],
        }
    }

    /// A real number with a logarithmic slider over [lo, hi] (step sizes, eps).
    pub const fn log_float(lo: f64, hi: f64) -> Self {
        Self {
            log_scale: true,
            ..Self::float(lo, hi)
        }
    }

    /// A count with a slider over [lo, hi].
    pub const fn int(lo: u64, hi: u64) -> Self {
        Self::float(lo as f64, hi as f64)
    }

    /// A switch.
    pub const fn boolean() -> Self {
        Self::float(0.0, 1.0)
    }

    /// One of `choices`.
    pub const fn choice(choices: &'static [&'static str]) -> Self {
        Self {
            choices,
            ..Self::float(0.0, choices.len().saturating_sub(1) as f64)
        }
    }
}

impl Hyper {
    /// The row `name` of kind `kind` holding `value`.
    pub fn new(name: &'static str, kind: HyperKind, value: HyperValue, help: &'static str) -> Self {
        Self {
            name,
            value,
            slider_range: kind.slider_range,
            log_scale: kind.log_scale,
            help,
            choices: kind.choices,
        }
    }

    /// A real-valued hyperparameter with a linear slider over `range`.
    pub fn float(name: &'static str, value: f64, range: (f64, f64), help: &'static str) -> Self {
        Self::new(
            name,
            HyperKind::float(range.0, range.1),
            HyperValue::Float(value),
            help,
        )
    }

    /// A step size: log slider over `range`.
    pub fn log_float(
        name: &'static str,
        value: f64,
        range: (f64, f64),
        help: &'static str,
    ) -> Self {
        Self::new(
            name,
            HyperKind::log_float(range.0, range.1),
            HyperValue::Float(value),
            help,
        )
    }

    /// A switch.
    pub fn boolean(name: &'static str, value: bool, help: &'static str) -> Self {
        Self::new(name, HyperKind::boolean(), HyperValue::Bool(value), help)
    }

    /// A count with a slider over `range`.
    pub fn int(name: &'static str, value: u64, range: (u64, u64), help: &'static str) -> Self {
        Self::new(
            name,
            HyperKind::int(range.0, range.1),
            HyperValue::Int(value),
            help,
        )
    }

    /// One of `choices`, currently `value`.
    pub fn choice(
        name: &'static str,
        value: &'static str,
        choices: &'static [&'static str],
        help: &'static str,
    ) -> Self {
        Self::new(
            name,
            HyperKind::choice(choices),
            HyperValue::Choice(value),
            help,
        )
    }
}

/// Why a hyperparameter edit was refused.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum HyperError {
    /// The config has no hyperparameter of that name.
    #[error("{owner} has no hyperparameter `{name}`")]
    Unknown {
        /// The optimizer's display name (the landscape's or network's name).
        owner: &'static str,
        /// The name asked for.
        name: String,
    },
    /// The value has the wrong kind (a bool for a float…), or names no option of a choice.
    #[error("`{name}` cannot take the value {value:?}")]
    WrongKind {
        /// The hyperparameter.
        name: String,
        /// The value offered.
        value: HyperValue,
    },
}

impl HyperError {
    /// `value` does not fit the hyperparameter `name`.
    pub fn wrong_kind(name: &str, value: HyperValue) -> Self {
        Self::WrongKind {
            name: name.to_owned(),
            value,
        }
    }
}

/// A config whose hyperparameters can be listed and set by name (generated by [`hyper_table!`]).
pub trait Hypers {
    /// The rows' own checks (`where positive`, `where count_in_range(1, 64)`…), in table order,
    /// reported under the rows' names: what a config's `validate` runs before its other checks.
    fn validate_rows(&self, checker: &mut crate::validate::Checker);
    /// The hyperparameters in table order, for generated widgets.
    fn hypers(&self) -> Vec<Hyper>;
    /// Sets one hyperparameter by name.
    fn set_hyper(&mut self, name: &str, value: HyperValue) -> Result<(), HyperError>;
}

/// A field type a table row can hold: its value as a [`HyperValue`] and assignment from one.
pub trait HyperField {
    /// The value as the UI shows it.
    fn hyper_value(&self) -> HyperValue;
    /// Takes `value` if it has this field's kind (else [`HyperError::WrongKind`]).
    fn assign_hyper(&mut self, name: &str, value: HyperValue) -> Result<(), HyperError>;
}

impl HyperField for f64 {
    fn hyper_value(&self) -> HyperValue {
        HyperValue::Float(*self)
    }

    fn assign_hyper(&mut self, name: &str, value: HyperValue) -> Result<(), HyperError> {
        assign_float(self, name, value)
    }
}

impl HyperField for u64 {
    fn hyper_value(&self) -> HyperValue {
        HyperValue::Int(*self)
    }

    fn assign_hyper(&mut self, name: &str, value: HyperValue) -> Result<(), HyperError> {
        assign_int(self, name, value)
    }
}

/// A count stored as `usize` (sample counts): shown as a [`HyperValue::Int`].
impl HyperField for usize {
    fn hyper_value(&self) -> HyperValue {
        HyperValue::Int(*self as u64)
    }

    fn assign_hyper(&mut self, name: &str, value: HyperValue) -> Result<(), HyperError> {
        let mut count = *self as u64;
        assign_int(&mut count, name, value)?;
        *self = usize::try_from(count).map_err(|_| HyperError::wrong_kind(name, value))?;
        Ok(())
    }
}

impl HyperField for bool {
    fn hyper_value(&self) -> HyperValue {
        HyperValue::Bool(*self)
    }

    fn assign_hyper(&mut self, name: &str, value: HyperValue) -> Result<(), HyperError> {
        assign_bool(self, name, value)
    }
}

/// A choice's name, as an accessor row's getter may give it (the row's setter maps it back).
impl HyperField for &'static str {
    fn hyper_value(&self) -> HyperValue {
        HyperValue::Choice(self)
    }

    fn assign_hyper(&mut self, name: &str, value: HyperValue) -> Result<(), HyperError> {
        match value {
            HyperValue::Choice(choice) => {
                *self = choice;
                Ok(())
            }
            _ => Err(HyperError::wrong_kind(name, value)),
        }
    }
}

/// An enum chosen by name in the UI (`line_search_fn`, `topology`, a constraint set).
pub trait HyperChoice: Sized {
    /// The name the picker shows for this value.
    fn choice_name(&self) -> &'static str;
    /// The value called `name`, given the current one (which may keep its parameters when the
    /// name is unchanged); `None` for an unknown name.
    fn with_choice(&self, name: &str) -> Option<Self>;
}

impl<T: HyperChoice> HyperField for T {
    fn hyper_value(&self) -> HyperValue {
        HyperValue::Choice(self.choice_name())
    }

    fn assign_hyper(&mut self, name: &str, value: HyperValue) -> Result<(), HyperError> {
        let chosen = match value {
            HyperValue::Choice(choice) => self.with_choice(choice),
            _ => None,
        };
        *self = chosen.ok_or_else(|| HyperError::wrong_kind(name, value))?;
        Ok(())
    }
}

/// Assigns `value` to `slot` if it is a float.
pub fn assign_float(slot: &mut f64, name: &str, value: HyperValue) -> Result<(), HyperError> {
    match value {
        HyperValue::Float(v) => {
            *slot = v;
            Ok(())
        }
        _ => Err(HyperError::wrong_kind(name, value)),
    }
}

/// Assigns `value` to `slot` if it is a count.
pub fn assign_int(slot: &mut u64, name: &str, value: HyperValue) -> Result<(), HyperError> {
    match value {
        HyperValue::Int(v) => {
            *slot = v;
            Ok(())
        }
        _ => Err(HyperError::wrong_kind(name, value)),
    }
}

/// Assigns `value` to `slot` if it is a bool.
pub fn assign_bool(slot: &mut bool, name: &str, value: HyperValue) -> Result<(), HyperError> {
    match value {
        HyperValue::Bool(v) => {
            *slot = v;
            Ok(())
        }
        _ => Err(HyperError::wrong_kind(name, value)),
    }
}

/// Declares a config's hyperparameters once and implements [`Hypers`] from the table (see the
/// module documentation for the row syntax). `owner` names the config in
/// [`HyperError::Unknown`].
macro_rules! hyper_table {
    (
        $config:ty, owner: $owner:expr $(, defaults $defaults:tt)?;
        $(
            $($place:tt).+ $(= $default:tt)? $(as $name:literal)?
                $(if let $pattern:pat = $field:ident)?
                : $kind:ident $(($($argument:expr),* $(,)?))?
                $(where $check:ident $(($($check_argument:expr),* $(,)?))?)?, $help:expr;
        )*
    ) => {
        $crate::hyper::hyper_table!(
            @default $config, [$($defaults)?], [], $([$($place).+] [$($default)?])*
        );

        impl $crate::hyper::Hypers for $config {
            #[allow(unused_variables)] // `checker` when no row has a check
            fn validate_rows(&self, checker: &mut $crate::validate::Checker) {
                $(
                    $crate::hyper::hyper_table!(
                        @check self, checker, $crate::hyper::hyper_table!(@name $($place).+ $(as $name)?),
                        [$(if let $pattern = $field)?], [$($place).+],
                        [$($check $(($($check_argument),*))?)?]
                    );
                )*
            }

            fn hypers(&self) -> Vec<$crate::hyper::Hyper> {
                #[allow(unused_imports)]
                use $crate::hyper::HyperField as _;
                #[allow(unused_mut)]
                let mut hypers = Vec::new();
                $(
                    $crate::hyper::hyper_table!(
                        @present self, [$(if let $pattern = $field)?], [&], {
                            hypers.push($crate::hyper::Hyper::new(
                                $crate::hyper::hyper_table!(@name $($place).+ $(as $name)?),
                                $crate::hyper::HyperKind::$kind($($($argument),*)?),
                                $crate::hyper::hyper_table!(
                                    @value self, [$(if let $pattern = $field)?], $($place).+
                                ),
                                $help,
                            ));
                        }
                    );
                )*
                hypers
            }

            #[allow(unused_variables)] // `value` when the table is empty
            fn set_hyper(
                &mut self,
                name: &str,
                value: $crate::hyper::HyperValue,
            ) -> Result<(), $crate::hyper::HyperError> {
                #[allow(unused_imports)]
                use $crate::hyper::HyperField as _;
                $(
                    if name == $crate::hyper::hyper_table!(@name $($place).+ $(as $name)?) {
                        $crate::hyper::hyper_table!(
                            @present self, [$(if let $pattern = $field)?], [&mut], {
                                return $crate::hyper::hyper_table!(
                                    @assign self, name, value,
                                    [$(if let $pattern = $field)?], $($place).+
                                );
                            }
                        );
                    }
                )*
                Err($crate::hyper::HyperError::Unknown {
                    owner: $owner,
                    name: name.to_owned(),
                })
            }
        }
    };

    // `impl Default` from the rows' `= default`s and the header's `defaults { field: value }`
    // (fields that no row holds whole: tuples, enums), collected row by row; nothing without a
    // `defaults` header.
    (@default $config:ty, [], [], $([$($place:tt)+] [$($default:tt)?])*) => {};
    (@default $config:ty, [{ $($field:ident: $value:expr),* $(,)? }], [$($fields:tt)*],
        [$place:ident] [$default:tt] $($rows:tt)*) => {
        $crate::hyper::hyper_table!(
            @default $config, [{ $($field: $value),* }], [$($fields)* $place: $default,], $($rows)*
        );
    };
    (@default $config:ty, [{ $($field:ident: $value:expr),* $(,)? }], [$($fields:tt)*],
        [$($place:tt)+] [] $($rows:tt)*) => {
        $crate::hyper::hyper_table!(
            @default $config, [{ $($field: $value),* }], [$($fields)*], $($rows)*
        );
    };
    (@default $config:ty, [{ $($field:ident: $value:expr),* $(,)? }], [$($fields:tt)*],) => {
        impl Default for $config {
            fn default() -> Self {
                Self {
                    $($field: $value,)*
                    $($fields)*
                }
            }
        }
    };

    // A row's check: `checker.check(name, value, arguments…)`, or nothing.
    (@check $config:ident, $checker:ident, $name:expr, [$($condition:tt)*], [$($place:tt).+], []) => {};
    (@check $config:ident, $checker:ident, $name:expr, [], [$($place:tt).+],
        [$check:ident $(($($argument:expr),*))?]) => {
        $checker.$check($name, $config.$($place).+ $($(, $argument)*)?);
    };
    (@check $config:ident, $checker:ident, $name:expr, [$($condition:tt)+], [$($place:tt).+],
        [$($check:tt)+]) => {
        compile_error!("a conditional row cannot have a `where` check: check it in `validate`");
    };

    // The row's name: given with `as`, else the field path as written.
    (@name $($place:tt).+ as $name:literal) => { $name };
    (@name $($place:tt).+) => { stringify!($($place).+) };

    // Runs `body` when the row is present: always, or while the enum field matches the pattern
    // (its bindings then borrow the field, shared or mutably as `reference` says).
    (@present $config:ident, [if let $pattern:pat = $field:ident], [$($reference:tt)+],
        $body:block) => {
        if let $pattern = $($reference)+ $config.$field $body
    };
    (@present $config:ident, [], [$($reference:tt)+], $body:block) => { $body };

    // Reads and writes a row's place: an accessor pair, a pattern's binding, or a field path.
    // Method calls auto-reference, so a binding (a reference) and a field path (a place) read
    // alike.
    (@value $config:ident, [], { get: $get:expr, set: $set:expr $(,)? }) => {
        ($get)(&*$config).hyper_value()
    };
    (@value $config:ident, [], $($place:tt).+) => { $config.$($place).+.hyper_value() };
    (@value $config:ident, [if let $pattern:pat = $field:ident], $($place:tt).+) => {
        $($place).+.hyper_value()
    };
    (@assign $config:ident, $name:ident, $value:ident, [],
        { get: $get:expr, set: $set:expr $(,)? }) => {
        ($set)($config, $name, $value)
    };
    (@assign $config:ident, $name:ident, $value:ident, [], $($place:tt).+) => {
        $config.$($place).+.assign_hyper($name, $value)
    };
    (@assign $config:ident, $name:ident, $value:ident, [if let $pattern:pat = $field:ident],
        $($place:tt).+) => {
        $($place).+.assign_hyper($name, $value)
    };
}
pub(crate) use hyper_table;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::Checker;

    /// A config with every kind of row.
    #[derive(Clone, Debug, PartialEq)]
    struct Example {
        lr: f64,
        betas: (f64, f64),
        steps: u64,
        samples: usize,
        flag: bool,
        shape: Shape,
        lr_y: Option<f64>,
    }

    #[derive(Clone, Copy, Debug, PartialEq)]
    enum Shape {
        Round { radius: f64 },
        Square,
    }

    impl HyperChoice for Shape {
        fn choice_name(&self) -> &'static str {
            match self {
                Shape::Round { .. } => "Round",
                Shape::Square => "Square",
            }
        }

        fn with_choice(&self, name: &str) -> Option<Self> {
            match (name, *self) {
                ("Round", Shape::Round { radius }) => Some(Shape::Round { radius }),
                ("Round", _) => Some(Shape::Round { radius: 1.0 }),
                ("Square", _) => Some(Shape::Square),
                _ => None,
            }
        }
    }

    hyper_table! {
        Example, owner: "Example",
            defaults { betas: (0.9, 0.99), shape: Shape::Square, lr_y: None };
        lr = 0.25: log_float(1e-3, 1.0) where positive, "step";
        betas.1 as "betas[1]": float(0.0, 0.999) where in_range(0.0, 1.0), "second decay";
        steps = 3: int(1, 10) where count_in_range(1, 100), "steps";
        samples = 8: int(2, 64), "samples";
        flag = true: boolean, "a switch";
        shape: choice(&["Round", "Square"]), "the shape";
        radius if let Shape::Round { radius } = shape: float(0.0, 2.0), "the radius";
        {
            get: |config: &Self| config.lr_y.unwrap_or(config.lr),
            set: |config: &mut Self, name: &str, value| {
                let mut lr_y = config.lr_y.unwrap_or(config.lr);
                assign_float(&mut lr_y, name, value)?;
                config.lr_y = Some(lr_y);
                Ok(())
            },
        } as "lr_y": log_float(1e-3, 1.0), "second step";
    }

    /// A table without `defaults` writes no `impl Default` (this one would conflict with it).
    #[derive(Clone, Debug, Default, PartialEq)]
    struct Plain {
        scale: f64,
    }

    hyper_table! {
        Plain, owner: "Plain";
        scale: float(0.0, 2.0), "a scale";
    }

    fn example() -> Example {
        Example {
            lr: 0.1,
            betas: (0.9, 0.99),
            steps: 3,
            samples: 8,
            flag: false,
            shape: Shape::Round { radius: 0.5 },
            lr_y: None,
        }
    }

    #[test]
    fn a_table_lists_its_rows_in_order_with_their_kinds() {
        let hypers = example().hypers();
        let names: Vec<_> = hypers.iter().map(|h| h.name).collect();
        assert_eq!(
            names,
            [
                "lr", "betas[1]", "steps", "samples", "flag", "shape", "radius", "lr_y"
            ]
        );
        assert_eq!(hypers[0], Hyper::log_float("lr", 0.1, (1e-3, 1.0), "step"));
        assert_eq!(hypers[1].value, HyperValue::Float(0.99));
        assert_eq!(hypers[2], Hyper::int("steps", 3, (1, 10), "steps"));
        assert_eq!(hypers[3].value, HyperValue::Int(8));
        assert_eq!(hypers[4], Hyper::boolean("flag", false, "a switch"));
        assert_eq!(
            hypers[5],
            Hyper::choice("shape", "Round", &["Round", "Square"], "the shape")
        );
        assert_eq!(hypers[6].value, HyperValue::Float(0.5));
        assert_eq!(hypers[7].value, HyperValue::Float(0.1));
    }

    #[test]
    fn set_hyper_writes_the_row_and_refuses_what_does_not_fit() {
        let mut config = example();
        config
            .set_hyper("betas[1]", HyperValue::Float(0.5))
            .unwrap();
        config.set_hyper("samples", HyperValue::Int(16)).unwrap();
        config.set_hyper("radius", HyperValue::Float(2.0)).unwrap();
        config.set_hyper("lr_y", HyperValue::Float(0.2)).unwrap();
        assert_eq!((config.betas.1, config.samples), (0.5, 16));
        assert_eq!(
            (config.shape, config.lr_y),
            (Shape::Round { radius: 2.0 }, Some(0.2))
        );
        // Re-choosing the same variant keeps its parameter; another drops the conditional row.
        config
            .set_hyper("shape", HyperValue::Choice("Round"))
            .unwrap();
        assert_eq!(config.shape, Shape::Round { radius: 2.0 });
        config
            .set_hyper("shape", HyperValue::Choice("Square"))
            .unwrap();
        assert!(config.hypers().iter().all(|h| h.name != "radius"));
        assert_eq!(
            config.set_hyper("radius", HyperValue::Float(1.0)),
            Err(HyperError::Unknown {
                owner: "Example",
                name: "radius".to_owned()
            })
        );
        assert_eq!(
            config.set_hyper("flag", HyperValue::Float(1.0)),
            Err(HyperError::wrong_kind("flag", HyperValue::Float(1.0)))
        );
        assert!(
            config
                .set_hyper("shape", HyperValue::Choice("Hexagon"))
                .is_err()
        );
        assert!(config.set_hyper("steps", HyperValue::Float(2.0)).is_err());
    }

    #[test]
    fn defaults_come_from_the_rows_and_the_header() {
        let config = Example::default();
        assert_eq!((config.lr, config.steps, config.samples), (0.25, 3, 8));
        assert_eq!((config.betas, config.shape), ((0.9, 0.99), Shape::Square));
        assert!(config.flag);
        assert_eq!(config.lr_y, None);
        assert_eq!(Plain::default().hypers()[0].value, HyperValue::Float(0.0));
    }

    #[test]
    fn where_checks_run_in_table_order_under_the_rows_names() {
        let mut config = example();
        config.lr = -1.0;
        config.betas.1 = 2.0;
        config.steps = 0;
        let mut checker = Checker::new();
        config.validate_rows(&mut checker);
        let fields: Vec<_> = checker.found.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(fields, ["lr", "betas[1]", "steps"]);
        let mut checker = Checker::new();
        example().validate_rows(&mut checker);
        assert!(checker.found.is_empty());
    }
}
