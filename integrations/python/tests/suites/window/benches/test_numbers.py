"""Benchmarks with known memory behaviour, for the runner's numbers."""

import pytest

KEPT = []


@pytest.mark.benchmark
def test_empty():
    pass


def test_empty_fixture(benchmark):
    benchmark(int)


@pytest.mark.benchmark
def test_small_objects():
    [object() for _ in range(10_000)]


@pytest.mark.benchmark
def test_bytearray():
    bytearray(10**6)


@pytest.mark.benchmark
def test_leak():
    KEPT.append(bytearray(10**6))


@pytest.fixture
def large_setup():
    return bytearray(32 << 20)


def test_setup_allocation_outside(benchmark, large_setup):
    benchmark.pedantic(len, setup=lambda: ((bytearray(16 << 20),), {}))


@pytest.mark.benchmark
def test_fixture_allocation_outside(large_setup):
    pass
