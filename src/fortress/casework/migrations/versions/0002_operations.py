"""Operations and their recorded results.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the operations ledger."""
    op.create_table(
        "casework_operations",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("ends_on", sa.Date, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "casework_operation_results",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "operation_id",
            sa.Integer,
            sa.ForeignKey("casework_operations.id"),
            nullable=False,
            index=True,
        ),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
        sa.Column("label", sa.String(100)),
        sa.Column("milligrams", sa.BigInteger),
        sa.Column("pence", sa.BigInteger),
        sa.Column("imei", sa.String(20)),
        sa.Column("number", sa.String(32)),
        sa.Column("recorded_on", sa.Date, nullable=False),
        sa.Column("recorded_by", sa.String(100), nullable=False),
    )


def downgrade() -> None:
    """Drop it."""
    op.drop_table("casework_operation_results")
    op.drop_table("casework_operations")
