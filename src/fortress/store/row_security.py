"""Row-level security on PostgreSQL: the scope a transaction reads and writes records in.

The casework migrations put policies on the tables a safeguarding partner may see part
of (``casework/migrations/versions/0009_row_security.py``). The policies compare each row
with two settings of the transaction: ``fortress.sees_all`` (``on`` for a person or tool
that may see every agency's records) and ``fortress.agency`` (a partner's agency). A
connection that sets neither sees none of those rows, so a client other than Fortress
that connects with the server's role reads nothing until it says who it is for.

Fortress's own connections start with ``sees_all`` on (the command line is run by the
people who run the database); the server narrows each request's transactions to the
person signed in (:func:`scope_sessions`). The wall stands behind the application's own
filters: a query that forgets a partner's agency still gets only that agency's rows.

The settings are not a secret: a client holding the server's database password may set
them. What they guard against is a faulty query, not a stolen credential.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker

SEES_ALL: Final = "fortress.sees_all"
AGENCY: Final = "fortress.agency"
SCOPE_KEY: Final = "fortress.row_scope"
"""Where a session keeps its :class:`RowScope` (``Session.info``)."""


@dataclass(frozen=True)
class RowScope:
    """Whose records a transaction may touch: every agency's, or one agency's only."""

    sees_all: bool
    agency: str = ""


EVERY_AGENCY: Final = RowScope(sees_all=True)
NO_AGENCY: Final = RowScope(sees_all=False)
"""Before anyone has signed in: no scoped row at all."""


def default_to_every_agency(engine: Engine) -> None:
    """Start each of ``engine``'s PostgreSQL connections seeing every agency's rows (the
    setting lasts the connection; a scoped transaction overrides it until it ends)."""
    if engine.dialect.name != "postgresql":
        return

    @event.listens_for(engine, "connect")
    def _every_agency(dbapi_connection: object, _record: object) -> None:
        cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
        cursor.execute(f"SET {SEES_ALL} TO on")
        cursor.close()
        dbapi_connection.commit()  # type: ignore[attr-defined]


def scope_sessions(sessions: sessionmaker[Session]) -> None:
    """Make every transaction of ``sessions`` (on PostgreSQL) run in the scope its session
    holds under ``SCOPE_KEY`` in ``Session.info``, :data:`NO_AGENCY` until one is set."""

    @event.listens_for(sessions, "after_begin")
    def _scope_transaction(
        session: Session, _transaction: SessionTransaction, connection: Connection
    ) -> None:
        if connection.dialect.name != "postgresql":
            return
        scope = session.info.get(SCOPE_KEY, NO_AGENCY)
        connection.execute(
            text("SELECT set_config(:sees_all_name, :sees_all, true), "
                 "set_config(:agency_name, :agency, true)"),
            {"sees_all_name": SEES_ALL, "sees_all": "on" if scope.sees_all else "off",
             "agency_name": AGENCY, "agency": scope.agency},
        )  # fmt: skip


def set_scope(session: Session, scope: RowScope) -> None:
    """Scope ``session``'s next transactions (the one under way keeps its scope)."""
    session.info[SCOPE_KEY] = scope
