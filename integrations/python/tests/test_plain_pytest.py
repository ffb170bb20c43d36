"""Outside the runner: suites written for pytest-benchmark or pytest-codspeed run as before."""

import importlib.util

import pytest

from pytest_memtally import BenchmarkFixture

# The benchmark plugin installed beside pytest-memtally in this virtualenv, if
# any; integrations/python/test runs this file in one virtualenv per case.
if importlib.util.find_spec("pytest_benchmark"):
    PROVIDER = "pytest_benchmark"
elif importlib.util.find_spec("pytest_codspeed"):
    PROVIDER = "pytest_codspeed"
else:
    PROVIDER = "pytest_memtally"

DROP_IN_OPTIONS = [
    "--strict-markers",
    "--benchmark-sort=fullname",
    "--benchmark-warmup=true",
    "--benchmark-warmup-iterations=5",
    "--benchmark-group-by=fullname",
    "--benchmark-min-rounds=5",
    "--benchmark-max-time=0.01",
]

SUITE = """
import pytest

pytestmark = pytest.mark.benchmark()

calls = []

def work(n):
    calls.append(n)
    return n * 2

def test_marked():
    assert work(1) == 2

def test_fixture(benchmark):
    assert benchmark(work, 21) == 42

@pytest.mark.parametrize("n", [1, 2])
def test_pedantic(benchmark, n):
    assert benchmark.pedantic(work, args=(n,), rounds=2, iterations=1) == 2 * n

class TestGroup:
    def test_method(self, benchmark):
        benchmark(work, 3)
"""


@pytest.fixture
def suite(pytester, clean_env):
    pytester.makepyfile(test_suite=SUITE)
    return pytester


def pytest_config(pytester, addopts):
    """Writes addopts into pyproject.toml, in pytest 9's native table when pytest has it."""
    if int(pytest.__version__.split(".")[0]) >= 9:
        items = ", ".join(f'"{a}"' for a in addopts)
        pytester.makepyprojecttoml(f"[tool.pytest]\naddopts = [{items}]\n")
    else:
        pytester.makepyprojecttoml(f'[tool.pytest.ini_options]\naddopts = "{" ".join(addopts)}"\n')


def test_drop_in_addopts_are_accepted(suite):
    pytest_config(suite, DROP_IN_OPTIONS)
    result = suite.runpytest_subprocess()
    result.assert_outcomes(passed=5)


def test_marker_is_registered(suite):
    result = suite.runpytest_subprocess("--strict-markers", "--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.benchmark*"])


def test_benchmark_fixture_owner(pytester, clean_env):
    pytester.makepyfile(
        test_owner="""
        def test_owner(benchmark):
            print("OWNER", type(benchmark).__module__.split(".")[0])
            benchmark(lambda: None)
        """
    )
    result = pytester.runpytest_subprocess("-s")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([f"*OWNER {PROVIDER}"])


def test_benchmark_skip_and_only(suite):
    pytester = suite
    pytester.makepyfile(
        test_mixed="""
        def test_plain():
            pass

        def test_bench(benchmark):
            benchmark(int)
        """
    )
    skip = pytester.runpytest_subprocess("test_mixed.py", "--benchmark-skip")
    skip.assert_outcomes(passed=1, skipped=1)
    only = pytester.runpytest_subprocess("test_mixed.py", "--benchmark-only")
    only.assert_outcomes(passed=1, skipped=1)


MIXED = """
import pytest

calls = []

def test_plain():
    pass

def test_bench(benchmark):
    benchmark(calls.append, 1)
    print("CALLS", len(calls))

@pytest.mark.benchmark
def test_marked():
    pass

@pytest.mark.codspeed_benchmark
def test_codspeed_marked():
    pass
"""


@pytest.mark.parametrize("mode", ["memory", "walltime", "simulation"])
def test_codspeed_options_run_the_benchmarks_only(pytester, clean_env, mode):
    """As pytest-codspeed does, whichever plugins are installed: --codspeed deselects the other tests."""
    pytester.makepyfile(test_mixed=MIXED)
    pytest_config(
        pytester,
        [
            "--strict-markers",
            "--codspeed",
            f"--codspeed-mode={mode}",
            "--codspeed-warmup-time=0.01",
            "--codspeed-max-time=0.05",
            "--codspeed-max-rounds=2",
        ],
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3, deselected=1)


@pytest.mark.skipif(PROVIDER == "pytest_codspeed", reason="pytest-codspeed 5 itself refuses the old name")
def test_codspeed_mode_accepts_the_old_name_for_simulation(pytester, clean_env):
    pytester.makepyfile(test_mixed=MIXED)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--codspeed", "--codspeed-mode=instrumentation")
    result.assert_outcomes(passed=3, deselected=1)


