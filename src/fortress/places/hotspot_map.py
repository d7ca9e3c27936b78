"""``fortress place hotspots``: Gi* hot spots of an area in one or two periods, as figures
and as an SVG map that needs nothing from the network."""

from __future__ import annotations

from html import escape
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

COLOURS = {
    "hot": "#d1495b",
    "cold": "#1b6ca8",
    "persistent": "#8b1e3f",
    "emerging": "#f18f01",
    "fading": "#9aa5b1",
}


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


def hotspot_svg(result: dict[str, Any]) -> str:
    """A map of the cells with crimes (grey by count) and the significant ones (coloured),
    for the last period, or the change when there are two."""
    cells = result["cells"]
    periods = [p["period"] for p in result["periods"]]
    west: float = min(c["west"] for c in cells)
    east: float = max(c["east"] for c in cells)
    south: float = min(c["south"] for c in cells)
    north: float = max(c["north"] for c in cells)
    k = float(np.cos(np.radians((south + north) / 2)))
    width, height = 860, 640
    scale = min((width - 40) / ((east - west) * k), (height - 80) / (north - south))

    def x(lon: float) -> float:
        return 20 + (lon - west) * k * scale

    def y(lat: float) -> float:
        return 50 + (north - lat) * scale

    last = periods[-1]
    busiest = max((c.get(last, {}).get("crimes", 0) for c in cells), default=1) or 1
    body = []
    for c in cells:
        figures = c.get(last, {})
        kind = c.get("change") or figures.get("class", "")
        fill = COLOURS.get(kind, "#000000")
        opacity = 0.85 if kind else 0.08 + 0.5 * figures.get("crimes", 0) / busiest
        label = f"{figures.get('crimes', 0)} crimes in {last}; Gi* {figures.get('gi_star', 0)}"
        body.append(
            f'<rect x="{x(c["west"]):.1f}" y="{y(c["north"]):.1f}" '
            f'width="{(c["east"] - c["west"]) * k * scale:.1f}" '
            f'height="{(c["north"] - c["south"]) * scale:.1f}" fill="{fill}" '
            f'fill-opacity="{opacity:.2f}"><title>{escape(label + (" — " + kind if kind else ""))}'
            "</title></rect>"
        )
    for ring in result.get("outline", []):
        path = " ".join(f"{x(lon):.1f},{y(lat):.1f}" for lon, lat in ring)
        body.append(f'<polygon points="{path}" fill="none" stroke="#333" stroke-width="1"/>')
    keys = ["persistent", "emerging", "fading"] if len(periods) == 2 else ["hot", "cold"]
    legend = "".join(
        f'<rect x="{20 + 130 * i}" y="20" width="12" height="12" fill="{COLOURS[key]}"/>'
        f'<text x="{36 + 130 * i}" y="31" font-size="12">{key}</text>'
        for i, key in enumerate(keys)
    )
    title = (
        f"Hot spots of {result['crime_type']} crime, {result['area']['name']}, "
        f"{' vs '.join(periods)} ({result['cell_m']:g} m cells)"
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><title>{escape(title)}</title>'
        f'<text x="20" y="14" font-size="13" font-family="sans-serif">{escape(title)}</text>'
        f'<g font-family="sans-serif">{legend}</g>{"".join(body)}</svg>'
    )


def _rings(polygon: Any) -> list[list[tuple[float, float]]]:
    parts = getattr(polygon, "geoms", [polygon])
    return [list(part.exterior.coords) for part in parts if isinstance(part, shapely.Polygon)]
