use super::activation::*;
use super::config::*;
use super::*;
use crate::network::NetworkSpec;
use crate::network::dataset::DatasetConfig;
use crate::network::init::Init;
use crate::objective::central_difference_hvp;
use crate::validate::Checker;

const ACTIVATIONS: [Activation; 5] = [
    Activation::Tanh,
    Activation::Relu,
    Activation::Sigmoid,
    Activation::Linear,
    Activation::Gelu,
];

/// Small nets covering every activation × loss × output kind.
fn small_configs() -> Vec<Mlp> {
    let moons = DatasetConfig::Moons { n: 13, noise: 0.2 };
    let regression = DatasetConfig::Regression {
        n: 11,
        function: super::super::RegressionFunction::Sine,
        noise: 0.1,
    };
    let mut configs = Vec::new();
    for activation in ACTIVATIONS {
        for (loss, data, widths) in [
            (Loss::Mse, moons, vec![2, 4, 3, 1]),
            (Loss::Mse, moons, vec![2, 5, 2]),
            (Loss::CrossEntropy, moons, vec![2, 4, 3, 1]),
            (Loss::CrossEntropy, moons, vec![2, 3, 4, 2]),
            (Loss::Mse, regression, vec![1, 6, 1]),
            // Wide enough that every product goes through gemm.
            (Loss::CrossEntropy, moons, vec![2, 7, 8, 2]),
        ] {
            configs.push(Mlp {
                widths,
                activation,
                loss,
                data,
                init_scale: 1.5,
                seed: 3,
                ..Mlp::default()
            });
        }
    }
    configs
}

fn point(network: &MlpNetwork, seed: u64) -> DVector<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let noise = DVector::from_fn(network.dim(), |_, _| {
        rand_distr::Distribution::<f64>::sample(&rand_distr::StandardNormal, &mut rng)
    });
    network.initial_parameters() + 0.3 * noise
}

fn central_difference_grad(network: &MlpNetwork, x: &DVector<f64>) -> DVector<f64> {
    let h = 1e-6;
    DVector::from_fn(x.len(), |k, _| {
        let (mut plus, mut minus) = (x.clone(), x.clone());
        plus[k] += h;
        minus[k] -= h;
        (network.value(&plus) - network.value(&minus)) / (2.0 * h)
    })
}

/// The Hessian from central differences of the exact gradient, column by column.
fn dense_hessian(network: &MlpNetwork, x: &DVector<f64>) -> DMatrix<f64> {
    let n = x.len();
    let h = 1e-5;
    let mut hessian = DMatrix::zeros(n, n);
    let (mut g_plus, mut g_minus) = (DVector::zeros(n), DVector::zeros(n));
    for k in 0..n {
        let (mut plus, mut minus) = (x.clone(), x.clone());
        plus[k] += h;
        minus[k] -= h;
        network.value_and_grad(&plus, &mut g_plus);
        network.value_and_grad(&minus, &mut g_minus);
        hessian.set_column(k, &((&g_plus - &g_minus) / (2.0 * h)));
    }
    hessian
}

fn assert_close(actual: &DVector<f64>, expected: &DVector<f64>, tolerance: f64, what: &str) {
    let error = (actual - expected).amax();
    let scale = 1.0 + expected.amax();
    assert!(
        error <= tolerance * scale,
        "{what}: max error {error:e} (scale {scale})\n{actual}\n{expected}"
    );
}

#[test]
fn fast_tanh_agrees_with_libm() {
    for i in -400_000..=400_000 {
        let z = f64::from(i) * 2.5e-5 + 1e-11;
        let (fast, reference) = (tanh(z), z.tanh());
        assert!(
            (fast - reference).abs() <= 8e-16 * reference.abs(),
            "tanh({z}) = {fast}, libm {reference}"
        );
    }
    for z in [1e-300, 1e-8, 0.4999999, 0.5, 0.5000001, 19.0, 40.0, 1e300] {
        assert!((tanh(z) - z.tanh()).abs() <= 8e-16 * z.tanh());
        assert_eq!(tanh(-z), -tanh(z));
    }
    assert_eq!(tanh(0.0).to_bits(), 0.0f64.to_bits());
    assert_eq!(tanh(-0.0).to_bits(), (-0.0f64).to_bits());
    assert_eq!((tanh(f64::INFINITY), tanh(f64::NEG_INFINITY)), (1.0, -1.0));
    assert!(tanh(f64::NAN).is_nan());
}

