//! Projected gradient descent: a gradient step, then the Euclidean projection back onto a
//! constraint set C.
//!
//! ```text
//! x ← Π_C(x − lr·∇f(x)),   Π_C(z) = argmin_{u ∈ C} ‖u − z‖
//! ```
//!
//! This is proximal gradient descent with h the indicator of C (its prox is the projection), so it
//! inherits ISTA's guarantees for convex f and convex C: with lr ≤ 1/L the loss decreases
//! monotonically after the first step and f(xₖ) − min_C f = O(1/k). A constrained minimizer on the
//! boundary is a point where −∇f points straight out of C (the KKT conditions): the iterates slide
//! along the boundary to it. The start point may lie outside C; every iterate after the first step
//! is in C. The loss a step reports is f at the pre-step iterate.
//!
//! The sets and their exact projections:
//!
//! - `Box(lo, hi)`: {u : lo ≤ u ≤ hi} on the first two coordinates (the others are
//!   unconstrained); the projection clamps each coordinate.
//! - `L2Ball(center, radius)`: {u : ‖u − c‖₂ ≤ r}, with c = (c₀, c₁, 0, …, 0) in other dimensions;
//!   the projection pulls z radially to the sphere, c + r(z − c)/‖z − c‖.
//! - `L1Ball(radius)`: {u : ‖u‖₁ ≤ r} in all coordinates; the projection soft-thresholds every
//!   coordinate by the θ ≥ 0 that makes ‖u‖₁ = r, found by sorting |z| (Duchi et al. 2008,
//!   O(n log n)); the corners of this ball make the constrained minimizers sparse, the constrained
//!   form of the LASSO.
//!
//! The projections are public (the UI draws the set) and allocation-free; the ℓ₁ projection needs
//! a scratch buffer as long as x, allocated when the optimizer is built.
//!
//! Defaults: lr = 1e-3 (torch.optim.SGD's default), set = Box(lo: (−1, −1), hi: (1, 1)), the
//! square [−1, 1]²: it contains the minimizer 0 of the default Quadratic (the constraint is then
//! inactive), and Rosenbrock's (1, 1) at a corner; move or shrink it (or pick a ball) to make it
//! bind. Choosing another kind of set from the UI starts from that kind's default: the unit box,
//! the unit ℓ₂ ball at the origin, the unit ℓ₁ ball. Validation: lr > 0; all bounds finite with
//! lo ≤ hi; centre finite; radius finite and > 0. RON: `ProjectedGd(lr: 0.1, set: Box(lo: (-1.0,
//! -1.0), hi: (1.0, 1.0)))`, `set: L2Ball(center: (0.5, 0.0), radius: 1.0)`, `set: L1Ball(radius:
//! 1.0)`.
//!
//! References: A. A. Goldstein, "Convex programming in Hilbert space", Bull. AMS 70, 1964, and
//! E. S. Levitin & B. T. Polyak, "Constrained minimization methods", 1966 (the method);
//! S. Bubeck, "Convex Optimization: Algorithms and Complexity", Foundations and Trends in Machine
//! Learning 8(3–4), 2015, §3.1 (rates); J. Duchi, S. Shalev-Shwartz, Y. Singer & T. Chandra,
//! "Efficient projections onto the ℓ₁-ball for learning in high dimensions", ICML 2008 (Fig. 1).

use nalgebra::DVector;
use serde::{Deserialize, Serialize};

use super::proximal_gd::ProxExplained;
use super::{
    ArrowKind, HyperChoice, Optimizer, OptimizerSpec, Quantity, StepInfo, Threshold, ensure_len,
};
use crate::hyper::hyper_table;
use crate::objective::Oracle;
use crate::validate::Checker;

/// A closed convex set to stay in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ConstraintSet {
    /// lo ≤ u ≤ hi on the first two coordinates.
    Box {
        /// Lower bounds of the first two coordinates.
        lo: (f64, f64),
        /// Upper bounds of the first two coordinates.
        hi: (f64, f64),
    },
    /// ‖u − center‖₂ ≤ radius (the centre padded with zeros beyond two coordinates).
    L2Ball {
        /// Centre of the ball (default the origin).
        #[serde(default)]
        center: (f64, f64),
        /// Radius r > 0.
        radius: f64,
    },
    /// ‖u‖₁ ≤ radius, centred at the origin.
    L1Ball {
        /// Radius r > 0.
        radius: f64,
    },
}

