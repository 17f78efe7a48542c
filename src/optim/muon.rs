//! Muon: SGD momentum whose update of every weight matrix is orthogonalized, so each matrix moves
//! by a step whose singular values are all about lr, whatever the gradient's own spectrum
//! (Jordan et al. 2024). Not a torch.optim class; this follows the reference code's
//! `muon_update` and `SingleDeviceMuon.step` (KellerJordan/Muon, `muon.py`).
//!
//! With gₜ the gradient and μ = momentum, one step is, for every parameter,
//!
//! ```text
//! Bₜ ← lerp(Bₜ₋₁, gₜ, 1 − μ) = μ·Bₜ₋₁ + (1 − μ)·gₜ       (B₀ = 0)
//! Uₜ ← lerp(gₜ, Bₜ, μ) = (1 − μ)·gₜ + μ·Bₜ   if nesterov, else Uₜ ← Bₜ
//! ```
//!
//! and then, for each weight matrix W (rows × cols, a block of the problem's
//! `Objective::parameter_blocks`) with its part U of Uₜ,
//!
//! ```text
//! X ← Uᵀ if rows > cols, else U                (X is m × n with m ≤ n)
//! X ← X / (‖X‖_F + 1e-7)                       (every singular value ≤ 1)
//! ns_steps times:  A ← X·Xᵀ,  X ← a·X + (b·A + c·A²)·X,   (a, b, c) = (3.4445, −4.7750, 2.0315)
//! O ← Xᵀ if rows > cols, else X
//! W ← W·(1 − lr·weight_decay) − lr·max(1, rows/cols)^½·O
//! ```
//!
//! The reference's momentum is this exponential average; the textbook form B ← μ·B + g,
//! U ← g + μ·B differs from it by the factor 1 − μ only, which the normalization removes.
//! Every coordinate outside the matrices (biases, and both coordinates of a 2D landscape, which
//! has no matrices) takes the plain momentum step x ← x·(1 − lr·weight_decay) − lr·Uₜ, with no
//! orthogonalization: the reference leaves such parameters to another method (AdamW in
//! `MuonWithAuxAdam`); a plain momentum step keeps this one method whole. Weight decay is
//! decoupled (AdamW's), as in the reference. The scale max(1, rows/cols)^½ is the reference's:
//! rows is the output size of a layer y = W·x (torch's `size(-2)`).
//!
//! Newton–Schulz approximates, and does not compute, the polar factor U·Vᵀ of X = U·S·Vᵀ: each
//! step maps every singular value σ to p(σ) = aσ + bσ³ + cσ⁵ and leaves the singular vectors
//! alone. The coefficients are chosen for the steepest slope at 0 (p′(0) = a), not for
//! convergence to 1, so after 5 steps the singular values land in roughly [0.68, 1.2] (every one
//! that was at least 1/500 of ‖X‖_F; smaller ones, multiplied by about a⁵ ≈ 490, stay smaller),
//! not exactly at 1. `orthogonalizer: ExactPolar` replaces the iteration by the exact polar factor
//! from an SVD, Σ uᵢvᵢᵀ over the singular values above the rank cutoff max(m, n)·ε·σmax (a zero
//! update stays zero), for teaching: it calls nalgebra's SVD, which allocates its work matrices,
//! where Newton–Schulz allocates nothing per step. The reference runs the iteration in bfloat16;
//! here it is f64. The blocks are read from the oracle at the first step (and whenever the
//! problem's dimension changes), with one set of scratch matrices each.
//!
//! Defaults (the reference's): lr = 0.02, momentum = 0.95, nesterov = true, ns_steps = 5,
//! weight_decay = 0, orthogonalizer = NewtonSchulz. Validation: lr > 0, 0 ≤ momentum ≤ 1,
//! weight_decay ≥ 0, 1 ≤ ns_steps ≤ 20. Muon needs a problem with weight matrices (Mlp,
//! DeepLinear, MatrixFactorization): a scenario that runs it on a 2D landscape is refused.
//! Stability threshold: none. The step's spectral norm is about lr whatever the curvature, so
//! no sharpness makes it blow up; like a sign method it ends oscillating at the scale of lr
//! instead of converging, unless lr decays.
//!
//! References: K. Jordan, Y. Jin, V. Boza, J. You, F. Cesista, L. Newhouse & J. Bernstein, "Muon:
//! an optimizer for hidden layers in neural networks", 2024,
//! kellerjordan.github.io/posts/muon, and its code, github.com/KellerJordan/Muon (`muon.py`);
//! J. Bernstein & L. Newhouse, "Old optimizer, new norm: an anthology", 2024 (steepest descent
//! under the spectral norm); N. J. Higham, *Functions of Matrices* (2008), ch. 8 (the polar
//! decomposition and Newton–Schulz iterations).

