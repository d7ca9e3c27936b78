"""The table of many numbers' profiles holds, cell for cell, what each number's own profile
says (``fortress.comms.profile_table`` against ``fortress.comms.profiles``); Spark computes
the table DuckDB computes (``tests/comms/test_tallies.py``, in its Spark session)."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import pytest

from fortress.comms.lines import workspace_tables
from fortress.comms.profile_table import COLUMNS, profile_table
from fortress.comms.profiles import period, profile_number
from fortress.model.profiles import Measure, NumberProfile
from helpers.worlds import World

SAMPLED = 30
"""Numbers checked one by one: the ten busiest and twenty spread over the rest."""
RELATIVE = 1e-9
"""Sums in a different order differ in the last bits; nothing more is allowed."""


def _key(m: Measure) -> str:
    return "__".join(part for part in (m.indicator, m.interaction, m.statistic) if part)


def _cells(profile: NumberProfile) -> dict[str, Any]:
    """The profile's values under the table's column names."""
    found: dict[str, Any] = {
        "number": profile.number,
        "records": profile.records,
        "first_utc": profile.first_utc,
        "last_utc": profile.last_utc,
    }
    found |= {_key(m): m.value for m in profile.measures if m.part_of_week == "allweek"}
    return {name: found[name] for name in COLUMNS}


def _row(raw: dict[str, Any]) -> dict[str, Any]:
    row = dict(raw)
    for name in ("first_utc", "last_utc"):
        row[name] = row[name].isoformat(timespec="seconds")
    return row


def _same(table_value: Any, profile_value: Any) -> bool:
    if table_value is None or profile_value is None:
        return table_value is None and profile_value is None
    if isinstance(profile_value, float):
        return math.isclose(table_value, profile_value, rel_tol=RELATIVE, abs_tol=1e-12)
    return bool(table_value == profile_value)


def _sample(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    busiest = sorted(rows, key=lambda r: (-r["records"], r["number"]))
    rest = busiest[10:]
    step = max(1, len(rest) // (SAMPLED - 10))
    return busiest[:10] + rest[::step][: SAMPLED - 10]


@pytest.mark.parametrize(("first", "last"), [(None, None), ("2025-01-20", "2025-02-02")])
def test_every_cell_equals_the_numbers_own_profile(
    demo_world: World, first: str | None, last: str | None
) -> None:
    workspace = demo_world.workspace
    comms, _ = workspace_tables(workspace)
    when = period(first, last)
    rows = [_row(r) for r in profile_table(comms, when).to_pyarrow().to_pylist()]
    assert len(rows) > 100
    assert len({r["number"] for r in rows}) == len(rows)
    for row in _sample(rows):
        expected = _cells(profile_number(workspace, row["number"], when))
        wrong = {k: (row[k], v) for k, v in expected.items() if not _same(row[k], v)}
        assert wrong == {}, row["number"]


def test_the_period_bounds_every_row(demo_world: World) -> None:
    comms, _ = workspace_tables(demo_world.workspace)
    when = period("2025-01-20", "2025-02-02")
    rows = profile_table(comms, when).to_pyarrow().to_pylist()
    assert rows
    # in January London keeps GMT: the local days are the UTC days
    assert min(r["first_utc"] for r in rows).date() >= date(2025, 1, 20)
    assert max(r["last_utc"] for r in rows).date() <= date(2025, 2, 2)


def test_only_the_numbers_asked_for(demo_world: World) -> None:
    comms, _ = workspace_tables(demo_world.workspace)
    everyone = profile_table(comms, period(None, None)).to_pyarrow().to_pylist()
    chosen = [*sorted(r["number"] for r in everyone)[:3], "+447700900000"]  # last: no records
    rows = profile_table(comms, period(None, None), chosen).to_pyarrow().to_pylist()
    assert sorted(r["number"] for r in rows) == chosen[:3]
