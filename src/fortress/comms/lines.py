"""Deal-line services for the CLI and API: run detection, store it, read it back.

Each run is kept (``line_runs``); ``list`` and ``show`` read the latest run. Every service
returns a typed result from ``fortress.model.lines`` (the JSON the CLI prints is its
``model_dump(mode="json")``).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any
from uuid import uuid4

import ibis.expr.types as ir
from sqlalchemy import select

from fortress.comms.activity import LineParties, daily_activity, events_per_day, week_hours
from fortress.comms.detect import detect_lines
from fortress.comms.events import contacts, span, with_local_time
from fortress.comms.geography import customer_map
from fortress.comms.handsets import history
from fortress.comms.increments import KEPT_FOLDER as WAVES_FOLDER
from fortress.comms.increments import KeptWaveStep
from fortress.comms.judgements import link_judgements
from fortress.comms.kept_contacts import KEPT_FOLDER as CONTACTS_FOLDER
from fortress.comms.kept_contacts import KeptContacts
from fortress.comms.params import DetectionParams
from fortress.comms.people import LinePeople, find_people
from fortress.comms.quantum import QuantumParams, estimate
from fortress.comms.results import DealLine, Detection, NumberFinding
from fortress.comms.stages import StageClock
from fortress.comms.successors import find_successors
from fortress.comms.tallies import KEPT_FOLDER as TALLIES_FOLDER
from fortress.comms.tallies import KeptTallies
from fortress.model.flags import IMEI_CHECK_DIGIT
from fortress.model.lines import (
    BrandLink,
    ChildRunner,
    Controller,
    ControllerList,
    CuckooSite,
    CustomerList,
    DetectedLine,
    DetectionRun,
    EvidenceItem,
    HandsetsOfNumber,
    IdentityHistory,
    LineActivity,
    LineDetail,
    LineHandset,
    LineMap,
    LineQuantum,
    LineSite,
    LinesPerDay,
    LineSummary,
    NumberHistory,
    NumbersOfHandset,
    PhoneHolder,
    PossibleChildRunner,
    RunnerCount,
    RunnerList,
    RunnerMovement,
    RunRef,
    Safeguarding,
    SilentNumber,
    WeekHours,
)
from fortress.model.values import Imei, Msisdn
from fortress.store import events as event_tables
from fortress.store.models import DealLineRecord, LineRun, ScoredNumber
from fortress.store.workspace import CELLS, COMMS, Workspace, now_utc

KEPT_FOLDERS = (WAVES_FOLDER, TALLIES_FOLDER, CONTACTS_FOLDER)
"""What a run keeps in the workspace for the next to extend: removing them only makes the
next run start from scratch."""


class NoDetection(Exception):
    """Nothing to read: no detection has been run, or the line id is unknown."""


def workspace_tables(workspace: Workspace) -> tuple[ir.Table, ir.Table | None]:
    """The comms events (required) and the cell sites (optional) on the configured engine."""
    backend = event_tables.connect(workspace)
    comms = event_tables.table(backend, workspace, COMMS)
    if comms is None:
        raise NoDetection("the workspace holds no comms events: ingest some first")
    return comms, event_tables.table(backend, workspace, CELLS)


def run_detection(workspace: Workspace, params: DetectionParams | None = None) -> DetectionRun:
    """Detect deal lines over the whole comms table and store the run; returns its summary.

    The wave step, the tallies over every event and the contacts fetched are kept in the
    workspace and extended by the files ingested since the last run
    (``comms.increments``, ``comms.tallies``, ``comms.kept_contacts``)."""
    started = now_utc()
    clock = StageClock()
    backend = event_tables.connect(workspace)
    files = workspace.data_files(COMMS)
    comms = event_tables.comms_table(backend, files)
    if comms is None:
        raise NoDetection("the workspace holds no comms events: ingest some first")
    cells = event_tables.table(backend, workspace, CELLS)
    wave_step = KeptWaveStep(workspace, backend, files)
    tallies = KeptTallies(workspace, backend, files)
    kept_contacts = KeptContacts(workspace, backend, files)
    judgements = link_judgements(workspace)
    detection = detect_lines(
        comms, cells, params, judgements, clock, wave_step, tallies, kept_contacts
    )
    people, sites = find_people(comms, cells, detection)
    with clock.stage("writing results"):
        run = _save(workspace, detection, people, sites, started)
    return DetectionRun(
        run_id=run.id,
        events=run.events,
        numbers_scored=run.numbers_scored,
        lines_found=run.lines_found,
        seconds=round((run.finished_at - started).total_seconds(), 3),
        lines=[_line_brief(line) for line in detection.lines],
        stages=clock.times(),
        wave_step=wave_step.record.describe() if wave_step.record else None,
        contacts=kept_contacts.describe(),
    )


def _save(
    workspace: Workspace,
    detection: Detection,
    people: dict[str, LinePeople],
    sites: list[dict[str, Any]],
    started: datetime,
) -> LineRun:
    line_of = {n.number: line.line_id for line in detection.lines for n in line.numbers}
    when = detection.span
    run = LineRun(
        id=uuid4().hex,
        started_at=started,
        finished_at=now_utc(),
        params=_json(detection.params.to_dict()),
        events=when.events if when else 0,
        first_event_utc=when.first if when else None,
        last_event_utc=when.last if when else None,
        numbers_scored=len(detection.scored),
        lines_found=len(detection.lines),
        safeguarding=_json(sites),
    )
    with workspace.sessions.begin() as session:
        session.add(run)
        session.flush()
        session.add_all(_number_row(run.id, found, line_of) for found in detection.scored)
        session.add_all(
            DealLineRecord(
                run_id=run.id,
                line_id=line.line_id,
                score=line.score,
                numbers=_json([n.number for n in line.numbers]),
                evidence=_json([e.to_dict() for e in line.evidence]),
                people=_json(people.get(line.line_id, LinePeople()).to_dict()),
            )
            for line in detection.lines
        )
    return run


def _number_row(run_id: str, found: NumberFinding, line_of: dict[str, str]) -> ScoredNumber:
    return ScoredNumber(
        run_id=run_id,
        number=found.number,
        line_id=line_of.get(found.number),
        score=found.score,
        is_line=found.is_line,
        first_seen_utc=found.figures["first_utc"],
        last_seen_utc=found.figures["last_utc"],
        components=_json(found.components),
        evidence=_json([e.to_dict() for e in found.evidence]),
        figures=_json(found.figures),
        details=_json(
            {
                "customers": found.customers,
                "runners": found.runners,
                "handsets": found.handsets,
                "sites": found.sites,
            }
        ),
    )


def latest_run(workspace: Workspace) -> LineRun:
    """The newest detection run."""
    with workspace.sessions() as session:
        run = session.scalars(select(LineRun).order_by(LineRun.finished_at.desc())).first()
    if run is None:
        raise NoDetection("no deal-line detection has been run: run `fortress lines detect`")
    return run


def list_lines(workspace: Workspace, *, include_all: bool = False) -> list[LineSummary]:
    """Lines of the latest run, strongest first; with ``include_all`` also every other
    number that sent bulk waves (as ``not a line``, with its score and evidence)."""
    run = latest_run(workspace)
    with workspace.sessions() as session:
        lines = session.scalars(select(DealLineRecord).where(DealLineRecord.run_id == run.id)).all()
        numbers = {
            row.number: row
            for row in session.scalars(select(ScoredNumber).where(ScoredNumber.run_id == run.id))
        }
    listed = [_line_summary(line, numbers) for line in lines]
    listed.sort(key=lambda item: (-item.score, item.line_id or ""))
    if include_all:
        others = sorted(
            (row for row in numbers.values() if row.line_id is None),
            key=lambda row: (-row.score, row.number),
        )
        listed += [_not_a_line(row) for row in others]
    return listed


def show_line(workspace: Workspace, line_id: str) -> LineDetail:
    """Everything about one line of the latest run."""
    run = latest_run(workspace)
    with workspace.sessions() as session:
        line = session.get(DealLineRecord, (run.id, line_id))
        if line is None:
            raise NoDetection(f"no line {line_id!r} in the latest run ({run.id})")
        rows = session.scalars(
            select(ScoredNumber).where(
                ScoredNumber.run_id == run.id, ScoredNumber.line_id == line_id
            )
        ).all()
    numbers = {row.number: row for row in rows}
    ordered = [numbers[n] for n in json.loads(line.numbers)]
    details = [json.loads(row.details) for row in ordered]
    customers = sorted({c for d in details for c in d["customers"]})
    runners = _merge_runners(details)
    # people are stored as JSON with the run (``LinePeople.to_dict``); read back as models
    people = json.loads(line.people)
    controllers = [Controller.model_validate(c) for c in people.get("controllers", [])]
    return LineDetail(
        **dict(_line_summary(line, numbers)),
        number_history=[_history(row) for row in ordered],
        customers=CustomerList(count=len(customers), numbers=customers),
        runners=RunnerList(count=len(runners), numbers=runners),
        controllers=ControllerList(count=len(controllers), numbers=controllers),
        runner_movements={
            runner: RunnerMovement.model_validate(moved)
            for runner, moved in people.get("movements", {}).items()
        },
        children=[ChildRunner.model_validate(child) for child in people.get("children", [])],
        phone_holders={
            phone: [PhoneHolder.model_validate(h) for h in held]
            for phone, held in people.get("holders", {}).items()
        },
        handsets=[
            LineHandset.model_validate({"number": row.number, **handset})
            for row, d in zip(ordered, details, strict=True)
            for handset in d["handsets"]
        ],
        sites=_merge_sites(details),
        run=RunRef(id=run.id, finished_at=run.finished_at.isoformat()),
    )


def _line_summary(line: DealLineRecord, numbers: dict[str, ScoredNumber]) -> LineSummary:
    members = [numbers[n] for n in json.loads(line.numbers) if n in numbers]
    evidence = [EvidenceItem.model_validate(e) for e in json.loads(line.evidence)]
    return LineSummary(
        line_id=line.line_id,
        is_line=True,
        numbers=json.loads(line.numbers),
        links=[_link(item) for item in evidence if item.kind == "successor"],
        score=round(line.score, 3),
        first_seen_utc=min(m.first_seen_utc for m in members).isoformat(),
        last_seen_utc=max(m.last_seen_utc for m in members).isoformat(),
        customer_count=len({c for m in members for c in json.loads(m.details)["customers"]}),
        evidence=evidence,
    )


def _link(item: EvidenceItem) -> BrandLink:
    """A successor link, from the evidence ``continuity`` wrote for it."""
    return BrandLink.model_validate({**item.figures, "text": item.text})


def _not_a_line(row: ScoredNumber) -> LineSummary:
    return LineSummary(
        line_id=None,
        is_line=False,
        numbers=[row.number],
        score=round(row.score, 3),
        first_seen_utc=row.first_seen_utc.isoformat(),
        last_seen_utc=row.last_seen_utc.isoformat(),
        customer_count=len(json.loads(row.details)["customers"]),
        evidence=[EvidenceItem.model_validate(e) for e in json.loads(row.evidence)],
    )


def _history(row: ScoredNumber) -> NumberHistory:
    return NumberHistory(
        number=row.number,
        first_seen_utc=row.first_seen_utc.isoformat(),
        last_seen_utc=row.last_seen_utc.isoformat(),
        score=round(row.score, 3),
        components=json.loads(row.components),
    )


def _merge_runners(details: list[dict[str, Any]]) -> list[RunnerCount]:
    totals: dict[str, int] = {}
    for d in details:
        for runner in d["runners"]:
            totals[runner["target"]] = totals.get(runner["target"], 0) + int(runner["dispatches"])
    return [
        RunnerCount(number=number, dispatches=count)
        for number, count in sorted(totals.items(), key=lambda item: (-item[1], item[0]))
    ]


def _merge_sites(details: list[dict[str, Any]]) -> list[LineSite]:
    totals: dict[tuple[str, str], int] = {}
    for d in details:
        for site in d["sites"]:
            key = (site["cell"], site["area"])
            totals[key] = totals.get(key, 0) + int(site["events"])
    return [
        LineSite(cell_id=cell, area=area, events=count)
        for (cell, area), count in sorted(totals.items(), key=lambda item: (-item[1], item[0]))
    ]


def _line_brief(line: DealLine) -> DetectedLine:
    return DetectedLine(
        line_id=line.line_id,
        numbers=[n.number for n in line.numbers],
        score=round(line.score, 3),
        evidence=[EvidenceItem.of(e) for e in line.evidence],
    )


def _json(value: Any) -> str:
    return json.dumps(value, default=_plain, sort_keys=True)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy / decimal scalars
        return value.item()
    return str(value)


def successors(workspace: Workspace, number: str | None = None) -> list[SilentNumber]:
    """Candidate successors of silent numbers (or of ``number``), with analysts'
    judgements applied: rejected candidates are dropped, the others carry their verdict."""
    comms, _ = workspace_tables(workspace)
    wanted = None if number is None else as_number(number)
    found = find_successors(comms, number=wanted)
    if wanted is not None and not found:
        raise NoDetection(f"{number} does not appear in the workspace's comms events")
    judgements = link_judgements(workspace)
    return [
        item.model_copy(
            update={
                "candidates": [
                    candidate.model_copy(update={"judgement": verdict})
                    for candidate in item.candidates
                    if (verdict := judgements.get((item.number, candidate.number))) != "rejected"
                ]
            }
        )
        for item in found
    ]


def as_number(raw: str) -> str:
    """A number as the user typed it, normalised as ingest would (ids stay as given)."""
    cleaned = Msisdn().clean(raw)
    return cleaned.value if cleaned.flag is None and cleaned.value else raw.strip()


def line_activity(workspace: Workspace, line_id: str) -> LineActivity:
    """Daily activity of one line of the latest run (``fortress.comms.activity``)."""
    shown = show_line(workspace, line_id)
    comms, _ = workspace_tables(workspace)
    parties = LineParties(
        numbers=shown.numbers,
        customers=shown.customers.numbers,
        runners=[r.number for r in shown.runners.numbers],
    )
    days = daily_activity(comms, parties)
    return LineActivity(line_id=line_id, numbers=shown.numbers, days=days)


def line_week_hours(workspace: Workspace, line_id: str) -> WeekHours:
    """When one line of the latest run works: events by local weekday and hour."""
    shown = show_line(workspace, line_id)
    comms, _ = workspace_tables(workspace)
    counts = week_hours(comms, shown.numbers)
    return WeekHours(
        line_id=line_id, numbers=shown.numbers, counts=counts, events=sum(map(sum, counts))
    )


def lines_per_day(workspace: Workspace, lines: list[LineSummary]) -> LinesPerDay:
    """Each line's events per day over the workspace's days (one pass over the events)."""
    comms, _ = workspace_tables(workspace)
    when = span(comms)
    if when is None:
        raise NoDetection("the workspace holds no comms events: ingest some first")
    first, last = when.first.date(), when.last.date()
    days = (last - first).days + 1
    numbers = {n: str(line.line_id) for line in lines for n in line.numbers}
    counts = {line_id: [0] * days for line_id in numbers.values()}
    for number, per_day in events_per_day(comms, list(numbers)).items():
        row = counts[numbers[number]]
        for day, n in per_day.items():
            row[(day - first).days] += n
    return LinesPerDay(first_day=first.isoformat(), last_day=last.isoformat(), counts=counts)


def safeguarding(workspace: Workspace) -> list[Safeguarding]:
    """Candidate cuckooed addresses and runner bases of the latest run, for visits, then
    runners whose phones behave like a pupil's (possible children)."""
    run = latest_run(workspace)
    sites: list[Safeguarding] = [CuckooSite.model_validate(s) for s in json.loads(run.safeguarding)]
    with workspace.sessions() as session:
        lines = session.scalars(select(DealLineRecord).where(DealLineRecord.run_id == run.id))
        for line in lines:
            for child in json.loads(line.people).get("children", []):
                if child["possible_child"]:
                    sites.append(PossibleChildRunner(line_id=line.line_id, **child))
    return sites


