"""After detection: the people around each line (controllers, runners' movements, who
holds each line phone) and the safeguarding signals (possible cuckooed addresses)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import ibis.expr.types as ir

from fortress.comms import roles
from fortress.comms.children import possible_children
from fortress.comms.cuckooing import cuckooed_sites
from fortress.comms.events import Neighbourhood, with_local_time
from fortress.comms.results import DealLine, Detection


@dataclass(slots=True)
class LinePeople:
    """Everything found about one line's people."""

    controllers: list[dict[str, Any]] = field(default_factory=list)
    movements: dict[str, dict[str, Any]] = field(default_factory=dict)
    holders: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    children: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (stored with the line)."""
        return {
            "controllers": self.controllers,
            "movements": self.movements,
            "holders": self.holders,
            "children": self.children,
        }


def crew_of(line: DealLine) -> roles.LineCrew:
    """A line's parties as role finding needs them."""
    runners = sorted({r["target"] for n in line.numbers for r in n.runners})
    customers = sorted({c for n in line.numbers for c in n.customers})
    strongest = max(line.numbers, key=lambda n: n.score)
    town = next(
        (
            str(e.figures["customers_area"])
            for e in strongest.evidence
            if e.kind == "away_from_customers" and "customers_area" in e.figures
        ),
        None,
    )
    first = min(n.figures["first_day"] for n in line.numbers)
    last = max(n.figures["last_day"] for n in line.numbers)
    return roles.LineCrew(
        line_id=line.line_id,
        numbers=[n.number for n in line.numbers],
        runners=runners,
        customers=customers,
        town=town,
        span_days=(last - first).days + 1,
    )


def find_people(
    events: ir.Table,
    cells: ir.Table | None,
    detection: Detection,
    params: roles.RoleParams | None = None,
) -> tuple[dict[str, LinePeople], list[dict[str, Any]]]:
    """Roles per line id, and the safeguarding sites of all lines; the neighbourhood's
    clock is charged the stages ``roles`` and ``safeguarding``."""
    params = params or roles.RoleParams()
    if detection.span is None or not detection.lines:
        return {}, []
    nearby = detection.nearby or Neighbourhood(with_local_time(events, detection.span))
    crews = [crew_of(line) for line in detection.lines]
    with nearby.clock.stage("roles"):
        found = _roles(nearby, crews, cells, detection, params)
    if cells is None:
        return found, []
    with nearby.clock.stage("safeguarding"):
        outsiders = {n for crew in crews for n in [*crew.numbers, *crew.runners]} | {
            c["number"] for people in found.values() for c in people.controllers
        }
        return found, cuckooed_sites(nearby, cells, crews, outsiders)


def _roles(
    nearby: Neighbourhood,
    crews: list[roles.LineCrew],
    cells: ir.Table | None,
    detection: Detection,
    params: roles.RoleParams,
) -> dict[str, LinePeople]:
    """Controllers, phone holders, possible children and runners' movements per line."""
    found = {crew.line_id: LinePeople() for crew in crews}
    senders = {found.number for found in detection.scored}
    for line_id, items in roles.controllers(nearby, crews, cells, params, senders).items():
        found[line_id].controllers = items
    _holders(nearby, crews, found, params)
    runners = sorted({r for crew in crews for r in crew.runners})
    theirs = nearby.contacts_of(runners)
    for line_id, judged in possible_children(theirs, crews).items():
        found[line_id].children = judged
    if cells is not None:
        rows = roles.night_areas(theirs, cells, runners, params.night_to_hour)
        moved = roles.movements(rows.to_pyarrow().to_pylist())
        for crew in crews:
            found[crew.line_id].movements = {r: moved[r] for r in crew.runners if r in moved}
    return found


def _holders(
    nearby: Neighbourhood,
    crews: list[roles.LineCrew],
    found: dict[str, LinePeople],
    params: roles.RoleParams,
) -> None:
    candidates = {
        number: [*crew.runners, *(c["number"] for c in found[crew.line_id].controllers)]
        for crew in crews
        for number in crew.numbers
    }
    phones = sorted(candidates)
    held = roles.holders(nearby, phones, candidates, params)
    for crew in crews:
        found[crew.line_id].holders = {n: held.get(n, [])[:3] for n in crew.numbers}
