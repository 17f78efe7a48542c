//! Muon and the problem interface it needs: the networks' weight matrices (parameter blocks), the
//! validation that refuses Muon where there are none, and the `SingularValue` claim metric its
//! lesson reads.

use nalgebra::{DMatrix, DVector};
use optiviz::engine::Session;
use optiviz::network::{
    DeepLinear, MatrixFactorization, MatrixLayout, Mlp, Network, ParameterBlock,
};
use optiviz::objective::Objective;
use optiviz::scenario::{self, BuiltProblem, Problem};

/// The `block` of `x` as a matrix, read through the block's own layout.
fn matrix_of(block: &ParameterBlock, x: &DVector<f64>) -> DMatrix<f64> {
    DMatrix::from_fn(block.rows, block.cols, |i, j| x[block.index(i, j)])
}

/// A vector of `dim` distinct, irregular numbers.
fn irregular(dim: usize) -> DVector<f64> {
    DVector::from_fn(dim, |i, _| ((i as f64 + 1.0) * 0.618).sin())
}

#[test]
fn every_network_lists_its_weight_matrices_as_its_config_says() {
    for problem in Problem::catalog() {
        let blocks_expected = problem.has_parameter_blocks();
        match problem.build() {
            BuiltProblem::Landscape(_) => assert!(!blocks_expected, "{}", problem.name()),
            BuiltProblem::Network(network) => {
                let blocks = network.parameter_blocks();
                assert_eq!(!blocks.is_empty(), blocks_expected, "{}", problem.name());
                assert!(ParameterBlock::fit(blocks, network.dim()), "{blocks:?}");
            }
        }
    }
}

#[test]
fn a_one_layer_deep_linear_block_is_its_product_column_major() {
    let network = DeepLinear {
        depth: 1,
        width: 4,
        ..DeepLinear::default()
    }
    .build();
    let x = irregular(network.dim());
    let blocks = network.parameter_blocks();
    assert_eq!(blocks.len(), 1);
    assert_eq!(blocks[0].layout, MatrixLayout::ColumnMajor);
    assert_eq!(matrix_of(&blocks[0], &x), network.product(&x));
    let deeper = DeepLinear::default().build();
    let offsets: Vec<usize> = deeper.parameter_blocks().iter().map(|b| b.offset).collect();
    assert_eq!(offsets, [0, 25, 50]);
}

#[test]
fn a_factorization_blocks_are_u_and_v_whose_product_has_the_networks_singular_values() {
    let network = MatrixFactorization::default().build();
    let x = irregular(network.dim());
    let [u, v] = network.parameter_blocks() else {
        panic!("U and V");
    };
    assert_eq!((u.rows, u.cols, v.offset), (20, 2, 40));
    let product = matrix_of(u, &x) * matrix_of(v, &x).transpose();
    let mut expected: Vec<f64> = product.singular_values().iter().copied().collect();
    expected.sort_by(|a, b| b.total_cmp(a));
    let listed = network.singular_values(&x);
    for (a, b) in listed.iter().zip(&expected) {
        assert!(
            (a - b).abs() < 1e-10 * b.max(1.0),
            "{listed:?} vs {expected:?}"
        );
    }
}

#[test]
fn mlp_blocks_are_the_weights_fan_out_by_fan_in_and_the_biases_are_left_out() {
    let network = Mlp {
        widths: vec![2, 3, 1],
        ..Mlp::default()
    }
    .build();
    let blocks = network.parameter_blocks();
    // W₁ (3 × 2) at 0, b₁ at 6..9, W₂ (1 × 3) at 9, b₂ at 12.
    let expected = [
        ParameterBlock::new(0, 3, 2, MatrixLayout::RowMajor),
        ParameterBlock::new(9, 1, 3, MatrixLayout::RowMajor),
    ];
    assert_eq!(blocks, expected);
    assert_eq!(network.dim(), 13);
    // The first layer's gradient is ∂f/∂W₁: perturbing entry (2, 1) through the block's index
    // changes the loss at the rate the gradient says.
    let x = network.initial_parameters();
    let mut grad = DVector::zeros(13);
    network.value_and_grad(&x, &mut grad);
    let index = blocks[0].index(2, 1);
    let h = 1e-6;
    let (mut plus, mut minus) = (x.clone(), x.clone());
    plus[index] += h;
    minus[index] -= h;
    let slope = (network.value(&plus) - network.value(&minus)) / (2.0 * h);
    assert!(
        (slope - grad[index]).abs() < 1e-6,
        "{slope} vs {}",
        grad[index]
    );
}

/// The first diagnostic of `source` (which must not load).
fn first_error(source: &str) -> String {
    match scenario::parse(source, "x.ron") {
        Ok(_) => panic!("loaded:\n{source}"),
        Err(error) => error.0[0].to_string(),
    }
}

#[test]
fn muon_on_a_landscape_is_refused_at_its_optimizer_and_loads_on_a_network() {
    let source = "Scenario(\n    problem: Landscape(Rosenbrock()),\n    runs: [\n        Run(label: \"M\", optimizer: Muon(lr: 0.01)),\n    ],\n)";
    assert_eq!(
        first_error(source),
        "x.ron:4:36: Muon needs a problem whose parameters are matrices (Mlp, DeepLinear, \
         MatrixFactorization); Rosenbrock has none"
    );
    for problem in ["DeepLinear()", "MatrixFactorization()", "Mlp()"] {
        let source = source.replace("Landscape(Rosenbrock())", problem);
        let loaded = scenario::parse(&source, "x.ron").unwrap_or_else(|e| panic!("{e}"));
        // It runs there.
        let mut session = Session::new(loaded.scenario);
        session.advance(3);
        assert!(session.runs()[0].status().is_running(), "{problem}");
    }
}

#[test]
fn singular_value_claims_need_a_learned_matrix_and_a_record_step() {
    let lesson = |problem: &str, at: &str| {
        format!(
            "Scenario(version: 2, problem: {problem}, steps: 100, notice: [Notice(text: \"n\", \
             claim: Value(run: \"GD\", metric: SingularValue(0), at: {at}, bounds: Below(1.0)))], \
             runs: [Run(label: \"GD\", optimizer: Sgd(lr: 0.05))])"
        )
    };
    let on_mlp = first_error(&lesson("Mlp()", "Step(50)"));
    assert!(
        on_mlp.contains("SingularValue reads the learned matrix of a DeepLinear or MatrixFactorization network; Mlp has none"),
        "{on_mlp}"
    );
    let between_records = first_error(&lesson("DeepLinear()", "Step(55)"));
    assert!(
        between_records.contains("every 10 steps: step 55 has none"),
        "{between_records}"
    );
    assert!(scenario::parse(&lesson("DeepLinear()", "Step(50)"), "x.ron").is_ok());
}