impl Default for ConstraintSet {
    fn default() -> Self {
        ConstraintSet::Box {
            lo: (-1.0, -1.0),
            hi: (1.0, 1.0),
        }
    }
}

impl HyperChoice for ConstraintSet {
    fn choice_name(&self) -> &'static str {
        self.name()
    }

    /// This set when `name` is its kind (keeping its parameters), else the default of that kind.
    fn with_choice(&self, name: &str) -> Option<Self> {
        if name == self.name() {
            Some(self.clone())
        } else {
            Self::default_of_kind(name)
        }
    }
}

impl ConstraintSet {
    /// The names the UI's choice widget shows, one per variant.
    pub const NAMES: &'static [&'static str] = &["Box", "L2Ball", "L1Ball"];

    /// This variant's name, as in [`ConstraintSet::NAMES`] and RON.
    pub fn name(&self) -> &'static str {
        match self {
            ConstraintSet::Box { .. } => "Box",
            ConstraintSet::L2Ball { .. } => "L2Ball",
            ConstraintSet::L1Ball { .. } => "L1Ball",
        }
    }

    /// The default set of the kind named `name` (one of [`ConstraintSet::NAMES`]).
    pub fn default_of_kind(name: &str) -> Option<Self> {
        match name {
            "Box" => Some(Self::default()),
            "L2Ball" => Some(ConstraintSet::L2Ball {
                center: (0.0, 0.0),
                radius: 1.0,
            }),
            "L1Ball" => Some(ConstraintSet::L1Ball { radius: 1.0 }),
            _ => None,
        }
    }

    /// Replaces `x` by its Euclidean projection onto the set. `scratch` is working space for the
    /// ℓ₁ ball (resized to x's length if needed, so pass a buffer of that length to avoid an
    /// allocation).
    pub fn project(&self, x: &mut DVector<f64>, scratch: &mut DVector<f64>) {
        match *self {
            ConstraintSet::Box { lo, hi } => project_box(x, lo, hi),
            ConstraintSet::L2Ball { center, radius } => project_l2_ball(x, center, radius),
            ConstraintSet::L1Ball { radius } => project_l1_ball(x, radius, scratch),
        }
    }

    /// Whether `x` lies in the set up to `tolerance` (in the set's own measure: coordinates for
    /// the box, the norm for the balls).
    pub fn contains(&self, x: &DVector<f64>, tolerance: f64) -> bool {
        match *self {
            ConstraintSet::Box { lo, hi } => x
                .iter()
                .take(2)
                .zip([(lo.0, hi.0), (lo.1, hi.1)])
                .all(|(&v, (l, h))| v >= l - tolerance && v <= h + tolerance),
            ConstraintSet::L2Ball { center, radius } => {
                let squared: f64 = x
                    .iter()
                    .enumerate()
                    .map(|(i, &v)| (v - center_coordinate(center, i)).powi(2))
                    .sum();
                squared.sqrt() <= radius + tolerance
            }
            ConstraintSet::L1Ball { radius } => x.lp_norm(1) <= radius + tolerance,
        }
    }

    /// The set's boundary in the plane (its first two coordinates), as the corners of a closed
    /// convex polygon in counter-clockwise order, the last not repeating the first: four corners
    /// for the box and the ℓ₁ ball, `circle_sides` for the ℓ₂ ball. For the views to draw the set.
    pub fn boundary(&self, circle_sides: usize) -> Vec<[f64; 2]> {
        match *self {
            ConstraintSet::Box { lo, hi } => {
                vec![[lo.0, lo.1], [hi.0, lo.1], [hi.0, hi.1], [lo.0, hi.1]]
            }
            ConstraintSet::L2Ball { center, radius } => {
                let sides = circle_sides.max(8);
                (0..sides)
                    .map(|k| {
                        let angle = std::f64::consts::TAU * k as f64 / sides as f64;
                        let (sin, cos) = angle.sin_cos();
                        [center.0 + radius * cos, center.1 + radius * sin]
                    })
                    .collect()
            }
            ConstraintSet::L1Ball { radius } => {
                vec![[radius, 0.0], [0.0, radius], [-radius, 0.0], [0.0, -radius]]
            }
        }
    }

    /// Checks bounds: finite, lo ≤ hi, radius > 0. Paths are relative to the set (`lo`, `radius`).
    pub fn validate(&self, checker: &mut Checker) {
        match *self {
            ConstraintSet::Box { lo, hi } => {
                let finite = [lo.0, lo.1].iter().all(|&v| checker.finite("lo", v))
                    & [hi.0, hi.1].iter().all(|&v| checker.finite("hi", v));
                if finite && (lo.0 > hi.0 || lo.1 > hi.1) {
                    checker.report(
                        "lo",
                        format!(
                            "lo must be ≤ hi in every coordinate, got lo = ({}, {}) and \
                             hi = ({}, {})",
                            lo.0, lo.1, hi.0, hi.1
                        ),
                    );
                }
            }
            ConstraintSet::L2Ball { center, radius } => {
                checker.finite("center", center.0);
                checker.finite("center", center.1);
                checker.positive("radius", radius);
            }
            ConstraintSet::L1Ball { radius } => checker.positive("radius", radius),
        }
    }
}

