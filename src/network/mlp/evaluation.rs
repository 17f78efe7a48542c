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
    ) -> (f64, f64) {
        workspace.cache = Cache::Empty;
        let Workspace {
            capacity,
            inputs,
            layers,
            ..
        } = workspace;
        let total = data.len();
        let batch = Batch::All(total);
        let (mut loss_sum, mut correct) = (0.0, 0);
        let mut start = 0;
        while start < total {
            let m = (total - start).min(*capacity);
            let input = chunk_input(data, batch, start, m, inputs);
            self.forward(params, input, m, layers);
            loss_sum += self.head(targets, batch, start, m, layers, None);
            correct += self.correct(targets, start, m, layers);
            start += m;
        }
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
}
