"""A full disk: on a small filesystem of its own (tmpfs), ingest, detection, a report and
casework writes each meet a disk with no space left. Each says so in words (no trace),
leaves nothing half-published, and works once space returns."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from fortress.casework import audit
from fortress.casework.db import migrate
from fortress.server.app import create_app
from fortress.store.workspace import Workspace
from helpers.casework import seed_casework, sign_in

FORTRESS = str(Path(sys.executable).with_name("fortress"))
SAID = "no space left on the disk that holds"


@dataclass
class SmallDisk:
    """A tmpfs of its own, and a filler file that takes all its space but ``spare``."""

    root: Path

    def fill(self, spare: int = 0) -> None:
        size = shutil.disk_usage(self.root).free - spare
        with (self.root / "filler").open("wb") as filler:
            os.posix_fallocate(filler.fileno(), 0, size)

    def free(self) -> None:
        (self.root / "filler").unlink(missing_ok=True)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[SmallDisk]:
    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(mount)],
                          capture_output=True, text=True)  # fmt: skip
    if made.returncode != 0:
        message = f"cannot mount a tmpfs here ({made.stderr.strip()}): needs root"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    try:
        yield SmallDisk(mount)
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fortress(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([FORTRESS, "--workspace", str(root), *args], capture_output=True,
                          text=True)  # fmt: skip


def _said_in_words(done: subprocess.CompletedProcess[str]) -> None:
    said = (done.stdout + done.stderr).replace("\n", " ")
    assert SAID in said and "Traceback" not in said, said


@pytest.fixture
def world_files(demo_world: object) -> tuple[list[Path], Path]:
    root = demo_world.workspace.root.parent / "world"  # type: ignore[attr-defined]
    return sorted((root / "comms").glob("*.parquet")), root / "cells.csv"


def test_an_ingest_on_a_full_disk_is_refused_and_done_once_space_returns(
    small_disk: SmallDisk, world_files: tuple[list[Path], Path]
) -> None:
    comms, cells = world_files
    root = small_disk.root / "ws"
    assert _fortress(root, "ingest", "cells", str(cells)).returncode == 0
    small_disk.fill(spare=256 << 10)
    refused = _fortress(root, "ingest", "comms", *map(str, comms), "--layout", "canonical")
    assert refused.returncode == 1
    _said_in_words(refused)
    assert not list((root / "events").glob("comms/*.parquet"))  # nothing published
    assert not [p for p in (root / "tmp").iterdir() if p.is_dir()]  # no staging left
    small_disk.free()
    again = _fortress(root, "ingest", "comms", *map(str, comms), "--layout", "canonical",
                      "--json")  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert all(s["error"] is None and s["accepted"] > 0 for s in _json(again.stdout))


def _json(text: str) -> list[dict[str, object]]:
    import json

    found = json.loads(text)
    return found if isinstance(found, list) else found["files"]


def test_detection_and_a_report_on_a_full_disk_leave_the_last_run_current(
    small_disk: SmallDisk, world_files: tuple[list[Path], Path]
) -> None:
    comms, cells = world_files
    root = small_disk.root / "ws"
    for args in (("ingest", "cells", str(cells)),
                 ("ingest", "comms", str(comms[0]), "--layout", "canonical"),
                 ("lines", "detect")):  # fmt: skip
        assert _fortress(root, *args).returncode == 0
    before = _fortress(root, "lines", "list", "--json").stdout
    for path in comms[1:]:
        assert (
            _fortress(root, "ingest", "comms", str(path), "--layout", "canonical").returncode == 0
        )
    small_disk.fill()
    detect = _fortress(root, "lines", "detect")
    assert detect.returncode == 2
    _said_in_words(detect)
    small_disk.free()
    assert _fortress(root, "lines", "list", "--json").stdout == before  # the last run, whole
    small_disk.fill(spare=128 << 10)  # room to read the workspace, not to write the page
    report = small_disk.root / "lines.html"
    written = _fortress(root, "report", "lines", "--out", str(report))
    assert written.returncode == 2 and not report.exists()
    assert not list(small_disk.root.glob("lines.html*"))  # no partial file either
    _said_in_words(written)
    small_disk.free()
    assert _fortress(root, "lines", "detect").returncode == 0
    assert _fortress(root, "report", "lines", "--out", str(report)).returncode == 0
    assert report.stat().st_size > 0


def test_casework_writes_on_a_full_disk_are_refused_whole(small_disk: SmallDisk) -> None:
    workspace = Workspace.open(small_disk.root / "ws")
    migrate(workspace.engine)
    with workspace.sessions.begin() as session:
        seed_casework(session)
    body = {"text": "Seen at the flat", "grade": {"source_evaluation": "2", "assessment": "B",
                                                 "handling_code": "P"}}  # fmt: skip
    with TestClient(create_app(workspace.engine), raise_server_exceptions=False) as client:
        headers = sign_in(client, "analyst")
        small_disk.fill()
        refused = [client.post("/api/v1/intelligence", json=body, headers=headers)
                   for _ in range(5)]  # fmt: skip
        assert {answer.status_code for answer in refused} == {507}, refused[0].text
        assert "disk is full" in refused[0].json()["detail"]
        small_disk.free()
        made = client.post("/api/v1/intelligence", json=body, headers=headers)
        assert made.status_code == 201
        found = client.get("/api/v1/intelligence?q=flat", headers=headers).json()
        assert [item["id"] for item in found] == [made.json()["id"]]  # none half-written
    with workspace.sessions() as session:
        assert audit.verify(session).ok
    workspace.engine.dispose()
