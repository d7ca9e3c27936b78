"""Alembic's entry point for the workspace's record tables: runs on the connection the
caller gives (``fortress.store.schema``), never on a URL of its own, and keeps its version
in its own table so that it never meets the casework migrations' one."""

from __future__ import annotations

from alembic import context

from fortress.store.models import Base
from fortress.store.schema import VERSION_TABLE

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    version_table=VERSION_TABLE,
    transaction_per_migration=True,
    render_as_batch=True,  # SQLite alters tables by copying them
)
with context.begin_transaction():
    context.run_migrations()
