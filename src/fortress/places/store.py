"""Reading the police.uk tables back, as Ibis expressions on the configured engine (DuckDB
in-process, or Spark with ``FORTRESS_ENGINE=spark``): the current rows of each force and
month, and the pieces every places analysis shares (a month as text, a period as a filter,
an LSOA's district, the monthly count).

Ingest stays DuckDB SQL (``ingest/policeuk.py``): it is a format conversion (typing the
published CSV text, ``COPY ... TO parquet``), not an analysis. Everything that reads the
published tables is written here once and runs on either engine
(``tests/places/test_places_on_spark.py``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Final

import ibis
import ibis.expr.types as ir

from fortress.places.periods import Period
from fortress.store import events as event_tables
from fortress.store.workspace import Workspace

CRIMES = "crimes"
STOP_SEARCHES = "stop_searches"
OUTCOMES = "outcomes"

MONTH: Final = "month"
"""The first day of the row's month (a date)."""
CRIME_TYPE: Final = "crime_type"
COUNT: Final = "count"
DISTRICT: Final = "district"
DISTRICT_SUFFIX: Final = r" [0-9]{3}[A-Z]$"
"""What follows the district in a police.uk LSOA name (``Gosport 012B``), as
``sources.policeuk.district_of`` removes it."""


class NoPlaceData(Exception):
    """The workspace holds no police.uk rows of the kind asked for."""


@contextmanager
def opened(workspace: Workspace) -> Iterator[ibis.BaseBackend]:
    """The workspace's analytics engine for the length of a places query: a DuckDB
    connection is closed afterwards; a Spark session is shared and left running."""
    backend = event_tables.connect(workspace)
    try:
        yield backend
    finally:
        if backend.name == "duckdb":
            backend.disconnect()


def current(backend: ibis.BaseBackend, workspace: Workspace, table: str) -> ir.Table:
    """The rows of ``table`` that analyses use: for each force and month, those of the file
    ingested last (police.uk republishes months as outcomes come in)."""
    rows = event_tables.table(backend, workspace, table)
    if rows is None:
        raise NoPlaceData(
            f"the workspace holds no police.uk {table.replace('_', ' ')}: "
            "run `fortress place ingest` on the files first"
        )
    latest = rows.ingested_at.max().over(ibis.window(group_by=[rows.force, rows[MONTH]]))
    marked = rows.mutate(_latest=latest)
    return marked.filter(marked.ingested_at == marked._latest).drop("_latest")


def district(lsoa_name: ir.StringValue) -> ir.StringValue:
    """An LSOA's district (local authority): its police.uk name without the code part
    ("Gosport 012B" is in Gosport)."""
    return lsoa_name.re_replace(DISTRICT_SUFFIX, "")


def first_day(month: str) -> ir.DateScalar:
    """The date a YYYY-MM month is stored as."""
    year, number = month.split("-")
    return ibis.date(int(year), int(number), 1)


def in_periods(rows: ir.Table, periods: list[Period]) -> ir.BooleanValue:
    """True for the rows of any of ``periods`` (whole months)."""
    within = [rows[MONTH].between(first_day(p.first), first_day(p.last)) for p in periods]
    found = within[0]
    for more in within[1:]:
        found = found | more
    return found


def month_text(value: dt.date) -> str:
    """A stored month as YYYY-MM (formatted in Python, the same on every engine)."""
    return f"{value:%Y-%m}"


def fetch(expr: ir.Table) -> list[dict[str, Any]]:
    """The rows of a (small) result as dictionaries."""
    rows: list[dict[str, Any]] = expr.to_pyarrow().to_pylist()
    return rows


def per_month(rows: ir.Table, *by: str) -> ir.Table:
    """The monthly count, defined once for every places analysis: rows per month and per
    each of the ``by`` columns, as ``count``."""
    return rows.group_by([MONTH, *by]).aggregate(**{COUNT: rows.count()})


def monthly_counts(frame: ir.Table, rows: ir.Table) -> list[tuple[str, str, int]]:
    """(month, crime type, count) of ``rows`` for every month and every crime type that
    ``frame`` holds, zeros included, ordered by month and type. ``rows`` are some of
    ``frame``'s (an area's, say), filtered as ``frame`` is."""
    months = frame.select(MONTH).distinct()
    types = frame.select(CRIME_TYPE).distinct()
    counted = per_month(rows, CRIME_TYPE)
    grid = months.cross_join(types)
    joined = grid.left_join(counted, [MONTH, CRIME_TYPE])
    found = joined.select(grid[MONTH], grid[CRIME_TYPE], **{COUNT: joined[COUNT].fill_null(0)})
    return sorted(
        (month_text(row[MONTH]), row[CRIME_TYPE], int(row[COUNT])) for row in fetch(found)
    )
