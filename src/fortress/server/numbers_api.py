"""One number over the API (``/api/v1/numbers/{number}``): what the comms data and the
latest detection run say of it, the intelligence that names it and the seized phones that
carried it. The number page reads the same function."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel
from sqlalchemy.orm import Session

from fortress.casework import audit, intelligence
from fortress.casework.intelligence import IntelligenceProblem, IntelligenceView
from fortress.casework.models import Intelligence, User
from fortress.casework.phones import Seizure, seizures_of
from fortress.comms.lines import NoDetection
from fortress.comms.numbers import summarise_number
from fortress.comms.profiles import PAGE_DAYS, period, profile_number
from fortress.model.numbers import NumberSummary
from fortress.model.profiles import NumberProfile
from fortress.server.deps import API, CommittingRoute, Db, requires
from fortress.server.lines_api import workspace_of

router = APIRouter(prefix=f"{API}/numbers", tags=["numbers"], route_class=CommittingRoute)
WITH_MOST = 10
"""Numbers a timeline may be asked to show."""


class NumberOut(BaseModel):
    """Everything known about one number."""

    summary: NumberSummary
    intelligence: list[IntelligenceView]
    """Intelligence linked to the number as a phone or a deal line, newest first."""
    seized: list[Seizure]


def number_out(
    db: Session,
    request: Request,
    raw: str,
    actor: str,
    timeline_with: list[str],
    with_successors: bool = False,
) -> NumberOut:
    """The number's summary, intelligence and seizures (404 if it is not in the comms
    data); audited as a consultation of the number, and of what names it."""
    if max(map(len, [raw, *timeline_with])) > 40 or len(timeline_with) > WITH_MOST:
        raise HTTPException(422, f"a number is at most 40 characters, and a timeline shows at "
                                 f"most {WITH_MOST} numbers")  # fmt: skip
    try:
        workspace = workspace_of(request)
        summary = request.app.state.results.get(
            workspace, ("number", raw, tuple(timeline_with), with_successors),
            lambda: summarise_number(workspace, raw, timeline_with=timeline_with,
                                     with_successors=with_successors),
        )  # fmt: skip
    except NoDetection as exc:
        raise HTTPException(404, str(exc)) from exc
    audit.record(db, actor, "consultation", "phone", [summary.number])
    return NumberOut(
        summary=summary,
        intelligence=intelligence_naming(db, summary.number, actor),
        seized=seizures_of(db, summary.number, actor=actor),
    )


def intelligence_naming(db: Session, number: str, actor: str) -> list[IntelligenceView]:
    """Intelligence linked to ``number`` as a phone or a deal line, newest first (each
    search audited as a consultation of what it found)."""
    found: dict[int, Intelligence] = {}
    for kind in ("phone", "line"):
        try:
            for item in intelligence.search(db, {kind: number}, actor=actor):
                found[item.id] = item
        except IntelligenceProblem:  # an opaque subscriber id: no intelligence names it
            return []
    items = [found[k] for k in sorted(found, reverse=True)]
    return intelligence.views(session=db, items=items)


@router.get("/{number}", response_model=NumberOut)
def number(
    number: str,
    request: Request,
    db: Db,
    user: Annotated[User, Depends(requires("numbers.read"))],
    timeline_with: Annotated[list[str] | None, Query(alias="with")] = None,
    successors: bool = False,
) -> NumberOut:
    """One number: traffic, busiest contacts, handsets, parts in lines, a timeline with
    chosen numbers (``with``, repeated; default its five busiest contacts), intelligence that
    names it and seized phones that carried it; with ``successors``, its candidate
    successors if it fell silent (a pass over every number's contacts: seconds on a large
    workspace)."""
    return number_out(db, request, number, user.name, timeline_with or [], successors)


def profile_for(
    request: Request, db: Session, number: str, ask: ProfileAsk, actor: str
) -> NumberProfile:
    """The number's profile as asked (kept for the data it came from), audited as a
    consultation of the number; 422 for a mistake in the asking, 404 if it has no calls
    or texts then."""
    if len(number) > 40 or len(ask.zone) > 64:
        raise HTTPException(422, "a number is at most 40 characters, a zone at most 64")
    try:
        when = period(ask.first_day, ask.last_day, ask.zone, PAGE_DAYS)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from exc
    try:
        workspace = workspace_of(request)
        profile: NumberProfile = request.app.state.results.get(
            workspace, ("profile", number, ask),
            lambda: profile_number(workspace, number, when, weekly=ask.weekly, split=ask.split),
        )  # fmt: skip
    except NoDetection as exc:
        raise HTTPException(404, str(exc)) from exc
    audit.record(db, actor, "consultation", "phone", [profile.number])
    return profile


@dataclass(frozen=True)
class ProfileAsk:
    """What a request asks a profile of (the query string)."""

    first_day: str | None
    last_day: str | None
    zone: str
    weekly: bool
    split: bool


def profile_ask(
    first_day: Annotated[str | None, Query(alias="from")] = None,
    last_day: Annotated[str | None, Query(alias="to")] = None,
    zone: str = "Europe/London",
    weekly: bool = False,
    split: bool = False,
) -> ProfileAsk:
    """The profile's query string: local days ``from``..``to`` (YYYY-MM-DD, both included;
    default every day) on the ``zone`` clock; ``weekly`` for the mean and std across weeks,
    ``split`` for weekdays, weekends, days and nights."""
    return ProfileAsk(first_day, last_day, zone, weekly, split)


@router.get("/{number}/profile", response_model=NumberProfile)
def number_profile(
    number: str,
    request: Request,
    db: Db,
    user: Annotated[User, Depends(requires("numbers.profile"))],
    ask: Annotated[ProfileAsk, Depends(profile_ask)],
) -> NumberProfile:
    """The number's behavioural profile over local days ``from``..``to`` (YYYY-MM-DD, both
    included; default every day) on the ``zone`` clock: each indicator with its definition
    and source; ``weekly`` for the mean and std across weeks, ``split`` for weekdays,
    weekends, days and nights. 404 if it has no calls or texts then."""
    return profile_for(request, db, number, ask, user.name)
