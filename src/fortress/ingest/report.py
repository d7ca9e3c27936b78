"""What an ingest reports back, and the rejects file it writes."""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Final

import pyarrow as pa

from fortress.model.values import looks_like_formula
from fortress.sources.comms import Reject
from fortress.sources.tabular import FileProblem, FileShape, fingerprint, iter_batches, sniff
from fortress.store.models import DataFile, IngestBatch
from fortress.store.workspace import Workspace, full_disk_message, is_disk_full, now_utc

REJECT_COLUMNS = ("file", "row", "column", "value", "reason", "record")


@dataclass
class IngestSummary:
    """Counts and provenance of one file's ingest.

    ``read`` = ``accepted`` + ``rejected`` + ``duplicates`` + ``blank`` + ``refused``: every
    data row is accounted for. ``error`` is set when the whole file was refused; then
    nothing from it entered the workspace and ``refused`` counts the rows that would
    otherwise have been accepted or found to be duplicates.
    """

    file: str
    table: str
    batch_id: str
    layout: str | None = None
    sha256: str | None = None
    read: int = 0
    accepted: int = 0
    rejected: int = 0
    duplicates: int = 0
    blank: int = 0
    refused: int = 0
    rejects_file: str | None = None
    reject_reasons: dict[str, int] = field(default_factory=dict)
    """How many rows were rejected for each reason, most frequent first."""
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when the file was ingested (possibly with some rows rejected)."""
        return self.error is None

    def refuse(self, reason: str) -> None:
        """Mark the whole file refused: nothing of it is accepted."""
        self.error = reason
        self.refused = self.read - self.rejected - self.blank
        self.accepted = self.duplicates = 0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary."""
        return asdict(self)


class RejectsWriter:
    """Streams rejected rows to a CSV file (``file,row,column,value,reason,record``)."""

    def __init__(self, path: Path, source: Path) -> None:
        self.path = path
        self.source = str(source)
        self.count = 0
        self.reasons: Counter[str] = Counter()
        self._handle = path.open("w", newline="", encoding="utf-8")
        self._writer = csv.writer(self._handle)
        self._writer.writerow(REJECT_COLUMNS)

    def __enter__(self) -> RejectsWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._handle.close()

    def add_rejects(self, rejects: Iterable[Reject]) -> None:
        """Write rejected rows."""
        for item in rejects:
            self.count += 1
            self.reasons[item.reason] += 1
            self._writer.writerow(
                [
                    self.source,
                    item.row,
                    item.column or "",
                    _neutralise(item.value),
                    item.reason,
                    _neutralise(item.record),
                ]
            )

    def reasons_by_count(self) -> dict[str, int]:
        """Rows written per reason, most frequent first (ties by reason)."""
        return dict(sorted(self.reasons.items(), key=lambda item: (-item[1], item[0])))

    @staticmethod
    def describe(reject: Reject) -> str:
        """One line for a person: where, why, and the offending value."""
        where = f"row {reject.row}" + (f", column {reject.column!r}" if reject.column else "")
        shown = f" ({_shortened(reject.value)})" if reject.value is not None else ""
        return f"{where}: {reject.reason}{shown}"


SHOWN_MOST: Final = 80
"""The most of a rejected value a message quotes (the rejects file keeps it whole)."""


def _shortened(value: str) -> str:
    """``value`` quoted, cut to ``SHOWN_MOST`` characters with its length said: a message
    quoting an 8 MB field whole took a terminal most of a minute to print."""
    if len(value) <= SHOWN_MOST:
        return repr(value)
    return f"{value[:SHOWN_MOST]!r}… ({len(value):,} characters)"


def _neutralise(text: str | None) -> str:
    """Prefix text a spreadsheet would execute with a quote, so opening the rejects file
    in Excel cannot run an attacker's formula."""
    if text and looks_like_formula(text):
        return "'" + text
    return text or ""


