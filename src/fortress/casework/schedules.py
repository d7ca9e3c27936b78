"""Event schedules for court: the time-ordered events between chosen numbers (calls,
messages, cell sites, changes of handset) merged with what casework holds on them
(seizures and the other results of the operations that seized their phones, intelligence
that names them), each row with its exhibit reference: the source file, its SHA-256 and
the row ingest read it from. With a suspected clean/dirty phone pair, the co-location
evidence as a section of its own (``docs/methods/schedules.md``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import PurePath
from typing import Any, Final
from zoneinfo import ZoneInfo

import ibis.expr.types as ir
from sqlalchemy import select
from sqlalchemy.orm import Session

from fortress.casework import audit
from fortress.casework.db import CaseworkDatabaseError, check_ready, current_revision
from fortress.casework.models import (
    Intelligence,
    IntelligenceLink,
    Operation,
    OperationResult,
)
from fortress.casework.operations import KINDS
from fortress.comms.clock import offset_spans
from fortress.comms.events import contacts
from fortress.comms.lines import as_number, workspace_tables
from fortress.comms.profiles import Period, within
from fortress.comms.roles import BUCKET_S, RoleParams, cell_frequencies, co_location
from fortress.model import columns as c
from fortress.model.lines import LineDetail
from fortress.model.schedules import (
    Attribution,
    AttributionPeriod,
    Schedule,
    ScheduleRow,
    ScheduleSource,
)
from fortress.store.models import IngestBatch
from fortress.store.workspace import COMMS, Workspace, now_utc

CASEWORK_LISTED: Final = (
    "the phone seizures recorded with these numbers, every other result of the operations "
    "that seized them, and the intelligence linked to them; intelligence is listed by "
    "reference and grade, never its text. Results are recorded by day and follow that "
    "day's events."
)
NO_CASEWORK: Final = "these records hold no casework, so none is listed."
MOST_NUMBERS: Final = 50
MOST_ROWS: Final = 100_000
"""A schedule longer than this is refused, with the count: narrow the period or numbers."""
EVENT_NAMES: Final = {"call": "call", "sms": "SMS", "mms": "MMS", "app_message": "app message"}
ROW_COLUMNS: Final = (
    c.EVENT_ID, c.START_UTC, c.KIND, c.A_NUMBER, c.B_NUMBER, c.DURATION_S, c.ANSWERED,
    c.A_CELL, c.B_CELL, c.A_IMEI, c.B_IMEI, c.SOURCE, c.SOURCE_ROW,
)  # fmt: skip


class ScheduleProblem(ValueError):
    """A schedule that cannot be made as asked; the message says why."""


@dataclass(frozen=True, slots=True)
class Exhibits:
    """The ingested files, by SHA-256: name, layout and when."""

    files: dict[str, IngestBatch]

    def name(self, sha256: str) -> str:
        batch = self.files.get(sha256)
        return PurePath(batch.source_path).name if batch else "(file not recorded)"

    def reference(self, sha256: str, row: int) -> str:
        return f"{self.name(sha256)} row {row:,} (SHA-256 {sha256[:12]}…)"


def line_parties(line: LineDetail) -> list[str]:
    """The numbers a line's schedule is of: its numbers, runners and controllers."""
    runners = [r.number for r in line.runners.numbers]
    controllers = [c.number for c in line.controllers.numbers]
    return list(dict.fromkeys([*line.numbers, *runners, *controllers]))


def make_schedule(
    workspace: Workspace,
    numbers: list[str],
    when: Period,
    *,
    casework: Session | None,
    every_event: bool = False,
    attribute: tuple[str, str] | None = None,
    actor: str,
) -> Schedule:
    """The schedule of ``numbers`` over ``when`` from ``workspace``'s comms events: the
    events between two of them (or, with ``every_event`` or one number, every event of
    theirs), their changes of handset and, from the ``casework`` records (None: there are
    none), what concerns them, in time order; with ``attribute`` (a dirty and a clean
    phone), the co-location section. Audited in ``casework`` as a consultation of the
    numbers and of the records shown (the caller commits). ``ScheduleProblem`` says what is
    wrong with the request."""
    chosen = _numbers(numbers)
    comms, cells = workspace_tables(workspace)
    events = within(comms, when)
    every_event = every_event or len(chosen) == 1
    rows = _comms_rows(events, chosen, every_event)
    sites = _sites(cells, rows)
    with workspace.sessions() as session:
        exhibits = _exhibits(session)
    entries = [_comms_entry(r, sites, exhibits, when.zone) for r in rows]
    entries += _handset_changes(events, chosen, exhibits, when.zone)
    pair = _attribution(events, attribute, exhibits, when.zone) if attribute else None
    casework_note = NO_CASEWORK
    if casework is not None:
        entries += _casework(casework, chosen, when, actor)
        audit.record(casework, actor, "consultation", "phone", chosen)
        casework_note = CASEWORK_LISTED
    entries.sort(key=lambda e: e[0])
    numbered = [entry.model_copy(update={"row": i}) for i, (_, entry) in enumerate(entries, 1)]
    excluded = _excluded(comms, events, chosen, every_event, when, len(rows))
    return Schedule(
        title=_title(chosen),
        numbers=chosen,
        every_event=every_event,
        period=when.describe(),
        zone=when.zone.key,
        time_rule=_time_rule(rows, when.zone),
        made_utc=now_utc().strftime("%Y-%m-%d %H:%M:%S"),
        made_by=actor,
        sources=_sources(numbered, pair, exhibits),
        excluded=excluded,
        casework=casework_note,
        rows=numbered,
        attribution=pair,
    )


