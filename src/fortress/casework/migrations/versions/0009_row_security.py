"""Row-level security on PostgreSQL, forced on the tables' owner too, behind the partner
views: a transaction scoped to one agency (``fortress.agency``) reaches only that
agency's referrals, the people they refer and the people named in them, and no
intelligence; a transaction that may see every agency (``fortress.sees_all`` on) reaches
every row; one that says neither reaches none of these rows. See ``store/row_security.py``.

SQLite has no row-level security: the application's filters are its only wall.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

SEES_ALL = "current_setting('fortress.sees_all', true) = 'on'"
AGENCY = "current_setting('fortress.agency', true)"
POLICIES = {
    "casework_referrals": f"{SEES_ALL} OR (agency = {AGENCY} AND {AGENCY} <> '')",
    "casework_referral_people": (
        f"{SEES_ALL} OR EXISTS (SELECT 1 FROM casework_referrals AS r "
        "WHERE r.id = casework_referral_people.referral_id)"
    ),
    "casework_people": (
        f"{SEES_ALL} OR EXISTS (SELECT 1 FROM casework_referrals AS r "
        "WHERE r.person_id = casework_people.id)"
    ),
    "casework_intelligence": SEES_ALL,
    "casework_intelligence_links": SEES_ALL,
    "casework_disclosures": SEES_ALL,
}
"""Each table's rule, for reading and writing alike. A referral's people are reached
through the referral, so the referrals' own policy decides (a policy's subquery is bound by
the policies of the tables it reads)."""


def upgrade() -> None:
    """Enable and force row-level security, with one policy per table."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, rule in POLICIES.items():
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY {table}_scope ON {table} USING ({rule})")


def downgrade() -> None:
    """Drop the policies and row-level security."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in POLICIES:
        op.execute(f"DROP POLICY {table}_scope ON {table}")
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
