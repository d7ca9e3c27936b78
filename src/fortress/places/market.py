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
from dataclasses import dataclass, replace
from typing import Any

import ibis.expr.types as ir
import numpy as np
from scipy.spatial import cKDTree

from fortress.places.countmodel import regressor_effect
from fortress.places.hotspots import METRES_PER_DEGREE_LAT
from fortress.places.line_market import line_indicators
from fortress.places.periods import shift
from fortress.places.quality import force_flags, repeat_flags
from fortress.places.store import (
    COUNT,
    CRIME_TYPE,
    CRIMES,
    DISTRICT,
    MONTH,
    STOP_SEARCHES,
    current,
    district,
    fetch,
    month_text,
    opened,
    per_month,
)
from fortress.sources.policeuk import STOP_AND_SEARCH
from fortress.store.workspace import Workspace

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


@dataclass(frozen=True, slots=True)
class Association:
    """One indicator's lagged association with violence (no factor when none could be
    estimated; ``text`` says why)."""

    indicator: str
    district_months: int
    districts: int
    months: tuple[str, ...]
    text: str
    factor: float | None = None
    low: float | None = None
    high: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """As ``--json`` prints it (the factor and its interval only when estimated)."""
        found: dict[str, Any] = {
            "indicator": self.indicator,
            "district_months": self.district_months,
            "districts": self.districts,
            "months": list(self.months),
        }
        if self.factor is not None:
            found |= {"factor": self.factor, "low": self.low, "high": self.high}
        found["text"] = self.text
        return found


@dataclass(frozen=True, slots=True)
class DrugMarket:
    """The association of violence with each drug-market indicator ``lag_months`` earlier."""

    lag_months: int
    left_out_months: tuple[str, ...]
    """Months the data-quality check flags, left out of every fit."""
    method: str
    results: tuple[Association, ...]
    caveats: str

    def to_dict(self) -> dict[str, Any]:
        """As ``--json`` prints it."""
        return {
            "lag_months": self.lag_months,
            "left_out_months": list(self.left_out_months),
            "method": self.method,
            "results": [r.to_dict() for r in self.results],
            "caveats": self.caveats,
        }


def drug_market(workspace: Workspace, lag: int = 1) -> DrugMarket:
    """The association of violence with each indicator ``lag`` months earlier."""
    if not 1 <= lag <= 12:
        raise ValueError("--lag must be between 1 and 12 months")
    with opened(workspace) as backend:
        crimes = current(backend, workspace, CRIMES)
        flagged = sorted({flag.month for flag in force_flags(crimes)})
        cells = _crime_counts(crimes)
        indicators = {"drug offences": {k: v.get(DRUGS, 0) for k, v in cells.items()}}
        if workspace.data_files(STOP_SEARCHES):
            searches = current(backend, workspace, STOP_SEARCHES)
            finds = _search_finds(crimes, searches)
            broken = {flag.month for flag in repeat_flags(searches, STOP_AND_SEARCH)}
            indicators["drug searches that found drugs"] = {
                key: n for key, n in finds.items() if key[1] not in broken
            }
    indicators |= line_indicators(workspace) or {}
    violence = {k: v.get(VIOLENCE, 0) for k, v in cells.items()}
    return DrugMarket(
        lag_months=lag,
        left_out_months=tuple(flagged),
        method=(
            "quasi-Poisson regression of violence and sexual offences per district and month "
            "on log(1 + indicator) in the same district lag months earlier, with district and "
            "month effects; 95% Wald interval; factor = exp(b), per e-fold (x2.72) indicator"
        ),
        results=tuple(
            _association(name, series, violence, lag, flagged)
            for name, series in indicators.items()
        ),
        caveats=CAVEATS,
    )


Key = tuple[str, str]  # (district, YYYY-MM)


def _crime_counts(crimes: ir.Table) -> dict[Key, dict[str, int]]:
    """Crimes per (district, month) and type, in district and month order."""
    named = crimes.filter(crimes.lsoa_name.notnull())
    rows = fetch(per_month(named.mutate(**{DISTRICT: district(named.lsoa_name)}), DISTRICT,
                           CRIME_TYPE))  # fmt: skip
    found: dict[Key, dict[str, int]] = {}
    for row in sorted(rows, key=lambda r: (r[DISTRICT], r[MONTH], r[CRIME_TYPE])):
        key = (row[DISTRICT], month_text(row[MONTH]))
        found.setdefault(key, {})[row[CRIME_TYPE]] = int(row[COUNT])
    return found


def _search_finds(crimes: ir.Table, searches: ir.Table) -> dict[Key, int]:
    """Drug searches that found drugs, per district and month."""
    located = crimes.filter(crimes.longitude.notnull() & crimes.lsoa_name.notnull())
    points = sorted(
        (row["longitude"], row["latitude"], row[DISTRICT])
        for row in fetch(
            located.select(
                "longitude", "latitude", **{DISTRICT: district(located.lsoa_name)}
            ).distinct()
        )
    )
    drugs = (searches.object_of_search == "Controlled drugs") | searches.legislation.startswith(
        "Misuse of Drugs Act"
    )
    chosen = searches.filter(
        searches.longitude.notnull() & searches.outcome_linked_to_object_of_search & drugs
    )
    found = sorted(
        (row["longitude"], row["latitude"], month_text(row[MONTH]))
        for row in fetch(chosen.select("longitude", "latitude", MONTH))
    )
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
) -> Association:
    """One indicator's lagged association with violence."""
    months_with_indicator = {month for _, month in indicator}
    rows = []
    for (place, month), count in violence.items():
        earlier = shift(month, -lag)
        if month in flagged or earlier in flagged or earlier not in months_with_indicator:
            continue
        rows.append((place, month, float(count), math.log1p(indicator.get((place, earlier), 0))))
    districts = sorted({r[0] for r in rows})
    months = tuple(sorted({r[1] for r in rows}))
    found = Association(name, len(rows), len(districts), months, "")
    if len(months) < 2 or len(districts) < 3:
        return replace(found, text=(
            f"{name}: too few district-months with the indicator {lag} month(s) earlier "
            f"({len(rows)}) to estimate an association."
        ))  # fmt: skip
    if not any(r[2] for r in rows):
        return replace(found, text=(
            f"{name}: no violence and sexual offences are recorded in these {len(rows)} "
            "district-months, so no association can be estimated."
        ))  # fmt: skip
    effect = regressor_effect(rows)
    if effect is None:
        return replace(found, text=(
            f"{name}: it does not vary beyond what the district and month effects explain "
            f"over these {len(rows)} district-months, so no association can be estimated."
        ))  # fmt: skip
    factor, low, high = effect.factor, effect.low, effect.high
    verdict = (
        "no association the data can show"
        if low <= 1 <= high
        else ("more violence" if factor > 1 else "less violence")
    )
    return replace(
        found,
        factor=round(factor, 4),
        low=round(low, 4),
        high=round(high, 4),
        text=(
            f"{name} {lag} month(s) earlier: {verdict}; violence x{factor:.3f} (95% CI "
            f"{low:.3f} to {high:.3f}) per e-fold more {name}, over {len(rows)} district-months "
            f"({len(districts)} districts, {len(months)} months)."
        ),
    )
