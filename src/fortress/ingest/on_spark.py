"""Ingest a drop of comms files on Spark's executors: one task per file, each the whole of
``ingest_comms`` on the executor that runs it.

Every guarantee of ``ingest.comms`` holds because each task runs that same function on
the shared workspace: staging is private to the task (its folder is locked, so no sweep
removes it), and publishing, de-duplication against everything already published, and the
manifest record happen under the workspace's write lock, one file at a time. What the
cluster adds is parallel staging (parsing, normalising, hashing: most of an ingest's
time) across its cores and machines.

What it needs: every executor reads the files and the workspace at the same paths (a
shared folder) and reaches the records database (the workspace's SQLite file, whose
locking needs a local or lock-honouring shared filesystem, or a PostgreSQL URL); its
Python has Fortress installed. Which of two files holding the same event counts it as a
duplicate depends on which finishes first; what enters the workspace does not.
"""

from __future__ import annotations

import os
import socket
import traceback
from dataclasses import dataclass
from pathlib import Path

from fortress.ingest.comms import ingest_comms
from fortress.ingest.report import IngestSummary
from fortress.sources.mapping import MappingSpec
from fortress.store.events import spark_session
from fortress.store.workspace import COMMS, Workspace


@dataclass(frozen=True, slots=True)
class FileTask:
    """One file for one executor, with what it needs to open the workspace."""

    path: str
    root: str
    database_url: str | None
    spec: MappingSpec
    owner: str | None
    strict: bool


@dataclass(frozen=True, slots=True)
class ExecutorIngest:
    """One file's ingest as an executor did it."""

    summary: IngestSummary
    host: str
    pid: int


def ingest_comms_on_spark(
    workspace: Workspace,
    paths: list[Path],
    *,
    spec: MappingSpec,
    owner: str | None = None,
    strict: bool = False,
    database_url: str | None = None,
) -> list[ExecutorIngest]:
    """Ingest ``paths`` as ``ingest_comms`` would, each file in a Spark task of its own
    (``database_url``: the records database when it is not the workspace's own file).
    Returned in the order of ``paths``."""
    if not paths:
        return []
    tasks = [
        FileTask(str(path.resolve()), str(workspace.root), database_url, spec, owner, strict)
        for path in paths
    ]
    context = spark_session(workspace).sparkContext
    context.setJobDescription(f"fortress ingest comms: {len(tasks)} files")
    done: list[ExecutorIngest] = context.parallelize(tasks, len(tasks)).map(run_task).collect()
    return done


def run_task(task: FileTask) -> ExecutorIngest:
    """On an executor: one file's whole ingest. A failure that is not the file's (the
    records database unreachable, a full disk) refuses the file with its reason rather
    than failing the job, so the other files' outcomes still reach the driver; the file's
    ingest is all-or-nothing, so a refused file left nothing behind."""
    try:
        workspace = Workspace.open(Path(task.root), database_url=task.database_url)
        summary = ingest_comms(
            workspace, Path(task.path), spec=task.spec, owner=task.owner, strict=task.strict
        )
    except Exception as exc:  # reported for this file; the other files go on
        summary = IngestSummary(file=task.path, table=COMMS, batch_id="", layout=task.spec.name)
        last = traceback.format_exception_only(exc)[-1].strip()
        summary.refuse(f"the executor on {socket.gethostname()} failed: {last}")
    return ExecutorIngest(summary, socket.gethostname(), os.getpid())
