//! Under the runner, FIFOs that cannot be opened stop the harness: running
//! as the plain harness would leave the runner with no benchmark, and no
//! reason. A test binary of its own, since the session is process-wide.

use std::panic;

#[test]
fn broken_fifos_stop_the_harness() {
    std::env::set_var(memtally::ENV_CTL_FIFO, "/nonexistent/memtally/ctl");
    std::env::set_var(memtally::ENV_ACK_FIFO, "/nonexistent/memtally/ack");
    let want = "memtally: cannot measure under the runner: open fifo /nonexistent/memtally/ctl: No such file or directory (os error 2)";
    // Every caller is stopped, not only the first.
    for _ in 0..2 {
        let payload = panic::catch_unwind(|| memtally::session("memtally-test", "0"))
            .err()
            .expect("session() returned instead of stopping the harness");
        let message = payload
            .downcast_ref::<String>()
            .expect("a formatted panic message");
        assert_eq!(message, want);
    }
}
