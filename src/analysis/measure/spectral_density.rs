//! The spectral density of a Hessian by stochastic Lanczos quadrature (SLQ), from Hessian-vector
//! products alone.
//!
//! The spectral density of a symmetric n×n matrix A with eigenvalues λ₁…λ_n is
//! φ(t) = (1/n) Σᵢ δ(t − λᵢ), seen through a Gaussian of width σ: φ_σ(t) = (1/n) Σᵢ g_σ(t − λᵢ),
//! g_σ(x) = exp(−x²/(2σ²))/(σ√(2π)). For a unit vector v, vᵀ g_σ(t − A) v = Σᵢ (vᵀuᵢ)² g_σ(t − λᵢ),
//! and its expectation over random v with E[vvᵀ] = I/n is φ_σ(t) (Hutchinson's trace estimator).
//! m steps of Lanczos from q₁ = v give the tridiagonal T_m with eigenpairs (θ_k, s_k); Gauss
//! quadrature for the measure Σᵢ (vᵀuᵢ)² δ(t − λᵢ) then has nodes θ_k and weights τ_k = s_k[0]²
//! (the squared first components), exact for polynomials of degree up to 2m − 1 (Golub & Meurant).
//! Averaging over P probes:
//!   φ_σ(t) ≈ (1/P) Σ_p Σ_k τ_k^(p) g_σ(t − θ_k^(p)).
//! The weights of each probe sum to 1, so the estimate integrates to 1 for every σ. Probes are
//! Rademacher vectors (±1/√n entries), drawn from a seeded ChaCha8Rng, so a seed names the same
//! density everywhere. The Lanczos vectors are fully reorthogonalized (the quadrature's weights
//! go wrong once copies of converged Ritz values appear); a breakdown (β ≈ 0) ends a probe early
//! with an exact quadrature of its invariant subspace. σ is a fraction of the spread of the nodes.
//!
//! Defaults (Ghorbani et al. use 10 probes of 90 steps on ImageNet-sized nets; small nets need
//! fewer): 4 probes, 40 steps, σ = 1% of the nodes' spread, 400 grid points.
//!
//! References: B. Ghorbani, S. Krishnan & Y. Xiao, "An investigation into neural net optimization
//! via Hessian eigenvalue density", ICML 2019; L. Lin, Y. Saad & C. Yang, "Approximating spectral
//! densities of large matrices", SIAM Review 58(1), 2016; G. H. Golub & G. Meurant, "Matrices,
//! moments and quadrature", 1994.

use nalgebra::DVector;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::sharpness::tridiagonal_eigen;

/// β below this fraction of the running scale of T ends a probe (its Krylov space is invariant).
const BREAKDOWN: f64 = 1e-10;
/// The density's grid reaches this many σ beyond the extreme nodes.
const GRID_MARGIN_SIGMAS: f64 = 5.0;
/// σ when all nodes coincide, relative to their magnitude (or absolute at 0).
const FLOOR_SIGMA: f64 = 1e-3;

/// How a density is estimated.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SlqSettings {
    /// Random probe vectors (P).
    pub probes: usize,
    /// Lanczos steps per probe (m).
    pub steps: usize,
    /// The Gaussian's σ as a fraction of the spread of the nodes (max θ − min θ).
    pub relative_width: f64,
    /// Points of the grid the density is evaluated on.
    pub grid_points: usize,
    /// Seed of the probes.
    pub seed: u64,
}

impl Default for SlqSettings {
    fn default() -> Self {
        Self {
            probes: 4,
            steps: 40,
            relative_width: 0.01,
            grid_points: 400,
            seed: 0,
        }
    }
}

/// A spectral density estimate: the quadrature's nodes and weights and the broadened density.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SpectralDensity {
    /// (θ, τ/P) of every probe's quadrature, sorted by θ; the weights sum to 1.
    pub nodes: Vec<(f64, f64)>,
    /// The Gaussian's σ.
    pub sigma: f64,
    /// Evenly spaced t from below the smallest node to above the largest.
    pub grid: Vec<f64>,
    /// φ_σ(t) at each grid point.
    pub density: Vec<f64>,
}

impl SpectralDensity {
    /// The total weight of the nodes in [lo, hi].
    pub fn mass_within(&self, lo: f64, hi: f64) -> f64 {
        (self.nodes.iter())
            .filter(|(theta, _)| (lo..=hi).contains(theta))
            .map(|(_, weight)| weight)
            .sum()
    }

    /// ∫ φ_σ over the grid by the trapezoid rule (≈ 1).
    pub fn integral(&self) -> f64 {
        (self.grid.windows(2).zip(self.density.windows(2)))
            .map(|(t, phi)| 0.5 * (t[1] - t[0]) * (phi[0] + phi[1]))
            .sum()
    }
}

