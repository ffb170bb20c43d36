//! A drop-in for [divan](https://docs.rs/divan) that also measures memory
//! under the memtally runner.
//!
//! Rename the dependency and change nothing else:
//!
//! ```toml
//! [dev-dependencies]
//! divan = { package = "memtally-divan-compat", version = "0.1" }
//! ```
//!
//! Outside the runner `divan::main()` is the real divan's, and benchmarks run
//! through it, so `cargo bench` behaves and prints exactly as before. Under
//! the runner each benchmark instance (each type, const and argument) runs
//! exactly once between the runner's start and stop, after the warm-up calls
//! the runner asks for (`MEMTALLY_WARMUP`, 1 by default) outside any window;
//! inputs from `with_inputs` are built before the window, and outputs, which
//! divan drops outside its timing, are dropped after it.

mod bencher;
mod divan;
mod registry;

pub use bencher::{Bencher, BencherConfig};
pub use divan::Divan;
pub use memtally_divan_macros::{bench, bench_group};
pub use real_divan::{black_box, black_box_drop, counter, AllocProfiler};

/// The items most benchmarks use.
pub mod prelude {
    pub use crate::{bench, bench_group, black_box, black_box_drop, AllocProfiler, Bencher, Divan};
}

/// Runs the benchmarks registered with `#[divan::bench]`, as divan's `main`.
#[track_caller]
pub fn main() {
    Divan::from_args().main();
}

#[doc(hidden)]
pub mod __memtally {
    //! What the attribute macros' expansion refers to.
    pub use crate::registry::{type_label, Context, Entry, ENTRIES};
    pub use linkme;
    pub use real_divan as real;
}
