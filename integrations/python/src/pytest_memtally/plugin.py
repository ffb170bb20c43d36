"""The pytest plugin: hooks that find benchmarks and run them in the runner's windows.

- Under the memtally runner (MEMTALLY_CTL_FIFO and MEMTALLY_ACK_FIFO set), each test
  marked @pytest.mark.benchmark (or codspeed_benchmark) runs its body once
  inside a window, and the benchmark fixture runs its function once inside
  one; the window's URI is the test's node id. Before it, the body runs its
  warm-up calls outside any window (warmup.py says how many). pytest-benchmark and
  pytest-codspeed, if installed, are unregistered for the run (their options
  stay valid and keep their meaning), so this plugin's benchmark fixture is the
  only one.
- Outside the runner nothing is measured. pytest-benchmark or pytest-codspeed,
  if installed, keep their fixture and options, as before; if neither is, this
  plugin provides a benchmark fixture that calls the function once, and
  accepts both plugins' options.
"""

from __future__ import annotations

import inspect
import os
import sys
import warnings
from typing import Generator

import pytest

from . import __version__, codspeed_options, fixture
from .benchmark_options import Selection
from .benchmark_options import add_options as add_benchmark_options
from .client import Client
from .errors import CannotMeasure
from .protocol import ENV_ACK_FIFO, ENV_CTL_FIFO
from .state import client_key, client_of, measuring_key, warmup_key, warmup_of
from .warmup import Warmup, WarmupError
from .warmup import from_env as warmup_from_env
from .window import measure

INTEGRATION = "pytest-memtally"
FIXTURE_PLUGIN = "memtally-benchmark-fixture"

_own_fixture_key = pytest.StashKey[bool]()
_own_options_key = pytest.StashKey[bool]()
_own_codspeed_key = pytest.StashKey[bool]()
_selection_key = pytest.StashKey["Selection | None"]()

# Plugins that provide their own benchmark fixture, by top-level module.
_PYTEST_BENCHMARK = "pytest_benchmark"
_PYTEST_CODSPEED = "pytest_codspeed"
_PROVIDERS = (_PYTEST_BENCHMARK, _PYTEST_CODSPEED)


def _under_runner() -> bool:
    return bool(os.environ.get(ENV_CTL_FIFO)) and bool(os.environ.get(ENV_ACK_FIFO))


def _providers(pluginmanager: pytest.PytestPluginManager) -> dict[str, list[object]]:
    found: dict[str, list[object]] = {}
    for plugin in pluginmanager.get_plugins():
        top = getattr(plugin, "__name__", "").split(".")[0]
        if top in _PROVIDERS:
            found.setdefault(top, []).append(plugin)
    return found


def _warn(message: str) -> None:
    # The real stderr: pytest's capture would hide a message about the whole run.
    print(f"memtally: {message}", file=sys.__stderr__, flush=True)


@pytest.hookimpl(wrapper=True)
def pytest_load_initial_conftests(early_config: pytest.Config, parser: pytest.Parser) -> Generator[None, None, None]:
    # By now every plugin from entry points, -p and the initial conftests is
    # registered and has declared its options: which benchmark plugins are
    # here is known, and unregistering one no longer loses its options, so a
    # command line or addopts naming them stays valid.
    result = yield
    pm = early_config.pluginmanager
    providers = _providers(pm)
    if _PYTEST_BENCHMARK not in providers:
        add_benchmark_options(parser)
    if _PYTEST_CODSPEED not in providers:
        codspeed_options.add_options(parser)
    client = None
    if _under_runner():
        try:
            client = Client.from_env(INTEGRATION, __version__, _warn)
        except CannotMeasure as e:
            # pytest reports it and exits with status 4, before any test runs.
            raise pytest.UsageError(f"memtally: cannot measure under the runner: {e}") from e
    if client is not None:
        # Under the runner this plugin measures every benchmark: the others
        # would time them in loops (pytest-benchmark) or try to drive a
        # runner of their own (pytest-codspeed, which reads the compatibility
        # variables the runner sets).
        for plugins in providers.values():
            for plugin in plugins:
                pm.unregister(plugin)
        providers = {}
    early_config.stash[client_key] = client
    early_config.stash[_own_fixture_key] = not providers
    early_config.stash[_own_options_key] = _PYTEST_BENCHMARK not in providers
    early_config.stash[_own_codspeed_key] = _PYTEST_CODSPEED not in providers
    return result


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "benchmark: a memtally benchmark; under the memtally runner the whole test body runs once, measured",
    )
    own_codspeed = config.stash.get(_own_codspeed_key, False)
    if own_codspeed:
        config.addinivalue_line(
            "markers", f"{codspeed_options.MARKER}: a memtally benchmark, as @pytest.mark.benchmark"
        )
    selection = None
    if config.stash.get(_own_options_key, False):
        # Raises pytest-benchmark's usage error for contradictory options.
        selection = Selection(config)
    config.stash[_selection_key] = selection
    if config.stash.get(_own_fixture_key, False) and not config.pluginmanager.has_plugin(FIXTURE_PLUGIN):
        config.pluginmanager.register(fixture, FIXTURE_PLUGIN)
    client = config.stash.get(client_key, None)
    if client is None:
        return
    _single_process(config)
    try:
        runner_calls = warmup_from_env(os.environ)
    except WarmupError as e:
        raise pytest.UsageError(f"memtally: {e}") from e
    # pytest-benchmark declares these options when it is installed, even
    # unregistered; this plugin declares them, alike, when it is not.
    config.stash[warmup_key] = Warmup(
        runner_calls,
        config.getoption("benchmark_warmup", False),
        config.getoption("benchmark_warmup_iterations", None),
    )
    if own_codspeed and (warning := codspeed_options.mode_mismatch(config)):
        _warn(warning)
    # pytest-benchmark runs disabled benchmarks once, unmeasured; --codspeed
    # measures them all the same, as pytest-codspeed does.
    if selection is not None and selection.disabled and not (own_codspeed and codspeed_options.enabled(config)):
        config.stash[measuring_key] = False
        _warn(
            "--benchmark-disable: every benchmark runs once, unmeasured, as with pytest-benchmark; "
            "add --benchmark-enable to measure them"
        )


