"""Deal lines shared between forces, as casework records.

Going out: a request to send lines to another force, graded 3x5x2 with a security marking.
Handling code P may be shared at once; handling code C waits for a supervisor's decision
(``intelligence.decide``), as a disclosure does. Writing the bundle is audited as a
disclosure of the lines to the recipient.

Coming in: a bundle whose signature was verified is held with its records for review,
apart from the force's own findings, until accepted (or rejected, with the reason).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from fortress.casework import audit
from fortress.casework.intelligence import Grade, IntelligenceProblem, check_grade
from fortress.casework.models import LineExport, ReceivedBundle, ReceivedRecord
from fortress.store.workspace import now_utc

MARKINGS: Final = ("OFFICIAL", "OFFICIAL-SENSITIVE")
"""The Government Security Classifications a bundle may carry. SECRET and above are not
held on Fortress, so never leave it."""

MOST_LINES: Final = 200
BUNDLE_STATUSES: Final = ("held", "accepted", "rejected")


class SharingProblem(ValueError):
    """Lines that cannot be shared, or a bundle that cannot be held, as asked."""


class ExportView(BaseModel):
    """A request to send lines to another force, and its decision."""

    id: int
    recipient: str
    purpose: str
    line_ids: list[str]
    run_id: str
    grade: str
    handling_conditions: str | None
    marking: str
    requested_by: str
    status: str
    decided_by: str | None
    reason: str | None
    bundle_id: str | None
    bundle_sha256: str | None


@dataclass(frozen=True, slots=True)
class IncomingRecord:
    """One verified entity of a received bundle."""

    entity_id: str
    schema: str
    line_id: str
    body: str


@dataclass(frozen=True, slots=True)
class IncomingBundle:
    """A bundle whose signature was verified against a trusted force's key."""

    id: str
    sender: str
    key_id: str
    recipient: str
    purpose: str
    created_at: datetime
    sha256: str
    header: str
    records: Sequence[IncomingRecord]


class ReceivedView(BaseModel):
    """A received bundle as the review shows it."""

    id: str
    sender: str
    recipient: str
    purpose: str
    created_at: str
    records: int
    lines: list[str]
    status: str
    imported_by: str
    decided_by: str | None
    reason: str | None


def request_export(
    session: Session,
    line_ids: Sequence[str],
    run_id: str,
    recipient: str,
    purpose: str,
    grade: Grade,
    marking: str,
    *,
    actor: str,
) -> LineExport:
    """Ask to send ``line_ids`` (of detection run ``run_id``) to ``recipient``: approved
    at once for handling code P, otherwise awaiting a supervisor (audited)."""
    recipient, purpose = " ".join(recipient.split()), purpose.strip()
    wanted = list(dict.fromkeys(line_ids))
    if not 1 <= len(wanted) <= MOST_LINES:
        raise SharingProblem(f"send 1 to {MOST_LINES} lines at a time")
    if not 2 <= len(recipient) <= 200:
        raise SharingProblem("name the receiving force (2 to 200 characters)")
    if not purpose:
        raise SharingProblem("say why the lines are shared (the purpose)")
    if marking not in MARKINGS:
        raise SharingProblem(
            f"marking {marking[:40]!r} is not one Fortress holds: use {' or '.join(MARKINGS)}"
        )
    if grade.model != "3x5x2":
        raise SharingProblem("lines are graded on the 3x5x2 model when they are shared")
    try:
        check_grade(grade)
    except IntelligenceProblem as exc:
        raise SharingProblem(str(exc)) from exc
    awaits = grade.handling_code == "C"
    export = LineExport(
        recipient=recipient, purpose=purpose, line_ids=json.dumps(wanted), run_id=run_id,
        source_evaluation=grade.source_evaluation, assessment=grade.assessment,
        handling_code=grade.handling_code,
        handling_conditions=(grade.conditions or "").strip() or None, marking=marking,
        requested_by=actor, requested_at=now_utc().replace(tzinfo=None),
        status="awaiting" if awaits else "approved",
        reason=None if awaits else "handling code P permits sharing",
    )  # fmt: skip
    session.add(export)
    session.flush()
    audit.record(session, actor, "collection", "line_export", [export.id])
    return export


def export_view(export: LineExport) -> ExportView:
    """An export request as it is shown."""
    return ExportView(
        id=export.id, recipient=export.recipient, purpose=export.purpose,
        line_ids=json.loads(export.line_ids), run_id=export.run_id,
        grade=f"{export.source_evaluation}/{export.assessment}/{export.handling_code}",
        handling_conditions=export.handling_conditions, marking=export.marking,
        requested_by=export.requested_by, status=export.status,
        decided_by=export.decided_by, reason=export.reason, bundle_id=export.bundle_id,
        bundle_sha256=export.bundle_sha256,
    )  # fmt: skip


def get_export(session: Session, export_id: int) -> LineExport:
    """One export request, or ``LookupError``."""
    found = session.get(LineExport, export_id)
    if found is None:
        raise LookupError(f"no line export {export_id}")
    return found


