"""Who works a line: controllers, runners' movements, and who holds each line phone.

* **Controllers** are numbers outside the line's customers and runners that keep in touch
  with the line phone and its runners day after day, late at night too, from away from the
  town where the customers are (NCA 2017; Robinson, McLean & Densley 2019).
* **Runner movements**: where each runner's phone spends its nights (00:00-05:59 local),
  as stints per area: runners rotate between the hub and the town (Coomber & Moyle 2018).
* **Attribution**: a line phone is carried by a person whose own phone is on the same cell
  at the same times far more often than chance would put it there (and not elsewhere).
  Candidates are the people around the line (its runners and controllers, and numbers in
  direct contact with the line phone).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

import ibis.expr.types as ir

from fortress.comms.events import LOCAL, Neighbourhood, small_table
from fortress.comms.features import areas_of
from fortress.comms.tallies import CELL_USE
from fortress.comms.tally import most_common
from fortress.model import columns as c
from fortress.model.findings import Evidence

BUCKET_S = 900
CONTROLLER_DAILY_CONTACTS = 3
"""Controllers are in touch with the line several times a day (by day, and a check-in at
night); three contacts a day over the line's life gives the full intensity component."""
CONTROLLER_WEIGHTS = (0.3, 0.2, 0.2, 0.15, 0.15)
"""Weights of regularity, intensity, reach (share of runners), late hours, and away."""


@dataclass(frozen=True, slots=True)
class RoleParams:
    """Thresholds for controllers and attribution, with the reason for each."""

    controller_min_days: int = 5
    """Contact on at least five days: a controller manages the line daily."""
    controller_threshold: float = 0.7
    """A friend of one runner reaches all of a one-runner line; only daily, intense contact
    with the whole crew, late too, from away, scores this high."""
    max_controllers: int = 2
    night_to_hour: int = 6
    holder_min_buckets: int = 20
    """At least twenty 15-minute periods when both phones were located: fewer is anecdote."""
    holder_threshold: float = 0.5
    """Co-location beyond chance (0 = as chance, 1 = always together) needed to attribute."""


@dataclass(frozen=True, slots=True)
class LineCrew:
    """A line's known parties, the input to role finding."""

    line_id: str
    numbers: list[str]
    runners: list[str]
    customers: list[str]
    town: str | None
    span_days: int


