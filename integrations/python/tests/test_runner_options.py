"""pytest-codspeed's and pytest-benchmark's options under the real runner.

tests/suites/options is run with each option set, and results.json must hold a
window for exactly the benchmarks those options select. A measured body runs
twice, its warm-up call (the runner's default of one) and the measured call; an
unmeasured one runs once.
Every virtualenv that integrations/python/test uses runs these, so they hold
with pytest-benchmark or pytest-codspeed installed beside the plugin, and
without either.
"""

import importlib.util
import json
import re
import sys

import pytest

from conftest import copy_suite, run

SUITE = "test_options.py::"
BENCHMARKS = ["fixture", "pedantic", "codspeed_fixture", "marked", "codspeed_marked"]
ALL = {SUITE + "test_" + name for name in BENCHMARKS}
# The bodies that run when every benchmark is measured, each with one warm-up call.
MEASURED = sorted(BENCHMARKS * 2)
# A plugin that connected and opened no window reports no benchmark
# (README.md, "runner run").
NO_BENCHMARKS = []

CODSPEED_ADDOPTS = [
    "--strict-markers",
    "--codspeed",
    "--codspeed-mode=memory",
    "--codspeed-warmup-time=0.5",
    "--codspeed-max-time=2",
    "--codspeed-max-rounds=10",
]
DISABLED = "memtally: --benchmark-disable: every benchmark runs once, unmeasured"
MODE_IGNORED = "memtally: --codspeed-mode=walltime is ignored: the memtally runner measures memory"


def run_options(runner, tmp_path, env, addopts, args=()):
    """Runs the suite under the runner with addopts in its pytest.ini."""
    suite = copy_suite("options", tmp_path)
    with open(f"{suite}/pytest.ini", "w", encoding="utf-8") as f:
        f.write("[pytest]\naddopts = " + " ".join(["-p", "no:cacheprovider", "-s", *addopts]) + "\n")
    out = tmp_path / "out"
    proc = run([runner, "run", "--out", str(out), "--", sys.executable, "-m", "pytest", *args], cwd=suite, env=env)
    with open(out / "results.json", encoding="utf-8") as f:
        results = json.load(f)
    records = [(b["uri"], b["status"]) for b in results["benchmarks"]]
    return proc, results, records


def bodies(proc):
    return sorted(re.findall(r"BODY (\w+)", proc.stdout))


def summary(proc):
    """pytest's closing line, without its decoration; the runner's table follows it."""
    [line] = re.findall(r"^=+ (.+ in [0-9.]+s) =+$", proc.stdout, re.M)
    return line


def test_codspeed_in_addopts_measures_the_benchmarks_only(runner, tmp_path, clean_env):
    proc, results, records = run_options(runner, tmp_path, clean_env, CODSPEED_ADDOPTS)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert sorted(records) == sorted((uri, "ok") for uri in ALL)
    assert results["targets"][0]["status"] == "ok"
    # The plain test is deselected, as pytest-codspeed deselects it.
    assert bodies(proc) == MEASURED
    assert re.match(r"5 passed, 1 deselected in ", summary(proc)), proc.stdout
    assert proc.stdout.count("TEARDOWN pedantic") == 2
    assert "memtally:" not in proc.stderr


def test_codspeed_mode_other_than_memory_warns_and_measures_memory(runner, tmp_path, clean_env):
    proc, _, records = run_options(runner, tmp_path, clean_env, ["--codspeed", "--codspeed-mode", "walltime"])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert sorted(records) == sorted((uri, "ok") for uri in ALL)
    assert proc.stderr.count(MODE_IGNORED) == 1, proc.stderr


