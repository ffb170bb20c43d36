/// The newest protocol version this client speaks.
pub const VERSION: u32 = 1;
/// The oldest protocol version this client speaks.
pub const MIN_VERSION: u32 = 1;
/// The only measurement mode of version 1.
pub const MODE_MEMORY: &str = "memory";

/// Names the ctl FIFO (client to runner).
pub const ENV_CTL_FIFO: &str = "MEMTALLY_CTL_FIFO";
/// Names the ack FIFO (runner to client).
pub const ENV_ACK_FIFO: &str = "MEMTALLY_ACK_FIFO";
/// The measurement mode the runner asks for.
pub const ENV_MODE: &str = "MEMTALLY_MODE";
/// How many warm-up calls of a body the runner asks for before the measured
/// one.
pub const ENV_WARMUP: &str = "MEMTALLY_WARMUP";

/// The longest `uri` the runner keeps, in bytes (SPEC.md 6.7).
pub const MAX_URI_SIZE: usize = 4096;
/// The longest `marker.name`, `hello.integration` and
/// `hello.integration_version` the runner keeps, in bytes (SPEC.md 6.7).
pub const MAX_NAME_SIZE: usize = 256;

/// One protocol message (SPEC.md section 5). Strings borrow from the buffer
/// they were decoded from, so decoding a reply allocates nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Message<'a> {
    Hello {
        version: u32,
        min_version: u32,
        integration: &'a str,
        integration_version: &'a str,
        pid: u32,
    },
    Welcome {
        version: u32,
        mode: &'a str,
    },
    /// Opens the window of `uri`. `warmup` is the number of calls of the
    /// body run outside any window before the one measured in it, when the
    /// client has something to say about it (SPEC.md section 5).
    Start {
        uri: &'a str,
        warmup: Option<u32>,
    },
    Stop,
    /// Stops counting the open benchmark's allocations until `Resume`.
    Pause,
    /// Counts the open benchmark's allocations again.
    Resume,
    /// The V8 heap around the run of the benchmark just stopped, which a
    /// JavaScript integration reports; decoded here for completeness.
    JsHeap {
        uri: &'a str,
        gc_forced: u32,
        used_before: u64,
        used_after: u64,
        peak: u64,
        retained_after: u64,
        gc_count: u32,
    },
    Ack,
    Error {
        reason: &'a str,
    },
    Marker {
        name: &'a str,
        timestamp: u64,
    },
}

impl Message<'_> {
    /// The value of the message's `kind` key.
    pub fn kind(&self) -> &'static str {
        match self {
            Message::Hello { .. } => "hello",
            Message::Welcome { .. } => "welcome",
            Message::Start { .. } => "start",
            Message::Stop => "stop",
            Message::Pause => "pause",
            Message::Resume => "resume",
            Message::JsHeap { .. } => "js_heap",
            Message::Ack => "ack",
            Message::Error { .. } => "error",
            Message::Marker { .. } => "marker",
        }
    }
}
