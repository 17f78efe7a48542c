//! Matrix factorization (matrix completion): fit X = U·Vᵀ to the observed entries of a low-rank M.
//!
//! f(U, V) = (1/|Ω|) Σ_((i,j)∈Ω) ½((UVᵀ)_ij − M_ij)², with U, V ∈ ℝ^(n×k): a finite sum over the
//! observed entries Ω, one sample per entry (num_samples = |Ω|), so SGD on entries works.
//! With r_ij = u_iᵀv_j − M_ij (u_i, v_j the rows of U and V):
//!   ∇_(u_i) f = (1/|Ω|) Σ_(j:(i,j)∈Ω) r_ij·v_j,   ∇_(v_j) f = (1/|Ω|) Σ_(i:(i,j)∈Ω) r_ij·u_i,
//! and along a direction (dU, dV), with dr_ij = du_iᵀv_j + u_iᵀdv_j, the exact Hessian-vector
//! product is
//!   (∇²f·d)_(u_i) = (1/|Ω|) Σ_j (dr_ij·v_j + r_ij·dv_j),   (∇²f·d)_(v_j) = (1/|Ω|) Σ_i (dr_ij·u_i + r_ij·du_i).
//! Each costs O(|Ω|·k) and allocates nothing. The held-out (test) loss is the same mean over the
//! unobserved entries.
//!
//! The ground truth is M = A·Bᵀ of rank `rank`, with A, B ∈ ℝ^(n×rank) of iid N(0, 1/√rank)
//! entries, so M's entries have unit variance. Ω holds max(round(observed_fraction·n²), n)
//! entries: first (i, π(i)) for a random permutation π, so every row and column is observed at
//! least once, then entries drawn uniformly without replacement from the rest. The model has
//! k = `model_rank` columns (default: `rank`); its initial entries are iid N(0, init_scale²).
//!
//! What it shows: with enough observed entries (|Ω| well above the k·(2n − k) degrees of freedom)
//! descent recovers M and the test loss falls with the training loss (Candès & Recht 2009).
//! Over-parameterized (model_rank up to n) from a small initialization, gradient descent still
//! finds a low-rank, low-nuclear-norm completion that generalizes, while a large initialization
//! fits Ω and not M: the implicit bias of Gunasekar et al. 2017. The singular values of UVᵀ rise
//! one after another, as in the deep linear network.
//!
//! Parameter layout: U row-major (U_ic at i·k + c), then V row-major (V_jc at n·k + j·k + c), so each
//! row u_i, v_j is contiguous. Seeds: ChaCha8 from `seed`, stream 0 for A then B (row-major), stream
//! 1 for Ω, stream 2 for U then V, so changing observed_fraction or model_rank keeps M, and
//! init_scale rescales the same draws.
//!
//! Defaults: n = 20, rank 2, model_rank = rank, observed_fraction 0.3 (120 entries for 76 degrees
//! of freedom), init_scale 0.1, seed 0. Because the loss is a mean over entries, the curvature is
//! small: for the defaults λmax ≈ 0.05 at the start and ≈ 0.11 at the solution, so gradient descent
//! is stable up to lr ≈ 17 and recovers M (test loss ~1e-7) in 1000 steps at lr 10. One entry's
//! curvature is ‖u_i‖² + ‖v_j‖² ≈ 3, so SGD on single entries or small batches needs lr below ~0.6.
//!
//! References: E. J. Candès & B. Recht, "Exact matrix completion via convex optimization",
//! Foundations of Computational Mathematics 9, 2009; S. Gunasekar, B. Woodworth, S. Bhojanapalli,
//! B. Neyshabur & N. Srebro, "Implicit regularization in matrix factorization", NeurIPS 2017.

use std::sync::Arc;

use nalgebra::{DMatrix, DVector};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

use super::{Evaluation, Layer, MatrixLayout, Network, NetworkSpec, ParameterBlock};
use super::{descending_singular_values, hessian_from_products, mismatched};
use crate::hyper::{HyperError, HyperField, HyperValue, Hypers, hyper_table};
use crate::objective::Objective;
use crate::validate::Checker;

