"""Calls the client through FFI (ctypes), as another language would: the
codec round-trips a frame, and without a runner every call is a no-op."""
import ctypes
import os
import sys

lib = ctypes.CDLL(sys.argv[1])


class Str(ctypes.Structure):
    _fields_ = [("ptr", ctypes.c_char_p), ("len", ctypes.c_size_t)]


class Message(ctypes.Structure):
    _fields_ = [
        ("kind", ctypes.c_int),
        ("version", ctypes.c_uint32),
        ("min_version", ctypes.c_uint32),
        ("pid", ctypes.c_uint32),
        ("timestamp", ctypes.c_uint64),
        ("integration", Str),
        ("integration_version", Str),
        ("mode", Str),
        ("uri", Str),
        ("reason", Str),
        ("name", Str),
        ("gc_forced", ctypes.c_uint32),
        ("gc_count", ctypes.c_uint32),
        ("used_before", ctypes.c_uint64),
        ("used_after", ctypes.c_uint64),
        ("peak", ctypes.c_uint64),
        ("retained_after", ctypes.c_uint64),
    ]


START, INACTIVE = 3, 8
lib.memtally_status_name.restype = ctypes.c_char_p

uri = "bench/x.py::name[1]".encode()
m = Message(kind=START, uri=Str(uri, len(uri)))
buf = ctypes.create_string_buffer(64)
n = ctypes.c_size_t()
assert lib.memtally_encode(ctypes.byref(m), buf, len(buf), ctypes.byref(n)) == 0
frame = buf.raw[: n.value]
assert frame[:4] == (len(frame) - 4).to_bytes(4, "little"), frame

out = Message()
used = ctypes.c_size_t()
assert lib.memtally_read_frame(frame, len(frame), ctypes.byref(out), ctypes.byref(used)) == 0
assert used.value == len(frame) and out.kind == START
assert ctypes.string_at(out.uri.ptr, out.uri.len) == uri
assert lib.memtally_read_frame(frame[:-1], len(frame) - 1, ctypes.byref(out), ctypes.byref(used)) == 1
assert lib.memtally_status_name(1) == b"truncated"

for var in ("MEMTALLY_CTL_FIFO", "MEMTALLY_ACK_FIFO"):
    os.environ.pop(var, None)
assert lib.memtally_init(b"ffi", b"0") == 0
assert lib.memtally_active() == 0
assert lib.memtally_start(b"x") == INACTIVE and lib.memtally_stop() == INACTIVE
print("ffi: 1 passed, 0 failed")