#[test]
fn gradient_matches_finite_differences() {
    for config in small_configs() {
        let network = config.build();
        let x = point(&network, 1);
        let mut grad = DVector::zeros(network.dim());
        let value = network.value_and_grad(&x, &mut grad);
        assert_eq!(value, network.value(&x));
        let what = format!(
            "{:?} {:?} {:?}",
            config.activation, config.loss, config.widths
        );
        assert_close(&grad, &central_difference_grad(&network, &x), 1e-6, &what);
    }
}

#[test]
fn minibatch_over_all_samples_is_the_full_gradient() {
    for config in small_configs() {
        let network = config.build();
        let x = point(&network, 2);
        let n = network.num_samples();
        let mut full = DVector::zeros(network.dim());
        let mut batched = DVector::zeros(network.dim());
        let value = network.value_and_grad(&x, &mut full);
        let all: Vec<usize> = (0..n).rev().collect();
        let batch_value = network.sample_value_and_grad(&x, &all, &mut batched);
        assert!((value - batch_value).abs() < 1e-13 * (1.0 + value));
        assert_close(&batched, &full, 1e-13, "reversed batch");
        // A minibatch mean is the mean of single-sample gradients.
        let mut single = DVector::zeros(network.dim());
        let mut mean = DVector::zeros(network.dim());
        let mut mean_value = 0.0;
        for i in [0, 3, 5] {
            mean_value += network.sample_value_and_grad(&x, &[i], &mut single) / 3.0;
            mean += &single / 3.0;
        }
        let value = network.sample_value_and_grad(&x, &[0, 3, 5], &mut batched);
        assert!((value - mean_value).abs() < 1e-13 * (1.0 + value));
        assert_close(&batched, &mean, 1e-13, "minibatch");
    }
}

#[test]
fn hvp_is_exact() {
    for config in small_configs() {
        let network = config.build();
        let what = format!(
            "{:?} {:?} {:?}",
            config.activation, config.loss, config.widths
        );
        let x = point(&network, 4);
        let v = point(&network, 5) - network.initial_parameters();
        let mut exact = DVector::zeros(network.dim());
        network.hvp(&x, &v, &mut exact);
        let mut difference = DVector::zeros(network.dim());
        central_difference_hvp(network.as_ref(), &x, &v, &mut difference);
        assert_close(&exact, &difference, 1e-6, &what);
        let hessian = dense_hessian(&network, &x);
        assert_close(&exact, &(&hessian * &v), 1e-6, &what);
        let from_products = network.hessian(&x).expect("a small network");
        assert_close(&(&from_products * &v), &exact, 1e-12, &what);
        // Cached primal pass (hvp right after a gradient at x) and a fresh one agree exactly.
        let mut grad = DVector::zeros(network.dim());
        network.value_and_grad(&x, &mut grad);
        let mut after_grad = DVector::zeros(network.dim());
        network.hvp(&x, &v, &mut after_grad);
        assert_eq!(after_grad, exact, "{what}");
    }
}

