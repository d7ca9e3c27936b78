"""Folders of Parquet chunks kept in a workspace between detection runs.

A result a run keeps for the next (``comms.tallies``, ``comms.kept_contacts``) lives in
a folder of its own: chunk files, each written whole and flushed under a name no reader
knows yet, and ``state.json``, which names the chunks that count and what they cover.
The state is replaced in one step, so a crash leaves the state before or after; files it
does not name are removed when it is saved. Every change happens under the folder's lock.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from uuid import uuid4

import ibis
import ibis.expr.types as ir

from fortress.comms.events import LOCAL, span, with_local_time
from fortress.store import events as event_tables
from fortress.store.workspace import Workspace, exclusive_lock, fsync_tree, write_atomically

STATE = "state.json"
LOCK = "lock"


class ChunkFolder:
    """One kept result's folder of chunks."""

    def __init__(self, folder: Path, backend: ibis.BaseBackend):
        self.folder = folder
        self.backend = backend
        self._read: set[str] = set()
        """Chunks this process read: never removed by it, since an engine may read a
        chunk again for the tables made from it (Spark recomputes from sources)."""

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the folder's lock (made, with the folder, if missing)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with exclusive_lock(self.folder / LOCK):
            yield

    def state(self, version: int) -> dict[str, Any] | None:
        """The saved state, or None when it cannot be used (``load`` says why)."""
        return self.load(version)[0]

    def load(self, version: int) -> tuple[dict[str, Any] | None, str]:
        """The saved state, or None and why not: it is missing, unreadable, of another
        ``version``, or names a chunk that is missing (the result is then made again)."""
        path = self.folder / STATE
        if not path.exists():
            return None, "missing"
        try:
            state = json.loads(path.read_text("utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            return None, f"could not be read ({exc})"
        if not isinstance(state, dict) or not isinstance(state.get("chunks"), list):
            return None, "incomplete"
        if state.get("version") != version:
            return None, "made by another version of the method"
        if not all(isinstance(n, str) and (self.folder / n).exists() for n in state["chunks"]):
            return None, "files missing"
        return state, ""

    def write(self, table: ir.Table) -> str:
        """Write ``table`` as a new chunk, flushed to disk; returns its name."""
        name = f"{uuid4().hex}.parquet"
        partial = self.folder / f"{name}.partial"
        table.to_parquet(partial)  # a file on DuckDB, a folder of parts on Spark
        fsync_tree(partial)
        os.replace(partial, self.folder / name)
        return name

    def read(self, names: list[str]) -> ir.Table:
        """The chunks ``names`` as one table."""
        self._read.update(names)
        table = event_tables.files_table(
            self.backend, [self.folder / name for name in names], f"fortress_{uuid4().hex}"
        )
        assert table is not None  # never asked for no chunks
        return table

    def save(self, state: dict[str, Any], version: int) -> None:
        """Name ``state["chunks"]`` (with ``version``) as the chunks that count, then
        remove every other chunk but those this process read."""
        write_atomically(self.folder / STATE, json.dumps({**state, "version": version}))
        self._remove_all_but({*state["chunks"], STATE})

    def forget(self) -> None:
        """Remove the state and every chunk but those this process read."""
        (self.folder / STATE).unlink(missing_ok=True)
        self._remove_all_but(set())

    def _remove_all_but(self, kept: set[str]) -> None:
        """Remove every file of the folder but ``kept``, the lock and the chunks this
        process read."""
        for path in self.folder.iterdir() if self.folder.is_dir() else []:
            if path.name not in kept | self._read | {LOCK}:
                (shutil.rmtree if path.is_dir() else Path.unlink)(path)


class RunFiles:
    """The event files one detection run reads, by workspace-relative name."""

    def __init__(self, workspace: Workspace, backend: ibis.BaseBackend, files: list[Path]):
        self.backend = backend
        self.names = [workspace.relative(path) for path in files]
        self._paths = {workspace.relative(path): path for path in files}

    def events(self, names: Iterable[str]) -> ir.Table:
        """The events of the files ``names``."""
        events = event_tables.comms_table(self.backend, [self._paths[name] for name in names])
        assert events is not None  # never asked for no files
        return events

    def local(self, names: Iterable[str]) -> ir.Table:
        """The events of the files ``names``, with the local clock of their own span
        (exact for each of them, so the same as over every file)."""
        events = self.events(names)
        when = span(events)
        if when is None:  # files of no events add nothing
            return events.mutate(**{LOCAL: ibis.null().cast("timestamp")})
        return with_local_time(events, when)
