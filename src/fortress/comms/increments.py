"""The wave step kept between detection runs and extended by the files ingested since.

A workspace's event files never change once published (ingest only adds files), so the
wave step's result over some files (each candidate sender's messages numbered into
bursts, and what chose the senders: ``waves.Bursts``) can be brought up to date from the
files added since, reading the old files only where new events could change it. The
result is the one a run over every file gives for every sender that could be a
candidate (``extend_bursts`` says why); ``tests/comms/test_increments.py`` compares
whole detection runs.

``KeptWaveStep`` keeps the step in the workspace's ``detection/waves/`` folder
(``comms.chunks``): the messages as chunks, the first written whole and each later one
holding what a run added, with the senders whose earlier messages it replaces (recomputed
whole), so that a run writes only what changed; and each sender's triple span. The state
holds only while the wave-step parameters (``waves.WAVE_STEP_PARAMS``) and this module's
``STATE_VERSION`` stand, and while every file it covers is still published.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir

from fortress.comms import waves as wv
from fortress.comms.chunks import ChunkFolder, RunFiles
from fortress.comms.events import Span, with_local_time
from fortress.comms.params import DetectionParams
from fortress.model import columns as c
from fortress.store.workspace import Workspace

STATE_VERSION = 2
"""Raise when the wave step's method changes: older kept steps are then recomputed."""

KEPT_FOLDER = Path("detection") / "waves"
MESSAGE_COLUMNS = (*wv.SENT_COLUMNS, wv.BURST)
"""``waves.with_bursts`` columns, in order."""
STORED_COLUMNS = tuple(name for name in MESSAGE_COLUMNS if name != "epoch")
"""The columns kept: ``epoch`` is derived again."""
MAX_CHUNKS = 8
"""Message chunks beyond this are merged into one (each run with new files adds one)."""

FIRST_NEW = "first_new_utc"


@dataclass(frozen=True, slots=True)
class Extension:
    """A kept wave step brought up to date, and how it changed."""

    bursts: wv.Bursts
    """The step over every event."""
    added: ir.Table | None
    """Messages (``MESSAGE_COLUMNS``) the step gained, or None for none."""
    replaced: ir.Table | None
    """Senders (``waves.SENDER``) whose kept messages it dropped (some come back in
    ``added``, numbered again), or None for none."""


