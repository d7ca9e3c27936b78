"""Every sentence the places code prints follows from the figures beside it, on the edge
cases: nothing recorded, nothing to compare with, nothing significant."""

from __future__ import annotations

from pathlib import Path

from fortress.ingest.policeuk import ingest_policeuk
from fortress.places.evaluate import evaluate
from fortress.places.market import drug_market
from fortress.places.periods import Period
from fortress.store.workspace import Workspace
from helpers.policeuk import Crime, write_street

DISTRICTS = ("Ashby", "Brookton", "Carford", "Dunmere")


def test_no_violence_at_all_is_said_plainly(workspace: Workspace, tmp_path: Path) -> None:
    """Drug offences vary but no violence is recorded anywhere: the association cannot be
    estimated, and the words say why rather than claim less or more violence."""
    for month in range(1, 5):
        crimes = [
            Crime(f"E010900{k:02d}", f"{district} 001A", "Drugs")
            for k, district in enumerate(DISTRICTS)
            for _ in range(3 + (k * month) % 5)
        ]
        assert ingest_policeuk(workspace, write_street(tmp_path, f"2025-0{month}", crimes)).ok
    [offences] = drug_market(workspace).results
    assert offences.factor is None and "factor" not in offences.to_dict()
    assert "no violence" in offences.text
    assert "less violence" not in offences.text and "more violence" not in offences.text


def test_comparison_areas_without_the_crime_type_give_no_estimate(
    workspace: Workspace, tmp_path: Path
) -> None:
    """Burglary in the campaign area only: the comparison areas say nothing about what would
    have happened, so no change is estimated and the sentence says that."""
    months = ["2024-01", "2024-02", "2025-01", "2025-02"]
    for month in months:
        crimes = [Crime("E01090000", "Ashby 001A", "Burglary")] * 30
        crimes += [Crime("E01090001", "Brookton 001A", "Drugs")] * 40
        assert ingest_policeuk(workspace, write_street(tmp_path, month, crimes)).ok
    result = evaluate(workspace, "Ashby", Period.parse("2024-01..2024-02"),
                      Period.parse("2025-01..2025-02"), compare=["Brookton"])  # fmt: skip
    burglary = {r.crime_type: r for r in result.results}["Burglary"]
    assert burglary.estimate is None
    assert "comparison areas" in burglary.text and "too few" in burglary.text


def test_a_tiny_p_value_is_never_printed_as_zero() -> None:
    """The demo said "adjusted p = 0.000": a p-value is never zero."""
    from fortress.places.evaluate import _p_value

    assert _p_value(0.00004) == "< 0.001"
    assert _p_value(0.0006) == "= 0.001"
    assert _p_value(0.0421) == "= 0.042"
