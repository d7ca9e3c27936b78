"""Local clock time of UTC event timestamps, as a portable Ibis expression.

Deal-line behaviour is about the local day (late nights, every day of the week), but the
workspace stores UTC. Engines disagree on time-zone support (DuckDB needs its ICU extension,
Spark its session zone), so the offset is written out as a ``CASE`` over the zone's own
transitions (from :mod:`zoneinfo`) within the span of the data: a handful of branches.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import ibis
import ibis.expr.types as ir

LONDON = ZoneInfo("Europe/London")


def offset_spans(
    zone: ZoneInfo, first: datetime, last: datetime
) -> list[tuple[datetime, datetime, int]]:
    """``(from_utc, to_utc, offset_minutes)`` spans covering ``first``..``last`` (naive UTC).

    Walks the span hour by hour (transitions happen on the hour in every zone Fortress is
    used in) and merges equal neighbours.
    """
    start = first.replace(minute=0, second=0, microsecond=0)
    spans: list[tuple[datetime, datetime, int]] = []
    hour = start
    while hour <= last:
        offset = _offset_minutes(zone, hour)
        if spans and spans[-1][2] == offset:
            spans[-1] = (spans[-1][0], hour + timedelta(hours=1), offset)
        else:
            spans.append((hour, hour + timedelta(hours=1), offset))
        hour += timedelta(hours=1)
    return spans


def _offset_minutes(zone: ZoneInfo, naive_utc: datetime) -> int:
    offset = naive_utc.replace(tzinfo=UTC).astimezone(zone).utcoffset()
    return int((offset or timedelta()).total_seconds() // 60)


def local_time(
    start_utc: ir.TimestampValue, zone: ZoneInfo, first: datetime, last: datetime
) -> ir.TimestampValue:
    """``start_utc`` on the local clock of ``zone``, exact for times in ``first``..``last``."""
    spans = offset_spans(zone, first, last)
    if len(spans) == 1:
        return start_utc + ibis.interval(minutes=spans[0][2])
    minutes = ibis.cases(
        *(((start_utc >= begin) & (start_utc < end), offset) for begin, end, offset in spans),
        else_=spans[-1][2],
    )
    return start_utc + minutes.cast("int32").as_interval("m")
