//! What the run-once path shares: the runner session and the bench file.

use std::sync::OnceLock;

use memtally::Harness;

static BENCH_FILE: OnceLock<String> = OnceLock::new();

/// Records the bench target's source file, relative to its package root. The
/// macros call it from the target's file; the first call wins, which is
/// `criterion_main!`'s when the target has one.
pub fn set_bench_file(file: &str, manifest_dir: &str) {
    BENCH_FILE.get_or_init(|| memtally::package_relative(file, manifest_dir));
}

/// The URI prefix of every benchmark in this process.
pub(crate) fn bench_file() -> &'static str {
    BENCH_FILE.get_or_init(|| {
        // A hand-written main that bypasses the macros: cargo names the
        // executable after the target, `<name>-<hash>`.
        let exe = std::env::current_exe().ok();
        let stem = exe
            .as_deref()
            .and_then(|p| p.file_stem())
            .and_then(|s| s.to_str())
            .unwrap_or("bench");
        let name = stem.rsplit_once('-').map_or(stem, |(name, _)| name);
        format!("benches/{name}.rs")
    })
}

/// The runner session, when this process has one.
pub(crate) fn harness() -> Option<Harness> {
    Harness::connect("memtally-criterion", env!("CARGO_PKG_VERSION"))
}
