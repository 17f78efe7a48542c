//! The [`Oracle`]: one run's access to its objective. It counts every evaluation, draws the run's
//! minibatches and label noise from the run's seeded generator, adds the run's gradient noise and
//! clipping, records probes, and keeps the engine's latest measurement of the iterate.

use std::sync::Arc;

use nalgebra::{DMatrix, DVector};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use super::{EvalCounts, GradientModel, Objective, Probe};
use crate::network::ParameterBlock;
use crate::precision::{Format, round_nearest_even};

/// One run's access to its objective: counting, minibatches, noise and probes.
pub struct Oracle {
    objective: Arc<dyn Objective>,
    model: GradientModel,
    rng: ChaCha8Rng,
    counts: EvalCounts,
    /// A permutation of 0..n; the current minibatch is its prefix of length `batch_len`.
    permutation: Vec<usize>,
    batch_len: usize,
    probes: Vec<Probe>,
    record_probes: bool,
    /// Gradient buffer for loss-only minibatch evaluations.
    scratch: DVector<f64>,
    /// The point rounded to `model.weights_format`, where evaluations then happen.
    rounded: DVector<f64>,
    /// The run's latest measurement of the full objective (see [`Oracle::measure`]).
    measured: Measured,
    /// σ/√b of the mean label noise of a minibatch of b (0: none, or no minibatches), and the
    /// current step's draw ε ~ N(0, σ²/b).
    label_sigma: f64,
    label_noise: f64,
}

/// f(x) and ∇f(x) of the full objective at one point, kept so that the next step's gradient at the
/// same point is copied instead of computed again: the engine measures every new iterate, and the
/// optimizer's next step starts by evaluating it.
struct Measured {
    point: DVector<f64>,
    grad: DVector<f64>,
    loss: f64,
    /// Whether `point`, `grad` and `loss` hold a measurement yet.
    valid: bool,
}

impl Measured {
    /// The remembered evaluation at exactly `x` (bit for bit), if there is one.
    fn at(&self, x: &DVector<f64>) -> Option<(f64, &DVector<f64>)> {
        let (point, x) = (self.point.as_slice(), x.as_slice());
        let same_point = self.valid
            && point.len() == x.len()
            && point.iter().zip(x).all(|(a, b)| a.to_bits() == b.to_bits());
        same_point.then_some((self.loss, &self.grad))
    }
}

/// Where an evaluation at `x` happens: `x` itself, or its copy rounded to nearest in `format`
/// (written into `rounded`, allocating only when the dimension changes).
fn weights_at<'a>(
    rounded: &'a mut DVector<f64>,
    format: Option<Format>,
    x: &'a DVector<f64>,
) -> &'a DVector<f64> {
    let Some(format) = format else {
        return x;
    };
    if rounded.len() != x.len() {
        *rounded = DVector::zeros(x.len());
    }
    for (r, v) in rounded.iter_mut().zip(x.iter()) {
        *r = round_nearest_even(*v, format);
    }
    rounded
}

/// Probes kept per step at most, so a runaway line search cannot grow memory.
const MAX_PROBES_PER_STEP: usize = 64;

impl Oracle {
    /// An oracle over `objective` whose randomness (minibatches, noise) comes from `seed`.
    pub fn new(objective: Arc<dyn Objective>, model: GradientModel, seed: u64) -> Self {
        let n = objective.num_samples();
        let batch_len = model.batch_size.map_or(n, |b| b.clamp(1, n));
        Self {
            model,
            rng: ChaCha8Rng::seed_from_u64(seed),
            counts: EvalCounts::default(),
            permutation: (0..n).collect(),
            batch_len,
            probes: Vec::with_capacity(MAX_PROBES_PER_STEP),
            record_probes: true,
            scratch: DVector::zeros(objective.dim()),
            rounded: DVector::zeros(objective.dim()),
            measured: Measured {
                point: DVector::zeros(0),
                grad: DVector::zeros(0),
                loss: f64::NAN,
                valid: false,
            },
            label_sigma: if batch_len < n {
                objective.label_noise_sigma() / (batch_len as f64).sqrt()
            } else {
                0.0
            },
            label_noise: 0.0,
            objective,
        }
    }

