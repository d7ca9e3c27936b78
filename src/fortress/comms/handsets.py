"""Handset history of a number (IMEI changes) and number history of a handset (SIM swaps).

Both come from the events that name a party's handset: the originator's ``a_imei`` and,
where the source gives it, the recipient's ``b_imei``.
"""

from __future__ import annotations

import ibis.expr.types as ir

from fortress.model import columns as c
from fortress.model.lines import Sighting


def sightings(events: ir.Table) -> ir.Table:
    """Every (number, imei, time) that an event records, from either party."""
    a = events.filter(events[c.A_IMEI].notnull() & events[c.A_NUMBER].notnull()).select(
        number=events[c.A_NUMBER], imei=events[c.A_IMEI], at=events[c.START_UTC]
    )
    b = events.filter(events[c.B_IMEI].notnull() & events[c.B_NUMBER].notnull()).select(
        number=events[c.B_NUMBER], imei=events[c.B_IMEI], at=events[c.START_UTC]
    )
    return a.union(b, distinct=False)


def history(
    events: ir.Table, *, number: str | None = None, imei: str | None = None
) -> list[Sighting]:
    """The handsets of ``number``, or the numbers of ``imei``: first and last sighting and
    how many events, oldest first."""
    seen = sightings(events)
    if number is not None:
        seen = seen.filter(seen.number == number)
    if imei is not None:
        seen = seen.filter(seen.imei == imei)
    rows = (
        seen.group_by(["number", "imei"])
        .aggregate(first_utc=seen.at.min(), last_utc=seen.at.max(), events=seen.count())
        .order_by(["first_utc", "number", "imei"])
        .to_pyarrow()
        .to_pylist()
    )
    return [
        Sighting(
            number=row["number"],
            imei=row["imei"],
            first_utc=row["first_utc"].isoformat(),
            last_utc=row["last_utc"].isoformat(),
            events=row["events"],
        )
        for row in rows
    ]
