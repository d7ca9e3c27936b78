"""Data quality of the police.uk crime table (``fortress place quality``): months and
categories whose counts depart sharply from their own history, and districts whose share
of the force departs from theirs, so that no evaluation silently uses a broken month.

A cell (a count for one month) is flagged when it is at most half or at least twice the
median of the same series over the *other* months, and also at least ``NOISE_SIGMAS``
Poisson standard deviations from it (so small counts are not flagged for noise). At force
level, seasonal swings in a category stay well inside a factor of two; a file with
missing rows or a mislabelled category does not. Method and thresholds:
``docs/methods/place.md``.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from dataclasses import asdict, dataclass
from typing import Any

import ibis.expr.types as ir

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
from fortress.sources.policeuk import LAYOUTS, STOP_AND_SEARCH, STREET
from fortress.store.workspace import Workspace

FACTOR = 2.0
NOISE_SIGMAS = 4.0
MIN_MONTHS = 4
"""A series needs this many months before any of them can be judged."""
ALL = "all crime types"


@dataclass(frozen=True, slots=True)
class Flag:
    """One count that departs from its history."""

    scope: str
    """``force`` (a crime type, or all types, force-wide), ``district`` (a district's
    share of the force's crimes) or ``repeats`` (rows repeating another exactly)."""
    name: str
    """The crime type, ``all crime types``, or the district."""
    month: str
    count: float
    expected: float
    """The median of the other months."""
    ratio: float
    text: str


@dataclass(frozen=True, slots=True)
class Quality:
    """Every flagged count of the police.uk tables, with the method."""

    method: str
    flags: tuple[Flag, ...]
    flagged_months: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """As ``--json`` prints it."""
        return {
            "method": self.method,
            "flags": [asdict(flag) for flag in self.flags],
            "flagged_months": list(self.flagged_months),
        }


def quality(workspace: Workspace) -> Quality:
    """Every flagged cell of the crime table, with the method."""
    with opened(workspace) as backend:
        crimes = current(backend, workspace, CRIMES)
        flags = force_flags(crimes) + district_flags(crimes) + repeat_flags(crimes, STREET)
        if workspace.data_files(STOP_SEARCHES):
            searches = current(backend, workspace, STOP_SEARCHES)
            flags += repeat_flags(searches, STOP_AND_SEARCH)
    return Quality(
        method=(
            f"a count is flagged when it is at most 1/{FACTOR:g} or at least {FACTOR:g} times "
            f"the median of the other months of its series and {NOISE_SIGMAS:g} Poisson "
            f"standard deviations from it; series of fewer than {MIN_MONTHS} months are not "
            "judged"
        ),
        flags=tuple(flags),
        flagged_months=tuple(sorted({flag.month for flag in flags})),
    )


def force_flags(crimes: ir.Table) -> list[Flag]:
    """Force-wide counts per crime type and month, and all types per month."""
    rows = fetch(per_month(crimes, CRIME_TYPE))
    months = sorted({month_text(row[MONTH]) for row in rows})
    series: dict[str, dict[str, float]] = defaultdict(lambda: dict.fromkeys(months, 0.0))
    for row in rows:
        month = month_text(row[MONTH])
        series[row[CRIME_TYPE]][month] += row[COUNT]
        series[ALL][month] += row[COUNT]
    flags = []
    for name, counts in sorted(series.items()):
        for month, count, expected in _departures(counts):
            text = (
                f"{month}: {name}: {count:,.0f} force-wide against a median of "
                f"{expected:,.0f} in the other months"
            )
            flags.append(Flag("force", name, month, count, expected, count / expected, text))
    return flags


def district_flags(crimes: ir.Table) -> list[Flag]:
    """Each district's (local authority's: the LSOA name without its code) count per month,
    judged as a share of the force's month, so that force-wide swings cancel out."""
    named = crimes.filter(crimes.lsoa_name.notnull())
    rows = fetch(per_month(named.mutate(**{DISTRICT: district(named.lsoa_name)}), DISTRICT))
    months = sorted({month_text(row[MONTH]) for row in rows})
    totals = dict.fromkeys(months, 0.0)
    counts: dict[str, dict[str, float]] = defaultdict(lambda: dict.fromkeys(months, 0.0))
    for row in rows:
        month = month_text(row[MONTH])
        counts[row[DISTRICT]][month] += row[COUNT]
        totals[month] += row[COUNT]
    flags = []
    for name, series in sorted(counts.items()):
        # scaled to the force's median month, so the Poisson guard reads as counts
        typical = statistics.median(totals.values())
        scaled = {m: series[m] / totals[m] * typical for m in months if totals[m]}
        for month, share, expected in _departures(scaled):
            text = (
                f"{month}: {name} has {series[month]:,.0f} crimes, {share / typical:.1%} "
                f"of the force's, against a median share of {expected / typical:.1%} in the "
                "other months"
            )
            usual = expected / typical * totals[month]
            flags.append(
                Flag("district", name, month, series[month], usual, share / expected, text)
            )
    return flags


def repeat_flags(table: ir.Table, kind: str) -> list[Flag]:
    """Rows that repeat another row of their month exactly, in every published column.

    Some repeats are real (several people searched together; ASB rows carry no id), so a
    month is judged against the other months' repeats, like any count: a file published
    or copied twice over shows as a month of many more repeats than usual. A month's
    repeats are its rows less its distinct rows (grouping, so empty values match).
    """
    columns = [LAYOUTS[kind].column(name) for name in LAYOUTS[kind].header]
    columns = [c for c in columns if c not in ("month", "date")] + (
        ["date_utc"] if kind == STOP_AND_SEARCH else []
    )
    distinct = table.group_by([MONTH, *columns]).aggregate(copies=table.count())
    per = distinct.group_by(MONTH).aggregate(rows=distinct.copies.sum(), distinct=distinct.count())
    found = fetch(per)
    rows = {month_text(r[MONTH]): int(r["rows"]) for r in found}
    repeats = {month_text(r[MONTH]): float(r["rows"] - r["distinct"]) for r in found}
    flags = []
    for month, count, expected in _departures(repeats):
        if count < expected:
            continue  # fewer repeats than usual is no sign of a broken file
        text = (
            f"{month}: {count:,.0f} of the {rows[month]:,} {kind} rows repeat another row of the "
            f"month exactly, against a median of {expected:,.0f} in the other months (rows "
            "published or copied twice?)"
        )
        flags.append(Flag("repeats", kind, month, count, expected, count / expected, text))
    return flags


def _departures(series: dict[str, float]) -> list[tuple[str, float, float]]:
    """(month, value, median of the other months) for each value that departs sharply."""
    if len(series) < MIN_MONTHS:
        return []
    found = []
    for month, value in sorted(series.items()):
        expected = statistics.median(v for m, v in series.items() if m != month)
        if expected <= 0:
            continue
        ratio = value / expected
        sharp = ratio <= 1 / FACTOR or ratio >= FACTOR
        if sharp and abs(value - expected) >= NOISE_SIGMAS * math.sqrt(expected):
            found.append((month, value, expected))
    return found
