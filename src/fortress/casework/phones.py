"""Seized phones against the workspace's comms data: for each phone an operation seized,
whether its number is on a deal line of the latest detection run, and its handsets (or,
for an IMEI, its numbers) with first and last sighting. Bringing casework and comms data
together is audited as a combination."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from fortress.casework import audit
from fortress.casework.models import Operation, OperationResult
from fortress.comms.lines import NoDetection, identity_history, latest_run
from fortress.model.lines import HandsetsOfNumber, Sighting
from fortress.store.models import ScoredNumber
from fortress.store.workspace import Workspace

CommsState = Literal["not available", "workspace", "no deal-line detection has been run"]


class SeizedPhone(BaseModel):
    """One identified seized phone and what the comms data says about it (``None``: no
    comms data to look in)."""

    result_id: int
    number: str | None
    imei: str | None
    line_id: str | None
    handsets: list[Sighting] | None
    numbers_in_handset: list[Sighting] | None


class SeizedPhones(BaseModel):
    """An operation's seized phones against the comms data."""

    operation_id: int
    phones: int
    identified: int
    comms: CommsState
    run_id: str | None
    seized: list[SeizedPhone]


def seized_phones(
    *, session: Session, operation: Operation, comms: Workspace | None, actor: str
) -> SeizedPhones:
    """The operation's seized phones, each with what the comms data says about it."""
    seized = list(
        session.scalars(
            select(OperationResult)
            .where(OperationResult.operation_id == operation.id)
            .where(OperationResult.kind == "phone_seizure")
            .order_by(OperationResult.id)
        )
    )
    identified = [r for r in seized if r.number or r.imei]
    found = SeizedPhones(
        operation_id=operation.id,
        phones=sum(r.count for r in seized),
        identified=len(identified),
        comms="not available" if comms is None else "workspace",
        run_id=None,
        seized=[],
    )
    lines = _lines_of(comms, [r.number for r in identified if r.number], found)
    for result in identified:
        found.seized.append(
            SeizedPhone(
                result_id=result.id,
                number=result.number,
                imei=result.imei,
                line_id=lines.get(result.number or ""),
                handsets=_history(comms, result.number),
                numbers_in_handset=_history(comms, result.imei),
            )
        )
    audit.record(session, actor, "combination", "operation_result", [r.id for r in identified])
    return found


def _lines_of(comms: Workspace | None, numbers: list[str], found: SeizedPhones) -> dict[str, str]:
    if comms is None or not numbers:
        return {}
    try:
        run = latest_run(comms)
    except NoDetection:
        found.comms = "no deal-line detection has been run"
        return {}
    found.run_id = run.id
    with comms.sessions() as records:
        rows = records.scalars(
            select(ScoredNumber)
            .where(ScoredNumber.run_id == run.id)
            .where(ScoredNumber.number.in_(numbers))
        )
        return {row.number: row.line_id for row in rows if row.line_id}


def _history(comms: Workspace | None, value: str | None) -> list[Sighting] | None:
    if comms is None or not value:
        return None
    try:
        shown = identity_history(comms, value)
    except NoDetection:  # no comms events in the workspace
        return None
    return list(shown.handsets if isinstance(shown, HandsetsOfNumber) else shown.numbers)


class Seizure(BaseModel):
    """An operation's seizure of a phone that carried a number."""

    operation_id: int
    operation: str
    result_id: int
    recorded_on: date
    imei: str | None


def seizures_of(session: Session, number: str, *, actor: str) -> list[Seizure]:
    """The seized phones recorded with ``number`` (E.164), oldest first; looking a comms
    number up in casework is audited as a combination."""
    rows = session.execute(
        select(OperationResult, Operation.name)
        .join(Operation, Operation.id == OperationResult.operation_id)
        .where(OperationResult.kind == "phone_seizure", OperationResult.number == number)
        .order_by(OperationResult.recorded_on, OperationResult.id)
    ).all()
    audit.record(session, actor, "combination", "operation_result", [r.id for r, _ in rows])
    return [
        Seizure(operation_id=r.operation_id, operation=name, result_id=r.id,
                recorded_on=r.recorded_on, imei=r.imei)
        for r, name in rows
    ]  # fmt: skip
