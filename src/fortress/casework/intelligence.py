"""Graded intelligence: reports graded on the 3x5x2 model (or kept in the legacy 5x5x5
grade they were given, never converted), linked to phones, IMEIs, people, addresses,
vehicles and deal lines; public reports turned into intelligence; and disclosures outside
the force, which for handling code C (and legacy codes 2-5) wait for a supervisor.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Protocol, TypeVar

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from fortress.casework import audit, retention
from fortress.casework.models import (
    Disclosure,
    Intelligence,
    IntelligenceLink,
    Person,
    PublicReport,
)
from fortress.model.values import Msisdn, ValueProblem, Vrm, checked
from fortress.store.workspace import now_utc

GRADES: Final = {
    "3x5x2": {"source_evaluation": "123", "assessment": "ABCDE", "handling_code": "PC"},
    "5x5x5": {"source_evaluation": "ABCDE", "assessment": "12345", "handling_code": "12345"},
}
"""The values each part of a grade may take, by grading model. 3x5x2 (College of Policing
APP, 2021): source 1 reliable, 2 untested, 3 not reliable; assessment A known directly, B
known indirectly but corroborated, C known indirectly, D not known, E suspected false;
handling P (lawful sharing permitted) or C (permitted with conditions, which are kept).
5x5x5 (legacy NIM): source A-E, intelligence 1-5, handling 1-5."""

ENTITY_TYPES: Final = ("phone", "imei", "person", "address", "vehicle", "line")
MAX_TEXT: Final = 20_000
_PLATE_SEPARATORS = re.compile(r"[\s\-.]")
_PLATE = re.compile(r"^[A-Z0-9]{1,10}$")


class IntelligenceProblem(ValueError):
    """Intelligence that cannot be recorded or disclosed as asked; the message says why."""


@dataclass(frozen=True, slots=True)
class Grade:
    """A grade as given."""

    model: str
    source_evaluation: str
    assessment: str
    handling_code: str
    conditions: str | None = None


def check_grade(grade: Grade) -> None:
    """Refuse a grade that its model does not allow, saying which part and what it may be."""
    allowed = GRADES.get(grade.model)
    if allowed is None:
        raise IntelligenceProblem(f"unknown grading model {grade.model!r}: use 3x5x2 or 5x5x5")
    for part, values in allowed.items():
        given = getattr(grade, part)
        if given not in tuple(values):
            raise IntelligenceProblem(
                f"{part.replace('_', ' ')} {given!r} is not a {grade.model} grade: use one of "
                f"{', '.join(values)}"
            )
    conditional = grade.model == "3x5x2" and grade.handling_code == "C"
    if conditional and not (grade.conditions or "").strip():
        raise IntelligenceProblem("handling code C needs its conditions (who may receive it, how)")


def needs_supervisor(item: Intelligence) -> bool:
    """Whether disclosing ``item`` outside the force needs a supervisor's recorded decision:
    handling code C, and every legacy code but 1 (which allowed other law enforcement)."""
    if item.grading_model == "3x5x2":
        return item.handling_code == "C"
    return item.handling_code != "1"


def normalise_link(session: Session, entity_type: str, value: str) -> str:
    """A link's value in the form searches compare: phone numbers and lines in E.164,
    IMEIs as their digits, vehicles in capitals without spaces, addresses single-spaced in
    capitals, people as a casework person's id."""
    return _link(session, entity_type, value)[0]


def _link(session: Session, entity_type: str, value: str) -> tuple[str, str | None]:
    """The normalised value and, for a value kept as given, the registry's flag.

    Phone numbers and IMEIs are cleaned by the value registry and refused when it flags
    them (an IMEI failing its Luhn check is a slip to correct, refused with the same
    reason everywhere it is typed). A registration in no UK format (a foreign or partial
    plate, itself intelligence) is kept, folded like one, with the registry's flag."""
    raw = " ".join(str(value).split())
    if entity_type in ("phone", "line"):
        cleaned = Msisdn().clean(raw)
        if cleaned.flag or not cleaned.value:
            raise IntelligenceProblem(f"{raw!r} is not a phone number ({cleaned.flag})")
        return cleaned.value, None
    if entity_type in ("imei", "person"):
        try:
            typed = checked("imei" if entity_type == "imei" else "person_id", raw)
        except ValueProblem as exc:
            raise IntelligenceProblem(str(exc)) from exc
        if entity_type == "person" and session.get(Person, int(typed)) is None:
            raise IntelligenceProblem(f"no casework person {typed} (link people by their id)")
        return typed, None
    if entity_type == "vehicle":
        cleaned = Vrm().clean(raw)
        if cleaned.flag is None and cleaned.value:
            return cleaned.value, None
        plate = _PLATE_SEPARATORS.sub("", raw).upper()
        if not _PLATE.match(plate):
            raise IntelligenceProblem(f"{raw!r} is not a vehicle registration")
        return plate, cleaned.flag
    if entity_type == "address":
        if not 3 <= len(raw) <= 300:
            raise IntelligenceProblem("an address is 3 to 300 characters")
        return raw.upper(), None
    raise IntelligenceProblem(f"unknown link type {entity_type!r}: use {', '.join(ENTITY_TYPES)}")


