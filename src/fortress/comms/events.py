"""The comms event table prepared for behaviour analytics: local time and directed views."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol
from uuid import uuid4
from zoneinfo import ZoneInfo

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from fortress.comms.clock import LONDON, local_time
from fortress.comms.stages import StageClock
from fortress.model import columns as c
from fortress.model import flags

if TYPE_CHECKING:
    from fortress.comms.tallies import Tally, TallySource

MESSAGE_KINDS = ("sms", "mms")
LOCAL = "local"


@dataclass(frozen=True, slots=True)
class Span:
    """First and last event time (naive UTC) and the count of events."""

    first: datetime
    last: datetime
    events: int


def span(events: ir.Table) -> Span | None:
    """The time span of ``events``, or None when there are none."""
    row = events.aggregate(
        first=events[c.START_UTC].min(), last=events[c.START_UTC].max(), n=events.count()
    ).to_pyarrow()
    if row["n"][0].as_py() == 0:
        return None
    return Span(row["first"][0].as_py(), row["last"][0].as_py(), row["n"][0].as_py())


def small_table(like: ir.Table, columns: dict[str, list[Any]]) -> ir.Table:
    """A small table of Python values in the same engine as ``like``, for joins.

    Created as a temporary table rather than an ``ibis.memtable``: memtables inside a
    cached expression are not registered on every backend (PySpark), a temporary table is.
    """
    backend = like.get_backend()
    name = f"fortress_{uuid4().hex}"
    data = pa.table(columns)
    if backend.name == "pyspark":  # its backend has no temporary tables: use a temp view
        session = backend._session
        session.createDataFrame(data.to_pandas()).createOrReplaceTempView(name)
        view: ir.Table = backend.table(name)
        return view
    created: ir.Table = backend.create_table(name, data, temp=True)
    return created


def with_local_time(events: ir.Table, when: Span, zone: ZoneInfo = LONDON) -> ir.Table:
    """``events`` plus ``local``: the start on the local clock."""
    return events.mutate(**{LOCAL: local_time(events[c.START_UTC], zone, when.first, when.last)})


def is_subscriber(events: ir.Table, side: str) -> ir.BooleanValue:
    """True where party ``side`` (``a`` or ``b``) is a subscriber: an E.164 number or a
    source's opaque subscriber id, not a withheld number, short code or unreadable value."""
    value = events[c.A_NUMBER if side == "a" else c.B_NUMBER]
    event_flags = events[c.FLAGS]
    bad = ibis.or_(*(event_flags.contains(f"{side}_{flag}") for flag in flags.NOT_A_SUBSCRIBER))
    return value.notnull() & ((event_flags.length() == 0) | ~bad)


def answered_call(events: ir.Table) -> ir.BooleanValue:
    """A call that was answered; where a source has no answered flag, one with a duration.
    Customers who missed a "new number" text ring the old number unanswered for days: such
    calls say nothing of whether the number is alive."""
    answered = ibis.coalesce(events[c.ANSWERED], events[c.DURATION_S].fill_null(0) > 0)
    return (events[c.KIND] == "call") & answered


def is_live(contacts: ir.Table) -> ir.BooleanValue:
    """The number itself acted (``contacts`` rows): it originated the contact or answered
    a call."""
    return contacts.outgoing | answered_call(contacts)


CONTACT_SOURCES = (
    *(c.EVENT_ID, c.START_UTC, LOCAL, c.KIND, c.DURATION_S, c.ANSWERED, c.FLAGS),
    *(c.A_NUMBER, c.B_NUMBER, c.A_CELL, c.B_CELL, c.A_IMEI, c.B_IMEI),
)
"""The event columns that ``contacts`` reads."""


CONTACT_COLUMNS = (c.EVENT_ID, c.START_UTC, LOCAL, c.KIND, c.DURATION_S, c.ANSWERED)
"""The event columns each ``contacts`` row keeps as they are."""


def has_number_keys(events: ir.Table) -> bool:
    """Whether ``events`` carries a number key for every subscriber
    (``columns.NUMBER_KEYS``; ``store.events.comms_table`` reads them only then)."""
    return all(name in events.columns for name in c.NUMBER_KEYS)


def number_of_key(key: ir.IntegerValue) -> ir.StringValue:
    """The E.164 number a number key stands for (``+`` and its digits)."""
    return ibis.literal("+").concat(key.cast("string"))


def party_columns(keyed: bool) -> tuple[str, str]:
    """The columns of the A and B parties to sort or group by: the number keys where
    ``keyed`` (``has_number_keys``: integers sort and group twice as fast as text), else
    the numbers. ``numbers_back`` turns a result's keys back into numbers."""
    return (c.A_NUMBER_KEY, c.B_NUMBER_KEY) if keyed else (c.A_NUMBER, c.B_NUMBER)