def _single_process(config: pytest.Config) -> None:
    """Turns pytest-xdist's workers off: the runner serves one process (SPEC.md 2.6).

    xdist has turned -n into a distribution mode and a list of workers by now
    (its pytest_cmdline_main), and starts them in its pytest_configure, which
    runs last: clearing both here keeps every test in this process.
    """
    option = config.option
    if getattr(option, "dist", "no") == "no" and not getattr(option, "tx", None):
        return
    option.dist = "no"
    option.tx = []
    option.numprocesses = 0
    _warn("running every test in this process: the runner measures one pytest process, so pytest-xdist's -n is ignored")


def pytest_unconfigure(config: pytest.Config) -> None:
    client = config.stash.get(client_key, None)
    if client is not None:
        client.close()


_FIXTURES = ("benchmark", codspeed_options.FIXTURE)
_MARKERS = ("benchmark", codspeed_options.MARKER)


def _uses_fixture(item: pytest.Item) -> bool:
    names = getattr(item, "fixturenames", ())
    return any(f in names for f in _FIXTURES)


def _is_marked(item: pytest.Item) -> bool:
    return any(item.get_closest_marker(m) is not None for m in _MARKERS)


def _is_benchmark(item: pytest.Item) -> bool:
    return _uses_fixture(item) or _is_marked(item)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.stash.get(_own_codspeed_key, False) and codspeed_options.enabled(config):
        codspeed_options.deselect_others(config, items, _is_benchmark)


def pytest_runtest_setup(item: pytest.Item) -> None:
    selection = item.config.stash.get(_selection_key, None)
    if selection is not None:
        selection.skip_if_unselected(_is_benchmark(item))


def _positional(func: object, argnames: tuple[str, ...]) -> bool:
    """True when func takes argnames, in order, as its leading positional parameters."""
    try:
        params = list(inspect.signature(func, follow_wrapped=False).parameters.values())
    except (TypeError, ValueError):
        return False
    if len(params) < len(argnames):
        return False
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return all(p.name == name and p.kind in positional for p, name in zip(params, argnames))


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> object:
    """Runs a marked test's body inside the window; other tests go to pytest."""
    client = client_of(pyfuncitem.config)
    if client is None or client.closed:
        return None
    if _uses_fixture(pyfuncitem) or not _is_marked(pyfuncitem):
        return None
    func = pyfuncitem.obj
    if inspect.iscoroutinefunction(func) or inspect.isasyncgenfunction(func):
        return None
    funcargs = pyfuncitem.funcargs
    argnames = tuple(pyfuncitem._fixtureinfo.argnames)
    warmup = warmup_of(pyfuncitem.config).calls
    if _positional(func, argnames):
        result = measure(client, pyfuncitem.nodeid, func, tuple(funcargs[a] for a in argnames), None, warmup)
    else:
        kwargs = {a: funcargs[a] for a in argnames}
        result = measure(client, pyfuncitem.nodeid, func, (), kwargs, warmup)
    if result is not None:
        warnings.warn(
            pytest.PytestReturnNotNoneWarning(
                f"Test functions should return None, but {pyfuncitem.nodeid} returned {type(result)!r}."
            )
        )
    return True