    /// The engine's own measurement of the iterate: f(x) and ∇f(x) of the full objective, exact
    /// (no minibatch, noise or clipping) and not counted as the optimizer's evaluation. The oracle
    /// remembers it, and a full-batch gradient the optimizer then asks for at bitwise the same point
    /// is copied from it (and counted as usual): the objective is pure, so the copy is what the
    /// evaluation would return, and the user sees the same numbers at half the cost.
    pub fn measure(&mut self, x: &DVector<f64>, grad: &mut DVector<f64>) -> f64 {
        let loss = self.objective.value_and_grad(x, grad);
        let measured = &mut self.measured;
        if measured.point.len() != x.len() {
            measured.point = DVector::zeros(x.len());
        }
        if measured.grad.len() != grad.len() {
            measured.grad = DVector::zeros(grad.len());
        }
        measured.point.as_mut_slice().copy_from_slice(x.as_slice());
        measured
            .grad
            .as_mut_slice()
            .copy_from_slice(grad.as_slice());
        measured.loss = loss;
        measured.valid = true;
        loss
    }

    /// f(x) and ∇f(x) of the full objective: the latest measurement when it was at x, else a fresh
    /// evaluation.
    fn exact_value_and_grad(
        objective: &dyn Objective,
        measured: &Measured,
        x: &DVector<f64>,
        grad: &mut DVector<f64>,
    ) -> f64 {
        match measured.at(x) {
            Some((loss, measured)) if measured.len() == grad.len() => {
                grad.as_mut_slice().copy_from_slice(measured.as_slice());
                loss
            }
            _ => objective.value_and_grad(x, grad),
        }
    }

    /// The objective behind this oracle.
    pub fn objective(&self) -> &dyn Objective {
        self.objective.as_ref()
    }

    /// Number of parameters.
    pub fn dim(&self) -> usize {
        self.objective.dim()
    }

    /// Number of terms in the finite sum (1 for plain landscapes).
    pub fn num_samples(&self) -> usize {
        self.permutation.len()
    }

    /// The objective's matrix parameters ([`Objective::parameter_blocks`]; empty for landscapes).
    pub fn parameter_blocks(&self) -> &[ParameterBlock] {
        self.objective.parameter_blocks()
    }

    /// Evaluations so far.
    pub fn counts(&self) -> EvalCounts {
        self.counts
    }

    /// The run's random generator, for methods that draw their own randomness (SAGA's index).
    pub fn rng(&mut self) -> &mut ChaCha8Rng {
        &mut self.rng
    }

    /// Whether gradients are stochastic (minibatches or noise), which rules out exact line searches.
    pub fn is_stochastic(&self) -> bool {
        self.batch_len < self.permutation.len() || self.model.noise_sigma > 0.0
    }

    /// Starts a new step: draws the next minibatch (the same batch serves every evaluation within
    /// the step, like a closure over one batch in torch) and the step's label noise, and forgets
    /// the previous step's probes.
    pub fn begin_step(&mut self) {
        self.probes.clear();
        if self.label_sigma > 0.0 {
            let z: f64 = StandardNormal.sample(&mut self.rng);
            self.label_noise = self.label_sigma * z;
        }
        let n = self.permutation.len();
        if self.batch_len < n {
            // Partial Fisher–Yates: a uniform sample without replacement, no allocation.
            for i in 0..self.batch_len {
                let j = self.rng.random_range(i..n);
                self.permutation.swap(i, j);
            }
        }
    }

    /// The current minibatch (all samples without a batch size).
    pub fn batch(&self) -> &[usize] {
        &self.permutation[..self.batch_len]
    }

    /// Loss on the current minibatch.
    pub fn value(&mut self, x: &DVector<f64>) -> f64 {
        self.counts.values += 1;
        let x = weights_at(&mut self.rounded, self.model.weights_format, x);
        if self.label_sigma > 0.0 {
            if self.scratch.len() != x.len() {
                self.scratch = DVector::zeros(x.len());
            }
            self.objective
                .noisy_value_and_grad(x, self.label_noise, &mut self.scratch)
        } else if self.batch_len == self.permutation.len() {
            self.objective.value(x)
        } else {
            // The finite-sum view only offers loss and gradient together: the gradient goes to a
            // scratch buffer kept for this, so no evaluation allocates.
            if self.scratch.len() != x.len() {
                self.scratch = DVector::zeros(x.len());
            }
            self.objective.sample_value_and_grad(
                x,
                &self.permutation[..self.batch_len],
                &mut self.scratch,
            )
        }
    }

