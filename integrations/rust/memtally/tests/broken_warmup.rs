//! Under the runner, a `MEMTALLY_WARMUP` that is not a number of calls stops
//! the harness: guessing a number would change what every benchmark
//! measures. A test binary of its own, since the session is process-wide.

use std::panic;

use memtally::fake_runner::FakeRunner;
use memtally::Harness;

#[test]
fn a_warmup_that_is_not_a_number_stops_the_harness() {
    let runner = FakeRunner::serve();
    for (value, want) in [
        ("-1", "memtally: read MEMTALLY_WARMUP: \"-1\" is not a number of calls (0 to 4294967295)"),
        ("4294967296", "memtally: read MEMTALLY_WARMUP: \"4294967296\" is not a number of calls (0 to 4294967295)"),
        ("one", "memtally: read MEMTALLY_WARMUP: \"one\" is not a number of calls (0 to 4294967295)"),
    ] {
        std::env::set_var(memtally::ENV_WARMUP, value);
        let payload = panic::catch_unwind(|| Harness::connect("memtally-test", "0").is_some())
            .err()
            .unwrap_or_else(|| panic!("MEMTALLY_WARMUP={value}: connect returned"));
        let message = payload
            .downcast_ref::<String>()
            .expect("a formatted panic message");
        assert_eq!(message, want);
    }
    // A number, and an empty variable (as absent: 1), are taken.
    for (value, calls) in [("0", 0), ("7", 7), ("", 1)] {
        std::env::set_var(memtally::ENV_WARMUP, value);
        let harness = Harness::connect("memtally-test", "0").expect("a session");
        assert_eq!(harness.warmup_calls(), calls, "MEMTALLY_WARMUP={value:?}");
    }
    // Nothing was measured: the only request the runner saw is the hello.
    assert_eq!(runner.log(), ["hello"]);
}
