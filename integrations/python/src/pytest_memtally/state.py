"""What the plugin keeps on pytest's config, for the plugin and the fixture alike.

Both read the client from here, so that imports go one way: plugin imports
fixture, and neither imports the other back.
"""

from __future__ import annotations

import pytest

from .client import Client

client_key = pytest.StashKey["Client | None"]()


def client_of(config: pytest.Config) -> Client | None:
    return config.stash.get(client_key, None)
