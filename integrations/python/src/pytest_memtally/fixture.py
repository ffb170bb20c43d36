"""The benchmark fixture, call-compatible with pytest-benchmark's and pytest-codspeed's.

It is registered as `benchmark`, and as `codspeed_benchmark`, pytest-codspeed's
own name for it.

Under the runner each use runs the function's warm-up calls (see warmup.py),
then runs it exactly once inside a window named after the test's node id, with
pedantic()'s setup and teardown outside the window for every call. Outside the
runner it simply calls the function once, as pytest-benchmark does with
--benchmark-disable.
"""

from __future__ import annotations

from typing import Any, Callable

import pytest

from .client import Client
from .state import client_of, warmup_of
from .warmup import DEFAULT, Warmup
from .window import measure


class BenchmarkFixture:
    """What the benchmark fixture returns."""

    def __init__(self, uri: str, client: Client | None, warmup: Warmup | None = None) -> None:
        self.uri = uri
        self._client = client
        self._warmup = warmup
        self._used = False

    @property
    def enabled(self) -> bool:
        """True when calls are measured by the runner."""
        return self._client is not None and not self._client.closed

    def _warmup_calls(self, warmup_rounds: int = 0) -> int:
        if not self.enabled:
            return 0
        # A client with no session count is one made by hand: the runner's default.
        warmup = self._warmup or Warmup(DEFAULT)
        return warmup.for_pedantic(warmup_rounds)

    def _claim(self) -> None:
        if self._used:
            raise RuntimeError(
                f"{self.uri}: the benchmark fixture can only be used once per test; "
                "each benchmark is one measured run"
            )
        self._used = True

    def __call__(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        self._claim()
        warmup = self._warmup_calls()
        return self._run(fn, args, kwargs, warmup, 0)

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
        """Runs target's warm-up calls, then once measured; rounds and iterations are checked, then ignored.

        In memory mode a benchmark's window holds exactly one call, so
        repetitions would only add work outside it. warmup_rounds > 0 sets the
        number of warm-up calls (see warmup.py). Around every call, warm-up or
        measured, setup() runs first and may return (args, kwargs) for target,
        and teardown(*args, **kwargs) runs after it, as pytest-benchmark and
        pytest-codspeed call them; both stay outside the window.
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
        warmup = self._warmup_calls(warmup_rounds)
        for _ in range(warmup):
            call_args, call_kwargs = _prepare(setup, args, kwargs)
            target(*call_args, **(call_kwargs or {}))
            if teardown is not None:
                teardown(*call_args, **(call_kwargs or {}))
        args, kwargs = _prepare(setup, args, kwargs)
        result = self._run(target, args, kwargs, warmup, warmup)
        if teardown is not None:
            teardown(*args, **(kwargs or {}))
        return result

    def _run(self, fn: Callable[..., Any], args: tuple, kwargs: dict | None, warmup: int, warmed: int) -> Any:
        if not self.enabled:
            return fn(*args, **(kwargs or {}))
        return measure(self._client, self.uri, fn, args, kwargs, warmup, warmed)


def _prepare(setup: Callable[[], Any] | None, args: tuple, kwargs: dict | None) -> tuple[tuple, dict | None]:
    """The arguments of one call: setup()'s when it returns them, else the given ones."""
    if setup is not None:
        prepared = setup()
        if prepared is not None:
            args, kwargs = prepared
    return tuple(args), kwargs


@pytest.fixture
def codspeed_benchmark(request: pytest.FixtureRequest) -> BenchmarkFixture:
    client = client_of(request.config)
    return BenchmarkFixture(request.node.nodeid, client, warmup_of(request.config) if client is not None else None)


@pytest.fixture
def benchmark(codspeed_benchmark: BenchmarkFixture) -> BenchmarkFixture:
    # One fixture under both names, as pytest-codspeed has it: a test that
    # asks for both still measures once.
    return codspeed_benchmark
