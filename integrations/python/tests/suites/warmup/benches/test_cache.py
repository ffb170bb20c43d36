"""Bodies that allocate only on their first call: each fills a module-level cache.

Each benchmark has a cache of its own, so that one benchmark's warm-up calls
do not warm another.
"""

import pytest

_CACHES = {}


def table(name):
    cached = _CACHES.get(name)
    if cached is None:
        cached = _CACHES[name] = {str(i): i for i in range(1000)}
    return cached


def test_fixture(benchmark):
    benchmark(table, "fixture")


def test_pedantic(benchmark):
    def setup():
        return ("pedantic",), {}

    benchmark.pedantic(table, setup=setup, rounds=5)


def test_pedantic_own_warmup(benchmark):
    benchmark.pedantic(table, args=("pedantic_own_warmup",), warmup_rounds=3)


@pytest.mark.benchmark
def test_marked():
    table("marked")
