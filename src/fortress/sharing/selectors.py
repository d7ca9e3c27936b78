"""The selectors a force offers for hit / no-hit: from its latest detection, or a file."""

from __future__ import annotations

import csv
from pathlib import Path

from fortress.comms.lines import list_lines, show_line
from fortress.sharing.hits import Selector, SharingError
from fortress.store.workspace import Workspace

MOST_PROBLEMS = 10
"""Bad rows named in one error (the count says how many more)."""


def workspace_selectors(workspace: Workspace) -> list[Selector]:
    """Every number and handset of the latest run's lines: line numbers, runners,
    controllers and the IMEIs the line numbers were used in."""
    found: set[Selector] = set()
    for summary in list_lines(workspace):
        if summary.line_id is None:  # a number on its own, not a line
            continue
        line = show_line(workspace, summary.line_id)
        numbers = [
            *line.numbers,
            *(r.number for r in line.runners.numbers),
            *(c.number for c in line.controllers.numbers),
        ]
        found.update(Selector.of("number", n) for n in numbers)
        found.update(Selector.of("imei", h.imei) for h in line.handsets)
    return sorted(found)


def file_selectors(path: Path) -> list[Selector]:
    """The selectors of a CSV file with the columns ``kind`` (number or imei) and
    ``value``. Any bad row refuses the whole file, naming each row and why."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as source:
            rows = list(csv.DictReader(source))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise SharingError(f"{path} cannot be read as CSV ({exc})") from exc
    if rows and not {"kind", "value"} <= set(rows[0]):
        raise SharingError(f"{path} needs the columns kind and value")
    found, problems = [], []
    for row_number, row in enumerate(rows, start=2):  # the header is row 1
        try:
            found.append(Selector.of((row["kind"] or "").strip(), row["value"] or ""))
        except SharingError as exc:
            problems.append(f"row {row_number}: {exc}")
    if problems:
        more = len(problems) - MOST_PROBLEMS
        listed = "; ".join(problems[:MOST_PROBLEMS]) + (f"; and {more} more" if more > 0 else "")
        raise SharingError(f"{path}: {len(problems)} bad rows, nothing used: {listed}")
    if not found:
        raise SharingError(f"{path} holds no selectors")
    return sorted(set(found))
