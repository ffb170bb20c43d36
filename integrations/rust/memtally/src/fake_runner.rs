//! A stand-in for the runner, for integration tests: it serves one process on
//! real FIFOs, answers `hello` with `welcome` and every other request with
//! `ack`, and logs what it receives next to what the test notes.

use std::ffi::CString;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use crate::{
    decode_payload, encode_frame, Message, ENV_ACK_FIFO, ENV_CTL_FIFO, ENV_MODE, MAX_FRAME_SIZE,
};

/// A fake runner serving this process from a thread.
pub struct FakeRunner {
    log: Arc<Mutex<Vec<String>>>,
    dir: PathBuf,
}

impl FakeRunner {
    /// Creates the FIFOs, starts serving them, and points this process's
    /// environment at them, as the runner would for its command.
    pub fn serve() -> FakeRunner {
        let dir = std::env::temp_dir().join(format!("memtally-fake-runner-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create fake runner dir");
        for name in ["ctl", "ack"] {
            let path =
                CString::new(dir.join(name).to_str().expect("utf-8 temp dir")).expect("no NUL");
            // SAFETY: a NUL-terminated path.
            assert_eq!(
                unsafe { libc::mkfifo(path.as_ptr(), 0o600) },
                0,
                "mkfifo {name}"
            );
        }
        let open = |name| -> File {
            OpenOptions::new()
                .read(true)
                .write(true)
                .open(dir.join(name))
                .expect("open fifo")
        };
        let (mut ctl, mut ack) = (open("ctl"), open("ack"));
        let log = Arc::new(Mutex::new(Vec::new()));
        let served = Arc::clone(&log);
        let fifos = dir.clone();
        std::thread::spawn(move || {
            let mut payload = vec![0u8; MAX_FRAME_SIZE];
            loop {
                let mut header = [0u8; 4];
                if ctl.read_exact(&mut header).is_err() {
                    return;
                }
                let len = u32::from_le_bytes(header) as usize;
                if ctl.read_exact(&mut payload[..len]).is_err() {
                    return;
                }
                let msg =
                    decode_payload(&payload[..len]).expect("client sent an undecodable frame");
                served.lock().unwrap().push(match msg {
                    Message::Start { uri, warmup: None } => format!("start {uri}"),
                    Message::Start {
                        uri,
                        warmup: Some(n),
                    } => format!("start {uri} warmup={n}"),
                    other => other.kind().to_owned(),
                });
                let reply = match msg {
                    Message::Hello { .. } => {
                        // The client has both FIFOs open and never opens
                        // them again (one session per process): their
                        // directory can go now, which a FakeRunner kept in
                        // a static, never dropped, would otherwise leave.
                        let _ = std::fs::remove_dir_all(&fifos);
                        Message::Welcome {
                            version: 1,
                            mode: "memory",
                        }
                    }
                    _ => Message::Ack,
                };
                let mut out = Vec::new();
                encode_frame(&reply, &mut out).expect("encode reply");
                if ack.write_all(&out).is_err() {
                    return;
                }
            }
        });
        std::env::set_var(ENV_CTL_FIFO, dir.join("ctl"));
        std::env::set_var(ENV_ACK_FIFO, dir.join("ack"));
        std::env::set_var(ENV_MODE, "memory");
        FakeRunner { log, dir }
    }

    /// Adds a line of the test's own to the log, between the runner's.
    pub fn note(&self, line: impl Into<String>) {
        self.log.lock().unwrap().push(line.into());
    }

    /// Everything logged so far.
    pub fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for FakeRunner {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
