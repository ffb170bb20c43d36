import json
import os
import shutil
import subprocess
import sys
from collections import defaultdict

import pytest

pytest_plugins = ["pytester"]

# Benchmark suites that the end-to-end tests run; they are data, not tests.
collect_ignore = ["suites"]

# URI prefixes of the benchmark files of suites/window.
MARKED = "benches/test_marked.py::"
FIXTURE = "benches/test_fixture.py::"
NUMBERS = "benches/test_numbers.py::"


@pytest.fixture(scope="session")
def runner() -> str:
    """The memtally runner binary; integrations/python/test builds it when unset."""
    path = os.environ.get("MEMTALLY_RUNNER", "")
    if not path or not os.access(path, os.X_OK):
        pytest.fail("MEMTALLY_RUNNER must name the runner binary (run integrations/python/test)")
    return path


@pytest.fixture
def clean_env(monkeypatch):
    """The environment of a process that is not under the runner."""
    for name in ("MEMTALLY_CTL_FIFO", "MEMTALLY_ACK_FIFO", "MEMTALLY_MODE", "MEMTALLY_WARMUP", "CODSPEED_ENV", "CODSPEED_RUNNER_MODE"):
        monkeypatch.delenv(name, raising=False)
    env = dict(os.environ)
    env.pop("PYTEST_ADDOPTS", None)
    return env


def run(cmd, **kwargs) -> subprocess.CompletedProcess:
    kwargs.setdefault("capture_output", True)
    kwargs.setdefault("text", True)
    kwargs.setdefault("timeout", 300)
    return subprocess.run(cmd, **kwargs)


def copy_suite(name: str, dest) -> str:
    src = os.path.join(os.path.dirname(__file__), "suites", name)
    target = os.path.join(str(dest), name)
    shutil.copytree(src, target, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
    return target


@pytest.fixture(scope="session")
def window_run(runner, tmp_path_factory):
    """Runs tests/suites/window once under the runner, from its benches/ folder.

    Starting pytest below its rootdir checks that URIs are relative to the
    rootdir, not to the working directory.
    """
    tmp = tmp_path_factory.mktemp("window")
    suite = copy_suite("window", tmp)
    out = tmp / "out"
    trace = tmp / "trace"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MEMTALLY_", "CODSPEED_", "PYTEST_"))}
    env["MEMTALLY_TEST_TRACE"] = str(trace)
    proc = run(
        [runner, "run", "--out", str(out), "--", sys.executable, "-m", "pytest"],
        cwd=os.path.join(suite, "benches"),
        env=env,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with open(out / "results.json", encoding="utf-8") as f:
        results = json.load(f)
    events = defaultdict(list)
    with open(trace, encoding="utf-8") as f:
        for line in f:
            event, node, ns = line.split()
            events[node].append((event, int(ns)))
    return results, events, proc
