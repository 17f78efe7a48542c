//! Deep linear network on whitened data: the regression f(W₁, …, W_L) = ½‖W_L⋯W₁ − M‖²_F.
//!
//! Every layer is a width × width matrix; the network computes the end-to-end product
//! P = W_L⋯W₁. With whitened inputs (Σ_xx = I) the mean squared error over the data,
//! (1/N) Σ_μ ½‖P x_μ − y_μ‖², equals ½‖P − M‖²_F plus a constant that does not depend on the
//! weights, where M = Σ_yx is the input–output correlation. The constant is dropped, so the
//! minimum is 0, reached exactly when P = M, and the problem is one "sample" (num_samples = 1).
//!
//! The target is M = U·diag(s)·Vᵀ with U, V random orthogonal (Haar: QR of a Gaussian matrix with
//! R's diagonal made positive) and s the given singular values (at most width of them, the rest 0).
//! The initial weights have entries drawn iid from N(0, init_scale²).
//!
//! Gradient, with prefix products A_l = W_l⋯W₁ (A₀ = I), suffix products S_l = W_L⋯W_(l+1)
//! (S_L = I) and the residual E = P − M:
//!   ∇_(W_l) f = S_lᵀ·E·A_(l−1)ᵀ.
//! Hessian-vector product along V = (V₁, …, V_L), by forward-mode differentiation of the same
//! formula: dA_l = V_l·A_(l−1) + W_l·dA_(l−1), dS_(l−1) = dS_l·W_l + S_l·V_l, dP = dA_L, and
//!   (∇²f·V)_l = dS_lᵀ·E·A_(l−1)ᵀ + S_lᵀ·(dP·A_(l−1)ᵀ + E·dA_(l−1)ᵀ),
//! exact, O(L·width³), with no allocation (per-thread workspaces are pooled).
//!
//! What it shows (Saxe, McClelland & Ganguli 2014): from a small initialization, gradient descent
//! learns M one singular mode at a time, the strongest first. Each mode's strength grows slowly
//! near the saddle at the origin, then jumps to its target in a short transition; the loss shows
//! a staircase of plateaus ½Σ_(j>i) s_j² (saddles) and drops. A balanced mode of per-layer
//! strength u follows du/dt = u^(L−1)·(s_i − u^L), so for depth L ≥ 3 it is learned at time
//! ≈ 1/((L − 2)·s_i·u₀^(L−2)) from its initial strength u₀ (for L = 2, ≈ ln(s_i/u₀²)/(2s_i)): the
//! smaller the init the sharper and more separated the steps. This is the greedy low-rank,
//! "saddle-to-saddle" dynamics (Arora, Cohen, Hu & Luo 2019; Jacot, Ged, Şimşek, Hongler &
//! Gabriel 2021). The sharpness at a global minimum with balanced layers is L·s₁^(2 − 2/L) (25.6
//! for the defaults), so gradient descent there is stable for lr < 2/(L·s₁^(2 − 2/L)) (≈ 0.078).
//!
//! Parameter layout: W₁, then W₂, …, W_L, each width² numbers in column-major order
//! ((W_l)_ij at offset (l − 1)·width² + j·width + i). Seeds: ChaCha8 from `seed`, stream 0 for
//! the target (U's Gaussian matrix, then V's), stream 1 for the weights (W₁ first, column-major),
//! so the target does not depend on depth or init, and init_scale rescales the same draws.
//!
//! Defaults: depth 3, width 5, singular values (5, 3, 1.5, 0.5), init_scale 0.05, seed 0. Gradient
//! descent at lr 0.05 brings the modes to half their targets at steps 47, 103, 192 and 1555, each
//! while the next is below a tenth of its own, and reaches a loss below 1e-6 by step 3000: 2000
//! steps show the whole staircase.
//!
//! References: A. M. Saxe, J. L. McClelland & S. Ganguli, "Exact solutions to the nonlinear dynamics
//! of learning in deep linear neural networks", ICLR 2014; S. Arora, N. Cohen, W. Hu & Y. Luo,
//! "Implicit regularization in deep matrix factorization", NeurIPS 2019; A. Jacot et al.,
//! "Saddle-to-saddle dynamics in deep linear networks: small initialization training, symmetry,
//! and sparsity", 2021.