def export_grade(export: LineExport) -> Grade:
    """The grade the lines of ``export`` travel with."""
    return Grade("3x5x2", export.source_evaluation, export.assessment, export.handling_code,
                 export.handling_conditions)  # fmt: skip


def exports(session: Session, *, status: str | None = None, actor: str) -> list[ExportView]:
    """Export requests (those of ``status`` only, if given), oldest first (audited as a
    consultation)."""
    query = select(LineExport).order_by(LineExport.id)
    if status is not None:
        query = query.where(LineExport.status == status)
    found = session.scalars(query).all()
    audit.record(session, actor, "consultation", "line_export", [e.id for e in found])
    return [export_view(e) for e in found]


def check_sendable(export: LineExport) -> None:
    """Refuse to write the bundle of a request that is not approved."""
    if export.status != "approved":
        raise SharingProblem(f"line export {export.id} is {export.status}: nothing may be sent")


def record_sent(
    session: Session, export: LineExport, bundle_id: str, sha256: str, *, actor: str
) -> None:
    """Keep the written bundle's id and digest (audited as a disclosure of the lines to the
    recipient). Writing it again gives a new bundle, disclosed again."""
    check_sendable(export)
    export.bundle_id, export.bundle_sha256 = bundle_id, sha256
    audit.record(session, actor, "disclosure", "deal_line", json.loads(export.line_ids),
                 recipient=export.recipient)  # fmt: skip


def hold(session: Session, bundle: IncomingBundle, *, actor: str) -> ReceivedBundle:
    """Hold a verified bundle and its records for review (audited as a collection); the
    same bundle twice is refused."""
    if session.get(ReceivedBundle, bundle.id) is not None:
        raise SharingProblem(f"bundle {bundle.id} from {bundle.sender} was already imported")
    held = ReceivedBundle(
        id=bundle.id, sender=bundle.sender, key_id=bundle.key_id, recipient=bundle.recipient,
        purpose=bundle.purpose, created_at=bundle.created_at, sha256=bundle.sha256,
        header=bundle.header, imported_by=actor, imported_at=now_utc().replace(tzinfo=None),
        status="held",
    )  # fmt: skip
    session.add(held)
    session.flush()
    session.add_all(
        ReceivedRecord(
            bundle_id=bundle.id,
            entity_id=r.entity_id,
            schema=r.schema,
            line_id=r.line_id,
            body=r.body,
        )
        for r in bundle.records
    )
    audit.record(session, actor, "collection", "received_bundle", [bundle.id])
    return held


def get_received(session: Session, bundle_id: str) -> ReceivedBundle:
    """One received bundle, or ``LookupError``."""
    found = session.get(ReceivedBundle, bundle_id[:36])
    if found is None:
        raise LookupError(f"no received bundle {bundle_id[:36]!r}")
    return found


def review(
    session: Session, bundle: ReceivedBundle, accept: bool, reason: str, *, actor: str
) -> ReceivedBundle:
    """Accept a held bundle's records into the force's picture, or reject them, with the
    reason (audited as an alteration)."""
    if bundle.status != "held":
        raise SharingProblem(f"bundle {bundle.id} was already {bundle.status}")
    if not reason.strip():
        raise SharingProblem("record the reason for the decision")
    bundle.status = "accepted" if accept else "rejected"
    bundle.decided_by, bundle.reason = actor, reason.strip()
    bundle.decided_at = now_utc().replace(tzinfo=None)
    audit.record(session, actor, "alteration", "received_bundle", [bundle.id])
    return bundle


def received(session: Session, *, status: str | None = None, actor: str) -> list[ReceivedView]:
    """Received bundles (of ``status`` only, if given), oldest first (audited as a
    consultation)."""
    if status is not None and status not in BUNDLE_STATUSES:
        raise SharingProblem(f"a bundle is {', '.join(BUNDLE_STATUSES)}, not {status[:20]!r}")
    query = select(ReceivedBundle).order_by(ReceivedBundle.imported_at, ReceivedBundle.id)
    if status is not None:
        query = query.where(ReceivedBundle.status == status)
    found = session.scalars(query).all()
    audit.record(session, actor, "consultation", "received_bundle", [b.id for b in found])
    return [received_view(session, b) for b in found]


def records_of(session: Session, bundle_id: str) -> list[ReceivedRecord]:
    """A received bundle's records, in the order they came."""
    query = select(ReceivedRecord).where(ReceivedRecord.bundle_id == bundle_id)
    return list(session.scalars(query.order_by(ReceivedRecord.id)))


def received_view(session: Session, bundle: ReceivedBundle) -> ReceivedView:
    """A received bundle as the review shows it."""
    records = records_of(session, bundle.id)
    return ReceivedView(
        id=bundle.id, sender=bundle.sender, recipient=bundle.recipient, purpose=bundle.purpose,
        created_at=bundle.created_at.isoformat(timespec="seconds"), records=len(records),
        lines=sorted({r.line_id for r in records}), status=bundle.status,
        imported_by=bundle.imported_by, decided_by=bundle.decided_by, reason=bundle.reason,
    )  # fmt: skip
