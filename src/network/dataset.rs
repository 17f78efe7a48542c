//! Seeded toy data sets for the small networks: four two-class problems in the plane and 1-D
//! regression.
//!
//! - `Moons(n, noise)` (default n = 200, noise 0.1), after scikit-learn's `make_moons`: ⌊n/2⌋
//!   points of class 0 on the upper half circle (cos t, sin t) and the rest, class 1, on the lower
//!   one (1 − cos t, ½ − sin t), t evenly spaced over [0, π] on each; then Gaussian noise of std
//!   `noise` on both coordinates.
//! - `Circles(n, noise, factor)` (default 200, 0.05, 0.5), after scikit-learn's `make_circles`:
//!   ⌊n/2⌋ points of class 0 on the unit circle (cos t, sin t), t evenly spaced over [0, 2π)
//!   without the endpoint, and the rest, class 1, on the circle of radius `factor`; then Gaussian
//!   noise.
//! - `Xor(n, noise)` (default 200, 0.05): points uniform in [−1, 1]², class 1 where x·y > 0 (first
//!   and third quadrants) and 0 elsewhere, exactly half of each: a point drawn for the other class
//!   has its x mirrored, which keeps each class uniform on its quadrants; then Gaussian jitter.
//! - `Spiral(n, noise)` (default 200, 0.05): two interleaved arms, as in the TensorFlow Playground
//!   (Smilkov et al. 2016) with radius scaled to 1: sample i of the nₖ of class k has s = i/nₖ,
//!   radius r = s and angle θ = 1.75·2π·s + kπ, point (r sin θ, r cos θ); then Gaussian noise.
//! - `Regression(n, function, noise)` (default 200, Sine, 0.1): x uniform in [−π, π] and
//!   y = f(x) + noise·ε, ε ~ N(0, 1), with f one of Sine: sin x, Cubic: (x/π)³, Abs: 2|x|/π − 1,
//!   Step: +1 for x ≥ 0 and −1 below (each with range [−1, 1]).
//!
//! Two-class sets have labels 0 and 1 and ⌊n/2⌋ and ⌈n/2⌉ samples of each. Samples are shuffled
//! (as scikit-learn's `shuffle=True` does), so any prefix or minibatch mixes both classes.
//! Everything comes from the `ChaCha8Rng` handed in, in a fixed order (positions, then noise, then
//! the shuffle), so a seed names the same data on every machine.
//!
//! References: F. Pedregosa et al., "Scikit-learn: machine learning in Python", JMLR 12, 2011
//! (`sklearn.datasets.make_moons`, `make_circles`); D. Smilkov & S. Carter, TensorFlow Playground,
//! 2016 (spiral and XOR).

use std::f64::consts::PI;

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

use crate::validate::Checker;

/// Fewest samples a data set may have.
pub const MIN_SAMPLES: usize = 4;
/// Most samples a data set may have.
pub const MAX_SAMPLES: usize = 100_000;
/// Turns of each spiral arm from the centre to radius 1.
const SPIRAL_TURNS: f64 = 1.75;

fn default_n() -> usize {
    200
}
fn default_moons_noise() -> f64 {
    0.1
}
fn default_small_noise() -> f64 {
    0.05
}
fn default_factor() -> f64 {
    0.5
}

/// The target function of a [`DatasetConfig::Regression`] set, each with range [−1, 1].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum RegressionFunction {
    /// sin x.
    #[default]
    Sine,
    /// (x/π)³.
    Cubic,
    /// 2|x|/π − 1: a kink at 0.
    Abs,
    /// +1 for x ≥ 0, −1 below: a jump at 0.
    Step,
}

impl RegressionFunction {
    /// f(x).
    pub fn eval(self, x: f64) -> f64 {
        match self {
            Self::Sine => x.sin(),
            Self::Cubic => (x / PI).powi(3),
            Self::Abs => 2.0 * x.abs() / PI - 1.0,
            Self::Step => {
                if x >= 0.0 {
                    1.0
                } else {
                    -1.0
                }
            }
        }
    }
}