use std::sync::{Arc, Mutex, PoisonError};

use nalgebra::{DMatrix, DVector};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

use super::{
    Evaluation, Layer, MatrixLayout, Network, NetworkSpec, ParameterBlock,
    descending_singular_values, hessian_from_products, mismatched,
};
use crate::hyper::{Hypers, hyper_table};
use crate::objective::Objective;
use crate::validate::Checker;

/// Fewest layers.
const MIN_DEPTH: usize = 1;
/// Most layers.
const MAX_DEPTH: usize = 10;
/// Narrowest layers.
const MIN_WIDTH: usize = 1;
/// Widest layers.
const MAX_WIDTH: usize = 64;
/// ChaCha8 stream of the target's random orthogonal factors.
const TARGET_STREAM: u64 = 0;
/// ChaCha8 stream of the initial weights.
const INIT_STREAM: u64 = 1;

/// A deep linear network trained to match a target matrix on whitened data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DeepLinear {
    /// Number of layers L (1 to 10).
    pub depth: usize,
    /// Width of every layer (1 to 64): each Wᵢ is width × width.
    pub width: usize,
    /// The regression task.
    pub data: LinearTarget,
    /// Standard deviation of the initial weights' entries (> 0; small for saddle-to-saddle).
    pub init_scale: f64,
    /// Seed of the target and the initial weights.
    pub seed: u64,
}

impl Default for DeepLinear {
    fn default() -> Self {
        Self {
            depth: 3,
            width: 5,
            data: LinearTarget::default(),
            init_scale: 0.05,
            seed: 0,
        }
    }
}

/// The regression task of a [`DeepLinear`] network.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum LinearTarget {
    /// Whitened inputs and the input–output correlation M = U·diag(s)·Vᵀ with random orthogonal
    /// U, V: the setting of Saxe et al. 2014.
    Whitened {
        /// The singular values s of M (finite, ≥ 0, at most width of them; the rest are 0).
        #[serde(default = "default_singular_values")]
        singular_values: Vec<f64>,
    },
}

/// The default target's singular values: well separated, so the plateaus are too.
fn default_singular_values() -> Vec<f64> {
    vec![5.0, 3.0, 1.5, 0.5]
}

impl Default for LinearTarget {
    fn default() -> Self {
        Self::Whitened {
            singular_values: default_singular_values(),
        }
    }
}

hyper_table! {
    DeepLinear, owner: "DeepLinear";
    depth: int(1, 10), "Number of weight matrices L (1 to 10)";
    width: int(1, 16), "Side of every square weight matrix (1 to 64)";
    init_scale: log_float(1e-4, 1.0) where positive,
        "Standard deviation of the initial weights' entries";
    seed: int(0, 100), "Seed of the target and the initial weights";
}

impl NetworkSpec for DeepLinear {
    const DESCRIPTION: &str = "½‖W_L⋯W₁ − M‖²: a deep linear network on whitened data; small \
        init learns M's singular values one at a time, saddle to saddle (depth, width, data, \
        init_scale, seed)";

    /// Checks ranges: depth 1..=10, width 1..=64, singular values finite, ≥ 0 and at most width of
    /// them, init_scale finite and > 0.
    fn validate(&self, checker: &mut Checker) {
        checker.count_in_range(
            "depth",
            self.depth as u64,
            MIN_DEPTH as u64,
            MAX_DEPTH as u64,
        );
        checker.count_in_range(
            "width",
            self.width as u64,
            MIN_WIDTH as u64,
            MAX_WIDTH as u64,
        );
        let width = self.width;
        checker.within("data", |checker| match &self.data {
            LinearTarget::Whitened { singular_values } => {
                for (i, &s) in singular_values.iter().enumerate() {
                    checker.non_negative(&format!("singular_values[{i}]"), s);
                }
                if singular_values.len() > width {
                    checker.report(
                        "singular_values",
                        format!(
                            "singular_values has {} entries but a width-{width} target has at most \
                             {width}",
                            singular_values.len()
                        ),
                    );
                }
            }
        });
        // The table's own checks (init_scale > 0) come last, as they always have.
        self.validate_rows(checker);
    }

    /// One: the loss is a single term ½‖P − M‖² (whitened data).
    fn num_samples(&self) -> usize {
        1
    }

