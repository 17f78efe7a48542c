//! `optiviz bench`: speed figures, printed (never asserted in tests).
//!
//! Each workload runs a few times and the median is reported with its rate and the target from the
//! performance issue, so a regression shows up as a number, not a flaky test. (f), the CSV of
//! (a)'s run, is printed right after (a) and against the same run unwritten, timed alternately.

use std::io::Write;
use std::time::Duration;

mod reference;

use crate::analysis::contour::{self, ContourRequest};
use crate::clock::Instant;
use crate::engine::{DEFAULT_BUDGET, PATH_RESOLUTION, Session, Trace};
use crate::landscape::{Landscape, LandscapeConfig, Rosenbrock};
use crate::optim::{AdamConfig, OptimizerConfig};
use crate::samples_csv::stream_session;
use crate::scenario::{Problem, RunConfig, Scenario};

/// How big the workloads are.
#[derive(Clone, Copy, Debug)]
pub struct BenchSize {
    /// Adam steps on Rosenbrock.
    pub adam_steps: u64,
    /// Side of the contour grid.
    pub grid_side: usize,
    /// Steps of the edge-of-stability preset's runs.
    pub network_steps: u64,
    /// Starts per side of the basin map.
    pub basin_side: usize,
    /// Points per run on screen for the UI frame cost (8 runs).
    pub ui_points: u64,
    /// Repetitions (the median is reported).
    pub repetitions: usize,
}

impl BenchSize {
    /// The sizes the targets are stated for.
    pub const FULL: BenchSize = BenchSize {
        adam_steps: 1_000_000,
        grid_side: 1024,
        network_steps: 2000,
        basin_side: 512,
        ui_points: 100_000,
        repetitions: 5,
    };
    /// Small sizes, for checking that the command works.
    pub const QUICK: BenchSize = BenchSize {
        adam_steps: 10_000,
        grid_side: 128,
        network_steps: 100,
        basin_side: 64,
        ui_points: 1000,
        repetitions: 1,
    };
}

/// One of the bench's workloads, by the letter the performance targets use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Workload {
    /// Adam steps on Rosenbrock.
    A,
    /// Contour grid.
    B,
    /// Basin map.
    C,
    /// Edge-of-stability preset.
    D,
    /// UI frame cost.
    E,
    /// Adam steps on Rosenbrock written as CSV, beside the same run unwritten.
    F,
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn time_repeatedly(repetitions: usize, mut work: impl FnMut()) -> Duration {
    median(
        (0..repetitions.max(1))
            .map(|_| {
                let started = Instant::now();
                work();
                started.elapsed()
            })
            .collect(),
    )
}

/// The run of (a) and (f): Adam (lr 1e-3) on Rosenbrock from its default start.
fn adam_rosenbrock_scenario(steps: u64) -> Scenario {
    Scenario {
        problem: Problem::Landscape(LandscapeConfig::Rosenbrock(Rosenbrock::default())),
        steps,
        runs: vec![RunConfig {
            optimizer: OptimizerConfig::Adam(AdamConfig {
                lr: 1e-3,
                ..AdamConfig::default()
            }),
            ..RunConfig::default()
        }],
        ..Scenario::default()
    }
}

/// (a) Adam steps on Rosenbrock, one run, trajectory recorded in a bounded trace.
fn adam_on_rosenbrock(steps: u64) {
    let mut session = Session::new(adam_rosenbrock_scenario(steps));
    // As the app keeps it: the path by geometry too.
    let diagonal = Landscape::view(&Rosenbrock::default()).diagonal();
    let mut trace = Trace::new(DEFAULT_BUDGET).with_path_resolution(diagonal * PATH_RESOLUTION);
    session.advance_run(0, steps, |sample| {
        trace.extend(std::slice::from_ref(sample))
    });
    std::hint::black_box(trace.latest());
}

/// An output that drops what it is given, after the optimizer has been told it was read.
struct Discard;

