"""Writing a world's files: comms parts (Parquet or CSV), the cell-site table.

Events arrive as integer-coded batches; the writer turns indices into strings with Arrow
``take`` on small directories (numbers, IMEIs, cells) and appends to part files of at most
``PART_ROWS`` rows. Conversion and writing run on one background thread (the single
writer), overlapping with generation of the next day.
"""

from __future__ import annotations

import csv
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from fortress.model.columns import (
    A_CELL,
    A_CELL_LAST,
    A_IMEI,
    A_IMSI,
    A_NUMBER,
    ANSWERED,
    B_CELL,
    B_CELL_LAST,
    B_IMEI,
    B_IMSI,
    B_NUMBER,
    CANONICAL_FILE_COLUMNS,
    CELL_FILE_COLUMNS,
    DURATION_S,
    EVENT_ID,
    EVENT_SCHEMA,
    FLAGS,
    KIND,
    KINDS,
    START,
)
from fortress.simulate.events import EventBatch, Ints
from fortress.simulate.places import CellPlan

PARQUET: Final = "parquet"
CSV: Final = "csv"
FORMATS: Final = (PARQUET, CSV)
PART_ROWS: Final = 2_000_000
ROW_GROUP_ROWS: Final = 250_000
"""Batches are buffered up to about this many rows before a row group is written."""
COMMS_DIR: Final = "comms"
CELLS_FILE: Final = "cells.csv"
CSV_TIME_FORMAT: Final = "%Y-%m-%dT%H:%M:%SZ"

FILE_COLUMNS: Final = tuple(c for c in CANONICAL_FILE_COLUMNS if c != FLAGS)
"""Columns of the simulated comms files: the canonical layout without ``flags``."""


def file_schema() -> pa.Schema:
    """Arrow schema of a simulated comms Parquet file (``start`` is UTC-aware)."""
    fields = []
    for name in FILE_COLUMNS:
        if name == START:
            fields.append(pa.field(START, pa.timestamp("us", tz="UTC"), nullable=False))
        else:
            fields.append(EVENT_SCHEMA.field(name))
    return pa.schema(fields)


@dataclass(frozen=True)
class Directories:
    """String directories that event indices point into."""

    numbers: pa.Array
    imsis: pa.Array
    imeis: pa.Array
    cells: pa.Array
    kinds: pa.Array

    @classmethod
    def create(
        cls, numbers: list[str], imsis: list[str | None], imeis: list[str], cells: list[str]
    ) -> Directories:
        """Build the directories from the world's identifier lists."""
        return cls(
            numbers=pa.array(numbers, type=pa.string()),
            imsis=pa.array(imsis, type=pa.string()),
            imeis=pa.array(imeis, type=pa.string()),
            cells=pa.array(cells, type=pa.string()),
            kinds=pa.array(list(KINDS), type=pa.string()),
        )


def _lookup(directory: pa.Array, index: Ints) -> pa.Array:
    """Strings for indices; ``-1`` becomes null."""
    missing = index < 0
    if missing.any():
        return pc.take(directory, pa.array(index, mask=missing))
    return pc.take(directory, pa.array(index))


def to_table(batch: EventBatch, first_serial: int, seed: int, dirs: Directories) -> pa.Table:
    """Turn a batch into a table in the simulated file layout."""
    serial = pa.array(np.arange(first_serial, first_serial + len(batch), dtype=np.int64))
    columns = {
        EVENT_ID: pc.binary_join_element_wise(f"sim-{seed}-", pc.cast(serial, pa.string()), ""),
        START: pa.array(batch.t * 1_000_000, type=pa.timestamp("us", tz="UTC")),
        KIND: _lookup(dirs.kinds, batch.kind),
        A_NUMBER: _lookup(dirs.numbers, batch.a),
        B_NUMBER: _lookup(dirs.numbers, batch.b),
        DURATION_S: pa.array(batch.dur, type=pa.int64()),
        A_IMEI: _lookup(dirs.imeis, batch.a_imei),
        A_IMSI: _lookup(dirs.imsis, batch.a),
        B_IMEI: _lookup(dirs.imeis, batch.b_imei),
        B_IMSI: _lookup(dirs.imsis, batch.b),
        A_CELL: _lookup(dirs.cells, batch.a_cell),
        B_CELL: _lookup(dirs.cells, batch.b_cell),
        A_CELL_LAST: _lookup(dirs.cells, batch.a_cell_last),
        B_CELL_LAST: _lookup(dirs.cells, batch.b_cell_last),
        ANSWERED: pa.array(batch.answered == 1, mask=batch.answered < 0, type=pa.bool_()),
    }
    return pa.Table.from_arrays([columns[c] for c in FILE_COLUMNS], schema=file_schema())


