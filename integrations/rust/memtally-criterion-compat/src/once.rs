//! What the run-once path shares: the runner session and the bench file.

use std::sync::OnceLock;
use std::time::Duration;

use memtally::warmup::Warmup;
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

/// The warm-up before each measured call: the warm-up time the user set, if
/// any, else the runner's `MEMTALLY_WARMUP` (see [`Warmup::resolve`]).
pub(crate) fn warmup(harness: Harness, warm_up_time: Option<Duration>) -> Warmup {
    Warmup::resolve(harness.warmup_calls(), warm_up_time)
}

/// The value of criterion's `--warm-up-time SECONDS` among `args`, the last
/// one when repeated, as criterion's parser takes it. A value criterion
/// would refuse is left to criterion, which parses the same arguments.
pub(crate) fn warm_up_time_arg(args: impl IntoIterator<Item = String>) -> Option<Duration> {
    let mut args = args.into_iter();
    let mut found = None;
    while let Some(arg) = args.next() {
        let value = if arg == "--warm-up-time" {
            args.next()
        } else {
            arg.strip_prefix("--warm-up-time=").map(str::to_owned)
        };
        if let Some(v) = value {
            found = v
                .parse::<f64>()
                .ok()
                .and_then(|s| Duration::try_from_secs_f64(s).ok());
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn warm_up_time_is_read_in_both_spellings() {
        assert_eq!(warm_up_time_arg(args(&["--bench"])), None);
        assert_eq!(
            warm_up_time_arg(args(&["--bench", "--warm-up-time", "0.5"])),
            Some(Duration::from_millis(500))
        );
        assert_eq!(
            warm_up_time_arg(args(&["--warm-up-time=2", "x"])),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            warm_up_time_arg(args(&["--warm-up-time=1", "--warm-up-time", "3"])),
            Some(Duration::from_secs(3))
        );
    }
}
