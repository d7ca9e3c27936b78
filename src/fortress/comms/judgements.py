"""Analysts' judgements of successor links, kept in the record database.

A *rejected* link is never used to join two numbers into one line and is left out of
successor lists; a *confirmed* link always joins them (when both are line numbers); an
*unsure* one is shown as such and otherwise changes nothing.
"""

from __future__ import annotations

from sqlalchemy import select

from fortress.model.findings import JUDGEMENTS
from fortress.model.lines import Judgement
from fortress.store.models import LinkJudgement
from fortress.store.workspace import Workspace, now_utc

Judgements = dict[tuple[str, str], str]


class JudgementError(ValueError):
    """A judgement that cannot be recorded; the message says why."""


def judge_link(
    workspace: Workspace, old: str, new: str, verdict: str, note: str | None = None
) -> Judgement:
    """Record (or replace) the judgement of the link ``old`` -> ``new``."""
    if verdict not in JUDGEMENTS:
        raise JudgementError(f"verdict must be one of {', '.join(JUDGEMENTS)}, not {verdict!r}")
    if old == new:
        raise JudgementError("a number cannot succeed itself")
    with workspace.sessions.begin() as session:
        row = session.get(LinkJudgement, (old, new))
        if row is None:
            row = LinkJudgement(old_number=old, new_number=new)
            session.add(row)
        row.verdict, row.note, row.judged_at = verdict, note, now_utc()
    return Judgement.model_validate({"old": old, "new": new, "verdict": verdict, "note": note})


def link_judgements(workspace: Workspace) -> Judgements:
    """Every judged link: ``(old, new) -> verdict``."""
    with workspace.sessions() as session:
        rows = session.scalars(select(LinkJudgement)).all()
    return {(row.old_number, row.new_number): row.verdict for row in rows}
