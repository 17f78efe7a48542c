//! Every landscape in the catalog, checked against finite differences and against its own claims:
//! gradient and Hessian, listed minimizers (zero gradient, value, curvature), lower bounds, view
//! and start, and the `Objective` adapter. Table-driven over `LandscapeConfig::catalog()`, so a new
//! landscape is covered as soon as it is registered.

use std::sync::Arc;

use nalgebra::DVector;
use optiviz::landscape::{
    Landscape, LandscapeConfig, LandscapeObjective, Minimizers, Point, min_value,
    symmetric_eigenvalues,
};
use optiviz::objective::Objective;
use optiviz::validate::Checker;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Random points per landscape, drawn uniformly from its view window.
const GRID_POINTS: usize = 50;

/// Every catalog landscape with its default parameters, by name.
fn catalog() -> Vec<(&'static str, Arc<dyn Landscape>)> {
    LandscapeConfig::catalog()
        .iter()
        .map(|config| (config.name(), config.build()))
        .collect()
}

/// A seeded uniform sample of the landscape's view window.
fn grid(landscape: &dyn Landscape) -> Vec<Point> {
    let view = landscape.view();
    let mut rng = ChaCha8Rng::seed_from_u64(20_240_917);
    (0..GRID_POINTS)
        .map(|_| {
            [
                rng.random_range(view.x_min..view.x_max),
                rng.random_range(view.y_min..view.y_max),
            ]
        })
        .collect()
}

/// The ℓ1-type landscapes have kinks where a coordinate is 0; finite differences across a kink mean
/// nothing, so points that close to one are skipped.
fn near_kink(name: &str, p: Point) -> bool {
    matches!(name, "Abs" | "Lasso") && p.iter().any(|c| c.abs() < 1e-3)
}

/// The min-max games, whose `distance_to_minimizer` is the distance to their equilibrium (0, 0)
/// although they have no minimizer.
fn is_game(name: &str) -> bool {
    matches!(name, "Bilinear" | "QuadraticGame" | "AlmostBilinear")
}

/// Central-difference step for coordinate value `c`.
fn step(c: f64) -> f64 {
    1e-6 * (1.0 + c.abs())
}

fn shifted(p: Point, axis: usize, h: f64) -> Point {
    let mut q = p;
    q[axis] += h;
    q
}

fn norm(v: Point) -> f64 {
    v[0].hypot(v[1])
}

#[test]
fn gradients_match_central_differences() {
    for (name, landscape) in catalog() {
        for p in grid(landscape.as_ref()) {
            if near_kink(name, p) {
                continue;
            }
            let (f, g) = landscape.value_and_gradient(p);
            for axis in 0..2 {
                let h = step(p[axis]);
                let fd = (landscape.value(shifted(p, axis, h))
                    - landscape.value(shifted(p, axis, -h)))
                    / (2.0 * h);
                // Truncation O(h²) plus rounding O(ε|f|/h).
                let tolerance =
                    1e-5 * (1.0 + g[axis].abs()) + 100.0 * f64::EPSILON * (1.0 + f.abs()) / h;
                assert!(
                    (g[axis] - fd).abs() <= tolerance,
                    "{name}: ∂f/∂x{axis} at {p:?} is {}, central difference {fd}",
                    g[axis]
                );
            }
        }
    }
}

#[test]
fn hessians_match_central_differences_of_the_gradient() {
    for (name, landscape) in catalog() {
        for p in grid(landscape.as_ref()) {
            if near_kink(name, p) {
                continue;
            }
            let hessian = landscape.hessian(p);
            let (_, g) = landscape.value_and_gradient(p);
            for column in 0..2 {
                let h = step(p[column]);
                let (_, plus) = landscape.value_and_gradient(shifted(p, column, h));
                let (_, minus) = landscape.value_and_gradient(shifted(p, column, -h));
                for row in 0..2 {
                    let fd = (plus[row] - minus[row]) / (2.0 * h);
                    let exact = hessian[row][column];
                    let tolerance =
                        1e-5 * (1.0 + exact.abs()) + 100.0 * f64::EPSILON * (1.0 + norm(g)) / h;
                    assert!(
                        (exact - fd).abs() <= tolerance,
                        "{name}: ∂²f/∂x{row}∂x{column} at {p:?} is {exact}, central difference {fd}"
                    );
                }
            }
        }
    }
}

