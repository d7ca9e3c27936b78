"""Concurrent work on one workspace: while ``fortress serve --workers 2`` answers readers
and takes intelligence, the CLI ingests a new drop and runs detection, and another CLI
lists lines. Nobody is told "database is locked", nothing fails, and every reader sees
the old run's lines or the new run's, never a mix."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from fortress.casework.db import migrate
from fortress.store.workspace import Workspace
from helpers.casework import PASSWORD, seed_casework
from helpers.serve import fortress_serve
from reliability.crashes import _split_in_time

FORTRESS = str(Path(sys.executable).with_name("fortress"))


def _call(url: str, token: str, body: dict[str, object] | None = None) -> tuple[int, str]:
    request = urllib.request.Request(
        url, json.dumps(body).encode() if body is not None else None,
        {"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=120) as answer:
            return int(answer.status), answer.read().decode()
    except urllib.error.HTTPError as refused:
        return int(refused.code), refused.read().decode()


def _fortress(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([FORTRESS, "--workspace", str(root), *args], capture_output=True,
                          text=True, timeout=600)  # fmt: skip


@pytest.mark.slow
def test_ingest_detection_and_the_server_at_once(demo_world: object, tmp_path: Path) -> None:
    world = demo_world.workspace.root.parent / "world"  # type: ignore[attr-defined]
    drop = tmp_path / "drop"
    drop.mkdir()
    for path in (world / "comms").glob("*.parquet"):
        (drop / path.name).write_bytes(path.read_bytes())
    _split_in_time(drop)
    early, late = sorted(drop.glob("*.parquet"))
    root = tmp_path / "ws"
    first = (
        ("ingest", "cells", str(world / "cells.csv")),
        ("ingest", "comms", str(early), "--layout", "canonical"),
        ("lines", "detect"),
    )
    for args in first:
        assert _fortress(root, *args).returncode == 0
    workspace = Workspace.open(root)
    migrate(workspace.engine)
    with workspace.sessions.begin() as session:
        seed_casework(session)
    workspace.engine.dispose()

    seen: list[tuple[int, str]] = []
    stop = threading.Event()
    with fortress_serve(workspace, "--workers", "2") as base:
        status, answer = _call(f"{base}/api/v1/session", "",
                               {"name": "analyst", "password": PASSWORD})  # fmt: skip
        token = json.loads(answer)["token"]
        before = json.loads(_call(f"{base}/api/v1/lines?limit=1000", token)[1])["run_id"]

        def read() -> None:
            while not stop.is_set():
                seen.append(_call(f"{base}/api/v1/lines?limit=1000", token))

        def write() -> None:
            while not stop.is_set():
                body = {"text": "Seen at the flat",
                        "grade": {"source_evaluation": "2", "assessment": "B",
                                  "handling_code": "P"}}  # fmt: skip
                seen.append(_call(f"{base}/api/v1/intelligence", token, body))

        workers = [threading.Thread(target=f) for f in (read, read, write)]
        for worker in workers:
            worker.start()
        listing: list[subprocess.CompletedProcess[str]] = []
        lister = threading.Thread(target=lambda: listing.extend(
            _fortress(root, "lines", "list", "--json") for _ in range(5)))  # fmt: skip
        lister.start()
        done = [_fortress(root, "ingest", "comms", str(late), "--layout", "canonical"),
                _fortress(root, "lines", "detect")]  # fmt: skip
        lister.join()
        stop.set()
        for worker in workers:
            worker.join()
        final = _call(f"{base}/api/v1/lines?limit=1000", token)
        seen.append(final)
    for command in (*done, *listing):
        said = command.stdout + command.stderr
        assert command.returncode == 0 and "locked" not in said and "Traceback" not in said, said
    assert seen and {status for status, _ in seen} <= {200, 201}, {s for s, _ in seen}
    runs: dict[str, list[str]] = {}
    for status, text in seen:
        answer = json.loads(text)
        if status == 200 and "run_id" in answer:
            lines = sorted(entry["line"]["line_id"] for entry in answer["lines"])
            assert runs.setdefault(answer["run_id"], lines) == lines  # one run: one set
    after = json.loads(final[1])["run_id"]
    assert after != before and set(runs) == {before, after}  # the old run or the new
    assert sum(status == 201 for status, _ in seen) > 0
