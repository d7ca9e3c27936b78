"""The workspace in the browser: a home that sends each role to its own work, each role's
landing table, intelligence, operations, places and the help page's editor (the lines and
numbers are in ``line_pages``, uploads and jobs in ``work_pages``). Server-rendered
(Jinja, autoescaped), no script, nothing loaded from elsewhere; every page is checked
against the policy table, accepts the sign-in cookie (``policy.BROWSER``) and is audited
as a consultation (DPA s.62)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Annotated, Final, cast, get_args

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy import select

from fortress.casework import audit, help_services, intelligence, retention, safeguarding
from fortress.casework.intelligence import (
    GRADES,
    IntelligenceProblem,
    awaiting_decision,
    disclosure_view,
)
from fortress.casework.models import AuditEntry, Disclosure, Operation, OperationResult, User
from fortress.casework.operations import get_operation, summary
from fortress.casework.phones import seized_phones
from fortress.casework.policy import allowed
from fortress.casework.users import every_user
from fortress.places.hotspot_map import find_hotspots, hot_cells_geojson
from fortress.reports.places_section import places_section
from fortress.server.deps import CommittingRoute, Db, check_csrf, check_id, requires
from fortress.server.map_pages import basemap_of, saved_area_of
from fortress.server.navigation import navigation
from fortress.server.pages import (
    LINK_ROWS,
    PAGE_ERRORS,
    TOO_MANY_LINKS,
    GradeForm,
    grade_form,
    page,
)
from fortress.server.retention_api import RecordType, RetainedOut, review_record
from fortress.store.workspace import Workspace, now_utc

router = APIRouter(tags=["pages"], route_class=CommittingRoute, responses=PAGE_ERRORS)
ROLE_HOME: Final = {
    "analyst": "/app/lines",
    "officer": "/app/operations",
    "supervisor": "/app/disclosures",
    "safeguarding_partner": "/app/referrals",
    "auditor": "/app/audit",
    "administrator": "/app/users",
}
"""Where each role lands after signing in: its own work."""


@router.get("/", response_class=RedirectResponse, status_code=303)
def home(user: Annotated[User | None, Depends(requires("app.home"))]) -> RedirectResponse:
    """Not signed in: the sign-in page; signed in: the role's own work (``ROLE_HOME``)."""
    return RedirectResponse(ROLE_HOME[user.role] if user else "/signin", status_code=303)


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
    ``q``, newest first (at most 200); without either, the newest 200. Below, a form to
    record new intelligence (for those who may)."""
    return _intelligence_page(request, db, user, kind, value, q)


def _intelligence_page(request: Request, db: Db, user: User, kind: str = "phone",
                       value: str = "", q: str = "", status: int = 200, new_text: str = "",
                       create_error: str = "") -> HTMLResponse:  # fmt: skip
    chosen = kind if kind in SEARCHED else "phone"
    linked = {chosen: value} if value.strip() else {}
    error, shown = "", []
    try:
        found = intelligence.search(db, linked, text=q or None, limit=200, actor=user.name)
        shown = intelligence.views(session=db, items=found)
    except IntelligenceProblem as exc:
        status, error = 422, f"{exc}."
    nav = navigation(request, user)
    return page("intelligence.html", status, items=shown, kinds=SEARCHED, kind=chosen,
                value=value, q=q, error=error, nav=nav, csrf=nav.csrf,
                may_create=allowed("app.intelligence_create", user.role),
                grades=GRADES["3x5x2"], link_types=intelligence.ENTITY_TYPES,
                link_rows=LINK_ROWS, new_text=new_text, create_error=create_error)  # fmt: skip


@router.post("/app/intelligence", response_class=HTMLResponse)
def intelligence_create(
    request: Request,
    db: Db,
    user: Annotated[User, Depends(requires("app.intelligence_create"))],
    graded: Annotated[GradeForm, Depends(grade_form)],
    text: Annotated[str, Form(max_length=10_000)] = "",
    csrf: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Record a new intelligence report (3x5x2) with its links, as the API does (audited
    as a collection); then its page. A refusal keeps what was typed."""
    check_csrf(request, csrf)
    try:
        if graded.links is None:
            raise IntelligenceProblem(TOO_MANY_LINKS.rstrip("."))
        item = intelligence.create(db, text, graded.grade, graded.links, actor=user.name)
    except IntelligenceProblem as exc:
        return _intelligence_page(request, db, user, status=422, new_text=text,
                                  create_error=f"Not recorded: {exc}.")  # fmt: skip
    return RedirectResponse(f"/app/intelligence/{item.id}", status_code=303)


