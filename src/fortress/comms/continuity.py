"""A line is a brand that outlives its numbers: group the numbers of one line.

A later number continues an earlier one when the earlier number's last live contact (one it
made, or a call it answered: customers who missed the "new number" text ring a dead number
for days) falls within ``SWITCH_WINDOW`` of the later one's first wave - the "new number,
save it" switch that analysts rely on - and no more than that window after the later
number's first contact (two numbers working side by side for weeks are two lines), and the
later number texts the earlier one's customers: the overlap of their customer bases, each
customer weighted by how exclusive it was to the two numbers, is at least
``SAME_BRAND_OVERLAP``, or at least ``SAME_HANDSET_OVERLAP`` when the new number went into a
handset the old one used (a SIM swap: the strongest continuity evidence there is). A
customer whom rival lines text too says little about which brand a new number carries; one
only these two numbers text says much.

The brand is the unit: a number that sends waves but scores under the threshold on its own
(a successor seen for its first few days, an old number seen for its last) joins the line
it continues, and never makes a line by itself. A number hands its brand to at most one
successor and takes it from at most one predecessor; the links whose switch is closest in
time are made first (then the strongest).
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
SAME_HANDSET_OVERLAP: Final = 0.25
"""With a handset in common, a quarter of the old number's (weighted) customers texted by
the new one completes the evidence: the phone and part of the list carried over."""

Judgements = dict[tuple[str, str], str]


@dataclass(frozen=True, slots=True)
class Link:
    """The earlier number a later one continues, and how strongly."""

    earlier: NumberFinding
    weighted_overlap: float
    handset: str | None
    """An IMEI that sent from the earlier number and then from the later one."""
    verdict: str | None


def group(
    numbers: list[NumberFinding],
    bases: dict[str, set[str]],
    judgements: Judgements | None = None,
) -> list[DealLine]:
    """Deal lines from scored numbers: each number joins the line of the earlier number it
    continues, if any; a line needs at least one number at or over the threshold
    (``is_line``), and the numbers that join it become line numbers. Analysts' judgements
    win: a rejected link is never made, a confirmed one always is."""
    ordered = sorted(numbers, key=lambda found: (found.first_utc, found.number))
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
    found = []
    for brand, links_of in zip(members, evidence, strict=True):
        if any(number.is_line for number in brand):
            for number in brand:
                number.is_line = True
            found.append(_line(brand, links_of))
    return found


def _links(
    ordered: list[NumberFinding], bases: dict[str, set[str]], judgements: Judgements
) -> dict[str, Link]:
    """The accepted link of each later number: confirmed links first, then candidate
    links closest in switch time first, each number at most once on either side. A link
    touches at least one number that is a line on its own score."""
    reach = Counter(member for found in ordered for member in bases[found.number])
    proposals: list[tuple[bool, float, NumberFinding, NumberFinding, str | None]] = []
    for i, later in enumerate(ordered):
        for earlier in ordered[:i]:
            verdict = judgements.get((earlier.number, later.number))
            # The cheap tests first: the overlap of two bases is the costly one.
            possible = verdict == "confirmed" or (
                verdict != "rejected"
                and (earlier.is_line or later.is_line)
                and _in_switch_window(earlier, later)
            )
            if not possible:
                continue
            score = weighted_overlap(bases[earlier.number], bases[later.number], reach)
            handset = _handset_carried(earlier, later)
            needed = SAME_HANDSET_OVERLAP if handset else SAME_BRAND_OVERLAP
            if verdict == "confirmed" or score >= needed:
                proposals.append((verdict != "confirmed", -score, earlier, later, handset))
    # The switch itself decides first (the old number falls silent as the new one starts),
    # so in a chain A -> B -> C the link A -> C never pre-empts A -> B and B -> C.
    proposals.sort(key=lambda p: (p[0], _switch_gap(p[2], p[3]), p[1], p[2].number, p[3].number))
    links: dict[str, Link] = {}
    handed_over: set[str] = set()
    for unconfirmed, negative_score, earlier, later, handset in proposals:
        if later.number in links or (unconfirmed and earlier.number in handed_over):
            continue
        verdict = judgements.get((earlier.number, later.number))
        links[later.number] = Link(earlier, -negative_score, handset, verdict)
        handed_over.add(earlier.number)
    return links


def _handset_carried(earlier: NumberFinding, later: NumberFinding) -> str | None:
    """An IMEI that sent from ``earlier`` before it first sent from ``later``."""
    first_use = {h["imei"]: h["first_utc"] for h in later.handsets}
    carried = sorted(
        h["imei"]
        for h in earlier.handsets
        if h["imei"] in first_use and h["first_utc"] < first_use[h["imei"]]
    )
    return carried[0] if carried else None


def _switch_gap(earlier: NumberFinding, later: NumberFinding) -> float:
    """Seconds between the earlier number's last activity and the later one's first wave."""
    return float(abs((earlier.figures["last_utc"] - later.figures["first_wave"]).total_seconds()))


def _in_switch_window(earlier: NumberFinding, later: NumberFinding) -> bool:
    """The earlier number falls silent within ``SWITCH_WINDOW`` of the later one's first
    wave, and the two were not both in use for longer than that: two numbers working side
    by side for weeks are two lines, however many customers they share."""
    start = later.figures["first_wave"]
    last = earlier.figures["last_utc"]
    return bool(
        earlier.figures["first_wave"] < start
        and start - SWITCH_WINDOW <= last <= start + SWITCH_WINDOW
        and last - later.first_utc <= SWITCH_WINDOW
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
        f"these two numbers)"
    )
    if link.handset:
        text += f", and handset {link.handset} carried the old number and then the new one"
    text += (
        f"; {earlier.number} was last active (a contact it made or answered) "
        f"{earlier.figures['last_utc']:%Y-%m-%d %H:%M} UTC."
    )
    if not later.is_line or not earlier.is_line:
        weaker = later if not later.is_line else earlier
        text += f" {weaker.number} scores under the threshold on its own and joins the brand."
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
            "same_handset": link.handset,
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
