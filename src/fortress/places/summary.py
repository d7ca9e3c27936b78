"""Monthly counts of street-level crime by type for an area (``fortress place summary``)."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import duckdb
import pyarrow as pa
import shapely

from fortress.model.sql import literal
from fortress.places.areas import Area
from fortress.places.campaigns import area_for
from fortress.places.quality import force_flags
from fortress.places.store import CRIMES, current_sql
from fortress.store.workspace import Workspace, connect_duckdb


def lsoa_names(con: duckdb.DuckDBPyConnection, crimes: str) -> dict[str, str]:
    """LSOA code -> name, as the crime rows give them."""
    rows = con.execute(
        f"SELECT DISTINCT lsoa_code, lsoa_name FROM ({crimes}) WHERE lsoa_code IS NOT NULL"
    ).fetchall()
    return {code: name or "" for code, name in rows}


def area_summary(workspace: Workspace, spec: str) -> dict[str, Any]:
    """For the area ``spec`` names: counts per month and crime type, with every month in
    the data and every type listed (zero where nothing was recorded)."""
    con = connect_duckdb(memory_limit="2GB")
    try:
        crimes = current_sql(workspace, CRIMES)
        area = area_for(workspace, spec, lsoa_names(con, crimes))
        counts = monthly_counts(con, crimes, area)
        flagged = sorted({flag.month for flag in force_flags(con, crimes)})
    finally:
        con.close()
    warnings = [
        f"{month} is flagged by the data-quality check (`fortress place quality`): its "
        "counts depart sharply from the other months; treat it with care"
        for month in flagged
    ]
    return {"area": _describe(area), **counts, "flagged_months": flagged, "warnings": warnings}


def resolve_for_saving(workspace: Workspace, spec: str) -> Area:
    """The area ``spec`` names, resolved against the workspace's crimes (to be saved)."""
    con = connect_duckdb(memory_limit="2GB")
    try:
        return area_for(workspace, spec, lsoa_names(con, current_sql(workspace, CRIMES)))
    finally:
        con.close()


def _describe(area: Area) -> dict[str, Any]:
    found: dict[str, Any] = {"name": area.name, "how": area.how}
    if area.polygon is None:
        found["lsoas"] = len(area.codes)
    return found


def in_area(con: duckdb.DuckDBPyConnection, crimes: str, area: Area) -> str:
    """SQL for the crime rows in ``area``: by LSOA code, or by point in polygon."""
    if area.polygon is None:
        codes = ", ".join(literal(code) for code in sorted(area.codes))
        return f"SELECT * FROM ({crimes}) WHERE lsoa_code IN ({codes})"
    west, south, east, north = area.polygon.bounds
    near = con.sql(
        f"SELECT source, source_row, longitude, latitude FROM ({crimes}) "
        f"WHERE longitude BETWEEN {west} AND {east} AND latitude BETWEEN {south} AND {north}"
    ).to_arrow_table()
    inside = shapely.contains_xy(
        area.polygon, near["longitude"].to_numpy(), near["latitude"].to_numpy()
    )
    # a name of its own: an earlier area's rows may still be named in a query not yet run
    name = f"area_rows_{uuid4().hex}"
    con.register(name, near.filter(pa.array(inside)).select(["source", "source_row"]))
    return f"SELECT c.* FROM ({crimes}) c SEMI JOIN {name} USING (source, source_row)"


def monthly_counts(con: duckdb.DuckDBPyConnection, crimes: str, area: Area) -> dict[str, Any]:
    """Counts per (month, crime type) in ``area``, zeros included, and per-type totals."""
    rows = con.execute(
        f"WITH c AS ({crimes}), "
        "months AS (SELECT DISTINCT month FROM c), types AS (SELECT DISTINCT crime_type FROM c), "
        f"mine AS (SELECT month, crime_type, count(*) AS n FROM ({in_area(con, crimes, area)}) "
        "GROUP BY ALL) "
        "SELECT strftime(m.month, '%Y-%m'), t.crime_type, coalesce(mine.n, 0) "
        "FROM months m CROSS JOIN types t LEFT JOIN mine USING (month, crime_type) "
        "ORDER BY 1, 2"
    ).fetchall()
    months = sorted({month for month, _, _ in rows})
    types = sorted({crime_type for _, crime_type, _ in rows})
    totals: dict[str, int] = dict.fromkeys(types, 0)
    for _, crime_type, count in rows:
        totals[crime_type] += int(count)
    return {
        "months": months,
        "crime_types": types,
        "counts": [{"month": m, "crime_type": t, "count": int(n)} for m, t, n in rows],
        "totals": totals,
        "total": sum(totals.values()),
    }
