"""Saved campaign areas: saved whole, listed with their phases, usable wherever --area or
--compare is."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner, Result

from fortress.cli.main import app
from fortress.places.evaluate import evaluate
from fortress.places.periods import Period
from fortress.places.summary import area_summary
from fortress.store.workspace import Workspace

runner = CliRunner()


def _place(workspace: Workspace, *args: str) -> Result:
    return runner.invoke(app, ["--workspace", str(workspace.root), "place", *args])


def test_a_saved_area_is_used_by_name_and_keeps_its_phases(
    hampshire: Workspace, shared_data: Path, tmp_path: Path
) -> None:
    boundary = tmp_path / "gosport.geojsonl"  # a copy: the saved area must not need it later
    source = shared_data / "policeuk" / "boundaries" / "LAD23_E07000088_Gosport.geojsonl"
    boundary.write_bytes(source.read_bytes())
    phases = [
        "--clear",
        "2025-01..2025-03",
        "--hold",
        "2025-04..2025-09",
        "--build",
        "2025-10..2025-12",
    ]
    saved = _place(hampshire, "area", "save", "Not In Our Town", "--area", str(boundary), *phases)
    assert saved.exit_code == 0, saved.stderr
    assert _place(hampshire, "area", "save", "Neighbours", "--area", "Havant").exit_code == 0
    boundary.unlink()
    listed = json.loads(_place(hampshire, "area", "list", "--json").stdout)
    by_name = {item["name"]: item for item in listed}
    assert by_name["Not In Our Town"]["phases"]["hold"] == ["2025-04", "2025-09"]
    assert by_name["Neighbours"]["kind"] == "codes" and by_name["Neighbours"]["lsoas"] > 50
    assert (
        area_summary(hampshire, "Not In Our Town").total == area_summary(hampshire, "Gosport").total
    )
    before, after = Period.parse("2024-01..2024-04"), Period.parse("2025-01..2025-04")
    result = evaluate(
        hampshire, "Not In Our Town", before, after, compare=["Neighbours", "Fareham"]
    )
    assert [c.name for c in result.comparisons] == ["Neighbours", "Fareham"]


def test_bad_saved_areas_are_refused(hampshire: Workspace) -> None:
    overlapping = _place(hampshire, "area", "save", "X", "--area", "Gosport",
                         "--clear", "2025-01..2025-04", "--hold", "2025-03..2025-06")  # fmt: skip
    assert overlapping.exit_code == 2 and "overlap" in overlapping.stderr
    nowhere = _place(hampshire, "area", "save", "Y", "--area", "Atlantis")
    assert nowhere.exit_code == 2 and "Atlantis" in nowhere.stderr
    assert "X" not in _place(hampshire, "area", "list").stdout


def test_the_places_report_page_stands_alone(hampshire: Workspace, tmp_path: Path) -> None:
    """A workspace of police.uk files alone gets its page; one without any is refused."""
    saved = _place(hampshire, "area", "save", "Report area", "--area", "Gosport",
                   "--hold", "2025-01..2025-04")  # fmt: skip
    assert saved.exit_code == 0, saved.stderr
    out = tmp_path / "places.html"
    written = runner.invoke(
        app, ["--workspace", str(hampshire.root), "report", "places", "--out", str(out), "--json"]
    )
    assert written.exit_code == 0, written.stderr
    page = out.read_text(encoding="utf-8")
    assert "2025-08: Anti-social behaviour: 430" in page  # the quality flags
    assert "<h3>Report area</h3>" in page and "Hold (2025-01..2025-04)" in page
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "")  # nothing fetched
    Workspace.open(tmp_path / "none")  # a workspace, but without police.uk files
    empty = runner.invoke(
        app, ["--workspace", str(tmp_path / "none"), "report", "places", "--out", str(out)]
    )
    assert empty.exit_code == 2 and "no police.uk crimes" in empty.stderr
