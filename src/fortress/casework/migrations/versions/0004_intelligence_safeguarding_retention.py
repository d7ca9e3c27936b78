"""A stop-search's age band; graded intelligence and its disclosures, people and
safeguarding referrals, retention reviews and legal holds, and the pseudonym key.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the tables, and a random pseudonym key that never leaves the database."""
    op.add_column("casework_public_reports", sa.Column("intelligence_id", sa.Integer))
    op.add_column("casework_operation_results", sa.Column("age_band", sa.String(16)))
    op.create_table(
        "casework_intelligence",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("grading_model", sa.String(8), nullable=False),
        sa.Column("source_evaluation", sa.String(1), nullable=False),
        sa.Column("assessment", sa.String(1), nullable=False),
        sa.Column("handling_code", sa.String(1), nullable=False),
        sa.Column("handling_conditions", sa.Text),
        sa.Column("public_report_id", sa.Integer),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "casework_intelligence_links",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "intelligence_id",
            sa.Integer,
            sa.ForeignKey("casework_intelligence.id"),
            nullable=False,
            index=True,
        ),
        sa.Column("entity_type", sa.String(16), nullable=False),
        sa.Column("value", sa.String(300), nullable=False),
    )
    op.create_index(
        "ix_casework_intelligence_links_value",
        "casework_intelligence_links",
        ["entity_type", "value"],
    )
    op.create_table(
        "casework_disclosures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "intelligence_id",
            sa.Integer,
            sa.ForeignKey("casework_intelligence.id"),
            nullable=False,
            index=True,
        ),
        sa.Column("recipient", sa.String(200), nullable=False),
        sa.Column("purpose", sa.Text, nullable=False),
        sa.Column("requested_by", sa.String(100), nullable=False),
        sa.Column("requested_at", sa.DateTime, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("decided_by", sa.String(100)),
        sa.Column("decided_at", sa.DateTime),
        sa.Column("reason", sa.Text),
    )
    op.create_table(
        "casework_people",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("born_on", sa.Date),
        sa.Column("victim", sa.String(32)),
        sa.Column("suspect", sa.Boolean, nullable=False),
        sa.Column("recorded_by", sa.String(100), nullable=False),
        sa.Column("recorded_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "casework_referrals",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "person_id", sa.Integer, sa.ForeignKey("casework_people.id"), nullable=False, index=True
        ),
        sa.Column("agency", sa.String(100), nullable=False, index=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("outcome", sa.Text),
        sa.Column("made_by", sa.String(100), nullable=False),
        sa.Column("made_on", sa.Date, nullable=False),
    )
    op.create_table(
        "casework_referral_people",
        sa.Column(
            "referral_id", sa.Integer, sa.ForeignKey("casework_referrals.id"), primary_key=True
        ),
        sa.Column("person_id", sa.Integer, sa.ForeignKey("casework_people.id"), primary_key=True),
        sa.Column("relation", sa.String(100), nullable=False),
    )
    op.create_table(
        "casework_retention",
        sa.Column("record_type", sa.String(32), primary_key=True),
        sa.Column("record_id", sa.Integer, primary_key=True),
        sa.Column("review_on", sa.Date, nullable=False, index=True),
        sa.Column("hold_reason", sa.Text),
        sa.Column("held_by", sa.String(100)),
    )
    # the audit head exists from the start, so that the first writers queue on its row
    op.execute(
        "INSERT INTO casework_audit_head (id, seq, hash) SELECT 1, 0, '" + "0" * 64 + "' "
        "WHERE NOT EXISTS (SELECT 1 FROM casework_audit_head)"
    )
    keys = op.create_table(
        "casework_keys",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("secret", sa.String(128), nullable=False),
    )
    op.bulk_insert(keys, [{"name": "pseudonym", "secret": secrets.token_hex(32)}])


def downgrade() -> None:
    """Drop them."""
    for table in (
        "casework_keys",
        "casework_retention",
        "casework_referral_people",
        "casework_referrals",
        "casework_people",
        "casework_disclosures",
        "casework_intelligence_links",
        "casework_intelligence",
    ):
        op.drop_table(table)
    with op.batch_alter_table("casework_public_reports") as batch:  # SQLite rebuilds it
        batch.drop_column("intelligence_id")
    with op.batch_alter_table("casework_operation_results") as batch:
        batch.drop_column("age_band")
