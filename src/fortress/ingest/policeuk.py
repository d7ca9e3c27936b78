"""Ingest police.uk files (street-level crime, stop and search, outcomes) into the
workspace tables ``crimes``, ``stop_searches`` and ``outcomes``.

All or nothing per file, as for comms: every rejected row is kept in the rejects file with
its row number, column, value and reason; the counts always add up. A row is rejected
when its month is not a month, is not the month the file is named for, or a coordinate or
True/False field holds something else. Values police.uk does not publish (a crime type
outside its categories, a malformed LSOA code) are kept and reported as notes, not
dropped. A file already ingested (same SHA-256) adds nothing. police.uk republishes months
as outcomes are updated, so when two files cover the same force and month, analyses use
the one ingested last (``places.store.current``); both stay in the workspace.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from uuid import uuid4

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import select

from fortress.ingest.report import (
    IngestSummary,
    open_small_file,
    read_whole,
    record_batch,
    refuse_for_space,
    save_rejects,
)
from fortress.model.sql import literal, quote
from fortress.sources.comms import Reject
from fortress.sources.policeuk import (
    CRIME_TYPES,
    LSOA_CODE,
    Layout,
    header_difference,
    layout_of,
    parse_file_name,
)
from fortress.sources.tabular import (
    SOURCE_ROW_COLUMN,
    FileProblem,
)
from fortress.store.models import IngestBatch
from fortress.store.workspace import Workspace, connect_duckdb, now_utc

LAYOUT_PREFIX = "police.uk"


@dataclass(frozen=True, slots=True)
class _Check:
    condition: str
    column: str
    value: str
    reason: str


def ingest_policeuk(workspace: Workspace, path: Path) -> IngestSummary:
    """Ingest one police.uk CSV; a bad file sets ``summary.error`` and adds nothing."""
    started, clock = now_utc(), time.perf_counter()
    summary = IngestSummary(file=str(path), table="", batch_id=uuid4().hex)
    try:
        _ingest(workspace, path, summary, started)
    except FileProblem as problem:
        summary.refuse(str(problem))
        record_batch(
            workspace, summary, layout=summary.layout, layout_version=1, owner=None,
            started=started,
        )  # fmt: skip
    except Exception as exc:  # a full disk is refused in words; anything else is a bug
        refuse_for_space(workspace, summary, exc)
    summary.seconds = round(time.perf_counter() - clock, 3)
    return summary


def _ingest(workspace: Workspace, path: Path, summary: IngestSummary, started: datetime) -> None:
    shape = open_small_file(path, summary, file_type="csv")
    layout = _layout(path, shape.header)
    summary.table, summary.layout = layout.table, f"{LAYOUT_PREFIX} {layout.kind}"
    raw, rejects = read_whole(shape, summary)
    earlier = _same_file_before(workspace, layout.table, summary.sha256 or "")
    with workspace.staging(summary.batch_id) as stage:
        con = connect_duckdb(spill_to=stage / "spill")
        try:
            rows = _judge(con, raw, layout, path, rejects, summary, started)
            with workspace.write_lock():
                workspace.sweep()
                save_rejects(workspace, stage, sorted(rejects, key=lambda r: r.row or 0), summary)
                if earlier is not None:
                    summary.duplicates, summary.accepted = summary.accepted, 0
                    summary.notes.append(
                        f"this file was ingested before ({earlier}): nothing added"
                    )
                elif rows.num_rows == 0:
                    raise FileProblem(path, "every row was rejected, so nothing was ingested")
                else:
                    pq.write_table(rows, stage / "rows.parquet")
                    workspace.publish_file(stage / "rows.parquet", layout.table, summary.batch_id)
                record_batch(
                    workspace, summary, layout=summary.layout, layout_version=1, owner=None,
                    started=started,
                )  # fmt: skip
        finally:
            con.close()


def _layout(path: Path, header: list[str]) -> Layout:
    """The file's layout, or a refusal that says what is wrong with its header."""
    name = parse_file_name(path)
    layout = layout_of(header, name)
    if layout is None:
        raise FileProblem(
            path,
            "not a police.uk street, stop-and-search or outcomes file: its name is not "
            "YYYY-MM-<force>-<kind>.csv and its header is none of the published ones",
            row=1,
        )
    if list(layout.header) != header:
        raise FileProblem(
            path,
            f"the header is not police.uk's published {layout.kind} header: "
            f"{header_difference(layout, header)}",
            row=1,
        )
    return layout


def _same_file_before(workspace: Workspace, table: str, sha256: str) -> str | None:
    """When and as which batch the same bytes were published into ``table``, if ever."""
    with workspace.sessions() as session:
        batch = session.scalars(
            select(IngestBatch).where(
                IngestBatch.table_name == table,
                IngestBatch.source_sha256 == sha256,
                IngestBatch.status == "published",
            )
        ).first()
    if batch is None:
        return None
    return f"batch {batch.id} on {batch.started_at:%Y-%m-%d %H:%M} UTC"