    fn build_network(&self) -> Arc<dyn Network> {
        self.build()
    }

    /// W₁, …, W_L, each width × width column-major.
    const HAS_PARAMETER_BLOCKS: bool = true;
}

impl DeepLinear {
    /// Builds the network: the target and the initial weights from the seed. Out-of-range counts
    /// are clamped, surplus singular values dropped and invalid ones read as 0, so an unvalidated
    /// config still builds a well-posed problem.
    pub fn build(&self) -> Arc<DeepLinearNetwork> {
        let depth = self.depth.clamp(MIN_DEPTH, MAX_DEPTH);
        let width = self.width.clamp(MIN_WIDTH, MAX_WIDTH);
        let LinearTarget::Whitened { singular_values } = &self.data;
        let mut target_singular_values: Vec<f64> = (0..width)
            .map(|i| {
                singular_values
                    .get(i)
                    .copied()
                    .filter(|s| s.is_finite() && *s >= 0.0)
                    .unwrap_or(0.0)
            })
            .collect();

        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        rng.set_stream(TARGET_STREAM);
        let left = random_orthogonal(width, &mut rng);
        let right = random_orthogonal(width, &mut rng);
        let scaled_left =
            &left * DMatrix::from_diagonal(&DVector::from_vec(target_singular_values.clone()));
        let target = scaled_left * right.transpose();

        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        rng.set_stream(INIT_STREAM);
        let dim = depth * width * width;
        let initial = DVector::from_fn(dim, |_, _| {
            let z: f64 = StandardNormal.sample(&mut rng);
            self.init_scale * z
        });

        target_singular_values.sort_by(|a, b| b.total_cmp(a));
        let layers = (0..depth)
            .map(|l| Layer {
                name: format!("W{}", subscript(l + 1)),
                range: l * width * width..(l + 1) * width * width,
            })
            .collect();
        Arc::new(DeepLinearNetwork {
            depth,
            width,
            target: target.as_slice().to_vec(),
            target_singular_values,
            initial,
            blocks: ParameterBlock::stacked(depth, width, width, MatrixLayout::ColumnMajor),
            layers,
            pool: Mutex::new(Vec::new()),
        })
    }
}

/// A Haar-random orthogonal n×n matrix: Q of the QR decomposition of a Gaussian matrix, with the
/// signs of R's diagonal moved into Q (otherwise Q is not uniformly distributed).
fn random_orthogonal(n: usize, rng: &mut ChaCha8Rng) -> DMatrix<f64> {
    let gaussian = DMatrix::from_fn(n, n, |_, _| StandardNormal.sample(rng));
    let qr = gaussian.qr();
    let mut q = qr.q();
    let r = qr.r();
    for (j, mut column) in q.column_iter_mut().enumerate() {
        if r[(j, j)] < 0.0 {
            column.neg_mut();
        }
    }
    q
}

/// `n` written with Unicode subscript digits (1 → "₁", 10 → "₁₀").
fn subscript(n: usize) -> String {
    n.to_string()
        .chars()
        .map(|c| match c.to_digit(10) {
            Some(d) => char::from_u32(0x2080 + d).unwrap_or(c),
            None => c,
        })
        .collect()
}

/// A built [`DeepLinear`] network: the target and the initial weights.
#[derive(Debug)]
pub struct DeepLinearNetwork {
    depth: usize,
    width: usize,
    /// M, column-major width × width.
    target: Vec<f64>,
    /// M's singular values, descending (width of them).
    target_singular_values: Vec<f64>,
    initial: DVector<f64>,
    /// W₁, …, W_L as matrices.
    blocks: Vec<ParameterBlock>,
    layers: Vec<Layer>,
    /// Workspaces not in use: an evaluation takes one (making one only when all are busy) and
    /// gives it back, so steady-state evaluations allocate nothing though methods take &self.
    pool: Mutex<Vec<Workspace>>,
}

