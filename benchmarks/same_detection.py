"""Does a change to detection keep its results? Fingerprint a run, then compare two.

    same_detection.py run WORKSPACE OUT.json     detect with the code on PYTHONPATH, save
    same_detection.py compare A.json B.json      every difference, or "identical"

A fingerprint is everything a run stores except its id and clock times: the run's event
span, parameters and safeguarding sites; every scored number (score, components, evidence
text, figures, customers, runners, handsets, sites); every line (numbers, evidence, people:
controllers, holders, movements, possible children). Run the "before" code from a
worktree (``git worktree add /tmp/before REV``, then ``PYTHONPATH=/tmp/before/src``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def fingerprint(root: Path) -> dict[str, Any]:
    """Run detection on the workspace at ``root`` and return its stored result."""
    from sqlalchemy import select

    from fortress.comms.lines import run_detection
    from fortress.store.models import DealLineRecord, LineRun, ScoredNumber
    from fortress.store.workspace import Workspace

    workspace = Workspace.open(root)
    summary = run_detection(workspace)
    print(f"detection took {summary.seconds:.1f} s", file=sys.stderr)
    run_id = summary.run_id
    with workspace.sessions() as session:
        run = session.get(LineRun, run_id)
        assert run is not None
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run")
    run.add_argument("workspace", type=Path)
    run.add_argument("out", type=Path)
    compare = sub.add_parser("compare")
    compare.add_argument("a", type=Path)
    compare.add_argument("b", type=Path)
    args = parser.parse_args()
    if args.command == "run":
        found = fingerprint(args.workspace)
        args.out.write_text(json.dumps(found, indent=1, sort_keys=True, default=str) + "\n")
        print(f"{args.out}: {len(found['numbers'])} numbers, {len(found['lines'])} lines")
        return
    a, b = (json.loads(p.read_text()) for p in (args.a, args.b))
    found = differences(a, b)
    print("\n".join(found) if found else "identical")
    print(f"{len(a['numbers'])} numbers, {len(a['lines'])} lines compared", file=sys.stderr)
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
