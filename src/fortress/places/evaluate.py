"""Campaign evaluation (``fortress place evaluate``): before and after, against comparison
areas, with an interval, a displacement check and words a commissioner can quote.

Per crime type (and all crime): counts before and after in the area; the naive change in
the monthly rate; and a difference-in-differences estimate from a count model of the
monthly counts of the area and its comparison areas, with an area effect for each area, a
month effect for each month (shared seasonality and force-wide change) and one effect for
"the campaign area after the start". The model is Poisson with its standard errors
scaled by the Pearson dispersion (quasi-Poisson), so extra-Poisson variation widens the
interval instead of being ignored. The estimate exp(b) - 1 is the change in the area
relative to what the comparison areas suggest would have happened, with a 95% Wald
interval. Method and its limits: ``docs/methods/place.md``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import duckdb
import numpy as np
import shapely

from fortress.model.sql import literal
from fortress.places.areas import Area
from fortress.places.campaigns import area_for
from fortress.places.countmodel import regressor_effect
from fortress.places.hotspots import METRES_PER_DEGREE_LAT
from fortress.places.periods import Period
from fortress.places.quality import force_flags
from fortress.places.store import CRIMES, current_sql
from fortress.places.summary import in_area, lsoa_names
from fortress.sources.policeuk import district_of
from fortress.store.workspace import Workspace, connect_duckdb

ALL = "All crime"
MIN_COUNT = 20
"""Fewer crimes than this before or after in the area: no estimate is claimed."""
AUTO_COMPARE = 3
BUFFER_M = 1_000


class EvaluationProblem(ValueError):
    """An evaluation that cannot be run as asked; the message says why."""


@dataclass(frozen=True, slots=True)
class Design:
    """What is compared with what."""

    area: Area
    comparisons: list[Area]
    before: Period
    after: Period


def evaluate(
    workspace: Workspace,
    spec: str,
    before: Period,
    after: Period,
    *,
    compare: list[str] | None = None,
    auto_compare: bool = False,
) -> dict[str, Any]:
    """The evaluation of the area ``spec`` (see the module docstring)."""
    if after.first <= before.last:
        raise EvaluationProblem(f"the after period {after} must start after {before} ends")
    con = connect_duckdb(memory_limit="2GB")
    try:
        crimes = current_sql(workspace, CRIMES)
        names = lsoa_names(con, crimes)
        area = _with_codes(con, crimes, area_for(workspace, spec, names))
        months = _months(con, crimes)
        _check_periods(months, before, after)
        chosen = [area_for(workspace, c, names) for c in compare] if compare else None
        comparisons = _comparisons(con, crimes, names, area, before, chosen, auto_compare)
        design = Design(area, comparisons, before, after)
        series = {a.name: _monthly(con, crimes, a, before, after) for a in [area, *comparisons]}
        ring = _displacement_ring(con, crimes, design)
        flagged = sorted({f.month for f in force_flags(con, crimes)})
    finally:
        con.close()
    return _report(design, series, ring, flagged, months)


def _months(con: duckdb.DuckDBPyConnection, crimes: str) -> list[str]:
    rows = con.execute(f"SELECT DISTINCT strftime(month, '%Y-%m') FROM ({crimes}) ORDER BY 1")
    return [month for (month,) in rows.fetchall()]


def _with_codes(con: duckdb.DuckDBPyConnection, crimes: str, area: Area) -> Area:
    """A polygon area with the LSOAs of its crimes as codes too, so that comparison areas
    can be checked for overlap and matching leaves out the districts it covers."""
    if area.polygon is None:
        return area
    rows = con.execute(
        f"SELECT DISTINCT lsoa_code FROM ({in_area(con, crimes, area)}) WHERE lsoa_code IS NOT NULL"
    ).fetchall()
    return replace(area, codes=frozenset(code for (code,) in rows))


def _coverage(months: list[str], period: Period) -> tuple[int, int]:
    """(months of ``period`` in the data, months in ``period``)."""
    return sum(1 for m in months if m in period), len(period.months())


def _check_periods(months: list[str], before: Period, after: Period) -> None:
    for name, period in (("before", before), ("after", after)):
        if not [m for m in months if period.first <= m <= period.last]:
            raise EvaluationProblem(
                f"no months of data in the {name} period {period} (the data has "
                f"{months[0]}..{months[-1]}, with gaps: {len(months)} months)"
            )


def _comparisons(
    con: duckdb.DuckDBPyConnection,
    crimes: str,
    names: dict[str, str],
    area: Area,
    before: Period,
    chosen: list[Area] | None,
    auto: bool,
) -> list[Area]:
    if chosen and auto:
        raise EvaluationProblem("give --compare or --auto-compare, not both")
    if chosen:
        overlap = [c.name for c in chosen if c.codes & area.codes]
        if overlap:
            raise EvaluationProblem(f"comparison areas overlap the area: {', '.join(overlap)}")
        return chosen
    if auto:
        return _matched(con, crimes, names, area, before)
    raise EvaluationProblem(
        "name comparison areas (--compare Havant,Fareham) or let Fortress match them on the "
        "before period (--auto-compare): a before-and-after change alone cannot separate the "
        "campaign from everything else that changed"
    )


def _matched(
    con: duckdb.DuckDBPyConnection,
    crimes: str,
    names: dict[str, str],
    area: Area,
    before: Period,
) -> list[Area]:
    """The districts most like the area before the campaign: nearest in log monthly level
    and in trend (slope of log counts per month), each scaled by its spread."""
    districts: dict[str, set[str]] = {}
    for code, name in names.items():
        if code not in area.codes:
            districts.setdefault(district_of(name), set()).add(code)
    candidates = [
        Area(d, frozenset(codes), f"matched: LSOA names starting {d!r}")
        for d, codes in sorted(districts.items())
        if not codes & area.codes
    ]
    if len(candidates) < AUTO_COMPARE:
        raise EvaluationProblem("too few other districts in the data to match comparisons")
    profile = {c.name: _profile(con, crimes, c, before) for c in [area, *candidates]}
    spread = np.std(np.array([profile[c.name] for c in candidates]), axis=0)
    spread[spread == 0] = 1.0
    target = np.array(profile[area.name])

    def distance(candidate: Area) -> float:
        return float(np.linalg.norm((np.array(profile[candidate.name]) - target) / spread))

    return sorted(candidates, key=distance)[:AUTO_COMPARE]


def _profile(
    con: duckdb.DuckDBPyConnection, crimes: str, area: Area, before: Period
) -> tuple[float, float]:
    """Mean log monthly count and its trend (slope per month) in the before period."""
    per_month: dict[str, float] = {}
    for month, _, n in _monthly(con, crimes, area, before, None):
        per_month[month] = per_month.get(month, 0.0) + n
    logs = np.log(np.array(list(per_month.values())) + 1.0)
    slope = float(np.polyfit(np.arange(len(logs)), logs, 1)[0]) if len(logs) > 1 else 0.0
    return float(logs.mean()), slope


def _monthly(
    con: duckdb.DuckDBPyConnection,
    crimes: str,
    area: Area,
    before: Period,
    after: Period | None,
    exclude: frozenset[str] = frozenset(),
) -> list[tuple[str, str, int]]:
    """(month, crime type, count) of the area in the periods, zeros included, leaving out
    crimes in the LSOAs ``exclude`` names."""
    periods = [before] + ([after] if after else [])
    within = " OR ".join(
        f"strftime(month, '%Y-%m') BETWEEN {literal(p.first)} AND {literal(p.last)}"
        for p in periods
    )
    if exclude:
        codes = ", ".join(literal(code) for code in sorted(exclude))
        within = f"({within}) AND coalesce(lsoa_code, '') NOT IN ({codes})"
    rows = con.execute(
        f"WITH c AS (SELECT * FROM ({crimes}) WHERE {within}), "
        "months AS (SELECT DISTINCT month FROM c), types AS (SELECT DISTINCT crime_type FROM c), "
        f"mine AS (SELECT month, crime_type, count(*) AS n FROM ({in_area(con, crimes, area)}) "
        f"WHERE {within} GROUP BY ALL) "
        "SELECT strftime(m.month, '%Y-%m'), t.crime_type, coalesce(mine.n, 0) "
        "FROM months m CROSS JOIN types t LEFT JOIN mine USING (month, crime_type) ORDER BY 1, 2"
    ).fetchall()
    return [(month, crime_type, int(n)) for month, crime_type, n in rows]


def _displacement_ring(
    con: duckdb.DuckDBPyConnection, crimes: str, design: Design
) -> tuple[Area, list[tuple[str, str, int]]] | None:
    """The ring within ``BUFFER_M`` of the area (outside it, and outside the comparison
    areas, which must not count twice), and its monthly counts. An LSOA area's outline is
    the convex hull of its crimes."""
    area = design.area
    if area.polygon is not None:
        shape = area.polygon
    else:
        points = con.sql(
            f"SELECT longitude, latitude FROM ({in_area(con, crimes, area)}) "
            "WHERE longitude IS NOT NULL"
        ).fetchall()
        if len(points) < 3:
            return None
        shape = shapely.MultiPoint(points).convex_hull
    per_lon = METRES_PER_DEGREE_LAT * max(math.cos(math.radians(shape.centroid.y)), 0.1)
    ring_shape = shape.buffer(BUFFER_M / per_lon).difference(shape)
    ring = Area(f"{BUFFER_M:,} m around {area.name}", frozenset(), "displacement ring", ring_shape)
    taken = area.codes.union(*(c.codes for c in design.comparisons))
    return ring, _monthly(con, crimes, ring, design.before, design.after, taken)


def _report(
    design: Design,
    series: dict[str, list[tuple[str, str, int]]],
    ring: tuple[Area, list[tuple[str, str, int]]] | None,
    flagged: list[str],
    months: list[str],
) -> dict[str, Any]:
    types = sorted({t for rows in series.values() for _, t, _ in rows})
    results = [_one_type(design, series, crime_type) for crime_type in [ALL, *types]]
    displacement = []
    if ring is not None:
        ring_area, ring_rows = ring
        with_ring = {
            ring_area.name: ring_rows,
            **{c.name: series[c.name] for c in design.comparisons},
        }
        ring_design = Design(ring_area, design.comparisons, design.before, design.after)
        checked = _one_type(ring_design, with_ring, ALL)
        checked["text"] = _displacement_words(design, checked)
        displacement = [checked]
    used = [m for m in flagged if design.before.first <= m <= design.before.last
            or design.after.first <= m <= design.after.last]  # fmt: skip
    warnings = [
        f"{m} is flagged by the data-quality check and is inside the evaluated periods; "
        "the figures that use it may be wrong (see `fortress place quality`)"
        for m in used
    ]
    for name, period in (("before", design.before), ("after", design.after)):
        held, wanted = _coverage(months, period)
        if held < wanted:
            warnings.append(
                f"the {name} period {period} has data for {held} of its {wanted} months; the "
                "model compares the months there are, but the periods are not what was asked"
            )
    return {
        "area": {"name": design.area.name, "how": design.area.how},
        "comparisons": [{"name": c.name, "how": c.how} for c in design.comparisons],
        "before": str(design.before),
        "after": str(design.after),
        "months_in_data": months,
        "method": (
            "difference in differences from a Poisson model of monthly counts with an effect "
            "per area and per month, standard errors scaled by the Pearson dispersion "
            "(quasi-Poisson); 95% Wald interval; change = exp(b) - 1"
        ),
        "results": results,
        "displacement": displacement,
        "warnings": warnings,
    }


def _one_type(
    design: Design, series: dict[str, list[tuple[str, str, int]]], crime_type: str
) -> dict[str, Any]:
    """Before, after, naive change and the estimate for one crime type (or all)."""
    table = _table(series, crime_type, design)
    area = design.area.name
    mine = [row for row in table if row["area"] == area]
    before = sum(r["count"] for r in mine if not r["post"])
    after = sum(r["count"] for r in mine if r["post"])
    months_before = sum(1 for r in mine if not r["post"])
    months_after = sum(1 for r in mine if r["post"])
    naive = (after / months_after) / (before / months_before) - 1 if before else None
    found: dict[str, Any] = {
        "crime_type": crime_type,
        "before": before,
        "after": after,
        "naive_change": _round(naive),
    }
    if min(before, after) < MIN_COUNT:
        found |= {"estimate": None, "low": None, "high": None}
        found["text"] = (
            f"{crime_type}: {before} before and {after} after in {area}; too few crimes "
            f"(under {MIN_COUNT} in a period) to estimate a change."
        )
        return found
    fitted = _did(table, area)
    if fitted is None:
        found |= {"estimate": None, "low": None, "high": None}
        found["text"] = (
            f"{crime_type}: the campaign's months cannot be told apart from the area and month "
            f"effects in {area}, so no change can be estimated."
        )
        return found
    estimate, low, high = fitted
    found |= {"estimate": _round(estimate), "low": _round(low), "high": _round(high)}
    found["text"] = _words(crime_type, design, naive, estimate, low, high)
    return found


def _table(
    series: dict[str, list[tuple[str, str, int]]], crime_type: str, design: Design
) -> list[dict[str, Any]]:
    rows = []
    for name, monthly in series.items():
        per_month: dict[str, int] = {}
        for month, t, n in monthly:
            if crime_type in (ALL, t):
                per_month[month] = per_month.get(month, 0) + n
        for month, n in sorted(per_month.items()):
            post = design.after.first <= month <= design.after.last
            rows.append({"area": name, "month": month, "post": post, "count": n})
    return rows


def _did(table: list[dict[str, Any]], treated: str) -> tuple[float, float, float] | None:
    """The change in the campaign area after its start, beyond the area and month effects,
    as (estimate, low, high); None when the design cannot separate it."""
    rows = [
        (
            r["area"],
            r["month"],
            float(r["count"]),
            1.0 if r["area"] == treated and r["post"] else 0.0,
        )
        for r in table
    ]
    effect = regressor_effect(rows)
    if effect is None:
        return None
    return effect.factor - 1, effect.low - 1, effect.high - 1


def _words(
    crime_type: str, design: Design, naive: float | None, estimate: float, low: float, high: float
) -> str:
    against = ", ".join(c.name for c in design.comparisons)
    interval = f"95% CI {_pct(low)} to {_pct(high)}"
    raw = f"; the raw before-and-after change was {_pct(naive)}" if naive is not None else ""
    if low > 0 or high < 0:
        direction = "fell" if estimate < 0 else "rose"
        return (
            f"{crime_type} in {design.area.name} {direction} {_pct(abs(estimate), sign=False)} "
            f"({interval}) relative to comparable areas ({against}), {design.before} against "
            f"{design.after}{raw}."
        )
    return (
        f"The data cannot show a change in {crime_type.lower()} in {design.area.name} "
        f"relative to comparable areas ({against}): the estimate is {_pct(estimate)} and the "
        f"95% interval ({_pct(low)} to {_pct(high)}) includes no change{raw}."
    )


def _displacement_words(design: Design, ring: dict[str, Any]) -> str:
    around = f"within {BUFFER_M:,} m of {design.area.name} (outside it and the comparison areas)"
    if ring["estimate"] is None:
        return (
            f"Displacement could not be checked: {around} there were {ring['before']} crimes "
            f"before and {ring['after']} after, too few to compare."
        )
    interval = f"{_pct(ring['estimate'])}, 95% CI {_pct(ring['low'])} to {_pct(ring['high'])}"
    if ring["low"] > 0:
        return (
            f"Possible displacement: crime {around} rose relative to comparable areas ({interval})."
        )
    if ring["high"] < 0:
        return (
            f"No displacement seen: crime {around} fell relative to comparable areas "
            f"({interval}), a diffusion of benefits rather than a move."
        )
    return f"No sign of displacement: crime {around} did not change detectably ({interval})."


def _pct(value: float | None, *, sign: bool = True) -> str:
    if value is None:
        return "n/a"
    return f"{value * 100:+.1f}%" if sign else f"{value * 100:.1f}%"


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
