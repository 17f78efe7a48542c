//! The five background jobs of the app (contours, sweep, basin map, trajectory plane, GIF export)
//! in the frame loop: with a zero budget every poll does one piece, so each job takes several
//! polls, its fraction rises while it runs, it can be cancelled midway, and it finishes with
//! exactly what the threaded runner (the whole job at once, over every core) gives, which is also
//! what the core's one-call functions give.

use std::fmt::Debug;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize};
use std::time::Duration;

use optiviz::analysis::basin::{self, BasinPieces, BasinRequest};
use optiviz::analysis::contour::{self, Colormap, ContourPicture, ContourPieces, ContourRequest};
use optiviz::analysis::geometry::trajectory_plane::{TrajectoryPlane, TrajectoryPlanePieces};
use optiviz::analysis::projection;
use optiviz::analysis::sweep::{self, Axis, BudgetUnit, SweepPieces, SweepRequest};
use optiviz::engine::{Job, JobControl, JobRunner, JobState, Pieced, Pieces, Task};
use optiviz::landscape::{
    Himmelblau, Landscape, LandscapeConfig, LandscapeObjective, Quadratic, Rosenbrock, Transform,
    ViewWindow,
};
use optiviz::objective::Objective;
use optiviz::optim::{AdamConfig, OptimizerConfig, SgdConfig};
use optiviz::render::{self, GifPieces, RenderOptions, RunPath, TimedPath};
use optiviz::scenario::{Problem, RunConfig};

/// A zero budget: every poll runs exactly one piece.
fn frames() -> JobRunner {
    JobRunner::Frames {
        budget: Duration::ZERO,
    }
}

fn threads() -> JobRunner {
    JobRunner::Threads {
        wake: Arc::new(|| {}),
    }
}

/// What polling a job in the frame loop saw.
struct Polled<T> {
    result: T,
    /// The fraction of every poll that reported `Running`.
    fractions: Vec<f32>,
}

/// Polls `job` to its end in the frame loop.
fn poll_to_end<T: Send + 'static>(mut job: Job<T>) -> Polled<T> {
    let mut fractions = Vec::new();
    loop {
        match job.poll() {
            JobState::Running { fraction } => fractions.push(fraction),
            JobState::Finished(result) => return Polled { result, fractions },
            JobState::Failed(message) => panic!("{message}"),
            JobState::Gone => panic!("gone before it finished"),
        }
        assert!(fractions.len() < 100_000, "the job never finished");
    }
}

/// Waits for a job on its own thread (the deadline only keeps a broken job from hanging the test).
fn wait<T: Send + 'static>(mut job: Job<T>) -> T {
    let deadline = std::time::Instant::now() + Duration::from_secs(300);
    loop {
        match job.poll() {
            JobState::Finished(result) => return result,
            JobState::Running { .. } if std::time::Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(1));
            }
            other => panic!("{}", describe(&other)),
        }
    }
}

fn describe<T>(state: &JobState<T>) -> String {
    match state {
        JobState::Running { fraction } => format!("still running at {fraction}"),
        JobState::Finished(_) => "finished".to_owned(),
        JobState::Failed(message) => message.clone(),
        JobState::Gone => "gone".to_owned(),
    }
}

/// Runs `make()` in the frame loop with a zero budget and on a thread, and checks the frame
/// loop took at least `min_polls` polls with a fraction that never falls and ends above where it
/// began, and that both give the same result, bit for bit (Debug prints every float's shortest
/// round-trip form, so it tells apart any two different bit patterns but NaN payloads). Returns
/// the result.
fn same_in_slices_and_on_a_thread<P>(
    name: &'static str,
    make: impl Fn() -> P,
    min_polls: usize,
) -> P::Output
where
    P: Pieces,
    P::Output: Debug + PartialEq,
{
    let polled = poll_to_end(Job::start_pieces(&frames(), name, make()));
    let fractions = &polled.fractions;
    assert!(
        fractions.len() >= min_polls,
        "{name}: {} polls",
        fractions.len()
    );
    assert!(
        fractions.windows(2).all(|pair| pair[0] <= pair[1]),
        "{name}: {fractions:?}"
    );
    let (first, last) = (fractions[0], fractions[fractions.len() - 1]);
    assert!(last > first && last <= 1.0, "{name}: {first} … {last}");
    let threaded = wait(Job::start_pieces(&threads(), name, make()));
    assert_eq!(polled.result, threaded, "{name}");
    assert_eq!(
        format!("{:?}", polled.result),
        format!("{threaded:?}"),
        "{name}"
    );
    threaded
}

