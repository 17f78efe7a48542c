//! 2D test functions, one per file, and the registry enum that presets name them by.
//!
//! Every landscape documents its formula, domain, known minimizers with their curvature and a
//! reference; it provides an exact gradient and Hessian (analytic, or through hyper-dual numbers in
//! [`autodiff`]), a default view window and a default start point. [`LandscapeObjective`] adapts any
//! of them to the dimension-free [`Objective`] the optimizers work on.

pub mod autodiff;
pub mod batch;
mod data;
pub mod expression;

mod abs;
mod almost_bilinear;
mod beale;
mod bilinear;
mod cliff;
mod double_well;
mod flat_sharp;
mod formula;
mod himmelblau;
mod label_noise;
mod lasso;
mod least_squares;
mod line_of_minima;
mod logistic;
mod macros;
mod max_margin;
mod monkey_saddle;
pub mod pareto;
mod quadratic;
mod quadratic_game;
mod rastrigin;
mod ring_valley;
mod rosenbrock;
mod saddle;
mod scale_invariant;
mod sharp_flat_sum;
mod six_hump_camel;
mod two_tasks;
// Bilevel optimisation.
mod bilevel_ridge;

mod as_objective;
mod refine;
mod transform;

pub use as_objective::LandscapeObjective;
use as_objective::point_of;
pub use bilevel_ridge::{BilevelRidgeProblem, Hypergradient};
pub use max_margin::MaxMargin;
pub use transform::{MAX_SCALE, Transform, Transformed};

pub(crate) use macros::{
    centred_view, game_at_origin, landscape_spec, saddle_at_origin, simd_point_kernel,
};

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::hyper::{Hyper, HyperError, HyperValue, Hypers};
use crate::objective::Composite;
use crate::validate::Checker;

/// A point of the plane, (x, y).
pub type Point = [f64; 2];
/// A symmetric 2×2 matrix, row-major.
pub type Matrix2 = [[f64; 2]; 2];

/// An isolated minimizer with its value and the eigenvalues of the Hessian there (ascending).
#[derive(Clone, Debug, PartialEq)]
pub struct Minimum {
    /// Where it is.
    pub point: Point,
    /// f there.
    pub value: f64,
    /// Eigenvalues of ∇²f there, ascending: the curvature that sets stable step sizes (lr < 2/λmax).
    pub curvature: [f64; 2],
}

/// The known minimizers of a landscape.
#[derive(Clone, Debug, PartialEq)]
pub enum Minimizers {
    /// Isolated minimizers, global and local; the lowest `value` is the minimum value f*.
    Points(Vec<Minimum>),
    /// A connected set of minimizers (a line, a circle), all at `value`, with Hessian eigenvalues
    /// `curvature` everywhere on it; [`Landscape::distance_to_minimizer`] measures the distance to it.
    Set {
        /// What the set is, e.g. "the circle x² + y² = 1".
        description: String,
        /// f on the set.
        value: f64,
        /// Hessian eigenvalues on the set, ascending (one is 0 along the set).
        curvature: [f64; 2],
    },
    /// No minimizer: the landscape is unbounded below.
    Unbounded,
}

/// What kind of stationary point (∇f = 0) other than a minimum a landscape knows of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StationaryKind {
    /// A saddle: f rises along some directions and falls along others (degenerate ones included).
    Saddle,
    /// A local maximum.
    Maximum,
}

/// A known stationary point that is not a minimum: where it is and what kind it is.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StationaryPoint {
    /// Where ∇f = 0.
    pub point: Point,
    /// Saddle or maximum.
    pub kind: StationaryKind,
}

impl StationaryPoint {
    /// A saddle at `point`.
    pub fn saddle(point: Point) -> Self {
        Self {
            point,
            kind: StationaryKind::Saddle,
        }
    }
}

/// The rectangle a landscape is first shown in.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ViewWindow {
    /// Smallest x shown.
    pub x_min: f64,
    /// Largest x shown.
    pub x_max: f64,
    /// Smallest y shown.
    pub y_min: f64,
    /// Largest y shown.
    pub y_max: f64,
}

impl ViewWindow {
    /// A window centred on the origin reaching `half_width` and `half_height` to each side.
    pub const fn centred(half_width: f64, half_height: f64) -> Self {
        Self {
            x_min: -half_width,
            x_max: half_width,
            y_min: -half_height,
            y_max: half_height,
        }
    }

