//! Framing and canonical msgpack encoding (SPEC.md sections 3 and 4), on the
//! `rmp` crate's low-level reader and writer. The decoder walks the payload
//! itself because SPEC.md's strictness (str versus bin, repeated keys, `c1`,
//! depth, UTF-8 inside ignored values) is finer than any generic decoder's.

use std::io::{self, Read};

use rmp::decode::{read_marker, Bytes, RmpRead};
use rmp::encode;
use rmp::Marker;

use crate::error::{Category, DecodeError, EncodeError};
use crate::message::{Message, MAX_NAME_SIZE, MAX_URI_SIZE};

/// The largest payload a frame may carry, header excluded.
pub const MAX_FRAME_SIZE: usize = 65536;

const HEADER: usize = 4;
const MAX_DEPTH: usize = 32;

/// Appends `msg` as one canonical frame to `out`. `out` is not cleared, and
/// it grows only when its spare capacity is too small, so a buffer reserved
/// once is reused without allocating.
pub fn encode_frame(msg: &Message<'_>, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    match msg {
        Message::Start { uri: "", .. } | Message::JsHeap { uri: "", .. } => {
            return Err(EncodeError::EmptyUri)
        }
        Message::Marker { name: "", .. } => return Err(EncodeError::EmptyName),
        _ => {}
    }
    check_limits(msg)?;
    let begin = out.len();
    out.extend_from_slice(&[0; HEADER]);
    write_payload(msg, out);
    let len = out.len() - begin - HEADER;
    if len > MAX_FRAME_SIZE {
        out.truncate(begin);
        return Err(EncodeError::TooLarge);
    }
    out[begin..begin + HEADER].copy_from_slice(&(len as u32).to_le_bytes());
    Ok(())
}