use nalgebra::{DMatrix, DVector};
use serde::{Deserialize, Serialize};

use super::torch_ops::lerp;
use super::{ArrowKind, HyperChoice, Optimizer, OptimizerSpec, Quantity, StepInfo, ensure_len};
use crate::hyper::hyper_table;
use crate::network::ParameterBlock;
use crate::objective::Oracle;

/// The quintic Newton–Schulz coefficients (a, b, c) of the reference.
pub const NEWTON_SCHULZ_COEFFICIENTS: (f64, f64, f64) = (3.4445, -4.7750, 2.0315);
/// Added to ‖X‖_F before dividing by it (the reference's 1e-7), so a zero update stays zero.
const NORM_EPSILON: f64 = 1e-7;
/// Most Newton–Schulz steps.
const MAX_NS_STEPS: u64 = 20;
/// Sweeps the SVD of `ExactPolar` may take before it gives up (the run then diverges visibly).
const MAX_SVD_ITERATIONS: usize = 1000;

/// The orthogonalizer names, as the picker lists them.
const ORTHOGONALIZER_CHOICES: &[&str] = &["NewtonSchulz", "ExactPolar"];

/// How Muon turns a matrix update into an (almost) orthogonal one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Orthogonalizer {
    /// `ns_steps` quintic Newton–Schulz steps: singular values near 1, not at 1 (the reference).
    #[default]
    NewtonSchulz,
    /// The exact polar factor U·Vᵀ by an SVD (teaching; allocates).
    ExactPolar,
}

impl HyperChoice for Orthogonalizer {
    fn choice_name(&self) -> &'static str {
        match self {
            Self::NewtonSchulz => "NewtonSchulz",
            Self::ExactPolar => "ExactPolar",
        }
    }

    fn with_choice(&self, name: &str) -> Option<Self> {
        match name {
            "NewtonSchulz" => Some(Self::NewtonSchulz),
            "ExactPolar" => Some(Self::ExactPolar),
            _ => None,
        }
    }
}

/// Hyperparameters of Muon, with the reference's names and defaults.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MuonConfig {
    /// Step size: the spectral norm of each matrix's update (times the shape factor).
    pub lr: f64,
    /// Momentum μ of the averaged gradient.
    pub momentum: f64,
    /// Nesterov's form: orthogonalize (1 − μ)·g + μ·B instead of B.
    pub nesterov: bool,
    /// Newton–Schulz steps.
    pub ns_steps: u64,
    /// Decoupled weight decay: W ← W·(1 − lr·weight_decay) before the step.
    pub weight_decay: f64,
    /// Newton–Schulz (the reference) or the exact polar factor (teaching).
    pub orthogonalizer: Orthogonalizer,
}