    /// x_max − x_min.
    pub fn width(&self) -> f64 {
        self.x_max - self.x_min
    }

    /// y_max − y_min.
    pub fn height(&self) -> f64 {
        self.y_max - self.y_min
    }

    /// The window's centre.
    pub fn centre(&self) -> Point {
        [
            0.5 * (self.x_min + self.x_max),
            0.5 * (self.y_min + self.y_max),
        ]
    }

    /// Length of the window's diagonal.
    pub fn diagonal(&self) -> f64 {
        self.width().hypot(self.height())
    }

    /// Distance from the window's centre to `p`.
    pub fn distance_from_centre(&self, p: Point) -> f64 {
        let centre = self.centre();
        (p[0] - centre[0]).hypot(p[1] - centre[1])
    }
}

/// A 2D test function.
pub trait Landscape: Send + Sync {
    /// f(p).
    fn value(&self, p: Point) -> f64;

    /// (f(p), ∇f(p)). Nonsmooth landscapes return a subgradient with sign(0) = 0.
    fn value_and_gradient(&self, p: Point) -> (f64, Point);

    /// Values and gradients at many points, structure of arrays: for every i,
    /// `(values[i], [gradient_x[i], gradient_y[i]]) = value_and_gradient([xs[i], ys[i]])`, bit for
    /// bit (the basin map's fast path relies on it). Slices of unequal length are processed up to
    /// the shortest. The default loops over [`Landscape::value_and_gradient`]; cheap polynomial
    /// landscapes override it with SIMD kernels (the `batch` module).
    fn value_and_gradient_batch(
        &self,
        xs: &[f64],
        ys: &[f64],
        values: &mut [f64],
        gradient_x: &mut [f64],
        gradient_y: &mut [f64],
    ) {
        let points = xs.iter().zip(ys);
        let results = values.iter_mut().zip(gradient_x).zip(gradient_y);
        for ((&x, &y), ((value, gx), gy)) in points.zip(results) {
            let (v, [dx, dy]) = self.value_and_gradient([x, y]);
            (*value, *gx, *gy) = (v, dx, dy);
        }
    }

    /// Plain gradient descent from many starts with the step loop fused in SIMD registers
    /// ([`batch::descend`]), for landscapes with a SIMD kernel: `Some(finished)` (false when
    /// cancelled), or `None` when the landscape has no kernel and the caller must step it another
    /// way. Every step is the scalar `value_and_gradient` and an fma, bit for bit.
    fn descend(&self, _descent: &mut batch::Descent<'_>) -> Option<bool> {
        None
    }

    /// Values at many points, structure of arrays: for every i,
    /// `values[i] = value([xs[i], ys[i]])`, bit for bit (contour grids rely on it). Slices of
    /// unequal length are processed up to the shortest. The default loops over
    /// [`Landscape::value`]; cheap polynomial landscapes override it with SIMD kernels.
    fn value_batch(&self, xs: &[f64], ys: &[f64], values: &mut [f64]) {
        for ((&x, &y), value) in xs.iter().zip(ys).zip(values) {
            *value = self.value([x, y]);
        }
    }

    /// ∇²f(p) (where f is twice differentiable; at kinks the Hessian of the smooth pieces).
    fn hessian(&self, p: Point) -> Matrix2;

    /// The known minimizers.
    fn minimizers(&self) -> Minimizers;

    /// The known stationary points that are not minima (saddles, maxima), for the views to mark;
    /// empty unless the landscape lists them.
    fn saddles_and_maxima(&self) -> Vec<StationaryPoint> {
        Vec::new()
    }

    /// Distance from `p` to the nearest known minimizer (`None` when there is none).
    fn distance_to_minimizer(&self, p: Point) -> Option<f64> {
        match self.minimizers() {
            Minimizers::Points(points) => points
                .iter()
                .map(|m| (p[0] - m.point[0]).hypot(p[1] - m.point[1]))
                .min_by(f64::total_cmp),
            Minimizers::Set { .. } | Minimizers::Unbounded => None,
        }
    }

    /// The window the landscape is first shown in.
    fn view(&self) -> ViewWindow;

    /// Where runs start unless a preset says otherwise.
    fn default_start(&self) -> Point;

    /// Number of terms of a finite sum f = (1/n) Σ fᵢ (1 for plain functions).
    fn num_samples(&self) -> usize {
        1
    }

