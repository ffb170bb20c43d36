//! The process-wide connection that harness integrations share.

use std::sync::{Mutex, OnceLock};

use crate::client::{Client, ClientError};
use crate::message::{ENV_ACK_FIFO, ENV_CTL_FIFO};
use crate::warmup;

/// Reports whether the environment names a runner's FIFOs (SPEC.md 2.1). It
/// reads two variables and touches nothing else.
pub fn under_runner() -> bool {
    let set = |name| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    set(ENV_CTL_FIFO) && set(ENV_ACK_FIFO)
}

static SESSION: OnceLock<Option<Mutex<Client>>> = OnceLock::new();

/// Returns the process's session with the runner, connecting on the first
/// call as `integration` at `version`. It is `None` outside the runner, and
/// when the runner refused the hello or is gone (after one warning on
/// stderr); the caller then behaves as the plain harness. Later calls return
/// the first call's answer, whatever they pass.
///
/// # Panics
///
/// When the FIFOs the environment names cannot be opened (SPEC.md 2.3): the
/// benchmarks would otherwise run unmeasured, and the runner record nothing
/// for them without saying why. Every call panics again.
pub fn session(integration: &str, version: &str) -> Option<&'static Mutex<Client>> {
    SESSION
        .get_or_init(|| {
            if !under_runner() {
                return None;
            }
            match Client::from_env(integration, version) {
                Ok(client) => Some(Mutex::new(client)),
                Err(err @ ClientError::Open { .. }) => {
                    panic!("memtally: cannot measure under the runner: {err}")
                }
                Err(err) => {
                    if !err.is_no_runner() {
                        eprintln!("memtally: {err}; running as the plain harness");
                    }
                    None
                }
            }
        })
        .as_ref()
}

/// Brackets benchmark bodies with start and stop on a process's session.
#[derive(Clone, Copy)]
pub struct Harness {
    client: &'static Mutex<Client>,
    warmup: u32,
}

impl Harness {
    /// The harness of this process's session, or `None` when the process runs
    /// as the plain harness (see [`session`]).
    ///
    /// # Panics
    ///
    /// As [`session`] does, and when `MEMTALLY_WARMUP` is not a number of
    /// calls: guessing one would change what every benchmark measures.
    pub fn connect(integration: &str, version: &str) -> Option<Harness> {
        let client = session(integration, version)?;
        let warmup = warmup::requested().unwrap_or_else(|err| panic!("memtally: {err}"));
        Some(Harness { client, warmup })
    }

    /// The number of warm-up calls the runner asks for before each measured
    /// call (`MEMTALLY_WARMUP`, 1 when the runner does not say).
    pub fn warmup_calls(&self) -> u32 {
        self.warmup
    }

    /// Runs `body` once inside the window of `uri` and returns its output, for
    /// the caller to drop inside or outside the window as its harness does.
    /// A failure is reported once on stderr, when the runner is found gone;
    /// the body runs regardless, so the harness goes on.
    pub fn run<O>(&self, uri: &str, body: impl FnOnce() -> O) -> O {
        self.window(uri, None, body)
    }

    /// As [`Harness::run`], telling the runner that the body ran `warmup`
    /// times outside any window before this call.
    pub fn run_after_warmup<O>(&self, uri: &str, warmup: u32, body: impl FnOnce() -> O) -> O {
        self.window(uri, Some(warmup), body)
    }

    fn window<O>(&self, uri: &str, warmup: Option<u32>, body: impl FnOnce() -> O) -> O {
        let mut client = self.client.lock().unwrap_or_else(|e| e.into_inner());
        let start = match warmup {
            Some(n) => client.start_after_warmup(uri, n),
            None => client.start(uri),
        };
        let started = match start {
            Ok(()) => true,
            Err(err) => {
                warn(&err);
                false
            }
        };
        let out = body();
        if started {
            if let Err(err) = client.stop() {
                warn(&err);
            }
        }
        out
    }
}

fn warn(err: &ClientError) {
    // The failure that closed the connection was reported already.
    if !matches!(err, ClientError::Closed) {
        eprintln!("memtally: {err}");
    }
}
