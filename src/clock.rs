//! The one clock of the crate: `Instant`, `SystemTime` and `UNIX_EPOCH` that work on the desktop
//! and in the browser.
//!
//! `std::time::Instant::now()` compiles for `wasm32-unknown-unknown` but panics when called (the
//! target has no clock syscall). [`web_time`] is std's own types on every other target and reads
//! `performance.now()` / `Date.now()` in the browser, so code that takes its time from here runs
//! unchanged on both. `Duration` stays std's (web-time uses it too). `tests/one_clock.rs` keeps
//! `std::time::Instant` and `std::time::SystemTime` out of `src/`.

pub use web_time::{Instant, SystemTime, UNIX_EPOCH};
