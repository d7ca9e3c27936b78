"""Record tables of the workspace (SQLAlchemy 2): ingest batches and the files they published.

Changing a table needs a revision in ``store/migrations/versions`` too (``store/schema.py``
runs them; a test fails when the models and the revisions disagree).

The manifest (``data_files``) is the source of truth for which Parquet files are part of
the workspace: a file on disk that no row names is invisible and is swept away.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    """Declarative base of every record table."""


class IngestBatch(Base):
    """One file ingested (or refused) into one event table."""

    __tablename__ = "ingest_batches"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    table_name: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))  # published | failed
    source_path: Mapped[str] = mapped_column(Text)
    source_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    source_bytes: Mapped[int | None] = mapped_column(Integer)
    layout: Mapped[str | None] = mapped_column(String(200))
    layout_version: Mapped[int | None] = mapped_column(Integer)
    owner_number: Mapped[str | None] = mapped_column(String(32))
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime]
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    blank: Mapped[int] = mapped_column(Integer, default=0)
    rejects_path: Mapped[str | None] = mapped_column(Text)
    reject_reasons: Mapped[str] = mapped_column(  # JSON {reason: rows}
        Text, default="{}", server_default="{}"
    )
    notes: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of strings
    error: Mapped[str | None] = mapped_column(Text)

    files: Mapped[list[DataFile]] = relationship(back_populates="batch")


class DataFile(Base):
    """A Parquet file that is part of an event table."""

    __tablename__ = "data_files"

    path: Mapped[str] = mapped_column(Text, primary_key=True)  # relative to the workspace
    table_name: Mapped[str] = mapped_column(String(32), index=True)
    batch_id: Mapped[str] = mapped_column(ForeignKey("ingest_batches.id"))
    rows: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]

    batch: Mapped[IngestBatch] = relationship(back_populates="files")


class WorkspaceInfo(Base):
    """Key/value facts about the workspace (schema version, creation time)."""

    __tablename__ = "workspace_info"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class LineRun(Base):
    """One run of ``fortress lines detect``: its parameters and what it covered."""

    __tablename__ = "line_runs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime]
    params: Mapped[str] = mapped_column(Text)  # JSON
    events: Mapped[int] = mapped_column(Integer, default=0)
    first_event_utc: Mapped[datetime | None]
    last_event_utc: Mapped[datetime | None]
    numbers_scored: Mapped[int] = mapped_column(Integer, default=0)
    lines_found: Mapped[int] = mapped_column(Integer, default=0)
    safeguarding: Mapped[str] = mapped_column(Text, default="[]")  # JSON: candidate sites


class ScoredNumber(Base):
    """A number that sent bulk waves, as scored by one run (line or not)."""

    __tablename__ = "line_numbers"

    run_id: Mapped[str] = mapped_column(ForeignKey("line_runs.id"), primary_key=True)
    number: Mapped[str] = mapped_column(String(32), primary_key=True)
    line_id: Mapped[str | None] = mapped_column(String(32), index=True)
    score: Mapped[float]
    is_line: Mapped[bool]
    first_seen_utc: Mapped[datetime]
    last_seen_utc: Mapped[datetime]
    components: Mapped[str] = mapped_column(Text)  # JSON {name: 0-1}
    evidence: Mapped[str] = mapped_column(Text)  # JSON [Evidence]
    figures: Mapped[str] = mapped_column(Text)  # JSON
    details: Mapped[str] = mapped_column(Text)  # JSON: customers, runners, handsets, sites


class DealLineRecord(Base):
    """A deal line (a brand over one or more numbers) found by one run."""

    __tablename__ = "deal_lines"

    run_id: Mapped[str] = mapped_column(ForeignKey("line_runs.id"), primary_key=True)
    line_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    score: Mapped[float]
    numbers: Mapped[str] = mapped_column(Text)  # JSON list, oldest first
    evidence: Mapped[str] = mapped_column(Text)  # JSON [Evidence]
    people: Mapped[str] = mapped_column(Text, default="{}")  # JSON: controllers, movements...


class LinkJudgement(Base):
    """An analyst's judgement of a successor link (old number -> new number): confirmed,
    rejected or unsure. Later runs respect it; the latest judgement of a pair stands."""

    __tablename__ = "link_judgements"

    old_number: Mapped[str] = mapped_column(String(64), primary_key=True)
    new_number: Mapped[str] = mapped_column(String(64), primary_key=True)
    verdict: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    judged_at: Mapped[datetime]


class CampaignArea(Base):
    """A named place area saved in the workspace (``fortress place area save``), with the
    phases of a campaign in it. The definition is stored whole (the LSOA codes a prefix or
    file named when it was saved, or the polygons as GeoJSON), so it does not depend on the
    file it came from."""

    __tablename__ = "campaign_areas"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # codes | polygon
    definition: Mapped[str] = mapped_column(Text)  # JSON list of LSOA codes, or GeoJSON
    how: Mapped[str] = mapped_column(Text)
    phases: Mapped[str] = mapped_column(Text, default="{}")  # JSON {phase: [from, to]}
    saved_at: Mapped[datetime]
