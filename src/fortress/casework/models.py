"""Casework record tables (SQLAlchemy 2), managed by Alembic migrations
(``casework/migrations``), in the workspace's record database or a PostgreSQL one."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text, true
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
    last_used_at: Mapped[datetime]
    """Kept to the minute (``users.user_for_token``): a session idle too long ends."""


class SignInCount(CaseworkBase):
    """A sign-in throttle's count (``casework/throttle.py``): failed attempts for a name,
    an address or the pair, or an address familiar to a name; keyed by a digest, never
    the name or address itself."""

    __tablename__ = "casework_sign_in_counts"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_at: Mapped[datetime | None]


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
    age_band: Mapped[str | None] = mapped_column(String(16))
    """A stop-search's subject's age band (police.uk's bands)."""
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
    intelligence_id: Mapped[int | None] = mapped_column(Integer)
    """The graded intelligence this report became, once triaged."""
    dismissal: Mapped[str | None] = mapped_column(Text)
    """Why an analyst dismissed the report (spam, a duplicate...), when they did."""
    collection_audited: Mapped[bool] = mapped_column(default=False, server_default=true())
    """Whether the public's collection of it is in the audit log yet: it is audited in a
    batch when staff first touch the public's reports (``audit.record``), never at the
    moment it arrives."""


class Intelligence(CaseworkBase):
    """A graded intelligence report. The grade is kept in the model it was given in: 3x5x2
    (source 1-3, assessment A-E, handling P or C with conditions) or the legacy 5x5x5
    (source A-E, intelligence 1-5, handling 1-5); one is never converted into the other."""

    __tablename__ = "casework_intelligence"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    text: Mapped[str] = mapped_column(Text)
    grading_model: Mapped[str] = mapped_column(String(8))
    source_evaluation: Mapped[str] = mapped_column(String(1))
    assessment: Mapped[str] = mapped_column(String(1))
    handling_code: Mapped[str] = mapped_column(String(1))
    handling_conditions: Mapped[str | None] = mapped_column(Text)
    public_report_id: Mapped[int | None] = mapped_column(Integer)
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime]


class IntelligenceLink(CaseworkBase):
    """What an intelligence report is about: a phone, an IMEI, a person (a casework person's
    id), an address, a vehicle or a deal line, in a normalised form so that searches meet."""

    __tablename__ = "casework_intelligence_links"
    __table_args__ = (Index("ix_casework_intelligence_links_value", "entity_type", "value"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    intelligence_id: Mapped[int] = mapped_column(ForeignKey("casework_intelligence.id"), index=True)
    entity_type: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(300))
    flag: Mapped[str | None] = mapped_column(String(32))
    """Why the value is kept as given (``model.values``' flag), e.g. a foreign plate."""


class Disclosure(CaseworkBase):
    """A request to disclose an intelligence report outside the force, and its decision."""

    __tablename__ = "casework_disclosures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    intelligence_id: Mapped[int] = mapped_column(ForeignKey("casework_intelligence.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(100))
    requested_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(20))
    """approved, refused, or awaiting (a supervisor's decision)."""
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(Text)


class Person(CaseworkBase):
    """A person in casework: flagged as a victim (a child, an exploited adult, a cuckooed
    resident) independently of being a suspect."""

    __tablename__ = "casework_people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    born_on: Mapped[date | None]
    victim: Mapped[str | None] = mapped_column(String(32))
    suspect: Mapped[bool] = mapped_column(default=False)
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime]


class Referral(CaseworkBase):
    """A safeguarding referral of a person to an agency, with its status and outcome."""

    __tablename__ = "casework_referrals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("casework_people.id"), index=True)
    agency: Mapped[str] = mapped_column(String(100), index=True)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str | None] = mapped_column(Text)
    made_by: Mapped[str] = mapped_column(String(100))
    made_on: Mapped[date]
    reference: Mapped[str] = mapped_column(String(12), unique=True)
    """What partners know it by (``R-`` and 10 random hex digits): the id counts every
    agency's referrals, so a partner seeing 1 and 3 would know another agency had 2."""