    /// Mean loss and gradient over the terms in `batch` (plain functions ignore the batch).
    fn sample_value_and_gradient(&self, p: Point, _batch: &[usize]) -> (f64, Point) {
        self.value_and_gradient(p)
    }

    /// Composite view f = g + h for proximal methods.
    fn composite(&self) -> Option<&dyn Composite> {
        None
    }

    /// σ of the label noise every step's stochastic gradient sees (0 for landscapes without; see
    /// [`Objective::label_noise_sigma`]).
    fn label_noise_sigma(&self) -> f64 {
        0.0
    }

    /// Loss and gradient with the label perturbed by `epsilon` (landscapes without label noise
    /// ignore it; see [`Objective::noisy_value_and_grad`]).
    fn noisy_value_and_gradient(&self, p: Point, _epsilon: f64) -> (f64, Point) {
        self.value_and_gradient(p)
    }

    /// The max-margin separator of a classification landscape whose data are separable (where
    /// gradient descent's direction x/‖x‖ converges to, as its norm grows without bound); `None`
    /// elsewhere, and for a transformed landscape.
    fn max_margin(&self) -> Option<MaxMargin> {
        None
    }

    /// Number of task losses (1 unless multi-task; see [`Objective::num_tasks`]).
    fn num_tasks(&self) -> usize {
        1
    }
    /// Task `task`'s own loss and gradient (see [`Objective::task_value_and_grad`]).
    fn task_value_and_gradient(&self, _task: usize, p: Point) -> (f64, Point) {
        self.value_and_gradient(p)
    }
    /// A multi-task landscape's Pareto set as a polyline (see [`pareto`]); `None` elsewhere.
    fn pareto_set(&self) -> Option<Vec<Point>> {
        None
    }
}

/// The lowest known minimum value f*, if the landscape has one.
pub fn min_value(landscape: &dyn Landscape) -> Option<f64> {
    match landscape.minimizers() {
        Minimizers::Points(points) => points.iter().map(|m| m.value).min_by(f64::total_cmp),
        Minimizers::Set { value, .. } => Some(value),
        Minimizers::Unbounded => None,
    }
}

/// How a landscape config becomes the landscape ([`LandscapeSpec::build`]): a formula landscape is
/// its own parameters and clones itself (the blanket impl); a data-driven one generates its data.
pub trait ToLandscape {
    /// The landscape with these parameters (generating its data, for the data-driven ones).
    fn to_landscape(&self) -> Arc<dyn Landscape>;
}

impl<L: Landscape + Clone + 'static> ToLandscape for L {
    fn to_landscape(&self) -> Arc<dyn Landscape> {
        Arc::new(self.clone())
    }
}

/// What every landscape config provides to the registry; its numeric parameters come from its
/// [`hyper_table!`](crate::hyper::hyper_table) (the generated widgets, `optiviz` sweeps).
pub trait LandscapeSpec: Hypers + ToLandscape {
    /// One line for `optiviz list landscapes` and the picker.
    const DESCRIPTION: &'static str;
    /// Semantic checks of the parameters (finite, positive…): the table's own row checks unless
    /// the landscape needs more.
    fn validate(&self, checker: &mut Checker) {
        self.validate_rows(checker);
    }
    /// The landscape with these parameters (generating its data, for the data-driven ones).
    fn build(&self) -> Arc<dyn Landscape> {
        self.to_landscape()
    }
    /// Number of terms of the finite sum, from the parameters alone (no data generated): what
    /// the built landscape's [`Landscape::num_samples`] gives, for unvalidated parameters too.
    fn num_samples(&self) -> usize {
        1
    }
    /// Number of task losses, from the parameters alone (as [`Landscape::num_tasks`]).
    fn num_tasks(&self) -> usize {
        1
    }
}