/// Starts `make()` in the frame loop, lets it work `polls` pieces, cancels it and checks it is
/// gone; then runs the task itself a piece, sets its cancel flag and checks it stops with no
/// result at its next slice.
fn cancels_midway<P: Pieces>(name: &'static str, make: impl Fn() -> P, polls: usize) {
    let mut job = Job::start_pieces(&frames(), name, make());
    for _ in 0..polls {
        assert!(matches!(job.poll(), JobState::Running { .. }), "{name}");
    }
    job.cancel();
    assert!(matches!(job.poll(), JobState::Gone), "{name}");
    assert!(!job.is_running(), "{name}");

    let control = JobControl::new(0);
    let mut task = Pieced::new(make());
    assert!(task.run_slice(&control, Duration::ZERO).is_none(), "{name}");
    control.cancel();
    match task.run_slice(&control, Duration::ZERO) {
        Some(Err(_)) => {}
        Some(Ok(_)) => panic!("{name}: finished after it was cancelled"),
        None => panic!("{name}: went on after it was cancelled"),
    }
}

fn rosenbrock() -> Arc<dyn Landscape> {
    Arc::new(Rosenbrock::default())
}

fn window(x_min: f64, x_max: f64, y_min: f64, y_max: f64) -> ViewWindow {
    ViewWindow {
        x_min,
        x_max,
        y_min,
        y_max,
    }
}

// ---------------------------------------------------------------------------------------------
// Contours

fn contour_request(width: usize, height: usize) -> ContourRequest {
    ContourRequest {
        window: window(-2.0, 2.0, -1.0, 3.0),
        width,
        height,
        levels: 18,
    }
}

#[test]
fn contours_in_slices_match_the_threaded_and_the_one_call_picture() {
    for (width, height) in [(48, 40), (300, 3)] {
        let make = || {
            ContourPieces::new(
                rosenbrock(),
                contour_request(width, height),
                Colormap::Viridis,
            )
        };
        // The field's rows, the colours and the rows of squares.
        let picture = same_in_slices_and_on_a_thread("the contours", make, 2 * height - 1);
        let field = contour::compute_field(rosenbrock().as_ref(), &contour_request(width, height));
        let expected = ContourPicture {
            width,
            height,
            rgba: field.to_rgba(Colormap::Viridis),
            lines: field.iso_lines(&field.levels()),
        };
        assert_eq!(format!("{picture:?}"), format!("{expected:?}"));
        assert!(
            picture
                .lines
                .iter()
                .filter(|l| !l.segments.is_empty())
                .count()
                > 5
        );
    }
}

#[test]
fn contours_cancel_midway() {
    let make = || ContourPieces::new(rosenbrock(), contour_request(32, 32), Colormap::Cividis);
    cancels_midway("the contours", make, 5);
}

// ---------------------------------------------------------------------------------------------
// Sweep

fn sweep_request() -> SweepRequest {
    SweepRequest {
        problem: Problem::Landscape(LandscapeConfig::Quadratic(Quadratic {
            lambda1: 1.0,
            lambda2: 10.0,
            angle_deg: 30.0,
        })),
        transform: Transform::IDENTITY,
        run: RunConfig {
            optimizer: OptimizerConfig::Sgd(SgdConfig::default()),
            ..RunConfig::default()
        },
        axes: [
            Axis::log("lr", (1e-3, 0.5), 7),
            Axis::linear("momentum", (0.0, 0.95), 5),
        ],
        budget_evals: 300,
        budget_unit: BudgetUnit::OracleCalls,
        tolerance: 1e-6,
    }
}

#[test]
fn a_sweep_in_slices_matches_the_threaded_and_the_one_call_sweep() {
    let make = || SweepPieces::new(sweep_request());
    let result = same_in_slices_and_on_a_thread("the sweep", make, 34);
    let one_call = sweep::run_sweep_with_threads(&sweep_request(), &JobControl::new(0), 3)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(format!("{result:?}"), format!("{one_call:?}"));
    // Not a trivial sweep: some cells diverge and some do not.
    assert!(result.diverged.iter().any(|&d| d) && result.diverged.iter().any(|&d| !d));
}

