//! Any 2D [`Landscape`] seen as an [`Objective`] over 2-vectors: the engine's view of a landscape.

use std::sync::Arc;

use nalgebra::{DMatrix, DVector};

use super::{Landscape, Point};
use crate::objective::{Composite, Objective};

/// Any [`Landscape`] as an [`Objective`] over 2-vectors.
#[derive(Clone)]
pub struct LandscapeObjective {
    landscape: Arc<dyn Landscape>,
}

impl LandscapeObjective {
    /// Wraps a landscape.
    pub fn new(landscape: Arc<dyn Landscape>) -> Self {
        Self { landscape }
    }

    /// The wrapped landscape.
    pub fn landscape(&self) -> &Arc<dyn Landscape> {
        &self.landscape
    }
}

pub(super) fn point_of(x: &DVector<f64>) -> Point {
    [x[0], x[1]]
}

impl Objective for LandscapeObjective {
    fn dim(&self) -> usize {
        2
    }

    fn value(&self, x: &DVector<f64>) -> f64 {
        self.landscape.value(point_of(x))
    }

    fn value_and_grad(&self, x: &DVector<f64>, grad: &mut DVector<f64>) -> f64 {
        let (value, gradient) = self.landscape.value_and_gradient(point_of(x));
        write_gradient(value, gradient, grad)
    }

    fn hessian(&self, x: &DVector<f64>) -> Option<DMatrix<f64>> {
        let h = self.landscape.hessian(point_of(x));
        Some(DMatrix::from_row_slice(
            2,
            2,
            &[h[0][0], h[0][1], h[1][0], h[1][1]],
        ))
    }

    fn hvp(&self, x: &DVector<f64>, v: &DVector<f64>, out: &mut DVector<f64>) {
        let h = self.landscape.hessian(point_of(x));
        out[0] = h[0][0] * v[0] + h[0][1] * v[1];
        out[1] = h[1][0] * v[0] + h[1][1] * v[1];
    }

    fn num_samples(&self) -> usize {
        self.landscape.num_samples()
    }

    fn sample_value_and_grad(
        &self,
        x: &DVector<f64>,
        batch: &[usize],
        grad: &mut DVector<f64>,
    ) -> f64 {
        let (value, gradient) = self.landscape.sample_value_and_gradient(point_of(x), batch);
        write_gradient(value, gradient, grad)
    }

    fn composite(&self) -> Option<&dyn Composite> {
        self.landscape.composite()
    }

    fn label_noise_sigma(&self) -> f64 {
        self.landscape.label_noise_sigma()
    }

    fn noisy_value_and_grad(&self, x: &DVector<f64>, epsilon: f64, grad: &mut DVector<f64>) -> f64 {
        let (value, gradient) = self
            .landscape
            .noisy_value_and_gradient(point_of(x), epsilon);
        write_gradient(value, gradient, grad)
    }

    fn num_tasks(&self) -> usize {
        self.landscape.num_tasks()
    }
    fn task_value_and_grad(&self, task: usize, x: &DVector<f64>, grad: &mut DVector<f64>) -> f64 {
        let (value, gradient) = self.landscape.task_value_and_gradient(task, point_of(x));
        write_gradient(value, gradient, grad)
    }
}

/// Copies a landscape's 2D gradient into the engine's vector and passes the value through.
fn write_gradient(value: f64, gradient: Point, grad: &mut DVector<f64>) -> f64 {
    grad[0] = gradient[0];
    grad[1] = gradient[1];
    value
}
