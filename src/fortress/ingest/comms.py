"""Ingest communications exports into the workspace's ``comms`` event table.

Guarantees (each proved by a test in ``tests/ingest``):

* **all or nothing per file** - rows are staged privately and published by one atomic
  rename plus one manifest transaction, so a crash or kill leaves all or none of a file;
* **idempotent** - every event has a stable id (the source's record id, namespaced by the
  served number in subject layouts, else a hash of the normalised row plus its occurrence
  among identical rows), and ids already in the workspace are counted as duplicates;
* **nothing lost** - every data row ends up accepted, rejected (in the rejects file, with
  its row number, column and reason), duplicate, blank, or refused with its file, and the
  counts add up; a record id that names two different events is a reject, never a merge;
* **provenance** - every event carries its file's sha256 and its row number;
* **bounded memory** - the file streams in batches; DuckDB spills to the staging folder.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from uuid import uuid4

import duckdb
import pyarrow.dataset as pads
import pyarrow.parquet as pq

from fortress.ingest.report import (
    IngestSummary,
    RejectsWriter,
    record_batch,
    refuse_for_space,
    save_rejects,
)
from fortress.model import columns as c
from fortress.model import flags
from fortress.model.sql import literal, path_list
from fortress.sources.comms import (
    GIVEN_ID,
    KEY_HI,
    KEY_LO,
    REJECTED,
    STAGED,
    CommsNormaliser,
    content_key_selects,
    content_md5_select,
    event_id_sql,
)
from fortress.sources.mapping import MappingSpec
from fortress.sources.tabular import (
    FileProblem,
    FileShape,
    Fingerprint,
    NeedsRestart,
    fingerprint,
    iter_batches,
    sniff,
)
from fortress.store.workspace import COMMS, Workspace, connect_duckdb, now_utc

Progress = Callable[[int, int], None]
"""Called with (bytes done, bytes in all) as an ingest advances."""


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
        summary.refuse(str(problem))
        record_batch(
            workspace, summary, layout=spec.name, layout_version=spec.version, owner=owner,
            started=started,
        )  # fmt: skip
    except Exception as exc:  # a full disk is refused in words; anything else is a bug
        refuse_for_space(workspace, summary, exc)
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
    with ThreadPoolExecutor(max_workers=1) as pool:
        hashing = pool.submit(fingerprint, path)  # runs beside parsing: hashlib frees the GIL
        shape = sniff(
            path,
            file_type=spec.file.type,
            delimiter=spec.file.delimiter,
            encoding=spec.file.encoding,
            skip_rows=spec.file.skip_rows,
        )
        with workspace.staging(summary.batch_id) as stage:
            con = connect_duckdb(spill_to=stage / "spill")
            try:
                normaliser = _stage(con, spec, shape, owner, progress, hashing, stage)
                summary.sha256 = hashing.result().sha256
                summary.notes = shape.notes + normaliser.notes
                _account(workspace, stage, normaliser, summary, strict)
                with workspace.write_lock():
                    workspace.sweep()
                    _publish(workspace, con, normaliser, stage, summary, strict)
                    record_batch(
                        workspace, summary, layout=spec.name, layout_version=spec.version,
                        owner=owner, started=started,
                    )  # fmt: skip
            finally:
                con.close()


def _stage(
    con: duckdb.DuckDBPyConnection,
    spec: MappingSpec,
    shape: FileShape,
    owner: str | None,
    progress: Progress | None,
    hashing: Future[Fingerprint],
    stage: Path,
) -> CommsNormaliser:
    """Normalise the whole file into the ``staged`` and ``rejected`` tables.

    The fast path parses with threads; a file whose ragged rows need row numbers, or that
    turns out not to be UTF-8, is read again the careful way.
    """
    threads = True
    while True:
        normaliser = CommsNormaliser(
            spec, shape, con=con, staged_path=stage / "staged.arrow", owner=owner
        )
        try:
            for done, table, skipped in iter_batches(shape, threads=threads):
                normaliser.add_skipped(skipped)
                if table.num_rows:
                    normaliser.add(table)
                if progress is not None:
                    progress(done, shape.size)
            normaliser.finish()
            return normaliser
        except NeedsRestart as restart:
            # each reason restarts at most once: single-threaded, then line by line
            threads = threads and not restart.for_row_numbers
            if restart.for_encoding:
                if shape.encoding != "utf-8":
                    raise FileProblem(shape.path, "cannot decode the file as text") from restart
                shape.encoding = "mixed"
                shape.notes.append(
                    "not valid UTF-8 throughout: lines that are not were read as cp1252"
                )


def _account(
    workspace: Workspace,
    stage: Path,
    normaliser: CommsNormaliser,
    summary: IngestSummary,
    strict: bool,
) -> None:
    """Fill in the counts; refuse the file (keeping its rejects readable) when nothing or
    not everything (``--strict``) can be accepted."""
    summary.blank, summary.rejected = normaliser.blank, normaliser.rejected
    summary.read = normaliser.staged + normaliser.rejected + normaliser.blank
    summary.accepted = normaliser.staged
    problem = None
    if summary.read == summary.blank:
        problem = "the file has a header but no data rows"
    elif normaliser.staged == 0:
        problem = (
            f"every one of {summary.read - summary.blank} rows was rejected, so nothing was "
            f"ingested (is this the right layout?); first problems: {_first(normaliser)}"
        )
    elif strict and normaliser.rejected:
        problem = (
            f"{normaliser.rejected} rows rejected and --strict is set, so nothing was "
            f"ingested; first problems: {_first(normaliser)}"
        )
    if problem is not None:
        if normaliser.rejected:
            save_rejects(workspace, stage, normaliser.rejects(), summary)
        raise FileProblem(Path(summary.file), problem)


def _first(normaliser: CommsNormaliser, count: int = 5) -> str:
    found = []
    for reject in normaliser.rejects():
        found.append(RejectsWriter.describe(reject))
        if len(found) == count:
            break
    return "; ".join(found)


def _publish(
    workspace: Workspace,
    con: duckdb.DuckDBPyConnection,
    normaliser: CommsNormaliser,
    stage: Path,
    summary: IngestSummary,
    strict: bool,
) -> None:
    """Give events their ids, reject id conflicts, drop events already present, and
    publish the rest."""
    existing = [str(path) for path in workspace.data_files(COMMS)]
    staged = pads.dataset(normaliser.staged_path, format="ipc")
    # Minimal read-ahead: the default holds dozens of batches per scanning thread outside
    # DuckDB's memory accounting, which took a 10M-event ingest past 2 GB.
    con.register(STAGED, staged.scanner(batch_readahead=1, fragment_readahead=1))
    _number_repeats(con)
    _find_present(con, existing)
    conflicts = _reject_id_conflicts(con)
    if strict and conflicts:
        summary.rejected += conflicts
        save_rejects(workspace, stage, normaliser.rejects(), summary)
        raise FileProblem(
            Path(summary.file),
            f"{conflicts} record ids name events different from ones already seen, and "
            f"--strict is set, so nothing was ingested; first problems: {_first(normaliser)}",
        )
    final = stage / "final.parquet"
    con.execute(f"COPY ({_final_query(summary)}) TO {literal(final)} (FORMAT parquet)")
    published = pq.ParquetFile(final).metadata.num_rows
    summary.rejected += conflicts
    summary.duplicates = summary.accepted - conflicts - published
    summary.accepted = published
    save_rejects(workspace, stage, normaliser.rejects(), summary)
    if published:
        workspace.publish_file(final, COMMS, summary.batch_id)


def _number_repeats(con: duckdb.DuckDBPyConnection) -> None:
    """Tables for the few rows that repeat: ``occurrences`` numbers identical rows (same
    content key) and ``id_ranks`` ranks rows sharing a source-given id."""
    key = f"{KEY_HI}, {KEY_LO}"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE occurrences AS SELECT {c.SOURCE_ROW}, row_number() "
        f"OVER (PARTITION BY {key} ORDER BY {c.SOURCE_ROW}) - 1 AS occurrence "
        f"FROM {STAGED} WHERE {GIVEN_ID} IS NULL AND ({key}) IN (SELECT {key} "
        f"FROM {STAGED} WHERE {GIVEN_ID} IS NULL GROUP BY {key} HAVING count(*) > 1)"
    )
    by_id = f"OVER (PARTITION BY {GIVEN_ID} ORDER BY {c.SOURCE_ROW})"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE id_ranks AS SELECT {c.SOURCE_ROW}, {GIVEN_ID}, "
        f"row_number() {by_id} AS nth, ({KEY_HI} <> first_value({KEY_HI}) {by_id} "
        f"OR {KEY_LO} <> first_value({KEY_LO}) {by_id}) AS differs FROM {STAGED} "
        f"WHERE {GIVEN_ID} IN (SELECT {GIVEN_ID} FROM {STAGED} "
        f"WHERE {GIVEN_ID} IS NOT NULL GROUP BY 1 HAVING count(*) > 1)"
    )


def _reject_id_conflicts(con: duckdb.DuckDBPyConnection) -> int:
    """Reject rows whose source-given id already names a *different* event, earlier in
    this file or in the workspace (``present`` must be found first). Returns how many."""
    holding = _files_holding_given_ids(con)
    if holding:
        # the filter sits beneath the hash: DuckDB does not move it there itself, and hashing
        # every held event took 38 s of each file's ingest into a workspace of 100M events
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE known AS SELECT {c.EVENT_ID}, "
            f"{content_key_selects()} FROM (SELECT *, {content_md5_select()} "
            f"FROM (SELECT * FROM read_parquet({path_list(holding)}, union_by_name = true) "
            f"WHERE {c.EVENT_ID} IN "
            f"(SELECT {GIVEN_ID} FROM {STAGED} WHERE {GIVEN_ID} IS NOT NULL)))"
        )
    else:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE known AS SELECT NULL::VARCHAR AS {c.EVENT_ID}, "
            f"NULL::UBIGINT AS {KEY_HI}, NULL::UBIGINT AS {KEY_LO} WHERE false"
        )
    in_file = "an earlier row of this file has the same record id but different content"
    in_workspace = "the workspace already holds a different event with this record id"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE conflicts AS "
        f"SELECT {c.SOURCE_ROW}, {GIVEN_ID}, '{in_file}' AS reason FROM id_ranks "
        f"WHERE nth > 1 AND differs UNION ALL "
        f"SELECT s.{c.SOURCE_ROW}, s.{GIVEN_ID}, '{in_workspace}' FROM {STAGED} s "
        f"JOIN known k ON k.{c.EVENT_ID} = s.{GIVEN_ID} "
        f"AND (k.{KEY_HI} <> s.{KEY_HI} OR k.{KEY_LO} <> s.{KEY_LO}) "
        f"WHERE s.{c.SOURCE_ROW} NOT IN (SELECT {c.SOURCE_ROW} FROM id_ranks WHERE nth > 1)"
    )
    con.execute(
        f"INSERT INTO {REJECTED} SELECT {c.SOURCE_ROW}, '{c.EVENT_ID}', {GIVEN_ID}, reason, "
        f"NULL FROM conflicts"
    )
    [(count,)] = con.execute("SELECT count(*) FROM conflicts").fetchall()
    return int(count)


def _files_holding_given_ids(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The published files holding an event under one of this file's source-given ids
    (from ``present``, which read only the id column). Whole events, for their content
    keys, are read from those files alone, usually none: reading every column of every
    held event cost most of each new file's ingest into a large workspace."""
    rows = con.execute(
        f"SELECT DISTINCT filename FROM present WHERE {c.EVENT_ID} IN "
        f"(SELECT {GIVEN_ID} FROM {STAGED} WHERE {GIVEN_ID} IS NOT NULL)"
    ).fetchall()
    return sorted(str(row[0]) for row in rows)


