"""A number's behavioural profile from the workspace's comms events
(``fortress numbers profile``): its records on the local clock, the indicators of
``fortress.comms.indicators``, its home cell and its week of hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import ibis.expr.types as ir

from fortress.comms.clock import LONDON
from fortress.comms.events import contacts
from fortress.comms.indicators import DEFINITIONS, Places, Record, home_cell, measures
from fortress.comms.lines import NoDetection, as_number, workspace_tables
from fortress.model import columns as c
from fortress.model import flags
from fortress.model.profiles import Exclusion, HomeCell, NumberProfile
from fortress.store.workspace import Workspace

NOT_SUBSCRIBER = "the other party was withheld, a short code or unreadable"
Sites = dict[str, tuple[float, float, str | None]]
"""Cell id -> latitude, longitude and area."""
INTERACTIONS = {"call": "call", "sms": "text", "mms": "text", "app_message": "text"}


@dataclass(frozen=True, slots=True)
class Period:
    """Local days ``first``..``last`` (both included; None: unbounded) in ``zone``, and the
    half-open UTC instants they span."""

    first: date | None
    last: date | None
    zone: ZoneInfo

    @property
    def start_utc(self) -> datetime | None:
        return None if self.first is None else _utc(self.first, self.zone)

    @property
    def end_utc(self) -> datetime | None:
        return None if self.last is None else _utc(self.last + timedelta(days=1), self.zone)

    def describe(self) -> str:
        """The period in words, e.g. ``days 2024-01-01 to 2024-01-31 (Europe/London)``."""
        if self.first is None and self.last is None:
            return f"every day ({self.zone.key})"
        first = self.first.isoformat() if self.first else "the first record's"
        last = self.last.isoformat() if self.last else "the last record's"
        return f"days {first} to {last} ({self.zone.key})"


def _utc(day: date, zone: ZoneInfo) -> datetime:
    local = datetime.combine(day, time(), tzinfo=zone)
    return local.astimezone(UTC).replace(tzinfo=None)


PAGE_DAYS: Final = ("the first local day", "the last local day")
"""The two days' names where a page or the API asks for them."""


def period(
    first: str | None,
    last: str | None,
    zone: str = LONDON.key,
    names: tuple[str, str] = ("--from", "--to"),
) -> Period:
    """The period from a first and a last day (YYYY-MM-DD) on ``zone``'s clock; a
    ValueError says what is wrong, calling the two days by ``names`` (the command's
    options by default, a page's fields where it asks)."""
    try:
        where = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"unknown time zone {zone!r}: use an IANA name, e.g. Europe/London"
        ) from exc
    days = [_day(text, name) for text, name in zip((first, last), names, strict=True)]
    if days[0] and days[1] and days[1] < days[0]:
        raise ValueError(f"{names[1]} {days[1]} is before {names[0]} {days[0]}")
    return Period(days[0], days[1], where)


def _day(text: str | None, name: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"{name} {text!r} is not a day: use YYYY-MM-DD") from exc


def within(events: ir.Table, when: Period) -> ir.Table:
    """``events`` that started within ``when``."""
    if when.start_utc is not None:
        events = events.filter(events[c.START_UTC] >= when.start_utc)
    if when.end_utc is not None:
        events = events.filter(events[c.START_UTC] < when.end_utc)
    return events


def profile_number(
    workspace: Workspace,
    raw: str,
    when: Period | None = None,
    *,
    weekly: bool = False,
    split: bool = False,
) -> NumberProfile:
    """The profile of the number ``raw`` (normalised as ingest would) over ``when``;
    ``weekly`` gives each indicator's mean and std across weeks, ``split`` adds weekdays,
    weekends, days and nights. ``NoDetection`` if it has no calls or texts then."""
    when = when or Period(None, None, LONDON)
    number = as_number(raw)
    comms, cells = workspace_tables(workspace)
    rows = _own_rows(within(comms, when), number)
    if not rows:
        raise NoDetection(f"{number} has no calls or texts on {when.describe()}")
    records, excluded = _records(rows, when.zone)
    if not records:
        raise NoDetection(
            f"{number} has calls or texts on {when.describe()}, but none with "
            f"another subscriber ({excluded[0].events} events: {excluded[0].reason})"
        )
    located = {r.cell for r in records if r.cell is not None}
    sites = _sites(cells, sorted(located)) if cells is not None else {}
    home = home_cell(records)
    places = Places({cell: (s[0], s[1]) for cell, s in sites.items()}, home[0] if home else None)
    return NumberProfile(
        number=number,
        zone=when.zone.key,
        period=when.describe(),
        from_utc=_iso(when.start_utc),
        to_utc=_iso(when.end_utc),
        first_utc=_iso(records[0].utc),
        last_utc=_iso(records[-1].utc),
        records=len(records),
        located_records=sum(1 for r in records if r.cell is not None),
        excluded=excluded,
        weekly=weekly,
        definitions=DEFINITIONS,
        measures=measures(records, places, weekly=weekly, split=split),
        home=None if home is None else _home(home, sites),
        week_hours=week_hours(records),
    )


def _own_rows(events: ir.Table, number: str) -> list[dict[str, Any]]:
    """The number's end of each event touching it, in time order."""
    touching = events.filter((events[c.A_NUMBER] == number) | (events[c.B_NUMBER] == number))
    mine = contacts(touching, common=(c.EVENT_ID, c.START_UTC, c.KIND, c.DURATION_S, c.FLAGS))
    mine = mine.filter(mine.number == number).order_by([c.START_UTC, c.EVENT_ID])
    rows: list[dict[str, Any]] = mine.to_pyarrow().to_pylist()
    return rows


def _records(rows: list[dict[str, Any]], zone: ZoneInfo) -> tuple[list[Record], list[Exclusion]]:
    records, unknown_other = [], 0
    for row in rows:
        side = "b" if row["outgoing"] else "a"
        event_flags = set(row[c.FLAGS] or ())
        if row["other"] is None or event_flags & {f"{side}_{f}" for f in flags.NOT_A_SUBSCRIBER}:
            unknown_other += 1
            continue
        utc = row[c.START_UTC]
        at = utc.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None)
        records.append(
            Record(at=at, utc=utc, interaction=INTERACTIONS[row[c.KIND]],  # type: ignore[arg-type]
                   outgoing=bool(row["outgoing"]), other=row["other"],
                   duration_s=int(row[c.DURATION_S] or 0), cell=row["cell"])
        )  # fmt: skip
    excluded = [Exclusion(events=unknown_other, reason=NOT_SUBSCRIBER)] if unknown_other else []
    return records, excluded


def _sites(cells: ir.Table, wanted: list[str]) -> Sites:
    if not wanted:
        return {}
    found = cells.filter(cells[c.CELL_ID].isin(wanted)).select(c.CELL_ID, c.LAT, c.LON, c.AREA)
    return {row[c.CELL_ID]: (row[c.LAT], row[c.LON], row[c.AREA])
            for row in found.to_pyarrow().to_pylist()}  # fmt: skip


def _home(home: tuple[str, int, int], sites: Sites) -> HomeCell:
    cell, slots, of_slots = home
    lat, lon, area = sites.get(cell, (None, None, None))
    return HomeCell(cell=cell, night_slots=slots, of_night_slots=of_slots, lat=lat, lon=lon,
                    area=area)  # fmt: skip


def week_hours(records: list[Record]) -> list[list[int]]:
    """Records by local weekday (Monday first) and hour."""
    counts = [[0] * 24 for _ in range(7)]
    for r in records:
        counts[r.at.weekday()][r.at.hour] += 1
    return counts


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat(timespec="seconds")
