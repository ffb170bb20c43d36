"""pytest under the real memtally runner: records, URIs, and what runs inside each window."""

import json
import os
import re
import sys

from conftest import FIXTURE, MARKED, NUMBERS, copy_suite, run

# Benchmarks of tests/suites/window that write a trace, by URI.
TRACED = [
    MARKED + "test_module_marked",
    MARKED + "test_parametrized[1]",
    MARKED + "test_parametrized[2]",
    MARKED + "test_parametrized[3]",
    MARKED + "test_two_levels[10-a]",
    MARKED + "TestGroup::test_method",
    MARKED + "test_with_setup",
    MARKED + "test_keyword_only",
    FIXTURE + "test_call",
    FIXTURE + "test_call_kwargs",
    FIXTURE + "test_pedantic",
    FIXTURE + "test_parametrized[x]",
    FIXTURE + "test_parametrized[y]",
    FIXTURE + "test_returns_value",
    FIXTURE + "test_marked_too",
    FIXTURE + "TestGroup::test_method",
]
# Benchmarks whose memory behaviour is known (issue 5's numbers).
NUMBERED = [
    NUMBERS + "test_empty",
    NUMBERS + "test_empty_fixture",
    NUMBERS + "test_small_objects",
    NUMBERS + "test_bytearray",
    NUMBERS + "test_leak",
    NUMBERS + "test_setup_allocation_outside",
    NUMBERS + "test_fixture_allocation_outside",
]


def test_one_record_per_benchmark(window_run):
    results, _, _ = window_run
    uris = [b["uri"] for b in results["benchmarks"]]
    assert sorted(uris) == sorted(TRACED + NUMBERED)
    assert all(b["status"] == "ok" for b in results["benchmarks"]), results["benchmarks"]
    assert results["complete"] is True
    [target] = results["targets"]
    assert target["status"] == "ok"
    [integration] = target["integrations"]
    assert integration["name"] == "pytest-memtally"
    assert integration["protocol_version"] == 1
    assert all(b["pid"] == integration["pid"] for b in results["benchmarks"])


# The suite's addopts ask for pytest-benchmark's warm-up, 5 iterations; the
# pedantic benchmark asks for 2 warm-up rounds of its own.
WARMUP = {uri: 5 for uri in TRACED}
WARMUP[FIXTURE + "test_pedantic"] = 2


def test_each_body_runs_once_inside_its_window_after_its_warmup(window_run):
    results, events, _ = window_run
    windows = {b["uri"]: (b["start_ns"], b["stop_ns"]) for b in results["benchmarks"]}
    for uri in TRACED:
        start, stop = windows[uri]
        bodies = [ns for event, ns in events[uri] if event == "body"]
        assert len([ns for ns in bodies if start < ns < stop]) == 1, (uri, events[uri], start, stop)
        assert len([ns for ns in bodies if ns < start]) == WARMUP[uri], (uri, events[uri], start)
        assert len(bodies) == WARMUP[uri] + 1, (uri, events[uri])


def test_pedantic_setup_and_teardown_run_around_every_call_outside_the_window(window_run):
    results, events, _ = window_run
    uri = FIXTURE + "test_pedantic"
    [record] = [b for b in results["benchmarks"] if b["uri"] == uri]
    seen = [event for event, _ in events[uri]]
    assert seen == ["setup", "body", "teardown"] * (WARMUP[uri] + 1), seen
    around = [ns for event, ns in events[uri] if event != "body"]
    assert len(around) == 2 * (WARMUP[uri] + 1)
    assert not any(record["start_ns"] <= ns <= record["stop_ns"] for ns in around)


def test_setup_and_surroundings_stay_outside(window_run):
    results, events, _ = window_run
    windows = {b["uri"]: (b["start_ns"], b["stop_ns"]) for b in results["benchmarks"]}
    checked = 0
    for uri, seen in events.items():
        if uri not in windows:
            continue
        start, stop = windows[uri]
        for event, ns in seen:
            if event != "body":
                assert not start <= ns <= stop, (uri, event)
                checked += 1
    # Fixture setup and teardown, pedantic's setup, and code around the fixture call.
    assert {e for uri in events for e, _ in events[uri]} >= {"setup", "teardown", "outside", "plain"}
    assert checked >= 5


