"""Stream a CSV or Parquet file as batches of text columns, with each row's number.

Row numbers count as a spreadsheet does: the header is row 1, the first data row is row 2,
and a quoted value spanning lines is still one row. File-level problems (not a CSV at all,
empty, header only, wrong delimiter, unreadable encoding) raise :class:`FileProblem` before
anything is written; row-level problems (ragged rows) are reported as :class:`SkippedRow`.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

SOURCE_ROW_COLUMN = "__source_row"
_SNIFF_BYTES = 64 * 1024
_CANDIDATE_DELIMITERS = (",", ";", "\t", "|")
_MAGIC = {
    b"PK\x03\x04": "a ZIP archive (an .xlsx workbook or a zipped export: unzip or save as CSV)",
    b"%PDF": "a PDF document",
    b"\xd0\xcf\x11\xe0": "a legacy Excel/Office file (save it as CSV)",
    b"\x1f\x8b": "a gzip archive (decompress it first)",
    b"SQLite format 3": "an SQLite database",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
}


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """One pass over the bytes: the file's sha256 and whether it is all valid UTF-8."""

    sha256: str
    size: int
    utf8: bool


def fingerprint(path: Path, *, chunk: int = 8 << 20) -> Fingerprint:
    """Hash a file and check its encoding in one streaming pass."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8, size = True, 0
    try:
        with path.open("rb") as handle:
            while block := handle.read(chunk):
                digest.update(block)
                size += len(block)
                utf8 = utf8 and _decodes(decoder, block)
            utf8 = utf8 and _decodes(decoder, b"", final=True)  # a cut-off last character
    except OSError as exc:
        raise FileProblem(path, f"cannot read: {exc.strerror or exc}") from exc
    return Fingerprint(digest.hexdigest(), size, utf8)


class FileProblem(Exception):
    """A whole file cannot be read; the message names the file, and row/column if known."""

    def __init__(self, path: Path, message: str, *, row: int | None = None) -> None:
        where = f"{path}" + (f", row {row}" if row is not None else "")
        super().__init__(f"{where}: {message}")
        self.path = path
        self.row = row
        self.reason = message


@dataclass(frozen=True, slots=True)
class SkippedRow:
    """A row the reader could not split into the header's columns."""

    row: int | None
    text: str
    reason: str


@dataclass(slots=True)
class FileShape:
    """What sniffing found: the type, encoding, delimiter and header of a file."""

    path: Path
    type: Literal["csv", "parquet"]
    header: list[str]
    encoding: str = "utf-8"
    delimiter: str = ","
    skip_rows: int = 0
    size: int = 0
    notes: list[str] = field(default_factory=list)