/// Which toy data set a network trains on (see the module docs for each recipe).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum DatasetConfig {
    /// Two interleaving half circles (scikit-learn's `make_moons`).
    Moons {
        /// Number of samples (4 to 100 000).
        #[serde(default = "default_n")]
        n: usize,
        /// Standard deviation of the Gaussian noise on each coordinate.
        #[serde(default = "default_moons_noise")]
        noise: f64,
    },
    /// A circle inside another (scikit-learn's `make_circles`).
    Circles {
        /// Number of samples (4 to 100 000).
        #[serde(default = "default_n")]
        n: usize,
        /// Standard deviation of the Gaussian noise on each coordinate.
        #[serde(default = "default_small_noise")]
        noise: f64,
        /// Inner radius over outer radius, in (0, 1).
        #[serde(default = "default_factor")]
        factor: f64,
    },
    /// Quadrant parity: class 1 where x·y > 0.
    Xor {
        /// Number of samples (4 to 100 000).
        #[serde(default = "default_n")]
        n: usize,
        /// Standard deviation of the Gaussian jitter added after labelling.
        #[serde(default = "default_small_noise")]
        noise: f64,
    },
    /// Two interleaved spiral arms.
    Spiral {
        /// Number of samples (4 to 100 000).
        #[serde(default = "default_n")]
        n: usize,
        /// Standard deviation of the Gaussian noise on each coordinate.
        #[serde(default = "default_small_noise")]
        noise: f64,
    },
    /// y = f(x) + noise on x uniform in [−π, π].
    Regression {
        /// Number of samples (4 to 100 000).
        #[serde(default = "default_n")]
        n: usize,
        /// The function f.
        #[serde(default)]
        function: RegressionFunction,
        /// Standard deviation of the Gaussian noise on y.
        #[serde(default = "default_moons_noise")]
        noise: f64,
    },
}

impl Default for DatasetConfig {
    fn default() -> Self {
        Self::Moons {
            n: default_n(),
            noise: default_moons_noise(),
        }
    }
}

impl DatasetConfig {
    /// The variant's name as presets write it ("Moons").
    pub fn name(&self) -> &'static str {
        match self {
            Self::Moons { .. } => "Moons",
            Self::Circles { .. } => "Circles",
            Self::Xor { .. } => "Xor",
            Self::Spiral { .. } => "Spiral",
            Self::Regression { .. } => "Regression",
        }
    }

    /// Number of input features: 1 for regression, 2 for the classification sets.
    pub fn input_dim(&self) -> usize {
        match self {
            Self::Regression { .. } => 1,
            _ => 2,
        }
    }

    /// Number of classes, `None` for regression.
    pub fn class_count(&self) -> Option<usize> {
        match self {
            Self::Regression { .. } => None,
            _ => Some(2),
        }
    }

    /// Number of samples asked for.
    pub fn len(&self) -> usize {
        match *self {
            Self::Moons { n, .. }
            | Self::Circles { n, .. }
            | Self::Xor { n, .. }
            | Self::Spiral { n, .. }
            | Self::Regression { n, .. } => n,
        }
    }

    /// Whether no samples are asked for (never valid).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of samples [`DatasetConfig::generate`] draws: n clamped to 4..=100 000.
    pub fn generated_len(&self) -> usize {
        self.len().clamp(MIN_SAMPLES, MAX_SAMPLES)
    }

    /// The number of samples asked for, to set.
    pub fn samples_mut(&mut self) -> &mut usize {
        match self {
            Self::Moons { n, .. }
            | Self::Circles { n, .. }
            | Self::Xor { n, .. }
            | Self::Spiral { n, .. }
            | Self::Regression { n, .. } => n,
        }
    }

    /// The noise's standard deviation, to set.
    pub fn noise_mut(&mut self) -> &mut f64 {
        match self {
            Self::Moons { noise, .. }
            | Self::Circles { noise, .. }
            | Self::Xor { noise, .. }
            | Self::Spiral { noise, .. }
            | Self::Regression { noise, .. } => noise,
        }
    }

    /// The noise's standard deviation.
    pub fn noise(&self) -> f64 {
        match *self {
            Self::Moons { noise, .. }
            | Self::Circles { noise, .. }
            | Self::Xor { noise, .. }
            | Self::Spiral { noise, .. }
            | Self::Regression { noise, .. } => noise,
        }
    }

    /// Checks n (4 to 100 000), noise (finite, ≥ 0) and, for circles, factor (in (0, 1)).
    pub fn validate(&self, checker: &mut Checker) {
        checker.count_in_range(
            "n",
            self.len() as u64,
            MIN_SAMPLES as u64,
            MAX_SAMPLES as u64,
        );
        checker.non_negative("noise", self.noise());
        if let Self::Circles { factor, .. } = *self
            && checker.finite("factor", factor)
            && !(factor > 0.0 && factor < 1.0)
        {
            checker.report(
                "factor",
                format!("factor (inner radius / outer radius) must be in (0, 1), got {factor}"),
            );
        }
    }

    /// Draws the data set from `rng`. Out-of-range settings are brought into range (n clamped to
    /// 4..=100 000, a negative or non-finite noise taken as 0, factor clamped into (0, 1)), so an
    /// unvalidated config still gives a well-formed set.
    pub fn generate(&self, rng: &mut ChaCha8Rng) -> Dataset {
        let n = self.generated_len();
        let noise = sanitize_noise(self.noise());
        let mut dataset = match *self {
            Self::Moons { .. } => two_class(n, moons_point),
            Self::Circles { factor, .. } => {
                let factor = if factor.is_finite() {
                    factor.clamp(1e-3, 1.0 - 1e-3)
                } else {
                    default_factor()
                };
                two_class(n, |class, index, count| {
                    circles_point(class, index, count, factor)
                })
            }
            Self::Xor { .. } => xor(n, rng),
            Self::Spiral { .. } => two_class(n, spiral_point),
            Self::Regression { function, .. } => regression(n, function, noise, rng),
        };
        if !matches!(self, Self::Regression { .. }) {
            for value in &mut dataset.inputs {
                let z: f64 = StandardNormal.sample(rng);
                *value += noise * z;
            }
        }
        let mut order: Vec<usize> = (0..n).collect();
        shuffle(&mut order, rng);
        dataset.select(&order)
    }
}