/// The spectral density of the symmetric operator v ↦ A·v on ℝ^dim (`apply(v, out)` writes A·v
/// into `out`) by stochastic Lanczos quadrature. `None` when dim is 0 or a product is not finite.
pub fn spectral_density(
    dim: usize,
    mut apply: impl FnMut(&DVector<f64>, &mut DVector<f64>),
    settings: &SlqSettings,
) -> Option<SpectralDensity> {
    if dim == 0 {
        return None;
    }
    let mut rng = ChaCha8Rng::seed_from_u64(settings.seed);
    let probes = settings.probes.max(1);
    let steps = settings.steps.clamp(1, dim);
    let mut nodes = Vec::with_capacity(probes * steps);
    let mut lanczos = ProbeLanczos::new(dim, steps);
    for _ in 0..probes {
        let scale = 1.0 / (dim as f64).sqrt();
        for value in lanczos.basis[0].iter_mut() {
            *value = if rng.random::<bool>() { scale } else { -scale };
        }
        let quadrature = lanczos.run(&mut apply)?;
        nodes.extend(quadrature.map(|(theta, tau)| (theta, tau / probes as f64)));
    }
    nodes.sort_by(|a, b| a.0.total_cmp(&b.0));
    Some(broaden(nodes, settings))
}

/// The density φ_σ on a grid around the nodes.
fn broaden(nodes: Vec<(f64, f64)>, settings: &SlqSettings) -> SpectralDensity {
    let lo = nodes.first().map_or(0.0, |node| node.0);
    let hi = nodes.last().map_or(0.0, |node| node.0);
    let spread = hi - lo;
    let sigma = if spread > 0.0 {
        settings.relative_width.max(f64::MIN_POSITIVE) * spread
    } else {
        FLOOR_SIGMA * lo.abs().max(1.0)
    };
    let points = settings.grid_points.max(2);
    let (start, end) = (
        lo - GRID_MARGIN_SIGMAS * sigma,
        hi + GRID_MARGIN_SIGMAS * sigma,
    );
    let spacing = (end - start) / (points - 1) as f64;
    let grid: Vec<f64> = (0..points).map(|i| start + spacing * i as f64).collect();
    let norm = 1.0 / (sigma * (2.0 * std::f64::consts::PI).sqrt());
    let density = (grid.iter())
        .map(|&t| {
            (nodes.iter())
                .map(|&(theta, weight)| {
                    let z = (t - theta) / sigma;
                    weight * norm * (-0.5 * z * z).exp()
                })
                .sum()
        })
        .collect();
    SpectralDensity {
        nodes,
        sigma,
        grid,
        density,
    }
}

/// Lanczos from a given unit start, fully reorthogonalized, for one probe's quadrature.
struct ProbeLanczos {
    basis: Vec<DVector<f64>>,
    work: DVector<f64>,
    alpha: Vec<f64>,
    beta: Vec<f64>,
    diagonal: Vec<f64>,
    off_diagonal: Vec<f64>,
    vectors: Vec<f64>,
}

impl ProbeLanczos {
    fn new(dim: usize, steps: usize) -> Self {
        Self {
            basis: vec![DVector::zeros(dim); steps],
            work: DVector::zeros(dim),
            alpha: vec![0.0; steps],
            beta: vec![0.0; steps],
            diagonal: Vec::with_capacity(steps),
            off_diagonal: Vec::with_capacity(steps),
            vectors: Vec::with_capacity(steps * steps),
        }
    }

    /// Runs from the unit vector in `basis[0]`; returns the nodes θ_k and weights s_k[0]², or
    /// `None` if a product or the tridiagonal solve failed.
    fn run(
        &mut self,
        apply: &mut impl FnMut(&DVector<f64>, &mut DVector<f64>),
    ) -> Option<impl Iterator<Item = (f64, f64)> + '_> {
        let mut m = 0;
        let mut scale = 0.0_f64;
        for j in 0..self.basis.len() {
            apply(&self.basis[j], &mut self.work);
            if j > 0 {
                self.work.axpy(-self.beta[j - 1], &self.basis[j - 1], 1.0);
            }
            let alpha = self.basis[j].dot(&self.work);
            self.work.axpy(-alpha, &self.basis[j], 1.0);
            for _pass in 0..2 {
                for q in &self.basis[..=j] {
                    let projection = q.dot(&self.work);
                    self.work.axpy(-projection, q, 1.0);
                }
            }
            let beta = self.work.norm();
            if !(alpha.is_finite() && beta.is_finite()) {
                return None;
            }
            self.alpha[j] = alpha;
            self.beta[j] = beta;
            m = j + 1;
            scale = scale.max(alpha.abs() + beta);
            if m == self.basis.len() || beta <= BREAKDOWN * scale {
                break;
            }
            self.basis[j + 1].copy_from(&self.work);
            self.basis[j + 1] /= beta;
        }
        self.diagonal.clear();
        self.diagonal.extend_from_slice(&self.alpha[..m]);
        self.off_diagonal.clear();
        self.off_diagonal.extend_from_slice(&self.beta[..m]);
        self.vectors.clear();
        self.vectors.resize(m * m, 0.0);
        for i in 0..m {
            self.vectors[i * m + i] = 1.0;
        }
        if !tridiagonal_eigen(
            &mut self.diagonal,
            &mut self.off_diagonal,
            &mut self.vectors,
        ) {
            return None;
        }
        let (diagonal, vectors) = (&self.diagonal, &self.vectors);
        Some((0..m).map(move |k| (diagonal[k], vectors[k * m].powi(2))))
    }
}

