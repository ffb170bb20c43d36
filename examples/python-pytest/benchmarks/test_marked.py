"""Benchmarks marked at module level: each test's whole body is measured."""

import pytest

from textstats import WordIndex, count_words, tokenize

pytestmark = pytest.mark.benchmark()


def test_tokenize(corpus):
    tokenize(corpus)


def test_count_words(corpus):
    count_words(corpus)


class TestWordIndex:
    def test_build(self, corpus):
        WordIndex(corpus)
