"""Crash anywhere, lose nothing: SIGKILL at random moments of Fortress's writes.

Each trial runs the real command in a process of its own (a process group, for the
server's workers), kills it with SIGKILL after a random delay drawn over the command's
own measured duration, notes the kill point it had reached, then checks what a user
would find and finishes the work:

- ``comms-ingest`` and ``policeuk-ingest``: the killed ingest's rows are all visible or
  none; the same file ingested again to the end holds every row once.
- ``lines-detect``: a second detection run, after new files, is killed; the previous run
  must still be current and readable; detection again to the end gives the lines an
  uninterrupted run gives.
- ``casework-writes``: ``fortress serve --workers 2`` takes intelligence from four
  clients and is killed; every write it acknowledged (201) is there after a restart, the
  audit chain verifies, and every record has its audit entry (nothing half-done).

Lost rows (acknowledged or ingested, missing) and duplicated rows must be 0.

Quick mode runs in CI (``test_crashes.py``); the long mode is run by hand and writes the
table of ``docs/reliability.md``::

    .venv/bin/python tests/reliability/crashes.py --trials 50 --rows 1000000
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb

FORTRESS = str(Path(sys.executable).with_name("fortress"))
RESULTS = Path(__file__).resolve().parent / "results" / "crashes.json"


@dataclass
class Trial:
    """One kill and what was found."""

    target: str
    delay: float
    stage: str
    """The kill point the process had reached (``finished``: it ended before the kill)."""
    lost: int = 0
    duplicated: int = 0
    problems: list[str] = field(default_factory=list)


@dataclass
class Inputs:
    """What every trial of a run starts from."""

    folder: Path
    rows: int
    comms_csv: Path
    crimes_csv: Path
    world: Path


def write_comms_csv(path: Path, rows: int, seconds_apart: int) -> None:
    """A canonical comms CSV of ``rows`` distinct events between drama-range numbers
    (DuckDB writes a million in about a second)."""
    duckdb.sql(
        f"""COPY (SELECT
              strftime(TIMESTAMP '2024-01-01' + to_seconds(i * {seconds_apart}),
                       '%Y-%m-%dT%H:%M:%SZ') AS start,
              CASE WHEN i % 3 = 0 THEN 'sms' ELSE 'call' END AS kind,
              '07700 900' || lpad(CAST(i % 1000 AS VARCHAR), 3, '0') AS a_number,
              '07700900' || lpad(CAST((i * 7) % 1000 AS VARCHAR), 3, '0') AS b_number,
              CAST(i % 600 AS VARCHAR) AS duration_s
            FROM range({rows}) t(i)) TO '{path}' (HEADER)"""
    )


def make_inputs(folder: Path, rows: int, world_scale: str | int) -> Inputs:
    """A canonical comms CSV and a police.uk street-crime CSV of ``rows`` rows each, and
    a simulated world (its comms files split in two for detection)."""
    from fortress.simulate import simulate

    folder.mkdir(parents=True, exist_ok=True)
    comms, crimes = folder / "comms.csv", folder / "2024-01-test-street.csv"
    write_comms_csv(comms, rows, seconds_apart=2)
    duckdb.sql(
        f"""COPY (SELECT
              md5(CAST(i AS VARCHAR)) AS "Crime ID", '2024-01' AS "Month",
              'Test Police' AS "Reported by", 'Test Police' AS "Falls within",
              -1.1 + (i % 1000) / 10000.0 AS "Longitude", 50.8 + (i % 997) / 10000.0 AS "Latitude",
              'On or near Test Road' AS "Location", 'E01000001' AS "LSOA code",
              'Test 001A' AS "LSOA name", 'Drugs' AS "Crime type",
              'Under investigation' AS "Last outcome category", '' AS "Context"
            FROM range({rows}) t(i)) TO '{crimes}' (HEADER)"""
    )
    world = folder / "world"
    if not world.exists():
        simulate(world, seed=11, scale=world_scale, fmt="parquet", profile="classic")
        _split_in_time(world / "comms")
    return Inputs(folder, rows, comms, crimes, world)


def _split_in_time(folder: Path) -> None:
    """The world's comms files as two: its first half in time, then its second (a later
    drop, for a second detection run to take in)."""
    parts = f"read_parquet('{folder}/*.parquet')"
    ((middle,),) = duckdb.sql(f"SELECT quantile_disc(start, 0.5) FROM {parts}").fetchall()
    for name, where in (("1-early", f"start < '{middle}'"), ("2-late", f"start >= '{middle}'")):
        duckdb.sql(f"COPY (SELECT * FROM {parts} WHERE {where}) TO '{folder}/{name}.parquet'")
    for part in folder.glob("part-*.parquet"):
        part.unlink()


def published_rows(root: Path, table: str, key: str) -> tuple[int, int]:
    """(rows, distinct keys) over the files the workspace's manifest lists."""
    from fortress.store.workspace import Workspace

    workspace = Workspace.open(root, create=False)
    try:
        files = [str(p) for p in workspace.data_files(table)]
    finally:
        workspace.engine.dispose()
    if not files:
        return 0, 0
    ((rows, distinct),) = duckdb.sql(
        f"SELECT count(*), count(DISTINCT {key}) FROM read_parquet({files})"
    ).fetchall()
    return int(rows), int(distinct)


