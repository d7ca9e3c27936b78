"""Baseline: the record tables exactly as release 1 made them with ``create_all``.

Release 1 had no migrations: it created its tables on every open and wrote
``schema_version = 1`` in ``workspace_info``. This revision creates the same tables in a
new workspace, and adopts a release-1 workspace as it is: its tables are checked to have
every column (a table that lacks one is refused, nothing changed) and only the tables it
lacks are created, so its rows (ingests, line runs, judgements, areas) are left untouched.

Revision ID: ws0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from fortress.store.schema import SchemaError

revision = "ws0001"
down_revision = None
branch_labels = None
depends_on = None


def _tables() -> list[sa.Table]:
    """Release 1's tables, column for column (``tests/store/fixtures`` holds its models)."""
    meta = sa.MetaData()
    return [
        sa.Table(
            "ingest_batches", meta,
            sa.Column("id", sa.String(32), primary_key=True),
            sa.Column("table_name", sa.String(32), nullable=False),
            sa.Column("status", sa.String(16), nullable=False),
            sa.Column("source_path", sa.Text, nullable=False),
            sa.Column("source_sha256", sa.String(64), index=True),
            sa.Column("source_bytes", sa.Integer),
            sa.Column("layout", sa.String(200)),
            sa.Column("layout_version", sa.Integer),
            sa.Column("owner_number", sa.String(32)),
            sa.Column("started_at", sa.DateTime, nullable=False),
            sa.Column("finished_at", sa.DateTime, nullable=False),
            sa.Column("rows_read", sa.Integer, nullable=False),
            sa.Column("accepted", sa.Integer, nullable=False),
            sa.Column("rejected", sa.Integer, nullable=False),
            sa.Column("duplicates", sa.Integer, nullable=False),
            sa.Column("blank", sa.Integer, nullable=False),
            sa.Column("rejects_path", sa.Text),
            sa.Column("notes", sa.Text, nullable=False),
            sa.Column("error", sa.Text),
        ),
        sa.Table(
            "workspace_info", meta,
            sa.Column("key", sa.String(64), primary_key=True),
            sa.Column("value", sa.Text, nullable=False),
        ),
        sa.Table(
            "line_runs", meta,
            sa.Column("id", sa.String(32), primary_key=True),
            sa.Column("started_at", sa.DateTime, nullable=False),
            sa.Column("finished_at", sa.DateTime, nullable=False),
            sa.Column("params", sa.Text, nullable=False),
            sa.Column("events", sa.Integer, nullable=False),
            sa.Column("first_event_utc", sa.DateTime),
            sa.Column("last_event_utc", sa.DateTime),
            sa.Column("numbers_scored", sa.Integer, nullable=False),
            sa.Column("lines_found", sa.Integer, nullable=False),
            sa.Column("safeguarding", sa.Text, nullable=False),
        ),
        sa.Table(
            "link_judgements", meta,
            sa.Column("old_number", sa.String(64), primary_key=True),
            sa.Column("new_number", sa.String(64), primary_key=True),
            sa.Column("verdict", sa.String(16), nullable=False),
            sa.Column("note", sa.Text),
            sa.Column("judged_at", sa.DateTime, nullable=False),
        ),
        sa.Table(
            "campaign_areas", meta,
            sa.Column("name", sa.String(100), primary_key=True),
            sa.Column("kind", sa.String(16), nullable=False),
            sa.Column("definition", sa.Text, nullable=False),
            sa.Column("how", sa.Text, nullable=False),
            sa.Column("phases", sa.Text, nullable=False),
            sa.Column("saved_at", sa.DateTime, nullable=False),
        ),
        sa.Table(
            "data_files", meta,
            sa.Column("path", sa.Text, primary_key=True),
            sa.Column("table_name", sa.String(32), nullable=False, index=True),
            sa.Column("batch_id", sa.String(32), sa.ForeignKey("ingest_batches.id"),
                      nullable=False),
            sa.Column("rows", sa.Integer, nullable=False),
            sa.Column("created_at", sa.DateTime, nullable=False),
        ),
        sa.Table(
            "line_numbers", meta,
            sa.Column("run_id", sa.String(32), sa.ForeignKey("line_runs.id"), primary_key=True),
            sa.Column("number", sa.String(32), primary_key=True),
            sa.Column("line_id", sa.String(32), index=True),
            sa.Column("score", sa.Double, nullable=False),
            sa.Column("is_line", sa.Boolean, nullable=False),
            sa.Column("first_seen_utc", sa.DateTime, nullable=False),
            sa.Column("last_seen_utc", sa.DateTime, nullable=False),
            sa.Column("components", sa.Text, nullable=False),
            sa.Column("evidence", sa.Text, nullable=False),
            sa.Column("figures", sa.Text, nullable=False),
            sa.Column("details", sa.Text, nullable=False),
        ),
        sa.Table(
            "deal_lines", meta,
            sa.Column("run_id", sa.String(32), sa.ForeignKey("line_runs.id"), primary_key=True),
            sa.Column("line_id", sa.String(32), primary_key=True),
            sa.Column("score", sa.Double, nullable=False),
            sa.Column("numbers", sa.Text, nullable=False),
            sa.Column("evidence", sa.Text, nullable=False),
            sa.Column("people", sa.Text, nullable=False),
        ),
    ]  # fmt: skip


def upgrade() -> None:
    """Create the tables a workspace lacks, after checking the ones it has."""
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    present = set(inspector.get_table_names())
    tables = _tables()
    for table in tables:
        if table.name in present:
            have = {column["name"] for column in inspector.get_columns(table.name)}
            missing = [column.name for column in table.columns if column.name not in have]
            if missing:
                raise SchemaError(
                    f"the workspace's table {table.name} lacks the columns "
                    f"{', '.join(missing)}: it was made by a development build older than "
                    "release 1; re-create the workspace (ingest the files again)"
                )
    for table in tables:  # in dependency order: referenced tables come first
        if table.name not in present:
            table.create(bind)


def downgrade() -> None:
    """Drop every record table."""
    for table in reversed(_tables()):
        table.drop(op.get_bind())
