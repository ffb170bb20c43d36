"""pytest-codspeed's command-line options and markers, and what they mean when pytest-codspeed is not measuring.

Suites written for CodSpeed run as `pytest --codspeed`, often with
`--codspeed-mode` or the walltime limits, and mark tests with
`codspeed_benchmark`. When pytest-codspeed is not installed these are declared
with its names, arities and types, so such a command runs unchanged and a bad
value fails as it would with pytest-codspeed. When it is installed but
unregistered (under the runner) its own declarations stay, and this module
reads them.

Under memtally:
- --codspeed runs the benchmarks only, deselecting every other test, as
  pytest-codspeed does; memtally measures each once in memory mode.
- --codspeed-mode: memtally's runner measures memory whatever is asked; any
  other mode is accepted, with a warning under the runner that the measurement
  is memory.
- --codspeed-warmup-time, --codspeed-max-time and --codspeed-max-rounds limit
  walltime repetitions; in memory mode a window holds exactly one call, and
  the warm-up calls before it are counted, not timed (warmup.py), so they
  have no effect.
"""

from __future__ import annotations

import pytest

MARKER = "codspeed_benchmark"
FIXTURE = "codspeed_benchmark"
MEMORY = "memory"
# pytest-codspeed's modes, old and new: "instrumentation" is the name that
# versions before 4 gave simulation, and that suites may still pass.
MODES = ("simulation", "instrumentation", MEMORY, "walltime")

_WALLTIME_ONLY = "walltime mode only: no effect with pytest-memtally, which measures one call after counted warm-up calls"


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("CodSpeed benchmarking")
    group.addoption(
        "--codspeed",
        action="store_true",
        default=False,
        help="run only the benchmarks, deselecting the other tests (pytest-memtally measures them under its runner)",
    )
    group.addoption(
        "--codspeed-mode",
        action="store",
        choices=MODES,
        help="accepted for pytest-codspeed compatibility; the memtally runner always measures memory",
    )
    group.addoption("--codspeed-warmup-time", action="store", type=float, help=_WALLTIME_ONLY)
    group.addoption("--codspeed-max-time", action="store", type=float, help=_WALLTIME_ONLY)
    group.addoption("--codspeed-max-rounds", action="store", type=int, help=_WALLTIME_ONLY)


def enabled(config: pytest.Config) -> bool:
    return bool(config.getoption("codspeed", False))


def mode_mismatch(config: pytest.Config) -> str | None:
    """A warning when --codspeed-mode asks for a measurement other than memory."""
    mode = config.getoption("codspeed_mode", None)
    if mode is None or mode == MEMORY:
        return None
    return f"--codspeed-mode={mode} is ignored: the memtally runner measures memory (allocations, bytes, peak heap)"


def deselect_others(config: pytest.Config, items: list[pytest.Item], is_benchmark) -> None:
    """Keeps only the benchmarks, as pytest-codspeed does when --codspeed is on."""
    selected, deselected = [], []
    for item in items:
        (selected if is_benchmark(item) else deselected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected
