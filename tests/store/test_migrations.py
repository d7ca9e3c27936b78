"""The workspace's record tables under Alembic: a release-1 workspace is upgraded in place
with its findings kept, a newer one is refused, and the revisions match the models.

``fixtures/release1-records.db`` is the record database of a workspace that release 1
itself made (``fixtures/make_release1_workspace.py`` says how); ``fixtures/release1_models.py``
is release 1's models, frozen, which built every release-1 workspace with ``create_all``.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from fortress.casework.db import migrate as migrate_casework
from fortress.comms.judgements import link_judgements
from fortress.comms.lines import list_lines
from fortress.places.campaigns import saved_areas
from fortress.store import schema
from fortress.store.models import Base
from fortress.store.workspace import Workspace, WorkspaceError

FIXTURES = Path(__file__).parent / "fixtures"
RELEASE1_DB = FIXTURES / "release1-records.db"


def _release1_models() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "release1_models", FIXTURES / "release1_models.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its annotations are resolved through it
    spec.loader.exec_module(module)
    return module


RELEASE1 = _release1_models().Base.metadata


def _rows(engine: sa.Engine, metadata: sa.MetaData) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table in ``metadata``, in primary-key order."""
    found = {}
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            query = sa.select(*table.columns).order_by(*table.primary_key.columns)
            found[table.name] = [tuple(row) for row in connection.execute(query)]
    return found


def _context(connection: sa.Connection) -> MigrationContext:
    """A context that knows the workspace's version table is Alembic's own."""
    return MigrationContext.configure(connection, opts={"version_table": schema.VERSION_TABLE})


def _release1_workspace(root: Path, database_url: str | None) -> dict[str, list[tuple[Any, ...]]]:
    """Make ``root`` a release-1 workspace and return its rows: the fixture file itself
    on SQLite; on PostgreSQL, release 1's ``create_all`` and the fixture's rows copied in."""
    (root / "events").mkdir(parents=True)
    source = sa.create_engine(f"sqlite:///{RELEASE1_DB}")
    rows = _rows(source, RELEASE1)
    source.dispose()
    if database_url is None:
        shutil.copy(RELEASE1_DB, root / "records.db")
        return rows
    target = sa.create_engine(database_url)
    RELEASE1.create_all(target)
    with target.begin() as connection:
        for table in RELEASE1.sorted_tables:
            if rows[table.name]:
                names = [column.name for column in table.columns]
                connection.execute(
                    table.insert(), [dict(zip(names, r, strict=True)) for r in rows[table.name]]
                )
    target.dispose()
    return rows


def test_the_fixture_is_a_release1_workspace() -> None:
    engine = sa.create_engine(f"sqlite:///{RELEASE1_DB}")
    with engine.connect() as connection:
        info = dict(connection.execute(sa.text("SELECT key, value FROM workspace_info")).all())
        assert info["schema_version"] == "1"
        assert not sa.inspect(connection).has_table(schema.VERSION_TABLE)
        counts = {t: len(r) for t, r in _rows(engine, RELEASE1).items()}
    engine.dispose()
    assert counts["line_runs"] == 1 and counts["deal_lines"] == 2
    assert counts["link_judgements"] == 2 and counts["campaign_areas"] == 1
    assert counts["ingest_batches"] == 3 and counts["line_numbers"] > 2


def test_a_release1_workspace_is_upgraded_in_place_keeping_its_findings(
    tmp_path: Path, database_url: str | None
) -> None:
    root = tmp_path / "ws"
    before = _release1_workspace(root, database_url)
    workspace = Workspace.open(root, database_url=database_url, create=False)
    with workspace.engine.connect() as connection:
        assert schema.state(connection).revision == schema.head_revision()
    assert workspace.info("schema_version") == schema.SCHEMA_VERSION  # release 1 refuses it
    before["workspace_info"] = [
        (key, schema.SCHEMA_VERSION if key == "schema_version" else value)
        for key, value in before["workspace_info"]
    ]
    assert _rows(workspace.engine, RELEASE1) == before  # every column of every row kept
    # the services read them as before (the row check above is the exact one)
    assert len(list_lines(workspace)) == 2
    assert set(link_judgements(workspace).values()) == {"confirmed", "rejected"}
    assert len(saved_areas(workspace)) == 1
    with workspace.sessions() as session:
        reasons = session.scalars(sa.text("SELECT reject_reasons FROM ingest_batches")).all()
    assert reasons == ["{}", "{}", "{}"]  # ingested before reasons were kept
    again = Workspace.open(root, database_url=database_url, create=False)
    assert _rows(again.engine, RELEASE1) == before
    workspace.engine.dispose()
    again.engine.dispose()


