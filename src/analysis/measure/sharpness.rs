//! Sharpness: the largest eigenvalues of a Hessian from Hessian-vector products, by the Lanczos
//! method.
//!
//! The sharpness of a loss f at x is λmax(∇²f(x)). Gradient descent with step lr is stable on a
//! quadratic exactly when lr·λmax < 2, and on neural networks it typically drifts up to
//! λmax ≈ 2/lr and hovers there, the edge of stability (Cohen et al. 2021, who measure it this way:
//! Lanczos on Hessian-vector products). Adaptive methods divide each coordinate by a diagonal
//! preconditioner P; their stability is set by λmax(P⁻¹∇²f), which equals the largest eigenvalue of
//! the symmetric P^(−½)·∇²f·P^(−½) (the two are similar matrices), the preconditioned sharpness
//! (Cohen et al. 2022). [`sharpness`] and [`preconditioned_sharpness`] compute both.
//!
//! Lanczos (Golub & Van Loan, Matrix Computations, 4th ed., ch. 10): from a unit start q₁ it builds
//! an orthonormal basis q₁…q_m of the Krylov space span{q₁, Aq₁, …, A^(m−1)q₁} in which A is
//! tridiagonal, T_m = Q_mᵀAQ_m, with the three-term recurrence
//!   β_j q_(j+1) = A q_j − α_j q_j − β_(j−1) q_(j−1),   α_j = q_jᵀAq_j,   β_j = ‖…‖.
//! The eigenvalues θ of T_m (Ritz values) approach A's extreme eigenvalues first, at a rate set by
//! the gap to the rest of the spectrum (Kaniel–Paige theory), so a few tens of products give the
//! top of a spectrum of any size. If T_m s = θ s, the Ritz vector y = Q_m s has residual
//! ‖Ay − θy‖ = |β_m·s_m| (s_m the last entry of s), known without another product; the iteration
//! stops when it is below tol·|θ| for every requested Ritz value (tol = 1e-6 by default, so
//! eigenvalue errors are of order tol²·|θ|²/gap). In floating point the qᵢ lose orthogonality as
//! soon as a Ritz value converges (Paige 1971) and copies of converged eigenvalues appear; full
//! reorthogonalization (two Gram–Schmidt passes against every previous qᵢ, "twice is enough")
//! prevents it at O(m·dim) per step, cheap next to a Hessian-vector product.
//!
//! Breakdown (β ≈ 0) means the Krylov space is invariant: its Ritz values are exact eigenvalues,
//! and for dim ≤ m the whole spectrum is found. A Krylov space holds one direction per distinct
//! eigenvalue, so for more than one eigenvalue the iteration restarts after a breakdown from a
//! random vector orthogonal to the basis, which finds further copies of repeated eigenvalues
//! (eigenvalues that are merely close are found without this, given enough steps). The
//! tridiagonal eigenproblem is solved at every step, with eigenvectors, by the implicit QL method
//! with Wilkinson shifts (tql2 of Bowdler, Martin, Reinsch & Wilkinson 1968, as `tqli` in Numerical
//! Recipes, 3rd ed., §11.4), in preallocated buffers: O(m³) for m ≤ ~40 is nothing next to the
//! products.
//!
//! Successive estimates along a run warm-start from the previous top Ritz vector, which changes
//! little between nearby iterates, plus a small fixed random perturbation so that a top direction
//! orthogonal to the previous one is still found. Nothing is allocated per estimate.
//!
//! References: C. Lanczos, "An iteration method for the solution of the eigenvalue problem of linear
//! differential and integral operators", J. Res. Nat. Bur. Standards 45, 1950; G. H. Golub &
//! C. F. Van Loan, Matrix Computations, 4th ed., 2013, ch. 10; J. Cohen, S. Kaur, Y. Li, J. Z. Kolter
//! & A. Talwalkar, "Gradient descent on neural networks typically occurs at the edge of
//! stability", ICLR 2021; J. Cohen et al., "Adaptive gradient methods at the edge of stability",
//! 2022.

use nalgebra::DVector;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use crate::objective::Objective;

