"""People, safeguarding referrals (partners see only their agency's, with other people
pseudonymised) and referral exports (``/api/v1``)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from fortress.casework import safeguarding
from fortress.casework.exports import FORMATS, export
from fortress.casework.models import Referral, User
from fortress.casework.safeguarding import (
    PartnerReferralView,
    PersonView,
    PseudonymView,
    ReferralView,
    SafeguardingProblem,
)
from fortress.server.deps import (
    API,
    CommittingRoute,
    Db,
    check_id,
    export_responses,
    not_found,
    requires,
)

Shown = ReferralView | PartnerReferralView
"""A referral as officers see it, or as a partner does (pseudonyms, no suspect flag)."""

router = APIRouter(prefix=API, tags=["safeguarding"], route_class=CommittingRoute)
Victim = Literal["child", "exploited_adult", "cuckooed_resident"]
Status = Literal["made", "accepted", "declined", "closed"]


class PersonIn(BaseModel):
    """A person; a victim flag and the suspect flag are independent."""

    name: str = Field(min_length=1, max_length=200)
    born_on: date | None = None
    victim: Victim | None = None
    suspect: bool = False


class NamedIn(BaseModel):
    """Another person a referral names."""

    person_id: int = Field(ge=1, le=2**31 - 1)
    relation: str = Field(min_length=1, max_length=100)


class ReferralIn(BaseModel):
    """A referral of a person to an agency."""

    person_id: int = Field(ge=1, le=2**31 - 1)
    agency: str = Field(min_length=2, max_length=100)
    reason: str = Field(min_length=1, max_length=5_000)
    others: list[NamedIn] = Field(default_factory=list, max_length=50)


class ReferralUpdate(BaseModel):
    """A referral's new status and outcome."""

    status: Status
    outcome: str | None = Field(default=None, max_length=5_000)


def _problem(exc: SafeguardingProblem) -> HTTPException:
    return HTTPException(422, str(exc))


@router.post("/people", status_code=201, response_model=PersonView)
def new_person(
    body: PersonIn, db: Db, user: Annotated[User, Depends(requires("people.create"))]
) -> PersonView:
    """Record a person."""
    try:
        person = safeguarding.add_person(db, body.name, born_on=body.born_on, victim=body.victim,
                                         suspect=body.suspect, actor=user.name)  # fmt: skip
    except SafeguardingProblem as exc:
        raise _problem(exc) from exc
    return safeguarding.person_view(person=person)


@router.get("/people/{person_id}", response_model=PersonView)
def read_person(
    person_id: int, db: Db, user: Annotated[User, Depends(requires("people.read"))]
) -> PersonView:
    """One person."""
    try:
        person = safeguarding.get_person(db, check_id("person", person_id), actor=user.name)
    except LookupError as exc:
        raise not_found("person", person_id) from exc
    return safeguarding.person_view(person=person)


@router.post("/referrals", status_code=201, response_model=Shown)
def new_referral(
    body: ReferralIn, db: Db, user: Annotated[User, Depends(requires("referrals.create"))]
) -> Shown:
    """Refer a person to an agency."""
    try:
        made = safeguarding.make_referral(
            db, body.person_id, body.agency, body.reason,
            [(o.person_id, o.relation) for o in body.others], actor=user.name,
        )  # fmt: skip
    except SafeguardingProblem as exc:
        raise _problem(exc) from exc
    return _show(db, [made], user)[0]


def _show(db: Db, referrals: list[Referral], user: User) -> list[Shown]:
    return safeguarding.show_referrals(session=db, referrals=referrals, user=user)


@router.get("/referrals", response_model=list[Shown])
def list_referrals(
    db: Db, user: Annotated[User, Depends(requires("referrals.list"))]
) -> list[Shown]:
    """The referrals you may see (a partner: their agency's only), newest first."""
    return _show(db, safeguarding.referrals_for(db, user), user)


ReferralKey = Annotated[
    str, Path(max_length=12, description="The referral's reference (R-…), or for staff its id")
]


def _visible(db: Db, referral_id: str, user: User) -> Referral:
    try:
        return safeguarding.visible_referral(db, referral_id, user)
    except LookupError as exc:
        raise HTTPException(404, f"no referral {referral_id}") from exc


@router.get("/referrals/{referral_id}", response_model=Shown)
def read_referral(
    referral_id: ReferralKey, db: Db, user: Annotated[User, Depends(requires("referrals.read"))]
) -> Shown:
    """One referral (404 for another agency's, exactly as for one that does not exist)."""
    return _show(db, [_visible(db, referral_id, user)], user)[0]


@router.patch("/referrals/{referral_id}", response_model=Shown)
def update_referral(
    referral_id: ReferralKey,
    body: ReferralUpdate,
    db: Db,
    user: Annotated[User, Depends(requires("referrals.update"))],
) -> Shown:
    """Move a referral on and record its outcome."""
    found = _visible(db, referral_id, user)
    try:
        safeguarding.update_referral(db, found, body.status, body.outcome, actor=user.name)
    except SafeguardingProblem as exc:
        raise _problem(exc) from exc
    return _show(db, [found], user)[0]


@router.get("/exports/referrals", response_class=Response, responses=export_responses())
def export_referrals(
    db: Db,
    user: Annotated[User, Depends(requires("referrals.export"))],
    format: Annotated[Literal["csv", "xlsx"], Query()] = "csv",
) -> Response:
    """The referrals you may see as CSV or XLSX (formulas neutralised; partners get the
    same pseudonyms as on screen)."""
    shown = _show(db, safeguarding.referrals_for(db, user), user)
    header = ["reference", "agency", "person", "born on", "victim", "reason", "status",
              "outcome", "made on", "others named"]  # fmt: skip
    rows = [
        [r.reference, r.agency, r.person.name, _day(r.person.born_on), r.person.victim, r.reason,
         r.status, r.outcome, r.made_on.isoformat(),
         "; ".join(f"{o.pseudonym if isinstance(o, PseudonymView) else o.person_id} "
                   f"({o.relation})" for o in r.others)]
        for r in shown
    ]  # fmt: skip
    return Response(
        export(format, "Referrals", header, rows),
        media_type=FORMATS[format],
        headers={"Content-Disposition": f'attachment; filename="referrals.{format}"'},
    )


def _day(day: date | None) -> str | None:
    return day.isoformat() if day else None
