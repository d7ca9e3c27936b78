"""Tallies kept file by file give what one tally over every event gives."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa
import pytest

from fortress.comms import tallies
from fortress.comms.events import span, with_local_time
from fortress.comms.profile_table import profile_table
from fortress.comms.profiles import period
from fortress.comms.tallies import CELL_USE, PAIRS, KeptTallies, Tally
from fortress.store import events as event_tables
from fortress.store.workspace import COMMS, Workspace
from helpers.spark import require_spark
from helpers.worlds import ingest, split_workspace_beside, split_world

TALLIES = (CELL_USE, PAIRS, tallies.nights(6), tallies.nights(4))


def ordered(table: ibis.Table, tally: Tally) -> pa.Table:
    result: pa.Table = table.select(*tally.columns()).to_pyarrow()
    return result.sort_by([(key, "ascending") for key in tally.keys])


def over_every_event(workspace: Workspace, backend: ibis.BaseBackend, tally: Tally) -> pa.Table:
    events = event_tables.table(backend, workspace, COMMS)
    assert events is not None
    when = span(events)
    assert when is not None
    return ordered(tally.counted(with_local_time(events, when)), tally)


def kept(workspace: Workspace, backend: ibis.BaseBackend) -> KeptTallies:
    return KeptTallies(workspace, backend, workspace.data_files(COMMS))


@pytest.fixture(scope="module")
def split(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    folder = tmp_path_factory.mktemp("split")
    parts, _woven, _rest = split_world(folder, seed=7)
    return folder, parts


@pytest.fixture
def drops(
    split: tuple[Path, list[Path]], tmp_path: Path
) -> tuple[Workspace, ibis.BaseBackend, list[Path]]:
    """A new workspace for the split world (its cell sites only), its DuckDB engine, and
    the world's three drops of events to ingest."""
    folder, parts = split
    workspace = split_workspace_beside(folder, tmp_path)
    return workspace, event_tables.connect(workspace), parts


def test_tallies_kept_over_three_drops_equal_one_tally_of_every_event(
    drops: tuple[Workspace, ibis.BaseBackend, list[Path]],
) -> None:
    workspace, backend, parts = drops
    for count, path in enumerate(parts, start=1):
        ingest(workspace, path)
        source = kept(workspace, backend)
        for tally in TALLIES:
            assert ordered(source(tally), tally) == over_every_event(workspace, backend, tally)
            assert (source.reused[tally.name], source.tallied[tally.name]) == (count - 1, 1)
    again = kept(workspace, backend)
    rows = {tally.name: again(tally).count().to_pyarrow().as_py() for tally in TALLIES}
    assert all(rows.values()), rows
    assert again.tallied == {tally.name: 0 for tally in TALLIES}
    assert len(json.loads(state(workspace, PAIRS).read_text("utf-8"))["chunks"]) == 3


def state(workspace: Workspace, tally: Tally) -> Path:
    return workspace.root / tallies.KEPT_FOLDER / tally.name / "state.json"


def test_chunks_are_merged_when_many_and_the_sums_stand(
    drops: tuple[Workspace, ibis.BaseBackend, list[Path]], monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace, backend, parts = drops
    monkeypatch.setattr(tallies, "MAX_CHUNKS", 2)
    for path in parts:
        ingest(workspace, path)
        kept(workspace, backend)(CELL_USE)
    saved = json.loads(state(workspace, CELL_USE).read_text("utf-8"))
    chunks = saved["chunks"]
    assert len(chunks) == 1 and len(saved["covers"][chunks[0]]) == 3
    found = ordered(kept(workspace, backend)(CELL_USE), CELL_USE)
    assert found == over_every_event(workspace, backend, CELL_USE)
    # The merged chunks stay while the run that merged them may read them; the next
    # run removes them.
    files = sorted(p.name for p in state(workspace, CELL_USE).parent.iterdir())
    assert files == sorted([chunks[0], "lock", "state.json"])


@pytest.mark.parametrize(
    "damage",
    ["state cut short", "state of another version", "chunk missing", "file counted twice"],
)
def test_a_damaged_kept_tally_is_tallied_again_never_counted_wrong(
    drops: tuple[Workspace, ibis.BaseBackend, list[Path]], damage: str
) -> None:
    workspace, backend, parts = drops
    for path in parts[:2]:
        ingest(workspace, path)
        kept(workspace, backend)(CELL_USE)
    path = state(workspace, CELL_USE)
    saved = json.loads(path.read_text("utf-8"))
    if damage == "state cut short":
        path.write_text(path.read_text("utf-8")[:30], encoding="utf-8")
    elif damage == "state of another version":
        path.write_text(json.dumps({**saved, "version": 0}), encoding="utf-8")
    elif damage == "chunk missing":
        (path.parent / saved["chunks"][1]).unlink()
    else:
        first, second = saved["chunks"]
        saved["covers"][second] = saved["covers"][first] + saved["covers"][second]
        path.write_text(json.dumps(saved), encoding="utf-8")
    source = kept(workspace, backend)
    assert ordered(source(CELL_USE), CELL_USE) == over_every_event(workspace, backend, CELL_USE)
    assert source.reused[CELL_USE.name] == (1 if damage == "file counted twice" else 0)


def test_a_file_no_longer_published_drops_its_chunk(
    drops: tuple[Workspace, ibis.BaseBackend, list[Path]],
) -> None:
    """A chunk stands only while every file it tallies is among the run's files."""
    workspace, backend, parts = drops
    for path in parts:
        ingest(workspace, path)
        kept(workspace, backend)(PAIRS)
    files = workspace.data_files(COMMS)
    fewer = KeptTallies(workspace, backend, files[:2])
    found = ordered(fewer(PAIRS), PAIRS)
    assert fewer.reused[PAIRS.name] == 2 and fewer.tallied[PAIRS.name] == 0
    only_two = event_tables.files_table(backend, files[:2], "two")
    assert only_two is not None
    assert found == ordered(PAIRS.counted(only_two), PAIRS)


@pytest.mark.slow
def test_tallies_kept_on_spark_equal_duckdb(
    drops: tuple[Workspace, ibis.BaseBackend, list[Path]],
) -> None:
    require_spark()
    workspace, duckdb, parts = drops
    spark = event_tables.connect(workspace, "spark")
    try:
        for path in parts[:2]:
            ingest(workspace, path)
            source = kept(workspace, spark)
            for tally in (CELL_USE, tallies.nights(6)):
                expected = over_every_event(workspace, duckdb, tally)
                assert ordered(source(tally), tally).cast(expected.schema) == expected
        # in the same session: the table of every number's profile (comms.profile_table)
        on_spark = event_tables.table(spark, workspace, COMMS)
        on_duckdb = event_tables.table(duckdb, workspace, COMMS)
        assert on_spark is not None and on_duckdb is not None
        assert _profiles(on_spark) == _profiles(on_duckdb)
    finally:
        spark._session.stop()


def _profiles(comms: ibis.Table) -> set[tuple[Any, ...]]:
    """Every row of the profile table, floats to 9 significant digits (engines sum in
    different orders)."""
    rows = profile_table(comms, period(None, None)).to_pyarrow().to_pylist()
    assert len(rows) > 100
    return {
        tuple(float(f"{v:.9g}") if isinstance(v, float) else v for v in row.values())
        for row in rows
    }
