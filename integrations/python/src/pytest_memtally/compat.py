"""pytest-benchmark's command-line options, for suites that keep them without it.

Suites written for pytest-benchmark put its options in addopts; without a plugin
that declares them pytest stops with a usage error before running anything. When
pytest-benchmark is not there, these are declared with the same names, arities
and defaults, so the suite runs unchanged. --benchmark-skip and --benchmark-only
keep their meaning; the others tune timing and reports and have no effect here.
"""

from __future__ import annotations

import pytest

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
    "--benchmark-warmup-iterations": "NUM",
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
    "--benchmark-warmup": "KIND",
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
            help = "skip tests that are not benchmarks"
        group.addoption(name, action="store_true", default=False, help=help)
    for name, metavar in _OPTIONAL.items():
        group.addoption(name, metavar=metavar, nargs="?", const=True, help=_NOTE)
    group.addoption("--benchmark-compare-fail", metavar="EXPR", nargs="+", help=_NOTE)


def skip_by_options(item: pytest.Item, is_benchmark: bool) -> None:
    config = item.config
    if is_benchmark and config.getoption("benchmark_skip"):
        pytest.skip("Skipping benchmark (--benchmark-skip active).")
    if not is_benchmark and config.getoption("benchmark_only"):
        pytest.skip("Skipping non-benchmark (--benchmark-only active).")