/// Smallest matrix side.
const MIN_N: usize = 2;
/// Largest matrix side.
const MAX_N: usize = 200;
/// ChaCha8 stream of the ground truth's factors.
const TRUTH_STREAM: u64 = 0;
/// ChaCha8 stream of the observed set.
const MASK_STREAM: u64 = 1;
/// ChaCha8 stream of the initial factors.
const INIT_STREAM: u64 = 2;

/// An entry (row, column) of the n×n matrix.
type Entry = (usize, usize);

/// Matrix completion by a factorization U·Vᵀ fitted to a fraction of a low-rank matrix's entries.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MatrixFactorization {
    /// Side of the square matrix M (2 to 200).
    pub n: usize,
    /// Rank of the ground truth M (1 to n).
    pub rank: usize,
    /// Columns k of the factors U, V (1 to n); `None` means `rank`. Larger than `rank`
    /// over-parameterizes, for the implicit-bias lesson.
    pub model_rank: Option<usize>,
    /// Fraction of M's entries observed, in (0, 1].
    pub observed_fraction: f64,
    /// Standard deviation of the initial factors' entries (> 0).
    pub init_scale: f64,
    /// Seed of M, the observed set and the initial factors.
    pub seed: u64,
}

impl Default for MatrixFactorization {
    fn default() -> Self {
        Self {
            n: 20,
            rank: 2,
            model_rank: None,
            observed_fraction: 0.3,
            init_scale: 0.1,
            seed: 0,
        }
    }
}

hyper_table! {
    MatrixFactorization, owner: "MatrixFactorization";
    n: int(2, 50), "Side of the square matrix M (2 to 200)";
    rank: int(1, 10), "Rank of the ground truth M (1 to n)";
    { get: |c: &Self| c.model_rank.unwrap_or(c.rank), set: set_model_rank } as "model_rank":
        int(1, 50), "Columns k of the factors U, V (1 to n; above rank over-parameterizes)";
    observed_fraction: float(0.05, 1.0), "Fraction of M's entries observed, in (0, 1]";
    init_scale: log_float(1e-4, 1.0) where positive,
        "Standard deviation of the initial factors' entries";
    seed: int(0, 100), "Seed of M, the observed set and the initial factors";
}

/// Sets `model_rank` (a count; `None` in the config reads as `rank`).
fn set_model_rank(
    config: &mut MatrixFactorization,
    name: &str,
    value: HyperValue,
) -> Result<(), HyperError> {
    let mut k = config.model_rank.unwrap_or(config.rank);
    k.assign_hyper(name, value)?;
    // Setting it to what it already reads as keeps `None` (and so keeps following `rank`).
    if config.model_rank.is_some() || k != config.rank {
        config.model_rank = Some(k);
    }
    Ok(())
}

impl NetworkSpec for MatrixFactorization {
    const DESCRIPTION: &str = "(1/|Ω|) Σ_Ω ½((UVᵀ)ᵢⱼ − Mᵢⱼ)²: matrix completion of a low-rank M \
        from a fraction of its entries; SGD on entries, implicit low-rank bias (n, rank, \
        model_rank, observed_fraction, init_scale, seed)";

    /// Checks ranges: n 2..=200, rank and model_rank 1..=n, observed_fraction in (0, 1],
    /// init_scale finite and > 0.
    fn validate(&self, checker: &mut Checker) {
        checker.count_in_range("n", self.n as u64, MIN_N as u64, MAX_N as u64);
        let n = self.n.max(1) as u64;
        checker.count_in_range("rank", self.rank as u64, 1, n);
        if let Some(k) = self.model_rank {
            checker.count_in_range("model_rank", k as u64, 1, n);
        }
        let fraction = self.observed_fraction;
        if checker.finite("observed_fraction", fraction) && !(fraction > 0.0 && fraction <= 1.0) {
            checker.report(
                "observed_fraction",
                format!("observed_fraction must be in (0, 1], got {fraction}"),
            );
        }
        // The table's own checks (init_scale > 0) come last, as they always have.
        self.validate_rows(checker);
    }

