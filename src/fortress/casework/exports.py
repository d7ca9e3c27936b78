"""Exports to CSV and XLSX that a spreadsheet cannot be tricked into running: any text cell
that a spreadsheet would read as a formula is written with a leading apostrophe
(``fortress.model.values.neutralise``, the OWASP advice against CSV injection). XLSX cells
are written as text, never formulas.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Final

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, TYPE_STRING

from fortress.model.values import neutralise

__all__ = ["FORMATS", "Cell", "export", "neutralise", "to_csv", "to_xlsx"]

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
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows([neutralise(cell) for cell in line] for line in preamble)
    writer.writerow([neutralise(h) for h in header])
    writer.writerows([neutralise(cell) for cell in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode()


def to_xlsx(
    sheet: str,
    header: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    preamble: Sequence[Sequence[Cell]] = (),
) -> bytes:
    """An XLSX workbook of one sheet whose every cell is text (never a formula), the
    ``preamble`` lines first."""
    book = Workbook(write_only=False)
    page = book.active
    assert page is not None
    page.title = sheet[:31]
    for r, row in enumerate([*preamble, header, *rows], start=1):
        for c, value in enumerate(row, start=1):
            cell = page.cell(row=r, column=c)
            # control characters XLSX cannot hold are shown as U+FFFD, not dropped
            cell.value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", neutralise(value))
            cell.data_type = TYPE_STRING  # openpyxl would otherwise take "=..." for a formula
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


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