/// Refuses the strings the runner would reject for their length.
fn check_limits(msg: &Message<'_>) -> Result<(), EncodeError> {
    let strings: &[(&'static str, &str, usize)] = match msg {
        Message::Start { uri, .. } => &[("start.uri", uri, MAX_URI_SIZE)],
        Message::JsHeap { uri, .. } => &[("js_heap.uri", uri, MAX_URI_SIZE)],
        Message::Marker { name, .. } => &[("marker.name", name, MAX_NAME_SIZE)],
        Message::Hello {
            integration,
            integration_version,
            ..
        } => &[
            ("hello.integration", integration, MAX_NAME_SIZE),
            (
                "hello.integration_version",
                integration_version,
                MAX_NAME_SIZE,
            ),
        ],
        _ => &[],
    };
    for &(field, value, limit) in strings {
        if value.len() > limit {
            return Err(EncodeError::OverLimit {
                field,
                len: value.len(),
                limit,
            });
        }
    }
    Ok(())
}

fn write_payload(msg: &Message<'_>, out: &mut Vec<u8>) {
    // Writes into a Vec cannot fail, so the results carry no information.
    let str_field = |out: &mut Vec<u8>, key: &str, value: &str| {
        let _ = encode::write_str(out, key);
        let _ = encode::write_str(out, value);
    };
    let uint_field = |out: &mut Vec<u8>, key: &str, value: u64| {
        let _ = encode::write_str(out, key);
        let _ = encode::write_uint(out, value);
    };
    let pairs = match msg {
        Message::Hello { .. } => 6,
        Message::Start {
            warmup: Some(_), ..
        } => 3,
        Message::JsHeap { .. } => 8,
        Message::Welcome { .. } | Message::Marker { .. } => 3,
        Message::Start { .. } | Message::Error { .. } => 2,
        Message::Stop | Message::Pause | Message::Resume | Message::Ack => 1,
    };
    let _ = encode::write_map_len(out, pairs);
    str_field(out, "kind", msg.kind());
    match *msg {
        Message::Hello {
            version,
            min_version,
            integration,
            integration_version,
            pid,
        } => {
            uint_field(out, "version", version.into());
            uint_field(out, "min_version", min_version.into());
            str_field(out, "integration", integration);
            str_field(out, "integration_version", integration_version);
            uint_field(out, "pid", pid.into());
        }
        Message::Welcome { version, mode } => {
            uint_field(out, "version", version.into());
            str_field(out, "mode", mode);
        }
        Message::Start { uri, warmup } => {
            str_field(out, "uri", uri);
            if let Some(n) = warmup {
                uint_field(out, "warmup", n.into());
            }
        }
        Message::Error { reason } => str_field(out, "reason", reason),
        Message::Marker { name, timestamp } => {
            str_field(out, "name", name);
            uint_field(out, "timestamp", timestamp);
        }
        Message::JsHeap {
            uri,
            gc_forced,
            used_before,
            used_after,
            peak,
            retained_after,
            gc_count,
        } => {
            str_field(out, "uri", uri);
            uint_field(out, "gc_forced", gc_forced.into());
            uint_field(out, "used_before", used_before);
            uint_field(out, "used_after", used_after);
            uint_field(out, "peak", peak);
            uint_field(out, "retained_after", retained_after);
            uint_field(out, "gc_count", gc_count.into());
        }
        Message::Stop | Message::Pause | Message::Resume | Message::Ack => {}
    }
}

/// Checks a frame header and returns the payload length it announces.
pub fn frame_length(header: [u8; 4]) -> Result<usize, DecodeError> {
    let len = u32::from_le_bytes(header) as usize;
    if len > MAX_FRAME_SIZE {
        return Err(DecodeError::new(
            Category::TooLarge,
            "frame longer than 65536 bytes",
        ));
    }
    if len == 0 {
        return Err(DecodeError::malformed("empty frame"));
    }
    Ok(len)
}

/// Reads one frame from `r` into `buf` and decodes it. `Ok(None)` is a clean
/// end of the stream before the first header byte. `buf` must hold at least
/// [`MAX_FRAME_SIZE`] bytes.
pub fn read_message<'b, R: Read>(
    r: &mut R,
    buf: &'b mut [u8],
) -> io::Result<Option<Result<Message<'b>, DecodeError>>> {
    let mut header = [0u8; HEADER];
    let got = read_full(r, &mut header)?;
    if got == 0 {
        return Ok(None);
    }
    if got < HEADER {
        return Ok(Some(Err(DecodeError::new(
            Category::Truncated,
            "input ended inside the frame header",
        ))));
    }
    let len = match frame_length(header) {
        Ok(len) => len,
        Err(e) => return Ok(Some(Err(e))),
    };
    if read_full(r, &mut buf[..len])? < len {
        return Ok(Some(Err(DecodeError::new(
            Category::Truncated,
            "input ended inside the payload",
        ))));
    }
    Ok(Some(decode_payload(&buf[..len])))
}