@router.get("/app/intelligence/{item_id}", response_class=HTMLResponse)
def intelligence_item(
    item_id: int,
    request: Request,
    db: Db,
    user: Annotated[User, Depends(requires("app.intelligence_item"))],
) -> HTMLResponse:
    """One intelligence report: its grade (with any handling conditions), text, links, the
    public report it came from and its disclosures, with a form to ask for another."""
    return _intelligence_item_page(request, db, user, item_id)


def _intelligence_item_page(request: Request, db: Db, user: User, item_id: int,
                            status: int = 200, error: str = "", note: str = "",
                            typed: tuple[str, str] = ("", "")) -> HTMLResponse:  # fmt: skip
    try:
        item = intelligence.get(db, check_id("intelligence", item_id), actor=user.name)
    except LookupError as exc:
        raise HTTPException(404, f"no intelligence {item_id}") from exc
    disclosures = [
        disclosure_view(disclosure=d)
        for d in db.scalars(select(Disclosure).where(Disclosure.intelligence_id == item.id))
    ]
    nav = navigation(request, user)
    return page("intelligence_item.html", status,
                item=intelligence.views(session=db, items=[item])[0], disclosures=disclosures,
                nav=nav, csrf=nav.csrf, may_request=allowed("app.disclosure_request", user.role),
                error=error, note=note, recipient=typed[0], purpose=typed[1])  # fmt: skip


@router.post("/app/intelligence/{item_id}/disclosures", response_class=HTMLResponse)
def disclosure_request(
    item_id: int,
    request: Request,
    db: Db,
    user: Annotated[User, Depends(requires("app.disclosure_request"))],
    recipient: Annotated[str, Form(max_length=200)] = "",
    purpose: Annotated[str, Form(max_length=2_000)] = "",
    csrf: Annotated[str, Form(max_length=64)] = "",
) -> HTMLResponse:
    """Ask to disclose the report outside the force, as the API does: approved at once for
    handling code P, otherwise waiting for a supervisor (audited)."""
    check_csrf(request, csrf)
    try:
        item = intelligence.get(db, check_id("intelligence", item_id), actor=user.name)
        made = intelligence.request_disclosure(db, item, recipient, purpose, actor=user.name)
    except LookupError as exc:
        raise HTTPException(404, f"no intelligence {item_id}") from exc
    except IntelligenceProblem as exc:
        return _intelligence_item_page(request, db, user, item_id, 422, f"Not asked: {exc}.",
                                       typed=(recipient, purpose))  # fmt: skip
    outcome = "approved" if made.status == "approved" else "waiting for a supervisor's decision"
    return _intelligence_item_page(
        request, db, user, item_id, note=f"Disclosure {made.id} to {made.recipient}: {outcome}."
    )


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
    known = (
        check_id("service", int(entry_id)) if entry_id.isascii() and entry_id.isdigit() else None
    )
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
    return page("places.html", scripted=True, places=found, basemap=basemap_of(request),
                nav=navigation(request, user))  # fmt: skip


