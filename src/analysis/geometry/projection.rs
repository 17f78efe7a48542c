//! A 2D view of a high-dimensional training trajectory: the plane of its top two principal
//! directions through the final point, and the loss surface over that plane.
//!
//! **Method** (Li et al. 2018, §6). Take the snapshots θ₀, …, θₙ of a run, the final point θₙ as
//! origin and the offsets oₜ = θₜ − θₙ (t < n) as the rows of a T × d matrix X. The directions are
//! the top two right singular vectors of X, i.e. the top two eigenvectors of XᵀX, and a snapshot is
//! drawn at (d₁·(θ − θₙ), d₂·(θ − θₙ)). With d (parameters) ≫ T (snapshots) [`pca_plane`] never forms
//! the d × d matrix: it diagonalizes the T × T Gram matrix G = XXᵀ, G uᵢ = λᵢ uᵢ, and maps back,
//! dᵢ = Xᵀuᵢ / ‖Xᵀuᵢ‖ (‖Xᵀuᵢ‖² = λᵢ), re-orthonormalized by Gram–Schmidt against rounding. Cost
//! O(T²·d) for G (a matrix product, accumulated over blocks of coordinates so the memory stays
//! O(T² + d) whatever d is) plus O(T³) for the eigen-decomposition. Longer runs are thinned to at
//! most `max_snapshots` evenly strided snapshots, always keeping the first and the last.
//!
//! The offsets are not centred: the plane is the least-squares best plane *through the final
//! point* (which is where the view is centred), and `explained[i]` = λᵢ / Σⱼ λⱼ is the fraction of
//! Σₜ ‖θₜ − θₙ‖² that lies along dᵢ. Li et al.'s code fits scikit-learn's PCA, which centres the
//! offsets first; both give the same plane when the path lies in one, and centring could tilt
//! the plane away from the final point when it does not. The directions are orthonormal, so
//! distances and angles within the plane are true Euclidean ones in parameter space, and the view
//! should be drawn with equal scales on both axes ([`window_around`] gives a square window).
//!
//! **Degenerate paths.** Fewer than 3 snapshots, snapshots of different lengths or with non-finite
//! entries, fewer than 2 parameters, or a run that never moved give no plane (`None`). A straight
//! path (λ₂ ≤ 10⁻¹² λ₁: the offsets span one dimension) still gives one, since its line is worth
//! showing: d₁ along the path and d₂ an arbitrary unit vector orthogonal to it (the coordinate axis
//! least aligned with d₁, orthogonalized), with `explained[1]` = 0 exactly, which a view can use to
//! label that axis as arbitrary.
//!
//! **Loss surface.** [`loss_grid`] evaluates f(θₙ + x·d₁ + y·d₂) on a regular grid of the plane.
//!
//! **Caveat.** The plane is fitted to the path, so the path looks as if it lay in it (its residual
//! off the plane is not drawn), while the surface is one 2D slice of a high-dimensional landscape:
//! the surface need not explain the path's turns (they may be driven by curvature in directions
//! the slice does not contain), the path's loss at θₜ is not the surface's at its projection (the
//! path can seem to climb or cross walls), and directions the path barely used are invisible,
//! however sharp or flat the landscape is along them.
//!
//! Reference: H. Li, Z. Xu, G. Taylor, C. Studer & T. Goldstein, "Visualizing the Loss Landscape of
//! Neural Nets", NeurIPS 2018, §6 (trajectories on PCA directions).

use std::sync::atomic::{AtomicBool, Ordering};

use nalgebra::{DMatrix, DVector, SymmetricEigen};

use crate::objective::Objective;

/// A sensible `max_snapshots` for [`pca_plane`]: the Gram matrix costs T²·d, so 200 snapshots of a
/// network with 10⁴ parameters take about 4·10⁸ multiply-adds.
pub const DEFAULT_MAX_SNAPSHOTS: usize = 200;

/// Largest grid side [`loss_grid`] evaluates; larger requests are clamped to it.
pub const MAX_RESOLUTION: usize = 1024;