def _ingest_stage(root: Path) -> str:
    staging = [p for p in (root / "tmp").iterdir() if p.is_dir()] if (root / "tmp").exists() else []
    if not staging:
        return "opening" if not any((root / "events").rglob("*.parquet")) else "recording"
    if any(p.name != ".owner.lock" and "final" in p.name for d in staging for p in d.iterdir()):
        return "writing the final file"
    return "staging rows"


def _kill_at_random(command: list[str], delay: float, stage: Callable[[], str],
                    env: dict[str, str] | None = None) -> str:  # fmt: skip
    """Run ``command``, SIGKILL its process group after ``delay`` seconds; the kill point."""
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True, env=env)  # fmt: skip
    try:
        child.wait(timeout=delay)
        return "finished"
    except subprocess.TimeoutExpired:
        reached = stage()
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()
        return reached


def _timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def _empty_workspace(root: Path) -> None:
    from fortress.store.workspace import Workspace

    shutil.rmtree(root, ignore_errors=True)
    Workspace.open(root).engine.dispose()


def ingest_trials(inputs: Inputs, kind: str, trials: int, rng: random.Random) -> list[Trial]:
    """``trials`` kills of ``fortress ingest comms`` (or ``place ingest``) on its file."""
    if kind == "comms-ingest":
        source, table, key = inputs.comms_csv, "comms", "event_id"
        ingest = ["ingest", "comms", str(source), "--layout", "canonical"]
    else:
        source, table, key = inputs.crimes_csv, "crimes", "crime_id"
        ingest = ["place", "ingest", str(source)]
    root = inputs.folder / f"ws-{kind}"
    _empty_workspace(root)
    full = _timed([FORTRESS, "--workspace", str(root), *ingest])
    done: list[Trial] = []
    for _ in range(trials):
        _empty_workspace(root)
        delay = rng.uniform(0.0, full * 1.1)
        command = [FORTRESS, "--workspace", str(root), *ingest]
        reached = _kill_at_random(command, delay, lambda: _ingest_stage(root))
        trial = Trial(kind, round(delay, 3), reached)
        rows, _ = published_rows(root, table, key)
        if rows not in (0, inputs.rows):
            trial.problems.append(f"{rows} of {inputs.rows} rows visible after the kill")
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        rows, distinct = published_rows(root, table, key)
        trial.lost, trial.duplicated = inputs.rows - distinct, rows - distinct
        listed = {p.name for p in (root / "events" / table).glob("*.parquet")}
        if len(listed) != 1:
            trial.problems.append(f"{len(listed)} files in events/{table}, 1 expected")
        done.append(trial)
    return done


def _lines(root: Path) -> list[tuple[str, tuple[str, ...]]]:
    """The latest run's lines (id and numbers), or raises if they cannot be read."""
    listed = subprocess.run([FORTRESS, "--workspace", str(root), "lines", "list", "--json"],
                            check=True, capture_output=True, text=True)  # fmt: skip
    found = json.loads(listed.stdout)
    lines = found["lines"] if isinstance(found, dict) else found
    return sorted((str(line["line_id"]), tuple(line["numbers"])) for line in lines)


def _latest_run(root: Path) -> str:
    from fortress.comms.lines import latest_run
    from fortress.store.workspace import Workspace

    workspace = Workspace.open(root, create=False)
    try:
        return str(latest_run(workspace).id)
    finally:
        workspace.engine.dispose()