hyper_table! {
    MuonConfig, owner: Self::DISPLAY_NAME, defaults { orthogonalizer: Orthogonalizer::NewtonSchulz };
    lr = 0.02: log_float(1e-4, 1.0) where positive,
        "W ← W − lr·max(1, rows/cols)^½·O, O the orthogonalized update";
    momentum = 0.95: float(0.0, 0.999) where in_range(0.0, 1.0),
        "B ← momentum·B + (1 − momentum)·g";
    nesterov = true: boolean, "orthogonalize (1 − μ)·g + μ·B instead of B";
    ns_steps = 5: int(1, 10) where count_in_range(1, MAX_NS_STEPS),
        "Newton–Schulz steps X ← a·X + (b·A + c·A²)·X, A = X·Xᵀ";
    weight_decay = 0.0: log_float(0.0, 1.0) where non_negative,
        "decoupled: W ← W·(1 − lr·weight_decay)";
    orthogonalizer: choice(ORTHOGONALIZER_CHOICES),
        "NewtonSchulz: singular values near 1 (the reference); ExactPolar: U·Vᵀ by SVD";
}

impl OptimizerSpec for MuonConfig {
    const DISPLAY_NAME: &'static str = "Muon";
    const DESCRIPTION: &'static str = "Muon (Jordan et al. 2024): momentum whose update of each \
        weight matrix is orthogonalized by Newton–Schulz; biases take a plain momentum step";
    const NEEDS_PARAMETER_BLOCKS: bool = true;

    crate::optim::no_stability_threshold!(NotDerived);

    fn build(&self, dim: usize) -> Box<dyn Optimizer> {
        Box::new(Muon {
            config: self.clone(),
            grad: DVector::zeros(dim),
            buffer: DVector::zeros(dim),
            update: DVector::zeros(dim),
            blocks: Vec::new(),
            blocks_dim: None,
            steps: 0,
        })
    }
}

/// Muon's state: the momentum buffer, and scratch matrices for every weight matrix.
pub struct Muon {
    config: MuonConfig,
    /// gₜ.
    grad: DVector<f64>,
    /// Bₜ, the averaged gradient.
    buffer: DVector<f64>,
    /// The direction the step takes: Uₜ, with every block replaced by its orthogonalized and
    /// scaled O.
    update: DVector<f64>,
    blocks: Vec<BlockScratch>,
    /// The dimension the blocks were read for (`None`: not yet).
    blocks_dim: Option<usize>,
    steps: u64,
}

/// One weight matrix and the scratch its orthogonalization works in (allocated once).
struct BlockScratch {
    block: ParameterBlock,
    /// X is the block's transpose (rows > cols).
    transposed: bool,
    /// X's sides, m ≤ n.
    m: usize,
    n: usize,
    /// X, m × n column-major.
    x: Vec<f64>,
    /// The next X.
    next: Vec<f64>,
    /// A = X·Xᵀ, m × m.
    gram: Vec<f64>,
    /// A², then b·A + c·A², m × m.
    polynomial: Vec<f64>,
}

impl BlockScratch {
    fn new(block: ParameterBlock) -> Self {
        let transposed = block.rows > block.cols;
        let (m, n) = if transposed {
            (block.cols, block.rows)
        } else {
            (block.rows, block.cols)
        };
        Self {
            block,
            transposed,
            m,
            n,
            x: vec![0.0; m * n],
            next: vec![0.0; m * n],
            gram: vec![0.0; m * m],
            polynomial: vec![0.0; m * m],
        }
    }

    /// X_ij's (row, column) in the block.
    fn entry(&self, i: usize, j: usize) -> usize {
        if self.transposed {
            self.block.index(j, i)
        } else {
            self.block.index(i, j)
        }
    }

    /// Replaces the block's part of `update` by max(1, rows/cols)^½ times its orthogonalization.
    fn orthogonalize(&mut self, update: &mut DVector<f64>, config: &MuonConfig) {
        let (m, n) = (self.m, self.n);
        for j in 0..n {
            for i in 0..m {
                self.x[j * m + i] = update[self.entry(i, j)];
            }
        }
        let norm = self.x.iter().map(|v| v * v).sum::<f64>().sqrt();
        for v in &mut self.x {
            *v /= norm + NORM_EPSILON;
        }
        match config.orthogonalizer {
            Orthogonalizer::NewtonSchulz => {
                for _ in 0..config.ns_steps.clamp(1, MAX_NS_STEPS) {
                    self.newton_schulz_step();
                }
            }
            Orthogonalizer::ExactPolar => exact_polar(m, n, &mut self.x),
        }
        let scale = (self.block.rows as f64 / self.block.cols.max(1) as f64)
            .max(1.0)
            .sqrt();
        for j in 0..n {
            for i in 0..m {
                update[self.entry(i, j)] = scale * self.x[j * m + i];
            }
        }
    }

