"""Warm-up calls under the real runner: steady-state numbers by default, the cold call on request.

tests/suites/warmup has bodies that allocate only on their first call (each
fills a module-level cache), empty benchmarks in the first and the last window
of the process, and bodies of the kinds real suites have.
"""

import json
import os
import sys

import pytest

from conftest import copy_suite, run

CACHE = "benches/test_cache.py::"
CACHED = [CACHE + name for name in ("test_fixture", "test_pedantic", "test_pedantic_own_warmup", "test_marked")]
FIRST = "benches/test_a_first.py::test_empty_first"
LAST = "benches/test_z_last.py::test_empty_last"
LONG = "benches/test_work.py::test_empty_long_uri[" + "n" * 300 + "]"
# What table() allocates on its first call: 1000 str keys, the int objects
# above the small-int cache, and the dict; PYTHONMALLOC=malloc sends each
# through malloc.
COLD_AT_LEAST = 1000
# The numbers that must not change between two runs of unchanged code.
NUMBERS = ("alloc_count", "total_bytes", "free_count", "peak_bytes", "leaked_count", "leaked_bytes")


def run_suite(runner, tmp_path, env, args=(), warmup=None, name="out"):
    """Runs tests/suites/warmup under the runner; returns its records by URI, and the process."""
    suite = tmp_path / "warmup"
    if not suite.exists():
        copy_suite("warmup", tmp_path)
    env = {k: v for k, v in env.items() if not k.startswith(("MEMTALLY_", "CODSPEED_", "PYTEST_"))}
    runner_args = []
    if warmup is not None:
        runner_args = ["--warmup", str(warmup)]
    # No PYTHONHASHSEED and no setarch here: the runner's deterministic
    # start is what the two-runs test checks.
    env.pop("PYTHONHASHSEED", None)
    out = tmp_path / name
    proc = run(
        [runner, "run", *runner_args, "--out", str(out), "--", sys.executable, "-m", "pytest", *args],
        cwd=suite,
        env=env,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with open(out / "results.json", encoding="utf-8") as f:
        results = json.load(f)
    assert all(b["status"] == "ok" for b in results["benchmarks"]), results["benchmarks"]
    return {b["uri"]: b for b in results["benchmarks"]}, proc


@pytest.fixture(scope="module")
def warm(runner, tmp_path_factory):
    """The suite with the runner's default warm-up."""
    records, _ = run_suite(runner, tmp_path_factory.mktemp("warm"), dict(os.environ))
    return records


@pytest.fixture(scope="module")
def cold(runner, tmp_path_factory):
    """The suite with warm-up 0: every window holds the cold first call."""
    records, _ = run_suite(runner, tmp_path_factory.mktemp("cold"), dict(os.environ), warmup=0)
    return records


@pytest.mark.parametrize("uri", CACHED)
def test_warm_call_of_a_lazy_cache_allocates_nothing(warm, uri):
    assert warm[uri]["alloc_count"] == 0, warm[uri]
    assert warm[uri]["total_bytes"] == 0


@pytest.mark.parametrize("uri", CACHED)
def test_cold_call_of_a_lazy_cache_is_measured_with_warmup_0(cold, uri):
    assert cold[uri]["alloc_count"] >= COLD_AT_LEAST, cold[uri]
    # The cache stays: its allocations outlive the window.
    assert cold[uri]["leaked_count"] >= COLD_AT_LEAST


def test_results_say_which_call_was_measured(warm, cold):
    # The runner records each start's warmup: the calls before the measured
    # one, 0 for the cold first call.
    assert {uri: b.get("warmup") for uri, b in cold.items()} == {uri: 0 for uri in cold}
    assert all(b.get("warmup", 0) >= 1 for b in warm.values()), {uri: b.get("warmup") for uri, b in warm.items()}
    assert warm[CACHE + "test_fixture"]["warmup"] == 1


@pytest.mark.parametrize("which", ["warm", "cold"])
def test_empty_benchmark_is_0_in_the_first_and_the_last_window(warm, cold, which):
    records = warm if which == "warm" else cold
    by_start = sorted(records.values(), key=lambda b: b["start_ns"])
    assert by_start[0]["uri"] == FIRST and by_start[-1]["uri"] == LAST, [b["uri"] for b in by_start]
    for uri in (FIRST, LAST):
        record = records[uri]
        assert (record["alloc_count"], record["free_count"], record["untracked_frees"]) == (0, 0, 0), record
        assert record["dropped_events"] == 0


@pytest.mark.parametrize("which", ["warm", "cold"])
def test_empty_benchmark_with_a_long_uri_is_0(warm, cold, which):
    record = (warm if which == "warm" else cold)[LONG]
    assert (record["alloc_count"], record["free_count"], record["untracked_frees"]) == (0, 0, 0), record


def test_benchmark_warmup_off_leaves_the_count_to_the_runner(runner, tmp_path, clean_env):
    # pytest-benchmark's "off" (and "auto" on CPython) has no warm-up phase,
    # but its calibration still calls the body before timing it: off is not
    # a request for the cold call, which only warm-up 0 measures.
    records, _ = run_suite(runner, tmp_path, clean_env, args=["--benchmark-warmup=off"])
    assert [records[uri]["alloc_count"] for uri in CACHED] == [0] * len(CACHED)


def test_warmup_0_wins_over_the_suites_own_warmup(runner, tmp_path, clean_env):
    args = ["--benchmark-warmup=on", "--benchmark-warmup-iterations=3"]
    records, _ = run_suite(runner, tmp_path, clean_env, args=args, warmup=0)
    for uri in CACHED:
        assert records[uri]["alloc_count"] >= COLD_AT_LEAST, records[uri]


def test_two_runs_give_the_same_numbers(runner, tmp_path, clean_env):
    first, _ = run_suite(runner, tmp_path, clean_env, name="first")
    second, _ = run_suite(runner, tmp_path, clean_env, name="second")
    assert sorted(first) == sorted(second)
    assert len(first) == 13
    differ = {
        uri: [(n, first[uri][n], second[uri][n]) for n in NUMBERS if first[uri][n] != second[uri][n]]
        for uri in first
    }
    assert {uri: d for uri, d in differ.items() if d} == {}
    # Not vacuous: the suite's bodies allocate.
    assert sum(b["alloc_count"] for b in first.values()) > 500

