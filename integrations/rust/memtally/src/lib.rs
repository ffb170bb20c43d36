//! Client of the memtally runner protocol (version 1, `protocol/SPEC.md`).
//!
//! A harness integration calls [`session`] once, outside any measurement, and
//! then brackets each benchmark body with [`Client::start`] (or
//! [`Client::start_after_warmup`], after the warm-up calls [`warmup`]
//! describes) and [`Client::stop`]. Outside the runner [`session`] returns `None` after
//! reading two environment variables, so the harness runs as it always did.
//!
//! The client never allocates between the runner's acknowledgement of `start`
//! and its receipt of `stop`: its buffers are made when it connects, the
//! `stop` frame is a constant, and replies decode into borrowed views.

mod client;
mod codec;
mod error;
#[cfg(feature = "fake-runner")]
pub mod fake_runner;
mod message;
mod session;
mod transport;
mod uri;
pub mod warmup;

pub use client::{Client, ClientError};
pub use codec::{decode_payload, encode_frame, frame_length, read_message, MAX_FRAME_SIZE};
pub use error::{Category, DecodeError, EncodeError};
pub use message::{
    Message, ENV_ACK_FIFO, ENV_CTL_FIFO, ENV_MODE, ENV_WARMUP, MAX_NAME_SIZE, MAX_URI_SIZE,
    MIN_VERSION, MODE_MEMORY, VERSION,
};
pub use session::{session, under_runner, Harness};
pub use uri::package_relative;
