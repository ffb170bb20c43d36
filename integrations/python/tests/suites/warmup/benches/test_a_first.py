"""The first window of the process: its file is collected first."""

import pytest


@pytest.mark.benchmark
def test_empty_first():
    pass
