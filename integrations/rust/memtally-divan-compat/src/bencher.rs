use std::hint::black_box;
use std::marker::PhantomData;

use memtally::warmup::Warmup;
use memtally::Harness;
use real_divan::counter::IntoCounter;

/// The default input generator of a [`Bencher`]: none.
#[derive(Clone, Copy, Debug, Default)]
pub struct Unit;

/// Statically typed configuration of a [`Bencher`], as divan's.
pub struct BencherConfig<GenI = Unit> {
    gen_input: GenI,
}

/// Runs a benchmarked function, as divan's `Bencher`: outside the runner it
/// holds the real divan's and forwards to it.
#[must_use = "a benchmark function must be registered"]
pub struct Bencher<'a, 'b, C = BencherConfig> {
    mode: Mode<'a, 'b>,
    config: C,
}

enum Mode<'a, 'b> {
    Real(real_divan::Bencher<'a, 'b>),
    Once {
        harness: Harness,
        uri: &'b str,
        _scope: PhantomData<&'a ()>,
    },
}

impl<'a, 'b> Bencher<'a, 'b> {
    #[doc(hidden)]
    pub fn __from_real(real: real_divan::Bencher<'a, 'b>) -> Self {
        Bencher {
            mode: Mode::Real(real),
            config: BencherConfig { gen_input: Unit },
        }
    }

    pub(crate) fn once(harness: Harness, uri: &'b str) -> Self {
        Bencher {
            mode: Mode::Once {
                harness,
                uri,
                _scope: PhantomData,
            },
            config: BencherConfig { gen_input: Unit },
        }
    }

    /// Benchmarks a function; under the runner its output is dropped after
    /// the window, as divan drops outputs outside its timing.
    pub fn bench<O, B>(self, benched: B)
    where
        B: Fn() -> O + Sync,
    {
        match self.mode {
            Mode::Real(b) => b.bench(benched),
            Mode::Once { harness, uri, .. } => {
                let n = warmup(harness).run(|| drop(black_box(benched())));
                drop(harness.run_after_warmup(uri, n, || black_box(benched())));
            }
        }
    }

    /// Benchmarks a function on the current thread.
    pub fn bench_local<O, B>(self, mut benched: B)
    where
        B: FnMut() -> O,
    {
        match self.mode {
            Mode::Real(b) => b.bench_local(benched),
            Mode::Once { harness, uri, .. } => {
                let n = warmup(harness).run(|| drop(black_box(benched())));
                drop(harness.run_after_warmup(uri, n, || black_box(benched())));
            }
        }
    }

    /// Generates inputs for the benchmarked function; under the runner the
    /// one input is built before the window.
    pub fn with_inputs<G>(self, gen_input: G) -> Bencher<'a, 'b, BencherConfig<G>> {
        Bencher {
            mode: self.mode,
            config: BencherConfig { gen_input },
        }
    }
}

impl<GenI> Bencher<'_, '_, BencherConfig<GenI>> {
    /// Assigns a counter to every iteration.
    pub fn counter<C: IntoCounter>(self, counter: C) -> Self {
        let mode = match self.mode {
            Mode::Real(b) => Mode::Real(b.counter(counter)),
            once => once,
        };
        Bencher {
            mode,
            config: self.config,
        }
    }
}

impl<I, GenI> Bencher<'_, '_, BencherConfig<GenI>>
where
    GenI: FnMut() -> I,
{
    /// Benchmarks a function over generated inputs, by value.
    pub fn bench_values<O, B>(mut self, benched: B)
    where
        B: Fn(I) -> O + Sync,
        GenI: Fn() -> I + Sync,
    {
        match self.mode {
            Mode::Real(b) => b.with_inputs(self.config.gen_input).bench_values(benched),
            Mode::Once { harness, uri, .. } => {
                let gen_input = &mut self.config.gen_input;
                let n = warmup(harness).run(|| drop(black_box(benched(black_box(gen_input())))));
                let input = gen_input();
                drop(harness.run_after_warmup(uri, n, || black_box(benched(black_box(input)))));
            }
        }
    }

    /// Benchmarks a function over generated inputs, by value, on the current
    /// thread.
    pub fn bench_local_values<O, B>(mut self, mut benched: B)
    where
        B: FnMut(I) -> O,
    {
        match self.mode {
            Mode::Real(b) => b
                .with_inputs(self.config.gen_input)
                .bench_local_values(benched),
            Mode::Once { harness, uri, .. } => {
                let gen_input = &mut self.config.gen_input;
                let n = warmup(harness).run(|| drop(black_box(benched(black_box(gen_input())))));
                let input = gen_input();
                drop(harness.run_after_warmup(uri, n, || black_box(benched(black_box(input)))));
            }
        }
    }

    /// Benchmarks a function over generated inputs, by reference; the input
    /// is dropped after the window.
    pub fn bench_refs<O, B>(mut self, benched: B)
    where
        B: Fn(&mut I) -> O + Sync,
        GenI: Fn() -> I + Sync,
    {
        match self.mode {
            Mode::Real(b) => b.with_inputs(self.config.gen_input).bench_refs(benched),
            Mode::Once { harness, uri, .. } => {
                let gen_input = &mut self.config.gen_input;
                let n = warmup(harness).run(|| {
                    let mut input = gen_input();
                    drop(black_box(benched(black_box(&mut input))));
                });
                let mut input = gen_input();
                let out =
                    harness.run_after_warmup(uri, n, || black_box(benched(black_box(&mut input))));
                drop(out);
                drop(input);
            }
        }
    }

    /// Benchmarks a function over generated inputs, by reference, on the
    /// current thread.
    pub fn bench_local_refs<O, B>(mut self, mut benched: B)
    where
        B: FnMut(&mut I) -> O,
    {
        match self.mode {
            Mode::Real(b) => b
                .with_inputs(self.config.gen_input)
                .bench_local_refs(benched),
            Mode::Once { harness, uri, .. } => {
                let gen_input = &mut self.config.gen_input;
                let n = warmup(harness).run(|| {
                    let mut input = gen_input();
                    drop(black_box(benched(black_box(&mut input))));
                });
                let mut input = gen_input();
                let out =
                    harness.run_after_warmup(uri, n, || black_box(benched(black_box(&mut input))));
                drop(out);
                drop(input);
            }
        }
    }
}

/// The warm-up before each measured call: divan has no warm-up option of its
/// own (its sample count and size say how long to time, not how to warm up),
/// so the runner's `MEMTALLY_WARMUP` decides.
fn warmup(harness: Harness) -> Warmup {
    Warmup::resolve(harness.warmup_calls(), None)
}
