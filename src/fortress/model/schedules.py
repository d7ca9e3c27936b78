"""An event schedule for court (``fortress.casework.schedules``): the time-ordered events
between chosen numbers, each row traceable to the row of the file it came from."""

from __future__ import annotations

from fortress.model.lines import Frozen


class ScheduleSource(Frozen):
    """A file the schedule's comms rows come from: an exhibit."""

    file: str
    """Its name when it was ingested."""
    sha256: str
    layout: str | None
    ingested_utc: str
    rows: int
    """Rows of the schedule, and exhibits of its attribution section, that cite it."""


class ScheduleRow(Frozen):
    """One event: a call or message, a change of handset, or a casework record."""

    row: int
    utc: str
    """``YYYY-MM-DD HH:MM:SS``, or the day alone for a record kept by day."""
    local: str
    """The same on the local clock, with the zone's abbreviation (GMT, BST)."""
    event: str
    party_from: str | None
    party_to: str | None
    duration_s: int | None
    answered: bool | None
    cell_from: str | None
    site_from: str | None
    """The cell site's coordinates, azimuth and area, where the cell list has them."""
    cell_to: str | None
    site_to: str | None
    imei_from: str | None
    imei_to: str | None
    detail: str
    exhibit: str
    """Where the row comes from, in words: the file and row, or the casework record."""
    source_file: str | None
    source_sha256: str | None
    source_row: int | None
    """The row in the source file, as ingest numbered it: a CSV's header is row 1 and its
    first data row 2, as a spreadsheet shows them; a Parquet file's first record is 1."""


class AttributionPeriod(Frozen):
    """One 15-minute period in which both phones were located."""

    start_utc: str
    local: str
    together: bool
    """Whether they shared a cell in the period."""
    cells_first: list[str]
    cells_second: list[str]
    exhibit_first: str
    """The first event locating the first phone in the period: file and row."""
    exhibit_second: str
    sha256_first: str
    row_first: int
    sha256_second: str
    row_second: int


class Attribution(Frozen):
    """Whether a suspected clean (personal) phone travels with a dirty (line) phone: the
    periods both were located, together or apart, and how that compares with chance."""

    first: str
    """The dirty phone, e.g. a deal-line number."""
    second: str
    """The suspected clean phone of its holder."""
    period_minutes: int
    periods: int
    together: int
    expected: float
    """The share of periods chance would put them on one cell, from each phone's own use of
    cells."""
    score: float
    holds: bool
    statement: str
    rows: list[AttributionPeriod]


class Schedule(Frozen):
    """A schedule of events, with the header a court needs to read it."""

    title: str
    numbers: list[str]
    every_event: bool
    """Every event of the numbers, or only those between two of them."""
    period: str
    zone: str
    time_rule: str
    made_utc: str
    made_by: str
    sources: list[ScheduleSource]
    excluded: list[str]
    """What the schedule leaves out, in words, with counts."""
    casework: str
    """Which casework records it lists, or why none."""
    rows: list[ScheduleRow]
    attribution: Attribution | None
