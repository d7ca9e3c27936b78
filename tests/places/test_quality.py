"""Data-quality flags: the broken month in the real Hampshire files, and no flag for noise."""

from __future__ import annotations

from pathlib import Path

from fortress.ingest.policeuk import ingest_policeuk
from fortress.places.quality import quality
from fortress.places.summary import area_summary
from fortress.store.workspace import Workspace
from helpers.policeuk import Crime, write_street


def test_the_known_problems_of_the_real_files_are_flagged(hampshire: Workspace) -> None:
    """The August 2025 street file files most crimes as violence: ASB, burglary, shoplifting
    and the rest collapse while violence doubles. Half the February 2024 stop-and-search
    rows repeat another row exactly (970 extra copies against about 30 in other months).
    Nothing else is flagged."""
    result = quality(hampshire)
    assert result.flagged_months == ("2024-02", "2025-08")
    [repeats] = [flag for flag in result.flags if flag.scope == "repeats"]
    assert (repeats.name, repeats.month, repeats.count) == (
        "stop-and-search",
        "2024-02",
        970,
    )
    flagged = {flag.name: flag for flag in result.flags if flag.scope == "force"}
    assert flagged["Anti-social behaviour"].count == 430
    assert flagged["Violence and sexual offences"].ratio > 2
    assert "Public order" not in flagged  # 705 against its usual: not a factor of two
    assert {flag.scope for flag in result.flags} == {"force", "repeats"}
    summary = area_summary(hampshire, "Gosport")
    assert summary.flagged_months == ("2025-08",) and "2025-08" in summary.warnings[0]


def _month_file(folder: Path, month: str, districts: dict[str, int]) -> Path:
    crimes = [
        Crime(f"E0102{k % 10:04d}", f"{district} 00{k % 10}A", lon=-1.1, lat=50.8)
        for district, count in districts.items()
        for k in range(count)
    ]
    return write_street(folder, month, crimes)


def test_a_district_missing_from_one_month_is_flagged_and_noise_is_not(
    workspace: Workspace, tmp_path: Path
) -> None:
    """Harbourtown's rows are missing from May; Smallvale's handful of crimes wanders
    (3, 0, 5, 1, 4, 2) without being flagged."""
    small = [3, 0, 5, 1, 4, 2]
    for k, month in enumerate(["2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"]):
        harbour = 5 if month == "2025-05" else 120 + k
        path = _month_file(tmp_path, month, {"Harbourtown": harbour, "Inland": 200 + 3 * k,
                                             "Smallvale": small[k]})  # fmt: skip
        assert ingest_policeuk(workspace, path).ok
    flags = quality(workspace).flags
    districts = [(f.name, f.month) for f in flags if f.scope == "district"]
    assert districts == [("Harbourtown", "2025-05")]
    assert not [f for f in flags if "Smallvale" in f.name]
