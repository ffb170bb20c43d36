//! The two FIFOs of SPEC.md section 2, opened and used without blocking.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::os::unix::io::AsRawFd;
use std::time::Instant;

/// Why a transfer stopped short.
#[derive(Debug)]
pub(crate) enum TransferError {
    /// The deadline passed first.
    Timeout,
    /// End of file on ack, or EPIPE on ctl: the runner is gone.
    Closed,
    Io(io::Error),
}

/// Opens one FIFO with O_NONBLOCK (std adds O_CLOEXEC) and checks that it is
/// one: a regular file would swallow requests and never answer.
pub(crate) fn open_fifo(path: &str, write: bool) -> io::Result<File> {
    let file = OpenOptions::new()
        .read(!write)
        .write(write)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    if !file.metadata()?.file_type().is_fifo() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a fifo"));
    }
    Ok(file)
}

/// Waits until `file` is ready for `events` or the deadline passes.
fn wait(file: &File, events: libc::c_short, deadline: Instant) -> Result<(), TransferError> {
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(TransferError::Timeout);
        }
        // Round up so that a sub-millisecond remainder still waits.
        let ms = left.as_millis().saturating_add(1).min(i32::MAX as u128) as libc::c_int;
        let mut fd = libc::pollfd {
            fd: file.as_raw_fd(),
            events,
            revents: 0,
        };
        // SAFETY: one valid pollfd, for the duration of the call.
        let n = unsafe { libc::poll(&mut fd, 1, ms) };
        if n < 0 {
            let err = io::Error::last_os_error();
            if err.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(TransferError::Io(err));
        }
        if n > 0 {
            // POLLHUP and POLLERR are reported by the read or write that follows.
            return Ok(());
        }
    }
}

/// Writes all of `frame`, finishing partial writes, before the deadline.
pub(crate) fn write_all(
    mut file: &File,
    mut frame: &[u8],
    deadline: Instant,
) -> Result<(), TransferError> {
    while !frame.is_empty() {
        match file.write(frame) {
            Ok(n) => frame = &frame[n..],
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => wait(file, libc::POLLOUT, deadline)?,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Err(TransferError::Closed),
            Err(e) => return Err(TransferError::Io(e)),
        }
    }
    Ok(())
}

/// Fills `buf` from `file` before the deadline.
pub(crate) fn read_exact(
    mut file: &File,
    buf: &mut [u8],
    deadline: Instant,
) -> Result<(), TransferError> {
    let mut got = 0;
    while got < buf.len() {
        match file.read(&mut buf[got..]) {
            Ok(0) => return Err(TransferError::Closed),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => wait(file, libc::POLLIN, deadline)?,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(TransferError::Io(e)),
        }
    }
    Ok(())
}
