"""How many warm-up calls run, and what start.warmup says, on the wire to a fake runner."""

import sys

import pytest

from conftest import copy_suite, run
from pytest_memtally import warmup
from test_client import FakeRunner, memory_runner

CACHE = "benches/test_cache.py::"
OWN_WARMUP = CACHE + "test_pedantic_own_warmup"  # pedantic(warmup_rounds=3)


@pytest.mark.parametrize(
    "runner_calls, suite_on, iterations, expected, pedantic_3",
    [
        (1, False, 100000, 1, 3),  # pytest-benchmark's defaults on CPython: the runner decides
        (4, False, 100000, 4, 3),
        (0, False, 100000, 0, 0),  # warm-up 0 is the cold call, whatever the suite asks
        (0, True, 5, 0, 0),
        (1, True, 5, 5, 3),
        (1, True, 100000, warmup.CAP, 3),
        (1, True, 0, 1, 3),  # pytest-benchmark: on with 0 iterations warms nothing up
        (1, None, 5, 1, 3),  # a bare --benchmark-warmup parses to None: off
    ],
)
def test_who_decides_the_count(runner_calls, suite_on, iterations, expected, pedantic_3):
    w = warmup.Warmup(runner_calls, suite_on, iterations)
    assert w.calls == expected
    assert w.for_pedantic(0) == expected
    assert w.for_pedantic(3) == pedantic_3
    assert w.for_pedantic(10**6) == (0 if runner_calls == 0 else warmup.CAP)


@pytest.mark.parametrize("value, calls", [(None, 1), ("0", 0), ("1", 1), ("12", 12), ("4294967295", 4294967295)])
def test_runner_count_from_the_environment(value, calls):
    env = {} if value is None else {warmup.ENV: value}
    assert warmup.from_env(env) == calls


@pytest.mark.parametrize("value", ["", "-1", "1.5", "x", " 1", "4294967296", "١"])
def test_runner_count_that_is_not_a_count(value):
    with pytest.raises(warmup.WarmupError, match="is not a count of calls"):
        warmup.from_env({warmup.ENV: value})


@pytest.fixture
def fake_run(tmp_path, clean_env):
    """Runs tests/suites/warmup against a fake runner; returns (process, start messages by URI)."""
    runners = []

    def go(args=(), **env):
        base = tmp_path / f"runner{len(runners)}"
        base.mkdir()
        runner = FakeRunner(base, memory_runner)
        runners.append(runner)
        suite = tmp_path / "warmup"
        if not suite.exists():
            copy_suite("warmup", tmp_path)
        full = dict(clean_env, **runner.env, **env)
        proc = run([sys.executable, "-m", "pytest", *args], cwd=suite, env=full)
        starts = {m["uri"]: m for m in runner.requests if m["kind"] == "start"}
        return proc, starts

    yield go
    for r in runners:
        r.close()


def test_default_is_one_warmup_call(fake_run):
    proc, starts = fake_run()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert len(starts) == 13
    assert {uri: m["warmup"] for uri, m in starts.items()} == {uri: 3 if uri == OWN_WARMUP else 1 for uri in starts}


@pytest.mark.parametrize(
    "args, env, calls, own",
    [
        ((), {"MEMTALLY_WARMUP": "7"}, 7, 3),
        ((), {"MEMTALLY_WARMUP": "0"}, 0, 0),
        (("--benchmark-warmup=on", "--benchmark-warmup-iterations=4"), {}, 4, 3),
        (("--benchmark-warmup=on",), {}, warmup.CAP, 3),
        (("--benchmark-warmup=on", "--benchmark-warmup-iterations=4"), {"MEMTALLY_WARMUP": "0"}, 0, 0),
        (("--benchmark-warmup=off",), {"MEMTALLY_WARMUP": "2"}, 2, 3),
        (("--benchmark-warmup", "--benchmark-warmup-iterations=4"), {}, 1, 3),
    ],
    ids=["runner_7", "runner_0", "suite_on_4", "suite_on_capped", "runner_0_over_suite", "suite_off", "bare_flag"],
)
def test_start_says_how_many_warmup_calls_ran(fake_run, args, env, calls, own):
    proc, starts = fake_run(args, **env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert len(starts) == 13
    assert {uri: m["warmup"] for uri, m in starts.items()} == {uri: own if uri == OWN_WARMUP else calls for uri in starts}


def test_bad_suite_warmup_value_is_pytest_benchmarks_usage_error(fake_run):
    proc, starts = fake_run(("--benchmark-warmup=sometimes",))
    assert proc.returncode == pytest.ExitCode.USAGE_ERROR, proc.stdout + proc.stderr
    assert "argument --benchmark-warmup: Could not parse value: 'sometimes'." in proc.stderr
    assert starts == {}


def test_bad_runner_count_stops_pytest_before_any_test(fake_run):
    proc, starts = fake_run(MEMTALLY_WARMUP="lots")
    assert proc.returncode == pytest.ExitCode.USAGE_ERROR, proc.stdout + proc.stderr
    assert "ERROR: memtally: MEMTALLY_WARMUP='lots' is not a count of calls (0 to 4294967295)" in proc.stderr
    assert starts == {}
    assert "passed" not in proc.stdout


def test_outside_the_runner_the_count_is_not_read(tmp_path, clean_env):
    suite = copy_suite("warmup", tmp_path)
    proc = run([sys.executable, "-m", "pytest"], cwd=suite, env=dict(clean_env, MEMTALLY_WARMUP="lots"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "13 passed" in proc.stdout
