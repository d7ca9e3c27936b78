"""Number profiles reproduce the values bandicoot publishes for its sample users.

bandicoot's ``manual`` users come with hand-computed indicators (``manual_A.json``,
``manual_B.json``, over the whole period), and its regression file for user A holds every
indicator per ISO week, split by weekday/weekend and day/night, with seven statistics of
each distribution (``regressions_manual_a.json``). Each user's CSV goes through Fortress's
real path: the bandicoot mapping spec, the workspace, ``profile_number``. There is one test
per user and indicator; each compares every value bandicoot gives for it.

Tolerances are bandicoot's own (its tests' ``decimal``: an absolute 1.5e-4 for A and
1.5e-3 for B, whose hand values are rounded to 4 and 3 places); the regression values are
machine output, compared to 1.5e-7. bandicoot's records carry naive times, read as UTC and
profiled on the UTC clock, so that no offset moves a record across 19:00 or midnight.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fortress.comms.indicators import DEFINITIONS
from fortress.comms.lines import workspace_tables
from fortress.comms.profile_table import COLUMNS, profile_table
from fortress.comms.profiles import period, profile_number
from fortress.ingest.cells import ingest_cells
from fortress.ingest.comms import ingest_comms
from fortress.model.profiles import Measure, NumberProfile
from fortress.sources.mapping import load_spec
from fortress.store.workspace import Workspace

pytestmark = pytest.mark.shared_data

SPEC = Path(__file__).parents[1] / "ingest" / "specs" / "bandicoot.yaml"
SAMPLES = Path(__file__).parents[2] / ".." / "shared" / "data" / "bandicoot_samples"
OWNER = "07700900998"
OWNER_E164 = "+447700900998"

EXPECTED = {
    # expected file: (user's CSV, weekly and split, tolerance)
    "manual_A": ("A", False, 1.5e-4),
    "manual_B": ("B", False, 1.5e-3),
    "regressions_manual_a": ("A", True, 1.5e-7),
}
RECHARGES = {"amount_recharges", "percent_pareto_recharges", "number_of_recharges",
             "interevent_time_recharges", "average_balance_recharges"}  # fmt: skip
"""Indicators of airtime top-ups: Fortress holds no top-up data."""
NOT_INDICATORS = ("reporting", "name", "attributes")


def _flat(value: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, inner in value.items():
        if isinstance(inner, dict):
            found |= _flat(inner, f"{prefix}{key}__")
        else:
            found[prefix + key] = inner
    return found


def _expected(name: str) -> dict[str, Any]:
    data = json.loads((SAMPLES / "expected_results" / f"{name}.json").read_text())
    flat = _flat(data["A"]) if "A" in data else _flat(data)
    return {key: value for key, value in flat.items() if not key.startswith(NOT_INDICATORS)}


def _indicator_of(key: str) -> str:
    return next(d.name for d in sorted(DEFINITIONS, key=lambda d: -len(d.name))
                if key.startswith(d.name + "__")) if not key.startswith(tuple(RECHARGES)) \
        else key.split("__")[0]  # fmt: skip


def _cases() -> list[Any]:
    if not SAMPLES.is_dir():  # the shared_data fixture skips (or fails in CI) with a reason
        return [pytest.param("manual_A", "absent", id="bandicoot-samples-absent")]
    return [
        pytest.param(name, indicator, id=f"{name}-{indicator}")
        for name in EXPECTED
        for indicator in sorted({_indicator_of(key) for key in _expected(name)} - RECHARGES)
    ]


def _key(m: Measure) -> str:
    """The measure's key in bandicoot's flattened results."""
    if m.indicator == "churn_rate":  # computed over every record, by week, alone
        return f"churn_rate__{m.statistic}"
    parts = [m.indicator, m.part_of_week, m.part_of_day, m.interaction, m.statistic, m.across_weeks]
    return "__".join(part for part in parts if part)


@pytest.fixture(scope="module")
def workspaces(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Workspace]:
    """A workspace holding each manual user's records and bandicoot's towers."""
    found = {}
    for user in ("A", "B"):
        workspace = Workspace.open(tmp_path_factory.mktemp(f"bandicoot-{user}") / "ws")
        records = SAMPLES / "tests_samples" / "manual" / f"{user}.csv"
        assert ingest_comms(workspace, records, spec=load_spec(SPEC), owner=OWNER).ok
        assert ingest_cells(workspace, _towers(workspace.root.parent)).ok
        found[user] = workspace
    return found


@pytest.fixture(scope="module")
def profiles(workspaces: dict[str, Workspace]) -> dict[tuple[str, bool], NumberProfile]:
    """Each user's profile over the period, and by week with every part of week and day."""
    return {
        (user, weekly): profile_number(
            workspace, OWNER, period(None, None, "UTC"), weekly=weekly, split=weekly
        )
        for user, workspace in workspaces.items()
        for weekly in (False, True)
    }