/// Declares the registry enum and its dispatch from one list of `module::Variant`, so adding a
/// landscape is its file, its `mod` line and one line here. The module's `//!`
/// documentation is the landscape's Guide text.
macro_rules! landscape_registry {
    ($($module:ident::$variant:ident),* $(,)?) => {
        $(pub use $module::$variant;)*

        /// A landscape and its parameters, as presets name it: `Quadratic(lambda1: 1.0, …)`.
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        pub enum LandscapeConfig {
            $(
                #[doc = concat!("See [`", stringify!($variant), "`].")]
                $variant($variant),
            )*
        }

        impl LandscapeConfig {
            /// Every landscape with its default parameters, in catalog order.
            pub fn catalog() -> Vec<LandscapeConfig> {
                vec![$(LandscapeConfig::$variant($variant::default())),*]
            }

            /// The name presets use.
            pub fn name(&self) -> &'static str {
                match self { $(LandscapeConfig::$variant(_) => stringify!($variant)),* }
            }

            /// One-line description.
            pub fn description(&self) -> &'static str {
                match self { $(LandscapeConfig::$variant(_) => <$variant as LandscapeSpec>::DESCRIPTION),* }
            }

            /// The Guide's text: the `//!` documentation of the landscape's file (formula,
            /// minima, reference), as paragraphs.
            pub fn guide(&self) -> String {
                match self {
                    $(LandscapeConfig::$variant(_) => {
                        crate::docs::module_doc(include_str!(concat!(stringify!($module), ".rs")))
                    }),*
                }
            }

            /// The numeric and other parameters, for generated widgets.
            pub fn hypers(&self) -> Vec<Hyper> {
                match self { $(LandscapeConfig::$variant(config) => config.hypers()),* }
            }

            /// Sets one parameter by name.
            pub fn set_hyper(&mut self, name: &str, value: HyperValue) -> Result<(), HyperError> {
                match self { $(LandscapeConfig::$variant(config) => config.set_hyper(name, value)),* }
            }

            /// Semantic checks of the parameters.
            pub fn validate(&self, checker: &mut Checker) {
                match self { $(LandscapeConfig::$variant(config) => config.validate(checker)),* }
            }

            /// Number of terms of the finite sum, without building the landscape.
            pub fn num_samples(&self) -> usize {
                match self { $(LandscapeConfig::$variant(config) => <$variant as LandscapeSpec>::num_samples(config)),* }
            }

            /// Number of task losses, without building the landscape.
            pub fn num_tasks(&self) -> usize {
                match self { $(LandscapeConfig::$variant(config) => <$variant as LandscapeSpec>::num_tasks(config)),* }
            }

            /// Builds the landscape.
            pub fn build(&self) -> Arc<dyn Landscape> {
                match self { $(LandscapeConfig::$variant(config) => config.build()),* }
            }
        }
    };
}

landscape_registry!(
    quadratic::Quadratic,
    rosenbrock::Rosenbrock,
    abs::Abs,
    himmelblau::Himmelblau,
    six_hump_camel::SixHumpCamel,
    rastrigin::Rastrigin,
    beale::Beale,
    monkey_saddle::MonkeySaddle,
    saddle::Saddle,
    double_well::DoubleWell,
    flat_sharp::FlatSharp,
    ring_valley::RingValley,
    line_of_minima::LineOfMinima,
    least_squares::LeastSquares,
    logistic::Logistic,
    lasso::Lasso,
    formula::Formula,
    bilinear::Bilinear,
    quadratic_game::QuadraticGame,
    almost_bilinear::AlmostBilinear,
    label_noise::LabelNoise,
    sharp_flat_sum::SharpFlatSum,
    scale_invariant::ScaleInvariant,
    cliff::Cliff,
    two_tasks::TwoTasks,
    bilevel_ridge::BilevelRidge,
);

/// A numeric parameter of a landscape, for generated widgets.
#[derive(Clone, Debug, PartialEq)]
pub struct NumericField {
    /// The field name, as in presets (`lambda1`).
    pub name: String,
    /// Its value.
    pub value: f64,
    /// Whether it is a whole number (sample counts, seeds).
    pub is_integer: bool,
    /// What it does in the formula (the tooltip).
    pub help: &'static str,
}

impl LandscapeConfig {
    /// The numeric parameters (the rows of the landscape's table that are numbers), for the side
    /// panel's typed fields. Fields that are not numbers (a formula's text) are not listed.
    pub fn numeric_fields(&self) -> Vec<NumericField> {
        self.hypers()
            .into_iter()
            .filter_map(|hyper| {
                let (value, is_integer) = match hyper.value {
                    HyperValue::Float(value) => (value, false),
                    HyperValue::Int(count) => (count as f64, true),
                    HyperValue::Bool(_) | HyperValue::Choice(_) => return None,
                };
                Some(NumericField {
                    name: hyper.name.to_owned(),
                    value,
                    is_integer,
                    help: hyper.help,
                })
            })
            .collect()
    }

