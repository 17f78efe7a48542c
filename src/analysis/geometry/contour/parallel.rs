//! Splitting a grid's rows over the cores with scoped threads, for the field and the iso-lines.

use std::sync::{Arc, Mutex};

/// Cells per part below which splitting a grid over threads costs more than it saves.
const CELLS_PER_PART: usize = 1 << 15;
/// Parts a grid is split into at most.
const MAX_PARTS: usize = 8;

/// Into how many parts to split work over `cells` grid cells: one per core, fewer for small grids.
pub(super) fn parts_for(cells: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    cores.min(MAX_PARTS).min(cells / CELLS_PER_PART).max(1)
}

/// Runs `work` on every part, the first on this thread and the others on scoped threads (or here
/// too, when a thread cannot be started), and returns the results in the parts' order. One part,
/// or a target without threads (wasm32, where spawning panics), is all done here without a scope.
pub(super) fn in_parallel<P: Send, R: Send>(
    parts: impl Iterator<Item = P>,
    work: impl Fn(P) -> R + Sync,
) -> Vec<R> {
    let mut parts = parts.peekable();
    let Some(first) = parts.next() else {
        return Vec::new();
    };
    if cfg!(target_arch = "wasm32") || parts.peek().is_none() {
        return std::iter::once(first).chain(parts).map(work).collect();
    }
    std::thread::scope(|scope| {
        let work = &work;
        let spawned: Vec<_> = parts
            .map(|part| {
                // A part whose thread could not start is done here: never a panic.
                let slot = Arc::new(Mutex::new(Some(part)));
                let theirs = Arc::clone(&slot);
                let handle = std::thread::Builder::new().spawn_scoped(scope, move || {
                    let part = theirs.lock().ok().and_then(|mut p| p.take());
                    part.map(work)
                });
                (handle, slot)
            })
            .collect();
        let mut results = vec![work(first)];
        for (handle, slot) in spawned {
            let result = match handle {
                Ok(handle) => handle.join().ok().flatten(),
                Err(_) => None,
            };
            let result = result.or_else(|| {
                let part = slot.lock().ok().and_then(|mut p| p.take());
                part.map(work)
            });
            results.extend(result);
        }
        results
    })
}