@pytest.mark.parametrize(
    "addopts, status",
    [
        (["--codspeed-mode=fast"], "argument --codspeed-mode: invalid choice: 'fast'"),
        (["--codspeed-max-rounds=many"], "argument --codspeed-max-rounds: invalid int value: 'many'"),
        (["--codspeed-max-time=soon"], "argument --codspeed-max-time: invalid float value: 'soon'"),
    ],
)
def test_codspeed_option_values_are_checked(runner, tmp_path, clean_env, addopts, status):
    proc, results, records = run_options(runner, tmp_path, clean_env, addopts)
    assert proc.returncode == pytest.ExitCode.USAGE_ERROR, proc.stdout + proc.stderr
    assert status in proc.stderr
    assert bodies(proc) == []
    if importlib.util.find_spec("pytest_codspeed") is None:
        # The plugin declares these options and connects before pytest
        # checks their values: the target failed, with no benchmark.
        assert records == NO_BENCHMARKS
    else:
        # pytest-codspeed declares them itself, and pytest refuses the value
        # before any plugin runs: no client connected, so the runner
        # measured the command whole, and it failed.
        assert records == [("python", "incomplete")]
    assert results["targets"][0]["status"] == "failed"


def test_benchmark_disable_runs_each_benchmark_once_unmeasured(runner, tmp_path, clean_env):
    proc, _, records = run_options(runner, tmp_path, clean_env, ["--benchmark-disable"])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert records == NO_BENCHMARKS
    assert bodies(proc) == sorted(BENCHMARKS + ["plain"])
    assert re.match(r"6 passed in ", summary(proc)), proc.stdout
    assert proc.stderr.count(DISABLED) == 1, proc.stderr


def test_benchmark_enable_overrides_disable(runner, tmp_path, clean_env):
    proc, _, records = run_options(runner, tmp_path, clean_env, ["--benchmark-disable"], ["--benchmark-enable"])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert sorted(records) == sorted((uri, "ok") for uri in ALL)
    assert bodies(proc) == sorted(MEASURED + ["plain"])
    assert DISABLED not in proc.stderr


def test_codspeed_measures_despite_benchmark_disable(runner, tmp_path, clean_env):
    # Suites that keep --benchmark-disable in addopts for their test runs are
    # measured by `pytest --codspeed`, which pytest-codspeed honours over it.
    proc, _, records = run_options(runner, tmp_path, clean_env, ["--benchmark-disable"], ["--codspeed"])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert sorted(records) == sorted((uri, "ok") for uri in ALL)
    assert bodies(proc) == MEASURED
    assert DISABLED not in proc.stderr


def test_benchmark_skip_skips_every_benchmark(runner, tmp_path, clean_env):
    proc, _, records = run_options(runner, tmp_path, clean_env, ["--benchmark-skip"])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert records == NO_BENCHMARKS
    assert bodies(proc) == ["plain"]
    assert re.match(r"1 passed, 5 skipped in ", summary(proc)), proc.stdout


@pytest.mark.parametrize("addopts", [["--benchmark-only"], ["--benchmark-skip", "--benchmark-only"]])
def test_benchmark_only_skips_the_other_tests(runner, tmp_path, clean_env, addopts):
    proc, _, records = run_options(runner, tmp_path, clean_env, addopts)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert sorted(records) == sorted((uri, "ok") for uri in ALL)
    assert bodies(proc) == MEASURED
    assert re.match(r"5 passed, 1 skipped in ", summary(proc)), proc.stdout


def test_benchmark_only_with_disable_is_a_usage_error(runner, tmp_path, clean_env):
    proc, results, records = run_options(runner, tmp_path, clean_env, ["--benchmark-only", "--benchmark-disable"])
    assert proc.returncode == pytest.ExitCode.USAGE_ERROR, proc.stdout + proc.stderr
    assert "ERROR: Can't have both --benchmark-only and --benchmark-disable options." in proc.stderr
    assert bodies(proc) == []
    # The plugin connected before pytest's usage error: the target failed,
    # with no benchmark, rather than one for the whole failed command.
    assert records == NO_BENCHMARKS
    assert results["targets"][0]["status"] == "failed"