def numbers_back(table: ir.Table, keyed: bool, *columns: str) -> ir.Table:
    """``table`` with the number keys in ``columns`` (where ``keyed``) back as numbers."""
    if not keyed:
        return table
    return table.mutate(**{name: number_of_key(table[name]) for name in columns})


def contacts(
    events: ir.Table, common: Sequence[str] = CONTACT_COLUMNS, keyed: bool = False
) -> ir.Table:
    """Each event from both ends: ``number``, ``other``, ``outgoing``, ``cell`` (the
    number's own cell), ``imei``, and the event's ``common`` columns (by default
    ``event_id``, times, ``kind``, ``duration_s`` and ``answered``). ``keyed``: ``number``
    and ``other`` are number keys (``party_columns``)."""
    a, b = party_columns(keyed)
    out = events.filter(is_subscriber(events, "a")).select(
        *common,
        number=events[a],
        other=events[b],
        outgoing=ibis.literal(True),
        cell=events[c.A_CELL],
        imei=events[c.A_IMEI],
    )
    incoming = events.filter(is_subscriber(events, "b")).select(
        *common,
        number=events[b],
        other=events[a],
        outgoing=ibis.literal(False),
        cell=events[c.B_CELL],
        imei=events[c.B_IMEI],
    )
    return out.union(incoming, distinct=False)


def contacts_of_numbers(events: ir.Table, numbers: list[str]) -> ir.Table:
    """``contacts`` rows of ``numbers`` in ``events`` (with the local clock), not executed."""
    wanted = small_table(events, {"number": numbers}).number
    # One scan finds the events at either end (a subquery, not a list of literals: a long
    # literal list is evaluated value by value); both views come from that.
    touching = (
        events.select(*CONTACT_SOURCES)
        .filter(events[c.A_NUMBER].isin(wanted) | events[c.B_NUMBER].isin(wanted))
        .cache()
    )
    theirs = contacts(touching)
    return theirs.filter(theirs.number.isin(wanted))


class ContactSource(Protocol):
    """Gives the ``contacts`` rows of some numbers over every event of a run, executed."""

    def __call__(self, numbers: list[str], local: ir.Table) -> ir.Table: ...


@dataclass(slots=True)
class Neighbourhood:
    """Contacts of chosen numbers, kept for the analyses that follow.

    Each step of detection and role finding looks at a few thousand numbers of a table
    that may hold hundreds of millions of events. Rather than each step scanning every
    event for its numbers, the numbers a step asks for that no earlier step asked for are
    fetched in one pass and their contacts kept (``cache``); later steps read those.
    """

    events: ir.Table
    """All events, with the local clock (``with_local_time``)."""
    clock: StageClock = field(default_factory=StageClock)
    """Charged the stage ``neighbourhoods`` for each fetch."""
    tallies: TallySource | None = None
    """Where tallies over every event come from (kept ones: ``tallies.KeptTallies``); by
    default each is computed over ``events``."""
    kept_contacts: ContactSource | None = None
    """Where fetched contacts come from (kept between runs: ``kept_contacts.KeptContacts``);
    by default a scan of ``events``."""
    _kept: list[ir.Table] = field(default_factory=list)
    _known: set[str] = field(default_factory=set)
    _tallied: dict[str, ir.Table] = field(default_factory=dict)

    def fetch(self, numbers: Iterable[str]) -> None:
        """Keep the contacts of those ``numbers`` not fetched before (one pass, if any)."""
        new = sorted(set(numbers) - self._known)
        if not new:
            return
        with self.clock.stage("neighbourhoods"):
            if self.kept_contacts:
                self._kept.append(self.kept_contacts(new, self.events))
            else:
                self._kept.append(contacts_of_numbers(self.events, new).cache())
            self._known.update(new)

    def contacts_of(self, numbers: Iterable[str]) -> ir.Table:
        """``contacts`` rows of ``numbers`` (fetched first where needed)."""
        wanted = sorted(set(numbers))
        if not wanted:
            return contacts(self.events).limit(0)
        self.fetch(wanted)
        first, *more = self._kept
        kept = first.union(*more, distinct=False) if more else first
        return kept.semi_join(small_table(self.events, {"number": wanted}), "number")

    def tally(self, tally: Tally) -> ir.Table:
        """``tally`` over every event, executed once per run (kept ones: read once)."""
        if tally.name not in self._tallied:
            found = self.tallies(tally) if self.tallies else tally.counted(self.events).cache()
            self._tallied[tally.name] = found
        return self._tallied[tally.name]
