//! What the benchmarks (`benches/`) share: when to run in smoke mode,
//! settings from the environment, and median timing.

use std::time::{Duration, Instant};

/// Whether a benchmark runs in its smoke mode (tiny data, one run):
/// `cargo bench` passes `--bench`, `cargo test` does not, so that the test
/// run keeps every benchmark working; `LZ4FRAMED_BENCH_SMOKE` forces it.
pub fn smoke_mode() -> bool {
    std::env::var_os("LZ4FRAMED_BENCH_SMOKE").is_some() || !std::env::args().any(|a| a == "--bench")
}

/// The positive number in the environment variable `key`, else `default`.
pub fn env_count(key: &str, default: usize) -> usize {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n: &usize| n > 0)
        .unwrap_or(default)
}

/// The median wall time of `runs` (at least one) calls of `f`.
pub fn median_time(runs: usize, mut f: impl FnMut()) -> Duration {
    let mut t: Vec<Duration> = (0..runs.max(1))
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    t.sort();
    t[t.len() / 2]
}
