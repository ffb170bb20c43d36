//! A drop-in for [criterion](https://docs.rs/criterion) that also measures
//! memory under the memtally runner.
//!
//! The crate is published once per criterion major version, at criterion's
//! own version, and wraps that criterion: rename the dependency, keep its
//! version, and change nothing else:
//!
//! ```toml
//! [dev-dependencies]
//! criterion = { package = "memtally-criterion-compat", version = "0.5" }
//! ```
//!
//! Outside the runner every item is the real criterion's, or forwards to it,
//! so `cargo bench` behaves and prints exactly as before. Under the runner
//! each benchmark's routine runs exactly once between the runner's start and
//! stop, after its warm-up calls outside any window (`MEMTALLY_WARMUP`, 1 by
//! default, or the warm-up time the suite set: see `memtally::warmup`);
//! setup of `iter_batched`, and outputs that criterion drops outside its
//! timing, stay outside the window.

pub use real_criterion::*;

mod bencher;
mod criterion;
mod group;
mod id;
mod once;

pub use bencher::Bencher;
pub use criterion::Criterion;
pub use group::BenchmarkGroup;
pub use id::{BenchmarkId, IntoBenchmarkId};

#[doc(hidden)]
pub use once::set_bench_file as __set_bench_file;

/// Defines a function that runs a group of benchmark targets, as criterion's
/// macro of the same name does.
#[macro_export]
macro_rules! criterion_group {
    (name = $name:ident; config = $config:expr; targets = $( $target:path ),+ $(,)*) => {
        pub fn $name() {
            $crate::__set_bench_file(::std::file!(), ::std::env!("CARGO_MANIFEST_DIR"));
            let mut criterion: $crate::Criterion<_> = $config.configure_from_args();
            $(
                $target(&mut criterion);
            )+
        }
    };
    ($name:ident, $( $target:path ),+ $(,)*) => {
        $crate::criterion_group! {
            name = $name;
            config = $crate::Criterion::default();
            targets = $( $target ),+
        }
    };
}

/// Defines `main` to run the given groups, as criterion's macro of the same
/// name does.
#[macro_export]
macro_rules! criterion_main {
    ( $( $group:path ),+ $(,)* ) => {
        fn main() {
            $crate::__set_bench_file(::std::file!(), ::std::env!("CARGO_MANIFEST_DIR"));
            $(
                $group();
            )+
            $crate::Criterion::default().configure_from_args().final_summary();
        }
    };
}