TITLE_NUMBERS: Final = 3
"""Numbers a title names; the header lists them all."""


def _title(chosen: list[str]) -> str:
    if len(chosen) <= TITLE_NUMBERS:
        return f"Schedule of events: {', '.join(chosen)}"
    return f"Schedule of events: {chosen[0]} and {len(chosen) - 1} other numbers"


def _numbers(numbers: list[str]) -> list[str]:
    chosen = list(dict.fromkeys(as_number(n) for n in numbers if n.strip()))
    if not chosen:
        raise ScheduleProblem("name at least one number")
    if len(chosen) > MOST_NUMBERS:
        raise ScheduleProblem(f"a schedule takes at most {MOST_NUMBERS} numbers")
    return chosen


def _selected(events: ir.Table, chosen: list[str], every_event: bool) -> ir.Table:
    """The events of ``chosen`` (every one, or those between two of them)."""
    a_in, b_in = events[c.A_NUMBER].isin(chosen), events[c.B_NUMBER].isin(chosen)
    return events.filter((a_in | b_in) if every_event else (a_in & b_in))


def _comms_rows(events: ir.Table, chosen: list[str], every_event: bool) -> list[dict[str, Any]]:
    wanted = _selected(events, chosen, every_event)
    count = wanted.count().to_pyarrow().as_py()
    if count > MOST_ROWS:
        raise ScheduleProblem(
            f"the schedule would hold {count:,} events, more than {MOST_ROWS:,}: "
            "choose fewer numbers or a shorter period"
        )
    ordered = wanted.select(*ROW_COLUMNS).order_by([c.START_UTC, c.EVENT_ID])
    rows: list[dict[str, Any]] = ordered.to_pyarrow().to_pylist()
    return rows


def _sites(cells: ir.Table | None, rows: list[dict[str, Any]]) -> dict[str, str]:
    """Each cell used, in words: its coordinates, azimuth and area."""
    used = sorted({r[k] for r in rows for k in (c.A_CELL, c.B_CELL) if r[k]})
    if cells is None or not used:
        return {}
    found = cells.filter(cells[c.CELL_ID].isin(used)).select(
        c.CELL_ID, c.LAT, c.LON, c.AZIMUTH_DEG, c.AREA
    )
    return {row[c.CELL_ID]: _site_words(row) for row in found.to_pyarrow().to_pylist()}


def _site_words(row: dict[str, Any]) -> str:
    words = f"{row[c.LAT]:.5f}, {row[c.LON]:.5f}"
    if row[c.AZIMUTH_DEG] is not None:
        words += f", azimuth {row[c.AZIMUTH_DEG]:.0f}°"
    return words + (f", {row[c.AREA]}" if row[c.AREA] else "")


def _exhibits(session: Session) -> Exhibits:
    """Every comms file ingested, by SHA-256 (the first ingest of a file names it)."""
    batches = session.scalars(
        select(IngestBatch)
        .where(IngestBatch.table_name == COMMS, IngestBatch.status == "published")
        .order_by(IngestBatch.finished_at)
    )
    found: dict[str, IngestBatch] = {}
    for batch in batches:
        found.setdefault(str(batch.source_sha256), batch)
    return Exhibits(found)


SortKey = tuple[datetime, int, int]
Entry = tuple[SortKey, ScheduleRow]