fn read_full<R: Read>(r: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

/// One decoded msgpack value, as much of it as the checks need.
#[derive(Clone, Copy)]
enum Value<'a> {
    Str(&'a str),
    /// An integer, read as a signed 128-bit number so that every format fits.
    Int(i128),
    Other,
}

/// Decodes one payload per SPEC.md section 4.4, in its three stages.
pub fn decode_payload(payload: &[u8]) -> Result<Message<'_>, DecodeError> {
    let mut rd = Bytes::new(payload);
    let top = read_marker(&mut rd).map_err(|_| DecodeError::malformed("empty payload"))?;
    let pairs = match top {
        Marker::FixMap(n) => u32::from(n),
        Marker::Map16 => u32::from(rd.read_data_u16().map_err(|_| past_end())?),
        Marker::Map32 => rd.read_data_u32().map_err(|_| past_end())?,
        // Every stage A rule gives the same category, so the first broken
        // rule decides and the rest of the value need not be walked.
        _ => return Err(DecodeError::malformed("payload is not a map")),
    };

    // Key rules are checked only once the whole value is known to be
    // well-formed, so that the verdict names the first problem in stage
    // order; both are "malformed" either way.
    let mut fields = Fields::default();
    let mut first_error: Option<DecodeError> = None;
    for _ in 0..pairs {
        let key = read_value(&mut rd, 2)?;
        let value = read_value(&mut rd, 2)?;
        match key {
            Value::Str(k) => {
                if fields.seen(k) {
                    first_error.get_or_insert(DecodeError::malformed("repeated key"));
                }
                fields.set(k, value);
            }
            _ => {
                first_error.get_or_insert(DecodeError::malformed("key is not a str"));
            }
        }
    }
    if !rd.remaining_slice().is_empty() {
        return Err(DecodeError::malformed("bytes after the payload's value"));
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    if fields.overflow && has_repeated_key(payload) {
        return Err(DecodeError::malformed("repeated key"));
    }
    let kind = match fields.kind {
        Some(Value::Str(kind)) => kind,
        Some(_) => return Err(DecodeError::malformed("kind is not a str")),
        None => return Err(DecodeError::malformed("kind missing")),
    };
    match kind {
        "hello" => Ok(Message::Hello {
            version: fields.uint("version", u32::MAX.into())? as u32,
            min_version: fields.uint("min_version", u32::MAX.into())? as u32,
            integration: fields.str("integration")?,
            integration_version: fields.str("integration_version")?,
            pid: fields.uint("pid", u32::MAX.into())? as u32,
        }),
        "welcome" => Ok(Message::Welcome {
            version: fields.uint("version", u32::MAX.into())? as u32,
            mode: fields.str("mode")?,
        }),
        "start" => {
            let uri = fields.str("uri")?;
            if uri.is_empty() {
                return Err(DecodeError::malformed("empty uri"));
            }
            Ok(Message::Start {
                uri,
                warmup: fields
                    .opt_uint("warmup", u32::MAX.into())?
                    .map(|n| n as u32),
            })
        }
        "stop" => Ok(Message::Stop),
        "pause" => Ok(Message::Pause),
        "resume" => Ok(Message::Resume),
        "js_heap" => {
            let uri = fields.str("uri")?;
            if uri.is_empty() {
                return Err(DecodeError::malformed("empty uri"));
            }
            Ok(Message::JsHeap {
                uri,
                gc_forced: fields.uint("gc_forced", u32::MAX.into())? as u32,
                used_before: fields.uint("used_before", u64::MAX.into())? as u64,
                used_after: fields.uint("used_after", u64::MAX.into())? as u64,
                peak: fields.uint("peak", u64::MAX.into())? as u64,
                retained_after: fields.uint("retained_after", u64::MAX.into())? as u64,
                gc_count: fields.uint("gc_count", u32::MAX.into())? as u32,
            })
        }
        "ack" => Ok(Message::Ack),
        "error" => Ok(Message::Error {
            reason: fields.str("reason")?,
        }),
        "marker" => {
            let name = fields.str("name")?;
            if name.is_empty() {
                return Err(DecodeError::malformed("empty marker name"));
            }
            Ok(Message::Marker {
                name,
                timestamp: fields.uint("timestamp", u64::MAX.into())? as u64,
            })
        }
        _ => Err(DecodeError::new(
            Category::UnknownKind,
            "kind not defined by version 1",
        )),
    }
}

/// The keys version 1 knows, with their values. Keys are compared as decoded
/// bytes. Unknown keys are remembered only to catch repeats, in inline slots
/// so that decoding a runner's reply never allocates; a payload with more
/// unknown keys than slots is checked once more at the end with a sorted
/// list.
#[derive(Default)]
struct Fields<'a> {
    kind: Option<Value<'a>>,
    known: [Option<Value<'a>>; KNOWN.len()],
    unknown: [&'a str; 16],
    unknown_len: usize,
    overflow: bool,
}

const KNOWN: [&str; 17] = [
    "version",
    "min_version",
    "integration",
    "integration_version",
    "pid",
    "mode",
    "uri",
    "reason",
    "name",
    "timestamp",
    "gc_forced",
    "used_before",
    "used_after",
    "peak",
    "retained_after",
    "gc_count",
    "warmup",
];

impl<'a> Fields<'a> {
    fn seen(&mut self, key: &'a str) -> bool {
        if key == "kind" {
            return self.kind.is_some();
        }
        if let Some(i) = KNOWN.iter().position(|k| *k == key) {
            return self.known[i].is_some();
        }
        if self.unknown[..self.unknown_len].contains(&key) {
            return true;
        }
        if self.unknown_len < self.unknown.len() {
            self.unknown[self.unknown_len] = key;
            self.unknown_len += 1;
        } else {
            self.overflow = true;
        }
        false
    }

    fn set(&mut self, key: &'a str, value: Value<'a>) {
        if key == "kind" {
            self.kind = Some(value);
        } else if let Some(i) = KNOWN.iter().position(|k| *k == key) {
            self.known[i] = Some(value);
        }
    }

    fn get(&self, key: &str) -> Result<Value<'a>, DecodeError> {
        let i = KNOWN
            .iter()
            .position(|k| *k == key)
            .expect("field names come from KNOWN");
        self.known[i].ok_or(DecodeError::malformed("required field missing"))
    }

    fn str(&self, key: &str) -> Result<&'a str, DecodeError> {
        match self.get(key)? {
            Value::Str(s) => Ok(s),
            _ => Err(DecodeError::malformed("string field is not a str")),
        }
    }

    fn uint(&self, key: &str, max: i128) -> Result<i128, DecodeError> {
        uint_value(self.get(key)?, max)
    }

    /// An optional integer field: absent is `None`, present must be valid.
    fn opt_uint(&self, key: &str, max: i128) -> Result<Option<i128>, DecodeError> {
        match self.get(key) {
            Ok(v) => uint_value(v, max).map(Some),
            Err(_) => Ok(None),
        }
    }
}

