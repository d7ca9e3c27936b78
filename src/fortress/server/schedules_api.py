"""Schedules of events over the API (``/api/v1/schedules``) and in the app
(``/app/schedule``, a form and the schedule, and ``/app/schedule/file`` to download it):
``fortress.casework.schedules`` over the server's comms workspace and casework records."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Final, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from fortress.casework.models import User
from fortress.casework.schedules import make_schedule
from fortress.comms.lines import NoDetection
from fortress.comms.profiles import PAGE_DAYS, period
from fortress.model.schedules import Schedule
from fortress.reports.schedule_report import (
    FORMATS,
    ScheduleProblemFile,
    TooLongToPrint,
    schedule_bytes,
    schedule_section,
)
from fortress.server.deps import API, CommittingRoute, Db, export_responses, requires
from fortress.server.lines_api import workspace_of
from fortress.server.navigation import navigation
from fortress.server.pages import PAGE_ERRORS, page

router = APIRouter(route_class=CommittingRoute)
SHOWN_MOST: Final = 5_000
"""Rows the app's page shows; a longer schedule is downloaded."""
FileFormat = Literal["csv", "xlsx", "html", "pdf"]


@dataclass(frozen=True)
class ScheduleAsk:
    """What a request asks a schedule of (the query string)."""

    numbers: list[str]
    first_day: str | None
    last_day: str | None
    zone: str
    every_event: bool
    dirty: str | None
    clean: str | None


def _ask(
    numbers: Annotated[
        list[str] | None, Query(description="Numbers, repeated or comma-separated.")
    ] = None,
    first_day: Annotated[str | None, Query(alias="from")] = None,
    last_day: Annotated[str | None, Query(alias="to")] = None,
    zone: str = "Europe/London",
    every_event: bool = False,
    dirty: str | None = None,
    clean: str | None = None,
) -> ScheduleAsk:
    split = [n.strip() for given in numbers or [] for n in given.split(",") if n.strip()]
    return ScheduleAsk(split, first_day, last_day, zone, every_event, dirty or None, clean or None)


Ask = Annotated[ScheduleAsk, Depends(_ask)]


def schedule_for(request: Request, db: Session, ask: ScheduleAsk, actor: str) -> Schedule:
    """The schedule asked for (audited in ``db``); 422 for a mistake in the asking, 404
    without a comms workspace."""
    given = [*ask.numbers, ask.dirty or "", ask.clean or "", ask.zone]
    if max(map(len, given)) > 64:
        raise HTTPException(422, "a number is at most 40 characters, a zone at most 64")
    if (ask.dirty is None) != (ask.clean is None):
        raise HTTPException(422, "attribution needs both a dirty and a clean number")
    pair = (ask.dirty, ask.clean) if ask.dirty and ask.clean else None
    try:
        when = period(ask.first_day, ask.last_day, ask.zone, PAGE_DAYS)
        return make_schedule(workspace_of(request), ask.numbers, when, casework=db,
                             every_event=ask.every_event, attribute=pair, actor=actor)  # fmt: skip
    except NoDetection as exc:
        raise HTTPException(404, str(exc)) from exc
    except ValueError as exc:  # ScheduleProblem, or a bad day or zone
        raise HTTPException(422, str(exc)) from exc


def file_of(schedule: Schedule, fmt: str) -> Response:
    """The schedule as a download; 422 if it is too long to print, 503 if a PDF cannot be
    printed here."""
    try:
        content = schedule_bytes(schedule, fmt)
    except TooLongToPrint as exc:
        raise HTTPException(422, str(exc)) from exc
    except ScheduleProblemFile as exc:
        raise HTTPException(503, str(exc)) from exc
    name = f"schedule-{schedule.numbers[0].lstrip('+')}.{fmt}"
    return Response(content, media_type=FORMATS[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip


FILE_RESPONSES: Final = export_responses(
    FORMATS, "The schedule as JSON, or as a file of the format asked for"
)
"""The API's answer: JSON (the Schedule model), or a file."""
DOWNLOAD_RESPONSES: Final = export_responses(FORMATS, "The schedule as a file") | PAGE_ERRORS


@router.get(f"{API}/schedules", response_model=Schedule, tags=["schedules"],
            responses=FILE_RESPONSES)  # type: ignore[arg-type]  # fmt: skip
def schedules(
    request: Request,
    db: Db,
    user: Annotated[User, Depends(requires("schedules.read"))],
    ask: Ask,
    format: Literal["json", "csv", "xlsx", "html", "pdf"] = "json",
) -> Schedule | Response:
    """A schedule of events for court: the calls and messages between the ``numbers`` (or,
    with ``every_event``, every event of theirs) within local days ``from``..``to``, their
    changes of handset and the casework on them, in time order, each row with its exhibit
    reference; with ``dirty`` and ``clean``, the attribution section. As JSON, or a file:
    ``csv``, ``xlsx`` (inert cells), ``html`` (printable) or ``pdf``."""
    schedule = schedule_for(request, db, ask, user.name)
    return schedule if format == "json" else file_of(schedule, format)


@router.get("/app/schedule", response_class=HTMLResponse, tags=["pages"], responses=PAGE_ERRORS)
def schedule_page(
    request: Request,
    db: Db,
    user: Annotated[User, Depends(requires("app.schedule"))],
    ask: Ask,
) -> HTMLResponse:
    """The schedule form and, once numbers are given, the schedule with its downloads."""
    values: dict[str, Any] = {"ask": ask, "nav": navigation(request, user),
                              "query": request.url.query}  # fmt: skip
    if not ask.numbers:
        return page("schedule.html", schedule=None, **values)
    try:
        schedule = schedule_for(request, db, ask, user.name)
    except HTTPException as exc:
        return page("schedule.html", schedule=None, problem=exc.detail, status=exc.status_code,
                    **values)  # fmt: skip
    shown = len(schedule.rows) <= SHOWN_MOST
    section = Markup(schedule_section(schedule)) if shown else None  # rendered autoescaped
    return page("schedule.html", schedule=schedule, section=section, shown_most=SHOWN_MOST,
                **values)  # fmt: skip


@router.get("/app/schedule/file", tags=["pages"], response_class=Response,
            responses=DOWNLOAD_RESPONSES)  # type: ignore[arg-type]  # fmt: skip
def schedule_file(
    request: Request,
    db: Db,
    user: Annotated[User, Depends(requires("app.schedule_file"))],
    ask: Ask,
    format: FileFormat = "csv",
) -> Response:
    """The schedule as a file (the app's download buttons)."""
    return file_of(schedule_for(request, db, ask, user.name), format)
