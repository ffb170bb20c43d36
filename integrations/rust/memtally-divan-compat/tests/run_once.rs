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

/// The log of one run with `warmup` warm-up calls: each body runs that many
/// times (with its own input) before its window, and once inside it.
fn expected(warmup: u32) -> Vec<String> {
    // (URI after the file, setup note, body note); the local body counts
    // its calls.
    let instances: &[(&str, Option<&str>, &str)] = &[
        ("counted", None, "body counted"),
        ("generic[u8, 3]", None, "body generic u8 3"),
        (
            "generic[String, 3]",
            None,
            "body generic alloc::string::String 3",
        ),
        ("inputs", Some("setup inputs"), "body inputs"),
        ("local", None, "body local"),
        ("options[5]", None, "body options 5"),
        ("plain", None, "body plain"),
        ("refs[x]", Some("setup refs"), "body refs x"),
        ("with_args[1]", None, "body with_args 1"),
        ("with_args[2]", None, "body with_args 2"),
        ("g::renamed", None, "body g::renamed"),
        ("m::plain", None, "body m::plain"),
    ];
    let mut want = vec!["hello".to_owned()];
    for &(name, setup, body) in instances {
        let body = |call: u32| match name {
            "local" => format!("{body} {call}"),
            _ => body.to_owned(),
        };
        for call in 1..=warmup + 1 {
            want.extend(setup.map(str::to_owned));
            if call == warmup + 1 {
                want.push(format!("start tests/run_once.rs::{name} warmup={warmup}"));
            }
            want.push(body(call));
        }
        want.push("stop".to_owned());
    }
    want
}

#[test]
fn each_instance_runs_once_in_its_window_after_its_warmup() {
    let runner = RUNNER.get_or_init(FakeRunner::serve);
    // Not `divan::main()`: it would read the test harness's own arguments.
    // Without MEMTALLY_WARMUP, as under a runner that predates it: one call.
    std::env::remove_var("MEMTALLY_WARMUP");
    divan::Divan::default().main();
    assert_eq!(runner.log(), expected(1));

    // 0 measures the cold first call; the session is the same, so the log
    // goes on after the first run's.
    for warmup in [0, 3] {
        std::env::set_var("MEMTALLY_WARMUP", warmup.to_string());
        let before = runner.log().len();
        divan::Divan::default().main();
        assert_eq!(
            runner.log()[before..],
            expected(warmup)[1..],
            "MEMTALLY_WARMUP={warmup}"
        );
    }
}