/// Coordinate `i` of a 2D centre padded with zeros.
fn center_coordinate(center: (f64, f64), i: usize) -> f64 {
    match i {
        0 => center.0,
        1 => center.1,
        _ => 0.0,
    }
}

/// v clamped to [lo, hi], keeping NaN as NaN (so a diverged run stays visible) and never panicking
/// (unlike `f64::clamp` with bad bounds).
fn clamp(v: f64, lo: f64, hi: f64) -> f64 {
    if v < lo {
        lo
    } else if v > hi {
        hi
    } else {
        v
    }
}

/// Projects the first two coordinates of `x` onto the box [lo.0, hi.0] × [lo.1, hi.1]
/// (coordinate-wise clamping); further coordinates are left free.
pub fn project_box(x: &mut DVector<f64>, lo: (f64, f64), hi: (f64, f64)) {
    for (v, (l, h)) in x.iter_mut().zip([(lo.0, hi.0), (lo.1, hi.1)]) {
        *v = clamp(*v, l, h);
    }
}

/// Projects `x` onto the ball ‖u − c‖₂ ≤ radius, c = (center.0, center.1, 0, …): points outside
/// move radially onto the sphere, points inside stay.
pub fn project_l2_ball(x: &mut DVector<f64>, center: (f64, f64), radius: f64) {
    let distance = x
        .iter()
        .enumerate()
        .map(|(i, &v)| (v - center_coordinate(center, i)).powi(2))
        .sum::<f64>()
        .sqrt();
    if distance > radius {
        let scale = radius / distance;
        for (i, v) in x.iter_mut().enumerate() {
            let c = center_coordinate(center, i);
            *v = c + scale * (*v - c);
        }
    }
}

/// Projects `x` onto the ball ‖u‖₁ ≤ radius by Duchi et al.'s sort-based method: with
/// μ = |x| sorted descending, ρ = max{j : μⱼ − (Σ_{i≤j} μᵢ − r)/j > 0} and
/// θ = (Σ_{i≤ρ} μᵢ − r)/ρ, the projection is uᵢ = sign(xᵢ)·max(|xᵢ| − θ, 0). `scratch` holds the
/// sorted copy (resized if its length differs from x's). Points inside stay; a non-finite x is
/// left as it is.
pub fn project_l1_ball(x: &mut DVector<f64>, radius: f64, scratch: &mut DVector<f64>) {
    let norm = x.lp_norm(1);
    if !norm.is_finite() || norm <= radius {
        return;
    }
    ensure_len(scratch, x.len());
    for (s, &v) in scratch.iter_mut().zip(x.iter()) {
        *s = v.abs();
    }
    // In place and allocation-free (unlike the stable sort).
    scratch
        .as_mut_slice()
        .sort_unstable_by(|a, b| b.total_cmp(a));
    let mut cumulative = 0.0;
    let mut theta = 0.0;
    for (j, &mu) in scratch.iter().enumerate() {
        cumulative += mu;
        let candidate = (cumulative - radius) / (j + 1) as f64;
        // The condition holds for j = 0 (μ₁ − (μ₁ − r) = r > 0) and for a prefix of j only.
        if mu - candidate > 0.0 {
            theta = candidate;
        } else {
            break;
        }
    }
    for v in x.iter_mut() {
        *v = v.signum() * (v.abs() - theta).max(0.0);
    }
}