def create(
    session: Session,
    text: str,
    grade: Grade,
    links: Iterable[tuple[str, str]],
    *,
    actor: str,
    public_report_id: int | None = None,
) -> Intelligence:
    """Record a graded report with its links (audited as a collection)."""
    text = text.strip()
    if not 1 <= len(text) <= MAX_TEXT:
        raise IntelligenceProblem(f"the report's text is 1 to {MAX_TEXT:,} characters")
    check_grade(grade)
    normalised = sorted({(kind, *_link(session, kind, value)) for kind, value in links})
    conditions = (grade.conditions or "").strip() or None
    item = Intelligence(
        text=text, grading_model=grade.model, source_evaluation=grade.source_evaluation,
        assessment=grade.assessment, handling_code=grade.handling_code,
        handling_conditions=conditions, public_report_id=public_report_id,
        recorded_by=actor, recorded_at=now_utc().replace(tzinfo=None),
    )  # fmt: skip
    session.add(item)
    session.flush()
    session.add_all(
        IntelligenceLink(intelligence_id=item.id, entity_type=kind, value=value, flag=flag)
        for kind, value, flag in normalised
    )
    retention.schedule(session, "intelligence", item.id, item.recorded_at.date())
    audit.record(session, actor, "collection", "intelligence", [item.id])
    return item


def get(session: Session, item_id: int, *, actor: str) -> Intelligence:
    """One report (audited as a consultation), or ``LookupError``."""
    return audit.consulted(session, Intelligence, item_id, actor=actor, record_type="intelligence")


def search(
    session: Session,
    linked: Mapping[str, str],
    *,
    text: str | None = None,
    limit: int = 100,
    actor: str,
) -> list[Intelligence]:
    """Reports linked to every given entity (and containing ``text``), newest first
    (audited as a consultation of the ids shown)."""
    query = select(Intelligence)
    for kind, value in linked.items():
        wanted = normalise_link(session, kind, value)
        query = query.where(
            Intelligence.id.in_(
                select(IntelligenceLink.intelligence_id).where(
                    IntelligenceLink.entity_type == kind, IntelligenceLink.value == wanted
                )
            )
        )
    if text:
        query = query.where(Intelligence.text.icontains(text, autoescape=True))
    found = list(session.scalars(query.order_by(Intelligence.id.desc()).limit(limit)))
    audit.record(session, actor, "consultation", "intelligence", [i.id for i in found])
    return found


class LinkView(BaseModel):
    """What a report is about, normalised; ``flag`` says why a value is kept as given."""

    type: str
    value: str
    flag: str | None = None


class GradeView(BaseModel):
    """A grade as given, in its own model."""

    model: str
    source_evaluation: str
    assessment: str
    handling_code: str
    conditions: str | None


class IntelligenceView(BaseModel):
    """A report as the API, the CLI and exports show it."""

    id: int
    text: str
    grade: GradeView
    grade_label: str
    links: list[LinkView]
    public_report_id: int | None
    recorded_by: str
    recorded_at: str


def links_of(session: Session, ids: Iterable[int]) -> dict[int, list[LinkView]]:
    """Each report's links, by report id."""
    found: dict[int, list[LinkView]] = defaultdict(list)
    wanted = list(ids)
    if wanted:
        rows = session.scalars(
            select(IntelligenceLink)
            .where(IntelligenceLink.intelligence_id.in_(wanted))
            .order_by(IntelligenceLink.id)
        )
        for link in rows:
            found[link.intelligence_id].append(
                LinkView(type=link.entity_type, value=link.value, flag=link.flag)
            )
    return found


def views(*, session: Session, items: Sequence[Intelligence]) -> list[IntelligenceView]:
    """The reports as they are shown, with their links."""
    links = links_of(session, [i.id for i in items])
    return [_view(item, links.get(item.id, [])) for item in items]


def _view(item: Intelligence, links: list[LinkView]) -> IntelligenceView:
    return IntelligenceView(
        id=item.id,
        text=item.text,
        grade=GradeView(
            model=item.grading_model,
            source_evaluation=item.source_evaluation,
            assessment=item.assessment,
            handling_code=item.handling_code,
            conditions=item.handling_conditions,
        ),
        grade_label=grade_label(item),
        links=links,
        public_report_id=item.public_report_id,
        recorded_by=item.recorded_by,
        recorded_at=item.recorded_at.isoformat(timespec="seconds"),
    )


def grade_label(item: Intelligence) -> str:
    """The grade as analysts write it: ``1/B/P`` (3x5x2) or ``B/2/1 (5x5x5)``."""
    label = f"{item.source_evaluation}/{item.assessment}/{item.handling_code}"
    return label if item.grading_model == "3x5x2" else f"{label} (5x5x5)"