fn uint_value(value: Value<'_>, max: i128) -> Result<i128, DecodeError> {
    match value {
        Value::Int(v) if (0..=max).contains(&v) => Ok(v),
        Value::Int(_) => Err(DecodeError::malformed("integer field out of range")),
        _ => Err(DecodeError::malformed("integer field is not an integer")),
    }
}

/// Rescans a payload that stage A already accepted for repeated top-level keys.
fn has_repeated_key(payload: &[u8]) -> bool {
    let mut rd = Bytes::new(payload);
    let pairs = match read_marker(&mut rd) {
        Ok(Marker::FixMap(n)) => usize::from(n),
        Ok(Marker::Map16) => len16(&mut rd).unwrap_or(0),
        Ok(Marker::Map32) => len32(&mut rd).unwrap_or(0),
        _ => return false,
    };
    let mut keys = Vec::with_capacity(pairs);
    for _ in 0..pairs {
        if let (Ok(Value::Str(k)), Ok(_)) = (read_value(&mut rd, 2), read_value(&mut rd, 2)) {
            keys.push(k);
        }
    }
    keys.sort_unstable();
    keys.windows(2).any(|w| w[0] == w[1])
}

fn past_end() -> DecodeError {
    DecodeError::malformed("value runs past the end of the payload")
}

fn take<'a>(rd: &mut Bytes<'a>, n: usize) -> Result<&'a [u8], DecodeError> {
    let rest = rd.remaining_slice();
    if rest.len() < n {
        return Err(past_end());
    }
    *rd = Bytes::new(&rest[n..]);
    Ok(&rest[..n])
}

fn len8(rd: &mut Bytes<'_>) -> Result<usize, DecodeError> {
    rd.read_data_u8().map(usize::from).map_err(|_| past_end())
}
fn len16(rd: &mut Bytes<'_>) -> Result<usize, DecodeError> {
    rd.read_data_u16().map(usize::from).map_err(|_| past_end())
}
fn len32(rd: &mut Bytes<'_>) -> Result<usize, DecodeError> {
    rd.read_data_u32()
        .map(|n| n as usize)
        .map_err(|_| past_end())
}

fn utf8(bytes: &[u8]) -> Result<&str, DecodeError> {
    // std's validation is RFC 3629's: no overlong forms, surrogates or code
    // points above U+10FFFF.
    std::str::from_utf8(bytes).map_err(|_| DecodeError::malformed("str is not valid UTF-8"))
}