def save_rejects(
    workspace: Workspace, stage: Path, rejects: Iterable[Reject], summary: IngestSummary
) -> None:
    """Write the rejected rows to a CSV in the staging folder, then move it into the
    workspace's ``rejects/`` folder and note where it went and how many rows each reason
    rejected (nothing when none was rejected)."""
    if not summary.rejected:
        return
    staged = stage / "rejects.csv"
    with RejectsWriter(staged, Path(summary.file)) as writer:
        writer.add_rejects(rejects)
    summary.reject_reasons = writer.reasons_by_count()
    destination = workspace.root / "rejects" / f"{summary.batch_id}-{Path(summary.file).stem}.csv"
    staged.replace(destination)
    summary.rejects_file = str(destination)


def record_batch(
    workspace: Workspace,
    summary: IngestSummary,
    *,
    layout: str | None,
    layout_version: int | None,
    owner: str | None,
    started: datetime,
) -> None:
    """Write the batch, and its published file if any, to the record database in one
    transaction. Call with the write lock held when a file was published."""
    final = workspace.root / "events" / summary.table / f"{summary.batch_id}.parquet"
    source = Path(summary.file)
    with workspace.sessions.begin() as session:
        session.add(
            IngestBatch(
                id=summary.batch_id,
                table_name=summary.table,
                status="failed" if summary.error else "published",
                source_path=str(source.resolve()),
                source_sha256=summary.sha256,
                source_bytes=source.stat().st_size if summary.sha256 else None,
                layout=layout,
                layout_version=layout_version,
                owner_number=owner,
                started_at=started,
                finished_at=now_utc(),
                rows_read=summary.read,
                accepted=summary.accepted,
                rejected=summary.rejected,
                duplicates=summary.duplicates,
                blank=summary.blank,
                rejects_path=summary.rejects_file,
                reject_reasons=json.dumps(summary.reject_reasons),
                notes=json.dumps(summary.notes),
                error=summary.error,
            )
        )
        if summary.error is None and final.exists():
            session.add(
                DataFile(
                    path=workspace.relative(final),
                    table_name=summary.table,
                    batch_id=summary.batch_id,
                    rows=summary.accepted,
                    created_at=now_utc(),
                )
            )


def read_whole(shape: FileShape, summary: IngestSummary) -> tuple[pa.Table, list[Reject]]:
    """A small file read whole as text columns, and its ragged rows as rejects (blank
    rows counted in ``summary``); refuses a file with no data rows."""
    tables, rejects = [], []
    for _done, table, skipped in iter_batches(shape):
        for item in skipped:
            if item.reason == "blank line":
                summary.blank += 1
            else:
                rejects.append(Reject(item.row, None, None, item.reason, json.dumps(item.text)))
        summary.read += table.num_rows + len(skipped)
        tables.append(table)
    if summary.read == 0:
        raise FileProblem(shape.path, "the file has a header but no data rows")
    return pa.concat_tables(tables, promote_options="permissive"), rejects


def open_small_file(path: Path, summary: IngestSummary, *, file_type: str = "auto") -> FileShape:
    """A small file, checked to exist, fingerprinted into ``summary`` and sniffed; one that
    is not UTF-8 throughout is read as mixed UTF-8 and cp1252 (decided up front rather than
    by a restart, as the file is read whole)."""
    if not path.is_file():
        raise FileProblem(path, "no such file")
    fingerprinted = fingerprint(path)
    summary.sha256 = fingerprinted.sha256
    shape = sniff(path, file_type=file_type)
    if not fingerprinted.utf8 and shape.encoding == "utf-8":
        shape.encoding = "mixed"
    return shape


def refuse_for_space(workspace: Workspace, summary: IngestSummary, exc: Exception) -> None:
    """Refuse the file when ``exc`` is a full disk (nothing of it was published: its
    staging went with it, and no batch is recorded, the records being on a full disk
    too, perhaps); raise ``exc`` again otherwise."""
    if not is_disk_full(exc):
        raise exc
    summary.refuse(full_disk_message(workspace.root))
