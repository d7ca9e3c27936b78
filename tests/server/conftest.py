"""A migrated casework database with one user per role, and a client for its server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from fortress.casework import users
from fortress.casework.db import migrate
from fortress.server.app import create_app
from fortress.store.workspace import Workspace
from helpers.casework import QUICK_HASHER, seed_casework


@pytest.fixture(autouse=True)
def quick_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap password hashes (``QUICK_HASHER``)."""
    monkeypatch.setattr(users, "_HASHER", QUICK_HASHER)


@pytest.fixture
def casework(tmp_path: Path, database_url: str | None) -> Iterator[Workspace]:
    """A migrated casework database (SQLite, and PostgreSQL) with one user per role, each
    named after their role, and one record of each kind (see ``seed_records``)."""
    workspace = Workspace.open(tmp_path / "ws", database_url=database_url)
    migrate(workspace.engine)
    with workspace.sessions.begin() as session:
        seed_casework(session)
    yield workspace
    workspace.engine.dispose()  # PostgreSQL allows a hundred connections in all


@pytest.fixture
def client(casework: Workspace) -> Iterator[TestClient]:
    with TestClient(create_app(casework.engine), raise_server_exceptions=False) as opened:
        yield opened