impl Write for Discard {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        Ok(std::hint::black_box(bytes).len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// (f) The run of (a) streamed as `optiviz run` writes it: every step a CSV row, dropped.
fn adam_to_csv(steps: u64) -> std::io::Result<()> {
    let mut session = Session::new(adam_rosenbrock_scenario(steps));
    stream_session(&mut session, Discard, 1, |_, _, _| {}).map(drop)
}

/// (f)'s reference: the run of (a) with nothing recorded or written, the engine alone.
fn adam_unwritten(steps: u64) {
    let mut session = Session::new(adam_rosenbrock_scenario(steps));
    session.advance_run(0, steps, |sample| {
        std::hint::black_box(sample);
    });
}

/// (f) and its reference, timed alternately so that both see the machine at the same speed.
fn csv_line(size: BenchSize, out: &mut dyn Write) -> std::io::Result<()> {
    let (mut written, mut unwritten) = (Vec::new(), Vec::new());
    for _ in 0..size.repetitions.max(1) {
        let started = Instant::now();
        adam_unwritten(size.adam_steps);
        unwritten.push(started.elapsed());
        let started = Instant::now();
        adam_to_csv(size.adam_steps)?;
        written.push(started.elapsed());
    }
    let (written, unwritten) = (median(written), median(unwritten));
    writeln!(
        out,
        "(f) {} Adam steps on Rosenbrock written as CSV (the rows of `optiviz run`, dropped): {:.3} s, {:.2}× the engine alone (target ≤ 2×)",
        size.adam_steps,
        written.as_secs_f64(),
        written.as_secs_f64() / unwritten.as_secs_f64().max(1e-12)
    )?;
    writeln!(
        out,
        "    reference, the same run with nothing recorded or written, timed alternately: {:.3} s, {:.2} M steps/s",
        unwritten.as_secs_f64(),
        size.adam_steps as f64 / unwritten.as_secs_f64().max(1e-12) / 1e6
    )
}

/// (b) The Rosenbrock grid and 20 contour levels with their iso-lines.
fn rosenbrock_contours(side: usize) {
    let landscape = Rosenbrock::default();
    let request = ContourRequest {
        window: Landscape::view(&landscape),
        width: side,
        height: side,
        levels: 20,
    };
    let field = contour::compute_field(&landscape, &request);
    std::hint::black_box(field.iso_lines(&field.levels()));
}

/// (c) A basin map of GD (lr 2e-4, 500 steps) on Rosenbrock from side² starts over its default view.
fn rosenbrock_basin(side: usize) {
    use std::sync::atomic::{AtomicBool, AtomicUsize};
    let landscape = LandscapeConfig::Rosenbrock(Rosenbrock::default()).build();
    let request = crate::analysis::basin::BasinRequest {
        window: landscape.view(),
        resolution: side,
        steps: 500,
        optimizer: OptimizerConfig::Sgd(crate::optim::SgdConfig {
            lr: 2e-4,
            ..crate::optim::SgdConfig::default()
        }),
        tolerance: 1e-6,
    };
    let map = crate::analysis::basin::compute(
        &landscape,
        &request,
        &AtomicUsize::new(0),
        &AtomicBool::new(false),
    );
    std::hint::black_box(map.map(|m| m.outcomes.len()));
}

/// (d) The bundled edge-of-stability preset (MLP 2-32-32-1 on two moons, full-batch GD, sharpness
/// every 10 steps), every run to `steps`. Returns the number of runs.
fn edge_of_stability(steps: u64) -> usize {
    let Some(mut scenario) = crate::presets::find("eos_mlp")
        .and_then(|text| crate::scenario::parse(text, "eos_mlp").ok())
        .map(|loaded| loaded.scenario)
    else {
        return 0;
    };
    scenario.steps = steps;
    let runs = scenario.runs.len();
    let mut session = Session::new(scenario);
    for index in 0..runs {
        session.advance_run(index, steps, |sample| {
            std::hint::black_box(sample.sharpness);
        });
    }
    runs
}

/// Measures one UI frame with `points` points per run on screen (the shell provides it: the core
/// below the GUI cannot draw a frame).
pub type FrameCost<'a> = &'a dyn Fn(u64) -> std::time::Duration;

/// Runs the workloads (those in `only`, or all when it is empty) and prints one line each: the
/// median time, the rate and the target. (e) needs `frame_cost`, which a build without the GUI
/// does not have.
pub fn run(
    size: BenchSize,
    only: &[Workload],
    frame_cost: Option<FrameCost<'_>>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let wanted = |workload: Workload| only.is_empty() || only.contains(&workload);
    writeln!(out, "optiviz bench (median of {} runs)", size.repetitions)?;
    if wanted(Workload::A) {
        let adam = time_repeatedly(size.repetitions, || adam_on_rosenbrock(size.adam_steps));
        let rate = size.adam_steps as f64 / adam.as_secs_f64().max(1e-12) / 1e6;
        writeln!(
            out,
            "(a) {} Adam steps on Rosenbrock, trajectory recorded: {:.3} s, {rate:.2} M steps/s (target ≥ 20 M steps/s)",
            size.adam_steps,
            adam.as_secs_f64()
        )?;
        let bare = time_repeatedly(size.repetitions, || {
            std::hint::black_box(reference::adam_loop(size.adam_steps, 1e-3));
        });
        writeln!(
            out,
            "    reference, a hand-written 2D Adam loop recording (step, x, y, f), now on this machine: {:.2} M steps/s (the issue's: about 30)",
            size.adam_steps as f64 / bare.as_secs_f64().max(1e-12) / 1e6
        )?;
    }
    if wanted(Workload::F) {
        csv_line(size, out)?;
    }
    if wanted(Workload::B) {
        let grid = time_repeatedly(size.repetitions, || rosenbrock_contours(size.grid_side));
        writeln!(
            out,
            "(b) Rosenbrock grid {0}² + 20 contour levels: {1:.1} ms (target ≤ 20 ms at 1024²)",
            size.grid_side,
            grid.as_secs_f64() * 1e3
        )?;
    }
    if wanted(Workload::C) {
        let basin = time_repeatedly(size.repetitions, || rosenbrock_basin(size.basin_side));
        writeln!(
            out,
            "(c) basin map of GD on Rosenbrock, {0}² starts × 500 steps (lr 2e-4, SIMD fast path): {1:.1} ms, {2:.2} ns per start-step (target ≤ 30 ms at 512²)",
            size.basin_side,
            basin.as_secs_f64() * 1e3,
            basin.as_secs_f64() * 1e9 / (size.basin_side * size.basin_side * 500) as f64
        )?;
        let bare = time_repeatedly(size.repetitions, || {
            std::hint::black_box(reference::basin_loop(size.basin_side, 500, 2e-4));
        });
        writeln!(
            out,
            "    reference, the same steps in SIMD with no checks, now on this machine: {:.1} ms (the issue's: about 27 ms)",
            bare.as_secs_f64() * 1e3
        )?;
    }
    if wanted(Workload::D) {
        let mut runs = 0;
        let eos = time_repeatedly(size.repetitions, || {
            runs = edge_of_stability(size.network_steps)
        });
        let per_run = eos.as_secs_f64() / runs.max(1) as f64;
        writeln!(
            out,
            "(d) eos_mlp preset, {runs} runs × {} GD steps, sharpness every 10: {:.2} s, {per_run:.2} s per run (target ≤ 1.5 s per run)",
            size.network_steps,
            eos.as_secs_f64(),
        )?;
    }
    if wanted(Workload::E) {
        frame_cost_line(size, frame_cost, out)?;
    }
    Ok(())
}

/// (e) The UI's frame cost with 8 runs × `ui_points` points on screen, when the shell can measure
/// it.
fn frame_cost_line(
    size: BenchSize,
    frame_cost: Option<FrameCost<'_>>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let Some(frame_cost) = frame_cost else {
        return writeln!(
            out,
            "(e) UI frame cost: needs the gui feature (a default build)"
        );
    };
    let frame = frame_cost(size.ui_points);
    writeln!(
        out,
        "(e) UI frame, 8 runs × {} points, contours and metrics (headless, no GPU): {:.2} ms (target ≤ 8 ms)",
        size.ui_points,
        frame.as_secs_f64() * 1e3
    )
}