#[test]
fn a_sweep_cancels_midway_and_an_invalid_one_fails_with_its_finding() {
    cancels_midway("the sweep", || SweepPieces::new(sweep_request()), 3);
    let mut invalid = sweep_request();
    invalid.budget_evals = 0;
    for runner in [frames(), threads()] {
        let mut job = Job::start_pieces(&runner, "the sweep", SweepPieces::new(invalid.clone()));
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        let state = loop {
            match job.poll() {
                JobState::Running { .. } if std::time::Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(1));
                }
                other => break other,
            }
        };
        match state {
            JobState::Failed(message) => {
                assert!(message.starts_with("the sweep: invalid sweep"), "{message}");
            }
            other => panic!("{}", describe(&other)),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Basin map

fn sgd(lr: f64) -> OptimizerConfig {
    OptimizerConfig::Sgd(SgdConfig {
        lr,
        ..SgdConfig::default()
    })
}

/// Plain GD with the SIMD kernel (Rosenbrock), plain GD in blocks (Himmelblau has no kernel) and
/// the generic path through a real optimizer (Adam).
fn basin_cases() -> Vec<(Arc<dyn Landscape>, BasinRequest)> {
    let request = |window, steps, optimizer| BasinRequest {
        window,
        resolution: 9,
        steps,
        optimizer,
        tolerance: 1e-6,
    };
    let himmelblau: Arc<dyn Landscape> = Arc::new(Himmelblau::default());
    vec![
        (
            rosenbrock(),
            request(window(-2.0, 2.0, -1.0, 3.0), 500, sgd(2e-4)),
        ),
        (
            himmelblau.clone(),
            request(window(-5.0, 5.0, -5.0, 5.0), 300, sgd(0.01)),
        ),
        (
            himmelblau,
            request(
                window(-5.0, 5.0, -5.0, 5.0),
                200,
                OptimizerConfig::Adam(AdamConfig {
                    lr: 0.1,
                    ..AdamConfig::default()
                }),
            ),
        ),
    ]
}

#[test]
fn basin_maps_in_slices_match_the_threaded_and_the_one_call_map() {
    for (landscape, request) in basin_cases() {
        let make = || BasinPieces::new(landscape.clone(), request.clone());
        let map = same_in_slices_and_on_a_thread("the basin map", make, request.resolution - 1);
        let one_call = basin::compute(
            &landscape,
            &request,
            &AtomicUsize::new(0),
            &AtomicBool::new(false),
        )
        .unwrap_or_else(|| panic!("not cancelled"));
        assert_eq!(format!("{map:?}"), format!("{one_call:?}"));
        assert_eq!(map.outcomes.len(), request.resolution * request.resolution);
    }
}

#[test]
fn basin_maps_cancel_midway() {
    for (landscape, request) in basin_cases() {
        cancels_midway(
            "the basin map",
            || BasinPieces::new(landscape.clone(), request.clone()),
            3,
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Trajectory plane

/// A curved path in 3 parameters on a quadratic-like objective of them (a 2D landscape's
/// objective would be the plane itself; three parameters make the fit a real projection).
fn plane_pieces(resolution: usize) -> TrajectoryPlanePieces {
    let objective: Arc<dyn Objective> = Arc::new(ThreeParameters);
    let snapshots: Vec<Vec<f64>> = (0..40)
        .map(|t| {
            let s = f64::from(t) / 39.0;
            vec![2.0 * (1.0 - s), (3.0 * s).sin(), 0.3 * s * s]
        })
        .collect();
    TrajectoryPlanePieces::new(objective, snapshots, 200, resolution)
}

/// f(θ) = ½(θ₀² + 4θ₁² + 9θ₂²) + θ₀θ₁, through the landscape objective's trait.
struct ThreeParameters;

impl Objective for ThreeParameters {
    fn dim(&self) -> usize {
        3
    }

    fn value(&self, x: &nalgebra::DVector<f64>) -> f64 {
        0.5 * (x[0] * x[0] + 4.0 * x[1] * x[1] + 9.0 * x[2] * x[2]) + x[0] * x[1]
    }

    fn value_and_grad(&self, x: &nalgebra::DVector<f64>, grad: &mut nalgebra::DVector<f64>) -> f64 {
        grad[0] = x[0] + x[1];
        grad[1] = 4.0 * x[1] + x[0];
        grad[2] = 9.0 * x[2];
        self.value(x)
    }
}

#[test]
fn the_trajectory_plane_in_slices_matches_the_threaded_and_the_one_call_plane() {
    let resolution = 12;
    let fitted = same_in_slices_and_on_a_thread(
        "the trajectory plane",
        || plane_pieces(resolution),
        resolution - 1,
    );
    let Some(TrajectoryPlane { plane, path, grid }) = fitted else {
        panic!("the path has a plane");
    };
    let objective = ThreeParameters;
    let one_call = projection::loss_grid(
        &objective,
        &plane,
        grid.x_range,
        grid.y_range,
        resolution,
        &AtomicBool::new(false),
    );
    assert_eq!(Some(&grid), one_call.as_ref());
    assert_eq!(path.len(), 40);
    assert_eq!(grid.values.len(), resolution * resolution);
}

#[test]
fn the_trajectory_plane_cancels_midway_and_a_still_path_has_none() {
    cancels_midway("the trajectory plane", || plane_pieces(12), 3);
    let objective: Arc<dyn Objective> = Arc::new(LandscapeObjective::new(rosenbrock()));
    let still = TrajectoryPlanePieces::new(objective, vec![vec![1.0, 2.0]; 5], 200, 12);
    let polled = poll_to_end(Job::start_pieces(&frames(), "the trajectory plane", still));
    assert_eq!(polled.result, None);
}

// ---------------------------------------------------------------------------------------------
// GIF export

fn gif_runs() -> Vec<TimedPath> {
    (0..2)
        .map(|run| {
            let points: Vec<[f64; 2]> = (0..60)
                .map(|k| {
                    let t = f64::from(k) / 59.0;
                    [-1.5 + 2.5 * t, 2.0 - 1.0 * t - 0.5 * f64::from(run)]
                })
                .collect();
            TimedPath {
                path: RunPath {
                    label: format!("run {run}"),
                    colour: [200, 40 + 80 * run as u8, 40],
                    points,
                    note: None,
                },
                steps: (0..60).map(|k| 10 * k).collect(),
            }
        })
        .collect()
}

const GIF_FRAMES: usize = 6;

fn gif_options() -> RenderOptions {
    RenderOptions {
        width: 96,
        height: 72,
        dark: true,
        legend: true,
    }
}

fn gif_pieces() -> GifPieces {
    GifPieces::new(
        rosenbrock(),
        window(-2.0, 2.0, -1.0, 3.0),
        "slices".to_owned(),
        gif_runs(),
        GIF_FRAMES,
        gif_options(),
    )
}

#[test]
fn a_gif_in_slices_matches_the_threaded_and_the_one_call_file() {
    let drawn = same_in_slices_and_on_a_thread("the GIF export", gif_pieces, GIF_FRAMES);
    let bytes = drawn.unwrap_or_else(|e| panic!("{e}"));
    let one_call = render::draw_gif(
        rosenbrock().as_ref(),
        window(-2.0, 2.0, -1.0, 3.0),
        "slices",
        &gif_runs(),
        GIF_FRAMES,
        &gif_options(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(bytes.starts_with(b"GIF89a"));
    assert_eq!(bytes, one_call);
}

#[test]
fn a_gif_cancels_midway_and_a_bad_size_fails_in_its_first_piece() {
    cancels_midway("the GIF export", gif_pieces, 2);
    let tiny = GifPieces::new(
        rosenbrock(),
        window(-2.0, 2.0, -1.0, 3.0),
        "slices".to_owned(),
        gif_runs(),
        GIF_FRAMES,
        RenderOptions {
            width: 4,
            ..gif_options()
        },
    );
    let mut job = Job::start_pieces(&frames(), "the GIF export", tiny);
    match job.poll() {
        JobState::Finished(Err(error)) => assert!(error.to_string().contains('4'), "{error}"),
        other => panic!("{}", describe(&other)),
    }
}
