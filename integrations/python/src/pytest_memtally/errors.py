"""The protocol's error categories (SPEC.md 4.6)."""

from __future__ import annotations

CATEGORIES = ("truncated", "too_large", "malformed", "unknown_kind")


class CannotMeasure(Exception):
    """The plugin cannot speak the protocol as designed under the runner (the FIFOs the
    environment names cannot be opened): pytest must stop rather than run the benchmarks
    unmeasured (SPEC.md 2.3)."""


class ProtocolError(ValueError):
    """A frame or payload that breaks SPEC.md; category is one of CATEGORIES."""

    def __init__(self, category: str, detail: str) -> None:
        assert category in CATEGORIES, category
        super().__init__(f"{category}: {detail}")
        self.category = category
        self.detail = detail