    /// The stochastic gradient the run's optimizer sees: the current minibatch's gradient (with
    /// the step's label noise, for a problem that has some), plus noise, then clipped. Returns
    /// the minibatch loss.
    pub fn value_and_grad(&mut self, x: &DVector<f64>, grad: &mut DVector<f64>) -> f64 {
        self.counts.gradients += 1;
        self.counts.sample_gradients += self.batch_len as u64;
        let x = weights_at(&mut self.rounded, self.model.weights_format, x);
        let loss = if self.label_sigma > 0.0 {
            self.objective
                .noisy_value_and_grad(x, self.label_noise, grad)
        } else if self.batch_len == self.permutation.len() {
            Self::exact_value_and_grad(self.objective.as_ref(), &self.measured, x, grad)
        } else {
            self.objective
                .sample_value_and_grad(x, &self.permutation[..self.batch_len], grad)
        };
        self.perturb(grad);
        loss
    }

    /// The exact full gradient, ignoring minibatches and noise (SVRG's snapshot).
    pub fn full_value_and_grad(&mut self, x: &DVector<f64>, grad: &mut DVector<f64>) -> f64 {
        self.counts.gradients += 1;
        self.counts.sample_gradients += self.permutation.len() as u64;
        let x = weights_at(&mut self.rounded, self.model.weights_format, x);
        Self::exact_value_and_grad(self.objective.as_ref(), &self.measured, x, grad)
    }

    /// The gradient of one term fᵢ (SVRG and SAGA), with the run's noise and clipping.
    pub fn sample_value_and_grad(
        &mut self,
        x: &DVector<f64>,
        index: usize,
        grad: &mut DVector<f64>,
    ) -> f64 {
        self.counts.gradients += 1;
        self.counts.sample_gradients += 1;
        let index = index.min(self.permutation.len().saturating_sub(1));
        let x = weights_at(&mut self.rounded, self.model.weights_format, x);
        let loss = self.objective.sample_value_and_grad(x, &[index], grad);
        self.perturb(grad);
        loss
    }

    /// Composite problems (f = g + h): writes ∇g(x) of the smooth part into `grad`, with the run's
    /// noise and clipping, and returns g(x); `None` (nothing counted) when the problem is not
    /// composite.
    pub fn smooth_value_and_grad(
        &mut self,
        x: &DVector<f64>,
        grad: &mut DVector<f64>,
    ) -> Option<f64> {
        let composite = self.objective.composite()?;
        let x = weights_at(&mut self.rounded, self.model.weights_format, x);
        let value = composite.smooth_value_and_grad(x, grad);
        self.counts.gradients += 1;
        self.counts.sample_gradients += self.permutation.len() as u64;
        self.perturb(grad);
        Some(value)
    }

    /// Composite problems: h(x) of the nonsmooth part, at the same point the smooth part is
    /// evaluated at (the low-precision copy with a master copy); 0 when the problem is not
    /// composite. Not counted: h is cheap and closed-form.
    pub fn nonsmooth_value(&mut self, x: &DVector<f64>) -> f64 {
        let Some(composite) = self.objective.composite() else {
            return 0.0;
        };
        let x = weights_at(&mut self.rounded, self.model.weights_format, x);
        composite.nonsmooth_value(x)
    }

    /// Composite problems: x ← prox_{step·h}(x). Returns `false` (x untouched) when the problem is
    /// not composite.
    pub fn prox(&self, x: &mut DVector<f64>, step: f64) -> bool {
        match self.objective.composite() {
            Some(composite) => {
                composite.prox(x, step);
                true
            }
            None => false,
        }
    }

