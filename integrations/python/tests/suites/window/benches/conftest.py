"""Writes a trace that the end-to-end tests compare with results.json.

Each line is "EVENT NODEID CLOCK_MONOTONIC_NS", appended to the file named by
MEMTALLY_TEST_TRACE.
"""

import os
import time

import pytest


@pytest.fixture
def trace(request):
    path = os.environ["MEMTALLY_TEST_TRACE"]
    node = request.node.nodeid

    def log(event: str) -> None:
        with open(path, "a", encoding="utf-8") as f:
            f.write(f"{event} {node} {time.monotonic_ns()}\n")

    return log


@pytest.fixture
def big_setup(trace):
    trace("setup")
    data = bytearray(8 << 20)
    yield data
    trace("teardown")