@router.get("/app/places/hotspots.geojson", response_class=Response)
def places_geojson(
    request: Request,
    db: Db,
    user: Annotated[User, Depends(requires("app.places_geojson"))],
    area: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """A saved campaign area's hot cells, before and during Hold, as GeoJSON."""
    workspace, saved = saved_area_of(request, area, hold=True)
    hold = saved.phases["hold"]
    found = find_hotspots(workspace, area, [hold.shifted(-12), hold])
    audit.record(db, user.name, "consultation", "place", [area])
    name = "".join(ch if ch.isalnum() else "-" for ch in area)
    attachment = f'attachment; filename="{name}-hot-spots.geojson"'
    return Response(json.dumps(hot_cells_geojson(found)), media_type="application/geo+json",
                    headers={"Content-Disposition": attachment})  # fmt: skip


@router.get("/app/retention", response_class=HTMLResponse)
def retention_queue(
    request: Request, db: Db, user: Annotated[User, Depends(requires("app.retention"))]
) -> HTMLResponse:
    """Records due for their MoPI review today or before, oldest first, each with a form
    to retain or dispose of it (supervisors)."""
    return _retention_page(request, db, user)


def _retention_page(
    request: Request, db: Db, user: User, status: int = 200, note: str = "", error: str = ""
) -> HTMLResponse:
    nav = navigation(request, user)
    due = retention.due(db, now_utc().date(), actor=user.name)
    return page("retention.html", status, due=due, note=note, error=error, csrf=nav.csrf,
                nav=nav)  # fmt: skip


@router.post("/app/retention/{record_type}/{record_id}", response_class=HTMLResponse)
def retention_decide(
    record_type: str,
    record_id: int,
    request: Request,
    db: Db,
    user: Annotated[User, Depends(requires("app.retention_review"))],
    decision: Annotated[str, Form(max_length=8)] = "",
    csrf: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Retain a record for another period or dispose of it for good, from the queue."""
    check_csrf(request, csrf)
    if record_type not in get_args(RecordType) or decision not in ("retain", "dispose"):
        return _retention_page(request, db, user, 422, error="Choose retain or dispose.")
    try:
        done = review_record(request, cast(RecordType, record_type), record_id, decision,
                             user.name)  # fmt: skip
    except HTTPException as exc:
        return _retention_page(request, db, user, exc.status_code, error=f"{exc.detail}.")
    kept = f"retained until {done.review_on}" if isinstance(done, RetainedOut) else "disposed of"
    label = record_type.replace("_", " ")
    return _retention_page(request, db, user, note=f"The {label} {record_id} is {kept}.")


@router.get("/app/disclosures", response_class=HTMLResponse)
def disclosures(
    request: Request, db: Db, user: Annotated[User, Depends(requires("app.disclosures"))]
) -> HTMLResponse:
    """Disclosures awaiting a supervisor's decision, oldest first, each with a form that
    approves or refuses it with the reason."""
    return _disclosures_page(request, db, user)


def _disclosures_page(
    request: Request, db: Db, user: User, status: int = 200, note: str = "", error: str = ""
) -> HTMLResponse:
    nav = navigation(request, user)
    return page("disclosures.html", status, waiting=awaiting_decision(db, actor=user.name),
                note=note, error=error, csrf=nav.csrf, nav=nav)  # fmt: skip


@router.post("/app/disclosures/{disclosure_id}", response_class=HTMLResponse)
def disclosure_decide(
    disclosure_id: int,
    request: Request,
    db: Db,
    user: Annotated[User, Depends(requires("app.disclosure_decide"))],
    decision: Annotated[str, Form(max_length=8)] = "",
    reason: Annotated[str, Form(max_length=2_000)] = "",
    csrf: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Approve or refuse a disclosure from the list, with the reason (audited)."""
    check_csrf(request, csrf)
    found = db.get(Disclosure, check_id("disclosure", disclosure_id))
    if found is None:
        return _disclosures_page(request, db, user, 404, error=f"No disclosure {disclosure_id}.")
    if decision not in ("approve", "refuse"):
        return _disclosures_page(request, db, user, 422, error="Choose approve or refuse.")
    try:
        intelligence.decide(db, found, decision == "approve", reason, actor=user.name)
    except IntelligenceProblem as exc:
        return _disclosures_page(request, db, user, 409, error=f"Disclosure {disclosure_id}: "
                                 f"{exc}.")  # fmt: skip
    done = f"Disclosure {disclosure_id} to {found.recipient} {found.status}."
    return _disclosures_page(request, db, user, note=done)


@router.get("/app/referrals", response_class=HTMLResponse)
def referrals(
    request: Request, db: Db, user: Annotated[User, Depends(requires("app.referrals"))]
) -> HTMLResponse:
    """The referrals this user may see (a partner: their agency's only, other people as
    pseudonyms), newest first; a partner's view is audited as a disclosure to the agency."""
    shown = safeguarding.show_referrals(
        session=db, referrals=safeguarding.referrals_for(db, user), user=user
    )
    rows = [[r.reference, r.made_on, r.agency, r.person.name, r.reason, r.status]
            for r in shown]  # fmt: skip
    columns = ["reference", "made on", "agency", "person", "reason", "status"]
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
    audit.collect_public_reports(db)
    db.commit()  # so that the log shown has every report collected so far
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
    return (
        (int(record_id), "") if record_id.isascii() and record_id.isdigit() else (2**63, record_id)
    )


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