@pytest.mark.parametrize(
    "option, error",
    [
        ("--codspeed-mode=fast", "*argument --codspeed-mode: invalid choice: 'fast'*"),
        ("--codspeed-max-rounds=many", "*argument --codspeed-max-rounds: invalid int value: 'many'"),
        ("--codspeed-warmup-time=soon", "*argument --codspeed-warmup-time: invalid float value: 'soon'"),
    ],
)
def test_codspeed_option_values_are_checked(pytester, clean_env, option, error):
    pytester.makepyfile(test_mixed=MIXED)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", option)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([error])


def test_benchmark_disable_calls_the_function_once(pytester, clean_env):
    pytester.makepyfile(test_mixed=MIXED)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-s", "--benchmark-disable", "test_mixed.py::test_bench")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*CALLS 1"])
    result.stdout.no_fnmatch_line("*Name (time in *")


def test_benchmark_only_overrides_skip(pytester, clean_env):
    pytester.makepyfile(test_mixed=MIXED)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-rs", "--benchmark-skip", "--benchmark-only", "test_mixed.py::test_plain", "test_mixed.py::test_bench"
    )
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["SKIPPED * Skipping non-benchmark (--benchmark-only active)."])


def test_benchmark_only_with_disable_is_a_usage_error(pytester, clean_env):
    pytester.makepyfile(test_mixed=MIXED)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--benchmark-only", "--benchmark-disable")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: Can't have both --benchmark-only and --benchmark-disable options.*"])
    # --benchmark-enable lifts --benchmark-disable, so the pair is fine again.
    lifted = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--benchmark-only", "--benchmark-disable", "--benchmark-enable", "test_mixed.py::test_bench"
    )
    lifted.assert_outcomes(passed=1)


def test_pytest_benchmark_still_reports(suite):
    """With pytest-benchmark installed its timing table is printed as before."""
    result = suite.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=5)
    table = "*Name (time in *"
    if PROVIDER == "pytest_benchmark":
        result.stdout.fnmatch_lines([table])
    else:
        result.stdout.no_fnmatch_line(table)


def test_fixture_used_twice_is_an_error():
    fixture = BenchmarkFixture("t.py::t", None)
    assert fixture(int, "3") == 3
    with pytest.raises(RuntimeError, match="once per test"):
        fixture(int, "3")


def test_pedantic_teardown_gets_the_target_arguments():
    seen = []
    fixture = BenchmarkFixture("t.py::t", None)
    result = fixture.pedantic(
        lambda a, b: seen.append(("run", a, b)) or a + b,
        args=(2,),
        kwargs={"b": 3},
        teardown=lambda a, b: seen.append(("teardown", a, b)),
        rounds=5,
    )
    assert result == 5
    assert seen == [("run", 2, 3), ("teardown", 2, 3)]


def test_pedantic_outside_the_runner_runs_setup_then_target_once():
    seen = []
    fixture = BenchmarkFixture("t.py::t", None)

    def setup():
        seen.append("setup")
        return (2,), {"b": 3}

    assert fixture.pedantic(lambda a, b: seen.append("run") or a * b, setup=setup, rounds=4) == 6
    assert seen == ["setup", "run"]


@pytest.mark.parametrize(
    "kwargs, error",
    [
        (dict(args=(1,), setup=lambda: None), TypeError),
        (dict(setup=lambda: None, iterations=2), ValueError),
        (dict(rounds=0), ValueError),
        (dict(iterations=0), ValueError),
        (dict(warmup_rounds=-1), ValueError),
    ],
)
def test_pedantic_checks_its_arguments_as_pytest_benchmark_does(kwargs, error):
    with pytest.raises(error):
        BenchmarkFixture("t.py::t", None).pedantic(int, **kwargs)


def test_broken_runner_environment_stops_pytest(suite, monkeypatch, tmp_path):
    # FIFOs the plugin cannot open: running the suite unmeasured would leave
    # the runner with no benchmark and no reason, so pytest stops at once.
    monkeypatch.setenv("MEMTALLY_CTL_FIFO", str(tmp_path / "missing" / "ctl"))
    monkeypatch.setenv("MEMTALLY_ACK_FIFO", str(tmp_path / "missing" / "ack"))
    result = suite.runpytest_subprocess()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        [f"ERROR: memtally: cannot measure under the runner: cannot open the runner's ctl fifo {tmp_path}/missing/ctl: *"]
    )
    result.stdout.no_fnmatch_line("*passed*")
