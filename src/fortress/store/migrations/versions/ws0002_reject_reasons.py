"""Ingest batches keep how many rows were rejected for each reason.

Revision ID: ws0002
Revises: ws0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "ws0002"
down_revision = "ws0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``ingest_batches.reject_reasons`` (JSON ``{reason: rows}``); batches ingested
    before it say ``{}``: their reasons are only in their rejects files."""
    with op.batch_alter_table("ingest_batches") as batch:
        batch.add_column(sa.Column("reject_reasons", sa.Text, nullable=False, server_default="{}"))


def downgrade() -> None:
    """Drop it."""
    with op.batch_alter_table("ingest_batches") as batch:
        batch.drop_column("reject_reasons")
