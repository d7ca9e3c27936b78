"""The casework database: its schema is Alembic's (``casework/migrations``), and a database
that is not at this Fortress's head revision is refused with what to do about it."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

VERSION_TABLE = "casework_alembic_version"
MIGRATIONS = Path(__file__).with_name("migrations")


class CaseworkDatabaseError(RuntimeError):
    """The casework database cannot be used as it is; the message says why and what to do."""


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    """The newest migration this Fortress has."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    if head is None:
        raise CaseworkDatabaseError("no casework migrations are installed")
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None: never migrated)."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        return context.get_current_revision()


def migrate(engine: Engine, revision: str = "head") -> str:
    """Bring the database to ``revision`` (the head by default); returns where it is."""
    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    return current_revision(engine) or ""


def check_ready(engine: Engine) -> None:
    """Refuse a database that is not exactly at the head revision, saying why."""
    head, current = head_revision(), current_revision(engine)
    if current == head:
        return
    tables = {t for t in inspect(engine).get_table_names() if t.startswith("casework_")}
    tables.discard(VERSION_TABLE)
    url = engine.url.render_as_string(hide_password=True)
    if current is None and not tables:
        raise CaseworkDatabaseError(
            f"{url} has no casework tables yet: run `fortress casework migrate` first"
        )
    if current is None:
        raise CaseworkDatabaseError(
            f"{url} is half-migrated: it has casework tables ({', '.join(sorted(tables))}) but "
            "no record of which migrations ran; restore it from a backup or migrate it by hand"
        )
    raise CaseworkDatabaseError(
        f"{url} is at casework revision {current}, this Fortress needs {head}: run "
        "`fortress casework migrate` (back it up first)"
    )
