"""police.uk ingest and area summaries: the real Hampshire files against the counts in their
PROVENANCE, and every kind of bad input on small synthetic files."""

from __future__ import annotations

import csv
import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from fortress.cli.main import app
from fortress.ingest.policeuk import ingest_policeuk
from fortress.places.areas import AreaProblem
from fortress.places.files import NoFiles, expand
from fortress.places.summary import area_summary
from fortress.sources.policeuk import LAYOUTS, STREET
from fortress.store.workspace import Workspace

runner = CliRunner()
STREET_HEADER = list(LAYOUTS[STREET].header)

# From policeuk/hampshire_street/PROVENANCE.md: rows, Gosport, Southampton, Havant, force ASB.
PUBLISHED = {
    "2024-01": (13_484, 547, 2_827, 911, 1_125),
    "2024-02": (13_133, 589, 2_776, 899, 1_224),
    "2024-03": (13_997, 640, 2_805, 889, 1_345),
    "2024-04": (13_445, 582, 2_598, 871, 1_516),
    "2025-01": (13_481, 579, 2_851, 921, 1_256),
    "2025-02": (12_645, 527, 2_619, 876, 1_222),
    "2025-03": (14_154, 632, 2_952, 877, 1_569),
    "2025-04": (13_986, 558, 2_802, 833, 1_817),
    "2025-05": (14_787, 687, 2_970, 893, 1_923),
    "2025-06": (13_068, 584, 2_777, 849, 1_652),
    "2025-07": (15_873, 712, 3_145, 1_005, 2_241),
    "2025-08": (14_544, 621, 2_841, 988, 430),
    "2025-09": (13_568, 588, 2_744, 918, 1_546),
    "2025-10": (13_666, 540, 2_873, 975, 1_644),
    "2025-11": (12_901, 496, 2_619, 792, 1_314),
    "2025-12": (12_302, 488, 2_417, 836, 1_183),
}
STOP_SEARCH_ROWS = {"2024-01": 1_040, "2024-02": 1_886, "2024-03": 1_241, "2024-04": 1_001}


def test_every_real_row_is_ingested(hampshire: Workspace) -> None:
    batches = {Path(b.source_path).name: b for b in hampshire.batches()}
    for month, (rows, *_rest) in PUBLISHED.items():
        batch = batches[f"{month}-hampshire-street.csv"]
        assert (batch.rows_read, batch.accepted, batch.rejected) == (rows, rows, 0)
    for month, rows in STOP_SEARCH_ROWS.items():
        batch = batches[f"{month}-hampshire-stop-and-search.csv"]
        assert (batch.table_name, batch.accepted, batch.rejected) == ("stop_searches", rows, 0)


@pytest.mark.parametrize(("area", "column"), [("Gosport", 1), ("Southampton", 2), ("Havant", 3)])
def test_area_counts_per_month_match_the_provenance(
    hampshire: Workspace, area: str, column: int
) -> None:
    result = area_summary(hampshire, area)
    per_month = result.month_totals()
    assert per_month == {month: counts[column] for month, counts in PUBLISHED.items()}
    if area == "Gosport":
        assert result.area.lsoas == 56


def test_force_wide_anti_social_behaviour_per_month(hampshire: Workspace, tmp_path: Path) -> None:
    """The empty prefix is every LSOA: force-wide counts (August 2025's collapse of ASB to
    430 is in the published file itself). A file of LSOA codes is an area too."""
    result = area_summary(hampshire, "")
    asb = {
        row.month: row.count for row in result.counts if row.crime_type == "Anti-social behaviour"
    }
    assert asb == {month: counts[4] for month, counts in PUBLISHED.items()}
    codes = tmp_path / "two.csv"
    codes.write_text("lsoa_code\nE01022800\nE01022801\n", encoding="utf-8")
    two = area_summary(hampshire, str(codes))
    gosport = area_summary(hampshire, "Gosport").total
    assert two.area.lsoas == 2 and 0 < two.total < gosport


@pytest.mark.parametrize("polygons", ["LAD23_E07000088_Gosport.geojsonl", "gosport_lsoa21.geojson"])
def test_a_polygon_area_counts_the_crimes_inside_it(
    hampshire: Workspace, shared_data: Path, polygons: str
) -> None:
    """The Gosport district polygon, or the union of its 56 LSOA polygons: every month's
    count equals the LSOA-name prefix's (the boundaries' PROVENANCE checked April 2024)."""
    path = shared_data / "policeuk" / "boundaries" / polygons
    result = area_summary(hampshire, str(path))
    assert "polygon" in result.area.how and result.area.lsoas is None
    per_month = result.month_totals()
    assert per_month == {month: counts[1] for month, counts in PUBLISHED.items()}


