"""Line records shared between forces: export requests (graded, marked, and for handling
code C decided by a supervisor) and received bundles held for review with their records.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the export, received-bundle and received-record tables."""
    op.create_table(
        "casework_line_exports",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("recipient", sa.String(200), nullable=False),
        sa.Column("purpose", sa.Text, nullable=False),
        sa.Column("line_ids", sa.Text, nullable=False),
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("source_evaluation", sa.String(1), nullable=False),
        sa.Column("assessment", sa.String(1), nullable=False),
        sa.Column("handling_code", sa.String(1), nullable=False),
        sa.Column("handling_conditions", sa.Text),
        sa.Column("marking", sa.String(32), nullable=False),
        sa.Column("requested_by", sa.String(100), nullable=False),
        sa.Column("requested_at", sa.DateTime, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("decided_by", sa.String(100)),
        sa.Column("decided_at", sa.DateTime),
        sa.Column("reason", sa.Text),
        sa.Column("bundle_id", sa.String(36)),
        sa.Column("bundle_sha256", sa.String(64)),
    )
    op.create_table(
        "casework_received_bundles",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("sender", sa.String(200), nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("recipient", sa.String(200), nullable=False),
        sa.Column("purpose", sa.Text, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("header", sa.Text, nullable=False),
        sa.Column("imported_by", sa.String(100), nullable=False),
        sa.Column("imported_at", sa.DateTime, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("decided_by", sa.String(100)),
        sa.Column("decided_at", sa.DateTime),
        sa.Column("reason", sa.Text),
    )
    op.create_table(
        "casework_received_records",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "bundle_id",
            sa.String(36),
            sa.ForeignKey("casework_received_bundles.id"),
            nullable=False,
        ),
        sa.Column("entity_id", sa.String(200), nullable=False),
        sa.Column("schema", sa.String(64), nullable=False),
        sa.Column("line_id", sa.String(64), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )
    op.create_index(
        "ix_casework_received_records_bundle_id", "casework_received_records", ["bundle_id"]
    )


def downgrade() -> None:
    """Drop them."""
    op.drop_table("casework_received_records")
    op.drop_table("casework_received_bundles")
    op.drop_table("casework_line_exports")
