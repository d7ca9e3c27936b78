"""Schedules for court (``fortress.casework.schedules``, ``reports.schedule_report``): every
comms row goes back to the row of the file it came from; casework, changes of handset and
the attribution section are merged in time order; the CSV and XLSX round-trip with inert
cells; the PDF is printed by Chromium and read back."""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pyarrow.parquet as pq
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from fortress.casework import intelligence
from fortress.casework.db import migrate
from fortress.casework.intelligence import Grade
from fortress.casework.models import AuditEntry
from fortress.casework.operations import ResultInput, create_operation, record_result
from fortress.casework.schedules import ScheduleProblem, make_schedule
from fortress.comms.events import contacts
from fortress.comms.lines import list_lines, run_detection, show_line, workspace_tables
from fortress.comms.profiles import period
from fortress.model import columns as c
from fortress.model.lines import LineDetail
from fortress.model.schedules import Schedule
from fortress.reports import schedule_report
from fortress.reports.schedule_report import (
    HEADER,
    TooLongToPrint,
    schedule_bytes,
    write_schedule,
)
from fortress.sources.mapping import preset
from fortress.store.workspace import Workspace
from helpers.browser import require_chromium
from helpers.worlds import ingest_world


@dataclass(frozen=True)
class Case:
    """A detected world with casework on its first line, and what was recorded."""

    workspace: Workspace
    comms: Path
    line: LineDetail
    seized_on: date


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Case]:
    world = ingest_world(tmp_path_factory.mktemp("schedule"), seed=7)
    workspace = world.workspace
    run_detection(workspace)
    migrate(workspace.engine)
    line = show_line(workspace, str(list_lines(workspace)[0].line_id))
    seized_on = date.fromisoformat(line.last_seen_utc[:10]) - timedelta(days=2)
    with workspace.sessions.begin() as session:
        operation = create_operation(session, "Op Fortress", seized_on, seized_on,
                                     actor="officer")  # fmt: skip
        for given in (
            ResultInput("phone_seizure", number=line.numbers[0], on=seized_on),
            ResultInput("arrest", count=2, on=seized_on),
            ResultInput("drug_seizure", label="crack cocaine", grams="12.5", on=seized_on),
        ):
            record_result(session, operation, given, actor="officer")
        intelligence.create(session, "The line phone is kept at a flat in Gosport",
                            Grade("3x5x2", "2", "B", "P"), [("phone", line.numbers[0])],
                            actor="analyst")  # fmt: skip
    yield Case(workspace, world.truth.parent / "comms", line, seized_on)


def _runner(case: Case) -> str:
    return case.line.runners.numbers[0].number


def _schedule(case: Case, **given: Any) -> Schedule:
    numbers = given.pop("numbers", [case.line.numbers[0], _runner(case)])
    with case.workspace.sessions.begin() as session:
        return make_schedule(case.workspace, numbers, given.pop("when", period(None, None)),
                             casework=session, actor="analyst", **given)  # fmt: skip


def _sources(folder: Path) -> dict[str, Path]:
    return {hashlib.sha256(p.read_bytes()).hexdigest(): p for p in folder.glob("*.parquet")}


def test_every_comms_row_goes_back_to_its_source_row(case: Case) -> None:
    schedule = _schedule(case, every_event=True, numbers=[case.line.numbers[0]])
    files = _sources(case.comms)
    tables = {sha: pq.read_table(path).to_pylist() for sha, path in files.items()}
    comms_rows = [r for r in schedule.rows if r.source_sha256 and r.event != "handset change"]
    assert len(comms_rows) > 100
    for row in comms_rows:
        assert row.source_sha256 in tables, row.exhibit
        assert row.source_file == files[row.source_sha256].name
        assert row.source_row is not None
        source = tables[row.source_sha256][row.source_row - 1]  # Parquet's first record: 1
        assert source["start"].strftime("%Y-%m-%d %H:%M:%S") == row.utc
        assert (source["a_number"], source["b_number"]) == (row.party_from, row.party_to)
        assert f"row {row.source_row:,} " in row.exhibit
    cited = [r for r in schedule.rows if r.source_sha256]  # with the changes of handset
    assert {s.sha256 for s in schedule.sources} == {r.source_sha256 for r in cited}
    assert sum(s.rows for s in schedule.sources) == len(cited)
    assert all(s.layout == preset("canonical").name for s in schedule.sources)


def test_rows_are_in_time_order_and_numbered(case: Case) -> None:
    schedule = _schedule(case)
    assert [r.row for r in schedule.rows] == list(range(1, len(schedule.rows) + 1))
    timed = [r.utc for r in schedule.rows if len(r.utc) > 10]
    assert timed == sorted(timed)
    assert all(r.local.endswith((" GMT", " BST", "(day recorded)")) for r in schedule.rows)


