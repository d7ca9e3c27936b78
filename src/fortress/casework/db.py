"""The casework database: its schema is Alembic's (``casework/migrations``), and a database
that is not at this Fortress's head revision is refused with what to do about it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Final

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

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


ROLE_NAME: Final = re.compile(r"[a-z_][a-z0-9_$]{0,62}")


def grant_server_role(engine: Engine, role: str) -> str:
    """Let the PostgreSQL role ``role`` read and write the tables of the records' schema
    (and tables made later by the role running this), but only append to the audit log and
    only read the keys and the migrations' version, and nothing more: no table of its own,
    so the row-level security forced on the partner views binds it and it cannot lift it.
    Returns the schema. Refuses a superuser or a role that bypasses row-level security."""
    if engine.dialect.name != "postgresql":
        raise CaseworkDatabaseError(
            "a server role needs PostgreSQL: SQLite has no roles and no row-level security"
        )
    if not ROLE_NAME.fullmatch(role):
        raise CaseworkDatabaseError(
            f"{role!r} is not a plain role name: lower-case letters, digits and _, 63 at most"
        )
    with engine.begin() as connection:
        found = connection.execute(
            text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = :r"), {"r": role}
        ).first()
        if found is None:
            raise CaseworkDatabaseError(
                f"there is no role {role}: make it first (CREATE ROLE {role} LOGIN PASSWORD …)"
            )
        if found.rolsuper or found.rolbypassrls:
            raise CaseworkDatabaseError(
                f"{role} is a superuser or bypasses row-level security: the server's role "
                "must be bound by it"
            )
        schema = str(connection.scalar(text("SELECT current_schema()")))
        if role == connection.scalar(text("SELECT tableowner FROM pg_tables WHERE "
                                          "schemaname = :s AND tablename = 'casework_referrals'"),
                                     {"s": schema}):  # fmt: skip
            raise CaseworkDatabaseError(
                f"{role} owns the records' tables: an owner may lift row-level security; "
                "run migrations as one role and the server as another"
            )
        grants = list(_GRANTS)
        if int(connection.scalar(text("SHOW server_version_num")) or 0) >= 170000:
            grants.append(_MAY_VACUUM)  # a disposal's wipe (older servers: the owner only)
        for statement in grants:
            connection.execute(text(statement.format(schema=schema, role=role)))
    return schema


_GRANTS: Final = (
    'GRANT USAGE ON SCHEMA "{schema}" TO {role}',
    'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA "{schema}" TO {role}',
    'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "{schema}" TO {role}',
    'ALTER DEFAULT PRIVILEGES IN SCHEMA "{schema}" '
    "GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
    'ALTER DEFAULT PRIVILEGES IN SCHEMA "{schema}" GRANT USAGE, SELECT ON SEQUENCES TO {role}',
    # the audit log is only appended to (its head row moves on), the keys and the
    # migrations' versions are only read: not even a faulty query can rewrite them
    'REVOKE UPDATE, DELETE ON "{schema}".casework_audit FROM {role}',
    'REVOKE INSERT, DELETE ON "{schema}".casework_audit_head FROM {role}',
    'REVOKE INSERT, UPDATE, DELETE ON "{schema}".casework_keys FROM {role}',
    'REVOKE INSERT, UPDATE, DELETE ON "{schema}".casework_alembic_version FROM {role}',
)

_MAY_VACUUM: Final = 'GRANT MAINTAIN ON ALL TABLES IN SCHEMA "{schema}" TO {role}'


def row_security_warnings(engine: Engine) -> list[str]:
    """Why row-level security would not bind the role ``engine`` connects as (none on
    SQLite, which has none to bind)."""
    if engine.dialect.name != "postgresql":
        return []
    with engine.connect() as connection:
        role = connection.execute(text(
            "SELECT current_user AS name, rolsuper, rolbypassrls FROM pg_roles "
            "WHERE rolname = current_user"
        )).one()  # fmt: skip
        owner = connection.scalar(text(
            "SELECT tableowner FROM pg_tables "
            "WHERE schemaname = current_schema() AND tablename = 'casework_referrals'"
        ))  # fmt: skip
    if role.rolsuper or role.rolbypassrls:
        return [
            f"the server connects to PostgreSQL as {role.name}, which row-level security "
            "does not bind: only the application's own filters keep partners to their "
            "agency; connect as a role given rights by `fortress casework grant-server`"
        ]
    if role.name == owner:
        return [
            f"the server connects to PostgreSQL as {role.name}, the records' owner: "
            "row-level security binds it, but a faulty query could lift it; connect as a "
            "role given rights by `fortress casework grant-server`"
        ]
    return []