fn sanitize_noise(noise: f64) -> f64 {
    if noise.is_finite() {
        noise.max(0.0)
    } else {
        0.0
    }
}

/// How many of `n` samples [`Dataset::split`] holds out for `test_fraction`: round(n·fraction)
/// with the fraction clamped to [0, 1] (not finite: 0), at most n − 1.
pub fn held_out_len(n: usize, test_fraction: f64) -> usize {
    let fraction = if test_fraction.is_finite() {
        test_fraction.clamp(0.0, 1.0)
    } else {
        0.0
    };
    ((n as f64 * fraction).round() as usize).min(n.saturating_sub(1))
}

/// Classes 0 and 1 with ⌊n/2⌋ and ⌈n/2⌉ points, `point(class, index, count)` placing each.
fn two_class(n: usize, point: impl Fn(usize, usize, usize) -> [f64; 2]) -> Dataset {
    let counts = [n / 2, n - n / 2];
    let mut inputs = Vec::with_capacity(2 * n);
    let mut labels = Vec::with_capacity(n);
    for (class, &count) in counts.iter().enumerate() {
        for index in 0..count {
            inputs.extend_from_slice(&point(class, index, count));
            labels.push(class);
        }
    }
    Dataset {
        input_dim: 2,
        inputs,
        targets: Targets::Classes { labels, count: 2 },
    }
}

/// numpy's linspace(0, end, count)\[index\] (with the endpoint).
fn linspace(end: f64, index: usize, count: usize) -> f64 {
    if count <= 1 {
        0.0
    } else {
        end * index as f64 / (count - 1) as f64
    }
}

/// make_moons: the outer (class 0) and inner (class 1) half circles.
fn moons_point(class: usize, index: usize, count: usize) -> [f64; 2] {
    let t = linspace(PI, index, count);
    if class == 0 {
        [t.cos(), t.sin()]
    } else {
        [1.0 - t.cos(), 1.0 - t.sin() - 0.5]
    }
}

/// make_circles: the outer circle (class 0) and the inner one of radius `factor` (class 1).
fn circles_point(class: usize, index: usize, count: usize, factor: f64) -> [f64; 2] {
    let t = 2.0 * PI * index as f64 / count.max(1) as f64;
    let radius = if class == 0 { 1.0 } else { factor };
    [radius * t.cos(), radius * t.sin()]
}

