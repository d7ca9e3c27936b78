"""Ingest communications exports into the workspace's ``comms`` event table.

Guarantees (each proved by a test in ``tests/ingest``):

* **all or nothing per file** - rows are staged privately and published by one atomic
  rename plus one manifest transaction, so a crash or kill leaves all or none of a file;
* **idempotent** - every event has a stable id (given by the source, else a hash of the
  normalised row plus its occurrence among identical rows), and ids already in the
  workspace are counted as duplicates, not added;
* **nothing lost** - every data row ends up accepted, rejected (in the rejects file, with
  its row number, column and reason), duplicate or blank, and the counts add up;
* **provenance** - every event carries its file's sha256 and its row number;
* **bounded memory** - the file streams in batches; DuckDB spills to the staging folder.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from uuid import uuid4

import duckdb
import pyarrow.parquet as pq

from fortress.ingest.report import IngestSummary, RejectsWriter, keep_rejects, record_batch
from fortress.model import columns as c
from fortress.sources.comms import CONTENT_KEY, GIVEN_ID, CommsNormaliser
from fortress.sources.mapping import MappingSpec
from fortress.sources.tabular import FileProblem, FileShape, fingerprint, iter_batches, sniff
from fortress.store.workspace import COMMS, Workspace, now_utc

Progress = Callable[[int, int], None]
"""Called with (bytes done, bytes in all) as an ingest advances."""

_BLOCK_BYTES = 16 << 20  # the CSV reader's block size: one batch per block


@dataclass
class _Staged:
    read: int = 0
    staged: int = 0
    blank: int = 0


def ingest_comms(
    workspace: Workspace,
    path: Path,
    *,
    spec: MappingSpec,
    owner: str | None = None,
    strict: bool = False,
    progress: Progress | None = None,
) -> IngestSummary:
    """Ingest one comms file; never raises for a bad file (see ``IngestSummary.error``)."""
    started, clock = now_utc(), time.perf_counter()
    summary = IngestSummary(file=str(path), table=COMMS, batch_id=uuid4().hex, layout=spec.name)
    try:
        _ingest(workspace, path, spec, owner, strict, progress, summary, started)
    except FileProblem as problem:
        summary.error = str(problem)
        summary.accepted = summary.duplicates = 0
        record_batch(
            workspace,
            summary,
            layout=spec.name,
            layout_version=spec.version,
            owner=owner,
            started=started,
        )
    summary.seconds = round(time.perf_counter() - clock, 3)
    return summary


def _ingest(
    workspace: Workspace,
    path: Path,
    spec: MappingSpec,
    owner: str | None,
    strict: bool,
    progress: Progress | None,
    summary: IngestSummary,
    started: datetime,
) -> None:
    if not path.is_file():
        raise FileProblem(path, "no such file")
    print_ = fingerprint(path)
    summary.sha256 = print_.sha256
    shape = sniff(
        path,
        file_type=spec.file.type,
        delimiter=spec.file.delimiter,
        encoding=spec.file.encoding,
        skip_rows=spec.file.skip_rows,
        all_utf8=print_.utf8,
    )
    with workspace.staging(summary.batch_id) as stage:
        con = workspace.duckdb(spill_to=stage / "spill")
        try:
            normaliser = CommsNormaliser(spec, shape, owner=owner, connection=con)
            rejects_path = stage / "rejects.csv"
            with RejectsWriter(rejects_path, path) as rejects:
                staged = _stage(
                    normaliser, shape, stage / "staged.parquet", rejects, progress, print_.size
                )
            summary.notes = shape.notes + normaliser.notes
            _account(summary, staged, rejects, strict, path)
            with workspace.write_lock():
                workspace.sweep()
                _publish(workspace, con, stage, summary)
                record_batch(
                    workspace,
                    summary,
                    layout=spec.name,
                    layout_version=spec.version,
                    owner=owner,
                    started=started,
                )
        finally:
            con.close()


def _stage(
    normaliser: CommsNormaliser,
    shape: FileShape,
    staged_path: Path,
    rejects: RejectsWriter,
    progress: Progress | None,
    total_bytes: int,
) -> _Staged:
    counts = _Staged()
    writer: pq.ParquetWriter | None = None
    try:
        for batch_number, (table, skipped) in enumerate(iter_batches(shape), start=1):
            rejects.add_skipped(skipped)
            counts.read += table.num_rows + len(skipped)
            if table.num_rows:
                result = normaliser.normalise(table)
                rejects.add_rejects(result.rejects)
                counts.blank += result.blank
                counts.staged += result.events.num_rows
                if writer is None:
                    writer = pq.ParquetWriter(staged_path, result.events.schema)
                writer.write_table(result.events)
            if progress is not None:
                progress(min(total_bytes, batch_number * _BLOCK_BYTES), total_bytes)
    finally:
        if writer is not None:
            writer.close()
    return counts


def _account(
    summary: IngestSummary, staged: _Staged, rejects: RejectsWriter, strict: bool, path: Path
) -> None:
    summary.read, summary.blank, summary.rejected = staged.read, staged.blank, rejects.count
    if staged.read == staged.blank:
        raise FileProblem(path, "the file has a header but no data rows")
    if staged.staged == 0:
        raise FileProblem(
            path,
            f"every one of {staged.read} rows was rejected, so nothing was ingested "
            f"(is this the right layout?); first problems: {'; '.join(rejects.first_reasons)}",
        )
    if strict and rejects.count:
        raise FileProblem(
            path,
            f"{rejects.count} rows rejected and --strict is set, so nothing was ingested; "
            f"first problems: {'; '.join(rejects.first_reasons)}",
        )
    summary.accepted = staged.staged  # duplicates are subtracted at publish time


def _publish(
    workspace: Workspace, con: duckdb.DuckDBPyConnection, stage: Path, summary: IngestSummary
) -> None:
    """Give events their ids, drop those already present, and publish the rest."""
    final = stage / "final.parquet"
    existing = workspace.data_files(COMMS)
    con.execute(
        f"COPY ({_final_query(stage / 'staged.parquet', existing, summary)}) "
        f"TO '{final}' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 500000)"
    )
    published = pq.ParquetFile(final).metadata.num_rows
    summary.duplicates = summary.accepted - published
    summary.accepted = published
    keep_rejects(workspace, stage / "rejects.csv", summary)
    if published:
        workspace.publish_file(final, COMMS, summary.batch_id)


def _final_query(staged: Path, existing: list[Path], summary: IngestSummary) -> str:
    columns = [name for name in c.EVENT_COLUMNS if name not in (c.EVENT_ID, c.SOURCE)]
    event_id = (
        f"coalesce({GIVEN_ID}, left({CONTENT_KEY}, 32) || CASE WHEN _occurrence > 0 "
        "THEN '.' || _occurrence ELSE '' END)"
    )
    query = (
        f"WITH s AS (SELECT *, row_number() OVER (PARTITION BY {CONTENT_KEY} "
        f"ORDER BY {c.SOURCE_ROW}) - 1 AS _occurrence FROM read_parquet('{staged}')), "
        f"ided AS (SELECT {event_id} AS {c.EVENT_ID}, {', '.join(columns)} FROM s), "
        f"firsts AS (SELECT * FROM ided QUALIFY row_number() OVER "
        f"(PARTITION BY {c.EVENT_ID} ORDER BY {c.SOURCE_ROW}) = 1) "
        f"SELECT {c.EVENT_ID}, {', '.join(columns[:-1])}, '{summary.sha256}' AS {c.SOURCE}, "
        f"{c.SOURCE_ROW} FROM firsts"
    )
    if existing:
        files = ", ".join(f"'{path}'" for path in existing)
        query += f" WHERE {c.EVENT_ID} NOT IN (SELECT {c.EVENT_ID} FROM read_parquet([{files}]))"
    return query + f" ORDER BY {c.SOURCE_ROW}"
