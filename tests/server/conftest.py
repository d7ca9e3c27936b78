"""A migrated casework database with one user per role, and a client for its server."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from fortress.casework import users
from fortress.casework.db import grant_server_role, migrate
from fortress.comms.lines import run_detection
from fortress.server.app import create_app
from fortress.store.workspace import Workspace
from helpers.casework import QUICK_HASHER, Board, seed_casework
from helpers.postgres import SERVER_ROLE, as_role
from helpers.worlds import ingest_world


@pytest.fixture(autouse=True)
def quick_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap password hashes (``QUICK_HASHER``)."""
    monkeypatch.setattr(users, "_HASHER", QUICK_HASHER)


@pytest.fixture(scope="session")
def seeded_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite workspace migrated and seeded once per worker, copied for each test that
    asks for one (migrating and seeding per test cost most of the access tests' time)."""
    root = tmp_path_factory.mktemp("seeded") / "ws"
    workspace = Workspace.open(root)
    migrate(workspace.engine)
    hasher, users._HASHER = users._HASHER, QUICK_HASHER  # as every test's users have
    try:
        with workspace.sessions.begin() as session:
            seed_casework(session)
    finally:
        users._HASHER = hasher
    workspace.engine.dispose()
    return root


@pytest.fixture
def casework(tmp_path: Path, database_url: str | None, seeded_sqlite: Path) -> Iterator[Workspace]:
    """A migrated casework database (SQLite, and PostgreSQL) with one user per role, each
    named after their role, and one record of each kind (see ``seed_records``)."""
    if database_url is None:
        shutil.copytree(seeded_sqlite, tmp_path / "ws")
        workspace = Workspace.open(tmp_path / "ws")
    else:
        workspace = Workspace.open(tmp_path / "ws", database_url=database_url)
        migrate(workspace.engine)
        with workspace.sessions.begin() as session:
            seed_casework(session)
    yield workspace
    workspace.engine.dispose()  # PostgreSQL allows a hundred connections in all


@pytest.fixture
def client(casework: Workspace) -> Iterator[TestClient]:
    """A client of the server over ``casework``: on PostgreSQL the server connects as
    ``SERVER_ROLE``, given its rights as a deployment gives them, so every request is
    bound by row-level security."""
    if casework.engine.dialect.name != "postgresql":
        with TestClient(create_app(casework.engine), raise_server_exceptions=False) as opened:
            yield opened
        return
    grant_server_role(casework.engine, SERVER_ROLE)
    served = Workspace.open(casework.root, create=False, database_url=as_role(
        casework.engine.url.render_as_string(hide_password=False), SERVER_ROLE))  # fmt: skip
    try:
        with TestClient(create_app(served.engine), raise_server_exceptions=False) as opened:
            yield opened
    finally:
        served.engine.dispose()


@pytest.fixture(scope="module")
def detected(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Board]:
    """A demo world ingested and detected, whose workspace also holds the casework."""
    world = ingest_world(tmp_path_factory.mktemp("board"), 7)
    run_detection(world.workspace)
    migrate(world.workspace.engine)
    with world.workspace.sessions.begin() as session:
        seed_casework(session)
    app = create_app(world.workspace.engine, comms=world.workspace)
    with TestClient(app, raise_server_exceptions=False) as opened:
        yield Board(opened, world.workspace)
