//! Robust aggregation of K workers' messages, for `ByzantineRobust`: the mean, coordinate-wise
//! order statistics (median, trimmed mean) and Krum. Pure functions over the messages and
//! caller-owned scratch, so that aggregating allocates nothing.
//!
//! ```text
//! mean           (1/K) Σₖ gₖ
//! median         per coordinate: v₍(K+1)/2₎ for odd K, ½(v₍K/2₎ + v₍K/2+1₎) for even K
//! trimmed mean   per coordinate: the mean of v₍b+1₎, …, v₍K−b₎
//! Krum           g_{k*}, k* = argminₖ Σ_{j ∈ N(k)} ‖gₖ − gⱼ‖², N(k) the K − f − 2 nearest to k
//! ```
//!
//! References: Yin, Chen, Ramchandran & Bartlett, ICML 2018 (median, trimmed mean); Blanchard,
//! El Mhamdi, Guerraoui & Stainer, NeurIPS 2017 (Krum).

use nalgebra::DVector;
use serde::{Deserialize, Serialize};

/// The aggregator names, as the picker lists them.
pub(crate) const AGGREGATOR_CHOICES: &[&str] = &["Mean", "Median", "TrimmedMean", "Krum"];

/// How the server combines the K messages, as presets name it: `Median`, `TrimmedMean(trim: 2)`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Aggregator {
    /// The plain mean (not robust: one attacker moves it anywhere).
    Mean,
    /// The coordinate-wise median.
    #[default]
    Median,
    /// The coordinate-wise mean after dropping the `trim` largest and `trim` smallest values.
    TrimmedMean {
        /// Values dropped at each end of every coordinate.
        trim: u64,
    },
    /// The message with the smallest sum of squared distances to its K − f − 2 nearest others.
    Krum,
}

impl Aggregator {
    /// Its name in presets and in the picker.
    pub fn name(self) -> &'static str {
        match self {
            Self::Mean => "Mean",
            Self::Median => "Median",
            Self::TrimmedMean { .. } => "TrimmedMean",
            Self::Krum => "Krum",
        }
    }

    /// The aggregator called `name` (TrimmedMean trims `trim` unless it already is one); `None`
    /// (the `Option`) for an unknown name.
    pub(crate) fn renamed(self, name: &str, trim: u64) -> Option<Self> {
        match (name, self) {
            ("Mean", _) => Some(Self::Mean),
            ("Median", _) => Some(Self::Median),
            ("TrimmedMean", Self::TrimmedMean { trim }) => Some(Self::TrimmedMean { trim }),
            ("TrimmedMean", _) => Some(Self::TrimmedMean { trim }),
            ("Krum", _) => Some(Self::Krum),
            _ => Option::None,
        }
    }
}

/// (1/K) Σₖ gₖ into `out`.
pub(crate) fn mean_into(messages: &[DVector<f64>], out: &mut DVector<f64>) {
    out.fill(0.0);
    for message in messages {
        *out += message;
    }
    *out /= messages.len().max(1) as f64;
}

/// For every coordinate j: sorts the K values gₖⱼ into `column` and writes `reduce(column)`.
pub(crate) fn coordinate_wise(
    messages: &[DVector<f64>],
    column: &mut [f64],
    out: &mut DVector<f64>,
    reduce: impl Fn(&[f64]) -> f64,
) {
    for (j, o) in out.iter_mut().enumerate() {
        for (c, message) in column.iter_mut().zip(messages) {
            *c = message[j];
        }
        column.sort_unstable_by(f64::total_cmp);
        *o = reduce(column);
    }
}

/// The median of sorted values: the middle one, or the mean of the two middle ones.
pub(crate) fn median(sorted: &[f64]) -> f64 {
    let k = sorted.len();
    if k == 0 {
        return f64::NAN;
    }
    if k % 2 == 1 {
        sorted[k / 2]
    } else {
        0.5 * (sorted[k / 2 - 1] + sorted[k / 2])
    }
}

