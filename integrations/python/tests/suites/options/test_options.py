"""Benchmarks of every kind beside a plain test, for the option tests.

Each body prints "BODY <name>", so a test can count how often it ran.
"""

import pytest


def say(name):
    print(f"BODY {name}")


def test_plain():
    say("plain")


def test_fixture(benchmark):
    benchmark(say, "fixture")


def test_pedantic(benchmark):
    benchmark.pedantic(say, args=("pedantic",), teardown=lambda name: print(f"TEARDOWN {name}"), rounds=3)


def test_codspeed_fixture(codspeed_benchmark):
    codspeed_benchmark(say, "codspeed_fixture")


@pytest.mark.benchmark
def test_marked():
    say("marked")


@pytest.mark.codspeed_benchmark
def test_codspeed_marked():
    say("codspeed_marked")
