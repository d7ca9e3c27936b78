"""Retention (MoPI): the review queue, reviews that retain or dispose, and legal holds
(``/api/v1/retention``)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field

from fortress.casework import retention
from fortress.casework.models import User
from fortress.casework.retention import RetentionProblem
from fortress.server.deps import (
    API,
    CommittingRoute,
    Db,
    check_id,
    not_found,
    own_session,
    requires,
)
from fortress.store.workspace import now_utc

router = APIRouter(prefix=f"{API}/retention", tags=["retention"], route_class=CommittingRoute)
RecordType = Literal["intelligence", "person", "referral", "public_report"]


def _missing(record_type: str, record_id: int) -> HTTPException:
    return not_found(record_type.replace("_", " "), record_id)


class ReviewIn(BaseModel):
    """A review's decision."""

    decision: Literal["retain", "dispose"]
    reason: str = Field(min_length=1, max_length=2_000)


class HoldIn(BaseModel):
    """A legal hold."""

    reason: str = Field(min_length=1, max_length=2_000)


class DueOut(BaseModel):
    """A record due for review, and any legal hold on it."""

    record_type: str
    record_id: int
    review_on: date
    hold: str | None


class RetainedOut(BaseModel):
    """A review that kept the record, and its next review."""

    record_type: RecordType
    record_id: int
    decision: Literal["retain"]
    review_on: date


class DisposedOut(BaseModel):
    """A review that disposed of the record for good."""

    record_type: RecordType
    record_id: int
    decision: Literal["dispose"]


class HoldOut(BaseModel):
    """A record's legal hold (``None``: released)."""

    record_type: RecordType
    record_id: int
    hold: str | None


@router.get("/due", response_model=list[DueOut])
def review_queue(
    db: Db,
    user: Annotated[User, Depends(requires("retention.queue"))],
    on: Annotated[date | None, Query(description="review date (default today)")] = None,
) -> list[DueOut]:
    """Records due for review on ``on`` or before, oldest first."""
    found = retention.due(db, on or now_utc().date(), actor=user.name)
    return [
        DueOut(record_type=e.record_type, record_id=e.record_id, review_on=e.review_on,
               hold=e.hold_reason)
        for e in found
    ]  # fmt: skip


@router.post("/{record_type}/{record_id}/review", response_model=RetainedOut | DisposedOut)
def review(
    record_type: RecordType,
    record_id: int,
    body: ReviewIn,
    request: Request,
    user: Annotated[User, Depends(requires("retention.review"))],
) -> RetainedOut | DisposedOut:
    """Retain a record (next review in a full period) or dispose of it for good."""
    return review_record(request, record_type, record_id, body.decision, user.name)


def review_record(
    request: Request, record_type: RecordType, record_id: int, decision: str, actor: str
) -> RetainedOut | DisposedOut:
    """Retain or dispose of a record (the API and the review page); 404 if there is no such
    record, 409 if it may not be disposed of (a legal hold, or named elsewhere)."""
    check_id(record_type, record_id)
    # its own transaction, so that the disposal is committed before the files are wiped
    try:
        with own_session(request) as session, session.begin():
            if decision == "retain":
                next_review = retention.retain(session, record_type, record_id,
                                               on=now_utc().date(), actor=actor)  # fmt: skip
                return RetainedOut(record_type=record_type, record_id=record_id,
                                   decision="retain", review_on=next_review)  # fmt: skip
            retention.dispose(session, record_type, record_id, actor=actor)
    except LookupError as exc:
        raise _missing(record_type, record_id) from exc
    except RetentionProblem as exc:
        raise HTTPException(409, str(exc)) from exc
    retention.wipe_traces(request.app.state.engine)
    return DisposedOut(record_type=record_type, record_id=record_id, decision="dispose")


@router.put("/{record_type}/{record_id}/hold", response_model=HoldOut)
def place_hold(
    record_type: RecordType,
    record_id: int,
    body: HoldIn,
    db: Db,
    user: Annotated[User, Depends(requires("retention.hold"))],
) -> HoldOut:
    """Put a legal hold on a record."""
    try:
        retention.hold(db, record_type, check_id(record_type, record_id), body.reason,
                       actor=user.name)  # fmt: skip
    except LookupError as exc:
        raise _missing(record_type, record_id) from exc
    except RetentionProblem as exc:
        raise HTTPException(422, str(exc)) from exc
    return HoldOut(record_type=record_type, record_id=record_id, hold=body.reason.strip())


@router.delete("/{record_type}/{record_id}/hold", response_model=HoldOut)
def lift_hold(
    record_type: RecordType,
    record_id: int,
    db: Db,
    user: Annotated[User, Depends(requires("retention.release"))],
) -> HoldOut:
    """Release a record's legal hold."""
    try:
        retention.release(db, record_type, check_id(record_type, record_id), actor=user.name)
    except LookupError as exc:
        raise _missing(record_type, record_id) from exc
    except RetentionProblem as exc:
        raise HTTPException(409, str(exc)) from exc
    return HoldOut(record_type=record_type, record_id=record_id, hold=None)
