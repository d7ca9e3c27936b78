"""The ingest guarantees: idempotent, all-or-nothing per file (even when killed), nothing
lost, and counts that add up."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from fortress.ingest.comms import ingest_comms
from fortress.ingest.report import IngestSummary
from fortress.model import columns as c
from fortress.sources.mapping import preset
from fortress.store.workspace import Workspace
from reliability.crashes import published_rows, write_comms_csv

CANONICAL = preset("canonical")
OPERATOR_CDR = preset("operator-cdr")
HEADER = ["start", "kind", "a_number", "b_number", "duration_s"]


def _events(n: int) -> list[list[str]]:
    """``n`` distinct calls and messages between drama-range numbers."""
    return [
        [
            f"2024-05-01T{10 + i // 60:02d}:{i % 60:02d}:00Z",
            "sms" if i % 3 == 0 else "call",
            f"07700900{i % 17:03d}",
            f"07700900{100 + i % 13:03d}",
            str(i * 7 % 300),
        ]
        for i in range(n)
    ]


def _adds_up(s: IngestSummary) -> bool:
    return s.read == s.accepted + s.rejected + s.duplicates + s.blank


def _ids(workspace: Workspace) -> list[str]:
    return [
        i for f in workspace.data_files("comms") for i in pq.read_table(f)[c.EVENT_ID].to_pylist()
    ]


# --- idempotence -----------------------------------------------------------------------------


def test_reingesting_a_file_adds_nothing(workspace, write_csv, read_events) -> None:
    path = write_csv("calls.csv", HEADER, _events(50))
    first = ingest_comms(workspace, path, spec=CANONICAL)
    before = read_events(workspace)
    again = ingest_comms(workspace, path, spec=CANONICAL)
    assert (first.accepted, again.accepted, again.duplicates) == (50, 0, 50)
    assert _adds_up(first) and _adds_up(again)
    assert read_events(workspace).equals(before)
    assert len(workspace.data_files("comms")) == 1


@pytest.mark.parametrize("layout", ["canonical", "operator-cdr"])
def test_overlapping_exports_hold_each_event_once(tmp_path, write_csv, layout) -> None:
    rows = _events(100)
    if layout == "operator-cdr":
        header = ["Record ID", "Call Date", "Call Time", "Call Type", "Duration"]
        header += ["Served MSISDN", "Other Party"]
        rows = [
            [
                f"R{i}",
                "01/05/2024",
                start[11:19],
                "MOC" if kind == "call" else "SMS-MO",
                f"00:00:{int(duration) % 60:02d}",
                a,
                b,
            ]
            for i, (start, kind, a, b, duration) in enumerate(rows)
        ]
    else:
        header = HEADER
    workspace = Workspace.open(tmp_path / "ws")
    spec = preset(layout)
    first = ingest_comms(workspace, write_csv("part1.csv", header, rows[:60]), spec=spec)
    second = ingest_comms(workspace, write_csv("part2.csv", header, rows[39:]), spec=spec)
    assert (first.accepted, second.accepted, second.duplicates) == (60, 40, 21)
    ids = _ids(workspace)
    assert len(ids) == len(set(ids)) == 100


def test_identical_rows_in_one_file_are_separate_events(workspace, write_csv) -> None:
    part = ["2024-05-01T10:00:00Z", "sms", "07700900001", "07700900002", ""]
    rows = [part, part, part, ["2024-05-01T10:00:01Z", *part[1:]]]  # a 3-part SMS, then one
    path = write_csv("parts.csv", HEADER, rows)
    first = ingest_comms(workspace, path, spec=CANONICAL)
    assert (first.accepted, first.duplicates) == (4, 0)
    again = ingest_comms(workspace, path, spec=CANONICAL)
    assert (again.accepted, again.duplicates) == (0, 4)
    ids = _ids(workspace)
    assert len(ids) == len(set(ids)) == 4


def test_repeated_rows_dedupe_against_a_longer_export(workspace, write_csv) -> None:
    part = ["2024-05-01T10:00:00Z", "sms", "07700900001", "07700900002", ""]
    other = ["2024-05-01T09:00:00Z", "call", "07700900003", "07700900001", "30"]
    ingest_comms(workspace, write_csv("short.csv", HEADER, [part, part]), spec=CANONICAL)
    longer = ingest_comms(
        workspace, write_csv("long.csv", HEADER, [other, part, part, part]), spec=CANONICAL
    )
    assert (longer.accepted, longer.duplicates) == (2, 2)  # the call and the third part
    assert len(_ids(workspace)) == 4


def test_record_ids_from_different_exports_do_not_collide(workspace, write_csv) -> None:
    header = ["Record ID", "Call Date", "Call Time", "Call Type", "Duration"]
    header += ["Served MSISDN", "Other Party"]
    one = [["1", "01/05/2024", "10:00:00", "MOC", "00:01:00", "07700900001", "07700900002"]]
    two = [["1", "02/05/2024", "11:00:00", "MTC", "00:02:00", "07700900555", "07700900666"]]
    ingest_comms(workspace, write_csv("op1.csv", header, one), spec=OPERATOR_CDR)
    second = ingest_comms(workspace, write_csv("op2.csv", header, two), spec=OPERATOR_CDR)
    assert (second.accepted, second.duplicates) == (1, 0)
    assert len(_ids(workspace)) == 2


def test_conflicting_rows_with_one_record_id_are_not_silently_dropped(workspace, write_csv) -> None:
    header = ["Record ID", "Call Date", "Call Time", "Call Type", "Duration"]
    header += ["Served MSISDN", "Other Party"]
    rows = [
        ["7", "01/05/2024", "10:00:00", "MOC", "00:01:00", "07700900001", "07700900002"],
        ["7", "03/05/2024", "18:00:00", "MTC", "00:09:00", "07700900001", "07700900444"],
    ]
    summary = ingest_comms(workspace, write_csv("op.csv", header, rows), spec=OPERATOR_CDR)
    assert summary.duplicates == 0
    assert summary.accepted + summary.rejected == 2


# --- accounting ------------------------------------------------------------------------------


def test_counts_add_up_and_every_reject_is_reported(workspace, write_csv, read_rejects) -> None:
    good = _events(6)
    lines = [",".join(HEADER)]
    lines += [",".join(r) for r in good[:3]]  # rows 2-4
    lines += ["", ",".join(["", "", "", "", ""])]  # rows 5-6: blank
    lines += [",".join(["soon", *good[3][1:]])]  # row 7: bad time
    lines += [",".join(good[4][:2])]  # row 8: ragged
    lines += [",".join([*good[5][:4], "-1"])]  # row 9: negative duration
    lines += [",".join(good[0])]  # row 10: same as row 2 -> second occurrence, kept
    path = write_csv("mixed.csv", text="\n".join(lines) + "\n")
    first = ingest_comms(workspace, path, spec=CANONICAL)
    assert first.error is None
    assert (first.read, first.accepted, first.rejected, first.blank) == (9, 4, 3, 2)
    assert _adds_up(first)
    rejects = read_rejects(first)
    assert sorted(r["row"] for r in rejects) == ["7", "8", "9"]
    assert all(r["reason"] and r["file"] == str(path) for r in rejects)
    again = ingest_comms(workspace, path, spec=CANONICAL)
    assert (again.accepted, again.duplicates, again.rejected) == (0, 4, 3)
    assert _adds_up(again)


def test_batches_are_recorded_with_their_counts(workspace, write_csv) -> None:
    path = write_csv("calls.csv", HEADER, _events(5))
    summary = ingest_comms(workspace, path, spec=CANONICAL)
    (batch,) = workspace.batches("comms")
    assert (batch.id, batch.status, batch.source_sha256) == (
        summary.batch_id,
        "published",
        summary.sha256,
    )
    assert (batch.rows_read, batch.accepted) == (5, 5)


# --- kill test -------------------------------------------------------------------------------

KILL_ROWS = 400_000
CHILD = """
import sys
from pathlib import Path
from fortress.ingest.comms import ingest_comms
from fortress.sources.mapping import preset
from fortress.store.workspace import Workspace
ingest_comms(Workspace.open(Path(sys.argv[1])), Path(sys.argv[2]), spec=preset("canonical"))
"""


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory) -> Path:
    """A canonical CSV of KILL_ROWS distinct events (written by DuckDB in about a second)."""
    path = tmp_path_factory.mktemp("kill") / "big.csv"
    write_comms_csv(path, KILL_ROWS, seconds_apart=7)
    return path


def _wait_for(condition, process: subprocess.Popen, timeout: float = 60.0) -> bool:
    """Poll until ``condition()``; False if the process ended first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        if process.poll() is not None:
            return False
        time.sleep(0.005)
    raise AssertionError("the ingest neither started staging nor finished in time")


