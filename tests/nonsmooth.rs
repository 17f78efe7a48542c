//! Nonsmooth calculus (issue 19 §1): relu′(0) as a choice in networks, the sampled Clarke
//! subdifferential, and the ε-subdifferential distance of a ReLU network.

use nalgebra::DVector;
use optiviz::network::{Activation, DatasetConfig, Mlp, NetworkSpec, RegressionFunction};

/// A 1-2-1 ReLU network whose first layer ignores the input (W₁ = 0) and whose biases are
/// (t, −t), with W₂ = (1, −1): every output is relu(t) − relu(−t) = t. Backpropagation's
/// derivative along t at t = 0 is 2·relu′(0) times the true one (0, 1, 2 for relu′(0) = 0, ½, 1).
#[test]
fn relu_grad_at_zero_changes_backpropagation_in_a_network_not_its_value() {
    for (slope, factor) in [(0.0, 0.0), (0.5, 1.0), (1.0, 2.0)] {
        let config = Mlp {
            widths: vec![1, 2, 1],
            activation: Activation::Relu,
            data: DatasetConfig::Regression {
                n: 40,
                function: RegressionFunction::Abs,
                noise: 0.1,
            },
            relu_grad_at_zero: slope,
            ..Mlp::default()
        };
        let network = config.build_network();
        assert_eq!(network.dim(), 7);
        // Layout: W₁ (2×1), b₁ (2), W₂ (1×2), b₂ (1).
        let at = |t: f64| DVector::from_vec(vec![0.0, 0.0, t, -t, 1.0, -1.0, 0.0]);
        let mut grad = DVector::zeros(7);
        let loss = network.value_and_grad(&at(0.0), &mut grad);
        assert_eq!(loss, network.value(&at(0.0)));
        // The loss is ½·mean((t − y)²) whatever relu′(0): the value does not depend on it.
        let h = 1e-4;
        let true_slope = (network.value(&at(h)) - network.value(&at(-h))) / (2.0 * h);
        assert!(
            true_slope.abs() > 0.05,
            "mean target too close to 0: {true_slope}"
        );
        let backpropagated = grad[2] - grad[3];
        let ratio = backpropagated / true_slope;
        assert!(
            (ratio - factor).abs() < 1e-9,
            "relu′(0) = {slope}: backpropagated {backpropagated}, true {true_slope}, ratio {ratio}"
        );
    }
}
