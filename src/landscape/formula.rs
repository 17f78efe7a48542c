//! Formula: a landscape f(x, y) the user types, e.g. `x^2 + 10*y^2`, `abs(x) + sin(3*y)` or
//! `(1-x)^2 + 100*(y-x^2)^2`.
//!
//! The text is parsed once, when the landscape is built, by the bounded evaluator of
//! [`super::expression`] (numbers, x, y, pi, e, + − * / ^, sin cos tan exp log sqrt abs tanh
//! sigmoid relu softplus, max and min; at most 1000 characters and 64 nested levels); nothing in a
//! preset executes. Value, gradient and Hessian are exact: the compiled formula is evaluated on
//! hyper-dual numbers, f(x + ε₁, y + ε₂) = f + fₓε₁ + f_yε₂ + fₓᵧε₁ε₂ (Fike & Alonso 2011). At kinks
//! the derivatives follow PyTorch, like the built-in landscapes: abs′(0) = sign(0) = 0,
//! relu′(0) = 0 (or ½ or 1: `relu_grad_at_zero`, which changes only the derivative at exactly 0,
//! not the value), and max/min at a tie give half the derivative to each argument. Outside a
//! function's domain (log or sqrt of a negative number) f is NaN, which the engine reports as
//! divergence.
//!
//! Domain ℝ² (where the formula is defined). The minimizers of an arbitrary formula are not known,
//! so none are listed (an empty list, not "unbounded": a run that leaves the view far behind is
//! reported as diverged, not as heading to −∞), and no minimum value f* is claimed.
//!
//! Reference: J. A. Fike & J. J. Alonso, "The development of hyper-dual numbers for exact
//! second-derivative calculations", AIAA 2011-886. Default `x^2 + 10*y^2` (the κ = 10 quadratic);
//! view [−3, 3]²; start (−2, 2).

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::expression::{ExprError, Expression, RELU_GRAD_AT_ZERO_CHOICES};
use super::{Landscape, LandscapeSpec, Matrix2, Minimizers, Point, ToLandscape, ViewWindow};
use crate::hyper::{Hypers, hyper_table};
use crate::validate::Checker;

/// f(x, y) written as a formula: `Formula(expr: "x^2 + 10*y^2")` in a preset.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Formula {
    /// The formula in x and y, e.g. `(1-x)^2 + 100*(y-x^2)^2`.
    pub expr: String,
    /// relu′(0), the slope backpropagation gives relu at exactly 0: 0 (PyTorch), 0.5 or 1.
    pub relu_grad_at_zero: f64,
}

impl Default for Formula {
    fn default() -> Self {
        Self {
            expr: "x^2 + 10*y^2".to_owned(),
            relu_grad_at_zero: 0.0,
        }
    }
}

impl Formula {
    /// The parsed formula, or where and why it does not parse (for live feedback while typing).
    pub fn parse(&self) -> Result<Expression, ExprError> {
        Expression::parse(&self.expr)
            .map(|expression| expression.with_relu_grad_at_zero(self.relu_grad_at_zero))
    }
}

hyper_table! {
    Formula, owner: "Formula";
    relu_grad_at_zero: float(0.0, 1.0) where one_of(&RELU_GRAD_AT_ZERO_CHOICES),
        "relu′(0) backpropagation uses at exactly 0: 0 (PyTorch), 0.5 or 1";
}

impl LandscapeSpec for Formula {
    const DESCRIPTION: &'static str =
        "f(x, y) as you type it, e.g. abs(x) + sin(3*y): exact gradients and Hessians (expr)";

    fn validate(&self, checker: &mut Checker) {
        if let Err(error) = self.parse() {
            checker.report("expr", format!("expr: {error}"));
        }
        self.validate_rows(checker);
    }
}

impl ToLandscape for Formula {
    /// A formula that does not parse (validation reports it) builds the constant NaN, so a run on
    /// it stops at once as diverged instead of the app panicking.
    fn to_landscape(&self) -> Arc<dyn Landscape> {
        Arc::new(FormulaLandscape {
            expression: self
                .parse()
                .unwrap_or_else(|_| Expression::constant(f64::NAN)),
        })
    }
}

/// The built landscape: the compiled formula.
struct FormulaLandscape {
    expression: Expression,
}

impl Landscape for FormulaLandscape {
    fn value(&self, p: Point) -> f64 {
        self.expression.value(p)
    }

    fn value_and_gradient(&self, p: Point) -> (f64, Point) {
        self.expression.value_and_gradient(p)
    }

    fn hessian(&self, p: Point) -> Matrix2 {
        self.expression.hessian(p)
    }

