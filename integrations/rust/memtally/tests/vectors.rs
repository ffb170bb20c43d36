//! Every vector of protocol/vectors/vectors.json, valid and invalid.

use std::io::Cursor;
use std::path::PathBuf;

use memtally::{encode_frame, read_message, Message, MAX_FRAME_SIZE, MAX_NAME_SIZE, MAX_URI_SIZE};
use serde_json::{json, Value};

fn vectors() -> Value {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../protocol/vectors/vectors.json");
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_str(&text).expect("parse vectors.json")
}

fn to_json(m: &Message<'_>) -> Value {
    match *m {
        Message::Hello {
            version,
            min_version,
            integration,
            integration_version,
            pid,
        } => json!({
            "kind": "hello", "version": version, "min_version": min_version,
            "integration": integration, "integration_version": integration_version, "pid": pid,
        }),
        Message::Welcome { version, mode } => {
            json!({"kind": "welcome", "version": version, "mode": mode})
        }
        Message::Start { uri, warmup: None } => json!({"kind": "start", "uri": uri}),
        Message::Start {
            uri,
            warmup: Some(n),
        } => json!({"kind": "start", "uri": uri, "warmup": n}),
        Message::Stop => json!({"kind": "stop"}),
        Message::Pause => json!({"kind": "pause"}),
        Message::Resume => json!({"kind": "resume"}),
        Message::JsHeap {
            uri,
            gc_forced,
            used_before,
            used_after,
            peak,
            retained_after,
            gc_count,
        } => json!({
            "kind": "js_heap", "uri": uri, "gc_forced": gc_forced, "used_before": used_before,
            "used_after": used_after, "peak": peak, "retained_after": retained_after, "gc_count": gc_count,
        }),
        Message::Ack => json!({"kind": "ack"}),
        Message::Error { reason } => json!({"kind": "error", "reason": reason}),
        Message::Marker { name, timestamp } => {
            json!({"kind": "marker", "name": name, "timestamp": timestamp})
        }
    }
}

fn from_json(v: &Value) -> Message<'_> {
    let s = |k: &str| v[k].as_str().unwrap_or_else(|| panic!("{k} in {v}"));
    let u = |k: &str| v[k].as_u64().unwrap_or_else(|| panic!("{k} in {v}"));
    match s("kind") {
        "hello" => Message::Hello {
            version: u("version") as u32,
            min_version: u("min_version") as u32,
            integration: s("integration"),
            integration_version: s("integration_version"),
            pid: u("pid") as u32,
        },
        "welcome" => Message::Welcome {
            version: u("version") as u32,
            mode: s("mode"),
        },
        "start" => Message::Start {
            uri: s("uri"),
            warmup: v.get("warmup").map(|_| u("warmup") as u32),
        },
        "stop" => Message::Stop,
        "pause" => Message::Pause,
        "resume" => Message::Resume,
        "js_heap" => Message::JsHeap {
            uri: s("uri"),
            gc_forced: u("gc_forced") as u32,
            used_before: u("used_before"),
            used_after: u("used_after"),
            peak: u("peak"),
            retained_after: u("retained_after"),
            gc_count: u("gc_count") as u32,
        },
        "ack" => Message::Ack,
        "error" => Message::Error {
            reason: s("reason"),
        },
        "marker" => Message::Marker {
            name: s("name"),
            timestamp: u("timestamp"),
        },
        other => panic!("unknown kind {other}"),
    }
}

#[test]
fn header_constants_match() {
    let v = vectors();
    assert_eq!(v["protocol_version"], json!(memtally::VERSION));
    assert_eq!(v["max_frame_size"], json!(MAX_FRAME_SIZE));
}

#[test]
fn valid_vectors_decode_and_canonical_ones_encode() {
    let v = vectors();
    let valid = v["valid"].as_array().expect("valid list");
    assert!(!valid.is_empty());
    let mut buf = vec![0u8; MAX_FRAME_SIZE];
    for vector in valid {
        let name = vector["name"].as_str().unwrap();
        let frame = hex::decode(vector["frame_hex"].as_str().unwrap()).unwrap();
        let mut input = Cursor::new(&frame[..]);
        let got = read_message(&mut input, &mut buf)
            .unwrap_or_else(|e| panic!("{name}: io error {e}"))
            .unwrap_or_else(|| panic!("{name}: no message"))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(to_json(&got), vector["message"], "{name}: decoded message");
        assert_eq!(
            input.position() as usize,
            frame.len(),
            "{name}: input left unread"
        );
        if vector["canonical"].as_bool().unwrap() {
            let mut out = Vec::new();
            encode_frame(&from_json(&vector["message"]), &mut out)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(
                hex::encode(&out),
                vector["frame_hex"].as_str().unwrap(),
                "{name}: encoding"
            );
        }
    }
}

#[test]
fn invalid_vectors_fail_with_their_category() {
    let v = vectors();
    let invalid = v["invalid"].as_array().expect("invalid list");
    assert!(!invalid.is_empty());
    let mut buf = vec![0u8; MAX_FRAME_SIZE];
    for vector in invalid {
        let name = vector["name"].as_str().unwrap();
        let frame = hex::decode(vector["frame_hex"].as_str().unwrap()).unwrap();
        let got = read_message(&mut Cursor::new(&frame[..]), &mut buf)
            .unwrap_or_else(|e| panic!("{name}: io error {e}"))
            .unwrap_or_else(|| panic!("{name}: read as a clean end of stream"));
        match got {
            Ok(m) => panic!("{name}: accepted as {m:?}"),
            Err(e) => assert_eq!(
                e.category.as_str(),
                vector["category"].as_str().unwrap(),
                "{name}: {e}"
            ),
        }
    }
}

#[test]
fn encoder_refuses_what_decoders_reject() {
    let mut out = Vec::new();
    assert!(encode_frame(
        &Message::Start {
            uri: "",
            warmup: None
        },
        &mut out
    )
    .is_err());
    assert!(encode_frame(
        &Message::Marker {
            name: "",
            timestamp: 1
        },
        &mut out
    )
    .is_err());
    let long = "x".repeat(MAX_FRAME_SIZE);
    assert!(encode_frame(&Message::Error { reason: &long }, &mut out).is_err());
    assert!(out.is_empty(), "a refused message leaves nothing behind");
}

#[test]
fn encoder_refuses_strings_over_the_runner_limits() {
    let mut out = Vec::new();
    let at_limit = "é".repeat(MAX_URI_SIZE / 2);
    assert!(encode_frame(
        &Message::Start {
            uri: &at_limit,
            warmup: Some(u32::MAX)
        },
        &mut out
    )
    .is_ok());
    out.clear();
    let over = format!("{at_limit}x");
    let err = encode_frame(
        &Message::Start {
            uri: &over,
            warmup: None,
        },
        &mut out,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "encode: start.uri of 4097 bytes exceeds the limit of 4096 bytes"
    );
    let name = "m".repeat(MAX_NAME_SIZE + 1);
    assert!(encode_frame(
        &Message::Marker {
            name: &name,
            timestamp: 1
        },
        &mut out
    )
    .is_err());
    let hello = |integration, integration_version| Message::Hello {
        version: 1,
        min_version: 1,
        integration,
        integration_version,
        pid: 1,
    };
    assert!(encode_frame(&hello(&name, ""), &mut out).is_err());
    assert!(encode_frame(&hello("", &name), &mut out).is_err());
    assert!(out.is_empty(), "a refused message leaves nothing behind");
    assert!(encode_frame(&hello(&name[1..], &name[1..]), &mut out).is_ok());
}
