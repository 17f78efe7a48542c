//! The training loss's passes over a batch: forward, loss head and backpropagation for the
//! gradient, Pearlmutter's R-forward and R-backward for exact Hessian-vector products, with the
//! full-batch primal pass cached per parameter vector (formulas in the module docs of [`super`]).

use super::config::Loss;
use super::dense::{
    add_row_sums, backward_product, broadcast_columns, chunk_input, dot, forward_product,
    weight_product,
};
use super::{Batch, Cache, LayerBuffers, MlpNetwork, TargetTable, Workspace};

/// Samples `start..start + m` of a batch in a pass over it: their inputs (d₀ × m) and the
/// workspace's buffers for them.
struct Chunk<'a> {
    input: &'a [f64],
    start: usize,
    m: usize,
    layers: &'a mut [LayerBuffers],
    head_aux: &'a mut [f64],
}

impl MlpNetwork {
    /// Mean loss over `batch` of the training set, with its gradient into `grad` when given.
    pub(super) fn batch_loss(
        &self,
        workspace: &mut Workspace,
        params: &[f64],
        batch: Batch<'_>,
        mut grad: Option<&mut [f64]>,
    ) -> f64 {
        let total = batch.len();
        let scale = 1.0 / total as f64;
        if let Some(grad) = grad.as_deref_mut() {
            grad.fill(0.0);
        }
        let want_grad = grad.is_some();
        let mut loss_sum = 0.0;
        self.for_each_chunk(workspace, batch, total, |chunk| {
            loss_sum += self.primal_chunk(params, batch, chunk, want_grad.then_some(scale));
            if want_grad {
                let Chunk { input, m, .. } = *chunk;
                self.backward(params, input, m, chunk.layers, grad.as_deref_mut());
            }
        });
        let whole_set = matches!(batch, Batch::All(_)) && total <= workspace.capacity;
        if whole_set && grad.is_some() {
            workspace.cached_params.copy_from_slice(params);
            workspace.cached_loss = loss_sum * scale;
            workspace.cache = Cache::Primal;
        } else {
            workspace.cache = Cache::Empty;
        }
        loss_sum * scale
    }

