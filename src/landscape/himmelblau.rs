//! Himmelblau: four equally deep minima, and which one a run ends in depends on the method.
//!
//! f(x, y) = (x² + y − 11)² + (x + y² − 7)². Domain ℝ². Four global minimizers, all with f* = 0:
//! (3, 2) exactly, and approximately (−2.805118, 3.131312), (−3.779310, −3.283186) and
//! (3.584428, −1.848126), which are listed to machine precision by refining these with Newton's
//! method. Hessian eigenvalues there ≈ [25.72, 82.28], [64.84, 80.55], [70.71, 133.79] and
//! [28.69, 105.42]. There is also a local maximum at ≈ (−0.270845, −0.923039) with f ≈ 181.617 and
//! four saddles between the basins.
//!
//! From the default start (0, 0) plain gradient descent goes to (3, 2) while heavy-ball momentum
//! (β = 0.9) overshoots into the basin of (3.584428, −1.848126).
//!
//! Reference: D. M. Himmelblau, *Applied Nonlinear Programming* (McGraw-Hill, 1972); details in
//! S. Surjanovic & D. Bingham, *Virtual Library of Simulation Experiments: Test Functions and
//! Datasets* (Simon Fraser University). No parameters; view [−5, 5]²; start (0, 0).

use num_dual::DualNum;
use serde::{Deserialize, Serialize};

use super::autodiff::{self, DualFormula};
use super::refine::{newton_refine, refined_minimum};
use super::{Landscape, Minimizers, Minimum, Point, StationaryKind, StationaryPoint, ViewWindow};
use crate::hyper::hyper_table;

/// f(x, y) = (x² + y − 11)² + (x + y² − 7)². No parameters: `Himmelblau()` in a preset.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Himmelblau {}

/// The four minimizers, (3, 2) exact and the others to about 1e-15 (refined further by Newton).
const MINIMIZER_GUESSES: [Point; 4] = [
    [3.0, 2.0],
    [-2.805_118_086_952_745, 3.131_312_518_250_573],
    [-3.779_310_253_377_747, -3.283_185_991_286_17],
    [3.584_428_340_330_492, -1.848_126_526_964_404],
];

impl DualFormula for Himmelblau {
    fn eval<D: DualNum<Primitive = f64> + Copy>(&self, x: D, y: D) -> D {
        let first = x * x + y - 11.0;
        let second = x + y * y - 7.0;
        first * first + second * second
    }
}

hyper_table! { Himmelblau, owner: "Himmelblau"; }

super::landscape_spec! {
    Himmelblau: "(x² + y − 11)² + (x + y² − 7)²: four equal minima; the basin depends on the method"
}

impl Landscape for Himmelblau {
    autodiff::dual_formula_derivatives!();

    fn minimizers(&self) -> Minimizers {
        Minimizers::Points(
            MINIMIZER_GUESSES
                .iter()
                .map(|&guess| Minimum {
                    // Exactly 0: the refined points give f ≈ 1e-30.
                    value: 0.0,
                    ..refined_minimum(self, guess)
                })
                .collect(),
        )
    }

    /// The local maximum and the four saddles between the basins, refined from rounded guesses.
    fn saddles_and_maxima(&self) -> Vec<StationaryPoint> {
        let at = |guess, kind| StationaryPoint {
            point: newton_refine(self, guess),
            kind,
        };
        vec![
            at([-0.270_845, -0.923_039], StationaryKind::Maximum),
            at([3.385_154, 0.073_852], StationaryKind::Saddle),
            at([0.086_678, 2.884_255], StationaryKind::Saddle),
            at([-3.073_026, -0.081_353], StationaryKind::Saddle),
            at([-0.127_961, -1.953_715], StationaryKind::Saddle),
        ]
    }

    super::centred_view!(5.0, 5.0, start [0.0, 0.0]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::landscape::LandscapeConfig;

    #[test]
    fn four_zero_minima() {
        let f = Himmelblau {};
        let Minimizers::Points(minima) = f.minimizers() else {
            panic!("Himmelblau has isolated minimizers");
        };
        assert_eq!(minima.len(), 4);
        for m in &minima {
            let (value, g) = f.value_and_gradient(m.point);
            assert!(m.value == 0.0 && value.abs() < 1e-24, "{m:?}");
            assert!(g[0].hypot(g[1]) < 1e-12, "{m:?}");
            assert!(m.curvature[0] > 25.0);
        }
        // At (3, 2): ∇²f = [[4a + 8x² + 2, 4(x + y)], [4(x + y), 4b + 8y² + 2]] with a = b = 0.
        assert_eq!(f.hessian([3.0, 2.0]), [[74.0, 20.0], [20.0, 34.0]]);
        // f(0, 0) = 11² + 7², with gradient (2·(−7), 2·(−11)).
        assert_eq!(f.value_and_gradient([0.0, 0.0]), (170.0, [-14.0, -22.0]));
    }

    #[test]
    fn parses_as_an_empty_variant() {
        let options = ron::Options::default()
            .with_default_extension(ron::extensions::Extensions::UNWRAP_VARIANT_NEWTYPES);
        let config: LandscapeConfig = options.from_str("Himmelblau()").expect("parses");
        assert_eq!(config, LandscapeConfig::Himmelblau(Himmelblau {}));
        let written = options.to_string(&config).expect("serializes");
        let reread: LandscapeConfig = options.from_str(&written).expect("parses back");
        assert_eq!(reread, config);
    }
}
