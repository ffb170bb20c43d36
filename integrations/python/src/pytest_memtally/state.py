"""What the plugin keeps on pytest's config, for the plugin and the fixture alike.

Both read the client from here, so that imports go one way: plugin imports
fixture, and neither imports the other back.
"""

from __future__ import annotations

import pytest

from .client import Client
from .warmup import Warmup

# The session with the runner, closed when pytest unconfigures.
client_key = pytest.StashKey["Client | None"]()
# False when the suite's own options turn measurement off (--benchmark-disable):
# the session stays open, so the runner hears why no window comes.
measuring_key = pytest.StashKey[bool]()
# How many warm-up calls precede each measured call, decided once per session
# by the plugin when it connects to the runner.
warmup_key = pytest.StashKey[Warmup]()


def client_of(config: pytest.Config) -> Client | None:
    """The client that opens windows, or None when nothing is measured."""
    if not config.stash.get(measuring_key, True):
        return None
    return config.stash.get(client_key, None)


def warmup_of(config: pytest.Config) -> Warmup:
    """The session's warm-up count; only a session with a client has one."""
    return config.stash[warmup_key]
