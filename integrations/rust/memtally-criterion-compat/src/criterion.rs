use std::path::Path;
use std::time::Duration;

use memtally::Harness;
use real_criterion::measurement::{Measurement, WallTime};
use real_criterion::profiler::Profiler;
#[cfg(not(any(criterion = "0.3", criterion = "0.4")))]
use real_criterion::BenchmarkFilter;
use real_criterion::PlottingBackend;

use crate::group::BenchmarkGroup;
use crate::id::BenchmarkId;
use crate::once;
use crate::Bencher;

/// The benchmark manager, as criterion's `Criterion`: it holds a real one and
/// forwards to it, unless the process runs under the memtally runner.
pub struct Criterion<M: Measurement = WallTime> {
    real: real_criterion::Criterion<M>,
    harness: Option<Harness>,
    /// The warm-up time the user set, in code or on the command line: under
    /// the runner it decides the warm-up calls (`memtally::warmup`).
    warm_up: Option<Duration>,
}

impl Default for Criterion {
    fn default() -> Self {
        Criterion {
            real: real_criterion::Criterion::default(),
            harness: once::harness(),
            warm_up: None,
        }
    }
}

macro_rules! forward_builder {
    ($( $(#[$attr:meta])* fn $name:ident($($arg:ident: $ty:ty),*); )*) => {
        $(
            $(#[$attr])*
            pub fn $name(self, $($arg: $ty),*) -> Self {
                Criterion { real: self.real.$name($($arg),*), ..self }
            }
        )*
    };
}

impl<M: Measurement + 'static> Criterion<M> {
    forward_builder! {
        fn sample_size(n: usize);
        fn measurement_time(dur: Duration);
        fn nresamples(n: usize);
        fn noise_threshold(threshold: f64);
        fn confidence_level(cl: f64);
        fn significance_level(sl: f64);
        fn with_plots();
        fn without_plots();
        fn save_baseline(baseline: String);
        #[cfg(criterion = "0.3")]
        fn retain_baseline(baseline: String);
        #[cfg(not(criterion = "0.3"))]
        fn retain_baseline(baseline: String, strict: bool);
        fn with_output_color(enabled: bool);
        fn output_directory(path: &Path);
        fn profile_time(profile_time: Option<Duration>);
        fn plotting_backend(backend: PlottingBackend);
    }

    /// Sets the warm-up time, as criterion does. Under the runner it is the
    /// time the body is called for before its measured call, in at least
    /// one and at most `memtally::warmup::MAX_TIMED_CALLS` calls.
    pub fn warm_up_time(self, dur: Duration) -> Self {
        Criterion {
            real: self.real.warm_up_time(dur),
            warm_up: Some(dur),
            ..self
        }
    }

    /// Filters benchmarks, as criterion 0.5 and later do.
    #[cfg(not(any(criterion = "0.3", criterion = "0.4")))]
    pub fn with_benchmark_filter(self, filter: BenchmarkFilter) -> Self {
        Criterion {
            real: self.real.with_benchmark_filter(filter),
            ..self
        }
    }

    /// Filters benchmarks by a regular expression, as criterion does.
    pub fn with_filter<S: Into<String>>(self, filter: S) -> Self {
        Criterion {
            real: self.real.with_filter(filter),
            ..self
        }
    }

    /// Switches to another measurement.
    pub fn with_measurement<M2: Measurement>(self, m: M2) -> Criterion<M2> {
        Criterion {
            real: self.real.with_measurement(m),
            harness: self.harness,
            warm_up: self.warm_up,
        }
    }

    /// Installs a profiler.
    pub fn with_profiler<P: Profiler + 'static>(self, p: P) -> Self {
        Criterion {
            real: self.real.with_profiler(p),
            ..self
        }
    }

    /// Reads criterion's command-line options. Under the runner too, so that
    /// options stay validated the same way.
    #[must_use]
    pub fn configure_from_args(self) -> Self {
        let warm_up = once::warm_up_time_arg(std::env::args().skip(1)).or(self.warm_up);
        Criterion {
            real: self.real.configure_from_args(),
            warm_up,
            ..self
        }
    }

    /// Prints criterion's closing summary; under the runner there is none.
    pub fn final_summary(&self) {
        if self.harness.is_none() {
            self.real.final_summary();
        }
    }

    /// Opens a benchmark group.
    pub fn benchmark_group<S: Into<String>>(&mut self, group_name: S) -> BenchmarkGroup<'_, M> {
        match self.harness {
            Some(h) => BenchmarkGroup::once(h, group_name.into(), self.warm_up),
            None => BenchmarkGroup::real(self.real.benchmark_group(group_name)),
        }
    }

    /// Benchmarks `f` under the name `id`.
    pub fn bench_function<F>(&mut self, id: &str, mut f: F) -> &mut Self
    where
        F: FnMut(&mut Bencher<'_, M>),
    {
        match self.harness {
            Some(h) => {
                let uri = format!("{}::{id}", once::bench_file());
                f(&mut Bencher::once(h, &uri, once::warmup(h, self.warm_up)));
            }
            None => {
                self.real.bench_function(id, |b| f(&mut Bencher::real(b)));
            }
        }
        self
    }

    /// Always true, as in criterion 0.3, which deprecated it.
    #[cfg(criterion = "0.3")]
    #[deprecated(since = "0.3.4", note = "No longer useful")]
    pub fn can_plot(&self) -> bool {
        true
    }

    /// criterion 0.3's benchmark of `f` over each of `inputs`, deprecated
    /// there in favour of groups; an input's URI is `id[input]`, written
    /// with `Debug` as criterion names it.
    #[cfg(criterion = "0.3")]
    #[deprecated(since = "0.3.4", note = "Please use BenchmarkGroups instead.")]
    #[allow(deprecated)]
    pub fn bench_function_over_inputs<I, F>(&mut self, id: &str, mut f: F, inputs: I) -> &mut Self
    where
        I: IntoIterator,
        I::Item: std::fmt::Debug + 'static,
        F: FnMut(&mut Bencher<'_, M>, &I::Item) + 'static,
    {
        match self.harness {
            Some(h) => {
                for input in inputs {
                    let uri = format!("{}::{id}[{input:?}]", once::bench_file());
                    f(
                        &mut Bencher::once(h, &uri, once::warmup(h, self.warm_up)),
                        &input,
                    );
                }
            }
            None => {
                self.real.bench_function_over_inputs(
                    id,
                    move |b, i| f(&mut Bencher::real(b), i),
                    inputs,
                );
            }
        }
        self
    }

    /// Benchmarks `f` with `input`; `id` needs a function name, which becomes
    /// the group, as in criterion.
    pub fn bench_with_input<F, I>(&mut self, id: BenchmarkId, input: &I, mut f: F) -> &mut Self
    where
        F: FnMut(&mut Bencher<'_, M>, &I),
    {
        match self.harness {
            Some(h) => {
                let uri = format!("{}{}", once::bench_file(), id.uri_suffix());
                f(
                    &mut Bencher::once(h, &uri, once::warmup(h, self.warm_up)),
                    input,
                );
            }
            None => {
                // Criterion makes the function name the group, as the URI does.
                let Some(function) = id.function.clone() else {
                    panic!(
                        "Cannot use BenchmarkId::from_parameter with Criterion::bench_with_input"
                    );
                };
                let parameter = id.parameter.clone().unwrap_or_default();
                self.real.bench_with_input(
                    real_criterion::BenchmarkId::new(function, parameter),
                    input,
                    |b, i| f(&mut Bencher::real(b), i),
                );
            }
        }
        self
    }
}
