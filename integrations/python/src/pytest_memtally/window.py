"""Runs a callable exactly once inside a measurement window.

Everything that allocates happens before start(): the warm-up calls, the start
frame, the garbage collection that keeps earlier garbage (the warm-up calls'
too) from being freed inside the window, the lookup of start and stop, and the
choice of call form. Between start() and stop() there is only the call.
"""

from __future__ import annotations

import gc
from typing import Any, Callable

from . import warmup as warmup_calls
from .client import Client, start_frame


def measure(
    client: Client, uri: str, fn: Callable[..., Any], args: tuple, kwargs: dict | None, warmup: int, warmed: int = 0
) -> Any:
    """Calls fn `warmup - warmed` times, then once inside the window named uri.

    warmed is how many of the warm-up calls the caller has already made (pedantic
    makes its own, with setup and teardown around each); the start frame counts
    them all.
    """
    warmup_calls.call(fn, args, kwargs, warmup - warmed)
    frame = start_frame(uri, warmup)
    # Fetched now: inside the window an attribute lookup can free what the
    # type attribute cache held (see client.py).
    start, stop = client.start, client.stop
    gc.collect()
    if kwargs:
        # A keyword call makes CPython build a keyword-names tuple and an
        # argument array: a couple of allocations that the window counts.
        opened = start(frame)
        try:
            return fn(*args, **kwargs)
        finally:
            if opened:
                stop()
    if args:
        # A positional call from an existing tuple allocates nothing.
        opened = start(frame)
        try:
            return fn(*args)
        finally:
            if opened:
                stop()
    opened = start(frame)
    try:
        return fn()
    finally:
        if opened:
            stop()
