"""The contacts of the numbers detection fetched, kept between runs.

Detection and role finding fetch the contacts of a few thousand numbers (the candidates,
their runners, the controllers' candidates: ``events.Neighbourhood``), each fetch a scan
of every event. From one run to the next they are mostly the same numbers, and a new day
adds a file, so ``KeptContacts`` keeps every number's fetched contacts in the workspace's
``detection/contacts/`` folder and brings them up to date from the new files only: a run
scans every event only for numbers no earlier run fetched.

What is kept covers a rectangle: the contacts of the numbers ``numbers`` in the files
``files`` (``state.json``), as chunks that never overlap: a run adds a chunk of the new
files' contacts of the kept numbers, and a chunk of every file's contacts of numbers
fetched for the first time; chunks are merged into one when they grow many. A kept file
no longer published, or a damaged state or chunk, means the rectangle starts empty.
Contacts keep their local time, which ``events.with_local_time`` makes exact for every
event whatever the span it was computed over (``tests/comms/test_increments.py`` compares
whole runs).
"""

from __future__ import annotations

from pathlib import Path

import ibis
import ibis.expr.types as ir

from fortress.comms.chunks import ChunkFolder, RunFiles
from fortress.comms.events import CONTACT_COLUMNS, contacts_of_numbers, small_table
from fortress.store.workspace import Workspace

STATE_VERSION = 1
"""Raise when what a chunk holds changes: older kept contacts are then dropped."""

KEPT_FOLDER = Path("detection") / "contacts"
MAX_CHUNKS = 16
"""More chunks than this are merged into one (each run with new files adds one or two)."""

COLUMNS = (*CONTACT_COLUMNS, "number", "other", "outgoing", "cell", "imei")
"""The columns of ``events.contacts``, in order."""


class KeptContacts:
    """``Neighbourhood``'s source of contacts for one workspace, kept between runs.

    ``from_kept`` and ``scanned`` count the numbers whose contacts came from what earlier
    runs kept and from a scan of every event."""

    def __init__(self, workspace: Workspace, backend: ibis.BaseBackend, files: list[Path]):
        """``files``: the event files the run reads."""
        self.chunks = ChunkFolder(workspace.root / KEPT_FOLDER, backend)
        self.files = RunFiles(workspace, backend, files)
        self.from_kept = 0
        self.scanned = 0

    def __call__(self, numbers: list[str], local: ir.Table) -> ir.Table:
        """The ``contacts`` rows of ``numbers`` over every event (``local``: all the run's
        events, with the local clock), executed."""
        with self.chunks.locked():
            names, held, covered = self._holding()
            new_files = [f for f in self.files.names if f not in covered]
            if held and new_files:
                names.append(self._write(contacts_of_numbers(self.files.local(new_files), held)))
            known = sorted(set(numbers) & set(held))
            parts = []
            if known:  # read before the chunks are merged: merging reads them all again
                rows = self.chunks.read(names).select(*COLUMNS)
                parts.append(rows.semi_join(small_table(local, {"number": known}), "number"))
            unknown = sorted(set(numbers) - set(held))
            if unknown:
                fresh = contacts_of_numbers(local, unknown).select(*COLUMNS).cache()
                names.append(self.chunks.write(fresh))
                parts.append(fresh)
            first, *more = parts  # ``numbers`` is never empty
            found = first.union(*more, distinct=False) if more else first
            if known:  # the scan's rows are executed already; the kept ones not yet
                found = found.cache()
            if len(names) > MAX_CHUNKS:
                names = [self._write(self.chunks.read(names))]
            state = {
                "chunks": names,
                "numbers": sorted({*held, *unknown}),
                "files": self.files.names,
            }
            self.chunks.save(state, STATE_VERSION)
        self.scanned += len(unknown)
        self.from_kept += len(known)
        return found

    def describe(self) -> str | None:
        """One sentence for the run's summary (None when the run fetched nothing)."""
        if not self.from_kept and not self.scanned:
            return None
        return (
            f"{self.from_kept:,} numbers' contacts kept from earlier runs and brought up "
            f"to date, {self.scanned:,} fetched by a scan of every event"
        )

    def _holding(self) -> tuple[list[str], list[str], set[str]]:
        """The kept chunks, numbers and files, when every file they cover is among this
        run's; else none."""
        state = self.chunks.state(STATE_VERSION)
        files = state.get("files") if state else None
        numbers = state.get("numbers") if state else None
        if (
            state is None
            or not isinstance(files, list)
            or not isinstance(numbers, list)
            or not set(files) <= set(self.files.names)
        ):
            return [], [], set()
        return list(state["chunks"]), [str(n) for n in numbers], {str(f) for f in files}

    def _write(self, table: ir.Table) -> str:
        return self.chunks.write(table.select(*COLUMNS))
