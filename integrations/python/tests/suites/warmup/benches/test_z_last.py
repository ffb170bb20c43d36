"""The last window of the process: its file is collected last."""

import pytest


@pytest.mark.benchmark
def test_empty_last():
    pass
