//! What the views read of a trained MLP beyond its loss: per-sample losses and their
//! derivatives, accuracy, and the predictions drawn as the decision surface.

use nalgebra::DVector;

use super::activation::{log_sum_exp, sigmoid, softplus};
use super::config::Loss;
use super::dense::{argmax, chunk_input};
use super::{Batch, Cache, LayerBuffers, MlpNetwork, TargetTable, Workspace};
use crate::network::dataset::Dataset;

impl MlpNetwork {
    /// ℓ(out, y) of one sample. With `derivatives`, ∂ℓ/∂out goes into the first slice and what the
    /// R-pass needs of ∇²ℓ into the second: s(1 − s) for the logistic loss, the softmax
    /// probabilities for cross-entropy (Mse needs nothing, its ∇²ℓ is I).
    pub(super) fn sample_loss(
        &self,
        targets: &TargetTable,
        sample: usize,
        out: &[f64],
        derivatives: Option<(&mut [f64], &mut [f64])>,
    ) -> f64 {
        let indicator = |k: usize, label: usize| if k == label { 1.0 } else { 0.0 };
        match (self.loss, targets) {
            (Loss::CrossEntropy, TargetTable::Signs(signs)) => {
                let y = signs[sample];
                let margin = -y * out[0];
                if let Some((grad, curvature)) = derivatives {
                    let s = sigmoid(margin);
                    grad[0] = -y * s;
                    curvature[0] = s * (1.0 - s);
                }
                softplus(margin)
            }
            (Loss::CrossEntropy, TargetTable::Classes(labels)) => {
                let label = labels[sample];
                let log_sum = log_sum_exp(out);
                if let Some((grad, probabilities)) = derivatives {
                    for (k, ((grad, p), o)) in
                        grad.iter_mut().zip(probabilities).zip(out).enumerate()
                    {
                        *p = (o - log_sum).exp();
                        *grad = *p - indicator(k, label);
                    }
                }
                log_sum - out[label]
            }
            (_, TargetTable::Classes(labels)) => {
                let label = labels[sample];
                let mut loss = 0.0;
                let mut grad = derivatives.map(|(grad, _)| grad);
                for (k, o) in out.iter().enumerate() {
                    let residual = o - indicator(k, label);
                    loss += 0.5 * residual * residual;
                    if let Some(grad) = grad.as_deref_mut() {
                        grad[k] = residual;
                    }
                }
                loss
            }
            (_, TargetTable::Signs(values) | TargetTable::Values(values)) => {
                let residual = out[0] - values[sample];
                if let Some((grad, _)) = derivatives {
                    // One output by construction; any others would not enter the loss.
                    grad.fill(0.0);
                    grad[0] = residual;
                }
                0.5 * residual * residual
            }
        }
    }

    /// Number of the chunk's samples classified correctly (outputs in the last layer's `pre`).
    pub(super) fn correct(
        &self,
        targets: &TargetTable,
        start: usize,
        m: usize,
        layers: &[LayerBuffers],
    ) -> usize {
        let outputs = self.outputs();
        let Some(last) = layers.last() else {
            return 0;
        };
        let columns = last.pre[..outputs * m].chunks_exact(outputs).enumerate();
        match targets {
            TargetTable::Signs(signs) => columns
                .filter(|(j, out)| (out[0] > 0.0) == (signs[start + j] > 0.0))
                .count(),
            TargetTable::Classes(labels) => columns
                .filter(|(j, out)| argmax(out) == labels[start + j])
                .count(),
            TargetTable::Values(_) => 0,
        }
    }

    /// Mean loss and fraction classified correctly over a whole data set.
    pub(super) fn scan(
        &self,
        workspace: &mut Workspace,
        params: &[f64],
        data: &Dataset,
        targets: &TargetTable,
        held_out: bool,
    ) -> (f64, f64) {
        let total = data.len();
        let batch = Batch::All(total);
        let (mut loss_sum, mut correct) = (0.0, 0);
        self.forward_chunks_in(workspace, params, data, |layers, start, m| {
            if let Some(initial) = self.lazy_initial(held_out) {
                self.centre_outputs(initial, batch, start, m, layers);
            }
            loss_sum += self.head(targets, batch, start, m, layers, None);
            correct += self.correct(targets, start, m, layers);
        });
        let n = total.max(1) as f64;
        (loss_sum / n, correct as f64 / n)
    }

    /// The two-class score in [−1, 1] (or the regression output) of one output column.
    pub(super) fn score(&self, out: &[f64]) -> f64 {
        match (&self.train_targets, self.loss, out) {
            (TargetTable::Values(_), _, [value, ..]) => *value,
            (_, Loss::Mse, [value]) => value.clamp(-1.0, 1.0),
            (_, Loss::CrossEntropy, [logit]) => 2.0 * sigmoid(*logit) - 1.0,
            // p₁ − p₀ = tanh((o₁ − o₀)/2) for softmax; for Mse the one-hot outputs' difference.
            (_, Loss::CrossEntropy, [first, second, ..]) => ((second - first) / 2.0).tanh(),
            (_, Loss::Mse, [first, second, ..]) => (second - first).clamp(-1.0, 1.0),
            _ => f64::NAN,
        }
    }