/// Buffers for one evaluation: products and their tangents, each width² column-major.
#[derive(Debug)]
struct Workspace {
    /// A₀ = I, A₁, …, A_L (A_l = W_l⋯W₁), (depth + 1) blocks.
    prefix: Vec<f64>,
    /// S₀, …, S_L = I (S_l = W_L⋯W_(l+1)); S₀ is never formed.
    suffix: Vec<f64>,
    /// Tangents dA_l along the direction of a Hessian-vector product (dA₀ = 0).
    prefix_tangent: Vec<f64>,
    /// Tangents dS_l (dS_L = 0).
    suffix_tangent: Vec<f64>,
    /// E = P − M.
    residual: Vec<f64>,
    /// A product such as E·A_(l−1)ᵀ.
    scratch: Vec<f64>,
    /// A second product, dP·A_(l−1)ᵀ + E·dA_(l−1)ᵀ.
    scratch_tangent: Vec<f64>,
}

impl Workspace {
    fn new(depth: usize, width: usize) -> Self {
        let block = width * width;
        let blocks = (depth + 1) * block;
        let mut prefix = vec![0.0; blocks];
        let mut suffix = vec![0.0; blocks];
        set_identity(&mut prefix[..block], width);
        set_identity(&mut suffix[depth * block..], width);
        Self {
            prefix,
            suffix,
            prefix_tangent: vec![0.0; blocks],
            suffix_tangent: vec![0.0; blocks],
            residual: vec![0.0; block],
            scratch: vec![0.0; block],
            scratch_tangent: vec![0.0; block],
        }
    }
}

fn set_identity(block: &mut [f64], n: usize) {
    block.fill(0.0);
    for i in 0..n {
        block[i * n + i] = 1.0;
    }
}

/// Block `index` (read) and block `index + 1` (written) of a buffer of n2-sized blocks.
fn blocks_up(buffer: &mut [f64], n2: usize, index: usize) -> (&[f64], &mut [f64]) {
    let (left, right) = buffer.split_at_mut((index + 1) * n2);
    (&left[index * n2..], &mut right[..n2])
}

/// Block `index` (read) and block `index − 1` (written) of a buffer of n2-sized blocks.
fn blocks_down(buffer: &mut [f64], n2: usize, index: usize) -> (&[f64], &mut [f64]) {
    let (left, right) = buffer.split_at_mut(index * n2);
    (&right[..n2], &mut left[(index - 1) * n2..])
}

/// out (+)= a·b for n×n column-major blocks (the inner loop runs down contiguous columns).
fn mul(n: usize, a: &[f64], b: &[f64], out: &mut [f64], accumulate: bool) {
    mul_by_entries(n, a, |k, j| b[j * n + k], out, accumulate);
}

/// out (+)= a·B for n×n column-major blocks, B's entry (k, j) being `b(k, j)` (a·b and a·bᵀ alike).
fn mul_by_entries(
    n: usize,
    a: &[f64],
    b: impl Fn(usize, usize) -> f64,
    out: &mut [f64],
    accumulate: bool,
) {
    for (j, out_column) in out.chunks_exact_mut(n).enumerate() {
        if !accumulate {
            out_column.fill(0.0);
        }
        for (k, a_column) in a.chunks_exact(n).enumerate() {
            let b_kj = b(k, j);
            for (o, &a_ik) in out_column.iter_mut().zip(a_column) {
                *o += a_ik * b_kj;
            }
        }
    }
}

/// out (+)= aᵀ·b for n×n column-major blocks (entries are dot products of columns).
fn tr_mul(n: usize, a: &[f64], b: &[f64], out: &mut [f64], accumulate: bool) {
    for (j, out_column) in out.chunks_exact_mut(n).enumerate() {
        let b_column = &b[j * n..(j + 1) * n];
        for (o, a_column) in out_column.iter_mut().zip(a.chunks_exact(n)) {
            let dot: f64 = a_column.iter().zip(b_column).map(|(x, y)| x * y).sum();
            *o = if accumulate { *o + dot } else { dot };
        }
    }
}

/// out (+)= a·bᵀ for n×n column-major blocks.
fn mul_tr(n: usize, a: &[f64], b: &[f64], out: &mut [f64], accumulate: bool) {
    mul_by_entries(n, a, |k, j| b[k * n + j], out, accumulate);
}

impl DeepLinearNetwork {
    /// Number of layers.
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// Width of every layer.
    pub fn width(&self) -> usize {
        self.width
    }

    /// The target M, column-major width × width.
    pub fn target(&self) -> DMatrix<f64> {
        DMatrix::from_column_slice(self.width, self.width, &self.target)
    }

