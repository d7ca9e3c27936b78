"""Shared fixtures of the places tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from fortress.ingest.policeuk import ingest_policeuk
from fortress.store.workspace import Workspace


@pytest.fixture(scope="session")
def hampshire(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    """A workspace holding all 16 street files and the 4 stop-and-search files."""
    workspace = Workspace.open(tmp_path_factory.mktemp("hampshire") / "ws")
    folder = shared_data / "policeuk"
    files = sorted((folder / "hampshire_street").glob("*.csv"))
    files += sorted((folder / "hampshire_stop_and_search").glob("*.csv"))
    for path in files:
        summary = ingest_policeuk(workspace, path)
        assert summary.ok, summary.error
    return workspace