def _clock(utc: datetime, zone: ZoneInfo) -> tuple[str, str]:
    local = utc.replace(tzinfo=UTC).astimezone(zone)
    return utc.strftime("%Y-%m-%d %H:%M:%S"), local.strftime("%Y-%m-%d %H:%M:%S %Z")


def _row(**given: Any) -> ScheduleRow:
    """A schedule row, the fields not given empty (numbered once all are in order)."""
    empty: dict[str, Any] = dict.fromkeys(ScheduleRow.model_fields) | {"row": 0, "detail": ""}
    return ScheduleRow(**(empty | given))


def _comms_entry(
    row: dict[str, Any], sites: dict[str, str], exhibits: Exhibits, zone: ZoneInfo
) -> Entry:
    utc, local = _clock(row[c.START_UTC], zone)
    call = row[c.KIND] == "call"
    entry = _row(
        utc=utc, local=local, event=EVENT_NAMES.get(row[c.KIND], row[c.KIND]),
        party_from=row[c.A_NUMBER], party_to=row[c.B_NUMBER],
        duration_s=row[c.DURATION_S] if call else None,
        answered=row[c.ANSWERED] if call else None,
        cell_from=row[c.A_CELL], site_from=sites.get(row[c.A_CELL] or ""),
        cell_to=row[c.B_CELL], site_to=sites.get(row[c.B_CELL] or ""),
        imei_from=row[c.A_IMEI], imei_to=row[c.B_IMEI],
        exhibit=exhibits.reference(row[c.SOURCE], row[c.SOURCE_ROW]),
        source_file=exhibits.name(row[c.SOURCE]), source_sha256=row[c.SOURCE],
        source_row=row[c.SOURCE_ROW],
    )  # fmt: skip
    return (row[c.START_UTC], 0, row[c.SOURCE_ROW]), entry


def _handset_changes(
    events: ir.Table, chosen: list[str], exhibits: Exhibits, zone: ZoneInfo
) -> list[Entry]:
    """Each time a chosen number is first seen in a handset (IMEI) other than the one it
    was last seen in, over all its events in the period: the row of the event showing it."""
    touching = events.filter(events[c.A_NUMBER].isin(chosen) | events[c.B_NUMBER].isin(chosen))
    mine = contacts(touching, common=(c.EVENT_ID, c.START_UTC, c.SOURCE, c.SOURCE_ROW))
    mine = mine.filter(mine.number.isin(chosen) & mine.imei.notnull())
    ordered = mine.select("number", "imei", c.START_UTC, c.EVENT_ID, c.SOURCE, c.SOURCE_ROW)
    last: dict[str, str] = {}
    found: list[Entry] = []
    for row in ordered.order_by(["number", c.START_UTC, c.EVENT_ID]).to_pyarrow().to_pylist():
        before = last.get(row["number"])
        last[row["number"]] = row["imei"]
        if before is None or before == row["imei"]:
            continue
        utc, local = _clock(row[c.START_UTC], zone)
        entry = _row(
            utc=utc, local=local, event="handset change", party_from=row["number"],
            imei_from=row["imei"],
            detail=f"now in handset IMEI {row['imei']}; before, in {before}",
            exhibit=exhibits.reference(row[c.SOURCE], row[c.SOURCE_ROW]),
            source_file=exhibits.name(row[c.SOURCE]), source_sha256=row[c.SOURCE],
            source_row=row[c.SOURCE_ROW],
        )  # fmt: skip
        found.append(((row[c.START_UTC], 1, row[c.SOURCE_ROW]), entry))
    return found


def has_casework(workspace: Workspace) -> bool:
    """Whether the workspace's records hold casework (at this Fortress's revision: else
    ScheduleProblem says what to do)."""
    if current_revision(workspace.engine) is None:
        return False
    try:
        check_ready(workspace.engine)
    except CaseworkDatabaseError as exc:
        raise ScheduleProblem(str(exc)) from exc
    return True


def _casework(session: Session, chosen: list[str], when: Period, actor: str) -> list[Entry]:
    """The casework rows (audited as consultations of the records shown)."""
    results = _operation_results(session, chosen, when)
    items = _intelligence(session, chosen, when)
    audit.record(session, actor, "consultation", "operation_result", [r.id for r, _ in results])
    audit.record(session, actor, "consultation", "intelligence", [i.id for i, _ in items])
    entries = [_result_entry(r, name, when.zone) for r, name in results]
    return entries + [_intelligence_entry(i, linked, when.zone) for i, linked in items]