    /// The end-to-end product P = W_L⋯W₁ at parameters `x` (all NaN if `x` has the wrong length).
    pub fn product(&self, x: &DVector<f64>) -> DMatrix<f64> {
        if x.len() != self.dim() {
            return DMatrix::from_element(self.width, self.width, f64::NAN);
        }
        self.with_workspace(|ws| {
            self.forward(x.as_slice(), ws);
            let n2 = self.width * self.width;
            DMatrix::from_column_slice(
                self.width,
                self.width,
                &ws.prefix[self.depth * n2..(self.depth + 1) * n2],
            )
        })
    }

    /// Runs `body` with a workspace from the pool (a new one only when all are busy).
    fn with_workspace<R>(&self, body: impl FnOnce(&mut Workspace) -> R) -> R {
        let taken = self
            .pool
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let mut workspace = taken.unwrap_or_else(|| Workspace::new(self.depth, self.width));
        let result = body(&mut workspace);
        self.pool
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(workspace);
        result
    }

    /// The weights W_l (l from 1) inside the flat vector `x`.
    fn layer<'a>(&self, x: &'a [f64], l: usize) -> &'a [f64] {
        let n2 = self.width * self.width;
        &x[(l - 1) * n2..l * n2]
    }

    /// Prefix products A₁…A_L and the residual E = P − M; returns f = ½‖E‖².
    fn forward(&self, x: &[f64], ws: &mut Workspace) -> f64 {
        let (n, n2) = (self.width, self.width * self.width);
        for l in 1..=self.depth {
            let (previous, current) = blocks_up(&mut ws.prefix, n2, l - 1);
            mul(n, self.layer(x, l), previous, current, false);
        }
        let product = &ws.prefix[self.depth * n2..];
        let mut value = 0.0;
        for ((e, &p), &m) in ws.residual.iter_mut().zip(product).zip(&self.target) {
            *e = p - m;
            value += *e * *e;
        }
        0.5 * value
    }

    /// Suffix products S_(L−1)…S₁ (S_L = I is fixed in the workspace).
    fn backward(&self, x: &[f64], ws: &mut Workspace) {
        let (n, n2) = (self.width, self.width * self.width);
        for l in (2..=self.depth).rev() {
            let (next, current) = blocks_down(&mut ws.suffix, n2, l);
            mul(n, next, self.layer(x, l), current, false);
        }
    }

    /// ∇f into `grad` (after `forward` and `backward`): ∇_(W_l) f = S_lᵀ·E·A_(l−1)ᵀ.
    fn gradient(&self, ws: &mut Workspace, grad: &mut [f64]) {
        let (n, n2) = (self.width, self.width * self.width);
        for l in 1..=self.depth {
            let prefix = &ws.prefix[(l - 1) * n2..l * n2];
            let suffix = &ws.suffix[l * n2..(l + 1) * n2];
            mul_tr(n, &ws.residual, prefix, &mut ws.scratch, false);
            tr_mul(
                n,
                suffix,
                &ws.scratch,
                &mut grad[(l - 1) * n2..l * n2],
                false,
            );
        }
    }

    /// ∇²f·v into `out` (after `forward` and `backward`).
    fn hessian_product(&self, x: &[f64], v: &[f64], ws: &mut Workspace, out: &mut [f64]) {
        let (n, n2, depth) = (self.width, self.width * self.width, self.depth);
        // dA_l = V_l·A_(l−1) + W_l·dA_(l−1), with dA₀ = 0.
        for l in 1..=depth {
            let prefix = &ws.prefix[(l - 1) * n2..l * n2];
            let (previous, current) = blocks_up(&mut ws.prefix_tangent, n2, l - 1);
            mul(n, self.layer(v, l), prefix, current, false);
            if l > 1 {
                mul(n, self.layer(x, l), previous, current, true);
            }
        }
        // dS_(l−1) = dS_l·W_l + S_l·V_l, with dS_L = 0.
        ws.suffix_tangent[depth * n2..].fill(0.0);
        for l in (2..=depth).rev() {
            let suffix = &ws.suffix[l * n2..(l + 1) * n2];
            let (next, current) = blocks_down(&mut ws.suffix_tangent, n2, l);
            mul(n, next, self.layer(x, l), current, false);
            mul(n, suffix, self.layer(v, l), current, true);
        }
        let product_tangent = &ws.prefix_tangent[depth * n2..];
        for l in 1..=depth {
            let prefix = &ws.prefix[(l - 1) * n2..l * n2];
            let prefix_tangent = &ws.prefix_tangent[(l - 1) * n2..l * n2];
            let suffix = &ws.suffix[l * n2..(l + 1) * n2];
            let suffix_tangent = &ws.suffix_tangent[l * n2..(l + 1) * n2];
            let block = &mut out[(l - 1) * n2..l * n2];
            // dS_lᵀ·(E·A_(l−1)ᵀ)
            mul_tr(n, &ws.residual, prefix, &mut ws.scratch, false);
            tr_mul(n, suffix_tangent, &ws.scratch, block, false);
            // + S_lᵀ·(dP·A_(l−1)ᵀ + E·dA_(l−1)ᵀ)
            mul_tr(n, product_tangent, prefix, &mut ws.scratch_tangent, false);
            mul_tr(
                n,
                &ws.residual,
                prefix_tangent,
                &mut ws.scratch_tangent,
                true,
            );
            tr_mul(n, suffix, &ws.scratch_tangent, block, true);
        }
    }
}

