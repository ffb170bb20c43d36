"""memtally protocol v1 codec (protocol/SPEC.md): frames, canonical encoding, strict decoding.

A message is a dict: "kind" plus that kind's fields, in canonical order, with str
and int values, the same shape as protocol/vectors/vectors.json. An optional field
(start's warmup) is in the dict only when it is in the frame.
"""

from __future__ import annotations

from typing import Callable

import msgpack

from . import scan
from .errors import ProtocolError

VERSION = 1
MIN_VERSION = 1
MAX_FRAME_SIZE = 65536
# The longest strings the runner keeps, in UTF-8 bytes (SPEC.md 6.7): encode
# refuses longer ones rather than have the runner reject them.
MAX_URI_SIZE = 4096
MAX_NAME_SIZE = 256
_MAX_STRING_SIZE = {
    ("start", "uri"): MAX_URI_SIZE,
    ("js_heap", "uri"): MAX_URI_SIZE,
    ("marker", "name"): MAX_NAME_SIZE,
    ("hello", "integration"): MAX_NAME_SIZE,
    ("hello", "integration_version"): MAX_NAME_SIZE,
}
MODE_MEMORY = "memory"

ENV_CTL_FIFO = "MEMTALLY_CTL_FIFO"
ENV_ACK_FIFO = "MEMTALLY_ACK_FIFO"

_U32 = 0xFFFFFFFF
_U64 = 0xFFFFFFFFFFFFFFFF

# kind -> fields after "kind", in canonical order, each with its type: str, or
# the maximum of an unsigned integer.
FIELDS: dict[str, tuple[tuple[str, object], ...]] = {
    "hello": (
        ("version", _U32),
        ("min_version", _U32),
        ("integration", str),
        ("integration_version", str),
        ("pid", _U32),
    ),
    "welcome": (("version", _U32), ("mode", str)),
    "start": (("uri", str), ("warmup", _U32)),
    "stop": (),
    "pause": (),
    "resume": (),
    "js_heap": (
        ("uri", str),
        ("gc_forced", _U32),
        ("used_before", _U64),
        ("used_after", _U64),
        ("peak", _U64),
        ("retained_after", _U64),
        ("gc_count", _U32),
    ),
    "ack": (),
    "error": (("reason", str),),
    "marker": (("name", str), ("timestamp", _U64)),
}

# Fields that must not be empty (SPEC.md 4.4 stage C rule 4).
_NON_EMPTY = {("start", "uri"), ("marker", "name"), ("js_heap", "uri")}
# Fields that a message may leave out (SPEC.md section 5): absent, or of their type.
_OPTIONAL = {("start", "warmup")}


def _check_fields(message: dict) -> None:
    """Applies stage C to a message dict, whether decoded or about to be encoded."""
    kind = message["kind"]
    for name, kind_of in FIELDS[kind]:
        if name not in message:
            if (kind, name) in _OPTIONAL:
                continue
            raise ProtocolError("malformed", f"{kind}: missing field {name!r}")
        value = message[name]
        if kind_of is str:
            if type(value) is not str:
                raise ProtocolError("malformed", f"{kind}.{name}: not a str")
            if not value and (kind, name) in _NON_EMPTY:
                raise ProtocolError("malformed", f"{kind}.{name}: empty")
        elif type(value) is not int or not 0 <= value <= kind_of:
            raise ProtocolError("malformed", f"{kind}.{name}: not an integer in 0..{kind_of}")


