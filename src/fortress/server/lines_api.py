"""Deal lines over the API (``/api/v1/lines``): the latest detection run's lines with each
one's status, one line whole, and analysts' verdicts on a line and on a change of number.
The pages read the same functions, so a page and the API never disagree."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from fortress.casework import audit
from fortress.casework.line_verdicts import (
    LineStatus,
    Status,
    VerdictProblem,
    judge_line,
    line_history,
    line_statuses,
)
from fortress.casework.models import User
from fortress.comms.judgements import JudgementError, judge_link
from fortress.comms.lines import NoDetection, latest_run, list_lines, show_line
from fortress.model.lines import Judgement, LineDetail, LineSummary
from fortress.server.deps import API, CommittingRoute, Db, requires
from fortress.store.workspace import Workspace

router = APIRouter(prefix=f"{API}/lines", tags=["lines"], route_class=CommittingRoute)
NO_WORKSPACE = "this server was started without a comms workspace, so it has no lines"


class LineOut(BaseModel):
    """A line of the latest run and its status."""

    line: LineSummary
    status: LineStatus


class LinesOut(BaseModel):
    """The latest detection run's lines, strongest first: ``total`` of them (of the status
    asked for), ``lines`` from ``offset``, at most ``limit``."""

    run_id: str
    total: int
    offset: int
    lines: list[LineOut]


class LineDetailOut(BaseModel):
    """One line whole, its status and every verdict given on it, newest first."""

    line: LineDetail
    status: LineStatus
    history: list[LineStatus]


class VerdictIn(BaseModel):
    """A verdict on a line; a rejection says why."""

    verdict: Literal["confirmed", "rejected"]
    note: str | None = Field(default=None, max_length=2_000)


class LinkVerdictIn(BaseModel):
    """A verdict on a change of number of the line (``old`` -> ``new``); it takes effect
    at the next detection run (a rejected link no longer joins the numbers)."""

    old: str = Field(min_length=1, max_length=40)
    new: str = Field(min_length=1, max_length=40)
    verdict: Literal["confirmed", "rejected", "unsure"]
    note: str | None = Field(default=None, max_length=2_000)


def workspace_of(request: Request) -> Workspace:
    """The server's comms workspace (404 without one)."""
    workspace: Workspace | None = request.app.state.comms
    if workspace is None:
        raise HTTPException(404, NO_WORKSPACE)
    return workspace


def latest_lines(request: Request) -> list[LineSummary]:
    """The latest run's lines, strongest first (404 before any detection run); kept in
    memory for the run (``server/cache.py``)."""
    workspace = workspace_of(request)
    try:
        found: list[LineSummary] = request.app.state.results.get(
            workspace, "lines", lambda: list_lines(workspace)
        )
    except NoDetection as exc:
        raise HTTPException(404, str(exc)) from exc
    return found


def found_line(workspace: Workspace, line_id: str) -> LineDetail:
    """One line of the latest run (404 if there is no such line or no run)."""
    try:
        return show_line(workspace, line_id)
    except NoDetection as exc:
        raise HTTPException(404, str(exc)) from exc


def with_status(
    db: Session, lines: list[LineSummary], wanted: Status | None = None
) -> list[LineOut]:
    """The lines with their statuses, only those of status ``wanted`` if given."""
    statuses = line_statuses(db, [str(line.line_id) for line in lines])
    both = [LineOut(line=line, status=statuses[str(line.line_id)]) for line in lines]
    return [one for one in both if wanted is None or one.status.status == wanted]


def record_verdict(db: Session, line: LineDetail, given: VerdictIn, actor: str) -> LineStatus:
    """Record a verdict on a line (422 with the reason if it cannot be)."""
    try:
        return judge_line(db, str(line.line_id), given.verdict, given.note, line.run.id,
                          actor=actor)  # fmt: skip
    except VerdictProblem as exc:
        raise HTTPException(422, str(exc)) from exc


def record_link_verdict(
    db: Session, workspace: Workspace, line: LineDetail, given: LinkVerdictIn, actor: str
) -> Judgement:
    """Record a verdict on one of the line's changes of number, audited as an alteration of
    the link (``old>new``); 422 if the line has no such link."""
    if not any(link.from_ == given.old and link.to == given.new for link in line.links):
        raise HTTPException(422, f"{line.line_id} has no change of number {given.old[:40]} -> "
                                 f"{given.new[:40]}")  # fmt: skip
    audit.record(db, actor, "alteration", "successor_link", [f"{given.old}>{given.new}"])
    try:
        return judge_link(workspace, given.old, given.new, given.verdict, given.note)
    except JudgementError as exc:
        raise HTTPException(422, str(exc)) from exc


@router.get("", response_model=LinesOut)
def lines(
    request: Request,
    db: Db,
    user: Annotated[User, Depends(requires("lines.list"))],
    status: Status | None = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1_000)] = 100,
) -> LinesOut:
    """The latest detection run's lines with their status, strongest first, a page at a
    time; ``status`` keeps those of one status (audited as a consultation of the lines
    answered)."""
    found = latest_lines(request)
    if status is None:  # only the page's statuses are needed
        total, shown = len(found), with_status(db, found[offset : offset + limit])
    else:
        every = with_status(db, found, status)
        total, shown = len(every), every[offset : offset + limit]
    audit.record(db, user.name, "consultation", "deal_line", [x.status.line_id for x in shown])
    run_id = latest_run(workspace_of(request)).id
    return LinesOut(run_id=run_id, total=total, offset=offset, lines=shown)


@router.get("/{line_id}", response_model=LineDetailOut)
def line(
    line_id: str, request: Request, db: Db, user: Annotated[User, Depends(requires("lines.read"))]
) -> LineDetailOut:
    """One line of the latest run whole, with its status and verdicts (audited)."""
    shown = found_line(workspace_of(request), line_id)
    audit.record(db, user.name, "consultation", "deal_line", [line_id])
    history = line_history(db, line_id)
    status = history[0] if history else LineStatus(line_id=line_id, status="new")
    return LineDetailOut(line=shown, status=status, history=history)


@router.post("/{line_id}/verdict", response_model=LineStatus, status_code=201)
def verdict(
    line_id: str,
    given: VerdictIn,
    request: Request,
    db: Db,
    user: Annotated[User, Depends(requires("lines.judge"))],
) -> LineStatus:
    """Confirm or reject a line (a rejection needs a note); audited."""
    return record_verdict(db, found_line(workspace_of(request), line_id), given, user.name)


@router.post("/{line_id}/links", response_model=Judgement, status_code=201)
def link_verdict(
    line_id: str,
    given: LinkVerdictIn,
    request: Request,
    db: Db,
    user: Annotated[User, Depends(requires("lines.judge_link"))],
) -> Judgement:
    """Confirm, reject or mark unsure one of the line's changes of number; audited, and
    used by the next detection run."""
    workspace = workspace_of(request)
    return record_link_verdict(db, workspace, found_line(workspace, line_id), given, user.name)