def test_bad_geojson_areas_are_explained(hampshire: Workspace, tmp_path: Path) -> None:
    for name, text, message in [
        ("points.geojson", '{"type": "Point", "coordinates": [-1.1, 50.8]}', "made of polygons"),
        ("broken.geojson", "{not json", "cannot read it as GeoJSON"),
        ("grid.geojson", '{"type": "Polygon", "coordinates": [[[450000, 100000], [451000, '
         '100000], [451000, 101000], [450000, 100000]]]}', "not longitude and latitude"),
        ("empty.geojson", '{"type": "FeatureCollection", "features": []}', "no polygon"),
    ]:  # fmt: skip
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        with pytest.raises(AreaProblem, match=message):
            area_summary(hampshire, str(path))


def test_the_same_file_twice_adds_nothing(shared_data: Path, workspace: Workspace) -> None:
    path = shared_data / "policeuk" / "hampshire_street" / "2024-01-hampshire-street.csv"
    first, again = ingest_policeuk(workspace, path), ingest_policeuk(workspace, path)
    assert (first.accepted, again.accepted, again.duplicates) == (13_484, 0, 13_484)
    assert "ingested before" in again.notes[0]
    assert len(workspace.data_files("crimes")) == 1


def _row(month: str = "2025-03", **changes: str) -> list[str]:
    values = {
        "Crime ID": "c0ffee",
        "Month": month,
        "Reported by": "Test Constabulary",
        "Falls within": "Test Constabulary",
        "Longitude": "-1.130000",
        "Latitude": "50.790000",
        "Location": "On or near High Street",
        "LSOA code": "E01022800",
        "LSOA name": "Gosport 001A",
        "Crime type": "Drugs",
        "Last outcome category": "Under investigation",
        "Context": "",
    }
    values.update(changes)
    return [values[name] for name in STREET_HEADER]


def test_bad_rows_are_rejected_with_reasons_and_nothing_is_lost(
    workspace: Workspace, write_csv: object
) -> None:
    rows = [
        _row(),
        _row(month="March"),
        _row(month="2025-04"),
        _row(Longitude="west"),
        _row(Latitude="95.0"),
        _row(**{"Crime type": "Cyber crime"}),
        _row(**{"LSOA code": "", "LSOA name": "", "Longitude": "", "Latitude": ""}),
        ["", "", "", "", "", "", "", "", "", "", "", ""],
        ["too", "few"],
    ]
    path = write_csv("2025-03-test-street.csv", STREET_HEADER, rows)  # type: ignore[operator]
    summary = ingest_policeuk(workspace, path)
    assert summary.ok
    assert (summary.read, summary.accepted, summary.rejected, summary.blank) == (9, 3, 5, 1)
    with open(summary.rejects_file or "", encoding="utf-8") as handle:
        rejects = {
            int(r["row"]): (r["column"], r["value"], r["reason"]) for r in csv.DictReader(handle)
        }
    assert rejects[3] == ("Month", "March", "is not a month (YYYY-MM)")
    assert rejects[4] == ("Month", "2025-04", "is not in 2025-03, the month the file is named for")
    assert rejects[5][:2] == ("Longitude", "west")
    assert rejects[6][:2] == ("Latitude", "95.0")
    assert 10 in rejects  # the ragged row, with its text
    assert any("'Cyber crime'" in note for note in summary.notes)
    assert any("1 rows have no location" in note for note in summary.notes)


def test_a_file_with_another_header_is_refused_with_the_difference(
    workspace: Workspace, write_csv: object
) -> None:
    header = [name for name in STREET_HEADER if name != "Context"] + ["Notes"]
    path = write_csv("2025-03-test-street.csv", header, [_row()])  # type: ignore[operator]
    summary = ingest_policeuk(workspace, path)
    assert not summary.ok
    assert "missing Context; unexpected Notes" in (summary.error or "")
    assert workspace.data_files("crimes") == []
    swapped = [STREET_HEADER[1], STREET_HEADER[0], *STREET_HEADER[2:]]
    path = write_csv("2025-03-other-street.csv", swapped, [_row()])  # type: ignore[operator]
    assert "in another order" in (ingest_policeuk(workspace, path).error or "")
    path = write_csv("notes.csv", ["a", "b"], [["1", "2"]])  # type: ignore[operator]
    assert "not a police.uk" in (ingest_policeuk(workspace, path).error or "")
    path = write_csv("2025-03-test-street.csv", STREET_HEADER, [])  # type: ignore[operator]
    assert "no data rows" in (ingest_policeuk(workspace, path).error or "")


