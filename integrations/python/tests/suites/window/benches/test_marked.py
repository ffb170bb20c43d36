import pytest

pytestmark = pytest.mark.benchmark()


def test_module_marked(trace):
    trace("body")


@pytest.mark.parametrize("size", [1, 2, 3])
def test_parametrized(trace, size):
    trace("body")


@pytest.mark.parametrize("kind", ["a"])
@pytest.mark.parametrize("size", [10])
def test_two_levels(trace, size, kind):
    trace("body")


class TestGroup:
    def test_method(self, trace):
        trace("body")


def test_with_setup(big_setup, trace):
    trace("body")


def test_keyword_only(*, trace):
    trace("body")
