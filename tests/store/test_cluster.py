"""``fortress cluster``: a real Spark standalone cluster on the loopback (a master and two
workers, each a Java process), detection on it giving DuckDB's results, and its failures
told clearly with nothing left running."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from fortress.cli import render
from fortress.cli.main import app
from fortress.comms.fingerprint import differences, fingerprint
from fortress.comms.lines import run_detection
from fortress.ingest.comms import ingest_comms
from fortress.network.comms import comms_network, comms_windows
from fortress.network.explore import contact_graph, everything
from fortress.network.graph import Network
from fortress.sources.mapping import preset
from fortress.store.cluster import (
    LOOPBACK,
    ClusterError,
    ClusterStatus,
    cluster_status,
    start_cluster,
    stop_cluster,
)
from fortress.store.events import ENGINE_ENV, SPARK_MASTER_ENV
from fortress.store.workspace import Workspace
from helpers.spark import free_port, require_spark, stop_spark_session
from helpers.worlds import World, split_world

pytestmark = pytest.mark.slow

runner = CliRunner()


def _runs(pid: int) -> bool:
    """The process runs (ended processes nobody has reaped yet do not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClusterStatus]:
    """A master and two workers of one core and 1 GiB each, for this module's tests."""
    require_spark()
    folder = tmp_path_factory.mktemp("cluster")
    status = start_cluster(folder, 2, 1, "1g", free_port(), free_port())
    try:
        yield status
    finally:
        if (folder / "cluster.json").exists():  # the last test stops it itself
            stop_cluster(folder)


def test_the_cluster_runs_a_master_and_its_workers_on_the_loopback(
    cluster: ClusterStatus,
) -> None:
    now = cluster_status(Path(cluster.folder))
    assert now.running and now.problem is None
    assert now.processes_alive == now.processes_started == 3
    assert now.alive_workers == 2
    assert [(w.cores, w.memory_mb) for w in now.workers] == [(1, 1024), (1, 1024)]
    assert now.master_url and now.master_url.startswith(f"spark://{LOOPBACK}:")
    assert now.status_url and now.status_url.startswith(f"http://{LOOPBACK}:")


def _stored_run(world: World, copy: Path) -> dict[str, Any]:
    """``lines detect`` on a copy of ``world``'s workspace, as stored (its fingerprint)."""
    shutil.copytree(world.workspace.root, copy)
    workspace = Workspace.open(copy)
    return fingerprint(workspace, run_detection(workspace).run_id)


def _networks(workspace: Workspace) -> dict[str, Any]:
    """The comms network whole and by week, and the link chart's contact graph, as sets
    (the engines may give rows in any order)."""

    def arcs(network: Network) -> set[tuple[str, str, float]]:
        ends = zip(network.sources, network.targets, network.weights, strict=True)
        return {(network.nodes[s], network.nodes[t], float(w)) for s, t, w in ends}

    chart = everything(contact_graph(workspace))
    return {
        "network": arcs(comms_network(workspace)),
        "weeks": {w.name: arcs(w) for w in comms_windows(workspace, 7)},
        "contacts": {(e.source, e.target, e.events, e.first_day, e.last_day) for e in chart.edges},
    }