/// Below this ratio λ₂/λ₁ the offsets are taken to span one dimension: the Gram matrix's rounding
/// error is about ε·λ₁ ≈ 10⁻¹⁶ λ₁, so a smaller λ₂ is noise, not a second direction of the path.
const RANK_TOLERANCE: f64 = 1e-12;

/// Coordinates per block when accumulating the Gram matrix, so its buffer stays a few MB.
const GRAM_BLOCK: usize = 2048;

/// A plane through `origin` spanned by two orthonormal directions in parameter space.
#[derive(Clone, Debug, PartialEq)]
pub struct Plane {
    /// The point drawn at (0, 0): the run's final snapshot.
    pub origin: DVector<f64>,
    /// Orthonormal directions of the x and y axes, the first the path's main direction.
    pub directions: [DVector<f64>; 2],
    /// Fraction of the offsets' sum of squares Σₜ ‖θₜ − θₙ‖² along each direction (decreasing; their
    /// sum is how much of the path the plane holds). `explained[1]` = 0 marks an arbitrary second
    /// direction (a straight path).
    pub explained: [f64; 2],
}

impl Plane {
    /// Number of parameters.
    pub fn dim(&self) -> usize {
        self.origin.len()
    }
}

/// The plane of a trajectory's top two principal directions through its last snapshot (see the
/// module doc), from at most `max_snapshots` (at least 3) evenly strided snapshots. `None` with
/// fewer than 3 snapshots, unequal lengths, non-finite entries, fewer than 2 parameters, or no
/// movement at all.
pub fn pca_plane(snapshots: &[&[f64]], max_snapshots: usize) -> Option<Plane> {
    let (&last, _) = snapshots.split_last()?;
    let dim = last.len();
    if snapshots.len() < 3
        || dim < 2
        || snapshots
            .iter()
            .any(|s| s.len() != dim || s.iter().any(|v| !v.is_finite()))
    {
        return None;
    }
    let indices = strided_indices(snapshots.len(), max_snapshots.max(3));
    // Every kept snapshot but the last: its offset is zero and adds nothing.
    let rows: Vec<&[f64]> = indices[..indices.len() - 1]
        .iter()
        .map(|&i| snapshots[i])
        .collect();

    let gram = offset_gram(&rows, last);
    let total: f64 = gram.diagonal().sum();
    if total <= 0.0 || !total.is_finite() {
        return None;
    }
    let eigen = SymmetricEigen::new(gram);
    let (first, second) = top_two(&eigen.eigenvalues)?;
    let lambda1 = eigen.eigenvalues[first];
    let lambda2 = eigen.eigenvalues[second].max(0.0);

    let mut direction1 = combine_offsets(&rows, last, eigen.eigenvectors.column(first).as_slice());
    let norm1 = direction1.norm();
    if norm1 == 0.0 || !norm1.is_finite() {
        return None;
    }
    direction1 /= norm1;

    let spans_two = lambda2 > RANK_TOLERANCE * lambda1;
    let direction2 = if spans_two {
        let combined = combine_offsets(&rows, last, eigen.eigenvectors.column(second).as_slice());
        orthonormal_to(&direction1, combined)
    } else {
        None
    };
    let (direction2, explained2) = match direction2 {
        Some(direction) => (direction, (lambda2 / total).min(1.0)),
        None => (any_orthonormal_to(&direction1)?, 0.0),
    };
    // λ₁ may exceed the trace by a rounding error on a straight path.
    let explained1 = (lambda1 / total).min(1.0);
    Some(Plane {
        origin: DVector::from_column_slice(last),
        directions: [direction1, direction2],
        explained: [explained1, explained2],
    })
}

/// `count` (≥ 2) indices evenly strided over 0..n, first 0 and last n − 1; all of 0..n when
/// n ≤ count.
fn strided_indices(n: usize, count: usize) -> Vec<usize> {
    if n <= count {
        return (0..n).collect();
    }
    // Rounded k·(n − 1)/(count − 1): strictly increasing since the stride is ≥ 1.
    let intervals = count - 1;
    (0..count)
        .map(|k| (k * (n - 1) + intervals / 2) / intervals)
        .collect()
}