def _judge(
    con: duckdb.DuckDBPyConnection,
    raw: pa.Table,
    layout: Layout,
    path: Path,
    rejects: list[Reject],
    summary: IngestSummary,
    started: datetime,
) -> pa.Table:
    """Type and check every row: the accepted rows, with the rejected ones added to
    ``rejects``, the counts filled in and anything unexpected noted."""
    named = parse_file_name(path)
    con.register("raw_rows", raw)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE typed AS {_typed_select(layout)}")
    finally:
        con.unregister("raw_rows")
    checks = _checks(layout, named.month if named else None)
    whens = " ".join(f"WHEN {check.condition} THEN {i}" for i, check in enumerate(checks))
    values = " ".join(f"WHEN {i} THEN {check.value}" for i, check in enumerate(checks))
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE judged AS SELECT *, CASE {whens} END AS _case FROM typed"
    )
    [(blank,)] = con.execute("SELECT count(*) FROM judged WHERE _blank").fetchall()
    summary.blank += int(blank)
    found = con.execute(
        f"SELECT _row, _case, CAST(CASE _case {values} END AS VARCHAR), _record FROM judged "
        "WHERE NOT _blank AND _case IS NOT NULL ORDER BY 1"
    ).fetchall()
    rejects += [
        Reject(row, checks[case].column, value, checks[case].reason, record)
        for row, case, value, record in found
    ]
    summary.rejected = len(rejects)
    kept = "NOT _blank AND _case IS NULL"
    summary.notes += _unexpected(con, layout, kept)
    columns = ", ".join(
        quote(layout.column(name)) for name in layout.header if name != layout.month_column
    )
    extra = ", date_utc" if layout.month_column == "Date" else ""
    force = literal(named.force) if named else "NULL::VARCHAR"
    rows = con.sql(
        f"SELECT {force} AS force, month, {columns}{extra}, "
        f"{literal(summary.sha256 or '')} AS source, "
        f"_row AS source_row, {literal(started.replace(tzinfo=None).isoformat())}::TIMESTAMP "
        f"AS ingested_at FROM judged WHERE {kept} ORDER BY _row"
    ).to_arrow_table()
    summary.accepted = rows.num_rows
    return rows


def _text(name: str) -> str:
    return f"nullif(trim(CAST({quote(name)} AS VARCHAR)), '')"


def _typed_select(layout: Layout) -> str:
    """Text columns trimmed (empty is NULL), numbers and flags typed, the month found."""
    parts = [f"{quote(SOURCE_ROW_COLUMN)} AS _row"]
    for name in layout.header:
        column, text = quote(layout.column(name)), _text(name)
        if name in layout.numbers:
            parts += [f"{text} AS {quote('_' + layout.column(name))}",
                      f"try_cast({text} AS DOUBLE) AS {column}"]  # fmt: skip
        elif name in layout.flags:
            parts += [f"{text} AS {quote('_' + layout.column(name))}",
                      f"CASE lower({text}) WHEN 'true' THEN true WHEN 'false' THEN false END "
                      f"AS {column}"]  # fmt: skip
        elif name != layout.month_column:
            parts.append(f"{text} AS {column}")
    when = _text(layout.month_column)
    if layout.month_column == "Date":
        parts += [
            f"{when} AS _month_text",
            f"timezone('UTC', try_cast({when} AS TIMESTAMPTZ)) AS date_utc",
            f"CAST(date_trunc('month', timezone('UTC', try_cast({when} AS TIMESTAMPTZ))) AS DATE) "
            "AS month",
        ]
    else:
        parts += [
            f"{when} AS _month_text",
            f"CAST(try_strptime({when} || '-01', '%Y-%m-%d') AS DATE) AS month",
        ]
    blank = " AND ".join(f"{_text(name)} IS NULL" for name in layout.header)
    parts += [f"{blank} AS _blank", "CAST(to_json(raw_rows) AS VARCHAR) AS _record"]
    return f"SELECT {', '.join(parts)} FROM raw_rows"


def _checks(layout: Layout, file_month: str | None) -> list[_Check]:
    """The reasons a row is rejected, in the order they are tried."""
    what = "a date and time (ISO 8601)" if layout.month_column == "Date" else "a month (YYYY-MM)"
    found = [_Check("month IS NULL", layout.month_column, "_month_text", f"is not {what}")]
    if file_month is not None:
        found.append(
            _Check(
                f"strftime(month, '%Y-%m') <> {literal(file_month)}",
                layout.month_column,
                "_month_text",
                f"is not in {file_month}, the month the file is named for",
            )
        )
    limits = {"Longitude": 180, "Latitude": 90}
    for name in layout.numbers:
        column = layout.column(name)
        found.append(
            _Check(
                f"_{column} IS NOT NULL AND ({column} IS NULL OR abs({column}) > {limits[name]})",
                name,
                f"_{column}",
                f"is not a {name.lower()} in degrees (-{limits[name]} to {limits[name]})",
            )
        )
    for name in layout.flags:
        column = layout.column(name)
        found.append(
            _Check(
                f"_{column} IS NOT NULL AND {column} IS NULL",
                name,
                f"_{column}",
                "is not True or False",
            )
        )
    return found


def _unexpected(con: duckdb.DuckDBPyConnection, layout: Layout, kept: str) -> list[str]:
    """Notes on kept rows that hold values police.uk does not publish, or no place."""
    notes = []
    if "LSOA code" in layout.header:
        [(unplaced,)] = con.execute(
            f"SELECT count(*) FROM judged WHERE {kept} AND lsoa_code IS NULL"
        ).fetchall()
        if unplaced:
            notes.append(
                f"{unplaced:,} rows have no location (police.uk publishes some so); they "
                "count in force-wide totals but in no area"
            )
        codes = con.execute(
            f"SELECT lsoa_code FROM judged WHERE {kept} AND lsoa_code IS NOT NULL"
        ).fetchall()
        odd = sorted({code for (code,) in codes if not LSOA_CODE.match(code)})
        if odd:
            notes.append(f"{len(odd)} LSOA codes are not of the form E0/W0 + 7 digits: {odd[:5]}")
    if "Crime type" in layout.header:
        counts = con.execute(
            f"SELECT crime_type, count(*) FROM judged WHERE {kept} GROUP BY 1 ORDER BY 1"
        ).fetchall()
        for crime_type, count in counts:
            if crime_type not in CRIME_TYPES:
                notes.append(
                    f"{count:,} rows have the crime type {crime_type!r}, not one police.uk "
                    "publishes; kept as given"
                )
    return notes
