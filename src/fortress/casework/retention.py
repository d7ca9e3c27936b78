"""Retention under the College of Policing's Management of Police Information (MoPI):
every personal record gets a review date when it is made; a review retains it (with the
next review date) or disposes of it; a legal hold stops disposal until it is released.

Disposal really deletes: the record and what hangs off it go in one audited transaction,
SQLite overwrites what was deleted (``PRAGMA secure_delete``, set on every workspace
connection) and the write-ahead log is then checkpointed and truncated, so no copy of the
text is left in the database's files. On PostgreSQL the rows are deleted and the table
vacuumed; the old bytes stay in the data files until PostgreSQL reuses the space.
"""

from __future__ import annotations

from datetime import date
from typing import Final

from sqlalchemy import Engine, delete, select, text, update
from sqlalchemy.orm import Session

from fortress.casework import audit
from fortress.casework.models import (
    CaseworkBase,
    Disclosure,
    Intelligence,
    IntelligenceLink,
    Person,
    PublicReport,
    Referral,
    ReferralPerson,
    RetentionEntry,
)

REVIEW_YEARS: Final = {
    "intelligence": 6,
    "person": 6,
    "referral": 10,
    "public_report": 1,
}
"""Years to the next review, by record type. Intelligence and people: MoPI group 3's six
years; safeguarding referrals: MoPI group 2's ten-year review (public protection); reports
from the public: a year (Fortress's choice: a report is graded into intelligence, which
has its own review, or it has served its purpose)."""

RECORDS: Final[dict[str, type[CaseworkBase]]] = {
    "intelligence": Intelligence,
    "person": Person,
    "referral": Referral,
    "public_report": PublicReport,
}


class RetentionProblem(ValueError):
    """A review, hold or disposal that cannot be done; the message says why."""


def in_years(day: date, years: int) -> date:
    """``day`` moved ``years`` on (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def schedule(session: Session, record_type: str, record_id: int, made_on: date) -> None:
    """Give a new record its first review date."""
    review_on = in_years(made_on, REVIEW_YEARS[record_type])
    session.add(RetentionEntry(record_type=record_type, record_id=record_id, review_on=review_on))


def due(session: Session, on: date, *, actor: str, limit: int = 500) -> list[RetentionEntry]:
    """The review queue: records whose review date is ``on`` or earlier, oldest first."""
    found = list(
        session.scalars(
            select(RetentionEntry)
            .where(RetentionEntry.review_on <= on)
            .order_by(
                RetentionEntry.review_on, RetentionEntry.record_type, RetentionEntry.record_id
            )
            .limit(limit)
        )
    )
    audit.record(session, actor, "consultation", "retention",
                 [f"{e.record_type}:{e.record_id}" for e in found])  # fmt: skip
    return found


def entry(session: Session, record_type: str, record_id: int) -> RetentionEntry:
    """A record's retention entry, or ``LookupError`` (no such record)."""
    if record_type not in RECORDS:
        raise LookupError(f"unknown record type {record_type!r}: use one of {', '.join(RECORDS)}")
    found = session.get(RetentionEntry, (record_type, record_id))
    if found is None:
        raise LookupError(f"no {record_type} {record_id}")
    return found


def retain(session: Session, record_type: str, record_id: int, *, on: date, actor: str) -> date:
    """A review that keeps the record: its next review is a full period after ``on``."""
    found = entry(session, record_type, record_id)
    found.review_on = in_years(on, REVIEW_YEARS[record_type])
    audit.record(session, actor, "alteration", "retention", [f"{record_type}:{record_id}"])
    return found.review_on


def hold(session: Session, record_type: str, record_id: int, reason: str, *, actor: str) -> None:
    """Put a legal hold on a record (it cannot be disposed of until released)."""
    if not reason.strip():
        raise RetentionProblem("a legal hold needs its reason (the case or order)")
    found = entry(session, record_type, record_id)
    found.hold_reason, found.held_by = reason.strip(), actor
    audit.record(session, actor, "alteration", "retention", [f"{record_type}:{record_id}"])


def release(session: Session, record_type: str, record_id: int, *, actor: str) -> None:
    """Lift a record's legal hold."""
    found = entry(session, record_type, record_id)
    if found.hold_reason is None:
        raise RetentionProblem(f"{record_type} {record_id} is not on hold")
    found.hold_reason, found.held_by = None, None
    audit.record(session, actor, "alteration", "retention", [f"{record_type}:{record_id}"])


def dispose(session: Session, record_type: str, record_id: int, *, actor: str) -> None:
    """Delete a record and what hangs off it (audited as an erasure); refused while it is
    on hold or while other records still name it."""
    found = entry(session, record_type, record_id)
    if found.hold_reason is not None:
        raise RetentionProblem(
            f"{record_type} {record_id} is under a legal hold ({found.hold_reason}): release "
            "the hold first"
        )
    _delete_dependents(session, record_type, record_id)
    session.execute(delete(RECORDS[record_type]).where(RECORDS[record_type].id == record_id))  # type: ignore[attr-defined]
    session.delete(found)
    audit.record(session, actor, "erasure", record_type, [record_id])


def _delete_dependents(session: Session, record_type: str, record_id: int) -> None:
    if record_type == "intelligence":
        session.execute(
            delete(IntelligenceLink).where(IntelligenceLink.intelligence_id == record_id)
        )
        session.execute(delete(Disclosure).where(Disclosure.intelligence_id == record_id))
        session.execute(
            update(PublicReport).where(PublicReport.intelligence_id == record_id)
            .values(intelligence_id=None)
        )  # fmt: skip
    elif record_type == "public_report":
        session.execute(
            update(Intelligence).where(Intelligence.public_report_id == record_id)
            .values(public_report_id=None)
        )  # fmt: skip
    elif record_type == "referral":
        session.execute(delete(ReferralPerson).where(ReferralPerson.referral_id == record_id))
    elif record_type == "person":
        _refuse_if_named(session, record_id)


def _refuse_if_named(session: Session, person_id: int) -> None:
    referrals = set(session.scalars(select(Referral.id).where(Referral.person_id == person_id)))
    referrals |= set(
        session.scalars(
            select(ReferralPerson.referral_id).where(ReferralPerson.person_id == person_id)
        )
    )
    reports = set(
        session.scalars(
            select(IntelligenceLink.intelligence_id).where(
                IntelligenceLink.entity_type == "person", IntelligenceLink.value == str(person_id)
            )
        )
    )
    if referrals or reports:
        named = [f"referral {i}" for i in sorted(referrals)]
        named += [f"intelligence {i}" for i in sorted(reports)]
        raise RetentionProblem(
            f"person {person_id} is still named in {', '.join(named)}: dispose of those first"
        )


def wipe_traces(engine: Engine) -> None:
    """After a disposal has committed: leave no copy of the deleted rows in the files."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        elif engine.dialect.name == "postgresql":
            autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
            for table in RECORDS.values():
                autocommit.execute(text(f"VACUUM {table.__tablename__}"))
