"""Results kept in memory are keyed by the data they came from: a new detection run or new
comms data makes them be computed again, so a page never shows a stale result."""

from __future__ import annotations

from pathlib import Path

from fortress.comms.lines import run_detection
from fortress.ingest.comms import ingest_comms
from fortress.server.app import create_app
from fortress.server.cache import ResultCache
from fortress.sources.mapping import preset
from helpers.casework import Board


def test_a_result_is_kept_until_its_data_changes(detected: Board, tmp_path: Path) -> None:
    _, workspace = detected
    cache, made = ResultCache(size=2), []

    def make() -> int:
        made.append(1)
        return len(made)

    assert cache.get(workspace, "x", make) == 1
    assert cache.get(workspace, "x", make) == 1  # kept
    run_detection(workspace)
    assert cache.get(workspace, "x", make) == 2  # a new run
    extra = tmp_path / "extra.csv"
    extra.write_text("event_id,start,kind,a_number,b_number\n"
                     "extra-1,2025-01-20T10:00:00,sms,07700900001,07700900002\n")  # fmt: skip
    assert ingest_comms(workspace, extra, spec=preset("canonical")).ok
    assert cache.get(workspace, "x", make) == 3  # new comms data
    cache.get(workspace, "y", make)
    cache.get(workspace, "z", make)
    assert cache.get(workspace, "x", make) == 6  # the oldest was dropped beyond its size


def test_the_pages_read_the_workspace_over_a_pool_of_their_own(detected: Board) -> None:
    """A request holds a casework connection while it reads the workspace's records: from
    one pool, 40 such requests at once would each hold one connection and wait for a second."""
    _, workspace = detected
    app = create_app(workspace.engine, comms=workspace)
    assert app.state.comms.engine is not workspace.engine
    assert app.state.comms.root == workspace.root
