use std::fmt;
use std::fs::File;
use std::io;
use std::time::{Duration, Instant};

use crate::codec::{decode_payload, encode_frame, frame_length, MAX_FRAME_SIZE};
use crate::error::{DecodeError, EncodeError};
use crate::message::{Message, ENV_ACK_FIFO, ENV_CTL_FIFO, MIN_VERSION, MODE_MEMORY, VERSION};
use crate::transport::{self, TransferError};

/// How long a client waits for each reply, as SPEC.md 2.5 recommends.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);

/// `{"kind": "stop"}`, framed: a constant, so that sending it needs no
/// encoding inside the measurement window.
const STOP_FRAME: [u8; 15] = [
    0x0b, 0x00, 0x00, 0x00, 0x81, 0xa4, b'k', b'i', b'n', b'd', 0xa4, b's', b't', b'o', b'p',
];

/// Why a request failed. After any error but `Refused` and `Encode` the
/// runner is gone (SPEC.md 2.5) and the client is closed.
#[derive(Debug)]
pub enum ClientError {
    /// The environment names no FIFOs, or nobody listens on ctl.
    NoRunner,
    /// Opening a FIFO failed, or it is not one.
    Open { path: String, err: io::Error },
    /// Using a FIFO failed.
    Io { op: &'static str, err: io::Error },
    /// No reply within the timeout.
    Timeout { op: &'static str },
    /// The runner closed its end.
    Gone { op: &'static str },
    /// The reply could not be decoded.
    Decode { op: &'static str, err: DecodeError },
    /// The reply was of a kind that does not answer the request.
    Unexpected {
        op: &'static str,
        kind: &'static str,
    },
    /// The runner replied `error`, or a `welcome` this client cannot accept.
    Refused { op: &'static str, reason: String },
    /// The request cannot be encoded.
    Encode(EncodeError),
    /// A previous failure closed the client.
    Closed,
}

impl ClientError {
    /// Reports whether the error only means that no runner is listening, the
    /// case in which an integration stays quiet.
    pub fn is_no_runner(&self) -> bool {
        matches!(self, ClientError::NoRunner)
    }
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::NoRunner => f.write_str("no memtally runner"),
            ClientError::Open { path, err } => write!(f, "open fifo {path}: {err}"),
            ClientError::Io { op, err } => write!(f, "{op}: {err}"),
            ClientError::Timeout { op } => write!(
                f,
                "{op}: no reply from the runner within {DEFAULT_TIMEOUT:?}"
            ),
            ClientError::Gone { op } => write!(f, "{op}: the runner closed the connection"),
            ClientError::Decode { op, err } => write!(f, "{op}: undecodable reply: {err}"),
            ClientError::Unexpected { op, kind } => write!(f, "{op}: unexpected reply {kind}"),
            ClientError::Refused { op, reason } => write!(f, "{op}: runner: {reason}"),
            ClientError::Encode(err) => err.fmt(f),
            ClientError::Closed => f.write_str("connection to the runner already closed"),
        }
    }
}

impl std::error::Error for ClientError {}

/// A session with the runner. Requests are synchronous, as SPEC.md 6.1 asks.
pub struct Client {
    fifos: Option<(File, File)>,
    out: Vec<u8>,
    reply: Box<[u8]>,
    timeout: Duration,
    version: u32,
}

impl Client {
    /// Connects to the runner the environment names, introducing this process
    /// as `integration` at `integration_version`.
    pub fn from_env(integration: &str, integration_version: &str) -> Result<Client, ClientError> {
        let ctl = std::env::var(ENV_CTL_FIFO).unwrap_or_default();
        let ack = std::env::var(ENV_ACK_FIFO).unwrap_or_default();
        if ctl.is_empty() || ack.is_empty() {
            return Err(ClientError::NoRunner);
        }
        Client::connect(&ctl, &ack, integration, integration_version)
    }

    /// Opens the FIFOs in SPEC.md 2.3's order, sends `hello` and checks the
    /// runner's `welcome`.
    pub fn connect(
        ctl: &str,
        ack: &str,
        integration: &str,
        integration_version: &str,
    ) -> Result<Client, ClientError> {
        let ctl_file = match transport::open_fifo(ctl, true) {
            Ok(f) => f,
            Err(e) if e.raw_os_error() == Some(libc::ENXIO) => return Err(ClientError::NoRunner),
            Err(err) => {
                return Err(ClientError::Open {
                    path: ctl.to_owned(),
                    err,
                })
            }
        };
        let ack_file = transport::open_fifo(ack, false).map_err(|err| ClientError::Open {
            path: ack.to_owned(),
            err,
        })?;
        let mut client = Client {
            fifos: Some((ctl_file, ack_file)),
            // Room for the largest frame, so no later request grows it.
            out: Vec::with_capacity(4 + MAX_FRAME_SIZE),
            reply: vec![0; MAX_FRAME_SIZE].into_boxed_slice(),
            timeout: DEFAULT_TIMEOUT,
            version: 0,
        };
        let hello = Message::Hello {
            version: VERSION,
            min_version: MIN_VERSION,
            integration,
            integration_version,
            pid: std::process::id(),
        };
        let welcome = client.request("hello", &hello, |m| match m {
            Message::Welcome { version, mode } => Ok((version, mode == MODE_MEMORY)),
            _ => Err(m.kind()),
        })?;
        match welcome {
            (v, _) if !(MIN_VERSION..=VERSION).contains(&v) => {
                client.close();
                Err(ClientError::Refused {
                    op: "hello",
                    reason: format!(
                        "runner chose protocol version {v}, outside {MIN_VERSION} to {VERSION}"
                    ),
                })
            }
            (_, false) => {
                client.close();
                Err(ClientError::Refused {
                    op: "hello",
                    reason: "runner asked for a mode other than memory".into(),
                })
            }
            (v, true) => {
                client.version = v;
                Ok(client)
            }
        }
    }

    /// The protocol version the runner chose.
    pub fn version(&self) -> u32 {
        self.version
    }

    /// Opens the measurement window of `uri`. When it returns `Ok` the runner
    /// is tracking and the body may run; nothing after the reply's arrival
    /// allocates.
    pub fn start(&mut self, uri: &str) -> Result<(), ClientError> {
        self.request("start", &Message::Start { uri, warmup: None }, ack)
    }

    /// Opens the measurement window of `uri`, telling the runner that the
    /// body ran `warmup` times outside any window before this call (0: the
    /// window holds the cold first call). Allocates no more than `start`.
    pub fn start_after_warmup(&mut self, uri: &str, warmup: u32) -> Result<(), ClientError> {
        let msg = Message::Start {
            uri,
            warmup: Some(warmup),
        };
        self.request("start", &msg, ack)
    }

    /// Closes the measurement window. The frame is a constant, so the window
    /// ends without the client allocating.
    pub fn stop(&mut self) -> Result<(), ClientError> {
        self.exchange("stop", None, ack)
    }

    /// Records `name` at `timestamp`, CLOCK_MONOTONIC nanoseconds.
    pub fn marker(&mut self, name: &str, timestamp: u64) -> Result<(), ClientError> {
        self.request("marker", &Message::Marker { name, timestamp }, ack)
    }

    fn request<T>(
        &mut self,
        op: &'static str,
        msg: &Message<'_>,
        want: impl FnOnce(Message<'_>) -> Result<T, &'static str>,
    ) -> Result<T, ClientError> {
        self.out.clear();
        encode_frame(msg, &mut self.out).map_err(ClientError::Encode)?;
        self.exchange(op, Some(()), want)
    }

    /// Sends the frame in `out` (or the stop frame when `encoded` is None)
    /// and reads one reply. Every failure but a refusal closes the client.
    fn exchange<T>(
        &mut self,
        op: &'static str,
        encoded: Option<()>,
        want: impl FnOnce(Message<'_>) -> Result<T, &'static str>,
    ) -> Result<T, ClientError> {
        let Some((ctl, ack)) = &self.fifos else {
            return Err(ClientError::Closed);
        };
        let frame: &[u8] = if encoded.is_some() {
            &self.out
        } else {
            &STOP_FRAME
        };
        let deadline = Instant::now() + self.timeout;
        let result = transport::write_all(ctl, frame, deadline)
            .and_then(|()| {
                let mut header = [0u8; 4];
                transport::read_exact(ack, &mut header, deadline)?;
                Ok(header)
            })
            .map_err(|e| transfer_error(op, e))
            .and_then(|header| frame_length(header).map_err(|err| ClientError::Decode { op, err }))
            .and_then(|len| {
                transport::read_exact(ack, &mut self.reply[..len], deadline)
                    .map_err(|e| transfer_error(op, e))?;
                Ok(len)
            });
        let outcome = match result {
            Ok(len) => match decode_payload(&self.reply[..len]) {
                Ok(Message::Error { reason }) => {
                    return Err(ClientError::Refused {
                        op,
                        reason: reason.to_owned(),
                    });
                }
                Ok(m) => want(m).map_err(|kind| ClientError::Unexpected { op, kind }),
                Err(err) => Err(ClientError::Decode { op, err }),
            },
            Err(e) => Err(e),
        };
        if outcome.is_err() {
            self.close();
        }
        outcome
    }

    fn close(&mut self) {
        self.fifos = None;
    }
}

fn ack(m: Message<'_>) -> Result<(), &'static str> {
    match m {
        Message::Ack => Ok(()),
        _ => Err(m.kind()),
    }
}

fn transfer_error(op: &'static str, e: TransferError) -> ClientError {
    match e {
        TransferError::Timeout => ClientError::Timeout { op },
        TransferError::Closed => ClientError::Gone { op },
        TransferError::Io(err) => ClientError::Io { op, err },
    }
}
