"""Sign-in counts shared by every server process (the throttle), and public reports whose
collection is not yet audited (audited in batches, so that no entry times a report).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the counts table; mark every report already received as audited (each was,
    when it arrived)."""
    op.create_table(
        "casework_sign_in_counts",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("last_at", sa.DateTime),
    )
    with op.batch_alter_table("casework_public_reports") as table:
        table.add_column(
            sa.Column("collection_audited", sa.Boolean, nullable=False, server_default=sa.true())
        )


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("casework_public_reports") as table:
        table.drop_column("collection_audited")
    op.drop_table("casework_sign_in_counts")
