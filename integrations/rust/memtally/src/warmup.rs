//! How many calls of a benchmark's body run outside any window before the
//! one call its window measures, so that the window sees the body in steady
//! state (lazy statics set, thread-locals made, buffers grown) rather than
//! its cold first call.

use std::fmt;
use std::time::{Duration, Instant};

use crate::message::ENV_WARMUP;

/// The warm-up calls an older runner, which does not set `MEMTALLY_WARMUP`,
/// gets: one, as the current runner's default.
pub const DEFAULT_CALLS: u32 = 1;

/// The most calls a warm-up given as a time runs. A body that has not
/// settled after this many calls is one whose allocations grow with every
/// call (a cache filling up), which more calls would not settle either; and
/// under the runner's probes a fast body's three-second warm-up (criterion's
/// default) would otherwise cost millions of calls per benchmark.
pub const MAX_TIMED_CALLS: u32 = 100;

/// What a harness runs before the measured call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Warmup {
    /// Exactly this many calls.
    Calls(u32),
    /// Calls until this much time has passed, at least one and at most
    /// [`MAX_TIMED_CALLS`]: a harness's own warm-up time, set by the user.
    For(Duration),
}

impl Warmup {
    /// The warm-up for a benchmark: `requested` calls (the runner's
    /// `MEMTALLY_WARMUP`), unless the user set the harness's own warm-up
    /// time, which then decides. A request of 0 calls is an explicit ask for
    /// the cold first call and wins over the harness's option.
    pub fn resolve(requested: u32, harness_time: Option<Duration>) -> Warmup {
        match harness_time {
            _ if requested == 0 => Warmup::Calls(0),
            Some(t) if t.is_zero() => Warmup::Calls(0),
            Some(t) => Warmup::For(t),
            None => Warmup::Calls(requested),
        }
    }

    /// Runs `call` as the warm-up says and returns how many times it ran.
    pub fn run(self, mut call: impl FnMut()) -> u32 {
        match self {
            Warmup::Calls(n) => {
                for _ in 0..n {
                    call();
                }
                n
            }
            Warmup::For(time) => {
                let begin = Instant::now();
                let mut n = 0;
                while n == 0 || (n < MAX_TIMED_CALLS && begin.elapsed() < time) {
                    call();
                    n += 1;
                }
                n
            }
        }
    }
}

/// `MEMTALLY_WARMUP` holds something other than a number of calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarmupEnvError {
    value: String,
}

impl fmt::Display for WarmupEnvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "read {ENV_WARMUP}: {:?} is not a number of calls (0 to {})",
            self.value,
            u32::MAX
        )
    }
}

impl std::error::Error for WarmupEnvError {}

/// The number of warm-up calls the runner asks for: `MEMTALLY_WARMUP`, or
/// [`DEFAULT_CALLS`] when it is absent or empty.
pub fn requested() -> Result<u32, WarmupEnvError> {
    let Some(value) = std::env::var_os(ENV_WARMUP) else {
        return Ok(DEFAULT_CALLS);
    };
    let value = value.to_string_lossy();
    if value.is_empty() {
        return Ok(DEFAULT_CALLS);
    }
    value.trim().parse().map_err(|_| WarmupEnvError {
        value: value.into_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_requested_wins_over_the_harness_time() {
        let t = Some(Duration::from_secs(3));
        assert_eq!(Warmup::resolve(0, t), Warmup::Calls(0));
        assert_eq!(Warmup::resolve(2, t), Warmup::For(Duration::from_secs(3)));
        assert_eq!(Warmup::resolve(2, None), Warmup::Calls(2));
        assert_eq!(Warmup::resolve(2, Some(Duration::ZERO)), Warmup::Calls(0));
    }

    #[test]
    fn counted_warmup_runs_exactly_its_calls() {
        let mut n = 0;
        assert_eq!(Warmup::Calls(3).run(|| n += 1), 3);
        assert_eq!(n, 3);
        assert_eq!(Warmup::Calls(0).run(|| n += 1), 0);
        assert_eq!(n, 3);
    }

    #[test]
    fn timed_warmup_runs_at_least_once_and_at_most_the_bound() {
        let mut n = 0;
        assert_eq!(Warmup::For(Duration::from_nanos(1)).run(|| n += 1), 1);
        assert_eq!(n, 1);
        // A day of warm-up on a body that takes no time stops at the bound.
        let ran = Warmup::For(Duration::from_secs(86_400)).run(|| n += 1);
        assert_eq!(ran, MAX_TIMED_CALLS);
        assert_eq!(n, 1 + MAX_TIMED_CALLS);
    }
}