class ReferralPerson(CaseworkBase):
    """Another person a referral names (who exploits the child, a relative...); partners
    see them under a pseudonym."""

    __tablename__ = "casework_referral_people"

    referral_id: Mapped[int] = mapped_column(ForeignKey("casework_referrals.id"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("casework_people.id"), primary_key=True)
    relation: Mapped[str] = mapped_column(String(100))


class RetentionEntry(CaseworkBase):
    """When a record is next reviewed (MoPI), and any legal hold that stops its disposal."""

    __tablename__ = "casework_retention"

    record_type: Mapped[str] = mapped_column(String(32), primary_key=True)
    record_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    review_on: Mapped[date] = mapped_column(index=True)
    hold_reason: Mapped[str | None] = mapped_column(Text)
    held_by: Mapped[str | None] = mapped_column(String(100))


class CaseworkKey(CaseworkBase):
    """A secret made when the database was migrated (the pseudonym key): never shown."""

    __tablename__ = "casework_keys"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    secret: Mapped[str] = mapped_column(String(128))


class LineVerdict(CaseworkBase):
    """An analyst's judgement of a detected deal line: confirmed or rejected, by whom and
    when, and on which detection run. Appended, never changed: the newest is the line's
    status and the older ones its history. A line id is the hash of the brand's oldest
    number, so a judgement carries over to later runs that find the same brand."""

    __tablename__ = "casework_line_verdicts"
    __table_args__ = (Index("ix_casework_line_verdicts_line", "line_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    line_id: Mapped[str] = mapped_column(String(32))
    verdict: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    run_id: Mapped[str] = mapped_column(String(64))
    judged_by: Mapped[str] = mapped_column(String(100))
    judged_at: Mapped[datetime]


class HelpEntry(CaseworkBase):
    """A service on the public "get help" page: who it helps and how to reach them.
    Supervisors keep the list; the page has no script and tracks no one."""

    __tablename__ = "casework_help_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    helps: Mapped[str] = mapped_column(Text)
    contact: Mapped[str] = mapped_column(String(500))
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime]


class LineExport(CaseworkBase):
    """A request to send detected deal lines to another force as a signed bundle, graded
    3x5x2 with a security marking. Handling code C waits for a supervisor's decision, as a
    disclosure does; the bundle's id and digest are kept once it is written."""

    __tablename__ = "casework_line_exports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    recipient: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text)
    line_ids: Mapped[str] = mapped_column(Text)  # JSON list
    run_id: Mapped[str] = mapped_column(String(64))
    source_evaluation: Mapped[str] = mapped_column(String(1))
    assessment: Mapped[str] = mapped_column(String(1))
    handling_code: Mapped[str] = mapped_column(String(1))
    handling_conditions: Mapped[str | None] = mapped_column(Text)
    marking: Mapped[str] = mapped_column(String(32))
    requested_by: Mapped[str] = mapped_column(String(100))
    requested_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(Text)
    bundle_id: Mapped[str | None] = mapped_column(String(36))
    bundle_sha256: Mapped[str | None] = mapped_column(String(64))


class ReceivedBundle(CaseworkBase):
    """A signed bundle of line records from another force, verified on arrival and held
    for review: its records stay apart from the force's own findings until accepted."""

    __tablename__ = "casework_received_bundles"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the sender's bundle id
    sender: Mapped[str] = mapped_column(String(200))
    key_id: Mapped[str] = mapped_column(String(64))
    recipient: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    sha256: Mapped[str] = mapped_column(String(64))
    header: Mapped[str] = mapped_column(Text)  # JSON, as signed
    imported_by: Mapped[str] = mapped_column(String(100))
    imported_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(Text)


class ReceivedRecord(CaseworkBase):
    """One FollowTheMoney entity of a received bundle, with the grade, handling code and
    marking it travelled with."""

    __tablename__ = "casework_received_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    bundle_id: Mapped[str] = mapped_column(ForeignKey("casework_received_bundles.id"), index=True)
    entity_id: Mapped[str] = mapped_column(String(200))
    schema: Mapped[str] = mapped_column(String(64))
    line_id: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)  # the entity's JSON, as received
