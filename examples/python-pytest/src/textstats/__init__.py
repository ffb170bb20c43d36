"""textstats: word statistics of plain text."""

from .stats import WordIndex, count_words, tokenize, top_words

__all__ = ["WordIndex", "count_words", "tokenize", "top_words"]
