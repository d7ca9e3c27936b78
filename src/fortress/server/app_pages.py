"""The workspace in the browser: a home that sends each role to its own work, the deal-line
board, and each role's landing table. Server-rendered (Jinja, autoescaped), no script,
nothing loaded from elsewhere; every page is checked against the policy table, accepts the
sign-in cookie (``policy.BROWSER``) and is audited as a consultation (DPA s.62)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from pydantic import ValidationError
from sqlalchemy import select

from fortress.casework import audit, help_services, intelligence, safeguarding
from fortress.casework.intelligence import (
    IntelligenceProblem,
    IntelligenceView,
    awaiting_decision,
    disclosure_view,
)
from fortress.casework.line_verdicts import STATUSES, Status, line_history
from fortress.casework.models import AuditEntry, Disclosure, Operation, OperationResult, User
from fortress.casework.operations import get_operation, summary
from fortress.casework.phones import seized_phones, seizures_of
from fortress.casework.policy import allowed
from fortress.casework.users import every_user
from fortress.comms.judgements import link_judgements
from fortress.comms.lines import NoDetection, lines_per_day
from fortress.comms.lines import safeguarding as safeguarding_sites
from fortress.model.lines import LinesPerDay, LineSummary
from fortress.places.campaigns import saved_areas
from fortress.places.hotspot_map import find_hotspots, hot_cells_geojson
from fortress.reports.lines_report import line_section
from fortress.reports.places_section import places_section
from fortress.reports.svg import contact_timeline, sparkline
from fortress.server.deps import CommittingRoute, Db, check_csrf, check_id, requires
from fortress.server.lines_api import (
    LinkVerdictIn,
    VerdictIn,
    found_line,
    latest_lines,
    record_link_verdict,
    record_verdict,
    with_status,
    workspace_of,
)
from fortress.server.navigation import navigation
from fortress.server.numbers_api import intelligence_naming, number_out
from fortress.server.pages import PAGE_ERRORS, page
from fortress.store.workspace import Workspace

router = APIRouter(tags=["pages"], route_class=CommittingRoute, responses=PAGE_ERRORS)
LINE_ID: Final = re.compile(r"line-[0-9a-f]{10}")
"""A line id as detection makes it (anything else cannot be one)."""

ROLE_HOME: Final = {
    "analyst": "/app/lines",
    "officer": "/app/operations",
    "supervisor": "/app/disclosures",
    "safeguarding_partner": "/app/referrals",
    "auditor": "/app/audit",
    "administrator": "/app/users",
}
"""Where each role lands after signing in: its own work."""


SORTS: Final[dict[str, Callable[[LineSummary], tuple[Any, ...]]]] = {
    "score": lambda line: (-line.score, line.line_id or ""),
    "last_seen": lambda line: (line.last_seen_utc, line.line_id or ""),
    "first_seen": lambda line: (line.first_seen_utc, line.line_id or ""),
    "customers": lambda line: (-line.customer_count, line.line_id or ""),
    "numbers": lambda line: (-len(line.numbers), line.line_id or ""),
}
"""The board's orders (``?sort=``); ``last_seen`` and ``first_seen`` oldest first."""


@router.get("/", response_class=RedirectResponse, status_code=303)
def home(user: Annotated[User | None, Depends(requires("app.home"))]) -> RedirectResponse:
    """Not signed in: the sign-in page; signed in: the role's own work (``ROLE_HOME``)."""
    return RedirectResponse(ROLE_HOME[user.role] if user else "/signin", status_code=303)


@router.get("/app/lines", response_class=HTMLResponse)
def lines_board(
    request: Request,
    db: Db,
    user: Annotated[User, Depends(requires("app.lines"))],
    q: str = "",
    sort: str = "score",
    status: str = "",
) -> HTMLResponse:
    """Every line of the latest detection run (a brand with its numbers, oldest first) with
    its status, searchable by number, filtered by status and sortable."""
    wanted = "".join(ch for ch in q if ch.isdigit())[:20]
    order = sort if sort in SORTS else "score"
    chosen: Status | None = next((s for s in STATUSES if s == status), None)
    try:
        found = latest_lines(request)
    except HTTPException:
        found = None
    matching = [line for line in found or [] if any(wanted in n for n in line.numbers)]
    shown = sorted(with_status(db, matching, chosen), key=lambda one: SORTS[order](one.line))
    audit.record(db, user.name, "consultation", "deal_line", [x.status.line_id for x in shown])
    per_day = _per_day(request, found) if found and shown else None
    return page(
        "lines_board.html", lines=shown, total=len(found or []), detected=found is not None,
        q=wanted, sort=order, sorts=list(SORTS), chosen=chosen, statuses=STATUSES,
        per_day=per_day, sparks=_sparks(per_day, [x.status.line_id for x in shown]),
        nav=navigation(request, user),
    )  # fmt: skip