def line_quantum(
    workspace: Workspace,
    line_id: str,
    first_day: str | None = None,
    last_day: str | None = None,
    params: QuantumParams | None = None,
    activity: LineActivity | None = None,
) -> LineQuantum:
    """Both quantum estimates for one line over its whole life or ``first_day..last_day``
    (from ``activity`` when the caller has it already)."""
    for given in (first_day, last_day):
        if given is not None:
            try:
                date.fromisoformat(given)
            except ValueError:
                raise ValueError(f"{given!r} is not a day (YYYY-MM-DD)") from None
    activity = activity or line_activity(workspace, line_id)
    days = [
        d
        for d in activity.days
        if (first_day is None or d.day >= first_day) and (last_day is None or d.day <= last_day)
    ]
    if not days:
        raise NoDetection(f"{line_id} has no activity between {first_day} and {last_day}")
    return LineQuantum(line_id=line_id, numbers=activity.numbers, **dict(estimate(days, params)))


def line_map(workspace: Workspace, line_id: str) -> LineMap:
    """Customers per home cell and the line phones' cells, with coordinates."""
    shown = show_line(workspace, line_id)
    comms, cells = workspace_tables(workspace)
    if cells is None:
        return LineMap(customers=[], line_sites=[], customers_without_cell=0)
    when = span(comms)
    assert when is not None
    both = contacts(with_local_time(comms, when))
    return customer_map(both, cells, shown.customers.numbers, shown.sites)


def identity_history(workspace: Workspace, value: str) -> IdentityHistory:
    """For a phone number, the handsets it was used in; for an IMEI, the numbers (SIMs)
    used in it."""
    comms, _ = workspace_tables(workspace)
    text = value.strip()
    handset = Imei().clean(text)  # the registry's rule: 14-16 digits (grouped with - or /)
    # ingest keeps an IMEI failing its check digit (flagged), so it is looked up as one;
    # digits spaced out are a number written for reading ("0044 7700 900123")
    spaced = any(char.isspace() for char in text)
    if handset.flag in (None, IMEI_CHECK_DIGIT) and handset.value and not spaced:
        rows = history(comms, imei=handset.value)
        return NumbersOfHandset(imei=handset.value, numbers=rows, changes=max(len(rows) - 1, 0))
    number = as_number(text)
    rows = history(comms, number=number)
    return HandsetsOfNumber(number=number, handsets=rows, changes=max(len(rows) - 1, 0))