/// One arm per class, the second turned by π.
fn spiral_point(class: usize, index: usize, count: usize) -> [f64; 2] {
    let s = index as f64 / count.max(1) as f64;
    let angle = SPIRAL_TURNS * 2.0 * PI * s + class as f64 * PI;
    [s * angle.sin(), s * angle.cos()]
}

/// Uniform points in [−1, 1]², exactly half in each class (label 1 where x·y > 0).
fn xor(n: usize, rng: &mut ChaCha8Rng) -> Dataset {
    let counts = [n / 2, n - n / 2];
    let mut inputs = Vec::with_capacity(2 * n);
    let mut labels = Vec::with_capacity(n);
    for (class, &count) in counts.iter().enumerate() {
        for _ in 0..count {
            let mut x = 2.0 * rng.random::<f64>() - 1.0;
            let y = 2.0 * rng.random::<f64>() - 1.0;
            // Mirroring x moves the point to the other class's quadrants, uniform there too.
            if usize::from(x * y > 0.0) != class {
                x = -x;
            }
            inputs.extend_from_slice(&[x, y]);
            labels.push(class);
        }
    }
    Dataset {
        input_dim: 2,
        inputs,
        targets: Targets::Classes { labels, count: 2 },
    }
}

/// x uniform in [−π, π], y = f(x) + noise·ε.
fn regression(n: usize, function: RegressionFunction, noise: f64, rng: &mut ChaCha8Rng) -> Dataset {
    let mut inputs = Vec::with_capacity(n);
    let mut values = Vec::with_capacity(n);
    for _ in 0..n {
        let x = PI * (2.0 * rng.random::<f64>() - 1.0);
        let epsilon: f64 = StandardNormal.sample(rng);
        inputs.push(x);
        values.push(function.eval(x) + noise * epsilon);
    }
    Dataset {
        input_dim: 1,
        inputs,
        targets: Targets::Values(values),
    }
}

/// Fisher–Yates, written out so that the order a seed gives does not depend on rand's version.
fn shuffle(order: &mut [usize], rng: &mut ChaCha8Rng) {
    for i in (1..order.len()).rev() {
        let j = rng.random_range(0..=i);
        order.swap(i, j);
    }
}

/// What a data set's samples are labelled with.
#[derive(Clone, Debug, PartialEq)]
pub enum Targets {
    /// Class labels in 0..count.
    Classes {
        /// One label per sample.
        labels: Vec<usize>,
        /// Number of classes.
        count: usize,
    },
    /// One real value per sample (regression).
    Values(Vec<f64>),
}

impl Targets {
    /// Number of samples.
    pub fn len(&self) -> usize {
        match self {
            Self::Classes { labels, .. } => labels.len(),
            Self::Values(values) => values.len(),
        }
    }

    /// Whether there are no samples.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Samples: inputs (row-major, n × input_dim) with their targets.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    /// Number of input features per sample.
    pub input_dim: usize,
    /// The inputs, row-major: sample i is `inputs[i * input_dim..(i + 1) * input_dim]`.
    pub inputs: Vec<f64>,
    /// The targets, one per sample.
    pub targets: Targets,
}

impl Dataset {
    /// Number of samples.
    pub fn len(&self) -> usize {
        self.targets.len()
    }