    /// The Hessian, where the objective has one.
    pub fn hessian(&mut self, x: &DVector<f64>) -> Option<DMatrix<f64>> {
        self.counts.hessians += 1;
        let x = weights_at(&mut self.rounded, self.model.weights_format, x);
        self.objective.hessian(x)
    }

    /// Hessian-vector product ∇²f(x)·v into `out`.
    pub fn hvp(&mut self, x: &DVector<f64>, v: &DVector<f64>, out: &mut DVector<f64>) {
        self.counts.hvps += 1;
        let x = weights_at(&mut self.rounded, self.model.weights_format, x);
        self.objective.hvp(x, v, out);
    }

    /// Number of task losses (1 for problems that are not multi-task; see
    /// [`Objective::num_tasks`]).
    pub fn num_tasks(&self) -> usize {
        self.objective.num_tasks()
    }

    /// Multi-task problems: writes ∇fₖ(x) of task `task` into `grad`, with the run's gradient
    /// precision, noise and clipping applied to it as to any gradient, and returns fₖ(x). Each
    /// call counts as one full gradient evaluation, so a method that asks for every task's
    /// gradient in a step pays K gradients per step: budgets compare it honestly with methods that
    /// take one gradient of the sum. Minibatches do not apply (task losses are full-batch).
    pub fn task_value_and_grad(
        &mut self,
        task: usize,
        x: &DVector<f64>,
        grad: &mut DVector<f64>,
    ) -> f64 {
        self.counts.gradients += 1;
        self.counts.sample_gradients += self.permutation.len() as u64;
        let x = weights_at(&mut self.rounded, self.model.weights_format, x);
        let loss = self.objective.task_value_and_grad(task, x, grad);
        self.perturb(grad);
        loss
    }

    /// Remembers a point that was evaluated but not accepted (bounded per step).
    pub fn record_probe(&mut self, x: &DVector<f64>, loss: f64) {
        if self.record_probes && self.probes.len() < MAX_PROBES_PER_STEP {
            let point = [x[0], if x.len() > 1 { x[1] } else { 0.0 }];
            self.probes.push(Probe { point, loss });
        }
    }

    /// Turns probe recording on or off (off for headless bulk runs that never draw them).
    pub fn set_record_probes(&mut self, on: bool) {
        self.record_probes = on;
    }

    /// The probes recorded during the current step.
    pub fn probes(&self) -> &[Probe] {
        &self.probes
    }

