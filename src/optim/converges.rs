//! Where the per-coordinate and momentum methods end, and what their validation reports: one table
//! of runs (a method, a problem, a start, a number of steps and where the last iterate must lie)
//! and one of invalid configs with the paths torch's checks report, in order. Each row was a test
//! of the method's own file; the methods' own tests keep what is particular to each.

use nalgebra::DVector;

use crate::landscape::Rosenbrock;
use crate::objective::Oracle;
use crate::optim::test_support::{
    TestedConfig, iterate, oracle_on, quadratic, validation_paths, with_lr,
};
use crate::optim::*;

/// Where a run's last iterate must lie.
enum Ends {
    /// Within this distance of the problem's minimizer.
    Within(f64),
    /// Within these distances of the minimizer, coordinate by coordinate.
    Near([f64; 2]),
    /// Where the loss is below this value.
    Below(f64),
    /// Where the loss is below this fraction of the loss at the start.
    BelowStartTimes(f64),
}

/// A row of the convergence table: the method, its problem, the start, the steps and where it ends.
type ConvergenceRun<'a> = (&'a dyn TestedConfig, Problem, [f64; 2], usize, Ends);

/// A problem of the table and its minimizer.
struct Problem {
    oracle: fn() -> Oracle,
    minimizer: [f64; 2],
}

/// ½(x² + 4y²), minimized at the origin.
const QUADRATIC: Problem = Problem {
    oracle: quadratic,
    minimizer: [0.0, 0.0],
};

/// Rosenbrock's valley, minimized at (1, 1).
const ROSENBROCK: Problem = Problem {
    oracle: || oracle_on(Rosenbrock::default()),
    minimizer: [1.0, 1.0],
};

#[test]
fn each_method_ends_where_its_runs_should() {
    use Ends::{Below, BelowStartTimes, Near, Within};
    let from = [1.0, -1.0];
    let valley = [-1.2, 1.0];
    let rms_prop = |centered| RmsPropConfig {
        lr: 0.01,
        momentum: 0.5,
        centered,
        ..RmsPropConfig::default()
    };
    let runs: [ConvergenceRun; 22] = [
        // Adadelta is slow here: its first steps have size ≈ √eps/√(1 − ρ) whatever the
        // landscape, and on the steep axis it settles into a small oscillation.
        (
            &AdadeltaConfig::default(),
            QUADRATIC,
            from,
            3000,
            Below(1e-2 * 2.5),
        ),
        (
            &AdadeltaConfig::default(),
            ROSENBROCK,
            valley,
            2000,
            BelowStartTimes(0.1),
        ),
        (
            &with_lr::<AdagradConfig>(0.5),
            QUADRATIC,
            from,
            500,
            Within(1e-10),
        ),
        (
            &with_lr::<AdamConfig>(0.05),
            QUADRATIC,
            from,
            2000,
            Within(1e-6),
        ),
        (
            &with_lr::<AdamConfig>(0.02),
            ROSENBROCK,
            valley,
            5000,
            Near([1e-3, 2e-3]),
        ),
        (
            &with_lr::<AdamWConfig>(0.05),
            QUADRATIC,
            from,
            2000,
            Within(1e-6),
        ),
        (
            &with_lr::<AdamaxConfig>(0.05),
            QUADRATIC,
            from,
            2000,
            Within(1e-6),
        ),
        (
            &with_lr::<AsgdConfig>(0.3),
            QUADRATIC,
            from,
            200,
            Within(1e-10),
        ),
        (
            &with_lr::<AsgdConfig>(1e-3),
            ROSENBROCK,
            valley,
            20_000,
            Below(1e-2),
        ),
        (
            &HeavyBallConfig {
                lr: 2e-4,
                beta: 0.9,
            },
            ROSENBROCK,
            valley,
            20_000,
            Near([1e-4; 2]),
        ),
        // A sign method with a constant lr only gets near the valley's end: ask for a large
        // decrease.
        (
            &with_lr::<LionConfig>(1e-3),
            ROSENBROCK,
            [-1.0, 1.0],
            5000,
            BelowStartTimes(0.05),
        ),
        (
            &with_lr::<NAdamConfig>(0.05),
            QUADRATIC,
            from,
            2000,
            Within(1e-6),
        ),
        // NAdam's constant-lr end state on Rosenbrock is a band a few 1e-4 wide around (1, 1).
        (
            &with_lr::<NAdamConfig>(0.005),
            ROSENBROCK,
            valley,
            10_000,
            Within(5e-3),
        ),
        (
            &NesterovAgdConfig { lr: 2e-4 },
            ROSENBROCK,
            valley,
            20_000,
            Near([1e-4; 2]),
        ),
        (
            &with_lr::<RAdamConfig>(0.05),
            QUADRATIC,
            from,
            2000,
            Within(1e-6),
        ),
        (&rms_prop(false), QUADRATIC, from, 3000, Within(1e-3)),
        (&rms_prop(true), QUADRATIC, from, 3000, Within(1e-3)),
        (&RpropConfig::default(), QUADRATIC, from, 300, Within(1e-5)),
        (
            &RpropConfig::default(),
            ROSENBROCK,
            valley,
            3000,
            Below(1e-4),
        ),
        (
            &with_lr::<ScheduleFreeAdamWConfig>(0.05),
            QUADRATIC,
            from,
            3000,
            Within(1e-3),
        ),
        (&sgd_with_momentum(), QUADRATIC, from, 200, Within(1e-12)),
        // Signs of a rotated valley zig-zag, so only ask for a large decrease.
        (
            &SignSgdConfig {
                lr: 1e-3,
                momentum: 0.9,
            },
            ROSENBROCK,
            [-1.0, 1.0],
            5000,
            BelowStartTimes(0.05),
        ),
    ];
    for (config, problem, start, steps, ends) in runs {
        let name = config.name();
        let mut oracle = (problem.oracle)();
        let x = iterate(config, &mut oracle, start, steps);
        let [a, b] = problem.minimizer;
        let loss = |x: &DVector<f64>| oracle.objective().value(x);
        let reached = match ends {
            Within(distance) => (x[0] - a).hypot(x[1] - b) < distance,
            Near([da, db]) => (x[0] - a).abs() < da && (x[1] - b).abs() < db,
            Below(value) => loss(&x) < value,
            BelowStartTimes(factor) => loss(&x) < factor * loss(&DVector::from_row_slice(&start)),
        };
        assert!(reached, "{name} from {start:?}, {steps} steps: {x:?}");
    }
}

