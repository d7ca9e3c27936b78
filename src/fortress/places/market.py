"""Drug market and violence (``fortress place drug-market``): the lagged association, across
district-months, between drug-market indicators and violence, with the caveats of an
observational estimate.

Indicators per district and month: drug offences (police.uk crime type "Drugs") and, where
stop-and-search files are ingested, searches for drugs (object "Controlled drugs", or under
the Misuse of Drugs Act, as most Hampshire rows give it with no object) that found what
they looked for ("Outcome linked to object of search" true). Stop-and-search rows carry a
point, not an LSOA; police.uk snaps crimes and searches to the same anonymous map points,
so a search takes the district of the nearest crime point within ``SNAP_M`` metres (or
none). Where the workspace holds comms data with a deal-line detection, two more: the lines
active in a district (where their customers are) and their confirmed transactions, per
month (``line_market.py``).

The model: violence in district a, month m is Poisson (quasi-Poisson standard errors) with
an effect for each district and each month, and b per unit of log(1 + indicator) in the
same district ``lag`` months earlier. exp(b) is the factor on violence when the indicator
is e times higher. Months the data-quality check flags are left out (their violence is
mislabelled; a stop-and-search month full of repeated rows is left out of the finds), and
so are pairs whose earlier month is not in the data.
"""

from __future__ import annotations

import math
from typing import Any

import duckdb
import numpy as np
from scipy.spatial import cKDTree

from fortress.places.countmodel import regressor_effect
from fortress.places.hotspots import METRES_PER_DEGREE_LAT
from fortress.places.line_market import line_indicators
from fortress.places.periods import shift
from fortress.places.quality import force_flags, repeat_flags
from fortress.places.store import CRIMES, STOP_SEARCHES, NoPlaceData, current_sql
from fortress.sources.policeuk import DISTRICT_SQL, STOP_AND_SEARCH
from fortress.store.workspace import Workspace, connect_duckdb

VIOLENCE = "Violence and sexual offences"
DRUGS = "Drugs"
SNAP_M = 250
CAVEATS = (
    "An association, not an effect: drug offences are mostly found by police activity, so "
    "they measure enforcement as much as the market; violence and enforcement can both "
    "follow something unmeasured (a line moving in, a local event); and district-months are "
    "coarse. District and month effects remove fixed differences between districts and "
    "force-wide swings, nothing more."
)


def drug_market(workspace: Workspace, lag: int = 1) -> dict[str, Any]:
    """The association of violence with each indicator ``lag`` months earlier."""
    if not 1 <= lag <= 12:
        raise ValueError("--lag must be between 1 and 12 months")
    con = connect_duckdb(memory_limit="2GB")
    try:
        crimes = current_sql(workspace, CRIMES)
        flagged = sorted({flag.month for flag in force_flags(con, crimes)})
        cells = _crime_counts(con, crimes)
        indicators = {"drug offences": {k: v.get(DRUGS, 0) for k, v in cells.items()}}
        finds = _search_finds(con, workspace, crimes)
        if finds is not None:
            broken = {
                flag.month
                for flag in repeat_flags(
                    con, current_sql(workspace, STOP_SEARCHES), STOP_AND_SEARCH
                )
            }
            indicators["drug searches that found drugs"] = {
                key: n for key, n in finds.items() if key[1] not in broken
            }
    finally:
        con.close()
    indicators |= line_indicators(workspace) or {}
    violence = {k: v.get(VIOLENCE, 0) for k, v in cells.items()}
    results = [
        _association(name, series, violence, lag, flagged) for name, series in indicators.items()
    ]
    return {
        "lag_months": lag,
        "left_out_months": flagged,
        "method": (
            "quasi-Poisson regression of violence and sexual offences per district and month "
            "on log(1 + indicator) in the same district lag months earlier, with district and "
            "month effects; 95% Wald interval; factor = exp(b), per e-fold (x2.72) indicator"
        ),
        "results": results,
        "caveats": CAVEATS,
    }


Key = tuple[str, str]  # (district, YYYY-MM)


