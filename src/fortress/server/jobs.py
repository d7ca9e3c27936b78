"""Long work started from the browser (ingesting an uploaded file, detecting deal lines)
runs in the background, one job at a time, so the server keeps answering; each job's page
shows its progress and, when it ends, what it did.

Jobs live in the server process's memory: a restart forgets their pages, never their work
(an ingest publishes its file whole or not at all, a detection run is recorded whole; both
are in the workspace and its audit log whatever happens to the server)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from fortress.store.workspace import now_utc

State = Literal["waiting", "running", "done", "failed"]
Report = Callable[[int, int], None]
"""What a job calls to say how far it is: (done, of)."""


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


class Jobs:
    """The server's background jobs: run one at a time, in order, in a worker thread."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fortress-job")
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def submit(
        self, kind: str, label: str, actor: str, work: Callable[[Report], dict[str, Any]]
    ) -> Job:
        """Queue ``work`` (given a progress callback; it returns what to show at the end)."""
        job = Job(id=uuid.uuid4().hex[:12], kind=kind, label=label, started_by=actor,
                  created_at=now_utc())  # fmt: skip
        with self._lock:
            self._jobs[job.id] = job
        self._pool.submit(self._run, job, work)
        return job

    def get(self, job_id: str) -> Job | None:
        """A job by id (None if this server never ran it)."""
        with self._lock:
            return self._jobs.get(job_id)

    def recent(self, limit: int = 20) -> list[Job]:
        """The newest jobs first."""
        with self._lock:
            return sorted(self._jobs.values(), key=lambda j: j.created_at, reverse=True)[:limit]

    def _run(self, job: Job, work: Callable[[Report], dict[str, Any]]) -> None:
        job.state, job.started_at = "running", now_utc()

        def report(done: int, of: int) -> None:
            job.done, job.of = done, of

        try:
            job.result = work(report)
            job.state = "done"
        except Exception as exc:
            job.error, job.state = f"{type(exc).__name__}: {exc}", "failed"
        finally:
            job.finished_at = now_utc()

    def shutdown(self) -> None:
        """Let the running job finish; drop the waiting ones."""
        self._pool.shutdown(wait=True, cancel_futures=True)
