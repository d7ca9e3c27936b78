"""``fortress numbers profile``, ``profiles`` and ``schedule`` on bandicoot's manual user A,
whose indicators bandicoot's authors computed by hand (``expected_results/manual_A.json``):
the tables say what the JSON says, and a schedule's rows are the file's rows."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fortress.cli import render
from fortress.cli.main import app
from fortress.ingest.cells import ingest_cells
from fortress.ingest.comms import ingest_comms
from fortress.sources.mapping import load_spec
from fortress.store.workspace import Workspace

pytestmark = pytest.mark.shared_data

SPEC = Path(__file__).parents[1] / "ingest" / "specs" / "bandicoot.yaml"
OWNER = "07700900998"
runner = CliRunner()


@pytest.fixture
def user_a(shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A workspace of user A's seven records and bandicoot's towers."""
    samples = shared_data / "bandicoot_samples" / "tests_samples"
    workspace = Workspace.open(tmp_path / "ws")
    assert ingest_comms(workspace, samples / "manual" / "A.csv", spec=load_spec(SPEC),
                        owner=OWNER).ok  # fmt: skip
    towers = (samples / "towers.csv").read_text().splitlines()
    (tmp_path / "cells.csv").write_text("\n".join(["cell_id,lat,lon", *towers[1:]]) + "\n")
    assert ingest_cells(workspace, tmp_path / "cells.csv").ok
    monkeypatch.setattr(render.console, "width", 100)
    return tmp_path / "ws"


def _run(workspace: Path, *args: str) -> str:
    result = runner.invoke(app, ["--workspace", str(workspace), *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_profile_table_shows_the_hand_computed_values(user_a: Path) -> None:
    shown = _run(user_a, "numbers", "profile", OWNER, "--zone", "UTC")
    assert "Profile of +447700900998, every day (UTC): 7 calls and texts (7 with a cell)" in shown
    assert "Home cell: 13086 at 50.85044, 4.35169: 2 of the 3 night half-hours" in shown
    cells = [[cell.strip() for cell in line.split("│")[1:-1]] for line in shown.splitlines()]
    row = {(line[0], line[1]): line[2:] for line in cells if len(line) == 4}
    # manual_A.json: call durations 339.5 on average, text response delay 180 s, entropy of
    # call contacts 0.6931, at home 0.6667, 2 active days
    assert row["Call duration", "calls"] == ["mean 339.500, median 339.500 (137 to", "seconds"]
    assert row["Text response delay", "calls and texts"][0].startswith("mean 180,")
    assert row["Entropy of contacts", "calls"] == ["0.693", "nats"]
    assert row["At home", "cells"] == ["0.667", "share"]
    assert row["Active days", "calls and texts"] == ["2", "days"]
    assert "By local hour, 00 to 23 (█ = 5 records" in shown
    assert "By local weekday: Mon 0, Tue 0, Wed 1, Thu 6, Fri 0, Sat 0, Sun 0." in shown
    assert "[1] bandicoot 0.6 (de Montjoye, Rocher & Pentland 2016, JMLR 17(175))" in shown


def test_the_profile_json_is_the_service_s(user_a: Path) -> None:
    from fortress.comms.profiles import period, profile_number

    shown = json.loads(_run(user_a, "numbers", "profile", OWNER, "--zone", "UTC", "--json"))
    expected = profile_number(Workspace.open(user_a), OWNER, period(None, None, "UTC"))
    assert shown == expected.model_dump(mode="json")


def test_the_profiles_table_round_trips_through_csv(user_a: Path, tmp_path: Path) -> None:
    out = tmp_path / "profiles.csv"
    said = " ".join(_run(user_a, "numbers", "profiles", "--out", str(out), "--zone", "UTC").split())
    assert said.startswith(f"Wrote profiles of 4 numbers (35 columns) to {out} in ")
    assert said.endswith("s; period every day (UTC).")
    rows = {row["number"]: row for row in csv.DictReader(out.open(encoding="utf-8"))}
    # the owner and A's three contacts (ids A, B, C: a source's opaque subscriber ids)
    assert sorted(rows) == ["+447700900998", "A", "B", "C"]
    owner = rows["+447700900998"]
    assert float(owner["call_duration__call__mean"]) == 339.5
    assert float(owner["entropy_of_contacts__call"]) == pytest.approx(0.6931, abs=1.5e-4)
    assert owner["number_of_contacts__text"] == "1"
    assert rows["A"]["number_of_interactions__text"] == ""  # A never texted: no value
    as_json = json.loads(_run(user_a, "numbers", "profiles", "--out", str(out), "--json"))
    assert (as_json["numbers"], as_json["columns"]) == (4, 35)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["profile", OWNER, "--from", "2014-08-32"], "--from '2014-08-32' is not a day"),
        (["profile", OWNER, "--zone", "Nowhere/Town"], "unknown time zone 'Nowhere/Town'"),
        (["profile", "07700900999"], "+447700900999 has no calls or texts on every day"),
        (["profile", OWNER, "--from", "2015-01-01"], "no calls or texts on days 2015-01-01"),
        (["profiles", "--out", "p.xlsx"], "p.xlsx: write the table as .csv or .parquet"),
    ],
)
def test_mistakes_are_clear_errors(user_a: Path, args: list[str], says: str) -> None:
    result = runner.invoke(app, ["--workspace", str(user_a), "numbers", *args])
    assert result.exit_code == 2
    assert says in " ".join(result.output.split())


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--numbers", OWNER, "--out", "s.docx"], "s.docx: write a schedule as .csv, .xlsx"),
        (["--numbers", ",", "--out", "s.csv"], "name at least one number"),
        (["--numbers", OWNER, "--attribute", OWNER, "--out", "s.csv"], "--attribute takes two"),
        (["--numbers", OWNER, "--from", "2014-08-22", "--to", "2014-08-21", "--out", "s.csv"],
         "--to 2014-08-21 is before --from 2014-08-22"),
    ],
)  # fmt: skip
def test_schedule_mistakes_are_clear_errors(user_a: Path, args: list[str], says: str) -> None:
    result = runner.invoke(app, ["--workspace", str(user_a), "schedule", *args])
    assert result.exit_code == 2
    assert says in " ".join(result.output.split())