    /// |Ω|, the observed entries: max(round(observed_fraction·n²), n), with n and the fraction
    /// clamped as [`MatrixFactorization::build`] clamps them.
    fn num_samples(&self) -> usize {
        observed_count(self.side(), self.clamped_fraction())
    }

    fn build_network(&self) -> Arc<dyn Network> {
        self.build()
    }

    /// U and V, each n × k row-major.
    const HAS_PARAMETER_BLOCKS: bool = true;
}

impl MatrixFactorization {
    /// The matrix side the problem is built with.
    fn side(&self) -> usize {
        self.n.clamp(MIN_N, MAX_N)
    }

    /// The observed fraction the problem is built with (a non-finite one observes everything).
    fn clamped_fraction(&self) -> f64 {
        if self.observed_fraction.is_finite() {
            self.observed_fraction.clamp(0.0, 1.0)
        } else {
            1.0
        }
    }

    /// Builds the problem from the seed. Out-of-range counts and fractions are clamped, so an
    /// unvalidated config still builds a well-posed problem.
    pub fn build(&self) -> Arc<MatrixFactorizationProblem> {
        let n = self.side();
        let rank = self.rank.clamp(1, n);
        let k = self.model_rank.unwrap_or(rank).clamp(1, n);

        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        rng.set_stream(TRUTH_STREAM);
        let factor_scale = (rank as f64).powf(-0.25);
        let gaussian = |rng: &mut ChaCha8Rng| {
            let z: f64 = StandardNormal.sample(rng);
            factor_scale * z
        };
        let left = DMatrix::from_row_iterator(n, rank, (0..n * rank).map(|_| gaussian(&mut rng)));
        let right = DMatrix::from_row_iterator(n, rank, (0..n * rank).map(|_| gaussian(&mut rng)));
        let truth = &left * right.transpose();
        let target_singular_values = factor_singular_values(&left, &right);

        let (observed, unobserved) = observed_entries(n, self.clamped_fraction(), self.seed);

        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        rng.set_stream(INIT_STREAM);
        let initial = DVector::from_fn(2 * n * k, |_, _| {
            let z: f64 = StandardNormal.sample(&mut rng);
            self.init_scale * z
        });

        // Row-major M, the layout the entry loops read.
        let target = (0..n * n)
            .map(|index| truth[(index / n, index % n)])
            .collect();
        Arc::new(MatrixFactorizationProblem {
            n,
            k,
            target,
            observed,
            unobserved,
            target_singular_values,
            initial,
            layers: vec![
                Layer {
                    name: "U".to_owned(),
                    range: 0..n * k,
                },
                Layer {
                    name: "V".to_owned(),
                    range: n * k..2 * n * k,
                },
            ],
            blocks: ParameterBlock::stacked(2, n, k, MatrixLayout::RowMajor),
        })
    }
}

/// |Ω| = max(round(fraction·n²), n), at most n².
fn observed_count(n: usize, fraction: f64) -> usize {
    let total = n * n;
    ((fraction * total as f64).round() as usize).clamp(n, total)
}

/// The observed entries Ω (row-major order) and the rest: a random permutation's positions, so
/// every row and column is covered, then uniform draws without replacement up to
/// max(round(fraction·n²), n) entries.
fn observed_entries(n: usize, fraction: f64, seed: u64) -> (Vec<Entry>, Vec<Entry>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(MASK_STREAM);
    let total = n * n;
    let count = observed_count(n, fraction);
    let mut mask = vec![false; total];
    let mut permutation: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        permutation.swap(i, rng.random_range(0..=i));
    }
    for (i, &j) in permutation.iter().enumerate() {
        mask[i * n + j] = true;
    }
    let mut rest: Vec<usize> = (0..total).filter(|&index| !mask[index]).collect();
    // Partial Fisher–Yates: the first `count − n` of `rest` become a uniform sample.
    let extra = count - n;
    for i in 0..extra {
        let j = rng.random_range(i..rest.len());
        rest.swap(i, j);
    }
    for &index in &rest[..extra] {
        mask[index] = true;
    }
    let entry = |index: usize| (index / n, index % n);
    let observed = (0..total).filter(|&i| mask[i]).map(entry).collect();
    let unobserved = (0..total).filter(|&i| !mask[i]).map(entry).collect();
    (observed, unobserved)
}

