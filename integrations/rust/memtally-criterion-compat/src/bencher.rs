use std::hint::black_box;

use memtally::warmup::Warmup;
use memtally::Harness;
use real_criterion::measurement::{Measurement, WallTime};
use real_criterion::BatchSize;

/// The timer passed to a benchmark routine, as criterion's `Bencher`.
pub struct Bencher<'a, M: Measurement = WallTime> {
    mode: Mode<'a, M>,
}

enum Mode<'a, M: Measurement> {
    Real(&'a mut real_criterion::Bencher<'a, M>),
    Once {
        harness: Harness,
        uri: &'a str,
        warmup: Warmup,
        done: bool,
    },
}

/// A benchmark's one window, and the warm-up calls before it.
struct Window<'a> {
    harness: Harness,
    uri: &'a str,
    warmup: Warmup,
}

impl<'a, M: Measurement> Bencher<'a, M> {
    pub(crate) fn real<'l>(bencher: &'a mut real_criterion::Bencher<'l, M>) -> Self {
        // SAFETY: the real bencher only reads its `&'l M`; narrowing 'l to
        // 'a (which 'l outlives) behind this borrow never lets a shorter-lived
        // reference be stored into it.
        let bencher = unsafe {
            &mut *(bencher as *mut real_criterion::Bencher<'l, M>)
                .cast::<real_criterion::Bencher<'a, M>>()
        };
        Bencher {
            mode: Mode::Real(bencher),
        }
    }

    pub(crate) fn once(harness: Harness, uri: &'a str, warmup: Warmup) -> Self {
        Bencher {
            mode: Mode::Once {
                harness,
                uri,
                warmup,
                done: false,
            },
        }
    }

    /// The window to run in, the first time a routine is given; later
    /// routines of the same benchmark do not run, since it runs once.
    fn window(&mut self) -> Option<Window<'a>> {
        match &mut self.mode {
            Mode::Once {
                harness,
                uri,
                warmup,
                done,
            } if !*done => {
                *done = true;
                Some(Window {
                    harness: *harness,
                    uri,
                    warmup: *warmup,
                })
            }
            _ => None,
        }
    }

    /// Times `routine`; its output is dropped inside the window, as criterion
    /// drops it inside its timing.
    pub fn iter<O, R: FnMut() -> O>(&mut self, mut routine: R) {
        if let Mode::Real(b) = &mut self.mode {
            return b.iter(routine);
        }
        if let Some(w) = self.window() {
            let n = w.warmup.run(|| drop(black_box(routine())));
            w.harness
                .run_after_warmup(w.uri, n, || drop(black_box(routine())));
        }
    }

    /// Runs `routine` for one iteration under the runner.
    pub fn iter_custom<R: FnMut(u64) -> M::Value>(&mut self, mut routine: R) {
        if let Mode::Real(b) = &mut self.mode {
            return b.iter_custom(routine);
        }
        if let Some(w) = self.window() {
            let n = w.warmup.run(|| drop(routine(1)));
            drop(w.harness.run_after_warmup(w.uri, n, || routine(1)));
        }
    }

    /// Like `iter`, with the output dropped after the window.
    pub fn iter_with_large_drop<O, R: FnMut() -> O>(&mut self, mut routine: R) {
        if let Mode::Real(b) = &mut self.mode {
            return b.iter_with_large_drop(routine);
        }
        if let Some(w) = self.window() {
            let n = w.warmup.run(|| drop(black_box(routine())));
            drop(
                w.harness
                    .run_after_warmup(w.uri, n, || black_box(routine())),
            );
        }
    }

    /// Deprecated in criterion in favour of `iter_batched`; kept for suites
    /// that still call it.
    #[allow(deprecated)]
    pub fn iter_with_setup<I, O, S: FnMut() -> I, R: FnMut(I) -> O>(
        &mut self,
        setup: S,
        routine: R,
    ) {
        if let Mode::Real(b) = &mut self.mode {
            return b.iter_with_setup(setup, routine);
        }
        self.iter_batched(setup, routine, BatchSize::PerIteration);
    }

    /// criterion 0.3's hidden `iter_with_large_setup`: `iter_batched` with
    /// one batch.
    #[cfg(criterion = "0.3")]
    #[doc(hidden)]
    pub fn iter_with_large_setup<I, O, S: FnMut() -> I, R: FnMut(I) -> O>(
        &mut self,
        setup: S,
        routine: R,
    ) {
        if let Mode::Real(b) = &mut self.mode {
            return b.iter_with_large_setup(setup, routine);
        }
        self.iter_batched(setup, routine, BatchSize::NumBatches(1));
    }

    /// Builds the input with `setup` before the window; the output and what
    /// is left of the input are dropped after it.
    pub fn iter_batched<I, O, S: FnMut() -> I, R: FnMut(I) -> O>(
        &mut self,
        mut setup: S,
        mut routine: R,
        size: BatchSize,
    ) {
        if let Mode::Real(b) = &mut self.mode {
            return b.iter_batched(setup, routine, size);
        }
        if let Some(w) = self.window() {
            let n = w
                .warmup
                .run(|| drop(black_box(routine(black_box(setup())))));
            let input = setup();
            drop(
                w.harness
                    .run_after_warmup(w.uri, n, || black_box(routine(black_box(input)))),
            );
        }
    }

    /// Like `iter_batched`, passing the input by mutable reference.
    pub fn iter_batched_ref<I, O, S: FnMut() -> I, R: FnMut(&mut I) -> O>(
        &mut self,
        mut setup: S,
        mut routine: R,
        size: BatchSize,
    ) {
        if let Mode::Real(b) = &mut self.mode {
            return b.iter_batched_ref(setup, routine, size);
        }
        if let Some(w) = self.window() {
            let n = w.warmup.run(|| {
                let mut input = setup();
                drop(black_box(routine(black_box(&mut input))));
            });
            let mut input = setup();
            let out = w
                .harness
                .run_after_warmup(w.uri, n, || black_box(routine(black_box(&mut input))));
            drop(out);
            drop(input);
        }
    }
}