/// Default relative residual at which a Ritz value counts as converged.
pub const DEFAULT_TOLERANCE: f64 = 1e-6;
/// Size of the random perturbation added to a warm start (the start is the unit Ritz vector).
const WARM_START_PERTURBATION: f64 = 1e-3;
/// β below this fraction of the spectrum's scale is a breakdown (the Krylov space is invariant).
const BREAKDOWN: f64 = 1e-10;
/// Eigenvalues closer to zero than this fraction of the spectrum's scale are tested for
/// convergence against the scale rather than against themselves.
const SCALE_FLOOR: f64 = 1e-3;
/// Seed of the cold start vector.
const START_SEED: u64 = 0x05EE_D1A7_C205;
/// Seed of the restart vectors drawn after a breakdown (reset at every call, so results depend only
/// on the operator and the warm start).
const RESTART_SEED: u64 = 0x02E5_7A27;
/// QL sweeps allowed per eigenvalue of the tridiagonal matrix (30 in Numerical Recipes; convergence
/// is cubic, so a handful is typical).
const MAX_QL_SWEEPS: usize = 60;

/// A Lanczos eigen-solver with every buffer preallocated for one dimension and a step budget.
///
/// Estimates the largest algebraic eigenvalues of a symmetric operator given as a closure
/// v ↦ A·v; successive calls warm-start from the previous top Ritz vector.
#[derive(Clone, Debug)]
pub struct Lanczos {
    /// Dimension of the operator.
    dim: usize,
    /// Lanczos steps per call at most (also the most eigenvalues one call can return).
    iterations: usize,
    /// Relative residual for convergence.
    tolerance: f64,
    /// The orthonormal Lanczos vectors q₁…q_m (min(iterations, dim) of them).
    basis: Vec<DVector<f64>>,
    /// The next Lanczos vector being formed: A q_j minus its projections.
    work: DVector<f64>,
    /// Diagonal α of the tridiagonal T.
    alpha: Vec<f64>,
    /// Off-diagonal β of T (β_j couples q_j and q_(j+1); 0 where the iteration restarted).
    beta: Vec<f64>,
    /// QL workspace: the diagonal, overwritten with the eigenvalues of T.
    ritz_values: Vec<f64>,
    /// QL workspace: the off-diagonal.
    off_diagonal: Vec<f64>,
    /// QL workspace: the eigenvectors of T, column-major m×m (column c is the eigenvector of
    /// `ritz_values[c]`).
    ritz_coefficients: Vec<f64>,
    /// Indices of `ritz_values` in descending order.
    order: Vec<usize>,
    /// The top Ritz vector of the last call (unit norm), the next call's warm start.
    ritz_vector: DVector<f64>,
    /// Whether `ritz_vector` holds a usable warm start.
    warm: bool,
    /// A fixed random unit vector: the cold start, and the perturbation of warm starts.
    start_vector: DVector<f64>,
    /// Operator applications made by the last call.
    applications: usize,
    /// Whether the last call's Ritz values met the residual test (or exhausted the space).
    converged: bool,
}

impl Lanczos {
    /// A solver for operators on ℝ^dim, taking at most `iterations` steps (and so returning at most
    /// `iterations` eigenvalues) per call.
    pub fn new(dim: usize, iterations: usize) -> Self {
        let iterations = iterations.max(1);
        let basis_len = iterations.min(dim);
        let mut rng = ChaCha8Rng::seed_from_u64(START_SEED);
        let mut start_vector = DVector::from_fn(dim, |_, _| StandardNormal.sample(&mut rng));
        let norm = start_vector.norm();
        if norm > 0.0 {
            start_vector /= norm;
        }
        Self {
            dim,
            iterations,
            tolerance: DEFAULT_TOLERANCE,
            basis: vec![DVector::zeros(dim); basis_len],
            work: DVector::zeros(dim),
            alpha: vec![0.0; basis_len],
            beta: vec![0.0; basis_len],
            ritz_values: vec![0.0; basis_len],
            off_diagonal: vec![0.0; basis_len],
            ritz_coefficients: vec![0.0; basis_len * basis_len],
            order: vec![0; basis_len],
            ritz_vector: DVector::zeros(dim),
            warm: false,
            start_vector,
            applications: 0,
            converged: false,
        }
    }

    /// Dimension of the operators this solver takes.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Lanczos steps per call at most.
    pub fn iterations(&self) -> usize {
        self.iterations
    }

    /// Relative residual at which a Ritz value counts as converged.
    pub fn tolerance(&self) -> f64 {
        self.tolerance
    }

    /// Sets the relative residual for convergence (non-positive or non-finite values run every
    /// step).
    pub fn set_tolerance(&mut self, tolerance: f64) {
        self.tolerance = tolerance;
    }

    /// Forgets the warm start: the next call starts from the fixed random vector.
    pub fn reset(&mut self) {
        self.warm = false;
    }

    /// The top Ritz vector of the last successful call (unit norm; zero before any).
    pub fn top_eigenvector(&self) -> &DVector<f64> {
        &self.ritz_vector
    }

    /// Operator applications made by the last call.
    pub fn applications(&self) -> usize {
        self.applications
    }

