"""A migrated casework database with one user per role, and a client for its server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from fortress.casework import users
from fortress.casework.db import migrate
from fortress.casework.operations import create_operation
from fortress.casework.users import ROLES, add_user
from fortress.server.app import create_app
from fortress.store.workspace import Workspace
from helpers.casework import PASSWORD, seed_records


@pytest.fixture(autouse=True)
def quick_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id with small costs (the hash records its costs, so sign-in checks it the
    same way): the default costs take a tenth of a second per user, for hundreds of tests."""
    monkeypatch.setattr(users, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024))


@pytest.fixture
def casework(tmp_path: Path, database_url: str | None) -> Iterator[Workspace]:
    """A migrated casework database (SQLite, and PostgreSQL) with one user per role, each
    named after their role, and one record of each kind (see ``seed_records``)."""
    workspace = Workspace.open(tmp_path / "ws", database_url=database_url)
    migrate(workspace.engine)
    with workspace.sessions.begin() as session:
        for role in ROLES:
            agency = "Children's Services" if role == "safeguarding_partner" else None
            add_user(session, role, role, PASSWORD, agency=agency, actor="test")
        create_operation(session, "Week of action", date(2025, 3, 4), date(2025, 3, 10),
                         actor="supervisor")  # fmt: skip
        seed_records(session)
    yield workspace
    workspace.engine.dispose()  # PostgreSQL allows a hundred connections in all


@pytest.fixture
def client(casework: Workspace) -> Iterator[TestClient]:
    with TestClient(create_app(casework.engine), raise_server_exceptions=False) as opened:
        yield opened
