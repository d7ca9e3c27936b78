"""Monthly counts of street-level crime by type for an area (``fortress place summary``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import shapely

from fortress.comms.events import small_table
from fortress.places.areas import Area
from fortress.places.campaigns import area_for
from fortress.places.quality import force_flags
from fortress.places.store import CRIMES, current, fetch, monthly_counts, opened
from fortress.store.workspace import Workspace


@dataclass(frozen=True, slots=True)
class AreaInfo:
    """An area as a result names it: the LSOAs it holds (None for a polygon area)."""

    name: str
    how: str
    lsoas: int | None = None

    @classmethod
    def of(cls, area: Area) -> AreaInfo:
        """How ``area`` is described."""
        return cls(area.name, area.how, len(area.codes) if area.polygon is None else None)

    def to_dict(self) -> dict[str, Any]:
        """As ``--json`` prints it (``lsoas`` only for an area of LSOAs)."""
        found: dict[str, Any] = {"name": self.name, "how": self.how}
        if self.lsoas is not None:
            found["lsoas"] = self.lsoas
        return found


@dataclass(frozen=True, slots=True)
class MonthCount:
    """Crimes of one type in one month."""

    month: str
    crime_type: str
    count: int


@dataclass(frozen=True, slots=True)
class AreaSummary:
    """Street-level crime per month and type in an area: every month in the data and every
    type listed (zero where nothing was recorded), with totals and the flagged months."""

    area: AreaInfo
    months: tuple[str, ...]
    crime_types: tuple[str, ...]
    counts: tuple[MonthCount, ...]
    """Per (month, crime type), by month then type."""
    totals: dict[str, int]
    """Per crime type."""
    total: int
    flagged_months: tuple[str, ...]
    """Months the data-quality check flags (``fortress place quality``)."""
    warnings: tuple[str, ...]

    def grid(self) -> dict[tuple[str, str], int]:
        """The count per (month, crime type)."""
        return {(row.month, row.crime_type): row.count for row in self.counts}

    def month_totals(self) -> dict[str, int]:
        """All crime per month."""
        found = dict.fromkeys(self.months, 0)
        for row in self.counts:
            found[row.month] += row.count
        return found

    def to_dict(self) -> dict[str, Any]:
        """As ``--json`` prints it."""
        return {
            "area": self.area.to_dict(),
            "months": list(self.months),
            "crime_types": list(self.crime_types),
            "counts": [
                {"month": r.month, "crime_type": r.crime_type, "count": r.count}
                for r in self.counts
            ],
            "totals": dict(self.totals),
            "total": self.total,
            "flagged_months": list(self.flagged_months),
            "warnings": list(self.warnings),
        }


def lsoa_names(crimes: ir.Table) -> dict[str, str]:
    """LSOA code -> name, as the crime rows give them."""
    pairs = crimes.filter(crimes.lsoa_code.notnull()).select("lsoa_code", "lsoa_name").distinct()
    return {row["lsoa_code"]: row["lsoa_name"] or "" for row in fetch(pairs)}


def area_summary(workspace: Workspace, spec: str) -> AreaSummary:
    """For the area ``spec`` names: counts per month and crime type, with every month in
    the data and every type listed (zero where nothing was recorded)."""
    with opened(workspace) as backend:
        crimes = current(backend, workspace, CRIMES)
        area = area_for(workspace, spec, lsoa_names(crimes))
        rows = monthly_counts(crimes, in_area(crimes, area))
        flagged = tuple(sorted({flag.month for flag in force_flags(crimes)}))
    months = tuple(sorted({month for month, _, _ in rows}))
    types = tuple(sorted({crime_type for _, crime_type, _ in rows}))
    totals: dict[str, int] = dict.fromkeys(types, 0)
    for _, crime_type, count in rows:
        totals[crime_type] += count
    return AreaSummary(
        area=AreaInfo.of(area),
        months=months,
        crime_types=types,
        counts=tuple(MonthCount(m, t, n) for m, t, n in rows),
        totals=totals,
        total=sum(totals.values()),
        flagged_months=flagged,
        warnings=tuple(
            f"{month} is flagged by the data-quality check (`fortress place quality`): its "
            "counts depart sharply from the other months; treat it with care"
            for month in flagged
        ),
    )


def resolve_for_saving(workspace: Workspace, spec: str) -> Area:
    """The area ``spec`` names, resolved against the workspace's crimes (to be saved)."""
    with opened(workspace) as backend:
        return area_for(workspace, spec, lsoa_names(current(backend, workspace, CRIMES)))


def in_area(crimes: ir.Table, area: Area) -> ir.Table:
    """The crime rows in ``area``: by LSOA code, or by point in polygon.

    For a polygon, the points in its bounding box are fetched and tested with shapely, and
    the rows inside are picked out by (source, source_row) through a small table in the
    same engine."""
    if area.polygon is None:
        return crimes.filter(crimes.lsoa_code.isin(sorted(area.codes)))
    west, south, east, north = area.polygon.bounds
    near = crimes.filter(
        crimes.longitude.between(west, east) & crimes.latitude.between(south, north)
    ).select("source", "source_row", "longitude", "latitude")
    found = near.to_pyarrow()
    inside = shapely.contains_xy(
        area.polygon, found["longitude"].to_numpy(), found["latitude"].to_numpy()
    )
    if not inside.any():
        return crimes.filter(ibis.literal(False))
    kept = found.filter(pa.array(inside))
    chosen = small_table(
        crimes,
        {"source": kept["source"].to_pylist(), "source_row": kept["source_row"].to_pylist()},
    )
    return crimes.semi_join(chosen, ["source", "source_row"])