def _per_day(request: Request, lines: list[LineSummary]) -> LinesPerDay:
    """Every line's events per day, kept in memory for the run (one pass for them all)."""
    workspace = workspace_of(request)
    per_day: LinesPerDay = request.app.state.results.get(
        workspace, "per_day", lambda: lines_per_day(workspace, lines)
    )
    return per_day


def _sparks(per_day: LinesPerDay | None, line_ids: list[str]) -> dict[str, Markup]:
    if per_day is None:
        return {}
    return {
        line_id: Markup(sparkline(f"{line_id}: calls and messages per day, {per_day.first_day} "
                                  f"to {per_day.last_day}; busiest day {max(counts):,}", counts))
        for line_id in line_ids
        for counts in [per_day.counts[line_id]]
    }  # fmt: skip


@router.get("/app/lines/{line_id}", response_class=HTMLResponse)
def line_page(
    line_id: str,
    request: Request,
    db: Db,
    user: Annotated[User, Depends(requires("app.line"))],
) -> HTMLResponse:
    """One line of the latest run, as the case file needs it: numbers and handsets over
    time, evidence, daily activity and working hours, people, safeguarding, both quantum
    estimates, handsets and cell sites; its status and, for those who may, the forms that
    judge it and its changes of number."""
    return _line_page(request, db, user, line_id)


def _line_page(
    request: Request, db: Db, user: User, line_id: str, status: int = 200, error: str = ""
) -> HTMLResponse:
    workspace = workspace_of(request)
    if not LINE_ID.fullmatch(line_id):
        raise HTTPException(404, f"no line {line_id[:40]}")
    try:
        section = request.app.state.results.get(
            workspace, ("line", line_id),
            lambda: line_section(workspace, line_id, safeguarding_sites(workspace)),
        )  # fmt: skip
    except NoDetection as exc:
        raise HTTPException(404, str(exc)) from exc
    audit.record(db, user.name, "consultation", "deal_line", [line_id])
    nav = navigation(request, user)
    return page(
        "line.html", status, line=section.line, section=section, nav=nav, csrf=nav.csrf,
        children={child.number: child for child in section.line.children},
        history=line_history(db, line_id), may_judge=allowed("app.line_verdict", user.role),
        link_verdicts=link_judgements(workspace),
        intelligence=_naming_any(db, section.line.numbers, user.name),
        seized=[z for n in section.line.numbers for z in seizures_of(db, n, actor=user.name)],
        error=error,
    )  # fmt: skip


def _naming_any(db: Db, numbers: list[str], actor: str) -> list[IntelligenceView]:
    found = {item.id: item for n in numbers for item in intelligence_naming(db, n, actor)}
    return [found[k] for k in sorted(found, reverse=True)]