/// G = XXᵀ with X's rows the offsets rₜ − origin, accumulated block by block of coordinates as
/// matrix products (no d × T copy of the whole offset matrix).
fn offset_gram(rows: &[&[f64]], origin: &[f64]) -> DMatrix<f64> {
    let count = rows.len();
    let dim = origin.len();
    let mut gram = DMatrix::zeros(count, count);
    let mut block = DMatrix::zeros(GRAM_BLOCK.min(dim), count);
    let mut transposed = DMatrix::zeros(count, block.nrows());
    let mut start = 0;
    while start < dim {
        let len = GRAM_BLOCK.min(dim - start);
        if block.nrows() != len {
            block = DMatrix::zeros(len, count);
            transposed = DMatrix::zeros(count, len);
        }
        for (t, row) in rows.iter().enumerate() {
            let column = block.column_mut(t);
            for ((entry, value), base) in column
                .into_iter()
                .zip(&row[start..start + len])
                .zip(&origin[start..start + len])
            {
                *entry = value - base;
            }
        }
        // An explicit transpose so that the product goes to nalgebra's blocked matrixmultiply
        // kernel; its copy costs T·len against the product's T²·len.
        block.transpose_to(&mut transposed);
        gram.gemm(1.0, &transposed, &block, 1.0);
        start += len;
    }
    gram
}

/// Indices of the largest and second-largest eigenvalues.
fn top_two(eigenvalues: &DVector<f64>) -> Option<(usize, usize)> {
    let mut order: Vec<usize> = (0..eigenvalues.len()).collect();
    order.sort_by(|&a, &b| eigenvalues[b].total_cmp(&eigenvalues[a]));
    Some((*order.first()?, *order.get(1)?))
}

/// Xᵀu = Σₜ uₜ (rₜ − origin).
fn combine_offsets(rows: &[&[f64]], origin: &[f64], weights: &[f64]) -> DVector<f64> {
    let mut combined = DVector::zeros(origin.len());
    for (row, &weight) in rows.iter().zip(weights) {
        for ((out, value), base) in combined.iter_mut().zip(row.iter()).zip(origin) {
            *out += weight * (value - base);
        }
    }
    combined
}

/// `vector` minus its component along the unit vector `unit`, normalized; `None` when nothing
/// measurable is left (it was parallel to `unit`).
fn orthonormal_to(unit: &DVector<f64>, mut vector: DVector<f64>) -> Option<DVector<f64>> {
    let norm_before = vector.norm();
    // Twice: one pass leaves a component of order ε·‖vector‖ when vector is nearly parallel.
    for _ in 0..2 {
        let along = unit.dot(&vector);
        vector.axpy(-along, unit, 1.0);
    }
    let norm = vector.norm();
    if norm <= 1e-8 * norm_before || !norm.is_finite() {
        return None;
    }
    Some(vector / norm)
}

/// A unit vector orthogonal to `unit`: the coordinate axis least aligned with it, orthogonalized,
/// so the choice is deterministic and always well conditioned (that axis makes an angle of at least
/// acos(1/√2) with `unit` once d ≥ 2).
fn any_orthonormal_to(unit: &DVector<f64>) -> Option<DVector<f64>> {
    let axis = unit.iamin();
    let mut vector = DVector::zeros(unit.len());
    vector[axis] = 1.0;
    orthonormal_to(unit, vector)
}

/// Coordinates of `point` in the plane: (d₁·(point − origin), d₂·(point − origin)), its orthogonal
/// projection. A point whose length is not the plane's gives [NaN, NaN].
pub fn project(plane: &Plane, point: &[f64]) -> [f64; 2] {
    if point.len() != plane.dim() {
        return [f64::NAN; 2];
    }
    let mut coords = [0.0; 2];
    for (k, (value, base)) in point.iter().zip(plane.origin.iter()).enumerate() {
        let offset = value - base;
        coords[0] += plane.directions[0][k] * offset;
        coords[1] += plane.directions[1][k] * offset;
    }
    coords
}

