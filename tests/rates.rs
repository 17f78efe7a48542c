//! The claim forms and metrics of the rates and implicit-bias lessons, checked on runs whose
//! values theory gives exactly: `Rate` (a metric at two steps), `Norm`, `EffectiveStep` and
//! `MarginAngle`, the validation of each, and the `rate_bound` curves.

use optiviz::analysis::study::verify::{Verdict, verify_claim};
use optiviz::landscape::{LandscapeConfig, Logistic};
use optiviz::scenario::{self, Bounds, Claim, RateBound, Scenario};

/// GD at lr on ½(x² + 10y²)-like quadratics is exact: from (1, 0) along the λ₁ = 1 axis the
/// loss is ½(1 − lr)^(2k).
fn quadratic_lesson(claim: &str) -> Scenario {
    let text = format!(
        r#"Scenario(
    version: 2,
    name: "rates test",
    notice: [
        Notice(text: "the claim", claim: {claim}),
        Notice(text: "a second claim", claim: Status(run: "GD", is: Finished, from: 40, to: 40)),
    ],
    problem: Landscape(Quadratic(lambda1: 1.0, lambda2: 10.0, angle_deg: 0.0)),
    steps: 40,
    runs: [Run(label: "GD", optimizer: Sgd(lr: 0.1), start: (1.0, 0.0))],
)"#
    );
    scenario::parse(&text, "rates.ron")
        .unwrap_or_else(|e| panic!("{e}"))
        .scenario
}

fn measured(scenario: &Scenario, claim: &Claim) -> (bool, f64) {
    let verdict = verify_claim(scenario, claim).unwrap_or_else(|e| panic!("{e}"));
    let value = verdict.measured().and_then(|m| m.value).unwrap_or(f64::NAN);
    (verdict.holds(), value)
}

#[test]
fn rate_is_the_metric_at_to_over_the_metric_at_from() {
    let claim_text = "Rate(run: \"GD\", metric: Loss, from: 10, to: 30, bounds: Within(0.0, 1.0))";
    let scenario = quadratic_lesson(claim_text);
    let claim = scenario.notice[0].claim.clone();
    let (holds, ratio) = measured(&scenario, &claim);
    // f(x_k) = ½·0.9^(2k): the ratio over 20 steps is 0.9^40.
    let exact = 0.9f64.powi(40);
    assert!(holds);
    assert!((ratio - exact).abs() < 1e-12 * exact, "{ratio} vs {exact}");
    // Bounds that exclude it fail.
    let Claim::Rate {
        run,
        metric,
        from,
        to,
        ..
    } = claim
    else {
        panic!("a Rate claim");
    };
    let narrow = Claim::Rate {
        run,
        metric,
        from,
        to,
        bounds: Bounds::Within(1.01 * exact, 2.0 * exact),
    };
    assert!(matches!(
        verify_claim(&scenario, &narrow),
        Ok(Verdict::Fails { .. })
    ));
}

#[test]
fn norm_and_effective_step_read_the_iterate() {
    // After k steps x = 0.9^k, y = 0: ‖x‖ = 0.9^k and lr/‖x‖² = 0.1/0.9^(2k).
    let scenario =
        quadratic_lesson("Value(run: \"GD\", metric: Norm, at: Step(5), bounds: Within(0.5, 0.6))");
    let (holds, norm) = measured(&scenario, &scenario.notice[0].claim);
    assert!(holds && (norm - 0.9f64.powi(5)).abs() < 1e-15, "{norm}");
    let scenario = quadratic_lesson(
        "Value(run: \"GD\", metric: EffectiveStep, at: Step(5), bounds: Within(0.1, 0.3))",
    );
    let (holds, step) = measured(&scenario, &scenario.notice[0].claim);
    let exact = 0.1 / 0.9f64.powi(10);
    assert!(holds && (step - exact).abs() < 1e-13 * exact, "{step}");
}

