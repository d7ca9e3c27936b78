"""Sign-in counts shared by every server process (the throttle), public reports whose
collection is not yet audited (audited in batches, so that no entry times a report), and
referrals' opaque references (what partners know a referral by).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the counts table; mark every report already received as audited (each was,
    when it arrived); give every referral a reference."""
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
    with op.batch_alter_table("casework_referrals") as table:
        table.add_column(sa.Column("reference", sa.String(12)))
    referrals = sa.table("casework_referrals", sa.column("id", sa.Integer),
                         sa.column("reference", sa.String))  # fmt: skip
    bind = op.get_bind()
    for (referral_id,) in bind.execute(sa.select(referrals.c.id)).all():
        bind.execute(referrals.update().where(referrals.c.id == referral_id)
                     .values(reference=f"R-{secrets.token_hex(5).upper()}"))  # fmt: skip
    with op.batch_alter_table("casework_referrals") as table:
        table.alter_column("reference", existing_type=sa.String(12), nullable=False)
        table.create_unique_constraint("uq_casework_referrals_reference", ["reference"])


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("casework_referrals") as table:
        table.drop_constraint("uq_casework_referrals_reference", type_="unique")
        table.drop_column("reference")
    with op.batch_alter_table("casework_public_reports") as table:
        table.drop_column("collection_audited")
    op.drop_table("casework_sign_in_counts")
