"""Synthetic police.uk crime files: repeatable, in the published layout, in the world's
towns, with synthetic LSOA codes and the campaign the file beside them describes."""

from __future__ import annotations

import json
from pathlib import Path

from fortress.ingest.policeuk import ingest_policeuk
from fortress.places.summary import area_summary
from fortress.simulate import simulate
from fortress.store.workspace import Workspace


def test_crime_files_are_repeatable_ingestible_and_synthetic(tmp_path: Path) -> None:
    first = simulate(tmp_path / "a", seed=4, scale="demo", fmt="csv", crime=True)
    second = simulate(tmp_path / "b", seed=4, scale="demo", fmt="csv", crime=True)
    assert len(first.crime_files) == 24
    assert [p.read_bytes() for p in first.crime_files] == [
        p.read_bytes() for p in second.crime_files
    ]
    workspace = Workspace.open(tmp_path / "ws")
    for path in first.crime_files:
        summary = ingest_policeuk(workspace, path)
        assert summary.ok and summary.rejected == 0 and summary.notes == []
    campaign = json.loads((tmp_path / "a" / "crime" / "campaign.json").read_text())
    result = area_summary(workspace, campaign["town"])
    assert result.months[0] == "2024-01" and result.months[-1] == "2025-12"
    codes = {row.split(",")[7] for row in first.crime_files[0].read_text().splitlines()[1:]}
    assert codes and all(code.startswith("E0199") for code in codes)  # not an ONS code
    asb = {r.month: r.count for r in result.counts if r.crime_type == "Anti-social behaviour"}
    before = sum(asb[m] for m in asb if "2024-04" <= m <= "2024-12")
    during = sum(asb[m] for m in asb if "2025-04" <= m <= "2025-12")
    assert 0.45 < during / before < 0.75  # built as a 40% fall from the Hold phase