def test_plain_tests_run_unmeasured(window_run):
    results, events, _ = window_run
    plain = "benches/test_plain.py::test_not_a_benchmark"
    assert [e for e, _ in events[plain]] == ["plain"]
    assert plain not in {b["uri"] for b in results["benchmarks"]}


def test_pytest_reports_as_usual(window_run):
    _, _, proc = window_run
    assert "24 passed" in proc.stdout, proc.stdout


def test_stale_environment_runs_plain_pytest(tmp_path, clean_env):
    """FIFOs from a runner that is gone: plain pytest, quietly."""
    suite = copy_suite("window", tmp_path)
    ctl, ack = tmp_path / "ctl", tmp_path / "ack"
    os.mkfifo(ctl)
    os.mkfifo(ack)
    env = dict(clean_env, MEMTALLY_CTL_FIFO=str(ctl), MEMTALLY_ACK_FIFO=str(ack))
    env["MEMTALLY_TEST_TRACE"] = str(tmp_path / "trace")
    proc = run([sys.executable, "-m", "pytest"], cwd=suite, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "memtally" not in proc.stderr


COEXIST_SUITE = """
import pytest
{import_line}

def work(n):
    return n + 1

def test_owner(benchmark{annotation}):
    print("OWNER", type(benchmark).__module__.split(".")[0])
    assert benchmark(work, 1) == 2
"""


def test_this_plugin_measures_under_the_runner(runner, tmp_path, clean_env):
    """Whichever benchmark plugin is installed beside it, pytest-memtally's fixture
    measures under the runner, and the other plugin's options stay valid."""
    from test_plain_pytest import PROVIDER

    import_line, annotation, args = "", "", []
    if PROVIDER == "pytest_codspeed":
        # A suite written for pytest-codspeed, run as its CI runs it.
        import_line = "from pytest_codspeed import BenchmarkFixture"
        annotation = ": BenchmarkFixture"
        args = ["--codspeed"]
    elif PROVIDER == "pytest_benchmark":
        args = ["--benchmark-json", str(tmp_path / "pb.json"), "--benchmark-disable-gc"]
    (tmp_path / "test_coexist.py").write_text(COEXIST_SUITE.format(import_line=import_line, annotation=annotation))
    out = tmp_path / "out"
    proc = run(
        [runner, "run", "--out", str(out), "--", sys.executable, "-m", "pytest", "-s", "-p", "no:cacheprovider", *args],
        cwd=tmp_path,
        env=clean_env,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "OWNER pytest_memtally" in proc.stdout
    with open(out / "results.json", encoding="utf-8") as f:
        results = json.load(f)
    assert [(b["uri"], b["status"]) for b in results["benchmarks"]] == [("test_coexist.py::test_owner", "ok")]


def test_xdist_runs_in_one_process_under_the_runner(runner, tmp_path, clean_env):
    (tmp_path / "test_a.py").write_text(
        "import os, pytest\n"
        "@pytest.mark.benchmark\n"
        "@pytest.mark.parametrize('n', range(4))\n"
        "def test_a(n):\n"
        "    print('PID', os.getpid())\n"
    )
    out = tmp_path / "out"
    proc = run(
        [runner, "run", "--out", str(out), "--", sys.executable, "-m", "pytest", "-s", "-n", "2", "-p", "no:cacheprovider"],
        cwd=tmp_path,
        env=clean_env,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "pytest-xdist's -n is ignored" in proc.stderr
    with open(out / "results.json", encoding="utf-8") as f:
        results = json.load(f)
    assert sorted(b["uri"] for b in results["benchmarks"]) == [f"test_a.py::test_a[{n}]" for n in range(4)]
    assert all(b["status"] == "ok" for b in results["benchmarks"])
    # Each body runs twice: its warm-up call and the measured one.
    pids = re.findall(r"PID (\d+)", proc.stdout)
    assert len(pids) == 8 and len(set(pids)) == 1, proc.stdout
