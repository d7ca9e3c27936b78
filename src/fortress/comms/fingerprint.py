"""A detection run as stored, for telling whether two runs found the same.

A fingerprint is everything a run stores except its id and clock times: the run's event
span, parameters and safeguarding sites; every scored number (score, components, evidence
text, figures, customers, runners, handsets, sites); every line (numbers, evidence, people:
controllers, holders, movements, possible children). ``benchmarks/same_detection.py``
compares the runs of two versions of the code; the tests compare a kept wave step's run
with a run over every file.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from fortress.store.models import DealLineRecord, LineRun, ScoredNumber
from fortress.store.workspace import Workspace


def fingerprint(workspace: Workspace, run_id: str) -> dict[str, Any]:
    """The stored result of run ``run_id``, as JSON-ready values."""
    with workspace.sessions() as session:
        run = session.get(LineRun, run_id)
        if run is None:
            raise ValueError(f"no detection run {run_id!r} in this workspace")
        numbers = session.scalars(
            select(ScoredNumber).where(ScoredNumber.run_id == run_id).order_by(ScoredNumber.number)
        ).all()
        lines = session.scalars(
            select(DealLineRecord)
            .where(DealLineRecord.run_id == run_id)
            .order_by(DealLineRecord.line_id)
        ).all()
        return {
            "run": {
                "events": run.events,
                "first_event_utc": str(run.first_event_utc),
                "last_event_utc": str(run.last_event_utc),
                "numbers_scored": run.numbers_scored,
                "lines_found": run.lines_found,
                "params": json.loads(run.params),
                "safeguarding": json.loads(run.safeguarding),
            },
            "numbers": {
                n.number: {
                    "line_id": n.line_id,
                    "score": n.score,
                    "is_line": n.is_line,
                    "first_seen_utc": str(n.first_seen_utc),
                    "last_seen_utc": str(n.last_seen_utc),
                    **{
                        key: json.loads(getattr(n, key))
                        for key in ("components", "evidence", "figures", "details")
                    },
                }
                for n in numbers
            },
            "lines": {
                line.line_id: {
                    "score": line.score,
                    **{
                        key: json.loads(getattr(line, key))
                        for key in ("numbers", "evidence", "people")
                    },
                }
                for line in lines
            },
        }


def differences(a: Any, b: Any, path: str = "") -> list[str]:
    """Every path at which ``a`` and ``b`` differ, with both values."""
    if isinstance(a, dict) and isinstance(b, dict):
        found = []
        for key in sorted(set(a) | set(b), key=str):
            if key not in a or key not in b:
                found.append(f"{path}/{key}: only in {'B' if key not in a else 'A'}")
            else:
                found += differences(a[key], b[key], f"{path}/{key}")
        return found
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [
            d
            for i, (x, y) in enumerate(zip(a, b, strict=True))
            for d in differences(x, y, f"{path}[{i}]")
        ]
    return [] if a == b else [f"{path}: {json.dumps(a)[:200]} != {json.dumps(b)[:200]}"]