@router.post("/app/lines/{line_id}/verdict", response_class=HTMLResponse)
def line_verdict(
    line_id: str,
    request: Request,
    db: Db,
    user: Annotated[User, Depends(requires("app.line_verdict"))],
    verdict: Annotated[str, Form(max_length=16)] = "",
    note: Annotated[str, Form(max_length=2_000)] = "",
    csrf: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Confirm or reject the line from its page (a rejection says why); audited."""
    check_csrf(request, csrf)
    line = found_line(workspace_of(request), line_id)
    try:
        given = VerdictIn.model_validate({"verdict": verdict, "note": note or None})
    except ValidationError:
        return _line_page(request, db, user, line_id, 422, "Choose confirm or reject.")
    try:
        record_verdict(db, line, given, user.name)
    except HTTPException as exc:
        return _line_page(request, db, user, line_id, exc.status_code, f"{exc.detail}.")
    return RedirectResponse(f"/app/lines/{line_id}#status", status_code=303)


@router.post("/app/lines/{line_id}/links", response_class=HTMLResponse)
def link_verdict(
    line_id: str,
    request: Request,
    db: Db,
    user: Annotated[User, Depends(requires("app.link_verdict"))],
    old: Annotated[str, Form(max_length=40)] = "",
    new: Annotated[str, Form(max_length=40)] = "",
    verdict: Annotated[str, Form(max_length=16)] = "",
    note: Annotated[str, Form(max_length=2_000)] = "",
    csrf: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Judge one of the line's changes of number from its page; audited."""
    check_csrf(request, csrf)
    workspace = workspace_of(request)
    line = found_line(workspace, line_id)
    try:
        given = LinkVerdictIn.model_validate(
            {"old": old, "new": new, "verdict": verdict, "note": note or None}
        )
    except ValidationError:
        return _line_page(request, db, user, line_id, 422, "Choose a verdict for the link.")
    try:
        record_link_verdict(db, workspace, line, given, user.name)
    except HTTPException as exc:
        return _line_page(request, db, user, line_id, exc.status_code, f"{exc.detail}.")
    return RedirectResponse(f"/app/lines/{line_id}#links", status_code=303)


@router.get("/app/numbers/{number}", response_class=HTMLResponse)
def number_page(
    number: str,
    request: Request,
    db: Db,
    user: Annotated[User, Depends(requires("app.number"))],
    timeline_with: Annotated[list[str] | None, Query(alias="with")] = None,
    successors: bool = False,
) -> HTMLResponse:
    """One number: its traffic, busiest contacts (pick some for the timeline), a timeline of
    its contacts with chosen numbers, handsets, parts in lines, successors if asked for,
    intelligence that names it and seized phones that carried it."""
    chosen = [n for n in timeline_with or [] if n.strip()]
    found = number_out(db, request, number, user.name, chosen, successors)
    summary = found.summary
    timeline = contact_timeline(
        f"Contacts of {summary.number} with chosen numbers", summary.number,
        [t.model_dump() for t in summary.timeline],
    )  # fmt: skip
    return page("number.html", found=found, summary=summary, timeline=Markup(timeline),
                chosen={t.other for t in summary.timeline},
                nav=navigation(request, user))  # fmt: skip


SEARCHED: Final = ("phone", "line", "imei", "vehicle", "address", "person")
"""What intelligence can be searched by on its page (as the API's filters)."""


@router.get("/app/intelligence", response_class=HTMLResponse)
def intelligence_search(
    request: Request,
    db: Db,
    user: Annotated[User, Depends(requires("app.intelligence"))],
    kind: Annotated[str, Query(max_length=16)] = "phone",
    value: Annotated[str, Query(max_length=300)] = "",
    q: Annotated[str, Query(max_length=200)] = "",
) -> HTMLResponse:
    """Intelligence linked to a phone, line, IMEI, vehicle, address or person and containing
    ``q``, newest first (at most 200); without either, the newest 200."""
    chosen = kind if kind in SEARCHED else "phone"
    linked = {chosen: value} if value.strip() else {}
    status, error, shown = 200, "", []
    try:
        found = intelligence.search(db, linked, text=q or None, limit=200, actor=user.name)
        shown = intelligence.views(session=db, items=found)
    except IntelligenceProblem as exc:
        status, error = 422, f"{exc}."
    return page("intelligence.html", status, items=shown, kinds=SEARCHED, kind=chosen,
                value=value, q=q, error=error, nav=navigation(request, user))  # fmt: skip


@router.get("/app/intelligence/{item_id}", response_class=HTMLResponse)
def intelligence_item(
    item_id: int,
    request: Request,
    db: Db,
    user: Annotated[User, Depends(requires("app.intelligence_item"))],
) -> HTMLResponse:
    """One intelligence report: its grade (with any handling conditions), text, links, the
    public report it came from and its disclosures."""
    try:
        item = intelligence.get(db, check_id("intelligence", item_id), actor=user.name)
    except LookupError as exc:
        raise HTTPException(404, f"no intelligence {item_id}") from exc
    disclosures = [
        disclosure_view(disclosure=d)
        for d in db.scalars(select(Disclosure).where(Disclosure.intelligence_id == item.id))
    ]
    return page("intelligence_item.html", item=intelligence.views(session=db, items=[item])[0],
                disclosures=disclosures, nav=navigation(request, user))  # fmt: skip


@router.get("/app/operations", response_class=HTMLResponse)
def operations(
    request: Request, db: Db, user: Annotated[User, Depends(requires("app.operations"))]
) -> HTMLResponse:
    """Every operation, the latest first."""
    found = db.scalars(select(Operation).order_by(Operation.starts_on.desc(), Operation.id)).all()
    audit.record(db, user.name, "consultation", "operation", [o.id for o in found])
    rows = [[Markup('<a href="/app/operations/{0}">{0}</a>').format(o.id), o.name, o.starts_on,
             o.ends_on, o.created_by] for o in found]  # fmt: skip
    return _records(request, user, "Operations", ["id", "name", "from", "to", "created by"],
                    rows, "No operation has been created yet.")  # fmt: skip


@router.get("/app/operations/{operation_id}", response_class=HTMLResponse)
def operation_page(
    operation_id: int,
    request: Request,
    db: Db,
    user: Annotated[User, Depends(requires("app.operation"))],
) -> HTMLResponse:
    """One operation: every result recorded, the totals and the press paragraph made only
    from them, and the phones it seized against the comms data."""
    try:
        found = get_operation(db, check_id("operation", operation_id), actor=user.name)
    except LookupError as exc:
        raise HTTPException(404, f"no operation {operation_id}") from exc
    results = db.scalars(select(OperationResult).where(OperationResult.operation_id == found.id)
                         .order_by(OperationResult.id)).all()  # fmt: skip
    return page(
        "operation.html", operation=found, results=results,
        totals=summary(session=db, operation=found, actor=user.name),
        phones=seized_phones(session=db, operation=found, comms=request.app.state.comms,
                             actor=user.name),
        nav=navigation(request, user),
    )  # fmt: skip


@router.get("/app/help", response_class=HTMLResponse)
def help_editor(
    request: Request, db: Db, user: Annotated[User, Depends(requires("app.help"))]
) -> HTMLResponse:
    """The public help page's services, each with a form to change or remove it, and one
    to add a service (supervisors)."""
    return _help_editor(request, db, user)


def _help_editor(
    request: Request, db: Db, user: User, status: int = 200, error: str = ""
) -> HTMLResponse:
    nav = navigation(request, user)
    return page("help_editor.html", status, services=help_services.services(db), error=error,
                limits=help_services.LIMITS, csrf=nav.csrf, nav=nav)  # fmt: skip


@router.post("/app/help", response_class=HTMLResponse)
def help_save(
    request: Request,
    db: Db,
    user: Annotated[User, Depends(requires("app.help_save"))],
    entry_id: Annotated[str, Form(max_length=12)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
    helps: Annotated[str, Form(max_length=1_000)] = "",
    contact: Annotated[str, Form(max_length=500)] = "",
    remove: Annotated[str, Form(max_length=5)] = "",
    csrf: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Add, change or (``remove``) take off a service; audited."""
    check_csrf(request, csrf)
    known = check_id("service", int(entry_id)) if entry_id.isdigit() else None
    try:
        if remove and known is not None:
            help_services.remove_service(db, known, actor=user.name)
        else:
            help_services.save_service(db, known, name, helps, contact, actor=user.name)
    except LookupError:
        return _help_editor(request, db, user, 404, f"There is no service {entry_id}.")
    except help_services.HelpProblem as exc:
        return _help_editor(request, db, user, 422, f"Not saved: {exc}.")
    return RedirectResponse("/app/help", status_code=303)


@router.get("/app/places", response_class=HTMLResponse)
def places(
    request: Request, db: Db, user: Annotated[User, Depends(requires("app.places"))]
) -> HTMLResponse:
    """police.uk crime in the workspace: data-quality warnings, and for each saved campaign
    area its monthly chart, evaluation with intervals and comparison areas, and hot spots
    (each area's hot cells downloadable as GeoJSON)."""
    workspace: Workspace | None = request.app.state.comms
    found = places_section(workspace) if workspace is not None else None
    areas = [area["name"] for area in found["areas"]] if found else []
    audit.record(db, user.name, "consultation", "place", areas)
    return page("places.html", places=found, nav=navigation(request, user))


@router.get("/app/places/hotspots.geojson", response_class=Response)
def places_geojson(
    request: Request,
    db: Db,
    user: Annotated[User, Depends(requires("app.places_geojson"))],
    area: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """A saved campaign area's hot cells, before and during Hold, as GeoJSON."""
    workspace: Workspace | None = request.app.state.comms
    saved = {a.name: a for a in saved_areas(workspace)} if workspace is not None else {}
    if workspace is None or area not in saved or "hold" not in saved[area].phases:
        raise HTTPException(404, f"no saved campaign area {area[:60]!r} with a Hold phase")
    hold = saved[area].phases["hold"]
    found = find_hotspots(workspace, area, [hold.shifted(-12), hold])
    audit.record(db, user.name, "consultation", "place", [area])
    name = "".join(ch if ch.isalnum() else "-" for ch in area)
    attachment = f'attachment; filename="{name}-hot-spots.geojson"'
    return Response(json.dumps(hot_cells_geojson(found)), media_type="application/geo+json",
                    headers={"Content-Disposition": attachment})  # fmt: skip


@router.get("/app/disclosures", response_class=HTMLResponse)
def disclosures(
    request: Request, db: Db, user: Annotated[User, Depends(requires("app.disclosures"))]
) -> HTMLResponse:
    """Disclosures awaiting a supervisor's decision, oldest first."""
    views = awaiting_decision(db, actor=user.name)
    rows = [[d.id, d.intelligence_id, d.recipient, d.purpose, d.requested_by] for d in views]
    columns = ["id", "intelligence", "recipient", "purpose", "requested by"]
    return _records(request, user, "Disclosures waiting for a decision", columns, rows,
                    "No disclosure is waiting for a decision.")  # fmt: skip


@router.get("/app/referrals", response_class=HTMLResponse)
def referrals(
    request: Request, db: Db, user: Annotated[User, Depends(requires("app.referrals"))]
) -> HTMLResponse:
    """The referrals this user may see (a partner: their agency's only, other people as
    pseudonyms), newest first; a partner's view is audited as a disclosure to the agency."""
    shown = safeguarding.show_referrals(
        session=db, referrals=safeguarding.referrals_for(db, user), user=user
    )
    rows = [[r.id, r.made_on, r.agency, r.person.name, r.reason, r.status] for r in shown]
    columns = ["id", "made on", "agency", "person", "reason", "status"]
    return _records(request, user, "Safeguarding referrals", columns, rows,
                    "No referral to show.")  # fmt: skip


@router.get("/app/audit", response_class=HTMLResponse)
def audit_log(
    request: Request,
    db: Db,
    user: Annotated[User, Depends(requires("app.audit"))],
    verify: bool = False,
) -> HTMLResponse:
    """The latest 200 audit entries, newest first (this read is audited too); with
    ``verify``, the whole chain recomputed first and what was found."""
    checked = audit.verify(db) if verify else None
    found = db.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(200)).all()
    audit.record(db, user.name, "consultation", "audit", [e.seq for e in found])
    rows = [[e.seq, e.at.isoformat(sep=" ", timespec="seconds"), e.actor, e.action,
             e.record_type, ", ".join(sorted(json.loads(e.record_ids), key=_id_order)),
             e.recipient or ""]
            for e in found]  # fmt: skip
    columns = ["seq", "at (UTC)", "actor", "action", "record type", "records", "recipient"]
    return page("audit.html", columns=columns, rows=rows, checked=checked,
                nav=navigation(request, user))  # fmt: skip


def _id_order(record_id: str) -> tuple[int, str]:
    """Numeric ids in number order (2 before 10), then the others as written."""
    return (int(record_id), "") if record_id.isdigit() else (2**63, record_id)


@router.get("/app/users", response_class=HTMLResponse)
def users(
    request: Request, db: Db, user: Annotated[User, Depends(requires("app.users"))]
) -> HTMLResponse:
    """Every user (administrators), without password hashes."""
    found = every_user(db, actor=user.name)
    rows = [[u.id, u.name, u.role, u.agency or "", "yes" if u.disabled else "no"] for u in found]
    return _records(request, user, "Users", ["id", "name", "role", "agency", "disabled"], rows,
                    "No user.")  # fmt: skip


def _records(
    request: Request,
    user: User,
    title: str,
    columns: list[str],
    rows: Sequence[Sequence[object]],
    empty: str,
) -> HTMLResponse:
    return page("records.html", title=title, columns=columns, rows=rows, empty=empty,
                nav=navigation(request, user))  # fmt: skip