/// Singular values of L·Rᵀ (n×n, rank ≤ k) from its k×k core: with L = Q_L·R_L and R = Q_R·R_R
/// (thin QR), L·Rᵀ = Q_L·(R_L·R_Rᵀ)·Q_Rᵀ has the singular values of R_L·R_Rᵀ; descending, k of them.
fn factor_singular_values(left: &DMatrix<f64>, right: &DMatrix<f64>) -> Vec<f64> {
    let core = left.clone().qr().r() * right.clone().qr().r().transpose();
    descending_singular_values(core)
}

/// A built [`MatrixFactorization`]: the ground truth, the observed set and the initial factors.
#[derive(Clone, Debug)]
pub struct MatrixFactorizationProblem {
    /// Side of M.
    n: usize,
    /// Columns of the factors.
    k: usize,
    /// M, row-major n×n.
    target: Vec<f64>,
    /// Ω, row-major order: sample s is the entry `observed[s]`.
    observed: Vec<Entry>,
    /// The held-out entries.
    unobserved: Vec<Entry>,
    /// M's nonzero singular values, descending (rank of them).
    target_singular_values: Vec<f64>,
    initial: DVector<f64>,
    layers: Vec<Layer>,
    /// U and V as n × k row-major matrices.
    blocks: Vec<ParameterBlock>,
}

impl MatrixFactorizationProblem {
    /// Side of the matrix.
    pub fn n(&self) -> usize {
        self.n
    }

    /// Columns k of the factors.
    pub fn model_rank(&self) -> usize {
        self.k
    }

    /// The ground truth M.
    pub fn target(&self) -> DMatrix<f64> {
        DMatrix::from_row_slice(self.n, self.n, &self.target)
    }

    /// The observed entries (i, j), in row-major order; sample s is entry s.
    pub fn observed(&self) -> &[Entry] {
        &self.observed
    }

    /// The factors' product UVᵀ at parameters `x` (all NaN if `x` has the wrong length).
    pub fn product(&self, x: &DVector<f64>) -> DMatrix<f64> {
        if x.len() != self.dim() {
            return DMatrix::from_element(self.n, self.n, f64::NAN);
        }
        let (u, v) = self.factors(x);
        u * v.transpose()
    }

    /// U and V as matrices (allocates; for views, not for evaluations).
    fn factors(&self, x: &DVector<f64>) -> (DMatrix<f64>, DMatrix<f64>) {
        let nk = self.n * self.k;
        let u = DMatrix::from_row_slice(self.n, self.k, &x.as_slice()[..nk]);
        let v = DMatrix::from_row_slice(self.n, self.k, &x.as_slice()[nk..2 * nk]);
        (u, v)
    }

