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

    // A warm-up time the user set decides the calls: at least one, and no
    // more than the bound however long it is.
    let mut short = c.benchmark_group("short");
    short.warm_up_time(Duration::from_nanos(1));
    short.bench_function("f", |b| b.iter(|| note("body short::f")));
    short.finish();
    let mut long = c.benchmark_group("long");
    long.warm_up_time(Duration::from_secs(86_400));
    long.bench_function("f", |b| b.iter(|| note("body long::f")));
    long.finish();
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

/// The log of one run with `warmup` warm-up calls: each routine runs that
/// many times (with its own setup) before its window, and once inside it.
fn expected(warmup: u32) -> Vec<String> {
    // (URI after the file, setup note, body note, warm-up calls)
    let timed = |calls: u32| if warmup == 0 { 0 } else { calls };
    let mut instances: Vec<(&str, Option<&str>, &str, u32)> = vec![
        ("fn_1", None, "body fn_1", warmup),
        ("input[7]", None, "body input 7", warmup),
        ("g::same", Some("setup same"), "body g::same", warmup),
        ("g::p[a b]", Some("setup p"), "body p", warmup),
        ("g[3]", None, "body large", warmup),
        ("g::custom", None, "body custom 1", warmup),
        (
            "g::with_setup",
            Some("setup with_setup"),
            "body with_setup",
            warmup,
        ),
        ("g::twice", None, "body twice 1", warmup),
        ("h::same", None, "body h::same", warmup),
        ("short::f", None, "body short::f", timed(1)),
        (
            "long::f",
            None,
            "body long::f",
            timed(memtally::warmup::MAX_TIMED_CALLS),
        ),
    ];
    if cfg!(criterion = "0.3") {
        instances.extend([
            ("over[1]", None, "body over 1", warmup),
            ("over[2]", None, "body over 2", warmup),
            (
                "large_setup",
                Some("setup large_setup"),
                "body large_setup",
                warmup,
            ),
        ]);
    }
    let mut want = vec!["hello".to_owned()];
    for (name, setup, body, calls) in instances {
        for call in 0..=calls {
            want.extend(setup.map(str::to_owned));
            if call == calls {
                want.push(format!("start tests/run_once.rs::{name} warmup={calls}"));
            }
            want.push(body.to_owned());
        }
        want.push("stop".to_owned());
    }
    want
}

#[test]
fn each_benchmark_runs_once_in_its_window() {
    let runner = RUNNER.get_or_init(FakeRunner::serve);
    // Without MEMTALLY_WARMUP, as under a runner that predates it: one call.
    std::env::remove_var("MEMTALLY_WARMUP");
    benches();
    assert_eq!(runner.log(), expected(1));

    // 0 measures the cold first call, whatever warm-up time is set; the
    // session is the same, so the log goes on after the first run's.
    for warmup in [0, 2] {
        std::env::set_var("MEMTALLY_WARMUP", warmup.to_string());
        let before = runner.log().len();
        benches();
        assert_eq!(
            runner.log()[before..],
            expected(warmup)[1..],
            "MEMTALLY_WARMUP={warmup}"
        );
    }
}