    /// X ← a·X + (b·A + c·A²)·X with A = X·Xᵀ.
    fn newton_schulz_step(&mut self) {
        let (a, b, c) = NEWTON_SCHULZ_COEFFICIENTS;
        let (m, n) = (self.m, self.n);
        // A = X·Xᵀ: Σ over the columns of X of x·xᵀ.
        self.gram.fill(0.0);
        for column in self.x.chunks_exact(m) {
            for (q, &x_q) in column.iter().enumerate() {
                for (p, &x_p) in column.iter().enumerate() {
                    self.gram[q * m + p] += x_p * x_q;
                }
            }
        }
        // b·A + c·A².
        for q in 0..m {
            for p in 0..m {
                let square: f64 = (0..m)
                    .map(|k| self.gram[k * m + p] * self.gram[q * m + k])
                    .sum();
                self.polynomial[q * m + p] = b * self.gram[q * m + p] + c * square;
            }
        }
        // a·X + (b·A + c·A²)·X, column by column.
        for j in 0..n {
            let column = &self.x[j * m..(j + 1) * m];
            for p in 0..m {
                let product: f64 = (0..m).map(|k| self.polynomial[k * m + p] * column[k]).sum();
                self.next[j * m + p] = a * column[p] + product;
            }
        }
        std::mem::swap(&mut self.x, &mut self.next);
    }
}

/// X (m × n column-major) ← its polar factor Σ uᵢvᵢᵀ over the singular values above the rank
/// cutoff max(m, n)·ε·σmax; all NaN when X is not finite or the SVD does not converge.
fn exact_polar(m: usize, n: usize, x: &mut [f64]) {
    let matrix = DMatrix::from_column_slice(m, n, x);
    let svd = x
        .iter()
        .all(|v| v.is_finite())
        .then(|| matrix.try_svd(true, true, f64::EPSILON, MAX_SVD_ITERATIONS))
        .flatten();
    let Some((Some(u), Some(v_t), values)) = svd.map(|svd| (svd.u, svd.v_t, svd.singular_values))
    else {
        x.fill(f64::NAN);
        return;
    };
    let largest = values.iter().copied().fold(0.0, f64::max);
    let cutoff = m.max(n) as f64 * f64::EPSILON * largest;
    x.fill(0.0);
    for (k, &sigma) in values.iter().enumerate() {
        if sigma > cutoff {
            for j in 0..n {
                for i in 0..m {
                    x[j * m + i] += u[(i, k)] * v_t[(k, j)];
                }
            }
        }
    }
}

impl Muon {
    /// Reads the problem's weight matrices and allocates their scratch, once per dimension.
    fn ensure_blocks(&mut self, oracle: &Oracle, dim: usize) {
        if self.blocks_dim == Some(dim) {
            return;
        }
        let fits = ParameterBlock::fit(oracle.parameter_blocks(), dim);
        self.blocks = (oracle.parameter_blocks().iter())
            .filter(|_| fits)
            .map(|&block| BlockScratch::new(block))
            .collect();
        self.blocks_dim = Some(dim);
    }
}