#[cfg(test)]
mod tests {
    use nalgebra::DMatrix;

    use super::*;
    use crate::analysis::sharpness::Lanczos;

    #[test]
    fn lanczos_finds_the_top_of_a_known_spectrum() {
        // The 1-D Laplacian tridiag(−1, 2, −1) of size n has eigenvalues 2 − 2cos(kπ/(n + 1)).
        let n = 60;
        let laplacian = DMatrix::from_fn(n, n, |i, j| match i.abs_diff(j) {
            0 => 2.0,
            1 => -1.0,
            _ => 0.0,
        });
        let exact = |k: usize| 2.0 - 2.0 * (k as f64 * std::f64::consts::PI / (n + 1) as f64).cos();
        let mut lanczos = Lanczos::new(n, n);
        lanczos.set_tolerance(1e-12);
        let mut top = [0.0; 3];
        let found = lanczos.top_eigenvalues(|v, out| laplacian.mul_to(v, out), &mut top);
        assert_eq!(found, 3);
        for (i, value) in top.iter().enumerate() {
            assert!((value - exact(n - i)).abs() < 1e-8, "{top:?}");
        }
    }

    #[test]
    fn density_integrates_to_one_and_sits_on_a_diagonal_spectrum() {
        // 50 eigenvalues 1, 30 at 5, 20 at 10: a Rademacher probe puts weight count/n on each.
        let values: Vec<f64> = (0..100)
            .map(|i| match i {
                0..50 => 1.0,
                50..80 => 5.0,
                _ => 10.0,
            })
            .collect();
        let diagonal = DVector::from_vec(values);
        let settings = SlqSettings {
            probes: 3,
            steps: 20,
            ..SlqSettings::default()
        };
        let apply = |v: &DVector<f64>, out: &mut DVector<f64>| {
            out.copy_from(&v.component_mul(&diagonal));
        };
        let density = spectral_density(100, apply, &settings).expect("finite");
        assert!(
            (density.integral() - 1.0).abs() < 1e-6,
            "{}",
            density.integral()
        );
        for (at, share) in [(1.0, 0.5), (5.0, 0.3), (10.0, 0.2)] {
            let mass = density.mass_within(at - 0.1, at + 0.1);
            assert!((mass - share).abs() < 1e-9, "mass {mass} near {at}");
        }
        // The broadened density peaks at the eigenvalues and is near zero between them.
        let at = |t: f64| {
            let i = (density.grid.iter())
                .position(|&g| g >= t)
                .expect("on the grid");
            density.density[i]
        };
        assert!(at(1.0) > 100.0 * at(3.0) && at(5.0) > 100.0 * at(7.5));
    }

    #[test]
    fn density_of_a_random_spectrum_matches_its_histogram() {
        // Q diag(λ) Qᵀ with λ uniform on [0, 1] plus one outlier at 4: the outlier's weight is 1/n.
        let n = 200;
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let mut eigenvalues: Vec<f64> = (0..n).map(|_| rng.random::<f64>()).collect();
        eigenvalues[0] = 4.0;
        let g = DMatrix::from_fn(n, n, |_, _| rng.random::<f64>() - 0.5);
        let q = g.qr().q();
        let matrix =
            &q * DMatrix::from_diagonal(&DVector::from_vec(eigenvalues.clone())) * q.transpose();
        let settings = SlqSettings {
            probes: 10,
            steps: 60,
            ..SlqSettings::default()
        };
        let density =
            spectral_density(n, |v, out| matrix.mul_to(v, out), &settings).expect("finite");
        assert!((density.integral() - 1.0).abs() < 1e-3);
        // The outlier is a node (Lanczos finds extreme eigenvalues first) with weight ≈ 1/n.
        let outlier = density.mass_within(3.9, 4.1);
        assert!(
            outlier > 0.2 / n as f64 && outlier < 5.0 / n as f64,
            "{outlier}"
        );
        let lower_half = density.mass_within(-0.1, 0.5);
        let below = eigenvalues.iter().filter(|&&l| l <= 0.5).count() as f64 / n as f64;
        assert!((lower_half - below).abs() < 0.1, "{lower_half} vs {below}");
    }

    #[test]
    fn the_seed_names_the_density_and_bad_products_give_none() {
        let matrix = DMatrix::from_fn(30, 30, |i, j| 1.0 / (1.0 + i as f64 + j as f64));
        let settings = SlqSettings::default();
        let a = spectral_density(30, |v, out| matrix.mul_to(v, out), &settings);
        let b = spectral_density(30, |v, out| matrix.mul_to(v, out), &settings);
        assert_eq!(a, b);
        let other = SlqSettings {
            seed: 1,
            ..settings
        };
        let c = spectral_density(30, |v, out| matrix.mul_to(v, out), &other);
        assert_ne!(a, c);
        assert!(spectral_density(30, |_, out| out.fill(f64::NAN), &settings).is_none());
        assert!(spectral_density(0, |_, _| {}, &settings).is_none());
    }
}