def extend_bursts(
    kept: wv.Bursts, old: ir.Table, new: ir.Table, params: DetectionParams
) -> Extension:
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
        return Extension(kept, None, None)
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
    redone = _count(redo)
    if redone:  # each of these reads every old message of the senders it names
        spans_parts.append(wv.spans_of(wv.triple_ends(everyone.semi_join(redo, wv.SENDER), params)))
    spans = _merge_spans(spans_parts).cache()
    close_now = wv.closes(spans, params)
    close_before = wv.closes(kept.triple_spans, params)
    renumber = _union(
        [close_now.anti_join(close_before, wv.SENDER), close_now.semi_join(redo, wv.SENDER)],
        [wv.SENDER],
    ).cache()
    continuing = close_before.semi_join(firsts, wv.SENDER).anti_join(redo, wv.SENDER)
    added = [_continued(kept.messages, new_sent.semi_join(continuing, wv.SENDER), params)]
    if _count(renumber):
        added.append(wv.with_bursts(everyone.semi_join(renumber, wv.SENDER), params))
    gained = _union(added, MESSAGE_COLUMNS)
    messages = _union([kept.messages.anti_join(redo, wv.SENDER), gained], MESSAGE_COLUMNS)
    return Extension(wv.Bursts(messages, spans), gained, redo if redone else None)


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
        self.chunks = ChunkFolder(workspace.root / KEPT_FOLDER, backend)
        self.files = RunFiles(workspace, backend, files)
        self.record: WaveStepRecord | None = None

    def __call__(self, local: ir.Table, when: Span, params: DetectionParams) -> ir.Table:
        """The messages with burst numbers (``waves.sent_in_bursts``) of ``local`` (all
        the run's events, with the local clock of ``when``), executed and kept.

        The run goes on with the messages read back from the kept files: what the next
        run extends, and a plan an engine holds small (Spark analyses the plan behind
        each table again in every query that reads it)."""
        files = self.files.names
        with self.chunks.locked():
            state, reason = self._usable_state(params)
            if state is None:
                step, kept_files = Extension(wv.sent_in_bursts(local, params), None, None), 0
            else:
                step, kept_files = self._extended(state, local, when, params), len(state["files"])
                reason = "extended" if kept_files < len(files) else "nothing new"
            bursts = step.bursts
            if bursts.triple_spans is None:
                self.chunks.forget()
            elif kept_files < len(files):  # with nothing new, bursts are the kept files
                bursts = self._kept(self._keep(step, state, params))
            messages = bursts.messages.cache()
        self.record = WaveStepRecord(len(files), len(files) - kept_files, reason)
        return messages

    def _extended(
        self, state: dict[str, Any], local: ir.Table, when: Span, params: DetectionParams
    ) -> Extension:
        kept = self._kept(state)
        covered = set(state["files"])
        new_files = [f for f in self.files.names if f not in covered]
        if not new_files:
            return Extension(kept, None, None)
        old = with_local_time(self.files.events(state["files"]), when)
        new = with_local_time(self.files.events(new_files), when)
        return extend_bursts(kept, old, new, params)

    def _kept(self, state: dict[str, Any]) -> wv.Bursts:
        """The kept step: each message chunk without the senders a later chunk replaced."""
        parts = []
        entries = state["messages"]
        for k, entry in enumerate(entries):
            chunk = self.chunks.read([entry["name"]])
            later = sorted({s for e in entries[k + 1 :] for s in e["replaces"]})
            if later:
                chunk = chunk.filter(~chunk[wv.SENDER].isin(later))
            parts.append(chunk)
        messages = _union(parts, STORED_COLUMNS)
        messages = messages.mutate(
            epoch=messages[c.START_UTC].epoch_seconds(),
            # DuckDB sums integers as HUGEINT, which Parquet holds as DOUBLE.
            **{wv.BURST: messages[wv.BURST].cast("int64")},
        )
        spans = self.chunks.read([state["spans"]])
        return wv.Bursts(messages.select(*MESSAGE_COLUMNS), spans)

    def _usable_state(self, params: DetectionParams) -> tuple[dict[str, Any] | None, str]:
        """The kept state if this run can extend it, else None and why not."""
        state, why = self.chunks.load(STATE_VERSION)
        if state is None:
            return None, {
                "missing": "no earlier run kept its wave step",
                "files missing": "the kept wave step's files are missing",
            }.get(why, f"the kept wave step's state {why}")
        if not {"files", "messages", "spans", "params"} <= set(state):
            return None, "the kept wave step's state is incomplete"
        if state["params"] != _step_params(params):
            return None, "the wave-step parameters changed since the kept run"
        if not set(state["files"]) <= set(self.files.names):
            return None, "files the kept run read are no longer published"
        return state, ""

    def _keep(
        self, step: Extension, state: dict[str, Any] | None, params: DetectionParams
    ) -> dict[str, Any]:
        """Append the step's new messages as a chunk (or, from scratch or when the chunks
        grow many, write every message as one), write its spans, and save the state
        naming them; returns the state."""
        assert step.bursts.triple_spans is not None
        entries: list[dict[str, Any]] = list(state["messages"]) if state else []
        if state is None or len(entries) >= MAX_CHUNKS:
            entries = [{"name": self._write(step.bursts.messages), "replaces": []}]
        elif step.added is not None:
            replaced = step.replaced
            replaces = [] if replaced is None else replaced.to_pyarrow()[wv.SENDER].to_pylist()
            entries.append({"name": self._write(step.added), "replaces": sorted(replaces)})
        spans = self.chunks.write(step.bursts.triple_spans)
        saved = {
            "params": _step_params(params),
            "files": self.files.names,
            "messages": entries,
            "spans": spans,
            "chunks": [*(e["name"] for e in entries), spans],
        }
        self.chunks.save(saved, STATE_VERSION)
        return saved

    def _write(self, messages: ir.Table) -> str:
        return self.chunks.write(messages.select(*STORED_COLUMNS))


def _step_params(params: DetectionParams) -> dict[str, Any]:
    values = params.to_dict()
    return {name: values[name] for name in wv.WAVE_STEP_PARAMS}