def encode(message: dict) -> bytes:
    """Returns the canonical frame of message, header included.

    It refuses what a decoder would reject: unknown kinds, missing or mistyped
    fields, empty uri or name, strings that are not UTF-8, oversized payloads; and
    strings over the runner's limits (SPEC.md 6.7).
    """
    kind = message.get("kind")
    if kind not in FIELDS:
        raise ProtocolError("unknown_kind", f"cannot encode kind {kind!r}")
    _check_fields(message)
    ordered = {"kind": kind}
    for name, _ in FIELDS[kind]:
        if name in message:
            ordered[name] = message[name]
    try:
        payload = msgpack.packb(ordered, use_bin_type=True)
    except UnicodeEncodeError:
        raise ProtocolError("malformed", f"{kind}: a string is not valid UTF-8") from None
    for name, _ in FIELDS[kind]:
        limit = _MAX_STRING_SIZE.get((kind, name))
        if limit is not None and name in ordered and len(ordered[name].encode()) > limit:
            size = len(ordered[name].encode())
            raise ProtocolError("too_large", f"{kind}.{name} of {size} bytes exceeds the limit of {limit} bytes")
    if len(payload) > MAX_FRAME_SIZE:
        raise ProtocolError("too_large", f"{kind}: payload of {len(payload)} bytes exceeds {MAX_FRAME_SIZE}")
    return len(payload).to_bytes(4, "little") + payload


def payload_length(header: bytes) -> int:
    """Checks a frame's 4-byte header and returns the payload length."""
    length = int.from_bytes(header, "little")
    if length > MAX_FRAME_SIZE:
        raise ProtocolError("too_large", f"frame announces {length} bytes, more than {MAX_FRAME_SIZE}")
    if length == 0:
        raise ProtocolError("malformed", "zero-length frame")
    return length


def decode(payload: bytes) -> dict:
    """Decodes one payload (without its header), as strictly as SPEC.md 4.4 says."""
    # Stage A: the whole structure first, then the shape of the top-level map.
    if scan.value_end(payload, 0) != len(payload):
        raise ProtocolError("malformed", "bytes follow the payload's value")
    family, pairs, pos = scan.head(payload, 0)
    if family is not scan.MAP:
        raise ProtocolError("malformed", f"top-level value is a {family}, not a map")
    spans: dict[str, tuple[str, int, int]] = {}
    for _ in range(pairs):
        key_family, _, _ = scan.head(payload, pos)
        key_end = scan.value_end(payload, pos)
        if key_family is not scan.STR:
            raise ProtocolError("malformed", f"top-level key is a {key_family}, not a str")
        key = msgpack.unpackb(payload[pos:key_end], raw=False)
        if key in spans:
            raise ProtocolError("malformed", f"repeated key {key!r}")
        value_family, _, _ = scan.head(payload, key_end)
        pos = scan.value_end(payload, key_end)
        spans[key] = (value_family, key_end, pos)
    if "kind" not in spans:
        raise ProtocolError("malformed", 'no "kind" key')
    kind_family, start, end = spans["kind"]
    if kind_family is not scan.STR:
        raise ProtocolError("malformed", f'"kind" is a {kind_family}, not a str')
    kind = msgpack.unpackb(payload[start:end], raw=False)

    # Stage B.
    if kind not in FIELDS:
        raise ProtocolError("unknown_kind", f"unknown kind {kind!r}")

    # Stage C: only the kind's own fields are decoded; other keys are ignored.
    message: dict = {"kind": kind}
    for name, kind_of in FIELDS[kind]:
        if name not in spans:
            continue
        family, start, end = spans[name]
        wanted = scan.STR if kind_of is str else scan.INT
        if family is not wanted:
            raise ProtocolError("malformed", f"{kind}.{name}: a {family}, not a {wanted}")
        message[name] = msgpack.unpackb(payload[start:end], raw=False)
    _check_fields(message)
    return message


def read_message(read: Callable[[int], bytes]) -> dict | None:
    """Reads one frame through read(n), which returns up to n bytes and b"" at the end.

    Returns None at a clean end of the stream (no byte of a header), and raises
    ProtocolError for anything SPEC.md section 3 rejects. A too_large header is
    refused before any of its payload is read.
    """
    header = _read_exactly(read, 4, allow_empty=True)
    if header is None:
        return None
    length = payload_length(header)
    payload = _read_exactly(read, length, allow_empty=False)
    return decode(payload)


def _read_exactly(read: Callable[[int], bytes], n: int, allow_empty: bool) -> bytes | None:
    chunks = []
    got = 0
    while got < n:
        chunk = read(n - got)
        if not chunk:
            if got == 0 and allow_empty:
                return None
            raise ProtocolError("truncated", f"input ended after {got} of {n} bytes")
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)