/// Writes the parameters at `coords` in the plane, origin + x·d₁ + y·d₂, into `out` (resized to the
/// plane's dimension if needed, so a reused buffer allocates once).
pub fn lift(plane: &Plane, coords: [f64; 2], out: &mut DVector<f64>) {
    if out.len() != plane.dim() {
        *out = DVector::zeros(plane.dim());
    }
    out.copy_from(&plane.origin);
    out.axpy(coords[0], &plane.directions[0], 1.0);
    out.axpy(coords[1], &plane.directions[1], 1.0);
}

/// The loss sampled on a regular grid of a plane.
#[derive(Clone, Debug, PartialEq)]
pub struct LossGrid {
    /// (min, max) of the x coordinates: the first and last columns lie on them.
    pub x_range: (f64, f64),
    /// (min, max) of the y coordinates: the first and last rows lie on them.
    pub y_range: (f64, f64),
    /// Grid points per side.
    pub resolution: usize,
    /// Row-major, `resolution` rows of `resolution` values, row 0 at y_min and column 0 at x_min.
    /// Non-finite values (overflow far out) are kept as they are.
    pub values: Vec<f64>,
}

impl LossGrid {
    /// Plane coordinates of the grid point in `column` and `row`:
    /// x = x_min + column·(x_max − x_min)/(resolution − 1), likewise y.
    pub fn point(&self, column: usize, row: usize) -> [f64; 2] {
        [
            grid_coordinate(self.x_range, column, self.resolution),
            grid_coordinate(self.y_range, row, self.resolution),
        ]
    }
}

fn grid_coordinate((low, high): (f64, f64), index: usize, resolution: usize) -> f64 {
    let steps = resolution.saturating_sub(1).max(1) as f64;
    low + (high - low) * index as f64 / steps
}

/// Evaluates `objective.value` at every point of a `resolution × resolution` grid (clamped to
/// [2, [`MAX_RESOLUTION`]]) over the plane's window `x_range × y_range`, ends included, reusing one
/// parameter buffer. `None` when `cancel` is set before the last evaluation, when the objective's
/// dimension is not the plane's, or when a range is not finite.
pub fn loss_grid(
    objective: &dyn Objective,
    plane: &Plane,
    x_range: (f64, f64),
    y_range: (f64, f64),
    resolution: usize,
    cancel: &AtomicBool,
) -> Option<LossGrid> {
    let mut grid = LossGrid::empty(objective, plane, x_range, y_range, resolution)?;
    let mut parameters = DVector::zeros(plane.dim());
    while !grid.is_complete() {
        if !grid.push_row(objective, plane, &mut parameters, cancel) {
            return None;
        }
    }
    Some(grid)
}

impl LossGrid {
    /// A grid as [`loss_grid`] makes it, with no value yet (filled by [`push_row`](Self::push_row));
    /// `None` when the objective's dimension is not the plane's or a range is not finite.
    pub fn empty(
        objective: &dyn Objective,
        plane: &Plane,
        x_range: (f64, f64),
        y_range: (f64, f64),
        resolution: usize,
    ) -> Option<LossGrid> {
        let finite = [x_range.0, x_range.1, y_range.0, y_range.1]
            .iter()
            .all(|v| v.is_finite());
        if objective.dim() != plane.dim() || !finite {
            return None;
        }
        let resolution = resolution.clamp(2, MAX_RESOLUTION);
        Some(LossGrid {
            x_range,
            y_range,
            resolution,
            values: Vec::with_capacity(resolution * resolution),
        })
    }

    /// Whether every row has its values.
    pub fn is_complete(&self) -> bool {
        self.values.len() >= self.resolution * self.resolution
    }

