"""``fortress place hotspots``: Gi* hot spots of an area in one or two periods, as figures
(the reports package draws the map from them)."""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely

from fortress.model.sql import literal
from fortress.places.areas import Area
from fortress.places.campaigns import area_for
from fortress.places.hotspots import (
    DEFAULT_CELL_M,
    FDR,
    Grid,
    hot_cells,
    region_of,
)
from fortress.places.periods import Period
from fortress.places.store import CRIMES, current_sql
from fortress.places.summary import in_area, lsoa_names
from fortress.store.workspace import Workspace, connect_duckdb


def find_hotspots(
    workspace: Workspace,
    spec: str,
    periods: list[Period],
    *,
    cell_m: float = DEFAULT_CELL_M,
    crime_type: str | None = None,
) -> dict[str, Any]:
    """Hot and cold cells of the area in each period, and their change over two."""
    con = connect_duckdb(memory_limit="2GB")
    try:
        crimes = current_sql(workspace, CRIMES)
        area = area_for(workspace, spec, lsoa_names(con, crimes))
        rows = in_area(con, crimes, area)
        if crime_type is not None:
            rows = f"SELECT * FROM ({rows}) WHERE crime_type = {literal(crime_type)}"
        points = {str(p): _points(con, rows, p) for p in periods}
        ever = _points(con, rows, None)
    finally:
        con.close()
    if sum(len(lon) for lon, _ in points.values()) == 0:
        raise ValueError(f"no located crimes in {area.name} in {', '.join(map(str, periods))}")
    grid = _grid(area, ever, cell_m)
    result = hot_cells(grid, region_of(grid, area, *ever), points, periods)
    return {
        "area": {"name": area.name, "how": area.how},
        "crime_type": crime_type or "all",
        "cell_m": cell_m,
        "method": (
            f"Getis-Ord Gi* on a {cell_m:g} m square grid, binary weights over each cell and "
            f"its 8 neighbours, the empty cells of the area's region included (methods: "
            "docs/methods/place.md); cells significant at a "
            f"false discovery rate of {FDR:g} (Benjamini-Hochberg) over all "
            f"{result['region_cells']:,} cells"
        ),
        **result,
        "outline": _rings(area.polygon) if area.polygon is not None else [],
    }


def _points(con: Any, rows: str, period: Period | None) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude of the located rows in ``period`` (None: every month)."""
    within = (
        f"AND strftime(month, '%Y-%m') BETWEEN {literal(period.first)} AND {literal(period.last)}"
        if period
        else ""
    )
    located = con.sql(
        f"SELECT longitude, latitude FROM ({rows}) WHERE longitude IS NOT NULL {within}"
    ).to_arrow_table()
    return located["longitude"].to_numpy(), located["latitude"].to_numpy()


def _grid(area: Area, ever: tuple[np.ndarray, np.ndarray], cell_m: float) -> Grid:
    """A grid over the polygon, or over every crime the area has on record."""
    if area.polygon is not None:
        west, south, east, north = area.polygon.bounds
    else:
        lon, lat = ever
        west, south, east, north = lon.min(), lat.min(), lon.max(), lat.max()
    return Grid.around(float(west), float(south), float(east), float(north), cell_m)


def _rings(polygon: Any) -> list[list[tuple[float, float]]]:
    parts = getattr(polygon, "geoms", [polygon])
    return [list(part.exterior.coords) for part in parts if isinstance(part, shapely.Polygon)]
