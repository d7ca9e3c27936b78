"""Runners who may be children: for safeguarding referral, never for enforcement.

A child's phone is quiet in lessons on school days; a child working a line is missing from
school (Home Office 2023 county-lines guidance lists both going missing and absence from
school among the signs). For each runner, its days are split into school days when it had
no contact with the line's phones (off duty: where a pupil would be in lessons) and school
days it worked. On the off-duty school days, its calls and messages in lessons (09:00-15:00
local) are compared with those after school (15:00-21:00): a phone that is nearly silent
in lessons and busy after school behaves like a pupil's. Working school days are reported
as days a child would have been missing from school.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

import ibis.expr.types as ir

from fortress.comms.events import LOCAL
from fortress.comms.roles import LineCrew
from fortress.model.calendar import SCHOOL_HOURS, is_school_day
from fortress.model.findings import Evidence


@dataclass(frozen=True, slots=True)
class ChildParams:
    """How much evidence a judgement needs."""

    min_days: int = 3
    """At least three off-duty school days to compare."""
    min_after_school: int = 5
    """At least five calls or messages after school on those days."""
    quiet_threshold: float = 0.8
    """Lessons-hour activity under a fifth of the after-school rate suggests a pupil."""


def possible_children(
    contacts: ir.Table, crews: list[LineCrew], params: ChildParams | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Per line id: each runner's school-day pattern, with evidence."""
    params = params or ChildParams()
    runners = sorted({r for crew in crews for r in crew.runners})
    if not runners:
        return {}
    line_numbers = sorted({n for crew in crews for n in crew.numbers})
    mine = contacts.filter(contacts.number.isin(runners))
    hour = mine[LOCAL].hour()
    start, end = SCHOOL_HOURS
    rows = (
        mine.group_by(number=mine.number, day=mine[LOCAL].date())
        .aggregate(
            lessons=((hour >= start) & (hour < end)).sum(),
            after=((hour >= end) & (hour < end + (end - start))).sum(),
            worked=mine.other.isin(line_numbers).any(),
        )
        .to_pyarrow()
        .to_pylist()
    )
    days: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        if is_school_day(row["day"]):
            days[row["number"]].append(row)
    return {
        crew.line_id: [_judge(r, days.get(r, []), params) for r in crew.runners] for crew in crews
    }


def _judge(runner: str, school_days: list[dict[str, Any]], params: ChildParams) -> dict[str, Any]:
    off = [d for d in school_days if not d["worked"]]
    working: list[date] = sorted(d["day"] for d in school_days if d["worked"])
    lessons = sum(int(d["lessons"]) for d in off)
    after = sum(int(d["after"]) for d in off)
    judged = len(off) >= params.min_days and after >= params.min_after_school
    quiet = 1 - min(1.0, lessons / after) if judged and after else None
    flagged = quiet is not None and quiet >= params.quiet_threshold
    if judged:
        text = (
            f"On {len(off)} school days it did not work the line, {runner} made {lessons} calls "
            f"or messages in lesson hours against {after} after school"
            + (": quiet in lessons, like a pupil's phone." if flagged else ".")
        )
    else:
        text = f"Too few school days off duty to judge ({len(off)})."
    if working:
        text += f" It worked the line on {len(working)} school days ({working[0]} to {working[-1]})"
        text += ", when a child would be missing from school." if flagged else "."
    return {
        "number": runner,
        "possible_child": flagged,
        "quiet_in_lessons": None if quiet is None else round(quiet, 3),
        "school_days_off_duty": len(off),
        "school_days_working": len(working),
        "evidence": [
            Evidence("possible_child", text, {"lessons": lessons, "after": after}).to_dict()
        ],
    }