    /// Whether the last call converged: its top Ritz values met the residual test, or the Krylov
    /// space was exhausted (breakdown or dim steps). False when it stopped at the step budget, as
    /// on tightly clustered spectra; its values are then lower bounds, usually close.
    pub fn converged(&self) -> bool {
        self.converged
    }

    /// Writes the largest algebraic eigenvalues of the symmetric operator v ↦ A·v (`apply(v, out)`
    /// writes A·v into `out`) into `out`, descending, and returns how many it wrote: `out.len()`
    /// unless that exceeds the step budget or the dimension, or the operator returned a non-finite
    /// number (then 0, and the warm start is forgotten).
    pub fn top_eigenvalues(
        &mut self,
        mut apply: impl FnMut(&DVector<f64>, &mut DVector<f64>),
        out: &mut [f64],
    ) -> usize {
        self.applications = 0;
        self.converged = false;
        let wanted = out.len().min(self.basis.len());
        if wanted == 0 {
            return 0;
        }
        self.start();
        let mut rng = ChaCha8Rng::seed_from_u64(RESTART_SEED);
        let mut restarted = false;
        // Running estimate of ‖A‖ from the entries of T, the scale for breakdown and for
        // eigenvalues near zero.
        let mut scale = 0.0_f64;
        let mut steps = 0;
        for j in 0..self.basis.len() {
            apply(&self.basis[j], &mut self.work);
            self.applications += 1;
            let alpha = self.orthogonalize_step(j);
            if !alpha.is_finite() {
                self.warm = false;
                return 0;
            }
            self.alpha[j] = alpha;
            let beta = self.work.norm();
            self.beta[j] = beta;
            steps = j + 1;
            scale = scale.max(alpha.abs() + beta + if j > 0 { self.beta[j - 1] } else { 0.0 });
            if !beta.is_finite() || !self.solve_tridiagonal(steps) {
                self.warm = false;
                return 0;
            }
            if steps == self.basis.len() {
                self.converged = steps == self.dim
                    || (!restarted && self.residuals_small(steps, wanted, beta, scale));
                break;
            }
            let breakdown = beta <= BREAKDOWN * scale;
            if breakdown {
                // Exact eigenvalues of an invariant subspace. One is the top one (the start had a
                // component along it); further copies of repeated eigenvalues lie outside.
                if wanted == 1 || !self.restart(steps, &mut rng) {
                    self.converged = true;
                    break;
                }
                self.beta[j] = 0.0;
                restarted = true;
            } else {
                // A breakdown voids the residual test (zero residuals of an exhausted block say
                // nothing about the rest of the space), so after one the blocks run to the end.
                if !restarted && self.residuals_small(steps, wanted, beta, scale) {
                    self.converged = true;
                    break;
                }
                self.basis[j + 1].copy_from(&self.work);
                self.basis[j + 1] /= beta;
            }
        }
        self.finish(steps, wanted, out)
    }

    /// Sets q₁: the previous top Ritz vector plus a small fixed perturbation, or the fixed random
    /// vector.
    fn start(&mut self) {
        let first = &mut self.basis[0];
        if self.warm {
            first.copy_from(&self.ritz_vector);
            first.axpy(WARM_START_PERTURBATION, &self.start_vector, 1.0);
        } else {
            first.copy_from(&self.start_vector);
        }
        let norm = first.norm();
        if norm > 0.0 && norm.is_finite() {
            *first /= norm;
        } else {
            first.copy_from(&self.start_vector);
        }
    }

    /// Turns `work` = A q_j into β_j q_(j+1) (unnormalized) and returns α_j: the three-term
    /// recurrence, then two Gram–Schmidt passes against every basis vector so far.
    fn orthogonalize_step(&mut self, j: usize) -> f64 {
        if j > 0 {
            self.work.axpy(-self.beta[j - 1], &self.basis[j - 1], 1.0);
        }
        let alpha = self.basis[j].dot(&self.work);
        self.work.axpy(-alpha, &self.basis[j], 1.0);
        self.reorthogonalize(j + 1);
        alpha
    }

    /// Two classical Gram–Schmidt passes of `work` against q₁…q_count.
    fn reorthogonalize(&mut self, count: usize) {
        for _pass in 0..2 {
            for q in &self.basis[..count] {
                let projection = q.dot(&self.work);
                self.work.axpy(-projection, q, 1.0);
            }
        }
    }

