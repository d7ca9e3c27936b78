"""Shared fixtures: a fresh workspace, a CSV writer and the shared real-data folder."""

from __future__ import annotations

import csv
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa
from hypothesis import settings

from fortress.ingest.report import IngestSummary
from fortress.model.columns import EVENT_SCHEMA
from fortress.store.workspace import COMMS, Workspace
from helpers.postgres import OWNER_ROLE, SERVER_ROLE, as_role
from helpers.worlds import World, ingest_world

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT / ".." / "shared" / "data"

settings.register_profile("fortress", deadline=None)
settings.load_profile("fortress")
"""Hypothesis checks what a function returns, never how fast: its default 200 ms deadline
failed runs at random when a first call loaded a country's phone metadata on a busy
machine (timing belongs in benchmarks/, not in tests)."""

HEAVIEST_FIRST = (
    "tests/store/test_cluster.py",
    "tests/cli/test_every_command.py",
    "tests/server/test_access.py",
    "tests/server/test_browser_walk.py",
    "tests/network/test_measures_oracle.py",
    "tests/places/test_places_on_spark.py",
    "tests/comms/test_increments.py",
    "tests/server/test_api_fuzz.py",
    "tests/server/test_audit_sealing.py",
    "tests/maps/test_basemap.py",
    "tests/server/test_maps.py",
    "tests/cli/test_demo.py",
    "tests/server/test_app_pages.py",
    "tests/cli/test_lines_cli.py",
    "tests/comms/test_tallies.py",
)
"""The test files that take longest in CI (measured with ``--durations=0``, summed by
file), longest first: they start first, so that the two workers of ``scripts/test`` (which
hand out whole files as workers free up, in collection order) finish together instead of
one running a long file alone at the end. The two Spark files are kept apart: the cluster
starts at once, the places on Spark once the cluster's worker has moved on."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Collect ``HEAVIEST_FIRST`` first, every other file after them in its own order."""
    rank = {path: k for k, path in enumerate(HEAVIEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))


WriteCsv = Callable[..., Path]
ReadEvents = Callable[[Workspace], pa.Table]


def published_events(workspace: Workspace) -> pa.Table:
    """Every published comms event, file by file in publication order."""
    tables = [pq.read_table(path) for path in workspace.data_files(COMMS)]
    return pa.concat_tables(tables) if tables else EVENT_SCHEMA.empty_table()


@pytest.fixture
def read_events() -> ReadEvents:
    """``read_events(workspace)``: the workspace's comms events as an Arrow table."""
    return published_events


def rejects_of(summary: IngestSummary) -> list[dict[str, str]]:
    """The rows of an ingest's rejects CSV (none when it rejected nothing)."""
    if summary.rejects_file is None:
        return []
    with open(summary.rejects_file, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def read_rejects() -> Callable[[IngestSummary], list[dict[str, str]]]:
    """``read_rejects(summary)``: the rows of the rejects CSV as dictionaries."""
    return rejects_of


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    """An empty workspace in a temporary folder."""
    return Workspace.open(tmp_path / "ws")


@pytest.fixture
def write_csv(tmp_path: Path) -> WriteCsv:
    """Write a CSV file from a header and rows (or raw text/bytes) and return its path.

    ``write_csv("name.csv", header, rows)`` joins fields with ``delimiter``;
    ``write_csv("name.csv", text=...)`` or ``data=b"..."`` writes the content as given.
    """

    def write(
        name: str,
        header: list[str] | None = None,
        rows: list[list[str]] | None = None,
        *,
        text: str | None = None,
        data: bytes | None = None,
        delimiter: str = ",",
        encoding: str = "utf-8",
    ) -> Path:
        path = tmp_path / name
        if data is None:
            if text is None:
                lines = [delimiter.join(header or [])]
                lines += [delimiter.join(row) for row in rows or []]
                text = "\n".join(lines) + "\n"
            data = text.encode(encoding)
        path.write_bytes(data)
        return path

    return write


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared real-data folder; skipped when absent, except in CI where it must exist."""
    if not SHARED_DATA.is_dir():
        message = "shared data folder ../shared/data is absent"
        if os.environ.get("CI"):
            pytest.fail(f"{message} (CI must not skip real-data tests)")
        pytest.skip(message)
    return SHARED_DATA.resolve()


@pytest.fixture(scope="session")
def demo_world(tmp_path_factory: pytest.TempPathFactory) -> World:
    """The demo world of seed 1, simulated and ingested once per test session."""
    return ingest_world(tmp_path_factory.mktemp("demo-world"), seed=1)


POSTGRES_ADMIN_URL = os.environ.get(
    "FORTRESS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _postgres_schema_url() -> Iterator[str]:
    """A PostgreSQL URL as ``OWNER_ROLE``, whose search_path is a fresh schema owned by
    it, dropped afterwards."""
    engine = sa.create_engine(POSTGRES_ADMIN_URL)
    try:
        with engine.connect():
            pass
    except sa.exc.OperationalError as exc:
        message = f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {exc.orig}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    schema = f"fortress_test_{uuid.uuid4().hex[:12]}"
    with engine.begin() as connection:
        for role, rights in ((OWNER_ROLE, "LOGIN CREATEDB"), (SERVER_ROLE, "LOGIN")):
            connection.execute(sa.text(  # test workers may race to make them
                f"DO $$ BEGIN CREATE ROLE {role} {rights}; EXCEPTION WHEN duplicate_object "
                "OR unique_violation THEN NULL; END $$"
            ))  # fmt: skip
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}" AUTHORIZATION {OWNER_ROLE}'))
    try:
        yield as_role(POSTGRES_ADMIN_URL, OWNER_ROLE) + f"?options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """``None`` (the workspace's own SQLite) or a PostgreSQL URL in a private schema."""
    if request.param == "sqlite":
        yield None
    else:
        yield from _postgres_schema_url()
