"""The wave step kept between detection runs and extended by the files ingested since.

A workspace's event files never change once published (ingest only adds files), so the
wave step's result over some files (each candidate sender's messages numbered into
bursts, and what chose the senders: ``waves.Bursts``) can be brought up to date from the
files added since, reading the old files only where new events could change it. The
result is the one a run over every file gives for every sender that could be a
candidate (``extend_bursts`` says why); ``tests/comms/test_increments.py`` compares
whole detection runs.

``KeptWaveStep`` keeps the step in the workspace's ``detection/waves/`` folder: one
generation folder of Parquet files named by ``state.json``, written whole before the
state names it, so a crash leaves the previous step or the new one (a run removes the
generations before the one it extended). The state holds only
while the wave-step parameters (``waves.WAVE_STEP_PARAMS``) and this module's
``STATE_VERSION`` stand, and while every file it covers is still published.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import ibis
import ibis.expr.types as ir

from fortress.comms import waves as wv
from fortress.comms.events import Span, with_local_time
from fortress.comms.params import DetectionParams
from fortress.model import columns as c
from fortress.store import events as event_tables
from fortress.store.workspace import Workspace, exclusive_lock, fsync_tree, write_atomically

STATE_VERSION = 1
"""Raise when the wave step's method changes: older kept steps are then recomputed."""

KEPT_FOLDER = Path("detection") / "waves"
MESSAGE_COLUMNS = (*wv.SENT_COLUMNS, wv.BURST)
"""``waves.with_bursts`` columns, in order; ``epoch`` is not stored but derived again."""

FIRST_NEW = "first_new_utc"


def extend_bursts(
    kept: wv.Bursts, old: ir.Table, new: ir.Table, params: DetectionParams
) -> wv.Bursts:
    """``kept`` (the wave step over the events ``old``) brought up to ``old`` plus
    ``new`` (both with the local clock of the whole span).

    Why the result is that of one step over all events, for every sender that could be
    a candidate. A sender's bursts depend only on its own messages in time order. Where
    each of its new messages is later than all its old ones (it *continues*), its old
    bursts stand, the first new message joins the last old burst when within a gap of
    it, and numbering goes on from there. Its triples (``waves.triple_ends``) over old
    and new messages in that order are the old ones and those ending at a new message,
    which look back two messages within two gaps: old messages from two gaps before the
    first new one (the *edge*) are all they can see. So its triple span merges with the
    kept one, and the close-sender guarantee holds for this order of its messages. A
    sender whose new messages do not all follow its old ones, or whose last three edge
    messages share a second (so the two a triple looks back to are not fixed), is
    recomputed from all its messages, as is any sender that becomes close only now.
    """
    gap = params.wave_gap_s
    new_sent = wv.messages_sent(new)
    firsts = new_sent.group_by(wv.SENDER).aggregate(**{FIRST_NEW: new_sent[c.START_UTC].min()})
    firsts = firsts.cache()
    first_new: datetime | None = firsts[FIRST_NEW].min().to_pyarrow().as_py()
    if first_new is None:
        return kept
    old_sent = wv.messages_sent(old)
    cutoff = first_new - timedelta(seconds=2 * gap)
    edge = _cached(old_sent.filter(old_sent[c.START_UTC] >= cutoff).semi_join(firsts, wv.SENDER))
    redo = _redone(edge, firsts)
    going_on = [edge.anti_join(redo, wv.SENDER), new_sent.anti_join(redo, wv.SENDER)]
    ends = wv.triple_ends(_union(going_on, wv.SENT_COLUMNS), params).join(firsts, wv.SENDER)
    new_spans = wv.spans_of(ends.filter(ends[c.START_UTC] >= ends[FIRST_NEW]))
    everyone = _union([old_sent, new_sent], wv.SENT_COLUMNS)
    assert kept.triple_spans is not None  # only a filtered step is kept
    spans_parts = [kept.triple_spans.anti_join(redo, wv.SENDER), new_spans]
    if _count(redo):  # each of these reads every old message of the senders it names
        spans_parts.append(wv.spans_of(wv.triple_ends(everyone.semi_join(redo, wv.SENDER), params)))
    spans = _merge_spans(spans_parts).cache()
    close_now = wv.closes(spans, params)
    close_before = wv.closes(kept.triple_spans, params)
    renumber = _union(
        [close_now.anti_join(close_before, wv.SENDER), close_now.semi_join(redo, wv.SENDER)],
        [wv.SENDER],
    ).cache()
    continuing = close_before.semi_join(firsts, wv.SENDER).anti_join(redo, wv.SENDER)
    parts = [
        kept.messages.anti_join(redo, wv.SENDER),
        _continued(kept.messages, new_sent.semi_join(continuing, wv.SENDER), params),
    ]
    if _count(renumber):
        parts.append(wv.with_bursts(everyone.semi_join(renumber, wv.SENDER), params))
    messages = _union(parts, MESSAGE_COLUMNS)
    return wv.Bursts(messages, spans)