def sniff(
    path: Path,
    *,
    file_type: str = "auto",
    delimiter: str = "auto",
    encoding: str = "auto",
    skip_rows: int = 0,
) -> FileShape:
    """Inspect a file's start and say how to read it, or raise :class:`FileProblem`.

    A file is read as UTF-8 unless its first 64 KiB say otherwise; one that turns out not
    to be UTF-8 later is read again line by line (:class:`NeedsRestart`), each line as
    UTF-8 when it is valid and as cp1252 otherwise.
    """
    try:
        with path.open("rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError as exc:
        raise FileProblem(path, f"cannot open: {exc.strerror or exc}") from exc
    if head.startswith(b"PAR1") and file_type in ("auto", "parquet"):
        return _parquet_shape(path)
    if file_type == "parquet":
        raise FileProblem(path, "not a Parquet file (no PAR1 magic bytes)")
    refuse_binary(path, head)
    text = _decode_head(path, head, encoding)
    lines = text.splitlines()[skip_rows:]
    if not lines or not lines[0].strip():
        raise FileProblem(path, "the file is empty (no header row)")
    chosen = _choose_delimiter(path, lines[0], delimiter)
    header = next(csv.reader([lines[0]], delimiter=chosen))
    header = [name.strip() for name in header]
    _check_header(path, header)
    header = _name_columns(header)
    shape = FileShape(path, "csv", header, "utf-8", chosen, skip_rows, size=_size(path))
    if encoding == "cp1252":
        shape.encoding = "cp1252"
    elif not _is_utf8(head, whole_file=len(head) < _SNIFF_BYTES):
        shape.encoding = "mixed"
        shape.notes.append("not valid UTF-8 throughout: lines that are not were read as cp1252")
    return shape


def _size(path: Path) -> int:
    return path.stat().st_size


def _parquet_shape(path: Path) -> FileShape:
    try:
        schema = pq.read_schema(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise FileProblem(path, f"damaged Parquet file: {exc}") from exc
    _check_header(path, list(schema.names))
    return FileShape(path, "parquet", list(schema.names), size=_size(path))


def refuse_binary(path: Path, head: bytes) -> None:
    """Raise :class:`FileProblem` if ``head`` (a file's first bytes) is not text."""
    for magic, what in _MAGIC.items():
        if head.startswith(magic):
            raise FileProblem(path, f"not a CSV file: it is {what}")
    if b"\x00" in head:
        raise FileProblem(path, "not a CSV file: it contains binary data (NUL bytes)")


def _decodes(decoder: codecs.IncrementalDecoder, data: bytes, *, final: bool = False) -> bool:
    try:
        decoder.decode(data, final=final)
    except UnicodeDecodeError:
        return False
    return True


def _is_utf8(head: bytes, *, whole_file: bool) -> bool:
    """Whether the file's first bytes are UTF-8 (a character cut off at the end of the
    sniffed block is fine, unless the block is the whole file)."""
    return _decodes(codecs.getincrementaldecoder("utf-8")(), head, final=whole_file)


def _decode_head(path: Path, head: bytes, encoding: str) -> str:
    if head.startswith(codecs.BOM_UTF8):
        head = head[len(codecs.BOM_UTF8) :]
    if encoding in ("auto", "utf-8") and _is_utf8(head, whole_file=False):
        return head.decode("utf-8", errors="ignore")
    return head.decode("cp1252", errors="replace")


def _choose_delimiter(path: Path, header_line: str, wanted: str) -> str:
    counts = {d: header_line.count(d) for d in _CANDIDATE_DELIMITERS}
    if wanted != "auto":
        if counts.get(wanted, header_line.count(wanted)) == 0 and any(counts.values()):
            likely = max(counts, key=lambda d: counts[d])
            raise FileProblem(
                path,
                f"the header has no {wanted!r} delimiter but {counts[likely]} {likely!r}: "
                f"the file looks {_delimiter_name(likely)}-separated, "
                f"the layout expects {_delimiter_name(wanted)}",
                row=1,
            )
        return wanted
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _delimiter_name(delimiter: str) -> str:
    return {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}.get(
        delimiter, repr(delimiter)
    )


UNNAMED = "(unnamed column"
"""Prefix of the name given to a header cell left empty (a trailing delimiter, usually)."""


def _name_columns(header: list[str]) -> list[str]:
    return [name or f"{UNNAMED} {index})" for index, name in enumerate(header, start=1)]


def _check_header(path: Path, header: list[str]) -> None:
    if not any(header):
        raise FileProblem(path, "the header row is blank", row=1)
    reserved = [name for name in header if name.startswith("__")]
    if reserved:
        raise FileProblem(
            path, f"column name(s) {', '.join(map(repr, reserved))}: names starting with "
            "'__' are reserved for Fortress's own columns; rename them", row=1,
        )  # fmt: skip
    seen: set[str] = set()
    for name in filter(None, header):  # empty names are numbered, not duplicates
        if name in seen:
            raise FileProblem(path, f"column {name!r} appears twice in the header", row=1)
        seen.add(name)
    if len(header) == 1 and len(header[0]) > 40:
        raise FileProblem(
            path, "the header has a single long column: is the delimiter wrong?", row=1
        )


class NeedsRestart(Exception):
    """The file must be read again from the start, more carefully: single-threaded to
    learn the row numbers of ragged rows, or line by line because it is not UTF-8."""

    def __init__(self, *, for_row_numbers: bool = False, for_encoding: bool = False) -> None:
        super().__init__("read the file again")
        self.for_row_numbers = for_row_numbers
        self.for_encoding = for_encoding


Batch = tuple[int, pa.Table, list[SkippedRow]]
"""(bytes read so far, the rows as text plus ``__source_row``, rows that were skipped)."""

_BLOCK_BYTES = 16 << 20
_PARQUET_BATCH_ROWS = 512_000


def iter_batches(shape: FileShape, *, threads: bool = False) -> Iterator[Batch]:
    """Yield the file in batches; memory stays bounded by the batch size.

    With ``threads`` the CSV parser runs in parallel but cannot number ragged rows: the
    first ragged row then raises :class:`NeedsRestart` (nothing has been kept by then that
    a restart would duplicate, as long as the caller discards what it took so far).
    """
    if shape.type == "parquet":
        yield from _parquet_batches(shape)
        return
    if shape.encoding == "utf-8":
        source: io.RawIOBase | str = str(shape.path)
    else:
        source = _TranscodingReader(shape.path, legacy_only=shape.encoding == "cp1252")
    yield from _csv_batches(shape, source, threads)


def _csv_batches(shape: FileShape, source: io.RawIOBase | str, threads: bool) -> Iterator[Batch]:
    skipped: list[SkippedRow] = []
    rows = _RowNumberer(first_row=2 + shape.skip_rows)
    unnumbered = False

    def on_invalid(row: pacsv.InvalidRow) -> str:
        nonlocal unnumbered
        number = row.number  # pyarrow counts from the top of the file, skipped lines too
        blank = not row.text.strip()
        unnumbered = unnumbered or (number is None and not blank)  # blanks are only counted
        if blank:
            skipped.append(SkippedRow(number, "", "blank line"))
        else:
            reason = f"{row.actual_columns} fields where the header has {row.expected_columns}"
            skipped.append(SkippedRow(number, row.text, reason))
        rows.skip(number)
        return "skip"

    reader = _open_reader(shape, source, on_invalid, threads)
    for index in itertools.count(1):
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            break
        except pa.ArrowInvalid as exc:
            if "utf8" in str(exc).lower() and shape.encoding == "utf-8":
                raise NeedsRestart(for_encoding=True) from exc
            raise FileProblem(shape.path, f"cannot parse as CSV: {exc}") from exc
        if unnumbered:
            raise NeedsRestart(for_row_numbers=True)
        table = pa.Table.from_batches([batch])
        table = table.append_column(SOURCE_ROW_COLUMN, rows.take(table.num_rows))
        yield min(shape.size, index * _BLOCK_BYTES), table, _drain(skipped)
    if unnumbered:
        raise NeedsRestart(for_row_numbers=True)
    if skipped:
        yield shape.size, _empty_table(shape.header), _drain(skipped)


def _open_reader(
    shape: FileShape, source: io.RawIOBase | str, on_invalid: object, threads: bool
) -> pacsv.CSVStreamingReader:
    read = pacsv.ReadOptions(
        use_threads=threads,
        block_size=_BLOCK_BYTES,
        skip_rows=shape.skip_rows + 1,
        column_names=shape.header,
        encoding="utf-8",
    )
    parse = pacsv.ParseOptions(
        delimiter=shape.delimiter,
        newlines_in_values=True,
        ignore_empty_lines=False,
        invalid_row_handler=on_invalid,  # type: ignore[arg-type]
    )
    convert = pacsv.ConvertOptions(
        column_types={name: pa.string() for name in shape.header},
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    try:
        return pacsv.open_csv(source, read, parse, convert)
    except pa.ArrowInvalid as exc:
        if "utf8" in str(exc).lower() and shape.encoding == "utf-8":
            raise NeedsRestart(for_encoding=True) from exc
        raise FileProblem(shape.path, f"cannot parse as CSV: {exc}") from exc


def _drain(items: list[SkippedRow]) -> list[SkippedRow]:
    taken = list(items)
    items.clear()
    return taken


def _empty_table(header: list[str]) -> pa.Table:
    arrays = [pa.array([], pa.string()) for _ in header]
    table = pa.Table.from_arrays(arrays, names=header)
    return table.append_column(SOURCE_ROW_COLUMN, pa.array([], pa.int64()))


class _RowNumberer:
    """Hands out the row numbers of accepted rows, stepping over skipped ones."""

    def __init__(self, first_row: int) -> None:
        self.next_row = first_row
        self.skipped: set[int] = set()

    def skip(self, number: int | None) -> None:
        if number is not None:
            self.skipped.add(number)

    def take(self, count: int) -> pa.Array:
        pending = sorted(n for n in self.skipped if n >= self.next_row)
        candidates = np.arange(self.next_row, self.next_row + count + len(pending))
        if pending:
            candidates = np.setdiff1d(candidates, np.array(pending), assume_unique=True)
        numbers = candidates[:count]
        self.next_row = int(numbers[-1]) + 1 if count else self.next_row
        self.skipped = {n for n in self.skipped if n >= self.next_row}
        return pa.array(numbers, pa.int64())


class _TranscodingReader(io.RawIOBase):
    """A binary stream that re-encodes a legacy or mixed file to UTF-8, line by line.

    Each line that is valid UTF-8 passes through; any other line is read as cp1252.
    """

    def __init__(self, path: Path, *, legacy_only: bool = False) -> None:
        self._lines = path.open("rb")
        self._legacy_only = legacy_only
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def readinto(self, target: bytearray | memoryview) -> int:  # type: ignore[override]
        size = len(target)
        while len(self._buffer) < size:
            line = self._lines.readline()
            if not line:
                break
            self._buffer += self._convert(line)
        chunk, self._buffer = self._buffer[:size], self._buffer[size:]
        target[: len(chunk)] = chunk
        return len(chunk)

    def _convert(self, line: bytes) -> bytes:
        if not self._legacy_only:
            try:
                line.decode("utf-8")
                return line
            except UnicodeDecodeError:
                pass
        return line.decode("cp1252", errors="replace").encode("utf-8")

    def close(self) -> None:
        self._lines.close()
        super().close()


def _parquet_batches(shape: FileShape) -> Iterator[Batch]:
    try:
        parquet = pq.ParquetFile(shape.path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise FileProblem(shape.path, f"damaged Parquet file: {exc}") from exc
    total = max(parquet.metadata.num_rows, 1)
    next_row = 1  # Parquet has no header row: the first record is row 1
    batches = parquet.iter_batches(batch_size=_PARQUET_BATCH_ROWS)
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            return
        except (pa.ArrowInvalid, OSError) as exc:  # a damaged page, found as it is read
            where = f"damaged Parquet file from row {next_row:,}: {exc}"
            raise FileProblem(shape.path, where) from exc
        table = pa.Table.from_batches([batch])
        numbers = pa.array(np.arange(next_row, next_row + table.num_rows), pa.int64())
        next_row += table.num_rows
        done = shape.size * (next_row - 1) // total
        yield done, table.append_column(SOURCE_ROW_COLUMN, numbers), []
