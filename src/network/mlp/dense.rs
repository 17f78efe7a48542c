//! The dense kernels of the passes: layer shapes in the flat parameter vector, gathering a
//! batch's inputs, and the three products of a layer (forward W·A, weight gradient G·Aᵀ, backward
//! Wᵀ·G) through matrixmultiply's gemm when every dimension is at least [`GEMM_MIN_DIM`], through
//! plain loops for the thin input and output layers.

use std::ops::Range;

use nalgebra::{DMatrixView, DMatrixViewMut, Dyn};

use super::Batch;
use crate::network::dataset::Dataset;

/// Products with every dimension at least this go through matrixmultiply (nalgebra's gemm), the
/// rest through the plain loops below (nalgebra's own small-size path is a gemv per column).
pub(super) const GEMM_MIN_DIM: usize = 6;

/// Where one layer's parameters lie in the flat vector.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct LayerShape {
    pub(super) fan_in: usize,
    pub(super) fan_out: usize,
    /// W_l, fan_out × fan_in row-major.
    pub(super) weight: Range<usize>,
    /// b_l.
    pub(super) bias: Range<usize>,
    /// Whether σ follows (every layer but the last).
    pub(super) hidden: bool,
}

/// Layer shapes and parameter ranges for `widths`.
pub(super) fn layer_shapes(widths: &[usize]) -> Vec<LayerShape> {
    let count = widths.len().saturating_sub(1);
    let mut offset = 0;
    widths
        .windows(2)
        .enumerate()
        .map(|(index, pair)| {
            let (fan_in, fan_out) = (pair[0], pair[1]);
            let weight = offset..offset + fan_in * fan_out;
            let bias = weight.end..weight.end + fan_out;
            offset = bias.end;
            LayerShape {
                fan_in,
                fan_out,
                weight,
                bias,
                hidden: index + 1 < count,
            }
        })
        .collect()
}

/// The inputs of batch positions start..start + m, column-major d × m: a slice of the data set
/// itself for a whole-set batch, else gathered into `gathered`.
pub(super) fn chunk_input<'a>(
    data: &'a Dataset,
    batch: Batch<'_>,
    start: usize,
    m: usize,
    gathered: &'a mut [f64],
) -> &'a [f64] {
    let d = data.input_dim;
    match batch {
        Batch::All(_) => &data.inputs[start * d..(start + m) * d],
        Batch::Indices(indices) => {
            for (column, &sample) in gathered.chunks_exact_mut(d).zip(&indices[start..start + m]) {
                column.copy_from_slice(data.input(sample));
            }
            &gathered[..m * d]
        }
    }
}

/// Every column of `matrix` (column-major, `column.len()` rows) set to `column`.
pub(super) fn broadcast_columns(matrix: &mut [f64], column: &[f64]) {
    for target in matrix.chunks_exact_mut(column.len()) {
        target.copy_from_slice(column);
    }
}

/// `sums` += the row sums of the first m columns of `matrix` (`sums.len()` rows).
pub(super) fn add_row_sums(sums: &mut [f64], matrix: &[f64], m: usize) {
    for column in matrix.chunks_exact(sums.len()).take(m) {
        for (sum, value) in sums.iter_mut().zip(column) {
            *sum += value;
        }
    }
}

type View<'a> = DMatrixView<'a, f64, Dyn, Dyn>;
type ViewMut<'a> = DMatrixViewMut<'a, f64, Dyn, Dyn>;

/// A rows × cols column-major view.
pub(super) fn column_major(data: &[f64], rows: usize, cols: usize) -> View<'_> {
    View::from_slice_with_strides(&data[..rows * cols], rows, cols, 1, rows)
}

/// A rows × cols row-major view.
pub(super) fn row_major(data: &[f64], rows: usize, cols: usize) -> View<'_> {
    View::from_slice_with_strides(&data[..rows * cols], rows, cols, cols, 1)
}

pub(super) fn uses_gemm(shape: &LayerShape, m: usize) -> bool {
    shape.fan_in >= GEMM_MIN_DIM && shape.fan_out >= GEMM_MIN_DIM && m >= GEMM_MIN_DIM
}

/// out (fan_out × m, column-major) += W·input, W fan_out × fan_in row-major, input fan_in × m.
pub(super) fn forward_product(
    out: &mut [f64],
    weight: &[f64],
    input: &[f64],
    shape: &LayerShape,
    m: usize,
) {
    let (fan_in, fan_out) = (shape.fan_in, shape.fan_out);
    if uses_gemm(shape, m) {
        let mut target =
            ViewMut::from_slice_with_strides_mut(&mut out[..fan_out * m], fan_out, m, 1, fan_out);
        target.gemm(
            1.0,
            &row_major(weight, fan_out, fan_in),
            &column_major(input, fan_in, m),
            1.0,
        );
        return;
    }
    let out = &mut out[..fan_out * m];
    match fan_in {
        1 => forward_narrow::<1>(out, weight, input, fan_out),
        2 => forward_narrow::<2>(out, weight, input, fan_out),
        3 => forward_narrow::<3>(out, weight, input, fan_out),
        4 => forward_narrow::<4>(out, weight, input, fan_out),
        5 => forward_narrow::<5>(out, weight, input, fan_out),
        _ => {
            for (out_column, input_column) in out
                .chunks_exact_mut(fan_out)
                .zip(input.chunks_exact(fan_in))
            {
                for (out, weight_row) in out_column.iter_mut().zip(weight.chunks_exact(fan_in)) {
                    *out += dot(weight_row, input_column);
                }
            }
        }
    }
}

