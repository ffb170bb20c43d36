"""examples/python-pytest: under the runner with its codspeed.toml, and as a plain pytest suite."""

import json
import os

import pytest

from conftest import run

EXAMPLE = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "examples", "python-pytest"))
PYTHON = os.path.join(EXAMPLE, ".venv", "bin", "python")

URIS = [
    "benchmarks/test_marked.py::test_tokenize",
    "benchmarks/test_marked.py::test_count_words",
    "benchmarks/test_marked.py::TestWordIndex::test_build",
    "benchmarks/test_fixture.py::test_top_words[1]",
    "benchmarks/test_fixture.py::test_top_words[10]",
    "benchmarks/test_fixture.py::test_top_words[100]",
    "benchmarks/test_fixture.py::test_lookup",
]


@pytest.fixture(scope="module")
def example_python():
    if not os.access(PYTHON, os.X_OK):
        pytest.fail(f"{PYTHON} is missing: run `make -C {EXAMPLE}` (integrations/python/test does)")
    return PYTHON


def test_example_under_the_runner(runner, example_python, tmp_path, clean_env):
    out = tmp_path / "out"
    proc = run([runner, "--config", "codspeed.toml", "--out", str(out)], cwd=EXAMPLE, env=clean_env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with open(out / "results.json", encoding="utf-8") as f:
        results = json.load(f)
    assert sorted(b["uri"] for b in results["benchmarks"]) == sorted(URIS)
    assert all(b["status"] == "ok" and b["target"] == "textstats" for b in results["benchmarks"])
    # Its command is `pytest --codspeed`, which leaves out the unit tests.
    assert "7 passed, 4 deselected" in proc.stdout, proc.stdout


def test_example_gives_the_same_numbers_twice(runner, example_python, tmp_path, clean_env):
    # What the runner does for a deterministic target, set here until every
    # runner does it: a fixed hash seed and no address-space randomisation.
    env = dict(clean_env, PYTHONHASHSEED="0")
    numbers = []
    for name in ("first", "second"):
        out = tmp_path / name
        proc = run(["setarch", "-R", runner, "--config", "codspeed.toml", "--out", str(out)], cwd=EXAMPLE, env=env)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        with open(out / "results.json", encoding="utf-8") as f:
            results = json.load(f)
        numbers.append(
            {
                b["uri"]: tuple(b[n] for n in ("alloc_count", "total_bytes", "free_count", "peak_bytes", "leaked_bytes"))
                for b in results["benchmarks"]
            }
        )
    assert sorted(numbers[0]) == sorted(URIS)
    assert numbers[0] == numbers[1]
    assert all(n[0] > 0 for n in numbers[0].values()), numbers[0]


def test_example_suite_passes_with_plain_pytest(example_python, clean_env):
    proc = run([example_python, "-m", "pytest", "-p", "no:cacheprovider"], cwd=EXAMPLE, env=clean_env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "11 passed" in proc.stdout, proc.stdout


def test_example_benchmarks_only_with_codspeed(example_python, clean_env):
    proc = run([example_python, "-m", "pytest", "-p", "no:cacheprovider", "--codspeed"], cwd=EXAMPLE, env=clean_env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "7 passed, 4 deselected" in proc.stdout, proc.stdout
