"""Tallies over every event that add up file by file, kept between detection runs.

Some steps need a figure over every event, not only the neighbourhood of a few numbers:
the areas where every number's events were located (a line's home town, the residents
of each area), who is in touch with whom (whether a line's customers know each other),
and where every phone spends its nights (the residents of a cuckooed address). Each is
a *tally*: counts per key, or a set of keys, that can be computed for some files and for
others apart and merged by summing the counts per key (or uniting the sets). A
workspace's event files never change once published, so a tally of the files read before
stands, and a run after new files tallies only those.

``KeptTallies`` keeps each tally in the workspace's ``detection/tallies/`` folder as
*chunks*, one Parquet file per run that brought new files, named with the files they
cover in ``state.json``; a chunk is written whole and flushed before the state names it,
so a crash leaves the state before or after. A chunk holds only while every file it
covers is still published; chunks are merged into one when they grow many.
Without them (a run outside a workspace) ``Neighbourhood.tally`` computes each tally over
every event; both give the same table (``tests/comms/test_tallies.py``).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from uuid import uuid4

import ibis
import ibis.expr.types as ir

from fortress.comms.events import LOCAL, contacts, span, with_local_time
from fortress.model import columns as c
from fortress.store import events as event_tables
from fortress.store.workspace import Workspace, exclusive_lock, fsync_tree, write_atomically

STATE_VERSION = 1
"""Raise when the chunks' layout changes: older kept tallies are then recomputed."""

KEPT_FOLDER = Path("detection") / "tallies"
MAX_CHUNKS = 16
"""More chunks than this for one tally are merged into one: each run that brings new
files adds a chunk, and reading hundreds of small files costs more than one."""


@dataclass(frozen=True, slots=True)
class Tally:
    """A table over events that adds up file by file."""

    name: str
    """Names the kept chunks: include every parameter the tally depends on."""
    keys: tuple[str, ...]
    counted: Callable[[ir.Table], ir.Table]
    """Events with the local clock (``events.with_local_time``) to one row per key, with
    ``events`` (an int64 count) unless the tally is a set (``summed`` false)."""
    summed: bool = True

    def merged(self, parts: ir.Table) -> ir.Table:
        """Rows of tallies of disjoint sets of events to the tally of all of them."""
        if not self.summed:
            return parts.select(*self.keys).distinct()
        return parts.group_by(list(self.keys)).aggregate(events=parts.events.sum().cast("int64"))

    def columns(self) -> tuple[str, ...]:
        """The tally's columns, in order."""
        return (*self.keys, "events") if self.summed else self.keys


def _cell_use(local: ir.Table) -> ir.Table:
    both = contacts(local)
    located = both.filter(both.cell.notnull())
    return located.group_by(["number", "cell"]).aggregate(events=located.count().cast("int64"))


CELL_USE = Tally("cell-use", ("number", "cell"), _cell_use)
"""Per (``number``, ``cell``): how many of the number's events used the cell as its own."""


def _pairs(local: ir.Table) -> ir.Table:
    a, b = local[c.A_NUMBER], local[c.B_NUMBER]
    return local.filter(a != b).select(x=a, y=b).distinct()


PAIRS = Tally("pairs", ("x", "y"), _pairs, summed=False)
"""The distinct (``x``, ``y``) pairs of A and B numbers of every event between two numbers."""


def nights(to_hour: int) -> Tally:
    """Per (``number``, ``cell``, ``night``): the number's located events on the cell from
    midnight to ``to_hour`` local time on that date."""

    def counted(local: ir.Table) -> ir.Table:
        both = contacts(local)
        night = both.filter(both.cell.notnull() & (both[LOCAL].hour() < to_hour))
        return night.group_by(
            number=night.number, cell=night.cell, night=night[LOCAL].date()
        ).aggregate(events=night.count().cast("int64"))

    return Tally(f"nights-before-{to_hour}", ("number", "cell", "night"), counted)


class TallySource(Protocol):
    """Gives the tally of every event of a run."""

    def __call__(self, tally: Tally) -> ir.Table: ...


@dataclass(frozen=True, slots=True)
class Chunk:
    """A kept tally of some event files."""

    name: str
    """The chunk's Parquet file (or folder, on Spark) in the tally's folder."""
    files: tuple[str, ...]
    """Workspace-relative paths of the event files it tallies."""


