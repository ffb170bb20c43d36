//! Under a (fake) runner, every benchmark runs once in a window of its own,
//! with criterion's surface as published suites use it.

extern crate memtally_criterion_compat as criterion;

use std::sync::OnceLock;
use std::time::Duration;

use std::hint::black_box;

use criterion::{criterion_group, BatchSize, BenchmarkId, Criterion, Throughput};
use memtally::fake_runner::FakeRunner;

static RUNNER: OnceLock<FakeRunner> = OnceLock::new();

fn note(line: impl Into<String>) {
    RUNNER.get().expect("runner serving").note(line);
}

fn plain(c: &mut Criterion) {
    c.bench_function(&format!("fn_{}", 1), |b| b.iter(|| note("body fn_1")));
    c.bench_with_input(BenchmarkId::new("input", 7), &7, |b, &n| {
        b.iter(|| note(format!("body input {}", black_box(n))))
    });
}

fn grouped(c: &mut Criterion) {
    let mut g = c.benchmark_group("g");
    g.throughput(Throughput::Elements(1)).sample_size(10);
    g.bench_function("same", |b| {
        b.iter_batched(
            || {
                note("setup same");
                1
            },
            |x| {
                note("body g::same");
                x
            },
            BatchSize::SmallInput,
        )
    });
    g.bench_function(BenchmarkId::new("p", "a b"), |b| {
        b.iter_batched_ref(
            || {
                note("setup p");
                vec![1]
            },
            |v| {
                note("body p");
                v.len()
            },
            BatchSize::LargeInput,
        )
    });
    g.bench_with_input(BenchmarkId::from_parameter(3), &3usize, |b, &n| {
        b.iter_with_large_drop(|| {
            note("body large");
            vec![0u8; n]
        })
    });
    g.bench_function("custom", |b| {
        b.iter_custom(|iters| {
            note(format!("body custom {iters}"));
            Duration::from_nanos(1)
        })
    });
    #[allow(deprecated)]
    g.bench_function("with_setup", |b| {
        b.iter_with_setup(|| note("setup with_setup"), |()| note("body with_setup"))
    });
    g.bench_function("twice", |b| {
        b.iter(|| note("body twice 1"));
        b.iter(|| note("body twice 2"));
    });
    g.finish();

    let mut h = c.benchmark_group(String::from("h"));
    h.bench_function("same", |b| b.iter(|| note("body h::same")));
    h.finish();
}

/// criterion 0.3's surface that 0.4 removed.
fn legacy(_c: &mut Criterion) {
    #[cfg(criterion = "0.3")]
    {
        #[allow(deprecated)]
        _c.bench_function_over_inputs(
            "over",
            |b, &n| b.iter(|| note(format!("body over {n}"))),
            vec![1u32, 2],
        );
        _c.bench_function("large_setup", |b| {
            b.iter_with_large_setup(|| note("setup large_setup"), |()| note("body large_setup"))
        });
    }
}

criterion_group!(benches, plain, grouped, legacy);

#[test]
fn each_benchmark_runs_once_in_its_window() {
    RUNNER.get_or_init(FakeRunner::serve);
    benches();
    let log = RUNNER.get().unwrap().log();
    let mut want = vec![
        "hello",
        "start tests/run_once.rs::fn_1",
        "body fn_1",
        "stop",
        "start tests/run_once.rs::input[7]",
        "body input 7",
        "stop",
        "setup same",
        "start tests/run_once.rs::g::same",
        "body g::same",
        "stop",
        "setup p",
        "start tests/run_once.rs::g::p[a b]",
        "body p",
        "stop",
        "start tests/run_once.rs::g[3]",
        "body large",
        "stop",
        "start tests/run_once.rs::g::custom",
        "body custom 1",
        "stop",
        "setup with_setup",
        "start tests/run_once.rs::g::with_setup",
        "body with_setup",
        "stop",
        "start tests/run_once.rs::g::twice",
        "body twice 1",
        "stop",
        "start tests/run_once.rs::h::same",
        "body h::same",
        "stop",
    ];
    if cfg!(criterion = "0.3") {
        want.extend([
            "start tests/run_once.rs::over[1]",
            "body over 1",
            "stop",
            "start tests/run_once.rs::over[2]",
            "body over 2",
            "stop",
            "setup large_setup",
            "start tests/run_once.rs::large_setup",
            "body large_setup",
            "stop",
        ]);
    }
    assert_eq!(log, want);
}