    /// Rows u_i and v_j of the flat parameters.
    fn rows<'a>(&self, x: &'a [f64], i: usize, j: usize) -> (&'a [f64], &'a [f64]) {
        let (k, nk) = (self.k, self.n * self.k);
        (&x[i * k..(i + 1) * k], &x[nk + j * k..nk + (j + 1) * k])
    }

    /// r_ij = u_iᵀv_j − M_ij.
    fn residual(&self, x: &[f64], (i, j): Entry) -> f64 {
        let (u, v) = self.rows(x, i, j);
        let fitted: f64 = u.iter().zip(v).map(|(a, b)| a * b).sum();
        fitted - self.target[i * self.n + j]
    }

    /// Mean of ½r² over `entries` (0 for none).
    fn mean_loss(&self, x: &[f64], entries: impl ExactSizeIterator<Item = Entry>) -> f64 {
        let count = entries.len();
        if count == 0 {
            return 0.0;
        }
        let sum: f64 = entries.map(|e| 0.5 * self.residual(x, e).powi(2)).sum();
        sum / count as f64
    }

    /// Writes the gradient of the mean of ½r² over `entries` into `grad` and returns that mean.
    fn mean_value_and_grad(
        &self,
        x: &[f64],
        entries: impl ExactSizeIterator<Item = Entry>,
        grad: &mut [f64],
    ) -> f64 {
        grad.fill(0.0);
        let count = entries.len();
        if count == 0 {
            return 0.0;
        }
        let weight = 1.0 / count as f64;
        let (k, nk) = (self.k, self.n * self.k);
        let mut sum = 0.0;
        for (i, j) in entries {
            let r = self.residual(x, (i, j));
            sum += 0.5 * r * r;
            let (u, v) = self.rows(x, i, j);
            let (grad_u, grad_v) = grad.split_at_mut(nk);
            let grad_u = &mut grad_u[i * k..(i + 1) * k];
            let grad_v = &mut grad_v[j * k..(j + 1) * k];
            for c in 0..k {
                grad_u[c] += weight * r * v[c];
                grad_v[c] += weight * r * u[c];
            }
        }
        sum * weight
    }
}

impl Objective for MatrixFactorizationProblem {
    fn dim(&self) -> usize {
        self.initial.len()
    }

    fn value(&self, x: &DVector<f64>) -> f64 {
        if x.len() != self.dim() {
            return f64::NAN;
        }
        self.mean_loss(x.as_slice(), self.observed.iter().copied())
    }

    fn value_and_grad(&self, x: &DVector<f64>, grad: &mut DVector<f64>) -> f64 {
        if mismatched(self.dim(), &[x, grad]) {
            grad.fill(f64::NAN);
            return f64::NAN;
        }
        self.mean_value_and_grad(
            x.as_slice(),
            self.observed.iter().copied(),
            grad.as_mut_slice(),
        )
    }

    fn hessian(&self, x: &DVector<f64>) -> Option<DMatrix<f64>> {
        hessian_from_products(self, x)
    }

    fn hvp(&self, x: &DVector<f64>, direction: &DVector<f64>, out: &mut DVector<f64>) {
        if mismatched(self.dim(), &[x, direction, out]) {
            out.fill(f64::NAN);
            return;
        }
        let out = out.as_mut_slice();
        out.fill(0.0);
        if self.observed.is_empty() {
            return;
        }
        let weight = 1.0 / self.observed.len() as f64;
        let (k, nk) = (self.k, self.n * self.k);
        let (x, d) = (x.as_slice(), direction.as_slice());
        for &(i, j) in &self.observed {
            let r = self.residual(x, (i, j));
            let (u, v) = self.rows(x, i, j);
            let (du, dv) = self.rows(d, i, j);
            let dr: f64 = du
                .iter()
                .zip(v)
                .chain(u.iter().zip(dv))
                .map(|(a, b)| a * b)
                .sum();
            let (out_u, out_v) = out.split_at_mut(nk);
            let out_u = &mut out_u[i * k..(i + 1) * k];
            let out_v = &mut out_v[j * k..(j + 1) * k];
            for c in 0..k {
                out_u[c] += weight * (dr * v[c] + r * dv[c]);
                out_v[c] += weight * (dr * u[c] + r * du[c]);
            }
        }
    }

    fn num_samples(&self) -> usize {
        self.observed.len()
    }

    fn parameter_blocks(&self) -> &[ParameterBlock] {
        &self.blocks
    }

