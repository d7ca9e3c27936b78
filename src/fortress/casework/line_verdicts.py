"""Analysts' verdicts on detected deal lines: a line is *new* until an analyst confirms or
rejects it. Each verdict is appended with who gave it, when and on which detection run, and
audited as an alteration of the line's record; the newest is the line's status."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Final, Literal

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fortress.casework import audit
from fortress.casework.models import LineVerdict
from fortress.store.workspace import now_utc

Status = Literal["new", "confirmed", "rejected"]
STATUSES: Final[tuple[Status, ...]] = ("new", "confirmed", "rejected")
VERDICTS: Final = ("confirmed", "rejected")
NOTE_MOST: Final = 2_000


class VerdictProblem(ValueError):
    """A verdict that cannot be recorded; the message says why."""


class LineStatus(BaseModel):
    """A line's status: ``new`` (never judged) or the newest verdict, with who, when, on
    which run and why."""

    line_id: str
    status: Status
    judged_by: str | None = None
    judged_at: datetime | None = None
    run_id: str | None = None
    note: str | None = None


def judge_line(
    session: Session, line_id: str, verdict: str, note: str | None, run_id: str, *, actor: str
) -> LineStatus:
    """Record ``actor``'s verdict on a line of detection run ``run_id`` (audited)."""
    if verdict not in VERDICTS:
        raise VerdictProblem(f"a verdict is one of {', '.join(VERDICTS)}, not {verdict[:20]!r}")
    cleaned = (note or "").strip() or None
    if cleaned is not None and len(cleaned) > NOTE_MOST:
        raise VerdictProblem(f"the note is {len(cleaned):,} characters: at most {NOTE_MOST:,}")
    if verdict == "rejected" and cleaned is None:
        raise VerdictProblem("say why the line is rejected (a note), for whoever reads it next")
    row = LineVerdict(line_id=line_id, verdict=verdict, note=cleaned, run_id=run_id,
                      judged_by=actor, judged_at=now_utc())  # fmt: skip
    session.add(row)
    audit.record(session, actor, "alteration", "deal_line", [line_id])
    return _status(row)


def line_statuses(session: Session, line_ids: Iterable[str]) -> dict[str, LineStatus]:
    """Each line's status (``new`` where never judged). Not audited: the caller's view of
    the lines is."""
    wanted = list(dict.fromkeys(line_ids))
    statuses = {line_id: LineStatus(line_id=line_id, status="new") for line_id in wanted}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        newest = (
            select(func.max(LineVerdict.id))
            .where(LineVerdict.line_id.in_(chunk))
            .group_by(LineVerdict.line_id)
        )
        for row in session.scalars(select(LineVerdict).where(LineVerdict.id.in_(newest))):
            statuses[row.line_id] = _status(row)
    return statuses


def line_history(session: Session, line_id: str) -> list[LineStatus]:
    """Every verdict on a line, newest first."""
    rows = session.scalars(
        select(LineVerdict).where(LineVerdict.line_id == line_id).order_by(LineVerdict.id.desc())
    )
    return [_status(row) for row in rows]


def _status(row: LineVerdict) -> LineStatus:
    verdict: Status = "confirmed" if row.verdict == "confirmed" else "rejected"
    return LineStatus(line_id=row.line_id, status=verdict, judged_by=row.judged_by,
                      judged_at=row.judged_at, run_id=row.run_id, note=row.note)  # fmt: skip