/// The mean of sorted values without the `trim` smallest and `trim` largest (2·trim < K).
pub(crate) fn trimmed_mean(sorted: &[f64], trim: usize) -> f64 {
    let kept = &sorted[trim..sorted.len() - trim];
    kept.iter().sum::<f64>() / kept.len().max(1) as f64
}

/// Krum's choice: the k minimizing the sum of squared distances to its K − f − 2 nearest other
/// messages (at least 1, at most K − 1). `distances` is K × K scratch, `row` scratch of length K.
/// A NaN score never wins; ties go to the lowest index; `None` when no score is finite (every
/// message overflowed or is NaN), since index 0 is always a Byzantine worker's.
pub(crate) fn krum(
    messages: &[DVector<f64>],
    byzantine: usize,
    distances: &mut [f64],
    row: &mut [f64],
) -> Option<usize> {
    let k = messages.len();
    for i in 0..k {
        distances[i * k + i] = 0.0;
        for j in i + 1..k {
            // Coordinate by coordinate: `&a - &b` would allocate a vector per pair and step.
            let d: f64 = (messages[i].iter().zip(messages[j].iter()))
                .map(|(a, b)| (a - b) * (a - b))
                .sum();
            distances[i * k + j] = d;
            distances[j * k + i] = d;
        }
    }
    let neighbours = k.saturating_sub(byzantine + 2).max(1).min(k - 1);
    let mut best = (0, f64::INFINITY);
    for i in 0..k {
        let mut others = 0;
        for j in (0..k).filter(|&j| j != i) {
            row[others] = distances[i * k + j];
            others += 1;
        }
        let row = &mut row[..others];
        let score: f64 = if neighbours == 0 || row.is_empty() {
            0.0
        } else {
            row.select_nth_unstable_by(neighbours - 1, f64::total_cmp);
            row[..neighbours].iter().sum()
        };
        if score < best.1 {
            best = (i, score);
        }
    }
    best.1.is_finite().then_some(best.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_statistics_of_sorted_columns() {
        assert_eq!(median(&[1.0, 2.0, 9.0]), 2.0);
        assert_eq!(median(&[1.0, 2.0, 4.0, 9.0]), 3.0);
        assert!(median(&[]).is_nan());
        assert_eq!(trimmed_mean(&[-100.0, 1.0, 2.0, 3.0, 100.0], 1), 2.0);
        assert_eq!(trimmed_mean(&[1.0, 2.0], 0), 1.5);
    }

    #[test]
    fn krum_picks_the_cluster_and_gives_up_on_nan() {
        let messages: Vec<DVector<f64>> = [[1.0, 1.0], [1.1, 0.9], [0.9, 1.0], [50.0, -50.0]]
            .iter()
            .map(|v| DVector::from_row_slice(v))
            .collect();
        let (mut distances, mut row) = (vec![0.0; 16], vec![0.0; 4]);
        let chosen = krum(&messages, 1, &mut distances, &mut row);
        assert!(matches!(chosen, Some(0..=2)), "{chosen:?}");
        let broken = vec![DVector::from_element(2, f64::NAN); 4];
        assert_eq!(krum(&broken, 1, &mut distances, &mut row), None);
    }

    #[test]
    fn coordinate_wise_median_ignores_one_outlier_per_coordinate() {
        let messages: Vec<DVector<f64>> = [[1.0, -3.0], [2.0, 1e9], [3.0, -2.0]]
            .iter()
            .map(|v| DVector::from_row_slice(v))
            .collect();
        let (mut column, mut out) = (vec![0.0; 3], DVector::zeros(2));
        coordinate_wise(&messages, &mut column, &mut out, median);
        assert_eq!(out.as_slice(), &[2.0, -2.0]);
        mean_into(&messages, &mut out);
        assert_eq!(out[0], 2.0);
    }
}
