"""Drug market and violence: a planted lagged association recovered, none claimed where
there is none, the flagged month left out of the real data, and the CLI."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fortress.cli.main import app
from fortress.comms.lines import line_activity, list_lines, run_detection
from fortress.ingest.cells import ingest_cells
from fortress.ingest.comms import ingest_comms
from fortress.ingest.policeuk import ingest_policeuk
from fortress.places.line_market import line_indicators
from fortress.places.market import drug_market
from fortress.simulate import simulate
from fortress.sources.mapping import preset
from fortress.store.workspace import Workspace
from helpers.policeuk import Crime, write_street

runner = CliRunner()
DISTRICTS = {"Ashby": 300, "Brookton": 200, "Carford": 450, "Dunmere": 250, "Eastwick": 350}
DRUGS = {  # per district, months 1..6: varied so that the association is identifiable
    "Ashby": [5, 40, 12, 30, 8, 22],
    "Brookton": [25, 6, 35, 10, 28, 4],
    "Carford": [15, 18, 50, 9, 33, 12],
    "Dunmere": [3, 27, 7, 44, 16, 20],
    "Eastwick": [30, 11, 19, 5, 42, 26],
}


def _write(folder: Path, month: int, power: float) -> Path:
    crimes = []
    for number, (district, base) in enumerate(DISTRICTS.items()):
        drugs = DRUGS[district][month - 1]
        previous = DRUGS[district][month - 2] if month > 1 else 10
        noise = (number * 7 + month * 3) % 5 - 2  # small, and unrelated to drugs
        violence = round(base * (1 + 0.1 * month) * (1 + previous) ** power) + noise
        place = (f"E010900{number:02d}", f"{district} 001A")
        crimes += [Crime(*place, "Drugs")] * drugs
        crimes += [Crime(*place, "Violence and sexual offences")] * violence
    return write_street(folder, f"2025-0{month}", crimes)


@pytest.mark.parametrize("power", [0.3, 0.0])
def test_a_planted_association_is_recovered_and_none_is_not_claimed(
    workspace: Workspace, tmp_path: Path, power: float
) -> None:
    for month in range(1, 7):
        assert ingest_policeuk(workspace, _write(tmp_path, month, power)).ok
    [offences] = drug_market(workspace).results  # no stop-search files: one indicator
    assert offences.district_months == 5 * 5  # month 1 has no earlier month
    assert offences.factor == pytest.approx(math.exp(power), rel=0.01)
    assert ("no association the data can show" in offences.text) == (power == 0.0)


def test_real_data_leaves_the_flagged_month_out(hampshire: Workspace) -> None:
    result = drug_market(hampshire)
    assert result.left_out_months == ("2025-08",)
    offences, searches = result.results
    assert "2025-08" not in offences.months and "2025-09" not in offences.months
    # February 2024's searches are half repeated rows (flagged), so March has no earlier month
    assert searches.months == ("2024-02", "2024-04")
    assert offences.low is not None and offences.factor is not None and offences.high is not None
    assert offences.low < offences.factor < offences.high
    code = runner.invoke(app, ["--workspace", str(hampshire.root), "place", "drug-market",
                               "--json"])  # fmt: skip
    assert code.exit_code == 0 and json.loads(code.stdout)["caveats"].startswith("An association")
    bad = runner.invoke(app, ["--workspace", str(hampshire.root), "place", "drug-market",
                              "--lag", "0"])  # fmt: skip
    assert bad.exit_code == 2 and "--lag" in bad.stderr


def test_comms_indicators_join_the_districts_their_customers_live_in(tmp_path: Path) -> None:
    """A world of ten weeks with its crime files: each detected line counts in its
    customers' town, month by month, with its confirmed transactions."""
    world = tmp_path / "world"
    simulate(world, seed=2, scale=150_000, days=70, fmt="parquet", crime=True)
    workspace = Workspace.open(tmp_path / "ws")
    for path in sorted((world / "comms").glob("*.parquet")):
        assert ingest_comms(workspace, path, spec=preset("canonical")).ok
    assert ingest_cells(workspace, world / "cells.csv").ok
    for path in sorted((world / "crime").glob("*.csv")):
        assert ingest_policeuk(workspace, path).ok
    assert drug_market(workspace).results[0].indicator == "drug offences"
    run_detection(workspace)
    indicators = line_indicators(workspace)
    assert indicators is not None
    towns = {town for town, _ in indicators["confirmed transactions"]}
    truth = json.loads((world / "ground_truth.json").read_text(encoding="utf-8"))
    assert towns and towns <= {line["town"] for line in truth["lines"]}  # where they sell
    total = sum(
        day.confirmed
        for line in list_lines(workspace)
        for day in line_activity(workspace, line.line_id).days
    )
    assert sum(indicators["confirmed transactions"].values()) == total > 0
    months = {month for _, month in indicators["active deal lines"]}
    assert months == {"2025-01", "2025-02", "2025-03"}
    names = [r.indicator for r in drug_market(workspace).results]
    assert names == ["drug offences", "active deal lines", "confirmed transactions"]
