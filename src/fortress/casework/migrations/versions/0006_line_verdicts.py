"""Analysts' verdicts on detected deal lines (confirmed or rejected, with who and when),
why a public report was dismissed, and the public "get help" page's services.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from fortress.casework.help_services import STARTING

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the verdicts table (appended to, never updated); add the dismissal; create
    the help page's services, starting with the national ones."""
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
    entries = op.create_table(
        "casework_help_entries",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("helps", sa.Text, nullable=False),
        sa.Column("contact", sa.String(500), nullable=False),
        sa.Column("updated_by", sa.String(100), nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    when = datetime.now(UTC).replace(tzinfo=None)
    op.bulk_insert(entries, [
        {"position": k + 1, "name": name, "helps": helps, "contact": contact,
         "updated_by": "fortress", "updated_at": when}
        for k, (name, helps, contact) in enumerate(STARTING)
    ])  # fmt: skip


def downgrade() -> None:
    """Drop them."""
    op.drop_table("casework_help_entries")
    with op.batch_alter_table("casework_public_reports") as batch:
        batch.drop_column("dismissal")
    op.drop_table("casework_line_verdicts")
