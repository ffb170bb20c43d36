"""Runs a callable exactly once inside a measurement window.

Everything that allocates happens before start(): the start frame, the garbage
collection that keeps earlier garbage from being freed inside the window, and
the choice of call form. Between start() and stop() there is only the call.
"""

from __future__ import annotations

import gc
from typing import Any, Callable

from .client import Client, start_frame


def measure(client: Client, uri: str, fn: Callable[..., Any], args: tuple, kwargs: dict | None) -> Any:
    frame = start_frame(uri)
    gc.collect()
    if kwargs:
        # A keyword call makes CPython build a keyword-names tuple and an
        # argument array: a couple of allocations that the window counts.
        opened = client.start(frame)
        try:
            return fn(*args, **kwargs)
        finally:
            if opened:
                client.stop()
    if args:
        # A positional call from an existing tuple allocates nothing.
        opened = client.start(frame)
        try:
            return fn(*args)
        finally:
            if opened:
                client.stop()
    opened = client.start(frame)
    try:
        return fn()
    finally:
        if opened:
            client.stop()
