//! The `optiviz` command: opens the app, or runs, checks and lists presets headless. In the
//! browser (wasm32) it is the app alone, started by `optiviz::app::web`.
// On wasm32 only the app starts: the command line around it is compiled but never called.
#![cfg_attr(target_arch = "wasm32", allow(dead_code, unused_imports))]

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use optiviz::cli::{self, Catalog, Exit};

/// See how optimizers move on loss landscapes.
#[derive(Parser, Debug)]
#[command(name = "optiviz", version, about, long_about = None)]
struct Arguments {
    #[command(subcommand)]
    command: Option<Commands>,
    /// A preset to open in the app: a .ron file, a bundled preset's name, or a lesson link
    /// (`'#lesson=zigzag&play'`, or a copied link `'#s=1.…'`, alone or in a web address).
    preset: Option<String>,
    /// Close the app after this many seconds (for smoke tests and demos).
    #[arg(long, value_name = "SECONDS")]
    quit_after: Option<f64>,
    /// Start playing as soon as the app opens.
    #[arg(long)]
    play: bool,
}

#[derive(Subcommand, Debug)]
enum Commands {
    /// Run a preset headless and print every run's trajectory as CSV.
    Run {
        /// The preset: a .ron file or a bundled preset's name (see `optiviz list presets`).
        preset: String,
        /// Override the preset's step budget.
        #[arg(long)]
        steps: Option<u64>,
        /// Write the CSV to this file instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Write every N-th step only (each run's first and last step always).
        #[arg(long, value_name = "N", default_value_t = 1)]
        every: u64,
    },
    /// Draw a landscape preset's view to a PNG (or an animated GIF), with no display or GPU.
    Render {
        /// The preset: a .ron file or a bundled preset's name.
        preset: String,
        /// The image to write.
        #[arg(long)]
        out: PathBuf,
        /// Override the preset's step budget.
        #[arg(long)]
        steps: Option<u64>,
        /// Image size in pixels, WIDTHxHEIGHT.
        #[arg(long, default_value = "1024x768")]
        size: String,
        /// Write an animated GIF of the paths growing, with this many frames (60 if given bare).
        #[arg(long, num_args = 0..=1, default_missing_value = "60")]
        gif: Option<usize>,
        /// Light theme (cividis contours, dark markings) instead of dark.
        #[arg(long)]
        light: bool,
        /// Leave out the legend.
        #[arg(long)]
        no_legend: bool,
    },
    /// Validate presets; print FILE:LINE:COL for every problem (exit 2 if any); with --verify, also
    /// check each lesson's claims (exit 3 if one fails).
    Check {
        /// Preset files (or bundled preset names).
        #[arg(required = true)]
        presets: Vec<String>,
        /// Also run each lesson headless and check its claims: print each with ✓ or ✗ and the
        /// measured value (exit 3 if one fails).
        #[arg(long)]
        verify: bool,
    },
    /// Tune every run's lr at an equal evaluation budget and print one CSV row per trial (run,
    /// label, optimizer, lr, criterion, best).
    Tune {
        /// The preset: a .ron file or a bundled preset's name.
        preset: String,
        /// Oracle calls every trial may use (default: the preset's steps).
        #[arg(long, value_name = "N")]
        budget_evals: Option<u64>,
        /// A seeded random search of K log-uniform lrs instead of the grid.
        #[arg(long, value_name = "K")]
        trials: Option<usize>,
        /// Grid points per decade of lr (default 10).
        #[arg(long, value_name = "N")]
        per_decade: Option<usize>,
        /// Average stochastic runs over seeds 0..S (default 3 seeds).
        #[arg(long, value_name = "S")]
        seeds: Option<usize>,
        /// What a trial is scored by: the final loss or the mean loss over its steps.
        #[arg(long, value_enum)]
        criterion: Option<CriterionArg>,
        /// Also search this hyperparameter: NAME (0 to 0.99 in 5) or NAME=LO:HI:COUNT.
        #[arg(long, value_name = "HYPER")]
        also: Option<String>,
        /// Search a log grid (the default).
        #[arg(long, conflicts_with = "random")]
        grid: bool,
        /// Search seeded log-uniform random lrs (40 unless --trials says).
        #[arg(long)]
        random: bool,
    },
    /// Print speed figures (median of several runs) for the performance targets.
    Bench {
        /// Small workloads: check that the command works, not the speed.
        #[arg(long)]
        quick: bool,
        /// Only these workloads (letters a–f, e.g. `--only a,f`), to time or profile one alone.
        #[arg(long, value_delimiter = ',')]
        only: Vec<optiviz::bench::Workload>,
    },
    /// List landscapes, optimizers or bundled presets, one per line.
    List {
        /// What to list (all three when omitted).
        what: Option<ListWhat>,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum CriterionArg {
    /// The loss at the last step.
    Final,
    /// The mean of the loss over the trial's steps.
    Area,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ListWhat {
    Landscapes,
    Optimizers,
    Presets,
}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> ExitCode {
    let arguments = Arguments::parse();
    let exit = std::panic::catch_unwind(move || dispatch(arguments)).unwrap_or_else(|_| {
        eprintln!("optiviz: internal error (a bug: please report it with the command you ran)");
        Exit::Internal
    });
    ExitCode::from(exit as u8)
}

/// In the browser: the app on the page (see `optiviz::app::web`); the CLI has no place there.
#[cfg(all(target_arch = "wasm32", feature = "gui"))]
fn main() {
    optiviz::app::web::start();
}

#[cfg(all(target_arch = "wasm32", not(feature = "gui")))]
fn main() {}

#[cfg_attr(target_arch = "wasm32", allow(dead_code))]
fn dispatch(arguments: Arguments) -> Exit {
    let mut stdout = std::io::stdout().lock();
    let mut stderr = std::io::stderr().lock();
    match arguments.command {
        Some(Commands::Run {
            preset,
            steps,
            out,
            every,
        }) => cli::run_every(
            &preset,
            steps,
            out.as_deref(),
            every,
            &mut stdout,
            &mut stderr,
        ),
        Some(Commands::Render {
            preset,
            out,
            steps,
            size,
            gif,
            light,
            no_legend,
        }) => cli::render(
            &cli::RenderCommand {
                preset: &preset,
                out: &out,
                steps,
                size: &size,
                gif_frames: gif,
                dark: !light,
                legend: !no_legend,
            },
            &mut stderr,
        ),
        Some(Commands::Check { presets, verify }) => {
            if verify {
                cli::verify(&presets, &mut stdout, &mut stderr)
            } else {
                cli::check(&presets, &mut stdout, &mut stderr)
            }
        }
        Some(Commands::Tune {
            preset,
            budget_evals,
            trials,
            per_decade,
            seeds,
            criterion,
            also,
            grid,
            random,
        }) => cli::tune(
            &cli::TuneCommand {
                preset: &preset,
                budget_evals,
                trials,
                per_decade,
                seeds,
                criterion: criterion.map(|criterion| match criterion {
                    CriterionArg::Final => optiviz::scenario::Criterion::FinalLoss,
                    CriterionArg::Area => optiviz::scenario::Criterion::AreaUnderLoss,
                }),
                also: also.as_deref(),
                random,
                grid,
            },
            &mut stdout,
            &mut stderr,
        ),
        Some(Commands::Bench { quick, only }) => bench(quick, &only, &mut stdout, &mut stderr),
        Some(Commands::List { what }) => {
            let catalog = what.map(|what| match what {
                ListWhat::Landscapes => Catalog::Landscapes,
                ListWhat::Optimizers => Catalog::Optimizers,
                ListWhat::Presets => Catalog::Presets,
            });
            cli::list(catalog, &mut stdout)
        }
        None => open_app(
            arguments.preset.as_deref(),
            AppOptions {
                quit_after: arguments.quit_after,
                play: arguments.play,
            },
            &mut stderr,
        ),
    }
}

/// `optiviz bench`: prints the speed figures, each beside its reference loop.
#[cfg_attr(target_arch = "wasm32", allow(dead_code))]
fn bench(
    quick: bool,
    only: &[optiviz::bench::Workload],
    stdout: &mut impl Write,
    stderr: &mut impl Write,
) -> Exit {
    let size = if quick {
        optiviz::bench::BenchSize::QUICK
    } else {
        optiviz::bench::BenchSize::FULL
    };
    // The frame cost (e) is the shell's to measure: the bench sits below the GUI.
    #[cfg(all(feature = "gui", not(target_arch = "wasm32")))]
    let frame_cost: Option<optiviz::bench::FrameCost<'_>> =
        Some(&|points| optiviz::ui::frame_bench::frame_cost(points, 30));
    #[cfg(not(all(feature = "gui", not(target_arch = "wasm32"))))]
    let frame_cost: Option<optiviz::bench::FrameCost<'_>> = None;
    match optiviz::bench::run(size, only, frame_cost, stdout) {
        Ok(()) => Exit::Ok,
        Err(error) => {
            let _ = writeln!(stderr, "optiviz: cannot write the output: {error}");
            Exit::Internal
        }
    }
}

/// How the app window starts.
#[cfg_attr(not(feature = "gui"), allow(dead_code))]
struct AppOptions {
    quit_after: Option<f64>,
    play: bool,
}

#[cfg(all(feature = "gui", not(target_arch = "wasm32")))]
fn open_app(preset: Option<&str>, options: AppOptions, stderr: &mut dyn std::io::Write) -> Exit {
    let AppOptions { quit_after, play } = options;
    if let Some(error) = preset.and_then(preset_error) {
        // The app still opens (on the default lesson) and shows the error too.
        let _ = writeln!(stderr, "{error}");
    }
    let native_options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("optiviz")
            .with_inner_size([1280.0, 820.0])
            .with_min_inner_size([800.0, 560.0]),
        renderer: eframe::Renderer::Glow,
        ..Default::default()
    };
    let preset = preset.map(str::to_owned);
    let result = eframe::run_native(
        "optiviz",
        native_options,
        Box::new(move |cc| {
            if let Some(seconds) = quit_after.filter(|s| s.is_finite() && *s >= 0.0) {
                let ctx = cc.egui_ctx.clone();
                std::thread::spawn(move || {
                    std::thread::sleep(std::time::Duration::from_secs_f64(seconds));
                    ctx.send_viewport_cmd(egui::ViewportCommand::Close);
                    ctx.request_repaint();
                });
            }
            let mut app = optiviz::app::OptivizApp::new(cc, preset.as_deref(), true);
            if play {
                app.state.play();
            }
            Ok(Box::new(app))
        }),
    );
    match result {
        Ok(()) => Exit::Ok,
        Err(error) => {
            let _ = writeln!(stderr, "optiviz: could not open the window: {error}");
            Exit::Internal
        }
    }
}

#[cfg(not(all(feature = "gui", not(target_arch = "wasm32"))))]
fn open_app(preset: Option<&str>, _options: AppOptions, stderr: &mut dyn std::io::Write) -> Exit {
    let preset = preset.unwrap_or(optiviz::presets::DEFAULT);
    if let Some(error) = preset_error(preset) {
        let _ = writeln!(stderr, "{error}");
        return Exit::BadInput;
    }
    let _ = writeln!(
        stderr,
        "optiviz: built without the `gui` feature; `optiviz run {preset}` prints its trajectories"
    );
    Exit::Ok
}

/// Why the app's `preset` (a file, a bundled lesson's name or a lesson link) does not open, if it
/// does not.
fn preset_error(preset: &str) -> Option<String> {
    if optiviz::link::is_link(preset) {
        optiviz::link::open(preset)
            .err()
            .map(|error| error.to_string())
    } else {
        cli::load_preset(preset)
            .err()
            .map(|error| error.to_string())
    }
}
