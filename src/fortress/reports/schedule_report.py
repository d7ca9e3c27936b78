"""A schedule as a file for court: CSV or XLSX (cells a spreadsheet cannot run), printable
HTML, or PDF printed from that HTML by the machine's Chromium (A4 landscape, the table's
header on every page, "page N of M" at the foot)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any, Final

from fortress import __version__
from fortress.casework import exports
from fortress.casework.exports import Cell, Sheet, export_sheets
from fortress.model.lines import Frozen
from fortress.model.schedules import Schedule
from fortress.reports.pages import environment
from fortress.store.workspace import write_atomically

FORMATS: Final = {
    **exports.FORMATS,
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
}
CHROMIUM_ENV: Final = "FORTRESS_CHROMIUM"
"""The Chromium (or Chrome) executable that prints PDFs; by default ``chromium`` on the
PATH."""
HEADER: Final = (
    "row", "UTC", "local", "event", "from", "to", "duration (s)", "answered", "from cell",
    "from cell site", "to cell", "to cell site", "from IMEI", "to IMEI", "detail", "exhibit",
    "source file", "source SHA-256", "source row",
)  # fmt: skip
ATTRIBUTION_HEADER: Final = (
    "period from (UTC)", "local", "together", "cells of the first", "cells of the second",
    "exhibit: first's first event", "exhibit: second's first event",
    "first's source SHA-256", "first's source row", "second's source SHA-256",
    "second's source row",
)  # fmt: skip
FOOTER: Final = (
    '<div style="font-size:7pt;width:100%;text-align:center;font-family:sans-serif">'
    '<span class="title"></span>: page <span class="pageNumber"></span> of '
    '<span class="totalPages"></span></div>'
)


MOST_PRINTED: Final = 20_000
"""Rows a PDF may hold (about 500 pages, a minute of Chromium's time); a longer schedule is
written as CSV, XLSX or HTML."""


class ScheduleProblemFile(ValueError):
    """A schedule that cannot be written as asked; the message says why."""


class TooLongToPrint(ScheduleProblemFile):
    """A schedule longer than a PDF may be."""


class WrittenSchedule(Frozen):
    """A schedule written to a file."""

    file: str
    format: str
    rows: int
    attribution_periods: int
    bytes: int


def schedule_bytes(schedule: Schedule, fmt: str) -> bytes:
    """The schedule as a file of format ``fmt`` (csv, xlsx, html or pdf)."""
    if fmt in ("csv", "xlsx"):
        return export_sheets(fmt, _sheets(schedule))
    if fmt == "html":
        return schedule_html(schedule).encode()
    if fmt == "pdf":
        if len(schedule.rows) > MOST_PRINTED:
            raise TooLongToPrint(
                f"a PDF holds at most {MOST_PRINTED:,} rows and this schedule has "
                f"{len(schedule.rows):,}: write .csv, .xlsx or .html, or choose a shorter period"
            )
        return print_pdf(schedule_html(schedule))
    raise ScheduleProblemFile(f"unknown format {fmt!r}: use {', '.join(FORMATS)}")


def format_of(out: Path) -> str:
    """The format a file's suffix asks for; ScheduleProblemFile for one Fortress cannot
    write."""
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ScheduleProblemFile(f"{out.name}: write a schedule as .{', .'.join(FORMATS)}")
    return fmt


def write_schedule(schedule: Schedule, out: Path) -> WrittenSchedule:
    """Write the schedule to ``out``, its format from the file's suffix."""
    fmt = format_of(out)
    content = schedule_bytes(schedule, fmt)
    write_atomically(out, content)
    periods = len(schedule.attribution.rows) if schedule.attribution else 0
    return WrittenSchedule(file=str(out), format=fmt, rows=len(schedule.rows),
                           attribution_periods=periods, bytes=len(content))  # fmt: skip


def schedule_html(schedule: Schedule) -> str:
    """The schedule as one printable, self-contained HTML page."""
    template = environment().get_template("schedule.html")
    return template.render(s=schedule, version=__version__)


def schedule_section(schedule: Schedule) -> str:
    """The schedule's header and tables as HTML, for a page of the app."""
    template = environment().get_template("_schedule.html")
    return template.render(s=schedule, version=__version__)


def _preamble(schedule: Schedule) -> list[list[Cell]]:
    kind = "every event of these numbers" if schedule.every_event else "events between them"
    lines: list[list[Cell]] = [
        [schedule.title],
        [f"Numbers: {', '.join(schedule.numbers)} ({kind})"],
        [f"Period: {schedule.period}"],
        [schedule.time_rule],
        [f"Made {schedule.made_utc} UTC by {schedule.made_by}, Fortress {__version__}: "
         f"{len(schedule.rows)} rows"],
    ]  # fmt: skip
    for source in schedule.sources:
        lines.append([f"Source: {source.file}, SHA-256 {source.sha256}, layout "
                      f"{source.layout or 'not recorded'}, ingested {source.ingested_utc} UTC, "
                      f"cited {source.rows} times"])  # fmt: skip
    lines += [[f"Left out: {note}"] for note in schedule.excluded]
    lines.append([f"Casework: {schedule.casework}"])
    return lines


def _sheets(schedule: Schedule) -> list[Sheet]:
    rows = [
        [r.row, r.utc, r.local, r.event, r.party_from, r.party_to, r.duration_s,
         None if r.answered is None else ("yes" if r.answered else "no"), r.cell_from,
         r.site_from, r.cell_to, r.site_to, r.imei_from, r.imei_to, r.detail, r.exhibit,
         r.source_file, r.source_sha256, r.source_row]
        for r in schedule.rows
    ]  # fmt: skip
    sheets = [Sheet("Schedule", HEADER, rows, _preamble(schedule))]
    pair = schedule.attribution
    if pair is not None:
        periods = [
            [p.start_utc, p.local, "together" if p.together else "apart",
             ", ".join(p.cells_first), ", ".join(p.cells_second), p.exhibit_first,
             p.exhibit_second, p.sha256_first, p.row_first, p.sha256_second, p.row_second]
            for p in pair.rows
        ]  # fmt: skip
        preamble: list[list[Cell]] = [
            [f"Attribution: does {pair.second} travel with {pair.first}?"],
            [pair.statement],
            [f"Co-location beyond chance {pair.score:.3f}; {pair.periods} periods of "
             f"{pair.period_minutes} minutes, {pair.together} together; chance "
             f"{pair.expected:.1%}. First: {pair.first}; second: {pair.second}."],
        ]  # fmt: skip
        sheets.append(Sheet("Attribution", ATTRIBUTION_HEADER, periods, preamble))
    return sheets


def chromium() -> str:
    """The Chromium executable to print with; ScheduleProblemFile if there is none."""
    named = os.environ.get(CHROMIUM_ENV)
    found = named if named and Path(named).exists() else shutil.which("chromium")
    if not found:
        raise ScheduleProblemFile(
            "a PDF is printed by Chromium, and none was found: install Debian's chromium "
            f"(or name a Chrome or Chromium executable in {CHROMIUM_ENV}), or write .html "
            "and print it from a browser"
        )
    return found


def print_pdf(html: str) -> bytes:
    """``html`` printed to PDF by headless Chromium (no network: the page is whole)."""
    from playwright.sync_api import Error, sync_playwright

    executable = chromium()
    try:
        return _printed(sync_playwright, executable, html)
    except Error as exc:
        raise ScheduleProblemFile(
            f"Chromium ({executable}) could not print the PDF: {exc}"
        ) from exc


def _printed(sync_playwright: Any, executable: str, html: str) -> bytes:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.route("**/*", lambda route: route.abort())  # nothing may be fetched
            page.set_content(html, wait_until="load")
            pdf: bytes = page.pdf(
                format="A4", landscape=True, print_background=True, prefer_css_page_size=True,
                display_header_footer=True, header_template="<div></div>",
                footer_template=FOOTER, margin={"top": "12mm", "bottom": "14mm"},
            )  # fmt: skip
        finally:
            browser.close()
    return pdf
