from textstats import WordIndex, count_words, tokenize, top_words


def test_tokenize_lowers_and_splits():
    assert tokenize("The cat's hat, the HAT!") == ["the", "cat's", "hat", "the", "hat"]


def test_count_words():
    assert count_words("a b a")["a"] == 2


def test_top_words_keeps_first_use_order_on_ties():
    assert top_words("b a b a c", 2) == [("b", 2), ("a", 2)]


def test_word_index():
    index = WordIndex("to be or not to be")
    assert index.positions("TO") == [0, 4]
    assert index.positions("absent") == []
    assert len(index) == 4
