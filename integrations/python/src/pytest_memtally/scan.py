"""Structural validation of msgpack payloads, as SPEC.md section 4.4 stage A asks.

msgpack-python decodes values well but is laxer or stricter than the protocol in
places the protocol pins down: it has no nesting bound, it parses ext type -1 as a
timestamp (and rejects odd lengths that the protocol must accept unread), and it
keeps the last of repeated keys. So the payload's structure is walked here first,
and msgpack then decodes only the top-level keys and the fields that a message
kind defines, which are plain strings and integers.
"""

from __future__ import annotations

from .errors import ProtocolError

MAX_DEPTH = 32

# Families of msgpack values, by lead byte (SPEC.md 4.1).
INT = "int"
STR = "str"
BIN = "bin"
EXT = "ext"
FLOAT = "float"
NIL = "nil"
BOOL = "bool"
ARRAY = "array"
MAP = "map"

# lead byte -> (family, bytes of length field, fixed payload size).
# A length field of n bytes means the payload size is read from the next n
# bytes; ext formats carry one extra type byte after it.
_FIXED = {
    0xC0: (NIL, 0, 0),
    0xC2: (BOOL, 0, 0),
    0xC3: (BOOL, 0, 0),
    0xC4: (BIN, 1, 0),
    0xC5: (BIN, 2, 0),
    0xC6: (BIN, 4, 0),
    0xC7: (EXT, 1, 1),
    0xC8: (EXT, 2, 1),
    0xC9: (EXT, 4, 1),
    0xCA: (FLOAT, 0, 4),
    0xCB: (FLOAT, 0, 8),
    0xCC: (INT, 0, 1),
    0xCD: (INT, 0, 2),
    0xCE: (INT, 0, 4),
    0xCF: (INT, 0, 8),
    0xD0: (INT, 0, 1),
    0xD1: (INT, 0, 2),
    0xD2: (INT, 0, 4),
    0xD3: (INT, 0, 8),
    0xD4: (EXT, 0, 2),
    0xD5: (EXT, 0, 3),
    0xD6: (EXT, 0, 5),
    0xD7: (EXT, 0, 9),
    0xD8: (EXT, 0, 17),
    0xD9: (STR, 1, 0),
    0xDA: (STR, 2, 0),
    0xDB: (STR, 4, 0),
    0xDC: (ARRAY, 2, 0),
    0xDD: (ARRAY, 4, 0),
    0xDE: (MAP, 2, 0),
    0xDF: (MAP, 4, 0),
}


def _malformed(why: str) -> ProtocolError:
    return ProtocolError("malformed", why)


def head(buf: bytes, pos: int) -> tuple[str, int, int]:
    """Reads the header of the value at pos.

    Returns (family, count, data_start): for str/bin/ext, count is the number of
    data bytes (ext includes its type byte); for arrays the element count, for
    maps the pair count; for scalars the number of bytes after the lead byte.
    """
    if pos >= len(buf):
        raise _malformed("value runs past the end of the payload")
    lead = buf[pos]
    if lead <= 0x7F or lead >= 0xE0:
        return INT, 0, pos + 1
    if lead <= 0x8F:
        return MAP, lead & 0x0F, pos + 1
    if lead <= 0x9F:
        return ARRAY, lead & 0x0F, pos + 1
    if lead <= 0xBF:
        return STR, lead & 0x1F, pos + 1
    entry = _FIXED.get(lead)
    if entry is None:
        raise _malformed("reserved byte c1")
    family, width, extra = entry
    start = pos + 1 + width
    if start > len(buf):
        raise _malformed("length runs past the end of the payload")
    count = int.from_bytes(buf[pos + 1 : start], "big") + extra if width else extra
    return family, count, start


def value_end(buf: bytes, pos: int) -> int:
    """Validates the value at pos and everything inside it; returns its end.

    It walks iteratively with a stack of remaining counts, so hostile nesting
    can neither recurse nor go deeper than MAX_DEPTH.
    """
    remaining = 1
    stack: list[int] = []
    while True:
        while remaining == 0:
            if not stack:
                return pos
            remaining = stack.pop()
        remaining -= 1
        family, count, start = head(buf, pos)
        if family is ARRAY or family is MAP:
            if len(stack) + 1 > MAX_DEPTH:
                raise _malformed(f"containers nest deeper than {MAX_DEPTH}")
            # Each element takes at least one byte, which bounds hostile counts.
            items = count * 2 if family is MAP else count
            if items > len(buf) - start:
                raise _malformed("container count runs past the end of the payload")
            stack.append(remaining)
            remaining = items
            pos = start
            continue
        end = start + count
        if end > len(buf):
            raise _malformed(f"{family} runs past the end of the payload")
        if family is STR:
            try:
                bytes(buf[start:end]).decode("utf-8")
            except UnicodeDecodeError:
                raise _malformed("str is not valid UTF-8") from None
        pos = end