def test_between_leaves_out_what_it_says(case: Case) -> None:
    """Only events between the two numbers; the header counts the rest, in and out of the
    period."""
    when = period(case.line.first_seen_utc[:10], case.seized_on.isoformat())
    between = _schedule(case, when=when)
    every = _schedule(case, when=when, every_event=True)
    pair = {case.line.numbers[0], _runner(case)}
    calls = [r for r in between.rows if r.source_row and r.event != "handset change"]
    assert calls and all({r.party_from, r.party_to} == pair for r in calls)
    theirs = [r for r in every.rows if r.source_row and r.event != "handset change"]
    others = len(theirs) - len(calls)
    assert between.excluded[0] == (
        f"Events of these numbers with other parties in the period: {others:,}, not listed "
        "(only events between two of the numbers are)."
    )
    everything = _schedule(case)
    outside = len([r for r in everything.rows if r.source_row and r.event != "handset change"])
    assert between.excluded[1] == (
        f"The same events outside the period: {outside - len(calls):,}, not listed."
    )


def test_casework_follows_its_day_and_names_no_intelligence_text(case: Case) -> None:
    schedule = _schedule(case)
    casework = [r for r in schedule.rows if r.exhibit.startswith("casework")]
    assert [r.event for r in casework] == [
        "phone seizure", "arrest", "drug seizure", "intelligence"
    ]  # fmt: skip
    day = case.seized_on.isoformat()
    seizure = casework[0]
    assert seizure.utc == day and seizure.party_from == case.line.numbers[0]
    assert casework[1].detail == "operation 'Op Fortress': arrest, 2 arrests"
    assert casework[2].detail == "operation 'Op Fortress': drug seizure, crack cocaine, 12.500 g"
    before = [r for r in schedule.rows if r.row < seizure.row and len(r.utc) > 10]
    after = [r for r in schedule.rows if r.row > seizure.row and len(r.utc) > 10]
    assert all(r.local[:10] <= day for r in before) and all(r.local[:10] > day for r in after)
    item = casework[3]
    assert "graded 2/B/P" in item.detail and "Gosport" not in item.detail
    with case.workspace.sessions() as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.actor == "analyst").order_by(AuditEntry.seq)
        ).all()
    consulted = {(e.action, e.record_type) for e in entries[-3:]}
    assert consulted == {("consultation", t) for t in ("operation_result", "intelligence", "phone")}


def _number_that_changed_handset(workspace: Workspace) -> str:
    comms, _ = workspace_tables(workspace)
    own = contacts(comms, common=(c.START_UTC,))
    own = own.filter(own.imei.notnull())
    per = own.group_by("number").aggregate(handsets=own.imei.nunique())
    changed = per.filter(per.handsets > 1).order_by("number").limit(1).to_pyarrow().to_pylist()
    assert changed, "the world has no number that changed handset"
    number: str = changed[0]["number"]
    return number


def test_a_change_of_handset_is_the_row_that_shows_it(case: Case) -> None:
    number = _number_that_changed_handset(case.workspace)
    schedule = _schedule(case, numbers=[number])
    changes = [r for r in schedule.rows if r.event == "handset change"]
    assert changes
    tables = {sha: pq.read_table(p).to_pylist() for sha, p in _sources(case.comms).items()}
    for change in changes:
        assert change.source_sha256 is not None and change.source_row is not None
        source = tables[change.source_sha256][change.source_row - 1]
        imei = source["a_imei"] if source["a_number"] == number else source["b_imei"]
        assert imei == change.imei_from
        assert change.party_from == number
        assert change.detail.startswith(f"now in handset IMEI {imei}; before, in ")


def test_attribution_counts_what_detection_counted(case: Case) -> None:
    phone, holders = next(iter(case.line.phone_holders.items()))
    holder = holders[0]
    figures = holder.evidence[0].figures
    schedule = _schedule(case, numbers=[phone, holder.number], attribute=(phone, holder.number))
    pair = schedule.attribution
    assert pair is not None
    assert (pair.periods, pair.together, pair.expected) == (
        figures["periods"], figures["together"], figures["expected"],
    )  # fmt: skip
    assert pair.statement == holder.evidence[0].text
    assert pair.holds == holder.holds and pair.score == holder.score
    assert len(pair.rows) == pair.periods
    assert sum(p.together for p in pair.rows) == pair.together
    tables = {sha: pq.read_table(p).to_pylist() for sha, p in _sources(case.comms).items()}
    for located in pair.rows:
        for number, sha, row, cells in (
            (phone, located.sha256_first, located.row_first, located.cells_first),
            (holder.number, located.sha256_second, located.row_second, located.cells_second),
        ):
            source = tables[sha][row - 1]
            side = "a" if source["a_number"] == number else "b"
            assert source[f"{side}_number"] == number and source[f"{side}_cell"] in cells
            assert source["start"].strftime("%Y-%m-%d %H:%M") >= located.start_utc[:16]
    cited = sum(s.rows for s in schedule.sources)
    assert cited == len([r for r in schedule.rows if r.source_sha256]) + 2 * pair.periods