impl Objective for DeepLinearNetwork {
    fn dim(&self) -> usize {
        self.initial.len()
    }

    fn value(&self, x: &DVector<f64>) -> f64 {
        if x.len() != self.dim() {
            return f64::NAN;
        }
        self.with_workspace(|ws| self.forward(x.as_slice(), ws))
    }

    fn value_and_grad(&self, x: &DVector<f64>, grad: &mut DVector<f64>) -> f64 {
        if mismatched(self.dim(), &[x, grad]) {
            grad.fill(f64::NAN);
            return f64::NAN;
        }
        self.with_workspace(|ws| {
            let value = self.forward(x.as_slice(), ws);
            self.backward(x.as_slice(), ws);
            self.gradient(ws, grad.as_mut_slice());
            value
        })
    }

    fn hessian(&self, x: &DVector<f64>) -> Option<DMatrix<f64>> {
        hessian_from_products(self, x)
    }

    fn hvp(&self, x: &DVector<f64>, v: &DVector<f64>, out: &mut DVector<f64>) {
        if mismatched(self.dim(), &[x, v, out]) {
            out.fill(f64::NAN);
            return;
        }
        self.with_workspace(|ws| {
            self.forward(x.as_slice(), ws);
            self.backward(x.as_slice(), ws);
            self.hessian_product(x.as_slice(), v.as_slice(), ws, out.as_mut_slice());
        });
    }

    fn parameter_blocks(&self) -> &[ParameterBlock] {
        &self.blocks
    }
}

impl Network for DeepLinearNetwork {
    fn initial_parameters(&self) -> DVector<f64> {
        self.initial.clone()
    }

    fn layers(&self) -> &[Layer] {
        &self.layers
    }

    /// No held-out data: the training loss is the whole story.
    fn evaluate(&self, _x: &DVector<f64>) -> Evaluation {
        Evaluation::default()
    }

    fn singular_values(&self, x: &DVector<f64>) -> Vec<f64> {
        descending_singular_values(self.product(x))
    }

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

    fn config(depth: usize, width: usize) -> DeepLinear {
        DeepLinear {
            depth,
            width,
            data: LinearTarget::Whitened {
                singular_values: vec![2.0, 1.0],
            },
            init_scale: 0.5,
            seed: 3,
        }
    }

    #[test]
    fn value_is_half_the_squared_distance_of_the_product() {
        let network = config(3, 4).build();
        let x = random_vector(network.dim(), 1) * 0.7;
        let w: Vec<DMatrix<f64>> = (1..=3)
            .map(|l| DMatrix::from_column_slice(4, 4, network.layer(x.as_slice(), l)))
            .collect();
        let product = &w[2] * &w[1] * &w[0];
        assert!((network.product(&x) - &product).norm() < 1e-12);
        let expected = 0.5 * (&product - network.target()).norm_squared();
        assert!((network.value(&x) - expected).abs() < 1e-12);
        // The target has the configured singular values.
        let target = descending_singular_values(network.target());
        assert!((target[0] - 2.0).abs() < 1e-12 && (target[1] - 1.0).abs() < 1e-12);
        assert!(target[2].abs() < 1e-12 && target[3].abs() < 1e-12);
        assert_eq!(network.target_singular_values(), vec![2.0, 1.0, 0.0, 0.0]);
    }