def _staging_dirs(root: Path) -> list[Path]:
    return [p for p in (root / "tmp").iterdir() if p.is_dir()]


def _published_rows(root: Path) -> tuple[int, int]:
    """(rows, distinct event ids) over the files the manifest names."""
    return published_rows(root, "comms", "event_id")


def _kill_an_ingest(root: Path, big_csv: Path, stage: str, rng: random.Random) -> tuple[int, float]:
    """Start an ingest in a child process and SIGKILL it at ``stage``; (exit code, delay)."""
    Workspace.open(root)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(root), str(big_csv)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    delay = 0.0
    try:
        started = _wait_for(lambda: _staging_dirs(root), child)
        if started and stage == "publish":  # the final file is being written
            started = _wait_for(lambda: any(d.glob("*final*") for d in _staging_dirs(root)), child)
        delay = {"early": rng.uniform(0, 0.3), "staging": rng.uniform(0.3, 2.0)}.get(
            stage, rng.uniform(0, 0.4)
        )
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
        child.stderr.close()
    return child.returncode, delay


@pytest.mark.slow
@pytest.mark.parametrize("stage", ["early", "staging", "publish"])
def test_a_killed_ingest_leaves_all_or_nothing(tmp_path, big_csv, stage) -> None:
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    for attempt in range(5):  # an ingest that finished before the kill proves nothing: retry
        root = tmp_path / f"ws{attempt}"
        code, delay = _kill_an_ingest(root, big_csv, stage, rng)
        if code == -signal.SIGKILL:
            break
    where = f"(stage {stage}, seed {seed}, delay {delay:.3f}s, exit {code})"
    assert code == -signal.SIGKILL, f"the kill never interrupted the ingest {where}"

    rows, distinct = _published_rows(root)
    assert rows in (0, KILL_ROWS), f"partial ingest visible: {rows} rows {where}"
    assert distinct == rows, where
    leftovers = _staging_dirs(root)

    workspace = Workspace.open(root)
    summary = ingest_comms(workspace, big_csv, spec=CANONICAL)
    assert summary.error is None, where
    assert summary.accepted + summary.duplicates == KILL_ROWS, where
    assert _published_rows(root) == (KILL_ROWS, KILL_ROWS), where
    assert all(not d.exists() for d in leftovers), f"abandoned staging not swept {where}"
    assert _staging_dirs(root) == [], where
    recorded = {p.name for p in workspace.data_files("comms")}
    on_disk = {p.name for p in (root / "events" / "comms").iterdir()}
    assert on_disk == recorded, f"unrecorded files left in the table folder {where}"


