"""Bodies of the kinds real suites have, for runs that must give the same numbers twice."""

import dataclasses
import json
import re

import pytest

DOCUMENT = {"name": "memtally", "tags": ["memory", "benchmark"], "sizes": list(range(50))}
WORDS = "the quick brown fox jumps over the lazy dog and the dog sleeps".split()


@dataclasses.dataclass
class Point:
    x: int
    y: int


def test_json_round_trip(benchmark):
    benchmark(lambda: json.loads(json.dumps(DOCUMENT)))


def test_word_counts(benchmark):
    def count():
        counts = {}
        for word in WORDS * 20:
            counts[word] = counts.get(word, 0) + 1
        return counts

    benchmark(count)


def test_string_set(benchmark):
    # Iteration order of a set of str depends on the hash seed.
    benchmark(lambda: "-".join(sorted({w.upper() for w in WORDS})) + "".join({w for w in WORDS}))


@pytest.mark.benchmark
def test_dataclasses():
    [Point(i, i * 2) for i in range(200)]


@pytest.mark.benchmark
@pytest.mark.parametrize("pattern", [r"\w+", r"(\w)(\w*)"])
def test_regex(pattern):
    re.findall(pattern, " ".join(WORDS))


@pytest.mark.benchmark
@pytest.mark.parametrize("name", ["n" * 300], ids=["n" * 300])
def test_empty_long_uri(name):
    # A start frame longer than 256 bytes: the window must still open clean.
    pass