#[test]
fn chunked_batches_agree_with_one_chunk() {
    let config = Mlp {
        widths: vec![2, 8, 7, 2],
        loss: Loss::CrossEntropy,
        activation: Activation::Gelu,
        data: DatasetConfig::Spiral { n: 50, noise: 0.1 },
        test_fraction: 0.2,
        ..Mlp::default()
    };
    let whole = config.build();
    let mut chunked = MlpNetwork::new(&config);
    chunked.capacity = 7;
    let x = point(&whole, 1);
    let v = point(&whole, 2) - whole.initial_parameters();
    let (mut a, mut b) = (DVector::zeros(whole.dim()), DVector::zeros(whole.dim()));
    let value = whole.value_and_grad(&x, &mut a);
    assert!((value - chunked.value_and_grad(&x, &mut b)).abs() < 1e-14);
    assert_close(&b, &a, 1e-13, "gradient");
    whole.hvp(&x, &v, &mut a);
    chunked.hvp(&x, &v, &mut b);
    assert_close(&b, &a, 1e-13, "hvp");
    assert_eq!(
        whole.evaluate(&x).test_accuracy,
        chunked.evaluate(&x).test_accuracy
    );
}

#[test]
fn same_seed_same_network() {
    let config = Mlp {
        test_fraction: 0.25,
        ..Mlp::default()
    };
    let (a, b) = (config.build(), config.build());
    assert_eq!(a.initial_parameters(), b.initial_parameters());
    assert_eq!(a.data(), b.data());
    let other = Mlp {
        seed: 1,
        ..config.clone()
    }
    .build();
    assert_ne!(a.initial_parameters(), other.initial_parameters());
    // Layout: 2·32 + 32 + 32·32 + 32 + 32 + 1 parameters in three named layers.
    assert_eq!(a.dim(), 1185);
    let names: Vec<_> = a.layers().iter().map(|layer| layer.name.as_str()).collect();
    assert_eq!(names, ["layer 1", "layer 2", "layer 3"]);
    assert_eq!(a.layers()[1].range, 96..1152);
    let (train, test) = a.data().expect("an MLP has data");
    assert_eq!((train.len(), test.map(Dataset::len)), (150, Some(50)));
    assert_eq!(a.num_samples(), 150);
    // Too big for a dense Hessian.
    assert!(a.hessian(&a.initial_parameters()).is_none());
}

#[test]
fn evaluation_and_predictions() {
    let config = Mlp {
        test_fraction: 0.25,
        loss: Loss::CrossEntropy,
        ..Mlp::default()
    };
    let network = config.build();
    let mut x = network.initial_parameters();
    // A few hundred GD steps on moons classify nearly everything.
    let mut grad = DVector::zeros(network.dim());
    for _ in 0..500 {
        network.value_and_grad(&x, &mut grad);
        x.axpy(-1.0, &grad, 1.0);
    }
    let evaluation = network.evaluate(&x);
    assert!(evaluation.train_accuracy.expect("classification") > 0.95);
    assert!(evaluation.test_accuracy.expect("a test set") > 0.9);
    assert!(evaluation.test_loss.expect("a test set") < 0.3);
    let (train, _) = network.data().expect("data");
    let mut scores = vec![0.0; train.len()];
    assert!(network.predict(&x, &train.inputs, &mut scores));
    let Targets::Classes { labels, .. } = &train.targets else {
        panic!("moons are labelled");
    };
    let agree = scores
        .iter()
        .zip(labels)
        .filter(|(score, label)| (**score > 0.0) == (**label == 1))
        .count();
    assert_eq!(
        agree as f64 / train.len() as f64,
        evaluation.train_accuracy.unwrap_or(0.0)
    );
    assert!(scores.iter().all(|s| (-1.0..=1.0).contains(s)));
    // Regression: raw outputs, no accuracy.
    let regression = Mlp {
        widths: vec![1, 8, 1],
        data: DatasetConfig::Regression {
            n: 20,
            function: super::super::RegressionFunction::Abs,
            noise: 0.0,
        },
        ..Mlp::default()
    }
    .build();
    let x = regression.initial_parameters();
    assert_eq!(regression.evaluate(&x), Evaluation::default());
    let mut out = [0.0; 2];
    assert!(regression.predict(&x, &[0.5, -1.0], &mut out));
    let mut grad = DVector::zeros(regression.dim());
    regression.sample_value_and_grad(&x, &[0], &mut grad);
    let (train, _) = regression.data().expect("data");
    let mut single = [0.0];
    regression.predict(&x, train.input(0), &mut single);
    let Targets::Values(values) = &train.targets else {
        panic!("regression has values");
    };
    let loss = regression.sample_value_and_grad(&x, &[0], &mut grad);
    assert!((loss - 0.5 * (single[0] - values[0]).powi(2)).abs() < 1e-14);
}

