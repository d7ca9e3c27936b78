"""Long work started from the browser (ingesting an uploaded file, detecting deal lines)
runs in the background, one job at a time per server process, so the server keeps
answering; each job's page shows its progress and, when it ends, what it did.

Each job's state is also a small JSON file in the workspace's ``jobs/`` folder, written
whole (temporary file, then rename) when the job is queued, starts, ends, and at most
every half second while it reports progress: with ``fortress serve --workers N`` the
browser's next request may reach another process, which reads the job from there. A job
whose process has gone (the server was stopped or killed) shows as failed, with that
reason; its work is never half-kept (an ingest publishes its file whole or not at all, a
detection run is recorded whole)."""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Final, Literal

from fortress.store.workspace import now_utc, write_atomically

State = Literal["waiting", "running", "done", "failed"]
Report = Callable[[int, int], None]
"""What a job calls to say how far it is: (done, of)."""
PROGRESS_EVERY: Final = 0.5
"""Seconds between two writes of a running job's progress to its file."""
JOBS_FOLDER: Final = "jobs"
"""The workspace's folder of job files."""
GONE: Final = "the server process running this job stopped before it ended"


@dataclass
class Job:
    """One piece of background work and how it stands."""

    id: str
    kind: str
    label: str
    started_by: str
    created_at: datetime
    state: State = "waiting"
    done: int = 0
    of: int = 0
    started_at: datetime | None = None
    finished_at: datetime | None = None
    result: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    process: int = field(default_factory=os.getpid)
    """The server process that runs it."""


_TIMES: Final = ("created_at", "started_at", "finished_at")


def _to_json(job: Job) -> str:
    fields = asdict(job)
    for name in _TIMES:
        fields[name] = fields[name].isoformat() if fields[name] else None
    return json.dumps(fields)


def _from_json(text: str) -> Job:
    fields = json.loads(text)
    for name in _TIMES:
        fields[name] = datetime.fromisoformat(fields[name]) if fields[name] else None
    return Job(**fields)


def _alive(process: int) -> bool:
    try:
        os.kill(process, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, another user's
        return True
    return True


class Jobs:
    """The server's background jobs: run one at a time, in order, in a worker thread of
    this process; kept in ``folder`` (when given) for every process to read."""

    def __init__(self, folder: Path | None = None) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fortress-job")
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._folder = folder

    def submit(
        self, kind: str, label: str, actor: str, work: Callable[[Report], dict[str, Any]]
    ) -> Job:
        """Queue ``work`` (given a progress callback; it returns what to show at the end)."""
        job = Job(id=uuid.uuid4().hex[:12], kind=kind, label=label, started_by=actor,
                  created_at=now_utc())  # fmt: skip
        with self._lock:
            self._jobs[job.id] = job
        self._save(job)
        self._pool.submit(self._run, job, work)
        return job

    def get(self, job_id: str) -> Job | None:
        """A job by id (None if no process of this server ran it)."""
        with self._lock:
            mine = self._jobs.get(job_id)
        if mine is not None or self._folder is None:
            return mine
        return self._read(self._folder / f"{job_id}.json")

    def recent(self, limit: int = 20) -> list[Job]:
        """The newest jobs first, from every process."""
        with self._lock:
            found = dict(self._jobs)
        if self._folder is not None and self._folder.is_dir():
            for path in self._folder.glob("*.json"):
                if path.stem not in found and (job := self._read(path)) is not None:
                    found[job.id] = job
        return sorted(found.values(), key=lambda j: j.created_at, reverse=True)[:limit]

    def _run(self, job: Job, work: Callable[[Report], dict[str, Any]]) -> None:
        job.state, job.started_at = "running", now_utc()
        self._save(job)
        saved = time.monotonic()

        def report(done: int, of: int) -> None:
            nonlocal saved
            job.done, job.of = done, of
            if time.monotonic() - saved >= PROGRESS_EVERY:
                self._save(job)
                saved = time.monotonic()

        try:
            job.result = work(report)
            job.state = "done"
        except Exception as exc:
            job.error, job.state = f"{type(exc).__name__}: {exc}", "failed"
        finally:
            job.finished_at = now_utc()
            self._save(job)

    def _save(self, job: Job) -> None:
        if self._folder is not None:  # only the job's own process writes its file
            write_atomically(self._folder / f"{job.id}.json", _to_json(job))

    def _read(self, path: Path) -> Job | None:
        try:
            job = _from_json(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, TypeError):  # absent, or not a job's file
            return None
        if job.state in ("waiting", "running") and not _alive(job.process):
            job.state, job.error = "failed", GONE
        return job

    def shutdown(self) -> None:
        """Let the running job finish; drop the waiting ones."""
        self._pool.shutdown(wait=True, cancel_futures=True)
