"""Consultations are audited by group commit (``audit.AuditSealer``): concurrent requests
share one transaction, the chain stays whole, a change still writes its entry in its own
transaction, and a server killed with SIGKILL under load has kept the entry of every
consultation it answered."""

from __future__ import annotations

import contextlib
import fcntl
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from fortress.casework import audit, intelligence
from fortress.casework.audit import SEALER, AuditSealer
from fortress.casework.intelligence import Grade
from fortress.casework.models import AuditEntry, Intelligence
from fortress.store.workspace import Workspace, own_engine
from helpers.casework import PASSWORD


def _sealed(casework: Workspace) -> tuple[AuditSealer, sessionmaker[Session]]:
    sealer = AuditSealer(own_engine(casework.engine), idle_seconds=1)
    return sealer, sessionmaker(casework.engine, info={SEALER: sealer})


def _consult(sessions: sessionmaker[Session], reader: int) -> None:
    with sessions() as session:
        audit.consulted(session, Intelligence, 1, actor=f"reader {reader}",
                        record_type="intelligence")  # fmt: skip
        session.commit()


def _chain(casework: Workspace) -> audit.Verification:
    with casework.sessions() as session:
        return audit.verify(session)


@contextmanager
def _chain_held(casework: Workspace) -> Iterator[None]:
    """Another transaction holds the chain's head (PostgreSQL's row lock, SQLite's write
    lock) until the block ends."""
    with casework.engine.connect() as connection:
        connection.execute(text("UPDATE casework_audit_head SET seq = seq WHERE id = 1"))
        yield
        connection.rollback()


def test_concurrent_consultations_share_commits_and_stay_chained(casework: Workspace) -> None:
    sealer, sessions = _sealed(casework)
    before = _chain(casework).entries
    readers = 12  # each holds one of the pool's 15 connections while it waits
    with ThreadPoolExecutor(max_workers=readers) as pool:
        with _chain_held(casework):  # the first batch waits; the others queue behind it
            answers = [pool.submit(_consult, sessions, reader) for reader in range(readers)]
            time.sleep(1.0)
        for answer in answers:
            answer.result()
    sealer.close()
    assert sealer.entries == readers and sealer.commits <= 3
    found = _chain(casework)
    assert found.ok, found.problems
    assert found.entries == before + readers


def test_sealers_on_one_sqlite_file_take_turns_through_a_file_lock(casework: Workspace) -> None:
    """``serve --workers N`` runs a sealer per process: on SQLite they queue on a file lock
    (a waiter wakes when it is released) rather than on SQLite's lock (a waiter sleeps up
    to 100 ms between tries). flock locks belong to open files, so this test's own open of
    the lock file stands for another process's sealer."""
    database = casework.engine.url.database
    if casework.engine.dialect.name != "sqlite" or database is None:
        pytest.skip("PostgreSQL's row lock on the chain's head wakes its waiters itself")
    sealer, sessions = _sealed(casework)
    before = _chain(casework).entries
    with open(f"{database}-audit-writers.lock", "a") as other_process:
        fcntl.flock(other_process, fcntl.LOCK_EX)
        with ThreadPoolExecutor(max_workers=1) as pool:
            answer = pool.submit(_consult, sessions, 1)
            time.sleep(1.0)
            assert not answer.done()  # waiting for its turn
            fcntl.flock(other_process, fcntl.LOCK_UN)
            answer.result(timeout=30)
    sealer.close()
    found = _chain(casework)
    assert found.ok, found.problems
    assert found.entries == before + 1


def test_a_change_writes_its_entry_in_its_own_transaction(
    casework: Workspace, tmp_path: Path
) -> None:
    """A sealer that cannot write: a consultation through it fails, a change does not
    use it."""
    sealer = AuditSealer(create_engine(f"sqlite:///{tmp_path / 'missing' / 'audit.db'}"))
    sessions = sessionmaker(casework.engine, info={SEALER: sealer})
    with pytest.raises(OperationalError, match="unable to open database"):
        _consult(sessions, 1)
    with sessions.begin() as session:
        intelligence.create(session, "Runner seen at the station", Grade("3x5x2", "2", "B", "P"),
                            [], actor="analyst")  # fmt: skip
    found = _chain(casework)
    assert found.ok
    with casework.sessions() as session:
        last = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert last is not None and (last.actor, last.action) == ("analyst", "collection")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _served(
    casework: Workspace, log: Path, workers: int = 1
) -> tuple[subprocess.Popen[bytes], str]:
    """``fortress serve`` in a process group of its own (its workers included)."""
    port = _free_port()
    url = casework.engine.url.render_as_string(hide_password=False)
    fortress = str(Path(sys.executable).with_name("fortress"))
    command = [fortress, "--workspace", str(casework.root), "--database-url", url,
               "serve", "--host", "127.0.0.1", "--port", str(port),
               "--workers", str(workers)]  # fmt: skip
    process = subprocess.Popen(command, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                               start_new_session=True)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            urllib.request.urlopen(f"{base}/openapi.json", timeout=5).close()
            return process, base
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    _kill_all(process)
    raise AssertionError(f"fortress serve did not start:\n{log.read_text()[-3000:]}")


def _token(base: str) -> str:
    body = json.dumps({"name": "analyst", "password": PASSWORD}).encode()
    request = urllib.request.Request(f"{base}/api/v1/session", data=body,
                                     headers={"Content-Type": "application/json"})  # fmt: skip
    with urllib.request.urlopen(request, timeout=30) as answer:
        return str(json.load(answer)["token"])


def _analyst_consultations(casework: Workspace) -> int:
    with casework.sessions() as session:
        return int(session.scalar(
            select(func.count()).select_from(AuditEntry).where(
                AuditEntry.actor == "analyst", AuditEntry.action == "consultation",
                AuditEntry.record_type == "intelligence")
        ) or 0)  # fmt: skip


def _kill_all(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL to the server and every worker process it started."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_server_killed_under_load_kept_every_answered_consultation(
    casework: Workspace, tmp_path: Path, workers: int
) -> None:
    """With ``--workers 2`` both processes' sealers write (on SQLite, in turns through
    their file lock) and both die at once."""
    process, base = _served(casework, tmp_path / "serve.log", workers)
    try:
        token = _token(base)
        before = _analyst_consultations(casework)
        answered = [0] * 8
        stop = threading.Event()

        def read(reader: int) -> None:
            bearer = {"Authorization": f"Bearer {token}"}
            request = urllib.request.Request(f"{base}/api/v1/intelligence/1", headers=bearer)
            while not stop.is_set():
                try:
                    with urllib.request.urlopen(request, timeout=10) as answer:
                        answer.read()
                        answered[reader] += answer.status == 200
                except (urllib.error.URLError, http.client.HTTPException, OSError):
                    return  # the server is gone (a half-sent answer is not answered)

        readers = [threading.Thread(target=read, args=(k,)) for k in range(8)]
        for reader in readers:
            reader.start()
        time.sleep(2.0)
        _kill_all(process)
        stop.set()
        for reader in readers:
            reader.join(timeout=15)
    finally:
        if process.poll() is None:
            _kill_all(process)
    assert sum(answered) > 20  # the load was real
    assert _analyst_consultations(casework) - before >= sum(answered)
    found = _chain(casework)
    assert found.ok, found.problems
