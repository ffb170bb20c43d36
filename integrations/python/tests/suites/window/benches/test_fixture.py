import pytest


def test_call(benchmark, trace):
    benchmark(trace, "body")


def test_call_kwargs(benchmark, trace):
    benchmark(trace, event="body")


def test_pedantic(benchmark, trace):
    def setup():
        trace("setup")
        return ("body",), {}

    def teardown(event):
        trace("teardown")

    benchmark.pedantic(trace, setup=setup, teardown=teardown, rounds=10, warmup_rounds=2)


@pytest.mark.parametrize("name", ["x", "y"])
def test_parametrized(benchmark, trace, name):
    benchmark(trace, "body")


def test_returns_value(benchmark, trace):
    assert benchmark(lambda a, b: trace("body") or a * b, 6, 7) == 42


@pytest.mark.benchmark
def test_marked_too(benchmark, trace):
    # With the fixture, only the function it calls is the benchmark.
    trace("outside")
    benchmark(trace, "body")
    trace("outside")


class TestGroup:
    def test_method(self, benchmark, trace):
        benchmark(trace, "body")
