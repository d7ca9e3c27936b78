"""One number as the comms data and the latest detection run know it: its traffic, its
busiest contacts, its handsets, the parts it plays in lines, its candidate successors if
it fell silent, and when it was in contact with chosen numbers (a timeline)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Final

import ibis
import ibis.expr.types as ir
from sqlalchemy import select

from fortress.comms.events import contacts
from fortress.comms.handsets import history
from fortress.comms.lines import NoDetection, as_number, latest_run, successors, workspace_tables
from fortress.model import columns as c
from fortress.model.numbers import (
    ContactTimes,
    LineRole,
    NumberSummary,
    TopContact,
    Traffic,
)
from fortress.store.models import DealLineRecord, ScoredNumber
from fortress.store.workspace import Workspace

TIMELINE_CAP: Final = 2_000
"""Events drawn per contact on a timeline (the count says how many there were)."""


def summarise_number(
    workspace: Workspace,
    raw: str,
    *,
    top: int = 10,
    timeline_with: Sequence[str] = (),
    with_successors: bool = False,
) -> NumberSummary:
    """Everything known about the number ``raw`` (normalised as ingest would); the
    timeline shows ``timeline_with`` or, by default, its five busiest contacts. Successor
    candidates only ``with_successors`` (they take a pass over every number's contacts).
    ``NoDetection`` if the workspace has no comms events or the number is not in them."""
    number = as_number(raw)
    comms, _ = workspace_tables(workspace)
    # one pass over the events: the rest reads the number's own events
    touching = comms.filter((comms[c.A_NUMBER] == number) | (comms[c.B_NUMBER] == number))
    touching = touching.cache()
    mine = contacts(touching, common=(c.START_UTC, c.KIND)).filter(ibis._.number == number)
    traffic = _traffic(mine)
    if traffic.events == 0:
        raise NoDetection(f"{number} does not appear in the workspace's comms events")
    busiest = _top_contacts(mine, top)
    chosen = [as_number(n) for n in timeline_with] or [t.number for t in busiest[:5]]
    run_id, roles = _roles(workspace, number)
    silent = successors(workspace, number) if with_successors else []
    return NumberSummary(
        number=number,
        traffic=traffic,
        top_contacts=busiest,
        handsets=history(touching, number=number),
        roles=roles,
        run_id=run_id,
        successors_sought=with_successors,
        successors=silent[0] if silent and silent[0].candidates else None,
        timeline=_timeline(mine, list(dict.fromkeys(chosen))),
    )


def _traffic(mine: ir.Table) -> Traffic:
    call = mine[c.KIND] == "call"
    row = _rows(
        mine.aggregate(
            events=mine.count(),
            calls_made=(call & mine.outgoing).sum(),
            calls_received=(call & ~mine.outgoing).sum(),
            messages_made=(~call & mine.outgoing).sum(),
            messages_received=(~call & ~mine.outgoing).sum(),
            first=mine[c.START_UTC].min(),
            last=mine[c.START_UTC].max(),
            active_days=mine[c.START_UTC].date().nunique(),
            contacts=mine.other.nunique(),
        )
    )[0]
    return Traffic(
        events=int(row["events"]),
        calls_made=int(row["calls_made"] or 0),
        calls_received=int(row["calls_received"] or 0),
        messages_made=int(row["messages_made"] or 0),
        messages_received=int(row["messages_received"] or 0),
        first_utc=_iso(row["first"]),
        last_utc=_iso(row["last"]),
        active_days=int(row["active_days"] or 0),
        contacts=int(row["contacts"] or 0),
    )


def _top_contacts(mine: ir.Table, top: int) -> list[TopContact]:
    known = mine.filter(mine.other.notnull())
    per = known.group_by("other").aggregate(
        events=known.count(),
        made=known.outgoing.sum(),
        first=known[c.START_UTC].min(),
        last=known[c.START_UTC].max(),
    )
    rows = _rows(per.order_by([ibis.desc("events"), "other"]).limit(top))
    return [
        TopContact(number=r["other"], events=int(r["events"]), made=int(r["made"]),
                   first_utc=_iso(r["first"]) or "", last_utc=_iso(r["last"]) or "")
        for r in rows
    ]  # fmt: skip


def _timeline(mine: ir.Table, others: list[str]) -> list[ContactTimes]:
    """When the number was in contact with each of ``others`` (one query for them all)."""
    if not others:
        return []
    theirs = mine.filter(mine.other.isin(others))
    rows = _rows(
        theirs.select("other", at=theirs[c.START_UTC], made=theirs.outgoing).order_by("at")
    )
    found: dict[str, list[dict[str, Any]]] = {other: [] for other in others}
    for row in rows:
        found[row["other"]].append(row)
    return [
        ContactTimes(
            other=other,
            made_utc=[_iso(r["at"]) or "" for r in kept[:TIMELINE_CAP] if r["made"]],
            received_utc=[_iso(r["at"]) or "" for r in kept[:TIMELINE_CAP] if not r["made"]],
            events=len(kept),
        )
        for other, kept in found.items()
    ]


def _roles(workspace: Workspace, number: str) -> tuple[str | None, list[LineRole]]:
    """The lines of the latest run the number belongs to, and as what. Only the rows whose
    stored JSON mentions the number are read."""
    try:
        run = latest_run(workspace)
    except NoDetection:
        return None, []
    found: list[LineRole] = []
    with workspace.sessions() as session:
        scored = session.scalars(
            select(ScoredNumber).where(
                ScoredNumber.run_id == run.id,
                ScoredNumber.line_id.is_not(None),
                (ScoredNumber.number == number) | ScoredNumber.details.contains(number),
            )
        )
        for row in scored:
            found += _roles_in(str(row.line_id), number, row.number, json.loads(row.details))
        lines = session.scalars(
            select(DealLineRecord).where(
                DealLineRecord.run_id == run.id, DealLineRecord.people.contains(number)
            )
        )
        for line in lines:
            controllers = json.loads(line.people).get("controllers", [])
            if any(one["number"] == number for one in controllers):
                found.append(LineRole(line_id=line.line_id, role="controller"))
    unique = sorted(set(found), key=lambda r: (r.line_id, r.role))
    return run.id, unique


def _roles_in(
    line_id: str, number: str, line_number: str, details: dict[str, Any]
) -> list[LineRole]:
    roles = []
    if line_number == number:
        roles.append(LineRole(line_id=line_id, role="line number"))
    if number in details.get("customers", []):
        roles.append(LineRole(line_id=line_id, role="customer"))
    if any(runner.get("target") == number for runner in details.get("runners", [])):
        roles.append(LineRole(line_id=line_id, role="runner"))
    return roles


def _iso(value: Any) -> str | None:
    return None if value is None else value.isoformat(timespec="seconds")


def _rows(expr: ir.Table) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = expr.to_pyarrow().to_pylist()
    return rows
