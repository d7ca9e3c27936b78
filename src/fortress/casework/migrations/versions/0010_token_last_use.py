"""When each session was last used, so that one left idle ends (OWASP ASVS 5.0, 7.3.1).

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the column; a session already open counts as last used when it began."""
    with op.batch_alter_table("casework_tokens") as table:
        table.add_column(sa.Column("last_used_at", sa.DateTime))
    op.execute("UPDATE casework_tokens SET last_used_at = created_at")
    with op.batch_alter_table("casework_tokens") as table:
        table.alter_column("last_used_at", existing_type=sa.DateTime, nullable=False)


def downgrade() -> None:
    """Drop it."""
    with op.batch_alter_table("casework_tokens") as table:
        table.drop_column("last_used_at")
