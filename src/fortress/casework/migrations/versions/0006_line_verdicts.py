"""Analysts' verdicts on detected deal lines (confirmed or rejected, with who and when),
and why a public report was dismissed.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the verdicts table (appended to, never updated); add the dismissal."""
    op.create_table(
        "casework_line_verdicts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("line_id", sa.String(32), nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("judged_by", sa.String(100), nullable=False),
        sa.Column("judged_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_casework_line_verdicts_line", "casework_line_verdicts", ["line_id", "id"])
    op.add_column("casework_public_reports", sa.Column("dismissal", sa.Text))


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("casework_public_reports") as batch:
        batch.drop_column("dismissal")
    op.drop_table("casework_line_verdicts")
