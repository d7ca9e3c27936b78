"""Graded intelligence, public reports turned into intelligence, disclosures outside the
force, and intelligence exports (``/api/v1``)."""

from __future__ import annotations

from typing import Annotated, Final, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from fortress.casework import audit, intelligence, public_reports
from fortress.casework.exports import FORMATS, export
from fortress.casework.intelligence import (
    DisclosurePackage,
    DisclosureView,
    Grade,
    IntelligenceProblem,
    IntelligenceView,
)
from fortress.casework.models import Disclosure, Intelligence, User
from fortress.casework.public_reports import Dismissed, ReportProblem, TriageItem
from fortress.server.deps import (
    API,
    CommittingRoute,
    Db,
    check_id,
    export_responses,
    not_found,
    requires,
)

router = APIRouter(prefix=API, tags=["intelligence"], route_class=CommittingRoute)
EntityType = Literal["phone", "imei", "person", "address", "vehicle", "line"]


class GradeIn(BaseModel):
    """A grade: 3x5x2 (source 1-3, assessment A-E, handling P or C with conditions) or the
    legacy 5x5x5 (source A-E, intelligence 1-5, handling 1-5), stored as given."""

    model: Literal["3x5x2", "5x5x5"] = "3x5x2"
    source_evaluation: str = Field(min_length=1, max_length=1)
    assessment: str = Field(min_length=1, max_length=1)
    handling_code: str = Field(min_length=1, max_length=1)
    conditions: str | None = Field(default=None, max_length=2_000)

    def grade(self) -> Grade:
        """The casework grade."""
        return Grade(self.model, self.source_evaluation, self.assessment, self.handling_code,
                     self.conditions)  # fmt: skip


class LinkIn(BaseModel):
    """What the report is about."""

    type: EntityType
    value: str = Field(min_length=1, max_length=300)


class IntelligenceIn(BaseModel):
    """A new intelligence report."""

    text: str = Field(min_length=1, max_length=intelligence.MAX_TEXT)
    grade: GradeIn
    links: list[LinkIn] = Field(default_factory=list, max_length=100)


class DismissalIn(BaseModel):
    """Why a public report is dismissed (spam, a duplicate, nothing to act on)."""

    reason: str = Field(min_length=3, max_length=500)


class GradeReportIn(BaseModel):
    """A public report's grade and links."""

    grade: GradeIn
    links: list[LinkIn] = Field(default_factory=list, max_length=100)


class DisclosureIn(BaseModel):
    """A request to disclose a report outside the force."""

    recipient: str = Field(min_length=2, max_length=200)
    purpose: str = Field(min_length=1, max_length=2_000)


class DecisionIn(BaseModel):
    """A supervisor's decision on a disclosure."""

    approve: bool
    reason: str = Field(min_length=1, max_length=2_000)


def _problem(exc: IntelligenceProblem) -> HTTPException:
    return HTTPException(422, str(exc))


def _shown(db: Db, items: list[Intelligence]) -> list[IntelligenceView]:
    return intelligence.views(session=db, items=items)


Filters = dict[str, str]


def _filters(
    phone: str | None = Query(None, max_length=40),
    imei: str | None = Query(None, max_length=20),
    person: str | None = Query(None, max_length=40),
    address: str | None = Query(None, max_length=300),
    vehicle: str | None = Query(None, max_length=20),
    line: str | None = Query(None, max_length=40),
) -> Filters:
    given = {"phone": phone, "imei": imei, "person": person, "address": address,
             "vehicle": vehicle, "line": line}  # fmt: skip
    return {kind: value for kind, value in given.items() if value}


def _search(db: Db, user: User, linked: Filters, q: str | None, limit: int) -> list[Intelligence]:
    try:
        return intelligence.search(db, linked, text=q, limit=limit, actor=user.name)
    except IntelligenceProblem as exc:
        raise _problem(exc) from exc