/// SGD with lr 0.3 and momentum 0.5.
fn sgd_with_momentum() -> SgdConfig {
    SgdConfig {
        lr: 0.3,
        momentum: 0.5,
        ..SgdConfig::default()
    }
}

#[test]
fn each_methods_validation_reports_torchs_paths_in_order() {
    let invalid: [(&dyn TestedConfig, &[&str]); 15] = [
        (
            &AdadeltaConfig {
                lr: 0.0,
                rho: 1.5,
                eps: -1.0,
                weight_decay: -0.1,
                maximize: false,
            },
            &["lr", "rho", "eps", "weight_decay"],
        ),
        (
            &AdagradConfig {
                lr: 0.0,
                lr_decay: -1.0,
                weight_decay: -1.0,
                initial_accumulator_value: -1.0,
                eps: -1.0,
                maximize: false,
            },
            &[
                "lr",
                "lr_decay",
                "weight_decay",
                "initial_accumulator_value",
                "eps",
            ],
        ),
        (
            &AdamConfig {
                lr: 0.0,
                betas: (1.0, -0.1),
                eps: -1e-8,
                weight_decay: -1.0,
                ..AdamConfig::default()
            },
            &["lr", "eps", "betas[0]", "betas[1]", "weight_decay"],
        ),
        (
            &AdamWConfig {
                lr: -1.0,
                betas: (0.9, 1.0),
                weight_decay: -0.1,
                ..AdamWConfig::default()
            },
            &["lr", "betas[1]", "weight_decay"],
        ),
        (
            &AdamaxConfig {
                lr: 0.0,
                betas: (-0.1, 1.5),
                eps: -1.0,
                weight_decay: -1.0,
                maximize: false,
            },
            &["lr", "eps", "betas[0]", "betas[1]", "weight_decay"],
        ),
        (
            &AsgdConfig {
                lr: 0.0,
                lambd: -1.0,
                alpha: -0.5,
                t0: f64::INFINITY,
                weight_decay: -1.0,
                maximize: false,
            },
            &["lr", "lambd", "alpha", "t0", "weight_decay"],
        ),
        (
            &HypergradientAdamConfig {
                lr: -1.0,
                hyper_lr: -1.0,
                betas: (1.0, 0.5),
                eps: -1.0,
            },
            &["lr", "hyper_lr", "eps", "betas[0]"],
        ),
        (
            &MuonConfig {
                lr: 0.0,
                momentum: 1.5,
                ns_steps: 0,
                weight_decay: -1.0,
                ..MuonConfig::default()
            },
            &["lr", "momentum", "ns_steps", "weight_decay"],
        ),
        (
            &NAdamConfig {
                lr: 0.0,
                betas: (1.0, 0.999),
                eps: -1.0,
                weight_decay: -1.0,
                momentum_decay: -1.0,
                ..NAdamConfig::default()
            },
            &["lr", "eps", "betas[0]", "weight_decay", "momentum_decay"],
        ),
        (
            &RAdamConfig {
                lr: 0.0,
                betas: (0.9, 1.0),
                eps: -1.0,
                weight_decay: -1.0,
                ..RAdamConfig::default()
            },
            &["lr", "eps", "betas[1]", "weight_decay"],
        ),
        (
            &RmsPropConfig {
                lr: 0.0,
                alpha: -0.5,
                eps: -1.0,
                weight_decay: -1.0,
                momentum: -1.0,
                ..RmsPropConfig::default()
            },
            &["lr", "eps", "momentum", "weight_decay", "alpha"],
        ),
        (
            &RpropConfig {
                lr: -1.0,
                step_sizes: (f64::NAN, 50.0),
                ..RpropConfig::default()
            },
            &["lr", "step_sizes[0]"],
        ),
        (
            &ScheduleFreeAdamWConfig {
                lr: -1.0,
                betas: (0.0, 1.0),
                ..ScheduleFreeAdamWConfig::default()
            },
            &["lr", "betas[1]", "betas[0]"],
        ),
        (
            &ScheduleFreeSgdConfig {
                lr: 0.0,
                momentum: 1.0,
                weight_decay: -1.0,
                ..ScheduleFreeSgdConfig::default()
            },
            &["lr", "weight_decay", "momentum"],
        ),
        (
            &SgdConfig {
                lr: 0.0,
                momentum: -0.1,
                nesterov: true,
                ..SgdConfig::default()
            },
            &["lr", "momentum", "nesterov"],
        ),
    ];
    for (config, paths) in invalid {
        assert_eq!(validation_paths(config), paths, "{}", config.name());
    }
}