def _cached(sent: ir.Table) -> ir.Table:
    """``sent`` executed and kept, its ``epoch`` derived again from the kept times: an
    engine may store the epoch at another precision than it computes it (DuckDB rounds
    fractional seconds into the declared integer), and the step compares epochs."""
    kept = sent.drop("epoch").cache()
    return kept.mutate(epoch=kept[c.START_UTC].epoch_seconds()).select(*wv.SENT_COLUMNS)


def _redone(edge: ir.Table, firsts: ir.Table) -> ir.Table:
    """Senders to recompute from all their messages: an old message at or after their
    first new one, or a tie in time among their last three edge messages."""
    joined = edge.join(firsts, wv.SENDER)
    woven = joined.filter(joined[c.START_UTC] >= joined[FIRST_NEW]).select(wv.SENDER)
    latest = ibis.window(group_by=wv.SENDER, order_by=ibis.desc(edge.epoch))
    ranked = edge.select(wv.SENDER, "epoch", rank=ibis.row_number().over(latest))
    last_three = ranked.filter(ranked["rank"] < 3)
    seconds = last_three.group_by([wv.SENDER, "epoch"]).aggregate(n=last_three.count())
    tied = seconds.filter(seconds.n > 1).select(wv.SENDER)
    return woven.union(tied, distinct=True).cache()


def _continued(kept: ir.Table, new_sent: ir.Table, params: DetectionParams) -> ir.Table:
    """The new messages of senders whose kept bursts go on: numbered from their last
    burst, the first a new burst only when more than a gap after their last message."""
    tails = (
        kept.semi_join(new_sent, wv.SENDER)
        .group_by(wv.SENDER)
        .aggregate(last_burst=kept[wv.BURST].max(), last_epoch=kept.epoch.max())
    )
    joined = new_sent.join(tails, wv.SENDER)
    order = ibis.window(group_by=wv.SENDER, order_by=[c.START_UTC, c.EVENT_ID])
    gap = joined.epoch - ibis.coalesce(joined.epoch.lag().over(order), joined.last_epoch)
    starts = joined.mutate(new=(gap > params.wave_gap_s).cast("int64"))
    running = ibis.window(group_by=wv.SENDER, order_by=[c.START_UTC, c.EVENT_ID], rows=(None, 0))
    return starts.mutate(**{wv.BURST: starts.last_burst + starts.new.sum().over(running)}).select(
        *MESSAGE_COLUMNS
    )


def _count(table: ir.Table) -> int:
    count: int = table.count().to_pyarrow().as_py()
    return count


def _merge_spans(parts: list[ir.Table]) -> ir.Table:
    spans = _union(parts, [wv.SENDER, wv.FIRST_TRIPLE, wv.LAST_TRIPLE])
    return spans.group_by(wv.SENDER).aggregate(
        **{
            wv.FIRST_TRIPLE: spans[wv.FIRST_TRIPLE].min(),
            wv.LAST_TRIPLE: spans[wv.LAST_TRIPLE].max(),
        }
    )


def _union(parts: list[ir.Table], columns: Sequence[str]) -> ir.Table:
    first, *more = (part.select(*columns) for part in parts)
    return first.union(*more, distinct=False) if more else first


@dataclass(frozen=True, slots=True)
class WaveStepRecord:
    """How a run's wave step was made: over every file, or kept and extended."""

    files: int
    """Event files the step covers."""
    new_files: int
    """Files read in full: all of them when the step was computed from scratch."""
    reason: str
    """Why it was computed from scratch, or that it was kept and extended."""

    def describe(self) -> str:
        """One sentence for the run's summary."""
        if self.new_files == 0:
            return f"kept from an earlier run over the same {_files(self.files)}"
        if self.new_files == self.files:
            return f"computed over all {_files(self.files)} ({self.reason})"
        return (
            f"kept from an earlier run over {_files(self.files - self.new_files)} and "
            f"extended by {self.new_files} new {'file' if self.new_files == 1 else 'files'}"
        )


def _files(count: int) -> str:
    return f"{count} event {'file' if count == 1 else 'files'}"


