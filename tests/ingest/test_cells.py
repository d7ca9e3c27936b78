"""Cell-site ingest: checks, rejects with values, duplicates and conflicting places."""

from __future__ import annotations

from pathlib import Path

import duckdb

from fortress.ingest.cells import ingest_cells
from fortress.store.workspace import Workspace

HEADER = ["cell_id", "lat", "lon", "azimuth_deg", "area"]


def cells_in(workspace: Workspace) -> list[tuple[str, float, float]]:
    files = [str(p) for p in workspace.data_files("cells")]
    if not files:
        return []
    return duckdb.execute(
        "SELECT cell_id, lat, lon FROM read_parquet(?) ORDER BY cell_id", [files]
    ).fetchall()


def test_good_rows_are_published_with_provenance(workspace, write_csv) -> None:
    path = write_csv(
        "cells.csv",
        HEADER,
        [["G1", "50.79", "-1.12", "120", "Gosport"], ["G2", "50.80", "-1.13", "", "Gosport"]],
    )
    summary = ingest_cells(workspace, path)
    assert (summary.read, summary.accepted, summary.rejected, summary.error) == (2, 2, 0, None)
    assert cells_in(workspace) == [("G1", 50.79, -1.12), ("G2", 50.80, -1.13)]


def test_bad_rows_are_rejected_with_their_values(workspace, write_csv, read_rejects) -> None:
    rows = [
        ["G1", "50.79", "-1.12", "120", "Gosport"],
        ["", "50.79", "-1.12", "", ""],
        ["G3", "91.5", "-1.12", "", ""],
        ["G4", "50.8", "east", "", ""],
        ["G5", "50.8", "-1.1", "360", ""],
    ]
    summary = ingest_cells(workspace, write_csv("cells.csv", HEADER, rows))
    assert (summary.accepted, summary.rejected) == (1, 4)
    found = [(r["row"], r["column"], r["value"]) for r in read_rejects(summary)]
    assert found == [
        ("3", "cell_id", ""),
        ("4", "lat", "91.5"),
        ("5", "lon", "east"),
        ("6", "azimuth_deg", "360"),
    ]


def test_blank_rows_are_counted_not_rejected(workspace, write_csv) -> None:
    path = write_csv("cells.csv", text="cell_id,lat,lon\nG1,50.79,-1.12\n,,\nG2,50.8,-1.1\n")
    summary = ingest_cells(workspace, path)
    assert (summary.read, summary.accepted, summary.blank, summary.rejected) == (3, 2, 1, 0)


def test_reingest_is_all_duplicates(workspace, write_csv) -> None:
    path = write_csv("cells.csv", HEADER, [["G1", "50.79", "-1.12", "", ""]])
    ingest_cells(workspace, path)
    again = ingest_cells(workspace, path)
    assert (again.accepted, again.duplicates, again.error) == (0, 1, None)
    assert len(cells_in(workspace)) == 1


def test_a_cell_that_moved_is_rejected_not_overwritten(workspace, write_csv, read_rejects) -> None:
    ingest_cells(workspace, write_csv("a.csv", HEADER, [["G1", "50.79", "-1.12", "", ""]]))
    moved = write_csv(
        "b.csv", HEADER, [["G1", "51.00", "-1.12", "", ""], ["G2", "50.70", "-1.10", "", ""]]
    )
    summary = ingest_cells(workspace, moved)
    assert (summary.accepted, summary.rejected) == (1, 1)
    assert "another place" in read_rejects(summary)[0]["reason"]
    assert ("G1", 50.79, -1.12) in cells_in(workspace)


def test_conflicts_within_a_file_only_count_valid_rows(workspace, write_csv, read_rejects) -> None:
    rows = [
        ["G1", "95", "-1.12", "", ""],  # out of range: rejected for that, not a place
        ["G1", "50.79", "-1.12", "", ""],
        ["G1", "50.80", "-1.12", "", ""],
    ]  # a second place for G1: a conflict
    summary = ingest_cells(workspace, write_csv("cells.csv", HEADER, rows))
    assert (summary.accepted, summary.rejected) == (1, 2)
    reasons = [r["reason"] for r in read_rejects(summary)]
    assert reasons[0].startswith("latitude") and "another place" in reasons[1]


def test_an_all_rejected_file_is_refused_but_its_rejects_are_kept(workspace, write_csv) -> None:
    summary = ingest_cells(workspace, write_csv("bad.csv", HEADER, [["G1", "x", "y", "", ""]]))
    assert summary.error is not None and "every row was rejected" in summary.error
    assert summary.rejects_file is not None and Path(summary.rejects_file).exists()
    assert workspace.data_files("cells") == []


def test_wrong_columns_are_named(workspace, write_csv) -> None:
    summary = ingest_cells(workspace, write_csv("c.csv", ["id", "lat", "lon"], [["G1", "1", "2"]]))
    assert summary.error is not None
    assert "missing: cell_id" in summary.error and "unknown: id" in summary.error