/// Hyperparameters of projected gradient descent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ProjectedGdConfig {
    /// Step size of the gradient step.
    pub lr: f64,
    /// The constraint set C.
    pub set: ConstraintSet,
}

hyper_table! {
    ProjectedGdConfig, owner: Self::DISPLAY_NAME, defaults { set: ConstraintSet::default() };
    lr = 1e-3: log_float(1e-5, 10.0), "x ← Π_C(x − lr·∇f(x))";
    set: choice(ConstraintSet::NAMES),
        "the constraint set C: a box lo ≤ x ≤ hi, a ball ‖x − center‖₂ ≤ radius, or \
         ‖x‖₁ ≤ radius";
    lo.0 as "set.lo[0]" if let ConstraintSet::Box { lo, .. } = set: float(-5.0, 5.0),
        "lower bound of x₀: x₀ ← max(x₀, lo[0])";
    lo.1 as "set.lo[1]" if let ConstraintSet::Box { lo, .. } = set: float(-5.0, 5.0),
        "lower bound of x₁: x₁ ← max(x₁, lo[1])";
    hi.0 as "set.hi[0]" if let ConstraintSet::Box { hi, .. } = set: float(-5.0, 5.0),
        "upper bound of x₀: x₀ ← min(x₀, hi[0])";
    hi.1 as "set.hi[1]" if let ConstraintSet::Box { hi, .. } = set: float(-5.0, 5.0),
        "upper bound of x₁: x₁ ← min(x₁, hi[1])";
    center.0 as "set.center[0]" if let ConstraintSet::L2Ball { center, .. } = set:
        float(-5.0, 5.0), "first coordinate of the centre c";
    center.1 as "set.center[1]" if let ConstraintSet::L2Ball { center, .. } = set:
        float(-5.0, 5.0), "second coordinate of the centre c";
    radius as "set.radius" if let ConstraintSet::L2Ball { radius, .. } = set:
        log_float(1e-2, 10.0), "outside points move to c + radius·(x − c)/‖x − c‖";
    radius as "set.radius" if let ConstraintSet::L1Ball { radius } = set: log_float(1e-2, 10.0),
        "‖x‖₁ ≤ radius: outside points are soft-thresholded onto it";
}

impl OptimizerSpec for ProjectedGdConfig {
    crate::optim::spec_names! {
        "Projected GD":
        "projected gradient descent x ← Π_C(x − lr·∇f(x)) onto a box, ℓ₂ ball or ℓ₁ ball"
    }

    fn validate(&self, checker: &mut Checker) {
        checker.positive("lr", self.lr);
        checker.within("set", |checker| self.set.validate(checker));
    }

    fn stability_threshold(&self) -> Option<Threshold> {
        // Gradient descent where the projection does not act.
        Threshold::gradient_descent(self.lr)
    }

    fn constraint_set(&self) -> Option<&ConstraintSet> {
        Some(&self.set)
    }

    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        Box::new(ProjectedGd {
            config: self.clone(),
            grad: DVector::zeros(dim),
            scratch: DVector::zeros(dim),
            explained: ProxExplained::new(dim),
        })
    }
}

/// Projected gradient descent. It has no state between steps.
pub struct ProjectedGd {
    config: ProjectedGdConfig,
    grad: DVector<f64>,
    /// Working space of the ℓ₁ projection.
    scratch: DVector<f64>,
    /// The latest step's start and end, for [`Optimizer::explain`].
    explained: ProxExplained,
}