def test_a_schedule_s_rows_are_the_file_s_rows(
    user_a: Path, shared_data: Path, tmp_path: Path
) -> None:
    """Every row of A's schedule names the line of A.csv it came from, and says what that
    line says (bandicoot's times are naive, read as UTC)."""
    out = tmp_path / "a.csv"
    said = " ".join(_run(user_a, "schedule", "--numbers", OWNER, "--out", str(out)).split())
    assert said.startswith(f"Wrote a schedule of 7 rows to {out} (CSV, ")
    source = shared_data / "bandicoot_samples" / "tests_samples" / "manual" / "A.csv"
    lines = source.read_text().splitlines()
    content = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))
    header = content.index(["row", "UTC", "local", "event", "from", "to", "duration (s)",
                            "answered", "from cell", "from cell site", "to cell", "to cell site",
                            "from IMEI", "to IMEI", "detail", "exhibit", "source file",
                            "source SHA-256", "source row"])  # fmt: skip
    rows = content[header + 1 :]
    assert len(rows) == 7
    for row in rows:
        interaction, direction, other, when, seconds, cell = lines[int(row[18]) - 1].split(",")
        assert row[16] == "A.csv" and row[1] == when
        assert row[6] == (seconds if interaction == "call" else "")
        assert (row[3], row[4] if direction == "in" else row[5]) == (
            "call" if interaction == "call" else "SMS", other,
        )  # fmt: skip
        assert (row[8] if direction == "out" else row[10]) == cell
    assert any("these records hold no casework" in line[0] for line in content[:header])
    as_json = json.loads(_run(user_a, "schedule", "--numbers", OWNER, "--out", str(out), "--json"))
    assert (as_json["rows"], as_json["format"]) == (7, "csv")