    /// After a breakdown at step `steps`: puts a random unit vector orthogonal to the basis in
    /// q_(steps+1). False when none is left (the basis spans the space numerically).
    fn restart(&mut self, steps: usize, rng: &mut ChaCha8Rng) -> bool {
        for value in self.work.iter_mut() {
            *value = StandardNormal.sample(rng);
        }
        let before = self.work.norm();
        self.reorthogonalize(steps);
        let norm = self.work.norm();
        if norm <= 1e-8 * before || !norm.is_finite() {
            return false;
        }
        self.basis[steps].copy_from(&self.work);
        self.basis[steps] /= norm;
        true
    }

    /// Eigen-decomposes the leading m×m block of T into `ritz_values`, `ritz_coefficients` and the
    /// descending `order`. False if QL did not converge.
    fn solve_tridiagonal(&mut self, m: usize) -> bool {
        self.ritz_values[..m].copy_from_slice(&self.alpha[..m]);
        self.off_diagonal[..m - 1].copy_from_slice(&self.beta[..m - 1]);
        self.off_diagonal[m - 1] = 0.0;
        let coefficients = &mut self.ritz_coefficients[..m * m];
        coefficients.fill(0.0);
        for i in 0..m {
            coefficients[i * m + i] = 1.0;
        }
        if !tridiagonal_eigen(
            &mut self.ritz_values[..m],
            &mut self.off_diagonal[..m],
            coefficients,
        ) {
            return false;
        }
        let values = &self.ritz_values;
        let order = &mut self.order[..m];
        for (i, index) in order.iter_mut().enumerate() {
            *index = i;
        }
        // Unstable sort: sorts in place without allocating.
        order.sort_unstable_by(|&a, &b| values[b].total_cmp(&values[a]));
        true
    }

    /// Whether the top `wanted` Ritz values of the m-step T have residual |β_m·s_m| below
    /// tol·|θ| (or tol·scale·SCALE_FLOOR for θ near zero).
    fn residuals_small(&self, m: usize, wanted: usize, beta: f64, scale: f64) -> bool {
        if m < wanted {
            return false;
        }
        self.order[..wanted].iter().all(|&c| {
            let theta = self.ritz_values[c];
            let last = self.ritz_coefficients[c * m + (m - 1)];
            (beta * last).abs() <= self.tolerance * theta.abs().max(SCALE_FLOOR * scale)
        })
    }

    /// Writes the top Ritz values into `out`, forms the top Ritz vector and returns the count.
    fn finish(&mut self, m: usize, wanted: usize, out: &mut [f64]) -> usize {
        let count = wanted.min(m);
        for (slot, &c) in out.iter_mut().zip(&self.order[..count]) {
            *slot = self.ritz_values[c];
        }
        let top = self.order[0];
        self.ritz_vector.fill(0.0);
        for (i, q) in self.basis[..m].iter().enumerate() {
            self.ritz_vector
                .axpy(self.ritz_coefficients[top * m + i], q, 1.0);
        }
        let norm = self.ritz_vector.norm();
        self.warm = norm > 0.0 && norm.is_finite();
        if self.warm {
            self.ritz_vector /= norm;
        }
        count
    }
}

/// Eigenvalues and eigenvectors of a symmetric tridiagonal matrix by the implicit QL method with
/// Wilkinson shifts (tql2 / Numerical Recipes' `tqli`).
///
/// On entry `diagonal` holds the n diagonal entries, `off_diagonal[i]` the entry coupling i and
/// i + 1 (the last is ignored) and `vectors` (column-major n×n) the identity; on exit `diagonal`
/// holds the eigenvalues (unordered) and column c of `vectors` the unit eigenvector of
/// `diagonal[c]`. False if some eigenvalue took more than `MAX_QL_SWEEPS` sweeps.
pub(super) fn tridiagonal_eigen(
    diagonal: &mut [f64],
    off_diagonal: &mut [f64],
    vectors: &mut [f64],
) -> bool {
    let n = diagonal.len();
    if n == 0 {
        return true;
    }
    off_diagonal[n - 1] = 0.0;
    for l in 0..n {
        let mut sweeps = 0;
        loop {
            // The first negligible off-diagonal entry at or after l splits the matrix.
            let mut m = l;
            while m + 1 < n {
                let scale = diagonal[m].abs() + diagonal[m + 1].abs();
                if off_diagonal[m].abs() <= f64::EPSILON * scale {
                    break;
                }
                m += 1;
            }
            if m == l {
                break;
            }
            sweeps += 1;
            if sweeps > MAX_QL_SWEEPS {
                return false;
            }
            // Wilkinson shift from the leading 2×2 block.
            let mut g = (diagonal[l + 1] - diagonal[l]) / (2.0 * off_diagonal[l]);
            let mut r = g.hypot(1.0);
            g = diagonal[m] - diagonal[l] + off_diagonal[l] / (g + r.copysign(g));
            let (mut s, mut c, mut p) = (1.0, 1.0, 0.0);
            let mut underflow = false;
            // Chase the bulge from m − 1 down to l with Givens rotations.
            for i in (l..m).rev() {
                let f = s * off_diagonal[i];
                let b = c * off_diagonal[i];
                r = f.hypot(g);
                off_diagonal[i + 1] = r;
                if r == 0.0 {
                    // Recover from underflow: deflate and sweep again.
                    diagonal[i + 1] -= p;
                    off_diagonal[m] = 0.0;
                    underflow = true;
                    break;
                }
                s = f / r;
                c = g / r;
                g = diagonal[i + 1] - p;
                r = (diagonal[i] - g) * s + 2.0 * c * b;
                p = s * r;
                diagonal[i + 1] = g + p;
                g = c * r - b;
                // Accumulate the rotation into columns i and i + 1 of the eigenvectors.
                let (left, right) = vectors.split_at_mut((i + 1) * n);
                let column_i = &mut left[i * n..];
                let column_next = &mut right[..n];
                for (zi, zn) in column_i.iter_mut().zip(column_next.iter_mut()) {
                    let next = *zn;
                    *zn = s * *zi + c * next;
                    *zi = c * *zi - s * next;
                }
            }
            if underflow {
                continue;
            }
            diagonal[l] -= p;
            off_diagonal[l] = g;
            off_diagonal[m] = 0.0;
        }
    }
    true
}

