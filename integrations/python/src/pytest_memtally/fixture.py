"""The benchmark fixture, call-compatible with pytest-benchmark's and pytest-codspeed's.

It is registered as `benchmark`, and as `codspeed_benchmark`, pytest-codspeed's
own name for it.

Under the runner each use runs the function exactly once inside a window named
after the test's node id, with pedantic()'s setup outside the window. Outside
the runner it simply calls the function once, as pytest-benchmark does with
--benchmark-disable.
"""

from __future__ import annotations

from typing import Any, Callable

import pytest

from .client import Client
from .state import client_of
from .window import measure


class BenchmarkFixture:
    """What the benchmark fixture returns."""

    def __init__(self, uri: str, client: Client | None) -> None:
        self.uri = uri
        self._client = client
        self._used = False

    @property
    def enabled(self) -> bool:
        """True when calls are measured by the runner."""
        return self._client is not None and not self._client.closed

    def _claim(self) -> None:
        if self._used:
            raise RuntimeError(
                f"{self.uri}: the benchmark fixture can only be used once per test; "
                "each benchmark is one measured run"
            )
        self._used = True

    def __call__(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        self._claim()
        return self._run(fn, args, kwargs)

    def pedantic(
        self,
        target: Callable[..., Any],
        args: tuple = (),
        kwargs: dict | None = None,
        setup: Callable[[], Any] | None = None,
        teardown: Callable[..., Any] | None = None,
        rounds: int = 1,
        warmup_rounds: int = 0,
        iterations: int = 1,
    ) -> Any:
        """Runs target once; rounds, iterations and warm-up are checked, then ignored.

        In memory mode a benchmark runs exactly once, so repetitions would only
        add work outside the window. setup() runs before the window and may
        return (args, kwargs) for target; teardown(*args, **kwargs) runs after
        it, as pytest-benchmark and pytest-codspeed call it.
        """
        if setup is not None and (args or kwargs):
            raise TypeError("Can't use `args` or `kwargs` if `setup` is used.")
        if setup is not None and iterations != 1:
            raise ValueError("Can't use more than 1 `iterations` with a `setup` function.")
        if rounds < 1:
            raise ValueError(f"Invalid rounds: {rounds}; must be at least 1.")
        if iterations < 1:
            raise ValueError(f"Invalid iterations: {iterations}; must be at least 1.")
        if warmup_rounds < 0:
            raise ValueError(f"Invalid warmup_rounds: {warmup_rounds}; must be at least 0.")
        self._claim()
        if setup is not None:
            prepared = setup()
            if prepared is not None:
                args, kwargs = prepared
        args = tuple(args)
        result = self._run(target, args, kwargs)
        if teardown is not None:
            teardown(*args, **(kwargs or {}))
        return result

    def _run(self, fn: Callable[..., Any], args: tuple, kwargs: dict | None) -> Any:
        if not self.enabled:
            return fn(*args, **(kwargs or {}))
        return measure(self._client, self.uri, fn, args, kwargs)


@pytest.fixture
def codspeed_benchmark(request: pytest.FixtureRequest) -> BenchmarkFixture:
    return BenchmarkFixture(request.node.nodeid, client_of(request.config))


@pytest.fixture
def benchmark(codspeed_benchmark: BenchmarkFixture) -> BenchmarkFixture:
    # One fixture under both names, as pytest-codspeed has it: a test that
    # asks for both still measures once.
    return codspeed_benchmark