#[test]
fn hessians_are_symmetric() {
    for (name, landscape) in catalog() {
        for p in grid(landscape.as_ref()) {
            let h = landscape.hessian(p);
            let scale = 1.0 + h.iter().flatten().fold(0.0f64, |m, v| m.max(v.abs()));
            assert!(
                (h[0][1] - h[1][0]).abs() <= 1e-12 * scale,
                "{name}: Hessian {h:?} at {p:?} is not symmetric"
            );
        }
    }
}

/// The gradient mapping (x − prox_{t·h}(x − t∇g(x)))/t of a composite f = g + h, which vanishes
/// exactly at the minimizers (for any t > 0).
fn gradient_mapping_norm(landscape: &dyn Landscape, p: Point) -> Option<f64> {
    let composite = landscape.composite()?;
    let t = 1e-2;
    let x = DVector::from_column_slice(&p);
    let mut grad = DVector::zeros(2);
    composite.smooth_value_and_grad(&x, &mut grad);
    let mut z = &x - t * &grad;
    composite.prox(&mut z, t);
    Some((&x - &z).norm() / t)
}

#[test]
fn listed_minimizers_are_stationary_with_the_listed_value_and_curvature() {
    for (name, landscape) in catalog() {
        let Minimizers::Points(minima) = landscape.minimizers() else {
            continue;
        };
        // A typed formula's minimizers are unknown: it lists none rather than guessing.
        assert!(
            !minima.is_empty() || name == "Formula",
            "{name}: an empty list of minimizers"
        );
        for m in &minima {
            let (value, g) = landscape.value_and_gradient(m.point);
            let scale = 1.0 + value.abs();
            // Composite (ℓ1) landscapes: the subgradient need not vanish at a minimizer on a kink,
            // but the proximal-gradient map must fix it.
            let stationarity =
                gradient_mapping_norm(landscape.as_ref(), m.point).unwrap_or(norm(g));
            assert!(
                stationarity < 1e-8 * scale,
                "{name}: minimizer {m:?} is not stationary (residual {stationarity:e})"
            );
            assert!(
                (m.value - value).abs() <= 1e-10 * scale,
                "{name}: minimizer {m:?} lists f = {}, but f there is {value}",
                m.value
            );
            let curvature = symmetric_eigenvalues(landscape.hessian(m.point));
            let curvature_scale = 1.0 + curvature[1].abs();
            for (listed, actual) in m.curvature.iter().zip(curvature) {
                assert!(
                    (listed - actual).abs() <= 1e-8 * curvature_scale,
                    "{name}: minimizer {m:?} lists curvature {:?}, the Hessian has {curvature:?}",
                    m.curvature
                );
            }
            assert!(
                m.curvature[0] <= m.curvature[1] && m.curvature[0] >= -1e-10 * curvature_scale,
                "{name}: curvature {:?} at a minimizer must be ascending and ≥ 0",
                m.curvature
            );
        }
    }
}

#[test]
fn the_minimum_value_bounds_f_and_distances_are_defined() {
    for (name, landscape) in catalog() {
        let minimizers = landscape.minimizers();
        let lowest = min_value(landscape.as_ref());
        for p in grid(landscape.as_ref()) {
            let distance = landscape.distance_to_minimizer(p);
            match &minimizers {
                // No known minimizer (a typed formula): no distance to one.
                Minimizers::Points(minima) if minima.is_empty() => {
                    assert_eq!(distance, None, "{name}")
                }
                Minimizers::Points(_) | Minimizers::Set { .. } => {
                    let d = distance.unwrap_or(f64::NAN);
                    assert!(d >= 0.0, "{name}: distance {distance:?} at {p:?}");
                }
                // Min-max games measure the distance to their equilibrium, the origin.
                Minimizers::Unbounded if is_game(name) => {
                    assert_eq!(distance, Some(p[0].hypot(p[1])), "{name}")
                }
                Minimizers::Unbounded => assert_eq!(distance, None, "{name}"),
            }
            if let Some(lowest) = lowest {
                let f = landscape.value(p);
                assert!(
                    f >= lowest - 1e-12 * (1.0 + lowest.abs()),
                    "{name}: f({p:?}) = {f} is below the listed minimum {lowest}"
                );
            }
        }
        if let Minimizers::Points(minima) = &minimizers {
            for m in minima {
                let d = landscape.distance_to_minimizer(m.point).unwrap_or(f64::NAN);
                assert!(d < 1e-12, "{name}: distance {d} at the minimizer {m:?}");
            }
        }
    }
}