def test_a_detection_run_on_the_cluster_stores_what_duckdb_stores(
    cluster: ClusterStatus, demo_world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole run: every score, evidence text, figure, line, role and safeguarding site,
    with the wave step, tallies and contacts kept in the workspace by Spark; and the comms
    network (whole and by week) and the link chart's contact graph."""
    assert cluster.master_url
    before = cluster_status(Path(cluster.folder)).applications_finished
    on_duckdb = _stored_run(demo_world, tmp_path / "duckdb")
    networks_on_duckdb = _networks(Workspace.open(tmp_path / "duckdb"))
    monkeypatch.setenv(ENGINE_ENV, "spark")
    monkeypatch.setenv(SPARK_MASTER_ENV, cluster.master_url)
    try:
        on_cluster = _stored_run(demo_world, tmp_path / "spark")
        networks_on_cluster = _networks(Workspace.open(tmp_path / "spark"))  # same application
    finally:
        stop_spark_session()
    assert on_duckdb["lines"]
    assert differences(on_cluster, on_duckdb) == []
    assert networks_on_duckdb["contacts"]
    for name, found in networks_on_duckdb.items():
        assert networks_on_cluster[name] == found, name
    # It ran there, not in a local session: the master saw a Fortress application end.
    assert cluster_status(Path(cluster.folder)).applications_finished == before + 1


def _drop(folder: Path) -> list[Path]:
    """A drop of comms files: a simulated world's days in three files, every tenth of its
    events again (each a duplicate of one in the days), a CSV with a row to reject, and
    one with no data rows (refused)."""
    days, tenth, _ = split_world(folder, seed=3)
    mixed = folder / "mixed.csv"
    mixed.write_text(
        "start,kind,a_number,b_number,duration_s\n"
        "2024-05-01T10:00:00Z,call,07700900001,07700900002,5\n"
        "2024-05-01T10:01:00Z,call,07700900001,07700900002,five\n",
        encoding="utf-8",
    )
    header_only = folder / "header-only.csv"
    header_only.write_text("start,kind,a_number,b_number\n", encoding="utf-8")
    return [*days, tenth, mixed, header_only]


PROVENANCE = ("source", "source_row")
"""Which file (and row) published an event: the first of the drop's files that hold it to
finish, which on a cluster can be any of them."""


def _published(workspace: Workspace) -> list[dict[str, Any]]:
    """Every published comms event, in event id order."""
    files = workspace.data_files("comms")
    table = pa.concat_tables(pq.read_table(path) for path in files)
    return sorted(table.to_pylist(), key=lambda row: row["event_id"])


def _same_events(spread: list[dict[str, Any]], alone: list[dict[str, Any]], tenth: str) -> None:
    """The same events in every column; each published by the file that published it
    alone, or by the drop's repeats file (``tenth``: its SHA-256), which holds a tenth of
    them again. Compared event by event: a failed ``==`` of the two whole lists had pytest
    diffing them for half an hour."""
    assert len(spread) == len(alone)
    for mine, theirs in zip(spread, alone, strict=True):
        data = {k: v for k, v in mine.items() if k not in PROVENANCE}
        assert data == {k: v for k, v in theirs.items() if k not in PROVENANCE}, mine["event_id"]
        assert mine["source"] in (theirs["source"], tenth) or mine == theirs, mine["event_id"]


def test_a_drop_ingested_on_the_cluster_is_what_one_at_a_time_ingests(
    cluster: ClusterStatus, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``ingest comms --on-spark``: each file ingested by an executor, with the same events,
    rejects, refusals and counts as ingesting them one after another here."""
    assert cluster.master_url
    drop = _drop(tmp_path / "drop")
    alone = Workspace.open(tmp_path / "alone")
    expected = [ingest_comms(alone, path, spec=preset("canonical")) for path in drop]
    before = cluster_status(Path(cluster.folder)).applications_finished
    monkeypatch.setenv(SPARK_MASTER_ENV, cluster.master_url)
    stop_spark_session()
    try:
        args = ["--workspace", str(tmp_path / "spread"), "ingest", "comms", "--on-spark"]
        result = runner.invoke(app, [*args, "--json", *map(str, drop)])
        # as a table, as wide as each cell whole needs (the console's width is fixed when
        # the module is first imported, by whatever COLUMNS said then): all duplicates now
        monkeypatch.setattr(render.console, "width", 200)
        again = runner.invoke(app, [*args, str(drop[0])])
    finally:
        stop_spark_session()
    assert again.exit_code == 0, again.output
    read, shown = f"{expected[0].read:,}", " ".join(again.output.split())
    assert f"│ canonical │ {read} │ 0 │ 0 │ {read} │ 0 │" in shown  # read ... duplicate, blank
    assert "ingested by a Spark executor on" in shown
    assert result.exit_code == 1, result.output  # the header-only file was refused
    found = json.loads(result.stdout)
    assert [s["file"] for s in found] == [str(path) for path in drop]
    for summary, alone_summary in zip(found, expected, strict=True):
        for count in ("read", "rejected", "blank", "refused", "error", "sha256"):
            assert summary[count] == getattr(alone_summary, count), (summary["file"], count)
        assert summary["rejected"] == 0 or summary["rejects_file"]
    for count in ("accepted", "duplicates"):  # which file meets a duplicate first may differ
        assert sum(s[count] for s in found) == sum(getattr(s, count) for s in expected)
    assert sum(s["duplicates"] for s in found) > 0 and found[4]["rejected"] == 1
    assert found[5]["error"] and "no data rows" in found[5]["error"]
    spread = Workspace.open(tmp_path / "spread")
    _same_events(_published(spread), _published(alone), str(expected[3].sha256))
    executors = {re.sub(r".* \(pid (\d+)\)$", r"\1", s["notes"][-1]) for s in found}
    assert executors and str(os.getpid()) not in executors
    assert all("ingested by a Spark executor on" in s["notes"][-1] for s in found)
    assert cluster_status(Path(cluster.folder)).applications_finished == before + 1  # one session


def test_status_prints_a_table_and_json(cluster: ClusterStatus) -> None:
    table = runner.invoke(app, ["cluster", "status", "--dir", cluster.folder])
    assert table.exit_code == 0, table.output
    assert re.search(r"workers alive\s*│ 2 of 2 ", table.output)
    assert f"FORTRESS_SPARK_MASTER={cluster.master_url}" in table.output
    assert table.output.count("ALIVE") == 2
    as_json = runner.invoke(app, ["cluster", "status", "--dir", cluster.folder, "--json"])
    assert as_json.exit_code == 0
    parsed = json.loads(as_json.stdout)
    assert parsed["running"] is True and parsed["alive_workers"] == 2
    assert parsed["master_url"] == cluster.master_url


def test_a_second_start_from_the_same_folder_is_refused(cluster: ClusterStatus) -> None:
    result = runner.invoke(app, ["cluster", "start", "--dir", cluster.folder])
    assert result.exit_code == 2
    assert "is running: stop it first" in result.output


def test_a_port_in_use_is_refused_before_anything_starts(tmp_path: Path) -> None:
    require_spark()
    with socket.socket() as taken:
        taken.bind((LOOPBACK, 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ClusterError, match=f"port {port} on 127.0.0.1 is in use"):
            start_cluster(tmp_path, 1, 1, "1g", port, free_port())
    assert not (tmp_path / "cluster.json").exists()


def test_a_worker_that_cannot_start_stops_the_master_too(tmp_path: Path) -> None:
    require_spark()
    (tmp_path / "worker-1").write_text("a file where the worker's folder should be")
    with pytest.raises(ClusterError, match=r"the worker \(pid \d+\) ended while starting") as err:
        start_cluster(tmp_path, 1, 1, "1g", free_port(), free_port())
    assert str(tmp_path / "worker-1.log") in str(err.value)
    assert "Failed to create directory" in (tmp_path / "worker-1.log").read_text()
    assert not (tmp_path / "cluster.json").exists()
    assert cluster_status(tmp_path).processes_alive == 0
    master = (tmp_path / "master.log").read_text()
    assert "RECEIVED SIGNAL TERM" in master  # stopped, not left running


def test_a_folder_that_cannot_be_made_is_a_clear_error(tmp_path: Path) -> None:
    require_spark()
    (tmp_path / "a-file").write_text("")
    ports = ["--port", str(free_port()), "--status-port", str(free_port())]
    result = runner.invoke(app, ["cluster", "start", "--dir", str(tmp_path / "a-file/c"), *ports])
    assert result.exit_code == 2 and "cannot be made (Not a directory)" in result.output


def test_sizes_are_checked_before_anything_starts(tmp_path: Path) -> None:
    with pytest.raises(ClusterError, match="'plenty' is not a size like 2g or 512m"):
        start_cluster(tmp_path, 1, 1, "plenty", free_port(), free_port())
    result = runner.invoke(app, ["cluster", "start", "--dir", str(tmp_path), "--workers", "0"])
    assert result.exit_code == 2 and "--workers" in result.output


def test_a_start_killed_half_way_leaves_nothing_stop_cannot_end(tmp_path: Path) -> None:
    """SIGKILL the starting command once its master runs: the state names the master, so
    ``stop`` ends it."""
    require_spark()
    args = ["cluster", "start", "--dir", str(tmp_path), "--workers", "1"]
    ports = ["--port", str(free_port()), "--status-port", str(free_port())]
    starting = subprocess.Popen([sys.executable, "-m", "fortress.cli", *args, *ports])
    state = tmp_path / "cluster.json"
    deadline = time.monotonic() + 60
    while not state.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    starting.kill()
    starting.wait()
    started = json.loads(state.read_text())["processes"]
    assert [p["role"] for p in started][:1] == ["master"]
    assert stop_cluster(tmp_path) >= 1
    assert not any(_runs(p["pid"]) for p in started)


def test_stop_ends_every_process_and_status_then_says_so(cluster: ClusterStatus) -> None:
    """The module's cluster, stopped by the command (this test runs last in the file)."""
    folder = cluster.folder
    pids = [p["pid"] for p in json.loads((Path(folder) / "cluster.json").read_text())["processes"]]
    stopped = runner.invoke(app, ["cluster", "stop", "--dir", folder])
    assert stopped.exit_code == 0
    assert "Cluster stopped (3 processes ended)." in stopped.output
    assert not any(_runs(pid) for pid in pids)
    status = runner.invoke(app, ["cluster", "status", "--dir", folder, "--json"])
    assert status.exit_code == 1
    assert json.loads(status.stdout)["problem"] == "no cluster was started from here"
    again = runner.invoke(app, ["cluster", "stop", "--dir", folder])
    assert again.exit_code == 1
