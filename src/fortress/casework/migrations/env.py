"""Alembic's entry point for the casework tables: runs on the connection the caller gives
(``fortress.casework.db``), never on a URL of its own."""

from __future__ import annotations

from alembic import context

from fortress.casework.db import VERSION_TABLE
from fortress.casework.models import CaseworkBase

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=CaseworkBase.metadata,
    version_table=VERSION_TABLE,
    transaction_per_migration=True,
)
with context.begin_transaction():
    context.run_migrations()
