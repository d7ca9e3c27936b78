"""A line's map as GeoJSON: the cells its phones used (with a sector where the cell-site list
gives an azimuth) and its customers by home cell, for the line page's map.

A cell-site list gives a bearing but rarely a beam width or reach, so a sector is drawn as the
usual third of a three-sector site (120 degrees) out to a nominal 300 m: it shows which way the
cell points, not where its coverage ends. The page's legend says so.
"""

from __future__ import annotations

import math
from typing import Any, Final

from fortress.comms.lines import workspace_tables
from fortress.model import columns as c
from fortress.model.lines import LineMap
from fortress.store.workspace import Workspace

SECTOR_WIDTH_DEG: Final = 120.0
SECTOR_REACH_M: Final = 300.0
EARTH_RADIUS_M: Final = 6_371_008.8


def sector(lon: float, lat: float, azimuth: float, width: float = SECTOR_WIDTH_DEG,
           reach_m: float = SECTOR_REACH_M, steps: int = 12) -> list[list[float]]:  # fmt: skip
    """The closed ring of a wedge from (lon, lat) facing ``azimuth`` (degrees from north)."""
    ring = [[lon, lat]]
    for k in range(steps + 1):
        bearing = math.radians(azimuth - width / 2 + width * k / steps)
        north, east = reach_m * math.cos(bearing), reach_m * math.sin(bearing)
        d_lat = math.degrees(north / EARTH_RADIUS_M)
        d_lon = math.degrees(east / (EARTH_RADIUS_M * math.cos(math.radians(lat))))
        ring.append([round(lon + d_lon, 7), round(lat + d_lat, 7)])
    ring.append([lon, lat])
    return ring


def azimuths(workspace: Workspace, cell_ids: list[str]) -> dict[str, float]:
    """The bearing of each of ``cell_ids`` the cell-site list gives one for."""
    _, cells = workspace_tables(workspace)
    if cells is None or not cell_ids:
        return {}
    known = cells.filter(cells[c.CELL_ID].isin(cell_ids) & cells[c.AZIMUTH_DEG].notnull())
    rows = known.select(c.CELL_ID, c.AZIMUTH_DEG).to_pyarrow().to_pylist()
    return {row[c.CELL_ID]: float(row[c.AZIMUTH_DEG]) for row in rows}


def line_map_geojson(found: LineMap, bearings: dict[str, float]) -> dict[str, Any]:
    """The line's cells (points, and sectors where a bearing is known) and customers."""
    features: list[dict[str, Any]] = []
    for site in found.line_sites:
        properties = {"kind": "site", "cell_id": site.cell_id, "area": site.area,
                      "events": site.events}  # fmt: skip
        features.append(_point(site.lon, site.lat, properties))
        if site.cell_id in bearings:
            ring = sector(site.lon, site.lat, bearings[site.cell_id])
            features.append({"type": "Feature",
                             "properties": {**properties, "kind": "sector",
                                            "azimuth_deg": bearings[site.cell_id]},
                             "geometry": {"type": "Polygon", "coordinates": [ring]}})  # fmt: skip
    for home in found.customers:
        properties = {"kind": "customers", "cell_id": home.cell_id, "area": home.area,
                      "customers": home.customers}  # fmt: skip
        features.append(_point(home.lon, home.lat, properties))
    return {"type": "FeatureCollection", "features": features,
            "customers_without_cell": found.customers_without_cell}  # fmt: skip


def _point(lon: float, lat: float, properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "properties": properties,
            "geometry": {"type": "Point", "coordinates": [lon, lat]}}  # fmt: skip
