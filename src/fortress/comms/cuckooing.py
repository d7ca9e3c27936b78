"""Safeguarding signals: addresses that may be cuckooed, for visits, not for enforcement.

A cuckooed address is a vulnerable person's home taken over as a base: runners' phones
from out of the area stay there night after night, on the cell where the resident's own
phone spends its nights (Spicer, Moyle & Coomber 2020; Coomber & Moyle 2018; NCA 2019).
The cell is the finest place communications data gives: a cell covers many homes, so a
candidate is a place to look, never an address.

For each line, the runners' night cells (00:00-05:59 local, the cell most used that night)
in the line's town are counted; a cell where runners spent at least ``min_nights`` nights
is a **runner base**. A **resident** is a phone outside the line whose own nights are mostly
on that cell (at least half of its located nights, and ``min_nights``); a base with a
resident present on nights the runners were there is a **candidate cuckooed address**, and
one without is listed as a runner base with no resident seen (a trap house, or a resident
without a phone in the data). Candidates are ranked first where the resident is one of the
line's own customers (cuckooing victims are most often drug users: NCA 2019), then by the
share of the runners' nights the resident was there. A local runner sleeping at his own
family home looks like a base with residents too: the ranking puts it lower, and the
evidence says who was there.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

import ibis.expr.types as ir

from fortress.comms import tallies
from fortress.comms.events import Neighbourhood
from fortress.comms.roles import LineCrew, night_areas
from fortress.comms.tally import most_common, top
from fortress.model import columns as c
from fortress.model.findings import Evidence


@dataclass(frozen=True, slots=True)
class CuckooParams:
    """Nights and shares that make a base and a resident."""

    min_nights: int = 3
    """Three nights: a stay, not a party or a single overnight visit."""
    resident_share: float = 0.5
    """A resident's phone spends at least half of its located nights on the cell."""
    to_hour: int = 6


def night_cells(rows: list[dict[str, Any]]) -> dict[str, dict[date, tuple[str, str]]]:
    """Per number, per night: the (cell, area) used most that night."""
    tally: dict[str, dict[date, Counter[tuple[str, str]]]] = defaultdict(
        lambda: defaultdict(Counter)
    )
    for row in rows:
        tally[row["number"]][row["night"]][(row["cell"], row["area"])] += int(row["events"])
    return {
        number: {night: most_common(counts) for night, counts in nights.items()}
        for number, nights in tally.items()
    }


def cuckooed_sites(
    nearby: Neighbourhood,
    cells: ir.Table,
    crews: list[LineCrew],
    outsiders: set[str],
    params: CuckooParams | None = None,
) -> list[dict[str, Any]]:
    """Runner bases and candidate cuckooed addresses, most nights first."""
    params = params or CuckooParams()
    runners = sorted({r for crew in crews for r in crew.runners})
    if not runners:
        return []
    nights = night_cells(
        night_areas(nearby.contacts_of(runners), cells, runners, params.to_hour)
        .to_pyarrow()
        .to_pylist()
    )
    bases = _bases(crews, nights, params)
    if not bases:
        return []
    residents = _residents(nearby, cells, {b["cell_id"] for b in bases}, outsiders, params)
    customers = {crew.line_id: set(crew.customers) for crew in crews}
    sites = [
        _site(base, residents.get(base["cell_id"], {}), customers[base["line_id"]], params)
        for base in bases
    ]
    return sorted(sites, key=lambda site: (-site["score"], site["cell_id"]))


def _bases(
    crews: list[LineCrew],
    nights: dict[str, dict[date, tuple[str, str]]],
    params: CuckooParams,
) -> list[dict[str, Any]]:
    found = []
    for crew in crews:
        stays: dict[tuple[str, str], dict[date, set[str]]] = defaultdict(lambda: defaultdict(set))
        for runner in crew.runners:
            for night, (cell, area) in nights.get(runner, {}).items():
                if crew.town is None or area == crew.town:
                    stays[(cell, area)][night].add(runner)
        for (cell, area), by_night in stays.items():
            if len(by_night) >= params.min_nights:
                found.append(
                    {
                        "line_id": crew.line_id,
                        "cell_id": cell,
                        "area": area,
                        "runner_nights": {n: sorted(r) for n, r in sorted(by_night.items())},
                    }
                )
    return sorted(found, key=lambda b: (-len(b["runner_nights"]), b["cell_id"]))


def _residents(
    nearby: Neighbourhood,
    cells: ir.Table,
    base_cells: set[str],
    outsiders: set[str],
    params: CuckooParams,
) -> dict[str, dict[str, set[date]]]:
    """Per base cell: resident number -> nights spent there."""
    night = nearby.tally(tallies.nights(params.to_hour))
    sleepers = night.filter(night.cell.isin(sorted(base_cells))).select("number").distinct()
    mine = night.join(sleepers, "number")
    located = mine.join(cells.select(cell=cells[c.CELL_ID], area=cells[c.AREA]), "cell")
    rows = located.group_by(["number", "cell", "area", "night"]).aggregate(
        events=located.events.sum()
    )
    nights = night_cells(rows.to_pyarrow().to_pylist())
    found: dict[str, dict[str, set[date]]] = defaultdict(dict)
    for number, by_night in nights.items():
        if number in outsiders:
            continue
        home = Counter(cell for cell, _ in by_night.values())
        cell, count = top(home)
        if (
            cell in base_cells
            and count >= params.min_nights
            and count >= params.resident_share * len(by_night)
        ):
            found[cell][number] = {n for n, (cl, _) in by_night.items() if cl == cell}
    return found


def _site(
    base: dict[str, Any],
    residents: dict[str, set[date]],
    customers: set[str],
    params: CuckooParams,
) -> dict[str, Any]:
    runner_nights: dict[date, list[str]] = base["runner_nights"]
    shared = {
        number: sorted(n for n in runner_nights if n in nights)
        for number, nights in residents.items()
    }
    present = {number: n for number, n in shared.items() if len(n) >= params.min_nights}
    runners = sorted({r for rs in runner_nights.values() for r in rs})
    first, last = min(runner_nights), max(runner_nights)
    kind = "candidate_cuckooed_address" if present else "runner_base_no_resident_seen"
    text = (
        f"Runner phone(s) {', '.join(runners)} spent {len(runner_nights)} nights on cell "
        f"{base['cell_id']} ({base['area']}) between {first} and {last}"
    )
    ranked = sorted(present, key=lambda n: (n not in customers, -len(present[n]), n))
    score = 0.0
    if ranked:
        resident = ranked[0]
        buyer = resident in customers
        score = len(present[resident]) / len(runner_nights) + (1.0 if buyer else 0.0)
        text += (
            f"; {resident}, whose phone spends most of its own nights there, was on the same "
            f"cell on {len(present[resident])} of those nights"
            + (" and is one of the line's customers" if buyer else "")
            + ". A possible cuckooed home: for a safeguarding visit."
        )
    else:
        text += "; no local phone that lives on that cell was seen there on those nights."
    return {
        "kind": kind,
        "line_id": base["line_id"],
        "cell_id": base["cell_id"],
        "area": base["area"],
        "runners": runners,
        "residents": ranked,
        "resident_is_customer": bool(ranked) and ranked[0] in customers,
        "score": round(score, 3),
        "runner_nights": len(runner_nights),
        "shared_nights": max((len(n) for n in present.values()), default=0),
        "first_night": first.isoformat(),
        "last_night": last.isoformat(),
        "evidence": [Evidence(kind, text, {"nights": len(runner_nights)}).to_dict()],
    }