def detect_trials(inputs: Inputs, trials: int, rng: random.Random) -> list[Trial]:
    """``trials`` kills of a second ``fortress lines detect`` (after new files)."""
    files = sorted((inputs.world / "comms").glob("*.parquet"))
    first, second = files[: len(files) // 2], files[len(files) // 2 :]
    base = inputs.folder / "ws-detect-base"
    if not base.exists():
        _empty_workspace(base)

        def fortress(*args: str) -> None:
            subprocess.run([FORTRESS, "--workspace", str(base), *args], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip

        fortress("ingest", "comms", *map(str, first), "--layout", "canonical")
        fortress("ingest", "cells", str(inputs.world / "cells.csv"))
        fortress("lines", "detect")
        fortress("ingest", "comms", *map(str, second), "--layout", "canonical")
    before_run, before_lines = _latest_run(base), _lines(base)
    reference = inputs.folder / "ws-detect-reference"
    shutil.rmtree(reference, ignore_errors=True)
    shutil.copytree(base, reference)
    full = _timed([FORTRESS, "--workspace", str(reference), "lines", "detect"])
    expected = _lines(reference)
    root = inputs.folder / "ws-detect"
    done: list[Trial] = []
    for _ in range(trials):
        shutil.rmtree(root, ignore_errors=True)
        shutil.copytree(base, root)
        delay = rng.uniform(0.0, full * 1.1)
        command = [FORTRESS, "--workspace", str(root), "lines", "detect"]
        trial = Trial("lines-detect", round(delay, 3),
                      _kill_at_random(command, delay, lambda: _detect_stage(root)))  # fmt: skip
        if trial.stage != "finished":  # the old run, or the new one whole if it was stored
            current = _lines(root)  # before the process was killed: nothing in between
            if _latest_run(root) == before_run and current != before_lines:
                trial.problems.append("the previous run's lines changed")
            elif _latest_run(root) != before_run and current != expected:
                trial.problems.append("a run the kill interrupted became the current one")
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        found = _lines(root)
        trial.lost = len(set(expected) - set(found))
        trial.duplicated = len(found) - len(set(found)) + len(set(found) - set(expected))
        done.append(trial)
    return done


def _detect_stage(root: Path) -> str:
    kept = root / "detection"
    newest = max((p.stat().st_mtime for p in kept.rglob("*") if p.is_file()), default=0.0)
    return "keeping results" if time.time() - newest < 0.5 else "computing"


def casework_trials(inputs: Inputs, trials: int, rng: random.Random) -> list[Trial]:
    """``trials`` kills of ``fortress serve --workers 2`` under four writing clients."""
    base = inputs.folder / "ws-casework-base"
    if not base.exists():
        _casework_workspace(base)
    root = inputs.folder / "ws-casework"
    done: list[Trial] = []
    for number in range(trials):
        shutil.rmtree(root, ignore_errors=True)
        shutil.copytree(base, root)
        delay = rng.uniform(0.2, 3.0)
        trial = Trial("casework-writes", round(delay, 3), "serving writes")
        acknowledged = _serve_and_kill(root, delay, number, trial)
        _check_casework(root, acknowledged, trial)
        done.append(trial)
    return done


PASSWORD = "a long enough crash test password"


def _casework_workspace(root: Path) -> None:
    from fortress.casework.db import migrate
    from fortress.casework.users import add_user
    from fortress.store.workspace import Workspace

    workspace = Workspace.open(root)
    migrate(workspace.engine)
    with workspace.sessions.begin() as session:
        add_user(session, "writer", "analyst", PASSWORD, agency=None, actor="crash test")
    workspace.engine.dispose()


def _serve_and_kill(root: Path, delay: float, trial_number: int, trial: Trial) -> list[str]:
    """Serve ``root``, write from four clients, SIGKILL the server's process group after
    ``delay`` seconds of writing; the texts whose writes were acknowledged."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [FORTRESS, "--workspace", str(root), "serve", "--port", str(port), "--workers", "2"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    acknowledged: list[str] = []
    lock, stop = threading.Lock(), threading.Event()
    try:
        token = _sign_in(base)

        def client(which: int) -> None:
            sent = 0
            while not stop.is_set():
                text = f"trial {trial_number} client {which} write {sent}"
                sent += 1
                if _post(base, token, text) == 201:
                    with lock:
                        acknowledged.append(text)

        clients = [threading.Thread(target=client, args=(i,)) for i in range(4)]
        for thread in clients:
            thread.start()
        time.sleep(delay)
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
        stop.set()
        for thread in clients:
            thread.join()
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    if not acknowledged:
        trial.problems.append("no write was acknowledged before the kill")
    return acknowledged


def _sign_in(base: str) -> str:
    body = json.dumps({"name": "writer", "password": PASSWORD}).encode()
    for _ in range(300):
        try:
            request = urllib.request.Request(f"{base}/api/v1/session", body,
                                             {"Content-Type": "application/json"})  # fmt: skip
            with urllib.request.urlopen(request, timeout=10) as answer:
                return str(json.loads(answer.read())["token"])
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the server never answered")


def _post(base: str, token: str, text: str) -> int:
    body = json.dumps({"text": text, "grade": {"source_evaluation": "2", "assessment": "B",
                                               "handling_code": "P"}}).encode()  # fmt: skip
    request = urllib.request.Request(f"{base}/api/v1/intelligence", body, {
        "Content-Type": "application/json", "Authorization": f"Bearer {token}"})  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as refused:
        return int(refused.code)
    except OSError:
        return 0  # the connection died with the server: not acknowledged


def _check_casework(root: Path, acknowledged: list[str], trial: Trial) -> None:
    from sqlalchemy import select

    from fortress.casework import audit
    from fortress.casework.models import AuditEntry, Intelligence
    from fortress.store.workspace import Workspace

    workspace = Workspace.open(root, create=False)
    try:
        with workspace.sessions() as session:
            verified = audit.verify(session)
            stored = Counter(session.scalars(select(Intelligence.text)))
            ids = set(session.scalars(select(Intelligence.id)))
            collections = session.scalars(
                select(AuditEntry.record_ids).where(
                    AuditEntry.action == "collection", AuditEntry.record_type == "intelligence"
                )
            )
            audited = {int(i) for ids in collections for i in json.loads(ids)}
    finally:
        workspace.engine.dispose()
    if not verified.ok:
        trial.problems.append("audit chain: " + "; ".join(verified.problems))
    trial.lost = sum(1 for text in acknowledged if not stored[text])
    trial.duplicated = sum(count - 1 for count in stored.values() if count > 1)
    if ids - audited:
        trial.problems.append(f"{len(ids - audited)} records without their audit entry")


def run(folder: Path, trials: int, rows: int, world_scale: str | int, seed: int,
        targets: list[str]) -> list[Trial]:  # fmt: skip
    """Every target's trials, from inputs made in ``folder``."""
    inputs = make_inputs(folder, rows, world_scale)
    rng = random.Random(seed)
    found: list[Trial] = []
    for target in targets:
        if target in ("comms-ingest", "policeuk-ingest"):
            found += ingest_trials(inputs, target, trials, rng)
        elif target == "lines-detect":
            found += detect_trials(inputs, trials, rng)
        else:
            found += casework_trials(inputs, trials, rng)
    return found


TARGETS = ["comms-ingest", "policeuk-ingest", "lines-detect", "casework-writes"]


def table(trials: list[Trial], rows: int) -> str:
    """The Markdown table of ``docs/reliability.md``."""
    lines = ["| target | input | trials | killed | kill points reached | rows lost | "
             "rows duplicated | problems |", "|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for target in TARGETS:
        mine = [t for t in trials if t.target == target]
        if not mine:
            continue
        stages = Counter(t.stage for t in mine)
        reached = ", ".join(f"{stage} {count}" for stage, count in sorted(stages.items()))
        size = (
            "a world's comms files"
            if target == "lines-detect"
            else ("4 clients writing" if target == "casework-writes" else f"{rows:,} rows")
        )
        problems = sum(len(t.problems) for t in mine)
        lines.append(f"| {target} | {size} | {len(mine)} | {len(mine) - stages['finished']} | "
                     f"{reached} | {sum(t.lost for t in mine)} | "
                     f"{sum(t.duplicated for t in mine)} | {problems} |")  # fmt: skip
    return "\n".join(lines)


def main() -> None:
    """The long mode: run the trials and write their results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=50)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--world-scale", default="1000000")
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--folder", type=Path, default=Path("/tmp/fortress-crashes"))
    parser.add_argument("--target", action="append", choices=TARGETS)
    given = parser.parse_args()
    scale = int(given.world_scale) if given.world_scale.isdigit() else given.world_scale
    found = run(given.folder, given.trials, given.rows, scale, given.seed,
                given.target or TARGETS)  # fmt: skip
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"rows": given.rows, "world_scale": given.world_scale,
                                   "seed": given.seed, "trials": [asdict(t) for t in found]},
                                  indent=1))  # fmt: skip
    print(table(found, given.rows))


if __name__ == "__main__":
    main()
