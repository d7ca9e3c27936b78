"""The regional view: this force's lines and the lines other forces sent (accepted bundles
only) merged into brands wherever they share a number or a handset.

A brand's number is kept alive across handsets and, when it is blocked, a successor texts
the same customers; a force that saw the successor lists both numbers on its line. So two
forces' lines are one brand when they hold a number in common (directly, or through a
successor either force found) or a handset (IMEI, first 14 digits). The merge is
transitive: A's line shares a number with B's, B's a handset with C's, and all three are
one brand. Each force's contribution is kept as it came: its numbers, handsets, dates,
grade and marking.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from fortress.casework import audit
from fortress.casework.models import ReceivedBundle, ReceivedRecord
from fortress.comms.lines import NoDetection, list_lines, show_line
from fortress.sharing.bundles import LINE_NUMBER
from fortress.sharing.hits import Selector
from fortress.sharing.signing import own_force
from fortress.store.workspace import Workspace

THIS_FORCE = "this force"
_IMEI = re.compile(r"IMEI (\d{14,16})")


class Contribution(BaseModel):
    """What one force holds of a brand: one of its lines."""

    force: str
    own: bool
    line_id: str
    numbers: list[str]
    handsets: list[str]
    first_seen: str | None
    last_seen: str | None
    grade: str | None
    handling_conditions: str | None
    marking: str | None
    bundle_id: str | None


class RegionalLine(BaseModel):
    """A brand as every force that reported it sees it, and what joins their lines."""

    numbers: list[str]
    handsets: list[str]
    forces: list[str]
    joined_by: list[str]
    contributions: list[Contribution]


class ReceivedLine(BaseModel):
    """A line of a received bundle, and this force's lines it shares a number or handset
    with."""

    line: Contribution
    held_here: list[str]


def force_of(workspace: Workspace) -> str:
    """This force's name, from its signing key (or "this force" before it has one)."""
    return own_force(workspace) or THIS_FORCE


def regional_lines(
    workspace: Workspace, session: Session, *, actor: str, every: bool = False
) -> list[RegionalLine]:
    """Brands seen by more than one force (``every``: also those one force alone holds),
    the most forces first (the consultation of received records is audited)."""
    received = _received(session, actor)
    if not received and not every:  # nothing from another force: nothing is regional
        return []
    sightings = _own(workspace, force_of(workspace)) + received
    merged = [_merge(group) for group in _groups(sightings)]
    shown = [line for line in merged if every or len(line.forces) > 1]
    return sorted(shown, key=lambda line: (-len(line.forces), line.numbers))


def _own(workspace: Workspace, force: str) -> list[Contribution]:
    try:
        summaries = [s for s in list_lines(workspace) if s.line_id is not None]
    except NoDetection:
        return []
    found = []
    for summary in summaries:
        line = show_line(workspace, str(summary.line_id))
        found.append(Contribution(
            force=force, own=True, line_id=str(line.line_id), numbers=line.numbers,
            handsets=sorted({_imei(h.imei) for h in line.handsets}),
            first_seen=line.first_seen_utc, last_seen=line.last_seen_utc, grade=None,
            handling_conditions=None, marking=None, bundle_id=None,
        ))  # fmt: skip
    return found


def _received(session: Session, actor: str) -> list[Contribution]:
    """Every line of every accepted bundle."""
    return _lines_of(session, ReceivedBundle.status == "accepted", actor)


def review_lines(
    workspace: Workspace, session: Session, bundle_id: str, *, actor: str
) -> list[ReceivedLine]:
    """The lines of one received bundle, whatever its status, each with this force's latest
    lines that share a number or a handset with it: what accepting it would join (the
    consultation is audited)."""
    theirs = _lines_of(session, ReceivedBundle.id == bundle_id, actor)
    own = {line.line_id: set(_keys(line)) for line in _own(workspace, THIS_FORCE)}
    return [
        ReceivedLine(
            line=line,
            held_here=sorted(mine for mine, keys in own.items() if keys & set(_keys(line))),
        )
        for line in theirs
    ]


def _lines_of(session: Session, which: ColumnElement[bool], actor: str) -> list[Contribution]:
    rows = session.execute(
        select(ReceivedRecord, ReceivedBundle.sender)
        .join(ReceivedBundle, ReceivedBundle.id == ReceivedRecord.bundle_id)
        .where(which)
        .order_by(ReceivedRecord.id)
    ).all()
    if not rows:
        return []
    by_line: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for record, sender in rows:
        by_line[(record.bundle_id, sender, record.line_id)].append(json.loads(record.body))
    audit.record(session, actor, "consultation", "received_bundle",
                 sorted({bundle for bundle, _, _ in by_line}))  # fmt: skip
    return [_contribution(*key, records) for key, records in by_line.items()]


def _contribution(
    bundle_id: str, sender: str, line_id: str, records: list[dict[str, Any]]
) -> Contribution:
    """A sent line from its records: the brand's phones, the dates of its numbers' ties,
    the handsets' IMEIs."""
    brand = next(r for r in records if r["schema"] == "Organization")
    ties = [
        r["properties"]
        for r in records
        if r["schema"] == "UnknownLink" and r["properties"].get("role") == [LINE_NUMBER]
    ]
    starts = [d for t in ties for d in t.get("startDate", [])]
    ends = [d for t in ties for d in t.get("endDate", [])]
    names = [n for r in records if r["schema"] == "Asset" for n in r["properties"].get("name", [])]
    sharing = brand["fortress"]
    return Contribution(
        force=sender, own=False, line_id=line_id, numbers=brand["properties"].get("phone", []),
        handsets=sorted({_imei(m.group(1)) for n in names if (m := _IMEI.search(n))}),
        first_seen=min(starts, default=None), last_seen=max(ends, default=None),
        grade=sharing.get("grade"), handling_conditions=sharing.get("handling_conditions"),
        marking=sharing.get("marking"), bundle_id=bundle_id,
    )  # fmt: skip


def _imei(value: str) -> str:
    return Selector.of("imei", value).value


def _groups(sightings: list[Contribution]) -> Iterable[list[Contribution]]:
    """The sightings joined by a shared number or handset (union-find over them)."""
    parent = list(range(len(sightings)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_holder: dict[str, int] = {}
    for i, sighting in enumerate(sightings):
        for key in _keys(sighting):
            j = first_holder.setdefault(key, i)
            parent[root(i)] = root(j)
    groups: dict[int, list[Contribution]] = defaultdict(list)
    for i, sighting in enumerate(sightings):
        groups[root(i)].append(sighting)
    return groups.values()


def _keys(sighting: Contribution) -> list[str]:
    numbers = [f"number {n}" for n in sighting.numbers]
    return numbers + [f"handset {h}" for h in sighting.handsets]


def _merge(group: list[Contribution]) -> RegionalLine:
    held_by: dict[str, set[str]] = defaultdict(set)
    for sighting in group:
        for key in _keys(sighting):
            held_by[key].add(sighting.force)
    ordered = sorted(group, key=lambda s: (not s.own, s.force, s.line_id))
    return RegionalLine(
        numbers=sorted({n for s in group for n in s.numbers}),
        handsets=sorted({h for s in group for h in s.handsets}),
        forces=list(dict.fromkeys(s.force for s in ordered)),
        joined_by=sorted(key for key, forces in held_by.items() if len(forces) > 1),
        contributions=ordered,
    )
