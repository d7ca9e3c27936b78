"""Named campaign areas saved in the workspace, with their phases (Clear, Hold, Build).

``fortress place area save "Not In Our Town" --area Gosport --clear 2024-01..2024-03 ...``
stores the area's definition whole; every command that takes ``--area`` (or
``--compare``) then accepts the name.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

import shapely
from sqlalchemy import select

from fortress.places.areas import Area, resolve_area
from fortress.places.periods import Period
from fortress.store.models import CampaignArea
from fortress.store.workspace import Workspace, now_utc

PHASES = ("clear", "hold", "build")


def save_area(
    workspace: Workspace, name: str, area: Area, phases: dict[str, Period]
) -> dict[str, Any]:
    """Save (or replace) the area ``name``; returns it as listed."""
    if not name.strip():
        raise ValueError("a saved area needs a name")
    ordered = [phases[p] for p in PHASES if p in phases]
    for earlier, later in itertools.pairwise(ordered):
        if later.first <= earlier.last:
            raise ValueError(f"the phases overlap or are out of order: {earlier} then {later}")
    if area.polygon is not None:
        kind, definition = "polygon", shapely.to_geojson(area.polygon)
    else:
        kind, definition = "codes", json.dumps(sorted(area.codes))
    record = CampaignArea(
        name=name.strip(),
        kind=kind,
        definition=definition,
        how=area.how,
        phases=json.dumps({p: [phases[p].first, phases[p].last] for p in PHASES if p in phases}),
        saved_at=now_utc(),
    )
    with workspace.sessions.begin() as session:
        session.merge(record)
    return _listed(record)


def saved_areas(workspace: Workspace) -> list[dict[str, Any]]:
    """Every saved area, by name."""
    with workspace.sessions() as session:
        records = session.scalars(select(CampaignArea).order_by(CampaignArea.name)).all()
    return [_listed(record) for record in records]


def _listed(record: CampaignArea) -> dict[str, Any]:
    size = len(json.loads(record.definition)) if record.kind == "codes" else None
    return {
        "name": record.name,
        "kind": record.kind,
        "lsoas": size,
        "how": record.how,
        "phases": json.loads(record.phases),
        "saved_at": record.saved_at.isoformat(timespec="seconds"),
    }


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
