"""Named campaign areas saved in the workspace, with their phases (Clear, Hold, Build) and
the crime types the campaign targets.

``fortress place area save "Not In Our Town" --area Gosport --clear 2024-01..2024-03
--targets drugs,possession-of-weapons`` stores the area's definition whole; every command
that takes ``--area`` (or ``--compare``) then accepts the name, and the evaluation leads
with the targeted types and tests them as a family of their own.

The targets are kept in the record's ``phases`` JSON under the key ``targets`` (the record
table has no column for them; every read goes through this module, which keeps phases and
targets apart).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import shapely
from sqlalchemy import select

from fortress.places.areas import Area, resolve_area
from fortress.places.periods import Period
from fortress.sources.policeuk import CRIME_TYPES, crime_category
from fortress.store.models import CampaignArea
from fortress.store.workspace import Workspace, now_utc

PHASES = ("clear", "hold", "build")
TARGETS = "targets"


@dataclass(frozen=True, slots=True)
class SavedArea:
    """A saved area as listed: its definition in words, phases and targeted crime types."""

    name: str
    kind: str
    """``codes`` (LSOA codes) or ``polygon`` (GeoJSON)."""
    lsoas: int | None
    how: str
    phases: dict[str, Period]
    targets: tuple[str, ...]
    """police.uk crime types (as the files name them) the campaign targets."""
    saved_at: str

    def to_dict(self) -> dict[str, Any]:
        """As ``--json`` prints it."""
        return {
            "name": self.name,
            "kind": self.kind,
            "lsoas": self.lsoas,
            "how": self.how,
            "phases": {p: [span.first, span.last] for p, span in self.phases.items()},
            "targets": list(self.targets),
            "saved_at": self.saved_at,
        }


def crime_types(names: Iterable[str]) -> tuple[str, ...]:
    """police.uk category ids or names (``drugs``, ``Possession of weapons``) as the
    published names, in police.uk's order, each once; an unknown one is refused."""
    chosen = {crime_category(name) for name in names if name.strip()}
    return tuple(t for t in CRIME_TYPES if t in chosen)


def save_area(
    workspace: Workspace,
    name: str,
    area: Area,
    phases: dict[str, Period],
    targets: Iterable[str] = (),
) -> SavedArea:
    """Save (or replace) the area ``name``; returns it as listed."""
    if not name.strip():
        raise ValueError("a saved area needs a name")
    ordered = [phases[p] for p in PHASES if p in phases]
    for earlier, later in itertools.pairwise(ordered):
        if later.first <= earlier.last:
            raise ValueError(f"the phases overlap or are out of order: {earlier} then {later}")
    chosen = crime_types(targets)
    if area.polygon is not None:
        kind, definition = "polygon", shapely.to_geojson(area.polygon)
    else:
        kind, definition = "codes", json.dumps(sorted(area.codes))
    stored: dict[str, Any] = {p: [phases[p].first, phases[p].last] for p in PHASES if p in phases}
    if chosen:
        stored[TARGETS] = list(chosen)
    record = CampaignArea(
        name=name.strip(),
        kind=kind,
        definition=definition,
        how=area.how,
        phases=json.dumps(stored),
        saved_at=now_utc(),
    )
    with workspace.sessions.begin() as session:
        for other in session.scalars(select(CampaignArea)).all():
            if other.name != record.name and other.name.casefold() == record.name.casefold():
                raise ValueError(
                    f"an area is already saved as {other.name!r} (names match in any case)"
                )
        session.merge(record)
    return _listed(record)


def saved_areas(workspace: Workspace) -> list[SavedArea]:
    """Every saved area, by name."""
    with workspace.sessions() as session:
        records = session.scalars(select(CampaignArea).order_by(CampaignArea.name)).all()
    return [_listed(record) for record in records]


def saved_area(workspace: Workspace, spec: str) -> SavedArea | None:
    """The saved area ``spec`` names (in any case), or None."""
    wanted = spec.strip().casefold()
    return next((a for a in saved_areas(workspace) if a.name.casefold() == wanted), None)


def _listed(record: CampaignArea) -> SavedArea:
    size = len(json.loads(record.definition)) if record.kind == "codes" else None
    stored = json.loads(record.phases)
    return SavedArea(
        name=record.name,
        kind=record.kind,
        lsoas=size,
        how=record.how,
        phases={p: Period(*stored[p]) for p in PHASES if p in stored},
        targets=tuple(stored.get(TARGETS, ())),
        saved_at=record.saved_at.isoformat(timespec="seconds"),
    )


def area_for(workspace: Workspace, spec: str, names: dict[str, str]) -> Area:
    """The area ``spec`` names: a saved area's name first (in any case), then as
    ``resolve_area``."""
    wanted = spec.strip().casefold()
    with workspace.sessions() as session:
        saved = list(session.scalars(select(CampaignArea.name)).all())
        found = [name for name in saved if name.casefold() == wanted]
        record = session.get(CampaignArea, found[0]) if found else None
    if record is None:
        return resolve_area(spec, names, saved=saved)
    how = f"saved area {record.name!r}: {record.how}"
    if record.kind == "polygon":
        return Area(record.name, frozenset(), how, shapely.from_geojson(record.definition))
    return Area(record.name, frozenset(json.loads(record.definition)), how)
