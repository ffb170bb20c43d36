"""The conformance vectors of protocol/vectors/vectors.json (SPEC.md section 8)."""

import io
import json
import os

import pytest

from pytest_memtally import protocol
from pytest_memtally.errors import ProtocolError

VECTORS = os.path.join(os.path.dirname(__file__), "..", "..", "..", "protocol", "vectors", "vectors.json")

with open(VECTORS, encoding="utf-8") as f:
    _DATA = json.load(f)


def test_file_matches_this_codec():
    assert _DATA["protocol_version"] == protocol.VERSION
    assert _DATA["max_frame_size"] == protocol.MAX_FRAME_SIZE
    assert _DATA["valid"] and _DATA["invalid"]


class _Stream:
    """A byte stream that ends after its bytes and records how far it was read."""

    def __init__(self, data: bytes) -> None:
        self._io = io.BytesIO(data)

    def read(self, n: int) -> bytes:
        return self._io.read(n)

    @property
    def consumed(self) -> int:
        return self._io.tell()


@pytest.mark.parametrize("vector", _DATA["valid"], ids=lambda v: v["name"])
def test_valid(vector):
    frame = bytes.fromhex(vector["frame_hex"])
    stream = _Stream(frame)
    assert protocol.read_message(stream.read) == vector["message"]
    assert stream.consumed == len(frame)
    if vector["canonical"]:
        assert protocol.encode(vector["message"]).hex() == vector["frame_hex"]


@pytest.mark.parametrize("vector", _DATA["invalid"], ids=lambda v: v["name"])
def test_invalid(vector):
    frame = bytes.fromhex(vector["frame_hex"])
    stream = _Stream(frame)
    with pytest.raises(ProtocolError) as caught:
        protocol.read_message(stream.read)
    assert caught.value.category == vector["category"]
    if vector["category"] == "too_large":
        # Decided from the header alone: no byte of the payload is read.
        assert stream.consumed == 4


def test_clean_end_of_stream():
    assert protocol.read_message(_Stream(b"").read) is None


@pytest.mark.parametrize(
    "message",
    [
        {"kind": "start", "uri": ""},
        {"kind": "marker", "name": "", "timestamp": 1},
        {"kind": "start", "uri": "bad\ud800surrogate"},
        {"kind": "start", "uri": "x" * 65536},
        {"kind": "hello", "version": 1},
        {"kind": "hello", "version": -1, "min_version": 1, "integration": "i", "integration_version": "v", "pid": 1},
        {"kind": "marker", "name": "t", "timestamp": 2**64},
        {"kind": "welcome", "version": True, "mode": "memory"},
        {"kind": "suspend"},
        {"kind": "start", "uri": "u", "warmup": -1},
        {"kind": "start", "uri": "u", "warmup": 2**32},
        {"kind": "start", "uri": "u", "warmup": None},
    ],
    ids=[
        "empty_uri", "empty_name", "surrogate", "oversize", "missing_fields", "negative", "u64_overflow", "bool",
        "unknown_kind", "warmup_negative", "warmup_u32_overflow", "warmup_none",
    ],
)
def test_encoder_refuses_what_decoders_reject(message):
    with pytest.raises(ProtocolError):
        protocol.encode(message)


def test_encoder_leaves_out_an_absent_optional_field():
    # A start without warmup is the frame of protocol v1 before the field existed.
    assert protocol.encode({"kind": "start", "uri": "u"}).hex() == "1200000082a46b696e64a57374617274a3757269a175"


def test_encoder_accepts_largest_frame():
    # 65536 bytes of payload, of which the map, the keys, "error" and the
    # str16 header of the reason take 22. Only a reason can be that long.
    reason = "r" * (protocol.MAX_FRAME_SIZE - 22)
    frame = protocol.encode({"kind": "error", "reason": reason})
    assert len(frame) == 4 + protocol.MAX_FRAME_SIZE
    assert protocol.read_message(_Stream(frame).read) == {"kind": "error", "reason": reason}


@pytest.mark.parametrize(
    "message",
    [
        {"kind": "start", "uri": "é" * 2048},
        {"kind": "marker", "name": "m" * 256, "timestamp": 1},
        {"kind": "hello", "version": 1, "min_version": 1, "integration": "i" * 256, "integration_version": "v" * 256, "pid": 1},
    ],
)
def test_encoder_accepts_strings_at_the_runner_limits(message):
    assert protocol.read_message(_Stream(protocol.encode(message)).read) == message


@pytest.mark.parametrize(
    "message, error",
    [
        ({"kind": "start", "uri": "é" * 2048 + "x"}, "start.uri of 4097 bytes exceeds the limit of 4096 bytes"),
        ({"kind": "js_heap", "uri": "u" * 4097, **dict.fromkeys(("gc_forced", "used_before", "used_after", "peak", "retained_after", "gc_count"), 0)},
         "js_heap.uri of 4097 bytes exceeds the limit of 4096 bytes"),
        ({"kind": "marker", "name": "m" * 257, "timestamp": 1}, "marker.name of 257 bytes exceeds the limit of 256 bytes"),
        ({"kind": "hello", "version": 1, "min_version": 1, "integration": "i" * 257, "integration_version": "", "pid": 1},
         "hello.integration of 257 bytes exceeds the limit of 256 bytes"),
    ],
)
def test_encoder_refuses_strings_over_the_runner_limits(message, error):
    # SPEC.md 6.7: the runner would reject them.
    with pytest.raises(ProtocolError) as e:
        protocol.encode(message)
    assert e.value.category == "too_large" and e.value.detail == error