    /// Calls `pass` on each chunk of `batch` (`total` training samples), at most the workspace's
    /// capacity at a time, so that the buffers never grow.
    fn for_each_chunk(
        &self,
        workspace: &mut Workspace,
        batch: Batch<'_>,
        total: usize,
        mut pass: impl FnMut(&mut Chunk<'_>),
    ) {
        let Workspace {
            capacity,
            inputs,
            layers,
            head_aux,
            ..
        } = workspace;
        let mut start = 0;
        while start < total {
            let m = (total - start).min(*capacity);
            pass(&mut Chunk {
                input: chunk_input(&self.train, batch, start, m, inputs),
                start,
                m,
                layers,
                head_aux,
            });
            start += m;
        }
    }

    /// The forward pass and the loss head on `chunk` of `batch`: the sum of its samples' losses,
    /// and, given `derivative_scale`, the output deltas scaled by it for the backward pass.
    fn primal_chunk(
        &self,
        params: &[f64],
        batch: Batch<'_>,
        chunk: &mut Chunk<'_>,
        derivative_scale: Option<f64>,
    ) -> f64 {
        let Chunk {
            input, start, m, ..
        } = *chunk;
        self.forward(params, input, m, chunk.layers);
        if let Some(initial) = self.lazy_initial(false) {
            self.centre_outputs(initial, batch, start, m, chunk.layers);
        }
        let head = derivative_scale.map(|scale| (scale, &mut *chunk.head_aux));
        self.head(&self.train_targets, batch, start, m, chunk.layers, head)
    }

    /// Whether `workspace` holds the primal pass of the whole training set at `params`.
    pub(super) fn cached_at(&self, workspace: &Workspace, params: &[f64]) -> bool {
        workspace.cache != Cache::Empty
            && self.train.len() <= workspace.capacity
            && workspace.cached_params == params
    }

    /// ∇²f(params)·direction into `out`, over the whole training set.
    pub(super) fn hessian_product(
        &self,
        workspace: &mut Workspace,
        params: &[f64],
        direction: &[f64],
        out: &mut [f64],
    ) {
        out.fill(0.0);
        let total = self.train.len();
        let scale = 1.0 / total as f64;
        let batch = Batch::All(total);
        let reuse = self.cached_at(workspace, params);
        let curvature_ready = reuse && workspace.cache == Cache::PrimalAndCurvature;
        let mut loss_sum = 0.0;
        self.for_each_chunk(workspace, batch, total, |chunk| {
            if !reuse {
                loss_sum += self.primal_chunk(params, batch, chunk, Some(scale));
                self.backward(params, chunk.input, chunk.m, chunk.layers, None);
            }
            let Chunk { input, m, .. } = *chunk;
            if !curvature_ready {
                self.fill_curvature(m, chunk.layers);
            }
            self.r_forward(params, direction, input, m, chunk.layers);
            self.r_head(m, scale, chunk.head_aux, chunk.layers);
            self.r_backward(params, direction, input, m, chunk.layers, out);
        });
        if total <= workspace.capacity {
            if !reuse {
                workspace.cached_params.copy_from_slice(params);
                workspace.cached_loss = loss_sum * scale;
            }
            workspace.cache = Cache::PrimalAndCurvature;
        } else {
            workspace.cache = Cache::Empty;
        }
    }

    /// Z_l and A_l for every layer on `m` samples whose inputs are the columns of `input`.
    pub(super) fn forward(
        &self,
        params: &[f64],
        input: &[f64],
        m: usize,
        layers: &mut [LayerBuffers],
    ) {
        for (index, shape) in self.shapes.iter().enumerate() {
            let (done, rest) = layers.split_at_mut(index);
            let Some(current) = rest.first_mut() else {
                return;
            };
            let previous = done.last().map_or(input, |layer| layer.act.as_slice());
            let pre = &mut current.pre[..shape.fan_out * m];
            broadcast_columns(pre, &params[shape.bias.clone()]);
            forward_product(pre, &params[shape.weight.clone()], previous, shape, m);
            if shape.hidden {
                let (activation, relu_at_zero) = (self.activation, self.relu_grad_at_zero);
                for ((z, value), slope) in pre
                    .iter()
                    .zip(current.act.iter_mut())
                    .zip(current.slope.iter_mut())
                {
                    (*value, *slope) = activation.value_and_slope(*z, relu_at_zero);
                }
            }
        }
    }

    /// Backpropagation from the output deltas (written by the head): the deltas of every layer and,
    /// when `grad` is given, the parameter gradient added into it.
    pub(super) fn backward(
        &self,
        params: &[f64],
        input: &[f64],
        m: usize,
        layers: &mut [LayerBuffers],
        mut grad: Option<&mut [f64]>,
    ) {
        for (index, shape) in self.shapes.iter().enumerate().rev() {
            let (done, rest) = layers.split_at_mut(index);
            let Some(current) = rest.first() else {
                return;
            };
            let delta = &current.delta[..shape.fan_out * m];
            if let Some(grad) = grad.as_deref_mut() {
                let previous = done.last().map_or(input, |layer| layer.act.as_slice());
                weight_product(&mut grad[shape.weight.clone()], delta, previous, shape, m);
                add_row_sums(&mut grad[shape.bias.clone()], delta, m);
            }
            if let Some(previous) = done.last_mut() {
                let weight = &params[shape.weight.clone()];
                backward_product(&mut previous.upstream, weight, delta, shape, m, false);
                let size = shape.fan_in * m;
                for ((delta, upstream), slope) in previous.delta[..size]
                    .iter_mut()
                    .zip(&previous.upstream)
                    .zip(&previous.slope)
                {
                    *delta = upstream * slope;
                }
            }
        }
    }

    /// σ''(Z_l) of every hidden layer.
    pub(super) fn fill_curvature(&self, m: usize, layers: &mut [LayerBuffers]) {
        let activation = self.activation;
        for (shape, layer) in self.shapes.iter().zip(layers.iter_mut()) {
            if !shape.hidden {
                continue;
            }
            let size = shape.fan_out * m;
            for (((curvature, z), value), slope) in layer.curvature[..size]
                .iter_mut()
                .zip(&layer.pre)
                .zip(&layer.act)
                .zip(&layer.slope)
            {
                *curvature = activation.curvature(*z, *value, *slope);
            }
        }
    }

    /// R{Z_l} and R{A_l} along `direction`.
    pub(super) fn r_forward(
        &self,
        params: &[f64],
        direction: &[f64],
        input: &[f64],
        m: usize,
        layers: &mut [LayerBuffers],
    ) {
        for (index, shape) in self.shapes.iter().enumerate() {
            let (done, rest) = layers.split_at_mut(index);
            let Some(current) = rest.first_mut() else {
                return;
            };
            let r_pre = &mut current.r_pre[..shape.fan_out * m];
            broadcast_columns(r_pre, &direction[shape.bias.clone()]);
            let previous_act = done.last().map_or(input, |layer| layer.act.as_slice());
            forward_product(
                r_pre,
                &direction[shape.weight.clone()],
                previous_act,
                shape,
                m,
            );
            if let Some(previous) = done.last() {
                forward_product(
                    r_pre,
                    &params[shape.weight.clone()],
                    &previous.r_act,
                    shape,
                    m,
                );
            }
            if shape.hidden {
                for ((r_act, r_pre), slope) in current
                    .r_act
                    .iter_mut()
                    .zip(r_pre.iter())
                    .zip(&current.slope)
                {
                    *r_act = slope * r_pre;
                }
            }
        }
    }

    /// R{G_L} = ∇²ℓ(O)·R{O}·scale.
    pub(super) fn r_head(
        &self,
        m: usize,
        scale: f64,
        head_aux: &[f64],
        layers: &mut [LayerBuffers],
    ) {
        let outputs = self.outputs();
        let Some(last) = layers.last_mut() else {
            return;
        };
        let size = outputs * m;
        let (r_out, r_delta) = (&last.r_pre[..size], &mut last.r_delta[..size]);
        match (self.loss, &self.train_targets) {
            (Loss::CrossEntropy, TargetTable::Signs(_)) => {
                for ((r_delta, r_out), weight) in r_delta.iter_mut().zip(r_out).zip(head_aux) {
                    *r_delta = scale * weight * r_out;
                }
            }
            (Loss::CrossEntropy, TargetTable::Classes(_)) => {
                for ((r_delta, r_out), probabilities) in r_delta
                    .chunks_exact_mut(outputs)
                    .zip(r_out.chunks_exact(outputs))
                    .zip(head_aux.chunks_exact(outputs))
                {
                    let mean = dot(probabilities, r_out);
                    for ((r_delta, r_out), p) in r_delta.iter_mut().zip(r_out).zip(probabilities) {
                        *r_delta = scale * p * (r_out - mean);
                    }
                }
            }
            _ => {
                for (r_delta, r_out) in r_delta.iter_mut().zip(r_out) {
                    *r_delta = scale * r_out;
                }
            }
        }
    }

    /// Backward R-pass: the Hessian-vector product added into `out`.
    pub(super) fn r_backward(
        &self,
        params: &[f64],
        direction: &[f64],
        input: &[f64],
        m: usize,
        layers: &mut [LayerBuffers],
        out: &mut [f64],
    ) {
        for (index, shape) in self.shapes.iter().enumerate().rev() {
            let (done, rest) = layers.split_at_mut(index);
            let Some(current) = rest.first() else {
                return;
            };
            let size = shape.fan_out * m;
            let (delta, r_delta) = (&current.delta[..size], &current.r_delta[..size]);
            let weight_out = &mut out[shape.weight.clone()];
            let previous_act = done.last().map_or(input, |layer| layer.act.as_slice());
            weight_product(weight_out, r_delta, previous_act, shape, m);
            if let Some(previous) = done.last() {
                weight_product(weight_out, delta, &previous.r_act, shape, m);
            }
            add_row_sums(&mut out[shape.bias.clone()], r_delta, m);
            if let Some(previous) = done.last_mut() {
                let LayerBuffers {
                    r_delta: previous_r_delta,
                    slope,
                    curvature,
                    upstream,
                    r_pre,
                    ..
                } = previous;
                let weight = &params[shape.weight.clone()];
                let weight_direction = &direction[shape.weight.clone()];
                backward_product(previous_r_delta, weight, r_delta, shape, m, false);
                backward_product(previous_r_delta, weight_direction, delta, shape, m, true);
                let size = shape.fan_in * m;
                for ((((r_delta, slope), curvature), upstream), r_pre) in previous_r_delta[..size]
                    .iter_mut()
                    .zip(slope.iter())
                    .zip(curvature.iter())
                    .zip(upstream.iter())
                    .zip(r_pre.iter())
                {
                    *r_delta = *r_delta * slope + upstream * curvature * r_pre;
                }
            }
        }
    }

    /// Sum over the chunk's `m` samples of the loss of the outputs in the last layer's `pre`. With
    /// `derivatives = Some((scale, aux))`, also writes the output deltas ℓ'·scale into the last
    /// layer's `delta` and the loss curvature into `aux`.
    pub(super) fn head(
        &self,
        targets: &TargetTable,
        batch: Batch<'_>,
        start: usize,
        m: usize,
        layers: &mut [LayerBuffers],
        derivatives: Option<(f64, &mut [f64])>,
    ) -> f64 {
        let outputs = self.outputs();
        let Some(last) = layers.last_mut() else {
            return f64::NAN;
        };
        let columns = last.pre[..outputs * m].chunks_exact(outputs).enumerate();
        // The lazy model's loss is ℓ(o)/α², whose derivative in h is ℓ'(o)/α (o = α(h − h₀)); its
        // second derivative in h is ∇²ℓ(o) itself, so the R-pass's head needs no factor.
        let (loss_factor, delta_factor) = self.lazy_factors();
        let mut loss_sum = 0.0;
        match derivatives {
            None => {
                for (j, out) in columns {
                    loss_sum += self.sample_loss(targets, batch.sample(start + j), out, None);
                }
            }
            Some((scale, aux)) => {
                let deltas = last.delta.chunks_exact_mut(outputs);
                for (((j, out), delta), aux) in
                    columns.zip(deltas).zip(aux.chunks_exact_mut(outputs))
                {
                    let sample = batch.sample(start + j);
                    loss_sum += self.sample_loss(targets, sample, out, Some((&mut *delta, aux)));
                    for value in delta {
                        *value *= scale * delta_factor;
                    }
                }
            }
        }
        loss_sum * loss_factor
    }
}