impl Optimizer for Muon {
    fn step(&mut self, x: &mut DVector<f64>, oracle: &mut Oracle) -> StepInfo {
        let dim = x.len();
        self.ensure_blocks(oracle, dim);
        for buffer in [&mut self.grad, &mut self.buffer, &mut self.update] {
            ensure_len(buffer, dim);
        }
        let MuonConfig {
            lr,
            momentum,
            nesterov,
            weight_decay,
            ..
        } = self.config;
        let loss = oracle.value_and_grad(x, &mut self.grad);
        // momentum.lerp_(grad, 1 − μ); update = grad.lerp_(momentum, μ) or momentum.
        for ((b, u), &g) in (self.buffer.iter_mut())
            .zip(self.update.iter_mut())
            .zip(self.grad.iter())
        {
            *b = lerp(*b, g, 1.0 - momentum);
            *u = if nesterov { lerp(g, *b, momentum) } else { *b };
        }
        for block in &mut self.blocks {
            block.orthogonalize(&mut self.update, &self.config);
        }
        // p.mul_(1 − lr·weight_decay); p.add_(update, alpha=−lr).
        let decay = 1.0 - lr * weight_decay;
        for (p, &u) in x.iter_mut().zip(self.update.iter()) {
            *p = (-lr).mul_add(u, *p * decay);
        }
        self.steps += 1;
        StepInfo::proceed(loss)
    }

    crate::optim::config_edits!();

    /// Forgets the momentum and the blocks, which the next step reads again from its oracle.
    fn reset(&mut self) {
        self.buffer.fill(0.0);
        self.blocks_dim = None;
        self.steps = 0;
    }