#[test]
fn ron_round_trip() {
    let options = crate::ron_format::ron_options();
    let text = "Mlp(widths: [2, 32, 32, 1], activation: Tanh, loss: Mse, \
                data: Moons(n: 200, noise: 0.1), init: TorchDefault, init_scale: 1.0, \
                test_fraction: 0.0, seed: 0)";
    let parsed: Mlp = options.from_str(text).expect("parses");
    assert_eq!(parsed, Mlp::default());
    assert_eq!(
        options.from_str::<Mlp>("Mlp()").expect("parses"),
        Mlp::default()
    );
    let config = Mlp {
        widths: vec![2, 16, 2],
        activation: Activation::Gelu,
        loss: Loss::CrossEntropy,
        data: DatasetConfig::Circles {
            n: 300,
            noise: 0.1,
            factor: 0.4,
        },
        init: Init::Normal { std: 0.2 },
        init_scale: 0.5,
        test_fraction: 0.3,
        seed: 7,
        relu_grad_at_zero: 0.5,
        lazy_alpha: Some(3.0),
    };
    let text = options.to_string(&config).expect("serializes");
    assert_eq!(options.from_str::<Mlp>(&text).expect("parses"), config);
    let text = options
        .to_string_pretty(&config, ron::ser::PrettyConfig::default())
        .expect("serializes");
    assert_eq!(options.from_str::<Mlp>(&text).expect("parses"), config);
}

fn findings(config: &Mlp) -> Vec<(String, String)> {
    let mut checker = Checker::new();
    config.validate(&mut checker);
    checker
        .found
        .into_iter()
        .map(|found| (found.path, found.message))
        .collect()
}

#[test]
fn validation_messages() {
    assert!(findings(&Mlp::default()).is_empty());
    let bad_input = Mlp {
        widths: vec![3, 32, 1],
        ..Mlp::default()
    };
    assert_eq!(
        findings(&bad_input),
        [(
            "widths[0]".to_owned(),
            "widths[0] must be 2, the number of input features of Moons, got 3".to_owned()
        )]
    );
    let bad = Mlp {
        widths: vec![2, 0, 600, 3],
        loss: Loss::CrossEntropy,
        init_scale: 0.0,
        test_fraction: 0.95,
        data: DatasetConfig::Xor { n: 2, noise: -1.0 },
        init: Init::Normal { std: -0.1 },
        ..Mlp::default()
    };
    let paths: Vec<String> = findings(&bad).into_iter().map(|(path, _)| path).collect();
    assert_eq!(
        paths,
        [
            "widths[1]",
            "widths[2]",
            "widths[3]",
            "init_scale",
            "test_fraction",
            "data.n",
            "data.noise",
            "init.std"
        ]
    );
    assert!(
        findings(&bad)[2]
            .1
            .contains("1 (one score) or 2 (one per class of Xor)")
    );
    let regression = Mlp {
        widths: vec![1, 8, 2],
        loss: Loss::CrossEntropy,
        data: DatasetConfig::Regression {
            n: 50,
            function: super::super::RegressionFunction::Step,
            noise: 0.0,
        },
        ..Mlp::default()
    };
    let found = findings(&regression);
    assert_eq!(
        found[0].1,
        "widths[2] must be 1, the single output of Regression, got 2"
    );
    assert_eq!(found[1].0, "loss");
    let huge = Mlp {
        widths: vec![2, 512, 512, 1],
        ..Mlp::default()
    };
    assert!(findings(&huge)[0].1.contains("264705 parameters"));
    let short = Mlp {
        widths: vec![2],
        ..Mlp::default()
    };
    assert_eq!(findings(&short)[0].0, "widths");
}

