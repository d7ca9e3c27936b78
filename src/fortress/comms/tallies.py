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

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import ibis
import ibis.expr.types as ir

from fortress.comms.chunks import ChunkFolder, RunFiles
from fortress.comms.events import LOCAL, contacts, has_number_keys, numbers_back, party_columns
from fortress.model import columns as c
from fortress.store.workspace import Workspace

STATE_VERSION = 2
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
    keyed = has_number_keys(local)
    both = contacts(local, keyed=keyed)
    located = both.filter(both.cell.notnull())
    counted = located.group_by(["number", "cell"]).aggregate(events=located.count().cast("int64"))
    return numbers_back(counted, keyed, "number")


CELL_USE = Tally("cell-use", ("number", "cell"), _cell_use)
"""Per (``number``, ``cell``): how many of the number's events used the cell as its own."""


def _pairs(local: ir.Table) -> ir.Table:
    a, b = local[c.A_NUMBER], local[c.B_NUMBER]
    if not has_number_keys(local):
        return local.filter(a != b).select(x=a, y=b).distinct()
    # Pairs of two subscribers by their keys; the few with a party that is none (a
    # withheld number, a short code) by the values. No pair is in both: a key stands
    # for one E.164 number, and ingest never leaves such a number flagged as no subscriber.
    key_a, key_b = (local[name] for name in party_columns(True))
    keyed = local.filter(key_a != key_b).select(x=key_a, y=key_b).distinct()
    keyed = numbers_back(keyed, True, "x", "y")
    others = local.filter((key_a.isnull() | key_b.isnull()) & (a != b))
    return keyed.union(others.select(x=a, y=b).distinct(), distinct=False)


PAIRS = Tally("pairs", ("x", "y"), _pairs, summed=False)
"""The distinct (``x``, ``y``) pairs of A and B numbers of every event between two numbers."""


def nights(to_hour: int) -> Tally:
    """Per (``number``, ``cell``, ``night``): the number's located events on the cell from
    midnight to ``to_hour`` local time on that date."""

    def counted(local: ir.Table) -> ir.Table:
        keyed = has_number_keys(local)
        both = contacts(local, keyed=keyed)
        night = both.filter(both.cell.notnull() & (both[LOCAL].hour() < to_hour))
        counted = night.group_by(
            number=night.number, cell=night.cell, night=night[LOCAL].date()
        ).aggregate(events=night.count().cast("int64"))
        return numbers_back(counted, keyed, "number")

    return Tally(f"nights-before-{to_hour}", ("number", "cell", "night"), counted)


class TallySource(Protocol):
    """Gives the tally of every event of a run."""

    def __call__(self, tally: Tally) -> ir.Table: ...


class KeptTallies:
    """Tallies of a workspace's event files, kept between runs in ``detection/tallies``.

    Call it with a tally: the kept chunks that still hold, plus a new chunk for the files
    no chunk covers, merged. ``reused`` and ``tallied`` count the files each call read
    from kept chunks and from events."""

    def __init__(self, workspace: Workspace, backend: ibis.BaseBackend, files: list[Path]):
        """``files``: the event files the run reads."""
        self.root = workspace.root / KEPT_FOLDER
        self.backend = backend
        self.files = RunFiles(workspace, backend, files)
        self.reused: dict[str, int] = {}
        self.tallied: dict[str, int] = {}

    def __call__(self, tally: Tally) -> ir.Table:
        """The tally of every file of the run, executed and kept in the engine (so that
        no later run can remove a chunk this run still reads)."""
        chunks = ChunkFolder(self.root / tally.name, self.backend)
        with chunks.locked():
            covers = self._holding(chunks)
            covered = {f for files in covers.values() for f in files}
            new = [f for f in self.files.names if f not in covered]
            counted = None
            if new:
                counted = tally.counted(self.files.local(new)).select(*tally.columns()).cache()
                covers[chunks.write(counted)] = new
            if len(covers) > MAX_CHUNKS:
                merged = tally.merged(self._read(chunks, list(covers), tally))
                covers = {chunks.write(merged): self.files.names}
            chunks.save({"chunks": list(covers), "covers": covers}, STATE_VERSION)
            if counted is not None and len(covers) == 1:  # a run from scratch: nothing to read
                result = counted
            else:
                kept = self._read(chunks, list(covers), tally)
                result = (tally.merged(kept) if len(covers) > 1 else kept).cache()
        self.reused[tally.name] = len(covered)
        self.tallied[tally.name] = len(new)
        return result

    def _holding(self, chunks: ChunkFolder) -> dict[str, list[str]]:
        """The files of each kept chunk whose files are all among this run's, leaving
        out any that shares a file with an earlier one (a state written by hand, or by a
        bug: a file counted twice would double its counts)."""
        state = chunks.state(STATE_VERSION)
        covers = state.get("covers") if state else None
        if not isinstance(covers, dict):
            return {}
        published = set(self.files.names)
        seen: set[str] = set()
        holding = {}
        for name in state["chunks"] if state else []:
            files = covers.get(name)
            if isinstance(files, list) and set(files) <= published and seen.isdisjoint(files):
                holding[name] = [str(f) for f in files]
                seen.update(files)
        return holding

    def _read(self, chunks: ChunkFolder, names: list[str], tally: Tally) -> ir.Table:
        table = chunks.read(names)
        if tally.summed:  # DuckDB sums integers as HUGEINT, which Parquet holds as DOUBLE
            table = table.mutate(events=table.events.cast("int64"))
        return table.select(*tally.columns())