    fn explain(&self) -> Vec<Quantity> {
        let lr = self.config.lr;
        crate::optim::explain_once_stepped(self.steps > 0, || {
            vec![
                Quantity::vector("gₜ", "∇f(xₜ₋₁)", self.grad.as_slice()),
                Quantity::gradient_arrow(lr, &self.grad),
                Quantity::vector(
                    "Bₜ",
                    "momentum·Bₜ₋₁ + (1 − momentum)·gₜ",
                    self.buffer.as_slice(),
                ),
                Quantity::vector(
                    "Oₜ",
                    "each matrix's Uₜ orthogonalized and scaled by max(1, rows/cols)^½; Uₜ elsewhere",
                    self.update.as_slice(),
                ),
                Quantity::arrow(
                    ArrowKind::Preconditioned,
                    "−lr·Oₜ",
                    "the step (before weight decay)",
                    self.update.iter().map(|o| -lr * o),
                ),
                Quantity::scalar("lr", "step size", lr),
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::network::MatrixLayout;
    use crate::objective::{GradientModel, Objective};

    /// f(θ) = ½‖θ − m‖², ∇f = θ − m, with the given weight matrices: from θ = 0 the first gradient
    /// is −m.
    struct BlockQuadratic {
        target: DVector<f64>,
        blocks: Vec<ParameterBlock>,
    }

    impl Objective for BlockQuadratic {
        fn dim(&self) -> usize {
            self.target.len()
        }
        fn value(&self, x: &DVector<f64>) -> f64 {
            0.5 * (x - &self.target).norm_squared()
        }
        fn value_and_grad(&self, x: &DVector<f64>, grad: &mut DVector<f64>) -> f64 {
            grad.copy_from(&(x - &self.target));
            self.value(x)
        }
        fn parameter_blocks(&self) -> &[ParameterBlock] {
            &self.blocks
        }
    }

    /// One step of `config` from θ = 0 where the gradient is `gradient`: the step taken.
    fn first_step(config: &MuonConfig, gradient: &[f64], blocks: Vec<ParameterBlock>) -> Vec<f64> {
        let target = -DVector::from_column_slice(gradient);
        let objective = BlockQuadratic { target, blocks };
        let mut oracle = Oracle::new(Arc::new(objective), GradientModel::default(), 0);
        let mut x = DVector::zeros(gradient.len());
        config.build(gradient.len()).step(&mut x, &mut oracle);
        x.as_slice().to_vec()
    }

    /// The quintic Newton–Schulz map of one singular value, 5 times, written out.
    fn five_quintic_steps(mut s: f64) -> f64 {
        for _ in 0..5 {
            s = 3.4445 * s - 4.7750 * s * s * s + 2.0315 * s * s * s * s * s;
        }
        s
    }

    #[test]
    fn one_step_on_a_two_by_two_matrix_is_the_quintic_newton_schulz_by_hand() {
        // G = [[2, 1], [1, 2]] = Q·diag(3, 1)·Qᵀ with Q = [[1, 1], [1, −1]]/√2. First step from
        // B₀ = 0: B₁ = (1 − μ)·G, U₁ = (1 − μ)·G + μ·B₁ = (1 − μ²)·G, ‖U₁‖_F = (1 − μ²)·√10.
        // Newton–Schulz keeps Q and maps each singular value σ/(‖U₁‖_F + 1e-7) by p five times.
        let mu: f64 = 0.95;
        let shrink = 1.0 - mu * mu;
        let norm = shrink * 10f64.sqrt() + 1e-7;
        let s1 = five_quintic_steps(shrink * 3.0 / norm);
        let s2 = five_quintic_steps(shrink * 1.0 / norm);
        // The same numbers from an independent evaluation (Python floats).
        assert!((s1 - 0.7530334249388266).abs() < 1e-12 && (s2 - 1.1337061710341316).abs() < 1e-12);
        // O = Q·diag(s1, s2)·Qᵀ = [[s1 + s2, s1 − s2], [s1 − s2, s1 + s2]]/2; W₁ = −lr·O (square:
        // scale 1).
        let lr = 0.1;
        let expected = [
            (s1 + s2) / 2.0,
            (s1 - s2) / 2.0,
            (s1 - s2) / 2.0,
            (s1 + s2) / 2.0,
        ]
        .map(|o| -lr * o);
        let config = MuonConfig {
            lr,
            ..MuonConfig::default()
        };
        for layout in [MatrixLayout::ColumnMajor, MatrixLayout::RowMajor] {
            let block = ParameterBlock::new(0, 2, 2, layout);
            let step = first_step(&config, &[2.0, 1.0, 1.0, 2.0], vec![block]);
            for (got, want) in step.iter().zip(expected) {
                assert!(
                    (got - want).abs() < 1e-13,
                    "{layout:?}: {step:?} vs {expected:?}"
                );
            }
        }
    }

    #[test]
    fn a_tall_matrix_is_orthogonalized_through_its_transpose_and_scaled_and_a_bias_steps_plainly() {
        // G = [[3, 0], [0, 1], [0, 0]] (3 × 2, row-major) then one bias with gradient 0.5:
        // singular values 3 and 1 again, so O = [[s1, 0], [0, s2], [0, 0]], scaled by √(3/2).
        let mu: f64 = 0.95;
        let shrink = 1.0 - mu * mu;
        let norm = shrink * 10f64.sqrt() + 1e-7;
        let (s1, s2) = (
            five_quintic_steps(shrink * 3.0 / norm),
            five_quintic_steps(shrink / norm),
        );
        let lr = 0.1;
        let scale = 1.5f64.sqrt();
        let block = ParameterBlock::new(0, 3, 2, MatrixLayout::RowMajor);
        let config = MuonConfig {
            lr,
            ..MuonConfig::default()
        };
        let step = first_step(&config, &[3.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.5], vec![block]);
        let expected = [
            -lr * scale * s1,
            0.0,
            0.0,
            -lr * scale * s2,
            0.0,
            0.0,
            -lr * shrink * 0.5,
        ];
        for (got, want) in step.iter().zip(expected) {
            assert!((got - want).abs() < 1e-13, "{step:?} vs {expected:?}");
        }
    }

    /// A 5 × 3 gradient with well-spread singular values (a fixed, full-rank matrix).
    const TALL: [f64; 15] = [
        0.9, -1.3, 0.2, 0.4, 2.1, -0.7, 1.1, 0.3, -0.5, 0.8, -0.2, 1.6, 0.05, -0.9, 0.6,
    ];

    /// The update matrix O of one step (W₁ = −lr·scale·O), 5 × 3 column-major.
    fn tall_update(orthogonalizer: Orthogonalizer) -> DMatrix<f64> {
        let lr = 0.01;
        let config = MuonConfig {
            lr,
            orthogonalizer,
            ..MuonConfig::default()
        };
        let block = ParameterBlock::new(0, 5, 3, MatrixLayout::ColumnMajor);
        let step = first_step(&config, &TALL, vec![block]);
        DMatrix::from_column_slice(5, 3, &step) / (-lr * (5.0f64 / 3.0).sqrt())
    }

    #[test]
    fn the_exact_polar_factor_is_orthogonal() {
        let polar = tall_update(Orthogonalizer::ExactPolar);
        let gram = polar.transpose() * &polar;
        assert!((gram - DMatrix::identity(3, 3)).amax() < 1e-12, "{polar}");
        // And it is the polar factor of G itself: Oᵀ·G is symmetric positive definite.
        let g = DMatrix::from_column_slice(5, 3, &TALL);
        let p = polar.transpose() * g;
        assert!((&p - p.transpose()).amax() < 1e-12);
        assert!(p.symmetric_eigenvalues().iter().all(|&l| l > 0.0));
    }

    #[test]
    fn newton_schulz_singular_values_land_near_one_not_at_one() {
        let g = DMatrix::from_column_slice(5, 3, &TALL);
        let spread = g.singular_values();
        let smallest = spread.iter().copied().fold(f64::INFINITY, f64::min);
        assert!(
            smallest / g.norm() > 0.002,
            "the doc's range needs σ ≥ ‖G‖_F/500"
        );
        let values = tall_update(Orthogonalizer::NewtonSchulz).singular_values();
        assert!(values.iter().all(|&s| (0.6..=1.3).contains(&s)), "{values}");
        assert!(values.iter().any(|&s| (s - 1.0).abs() > 0.01), "{values}");
        // It approximates the polar factor: same singular vectors, so Oᵀ·Polar is symmetric.
        let both = tall_update(Orthogonalizer::NewtonSchulz).transpose()
            * tall_update(Orthogonalizer::ExactPolar);
        assert!((&both - both.transpose()).amax() < 1e-9, "{both}");
    }

    #[test]
    fn a_zero_gradient_moves_nothing_and_a_landscape_takes_momentum_steps() {
        let block = ParameterBlock::new(0, 2, 2, MatrixLayout::RowMajor);
        for orthogonalizer in [Orthogonalizer::NewtonSchulz, Orthogonalizer::ExactPolar] {
            let config = MuonConfig {
                orthogonalizer,
                ..MuonConfig::default()
            };
            assert_eq!(first_step(&config, &[0.0; 4], vec![block]), [0.0; 4]);
        }
        // No blocks (a 2D landscape): x ← x − lr·((1 − μ)·g + μ·B), converging on a quadratic.
        let mut muon = MuonConfig {
            lr: 0.5,
            momentum: 0.5,
            ..MuonConfig::default()
        }
        .build(2);
        let mut oracle = crate::optim::test_support::quadratic();
        let mut x = DVector::from_vec(vec![1.0, -1.0]);
        muon.step(&mut x, &mut oracle);
        // g = (1, −4), B = (0.5, −2), U = (0.75, −3).
        assert!((x[0] - (1.0 - 0.5 * 0.75)).abs() < 1e-15 && (x[1] - 0.5).abs() < 1e-15);
        for _ in 0..300 {
            muon.step(&mut x, &mut oracle);
        }
        assert!(x.norm() < 1e-10, "{x}");
    }

    #[test]
    fn muon_fits_a_matrix_to_within_its_step() {
        // Constant lr: the loss falls until the orthogonal steps of size ≈ lr overshoot.
        let block = ParameterBlock::new(0, 5, 3, MatrixLayout::ColumnMajor);
        let target = DVector::from_column_slice(&TALL);
        let objective = Arc::new(BlockQuadratic {
            target,
            blocks: vec![block],
        });
        let mut oracle = Oracle::new(objective.clone(), GradientModel::default(), 0);
        let mut muon = MuonConfig {
            lr: 0.01,
            ..MuonConfig::default()
        }
        .build(15);
        let mut x = DVector::zeros(15);
        let start = objective.value(&x);
        for _ in 0..600 {
            muon.step(&mut x, &mut oracle);
        }
        assert!(
            objective.value(&x) < 1e-3 * start,
            "{} from {start}",
            objective.value(&x)
        );
    }
}
