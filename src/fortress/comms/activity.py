"""Daily activity of a deal line: the measures police and defence experts argue about.

For a line (its numbers, customers and runners) and each local day ``d`` of its life:

* ``base`` - customers (members of the line's base) who received at least one of its
  marketing waves in the trailing ``window_days`` days ``d - window_days + 1 .. d``;
* ``potential`` - potential transactions: distinct customers who called or texted any of
  the line's numbers on ``d``;
* ``confirmed`` - confirmed transactions: those of ``potential`` whose contact was answered
  (an answered call) or who were called or texted back on ``d``, after their first contact
  that day, by one of the line's numbers or one of its runners;
* ``customers_texted`` - customers who received a wave on ``d``; ``incoming`` and
  ``outgoing`` - calls and messages the line's numbers received and made;
* ``active_hours`` - distinct local clock hours of ``d`` with any call or message in or out.

A customer counts once per day however many times they called: a transaction count is a
count of customer-days, which is what the quantum methods need.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import ibis
import ibis.expr.types as ir

from fortress.comms import waves as wv
from fortress.comms.events import LOCAL, contacts, span, with_local_time
from fortress.comms.params import DetectionParams
from fortress.model import columns as c
from fortress.model.lines import DayActivity

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True, slots=True)
class LineParties:
    """Who a line is: its numbers, its customers and its runners."""

    numbers: list[str]
    customers: list[str]
    runners: list[str]


def daily_activity(
    events: ir.Table,
    line: LineParties,
    params: DetectionParams | None = None,
    window_days: int = 7,
) -> list[DayActivity]:
    """One row per local day from the line's first to its last contact."""
    params = params or DetectionParams()
    when = span(events)
    if when is None or not line.numbers:
        return []
    local = with_local_time(events, when)
    mine = contacts(local).filter(ibis._.number.isin(line.numbers))
    mine = mine.mutate(day=mine[LOCAL].date())
    days = _days(mine)
    if not days:
        return []
    receipts = _wave_receipts(local, line, params)
    per_day = {row["day"]: row for row in _rows(_traffic(mine))}
    for row in _rows(_transactions(local, mine, line)):
        per_day.setdefault(row["day"], {}).update(row)
    return [
        _day_row(day, per_day.get(day, {}), receipts, window_days)
        for day in _calendar(days[0], days[-1])
    ]


def week_hours(events: ir.Table, numbers: list[str]) -> list[list[int]]:
    """Calls and messages made or received by ``numbers``, counted by local day of the week
    (Monday first) and clock hour: a line's working pattern, the day x hour matrix."""
    counts = [[0] * 24 for _ in WEEKDAYS]
    when = span(events)
    if when is None or not numbers:
        return counts
    mine = contacts(with_local_time(events, when)).filter(ibis._.number.isin(numbers))
    cells = mine.group_by(
        weekday=mine[LOCAL].day_of_week.index(), hour=mine[LOCAL].hour()
    ).aggregate(n=mine.count())
    for row in _rows(cells):
        counts[row["weekday"]][row["hour"]] = int(row["n"])
    return counts


def events_per_day(events: ir.Table, numbers: list[str]) -> dict[str, dict[date, int]]:
    """Calls and messages made or received by each of ``numbers``, by UTC day (one pass)."""
    if not numbers:
        return {}
    mine = contacts(events, common=(c.START_UTC,)).filter(ibis._.number.isin(numbers))
    per = mine.group_by(number=mine.number, day=mine[c.START_UTC].date()).aggregate(n=mine.count())
    found: dict[str, dict[date, int]] = {}
    for row in _rows(per):
        found.setdefault(row["number"], {})[row["day"]] = int(row["n"])
    return found


def _days(mine: ir.Table) -> list[date]:
    bounds = mine.aggregate(first=mine.day.min(), last=mine.day.max()).to_pyarrow().to_pylist()
    first, last = bounds[0]["first"], bounds[0]["last"]
    return [] if first is None else [first, last]


def _calendar(first: date, last: date) -> list[date]:
    return [first + timedelta(days=k) for k in range((last - first).days + 1)]


def _wave_receipts(
    local: ir.Table, line: LineParties, params: DetectionParams
) -> dict[date, set[str]]:
    """Customers who received a wave, by local day."""
    sent = wv.messages_sent(local).filter(ibis._.number.isin(line.numbers))
    bursts = wv.with_bursts(sent, params)
    waves = wv.waves(bursts, params).select(wv.SENDER, wv.BURST)
    received = bursts.join(waves, [wv.SENDER, wv.BURST])
    received = received.filter(received.recipient.isin(line.customers))
    rows = received.select(day=received[LOCAL].date(), customer=received.recipient).distinct()
    found: dict[date, set[str]] = {}
    for row in _rows(rows):
        found.setdefault(row["day"], set()).add(row["customer"])
    return found


def _traffic(mine: ir.Table) -> ir.Table:
    """Per day: calls and messages in and out, and active clock hours."""
    return mine.group_by("day").aggregate(
        incoming=(~mine.outgoing).sum(),
        outgoing=mine.outgoing.sum(),
        active_hours=mine[LOCAL].hour().nunique(),
    )


def _transactions(local: ir.Table, mine: ir.Table, line: LineParties) -> ir.Table:
    """Per day: potential and confirmed transactions (customer-days)."""
    orders = mine.filter(~mine.outgoing & mine.other.isin(line.customers))
    first = orders.group_by(["day", "other"]).aggregate(
        first_at=orders[c.START_UTC].min(),
        answered=(orders[c.KIND] == "call")
        .ifelse(orders[c.ANSWERED].fill_null(False), False)
        .any(),
    )
    responders = [*line.numbers, *line.runners]
    back = contacts(local).filter(
        ibis._.outgoing & ibis._.number.isin(responders) & ibis._.other.isin(line.customers)
    )
    back = back.group_by(day=back[LOCAL].date(), other=back.other).aggregate(
        last_back=back[c.START_UTC].max()
    )
    joined = first.left_join(back, ["day", "other"])
    confirmed = joined.answered | (
        joined.last_back.notnull() & (joined.last_back > joined.first_at)
    )
    return joined.group_by("day").aggregate(potential=joined.count(), confirmed=confirmed.sum())


def _day_row(
    day: date, figures: dict[str, Any], receipts: dict[date, set[str]], window_days: int
) -> DayActivity:
    base: set[str] = set()
    for back in range(window_days):
        base |= receipts.get(day - timedelta(days=back), set())
    return DayActivity(
        day=day.isoformat(),
        base=len(base),
        potential=int(figures.get("potential") or 0),
        confirmed=int(figures.get("confirmed") or 0),
        incoming=int(figures.get("incoming") or 0),
        outgoing=int(figures.get("outgoing") or 0),
        active_hours=int(figures.get("active_hours") or 0),
        customers_texted=len(receipts.get(day, set())),
    )


def _rows(expr: ir.Table) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = expr.to_pyarrow().to_pylist()
    return rows