def _crime_counts(con: duckdb.DuckDBPyConnection, crimes: str) -> dict[Key, dict[str, int]]:
    rows = con.execute(
        f"SELECT {DISTRICT_SQL}, strftime(month, '%Y-%m'), crime_type, count(*) "
        f"FROM ({crimes}) WHERE lsoa_name IS NOT NULL GROUP BY ALL"
    ).fetchall()
    found: dict[Key, dict[str, int]] = {}
    for district, month, crime_type, n in rows:
        found.setdefault((district, month), {})[crime_type] = int(n)
    return found


def _search_finds(
    con: duckdb.DuckDBPyConnection, workspace: Workspace, crimes: str
) -> dict[Key, int] | None:
    """Drug searches that found drugs, per district and month (None: no searches ingested)."""
    try:
        searches = current_sql(workspace, STOP_SEARCHES)
    except NoPlaceData:
        return None
    points = con.execute(
        f"SELECT DISTINCT longitude, latitude, {DISTRICT_SQL} FROM ({crimes}) "
        "WHERE longitude IS NOT NULL AND lsoa_name IS NOT NULL"
    ).fetchall()
    found = con.execute(
        f"SELECT longitude, latitude, strftime(month, '%Y-%m') FROM ({searches}) "
        "WHERE longitude IS NOT NULL AND outcome_linked_to_object_of_search AND "
        "(object_of_search = 'Controlled drugs' OR legislation LIKE 'Misuse of Drugs Act%')"
    ).fetchall()
    if not points or not found:
        return {}
    lat0 = math.radians(float(np.mean([p[1] for p in points])))
    per_degree = METRES_PER_DEGREE_LAT

    def metres(rows: list[Any]) -> np.ndarray:
        return np.array([(r[0] * per_degree * math.cos(lat0), r[1] * per_degree) for r in rows])

    distance, nearest = cKDTree(metres(points)).query(metres(found))
    counts: dict[Key, int] = {}
    for (_, _, month), d, i in zip(found, distance, nearest, strict=True):
        if d <= SNAP_M:
            key = (points[i][2], month)
            counts[key] = counts.get(key, 0) + 1
    return counts


def _association(
    name: str, indicator: dict[Key, int], violence: dict[Key, int], lag: int, flagged: list[str]
) -> dict[str, Any]:
    """One indicator's lagged association with violence."""
    months_with_indicator = {month for _, month in indicator}
    rows = []
    for (district, month), count in violence.items():
        earlier = shift(month, -lag)
        if month in flagged or earlier in flagged or earlier not in months_with_indicator:
            continue
        rows.append(
            (district, month, float(count), math.log1p(indicator.get((district, earlier), 0)))
        )
    districts = sorted({r[0] for r in rows})
    months = sorted({r[1] for r in rows})
    found: dict[str, Any] = {"indicator": name, "district_months": len(rows),
                             "districts": len(districts), "months": months}  # fmt: skip
    if len(months) < 2 or len(districts) < 3:
        found["text"] = (
            f"{name}: too few district-months with the indicator {lag} month(s) earlier "
            f"({len(rows)}) to estimate an association."
        )
        return found
    if not any(r[2] for r in rows):
        found["text"] = (
            f"{name}: no violence and sexual offences are recorded in these {len(rows)} "
            "district-months, so no association can be estimated."
        )
        return found
    effect = regressor_effect(rows)
    if effect is None:
        found["text"] = (
            f"{name}: it does not vary beyond what the district and month effects explain "
            f"over these {len(rows)} district-months, so no association can be estimated."
        )
        return found
    factor, low, high = effect.factor, effect.low, effect.high
    found |= {"factor": round(factor, 4), "low": round(low, 4), "high": round(high, 4)}
    verdict = (
        "no association the data can show"
        if low <= 1 <= high
        else ("more violence" if factor > 1 else "less violence")
    )
    found["text"] = (
        f"{name} {lag} month(s) earlier: {verdict}; violence x{factor:.3f} (95% CI "
        f"{low:.3f} to {high:.3f}) per e-fold more {name}, over {len(rows)} district-months "
        f"({len(districts)} districts, {len(months)} months)."
    )
    return found