def grade_public_report(
    session: Session,
    report_id: int,
    grade: Grade,
    links: Iterable[tuple[str, str]],
    *,
    actor: str,
) -> Intelligence:
    """Turn a public report awaiting triage into graded intelligence (its text, with the
    place given, becomes the report's text; the contact details stay with the report)."""
    report = session.get(PublicReport, report_id)
    if report is None:
        raise LookupError(f"no public report {report_id}")
    if report.intelligence_id is not None:
        raise IntelligenceProblem(
            f"public report {report_id} is already intelligence {report.intelligence_id}"
        )
    text = report.description + (f"\n\nPlace given: {report.location}" if report.location else "")
    item = create(session, text, grade, links, actor=actor, public_report_id=report.id)
    report.status, report.intelligence_id = "graded", item.id
    audit.record(
        session, actor, "combination", "public_report", [report.id, f"intelligence:{item.id}"]
    )
    return item


def request_disclosure(
    session: Session, item: Intelligence, recipient: str, purpose: str, *, actor: str
) -> Disclosure:
    """Ask to disclose ``item`` to ``recipient`` outside the force: approved at once for
    handling code P (and legacy 1), otherwise awaiting a supervisor's decision."""
    recipient, purpose = " ".join(recipient.split()), purpose.strip()
    if not 2 <= len(recipient) <= 200:
        raise IntelligenceProblem("name the recipient (2 to 200 characters)")
    if not purpose:
        raise IntelligenceProblem("say why it is disclosed (the purpose)")
    awaits = needs_supervisor(item)
    disclosure = Disclosure(
        intelligence_id=item.id, recipient=recipient, purpose=purpose, requested_by=actor,
        requested_at=now_utc().replace(tzinfo=None),
        status="awaiting" if awaits else "approved",
        reason=None if awaits else f"handling code {item.handling_code} permits sharing",
    )  # fmt: skip
    session.add(disclosure)
    session.flush()
    audit.record(session, actor, "collection", "disclosure", [disclosure.id])
    return disclosure


class Decidable(Protocol):
    """A request that waits for a supervisor: a disclosure, or lines sent to another force."""

    id: int
    status: str
    requested_by: str
    decided_by: str | None
    decided_at: datetime | None
    reason: str | None


Request = TypeVar("Request", bound=Decidable)


def decide(
    session: Session,
    request: Request,
    approve: bool,
    reason: str,
    *,
    actor: str,
    record_type: str = "disclosure",
) -> Request:
    """A supervisor's recorded decision on a request awaiting one (not their own)."""
    if request.status != "awaiting":
        raise IntelligenceProblem(
            f"{record_type.replace('_', ' ')} {request.id} was already {request.status}"
        )
    if request.requested_by == actor:
        raise IntelligenceProblem("a supervisor does not decide their own request")
    if not reason.strip():
        raise IntelligenceProblem("record the reason for the decision")
    request.status = "approved" if approve else "refused"
    request.decided_by, request.reason = actor, reason.strip()
    request.decided_at = now_utc().replace(tzinfo=None)
    audit.record(session, actor, "alteration", record_type, [request.id])
    return request


class DisclosureView(BaseModel):
    """A disclosure's request and decision (without the report's content)."""

    id: int
    intelligence_id: int
    recipient: str
    purpose: str
    requested_by: str
    status: str
    decided_by: str | None
    reason: str | None


class DisclosurePackage(DisclosureView):
    """What goes to the recipient of an approved disclosure."""

    intelligence: IntelligenceView


def disclosure_view(*, disclosure: Disclosure) -> DisclosureView:
    """A disclosure as it is shown."""
    return DisclosureView(
        id=disclosure.id,
        intelligence_id=disclosure.intelligence_id,
        recipient=disclosure.recipient,
        purpose=disclosure.purpose,
        requested_by=disclosure.requested_by,
        status=disclosure.status,
        decided_by=disclosure.decided_by,
        reason=disclosure.reason,
    )


def awaiting_decision(session: Session, *, actor: str) -> list[DisclosureView]:
    """Disclosures awaiting a supervisor's decision, oldest first (audited as a
    consultation by ``actor``)."""
    found = session.scalars(
        select(Disclosure).where(Disclosure.status == "awaiting").order_by(Disclosure.id)
    ).all()
    audit.record(session, actor, "consultation", "disclosure", [d.id for d in found])
    return [disclosure_view(disclosure=d) for d in found]


def package(*, session: Session, disclosure: Disclosure, actor: str) -> DisclosurePackage:
    """What goes to the recipient of an approved disclosure: the report with its grade and
    handling conditions (audited as a disclosure, with the recipient)."""
    if disclosure.status != "approved":
        raise IntelligenceProblem(
            f"disclosure {disclosure.id} is {disclosure.status}: nothing may be sent"
        )
    item = session.get(Intelligence, disclosure.intelligence_id)
    if item is None:
        raise LookupError(f"intelligence {disclosure.intelligence_id} was disposed of")
    audit.record(session, actor, "disclosure", "intelligence", [item.id],
                 recipient=disclosure.recipient)  # fmt: skip
    shown = disclosure_view(disclosure=disclosure)
    return DisclosurePackage(
        **shown.model_dump(), intelligence=views(session=session, items=[item])[0]
    )