    pub(super) fn has_dim(&self, x: &DVector<f64>) -> bool {
        x.len() == self.dim
    }

    /// The network's outputs h(params; x) over a whole data set, `outputs` numbers per sample.
    pub(super) fn outputs_at(&self, params: &[f64], data: &Dataset) -> Vec<f64> {
        let outputs = self.outputs();
        let mut all = Vec::with_capacity(outputs * data.len());
        self.forward_in_chunks(params, data, |layers, _, m| {
            if let Some(last) = layers.last() {
                all.extend_from_slice(&last.pre[..outputs * m]);
            }
        });
        all
    }

    /// The forward pass over all of `data`, in chunks of the workspace's capacity (see
    /// [`forward_chunks_in`](Self::forward_chunks_in)).
    fn forward_in_chunks(
        &self,
        params: &[f64],
        data: &Dataset,
        visit: impl FnMut(&mut [LayerBuffers], usize, usize),
    ) {
        self.with_workspace(|workspace| self.forward_chunks_in(workspace, params, data, visit));
    }

    /// The forward pass over all of `data` in `workspace`, in chunks of its capacity:
    /// `visit(layers, start, m)` sees each chunk's layer buffers (which it may change), its first
    /// sample and its number of samples.
    fn forward_chunks_in(
        &self,
        workspace: &mut Workspace,
        params: &[f64],
        data: &Dataset,
        mut visit: impl FnMut(&mut [LayerBuffers], usize, usize),
    ) {
        workspace.cache = Cache::Empty;
        let Workspace {
            capacity,
            inputs,
            layers,
            ..
        } = workspace;
        let total = data.len();
        let mut start = 0;
        while start < total {
            let m = (total - start).min(*capacity);
            let input = chunk_input(data, Batch::All(total), start, m, inputs);
            self.forward(params, input, m, layers);
            visit(layers, start, m);
            start += m;
        }
    }

    /// The root mean square of each hidden layer's activations A_l over the training set, first
    /// hidden layer first: how far the signal survives the depth.
    pub(super) fn hidden_activation_rms(&self, params: &[f64]) -> Vec<f64> {
        let hidden: Vec<usize> = (self.shapes.iter().enumerate())
            .filter(|(_, shape)| shape.hidden)
            .map(|(index, _)| index)
            .collect();
        let mut squares = vec![0.0; hidden.len()];
        let total = self.train.len();
        self.forward_in_chunks(params, &self.train, |layers, _, m| {
            for (sum, &index) in squares.iter_mut().zip(&hidden) {
                let size = self.shapes[index].fan_out * m;
                *sum += layers[index].act[..size].iter().map(|a| a * a).sum::<f64>();
            }
        });
        squares
            .iter()
            .zip(&hidden)
            .map(|(sum, &index)| {
                let count = (self.shapes[index].fan_out * total).max(1) as f64;
                (sum / count).sqrt()
            })
            .collect()
    }

    /// The lazy model's h(θ₀; x) of the training (`held_out` false) or held-out samples.
    pub(super) fn lazy_initial(&self, held_out: bool) -> Option<&[f64]> {
        self.lazy.as_ref().map(|lazy| {
            if held_out {
                lazy.test_initial.as_slice()
            } else {
                lazy.train_initial.as_slice()
            }
        })
    }

    /// Turns the chunk's outputs h(θ; x) in the last layer's `pre` into the lazy model's
    /// α·(h(θ; x) − h(θ₀; x)), reading h(θ₀; x) of the batch's samples from `initial`.
    pub(super) fn centre_outputs(
        &self,
        initial: &[f64],
        batch: Batch<'_>,
        start: usize,
        m: usize,
        layers: &mut [LayerBuffers],
    ) {
        let (Some(lazy), Some(last)) = (&self.lazy, layers.last_mut()) else {
            return;
        };
        let outputs = self.outputs();
        for (j, column) in last.pre[..outputs * m]
            .chunks_exact_mut(outputs)
            .enumerate()
        {
            let sample = batch.sample(start + j);
            let centre = &initial[sample * outputs..(sample + 1) * outputs];
            for (out, h0) in column.iter_mut().zip(centre) {
                *out = lazy.alpha * (*out - h0);
            }
        }
    }

    /// The factors of the lazy model's loss ℓ(o)/α² and of its output deltas ∂(ℓ/α²)/∂h =
    /// ℓ'(o)/α: (1/α², 1/α), or (1, 1) for the plain network.
    pub(super) fn lazy_factors(&self) -> (f64, f64) {
        self.lazy.as_ref().map_or((1.0, 1.0), |lazy| {
            (1.0 / (lazy.alpha * lazy.alpha), 1.0 / lazy.alpha)
        })
    }
}
