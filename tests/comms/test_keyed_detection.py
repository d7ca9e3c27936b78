"""Detection by number keys (``columns.NUMBER_KEYS``) finds what detection by the numbers
themselves finds: the same workspace detected with its files' keys, then with the keys
removed (as in files published before ingest wrote them)."""

from __future__ import annotations

import shutil
from pathlib import Path

import ibis
import pyarrow.parquet as pq

from fortress.comms.events import has_number_keys
from fortress.comms.fingerprint import differences, fingerprint
from fortress.comms.lines import KEPT_FOLDERS, run_detection
from fortress.model import columns as c
from fortress.store import events as event_tables
from fortress.store.workspace import COMMS, Workspace
from helpers.worlds import ingest_world


def _comms_has_keys(workspace: Workspace) -> bool:
    events = event_tables.table(ibis.duckdb.connect(), workspace, COMMS)
    assert events is not None
    return has_number_keys(events)


def _detect_from_scratch(workspace: Workspace) -> dict:
    for folder in KEPT_FOLDERS:
        shutil.rmtree(workspace.root / folder, ignore_errors=True)
    return fingerprint(workspace, run_detection(workspace).run_id)


def test_detection_by_number_keys_finds_what_detection_by_numbers_finds(tmp_path: Path) -> None:
    workspace = ingest_world(tmp_path, seed=5).workspace
    assert _comms_has_keys(workspace)
    keyed = _detect_from_scratch(workspace)
    assert keyed["lines"], "the world's lines were found"
    for path in workspace.data_files(COMMS):
        pq.write_table(pq.read_table(path).drop_columns(list(c.NUMBER_KEYS)), path)
    event_tables.keys_complete.cache_clear()
    assert not _comms_has_keys(workspace)
    assert differences(_detect_from_scratch(workspace), keyed) == []
