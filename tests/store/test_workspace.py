"""One conformance suite for the workspace, run on every record-database backend."""

from __future__ import annotations

from pathlib import Path

import pytest

from fortress.ingest.cells import ingest_cells
from fortress.ingest.comms import ingest_comms
from fortress.sources.mapping import preset
from fortress.store import events
from fortress.store.workspace import CELLS, COMMS, Workspace, WorkspaceError

CANONICAL = preset("canonical")

EVENTS_CSV = """event_id,start,kind,a_number,b_number,duration_s
e1,2025-01-06T08:00:00Z,sms,07700 900001,07700 900002,0
e2,2025-01-06T08:01:00Z,call,07700 900002,07700 900001,42
e3,2025-01-07T21:30:00Z,sms,07700 900001,07700 900003,0
"""


@pytest.fixture
def events_csv(tmp_path: Path) -> Path:
    path = tmp_path / "events.csv"
    path.write_text(EVENTS_CSV, encoding="utf-8")
    return path


def open_workspace(tmp_path: Path, database_url: str | None) -> Workspace:
    return Workspace.open(tmp_path / "ws", database_url=database_url)


def test_ingest_is_recorded_in_the_manifest(
    tmp_path: Path, database_url: str | None, events_csv: Path
) -> None:
    workspace = open_workspace(tmp_path, database_url)
    summary = ingest_comms(workspace, events_csv, spec=CANONICAL)
    assert (summary.accepted, summary.rejected, summary.error) == (3, 0, None)
    [batch] = workspace.batches(COMMS)
    assert batch.status == "published"
    assert batch.accepted == 3
    assert batch.source_sha256 == summary.sha256
    [file] = workspace.data_files(COMMS)
    assert file.exists()
    assert file.parent == tmp_path / "ws" / "events" / COMMS


def test_status_counts_what_was_ingested(
    tmp_path: Path, database_url: str | None, events_csv: Path
) -> None:
    workspace = open_workspace(tmp_path, database_url)
    ingest_comms(workspace, events_csv, spec=CANONICAL)
    cells = tmp_path / "cells.csv"
    cells.write_text("cell_id,lat,lon\nC1,50.79,-1.12\n", encoding="utf-8")
    ingest_cells(workspace, cells)
    report = events.status_report(workspace)
    assert report.comms.events == 3
    assert report.comms.numbers == 3
    assert report.comms.by_kind == {"sms": 2, "call": 1}
    assert report.comms.first_event_utc == "2025-01-06T08:00:00"
    assert (report.comms.events_with_flags, report.comms.events_by_flag) == (0, {})
    assert report.cells.cells == 1
    assert report.ingests.published == 2
    assert report.to_dict()["comms"]["events"] == 3


def test_status_counts_events_per_flag_and_rejects_per_reason(
    tmp_path: Path, database_url: str | None
) -> None:
    workspace = open_workspace(tmp_path, database_url)
    flagged = tmp_path / "flagged.csv"
    flagged.write_text(
        "start,kind,a_number,b_number,duration_s\n"
        "2025-01-06T08:00:00Z,call,Withheld,999,30\n"
        "2025-01-06T08:01:00Z,call,Private,07700 900001,12\n"
        "2025-01-06T08:02:00Z,call,07700 900002,07700 900001,-4\n"
        "2025-01-06T08:03:00Z,call,07700 900002,07700 900001,-5\n",
        encoding="utf-8",
    )
    ingest_comms(workspace, flagged, spec=CANONICAL)
    report = events.status_report(workspace)
    assert report.comms.events_with_flags == 2
    assert report.comms.events_by_flag == {"a_withheld": 2, "b_short_code": 1}
    assert report.ingests.rejected_by_reason == {"negative duration": 2}
    [batch] = report.files
    assert batch.reject_reasons == {"negative duration": 2}


def test_a_refused_file_is_recorded_as_failed_and_adds_nothing(
    tmp_path: Path, database_url: str | None
) -> None:
    workspace = open_workspace(tmp_path, database_url)
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    summary = ingest_comms(workspace, empty, spec=CANONICAL)
    assert summary.error is not None and "empty" in summary.error
    [batch] = workspace.batches()
    assert batch.status == "failed" and batch.error == summary.error
    assert workspace.data_files(COMMS) == []


def test_reopening_keeps_everything(
    tmp_path: Path, database_url: str | None, events_csv: Path
) -> None:
    ingest_comms(open_workspace(tmp_path, database_url), events_csv, spec=CANONICAL)
    again = open_workspace(tmp_path, database_url)
    assert len(again.data_files(COMMS)) == 1
    assert again.data_files(CELLS) == []
    assert again.info("schema_version") == "2"


def test_sweep_removes_only_what_no_manifest_row_names(
    tmp_path: Path, database_url: str | None, events_csv: Path
) -> None:
    workspace = open_workspace(tmp_path, database_url)
    ingest_comms(workspace, events_csv, spec=CANONICAL)
    orphan = workspace.table_dir(COMMS) / "orphan.parquet"
    orphan.write_bytes(b"PAR1 left by a crash")
    abandoned = workspace.root / "tmp" / "dead-batch"
    abandoned.mkdir()
    with workspace.write_lock():
        removed = workspace.sweep()
    assert set(removed) == {orphan, abandoned}
    assert len(workspace.data_files(COMMS)) == 1


def test_a_running_ingest_staging_is_not_swept(tmp_path: Path) -> None:
    workspace = Workspace.open(tmp_path / "ws")
    with workspace.staging("live-batch") as folder:
        with workspace.write_lock():
            assert workspace.sweep() == []
        assert folder.exists()
    assert not folder.exists()


def test_a_file_in_place_of_the_workspace_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "ws"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(WorkspaceError, match="not a directory"):
        Workspace.open(blocker)


def test_a_newer_schema_version_is_refused(tmp_path: Path) -> None:
    workspace = Workspace.open(tmp_path / "ws")
    from fortress.store.models import WorkspaceInfo

    with workspace.sessions.begin() as session:
        session.get(WorkspaceInfo, "schema_version").value = "99"  # type: ignore[union-attr]
    with pytest.raises(WorkspaceError, match="schema version 99"):
        Workspace.open(tmp_path / "ws")


def test_a_bad_database_url_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(WorkspaceError, match="cannot use database URL"):
        Workspace.open(tmp_path / "ws", database_url="nosuchdb://x")
