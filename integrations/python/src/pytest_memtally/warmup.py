"""How many warm-up calls of a benchmark's body run, outside any window, before the measured one.

A first call is not a steady-state call: it fills caches, imports lazily,
interns strings, and runs code that CPython has not yet specialised. Under the
runner each benchmark's body therefore runs `calls` times outside any window,
then once inside it, and the start frame says how many warm-up calls ran.

Who decides the count, first match wins:

1. MEMTALLY_WARMUP=0 (`runner --warmup 0`): no warm-up, the window measures the
   cold first call. The runner's default is 1, so 0 is always a request.
2. pytest-benchmark's `--benchmark-warmup` on (`on`/`true`/`yes`, or `auto` on
   PyPy) with `--benchmark-warmup-iterations` N > 0: N calls, at most CAP.
   `benchmark.pedantic(warmup_rounds=N)` with N > 0 decides for that benchmark
   the same way, with pedantic's setup and teardown around each call.
3. MEMTALLY_WARMUP=N from the runner, or 1 when it is absent (an older runner).

`--benchmark-warmup` off (also `auto`, its default, on CPython) leaves the
count to the runner: pytest-benchmark has no warm-up phase then, but its
calibration still calls the body before the first timed round, so no number
it reports is a cold first call either. Only MEMTALLY_WARMUP=0 measures one.
"""

from __future__ import annotations

import argparse
import platform
from typing import Any, Callable, Mapping

ENV = "MEMTALLY_WARMUP"
DEFAULT = 1
# The most warm-up calls a suite's own options can ask for. pytest-benchmark's
# default of 100000 iterations is bounded there by --benchmark-max-time (1 s);
# a time bound would make the count, and with it whatever state the calls
# leave (a list a body appends to, a cache it grows), differ from run to run.
# 100 calls are past CPython's own warm-up thresholds (3.11 quickens a code
# object after 8 calls) and keep memory mode's cost to a hundred calls of the
# body under the runner's probes.
CAP = 100
_U32 = 0xFFFFFFFF


class WarmupError(ValueError):
    """MEMTALLY_WARMUP is not a count of calls."""


def from_env(environ: Mapping[str, str]) -> int:
    """The runner's count: MEMTALLY_WARMUP, or DEFAULT when it is absent."""
    value = environ.get(ENV)
    if value is None:
        return DEFAULT
    if not value.isascii() or not value.isdigit() or int(value) > _U32:
        raise WarmupError(f"{ENV}={value!r} is not a count of calls (0 to {_U32})")
    return int(value)


def parse_option(value: str) -> bool:
    """pytest-benchmark's reading of --benchmark-warmup's KIND, bad values refused alike."""
    kind = value.lower().strip()
    if kind == "auto":
        return platform.python_implementation() == "PyPy"
    if kind in ("off", "false", "no"):
        return False
    if kind in ("on", "true", "yes", ""):
        return True
    raise argparse.ArgumentTypeError(f"Could not parse value: {value!r}.")


class Warmup:
    """The warm-up count of one pytest session: `calls` before each measured call."""

    __slots__ = ("calls", "_cold")

    def __init__(self, runner_calls: int, suite_on: object = False, suite_iterations: object = None) -> None:
        self._cold = runner_calls == 0
        self.calls = runner_calls
        if not self._cold and suite_on and isinstance(suite_iterations, int) and suite_iterations > 0:
            self.calls = min(suite_iterations, CAP)

    def for_pedantic(self, warmup_rounds: int) -> int:
        """The count for benchmark.pedantic(warmup_rounds=...)."""
        if self._cold or warmup_rounds <= 0:
            return self.calls
        return min(warmup_rounds, CAP)


def call(fn: Callable[..., Any], args: tuple, kwargs: dict | None, times: int) -> None:
    """Calls fn(*args, **kwargs) `times` times, outside any window."""
    for _ in range(times):
        if kwargs:
            fn(*args, **kwargs)
        else:
            fn(*args)
