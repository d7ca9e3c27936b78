"""A line is a brand that outlives its numbers: group the numbers of one line.

A later line number continues an earlier one when the earlier number fell silent within
``SWITCH_WINDOW`` of the later one's first wave - the "new number, save it" switch that
analysts rely on - and most of the later number's customers were the earlier number's:
the overlap of their customer bases, each customer weighted by how exclusive it was to
the two numbers, is at least ``SAME_BRAND_OVERLAP``. A customer whom rival lines text too
says little about which brand a new number carries; one only these two numbers text says
much. A number hands its brand to at most one successor and takes it from at most one
predecessor; the links whose switch is closest in time are made first (then the strongest).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from fortress.comms.results import DealLine, NumberFinding
from fortress.comms.scoring import SAME_BRAND_OVERLAP
from fortress.model.findings import Evidence

SWITCH_WINDOW: Final = timedelta(days=7)

Judgements = dict[tuple[str, str], str]


@dataclass(frozen=True, slots=True)
class Link:
    """The earlier number a later one continues, and how strongly."""

    earlier: NumberFinding
    weighted_overlap: float
    verdict: str | None


def group(
    lines: list[NumberFinding],
    bases: dict[str, set[str]],
    judgements: Judgements | None = None,
) -> list[DealLine]:
    """Deal lines from line numbers: each number joins the line of the earlier number it
    continues, if any. Analysts' judgements win: a rejected link is never made, a
    confirmed one always is."""
    ordered = sorted(lines, key=lambda found: (found.first_utc, found.number))
    links = _links(ordered, bases, judgements or {})
    line_of: dict[str, int] = {}
    members: list[list[NumberFinding]] = []
    evidence: list[list[Evidence]] = []
    for later in ordered:
        link = links.get(later.number)
        if link is None:
            line_of[later.number] = len(members)
            members.append([later])
            evidence.append([])
            continue
        index = line_of[link.earlier.number]
        line_of[later.number] = index
        members[index].append(later)
        evidence[index].append(_link_evidence(later, link, bases))
    return [_line(numbers, found) for numbers, found in zip(members, evidence, strict=True)]


def _links(
    ordered: list[NumberFinding], bases: dict[str, set[str]], judgements: Judgements
) -> dict[str, Link]:
    """The accepted link of each later number: confirmed links first, then candidate
    links closest in switch time first, each number at most once on either side."""
    reach = Counter(member for found in ordered for member in bases[found.number])
    proposals: list[tuple[bool, float, NumberFinding, NumberFinding]] = []
    for i, later in enumerate(ordered):
        for earlier in ordered[:i]:
            verdict = judgements.get((earlier.number, later.number))
            score = weighted_overlap(bases[earlier.number], bases[later.number], reach)
            if verdict == "confirmed" or (
                verdict != "rejected"
                and score >= SAME_BRAND_OVERLAP
                and _in_switch_window(earlier, later)
            ):
                proposals.append((verdict != "confirmed", -score, earlier, later))
    # The switch itself decides first (the old number falls silent as the new one starts),
    # so in a chain A -> B -> C the link A -> C never pre-empts A -> B and B -> C.
    proposals.sort(key=lambda p: (p[0], _switch_gap(p[2], p[3]), p[1], p[2].number, p[3].number))
    links: dict[str, Link] = {}
    handed_over: set[str] = set()
    for unconfirmed, negative_score, earlier, later in proposals:
        if later.number in links or (unconfirmed and earlier.number in handed_over):
            continue
        verdict = judgements.get((earlier.number, later.number))
        links[later.number] = Link(earlier, -negative_score, verdict)
        handed_over.add(earlier.number)
    return links


def _switch_gap(earlier: NumberFinding, later: NumberFinding) -> float:
    """Seconds between the earlier number's last activity and the later one's first wave."""
    return float(abs((earlier.figures["last_utc"] - later.figures["first_wave"]).total_seconds()))


def _in_switch_window(earlier: NumberFinding, later: NumberFinding) -> bool:
    start = later.figures["first_wave"]
    last = earlier.figures["last_utc"]
    return bool(
        earlier.figures["first_wave"] < start
        and start - SWITCH_WINDOW <= last <= start + SWITCH_WINDOW
    )


def weighted_overlap(old: set[str], new: set[str], reach: Counter[str]) -> float:
    """Overlap coefficient of two customer bases with each customer weighted by
    ``1 / (1 + the number of other line numbers that text it)``. ``reach`` counts, per
    customer, the line numbers whose base holds it (these two included)."""

    def weight(member: str) -> float:
        others = reach[member] - (member in old) - (member in new)
        return 1.0 / (1 + max(others, 0))

    smaller = min(sum(map(weight, old)), sum(map(weight, new)))
    return sum(map(weight, old & new)) / smaller if smaller else 0.0


def _link_evidence(later: NumberFinding, link: Link, bases: dict[str, set[str]]) -> Evidence:
    earlier = link.earlier
    old, new = bases[earlier.number], bases[later.number]
    shared = len(old & new)
    text = (
        f"{later.number} took over from {earlier.number}: its waves from "
        f"{later.figures['first_wave']:%Y-%m-%d} reached {shared} of the old number's "
        f"{len(old)} customers ({shared / max(len(old), 1):.0%}; "
        f"{link.weighted_overlap:.0%} weighting each customer by how exclusive it was to "
        f"these two numbers); {earlier.number} was last active "
        f"{earlier.figures['last_utc']:%Y-%m-%d %H:%M} UTC."
    )
    if link.verdict is not None:
        text += f" An analyst judged this link {link.verdict}."
    return Evidence(
        "successor",
        text,
        {
            "from": earlier.number,
            "to": later.number,
            "shared_customers": shared,
            "weighted_overlap": round(link.weighted_overlap, 4),
            "judged": link.verdict,
        },
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