/// [`forward_product`] for a fan_in of K, known at compile time so the inner sum unrolls.
pub(super) fn forward_narrow<const K: usize>(
    out: &mut [f64],
    weight: &[f64],
    input: &[f64],
    fan_out: usize,
) {
    let (weight_rows, _) = weight.as_chunks::<K>();
    let (input_columns, _) = input.as_chunks::<K>();
    for (out_column, input_column) in out.chunks_exact_mut(fan_out).zip(input_columns) {
        for (out, weight_row) in out_column.iter_mut().zip(weight_rows) {
            let mut sum = 0.0;
            for (w, x) in weight_row.iter().zip(input_column) {
                sum += w * x;
            }
            *out += sum;
        }
    }
}

/// grad_w (fan_out × fan_in, row-major) += delta·inputᵀ over m samples.
pub(super) fn weight_product(
    grad_w: &mut [f64],
    delta: &[f64],
    input: &[f64],
    shape: &LayerShape,
    m: usize,
) {
    let (fan_in, fan_out) = (shape.fan_in, shape.fan_out);
    if uses_gemm(shape, m) {
        let mut target = ViewMut::from_slice_with_strides_mut(grad_w, fan_out, fan_in, fan_in, 1);
        target.gemm(
            1.0,
            &column_major(delta, fan_out, m),
            &row_major(input, m, fan_in),
            1.0,
        );
        return;
    }
    let delta = &delta[..fan_out * m];
    match fan_in {
        1 => weight_narrow::<1>(grad_w, delta, input, fan_out),
        2 => weight_narrow::<2>(grad_w, delta, input, fan_out),
        3 => weight_narrow::<3>(grad_w, delta, input, fan_out),
        4 => weight_narrow::<4>(grad_w, delta, input, fan_out),
        5 => weight_narrow::<5>(grad_w, delta, input, fan_out),
        _ => {
            for (delta_column, input_column) in
                delta.chunks_exact(fan_out).zip(input.chunks_exact(fan_in))
            {
                for (grad_row, &d) in grad_w.chunks_exact_mut(fan_in).zip(delta_column) {
                    axpy(d, input_column, grad_row);
                }
            }
        }
    }
}

/// [`weight_product`] for a fan_in of K, known at compile time so the inner update unrolls.
pub(super) fn weight_narrow<const K: usize>(
    grad_w: &mut [f64],
    delta: &[f64],
    input: &[f64],
    fan_out: usize,
) {
    let (grad_rows, _) = grad_w.as_chunks_mut::<K>();
    let (input_columns, _) = input.as_chunks::<K>();
    for (delta_column, input_column) in delta.chunks_exact(fan_out).zip(input_columns) {
        for (grad_row, &d) in grad_rows.iter_mut().zip(delta_column) {
            for (grad, x) in grad_row.iter_mut().zip(input_column) {
                *grad += d * x;
            }
        }
    }
}

/// upstream (fan_in × m, column-major) (+)= Wᵀ·delta.
pub(super) fn backward_product(
    upstream: &mut [f64],
    weight: &[f64],
    delta: &[f64],
    shape: &LayerShape,
    m: usize,
    accumulate: bool,
) {
    let (fan_in, fan_out) = (shape.fan_in, shape.fan_out);
    if uses_gemm(shape, m) {
        let mut target =
            ViewMut::from_slice_with_strides_mut(&mut upstream[..fan_in * m], fan_in, m, 1, fan_in);
        target.gemm(
            1.0,
            &column_major(weight, fan_in, fan_out),
            &column_major(delta, fan_out, m),
            if accumulate { 1.0 } else { 0.0 },
        );
        return;
    }
    for (upstream_column, delta_column) in upstream[..fan_in * m]
        .chunks_exact_mut(fan_in)
        .zip(delta.chunks_exact(fan_out))
    {
        if !accumulate {
            upstream_column.fill(0.0);
        }
        for (weight_row, &d) in weight.chunks_exact(fan_in).zip(delta_column) {
            axpy(d, weight_row, upstream_column);
        }
    }
}

/// aᵀb over the shorter length, in four interleaved partial sums (which lets the loop vectorize).
pub(super) fn dot(a: &[f64], b: &[f64]) -> f64 {
    let (a_quads, a_rest) = a.as_chunks::<4>();
    let (b_quads, b_rest) = b.as_chunks::<4>();
    let mut partial = [0.0; 4];
    for (x, y) in a_quads.iter().zip(b_quads) {
        for lane in 0..4 {
            partial[lane] += x[lane] * y[lane];
        }
    }
    let mut sum = (partial[0] + partial[1]) + (partial[2] + partial[3]);
    if a_quads.len() == b_quads.len() {
        for (x, y) in a_rest.iter().zip(b_rest) {
            sum += x * y;
        }
    } else {
        let done = 4 * a_quads.len().min(b_quads.len());
        for (x, y) in a[done..].iter().zip(&b[done..]) {
            sum += x * y;
        }
    }
    sum
}

/// y += alpha·x.
pub(super) fn axpy(alpha: f64, x: &[f64], y: &mut [f64]) {
    for (y, x) in y.iter_mut().zip(x) {
        *y += alpha * x;
    }
}

pub(super) fn argmax(values: &[f64]) -> usize {
    let mut best = 0;
    for (index, value) in values.iter().enumerate() {
        if *value > values[best] {
            best = index;
        }
    }
    best
}
