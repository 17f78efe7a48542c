//! `cargo web` (a binary of this package, standard library only): builds optiviz for the browser
//! and writes the site to `target/web/` (index.html, optiviz.js, optiviz_bg.wasm), for any static
//! file server.
//!
//! It installs nothing: it checks that the wasm32 target and `wasm-bindgen-cli` at exactly the
//! version of the `wasm-bindgen` crate in Cargo.lock are there, and says how to get them if not
//! (a CLI of another version writes JavaScript the .wasm does not match). Nothing is downloaded.
//!
//! `cargo web --dev` builds the dev profile instead of release (faster to compile, slower to run).

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

const TARGET: &str = "wasm32-unknown-unknown";

fn main() -> ExitCode {
    let dev = std::env::args().skip(1).any(|argument| argument == "--dev");
    match build(dev) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("cargo web: {message}");
            ExitCode::FAILURE
        }
    }
}

fn build(dev: bool) -> Result<(), String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    check_target()?;
    let version = pinned_wasm_bindgen(&root.join("Cargo.lock"))?;
    check_wasm_bindgen_cli(&version)?;

    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let profile = if dev { "dev" } else { "release" };
    eprintln!("cargo web: building optiviz for {TARGET} ({profile})…");
    run(Command::new(&cargo).current_dir(&root).args([
        "build",
        "--bin",
        "optiviz",
        "--target",
        TARGET,
        "--profile",
        profile,
    ]))?;

    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let profile_dir = if dev { "debug" } else { "release" };
    let wasm = target_dir
        .join(TARGET)
        .join(profile_dir)
        .join("optiviz.wasm");
    let site = target_dir.join("web");
    std::fs::create_dir_all(&site)
        .map_err(|error| format!("cannot create {}: {error}", site.display()))?;
    run(Command::new("wasm-bindgen")
        .arg(&wasm)
        .args([
            "--target",
            "web",
            "--no-typescript",
            "--out-name",
            "optiviz",
        ])
        .arg("--out-dir")
        .arg(&site))?;
    let page = root.join("assets/web/index.html");
    std::fs::copy(&page, site.join("index.html"))
        .map_err(|error| format!("cannot copy {}: {error}", page.display()))?;

    let module = site.join("optiviz_bg.wasm");
    let raw = std::fs::metadata(&module).map_or(0, |meta| meta.len());
    let gzipped = gzipped_size(&module)
        .map(|bytes| format!(", {:.1} MB gzipped", bytes as f64 / 1e6))
        .unwrap_or_default();
    println!(
        "cargo web: wrote {} (optiviz_bg.wasm {:.1} MB{gzipped})",
        site.display(),
        raw as f64 / 1e6
    );
    println!(
        "serve it with `python3 -m http.server -d {} 8000` and open http://localhost:8000/#lesson=zigzag",
        site.display()
    );
    Ok(())
}

/// The wasm32 target's standard library must be installed.
fn check_target() -> Result<(), String> {
    let output = Command::new("rustc")
        .args(["--print", "target-libdir", "--target", TARGET])
        .output()
        .map_err(|error| format!("cannot run rustc: {error}"))?;
    let libdir = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    let installed = output.status.success()
        && std::fs::read_dir(&libdir).is_ok_and(|mut entries| entries.next().is_some());
    if installed {
        Ok(())
    } else {
        Err(format!(
            "the {TARGET} target is not installed; get it with `rustup target add {TARGET}`"
        ))
    }
}

/// The version of the `wasm-bindgen` crate in Cargo.lock.
fn pinned_wasm_bindgen(lock: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(lock)
        .map_err(|error| format!("cannot read {}: {error}", lock.display()))?;
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"wasm-bindgen\"" {
            let version = lines
                .next()
                .and_then(|next| next.trim().strip_prefix("version = \""))
                .and_then(|rest| rest.strip_suffix('"'));
            if let Some(version) = version {
                return Ok(version.to_owned());
            }
        }
    }
    Err(format!(
        "{} has no wasm-bindgen package (is the gui feature's web part gone?)",
        lock.display()
    ))
}

/// `wasm-bindgen` must be on the PATH at exactly `version`.
fn check_wasm_bindgen_cli(version: &str) -> Result<(), String> {
    let install = format!("cargo install wasm-bindgen-cli --version {version}");
    let output = Command::new("wasm-bindgen").arg("--version").output();
    let Ok(output) = output else {
        return Err(format!(
            "wasm-bindgen is not installed; get it with `{install}`"
        ));
    };
    let reported = String::from_utf8_lossy(&output.stdout);
    let found = reported.split_whitespace().nth(1).unwrap_or("unknown");
    if found == version {
        Ok(())
    } else {
        Err(format!(
            "wasm-bindgen {found} is installed, but Cargo.lock pins the wasm-bindgen crate at \
             {version}; get the matching CLI with `{install}`"
        ))
    }
}

fn run(command: &mut Command) -> Result<(), String> {
    let shown = format!("{command:?}");
    let status = command
        .status()
        .map_err(|error| format!("cannot run {shown}: {error}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed ({status})"))
    }
}

/// The size of `file` compressed with `gzip -9`, if gzip is there.
fn gzipped_size(file: &Path) -> Option<usize> {
    let output = Command::new("gzip").arg("-9c").arg(file).output().ok()?;
    output.status.success().then_some(output.stdout.len())
}