    /// A copy with the numeric parameter `name` set to `value` (rounded for whole-number fields);
    /// every other field keeps its value, and a name that is no numeric parameter changes nothing.
    pub fn with_numeric_field(&self, name: &str, value: f64) -> Result<Self, String> {
        let mut config = self.clone();
        let field = self.hypers().into_iter().find(|hyper| hyper.name == name);
        let value = match field.map(|hyper| hyper.value) {
            Some(HyperValue::Float(_)) => HyperValue::Float(value),
            Some(HyperValue::Int(_)) => HyperValue::Int(value.round().max(0.0) as u64),
            _ => return Ok(config),
        };
        config
            .set_hyper(name, value)
            .map_err(|error| error.to_string())?;
        Ok(config)
    }
}

impl Default for LandscapeConfig {
    fn default() -> Self {
        LandscapeConfig::Quadratic(Quadratic::default())
    }
}

/// Eigenvalues of a symmetric 2×2 matrix, ascending.
pub fn symmetric_eigenvalues(m: Matrix2) -> [f64; 2] {
    let mean = 0.5 * (m[0][0] + m[1][1]);
    let (a, b) = (0.5 * (m[0][0] - m[1][1]), 0.5 * (m[0][1] + m[1][0]));
    // √(a² + b²) directly where the squares can neither overflow nor lose precision to
    // subnormals (the common case, and this runs every step for adaptive methods' preconditioned
    // sharpness); `hypot`, several times slower, elsewhere.
    let squares = a * a + b * b;
    let half_gap = if (1e-290..1e290).contains(&squares) {
        squares.sqrt()
    } else {
        a.hypot(b)
    };
    [mean - half_gap, mean + half_gap]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eigenvalues_of_a_rotated_diagonal() {
        let (s, c) = 0.3f64.sin_cos();
        // R diag(1, 100) Rᵀ
        let m = [
            [c * c + 100.0 * s * s, (1.0 - 100.0) * c * s],
            [(1.0 - 100.0) * c * s, s * s + 100.0 * c * c],
        ];
        let [low, high] = symmetric_eigenvalues(m);
        assert!((low - 1.0).abs() < 1e-12 && (high - 100.0).abs() < 1e-12);
    }

    #[test]
    fn numeric_fields_read_and_write_every_parameter() {
        let config = LandscapeConfig::Quadratic(Quadratic {
            lambda1: 1.0,
            lambda2: 100.0,
            angle_deg: 30.0,
        });
        let fields = config.numeric_fields();
        let names: Vec<_> = fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["lambda1", "lambda2", "angle_deg"]);
        let edited = config.with_numeric_field("lambda2", 10.0).unwrap();
        assert_eq!(
            edited,
            LandscapeConfig::Quadratic(Quadratic {
                lambda1: 1.0,
                lambda2: 10.0,
                angle_deg: 30.0
            })
        );
        for config in LandscapeConfig::catalog() {
            for field in config.numeric_fields() {
                let same = config.with_numeric_field(&field.name, field.value).unwrap();
                assert_eq!(same, config);
            }
        }
        let least_squares = LandscapeConfig::LeastSquares(LeastSquares::default());
        assert!(
            least_squares
                .numeric_fields()
                .iter()
                .any(|f| f.name == "n" && f.is_integer)
        );
    }

    #[test]
    fn numeric_field_edits_keep_string_fields_intact() {
        for expr in [
            "max(x, y) + min(x, 2)",
            "max((x), y): 3, a: 1",
            r#"x "quoted", \ back\"slash) (("#,
        ] {
            let config = LandscapeConfig::Formula(Formula {
                expr: expr.to_owned(),
                ..Formula::default()
            });
            let names: Vec<_> = config
                .numeric_fields()
                .into_iter()
                .map(|f| f.name)
                .collect();
            assert_eq!(names, ["relu_grad_at_zero"], "{expr}");
            assert_eq!(config.with_numeric_field("expr", 2.0), Ok(config.clone()));
            assert_eq!(config.with_numeric_field("a", 2.0), Ok(config.clone()));
        }
    }

    #[test]
    fn catalog_names_are_unique_and_described() {
        let catalog = LandscapeConfig::catalog();
        let mut names: Vec<_> = catalog.iter().map(|c| c.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), catalog.len());
        assert!(catalog.iter().all(|c| !c.description().is_empty()));
    }
}
