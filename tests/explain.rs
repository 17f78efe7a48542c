//! Every optimizer explains its latest step: after 3 steps on a 2D quadratic, each one in the
//! catalog lists the quantities of its update rule, all finite, with at least one update arrow
//! as long as x; none explains anything before its first step.

use std::sync::Arc;

use nalgebra::DVector;
use optiviz::landscape::{LandscapeObjective, Quadratic};
use optiviz::objective::{GradientModel, Oracle};
use optiviz::optim::{OptimizerConfig, QuantityValue};

fn quadratic_oracle() -> Oracle {
    let quadratic = Quadratic {
        lambda1: 1.0,
        lambda2: 4.0,
        angle_deg: 30.0,
    };
    Oracle::new(
        Arc::new(LandscapeObjective::new(Arc::new(quadratic))),
        GradientModel::default(),
        0,
    )
}

#[test]
fn every_optimizer_explains_itself_after_three_steps() {
    for config in OptimizerConfig::catalog() {
        let name = config.name();
        let mut optimizer = config.build(2);
        assert!(
            optimizer.explain().is_empty(),
            "{name} explains before a step"
        );
        let mut oracle = quadratic_oracle();
        let mut x = DVector::from_vec(vec![1.5, -1.0]);
        for _ in 0..3 {
            optimizer.step(&mut x, &mut oracle);
        }
        let quantities = optimizer.explain();
        assert!(!quantities.is_empty(), "{name} explains nothing");
        let arrows = quantities.iter().filter(|q| q.arrow.is_some()).count();
        assert!(arrows >= 1, "{name} draws no arrow");
        for quantity in &quantities {
            assert!(
                !quantity.symbol.is_empty(),
                "{name}: a quantity without a symbol"
            );
            match &quantity.value {
                QuantityValue::Scalar(v) => {
                    assert!(v.is_finite(), "{name}: {} = {v}", quantity.symbol);
                }
                QuantityValue::Vector(values) => {
                    assert!(
                        values.iter().all(|v| v.is_finite()),
                        "{name}: {} = {values:?}",
                        quantity.symbol
                    );
                    if quantity.arrow.is_some() {
                        assert_eq!(values.len(), 2, "{name}: arrow {}", quantity.symbol);
                    }
                }
            }
        }
        optimizer.reset();
        assert!(
            optimizer.explain().is_empty(),
            "{name} explains after reset"
        );
    }
}