    #[test]
    fn gradient_matches_finite_differences() {
        for (depth, width) in [(1, 3), (2, 2), (3, 4), (5, 3)] {
            let network = config(depth, width).build();
            let x = random_vector(network.dim(), depth as u64) * 0.8;
            assert_gradient_matches_central_differences(
                network.as_ref(),
                &x,
                |g| 1e-6 * (1.0 + g.abs()),
                &format!("depth {depth} width {width}"),
            );
        }
    }

    #[test]
    fn hvp_matches_central_differences_and_the_dense_hessian() {
        for (depth, width) in [(1, 3), (2, 2), (3, 4), (4, 3)] {
            let network = config(depth, width).build();
            let x = random_vector(network.dim(), 10 + depth as u64) * 0.8;
            let v = random_vector(network.dim(), 20 + depth as u64);
            assert_hvp_matches_central_differences_and_the_dense_hessian(
                network.as_ref(),
                &x,
                &v,
                1e-10,
                &format!("depth {depth}"),
            );
        }
        // The product form is exactly symmetric up to rounding: uᵀ(Hv) = vᵀ(Hu).
        let network = config(3, 4).build();
        let x = random_vector(network.dim(), 5);
        let (u, v) = (
            random_vector(network.dim(), 6),
            random_vector(network.dim(), 7),
        );
        let (mut hu, mut hv) = (DVector::zeros(network.dim()), DVector::zeros(network.dim()));
        network.hvp(&x, &u, &mut hu);
        network.hvp(&x, &v, &mut hv);
        assert!((u.dot(&hv) - v.dot(&hu)).abs() < 1e-10 * (1.0 + hu.norm() * v.norm()));
    }

    #[test]
    fn wrong_lengths_and_divergence_give_nan_not_panics() {
        let network = DeepLinear::default().build();
        let short = DVector::zeros(3);
        let mut grad = DVector::zeros(network.dim());
        assert!(network.value(&short).is_nan());
        assert!(network.value_and_grad(&short, &mut grad).is_nan());
        network.hvp(&network.initial_parameters(), &short, &mut grad);
        assert!(grad[0].is_nan());
        let diverged = DVector::from_element(network.dim(), f64::INFINITY);
        assert!(
            network
                .singular_values(&diverged)
                .iter()
                .all(|s| s.is_nan())
        );
    }

    #[test]
    fn large_networks_have_no_dense_hessian() {
        let network = config(10, 8).build();
        assert_eq!(network.dim(), 640);
        assert!(network.hessian(&network.initial_parameters()).is_none());
    }