def _operation_results(
    session: Session, chosen: list[str], when: Period
) -> list[tuple[OperationResult, str]]:
    seized = select(OperationResult.operation_id).where(
        OperationResult.kind == "phone_seizure", OperationResult.number.in_(chosen)
    )
    query = (
        select(OperationResult, Operation.name)
        .join(Operation, Operation.id == OperationResult.operation_id)
        .where(OperationResult.operation_id.in_(seized))
        .order_by(OperationResult.recorded_on, OperationResult.id)
    )
    return [(r, name) for r, name in session.execute(query).all() if _on(r.recorded_on, when)]


def _on(day: date, when: Period) -> bool:
    return (when.first is None or day >= when.first) and (when.last is None or day <= when.last)


def _intelligence(
    session: Session, chosen: list[str], when: Period
) -> list[tuple[Intelligence, list[str]]]:
    links = session.execute(
        select(IntelligenceLink.intelligence_id, IntelligenceLink.value).where(
            IntelligenceLink.entity_type.in_(("phone", "line")),
            IntelligenceLink.value.in_(chosen),
        )
    ).all()
    linked: dict[int, list[str]] = defaultdict(list)
    for item_id, value in links:
        linked[item_id].append(value)
    items = session.scalars(select(Intelligence).where(Intelligence.id.in_(sorted(linked))))
    inside = [
        (item, sorted(set(linked[item.id])))
        for item in items
        if (when.start_utc is None or item.recorded_at >= when.start_utc)
        and (when.end_utc is None or item.recorded_at < when.end_utc)
    ]
    return sorted(inside, key=lambda pair: (pair[0].recorded_at, pair[0].id))


def _result_entry(result: OperationResult, operation: str, zone: ZoneInfo) -> Entry:
    one, many = KINDS[result.kind][2:4]
    what = result.kind.replace("_", " ")
    count = f"{result.count} {one if result.count == 1 else many}".strip() if one else ""
    details = [f"operation {operation!r}: {what}", count, result.label or "",
               _amount(result), f"number {result.number}" if result.number else "",
               f"IMEI {result.imei}" if result.imei else ""]  # fmt: skip
    day = result.recorded_on.isoformat()
    entry = _row(
        utc=day, local=f"{day} (day recorded)", event=what,
        party_from=result.number, imei_from=result.imei,
        detail=", ".join(d for d in details if d),
        exhibit=f"casework operation result {result.id} (recorded by {result.recorded_by})",
    )  # fmt: skip
    midnight = datetime.combine(result.recorded_on + timedelta(days=1), time(), tzinfo=zone)
    last_moment = midnight.astimezone(UTC).replace(tzinfo=None) - timedelta(microseconds=1)
    return (last_moment, 2, result.id), entry


def _amount(result: OperationResult) -> str:
    if result.milligrams is not None:
        return f"{result.milligrams / 1000:,.3f} g"
    if result.pence is not None:
        return f"£{result.pence / 100:,.2f}"
    return ""


def _intelligence_entry(item: Intelligence, linked: list[str], zone: ZoneInfo) -> Entry:
    utc, local = _clock(item.recorded_at, zone)
    grade = f"{item.source_evaluation}/{item.assessment}/{item.handling_code}"
    entry = _row(
        utc=utc, local=local, event="intelligence", party_from=", ".join(linked),
        detail=f"intelligence report {item.id}, graded {grade} ({item.grading_model}); "
               "its text is not reproduced here",
        exhibit=f"casework intelligence {item.id} (recorded by {item.recorded_by})",
    )  # fmt: skip
    return (item.recorded_at, 3, item.id), entry


def _excluded(
    comms: ir.Table,
    events: ir.Table,
    chosen: list[str],
    every_event: bool,
    when: Period,
    shown: int,
) -> list[str]:
    """What the comms rows leave out, counted."""
    notes = []
    if not every_event:
        theirs = _selected(events, chosen, every_event=True).count().to_pyarrow().as_py()
        notes.append(
            f"Events of these numbers with other parties in the period: {theirs - shown:,}, "
            "not listed (only events between two of the numbers are)."
        )
    if when.first or when.last:
        everything = _selected(comms, chosen, every_event).count().to_pyarrow().as_py()
        notes.append(f"The same events outside the period: {everything - shown:,}, not listed.")
    return notes


