"""Does a change to detection keep its results? Fingerprint a run, then compare two.

    same_detection.py run WORKSPACE OUT.json     detect with the code on PYTHONPATH, save
    same_detection.py compare A.json B.json      every difference, or "identical"

A fingerprint (``fortress.comms.fingerprint``) is everything a run stores except its id
and clock times. Run the "before" code from a
worktree (``git worktree add /tmp/before REV``, then ``PYTHONPATH=/tmp/before/src``).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any


def fingerprint(root: Path) -> dict[str, Any]:
    """Run detection on the workspace at ``root`` and return its stored result."""
    from fortress.comms.lines import run_detection
    from fortress.store.workspace import Workspace

    workspace = Workspace.open(root)
    summary = run_detection(workspace)
    print(f"detection took {summary.seconds:.1f} s", file=sys.stderr)
    return FINGERPRINT.fingerprint(workspace, summary.run_id)


def _this_checkouts_fingerprint() -> ModuleType:
    """``fortress.comms.fingerprint`` of this checkout, loaded by its path: the code under
    test comes from ``PYTHONPATH`` and may predate the module."""
    path = Path(__file__).resolve().parents[1] / "src/fortress/comms/fingerprint.py"
    spec = importlib.util.spec_from_file_location("this_checkouts_fingerprint", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


FINGERPRINT = _this_checkouts_fingerprint()


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
    found = FINGERPRINT.differences(a, b)
    print("\n".join(found) if found else "identical")
    print(f"{len(a['numbers'])} numbers, {len(a['lines'])} lines compared", file=sys.stderr)
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