def test_a_title_names_at_most_three_numbers(case: Case) -> None:
    line_number, runner = case.line.numbers[0], _runner(case)
    assert _schedule(case).title == f"Schedule of events: {line_number}, {runner}"
    many = [line_number, runner, *case.line.customers.numbers[:3]]
    assert _schedule(case, numbers=many).title == (
        f"Schedule of events: {line_number} and 4 other numbers"
    )


def test_mistakes_are_refused_with_reasons(case: Case) -> None:
    with pytest.raises(ScheduleProblem, match="name at least one number"):
        _schedule(case, numbers=[" "])
    with pytest.raises(ScheduleProblem, match="two different numbers"):
        _schedule(case, attribute=(case.line.numbers[0], case.line.numbers[0]))


def _csv_rows(content: bytes) -> tuple[list[list[str]], list[dict[str, str]]]:
    lines = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    start = lines.index(list(HEADER))
    end = lines.index([], start) if [] in lines[start:] else len(lines)
    return lines[:start], [dict(zip(HEADER, line, strict=True)) for line in lines[start + 1 : end]]


def test_the_csv_and_xlsx_hold_every_row_and_its_exhibit(case: Case) -> None:
    schedule = _schedule(case, attribute=(case.line.numbers[0], _runner(case)))
    preamble, rows = _csv_rows(schedule_bytes(schedule, "csv"))
    assert [line[0] for line in preamble[:3]] == [
        schedule.title, f"Numbers: {', '.join(schedule.numbers)} (events between them)",
        f"Period: {schedule.period}",
    ]  # fmt: skip
    assert any(line[0].startswith("Source: ") and schedule.sources[0].sha256 in line[0]
               for line in preamble)  # fmt: skip
    assert [(int(r["row"]), r["UTC"], r["source row"]) for r in rows] == [
        (r.row, r.utc, "" if r.source_row is None else str(r.source_row)) for r in schedule.rows
    ]
    book = openpyxl.load_workbook(io.BytesIO(schedule_bytes(schedule, "xlsx")))
    assert book.sheetnames == ["Schedule", "Attribution"]
    sheet = [[c for c in row] for row in book["Schedule"].iter_rows(values_only=True)]
    start = sheet.index(tuple(HEADER)) if tuple(HEADER) in sheet else sheet.index(list(HEADER))
    assert [row[15] for row in sheet[start + 1 :]] == [r.exhibit for r in schedule.rows]
    periods = list(book["Attribution"].iter_rows(values_only=True))
    assert len(periods) == 3 + 1 + len(schedule.attribution.rows if schedule.attribution else [])


def test_cells_a_spreadsheet_would_run_are_inert(case: Case) -> None:
    schedule = _schedule(case)
    hostile = schedule.rows[0].model_copy(
        update={"detail": "=HYPERLINK(\"http://x\",\"y\")", "party_to": "@SUM(1)",
                "cell_from": "-2+3+cmd|' /C calc'!A0"}
    )  # fmt: skip
    poisoned = schedule.model_copy(update={"rows": [hostile]})
    _, rows = _csv_rows(schedule_bytes(poisoned, "csv"))
    assert rows[0]["detail"].startswith("'=") and rows[0]["to"] == "'@SUM(1)"
    assert rows[0]["from cell"].startswith("'-2+3")
    assert rows[0]["from"] == hostile.party_from  # a number with its plus stays as it is
    book = openpyxl.load_workbook(io.BytesIO(schedule_bytes(poisoned, "xlsx")))
    cells = [c for row in book["Schedule"].iter_rows() for c in row if c.value is not None]
    assert all(c.data_type == "s" for c in cells)
    assert any(c.value == '\'=HYPERLINK("http://x","y")' for c in cells)


def test_the_pdf_is_printed_by_chromium_and_reads_back(case: Case, tmp_path: Path) -> None:
    require_chromium()
    when = period(case.line.first_seen_utc[:10], case.seized_on.isoformat())
    schedule = _schedule(case, when=when, attribute=(case.line.numbers[0], _runner(case)))
    written = write_schedule(schedule, tmp_path / "schedule.pdf")
    reader = PdfReader(tmp_path / "schedule.pdf")
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert written.bytes == (tmp_path / "schedule.pdf").stat().st_size
    assert len(reader.pages) >= 2
    assert schedule.title in text and schedule.time_rule in text
    for row in schedule.rows:
        assert f"{row.utc} {row.local}" in text, row.row
    exhibits = [r for r in schedule.rows if r.source_row]
    assert all(f"row {r.source_row:,}" in text for r in exhibits)
    assert f"page 1 of {len(reader.pages)}" in text
    assert "Attribution: does" in text


def test_a_pdf_too_long_to_print_is_refused_before_chromium_starts(
    case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    schedule = _schedule(case)
    monkeypatch.setattr(schedule_report, "MOST_PRINTED", len(schedule.rows) - 1)
    monkeypatch.setattr(schedule_report, "print_pdf", _never)
    with pytest.raises(TooLongToPrint, match=f"this schedule has {len(schedule.rows):,}"):
        schedule_bytes(schedule, "pdf")


def _never(html: str) -> bytes:
    raise AssertionError("Chromium was started")