def controllers(
    nearby: Neighbourhood,
    crews: list[LineCrew],
    cells: ir.Table | None,
    params: RoleParams,
    senders: set[str] | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Controllers per line id, strongest first, each with score and evidence. Numbers
    in ``senders`` (those that send marketing waves: lines and their look-alikes) are
    phones of a business or a brand, never a controller's."""
    if not crews:
        return {}
    party_numbers = [p for crew in crews for p in [*crew.numbers, *crew.runners]]
    parties = small_table(
        nearby.events,
        {
            "line_id": [crew.line_id for crew in crews for _ in [*crew.numbers, *crew.runners]],
            "party": party_numbers,
            "role": [
                role
                for crew in crews
                for role in ["line"] * len(crew.numbers) + ["runner"] * len(crew.runners)
            ],
        },
    )
    members = small_table(
        nearby.events,
        {
            "line_id": [crew.line_id for crew in crews for _ in _members(crew)],
            "other": [m for crew in crews for m in _members(crew)],
        },
    )
    theirs = nearby.contacts_of(party_numbers)
    joined = theirs.join(parties, theirs.number == parties.party)
    joined = joined.anti_join(members, ["line_id", "other"])
    hour = joined[LOCAL].hour()
    day = joined[LOCAL].date()
    late = (hour >= 22) | (hour < params.night_to_hour)
    summary = joined.group_by(["line_id", "other"]).aggregate(
        days=day.nunique(),
        late_days=day.nunique(where=late),
        runners_reached=joined.party.nunique(where=joined.role == "runner"),
        line_days=day.nunique(where=joined.role == "line"),
        contacts=joined.count(),
    )
    rows = summary.filter(summary.days >= params.controller_min_days).to_pyarrow().to_pylist()
    areas = _areas(nearby, cells, sorted({row["other"] for row in rows}))
    by_line = {crew.line_id: crew for crew in crews}
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if row["other"] in (senders or set()):
            continue
        scored = _controller(row, by_line[row["line_id"]], areas.get(row["other"], Counter()))
        if scored["score"] >= params.controller_threshold:
            found[row["line_id"]].append(scored)
    return {
        line_id: sorted(items, key=lambda x: (-x["score"], x["number"]))[: params.max_controllers]
        for line_id, items in found.items()
    }


def _areas(
    nearby: Neighbourhood, cells: ir.Table | None, numbers: list[str]
) -> dict[str, Counter[str]]:
    """Located events per area for each of ``numbers`` (empty without cell sites), from
    the tally of every event: no fetch of their contacts."""
    if cells is None or not numbers:
        return {}
    use = nearby.tally(CELL_USE)
    mine = use.semi_join(small_table(nearby.events, {"number": numbers}), "number")
    found: dict[str, Counter[str]] = defaultdict(Counter)
    for row in areas_of(mine, cells).to_pyarrow().to_pylist():
        found[row["number"]][row["area"]] += int(row["events"])
    return found


def _members(crew: LineCrew) -> list[str]:
    return [*crew.numbers, *crew.runners, *crew.customers]


def _controller(row: dict[str, Any], crew: LineCrew, area: Counter[str]) -> dict[str, Any]:
    days, span = int(row["days"]), max(crew.span_days, 1)
    regular = min(1.0, days / span)
    intensity = min(1.0, row["contacts"] / span / CONTROLLER_DAILY_CONTACTS)
    reach = (
        row["runners_reached"] / len(crew.runners)
        if crew.runners
        else min(1.0, row["line_days"] / days)
    )
    late = min(1.0, 2 * row["late_days"] / span)
    located = sum(area.values())
    away = (located - area.get(crew.town or "", 0)) / located if located else 0.0
    parts = (regular, intensity, reach, late, away)
    score = sum(w * v for w, v in zip(CONTROLLER_WEIGHTS, parts, strict=True))
    where = most_common(area) if area else "unknown"
    text = (
        f"{row['contacts']} calls and messages with the line phone or its runners on {days} "
        f"of the line's {span} days ({row['late_days']} late at night), reaching "
        f"{row['runners_reached']} of its {len(crew.runners)} runners and the line phone on "
        f"{row['line_days']} days; mostly located in {where}"
        + (f", away from {crew.town}." if crew.town and where != crew.town else ".")
    )
    figures = {"days": days, "contacts": row["contacts"], "away": round(away, 3)}
    return {
        "number": row["other"],
        "score": round(score, 3),
        "evidence": [Evidence("controller", text, figures).to_dict()],
    }


def night_areas(contacts: ir.Table, cells: ir.Table, numbers: list[str], to_hour: int) -> ir.Table:
    """Per (number, night, area): located events between midnight and ``to_hour``."""
    night = contacts.filter(
        contacts.number.isin(numbers) & contacts.cell.notnull() & (contacts[LOCAL].hour() < to_hour)
    )
    located = night.join(cells.select(cell=cells[c.CELL_ID], area=cells[c.AREA]), "cell")
    return located.group_by(
        number=located.number, night=located[LOCAL].date(), area=located.area, cell=located.cell
    ).aggregate(events=located.count())


def movements(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per runner: home area (most nights), stints of consecutive nights per area, trips."""
    nights: dict[str, dict[date, Counter[str]]] = defaultdict(lambda: defaultdict(Counter))
    for row in rows:
        nights[row["number"]][row["night"]][row["area"]] += int(row["events"])
    result = {}
    for number, by_night in nights.items():
        sequence = [(night, most_common(tally)) for night, tally in sorted(by_night.items())]
        stints: list[dict[str, Any]] = []
        for night, area in sequence:
            if stints and stints[-1]["area"] == area:
                stints[-1]["to"] = night.isoformat()
                stints[-1]["nights"] += 1
            else:
                stints.append(
                    {"area": area, "from": night.isoformat(), "to": night.isoformat(), "nights": 1}
                )
        home = most_common(Counter(area for _, area in sequence))
        result[number] = {"home_area": home, "stints": stints, "trips": len(stints) - 1}
    return result


def holders(
    nearby: Neighbourhood,
    phones: list[str],
    candidates: dict[str, list[str]],
    params: RoleParams,
) -> dict[str, list[dict[str, Any]]]:
    """For each phone in ``phones``, the candidate personal phones that travel with it.

    Both phones' located events are cut into 15-minute periods; ``observed`` is the share
    of periods with both located in which they were on the same cell, ``expected`` the
    share chance would give (from each phone's own cell frequencies), and the score
    ``(observed - expected) / (1 - expected)``.
    """
    everyone = sorted({p for p in phones} | {x for xs in candidates.values() for x in xs})
    theirs = nearby.contacts_of(everyone)
    located = theirs.filter(theirs.cell.notnull())
    buckets = located.select(
        "number", "cell", bucket=(located[c.START_UTC].epoch_seconds() // BUCKET_S).cast("int64")
    ).distinct()
    cells_of: dict[str, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    for row in buckets.to_pyarrow().to_pylist():
        cells_of[row["number"]][row["bucket"]].add(row["cell"])
    # Each phone's cell frequencies, once: a phone is weighed against many candidates.
    shares = {number: cell_frequencies(by_bucket) for number, by_bucket in cells_of.items()}
    found = {}
    for phone in phones:
        scored = [
            _co_location(phone, other, cells_of[phone], cells_of[other], shares, params)
            for other in candidates.get(phone, [])
            if other != phone
        ]
        kept = [s for s in scored if s is not None]
        found[phone] = sorted(kept, key=lambda s: (-s["score"], s["number"]))
    return found


@dataclass(frozen=True, slots=True)
class CoLocation:
    """Two phones' 15-minute periods when both were located: how many, how many on a
    shared cell, and the share chance would give from each phone's own use of cells."""

    periods: int
    together: int
    expected: float

    @property
    def observed(self) -> float:
        return self.together / self.periods if self.periods else 0.0

    @property
    def score(self) -> float:
        """Co-location beyond chance: (observed - expected) / (1 - expected)."""
        return (self.observed - self.expected) / (1 - self.expected) if self.expected < 1 else 0.0

    def holds(self, params: RoleParams) -> bool:
        """Enough periods, and together far more often than chance."""
        return self.periods >= params.holder_min_buckets and self.score >= params.holder_threshold

    def statement(self, phone: str, other: str, params: RoleParams) -> str:
        """The finding in words, every figure in it."""
        if not self.periods:
            return f"{phone} and {other} were never located in the same 15-minute period."
        apart = self.periods - self.together
        return (
            f"{other} was on the same cell as {phone} in {self.together} of the "
            f"{self.periods} 15-minute periods when both were located ({self.observed:.0%}); "
            f"chance would give {self.expected:.0%}."
            + (" Attributed: they travel together." if self.holds(params) else "")
            + (f" Apart in {apart} periods." if apart else " Never apart.")
            + (f" Fewer than {params.holder_min_buckets} periods: too few to attribute."
               if self.periods < params.holder_min_buckets else "")
        )  # fmt: skip


def co_location(
    mine: dict[int, set[str]],
    theirs: dict[int, set[str]],
    shares_mine: dict[str, float],
    shares_theirs: dict[str, float],
) -> CoLocation:
    """Two phones' cells by 15-minute period compared (``cell_frequencies`` gives the
    shares)."""
    both = mine.keys() & theirs.keys()
    same = sum(1 for b in both if mine[b] & theirs[b])
    expected = sum(p * shares_theirs.get(cell, 0.0) for cell, p in shares_mine.items())
    return CoLocation(periods=len(both), together=same, expected=expected)


def _co_location(
    phone: str,
    other: str,
    mine: dict[int, set[str]],
    theirs: dict[int, set[str]],
    shares: dict[str, dict[str, float]],
    params: RoleParams,
) -> dict[str, Any] | None:
    found = co_location(mine, theirs, shares.get(phone, {}), shares.get(other, {}))
    if found.periods < params.holder_min_buckets:
        return None
    return {
        "number": other,
        "score": round(found.score, 3),
        "holds": found.holds(params),
        "evidence": [
            Evidence(
                "co_location",
                found.statement(phone, other, params),
                {"periods": found.periods, "together": found.together,
                 "expected": round(found.expected, 4)},
            ).to_dict()
        ],
    }  # fmt: skip


def cell_frequencies(by_bucket: dict[int, set[str]]) -> dict[str, float]:
    """Each cell's share of a phone's located periods (a period on two cells counts half
    to each)."""
    tally: dict[str, float] = defaultdict(float)
    for cells in by_bucket.values():
        for cell in cells:
            tally[cell] += 1 / len(cells)
    total = sum(tally.values())
    return {cell: n / total for cell, n in tally.items()} if total else {}
