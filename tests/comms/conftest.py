"""Workspaces holding simulated worlds, shared by the deal-line tests of one session."""

from __future__ import annotations

import pytest
from worlds import World, ingest_world


@pytest.fixture(scope="session")
def demo_world(tmp_path_factory: pytest.TempPathFactory) -> World:
    """The demo world of seed 1."""
    return ingest_world(tmp_path_factory.mktemp("demo-world"), seed=1)