#[test]
fn unvalidated_configs_still_build() {
    for config in [
        Mlp {
            widths: vec![],
            ..Mlp::default()
        },
        Mlp {
            widths: vec![5, 0, 3],
            loss: Loss::CrossEntropy,
            data: DatasetConfig::Regression {
                n: 0,
                function: super::super::RegressionFunction::Cubic,
                noise: f64::NAN,
            },
            init_scale: f64::NAN,
            test_fraction: 5.0,
            ..Mlp::default()
        },
    ] {
        let network = config.build();
        let x = network.initial_parameters();
        let mut grad = DVector::zeros(network.dim());
        assert!(network.value_and_grad(&x, &mut grad).is_finite());
        assert!(grad.iter().all(|g| g.is_finite()));
    }
    // Wrong lengths give NaN, not a panic.
    let network = Mlp::default().build();
    let mut grad = DVector::zeros(3);
    assert!(
        network
            .value_and_grad(&DVector::zeros(3), &mut grad)
            .is_nan()
    );
    let x = network.initial_parameters();
    let mut grad = DVector::zeros(network.dim());
    assert!(
        network
            .sample_value_and_grad(&x, &[10_000], &mut grad)
            .is_nan()
    );
}

#[test]
fn workspace_pool_is_reused() {
    let network = Mlp::default().build();
    let x = network.initial_parameters();
    let mut grad = DVector::zeros(network.dim());
    for _ in 0..5 {
        network.value_and_grad(&x, &mut grad);
        network.hvp(&x, &grad.clone(), &mut grad);
    }
    assert_eq!(network.lock_pool().len(), 1);
    fn is_send_sync<T: Send + Sync>() {}
    is_send_sync::<MlpNetwork>();
}

/// `cargo test --release --no-default-features --lib network::mlp -- --ignored --nocapture`
/// (the machine is shared, so each figure is the best of several blocks).
#[test]
#[ignore = "timing, run in release"]
fn speed_of_the_headline_preset() {
    fn best_of<F: FnMut()>(blocks: usize, mut block: F) -> f64 {
        (0..blocks)
            .map(|_| {
                let start = crate::clock::Instant::now();
                block();
                start.elapsed().as_secs_f64()
            })
            .fold(f64::INFINITY, f64::min)
    }
    let network = Mlp::default().build();
    let mut x = network.initial_parameters();
    let mut grad = DVector::zeros(network.dim());
    let mut v = DVector::from_element(network.dim(), 1.0 / (network.dim() as f64).sqrt());
    let mut hv = DVector::zeros(network.dim());
    let gradient = best_of(10, || {
        for _ in 0..200 {
            network.value_and_grad(&x, &mut grad);
            x.axpy(-0.1, &grad, 1.0);
        }
    }) / 200.0;
    let cached_hvp = best_of(10, || {
        for _ in 0..200 {
            network.hvp(&x, &v, &mut hv);
            let norm = hv.norm();
            v.copy_from(&hv);
            v /= norm;
        }
    }) / 200.0;
    let x2 = &x * 1.0001;
    let fresh_hvp = best_of(10, || {
        for k in 0..200 {
            let y = if k % 2 == 0 { &x } else { &x2 };
            network.hvp(y, &v, &mut hv);
        }
    }) / 200.0;
    let whole = best_of(3, || {
        for step in 0..2000 {
            network.value_and_grad(&x, &mut grad);
            x.axpy(-0.1, &grad, 1.0);
            if step % 10 == 0 {
                for _ in 0..20 {
                    network.hvp(&x, &v, &mut hv);
                    let norm = hv.norm();
                    v.copy_from(&hv);
                    v /= norm;
                }
            }
        }
    });
    assert!(x.iter().all(|v| v.is_finite()));
    println!(
        "gradient {:.1} µs, HVP (cached primal) {:.1} µs, HVP (fresh) {:.1} µs, \
         2000 GD steps + 200 × 20 HVPs {:.0} ms",
        gradient * 1e6,
        cached_hvp * 1e6,
        fresh_hvp * 1e6,
        whole * 1e3
    );
}
