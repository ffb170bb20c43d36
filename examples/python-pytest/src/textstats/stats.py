from __future__ import annotations

import re
from collections import Counter

_WORD = re.compile(r"[a-z0-9']+")


def tokenize(text: str) -> list[str]:
    """Lower-cased words of text, in order."""
    return _WORD.findall(text.lower())


def count_words(text: str) -> Counter:
    """How often each word occurs in text."""
    return Counter(tokenize(text))


def top_words(text: str, n: int) -> list[tuple[str, int]]:
    """The n most frequent words, most frequent first; ties in order of first use."""
    return count_words(text).most_common(n)


class WordIndex:
    """Positions of every word of a text, for quick look-ups."""

    def __init__(self, text: str) -> None:
        self._positions: dict[str, list[int]] = {}
        for i, word in enumerate(tokenize(text)):
            self._positions.setdefault(word, []).append(i)

    def positions(self, word: str) -> list[int]:
        return self._positions.get(word.lower(), [])

    def __len__(self) -> int:
        return len(self._positions)