@router.post("/intelligence", status_code=201, response_model=IntelligenceView)
def new_intelligence(
    body: IntelligenceIn, db: Db, user: Annotated[User, Depends(requires("intelligence.create"))]
) -> IntelligenceView:
    """Record a graded intelligence report with its links."""
    try:
        item = intelligence.create(db, body.text, body.grade.grade(),
                                   [(link.type, link.value) for link in body.links],
                                   actor=user.name)  # fmt: skip
    except IntelligenceProblem as exc:
        raise _problem(exc) from exc
    return _shown(db, [item])[0]


@router.get("/intelligence", response_model=list[IntelligenceView])
def search_intelligence(
    db: Db,
    user: Annotated[User, Depends(requires("intelligence.search"))],
    linked: Annotated[Filters, Depends(_filters)],
    q: Annotated[str | None, Query(max_length=200, description="text the report contains")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[IntelligenceView]:
    """Reports linked to every entity given (phone, imei, person, address, vehicle, line)
    and containing ``q``, newest first."""
    return _shown(db, _search(db, user, linked, q, limit))


@router.get("/intelligence/{item_id}", response_model=IntelligenceView)
def read_intelligence(
    item_id: int, db: Db, user: Annotated[User, Depends(requires("intelligence.read"))]
) -> IntelligenceView:
    """One report with its grade and links."""
    try:
        item = intelligence.get(db, check_id("intelligence", item_id), actor=user.name)
    except LookupError as exc:
        raise not_found("intelligence", item_id) from exc
    return _shown(db, [item])[0]


MARKING: Final = "OFFICIAL-SENSITIVE"
"""The Government Security Classification of police intelligence in a file."""


@router.get("/exports/intelligence", response_class=Response, responses=export_responses())
def export_intelligence(
    db: Db,
    user: Annotated[User, Depends(requires("intelligence.export"))],
    linked: Annotated[Filters, Depends(_filters)],
    format: Annotated[Literal["csv", "xlsx"], Query()] = "csv",
    q: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1_000,
) -> Response:
    """The search's reports as CSV or XLSX (spreadsheet formulas neutralised), marked
    ``OFFICIAL-SENSITIVE`` on its first line and on every row. A file leaves the system,
    so reports whose handling code needs a supervisor (C, legacy 2 to 5) are withheld and
    counted on the first line: those go out only as an approved disclosure. Audited as a
    disclosure of the reports exported."""
    found = _search(db, user, linked, q, limit)
    shared = [item for item in found if not intelligence.needs_supervisor(item)]
    withheld = len(found) - len(shared)
    audit.record(db, user.name, "disclosure", "intelligence", [i.id for i in shared],
                 recipient=f"export file ({user.name})")  # fmt: skip
    note = (f"{_reports(len(shared))} exported; {_reports(withheld)} withheld: handling "
            "code C (or legacy 2 to 5) goes out only as an approved disclosure")  # fmt: skip
    header = ["marking", "id", "grade", "handling code", "handling conditions", "text", "links",
              "recorded by", "recorded at"]  # fmt: skip
    rows = [
        [MARKING, i.id, i.grade_label, i.grade.handling_code, i.grade.conditions, i.text,
         "; ".join(f"{link.type}: {link.value}" for link in i.links),
         i.recorded_by, i.recorded_at]
        for i in _shown(db, shared)
    ]  # fmt: skip
    return Response(
        export(format, "Intelligence", header, rows, preamble=[[MARKING, note]]),
        media_type=FORMATS[format],
        headers={"Content-Disposition": f'attachment; filename="intelligence.{format}"'},
    )


def _reports(count: int) -> str:
    return f"{count:,} report{'' if count == 1 else 's'}"


@router.get("/reports", response_model=list[TriageItem])
def triage_queue(
    db: Db, user: Annotated[User, Depends(requires("reports.list"))]
) -> list[TriageItem]:
    """The public's reports awaiting triage, oldest first."""
    return public_reports.triage_queue(session=db, actor=user.name)


@router.post("/reports/{report_id}/intelligence", status_code=201, response_model=IntelligenceView)
def grade_report(
    report_id: int,
    body: GradeReportIn,
    db: Db,
    user: Annotated[User, Depends(requires("reports.grade"))],
) -> IntelligenceView:
    """Turn a public report into graded intelligence."""
    try:
        item = intelligence.grade_public_report(
            db, check_id("public report", report_id), body.grade.grade(),
            [(link.type, link.value) for link in body.links], actor=user.name,
        )  # fmt: skip
    except LookupError as exc:
        raise not_found("public report", report_id) from exc
    except IntelligenceProblem as exc:
        raise _problem(exc) from exc
    return _shown(db, [item])[0]


@router.post("/reports/{report_id}/dismissal", status_code=201, response_model=Dismissed)
def dismiss_report(
    report_id: int,
    body: DismissalIn,
    db: Db,
    user: Annotated[User, Depends(requires("reports.dismiss"))],
) -> Dismissed:
    """Dismiss a public report awaiting triage, saying why (audited)."""
    try:
        return public_reports.dismiss(db, check_id("public report", report_id), body.reason,
                                      actor=user.name)  # fmt: skip
    except LookupError as exc:
        raise not_found("public report", report_id) from exc
    except ReportProblem as exc:
        raise HTTPException(422, str(exc)) from exc


@router.post("/intelligence/{item_id}/disclosures", status_code=201, response_model=DisclosureView)
def request_disclosure(
    item_id: int,
    body: DisclosureIn,
    db: Db,
    user: Annotated[User, Depends(requires("disclosures.request"))],
) -> DisclosureView:
    """Ask to disclose a report outside the force (handling code C: a supervisor decides)."""
    try:
        item = intelligence.get(db, check_id("intelligence", item_id), actor=user.name)
        made = intelligence.request_disclosure(db, item, body.recipient, body.purpose,
                                               actor=user.name)  # fmt: skip
    except LookupError as exc:
        raise not_found("intelligence", item_id) from exc
    except IntelligenceProblem as exc:
        raise _problem(exc) from exc
    return intelligence.disclosure_view(disclosure=made)


def _disclosure(db: Db, disclosure_id: int) -> Disclosure:
    found = db.get(Disclosure, check_id("disclosure", disclosure_id))
    if found is None:
        raise not_found("disclosure", disclosure_id)
    return found


@router.get("/disclosures", response_model=list[DisclosureView])
def awaiting_disclosures(
    db: Db, user: Annotated[User, Depends(requires("disclosures.list"))]
) -> list[DisclosureView]:
    """Disclosures awaiting a supervisor's decision, oldest first."""
    return intelligence.awaiting_decision(db, actor=user.name)


@router.post("/disclosures/{disclosure_id}/decision", response_model=DisclosureView)
def decide_disclosure(
    disclosure_id: int,
    body: DecisionIn,
    db: Db,
    user: Annotated[User, Depends(requires("disclosures.decide"))],
) -> DisclosureView:
    """A supervisor approves or refuses a disclosure, with the reason."""
    found = _disclosure(db, disclosure_id)
    try:
        intelligence.decide(db, found, body.approve, body.reason, actor=user.name)
    except IntelligenceProblem as exc:
        raise HTTPException(409, str(exc)) from exc
    return intelligence.disclosure_view(disclosure=found)


@router.get("/disclosures/{disclosure_id}", response_model=DisclosurePackage)
def disclosure_package(
    disclosure_id: int, db: Db, user: Annotated[User, Depends(requires("disclosures.send"))]
) -> DisclosurePackage:
    """What to send for an approved disclosure (audited with its recipient); 409 until a
    supervisor has approved one that needs it."""
    found = _disclosure(db, disclosure_id)
    try:
        return intelligence.package(session=db, disclosure=found, actor=user.name)
    except IntelligenceProblem as exc:
        raise HTTPException(409, str(exc)) from exc
    except LookupError as exc:
        raise HTTPException(410, str(exc)) from exc
