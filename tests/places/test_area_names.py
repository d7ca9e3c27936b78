"""Area names as people type them: any case, a district named whole, and the closest names
suggested when a name matches nothing (issue #14, defect 9)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from fortress.cli.main import app
from fortress.ingest.policeuk import ingest_policeuk
from fortress.places.areas import AreaProblem
from fortress.places.campaigns import save_area
from fortress.places.summary import area_summary, resolve_for_saving
from fortress.store.workspace import Workspace
from helpers.policeuk import Crime, write_street

runner = CliRunner()


@pytest.fixture
def towns(workspace: Workspace, tmp_path: Path) -> Workspace:
    """Gosport (3 crimes in 2 LSOAs), Havant (2), Hart (1) and Hartlepool (4)."""
    crimes = [
        Crime("E01000001", "Gosport 001A"),
        Crime("E01000001", "Gosport 001A"),
        Crime("E01000002", "Gosport 002B"),
        Crime("E01000003", "Havant 001A"),
        Crime("E01000003", "Havant 001A"),
        Crime("E01000004", "Hart 001A"),
        *[Crime("E01000005", "Hartlepool 001A")] * 4,
    ]
    assert ingest_policeuk(workspace, write_street(tmp_path, "2025-01", crimes)).ok
    return workspace


def test_area_names_match_in_any_case(towns: Workspace) -> None:
    lower = area_summary(towns, "gosport")
    assert lower.total == area_summary(towns, "Gosport").total == 3
    assert lower.area.name == "Gosport"  # named as the data names it
    assert area_summary(towns, "GOSPORT 001").total == 2


def test_a_district_named_whole_is_that_district_not_every_name_it_begins(
    towns: Workspace,
) -> None:
    assert area_summary(towns, "hart").total == 1  # not Hartlepool's 4 as well
    assert area_summary(towns, "Hartle").total == 4  # a prefix still works


def test_saved_area_names_match_in_any_case(towns: Workspace) -> None:
    save_area(towns, "Not In Our Town", resolve_for_saving(towns, "Gosport"), {})
    assert area_summary(towns, "not in our town").total == 3
    assert area_summary(towns, "not in our town").area.name == "Not In Our Town"


def test_a_miss_suggests_the_closest_names(towns: Workspace) -> None:
    with pytest.raises(AreaProblem, match="did you mean 'Gosport'"):
        area_summary(towns, "Gosprot")
    save_area(towns, "Not In Our Town", resolve_for_saving(towns, "Gosport"), {})
    with pytest.raises(AreaProblem, match="did you mean 'Not In Our Town'"):
        area_summary(towns, "not in our twon")


def test_the_cli_takes_a_lower_case_area(towns: Workspace) -> None:
    done = runner.invoke(
        app, ["--workspace", str(towns.root), "place", "summary", "--area", "gosport", "--json"]
    )
    assert done.exit_code == 0, done.stderr
    missed = runner.invoke(
        app, ["--workspace", str(towns.root), "place", "summary", "--area", "Havnat"]
    )
    assert missed.exit_code == 2 and "Havant" in missed.stderr