#[test]
fn bad_rate_and_margin_claims_are_reported_where_they_are() {
    for (claim, expected) in [
        (
            "Rate(run: \"GD\", metric: Loss, from: 30, to: 10, bounds: Within(0.0, 1.0))",
            "to must be after from",
        ),
        (
            "Rate(run: \"GD\", metric: Loss, from: 10, to: 90, bounds: Within(0.0, 1.0))",
            "beyond the lesson's budget",
        ),
        (
            "Value(run: \"GD\", metric: MarginAngle, at: End, bounds: Within(0.0, 1.0))",
            "MarginAngle needs a landscape on separable data",
        ),
    ] {
        let text = format!(
            r#"Scenario(
    version: 2,
    name: "bad",
    notice: [
        Notice(text: "the claim", claim: {claim}),
        Notice(text: "a second claim", claim: Status(run: "GD", is: Finished, from: 40, to: 40)),
    ],
    problem: Landscape(Quadratic()),
    steps: 40,
    runs: [Run(label: "GD", optimizer: Sgd(lr: 0.1), start: (1.0, 0.0))],
)"#
        );
        let error = match scenario::parse(&text, "bad.ron") {
            Ok(_) => panic!("{claim} was accepted"),
            Err(error) => error.to_string(),
        };
        assert!(error.contains(expected), "{claim}: {error}");
        assert!(error.contains("bad.ron:"), "{error}");
    }
}

#[test]
fn the_margin_angle_shrinks_on_separable_data() {
    let text = r#"Scenario(
    version: 2,
    name: "margin",
    notice: [
        Notice(text: "a", claim: Value(run: "GD", metric: MarginAngle, at: Step(0), bounds: Above(90.0))),
        Notice(text: "b", claim: Value(run: "GD", metric: MarginAngle, at: End, bounds: Below(2.0))),
    ],
    problem: Landscape(Logistic(separable: true)),
    tolerance: 0.0,
    steps: 3000,
    runs: [Run(label: "GD", optimizer: Sgd(lr: 3.0), start: (-2.0, 2.0))],
)"#;
    let scenario = scenario::parse(text, "margin.ron")
        .unwrap_or_else(|e| panic!("{e}"))
        .scenario;
    let (start_holds, start) = measured(&scenario, &scenario.notice[0].claim);
    let (end_holds, end) = measured(&scenario, &scenario.notice[1].claim);
    assert!(start_holds && end_holds, "{start}° → {end}°");
    assert!(start <= 180.0 && end >= 0.0);
    // The default, noisy data have no separator, and so no angle.
    let noisy = LandscapeConfig::Logistic(Logistic::default()).build();
    assert!(noisy.max_margin().is_none());
}

#[test]
fn the_convex_bound_is_above_gradient_descent_on_separable_data() {
    let landscape = LandscapeConfig::Logistic(Logistic {
        separable: true,
        ..Logistic::default()
    })
    .build();
    let bound = RateBound::Convex {
        reference: [16.0, -9.0],
    };
    let (lr, start) = (3.0, [-2.0, 2.0]);
    let curve = bound
        .loss_bound(
            lr,
            start,
            landscape.value(start),
            |p| landscape.value(p),
            2000,
        )
        .unwrap_or_default();
    let mut x = start;
    for (k, bound_k) in curve.iter().enumerate() {
        let (value, gradient) = landscape.value_and_gradient(x);
        assert!(value <= *bound_k, "step {k}: {value} > {bound_k}");
        x = [x[0] - lr * gradient[0], x[1] - lr * gradient[1]];
    }
    // The bound falls like 1/k towards f(u): loose by less than 10× at step 1000.
    let mut x = start;
    for _ in 0..1000 {
        let (_, gradient) = landscape.value_and_gradient(x);
        x = [x[0] - lr * gradient[0], x[1] - lr * gradient[1]];
    }
    assert!(curve[1000] < 10.0 * landscape.value(x));
}
