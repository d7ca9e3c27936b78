"""Casework record tables (SQLAlchemy 2), managed by Alembic migrations
(``casework/migrations``), in the workspace's record database or a PostgreSQL one."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class CaseworkBase(DeclarativeBase):
    """Declarative base of the casework tables (kept apart from the analytics records, which
    the workspace creates itself)."""


class User(CaseworkBase):
    """A person who signs in: a role, and for a safeguarding partner, an agency."""

    __tablename__ = "casework_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(32))
    agency: Mapped[str | None] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    disabled: Mapped[bool] = mapped_column(default=False)


class ApiToken(CaseworkBase):
    """A bearer token for the API, stored as its SHA-256 only."""

    __tablename__ = "casework_tokens"

    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("casework_users.id"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]


class AuditEntry(CaseworkBase):
    """One audited act (DPA 2018 s.62): who, when, what kind, which record ids; never the
    content. Each entry's hash covers the previous entry's hash (a chain)."""

    __tablename__ = "casework_audit"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(32))
    record_type: Mapped[str] = mapped_column(String(64))
    record_ids: Mapped[str] = mapped_column(Text)  # JSON list
    recipient: Mapped[str | None] = mapped_column(String(200))
    previous_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(CaseworkBase):
    """The chain's last sequence number and hash, updated with every entry: a truncated
    tail shows as a head beyond the last entry."""

    __tablename__ = "casework_audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class Operation(CaseworkBase):
    """An operation (a week of action, a named operation) whose results are recorded."""

    __tablename__ = "casework_operations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]


class OperationResult(CaseworkBase):
    """One recorded action or result of an operation: an arrest (or several), a seizure, a
    stop-search, an order, a person safeguarded... Amounts are exact: grams to the
    milligram, cash in pence."""

    __tablename__ = "casework_operation_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("casework_operations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    count: Mapped[int] = mapped_column(Integer, default=1)
    label: Mapped[str | None] = mapped_column(String(100))
    """Drug, weapon type, order type, partner agency, outcome, or referral destination."""
    milligrams: Mapped[int | None] = mapped_column(BigInteger)
    pence: Mapped[int | None] = mapped_column(BigInteger)
    imei: Mapped[str | None] = mapped_column(String(20))
    number: Mapped[str | None] = mapped_column(String(32))
    recorded_on: Mapped[date]
    recorded_by: Mapped[str] = mapped_column(String(100))


class PublicReport(CaseworkBase):
    """A report from the public (``/report``). Nothing that identifies the sender's device
    or connection is kept: no address, no browser string, no time finer than the day."""

    __tablename__ = "casework_public_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    category: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(String(500))
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    contact_email: Mapped[str | None] = mapped_column(String(200))
    received_on: Mapped[date]
    status: Mapped[str] = mapped_column(String(20), default="new")
