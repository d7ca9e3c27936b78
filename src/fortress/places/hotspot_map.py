"""``fortress place hotspots``: Gi* hot spots of an area in one or two periods, as figures
(the reports package draws the map from them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ibis.expr.types as ir
import numpy as np
import shapely

from fortress.places.areas import Area
from fortress.places.campaigns import area_for
from fortress.places.hotspots import (
    DEFAULT_CELL_M,
    FDR,
    Cell,
    Grid,
    PeriodSpots,
    hot_cells,
    region_of,
)
from fortress.places.periods import Period
from fortress.places.store import CRIMES, current, in_periods, opened
from fortress.places.summary import in_area, lsoa_names
from fortress.store.workspace import Workspace

Ring = tuple[tuple[float, float], ...]


@dataclass(frozen=True, slots=True)
class HotSpots:
    """Hot and cold cells of an area in one or two periods, and their change over two."""

    area: str
    how: str
    crime_type: str
    """One crime type, or ``all``."""
    cell_m: float
    method: str
    region_cells: int
    periods: tuple[PeriodSpots, ...]
    change: dict[str, int] | None
    """Cells per change (``emerging``, ``persistent``, ``fading``); None with one period."""
    cells: tuple[Cell, ...]
    outline: tuple[Ring, ...]
    """The exterior rings of a polygon area (empty for an area of LSOAs)."""

    def to_dict(self) -> dict[str, Any]:
        """As ``--json`` prints it (``change`` only with two periods)."""
        found: dict[str, Any] = {
            "area": {"name": self.area, "how": self.how},
            "crime_type": self.crime_type,
            "cell_m": self.cell_m,
            "method": self.method,
            "region_cells": self.region_cells,
            "periods": [p.to_dict() for p in self.periods],
        }
        if self.change is not None:
            found["change"] = dict(self.change)
        found["cells"] = [cell.to_dict() for cell in self.cells]
        found["outline"] = [list(ring) for ring in self.outline]
        return found


def find_hotspots(
    workspace: Workspace,
    spec: str,
    periods: list[Period],
    *,
    cell_m: float = DEFAULT_CELL_M,
    crime_type: str | None = None,
) -> HotSpots:
    """Hot and cold cells of the area in each period, and their change over two."""
    with opened(workspace) as backend:
        crimes = current(backend, workspace, CRIMES)
        area = area_for(workspace, spec, lsoa_names(crimes))
        rows = in_area(crimes, area)
        if crime_type is not None:
            rows = rows.filter(rows.crime_type == crime_type)
        points = {str(p): _points(rows, p) for p in periods}
        ever = _points(rows, None)
    if sum(len(lon) for lon, _ in points.values()) == 0:
        raise ValueError(f"no located crimes in {area.name} in {', '.join(map(str, periods))}")
    grid = _grid(area, ever, cell_m)
    result = hot_cells(grid, region_of(grid, area, *ever), points, periods)
    return HotSpots(
        area=area.name,
        how=area.how,
        crime_type=crime_type or "all",
        cell_m=cell_m,
        method=(
            f"Getis-Ord Gi* on a {cell_m:g} m square grid, binary weights over each cell and "
            f"its 8 neighbours, the empty cells of the area's region included (methods: "
            "docs/methods/place.md); cells significant at a "
            f"false discovery rate of {FDR:g} (Benjamini-Hochberg) over all "
            f"{result.region_cells:,} cells"
        ),
        region_cells=result.region_cells,
        periods=result.periods,
        change=result.change,
        cells=result.cells,
        outline=_rings(area.polygon) if area.polygon is not None else (),
    )


def _points(rows: ir.Table, period: Period | None) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude of the located rows in ``period`` (None: every month)."""
    located = rows.filter(rows.longitude.notnull())
    if period is not None:
        located = located.filter(in_periods(located, [period]))
    found = located.select("longitude", "latitude").to_pyarrow()
    return (
        found["longitude"].to_numpy().astype(np.float64),
        found["latitude"].to_numpy().astype(np.float64),
    )


def _grid(area: Area, ever: tuple[np.ndarray, np.ndarray], cell_m: float) -> Grid:
    """A grid over the polygon, or over every crime the area has on record."""
    if area.polygon is not None:
        west, south, east, north = area.polygon.bounds
    else:
        lon, lat = ever
        west, south, east, north = lon.min(), lat.min(), lon.max(), lat.max()
    return Grid.around(float(west), float(south), float(east), float(north), cell_m)


def _rings(polygon: Any) -> tuple[Ring, ...]:
    parts = getattr(polygon, "geoms", [polygon])
    return tuple(
        tuple((float(x), float(y)) for x, y in part.exterior.coords)
        for part in parts
        if isinstance(part, shapely.Polygon)
    )


def hot_cells_geojson(found: HotSpots) -> dict[str, Any]:
    """The cells that are hot in some period (or changed between two) as a GeoJSON
    FeatureCollection of WGS84 squares, for patrol briefings: each with its crimes, Gi* and
    class by period, and its change."""
    features = []
    for cell in found.cells:
        hot = any(f.kind == "hot" for f in cell.periods.values())
        if not hot and cell.change in (None, ""):
            continue
        ring = [[cell.west, cell.south], [cell.east, cell.south], [cell.east, cell.north],
                [cell.west, cell.north], [cell.west, cell.south]]  # fmt: skip
        properties: dict[str, Any] = {"row": cell.row, "column": cell.column}
        properties |= {period: f.to_dict() for period, f in cell.periods.items()}
        if cell.change is not None:
            properties["change"] = cell.change
        features.append({"type": "Feature", "properties": properties,
                         "geometry": {"type": "Polygon", "coordinates": [ring]}})  # fmt: skip
    return {
        "type": "FeatureCollection",
        "name": f"hot spots of {found.area} ({found.crime_type})",
        "method": found.method,
        "features": features,
    }
