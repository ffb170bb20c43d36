"""The runner's memory numbers for benchmarks of known behaviour (issue 5).

They come from the same run of suites/window as test_runner_e2e.py (the
window_run fixture), in which the runner sets PYTHONMALLOC=malloc.
"""

import pytest

from conftest import NUMBERS



@pytest.fixture(scope="module")
def records(window_run):
    results, _, _ = window_run
    return {b["uri"]: b for b in results["benchmarks"]}


def largest_step(record):
    """The largest rise of live bytes between two points of the timeline."""
    live = [p["live_bytes"] for p in record["timeline"]]
    return max((b - a for a, b in zip(live, live[1:])), default=0)


@pytest.mark.parametrize("name", ["test_empty", "test_empty_fixture"])
def test_empty_benchmark_floor(records, name):
    # What the README promises for an empty benchmark: nothing at all.
    record = records[NUMBERS + name]
    assert (record["alloc_count"], record["free_count"], record["untracked_frees"]) == (0, 0, 0), record
    assert record["dropped_events"] == 0


def test_small_objects_are_visible(records):
    # PYTHONMALLOC=malloc sends pymalloc's small objects through malloc.
    assert records[NUMBERS + "test_small_objects"]["alloc_count"] >= 10_000


def test_large_allocation(records):
    record = records[NUMBERS + "test_bytearray"]
    assert record["total_bytes"] >= 1_000_000
    assert record["peak_bytes"] >= 1_000_000
    assert largest_step(record) >= 1_000_000


def test_leak_kept_by_a_module_level_list(records):
    assert records[NUMBERS + "test_leak"]["leaked_bytes"] >= 1_000_000


@pytest.mark.parametrize("name", ["test_setup_allocation_outside", "test_fixture_allocation_outside"])
def test_setup_allocations_are_not_counted(records, name):
    # The fixture allocates 32 MiB and pedantic's setup 16 MiB, both outside the window.
    record = records[NUMBERS + name]
    assert record["total_bytes"] < 1 << 20, record
    assert record["peak_bytes"] < 1 << 20, record