def _time_rule(rows: list[dict[str, Any]], zone: ZoneInfo) -> str:
    """How times are given, with the clock changes within the schedule's span."""
    rule = (
        "Times are UTC, as ingest stored them after reading each source in its own time "
        f"zone; local times are {zone.key}"
    )
    if not rows:
        return rule + "."
    spans = offset_spans(zone, rows[0][c.START_UTC], rows[-1][c.START_UTC])
    clocks = [f"{_offset(minutes)} ({_abbreviation(zone, begin)})" for begin, _, minutes in spans]
    if len(spans) == 1:
        return f"{rule}, {clocks[0]} throughout."
    changes = [
        f"{clock} from {begin:%Y-%m-%d %H:%M} UTC"
        for (begin, _, _), clock in zip(spans, clocks, strict=True)
    ]
    return f"{rule}: {clocks[0]} at first, then {'; '.join(changes[1:])}."


def _offset(minutes: int) -> str:
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _abbreviation(zone: ZoneInfo, naive_utc: datetime) -> str:
    return naive_utc.replace(tzinfo=UTC).astimezone(zone).strftime("%Z")


def _sources(
    rows: list[ScheduleRow], pair: Attribution | None, exhibits: Exhibits
) -> list[ScheduleSource]:
    """The files the rows and the attribution section cite, each with how often."""
    cited: dict[str, int] = defaultdict(int)
    shas = [row.source_sha256 for row in rows if row.source_sha256]
    for period in pair.rows if pair else []:
        shas += [period.sha256_first, period.sha256_second]
    for sha in shas:
        cited[sha] += 1
    return [
        ScheduleSource(
            file=exhibits.name(sha), sha256=sha,
            layout=exhibits.files[sha].layout if sha in exhibits.files else None,
            ingested_utc=(exhibits.files[sha].finished_at.strftime("%Y-%m-%d %H:%M:%S")
                          if sha in exhibits.files else ""),
            rows=n,
        )
        for sha, n in sorted(cited.items(), key=lambda kv: exhibits.name(kv[0]))
    ]  # fmt: skip


def _attribution(
    events: ir.Table,
    pair: tuple[str, str],
    exhibits: Exhibits,
    zone: ZoneInfo,
) -> Attribution:
    """The 15-minute periods both phones were located, as detection's attribution counts
    them (``comms.roles``), each with the first event that located each phone."""
    first, second = (as_number(n) for n in pair)
    if first == second:
        raise ScheduleProblem("attribution needs two different numbers")
    touching = events.filter(
        events[c.A_NUMBER].isin([first, second]) | events[c.B_NUMBER].isin([first, second])
    )
    mine = contacts(touching, common=(c.EVENT_ID, c.START_UTC, c.SOURCE, c.SOURCE_ROW))
    mine = mine.filter(mine.number.isin([first, second]) & mine.cell.notnull())
    mine = mine.mutate(bucket=(mine[c.START_UTC].epoch_seconds() // BUCKET_S).cast("int64"))
    cells: dict[str, dict[int, set[str]]] = {first: defaultdict(set), second: defaultdict(set)}
    firsts: dict[tuple[str, int], dict[str, Any]] = {}
    ordered = mine.order_by([c.START_UTC, c.EVENT_ID]).to_pyarrow().to_pylist()
    for row in ordered:
        cells[row["number"]][row["bucket"]].add(row["cell"])
        firsts.setdefault((row["number"], row["bucket"]), row)
    found = co_location(cells[first], cells[second], cell_frequencies(cells[first]),
                        cell_frequencies(cells[second]))  # fmt: skip
    params = RoleParams()
    periods = []
    for bucket in sorted(cells[first].keys() & cells[second].keys()):
        start = datetime.fromtimestamp(bucket * BUCKET_S, UTC).replace(tzinfo=None)
        utc, local = _clock(start, zone)
        one, two = firsts[first, bucket], firsts[second, bucket]
        periods.append(AttributionPeriod(
            start_utc=utc, local=local,
            together=bool(cells[first][bucket] & cells[second][bucket]),
            cells_first=sorted(cells[first][bucket]), cells_second=sorted(cells[second][bucket]),
            exhibit_first=exhibits.reference(one[c.SOURCE], one[c.SOURCE_ROW]),
            exhibit_second=exhibits.reference(two[c.SOURCE], two[c.SOURCE_ROW]),
            sha256_first=one[c.SOURCE], row_first=one[c.SOURCE_ROW],
            sha256_second=two[c.SOURCE], row_second=two[c.SOURCE_ROW],
        ))  # fmt: skip
    return Attribution(
        first=first, second=second, period_minutes=BUCKET_S // 60, periods=found.periods,
        together=found.together, expected=round(found.expected, 4),
        score=round(found.score, 3), holds=found.holds(params),
        statement=found.statement(first, second, params), rows=periods,
    )  # fmt: skip