def csv_ready(table: pa.Table) -> pa.Table:
    """Replace the timestamp column by ISO 8601 text with a ``Z`` suffix."""
    seconds = pc.cast(table.column(START), pa.timestamp("s", tz="UTC"))
    text = pc.strftime(seconds, format=CSV_TIME_FORMAT)
    return table.set_column(table.schema.get_field_index(START), START, text)


class _Part:
    """One open part file."""

    def __init__(self, path: Path, fmt: str, schema: pa.Schema) -> None:
        self.path = path
        self.rows = 0
        self._parquet: pq.ParquetWriter | None = None
        self._csv: pacsv.CSVWriter | None = None
        if fmt == PARQUET:
            self._parquet = pq.ParquetWriter(
                path,
                schema,
                compression="zstd",
                compression_level=1,
                use_dictionary=[c for c in schema.names if c != EVENT_ID],
                write_statistics=[START, DURATION_S],
            )
        else:
            text_schema = schema.set(schema.get_field_index(START), pa.field(START, pa.string()))
            self._csv = pacsv.CSVWriter(path, text_schema)

    def write(self, table: pa.Table) -> None:
        if self._parquet is not None:
            self._parquet.write_table(table, row_group_size=len(table))
        elif self._csv is not None:
            self._csv.write_table(csv_ready(table))
        self.rows += len(table)

    def close(self) -> None:
        if self._parquet is not None:
            self._parquet.close()
        if self._csv is not None:
            self._csv.close()


class CommsWriter:
    """Appends event batches to ``comms/part-NNNNN.<fmt>`` files on a background thread."""

    def __init__(self, out_dir: Path, fmt: str, seed: int, dirs: Directories) -> None:
        """Prepare ``out_dir/comms``, removing part files a previous run left there."""
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}; use one of {FORMATS}")
        self._dir = out_dir / COMMS_DIR
        self._dir.mkdir(parents=True, exist_ok=True)
        for stale in self._dir.glob("part-*.*"):
            if stale.suffix in (".parquet", ".csv"):
                stale.unlink()
        self._fmt = fmt
        self._seed = seed
        self._dirs = dirs
        self._schema = file_schema()
        self._serial = 0
        self._part: _Part | None = None
        self.files: list[Path] = []
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="simulate-writer")
        self._pending: Future[None] | None = None
        self._buffer: list[EventBatch] = []
        self._buffered = 0

    def write(self, batch: EventBatch) -> None:
        """Append a batch (already in time order, after everything written before)."""
        self._buffer.append(batch)
        self._buffered += len(batch)
        if self._buffered >= ROW_GROUP_ROWS:
            self._flush()

    def _flush(self) -> None:
        """Hand the buffered batches to the writer thread (after the previous hand-over)."""
        batch = EventBatch.concat(self._buffer)
        self._buffer, self._buffered = [], 0
        self._wait()
        first = self._serial
        self._serial += len(batch)
        self._pending = self._pool.submit(self._write_now, batch, first)

    def close(self) -> list[Path]:
        """Finish writing; return the part files in order."""
        if self._buffered:
            self._flush()
        self._wait()
        self._pool.shutdown()
        if self._part is not None:
            self._part.close()
            self._part = None
        return list(self.files)

    def _wait(self) -> None:
        if self._pending is not None:
            self._pending.result()
            self._pending = None

    def _write_now(self, batch: EventBatch, first: int) -> None:
        done = 0
        while done < len(batch):
            part = self._open_part()
            room = min(PART_ROWS - part.rows, len(batch) - done)
            piece = batch.take(slice(done, done + room))
            part.write(to_table(piece, first + done, self._seed, self._dirs))
            done += room

    def _open_part(self) -> _Part:
        if self._part is not None and self._part.rows < PART_ROWS:
            return self._part
        if self._part is not None:
            self._part.close()
        path = self._dir / f"part-{len(self.files):05d}.{self._fmt}"
        self._part = _Part(path, self._fmt, self._schema)
        self.files.append(path)
        return self._part


def write_cells(out_dir: Path, cells: CellPlan) -> Path:
    """Write the cell-site table ``cells.csv``."""
    path = out_dir / CELLS_FILE
    names = cells.area_names
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(CELL_FILE_COLUMNS)
        for i, cell_id in enumerate(cells.cell_ids):
            writer.writerow(
                [
                    cell_id,
                    f"{cells.lat[i]:.6f}",
                    f"{cells.lon[i]:.6f}",
                    f"{cells.azimuth[i]:g}",
                    names[int(cells.area_of[i])],
                ]
            )
    return path