impl Optimizer for ProjectedGd {
    fn step(&mut self, x: &mut DVector<f64>, oracle: &mut Oracle) -> StepInfo {
        let lr = self.config.lr;
        ensure_len(&mut self.grad, x.len());
        ensure_len(&mut self.scratch, x.len());
        let loss = oracle.value_and_grad(x, &mut self.grad);
        self.explained.record_from(x, lr);
        for (p, &g) in x.iter_mut().zip(self.grad.iter()) {
            *p -= lr * g;
        }
        self.config.set.project(x, &mut self.scratch);
        self.explained.record_to(x);
        StepInfo::proceed(loss)
    }

    crate::optim::stateless::stateless_edits!(explained.steps);

    fn explain(&self) -> Vec<Quantity> {
        let e = &self.explained;
        crate::optim::explain_once_stepped(e.steps > 0, || {
            let mut quantities = crate::optim::quantities![
                vector "∇f(x)" = "" => self.grad.as_slice(),
            ];
            quantities.extend(e.prox_quantities(
                &self.grad,
                ["z", "Π_C(z)", "Π_C(z) − z"],
                [
                    "x − lr·∇f(x): the unconstrained step's end",
                    "argmin_{u ∈ C} ‖u − z‖: the new x",
                    "the projection's pull back onto C (0 inside C)",
                ],
            ));
            quantities.push(Quantity::arrow(
                ArrowKind::Gradient,
                "−lr·∇f(x)",
                "the gradient step, before the projection",
                self.grad.iter().map(|g| -e.lr * g),
            ));
            quantities
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::optim::OptimizerConfig;

    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::*;
    use crate::hyper::{HyperValue, Hypers};

    use crate::landscape::{Landscape, Quadratic, Rosenbrock};
    use crate::optim::test_support::{assert_point_close, oracle_on as oracle};

    fn sets() -> Vec<ConstraintSet> {
        vec![
            ConstraintSet::default(),
            ConstraintSet::Box {
                lo: (0.5, -3.0),
                hi: (2.0, -1.0),
            },
            ConstraintSet::Box {
                lo: (1.0, 0.0),
                hi: (1.0, 0.0),
            },
            ConstraintSet::L2Ball {
                center: (0.0, 0.0),
                radius: 1.0,
            },
            ConstraintSet::L2Ball {
                center: (1.5, -0.5),
                radius: 0.3,
            },
            ConstraintSet::L1Ball { radius: 1.0 },
            ConstraintSet::L1Ball { radius: 0.05 },
        ]
    }

    fn random_points(dim: usize, count: usize, seed: u64) -> Vec<DVector<f64>> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        (0..count)
            .map(|_| {
                let scale = 10f64.powf(rng.random_range(-2.0..2.0));
                DVector::from_fn(dim, |_, _| scale * rng.random_range(-1.0..1.0))
            })
            .collect()
    }

    #[test]
    fn projections_land_in_their_sets_and_are_idempotent() {
        for dim in [2, 3, 7] {
            let mut scratch = DVector::zeros(dim);
            for set in sets() {
                let others = random_points(dim, 500, 7);
                for (point, other) in random_points(dim, 500, 42).into_iter().zip(others) {
                    let mut x = point.clone();
                    set.project(&mut x, &mut scratch);
                    assert!(set.contains(&x, 1e-12), "{set:?}: {point:?} → {x:?}");
                    let mut again = x.clone();
                    set.project(&mut again, &mut scratch);
                    assert!(
                        (&again - &x).amax() <= 1e-14 * (1.0 + x.amax()),
                        "{set:?}: {x:?} → {again:?}"
                    );
                    if set.contains(&point, 0.0) {
                        assert_eq!(x, point, "{set:?}: points inside stay");
                    }
                    // The projection is the nearest point of the set: no point of the set along
                    // the segment towards any other projected point is closer to `point`.
                    let mut other = other;
                    set.project(&mut other, &mut scratch);
                    let distance = (&point - &x).norm();
                    for t in [0.01, 0.1, 0.5, 1.0] {
                        let between = &x + t * (&other - &x);
                        assert!((&point - &between).norm() >= distance - 1e-12);
                    }
                }
            }
        }
    }

    /// The closest point to p on the segment [a, b].
    fn closest_on_segment(p: [f64; 2], a: [f64; 2], b: [f64; 2]) -> [f64; 2] {
        let d = [b[0] - a[0], b[1] - a[1]];
        let t = (((p[0] - a[0]) * d[0] + (p[1] - a[1]) * d[1]) / (d[0] * d[0] + d[1] * d[1]))
            .clamp(0.0, 1.0);
        [a[0] + t * d[0], a[1] + t * d[1]]
    }

    #[test]
    fn l1_projection_matches_a_brute_force_search_in_2d() {
        // Outside the ℓ₁ ball the nearest point is on one of the four edges of the diamond.
        for radius in [0.3, 1.0, 2.5] {
            let corners = [[radius, 0.0], [0.0, radius], [-radius, 0.0], [0.0, -radius]];
            let mut scratch = DVector::zeros(2);
            for point in random_points(2, 2000, 42) {
                let p = [point[0], point[1]];
                let mut x = point.clone();
                project_l1_ball(&mut x, radius, &mut scratch);
                let expected = if p[0].abs() + p[1].abs() <= radius {
                    p
                } else {
                    (0..4)
                        .map(|i| closest_on_segment(p, corners[i], corners[(i + 1) % 4]))
                        .min_by(|a, b| {
                            let da = (a[0] - p[0]).hypot(a[1] - p[1]);
                            let db = (b[0] - p[0]).hypot(b[1] - p[1]);
                            da.total_cmp(&db)
                        })
                        .unwrap()
                };
                assert!(
                    (x[0] - expected[0]).abs() < 1e-12 && (x[1] - expected[1]).abs() < 1e-12,
                    "r = {radius}: {p:?} → {x:?}, brute force {expected:?}"
                );
            }
        }
    }

    #[test]
    fn hand_computed_projections() {
        let mut scratch = DVector::zeros(3);
        // (3, −1, 0.5), r = 2: |x| sorted = (3, 1, 0.5); j = 1: θ = 1, 3 − 1 > 0; j = 2: θ = 1,
        // 1 − 1 = 0 stops. u = (2, 0, 0).
        let mut x = DVector::from_vec(vec![3.0, -1.0, 0.5]);
        project_l1_ball(&mut x, 2.0, &mut scratch);
        assert_eq!(x.as_slice(), [2.0, 0.0, 0.0]);
        // (2, −2, 1), r = 3: sorted (2, 2, 1); j = 2: θ = (4 − 3)/2 = 0.5, 2 − 0.5 > 0;
        // j = 3: θ = (5 − 3)/3, 1 − 2/3 > 0 too, so θ = 2/3 and u = (4/3, −4/3, 1/3).
        let mut x = DVector::from_vec(vec![2.0, -2.0, 1.0]);
        project_l1_ball(&mut x, 3.0, &mut scratch);
        assert!((x[0] - 4.0 / 3.0).abs() < 1e-15 && (x[1] + 4.0 / 3.0).abs() < 1e-15);
        assert!((x[2] - 1.0 / 3.0).abs() < 1e-15);
        // L2: (3, 4) onto the unit ball at 0 is (0.6, 0.8); onto the ball at (3, 0) of radius 2 it
        // is (3, 2).
        let mut x = DVector::from_vec(vec![3.0, 4.0]);
        project_l2_ball(&mut x, (0.0, 0.0), 1.0);
        assert!((x[0] - 0.6).abs() < 1e-15 && (x[1] - 0.8).abs() < 1e-15);
        let mut x = DVector::from_vec(vec![3.0, 4.0]);
        project_l2_ball(&mut x, (3.0, 0.0), 2.0);
        assert_eq!(x.as_slice(), [3.0, 2.0]);
        // Box: only the first two coordinates are clamped; NaN stays NaN.
        let mut x = DVector::from_vec(vec![-3.0, 0.5, 9.0]);
        project_box(&mut x, (-1.0, -1.0), (1.0, 1.0));
        assert_eq!(x.as_slice(), [-1.0, 0.5, 9.0]);
        let mut x = DVector::from_vec(vec![f64::NAN, 2.0]);
        project_box(&mut x, (-1.0, -1.0), (1.0, 1.0));
        assert!(x[0].is_nan() && x[1] == 1.0);
    }

    #[test]
    fn one_hand_computed_step() {
        // f = ½(x² + 4y²) from (2, 2), lr = 0.1: z = (2, 2) − 0.1·(2, 8) = (1.8, 1.2);
        // the box [−1, 1]² clamps it to (1, 1); the unit ℓ₂ ball to (1.8, 1.2)/‖·‖ =
        // (1.8, 1.2)/2.163330765… ; the unit ℓ₁ ball: θ = (3 − 1)/2 = 1 (1.2 − 1 > 0), (0.8, 0.2).
        let quadratic = Quadratic::axis_aligned(1.0, 4.0);
        let norm = 1.8f64.hypot(1.2);
        for (set, expected) in [
            (ConstraintSet::default(), [1.0, 1.0]),
            (
                ConstraintSet::default_of_kind("L2Ball").unwrap(),
                [1.8 / norm, 1.2 / norm],
            ),
            (ConstraintSet::L1Ball { radius: 1.0 }, [0.8, 0.2]),
        ] {
            let mut optimizer = ProjectedGdConfig { lr: 0.1, set }.build(2);
            let mut oracle = oracle(quadratic.clone());
            let mut x = DVector::from_vec(vec![2.0, 2.0]);
            let info = optimizer.step(&mut x, &mut oracle);
            assert_eq!(info.loss, 10.0);
            assert_point_close(&x, expected);
        }
    }

    #[test]
    fn converges_to_the_constrained_minimizer() {
        // Rosenbrock's minimizer (1, 1) lies outside the ball ‖x‖ ≤ 1; the constrained minimizer
        // is on the circle, where −∇f is normal to it: ∇f ∥ x.
        let mut optimizer = ProjectedGdConfig {
            lr: 1e-3,
            set: ConstraintSet::L2Ball {
                center: (0.0, 0.0),
                radius: 1.0,
            },
        }
        .build(2);
        let rosenbrock = Rosenbrock::default();
        let mut rosenbrock_oracle = oracle(rosenbrock.clone());
        let mut x = DVector::from_vec(vec![-1.2, 1.0]);
        for _ in 0..20_000 {
            optimizer.step(&mut x, &mut rosenbrock_oracle);
        }
        assert!((x.norm() - 1.0).abs() < 1e-12);
        let (_, g) = rosenbrock.value_and_gradient([x[0], x[1]]);
        let cross = g[0] * x[1] - g[1] * x[0];
        assert!(
            cross.abs() < 1e-8 && g[0] * x[0] + g[1] * x[1] < 0.0,
            "{x:?} {g:?}"
        );
        // On the default quadratic the box is inactive: plain gradient descent to 0.
        let mut optimizer = crate::optim::test_support::with_lr::<ProjectedGdConfig>(0.1).build(2);
        let mut quadratic_oracle = oracle(Quadratic::default());
        let mut x = DVector::from_vec(vec![3.0, -2.0]);
        for _ in 0..500 {
            optimizer.step(&mut x, &mut quadratic_oracle);
        }
        assert!(x.norm() < 1e-12);
    }

    #[test]
    fn validation() {
        let mut checker = Checker::new();
        ProjectedGdConfig {
            lr: 0.0,
            set: ConstraintSet::Box {
                lo: (0.0, 1.0),
                hi: (1.0, 0.0),
            },
        }
        .validate(&mut checker);
        ProjectedGdConfig {
            lr: 1.0,
            set: ConstraintSet::L2Ball {
                center: (f64::NAN, 0.0),
                radius: -1.0,
            },
        }
        .validate(&mut checker);
        ProjectedGdConfig {
            lr: 1.0,
            set: ConstraintSet::L1Ball { radius: 0.0 },
        }
        .validate(&mut checker);
        ProjectedGdConfig {
            lr: 1.0,
            set: ConstraintSet::Box {
                lo: (f64::NEG_INFINITY, 0.0),
                hi: (1.0, 1.0),
            },
        }
        .validate(&mut checker);
        ProjectedGdConfig::default().validate(&mut checker);
        let paths: Vec<_> = checker.found.iter().map(|i| i.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "lr",
                "set.lo",
                "set.center",
                "set.radius",
                "set.radius",
                "set.lo"
            ]
        );
        assert!(checker.found[1].message.contains("lo must be ≤ hi"));
    }

    #[test]
    fn hypers_follow_the_kind_of_set() {
        let mut config = ProjectedGdConfig::default();
        let names: Vec<_> = config.hypers().iter().map(|h| h.name).collect();
        assert_eq!(
            names,
            [
                "lr",
                "set",
                "set.lo[0]",
                "set.lo[1]",
                "set.hi[0]",
                "set.hi[1]"
            ]
        );
        config
            .set_hyper("set.hi[1]", HyperValue::Float(2.0))
            .unwrap();
        assert_eq!(
            config.set,
            ConstraintSet::Box {
                lo: (-1.0, -1.0),
                hi: (1.0, 2.0)
            }
        );
        // Re-choosing the same kind keeps its parameters.
        config.set_hyper("set", HyperValue::Choice("Box")).unwrap();
        assert!(matches!(
            config.set,
            ConstraintSet::Box { hi: (1.0, 2.0), .. }
        ));
        assert!(
            config
                .set_hyper("set.radius", HyperValue::Float(2.0))
                .is_err()
        );
        config
            .set_hyper("set", HyperValue::Choice("L2Ball"))
            .unwrap();
        config
            .set_hyper("set.radius", HyperValue::Float(2.0))
            .unwrap();
        config
            .set_hyper("set.center[1]", HyperValue::Float(0.5))
            .unwrap();
        assert_eq!(
            config.set,
            ConstraintSet::L2Ball {
                center: (0.0, 0.5),
                radius: 2.0
            }
        );
        config
            .set_hyper("set", HyperValue::Choice("L1Ball"))
            .unwrap();
        let names: Vec<_> = config.hypers().iter().map(|h| h.name).collect();
        assert_eq!(names, ["lr", "set", "set.radius"]);
        assert!(
            config
                .set_hyper("set", HyperValue::Choice("Simplex"))
                .is_err()
        );
        assert!(
            config
                .set_hyper("set.lo[0]", HyperValue::Float(0.0))
                .is_err()
        );
    }

    #[test]
    fn sets_round_trip_through_ron() {
        for (text, set) in [
            (
                "ProjectedGd(lr: 0.1, set: Box(lo: (-1.0, -1.0), hi: (1.0, 1.0)))",
                ConstraintSet::default(),
            ),
            (
                "ProjectedGd(set: L2Ball(center: (0.5, 0.0), radius: 1.0))",
                ConstraintSet::L2Ball {
                    center: (0.5, 0.0),
                    radius: 1.0,
                },
            ),
            (
                "ProjectedGd(set: L2Ball(radius: 2.0))",
                ConstraintSet::L2Ball {
                    center: (0.0, 0.0),
                    radius: 2.0,
                },
            ),
            (
                "ProjectedGd(set: L1Ball(radius: 1.5))",
                ConstraintSet::L1Ball { radius: 1.5 },
            ),
            ("ProjectedGd()", ConstraintSet::default()),
        ] {
            let OptimizerConfig::ProjectedGd(config) =
                crate::optim::test_support::parsed_optimizer(text)
            else {
                panic!("{text}: not ProjectedGd");
            };
            assert_eq!(config.set, set, "{text}");
        }
    }

    #[test]
    fn live_edits_move_the_set() {
        let mut optimizer = crate::optim::test_support::with_lr::<ProjectedGdConfig>(0.1).build(2);
        assert!(
            optimizer.set_config(&OptimizerConfig::ProjectedGd(ProjectedGdConfig {
                lr: 0.1,
                set: ConstraintSet::L1Ball { radius: 1.0 },
            }))
        );
        let mut oracle = oracle(Quadratic::axis_aligned(1.0, 4.0));
        let mut x = DVector::from_vec(vec![2.0, 2.0]);
        optimizer.step(&mut x, &mut oracle);
        assert!((x[0] - 0.8).abs() < 1e-14 && (x[1] - 0.2).abs() < 1e-14);
        optimizer.reset();
        optimizer.set_lr(0.5);
        let mut x = DVector::from_vec(vec![0.2, 0.0]);
        optimizer.step(&mut x, &mut oracle);
        assert!((x[0] - 0.1).abs() < 1e-15 && x[1] == 0.0);
    }
}