def test_a_crash_between_rename_and_manifest_is_swept(workspace, write_csv, tmp_path) -> None:
    """The state a kill leaves after the rename but before the manifest commit."""
    orphan = workspace.table_dir("comms") / "deadbeef.parquet"
    pq.write_table(pq.read_table(_first_file(workspace, write_csv, tmp_path)), orphan)
    abandoned = workspace.root / "tmp" / "abandoned-batch"
    abandoned.mkdir()
    (abandoned / "staged.parquet").write_bytes(b"partial")
    assert orphan not in workspace.data_files("comms")
    summary = ingest_comms(workspace, write_csv("more.csv", HEADER, _events(3)), spec=CANONICAL)
    assert (summary.accepted, summary.duplicates) == (3, 0)  # the orphan never counted
    assert not orphan.exists() and not abandoned.exists()


def _first_file(workspace: Workspace, write_csv, tmp_path: Path) -> Path:
    """A published events file from another workspace."""
    other = Workspace.open(tmp_path / "other")
    ingest_comms(other, write_csv("other.csv", HEADER, _events(10)), spec=CANONICAL)
    return other.data_files("comms")[0]


def test_a_running_ingests_staging_is_not_swept(workspace) -> None:
    with workspace.staging("live-batch") as folder:
        with workspace.write_lock():
            workspace.sweep()
        assert folder.exists()


def test_a_refusal_quotes_a_huge_value_shortened(workspace, write_csv) -> None:
    """The hostile corpus's 8 MB field was quoted whole in the refusal: printing it took a
    terminal most of a minute. The message quotes 80 characters and says how long it is;
    the rejects file keeps the value whole."""
    huge = "x" * (8 << 20)
    path = write_csv("huge.csv", HEADER, [["2024-01-01T10:00:00Z", huge, "07700 900001",
                                           "07700 900002", "60"]])  # fmt: skip
    summary = ingest_comms(workspace, path, spec=CANONICAL)
    assert summary.error is not None and len(summary.error) < 1_000
    assert f"… ({len(huge):,} characters)" in summary.error