def _towers(folder: Path) -> Path:
    """bandicoot's towers as a cell-site file: its header renamed, nothing else changed."""
    lines = (SAMPLES / "tests_samples" / "towers.csv").read_text().splitlines()
    assert lines[0] == "antenna_id,latitude,longitude"
    out = folder / "cells.csv"
    out.write_text("\n".join(["cell_id,lat,lon", *lines[1:]]) + "\n")
    return out


@pytest.mark.parametrize(("expected_file", "indicator"), _cases())
def test_profile_equals_bandicoot(
    shared_data: Path,
    profiles: dict[tuple[str, bool], NumberProfile],
    expected_file: str,
    indicator: str,
) -> None:
    user, weekly, tolerance = EXPECTED[expected_file]
    profile = profiles[user, weekly]
    got = {_key(m): m.value for m in profile.measures if m.indicator == indicator}
    expected = {k: v for k, v in _expected(expected_file).items() if _indicator_of(k) == indicator}
    assert expected
    for key, value in expected.items():
        assert key in got, f"{key} is not in the profile"
        if value is None:
            assert got[key] is None, key
        else:
            assert got[key] == pytest.approx(value, abs=tolerance), key


def test_every_expected_indicator_is_covered_except_top_ups(shared_data: Path) -> None:
    """What a profile leaves out of bandicoot's expected values: only the top-up ones."""
    ours = {d.name for d in DEFINITIONS}
    for name in EXPECTED:
        theirs = {_indicator_of(key) for key in _expected(name)}
        assert theirs - ours <= RECHARGES, name


def test_profile_names_the_owner_and_counts_every_record(
    shared_data: Path, profiles: dict[tuple[str, bool], NumberProfile]
) -> None:
    profile = profiles["A", False]
    assert (profile.number, profile.records, profile.located_records) == (OWNER_E164, 7, 7)
    assert profile.excluded == []
    assert profile.home is not None
    # bandicoot's towers file places 13086 in Brussels; 3 night slots, 2 on it
    assert (profile.home.cell, profile.home.night_slots, profile.home.of_night_slots) == (
        "13086", 2, 3,
    )  # fmt: skip
    assert (profile.home.lat, profile.home.lon) == (50.850437, 4.351694)
    assert sum(map(sum, profile.week_hours)) == 7


@pytest.mark.parametrize("expected_file", ["manual_A", "manual_B"])
def test_the_profile_table_equals_bandicoot(
    shared_data: Path, workspaces: dict[str, Workspace], expected_file: str
) -> None:
    """Every column of the many-number table that bandicoot's hand values cover."""
    user, _, tolerance = EXPECTED[expected_file]
    comms, _ = workspace_tables(workspaces[user])
    rows = profile_table(comms, period(None, None, "UTC")).to_pyarrow().to_pylist()
    row = next(r for r in rows if r["number"] == OWNER_E164)
    expected = _expected(expected_file)
    compared = 0
    for column in COLUMNS:
        name, _, rest = column.partition("__")
        key = f"{name}__allweek__allday__{rest}"
        if key in expected:
            assert row[column] == pytest.approx(expected[key], abs=tolerance), column
            compared += 1
    assert compared >= 12
