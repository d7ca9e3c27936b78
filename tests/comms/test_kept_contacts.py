"""Contacts kept between runs and brought up to date by new files are those a scan of
every event gives."""

from __future__ import annotations

import json
from pathlib import Path

import ibis
import pyarrow as pa
import pytest

from fortress.comms import kept_contacts
from fortress.comms.events import contacts_of_numbers, span, with_local_time
from fortress.comms.kept_contacts import COLUMNS, KEPT_FOLDER, KeptContacts
from fortress.store import events as event_tables
from fortress.store.workspace import COMMS, Workspace
from helpers.worlds import ingest, split_workspace_beside, split_world

SORT = [("number", "ascending"), ("event_id", "ascending"), ("outgoing", "ascending")]


@pytest.fixture(scope="module")
def split(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    folder = tmp_path_factory.mktemp("split")
    parts, _woven, _rest = split_world(folder, seed=8)
    return folder, parts


def every_event(workspace: Workspace, backend: ibis.BaseBackend) -> ibis.Table:
    events = event_tables.table(backend, workspace, COMMS)
    assert events is not None
    when = span(events)
    assert when is not None
    return with_local_time(events, when)


def ordered(table: ibis.Table) -> pa.Table:
    result: pa.Table = table.select(*COLUMNS).to_pyarrow()
    return result.sort_by(SORT)


def busiest(local: ibis.Table, count: int, skip: int = 0) -> list[str]:
    """The ``count`` numbers sending the most events, after the ``skip`` busiest."""
    top = local.group_by(number=local.a_number).aggregate(n=local.count())
    rows = top.order_by([ibis.desc("n"), "number"]).limit(count, offset=skip).to_pyarrow()
    return [str(n) for n in rows["number"].to_pylist()]


def fetch(workspace: Workspace, backend: ibis.BaseBackend, numbers: list[str]) -> KeptContacts:
    """One run's fetch of ``numbers``; asserts it gives what a scan of every event gives."""
    local = every_event(workspace, backend)
    source = KeptContacts(workspace, backend, workspace.data_files(COMMS))
    found = ordered(source(numbers, local))
    assert found.num_rows > 0
    assert found == ordered(contacts_of_numbers(local, numbers))
    return source


def test_kept_contacts_follow_new_files_and_scan_only_for_new_numbers(
    split: tuple[Path, list[Path]], tmp_path: Path
) -> None:
    workspace = split_workspace_beside(split[0], tmp_path)
    backend = event_tables.connect(workspace)
    _folder, parts = split
    ingest(workspace, parts[0])
    first = busiest(every_event(workspace, backend), 5)
    source = fetch(workspace, backend, first)
    assert (source.from_kept, source.scanned) == (0, 5)
    ingest(workspace, parts[1])
    later = busiest(every_event(workspace, backend), 3, skip=5)
    source = fetch(workspace, backend, first[:2] + later)
    assert (source.from_kept, source.scanned) == (2, 3)
    ingest(workspace, parts[2])
    source = fetch(workspace, backend, first + later)
    assert (source.from_kept, source.scanned) == (8, 0)
    state = json.loads((workspace.root / KEPT_FOLDER / "state.json").read_text("utf-8"))
    assert state["numbers"] == sorted(first + later)
    assert len(state["files"]) == 3


def test_merged_chunks_and_damaged_or_outdated_states_give_the_same_contacts(
    split: tuple[Path, list[Path]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace = split_workspace_beside(split[0], tmp_path)
    backend = event_tables.connect(workspace)
    _folder, parts = split
    monkeypatch.setattr(kept_contacts, "MAX_CHUNKS", 1)
    for k, path in enumerate(parts[:2]):
        ingest(workspace, path)
        numbers = busiest(every_event(workspace, backend), 4, skip=4 * k)
        fetch(workspace, backend, numbers)
    state_path = workspace.root / KEPT_FOLDER / "state.json"
    assert len(json.loads(state_path.read_text("utf-8"))["chunks"]) == 1
    ingest(workspace, parts[2])
    numbers = busiest(every_event(workspace, backend), 8)
    state_path.write_text(state_path.read_text("utf-8")[:40], encoding="utf-8")
    assert fetch(workspace, backend, numbers).scanned == 8
    two = workspace.data_files(COMMS)[:2]
    fewer = KeptContacts(workspace, backend, two)
    events = event_tables.files_table(backend, two, "two")
    assert events is not None
    when = span(events)
    assert when is not None
    local = with_local_time(events, when)
    found = ordered(fewer(numbers[:1], local))
    assert fewer.scanned == 1  # a kept file is not among the run's: nothing kept holds
    assert found == ordered(contacts_of_numbers(local, numbers[:1]))