    /// Evaluates the next row (nothing when complete), lifting each point into `parameters`;
    /// false when `cancel` was set before one of its evaluations (the row is then left partial).
    pub fn push_row(
        &mut self,
        objective: &dyn Objective,
        plane: &Plane,
        parameters: &mut DVector<f64>,
        cancel: &AtomicBool,
    ) -> bool {
        if self.is_complete() {
            return true;
        }
        let row = self.values.len() / self.resolution;
        for column in 0..self.resolution {
            // Checked per point: one network evaluation can take milliseconds.
            if cancel.load(Ordering::Relaxed) {
                return false;
            }
            lift(plane, self.point(column, row), parameters);
            self.values.push(objective.value(parameters));
        }
        true
    }
}

/// A square window ((x_min, x_max), (y_min, y_max)) centred on the bounding box of the finite
/// `points`, with side the box's larger extent times (1 + 2·`margin`): `margin` is a fraction of
/// that extent added on each side (negative or non-finite counts as 0). Square so that the view,
/// drawn with equal scales, keeps the plane's true angles and distances. A zero extent (one point)
/// gets half-side 1 around it; no finite point gives [−1, 1]².
pub fn window_around(points: &[[f64; 2]], margin: f64) -> ((f64, f64), (f64, f64)) {
    let mut low = [f64::INFINITY; 2];
    let mut high = [f64::NEG_INFINITY; 2];
    for point in points
        .iter()
        .filter(|p| p[0].is_finite() && p[1].is_finite())
    {
        for axis in 0..2 {
            low[axis] = low[axis].min(point[axis]);
            high[axis] = high[axis].max(point[axis]);
        }
    }
    if low[0] > high[0] {
        return ((-1.0, 1.0), (-1.0, 1.0));
    }
    let margin = if margin.is_finite() {
        margin.max(0.0)
    } else {
        0.0
    };
    let extent = (high[0] - low[0]).max(high[1] - low[1]);
    let half = if extent > 0.0 {
        0.5 * extent * (1.0 + 2.0 * margin)
    } else {
        1.0
    };
    let centre = [0.5 * (low[0] + high[0]), 0.5 * (low[1] + high[1])];
    (
        (centre[0] - half, centre[0] + half),
        (centre[1] - half, centre[1] + half),
    )
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::AtomicUsize;

    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use rand_distr::{Distribution, StandardNormal};

    use super::*;
    use crate::landscape::{Landscape, LandscapeObjective, Quadratic};

    fn gaussian_vector(rng: &mut ChaCha8Rng, dim: usize) -> DVector<f64> {
        DVector::from_fn(dim, |_, _| StandardNormal.sample(rng))
    }

    /// An orthonormal pair (a, b) spanning a random plane of R^dim.
    fn random_plane_basis(rng: &mut ChaCha8Rng, dim: usize) -> (DVector<f64>, DVector<f64>) {
        let a = gaussian_vector(rng, dim).normalize();
        let mut b = gaussian_vector(rng, dim);
        b.axpy(-a.dot(&b), &a, 1.0);
        (a, b.normalize())
    }

    /// A decaying spiral θₜ = θₙ + αₜ a + βₜ b (+ noise) ending exactly at θₙ.
    fn spiral_path(
        rng: &mut ChaCha8Rng,
        basis: &(DVector<f64>, DVector<f64>),
        final_point: &DVector<f64>,
        steps: usize,
        noise: f64,
    ) -> Vec<Vec<f64>> {
        (0..=steps)
            .map(|t| {
                let remaining = 1.0 - t as f64 / steps as f64;
                let angle = 6.0 * t as f64 / steps as f64;
                let mut point = final_point.clone();
                point.axpy(3.0 * remaining * angle.cos(), &basis.0, 1.0);
                point.axpy(1.5 * remaining * angle.sin(), &basis.1, 1.0);
                if t < steps {
                    let jitter = gaussian_vector(rng, final_point.len());
                    point.axpy(noise, &jitter, 1.0);
                }
                point.as_slice().to_vec()
            })
            .collect()
    }

    fn as_slices(path: &[Vec<f64>]) -> Vec<&[f64]> {
        path.iter().map(Vec::as_slice).collect()
    }

    fn assert_orthonormal(plane: &Plane) {
        let [d1, d2] = &plane.directions;
        assert!((d1.norm() - 1.0).abs() < 1e-12);
        assert!((d2.norm() - 1.0).abs() < 1e-12);
        assert!(d1.dot(d2).abs() < 1e-12);
    }

    #[test]
    fn recovers_the_plane_of_a_noisy_planar_path() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let dim = 50;
        let basis = random_plane_basis(&mut rng, dim);
        let final_point = gaussian_vector(&mut rng, dim);
        let path = spiral_path(&mut rng, &basis, &final_point, 120, 1e-6);
        let plane = pca_plane(&as_slices(&path), DEFAULT_MAX_SNAPSHOTS).expect("a plane");

        assert_eq!(plane.origin, final_point);
        assert_orthonormal(&plane);
        // Cosines of the principal angles between the planes: the singular values of the 2 × 2
        // matrix of inner products between the two orthonormal bases.
        let [d1, d2] = &plane.directions;
        let overlap = nalgebra::Matrix2::new(
            d1.dot(&basis.0),
            d1.dot(&basis.1),
            d2.dot(&basis.0),
            d2.dot(&basis.1),
        );
        for cosine in overlap.singular_values().iter() {
            assert!(*cosine > 1.0 - 1e-9, "principal angle cosine {cosine}");
        }
        let total = plane.explained[0] + plane.explained[1];
        assert!(
            total > 1.0 - 1e-9 && total <= 1.0 + 1e-12,
            "explained {total}"
        );
        assert!(plane.explained[0] >= plane.explained[1] && plane.explained[1] > 0.0);
        // The spiral reaches 3 along a and 1.5 along b: the first direction carries most.
        assert!(plane.explained[0] > 0.6);

        // Each snapshot lies in the plane (up to noise), so its coordinates keep its distance.
        for point in &path {
            let coords = project(&plane, point);
            let offset = (DVector::from_column_slice(point) - &final_point).norm();
            assert!((coords[0].hypot(coords[1]) - offset).abs() < 1e-4);
        }
    }

    #[test]
    fn a_plane_that_is_not_thinned_matches_one_that_is() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let basis = random_plane_basis(&mut rng, 3000);
        let final_point = gaussian_vector(&mut rng, 3000);
        // 3000 > GRAM_BLOCK: the Gram matrix is accumulated over two blocks.
        let path = spiral_path(&mut rng, &basis, &final_point, 400, 0.0);
        let plane = pca_plane(&as_slices(&path), 50).expect("a plane");
        assert_orthonormal(&plane);
        for direction in &plane.directions {
            let in_plane = direction.dot(&basis.0).hypot(direction.dot(&basis.1));
            assert!((in_plane - 1.0).abs() < 1e-10);
        }
    }

    #[test]
    fn project_then_lift_is_the_identity_in_the_plane() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let basis = random_plane_basis(&mut rng, 20);
        let final_point = gaussian_vector(&mut rng, 20);
        let path = spiral_path(&mut rng, &basis, &final_point, 30, 0.0);
        let plane = pca_plane(&as_slices(&path), 100).expect("a plane");

        let mut point = plane.origin.clone();
        point.axpy(0.3, &plane.directions[0], 1.0);
        point.axpy(-1.7, &plane.directions[1], 1.0);
        let coords = project(&plane, point.as_slice());
        assert!((coords[0] - 0.3).abs() < 1e-12 && (coords[1] + 1.7).abs() < 1e-12);

        let mut lifted = DVector::zeros(0); // wrong size on purpose: lift resizes it
        lift(&plane, coords, &mut lifted);
        assert!((lifted - &point).norm() < 1e-12);

        assert_eq!(project(&plane, &[1.0, 2.0]).map(f64::is_nan), [true, true]);
    }

    #[test]
    fn strided_subsets_keep_the_first_and_last_snapshots() {
        assert_eq!(strided_indices(10, 4), vec![0, 3, 6, 9]);
        assert_eq!(strided_indices(5, 8), vec![0, 1, 2, 3, 4]);
        for (n, count) in [(1000, 7), (11, 10), (200, 199), (4, 3)] {
            let indices = strided_indices(n, count);
            assert_eq!(indices.len(), count);
            assert_eq!((indices[0], indices[count - 1]), (0, n - 1));
            assert!(indices.windows(2).all(|w| w[0] < w[1]));
        }
    }

    #[test]
    fn thinning_to_three_uses_first_middle_and_last() {
        // Only snapshots 0, 3 and 6 are kept: the others, far off in a third direction, must not
        // show in the plane.
        let mut path = vec![vec![0.0; 3]; 7];
        path[0] = vec![2.0, 0.0, 0.0];
        path[3] = vec![0.0, 1.0, 0.0];
        for t in [1, 2, 4, 5] {
            path[t] = vec![0.0, 0.0, 50.0];
        }
        let plane = pca_plane(&as_slices(&path), 3).expect("a plane");
        assert_eq!(plane.origin.as_slice(), &[0.0, 0.0, 0.0]);
        for direction in &plane.directions {
            assert!(direction[2].abs() < 1e-12);
        }
        assert!((plane.explained[0] - 0.8).abs() < 1e-12);
        assert!((plane.explained[1] - 0.2).abs() < 1e-12);
    }

    #[test]
    fn a_straight_path_gets_an_arbitrary_orthonormal_second_direction() {
        let line = DVector::from_vec(vec![1.0, -2.0, 0.5, 3.0]).normalize();
        let path: Vec<Vec<f64>> = (0..10)
            .map(|t| (&line * (9 - t) as f64 * 0.7).as_slice().to_vec())
            .collect();
        let plane = pca_plane(&as_slices(&path), 100).expect("a plane");
        assert_orthonormal(&plane);
        assert!((plane.directions[0].dot(&line).abs() - 1.0).abs() < 1e-12);
        assert!((plane.explained[0] - 1.0).abs() < 1e-12);
        assert_eq!(plane.explained[1], 0.0);
    }

    #[test]
    fn degenerate_inputs_give_no_plane() {
        let a = [1.0, 2.0];
        let b = [0.0, 1.0];
        assert!(pca_plane(&[], 10).is_none());
        assert!(pca_plane(&[&a, &b], 10).is_none());
        assert!(pca_plane(&[&a, &a, &a, &a], 10).is_none(), "never moved");
        assert!(
            pca_plane(&[&a, &[1.0], &b], 10).is_none(),
            "unequal lengths"
        );
        assert!(pca_plane(&[&a, &[f64::NAN, 0.0], &b], 10).is_none());
        assert!(
            pca_plane(&[&[1.0], &[2.0], &[3.0]], 10).is_none(),
            "one parameter"
        );
    }

    fn quadratic_value(quadratic: &Quadratic, x: [f64; 2]) -> f64 {
        let a = quadratic.matrix();
        0.5 * (x[0] * (a[0][0] * x[0] + a[0][1] * x[1]) + x[1] * (a[1][0] * x[0] + a[1][1] * x[1]))
    }

    #[test]
    fn loss_grid_matches_the_quadratic_at_grid_points() {
        let quadratic = Quadratic {
            lambda1: 1.0,
            lambda2: 10.0,
            angle_deg: 30.0,
        };
        let landscape: Arc<dyn Landscape> = Arc::new(quadratic.clone());
        let objective = LandscapeObjective::new(landscape);
        // A rotated plane of R² through a shifted origin.
        let (s, c) = 0.4_f64.sin_cos();
        let plane = Plane {
            origin: DVector::from_vec(vec![0.5, -0.25]),
            directions: [
                DVector::from_vec(vec![c, s]),
                DVector::from_vec(vec![-s, c]),
            ],
            explained: [1.0, 0.0],
        };
        let cancel = AtomicBool::new(false);
        let grid = loss_grid(&objective, &plane, (-1.0, 2.0), (-0.5, 0.5), 7, &cancel)
            .expect("not cancelled");
        assert_eq!(grid.values.len(), 49);
        assert_eq!(grid.point(0, 0), [-1.0, -0.5]);
        assert_eq!(grid.point(6, 6), [2.0, 0.5]);
        for row in 0..7 {
            for column in 0..7 {
                let [x, y] = grid.point(column, row);
                let at = [0.5 + x * c - y * s, -0.25 + x * s + y * c];
                let expected = quadratic_value(&quadratic, at);
                let value = grid.values[row * 7 + column];
                assert!((value - expected).abs() < 1e-12, "({column}, {row})");
            }
        }
        let wrong_dimension = Plane {
            origin: DVector::zeros(3),
            directions: [DVector::zeros(3), DVector::zeros(3)],
            explained: [1.0, 0.0],
        };
        assert!(
            loss_grid(
                &objective,
                &wrong_dimension,
                (0.0, 1.0),
                (0.0, 1.0),
                4,
                &cancel
            )
            .is_none()
        );
    }

    /// f(x) = Σ xₖ², which raises `cancel` at its `stop_after`-th evaluation.
    struct CancellingBowl<'a> {
        evaluations: AtomicUsize,
        stop_after: usize,
        cancel: &'a AtomicBool,
    }

    impl Objective for CancellingBowl<'_> {
        fn dim(&self) -> usize {
            3
        }
        fn value(&self, x: &DVector<f64>) -> f64 {
            if self.evaluations.fetch_add(1, Ordering::Relaxed) + 1 >= self.stop_after {
                self.cancel.store(true, Ordering::Relaxed);
            }
            x.norm_squared()
        }
        fn value_and_grad(&self, x: &DVector<f64>, grad: &mut DVector<f64>) -> f64 {
            grad.copy_from(&(x * 2.0));
            self.value(x)
        }
    }

    #[test]
    fn cancellation_returns_none() {
        let plane = Plane {
            origin: DVector::from_vec(vec![1.0, 0.0, 0.0]),
            directions: [
                DVector::from_vec(vec![0.0, 1.0, 0.0]),
                DVector::from_vec(vec![0.0, 0.0, 1.0]),
            ],
            explained: [0.5, 0.5],
        };
        let cancel = AtomicBool::new(false);
        let bowl = CancellingBowl {
            evaluations: AtomicUsize::new(0),
            stop_after: 10,
            cancel: &cancel,
        };
        assert!(loss_grid(&bowl, &plane, (-1.0, 1.0), (-1.0, 1.0), 5, &cancel).is_none());
        assert_eq!(
            bowl.evaluations.load(Ordering::Relaxed),
            10,
            "stopped midway"
        );

        let never = AtomicBool::new(false);
        let bowl = CancellingBowl {
            evaluations: AtomicUsize::new(0),
            stop_after: usize::MAX,
            cancel: &never,
        };
        let grid = loss_grid(&bowl, &plane, (-1.0, 1.0), (-1.0, 1.0), 5, &never).expect("runs");
        // Origin (1, 0, 0): f = 1 + x² + y², 2 at the corner (−1, −1) → 3.
        assert_eq!(grid.values[0], 3.0);
        assert_eq!(grid.values[12], 1.0);
    }

    #[test]
    fn window_is_square_and_covers_the_path_with_margin() {
        let points = [[0.0, 0.0], [4.0, 1.0], [2.0, -1.0], [f64::NAN, 100.0]];
        let ((x0, x1), (y0, y1)) = window_around(&points, 0.1);
        assert!((x1 - x0 - 4.8).abs() < 1e-12 && (y1 - y0 - 4.8).abs() < 1e-12);
        assert!((x0 + 0.4).abs() < 1e-12 && (y0 + 2.4).abs() < 1e-12);
        assert_eq!(window_around(&[[2.0, 3.0]], 0.1), ((1.0, 3.0), (2.0, 4.0)));
        assert_eq!(window_around(&[], 0.1), ((-1.0, 1.0), (-1.0, 1.0)));
    }
}