#[test]
fn default_start_lies_in_the_view() {
    for (name, landscape) in catalog() {
        let view = landscape.view();
        let [x, y] = landscape.default_start();
        assert!(
            view.x_min < view.x_max && view.y_min < view.y_max,
            "{name}: empty view {view:?}"
        );
        assert!(
            (view.x_min..=view.x_max).contains(&x) && (view.y_min..=view.y_max).contains(&y),
            "{name}: start ({x}, {y}) outside the view {view:?}"
        );
    }
}

#[test]
fn value_agrees_with_value_and_gradient() {
    for (name, landscape) in catalog() {
        let mut points = grid(landscape.as_ref());
        points.push(landscape.default_start());
        for p in points {
            let (a, b) = (landscape.value(p), landscape.value_and_gradient(p).0);
            assert!(
                (a - b).abs() <= 1e-12 * a.abs().max(1.0),
                "{name}: value {a} vs value_and_gradient {b} at {p:?}"
            );
        }
    }
}

#[test]
fn full_batch_equals_the_full_gradient() {
    for (name, landscape) in catalog() {
        let n = landscape.num_samples();
        assert!(n >= 1, "{name}: no samples");
        let everything: Vec<usize> = (0..n).collect();
        for p in grid(landscape.as_ref()).into_iter().take(10) {
            let (f, g) = landscape.value_and_gradient(p);
            let (fb, gb) = landscape.sample_value_and_gradient(p, &everything);
            assert!(
                (f - fb).abs() <= 1e-12 * (1.0 + f.abs()),
                "{name}: {f} vs {fb}"
            );
            assert!(
                norm([g[0] - gb[0], g[1] - gb[1]]) <= 1e-12 * (1.0 + norm(g)),
                "{name}: {g:?} vs {gb:?}"
            );
        }
    }
}

#[test]
fn the_objective_adapter_agrees_with_the_landscape() {
    for (name, landscape) in catalog() {
        let objective = LandscapeObjective::new(landscape.clone());
        assert_eq!(objective.dim(), 2);
        assert_eq!(objective.num_samples(), landscape.num_samples(), "{name}");
        assert_eq!(
            objective.composite().is_some(),
            landscape.composite().is_some(),
            "{name}"
        );
        let mut grad = DVector::zeros(2);
        let mut hvp = DVector::zeros(2);
        let v = DVector::from_column_slice(&[0.3, -1.7]);
        for p in grid(landscape.as_ref()) {
            let x = DVector::from_column_slice(&p);
            let (f, g) = landscape.value_and_gradient(p);
            assert_eq!(objective.value(&x), landscape.value(p), "{name}");
            assert_eq!(objective.value_and_grad(&x, &mut grad), f, "{name}");
            assert_eq!([grad[0], grad[1]], g, "{name}");
            let h = landscape.hessian(p);
            let hessian = objective.hessian(&x).expect("landscapes have Hessians");
            for (row, column) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
                assert_eq!(hessian[(row, column)], h[row][column], "{name}");
            }
            objective.hvp(&x, &v, &mut hvp);
            for row in 0..2 {
                let expected = h[row][0] * v[0] + h[row][1] * v[1];
                assert!(
                    (hvp[row] - expected).abs() <= 1e-14 * (1.0 + expected.abs()),
                    "{name}"
                );
            }
        }
    }
}

#[test]
fn defaults_are_valid_described_and_survive_ron() {
    let options = ron::Options::default()
        .with_default_extension(ron::extensions::Extensions::UNWRAP_VARIANT_NEWTYPES);
    for config in LandscapeConfig::catalog() {
        let name = config.name();
        let mut checker = Checker::new();
        config.validate(&mut checker);
        assert!(checker.found.is_empty(), "{name}: {:?}", checker.found);
        let description = config.description();
        assert!(
            !description.is_empty() && !description.contains('\n'),
            "{name}: the description must be one line"
        );
        let written = options.to_string(&config).expect("serializes");
        let reread: LandscapeConfig = options.from_str(&written).expect("parses back");
        assert_eq!(reread, config, "{name}: {written}");
    }
}