/// The sharpness λmax(∇²f(x)) by Lanczos on `objective.hvp` (the engine's metric of Cohen et al.
/// 2021; compare with 2/lr). `None` if `x` does not match the solver's dimension or a product was
/// not finite. The solver's warm start carries over between calls; [`Lanczos::converged`] and
/// [`Lanczos::applications`] tell how the estimate went.
pub fn sharpness(
    objective: &dyn Objective,
    x: &DVector<f64>,
    lanczos: &mut Lanczos,
) -> Option<f64> {
    if x.len() != lanczos.dim() || objective.dim() != x.len() {
        return None;
    }
    let mut top = [0.0];
    let found = lanczos.top_eigenvalues(|v, out| objective.hvp(x, v, out), &mut top);
    (found == 1).then_some(top[0])
}

/// The preconditioned sharpness λmax(P^(−½)·∇²f(x)·P^(−½)) = λmax(P⁻¹∇²f(x)) for a positive
/// diagonal preconditioner P (`diagonal`, e.g. Adam's (1 − β₁ᵗ)(√v̂ + eps)), by Lanczos on
/// v ↦ P^(−½)·∇²f(x)·(P^(−½)·v). `scaled` (length dim) is the caller's buffer for P^(−½)·v. `None`
/// if a length does not match, P has an entry that is not finite and positive, or a product was
/// not finite. Keep a separate [`Lanczos`] for this and for [`sharpness`]: their top vectors differ,
/// so sharing one would spoil both warm starts.
pub fn preconditioned_sharpness(
    objective: &dyn Objective,
    x: &DVector<f64>,
    diagonal: &DVector<f64>,
    lanczos: &mut Lanczos,
    scaled: &mut DVector<f64>,
) -> Option<f64> {
    let dim = x.len();
    if lanczos.dim() != dim
        || objective.dim() != dim
        || diagonal.len() != dim
        || scaled.len() != dim
        || diagonal.iter().any(|&p| !(p.is_finite() && p > 0.0))
    {
        return None;
    }
    let mut top = [0.0];
    let found = lanczos.top_eigenvalues(
        |v, out| {
            for ((s, &vi), &p) in scaled.iter_mut().zip(v.iter()).zip(diagonal.iter()) {
                *s = vi / p.sqrt();
            }
            objective.hvp(x, scaled, out);
            for (o, &p) in out.iter_mut().zip(diagonal.iter()) {
                *o /= p.sqrt();
            }
        },
        &mut top,
    );
    (found == 1).then_some(top[0])
}

#[cfg(test)]
mod tests {
    use nalgebra::{DMatrix, SymmetricEigen};

    use super::*;