/// Reads one value at nesting `depth` (the top-level map is depth 1) and
/// checks everything inside it against stage A. Recursion is bounded by
/// MAX_DEPTH.
fn read_value<'a>(rd: &mut Bytes<'a>, depth: usize) -> Result<Value<'a>, DecodeError> {
    let marker = read_marker(rd).map_err(|_| past_end())?;
    let int = |v: i128| Ok(Value::Int(v));
    match marker {
        Marker::FixPos(v) => int(v.into()),
        Marker::FixNeg(v) => int(v.into()),
        Marker::U8 => int(rd.read_data_u8().map_err(|_| past_end())?.into()),
        Marker::U16 => int(rd.read_data_u16().map_err(|_| past_end())?.into()),
        Marker::U32 => int(rd.read_data_u32().map_err(|_| past_end())?.into()),
        Marker::U64 => int(rd.read_data_u64().map_err(|_| past_end())?.into()),
        Marker::I8 => int(rd.read_data_i8().map_err(|_| past_end())?.into()),
        Marker::I16 => int(rd.read_data_i16().map_err(|_| past_end())?.into()),
        Marker::I32 => int(rd.read_data_i32().map_err(|_| past_end())?.into()),
        Marker::I64 => int(rd.read_data_i64().map_err(|_| past_end())?.into()),
        Marker::Null | Marker::True | Marker::False => Ok(Value::Other),
        Marker::Reserved => Err(DecodeError::malformed("reserved byte c1")),
        Marker::F32 => take(rd, 4).map(|_| Value::Other),
        Marker::F64 => take(rd, 8).map(|_| Value::Other),
        Marker::FixStr(n) => utf8(take(rd, n.into())?).map(Value::Str),
        Marker::Str8 => {
            let n = len8(rd)?;
            utf8(take(rd, n)?).map(Value::Str)
        }
        Marker::Str16 => {
            let n = len16(rd)?;
            utf8(take(rd, n)?).map(Value::Str)
        }
        Marker::Str32 => {
            let n = len32(rd)?;
            utf8(take(rd, n)?).map(Value::Str)
        }
        Marker::Bin8 => len8(rd).and_then(|n| take(rd, n)).map(|_| Value::Other),
        Marker::Bin16 => len16(rd).and_then(|n| take(rd, n)).map(|_| Value::Other),
        Marker::Bin32 => len32(rd).and_then(|n| take(rd, n)).map(|_| Value::Other),
        Marker::FixExt1 => take(rd, 2).map(|_| Value::Other),
        Marker::FixExt2 => take(rd, 3).map(|_| Value::Other),
        Marker::FixExt4 => take(rd, 5).map(|_| Value::Other),
        Marker::FixExt8 => take(rd, 9).map(|_| Value::Other),
        Marker::FixExt16 => take(rd, 17).map(|_| Value::Other),
        Marker::Ext8 => len8(rd).and_then(|n| take(rd, n + 1)).map(|_| Value::Other),
        Marker::Ext16 => len16(rd)
            .and_then(|n| take(rd, n + 1))
            .map(|_| Value::Other),
        Marker::Ext32 => len32(rd)
            .and_then(|n| take(rd, n + 1))
            .map(|_| Value::Other),
        Marker::FixArray(n) => container(rd, depth, n.into()),
        Marker::Array16 => {
            let n = len16(rd)?;
            container(rd, depth, n)
        }
        Marker::Array32 => {
            let n = len32(rd)?;
            container(rd, depth, n)
        }
        Marker::FixMap(n) => container(rd, depth, 2 * usize::from(n)),
        Marker::Map16 => {
            let n = len16(rd)?;
            container(rd, depth, 2 * n)
        }
        Marker::Map32 => {
            let n = len32(rd)?;
            container(rd, depth, 2 * n)
        }
    }
}

fn container<'a>(
    rd: &mut Bytes<'a>,
    depth: usize,
    elements: usize,
) -> Result<Value<'a>, DecodeError> {
    if depth > MAX_DEPTH {
        return Err(DecodeError::malformed("containers nest deeper than 32"));
    }
    // Every element takes at least one byte: a count beyond the bytes left is
    // known to run past the end without reading on.
    if elements > rd.remaining_slice().len() {
        return Err(past_end());
    }
    for _ in 0..elements {
        read_value(rd, depth + 1)?;
    }
    Ok(Value::Other)
}
