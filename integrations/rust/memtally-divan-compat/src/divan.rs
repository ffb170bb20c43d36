use std::panic::Location;
use std::time::Duration;

use memtally::Harness;
use real_divan::counter::IntoCounter;

use crate::registry;

/// The benchmark runner, as divan's `Divan`: it holds a real one and
/// forwards to it, unless the process runs under the memtally runner.
#[derive(Default)]
pub struct Divan {
    real: real_divan::Divan,
}

macro_rules! forward_builder {
    ($( fn $name:ident $(<$g:ident: $b:path>)? ($($arg:ident: $ty:ty),*); )*) => {
        $(
            pub fn $name $(<$g: $b>)? (self, $($arg: $ty),*) -> Self {
                Divan { real: self.real.$name($($arg),*) }
            }
        )*
    };
}

impl Divan {
    /// Reads divan's command-line options.
    pub fn from_args() -> Self {
        Divan {
            real: real_divan::Divan::from_args(),
        }
    }

    /// Adds divan's command-line options to this configuration.
    pub fn config_with_args(self) -> Self {
        Divan {
            real: self.real.config_with_args(),
        }
    }

    forward_builder! {
        fn color(yes: Option<bool>);
        fn run_ignored();
        fn run_only_ignored();
        fn skip_exact(filter: String);
        fn sample_count(count: u32);
        fn sample_size(count: u32);
        fn min_time(time: Duration);
        fn max_time(time: Duration);
        fn skip_ext_time(skip: bool);
        fn counter<C: IntoCounter>(counter: C);
    }

    /// Runs the registered benchmarks, or lists or tests them as the options
    /// say. Under the runner each runs once in its own window.
    #[track_caller]
    pub fn main(&self) {
        let caller = Location::caller();
        match Harness::connect("memtally-divan", env!("CARGO_PKG_VERSION")) {
            Some(h) => registry::run_all(h, caller),
            None => self.real.main(),
        }
    }

    /// Runs the registered benchmarks.
    #[track_caller]
    pub fn run_benches(&self) {
        let caller = Location::caller();
        match Harness::connect("memtally-divan", env!("CARGO_PKG_VERSION")) {
            Some(h) => registry::run_all(h, caller),
            None => self.real.run_benches(),
        }
    }

    /// Runs each benchmark once to check that it works.
    pub fn test_benches(&self) {
        self.real.test_benches();
    }

    /// Lists the registered benchmarks.
    pub fn list_benches(&self) {
        self.real.list_benches();
    }
}
