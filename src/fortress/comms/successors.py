"""Successor numbers: for numbers that fall silent, the numbers that take up their contacts.

Works for any number, not only deal lines. A candidate successor appears around the time
the old number falls silent and is scored on four signals (each 0-1, with evidence):

* ``contacts`` - the share of the old number's contacts that the new number reaches, each
  contact weighted by how exclusive it is (``1 / log2(2 + its own contact count)``, so a
  shared switchboard counts little and a private contact counts much);
* ``handset`` - the new number was used in a handset (IMEI) the old number used (a SIM swap);
* ``place`` - cosine similarity of the two numbers' cell-site profiles;
* ``timing`` - how closely the new number's first contact follows the old one's last.

When a whole group changes phones together the old contacts are gone too, so contacts are
compared twice: first as they are, then with every contact that itself fell silent replaced
by its successor from the first pass (where the two are each other's best match).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import ibis.expr.types as ir

from fortress.comms.events import Span, contacts, span, with_local_time
from fortress.model import columns as c
from fortress.model.findings import Evidence
from fortress.model.lines import EvidenceItem, SilentNumber, SuccessorCandidate


@dataclass(frozen=True, slots=True)
class SuccessorParams:
    """When a number counts as silent or new, and how signals are weighed."""

    silence_days: int = 2
    """Silent: no contact in the last two days of the data (a phone off for a weekend is
    not yet replaced)."""
    settle_days: int = 2
    """New: first contact more than two days after the data starts (before that, a number
    is just the first time the data saw it)."""
    min_contacts: int = 3
    """Numbers with fewer distinct contacts say too little to match."""
    window_before_days: int = 7
    window_after_days: int = 14
    """A successor starts at most a week before the old number's last contact (overlap
    while customers migrate) and at most two weeks after it."""
    min_score: float = 0.25
    """Candidates scoring below this are not listed."""
    max_candidates: int = 5
    weights: dict[str, float] = field(
        default_factory=lambda: {"contacts": 0.45, "handset": 0.25, "place": 0.15, "timing": 0.15}
    )


@dataclass(slots=True)
class Profile:
    """What is known of one number for matching."""

    number: str
    first: datetime
    last: datetime
    contacts: set[str]
    imeis: set[str]
    cells: Counter[str]


@dataclass(slots=True)
class Candidate:
    """One scored candidate successor."""

    number: str
    score: float
    signals: dict[str, float]
    evidence: list[Evidence]

    def result(self) -> SuccessorCandidate:
        """As a result (rounded, not yet judged)."""
        return SuccessorCandidate(
            number=self.number,
            score=round(self.score, 3),
            signals={k: round(v, 3) for k, v in self.signals.items()},
            evidence=[EvidenceItem.of(e) for e in self.evidence],
        )


def find_successors(
    events: ir.Table,
    params: SuccessorParams | None = None,
    *,
    number: str | None = None,
) -> list[SilentNumber]:
    """For each silent number (or just ``number``), its ranked candidate successors."""
    params = params or SuccessorParams()
    when = span(events)
    if when is None:
        return []
    profiles = _profiles(events, when.first, when.last)
    degree = {n: len(p.contacts) for n, p in profiles.items()}
    old = _silent(profiles, when.last, params, number)
    new = [p for p in profiles.values() if _is_new(p, when.first, params)]
    index = _Index(new)
    first_pass = {o.number: _rank(o, index, degree, params, {}) for o in old}
    mapping = _mutual_best(first_pass)
    results = []
    for o in old:
        ranked = _rank(o, index, degree, params, mapping) if mapping else first_pass[o.number]
        if not ranked and number is None:
            continue
        results.append(
            SilentNumber(
                number=o.number,
                last_seen_utc=o.last.isoformat(),
                contacts=len(o.contacts),
                candidates=[cand.result() for cand in ranked[: params.max_candidates]],
            )
        )
    return sorted(results, key=lambda r: (-_best(r), r.number))


def _mutual_best(first_pass: dict[str, list[Candidate]]) -> dict[str, str]:
    """Old number -> new number where each is the other's best first-pass match: these
    stand in for each other when contacts are compared again (the group-switch pass)."""
    best_old: dict[str, tuple[float, str]] = {}
    for old, ranked in first_pass.items():
        for cand in ranked:
            if cand.score > best_old.get(cand.number, (-1.0, ""))[0]:
                best_old[cand.number] = (cand.score, old)
    return {
        old: ranked[0].number
        for old, ranked in first_pass.items()
        if ranked and best_old[ranked[0].number][1] == old
    }


def _best(result: SilentNumber) -> float:
    return result.candidates[0].score if result.candidates else 0.0


def _profiles(events: ir.Table, first: datetime, last: datetime) -> dict[str, Profile]:
    both = contacts(with_local_time(events, Span(first, last, 0)))
    activity = both.group_by("number").aggregate(
        first=both[c.START_UTC].min(), last=both[c.START_UTC].max()
    )
    pairs = both.select("number", "other").distinct()
    located = both.filter(both.cell.notnull())
    cells = located.group_by(["number", "cell"]).aggregate(n=located.count())
    handsets = (
        events.filter(events[c.A_IMEI].notnull())
        .select(number=events[c.A_NUMBER], imei=events[c.A_IMEI])
        .distinct()
    )
    profiles = {
        row["number"]: Profile(row["number"], row["first"], row["last"], set(), set(), Counter())
        for row in activity.to_pyarrow().to_pylist()
    }
    for row in pairs.to_pyarrow().to_pylist():
        profiles[row["number"]].contacts.add(row["other"])
    for row in cells.to_pyarrow().to_pylist():
        profiles[row["number"]].cells[row["cell"]] = row["n"]
    for row in handsets.to_pyarrow().to_pylist():
        if row["number"] in profiles:
            profiles[row["number"]].imeis.add(row["imei"])
    return profiles


def _silent(
    profiles: dict[str, Profile], end: datetime, params: SuccessorParams, number: str | None
) -> list[Profile]:
    if number is not None:
        return [profiles[number]] if number in profiles else []
    cutoff = end - timedelta(days=params.silence_days)
    return sorted(
        (
            p
            for p in profiles.values()
            if p.last < cutoff and len(p.contacts) >= params.min_contacts
        ),
        key=lambda p: p.number,
    )


def _is_new(profile: Profile, start: datetime, params: SuccessorParams) -> bool:
    settled = start + timedelta(days=params.settle_days)
    return profile.first > settled and len(profile.contacts) >= params.min_contacts


class _Index:
    """New numbers by contact, handset and main cell, for finding candidates fast."""

    def __init__(self, new: list[Profile]) -> None:
        self.by_contact: dict[str, list[Profile]] = defaultdict(list)
        self.by_imei: dict[str, list[Profile]] = defaultdict(list)
        self.by_cell: dict[str, list[Profile]] = defaultdict(list)
        for p in new:
            for other in p.contacts:
                self.by_contact[other].append(p)
            for imei in p.imeis:
                self.by_imei[imei].append(p)
            if p.cells:
                self.by_cell[p.cells.most_common(1)[0][0]].append(p)

    def near(self, old: Profile, mapping: dict[str, str]) -> dict[str, Profile]:
        found: dict[str, Profile] = {}
        keys = [*old.contacts, *(mapping[x] for x in old.contacts if x in mapping)]
        for other in keys:
            found.update((p.number, p) for p in self.by_contact.get(other, ()))
        for imei in old.imeis:
            found.update((p.number, p) for p in self.by_imei.get(imei, ()))
        if old.cells:
            home = old.cells.most_common(1)[0][0]
            found.update((p.number, p) for p in self.by_cell.get(home, ()))
        found.pop(old.number, None)
        return found


def _rank(
    old: Profile,
    index: _Index,
    degree: dict[str, int],
    params: SuccessorParams,
    mapping: dict[str, str],
) -> list[Candidate]:
    earliest = old.last - timedelta(days=params.window_before_days)
    latest = old.last + timedelta(days=params.window_after_days)
    scored = [
        _score(old, new, degree, params, mapping)
        for new in index.near(old, mapping).values()
        if earliest <= new.first <= latest and new.first > old.first
    ]
    kept = [cand for cand in scored if cand.score >= params.min_score]
    return sorted(kept, key=lambda cand: (-cand.score, cand.number))


def _score(
    old: Profile,
    new: Profile,
    degree: dict[str, int],
    params: SuccessorParams,
    mapping: dict[str, str],
) -> Candidate:
    parts = {
        "contacts": _contacts(old, new, degree, mapping),
        "handset": _handset(old, new),
        "place": _place(old, new),
        "timing": _timing(old, new, params),
    }
    total = sum(params.weights.values())
    score = sum(params.weights[name] * value for name, (value, _) in parts.items()) / total
    return Candidate(
        new.number,
        score,
        {name: value for name, (value, _) in parts.items()},
        [item for _, item in parts.values()],
    )


def _weight(contact: str, degree: dict[str, int]) -> float:
    return 1.0 / math.log2(2 + degree.get(contact, 1))


def _contacts(
    old: Profile, new: Profile, degree: dict[str, int], mapping: dict[str, str]
) -> tuple[float, Evidence]:
    direct = old.contacts & new.contacts
    moved = {x for x in old.contacts - direct if mapping.get(x) in new.contacts}
    taken = direct | moved
    whole = sum(_weight(x, degree) for x in old.contacts)
    value = sum(_weight(x, degree) for x in taken) / whole if whole else 0.0
    text = (
        f"{new.number} reached {len(direct)} of the {len(old.contacts)} numbers "
        f"{old.number} was in contact with"
    )
    if moved:
        text += f", and {len(moved)} more that had themselves moved to new numbers"
    text += f" ({value:.0%} when weighted by how exclusive each contact is)."
    figures = {"shared": len(direct), "via_their_successors": len(moved), "weighted": value}
    return value, Evidence("contacts", text, {k: round(v, 4) for k, v in figures.items()})


def _handset(old: Profile, new: Profile) -> tuple[float, Evidence]:
    shared = sorted(old.imeis & new.imeis)
    if shared:
        text = f"Both numbers were used in handset {', '.join(shared)} (a SIM swap)."
        return 1.0, Evidence("handset", text, {"imei": shared[0]})
    return 0.0, Evidence("handset", "No handset (IMEI) in common.")


def _place(old: Profile, new: Profile) -> tuple[float, Evidence]:
    if not old.cells or not new.cells:
        return 0.0, Evidence("place", "No cell sites to compare.")
    dot = sum(old.cells[cell] * new.cells[cell] for cell in old.cells.keys() & new.cells.keys())
    norm = math.sqrt(sum(v * v for v in old.cells.values())) * math.sqrt(
        sum(v * v for v in new.cells.values())
    )
    value = dot / norm if norm else 0.0
    home = old.cells.most_common(1)[0][0]
    text = f"Cell-site profiles {value:.0%} alike (the old number's main cell {home})."
    return value, Evidence("place", text, {"cosine": round(value, 4)})


def _timing(old: Profile, new: Profile, params: SuccessorParams) -> tuple[float, Evidence]:
    gap_days = (new.first - old.last).total_seconds() / 86_400
    if -1 <= gap_days <= 1:
        value = 1.0
    elif gap_days > 1:
        value = max(0.0, 1 - (gap_days - 1) / (params.window_after_days - 1))
    else:
        value = max(0.0, 1 - (-gap_days - 1) / (params.window_before_days - 1))
    when = "after" if gap_days >= 0 else "before"
    text = (
        f"{new.number} first appears {abs(gap_days):.1f} days {when} {old.number}'s last "
        f"contact ({old.last:%Y-%m-%d %H:%M} UTC)."
    )
    return value, Evidence("timing", text, {"gap_days": round(gap_days, 2)})