    #[test]
    fn layers_cover_the_parameters_in_order() {
        let network = DeepLinear {
            depth: 10,
            ..DeepLinear::default()
        }
        .build();
        let names: Vec<&str> = network.layers().iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names[0], "W₁");
        assert_eq!(names[9], "W₁₀");
        let mut end = 0;
        for layer in network.layers() {
            assert_eq!(layer.range.start, end);
            end = layer.range.end;
        }
        assert_eq!(end, network.dim());
        assert_eq!(network.num_samples(), 1);
        assert_eq!(
            network.evaluate(&network.initial_parameters()),
            Evaluation::default()
        );
    }

    #[test]
    fn same_seed_same_network() {
        let a = DeepLinear::default().build();
        let b = DeepLinear::default().build();
        assert_eq!(a.initial_parameters(), b.initial_parameters());
        assert_eq!(a.target(), b.target());
        let c = DeepLinear {
            seed: 1,
            ..DeepLinear::default()
        }
        .build();
        assert_ne!(a.initial_parameters(), c.initial_parameters());
        assert_ne!(a.target(), c.target());
        // The target does not depend on depth or init; init_scale rescales the same draws.
        let deeper = DeepLinear {
            depth: 4,
            init_scale: 0.1,
            ..DeepLinear::default()
        }
        .build();
        assert_eq!(a.target(), deeper.target());
        let first_layer = 0..25;
        let scaled = a.initial_parameters().rows_range(first_layer.clone()) * 2.0;
        assert!((deeper.initial_parameters().rows_range(first_layer) - scaled).norm() < 1e-15);
        let x = a.initial_parameters();
        assert!((x.norm() / (x.len() as f64).sqrt() - 0.05).abs() < 0.01);
    }

    /// Plain gradient descent on the default network from its small initialization: the
    /// end-to-end singular values each jump to their target in turn, strongest first.
    #[test]
    fn small_init_learns_singular_values_one_at_a_time() {
        let network = DeepLinear::default().build();
        let targets = network.target_singular_values();
        let lr = 0.05;
        let mut x = network.initial_parameters();
        let mut grad = DVector::zeros(network.dim());
        let mut half_time = [None; 4];
        let mut history = Vec::new();
        for step in 0..3000 {
            let loss = network.value_and_grad(&x, &mut grad);
            let values = network.singular_values(&x);
            for (i, time) in half_time.iter_mut().enumerate() {
                if time.is_none() && values[i] >= 0.5 * targets[i] {
                    *time = Some(step);
                }
            }
            history.push((loss, values));
            x.axpy(-lr, &grad, 1.0);
        }
        let times: Vec<usize> = half_time.iter().map(|t| t.unwrap_or(usize::MAX)).collect();
        assert!(
            times.windows(2).all(|w| w[0] < w[1]),
            "half times {times:?}"
        );
        assert!(times[3] < 3000, "half times {times:?}");
        // Separated plateaus: when mode i is half learned, mode i + 1 is still below 10% of its
        // target, and the loss sits near the plateau ½Σ_(j>i) s_j² between the jumps.
        for i in 0..3 {
            let (_, values) = &history[times[i]];
            assert!(values[i + 1] < 0.1 * targets[i + 1], "mode {i}: {values:?}");
            let middle = (times[i] + times[i + 1]) / 2;
            let plateau: f64 = 0.5 * targets[i + 1..].iter().map(|s| s * s).sum::<f64>();
            let (loss, _) = &history[middle];
            assert!(
                (loss - plateau).abs() < 0.25 * plateau,
                "mode {i}: {loss} vs plateau {plateau}"
            );
        }
        // And it converges to the target.
        let final_loss = history.last().map_or(f64::NAN, |(loss, _)| *loss);
        assert!(final_loss < 1e-6, "{final_loss}");
    }

    #[test]
    fn ron_round_trip() {
        let text = "DeepLinear(depth: 3, width: 5, data: Whitened(singular_values: [5.0, 3.0, 1.5, 0.5]), init_scale: 0.05, seed: 0)";
        let parsed: DeepLinear = ron_options().from_str(text).unwrap();
        assert_eq!(parsed, DeepLinear::default());
        let written = ron_options().to_string(&parsed).unwrap();
        let back: DeepLinear = ron_options().from_str(&written).unwrap();
        assert_eq!(back, parsed);
        // Omitted fields take their defaults.
        let short: DeepLinear = ron_options()
            .from_str("(depth: 2, data: Whitened())")
            .unwrap();
        assert_eq!(short.depth, 2);
        assert_eq!(short.data, LinearTarget::default());
        assert_eq!(short.width, 5);
    }

    #[test]
    fn validation_messages() {
        let mut checker = Checker::new();
        DeepLinear::default().validate(&mut checker);
        assert!(checker.found.is_empty(), "{:?}", checker.found);
        DeepLinear {
            depth: 0,
            width: 2,
            data: LinearTarget::Whitened {
                singular_values: vec![1.0, -1.0, f64::NAN],
            },
            init_scale: 0.0,
            seed: 0,
        }
        .validate(&mut checker);
        let paths: Vec<&str> = checker.found.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "depth",
                "data.singular_values[1]",
                "data.singular_values[2]",
                "data.singular_values",
                "init_scale"
            ]
        );
        assert!(checker.found[3].message.contains("at most 2"));
        assert!(checker.found[4].message.contains("> 0"));
        let mut checker = Checker::new();
        DeepLinear {
            depth: 11,
            width: 65,
            ..DeepLinear::default()
        }
        .validate(&mut checker);
        assert_eq!(checker.found.len(), 2);
        assert!(checker.found[0].message.contains("between 1 and 10"));
    }
}