    /// Whether there are no samples.
    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }

    /// Sample i's inputs.
    pub fn input(&self, i: usize) -> &[f64] {
        &self.inputs[i * self.input_dim..(i + 1) * self.input_dim]
    }

    /// Splits into a training set and, when `test_fraction` > 0, a test set of
    /// round(n·test_fraction) samples (at most n − 1), both drawn after a seeded shuffle.
    /// `test_fraction` is clamped to [0, 1].
    pub fn split(self, test_fraction: f64, rng: &mut ChaCha8Rng) -> (Dataset, Option<Dataset>) {
        let n = self.len();
        let test_len = held_out_len(n, test_fraction);
        if test_len == 0 {
            return (self, None);
        }
        let mut order: Vec<usize> = (0..n).collect();
        shuffle(&mut order, rng);
        let (test_order, train_order) = order.split_at(test_len);
        (self.select(train_order), Some(self.select(test_order)))
    }

    /// The samples at `indices` (each below n), in that order.
    fn select(&self, indices: &[usize]) -> Dataset {
        let mut inputs = Vec::with_capacity(indices.len() * self.input_dim);
        for &i in indices {
            inputs.extend_from_slice(self.input(i));
        }
        let targets = match &self.targets {
            Targets::Classes { labels, count } => Targets::Classes {
                labels: indices.iter().map(|&i| labels[i]).collect(),
                count: *count,
            },
            Targets::Values(values) => {
                Targets::Values(indices.iter().map(|&i| values[i]).collect())
            }
        };
        Dataset {
            input_dim: self.input_dim,
            inputs,
            targets,
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    fn all_configs() -> Vec<DatasetConfig> {
        vec![
            DatasetConfig::default(),
            DatasetConfig::Circles {
                n: 201,
                noise: 0.05,
                factor: 0.5,
            },
            DatasetConfig::Xor { n: 200, noise: 0.0 },
            DatasetConfig::Spiral { n: 150, noise: 0.0 },
            DatasetConfig::Regression {
                n: 80,
                function: RegressionFunction::Cubic,
                noise: 0.1,
            },
        ]
    }

    fn generate(config: &DatasetConfig, seed: u64) -> Dataset {
        config.generate(&mut ChaCha8Rng::seed_from_u64(seed))
    }

    #[test]
    fn sizes_labels_and_balance() {
        for config in all_configs() {
            let data = generate(&config, 0);
            let n = config.len();
            assert_eq!(data.len(), n, "{config:?}");
            assert_eq!(data.input_dim, config.input_dim());
            assert_eq!(data.inputs.len(), n * data.input_dim);
            assert!(data.inputs.iter().all(|v| v.is_finite()));
            match &data.targets {
                Targets::Classes { labels, count } => {
                    assert_eq!(*count, 2);
                    let ones = labels.iter().filter(|&&l| l == 1).count();
                    assert!(labels.iter().all(|&l| l < 2));
                    assert_eq!(ones, n - n / 2, "{config:?}");
                    // Shuffled: the first half is not all one class.
                    let first_ones = labels[..n / 2].iter().filter(|&&l| l == 1).count();
                    assert!(first_ones > n / 8 && first_ones < n / 2 - n / 8);
                }
                Targets::Values(values) => assert_eq!(values.len(), n),
            }
        }
    }

    #[test]
    fn same_seed_same_data() {
        for config in all_configs() {
            assert_eq!(generate(&config, 5), generate(&config, 5));
            assert_ne!(generate(&config, 5), generate(&config, 6));
        }
    }

    #[test]
    fn moons_geometry() {
        let config = DatasetConfig::Moons { n: 100, noise: 0.0 };
        let data = generate(&config, 1);
        let Targets::Classes { labels, .. } = &data.targets else {
            panic!("moons are labelled");
        };
        for (i, &label) in labels.iter().enumerate() {
            let [x, y] = [data.input(i)[0], data.input(i)[1]];
            // Class 0 on the unit upper half circle, class 1 on the lower one centred at (1, ½).
            let (cx, cy) = if label == 0 { (0.0, 0.0) } else { (1.0, 0.5) };
            assert!(((x - cx).hypot(y - cy) - 1.0).abs() < 1e-12);
            if label == 0 {
                assert!(y >= -1e-12);
            } else {
                assert!(y <= 0.5 + 1e-12);
            }
        }
        // With noise the points move by about `noise`.
        let noisy = generate(&DatasetConfig::Moons { n: 100, noise: 0.1 }, 1);
        let (mean_x, mean_y) = (0..100).fold((0.0, 0.0), |(sx, sy), i| {
            (
                sx + noisy.input(i)[0] / 100.0,
                sy + noisy.input(i)[1] / 100.0,
            )
        });
        assert!((mean_x - 0.5).abs() < 0.1 && (mean_y - 0.25).abs() < 0.1);
    }

    #[test]
    fn other_geometries() {
        let circles = generate(
            &DatasetConfig::Circles {
                n: 100,
                noise: 0.0,
                factor: 0.3,
            },
            2,
        );
        let xor = generate(&DatasetConfig::Xor { n: 100, noise: 0.0 }, 2);
        let regression = generate(
            &DatasetConfig::Regression {
                n: 100,
                function: RegressionFunction::Sine,
                noise: 0.0,
            },
            2,
        );
        let (
            Targets::Classes {
                labels: circle_labels,
                ..
            },
            Targets::Classes {
                labels: xor_labels, ..
            },
        ) = (&circles.targets, &xor.targets)
        else {
            panic!("classification sets are labelled");
        };
        for i in 0..100 {
            let [x, y] = [circles.input(i)[0], circles.input(i)[1]];
            let radius = if circle_labels[i] == 0 { 1.0 } else { 0.3 };
            assert!((x.hypot(y) - radius).abs() < 1e-12);
            let [x, y] = [xor.input(i)[0], xor.input(i)[1]];
            assert!(x.abs() <= 1.0 && y.abs() <= 1.0);
            assert_eq!(usize::from(x * y > 0.0), xor_labels[i]);
        }
        let Targets::Values(values) = &regression.targets else {
            panic!("regression has values");
        };
        for (i, value) in values.iter().enumerate() {
            let x = regression.input(i)[0];
            assert!(x.abs() <= PI);
            assert_eq!(*value, x.sin());
        }
    }

    #[test]
    fn split_is_seeded_and_partitions() {
        let data = generate(&DatasetConfig::default(), 0);
        let (train, test) = data.clone().split(0.25, &mut ChaCha8Rng::seed_from_u64(9));
        let test = test.expect("a test set");
        assert_eq!((train.len(), test.len()), (150, 50));
        let (again, _) = data.clone().split(0.25, &mut ChaCha8Rng::seed_from_u64(9));
        assert_eq!(train, again);
        // Together they hold every sample once.
        let mut all: Vec<[u64; 2]> = (0..150)
            .map(|i| train.input(i))
            .chain((0..50).map(|i| test.input(i)))
            .map(|p| [p[0].to_bits(), p[1].to_bits()])
            .collect();
        let mut original: Vec<[u64; 2]> = (0..200)
            .map(|i| [data.input(i)[0].to_bits(), data.input(i)[1].to_bits()])
            .collect();
        all.sort_unstable();
        original.sort_unstable();
        assert_eq!(all, original);
        let (whole, none) = data.clone().split(0.0, &mut ChaCha8Rng::seed_from_u64(9));
        assert!(none.is_none());
        assert_eq!(whole, data);
        let tiny = generate(&DatasetConfig::Xor { n: 4, noise: 0.0 }, 0);
        let (train, test) = tiny.split(0.9, &mut ChaCha8Rng::seed_from_u64(0));
        assert_eq!((train.len(), test.map(|t| t.len())), (1, Some(3)));
    }

    #[test]
    fn validation() {
        let mut checker = Checker::new();
        for config in all_configs() {
            config.validate(&mut checker);
        }
        assert!(checker.found.is_empty());
        DatasetConfig::Circles {
            n: 3,
            noise: -0.1,
            factor: 1.0,
        }
        .validate(&mut checker);
        let paths: Vec<_> = checker.found.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["n", "noise", "factor"]);
        assert!(checker.found[2].message.contains("(0, 1)"));
    }

    #[test]
    fn ron_round_trip_and_defaults() {
        let options = crate::ron_format::ron_options();
        for config in all_configs() {
            let text = options.to_string(&config).expect("serializes");
            assert_eq!(
                options.from_str::<DatasetConfig>(&text).expect("parses"),
                config
            );
        }
        let parsed: DatasetConfig = options.from_str("Circles(noise: 0.2)").expect("parses");
        assert_eq!(
            parsed,
            DatasetConfig::Circles {
                n: 200,
                noise: 0.2,
                factor: 0.5
            }
        );
        let parsed: DatasetConfig = options
            .from_str("Regression(function: Step)")
            .expect("parses");
        assert_eq!(
            parsed,
            DatasetConfig::Regression {
                n: 200,
                function: RegressionFunction::Step,
                noise: 0.1
            }
        );
        let parsed: DatasetConfig = options.from_str("Moons()").expect("parses");
        assert_eq!(parsed, DatasetConfig::default());
    }
}
