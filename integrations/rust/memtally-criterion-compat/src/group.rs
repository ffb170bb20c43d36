use std::marker::PhantomData;
use std::time::Duration;

use memtally::Harness;
use real_criterion::measurement::{Measurement, WallTime};
use real_criterion::{PlotConfiguration, SamplingMode, Throughput};

use crate::id::{IntoBenchmarkId, RealId};
use crate::once;
use crate::Bencher;

/// A group of related benchmarks, as criterion's `BenchmarkGroup`.
pub struct BenchmarkGroup<'a, M: Measurement = WallTime> {
    mode: Mode<'a, M>,
}

enum Mode<'a, M: Measurement> {
    Real(real_criterion::BenchmarkGroup<'a, M>),
    Once {
        harness: Harness,
        name: String,
        warm_up: Option<Duration>,
        _criterion: PhantomData<&'a mut M>,
    },
}

macro_rules! forward_config {
    ($( fn $name:ident($($arg:ident: $ty:ty),*); )*) => {
        $(
            pub fn $name(&mut self, $($arg: $ty),*) -> &mut Self {
                if let Mode::Real(g) = &mut self.mode {
                    g.$name($($arg),*);
                }
                self
            }
        )*
    };
}

impl<'a, M: Measurement + 'static> BenchmarkGroup<'a, M> {
    pub(crate) fn real(group: real_criterion::BenchmarkGroup<'a, M>) -> Self {
        BenchmarkGroup {
            mode: Mode::Real(group),
        }
    }

    pub(crate) fn once(harness: Harness, name: String, warm_up: Option<Duration>) -> Self {
        BenchmarkGroup {
            mode: Mode::Once {
                harness,
                name,
                warm_up,
                _criterion: PhantomData,
            },
        }
    }

    /// Sets the group's warm-up time, as criterion does; under the runner it
    /// decides the group's warm-up calls, as `Criterion::warm_up_time` does.
    pub fn warm_up_time(&mut self, dur: Duration) -> &mut Self {
        match &mut self.mode {
            Mode::Real(g) => {
                g.warm_up_time(dur);
            }
            Mode::Once { warm_up, .. } => *warm_up = Some(dur),
        }
        self
    }

    forward_config! {
        fn sample_size(n: usize);
        fn measurement_time(dur: Duration);
        fn nresamples(n: usize);
        fn noise_threshold(threshold: f64);
        fn confidence_level(cl: f64);
        fn significance_level(sl: f64);
        fn plot_config(new_config: PlotConfiguration);
        fn throughput(throughput: Throughput);
        fn sampling_mode(new_mode: SamplingMode);
    }

    /// Benchmarks `f` in this group.
    pub fn bench_function<ID: IntoBenchmarkId, F>(&mut self, id: ID, mut f: F) -> &mut Self
    where
        F: FnMut(&mut Bencher<'_, M>),
    {
        let id = id.into_benchmark_id();
        match &mut self.mode {
            Mode::Real(g) => {
                let run = |b: &mut real_criterion::Bencher<'_, M>| f(&mut Bencher::real(b));
                match id.to_real() {
                    RealId::Name(name) => g.bench_function(name, run),
                    RealId::Id(id) => g.bench_function(id, run),
                };
            }
            Mode::Once {
                harness,
                name,
                warm_up,
                ..
            } => {
                let uri = format!("{}::{name}{}", once::bench_file(), id.uri_suffix());
                f(&mut Bencher::once(
                    *harness,
                    &uri,
                    once::warmup(*harness, *warm_up),
                ));
            }
        }
        self
    }

    /// Benchmarks `f` with `input` in this group.
    pub fn bench_with_input<ID: IntoBenchmarkId, F, I>(
        &mut self,
        id: ID,
        input: &I,
        mut f: F,
    ) -> &mut Self
    where
        F: FnMut(&mut Bencher<'_, M>, &I),
    {
        let id = id.into_benchmark_id();
        match &mut self.mode {
            Mode::Real(g) => {
                let run =
                    |b: &mut real_criterion::Bencher<'_, M>, i: &I| f(&mut Bencher::real(b), i);
                match id.to_real() {
                    RealId::Name(name) => g.bench_with_input(name, input, run),
                    RealId::Id(id) => g.bench_with_input(id, input, run),
                };
            }
            Mode::Once {
                harness,
                name,
                warm_up,
                ..
            } => {
                let uri = format!("{}::{name}{}", once::bench_file(), id.uri_suffix());
                let warmup = once::warmup(*harness, *warm_up);
                f(&mut Bencher::once(*harness, &uri, warmup), input);
            }
        }
        self
    }

    /// Ends the group, as criterion's `finish`.
    pub fn finish(self) {
        if let Mode::Real(g) = self.mode {
            g.finish();
        }
    }
}
