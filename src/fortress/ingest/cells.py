"""Ingest a cell-site list (``cell_id, lat, lon, azimuth_deg, area``) into the ``cells`` table.

All or nothing per file, every rejected row reported with its value and reason (also when
the whole file is refused), blank rows counted, provenance on every row. A cell id already
recorded at the same place is a duplicate; one recorded at a *different* place is rejected
(a cell does not move; a re-used id needs an analyst's decision, not a silent overwrite).
Cell lists are small (a national list is a few hundred thousand rows), so the file is read
whole rather than streamed.
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from uuid import uuid4

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from fortress.ingest.report import (
    IngestSummary,
    open_small_file,
    read_whole,
    record_batch,
    refuse_for_space,
    save_rejects,
)
from fortress.model import columns as c
from fortress.model.sql import literal, path_list, quote
from fortress.sources.comms import Reject
from fortress.sources.tabular import (
    SOURCE_ROW_COLUMN,
    FileProblem,
    FileShape,
)
from fortress.store.workspace import CELLS, Workspace, connect_duckdb, now_utc

LAYOUT = "cell-sites"

_CHECKS = (  # (condition, column, offending value, reason), in the order applied
    (f"{c.CELL_ID} IS NULL", c.CELL_ID, "NULL", "no cell id"),
    (f"{c.LAT} IS NULL", c.LAT, "_lat_text", "latitude is not a number between -90 and 90"),
    (f"{c.LON} IS NULL", c.LON, "_lon_text", "longitude is not a number between -180 and 180"),
    (
        f"_azimuth_text IS NOT NULL AND {c.AZIMUTH_DEG} IS NULL",
        c.AZIMUTH_DEG,
        "_azimuth_text",
        "azimuth is not a bearing in degrees from 0 up to 360",
    ),
    ("_conflict", c.CELL_ID, c.CELL_ID, "this cell id is already recorded at another place"),
)


def ingest_cells(workspace: Workspace, path: Path) -> IngestSummary:
    """Ingest one cell-site CSV or Parquet file; a bad file sets ``summary.error``."""
    started, clock = now_utc(), time.perf_counter()
    summary = IngestSummary(file=str(path), table=CELLS, batch_id=uuid4().hex, layout=LAYOUT)
    try:
        _ingest(workspace, path, summary, started)
    except FileProblem as problem:
        summary.refuse(str(problem))
        record_batch(
            workspace, summary, layout=LAYOUT, layout_version=1, owner=None, started=started
        )
    except Exception as exc:  # a full disk is refused in words; anything else is a bug
        refuse_for_space(workspace, summary, exc)
    summary.seconds = round(time.perf_counter() - clock, 3)
    return summary


def _ingest(workspace: Workspace, path: Path, summary: IngestSummary, started: datetime) -> None:
    shape = open_small_file(path, summary)
    _check_columns(shape)
    with workspace.staging(summary.batch_id) as stage:
        con = connect_duckdb(spill_to=stage / "spill")
        try:
            raw, rejects = read_whole(shape, summary)
            with workspace.write_lock():
                workspace.sweep()
                cells = _judge(con, raw, workspace.data_files(CELLS), rejects, summary)
                save_rejects(workspace, stage, sorted(rejects, key=lambda r: r.row or 0), summary)
                if cells.num_rows == 0 and summary.duplicates == 0:
                    raise FileProblem(path, "every row was rejected, so nothing was ingested")
                if cells.num_rows:
                    pq.write_table(cells, stage / "cells.parquet")
                    workspace.publish_file(stage / "cells.parquet", CELLS, summary.batch_id)
                record_batch(
                    workspace, summary, layout=LAYOUT, layout_version=1, owner=None,
                    started=started,
                )  # fmt: skip
        finally:
            con.close()


def _check_columns(shape: FileShape) -> None:
    missing = [name for name in c.CELL_REQUIRED if name not in shape.header]
    unknown = [name for name in shape.header if name not in c.CELL_FILE_COLUMNS]
    if missing or unknown:
        raise FileProblem(
            shape.path,
            f"a cell-site file has the columns {', '.join(c.CELL_FILE_COLUMNS)} "
            f"(the first three required); missing: {', '.join(missing) or 'none'}, "
            f"unknown: {', '.join(unknown) or 'none'}",
            row=1,
        )


def _judge(
    con: duckdb.DuckDBPyConnection,
    raw: pa.Table,
    existing: list[Path],
    rejects: list[Reject],
    summary: IngestSummary,
) -> pa.Table:
    """Type and check every row; return the new cells, adding the rejected rows to
    ``rejects`` and filling in the counts."""
    con.register("raw_cells", raw)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE cells_typed AS {_typed_select(raw)}")
    finally:
        con.unregister("raw_cells")
    con.execute(f"CREATE OR REPLACE TEMP TABLE known_cells AS {_known_select(existing)}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE cells_checked AS {_checked_select()}")
    [(blank,)] = con.execute("SELECT count(*) FROM cells_checked WHERE _blank").fetchall()
    summary.blank += int(blank)
    whens = " ".join(f"WHEN {cond} THEN {i}" for i, (cond, *_rest) in enumerate(_CHECKS))
    values = " ".join(f"WHEN {i} THEN {value}" for i, (_c, _col, value, _r) in enumerate(_CHECKS))
    found = con.execute(
        f"SELECT {c.SOURCE_ROW}, _case, CAST(CASE _case {values} END AS VARCHAR), _record "
        f"FROM (SELECT *, CASE {whens} END AS _case FROM cells_checked WHERE NOT _blank) "
        "WHERE _case IS NOT NULL ORDER BY 1"
    ).fetchall()
    rejects += [
        Reject(row, _CHECKS[case][1], value, _CHECKS[case][3], record)
        for row, case, value, record in found
    ]
    summary.rejected = len(rejects)
    accepted = con.sql(
        f"SELECT {c.CELL_ID}, {c.LAT}, {c.LON}, {c.AZIMUTH_DEG}, {c.AREA}, "
        f"{literal(summary.sha256 or '')} AS {c.SOURCE}, {c.SOURCE_ROW} FROM cells_checked "
        f"WHERE NOT _blank AND NOT coalesce({' OR '.join(cond for cond, *_ in _CHECKS)}, false) "
        f"AND {c.CELL_ID} NOT IN (SELECT {c.CELL_ID} FROM known_cells) "
        f"QUALIFY row_number() OVER (PARTITION BY {c.CELL_ID} ORDER BY {c.SOURCE_ROW}) = 1 "
        f"ORDER BY {c.SOURCE_ROW}"
    ).to_arrow_table()
    summary.accepted = accepted.num_rows
    summary.duplicates = summary.read - summary.blank - summary.rejected - accepted.num_rows
    return accepted.cast(c.CELL_SCHEMA)


def _typed_select(raw: pa.Table) -> str:
    def text(name: str) -> str:
        if name not in raw.schema.names:
            return "NULL::VARCHAR"
        return f"nullif(trim(CAST({quote(name)} AS VARCHAR)), '')"

    azimuth = f"try_cast({text(c.AZIMUTH_DEG)} AS DOUBLE)"
    blank = " AND ".join(f"{text(name)} IS NULL" for name in c.CELL_FILE_COLUMNS)
    return (
        f"SELECT {quote(SOURCE_ROW_COLUMN)} AS {c.SOURCE_ROW}, {text(c.CELL_ID)} AS {c.CELL_ID}, "
        f"{text(c.LAT)} AS _lat_text, {text(c.LON)} AS _lon_text, "
        f"try_cast({text(c.LAT)} AS DOUBLE) AS _lat, try_cast({text(c.LON)} AS DOUBLE) AS _lon, "
        f"{text(c.AZIMUTH_DEG)} AS _azimuth_text, "
        f"CASE WHEN {azimuth} >= 0 AND {azimuth} < 360 THEN {azimuth} END AS {c.AZIMUTH_DEG}, "
        f"{text(c.AREA)} AS {c.AREA}, {blank} AS _blank, "
        "CAST(to_json(raw_cells) AS VARCHAR) AS _record FROM raw_cells"
    )


def _known_select(existing: list[Path]) -> str:
    if not existing:
        return (
            f"SELECT NULL::VARCHAR AS {c.CELL_ID}, NULL::DOUBLE AS {c.LAT}, "
            f"NULL::DOUBLE AS {c.LON} WHERE false"
        )
    return f"SELECT {c.CELL_ID}, {c.LAT}, {c.LON} FROM read_parquet({path_list(existing)})"


def _checked_select() -> str:
    """Range checks, plus a conflict when the id is recorded, in the workspace or by an
    earlier valid row of this file, at another place."""
    valid = "_lat BETWEEN -90 AND 90 AND _lon BETWEEN -180 AND 180"
    earlier = (
        f"SELECT {c.CELL_ID}, _lat AS {c.LAT}, _lon AS {c.LON}, {c.SOURCE_ROW} FROM cells_typed "
        f"WHERE {valid}"
    )
    return (
        "SELECT t.*, "
        f"CASE WHEN _lat BETWEEN -90 AND 90 THEN _lat END AS {c.LAT}, "
        f"CASE WHEN _lon BETWEEN -180 AND 180 THEN _lon END AS {c.LON}, "
        f"EXISTS (SELECT 1 FROM known_cells k WHERE k.{c.CELL_ID} = t.{c.CELL_ID} "
        f"AND (k.{c.LAT} <> t._lat OR k.{c.LON} <> t._lon)) OR "
        f"EXISTS (SELECT 1 FROM ({earlier}) e WHERE e.{c.CELL_ID} = t.{c.CELL_ID} "
        f"AND e.{c.SOURCE_ROW} < t.{c.SOURCE_ROW} AND (e.{c.LAT} <> t._lat OR e.{c.LON} <> t._lon))"
        " AS _conflict FROM cells_typed t"
    )