class KeptWaveStep:
    """The wave step of ``detect_lines`` for one workspace, kept between runs.

    Call it as ``detect_lines``'s ``bursts`` step; afterwards ``record`` says how the step
    was made.
    """

    def __init__(self, workspace: Workspace, backend: ibis.BaseBackend, files: list[Path]):
        """``files``: the event files the run reads (those of its ``events`` table)."""
        self.folder = workspace.root / KEPT_FOLDER
        self.backend = backend
        self.files = [workspace.relative(path) for path in files]
        self.paths = {workspace.relative(path): path for path in files}
        self.record: WaveStepRecord | None = None
        self._read_from: str | None = None
        """The generation this run extends: never removed by this run, since an engine
        may read it again for the tables made from it (Spark recomputes from sources)."""

    def __call__(self, local: ir.Table, when: Span, params: DetectionParams) -> ir.Table:
        """The messages with burst numbers (``waves.sent_in_bursts``) of ``local`` (all
        the run's events, with the local clock of ``when``), executed and kept.

        The run goes on with the messages read back from the kept files: what the next
        run extends, and a plan an engine holds small (Spark analyses the plan behind
        each table again in every query that reads it)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with exclusive_lock(self.folder / "lock"):
            bursts, kept_files, reason = self._extend_or_compute(local, when, params)
            if bursts.triple_spans is None:
                self._forget()
            elif kept_files < len(self.files):  # with nothing new, bursts are the kept files
                bursts = self._kept(self._keep(bursts, params))
            messages = bursts.messages.cache()
        self.record = WaveStepRecord(len(self.files), len(self.files) - kept_files, reason)
        return messages

    def _extend_or_compute(
        self, local: ir.Table, when: Span, params: DetectionParams
    ) -> tuple[wv.Bursts, int, str]:
        state, reason = self._usable_state(params)
        if state is None:
            return wv.sent_in_bursts(local, params), 0, reason
        kept_files: list[str] = state["files"]
        self._read_from = state["generation"]
        kept = self._kept(state["generation"])
        new_files = [f for f in self.files if f not in set(kept_files)]
        if not new_files:
            return kept, len(kept_files), "nothing new"
        old = with_local_time(self._events(kept_files), when)
        new = with_local_time(self._events(new_files), when)
        return extend_bursts(kept, old, new, params), len(kept_files), "extended"

    def _kept(self, generation: str) -> wv.Bursts:
        folder = self.folder / generation
        messages = self._read(folder / "messages.parquet")
        messages = messages.mutate(
            epoch=messages[c.START_UTC].epoch_seconds(),
            # DuckDB sums integers as HUGEINT, which Parquet holds as DOUBLE.
            **{wv.BURST: messages[wv.BURST].cast("int64")},
        )
        return wv.Bursts(messages.select(*MESSAGE_COLUMNS), self._read(folder / "spans.parquet"))

    def _usable_state(self, params: DetectionParams) -> tuple[dict[str, Any] | None, str]:
        """The kept state if this run can extend it, else None and why not."""
        path = self.folder / "state.json"
        if not path.exists():
            return None, "no earlier run kept its wave step"
        try:
            state: dict[str, Any] = json.loads(path.read_text("utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            return None, f"the kept wave step's state could not be read ({exc})"
        if not isinstance(state, dict) or not {"version", "files", "generation"} <= set(state):
            return None, "the kept wave step's state is incomplete"
        if state.get("version") != STATE_VERSION:
            return None, "the kept wave step was made by another version of the method"
        if state.get("params") != _step_params(params):
            return None, "the wave-step parameters changed since the kept run"
        if not set(state["files"]) <= set(self.files):
            return None, "files the kept run read are no longer published"
        if not (self.folder / state["generation"]).is_dir():
            return None, "the kept wave step's files are missing"
        return state, ""

    def _events(self, files: list[str]) -> ir.Table:
        paths = [self.paths[f] for f in files]
        table = event_tables.files_table(self.backend, paths, f"fortress_{uuid4().hex}")
        assert table is not None  # never asked for no files
        return table

    def _read(self, path: Path) -> ir.Table:
        return self.backend.read_parquet(str(path), table_name=f"fortress_{uuid4().hex}")

    def _keep(self, bursts: wv.Bursts, params: DetectionParams) -> str:
        """Write the step as a new generation, durably, then name it in ``state.json``;
        returns the generation."""
        assert bursts.triple_spans is not None
        generation = uuid4().hex
        folder = self.folder / generation
        folder.mkdir()
        _write(bursts.messages.drop("epoch"), folder / "messages.parquet")
        _write(bursts.triple_spans, folder / "spans.parquet")
        fsync_tree(folder)
        state = {
            "version": STATE_VERSION,
            "params": _step_params(params),
            "files": self.files,
            "generation": generation,
        }
        write_atomically(self.folder / "state.json", json.dumps(state, indent=1))
        self._remove_generations(but=generation)
        return generation

    def _forget(self) -> None:
        (self.folder / "state.json").unlink(missing_ok=True)
        self._remove_generations(but=None)

    def _remove_generations(self, but: str | None) -> None:
        for folder in self.folder.iterdir():
            if folder.is_dir() and folder.name not in (but, self._read_from):
                shutil.rmtree(folder, ignore_errors=True)


def _step_params(params: DetectionParams) -> dict[str, Any]:
    values = params.to_dict()
    return {name: values[name] for name in wv.WAVE_STEP_PARAMS}


def _write(table: ir.Table, path: Path) -> None:
    """``table`` as Parquet at ``path``: one file on DuckDB, a folder of parts on Spark;
    either engine's ``read_parquet`` reads both."""
    table.to_parquet(path)
