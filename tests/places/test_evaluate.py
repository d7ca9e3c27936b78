"""Campaign evaluation: Gosport against Havant, Fareham and Portsmouth counted independently
from the raw files, a planted effect recovered, no effect not claimed, and bad designs
refused with the reason."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fortress.cli.main import app
from fortress.ingest.policeuk import ingest_policeuk
from fortress.places.evaluate import ALL, EvaluationProblem, evaluate
from fortress.places.periods import Period
from fortress.store.workspace import Workspace
from helpers.policeuk import Crime, write_street

runner = CliRunner()
BEFORE, AFTER = Period.parse("2024-01..2024-04"), Period.parse("2025-01..2025-04")


def _raw_counts(shared_data: Path, prefix: str, period: Period) -> Counter[str]:
    """Crimes per type in LSOAs named ``prefix``..., read straight from the CSVs."""
    found: Counter[str] = Counter()
    for path in sorted((shared_data / "policeuk" / "hampshire_street").glob("*.csv")):
        if not period.first <= path.name[:7] <= period.last:
            continue
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                if row["LSOA name"].startswith(prefix):
                    found[row["Crime type"]] += 1
    return found


def test_gosport_before_and_after_counts_match_the_raw_files(
    hampshire: Workspace, shared_data: Path
) -> None:
    result = evaluate(
        hampshire, "Gosport", BEFORE, AFTER, compare=["Havant", "Fareham", "Portsmouth"]
    )
    before, after = (_raw_counts(shared_data, "Gosport", p) for p in (BEFORE, AFTER))
    rows = {row.crime_type: row for row in result.results}
    assert rows[ALL].before == sum(before.values()) == 547 + 589 + 640 + 582
    assert rows[ALL].after == sum(after.values())
    for crime_type, row in rows.items():
        if crime_type != ALL:
            assert (row.before, row.after) == (before[crime_type], after[crime_type])
    assert [c.name for c in result.comparisons] == ["Havant", "Fareham", "Portsmouth"]
    assert result.warnings == ()  # August 2025 is outside these periods
    for row in result.results:
        if row.estimate is not None:
            assert row.low < row.estimate < row.high
            assert ("cannot show" in row.text) == (row.low <= 0 <= row.high)
    assert "too few crimes" in rows["Robbery"].text  # 11 before, 7 after


def test_a_flagged_month_in_the_periods_is_warned_about(hampshire: Workspace) -> None:
    late = Period.parse("2025-06..2025-09")
    result = evaluate(hampshire, "Gosport", BEFORE, late, auto_compare=True)
    assert len(result.comparisons) == 3
    assert "Gosport" not in [c.name for c in result.comparisons]
    assert len(result.warnings) == 1 and result.warnings[0].startswith("2025-08")


def _write_areas(folder: Path, month: str, counts: dict[str, int]) -> Path:
    crimes = [
        Crime(f"E010900{number:02d}", f"{district} 001A")
        for number, (district, count) in enumerate(counts.items())
        for _ in range(count)
    ]
    return write_street(folder, month, crimes)


@pytest.mark.parametrize("effect", [0.6, 1.0])
def test_a_planted_effect_is_recovered_and_no_effect_is_not_claimed(
    workspace: Workspace, tmp_path: Path, effect: float
) -> None:
    """Counts that follow the model exactly (area level x month level, times ``effect`` in
    the campaign area after): the estimate is effect - 1; with no effect, no claim."""
    levels = {"Campaignton": 200, "Otherby": 150, "Thirdford": 300}
    season = [1.0, 0.9, 1.2, 1.1, 1.05, 0.95, 1.25, 1.15]
    months = [
        "2024-01",
        "2024-02",
        "2024-03",
        "2024-04",
        "2025-01",
        "2025-02",
        "2025-03",
        "2025-04",
    ]
    for k, month in enumerate(months):
        counts = {}
        for name, level in levels.items():
            factor = effect if name == "Campaignton" and month >= "2025" else 1.0
            counts[name] = round(level * season[k] * factor)
        assert ingest_policeuk(workspace, _write_areas(tmp_path, month, counts)).ok
    result = evaluate(workspace, "Campaignton", BEFORE, AFTER, compare=["Otherby", "Thirdford"])
    overall = result.results[0]
    assert overall.estimate == pytest.approx(effect - 1, abs=0.01)
    if effect == 1.0:
        assert "cannot show a change" in overall.text
    else:
        assert overall.text.startswith("All crime in Campaignton fell 40.")
        assert overall.high < 0


def test_bad_designs_are_refused_with_the_reason(hampshire: Workspace) -> None:
    with pytest.raises(EvaluationProblem, match="must start after"):
        evaluate(hampshire, "Gosport", AFTER, BEFORE, compare=["Havant"])
    with pytest.raises(EvaluationProblem, match="cannot separate the campaign"):
        evaluate(hampshire, "Gosport", BEFORE, AFTER)
    with pytest.raises(EvaluationProblem, match="not both"):
        evaluate(hampshire, "Gosport", BEFORE, AFTER, compare=["Havant"], auto_compare=True)
    with pytest.raises(EvaluationProblem, match="overlap"):
        evaluate(hampshire, "Gosport", BEFORE, AFTER, compare=["Gosport 001"])
    with pytest.raises(EvaluationProblem, match="no months of data in the before period"):
        evaluate(hampshire, "Gosport", Period.parse("2023-01..2023-04"), AFTER, compare=["Havant"])


def test_evaluate_on_the_command_line(hampshire: Workspace) -> None:
    def place(*args: str) -> tuple[int, str, str]:
        result = runner.invoke(app, ["--workspace", str(hampshire.root), "place", *args])
        return result.exit_code, result.stdout, result.stderr

    args = ["evaluate", "--area", "Gosport", "--before", str(BEFORE), "--after", str(AFTER)]
    code, out, _ = place(*args, "--compare", "Havant,Fareham,Portsmouth")
    assert code == 0 and "relative to comparable areas" in out and "Method:" in out
    code, out, _ = place(*args, "--compare", "Havant", "--json")
    assert code == 0 and json.loads(out)["results"][0]["crime_type"] == ALL
    code, _, err = place(*args)
    assert code == 2 and "--compare" in err