    /// A seeded random symmetric matrix (Gaussian entries, symmetrized).
    fn random_symmetric(dim: usize, seed: u64) -> DMatrix<f64> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let g = DMatrix::from_fn(dim, dim, |_, _| StandardNormal.sample(&mut rng));
        (&g + g.transpose()) * 0.5
    }

    /// Q·diag(eigenvalues)·Qᵀ with a seeded random orthogonal Q.
    fn with_spectrum(eigenvalues: &[f64], seed: u64) -> DMatrix<f64> {
        let dim = eigenvalues.len();
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let g: DMatrix<f64> = DMatrix::from_fn(dim, dim, |_, _| StandardNormal.sample(&mut rng));
        let q = g.qr().q();
        &q * DMatrix::from_diagonal(&DVector::from_column_slice(eigenvalues)) * q.transpose()
    }

    /// The exact eigenvalues, descending.
    fn dense_top(matrix: &DMatrix<f64>) -> Vec<f64> {
        let mut values: Vec<f64> = SymmetricEigen::new(matrix.clone())
            .eigenvalues
            .iter()
            .copied()
            .collect();
        values.sort_by(|a, b| b.total_cmp(a));
        values
    }

    fn lanczos_top(matrix: &DMatrix<f64>, lanczos: &mut Lanczos, k: usize) -> Vec<f64> {
        let mut out = vec![0.0; k];
        let found = lanczos.top_eigenvalues(|v, o| matrix.mul_to(v, o), &mut out);
        out.truncate(found);
        out
    }

    fn assert_close(actual: &[f64], expected: &[f64], relative: f64) {
        assert_eq!(actual.len(), expected.len(), "{actual:?} vs {expected:?}");
        let scale = expected
            .iter()
            .fold(0.0_f64, |m, v| m.max(v.abs()))
            .max(1e-300);
        for (a, e) in actual.iter().zip(expected) {
            assert!(
                (a - e).abs() <= relative * scale,
                "{actual:?} vs {expected:?} (relative {relative})"
            );
        }
    }

    #[test]
    fn tridiagonal_solver_matches_dense() {
        let diagonal = [2.0, -1.0, 3.5, 0.25, 1.0];
        let off = [1.0, 0.5, -2.0, 0.75];
        let n = diagonal.len();
        let dense = DMatrix::from_fn(n, n, |i, j| {
            if i == j {
                diagonal[i]
            } else if i + 1 == j {
                off[i]
            } else if j + 1 == i {
                off[j]
            } else {
                0.0
            }
        });
        let mut d = diagonal.to_vec();
        let mut e = off.to_vec();
        e.push(0.0);
        let mut z = DMatrix::<f64>::identity(n, n);
        assert!(tridiagonal_eigen(&mut d, &mut e, z.as_mut_slice()));
        for (c, &value) in d.iter().enumerate() {
            let v = z.column(c).into_owned();
            assert!((v.norm() - 1.0).abs() < 1e-12);
            assert!((&dense * &v - &v * value).norm() < 1e-12);
        }
        let mut sorted = d.clone();
        sorted.sort_by(|a, b| b.total_cmp(a));
        assert_close(&sorted, &dense_top(&dense), 1e-13);
    }

    #[test]
    fn random_symmetric_matrices_match_symmetric_eigen() {
        // Gaussian symmetric matrices have a semicircle spectrum whose top eigenvalues are close
        // together (gaps ~ dim^(−2/3) of the edge), a hard case: the budget grows with dim.
        for (dim, iterations) in [(2, 10), (5, 10), (50, 50), (300, 150)] {
            let matrix = random_symmetric(dim, dim as u64);
            let exact = dense_top(&matrix);
            let mut lanczos = Lanczos::new(dim, iterations);
            lanczos.set_tolerance(1e-10);
            let top1 = lanczos_top(&matrix, &mut lanczos, 1);
            assert_close(&top1, &exact[..1], 1e-8);
            lanczos.reset();
            let k = dim.min(3);
            let top3 = lanczos_top(&matrix, &mut lanczos, k);
            assert_close(&top3, &exact[..k], 1e-8);
            // The Ritz vector is the top eigenvector.
            let y = lanczos.top_eigenvector();
            assert!((&matrix * y - y * exact[0]).norm() < 1e-4 * exact[0].abs());
        }
    }

    #[test]
    fn hessian_like_spectrum_converges_within_forty_steps() {
        // A few outliers above a bulk, like a network's Hessian.
        let dim = 300;
        let eigenvalues: Vec<f64> = (0..dim)
            .map(|i| match i {
                0 => 40.0,
                1 => 25.0,
                2 => 12.0,
                _ => 2.0 * ((i * 7919) % 1000) as f64 / 1000.0 - 0.5,
            })
            .collect();
        let matrix = with_spectrum(&eigenvalues, 1);
        let mut lanczos = Lanczos::new(dim, 40);
        let top = lanczos_top(&matrix, &mut lanczos, 3);
        assert_close(&top, &[40.0, 25.0, 12.0], 1e-8);
        assert!(lanczos.converged());
        assert!(lanczos.applications() < 40, "{}", lanczos.applications());
        // Too small a budget: values still close, but not reported as converged.
        let mut short = Lanczos::new(dim, 4);
        let top = lanczos_top(&matrix, &mut short, 1);
        assert!(!short.converged());
        assert!(top[0] <= 40.0 + 1e-9 && top[0] > 30.0, "{top:?}");
    }

    #[test]
    fn negative_spectrum_gives_algebraic_not_magnitude_order() {
        let eigenvalues = [-1.0, -2.0, -3.0, -50.0, -100.0, -7.0];
        let matrix = with_spectrum(&eigenvalues, 2);
        let mut lanczos = Lanczos::new(6, 20);
        let top = lanczos_top(&matrix, &mut lanczos, 3);
        assert_close(&top, &[-1.0, -2.0, -3.0], 1e-10);
    }

    #[test]
    fn clustered_and_repeated_eigenvalues() {
        // Close but distinct: found by running long enough.
        let mut clustered: Vec<f64> = (0..60).map(|i| i as f64 / 60.0).collect();
        clustered[0] = 10.0;
        clustered[1] = 10.0 - 1e-3;
        clustered[2] = 10.0 - 2e-3;
        let matrix = with_spectrum(&clustered, 3);
        let mut lanczos = Lanczos::new(60, 60);
        lanczos.set_tolerance(1e-10);
        let top = lanczos_top(&matrix, &mut lanczos, 3);
        assert_close(&top, &[10.0, 10.0 - 1e-3, 10.0 - 2e-3], 1e-10);
        // Exactly repeated: restarts after the breakdown find the extra copies.
        let repeated = [3.0, 1.0, 3.0, 0.5, 3.0, -2.0];
        let matrix = with_spectrum(&repeated, 4);
        let mut lanczos = Lanczos::new(6, 20);
        let top = lanczos_top(&matrix, &mut lanczos, 4);
        assert_close(&top, &[3.0, 3.0, 3.0, 1.0], 1e-10);
        // The identity: every eigenvalue is 1.
        let identity = DMatrix::<f64>::identity(4, 4);
        let mut lanczos = Lanczos::new(4, 10);
        assert_close(&lanczos_top(&identity, &mut lanczos, 1), &[1.0], 1e-14);
        assert_eq!(lanczos.applications(), 1);
        assert_close(&lanczos_top(&identity, &mut lanczos, 3), &[1.0; 3], 1e-14);
    }

    #[test]
    fn dimension_below_the_step_budget() {
        let one = DMatrix::from_element(1, 1, -4.0);
        let mut lanczos = Lanczos::new(1, 30);
        assert_close(&lanczos_top(&one, &mut lanczos, 3), &[-4.0], 1e-15);
        assert_eq!(lanczos.applications(), 1);
        assert!(lanczos.converged());
        let two = DMatrix::from_row_slice(2, 2, &[2.0, 1.0, 1.0, 2.0]);
        let mut lanczos = Lanczos::new(2, 30);
        assert_close(&lanczos_top(&two, &mut lanczos, 1), &[3.0], 1e-14);
        assert_close(&lanczos_top(&two, &mut lanczos, 2), &[3.0, 1.0], 1e-14);
        assert!(lanczos.applications() <= 2);
        let zero = DMatrix::<f64>::zeros(3, 3);
        let mut lanczos = Lanczos::new(3, 30);
        assert_close(&lanczos_top(&zero, &mut lanczos, 2), &[0.0, 0.0], 1e-15);
        // Nothing asked, nothing applied.
        let mut none: [f64; 0] = [];
        assert_eq!(
            lanczos.top_eigenvalues(|v, o| zero.mul_to(v, o), &mut none),
            0
        );
        assert_eq!(lanczos.applications(), 0);
    }

    #[test]
    fn non_finite_products_give_no_estimate() {
        let mut lanczos = Lanczos::new(4, 10);
        let mut out = [0.0];
        let found = lanczos.top_eigenvalues(|_, o| o.fill(f64::NAN), &mut out);
        assert_eq!(found, 0);
    }

    #[test]
    fn warm_start_needs_fewer_products() {
        let dim = 200;
        let eigenvalues: Vec<f64> = (0..dim).map(|i| 10.0 / (1.0 + i as f64).sqrt()).collect();
        let matrix = with_spectrum(&eigenvalues, 5);
        // The next iterate's Hessian: a small symmetric change.
        let nudged = &matrix + random_symmetric(dim, 6) * 1e-3;
        let exact = dense_top(&nudged);
        let mut warm = Lanczos::new(dim, 40);
        lanczos_top(&matrix, &mut warm, 1);
        let warm_top = lanczos_top(&nudged, &mut warm, 1);
        let mut cold = Lanczos::new(dim, 40);
        let cold_top = lanczos_top(&nudged, &mut cold, 1);
        assert_close(&warm_top, &exact[..1], 1e-9);
        assert_close(&cold_top, &exact[..1], 1e-9);
        assert!(
            warm.applications() < cold.applications(),
            "warm {} vs cold {}",
            warm.applications(),
            cold.applications()
        );
    }

    #[test]
    fn warm_start_orthogonal_to_the_new_top_still_recovers() {
        let dim = 100;
        let mut eigenvalues: Vec<f64> = (0..dim).map(|i| i as f64 / dim as f64).collect();
        eigenvalues[0] = 5.0;
        let before = with_spectrum(&eigenvalues, 7);
        // The new operator's top direction is orthogonal to the old one: flip the sign of the
        // old top eigenvalue, so a new top (1 − 1/dim) appears elsewhere.
        let mut lanczos = Lanczos::new(dim, 60);
        lanczos_top(&before, &mut lanczos, 1);
        let old_top = lanczos.top_eigenvector().clone();
        let after = &before - &old_top * old_top.transpose() * 10.0;
        let exact = dense_top(&after);
        let top = lanczos_top(&after, &mut lanczos, 1);
        assert_close(&top, &exact[..1], 1e-6);
    }

    /// f(x) = ½ xᵀAx with a fixed symmetric A, exact HVP.
    struct QuadraticObjective(DMatrix<f64>);

    impl Objective for QuadraticObjective {
        fn dim(&self) -> usize {
            self.0.nrows()
        }
        fn value(&self, x: &DVector<f64>) -> f64 {
            0.5 * x.dot(&(&self.0 * x))
        }
        fn value_and_grad(&self, x: &DVector<f64>, grad: &mut DVector<f64>) -> f64 {
            self.0.mul_to(x, grad);
            0.5 * x.dot(grad)
        }
        fn hvp(&self, _x: &DVector<f64>, v: &DVector<f64>, out: &mut DVector<f64>) {
            self.0.mul_to(v, out);
        }
    }

    #[test]
    fn sharpness_and_preconditioned_sharpness_match_dense() {
        let dim = 30;
        let mut eigenvalues: Vec<f64> = (0..dim)
            .map(|i| 3.0 * (i as f64 / dim as f64) - 1.0)
            .collect();
        eigenvalues[5] = 20.0;
        let hessian = with_spectrum(&eigenvalues, 8);
        let objective = QuadraticObjective(hessian.clone());
        let x = DVector::from_element(dim, 0.5);
        let mut lanczos = Lanczos::new(dim, 40);
        let top = sharpness(&objective, &x, &mut lanczos);
        assert!(top.is_some_and(|t| (t - 20.0).abs() < 1e-9), "{top:?}");

        let diagonal = DVector::from_fn(dim, |i, _| 0.1 + i as f64 * 0.37);
        let inv_sqrt = diagonal.map(|p| 1.0 / p.sqrt());
        let dense =
            DMatrix::from_diagonal(&inv_sqrt) * &hessian * DMatrix::from_diagonal(&inv_sqrt);
        let exact = dense_top(&dense)[0];
        // The same as the top eigenvalue of P⁻¹H (similar matrices).
        let p_inv_h = DMatrix::from_diagonal(&diagonal.map(|p| 1.0 / p)) * &hessian;
        let similar = p_inv_h
            .complex_eigenvalues()
            .iter()
            .map(|c| c.re)
            .fold(f64::NEG_INFINITY, f64::max);
        assert!((similar - exact).abs() < 1e-8 * exact.abs());
        let mut preconditioned = Lanczos::new(dim, 40);
        let mut scaled = DVector::zeros(dim);
        let estimate =
            preconditioned_sharpness(&objective, &x, &diagonal, &mut preconditioned, &mut scaled);
        assert!(
            estimate.is_some_and(|t| (t - exact).abs() < 1e-9 * exact),
            "{estimate:?} vs {exact}"
        );
        // Mismatches and a non-positive preconditioner give no estimate.
        let mut bad = diagonal.clone();
        bad[3] = 0.0;
        assert!(
            preconditioned_sharpness(&objective, &x, &bad, &mut preconditioned, &mut scaled)
                .is_none()
        );
        let mut wrong = Lanczos::new(dim + 1, 10);
        assert!(sharpness(&objective, &x, &mut wrong).is_none());
    }
}