def test_a_republished_month_replaces_the_earlier_file(
    workspace: Workspace, write_csv: object, tmp_path: Path
) -> None:
    """police.uk republishes months; analyses count the file ingested last."""
    first = write_csv("2025-03-test-street.csv", STREET_HEADER, [_row(), _row()])  # type: ignore[operator]
    assert ingest_policeuk(workspace, first).accepted == 2
    later = tmp_path / "later"
    later.mkdir()
    again = later / "2025-03-test-street.csv"
    again.write_text(first.read_text(encoding="utf-8") + ",".join(_row()) + "\n", encoding="utf-8")
    assert ingest_policeuk(workspace, again).accepted == 3
    assert area_summary(workspace, "Gosport").total == 3


def test_cli_reads_folders_and_the_archive_zip(shared_data: Path, tmp_path: Path) -> None:
    street = shared_data / "policeuk" / "hampshire_street"
    archive = tmp_path / "police-uk-archive.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for month in ("2024-01", "2024-02"):
            zipped.write(
                street / f"{month}-hampshire-street.csv", f"{month}/{month}-hampshire-street.csv"
            )
        zipped.writestr("README.txt", "not data")
    ws = tmp_path / "ws"

    def place(*args: str) -> Result:
        return runner.invoke(app, ["--workspace", str(ws), "place", *args])

    result = place("ingest", str(archive), "--json")
    assert result.exit_code == 0, result.stderr
    assert [s["accepted"] for s in json.loads(result.stdout)] == [13_484, 13_133]
    assert (ws / "imports" / archive.name / "2024-01" / "2024-01-hampshire-street.csv").is_file()
    assert json.loads(place("summary", "--area", "Gosport", "--json").stdout)["total"] == 547 + 589
    chart = tmp_path / "gosport.svg"
    result = place("summary", "--area", "Gosport", "--chart", str(chart))
    assert result.exit_code == 0 and "1,136" in result.stdout
    drawn = chart.read_text(encoding="utf-8")
    assert drawn.startswith("<svg") and drawn.count("<polyline") >= 2 and ">24-02<" in drawn
    empty = tmp_path / "empty"
    empty.mkdir()
    result = place("ingest", str(empty))
    assert result.exit_code == 2 and "no police.uk files" in result.stderr
    result = place("summary", "--area", "Atlantis")
    assert result.exit_code == 2
    assert "LSOA name in the data matches 'Atlantis'" in result.stderr


STREET = (
    "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,"
    "Crime type,Last outcome category,Context\n"
    "abc,2024-01,Test Police,Test Police,-1.1,50.8,On or near Test Road,E01000001,Test 001A,"
    "Drugs,Under investigation,\n"
)


def _archive(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zipped:
        for name, data in members.items():
            zipped.writestr(name, data)
    return path


def test_an_archive_member_named_outside_its_folder_lands_inside(tmp_path: Path) -> None:
    """A member named ``../../…`` is extracted inside ``imports/`` (zipfile strips the
    climb), and the file ingested is the one extracted there, never the name as given."""
    workspace = Workspace.open(tmp_path / "ws")
    outside = tmp_path / "2024-01-test-street.csv"
    archive = _archive(tmp_path / "climb.zip",
                       {"../../2024-01-test-street.csv": STREET.encode()})  # fmt: skip
    (found,) = expand(workspace, archive)
    assert found.is_file() and (workspace.root / "imports") in found.parents
    assert not outside.exists()


def test_a_zip_bomb_is_refused_before_it_is_unpacked(tmp_path: Path) -> None:
    workspace = Workspace.open(tmp_path / "ws")
    bomb = _archive(tmp_path / "bomb.zip", {"2024-01-test-street.csv": b"0" * (256 << 20)})
    with pytest.raises(NoFiles, match=r"would unpack to 256 MiB from 0\.2 MiB"):
        expand(workspace, bomb)
    assert not list((workspace.root / "imports").rglob("*.csv"))
