"""Exports to CSV and XLSX that a spreadsheet cannot be tricked into running: any text cell
that a spreadsheet would read as a formula is written with a leading apostrophe
(``fortress.model.values.neutralise``, the OWASP advice against CSV injection). XLSX cells
are written as text, never formulas.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, TYPE_STRING
from openpyxl.worksheet.worksheet import Worksheet

from fortress.model.values import neutralise

__all__ = ["FORMATS", "Cell", "Sheet", "export", "export_sheets", "neutralise", "to_csv",
           "to_xlsx"]  # fmt: skip

FORMATS: Final = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
Cell = str | int | None


def to_csv(
    header: Sequence[str], rows: Sequence[Sequence[Cell]], preamble: Sequence[Sequence[Cell]] = ()
) -> bytes:
    """UTF-8 CSV (with a byte-order mark, so that Excel reads the accents) of safe cells,
    after any ``preamble`` lines (a marking, a note of what was left out)."""
    return export_sheets("csv", [Sheet("export", header, rows, preamble)])


def to_xlsx(
    sheet: str,
    header: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    preamble: Sequence[Sequence[Cell]] = (),
) -> bytes:
    """An XLSX workbook of one sheet whose every cell is text (never a formula), the
    ``preamble`` lines first."""
    return export_sheets("xlsx", [Sheet(sheet, header, rows, preamble)])


def _fill(page: Worksheet, lines: Sequence[Sequence[Cell]]) -> None:
    """Write ``lines`` into ``page``, every cell text and inert."""
    for r, row in enumerate(lines, start=1):
        for c, value in enumerate(row, start=1):
            cell = page.cell(row=r, column=c)
            # control characters XLSX cannot hold are shown as U+FFFD, not dropped
            cell.value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", neutralise(value))
            cell.data_type = TYPE_STRING  # openpyxl would otherwise take "=..." for a formula


def export(
    fmt: str,
    sheet: str,
    header: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    preamble: Sequence[Sequence[Cell]] = (),
) -> bytes:
    """The rows in ``fmt`` (csv or xlsx), after any ``preamble`` lines."""
    if fmt == "csv":
        return to_csv(header, rows, preamble)
    if fmt == "xlsx":
        return to_xlsx(sheet, header, rows, preamble)
    raise ValueError(f"unknown export format {fmt!r}: use csv or xlsx")


@dataclass(frozen=True)
class Sheet:
    """One table of an export: its name, the lines before it, its header and rows."""

    name: str
    header: Sequence[str]
    rows: Sequence[Sequence[Cell]]
    preamble: Sequence[Sequence[Cell]] = ()


def export_sheets(fmt: str, sheets: Sequence[Sheet]) -> bytes:
    """Several tables in ``fmt``: one worksheet each in XLSX, one after another (a blank
    line between) in UTF-8 CSV with a byte-order mark (so that Excel reads the accents)."""
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        for index, sheet in enumerate(sheets):
            if index:
                writer.writerow([])
            for line in [*sheet.preamble, sheet.header, *sheet.rows]:
                writer.writerow([neutralise(cell) for cell in line])
        return ("\ufeff" + out.getvalue()).encode()
    if fmt == "xlsx":
        book = Workbook()
        book.remove(book.active)  # type: ignore[arg-type]
        for sheet in sheets:
            _fill(book.create_sheet(sheet.name[:31]), [*sheet.preamble, sheet.header, *sheet.rows])
        out_bytes = io.BytesIO()
        book.save(out_bytes)
        return out_bytes.getvalue()
    raise ValueError(f"unknown export format {fmt!r}: use csv or xlsx")