class KeptTallies:
    """Tallies of a workspace's event files, kept between runs in ``detection/tallies``.

    Call it with a tally: the kept chunks that still hold, plus a new chunk for the files
    no chunk covers, merged. ``reused`` and ``tallied`` count the files each call read
    from kept chunks and from events."""

    def __init__(self, workspace: Workspace, backend: ibis.BaseBackend, files: list[Path]):
        """``files``: the event files the run reads."""
        self.folder = workspace.root / KEPT_FOLDER
        self.backend = backend
        self.files = [workspace.relative(path) for path in files]
        self.paths = {workspace.relative(path): path for path in files}
        self.reused: dict[str, int] = {}
        self.tallied: dict[str, int] = {}

    def __call__(self, tally: Tally) -> ir.Table:
        """The tally of every file of the run, executed and kept in the engine (so that
        no later run can remove a chunk this run still reads)."""
        folder = self.folder / tally.name
        folder.mkdir(parents=True, exist_ok=True)
        with exclusive_lock(folder / "lock"):
            chunks = self._holding(folder)
            covered = {f for chunk in chunks for f in chunk.files}
            new = [f for f in self.files if f not in covered]
            if new:
                counted = tally.counted(self._local(new))
                chunks.append(self._write_chunk(folder, tally, counted, new))
            if len(chunks) > MAX_CHUNKS:
                merged = tally.merged(self._read(folder, chunks, tally))
                chunks = [self._write_chunk(folder, tally, merged, self.files)]
            self._save(folder, chunks)
            kept = self._read(folder, chunks, tally)
            result = (tally.merged(kept) if len(chunks) > 1 else kept).cache()
        self.reused[tally.name] = len(covered)
        self.tallied[tally.name] = len(new)
        return result

    def _holding(self, folder: Path) -> list[Chunk]:
        """The kept chunks whose files are all among this run's; the rest are removed."""
        published = set(self.files)
        holding = [
            chunk
            for chunk in _load(folder / "state.json")
            if set(chunk.files) <= published and (folder / chunk.name).exists()
        ]
        return _disjoint(holding)

    def _local(self, files: list[str]) -> ir.Table:
        events = event_tables.files_table(
            self.backend, [self.paths[f] for f in files], f"fortress_{uuid4().hex}"
        )
        assert events is not None  # never asked for no files
        when = span(events)
        # Files of no events add nothing; their chunk is empty but still covers them.
        return events if when is None else with_local_time(events, when)

    def _write_chunk(self, folder: Path, tally: Tally, table: ir.Table, files: list[str]) -> Chunk:
        name = f"{uuid4().hex}.parquet"
        partial = folder / f"{name}.partial"
        table.select(*tally.columns()).to_parquet(partial)
        if partial.is_dir():  # Spark writes a folder of parts
            fsync_tree(partial)
        else:
            _fsync(partial)
        os.replace(partial, folder / name)
        return Chunk(name, tuple(files))

    def _save(self, folder: Path, chunks: list[Chunk]) -> None:
        state = {
            "version": STATE_VERSION,
            "chunks": [{"name": chunk.name, "files": list(chunk.files)} for chunk in chunks],
        }
        write_atomically(folder / "state.json", json.dumps(state, indent=1))
        named = {chunk.name for chunk in chunks} | {"state.json", "lock"}
        for path in folder.iterdir():
            if path.name not in named:
                (shutil.rmtree if path.is_dir() else Path.unlink)(path)

    def _read(self, folder: Path, chunks: list[Chunk], tally: Tally) -> ir.Table:
        table = event_tables.files_table(
            self.backend, [folder / chunk.name for chunk in chunks], f"fortress_{uuid4().hex}"
        )
        assert table is not None  # a run has at least one file, so one chunk
        if tally.summed:  # DuckDB sums integers as HUGEINT, which Parquet holds as DOUBLE
            table = table.mutate(events=table.events.cast("int64"))
        return table.select(*tally.columns())


def _load(path: Path) -> list[Chunk]:
    """The chunks ``state.json`` names; none when it is missing, unreadable or of
    another version (the tally is then computed again)."""
    try:
        state: Any = json.loads(path.read_text("utf-8"))
        if state.get("version") != STATE_VERSION:
            return []
        return [Chunk(str(row["name"]), tuple(map(str, row["files"]))) for row in state["chunks"]]
    except (OSError, UnicodeDecodeError, ValueError, AttributeError, KeyError, TypeError):
        return []


def _disjoint(chunks: list[Chunk]) -> list[Chunk]:
    """The chunks in order, leaving out any that shares a file with an earlier one (a
    state written by hand, or by a bug: a file counted twice would double its counts)."""
    seen: set[str] = set()
    kept = []
    for chunk in chunks:
        if seen.isdisjoint(chunk.files):
            kept.append(chunk)
            seen.update(chunk.files)
    return kept


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())