def _event_ids_sql() -> str:
    """The id each staged row would be published under: the source's, or the hashed one."""
    return f"coalesce(s.{GIVEN_ID}, {event_id_sql('s.', 'o.occurrence')})"


def _staged_with_occurrences() -> str:
    return f"{STAGED} s LEFT JOIN occurrences o ON o.{c.SOURCE_ROW} = s.{c.SOURCE_ROW}"


def _find_present(con: duckdb.DuckDBPyConnection, existing: list[str]) -> None:
    """``present``: the ids of staged rows that the workspace already holds, and the
    published file holding each.

    The workspace's ids are probed against a hash of this file's ids, never the other way
    round: hashing every id already held made each new file slower than the last.
    """
    con.execute(f"CREATE OR REPLACE TEMP TABLE present ({c.EVENT_ID} VARCHAR, filename VARCHAR)")
    if existing:
        con.execute(
            f"INSERT INTO present SELECT {c.EVENT_ID}, filename "
            f"FROM read_parquet({path_list(existing)}, filename = true, union_by_name = true) "
            f"WHERE {c.EVENT_ID} IN (SELECT {_event_ids_sql()} FROM {_staged_with_occurrences()})"
        )


def _number_key_sql(side: str) -> str:
    """SQL for a party's number key (``columns.NUMBER_KEYS``). The normaliser writes every
    subscriber that is no identifier as ``+`` and digits (``model.values.Msisdn``), so the
    key is those digits; -1 for an identifier, or for more digits than a key holds."""
    number = f"s.{side}_number"
    no_subscriber = ", ".join(literal(f"{side}_{flag}") for flag in flags.NOT_A_SUBSCRIBER)
    digits = f"coalesce(TRY_CAST({number}[2:] AS BIGINT), -1)"
    return (
        f"CASE WHEN len(s.{c.FLAGS}) = 0 THEN {digits} "  # most rows: no flag at all
        f"WHEN {number} IS NULL OR list_has_any(s.{c.FLAGS}, [{no_subscriber}]) THEN NULL "
        f"WHEN list_contains(s.{c.FLAGS}, {literal(f'{side}_{flags.IDENTIFIER}')}) THEN -1 "
        f"ELSE {digits} END"
    )