def test_a_workspace_newer_than_this_fortress_is_refused(
    tmp_path: Path, database_url: str | None
) -> None:
    workspace = Workspace.open(tmp_path / "ws", database_url=database_url)
    with workspace.engine.begin() as connection:
        connection.execute(sa.text(f"UPDATE {schema.VERSION_TABLE} SET version_num = 'ws9999'"))
    workspace.engine.dispose()
    with pytest.raises(WorkspaceError, match="revision ws9999, which this Fortress does not"):
        Workspace.open(tmp_path / "ws", database_url=database_url)


def test_the_baseline_is_release1s_schema(tmp_path: Path, database_url: str | None) -> None:
    engine = sa.create_engine(database_url or f"sqlite:///{tmp_path / 'records.db'}")
    config = schema._config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "ws0001")
    with engine.connect() as connection:
        assert compare_metadata(_context(connection), RELEASE1) == []
    engine.dispose()


def test_the_revisions_make_what_the_models_say(tmp_path: Path, database_url: str | None) -> None:
    workspace = Workspace.open(tmp_path / "ws", database_url=database_url)
    with workspace.engine.connect() as connection:
        differences = compare_metadata(_context(connection), Base.metadata)
    workspace.engine.dispose()
    assert differences == [], "a model changed without a revision in store/migrations"


def test_the_casework_and_workspace_migrations_keep_apart(
    tmp_path: Path, database_url: str | None
) -> None:
    workspace = Workspace.open(tmp_path / "ws", database_url=database_url)
    migrate_casework(workspace.engine)
    workspace.engine.dispose()
    again = Workspace.open(tmp_path / "ws", database_url=database_url, create=False)
    with again.engine.connect() as connection:
        versions = {
            name: connection.scalar(sa.text(f"SELECT version_num FROM {name}"))
            for name in (schema.VERSION_TABLE, "casework_alembic_version")
        }
    again.engine.dispose()
    assert versions[schema.VERSION_TABLE] == schema.head_revision()
    assert versions["casework_alembic_version"] is not None


def test_a_table_older_than_release1_is_refused_and_left_alone(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    engine = sa.create_engine(f"sqlite:///{root / 'records.db'}")
    RELEASE1.create_all(engine)
    with engine.begin() as connection:
        connection.execute(sa.text("ALTER TABLE deal_lines DROP COLUMN people"))
        connection.execute(sa.text("INSERT INTO workspace_info VALUES ('schema_version', '1')"))
    with pytest.raises(WorkspaceError, match="deal_lines lacks the columns people"):
        Workspace.open(root, create=False)
    with engine.connect() as connection:
        assert not sa.inspect(connection).has_table(schema.VERSION_TABLE)
        assert connection.scalar(sa.text("SELECT value FROM workspace_info")) == "1"
    engine.dispose()


OPEN = (
    "import sys; from pathlib import Path; from fortress.store.workspace import Workspace; "
    "Workspace.open(Path(sys.argv[1]), database_url=sys.argv[2] or None)"
)


def test_processes_opening_a_new_workspace_at_once_migrate_it_once(
    tmp_path: Path, database_url: str | None
) -> None:
    root = tmp_path / "ws"
    openers = [
        subprocess.Popen(
            [sys.executable, "-c", OPEN, str(root), database_url or ""], stderr=subprocess.PIPE
        )
        for _ in range(4)
    ]
    errors = [opener.communicate()[1].decode() for opener in openers]
    assert [opener.returncode for opener in openers] == [0, 0, 0, 0], errors
    workspace = Workspace.open(root, database_url=database_url, create=False)
    with workspace.engine.connect() as connection:
        versions = connection.execute(sa.text(f"SELECT * FROM {schema.VERSION_TABLE}")).all()
        infos = connection.execute(sa.text("SELECT key FROM workspace_info")).scalars().all()
    workspace.engine.dispose()
    assert versions == [(schema.head_revision(),)]
    assert sorted(infos) == ["created_at", "schema_version"]
