//! Under a (fake) runner, every benchmark instance runs once in a window of
//! its own, with divan's surface as published suites use it.

extern crate memtally_divan_compat as divan;

use std::sync::OnceLock;

use divan::counter::BytesCount;
use divan::Bencher;
use memtally::fake_runner::FakeRunner;

static RUNNER: OnceLock<FakeRunner> = OnceLock::new();

fn note(line: impl Into<String>) {
    RUNNER.get().expect("runner serving").note(line);
}

#[divan::bench]
fn plain() {
    note("body plain");
}

#[divan::bench(args = [1, 2])]
fn with_args(n: usize) -> usize {
    note(format!("body with_args {n}"));
    n
}

#[divan::bench(types = [u8, String], consts = [3])]
fn generic<T: Default, const N: usize>() -> Vec<T> {
    note(format!("body generic {} {N}", std::any::type_name::<T>()));
    (0..N).map(|_| T::default()).collect()
}

#[divan::bench]
fn inputs(bencher: Bencher) {
    bencher
        .with_inputs(|| {
            note("setup inputs");
            vec![1u8]
        })
        .bench_values(|v| {
            note("body inputs");
            v
        });
}

#[divan::bench(args = ["x"])]
fn refs(bencher: Bencher, s: &str) {
    bencher
        .with_inputs(|| {
            note("setup refs");
            s.to_owned()
        })
        .bench_refs(|v| {
            note(format!("body refs {v}"));
        });
}

#[divan::bench]
fn local(bencher: Bencher) {
    let mut calls = 0;
    bencher.bench_local(|| {
        calls += 1;
        note(format!("body local {calls}"));
    });
}

#[divan::bench]
fn counted(bencher: Bencher) {
    bencher
        .counter(BytesCount::new(4usize))
        .bench(|| note("body counted"));
}

const SIZES: &[usize] = &[5];

// Options the real divan reads are passed on to it; under the runner the
// instance runs once, on one thread, whatever they say.
#[divan::bench(
    args = SIZES,
    threads = [1, 2],
    counters = [BytesCount::new(1usize)],
    min_time = 0.001,
    max_time = 0.01,
    sample_size = 2,
    sample_count = 3,
)]
fn options(n: usize) {
    note(format!("body options {n}"));
}

#[divan::bench]
#[ignore]
fn ignored() {
    note("body ignored");
}

mod m {
    use super::note;

    #[divan::bench]
    fn plain() {
        note("body m::plain");
    }
}

#[divan::bench_group(sample_count = 10)]
mod g {
    use super::note;

    #[divan::bench(name = "renamed")]
    fn f() {
        note("body g::renamed");
    }
}

#[test]
fn each_instance_runs_once_in_its_window() {
    RUNNER.get_or_init(FakeRunner::serve);
    // Not `divan::main()`: it would read the test harness's own arguments.
    divan::Divan::default().main();
    let log = RUNNER.get().unwrap().log();
    let want = [
        "hello",
        "start tests/run_once.rs::counted",
        "body counted",
        "stop",
        "start tests/run_once.rs::generic[u8, 3]",
        "body generic u8 3",
        "stop",
        "start tests/run_once.rs::generic[String, 3]",
        "body generic alloc::string::String 3",
        "stop",
        "setup inputs",
        "start tests/run_once.rs::inputs",
        "body inputs",
        "stop",
        "start tests/run_once.rs::local",
        "body local 1",
        "stop",
        "start tests/run_once.rs::options[5]",
        "body options 5",
        "stop",
        "start tests/run_once.rs::plain",
        "body plain",
        "stop",
        "setup refs",
        "start tests/run_once.rs::refs[x]",
        "body refs x",
        "stop",
        "start tests/run_once.rs::with_args[1]",
        "body with_args 1",
        "stop",
        "start tests/run_once.rs::with_args[2]",
        "body with_args 2",
        "stop",
        "start tests/run_once.rs::g::renamed",
        "body g::renamed",
        "stop",
        "start tests/run_once.rs::m::plain",
        "body m::plain",
        "stop",
    ];
    assert_eq!(log, want);
}
