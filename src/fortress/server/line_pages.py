"""The deal-line board, a line's page with the verdicts given on it and its changes of
number, and a number's page: server-rendered (Jinja, autoescaped), no script, each view
checked against the policy table and audited as a consultation (DPA s.62)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from pydantic import ValidationError

from fortress.casework import audit
from fortress.casework.intelligence import IntelligenceView
from fortress.casework.line_verdicts import STATUSES, Status, line_history
from fortress.casework.models import User
from fortress.casework.phones import seizures_of
from fortress.casework.policy import allowed
from fortress.casework.schedules import line_parties
from fortress.comms.judgements import link_judgements
from fortress.comms.lines import NoDetection, lines_per_day
from fortress.comms.lines import safeguarding as safeguarding_sites
from fortress.model.lines import LinesPerDay, LineSummary
from fortress.reports.lines_report import line_section
from fortress.reports.profile_rows import profile_rows
from fortress.reports.svg import contact_timeline, hour_matrix, sparkline
from fortress.server.deps import CommittingRoute, Db, check_csrf, requires
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
from fortress.server.map_pages import LINE_ID, basemap_of
from fortress.server.navigation import navigation
from fortress.server.numbers_api import (
    ProfileAsk,
    intelligence_naming,
    number_out,
    profile_ask,
    profile_for,
)
from fortress.server.pages import PAGE_ERRORS, page
from fortress.sharing.regional import RegionalLine, regional_lines

router = APIRouter(tags=["pages"], route_class=CommittingRoute, responses=PAGE_ERRORS)
"""A line id as detection makes it (anything else cannot be one)."""

SORTS: Final[dict[str, Callable[[LineSummary], tuple[Any, ...]]]] = {
    "score": lambda line: (-line.score, line.line_id or ""),
    "last_seen": lambda line: (line.last_seen_utc, line.line_id or ""),
    "first_seen": lambda line: (line.first_seen_utc, line.line_id or ""),
    "customers": lambda line: (-line.customer_count, line.line_id or ""),
    "numbers": lambda line: (-len(line.numbers), line.line_id or ""),
}
"""The board's orders (``?sort=``); ``last_seen`` and ``first_seen`` oldest first."""


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
    # other forces' records: for the roles that may read received bundles (their handling
    # conditions may restrict who sees them), as the API and the CLI allow
    sees_shared = found is not None and allowed("shares.received", user.role)
    regional = regional_lines(workspace_of(request), db, actor=user.name) if sees_shared else []
    return page(
        "lines_board.html", lines=shown, total=len(found or []), detected=found is not None,
        shared=sees_shared, regional=regional, elsewhere=_elsewhere(regional),
        q=wanted, sort=order, sorts=list(SORTS), chosen=chosen, statuses=STATUSES,
        per_day=per_day, sparks=_sparks(per_day, [x.status.line_id for x in shown]),
        nav=navigation(request, user),
    )  # fmt: skip


def _elsewhere(regional: list[RegionalLine]) -> dict[str, list[str]]:
    """Per line of this force: the other forces that hold the same brand."""
    found: dict[str, list[str]] = {}
    for brand in regional:
        own = [c for c in brand.contributions if c.own]
        others = [force for force in brand.forces if force not in {c.force for c in own}]
        for contribution in own:
            found[contribution.line_id] = others
    return found


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
    sparks = {}
    for line_id in line_ids:
        counts = per_day.counts[line_id]
        title = (f"{line_id}: calls and messages per day, {per_day.first_day} to "
                 f"{per_day.last_day}; busiest day {max(counts):,}")  # fmt: skip
        sparks[line_id] = Markup(sparkline(title, counts))
    return sparks


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
        "line.html", status, scripted=True, basemap=basemap_of(request), line=section.line,
        section=section, nav=nav, csrf=nav.csrf,
        children={child.number: child for child in section.line.children},
        history=line_history(db, line_id), may_judge=allowed("app.line_verdict", user.role),
        may_share=allowed("app.share_request", user.role),
        link_verdicts=link_judgements(workspace),
        intelligence=_naming_any(db, section.line.numbers, user.name),
        seized=[z for n in section.line.numbers for z in seizures_of(db, n, actor=user.name)],
        parties=line_parties(section.line), error=error,
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
    return _from_form(
        request, db, user, line_id, "status", "Choose confirm or reject.",
        lambda: record_verdict(db, line, VerdictIn.model_validate(
            {"verdict": verdict, "note": note or None}), user.name),
    )  # fmt: skip


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
    return _from_form(
        request, db, user, line_id, "links", "Choose a verdict for the link.",
        lambda: record_link_verdict(db, workspace, line, LinkVerdictIn.model_validate(
            {"old": old, "new": new, "verdict": verdict, "note": note or None}), user.name),
    )  # fmt: skip


def _from_form(
    request: Request,
    db: Db,
    user: User,
    line_id: str,
    section: str,
    choose: str,
    record: Callable[[], object],
) -> Response:
    """Record what a line page's form gave (``record`` validates and writes it), then back
    to the form's section; an incomplete form (``choose``) or a refusal is the page again
    with the reason, nothing written."""
    try:
        record()
    except ValidationError:
        return _line_page(request, db, user, line_id, 422, choose)
    except HTTPException as exc:
        return _line_page(request, db, user, line_id, exc.status_code, f"{exc.detail}.")
    return RedirectResponse(f"/app/lines/{line_id}#{section}", status_code=303)


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


@router.get("/app/numbers/{number}/profile", response_class=HTMLResponse)
def number_profile_page(
    number: str,
    request: Request,
    db: Db,
    user: Annotated[User, Depends(requires("app.number_profile"))],
    ask: Annotated[ProfileAsk, Depends(profile_ask)],
) -> HTMLResponse:
    """A number's behavioural profile: what was counted, its home cell, each indicator with
    its definition and source, and its week of hours."""
    profile = profile_for(request, db, number, ask, user.name)
    hours = hour_matrix(f"Calls and texts of {profile.number} by weekday and hour "
                        f"({profile.zone})", profile.week_hours)  # fmt: skip
    return page("number_profile.html", profile=profile, shown=profile_rows(profile), ask=ask,
                hours=Markup(hours), nav=navigation(request, user))  # fmt: skip
