"""An intelligence link's flag: a vehicle registration in no UK format is kept as given,
with the reason.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from fortress.model.values import VRM_UNPARSEABLE, Vrm

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the column, and flag the vehicle links already recorded in no UK format (the
    earlier check took any 1 to 8 letters and digits)."""
    op.add_column("casework_intelligence_links", sa.Column("flag", sa.String(32)))
    links = sa.table("casework_intelligence_links", sa.column("id", sa.Integer),
                     sa.column("entity_type", sa.String), sa.column("value", sa.String),
                     sa.column("flag", sa.String))  # fmt: skip
    bind = op.get_bind()
    vehicles = bind.execute(
        sa.select(links.c.id, links.c.value).where(links.c.entity_type == "vehicle")
    )
    vrm = Vrm()
    flagged = [row.id for row in vehicles if vrm.clean(row.value).flag]
    for start in range(0, len(flagged), 1_000):
        bind.execute(
            links.update()
            .where(links.c.id.in_(flagged[start : start + 1_000]))
            .values(flag=VRM_UNPARSEABLE)
        )


def downgrade() -> None:
    """Drop it."""
    with op.batch_alter_table("casework_intelligence_links") as batch:
        batch.drop_column("flag")
