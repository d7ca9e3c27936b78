"""A line is a brand that outlives its numbers: group the numbers of one line.

A later line number continues an earlier one when most of its customers (overlap
coefficient at least ``SAME_BRAND_OVERLAP``) were the earlier number's customers and the
earlier number fell silent within ``SWITCH_WINDOW`` of the later one's first wave - the
"new number, save it" switch that analysts rely on to link the numbers of a line.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Final

from fortress.comms.results import DealLine, NumberFinding
from fortress.comms.scoring import SAME_BRAND_OVERLAP, overlap
from fortress.model.findings import Evidence

SWITCH_WINDOW: Final = timedelta(days=7)


def group(
    lines: list[NumberFinding],
    bases: dict[str, set[str]],
    judgements: dict[tuple[str, str], str] | None = None,
) -> list[DealLine]:
    """Deal lines from line numbers: each number joins the line of the earlier number it
    continues, if any. Analysts' judgements win: a rejected link is never made, a
    confirmed one always is."""
    ordered = sorted(lines, key=lambda found: (found.first_utc, found.number))
    line_of: dict[str, int] = {}
    members: list[list[NumberFinding]] = []
    links: list[list[Evidence]] = []
    for i, later in enumerate(ordered):
        earlier = _predecessor(later, ordered[:i], bases, judgements or {})
        if earlier is None:
            line_of[later.number] = len(members)
            members.append([later])
            links.append([])
            continue
        index = line_of[earlier.number]
        line_of[later.number] = index
        members[index].append(later)
        verdict = (judgements or {}).get((earlier.number, later.number))
        links[index].append(_link_evidence(earlier, later, bases, verdict))
    return [_line(numbers, evidence) for numbers, evidence in zip(members, links, strict=True)]


def _predecessor(
    later: NumberFinding,
    earlier: list[NumberFinding],
    bases: dict[str, set[str]],
    judgements: dict[tuple[str, str], str],
) -> NumberFinding | None:
    confirmed = [e for e in earlier if judgements.get((e.number, later.number)) == "confirmed"]
    if confirmed:
        return confirmed[-1]
    earlier = [e for e in earlier if judgements.get((e.number, later.number)) != "rejected"]
    start = later.figures["first_wave"]
    fits = [
        (overlap(bases[e.number], bases[later.number]), e)
        for e in earlier
        if e.figures["first_wave"] < start
        and start - SWITCH_WINDOW <= e.figures["last_utc"] <= start + SWITCH_WINDOW
    ]
    fits = [(score, e) for score, e in fits if score >= SAME_BRAND_OVERLAP]
    return max(fits, key=lambda pair: (pair[0], pair[1].number))[1] if fits else None


def _link_evidence(
    earlier: NumberFinding,
    later: NumberFinding,
    bases: dict[str, set[str]],
    verdict: str | None,
) -> Evidence:
    old, new = bases[earlier.number], bases[later.number]
    shared = len(old & new)
    text = (
        f"{later.number} took over from {earlier.number}: its waves from "
        f"{later.figures['first_wave']:%Y-%m-%d} reached {shared} of the old number's "
        f"{len(old)} customers ({shared / max(len(old), 1):.0%}); {earlier.number} was last "
        f"active {earlier.figures['last_utc']:%Y-%m-%d %H:%M} UTC."
    )
    if verdict is not None:
        text += f" An analyst judged this link {verdict}."
    return Evidence(
        "successor",
        text,
        {"from": earlier.number, "to": later.number, "shared_customers": shared, "judged": verdict},
    )


def _line(numbers: list[NumberFinding], links: list[Evidence]) -> DealLine:
    strongest = max(numbers, key=lambda found: found.score)
    prefix = len(numbers) > 1
    evidence = links + [
        Evidence(e.kind, f"{strongest.number}: {e.text}" if prefix else e.text, e.figures, e.events)
        for e in strongest.evidence
    ]
    return DealLine(
        line_id=line_id(numbers[0].number),
        numbers=numbers,
        score=strongest.score,
        evidence=evidence,
    )


def line_id(oldest_number: str) -> str:
    """A stable id for the line first seen on ``oldest_number``."""
    return "line-" + hashlib.sha256(oldest_number.encode()).hexdigest()[:10]