def _final_query(summary: IngestSummary) -> str:
    """The events to publish: the first row of each id, minus conflicts and minus ids the
    workspace already holds (``present``). Each staged batch is in file order, so the file
    mostly is; order is not part of the contract (a global sort would double the publishing
    time)."""
    columns = [name for name in c.EVENT_COLUMNS if name not in (c.EVENT_ID, c.SOURCE)]
    query = (
        f"SELECT {_event_ids_sql()} AS {c.EVENT_ID}, "
        f"{', '.join(f's.{n}' for n in columns[:-1])}, "
        f"{literal(summary.sha256 or '')} AS {c.SOURCE}, s.{c.SOURCE_ROW}, "
        f"{_number_key_sql('a')} AS {c.A_NUMBER_KEY}, {_number_key_sql('b')} AS {c.B_NUMBER_KEY} "
        f"FROM {_staged_with_occurrences()} "
        f"WHERE s.{c.SOURCE_ROW} NOT IN (SELECT {c.SOURCE_ROW} FROM id_ranks WHERE nth > 1) "
        f"AND s.{c.SOURCE_ROW} NOT IN (SELECT {c.SOURCE_ROW} FROM conflicts)"
    )
    return f"SELECT * FROM ({query}) WHERE {c.EVENT_ID} NOT IN (SELECT {c.EVENT_ID} FROM present)"