    fn minimizers(&self) -> Minimizers {
        Minimizers::Points(Vec::new())
    }

    super::centred_view!(3.0, 3.0, start [-2.0, 2.0]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::landscape::{
        Abs, Himmelblau, LandscapeConfig, Quadratic, Rosenbrock, SixHumpCamel, min_value,
    };

    fn formula(expr: &str) -> Arc<dyn Landscape> {
        let config = Formula {
            expr: expr.to_owned(),
            ..Formula::default()
        };
        let mut checker = Checker::new();
        config.validate(&mut checker);
        assert!(checker.found.is_empty(), "{expr}: {:?}", checker.found);
        config.build()
    }

    /// A deterministic spread of points over [−3, 3]², including the axes and the origin.
    fn points() -> Vec<Point> {
        let mut points = Vec::new();
        for i in 0..=20 {
            for j in 0..=20 {
                let t = |k: i32| -3.0 + 0.3 * f64::from(k) + 0.0123 * f64::from(k % 3);
                points.push([t(i), t(j)]);
            }
        }
        points
    }

    fn assert_same(name: &str, built: &dyn Landscape, typed: &dyn Landscape) {
        for p in points() {
            let (f, g) = built.value_and_gradient(p);
            let (tf, tg) = typed.value_and_gradient(p);
            let scale = 1.0 + f.abs();
            assert!(
                (f - tf).abs() <= 1e-12 * scale,
                "{name} f at {p:?}: {f} vs {tf}"
            );
            assert!((typed.value(p) - tf).abs() <= 1e-12 * scale, "{name}");
            let g_scale = 1.0 + g[0].abs().max(g[1].abs());
            for k in 0..2 {
                assert!(
                    (g[k] - tg[k]).abs() <= 1e-12 * g_scale,
                    "{name} ∇f at {p:?}: {g:?} vs {tg:?}"
                );
            }
            let (h, th) = (built.hessian(p), typed.hessian(p));
            let h_scale = 1.0 + h.iter().flatten().fold(0.0f64, |m, v| m.max(v.abs()));
            for (row, typed_row) in h.iter().zip(&th) {
                for (a, b) in row.iter().zip(typed_row) {
                    assert!(
                        (a - b).abs() <= 1e-12 * h_scale,
                        "{name} ∇²f at {p:?}: {h:?} vs {th:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn derivatives_equal_the_built_in_landscapes() {
        assert_same(
            "Rosenbrock",
            &Rosenbrock::default(),
            formula("(1-x)^2 + 100*(y-x^2)^2").as_ref(),
        );
        assert_same(
            "Himmelblau",
            &Himmelblau {},
            formula("(x^2 + y - 11)^2 + (x + y^2 - 7)^2").as_ref(),
        );
        let quadratic = Quadratic {
            lambda1: 1.0,
            lambda2: 100.0,
            angle_deg: 30.0,
        };
        let [[a, b], [_, c]] = quadratic.matrix();
        let typed = format!("0.5*({a:?}*x^2 + 2*{b:?}*x*y + {c:?}*y^2)");
        assert_same("Quadratic", &quadratic, formula(&typed).as_ref());
        assert_same(
            "SixHumpCamel",
            SixHumpCamel::default().build().as_ref(),
            formula("(4 - 2.1*x^2 + x^4/3)*x^2 + x*y + (-4 + 4*y^2)*y^2").as_ref(),
        );
        // Including the kinks on the axes: sign(0) = 0 in both.
        assert_same(
            "Abs",
            &Abs { a: 2.0 },
            formula("abs(x) + 2*abs(y)").as_ref(),
        );
    }

    #[test]
    fn kinks_have_the_zero_subgradient() {
        let f = formula("abs(x) + sin(3*y)");
        let (value, g) = f.value_and_gradient([0.0, 0.0]);
        assert_eq!((value, g), (0.0, [0.0, 3.0]));
        let relu = formula("relu(x) + relu(-y)");
        assert_eq!(relu.value_and_gradient([0.0, 0.0]).1, [0.0, 0.0]);
    }

    /// The built landscape backpropagates relu(x) − relu(−x) with slope 0, 1, 2 at x = 0 for
    /// relu′(0) = 0, ½, 1; a preset's other values are errors that name the field.
    #[test]
    fn relu_grad_at_zero_reaches_the_landscape() {
        for (slope, want) in [(0.0, 0.0), (0.5, 1.0), (1.0, 2.0)] {
            let config = Formula {
                expr: "relu(x) - relu(-x)".to_owned(),
                relu_grad_at_zero: slope,
            };
            let mut checker = Checker::new();
            config.validate(&mut checker);
            assert!(checker.found.is_empty(), "{:?}", checker.found);
            let built = config.build();
            assert_eq!(built.value_and_gradient([0.0, 0.0]), (0.0, [want, 0.0]));
        }
        let mut config = Formula {
            expr: "relu(x)".to_owned(),
            relu_grad_at_zero: 0.3,
        };
        let mut checker = Checker::new();
        config.validate(&mut checker);
        assert_eq!(checker.found.len(), 1, "{:?}", checker.found);
        assert_eq!(
            checker.found[0].message,
            "relu_grad_at_zero must be one of 0, 0.5, 1, got 0.3"
        );
        // A Try edit sets it by name.
        assert!(
            config
                .set_hyper("relu_grad_at_zero", crate::hyper::HyperValue::Float(1.0))
                .is_ok()
        );
        assert_eq!(config.build().value_and_gradient([0.0, 0.0]).1, [1.0, 0.0]);
    }

    #[test]
    fn validation_positions_the_error_and_build_never_panics() {
        let config = Formula {
            expr: "x^2 + sine(y)".to_owned(),
            ..Formula::default()
        };
        let mut checker = Checker::new();
        config.validate(&mut checker);
        assert_eq!(checker.found.len(), 1);
        assert_eq!(checker.found[0].path, "expr");
        assert!(
            checker.found[0]
                .message
                .starts_with("expr: at character 7: unknown function `sine`"),
            "{}",
            checker.found[0].message
        );
        // Built anyway (callers that skip validation), it is NaN: runs stop as diverged.
        assert!(config.build().value([1.0, 1.0]).is_nan());
        assert!(config.build().value_and_gradient([1.0, 1.0]).0.is_nan());
    }

    #[test]
    fn no_minimizers_are_claimed() {
        let f = formula("x^2 + 10*y^2");
        assert_eq!(f.minimizers(), Minimizers::Points(Vec::new()));
        assert_eq!(min_value(f.as_ref()), None);
        assert_eq!(f.distance_to_minimizer([1.0, 1.0]), None);
        let start = f.default_start();
        let view = f.view();
        assert!((view.x_min..=view.x_max).contains(&start[0]));
        assert!((view.y_min..=view.y_max).contains(&start[1]));
        let catalog_default = LandscapeConfig::Formula(Formula::default());
        assert_eq!(catalog_default.name(), "Formula");
    }

    #[test]
    fn round_trips_through_a_preset() {
        let text = r#"Scenario(
    name: "typed",
    problem: Landscape(Formula(expr: "max(x, y) + (1-x)^2 + 100*(y-x^2)^2")),
    runs: [Run(optimizer: Sgd(lr: 0.001))],
)"#;
        let scenario = crate::scenario::parse(text, "typed.ron")
            .unwrap_or_else(|e| panic!("{e}"))
            .scenario;
        let crate::scenario::Problem::Landscape(LandscapeConfig::Formula(config)) =
            &scenario.problem
        else {
            panic!("a formula landscape: {:?}", scenario.problem);
        };
        assert_eq!(config.expr, "max(x, y) + (1-x)^2 + 100*(y-x^2)^2");
        let saved = crate::scenario::to_ron(&scenario).unwrap_or_else(|e| panic!("{e}"));
        assert!(saved.contains(r#"expr: "max(x, y) + (1-x)^2"#), "{saved}");
        let back = crate::scenario::parse(&saved, "saved.ron").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back.scenario, scenario);

        let bad = text.replace("max(x, y)", "max(x, z)");
        let error = crate::scenario::parse(&bad, "bad.ron").err();
        let message = error.map(|e| e.to_string()).unwrap_or_default();
        assert!(
            message.contains("expr: at character 8: unknown variable `z`"),
            "{message}"
        );
    }

    #[test]
    fn gradient_descent_converges_on_a_typed_quadratic() {
        let text = r#"Scenario(
    problem: Landscape(Formula(expr: "x^2 + 10*y^2")),
    steps: 1000,
    tolerance: 1e-8,
    runs: [Run(optimizer: Sgd(lr: 0.05), start: (-2.0, 2.0))],
)"#;
        let scenario = crate::scenario::parse(text, "gd.ron")
            .unwrap_or_else(|e| panic!("{e}"))
            .scenario;
        let mut session = crate::engine::Session::new(scenario);
        while !session.is_finished() {
            session.advance(100);
        }
        let run = &session.runs()[0];
        assert!(
            matches!(run.status(), crate::engine::RunStatus::Converged { .. }),
            "{:?}",
            run.status()
        );
        let last = run.last_sample();
        assert!(last.point[0].hypot(last.point[1]) < 1e-8, "{last:?}");
    }
}
