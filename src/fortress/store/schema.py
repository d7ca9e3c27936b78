"""The workspace's record schema under Alembic (``store/migrations``).

Opening a workspace brings its record tables to this Fortress's head revision, or refuses
it, saying why:

* a new workspace (no record tables) is created by running every revision, only when the
  caller asked to create one;
* a release-1 workspace (tables made by ``create_all``, ``schema_version`` 1 in
  ``workspace_info``, no version table) is adopted by the baseline revision and upgraded in
  place: its rows are kept;
* an older revision is upgraded in place;
* a revision this Fortress does not know (a newer Fortress wrote it) is refused.

The revision is kept in ``workspace_alembic_version``, apart from the casework tables'
``casework_alembic_version``: the two sets of tables share a database and migrate
independently. ``workspace_info.schema_version`` becomes ``2`` once Alembic manages the
tables, so that release 1, which reads only version 1, refuses such a workspace instead of
writing to tables it no longer knows.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, Final

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    Connection,
    Engine,
    create_engine,
    event,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.pool import NullPool

from fortress.store.models import WorkspaceInfo

VERSION_TABLE: Final = "workspace_alembic_version"
MIGRATIONS: Final = Path(__file__).with_name("migrations")
SCHEMA_VERSION: Final = "2"
"""``workspace_info.schema_version`` of a workspace whose tables Alembic manages."""
PG_LOCK: Final = 0x466F_5753
"""PostgreSQL advisory lock held while the workspace tables migrate (the folder's lock only
serialises processes that share the folder)."""
RELEASE1_SCHEMA_VERSION: Final = "1"
"""``schema_version`` of a workspace made by release 1 (``create_all``, no migrations)."""


class SchemaError(RuntimeError):
    """The record tables cannot be brought to this Fortress's revision; the message says why."""


class NoRecords(SchemaError):
    """The database holds no workspace tables, and none were to be created."""


@dataclass(frozen=True, slots=True)
class SchemaState:
    """Where a database's workspace tables stand."""

    revision: str | None
    """The Alembic revision recorded (None: never migrated)."""
    schema_version: str | None
    """``workspace_info.schema_version`` (None: no such row or table)."""
    has_tables: bool
    """Whether any of the workspace's tables exist."""


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


@cache
def _scripts() -> ScriptDirectory:
    return ScriptDirectory.from_config(_config())


def head_revision() -> str:
    """The newest revision this Fortress has."""
    head = _scripts().get_current_head()
    if head is None:
        raise SchemaError("no workspace migrations are installed")
    return head


def known_revisions() -> set[str]:
    """Every revision this Fortress has."""
    return {script.revision for script in _scripts().walk_revisions()}


def state(connection: Connection) -> SchemaState:
    """Where the workspace tables on ``connection`` stand."""
    context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    tables = set(inspect(connection).get_table_names())
    version = None
    if WorkspaceInfo.__tablename__ in tables:
        version = connection.scalar(
            select(WorkspaceInfo.value).where(WorkspaceInfo.key == "schema_version")
        )
    return SchemaState(
        revision=context.get_current_revision(),
        schema_version=version,
        has_tables=bool(tables & _workspace_tables()),
    )


def _workspace_tables() -> set[str]:
    from fortress.store.models import Base

    return set(Base.metadata.tables)


def needs_upgrade(found: SchemaState, *, create: bool, where: str) -> bool:
    """Whether the tables must be migrated; raises :class:`SchemaError` when they cannot be
    used at all (newer than this Fortress, an unknown schema version, none and ``create``
    not given). ``where`` names the database in messages."""
    if found.schema_version not in (None, RELEASE1_SCHEMA_VERSION, SCHEMA_VERSION):
        raise SchemaError(
            f"{where}: workspace schema version {found.schema_version}, this Fortress reads "
            f"versions {RELEASE1_SCHEMA_VERSION} and {SCHEMA_VERSION}: it was made by a newer "
            "Fortress; use that one"
        )
    if found.revision is not None:
        head = head_revision()
        if found.revision == head:
            return False
        if found.revision not in known_revisions():
            raise SchemaError(
                f"{where}: the workspace's records are at revision {found.revision}, which "
                f"this Fortress does not know (its newest is {head}): a newer Fortress has "
                "upgraded it; use that one"
            )
        return True
    if not found.has_tables and not create:
        raise NoRecords(f"{where} holds no workspace records")
    return True


def upgrade(connection: Connection) -> str:
    """Run the revisions missing on ``connection`` (adopting a release-1 workspace), mark
    the schema version, and return the revision reached."""
    config = _config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")
    info = connection.execute(
        select(WorkspaceInfo.value).where(WorkspaceInfo.key == "schema_version")
    ).first()
    if info is None:  # a new workspace
        connection.execute(
            insert(WorkspaceInfo),
            [
                {"key": "schema_version", "value": SCHEMA_VERSION},
                {"key": "created_at", "value": datetime.now(UTC).isoformat()},
            ],
        )
    elif info.value != SCHEMA_VERSION:
        connection.execute(
            update(WorkspaceInfo)
            .where(WorkspaceInfo.key == "schema_version")
            .values(value=SCHEMA_VERSION)
        )
    return head_revision()


def bring_to_head(
    engine: Engine,
    *,
    create: bool,
    lock: Callable[[], AbstractContextManager[object]],
) -> None:
    """Check the workspace tables and migrate them if they need it, under ``lock`` (the
    workspace's single-writer lock), looking again once it is held: another process may
    have migrated them meanwhile. A migration is one transaction: it all happens or none."""
    where = engine.url.render_as_string(hide_password=True)
    with engine.connect() as connection:
        if not needs_upgrade(state(connection), create=create, where=where):
            return
    migrating = _migration_engine(engine)
    try:
        with lock(), migrating.begin() as connection:
            if connection.dialect.name == "postgresql":  # openers on other machines too
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_LOCK})
            if needs_upgrade(state(connection), create=create, where=where):
                upgrade(connection)
    finally:
        if migrating is not engine:
            migrating.dispose()


def _migration_engine(engine: Engine) -> Engine:
    """An engine to migrate with. On SQLite, a private one whose transactions include DDL:
    Python's sqlite3 runs ``CREATE``/``ALTER`` outside any transaction unless told to leave
    transactions to SQLAlchemy, which then emits ``BEGIN`` itself (SQLAlchemy's documented
    recipe). Foreign keys stay off there, as Alembic's table-copying batch mode needs."""
    if engine.dialect.name != "sqlite":
        return engine
    migrating = create_engine(engine.url, poolclass=NullPool)

    @event.listens_for(migrating, "connect")
    def _connect(dbapi_connection: Any, _record: object) -> None:
        dbapi_connection.isolation_level = None  # no implicit BEGIN (nor COMMIT) by sqlite3
        dbapi_connection.execute("PRAGMA busy_timeout=30000")

    @event.listens_for(migrating, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return migrating
