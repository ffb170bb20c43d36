"""Benchmarks that use the benchmark fixture: only the function it calls is measured."""

import pytest

from textstats import WordIndex, top_words


@pytest.mark.parametrize("n", [1, 10, 100])
def test_top_words(benchmark, corpus, n):
    result = benchmark(top_words, corpus, n)
    assert len(result) == min(n, 8)


def test_lookup(benchmark, corpus):
    # The index is built by setup, outside the window; only the look-up is measured.
    positions = benchmark.pedantic(
        lambda index: index.positions("heap"),
        setup=lambda: ((WordIndex(corpus),), {}),
        rounds=5,
    )
    assert positions
