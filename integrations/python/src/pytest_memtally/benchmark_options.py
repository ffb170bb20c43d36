"""pytest-benchmark's command-line options, and what they select, when pytest-benchmark is not measuring.

Suites written for pytest-benchmark put its options in addopts; without a plugin
that declares them pytest stops with a usage error before running anything. When
pytest-benchmark is not installed, these are declared with the same names,
arities and defaults, so the suite runs unchanged. When it is installed but
unregistered (under the runner) its own declarations stay. Either way the
options that decide what runs keep pytest-benchmark's meaning, read by
Selection; --benchmark-warmup and --benchmark-warmup-iterations set the
warm-up calls (warmup.py); the others tune timing and reports and have no
effect here.
"""

from __future__ import annotations

import pytest

from .warmup import CAP, parse_option

# Options that take a value: name -> metavar. Values stay strings, as nothing
# reads them.
_VALUED = {
    "--benchmark-min-time": "SECONDS",
    "--benchmark-max-time": "SECONDS",
    "--benchmark-min-rounds": "NUM",
    "--benchmark-precision": "FRACTION",
    "--benchmark-confidence": "FRACTION",
    "--benchmark-timer": "FUNC",
    "--benchmark-calibration-precision": "NUM",
    "--benchmark-save": "NAME",
    "--benchmark-json": "PATH",
    "--benchmark-cprofile": "COLUMN",
    "--benchmark-cprofile-loops": "LOOPS",
    "--benchmark-cprofile-top": "COUNT",
    "--benchmark-storage": "URI",
    "--benchmark-sort": "COL",
    "--benchmark-group-by": "LABEL",
    "--benchmark-columns": "LABELS",
    "--benchmark-name": "FORMAT",
    "--benchmark-time-unit": "COLUMN",
}
_FLAGS = (
    "--benchmark-disable-gc",
    "--benchmark-skip",
    "--benchmark-disable",
    "--benchmark-enable",
    "--benchmark-only",
    "--benchmark-autosave",
    "--benchmark-save-data",
    "--benchmark-verbose",
    "--benchmark-quiet",
)
# Options whose value is optional ("--benchmark-warmup" or "--benchmark-warmup=on").
_OPTIONAL = {
    "--benchmark-compare": "NUM|_ID",
    "--benchmark-netrc": "FILE",
    "--benchmark-cprofile-dump": "FILENAME-PREFIX",
    "--benchmark-histogram": "FILENAME-PREFIX",
}
_NOTE = "accepted for pytest-benchmark compatibility; no effect with pytest-memtally"


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("benchmark", "benchmark (pytest-memtally's pytest-benchmark compatible options)")
    for name, metavar in _VALUED.items():
        group.addoption(name, metavar=metavar, help=_NOTE)
    for name in _FLAGS:
        help = _NOTE
        if name == "--benchmark-skip":
            help = "skip tests that are benchmarks"
        elif name == "--benchmark-only":
            help = "skip tests that are not benchmarks; overrides --benchmark-skip"
        elif name == "--benchmark-disable":
            help = "run each benchmark once, unmeasured, also under the memtally runner"
        elif name == "--benchmark-enable":
            help = "override --benchmark-disable"
        group.addoption(name, action="store_true", default=False, help=help)
    for name, metavar in _OPTIONAL.items():
        group.addoption(name, metavar=metavar, nargs="?", const=True, help=_NOTE)
    # The warm-up options keep pytest-benchmark's types and defaults, since
    # they decide how many warm-up calls run (warmup.py). As there, a bare
    # --benchmark-warmup gives no value (None): warm-up stays off.
    group.addoption(
        "--benchmark-warmup",
        metavar="KIND",
        nargs="?",
        default=parse_option("auto"),
        type=parse_option,
        help="'on' (or 'auto' on PyPy): --benchmark-warmup-iterations sets the warm-up calls before each "
        f"measured call, at most {CAP}; 'off' (the default on CPython) leaves them to the runner",
    )
    group.addoption(
        "--benchmark-warmup-iterations",
        metavar="NUM",
        type=int,
        default=100000,
        help=f"warm-up calls before each measured call when --benchmark-warmup is on, at most {CAP}",
    )
    group.addoption("--benchmark-compare-fail", metavar="EXPR", nargs="+", help=_NOTE)


class Selection:
    """Which tests run, and whether benchmarks are measured, as pytest-benchmark decides it.

    - --benchmark-skip skips every benchmark; --benchmark-only skips every other
      test and overrides --benchmark-skip.
    - --benchmark-disable runs each benchmark once, unmeasured, unless
      --benchmark-enable is given too; with --benchmark-only it is a usage error.
    """

    __slots__ = ("skip", "only", "disabled")

    def __init__(self, config: pytest.Config) -> None:
        self.only = bool(config.getoption("benchmark_only", False))
        self.skip = bool(config.getoption("benchmark_skip", False)) and not self.only
        self.disabled = bool(config.getoption("benchmark_disable", False)) and not config.getoption(
            "benchmark_enable", False
        )
        if self.disabled and self.only:
            # pytest-benchmark's own words, so that the same command fails the same way.
            raise pytest.UsageError(
                "Can't have both --benchmark-only and --benchmark-disable options. Note that --benchmark-disable is "
                "automatically activated if xdist is on, or if `statistics` is not available."
            )

    def skip_if_unselected(self, is_benchmark: bool) -> None:
        if is_benchmark and self.skip:
            pytest.skip("Skipping benchmark (--benchmark-skip active).")
        if not is_benchmark and self.only:
            pytest.skip("Skipping non-benchmark (--benchmark-only active).")
