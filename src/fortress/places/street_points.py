"""An area's crimes at police.uk's street points, month by month, for the places map.

police.uk moves each crime to one of a fixed set of anonymous map points ("On or near Forton
Road"), so a point's count is what police.uk published there, never an address. LSOA boundaries
are not in police.uk's files, so the map shows the points and the LSOAs' names at the middle of
their points rather than shaded polygons.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import shapely.geometry

from fortress.places.campaigns import area_for
from fortress.places.store import CRIMES, current, month_text, opened
from fortress.places.summary import in_area, lsoa_names
from fortress.store.workspace import Workspace


def street_points_geojson(workspace: Workspace, spec: str) -> dict[str, Any]:
    """The area's street points as GeoJSON: each with its street name, its crimes per month
    (`"YYYY-MM": n`) and in all; each LSOA's name and crimes at the mean of its points; and
    for an area saved from a boundary file, its outline."""
    with opened(workspace) as backend:
        crimes = current(backend, workspace, CRIMES)
        area = area_for(workspace, spec, lsoa_names(crimes))
        rows = in_area(crimes, area)
        located = rows.filter(rows.longitude.notnull() & rows.latitude.notnull())
        counted = (
            located.group_by("longitude", "latitude", "location", "lsoa_name", "month")
            .aggregate(crimes=located.count())
            .to_pyarrow()
            .to_pylist()
        )
    points: dict[tuple[float, float, str], dict[str, Any]] = {}
    lsoas: dict[str, list[tuple[float, float, int]]] = defaultdict(list)
    months: set[str] = set()
    for row in counted:
        month = month_text(row["month"])
        months.add(month)
        key = (row["longitude"], row["latitude"], row["location"] or "")
        point = points.setdefault(key, {"street": key[2], "crimes": 0})
        point[month] = point.get(month, 0) + row["crimes"]
        point["crimes"] += row["crimes"]
        lsoas[row["lsoa_name"] or "unnamed LSOA"].append((key[0], key[1], row["crimes"]))
    features = [_feature(lon, lat, {"kind": "point", **p}) for (lon, lat, _), p in points.items()]
    features += [_lsoa_label(name, found) for name, found in sorted(lsoas.items())]
    if area.polygon is not None:  # an area drawn from a boundary file: its outline and name
        outline = {"kind": "area", "name": area.name}
        features.append({"type": "Feature", "properties": outline,
                         "geometry": shapely.geometry.mapping(area.polygon)})  # fmt: skip
    return {
        "type": "FeatureCollection",
        "name": f"crimes at police.uk street points in {area.name}",
        "months": sorted(months),
        "features": features,
    }


def _feature(lon: float, lat: float, properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": properties,
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
    }


def _lsoa_label(name: str, found: list[tuple[float, float, int]]) -> dict[str, Any]:
    lon = sum(p[0] for p in found) / len(found)
    lat = sum(p[1] for p in found) / len(found)
    total = sum(p[2] for p in found)
    return _feature(lon, lat, {"kind": "lsoa", "name": name, "crimes": total})
