//! Lets the repository's tests see when each benchmark body and setup runs.
//!
//! When `MEMTALLY_EXAMPLE_TRACE` names a file, [`hit`] appends
//! `<label> <CLOCK_MONOTONIC ns> <pid>` to it; otherwise it does nothing. It never
//! allocates, so it adds nothing to a benchmark's memory numbers.

use std::io::Write;

/// Records that `label` ran, now.
pub fn hit(label: &str) {
    // SAFETY: getenv with a NUL-terminated name; the result is only read.
    let path = unsafe { libc::getenv(c"MEMTALLY_EXAMPLE_TRACE".as_ptr()) };
    if path.is_null() {
        return;
    }
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: a valid timespec to fill.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    let ns = ts.tv_sec as u128 * 1_000_000_000 + ts.tv_nsec as u128;
    let mut line = [0u8; 256];
    let mut cursor = std::io::Cursor::new(&mut line[..]);
    if writeln!(cursor, "{label} {ns} {}", std::process::id()).is_err() {
        return;
    }
    let len = cursor.position() as usize;
    // SAFETY: path is NUL-terminated; line[..len] is initialised.
    unsafe {
        let fd = libc::open(
            path,
            libc::O_WRONLY | libc::O_APPEND | libc::O_CREAT | libc::O_CLOEXEC,
            0o644,
        );
        if fd >= 0 {
            libc::write(fd, line.as_ptr().cast(), len);
            libc::close(fd);
        }
    }
}