    /// Sample s is the observed entry `observed()[s]`; indices past the end are skipped.
    fn sample_value_and_grad(
        &self,
        x: &DVector<f64>,
        batch: &[usize],
        grad: &mut DVector<f64>,
    ) -> f64 {
        if mismatched(self.dim(), &[x, grad]) {
            grad.fill(f64::NAN);
            return f64::NAN;
        }
        let entries = batch.iter().filter_map(|&s| self.observed.get(s).copied());
        // filter_map has no exact length: count the valid indices first (no allocation).
        let count = batch.iter().filter(|&&s| s < self.observed.len()).count();
        self.mean_value_and_grad(
            x.as_slice(),
            KnownLength {
                inner: entries,
                remaining: count,
            },
            grad.as_mut_slice(),
        )
    }
}

/// An iterator with a length known in advance (the valid entries of a batch).
struct KnownLength<I> {
    inner: I,
    remaining: usize,
}

impl<I: Iterator> Iterator for KnownLength<I> {
    type Item = I::Item;

    fn next(&mut self) -> Option<Self::Item> {
        let item = self.inner.next();
        if item.is_some() {
            self.remaining = self.remaining.saturating_sub(1);
        }
        item
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl<I: Iterator> ExactSizeIterator for KnownLength<I> {}

impl Network for MatrixFactorizationProblem {
    fn initial_parameters(&self) -> DVector<f64> {
        self.initial.clone()
    }

    fn layers(&self) -> &[Layer] {
        &self.layers
    }

    /// The test loss: the mean of ½r² over the unobserved entries (`None` when all are observed).
    fn evaluate(&self, x: &DVector<f64>) -> Evaluation {
        let test_loss = (!self.unobserved.is_empty() && x.len() == self.dim())
            .then(|| self.mean_loss(x.as_slice(), self.unobserved.iter().copied()));
        Evaluation {
            test_loss,
            ..Evaluation::default()
        }
    }

    /// The k singular values of UVᵀ (its rank is at most k), descending.
    fn singular_values(&self, x: &DVector<f64>) -> Vec<f64> {
        if x.len() != self.dim() {
            return vec![f64::NAN; self.k];
        }
        let (u, v) = self.factors(x);
        factor_singular_values(&u, &v)
    }

    /// M's rank nonzero singular values, descending.
    fn target_singular_values(&self) -> Vec<f64> {
        self.target_singular_values.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::test_support::{
        assert_gradient_matches_central_differences,
        assert_hvp_matches_central_differences_and_the_dense_hessian, random_vector,
    };
    use crate::ron_format::ron_options;

    fn small() -> Arc<MatrixFactorizationProblem> {
        MatrixFactorization {
            n: 6,
            rank: 2,
            model_rank: Some(3),
            observed_fraction: 0.5,
            init_scale: 0.5,
            seed: 4,
        }
        .build()
    }

    #[test]
    fn value_matches_the_dense_formula_and_test_loss_the_rest() {
        let problem = small();
        let x = random_vector(problem.dim(), 1);
        let residual = problem.product(&x) - problem.target();
        let observed = problem.observed();
        let train: f64 = observed
            .iter()
            .map(|&(i, j)| 0.5 * residual[(i, j)].powi(2))
            .sum::<f64>()
            / observed.len() as f64;
        assert!((problem.value(&x) - train).abs() < 1e-12);
        let all = 0.5 * residual.norm_squared();
        let test = (all - train * observed.len() as f64) / (36 - observed.len()) as f64;
        let evaluation = problem.evaluate(&x);
        assert!(
            evaluation
                .test_loss
                .is_some_and(|t| (t - test).abs() < 1e-12)
        );
        assert_eq!(problem.num_samples(), 18);
    }

    #[test]
    fn observed_set_covers_every_row_and_column() {
        for fraction in [0.01, 0.3, 1.0] {
            let problem = MatrixFactorization {
                n: 30,
                observed_fraction: fraction,
                ..MatrixFactorization::default()
            }
            .build();
            let observed = problem.observed();
            let expected = ((fraction * 900.0).round() as usize).max(30);
            assert_eq!(observed.len(), expected);
            for index in 0..30 {
                assert!(observed.iter().any(|&(i, _)| i == index));
                assert!(observed.iter().any(|&(_, j)| j == index));
            }
            assert!(
                observed.windows(2).all(|w| w[0] < w[1]),
                "sorted and distinct"
            );
            let all_observed = problem
                .evaluate(&problem.initial_parameters())
                .test_loss
                .is_none();
            assert_eq!(all_observed, fraction == 1.0);
        }
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let problem = small();
        let x = random_vector(problem.dim(), 2);
        assert_gradient_matches_central_differences(problem.as_ref(), &x, |_| 1e-7, "small");
    }

    #[test]
    fn hvp_matches_central_differences_and_the_dense_hessian() {
        let problem = small();
        let x = random_vector(problem.dim(), 3);
        let v = random_vector(problem.dim(), 4);
        assert_hvp_matches_central_differences_and_the_dense_hessian(
            problem.as_ref(),
            &x,
            &v,
            1e-12,
            "small",
        );
        let big = MatrixFactorization {
            n: 200,
            ..MatrixFactorization::default()
        }
        .build();
        assert!(big.hessian(&big.initial_parameters()).is_none());
    }

    #[test]
    fn sample_gradients_average_to_the_full_gradient() {
        let problem = small();
        let x = random_vector(problem.dim(), 5);
        let mut full = DVector::zeros(problem.dim());
        let full_value = problem.value_and_grad(&x, &mut full);
        let all: Vec<usize> = (0..problem.num_samples()).collect();
        let mut batch = DVector::zeros(problem.dim());
        let batch_value = problem.sample_value_and_grad(&x, &all, &mut batch);
        assert!((full_value - batch_value).abs() < 1e-14);
        assert!((&full - &batch).norm() < 1e-14);
        // The mean of the single-sample gradients is the full gradient.
        let mut mean = DVector::zeros(problem.dim());
        let mut single = DVector::zeros(problem.dim());
        for s in 0..problem.num_samples() {
            problem.sample_value_and_grad(&x, &[s], &mut single);
            mean += &single / problem.num_samples() as f64;
        }
        assert!((&full - &mean).norm() < 1e-13);
        // Wrong lengths give NaN, not a panic.
        let short = DVector::zeros(2);
        assert!(problem.value(&short).is_nan());
        assert!(
            problem
                .sample_value_and_grad(&short, &[0], &mut single)
                .is_nan()
        );
        assert!(problem.singular_values(&short)[0].is_nan());
        assert!(problem.product(&short)[(0, 0)].is_nan());
        // Out-of-range indices are skipped; an empty batch gives zero.
        let mut skipped = DVector::zeros(problem.dim());
        problem.sample_value_and_grad(&x, &[0, 1000], &mut skipped);
        problem.sample_value_and_grad(&x, &[0], &mut single);
        assert_eq!(skipped, single);
        assert_eq!(problem.sample_value_and_grad(&x, &[], &mut single), 0.0);
        assert_eq!(single.norm(), 0.0);
    }

    #[test]
    fn full_observation_recovers_the_matrix() {
        let problem = MatrixFactorization {
            observed_fraction: 1.0,
            ..MatrixFactorization::default()
        }
        .build();
        let mut x = problem.initial_parameters();
        let mut grad = DVector::zeros(problem.dim());
        let lr = 10.0;
        for _ in 0..3000 {
            problem.value_and_grad(&x, &mut grad);
            x.axpy(-lr, &grad, 1.0);
        }
        let error = (problem.product(&x) - problem.target()).norm() / problem.target().norm();
        assert!(error < 1e-6, "relative error {error}");
        let learned = problem.singular_values(&x);
        let target = problem.target_singular_values();
        assert_eq!(learned.len(), 2);
        assert!((learned[0] - target[0]).abs() < 1e-5 * target[0]);
        assert!((learned[1] - target[1]).abs() < 1e-5 * target[0]);
    }

    #[test]
    fn partial_observation_generalizes() {
        let problem = MatrixFactorization::default().build();
        let start = problem
            .evaluate(&problem.initial_parameters())
            .test_loss
            .unwrap_or(0.0);
        let mut x = problem.initial_parameters();
        let mut grad = DVector::zeros(problem.dim());
        for _ in 0..5000 {
            problem.value_and_grad(&x, &mut grad);
            x.axpy(-10.0, &grad, 1.0);
        }
        let test = problem.evaluate(&x).test_loss.unwrap_or(f64::INFINITY);
        assert!(problem.value(&x) < 1e-8, "{}", problem.value(&x));
        assert!(test < 1e-3 * start, "test loss {test} from {start}");
    }

    #[test]
    fn target_has_unit_scale_entries_and_the_stated_rank() {
        let problem = MatrixFactorization {
            n: 100,
            rank: 3,
            ..MatrixFactorization::default()
        }
        .build();
        let target = problem.target();
        let rms = target.norm() / 100.0;
        assert!((0.7..1.3).contains(&rms), "{rms}");
        let values = descending_singular_values(target);
        let reported = problem.target_singular_values();
        assert_eq!(reported.len(), 3);
        for i in 0..3 {
            assert!((values[i] - reported[i]).abs() < 1e-10 * values[0]);
        }
        assert!(values[3] < 1e-10 * values[0]);
    }

    #[test]
    fn same_seed_same_problem() {
        let a = MatrixFactorization::default().build();
        let b = MatrixFactorization::default().build();
        assert_eq!(a.initial_parameters(), b.initial_parameters());
        assert_eq!(a.observed(), b.observed());
        assert_eq!(a.target(), b.target());
        let c = MatrixFactorization {
            seed: 1,
            ..MatrixFactorization::default()
        }
        .build();
        assert_ne!(a.target(), c.target());
        assert_ne!(a.observed(), c.observed());
        // Another fraction keeps M; another init scale rescales the same draws.
        let d = MatrixFactorization {
            observed_fraction: 0.6,
            init_scale: 0.2,
            ..MatrixFactorization::default()
        }
        .build();
        assert_eq!(a.target(), d.target());
        assert!((d.initial_parameters() - a.initial_parameters() * 2.0).norm() < 1e-14);
        let layers = a.layers();
        assert_eq!(
            (layers[0].name.as_str(), layers[1].name.as_str()),
            ("U", "V")
        );
        assert_eq!(layers[1].range.end, a.dim());
    }

    #[test]
    fn ron_round_trip() {
        let text =
            "MatrixFactorization(n: 20, rank: 2, observed_fraction: 0.3, init_scale: 0.1, seed: 0)";
        let parsed: MatrixFactorization = ron_options().from_str(text).unwrap();
        assert_eq!(parsed, MatrixFactorization::default());
        let over: MatrixFactorization = ron_options().from_str("(model_rank: 20)").unwrap();
        assert_eq!(over.model_rank, Some(20));
        for config in [parsed, over] {
            let written = ron_options().to_string(&config).unwrap();
            let back: MatrixFactorization = ron_options().from_str(&written).unwrap();
            assert_eq!(back, config);
        }
    }

    #[test]
    fn validation_messages() {
        let mut checker = Checker::new();
        MatrixFactorization::default().validate(&mut checker);
        assert!(checker.found.is_empty(), "{:?}", checker.found);
        MatrixFactorization {
            n: 1,
            rank: 3,
            model_rank: Some(0),
            observed_fraction: 0.0,
            init_scale: -1.0,
            seed: 0,
        }
        .validate(&mut checker);
        let paths: Vec<&str> = checker.found.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            ["n", "rank", "model_rank", "observed_fraction", "init_scale"]
        );
        assert!(checker.found[3].message.contains("(0, 1]"));
        let mut checker = Checker::new();
        MatrixFactorization {
            n: 201,
            observed_fraction: 1.5,
            ..MatrixFactorization::default()
        }
        .validate(&mut checker);
        assert_eq!(checker.found.len(), 2);
    }
}