    #[inline]
    fn perturb(&mut self, grad: &mut DVector<f64>) {
        // Backpropagation in the narrow format happens first; noise and clipping model what the
        // (full-precision) optimizer does with the result.
        if let Some(precision) = self.model.gradient_precision {
            precision.apply(grad);
        }
        if self.model.noise_sigma > 0.0 {
            for g in grad.iter_mut() {
                let z: f64 = StandardNormal.sample(&mut self.rng);
                *g += self.model.noise_sigma * z;
            }
        }
        if let Some(limit) = self.model.clip_value {
            for g in grad.iter_mut() {
                *g = g.clamp(-limit, limit);
            }
        }
        if let Some(max_norm) = self.model.clip {
            // torch.nn.utils.clip_grad_norm_: scale by max_norm / (norm + 1e-6) when that is < 1.
            let norm = grad.norm();
            let coefficient = max_norm / (norm + 1e-6);
            if coefficient < 1.0 {
                *grad *= coefficient;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objective::central_difference_hvp;

    /// f(x) = ½ Σ (x − cᵢ)² / n over n = 4 one-dimensional samples cᵢ = i.
    struct Mean;
    impl Objective for Mean {
        fn dim(&self) -> usize {
            1
        }
        fn value(&self, x: &DVector<f64>) -> f64 {
            (0..4).map(|i| 0.5 * (x[0] - i as f64).powi(2)).sum::<f64>() / 4.0
        }
        fn value_and_grad(&self, x: &DVector<f64>, grad: &mut DVector<f64>) -> f64 {
            self.sample_value_and_grad(x, &[0, 1, 2, 3], grad)
        }
        fn num_samples(&self) -> usize {
            4
        }
        fn sample_value_and_grad(
            &self,
            x: &DVector<f64>,
            batch: &[usize],
            grad: &mut DVector<f64>,
        ) -> f64 {
            let m = batch.len() as f64;
            grad[0] = batch.iter().map(|&i| x[0] - i as f64).sum::<f64>() / m;
            batch
                .iter()
                .map(|&i| 0.5 * (x[0] - i as f64).powi(2))
                .sum::<f64>()
                / m
        }
    }

    #[test]
    fn minibatches_are_seeded_distinct_and_counted() {
        let model = GradientModel {
            batch_size: Some(2),
            ..GradientModel::default()
        };
        let mut a = Oracle::new(Arc::new(Mean), model, 3);
        let mut b = Oracle::new(Arc::new(Mean), model, 3);
        let x = DVector::from_element(1, 0.5);
        let mut grad = DVector::zeros(1);
        for _ in 0..20 {
            a.begin_step();
            b.begin_step();
            assert_eq!(a.batch(), b.batch());
            assert_eq!(a.batch().len(), 2);
            assert_ne!(a.batch()[0], a.batch()[1]);
            a.value_and_grad(&x, &mut grad);
        }
        assert_eq!(a.counts().gradients, 20);
        assert_eq!(a.counts().sample_gradients, 40);
        assert!(a.is_stochastic());
    }

    #[test]
    fn clipping_matches_torch_clip_grad_norm() {
        let model = GradientModel {
            clip: Some(1.0),
            ..GradientModel::default()
        };
        let mut oracle = Oracle::new(Arc::new(Mean), model, 0);
        let x = DVector::from_element(1, 11.5); // gradient 10
        let mut grad = DVector::zeros(1);
        oracle.value_and_grad(&x, &mut grad);
        assert!((grad[0] - 10.0 / (10.0 + 1e-6)).abs() < 1e-15);
    }

    #[test]
    fn value_clipping_clamps_each_coordinate_before_norm_clipping() {
        let model = GradientModel {
            clip_value: Some(2.0),
            ..GradientModel::default()
        };
        let mut oracle = Oracle::new(Arc::new(Mean), model, 0);
        let mut grad = DVector::zeros(1);
        oracle.value_and_grad(&DVector::from_element(1, 11.5), &mut grad);
        assert_eq!(grad[0], 2.0);
        oracle.value_and_grad(&DVector::from_element(1, 0.5), &mut grad);
        assert_eq!(grad[0], -1.0);
    }

    #[test]
    fn a_measured_point_is_copied_counted_and_never_mistaken() {
        let mut oracle = Oracle::new(Arc::new(Mean), GradientModel::default(), 0);
        let x = DVector::from_element(1, 2.5);
        let (mut measured, mut grad) = (DVector::zeros(1), DVector::zeros(1));
        let loss = oracle.measure(&x, &mut measured);
        assert_eq!(oracle.counts(), EvalCounts::default());
        assert_eq!(oracle.value_and_grad(&x, &mut grad), loss);
        assert_eq!((grad[0], oracle.counts().gradients), (measured[0], 1));
        // Another point (even −0 against +0) is evaluated afresh.
        let elsewhere = DVector::from_element(1, 0.0);
        oracle.measure(&elsewhere, &mut measured);
        let fresh = oracle.value_and_grad(&DVector::from_element(1, -0.0), &mut grad);
        assert_eq!((fresh, grad[0]), (Mean.value(&elsewhere), -1.5));
        // Minibatches never use the measurement of the full objective.
        let model = GradientModel {
            batch_size: Some(1),
            ..GradientModel::default()
        };
        let mut stochastic = Oracle::new(Arc::new(Mean), model, 0);
        stochastic.measure(&x, &mut measured);
        stochastic.begin_step();
        stochastic.value_and_grad(&x, &mut grad);
        let index = stochastic.batch()[0] as f64;
        assert_eq!(grad[0], 2.5 - index);
    }

    #[test]
    fn central_difference_hvp_is_accurate_on_a_quadratic() {
        let x = DVector::from_element(1, 2.0);
        let v = DVector::from_element(1, 3.0);
        let mut out = DVector::zeros(1);
        central_difference_hvp(&Mean, &x, &v, &mut out);
        assert!((out[0] - 3.0).abs() < 1e-8);
    }
}
